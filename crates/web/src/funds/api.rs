//! The funds and project-library JSON API (资金项目数据接口): the library with the page's
//! filters, a project with its targets, households, money and history, proposing and taking
//! steps; the year's funds with the audited checks, a fund document with its lines, splitting
//! and paying. The same app functions as the pages, so the same rules, scope and audit.

use crate::AppState;
use crate::api::{ApiResult, Body, FileBody, api_csrf, created, decode_files, ok};
use crate::session::Session;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use chrono::Datelike;
use dixian_app::AppError;
use dixian_app::funds::{FundForm, PaymentForm, PlanForm, ProjectForm, StepForm};
use dixian_domain::division::DivisionCode;
use dixian_domain::funds::{ProjectAction, ProjectStage};
use dixian_store::funds::{FundSummary, PlanLine, ProjectFilter, ProjectSummary};
use serde::Deserialize;
use serde_json::{Value, json};

fn project_json(p: &ProjectSummary) -> Value {
    json!({
        "id": p.id, "division": p.division.as_str(), "division_name": p.division_name,
        "name": p.name, "type": p.type_code, "nature": p.nature.code(),
        "planned_year": p.planned_year, "start_on": p.start_on.to_string(), "end_on": p.end_on.to_string(),
        "unit": p.unit, "budget_fen": p.budget.fen(), "planned_fen": p.planned.fen(), "spent_fen": p.spent.fen(),
        "stage": p.stage.code(), "stage_label": p.stage.label(), "stage_on": p.stage_on.to_string(),
        "beneficiaries": p.beneficiaries, "version": p.version,
    })
}

fn fund_json(f: &FundSummary) -> Value {
    json!({
        "id": f.id, "county": f.county.as_str(), "doc_number": f.doc_number, "title": f.title,
        "level": f.level.code(), "year": f.year, "category": f.category, "amount_fen": f.amount.fen(),
        "direct": f.direct, "received_on": f.received_on.to_string(),
        "planned_fen": f.planned.fen(), "spent_fen": f.spent.fen(),
    })
}

fn line_json(l: &PlanLine) -> Value {
    json!({
        "id": l.id, "fund_id": l.fund_id, "doc_number": l.doc_number, "project_id": l.project_id,
        "project_name": l.project_name, "amount_fen": l.amount.fen(), "spent_fen": l.spent.fen(),
        "planned_on": l.planned_on.to_string(),
        "payments": l.payments.iter().map(|y| json!({
            "id": y.id, "kind": y.kind.code(), "amount_fen": y.amount.fen(), "on": y.on.to_string(),
            "voucher": y.voucher, "note": y.note, "by": y.by,
        })).collect::<Vec<_>>(),
    })
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct ProjectQuery {
    area: String,
    stage: String,
    year: String,
    q: String,
}

/// `GET /api/projects`: the library the caller sees, filtered like the list page.
pub(super) async fn projects(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ProjectQuery>,
) -> ApiResult {
    let within = match q.area.trim() {
        "" => None,
        t => Some(
            DivisionCode::parse(t)
                .map_err(|e| AppError::Fields(vec![("area", format!("地区：{e}"))]))?,
        ),
    };
    let stage = match q.stage.trim() {
        "" => None,
        t => Some(
            ProjectStage::parse(t)
                .ok_or_else(|| AppError::Fields(vec![("stage", format!("项目状态“{t}”无效"))]))?,
        ),
    };
    let year = match q.year.trim() {
        "" => None,
        t => Some(
            t.parse::<i32>()
                .map_err(|_| AppError::Fields(vec![("year", format!("年度“{t}”无效"))]))?,
        ),
    };
    let list = state
        .store
        .projects(
            &session.auth.actor,
            &ProjectFilter {
                within,
                stage,
                planned_year: year,
                search: Some(q.q).filter(|s| !s.trim().is_empty()),
                ..ProjectFilter::default()
            },
        )
        .await
        .map_err(AppError::from)?;
    ok(
        json!({ "total": list.len(), "projects": list.iter().map(project_json).collect::<Vec<_>>() }),
    )
}

/// `POST /api/projects`: a proposal (村申报).
pub(super) async fn propose(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Body(f): Body<ProjectForm>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口申报项目").await?;
    let id =
        dixian_app::funds::propose(state.store.as_ref(), &session.auth.actor, &f, state.today())
            .await?;
    created(json!({ "id": id }))
}

/// `GET /api/projects/{id}`.
pub(super) async fn project(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
) -> ApiResult {
    let file = state
        .store
        .project(&session.auth.actor, id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| AppError::NotFound(format!("项目#{id}不存在")))?;
    let mut v = project_json(&file.project);
    v["tasks"] = json!(file.tasks);
    v["sources"] = json!(file.sources);
    v["mechanism"] = json!(file.mechanism);
    v["targets"] = json!(
        file.targets
            .iter()
            .map(|t| json!({
        "kind": t.kind.code(), "name": t.name, "value": t.value }))
            .collect::<Vec<_>>()
    );
    v["beneficiaries"] = json!(file.beneficiaries.iter().map(|b| json!({
        "household": b.household.as_str(), "head_name": b.head_name, "mechanism": b.mechanism.code() }))
        .collect::<Vec<_>>());
    v["lines"] = json!(file.lines.iter().map(line_json).collect::<Vec<_>>());
    v["events"] = json!(file.events.iter().map(|e| json!({
        "action": e.action.map(|a| a.code()), "label": e.label, "on": e.on.to_string(),
        "note": e.note, "document": e.document, "by": e.by, "at": e.at.to_rfc3339(),
        "files": e.files.iter().map(|f| json!({ "id": f.id, "name": f.name, "content_type": f.content_type, "size": f.size, "href": format!("/projects/{id}/files/{}", f.id) })).collect::<Vec<_>>(),
        "notice": e.notice.as_ref().map(|n| json!({ "place": n.place, "from": n.from.to_string(), "to": n.to.to_string() })),
    })).collect::<Vec<_>>());
    ok(v)
}

/// A step with the scans of its documents, each `{ name, data }` in base64.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct StepBody {
    #[serde(flatten)]
    form: StepForm,
    files: Vec<FileBody>,
}

