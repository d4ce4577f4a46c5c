//! Funds and the project library on the demo county: a proposal refused with every problem
//! beside its field, then proposed, reviewed and approved; a fund document split to library
//! projects, paid and returned; the industry share with a county pack raising it in 2026
//! (no code change), the negative list checked on every plan line, spending progress with the
//! projects behind it, overdue projects and the roll-over across a year end.

use crate::monitoring::as_role;
use crate::support::*;
use dixian_app::funds::{
    FundForm, PaymentForm, PlanForm, ProjectForm, StepForm, add_fund, pay, plan, propose, report,
    take_step,
};
use dixian_domain::access::Role;
use dixian_domain::funds::{
    LinkMechanism, Notice, PerformanceTarget, ProjectNature, ProjectStage, TargetKind,
};
use dixian_store::funds::{NewProject, ProjectFilter};
use dixian_store::{HouseholdFilter, StoreError};

const COUNTY: &str = "500299000000";
const TOWN: &str = "500299101000";
const VILLAGE: &str = "500299101201";

/// The county raises the industry share to 70 % from 2026 (省级总体稳定、县级差异化).
const COUNTY_PACK: &str = r#"
[pack]
id = "qingshan-2026-funds"
title = "青山县常态化帮扶资金产业发展占比（2026）"
level = "县"
region = "500299000000"
effective_from = 2026-01-01

[funds]
industry_share_min_percent = 70
notice_min_days = 10
start_by = "05-31"
work_relief_labour_min_percent = 30

[[funds.milestone]]
by = "06-30"
percent = 60

[sources]
"funds" = "县定默认值：测试用"
"#;

/// The county pays its asset income's public-post wages only to 脱贫户 and 监测对象 from
/// March 2026: a pack value, no code.
const ASSET_PACK: &str = r#"
[pack]
id = "qingshan-2026-assets"
title = "青山县项目资产收益分配规则（2026）"
level = "县"
region = "500299000000"
effective_from = 2026-03-01

[assets]
simplified_disposal_max = "100000元"
low_return_bp = 200
cash_handout = false
targeted_uses = ["reward", "hardship", "cash", "public_post"]

[sources]
"assets" = "县定默认值：测试用，本县公益岗位工资也只发给脱贫户和监测对象"
"#;

fn form(name: &str, type_code: &str, tasks: &str, beneficiaries: &str) -> ProjectForm {
    ProjectForm {
        division: VILLAGE.into(),
        name: name.into(),
        type_code: type_code.into(),
        nature: "新建".into(),
        planned_year: "2025".into(),
        start_on: "2025-03-01".into(),
        end_on: "2025-10-31".into(),
        unit: "石桥镇人民政府".into(),
        tasks: tasks.into(),
        budget: "80万".into(),
        sources: "财政资金80万元".into(),
        mechanism: "吸纳脱贫户务工，村集体收益按股分红".into(),
        output_name: "新建冷库面积".into(),
        output_value: "≥500平方米".into(),
        benefit_name: "带动脱贫户增收".into(),
        benefit_value: "≥20户".into(),
        satisfaction_name: "受益群众满意度".into(),
        satisfaction_value: "≥90%".into(),
        beneficiaries: beneficiaries.into(),
        beneficiary_mechanism: "dividend".into(),
        notice_place: "石桥村村务公开栏".into(),
        notice_from: "2024-11-01".into(),
        notice_to: "2024-11-10".into(),
        proposed_on: "2024-11-12".into(),
    }
}

fn step(action: &str, version: i64, on: &str, notice: bool) -> StepForm {
    StepForm {
        action: action.into(),
        version,
        on: on.into(),
        note: "同意".into(),
        document: String::new(),
        notice_place: if notice {
            "镇政务公开栏".into()
        } else {
            String::new()
        },
        notice_from: if notice { on.into() } else { String::new() },
        notice_to: if notice {
            (dixian_app::policy::parse_date(on).unwrap() + chrono::Duration::days(9)).to_string()
        } else {
            String::new()
        },
    }
}

