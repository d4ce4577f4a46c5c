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
