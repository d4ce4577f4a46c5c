//! Setting up a county: initialization, the calendar, policy packs, the demo county and
//! household imports.

use crate::support::*;
use dixian_domain::policy::BUILTIN_PACKS;

const DIVS: &str = "code,name\n520000000000,贵州省\n520600000000,铜仁市\n520624000000,思南县\n";

#[tokio::test]
async fn init_loads_everything_and_resolves_policy() {
    let (_d, s) = store().await;
    let r = initialize(&s, &sys(), &[file("gz.csv", DIVS)], &[])
        .await
        .unwrap();
    assert_eq!(r.divisions, 3);
    assert!(r.calendar_days > 200);
    assert_eq!(r.policy_packs.len(), BUILTIN_PACKS.len());
    let p = policy::policy_in_force(&s, "520624000000", d(2021, 6, 1))
        .await
        .unwrap();
    assert_eq!(p.monitoring_line.amount, Money::from_yuan(6320).unwrap());
    // Running init again is harmless.
    initialize(&s, &sys(), &[file("gz.csv", DIVS)], &[])
        .await
        .unwrap();
    assert_eq!(s.policy_packs().await.unwrap().len(), BUILTIN_PACKS.len());
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
    assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0), "{calls:?}");
    let county = DivisionCode::parse(demo::COUNTY_CODE).unwrap();
    let counts = s.registry_counts(&sys(), &county).await.unwrap();
    assert_eq!(counts.households, 2_500);
    assert_eq!(counts.persons as usize, r.persons);
    assert_eq!(s.child_divisions(&county).await.unwrap().len(), 15);
    // The ledger holds every household, across the store's pages of 1,000.
    let mut csv = Vec::new();
    let mut progress = Vec::new();
    let n = dixian_app::registry::ledger::export(
        &s,
        &sys(),
        &dixian_app::registry::HouseholdQuery::default(),
        dixian_app::registry::ledger::FileKind::Csv,
        None,
        &mut csv,
        |n| progress.push(n),
    )
    .await
    .unwrap();
    assert_eq!(n, 2_500);
    assert_eq!(
        String::from_utf8(csv.clone()).unwrap().lines().count(),
        2_501
    );
    assert_eq!(progress, vec![1_000, 2_000, 2_500, 2_500]);
    let text = String::from_utf8(csv).unwrap();
    let masked = text
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(5)
        .unwrap()
        .to_string();
    assert!(masked.contains("**********"), "{masked}");
    // With a reason, the heads' numbers in full, and the reveal audited with it.
    let mut full = Vec::new();
    dixian_app::registry::ledger::export(
        &s,
        &sys(),
        &dixian_app::registry::HouseholdQuery::default(),
        dixian_app::registry::ledger::FileKind::Csv,
        Some("核对一卡通发放名单"),
        &mut full,
        |_| {},
    )
    .await
    .unwrap();
    let full = String::from_utf8(full).unwrap();
    let id = full
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(5)
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 18, "{id}");
    assert_eq!(&id[..4], &masked[..4]);
    let reveals = s
        .audit_records(
            &sys(),
            &dixian_store::AuditFilter {
                action: Some("pii.reveal".into()),
                ..dixian_store::AuditFilter::after(0, 100)
            },
        )
        .await
        .unwrap();
    assert_eq!(reveals.len(), 3, "one per page of 1,000");
    assert!(reveals[0].detail.contains("核对一卡通发放名单"));
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

