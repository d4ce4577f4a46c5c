//! Resident teams (驻村工作队) and first secretaries (第一书记): members sent by their units for a
//! term to serve villages, and their days in the village kept as a record, not a check-in (国办函
//! 〔2026〕12号: no forced 打卡, no ranking by app use, no mandatory photo or location). The team
//! leader or the town records what each member did: in the village, away on duty that counts as in
//! the village, on leave approved by the town or (longer leave) the county's organisation
//! department, or away. Each month's share of working days in the village is set against the
//! pack (铜梁: at least two thirds of each month), and where a province counts days a year
//! (青海: 200), the year's days in the village against that number, pro rata for a term of part
//! of the year.

use crate::calendar::WorkCalendar;
use crate::codes::coded_enum;
pub use crate::policy::teams::TeamRules;
use crate::problems::Month;
use chrono::NaiveDate;

coded_enum!(
    /// A member's place in the team (职务).
    MemberRole {
        Secretary => ("secretary", "第一书记"),
        Leader => ("leader", "工作队队长"),
        Member => ("member", "工作队队员"),
    }
);

coded_enum!(
    /// What a member did on a day (工作纪实的类别).
    DayKind {
        InVillage => ("in", "在村"),
        Trip => ("trip", "因公外出（计入在村）"),
        Leave => ("leave", "请假"),
        Away => ("away", "不在村"),
    }
);

coded_enum!(
    /// Who approved a leave (请假审批).
    Approver {
        Town => ("town", "乡镇党委"),
        County => ("county", "县委组织部"),
    }
);

/// A span of days a member did one thing, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRecord {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub kind: DayKind,
    /// For leave: who approved it and the approval (批准人或文号).
    pub approver: Option<Approver>,
    pub approval: String,
    /// 工作纪实: what was done, or why away.
    pub note: String,
}

impl DayRecord {
    pub fn days(&self) -> u32 {
        u32::try_from((self.to - self.from).num_days() + 1).unwrap_or(0)
    }

    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// What is wrong with the record for `month`, given the member's other records of the
    /// month and term: `(field, message)` each; empty when it may be saved.
    pub fn problems(
        &self,
        month: Month,
        term: (NaiveDate, Option<NaiveDate>),
        others: &[DayRecord],
        rules: &TeamRules,
    ) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.to < self.from {
            out.push((
                "to",
                format!("结束日期{}早于开始日期{}", self.to, self.from),
            ));
            return out;
        }
        for (field, day) in [("from", self.from), ("to", self.to)] {
            if !month.contains(day) {
                out.push((
                    field,
                    format!("{day}不在{}内：每条记录只记一个月中的日子", month.label()),
                ));
            }
        }
        let after_end = term.1.is_some_and(|end| self.to > end);
        if self.from < term.0 || after_end {
            out.push((
                if self.from < term.0 { "from" } else { "to" },
                format!(
                    "记录的日子超出该队员的驻村任期（{}起{}）",
                    term.0,
                    term.1.map_or("至今".to_string(), |e| format!("至{e}"))
                ),
            ));
        }
        if let Some(o) = others
            .iter()
            .find(|o| o.from <= self.to && self.from <= o.to)
        {
            out.push((
                "from",
                format!(
                    "{}至{}已记为“{}”，同一天只能记一种情况",
                    o.from,
                    o.to,
                    o.kind.label()
                ),
            ));
        }
        if self.kind == DayKind::Leave {
            // Leave taken back to back is one leave: splitting it (or a month's end) must not
            // keep a long leave within the town's limit.
            let run = leave_run(self, others);
            match self.approver {
                None => out.push(("approver", "请假须写明审批机关，未经批准的不能记为请假".into())),
                Some(Approver::Town) if run > rules.town_leave_max_days => out.push((
                    "approver",
                    if run == self.days() {
                        format!(
                            "请假{run}天，超过{}天须由县委组织部批准（政策包）",
                            rules.town_leave_max_days
                        )
                    } else {
                        format!(
                            "连同相邻的请假记录连续请假{run}天，超过{}天须由县委组织部批准（政策包）",
                            rules.town_leave_max_days
                        )
                    },
                )),
                Some(_) => {}
            }
            let n = self.approval.trim().chars().count();
            if n == 0 {
                out.push(("approval", "请填写批准人或审批文号".into()));
            } else if n > 100 {
                out.push((
                    "approval",
                    format!("批准人或审批文号不能超过100字，现有{n}字"),
                ));
            }
        }
        if self.note.trim().chars().count() > 500 {
            out.push(("note", "工作纪实不能超过500字".into()));
        }
        out
    }
}

