//! The pack's rules for resident teams (驻村工作队, `[teams]`): the share of each month a
//! member must be in the village and the longest leave a town approves. Used by
//! `crate::teams`.

use serde::Deserialize;

/// The pack's rules for resident teams (`[teams]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamRules {
    /// The share of a month's working days a member must be in the village, as a fraction
    /// (铜梁: 2/3 → `[2, 3]`).
    pub in_village_share: [u32; 2],
    /// Longest leave the town approves; longer needs the county's organisation department.
    pub town_leave_max_days: u32,
}

impl TeamRules {
    /// Problems in the section: `(field, message)` for each.
    pub fn check(&self) -> Vec<(&'static str, String)> {
        let [n, d] = self.in_village_share;
        let mut out = Vec::new();
        if d == 0 || n == 0 || n > d {
            out.push((
                "in_village_share",
                format!("在村时间比例{n}/{d}无效：应为分子不大于分母的正整数"),
            ));
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
    /// rounding: 14 of 21 is exactly two thirds and meets it).
    pub fn met(&self, days: u32, working: u32) -> bool {
        let [n, d] = self.in_village_share;
        u64::from(days) * u64::from(d) >= u64::from(working) * u64::from(n)
    }

    /// The fewest days that meet the share in a month of `working` days.
    pub fn needed(&self, working: u32) -> u32 {
        let [n, d] = self.in_village_share;
        if d == 0 {
            return working;
        }
        (working * n).div_ceil(d)
    }
}
