//! Department screening (部门筛查预警) as the rest of the system names it: the departments
//! that deliver feeds and the month a feed is for. The engine is `dixian_screen`; the rules
//! are the `[screening]` section of the policy pack (`policy::screening`).

use crate::codes::coded_enum;
use std::fmt;

coded_enum!(
    /// A department that delivers a monthly feed (数据提供部门).
    Department {
        Medical => ("medical", "医保"),
        CivilAffairs => ("civil_affairs", "民政"),
        Disability => ("disability", "残联"),
        Education => ("education", "教育"),
        Housing => ("housing", "住建"),
        Deaths => ("deaths", "公安"),
    }
);

/// The month a delivery is for (数据所属月份), such as 2026-10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: u16,
    month: u8,
}

impl Period {
    /// `YYYY-MM` (also `YYYY年M月`), years 2000–2099.
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        let (y, m) = s
            .split_once('-')
            .or_else(|| s.strip_suffix('月').and_then(|r| r.split_once('年')))?;
        let (year, month) = (y.parse::<u16>().ok()?, m.parse::<u8>().ok()?);
        ((2000..=2099).contains(&year) && (1..=12).contains(&month))
            .then_some(Period { year, month })
    }

    pub fn of(date: chrono::NaiveDate) -> Period {
        use chrono::Datelike;
        Period {
            year: date.year().clamp(0, 9999) as u16,
            month: date.month() as u8,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_print_as_months() {
        assert_eq!(
            Period::parse("2026-10").map(|p| p.to_string()),
            Some("2026-10".into())
        );
        assert_eq!(
            Period::parse("2026年3月").map(|p| p.to_string()),
            Some("2026-03".into())
        );
        for bad in ["2026-13", "2026-0", "1999-12", "2026", "2026-10-01", "abc"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(Period::of(d).to_string(), "2026-11");
        assert!(Period::parse("2026-09") < Period::parse("2026-10"));
        assert_eq!(Department::parse("医保"), Some(Department::Medical));
        assert_eq!(Department::parse("deaths"), Some(Department::Deaths));
    }
}
