//! What every JSON endpoint shares: errors as `{error, message, problems, field}` in Chinese
//! with the right status ([`ApiError`], so handlers use `?`), the JSON body extractor that
//! names the wrong field ([`Body`]), the CSRF header a cookie-signed write must carry, the
//! audit of refused calls, and `GET /api/session`. A leaf.

use crate::AppState;
use crate::error::status_of;
use crate::session::{Session, same_origin, tokens_equal};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::response::Response;
use axum::{Extension, Json};
use dixian_app::AppError;
use serde_json::json;

/// An error of a JSON endpoint: drawn as `{error, message, problems, field}` with the status
/// of the app error, so a handler returns it with `?`. A refusal already drawn (the CSRF
/// check) passes through as it is.
#[derive(Debug)]
pub(crate) enum ApiError {
    App {
        error: AppError,
        /// The request field at fault, when known.
        field: Option<String>,
    },
    Refused(Box<Response>),
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> ApiError {
        ApiError::App { error, field: None }
    }
}

impl From<dixian_store::StoreError> for ApiError {
    fn from(e: dixian_store::StoreError) -> ApiError {
        ApiError::App {
            error: e.into(),
            field: None,
        }
    }
}

impl From<Response> for ApiError {
    fn from(r: Response) -> ApiError {
        ApiError::Refused(Box::new(r))
    }
}

impl ApiError {
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::App {
            error: AppError::Invalid(vec![message.into()]),
            field: Some(field.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (error, field) = match self {
            ApiError::Refused(r) => return *r,
            ApiError::App { error, field } => (error, field),
        };
        let (status, heading) = status_of(&error);
        if status.is_server_error() {
            tracing::error!(error = %error, "接口请求失败");
        } else {
            tracing::info!(error = %error, "接口请求被拒绝");
        }
        let message = crate::error::message_of(&error);
        let problems = match &error {
            AppError::Invalid(p) => p.clone(),
            AppError::Fields(p) => p.iter().map(|(_, m)| m.clone()).collect(),
            _ => vec![message.clone()],
        };
        // A form's problems each name their field; the first named one is `field`.
        let field = field.or_else(|| match &error {
            AppError::Fields(p) => p
                .iter()
                .find(|(f, _)| !f.is_empty())
                .map(|(f, _)| (*f).to_string()),
            _ => None,
        });
        (
            status,
            Json(json!({
                "error": heading,
                "message": message,
                "problems": problems,
                "field": field,
            })),
        )
            .into_response()
    }
}

/// What a JSON endpoint answers.
pub(crate) type ApiResult = Result<Response, ApiError>;

/// A JSON request body; a malformed one is refused in Chinese, naming the field serde names.
pub(crate) struct Body<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for Body<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        use axum::extract::rejection::JsonRejection;
        let rejection = match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => return Ok(Body(v)),
            Err(r) => r,
        };
        // Chinese, naming the field; never serde's own words (they name Rust types).
        let (status, message, field) = match &rejection {
            JsonRejection::JsonDataError(_) => {
                let text = rejection.body_text();
                let detail = text.split("target type: ").nth(1).unwrap_or_default();
                if let Some(missing) = detail.split("missing field `").nth(1) {
                    let f: String = missing.chars().take_while(|c| *c != '`').collect();
                    (StatusCode::BAD_REQUEST, format!("缺少字段“{f}”"), Some(f))
                } else {
                    let path = detail
                        .split_once(": ")
                        .map(|(p, _)| p.to_string())
                        .filter(|p| !p.contains(' ') && p.len() < 64 && p != ".");
                    match path {
                        Some(p) => (
                            StatusCode::BAD_REQUEST,
                            format!("字段“{p}”的类型或取值不对"),
                            Some(p),
                        ),
                        None => (
                            StatusCode::BAD_REQUEST,
                            "请求内容的结构不对：应为说明中的 JSON 对象".to_string(),
                            None,
                        ),
                    }
                }
            }
            JsonRejection::JsonSyntaxError(_) => (
                StatusCode::BAD_REQUEST,
                "请求内容不是正确的 JSON".to_string(),
                None,
            ),
            JsonRejection::MissingJsonContentType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "请求须为 JSON（Content-Type: application/json）".to_string(),
                None,
            ),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "请求内容超过了该接口的上限，未做任何处理".to_string(),
                None,
            ),
            _ => (
                StatusCode::BAD_REQUEST,
                "请求内容无法读取，未做任何处理".to_string(),
                None,
            ),
        };
        tracing::info!(status = %status, message, "拒绝了格式不正确的接口请求");
        Err(ApiError::Refused(Box::new(malformed(
            status, &message, field,
        ))))
    }
}

