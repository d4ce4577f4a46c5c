//! The router against a real SQLite store holding a small demo county and its accounts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dixian_store::prelude::*;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::NaiveDate;
use dixian_app::accounts::auth::SecurityPolicy;
use dixian_app::accounts::{self, Argon2id};
use dixian_app::demo;
use dixian_app::setup::initialize;
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_store_sql::SqlStore;
use dixian_web::{AppState, router};
use std::sync::Arc;
use tower::ServiceExt;

mod api;
mod ledgers;
mod monitoring;
mod problems;

struct App {
    _dir: tempfile::TempDir,
    store: Arc<SqlStore>,
    router: axum::Router,
    /// The router's clock: a test sets the day it acts on.
    clock: dixian_app::Clock,
}

async fn app_with(secure_cookies: bool) -> App {
    app_limited(secure_cookies, 100_000).await
}

async fn app_limited(secure_cookies: bool, per_minute: u32) -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqlStore::open_sqlite(
            &dir.path().join("t.db"),
            Arc::new(dixian_gm::FieldCipher::ephemeral().unwrap()),
        )
        .await
        .unwrap(),
    );
    let sys = Actor::system("t");
    initialize(store.as_ref(), &sys, &[], &[]).await.unwrap();
    let opts = demo::DemoOptions {
        households: 600,
        seed: 1,
        as_of: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
    };
    demo::load(store.as_ref(), &sys, opts, |_, _| {})
        .await
        .unwrap();
    let code = |c: &str| DivisionCode::parse(c).unwrap();
    accounts::ensure_demo_accounts(
        store.as_ref(),
        &Argon2id::cheap_for_tests(),
        &sys,
        code("500299000000"),
        code("500299101000"),
        code("500299101201"),
    )
    .await
    .unwrap();
    let clock = dixian_app::Clock::system();
    let router = router(AppState {
        store: store.clone(),
        hashing: Arc::new(Argon2id::cheap_for_tests()),
        policy: Arc::new(SecurityPolicy::default()),
        secure_cookies,
        limiter: Arc::new(dixian_web::RateLimiter::new(per_minute)),
        trusted_proxies: Arc::new(Vec::new()),
        clock: clock.clone(),
    });
    App {
        _dir: dir,
        store,
        router,
        clock,
    }
}

async fn app() -> App {
    app_with(false).await
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with(&format!("{name}=")))
    }
}

async fn send(r: &axum::Router, req: Request<Body>) -> Reply {
    let res = r.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), 1 << 22)
        .await
        .unwrap();
    Reply {
        status,
        headers,
        // Pages and CSV are UTF-8; an XLSX download is checked by its headers only.
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

async fn get(r: &axum::Router, uri: &str, cookie: &str) -> Reply {
    send(
        r,
        Request::get(uri)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn post(
    r: &axum::Router,
    uri: &str,
    cookie: &str,
    body: &str,
    extra: &[(&str, &str)],
) -> Reply {
    let mut req = Request::post(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "dixian.test");
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    send(r, req.body(Body::from(body.to_string())).unwrap()).await
}

fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    body.split(&marker)
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap_or_default()
        .to_string()
}

/// Logs in through the form; returns the reply to the POST and the cookie header to use.
async fn login(r: &axum::Router, username: &str, password: &str) -> (Reply, String) {
    let page = get(r, "/login", "").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf_cookie = page.cookie("dixian_login_csrf").unwrap();
    let csrf_cookie = csrf_cookie.split(';').next().unwrap().to_string();
    let csrf = hidden(&page.body, "csrf");
    let reply = post(
        r,
        "/login",
        &csrf_cookie,
        &form(&[
            ("csrf", &csrf),
            ("next", "/"),
            ("username", username),
            ("password", password),
        ]),
        &[],
    )
    .await;
    let session = reply
        .cookie("dixian_session")
        .map(|c| c.split(';').next().unwrap().to_string())
        .unwrap_or_default();
    (reply, session)
}

async fn session(r: &axum::Router, username: &str) -> String {
    let (reply, cookie) = login(r, username, accounts::DEMO_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    cookie
}

#[tokio::test]
async fn healthz_is_public_and_reports_the_database() {
    let a = app().await;
    let reply = get(&a.router, "/healthz", "").await;
    assert_eq!(reply.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["database"].as_str()),
        (Some("ok"), Some("sqlite"))
    );
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    a.store.close().await;
    let reply = get(&a.router, "/healthz", "").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.body.contains("数据库"));
}

#[tokio::test]
async fn pages_need_a_login_with_safe_cookies() {
    let a = app().await;
    for path in ["/", "/divisions/500299000000", "/policy", "/account"] {
        let reply = get(&a.router, path, "").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        assert!(reply.location().starts_with("/login?next="), "{path}");
    }
    let reply = get(&a.router, "/", "dixian_session=forged").await;
    assert_eq!(reply.location(), "/login?next=/");
    let (reply, cookie) = login(&a.router, "county", accounts::DEMO_PASSWORD).await;
    assert_eq!(reply.location(), "/");
    let set = reply.cookie("dixian_session").unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attr), "{set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP here");
    let home = get(&a.router, "/", &cookie).await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(home.headers["cache-control"], "no-store");
    assert!(home.body.contains("刘县级（县级管理员）"));
    let csp = home.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));

    let secure = app_with(true).await;
    let (reply, _) = login(&secure.router, "county", accounts::DEMO_PASSWORD).await;
    assert!(reply.cookie("dixian_session").unwrap().contains("; Secure"));
}

#[tokio::test]
async fn wrong_passwords_and_lockout() {
    let a = app().await;
    for _ in 0..4 {
        let (reply, cookie) = login(&a.router, "town", "Wrong#Pass1").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(reply.body.contains("账号或密码错误"));
        assert!(cookie.is_empty());
    }
    let (reply, _) = login(&a.router, "town", "Wrong#Pass1").await;
    assert!(reply.body.contains("账号已锁定"), "{}", reply.body);
    let (reply, _) = login(&a.router, "town", accounts::DEMO_PASSWORD).await;
    assert!(reply.body.contains("账号已锁定"));
    // A login form without its token (a forged cross-site login) is refused.
    let reply = post(
        &a.router,
        "/login",
        "",
        &form(&[
            ("username", "county"),
            ("password", accounts::DEMO_PASSWORD),
        ]),
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains("来源无法验证"));
}

