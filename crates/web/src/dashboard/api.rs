//! The dashboard's figures over JSON (看板数据接口), for a provincial platform or a county's
//! big screen: the same figures as the page, each with the case list it counts as an address
//! of the case list and of `GET /api/cases`.

use crate::AppState;
use crate::api::{ApiResult, ok};
use crate::links::case_link;
use crate::session::Session;
use axum::Extension;
use axum::extract::{Query, State};
use dixian_app::dashboard::{self as board, Figure};
use serde::Deserialize;
use serde_json::{Value, json};

fn figure(f: &Figure) -> Value {
    let page = case_link(&f.filter);
    json!({
        "label": f.label,
        "households": f.households,
        "people": f.people,
        "cases": page,
        "api": format!("/api{page}"),
    })
}

fn figures(list: &[Figure]) -> Vec<Value> {
    list.iter().map(figure).collect()
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct AreaQuery {
    area: String,
    designation: String,
}

/// `GET /api/dashboard`: the figures of an area (default: the caller's) today.
pub(super) async fn figures_of(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AreaQuery>,
) -> ApiResult {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let area = board::area_or_home(store, actor, &q.area).await?;
    let d = board::designated_dashboard(store, actor, &area, state.today(), Some(&q.designation))
        .await?;
    let count = |c: &dixian_app::problems::Count| json!(c.n);
    ok(json!({
        "area": { "code": d.area.code.as_str(), "name": d.area.name },
        "as_of": d.as_of.to_string(),
        "designation": d.designation.as_ref().map(|(code, name)| json!({ "code": code, "name": name })),
        "identified": figure(&d.identified),
        "monitored": figure(&d.monitored),
        "eliminated": figure(&d.eliminated),
        "identifying": figure(&d.identifying),
        "eliminated_share_permille": d.eliminated_share,
        "by_category": figures(&d.by_category),
        "by_risk": figures(&d.by_risk),
        "by_state": figures(&d.by_state),
        "overdue": figures(&d.overdue),
        "overdue_total": figure(&d.overdue_total),
        "months": d.months.iter().map(|m| json!({
            "month": m.month, "identified": figure(&m.identified), "eliminated": figure(&m.eliminated),
        })).collect::<Vec<_>>(),
        "children": d.children.iter().map(|c| json!({
            "code": c.division.code.as_str(), "name": c.division.name,
            "identified": figure(&c.identified), "monitored": figure(&c.monitored),
            "eliminated": figure(&c.eliminated), "overdue": figure(&c.overdue),
            "eliminated_share_permille": c.eliminated_share,
        })).collect::<Vec<_>>(),
        "screening": d.screening.iter().map(|r| json!({
            "rule_code": r.rule_code, "rule_name": r.rule_name, "hits": r.hits,
            "verified": r.verified, "identified": r.identified,
        })).collect::<Vec<_>>(),
        "problems": {
            "open": count(&d.problems.open),
            "overdue": count(&d.problems.overdue),
            "uncleared": count(&d.problems.uncleared),
            "closed": count(&d.problems.closed),
            "by_kind": d.problems.by_kind.iter().map(|(k, open, closed)| json!({
                "kind": k, "open": open.n, "closed": closed.n,
            })).collect::<Vec<_>>(),
            "clear_within_days": d.problems.clear_within_days,
        },
    }))
}

/// The OpenAPI paths of this API.
pub(super) fn paths() -> Value {
    let error = json!({ "description": "错误（message 为中文说明）",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    json!({
        "/api/dashboard": { "get": {
            "summary": "工作看板的全部数字（与看板页面相同）；每个数字带它所统计的案件列表地址（cases 为网页，api 为接口）",
            "parameters": [
                { "name": "area", "in": "query", "required": false, "description": "区划代码，默认为本账号辖区", "schema": { "type": "string" } },
                { "name": "designation", "in": "query", "required": false, "description": "认定类别代码（如 key_village）：只统计今天持有该认定的村（含所在乡镇、县的认定）；部门筛查预警不按认定筛选", "schema": { "type": "string" } }],
            "responses": {
                "200": { "description": "看板数字", "content": { "application/json": { "schema": { "type": "object" } } } },
                "400": error.clone(), "401": error.clone(), "403": error } } },
    })
}
