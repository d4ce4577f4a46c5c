//! Pages of the 三保障 and drinking-water problem ledger (问题台账): the list behind every
//! count, a problem with its steps and evidence, registration, the month's clearing by
//! division (月清零) and the dispatch list by department (月调度). Thin: the app's
//! `problems` module decides what is counted and allowed.

use crate::AppState;
use crate::error::PageError;
use crate::error::{Page, status_of};
use crate::forms::{Posted, Typed};
use crate::forms::{correctable, field, stored_or_missing};
use crate::frame::{Frame, render};
use crate::links::list_link;
use crate::session::Session;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::{Redirect, Response};
use dixian_app::AppError;
use dixian_app::problems::{
    ClearingCounts, ClearingReport, Count, FilterQuery, ProblemForm, ProblemLedger, StepForm,
    register, take_step,
};
use dixian_domain::access::Permission;
use dixian_domain::division::DivisionCode;
use dixian_domain::problems::{
    Month, PROBLEM_KINDS, ProblemAction, ProblemSource, ProblemState, problem_kind,
};
use dixian_store::problems::ProblemRecord;
use serde::Deserialize;

/// Rows a list page shows.
const PAGE_ROWS: usize = 200;

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    area: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    household: String,
    #[serde(default)]
    found: String,
    #[serde(default)]
    closed: String,
    #[serde(default)]
    open_on: String,
    #[serde(default)]
    overdue_on: String,
    #[serde(default)]
    uncleared_on: String,
    /// Words of the head's name or of the household code.
    #[serde(default)]
    q: String,
    /// A designation code (认定类别); empty: any.
    #[serde(default)]
    designation: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    page: Option<usize>,
}

impl ListQuery {
    fn words(&self) -> FilterQuery {
        FilterQuery {
            state: self.state.clone(),
            kind: self.kind.clone(),
            department: self.department.clone(),
            household: self.household.clone(),
            found: self.found.clone(),
            closed: self.closed.clone(),
            open_on: self.open_on.clone(),
            overdue_on: self.overdue_on.clone(),
            uncleared_on: self.uncleared_on.clone(),
            q: self.q.clone(),
            designation: self.designation.clone(),
        }
    }
}

async fn area_of(
    state: &AppState,
    session: &Session,
    text: &str,
) -> Result<DivisionCode, AppError> {
    dixian_app::dashboard::area_or_home(state.store.as_ref(), &session.auth.actor, text).await
}

async fn ledger(
    state: &AppState,
    session: &Session,
    area: &str,
) -> Result<ProblemLedger, AppError> {
    let area = area_of(state, session, area).await?;
    ProblemLedger::load(
        state.store.as_ref(),
        &session.auth.actor,
        &area,
        state.today(),
    )
    .await
}

pub(crate) struct Row {
    id: i64,
    household: String,
    head: String,
    village: String,
    kind: &'static str,
    description: String,
    found_on: String,
    department: String,
    deadline: String,
    late: bool,
    state: &'static str,
}

fn row(p: &ProblemRecord, on: chrono::NaiveDate) -> Row {
    Row {
        id: p.id,
        household: p.household.to_string(),
        head: p.head_name.clone(),
        village: p.village_name.clone(),
        kind: p.kind.label(),
        description: p.description.clone(),
        found_on: p.found_on.to_string(),
        department: p.department.clone(),
        deadline: p.deadline.to_string(),
        late: p.dates().overdue_on(on),
        state: p.state.label(),
    }
}

