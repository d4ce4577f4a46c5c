//! Use cases against a real SQLite store (the store contract covers PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use dixian_app::setup::{SourceFile, import_calendar, initialize};
use dixian_app::{AppError, demo, policy};
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_domain::money::Money;
use dixian_store::Store;
use dixian_store_sql::SqlStore;

async fn store() -> (tempfile::TempDir, SqlStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = SqlStore::open_sqlite(
        &dir.path().join("t.db"),
        std::sync::Arc::new(dixian_gm::FieldCipher::ephemeral().unwrap()),
    )
    .await
    .unwrap();
    (dir, s)
}

fn sys() -> Actor {
    Actor::system("test")
}

fn file(name: &str, text: &str) -> SourceFile {
    SourceFile {
        name: name.into(),
        text: text.into(),
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

const DIVS: &str = "code,name\n520000000000,贵州省\n520600000000,铜仁市\n520624000000,思南县\n";

#[tokio::test]
async fn init_loads_everything_and_resolves_policy() {
    let (_d, s) = store().await;
    let r = initialize(&s, &sys(), &[file("gz.csv", DIVS)], &[])
        .await
        .unwrap();
    assert_eq!(r.divisions, 3);
    assert!(r.calendar_days > 200);
    assert_eq!(r.policy_packs.len(), 4);
    let p = policy::policy_in_force(&s, "520624000000", d(2021, 6, 1))
        .await
        .unwrap();
    assert_eq!(p.monitoring_line.amount, Money::from_yuan(6320).unwrap());
    // Running init again is harmless.
    initialize(&s, &sys(), &[file("gz.csv", DIVS)], &[])
        .await
        .unwrap();
    assert_eq!(s.policy_packs().await.unwrap().len(), 4);
}

#[tokio::test]
async fn bad_files_change_nothing() {
    let (_d, s) = store().await;
    let bad_divs = "code,name\n520000000000,贵州省\n52060000000x,铜仁市\n";
    let bad_pack = "[pack]\nid = \"x\"\n";
    let e = initialize(
        &s,
        &sys(),
        &[file("gz.csv", bad_divs)],
        &[file("x.toml", bad_pack)],
    )
    .await
    .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("gz.csv第3行"), "{text}");
    assert!(text.contains("x.toml"), "{text}");
    assert!(s.root_divisions().await.unwrap().is_empty());
    assert!(s.policy_packs().await.unwrap().is_empty());
}

#[tokio::test]
async fn unknown_region_and_bad_dates_are_explained() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[file("gz.csv", DIVS)], &[])
        .await
        .unwrap();
    let e = policy::policy_in_force(&s, "520625000000", d(2022, 1, 1))
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::NotFound(_)));
    assert!(e.to_string().contains("520625000000不存在"), "{e}");
    let e = policy::policy_in_force(&s, "5206", d(2022, 1, 1))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("12位数字"), "{e}");
    let e = policy::policy_in_force(&s, "520000000000", d(2022, 1, 1))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("县级或以下"), "{e}");
    let e = policy::policy_in_force(&s, "520624000000", d(2020, 1, 1))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("没有适用"), "{e}");

    assert_eq!(policy::parse_date("2026/10/31").unwrap(), d(2026, 10, 31));
    assert_eq!(policy::parse_date("2026年2月3日").unwrap(), d(2026, 2, 3));
    let e = policy::parse_date("2026-02-30").unwrap_err();
    assert!(e.to_string().contains("2026-02-30"), "{e}");
}

#[tokio::test]
async fn administrator_extends_calendar() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[]).await.unwrap();
    assert!(!s.calendar().await.unwrap().covers(2027));
    let next = "date,kind,festival,notice_year\n2027-01-01,休,元旦,2027\n2027-02-06,班,春节,2027\n";
    assert_eq!(
        import_calendar(&s, &sys(), &file("2027.csv", next))
            .await
            .unwrap(),
        2
    );
    let cal = s.calendar().await.unwrap();
    assert!(cal.covers(2027));
    assert!(cal.is_working_day(d(2027, 2, 6)).value);
    let bad = "date,kind,festival,notice_year\n2027-01-04,班,元旦,2027\n";
    let e = import_calendar(&s, &sys(), &file("bad.csv", bad))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("bad.csv第2行"), "{e}");
}

#[tokio::test]
async fn demo_county_loads_and_refuses_a_second_time() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[]).await.unwrap();
    let opts = demo::DemoOptions {
        households: 2_500,
        seed: 9,
        as_of: d(2026, 11, 1),
    };
    let mut calls = Vec::new();
    let r = demo::load(&s, &sys(), opts, |done, total| calls.push((done, total)))
        .await
        .unwrap();
    assert_eq!(r.households, 2_500);
    assert_eq!(calls.last(), Some(&(2_500, 2_500)));
    assert_eq!(calls.len(), 2);
    let county = DivisionCode::parse(demo::COUNTY_CODE).unwrap();
    let counts = s.registry_counts(&sys(), &county).await.unwrap();
    assert_eq!(counts.households, 2_500);
    assert_eq!(counts.persons as usize, r.persons);
    assert_eq!(s.child_divisions(&county).await.unwrap().len(), 15);
    // The demo county resolves to Chongqing's values.
    let p = policy::policy_in_force(&s, demo::COUNTY_CODE, d(2026, 11, 1))
        .await
        .unwrap();
    assert_eq!(p.visits.poverty_alleviated_months, vec![3, 8, 11]);
    assert_eq!(p.naming.monitored_object, "防止返贫致贫对象");

    let e = demo::load(&s, &sys(), opts, |_, _| {}).await.unwrap_err();
    assert!(e.to_string().contains("已有2500户"), "{e}");
    let e = demo::load(
        &s,
        &sys(),
        demo::DemoOptions {
            households: 0,
            ..opts
        },
        |_, _| {},
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("演示户数0不合理"), "{e}");
}
