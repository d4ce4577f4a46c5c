//! Contract checks of project assets.

use super::{actor_as, code, designate, id, load_divisions, record, sys};
use crate::assets::{AssetFilter, Ending, NewAsset, NewDistribution, NewIncome, PlanLineInput};
use crate::funds::{NewFund, NewProject, ProjectStep};
use crate::{AuditFilter, Store, StoreError};
use chrono::NaiveDate;
use dixian_domain::access::Role;
use dixian_domain::assets::{
    AssetClass, AssetState, DisposalMethod, DisposalPath, DistributionUse, IncomeKind, Operation,
    OwnerKind, PlanAction, PlanState,
};
use dixian_domain::funds::{
    FundLevel, Notice, PerformanceTarget, ProjectAction, ProjectNature, TargetKind,
};
use dixian_domain::money::Money;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn yuan(n: i64) -> Money {
    Money::from_yuan(n).unwrap()
}

fn notice(from: NaiveDate) -> Notice {
    Notice {
        place: "村务公开栏".into(),
        from,
        to: from + chrono::Duration::days(9),
    }
}

fn invalid(r: Result<impl std::fmt::Debug, StoreError>, says: &str) {
    match r {
        Err(StoreError::Invalid(m)) => assert!(m.contains(says), "{m} should say {says}"),
        other => panic!("expected a refusal saying {says}, got {other:?}"),
    }
}

/// A project of 石桥村 taken by the system to `to` (`None`: only proposed).
async fn project(store: &dyn Store, to: Option<ProjectAction>) -> i64 {
    let id = store
        .propose_project(
            &sys(),
            &NewProject {
                division: code("500299101201"),
                name: "石桥村光伏电站".into(),
                type_code: "industry".into(),
                nature: ProjectNature::New,
                planned_year: 2025,
                start_on: d(2025, 3, 1),
                end_on: d(2025, 10, 31),
                unit: "石桥村村委会".into(),
                tasks: "建设村级光伏电站300千瓦".into(),
                budget: yuan(1_000_000),
                sources: String::new(),
                mechanism: "电站收益归村集体，用于公益岗位工资".into(),
                targets: TargetKind::ALL
                    .iter()
                    .map(|k| PerformanceTarget {
                        kind: *k,
                        name: "指标".into(),
                        value: "1".into(),
                    })
                    .collect(),
                beneficiaries: Vec::new(),
                notice: notice(d(2024, 11, 1)),
                proposed_on: d(2024, 11, 12),
            },
        )
        .await
        .unwrap();
    let Some(to) = to else { return id };
    let fund = store
        .add_fund(
            &sys(),
            &NewFund {
                county: code("500299000000"),
                doc_number: format!("测试〔2025〕{id}号"),
                title: "测试资金".into(),
                level: FundLevel::Central,
                year: 2025,
                category: "consolidation".into(),
                amount: yuan(1_000_000),
                direct: false,
                received_on: d(2025, 1, 10),
            },
        )
        .await
        .unwrap();
    let mut version = 1;
    for action in ProjectAction::ALL {
        if matches!(action, ProjectAction::Return | ProjectAction::Resubmit) {
            continue;
        }
        if *action == ProjectAction::Establish {
            store
                .plan_fund(&sys(), fund, id, yuan(1_000_000), d(2025, 1, 15))
                .await
                .unwrap();
        }
        store
            .advance_project(
                &sys(),
                id,
                version,
                &ProjectStep {
                    action: *action,
                    on: d(2025, 2, 1),
                    note: String::new(),
                    document: String::new(),
                    notice: action.needs_notice().then(|| notice(d(2025, 2, 1))),
                    files: Vec::new(),
                },
            )
            .await
            .unwrap();
        version += 1;
        if *action == to {
            break;
        }
    }
    id
}

