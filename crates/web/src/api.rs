//! What every JSON endpoint shares: errors as `{error, message}` in Chinese with the right
//! status, the CSRF header a cookie-signed write must carry, and `GET /api/session`. A leaf.

use crate::AppState;
use crate::error::status_of;
use crate::session::{Session, same_origin, tokens_equal};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::response::Response;
use axum::{Extension, Json};
use dixian_app::AppError;
use serde_json::json;

// --- JSON API ---

pub(crate) fn api_error(e: &AppError) -> Response {
    let (status, heading) = status_of(e);
    if status.is_server_error() {
        tracing::error!(error = %e, "接口请求失败");
    }
    (
        status,
        axum::Json(json!({ "error": heading, "message": e.to_string() })),
    )
        .into_response()
}

/// Header carrying the session's CSRF token on API writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

pub(crate) async fn api_csrf(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    what: &str,
) -> Result<(), Response> {
    let token = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if same_origin(headers) && tokens_equal(token, &session.auth.csrf) {
        return Ok(());
    }
    let _ = state
        .store
        .audit(&session.auth.actor, "csrf.rejected", what, "{}")
        .await;
    tracing::warn!(user = %session.auth.actor.name, what, "拒绝了缺少有效 X-CSRF-Token 的接口请求");
    Err((
        StatusCode::FORBIDDEN,
        Json(json!({
            "error": "请求被拒绝",
            "message": "缺少或错误的 X-CSRF-Token：请先用 GET /api/session 取得令牌"
        })),
    )
        .into_response())
}

/// The signed-in account and the token its API writes must carry.
pub async fn session(Extension(session): Extension<Session>) -> Response {
    Json(json!({
        "username": session.auth.user.username,
        "role": session.auth.actor.role.map(|r| r.code()),
        "csrf_token": session.auth.csrf,
    }))
    .into_response()
}