#[tokio::test]
async fn county_drills_down_and_town_sees_only_its_town() {
    let a = app().await;
    let county = session(&a.router, "county").await;
    let home = get(&a.router, "/", &county).await;
    assert!(
        home.body.contains("青山县") && home.body.contains(">600<"),
        "{}",
        home.body
    );
    let page = get(&a.router, "/divisions/500299000000", &county).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("/divisions/500299").count(),
        15,
        "15 towns"
    );
    let village = get(&a.router, "/divisions/500299101201", &county).await;
    assert!(village.body.contains("村民小组") && village.body.contains("一组"));
    let persons: String = page
        .body
        .split("人数 <strong>")
        .nth(1)
        .and_then(|t| t.split('<').next())
        .unwrap()
        .to_string();
    assert!(persons.contains(','), "grouped: {persons}");

    let town = session(&a.router, "town").await;
    let home = get(&a.router, "/", &town).await;
    assert!(
        home.body.contains("石桥镇") && !home.body.contains("青山县</a>"),
        "{}",
        home.body
    );
    for outside in [
        "/divisions/500299000000",
        "/divisions/500299102000",
        "/divisions/500299102201",
    ] {
        let reply = get(&a.router, outside, &town).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{outside}");
        assert!(reply.body.contains("无权访问"));
        assert!(!reply.body.contains("白沙镇"), "nothing leaks");
    }
    assert_eq!(
        get(&a.router, "/divisions/500299101201", &town)
            .await
            .status,
        StatusCode::OK
    );
    let denied = a
        .store
        .audit_records(
            &dixian_domain::access::Actor::system("test"),
            &dixian_store::AuditFilter::after(0, 10_000),
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "access.denied" && r.actor == "town")
        .count();
    assert_eq!(denied, 3);
}

#[tokio::test]
async fn bad_addresses_get_chinese_errors() {
    let a = app().await;
    let c = session(&a.router, "county").await;
    let reply = get(&a.router, "/divisions/500299999000", &c).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("区划代码500299999000不存在"));
    let reply = get(&a.router, "/divisions/5002", &c).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("应为12位数字"));
    let reply = get(&a.router, "/no/such/page", &c).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("没有这个页面"));
}

#[tokio::test]
async fn policy_page() {
    let a = app().await;
    let c = session(&a.router, "county").await;
    let reply = get(&a.router, "/policy?date=2026-11-01", &c).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    for part in [
        "重庆市青山县",
        "6,000.00",
        "3月、8月、11月",
        "防止返贫致贫对象",
        "chongqing-2022",
        "10个工作日",
    ] {
        assert!(reply.body.contains(part), "{part}");
    }
    let reply = get(&a.router, "/policy?region=500299000000&date=2021-06-01", &c).await;
    assert!(reply.body.contains("4000.00元 × 150%"));
    let reply = get(&a.router, "/policy?region=500299000000&date=2026-02-30", &c).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("日期“2026-02-30”无效"));
    let reply = get(&a.router, "/policy?region=%3Cscript%3E&date=2026-01-01", &c).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(!reply.body.contains("<script>"), "escaped");
}

