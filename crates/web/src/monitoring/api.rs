//! The monitoring JSON API (监测帮扶数据接口): leads, cases and their steps, the cadre, the
//! plan's measures and visits, for scripts and other systems (a service account's token or a
//! signed-in session). Each endpoint calls the same app function as the page's form, so the
//! rules, the jurisdiction and the audit are the same.

use crate::AppState;
use crate::api::{
    ApiError, ApiResult, Body, FileBody, api_csrf, created, decode_file, decode_files, ok,
};
use crate::links::DrillQuery;
use crate::session::Session;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use dixian_app::AppError;
use dixian_app::monitoring::{self as flow, CadreForm, LeadForm, MeasureForm, StepForm, VisitForm};
use dixian_domain::division::DivisionCode;
use dixian_domain::monitoring::{ActionKind, Case, LeadStatus};
use dixian_store::{CaseEventRecord, CaseSummary, LeadFilter, LeadRecord};
use serde::Deserialize;
use serde_json::{Value, json};

/// The most rows one list call answers.
const API_PAGE: i64 = 500;

fn date(d: Option<chrono::NaiveDate>) -> Value {
    d.map_or(Value::Null, |d| json!(d.to_string()))
}

fn lead_json(l: &LeadRecord, accept_by: Option<chrono::NaiveDate>) -> Value {
    json!({
        "id": l.id,
        "village": l.village.as_str(),
        "household": l.household.as_ref().map(|h| h.as_str()),
        "channel": l.channel.code(),
        "channel_label": l.channel.label(),
        "source": l.source,
        "reason": l.reason,
        "evidence": l.evidence,
        "hardships": l.hardships,
        "received_on": l.received_on.to_string(),
        "accept_by": date(accept_by),
        "applicant_name": l.applicant_name,
        "applicant_id_number": l.applicant_id_masked,
        "status": l.status.code(),
        "status_label": l.status.label(),
        "case_id": l.case_id,
        "decided_on": date(l.decided_on),
        "decision_note": l.decision_note,
    })
}

fn case_json(c: &Case) -> Value {
    json!({
        "id": c.id,
        "household": c.household.as_str(),
        "state": c.state.code(),
        "state_label": c.state.label(),
        "version": c.version,
        "discovered_on": c.discovered_on.to_string(),
        "opened_on": c.opened_on.to_string(),
        "identification_due": c.identification_due.to_string(),
        "step_since": c.step_since.to_string(),
        "due_on": date(c.due_on),
        "notice_from": date(c.notice_from),
        "notice_until": date(c.notice_until),
        "category": c.category,
        "risk_types": c.risk_types,
    })
}

fn summary_json(s: &CaseSummary) -> Value {
    let mut v = case_json(&s.case);
    v["village"] = json!(s.village.as_str());
    v["village_name"] = json!(s.village_name);
    v["head_name"] = json!(s.head_name);
    v["has_cadre"] = json!(s.has_cadre);
    v["measures"] = json!(s.measures);
    v["people"] = json!(s.people);
    v
}

fn event_json(e: &CaseEventRecord) -> Value {
    let ev = &e.event;
    json!({
        "seq": e.seq,
        "at": e.at.to_rfc3339(),
        "by": e.actor,
        "action": ev.action.code(),
        "action_label": ev.action.label(),
        "from": ev.from.map(|s| s.code()),
        "to": ev.to.code(),
        "on": ev.on.to_string(),
        "comment": ev.comment,
        "due_on": date(ev.due_on),
        "on_time": ev.on_time(),
        "details": ev.details.iter().map(|(k, v)| json!({ "label": k, "value": v })).collect::<Vec<_>>(),
        "flags": ev.flags,
    })
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct LeadsQuery {
    status: String,
    area: String,
    /// Rows to skip: the next page starts at `offset` + the page's length.
    offset: String,
}

/// `GET /api/leads`: leads in the caller's area, newest first, with their accept-by date,
/// a page at a time (`offset`), with the total.
pub(super) async fn leads(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<LeadsQuery>,
) -> ApiResult {
    let status = match q.status.trim() {
        "" => None,
        t => Some(
            LeadStatus::parse(t)
                .ok_or_else(|| ApiError::invalid("status", format!("线索状态“{t}”不存在")))?,
        ),
    };
    let within = match q.area.trim() {
        "" => None,
        t => Some(
            DivisionCode::parse(t)
                .map_err(|e| ApiError::invalid("area", format!("区划代码“{t}”不正确：{e}")))?,
        ),
    };
    let offset = match q.offset.trim() {
        "" => 0,
        t => t
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| ApiError::invalid("offset", format!("offset“{t}”应为非负整数")))?,
    };
    let filter = LeadFilter {
        status,
        within,
        limit: API_PAGE,
        offset,
        ..LeadFilter::default()
    };
    let list = flow::leads(state.store.as_ref(), &session.auth.actor, &filter).await?;
    let total = state
        .store
        .count_leads(&session.auth.actor, &filter)
        .await
        .map_err(AppError::from)?;
    let items: Vec<Value> = list
        .iter()
        .map(|p| lead_json(&p.lead, Some(p.accept_by)))
        .collect();
    ok(json!({ "leads": items, "total": total, "offset": offset }))
}

