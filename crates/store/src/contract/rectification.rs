//! Contract checks of the rectification ledger and the weak-village enrolment: scope, roles,
//! the step rules with the four-eyes 销号, stale forms, and the pairing limits checked inside
//! the write.

use super::{actor_as, code, designate, load_divisions, sys};
use crate::rectification::{ItemFilter, StepInput};
use crate::{AuditFilter, Store, StoreError};
use chrono::NaiveDate;
use dixian_domain::access::Role;
use dixian_domain::money::Money;
use dixian_domain::policy::villages::{AccountItem, WeakVillageRules};
use dixian_domain::rectification::{
    ItemAction, ItemState, ItemStep, NewItem, WEAK_SOURCE, WeakPlan,
};
use dixian_domain::villages::AccountFigures;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn invalid(r: Result<impl std::fmt::Debug, StoreError>, says: &str) {
    match r {
        Err(StoreError::Invalid(m)) => assert!(m.contains(says), "{m} should say {says}"),
        other => panic!("expected a refusal saying {says}, got {other:?}"),
    }
}

fn step(s: ItemStep, note: &str, evidence: &str) -> StepInput {
    StepInput {
        step: s,
        on: d(2026, 6, 1),
        note: note.into(),
        evidence: evidence.into(),
        files: Vec::new(),
        drafts: Vec::new(),
        operating: Vec::new(),
    }
}