#[tokio::test]
async fn csrf_is_required_on_every_post() {
    let a = app().await;
    let c = session(&a.router, "county").await;
    let account = get(&a.router, "/account", &c).await;
    let csrf = hidden(&account.body, "csrf");
    assert_eq!(csrf.len(), 32);
    // Missing token, wrong token, foreign origin, cross-site fetch: all refused.
    for (body, extra) in [
        (String::new(), vec![]),
        (
            form(&[("csrf", "0123456789abcdef0123456789abcdef")]),
            vec![],
        ),
        (
            form(&[("csrf", &csrf)]),
            vec![("origin", "https://evil.example")],
        ),
        (
            form(&[("csrf", &csrf)]),
            vec![("sec-fetch-site", "cross-site")],
        ),
    ] {
        let reply = post(&a.router, "/logout", &c, &body, &extra).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{body} {extra:?}");
        assert!(reply.body.contains("请求来源无法验证"));
    }
    assert_eq!(
        get(&a.router, "/", &c).await.status,
        StatusCode::OK,
        "still logged in"
    );
    let audited = a
        .store
        .audit_records(
            &dixian_domain::access::Actor::system("test"),
            &dixian_store::AuditFilter::after(0, 10_000),
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "csrf.rejected")
        .count();
    assert_eq!(audited, 4);
    // The real thing logs out.
    let reply = post(
        &a.router,
        "/logout",
        &c,
        &form(&[("csrf", &csrf)]),
        &[
            ("origin", "http://dixian.test"),
            ("sec-fetch-site", "same-origin"),
        ],
    )
    .await;
    assert_eq!(reply.location(), "/login?out=1");
    assert_eq!(get(&a.router, "/", &c).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn forced_password_change_and_logout_everywhere() {
    let a = app().await;
    let temp = accounts::reset_password(
        a.store.as_ref(),
        &Argon2id::cheap_for_tests(),
        &Actor::system("t"),
        "village",
    )
    .await
    .unwrap();
    let (reply, c) = login(&a.router, "village", &temp).await;
    assert_eq!(reply.location(), "/account/password");
    let reply = get(&a.router, "/", &c).await;
    assert_eq!(
        reply.location(),
        "/account/password",
        "no page before the change"
    );
    let page = get(&a.router, "/account/password", &c).await;
    assert!(page.body.contains("首次登录或密码已到期"));
    let csrf = hidden(&page.body, "csrf");
    let change = |new: &str, confirm: &str| {
        form(&[
            ("csrf", &csrf),
            ("old", &temp),
            ("new", new),
            ("confirm", confirm),
        ])
    };
    let reply = post(
        &a.router,
        "/account/password",
        &c,
        &change("Qing#shan1", "Qing#shan2"),
        &[],
    )
    .await;
    assert!(reply.body.contains("两次输入的新密码不一致"));
    let reply = post(
        &a.router,
        "/account/password",
        &c,
        &change("simple", "simple"),
        &[],
    )
    .await;
    assert!(reply.body.contains("至少8位"));
    let reply = post(
        &a.router,
        "/account/password",
        &c,
        &change("Qing#shan1", "Qing#shan1"),
        &[],
    )
    .await;
    assert_eq!(reply.location(), "/account?changed=1");
    let account = get(&a.router, "/account?changed=1", &c).await;
    assert!(account.body.contains("密码已修改"));
    assert!(account.body.contains("杨村级") && account.body.contains("村级信息员"));
    assert!(account.body.contains("成功"), "login history");

    let (_, other) = login(&a.router, "village", "Qing#shan1").await;
    let reply = post(
        &a.router,
        "/account/logout-all",
        &c,
        &form(&[("csrf", &csrf)]),
        &[],
    )
    .await;
    assert_eq!(reply.location(), "/login?out=1");
    assert_eq!(
        get(&a.router, "/", &other).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn stylesheet_is_public() {
    let a = app().await;
    let reply = get(&a.router, "/static/app.css", "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(reply.body.contains("--accent"));
}

/// The demo's own records, regenerated: one person in the demo town 500299101000 and one in
/// another town.
fn demo_people() -> (String, String) {
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let all: Vec<_> = demo::Generator::new(&demo::divisions(1), 1, 600, as_of).collect();
    let town = DivisionCode::parse("500299101000").unwrap();
    let inside = all
        .iter()
        .find(|r| r.household.village.is_within(&town))
        .unwrap();
    let outside = all
        .iter()
        .find(|r| !r.household.village.is_within(&town))
        .unwrap();
    (
        inside.members[0].id_number.to_string(),
        outside.members[0].id_number.to_string(),
    )
}

async fn audit_actions(a: &App, action: &str) -> Vec<dixian_store::AuditRecord> {
    a.store
        .audit_records(
            &Actor::system("test"),
            &dixian_store::AuditFilter {
                action: Some(action.into()),
                ..dixian_store::AuditFilter::after(0, 10_000)
            },
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn each_role_sees_only_its_sections() {
    let a = app().await;
    // The three administrators get no registry figures, from pages or addresses.
    for who in ["admin", "security", "auditor", "yibao"] {
        let s = session(&a.router, who).await;
        let home = get(&a.router, "/", &s).await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains("您可以使用"), "{who}: {}", home.body);
        assert!(!home.body.contains(">600<"), "{who} sees counts");
        let div = get(&a.router, "/divisions/500299000000", &s).await;
        assert_eq!(div.status, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(
            get(&a.router, "/people", &s).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    let admin = session(&a.router, "admin").await;
    let auditor = session(&a.router, "auditor").await;
    let county = session(&a.router, "county").await;
    let security = session(&a.router, "security").await;
    assert_eq!(
        get(&a.router, "/audit", &admin).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&a.router, "/audit", &county).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&a.router, "/admin/users", &auditor).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&a.router, "/admin/users", &county).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&a.router, "/admin/security", &admin).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&a.router, "/admin/security", &auditor).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&a.router, "/audit", &auditor).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&a.router, "/admin/users", &admin).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&a.router, "/admin/security", &security).await.status,
        StatusCode::OK
    );
    // The security administrator sees accounts and their state, but cannot change them.
    let list = get(&a.router, "/admin/users", &security).await;
    assert!(list.body.contains("village") && !list.body.contains("重置密码"));
    let header = get(&a.router, "/", &admin).await.body;
    assert!(header.contains("账号管理") && !header.contains("审计记录"));
    // Out-of-scope divisions: a real code and a made-up one are refused alike.
    let town = session(&a.router, "town").await;
    let real = get(&a.router, "/divisions/500299102000", &town).await;
    let fake = get(&a.router, "/divisions/500299199000", &town).await;
    assert_eq!(
        (real.status, fake.status),
        (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN)
    );
    assert_eq!(real.body, fake.body);
    // Every refusal is audited.
    assert_eq!(audit_actions(&a, "access.denied").await.len(), 16);
}

#[tokio::test]
async fn people_search_is_masked_and_reveal_needs_a_reason() {
    let a = app().await;
    let (inside, outside) = demo_people();
    let town = session(&a.router, "town").await;
    let page = get(&a.router, "/people", &town).await;
    let csrf = hidden(&page.body, "csrf");
    let found = post(
        &a.router,
        "/people",
        &town,
        &form(&[("csrf", &csrf), ("id_number", &inside)]),
        &[],
    )
    .await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(!found.body.contains(&inside), "full number on the page");
    let masked = format!("{}**********{}", &inside[..4], &inside[14..]);
    assert!(found.body.contains(&masked), "{}", found.body);
    let person_id = hidden(&found.body, "person_id");
    // Outside the town: same as never registered.
    let other = post(
        &a.router,
        "/people",
        &town,
        &form(&[("csrf", &csrf), ("id_number", &outside)]),
        &[],
    )
    .await;
    assert!(other.body.contains("本辖区内没有登记"), "{}", other.body);
    // A malformed number is explained.
    let bad = post(
        &a.router,
        "/people",
        &town,
        &form(&[("csrf", &csrf), ("id_number", "50029919900101001")]),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("身份证号有误"), "{}", bad.body);
    // Reveal: a reason is required, then the number is shown and audited.
    let reveal = |reason: &'static str| {
        let body = form(&[
            ("csrf", &csrf),
            ("person_id", &person_id),
            ("id_masked", &masked),
            ("reason", reason),
        ]);
        let r = a.router.clone();
        let cookie = town.clone();
        async move { post(&r, "/people/reveal", &cookie, &body, &[]).await }
    };
    let no_reason = reveal("").await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert!(no_reason.body.contains("须填写理由"), "{}", no_reason.body);
    let shown = reveal("入户核实身份").await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains(&inside), "{}", shown.body);
    let reveals = audit_actions(&a, "pii.reveal").await;
    assert_eq!(reveals.len(), 1);
    assert!(reveals[0].detail.contains("入户核实身份") && reveals[0].actor == "town");
    // A village officer may search but not reveal; the cross-site form is refused.
    let village = session(&a.router, "village").await;
    let vpage = get(&a.router, "/people", &village).await;
    let vcsrf = hidden(&vpage.body, "csrf");
    let refused = post(
        &a.router,
        "/people/reveal",
        &village,
        &form(&[
            ("csrf", &vcsrf),
            ("person_id", &person_id),
            ("reason", "入户核实身份"),
        ]),
        &[],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let forged = post(
        &a.router,
        "/people/reveal",
        &town,
        &form(&[
            ("csrf", &csrf),
            ("person_id", &person_id),
            ("reason", "入户核实身份"),
        ]),
        &[("sec-fetch-site", "cross-site")],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(audit_actions(&a, "pii.reveal").await.len(), 1);
}

#[tokio::test]
async fn administrators_manage_accounts_and_policy_on_the_web() {
    let a = app().await;
    let admin = session(&a.router, "admin").await;
    let page = get(&a.router, "/admin/users", &admin).await;
    let csrf = hidden(&page.body, "csrf");
    let created = post(
        &a.router,
        "/admin/users",
        &admin,
        &form(&[
            ("csrf", &csrf),
            ("username", "li.si"),
            ("display_name", "李四"),
            ("role", "village_officer"),
            ("division", "500299101202"),
            ("department", ""),
        ]),
        &[],
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let password = created
        .body
        .split("初始密码：")
        .nth(1)
        .and_then(|t| t.split('（').next())
        .unwrap()
        .to_string();
    assert_eq!(password.chars().count(), 16);
    // The new account must change its password first.
    let (reply, _) = login(&a.router, "li.si", &password).await;
    assert_eq!(reply.location(), "/account/password");
    // Invalid input is named and nothing is created.
    let bad = post(
        &a.router,
        "/admin/users",
        &admin,
        &form(&[
            ("csrf", &csrf),
            ("username", "Wang Wu"),
            ("display_name", ""),
            ("role", "局长"),
            ("division", "5002"),
        ]),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    for part in ["账号名“Wang Wu”无效", "姓名不能为空", "角色“局长”无效"] {
        assert!(bad.body.contains(part), "{part}: {}", bad.body);
    }
    // Disable, then reset.
    let disabled = post(
        &a.router,
        "/admin/users/action",
        &admin,
        &form(&[
            ("csrf", &csrf),
            ("username", "li.si"),
            ("action", "disable"),
        ]),
        &[],
    )
    .await;
    assert!(
        disabled.body.contains("已停用账号li.si"),
        "{}",
        disabled.body
    );
    let (reply, _) = login(&a.router, "li.si", &password).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.body.contains("账号已停用"));

    // The security administrator raises the lockout bar; it applies at once.
    let security = session(&a.router, "security").await;
    let sp = get(&a.router, "/admin/security", &security).await;
    let scsrf = hidden(&sp.body, "csrf");
    let mut fields: Vec<(String, String)> =
        dixian_app::accounts::security::SecuritySettings::of(&SecurityPolicy::default())
            .fields()
            .iter()
            .map(|f| (f.0.to_string(), f.2.to_string()))
            .collect();
    let set = |fields: &mut Vec<(String, String)>, k: &str, v: &str| {
        fields.iter_mut().find(|f| f.0 == k).unwrap().1 = v.into();
    };
    set(&mut fields, "lockout_threshold", "3");
    set(&mut fields, "password_min_length", "6");
    let body = |fields: &Vec<(String, String)>| {
        let mut pairs: Vec<(&str, &str)> = vec![("csrf", &scsrf)];
        pairs.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        form(&pairs)
    };
    let refused = post(&a.router, "/admin/security", &security, &body(&fields), &[]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused
            .body
            .contains("密码最短长度应在8到64之间（填写的是6）"),
        "{}",
        refused.body
    );
    set(&mut fields, "password_min_length", "10");
    let saved = post(&a.router, "/admin/security", &security, &body(&fields), &[]).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(saved.body.contains("安全策略已保存"));
    let changes = audit_actions(&a, "setting.put").await;
    let change = changes.last().unwrap();
    assert_eq!(change.target, "security.policy");
    assert!(
        change.detail.contains("\\\"lockout_threshold\\\":3"),
        "{}",
        change.detail
    );
    for _ in 0..3 {
        login(&a.router, "viewer", "wrong-password").await;
    }
    let (locked, _) = login(&a.router, "viewer", accounts::DEMO_PASSWORD).await;
    assert!(locked.body.contains("账号已锁定"), "{}", locked.body);
    // The system administrator cannot change it.
    let admin_page = post(&a.router, "/admin/security", &admin, &body(&fields), &[]).await;
    assert_eq!(admin_page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn auditor_filters_and_exports_the_trail() {
    let a = app().await;
    login(&a.router, "town", "wrong-password").await;
    let auditor = session(&a.router, "auditor").await;
    let page = get(&a.router, "/audit?action=login.failure", &auditor).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("登录失败") && page.body.contains(">town<"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("登录成功</td>"));
    let bad = get(&a.router, "/audit?from=yesterday", &auditor).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("起始日期“yesterday”不是日期"));
    let csv = get(&a.router, "/audit/export.csv?actor=town", &auditor).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(csv.body.starts_with('\u{feff}'));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(lines.len() >= 2, "{}", csv.body);
    assert!(
        lines[1..].iter().all(|l| l.contains("\"town\"")),
        "{}",
        csv.body
    );
    let exports = audit_actions(&a, "audit.export").await;
    assert_eq!(exports.len(), 1);
    assert!(
        exports[0].detail.contains("\"actor\":\"town\""),
        "{}",
        exports[0].detail
    );
}

#[tokio::test]
async fn public_pages_are_rate_limited() {
    let a = app_limited(false, 5).await;
    for _ in 0..5 {
        assert_eq!(get(&a.router, "/healthz", "").await.status, StatusCode::OK);
    }
    let limited = get(&a.router, "/login", "").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.body.contains("请求过于频繁"), "{}", limited.body);
    let wait: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=12).contains(&wait), "{wait}");
    // Unknown addresses count too: scanners cannot probe freely.
    assert_eq!(
        get(&a.router, "/wp-login.php", "").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A signed-in user's pages are not public and are not counted.
    let b = app_limited(false, 3).await;
    let cookie = session(&b.router, "county").await;
    for _ in 0..5 {
        assert_eq!(get(&b.router, "/", &cookie).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_cadre_sees_only_assigned_households() {
    let a = app().await;
    let village = DivisionCode::parse("500299101201").unwrap();
    let sys = Actor::system("t");
    let cadre = session(&a.router, "cadre").await;
    let before = get(&a.router, "/", &cadre).await;
    assert!(before.body.contains(">0<"), "{}", before.body);
    let n = demo::assign_demo_cadre(a.store.as_ref(), &sys, "cadre", &village)
        .await
        .unwrap();
    assert!(n > 0);
    let in_village = a.store.registry_counts(&sys, &village).await.unwrap();
    assert!(in_village.households as usize >= n);
    let after = get(&a.router, "/", &cadre).await;
    assert!(
        after.body.contains(&format!(">{n}<")),
        "{n}: {}",
        after.body
    );
}

#[tokio::test]
async fn oversized_and_malformed_forms_get_chinese_refusals() {
    let a = app().await;
    let county = session(&a.router, "county").await;
    let page = get(&a.router, "/people", &county).await;
    let csrf = hidden(&page.body, "csrf");
    let big = form(&[("csrf", &csrf), ("id_number", &"1".repeat(100_000))]);
    let r = post(&a.router, "/people", &county, &big, &[]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        r.body.contains("提交的内容过大（表单上限64 KB）"),
        "{}",
        r.body
    );
    let r = post(
        &a.router,
        "/people/reveal",
        &county,
        &format!("csrf={csrf}&person_id=abc"),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("表单格式不正确"), "{}", r.body);
    // Forged as well as malformed: refused before it is read.
    let r = post(
        &a.router,
        "/people/reveal",
        &county,
        "csrf=x&person_id=abc",
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Nothing was revealed or looked up.
    assert!(audit_actions(&a, "pii.reveal").await.is_empty());
    assert!(audit_actions(&a, "person.lookup").await.is_empty());
}

#[tokio::test]
async fn household_list_detail_and_api() {
    let a = app().await;
    let county = session(&a.router, "county").await;
    let list = get(&a.router, "/households", &county).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("共 600 户"), "{}", list.body);
    assert_eq!(list.body.matches("href=\"/households/5002").count(), 30);
    let next = get(&a.router, "/households?page=2", &county).await;
    assert!(next.body.contains("第 2/20 页"), "{}", next.body);
    let monitored = get(&a.router, "/households?monitored=1", &county).await;
    let n: i64 = monitored
        .body
        .split("共 ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(n > 0 && n < 600, "{n}");
    let bad = get(&a.router, "/households?dibao=maybe&within=12", &county).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("低保应为“是”或“否”"), "{}", bad.body);

    // The town sees its town only, in lists, pages and the API.
    let town = session(&a.router, "town").await;
    let mine = get(&a.router, "/api/households?page=1", &town).await;
    assert_eq!(mine.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&mine.body).unwrap();
    let rows = json["households"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["village"].as_str().unwrap().starts_with("500299101"))
    );
    let head_id = rows[0]["head_id_number"].as_str().unwrap();
    assert!(head_id.contains("**********"), "{head_id}");
    let code = rows[0]["code"].as_str().unwrap().to_string();
    let page = get(&a.router, &format!("/households/{code}"), &town).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("家庭成员") && page.body.contains("人均纯收入"));
    assert!(page.body.contains("**********"));
    let detail = get(&a.router, &format!("/api/households/{code}"), &town).await;
    let d: serde_json::Value = serde_json::from_str(&detail.body).unwrap();
    assert!(d["years"][0]["line"].is_string(), "{}", detail.body);
    assert!(!d["members"].as_array().unwrap().is_empty());
    let last = get(&a.router, "/households?page=20", &county).await;
    let other = last
        .body
        .split("href=\"/households/")
        .map(|t| t.split('"').next().unwrap_or(""))
        .find(|c| c.len() == 16 && !c.starts_with("500299101"))
        .unwrap()
        .to_string();
    let refused = get(&a.router, &format!("/households/{other}"), &town).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = get(&a.router, &format!("/api/households/{other}"), &town).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("无权访问"));
    let bad = get(&a.router, "/api/households/123", &town).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("户编号“123”无效"), "{}", bad.body);

    // The API wants a session, in JSON; the document is public.
    let anon = get(&a.router, "/api/households", "").await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    assert!(anon.body.contains("请先登录"));
    let doc = get(&a.router, "/api/openapi.json", "").await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&doc.body).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(doc["paths"]["/api/households/{code}"]["get"].is_object());
}