/// `POST /api/leads`: a lead found by staff or another system (not a self-declaration).
pub(super) async fn report(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Body(form): Body<LeadForm>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口登记线索").await?;
    let made = flow::report_lead(
        state.store.as_ref(),
        &session.auth.actor,
        &form,
        state.today(),
    )
    .await?;
    created(json!({
        "id": made.id,
        "household": made.household.as_ref().map(|h| h.as_str()),
        "attached_to": made.attached_to,
    }))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct BulkQuery {
    dry_run: String,
    /// The file's name, which says CSV or XLSX.
    name: String,
}

/// `POST /api/leads/bulk`: a whole spreadsheet of leads (the page's import template) as the
/// body; all rows are checked first and nothing is written unless every row is right.
pub(super) async fn bulk(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Query(q): Query<BulkQuery>,
    body: axum::body::Bytes,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口批量导入线索").await?;
    let name = match q.name.trim() {
        "" => "线索.csv",
        n => n,
    };
    let dry_run = matches!(q.dry_run.trim(), "1" | "true");
    let report = dixian_app::monitoring::lead_import::import_leads(
        state.store.as_ref(),
        &session.auth.actor,
        name,
        &body,
        dry_run,
        state.today(),
    )
    .await?;
    let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems).into());
    }
    ok(json!({
        "dry_run": dry_run,
        "rows": report.rows,
        "created": report.created,
        "attached": report.attached,
    }))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct Decision {
    /// 户编号, when the lead names none.
    household: String,
    /// Why it is declined.
    reason: String,
    /// Empty: today.
    on: String,
}

fn day_of(text: &str, today: chrono::NaiveDate) -> Result<chrono::NaiveDate, ApiError> {
    match text.trim() {
        "" => Ok(today),
        t => dixian_app::policy::parse_date(t).map_err(|e| ApiError::invalid("on", e.to_string())),
    }
}

/// `POST /api/leads/{id}/accept`: accepts (受理) the lead, opening or joining a case.
pub(super) async fn accept(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(d): Body<Decision>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口受理线索").await?;
    let on = day_of(&d.on, state.today())?;
    let case_id = flow::accept_lead(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &d.household,
        on,
    )
    .await?;
    ok(json!({ "case_id": case_id }))
}

/// `POST /api/leads/{id}/decline`: declines (不予受理) the lead for a reason.
pub(super) async fn decline(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(d): Body<Decision>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口不予受理线索").await?;
    if d.reason.trim().is_empty() {
        return Err(ApiError::invalid("reason", "请填写不予受理的理由"));
    }
    let on = day_of(&d.on, state.today())?;
    flow::decline_lead(state.store.as_ref(), &session.auth.actor, id, &d.reason, on).await?;
    ok(json!({ "id": id, "status": LeadStatus::Declined.code() }))
}

/// `GET /api/cases`: cases in the caller's area, filtered like the page and the dashboard's
/// drill-down (`state`, `area`, `household`, `overdue`, `category`, `risk`, `approved`,
/// `eliminated`, `page`).
pub(super) async fn cases(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<DrillQuery>,
) -> ApiResult {
    let filter = q
        .filter(state.today(), API_PAGE)
        .map_err(|e| ApiError::invalid("query", e))?;
    let list = state.store.cases(&session.auth.actor, &filter).await?;
    let items: Vec<Value> = list.iter().map(summary_json).collect();
    ok(json!({ "cases": items, "page_size": API_PAGE }))
}

