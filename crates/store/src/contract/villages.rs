//! Contract checks of villages: designations and collective accounts.

use super::{actor_as, code, load_divisions, sys};
use crate::{AuditFilter, Store, StoreError};
use chrono::NaiveDate;
use dixian_domain::access::Role;
use dixian_domain::money::Money;
use dixian_domain::villages::{AccountFigures, Designation};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn wan(n: i64) -> Money {
    Money::from_yuan(n * 10_000).unwrap()
}

fn invalid(r: Result<impl std::fmt::Debug, StoreError>, says: &str) {
    match r {
        Err(StoreError::Invalid(m)) => assert!(m.contains(says), "{m} should say {says}"),
        other => panic!("expected a refusal saying {says}, got {other:?}"),
    }
}

fn account(operating: i64) -> AccountFigures {
    AccountFigures {
        business: wan(operating),
        subsidy: wan(5),
        business_cost: wan(1),
        profit: wan(operating + 4),
        ..AccountFigures::default()
    }
}

pub async fn villages(store: &dyn Store) {
    load_divisions(store).await;
    let county = actor_as(Role::CountyAdmin, "500299000000");
    let town = actor_as(Role::TownReviewer, "500299101000");
    let other_town = actor_as(Role::TownReviewer, "500299102000");
    let village = actor_as(Role::VillageOfficer, "500299101201");

    // Designations: the county records them; one overlapping its kind is refused.
    let key = Designation {
        division: code("500299101201"),
        kind: "key_village".into(),
        document: "青乡振〔2021〕5号".into(),
        from: d(2021, 7, 1),
        to: Some(d(2025, 12, 31)),
    };
    assert_eq!(
        store.add_designation(&town, &key).await,
        Err(StoreError::Forbidden),
        "the county designates"
    );
    let first = store.add_designation(&county, &key).await.unwrap();
    invalid(
        store
            .add_designation(
                &county,
                &Designation {
                    from: d(2025, 1, 1),
                    to: None,
                    ..key.clone()
                },
            )
            .await,
        "期限重叠",
    );
    store
        .add_designation(
            &county,
            &Designation {
                document: "青乡振〔2026〕2号".into(),
                from: d(2026, 1, 1),
                to: None,
                ..key.clone()
            },
        )
        .await
        .unwrap();
    store
        .add_designation(
            &county,
            &Designation {
                division: code("500299000000"),
                kind: "key_county".into(),
                document: "渝乡振〔2021〕1号".into(),
                from: d(2021, 7, 1),
                to: None,
            },
        )
        .await
        .unwrap();
    invalid(
        store
            .add_designation(
                &county,
                &Designation {
                    document: " ".into(),
                    kind: "tuopin_village".into(),
                    ..key.clone()
                },
            )
            .await,
        "文号",
    );
    // The village sees its own and the county's; the other town sees the county's only.
    let seen = store.designations(&village, None).await.unwrap();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen.iter().any(|r| r.id == first));
    assert!(seen.iter().any(|r| r.designation.kind == "key_county"));
    let theirs = store.designations(&other_town, None).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].designation.kind, "key_county");
    assert_eq!(
        store
            .designations(&other_town, Some(&code("500299101000")))
            .await,
        Err(StoreError::Forbidden)
    );

    // Accounts: saved whole by a town or the county, a village saved again replaced.
    let mine = [
        (code("500299101201"), 2019, account(3)),
        (code("500299101201"), 2020, account(4)),
        (code("500299101202"), 2020, account(9)),
    ];
    assert_eq!(
        store.save_accounts(&village, &mine).await,
        Err(StoreError::Forbidden)
    );
    assert_eq!(
        store.save_accounts(&other_town, &mine).await,
        Err(StoreError::Forbidden)
    );
    let mut wrong = account(2);
    wrong.profit = wan(1);
    invalid(
        store
            .save_accounts(&town, &[mine[0], (code("500299101202"), 2019, wrong)])
            .await,
        "第2个：本年收益",
    );
    invalid(
        store
            .save_accounts(&town, &[(code("500299101000"), 2020, account(1))])
            .await,
        "不是区划表中的村",
    );
    invalid(
        store.save_accounts(&town, &[mine[0], mine[0]]).await,
        "重复",
    );
    assert!(
        store
            .accounts(&county, None, 2000, 2100)
            .await
            .unwrap()
            .is_empty(),
        "nothing of a refused save is written"
    );
    assert_eq!(store.save_accounts(&town, &mine).await.unwrap(), 3);
    let again = [(code("500299101201"), 2020, account(6))];
    assert_eq!(store.save_accounts(&county, &again).await.unwrap(), 1);
    let all = store.accounts(&county, None, 2019, 2020).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[1].figures.business, wan(6), "replaced");
    assert_eq!(all[0].village_name, "石桥村");
    assert_eq!(
        store
            .accounts(&county, Some(&code("500299101202")), 2020, 2020)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .accounts(&other_town, None, 2019, 2020)
            .await
            .unwrap()
            .is_empty()
    );

    let audit = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    let count = |action: &str| audit.iter().filter(|r| r.action == action).count();
    assert_eq!(count("village.designate"), 3);
    assert_eq!(count("village.accounts"), 2);
    assert!(count("access.denied") >= 3);
}
