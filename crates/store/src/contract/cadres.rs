//! Contract checks of cadres around villages: 包片 by the county and 包村 by the town, ended
//! with a successor in one write; a leaving 帮扶责任人's households handed over whole or not at
//! all, the ended periods kept; 遍访 recorded by whoever's area holds the secretary, checked
//! against its target; information officers kept by the county or town; everything scoped.

use super::{actor_as, code, id, load_divisions, new_user, record, sys};
use crate::cadres::{CurrentCadre, HandOver, NewOfficer, Successor};
use crate::{AuditFilter, Store, StoreError};
use chrono::NaiveDate;
use dixian_domain::access::Role;
use dixian_domain::cadres::{OfficerKind, Pairing, PairingLevel, SecretaryLevel, Tour, TourTarget};
use dixian_domain::registry::HouseholdCode;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn invalid(r: Result<impl std::fmt::Debug, StoreError>, says: &str) {
    match r {
        Err(StoreError::Invalid(m)) => assert!(m.contains(says), "{m} should say {says}"),
        other => panic!("expected a refusal saying {says}, got {other:?}"),
    }
}

fn hh(village: &str, seq: u16) -> HouseholdCode {
    HouseholdCode::new(&code(village), seq).unwrap()
}

pub async fn cadres(store: &dyn Store) {
    load_divisions(store).await;
    let county = actor_as(Role::CountyAdmin, "500299000000");
    let town = actor_as(Role::TownReviewer, "500299101000");
    let other_town = actor_as(Role::TownReviewer, "500299102000");
    let village = actor_as(Role::VillageOfficer, "500299101201");
    let viewer = actor_as(Role::Viewer, "500299101000");

    // 包片 by the county only; 包村 by the county or the village's own town.
    let town_pairing = Pairing {
        level: PairingLevel::Town,
        division: code("500299101000"),
        person: "周县长".into(),
        post: "副县长".into(),
        unit: "县政府".into(),
        from: d(2026, 1, 1),
    };
    assert_eq!(
        store.add_pairing(&town, &town_pairing).await,
        Err(StoreError::Forbidden)
    );
    let p1 = store.add_pairing(&county, &town_pairing).await.unwrap();
    invalid(
        store
            .add_pairing(
                &county,
                &Pairing {
                    division: code("500299101201"),
                    ..town_pairing.clone()
                },
            )
            .await,
        "包片（乡镇）只能选乡镇",
    );
    let village_pairing = Pairing {
        level: PairingLevel::Village,
        division: code("500299101201"),
        person: "刘委员".into(),
        post: "镇党委委员".into(),
        unit: "石桥镇".into(),
        from: d(2026, 2, 1),
    };
    assert_eq!(
        store.add_pairing(&other_town, &village_pairing).await,
        Err(StoreError::Forbidden)
    );
    let p2 = store.add_pairing(&town, &village_pairing).await.unwrap();
    invalid(
        store
            .add_pairing(
                &town,
                &Pairing {
                    person: " ".into(),
                    ..village_pairing.clone()
                },
            )
            .await,
        "请填写包联干部姓名",
    );

    // Ending with a successor: the successor's period starts the same day, in one write.
    invalid(
        store
            .end_pairing(&town, p2, d(2026, 1, 15), "调动", None)
            .await,
        "早于开始日期",
    );
    let next = Successor {
        person: "陈委员".into(),
        post: "镇党委委员".into(),
        unit: "石桥镇".into(),
    };
    // Another town's pairing reads as unknown (audited); a viewer of the town may not end it.
    invalid(
        store
            .end_pairing(&other_town, p2, d(2026, 6, 30), "调动", Some(&next))
            .await,
        "不存在",
    );
    assert_eq!(
        store
            .end_pairing(&viewer, p2, d(2026, 6, 30), "调动", Some(&next))
            .await,
        Err(StoreError::Forbidden)
    );
    let p3 = store
        .end_pairing(&town, p2, d(2026, 6, 30), "调县农业农村委", Some(&next))
        .await
        .unwrap()
        .expect("a successor's pairing");
    invalid(
        store
            .end_pairing(&town, p2, d(2026, 6, 1), "再次结束", None)
            .await,
        "的包联已于2026-06-30结束",
    );
    let all = store.pairings(&county, None).await.unwrap();
    assert_eq!(
        all.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![p1, p2, p3]
    );
    let ended = all.iter().find(|p| p.id == p2).unwrap();
    assert_eq!(
        (ended.to, ended.successor, ended.end_reason.as_deref()),
        (Some(d(2026, 6, 30)), Some(p3), Some("调县农业农村委"))
    );
    let successor = all.iter().find(|p| p.id == p3).unwrap();
    assert_eq!(
        (
            successor.pairing.person.as_str(),
            successor.pairing.from,
            successor.to
        ),
        ("陈委员", d(2026, 6, 30), None)
    );
    assert_eq!(successor.division_name, "石桥村");
    assert!(store.pairings(&other_town, None).await.unwrap().is_empty());
    assert_eq!(
        store
            .pairings(&other_town, Some(&code("500299101000")))
            .await,
        Err(StoreError::Forbidden)
    );

    // 包户: a leaving cadre's households go to another, whole or not at all.
    store
        .insert_households(
            &sys(),
            &[
                record("500299101201", 1, &[id(1)]),
                record("500299101202", 2, &[id(2)]),
                record("500299102201", 3, &[id(3)]),
            ],
        )
        .await
        .unwrap();
    let leaving = store
        .create_user(
            &sys(),
            &new_user("leaving", Role::AssistanceCadre, "500299101000"),
        )
        .await
        .unwrap();
    let taking = store
        .create_user(
            &sys(),
            &new_user("taking", Role::AssistanceCadre, "500299101000"),
        )
        .await
        .unwrap();
    let narrow = store
        .create_user(
            &sys(),
            &new_user("narrow", Role::AssistanceCadre, "500299101201"),
        )
        .await
        .unwrap();
    for h in [hh("500299101201", 1), hh("500299101202", 2)] {
        store.assign_cadre(&town, &h, leaving, true).await.unwrap();
    }
    let today = chrono::Utc::now().date_naive() + chrono::Days::new(1);
    let over = HandOver {
        from: leaving,
        to: narrow,
        on: today,
        reason: "调离本镇".into(),
    };
    // Another town's officer cannot name or move the town's cadres.
    invalid(
        store
            .hand_over(
                &actor_as(Role::TownReviewer, "500299102000"),
                &HandOver {
                    to: taking,
                    ..over.clone()
                },
            )
            .await,
        "不存在",
    );
    // 青龙村 is outside the narrow cadre's area: nothing moves.
    invalid(store.hand_over(&town, &over).await, "有1户不能移交给");
    let loads = store.cadre_loads(&town).await.unwrap();
    let load_of = |uid: i64| loads.iter().find(|l| l.user_id == uid).unwrap().households;
    assert_eq!((load_of(leaving), load_of(narrow)), (2, 0));
    invalid(
        store
            .hand_over(
                &town,
                &HandOver {
                    to: taking,
                    on: d(2020, 1, 1),
                    ..over.clone()
                },
            )
            .await,
        "调整日期不能早于它",
    );
    invalid(
        store
            .hand_over(
                &town,
                &HandOver {
                    to: leaving,
                    ..over.clone()
                },
            )
            .await,
        "同一个账号",
    );
    assert_eq!(
        store
            .hand_over(
                &viewer,
                &HandOver {
                    to: taking,
                    ..over.clone()
                }
            )
            .await,
        Err(StoreError::Forbidden)
    );
    let moved = store
        .hand_over(
            &town,
            &HandOver {
                to: taking,
                ..over.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(moved, 2);
    let loads = store.cadre_loads(&town).await.unwrap();
    let load_of = |uid: i64| loads.iter().find(|l| l.user_id == uid).unwrap().households;
    assert_eq!((load_of(leaving), load_of(taking)), (0, 2));
    invalid(
        store
            .hand_over(
                &town,
                &HandOver {
                    to: taking,
                    ..over.clone()
                },
            )
            .await,
        "没有负责的农户",
    );
    // Releasing a household ends its period too.
    store
        .assign_cadre(&town, &hh("500299101202", 2), taking, false)
        .await
        .unwrap();
    let periods = store.cadre_periods(&town, None).await.unwrap();
    assert_eq!(periods.len(), 3, "{periods:?}");
    let handed: Vec<_> = periods.iter().filter(|p| p.reason == "调离本镇").collect();
    assert_eq!(handed.len(), 2);
    assert!(handed.iter().all(|p| p.to == today
        && p.cadre == "leaving的姓名"
        && p.successor.as_deref() == Some("taking的姓名")));
    assert!(
        periods
            .iter()
            .any(|p| p.reason == "解除帮扶责任人" && p.cadre == "taking的姓名")
    );
    assert!(
        store
            .cadre_periods(&other_town, None)
            .await
            .unwrap()
            .is_empty()
    );
    // The household's own history: who now, since the hand-over day, and who before.
    let (now, before) = store
        .household_cadres(&town, &hh("500299101201", 1))
        .await
        .unwrap();
    assert_eq!(
        now,
        vec![CurrentCadre {
            user_id: taking,
            name: "taking的姓名".into(),
            since: today
        }]
    );
    assert_eq!(before.len(), 1);
    assert_eq!(
        (
            before[0].cadre.as_str(),
            before[0].to,
            before[0].reason.as_str()
        ),
        ("leaving的姓名", today, "调离本镇")
    );
    assert_eq!(
        store
            .household_cadres(&other_town, &hh("500299101201", 1))
            .await,
        Err(StoreError::Forbidden)
    );

    // 解除 on a household's page: a day not before the care began nor after today, a reason.
    let h = hh("500299101202", 2);
    store.assign_cadre(&town, &h, leaving, true).await.unwrap();
    let beijing_today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let release = |on: NaiveDate, who: i64, reason: &'static str| {
        let (store, town, h) = (&store, &town, &h);
        async move { store.release_cadre(town, h, who, on, reason).await }
    };
    invalid(
        release(beijing_today + chrono::Days::new(1), leaving, "调离本县").await,
        "晚于今天",
    );
    invalid(release(d(2020, 1, 1), leaving, "调离本县").await, "早于");
    invalid(release(beijing_today, narrow, "调离本县").await, "不是户");
    invalid(release(beijing_today, leaving, "  ").await, "解除原因");
    assert_eq!(
        store
            .release_cadre(&other_town, &h, leaving, beijing_today, "调离本县")
            .await,
        Err(StoreError::Forbidden)
    );
    assert_eq!(store.household_cadres(&town, &h).await.unwrap().0.len(), 1);
    release(beijing_today, leaving, "调离本县").await.unwrap();
    let (now, before) = store.household_cadres(&town, &h).await.unwrap();
    assert!(now.is_empty(), "{now:?}");
    assert!(
        before.iter().any(|p| p.cadre == "leaving的姓名"
            && (p.from, p.to) == (beijing_today, beijing_today)
            && p.reason == "调离本县"),
        "{before:?}"
    );

    // 遍访: whoever's area holds the secretary records it, checked against the target.
    let county_tour = Tour {
        level: SecretaryLevel::County,
        of: code("500299000000"),
        visitor: "县委书记".into(),
        on: d(2026, 3, 5),
        target: TourTarget::Town(code("500299101000")),
        note: "调研产业".into(),
    };
    assert_eq!(
        store.add_tour(&town, &county_tour).await,
        Err(StoreError::Forbidden)
    );
    let t1 = store.add_tour(&county, &county_tour).await.unwrap();
    let town_tour = Tour {
        level: SecretaryLevel::Town,
        of: code("500299101000"),
        visitor: "镇党委书记".into(),
        on: d(2026, 4, 1),
        target: TourTarget::Household(hh("500299101201", 1)),
        note: String::new(),
    };
    assert_eq!(
        store.add_tour(&other_town, &town_tour).await,
        Err(StoreError::Forbidden)
    );
    let t2 = store.add_tour(&town, &town_tour).await.unwrap();
    invalid(
        store
            .add_tour(
                &town,
                &Tour {
                    target: TourTarget::Household(hh("500299101201", 9)),
                    ..town_tour.clone()
                },
            )
            .await,
        "未登记",
    );
    invalid(
        store
            .add_tour(
                &town,
                &Tour {
                    target: TourTarget::Household(hh("500299102201", 3)),
                    ..town_tour.clone()
                },
            )
            .await,
        "不在乡镇党委书记",
    );
    let first = Tour {
        level: SecretaryLevel::First,
        of: code("500299101201"),
        visitor: "王书记".into(),
        on: d(2026, 5, 1),
        target: TourTarget::Household(hh("500299101201", 1)),
        note: "了解务工".into(),
    };
    let t3 = store.add_tour(&village, &first).await.unwrap();
    let seen = store.tours(&town, None, 2026).await.unwrap();
    assert_eq!(
        seen.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![t3, t2, t1],
        "the county secretary's visit to the town is the town's too"
    );
    assert_eq!(seen[2].target_name, "石桥镇");
    assert_eq!(seen[0].tour, first);
    assert!(store.tours(&town, None, 2025).await.unwrap().is_empty());
    assert_eq!(
        store
            .tours(&other_town, None, 2026)
            .await
            .unwrap()
            .iter()
            .map(|t| t.id)
            .collect::<Vec<_>>(),
        Vec::<i64>::new()
    );
    let owed = store.tour_households(&town, None).await.unwrap();
    assert_eq!(
        owed.iter().map(|h| h.code.clone()).collect::<Vec<_>>(),
        vec![hh("500299101201", 1), hh("500299101202", 2)]
    );
    assert!(owed.iter().all(|h| h.poverty_alleviated && !h.monitored));
    // Heads' names only of the actor's area.
    let names = store
        .head_names(&town, &[hh("500299101201", 1), hh("500299102201", 3)])
        .await
        .unwrap();
    assert_eq!(names.len(), 1);
    assert_eq!(names[0].0, hh("500299101201", 1));
    assert!(!names[0].1.is_empty());

    // Information officers: the county or the town; a real phone number.
    let officer = NewOfficer {
        division: code("500299101201"),
        name: "赵信息员".into(),
        phone: "138 0013 8001".into(),
        kind: OfficerKind::PartTime,
        from: d(2026, 1, 1),
    };
    assert_eq!(
        store.add_officer(&village, &officer).await,
        Err(StoreError::Forbidden)
    );
    invalid(
        store
            .add_officer(
                &town,
                &NewOfficer {
                    phone: "电话".into(),
                    ..officer.clone()
                },
            )
            .await,
        "联系电话“电话”无效",
    );
    assert_eq!(
        store
            .add_officer(
                &town,
                &NewOfficer {
                    division: code("500299000000"),
                    ..officer.clone()
                },
            )
            .await,
        Err(StoreError::Forbidden),
        "a town does not staff the county"
    );
    let o1 = store.add_officer(&town, &officer).await.unwrap();
    let o2 = store
        .add_officer(
            &town,
            &NewOfficer {
                division: code("500299101000"),
                name: "孙信息员".into(),
                kind: OfficerKind::FullTime,
                ..officer.clone()
            },
        )
        .await
        .unwrap();
    invalid(
        store.end_officer(&town, o1, d(2025, 1, 1), "调走").await,
        "早于开始日期",
    );
    invalid(
        store
            .end_officer(&other_town, o1, d(2026, 8, 1), "调走")
            .await,
        "不存在",
    );
    assert_eq!(
        store.end_officer(&village, o1, d(2026, 8, 1), "调走").await,
        Err(StoreError::Forbidden)
    );
    store
        .end_officer(&town, o1, d(2026, 8, 1), "外出务工")
        .await
        .unwrap();
    invalid(
        store
            .end_officer(&town, o1, d(2026, 8, 1), "外出务工")
            .await,
        "已不再担任信息员",
    );
    let officers = store.officers(&town, None).await.unwrap();
    assert_eq!(
        officers.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![o2, o1]
    );
    assert_eq!(officers[1].officer.phone, "13800138001");
    assert_eq!(officers[1].to, Some(d(2026, 8, 1)));
    assert!(store.officers(&other_town, None).await.unwrap().is_empty());

    // Every write audited.
    let log = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    for action in [
        "pairing.add",
        "pairing.end",
        "cadre.hand_over",
        "tour.add",
        "officer.add",
        "officer.end",
    ] {
        assert!(
            log.iter().any(|r| r.action == action),
            "{action} not audited"
        );
    }
    assert_eq!(
        log.iter().filter(|r| r.action == "cadre.hand_over").count(),
        2
    );
}
