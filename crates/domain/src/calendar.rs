//! Work calendar (工作日历): statutory holidays and 调休 make-up days per the State Council's
//! yearly notices. Deadlines written in working days (工作日) are counted on it.
//!
//! Years the table does not cover fall back to "Saturday and Sunday off" and every answer
//! that touched such a year carries a [`CalendarWarning`], so callers can show it.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::{BTreeMap, BTreeSet};

/// What the official table says about one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// 休: a day off, even on a weekday.
    Off,
    /// 班: a make-up working day on a weekend.
    Work,
}

impl DayKind {
    pub fn label(self) -> &'static str {
        match self {
            DayKind::Off => "休",
            DayKind::Work => "班",
        }
    }

    pub fn parse(s: &str) -> Option<DayKind> {
        match s.trim() {
            "休" => Some(DayKind::Off),
            "班" => Some(DayKind::Work),
            _ => None,
        }
    }
}

/// One row of the holiday table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// The festival the arrangement belongs to (元旦, 春节 …).
    pub festival: String,
    /// The year whose notice set this day (2023's New Year break starts on 2022-12-31).
    pub notice_year: i32,
}

/// The answer used years the table does not cover.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("日历未录入{}年的节假日安排，已按“周六、周日休息”推算，结果可能不准确", join_years(.years))]
pub struct CalendarWarning {
    pub years: Vec<i32>,
}

fn join_years(years: &[i32]) -> String {
    years
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

/// A value computed on the calendar, with a warning if any uncovered year was involved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reckoned<T> {
    pub value: T,
    pub warning: Option<CalendarWarning>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("{file}第{line}行：{message}")]
    Row {
        file: String,
        line: usize,
        message: String,
    },
    #[error("天数{0}超出允许范围（0–3660）")]
    TooManyDays(u32),
    #[error("日期超出可计算范围")]
    OutOfRange,
}

/// Longest span a single reckoning walks; ten years of days, far beyond any legal deadline.
const MAX_SPAN_DAYS: u32 = 3660;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    days: BTreeMap<NaiveDate, CalendarEntry>,
    covered_years: BTreeSet<i32>,
}

impl WorkCalendar {
    /// The calendar built into the binary: the official table 2021–2026.
    pub fn builtin() -> WorkCalendar {
        // The embedded file is tested to parse; an empty calendar is the safe fallback.
        WorkCalendar::from_csv("cn-holidays.csv", BUILTIN_CSV).unwrap_or_default()
    }

    pub fn from_entries(entries: impl IntoIterator<Item = CalendarEntry>) -> WorkCalendar {
        let mut cal = WorkCalendar::default();
        cal.extend(entries);
        cal
    }

    /// Reads `date,kind,festival,notice_year` with a header; every bad row is reported.
    pub fn from_csv(file: &str, text: &str) -> Result<WorkCalendar, Vec<CalendarError>> {
        parse_csv(file, text).map(WorkCalendar::from_entries)
    }

    /// Adds or replaces entries (an administrator loading next year's notice). A year counts
    /// as covered once any entry's notice year or date year names it.
    pub fn extend(&mut self, entries: impl IntoIterator<Item = CalendarEntry>) {
        for e in entries {
            self.covered_years.insert(e.notice_year);
            self.covered_years.insert(e.date.year());
            self.days.insert(e.date, e);
        }
    }

    pub fn entries(&self) -> impl Iterator<Item = &CalendarEntry> {
        self.days.values()
    }

    pub fn covered_years(&self) -> &BTreeSet<i32> {
        &self.covered_years
    }

    pub fn covers(&self, year: i32) -> bool {
        self.covered_years.contains(&year)
    }

