//! Calendar dates as packed `yyyymmdd` integers.
//!
//! Screening compares tens of millions of dates against a handful of window
//! bounds and birthdays; a packed integer orders like the date it stands for,
//! and completed years of age fall out of one subtraction.

use std::fmt;

/// A valid Gregorian date packed as `year * 10000 + month * 100 + day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(u32);

impl Date {
    /// The date if `year-month-day` exists (years 1000–9999).
    #[inline(always)]
    pub fn new(year: u32, month: u32, day: u32) -> Option<Date> {
        if !(1000..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date(year * 10000 + month * 100 + day))
    }

    /// Parses exactly `YYYY-MM-DD`.
    #[inline(always)]
    pub fn parse(s: &[u8]) -> Option<Date> {
        if s.len() != 10 || s[4] != b'-' || s[7] != b'-' {
            return None;
        }
        let year = digits(&s[0..4])?;
        let month = digits(&s[5..7])?;
        let day = digits(&s[8..10])?;
        Date::new(year, month, day)
    }

    pub fn year(self) -> u32 {
        self.0 / 10000
    }

    pub fn month(self) -> u32 {
        self.0 / 100 % 100
    }

    pub fn day(self) -> u32 {
        self.0 % 100
    }

    /// The same day `months` calendar months earlier, clamped to the end of
    /// a shorter month (2026-10-31 − 6 months = 2026-04-30); `None` before
    /// year 1000.
    pub fn minus_months(self, months: u32) -> Option<Date> {
        let total = self.year() * 12 + (self.month() - 1);
        let back = total.checked_sub(months)?;
        let (year, month) = (back / 12, back % 12 + 1);
        let day = self.day().min(days_in_month(year, month));
        Date::new(year, month, day)
    }

    /// Completed years of someone born on `self` at `on`; `None` if `on`
    /// is before the birth.
    pub fn age_on(self, on: Date) -> Option<u32> {
        // yyyymmdd differences carry into the ten-thousands exactly when a
        // whole year has passed, leap-day birthdays included.
        on.0.checked_sub(self.0).map(|d| d / 10000)
    }
}

impl Date {
    /// Days since 1970-01-01 (negative before).
    pub fn to_days(self) -> i64 {
        // Civil-from-days in reverse, with March-based years so the leap
        // day is the last day of the year.
        let (y, m, d) = (
            i64::from(self.year()),
            i64::from(self.month()),
            i64::from(self.day()),
        );
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01, if within years 1000–9999.
    pub fn from_days(days: i64) -> Option<Date> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        Date::new(u32::try_from(y).ok()?, m as u32, d as u32)
    }

    pub fn plus_days(self, days: i64) -> Option<Date> {
        Date::from_days(self.to_days() + days)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month(),
            self.day()
        )
    }
}

/// A half-open window of dates `(from, to]`, as the rules define "the last N
/// months": a date exactly N months back is outside, the as-of date inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub after: Date,
    pub until: Date,
}

impl Window {
    /// The last `months` calendar months up to and including `as_of`.
    pub fn months_to(as_of: Date, months: u32) -> Option<Window> {
        Some(Window {
            after: as_of.minus_months(months)?,
            until: as_of,
        })
    }

    pub fn contains(self, d: Date) -> bool {
        d > self.after && d <= self.until
    }
}

pub fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

#[inline]
pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[inline]
fn digits(s: &[u8]) -> Option<u32> {
    s.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Date {
        Date::parse(s.as_bytes()).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn month_subtraction_clamps_to_the_last_day() {
        for (from, months, to) in [
            ("2026-10-31", 6, "2026-04-30"),
            ("2026-10-31", 12, "2025-10-31"),
            ("2024-08-31", 6, "2024-02-29"),
            ("2025-08-31", 6, "2025-02-28"),
            ("2024-02-29", 12, "2023-02-28"),
            ("2026-03-15", 3, "2025-12-15"),
            ("2026-01-31", 1, "2025-12-31"),
        ] {
            assert_eq!(
                d(from).minus_months(months),
                Some(d(to)),
                "{from} − {months}"
            );
        }
        assert_eq!(d("1000-03-01").minus_months(3), None);
    }

    #[test]
    fn ages_are_completed_years() {
        for (birth, on, age) in [
            ("2020-10-31", "2026-10-31", Some(6)),
            ("2020-11-01", "2026-10-31", Some(5)),
            ("2012-02-29", "2028-02-28", Some(15)),
            ("2012-02-29", "2028-02-29", Some(16)),
            ("2012-02-29", "2027-02-28", Some(14)),
            ("2012-02-29", "2027-03-01", Some(15)),
            ("2026-11-01", "2026-10-31", None),
        ] {
            assert_eq!(d(birth).age_on(d(on)), age, "{birth} on {on}");
        }
    }

    #[test]
    fn only_real_dates_parse() {
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-04-31",
            "2026-1-01",
            "0999-01-01",
            "２026-01-01",
        ] {
            assert_eq!(Date::parse(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(d("2024-02-29").to_string(), "2024-02-29");
        let w = Window::months_to(d("2026-10-31"), 6).unwrap();
        assert!(!w.contains(d("2026-04-30")) && w.contains(d("2026-05-01")));
        assert!(w.contains(d("2026-10-31")) && !w.contains(d("2026-11-01")));
    }

    proptest! {
        #[test]
        fn day_numbers_round_trip(days in -300_000i64..2_900_000) {
            if let Some(date) = Date::from_days(days) {
                prop_assert_eq!(date.to_days(), days);
                prop_assert_eq!(Date::parse(date.to_string().as_bytes()), Some(date));
                if let Some(next) = date.plus_days(1) {
                    prop_assert!(next > date);
                    prop_assert_eq!(next.to_days(), days + 1);
                }
            }
        }
    }
}
