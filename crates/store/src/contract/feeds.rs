//! Contract checks of department feed deliveries.

use super::{actor_as, code, id, load_divisions, new_user, record, sys};
use crate::{AuditFilter, Delivered, DeliveryRow, NewDelivery, Store, StoreError};
use chrono::NaiveDate;
use dixian_domain::access::{Actor, Role, Scope};
use dixian_domain::id_number::{IdNumber, Sex};
use dixian_domain::screening::{Department, Period};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn stranger() -> IdNumber {
    IdNumber::compose("110101", d(1990, 5, 5), 7, Sex::Male).unwrap()
}

fn delivery(department: Department, digest: &str, ids: &[IdNumber]) -> NewDelivery {
    NewDelivery {
        department,
        period: Period::parse("2026-10").unwrap(),
        file_name: "十月结算.xlsx".into(),
        digest: digest.into(),
        rows_read: ids.len() as i64 + 1,
        rejected: 1,
        rows: ids
            .iter()
            .enumerate()
            .map(|(i, n)| DeliveryRow {
                row: i as i64 + 2,
                id_number: n.clone(),
                on: d(2026, 10, 8),
                amount_fen: 1_280_050,
                amount2_fen: 523_020,
                detail: String::new(),
            })
            .collect(),
    }
}

/// A 部门数据员 of 医保 at the county, as an account with its department.
async fn medical_officer(store: &dyn Store) -> Actor {
    let mut user = new_user("yibao", Role::DepartmentOfficer, "500299000000");
    user.department = Some("医保".into());
    let user_id = store.create_user(&sys(), &user).await.unwrap();
    Actor {
        user_id: Some(user_id),
        name: "yibao".into(),
        scope: Scope::Within(code("500299000000")),
        source: Some("192.0.2.9".into()),
        role: Some(Role::DepartmentOfficer),
    }
}

