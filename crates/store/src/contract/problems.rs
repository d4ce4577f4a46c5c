//! Contract checks of the 三保障 and drinking-water problem ledger.

use super::{actor_as, id, load_divisions, record, sys};
use crate::problems::{NewProblem, ProblemStep};
use crate::{AuditFilter, NewAttachment, Store, StoreError};
use chrono::NaiveDate;
use dixian_domain::access::Role;
use dixian_domain::assurance::Indicator;
use dixian_domain::division::DivisionCode;
use dixian_domain::monitoring::AttachmentKind;
use dixian_domain::problems::{ProblemAction, ProblemSource, ProblemState};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn step(action: ProblemAction, on: NaiveDate, note: &str) -> ProblemStep {
    ProblemStep {
        action,
        on,
        note: note.into(),
        files: Vec::new(),
        drafts: Vec::new(),
    }
}

pub async fn problems(store: &dyn Store) {
    load_divisions(store).await;
    let a = record("500299101201", 1, &[id(1), id(2)]);
    let c = record("500299101202", 1, &[id(3)]);
    store
        .insert_households(&sys(), &[a.clone(), c.clone()])
        .await
        .unwrap();
    let village = actor_as(Role::VillageOfficer, "500299101201");
    let other_village = actor_as(Role::VillageOfficer, "500299101202");
    let town = actor_as(Role::TownReviewer, "500299101000");
    let cadre = actor_as(Role::AssistanceCadre, "500299101201");
    let housing = NewProblem {
        household: a.household.code.clone(),
        kind: Indicator::Housing,
        source: ProblemSource::Campaign,
        description: " 房屋经鉴定为C级危房 ".into(),
        found_on: d(2026, 10, 8),
        found_by: "王村干、李镇干".into(),
        department: "住房城乡建设部门".into(),
        deadline: d(2026, 11, 7),
    };
    let first = store.add_problem(&village, &housing).await.unwrap();
    let water = NewProblem {
        kind: Indicator::Water,
        source: ProblemSource::Visit,
        description: "旱季自来水断供".into(),
        department: "水利部门".into(),
        ..housing.clone()
    };
    let second = store.add_problem(&village, &water).await.unwrap();
    assert_ne!(first, second);

    // Bad registrations are refused whole, each with its reason.
    for (bad, says) in [
        (
            NewProblem {
                description: "  ".into(),
                ..housing.clone()
            },
            "问题描述",
        ),
        (
            NewProblem {
                deadline: d(2026, 10, 1),
                ..housing.clone()
            },
            "早于发现日期",
        ),
        (
            NewProblem {
                department: String::new(),
                ..housing.clone()
            },
            "责任部门",
        ),
    ] {
        let e = store.add_problem(&village, &bad).await.unwrap_err();
        assert!(e.to_string().contains(says), "{e}");
    }
    // Out of scope: refused, and the list does not show it.
    assert_eq!(
        store
            .add_problem(&other_village, &housing)
            .await
            .unwrap_err(),
        StoreError::Forbidden
    );
    assert!(
        store
            .problems(&other_village, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .problems(
                &other_village,
                Some(&DivisionCode::parse("500299101000").unwrap())
            )
            .await
            .unwrap_err(),
        StoreError::Forbidden
    );
    assert_eq!(store.problem(&other_village, first).await.unwrap(), None);
    // A cadre sees only the households assigned to them: none here.
    assert!(store.problems(&cadre, None).await.unwrap().is_empty());

    let listed = store.problems(&town, None).await.unwrap();
    assert_eq!(listed.len(), 2);
    let p = &listed[0];
    assert_eq!(
        (
            p.id,
            p.kind,
            p.state,
            p.description.as_str(),
            p.head_name.is_empty(),
            p.village_name.as_str(),
            p.version
        ),
        (
            first,
            Indicator::Housing,
            ProblemState::Open,
            "房屋经鉴定为C级危房",
            false,
            "石桥村",
            1
        )
    );

    // The village reports the fix with a photo; it may not strike it off itself.
    let mut resolve = step(
        ProblemAction::Resolve,
        d(2026, 10, 30),
        "已落实危房改造，验收合格",
    );
    resolve.files.push(NewAttachment {
        kind: AttachmentKind::Photo,
        name: "验收.jpg".into(),
        content_type: "image/jpeg".into(),
        bytes: vec![0xFF, 0xD8, 0xFF, 7],
    });
    let e = store
        .advance_problem(
            &village,
            first,
            1,
            &step(ProblemAction::Close, d(2026, 10, 30), ""),
        )
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("尚未报告整改完成") || e.to_string().contains("乡镇或县级"),
        "{e}"
    );
    let e = store
        .advance_problem(
            &village,
            first,
            1,
            &step(ProblemAction::Resolve, d(2026, 10, 30), " "),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("整改情况"), "{e}");
    let e = store
        .advance_problem(
            &village,
            first,
            1,
            &step(ProblemAction::Resolve, d(2026, 10, 1), "修好了"),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("早于"), "{e}");
    store
        .advance_problem(&village, first, 1, &resolve)
        .await
        .unwrap();
    let e = store
        .advance_problem(
            &village,
            first,
            2,
            &step(ProblemAction::Close, d(2026, 11, 2), "已核实"),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("乡镇或县级"), "{e}");
    // A form drawn before the resolution is stale.
    let e = store
        .advance_problem(
            &town,
            first,
            1,
            &step(ProblemAction::Close, d(2026, 11, 2), "已核实"),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e}");
    store
        .advance_problem(
            &town,
            first,
            2,
            &step(ProblemAction::Close, d(2026, 11, 2), "已核实"),
        )
        .await
        .unwrap();
    let e = store
        .advance_problem(
            &town,
            first,
            3,
            &step(ProblemAction::Reopen, d(2026, 11, 3), "复查不合格"),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("已销号"), "{e}");

    let file = store.problem(&town, first).await.unwrap().unwrap();
    let p = &file.problem;
    assert_eq!(p.state, ProblemState::Closed);
    assert_eq!(p.resolution.as_deref(), Some("已落实危房改造，验收合格"));
    assert_eq!(p.resolved_on, Some(d(2026, 10, 30)));
    assert_eq!(p.closed_on, Some(d(2026, 11, 2)));
    assert_eq!(p.closed_by.as_deref(), Some(town.name.as_str()));
    assert_eq!(
        file.events.iter().map(|e| e.action).collect::<Vec<_>>(),
        vec![ProblemAction::Resolve, ProblemAction::Close]
    );
    let photo = &file.events[0].files[0];
    let (meta, bytes) = store
        .problem_evidence(&town, first, photo.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (meta.name.as_str(), bytes),
        ("验收.jpg", vec![0xFF, 0xD8, 0xFF, 7])
    );
    assert!(
        store
            .problem_evidence(&town, second, photo.id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .problem_evidence(&other_village, first, photo.id)
            .await
            .unwrap(),
        None
    );

    // Sent back: open again, the reported fix kept in the history only.
    store
        .advance_problem(
            &village,
            second,
            1,
            &step(ProblemAction::Resolve, d(2026, 10, 20), "已送水"),
        )
        .await
        .unwrap();
    store
        .advance_problem(
            &town,
            second,
            2,
            &step(ProblemAction::Reopen, d(2026, 10, 21), "只是临时送水"),
        )
        .await
        .unwrap();
    let back = store.problem(&town, second).await.unwrap().unwrap();
    assert_eq!(back.problem.state, ProblemState::Open);
    assert_eq!(back.problem.resolution, None);
    assert_eq!(back.events.len(), 2);
    assert_eq!(back.events[1].note, "只是临时送水");
    assert!(store.problem(&town, 9999).await.unwrap().is_none());

    let audit = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    let count = |action: &str| audit.iter().filter(|r| r.action == action).count();
    assert_eq!(count("problem.create"), 2);
    assert_eq!(count("problem.step"), 4);
    assert_eq!(count("problem.file.read"), 1);
    assert!(count("access.denied") >= 4);
}
