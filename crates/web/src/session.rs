//! Sessions over HTTP: the session cookie, the login-required middleware, CSRF checks, and
//! the login, logout, password and account pages.

use crate::{AppState, Frame, render};
use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, Form, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use dixian_app::accounts;
use dixian_app::accounts::auth::{self, AuthError, Authenticated};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "dixian_session";
const LOGIN_CSRF_COOKIE: &str = "dixian_login_csrf";

/// The signed-in user of a request, put there by [`require_login`].
#[derive(Clone)]
pub struct Session {
    pub auth: Arc<Authenticated>,
    pub token: String,
}

impl Session {
    pub fn frame(&self, state: &AppState) -> Frame {
        Frame::new(state, Some(self))
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<i64>,
) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Strict{secure}{age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The client address, when the server was started with connection info. Behind a trusted
/// reverse proxy it is the last address the proxy appended to `X-Forwarded-For`; from anyone
/// else that header is ignored, since a client could write anything there.
pub fn source_of(state: &AppState, req: &Request) -> Option<String> {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
    if state.trusted_proxies.contains(&peer)
        && let Some(forwarded) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok())
    {
        return Some(forwarded.to_string());
    }
    Some(peer.to_string())
}

fn login_redirect(notice: &str, next: &str) -> Response {
    let next: String = url_escape(next);
    Redirect::to(&format!("/login?{notice}next={next}")).into_response()
}

/// `key=value&…` with the values trimmed and escaped, for filter links.
pub(crate) fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", url_escape(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
}

pub(crate) fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Pages behind this layer need a valid session; a user who must change the password is
/// sent to do that first.
pub async fn require_login(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let api = path.starts_with("/api/");
    let Some(token) = cookie(req.headers(), SESSION_COOKIE) else {
        return if api {
            api_refusal(StatusCode::UNAUTHORIZED, "请先登录")
        } else {
            login_redirect("", &path)
        };
    };
    let source = source_of(&state, &req);
    let policy = state.security().await;
    match auth::authenticate(state.store.as_ref(), &policy, &token, source, Utc::now()).await {
        Ok(a) => {
            if a.must_change && path != "/account/password" && path != "/logout" {
                return if api {
                    api_refusal(StatusCode::FORBIDDEN, "请先在网页上修改密码")
                } else {
                    Redirect::to("/account/password").into_response()
                };
            }
            req.extensions_mut().insert(Session {
                auth: Arc::new(a),
                token,
            });
            next.run(req).await
        }
        Err(AuthError::Expired | AuthError::NoSession | AuthError::Disabled) if api => {
            api_refusal(StatusCode::UNAUTHORIZED, "登录已失效，请重新登录")
        }
        Err(AuthError::Expired) => login_redirect("expired=1&", &path),
        Err(AuthError::NoSession) | Err(AuthError::Disabled) => login_redirect("", &path),
        Err(e) => {
            tracing::error!(error = %e, "会话校验失败");
            (StatusCode::SERVICE_UNAVAILABLE, "暂时无法访问数据").into_response()
        }
    }
}

/// A refusal in the API's JSON shape.
fn api_refusal(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({ "error": message, "message": message })),
    )
        .into_response()
}

/// Same-origin checks on a state-changing request: `Sec-Fetch-Site` and `Origin` when the
/// browser sends them, and the synchronizer token always.
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site != "same-origin"
        && site != "none"
    {
        return false;
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"))
            .unwrap_or("");
        if origin_host != host {
            return false;
        }
    }
    true
}

pub(crate) fn tokens_equal(a: &str, b: &str) -> bool {
    // Constant time in the length of the expected token.
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Refuses a forged request and audits the attempt.
pub async fn check_csrf(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    token: &str,
    what: &str,
) -> Result<(), Response> {
    if same_origin(headers) && tokens_equal(token, &session.auth.csrf) {
        return Ok(());
    }
    let _ = state
        .store
        .audit(&session.auth.actor, "csrf.rejected", what, "{}")
        .await;
    tracing::warn!(user = %session.auth.actor.name, what, "拒绝了无法验证来源的请求");
    Err(crate::error_response(
        state,
        Some(session),
        StatusCode::FORBIDDEN,
        "请求被拒绝",
        "请求来源无法验证（可能是伪造的跨站请求）。请刷新页面后重试。".into(),
    ))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    frame: Frame,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    out: Option<String>,
}

fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/".into()
    }
}

fn login_form(
    state: &AppState,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let csrf = dixian_gm::random::<16>()
        .map(|b| dixian_gm::to_hex(&b))
        .unwrap_or_default();
    let mut res = render(
        status,
        &LoginPage {
            frame: Frame::new(state, None),
            csrf: csrf.clone(),
            next: safe_next(next),
            username: username.to_string(),
            error,
            notice,
        },
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(state, LOGIN_CSRF_COOKIE, &csrf, "/login", Some(1800)),
    );
    res
}