    fn working(&self, date: NaiveDate) -> bool {
        match self.days.get(&date) {
            Some(e) => e.kind == DayKind::Work,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    fn warning_for(&self, from: NaiveDate, to: NaiveDate) -> Option<CalendarWarning> {
        let (a, b) = if from <= to { (from, to) } else { (to, from) };
        let years: Vec<i32> = (a.year()..=b.year()).filter(|y| !self.covers(*y)).collect();
        (!years.is_empty()).then_some(CalendarWarning { years })
    }

    pub fn is_working_day(&self, date: NaiveDate) -> Reckoned<bool> {
        Reckoned {
            value: self.working(date),
            warning: self.warning_for(date, date),
        }
    }

    /// The date `n` working days after `start` (start itself not counted): the deadline of
    /// "within n working days". `n = 0` gives `start`.
    pub fn add_working_days(
        &self,
        start: NaiveDate,
        n: u32,
    ) -> Result<Reckoned<NaiveDate>, CalendarError> {
        if n > MAX_SPAN_DAYS {
            return Err(CalendarError::TooManyDays(n));
        }
        let mut date = start;
        let mut left = n;
        while left > 0 {
            date = date
                .checked_add_days(Days::new(1))
                .ok_or(CalendarError::OutOfRange)?;
            if self.working(date) {
                left -= 1;
            }
        }
        Ok(Reckoned {
            value: date,
            warning: self.warning_for(start, date),
        })
    }

    /// Working days in `(from, to]`; negative when `to` is before `from`.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Reckoned<i64>, CalendarError> {
        let (a, b, sign) = if from <= to {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let span = (b - a).num_days();
        if span > i64::from(MAX_SPAN_DAYS) {
            return Err(CalendarError::TooManyDays(
                span.try_into().unwrap_or(u32::MAX),
            ));
        }
        let count = a
            .iter_days()
            .skip(1)
            .take_while(|d| *d <= b)
            .filter(|d| self.working(*d))
            .count() as i64;
        Ok(Reckoned {
            value: sign * count,
            warning: self.warning_for(a, b),
        })
    }

    /// The date `n` natural days (自然日) after `start`.
    pub fn add_natural_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        if n > MAX_SPAN_DAYS {
            return Err(CalendarError::TooManyDays(n));
        }
        start
            .checked_add_days(Days::new(u64::from(n)))
            .ok_or(CalendarError::OutOfRange)
    }

    /// The deadline of "within `n` natural days" from `start`: `n` days on, and if that day is
    /// a rest day (a weekend or a statutory holiday not worked), the next working day —
    /// 《民法典》第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日.
    /// Minimum periods (公示不少于5天) are durations, not deadlines: use `add_natural_days`.
    pub fn natural_deadline(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut date = self.add_natural_days(start, n)?;
        // No break in the published arrangements is longer than nine days.
        for _ in 0..31 {
            if self.working(date) {
                return Ok(date);
            }
            date = date
                .checked_add_days(Days::new(1))
                .ok_or(CalendarError::OutOfRange)?;
        }
        Err(CalendarError::OutOfRange)
    }

    /// Natural days from `from` to `to`.
    pub fn natural_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        (to - from).num_days()
    }

    /// The table in the format `from_csv` reads.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("date,kind,festival,notice_year\n");
        for e in self.days.values() {
            out.push_str(&format!(
                "{},{},{},{}\n",
                e.date,
                e.kind.label(),
                e.festival,
                e.notice_year
            ));
        }
        out
    }
}

/// The official table, carried in the binary.
pub const BUILTIN_CSV: &str = include_str!("../../../policy/calendar/cn-holidays.csv");

