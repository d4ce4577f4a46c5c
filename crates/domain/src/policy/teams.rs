//! The pack's rules for resident teams (驻村工作队, `[teams]`): the share of each month a
//! member must be in the village (铜梁), or the days of each year (青海), or both, and the
//! longest leave a town approves. Used by `crate::teams`.

use serde::Deserialize;

/// The pack's rules for resident teams (`[teams]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamRules {
    /// The share of a month's working days a member must be in the village, as a fraction
    /// (铜梁: 2/3 → `[2, 3]`); `None` where the province counts days per year only.
    #[serde(default)]
    pub in_village_share: Option<[u32; 2]>,
    /// The days a year a member must be in the village (青海 2024: 200), any day of the week
    /// counted; a term of part of the year owes its share (see `crate::teams::year_figures`).
    #[serde(default)]
    pub in_village_days_per_year: Option<u32>,
    /// Longest leave the town approves; longer needs the county's organisation department.
    pub town_leave_max_days: u32,
}

impl TeamRules {
    /// Problems in the section: `(field, message)` for each.
    pub fn check(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some([n, d]) = self.in_village_share
            && (d == 0 || n == 0 || n > d)
        {
            out.push((
                "in_village_share",
                format!("在村时间比例{n}/{d}无效：应为分子不大于分母的正整数"),
            ));
        }
        match self.in_village_days_per_year {
            Some(days) if days == 0 || days > 366 => out.push((
                "in_village_days_per_year",
                format!("每年在村天数{days}无效：应为1到366"),
            )),
            None if self.in_village_share.is_none() => out.push((
                "in_village_share",
                "驻村工作队规则须规定每月在村比例（in_village_share）或每年在村天数（in_village_days_per_year），至少一项".into(),
            )),
            _ => {}
        }
        if self.town_leave_max_days == 0 || self.town_leave_max_days > 60 {
            out.push((
                "town_leave_max_days",
                format!(
                    "乡镇审批的请假天数上限{}无效：应为1到60",
                    self.town_leave_max_days
                ),
            ));
        }
        out
    }

    /// Whether `days` of `working` days meet the share (integer cross-multiplication, no
    /// rounding: 14 of 21 is exactly two thirds and meets it); any days do where the pack
    /// has no monthly share.
    pub fn met(&self, days: u32, working: u32) -> bool {
        let Some([n, d]) = self.in_village_share else {
            return true;
        };
        u64::from(days) * u64::from(d) >= u64::from(working) * u64::from(n)
    }

    /// The fewest days that meet the share in a month of `working` days (0 without a share).
    pub fn needed(&self, working: u32) -> u32 {
        match self.in_village_share {
            None => 0,
            Some([_, 0]) => working,
            Some([n, d]) => (working * n).div_ceil(d),
        }
    }
}