#[tokio::test]
async fn ledger_exports_follow_the_filter_and_the_scope() {
    let a = app().await;
    let county = session(&a.router, "county").await;
    let csv = get(&a.router, "/households/ledger/export.csv", &county).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 601, "header and 600 households");
    assert!(lines[0].starts_with("\u{feff}户编号,"));
    assert!(lines[1].starts_with("5002991"));
    let id_col = lines[1].split(',').nth(5).unwrap();
    assert!(id_col.contains("**********"), "{id_col}");
    // The list's filter applies; the town gets its town only.
    let monitored = get(
        &a.router,
        "/households/ledger/export.csv?monitored=1",
        &county,
    )
    .await;
    assert!(monitored.body.lines().count() < 601);
    let town = session(&a.router, "town").await;
    let mine = get(&a.router, "/households/ledger/export.csv", &town).await;
    assert!(
        mine.body
            .lines()
            .skip(1)
            .all(|l| l.starts_with("500299101"))
    );
    let xlsx = a
        .router
        .clone()
        .oneshot(
            Request::get("/households/ledger/export.xlsx")
                .header(header::COOKIE, &county)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(xlsx.into_body(), 1 << 24)
        .await
        .unwrap();
    assert!(bytes.starts_with(b"PK"), "a zip container");
    let names = String::from_utf8_lossy(&bytes);
    assert!(names.contains("xl/worksheets/sheet1.xml"));
    // Each export is audited; a viewer may read the list but not export it.
    assert_eq!(audit_actions(&a, "export.households").await.len(), 4);
    let viewer = session(&a.router, "viewer").await;
    let refused = get(&a.router, "/households/ledger/export.csv", &viewer).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let wrong = get(&a.router, "/households/ledger/export.pdf", &county).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
}

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "dixianBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    a: &App,
    cookie: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Reply {
    multipart_to(a, cookie, "/households/import", fields, file).await
}

