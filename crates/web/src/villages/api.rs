//! The village work's JSON API (村级工作数据接口, issue 22), read-only: the villages of an area
//! with their designations and collective income against the target, one village's file, the
//! weak-village programme, the rectification ledger, the resident teams and a team's month.
//! The same app functions as the pages, so the same scope, the same figures and the same
//! audit; writes stay on the pages, where the forms explain every refusal beside its box.

use crate::AppState;
use crate::api::{ApiResult, ok};
use crate::session::Session;
use axum::Extension;
use axum::extract::{Path, Query, State};
use chrono::Datelike;
use dixian_app::AppError;
use dixian_domain::division::DivisionCode;
use dixian_domain::money::Money;
use dixian_domain::problems::Month;
use dixian_domain::villages::TargetGap;
use dixian_store::rectification::ItemRecord;
use dixian_store::teams::TeamRecord;
use serde::Deserialize;
use serde_json::{Value, json};

fn fen(m: Option<Money>) -> Value {
    m.map_or(Value::Null, |m| json!(m.fen()))
}

fn gap_json(g: Option<TargetGap>) -> Value {
    g.map_or(Value::Null, |g| {
        json!({ "met": g.met(), "operating_short_fen": g.operating.fen(), "profit_short_fen": g.profit.fen() })
    })
}

fn item_json(i: &ItemRecord, today: chrono::NaiveDate) -> Value {
    json!({
        "id": i.id,
        "division": i.item.division.as_str(),
        "division_name": i.division_name,
        "source": i.item.source,
        "title": i.item.title,
        "found_on": i.item.found_on.to_string(),
        "unit": i.item.unit,
        "person": i.item.person,
        "measures": i.item.measures,
        "deadline": i.item.deadline.to_string(),
        "overdue": i.dates().overdue_on(today),
        "state": i.state.code(),
        "state_label": i.state.label(),
        "resolved_on": i.resolved_on.map(|d| d.to_string()),
        "closed_on": i.closed_on.map(|d| d.to_string()),
        "last_progress": i.last_progress.as_ref().map(|(on, note)| json!({ "on": on.to_string(), "note": note })),
        "weak": i.weak.as_ref().map(|w| json!({
            "village": w.village.as_str(), "target_fen": w.target.fen(), "team": w.team,
            "rank": w.rank, "average_fen": fen(w.average), "rank_from": w.rank_from, "rank_to": w.rank_to,
        })),
        "version": i.version,
    })
}

/// A team with its members, ID numbers masked as everywhere.
fn team_json(t: &TeamRecord, today: chrono::NaiveDate) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "unit": t.unit,
        "villages": t.villages.iter().map(|(c, n)| json!({ "code": c.as_str(), "name": n })).collect::<Vec<_>>(),
        "from": t.from.to_string(),
        "to": t.to.map(|d| d.to_string()),
        "end_reason": t.end_reason,
        "serving": t.serves_on(today),
        "members": t.members.iter().map(|m| json!({
            "id": m.id, "name": m.name, "id_number": m.id_masked, "unit": m.unit, "position": m.position,
            "role": m.role.code(), "role_label": m.role.label(), "from": m.from.to_string(),
            "to": m.to.map(|d| d.to_string()), "end_reason": m.end_reason,
        })).collect::<Vec<_>>(),
    })
}

fn bad_query(what: &str, text: &str) -> AppError {
    AppError::Invalid(vec![format!("{what}“{text}”不正确")])
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct VillagesQuery {
    area: String,
    year: String,
    designation: String,
}

/// `GET /api/villages?area=&year=&designation=`: the villages with their account of the year
/// (last year by default) against the pack's target, as the village list shows them.
pub(super) async fn list(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<VillagesQuery>,
) -> ApiResult {
    let actor = &session.auth.actor;
    let today = state.today();
    let within = crate::areas::parse_area(&q.area)?;
    let year = match q.year.trim() {
        "" => today.year() - 1,
        t => t
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=today.year()).contains(y))
            .ok_or_else(|| bad_query("年度", t))?,
    };
    let designation = dixian_domain::villages::designation_code(&q.designation)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let o =
        dixian_app::villages::overview(state.store.as_ref(), actor, within, year, today).await?;
    if let Some(d) = &designation
        && !o.kinds.iter().any(|k| k.code == *d)
    {
        return Err(
            AppError::Invalid(vec![format!("认定类别“{d}”不在政策包的认定类别表中")]).into(),
        );
    }
    let villages: Vec<Value> = o
        .lines
        .iter()
        .filter(|l| designation.as_ref().is_none_or(|d| l.kinds.contains(d)))
        .map(|l| {
            json!({
                "code": l.village.as_str(), "name": l.name, "town": l.town,
                "designations": l.designations, "designation_codes": l.kinds,
                "reported": l.account.is_some(),
                "operating_fen": fen(l.operating), "profit_fen": fen(l.profit),
                "gap": gap_json(l.gap),
            })
        })
        .collect();
    ok(json!({
        "area": o.area.as_str(),
        "year": o.year,
        "target": o.target.as_ref().map(|t| json!({
            "year": t.year, "all_operating_min_fen": t.all_operating_min.fen(),
            "all_profit_min_fen": t.all_profit_min.fen(), "share_percent": t.share_percent,
            "share_operating_min_fen": t.share_operating_min.fen(),
            "share_profit_min_fen": t.share_profit_min.fen(),
        })),
        "reported": o.reported,
        "met_all": o.met_all,
        "share_met": o.share_met,
        "share_needed": o.share_needed,
        "villages": villages,
    }))
}