/// The length in days of the leave `record` belongs to, joined with the leave records that
/// touch it end to end (in any month).
fn leave_run(record: &DayRecord, others: &[DayRecord]) -> u32 {
    let (mut from, mut to) = (record.from, record.to);
    loop {
        let before = others
            .iter()
            .find(|o| o.kind == DayKind::Leave && o.to.succ_opt() == Some(from) && o.from < from);
        let after = others
            .iter()
            .find(|o| o.kind == DayKind::Leave && to.succ_opt() == Some(o.from) && o.to > to);
        match (before, after) {
            (None, None) => break,
            (b, a) => {
                if let Some(b) = b {
                    from = b.from;
                }
                if let Some(a) = a {
                    to = a.to;
                }
            }
        }
    }
    u32::try_from((to - from).num_days() + 1).unwrap_or(u32::MAX)
}

/// A member's month: working days, days in the village, on leave, away and not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthFigures {
    /// Working days of the month within the member's term (holiday calendar).
    pub working: u32,
    /// Working days in the village, trips on duty counted.
    pub in_village: u32,
    pub leave: u32,
    pub away: u32,
    /// Working days with no record.
    pub unrecorded: u32,
    /// Days in the village on rest days (not counted toward the share, shown).
    pub rest_days_in_village: u32,
    pub needed: u32,
    pub met: bool,
}

/// The figures of `month` from a member's records, on the calendar, within the term.
pub fn month_figures(
    records: &[DayRecord],
    month: Month,
    term: (NaiveDate, Option<NaiveDate>),
    calendar: &WorkCalendar,
    rules: &TeamRules,
) -> MonthFigures {
    let mut f = MonthFigures {
        working: 0,
        in_village: 0,
        leave: 0,
        away: 0,
        unrecorded: 0,
        rest_days_in_village: 0,
        needed: 0,
        met: false,
    };
    let first = month.first_day().max(term.0);
    let last = term.1.map_or(month.last_day(), |e| e.min(month.last_day()));
    for day in first.iter_days().take_while(|d| *d <= last) {
        let working = calendar.is_working_day(day).value;
        let kind = records.iter().find(|r| r.covers(day)).map(|r| r.kind);
        if !working {
            if matches!(kind, Some(DayKind::InVillage | DayKind::Trip)) {
                f.rest_days_in_village += 1;
            }
            continue;
        }
        f.working += 1;
        match kind {
            Some(DayKind::InVillage | DayKind::Trip) => f.in_village += 1,
            Some(DayKind::Leave) => f.leave += 1,
            Some(DayKind::Away) => f.away += 1,
            None => f.unrecorded += 1,
        }
    }
    f.needed = rules.needed(f.working);
    f.met = rules.met(f.in_village, f.working);
    f
}

/// A member's year so far where the pack counts days a year (`in_village_days_per_year`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearFigures {
    pub year: i32,
    /// Days in the village (trips on duty counted), any day of the week, from the start of
    /// the year or term through the day reckoned.
    pub in_village: u32,
    /// Days owed for the year: the pack's number, pro rata for a term of part of the year
    /// (rounded up; a county default, no seed divides it).
    pub required: u32,
    /// Days of the term still to come in the year after the day reckoned.
    pub left: u32,
    pub met: bool,
    /// Whether the days still to come could make up what is missing.
    pub reachable: bool,
}

