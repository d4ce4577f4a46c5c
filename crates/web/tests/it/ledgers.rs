//! The standard ledgers over HTTP: a masked download by link, the full one only by a posted
//! form with a reason, and nothing for roles without the export permission.

use crate::support::*;
use axum::http::{StatusCode, header};

#[tokio::test]
async fn ledgers_download_masked_and_in_full_only_with_a_reason() {
    let a = app().await;
    let county = session(&a.router, "county").await;
    let page = get(&a.router, "/ledgers", &county).await;
    assert_eq!(page.status, StatusCode::OK);
    // Named as the files are: with the name in force (2026: 防止返贫致贫对象台账).
    assert!(page.body.contains("防止返贫致贫对象台账"), "{}", page.body);
    for code in ["monitored", "measures", "visits", "eliminated", "problems"] {
        assert!(
            page.body.contains(&format!("id=\"ledger-{code}\"")),
            "{code}"
        );
        let file = get(&a.router, &format!("/ledgers/{code}.xlsx"), &county).await;
        assert_eq!(file.status, StatusCode::OK, "{code}: {}", file.body);
        assert_eq!(
            file.headers[header::CONTENT_TYPE],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let disposition = file.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(
            disposition.contains(&format!("{code}-500299000000-")),
            "{disposition}"
        );
    }
    let csrf = hidden(&page.body, "csrf");
    // Forged: no token. Then a reason too short, then a proper one.
    let r = post(
        &a.router,
        "/ledgers/monitored.xlsx",
        &county,
        &form(&[("reason", "检查工作")]),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &a.router,
        "/ledgers/monitored.xlsx",
        &county,
        &form(&[("csrf", &csrf), ("reason", "查")]),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("须说明理由"), "{}", r.body);
    let r = post(
        &a.router,
        "/ledgers/monitored.xlsx",
        &county,
        &form(&[("csrf", &csrf), ("reason", "报送县纪委专项检查")]),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let audited = audit_actions(&a, "export.ledger").await;
    assert_eq!(audited.len(), 6);
    assert!(
        audited
            .iter()
            .any(|r| r.detail.contains("\"full_id_numbers\":true"))
    );
    // Unknown ledgers, other counties and roles without the permission.
    let r = get(&a.router, "/ledgers/roads.xlsx", &county).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let village = session(&a.router, "village").await;
    for uri in ["/ledgers", "/ledgers/visits.xlsx"] {
        let r = get(&a.router, uri, &village).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}");
    }
    let town = session(&a.router, "town").await;
    let r = get(&a.router, "/ledgers/problems.xlsx?area=500299000000", &town).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = get(&a.router, "/ledgers/problems.xlsx", &town).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn the_bulletin_page_and_its_workbook() {
    let a = app().await;
    let county = session(&a.router, "county").await;
    let page = get(&a.router, "/bulletin", &county).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let last_month = dixian_domain::problems::Month::of(dixian_app::today()).previous();
    assert!(
        page.body.contains(&format!(
            "青山县防止返贫动态监测帮扶工作{}通报",
            last_month.label()
        )),
        "the month just ended by default"
    );
    for id in ["bulletin-text", "bulletin-divisions", "bulletin-months"] {
        assert!(page.body.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(page.body.contains("<svg"), "charts drawn on the server");
    let file = get(
        &a.router,
        &format!("/bulletin.xlsx?month={last_month}"),
        &county,
    )
    .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(
        file.headers[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let r = get(&a.router, "/bulletin?month=2026-13", &county).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("月份“2026-13”不存在"));
    let next = dixian_domain::problems::Month::of(dixian_app::today()).next();
    let r = get(&a.router, &format!("/bulletin?month={next}"), &county).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("尚未开始"));
    let village = session(&a.router, "village").await;
    let r = get(&a.router, "/bulletin", &village).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let town = session(&a.router, "town").await;
    let r = get(&a.router, "/bulletin?area=500299000000", &town).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = get(&a.router, "/bulletin", &town).await;
    assert!(
        r.body.contains("石桥镇防止返贫动态监测帮扶工作"),
        "{}",
        r.body
    );
    assert_eq!(audit_actions(&a, "bulletin.make").await.len(), 3);
}

/// A typed date outside the programme's years is refused by name; a date Excel cannot hold
/// that is already stored (from before dates were checked) is written as text, and the
/// ledger of the village, the town and the county still downloads.
#[tokio::test]
async fn one_bad_date_never_breaks_a_ledger() {
    let a = app().await;
    let sys = Actor::system("t");
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let village = DivisionCode::parse("500299101201").unwrap();
    let code = demo::Generator::new(&demo::divisions(1), 1, 600, as_of)
        .find(|r| r.household.village == village)
        .unwrap()
        .household
        .code;
    let village_of = code.village().unwrap();
    let officer = session(&a.router, "village").await;
    let page = get(&a.router, &format!("/households/{code}"), &officer).await;
    let csrf = hidden(&page.body, "csrf");
    let uri = format!("/households/{code}/visits");
    for typed in [
        "0000-01-01",
        "-001-01-01",
        "1900-01-01",
        "2013-12-31",
        "2150-01-01",
    ] {
        let r = multipart_to(
            &a,
            &officer,
            &uri,
            &[("csrf", &csrf), ("visited_on", typed), ("findings", "在家")],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{typed}: {}", r.body);
        assert!(
            r.body.contains("超出范围") || r.body.contains("无效"),
            "{typed}: {}",
            r.body
        );
    }
    // Stored before the check existed.
    a.store
        .add_visit(
            &sys,
            &dixian_store::NewVisit {
                household: code.clone(),
                case_id: None,
                visited_on: NaiveDate::from_ymd_opt(1, 1, 1).unwrap(),
                visitors: vec!["王村干".into()],
                findings: "旧数据".into(),
                follow_ups: String::new(),
                photos: Vec::new(),
                drafts: Vec::new(),
            },
        )
        .await
        .unwrap();
    for (user, area) in [
        ("county", "500299000000".to_string()),
        ("town", "500299101000".to_string()),
        ("county", village_of.to_string()),
    ] {
        let s = session(&a.router, user).await;
        let r = get(&a.router, &format!("/ledgers/visits.xlsx?area={area}"), &s).await;
        assert_eq!(r.status, StatusCode::OK, "{user} {area}: {}", r.body);
    }
}
