//! What one account may learn about records outside its area or assignment: nothing, not even
//! that they exist; and a viewer sees that files exist without opening them.

use crate::support::*;
use dixian_domain::access::Role;
use dixian_domain::registry::HouseholdCode;
use dixian_store::{CaseFilter, HouseholdFilter, LeadFilter, NewLead};

fn actor(role: Role, division: &str) -> Actor {
    Actor {
        user_id: Some(1),
        name: "test".into(),
        scope: dixian_domain::access::Scope::Within(DivisionCode::parse(division).unwrap()),
        source: None,
        role: Some(role),
    }
}

/// A case of the area `within` (open or not), with a consent file attached now.
async fn case_with_file(a: &App, within: &str, outside: Option<&str>) -> (i64, i64, String) {
    let sys = Actor::system("t");
    let cases = a
        .store
        .cases(
            &sys,
            &CaseFilter {
                within: Some(DivisionCode::parse(within).unwrap()),
                limit: 100_000,
                ..CaseFilter::default()
            },
        )
        .await
        .unwrap();
    let not_in = outside.map(|o| DivisionCode::parse(o).unwrap());
    let c = cases
        .iter()
        .find(|c| not_in.is_none_or(|o| !c.village.is_within(&o)))
        .expect("a case in the area");
    let file = dixian_app::monitoring::attachment(
        "consent",
        "承诺授权书.jpg",
        dixian_testkit::photo_jpeg(),
    )
    .await
    .unwrap();
    let att = a
        .store
        .add_attachment(&sys, c.case.id, &file)
        .await
        .unwrap();
    (c.case.id, att, file.name)
}

/// The demo county's cases, problems, visits and leads over the web fixture's households.
pub(crate) async fn with_cases() -> App {
    let a = app().await;
    let code = |c: &str| DivisionCode::parse(c).unwrap();
    dixian_app::demo::cases::load_cases(
        a.store.as_ref(),
        &code("500299000000"),
        &code("500299101000"),
        &code("500299101201"),
        5,
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
    )
    .await
    .unwrap();
    a
}

/// The codes of the households `actor` sees (within `within`).
async fn household_codes(
    a: &App,
    actor: &Actor,
    within: Option<DivisionCode>,
) -> Vec<HouseholdCode> {
    a.store
        .households(
            actor,
            &HouseholdFilter {
                within,
                limit: 100_000,
                ..HouseholdFilter::default()
            },
        )
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|h| h.code)
        .collect()
}

fn lead_of(village: &DivisionCode, household: &HouseholdCode) -> NewLead {
    NewLead {
        village: *village,
        household: Some(household.clone()),
        channel: dixian_domain::monitoring::Channel::CadreSurvey,
        source: "网格员".into(),
        reason: "突发重病".into(),
        evidence: String::new(),
        hardships: vec!["01".into()],
        received_on: NaiveDate::from_ymd_opt(2026, 10, 30).unwrap(),
        applicant: None,
        tracking_code: None,
    }
}

