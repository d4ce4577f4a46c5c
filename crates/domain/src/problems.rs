//! The 三保障 and drinking-water problem ledger (三保障及饮水安全问题台账, 动态清零): a problem
//! found at a household (by a visit, a department's screening, the yearly 大排查 or a 保障核查)
//! is given to a responsible department with a deadline, resolved with evidence and struck
//! off (销号) by the town or county once the fix is verified. 月清零 asks that no problem
//! older than the pack's limit stays open.

use crate::access::Role;
use crate::codes::coded_enum;
pub use crate::policy::problems::{PROBLEM_KINDS, ProblemRules, problem_kind};
use chrono::{Datelike, NaiveDate};

coded_enum!(
    /// How a problem was found (发现途径).
    ProblemSource {
        Visit => ("visit", "走访发现"),
        Screening => ("screening", "部门筛查"),
        Campaign => ("campaign", "集中排查（大排查）"),
        Check => ("check", "保障核查"),
        Report => ("report", "群众反映"),
    }
);

coded_enum!(
    /// Where a problem stands (整改状态).
    ProblemState {
        Open => ("open", "待整改"),
        Resolved => ("resolved", "已整改待销号"),
        Closed => ("closed", "已销号"),
    }
);

coded_enum!(
    /// What can be done to a problem.
    ProblemAction {
        Resolve => ("resolve", "报告整改完成"),
        Close => ("close", "核实销号"),
        Reopen => ("reopen", "退回重新整改"),
    }
);

impl ProblemAction {
    /// The state after this action, or why it cannot be taken from `from`.
    pub fn apply(self, from: ProblemState) -> Result<ProblemState, String> {
        use ProblemAction as A;
        use ProblemState as S;
        match (self, from) {
            (A::Resolve, S::Open) => Ok(S::Resolved),
            (A::Close, S::Resolved) => Ok(S::Closed),
            (A::Reopen, S::Resolved) => Ok(S::Open),
            (A::Close, S::Open) => Err("问题尚未报告整改完成，不能销号：请先填写整改情况".into()),
            (A::Resolve, S::Resolved) => {
                Err("问题已报告整改完成，等待核实销号；如需补充请先退回".into())
            }
            (A::Reopen, S::Open) => Err("问题正在整改中，无需退回".into()),
            (_, S::Closed) => Err(format!("问题已销号，不能再“{}”", self.label())),
        }
    }

    /// Whether an account of `role` may take this action (the system may take any). The
    /// village or the cadre reports a fix; the town or county verifies it, so 销号 and 退回
    /// are theirs.
    pub fn permitted(self, role: Option<Role>) -> bool {
        match (self, role) {
            (_, None) => true,
            (ProblemAction::Resolve, Some(r)) => r.permits(crate::access::Permission::HandleCases),
            (_, Some(r)) => matches!(r, Role::CountyAdmin | Role::TownReviewer),
        }
    }

    /// Actions possible from `state`, in the order a page offers them.
    pub fn available(state: ProblemState) -> Vec<ProblemAction> {
        ProblemAction::ALL
            .iter()
            .copied()
            .filter(|a| a.apply(state).is_ok())
            .collect()
    }
}

/// What the clearing figures need to know of one problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemDates {
    pub found_on: NaiveDate,
    pub deadline: NaiveDate,
    /// The day it was struck off (销号), if it was.
    pub closed_on: Option<NaiveDate>,
}

impl ProblemDates {
    /// Open at the end of day `on`: found by then and not struck off by then.
    pub fn open_on(&self, on: NaiveDate) -> bool {
        self.found_on <= on && self.closed_on.is_none_or(|c| c > on)
    }

    /// Open at the end of `on` past its deadline.
    pub fn overdue_on(&self, on: NaiveDate) -> bool {
        self.open_on(on) && self.deadline < on
    }

    /// Open at the end of `on` and older than the clearing limit (未清零).
    pub fn uncleared_on(&self, on: NaiveDate, rules: &ProblemRules) -> bool {
        self.open_on(on) && rules.uncleared_from(self.found_on) <= on
    }
}

