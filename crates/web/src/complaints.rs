//! 投诉建议 (国办函〔2026〕12号): the public form at `/complaint` (no login, the same defences
//! as 困难申报), its answer by code at `/complaint/status`, the same over JSON, and for staff
//! `/complaints`: a form of their own, what they sent, and — for the county office — the
//! list to answer with its on-time figure, filters and export. Thin: the app's `complaints`
//! module decides.

use crate::AppState;
use crate::error::{Page, status_of};
use crate::forms::{Posted, Typed, correctable};
use crate::frame::{CSV, Frame, download, render};
use crate::public_form::{Turned, admit, field, new_stamp, read_form, release_stamp, too_many};
use crate::session::Session;
use askama::Template;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Extension, Router};
use chrono::{Datelike, NaiveDate};
use dixian_app::AppError;
use dixian_app::complaints::{counties, export, figure, reply, send, status};
use dixian_domain::access::{Actor, Permission, Scope};
use dixian_domain::complaints::{
    ComplaintChannel, ComplaintForm, ComplaintKind, ComplaintStatus, MAX_TEXT, OnTime,
};
use dixian_domain::division::DivisionLevel;
use dixian_store::{ComplaintFilter, ComplaintRecord, PublicComplaint};
use serde::Deserialize;

/// Rows of the list per page.
const PAGE_ROWS: u32 = 50;

/// The public pages and API: open to anyone.
pub(crate) fn public() -> Router<AppState> {
    Router::new()
        .route("/complaint", get(public_page).post(public_submit))
        .route("/complaint/status", get(status_page).post(status_submit))
        .route("/api/complaint", post(api_submit))
        .route("/api/complaint/status", post(api_status))
}

/// The staff's pages, behind the login.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/complaints", get(list_page).post(staff_submit))
        .route("/complaints/export.csv", get(export_csv))
        .route("/complaints/{id}", get(detail_page))
        .route("/complaints/{id}/reply", post(reply_submit))
        .route("/complaints/{id}/phone", post(reveal_phone))
}

fn public_actor(source: Option<String>) -> Actor {
    Actor {
        user_id: None,
        name: "公众：投诉建议".into(),
        scope: Scope::Everything,
        source,
        role: None,
    }
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    ComplaintKind::ALL
        .iter()
        .map(|k| (k.code(), k.label()))
        .collect()
}

fn form_of(fields: &[(String, String)]) -> ComplaintForm {
    ComplaintForm {
        kind: field(fields, "kind"),
        text: field(fields, "text"),
        name: field(fields, "name"),
        phone: field(fields, "phone"),
    }
}

async fn county_choices(state: &AppState) -> Result<Vec<(String, String)>, AppError> {
    Ok(counties(state.store.as_ref())
        .await?
        .into_iter()
        .map(|(c, n)| (c.to_string(), n))
        .collect())
}

#[derive(Debug, Deserialize, Default)]
pub struct Elder {
    #[serde(default)]
    elder: Option<String>,
}

#[derive(Template)]
#[template(path = "complaints/public.html")]
struct PublicPage {
    frame: Frame,
    elder: bool,
    stamp: String,
    typed: Typed,
    kinds: Vec<(&'static str, &'static str)>,
    counties: Vec<(String, String)>,
    show_county: bool,
    max_text: usize,
}

/// The form, `typed` shown again; a refused submission keeps its stamp (given back already),
/// so correcting a field quickly is not taken for a robot.
async fn public_form(
    state: &AppState,
    elder: bool,
    typed: Typed,
    stamp: Option<String>,
    status: StatusCode,
) -> Page {
    let counties = county_choices(state).await?;
    Ok(render(
        status,
        &PublicPage {
            frame: Frame::new(state, None),
            elder,
            stamp: stamp.unwrap_or_else(new_stamp),
            typed,
            kinds: kinds(),
            show_county: counties.len() > 1,
            counties,
            max_text: MAX_TEXT,
        },
    ))
}

pub async fn public_page(State(state): State<AppState>, Query(q): Query<Elder>) -> Page {
    let elder = q.elder.as_deref() == Some("1");
    public_form(&state, elder, Typed::default(), None, StatusCode::OK).await
}

#[derive(Template)]
#[template(path = "complaints/sent.html")]
struct SentPage {
    frame: Frame,
    elder: bool,
    code: String,
    due_on: String,
}

