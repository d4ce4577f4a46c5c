//! Dashboards on the demo county: every figure at every level counts exactly the cases its
//! link lists, and nobody sees past their scope.

use dixian_store::prelude::*;

use crate::monitoring::as_role;
use crate::support::*;
use dixian_app::AppError;
use dixian_app::dashboard::{
    Dashboard, Figure, dashboard, designated_dashboard, home_area, selection,
};
use dixian_app::setup::initialize;
use dixian_domain::access::Role;
use dixian_domain::division::DivisionCode;
use dixian_store::{CaseFilter, Store, StoreError};

fn figures(b: &Dashboard) -> Vec<&Figure> {
    let mut out = vec![
        &b.identified,
        &b.monitored,
        &b.eliminated,
        &b.identifying,
        &b.overdue_total,
    ];
    out.extend(&b.by_category);
    out.extend(&b.by_risk);
    out.extend(&b.by_state);
    out.extend(&b.overdue);
    for m in &b.months {
        out.push(&m.identified);
        out.push(&m.eliminated);
    }
    for c in &b.children {
        out.extend([&c.identified, &c.monitored, &c.eliminated, &c.overdue]);
    }
    out
}

/// Checks every figure of `b` against the list its link gives `actor`.
async fn figures_equal_lists(s: &dyn Store, actor: &dixian_domain::access::Actor, b: &Dashboard) {
    for f in figures(b) {
        let list = s
            .cases(
                actor,
                &CaseFilter {
                    limit: 100_000,
                    ..f.filter.clone()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            list.len() as i64,
            f.households,
            "{} in {}: {:?}",
            f.label,
            b.area.name,
            f.filter
        );
        assert_eq!(
            list.iter().map(|c| c.people).sum::<i64>(),
            f.people,
            "{}",
            f.label
        );
        let sel = selection(s, actor, &f.filter).await.unwrap();
        assert_eq!((sel.households, sel.people), (f.households, f.people));
    }
}

#[tokio::test]
async fn every_figure_counts_the_list_it_links_to_at_every_level() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[]).await.unwrap();
    let as_of = d(2026, 11, 23);
    load_demo(&s, 3000, 5, as_of).await;
    let county_code = DivisionCode::parse("500299000000").unwrap();
    let town_code = DivisionCode::parse("500299101000").unwrap();
    let village_code = DivisionCode::parse("500299101201").unwrap();
    dixian_app::demo::cases::load_cases(&s, &town_code, &town_code, &village_code, 5, as_of)
        .await
        .unwrap();
    dixian_app::demo::villages::load_villages(&s, &county_code, 5, as_of)
        .await
        .unwrap();
    dixian_app::demo::problems::load_problems(&s, &county_code, &village_code, 5, as_of)
        .await
        .unwrap();

    let county = as_role(Role::CountyAdmin, "500299000000");
    let b = dashboard(&s, &county, &county_code, as_of).await.unwrap();
    assert!(b.identified.households > 0 && b.eliminated.households > 0);
    assert!(b.identifying.households > 0 && b.overdue_total.households > 0);
    assert!(!b.by_category.is_empty() && !b.by_risk.is_empty());
    assert_eq!(b.children.len(), 15, "the demo county's towns");
    assert_eq!(
        b.identified.households,
        b.monitored.households + b.eliminated.households
    );
    // Towns add up to the county.
    let sum = |pick: fn(&dixian_app::dashboard::DivisionFigures) -> &Figure| {
        b.children.iter().map(|c| pick(c).households).sum::<i64>()
    };
    assert_eq!(sum(|c| &c.identified), b.identified.households);
    assert_eq!(sum(|c| &c.overdue), b.overdue_total.households);
    assert_eq!(
        b.by_state.iter().map(|f| f.households).sum::<i64>(),
        s.cases(
            &county,
            &CaseFilter {
                limit: 100_000,
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .len() as i64
    );
    figures_equal_lists(&s, &county, &b).await;

    // Narrowed to a designation, every figure still counts the list it links to, and the
    // towns still add up; the county's own designation covers all of it.
    let tuopin = designated_dashboard(&s, &county, &county_code, as_of, Some("tuopin_village"))
        .await
        .unwrap();
    assert_eq!(
        tuopin.designation.as_ref().map(|(_, n)| n.as_str()),
        Some("脱贫村")
    );
    assert!(
        0 < tuopin.identified.households && tuopin.identified.households < b.identified.households,
        "{} of {}",
        tuopin.identified.households,
        b.identified.households
    );
    assert!(tuopin.problems.open.n <= b.problems.open.n);
    // Its problem figures count the problems of villages so designated, as their list does.
    let designated: Vec<DivisionCode> = s
        .designations(&county, Some(&county_code))
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.designation.kind == "tuopin_village" && r.designation.holds_on(as_of))
        .map(|r| r.designation.division)
        .collect();
    let ledger = dixian_app::problems::ProblemLedger::load(&s, &county, &county_code, as_of)
        .await
        .unwrap();
    let listed = ledger.select(&tuopin.problems.open.filter);
    assert_eq!(listed.len(), tuopin.problems.open.n);
    assert!(!listed.is_empty(), "the demo has problems in 脱贫村");
    assert!(listed.iter().all(|p| designated.contains(&p.village)));
    let all_open = ledger.select(&b.problems.open.filter);
    assert_eq!(
        all_open
            .iter()
            .filter(|p| designated.contains(&p.village))
            .count(),
        listed.len()
    );
    // Above county level no one pack names the designations: refused, not zeros.
    let e = designated_dashboard(
        &s,
        &sys(),
        &DivisionCode::parse("500000000000").unwrap(),
        as_of,
        Some("tuopin_village"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, AppError::Invalid(m) if m[0].contains("请先进入一个县")),
        "{e:?}"
    );
    assert_eq!(
        tuopin
            .children
            .iter()
            .map(|c| c.identified.households)
            .sum::<i64>(),
        tuopin.identified.households
    );
    figures_equal_lists(&s, &county, &tuopin).await;
    let key_towns = designated_dashboard(&s, &county, &county_code, as_of, Some("key_town"))
        .await
        .unwrap();
    assert_eq!(key_towns.children.len(), 2, "the demo's two key towns");
    figures_equal_lists(&s, &county, &key_towns).await;
    let whole = designated_dashboard(
        &s,
        &county,
        &county_code,
        as_of,
        Some("key_county_provincial"),
    )
    .await
    .unwrap();
    assert_eq!(
        whole.identified,
        Figure {
            filter: whole.identified.filter.clone(),
            ..b.identified.clone()
        }
    );
    assert_eq!(whole.problems.open.n, b.problems.open.n);
    for (code, says) in [
        ("no_such_kind", "不在本县政策包的认定表中"),
        ("a b", "不正确"),
    ] {
        let e = designated_dashboard(&s, &county, &county_code, as_of, Some(code))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Invalid(m) if m[0].contains(says)),
            "{code}: {e:?}"
        );
    }

    let town = as_role(Role::TownReviewer, "500299101000");
    let tb = dashboard(&s, &town, &town_code, as_of).await.unwrap();
    assert_eq!(tb.identified, b.children[0].identified);
    assert!(tb.children.len() > 1);
    figures_equal_lists(&s, &town, &tb).await;

    // A village officer's dashboard opens on the village, sees only it, and no further.
    let officer = as_role(Role::VillageOfficer, "500299101201");
    assert_eq!(home_area(&s, &officer).await.unwrap(), village_code);
    let vb = dashboard(&s, &officer, &village_code, as_of).await.unwrap();
    assert!(vb.children.is_empty());
    assert!(vb.identified.households > 0);
    assert!(vb.identified.households < tb.identified.households);
    figures_equal_lists(&s, &officer, &vb).await;
    for f in figures(&vb) {
        let list = s.cases(&officer, &f.filter).await.unwrap();
        assert!(list.iter().all(|c| c.village == village_code));
    }
    for above in [&town_code, &county_code] {
        let e = dashboard(&s, &officer, above, as_of).await.unwrap_err();
        assert!(matches!(e, AppError::Store(StoreError::Forbidden)), "{e:?}");
    }
    let other = DivisionCode::parse("500299101202").unwrap();
    assert!(dashboard(&s, &officer, &other, as_of).await.is_err());
}
