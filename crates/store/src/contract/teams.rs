//! Contract checks of resident teams: the county forms and staffs them, one team per village,
//! one team per person at a time (found by the sealed ID number's blind index), day records kept
//! by the town within the month, the term and the leave rules, scoped by the villages served.

use super::{actor_as, code, id, load_divisions, sys};
use crate::teams::{NewMember, NewTeam};
use crate::{AuditFilter, Store, StoreError};
use chrono::NaiveDate;
use dixian_domain::access::Role;
use dixian_domain::problems::Month;
use dixian_domain::teams::{Approver, DayKind, DayRecord, MemberRole, TeamRules};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn invalid(r: Result<impl std::fmt::Debug, StoreError>, says: &str) {
    match r {
        Err(StoreError::Invalid(m)) => assert!(m.contains(says), "{m} should say {says}"),
        other => panic!("expected a refusal saying {says}, got {other:?}"),
    }
}

fn days(from: NaiveDate, to: NaiveDate, kind: DayKind) -> DayRecord {
    DayRecord {
        from,
        to,
        kind,
        approver: None,
        approval: String::new(),
        note: "走访监测户".into(),
    }
}

pub async fn teams(store: &dyn Store) {
    load_divisions(store).await;
    let county = actor_as(Role::CountyAdmin, "500299000000");
    let town = actor_as(Role::TownReviewer, "500299101000");
    let other_town = actor_as(Role::TownReviewer, "500299102000");
    let viewer = actor_as(Role::Viewer, "500299101000");
    let rules = TeamRules {
        in_village_share: Some([2, 3]),
        in_village_days_per_year: None,
        town_leave_max_days: 5,
    };

    // The county forms a team for two villages; a village has one team at a time.
    let team = NewTeam {
        name: "县农业农村委驻石桥村工作队".into(),
        unit: "县农业农村委".into(),
        villages: vec![code("500299101201"), code("500299101202")],
        from: d(2026, 1, 1),
    };
    assert_eq!(
        store.add_team(&town, &team).await,
        Err(StoreError::Forbidden)
    );
    let t1 = store.add_team(&county, &team).await.unwrap();
    invalid(
        store
            .add_team(
                &county,
                &NewTeam {
                    name: "县财政局工作队".into(),
                    villages: vec![code("500299101202")],
                    ..team.clone()
                },
            )
            .await,
        "已有驻村工作队",
    );
    let t2 = store
        .add_team(
            &county,
            &NewTeam {
                name: "县财政局驻白沙村工作队".into(),
                unit: "县财政局".into(),
                villages: vec![code("500299102201")],
                ..team.clone()
            },
        )
        .await
        .unwrap();

    // Members: one person in one team at a time.
    let secretary = NewMember {
        team: t1,
        name: "王书记".into(),
        id_number: id(11),
        unit: "县农业农村委".into(),
        position: "科长".into(),
        role: MemberRole::Secretary,
        from: d(2026, 1, 1),
        to: Some(d(2027, 12, 31)),
    };
    assert_eq!(
        store.add_team_member(&town, &secretary).await,
        Err(StoreError::Forbidden)
    );
    let m1 = store.add_team_member(&county, &secretary).await.unwrap();
    invalid(
        store
            .add_team_member(
                &county,
                &NewMember {
                    team: t2,
                    from: d(2026, 6, 1),
                    to: None,
                    ..secretary.clone()
                },
            )
            .await,
        "同一时间只能在一个工作队",
    );
    let m2 = store
        .add_team_member(
            &county,
            &NewMember {
                name: "李队员".into(),
                id_number: id(12),
                role: MemberRole::Member,
                ..secretary.clone()
            },
        )
        .await
        .unwrap();

    // The town keeps the days; the rules of the record hold inside the write.
    let nov = Month {
        year: 2026,
        month: 11,
    };
    assert_eq!(
        store
            .record_days(
                &viewer,
                m1,
                nov,
                &days(d(2026, 11, 2), d(2026, 11, 6), DayKind::InVillage),
                &rules
            )
            .await,
        Err(StoreError::Forbidden)
    );
    store
        .record_days(
            &town,
            m1,
            nov,
            &days(d(2026, 11, 2), d(2026, 11, 13), DayKind::InVillage),
            &rules,
        )
        .await
        .unwrap();
    invalid(
        store
            .record_days(
                &town,
                m1,
                nov,
                &days(d(2026, 11, 13), d(2026, 11, 16), DayKind::Away),
                &rules,
            )
            .await,
        "已记为“在村”",
    );
    invalid(
        store
            .record_days(
                &town,
                m1,
                nov,
                &days(d(2026, 11, 30), d(2026, 12, 1), DayKind::InVillage),
                &rules,
            )
            .await,
        "不在2026年11月内",
    );
    let mut leave = days(d(2026, 11, 16), d(2026, 11, 23), DayKind::Leave);
    invalid(
        store.record_days(&town, m1, nov, &leave, &rules).await,
        "未经批准",
    );
    leave.approver = Some(Approver::Town);
    leave.approval = "镇党委".into();
    invalid(
        store.record_days(&town, m1, nov, &leave, &rules).await,
        "超过5天须由县委组织部批准",
    );
    leave.approver = Some(Approver::County);
    leave.approval = "县委组织部 2026-11-14".into();
    store
        .record_days(&town, m1, nov, &leave, &rules)
        .await
        .unwrap();
    invalid(
        store
            .record_days(
                &other_town,
                m2,
                nov,
                &days(d(2026, 11, 2), d(2026, 11, 6), DayKind::InVillage),
                &rules,
            )
            .await,
        "不存在",
    );

    // A leave split across the month's end is still one leave for the town's limit.
    let town_leave = |from, to| DayRecord {
        approver: Some(Approver::Town),
        approval: "镇党委".into(),
        ..days(from, to, DayKind::Leave)
    };
    let oct = Month {
        year: 2026,
        month: 10,
    };
    store
        .record_days(
            &town,
            m2,
            oct,
            &town_leave(d(2026, 10, 29), d(2026, 10, 31)),
            &rules,
        )
        .await
        .unwrap();
    invalid(
        store
            .record_days(
                &town,
                m2,
                nov,
                &town_leave(d(2026, 11, 1), d(2026, 11, 4)),
                &rules,
            )
            .await,
        "连续请假7天",
    );
    // A term ends earlier, never later than planned.
    invalid(
        store
            .end_team_member(&county, m2, d(2028, 1, 1), "轮换")
            .await,
        "只能提前结束",
    );

    // Scope: the town sees its team and the days; the other town sees neither.
    let seen = store.teams(&town, None).await.unwrap();
    assert_eq!(seen.iter().map(|t| t.id).collect::<Vec<_>>(), [t1]);
    assert_eq!(seen[0].members.len(), 2);
    assert!(seen[0].members[0].id_masked.contains('*'));
    assert_eq!(seen[0].villages.len(), 2);
    assert_eq!(store.team(&other_town, t1).await.unwrap(), None);
    let records = store.team_days(&town, t1, nov).await.unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(store.team_days(&town, t1, oct).await.unwrap().len(), 1);
    assert!(
        store
            .team_days(&other_town, t1, nov)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.teams(&county, None).await.unwrap().len(), 2);

    // Rotation: the term ends (not before its records), then the person may serve elsewhere.
    invalid(
        store
            .end_team_member(&county, m1, d(2026, 11, 20), "轮换")
            .await,
        "还有1条在村记录",
    );
    invalid(
        store
            .end_team_member(&county, m1, d(2026, 11, 30), " ")
            .await,
        "原因",
    );
    store
        .end_team_member(&county, m1, d(2026, 11, 30), "任期轮换")
        .await
        .unwrap();
    invalid(
        store
            .end_team_member(&county, m1, d(2026, 11, 30), "再次")
            .await,
        "任期已经结束",
    );
    store
        .add_team_member(
            &county,
            &NewMember {
                team: t2,
                from: d(2026, 12, 1),
                to: None,
                ..secretary.clone()
            },
        )
        .await
        .unwrap();
    invalid(
        store
            .record_days(
                &town,
                m1,
                Month {
                    year: 2026,
                    month: 12,
                },
                &days(d(2026, 12, 1), d(2026, 12, 2), DayKind::InVillage),
                &rules,
            )
            .await,
        "超出该队员的驻村任期",
    );

    // Replacement (撤换): the county ends the team, not before its records; the running
    // terms end with it; its villages take a new team from that day, not earlier.
    assert_eq!(
        store.end_team(&town, t1, d(2026, 11, 30), "期满轮换").await,
        Err(StoreError::Forbidden)
    );
    invalid(
        store
            .end_team(&county, t1, d(2025, 12, 1), "期满轮换")
            .await,
        "早于工作队进驻日期",
    );
    invalid(
        store
            .end_team(&county, t1, d(2026, 11, 10), "期满轮换")
            .await,
        "以后还有",
    );
    invalid(
        store.end_team(&county, t1, d(2026, 11, 30), " ").await,
        "撤换原因",
    );
    store
        .end_team(&county, t1, d(2026, 11, 30), "期满轮换")
        .await
        .unwrap();
    invalid(
        store.end_team(&county, t1, d(2026, 12, 1), "再次").await,
        "不能再次撤换",
    );
    let ended = store.team(&county, t1).await.unwrap().unwrap();
    assert_eq!(
        (ended.to, ended.end_reason.as_deref()),
        (Some(d(2026, 11, 30)), Some("期满轮换"))
    );
    assert!(!ended.serves_on(d(2026, 12, 1)) && ended.serves_on(d(2026, 11, 30)));
    let term = |id: i64| {
        let m = ended.members.iter().find(|m| m.id == id).unwrap();
        (m.to, m.end_reason.clone().unwrap_or_default())
    };
    assert_eq!(term(m1), (Some(d(2026, 11, 30)), "任期轮换".to_string()));
    assert_eq!(
        term(m2),
        (Some(d(2026, 11, 30)), "工作队撤换：期满轮换".to_string())
    );
    let next = NewTeam {
        name: "县交通局驻石桥村工作队".into(),
        unit: "县交通局".into(),
        villages: vec![code("500299101202")],
        from: d(2026, 11, 15),
    };
    invalid(store.add_team(&county, &next).await, "须晚于");
    invalid(
        store
            .add_team(
                &county,
                &NewTeam {
                    from: d(2026, 11, 30),
                    ..next.clone()
                },
            )
            .await,
        "须晚于",
    );
    invalid(
        store
            .add_team_member(
                &county,
                &NewMember {
                    team: t1,
                    name: "新队员".into(),
                    id_number: id(14),
                    from: d(2026, 12, 1),
                    to: None,
                    ..secretary.clone()
                },
            )
            .await,
        "不能再添加队员",
    );
    // A member whose term starts after the day asked holds the team's end back.
    store
        .add_team_member(
            &county,
            &NewMember {
                team: t2,
                name: "赵队员".into(),
                id_number: id(13),
                role: MemberRole::Member,
                from: d(2026, 12, 20),
                to: None,
                ..secretary.clone()
            },
        )
        .await
        .unwrap();
    invalid(
        store.end_team(&county, t2, d(2026, 12, 1), "调整").await,
        "才开始",
    );
    invalid(
        store.end_team(&county, t2, d(2099, 12, 1), "调整").await,
        "晚于今天",
    );
    let t3 = store
        .add_team(
            &county,
            &NewTeam {
                from: d(2026, 12, 1),
                ..next.clone()
            },
        )
        .await
        .unwrap();
    let seen: Vec<(i64, bool)> = store
        .teams(&town, None)
        .await
        .unwrap()
        .iter()
        .map(|t| (t.id, t.serves_on(d(2026, 12, 7))))
        .collect();
    assert_eq!(seen, [(t1, false), (t3, true)]);

    let audit = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    let count = |action: &str| audit.iter().filter(|r| r.action == action).count();
    assert_eq!(count("team.add"), 3);
    assert_eq!(count("team.end"), 1);
    assert_eq!(count("team.member.add"), 4);
    assert_eq!(count("team.days"), 3);
    assert_eq!(count("team.member.end"), 1);
}