pub async fn public_submit(State(state): State<AppState>, req: Request) -> Page {
    let source = crate::session::source_of(&state, &req);
    let key = source.clone().unwrap_or_else(|| "unknown".into());
    let fields = match read_form(&state, req).await {
        Ok(f) => f,
        Err(r) => return Ok(r),
    };
    let elder = field(&fields, "elder") == "1";
    let stamp = match admit("complaint", &key, &fields) {
        Ok(stamp) => stamp,
        Err(Turned::TooMany(wait)) => return Ok(too_many(wait)),
        Err(Turned::Form(m)) => {
            let typed = Typed::refused(
                "complaint",
                &fields,
                &AppError::Invalid(vec![m.to_string()]),
            );
            return public_form(&state, elder, typed, None, StatusCode::BAD_REQUEST).await;
        }
    };
    let sent = send(
        state.store.as_ref(),
        &public_actor(source),
        ComplaintChannel::Public,
        &field(&fields, "county"),
        &form_of(&fields),
        state.today(),
    )
    .await;
    match sent {
        Ok(code) => {
            let due_on = due_text(&state, &code).await?;
            Ok(render(
                StatusCode::OK,
                &SentPage {
                    frame: Frame::new(&state, None),
                    elder,
                    code,
                    due_on,
                },
            ))
        }
        Err(e) if correctable(&e) => {
            release_stamp(&stamp);
            tracing::info!(source = %key, error = %e, "投诉建议未通过校验");
            let (code, _) = status_of(&e);
            let typed = Typed::refused("complaint", &fields, &e);
            public_form(&state, elder, typed, Some(stamp), code).await
        }
        Err(e) => {
            release_stamp(&stamp);
            Err(e.into())
        }
    }
}

async fn due_text(state: &AppState, code: &str) -> Result<String, AppError> {
    Ok(status(state.store.as_ref(), code)
        .await?
        .and_then(|c| c.due_on)
        .map(|d| d.to_string())
        .unwrap_or_default())
}

#[derive(Template)]
#[template(path = "complaints/status.html")]
struct StatusPage {
    frame: Frame,
    elder: bool,
    code: String,
    error: Option<String>,
    found: Option<PublicView>,
}

struct PublicView {
    kind: &'static str,
    text: String,
    received_on: String,
    due_on: String,
    status: &'static str,
    replied: bool,
    reply: String,
    replied_on: String,
}

fn public_view(c: &PublicComplaint) -> PublicView {
    PublicView {
        kind: c.kind.label(),
        text: c.text.clone(),
        received_on: c.received_on.to_string(),
        due_on: c.due_on.map(|d| d.to_string()).unwrap_or_default(),
        status: c.status.label(),
        replied: c.status == ComplaintStatus::Replied,
        reply: c.reply.clone().unwrap_or_default(),
        replied_on: c.replied_on.map(|d| d.to_string()).unwrap_or_default(),
    }
}

pub async fn status_page(State(state): State<AppState>, Query(q): Query<Elder>) -> Page {
    Ok(render(
        StatusCode::OK,
        &StatusPage {
            frame: Frame::new(&state, None),
            elder: q.elder.as_deref() == Some("1"),
            code: String::new(),
            error: None,
            found: None,
        },
    ))
}

/// Look-ups per address share the public forms' limit, so codes cannot be guessed in bulk.
fn lookup_allowed(key: &str) -> Result<(), std::time::Duration> {
    crate::public_form::submissions().check(
        &format!("complaint-status {key}"),
        std::time::Instant::now(),
    )
}

