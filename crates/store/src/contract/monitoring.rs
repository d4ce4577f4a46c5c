//! Contract checks of leads, cases and attachments.

use super::{actor_as, designate, id, load_divisions, new_user, record, sys};
use crate::files::MAX_ATTACHMENT_BYTES;
use crate::visits::VisitFilter;
use crate::{
    Applicant, AuditFilter, CaseFilter, CaseHistory, HistoryStep, LeadFilter, NewAttachment,
    NewLead, StepEffect, Store, StoreError,
};
use chrono::NaiveDate;
use dixian_domain::access::{Actor, Role};
use dixian_domain::assurance::{Assurance, HousingRating};
use dixian_domain::calendar::WorkCalendar;
use dixian_domain::division::DivisionCode;
use dixian_domain::monitoring::{
    Action, AttachmentKind, Case, CaseState, Channel, Context, HouseholdFacts, LeadStatus, Measure,
    MeasureStatus, Outcome, Verification, open, transition,
};
use dixian_domain::policy::{Policy, builtin_set};
use dixian_domain::registry::{HouseholdRecord, Income};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn village(s: &str) -> DivisionCode {
    DivisionCode::parse(s).unwrap()
}

fn policy() -> Policy {
    builtin_set()
        .unwrap()
        .resolve(&village("500299101201"), d(2026, 9, 29))
        .unwrap()
}

fn lead(v: &str, household: Option<&HouseholdRecord>, channel: Channel) -> NewLead {
    NewLead {
        village: village(v),
        household: household.map(|r| r.household.code.clone()),
        channel,
        source: "石桥村网格员".into(),
        reason: "户主突发重病住院".into(),
        evidence: "住院发票".into(),
        hardships: vec!["01".into()],
        received_on: d(2026, 9, 28),
        applicant: None,
        tracking_code: None,
    }
}

/// A self-declaration (自主申报) by the head of the 青龙村 household of [`setup`], named by
/// ID number only, with `tracking` as its tracking code.
fn declared_by_c(tracking: &str) -> NewLead {
    let mut own = lead("500299101202", None, Channel::SelfDeclared);
    own.applicant = Some(Applicant {
        name: "成员0残".into(),
        id_number: id(3),
        phone: Some("13912345678".into()),
    });
    own.tracking_code = Some(tracking.into());
    own
}

/// Two households in 石桥村 and one in 青龙村, registered.
async fn setup(store: &dyn Store) -> (HouseholdRecord, HouseholdRecord, HouseholdRecord) {
    load_divisions(store).await;
    let a = record("500299101201", 1, &[id(1), id(2)]);
    let b = record("500299101201", 2, &[id(4)]);
    let c = record("500299101202", 1, &[id(3)]);
    store
        .insert_households(&sys(), &[a.clone(), b.clone(), c.clone()])
        .await
        .unwrap();
    (a, b, c)
}

fn opened(r: &HouseholdRecord) -> Outcome {
    open(
        &policy(),
        &WorkCalendar::builtin(),
        r.household.code.clone(),
        d(2026, 9, 28),
        d(2026, 9, 29),
    )
    .unwrap()
}

