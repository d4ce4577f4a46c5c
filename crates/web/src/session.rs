//! Sessions over HTTP: the session cookie, the login-required middleware and CSRF checks.
//! A leaf; the sign-in pages are in `accounts`.

use crate::AppState;
use crate::frame::Frame;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::{Redirect, Response};
use chrono::Utc;
use dixian_app::accounts::auth;
use dixian_app::accounts::auth::{AuthError, Authenticated};
use dixian_app::accounts::service;
use std::net::SocketAddr;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "dixian_session";

pub(crate) const LOGIN_CSRF_COOKIE: &str = "dixian_login_csrf";

/// The signed-in user of a request, put there by [`require_login`].
#[derive(Clone)]
pub struct Session {
    pub auth: Arc<Authenticated>,
    pub token: String,
    /// Signed in by a service account's bearer token (接入令牌), not a cookie: browsers never
    /// send it on their own, so its writes need no CSRF token.
    pub via_token: bool,
}

impl Session {
    pub fn frame(&self, state: &AppState) -> Frame {
        Frame::new(state, Some(self))
    }
}

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub(crate) fn set_cookie(
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
    if api && let Some(token) = bearer(req.headers()) {
        let source = source_of(&state, &req);
        return match service::authenticate(state.store.as_ref(), &token, source.clone(), Utc::now())
            .await
        {
            Ok(a) => {
                req.extensions_mut().insert(Session {
                    auth: Arc::new(a),
                    token: String::new(),
                    via_token: true,
                });
                next.run(req).await
            }
            Err(e @ (AuthError::Expired | AuthError::NoSession | AuthError::Disabled)) => {
                tracing::warn!(path, "拒绝了无效、过期、已吊销或已停用的接入令牌");
                audit_refused_token(&state, source, &path).await;
                if matches!(e, AuthError::Expired) {
                    api_refusal(StatusCode::UNAUTHORIZED, "接入令牌已过期")
                } else {
                    api_refusal(StatusCode::UNAUTHORIZED, "接入令牌无效或已吊销")
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "接入令牌校验失败");
                api_refusal(StatusCode::SERVICE_UNAVAILABLE, "暂时无法访问数据")
            }
        };
    }
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
                via_token: false,
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

/// Audits a refused bearer token with where it came from. A source that keeps guessing is
/// audited at the rate the public pages allow, so guessing cannot flood the audit trail.
async fn audit_refused_token(state: &AppState, source: Option<String>, path: &str) {
    let key = format!("token {}", source.as_deref().unwrap_or("unknown"));
    if state
        .limiter
        .check(&key, std::time::Instant::now())
        .is_err()
    {
        return;
    }
    let caller = dixian_domain::access::Actor {
        user_id: None,
        name: "接口调用方（令牌无效）".into(),
        scope: dixian_domain::access::Scope::Everything,
        source,
        role: None,
    };
    if let Err(e) = state
        .store
        .audit(&caller, "service_token.rejected", path, "{}")
        .await
    {
        tracing::error!(error = %e, "无法记录被拒绝的接入令牌");
    }
}

/// The token of an `Authorization: Bearer …` header, if any.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
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
    // Constant time in the length of the expected token; an empty one never matches.
    !b.is_empty()
        && a.len() == b.len()
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
    Err(crate::frame::error_response(
        state,
        Some(session),
        StatusCode::FORBIDDEN,
        "请求被拒绝",
        "请求来源无法验证（可能是伪造的跨站请求）。请刷新页面后重试。".into(),
    ))
}

pub(crate) fn clear_session(state: &AppState, mut res: Response) -> Response {
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(state, SESSION_COOKIE, "", "/", Some(0)),
    );
    res
}
