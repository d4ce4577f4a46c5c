//! Consistency checks (数据质量) on the demo town: a breach made on purpose is found and named,
//! and the checks keep to the actor's scope.

use dixian_store::prelude::*;

use crate::monitoring::as_role;
use crate::support::*;
use chrono::Datelike;
use dixian_app::AppError;
use dixian_app::quality::{check_area, to_csv};
use dixian_app::setup::initialize;
use dixian_domain::access::Role;
use dixian_domain::division::DivisionCode;
use dixian_domain::money::Money;
use dixian_domain::monitoring::CaseState;
use dixian_domain::quality::Rule;
use dixian_domain::registry::Income;
use dixian_store::{CaseFilter, StoreError};

#[tokio::test]
async fn a_low_income_after_elimination_is_found_and_named() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[]).await.unwrap();
    let as_of = d(2026, 11, 23);
    load_demo(&s, 3000, 7, as_of).await;
    let town = DivisionCode::parse("500299101000").unwrap();
    let village = DivisionCode::parse("500299101201").unwrap();
    dixian_app::demo::cases::load_cases(&s, &town, &town, &village, 7, as_of)
        .await
        .unwrap();
    let reviewer = as_role(Role::TownReviewer, "500299101000");
    let before = check_area(&s, &reviewer, &town, as_of).await.unwrap();
    assert!(before.checked > 10);
    // Every case checked, each finding named as the case list names its household.
    let listed = s
        .cases(
            &reviewer,
            &CaseFilter {
                within: Some(town),
                limit: i64::MAX,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(before.checked, listed.len());
    assert!(!before.items.is_empty());
    for i in &before.items {
        let c = listed.iter().find(|c| c.case.id == i.case_id).unwrap();
        assert_eq!(
            (&i.head_name, &i.village_name),
            (&c.head_name, &c.village_name),
            "{i:?}"
        );
    }
    // The demo enters two such flaws itself, so the page has something to show.
    let low = |r: &dixian_app::quality::Report| {
        r.items
            .iter()
            .filter(|i| i.rule == Rule::EliminatedBelowLine)
            .map(|i| i.case_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(low(&before).len(), 2, "{:?}", before.items);

    // An eliminated household whose income of the elimination year turns out to be low.
    let eliminated = s
        .cases(
            &reviewer,
            &CaseFilter {
                states: vec![CaseState::Eliminated],
                within: Some(town),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let target = eliminated
        .iter()
        .find(|c| {
            c.case.eliminated_on.is_some_and(|e| e.year() == 2026)
                && !low(&before).contains(&c.case.id)
        })
        .expect("an elimination this year");
    // The twelve months before the elimination span two income years: both turn out low.
    for year in [2025, 2026] {
        s.set_income(
            &sys(),
            &target.case.household,
            &Income {
                year,
                wage: Money::from_fen(100_000),
                ..Income::default()
            },
            "补录收入",
        )
        .await
        .unwrap();
    }
    let after = check_area(&s, &reviewer, &town, as_of).await.unwrap();
    let found: Vec<_> = after
        .items
        .iter()
        .filter(|i| i.rule == Rule::EliminatedBelowLine && i.case_id == target.case.id)
        .collect();
    assert_eq!(found.len(), 1, "{:?}", after.items);
    assert_eq!(low(&after).len(), 3);
    assert_eq!(found[0].household, target.case.household);
    assert!(
        found[0].message.contains("低于当时监测线"),
        "{}",
        found[0].message
    );
    assert_eq!(
        after.counts().iter().map(|(_, n)| n).sum::<usize>(),
        after.items.len()
    );
    let csv = to_csv(&after);
    assert!(csv.starts_with("\u{feff}规则,案件号,户编号"));
    assert!(csv.contains(&format!(",{},{},", target.case.id, target.case.household)));

    // A village officer checks the village only, and not the town.
    let officer = as_role(Role::VillageOfficer, "500299101201");
    let mine = check_area(&s, &officer, &village, as_of).await.unwrap();
    assert!(mine.checked < after.checked);
    let e = check_area(&s, &officer, &town, as_of).await.unwrap_err();
    assert!(matches!(e, AppError::Store(StoreError::Forbidden)), "{e:?}");
}