pub async fn monitoring_leads(store: &dyn Store) {
    let (a, _, c) = setup(store).await;
    let village_officer = actor_as(Role::VillageOfficer, "500299101201");
    let town = actor_as(Role::TownReviewer, "500299101000");
    let made = store
        .create_lead(
            &village_officer,
            &lead("500299101201", Some(&a), Channel::CadreSurvey),
        )
        .await
        .unwrap();
    assert_eq!(made.household.as_ref(), Some(&a.household.code));
    assert_eq!(made.attached_to, None);

    // A self-declaration finds its household by the applicant's ID number.
    let public = Actor::system("农户自主申报");
    let own = declared_by_c("SB2026ABCDEF");
    let declared = store.create_lead(&public, &own).await.unwrap();
    assert_eq!(declared.household.as_ref(), Some(&c.household.code));
    // An unregistered applicant's lead waits without a household.
    let mut stranger = own.clone();
    stranger.village = village("500299101201");
    stranger.applicant = Some(Applicant {
        name: "外来户".into(),
        id_number: id(50),
        phone: None,
    });
    stranger.tracking_code = Some("SB2026XYZXYZ".into());
    let unmatched = store.create_lead(&public, &stranger).await.unwrap();
    assert_eq!(unmatched.household, None);
    // The tracking code is unique.
    let again = store.create_lead(&public, &stranger).await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict(_)), "{again:?}");

    // Status needs the code and the ID number together.
    let status = store
        .public_lead_status("SB2026ABCDEF", &id(3))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.status, LeadStatus::Pending);
    assert_eq!(status.received_on, d(2026, 9, 28));
    assert!(
        store
            .public_lead_status("SB2026ABCDEF", &id(1))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .public_lead_status("SB2026ABCDEG", &id(3))
            .await
            .unwrap()
            .is_none()
    );

    // Scope: the village sees its own two; the town all three.
    let mine = store
        .leads(&village_officer, &LeadFilter::default())
        .await
        .unwrap();
    assert_eq!(mine.len(), 2);
    let all = store.leads(&town, &LeadFilter::default()).await.unwrap();
    assert_eq!(all.len(), 3);
    // The list's filters and paging, and their count, on every backend.
    let found = async |f: LeadFilter| {
        let rows = store.leads(&town, &f).await.unwrap();
        let total = store.count_leads(&town, &f).await.unwrap();
        let mut ids: Vec<i64> = rows.iter().map(|l| l.id).collect();
        ids.sort_unstable();
        (ids, total)
    };
    assert_eq!(found(LeadFilter::default()).await.1, 3);
    let self_declared = found(LeadFilter {
        channel: Some(Channel::SelfDeclared),
        ..LeadFilter::default()
    })
    .await;
    assert_eq!(self_declared, (vec![declared.id, unmatched.id], 2));
    let by_applicant = found(LeadFilter {
        text: "外来户".into(),
        ..LeadFilter::default()
    })
    .await;
    assert_eq!(by_applicant, (vec![unmatched.id], 1));
    let by_code = found(LeadFilter {
        text: a.household.code.as_str().into(),
        ..LeadFilter::default()
    })
    .await;
    assert_eq!(by_code, (vec![made.id], 1));
    // An ID number finds a member's household or an applicant, by its blind index only.
    let by_member = found(LeadFilter {
        id_number: Some(id(1)),
        ..LeadFilter::default()
    })
    .await;
    assert_eq!(by_member, (vec![made.id], 1));
    let by_applicant_id = found(LeadFilter {
        id_number: Some(id(50)),
        ..LeadFilter::default()
    })
    .await;
    assert_eq!(by_applicant_id, (vec![unmatched.id], 1));
    let later = found(LeadFilter {
        from: Some(d(2026, 9, 29)),
        ..LeadFilter::default()
    })
    .await;
    assert_eq!(later, (vec![], 0));
    let within_days = found(LeadFilter {
        from: Some(d(2026, 9, 28)),
        until: Some(d(2026, 9, 28)),
        within: Some(village("500299101202")),
        ..LeadFilter::default()
    })
    .await;
    assert_eq!(within_days, (vec![declared.id], 1));
    // By the village's designation (认定), counted the same way.
    designate(store, "500299101202", "key_village", None).await;
    let mut keyed: Vec<i64> = all
        .iter()
        .filter(|l| l.village == village("500299101202"))
        .map(|l| l.id)
        .collect();
    keyed.sort_unstable();
    assert!(!keyed.is_empty() && keyed.len() < all.len());
    let n = i64::try_from(keyed.len()).unwrap();
    let by = |kind: &str| LeadFilter {
        designation: Some((kind.to_string(), d(2026, 10, 1))),
        ..LeadFilter::default()
    };
    assert_eq!(found(by("key_village")).await, (keyed, n));
    assert_eq!(found(by("key_town")).await, (vec![], 0));
    let second_page = store
        .leads(
            &town,
            &LeadFilter {
                limit: 2,
                offset: 2,
                ..LeadFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(second_page.len(), 1);
    assert!(!all[..2].iter().any(|l| l.id == second_page[0].id));
    // The village officer's scope holds for an ID number of another village.
    let elsewhere = LeadFilter {
        id_number: Some(id(3)),
        ..LeadFilter::default()
    };
    assert!(
        store
            .leads(&village_officer, &elsewhere)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .count_leads(&village_officer, &elsewhere)
            .await
            .unwrap(),
        0
    );
    let shown = all.iter().find(|l| l.id == declared.id).unwrap();
    assert_eq!(
        shown.applicant_id_masked.as_deref(),
        Some(id(3).masked().as_str())
    );
    assert_eq!(shown.applicant_phone_masked.as_deref(), Some("139****5678"));
    assert_eq!(shown.channel, Channel::SelfDeclared);
    let other_village = actor_as(Role::VillageOfficer, "500299101202");
    assert_eq!(store.lead(&other_village, made.id).await.unwrap(), None);
    let viewer = actor_as(Role::Viewer, "500299101000");
    assert_eq!(
        store
            .leads(&viewer, &LeadFilter::default())
            .await
            .unwrap_err(),
        StoreError::Forbidden
    );
    assert_eq!(
        store
            .create_lead(
                &other_village,
                &lead("500299101201", Some(&a), Channel::Hotline)
            )
            .await
            .unwrap_err(),
        StoreError::Forbidden
    );
    let mut wrong = lead("500299101202", Some(&a), Channel::Hotline);
    wrong.village = village("500299101202");
    let e = store.create_lead(&town, &wrong).await.unwrap_err();
    assert!(e.to_string().contains("不属于所选村"), "{e}");
    let mut empty = lead("500299101201", Some(&a), Channel::Hotline);
    empty.reason = "  ".into();
    let e = store.create_lead(&town, &empty).await.unwrap_err();
    assert!(e.to_string().contains("请填写线索内容"), "{e}");

    // A campaign's leads go in all together or not at all.
    let before = store
        .leads(&town, &LeadFilter::default())
        .await
        .unwrap()
        .len();
    let mut survey = lead("500299101201", Some(&a), Channel::CadreSurvey);
    survey.reason = "集中排查：务工收入减少".into();
    let mut stray = lead("500299101201", Some(&c), Channel::CadreSurvey);
    stray.village = village("500299101201");
    let e = store
        .create_leads(&town, &[survey.clone(), stray])
        .await
        .unwrap_err();
    assert!(e.to_string().starts_with("第2条线索："), "{e}");
    assert_eq!(
        store
            .leads(&town, &LeadFilter::default())
            .await
            .unwrap()
            .len(),
        before
    );
    let made_many = store
        .create_leads(
            &town,
            &[
                survey.clone(),
                lead("500299101202", Some(&c), Channel::CadreSurvey),
            ],
        )
        .await
        .unwrap();
    assert_eq!(made_many.len(), 2);
    assert_eq!(made_many[1].household.as_ref(), Some(&c.household.code));
    assert_eq!(
        store
            .leads(&town, &LeadFilter::default())
            .await
            .unwrap()
            .len(),
        before + 2
    );
    for m in &made_many {
        store
            .decline_lead(&town, m.id, d(2026, 9, 30), "重复登记，已合并")
            .await
            .unwrap();
    }

    // Acceptance opens the case; a lead is decided only once.
    let case_id = store
        .accept_lead(&town, made.id, &a.household.code, &opened(&a))
        .await
        .unwrap();
    let e = store
        .accept_lead(&town, made.id, &a.household.code, &opened(&a))
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("当前为“已受理”，不能再次办理"),
        "{e}"
    );
    let accepted = store.lead(&town, made.id).await.unwrap().unwrap();
    assert_eq!(accepted.status, LeadStatus::Accepted);
    assert_eq!(accepted.case_id, Some(case_id));
    assert_eq!(accepted.decided_on, Some(d(2026, 9, 29)));

    // A later lead for the same household joins the open case.
    let mut tip = lead("500299101201", Some(&a), Channel::Screening);
    tip.source = "医保局：住院自付超过5000元".into();
    tip.received_on = d(2026, 10, 9);
    let joined = store.create_lead(&town, &tip).await.unwrap();
    assert_eq!(joined.attached_to, Some(case_id));
    let file = store.case_file(&town, case_id).await.unwrap().unwrap();
    assert_eq!(file.leads.len(), 2);
    assert_eq!(file.events.len(), 2);
    assert_eq!(file.events[1].event.comment, "户主突发重病住院");
    assert!(
        file.events[1]
            .event
            .details
            .contains(&("发现渠道".to_string(), "部门筛查预警".to_string()))
    );

    // Declining tells the applicant why.
    let e = store
        .decline_lead(&town, unmatched.id, d(2026, 9, 30), "")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("不予受理的理由"), "{e}");
    store
        .decline_lead(
            &town,
            unmatched.id,
            d(2026, 9, 30),
            "经核实申报人不是本村农户",
        )
        .await
        .unwrap();
    let status = store
        .public_lead_status("SB2026XYZXYZ", &id(50))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.status, LeadStatus::Declined);
    assert_eq!(
        status.decision_note.as_deref(),
        Some("经核实申报人不是本村农户")
    );
    let pending = store
        .leads(
            &town,
            &LeadFilter {
                status: Some(LeadStatus::Pending),
                ..LeadFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].id, declared.id);
}

fn step(case: &Case, r: &HouseholdRecord, role: Role, on: NaiveDate, action: Action) -> Outcome {
    let policy = policy();
    let cal = WorkCalendar::builtin();
    let facts = HouseholdFacts::from(r);
    let ctx = Context {
        policy: &policy,
        calendar: &cal,
        on,
        role: Some(role),
        household: &facts,
        measures: 0,
    };
    transition(case, &action, &ctx).unwrap()
}

fn approve() -> Action {
    Action::Approve {
        comment: "同意".into(),
        category: None,
        risk_types: Vec::new(),
    }
}