pub async fn feed_deliveries(store: &dyn Store) {
    load_divisions(store).await;
    store
        .insert_households(
            &sys(),
            &[
                record("500299101201", 1, &[id(1), id(2)]),
                record("500299102201", 1, &[id(3)]),
            ],
        )
        .await
        .unwrap();
    let officer = medical_officer(store).await;

    // Matched by ID number inside the area; a stranger's row is kept but listed.
    let first = delivery(Department::Medical, "aa11", &[id(1), id(3), stranger()]);
    let Delivered::Recorded {
        record,
        replaced,
        unmatched,
    } = store.deliver_feed(&officer, &first).await.unwrap()
    else {
        panic!("a new file is recorded");
    };
    assert_eq!(replaced, None);
    assert_eq!(
        (
            record.accepted,
            record.rejected,
            record.unmatched,
            record.rows_read
        ),
        (3, 1, 1, 4)
    );
    assert_eq!(unmatched, vec![(4, stranger().masked())]);
    assert_eq!(record.area, code("500299000000"));
    assert!(record.current);

    // The same file again changes nothing.
    match store.deliver_feed(&officer, &first).await.unwrap() {
        Delivered::Unchanged(r) => assert_eq!(r.id, record.id),
        other => panic!("{other:?}"),
    }
    // Another file for the month replaces the first, whole.
    let second = delivery(Department::Medical, "bb22", &[id(2)]);
    let Delivered::Recorded {
        record: again,
        replaced,
        unmatched,
    } = store.deliver_feed(&officer, &second).await.unwrap()
    else {
        panic!("a changed file is recorded");
    };
    assert_eq!(replaced, Some(record.id));
    assert!(unmatched.is_empty());
    let all = store.deliveries(&officer, 10).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!((all[0].id, all[0].current), (again.id, true));
    assert_eq!((all[1].id, all[1].current), (record.id, false));

    // An officer delivers only the department of the account.
    let other = delivery(Department::CivilAffairs, "cc33", &[id(1)]);
    assert_eq!(
        store.deliver_feed(&officer, &other).await.unwrap_err(),
        StoreError::Forbidden
    );
    // Nor may a role without the permission deliver at all.
    let town = actor_as(Role::TownReviewer, "500299101000");
    assert_eq!(
        store.deliver_feed(&town, &first).await.unwrap_err(),
        StoreError::Forbidden
    );
    // County staff see the county's deliveries; a town sees them too (the county covers it);
    // a village officer with no case permission of a different county sees nothing.
    let county = actor_as(Role::CountyAdmin, "500299000000");
    assert_eq!(store.deliveries(&county, 10).await.unwrap().len(), 2);
    assert_eq!(store.deliveries(&town, 1).await.unwrap().len(), 1);
    let elsewhere = actor_as(Role::CountyAdmin, "500298000000");
    assert!(store.deliveries(&elsewhere, 10).await.unwrap().is_empty());
    let viewer = actor_as(Role::Viewer, "500299000000");
    assert_eq!(
        store.deliveries(&viewer, 10).await.unwrap_err(),
        StoreError::Forbidden
    );

    // Every delivery and every refusal is audited; no ID number appears in the trail.
    let trail = store
        .audit_records(&Actor::system("contract"), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    let deliveries = trail.iter().filter(|r| r.action == "feed.deliver").count();
    assert_eq!(deliveries, 3);
    assert!(trail.iter().filter(|r| r.action == "access.denied").count() >= 3);
    for r in &trail {
        assert!(
            !r.detail.contains(stranger().as_str()) && !r.detail.contains(id(1).as_str()),
            "{r:?}"
        );
    }
}

fn warning(household_id: i64, rule: &str) -> crate::ScreeningWarning {
    crate::ScreeningWarning {
        household_id,
        rule_code: rule.into(),
        rule_name: format!("规则{rule}"),
        department: "医保".into(),
        explanation: format!("{rule}：近12个月自付医疗费 23,410.00元 > 18,000.00元"),
    }
}

pub async fn screening_runs(store: &dyn Store) {
    load_divisions(store).await;
    store
        .insert_households(
            &sys(),
            &[
                record("500299101201", 1, &[id(1), id(2)]),
                record("500299101202", 1, &[id(4)]),
                record("500299102201", 1, &[id(3)]),
            ],
        )
        .await
        .unwrap();
    let officer = medical_officer(store).await;
    store
        .deliver_feed(
            &officer,
            &delivery(Department::Medical, "aa", &[id(1), id(3), id(4)]),
        )
        .await
        .unwrap();

    // A town reads its own households and the rows about them, from the county's delivery.
    let town = actor_as(Role::TownReviewer, "500299101000");
    let input = store.screening_input(&town).await.unwrap();
    assert_eq!(input.households.len(), 2);
    assert_eq!(input.persons.len(), 3);
    assert_eq!(input.rows.len(), 2, "{:?}", input.rows);
    assert_eq!(input.deliveries.len(), 1);
    let shiqiao = input
        .households
        .iter()
        .find(|h| h.code.as_str() == "5002991012010001")
        .unwrap();
    assert_eq!(shiqiao.members, 2);
    assert!(
        input
            .persons
            .iter()
            .any(|p| p.household_id == shiqiao.id && p.name == "成员1残"),
        "{:?}",
        input.persons
    );
    assert!(
        input
            .rows
            .iter()
            .all(|r| r.department == Department::Medical)
    );

    let run = crate::NewScreeningRun {
        as_of: d(2026, 10, 31),
        run_on: d(2026, 11, 3),
        repeat_months: 12,
        deliveries: vec![input.deliveries[0].id],
        households: 2,
        warnings: vec![
            warning(shiqiao.id, "medical_burden"),
            warning(shiqiao.id, "post_shock_income"),
        ],
    };
    // Two rules for one household: one lead carrying both, found on the day of the run.
    let first = store.record_screening(&town, &run).await.unwrap();
    assert_eq!((first.new_leads, first.attached, first.repeated), (1, 0, 0));
    let leads = store
        .leads(&town, &crate::LeadFilter::default())
        .await
        .unwrap();
    assert_eq!(leads.len(), 1);
    assert!(leads.iter().all(
        |l| l.channel == dixian_domain::monitoring::Channel::Screening
            && l.village == code("500299101201")
            && l.evidence.contains("23,410.00元")
            && l.received_on == d(2026, 11, 3)
    ));
    for rule in ["medical_burden", "post_shock_income"] {
        assert!(leads[0].reason.contains(rule), "{}", leads[0].reason);
    }

    // Next month the same warnings come again: no second lead; a new one does.
    let mut next = run.clone();
    next.as_of = d(2026, 11, 30);
    next.warnings.push(warning(shiqiao.id, "new_disability"));
    let second = store.record_screening(&town, &next).await.unwrap();
    assert_eq!((second.new_leads, second.repeated), (1, 2));
    assert_eq!(
        store
            .leads(&town, &crate::LeadFilter::default())
            .await
            .unwrap()
            .len(),
        2
    );
    // A household outside the actor's area cannot be warned about.
    let outside = input.households.iter().map(|h| h.id).max().unwrap() + 1;
    let mut bad = run.clone();
    bad.warnings = vec![warning(outside, "dropout")];
    assert!(matches!(
        store.record_screening(&town, &bad).await.unwrap_err(),
        StoreError::Invalid(_)
    ));

    // Past the repeat window the warning is new again.
    let mut later = next.clone();
    later.as_of = d(2027, 12, 31);
    later.warnings.truncate(1);
    let third = store.record_screening(&town, &later).await.unwrap();
    assert_eq!((third.new_leads, third.repeated), (1, 0));
    let runs = store.screening_runs(&town, 10).await.unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!((runs[1].id, runs[1].repeated), (second.run_id, 2));
    let county = actor_as(Role::CountyAdmin, "500299000000");
    assert_eq!(store.screening_runs(&county, 10).await.unwrap().len(), 3);
    let baisha = actor_as(Role::TownReviewer, "500299102000");
    assert!(store.screening_runs(&baisha, 10).await.unwrap().is_empty());

    let rates = store.screening_rates(&town, d(2026, 1, 1)).await.unwrap();
    let by: Vec<(&str, i64, i64, i64)> = rates
        .iter()
        .map(|r| (r.rule_code.as_str(), r.hits, r.verified, r.identified))
        .collect();
    assert_eq!(
        by,
        vec![
            ("medical_burden", 2, 0, 0),
            ("new_disability", 1, 0, 0),
            ("post_shock_income", 1, 0, 0)
        ]
    );
    // Only case workers screen.
    let viewer = actor_as(Role::Viewer, "500299000000");
    assert_eq!(
        store.screening_input(&viewer).await.unwrap_err(),
        StoreError::Forbidden
    );
}