pub async fn rectification(store: &dyn Store) {
    load_divisions(store).await;
    let county = actor_as(Role::CountyAdmin, "500299000000");
    let town = actor_as(Role::TownReviewer, "500299101000");
    let other_town = actor_as(Role::TownReviewer, "500299102000");
    let village = actor_as(Role::VillageOfficer, "500299101201");
    let cadre = actor_as(Role::AssistanceCadre, "500299101201");

    let finding = NewItem {
        division: code("500299101201"),
        source: "audit".into(),
        title: "村集体资产台账不全".into(),
        found_on: d(2026, 3, 1),
        unit: "石桥镇农经站".into(),
        person: "王五".into(),
        measures: "补齐资产登记，按月公开".into(),
        deadline: d(2026, 6, 30),
    };
    // Out of the area, by a role that records no findings, or with a bad deadline: refused.
    assert_eq!(
        store.add_item(&other_town, &finding).await,
        Err(StoreError::Forbidden)
    );
    assert_eq!(
        store.add_item(&cadre, &finding).await,
        Err(StoreError::Forbidden)
    );
    invalid(
        store
            .add_item(
                &town,
                &NewItem {
                    deadline: d(2026, 2, 1),
                    ..finding.clone()
                },
            )
            .await,
        "早于发现日期",
    );
    invalid(
        store
            .add_item(
                &town,
                &NewItem {
                    source: WEAK_SOURCE.into(),
                    ..finding.clone()
                },
            )
            .await,
        "纳入扶持时生成",
    );
    let id = store.add_item(&town, &finding).await.unwrap();
    let county_item = store
        .add_item(
            &county,
            &NewItem {
                division: code("500299000000"),
                source: "inspect".into(),
                title: "县级项目公告不及时".into(),
                ..finding.clone()
            },
        )
        .await
        .unwrap();

    // Scope: the village sees its own; the other town sees nothing of it.
    let mine = store.items(&village, &ItemFilter::default()).await.unwrap();
    assert_eq!(mine.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
    assert!(
        store
            .items(&other_town, &ItemFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.item(&other_town, id).await.unwrap(), None);
    assert_eq!(
        store
            .items(&county, &ItemFilter::default())
            .await
            .unwrap()
            .len(),
        2
    );
    let audit_only = ItemFilter {
        source: Some("audit".into()),
        ..ItemFilter::default()
    };
    assert_eq!(store.items(&county, &audit_only).await.unwrap().len(), 1);
    // By designation: a key town's village's item (the town holds it), not the county's own.
    designate(store, "500299101000", "key_town", None).await;
    let by = |kind: &str| ItemFilter {
        designation: Some((kind.to_string(), d(2026, 6, 1))),
        ..ItemFilter::default()
    };
    let keyed: Vec<i64> = store
        .items(&county, &by("key_town"))
        .await
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(keyed, [id]);
    assert!(
        store
            .items(&county, &by("key_village"))
            .await
            .unwrap()
            .is_empty()
    );
    let _ = county_item;

    // Progress by the village, then completion without evidence refused, with it accepted.
    store
        .step_item(
            &village,
            id,
            0,
            &step(ItemStep::Progress, "已登记12项资产", ""),
        )
        .await
        .unwrap();
    match store
        .step_item(&village, id, 0, &step(ItemStep::Progress, "again", ""))
        .await
    {
        Err(StoreError::Conflict(m)) => assert!(m.contains("已被他人更新"), "{m}"),
        other => panic!("a stale form should be refused: {other:?}"),
    }
    let resolve = ItemStep::Act(ItemAction::Resolve);
    invalid(
        store
            .step_item(&village, id, 1, &step(resolve, "已补齐", ""))
            .await,
        "没有佐证材料不能申请销号",
    );
    // The evidence's scans come with the step, sealed; an empty or oversized one is refused.
    let scan = |bytes: Vec<u8>| crate::files::NewAttachment {
        kind: dixian_domain::monitoring::AttachmentKind::Other,
        name: "资产台账.pdf".into(),
        content_type: "application/pdf".into(),
        bytes,
    };
    let with_scan = |bytes: Vec<u8>| StepInput {
        files: vec![scan(bytes)],
        ..step(resolve, "已补齐", "资产台账（2026年5月版）")
    };
    invalid(
        store
            .step_item(
                &village,
                id,
                1,
                &with_scan(vec![0; crate::files::MAX_ATTACHMENT_BYTES + 1]),
            )
            .await,
        "为空或超过",
    );
    invalid(
        store
            .step_item(
                &village,
                id,
                1,
                &StepInput {
                    files: (0..6).map(|_| scan(b"%PDF-1.4".to_vec())).collect(),
                    ..with_scan(Vec::new())
                },
            )
            .await,
        "最多上传5个",
    );
    // A refused form's scans are kept for the officer's corrected one (upload once): not for
    // another account, not out of the area, taken by the step that uses them.
    let kept = store
        .keep_item_drafts(&village, id, &[], &[scan(b"%PDF-1.4 kept".to_vec())])
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    invalid(
        store
            .keep_item_drafts(&other_town, id, &[], &[scan(b"%PDF-1.4".to_vec())])
            .await,
        "不存在",
    );
    invalid(
        store
            .keep_item_drafts(&village, id, &[], &[scan(Vec::new())])
            .await,
        "为空或超过",
    );
    let kept_ids = [kept[0].id];
    assert_eq!(
        store.item_drafts(&town, id, &kept_ids).await,
        Ok(Vec::new())
    );
    assert_eq!(
        store.item_drafts(&village, id, &kept_ids).await,
        Ok(kept.clone())
    );
    invalid(
        store
            .step_item(
                &village,
                id,
                1,
                &StepInput {
                    files: (0..5).map(|_| scan(b"%PDF-1.4".to_vec())).collect(),
                    drafts: kept_ids.to_vec(),
                    ..with_scan(Vec::new())
                },
            )
            .await,
        "最多5个：新选5个，保留1个",
    );
    assert_eq!(
        store
            .step_item(
                &village,
                id,
                1,
                &StepInput {
                    drafts: kept_ids.to_vec(),
                    ..with_scan(b"%PDF-1.4 scan".to_vec())
                }
            )
            .await,
        Ok(ItemState::Resolved)
    );
    assert_eq!(
        store.item_drafts(&village, id, &kept_ids).await,
        Ok(Vec::new()),
        "taken by the step"
    );
    // 销号 is the town's or county's, not the village's, and needs the verifier's note.
    let close = ItemStep::Act(ItemAction::Close);
    invalid(
        store
            .step_item(&village, id, 2, &step(close, "核实", ""))
            .await,
        "须由乡镇或县级审核人员办理",
    );
    invalid(
        store.step_item(&town, id, 2, &step(close, " ", "")).await,
        "核验意见",
    );
    store
        .step_item(
            &town,
            id,
            2,
            &step(ItemStep::Act(ItemAction::Reopen), "缺少公开记录", ""),
        )
        .await
        .unwrap();
    store
        .step_item(&town, id, 3, &step(resolve, "已公开", "公开栏照片登记表"))
        .await
        .unwrap();
    // Whoever reported completion does not verify it.
    invalid(
        store
            .step_item(&town, id, 4, &step(close, "已核实", ""))
            .await,
        "报告整改完成以外的人员",
    );
    assert_eq!(
        store
            .step_item(&county, id, 4, &step(close, "已核实", ""))
            .await,
        Ok(ItemState::Closed)
    );
    invalid(
        store
            .step_item(&county, id, 5, &step(ItemStep::Progress, "x", ""))
            .await,
        "已销号",
    );
    let (record, events) = store.item(&county, id).await.unwrap().unwrap();
    assert_eq!(record.state, ItemState::Closed);
    let scans: Vec<_> = events.iter().flat_map(|e| &e.files).collect();
    assert_eq!(scans.len(), 2, "the new scan and the kept one: {events:?}");
    assert!(
        scans
            .iter()
            .all(|s| (s.name.as_str(), s.size) == ("资产台账.pdf", 13))
    );
    let (meta, bytes) = store
        .item_evidence(&town, id, scans[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (meta.content_type.as_str(), bytes),
        ("application/pdf", b"%PDF-1.4 scan".to_vec())
    );
    assert_eq!(
        store.item_evidence(&other_town, id, scans[0].id).await,
        Ok(None)
    );
    assert_eq!(
        store.item_evidence(&town, id, scans[0].id + 100).await,
        Ok(None)
    );
    assert_eq!(record.closed_on, Some(d(2026, 6, 1)));
    assert_eq!(
        record.last_progress.map(|p| p.1),
        Some("已登记12项资产".to_string())
    );
    assert_eq!(
        events.iter().map(|e| e.step.code()).collect::<Vec<_>>(),
        ["progress", "resolve", "reopen", "resolve", "close"]
    );
    assert_eq!(events[1].evidence, "资产台账（2026年5月版）");

    // Weak villages: the county enrols, within the pack's target and pairings.
    let rules = WeakVillageRules {
        rank_from: 2023,
        rank_to: 2025,
        choose_count: 2,
        choose_percent: 0,
        target_operating: Money::from_fen(20_000_000),
        teams_per_unit_max: 1,
        villages_per_team_max: 1,
    };
    let plan = WeakPlan {
        village: code("500299101201"),
        target: Money::from_fen(20_000_000),
        unit: "区农业农村委".into(),
        team: "第一工作队".into(),
        team_id: None,
        person: "赵六".into(),
        plan: "发展光伏，盘活闲置厂房".into(),
        deadline: d(2027, 12, 31),
    };
    let item = |p: &WeakPlan| NewItem {
        division: p.village,
        source: WEAK_SOURCE.into(),
        title: "集体经济薄弱村".into(),
        found_on: d(2026, 3, 1),
        unit: p.unit.clone(),
        person: p.person.clone(),
        measures: p.plan.clone(),
        deadline: p.deadline,
    };
    let ranked = (Some(1), Some(Money::from_fen(5_000_000)));
    assert_eq!(
        store
            .enrol_weak(&village, &plan, &item(&plan), ranked, &rules)
            .await,
        Err(StoreError::Forbidden)
    );
    invalid(
        store
            .enrol_weak(
                &county,
                &WeakPlan {
                    target: Money::from_fen(19_000_000),
                    ..plan.clone()
                },
                &item(&plan),
                ranked,
                &rules,
            )
            .await,
        "低于政策包的扶持目标",
    );
    assert_eq!(
        store
            .enrol_weak(&town, &plan, &item(&plan), ranked, &rules)
            .await,
        Err(StoreError::Forbidden),
        "the county enrols"
    );
    let weak = store
        .enrol_weak(&county, &plan, &item(&plan), ranked, &rules)
        .await
        .unwrap();
    match store
        .enrol_weak(&county, &plan, &item(&plan), ranked, &rules)
        .await
    {
        Err(StoreError::Conflict(m)) => assert!(m.contains("已纳入"), "{m}"),
        other => panic!("enrolled twice: {other:?}"),
    }
    let second = WeakPlan {
        village: code("500299101202"),
        ..plan.clone()
    };
    invalid(
        store
            .enrol_weak(&county, &second, &item(&second), ranked, &rules)
            .await,
        "每个工作队负责不超过1个",
    );
    let third = WeakPlan {
        team: "第二工作队".into(),
        ..second.clone()
    };
    invalid(
        store
            .enrol_weak(&county, &third, &item(&third), ranked, &rules)
            .await,
        "每个单位不超过1个",
    );
    let fourth = WeakPlan {
        unit: "区商务局".into(),
        ..third.clone()
    };
    store
        .enrol_weak(&county, &fourth, &item(&fourth), (Some(2), None), &rules)
        .await
        .unwrap();
    // A resident team chosen: it must serve the village now; its unit and name are its own,
    // whatever was typed.
    let team_of = |name: &str, unit: &str, village: &str| crate::teams::NewTeam {
        name: name.into(),
        unit: unit.into(),
        villages: vec![code(village)],
        from: d(2026, 1, 5),
    };
    let elsewhere = store
        .add_team(
            &county,
            &team_of("驻青龙村工作队", "区水务局", "500299101202"),
        )
        .await
        .unwrap();
    let resident = store
        .add_team(
            &county,
            &team_of("驻白沙村工作队", "区水利局", "500299102201"),
        )
        .await
        .unwrap();
    let fifth = WeakPlan {
        village: code("500299102201"),
        unit: "随便填的".into(),
        team: String::new(),
        team_id: Some(elsewhere),
        ..plan.clone()
    };
    invalid(
        store
            .enrol_weak(&county, &fifth, &item(&fifth), (Some(3), None), &rules)
            .await,
        "所选驻村工作队不驻白沙村",
    );
    let fifth = WeakPlan {
        team_id: Some(resident),
        ..fifth
    };
    let by_team = store
        .enrol_weak(&county, &fifth, &item(&fifth), (Some(3), None), &rules)
        .await
        .unwrap();
    let (record, _) = store.item(&county, by_team).await.unwrap().unwrap();
    let w = record.weak.unwrap();
    assert_eq!(
        (record.item.unit.as_str(), w.team.as_str(), w.team_id),
        ("区水利局", "驻白沙村工作队", Some(resident))
    );

    let (record, _) = store.item(&town, weak).await.unwrap().unwrap();
    let w = record.weak.unwrap();
    assert_eq!(
        (w.target, w.team.as_str(), w.rank),
        (plan.target, "第一工作队", Some(1))
    );
    assert_eq!(record.item.source, WEAK_SOURCE);
    // Its 销号 is checked in the write against its latest account after the ranked years.
    store
        .step_item(&town, weak, 0, &step(resolve, "光伏并网", "并网验收单"))
        .await
        .unwrap();
    let operating = vec![AccountItem::Business];
    let close_with = |items: Vec<AccountItem>| StepInput {
        operating: items,
        ..step(close, "核对收益分配表", "")
    };
    invalid(
        store
            .step_item(&county, weak, 1, &close_with(Vec::new()))
            .await,
        "经营性收入口径",
    );
    invalid(
        store
            .step_item(&county, weak, 1, &close_with(operating.clone()))
            .await,
        "2025年以后还没有填报",
    );
    let figures = |business: i64| AccountFigures {
        business: Money::from_fen(business),
        subsidy: Money::from_fen(9_000_000),
        profit: Money::from_fen(business + 9_000_000),
        ..AccountFigures::default()
    };
    store
        .save_accounts(&county, &[(plan.village, 2026, figures(15_000_000))])
        .await
        .unwrap();
    invalid(
        store
            .step_item(&county, weak, 1, &close_with(operating.clone()))
            .await,
        "差50,000.00元",
    );
    store
        .save_accounts(&county, &[(plan.village, 2026, figures(20_000_000))])
        .await
        .unwrap();
    assert_eq!(
        store
            .step_item(&county, weak, 1, &close_with(operating))
            .await,
        Ok(ItemState::Closed)
    );
    let weak_only = ItemFilter {
        source: Some(WEAK_SOURCE.into()),
        ..ItemFilter::default()
    };
    assert_eq!(store.items(&county, &weak_only).await.unwrap().len(), 3);

    // Every write is in the audit trail.
    let actions: Vec<String> = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    for a in [
        "rectification.add",
        "rectification.step",
        "village.weak.enrol",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited");
    }
}