/// The demo county written as a file and imported back: nothing changes. A corrected file
/// updates only what it corrects, with history; importing it again changes nothing.
#[tokio::test]
async fn importing_registered_households_updates_only_what_changed() {
    use dixian_app::registry::import::{import_households, write_households};
    use dixian_app::sheet::FileKind;
    use dixian_domain::registry::Relation;
    let progress = dixian_app::registry::import::Progress::default();
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[]).await.unwrap();
    let opts = demo::DemoOptions {
        households: 40,
        seed: 5,
        as_of: d(2026, 11, 1),
    };
    demo::load(&s, &sys(), opts, |_, _| {}).await.unwrap();
    let table = demo::divisions(opts.seed);
    // The very households the demo wrote: generated against the same line.
    let line = demo::income_line(opts.as_of).unwrap();
    let records: Vec<_> = demo::Generator::new(&table, opts.seed, opts.households, opts.as_of)
        .with_line(line)
        .collect();
    let mut xlsx = Vec::new();
    write_households(FileKind::Xlsx, records.clone(), &mut xlsx).unwrap();
    let r = import_households(&s, &sys(), "全县.xlsx", &xlsx, false, &progress)
        .await
        .unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(
        (r.new, r.changed.len(), r.unchanged, r.written),
        (0, 0, 40, 0)
    );

    // Correct one household: its address, a member's health, and a new income year.
    let mut fixed = records.clone();
    let target = fixed[3].household.code.clone();
    fixed[3].household.address = "石桥村五组新址".into();
    fixed[3].members[0].health = dixian_domain::registry::Health::Serious;
    let mut csv = Vec::new();
    write_households(FileKind::Csv, fixed.clone(), &mut csv).unwrap();
    let dry = import_households(&s, &sys(), "更正.csv", &csv, true, &progress)
        .await
        .unwrap();
    assert_eq!(dry.changed.len(), 1, "{:?}", dry.changed);
    assert_eq!(dry.changed[0].0, target);
    let fields: Vec<&str> = dry.changed[0].1.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields[0], "住址");
    assert!(fields[1].ends_with("的健康状况"), "{fields:?}");
    assert_eq!(dry.written, 0);
    let before = s.household_events(&sys(), &target).await.unwrap().len();
    let done = import_households(&s, &sys(), "/tmp/x/更正.csv", &csv, false, &progress)
        .await
        .unwrap();
    assert_eq!(
        (done.changed.len(), done.unchanged, done.written),
        (1, 39, 1)
    );
    let history = s.household_events(&sys(), &target).await.unwrap();
    assert_eq!(history.len(), before + 1);
    let last = history.last().unwrap();
    assert_eq!(last.reason, "导入文件“更正.csv”");
    assert_eq!(last.changes, dry.changed[0].1);
    let again = import_households(&s, &sys(), "更正.csv", &csv, false, &progress)
        .await
        .unwrap();
    assert_eq!(
        (again.changed.len(), again.unchanged, again.written),
        (0, 40, 0)
    );

    // A file that leaves a member out keeps the member and says so; one that would leave a
    // household with two heads is refused before anything is written.
    let mut shorter = fixed.clone();
    let gone = shorter[5].members.pop().unwrap();
    shorter[5].household.address.push('甲');
    let mut buf = Vec::new();
    write_households(FileKind::Csv, shorter.clone(), &mut buf).unwrap();
    let r = import_households(&s, &sys(), "少一人.csv", &buf, true, &progress)
        .await
        .unwrap();
    assert!(
        r.warnings
            .iter()
            .any(|w| w.message.contains(&gone.name) && w.message.contains("保持不变")),
        "{:?}",
        r.warnings
    );
    // Leaving the registered head out while naming another member head would give the
    // household two heads: refused by row, nothing written.
    let i = fixed.iter().position(|r| r.members.len() > 1).unwrap();
    let mut two_heads = fixed.clone();
    assert_eq!(two_heads[i].members[0].relation, Relation::Head);
    two_heads[i].members.remove(0);
    two_heads[i].members[0].relation = Relation::Head;
    let mut buf = Vec::new();
    write_households(FileKind::Csv, two_heads, &mut buf).unwrap();
    let r = import_households(&s, &sys(), "两户主.csv", &buf, false, &progress)
        .await
        .unwrap();
    assert!(
        r.problems
            .iter()
            .any(|p| p.row > 1 && p.message.contains("2名在户的户主")),
        "{:?}",
        r.problems
    );
    assert_eq!(r.written, 0);
    let unchanged = import_households(&s, &sys(), "更正.csv", &csv, true, &progress)
        .await
        .unwrap();
    assert_eq!(unchanged.changed.len(), 0);
}
