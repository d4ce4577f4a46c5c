//! Visits (走访) and their cadence: a monitored household is visited at least once in every
//! period of the pack's `monitored_every_months` after the month of its inclusion; a 脱贫户 in
//! each of the pack's `poverty_alleviated_months` (003: March, August, November). A period
//! that ended without a visit is a missed visit, an overdue item.

use crate::policy::Visits;
use chrono::{Datelike, Months, NaiveDate};

/// One period in which a visit is owed, and the visit that answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitPeriod {
    pub from: NaiveDate,
    /// The last day of the period: the visit is due by then.
    pub until: NaiveDate,
    pub visited: Option<NaiveDate>,
}

impl VisitPeriod {
    /// Ended without a visit.
    pub fn missed(&self, today: NaiveDate) -> bool {
        self.visited.is_none() && self.until < today
    }

    /// The period `today` falls in, not yet visited.
    pub fn open(&self, today: NaiveDate) -> bool {
        self.visited.is_none() && self.from <= today && today <= self.until
    }
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn last_day(from: NaiveDate, months: u32) -> NaiveDate {
    from.checked_add_months(Months::new(months))
        .and_then(|d| d.pred_opt())
        .unwrap_or(from)
}

fn answered(from: NaiveDate, until: NaiveDate, visits: &[NaiveDate]) -> Option<NaiveDate> {
    visits
        .iter()
        .copied()
        .filter(|v| from <= *v && *v <= until)
        .min()
}

/// The visit periods of a household monitored since `included_on`, up to the one `today` is
/// in: periods of `monitored_every_months` months from the first day of the month after
/// inclusion (the inclusion itself follows a verification at home).
pub fn monitored_periods(
    rules: &Visits,
    included_on: NaiveDate,
    visits: &[NaiveDate],
    today: NaiveDate,
) -> Vec<VisitPeriod> {
    let months = rules.monitored_every_months.max(1);
    let mut out = Vec::new();
    let Some(mut from) = first_of_month(included_on).checked_add_months(Months::new(1)) else {
        return out;
    };
    // Ten years of monthly periods bound the walk whatever the dates.
    while from <= today && out.len() < 120 {
        let until = last_day(from, months);
        out.push(VisitPeriod {
            from,
            until,
            visited: answered(from, until, visits),
        });
        match from.checked_add_months(Months::new(months)) {
            Some(next) => from = next,
            None => break,
        }
    }
    out
}

/// The visit months of a 脱贫户 in `today`'s year up to today's month.
pub fn poverty_alleviated_periods(
    rules: &Visits,
    visits: &[NaiveDate],
    today: NaiveDate,
) -> Vec<VisitPeriod> {
    rules
        .poverty_alleviated_months
        .iter()
        .filter(|m| **m <= today.month())
        .filter_map(|m| NaiveDate::from_ymd_opt(today.year(), *m, 1))
        .map(|from| {
            let until = last_day(from, 1);
            VisitPeriod {
                from,
                until,
                visited: answered(from, until, visits),
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn rules(every: u32, months: &[u32]) -> Visits {
        Visits {
            monitored_every_months: every,
            poverty_alleviated_months: months.to_vec(),
        }
    }

    #[test]
    fn monthly_visits_after_the_month_of_inclusion() {
        let visits = [d(2026, 7, 3), d(2026, 9, 30), d(2026, 9, 2)];
        let p = monitored_periods(&rules(1, &[]), d(2026, 6, 18), &visits, d(2026, 11, 23));
        let shown: Vec<_> = p.iter().map(|p| (p.from, p.until, p.visited)).collect();
        assert_eq!(
            shown,
            vec![
                (d(2026, 7, 1), d(2026, 7, 31), Some(d(2026, 7, 3))),
                (d(2026, 8, 1), d(2026, 8, 31), None),
                (d(2026, 9, 1), d(2026, 9, 30), Some(d(2026, 9, 2))),
                (d(2026, 10, 1), d(2026, 10, 31), None),
                (d(2026, 11, 1), d(2026, 11, 30), None),
            ]
        );
        let today = d(2026, 11, 23);
        assert_eq!(p.iter().filter(|p| p.missed(today)).count(), 2);
        assert!(p[4].open(today) && !p[4].missed(today));
        // Included this month: nothing owed yet.
        assert!(monitored_periods(&rules(1, &[]), d(2026, 11, 2), &[], today).is_empty());
    }

    #[test]
    fn a_pack_may_ask_for_a_visit_every_two_months() {
        let p = monitored_periods(
            &rules(2, &[]),
            d(2026, 6, 18),
            &[d(2026, 8, 20)],
            d(2026, 11, 23),
        );
        let shown: Vec<_> = p.iter().map(|p| (p.from, p.until, p.visited)).collect();
        assert_eq!(
            shown,
            vec![
                (d(2026, 7, 1), d(2026, 8, 31), Some(d(2026, 8, 20))),
                (d(2026, 9, 1), d(2026, 10, 31), None),
                (d(2026, 11, 1), d(2026, 12, 31), None),
            ]
        );
    }

    #[test]
    fn poverty_alleviated_households_in_march_august_and_november() {
        let r = rules(1, &[3, 8, 11]);
        let p = poverty_alleviated_periods(&r, &[d(2026, 3, 15), d(2025, 8, 1)], d(2026, 11, 23));
        let shown: Vec<_> = p.iter().map(|p| (p.from.month(), p.visited)).collect();
        assert_eq!(
            shown,
            vec![(3, Some(d(2026, 3, 15))), (8, None), (11, None)]
        );
        assert!(p[1].missed(d(2026, 11, 23)));
        assert!(p[2].open(d(2026, 11, 23)));
        assert!(poverty_alleviated_periods(&rules(1, &[]), &[], d(2026, 11, 23)).is_empty());
        assert_eq!(poverty_alleviated_periods(&r, &[], d(2026, 2, 1)).len(), 0);
    }
}
