//! The `[villages]` section of a policy pack: which items of a village's collective account
//! make its operating income (经营性收入), the yearly targets of collective income (铜仁:
//! every village at least so much, a share of villages at least more), and how the weak-village
//! programme chooses its villages (武清: by reverse ranking of the average operating income of
//! the years before it, a number or a share of the villages, to a target income).

use crate::codes::coded_enum;
use crate::money::Money;
use crate::policy::de_money;
use serde::Deserialize;

coded_enum!(
    /// An income item of a village's collective account (村集体经济组织收益分配表的收入项);
    /// the pack says which of them are operating (`operating_items`).
    AccountItem {
        Business => ("business", "经营收入"),
        Contract => ("contract", "发包及上交收入"),
        Investment => ("investment", "投资收益"),
        Subsidy => ("subsidy", "补助收入"),
        Other => ("other", "其他收入"),
    }
);

/// A kind of designation (认定类别) of the pack's table `codes.designation`: what a county,
/// town or village may be designated as.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignationKind {
    pub code: String,
    pub name: String,
    /// The level it is given to: 县, 乡镇 or 村.
    pub level: String,
}

impl DesignationKind {
    /// The division level of [`DesignationKind::level`].
    pub fn division_level(&self) -> Option<crate::division::DivisionLevel> {
        use crate::division::DivisionLevel as L;
        match self.level.as_str() {
            "县" => Some(L::County),
            "乡镇" => Some(L::Town),
            "村" => Some(L::Village),
            _ => None,
        }
    }
}

/// Problems of a designation table: `(index, field, message)` for a repeated code or a level
/// that is not 县, 乡镇 or 村.
pub fn check_kinds(kinds: &[DesignationKind]) -> Vec<(usize, &'static str, String)> {
    let mut out = Vec::new();
    for (i, k) in kinds.iter().enumerate() {
        if kinds[..i].iter().any(|o| o.code == k.code) {
            out.push((i, "code", format!("认定类别代码“{}”重复", k.code)));
        }
        if k.division_level().is_none() {
            out.push((
                i,
                "level",
                format!(
                    "认定类别“{}”的层级应为县、乡镇或村，填的是“{}”",
                    k.name, k.level
                ),
            ));
        }
    }
    out
}

/// A yearly target of collective income (到某年底): every village at least
/// `all_operating_min` of operating income and `all_profit_min` of 收益; at least
/// `share_percent` % of the villages at least `share_operating_min` and `share_profit_min`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomeTarget {
    pub year: i32,
    #[serde(deserialize_with = "de_money")]
    pub all_operating_min: Money,
    #[serde(deserialize_with = "de_money")]
    pub all_profit_min: Money,
    pub share_percent: u32,
    #[serde(deserialize_with = "de_money")]
    pub share_operating_min: Money,
    #[serde(deserialize_with = "de_money")]
    pub share_profit_min: Money,
}

/// How the weak-village programme (扶持经济薄弱村) chooses and what it aims at.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeakVillageRules {
    /// The years whose average operating income ranks the villages (武清: 2018–2020).
    pub rank_from: i32,
    pub rank_to: i32,
    /// How many villages are chosen, or (when `choose_count` is 0) what share of them.
    #[serde(default)]
    pub choose_count: u32,
    #[serde(default)]
    pub choose_percent: u32,
    /// The operating income a weak village must reach to be struck off (销号).
    #[serde(deserialize_with = "de_money")]
    pub target_operating: Money,
    /// How many helping teams one unit sends, and how many weak villages one team serves (武清:
    /// 1–2 each); 0 when the pack sets no limit.
    #[serde(default)]
    pub teams_per_unit_max: u32,
    #[serde(default)]
    pub villages_per_team_max: u32,
}

/// The pack's rules for villages (`[villages]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VillageRules {
    /// Codes of the [`AccountItem`]s summed into 经营性收入.
    pub operating_items: Vec<String>,
    #[serde(default)]
    pub target: Vec<IncomeTarget>,
    pub weak: Option<WeakVillageRules>,
}