#[tokio::test]
async fn a_fund_document_flows_to_checked_library_projects() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[file("qingshan.toml", COUNTY_PACK)])
        .await
        .unwrap();
    let today = d(2025, 7, 1);
    load_demo(&s, 600, 5, today).await;
    let village = as_role(Role::VillageOfficer, VILLAGE);
    let town = as_role(Role::TownReviewer, TOWN);
    let county = as_role(Role::CountyAdmin, COUNTY);
    let page = s
        .households(
            &village,
            &HouseholdFilter {
                limit: 3,
                ..HouseholdFilter::default()
            },
        )
        .await
        .unwrap();
    let codes: Vec<String> = page.rows.iter().map(|h| h.code.to_string()).collect();
    assert_eq!(codes.len(), 3);

    // Every problem of a bad proposal at once, each beside its field; nothing written.
    let mut bad = form(
        "石桥村办公楼改造",
        "industry",
        "改造村办公楼",
        &format!("{} 123", codes[0]),
    );
    bad.satisfaction_value.clear();
    bad.notice_to = "2024-11-05".into();
    bad.budget = "八十万".into();
    let Err(AppError::Fields(problems)) = propose(&s, &village, &bad, today).await else {
        panic!("a bad proposal is refused field by field");
    };
    let fields: Vec<&str> = problems.iter().map(|(f, _)| *f).collect();
    for (field, says) in [
        ("budget", "总投资"),
        ("satisfaction_name", "满意度指标"),
        ("beneficiaries", "“123”"),
        ("tasks", "负面清单“修建楼堂馆所及贴补办公经费”"),
        ("notice_to", "少于政策包规定的10天"),
    ] {
        let m = problems
            .iter()
            .find(|(f, _)| *f == field)
            .unwrap_or_else(|| panic!("{field} in {fields:?}"));
        assert!(m.1.contains(says), "{}", m.1);
    }
    assert!(
        s.projects(&county, &ProjectFilter::default())
            .await
            .unwrap()
            .is_empty()
    );

    let cold = propose(
        &s,
        &village,
        &form(
            "石桥村冷链仓储设施建设项目",
            "industry",
            "新建冷库500平方米",
            &codes[..2].join("\n"),
        ),
        today,
    )
    .await
    .unwrap();
    let road = propose(
        &s,
        &village,
        &form("石桥村组道硬化", "rural_construction", "硬化组道2公里", ""),
        today,
    )
    .await
    .unwrap();
    let spare = propose(
        &s,
        &village,
        &form("石桥村蔬菜大棚", "industry", "新建大棚20个", ""),
        today,
    )
    .await
    .unwrap();
    for id in [cold, road, spare] {
        take_step(
            &s,
            &town,
            id,
            &step("review", 1, "2024-11-20", true),
            Vec::new(),
            today,
        )
        .await
        .unwrap();
        take_step(
            &s,
            &county,
            id,
            &step("approve", 2, "2024-12-05", true),
            Vec::new(),
            today,
        )
        .await
        .unwrap();
    }
    // A town's notice shorter than the pack is refused beside its end date.
    let Err(AppError::Fields(p)) = take_step(
        &s,
        &town,
        road,
        &StepForm {
            notice_to: "2024-11-21".into(),
            ..step("review", 1, "2024-11-20", true)
        },
        Vec::new(),
        today,
    )
    .await
    else {
        panic!("short notice refused");
    };
    assert_eq!(p[0].0, "notice_to");

    // The county's fund document, split to two of the library projects.
    let fund = add_fund(
        &s,
        &county,
        &FundForm {
            doc_number: "渝财农〔2025〕12号".into(),
            title: "关于下达2025年衔接推进乡村振兴补助资金的通知".into(),
            level: "中央".into(),
            year: "2025".into(),
            category: "consolidation".into(),
            amount: "100万".into(),
            direct: "on".into(),
            received_on: "2025-01-10".into(),
        },
        today,
    )
    .await
    .unwrap();
    let split = |project: i64, amount: &str| PlanForm {
        project: project.to_string(),
        amount: amount.into(),
        on: "2025-01-15".into(),
    };
    plan(&s, &county, fund, &split(cold, "50万"), today)
        .await
        .unwrap();
    plan(&s, &county, fund, &split(road, "40万"), today)
        .await
        .unwrap();
    // More than what is left of the document is refused with the numbers.
    let Err(AppError::Store(StoreError::Invalid(m))) =
        plan(&s, &county, fund, &split(spare, "20万"), today).await
    else {
        panic!("over-split refused");
    };
    assert!(
        m.contains("已分配900,000.00元") && m.contains("超出100,000.00元"),
        "{m}"
    );

    // A project with a negative-list use that reached the library another way (an import)
    // cannot receive funds, and an existing line to it is reported.
    let office = s
        .propose_project(
            &village,
            &NewProject {
                division: dixian_domain::DivisionCode::parse(VILLAGE).unwrap(),
                name: "石桥村便民服务中心".into(),
                type_code: "governance".into(),
                nature: ProjectNature::Expanded,
                planned_year: 2025,
                start_on: d(2025, 3, 1),
                end_on: d(2025, 9, 30),
                unit: "石桥村村委会".into(),
                tasks: "扩建办公用房200平方米".into(),
                budget: Money::from_yuan(100_000).unwrap(),
                sources: String::new(),
                mechanism: "方便群众办事".into(),
                targets: TargetKind::ALL
                    .iter()
                    .map(|k| PerformanceTarget {
                        kind: *k,
                        name: "指标".into(),
                        value: "1".into(),
                    })
                    .collect(),
                beneficiaries: Vec::new(),
                notice: Notice {
                    place: "村务公开栏".into(),
                    from: d(2024, 11, 1),
                    to: d(2024, 11, 10),
                },
                proposed_on: d(2024, 11, 12),
            },
        )
        .await
        .unwrap();
    take_step(
        &s,
        &town,
        office,
        &step("review", 1, "2024-11-20", true),
        Vec::new(),
        today,
    )
    .await
    .unwrap();
    take_step(
        &s,
        &county,
        office,
        &step("approve", 2, "2024-12-05", true),
        Vec::new(),
        today,
    )
    .await
    .unwrap();
    let Err(AppError::Fields(p)) = plan(&s, &county, fund, &split(office, "5万"), today).await
    else {
        panic!("negative-list project refused");
    };
    assert!(
        p[0].1.contains("办公用房") && p[0].1.contains("负面清单"),
        "{}",
        p[0].1
    );
    s.plan_fund(
        &county,
        fund,
        office,
        Money::from_yuan(50_000).unwrap(),
        d(2025, 1, 15),
    )
    .await
    .unwrap();

    // Money out and back, once the project is established.
    take_step(
        &s,
        &county,
        cold,
        &step("establish", 3, "2025-01-20", false),
        Vec::new(),
        today,
    )
    .await
    .unwrap();
    let lines = s.fund(&county, fund).await.unwrap().unwrap().lines;
    let cold_line = lines.iter().find(|l| l.project_id == cold).unwrap().id;
    pay(
        &s,
        &county,
        &PaymentForm {
            line: cold_line,
            kind: "pay".into(),
            amount: "30万".into(),
            on: "2025-05-20".into(),
            voucher: "记-0520".into(),
            note: String::new(),
        },
        today,
    )
    .await
    .unwrap();
    let Err(AppError::Fields(p)) = pay(
        &s,
        &county,
        &PaymentForm {
            line: cold_line,
            kind: "return".into(),
            amount: "1万".into(),
            on: "2025-06-01".into(),
            voucher: "收-0601".into(),
            note: String::new(),
        },
        today,
    )
    .await
    else {
        panic!("a return without a reason is refused");
    };
    assert_eq!(p[0].0, "note");

    // The year's checks, explained with their numbers.
    let r = report(&s, &county, 2025, today).await.unwrap();
    assert_eq!(r.total, Money::from_yuan(1_000_000).unwrap());
    assert_eq!(r.planned, Money::from_yuan(950_000).unwrap());
    assert_eq!(r.spent, Money::from_yuan(300_000).unwrap());
    let industry = r.industry.as_ref().unwrap();
    assert_eq!(industry.required_percent, 60, "national 2023–2025");
    assert!(!industry.met());
    assert!(
        industry.explain().contains("占50.00%"),
        "{}",
        industry.explain()
    );
    assert!(
        industry.explain().contains("还差100,000.00元"),
        "{}",
        industry.explain()
    );
    let progress = r.progress.as_ref().unwrap();
    assert_eq!(
        progress.required_percent, 50,
        "the 06-30 milestone has passed"
    );
    assert!(!progress.met());
    let behind: Vec<i64> = progress.behind.iter().map(|l| l.project_id).collect();
    // The cold store has spent 60 % of its line; the road and the office nothing.
    assert_eq!(behind, [road, office]);
    assert_eq!(r.negatives.len(), 1);
    assert_eq!(r.negatives[0].line.project_id, office);
    // None of the library projects has started by 06-30.
    assert_eq!(r.overdue.len(), 4);
    assert!(
        r.overdue[0].reason.contains("2025-06-30前开工"),
        "{}",
        r.overdue[0].reason
    );

    // The rest of the cold store's way, and the household page's view of it.
    for (action, who, version) in [
        ("tender", &town, 4),
        ("start", &village, 5),
        ("complete", &village, 6),
        ("accept", &town, 7),
    ] {
        take_step(
            &s,
            who,
            cold,
            &step(action, version, "2025-06-20", false),
            Vec::new(),
            today,
        )
        .await
        .unwrap();
    }
    let head = dixian_domain::registry::HouseholdCode::parse(&codes[0]).unwrap();
    let mine = s.household_projects(&village, &head).await.unwrap();
    assert_eq!(mine[0].stage, ProjectStage::Accepted);
    assert_eq!(mine[0].mechanism, LinkMechanism::Dividend);

    // Year end: the unfunded library project rolls into 2026, where the county's own pack
    // asks 70 % for industry — a pack value, no code.
    let moved = s
        .roll_over_projects(
            &county,
            &dixian_domain::DivisionCode::parse(COUNTY).unwrap(),
            2025,
            2026,
            d(2025, 12, 1),
        )
        .await
        .unwrap();
    assert_eq!(moved, 1);
    let rolled = s.project(&county, spare).await.unwrap().unwrap();
    assert_eq!(rolled.project.planned_year, 2026);
    let fund_2026 = add_fund(
        &s,
        &county,
        &FundForm {
            doc_number: "渝财农〔2026〕3号".into(),
            title: "关于下达2026年中央财政常态化帮扶资金的通知".into(),
            level: "中央".into(),
            year: "2026".into(),
            category: "consolidation".into(),
            amount: "100万".into(),
            direct: String::new(),
            received_on: "2026-01-08".into(),
        },
        d(2026, 2, 1),
    )
    .await
    .unwrap();
    plan(&s, &county, fund_2026, &split(spare, "65万"), d(2026, 2, 1))
        .await
        .unwrap();
    let r = report(&s, &county, 2026, d(2026, 2, 1)).await.unwrap();
    assert_eq!(r.funds_name, "常态化帮扶资金");
    let industry = r.industry.unwrap();
    assert_eq!(industry.required_percent, 70);
    assert!(!industry.met(), "65 % is below the county's 70 %");
    assert!(
        industry.explain().contains("不低于70%"),
        "{}",
        industry.explain()
    );
    // 以工代赈: a work-relief document's line, wages with a bad row refused whole, then paid;
    // the year's check names the share against the pack's 30 %.
    let relief = add_fund(
        &s,
        &county,
        &FundForm {
            doc_number: "渝发改赈〔2026〕5号".into(),
            title: "关于下达2026年以工代赈中央预算内投资计划的通知".into(),
            level: "中央".into(),
            year: "2026".into(),
            category: "work_relief".into(),
            amount: "10万".into(),
            direct: String::new(),
            received_on: "2026-01-20".into(),
        },
        d(2026, 2, 1),
    )
    .await
    .unwrap();
    plan(&s, &county, relief, &split(spare, "10万"), d(2026, 2, 1))
        .await
        .unwrap();
    let Err(AppError::Fields(p)) = dixian_app::funds::add_wages(
        &s,
        &village,
        spare,
        &dixian_app::funds::WageForm {
            lines: "张务工 2026-01 3000\n李务工 一月 3000".into(),
        },
        d(2026, 2, 1),
    )
    .await
    else {
        panic!("a bad wage row refused");
    };
    assert!(p[0].1.contains("第2行"), "{}", p[0].1);
    dixian_app::funds::add_wages(
        &s,
        &village,
        spare,
        &dixian_app::funds::WageForm {
            lines: "张务工 2026-01 3000 2026-01-31\n李务工 2026-01 3000 2026-01-31".into(),
        },
        d(2026, 2, 1),
    )
    .await
    .unwrap();
    let r = report(&s, &county, 2026, d(2026, 2, 1)).await.unwrap();
    let w = &r.work_relief[0];
    assert_eq!(w.project_id, spare);
    assert_eq!(w.workers, 2);
    assert!(!w.met());
    assert!(
        w.explain().contains("占6.00%") && w.explain().contains("不低于30%"),
        "{}",
        w.explain()
    );
    let sheets = dixian_app::funds::ledger(&s, &county, 2026, d(2026, 2, 1))
        .await
        .unwrap();
    assert_eq!(sheets.last().unwrap().rows.len(), 1, "the 以工代赈 sheet");
}

