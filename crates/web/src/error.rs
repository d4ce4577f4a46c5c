//! From an app error to a response: the status, the heading and the Chinese page. A leaf
//! shared by every feature module.

use crate::AppState;
use crate::frame::error_response;
use crate::session::Session;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use dixian_app::AppError;

/// The HTTP status and page heading for an error of the app layer.
pub(crate) fn status_of(e: &AppError) -> (StatusCode, &'static str) {
    match e {
        AppError::Invalid(_) => (StatusCode::BAD_REQUEST, "输入有误"),
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, "未找到"),
        AppError::Store(dixian_store::StoreError::Forbidden) => (StatusCode::FORBIDDEN, "无权访问"),
        AppError::Store(dixian_store::StoreError::Invalid(_)) => {
            (StatusCode::BAD_REQUEST, "输入有误")
        }
        AppError::Store(dixian_store::StoreError::Conflict(_)) => {
            (StatusCode::CONFLICT, "与已登记的数据冲突")
        }
        AppError::Store(_) => (StatusCode::SERVICE_UNAVAILABLE, "暂时无法访问数据"),
    }
}

pub(crate) fn error_page(state: &AppState, session: Option<&Session>, e: &AppError) -> Response {
    let (status, heading) = status_of(e);
    if status.is_server_error() {
        tracing::error!(error = %e, "请求失败");
    } else {
        tracing::info!(error = %e, "请求被拒绝");
    }
    error_response(state, session, status, heading, e.to_string())
}

/// Any address no route answers.
pub async fn not_found(State(state): State<AppState>) -> Response {
    error_page(
        &state,
        None,
        &AppError::NotFound("没有这个页面，请检查网址".into()),
    )
}
