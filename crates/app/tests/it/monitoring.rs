//! The monitoring workflow through its use cases, on SQLite with the shipped packs and the
//! official calendar.

use dixian_store::prelude::*;

use crate::support::*;
use chrono::NaiveDate;
use dixian_app::AppError;
use dixian_app::monitoring::{
    ApplyForm, CadreForm, LeadForm, MeasureForm, StepForm, VisitForm, accept_lead, act,
    application_status, assign_cadre, case_view, decline_lead, record_visit, report_lead,
    save_measure, self_declare, verify_with_consent, work_list,
};
use dixian_app::setup::initialize;
use dixian_domain::access::{Actor, Role, Scope};
use dixian_domain::division::DivisionCode;
use dixian_domain::id_number::{IdNumber, Sex};
use dixian_domain::money::Money;
use dixian_domain::monitoring::{ActionKind, AttachmentKind, CaseState, LeadStatus};
use dixian_domain::registry::*;
use dixian_store::NewAttachment;
use dixian_store_sql::SqlStore;

const DIVS: &str = "code,name
500000000000,重庆市
500200000000,县
500299000000,青山县
500299101000,石桥镇
500299101201,石桥村
500299101202,青龙村
";

pub(super) fn as_role(role: Role, division: &str) -> Actor {
    Actor {
        user_id: Some(7),
        name: format!("{}@{division}", role.code()),
        scope: Scope::Within(DivisionCode::parse(division).unwrap()),
        source: None,
        role: Some(role),
    }
}

pub(super) fn member(n: u16, relation: Relation) -> Person {
    let id = IdNumber::compose(
        "500299",
        d(1970 + i32::from(n), 3, 1),
        n,
        if n.is_multiple_of(2) {
            Sex::Male
        } else {
            Sex::Female
        },
    )
    .unwrap();
    Person {
        sex: id.sex(),
        birth_date: id.birth_date(),
        id_number: id,
        name: format!("村民{n}"),
        relation,
        labour: LabourCapacity::Ordinary,
        health: Health::Healthy,
        disability: None,
        schooling: Schooling::NotInSchool,
        medical_insurance: true,
        pension_insurance: true,
        employment_months: 0,
        employment_place: None,
        public_payroll: false,
        status: LivingStatus::InHousehold,
    }
}

pub(super) async fn county() -> (tempfile::TempDir, SqlStore, HouseholdRecord) {
    let (dir, s) = store().await;
    // With the demo county's own pack: its visit months (3, 8, 11) are a county's choice.
    let (name, text) = dixian_app::demo::COUNTY_PACK;
    initialize(&s, &sys(), &[file("qs.csv", DIVS)], &[file(name, text)])
        .await
        .unwrap();
    let village = DivisionCode::parse("500299101201").unwrap();
    let record = HouseholdRecord {
        household: Household {
            code: HouseholdCode::new(&village, 1).unwrap(),
            village,
            group_no: None,
            address: "石桥村3号".into(),
            phone: None,
            bank_account: None,
            household_type: HouseholdType::Ordinary,
            relocated: false,
            dibao: false,
            tekun: false,
            monitored: false,
        },
        members: vec![member(2, Relation::Head), member(3, Relation::Spouse)],
        incomes: vec![Income {
            year: 2025,
            wage: Money::from_yuan(9000).unwrap(),
            ..Income::default()
        }],
        assurance: None,
    };
    s.insert_households(&sys(), std::slice::from_ref(&record))
        .await
        .unwrap();
    (dir, s, record)
}

fn messages(e: AppError) -> String {
    e.to_string()
}

