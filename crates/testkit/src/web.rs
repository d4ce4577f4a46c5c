//! The router against a real SQLite store holding a small demo county and its accounts, and
//! clients that sign in through the login form as a person would.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::NaiveDate;
use dixian_app::accounts::auth::SecurityPolicy;
use dixian_app::accounts::{self, Argon2id};
use dixian_app::demo;
use dixian_app::setup::initialize;
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_store::AuditStore;
use dixian_store_sql::SqlStore;
use dixian_web::{AppState, router};
use std::sync::Arc;
use tower::ServiceExt;

pub struct App {
    pub _dir: tempfile::TempDir,
    pub store: Arc<SqlStore>,
    pub router: axum::Router,
    /// The router's clock: a test sets the day it acts on.
    pub clock: dixian_app::Clock,
}

pub async fn app_with(secure_cookies: bool) -> App {
    app_limited(secure_cookies, 100_000).await
}

pub async fn app_limited(secure_cookies: bool, per_minute: u32) -> App {
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

pub async fn app() -> App {
    app_with(false).await
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with(&format!("{name}=")))
    }
}

pub async fn send(r: &axum::Router, req: Request<Body>) -> Reply {
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

pub async fn get(r: &axum::Router, uri: &str, cookie: &str) -> Reply {
    send(
        r,
        Request::get(uri)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

pub fn form(pairs: &[(&str, &str)]) -> String {
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

pub async fn post(
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

pub fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    body.split(&marker)
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap_or_default()
        .to_string()
}

/// Logs in through the form; returns the reply to the POST and the cookie header to use.
pub async fn login(r: &axum::Router, username: &str, password: &str) -> (Reply, String) {
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

pub async fn session(r: &axum::Router, username: &str) -> String {
    let (reply, cookie) = login(r, username, accounts::DEMO_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    cookie
}

pub async fn audit_actions(a: &App, action: &str) -> Vec<dixian_store::AuditRecord> {
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
