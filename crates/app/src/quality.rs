//! Consistency checks (数据质量) of an area: every case in scope checked against the rules of
//! DOMAIN §6 (`dixian_domain::quality`), with the household and a link to fix it. Shared by
//! the web page and `dixian check-data`.

use crate::AppError;
use crate::policy::{resolve, stored_set};
use chrono::NaiveDate;
use dixian_domain::access::Actor;
use dixian_domain::division::{Division, DivisionCode};
use dixian_domain::monitoring::HouseholdFacts;
use dixian_domain::quality::{CaseToCheck, Rule, check_case};
use dixian_domain::registry::HouseholdCode;
use dixian_store::Store;
use std::collections::BTreeMap;

/// One broken rule of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub rule: Rule,
    pub case_id: i64,
    pub household: HouseholdCode,
    pub head_name: String,
    pub village_name: String,
    pub message: String,
}

/// What a run of the checks found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub area: Division,
    pub on: NaiveDate,
    /// Cases checked.
    pub checked: usize,
    /// By rule, then household.
    pub items: Vec<Item>,
}

impl Report {
    /// Findings per rule, every rule listed (zero included), in the rules' order.
    pub fn counts(&self) -> Vec<(Rule, usize)> {
        Rule::ALL
            .iter()
            .map(|r| (*r, self.items.iter().filter(|i| i.rule == *r).count()))
            .collect()
    }
}

/// Rules the database itself keeps (no scan can find a breach): said on the page so nobody
/// looks for a check that is missing.
pub const ENFORCED: [&str; 2] = [
    "身份证号不重复：数据库唯一索引，在录入和导入时即拒绝重复号码",
    "一人不在两户：同一身份证号只能登记一次，迁入须先在原户办理迁出",
];

/// Checks every case of `area` (refused, audited, outside the actor's scope) on `on`.
pub async fn check_area(
    store: &dyn Store,
    actor: &Actor,
    area: &DivisionCode,
    on: NaiveDate,
) -> Result<Report, AppError> {
    let facts = store.case_facts(actor, Some(area)).await?;
    let division = store
        .division(area)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("区划代码{area}不存在")))?;
    let packs = stored_set(store).await?;
    let mut codes: Vec<HouseholdCode> = facts.iter().map(|f| f.household.clone()).collect();
    codes.sort();
    codes.dedup();
    let mut households = BTreeMap::new();
    for chunk in codes.chunks(500) {
        for r in store.household_records(actor, chunk).await? {
            households.insert(r.household.code.clone(), HouseholdFacts::from(&r));
        }
    }
    let mut items = Vec::new();
    let mut policies = BTreeMap::new();
    for f in &facts {
        let Some(household) = households.get(&f.household) else {
            continue;
        };
        let Some(file) = store.case_file(actor, f.id).await? else {
            continue;
        };
        let policy = match policies.entry(f.village) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(resolve(&packs, &f.village, on)?)
            }
        };
        let case = &file.summary.case;
        let elimination_policy = match case.eliminated_on {
            Some(day) => Some(resolve(&packs, &f.village, day)?),
            None => None,
        };
        for found in check_case(&CaseToCheck {
            case,
            household,
            measures: &file.measures,
            policy,
            elimination_policy: elimination_policy.as_ref(),
            on,
        }) {
            items.push(Item {
                rule: found.rule,
                case_id: f.id,
                household: f.household.clone(),
                head_name: file.summary.head_name.clone(),
                village_name: file.summary.village_name.clone(),
                message: found.message,
            });
        }
    }
    items.sort_by(|a, b| {
        let pos = |r: Rule| Rule::ALL.iter().position(|x| *x == r);
        (pos(a.rule), &a.household, a.case_id).cmp(&(pos(b.rule), &b.household, b.case_id))
    });
    Ok(Report {
        area: division,
        on,
        checked: facts.len(),
        items,
    })
}

/// The findings as CSV (UTF-8 with BOM, for Excel): rule, case, household, head, village,
/// message.
pub fn to_csv(report: &Report) -> String {
    let mut out = String::from("\u{feff}规则,案件号,户编号,户主,村,问题\r\n");
    for i in &report.items {
        let fields = [
            i.rule.label().to_string(),
            i.case_id.to_string(),
            i.household.to_string(),
            i.head_name.clone(),
            i.village_name.clone(),
            i.message.clone(),
        ];
        let row: Vec<String> = fields
            .iter()
            .map(|f| crate::csv_text::cell(&crate::csv_text::defused(f)))
            .collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}
