//! A department's monthly feed delivered through its use case, on SQLite.

use dixian_store::prelude::*;

use crate::monitoring::county;
use crate::support::d;
use dixian_app::feeds::{Department, Period, deliver};
use dixian_app::screening::run_screening;
use dixian_domain::access::{Actor, Role, Scope};
use dixian_domain::division::DivisionCode;
use dixian_store::{Delivered, NewUser, Store};

async fn officer(s: &dyn Store, department: &str) -> Actor {
    let county = DivisionCode::parse("500299000000").unwrap();
    let username = match department {
        "医保" => "yibao",
        "残联" => "canlian",
        other => other,
    };
    let id = s
        .create_user(
            &Actor::system("test"),
            &NewUser {
                username: username.into(),
                display_name: format!("{department}数据员"),
                role: Role::DepartmentOfficer,
                division: county,
                department: Some(department.into()),
                password_hash: "$argon2id$fake".into(),
                must_change: false,
                service: false,
            },
        )
        .await
        .unwrap();
    Actor {
        user_id: Some(id),
        name: username.into(),
        scope: Scope::Within(county),
        source: None,
        role: Some(Role::DepartmentOfficer),
    }
}

#[tokio::test]
async fn a_medical_feed_is_checked_matched_and_delivered_once() {
    let (_d, s, record) = county().await;
    let officer = officer(&s, "医保").await;
    let member = record.members[0].id_number.as_str().to_string();
    let text = format!(
        "身份证号,姓名,结算日期,医疗总费用(元),个人自付(元)\n\
         {member},村民2,2026-10-08,12800.50,5230.20\n\
         110101199005050073,外县人员,2026-10-09,300,100\n\
         {member},村民2,2026-10-40,100,50\n"
    );
    let october = Period::parse("2026-10").unwrap();
    let today = d(2026, 11, 5);
    let go = |check_only: bool| {
        deliver(
            &s,
            &officer,
            Department::Medical,
            october,
            "十月.csv",
            text.as_bytes(),
            check_only,
            today,
        )
    };
    let checked = go(true).await.unwrap();
    assert_eq!((checked.rows_read, checked.accepted()), (3, 2));
    assert!(checked.delivered.is_none());
    assert!(s.deliveries(&officer, 10).await.unwrap().is_empty());

    let report = go(false).await.unwrap();
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].row, 4);
    assert_eq!(report.problems[0].column.as_deref(), Some("结算日期"));
    let Some(Delivered::Recorded {
        record: delivered,
        unmatched,
        ..
    }) = report.delivered
    else {
        panic!("recorded");
    };
    assert_eq!(
        (delivered.accepted, delivered.rejected, delivered.unmatched),
        (2, 1, 1)
    );
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0].0, 3);
    assert!(!unmatched[0].1.contains("19900505"), "masked");

    // Delivered again by mistake: nothing changes.
    let again = go(false).await.unwrap();
    assert!(matches!(again.delivered, Some(Delivered::Unchanged(_))));
    assert_eq!(s.deliveries(&officer, 10).await.unwrap().len(), 1);

    // A month still to come, or another department's file, is refused.
    let e = deliver(
        &s,
        &officer,
        Department::Medical,
        Period::parse("2026-12").unwrap(),
        "十二月.csv",
        text.as_bytes(),
        false,
        today,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("晚于本月"), "{e}");
    let deaths = format!("身份证号,姓名,死亡日期\n{member},村民2,2026-10-12\n");
    let e = deliver(
        &s,
        &officer,
        Department::Deaths,
        october,
        "死亡.csv",
        deaths.as_bytes(),
        false,
        today,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("无权"), "{e}");
}

