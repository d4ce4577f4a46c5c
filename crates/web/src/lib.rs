//! HTTP interface of dixian: thin handlers over the app layer, server-rendered Chinese pages,
//! a JSON health check. No front-end build step; the stylesheet is compiled in.

mod pages;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dixian_store::Store;
use std::sync::Arc;

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
}

/// Until accounts exist (issue 3), pages are served to an anonymous visitor with county-wide
/// read access to reference data and counts; the store still audits and scopes every call.
pub(crate) fn visitor() -> dixian_domain::access::Actor {
    dixian_domain::access::Actor {
        user_id: None,
        name: "网页访客（登录功能开发中）".into(),
        scope: dixian_domain::access::Scope::Everything,
        source: None,
        role: Some(dixian_domain::access::Role::Viewer),
    }
}

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The whole router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/divisions/{code}", get(pages::division))
        .route("/policy", get(pages::policy))
        .route("/healthz", get(healthz))
        .route("/static/app.css", get(stylesheet))
        .fallback(pages::not_found)
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
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
                    "error": e.to_string(),
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

/// Baseline headers on every response; pages carry no inline script at all.
async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
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
    res
}