/// `POST /api/projects/{id}/steps`.
pub(super) async fn step(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(b): Body<StepBody>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口办理项目").await?;
    let files = decode_files(b.files, "files", "文件")?;
    let f = b.form;
    dixian_app::funds::take_step(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        files,
        state.today(),
    )
    .await?;
    ok(json!({ "id": id, "action": f.action.trim() }))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct YearQuery {
    year: Option<i32>,
}

/// `GET /api/funds?year=`: the year's fund documents and the audited checks.
pub(super) async fn funds(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<YearQuery>,
) -> ApiResult {
    let year = q.year.unwrap_or_else(|| state.today().year());
    let r = dixian_app::funds::report(
        state.store.as_ref(),
        &session.auth.actor,
        year,
        state.today(),
    )
    .await?;
    ok(json!({
        "year": year,
        "name": r.funds_name,
        "amount_fen": r.total.fen(), "planned_fen": r.planned.fen(), "spent_fen": r.spent.fen(),
        "funds": r.funds.iter().map(fund_json).collect::<Vec<_>>(),
        "industry_share": r.industry.as_ref().map(|i| json!({
            "share_bp": i.share_bp, "required_percent": i.required_percent, "met": i.met(), "explain": i.explain() })),
        "progress": r.progress.as_ref().map(|p| json!({
            "spent_bp": p.spent_bp, "required_percent": p.required_percent, "met": p.met(), "explain": p.explain(),
            "behind": p.behind.iter().map(|l| l.project_id).collect::<Vec<_>>() })),
        "negative_list": r.negatives.iter().map(|n| json!({ "project_id": n.line.project_id, "explain": n.message }))
            .collect::<Vec<_>>(),
        "overdue": r.overdue.iter().map(|o| json!({ "project_id": o.project.id, "explain": o.reason }))
            .collect::<Vec<_>>(),
        "missing": r.missing,
    }))
}

/// `POST /api/funds`: a fund document of the caller's county.
pub(super) async fn add_fund(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Body(f): Body<FundForm>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口登记资金").await?;
    let id =
        dixian_app::funds::add_fund(state.store.as_ref(), &session.auth.actor, &f, state.today())
            .await?;
    created(json!({ "id": id }))
}

/// `GET /api/funds/{id}`.
pub(super) async fn fund(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
) -> ApiResult {
    let file = state
        .store
        .fund(&session.auth.actor, id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| AppError::NotFound(format!("资金#{id}不存在")))?;
    let mut v = fund_json(&file.fund);
    v["lines"] = json!(file.lines.iter().map(line_json).collect::<Vec<_>>());
    ok(v)
}

/// `POST /api/funds/{id}/lines`: splits part of the document to a library project.
pub(super) async fn plan(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(f): Body<PlanForm>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口分配资金").await?;
    let line = dixian_app::funds::plan(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        state.today(),
    )
    .await?;
    created(json!({ "id": line }))
}

/// `POST /api/fund-payments`: a payment or a return on a plan line.
pub(super) async fn pay(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Body(f): Body<PaymentForm>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口记录资金支出").await?;
    let id = dixian_app::funds::pay(state.store.as_ref(), &session.auth.actor, &f, state.today())
        .await?;
    created(json!({ "id": id }))
}

/// The OpenAPI paths of this API.
pub(super) fn paths() -> Value {
    let error = json!({ "description": "错误（message 为中文说明，field 为出错的字段）",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let answer = |what: &str| json!({ "description": what, "content": { "application/json": { "schema": { "type": "object" } } } });
    let id = |what: &str| json!({ "name": "id", "in": "path", "required": true, "description": what, "schema": { "type": "integer" } });
    let s = json!({ "type": "string" });
    let body = |fields: &[&str]| {
        let props: serde_json::Map<String, Value> = fields
            .iter()
            .map(|f| ((*f).to_string(), json!({ "type": "string" })))
            .collect();
        json!({ "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": props } } } })
    };
    let stages: Vec<&str> = ProjectStage::ALL.iter().map(|k| k.code()).collect();
    let actions: Vec<&str> = ProjectAction::ALL.iter().map(|k| k.code()).collect();
    json!({
        "/api/projects": {
            "get": { "summary": "项目库（地区、状态、计划年度、名称筛选）",
                "parameters": [
                    { "name": "area", "in": "query", "required": false, "schema": s },
                    { "name": "stage", "in": "query", "required": false, "schema": { "type": "string", "enum": stages } },
                    { "name": "year", "in": "query", "required": false, "schema": s },
                    { "name": "q", "in": "query", "required": false, "schema": s }],
                "responses": { "200": answer("项目"), "400": error, "401": error, "403": error } },
            "post": { "summary": "申报项目（村申报，须有三类绩效目标和村内公示）",
                "requestBody": body(&["division", "name", "type_code", "nature", "planned_year", "start_on", "end_on",
                    "unit", "tasks", "budget", "sources", "mechanism", "output_name", "output_value", "benefit_name",
                    "benefit_value", "satisfaction_name", "satisfaction_value", "beneficiaries", "beneficiary_mechanism",
                    "notice_place", "notice_from", "notice_to", "proposed_on"]),
                "responses": { "201": answer("项目编号"), "400": error, "401": error, "403": error } } },
        "/api/projects/{id}": { "get": { "summary": "项目详情：绩效目标、受益户、资金和办理记录", "parameters": [id("项目编号")],
            "responses": { "200": answer("项目"), "401": error, "403": error, "404": error } } },
        "/api/projects/{id}/steps": { "post": { "summary": "办理项目：乡审核、县审定、退回、立项、招投标、开工、完工、验收、报账",
            "parameters": [id("项目编号")],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": {
                "action": { "type": "string", "enum": actions }, "version": { "type": "integer" }, "on": s, "note": s,
                "document": s, "notice_place": s, "notice_from": s, "notice_to": s,
                "files": { "type": "array", "description": "扫描件（JPEG、PNG或PDF，最多5个）", "items": { "type": "object", "properties": { "name": s, "data": { "type": "string", "description": "base64" } } } } } } } } },
            "responses": { "200": answer("已办理"), "400": error, "401": error, "403": error, "404": error, "409": error } } },
        "/api/funds": {
            "get": { "summary": "某年度资金文件及核对（产业发展占比、支出进度、负面清单、实施进度）",
                "parameters": [{ "name": "year", "in": "query", "required": false, "schema": { "type": "integer" } }],
                "responses": { "200": answer("资金"), "401": error, "403": error } },
            "post": { "summary": "登记资金文件（县级）",
                "requestBody": body(&["doc_number", "title", "level", "year", "category", "amount", "direct", "received_on"]),
                "responses": { "201": answer("资金编号"), "400": error, "401": error, "403": error, "409": error } } },
        "/api/funds/{id}": { "get": { "summary": "资金文件及分配到项目的明细", "parameters": [id("资金编号")],
            "responses": { "200": answer("资金"), "401": error, "403": error, "404": error } } },
        "/api/funds/{id}/lines": { "post": { "summary": "把资金分配到项目库中的项目（资金计划）", "parameters": [id("资金编号")],
            "requestBody": body(&["project", "amount", "on"]),
            "responses": { "201": answer("资金计划编号"), "400": error, "401": error, "403": error } } },
        "/api/fund-payments": { "post": { "summary": "记录资金计划的拨付支出或收回",
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": {
                "line": { "type": "integer" }, "kind": { "type": "string", "enum": ["pay", "return"] },
                "amount": s, "on": s, "voucher": s, "note": s } } } } },
            "responses": { "201": answer("记录编号"), "400": error, "401": error, "403": error } } },
    })
}
