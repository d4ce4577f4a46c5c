//! HTTP interface of dixian: thin handlers over the app layer, server-rendered Chinese pages,
//! a JSON health check. No front-end build step; the stylesheet is compiled in.
// The OpenAPI document is one `json!` literal, deeper than the default limit allows.
#![recursion_limit = "256"]

// Capabilities: each a folder with its router.
mod accounts;
mod assets;
mod audit;
mod cadres;
mod complaints;
mod dashboard;
mod funds;
mod monitoring;
mod policy;
mod problems;
mod rectification;
mod registry;
mod reports;
mod screening;
mod teams;
// Shared leaves: no capability is imported from these.
mod api;
mod areas;
mod charts;
mod error;
mod forms;
mod frame;
mod imports;
mod kept;
mod limit;
mod links;
mod openapi;
mod public_form;
mod session;
mod views;
mod villages;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dixian_app::accounts::PasswordHashing;
use dixian_app::accounts::auth::SecurityPolicy;
use dixian_store::Store;
pub use limit::RateLimiter;
pub use session::SESSION_COOKIE;
use std::sync::Arc;

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub hashing: Arc<dyn PasswordHashing>,
    pub policy: Arc<SecurityPolicy>,
    /// Mark cookies `Secure`: set when served over HTTPS (directly or behind a proxy).
    pub secure_cookies: bool,
    /// Limits requests to the public pages per client address.
    pub limiter: Arc<RateLimiter>,
    /// Reverse proxies whose `X-Forwarded-For` names the real client.
    pub trusted_proxies: Arc<Vec<std::net::IpAddr>>,
    /// What day it is for every page and API call.
    pub clock: dixian_app::Clock,
}

impl AppState {
    /// Today, as the clock says.
    pub(crate) fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }

    /// The security policy in force: as saved by the security administrator, else the
    /// configured default. Read per request so a change applies at once on every server.
    pub(crate) async fn security(&self) -> SecurityPolicy {
        dixian_app::accounts::security::policy_in_force(self.store.as_ref(), &self.policy).await
    }
}

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The whole router: each capability's pages behind the login layer, then the public pages
/// (sign-in, self-declaration, health check, stylesheet, the API's description).
pub fn router(state: AppState) -> Router {
    let api_document = openapi_document();
    let protected = Router::new()
        .merge(dashboard::router())
        .merge(policy::router())
        .merge(registry::router())
        .merge(monitoring::router())
        .merge(problems::router())
        .merge(funds::router())
        .merge(assets::router())
        .merge(villages::router())
        .merge(rectification::router())
        .merge(teams::router())
        .merge(cadres::router())
        .merge(screening::router())
        .merge(reports::router())
        .merge(audit::router())
        .merge(accounts::router())
        .merge(complaints::router())
        .route("/api/session", get(api::session))
        .merge(monitoring::api_router())
        .merge(problems::api_router())
        .merge(funds::api_router())
        .merge(assets::api_router())
        .merge(screening::api_router())
        .merge(dashboard::api_router())
        .merge(reports::api_router())
        .merge(villages::api_router())
        .merge(cadres::api_router())
        .route("/api/{*rest}", axum::routing::any(api::no_such_endpoint))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::draw_errors,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api::audit_refusals,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::require_login,
        ));
    let public = Router::new()
        .merge(accounts::public())
        .merge(monitoring::public())
        .merge(complaints::public())
        .route("/healthz", get(healthz))
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = api_document.clone();
                async move { axum::Json(doc) }
            }),
        )
        .route("/static/app.css", get(stylesheet))
        .route("/static/print.js", get(print_script))
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::draw_errors,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limit_public,
        ));
    Router::new()
        .merge(protected)
        .merge(public)
        .layer(axum::extract::DefaultBodyLimit::max(FORM_LIMIT))
        .layer(axum::middleware::from_fn(explain_rejections))
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            security_headers,
        ))
        .with_state(state)
}

/// The description of every `/api/` route: the registry's, and each capability's own paths.
pub fn openapi_document() -> serde_json::Value {
    openapi::document(&[
        monitoring::api_paths(),
        problems::api_paths(),
        funds::api_paths(),
        assets::api_paths(),
        screening::api_paths(),
        dashboard::api_paths(),
        reports::api_paths(),
        complaints::api_paths(),
        villages::api_paths(),
        cadres::api_paths(),
    ])
}

/// Largest form a page accepts. File imports get their own, larger limit on their routes.
pub const FORM_LIMIT: usize = 64 * 1024;

/// axum answers an oversized or malformed body, a malformed address or query itself, in
/// English plain text; people get Chinese, and `/api/` callers get the API's JSON shape.
async fn explain_rejections(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    // Only axum's own plain-text rejections; pages of ours already speak Chinese.
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/plain"));
    if !plain {
        return res;
    }
    let (status, message) = match res.status() {
        StatusCode::PAYLOAD_TOO_LARGE => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "提交的内容过大（表单上限{} KB），未做任何处理",
                FORM_LIMIT / 1024
            ),
        ),
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            StatusCode::BAD_REQUEST,
            "提交的表单格式不正确，未做任何处理；请刷新页面后重试".to_string(),
        ),
        StatusCode::BAD_REQUEST => (
            StatusCode::BAD_REQUEST,
            "网址或提交的内容格式不正确（编号应为数字，文字应为UTF-8），未做任何处理".to_string(),
        ),
        _ => return res,
    };
    tracing::info!(status = %res.status(), "拒绝了格式不正确或过大的请求");
    if api {
        return api::malformed(status, &message, None);
    }
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

/// Refuses a client that asks for public pages too often, with 429 and `Retry-After`.
async fn limit_public(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let key = session::source_of(&state, &req).unwrap_or_else(|| "unknown".into());
    match state.limiter.check(&key, std::time::Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            tracing::warn!(source = %key, path = %req.uri().path(), "请求过于频繁，已限制");
            let secs = wait.as_secs().max(1);
            let mut res = (
                StatusCode::TOO_MANY_REQUESTS,
                format!("请求过于频繁，请{secs}秒后再试"),
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
    }
}

/// Health check for monitoring: 200 with version and database kind, 503 if the database
/// does not answer.
async fn healthz(State(state): State<AppState>) -> Response {
    let db = state.store.kind().as_str();
    match state.store.ping().await {
        Ok(()) => {
            let schema = state.store.schema_version().await.unwrap_or(0);
            axum::Json(serde_json::json!({
                "status": "ok",
                "version": VERSION,
                "database": db,
                "schema": schema,
            }))
            .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "健康检查失败");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({
                    "status": "unavailable",
                    "version": VERSION,
                    "database": db,
                    "error": "数据库无法访问",
                })),
            )
                .into_response()
        }
    }
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
        .into_response()
}

/// The only script: shows the print buttons of printable pages and makes them print. Pages
/// work without it (the browser's own menu prints).
async fn print_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/print.js"),
    )
        .into_response()
}

/// Baseline headers on every response; pages carry no inline script at all.
async fn security_headers(State(state): State<AppState>, mut res: Response) -> Response {
    let h = res.headers_mut();
    // Served over HTTPS: browsers keep to HTTPS for a year, so no first request goes in clear.
    if state.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // Pages show personal data: never store them in shared caches or the back button.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
