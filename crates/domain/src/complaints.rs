//! Complaints and suggestions (投诉建议): since 国办函〔2026〕12号 every government app offers
//! them. Anyone may send one — a member of the public without an account, or a member of
//! staff — to the county office, which answers within the pack's time limit; the sender reads
//! the answer by the code given at sending. The on-time figure is the county's, never a
//! person's: the same notice forbids ranking staff by their use of an app.

use crate::codes::coded_enum;
use crate::monitoring::{FieldProblem, Refusal};
use chrono::NaiveDate;

coded_enum!(
    /// What the sender means it as.
    ComplaintKind {
        Complaint => ("complaint", "投诉"),
        Suggestion => ("suggestion", "建议"),
    }
);

coded_enum!(
    /// Who sent it: someone from the public (no account) or an account holder.
    ComplaintChannel {
        Public => ("public", "群众"),
        Staff => ("staff", "工作人员"),
    }
);

coded_enum!(
    /// Where it stands.
    ComplaintStatus {
        Open => ("open", "待答复"),
        Replied => ("replied", "已答复"),
    }
);

/// The longest text a complaint or a reply may carry, in characters.
pub const MAX_TEXT: usize = 1000;
/// The shortest complaint: a few words say what happened and where.
pub const MIN_TEXT: usize = 5;

/// A complaint as typed, before any check.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ComplaintForm {
    /// `complaint` / `suggestion` (or the Chinese label).
    pub kind: String,
    pub text: String,
    /// Optional: a sender may stay anonymous.
    pub name: String,
    /// Optional; if given, a mobile (11 digits) or a landline with its area code.
    pub phone: String,
}

/// A complaint that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedComplaint {
    pub kind: ComplaintKind,
    pub text: String,
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// A telephone number as people write it, reduced to its digits and the dash of a landline:
/// `138 0000 1234`, `023-45612317`. `None` when it is neither a mobile nor a landline.
pub fn phone_number(raw: &str) -> Option<String> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let digits: String = compact.chars().filter(|c| *c != '-').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) || compact.matches('-').count() > 1 {
        return None;
    }
    let mobile = digits.len() == 11 && digits.starts_with('1');
    // 区号 (3–4 digits starting with 0) and a 7–8 digit number.
    let landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
    (mobile || landline).then_some(compact)
}

/// Checks a complaint form and names every problem at once, each under its field.
pub fn check(form: &ComplaintForm) -> Result<CheckedComplaint, Refusal> {
    let mut problems: Vec<FieldProblem> = Vec::new();
    let kind = ComplaintKind::parse(&form.kind);
    if kind.is_none() {
        problems.push(("kind", "请选择“投诉”或“建议”".into()));
    }
    let text = form.text.trim();
    let n = text.chars().count();
    if n < MIN_TEXT {
        problems.push((
            "text",
            format!("请写明投诉或建议的内容（至少{MIN_TEXT}个字）"),
        ));
    } else if n > MAX_TEXT {
        problems.push(("text", format!("内容不超过{MAX_TEXT}个字，现在有{n}个字")));
    }
    let name = form.name.trim();
    if name.chars().count() > 30 {
        problems.push(("name", "姓名不超过30个字".into()));
    }
    let phone = match form.phone.trim() {
        "" => None,
        raw => match phone_number(raw) {
            Some(p) => Some(p),
            None => {
                problems.push((
                    "phone",
                    "联系电话应为11位手机号码或带区号的固定电话（可以不填）".into(),
                ));
                None
            }
        },
    };
    match (kind, problems.is_empty()) {
        (Some(kind), true) => Ok(CheckedComplaint {
            kind,
            text: text.to_string(),
            name: (!name.is_empty()).then(|| name.to_string()),
            phone,
        }),
        _ => Err(Refusal::Fields(problems)),
    }
}

/// Checks a reply: it says something, within [`MAX_TEXT`].
pub fn check_reply(text: &str) -> Result<String, Refusal> {
    let text = text.trim();
    let n = text.chars().count();
    if n < MIN_TEXT {
        return Err(Refusal::Fields(vec![(
            "reply",
            format!("请填写答复内容（至少{MIN_TEXT}个字）"),
        )]));
    }
    if n > MAX_TEXT {
        return Err(Refusal::Fields(vec![(
            "reply",
            format!("答复不超过{MAX_TEXT}个字，现在有{n}个字"),
        )]));
    }
    Ok(text.to_string())
}

/// One complaint as the on-time figure sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub due_on: Option<NaiveDate>,
    pub replied_on: Option<NaiveDate>,
}

/// The county's on-time figure (按时答复率) over some complaints, as of `today`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OnTime {
    pub received: u64,
    pub replied: u64,
    /// Replied on or before the day due.
    pub replied_on_time: u64,
    /// Not replied, and the day due has passed.
    pub overdue_open: u64,
    /// Not replied, still within the limit.
    pub open_in_time: u64,
}

impl OnTime {
    /// Share answered in time of those whose limit has run out or that were answered, in
    /// tenths of a percent; `None` when there is nothing to judge yet.
    pub fn rate_permille(&self) -> Option<u64> {
        let judged = self.replied + self.overdue_open;
        (judged > 0).then(|| (self.replied_on_time * 1000 + judged / 2) / judged)
    }

