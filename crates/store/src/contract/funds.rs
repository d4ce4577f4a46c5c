//! Contract checks of funds and the project library.

use super::{actor_as, code, designate, id, load_divisions, record, sys};
use crate::funds::{NewFund, NewPayment, NewProject, ProjectFilter, ProjectStep};
use crate::{AuditFilter, Store, StoreError};
use chrono::NaiveDate;
use dixian_domain::access::Role;
use dixian_domain::funds::{
    FundLevel, LinkMechanism, Notice, PaymentKind, PerformanceTarget, ProjectAction, ProjectNature,
    ProjectStage, TargetKind,
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

fn step(action: ProjectAction, on: NaiveDate, with_notice: bool) -> ProjectStep {
    ProjectStep {
        action,
        on,
        note: "同意".into(),
        document: format!("{}-单", action.code()),
        notice: with_notice.then(|| notice(on)),
        files: Vec::new(),
    }
}

fn invalid(r: Result<impl std::fmt::Debug, StoreError>, says: &str) {
    match r {
        Err(StoreError::Invalid(m)) => assert!(m.contains(says), "{m} should say {says}"),
        other => panic!("expected a refusal saying {says}, got {other:?}"),
    }
}

pub async fn funds(store: &dyn Store) {
    load_divisions(store).await;
    let a = record("500299101201", 1, &[id(1), id(2)]);
    let b = record("500299101201", 2, &[id(3)]);
    store
        .insert_households(&sys(), &[a.clone(), b.clone()])
        .await
        .unwrap();
    let village = actor_as(Role::VillageOfficer, "500299101201");
    let other_town = actor_as(Role::TownReviewer, "500299102000");
    let town = actor_as(Role::TownReviewer, "500299101000");
    let county = actor_as(Role::CountyAdmin, "500299000000");
    let cold_store = NewProject {
        division: code("500299101201"),
        name: "石桥村冷链仓储设施建设项目".into(),
        type_code: "industry".into(),
        nature: ProjectNature::New,
        planned_year: 2025,
        start_on: d(2025, 3, 1),
        end_on: d(2025, 10, 31),
        unit: "石桥镇人民政府".into(),
        tasks: "新建冷库500平方米及配套设施".into(),
        budget: yuan(800_000),
        sources: "财政资金80万元".into(),
        mechanism: "吸纳脱贫户务工，村集体收益按股分红".into(),
        targets: vec![
            PerformanceTarget {
                kind: TargetKind::Output,
                name: "新建冷库面积".into(),
                value: "≥500平方米".into(),
            },
            PerformanceTarget {
                kind: TargetKind::Benefit,
                name: "带动脱贫户增收".into(),
                value: "≥2户".into(),
            },
            PerformanceTarget {
                kind: TargetKind::Satisfaction,
                name: "受益群众满意度".into(),
                value: "≥90%".into(),
            },
        ],
        beneficiaries: vec![
            (a.household.code.clone(), LinkMechanism::Employment),
            (b.household.code.clone(), LinkMechanism::Dividend),
        ],
        notice: notice(d(2024, 11, 1)),
        proposed_on: d(2024, 11, 12),
    };
    let pid = store.propose_project(&village, &cold_store).await.unwrap();

    // Bad proposals are refused whole, with their reason.
    invalid(
        store
            .propose_project(
                &village,
                &NewProject {
                    targets: cold_store.targets[..2].to_vec(),
                    ..cold_store.clone()
                },
            )
            .await,
        "缺少满意度指标",
    );
    invalid(
        store
            .propose_project(
                &village,
                &NewProject {
                    end_on: d(2025, 1, 1),
                    ..cold_store.clone()
                },
            )
            .await,
        "早于开始日期",
    );
    invalid(
        store
            .propose_project(
                &village,
                &NewProject {
                    beneficiaries: vec![
                        (a.household.code.clone(), LinkMechanism::Employment),
                        (a.household.code.clone(), LinkMechanism::Dividend),
                    ],
                    ..cold_store.clone()
                },
            )
            .await,
        "填了两次",
    );
    // Another town's officer cannot propose here.
    assert_eq!(
        store.propose_project(&other_town, &cold_store).await,
        Err(StoreError::Forbidden)
    );
    let listed = store
        .projects(&town, &ProjectFilter::default())
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].stage, ProjectStage::Proposed);
    assert_eq!(listed[0].beneficiaries, 2);
    assert!(
        store
            .projects(&other_town, &ProjectFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.project(&other_town, pid).await.unwrap(), None);

    // Steps in order, each by its level; out of order or by the wrong level refused.
    invalid(
        store
            .advance_project(
                &county,
                pid,
                1,
                &step(ProjectAction::Approve, d(2024, 11, 20), true),
            )
            .await,
        "乡镇审核",
    );
    assert_eq!(
        store
            .advance_project(
                &village,
                pid,
                1,
                &step(ProjectAction::Review, d(2024, 11, 20), true)
            )
            .await,
        Err(StoreError::Forbidden)
    );
    invalid(
        store
            .advance_project(
                &town,
                pid,
                1,
                &step(ProjectAction::Review, d(2024, 11, 20), false),
            )
            .await,
        "公示",
    );
    store
        .advance_project(
            &town,
            pid,
            1,
            &step(ProjectAction::Review, d(2024, 11, 20), true),
        )
        .await
        .unwrap();
    // A form drawn before that step is stale.
    assert!(matches!(
        store
            .advance_project(
                &county,
                pid,
                1,
                &step(ProjectAction::Approve, d(2024, 12, 5), true)
            )
            .await,
        Err(StoreError::Conflict(_))
    ));

    // The county's fund document; only library projects receive funds.
    let fund = NewFund {
        county: code("500299000000"),
        doc_number: "渝财农〔2025〕12号".into(),
        title: "关于下达2025年中央财政衔接推进乡村振兴补助资金的通知".into(),
        level: FundLevel::Central,
        year: 2025,
        category: "consolidation".into(),
        amount: yuan(1_000_000),
        direct: true,
        received_on: d(2025, 1, 10),
    };
    assert_eq!(
        store.add_fund(&town, &fund).await,
        Err(StoreError::Forbidden)
    );
    let fid = store.add_fund(&county, &fund).await.unwrap();
    assert!(matches!(
        store.add_fund(&county, &fund).await,
        Err(StoreError::Conflict(m)) if m.contains("已登记过")
    ));
    invalid(
        store
            .plan_fund(&county, fid, pid, yuan(500_000), d(2025, 1, 15))
            .await,
        "尚未县审定入库",
    );
    store
        .advance_project(
            &county,
            pid,
            2,
            &step(ProjectAction::Approve, d(2024, 12, 5), true),
        )
        .await
        .unwrap();
    invalid(
        store
            .advance_project(
                &county,
                pid,
                3,
                &step(ProjectAction::Establish, d(2025, 1, 20), false),
            )
            .await,
        "尚未安排资金",
    );
    invalid(
        store
            .plan_fund(&county, fid, pid, yuan(900_000), d(2025, 1, 15))
            .await,
        "超出总投资",
    );
    let line = store
        .plan_fund(&county, fid, pid, yuan(600_000), d(2025, 1, 15))
        .await
        .unwrap();
    // A second project cannot take more than what is left of the document.
    let mut road = cold_store.clone();
    road.name = "石桥村产业路硬化".into();
    road.budget = yuan(600_000);
    road.beneficiaries.clear();
    let road_id = store.propose_project(&village, &road).await.unwrap();
    store
        .advance_project(
            &town,
            road_id,
            1,
            &step(ProjectAction::Review, d(2024, 11, 20), true),
        )
        .await
        .unwrap();
    store
        .advance_project(
            &county,
            road_id,
            2,
            &step(ProjectAction::Approve, d(2024, 12, 5), true),
        )
        .await
        .unwrap();
    invalid(
        store
            .plan_fund(&county, fid, road_id, yuan(500_000), d(2025, 1, 15))
            .await,
        "将超出100,000.00元",
    );

    // Payments within the line; returns within what was paid.
    let pay = NewPayment {
        line_id: line,
        kind: PaymentKind::Pay,
        amount: yuan(400_000),
        on: d(2025, 5, 10),
        voucher: "记-0510-01".into(),
        note: String::new(),
    };
    // Nothing is paid before the project is established (立项).
    invalid(store.record_payment(&county, &pay).await, "立项后、报账前");
    store
        .advance_project(
            &county,
            pid,
            3,
            &step(ProjectAction::Establish, d(2025, 1, 20), false),
        )
        .await
        .unwrap();
    store.record_payment(&county, &pay).await.unwrap();
    invalid(
        store
            .record_payment(
                &county,
                &NewPayment {
                    amount: yuan(250_000),
                    ..pay.clone()
                },
            )
            .await,
        "超出计划50,000.00元",
    );
    invalid(
        store
            .record_payment(
                &county,
                &NewPayment {
                    kind: PaymentKind::Return,
                    amount: yuan(500_000),
                    note: "项目结余".into(),
                    ..pay.clone()
                },
            )
            .await,
        "超过了已支出",
    );
    store
        .record_payment(
            &county,
            &NewPayment {
                kind: PaymentKind::Return,
                amount: yuan(50_000),
                note: "项目结余收回".into(),
                ..pay.clone()
            },
        )
        .await
        .unwrap();
    let file = store.fund(&county, fid).await.unwrap().unwrap();
    assert_eq!(file.fund.planned, yuan(600_000));
    assert_eq!(file.fund.spent, yuan(350_000));
    assert_eq!(file.lines.len(), 1);
    assert_eq!(file.lines[0].payments.len(), 2);
    // The town sees its county's document and its own lines; another town no lines.
    assert_eq!(
        store.fund(&town, fid).await.unwrap().unwrap().lines.len(),
        1
    );
    assert!(
        store
            .fund(&other_town, fid)
            .await
            .unwrap()
            .unwrap()
            .lines
            .is_empty()
    );
    assert_eq!(store.plan_lines(&county, 2025).await.unwrap().len(), 1);

    // The rest of the stages, in order.
    for (version, (action, who)) in (4..).zip([
        (ProjectAction::Tender, &town),
        (ProjectAction::Start, &village),
        (ProjectAction::Complete, &village),
        (ProjectAction::Accept, &town),
        (ProjectAction::Settle, &county),
    ]) {
        let mut taken = step(action, d(2025, 6, 1), false);
        if action == ProjectAction::Accept {
            // The acceptance form's scan travels with the step, sealed.
            taken.files = vec![crate::NewAttachment {
                kind: dixian_domain::monitoring::AttachmentKind::Other,
                name: "验收单.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"%PDF-1.4 acceptance".to_vec(),
            }];
        }
        if action == ProjectAction::Settle {
            // More files than a step may carry: refused, nothing written.
            let mut too_many = step(ProjectAction::Settle, d(2025, 6, 1), false);
            too_many.files = vec![
                crate::NewAttachment {
                    kind: dixian_domain::monitoring::AttachmentKind::Other,
                    name: "发票.pdf".into(),
                    content_type: "application/pdf".into(),
                    bytes: b"%PDF-1.4".to_vec(),
                };
                crate::funds::MAX_PROJECT_FILES + 1
            ];
            invalid(
                store.advance_project(who, pid, version, &too_many).await,
                "最多上传5个文件",
            );
        }
        store
            .advance_project(who, pid, version, &taken)
            .await
            .unwrap();
    }
    let file = store.project(&village, pid).await.unwrap().unwrap();
    let accepted = file
        .events
        .iter()
        .find(|e| e.action == Some(ProjectAction::Accept))
        .unwrap();
    assert_eq!(accepted.files.len(), 1);
    let scan = accepted.files[0].id;
    let (meta, bytes) = store
        .project_document(&village, pid, scan)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (meta.name.as_str(), bytes.as_slice()),
        ("验收单.pdf", b"%PDF-1.4 acceptance".as_slice())
    );
    // Another town sees neither the project nor its files; a file of another id is unknown.
    assert!(
        store
            .project_document(&other_town, pid, scan)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .project_document(&village, pid, scan + 1000)
            .await
            .unwrap()
            .is_none()
    );
    let reads = store
        .audit_records(&sys(), &AuditFilter::after(0, 10_000))
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "project.file.read")
        .count();
    assert_eq!(reads, 1);
    assert_eq!(file.project.stage, ProjectStage::Settled);
    assert_eq!(file.project.spent, yuan(350_000));
    assert_eq!(file.targets.len(), 3);
    assert_eq!(file.beneficiaries.len(), 2);
    assert_eq!(file.events.len(), 9);
    assert_eq!(file.events[0].label, "村申报");
    assert_eq!(file.events[1].notice.as_ref().unwrap().days(), 10);

    // The household page sees the project behind it.
    let mine = store
        .household_projects(&village, &a.household.code)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].mechanism, LinkMechanism::Employment);

    // Roll-over: the unfunded library project moves to the next year, the funded one stays.
    assert_eq!(
        store
            .roll_over_projects(&town, &code("500299000000"), 2025, 2026, d(2025, 11, 1))
            .await,
        Err(StoreError::Forbidden)
    );
    let moved = store
        .roll_over_projects(&county, &code("500299000000"), 2025, 2026, d(2025, 11, 1))
        .await
        .unwrap();
    assert_eq!(moved, 1);
    let rolled = store.project(&county, road_id).await.unwrap().unwrap();
    assert_eq!(rolled.project.planned_year, 2026);
    assert_eq!(rolled.events.last().unwrap().label, "滚动调整");
    let in_2026 = store
        .projects(
            &county,
            &ProjectFilter {
                planned_year: Some(2026),
                ..ProjectFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(in_2026.len(), 1);

    // A page of the library with the whole list's count and money, counted in the database;
    // a stage set narrows it.
    let all = store
        .projects(&county, &ProjectFilter::default())
        .await
        .unwrap();
    let first = store
        .project_page(&county, &ProjectFilter::default(), 0, 1)
        .await
        .unwrap();
    assert_eq!(first.rows.len(), 1);
    assert_eq!(first.rows[0], all[0]);
    assert_eq!(first.total, i64::try_from(all.len()).unwrap());
    assert_eq!(
        first.budget.fen(),
        all.iter().map(|p| p.budget.fen()).sum::<i64>()
    );
    assert_eq!(
        first.planned.fen(),
        all.iter().map(|p| p.planned.fen()).sum::<i64>()
    );
    let second = store
        .project_page(&county, &ProjectFilter::default(), 1, 1)
        .await
        .unwrap();
    assert_eq!(second.rows.first(), all.get(1));
    let settled = store
        .project_page(
            &county,
            &ProjectFilter {
                stages: vec![ProjectStage::Settled, ProjectStage::Accepted],
                ..ProjectFilter::default()
            },
            0,
            10,
        )
        .await
        .unwrap();
    assert_eq!(settled.total, 1);
    // By designation (认定): 石桥村's projects when it is a 脱贫村, none for another town's
    // key-town designation; counted and summed in the database like the page.
    designate(store, "500299101201", "tuopin_village", None).await;
    designate(store, "500299102000", "key_town", None).await;
    let by = |kind: &str| ProjectFilter {
        designation: Some((kind.to_string(), d(2026, 6, 1))),
        ..ProjectFilter::default()
    };
    assert!(
        all.iter().all(|p| p.division == code("500299101201")),
        "{all:?}"
    );
    let keyed = store
        .project_page(&county, &by("tuopin_village"), 0, 1)
        .await
        .unwrap();
    assert_eq!(keyed.rows.len(), 1);
    assert_eq!(keyed.total, i64::try_from(all.len()).unwrap());
    assert_eq!(keyed.budget, first.budget);
    assert_eq!(
        store
            .projects(&county, &by("tuopin_village"))
            .await
            .unwrap()
            .len(),
        all.len()
    );
    for kind in ["key_town", "key_village"] {
        let none = store.project_page(&county, &by(kind), 0, 10).await.unwrap();
        assert_eq!((none.total, none.rows.len()), (0, 0), "{kind}");
    }
    assert_eq!(settled.rows[0].stage, ProjectStage::Settled);

    // 以工代赈 wages: the registered worker is linked to the household, the other kept by
    // name; a bad row refuses the whole batch.
    let wage = |name: &str, idn: Option<dixian_domain::id_number::IdNumber>, month: &str| {
        crate::funds::NewWage {
            name: name.into(),
            id_number: idn,
            month: month.into(),
            amount: yuan(3_000),
            paid_on: d(2025, 6, 30),
        }
    };
    invalid(
        store
            .add_wages(
                &county,
                pid,
                &[
                    wage("张务工", Some(id(1)), "2025-06"),
                    wage("李务工", None, "6月"),
                ],
            )
            .await,
        "第2行：务工月份",
    );
    assert!(store.wages(&county, pid).await.unwrap().is_empty());
    let linked = store
        .add_wages(
            &village,
            pid,
            &[
                wage("张务工", Some(id(1)), "2025-06"),
                wage("李务工", None, "2025-06"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(linked, 1);
    let wages = store.wages(&county, pid).await.unwrap();
    assert_eq!(wages.len(), 2);
    assert_eq!(wages[0].household.as_ref(), Some(&a.household.code));
    assert_eq!(wages[1].household, None);
    assert!(store.wages(&other_town, pid).await.unwrap().is_empty());

    // Counted in the database: projects by stage, money by type, wages by project.
    let stages = store.project_stage_counts(&town, None, None).await.unwrap();
    assert!(stages.contains(&(ProjectStage::Settled, 1)), "{stages:?}");
    assert!(
        store
            .project_stage_counts(&other_town, None, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.planned_by_type(&county, 2025).await.unwrap(),
        [("industry".to_string(), yuan(600_000))]
    );
    assert_eq!(
        store.wage_totals(&county).await.unwrap(),
        [(pid, yuan(6_000), 2, 1)]
    );
    assert!(store.wage_totals(&other_town).await.unwrap().is_empty());

    // A sector department proposes a cross-village project of its field: it lists no
    // household (it sees none), the town reviews it, and it follows the library without
    // the households, the assets or the wages.
    let water = actor_as(Role::DepartmentOfficer, "500299000000");
    let canal = NewProject {
        division: code("500299101000"),
        name: "石桥镇灌溉渠系改造项目".into(),
        type_code: "rural_construction".into(),
        unit: "县水利局".into(),
        beneficiaries: Vec::new(),
        ..cold_store.clone()
    };
    invalid(
        store
            .propose_project(
                &water,
                &NewProject {
                    beneficiaries: cold_store.beneficiaries.clone(),
                    ..canal.clone()
                },
            )
            .await,
        "部门申报的项目不登记受益户",
    );
    let canal_id = store.propose_project(&water, &canal).await.unwrap();
    let seen = store.project(&water, canal_id).await.unwrap().unwrap();
    assert_eq!(seen.events[0].label, "行业部门申报");
    assert!(
        store
            .project(&water, pid)
            .await
            .unwrap()
            .unwrap()
            .beneficiaries
            .is_empty()
    );
    assert!(
        store
            .projects(&water, &ProjectFilter::default())
            .await
            .unwrap()
            .iter()
            .any(|p| p.id == pid),
        "the county's library is in its sight"
    );
    assert_eq!(
        store
            .advance_project(
                &water,
                canal_id,
                1,
                &step(ProjectAction::Review, d(2025, 6, 1), true)
            )
            .await,
        Err(StoreError::Forbidden),
        "review is the town's"
    );
    assert!(store.household(&water, &a.household.code).await.is_err());
    // Nor the wage roll or the scans, which name people; nor may it send again a proposal
    // that is not a department's.
    assert_eq!(store.wages(&water, pid).await, Err(StoreError::Forbidden));
    assert_eq!(
        store.project_document(&water, pid, scan).await,
        Err(StoreError::Forbidden)
    );
    assert_eq!(
        store
            .advance_project(
                &water,
                pid,
                9,
                &step(ProjectAction::Resubmit, d(2025, 6, 3), true)
            )
            .await,
        Err(StoreError::Forbidden)
    );
    let mut back = step(ProjectAction::Return, d(2025, 6, 2), false);
    back.note = "请补充灌溉面积".into();
    store
        .advance_project(&town, canal_id, 1, &back)
        .await
        .unwrap();
    store
        .advance_project(
            &water,
            canal_id,
            2,
            &step(ProjectAction::Resubmit, d(2025, 6, 3), true),
        )
        .await
        .unwrap();
    store
        .advance_project(
            &town,
            canal_id,
            3,
            &step(ProjectAction::Review, d(2025, 6, 5), true),
        )
        .await
        .unwrap();

    // Every write is audited.
    let audit = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    for action in [
        "project.propose",
        "project.step",
        "fund.create",
        "fund.plan",
        "fund.payment",
        "project.roll_over",
        "project.wages",
    ] {
        assert!(audit.iter().any(|r| r.action == action), "{action} audited");
    }
}
