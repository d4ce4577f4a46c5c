//! The router against a real SQLite store holding a small demo county.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::NaiveDate;
use dixian_app::demo;
use dixian_app::setup::initialize;
use dixian_store_sql::SqlStore;
use dixian_web::{AppState, router};
use std::sync::Arc;
use tower::ServiceExt;

async fn app() -> (tempfile::TempDir, Arc<SqlStore>, axum::Router) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqlStore::open_sqlite(
            &dir.path().join("t.db"),
            std::sync::Arc::new(dixian_gm::FieldCipher::ephemeral().unwrap()),
        )
        .await
        .unwrap(),
    );
    initialize(
        store.as_ref(),
        &dixian_domain::access::Actor::system("t"),
        &[],
        &[],
    )
    .await
    .unwrap();
    let opts = demo::DemoOptions {
        households: 600,
        seed: 1,
        as_of: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
    };
    demo::load(
        store.as_ref(),
        &dixian_domain::access::Actor::system("t"),
        opts,
        |_, _| {},
    )
    .await
    .unwrap();
    let r = router(AppState {
        store: store.clone(),
    });
    (dir, store, r)
}

async fn get(r: &axum::Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = r
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), 1 << 22)
        .await
        .unwrap();
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn healthz_reports_version_and_database() {
    let (_d, store, r) = app().await;
    let (status, _, body) = get(&r, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["database"], "sqlite");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["schema"], 1);

    store.close().await;
    let (status, _, body) = get(&r, "/healthz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "unavailable");
    assert!(v["error"].as_str().unwrap().contains("数据库"));
}

#[tokio::test]
async fn home_and_drill_down() {
    let (_d, _s, r) = app().await;
    let (status, headers, body) = get(&r, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("守住不发生规模性返贫致贫的底线"));
    assert!(body.contains("重庆市"));
    assert!(body.contains(">600<"), "household count shown");
    let (_, _, county) = get(&r, "/divisions/500299000000").await;
    let persons: String = county
        .split("人数 <strong>")
        .nth(1)
        .and_then(|t| t.split('<').next())
        .unwrap()
        .to_string();
    assert!(
        persons.contains(','),
        "1,000+ persons are grouped: {persons}"
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");

    let (status, _, body) = get(&r, "/divisions/500299000000").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("青山县"));
    assert_eq!(
        body.matches("/divisions/500299").count(),
        15,
        "15 towns listed"
    );
    assert!(body.contains("查看现行政策参数"));

    let (status, _, body) = get(&r, "/divisions/500299101201").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("村民小组"));
    assert!(body.contains("一组"));
}

#[tokio::test]
async fn bad_addresses_get_chinese_errors() {
    let (_d, _s, r) = app().await;
    let (status, _, body) = get(&r, "/divisions/500299999000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("区划代码500299999000不存在"));
    let (status, _, body) = get(&r, "/divisions/5002").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("应为12位数字"));
    let (status, _, body) = get(&r, "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("没有这个页面"));
}

#[tokio::test]
async fn policy_page() {
    let (_d, _s, r) = app().await;
    let (status, _, body) = get(&r, "/policy?date=2026-11-01").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("重庆市县青山县"));
    assert!(body.contains("6,000.00"));
    assert!(body.contains("3月、8月、11月"));
    assert!(body.contains("防止返贫致贫对象"));
    assert!(body.contains("chongqing-2022"));
    assert!(body.contains("10个工作日"));

    let (status, _, body) = get(&r, "/policy?region=500299000000&date=2021-06-01").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("监测对象"));
    assert!(body.contains("4000.00元 × 150%"));

    let (status, _, body) = get(&r, "/policy?region=500299000000&date=2026-02-30").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("日期“2026-02-30”无效"));
    let (status, _, body) = get(&r, "/policy?region=520624000000&date=2026-01-01").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("520624000000不存在"));
    let (status, _, body) = get(&r, "/policy?region=%3Cscript%3E&date=2026-01-01").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(!body.contains("<script>"), "input is escaped");
}

#[tokio::test]
async fn stylesheet_is_served() {
    let (_d, _s, r) = app().await;
    let (status, headers, body) = get(&r, "/static/app.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(body.contains("--accent"));
}
