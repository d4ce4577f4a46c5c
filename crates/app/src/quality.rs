//! Consistency checks (数据质量) of an area: every case in scope checked against the rules of
//! DOMAIN §6 (`dixian_domain::quality`), with the household and a link to fix it. Shared by
//! the web page and `dixian check-data`.

use crate::AppError;
use crate::policy::{resolve, stored_set};
use chrono::NaiveDate;
use dixian_domain::access::Actor;
use dixian_domain::division::{Division, DivisionCode};
use dixian_domain::monitoring::Measure;
use dixian_domain::quality::{CaseToCheck, Rule, check_case};
use dixian_domain::registry::HouseholdCode;
use dixian_store::Store;
use std::collections::{BTreeMap, HashMap};

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
    // A few reads for the whole area (cases, their measures, their households' facts), not
    // one case file per case: a county of 100,000 households has ~5,000 cases. They do not
    // depend on each other, so they run side by side.
    // At most four connections at once (the facts take two): the check must not take the
    // pool from everyone else. Not one snapshot: a case opened between the reads has no
    // facts yet and waits for the next check.
    let ((cases, area_measures), (divisions, packs), facts) = tokio::try_join!(
        async {
            let cases = store.area_cases(actor, area).await?;
            let measures = store.measures_within(actor, Some(area)).await?;
            Ok::<_, AppError>((cases, measures))
        },
        async {
            Ok((
                store.divisions_within(area).await?,
                stored_set(store).await?,
            ))
        },
        async { Ok(store.case_household_facts(actor, area).await?) },
    )?;
    let names: HashMap<DivisionCode, String> =
        divisions.iter().map(|d| (d.code, d.name.clone())).collect();
    let division = divisions
        .into_iter()
        .find(|d| d.code == *area)
        .ok_or_else(|| AppError::NotFound(format!("区划代码{area}不存在")))?;
    // A case's village is its household's (the code's first twelve digits).
    let cases: Vec<(DivisionCode, dixian_domain::monitoring::Case)> = cases
        .into_iter()
        .filter_map(|c| Some((c.household.village()?, c)))
        .collect();
    let mut measures: HashMap<i64, Vec<Measure>> = HashMap::new();
    for (case_id, m) in area_measures {
        measures.entry(case_id).or_default().push(m);
    }
    let households: BTreeMap<HouseholdCode, _> =
        facts.into_iter().map(|f| (f.code.clone(), f)).collect();
    let mut items = Vec::new();
    // A policy is the packs in force: one resolution per set of packs serves every village
    // and day they cover (cases eliminated on a thousand days share a handful of sets).
    let layers_of = |village: &DivisionCode, day: NaiveDate| -> Vec<String> {
        packs
            .layers(village, day)
            .iter()
            .map(|p| p.id().to_string())
            .collect()
    };
    let mut policies: HashMap<Vec<String>, dixian_domain::Policy> = HashMap::new();
    let mut key_of: HashMap<(DivisionCode, NaiveDate), Vec<String>> = HashMap::new();
    let county_of = |v: &DivisionCode| {
        v.ancestor_at(dixian_domain::division::DivisionLevel::County)
            .unwrap_or(*v)
    };
    for (village, case) in &cases {
        for day in [Some(on), case.eliminated_on].into_iter().flatten() {
            let place = (county_of(village), day);
            if key_of.contains_key(&place) {
                continue;
            }
            let key = layers_of(village, day);
            if !policies.contains_key(&key) {
                policies.insert(key.clone(), resolve(&packs, village, day)?);
            }
            key_of.insert(place, key);
        }
    }
    let none: Vec<Measure> = Vec::new();
    for (village, case) in &cases {
        let Some(household) = households.get(&case.household) else {
            continue;
        };
        let county = county_of(village);
        let policy_on = |day: NaiveDate| key_of.get(&(county, day)).and_then(|k| policies.get(k));
        let Some(policy) = policy_on(on) else {
            continue;
        };
        let elimination_policy = case.eliminated_on.and_then(policy_on);
        for found in check_case(&CaseToCheck {
            case,
            household,
            measures: measures.get(&case.id).unwrap_or(&none),
            policy,
            elimination_policy,
            on,
        }) {
            items.push(Item {
                rule: found.rule,
                case_id: case.id,
                household: case.household.clone(),
                head_name: household.head_name().unwrap_or_default().to_string(),
                village_name: names.get(village).cloned().unwrap_or_default(),
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
        checked: cases.len(),
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
