//! The problem ledger's JSON API (问题台账数据接口): the list with the page's filters, a
//! problem with its steps, registering one and taking a step with evidence files (base64).
//! The same app functions as the pages, so the same rules, scope and audit.

use crate::AppState;
use crate::api::{ApiResult, Body, FileBody, api_csrf, created, decode_files, ok};
use crate::session::Session;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use dixian_app::AppError;
use dixian_app::problems::{
    FilterQuery, ProblemForm, ProblemLedger, StepForm, register, take_step,
};
use dixian_domain::problems::{PROBLEM_KINDS, ProblemAction, ProblemState};
use dixian_store::problems::ProblemRecord;
use serde::Deserialize;
use serde_json::{Value, json};

/// The most problems one list call answers.
const API_PAGE: usize = 2000;

fn problem_json(p: &ProblemRecord, on: chrono::NaiveDate) -> Value {
    json!({
        "id": p.id,
        "household": p.household.as_str(),
        "head_name": p.head_name,
        "village": p.village.as_str(),
        "village_name": p.village_name,
        "kind": p.kind.code(),
        "kind_label": p.kind.label(),
        "source": p.source.code(),
        "description": p.description,
        "found_on": p.found_on.to_string(),
        "found_by": p.found_by,
        "department": p.department,
        "deadline": p.deadline.to_string(),
        "overdue": p.dates().overdue_on(on),
        "state": p.state.code(),
        "state_label": p.state.label(),
        "resolution": p.resolution,
        "resolved_on": p.resolved_on.map(|d| d.to_string()),
        "closed_on": p.closed_on.map(|d| d.to_string()),
        "version": p.version,
    })
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct ListQuery {
    area: String,
    #[serde(flatten)]
    words: FilterQuery,
}

/// `GET /api/problems`: the problems of an area (default: the caller's), filtered like the
/// list page.
pub(super) async fn list(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let area = dixian_app::dashboard::area_or_home(store, actor, &q.area).await?;
    let ledger = ProblemLedger::load(store, actor, &area, state.today()).await?;
    let filter = q.words.filter(ledger.area.code)?;
    let selected = ledger.select(&filter);
    let items: Vec<Value> = selected
        .iter()
        .take(API_PAGE)
        .map(|p| problem_json(p, ledger.today))
        .collect();
    ok(json!({
        "area": ledger.area.code.as_str(),
        "total": selected.len(),
        "problems": items,
    }))
}

/// `POST /api/problems`: registers a problem of a household.
pub(super) async fn create(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Body(f): Body<ProblemForm>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口登记三保障问题").await?;
    let id = register(state.store.as_ref(), &session.auth.actor, &f, state.today()).await?;
    created(json!({ "id": id }))
}

/// `GET /api/problems/{id}`: the problem with its steps and their evidence files.
pub(super) async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
) -> ApiResult {
    let file = state
        .store
        .problem(&session.auth.actor, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("问题#{id}不存在")))?;
    let mut v = problem_json(&file.problem, state.today());
    v["events"] = json!(file
        .events
        .iter()
        .map(|e| json!({
            "action": e.action.code(), "action_label": e.action.label(), "on": e.on.to_string(),
            "note": e.note, "at": e.at.to_rfc3339(), "by": e.by,
            "files": e.files.iter().map(|f| json!({ "id": f.id, "name": f.name })).collect::<Vec<_>>(),
        }))
        .collect::<Vec<_>>());
    ok(v)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct StepBody {
    #[serde(flatten)]
    form: StepForm,
    files: Vec<FileBody>,
}

/// `POST /api/problems/{id}/steps`: reports the fix (整改), strikes it off (销号) or returns
/// it, with evidence files.
pub(super) async fn step(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(b): Body<StepBody>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口办理三保障问题").await?;
    let files = decode_files(b.files, "files", "文件")?;
    let action = take_step(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &b.form,
        files,
        state.today(),
    )
    .await
    .map_err(|refused| refused.error)?;
    ok(json!({ "id": id, "action": action.code() }))
}

/// The OpenAPI paths of this API.
pub(super) fn paths() -> Value {
    let error = json!({ "description": "错误（message 为中文说明，field 为出错的字段）",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let answer = |what: &str| json!({ "description": what, "content": { "application/json": { "schema": { "type": "object" } } } });
    let id = json!({ "name": "id", "in": "path", "required": true, "description": "问题编号", "schema": { "type": "integer" } });
    let s = json!({ "type": "string" });
    let kinds: Vec<&str> = PROBLEM_KINDS.iter().map(|k| k.code()).collect();
    let actions: Vec<&str> = ProblemAction::ALL.iter().map(|k| k.code()).collect();
    let states: Vec<&str> = ProblemState::ALL.iter().map(|k| k.code()).collect();
    let mut filters: Vec<Value> = [
        "area",
        "state",
        "kind",
        "department",
        "household",
        "found",
        "closed",
        "open_on",
        "overdue_on",
        "uncleared_on",
    ]
    .iter()
    .map(|n| json!({ "name": n, "in": "query", "required": false, "schema": { "type": "string" } }))
    .collect();
    filters[1]["schema"]["enum"] = json!(states);
    json!({
        "/api/problems": {
            "get": { "summary": "三保障和饮水安全问题列表（筛选条件同问题台账页面）", "parameters": filters,
                "responses": { "200": answer("问题"), "400": error, "401": error, "403": error } },
            "post": { "summary": "登记一个问题（责任部门和整改期限不填则按政策包）",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": {
                    "household": s, "kind": { "type": "string", "enum": kinds }, "source": s, "description": s,
                    "found_on": s, "found_by": s, "department": s, "deadline": s } } } } },
                "responses": { "201": answer("问题编号"), "400": error, "401": error, "403": error } } },
        "/api/problems/{id}": { "get": { "summary": "问题详情和办理记录", "parameters": [id.clone()],
            "responses": { "200": answer("问题"), "401": error, "403": error, "404": error } } },
        "/api/problems/{id}/steps": { "post": { "summary": "办理：报告整改、销号或退回，可附佐证材料（base64）",
            "parameters": [id],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": {
                "action": { "type": "string", "enum": actions }, "version": s, "on": s, "note": s,
                "files": { "type": "array", "items": { "type": "object", "properties": { "name": s, "data": { "type": "string", "format": "byte" } } } } } } } } },
            "responses": { "200": answer("已办理"), "400": error, "401": error, "403": error, "404": error, "409": error } } },
    })
}