#[tokio::test]
async fn a_delivered_feed_screens_into_explained_leads_once() {
    let (_d, s, record) = county().await;
    let yibao = officer(&s, "医保").await;
    let member = record.members[0].id_number.as_str().to_string();
    let text = format!(
        "身份证号,姓名,结算日期,医疗总费用(元),个人自付(元)\n\
         {member},村民2,2026-10-08,40000,25000\n"
    );
    deliver(
        &s,
        &yibao,
        Department::Medical,
        Period::parse("2026-10").unwrap(),
        "十月.csv",
        text.as_bytes(),
        false,
        d(2026, 11, 3),
    )
    .await
    .unwrap();
    // 残联 too: the spouse was certified disabled in September.
    let canlian = officer(&s, "残联").await;
    let spouse = record.members[1].id_number.as_str().to_string();
    deliver(
        &s,
        &canlian,
        Department::Disability,
        Period::parse("2026-09").unwrap(),
        "九月.csv",
        format!("身份证号,姓名,残疾等级,残疾类别,发证日期\n{spouse},村民3,二级,肢体,2026-09-20\n")
            .as_bytes(),
        false,
        d(2026, 11, 3),
    )
    .await
    .unwrap();
    let county = Actor {
        user_id: Some(8),
        name: "县级管理员".into(),
        scope: Scope::Within(DivisionCode::parse("500299000000").unwrap()),
        source: None,
        role: Some(Role::CountyAdmin),
    };
    let stages = std::sync::Mutex::new(Vec::new());
    let progress = |stage: &str, pct: u8| stages.lock().unwrap().push((stage.to_string(), pct));
    let report = run_screening(&s, &county, d(2026, 10, 31), d(2026, 11, 4), &progress)
        .await
        .unwrap();
    assert_eq!((report.households, report.persons, report.rows), (1, 2, 2));
    assert_eq!(report.households_warned, 1);
    let disability = report
        .warnings
        .iter()
        .find(|w| w.rule_code == "new_disability")
        .unwrap();
    assert_eq!(
        (
            disability.department.as_str(),
            disability.explanation.as_str()
        ),
        ("残联", "成员（村民3）2026-09-20 办理2级残疾证，在近6个月内")
    );
    let codes: Vec<&str> = report
        .warnings
        .iter()
        .map(|w| w.rule_code.as_str())
        .collect();
    for expected in ["medical_burden", "self_pay_other"] {
        assert!(codes.contains(&expected), "{codes:?}");
    }
    let burden = report
        .warnings
        .iter()
        .find(|w| w.rule_code == "medical_burden")
        .unwrap();
    assert_eq!(burden.department, "医保");
    assert_eq!(
        burden.explanation,
        "近12个月自付医疗费 25,000.00元 > 家庭年纯收入 9,000.00元 的50%（4,500.00元）；\
         依据医保结算1笔：2026-10-08 村民2 自付25,000.00元"
    );
    // One household, several rules: one lead carrying every reason, found on the run's day.
    assert!(report.warnings.len() >= 3);
    assert_eq!(report.outcome.new_leads, 1);
    let leads = s
        .leads(&county, &dixian_store::LeadFilter::default())
        .await
        .unwrap();
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0].received_on, d(2026, 11, 4));
    for w in &report.warnings {
        assert!(
            leads[0].reason.contains(&w.rule_name),
            "{}",
            leads[0].reason
        );
        assert!(
            leads[0].evidence.contains(&w.explanation),
            "{}",
            leads[0].evidence
        );
    }
    let stages = stages.lock().unwrap().clone();
    assert_eq!(stages.last().map(|s| s.1), Some(100));
    assert!(stages.windows(2).all(|w| w[0].1 < w[1].1), "{stages:?}");

    // A month on, the same warnings are not new leads.
    let again = run_screening(&s, &county, d(2026, 11, 30), d(2026, 12, 2), &|_, _| {})
        .await
        .unwrap();
    assert_eq!(again.outcome.new_leads, 0);
    assert_eq!(again.outcome.repeated as usize, again.warnings.len());
    assert_eq!(
        s.leads(&county, &dixian_store::LeadFilter::default())
            .await
            .unwrap()
            .len(),
        leads.len()
    );
    let rates = s.screening_rates(&county, d(2026, 1, 1)).await.unwrap();
    assert_eq!(
        rates.iter().map(|r| r.hits).sum::<i64>() as usize,
        report.warnings.len()
    );
}