fn parse_csv(file: &str, text: &str) -> Result<Vec<CalendarEntry>, Vec<CalendarError>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let row_err = |line: usize, message: String| CalendarError::Row {
        file: file.to_string(),
        line,
        message,
    };
    let mut lines = text.lines().enumerate();
    let header_ok = lines.next().is_some_and(|(_, h)| {
        h.trim_start_matches('\u{feff}').trim() == "date,kind,festival,notice_year"
    });
    if !header_ok {
        return Err(vec![row_err(
            1,
            "表头应为“date,kind,festival,notice_year”".to_string(),
        )]);
    }
    let mut seen = BTreeSet::new();
    for (i, raw) in lines {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = raw.split(',').map(str::trim).collect();
        if cols.len() != 4 {
            errors.push(row_err(line, format!("应有4列，实际为{}列", cols.len())));
            continue;
        }
        let Ok(date) = NaiveDate::parse_from_str(cols[0], "%Y-%m-%d") else {
            errors.push(row_err(
                line,
                format!("日期“{}”无效，应为YYYY-MM-DD", cols[0]),
            ));
            continue;
        };
        let Some(kind) = DayKind::parse(cols[1]) else {
            errors.push(row_err(
                line,
                format!("类型“{}”无效，应为“休”或“班”", cols[1]),
            ));
            continue;
        };
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        if kind == DayKind::Work && !weekend {
            errors.push(row_err(
                line,
                format!("{date}是工作日，不能标为调休上班（班）"),
            ));
            continue;
        }
        let Ok(notice_year) = cols[3].parse::<i32>() else {
            errors.push(row_err(line, format!("通知年份“{}”无效", cols[3])));
            continue;
        };
        if (notice_year - date.year()).abs() > 1 {
            errors.push(row_err(
                line,
                format!("通知年份{notice_year}与日期{date}相差过大"),
            ));
            continue;
        }
        if !seen.insert(date) {
            errors.push(row_err(line, format!("日期{date}重复")));
            continue;
        }
        out.push(CalendarEntry {
            date,
            kind,
            festival: cols[2].to_string(),
            notice_year,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn builtin_table_parses_and_covers_2021_to_2026() {
        WorkCalendar::from_csv("cn-holidays.csv", BUILTIN_CSV).unwrap();
        let cal = WorkCalendar::builtin();
        for y in 2021..=2026 {
            assert!(cal.covers(y), "{y}");
        }
        assert!(!cal.covers(2027));
    }

    /// Every Spring Festival and National Day break 2021–2026: a natural-day limit whose last
    /// day falls anywhere in the break runs to the first working day after it; a minimum period
    /// does not move; a working-day limit skips the break and counts its make-up days.
    #[test]
    fn deadlines_across_every_long_break_2021_to_2026() {
        let cal = WorkCalendar::builtin();
        let next = |d: NaiveDate| d.checked_add_days(Days::new(1)).unwrap();
        let prev = |d: NaiveDate| d.checked_sub_days(Days::new(1)).unwrap();
        let mut breaks = 0;
        for year in 2021..=2026 {
            for festival in ["春节", "国庆节"] {
                let days: Vec<&CalendarEntry> = cal
                    .entries()
                    .filter(|e| e.notice_year == year && e.festival.contains(festival))
                    .collect();
                let off: Vec<NaiveDate> = days
                    .iter()
                    .filter(|e| e.kind == DayKind::Off)
                    .map(|e| e.date)
                    .collect();
                let (first, last) = (*off.iter().min().unwrap(), *off.iter().max().unwrap());
                // The break with its surrounding weekend days.
                let mut end = last;
                while !cal.working(next(end)) {
                    end = next(end);
                }
                let after = next(end);
                let mut day = first;
                while day <= end {
                    for n in [1u32, 5, 15, 30] {
                        let start = day.checked_sub_days(Days::new(u64::from(n))).unwrap();
                        assert_eq!(
                            cal.natural_deadline(start, n).unwrap(),
                            after,
                            "{year} {festival}: {n} natural days from {start}"
                        );
                        assert_eq!(cal.add_natural_days(start, n).unwrap(), day);
                    }
                    day = next(day);
                }
                // A limit ending on a working day stays where it is.
                assert_eq!(cal.natural_deadline(prev(after), 1).unwrap(), after);
                // Working days: one working day from the last one before the break is the
                // first after it, unless a make-up day comes first.
                let mut before = prev(first);
                while !cal.working(before) {
                    before = prev(before);
                }
                let make_up = days
                    .iter()
                    .filter(|e| e.kind == DayKind::Work && e.date > before)
                    .map(|e| e.date)
                    .min();
                let expected = make_up.filter(|m| *m < after).unwrap_or(after);
                assert_eq!(
                    cal.add_working_days(before, 1).unwrap().value,
                    expected,
                    "{year} {festival}"
                );
                breaks += 1;
            }
        }
        assert_eq!(breaks, 12);
    }

    #[test]
    fn holidays_and_make_up_days() {
        let cal = WorkCalendar::builtin();
        // 2021-02-11 Thursday: 春节 holiday; 2021-02-07 Sunday: make-up working day.
        assert!(!cal.is_working_day(d(2021, 2, 11)).value);
        assert!(cal.is_working_day(d(2021, 2, 7)).value);
        assert!(cal.is_working_day(d(2021, 2, 8)).value);
        assert!(!cal.is_working_day(d(2021, 2, 6)).value);
        assert!(cal.is_working_day(d(2021, 2, 6)).warning.is_none());
    }

    #[test]
    fn national_day_2024_deadline() {
        let cal = WorkCalendar::builtin();
        // 2024: 10-01..10-07 off, 09-29 (Sun) and 10-12 (Sat) are working days.
        // 10 working days from Friday 2024-09-27: 09-29, 09-30, 10-08, 10-09, 10-10, 10-11,
        // 10-12, 10-14, 10-15, 10-16.
        let r = cal.add_working_days(d(2024, 9, 27), 10).unwrap();
        assert_eq!(r.value, d(2024, 10, 16));
        assert!(r.warning.is_none());
        let between = cal
            .working_days_between(d(2024, 9, 27), d(2024, 10, 16))
            .unwrap();
        assert_eq!(between.value, 10);
        let back = cal
            .working_days_between(d(2024, 10, 16), d(2024, 9, 27))
            .unwrap();
        assert_eq!(back.value, -10);
    }

    #[test]
    fn uncovered_year_falls_back_with_warning() {
        let cal = WorkCalendar::builtin();
        let r = cal.add_working_days(d(2027, 1, 1), 1).unwrap();
        // Friday 2027-01-01 → Monday 2027-01-04 on weekends only.
        assert_eq!(r.value, d(2027, 1, 4));
        let w = r.warning.unwrap();
        assert_eq!(w.years, vec![2027]);
        assert_eq!(
            w.to_string(),
            "日历未录入2027年的节假日安排，已按“周六、周日休息”推算，结果可能不准确"
        );
    }

    #[test]
    fn administrator_can_extend() {
        let mut cal = WorkCalendar::builtin();
        cal.extend([CalendarEntry {
            date: d(2027, 1, 1),
            kind: DayKind::Off,
            festival: "元旦".into(),
            notice_year: 2027,
        }]);
        let r = cal.is_working_day(d(2027, 1, 1));
        assert!(!r.value);
        assert!(r.warning.is_none());
    }

    #[test]
    fn bad_rows_are_reported_by_line() {
        let text = "date,kind,festival,notice_year\n2021-13-01,休,元旦,2021\n2021-01-04,班,元旦,2021\n2021-01-02,放,元旦,2021\n2021-01-01,休,元旦\n2021-01-01,休,元旦,2021\n2021-01-01,休,元旦,2021\n";
        let errs = WorkCalendar::from_csv("c.csv", text).unwrap_err();
        let msgs: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(msgs.len(), 5, "{msgs:?}");
        assert!(msgs[0].starts_with("c.csv第2行"));
        assert!(msgs[1].contains("第3行") && msgs[1].contains("工作日"));
        assert!(msgs[2].contains("第4行"));
        assert!(msgs[3].contains("第5行"));
        assert!(msgs[4].contains("第7行") && msgs[4].contains("重复"));
    }

    #[test]
    fn refuses_absurd_spans() {
        let cal = WorkCalendar::builtin();
        assert_eq!(
            cal.add_working_days(d(2024, 1, 1), 100_000),
            Err(CalendarError::TooManyDays(100_000))
        );
        assert!(cal.add_natural_days(NaiveDate::MAX, 1).is_err());
    }

    proptest! {
        #[test]
        fn add_then_count_agree(off in 0u32..2000, n in 0u32..60) {
            let cal = WorkCalendar::builtin();
            let start = d(2021, 1, 1) + Days::new(u64::from(off));
            let end = cal.add_working_days(start, n).unwrap().value;
            prop_assert_eq!(cal.working_days_between(start, end).unwrap().value, i64::from(n));
            if n > 0 {
                prop_assert!(cal.is_working_day(end).value);
            }
        }
    }
}