pub async fn login_page(State(state): State<AppState>, Query(q): Query<LoginQuery>) -> Response {
    let notice = if q.expired.is_some() {
        Some("登录已超时，请重新登录".to_string())
    } else if q.out.is_some() {
        Some("已退出".to_string())
    } else {
        None
    };
    login_form(
        &state,
        StatusCode::OK,
        q.next.as_deref().unwrap_or("/"),
        "",
        None,
        notice,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn login_submit(State(state): State<AppState>, req: Request) -> Response {
    let source = source_of(&state, &req);
    let headers = req.headers().clone();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(200).collect());
    let Ok(Form(form)) = Form::<LoginForm>::from_request(req, &state).await else {
        return login_form(
            &state,
            StatusCode::BAD_REQUEST,
            "/",
            "",
            Some("登录表单不完整".into()),
            None,
        );
    };
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if !same_origin(&headers) || expected.is_empty() || !tokens_equal(&form.csrf, &expected) {
        return login_form(
            &state,
            StatusCode::FORBIDDEN,
            &form.next,
            &form.username,
            Some("登录页面已过期或来源无法验证，请重新登录".into()),
            None,
        );
    }
    let policy = state.security().await;
    match auth::login(
        state.store.as_ref(),
        state.hashing.as_ref(),
        &policy,
        &form.username,
        &form.password,
        source,
        user_agent,
        Utc::now(),
    )
    .await
    {
        Ok(ok) => {
            let target = if ok.must_change {
                "/account/password".to_string()
            } else {
                safe_next(&form.next)
            };
            let mut res = Redirect::to(&target).into_response();
            let age = policy.absolute_lifetime.num_seconds();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&state, SESSION_COOKIE, &ok.token, "/", Some(age)),
            );
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&state, LOGIN_CSRF_COOKIE, "", "/login", Some(0)),
            );
            res
        }
        Err(AuthError::App(e)) => {
            tracing::error!(error = %e, "登录失败");
            (StatusCode::SERVICE_UNAVAILABLE, "暂时无法登录").into_response()
        }
        Err(e) => login_form(
            &state,
            StatusCode::UNAUTHORIZED,
            &form.next,
            &form.username,
            Some(e.to_string()),
            None,
        ),
    }
}

use axum::extract::FromRequest;

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

fn logged_out() -> Response {
    Redirect::to("/login?out=1").into_response()
}

fn clear_session(state: &AppState, mut res: Response) -> Response {
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(state, SESSION_COOKIE, "", "/", Some(0)),
    );
    res
}

pub async fn logout(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&state, &session, &headers, &f.csrf, "退出").await {
        return r;
    }
    if let Err(e) = auth::logout(state.store.as_ref(), &session.token).await {
        tracing::error!(error = %e, "退出失败");
    }
    clear_session(&state, logged_out())
}

pub async fn logout_all(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = check_csrf(&state, &session, &headers, &f.csrf, "退出全部会话").await {
        return r;
    }
    if let Err(e) = auth::logout_everywhere(state.store.as_ref(), &session.auth.actor).await {
        tracing::error!(error = %e, "退出全部会话失败");
    }
    clear_session(&state, logged_out())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    frame: Frame,
    csrf: String,
    forced: bool,
    error: Option<String>,
}

pub async fn password_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
) -> Response {
    render(
        StatusCode::OK,
        &PasswordPage {
            frame: session.frame(&state),
            csrf: session.auth.csrf.clone(),
            forced: session.auth.must_change,
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    old: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn password_submit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Form(f): Form<PasswordForm>,
) -> Response {
    if let Err(r) = check_csrf(&state, &session, &headers, &f.csrf, "修改密码").await {
        return r;
    }
    let result = if f.new != f.confirm {
        Err("两次输入的新密码不一致".to_string())
    } else {
        accounts::change_own_password(
            state.store.as_ref(),
            state.hashing.as_ref(),
            &session.auth.actor,
            &state.security().await.password,
            &f.old,
            &f.new,
        )
        .await
        .map_err(|e| e.to_string())
    };
    match result {
        Ok(()) => Redirect::to("/account?changed=1").into_response(),
        Err(e) => render(
            StatusCode::BAD_REQUEST,
            &PasswordPage {
                frame: session.frame(&state),
                csrf: session.auth.csrf.clone(),
                forced: session.auth.must_change,
                error: Some(e),
            },
        ),
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    frame: Frame,
    csrf: String,
    notice: Option<String>,
    username: String,
    display_name: String,
    role: &'static str,
    division: String,
    history: Vec<(String, String, &'static str)>,
}

#[derive(Deserialize)]
pub struct AccountQuery {
    changed: Option<String>,
}

pub async fn account_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AccountQuery>,
) -> Response {
    let u = &session.auth.user;
    let division = match state.store.division(&u.division).await {
        Ok(Some(d)) => format!("{}（{}）", d.name, d.code),
        _ => u.division.to_string(),
    };
    let history = state
        .store
        .login_history(u.id, 20)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|h| {
            (
                dixian_app::beijing(h.at)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                h.source.unwrap_or_default(),
                if h.success { "成功" } else { "失败" },
            )
        })
        .collect();
    render(
        StatusCode::OK,
        &AccountPage {
            frame: session.frame(&state),
            csrf: session.auth.csrf.clone(),
            notice: q.changed.map(|_| "密码已修改".to_string()),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.label(),
            division,
            history,
        },
    )
}
