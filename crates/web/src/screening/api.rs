//! Department data and screening over JSON (部门数据与筛查数据接口): a department's system
//! delivers its month (the same file the page takes, as the body), the deliveries are listed,
//! a run is started and its result answered, and past runs are listed with their rates.

use crate::AppState;
use crate::api::{ApiError, ApiResult, api_csrf, created, ok};
use crate::session::Session;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use dixian_app::feeds;
use dixian_app::screening::run_screening;
use dixian_domain::access::Permission;
use dixian_domain::screening::{Department, Period};
use dixian_store::feeds::{Delivered, DeliveryRecord};
use serde::Deserialize;
use serde_json::{Value, json};

fn delivery_json(d: &DeliveryRecord) -> Value {
    json!({
        "id": d.id,
        "department": d.department.code(),
        "department_label": d.department.label(),
        "period": d.period.to_string(),
        "area": d.area.as_str(),
        "file_name": d.file_name,
        "digest": d.digest,
        "rows_read": d.rows_read,
        "accepted": d.accepted,
        "rejected": d.rejected,
        "unmatched": d.unmatched,
        "current": d.current,
        "delivered_by": d.delivered_by,
        "delivered_at": d.delivered_at.to_rfc3339(),
    })
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct FeedQuery {
    department: String,
    /// `YYYY-MM`.
    period: String,
    /// The file's name, which says CSV or XLSX.
    name: String,
    check_only: String,
}

/// `POST /api/feeds`: a department's monthly file as the body, checked row by row and, unless
/// only a check is asked for, delivered. Any row with a problem names its row and column;
/// the rows that passed are delivered as on the page.
pub(super) async fn deliver(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Query(q): Query<FeedQuery>,
    body: axum::body::Bytes,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口报送部门数据").await?;
    let department = Department::parse(&q.department).ok_or_else(|| {
        ApiError::invalid(
            "department",
            format!("数据提供部门“{}”不存在", q.department.trim()),
        )
    })?;
    let period = Period::parse(&q.period)
        .ok_or_else(|| ApiError::invalid("period", "数据月份应为 YYYY-MM，如 2026-10"))?;
    if body.is_empty() {
        return Err(ApiError::invalid(
            "body",
            "请求体为空：请把数据文件作为请求体发送",
        ));
    }
    let name = match q.name.trim() {
        "" => "部门数据.csv",
        n => n,
    };
    let check_only = matches!(q.check_only.trim(), "1" | "true");
    let report = feeds::deliver(
        state.store.as_ref(),
        &session.auth.actor,
        department,
        period,
        name,
        &body,
        check_only,
        state.today(),
    )
    .await?;
    let problems: Vec<Value> = report
        .problems
        .iter()
        .map(|p| json!({ "row": p.row, "column": p.column, "message": p.message }))
        .collect();
    let delivered = match &report.delivered {
        None => Value::Null,
        Some(Delivered::Recorded {
            record,
            replaced,
            unmatched,
        }) => json!({
            "status": "recorded",
            "delivery": delivery_json(record),
            "replaced": replaced,
            "unmatched": unmatched.iter().map(|(row, id)| json!({ "row": row, "id_number": id })).collect::<Vec<_>>(),
        }),
        Some(Delivered::Unchanged(record)) => json!({
            "status": "unchanged",
            "delivery": delivery_json(record),
        }),
    };
    let answer = json!({
        "department": report.department.code(),
        "period": report.period.to_string(),
        "rows_read": report.rows_read,
        "accepted": report.accepted(),
        "problems": problems,
        "delivered": delivered,
    });
    if report.delivered.is_some() {
        created(answer)
    } else {
        ok(answer)
    }
}

/// `GET /api/feeds`: the deliveries the caller may see, newest first.
pub(super) async fn deliveries(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
) -> ApiResult {
    let list = state.store.deliveries(&session.auth.actor, 200).await?;
    ok(json!({ "deliveries": list.iter().map(delivery_json).collect::<Vec<_>>() }))
}

/// `GET /api/screening/runs`: past runs over the caller's area and each rule's hit →
/// verified → identified counts for the last twelve months.
pub(super) async fn runs(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
) -> ApiResult {
    let actor = &session.auth.actor;
    dixian_app::accounts::require(
        state.store.as_ref(),
        actor,
        Permission::HandleCases,
        "部门筛查",
    )
    .await?;
    let since = state
        .today()
        .checked_sub_months(chrono::Months::new(12))
        .unwrap_or(state.today());
    let runs = state.store.screening_runs(actor, 50).await?;
    let rates = state.store.screening_rates(actor, since).await?;
    ok(json!({
        "runs": runs.iter().map(|r| json!({
            "id": r.id, "area": r.area.as_str(), "as_of": r.as_of.to_string(),
            "households": r.households, "warnings": r.warnings, "new_leads": r.new_leads,
            "attached": r.attached, "repeated": r.repeated, "started_by": r.started_by,
            "finished_at": r.finished_at.to_rfc3339(),
        })).collect::<Vec<_>>(),
        "rates": rates.iter().map(|r| json!({
            "rule_code": r.rule_code, "rule_name": r.rule_name, "hits": r.hits,
            "verified": r.verified, "identified": r.identified,
        })).collect::<Vec<_>>(),
    }))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct RunBody {
    /// The day incomes are judged on (`YYYY-MM-DD`); empty: today.
    as_of: String,
}

/// `POST /api/screening/runs`: runs the screening over the caller's area now and answers its
/// result: the warnings, by rule, and the leads they became.
pub(super) async fn run(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    crate::api::Body(b): crate::api::Body<RunBody>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口部门筛查").await?;
    let as_of = match b.as_of.trim() {
        "" => state.today(),
        t => dixian_app::policy::parse_date(t)
            .map_err(|e| ApiError::invalid("as_of", e.to_string()))?,
    };
    if as_of > state.today() {
        return Err(ApiError::invalid(
            "as_of",
            format!("测算日期{as_of}晚于今天"),
        ));
    }
    let actor = &session.auth.actor;
    dixian_app::accounts::require(
        state.store.as_ref(),
        actor,
        Permission::HandleCases,
        "部门筛查",
    )
    .await?;
    let report = run_screening(
        state.store.as_ref(),
        actor,
        as_of,
        state.today(),
        &|_, _| {},
    )
    .await?;
    created(json!({
        "run_id": report.outcome.run_id,
        "as_of": report.as_of.to_string(),
        "households": report.households,
        "persons": report.persons,
        "rows": report.rows,
        "without_income": report.without_income,
        "new_leads": report.outcome.new_leads,
        "attached": report.outcome.attached,
        "repeated": report.outcome.repeated,
        "by_rule": report.by_rule.iter().map(|(code, name, n)| json!({ "rule_code": code, "rule_name": name, "warnings": n })).collect::<Vec<_>>(),
        "warnings": report.warnings.iter().map(|w| json!({
            "rule_code": w.rule_code, "rule_name": w.rule_name, "department": w.department,
            "explanation": w.explanation,
        })).collect::<Vec<_>>(),
    }))
}

/// The OpenAPI paths of this API.
pub(super) fn paths() -> Value {
    let error = json!({ "description": "错误（message 为中文说明，field 为出错的字段）",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let answer = |what: &str| json!({ "description": what, "content": { "application/json": { "schema": { "type": "object" } } } });
    let departments: Vec<&str> = Department::ALL.iter().map(|d| d.code()).collect();
    let q = |name: &str, what: &str, required: bool| json!({ "name": name, "in": "query", "required": required, "description": what, "schema": { "type": "string" } });
    let mut department = q("department", "数据提供部门", true);
    department["schema"]["enum"] = json!(departments);
    json!({
        "/api/feeds": {
            "get": { "summary": "部门数据报送记录（最新在前）",
                "responses": { "200": answer("报送记录"), "401": error, "403": error } },
            "post": { "summary": "报送一个月的部门数据：请求体为模板格式的 CSV 或 XLSX 文件；逐行检查，有问题的行注明行号和列名，其余行照常报送",
                "parameters": [department, q("period", "数据月份 YYYY-MM", true), q("name", "文件名（.csv 或 .xlsx）", false), q("check_only", "1：只检查不报送", false)],
                "requestBody": { "required": true, "content": { "text/csv": { "schema": { "type": "string" } }, "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
                "responses": { "200": answer("检查结果"), "201": answer("已报送"), "400": error, "401": error, "403": error } } },
        "/api/screening/runs": {
            "get": { "summary": "历次筛查和各规则的命中、核实、认定数",
                "responses": { "200": answer("筛查记录"), "401": error, "403": error } },
            "post": { "summary": "对本辖区运行一次筛查，预警生成线索（同一户同一规则在重复期内不重复生成）",
                "requestBody": { "required": false, "content": { "application/json": { "schema": { "type": "object", "properties": { "as_of": { "type": "string", "format": "date" } } } } } },
                "responses": { "201": answer("筛查结果"), "400": error, "401": error, "403": error } } },
    })
}
