//! The project-assets JSON API (项目资产数据接口): the area's assets, one asset with its income,
//! plans and ending, registering one, its income and a distribution plan. The same app
//! functions as the pages, so the same rules, scope and audit.

use crate::AppState;
use crate::api::{ApiResult, Body, api_csrf, created, ok};
use crate::session::Session;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use dixian_app::AppError;
use dixian_app::assets::{AssetForm, IncomeForm, PayoutForm, PlanForm};
use dixian_domain::assets::{AssetClass, AssetState};
use dixian_domain::division::DivisionCode;
use dixian_store::assets::{AssetFilter, AssetSummary};
use serde::Deserialize;
use serde_json::{Value, json};

fn asset_json(a: &AssetSummary) -> Value {
    json!({
        "id": a.id, "project_id": a.project_id, "name": a.name, "class": a.class.code(),
        "owner_kind": a.owner_kind.code(), "owner_name": a.owner_name,
        "owner_household": a.owner_household.as_ref().map(|h| h.as_str()),
        "division": a.division.as_str(), "division_name": a.division_name,
        "value_fen": a.value.fen(), "formed_on": a.formed_on.to_string(), "state": a.state.code(),
        "operation": a.operation.map(|o| o.code()), "income_of_year_fen": a.income_of_year.fen(),
        "income_total_fen": a.income_total.fen(), "version": a.version,
    })
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct ListQuery {
    area: String,
    class: String,
    state: String,
    project: Option<i64>,
    year: i32,
}

/// `GET /api/assets`.
pub(super) async fn list(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> ApiResult {
    let within = match q.area.trim() {
        "" => None,
        t => Some(
            DivisionCode::parse(t)
                .map_err(|e| AppError::Fields(vec![("area", format!("地区：{e}"))]))?,
        ),
    };
    let class = match q.class.trim() {
        "" => None,
        t => Some(
            AssetClass::parse(t)
                .ok_or_else(|| AppError::Fields(vec![("class", format!("资产类别“{t}”无效"))]))?,
        ),
    };
    let asset_state = match q.state.trim() {
        "" => None,
        t => Some(
            AssetState::parse(t)
                .ok_or_else(|| AppError::Fields(vec![("state", format!("资产状态“{t}”无效"))]))?,
        ),
    };
    let list = state
        .store
        .assets(
            &session.auth.actor,
            &AssetFilter {
                within,
                class,
                state: asset_state,
                project_id: q.project,
                search: None,
                income_year: q.year,
                designation: None,
            },
        )
        .await
        .map_err(AppError::from)?;
    ok(json!({ "total": list.len(), "assets": list.iter().map(asset_json).collect::<Vec<_>>() }))
}

/// `POST /api/assets`.
pub(super) async fn create(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Body(f): Body<AssetForm>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口登记资产").await?;
    let id =
        dixian_app::assets::register(state.store.as_ref(), &session.auth.actor, &f, state.today())
            .await?;
    created(json!({ "id": id }))
}

/// `GET /api/assets/{id}`.
pub(super) async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
) -> ApiResult {
    let file = state
        .store
        .asset(&session.auth.actor, id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| AppError::NotFound(format!("资产#{id}不存在")))?;
    let mut v = asset_json(&file.asset);
    v["incomes"] = json!(
        file.incomes
            .iter()
            .map(|i| json!({
        "year": i.year, "kind": i.kind.code(), "amount_fen": i.amount.fen(),
        "received_on": i.received_on.to_string(), "note": i.note }))
            .collect::<Vec<_>>()
    );
    v["plans"] = json!(file.plans.iter().map(|p| json!({
        "id": p.id, "year": p.year, "state": p.state.code(), "total_fen": p.total.fen(), "version": p.version,
        "months": p.months,
        "lines": p.lines.iter().map(|l| json!({
            "household": l.household.as_ref().map(|h| h.as_str()), "use": l.use_.code(),
            "amount_fen": l.amount.fen(), "paid_fen": l.paid.fen(),
            "stopped": l.stopped.as_ref().map(|(month, why)| json!({ "from": month, "reason": why })) })).collect::<Vec<_>>(),
        "payouts": p.payouts.iter().map(|o| json!({
            "seq": o.seq, "month": o.month, "paid_on": o.paid_on.to_string(), "paid_fen": o.paid.fen(),
            "stopped": o.stopped, "by": o.by })).collect::<Vec<_>>(),
    })).collect::<Vec<_>>());
    v["ended"] = json!(file.ending.as_ref().map(|e| e.on.to_string()));
    ok(v)
}

/// `POST /api/assets/{id}/incomes`.
pub(super) async fn income(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(f): Body<IncomeForm>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口登记资产收益").await?;
    let income = dixian_app::assets::add_income(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        state.today(),
    )
    .await?;
    created(json!({ "id": income }))
}

/// `POST /api/assets/{id}/plans`.
pub(super) async fn plan(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(f): Body<PlanForm>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口提出收益分配方案").await?;
    let plan = dixian_app::assets::propose_plan(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        state.today(),
    )
    .await?;
    created(json!({ "id": plan }))
}

/// `POST /api/assets/{id}/payouts`: the next payout of a filed plan.
pub(super) async fn payout(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Body(f): Body<PayoutForm>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口登记收益发放").await?;
    let o = dixian_app::assets::pay_out(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        state.today(),
    )
    .await?;
    created(
        json!({ "seq": o.seq, "month": o.month, "paid_fen": o.paid.fen(), "stopped": o.stopped }),
    )
}

/// The OpenAPI paths of this API.
pub(super) fn paths() -> Value {
    let error = json!({ "description": "错误（message 为中文说明，field 为出错的字段）",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let answer = |what: &str| json!({ "description": what, "content": { "application/json": { "schema": { "type": "object" } } } });
    let id = json!({ "name": "id", "in": "path", "required": true, "description": "资产编号", "schema": { "type": "integer" } });
    let body = |fields: &[&str]| {
        let props: serde_json::Map<String, Value> = fields
            .iter()
            .map(|f| ((*f).to_string(), json!({ "type": "string" })))
            .collect();
        json!({ "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": props } } } })
    };
    let classes: Vec<&str> = AssetClass::ALL.iter().map(|c| c.code()).collect();
    json!({
        "/api/assets": {
            "get": { "summary": "项目资产（地区、类别、状态、项目筛选；year 为收益年度）",
                "parameters": [
                    { "name": "area", "in": "query", "required": false, "schema": { "type": "string" } },
                    { "name": "class", "in": "query", "required": false, "schema": { "type": "string", "enum": classes } },
                    { "name": "state", "in": "query", "required": false, "schema": { "type": "string" } },
                    { "name": "project", "in": "query", "required": false, "schema": { "type": "integer" } },
                    { "name": "year", "in": "query", "required": false, "schema": { "type": "integer" } }],
                "responses": { "200": answer("资产"), "400": error, "401": error, "403": error } },
            "post": { "summary": "登记完工项目形成的资产",
                "requestBody": body(&["project", "name", "class", "owner_kind", "owner_name", "owner_household",
                    "division", "value", "location", "formed_on", "confirmed_on", "confirm_document",
                    "custody_unit", "custody_person", "custody_duties", "operation", "operator"]),
                "responses": { "201": answer("资产编号"), "400": error, "401": error, "403": error } } },
        "/api/assets/{id}": { "get": { "summary": "资产详情：收益、分配方案、处置核销", "parameters": [id.clone()],
            "responses": { "200": answer("资产"), "401": error, "403": error, "404": error } } },
        "/api/assets/{id}/incomes": { "post": { "summary": "登记经营性资产收益", "parameters": [id.clone()],
            "requestBody": body(&["year", "kind", "amount", "received_on", "note"]),
            "responses": { "201": answer("收益编号"), "400": error, "401": error, "403": error } } },
        "/api/assets/{id}/plans": { "post": { "summary": "提出收益分配方案（lines 每行：户编号 用途 金额）", "parameters": [id.clone()],
            "requestBody": body(&["year", "months", "lines", "notice_place", "notice_from", "notice_to", "proposed_on"]),
            "responses": { "201": answer("方案编号"), "400": error, "401": error, "403": error } } },
        "/api/assets/{id}/payouts": { "post": { "summary": "登记已备案分配方案的一次发放（不再符合条件的户自本次起停发）", "parameters": [id.clone()],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": {
                "plan": { "type": "integer" }, "month": { "type": "string", "description": "YYYY-MM" }, "paid_on": { "type": "string" } } } } } },
            "responses": { "201": answer("发放结果"), "400": error, "401": error, "403": error, "404": error } } },
    })
}