#[tokio::test]
async fn a_finished_project_leaves_assets_whose_income_is_shared_and_which_end_by_the_rules() {
    use dixian_app::assets::{AssetForm, EndForm, IncomeForm, PayoutForm, PlanForm, PlanStepForm};
    use dixian_domain::assets::{AssetState, PlanState};
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[file("qingshan-assets.toml", ASSET_PACK)])
        .await
        .unwrap();
    let today = d(2026, 3, 1);
    load_demo(&s, 1500, 7, today).await;
    let county_code = dixian_domain::DivisionCode::parse(COUNTY).unwrap();
    let demo = dixian_app::demo::funds::load_funds(&s, &county_code, 7, today)
        .await
        .unwrap();
    assert!(demo.assets > 0, "{demo:?}");
    let county = as_role(Role::CountyAdmin, COUNTY);
    // A finished project, its town, and a household of its village.
    let finished = s
        .projects(&county, &ProjectFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.stage.completed())
        .expect("a finished demo project");
    let town = as_role(
        Role::TownReviewer,
        finished
            .division
            .ancestor_at(dixian_domain::DivisionLevel::Town)
            .unwrap()
            .as_str(),
    );
    let village = as_role(Role::VillageOfficer, finished.division.as_str());
    let household = s
        .households(
            &village,
            &HouseholdFilter {
                limit: 1,
                household_type: Some(dixian_domain::registry::HouseholdType::PovertyAlleviated),
                monitored: Some(false),
                ..HouseholdFilter::default()
            },
        )
        .await
        .unwrap()
        .rows[0]
        .code
        .to_string();
    let form = AssetForm {
        project: finished.id.to_string(),
        name: "冷链仓储设施".into(),
        class: "operating".into(),
        owner_kind: "collective".into(),
        owner_name: "村股份经济合作社".into(),
        division: finished.division.to_string(),
        value: "50万".into(),
        formed_on: "2025-12-01".into(),
        operation: "lease".into(),
        ..AssetForm::default()
    };
    let asset = dixian_app::assets::register(&s, &village, &form, today)
        .await
        .unwrap();
    dixian_app::assets::add_income(
        &s,
        &village,
        asset,
        &IncomeForm {
            year: "2025".into(),
            kind: "rent".into(),
            amount: "2万".into(),
            received_on: "2025-12-25".into(),
            note: String::new(),
        },
        today,
    )
    .await
    .unwrap();
    // A year's income distribution: cash refused by the pack, more than the income refused by
    // the store with the numbers; then village → town → county.
    let plan = |lines: String| PlanForm {
        year: "2025".into(),
        months: "12".into(),
        lines,
        notice_place: "村务公开栏".into(),
        notice_from: "2026-01-05".into(),
        notice_to: "2026-01-14".into(),
        proposed_on: "2026-01-16".into(),
    };
    let Err(AppError::Fields(p)) = dixian_app::assets::propose_plan(
        &s,
        &village,
        asset,
        &plan(format!("{household} 直接发放现金 1000")),
        today,
    )
    .await
    else {
        panic!("cash refused");
    };
    assert!(
        p[0].1.contains("第1行") && p[0].1.contains("不应简单发钱"),
        "{}",
        p[0].1
    );
    let Err(AppError::Store(StoreError::Invalid(m))) = dixian_app::assets::propose_plan(
        &s,
        &village,
        asset,
        &plan(format!("{household} 公益岗位工资 15000\n村内公益事业 6000")),
        today,
    )
    .await
    else {
        panic!("more than the income refused");
    };
    assert!(m.contains("超出收益1,000.00元"), "{m}");
    let plan_id = dixian_app::assets::propose_plan(
        &s,
        &village,
        asset,
        &plan(format!("{household} 公益岗位工资 12000\n村内公益事业 8000")),
        today,
    )
    .await
    .unwrap();
    for (who, action, version) in [(&town, "approve", 1), (&county, "file", 2)] {
        dixian_app::assets::plan_step(
            &s,
            who,
            &PlanStepForm {
                plan: plan_id,
                version,
                action: action.into(),
                on: String::new(),
                note: String::new(),
            },
            today,
        )
        .await
        .unwrap();
    }
    let code = dixian_domain::registry::HouseholdCode::parse(&household).unwrap();
    let received = s.household_assets(&village, &code).await.unwrap().received;
    assert_eq!(received[0].amount, Money::from_yuan(12_000).unwrap());
    assert_eq!(received[0].state, PlanState::Filed);

    // Paid monthly: February's payout pays a twelfth of each line. Then the household is no
    // longer a 脱贫户, and the county's pack (from March) pays public-post wages only to 脱贫户
    // and 监测对象: March's payout stops its line, and it stays stopped.
    let pay = |month: &str| PayoutForm {
        plan: plan_id,
        month: month.into(),
        paid_on: String::new(),
    };
    let feb = dixian_app::assets::pay_out(&s, &village, asset, &pay("2026-02"), today)
        .await
        .unwrap();
    assert_eq!((feb.paid, feb.stopped), (Money::from_fen(166_666), 0));
    let detail = s.household(&county, &code).await.unwrap().unwrap();
    s.update_household(
        &county,
        &code,
        &dixian_store::HouseholdEdit {
            group_no: detail.summary.group_no,
            address: detail.address.clone(),
            phone: dixian_store::PhoneChange::Keep,
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
    let mar = dixian_app::assets::pay_out(&s, &village, asset, &pay("2026-03"), today)
        .await
        .unwrap();
    assert_eq!((mar.paid, mar.stopped), (Money::from_fen(66_667), 1));
    let Err(AppError::Store(StoreError::Invalid(m))) =
        dixian_app::assets::pay_out(&s, &village, asset, &pay("2026-03"), today).await
    else {
        panic!("a month paid twice refused");
    };
    assert!(m.contains("不晚于上次发放的2026-03"), "{m}");
    let line = &s.asset(&village, asset).await.unwrap().unwrap().plans[0].lines[0];
    assert_eq!(line.paid, Money::from_fen(100_000));
    let (from, why) = line.stopped.clone().unwrap();
    assert_eq!(from, "2026-03");
    assert!(why.contains("公益岗位工资"), "{why}");

    // Disposal: the simplified path above the pack's 10万 is refused beside its box; the full
    // path is taken; a write-off needs its assessment.
    let dispose = EndForm {
        version: 1,
        kind: "disposal".into(),
        method: "transfer".into(),
        path: "simplified".into(),
        value: "30万".into(),
        proceeds: "28万".into(),
        proceeds_use: "重新安排用于巩固拓展脱贫攻坚成果".into(),
        decision: "村民代表大会决议".into(),
        notice_place: "村务公开栏".into(),
        notice_from: "2026-02-01".into(),
        notice_to: "2026-02-10".into(),
        ..EndForm::default()
    };
    let Err(AppError::Fields(p)) = dixian_app::assets::end(&s, &town, asset, &dispose, today).await
    else {
        panic!("simplified above the limit refused");
    };
    assert_eq!(p[0].0, "path");
    assert!(
        p[0].1.contains("超过简化程序上限100,000.00元"),
        "{}",
        p[0].1
    );
    dixian_app::assets::end(
        &s,
        &town,
        asset,
        &EndForm {
            path: "full".into(),
            decision: "县农业农村局批复〔2026〕8号".into(),
            ..dispose.clone()
        },
        today,
    )
    .await
    .unwrap();
    let file = s.asset(&county, asset).await.unwrap().unwrap();
    assert_eq!(file.asset.state, AssetState::Disposed);
    // A household asset under the limit may take the simplified path.
    let cow = dixian_app::assets::register(
        &s,
        &village,
        &AssetForm {
            name: "到户能繁母牛".into(),
            class: "household".into(),
            owner_household: household.clone(),
            value: "1.2万".into(),
            operation: String::new(),
            ..form.clone()
        },
        today,
    )
    .await
    .unwrap();
    dixian_app::assets::end(
        &s,
        &town,
        cow,
        &EndForm {
            method: "loss".into(),
            value: "1.2万".into(),
            proceeds: String::new(),
            ..dispose.clone()
        },
        today,
    )
    .await
    .unwrap();
    let Err(AppError::Fields(p)) = dixian_app::assets::end(
        &s,
        &county,
        asset,
        &EndForm {
            version: 2,
            kind: "write_off".into(),
            reason: "洪涝损毁".into(),
            ..EndForm::default()
        },
        today,
    )
    .await
    else {
        panic!("a write-off without its assessment is refused");
    };
    assert_eq!(p[0].0, "assessment");
    // The ledgers: one sheet per class, the distribution, disposals and write-offs.
    let tables = dixian_app::assets::ledger(&s, &county, today)
        .await
        .unwrap();
    let sheets: Vec<&str> = tables.iter().map(|t| t.sheet.as_str()).collect();
    assert_eq!(
        sheets,
        [
            "经营性资产",
            "公益性资产",
            "到户类资产",
            "收益分配",
            "处置登记",
            "核销登记"
        ]
    );
    assert!(tables[4].rows.len() >= 2, "both disposals listed");
    assert!(tables[3].rows.iter().any(|r| r[4].shown() == household));
    let report = dixian_app::assets::report(&s, &county, None, today)
        .await
        .unwrap();
    assert_eq!(report.name, "帮扶项目资产", "the 2026 pack's name");
    assert!(report.in_use > 0);
    // The monthly bulletin and the dashboard say the same figures in words.
    let b = dixian_app::bulletin::bulletin(
        &s,
        &county,
        &county_code,
        dixian_domain::problems::Month::parse("2026-02").unwrap(),
        today,
    )
    .await
    .unwrap();
    let f = b.funds.as_ref().unwrap();
    let text = b.paragraphs.join("");
    assert!(
        text.contains(&format!(
            "2026年常态化帮扶资金到位{}元",
            f.received.grouped()
        )),
        "{text}"
    );
    let library: usize = f
        .stages
        .iter()
        .filter(|(s, _)| s.in_library())
        .map(|(_, n)| n)
        .sum();
    assert!(
        text.contains(&format!("项目库入库项目{library}个")),
        "{text}"
    );
    assert!(text.contains("帮扶项目资产在用"), "{text}");
    let board = dixian_app::funds::area_figures(&s, &county, &county_code, d(2026, 2, 28))
        .await
        .unwrap();
    assert_eq!(&board, f, "one computation for both");
}

#[tokio::test]
async fn project_lists_and_asset_ledgers_import_whole_or_not_at_all() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[]).await.unwrap();
    let today = d(2026, 3, 1);
    load_demo(&s, 600, 3, today).await;
    let county = as_role(Role::CountyAdmin, COUNTY);
    let header = "项目名称*,项目地点*,项目类型*,建设性质*,计划年度*,计划开工*,计划完工*,实施单位*,建设任务*,总投资（元）*,资金来源,联农带农机制*,产出指标*,产出目标值*,效益指标*,效益目标值*,满意度指标*,满意度目标值*,入库日期*,项目状态";
    let row = |name: &str, place: &str, kind: &str, tasks: &str, state: &str| {
        format!(
            "{name},{place},{kind},新建,2025,2025-03-01,2025-10-31,石桥镇人民政府,{tasks},80万,财政资金,务工分红,冷库面积,≥500平方米,带动增收,≥20户,满意度,≥90%,2024-12-05,{state}"
        )
    };
    // Every problem of the file, by row and column; nothing written.
    let bad = format!(
        "某县项目清单\n{header}\n{}\n{}\n{}\n",
        row("冷库", VILLAGE, "产业发展", "新建冷库", "已完工"),
        row("村办公楼", "不存在村", "产业", "修建办公楼", "已入库"),
        row("组道", VILLAGE, "乡村建设行动", "硬化组道", "申报中"),
    );
    let Err(AppError::Invalid(lines)) =
        dixian_app::funds::import_projects(&s, &county, "清单.csv", bad.as_bytes(), today).await
    else {
        panic!("a bad list is refused");
    };
    for says in [
        "清单.csv第4行“项目地点”：本县没有叫“不存在村”的村或乡镇",
        "第4行“项目类型”：“产业”不是项目类型",
        "第5行“项目状态”：“申报中”无效",
    ] {
        assert!(
            lines.iter().any(|l| l.contains(says)),
            "{says} in {lines:?}"
        );
    }
    assert!(
        s.projects(&county, &ProjectFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    let good = format!(
        "{header}\n{}\n{}\n",
        row("冷库", VILLAGE, "产业发展", "新建冷库", "已完工"),
        row("组道", VILLAGE, "乡村建设行动", "硬化组道", ""),
    );
    let n = dixian_app::funds::import_projects(&s, &county, "清单.csv", good.as_bytes(), today)
        .await
        .unwrap();
    assert_eq!(n, 2);
    let listed = s
        .projects(&county, &ProjectFilter::default())
        .await
        .unwrap();
    let cold = listed.iter().find(|p| p.name == "冷库").unwrap();
    let road = listed.iter().find(|p| p.name == "组道").unwrap();
    assert_eq!(cold.stage, ProjectStage::Completed);
    assert_eq!(road.stage, ProjectStage::Library);
    // The asset ledger: a row on an unfinished project and a household asset without its
    // household refuse the file; corrected, it imports.
    let assets_header = "资产名称*,形成项目编号*,资产类别*,所有权人类型,所有权人,所属户编号,资产价值（元）*,坐落位置,形成日期*,确权日期,确权文件,管护单位,管护责任人,管护职责,经营方式,经营主体";
    let bad = format!(
        "{assets_header}\n冷库,#{},经营性资产,村集体经济组织,村股份经济合作社,,50万,三组,2025-12-01,,,,,,租赁,县公司\n路,#{},公益性资产,行业部门（国有）,县交通运输局,,30万,,2025-12-01,,,,,,,\n母牛,#{},到户类资产,,,,1万,,2025-12-01,,,,,,,\n",
        cold.id, road.id, cold.id
    );
    let Err(AppError::Invalid(lines)) =
        dixian_app::assets::import(&s, &county, "资产.csv", bad.as_bytes(), today).await
    else {
        panic!("a bad ledger is refused");
    };
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("第3行“形成项目编号”：项目#{}尚未完工", road.id))),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("第4行“所属户编号”：到户类资产须填写所属户编号")),
        "{lines:?}"
    );
    assert!(
        s.assets(&county, &dixian_store::assets::AssetFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    let good = format!(
        "{assets_header}\n冷库,#{},经营性资产,村集体经济组织,村股份经济合作社,,50万,三组,2025-12-01,,,,,,租赁,县公司\n",
        cold.id
    );
    assert_eq!(
        dixian_app::assets::import(&s, &county, "资产.csv", good.as_bytes(), today)
            .await
            .unwrap(),
        1
    );
    // The templates come with their instructions.
    let template = dixian_app::funds::project_template(dixian_app::sheet::FileKind::Csv).unwrap();
    assert!(String::from_utf8_lossy(&template).contains("项目名称*"));
}
