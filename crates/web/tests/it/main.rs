//! The router against a real SQLite store holding a small demo county and its accounts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::NaiveDate;
use dixian_app::accounts::{self, Argon2id};
use dixian_app::auth::SecurityPolicy;
use dixian_app::demo;
use dixian_app::setup::initialize;
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_store::Store;
use dixian_store_sql::SqlStore;
use dixian_web::{AppState, router};
use std::sync::Arc;
use tower::ServiceExt;

struct App {
    _dir: tempfile::TempDir,
    store: Arc<SqlStore>,
    router: axum::Router,
}

async fn app_with(secure_cookies: bool) -> App {
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
    let router = router(AppState {
        store: store.clone(),
        hashing: Arc::new(Argon2id::cheap_for_tests()),
        policy: Arc::new(SecurityPolicy::default()),
        secure_cookies,
    });
    App {
        _dir: dir,
        store,
        router,
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
        body: String::from_utf8(body.to_vec()).unwrap(),
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
        .audit_records(&dixian_domain::access::Actor::system("test"), &dixian_store::AuditFilter::after(0, 10_000))
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
        "重庆市县青山县",
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
        .audit_records(&dixian_domain::access::Actor::system("test"), &dixian_store::AuditFilter::after(0, 10_000))
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
