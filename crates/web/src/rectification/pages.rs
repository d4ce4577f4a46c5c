//! Handlers of the rectification pages: they read the query or form, call
//! `dixian_app::rectification` and draw the answer.

use crate::AppState;
use crate::error::Page;
use crate::forms::{Posted, Typed, correctable};
use crate::frame::{Frame, render};
use crate::session::Session;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dixian_app::AppError;
use dixian_app::rectification::{ItemForm, StepForm, source_name};
use dixian_domain::access::{Actor, Permission, Role};
use dixian_domain::rectification::{ItemState, WEAK_SOURCE};
use dixian_store::rectification::{ItemFilter, ItemRecord};
use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    area: String,
    state: String,
    source: String,
    /// A designation code (认定类别); empty: any.
    designation: String,
    done: String,
}

impl ListQuery {
    fn filter(&self, today: chrono::NaiveDate) -> Result<ItemFilter, AppError> {
        dixian_app::rectification::ItemQuery {
            area: self.area.clone(),
            state: self.state.clone(),
            source: self.source.clone(),
            designation: self.designation.clone(),
        }
        .filter(today)
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("area", self.area.trim()),
            ("state", self.state.trim()),
            ("source", self.source.trim()),
            ("designation", self.designation.trim()),
        ])
        .unwrap_or_default()
    }
}

fn may_record(actor: &Actor) -> bool {
    matches!(
        actor.role,
        None | Some(Role::CountyAdmin | Role::TownReviewer | Role::VillageOfficer)
    ) && actor.may(Permission::HandleCases)
}

pub(crate) struct ItemLine {
    id: i64,
    place: String,
    source: String,
    title: String,
    unit: String,
    deadline: String,
    progress: String,
    state: &'static str,
    late: bool,
}

fn place(i: &ItemRecord) -> String {
    if i.division_name.is_empty() {
        i.item.division.to_string()
    } else {
        i.division_name.clone()
    }
}

#[derive(Template)]
#[template(path = "rectification/list.html")]
struct ListPage {
    frame: Frame,
    done: Option<&'static str>,
    typed: Typed,
    areas: Vec<crate::areas::AreaChoice>,
    state: String,
    source: String,
    designation: String,
    /// The pack's designation kinds, (code, name), for the filter.
    designations: Vec<(String, String)>,
    states: Vec<(&'static str, &'static str)>,
    /// (code, name) of the pack's sources; `own`: those a finding may be entered with.
    sources: Vec<(String, String)>,
    own_sources: Vec<(String, String)>,
    summary: String,
    lines: Vec<ItemLine>,
    may_record: bool,
    may_export: bool,
    export: String,
    divisions: Vec<(String, String)>,
    today: String,
}

async fn show_list(state: &AppState, session: &Session, q: &ListQuery, typed: Typed) -> Page {
    let actor = &session.auth.actor;
    let store = state.store.as_ref();
    let today = state.today();
    let filter = q.filter(today)?;
    let l = dixian_app::rectification::ledger(store, actor, &filter, today).await?;
    let lines = l
        .items
        .iter()
        .map(|i| ItemLine {
            id: i.id,
            place: place(i),
            source: source_name(&l.sources, &i.item.source),
            title: i.item.title.clone(),
            unit: format!("{}（{}）", i.item.unit, i.item.person),
            deadline: i.item.deadline.to_string(),
            progress: i
                .last_progress
                .as_ref()
                .map(|(on, n)| format!("{on}：{n}"))
                .unwrap_or_default(),
            state: i.state.label(),
            late: i.dates().overdue_on(today),
        })
        .collect();
    let mut summary = format!(
        "共{}项：待整改{}项，已整改待销号{}项，已销号{}项；逾期未销号{}项",
        l.items.len(),
        l.open,
        l.resolved,
        l.closed,
        l.overdue
    );
    if l.cut {
        summary.push_str(&format!(
            "。事项超过{}项，只列出最近登记的{}项，请按地区、状态或来源缩小范围",
            dixian_store::rectification::MAX_ITEMS,
            dixian_store::rectification::MAX_ITEMS
        ));
    }
    let code = if typed.any() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(render(
        code,
        &ListPage {
            frame: session.frame(state),
            done: (q.done == "create").then_some("整改事项已登记。"),
            typed,
            areas: crate::areas::area_choices(store, actor, filter.within.as_ref()).await,
            state: q.state.trim().to_string(),
            source: q.source.trim().to_string(),
            designation: q.designation.trim().to_string(),
            designations: dixian_app::villages::designation_kinds(store, actor, today).await,
            states: ItemState::ALL
                .iter()
                .map(|s| (s.code(), s.label()))
                .collect(),
            own_sources: l
                .sources
                .iter()
                .filter(|s| s.code != WEAK_SOURCE)
                .map(|s| (s.code.clone(), s.name.clone()))
                .collect(),
            sources: l
                .sources
                .iter()
                .map(|s| (s.code.clone(), s.name.clone()))
                .collect(),
            summary,
            lines,
            may_record: may_record(actor),
            may_export: actor.may(Permission::ExportLedger),
            export: q.query_string(),
            divisions: if may_record(actor) {
                crate::areas::division_choices(store, actor).await
            } else {
                Vec::new()
            },
            today: today.to_string(),
        },
    ))
}