pub async fn assets(store: &dyn Store) {
    load_divisions(store).await;
    let a = record("500299101201", 1, &[id(1), id(2)]);
    let b = record("500299101201", 2, &[id(3)]);
    store
        .insert_households(&sys(), &[a.clone(), b.clone()])
        .await
        .unwrap();
    let village = actor_as(Role::VillageOfficer, "500299101201");
    let town = actor_as(Role::TownReviewer, "500299101000");
    let other_town = actor_as(Role::TownReviewer, "500299102000");
    let county = actor_as(Role::CountyAdmin, "500299000000");
    let started = project(store, Some(ProjectAction::Start)).await;
    let finished = project(store, Some(ProjectAction::Complete)).await;
    let station = NewAsset {
        project_id: finished,
        name: "石桥村光伏电站".into(),
        class: AssetClass::Operating,
        owner_kind: OwnerKind::Collective,
        owner_name: "石桥村股份经济合作社".into(),
        owner_household: None,
        division: code("500299101201"),
        value: yuan(1_000_000),
        location: "石桥村三组".into(),
        formed_on: d(2025, 11, 20),
        confirmed_on: Some(d(2025, 12, 1)),
        confirm_document: "石桥镇资产确权书〔2025〕3号".into(),
        custody_unit: "石桥村村委会".into(),
        custody_person: "王管护".into(),
        custody_duties: "日常巡查、清洗组件".into(),
        operation: Some(Operation::Trust),
        operator: "县光伏运维公司".into(),
    };
    // Only a finished project leaves assets; the class and owner must agree.
    invalid(
        store
            .add_asset(
                &village,
                &NewAsset {
                    project_id: started,
                    ..station.clone()
                },
            )
            .await,
        "完工后才能登记资产",
    );
    invalid(
        store
            .add_asset(
                &village,
                &NewAsset {
                    class: AssetClass::Household,
                    ..station.clone()
                },
            )
            .await,
        "到户类资产归农户所有",
    );
    invalid(
        store
            .add_asset(
                &village,
                &NewAsset {
                    operation: None,
                    ..station.clone()
                },
            )
            .await,
        "经营方式",
    );
    assert!(matches!(
        store.add_asset(&other_town, &station).await,
        Err(StoreError::Invalid(m)) if m.contains("不存在")
    ));
    let sid = store.add_asset(&village, &station).await.unwrap();
    let cattle = store
        .add_asset(
            &village,
            &NewAsset {
                name: "到户能繁母牛2头".into(),
                class: AssetClass::Household,
                owner_kind: OwnerKind::Household,
                owner_name: String::new(),
                owner_household: Some(b.household.code.clone()),
                value: yuan(20_000),
                operation: None,
                ..station.clone()
            },
        )
        .await
        .unwrap();

    // Income of the operating asset only.
    let income = NewIncome {
        asset_id: sid,
        year: 2025,
        kind: IncomeKind::Profit,
        amount: yuan(60_000),
        received_on: d(2025, 12, 31),
        note: "发电收益".into(),
    };
    store.add_income(&village, &income).await.unwrap();
    invalid(
        store
            .add_income(
                &village,
                &NewIncome {
                    asset_id: cattle,
                    ..income.clone()
                },
            )
            .await,
        "只有经营性资产登记收益",
    );

    // A plan within the year's income, village → town → county.
    let line =
        |household: Option<&dixian_domain::registry::HouseholdCode>, use_, n| PlanLineInput {
            household: household.cloned(),
            use_,
            amount: yuan(n),
            note: String::new(),
        };
    let targeted = vec![DistributionUse::Reward, DistributionUse::Hardship];
    let plan = NewDistribution {
        asset_id: sid,
        year: 2025,
        months: 2,
        lines: vec![
            line(Some(&a.household.code), DistributionUse::PublicPost, 30_000),
            line(Some(&b.household.code), DistributionUse::Reward, 10_001),
            line(None, DistributionUse::PublicWorks, 19_999),
        ],
        targeted: targeted.clone(),
        notice: notice(d(2026, 1, 5)),
        proposed_on: d(2026, 1, 16),
    };
    invalid(
        store
            .propose_distribution(
                &village,
                &NewDistribution {
                    months: 13,
                    ..plan.clone()
                },
            )
            .await,
        "1到12次",
    );
    invalid(
        store
            .propose_distribution(
                &village,
                &NewDistribution {
                    lines: vec![line(
                        Some(&a.household.code),
                        DistributionUse::PublicPost,
                        70_000,
                    )],
                    ..plan.clone()
                },
            )
            .await,
        "合计超出收益10,000.00元",
    );
    invalid(
        store
            .propose_distribution(
                &village,
                &NewDistribution {
                    lines: vec![line(None, DistributionUse::Reward, 1_000)],
                    ..plan.clone()
                },
            )
            .await,
        "须填写受益农户",
    );
    let pid = store.propose_distribution(&village, &plan).await.unwrap();
    invalid(
        store
            .record_payout(&village, pid, "2026-02", d(2026, 2, 25), &targeted)
            .await,
        "尚未县级备案",
    );
    assert_eq!(
        store
            .advance_distribution(&town, pid, 1, PlanAction::File, d(2026, 1, 20), "")
            .await,
        Err(StoreError::Forbidden),
        "备案 is the county's"
    );
    store
        .advance_distribution(&town, pid, 1, PlanAction::Approve, d(2026, 1, 20), "同意")
        .await
        .unwrap();
    store
        .advance_distribution(&county, pid, 2, PlanAction::File, d(2026, 1, 25), "已备案")
        .await
        .unwrap();
    let file = store.asset(&village, sid).await.unwrap().unwrap();
    assert_eq!(file.plans[0].state, PlanState::Filed);
    assert_eq!(file.plans[0].steps.len(), 3);
    assert_eq!(file.asset.income_total, yuan(60_000));
    let mine = store
        .household_assets(&village, &a.household.code)
        .await
        .unwrap();
    assert_eq!(mine.received.len(), 1);
    assert_eq!(mine.received[0].amount, yuan(30_000));
    let theirs = store
        .household_assets(&village, &b.household.code)
        .await
        .unwrap();
    assert_eq!(theirs.owned.len(), 1);
    assert_eq!(store.distributions(&county, 2025).await.unwrap().len(), 1);

    // Payouts: each line in two equal parts; a household that stops qualifying is stopped
    // from the next payout on, and stays stopped.
    let first = store
        .record_payout(&village, pid, "2026-02", d(2026, 2, 25), &targeted)
        .await
        .unwrap();
    assert_eq!((first.paid, first.stopped), (Money::from_fen(3_000_000), 0));
    invalid(
        store
            .record_payout(&village, pid, "2026-02", d(2026, 2, 26), &targeted)
            .await,
        "不晚于上次发放的2026-02",
    );
    invalid(
        store
            .record_payout(&village, pid, "2026年3月", d(2026, 3, 25), &targeted)
            .await,
        "应写成如2026-07",
    );
    invalid(
        store
            .record_payout(&village, pid, "2026- 3", d(2026, 3, 25), &targeted)
            .await,
        "应写成如2026-07",
    );
    invalid(
        store
            .record_payout(&village, pid, "2026-04", d(2026, 3, 25), &targeted)
            .await,
        "晚于发放日期",
    );

    invalid(
        store
            .record_payout(&other_town, pid, "2026-03", d(2026, 3, 25), &targeted)
            .await,
        "不存在",
    );
    let detail = store
        .household(&county, &b.household.code)
        .await
        .unwrap()
        .unwrap();
    store
        .update_household(
            &county,
            &b.household.code,
            &crate::HouseholdEdit {
                group_no: detail.summary.group_no,
                address: detail.address.clone(),
                phone: crate::PhoneChange::Keep,
                household_type: dixian_domain::registry::HouseholdType::Ordinary,
                relocated: detail.summary.relocated,
                dibao: detail.summary.dibao,
                tekun: detail.summary.tekun,
                monitored: false,
            },
            "户类型更正",
        )
        .await
        .unwrap();
    // A use paid only to 脱贫户 and 监测对象 cannot be proposed for it any more either.
    invalid(
        store
            .propose_distribution(
                &village,
                &NewDistribution {
                    months: 1,
                    lines: vec![line(Some(&b.household.code), DistributionUse::Reward, 1)],
                    ..plan.clone()
                },
            )
            .await,
        "只发给脱贫户和监测对象",
    );
    let second = store
        .record_payout(&village, pid, "2026-03", d(2026, 3, 25), &targeted)
        .await
        .unwrap();
    // 15,000 + 9,999.50 (the odd fen falls to the later part): b's 5,000.50 stopped.
    assert_eq!(
        (second.paid, second.stopped),
        (Money::from_fen(1_500_000 + 999_950), 1)
    );
    invalid(
        store
            .record_payout(&village, pid, "2026-04", d(2026, 4, 25), &targeted)
            .await,
        "已全部发放完毕",
    );
    let paid = store.asset(&village, sid).await.unwrap().unwrap().plans[0].clone();
    assert_eq!(paid.payouts.len(), 2);
    assert_eq!(paid.lines[0].paid, yuan(30_000));
    assert_eq!(paid.lines[1].paid, Money::from_fen(500_050));
    let (from, why) = paid.lines[1].stopped.clone().unwrap();
    assert_eq!(from, "2026-03");
    assert!(why.contains("不是"), "{why}");
    assert_eq!(paid.lines[2].paid, yuan(19_999));
    let theirs = store
        .household_assets(&village, &b.household.code)
        .await
        .unwrap()
        .received;
    assert_eq!(theirs[0].paid, Money::from_fen(500_050));
    assert_eq!(theirs[0].stopped.as_ref().unwrap().0, "2026-03");

    // The figures are counted in the database: by class, idle or low-return against the
    // least return asked, the year's distribution; a page of the list with its total.
    let figures = store
        .asset_figures(&town, None, 2025, 200, d(2025, 12, 31))
        .await
        .unwrap();
    assert_eq!(
        figures.classes[0],
        (AssetClass::Operating, 1, yuan(1_000_000), yuan(60_000))
    );
    assert_eq!(figures.classes[2].1, 1, "the household's cattle");
    assert_eq!(figures.flagged, 0, "6 % earns more than 2 %");
    assert_eq!(figures.distributed, yuan(60_000), "planned, not paid");
    let strict = store
        .asset_figures(&town, None, 2025, 1_000, d(2025, 12, 31))
        .await
        .unwrap();
    assert_eq!(strict.flagged, 1, "6 % is under 10 %");
    let flagged = store
        .flagged_assets(&town, None, 2025, 1_000, d(2025, 12, 31))
        .await
        .unwrap();
    assert_eq!(flagged[0].id, sid);
    assert_eq!(
        store
            .asset_figures(&town, None, 2025, 1_000, d(2025, 11, 1))
            .await
            .unwrap()
            .flagged,
        0,
        "formed after the day: not a whole year yet"
    );
    assert_eq!(
        store
            .asset_figures(&other_town, None, 2025, 1_000, d(2025, 12, 31))
            .await
            .unwrap()
            .classes[0]
            .1,
        0
    );
    let (page, total) = store
        .asset_page(&town, &AssetFilter::default(), 1, 1)
        .await
        .unwrap();
    assert_eq!((page.len(), total), (1, 2));
    assert_eq!(page[0].id, cattle);

    // Disposal and write-off end an asset once; the village cannot record them.
    let scrap_with = |notice: Option<Notice>, proceeds_use: &str| Ending::Disposal {
        method: DisposalMethod::Scrap,
        path: DisposalPath::Simplified,
        value: yuan(20_000),
        proceeds: yuan(3_000),
        proceeds_use: proceeds_use.into(),
        decision: "石桥村村民代表大会决议（2026-02-01）".into(),
        notice,
    };
    let scrap = scrap_with(None, "重新安排用于巩固拓展脱贫攻坚成果");
    assert_eq!(
        store
            .end_asset(&village, cattle, 1, &scrap, d(2026, 2, 10))
            .await,
        Err(StoreError::Forbidden)
    );
    invalid(
        store
            .end_asset(&town, cattle, 1, &scrap, d(2026, 2, 10))
            .await,
        "公示无异议",
    );
    invalid(
        store
            .end_asset(
                &town,
                cattle,
                1,
                &scrap_with(Some(notice(d(2026, 2, 1))), "分给村民"),
                d(2026, 2, 10),
            )
            .await,
        "不得分配给集体经济组织成员",
    );
    store
        .end_asset(
            &town,
            cattle,
            1,
            &scrap_with(
                Some(notice(d(2026, 2, 1))),
                "重新安排用于巩固拓展脱贫攻坚成果",
            ),
            d(2026, 2, 10),
        )
        .await
        .unwrap();
    invalid(
        store
            .end_asset(
                &county,
                sid,
                1,
                &Ending::WriteOff {
                    reason: "山洪冲毁".into(),
                    assessment: " ".into(),
                },
                d(2026, 7, 1),
            )
            .await,
        "专业技术鉴定意见",
    );
    store
        .end_asset(
            &county,
            sid,
            1,
            &Ending::WriteOff {
                reason: "2026年7月山洪冲毁".into(),
                assessment: "县水利工程质量检测站鉴定报告〔2026〕15号".into(),
            },
            d(2026, 7, 1),
        )
        .await
        .unwrap();
    invalid(store.add_income(&village, &income).await, "已核销");
    let ended = store.ended_assets(&county).await.unwrap();
    assert_eq!(ended.len(), 2);
    assert_eq!(ended[1].asset.state, AssetState::WrittenOff);
    assert!(store.ended_assets(&other_town).await.unwrap().is_empty());
    let listed = store
        .assets(
            &town,
            &AssetFilter {
                class: Some(AssetClass::Operating),
                income_year: 2025,
                ..AssetFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].income_of_year, yuan(60_000));
    // By designation (认定): the town designated, its assets listed and counted; none else.
    designate(store, "500299101000", "key_town", None).await;
    let by = |kind: &str| AssetFilter {
        designation: Some((
            kind.to_string(),
            NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        )),
        ..AssetFilter::default()
    };
    let everything = store
        .assets(&county, &AssetFilter::default())
        .await
        .unwrap();
    let in_town = everything
        .iter()
        .filter(|a| a.division.as_str().starts_with("500299101"))
        .count();
    assert_eq!(
        store.assets(&county, &by("key_town")).await.unwrap().len(),
        in_town
    );
    assert_eq!(
        store
            .asset_page(&county, &by("key_town"), 0, 100)
            .await
            .unwrap()
            .1,
        i64::try_from(in_town).unwrap()
    );
    assert!(
        store
            .assets(&county, &by("key_village"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .assets(&other_town, &AssetFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    let audit = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    for action in [
        "asset.create",
        "asset.income",
        "asset.plan",
        "asset.plan_step",
        "asset.end",
    ] {
        assert!(audit.iter().any(|r| r.action == action), "{action} audited");
    }
}