pub async fn monitoring_cases(store: &dyn Store) {
    let (a, b, _) = setup(store).await;
    let village_officer = actor_as(Role::VillageOfficer, "500299101201");
    let town = actor_as(Role::TownReviewer, "500299101000");
    let county = actor_as(Role::CountyAdmin, "500299000000");
    let made = store
        .create_lead(
            &village_officer,
            &lead("500299101201", Some(&a), Channel::CadreSurvey),
        )
        .await
        .unwrap();
    let case_id = store
        .accept_lead(&town, made.id, &a.household.code, &opened(&a))
        .await
        .unwrap();
    let current = |who: Actor| async move {
        store
            .case_file(&who, case_id)
            .await
            .unwrap()
            .unwrap()
            .summary
            .case
    };
    let case = current(town.clone()).await;
    assert_eq!(case.state, CaseState::Verifying);
    assert_eq!(case.identification_due, d(2026, 10, 13));
    assert_eq!(case.due_on, Some(d(2026, 10, 12)));

    // A list by the village's designation (认定): its own, or its town's; an ended one not.
    designate(store, "500299101000", "key_town", None).await;
    designate(
        store,
        "500299101201",
        "tuopin_village",
        Some(d(2025, 12, 31)),
    )
    .await;
    let by = |kind: &str| CaseFilter {
        designation: Some((kind.to_string(), d(2026, 10, 1))),
        ..CaseFilter::default()
    };
    let ids = |list: Vec<crate::CaseSummary>| list.iter().map(|c| c.case.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.cases(&town, &by("key_town")).await.unwrap()),
        vec![case_id]
    );
    assert!(
        store
            .cases(&town, &by("tuopin_village"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .cases(&town, &by("key_village"))
            .await
            .unwrap()
            .is_empty()
    );
    let households = |kind: &str| {
        let f = crate::HouseholdFilter {
            designation: Some((kind.to_string(), d(2026, 10, 1))),
            limit: 100,
            ..crate::HouseholdFilter::default()
        };
        let town = town.clone();
        async move { store.households(&town, &f).await.unwrap() }
    };
    let in_key_town = households("key_town").await;
    let all_in_town = store
        .households(
            &town,
            &crate::HouseholdFilter {
                limit: 100,
                ..crate::HouseholdFilter::default()
            },
        )
        .await
        .unwrap();
    assert!(in_key_town.total > 0);
    assert_eq!(
        in_key_town.total, all_in_town.total,
        "the whole town is key-assisted"
    );
    assert_eq!(households("tuopin_village").await.total, 0);

    // Attachments are sealed, size-limited, read back whole and audited.
    let consent = NewAttachment {
        kind: AttachmentKind::Consent,
        name: "承诺授权书.jpg".into(),
        content_type: "image/jpeg".into(),
        bytes: vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3],
    };
    let att = store
        .add_attachment(&village_officer, case_id, &consent)
        .await
        .unwrap();
    let (meta, bytes) = store
        .attachment(&town, case_id, att)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bytes, consent.bytes);
    assert_eq!(meta.kind, AttachmentKind::Consent);
    assert_eq!(meta.size, 7);
    let mut big = consent.clone();
    big.bytes = vec![0; MAX_ATTACHMENT_BYTES + 1];
    let e = store
        .add_attachment(&village_officer, case_id, &big)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("超过8 MB上限"), "{e}");
    let mut empty = consent.clone();
    empty.bytes.clear();
    assert!(
        store
            .add_attachment(&village_officer, case_id, &empty)
            .await
            .is_err()
    );
    // Outside the area a case and its files answer as missing ones do (no existence oracle);
    // a viewer sees that files exist but cannot open them.
    let outsider = actor_as(Role::TownReviewer, "500299102000");
    assert_eq!(
        store.attachment(&outsider, case_id, att).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .attachment(&outsider, case_id, att + 1000)
            .await
            .unwrap(),
        None
    );
    let viewer = actor_as(Role::Viewer, "500299101000");
    assert_eq!(
        store.attachment(&viewer, case_id, att).await.unwrap_err(),
        StoreError::Forbidden
    );
    assert!(store.case_file(&outsider, case_id).await.unwrap().is_none());
    assert!(
        store
            .attachment(&town, case_id, att + 100)
            .await
            .unwrap()
            .is_none()
    );

    // A step is recorded once; replaying the same step is a conflict.
    let v = Verification {
        visited_on: Some(d(2026, 9, 30)),
        verifiers: vec!["王村干".into(), "李镇干".into()],
        consent_attachment: Some(att),
        risk_types: vec!["01".into()],
        category: Some("01".into()),
        findings: "住院".into(),
        ..Verification::default()
    };
    let verified = step(
        &case,
        &a,
        Role::VillageOfficer,
        d(2026, 9, 30),
        Action::Verify(Box::new(v)),
    );
    store
        .record_step(&village_officer, &verified)
        .await
        .unwrap();
    let e = store
        .record_step(&village_officer, &verified)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    // Outside the area a step answers as on a case that does not exist.
    assert_eq!(
        store.record_step(&outsider, &verified).await.unwrap_err(),
        StoreError::Invalid(format!("案件#{case_id}不存在"))
    );
    let case = current(town.clone()).await;
    assert_eq!(case, verified.case);
    assert_eq!(case.risk_types, vec!["01".to_string()]);

    // Lists: by state, and overdue on a date.
    let in_deliberation = store
        .cases(
            &town,
            &CaseFilter {
                states: vec![CaseState::Deliberation],
                ..CaseFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(in_deliberation.len(), 1);
    assert_eq!(in_deliberation[0].head_name, "成员0残");
    assert_eq!(in_deliberation[0].village_name, "石桥村");
    let overdue = |on| CaseFilter {
        overdue_on: Some(on),
        ..CaseFilter::default()
    };
    assert_eq!(
        store
            .cases(&town, &overdue(d(2026, 10, 13)))
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        store
            .cases(&town, &overdue(d(2026, 10, 14)))
            .await
            .unwrap()
            .len(),
        1
    );
    // The facts of the households with a case in an area, as their records give them; an
    // area outside the scope refused.
    let town_code = DivisionCode::parse("500299101000").unwrap();
    assert_eq!(
        store.case_household_facts(&town, &town_code).await.unwrap(),
        vec![dixian_domain::monitoring::HouseholdFacts::from(&a)]
    );
    assert!(
        store
            .case_household_facts(&town, &DivisionCode::parse("500299101202").unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .case_household_facts(&town, &DivisionCode::parse("500299102000").unwrap())
            .await,
        Err(StoreError::Forbidden)
    );
    // The area's cases bare, as their files have them; an area outside the scope refused.
    assert_eq!(
        store.area_cases(&town, &town_code).await.unwrap(),
        vec![current(town.clone()).await]
    );
    assert_eq!(
        store
            .area_cases(&town, &DivisionCode::parse("500299102000").unwrap())
            .await,
        Err(StoreError::Forbidden)
    );
    // Searched by a member's name or part of the household code, and by a member's ID
    // number (its blind index); LIKE's own characters are not wildcards.
    let search = |text: &str, id_number: Option<dixian_domain::id_number::IdNumber>| CaseFilter {
        text: text.into(),
        id_number,
        ..CaseFilter::default()
    };
    let town_ref = &town;
    let found = |f: CaseFilter| async move {
        store
            .cases(town_ref, &f)
            .await
            .unwrap()
            .iter()
            .map(|c| c.case.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(found(search("成员0", None)).await, vec![case_id]);
    assert_eq!(found(search("_员0", None)).await, vec![case_id]);
    assert!(found(search("无此人", None)).await.is_empty());
    assert_eq!(
        found(search(&a.household.code.as_str()[8..], None)).await,
        vec![case_id]
    );
    assert_eq!(found(search("", Some(id(2)))).await, vec![case_id]);
    assert!(found(search("", Some(id(4)))).await.is_empty());
    assert!(found(search("成员0", Some(id(4)))).await.is_empty());
    // A cadre sees the cases of assigned households only.
    let uid = store
        .create_user(
            &sys(),
            &new_user("cadre", Role::AssistanceCadre, "500299101201"),
        )
        .await
        .unwrap();
    let cadre = Actor {
        user_id: Some(uid),
        ..actor_as(Role::AssistanceCadre, "500299101201")
    };
    assert!(
        store
            .cases(&cadre, &CaseFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    store
        .assign_cadre(&town, &a.household.code, cadre.user_id.unwrap(), true)
        .await
        .unwrap();
    let seen = store.cases(&cadre, &CaseFilter::default()).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].has_cadre);
    // The other household's case is not the cadre's.
    let other = store
        .create_lead(
            &village_officer,
            &lead("500299101201", Some(&b), Channel::Hotline),
        )
        .await
        .unwrap();
    let other_case = store
        .accept_lead(&town, other.id, &b.household.code, &opened(&b))
        .await
        .unwrap();
    assert!(store.case_file(&cadre, other_case).await.unwrap().is_none());
    // Whole-area reads give a cadre the assigned household only; the town both.
    let village_code = DivisionCode::parse("500299101201").unwrap();
    let ids = |cases: Vec<dixian_domain::monitoring::Case>| {
        cases.iter().map(|c| c.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(store.area_cases(&cadre, &village_code).await.unwrap()),
        vec![case_id]
    );
    assert_eq!(
        ids(store.area_cases(&town, &village_code).await.unwrap()),
        vec![case_id, other_case]
    );
    let facts = |who: &Actor| {
        let who = who.clone();
        async move {
            store
                .case_household_facts(&who, &village_code)
                .await
                .unwrap()
                .into_iter()
                .map(|f| f.code)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(facts(&cadre).await, vec![a.household.code.clone()]);
    // As the records give them, by code: members in registration order, incomes, and the
    // 三保障 check (`record` gives odd households one, even ones none); a viewer may read
    // them (nothing is decrypted), a department officer may not.
    let expected: Vec<dixian_domain::monitoring::HouseholdFacts> = [&a, &b]
        .into_iter()
        .map(dixian_domain::monitoring::HouseholdFacts::from)
        .collect();
    assert_eq!(
        store
            .case_household_facts(&town, &village_code)
            .await
            .unwrap(),
        expected
    );
    assert!(expected[0].assurance.is_some() && expected[1].assurance.is_none());
    assert_eq!(expected[0].members.len(), 2);
    let viewer = actor_as(Role::Viewer, "500299101000");
    assert_eq!(
        store
            .case_household_facts(&viewer, &village_code)
            .await
            .unwrap(),
        expected
    );
    assert_eq!(
        store
            .case_household_facts(
                &actor_as(Role::DepartmentOfficer, "500299000000"),
                &village_code
            )
            .await,
        Err(StoreError::Forbidden)
    );

    // Through to inclusion: the household becomes a 监测对象, with its history.
    let mut case = case;
    for (role, on, action) in [
        (
            Role::VillageOfficer,
            d(2026, 10, 8),
            Action::Deliberate(dixian_domain::monitoring::Deliberation {
                held_on: d(2026, 10, 8),
                attendees: 21,
                agreed: true,
                note: String::new(),
                notice_from: d(2026, 10, 8),
                overrides: Vec::new(),
            }),
        ),
        (Role::VillageOfficer, d(2026, 10, 13), Action::EndNotice),
        (Role::TownReviewer, d(2026, 10, 13), approve()),
        (Role::CountyAdmin, d(2026, 10, 13), approve()),
    ] {
        let who = match role {
            Role::VillageOfficer => &village_officer,
            Role::TownReviewer => &town,
            _ => &county,
        };
        let o = step(&case, &a, role, on, action);
        store.record_step(who, &o).await.unwrap();
        case = o.case;
    }
    assert_eq!(case.state, CaseState::Monitored);
    let detail = store
        .household(&town, &a.household.code)
        .await
        .unwrap()
        .unwrap();
    assert!(detail.summary.monitored);
    let history = store
        .household_events(&town, &a.household.code)
        .await
        .unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.changes[0].field, "监测对象");
    assert_eq!(last.reason, format!("审核通过（案件#{case_id}）"));
    let file = store.case_file(&town, case_id).await.unwrap().unwrap();
    let actions: Vec<&str> = file.events.iter().map(|e| e.event.action.code()).collect();
    assert_eq!(
        actions,
        vec![
            "open",
            "verify",
            "deliberate",
            "end_notice",
            "approve",
            "approve"
        ]
    );
    assert_eq!(file.events[5].actor, county.name);
    assert_eq!(file.events[5].event.on_time(), Some(true));
    // A monitored case stays open: new leads join it.
    assert!(file.summary.case.state.is_open());

    // Assistance: the cadre and a measure go in with their history entries, atomically.
    let cadres = store.assistance_cadres(&town).await.unwrap();
    assert_eq!(cadres.iter().map(|c| c.id).collect::<Vec<_>>(), vec![uid]);
    assert!(
        store
            .assistance_cadres(&actor_as(Role::Viewer, "500299101000"))
            .await
            .is_err()
    );
    let assign = |case: &Case, on| {
        step(
            case,
            &a,
            Role::TownReviewer,
            on,
            Action::AssignCadre {
                cadre: "帮扶干部".into(),
                unit: "区农业农村委".into(),
                political: "中共党员".into(),
                start: on,
            },
        )
    };
    let o = assign(&case, d(2026, 10, 20));
    let e = store
        .record_step_with(&town, &o, &StepEffect::AssignCadre { user_id: 9999 })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("不是在用的帮扶责任人账号"), "{e}");
    // The registry's assignment above released first, so the case's assignment is a new one.
    store
        .assign_cadre(&town, &a.household.code, uid, false)
        .await
        .unwrap();
    store
        .record_step_with(&town, &o, &StepEffect::AssignCadre { user_id: uid })
        .await
        .unwrap();
    // The household's care by the cadre begins on the form's 帮扶开始日期, not the day typed —
    // but not before the same cadre's period released above ended (the release takes the real
    // day): one cadre's periods with a household never overlap.
    let (now, past) = store
        .household_cadres(&town, &a.household.code)
        .await
        .unwrap();
    let released = past.first().map(|p| p.to).unwrap();
    assert_eq!(
        now.iter().map(|c| (c.user_id, c.since)).collect::<Vec<_>>(),
        vec![(uid, released.max(d(2026, 10, 20)))]
    );
    assert!(past.iter().all(|p| p.to <= now[0].since));
    let case = o.case;
    let plan = |case: &Case, change: &str| {
        step(
            case,
            &a,
            Role::TownReviewer,
            d(2026, 10, 21),
            Action::RecordPlan {
                change: change.into(),
            },
        )
    };
    let mut m = Measure {
        id: 0,
        type_code: "02".into(),
        content: "推荐到区内企业务工".into(),
        unit: "区人力社保局".into(),
        start_on: d(2026, 10, 21),
        end_on: None,
        amount: dixian_domain::money::Money::from_fen(0),
        status: MeasureStatus::Planned,
        effect: String::new(),
    };
    let o = plan(&case, "新增：就业帮扶");
    let mid = store
        .record_step_with(&town, &o, &StepEffect::PutMeasure(m.clone()))
        .await
        .unwrap()
        .unwrap();
    let case = o.case;
    let file = store.case_file(&town, case_id).await.unwrap().unwrap();
    assert_eq!(file.measures.len(), 1);
    assert_eq!(file.summary.measures, 0, "planned is not applied");
    assert!(file.summary.has_cadre);
    assert_eq!(file.summary.case.cadre_on, Some(d(2026, 10, 20)));
    assert_eq!(file.summary.case.plan_on, Some(d(2026, 10, 21)));
    // A change to a measure of another case is refused and nothing is written.
    m.id = mid + 100;
    let o = plan(&case, "调整");
    let e = store
        .record_step_with(&town, &o, &StepEffect::PutMeasure(m.clone()))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("没有措施"), "{e}");
    assert_eq!(current(town.clone()).await.version, case.version);
    m.id = mid;
    m.status = MeasureStatus::Ongoing;
    m.amount = dixian_domain::money::Money::from_fen(120_000);
    store
        .record_step_with(&town, &o, &StepEffect::PutMeasure(m.clone()))
        .await
        .unwrap();
    let file = store.case_file(&cadre, case_id).await.unwrap().unwrap();
    assert_eq!(file.summary.measures, 1);
    assert_eq!(file.measures[0], m);
    // The area's measures, for the 帮扶措施台账: scoped like the case.
    let county_wide = store.measures_within(&town, None).await.unwrap();
    assert_eq!(county_wide, vec![(case_id, m.clone())]);
    assert_eq!(
        store
            .measures_within(&town, Some(&village("500299101201")))
            .await
            .unwrap()
            .len(),
        1
    );
    let elsewhere = actor_as(Role::TownReviewer, "500299102000");
    assert!(
        store
            .measures_within(&elsewhere, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .measures_within(&elsewhere, Some(&village("500299101201")))
            .await
            .unwrap_err(),
        StoreError::Forbidden
    );

    // Timeliness: the steps with a deadline, counted per village, step and state.
    let t = store
        .step_timeliness(&town, d(2026, 1, 1), d(2026, 12, 31))
        .await
        .unwrap();
    let count = |action: &str, from: CaseState| {
        t.iter()
            .find(|r| r.action.code() == action && r.from == Some(from))
            .map(|r| (r.done, r.on_time))
    };
    assert_eq!(count("verify", CaseState::Verifying), Some((1, 1)));
    assert_eq!(count("approve", CaseState::TownReview), Some((1, 1)));
    assert_eq!(count("approve", CaseState::CountyReview), Some((1, 1)));
    assert_eq!(count("assign_cadre", CaseState::Monitored), Some((1, 1)));
    assert!(t.iter().all(|r| r.village == village("500299101201")));
    let later = store
        .step_timeliness(&town, d(2026, 10, 14), d(2026, 12, 31))
        .await
        .unwrap();
    assert!(
        later.iter().all(|r| r.action.code() != "verify"),
        "{later:?}"
    );
    assert!(
        store
            .step_timeliness(
                &actor_as(Role::TownReviewer, "500299102000"),
                d(2026, 1, 1),
                d(2026, 12, 31)
            )
            .await
            .unwrap()
            .is_empty()
    );

    let audit = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    for action in [
        "case.verify",
        "case.approve",
        "case.attach",
        "case.attachment.read",
        "lead.accept",
        "case.assign_cadre",
        "cadre.assign",
        "measure.put",
    ] {
        assert!(audit.iter().any(|r| r.action == action), "{action}");
    }
}

pub async fn visits(store: &dyn Store) {
    use crate::NewVisit;
    let (a, b, _) = setup(store).await;
    let village_officer = actor_as(Role::VillageOfficer, "500299101201");
    let town = actor_as(Role::TownReviewer, "500299101000");
    let photo = |n: u8| NewAttachment {
        kind: AttachmentKind::Photo,
        name: format!("现场{n}.jpg"),
        content_type: "image/jpeg".into(),
        bytes: vec![0xFF, 0xD8, 0xFF, n],
    };
    let mut visit = NewVisit {
        household: a.household.code.clone(),
        case_id: None,
        visited_on: d(2026, 11, 3),
        visitors: vec!["王村干".into(), " 李镇干 ".into()],
        findings: "户主已出院，在家休养".into(),
        follow_ups: "联系村医每周随访".into(),
        photos: vec![photo(1), photo(2)],
        drafts: Vec::new(),
    };
    let id = store.add_visit(&village_officer, &visit).await.unwrap();
    let list = store.visits(&town, &a.household.code).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, id);
    assert_eq!(
        list[0].visitors,
        vec!["王村干".to_string(), "李镇干".to_string()]
    );
    assert_eq!(list[0].photos.len(), 2);
    let (meta, bytes) = store
        .visit_photo(&town, id, list[0].photos[1].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (meta.name.as_str(), bytes),
        ("现场2.jpg", vec![0xFF, 0xD8, 0xFF, 2])
    );
    assert!(store.visit_photo(&town, id, 9999).await.unwrap().is_none());
    // Bad visits are refused whole.
    let mut bad = visit.clone();
    bad.photos = (0..6).map(photo).collect();
    assert!(
        store
            .add_visit(&village_officer, &bad)
            .await
            .unwrap_err()
            .to_string()
            .contains("最多5张照片")
    );
    bad.photos.clear();
    bad.findings = " ".into();
    assert!(
        store
            .add_visit(&village_officer, &bad)
            .await
            .unwrap_err()
            .to_string()
            .contains("走访发现")
    );
    bad.findings = "正常".into();
    bad.visitors = vec![" ".into()];
    assert!(
        store
            .add_visit(&village_officer, &bad)
            .await
            .unwrap_err()
            .to_string()
            .contains("走访人员")
    );
    // A case of another household is not this visit's.
    let made = store
        .create_lead(
            &village_officer,
            &lead("500299101201", Some(&b), Channel::Hotline),
        )
        .await
        .unwrap();
    let other_case = store
        .accept_lead(&town, made.id, &b.household.code, &opened(&b))
        .await
        .unwrap();
    visit.case_id = Some(other_case);
    visit.photos.clear();
    let e = store.add_visit(&village_officer, &visit).await.unwrap_err();
    assert!(e.to_string().contains("不是户"), "{e}");
    // Scope and assignment.
    let other_village = actor_as(Role::VillageOfficer, "500299101202");
    visit.case_id = None;
    assert_eq!(
        store.add_visit(&other_village, &visit).await.unwrap_err(),
        StoreError::Forbidden
    );
    let uid = store
        .create_user(
            &sys(),
            &new_user("cadre", Role::AssistanceCadre, "500299101201"),
        )
        .await
        .unwrap();
    let cadre = Actor {
        user_id: Some(uid),
        ..actor_as(Role::AssistanceCadre, "500299101201")
    };
    assert_eq!(
        store.add_visit(&cadre, &visit).await.unwrap_err(),
        StoreError::Forbidden
    );
    assert!(
        store
            .visit_dates(&cadre, d(2026, 1, 1))
            .await
            .unwrap()
            .is_empty()
    );
    store
        .assign_cadre(&town, &a.household.code, uid, true)
        .await
        .unwrap();
    visit.visited_on = d(2026, 11, 20);
    store.add_visit(&cadre, &visit).await.unwrap();
    let dates = store.visit_dates(&cadre, d(2026, 11, 10)).await.unwrap();
    assert_eq!(dates, vec![(a.household.code.clone(), d(2026, 11, 20))]);
    assert_eq!(
        store.visit_dates(&town, d(2026, 1, 1)).await.unwrap().len(),
        2
    );
    // The area's visits, for the 走访台账: newest first, photos with their visit, scoped.
    let all = store.visits_within(&town, None).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].visited_on, d(2026, 11, 20));
    assert_eq!(all[1].photos.len(), 2);
    assert_eq!(
        store.visits_within(&cadre, None).await.unwrap().len(),
        2,
        "both visits are of the cadre's household"
    );
    let elsewhere = actor_as(Role::TownReviewer, "500299102000");
    assert!(
        store
            .visits_within(&elsewhere, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .visits_within(&elsewhere, Some(&village("500299101201")))
            .await
            .unwrap_err(),
        StoreError::Forbidden
    );
    let audit = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    assert_eq!(
        audit.iter().filter(|r| r.action == "visit.create").count(),
        2
    );
    assert!(audit.iter().any(|r| r.action == "visit.photo.read"));

    // The visit list: chosen by the database, a page at a time with the total, in words.
    let all = |f: VisitFilter| VisitFilter { limit: 10, ..f };
    let first = store
        .visit_list(
            &town,
            &VisitFilter {
                limit: 1,
                ..VisitFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((first.total, first.rows.len()), (2, 1));
    assert_eq!(first.rows[0].visit.visited_on, d(2026, 11, 20));
    assert_eq!(first.rows[0].village_name, "石桥村");
    assert_eq!(first.rows[0].head_name, "成员0残");
    let second = store
        .visit_list(
            &town,
            &VisitFilter {
                offset: 1,
                limit: 1,
                ..VisitFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(second.rows[0].visit.photos.len(), 2);
    // By designation (认定): the village's own or its county's, holding on the day asked.
    for (division, kind, to) in [
        ("500299101201", "tuopin_village", Some(d(2025, 12, 31))),
        ("500299000000", "key_county", None),
    ] {
        designate(store, division, kind, to).await;
    }
    let designated = |kind: &str, on: NaiveDate| VisitFilter {
        designation: Some((kind.to_string(), on)),
        ..VisitFilter::default()
    };
    for (filter, expected) in [
        (designated("tuopin_village", d(2025, 6, 1)), 2),
        (designated("tuopin_village", d(2026, 6, 1)), 0),
        (designated("key_county", d(2026, 6, 1)), 2),
        (designated("key_village", d(2026, 6, 1)), 0),
        (
            VisitFilter {
                to: Some(d(2026, 11, 10)),
                ..VisitFilter::default()
            },
            1,
        ),
        (
            VisitFilter {
                from: Some(d(2026, 11, 10)),
                to: Some(d(2026, 11, 30)),
                ..VisitFilter::default()
            },
            1,
        ),
        (
            VisitFilter {
                text: "王村干".into(),
                ..VisitFilter::default()
            },
            2,
        ),
        (
            VisitFilter {
                text: "成员0".into(),
                ..VisitFilter::default()
            },
            2,
        ),
        (
            VisitFilter {
                text: a.household.code.as_str()[8..].into(),
                ..VisitFilter::default()
            },
            2,
        ),
        (
            VisitFilter {
                text: "不曾走访的人".into(),
                ..VisitFilter::default()
            },
            0,
        ),
        (
            VisitFilter {
                in_case: Some(true),
                ..VisitFilter::default()
            },
            0,
        ),
        (
            VisitFilter {
                in_case: Some(false),
                within: Some(village("500299101201")),
                ..VisitFilter::default()
            },
            2,
        ),
        (
            VisitFilter {
                within: Some(village("500299101202")),
                ..VisitFilter::default()
            },
            0,
        ),
    ] {
        let page = store.visit_list(&town, &all(filter.clone())).await.unwrap();
        assert_eq!(page.total, expected, "{filter:?}");
        assert_eq!(page.rows.len() as i64, expected, "{filter:?}");
    }
    assert_eq!(
        store
            .visit_list(&cadre, &all(VisitFilter::default()))
            .await
            .unwrap()
            .total,
        2
    );
    assert_eq!(
        store
            .visit_list(&elsewhere, &all(VisitFilter::default()))
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        store
            .visit_list(
                &elsewhere,
                &all(VisitFilter {
                    within: Some(village("500299101201")),
                    ..VisitFilter::default()
                })
            )
            .await
            .unwrap_err(),
        StoreError::Forbidden
    );

    // Photos of a refused form are kept for the officer who chose them, and become the
    // visit's own when it is saved — once.
    let kept = store
        .keep_photo_drafts(&village_officer, &a.household.code, &[], &[photo(7)])
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].name, "现场7.jpg");
    assert_eq!(
        store
            .photo_drafts(&village_officer, &a.household.code, &[kept[0].id, 9999])
            .await
            .unwrap(),
        kept
    );
    let colleague = Actor {
        name: "另一位村干部".into(),
        ..village_officer.clone()
    };
    assert!(
        store
            .photo_drafts(&colleague, &a.household.code, &[kept[0].id])
            .await
            .unwrap()
            .is_empty(),
        "another officer's kept photos are not theirs to use"
    );
    assert!(
        store
            .photo_drafts(&village_officer, &b.household.code, &[kept[0].id])
            .await
            .unwrap()
            .is_empty(),
        "kept for one household only"
    );
    assert_eq!(
        store
            .keep_photo_drafts(&other_village, &a.household.code, &[], &[photo(8)])
            .await
            .unwrap_err(),
        StoreError::Forbidden
    );
    let mut with_kept = visit.clone();
    with_kept.visited_on = d(2026, 11, 25);
    with_kept.photos = vec![photo(9)];
    with_kept.drafts = vec![kept[0].id];
    let e = store.add_visit(&colleague, &with_kept).await.unwrap_err();
    assert!(e.to_string().contains("已不可用"), "{e}");
    let saved = store.add_visit(&village_officer, &with_kept).await.unwrap();
    let list = store.visits(&town, &a.household.code).await.unwrap();
    let made = list.iter().find(|v| v.id == saved).unwrap();
    let names: Vec<&str> = made.photos.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["现场9.jpg", "现场7.jpg"]);
    let (_, bytes) = store
        .visit_photo(&town, saved, made.photos[1].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bytes, vec![0xFF, 0xD8, 0xFF, 7]);
    assert!(
        store
            .photo_drafts(&village_officer, &a.household.code, &[kept[0].id])
            .await
            .unwrap()
            .is_empty()
    );
    let again = store
        .add_visit(&village_officer, &with_kept)
        .await
        .unwrap_err();
    assert!(
        again.to_string().contains("已经保存过"),
        "a kept photo is used once: {again}"
    );
    // A form holds one set of kept photos: keeping new ones drops those no longer offered,
    // and a saved visit leaves none of the officer's behind for the household.
    let first = store
        .keep_photo_drafts(&village_officer, &a.household.code, &[], &[photo(1)])
        .await
        .unwrap();
    let second = store
        .keep_photo_drafts(&village_officer, &a.household.code, &[], &[photo(2)])
        .await
        .unwrap();
    let ids = [first[0].id, second[0].id];
    assert_eq!(
        store
            .photo_drafts(&village_officer, &a.household.code, &ids)
            .await
            .unwrap(),
        second,
        "the first form's photo was no longer offered"
    );
    let third = store
        .keep_photo_drafts(
            &village_officer,
            &a.household.code,
            &[second[0].id],
            &[photo(3)],
        )
        .await
        .unwrap();
    let ids = [second[0].id, third[0].id];
    assert_eq!(
        store
            .photo_drafts(&village_officer, &a.household.code, &ids)
            .await
            .unwrap()
            .len(),
        2
    );
    let mut one = visit.clone();
    one.visited_on = d(2026, 11, 26);
    one.photos.clear();
    one.drafts = vec![second[0].id];
    store.add_visit(&village_officer, &one).await.unwrap();
    assert!(
        store
            .photo_drafts(&village_officer, &a.household.code, &ids)
            .await
            .unwrap()
            .is_empty(),
        "the unticked photo went with the saved form"
    );
    assert_eq!(
        store
            .visit_list(&town, &all(VisitFilter::default()))
            .await
            .unwrap()
            .total,
        4,
        "the refused saves wrote nothing"
    );
    let audit = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    assert!(audit.iter().any(|r| r.action == "visit.photo.draft"));
}

/// Dashboards count from [`Store::case_facts`] with [`CaseFilter::matches`] and link to
/// [`Store::cases`] with the same filter: for every filter, both give the same households and
/// the same people, at every level of scope, page by page.
pub async fn case_tallies(store: &dyn Store) {
    load_divisions(store).await;
    let villages = ["500299101201", "500299101202", "500299102201"];
    let mut records = Vec::new();
    for (vi, v) in villages.iter().enumerate() {
        for seq in 1..=6u16 {
            let n = u16::try_from(vi).unwrap() * 10 + seq;
            // One to three members, so people and households differ.
            let ids: Vec<_> = (0..=(n % 3)).map(|k| id(100 + n * 3 + k)).collect();
            records.push(record(v, seq, &ids));
        }
    }
    store.insert_households(&sys(), &records).await.unwrap();
    let states = [
        CaseState::Verifying,
        CaseState::Monitored,
        CaseState::Eliminated,
        CaseState::ExitVerifying,
        CaseState::NotIncluded,
        CaseState::TownReview,
    ];
    let county = actor_as(Role::CountyAdmin, "500299000000");
    for (i, r) in records.iter().enumerate() {
        let mut o = opened(r);
        let state = states[i % states.len()];
        let included = matches!(
            state,
            CaseState::Monitored | CaseState::Eliminated | CaseState::ExitVerifying
        );
        o.case.state = state;
        o.case.category = included.then(|| ["01", "02", "03"][i % 3].to_string());
        o.case.risk_types = match i % 4 {
            0 => vec!["01".into()],
            1 => vec!["01".into(), "03".into()],
            2 => vec!["0401".into()],
            _ => vec!["10".into(), "01".into()],
        };
        let month = u32::try_from(i % 12).unwrap() + 1;
        o.case.approved_on = included.then(|| d(2026, month, 1 + u32::try_from(i).unwrap()));
        o.case.eliminated_on = (state == CaseState::Eliminated).then(|| d(2026, month, 28));
        o.case.due_on = (!included && state != CaseState::NotIncluded)
            .then(|| d(2026, 11, 20 + u32::try_from(i % 10).unwrap()));
        o.event.to = state;
        let made = store
            .create_lead(
                &county,
                &lead(r.household.village.as_str(), Some(r), Channel::CadreSurvey),
            )
            .await
            .unwrap();
        store
            .accept_lead(&county, made.id, &r.household.code, &o)
            .await
            .unwrap();
    }
    // A household that fell back after elimination: its second case counts too.
    let again = &records[2];
    let mut o = opened(again);
    o.case.state = CaseState::Monitored;
    o.case.category = Some("02".into());
    o.case.approved_on = Some(d(2026, 11, 2));
    o.event.to = CaseState::Monitored;
    let made = store
        .create_lead(
            &county,
            &lead(
                again.household.village.as_str(),
                Some(again),
                Channel::Hotline,
            ),
        )
        .await
        .unwrap();
    store
        .accept_lead(&county, made.id, &again.household.code, &o)
        .await
        .unwrap();

    let uid = store
        .create_user(
            &sys(),
            &super::new_user("tally-cadre", Role::AssistanceCadre, "500299101000"),
        )
        .await
        .unwrap();
    let cadre = Actor {
        user_id: Some(uid),
        ..actor_as(Role::AssistanceCadre, "500299101000")
    };
    let reviewer = actor_as(Role::TownReviewer, "500299101000");
    for r in records.iter().take(3) {
        store
            .assign_cadre(&reviewer, &r.household.code, uid, true)
            .await
            .unwrap();
    }
    let actors = [
        (county.clone(), 19usize),
        (reviewer.clone(), 13),
        (actor_as(Role::VillageOfficer, "500299101202"), 6),
        (cadre.clone(), 4),
    ];
    let mut filters = vec![CaseFilter::default()];
    let mut push = |f: CaseFilter| filters.push(f);
    for s in states {
        push(CaseFilter {
            states: vec![s],
            ..Default::default()
        });
    }
    push(CaseFilter {
        states: vec![
            CaseState::Monitored,
            CaseState::ExitVerifying,
            CaseState::Eliminated,
        ],
        ..Default::default()
    });
    for c in ["01", "02", "03", "99"] {
        push(CaseFilter {
            category: Some(c.into()),
            ..Default::default()
        });
    }
    // "0" must not match "01", nor "01" the subtype "0401".
    for r in ["01", "03", "0401", "04", "10", "0"] {
        push(CaseFilter {
            risk_type: Some(r.into()),
            ..Default::default()
        });
    }
    for m in 1..=12 {
        let first = d(2026, m, 1);
        let last = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap()
            .pred_opt()
            .unwrap();
        push(CaseFilter {
            approved_between: Some((first, last)),
            ..Default::default()
        });
        push(CaseFilter {
            eliminated_between: Some((first, last)),
            ..Default::default()
        });
    }
    push(CaseFilter {
        overdue_on: Some(d(2026, 11, 25)),
        ..Default::default()
    });
    push(CaseFilter {
        household: Some(again.household.code.clone()),
        ..Default::default()
    });
    let mut with_areas = Vec::new();
    for f in &filters {
        for area in [
            None,
            Some("500299101000"),
            Some("500299101201"),
            Some("500299102000"),
        ] {
            with_areas.push(CaseFilter {
                within: area.map(village),
                ..f.clone()
            });
        }
    }
    for (actor, all) in &actors {
        let facts = store.case_facts(actor, None).await.unwrap();
        assert_eq!(facts.len(), *all, "{}", actor.name);
        for f in &with_areas {
            if f.within.is_some_and(|w| !actor.scope.covers(&w)) {
                assert_eq!(
                    store.cases(actor, f).await.unwrap_err(),
                    StoreError::Forbidden
                );
                assert_eq!(
                    store
                        .case_facts(actor, f.within.as_ref())
                        .await
                        .unwrap_err(),
                    StoreError::Forbidden
                );
                continue;
            }
            let counted: Vec<_> = store
                .case_facts(actor, f.within.as_ref())
                .await
                .unwrap()
                .into_iter()
                .filter(|c| f.matches(c))
                .collect();
            // Page through the list three at a time: pages join up to the whole list.
            let mut listed = Vec::new();
            loop {
                let page = store
                    .cases(
                        actor,
                        &CaseFilter {
                            offset: i64::try_from(listed.len()).unwrap(),
                            limit: 3,
                            ..f.clone()
                        },
                    )
                    .await
                    .unwrap();
                let n = page.len();
                listed.extend(page);
                if n < 3 {
                    break;
                }
            }
            let mut ids: Vec<i64> = listed.iter().map(|c| c.case.id).collect();
            ids.sort_unstable();
            let mut want: Vec<i64> = counted.iter().map(|c| c.id).collect();
            want.sort_unstable();
            assert_eq!(ids, want, "{} {f:?}", actor.name);
            assert_eq!(
                listed.iter().map(|c| c.people).sum::<i64>(),
                counted.iter().map(|c| c.people).sum::<i64>(),
                "{} {f:?}",
                actor.name
            );
        }
    }
    // Spot checks that the filters mean what they say.
    let facts = store.case_facts(&county, None).await.unwrap();
    let people_of = |code: &dixian_domain::registry::HouseholdCode| {
        records
            .iter()
            .find(|r| &r.household.code == code)
            .unwrap()
            .members
            .len() as i64
    };
    for f in &facts {
        assert_eq!(f.people, people_of(&f.household));
    }
    let risk = |r: &str| CaseFilter {
        risk_type: Some(r.into()),
        ..Default::default()
    };
    let count = |f: &CaseFilter| facts.iter().filter(|c| f.matches(c)).count();
    assert_eq!(count(&risk("0")), 0);
    assert_eq!(count(&risk("04")), 0);
    assert_eq!(count(&risk("0401")), 4);
    assert_eq!(count(&risk("01")), 14);
}

/// `r`'s case opened on the lead of [`lead`] and run through inclusion by the village, town
/// and county, with a measure planned: a whole history as the demo makes them.
fn history_of(r: &HouseholdRecord, new_lead: NewLead) -> CaseHistory {
    let opened = opened(r);
    let mut case = opened.case.clone();
    let mut steps = vec![HistoryStep {
        by: "town".into(),
        outcome: opened,
        effect: StepEffect::None,
    }];
    let verify = Action::Verify(Box::new(Verification {
        visited_on: Some(d(2026, 9, 30)),
        verifiers: vec!["王村干".into(), "李镇干".into()],
        consent_attachment: Some(0),
        risk_types: vec!["01".into()],
        category: Some("01".into()),
        findings: "住院".into(),
        ..Verification::default()
    }));
    let deliberate = Action::Deliberate(dixian_domain::monitoring::Deliberation {
        held_on: d(2026, 10, 8),
        attendees: 21,
        agreed: true,
        note: String::new(),
        notice_from: d(2026, 10, 8),
        overrides: Vec::new(),
    });
    let measure = Measure {
        id: 0,
        type_code: "07".into(),
        content: "落实医疗救助".into(),
        unit: "区医保局".into(),
        start_on: d(2026, 10, 21),
        end_on: None,
        amount: dixian_domain::money::Money::from_fen(120_000),
        status: MeasureStatus::Ongoing,
        effect: String::new(),
    };
    for (role, by, on, action, effect) in [
        (
            Role::VillageOfficer,
            "village",
            d(2026, 9, 30),
            verify,
            StepEffect::None,
        ),
        (
            Role::VillageOfficer,
            "village",
            d(2026, 10, 8),
            deliberate,
            StepEffect::None,
        ),
        (
            Role::VillageOfficer,
            "village",
            d(2026, 10, 13),
            Action::EndNotice,
            StepEffect::None,
        ),
        (
            Role::TownReviewer,
            "town",
            d(2026, 10, 13),
            approve(),
            StepEffect::None,
        ),
        (
            Role::CountyAdmin,
            "county",
            d(2026, 10, 14),
            approve(),
            StepEffect::None,
        ),
        (
            Role::TownReviewer,
            "town",
            d(2026, 10, 21),
            Action::RecordPlan {
                change: "新增：医疗救助".into(),
            },
            StepEffect::PutMeasure(measure),
        ),
    ] {
        let o = step(&case, r, role, on, action);
        case = o.case.clone();
        steps.push(HistoryStep {
            by: by.into(),
            outcome: o,
            effect,
        });
    }
    CaseHistory {
        lead: new_lead,
        steps,
        attachments: vec![NewAttachment {
            kind: AttachmentKind::Consent,
            name: "承诺授权书.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.4 consent".to_vec(),
        }],
        assurance: Some((
            Assurance {
                food_clothing: true,
                housing: Some(HousingRating::B),
                water_quantity: true,
                water_quality: true,
                water_convenience: true,
                water_guarantee: true,
                note: None,
            },
            "入户核实时核查".into(),
        )),
        income: Some((
            Income {
                year: 2026,
                wage: dixian_domain::money::Money::from_fen(3_600_000),
                ..Income::default()
            },
            "入户核实时核算".into(),
        )),
    }
}

pub async fn case_histories(store: &dyn Store) {
    let (a, b, c) = setup(store).await;
    let town = actor_as(Role::TownReviewer, "500299101000");
    let county = actor_as(Role::CountyAdmin, "500299000000");
    let good = history_of(&a, lead("500299101201", Some(&a), Channel::CadreSurvey));
    // A self-declaration's history finds its household by the applicant.
    let own = history_of(&c, declared_by_c("SBHIST000001"));
    let audit_before = store.verify_audit_chain().await.unwrap().records;

    // Refusals name the case by position and write nothing.
    let mut skipped = history_of(&b, lead("500299101201", Some(&b), Channel::Hotline));
    skipped.steps.remove(2);
    let e = store
        .record_histories(&county, &[good.clone(), skipped])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("第2件案件"), "{e}");
    assert!(e.to_string().contains("第3步不是接着上一步办理的"), "{e}");
    let e = store
        .record_histories(&county, &[good.clone(), good.clone()])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("出现了两次"), "{e}");
    let mut wrong = good.clone();
    wrong.lead = lead("500299101201", Some(&b), Channel::CadreSurvey);
    let e = store.record_histories(&county, &[wrong]).await.unwrap_err();
    assert!(e.to_string().contains("不一致"), "{e}");
    let mut unsigned = good.clone();
    unsigned.attachments[0].bytes.clear();
    let e = store
        .record_histories(&county, &[unsigned])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("空文件"), "{e}");
    let elsewhere = actor_as(Role::TownReviewer, "500299102000");
    assert_eq!(
        store
            .record_histories(&elsewhere, std::slice::from_ref(&good))
            .await
            .unwrap_err(),
        StoreError::Forbidden
    );
    let viewer = actor_as(Role::Viewer, "500299000000");
    assert_eq!(
        store
            .record_histories(&viewer, std::slice::from_ref(&good))
            .await
            .unwrap_err(),
        StoreError::Forbidden
    );
    assert!(
        store
            .cases(&county, &CaseFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !store
            .household(&town, &a.household.code)
            .await
            .unwrap()
            .unwrap()
            .summary
            .monitored
    );

    // Written: the case as its last step left it, every step with who took it.
    let ids = store
        .record_histories(&county, &[good.clone(), own.clone()])
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    let file = store.case_file(&town, ids[0]).await.unwrap().unwrap();
    let last = &good.steps.last().unwrap().outcome.case;
    assert_eq!(
        file.summary.case,
        Case {
            id: ids[0],
            ..last.clone()
        }
    );
    assert_eq!(file.summary.case.state, CaseState::Monitored);
    let recorded: Vec<(&str, &str)> = file
        .events
        .iter()
        .map(|e| (e.event.action.code(), e.actor.as_str()))
        .collect();
    assert_eq!(
        recorded,
        vec![
            ("open", "town"),
            ("verify", "village"),
            ("deliberate", "village"),
            ("end_notice", "village"),
            ("approve", "town"),
            ("approve", "county"),
            ("plan", "town"),
        ]
    );
    assert_eq!(file.events[1].event, good.steps[1].outcome.event);
    assert_eq!(file.measures.len(), 1);
    assert_eq!(file.measures[0].amount.fen(), 120_000);
    assert_eq!(file.leads.len(), 1);
    assert_eq!(file.leads[0].status, LeadStatus::Accepted);
    assert_eq!(file.attachments.len(), 1);
    let (_, bytes) = store
        .attachment(&town, ids[0], file.attachments[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bytes, b"%PDF-1.4 consent");
    // The household: a 监测对象 now, its check and income recorded, each in its history.
    let detail = store
        .household(&town, &a.household.code)
        .await
        .unwrap()
        .unwrap();
    assert!(detail.summary.monitored);
    assert_eq!(
        detail.assurance.as_ref().and_then(|x| x.housing),
        Some(HousingRating::B)
    );
    assert!(
        detail
            .incomes
            .iter()
            .any(|i| i.year == 2026 && i.wage.fen() == 3_600_000)
    );
    let history = store
        .household_events(&town, &a.household.code)
        .await
        .unwrap();
    let reasons: Vec<&str> = history.iter().map(|e| e.reason.as_str()).collect();
    assert!(reasons.contains(&"入户核实时核查"), "{reasons:?}");
    assert!(reasons.contains(&"入户核实时核算"), "{reasons:?}");
    assert!(
        reasons.contains(&format!("审核通过（案件#{}）", ids[0]).as_str()),
        "{reasons:?}"
    );
    // Its people are the living members, followed when one moves out.
    let people =
        |facts: Vec<crate::CaseFact>| facts.iter().find(|f| f.id == ids[0]).unwrap().people;
    assert_eq!(
        people(store.case_facts(&town, None).await.unwrap()),
        detail.summary.members
    );
    assert_eq!(detail.summary.members, 2);
    store
        .set_person_status(
            &town,
            detail.members[1].person_id,
            dixian_domain::registry::LivingStatus::MovedOut,
            d(2026, 10, 30),
            "外出务工迁出",
        )
        .await
        .unwrap();
    assert_eq!(people(store.case_facts(&town, None).await.unwrap()), 1);
    let listed = store.cases(&town, &CaseFilter::default()).await.unwrap();
    assert_eq!(
        listed.iter().find(|c| c.case.id == ids[0]).unwrap().people,
        1
    );
    // The self-declaration's case is its applicant's household's.
    let theirs = store.case_file(&county, ids[1]).await.unwrap().unwrap();
    assert_eq!(theirs.summary.case.household, c.household.code);
    // One audit record per case, chained.
    let audit = store
        .audit_records(
            &sys(),
            &AuditFilter {
                action: Some("case.history".into()),
                ..AuditFilter::after(0, 10)
            },
        )
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0].target, format!("案件#{}", ids[0]));
    let v = store.verify_audit_chain().await.unwrap();
    assert_eq!(v.problem, None);
    assert!(v.records >= audit_before + 2);

    // A household with an open case cannot have another.
    let e = store
        .record_histories(&county, std::slice::from_ref(&good))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("已有未结案件"), "{e}");
}