/// A file of many broken rows lists a thousand problems, counts every refused row, and the
/// rows that passed are still counted as passed; a spreadsheet bomb is refused unread.
#[tokio::test]
async fn broken_rows_are_counted_beyond_those_listed_and_bombs_refused() {
    let (_d, s, record) = county().await;
    let officer = officer(&s, "医保").await;
    let member = record.members[0].id_number.as_str().to_string();
    let mut text = String::from("身份证号,姓名,结算日期,医疗总费用(元),个人自付(元)\n");
    text.push_str(&format!("{member},村民2,2026-10-08,12800.50,5230.20\n"));
    for _ in 0..1_500 {
        // Two problems a row: a date that does not exist and a negative amount.
        text.push_str(&format!("{member},村民2,2026-10-40,-1,50\n"));
    }
    let october = Period::parse("2026-10").unwrap();
    let report = deliver(
        &s,
        &officer,
        Department::Medical,
        october,
        "十月.csv",
        text.as_bytes(),
        true,
        d(2026, 11, 5),
    )
    .await
    .unwrap();
    assert_eq!(report.rows_read, 1_501);
    assert_eq!((report.accepted(), report.rejected), (1, 1_500));
    assert_eq!(report.problems.len(), 1_001);
    assert!(
        report.problems[0].message.contains("只列出前1000处"),
        "{:?}",
        report.problems[0]
    );

    let bomb = dixian_testkit::spreadsheet_bomb(64);
    assert!(bomb.len() < 512 * 1024, "{}", bomb.len());
    let refused = deliver(
        &s,
        &officer,
        Department::Medical,
        october,
        "十月.xlsx",
        &bomb,
        true,
        d(2026, 11, 5),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(refused.contains("已拒绝读取"), "{refused}");
}

/// 信息比对 at 入户核实: a 公安交管 feed naming a member's car is shown to the verifiers,
/// recorded with the verification, and an agreed deliberation needs the assembly's admission.
#[tokio::test]
async fn a_vehicle_feed_is_compared_at_the_verification_and_needs_the_assembly() {
    use crate::monitoring::as_role;
    use dixian_app::monitoring::{
        LeadForm, StepForm, accept_lead, act, case_view, report_lead, verify_with_consent,
    };
    use dixian_domain::monitoring::{ActionKind, AttachmentKind};
    let (_d, s, record) = county().await;
    let officer = officer(&s, "公安交管").await;
    let member = &record.members[0];
    let text = format!(
        "身份证号,姓名,号牌号码,车辆类型,登记日期\n{},{},渝A12345,小型轿车,2025-05-20\n{},{},,农用车,2024-03-01\n",
        member.id_number.as_str(),
        member.name,
        member.id_number.as_str(),
        member.name,
    );
    let report = deliver(
        &s,
        &officer,
        Department::Vehicles,
        Period::parse("2026-10").unwrap(),
        "车辆.csv",
        text.as_bytes(),
        false,
        d(2026, 11, 5),
    )
    .await
    .unwrap();
    assert_eq!(report.accepted(), 2);
    // A bad vehicle type is named by row and column.
    let bad = format!(
        "身份证号,姓名,号牌号码,车辆类型,登记日期\n{},{},,飞机,2025-05-20\n",
        member.id_number.as_str(),
        member.name
    );
    let checked = deliver(
        &s,
        &officer,
        Department::Vehicles,
        Period::parse("2026-10").unwrap(),
        "车辆.csv",
        bad.as_bytes(),
        true,
        d(2026, 11, 5),
    )
    .await
    .unwrap();
    let p = checked.problems[0].to_string();
    assert!(
        p.contains("第2行") && p.contains("车辆类型") && p.contains("“飞机”无效"),
        "{p}"
    );

    let village = as_role(Role::VillageOfficer, "500299101201");
    let town = as_role(Role::TownReviewer, "500299101000");
    let lead = report_lead(
        &s,
        &village,
        &LeadForm {
            village: "500299101201".into(),
            household: record.household.code.as_str().into(),
            channel: "cadre_survey".into(),
            reason: "务工受伤".into(),
            received_on: "2026-11-06".into(),
            ..LeadForm::default()
        },
        d(2026, 11, 6),
    )
    .await
    .unwrap();
    let id = accept_lead(&s, &town, lead.id, "", d(2026, 11, 6))
        .await
        .unwrap();
    // Before the visit, the page shows what the departments' data finds: the car, not the
    // farm vehicle.
    let view = case_view(&s, &village, id, d(2026, 11, 6)).await.unwrap();
    assert_eq!(
        view.department_hits,
        [format!(
            "家庭成员拥有享受型轿车或大中型货车及挖机等（2026-10 公安交管数据第2行：{}，小型轿车，2025-05-20）",
            member.name
        )]
    );
    let verify = StepForm {
        version: 0,
        on: "2026-11-09".into(),
        visited_on: "2026-11-09".into(),
        verifiers: "甲、乙".into(),
        risk_types: vec!["05".into()],
        category: "02".into(),
        ..StepForm::default()
    };
    let consent = dixian_store::NewAttachment {
        kind: AttachmentKind::Consent,
        name: "授权书.pdf".into(),
        content_type: "application/pdf".into(),
        bytes: b"%PDF-1.4".to_vec(),
    };
    let o = verify_with_consent(&s, &village, id, &verify, consent, d(2026, 11, 9))
        .await
        .unwrap();
    assert_eq!(o.case.exclusion_hits, ["vehicle"]);
    assert!(
        o.event
            .flags
            .iter()
            .any(|f| f.contains("2026-10 公安交管数据第2行")),
        "{:?}",
        o.event.flags
    );
    let deliberate = |overrides: Vec<String>| StepForm {
        version: 1,
        on: "2026-11-10".into(),
        held_on: "2026-11-10".into(),
        notice_from: "2026-11-10".into(),
        attendees: "25".into(),
        agreed: true,
        overrides,
        ..StepForm::default()
    };
    let e = act(
        &s,
        &village,
        id,
        ActionKind::Deliberate,
        &deliberate(Vec::new()),
        d(2026, 11, 10),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("须经村民代表大会评议认定"), "{e}");
    let o = act(
        &s,
        &village,
        id,
        ActionKind::Deliberate,
        &deliberate(vec!["vehicle".into()]),
        d(2026, 11, 10),
    )
    .await
    .unwrap();
    assert!(
        o.event
            .details
            .iter()
            .any(|(k, v)| k == "村民代表大会评议认定的特殊情况"
                && v.starts_with("家庭成员拥有享受型轿车")),
        "{:?}",
        o.event.details
    );
    // The stored case keeps what the verification found.
    let view = case_view(&s, &town, id, d(2026, 11, 10)).await.unwrap();
    assert_eq!(view.file.summary.case.exclusion_hits, ["vehicle"]);
}

/// 人社's unemployment registration, 应急管理's disaster list and 卫健's new serious illness reach
/// the system's screening:
/// each names the member, the row's date and the rule.
#[tokio::test]
async fn unemployment_and_disaster_feeds_raise_warnings() {
    let (_d, s, record) = county().await;
    let member = &record.members[0];
    let renshe = officer(&s, "人社").await;
    deliver(
        &s,
        &renshe,
        Department::Employment,
        Period::parse("2026-10").unwrap(),
        "十月.csv",
        format!(
            "身份证号,姓名,登记类别,登记日期\n{},{},失业登记,2026-10-10\n",
            member.id_number.as_str(),
            member.name
        )
        .as_bytes(),
        false,
        d(2026, 11, 3),
    )
    .await
    .unwrap();
    let yingji = officer(&s, "应急管理").await;
    deliver(
        &s,
        &yingji,
        Department::Emergency,
        Period::parse("2026-09").unwrap(),
        "九月.csv",
        format!(
            "身份证号,姓名,灾害类型,受灾日期,损失金额(元)\n{},{},洪涝,2026-09-02,35000\n",
            member.id_number.as_str(),
            member.name
        )
        .as_bytes(),
        false,
        d(2026, 11, 3),
    )
    .await
    .unwrap();
    let weijian = officer(&s, "卫健").await;
    let spouse = &record.members[1];
    deliver(
        &s,
        &weijian,
        Department::Health,
        Period::parse("2026-10").unwrap(),
        "十月.csv",
        format!(
            "身份证号,姓名,确诊日期\n{},{},2026-10-20\n",
            spouse.id_number.as_str(),
            spouse.name
        )
        .as_bytes(),
        false,
        d(2026, 11, 3),
    )
    .await
    .unwrap();
    let county = Actor {
        user_id: Some(8),
        name: "县级管理员".into(),
        scope: Scope::Within(DivisionCode::parse("500299000000").unwrap()),
        source: None,
        role: Some(Role::CountyAdmin),
    };
    let report = run_screening(&s, &county, d(2026, 10, 31), d(2026, 11, 4), &|_, _| {})
        .await
        .unwrap();
    let found = |code: &str| {
        report
            .warnings
            .iter()
            .find(|w| w.rule_code == code)
            .map(|w| (w.department.clone(), w.explanation.clone()))
    };
    assert_eq!(
        found("unemployment"),
        Some((
            "人社".to_string(),
            format!(
                "成员（{}）于 2026-10-10 办理失业登记，在近3个月内",
                member.name
            )
        ))
    );
    assert_eq!(
        found("disaster"),
        Some((
            "应急管理".to_string(),
            format!("成员（{}）于 2026-09-02 受灾，在近3个月内", member.name)
        ))
    );
    assert_eq!(
        found("serious_illness"),
        Some((
            "卫健".to_string(),
            format!("成员（{}）于 2026-10-20 确诊大病，在近3个月内", spouse.name)
        ))
    );

    // A county that screens only losses of 30,000 yuan or more: the 35,000 loss still
    // counts and the explanation names the floor; at 50,000 it does not.
    for (floor, warned) in [(30000, true), (50000, false)] {
        let pack = format!(
            "[pack]\nid = \"qingshan-disaster-{floor}\"\ntitle = \"青山县受灾筛查（测试）\"\n\
             level = \"县\"\nregion = \"500299000000\"\neffective_from = 2026-0{}-01\n\n\
             [[screening.rule]]\ncode = \"disaster\"\nname = \"家庭成员受灾损失较大\"\n\
             kind = \"受灾\"\nwindow_months = 3\nat_least_yuan = {floor}\n\n\
             [sources]\n\"screening\" = \"县定默认值：测试用\"\n",
            if warned { 2 } else { 3 }
        );
        crate::support::initialize(
            &s,
            &crate::support::sys(),
            &[],
            &[crate::support::file("disaster.toml", &pack)],
        )
        .await
        .unwrap();
        let report = run_screening(&s, &county, d(2026, 10, 31), d(2026, 11, 4), &|_, _| {})
            .await
            .unwrap();
        let disaster: Vec<&String> = report
            .warnings
            .iter()
            .filter(|w| w.rule_code == "disaster")
            .map(|w| &w.explanation)
            .collect();
        if warned {
            assert_eq!(
                disaster,
                [&format!(
                    "成员（{}）于 2026-09-02 受灾，登记损失不低于30,000.00元，在近3个月内",
                    member.name
                )]
            );
        } else {
            assert!(disaster.is_empty(), "{disaster:?}");
        }
    }
}