/// The API's answer to a request it could not read (body, address or query), in the shape of
/// every refusal: the problem in Chinese, and the field when one is to blame.
pub(crate) fn malformed(status: StatusCode, message: &str, field: Option<String>) -> Response {
    (
        status,
        Json(json!({
            "error": "输入有误",
            "message": message,
            "problems": [message],
            "field": field,
        })),
    )
        .into_response()
}

/// Any `/api/` address no route answers: a JSON refusal, not the HTML page of the site.
pub(crate) async fn no_such_endpoint(uri: axum::http::Uri) -> ApiResult {
    Err(AppError::NotFound(format!(
        "没有这个接口：{}（接口说明见 /api/openapi.json）",
        uri.path()
    ))
    .into())
}

/// A file inside a JSON body: its name and its bytes in base64.
#[derive(Debug, serde::Deserialize, Default)]
pub(crate) struct FileBody {
    pub name: String,
    /// The file, base64-encoded.
    pub data: String,
}

/// One file of a JSON body as (name, bytes); a file that is not base64 is refused naming
/// `field` and the file. `what` is the word for the file (照片, 附件).
pub(crate) fn decode_file(
    f: FileBody,
    field: &str,
    what: &str,
) -> Result<(String, Vec<u8>), ApiError> {
    use base64::Engine;
    match base64::engine::general_purpose::STANDARD.decode(f.data.trim()) {
        Ok(bytes) => Ok((f.name, bytes)),
        Err(e) => Err(ApiError::invalid(
            field,
            format!("{what}“{}”不是正确的 base64：{e}", f.name),
        )),
    }
}

/// The files of a JSON body, each refused by its place (`photos[1].data`) if not base64.
pub(crate) fn decode_files(
    files: Vec<FileBody>,
    field: &str,
    what: &str,
) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
    files
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            decode_file(
                f,
                &format!("{field}[{i}].data"),
                &format!("第{}个{what}", i + 1),
            )
        })
        .collect()
}

/// A JSON answer with status 200.
pub(crate) fn ok(v: serde_json::Value) -> ApiResult {
    Ok(Json(v).into_response())
}

/// A JSON answer with status 201 (a record made).
pub(crate) fn created(v: serde_json::Value) -> ApiResult {
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// Audits every refused `/api/` call (403, 404) of a signed-in caller, person or system, so
/// probing another area or a forbidden step leaves a trace. Runs inside the login layer.
pub(crate) async fn audit_refusals(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let session = req.extensions().get::<Session>().cloned();
    let path = req.uri().path().to_string();
    let target = format!("{} {path}", req.method());
    let res = next.run(req).await;
    let refused = matches!(res.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND);
    if let Some(session) = session
        && refused
        && path.starts_with("/api/")
    {
        let detail = json!({
            "status": res.status().as_u16(),
            "via_token": session.via_token,
        })
        .to_string();
        if let Err(e) = state
            .store
            .audit(&session.auth.actor, "api.refused", &target, &detail)
            .await
        {
            tracing::error!(error = %e, "无法记录被拒绝的接口请求");
        }
    }
    res
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
    if session.via_token || (same_origin(headers) && tokens_equal(token, &session.auth.csrf)) {
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
