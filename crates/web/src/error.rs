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
        AppError::Invalid(_) | AppError::Fields(_) => (StatusCode::BAD_REQUEST, "输入有误"),
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, "未找到"),
        AppError::Busy(_) => (StatusCode::TOO_MANY_REQUESTS, "请稍后再试"),
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

/// What a user may read of an error: the app's own Chinese message, or for a failure of the
/// server (database down, corrupt data) a plain sentence — the database's own words, table and
/// constraint names stay in the log.
pub(crate) fn message_of(e: &AppError) -> String {
    match e {
        _ if status_of(e).0.is_server_error() => {
            "暂时无法访问数据，请稍后再试；详细原因已记入服务器日志。".into()
        }
        // A uniqueness the store did not explain: the constraint's name is not for users.
        AppError::Store(dixian_store::StoreError::Conflict(m))
            if m.starts_with("违反唯一性约束") =>
        {
            tracing::warn!(error = %m, "违反唯一性约束");
            "与已登记的数据重复，未写入".into()
        }
        _ => e.to_string(),
    }
}

pub(crate) fn error_page(state: &AppState, session: Option<&Session>, e: &AppError) -> Response {
    let (status, heading) = status_of(e);
    if status.is_server_error() {
        tracing::error!(error = %e, "请求失败");
    } else {
        tracing::info!(error = %e, "请求被拒绝");
    }
    error_response(state, session, status, heading, message_of(e))
}

/// Any address no route answers.
pub async fn not_found(State(state): State<AppState>) -> Response {
    error_page(
        &state,
        None,
        &AppError::NotFound("没有这个页面，请检查网址".into()),
    )
}

/// An error a page handler returns with `?`. The app error keeps its status; [`draw_errors`]
/// draws the Chinese error page in the frame of whoever is signed in. A refusal already drawn
/// (a failed CSRF check) passes through as it is.
#[derive(Debug)]
pub(crate) enum PageError {
    App(AppError),
    Drawn(Box<Response>),
}

/// What a page handler answers.
pub(crate) type Page = Result<Response, PageError>;

impl From<AppError> for PageError {
    fn from(e: AppError) -> PageError {
        PageError::App(e)
    }
}

impl From<dixian_store::StoreError> for PageError {
    fn from(e: dixian_store::StoreError) -> PageError {
        PageError::App(e.into())
    }
}

impl From<Response> for PageError {
    fn from(r: Response) -> PageError {
        PageError::Drawn(Box::new(r))
    }
}

/// The app error of a failed page, carried to [`draw_errors`] on the response.
#[derive(Clone)]
struct Failed(std::sync::Arc<AppError>);

impl axum::response::IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Drawn(r) => *r,
            PageError::App(e) => {
                let (status, _) = status_of(&e);
                let mut res = status.into_response();
                res.extensions_mut().insert(Failed(std::sync::Arc::new(e)));
                res
            }
        }
    }
}

/// Draws the error page of a handler that failed with a [`PageError`], in the frame of the
/// signed-in user (menu, name), so every page's errors look and are logged the same way.
pub(crate) async fn draw_errors(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let session = req.extensions().get::<Session>().cloned();
    let mut res = next.run(req).await;
    match res.extensions_mut().remove::<Failed>() {
        Some(Failed(e)) => error_page(&state, session.as_ref(), &e),
        None => res,
    }
}
