//! The cadres' JSON API (干部包联、书记遍访、信息员网格数据接口, issue 22), read-only: the
//! 包片/包村 pairings with the 帮扶责任人's loads and hand-overs, a year's 五级书记遍访
//! coverage with what is still to visit, and the information-officer grid with its vacancies.
//! The same app functions as the pages, so the same scope and the same figures; writes stay
//! on the pages, where the forms explain every refusal beside its box.

use crate::AppState;
use crate::api::{ApiResult, ok};
use crate::session::Session;
use axum::Extension;
use axum::extract::{Query, State};
use dixian_app::AppError;
use dixian_store::cadres::OfficerRecord;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct AreaQuery {
    area: String,
    year: String,
}

/// Hand-over records the store gives at most, newest first (the household page has each
/// one's whole record).
const PERIODS_LISTED: usize = 500;

/// `GET /api/pairings?area=`: the pairings (ended ones with their end and successor), the
/// 帮扶责任人 accounts of the area with the households in their care across the caller's
/// whole area, and the ended 帮扶责任人 periods (newest first, at most 500).
pub(super) async fn pairings(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AreaQuery>,
) -> ApiResult {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let within = crate::areas::parse_area(&q.area)?;
    let pairings = store
        .pairings(actor, within.as_ref())
        .await
        .map_err(AppError::from)?;
    let loads = store.cadre_loads(actor).await.map_err(AppError::from)?;
    let periods = store
        .cadre_periods(actor, within.as_ref())
        .await
        .map_err(AppError::from)?;
    ok(json!({
        "pairings": pairings.iter().map(|p| json!({
            "id": p.id, "level": p.pairing.level.code(), "level_label": p.pairing.level.label(),
            "division": p.pairing.division.as_str(), "division_name": p.division_name,
            "person": p.pairing.person, "post": p.pairing.post, "unit": p.pairing.unit,
            "from": p.pairing.from.to_string(), "to": p.to.map(|d| d.to_string()),
            "end_reason": p.end_reason, "successor": p.successor,
        })).collect::<Vec<_>>(),
        "cadres": loads.iter()
            .filter(|l| within.is_none_or(|w| l.division.is_within(&w)))
            .map(|l| json!({
                "user_id": l.user_id, "name": l.name, "division": l.division.as_str(),
                "households": l.households, "disabled": l.disabled,
            })).collect::<Vec<_>>(),
        // At the limit, older periods may not be listed.
        "periods_cut": periods.len() >= PERIODS_LISTED,
        "periods": periods.iter().take(PERIODS_LISTED).map(|p| json!({
            "household": p.household.as_str(), "head_name": p.head_name, "cadre": p.cadre,
            "from": p.from.to_string(), "to": p.to.to_string(), "reason": p.reason,
            "successor": p.successor,
        })).collect::<Vec<_>>(),
    }))
}

/// `GET /api/tours?area=&year=`: the year's 遍访 coverage by secretary level against the
/// pack, each line with the towns, villages or households still to visit, and the visits.
pub(super) async fn tours(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AreaQuery>,
) -> ApiResult {
    let today = state.today();
    let within = crate::areas::parse_area(&q.area)?;
    let year = dixian_app::cadres::year_of(&q.year, today)?;
    let v = dixian_app::cadres::coverage_of(
        state.store.as_ref(),
        &session.auth.actor,
        within,
        year,
        today,
    )
    .await?;
    ok(json!({
        "year": v.year,
        "rules": v.rules.as_ref().map(|r| json!({
            "county_key_towns": r.county_key_towns, "county_key_villages": r.county_key_villages,
            "key_town": r.key_town, "key_village": r.key_village,
        })),
        "tours": v.tours,
        "coverage": v.lines.iter().map(|l| json!({
            "level": l.level.code(), "level_label": l.level.label(),
            "of": l.of.as_str(), "of_name": v.name(l.of.as_str()),
            "what": l.what.code(), "what_label": l.what.label(),
            "done": l.done, "due": l.due, "met": l.met(), "missing": l.missing,
        })).collect::<Vec<_>>(),
        "records": v.records.iter().map(|t| json!({
            "id": t.id, "level": t.tour.level.code(), "of": t.tour.of.as_str(),
            "visitor": t.tour.visitor, "on": t.tour.on.to_string(),
            "target": t.tour.target.code(), "target_name": t.target_name,
            "note": t.tour.note, "by": t.by,
        })).collect::<Vec<_>>(),
    }))
}

fn officer_json(o: &OfficerRecord) -> Value {
    json!({
        "id": o.id, "division": o.officer.division.as_str(), "division_name": o.division_name,
        "name": o.officer.name, "phone": o.officer.phone, "kind": o.officer.kind.code(),
        "kind_label": o.officer.kind.label(), "from": o.officer.from.to_string(),
        "to": o.to.map(|d| d.to_string()), "end_reason": o.end_reason,
    })
}

/// `GET /api/grid?area=`: every county, town and village with the officers the pack asks
/// for, those serving today and the vacancies; and the officers who have left.
pub(super) async fn grid(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AreaQuery>,
) -> ApiResult {
    let within = crate::areas::parse_area(&q.area)?;
    let (rules, lines, past) = dixian_app::cadres::grid(
        state.store.as_ref(),
        &session.auth.actor,
        within,
        state.today(),
    )
    .await?;
    ok(json!({
        "rules": rules.as_ref().map(|r| json!({
            "county_officers": r.county_officers, "town_officers": r.town_officers,
            "village_officers": r.village_officers,
        })),
        "vacancies": rules.as_ref().map(|_| lines.iter().map(|l| l.vacancies).sum::<u32>()),
        "lines": lines.iter().map(|l| json!({
            "division": l.division.as_str(), "name": l.name, "level": l.division.level().label(),
            "required": l.required, "vacancies": l.vacancies,
            "serving": l.serving.iter().map(officer_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "past": past.iter().map(officer_json).collect::<Vec<_>>(),
    }))
}

/// The OpenAPI paths of the cadres' JSON API.
pub(super) fn paths() -> Value {
    let error = json!({ "description": "错误（message 为中文说明）",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let answer = json!({ "description": "结果", "content": { "application/json": { "schema": { "type": "object" } } } });
    let q = |name: &str, what: &str| json!({ "name": name, "in": "query", "required": false, "description": what, "schema": { "type": "string" } });
    let area = q("area", "区划代码（12位），须在辖区内；不填为本辖区");
    let get = |summary: &str, parameters: Vec<Value>| {
        json!({ "get": {
        "summary": summary, "parameters": parameters,
        "responses": { "200": answer, "400": error, "401": error, "403": error } } })
    };
    json!({
        "/api/pairings": get("干部包联：包片、包村（含已结束的及接任者）、本区划的帮扶责任人账号及其在您全辖区内负责的户数、帮扶责任人的调整记录（最近500条，periods_cut 为 true 时可能还有更早的）",
            vec![area.clone()]),
        "/api/tours": get("五级书记遍访：某年各级书记应访、已访和尚未走访的乡镇、村、户，及当年的遍访记录",
            vec![area.clone(), q("year", "年度，默认今年")]),
        "/api/grid": get("监测信息员网格：县、乡镇、村应配人数（政策包）、在任信息员、缺额，及已离任的信息员",
            vec![area]),
    })
}