/// The year of `through` for a member with `records` over `term`, against `per_year` days;
/// `None` when the term does not touch the year up to `through`.
pub fn year_figures(
    records: &[DayRecord],
    through: NaiveDate,
    term: (NaiveDate, Option<NaiveDate>),
    per_year: u32,
) -> Option<YearFigures> {
    use chrono::Datelike;
    let year = through.year();
    let first = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31)?;
    let start = first.max(term.0);
    let end = term.1.map_or(last, |e| e.min(last));
    if start > end || start > through {
        return None;
    }
    let span = |a: NaiveDate, b: NaiveDate| u32::try_from((b - a).num_days() + 1).unwrap_or(0);
    let year_days = span(first, last);
    let term_days = span(start, end);
    // Pro rata in integers, rounded up: a term of half the year owes half the days.
    let required = u32::try_from(
        (u64::from(per_year) * u64::from(term_days)).div_ceil(u64::from(year_days.max(1))),
    )
    .unwrap_or(per_year);
    let counted_to = through.min(end);
    let in_village = start
        .iter_days()
        .take_while(|d| *d <= counted_to)
        .filter(|d| {
            records
                .iter()
                .find(|r| r.covers(*d))
                .is_some_and(|r| matches!(r.kind, DayKind::InVillage | DayKind::Trip))
        })
        .count();
    let in_village = u32::try_from(in_village).unwrap_or(u32::MAX);
    let left = if counted_to < end {
        span(counted_to.succ_opt()?, end)
    } else {
        0
    };
    Some(YearFigures {
        year,
        in_village,
        required,
        left,
        met: in_village >= required,
        reachable: in_village.saturating_add(left) >= required,
    })
}