/// `GET /api/villages/{code}`: one village's file, as its page.
pub(super) async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
) -> ApiResult {
    let today = state.today();
    let code =
        DivisionCode::parse(code.trim()).map_err(|e| AppError::NotFound(format!("村：{e}")))?;
    let f =
        dixian_app::villages::village_file(state.store.as_ref(), &session.auth.actor, code, today)
            .await?;
    ok(json!({
        "code": f.village.as_str(),
        "name": f.name,
        "town": f.town,
        "designations": f.designations.iter().map(|(kind, document, period, now)| json!({
            "kind": kind, "document": document, "period": period, "in_force": now,
        })).collect::<Vec<_>>(),
        "years": f.years.iter().map(|y| json!({
            "year": y.year, "operating_fen": y.operating.fen(), "profit_fen": y.profit.fen(),
            "gap": gap_json(y.gap),
        })).collect::<Vec<_>>(),
        "weak": f.weak.as_ref().map(|i| item_json(i, today)),
        "teams": f.teams.iter().map(|t| team_json(t, today)).collect::<Vec<_>>(),
        "open_items": f.open_items.iter().map(|i| item_json(i, today)).collect::<Vec<_>>(),
        "closed_items": f.closed_items,
        "households": f.households,
        "persons": f.persons,
        "cadres": f.cadres.iter().map(|(what, who)| json!({ "what": what, "who": who })).collect::<Vec<_>>(),
        "tours_this_year": f.tours_this_year,
    }))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct AreaQuery {
    area: String,
}

/// `GET /api/villages/weak?area=`: the weak-village programme — the pack's rules, the
/// reverse ranking and each chosen or enrolled village's plan and progress; `programme` is
/// null where the pack has none.
pub(super) async fn weak(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AreaQuery>,
) -> ApiResult {
    let today = state.today();
    let within = crate::areas::parse_area(&q.area)?;
    let p =
        dixian_app::villages::programme(state.store.as_ref(), &session.auth.actor, within, today)
            .await?;
    let Some(p) = p else {
        return ok(json!({ "programme": null }));
    };
    let r = &p.rules;
    ok(json!({
        "programme": {
            "rank_from": r.rank_from, "rank_to": r.rank_to,
            "choose_count": r.choose_count, "choose_percent": r.choose_percent,
            "target_operating_fen": r.target_operating.fen(),
            "enrolled": p.enrolled(), "struck_off": p.struck_off(),
        },
        "ranking": p.ranking.iter().map(|l| json!({
            "code": l.ranked.village.as_str(), "name": l.name, "town": l.town,
            "average_fen": fen(l.ranked.average), "missing_years": l.ranked.missing,
            "rank": l.ranked.rank, "chosen": l.ranked.chosen,
        })).collect::<Vec<_>>(),
        "lines": p.lines.iter().map(|l| json!({
            "code": l.line.ranked.village.as_str(), "name": l.line.name,
            "item": l.item.as_ref().map(|i| item_json(i, today)),
            "latest": l.latest.map(|(year, m)| json!({ "year": year, "operating_fen": m.fen() })),
        })).collect::<Vec<_>>(),
    }))
}

/// `GET /api/rectification?area=&state=&source=`: the rectification ledger (newest first).
pub(super) async fn items(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<dixian_app::rectification::ItemQuery>,
) -> ApiResult {
    let today = state.today();
    let filter = q.filter(today)?;
    let l = dixian_app::rectification::ledger(
        state.store.as_ref(),
        &session.auth.actor,
        &filter,
        today,
    )
    .await?;
    ok(json!({
        "open": l.open, "resolved": l.resolved, "closed": l.closed, "overdue": l.overdue,
        "cut": l.cut,
        "sources": l.sources.iter().map(|s| json!({ "code": s.code, "name": s.name })).collect::<Vec<_>>(),
        "items": l.items.iter().map(|i| item_json(i, today)).collect::<Vec<_>>(),
    }))
}

/// `GET /api/teams?area=`: the resident teams serving villages of the area, replaced ones
/// included (`serving` false).
pub(super) async fn teams(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AreaQuery>,
) -> ApiResult {
    let today = state.today();
    let within = crate::areas::parse_area(&q.area)?;
    let teams = state
        .store
        .teams(&session.auth.actor, within.as_ref())
        .await
        .map_err(AppError::from)?;
    ok(json!({ "teams": teams.iter().map(|t| team_json(t, today)).collect::<Vec<_>>() }))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct MonthQuery {
    month: String,
}

/// `GET /api/teams/{id}/month?month=2026-10`: each member's working days in the village
/// against the pack's share, with the day records (this month by default).
pub(super) async fn team_month(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    Query(q): Query<MonthQuery>,
) -> ApiResult {
    let today = state.today();
    let month = match q.month.trim() {
        "" => Month::of(today),
        m => Month::parse(m).map_err(|e| AppError::Invalid(vec![e]))?,
    };
    let m =
        dixian_app::teams::team_month(state.store.as_ref(), &session.auth.actor, id, month, today)
            .await?;
    let monthly = m
        .rules
        .as_ref()
        .is_some_and(|r| r.in_village_share.is_some());
    ok(json!({
        "team": team_json(&m.team, today),
        "month": m.month.to_string(),
        "share": m.rules.as_ref().and_then(|r| r.in_village_share),
        "days_per_year": m.rules.as_ref().and_then(|r| r.in_village_days_per_year),
        "members": m.members.iter().map(|x| json!({
            "member": x.member.id, "name": x.member.name, "role": x.member.role.code(),
            "working": x.figures.working, "in_village": x.figures.in_village,
            "leave": x.figures.leave, "away": x.figures.away, "unrecorded": x.figures.unrecorded,
            "rest_days_in_village": x.figures.rest_days_in_village,
            // Without a monthly share in the pack there is nothing to meet each month.
            "needed": monthly.then_some(x.figures.needed),
            "met": monthly.then_some(x.figures.met),
            "year": x.year.map(|y| json!({
                "year": y.year, "in_village": y.in_village, "required": y.required,
                "left": y.left, "met": y.met, "reachable": y.reachable,
            })),
            "records": x.records.iter().map(|d| json!({
                "from": d.record.from.to_string(), "to": d.record.to.to_string(),
                "kind": d.record.kind.code(), "kind_label": d.record.kind.label(),
                "approver": d.record.approver.map(|a| a.code()), "approval": d.record.approval,
                "note": d.record.note, "by": d.by,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    }))
}

/// The OpenAPI paths of the village work's JSON API.
pub(super) fn paths() -> Value {
    let error = json!({ "description": "错误（message 为中文说明）",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let answer = |what: &str| json!({ "description": what, "content": { "application/json": { "schema": { "type": "object" } } } });
    let q = |name: &str, what: &str| json!({ "name": name, "in": "query", "required": false, "description": what, "schema": { "type": "string" } });
    let area = q("area", "区划代码（12位），须在辖区内；不填为本辖区");
    let get = |summary: &str, parameters: Vec<Value>| {
        json!({ "get": {
        "summary": summary, "parameters": parameters,
        "responses": { "200": answer("结果（金额单位为分）"), "400": error, "401": error, "403": error, "404": error } } })
    };
    json!({
        "/api/villages": get("村列表：认定、某年度村集体经济收入和与目标的差距（同村级工作页）",
            vec![area.clone(), q("year", "年度，默认上一年"), q("designation", "认定类别代码，只列有该认定（含所在乡镇、县的）的村")]),
        "/api/villages/{code}": get("一个村的村情（认定、历年收入与目标、工作队、未销号整改事项、包联干部）",
            vec![json!({ "name": "code", "in": "path", "required": true, "description": "村的区划代码（12位）", "schema": { "type": "string" } })]),
        "/api/villages/weak": get("经济薄弱村：政策包规则、倒排名次、纳入扶持的村及其进展", vec![area.clone()]),
        "/api/rectification": get("整改台账（最近登记的在前）",
            vec![area.clone(), q("state", "状态：open、resolved、closed"), q("source", "问题来源代码")]),
        "/api/teams": get("驻村工作队及队员（身份证号打码；已撤换的 serving 为 false）", vec![area]),
        "/api/teams/{id}/month": get("工作队某月在村情况（按官方节假日日历计工作日）",
            vec![json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }), q("month", "月份，如 2026-10，默认本月")]),
    })
}
