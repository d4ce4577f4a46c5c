//! HTTP interface of dixian: thin handlers over the app layer, server-rendered Chinese pages,
//! a JSON health check. No front-end build step; the stylesheet is compiled in.
// The OpenAPI document is one `json!` literal, deeper than the default limit allows.
#![recursion_limit = "256"]

mod admin;
mod api_writes;
mod apply;
mod bulletin;
mod charts;
mod dashboard;
mod error;
mod forms;
mod household_forms;
mod households;
mod import;
mod ledgers;
mod limit;
mod monitoring;
mod pages;
mod problems;
mod quality;
mod records;
mod screening;
mod session;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use dixian_app::accounts::PasswordHashing;
use dixian_app::accounts::auth::SecurityPolicy;
use dixian_domain::access::Permission;
use dixian_store::Store;
use std::sync::Arc;

pub use limit::RateLimiter;
pub use session::SESSION_COOKIE;

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
}

impl AppState {
    /// The security policy in force: as saved by the security administrator, else the
    /// configured default. Read per request so a change applies at once on every server.
    pub(crate) async fn security(&self) -> SecurityPolicy {
        dixian_app::accounts::security::policy_in_force(self.store.as_ref(), &self.policy).await
    }
}

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every page shows around its content.
pub(crate) struct Frame {
    pub version: &'static str,
    pub database: &'static str,
    /// The signed-in user's display name and role.
    pub user: Option<String>,
    /// For the logout button in the header.
    pub csrf_token: String,
    /// The sections this user may open, as (address, name).
    pub nav: Vec<(&'static str, &'static str)>,
}

/// Sections of the site and the permission each needs; the header shows only those the
/// user holds, and the store refuses the rest anyway.
const SECTIONS: &[(&str, &str, Permission)] = &[
    ("/", "辖区概况", Permission::ViewRegistry),
    ("/dashboard", "工作看板", Permission::ViewRegistry),
    ("/work", "我的待办", Permission::HandleCases),
    ("/leads", "监测线索", Permission::HandleCases),
    ("/cases", "监测案件", Permission::ViewRegistry),
    ("/sla", "办理时效", Permission::HandleCases),
    ("/problems", "三保障问题", Permission::ViewRegistry),
    ("/quality", "数据质量", Permission::HandleCases),
    ("/screening", "部门筛查", Permission::HandleCases),
    ("/screening", "部门数据", Permission::UploadFeed),
    ("/bulletin", "月通报", Permission::ExportLedger),
    ("/ledgers", "标准台账", Permission::ExportLedger),
    ("/households", "农户查询", Permission::ViewRegistry),
    ("/people", "人员查询", Permission::ViewRegistry),
    ("/households/import", "农户导入", Permission::EditRegistry),
    ("/admin/users", "账号管理", Permission::ManageUsers),
    ("/admin/users", "账号状态", Permission::ManageSecurity),
    ("/admin/security", "安全策略", Permission::ManageSecurity),
    ("/audit", "审计记录", Permission::ReadAudit),
];

impl Frame {
    pub(crate) fn new(state: &AppState, session: Option<&session::Session>) -> Frame {
        Frame {
            version: VERSION,
            database: state.store.kind().as_str(),
            user: session.map(|s| {
                format!(
                    "{}（{}）",
                    s.auth.user.display_name,
                    s.auth.user.role.label()
                )
            }),
            csrf_token: session.map(|s| s.auth.csrf.clone()).unwrap_or_default(),
            nav: session
                .map(|s| {
                    let mut nav: Vec<(&'static str, &'static str)> = SECTIONS
                        .iter()
                        .filter(|(_, _, p)| s.auth.actor.may(*p))
                        .map(|(href, name, _)| (*href, *name))
                        .collect();
                    nav.dedup_by_key(|(href, _)| *href);
                    nav.push(("/policy", "政策参数"));
                    nav
                })
                .unwrap_or_default(),
        }
    }
}