/// Whether two terms overlap (an open end runs on).
pub fn terms_overlap(a: (NaiveDate, Option<NaiveDate>), b: (NaiveDate, Option<NaiveDate>)) -> bool {
    a.1.is_none_or(|end| b.0 <= end) && b.1.is_none_or(|end| a.0 <= end)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn rules() -> TeamRules {
        TeamRules {
            in_village_share: Some([2, 3]),
            in_village_days_per_year: None,
            town_leave_max_days: 5,
        }
    }

    fn rec(from: NaiveDate, to: NaiveDate, kind: DayKind) -> DayRecord {
        DayRecord {
            from,
            to,
            kind,
            approver: None,
            approval: String::new(),
            note: String::new(),
        }
    }

    #[test]
    fn october_2026_counts_the_national_day_week_as_rest_and_its_make_up_day_as_work() {
        // October 2026: 1–7 are the National Day holiday (five of them weekdays); the official
        // calendar makes Saturday 10 October a working day. 22 weekdays − 5 + 1 = 18 working days.
        let cal = WorkCalendar::builtin();
        let month = Month {
            year: 2026,
            month: 10,
        };
        let term = (d(2026, 1, 1), None);
        let none = month_figures(&[], month, term, &cal, &rules());
        assert_eq!(none.working, 18, "{none:?}");
        assert_eq!((none.unrecorded, none.needed, none.met), (18, 12, false));
        // In the village the whole month, holiday included: the holiday days are shown apart.
        let all = [rec(d(2026, 10, 1), d(2026, 10, 31), DayKind::InVillage)];
        let f = month_figures(&all, month, term, &cal, &rules());
        assert_eq!(
            (f.in_village, f.rest_days_in_village, f.met),
            (18, 13, true)
        );
        // The make-up Saturday worked, six working days of leave and a trip on duty: 12 of 18
        // working days in the village is exactly two thirds, which meets it.
        let mixed = [
            rec(d(2026, 10, 8), d(2026, 10, 16), DayKind::InVillage),
            rec(d(2026, 10, 19), d(2026, 10, 26), DayKind::Leave),
            rec(d(2026, 10, 27), d(2026, 10, 28), DayKind::Trip),
            rec(d(2026, 10, 29), d(2026, 10, 30), DayKind::InVillage),
        ];
        let f = month_figures(&mixed, month, term, &cal, &rules());
        assert_eq!(
            (f.in_village, f.leave, f.unrecorded, f.rest_days_in_village),
            (12, 6, 0, 1),
            "{f:?}"
        );
        assert!(f.met);
        // One day fewer in the village is short of it.
        let short = [
            &mixed[..3],
            &[rec(d(2026, 10, 29), d(2026, 10, 29), DayKind::InVillage)],
        ]
        .concat();
        let f = month_figures(&short, month, term, &cal, &rules());
        assert_eq!((f.in_village, f.unrecorded, f.met), (11, 1, false));
    }

    #[test]
    fn a_term_starting_mid_month_counts_only_its_days() {
        let cal = WorkCalendar::builtin();
        let month = Month {
            year: 2026,
            month: 11,
        };
        let f = month_figures(
            &[rec(d(2026, 11, 16), d(2026, 11, 27), DayKind::InVillage)],
            month,
            (d(2026, 11, 16), None),
            &cal,
            &rules(),
        );
        // 16–30 November 2026: 11 working days, 10 recorded in the village.
        assert_eq!(
            (f.working, f.in_village, f.needed, f.met),
            (11, 10, 8, true)
        );
    }

    #[test]
    fn leave_needs_the_right_approver_and_records_stay_in_their_month_and_term() {
        let month = Month {
            year: 2026,
            month: 11,
        };
        let term = (d(2026, 3, 1), Some(d(2026, 11, 20)));
        let mut leave = rec(d(2026, 11, 2), d(2026, 11, 8), DayKind::Leave);
        let fields = |r: &DayRecord, others: &[DayRecord]| -> Vec<String> {
            r.problems(month, term, others, &rules())
                .into_iter()
                .map(|(f, m)| format!("{f}:{m}"))
                .collect()
        };
        let p = fields(&leave, &[]);
        assert!(
            p.iter()
                .any(|m| m.starts_with("approver:") && m.contains("未经批准")),
            "{p:?}"
        );
        leave.approver = Some(Approver::Town);
        leave.approval = "镇党委 张书记".into();
        let p = fields(&leave, &[]);
        assert!(
            p.iter()
                .any(|m| m.contains("请假7天，超过5天须由县委组织部批准")),
            "{p:?}"
        );
        leave.approver = Some(Approver::County);
        assert!(fields(&leave, &[]).is_empty());
        // Split into two town-approved leaves across the month's end: still one 7-day leave.
        let october = DayRecord {
            approver: Some(Approver::Town),
            approval: "镇党委".into(),
            ..rec(d(2026, 10, 28), d(2026, 10, 31), DayKind::Leave)
        };
        let split = DayRecord {
            approver: Some(Approver::Town),
            approval: "镇党委".into(),
            ..rec(d(2026, 11, 1), d(2026, 11, 3), DayKind::Leave)
        };
        let p = fields(&split, &[october]);
        assert!(p.iter().any(|m| m.contains("连续请假7天")), "{p:?}");
        let beyond = rec(d(2026, 11, 25), d(2026, 12, 2), DayKind::InVillage);
        let p = fields(&beyond, &[]);
        assert!(
            p.iter().any(|m| m.contains("2026-12-02不在2026年11月内")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|m| m.contains("超出该队员的驻村任期")),
            "{p:?}"
        );
        let p = fields(
            &rec(d(2026, 11, 5), d(2026, 11, 6), DayKind::InVillage),
            &[leave],
        );
        assert!(p.iter().any(|m| m.contains("已记为“请假”")), "{p:?}");
    }

    #[test]
    fn terms_overlap_with_open_ends() {
        assert!(terms_overlap((d(2026, 1, 1), None), (d(2027, 1, 1), None)));
        assert!(!terms_overlap(
            (d(2024, 1, 1), Some(d(2025, 12, 31))),
            (d(2026, 1, 1), None)
        ));
        assert!(terms_overlap(
            (d(2024, 1, 1), Some(d(2026, 1, 1))),
            (d(2026, 1, 1), None)
        ));
    }

    #[test]
    fn a_year_counts_every_day_in_the_village_against_the_days_owed_pro_rata() {
        // A whole year: 200 owed; weekends in the village count, leave does not.
        let records = [
            rec(d(2026, 1, 1), d(2026, 6, 30), DayKind::InVillage),
            rec(d(2026, 7, 1), d(2026, 7, 5), DayKind::Leave),
            rec(d(2026, 7, 6), d(2026, 7, 10), DayKind::Trip),
        ];
        let y = year_figures(&records, d(2026, 12, 31), (d(2025, 6, 1), None), 200).unwrap();
        assert_eq!((y.in_village, y.required, y.left), (181 + 5, 200, 0));
        assert!(!y.met && !y.reachable);
        // Reckoned on 31 July: 186 days in, 153 days still to come, so it can still be met.
        let y = year_figures(&records, d(2026, 7, 31), (d(2025, 6, 1), None), 200).unwrap();
        assert_eq!((y.in_village, y.left), (186, 153));
        assert!(!y.met && y.reachable);
        // A term from 1 July owes 184/365 of 200 = 100.8, rounded up to 101.
        let y = year_figures(&records, d(2026, 12, 31), (d(2026, 7, 1), None), 200).unwrap();
        assert_eq!((y.in_village, y.required), (5, 101));
        // A term ending 31 March of a leap year owes 91/366 of 200 = 49.7 → 50, and nothing
        // after its end is counted or still to come.
        let leap = [rec(d(2024, 1, 1), d(2024, 12, 31), DayKind::InVillage)];
        let y = year_figures(
            &leap,
            d(2024, 6, 1),
            (d(2023, 1, 1), Some(d(2024, 3, 31))),
            200,
        )
        .unwrap();
        assert_eq!((y.in_village, y.required, y.left, y.met), (91, 50, 0, true));
        // A term not yet begun, or ended before the year, has no year.
        assert_eq!(
            year_figures(&leap, d(2026, 5, 1), (d(2026, 6, 1), None), 200),
            None
        );
        assert_eq!(
            year_figures(
                &leap,
                d(2026, 5, 1),
                (d(2024, 1, 1), Some(d(2025, 12, 31))),
                200
            ),
            None
        );
    }

    #[test]
    fn a_pack_gives_a_monthly_share_or_yearly_days_or_both() {
        let mut r = rules();
        assert!(r.check().is_empty());
        r.in_village_share = None;
        assert!(r.check()[0].1.contains("至少一项"), "{:?}", r.check());
        assert!(r.met(0, 22), "no monthly share: every month is met");
        assert_eq!(r.needed(22), 0);
        r.in_village_days_per_year = Some(200);
        assert!(r.check().is_empty());
        r.in_village_days_per_year = Some(400);
        assert!(r.check()[0].1.contains("每年在村天数400无效"));
    }

    proptest! {
        #[test]
        fn a_years_days_stay_within_the_year_and_owe_no_more_than_the_pack(
            start in 0i64..400, len in 0i64..400, through in 0i64..365, per_year in 1u32..366,
        ) {
            let from = d(2025, 10, 1) + chrono::Duration::days(start);
            let term = (from, Some(from + chrono::Duration::days(len)));
            let on = d(2026, 1, 1) + chrono::Duration::days(through);
            let all = [rec(d(2025, 1, 1), d(2027, 12, 31), DayKind::InVillage)];
            if let Some(y) = year_figures(&all, on, term, per_year) {
                prop_assert!(y.required <= per_year);
                prop_assert!(y.in_village >= 1 && y.in_village + y.left <= 365);
                prop_assert_eq!(y.met, y.in_village >= y.required);
                // In the village every day of the term: the whole term reaches what it owes.
                prop_assert!(y.reachable);
            }
        }

        #[test]
        fn the_share_is_met_exactly_at_the_needed_days(working in 0u32..31, n in 1u32..4, extra in 0u32..2) {
            let r = TeamRules { in_village_share: Some([n, 4]), in_village_days_per_year: None, town_leave_max_days: 5 };
            let needed = r.needed(working);
            prop_assert!(r.met(needed, working));
            if needed > 0 {
                prop_assert!(!r.met(needed - 1, working));
            }
            prop_assert!(r.met(needed + extra, working));
        }

        #[test]
        fn every_working_day_is_counted_once(start in 1u32..28, len in 0u32..10) {
            let cal = WorkCalendar::builtin();
            let month = Month { year: 2026, month: 2 };
            let from = d(2026, 2, start);
            let to = d(2026, 2, (start + len).min(28));
            let f = month_figures(&[rec(from, to, DayKind::InVillage)], month, (d(2026, 1, 1), None), &cal, &rules());
            prop_assert_eq!(f.in_village + f.leave + f.away + f.unrecorded, f.working);
        }
    }
}