#[derive(Template)]
#[template(path = "problems/problems.html")]
struct ListPage {
    frame: Frame,
    csrf: String,
    /// An ID number that was wrong or found no one, said above the list.
    note: Option<String>,
    code: String,
    name: String,
    words: Vec<String>,
    total: usize,
    rows: Vec<Row>,
    page: usize,
    pages: usize,
    base: String,
    may_register: bool,
    /// The list as a file, for those who export ledgers.
    export: Option<String>,
    month: String,
    state: String,
    kind: String,
    department: String,
    q: String,
    designation: String,
    /// The pack's designation kinds, (code, name), for the filter.
    designations: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    states: Vec<(&'static str, &'static str)>,
    departments: Vec<String>,
    clear_days: u32,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> Page {
    list_with(&state, &session, &q, None).await
}

/// `POST /problems/find`: the problems of the household of a member with the posted ID
/// number (blind index; a POST, so the number is never in an address). Not registered, or
/// outside the actor's area, is the same answer.
pub async fn find(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: crate::forms::Posted,
) -> Page {
    let area = posted.get("area");
    let id = match crate::forms::posted_id_number(&posted, state.today()) {
        Ok(id) => id,
        Err(e) => {
            let q = ListQuery {
                area,
                ..ListQuery::default()
            };
            return list_with(&state, &session, &q, Some((StatusCode::BAD_REQUEST, e))).await;
        }
    };
    match state
        .store
        .find_person_by_id_number(&session.auth.actor, &id)
        .await
        .map_err(AppError::from)?
    {
        Some(found) => {
            let q = ListQuery {
                area,
                household: found.household.to_string(),
                ..ListQuery::default()
            };
            list_with(&state, &session, &q, None).await
        }
        None => {
            let q = ListQuery {
                area,
                ..ListQuery::default()
            };
            let said = "本辖区没有登记这个身份证号的人员".to_string();
            list_with(&state, &session, &q, Some((StatusCode::OK, said))).await
        }
    }
}

async fn list_with(
    state: &AppState,
    session: &Session,
    q: &ListQuery,
    note: Option<(StatusCode, String)>,
) -> Page {
    let l = ledger(state, session, &q.area).await?;
    let filter = q.words().filter(l.area.code)?;
    let selected = l.select(&filter);
    let designations = dixian_app::villages::designation_kinds(
        state.store.as_ref(),
        &session.auth.actor,
        state.today(),
    )
    .await;
    let total = selected.len();
    let pages = total.div_ceil(PAGE_ROWS).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let mut departments: Vec<String> = l.problems.iter().map(|p| p.department.clone()).collect();
    departments.sort();
    departments.dedup();
    let (status, note) = match note {
        Some((c, m)) => (c, Some(m)),
        None => (StatusCode::OK, None),
    };
    Ok(render(
        status,
        &ListPage {
            frame: session.frame(state),
            csrf: session.auth.csrf.clone(),
            note,
            code: l.area.code.to_string(),
            name: l.area.name.clone(),
            words: l.words(&filter, &designations),
            total,
            rows: selected
                .iter()
                .skip((page - 1) * PAGE_ROWS)
                .take(PAGE_ROWS)
                .map(|p| row(p, l.today))
                .collect(),
            page,
            pages,
            base: list_link(&filter),
            export: session
                .auth
                .actor
                .may(Permission::ExportLedger)
                .then(|| list_link(&filter).replacen("/problems?", "/problems/export.csv?", 1)),
            may_register: session.auth.actor.may(Permission::HandleCases),
            month: Month::of(l.today).to_string(),
            state: q.state.clone(),
            kind: q.kind.clone(),
            department: q.department.clone(),
            q: q.q.trim().to_string(),
            designation: q.designation.trim().to_string(),
            designations,
            kinds: PROBLEM_KINDS
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            states: ProblemState::ALL
                .iter()
                .map(|s| (s.code(), s.label()))
                .collect(),
            departments,
            clear_days: l.area_rules.clear_within_days,
        },
    ))
}

/// `GET /problems/export.csv?…`: the filtered list, every row, as a file (for those who
/// export ledgers; audited).
pub async fn export(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> Page {
    let l = ledger(&state, &session, &q.area).await?;
    let filter = q.words().filter(l.area.code)?;
    let csv =
        dixian_app::problems::export_csv(state.store.as_ref(), &session.auth.actor, &l, &filter)
            .await?;
    Ok(crate::frame::download(
        csv,
        crate::frame::CSV,
        &format!("problems-{}.csv", state.today()),
        &format!("问题清单-{}.csv", state.today()),
    ))
}

/// A count and the link to its list.
pub(crate) struct Linked {
    n: usize,
    href: String,
}

fn linked(c: &Count) -> Linked {
    Linked {
        n: c.n,
        href: list_link(&c.filter),
    }
}

pub(crate) struct LineView {
    name: String,
    /// The division's own clearing page, for a line of the clearing by division.
    drill: Option<String>,
    found: Linked,
    closed: Linked,
    open: Linked,
    overdue: Linked,
    uncleared: Linked,
}

fn line_view(name: String, drill: Option<String>, c: &ClearingCounts) -> LineView {
    LineView {
        name,
        drill,
        found: linked(&c.found),
        closed: linked(&c.closed),
        open: linked(&c.open),
        overdue: linked(&c.overdue),
        uncleared: linked(&c.uncleared),
    }
}

#[derive(Template)]
#[template(path = "problems/problem_clearing.html")]
struct ClearingPage {
    frame: Frame,
    /// "clearing" (by division) or "dispatch" (by department).
    mode: &'static str,
    code: String,
    name: String,
    month: String,
    month_label: String,
    previous: String,
    next: Option<String>,
    as_of: String,
    clear_days: u32,
    column: &'static str,
    lines: Vec<LineView>,
    total: LineView,
    cleared: bool,
    /// For the dispatch list: each department's open problems.
    open_lists: Vec<(String, Vec<Row>)>,
}

fn month_of(text: &str, today: chrono::NaiveDate) -> Result<Month, AppError> {
    match text.trim() {
        "" => Ok(Month::of(today)),
        t => Month::parse(t).map_err(|e| AppError::Invalid(vec![e])),
    }
}

fn clearing_page(
    state: &AppState,
    session: &Session,
    l: &ProblemLedger,
    mode: &'static str,
    report: &ClearingReport,
) -> Response {
    let month = report.month;
    let lines = report
        .lines
        .iter()
        .map(|line| {
            line_view(
                line.name.clone(),
                line.division
                    .map(|d| format!("/problems/{mode}?area={d}&month={month}")),
                &line.counts,
            )
        })
        .collect();
    let open_lists = if mode == "dispatch" {
        report
            .lines
            .iter()
            .filter(|line| line.counts.open.n > 0)
            .map(|line| {
                let mut open = l.select(&line.counts.open.filter);
                open.sort_by_key(|p| (p.deadline, p.id));
                (
                    line.name.clone(),
                    open.iter().map(|p| row(p, report.as_of)).collect(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let this_month = Month::of(l.today);
    render(
        StatusCode::OK,
        &ClearingPage {
            frame: session.frame(state),
            mode,
            code: l.area.code.to_string(),
            name: l.area.name.clone(),
            month: month.to_string(),
            month_label: month.label(),
            previous: month.previous().to_string(),
            next: (month < this_month).then(|| month.next().to_string()),
            as_of: report.as_of.to_string(),
            clear_days: l.area_rules.clear_within_days,
            column: if mode == "dispatch" {
                "责任部门"
            } else {
                "区划"
            },
            lines,
            total: line_view("合计".into(), None, &report.total),
            cleared: report.total.cleared(),
            open_lists,
        },
    )
}

/// 月清零 (`clearing`, by division) or 月调度 (`dispatch`, by department) of a month.
async fn month_view(
    state: &AppState,
    session: &Session,
    q: &ListQuery,
    mode: &'static str,
) -> Page {
    let (l, month) = match (
        ledger(state, session, &q.area).await,
        month_of(&q.month, state.today()),
    ) {
        (Ok(l), Ok(m)) => (l, m),
        (Err(e), _) | (_, Err(e)) => return Err(e.into()),
    };
    let report = if mode == "dispatch" {
        l.by_department(month)
    } else {
        match l.by_division(state.store.as_ref(), month).await {
            Ok(r) => r,
            Err(e) => return Err(e.into()),
        }
    };
    Ok(clearing_page(state, session, &l, mode, &report))
}

pub async fn clearing(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> Page {
    month_view(&state, &session, &q, "clearing").await
}

pub async fn dispatch(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> Page {
    month_view(&state, &session, &q, "dispatch").await
}

#[derive(Template)]
#[template(path = "problems/problem_new.html")]
struct NewPage {
    frame: Frame,
    error: Option<String>,
    /// A refused registration: every problem, each beside its field.
    typed: crate::forms::Typed,
    household: String,
    kind: String,
    source: String,
    description: String,
    found_on: String,
    found_by: String,
    department: String,
    deadline: String,
    kinds: Vec<(&'static str, &'static str)>,
    sources: Vec<(&'static str, &'static str)>,
    today: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    household: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    source: String,
}

fn new_page(
    session: &Session,
    state: &AppState,
    f: &ProblemForm,
    error: Option<String>,
) -> NewPage {
    NewPage {
        frame: session.frame(state),
        typed: crate::forms::Typed::default(),
        error,
        household: f.household.clone(),
        kind: f.kind.clone(),
        source: f.source.clone(),
        description: f.description.clone(),
        found_on: f.found_on.clone(),
        found_by: f.found_by.clone(),
        department: f.department.clone(),
        deadline: f.deadline.clone(),
        kinds: PROBLEM_KINDS
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        sources: ProblemSource::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        today: state.today().to_string(),
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<NewQuery>,
) -> Page {
    let f = ProblemForm {
        household: q.household.trim().to_string(),
        kind: problem_kind(&q.kind)
            .map(|k| k.code().to_string())
            .unwrap_or_default(),
        source: ProblemSource::parse(&q.source)
            .map(|s| s.code().to_string())
            .unwrap_or_default(),
        ..ProblemForm::default()
    };
    Ok(render(
        StatusCode::OK,
        &new_page(&session, &state, &f, None),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f = ProblemForm {
        household: posted.get("household"),
        kind: posted.get("kind"),
        source: posted.get("source"),
        description: posted.get("description"),
        found_on: posted.get("found_on"),
        found_by: posted.get("found_by"),
        department: posted.get("department"),
        deadline: posted.get("deadline"),
    };
    Ok(
        match register(state.store.as_ref(), &session.auth.actor, &f, state.today()).await {
            Ok(id) => Redirect::to(&format!("/problems/{id}?done=create")).into_response(),
            Err(e) if correctable(&e) => {
                let (code, _) = status_of(&e);
                let mut page = new_page(&session, &state, &f, None);
                page.typed = crate::forms::Typed::refused("problem-new", posted.fields(), &e);
                render(code, &page)
            }
            Err(e) => return Err(e.into()),
        },
    )
}

pub(crate) struct EventView {
    action: &'static str,
    on: String,
    note: String,
    by: String,
    at: String,
    files: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "problems/problem.html")]
struct ProblemPage {
    frame: Frame,
    /// Whether the evidence may be opened (the viewer sees that it exists, not it).
    open_files: bool,
    error: Option<String>,
    done: Option<&'static str>,
    id: i64,
    version: i64,
    household: String,
    head: String,
    village: String,
    village_code: String,
    kind: &'static str,
    source: &'static str,
    description: String,
    found_on: String,
    found_by: String,
    department: String,
    deadline: String,
    late: bool,
    uncleared: bool,
    state: &'static str,
    resolution: Option<String>,
    resolved: String,
    closed: String,
    created: String,
    events: Vec<EventView>,
    /// (code, label) of the steps this user may take now.
    /// (action code, label, the form's element id).
    actions: Vec<(&'static str, &'static str, String)>,
    today: String,
    /// A refused step form: what was typed, its problems, the evidence kept.
    typed: Typed,
    /// The refusal is said in its form (one the page shows), not above the page.
    error_in_form: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    done: String,
}

async fn show_problem(
    state: &AppState,
    session: &Session,
    id: i64,
    error: Option<(StatusCode, String)>,
    done: Option<&'static str>,
    typed: Typed,
) -> Page {
    let actor = &session.auth.actor;
    let file = match state.store.problem(actor, id).await {
        Ok(Some(f)) => f,
        Ok(None) => {
            return Err(AppError::NotFound(format!("问题#{id}不存在")).into());
        }
        Err(e) => return Err(e.into()),
    };
    let p = &file.problem;
    let on = state.today();
    let rules =
        match dixian_app::policy::policy_in_force(state.store.as_ref(), p.village.as_str(), on)
            .await
        {
            Ok(policy) => policy.problems,
            Err(e) => return Err(e.into()),
        };
    let (code, error) = match error {
        Some((c, m)) => (c, Some(m)),
        None => (StatusCode::OK, None),
    };
    let actions = if actor.may(Permission::HandleCases) {
        ProblemAction::available(p.state)
            .into_iter()
            .filter(|a| a.permitted(actor.role))
            .map(|a| (a.code(), a.label(), format!("problem-{}", a.code())))
            .collect()
    } else {
        Vec::new()
    };
    let when = |on: Option<chrono::NaiveDate>, by: &Option<String>| match (on, by) {
        (Some(d), Some(b)) => format!("{d}（{b}）"),
        (Some(d), None) => d.to_string(),
        _ => String::new(),
    };
    Ok(render(
        code,
        &ProblemPage {
            open_files: session
                .auth
                .actor
                .may(dixian_domain::access::Permission::HandleCases),
            frame: session.frame(state),
            error,
            done,
            id: p.id,
            version: p.version,
            household: p.household.to_string(),
            head: p.head_name.clone(),
            village: p.village_name.clone(),
            village_code: p.village.to_string(),
            kind: p.kind.label(),
            source: p.source.label(),
            description: p.description.clone(),
            found_on: p.found_on.to_string(),
            found_by: p.found_by.clone(),
            department: p.department.clone(),
            deadline: p.deadline.to_string(),
            late: p.dates().overdue_on(on),
            uncleared: p.dates().uncleared_on(on, &rules),
            state: p.state.label(),
            resolution: p.resolution.clone(),
            resolved: when(p.resolved_on, &p.resolved_by_name),
            closed: when(p.closed_on, &p.closed_by_name),
            created: format!(
                "{}（{}）",
                dixian_app::beijing_minute(p.created_at),
                p.created_by_name
            ),
            events: file
                .events
                .iter()
                .map(|e| EventView {
                    action: e.action.label(),
                    on: e.on.to_string(),
                    note: e.note.clone(),
                    by: e.by.clone(),
                    at: dixian_app::beijing_minute(e.at),
                    files: e.files.iter().map(|f| (f.id, f.name.clone())).collect(),
                })
                .collect(),
            error_in_form: actions.iter().any(|(_, _, fid)| typed.is(fid)),
            actions,
            today: on.to_string(),
            typed,
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Page {
    let done = match q.done.as_str() {
        "create" => Some("问题已登记。"),
        "resolve" => Some("已报告整改完成，等待乡镇或县级核实销号。"),
        "close" => Some("问题已销号。"),
        "reopen" => Some("已退回重新整改。"),
        _ => None,
    };
    show_problem(&state, &session, id, None, done, Typed::default()).await
}

pub async fn step(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Result<Posted, PageError>,
) -> Page {
    let mut posted = match posted {
        Ok(p) => p,
        Err(PageError::App(e)) => {
            return show_problem(
                &state,
                &session,
                id,
                Some((StatusCode::BAD_REQUEST, e.to_string())),
                None,
                Typed::default(),
            )
            .await;
        }
        Err(refused) => return Err(refused),
    };
    let files = posted.take_files();
    let fields = posted.fields();
    let f = StepForm {
        action: field(fields, "action"),
        on: field(fields, "on"),
        note: field(fields, "note"),
        version: field(fields, "version"),
        kept: crate::views::kept_ids(fields),
        keep_refused_files: true,
    };
    match take_step(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        files,
        state.today(),
    )
    .await
    {
        Ok(action) => {
            Ok(Redirect::to(&format!("/problems/{id}?done={}", action.code())).into_response())
        }
        Err(r) if correctable(&r.error) => {
            let (code, _) = status_of(&r.error);
            let form = format!("problem-{}", f.action.trim());
            let typed =
                Typed::refused(&form, fields, &r.error).keeping(crate::views::kept_of(r.kept));
            show_problem(
                &state,
                &session,
                id,
                Some((code, r.error.to_string())),
                None,
                typed,
            )
            .await
        }
        Err(r) => Err(r.error.into()),
    }
}

pub async fn evidence(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path((id, file)): Path<(i64, i64)>,
) -> Page {
    let found = state
        .store
        .problem_evidence(&session.auth.actor, id, file)
        .await;
    stored_or_missing(found, &format!("problem{id}-{file}"), || {
        format!("问题#{id}没有佐证材料#{file}")
    })
}