/// `GET /rectification?area=&state=&source=`.
pub async fn list(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> Page {
    show_list(&state, &session, &q, Typed::default()).await
}

/// `POST /rectification`: a new finding.
pub async fn create(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: ItemForm = posted.parse()?;
    match dixian_app::rectification::add(
        state.store.as_ref(),
        &session.auth.actor,
        &f,
        state.today(),
    )
    .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/rectification/{id}?done=create")).into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused("new-item", posted.fields(), &e);
            show_list(&state, &session, &ListQuery::default(), typed).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /rectification/export.xlsx?…`: the three lists of what the filter shows.
pub async fn export(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> Page {
    let tables = dixian_app::rectification::workbook(
        state.store.as_ref(),
        &session.auth.actor,
        &q.filter(state.today())?,
        state.today(),
    )
    .await?;
    let mut bytes = Vec::new();
    dixian_app::workbook::write_tables(&tables, std::io::Cursor::new(&mut bytes))?;
    let today = state.today();
    Ok(crate::frame::download(
        bytes,
        crate::frame::XLSX,
        &format!("rectification-{today}.xlsx"),
        &format!("整改台账-{today}.xlsx"),
    ))
}

pub(crate) struct EventView {
    step: &'static str,
    on: String,
    note: String,
    evidence: String,
    /// (id, name) of the evidence's scans and photos.
    files: Vec<(i64, String)>,
    by: String,
    at: String,
}

#[derive(Template)]
#[template(path = "rectification/item.html")]
struct ItemPage {
    frame: Frame,
    done: Option<&'static str>,
    id: i64,
    version: i64,
    place: String,
    source: String,
    title: String,
    found_on: String,
    unit: String,
    person: String,
    measures: String,
    deadline: String,
    late: bool,
    state: &'static str,
    /// For a weak village: its target and team, and its latest account after the ranked years.
    weak: Option<String>,
    closed: String,
    events: Vec<EventView>,
    /// (step code, label) of the steps this user may take now.
    steps: Vec<(&'static str, &'static str)>,
    /// A refusal of a step whose form the page no longer draws (someone else went first, or
    /// the step is not this user's): said above the steps.
    orphan: Vec<String>,
    today: String,
    typed: Typed,
}

async fn show_item(
    state: &AppState,
    session: &Session,
    id: i64,
    done: Option<&'static str>,
    typed: Typed,
) -> Page {
    let actor = &session.auth.actor;
    let store = state.store.as_ref();
    let today = state.today();
    let Some((r, events)) = store.item(actor, id).await.map_err(AppError::from)? else {
        return Err(AppError::NotFound(format!("整改事项#{id}不存在")).into());
    };
    let sources = dixian_app::rectification::sources(store, &r.item.division, today).await?;
    let weak = match &r.weak {
        Some(w) => {
            let latest = dixian_app::villages::latest_operating(store, actor, w, today).await?;
            Some(format!(
                "目标：经营性年收入{}元；帮扶：{}（{}）；{}",
                w.target.grouped(),
                r.item.unit,
                w.team,
                match latest {
                    Some((year, m)) if m >= w.target => {
                        format!("{year}年经营性收入{}元，已达到目标", m.grouped())
                    }
                    Some((year, m)) => format!("{year}年经营性收入{}元，尚未达到目标", m.grouped()),
                    None => format!("{}年以后还没有填报村集体经济收支", w.rank_to),
                }
            ))
        }
        None => None,
    };
    let code = if typed.any() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let steps: Vec<(&'static str, &'static str)> =
        dixian_app::rectification::steps_for(actor, r.state)
            .into_iter()
            .map(|s| (s.code(), s.label()))
            .collect();
    Ok(render(
        code,
        &ItemPage {
            frame: session.frame(state),
            done,
            id,
            version: r.version,
            place: place(&r),
            source: source_name(&sources, &r.item.source),
            title: r.item.title.clone(),
            found_on: r.item.found_on.to_string(),
            unit: r.item.unit.clone(),
            person: r.item.person.clone(),
            measures: r.item.measures.clone(),
            deadline: r.item.deadline.to_string(),
            late: r.dates().overdue_on(today),
            state: r.state.label(),
            weak,
            closed: match (r.closed_on, &r.closed_by) {
                (Some(d), Some(b)) => format!("{d}（{b}）"),
                _ => String::new(),
            },
            events: events
                .iter()
                .map(|e| EventView {
                    step: e.step.label(),
                    on: e.on.to_string(),
                    note: e.note.clone(),
                    evidence: e.evidence.clone(),
                    files: e.files.iter().map(|f| (f.id, f.name.clone())).collect(),
                    by: e.by.clone(),
                    at: dixian_app::beijing_minute(e.at),
                })
                .collect(),
            orphan: ["progress", "resolve", "close", "reopen", "upload"]
                .iter()
                .filter(|c| !steps.iter().any(|(s, _)| s == *c))
                .flat_map(|c| typed.errors(&format!("step-{c}")))
                .map(str::to_string)
                .collect(),
            steps,
            today: today.to_string(),
            typed,
        },
    ))
}

/// `GET /rectification/{id}/files/{file}`: an evidence scan or photo, as a download (audited).
pub async fn evidence(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path((id, file)): Path<(i64, i64)>,
) -> Page {
    let found = state
        .store
        .item_evidence(&session.auth.actor, id, file)
        .await;
    crate::forms::stored_or_missing(found, &format!("finding{id}-{file}"), || {
        format!("整改事项#{id}没有佐证材料#{file}")
    })
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    done: String,
}

/// `GET /rectification/{id}`.
pub async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Page {
    let done = match q.done.as_str() {
        "create" => Some("整改事项已登记。"),
        "progress" => Some("整改进展已记录。"),
        "resolve" => Some("已报告整改完成，等待乡镇或县级核实销号。"),
        "close" => Some("已核实销号。"),
        "reopen" => Some("已退回重新整改。"),
        _ => None,
    };
    show_item(&state, &session, id, done, Typed::default()).await
}

/// `POST /rectification/{id}/step`, with the evidence's scans or photos.
pub async fn step(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Result<Posted, crate::error::PageError>,
) -> Page {
    let mut posted = match posted {
        Ok(p) => p,
        // An upload too large or broken off: said on the item's page, above its steps.
        Err(crate::error::PageError::App(e)) if correctable(&e) => {
            let typed = Typed::refused("step-upload", &[], &e);
            return show_item(&state, &session, id, None, typed).await;
        }
        Err(refused) => return Err(refused),
    };
    let files = posted.take_files();
    let f = StepForm {
        kept: crate::views::kept_ids(posted.fields()),
        keep_refused_files: true,
        ..posted.parse()?
    };
    match dixian_app::rectification::step(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        files,
        state.today(),
    )
    .await
    {
        Ok(s) => {
            Ok(Redirect::to(&format!("/rectification/{id}?done={}", s.code())).into_response())
        }
        Err(r) if correctable(&r.error) => {
            let typed = Typed::refused(
                &format!("step-{}", f.step.trim()),
                posted.fields(),
                &r.error,
            )
            .keeping(crate::views::kept_of(r.kept));
            show_item(&state, &session, id, None, typed).await
        }
        Err(r) => Err(r.error.into()),
    }
}