    /// The rate as people read it: "95.0%", or "—".
    pub fn rate_text(&self) -> String {
        match self.rate_permille() {
            Some(p) => format!("{}.{}%", p / 10, p % 10),
            None => "—".into(),
        }
    }
}

/// Counts `items` as of `today`. A complaint without a limit (no pack named one) counts as
/// answered in time when answered, and never as overdue.
pub fn on_time(items: impl IntoIterator<Item = Timing>, today: NaiveDate) -> OnTime {
    let mut f = OnTime::default();
    for t in items {
        f.received += 1;
        match (t.replied_on, t.due_on) {
            (Some(r), Some(d)) => {
                f.replied += 1;
                if r <= d {
                    f.replied_on_time += 1;
                }
            }
            (Some(_), None) => {
                f.replied += 1;
                f.replied_on_time += 1;
            }
            (None, Some(d)) if today > d => f.overdue_open += 1,
            (None, _) => f.open_in_time += 1,
        }
    }
    f
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn fields(r: Result<CheckedComplaint, Refusal>) -> Vec<&'static str> {
        match r {
            Err(Refusal::Fields(list)) => list.into_iter().map(|(f, _)| f).collect(),
            other => panic!("expected field problems, got {other:?}"),
        }
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let form = ComplaintForm {
            kind: "表扬".into(),
            text: "差".into(),
            name: "名".repeat(31),
            phone: "12345".into(),
        };
        assert_eq!(fields(check(&form)), ["kind", "text", "name", "phone"]);
    }

    #[test]
    fn a_sender_may_stay_anonymous() {
        let c = check(&ComplaintForm {
            kind: "建议".into(),
            text: "  希望村里公示栏贴在小卖部门口  ".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.kind, ComplaintKind::Suggestion);
        assert_eq!(c.text, "希望村里公示栏贴在小卖部门口");
        assert_eq!((c.name, c.phone), (None, None));
    }

    #[test]
    fn phones_are_mobiles_or_landlines() {
        assert_eq!(
            phone_number("138 0000 1234").as_deref(),
            Some("13800001234")
        );
        assert_eq!(
            phone_number("023-45612317").as_deref(),
            Some("023-45612317")
        );
        for bad in [
            "12317",
            "2345678901",
            "138000012345",
            "023--4561",
            "1380000123a",
        ] {
            assert_eq!(phone_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_reply_says_something() {
        assert!(check_reply("  好  ").is_err());
        assert!(check_reply(&"字".repeat(MAX_TEXT + 1)).is_err());
        assert_eq!(
            check_reply(" 已转石桥镇核实，三日内回电 ").unwrap(),
            "已转石桥镇核实，三日内回电"
        );
    }

    #[test]
    fn on_time_counts_each_complaint_once() {
        let today = d("2026-12-10");
        let f = on_time(
            [
                // answered on the day due, late, without a limit
                Timing {
                    due_on: Some(d("2026-12-01")),
                    replied_on: Some(d("2026-12-01")),
                },
                Timing {
                    due_on: Some(d("2026-12-01")),
                    replied_on: Some(d("2026-12-02")),
                },
                Timing {
                    due_on: None,
                    replied_on: Some(d("2026-12-02")),
                },
                // overdue, in time, no limit
                Timing {
                    due_on: Some(d("2026-12-09")),
                    replied_on: None,
                },
                Timing {
                    due_on: Some(d("2026-12-10")),
                    replied_on: None,
                },
                Timing {
                    due_on: None,
                    replied_on: None,
                },
            ],
            today,
        );
        assert_eq!(
            f,
            OnTime {
                received: 6,
                replied: 3,
                replied_on_time: 2,
                overdue_open: 1,
                open_in_time: 2,
            }
        );
        // 2 in time of 4 judged.
        assert_eq!(f.rate_text(), "50.0%");
        assert_eq!(OnTime::default().rate_text(), "—");
    }

    proptest! {
        #[test]
        fn the_figure_adds_up(
            items in proptest::collection::vec(
                (proptest::option::of(0i64..60), proptest::option::of(0i64..60)), 0..40),
            today in 0i64..60,
        ) {
            let base = d("2026-01-01");
            let at = |n: i64| base + chrono::Days::new(u64::try_from(n).unwrap());
            let timings: Vec<Timing> = items
                .iter()
                .map(|(due, rep)| Timing { due_on: due.map(at), replied_on: rep.map(at) })
                .collect();
            let f = on_time(timings.clone(), at(today));
            prop_assert_eq!(f.received, items.len() as u64);
            prop_assert_eq!(f.replied + f.overdue_open + f.open_in_time, f.received);
            prop_assert!(f.replied_on_time <= f.replied);
            if let Some(p) = f.rate_permille() {
                prop_assert!(p <= 1000);
            }
            // Answering an overdue complaint late never raises the rate above answering it
            // in time.
            let late: Vec<Timing> = timings
                .iter()
                .map(|t| match (t.replied_on, t.due_on) {
                    (None, Some(due)) if at(today) > due => Timing { replied_on: Some(at(today)), ..*t },
                    _ => *t,
                })
                .collect();
            prop_assert_eq!(on_time(late, at(today)).replied_on_time, f.replied_on_time);
        }
    }
}
