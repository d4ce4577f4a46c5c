//! The `[exclusions]` section of a policy pack: the situations in which a household is, in
//! principle, not taken into monitoring (原则上不纳入, 001 第五章第二节), where each is found —
//! a department's feed, the registry, or the verifiers at the visit — and whether the village
//! representatives' assembly may admit a special case (特殊情况由村民代表大会组织评议认定).

use crate::screening::Department;
use serde::Deserialize;
use std::collections::BTreeSet;

/// A fact of the registry a rule may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum RegistryFact {
    /// A living member marked 财政供养人员 in the registry.
    #[serde(rename = "财政供养")]
    PublicPayroll,
}

/// One exclusion rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExclusionRule {
    /// Stable code: lower-case letters, digits and `_`.
    pub code: String,
    /// What the rule is, as reviewers read it.
    pub name: String,
    /// The department feed compared at 入户核实 (`vehicles`, `real_estate`, `business`,
    /// `payroll`); absent: no department holds the data.
    #[serde(default)]
    pub department: Option<String>,
    /// Which of the feed's kinds count (车辆类型, 房屋用途 …); empty: every row.
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub registry: Option<RegistryFact>,
    /// The verifiers may also tick it at the visit (the department may not know).
    #[serde(default = "yes")]
    pub found_at_visit: bool,
    /// 特殊情况由村民代表大会评议认定: the deliberation may admit the household despite it.
    pub assembly_may_override: bool,
}

fn yes() -> bool {
    true
}

impl ExclusionRule {
    pub fn department(&self) -> Option<Department> {
        self.department.as_deref().and_then(Department::parse)
    }

    /// Whether a feed row of `department` of kind `kind` meets the rule.
    pub fn matches(&self, department: Department, kind: &str) -> bool {
        self.department() == Some(department)
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind))
    }
}

/// The pack's exclusion rules (`[[exclusions.rule]]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExclusionRules {
    pub rule: Vec<ExclusionRule>,
}

impl ExclusionRules {
    pub fn get(&self, code: &str) -> Option<&ExclusionRule> {
        self.rule.iter().find(|r| r.code == code)
    }

    /// Problems: `(rule index, field, message)`.
    pub fn check(&self) -> Vec<(usize, &'static str, String)> {
        let mut out = Vec::new();
        let mut codes = BTreeSet::new();
        for (i, r) in self.rule.iter().enumerate() {
            let code_ok = !r.code.is_empty()
                && r.code.len() <= 32
                && r.code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !code_ok {
                out.push((
                    i,
                    "code",
                    format!("代码“{}”无效：只能用小写字母、数字和“_”", r.code),
                ));
            } else if !codes.insert(r.code.as_str()) {
                out.push((i, "code", format!("代码“{}”重复", r.code)));
            }
            if r.name.trim().is_empty() {
                out.push((i, "name", "名称不能为空".into()));
            }
            let department = r.department().filter(|d| d.for_exclusions());
            match (&r.department, department) {
                (Some(d), None) => out.push((
                    i,
                    "department",
                    format!(
                        "部门“{d}”无效，可选：{}",
                        Department::ALL
                            .iter()
                            .filter(|d| d.for_exclusions())
                            .map(|d| d.code())
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                )),
                (_, Some(d)) => {
                    for k in &r.kinds {
                        if !d.kinds().contains(&k.as_str()) {
                            out.push((
                                i,
                                "kinds",
                                format!(
                                    "“{k}”不是{}数据的类别，可选：{}",
                                    d.label(),
                                    d.kinds().join("、")
                                ),
                            ));
                        }
                    }
                }
                (None, None) if !r.kinds.is_empty() => out.push((
                    i,
                    "kinds",
                    "没有写数据来源部门（department），类别（kinds）无从比对".into(),
                )),
                _ => {}
            }
            if r.department.is_none() && r.registry.is_none() && !r.found_at_visit {
                out.push((
                    i,
                    "found_at_visit",
                    "既无部门数据、户籍档案，也不能入户发现，这条规则无法判断".into(),
                ));
            }
        }
        out
    }
}