/// A file to download: `ascii_name` for old browsers, `name` (Chinese) for the rest.
pub(crate) fn download(
    body: impl IntoResponse,
    mime: &'static str,
    ascii_name: &str,
    name: &str,
) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    let disposition = format!(
        "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
        session::url_escape(name)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// CSV for spreadsheets, as every download of the site sends it.
pub(crate) const CSV: &str = "text/csv; charset=utf-8";
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "页面渲染失败");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "页面渲染失败，请联系管理员",
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    frame: Frame,
    heading: &'a str,
    message: String,
}

pub(crate) fn error_response(
    state: &AppState,
    session: Option<&session::Session>,
    status: StatusCode,
    heading: &str,
    message: String,
) -> Response {
    render(
        status,
        &ErrorPage {
            frame: Frame::new(state, session),
            heading,
            message,
        },
    )
}

/// The whole router. Pages need a session; the health check, the stylesheet and the login
/// page do not.
pub fn router(state: AppState) -> Router {
    let protected = Router::new()
        .route("/", get(pages::home))
        .route("/divisions/{code}", get(pages::division))
        .route("/policy", get(pages::policy))
        .route("/households", get(households::list))
        .route("/households/{code}", get(households::show))
        .route(
            "/households/{code}/edit",
            get(households::edit_page).post(households::edit_submit),
        )
        .route(
            "/households/{code}/members/status",
            post(households::member_status),
        )
        .route(
            "/households/ledger/{file}",
            get(households::export).post(households::export_revealed),
        )
        .route(
            "/households/new",
            get(household_forms::household_new_page).post(household_forms::household_new_submit),
        )
        .route(
            "/households/{code}/members/new",
            get(household_forms::arrival_page).post(household_forms::arrival_submit),
        )
        .route(
            "/households/{code}/members/edit",
            get(household_forms::members_page).post(household_forms::members_submit),
        )
        .route(
            "/households/{code}/assurance",
            get(household_forms::assurance_page).post(household_forms::assurance_submit),
        )
        .route(
            "/households/{code}/income",
            get(household_forms::income_page).post(household_forms::income_submit),
        )
        .route(
            "/households/import",
            get(import::page)
                .post(import::upload)
                .layer(axum::extract::DefaultBodyLimit::max(import::UPLOAD_LIMIT)),
        )
        .route("/households/import/{file}", get(import::template))
        .route("/households/import/job/{token}", get(import::job))
        .route("/households/import/report/{token}", get(import::report))
        .route(
            "/api/households",
            get(households::api_list).post(api_writes::create_household),
        )
        .route(
            "/api/households/{code}",
            get(households::api_show).put(api_writes::update_household),
        )
        .route(
            "/api/households/{code}/members/{person}/status",
            post(api_writes::member_status),
        )
        .route("/api/session", get(api_writes::session))
        .route(
            "/api/households/{code}/members",
            post(api_writes::add_member).put(api_writes::update_members),
        )
        .route("/api/households/{code}/income", put(api_writes::set_income))
        .route(
            "/api/households/{code}/assurance",
            put(api_writes::set_assurance),
        )
        .route(
            "/people",
            get(records::people_page).post(records::people_search),
        )
        .route("/people/reveal", post(records::people_reveal))
        .route("/audit", get(records::audit_page))
        .route("/audit/export.csv", get(records::audit_export))
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/action", post(admin::account_action))
        .route(
            "/admin/security",
            get(admin::security_page).post(admin::security_submit),
        )
        .route("/work", get(monitoring::work))
        .route("/screening", get(screening::show))
        .route(
            "/screening/feeds",
            post(screening::upload).layer(axum::extract::DefaultBodyLimit::max(
                limit::FEED_UPLOAD_LIMIT,
            )),
        )
        .route("/screening/template/{file}", get(screening::template))
        .route("/screening/run", post(screening::run))
        .route("/screening/job/{token}", get(screening::job))
        .route("/leads", get(monitoring::leads).post(monitoring::report))
        .route("/leads/{id}/decide", post(monitoring::decide))
        .route(
            "/leads/import",
            post(monitoring::import_leads)
                .layer(axum::extract::DefaultBodyLimit::max(import::UPLOAD_LIMIT)),
        )
        .route("/leads/import/{file}", get(monitoring::lead_template))
        .route("/dashboard", get(dashboard::show))
        .route("/problems", get(problems::list).post(problems::create))
        .route("/problems/new", get(problems::new_form))
        .route("/problems/clearing", get(problems::clearing))
        .route("/problems/dispatch", get(problems::dispatch))
        .route("/problems/{id}", get(problems::show))
        .route(
            "/problems/{id}/step",
            post(problems::step).layer(axum::extract::DefaultBodyLimit::max(
                problems::STEP_UPLOAD_LIMIT,
            )),
        )
        .route("/problems/{id}/files/{file}", get(problems::evidence))
        .route("/bulletin", get(bulletin::page))
        .route("/bulletin.xlsx", get(bulletin::xlsx))
        .route("/ledgers", get(ledgers::page))
        .route(
            "/ledgers/{file}",
            get(ledgers::file).post(ledgers::file_revealed),
        )
        .route("/quality", get(quality::show))
        .route("/quality.csv", get(quality::csv))
        .route("/cases", get(monitoring::cases))
        .route("/sla", get(monitoring::sla))
        .route("/cases/{id}", get(monitoring::case))
        .route("/cases/{id}/step", post(monitoring::step))
        .route("/cases/{id}/cadre", post(monitoring::cadre))
        .route("/cases/{id}/measures", post(monitoring::measure))
        .route(
            "/cases/{id}/verify",
            post(monitoring::verify).layer(axum::extract::DefaultBodyLimit::max(
                monitoring::UPLOAD_LIMIT,
            )),
        )
        .route(
            "/cases/{id}/attachments",
            post(monitoring::upload).layer(axum::extract::DefaultBodyLimit::max(
                monitoring::UPLOAD_LIMIT,
            )),
        )
        .route("/cases/{id}/attachments/{att}", get(monitoring::download))
        .route("/cases/{id}/print", get(monitoring::print))
        .route(
            "/cases/{id}/visits",
            post(monitoring::visit).layer(axum::extract::DefaultBodyLimit::max(
                monitoring::VISIT_UPLOAD_LIMIT,
            )),
        )
        .route(
            "/households/{code}/visits",
            post(monitoring::household_visit).layer(axum::extract::DefaultBodyLimit::max(
                monitoring::VISIT_UPLOAD_LIMIT,
            )),
        )
        .route(
            "/visits/{visit}/photos/{photo}",
            get(monitoring::visit_photo),
        )
        .route("/notices/{village}", get(monitoring::notice))
        .route("/account", get(session::account_page))
        .route(
            "/account/password",
            get(session::password_page).post(session::password_submit),
        )
        .route("/account/logout-all", post(session::logout_all))
        .route("/logout", post(session::logout))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::require_login,
        ));
    let public = Router::new()
        .route(
            "/login",
            get(session::login_page).post(session::login_submit),
        )
        .route("/apply", get(apply::page).post(apply::submit))
        .route(
            "/apply/status",
            get(apply::status_page).post(apply::status_submit),
        )
        .route("/healthz", get(healthz))
        .route("/api/openapi.json", get(households::openapi))
        .route("/static/app.css", get(stylesheet))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limit_public,
        ));
    Router::new()
        .merge(protected)
        .merge(public)
        .layer(axum::extract::DefaultBodyLimit::max(FORM_LIMIT))
        .layer(axum::middleware::map_response(explain_rejections))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Largest form a page accepts. File imports get their own, larger limit on their routes.
pub const FORM_LIMIT: usize = 64 * 1024;

/// axum answers an oversized or malformed body itself, in English; users get Chinese.
async fn explain_rejections(res: Response) -> Response {
    // Only axum's own plain-text rejections; pages of ours already speak Chinese.
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/plain"));
    if !plain {
        return res;
    }
    let message = match res.status() {
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "提交的内容过大（表单上限{} KB），未做任何处理",
            FORM_LIMIT / 1024
        ),
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "提交的表单格式不正确，未做任何处理；请刷新页面后重试".to_string()
        }
        _ => return res,
    };
    tracing::info!(status = %res.status(), "拒绝了格式不正确或过大的提交");
    let status = if res.status() == StatusCode::PAYLOAD_TOO_LARGE {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::BAD_REQUEST
    };
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
    // Pages show personal data: never store them in shared caches or the back button.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
