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
