//! The monthly bulletin over JSON (月通报数据接口): the same figures and sentences as the
//! printable page and its XLSX, for a provincial platform collecting the counties' months.

use crate::AppState;
use crate::api::{ApiResult, ok};
use crate::session::Session;
use axum::Extension;
use axum::extract::{Query, State};
use dixian_app::bulletin::bulletin;
use dixian_domain::access::Permission;
use dixian_domain::problems::Month;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct BulletinQuery {
    area: String,
    /// `YYYY-MM`; empty: the month just ended.
    month: String,
}

/// `GET /api/bulletin`: the bulletin of an area (default: the caller's) for a month.
pub(super) async fn bulletin_of(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<BulletinQuery>,
) -> ApiResult {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    dixian_app::accounts::require(store, actor, Permission::ExportLedger, "月通报").await?;
    let area = dixian_app::dashboard::area_or_home(store, actor, &q.area).await?;
    let day = state.today();
    let month = match q.month.trim() {
        "" => Month::of(day).previous(),
        t => Month::parse(t).map_err(|e| crate::api::ApiError::invalid("month", e))?,
    };
    let b = bulletin(store, actor, &area, month, day).await?;
    ok(json!({
        "area": { "code": b.area.code.as_str(), "name": b.area.name },
        "month": b.month.to_string(),
        "as_of": b.as_of.to_string(),
        "made_on": b.made_on.to_string(),
        "headline": b.headline,
        "previous": b.previous,
        "paragraphs": b.paragraphs,
        "divisions": b.lines.iter().map(|l| json!({
            "code": l.division.code.as_str(), "name": l.division.name, "figures": l.figures,
            "overdue_now": l.overdue_now, "problems_open": l.problems_open,
            "problems_uncleared": l.problems_uncleared,
        })).collect::<Vec<_>>(),
        "months": b.months.iter().map(|m| json!({
            "month": m.month.to_string(), "identified": m.identified, "eliminated": m.eliminated,
        })).collect::<Vec<_>>(),
        "overdue_cases": b.overdue_cases.iter().map(|c| json!({
            "id": c.case.id, "household": c.case.household.as_str(), "state": c.case.state.code(),
            "due_on": c.case.due_on.map(|d| d.to_string()), "village_name": c.village_name,
        })).collect::<Vec<_>>(),
        "uncleared_problems": b.uncleared.iter().map(|p| json!({
            "id": p.id, "household": p.household.as_str(), "kind": p.kind.code(),
            "found_on": p.found_on.to_string(), "department": p.department,
        })).collect::<Vec<_>>(),
    }))
}

/// The OpenAPI paths of this API.
pub(super) fn paths() -> Value {
    let error = json!({ "description": "错误（message 为中文说明，field 为出错的字段）",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    json!({
        "/api/bulletin": { "get": {
            "summary": "月通报（与打印页、XLSX 相同的数字和文字）",
            "parameters": [
                { "name": "area", "in": "query", "required": false, "description": "区划代码，默认为本账号辖区", "schema": { "type": "string" } },
                { "name": "month", "in": "query", "required": false, "description": "月份 YYYY-MM，默认为上个月", "schema": { "type": "string" } }],
            "responses": {
                "200": { "description": "月通报", "content": { "application/json": { "schema": { "type": "object" } } } },
                "400": error.clone(), "401": error.clone(), "403": error } } },
    })
}
