//! The work list (我的待办) and the deadline page (办理时效): what is due, what is late.

use crate::AppState;
use crate::error::{Page, status_of};
use crate::forms::correctable;
use crate::frame::{Frame, render};
use crate::monitoring::leads::{LeadRow, lead_row};
use crate::session::Session;
use crate::views::{HouseholdRow, ItemRow, due_of, item_rows};
use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chrono::Datelike;
use chrono::NaiveDate;
use dixian_app::monitoring as flow;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "monitoring/work.html")]
struct WorkPage {
    frame: Frame,
    households: Vec<HouseholdRow>,
    today: String,
    items: Vec<CaseTasks>,
    /// Tasks in all (a case may have several).
    tasks: usize,
    leads: Vec<LeadRow>,
    overdue: usize,
}

/// A case's tasks together: one row per household, however many things are due.
pub(crate) struct CaseTasks {
    pub case_id: i64,
    pub household: String,
    pub head: String,
    pub village: String,
    pub tasks: Vec<ItemRow>,
    pub late: bool,
}

/// The work list's items grouped by case, most urgent case first (the order they came in).
fn by_case(items: Vec<ItemRow>) -> Vec<CaseTasks> {
    let mut out: Vec<CaseTasks> = Vec::new();
    for i in items {
        match out.iter_mut().find(|c| c.case_id == i.case_id) {
            Some(c) => {
                c.late |= i.due.late;
                c.tasks.push(i);
            }
            None => out.push(CaseTasks {
                case_id: i.case_id,
                household: i.household.clone(),
                head: i.head.clone(),
                village: i.village.clone(),
                late: i.due.late,
                tasks: vec![i],
            }),
        }
    }
    out
}

pub async fn work(State(state): State<AppState>, Extension(session): Extension<Session>) -> Page {
    let day = state.today();
    Ok(
        match flow::work_list(state.store.as_ref(), &session.auth.actor, day).await {
            Ok(list) => render(
                StatusCode::OK,
                &WorkPage {
                    frame: session.frame(&state),
                    households: list
                        .households
                        .iter()
                        .map(|h| HouseholdRow {
                            code: h.code.as_str().to_string(),
                            head: h.head.clone(),
                            task: h.task.clone(),
                            due: due_of(Some(h.due), h.overdue_working_days, day),
                        })
                        .collect(),
                    today: day.to_string(),
                    overdue: list.overdue(),
                    tasks: list.items.len(),
                    items: by_case(item_rows(&list, day)),
                    leads: list.leads.iter().map(|l| lead_row(l, day)).collect(),
                },
            ),
            Err(e) => return Err(e.into()),
        },
    )
}

pub(crate) struct RateRow {
    pub name: String,
    pub level: &'static str,
    pub done: i64,
    pub on_time: i64,
    pub late: i64,
    pub rate: String,
    pub overdue_now: Option<i64>,
}

fn rate(on_time: i64, done: i64) -> String {
    match (on_time * 1000).checked_div(done) {
        Some(pm) => format!("{}.{}%", pm / 10, pm % 10),
        None => "—".into(),
    }
}

#[derive(Template)]
#[template(path = "monitoring/sla.html")]
struct SlaPage {
    frame: Frame,
    from: String,
    until: String,
    steps: Vec<RateRow>,
    towns: Vec<RateRow>,
    error: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct SlaQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
}

/// 办理时效: on-time rates per step and level, and per town, for a period (this year by
/// default), with the cases overdue today.
pub async fn sla(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<SlaQuery>,
) -> Page {
    let day = state.today();
    let parse = |t: &str, default: NaiveDate| match t.trim() {
        "" => Ok(default),
        t => dixian_app::policy::parse_date(t),
    };
    let first = NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day);
    let dates = parse(&q.from, first).and_then(|f| parse(&q.until, day).map(|u| (f, u)));
    let result = match dates {
        Ok((from, until)) => {
            flow::timeliness(
                state.store.as_ref(),
                &session.auth.actor,
                None,
                from,
                until,
                day,
            )
            .await
        }
        Err(e) => Err(e),
    };
    let (steps, towns, error, code) = match result {
        Ok(t) => (
            t.steps
                .iter()
                .map(|s| RateRow {
                    name: s.step.clone(),
                    level: s.level,
                    done: s.done,
                    on_time: s.on_time,
                    late: s.done - s.on_time,
                    rate: rate(s.on_time, s.done),
                    overdue_now: None,
                })
                .collect(),
            t.towns
                .iter()
                .map(|t| RateRow {
                    name: t.name.clone(),
                    level: "乡镇",
                    done: t.done,
                    on_time: t.on_time,
                    late: t.done - t.on_time,
                    rate: rate(t.on_time, t.done),
                    overdue_now: Some(t.overdue_now),
                })
                .collect(),
            None,
            StatusCode::OK,
        ),
        Err(e) if correctable(&e) => (Vec::new(), Vec::new(), Some(e.to_string()), status_of(&e).0),
        Err(e) => return Err(e.into()),
    };
    Ok(render(
        code,
        &SlaPage {
            frame: session.frame(&state),
            from: if q.from.trim().is_empty() {
                first.to_string()
            } else {
                q.from.trim().to_string()
            },
            until: if q.until.trim().is_empty() {
                day.to_string()
            } else {
                q.until.trim().to_string()
            },
            steps,
            towns,
            error,
        },
    ))
}
