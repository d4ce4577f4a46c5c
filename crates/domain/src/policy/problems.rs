//! The `[problems]` section of a policy pack: the clearing limit, the default deadline and the
//! department answerable for each kind of the 三保障 and drinking-water problem ledger.

use crate::policy::Deadline;
use crate::registry::assurance::Indicator;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The pack's rules for the problem ledger (`[problems]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProblemRules {
    /// 月清零: a problem still open this many calendar days after it was found is 未清零.
    pub clear_within_days: u32,
    /// The deadline a new problem gets unless the person registering it sets one.
    pub fix_within: Deadline,
    /// The department answerable for each kind, by indicator code (education, medical, …).
    pub departments: BTreeMap<String, String>,
    /// 销号须由另一人核实: the account that reported a fix may not strike the problem off
    /// (内控的“四眼原则”).
    pub closed_by_another: bool,
}

impl ProblemRules {
    /// Problems in the pack: `(field, message)` for each, empty when the section is sound.
    pub fn check(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !(1..=366).contains(&self.clear_within_days) {
            out.push((
                "clear_within_days",
                format!(
                    "清零期限（clear_within_days）应在1到366天之间，现为{}",
                    self.clear_within_days
                ),
            ));
        }
        if !(1..=366).contains(&self.fix_within.days) {
            out.push((
                "fix_within",
                format!(
                    "整改期限（fix_within）应在1到366天之间，现为{}",
                    self.fix_within.days
                ),
            ));
        }
        for (code, name) in &self.departments {
            if problem_kind(code).is_none() {
                let kinds: Vec<&str> = PROBLEM_KINDS.iter().map(|k| k.code()).collect();
                out.push((
                    "departments",
                    format!("问题类型“{code}”无效，可选：{}", kinds.join("、")),
                ));
            }
            let n = name.trim().chars().count();
            if n == 0 || n > 30 {
                out.push((
                    "departments",
                    format!("“{code}”的责任部门名称应为1到30个字"),
                ));
            }
        }
        for kind in PROBLEM_KINDS {
            if !self.departments.contains_key(kind.code()) {
                out.push((
                    "departments",
                    format!("缺少“{}”（{}）的责任部门", kind.label(), kind.code()),
                ));
            }
        }
        out
    }

    /// The department answerable for `kind` by default.
    pub fn department_for(&self, kind: Indicator) -> &str {
        self.departments
            .get(kind.code())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The day a problem found on `found_on` is 未清零 from (the first day past the limit).
    pub fn uncleared_from(&self, found_on: NaiveDate) -> NaiveDate {
        found_on + chrono::Duration::days(i64::from(self.clear_within_days) + 1)
    }
}

/// The kinds a problem can be of: the four 保障 of the ledger's title and 两不愁.
pub const PROBLEM_KINDS: [Indicator; 5] = [
    Indicator::Education,
    Indicator::Medical,
    Indicator::Housing,
    Indicator::Water,
    Indicator::FoodClothing,
];

/// A problem kind from its code or label.
pub fn problem_kind(s: &str) -> Option<Indicator> {
    Indicator::parse(s).filter(|k| PROBLEM_KINDS.contains(k))
}
