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
        // Exclusion checks (原则上不纳入, 001 第五章第二节): compared at 入户核实.
        Vehicles => ("vehicles", "公安交管"),
        RealEstate => ("real_estate", "不动产登记"),
        Business => ("business", "市场监管"),
        Payroll => ("payroll", "财政供养"),
        // Further signals for screening (DOMAIN §7).
        Employment => ("employment", "人社"),
        Emergency => ("emergency", "应急管理"),
        Health => ("health", "卫健"),
    }
);

impl Department {
    /// The values its feed's category column may hold (车辆类型, 房屋用途 …); empty for a
    /// feed without one.
    pub fn kinds(self) -> &'static [&'static str] {
        match self {
            Department::Vehicles => &[
                "小型轿车",
                "小型越野客车",
                "轻型货车",
                "中型货车",
                "重型货车",
                "挖掘机",
                "装载机",
                "农用车",
                "摩托车",
                "其他",
            ],
            Department::RealEstate => &["商品住宅", "商业服务", "宅基地住宅", "其他"],
            Department::Business => &[
                "个体工商户",
                "有限责任公司",
                "股份有限公司",
                "个人独资企业",
                "合伙企业",
                "农民专业合作社",
                "其他",
            ],
            Department::Payroll => &[
                "公务员",
                "参照公务员法管理人员",
                "事业编制人员",
                "国有企业管理人员",
                "离退休人员",
                "其他",
            ],
            Department::Employment => &["就业登记", "失业登记"],
            Department::Emergency => &["洪涝", "地质", "旱灾", "风雹", "地震", "火灾", "其他"],
            _ => &[],
        }
    }

    /// Feeds compared with a household at 入户核实 for the exclusion rules.
    pub fn for_exclusions(self) -> bool {
        matches!(
            self,
            Department::Vehicles
                | Department::RealEstate
                | Department::Business
                | Department::Payroll
        )
    }
}

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