/// A calendar month (月份), the period of 月清零, 月调度 and the bulletin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// The month `day` is in.
    pub fn of(day: NaiveDate) -> Month {
        Month {
            year: day.year(),
            month: day.month(),
        }
    }

    /// Reads `2026-11` (also `2026-1`, `202611`).
    pub fn parse(s: &str) -> Result<Month, String> {
        let t = s.trim();
        let (y, m) = match t.split_once('-') {
            Some((y, m)) => (y, m),
            None if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) => t.split_at(4),
            None => return Err(format!("月份“{t}”格式不对，应写成 2026-11")),
        };
        let year: i32 = y.parse().map_err(|_| format!("月份“{t}”的年份不是数字"))?;
        let month: u32 = m.parse().map_err(|_| format!("月份“{t}”的月不是数字"))?;
        if !(2000..=2100).contains(&year) || !(1..=12).contains(&month) {
            return Err(format!("月份“{t}”不存在"));
        }
        Ok(Month { year, month })
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        Month::of(day) == self
    }

    /// The day a month's figures are taken on: its last day, or `today` inside the month.
    pub fn as_of(self, today: NaiveDate) -> NaiveDate {
        self.last_day().min(today)
    }

    /// 2026年11月
    pub fn label(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::policy::{DayCount, Deadline};
    use crate::registry::assurance::Indicator;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// (found, closed, open, overdue, uncleared) of `problems` for `month` taken on `as_of`:
    /// what the ledger's filters count.
    fn tally(
        problems: &[ProblemDates],
        month: Month,
        as_of: NaiveDate,
        r: &ProblemRules,
    ) -> (usize, usize, usize, usize, usize) {
        let n = |f: &dyn Fn(&ProblemDates) -> bool| problems.iter().filter(|p| f(p)).count();
        (
            n(&|p| month.contains(p.found_on)),
            n(&|p| p.closed_on.is_some_and(|c| month.contains(c))),
            n(&|p| p.open_on(as_of)),
            n(&|p| p.overdue_on(as_of)),
            n(&|p| p.uncleared_on(as_of, r)),
        )
    }

    fn rules(days: u32) -> ProblemRules {
        ProblemRules {
            clear_within_days: days,
            fix_within: Deadline {
                days: 30,
                count: DayCount::Natural,
            },
            departments: PROBLEM_KINDS
                .iter()
                .map(|k| (k.code().to_string(), format!("{}部门", k.label())))
                .collect(),
            closed_by_another: true,
        }
    }

    #[test]
    fn every_illegal_step_is_refused_with_a_reason() {
        use ProblemAction as A;
        use ProblemState as S;
        assert_eq!(A::Resolve.apply(S::Open), Ok(S::Resolved));
        assert_eq!(A::Close.apply(S::Resolved), Ok(S::Closed));
        assert_eq!(A::Reopen.apply(S::Resolved), Ok(S::Open));
        let refused = A::Close.apply(S::Open).unwrap_err();
        assert!(refused.contains("尚未报告整改完成"), "{refused}");
        for a in A::ALL {
            let e = a.apply(S::Closed).unwrap_err();
            assert!(e.contains("已销号") && e.contains(a.label()), "{e}");
        }
        assert!(A::Resolve.permitted(Some(Role::VillageOfficer)));
        assert!(!A::Close.permitted(Some(Role::VillageOfficer)));
        assert!(!A::Close.permitted(Some(Role::AssistanceCadre)));
        assert!(A::Close.permitted(Some(Role::TownReviewer)));
        assert!(!A::Resolve.permitted(Some(Role::Viewer)));
        assert_eq!(A::available(S::Open), vec![A::Resolve]);
        assert_eq!(A::available(S::Resolved), vec![A::Close, A::Reopen]);
        assert!(A::available(S::Closed).is_empty());
    }

    #[test]
    fn month_reads_and_bounds() {
        let m = Month::parse("2026-2").unwrap();
        assert_eq!(m.to_string(), "2026-02");
        assert_eq!(m.last_day(), d("2026-02-28"));
        assert_eq!(
            Month::parse("202612").unwrap().next().to_string(),
            "2027-01"
        );
        assert_eq!(
            Month::parse("2026-01").unwrap().previous().to_string(),
            "2025-12"
        );
        assert_eq!(m.label(), "2026年2月");
        for bad in ["2026-13", "2026/11", "", "abcd-01", "2026-0"] {
            let e = Month::parse(bad).unwrap_err();
            assert!(e.contains("月份"), "{bad}: {e}");
        }
        assert_eq!(m.as_of(d("2026-02-10")), d("2026-02-10"));
        assert_eq!(m.as_of(d("2026-05-10")), d("2026-02-28"));
    }

    #[test]
    fn a_month_old_problem_breaks_the_clearing() {
        let r = rules(30);
        let p = ProblemDates {
            found_on: d("2026-10-01"),
            deadline: d("2026-10-20"),
            closed_on: None,
        };
        assert!(!p.uncleared_on(d("2026-10-31"), &r));
        assert!(p.uncleared_on(d("2026-11-01"), &r));
        assert!(p.overdue_on(d("2026-10-21")));
        assert!(!p.overdue_on(d("2026-10-20")));
        let closed = ProblemDates {
            closed_on: Some(d("2026-11-05")),
            ..p
        };
        let nov = Month::parse("2026-11").unwrap();
        assert_eq!(
            tally(&[p, closed], nov, d("2026-11-30"), &r),
            (0, 1, 1, 1, 1)
        );
        // The same limit in a county pack of 15 days makes October's tally fail too.
        let oct = Month::parse("2026-10").unwrap();
        assert_eq!(tally(&[p], oct, d("2026-10-31"), &rules(15)).4, 1);
        assert_eq!(tally(&[p], oct, d("2026-10-31"), &r).4, 0);
    }

    #[test]
    fn the_pack_section_names_each_fault() {
        let mut r = rules(0);
        r.departments.remove("water");
        r.departments.insert("roads".into(), "交通".into());
        r.departments.insert("housing".into(), " ".into());
        let found = r.check();
        let text: Vec<String> = found.iter().map(|(f, m)| format!("{f}: {m}")).collect();
        assert!(
            text.iter().any(|t| t.starts_with("clear_within_days")),
            "{text:?}"
        );
        assert!(text.iter().any(|t| t.contains("“roads”无效")), "{text:?}");
        assert!(
            text.iter().any(|t| t.contains("“housing”的责任部门")),
            "{text:?}"
        );
        assert!(text.iter().any(|t| t.contains("饮水安全")), "{text:?}");
        assert!(rules(30).check().is_empty());
        assert_eq!(rules(30).department_for(Indicator::Water), "饮水安全部门");
    }

    proptest! {
        /// Open, overdue and uncleared nest: every uncleared or overdue problem is open,
        /// and the month's open count is what a day-by-day replay of found and closed gives.
        #[test]
        fn clearing_figures_nest(
            found in prop::collection::vec((0i64..120, 0i64..60, prop::option::of(0i64..90)), 0..40),
            limit in 1u32..60,
        ) {
            let base = d("2026-08-01");
            let r = rules(limit);
            let problems: Vec<ProblemDates> = found
                .iter()
                .map(|(f, dl, c)| {
                    let found_on = base + chrono::Duration::days(*f);
                    ProblemDates {
                        found_on,
                        deadline: found_on + chrono::Duration::days(*dl),
                        closed_on: c.map(|c| found_on + chrono::Duration::days(c)),
                    }
                })
                .collect();
            let month = Month::parse("2026-10").unwrap();
            let as_of = month.last_day();
            let (found, closed, open, overdue, uncleared) = tally(&problems, month, as_of, &r);
            prop_assert!(overdue <= open && uncleared <= open);
            let before = problems.iter().filter(|p| p.open_on(month.first_day().pred_opt().unwrap())).count();
            prop_assert_eq!(before + found - closed, open);
        }
    }
}