/// Posts a multipart form (fields and at most one file) to `uri`.
async fn multipart_to(
    a: &App,
    cookie: &str,
    uri: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Reply {
    let (ctype, body) = multipart(fields, file);
    send(
        &a.router,
        Request::post(uri)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, ctype)
            .header(header::HOST, "dixian.test")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn households_are_imported_from_the_browser() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let page = get(&a.router, "/households/import", &town).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = hidden(&page.body, "csrf");
    let template = get(&a.router, "/households/import/template.csv", &town).await;
    let rows: Vec<String> = template
        .body
        .lines()
        .map(|l| l.replace("5002991012010001", "5002991012018001"))
        .collect();
    let county = DivisionCode::parse("500299000000").unwrap();
    let sys = Actor::system("t");
    let before = a.store.registry_counts(&sys, &county).await.unwrap();

    // A broken file: problems on screen, a report to download, nothing written.
    let broken = format!(
        "{}\n{}\n{}\n",
        rows[0],
        rows[1],
        rows[2].replace("李四", "")
    );
    let r = upload(
        &a,
        &town,
        &[("csrf", &csrf)],
        Some(("石桥村.csv", broken.as_bytes())),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("发现1处问题，未写入任何数据"), "{}", r.body);
    assert!(r.body.contains("必填，不能为空"));
    let link = r
        .body
        .split("href=\"/households/import/report/")
        .nth(1)
        .unwrap();
    let token = link.split('"').next().unwrap();
    let report = get(
        &a.router,
        &format!("/households/import/report/{token}"),
        &town,
    )
    .await;
    assert!(
        report.body.contains("姓名：必填，不能为空"),
        "{}",
        report.body
    );
    // Someone else's report is not theirs to read.
    let village = session(&a.router, "village").await;
    let other = get(
        &a.router,
        &format!("/households/import/report/{token}"),
        &village,
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(
        a.store.registry_counts(&sys, &county).await.unwrap(),
        before
    );

    // The corrected file: dry run, import, and again with nothing to do.
    let good = rows.join("\n");
    let dry = upload(
        &a,
        &town,
        &[("csrf", &csrf), ("dry_run", "1")],
        Some(("石桥村.csv", good.as_bytes())),
    )
    .await;
    assert!(
        dry.body.contains("检查通过（试导入，未写入）"),
        "{}",
        dry.body
    );
    assert_eq!(
        a.store.registry_counts(&sys, &county).await.unwrap(),
        before
    );
    let done = upload(
        &a,
        &town,
        &[("csrf", &csrf)],
        Some(("石桥村.csv", good.as_bytes())),
    )
    .await;
    assert!(
        done.body.contains("导入完成") && done.body.contains("共写入1户"),
        "{}",
        done.body
    );
    let again = upload(
        &a,
        &town,
        &[("csrf", &csrf)],
        Some(("石桥村.csv", good.as_bytes())),
    )
    .await;
    assert!(
        again.body.contains("新增0户") && again.body.contains("已登记且无变化1户"),
        "{}",
        again.body
    );
    let after = a.store.registry_counts(&sys, &county).await.unwrap();
    assert_eq!(after.households, before.households + 1);

    // Without waiting, the upload answers with the import's progress page at once; the page
    // refreshes itself until the result is there.
    let r = upload(
        &a,
        &town,
        &[("csrf", &csrf), ("dry_run", "1"), ("wait", "0")],
        Some(("石桥村.csv", good.as_bytes())),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert!(r.body.contains("正在检查"), "{}", r.body);
    let job = r.headers[header::CONTENT_LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        r.body
            .contains(&format!("http-equiv=\"refresh\" content=\"1; url={job}\"")),
        "{}",
        r.body
    );
    let mut done = get(&a.router, &job, &town).await;
    for _ in 0..100 {
        if done.status != StatusCode::ACCEPTED {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        done = get(&a.router, &job, &town).await;
    }
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("检查通过"), "{}", done.body);
    // Someone else's import is not theirs to see.
    let other = get(&a.router, &job, &session(&a.router, "village").await).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // Excel files go in directly: the template as downloaded, and a damaged copy of it.
    let xlsx = get(&a.router, "/households/import/template.xlsx", &town).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(
        xlsx.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml"),
        "{:?}",
        xlsx.headers
    );
    let records = dixian_app::import::read_csv(&good, dixian_app::today()).unwrap();
    let mut template = Vec::new();
    dixian_app::import::write_households(
        dixian_app::sheet::FileKind::Xlsx,
        records.clone(),
        &mut template,
    )
    .unwrap();
    let dry = upload(
        &a,
        &town,
        &[("csrf", &csrf), ("dry_run", "1")],
        Some(("石桥村.xlsx", &template)),
    )
    .await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
    assert!(
        dry.body.contains("文件中1户、2人") && dry.body.contains("已登记且无变化1户"),
        "{}",
        dry.body
    );
    // A corrected Excel file updates the registered household; the change is listed.
    let mut moved = records;
    moved[0].household.address = "石桥村新址9号".into();
    let mut fixed = Vec::new();
    dixian_app::import::write_households(dixian_app::sheet::FileKind::Xlsx, moved, &mut fixed)
        .unwrap();
    let r = upload(
        &a,
        &town,
        &[("csrf", &csrf)],
        Some(("石桥村更正.xlsx", &fixed)),
    )
    .await;
    assert!(
        r.body.contains("更新1户（1处变更）") && r.body.contains("石桥村新址9号"),
        "{}",
        r.body
    );
    let cut = &template[..template.len() / 2];
    let r = upload(&a, &town, &[("csrf", &csrf)], Some(("坏.xlsx", cut))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Excel 文件已损坏或不完整"), "{}", r.body);
    assert_eq!(a.store.registry_counts(&sys, &county).await.unwrap(), after);

    // Forged, unpermitted and oversized uploads are refused.
    let forged = upload(
        &a,
        &town,
        &[("csrf", "wrong")],
        Some(("x.csv", good.as_bytes())),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let viewer = session(&a.router, "viewer").await;
    assert_eq!(
        get(&a.router, "/households/import", &viewer).await.status,
        StatusCode::FORBIDDEN
    );
    // 200 MB: twice the limit.
    let huge = vec![b'1'; 200 * 1024 * 1024];
    let r = upload(&a, &town, &[("csrf", &csrf)], Some(("huge.csv", &huge))).await;
    assert!(
        r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        r.status
    );
    assert!(r.body.contains("过大"), "{}", r.body);
    // A larger-than-form but allowed file goes through the upload limit, not the form one.
    let padded = format!("{good}\n{}", "\n".repeat(100_000));
    let r = upload(
        &a,
        &town,
        &[("csrf", &csrf), ("dry_run", "1")],
        Some(("p.csv", padded.as_bytes())),
    )
    .await;
    assert!(r.body.contains("检查通过"), "{}", r.body);
}

#[tokio::test]
async fn edit_a_household_and_see_it_in_the_timeline() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let list = get(&a.router, "/api/households", &town).await;
    let json: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    let code = json["households"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["members"].as_i64().unwrap() >= 2)
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let form_page = get(&a.router, &format!("/households/{code}/edit"), &town).await;
    assert_eq!(form_page.status, StatusCode::OK);
    let csrf = hidden(&form_page.body, "csrf");
    let address = hidden(&form_page.body, "address");
    let uri = format!("/households/{code}/edit");
    let bad = post(
        &a.router,
        &uri,
        &town,
        &form(&[
            ("csrf", &csrf),
            ("address", ""),
            ("phone", "12ab"),
            ("household_type", "tuopin"),
            ("reason", "x"),
        ]),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("住址不能为空") && bad.body.contains("联系电话“12ab”无效"),
        "{}",
        bad.body
    );
    let no_reason = post(
        &a.router,
        &uri,
        &town,
        &form(&[
            ("csrf", &csrf),
            ("address", "新住址1号"),
            ("household_type", "tuopin"),
            ("reason", ""),
        ]),
        &[],
    )
    .await;
    assert!(
        no_reason.body.contains("请填写变更原因"),
        "{}",
        no_reason.body
    );
    let ok = post(
        &a.router,
        &uri,
        &town,
        &form(&[
            ("csrf", &csrf),
            ("address", "新住址1号"),
            ("household_type", "tuopin"),
            ("monitored", "1"),
            ("reason", "入户核实后更正"),
        ]),
        &[],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = get(&a.router, ok.location(), &town).await;
    assert!(page.body.contains("已保存"), "{}", page.body);
    assert!(
        page.body.contains(&format!("住址：{address} → 新住址1号")),
        "{}",
        page.body
    );
    assert!(page.body.contains("原因：入户核实后更正"));
    // A member moves out: an explicit action, dated, in the timeline.
    let member = page
        .body
        .split("<option value=\"")
        .filter_map(|t| t.split('"').next())
        .filter_map(|v| v.parse::<i64>().ok())
        .nth(1);
    let member = member.expect("a second member");
    {
        let r = post(
            &a.router,
            &format!("/households/{code}/members/status"),
            &town,
            &form(&[
                ("csrf", &csrf),
                ("member", &member.to_string()),
                ("status", "moved_out"),
                ("date", "2026-10-01"),
                ("reason", "外出务工迁出户口"),
            ]),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = get(&a.router, &format!("/households/{code}"), &town).await;
        assert!(
            page.body.contains("成员迁出") && page.body.contains("迁出（2026-10-01）"),
            "{}",
            page.body
        );
        // A person of another household cannot be changed through this one's page.
        let other = json["households"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["code"].as_str().unwrap().to_string())
            .find(|c| *c != code)
            .unwrap();
        let r = post(
            &a.router,
            &format!("/households/{other}/members/status"),
            &town,
            &form(&[
                ("csrf", &csrf),
                ("member", &member.to_string()),
                ("status", "in_household"),
                ("date", "2026-10-02"),
                ("reason", "错户操作"),
            ]),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("没有这名成员"), "{}", r.body);
    }
    // A viewer may look but not change.
    let viewer = session(&a.router, "viewer").await;
    assert_eq!(
        get(&a.router, &uri, &viewer).await.status,
        StatusCode::FORBIDDEN
    );
    let vpage = get(&a.router, &format!("/households/{code}"), &viewer).await;
    assert!(!vpage.body.contains("修改户信息"));
}

#[tokio::test]
async fn a_birth_and_a_year_of_income_are_recorded_from_their_forms() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let list = get(&a.router, "/api/households", &town).await;
    let json: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    let code = json["households"][0]["code"].as_str().unwrap().to_string();
    let page = get(&a.router, &format!("/households/{code}"), &town).await;
    assert!(page.body.contains("id=\"member-link\""), "{}", page.body);

    // A birth: a wrong number is named and what was typed stays; the right one is recorded.
    let uri = format!("/households/{code}/members/new");
    let form_page = get(&a.router, &uri, &town).await;
    assert_eq!(form_page.status, StatusCode::OK);
    let csrf = hidden(&form_page.body, "csrf");
    let fields = |id: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("arrival", "birth".to_string()),
            ("id_number", id.to_string()),
            ("name", "王小宝".to_string()),
            ("relation", "grandson".to_string()),
            ("labour", "none".to_string()),
            ("health", "healthy".to_string()),
            ("schooling", "preschool".to_string()),
            ("medical_insurance", "1".to_string()),
            ("reason", "新生儿落户".to_string()),
        ]
    };
    let encode = |f: &[(&str, String)]| {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form(&pairs)
    };
    let bad = post(
        &a.router,
        &uri,
        &town,
        &encode(&fields("500299202601010015")),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("身份证号："), "{}", bad.body);
    assert!(bad.body.contains("value=\"王小宝\""), "{}", bad.body);
    let ok = post(
        &a.router,
        &uri,
        &town,
        &encode(&fields("500299202601010017")),
        &[],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = get(&a.router, ok.location(), &town).await;
    assert!(page.body.contains("成员出生"), "{}", page.body);
    assert!(
        page.body
            .contains("王小宝（5002**********0017，孙子，2026-01-01）"),
        "{}",
        page.body
    );
    // The same person again is refused by name.
    let again = post(
        &a.router,
        &uri,
        &town,
        &encode(&fields("500299202601010017")),
        &[],
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("一人只能属于一户"), "{}", again.body);

    // Income: a bad amount is named; a good year is recorded and shown.
    let uri = format!("/households/{code}/income");
    let income_page = get(&a.router, &format!("{uri}?year=2026"), &town).await;
    assert_eq!(income_page.status, StatusCode::OK);
    assert!(
        income_page.body.contains("登记收入"),
        "{}",
        income_page.body
    );
    let bad = post(
        &a.router,
        &uri,
        &town,
        &form(&[
            ("csrf", &csrf),
            ("year", "2026"),
            ("a0", "一万"),
            ("reason", "年度核算"),
        ]),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("工资性收入“一万”无效"), "{}", bad.body);
    let ok = post(
        &a.router,
        &uri,
        &town,
        &form(&[
            ("csrf", &csrf),
            ("year", "2026"),
            ("a0", "12,000"),
            ("a4", "1500"),
            ("reason", "年度核算"),
        ]),
        &[],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = get(&a.router, ok.location(), &town).await;
    assert!(
        page.body.contains("2026年工资性收入：（空） → 12000.00"),
        "{}",
        page.body
    );
    let corrected = get(&a.router, &format!("{uri}?year=2026"), &town).await;
    assert!(corrected.body.contains("更正收入") && corrected.body.contains("value=\"12000.00\""));

    // A check of housing and water: an unsafe house and unmet water quality show as problems.
    let uri = format!("/households/{code}/assurance");
    let check_page = get(&a.router, &uri, &town).await;
    assert_eq!(check_page.status, StatusCode::OK);
    let ok = post(
        &a.router,
        &uri,
        &town,
        &form(&[
            ("csrf", &csrf),
            ("food_clothing", "1"),
            ("housing", "d"),
            ("water_quantity", "1"),
            ("water_convenience", "1"),
            ("water_guarantee", "1"),
            ("note", "危房改造已列入计划"),
            ("reason", "年度大排查"),
        ]),
        &[],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = get(&a.router, ok.location(), &town).await;
    assert!(page.body.contains("鉴定为D级（危房）"), "{}", page.body);
    assert!(page.body.contains("未达标：水质"), "{}", page.body);
    assert!(page.body.contains("保障情况核查"), "{}", page.body);
    assert!(page.body.contains("住房安全等级："), "{}", page.body);
    assert!(page.body.contains("→ D级"), "{}", page.body);
    let bad = post(
        &a.router,
        &uri,
        &town,
        &form(&[("csrf", &csrf), ("housing", "e"), ("reason", "核查")]),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("住房安全等级“e”无效"), "{}", bad.body);

    // A read-only account gets neither form.
    let viewer = session(&a.router, "viewer").await;
    assert_eq!(
        get(
            &a.router,
            &format!("/households/{code}/members/new"),
            &viewer
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

async fn json_call(
    r: &axum::Router,
    method: &str,
    uri: &str,
    cookie: &str,
    token: &str,
    body: serde_json::Value,
) -> Reply {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::HOST, "dixian.test")
        .header("x-csrf-token", token)
        .body(Body::from(body.to_string()))
        .unwrap();
    send(r, req).await
}

#[tokio::test]
async fn the_api_records_members_income_and_checks_with_a_csrf_token() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let me: serde_json::Value =
        serde_json::from_str(&get(&a.router, "/api/session", &town).await.body).unwrap();
    let token = me["csrf_token"].as_str().unwrap().to_string();
    assert_eq!(me["username"], "town");
    let list: serde_json::Value =
        serde_json::from_str(&get(&a.router, "/api/households", &town).await.body).unwrap();
    let code = list["households"][1]["code"].as_str().unwrap().to_string();
    let member = serde_json::json!({
        "arrival": "birth", "id_number": "500299202601010017", "name": "接口新生儿",
        "relation": "grandson", "reason": "新生儿落户"
    });
    let uri = format!("/api/households/{code}/members");
    // Without the token: refused, audited, nothing written.
    let r = json_call(&a.router, "POST", &uri, &town, "", member.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("X-CSRF-Token"), "{}", r.body);
    let r = json_call(&a.router, "POST", &uri, &town, &token, member.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let again = json_call(&a.router, "POST", &uri, &town, &token, member).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("一人只能属于一户"), "{}", again.body);
    let bad = json_call(
        &a.router,
        "POST",
        &uri,
        &town,
        &token,
        serde_json::json!({ "arrival": "birth", "id_number": "123", "name": "", "relation": "head", "reason": "x" }),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("身份证号"), "{}", bad.body);

    let r = json_call(
        &a.router,
        "PUT",
        &format!("/api/households/{code}/income"),
        &town,
        &token,
        serde_json::json!({ "year": 2026, "wage": "1.5万", "reason": "年度核算" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let changes: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(changes["changes"][0]["new"], "15000.00");

    let r = json_call(
        &a.router,
        "PUT",
        &format!("/api/households/{code}/assurance"),
        &town,
        &token,
        serde_json::json!({ "food_clothing": true, "housing": "c", "water_quantity": true,
            "water_quality": true, "water_convenience": true, "water_guarantee": true,
            "reason": "年度大排查" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let detail: serde_json::Value = serde_json::from_str(
        &get(&a.router, &format!("/api/households/{code}"), &town)
            .await
            .body,
    )
    .unwrap();
    let housing = detail["assurance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["indicator"] == "housing")
        .unwrap()
        .clone();
    assert_eq!(housing["secure"], false);
    assert!(
        detail["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "接口新生儿")
    );
    // Household fields, a member's details and a member's moving out.
    let r = json_call(
        &a.router,
        "PUT",
        &format!("/api/households/{code}"),
        &town,
        &token,
        serde_json::json!({ "address": "接口改址8号", "household_type": "tuopin", "monitored": true, "reason": "入户核实" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("接口改址8号"), "{}", r.body);
    let baby = detail["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "接口新生儿")
        .unwrap()["person_id"]
        .as_i64()
        .unwrap();
    let r = json_call(
        &a.router,
        "PUT",
        &format!("/api/households/{code}/members"),
        &town,
        &token,
        serde_json::json!({ "members": [ { "person_id": baby, "health": "serious" } ], "reason": "确诊大病" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("接口新生儿的健康状况"), "{}", r.body);
    let r = json_call(
        &a.router,
        "POST",
        &format!("/api/households/{code}/members/{baby}/status"),
        &town,
        &token,
        serde_json::json!({ "status": "moved_out", "date": "2026-11-01", "reason": "随父母迁出" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // A household registered through the API, its code assigned.
    let village = &code[..12];
    let r = json_call(
        &a.router,
        "POST",
        "/api/households",
        &town,
        &token,
        serde_json::json!({ "village": village, "address": "接口新址", "household_type": "ordinary",
            "head": { "id_number": "500299198001010014", "name": "接口户主" }, "reason": "分户" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let created: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(created["code"].as_str().unwrap().starts_with(village));
    // The document lists the write operations.
    let doc: serde_json::Value =
        serde_json::from_str(&get(&a.router, "/api/openapi.json", "").await.body).unwrap();
    assert!(doc["paths"]["/api/households/{code}/members"]["post"].is_object());
    assert!(doc["paths"]["/api/households/{code}/income"]["put"].is_object());
    assert!(doc["paths"]["/api/households/{code}/assurance"]["put"].is_object());
    assert!(doc["paths"]["/api/households"]["post"].is_object());
    assert!(doc["paths"]["/api/households/{code}"]["put"].is_object());
    assert!(doc["paths"]["/api/households/{code}/members"]["put"].is_object());
    assert!(doc["paths"]["/api/households/{code}/members/{person}/status"]["post"].is_object());
}

#[tokio::test]
async fn the_head_passes_to_another_member_on_the_members_form() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let list: serde_json::Value =
        serde_json::from_str(&get(&a.router, "/api/households", &town).await.body).unwrap();
    let code = list["households"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["members"].as_i64().unwrap() >= 2)
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let uri = format!("/households/{code}/members/edit");
    let page = get(&a.router, &uri, &town).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = hidden(&page.body, "csrf");
    // The form as the browser would send it back, with the relations changed.
    let field = |name: &str| hidden(&page.body, name);
    let selected = |name: &str| {
        page.body
            .split(&format!("name=\"{name}\""))
            .nth(1)
            .and_then(|t| t.split("selected").next())
            .and_then(|t| t.rsplit("value=\"").next())
            .and_then(|t| t.split('"').next())
            .unwrap_or_default()
            .to_string()
    };
    let mut pairs: Vec<(String, String)> = vec![("csrf".into(), csrf.clone())];
    for i in 0..2 {
        for f in ["pid", "name"] {
            let key = format!("{f}_{i}");
            pairs.push((key.clone(), field(&key)));
        }
        for f in ["labour", "health", "schooling"] {
            let key = format!("{f}_{i}");
            pairs.push((key.clone(), selected(&key)));
        }
        pairs.push((format!("medical_{i}"), "1".into()));
    }
    let with = |first: &str, second: &str, reason: &str| {
        let mut p = pairs.clone();
        p.push(("relation_0".into(), first.into()));
        p.push(("relation_1".into(), second.into()));
        p.push(("reason".into(), reason.into()));
        let refs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        form(&refs)
    };
    let bad = post(
        &a.router,
        &uri,
        &town,
        &with("head", "head", "变更户主"),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("应恰好有1名在户的户主"), "{}", bad.body);
    let ok = post(
        &a.router,
        &uri,
        &town,
        &with("father", "head", "户主年老，由子女任户主"),
        &[],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let after = get(&a.router, ok.location(), &town).await;
    assert!(after.body.contains("成员信息变更"), "{}", after.body);
    assert!(
        after.body.contains("的与户主关系：户主 → 父亲"),
        "{}",
        after.body
    );
    // The header now names the new head.
    let second = field("name_1");
    assert!(
        after.body.contains(&format!("{second}户")),
        "{}",
        after.body
    );
}

#[tokio::test]
async fn a_household_is_registered_by_hand_with_its_head() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let list = get(&a.router, "/households", &town).await;
    assert!(list.body.contains("id=\"new-household\""), "{}", list.body);
    let page = get(&a.router, "/households/new", &town).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = hidden(&page.body, "csrf");
    let village = page
        .body
        .split("name=\"village\"")
        .nth(1)
        .and_then(|t| t.split("<option value=\"").nth(2))
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_string();
    assert_eq!(village.len(), 12, "{village}");
    let fields = |id: &str, address: &str| {
        form(&[
            ("csrf", &csrf),
            ("village", &village),
            ("address", address),
            ("household_type", "ordinary"),
            ("id_number", id),
            ("name", "赵新户"),
            ("labour", "ordinary"),
            ("health", "healthy"),
            ("schooling", "not_in_school"),
            ("medical_insurance", "1"),
            ("reason", "分户新立"),
        ])
    };
    let bad = post(&a.router, "/households/new", &town, &fields("123", ""), &[]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("住址不能为空") && bad.body.contains("户主身份证号"),
        "{}",
        bad.body
    );
    let ok = post(
        &a.router,
        "/households/new",
        &town,
        &fields("500299198001010014", "新村1号"),
        &[],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let code = ok.location().trim_start_matches("/households/");
    assert!(code.starts_with(&village), "{code}");
    let shown = get(&a.router, ok.location(), &town).await;
    assert!(shown.body.contains("赵新户户"), "{}", shown.body);
    // The same person cannot head a second household.
    let again = post(
        &a.router,
        "/households/new",
        &town,
        &fields("500299198001010014", "新村2号"),
        &[],
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("一人只能属于一户"), "{}", again.body);
}

#[tokio::test]
async fn the_ledger_with_full_numbers_needs_a_reason_and_the_permission() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let list = get(&a.router, "/households", &town).await;
    assert!(
        list.body.contains("id=\"export-revealed\""),
        "{}",
        list.body
    );
    let csrf = hidden(&list.body, "csrf");
    let masked = get(&a.router, "/households/ledger/export.csv", &town).await;
    let first = masked
        .body
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(5)
        .unwrap()
        .to_string();
    assert!(first.contains("**********"), "{first}");
    let no_reason = post(
        &a.router,
        "/households/ledger/export.csv",
        &town,
        &form(&[("csrf", &csrf), ("reason", "")]),
        &[],
    )
    .await;
    assert_eq!(
        no_reason.status,
        StatusCode::BAD_REQUEST,
        "{}",
        no_reason.body
    );
    assert!(no_reason.body.contains("须填写理由"), "{}", no_reason.body);
    let full = post(
        &a.router,
        "/households/ledger/export.csv",
        &town,
        &form(&[("csrf", &csrf), ("reason", "核对一卡通发放名单")]),
        &[],
    )
    .await;
    assert_eq!(full.status, StatusCode::OK, "{}", full.body);
    let id = full
        .body
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(5)
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 18, "{id}");
    // A forged post is refused; an account without the reveal permission too.
    let forged = post(
        &a.router,
        "/households/ledger/export.csv",
        &town,
        &form(&[("csrf", "x"), ("reason", "核对一卡通发放名单")]),
        &[],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let village = session(&a.router, "village").await;
    let v_list = get(&a.router, "/households", &village).await;
    assert!(!v_list.body.contains("id=\"export-revealed\""));
    let v_csrf = hidden(&v_list.body, "csrf");
    let r = post(
        &a.router,
        "/households/ledger/export.csv",
        &village,
        &form(&[("csrf", &v_csrf), ("reason", "核对一卡通发放名单")]),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}