#[tokio::test]
async fn a_self_declaration_runs_to_inclusion_through_the_national_day_break() {
    let (_d, s, record) = county().await;
    let head = &record.members[0];
    // The household declares from its phone on Monday 28 September 2026.
    let mut form = ApplyForm {
        name: head.name.clone(),
        id_number: "110105194912310021".into(),
        phone: "139 1234 567".into(),
        village: "500299101299".into(),
        hardships: vec![],
        text: String::new(),
    };
    let e = messages(
        self_declare(&s, None, &form, d(2026, 9, 28))
            .await
            .unwrap_err(),
    );
    for part in [
        "身份证号",
        "11位手机号码",
        "请选择所在的村",
        "请选择困难类型",
    ] {
        assert!(e.contains(part), "{part}: {e}");
    }
    form.id_number = head.id_number.as_str().to_string();
    form.phone = "139-1234-5678".into();
    form.village = "500299101201".into();
    form.hardships = vec!["01".into()];
    form.text = "老伴住院花了六万多".into();
    let code = self_declare(&s, Some("198.51.100.7".into()), &form, d(2026, 9, 28))
        .await
        .unwrap();
    assert!(code.starts_with("SB") && code.len() == 12, "{code}");
    let status = application_status(
        &s,
        &code.to_lowercase(),
        head.id_number.as_str(),
        d(2026, 9, 28),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(status.status, LeadStatus::Pending);
    // The household is told when the town must decide: the acceptance limit.
    assert_eq!(status.due_on, Some(d(2026, 9, 30)));

    // The town's work list shows it, due within 2 working days (29–30 September).
    let town = as_role(Role::TownReviewer, "500299101000");
    let list = work_list(&s, &town, d(2026, 9, 28)).await.unwrap();
    assert_eq!(list.leads.len(), 1);
    assert_eq!(list.leads[0].accept_by, d(2026, 9, 30));
    assert_eq!(
        list.leads[0].lead.household,
        Some(record.household.code.clone())
    );
    let lead_id = list.leads[0].lead.id;
    // A village officer may not accept.
    let village = as_role(Role::VillageOfficer, "500299101201");
    let e = messages(
        accept_lead(&s, &village, lead_id, "", d(2026, 9, 29))
            .await
            .unwrap_err(),
    );
    assert!(e.contains("需由乡镇审核员或县级管理员办理"), "{e}");
    let case_id = accept_lead(&s, &town, lead_id, "", d(2026, 9, 29))
        .await
        .unwrap();
    let status = application_status(&s, &code, head.id_number.as_str(), d(2026, 9, 29))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.status, LeadStatus::Accepted);
    assert_eq!(status.case_state, Some(CaseState::Verifying));
    // Then the verification's limit, the same date the village's work list shows.
    let verify_by = status.due_on.expect("a limit for the verification");

    // The village's list now has the verification, due 12 October.
    let list = work_list(&s, &village, d(2026, 9, 29)).await.unwrap();
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.items[0].task, "入户核实");
    assert_eq!(list.items[0].due, Some(d(2026, 10, 12)));
    assert_eq!(verify_by, d(2026, 10, 12));
    assert!(list.leads.is_empty(), "villages do not accept leads");

    let version = |v: i64| StepForm {
        version: v,
        ..StepForm::default()
    };
    let consent = NewAttachment {
        kind: AttachmentKind::Consent,
        name: "承诺授权书.jpg".into(),
        content_type: "image/jpeg".into(),
        bytes: vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 1],
    };
    // One verifier is not enough and no risk is ticked: both problems at once, each with its
    // field; the signed consent is kept so it need not be uploaded again.
    let mut v = StepForm {
        on: "2026-09-30".into(),
        visited_on: "2026-09-30".into(),
        verifiers: "王村干".into(),
        category: "02".into(),
        rigid_expenditure: "60000".into(),
        comment: "配偶住院，自付6万元".into(),
        ..version(0)
    };
    let refused = verify_with_consent(&s, &village, case_id, &v, consent.clone(), d(2026, 9, 30))
        .await
        .unwrap_err();
    match &refused {
        AppError::Fields(list) => assert_eq!(
            list.iter()
                .map(|(f, m)| (*f, m.as_str()))
                .collect::<Vec<_>>(),
            [
                ("verifiers", "入户核实须不少于2人，填写了1人"),
                ("risk", "请至少选择一项风险类型"),
            ]
        ),
        other => panic!("{other:?}"),
    }
    let view = case_view(&s, &town, case_id, d(2026, 9, 30)).await.unwrap();
    let kept: Vec<_> = view
        .file
        .attachments
        .iter()
        .filter(|a| a.kind == AttachmentKind::Consent)
        .collect();
    assert_eq!(kept.len(), 1, "the consent is kept once");
    assert_eq!(view.file.summary.case.state, CaseState::Verifying);
    v.verifiers = "王村干、李镇干".into();
    v.risk_types = vec!["01".into()];
    v.consent_attachment = kept[0].id.to_string();
    v.version = view.file.summary.case.version;
    let o = act(
        &s,
        &village,
        case_id,
        ActionKind::Verify,
        &v,
        d(2026, 9, 30),
    )
    .await
    .unwrap();
    assert_eq!(o.case.state, CaseState::Deliberation);
    let income = &o
        .event
        .details
        .iter()
        .find(|(k, _)| k == "收入核算")
        .unwrap()
        .1;
    assert!(
        income.contains("扣除刚性支出60,000.00元后人均-25,500.00元"),
        "{income}"
    );

    // A stale form is refused rather than applied twice.
    let deliberate = StepForm {
        on: "2026-10-08".into(),
        held_on: "2026-10-08".into(),
        attendees: "25".into(),
        agreed: true,
        ..version(0)
    };
    let e = act(
        &s,
        &village,
        case_id,
        ActionKind::Deliberate,
        &deliberate,
        d(2026, 10, 8),
    )
    .await
    .unwrap_err();
    assert!(messages(e).contains("已被他人办理"));
    act(
        &s,
        &village,
        case_id,
        ActionKind::Deliberate,
        &StepForm {
            version: 1,
            ..deliberate
        },
        d(2026, 10, 8),
    )
    .await
    .unwrap();
    let end = |v: i64, on: &str| StepForm {
        on: on.into(),
        ..version(v)
    };
    let e = messages(
        act(
            &s,
            &village,
            case_id,
            ActionKind::EndNotice,
            &end(2, "2026-10-12"),
            d(2026, 10, 12),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(e, "公示期未满：2026-10-08起公示，2026-10-13方可结束公示");
    act(
        &s,
        &village,
        case_id,
        ActionKind::EndNotice,
        &end(2, "2026-10-13"),
        d(2026, 10, 13),
    )
    .await
    .unwrap();
    // The county cannot approve before the town.
    let county = as_role(Role::CountyAdmin, "500299000000");
    let e = messages(
        act(
            &s,
            &county,
            case_id,
            ActionKind::Approve,
            &end(3, "2026-10-13"),
            d(2026, 10, 13),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(e, "审核通过需由乡镇审核员办理，当前账号角色为县级管理员");
    act(
        &s,
        &town,
        case_id,
        ActionKind::Approve,
        &end(3, "2026-10-13"),
        d(2026, 10, 13),
    )
    .await
    .unwrap();
    let o = act(
        &s,
        &county,
        case_id,
        ActionKind::Approve,
        &end(4, "2026-10-13"),
        d(2026, 10, 13),
    )
    .await
    .unwrap();
    assert_eq!(o.case.state, CaseState::Monitored);
    assert_eq!(o.event.on_time(), Some(true));

    // The town owes a cadre by 27 October; on 29 October it is 2 working days late.
    let list = work_list(&s, &town, d(2026, 10, 29)).await.unwrap();
    let cadre = list
        .items
        .iter()
        .find(|i| i.task == "明确帮扶责任人")
        .unwrap();
    assert_eq!(cadre.due, Some(d(2026, 10, 27)));
    assert_eq!(cadre.overdue_working_days, 2);
    let status = application_status(&s, &code, head.id_number.as_str(), d(2026, 10, 29))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.case_state, Some(CaseState::Monitored));
    assert_eq!(status.approved_on, Some(d(2026, 10, 13)));

    // Refusals are audited with their reason.
    let audit = s
        .audit_records(&sys(), &dixian_store::AuditFilter::after(0, 1000))
        .await
        .unwrap();
    let refused: Vec<_> = audit
        .iter()
        .filter(|r| r.action == "case.refused")
        .collect();
    assert_eq!(refused.len(), 4, "{refused:?}");
    assert!(refused.iter().any(|r| r.detail.contains("公示期未满")));
}

#[tokio::test]
async fn staff_leads_are_validated_declined_and_attached() {
    let (_d, s, record) = county().await;
    let village = as_role(Role::VillageOfficer, "500299101201");
    let town = as_role(Role::TownReviewer, "500299101000");
    let mut f = LeadForm {
        village: "500299101201".into(),
        household: record.household.code.as_str().into(),
        channel: "微信".into(),
        source: "网格员张三".into(),
        reason: "外出务工返乡，无收入".into(),
        hardships: vec!["07".into()],
        ..LeadForm::default()
    };
    let e = messages(
        report_lead(&s, &village, &f, d(2026, 11, 2))
            .await
            .unwrap_err(),
    );
    assert_eq!(e, "发现渠道“微信”无效");
    f.channel = "基层干部排查".into();
    f.received_on = "2026-11-03".into();
    let e = messages(
        report_lead(&s, &village, &f, d(2026, 11, 2))
            .await
            .unwrap_err(),
    );
    assert!(e.contains("晚于今天"), "{e}");
    f.received_on = "2026-11-02".into();
    f.hardships = vec!["77".into()];
    let e = messages(
        report_lead(&s, &village, &f, d(2026, 11, 2))
            .await
            .unwrap_err(),
    );
    assert_eq!(e, "风险类型代码“77”不在政策包代码表中");
    f.hardships = vec!["07".into(), "07".into()];
    let first = report_lead(&s, &village, &f, d(2026, 11, 2)).await.unwrap();
    let lead = s.lead(&town, first.id).await.unwrap().unwrap();
    assert_eq!(lead.hardships, vec!["07".to_string()]);
    let e = messages(
        decline_lead(&s, &village, first.id, "重复", d(2026, 11, 3))
            .await
            .unwrap_err(),
    );
    assert!(e.contains("乡镇审核员"), "{e}");
    let case_id = accept_lead(&s, &town, first.id, "", d(2026, 11, 3))
        .await
        .unwrap();
    // A second lead for the same household joins the case at once.
    f.channel = "hotline".into();
    f.reason = "12317热线：家中无收入".into();
    let second = report_lead(&s, &village, &f, d(2026, 11, 4)).await.unwrap();
    assert_eq!(second.attached_to, Some(case_id));
    // Green channel: proposed by the village after its assessment (经村级研判), agreed by the
    // town; assistance starts before approval.
    let form = |version: i64, comment: &str, held_on: &str| StepForm {
        version,
        comment: comment.into(),
        held_on: held_on.into(),
        ..StepForm::default()
    };
    let e = messages(
        act(
            &s,
            &village,
            case_id,
            ActionKind::ProposeGreenChannel,
            &form(0, "房屋被洪水冲毁", ""),
            d(2026, 11, 4),
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(e, "请填写村级研判日期");
    act(
        &s,
        &village,
        case_id,
        ActionKind::ProposeGreenChannel,
        &form(0, "房屋被洪水冲毁，村两委研判须先行安置", "2026-11-04"),
        d(2026, 11, 4),
    )
    .await
    .unwrap();
    let o = act(
        &s,
        &town,
        case_id,
        ActionKind::GreenChannel,
        &form(1, "同意先行帮扶", ""),
        d(2026, 11, 4),
    )
    .await
    .unwrap();
    assert_eq!(o.case.green_channel_on, Some(d(2026, 11, 4)));
    let list = work_list(&s, &town, d(2026, 11, 4)).await.unwrap();
    assert!(list.items.iter().any(|i| i.task == "明确帮扶责任人"));
}

#[tokio::test]
async fn the_demo_town_has_cases_in_every_step_some_overdue() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[]).await.unwrap();
    let as_of = d(2026, 11, 23);
    load_demo(&s, 3000, 5, as_of).await;
    let town = DivisionCode::parse("500299101000").unwrap();
    let village = DivisionCode::parse("500299101201").unwrap();
    let report = dixian_app::demo::cases::load_cases(&s, &town, &town, &village, 5, as_of)
        .await
        .unwrap();
    for state in [
        "入户核实",
        "民主评议",
        "公示中",
        "乡镇审核",
        "县级审定",
        "监测帮扶中",
        "不予纳入",
        "消除核实",
        "风险已消除",
    ] {
        assert!(
            report.by_state.get(state).is_some_and(|n| *n > 0),
            "{state}: {report:?}"
        );
    }
    assert_eq!(report.by_state.values().sum::<usize>(), report.cases);
    // Every 监测对象 the registry names in the town has its case file (or was eliminated).
    let flagged = s
        .households(
            &sys(),
            &dixian_store::HouseholdFilter {
                within: Some(town),
                monitored: Some(true),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .total;
    let included = s
        .cases(
            &sys(),
            &dixian_store::CaseFilter {
                // Under the elimination notice a household is still monitored.
                states: vec![
                    CaseState::Monitored,
                    CaseState::ExitVerifying,
                    CaseState::ExitNotice,
                ],
                within: Some(town),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .len();
    assert_eq!(flagged as usize, included, "{report:?}");
    // The town has overdue work, the village has notices to print.
    let town_list = work_list(&s, &as_role(Role::TownReviewer, "500299101000"), as_of)
        .await
        .unwrap();
    assert!(town_list.overdue() > 0, "{town_list:?}");
    assert!(town_list.leads.len() >= 2);
    let village_list = work_list(&s, &as_role(Role::VillageOfficer, "500299101201"), as_of)
        .await
        .unwrap();
    assert!(village_list.items.iter().any(|i| i.task == "公示"));
    assert!(
        village_list
            .items
            .iter()
            .any(|i| i.overdue_working_days > 0)
    );
}

/// Runs a staff lead for `record` found on `found` through to inclusion, each step dated a
/// working day or so after the last; gives the case id.
async fn include(s: &SqlStore, record: &HouseholdRecord, found: NaiveDate) -> i64 {
    let village = as_role(Role::VillageOfficer, "500299101201");
    let town = as_role(Role::TownReviewer, "500299101000");
    let county = as_role(Role::CountyAdmin, "500299000000");
    let day = |n: u64| (found + chrono::Days::new(n)).to_string();
    let lead = report_lead(
        s,
        &village,
        &LeadForm {
            village: "500299101201".into(),
            household: record.household.code.as_str().into(),
            channel: "cadre_survey".into(),
            reason: "务工受伤".into(),
            received_on: found.to_string(),
            ..LeadForm::default()
        },
        found,
    )
    .await
    .unwrap();
    let id = accept_lead(s, &town, lead.id, "", found).await.unwrap();
    let consent = NewAttachment {
        kind: AttachmentKind::Consent,
        name: "授权书.pdf".into(),
        content_type: "application/pdf".into(),
        bytes: b"%PDF-1.4".to_vec(),
    };
    let verify = StepForm {
        version: 0,
        on: day(1),
        visited_on: day(1),
        verifiers: "甲、乙".into(),
        risk_types: vec!["05".into()],
        category: "02".into(),
        ..StepForm::default()
    };
    verify_with_consent(
        s,
        &village,
        id,
        &verify,
        consent,
        found + chrono::Days::new(1),
    )
    .await
    .unwrap();
    let at = |v: i64, on: u64| StepForm {
        version: v,
        on: day(on),
        held_on: day(on),
        notice_from: day(on),
        attendees: "20".into(),
        agreed: true,
        ..StepForm::default()
    };
    let late = found + chrono::Days::new(30);
    act(s, &village, id, ActionKind::Deliberate, &at(1, 2), late)
        .await
        .unwrap();
    act(s, &village, id, ActionKind::EndNotice, &at(2, 7), late)
        .await
        .unwrap();
    act(s, &town, id, ActionKind::Approve, &at(3, 8), late)
        .await
        .unwrap();
    act(s, &county, id, ActionKind::Approve, &at(4, 9), late)
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn the_cadre_is_assigned_plans_and_visits_on_the_cadence() {
    let (_d, s, record) = county().await;
    let code = |c: &str| DivisionCode::parse(c).unwrap();
    dixian_app::accounts::ensure_demo_accounts(
        &s,
        &dixian_app::accounts::Argon2id::cheap_for_tests(),
        &sys(),
        code("500299000000"),
        code("500299101000"),
        code("500299101201"),
    )
    .await
    .unwrap();
    // Found 2 June 2026, included on 11 June.
    let id = include(&s, &record, d(2026, 6, 2)).await;
    let town = as_role(Role::TownReviewer, "500299101000");
    let cadre_user = s.user_by_username("cadre").await.unwrap().unwrap();
    let cadre = Actor {
        user_id: Some(cadre_user.id),
        ..as_role(Role::AssistanceCadre, "500299101201")
    };
    let view = case_view(&s, &town, id, d(2026, 6, 20)).await.unwrap();
    assert_eq!(view.file.summary.case.approved_on, Some(d(2026, 6, 11)));
    assert_eq!(view.gaps[0], "尚无帮扶措施");
    let e = assign_cadre(
        &s,
        &town,
        id,
        &CadreForm {
            version: view.file.summary.case.version,
            cadre: "999".into(),
            unit: "区农业农村委".into(),
            ..CadreForm::default()
        },
        d(2026, 6, 20),
    )
    .await
    .unwrap_err();
    assert_eq!(e.to_string(), "账号#999不是可指派的帮扶责任人");
    let o = assign_cadre(
        &s,
        &town,
        id,
        &CadreForm {
            version: view.file.summary.case.version,
            cadre: cadre_user.id.to_string(),
            unit: "区农业农村委".into(),
            political: "中共党员".into(),
            start: "2026-06-20".into(),
        },
        d(2026, 6, 20),
    )
    .await
    .unwrap();
    // 10 working days from 11 June (端午 19–21 June): due 26 June; 20 June is in time.
    assert_eq!(
        (o.event.due_on, o.event.on_time()),
        (Some(d(2026, 6, 26)), Some(true))
    );
    let o = save_measure(
        &s,
        &cadre,
        id,
        &MeasureForm {
            version: o.case.version,
            type_code: "02".into(),
            content: "推荐到园区务工".into(),
            unit: "区人力社保局".into(),
            amount: "1,500".into(),
            status: "ongoing".into(),
            ..MeasureForm::default()
        },
        d(2026, 6, 22),
    )
    .await
    .unwrap();
    assert_eq!(o.event.comment, "新增就业帮扶：推荐到园区务工（实施中）");
    // Visits: July visited, August and September missed, October visited, November open.
    let photo = ("现场.jpg".to_string(), dixian_testkit::photo_jpeg());
    for (on, photos) in [("2026-07-08", vec![photo.clone()]), ("2026-10-12", vec![])] {
        record_visit(
            &s,
            &cadre,
            id,
            &VisitForm {
                visited_on: on.into(),
                visitors: "张帮扶 村医".into(),
                findings: "伤情好转".into(),
                ..VisitForm::default()
            },
            photos,
            d(2026, 11, 23),
        )
        .await
        .unwrap();
    }
    let e = record_visit(
        &s,
        &cadre,
        id,
        &VisitForm {
            visitors: "张帮扶".into(),
            findings: "正常".into(),
            ..VisitForm::default()
        },
        vec![("病毒.exe".into(), b"MZ".to_vec())],
        d(2026, 11, 23),
    )
    .await
    .unwrap_err();
    assert!(
        e.error.to_string().contains("不是JPEG、PNG照片或PDF文件"),
        "{:?}",
        e.error
    );
    assert!(
        e.kept.is_empty(),
        "nothing to keep: the only file was refused"
    );
    // Every problem of the form at once; the good photo kept for the corrected form only
    // when the caller shows a form again.
    let wrong = VisitForm {
        visited_on: "2026-11-24".into(),
        visitors: String::new(),
        findings: "正常".into(),
        ..VisitForm::default()
    };
    let e = record_visit(&s, &cadre, id, &wrong, vec![photo.clone()], d(2026, 11, 23))
        .await
        .unwrap_err();
    let AppError::Fields(problems) = &e.error else {
        panic!("{:?}", e.error)
    };
    let fields: Vec<&str> = problems.iter().map(|(f, _)| *f).collect();
    assert_eq!(fields, ["visited_on", "visitors"]);
    assert!(e.kept.is_empty(), "an API caller sends its files again");
    let shown = VisitForm {
        keep_refused_photos: true,
        ..wrong.clone()
    };
    let e = record_visit(&s, &cadre, id, &shown, vec![photo.clone()], d(2026, 11, 23))
        .await
        .unwrap_err();
    assert_eq!(e.kept.len(), 1);
    assert_eq!(e.kept[0].name, "现场.jpg");
    let list = work_list(&s, &cadre, d(2026, 11, 23)).await.unwrap();
    let tasks: Vec<(&str, Option<NaiveDate>)> = list
        .items
        .iter()
        .map(|i| (i.task.as_str(), i.due))
        .collect();
    assert!(
        tasks.contains(&("走访（漏访2期）", Some(d(2026, 9, 30)))),
        "{tasks:?}"
    );
    // The case page counts the same missed periods as the work list.
    let page = case_view(&s, &town, id, d(2026, 11, 23)).await.unwrap();
    assert_eq!(
        page.visit_periods
            .iter()
            .filter(|p| p.missed(d(2026, 11, 23)))
            .count(),
        2
    );
    assert!(
        tasks.contains(&("本期走访", Some(d(2026, 11, 30)))),
        "{tasks:?}"
    );
    assert!(
        !tasks.iter().any(|(t, _)| t.starts_with("制定帮扶计划")),
        "{tasks:?}"
    );
    // A 脱贫户 (not monitored) of the cadre: visited in March, August and November (the
    // county's pack).
    let mut poor = record.clone();
    poor.household.code = HouseholdCode::new(&poor.household.village, 2).unwrap();
    poor.household.household_type = HouseholdType::PovertyAlleviated;
    poor.members = vec![member(20, Relation::Head)];
    s.insert_households(&sys(), std::slice::from_ref(&poor))
        .await
        .unwrap();
    s.assign_cadre(&town, &poor.household.code, cadre_user.id, true)
        .await
        .unwrap();
    let owed = |list: &dixian_app::monitoring::WorkList| -> Vec<(String, i64)> {
        list.households
            .iter()
            .map(|h| (h.task.clone(), h.overdue_working_days))
            .collect()
    };
    let list = work_list(&s, &cadre, d(2026, 11, 23)).await.unwrap();
    let tasks = owed(&list);
    // One line for the household: its two missed months together, and the open one.
    assert_eq!(
        tasks,
        [(
            "脱贫户走访：漏访2期（3月、8月），本期11月".to_string(),
            tasks[0].1
        )],
        "{tasks:?}"
    );
    assert!(tasks[0].1 > 50, "late since August: {tasks:?}");
    dixian_app::monitoring::record_household_visit(
        &s,
        &cadre,
        poor.household.code.as_str(),
        &VisitForm {
            visited_on: "2026-11-05".into(),
            visitors: "张帮扶".into(),
            findings: "生活正常".into(),
            ..VisitForm::default()
        },
        Vec::new(),
        d(2026, 11, 23),
    )
    .await
    .unwrap();
    let list = work_list(&s, &cadre, d(2026, 11, 23)).await.unwrap();
    assert_eq!(
        owed(&list)
            .iter()
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>(),
        ["脱贫户走访：漏访2期（3月、8月）"]
    );
    let hv = dixian_app::monitoring::household_visits(
        &s,
        &town,
        &poor.household.code,
        true,
        d(2026, 11, 23),
    )
    .await
    .unwrap();
    assert_eq!(hv.months, vec![3, 8, 11]);
    assert_eq!(hv.periods[2].visited, Some(d(2026, 11, 5)));

    let view = case_view(&s, &town, id, d(2026, 11, 23)).await.unwrap();
    assert_eq!(view.visits.len(), 2);
    assert_eq!(view.visits[1].photos.len(), 1);
    assert_eq!(view.visit_periods.len(), 5);
    assert_eq!(
        view.visit_periods
            .iter()
            .filter(|p| p.missed(d(2026, 11, 23)))
            .count(),
        2
    );
}

#[tokio::test]
async fn a_campaign_file_of_leads_goes_in_whole_or_not_at_all() {
    let (_d, s, record) = county().await;
    let town = as_role(Role::TownReviewer, "500299101000");
    let code = record.household.code.as_str();
    let bad = format!(
        "2026年集中排查线索\n村代码,户编号,发现渠道,来源,发现的困难或风险*,风险类型,发现日期,佐证情况\n\
         500299101201,{code},基层干部排查,工作队,务工受伤,因意外事故,2026-11-02,\n\
         500299101299,,,工作队,,因病、吃不饱,2026-12-01,\n\
         ,,微信,,,,,\n"
    );
    let import = |bytes: String, dry: bool| {
        let s = &s;
        let town = &town;
        async move {
            dixian_app::monitoring::lead_import::import_leads(
                s,
                town,
                "排查.csv",
                bytes.as_bytes(),
                dry,
                d(2026, 11, 23),
            )
            .await
            .unwrap()
        }
    };
    let report = import(bad, false).await;
    let said: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(report.rows, 3);
    assert_eq!(report.created, 0);
    for expected in [
        "第4行“发现的困难或风险”：必须填写",
        "第4行“发现日期”：2026-12-01晚于今天",
        "第5行“村代码”：请填写村代码或户编号",
        "第5行“发现渠道”：“微信”不是发现渠道",
    ] {
        assert!(said.iter().any(|p| p == expected), "{expected}: {said:?}");
    }
    assert!(
        s.leads(&town, &dixian_store::LeadFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    let good = format!(
        "村代码,户编号,发现渠道,来源,发现的困难或风险,风险类型,发现日期,佐证情况\n\
         500299101201,{code},基层干部排查,工作队,务工受伤,因意外事故、缺劳动力,2026-11-02,诊断书\n\
         500299101202,,热线电话,12317工单88,独居老人生病,01,,\n"
    );
    let dry = import(good.clone(), true).await;
    assert_eq!((dry.rows, dry.created, dry.problems.len()), (2, 0, 0));
    let done = import(good, false).await;
    assert_eq!((done.created, done.attached), (2, 0));
    let leads = s
        .leads(&town, &dixian_store::LeadFilter::default())
        .await
        .unwrap();
    assert_eq!(leads.len(), 2);
    let first = leads.iter().find(|l| l.household.is_some()).unwrap();
    assert_eq!(first.hardships, vec!["05".to_string(), "08".to_string()]);
    assert_eq!(first.received_on, d(2026, 11, 2));
    let hotline = leads.iter().find(|l| l.household.is_none()).unwrap();
    assert_eq!(hotline.channel, dixian_domain::monitoring::Channel::Hotline);
    assert_eq!(hotline.received_on, d(2026, 11, 23), "empty date: today");
    // The template is its header alone: read back, its header is found and the file is
    // refused as having no rows, not as malformed (a dry run).
    let template =
        dixian_app::monitoring::lead_import::template(dixian_app::sheet::FileKind::Xlsx).unwrap();
    let r = dixian_app::monitoring::lead_import::import_leads(
        &s,
        &town,
        "模板.xlsx",
        &template,
        true,
        d(2026, 11, 23),
    )
    .await
    .unwrap();
    assert_eq!(r.rows, 0);
    assert_eq!(
        r.problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["文件“模板.xlsx”表头下没有数据行"]
    );
}

/// A county pack from 2027 that renames the categories (a province merging or renaming them
/// would write the same).
const RENAMING_PACK: &str = r#"
[pack]
id = "qingshan-2027-categories"
title = "青山县对象类别更名（测试）"
level = "县"
region = "500299000000"
effective_from = 2027-01-01

[[codes.object_category]]
code = "01"
name = "防止返贫致贫对象（脱贫户）"
household_types = ["脱贫户"]

[[codes.object_category]]
code = "02"
name = "防止返贫致贫对象（一般农户）"
household_types = ["一般农户"]

[sources]
"codes.object_category" = "县定默认值：测试用"
"#;

#[tokio::test]
async fn a_case_keeps_the_category_name_it_was_identified_under() {
    let (_d, s, record) = county().await;
    let id = include(&s, &record, d(2026, 6, 2)).await;
    initialize(&s, &sys(), &[], &[file("rename.toml", RENAMING_PACK)])
        .await
        .unwrap();
    let town = as_role(Role::TownReviewer, "500299101000");
    let view = case_view(&s, &town, id, d(2027, 3, 1)).await.unwrap();
    assert_eq!(view.file.summary.case.category.as_deref(), Some("02"));
    // Today's pack calls 02 something else; the case keeps 2026's name.
    assert_eq!(
        dixian_domain::monitoring::category_name(&view.policy, "02"),
        "防止返贫致贫对象（一般农户）"
    );
    assert_eq!(view.category_name.as_deref(), Some("边缘易致贫户"));
    // So does its row of the county's ledger made today.
    let county = as_role(Role::CountyAdmin, "500299000000");
    let ledger = dixian_app::ledgers::build(
        &s,
        &county,
        dixian_app::ledgers::LedgerKind::Monitored,
        &DivisionCode::parse("500299000000").unwrap(),
        None,
        d(2027, 3, 1),
    )
    .await
    .unwrap();
    let column = ledger
        .table
        .columns
        .iter()
        .position(|(name, _)| *name == "对象类别")
        .expect("a category column");
    let row = ledger
        .table
        .rows
        .iter()
        .find(|r| {
            r.iter().any(|c| {
                matches!(c, dixian_app::workbook::Cell::Text(t) if t == record.household.code.as_str())
            })
        })
        .expect("the case's row");
    assert!(
        matches!(&row[column], dixian_app::workbook::Cell::Text(t) if t == "边缘易致贫户"),
        "{:?}",
        row[column]
    );
    // A new case of this 一般农户 is offered the category that fits it.
    let mut other = record.clone();
    other.household.code = HouseholdCode::new(&other.household.village, 7).unwrap();
    other.members = vec![member(30, Relation::Head), member(31, Relation::Spouse)];
    s.insert_households(&sys(), std::slice::from_ref(&other))
        .await
        .unwrap();
    let village = as_role(Role::VillageOfficer, "500299101201");
    let lead = report_lead(
        &s,
        &village,
        &LeadForm {
            village: "500299101201".into(),
            household: other.household.code.as_str().into(),
            channel: "cadre_survey".into(),
            reason: "务工受伤".into(),
            received_on: "2027-03-01".into(),
            ..LeadForm::default()
        },
        d(2027, 3, 1),
    )
    .await
    .unwrap();
    let new_case = accept_lead(&s, &town, lead.id, "", d(2027, 3, 1))
        .await
        .unwrap();
    let view = case_view(&s, &town, new_case, d(2027, 3, 1)).await.unwrap();
    assert_eq!(view.suggested_category.as_deref(), Some("02"));
    assert_eq!(view.category_name, None);
}

#[tokio::test]
async fn cases_are_assigned_a_cadre_in_bulk_and_exported_in_words() {
    let (_d, s, a) = county().await;
    let code = |c: &str| DivisionCode::parse(c).unwrap();
    dixian_app::accounts::ensure_demo_accounts(
        &s,
        &dixian_app::accounts::Argon2id::cheap_for_tests(),
        &sys(),
        code("500299000000"),
        code("500299101000"),
        code("500299101201"),
    )
    .await
    .unwrap();
    let b = HouseholdRecord {
        household: Household {
            code: HouseholdCode::new(&code("500299101201"), 2).unwrap(),
            address: "石桥村9号".into(),
            ..a.household.clone()
        },
        members: vec![member(14, Relation::Head)],
        ..a.clone()
    };
    s.insert_households(&sys(), std::slice::from_ref(&b))
        .await
        .unwrap();
    let first = include(&s, &a, d(2026, 6, 2)).await;
    let second = include(&s, &b, d(2026, 6, 2)).await;
    let town = as_role(Role::TownReviewer, "500299101000");
    let cadre = s.user_by_username("cadre").await.unwrap().unwrap();
    let version = |id: i64| {
        let s = &s;
        let town = &town;
        async move {
            case_view(s, town, id, d(2026, 6, 20))
                .await
                .unwrap()
                .file
                .summary
                .case
                .version
        }
    };
    let form = CadreForm {
        cadre: cadre.id.to_string(),
        unit: "区农业农村委".into(),
        political: "群众".into(),
        start: "2026-06-20".into(),
        ..CadreForm::default()
    };
    // Nothing ticked and no cadre: both named at once, beside their fields.
    let e = dixian_app::monitoring::assign_cadres(
        &s,
        &town,
        &[],
        &CadreForm::default(),
        d(2026, 6, 20),
    )
    .await
    .unwrap_err();
    let AppError::Fields(fields) = e else {
        panic!("{e:?}")
    };
    assert_eq!(
        fields.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
        ["ids", "cadre"]
    );
    // One case as the list showed it, the other handled since (an old version): the first
    // is assigned, the second named, not overwritten.
    let v1 = version(first).await;
    let v2 = version(second).await;
    let done = dixian_app::monitoring::assign_cadres(
        &s,
        &town,
        &[(first, v1), (second, v2 - 1)],
        &form,
        d(2026, 6, 20),
    )
    .await
    .unwrap();
    assert_eq!(done.decided, vec![(first, Some(first))]);
    assert_eq!(done.refused.len(), 1);
    assert_eq!(
        done.refused,
        vec![(
            second,
            "列表打开后已被他人办理，未指派（请重新打开列表再勾选）".to_string()
        )]
    );
    let file = case_view(&s, &town, first, d(2026, 6, 20)).await.unwrap();
    assert!(file.file.summary.has_cadre);
    assert!(
        !case_view(&s, &town, second, d(2026, 6, 20))
            .await
            .unwrap()
            .file
            .summary
            .has_cadre
    );

    // The list as a file, searched by a member's name: the category by its pack's name, the
    // risk types by theirs, audited with the search; a village officer may not export.
    let filter = dixian_store::CaseFilter {
        text: "村民14".into(),
        ..dixian_store::CaseFilter::default()
    };
    let csv = dixian_app::monitoring::case_export::export_cases(&s, &town, &filter, d(2026, 6, 20))
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].starts_with("\u{feff}案件,户编号,户主"));
    assert!(lines[1].contains(b.household.code.as_str()), "{}", lines[1]);
    assert!(lines[1].contains("村民14") && lines[1].contains("监测帮扶中"));
    assert!(lines[1].contains("未明确"), "{}", lines[1]);
    assert!(
        !lines[1].contains(",02,"),
        "category as a name: {}",
        lines[1]
    );
    let audit = s
        .audit_records(&sys(), &dixian_store::AuditFilter::after(0, 1000))
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|r| r.action == "case.export" && r.detail.contains("村民14")),
        "{audit:?}"
    );
    let village = as_role(Role::VillageOfficer, "500299101201");
    let e =
        dixian_app::monitoring::case_export::export_cases(&s, &village, &filter, d(2026, 6, 20))
            .await
            .unwrap_err();
    assert!(
        matches!(e, AppError::Store(dixian_store::StoreError::Forbidden)),
        "{e:?}"
    );
}