/// `GET /api/cases/{id}`: the case with its leads, plan, attachments, what the plan lacks and
/// the steps the caller may take now.
pub(super) async fn case(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
) -> ApiResult {
    let actor = &session.auth.actor;
    let view = flow::case_view(state.store.as_ref(), actor, id, state.today()).await?;
    let file = &view.file;
    let mut v = summary_json(&file.summary);
    let actions: Vec<&str> = dixian_domain::monitoring::available(&file.summary.case)
        .into_iter()
        .filter(|k| {
            dixian_domain::monitoring::check_role(actor.role, *k, file.summary.case.state).is_ok()
        })
        .map(|k| k.code())
        .collect();
    v["actions"] = json!(actions);
    v["plan_gaps"] = json!(view.gaps);
    v["leads"] = json!(
        file.leads
            .iter()
            .map(|l| lead_json(l, None))
            .collect::<Vec<_>>()
    );
    v["measures"] = json!(
        file.measures
            .iter()
            .map(|m| json!({
                "id": m.id, "type_code": m.type_code, "content": m.content, "unit": m.unit,
                "start_on": m.start_on.to_string(), "end_on": date(m.end_on),
                "amount_fen": m.amount.fen(), "status": m.status.code(), "effect": m.effect,
            }))
            .collect::<Vec<_>>()
    );
    v["attachments"] = json!(
        file.attachments
            .iter()
            .map(|a| json!({
                "id": a.id, "kind": a.kind.code(), "name": a.name, "size": a.size,
                "uploaded_at": a.uploaded_at.to_rfc3339(), "uploaded_by": a.uploaded_by,
            }))
            .collect::<Vec<_>>()
    );
    v["visits"] = json!(view
        .visits
        .iter()
        .map(|r| json!({
            "id": r.id, "visited_on": r.visited_on.to_string(), "visitors": r.visitors,
            "findings": r.findings, "follow_ups": r.follow_ups,
            "photos": r.photos.iter().map(|p| json!({ "id": p.id, "name": p.name })).collect::<Vec<_>>(),
        }))
        .collect::<Vec<_>>());
    ok(v)
}

/// `GET /api/cases/{id}/history`: every step taken, oldest first.
pub(super) async fn history(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
) -> ApiResult {
    let file = state
        .store
        .case_file(&session.auth.actor, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("案件#{id}不存在")))?;
    let events: Vec<Value> = file.events.iter().map(event_json).collect();
    ok(json!({ "case_id": id, "events": events }))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct StepBody {
    /// The step's code (`verify`, `deliberate`, `approve`, `propose_elimination` …).
    action: String,
    #[serde(flatten)]
    form: StepForm,
}

/// `POST /api/cases/{id}/steps`: takes one step of the identification or elimination
/// procedure; `version` must be the case's current one.
pub(super) async fn step(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(b): Body<StepBody>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口办理案件").await?;
    let kind = ActionKind::parse(b.action.trim())
        .ok_or_else(|| ApiError::invalid("action", format!("办理环节“{}”无效", b.action.trim())))?;
    let outcome = flow::act(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        kind,
        &b.form,
        state.today(),
    )
    .await?;
    ok(json!({ "case": case_json(&outcome.case), "event": {
        "action": outcome.event.action.code(),
        "to": outcome.event.to.code(),
        "on": outcome.event.on.to_string(),
        "flags": outcome.event.flags,
    } }))
}

/// `POST /api/cases/{id}/cadre`: makes an account the household's 帮扶责任人.
pub(super) async fn cadre(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(f): Body<CadreForm>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口明确帮扶责任人").await?;
    let outcome = flow::assign_cadre(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        state.today(),
    )
    .await?;
    ok(json!({ "case": case_json(&outcome.case) }))
}