pub async fn status_submit(State(state): State<AppState>, req: Request) -> Page {
    let key = crate::session::source_of(&state, &req).unwrap_or_else(|| "unknown".into());
    if let Err(wait) = lookup_allowed(&key) {
        tracing::warn!(source = %key, "投诉建议查询过于频繁，已限制");
        return Ok(too_many(wait));
    }
    let fields = match read_form(&state, req).await {
        Ok(f) => f,
        Err(r) => return Ok(r),
    };
    let code = field(&fields, "code");
    let (found, error) = match status(state.store.as_ref(), &code).await {
        Ok(Some(c)) => (Some(public_view(&c)), None),
        Ok(None) => (None, Some("没有找到这个查询编号，请核对后再查".to_string())),
        Err(e) if correctable(&e) => (None, Some(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    Ok(render(
        if found.is_some() {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        },
        &StatusPage {
            frame: Frame::new(&state, None),
            elder: field(&fields, "elder") == "1",
            code,
            error,
            found,
        },
    ))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ApiComplaint {
    kind: String,
    text: String,
    name: String,
    phone: String,
    /// Needed only where the system serves more than one county.
    county: String,
}

/// `POST /api/complaint`: the public form over JSON, for an app or mini-program in front of
/// the system; limited per address like the page. Answers the code and the day due.
pub async fn api_submit(State(state): State<AppState>, req: Request) -> crate::api::ApiResult {
    let source = crate::session::source_of(&state, &req);
    let key = source.clone().unwrap_or_else(|| "unknown".into());
    if let Err(wait) = crate::public_form::submissions()
        .check(&format!("complaint {key}"), std::time::Instant::now())
    {
        tracing::warn!(source = %key, "投诉建议接口提交过于频繁，已限制");
        return Err(too_many(wait).into());
    }
    let crate::api::Body(body) =
        crate::api::Body::<ApiComplaint>::from_request(req, &state).await?;
    let form = ComplaintForm {
        kind: body.kind,
        text: body.text,
        name: body.name,
        phone: body.phone,
    };
    let code = send(
        state.store.as_ref(),
        &public_actor(source),
        ComplaintChannel::Public,
        &body.county,
        &form,
        state.today(),
    )
    .await?;
    let due_on = due_text(&state, &code).await?;
    crate::api::created(serde_json::json!({
        "code": code,
        "due_on": (!due_on.is_empty()).then_some(due_on),
    }))
}

#[derive(Debug, Deserialize)]
pub struct ApiCode {
    code: String,
}

/// `POST /api/complaint/status`: the answer by code (in the body, so it stays out of logs).
pub async fn api_status(State(state): State<AppState>, req: Request) -> crate::api::ApiResult {
    let key = crate::session::source_of(&state, &req).unwrap_or_else(|| "unknown".into());
    if let Err(wait) = lookup_allowed(&key) {
        return Err(too_many(wait).into());
    }
    let crate::api::Body(body) = crate::api::Body::<ApiCode>::from_request(req, &state).await?;
    match status(state.store.as_ref(), &body.code).await? {
        Some(c) => Ok(axum::Json(serde_json::json!({
            "kind": c.kind.label(),
            "received_on": c.received_on,
            "due_on": c.due_on,
            "status": c.status.label(),
            "reply": c.reply,
            "replied_on": c.replied_on,
        }))
        .into_response()),
        None => Err(AppError::NotFound("没有找到这个查询编号".into()).into()),
    }
}

// ---- staff ----------------------------------------------------------------------------

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    kind: String,
    from: String,
    until: String,
    /// `1`: open and past the day due.
    overdue: String,
    page: Option<u32>,
    done: String,
    code: String,
}

impl ListQuery {
    /// The query as a link (without the page).
    fn link(&self) -> String {
        serde_urlencoded::to_string([
            ("status", &self.status),
            ("kind", &self.kind),
            ("from", &self.from),
            ("until", &self.until),
            ("overdue", &self.overdue),
        ])
        .unwrap_or_default()
    }

    fn filter(&self, today: NaiveDate) -> Result<ComplaintFilter, AppError> {
        let date = |name: &'static str, label: &str, text: &str| -> Result<_, AppError> {
            match text.trim() {
                "" => Ok(None),
                t => t.parse::<NaiveDate>().map(Some).map_err(|_| {
                    AppError::Fields(vec![(name, format!("{label}“{t}”不是日期（年-月-日）"))])
                }),
            }
        };
        let status =
            match self.status.as_str() {
                "" => None,
                s => Some(ComplaintStatus::parse(s).ok_or_else(|| {
                    AppError::Fields(vec![("status", format!("没有“{s}”这种状态"))])
                })?),
            };
        let kind =
            match self.kind.as_str() {
                "" => None,
                k => Some(ComplaintKind::parse(k).ok_or_else(|| {
                    AppError::Fields(vec![("kind", format!("没有“{k}”这种类型"))])
                })?),
            };
        let page = self.page.unwrap_or(1).max(1);
        Ok(ComplaintFilter {
            status,
            kind,
            from: date("from", "收到日期自", &self.from)?,
            until: date("until", "收到日期至", &self.until)?,
            overdue_on: (self.overdue == "1").then_some(today),
            mine: false,
            limit: PAGE_ROWS,
            offset: (page - 1).saturating_mul(PAGE_ROWS),
        })
    }
}

struct Row {
    id: i64,
    code: String,
    received_on: String,
    kind: &'static str,
    channel: &'static str,
    text: String,
    due_on: String,
    status: &'static str,
    late: bool,
    replied_on: String,
}

fn row(c: &ComplaintRecord, today: NaiveDate) -> Row {
    let text: String = c.text.chars().take(60).collect();
    Row {
        id: c.id,
        code: c.code.clone(),
        received_on: c.received_on.to_string(),
        kind: c.kind.label(),
        channel: c.channel.label(),
        text: if c.text.chars().count() > 60 {
            format!("{text}…")
        } else {
            text
        },
        due_on: c.due_on.map(|d| d.to_string()).unwrap_or_default(),
        status: c.status.label(),
        late: match (c.replied_on, c.due_on) {
            (Some(r), Some(d)) => r > d,
            (None, Some(d)) => today > d,
            _ => false,
        },
        replied_on: c.replied_on.map(|d| d.to_string()).unwrap_or_default(),
    }
}

/// Whether the account answers complaints: it handles cases over a whole county or more.
fn handler(actor: &Actor) -> bool {
    actor.may(Permission::HandleCases)
        && match &actor.scope {
            Scope::Everything => true,
            Scope::Within(root) => root.level() <= DivisionLevel::County,
        }
}

#[derive(Template)]
#[template(path = "complaints/list.html")]
struct ListPage {
    frame: Frame,
    csrf: String,
    handles: bool,
    query: ListQuery,
    error: Option<String>,
    rows: Vec<Row>,
    total: u64,
    page: u32,
    pages: u32,
    link: String,
    year: String,
    figure: OnTime,
    mine: Vec<Row>,
    typed: Typed,
    kinds: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    counties: Vec<(String, String)>,
    /// The staff form needs a county only for accounts above one.
    show_county: bool,
    max_text: usize,
}

async fn list_view(
    state: &AppState,
    session: &Session,
    query: ListQuery,
    typed: Typed,
) -> Result<ListPage, AppError> {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let today = state.today();
    let handles = handler(actor);
    let (mut rows, mut total, mut error) = (Vec::new(), 0, None);
    let mut figure_now = OnTime::default();
    let page = query.page.unwrap_or(1).max(1);
    if handles {
        match query.filter(today) {
            Ok(f) => {
                let (list, n) = store.complaints(actor, &f).await?;
                rows = list.iter().map(|c| row(c, today)).collect();
                total = n;
            }
            Err(e) => error = Some(e.to_string()),
        }
        let start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
        figure_now = figure(store, actor, start, today, today).await?;
    }
    let (mine, _) = store
        .complaints(
            actor,
            &ComplaintFilter {
                mine: true,
                limit: 20,
                ..ComplaintFilter::default()
            },
        )
        .await?;
    let counties = county_choices(state).await?;
    let pages = u32::try_from(total.div_ceil(u64::from(PAGE_ROWS)))
        .unwrap_or(u32::MAX)
        .max(1);
    Ok(ListPage {
        frame: session.frame(state),
        csrf: session.auth.csrf.clone(),
        handles,
        link: query.link(),
        query,
        error,
        rows,
        total,
        page,
        pages,
        year: today.year().to_string(),
        figure: figure_now,
        mine: mine.iter().map(|c| row(c, today)).collect(),
        typed,
        kinds: kinds(),
        statuses: ComplaintStatus::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        show_county: counties.len() > 1 && matches!(actor.scope, Scope::Everything),
        counties,
        max_text: MAX_TEXT,
    })
}

pub async fn list_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(query): Query<ListQuery>,
) -> Page {
    let view = list_view(&state, &session, query, Typed::default()).await?;
    let status = if view.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(render(status, &view))
}

pub async fn staff_submit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let sent = send(
        state.store.as_ref(),
        &session.auth.actor,
        ComplaintChannel::Staff,
        &posted.get("county"),
        &form_of(posted.fields()),
        state.today(),
    )
    .await;
    match sent {
        Ok(code) => Ok(
            Redirect::to(&format!("/complaints?done=sent&code={code}#complaint-done"))
                .into_response(),
        ),
        Err(e) if correctable(&e) => {
            let (code, _) = status_of(&e);
            let typed = Typed::refused("complaint", posted.fields(), &e);
            let view = list_view(&state, &session, ListQuery::default(), typed).await?;
            Ok(render(code, &view))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn export_csv(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(query): Query<ListQuery>,
) -> Page {
    let filter = ComplaintFilter {
        limit: 500,
        offset: 0,
        ..query.filter(state.today())?
    };
    let text = export(state.store.as_ref(), &session.auth.actor, &filter).await?;
    let name = format!("投诉建议清单_{}.csv", state.today());
    Ok(download(text, CSV, "complaints.csv", &name))
}

#[derive(Template)]
#[template(path = "complaints/detail.html")]
struct DetailPage {
    frame: Frame,
    csrf: String,
    c: ComplaintRecord,
    handles: bool,
    may_reveal: bool,
    phone: Option<String>,
    late: bool,
    received_at: String,
    replied_at: String,
    done: bool,
    typed: Typed,
    today: String,
    max_text: usize,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct DetailQuery {
    done: String,
}

async fn detail_view(
    state: &AppState,
    session: &Session,
    id: i64,
    typed: Typed,
    phone: Option<String>,
    done: bool,
) -> Result<DetailPage, AppError> {
    let actor = &session.auth.actor;
    let c = state
        .store
        .complaint(actor, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("投诉建议#{id}不存在或不在您的辖区")))?;
    let today = state.today();
    let handles = handler(actor) && actor.scope.covers(&c.county);
    Ok(DetailPage {
        frame: session.frame(state),
        csrf: session.auth.csrf.clone(),
        late: row(&c, today).late,
        received_at: dixian_app::beijing_minute(c.received_at),
        replied_at: c
            .replied_at
            .map(dixian_app::beijing_minute)
            .unwrap_or_default(),
        may_reveal: handles && actor.may(Permission::RevealPii) && c.phone_masked.is_some(),
        handles,
        c,
        phone,
        done,
        typed,
        today: today.to_string(),
        max_text: MAX_TEXT,
    })
}

pub async fn detail_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> Page {
    let view = detail_view(
        &state,
        &session,
        id,
        Typed::default(),
        None,
        q.done == "reply",
    )
    .await?;
    Ok(render(StatusCode::OK, &view))
}

pub async fn reply_submit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    match reply(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &posted.get("reply"),
        state.today(),
    )
    .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/complaints/{id}?done=reply#complaint-done")).into_response(),
        ),
        Err(e) if correctable(&e) => {
            let (code, _) = status_of(&e);
            let typed = Typed::refused("reply", posted.fields(), &e);
            let view = detail_view(&state, &session, id, typed, None, false).await?;
            Ok(render(code, &view))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn reveal_phone(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let found = state
        .store
        .reveal_complaint_phone(&session.auth.actor, id, &posted.get("reason"))
        .await
        .map_err(AppError::from);
    match found {
        Ok(phone) => {
            let view = detail_view(&state, &session, id, Typed::default(), phone, false).await?;
            Ok(render(StatusCode::OK, &view))
        }
        Err(e) if correctable(&e) => {
            let (code, _) = status_of(&e);
            let typed = Typed::refused("phone", posted.fields(), &e);
            let view = detail_view(&state, &session, id, typed, None, false).await?;
            Ok(render(code, &view))
        }
        Err(e) => Err(e.into()),
    }
}

/// The OpenAPI description of the public complaint endpoints.
pub(crate) fn api_paths() -> serde_json::Value {
    let s = serde_json::json!({ "type": "string" });
    let error =
        serde_json::json!({ "description": "错误（message 为中文说明，field 为出错的字段）" });
    serde_json::json!({
        "/api/complaint": { "post": {
            "summary": "投诉建议（国办函〔2026〕12号）：与 /complaint 页面相同，无需登录，可匿名，按来源地址限制频率；返回查询编号和应答复日期",
            "security": [],
            "requestBody": { "required": true, "content": { "application/json": { "schema": {
                "type": "object", "required": ["kind", "text"],
                "properties": { "kind": { "type": "string", "enum": ["complaint", "suggestion", "投诉", "建议"] },
                    "text": s, "name": s, "phone": s,
                    "county": { "type": "string", "description": "县级区划代码；系统只服务一个县时可不填" } } } } } },
            "responses": { "201": { "description": "已提交：code 查询编号，due_on 应答复日期" },
                "400": error, "429": { "description": "提交过于频繁" } } } },
        "/api/complaint/status": { "post": {
            "summary": "凭查询编号查看投诉建议的办理进度和答复（编号放在请求体中，不进日志）",
            "security": [],
            "requestBody": { "required": true, "content": { "application/json": { "schema": {
                "type": "object", "required": ["code"], "properties": { "code": s } } } } },
            "responses": { "200": { "description": "类型、提交日期、应答复日期、状态、答复" },
                "400": error, "404": error, "429": { "description": "查询过于频繁" } } } }
    })
}