impl VillageRules {
    /// The items of [`VillageRules::operating_items`] (unknown codes are refused by `check`).
    pub fn operating(&self) -> Vec<AccountItem> {
        self.operating_items
            .iter()
            .filter_map(|c| AccountItem::parse(c))
            .collect()
    }

    /// The target in force for accounts of `year`: the latest whose year is not after it
    /// (a target "by the end of 2023" holds for 2023 and 2024 until the next one).
    pub fn target_for(&self, year: i32) -> Option<&IncomeTarget> {
        self.target
            .iter()
            .filter(|t| t.year <= year)
            .max_by_key(|t| t.year)
    }

    /// Problems in the section: `(field, message)` for each.
    pub fn check(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.operating_items.is_empty() {
            out.push((
                "operating_items",
                "经营性收入的组成（operating_items）至少要有一项".to_string(),
            ));
        }
        for c in &self.operating_items {
            if AccountItem::parse(c).is_none() {
                out.push((
                    "operating_items",
                    format!("经营性收入的组成（operating_items）中的“{c}”不是已知的收入项"),
                ));
            }
        }
        let mut years: Vec<i32> = self.target.iter().map(|t| t.year).collect();
        years.sort_unstable();
        if years.windows(2).any(|w| w[0] == w[1]) {
            out.push(("target", "同一年度的集体经济收入目标写了两次".to_string()));
        }
        for t in &self.target {
            if t.share_percent > 100 {
                out.push((
                    "target",
                    format!(
                        "{}年目标的村比例（share_percent）应在0到100之间，现为{}",
                        t.year, t.share_percent
                    ),
                ));
            }
            if t.share_operating_min < t.all_operating_min || t.share_profit_min < t.all_profit_min
            {
                out.push((
                    "target",
                    format!(
                        "{}年目标：部分村的目标（share_*）不应低于所有村的目标（all_*）",
                        t.year
                    ),
                ));
            }
        }
        if let Some(w) = &self.weak {
            if w.rank_to < w.rank_from {
                out.push((
                    "weak",
                    format!(
                        "薄弱村排序年度应从早到晚，现为{}到{}",
                        w.rank_from, w.rank_to
                    ),
                ));
            }
            if (w.choose_count == 0) == (w.choose_percent == 0) || w.choose_percent > 100 {
                out.push((
                    "weak",
                    "薄弱村按个数（choose_count）或按比例（choose_percent，0到100）选定，二者填且只填一个"
                        .to_string(),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn yuan(n: i64) -> Money {
        Money::from_yuan(n).unwrap()
    }

    fn target(year: i32, all: i64) -> IncomeTarget {
        IncomeTarget {
            year,
            all_operating_min: yuan(all),
            all_profit_min: yuan(all / 4),
            share_percent: 30,
            share_operating_min: yuan(all * 2),
            share_profit_min: yuan(all / 2),
        }
    }

    #[test]
    fn the_target_in_force_is_the_latest_not_after_the_year() {
        let rules = VillageRules {
            operating_items: vec!["business".into(), "contract".into()],
            target: vec![target(2023, 160_000), target(2021, 80_000)],
            weak: None,
        };
        assert!(rules.check().is_empty(), "{:?}", rules.check());
        assert_eq!(rules.target_for(2020), None);
        assert_eq!(rules.target_for(2022).unwrap().year, 2021);
        assert_eq!(rules.target_for(2024).unwrap().year, 2023);
        assert_eq!(
            rules.operating(),
            [AccountItem::Business, AccountItem::Contract]
        );
    }

    #[test]
    fn a_section_that_contradicts_itself_is_refused() {
        let rules = VillageRules {
            operating_items: vec!["bonus".into()],
            target: vec![target(2021, 80_000), target(2021, 90_000)],
            weak: Some(WeakVillageRules {
                rank_from: 2020,
                rank_to: 2018,
                choose_count: 0,
                choose_percent: 0,
                target_operating: yuan(200_000),
                teams_per_unit_max: 2,
                villages_per_team_max: 2,
            }),
        };
        let fields: Vec<&str> = rules.check().iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["operating_items", "target", "weak", "weak"]);
    }
}