/// `POST /api/cases/{id}/measures`: adds a measure to the plan (`id` empty) or changes one.
pub(super) async fn measure(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(f): Body<MeasureForm>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口保存帮扶措施").await?;
    let outcome = flow::save_measure(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        state.today(),
    )
    .await?;
    ok(json!({ "case": case_json(&outcome.case) }))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct VisitBody {
    #[serde(flatten)]
    form: VisitForm,
    /// Optional: a visit needs no photo.
    photos: Vec<FileBody>,
}

/// `POST /api/cases/{id}/visits`: records a visit, with photos if any (base64).
pub(super) async fn visit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(b): Body<VisitBody>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口记录走访").await?;
    let photos = decode_files(b.photos, "photos", "照片")?;
    let visit_id = flow::record_visit(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &b.form,
        photos,
        state.today(),
    )
    .await
    .map_err(|refused| refused.error)?;
    created(json!({ "id": visit_id }))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct AttachmentBody {
    /// `consent` (承诺授权书) or another attachment kind's code.
    kind: String,
    name: String,
    /// The file, base64-encoded.
    data: String,
}

/// `POST /api/cases/{id}/attachments`: attaches a file (a JPEG, PNG or PDF) to the case.
pub(super) async fn attach(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(b): Body<AttachmentBody>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口上传附件").await?;
    let file = FileBody {
        name: b.name,
        data: b.data,
    };
    let (name, bytes) = decode_file(file, "data", "附件")?;
    let attachment = flow::attachment(&b.kind, &name, bytes).await?;
    let attachment_id = state
        .store
        .add_attachment(&session.auth.actor, id, &attachment)
        .await?;
    created(json!({ "id": attachment_id }))
}

/// The OpenAPI paths of this API, merged into `GET /api/openapi.json`.
pub(super) fn paths() -> Value {
    let error = json!({ "description": "错误（message 为中文说明，field 为出错的字段）",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let id = |what: &str| json!({ "name": "id", "in": "path", "required": true, "description": what, "schema": { "type": "integer" } });
    let body = |props: Value| json!({ "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": props } } } });
    let answer = |what: &str| json!({ "description": what, "content": { "application/json": { "schema": { "type": "object" } } } });
    let s = json!({ "type": "string" });
    let actions: Vec<&str> = ActionKind::ALL.iter().map(|k| k.code()).collect();
    let step_props = json!({
        "action": { "type": "string", "enum": actions,
                    "description": "办理环节：verify 入户核实、deliberate 民主评议并公示、end_notice 公示期满、approve 审核通过、return 退回、close 办结不予纳入、propose_elimination 提出风险消除、revert 回退监测 …" },
        "version": { "type": "integer", "description": "案件当前版本（GET /api/cases/{id} 的 version），防止并发重复办理" },
        "on": s, "comment": s, "visited_on": s, "verifiers": s,
        "risk_types": { "type": "array", "items": s }, "category": s, "rigid_expenditure": s,
        "exclusions": { "type": "array", "items": s,
                        "description": "入户发现的原则上不纳入情形，政策包 exclusions.rule 的代码（如 vehicle、housing、business）" },
        "owns_commercial_housing": { "type": "boolean", "description": "同 exclusions 含 housing（旧写法）" },
        "owns_vehicle": { "type": "boolean", "description": "同 exclusions 含 vehicle（旧写法）" },
        "runs_business": { "type": "boolean", "description": "同 exclusions 含 business（旧写法）" },
        "stable_income_months": s,
        "rigid_expenditure_resolved": { "type": "boolean" }, "held_on": s, "attendees": s,
        "agreed": { "type": "boolean" }, "notice_from": s,
        "overrides": { "type": "array", "items": s,
                       "description": "民主评议：经村民代表大会评议认定为特殊情况的原则上不纳入情形代码" },
        "mode": s,
    });
    let case_filters: Vec<Value> = [
        "state",
        "area",
        "household",
        "overdue",
        "category",
        "risk",
        "approved",
        "eliminated",
        "page",
    ]
    .iter()
    .map(|n| json!({ "name": n, "in": "query", "required": false, "schema": { "type": "string" } }))
    .collect();
    let statuses: Vec<&str> = LeadStatus::ALL.iter().map(|s| s.code()).collect();
    json!({
        "/api/leads": {
            "get": { "summary": "监测线索列表（辖区内，最新在前，含受理时限）",
                "parameters": [
                    { "name": "status", "in": "query", "required": false, "schema": { "type": "string", "enum": statuses } },
                    { "name": "area", "in": "query", "required": false, "description": "区划代码", "schema": s },
                    { "name": "offset", "in": "query", "required": false, "description": "跳过的条数（分页；回答中 total 为总条数）", "schema": { "type": "integer", "minimum": 0 } }],
                "responses": { "200": answer("线索"), "400": error, "401": error, "403": error } },
            "post": { "summary": "登记一条线索（干部排查、部门推送、热线等；农户自主申报走 /apply）",
                "requestBody": body(json!({ "village": s, "household": s, "channel": s, "source": s, "reason": s, "evidence": s, "hardships": { "type": "array", "items": s }, "received_on": s })),
                "responses": { "201": answer("已登记"), "400": error, "401": error, "403": error } } },
        "/api/apply": { "post": { "summary": "农户自主申报（一键申报）：与申报页面相同，无需登录，按来源地址限制频率；返回查询码",
            "security": [],
            "requestBody": body(json!({ "name": s, "id_number": s, "phone": s, "village": s, "hardships": { "type": "array", "items": s }, "text": s })),
            "responses": { "201": answer("查询码"), "400": error, "429": { "description": "提交过于频繁" } } } },
        "/api/leads/bulk": { "post": { "summary": "批量导入线索：请求体为导入模板格式的 CSV 或 XLSX 文件；逐行检查，有问题则一行也不写入",
            "parameters": [
                { "name": "name", "in": "query", "required": false, "description": "文件名（.csv 或 .xlsx）", "schema": s },
                { "name": "dry_run", "in": "query", "required": false, "description": "1：只检查不写入", "schema": s }],
            "requestBody": { "required": true, "content": { "text/csv": { "schema": { "type": "string" } }, "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
            "responses": { "200": answer("导入结果"), "400": error, "401": error, "403": error } } },
        "/api/leads/{id}/accept": { "post": { "summary": "受理线索（立案或并入在办案件）",
            "parameters": [id("线索编号")], "requestBody": body(json!({ "household": s, "on": s })),
            "responses": { "200": answer("案件编号"), "400": error, "401": error, "403": error, "404": error } } },
        "/api/leads/{id}/decline": { "post": { "summary": "不予受理（须填理由）",
            "parameters": [id("线索编号")], "requestBody": body(json!({ "reason": s, "on": s })),
            "responses": { "200": answer("已不予受理"), "400": error, "401": error, "403": error, "404": error } } },
        "/api/cases": { "get": { "summary": "监测案件列表，筛选条件同案件页和看板下钻",
            "parameters": case_filters,
            "responses": { "200": answer("案件"), "400": error, "401": error, "403": error } } },
        "/api/cases/{id}": { "get": { "summary": "案件详情：线索、帮扶计划、附件、走访、计划缺项、当前可办理的环节",
            "parameters": [id("案件编号")], "responses": { "200": answer("案件"), "401": error, "403": error, "404": error } } },
        "/api/cases/{id}/history": { "get": { "summary": "案件办理记录（最早在前）",
            "parameters": [id("案件编号")], "responses": { "200": answer("办理记录"), "401": error, "403": error, "404": error } } },
        "/api/cases/{id}/steps": { "post": { "summary": "办理一个环节（识别认定或风险消除程序）",
            "parameters": [id("案件编号")], "requestBody": body(step_props),
            "responses": { "200": answer("办理后的案件"), "400": error, "401": error, "403": error, "404": error, "409": error } } },
        "/api/cases/{id}/cadre": { "post": { "summary": "明确帮扶责任人",
            "parameters": [id("案件编号")], "requestBody": body(json!({ "version": { "type": "integer" }, "cadre": { "type": "string", "description": "帮扶责任人的账号编号" }, "unit": s, "political": s, "start": s })),
            "responses": { "200": answer("办理后的案件"), "400": error, "401": error, "403": error, "404": error } } },
        "/api/cases/{id}/measures": { "post": { "summary": "新增或调整帮扶措施（id 为空为新增）",
            "parameters": [id("案件编号")], "requestBody": body(json!({ "version": { "type": "integer" }, "id": s, "type_code": s, "content": s, "unit": s, "start_on": s, "end_on": s, "amount": { "type": "string", "description": "元" }, "status": s, "effect": s })),
            "responses": { "200": answer("办理后的案件"), "400": error, "401": error, "403": error, "404": error } } },
        "/api/cases/{id}/attachments": { "post": { "summary": "上传案件附件（承诺授权书等；JPEG、PNG 或 PDF，base64）",
            "parameters": [id("案件编号")], "requestBody": body(json!({ "kind": s, "name": s, "data": { "type": "string", "format": "byte" } })),
            "responses": { "201": answer("附件编号"), "400": error, "401": error, "403": error, "404": error } } },
        "/api/cases/{id}/visits": { "post": { "summary": "记录一次走访；照片可选（base64）",
            "parameters": [id("案件编号")], "requestBody": body(json!({ "visited_on": s, "visitors": s, "findings": s, "follow_ups": s,
                "photos": { "type": "array", "items": { "type": "object", "properties": { "name": s, "data": { "type": "string", "format": "byte" } } } } })),
            "responses": { "201": answer("走访编号"), "400": error, "401": error, "403": error, "404": error } } },
    })
}