#[tokio::test]
async fn out_of_area_records_answer_exactly_as_missing_ones() {
    let a = with_cases().await;
    let sys = Actor::system("t");
    let county = DivisionCode::parse("500299000000").unwrap();
    // A case with its consent file, a problem, a visit and a lead, all outside 石桥镇.
    let (case, att, _) = case_with_file(&a, "500299000000", Some("500299101000")).await;
    let _ = county;
    let case_file = a.store.case_file(&sys, case).await.unwrap().unwrap();
    let household = case_file.summary.case.household.clone();
    let on = NaiveDate::from_ymd_opt(2026, 10, 30).unwrap();
    let problem = a
        .store
        .add_problem(
            &sys,
            &dixian_store::NewProblem {
                household: household.clone(),
                kind: dixian_domain::assurance::Indicator::Water,
                source: dixian_domain::problems::ProblemSource::parse("visit").unwrap(),
                description: "旱季断水".into(),
                found_on: on,
                found_by: "村医".into(),
                department: "水利部门".into(),
                deadline: on + chrono::Duration::days(30),
            },
        )
        .await
        .unwrap();
    let visit = a
        .store
        .add_visit(
            &sys,
            &dixian_store::NewVisit {
                household: household.clone(),
                case_id: None,
                visited_on: on,
                visitors: vec!["张帮扶".into(), "村医".into()],
                findings: "好转".into(),
                follow_ups: String::new(),
                photos: vec![
                    dixian_app::monitoring::attachment(
                        "photo",
                        "现场.jpg",
                        dixian_testkit::photo_jpeg(),
                    )
                    .await
                    .unwrap(),
                ],
                drafts: Vec::new(),
            },
        )
        .await
        .unwrap();
    let lead = a
        .store
        .create_lead(
            &sys,
            &lead_of(
                &case_file.summary.village,
                &case_file.summary.case.household,
            ),
        )
        .await
        .unwrap()
        .id;

    let town = session(&a.router, "town").await;
    let none = 99_999_999;
    let pairs = [
        (format!("/cases/{case}"), format!("/cases/{none}")),
        (
            format!("/cases/{case}/print"),
            format!("/cases/{none}/print"),
        ),
        (
            format!("/cases/{case}/attachments/{att}"),
            format!("/cases/{none}/attachments/{att}"),
        ),
        (format!("/api/cases/{case}"), format!("/api/cases/{none}")),
        (
            format!("/api/cases/{case}/history"),
            format!("/api/cases/{none}/history"),
        ),
        (format!("/problems/{problem}"), format!("/problems/{none}")),
        (
            format!("/problems/{problem}/files/1"),
            format!("/problems/{none}/files/1"),
        ),
        (
            format!("/api/problems/{problem}"),
            format!("/api/problems/{none}"),
        ),
        (
            format!("/visits/{visit}/photos/1"),
            format!("/visits/{none}/photos/1"),
        ),
        (
            format!("/visits/{visit}/photos/1/view"),
            format!("/visits/{none}/photos/1/view"),
        ),
    ];
    for (there, missing) in &pairs {
        let t = get(&a.router, there, &town).await;
        let m = get(&a.router, missing, &town).await;
        assert_eq!(t.status, StatusCode::NOT_FOUND, "{there}: {}", t.body);
        assert_eq!(m.status, t.status, "{missing}");
        // Longest first, so #10 is not read as #1 and a 0.
        let mut ids = [case, problem, visit, none];
        ids.sort_by_key(|id| std::cmp::Reverse(*id));
        let plain = |s: &str| {
            ids.iter()
                .fold(s.to_string(), |s, id| s.replace(&format!("#{id}"), "#N"))
                .lines()
                .filter(|l| !l.contains("csrf"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(plain(&t.body), plain(&m.body), "{there} against {missing}");
    }
    // In the area, the photo shows in the page (a picture, inline), and each showing is a
    // decryption in the audit trail.
    let county = session(&a.router, "county").await;
    let reads = audit_actions(&a, "visit.photo.read").await.len();
    let shown = get(
        &a.router,
        &format!("/visits/{visit}/photos/1/view"),
        &county,
    )
    .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert_eq!(shown.headers[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(shown.headers[header::CONTENT_DISPOSITION], "inline");
    assert_eq!(audit_actions(&a, "visit.photo.read").await.len(), reads + 1);
    // Deciding a lead outside the area is deciding a lead that does not exist.
    let page = get(&a.router, "/leads", &town).await;
    let csrf = hidden(&page.body, "csrf");
    let body = form(&[
        ("csrf", &csrf),
        ("decision", "decline"),
        ("reason", "核实无风险"),
    ]);
    let t = post(
        &a.router,
        &format!("/leads/{lead}/decide"),
        &town,
        &body,
        &[],
    )
    .await;
    let m = post(
        &a.router,
        &format!("/leads/{none}/decide"),
        &town,
        &body,
        &[],
    )
    .await;
    assert_eq!(t.status, m.status, "{}", t.body);
    assert_ne!(t.status, StatusCode::FORBIDDEN);
    // Every such refusal is still in the audit trail.
    assert!(!audit_actions(&a, "access.denied").await.is_empty());
}

#[tokio::test]
async fn a_cadre_sees_and_acts_only_on_its_households() {
    let a = with_cases().await;
    let sys = Actor::system("t");
    let cadre_user = a.store.user_by_username("cadre").await.unwrap().unwrap();
    let cadre = Actor {
        user_id: Some(cadre_user.id),
        ..actor(Role::AssistanceCadre, "500299101201")
    };
    let v = DivisionCode::parse("500299101201").unwrap();
    let assigned = household_codes(&a, &cadre, None).await;
    // The leads page lists only leads of households assigned to the cadre.
    let someone_else = household_codes(&a, &sys, Some(v))
        .await
        .into_iter()
        .find(|c| !assigned.contains(c))
        .unwrap();
    a.store
        .create_lead(&sys, &lead_of(&v, &someone_else))
        .await
        .unwrap();
    let all_leads = a.store.leads(&sys, &LeadFilter::default()).await.unwrap();
    let theirs = a.store.leads(&cadre, &LeadFilter::default()).await.unwrap();
    assert!(
        theirs
            .iter()
            .all(|l| l.household.as_ref().is_some_and(|h| assigned.contains(h))),
        "{theirs:?}"
    );
    let foreign = all_leads
        .iter()
        .find(|l| {
            l.village.as_str() == "500299101201"
                && l.household.as_ref().is_some_and(|h| !assigned.contains(h))
        })
        .expect("a lead in the cadre's village of a household not theirs");
    let page = get(&a.router, "/leads", &session(&a.router, "cadre").await).await;
    assert_eq!(page.status, StatusCode::OK);
    let head = foreign.household.as_ref().unwrap();
    assert!(!page.body.contains(head.as_str()), "{head} listed");
    assert_eq!(a.store.lead(&cadre, foreign.id).await.unwrap(), None);

    // A cadre cannot accept a lead of its own household into another household's case it
    // cannot read: nothing joins that case, and no address reveals its id.
    let not_theirs = a
        .store
        .cases(
            &sys,
            &CaseFilter {
                within: Some(v),
                limit: 10_000,
                ..CaseFilter::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .find(|c| !assigned.contains(&c.case.household) && c.case.state.is_open())
        .expect("an open case in the village not assigned to the cadre");
    let before = a
        .store
        .case_file(&sys, not_theirs.case.id)
        .await
        .unwrap()
        .unwrap()
        .events
        .len();
    let made = a
        .store
        .create_lead(
            &actor(Role::VillageOfficer, "500299101201"),
            &lead_of(&v, &assigned[0]),
        )
        .await
        .unwrap();
    let cadre_session = session(&a.router, "cadre").await;
    let page = get(&a.router, "/leads", &cadre_session).await;
    let csrf = hidden(&page.body, "csrf");
    let body = form(&[
        ("csrf", &csrf),
        ("decision", "accept"),
        ("household", not_theirs.case.household.as_str()),
    ]);
    let r = post(
        &a.router,
        &format!("/leads/{}/decide", made.id),
        &cadre_session,
        &body,
        &[],
    )
    .await;
    assert!(r.status.is_client_error(), "{}: {}", r.status, r.body);
    assert!(
        !r.body.contains(&format!("/cases/{}", not_theirs.case.id))
            && !r.headers.contains_key(header::LOCATION),
        "{}",
        r.body
    );
    let after = a
        .store
        .case_file(&sys, not_theirs.case.id)
        .await
        .unwrap()
        .unwrap()
        .events
        .len();
    assert_eq!(before, after, "nothing joined the case");
}

#[tokio::test]
async fn a_town_cannot_give_a_household_to_a_cadre_of_another_village() {
    let a = with_cases().await;
    let town = session(&a.router, "town").await;
    // The demo cadre works in 500299101201; a household of another village of the town.
    let other = household_codes(
        &a,
        &Actor::system("t"),
        Some(DivisionCode::parse("500299101202").unwrap()),
    )
    .await
    .remove(0);
    let cadre = a.store.user_by_username("cadre").await.unwrap().unwrap();
    let e = a
        .store
        .assign_cadre(
            &actor(Role::TownReviewer, "500299101000"),
            &other,
            cadre.id,
            true,
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("不包括农户"), "{e}");
    // The town's page says so in words, and assigns nothing.
    let cases = a
        .store
        .cases(
            &Actor::system("t"),
            &CaseFilter {
                household: Some(other.clone()),
                limit: 10,
                ..CaseFilter::default()
            },
        )
        .await
        .unwrap();
    if let Some(c) = cases.first() {
        let page = get(&a.router, &format!("/cases/{}", c.case.id), &town).await;
        let csrf = hidden(&page.body, "csrf");
        let body = form(&[("csrf", &csrf), ("cadre", &cadre.id.to_string())]);
        let r = post(
            &a.router,
            &format!("/cases/{}/cadre", c.case.id),
            &town,
            &body,
            &[],
        )
        .await;
        assert!(r.body.contains("不包括农户"), "{}: {}", r.status, r.body);
    }
}

#[tokio::test]
async fn a_viewer_sees_that_files_exist_but_cannot_open_them() {
    let a = with_cases().await;
    let sys = Actor::system("t");
    let village = DivisionCode::parse("500299101201").unwrap();
    let (case, att, name) = case_with_file(&a, "500299101201", None).await;
    let _ = (sys, village);
    let viewer = session(&a.router, "viewer").await;
    let page = get(&a.router, &format!("/cases/{case}"), &viewer).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&name), "the file is listed");
    assert!(
        !page
            .body
            .contains(&format!("/cases/{case}/attachments/{att}")),
        "but not linked for the viewer"
    );
    let file = get(
        &a.router,
        &format!("/cases/{case}/attachments/{att}"),
        &viewer,
    )
    .await;
    assert_eq!(file.status, StatusCode::FORBIDDEN);
    let town = session(&a.router, "town").await;
    let file = get(
        &a.router,
        &format!("/cases/{case}/attachments/{att}"),
        &town,
    )
    .await;
    assert_eq!(file.status, StatusCode::OK);
}

#[tokio::test]
async fn a_town_decides_ticked_leads_at_once_and_is_told_each_it_could_not() {
    let a = app().await;
    let sys = Actor::system("t");
    let town_code = DivisionCode::parse("500299101000").unwrap();
    let ours = household_codes(&a, &sys, Some(town_code)).await;
    let others =
        household_codes(&a, &sys, Some(DivisionCode::parse("500299102000").unwrap())).await;
    let lead = |h: &HouseholdCode| {
        let mut l = lead_of(&h.village().unwrap(), h);
        l.received_on = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        l
    };
    let matched = a.store.create_lead(&sys, &lead(&ours[0])).await.unwrap().id;
    let matched2 = a.store.create_lead(&sys, &lead(&ours[1])).await.unwrap().id;
    let unmatched = a
        .store
        .create_lead(
            &sys,
            &NewLead {
                household: None,
                ..lead(&ours[2])
            },
        )
        .await
        .unwrap()
        .id;
    let elsewhere = a
        .store
        .create_lead(&sys, &lead(&others[0]))
        .await
        .unwrap()
        .id;

    let town = session(&a.router, "town").await;
    let page = get(&a.router, "/leads?status=pending", &town).await;
    assert!(page.body.contains("id=\"leads-bulk\""));
    assert!(page.body.contains(&format!(
        "name=\"ids\" value=\"{matched}\" form=\"leads-bulk\""
    )));
    let csrf = hidden(&page.body, "csrf");
    let ids = |list: &[i64]| {
        list.iter()
            .map(|id| format!("&ids={id}"))
            .collect::<String>()
    };
    // Declining needs the one reason; nothing is decided without it.
    let no_reason = post(
        &a.router,
        "/leads/bulk",
        &town,
        &format!(
            "{}{}",
            form(&[("csrf", &csrf), ("decision", "decline")]),
            ids(&[matched, unmatched])
        ),
        &[],
    )
    .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert!(
        no_reason.body.contains("不予受理须填写理由"),
        "{}",
        no_reason.body
    );
    // Accepting: the matched leads open cases; the unmatched one and the one outside the
    // town are named with why, and hold nothing back.
    let accepted = post(
        &a.router,
        "/leads/bulk",
        &town,
        &format!(
            "{}{}",
            form(&[("csrf", &csrf), ("decision", "accept")]),
            ids(&[matched, matched2, unmatched, elsewhere])
        ),
        &[],
    )
    .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let result = accepted
        .body
        .split("id=\"leads-bulk-result\">")
        .nth(1)
        .unwrap()
        .split("</div>")
        .next()
        .unwrap();
    assert!(result.contains("已受理立案2条线索（案件#"), "{result}");
    assert!(result.contains("2条未能办理"), "{result}");
    assert!(
        result.contains(&format!("线索#{unmatched}：该线索尚未对应到已登记的农户")),
        "{result}"
    );
    assert!(result.contains(&format!("线索#{elsewhere}：")), "{result}");
    let open = a
        .store
        .cases(
            &sys,
            &CaseFilter {
                within: Some(town_code),
                limit: 1000,
                ..CaseFilter::default()
            },
        )
        .await
        .unwrap();
    assert!(open.iter().any(|c| c.case.household == ours[0]));
    assert!(open.iter().any(|c| c.case.household == ours[1]));
    // Then the unmatched one is declined with a reason the applicant reads.
    let declined = post(
        &a.router,
        "/leads/bulk",
        &town,
        &format!(
            "{}{}",
            form(&[
                ("csrf", &csrf),
                ("decision", "decline"),
                ("reason", "经核实非本村户籍")
            ]),
            ids(&[unmatched])
        ),
        &[],
    )
    .await;
    assert!(
        declined.body.contains("已不予受理1条线索。"),
        "{}",
        declined.body
    );
    let record = a.store.lead(&sys, unmatched).await.unwrap().unwrap();
    assert_eq!(
        record.status,
        dixian_domain::monitoring::LeadStatus::Declined
    );
    assert_eq!(record.decision_note.as_deref(), Some("经核实非本村户籍"));
    assert_eq!(
        a.store.lead(&sys, elsewhere).await.unwrap().unwrap().status,
        dixian_domain::monitoring::LeadStatus::Pending,
        "a lead outside the town is untouched"
    );

    // A lead without a household is accepted by typing the head's name, not the code.
    let rows = a
        .store
        .households(
            &sys,
            &HouseholdFilter {
                within: Some(town_code),
                limit: 100_000,
                ..HouseholdFilter::default()
            },
        )
        .await
        .unwrap()
        .rows;
    let unique = rows
        .iter()
        .skip(3)
        .find(|h| {
            rows.iter()
                .filter(|o| o.village == h.village && o.head_name == h.head_name)
                .count()
                == 1
        })
        .unwrap();
    let by_name = a
        .store
        .create_lead(
            &sys,
            &NewLead {
                household: None,
                ..lead(&unique.code)
            },
        )
        .await
        .unwrap()
        .id;
    let wrong = post(
        &a.router,
        &format!("/leads/{by_name}/decide"),
        &town,
        &form(&[
            ("csrf", &csrf),
            ("decision", "accept"),
            ("household", "查无此人"),
        ]),
        &[],
    )
    .await;
    assert!(
        wrong.body.contains("本村没有户主名为“查无此人”的农户"),
        "{}",
        wrong.body
    );
    let accepted = post(
        &a.router,
        &format!("/leads/{by_name}/decide"),
        &town,
        &form(&[
            ("csrf", &csrf),
            ("decision", "accept"),
            ("household", &unique.head_name),
        ]),
        &[],
    )
    .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    assert_eq!(
        a.store
            .lead(&sys, by_name)
            .await
            .unwrap()
            .unwrap()
            .household
            .as_ref(),
        Some(&unique.code)
    );
}
