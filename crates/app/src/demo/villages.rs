//! The demo county's villages: designations (a provincial key county, key towns and villages,
//! 脱贫村, a relocation village) and three years of collective accounts for every village, so
//! the village list shows gaps and the weak-village ranking has villages to choose.

use super::Rng;
use super::cases::demo_actor;
use crate::AppError;
use chrono::{Datelike, NaiveDate};
use dixian_domain::access::Role;
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::money::Money;
use dixian_domain::villages::{AccountFigures, Designation};
use dixian_store::Store;

/// What was loaded.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct VillageReport {
    pub designations: usize,
    pub accounts: usize,
}

fn yuan(n: i64) -> Money {
    Money::from_fen(n * 100)
}

/// Loads the villages of `county` as of `as_of`.
pub async fn load_villages(
    store: &dyn Store,
    county: &DivisionCode,
    seed: u64,
    as_of: NaiveDate,
) -> Result<VillageReport, AppError> {
    let actor = demo_actor("county", Role::CountyAdmin);
    let mut rng = Rng::new(seed ^ 0x0071_11A6);
    let mut report = VillageReport::default();
    let all = store.divisions_within(county).await?;
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(as_of);
    let mut designations = vec![Designation {
        division: *county,
        kind: "key_county_provincial".into(),
        document: "渝乡振〔2021〕12号".into(),
        from: day(2021, 7, 1),
        to: None,
    }];
    let towns: Vec<DivisionCode> = all
        .iter()
        .filter(|d| d.code.level() == DivisionLevel::Town)
        .map(|d| d.code)
        .collect();
    for t in towns.iter().take(2) {
        designations.push(Designation {
            division: *t,
            kind: "key_town".into(),
            document: "青乡振〔2021〕3号".into(),
            from: day(2021, 9, 1),
            to: Some(day(2025, 12, 31)),
        });
    }
    let villages: Vec<DivisionCode> = all
        .iter()
        .filter(|d| d.code.level() == DivisionLevel::Village)
        .map(|d| d.code)
        .collect();
    for (i, v) in villages.iter().enumerate() {
        if i % 4 == 0 {
            designations.push(Designation {
                division: *v,
                kind: "tuopin_village".into(),
                document: "渝扶贫办发〔2020〕35号".into(),
                from: day(2021, 1, 1),
                to: None,
            });
        }
        if i % 10 == 3 {
            designations.push(Designation {
                division: *v,
                kind: "key_village".into(),
                document: "青乡振〔2021〕3号".into(),
                from: day(2021, 9, 1),
                to: None,
            });
        }
        if i == 7 {
            designations.push(Designation {
                division: *v,
                kind: "relocation_village".into(),
                document: "青发改〔2019〕21号".into(),
                from: day(2019, 12, 1),
                to: None,
            });
        }
    }
    for d in &designations {
        if d.from <= as_of {
            store.add_designation(&actor, d).await?;
            report.designations += 1;
        }
    }
    // Three years of accounts: most villages earn a little more each year; a tenth earn little.
    let last = as_of.year() - 1;
    let mut accounts = Vec::new();
    for v in &villages {
        let poor = rng.below(10) == 0;
        let base = if poor {
            rng.range(10_000, 80_000)
        } else {
            rng.range(60_000, 400_000)
        };
        for (k, year) in (last - 2..=last).enumerate() {
            let grow = 100 + 8 * i64::try_from(k).unwrap_or(0) + rng.range(0, 10);
            let business = base * grow / 100 * 6 / 10;
            let contract = base * grow / 100 * 3 / 10;
            let investment = rng.range(-5_000, 20_000);
            let other = rng.range(0, 10_000);
            let subsidy = rng.range(50_000, 300_000);
            let business_cost = business * rng.range(40, 80) / 100;
            let management_cost = rng.range(10_000, 60_000);
            let other_cost = rng.range(0, 8_000);
            let profit = business + contract + investment + other + subsidy
                - business_cost
                - management_cost
                - other_cost;
            accounts.push((
                *v,
                year,
                AccountFigures {
                    business: yuan(business),
                    contract: yuan(contract),
                    investment: yuan(investment),
                    subsidy: yuan(subsidy),
                    other: yuan(other),
                    business_cost: yuan(business_cost),
                    management_cost: yuan(management_cost),
                    other_cost: yuan(other_cost),
                    profit: yuan(profit),
                },
            ));
        }
    }
    if !accounts.is_empty() {
        report.accounts = store.save_accounts(&actor, &accounts).await?;
    }
    Ok(report)
}
