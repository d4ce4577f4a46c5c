//! Pages of funds and the project library. Thin: the app's `funds` module decides what is
//! allowed and what the checks say; these pages put it in words and keep what was typed.

use crate::AppState;
use crate::error::{Page, status_of};
use crate::forms::{Posted, Typed, correctable};
use crate::frame::{Frame, render};
use crate::session::Session;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chrono::{Datelike, NaiveDate};
use dixian_app::AppError;
use dixian_app::funds::{
    FundForm, PaymentForm, PlanForm, ProjectForm, StepForm, actor_county, code_names,
};
use dixian_domain::access::{Actor, Permission, Role};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::funds::{
    FundLevel, LinkMechanism, PaymentKind, ProjectAction, ProjectNature, ProjectStage,
    percent_text, share_bp,
};
use dixian_store::funds::ProjectFilter;
use serde::Deserialize;

/// Rows a project list page shows.
/// Rows of a check's list on the funds page: the rest are in the ledger (a phone cannot use a
/// list of thousands, and drawing one is most of the page's time).
const SHOWN_ROWS: usize = 50;

/// Projects a fund page offers in a list; past this many the project's number is typed.
const MAX_PROJECT_CHOICES: usize = 300;

const PAGE_ROWS: usize = 200;

/// Money as a person reads it: `1,234.00`.
fn yuan(m: dixian_domain::money::Money) -> String {
    m.grouped()
}

fn name_of(table: &[(String, String)], code: &str) -> String {
    table
        .iter()
        .find(|(c, _)| c == code)
        .map_or_else(|| code.to_string(), |(_, n)| n.clone())
}

/// The pack's project types and fund categories for the actor's county (or `county`).
async fn tables(
    state: &AppState,
    actor: &Actor,
    county: Option<DivisionCode>,
) -> (Vec<(String, String)>, Vec<(String, String)>) {
    let county = county.or_else(|| actor_county(actor));
    match code_names(state.store.as_ref(), county.as_ref(), state.today()).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "政策包中的项目类型读取失败");
            (Vec::new(), Vec::new())
        }
    }
}

fn is_county(actor: &Actor) -> bool {
    matches!(actor.role, None | Some(Role::CountyAdmin)) && actor.may(Permission::HandleCases)
}

// ---------------------------------------------------------------- project list

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    area: String,
    stage: String,
    year: String,
    q: String,
    /// A designation code (认定类别); empty: any.
    designation: String,
    page: Option<usize>,
    done: String,
}

pub(crate) struct ProjectRow {
    id: i64,
    name: String,
    division: String,
    kind: String,
    year: i32,
    budget: String,
    planned: String,
    spent: String,
    stage: &'static str,
    beneficiaries: i64,
}

#[derive(Template)]
#[template(path = "funds/projects.html")]
struct ProjectsPage {
    frame: Frame,
    csrf: String,
    done: Option<String>,
    areas: Vec<crate::areas::AreaChoice>,
    stage: String,
    year: String,
    q: String,
    designation: String,
    /// The pack's designation kinds, (code, name), for the filter.
    designations: Vec<(String, String)>,
    stages: Vec<(&'static str, &'static str)>,
    years: Vec<i32>,
    rows: Vec<ProjectRow>,
    total: usize,
    budget: String,
    planned: String,
    page: usize,
    pages: usize,
    base: String,
    may_propose: bool,
    may_roll: bool,
    this_year: i32,
}

pub async fn projects(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> Page {
    let actor = &session.auth.actor;
    let store = state.store.as_ref();
    let within = crate::areas::parse_area(&q.area)?;
    let stage = ProjectStage::parse(&q.stage);
    let year = q.year.trim().parse::<i32>().ok();
    let designation = dixian_domain::villages::designation_code(&q.designation)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let filter = ProjectFilter {
        within,
        stage,
        planned_year: year,
        search: Some(q.q.clone()).filter(|s| !s.trim().is_empty()),
        designation: designation.clone().map(|d| (d, state.today())),
        ..ProjectFilter::default()
    };
    let wanted = q.page.unwrap_or(1).max(1);
    let rows_per_page = i64::try_from(PAGE_ROWS).unwrap_or(200);
    let offset = i64::try_from(wanted - 1)
        .unwrap_or(0)
        .saturating_mul(rows_per_page);
    let mut found = store
        .project_page(actor, &filter, offset, rows_per_page)
        .await
        .map_err(AppError::from)?;
    let total = usize::try_from(found.total).unwrap_or(0);
    let pages = total.div_ceil(PAGE_ROWS).max(1);
    let page = wanted.min(pages);
    if page != wanted {
        // Past the last page: the last page instead.
        let offset = i64::try_from(page - 1).unwrap_or(0) * rows_per_page;
        found = store
            .project_page(actor, &filter, offset, rows_per_page)
            .await
            .map_err(AppError::from)?;
    }
    let (types, _) = tables(&state, actor, None).await;
    let this_year = state.today().year();
    let base = format!(
        "/projects?area={}&stage={}&year={}&q={}&designation={}",
        within.map(|w| w.to_string()).unwrap_or_default(),
        stage.map(|s| s.code()).unwrap_or(""),
        year.map(|y| y.to_string()).unwrap_or_default(),
        crate::session::url_escape(q.q.trim()),
        designation.as_deref().unwrap_or_default()
    );
    Ok(render(
        StatusCode::OK,
        &ProjectsPage {
            frame: session.frame(&state),
            csrf: session.auth.csrf.clone(),
            done: match q.done.as_str() {
                "" => None,
                n => Some(format!(
                    "滚动调整完成：{n}个未安排资金的项目已调入下一年度。"
                )),
            },
            areas: crate::areas::area_choices(store, actor, within.as_ref()).await,
            stage: stage.map(|s| s.code().to_string()).unwrap_or_default(),
            year: year.map(|y| y.to_string()).unwrap_or_default(),
            q: q.q.trim().to_string(),
            designation: designation.unwrap_or_default(),
            designations: dixian_app::villages::designation_kinds(store, actor, state.today())
                .await,
            stages: ProjectStage::ALL
                .iter()
                .map(|s| (s.code(), s.label()))
                .collect(),
            years: (this_year - 3..=this_year + 2).rev().collect(),
            rows: found
                .rows
                .iter()
                .map(|p| ProjectRow {
                    id: p.id,
                    name: p.name.clone(),
                    division: p.division_name.clone(),
                    kind: name_of(&types, &p.type_code),
                    year: p.planned_year,
                    budget: yuan(p.budget),
                    planned: yuan(p.planned),
                    spent: yuan(p.spent),
                    stage: p.stage.label(),
                    beneficiaries: p.beneficiaries,
                })
                .collect(),
            total,
            budget: yuan(found.budget),
            planned: yuan(found.planned),
            page,
            pages,
            base,
            may_propose: actor.may(Permission::ProposeProjects),
            may_roll: is_county(actor) && actor_county(actor).is_some(),
            this_year,
        },
    ))
}

/// `POST /projects/roll-over`: the county's yearly adjustment (滚动调整).
pub async fn roll_over(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let actor = &session.auth.actor;
    let county = actor_county(actor)
        .ok_or_else(|| AppError::Invalid(vec!["滚动调整由县级账号办理".into()]))?;
    let from: i32 = posted
        .get("from")
        .trim()
        .parse()
        .ok()
        .filter(|y| (2013..=state.today().year() + 3).contains(y))
        .ok_or_else(|| AppError::Invalid(vec!["请选择要调整的年度".into()]))?;
    let n = state
        .store
        .roll_over_projects(actor, &county, from, from + 1, state.today())
        .await
        .map_err(AppError::from)?;
    Ok(Redirect::to(&format!("/projects?year={}&done={n}", from + 1)).into_response())
}

// ---------------------------------------------------------------- proposal

#[derive(Template)]
#[template(path = "funds/project_new.html")]
struct NewProjectPage {
    frame: Frame,
    typed: Typed,
    divisions: Vec<(String, String)>,
    types: Vec<(String, String)>,
    natures: Vec<(&'static str, &'static str)>,
    mechanisms: Vec<(&'static str, &'static str)>,
    years: Vec<i32>,
    this_year: String,
    today: String,
    notice_days: u32,
    /// The proposer sees the registry and lists the households the project benefits (a
    /// sector department does not).
    lists_households: bool,
}

impl NewProjectPage {
    /// The value of `name`: as typed when the form was refused, else `default`.
    fn v(&self, name: &str, default: &str) -> String {
        self.typed.value("project-new", name, default)
    }
}

/// Where the actor may propose: their village, or their town and its villages, or the
/// county's towns and villages.
async fn divisions_for(state: &AppState, actor: &Actor) -> Vec<(String, String)> {
    let store = state.store.as_ref();
    let dixian_domain::access::Scope::Within(root) = &actor.scope else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let name = |d: &dixian_domain::division::Division| d.name.clone();
    match root.level() {
        DivisionLevel::Village => {
            if let Ok(Some(d)) = store.division(root).await {
                out.push((d.code.to_string(), name(&d)));
            }
        }
        DivisionLevel::Town => {
            if let Ok(Some(t)) = store.division(root).await {
                out.push((t.code.to_string(), format!("{}（跨村项目）", t.name)));
                for v in store.child_divisions(root).await.unwrap_or_default() {
                    out.push((v.code.to_string(), format!("{} {}", t.name, v.name)));
                }
            }
        }
        _ => {
            for t in store.child_divisions(root).await.unwrap_or_default() {
                out.push((t.code.to_string(), format!("{}（跨村项目）", t.name)));
                for v in store.child_divisions(&t.code).await.unwrap_or_default() {
                    out.push((v.code.to_string(), format!("{} {}", t.name, v.name)));
                }
            }
        }
    }
    out
}

async fn new_project_page(state: &AppState, session: &Session, typed: Typed) -> NewProjectPage {
    let actor = &session.auth.actor;
    let (types, _) = tables(state, actor, None).await;
    let today = state.today();
    let notice_days = match actor_county(actor) {
        Some(c) => dixian_app::policy::policy_in_force(state.store.as_ref(), c.as_str(), today)
            .await
            .ok()
            .and_then(|p| p.funds)
            .map_or(10, |f| f.notice_min_days),
        None => 10,
    };
    NewProjectPage {
        frame: session.frame(state),
        typed,
        divisions: divisions_for(state, actor).await,
        types,
        natures: ProjectNature::ALL
            .iter()
            .map(|n| (n.code(), n.label()))
            .collect(),
        mechanisms: LinkMechanism::ALL
            .iter()
            .map(|n| (n.code(), n.label()))
            .collect(),
        years: (today.year()..=today.year() + 2).collect(),
        this_year: (today.year() + 1).to_string(),
        today: today.to_string(),
        notice_days,
        lists_households: actor.may(Permission::ViewRegistry),
    }
}

pub async fn new_project(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
) -> Page {
    Ok(render(
        StatusCode::OK,
        &new_project_page(&state, &session, Typed::default()).await,
    ))
}

pub async fn create_project(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: ProjectForm = posted.parse()?;
    match dixian_app::funds::propose(state.store.as_ref(), &session.auth.actor, &f, state.today())
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/projects/{id}?done=propose")).into_response()),
        Err(e) if correctable(&e) => {
            let (code, _) = status_of(&e);
            let typed = Typed::refused("project-new", posted.fields(), &e);
            Ok(render(
                code,
                &new_project_page(&state, &session, typed).await,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- one project

pub(crate) struct EventView {
    label: String,
    on: String,
    note: String,
    document: String,
    notice: String,
    /// (id, name) of the scans attached to the step.
    files: Vec<(i64, String)>,
    by: String,
    at: String,
}

pub(crate) struct LineView {
    fund_id: i64,
    doc_number: String,
    amount: String,
    spent: String,
    planned_on: String,
    payments: Vec<String>,
}

#[derive(Template)]
#[template(path = "funds/project.html")]
struct ProjectPage {
    frame: Frame,
    done: Option<&'static str>,
    error: Option<String>,
    error_in_form: bool,
    typed: Typed,
    id: i64,
    version: i64,
    name: String,
    division: String,
    kind: String,
    nature: &'static str,
    year: i32,
    start_on: String,
    end_on: String,
    unit: String,
    tasks: String,
    budget: String,
    sources: String,
    mechanism: String,
    stage: &'static str,
    planned: String,
    spent: String,
    targets: Vec<(&'static str, String, String)>,
    beneficiaries: Vec<(String, String, String, &'static str)>,
    lines: Vec<LineView>,
    events: Vec<EventView>,
    /// (code, label, form id, needs a notice).
    actions: Vec<(&'static str, &'static str, String, bool)>,
    today: String,
    created_by: String,
    open_households: bool,
    /// Scans may name people: links for those who see the registry, names for the rest.
    open_files: bool,
    /// Assets the project left: (id, name, class, value).
    assets: Vec<(i64, String, &'static str, String)>,
    /// Finished: its assets may be registered.
    hands_over: bool,
    /// 以工代赈: (the check in words, met) when the project has 以工代赈 funds.
    relief: Option<(String, bool)>,
    /// Wages paid: (name, household code or empty, month, amount, paid on).
    wages: Vec<(String, String, String, String, String)>,
    may_pay_wages: bool,
}

async fn show_project(
    state: &AppState,
    session: &Session,
    id: i64,
    error: Option<(StatusCode, String)>,
    done: Option<&'static str>,
    typed: Typed,
) -> Page {
    let actor = &session.auth.actor;
    let file = state
        .store
        .project(actor, id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| AppError::NotFound(format!("项目#{id}不存在或不在您的辖区")))?;
    let p = &file.project;
    let (types, _) = tables(state, actor, Some(p.county)).await;
    let actions: Vec<(&'static str, &'static str, String, bool)> =
        if actor.may(Permission::HandleCases) || actor.may(Permission::ProposeProjects) {
            ProjectAction::available(p.stage, actor.role)
                .into_iter()
                .map(|a| {
                    (
                        a.code(),
                        a.label(),
                        format!("project-{}", a.code()),
                        a.needs_notice(),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
    let (code, error) = match error {
        Some((c, m)) => (c, Some(m)),
        None => (StatusCode::OK, None),
    };
    // A sector department follows the library, not the registry: no assets, no wages.
    let sees_registry = actor.may(Permission::ViewRegistry);
    let assets = if sees_registry {
        state
            .store
            .assets(
                actor,
                &dixian_store::assets::AssetFilter {
                    project_id: Some(id),
                    ..dixian_store::assets::AssetFilter::default()
                },
            )
            .await
            .map_err(AppError::from)?
            .into_iter()
            .map(|a| (a.id, a.name, a.class.label(), yuan(a.value)))
            .collect()
    } else {
        Vec::new()
    };
    let relief_funds: i64 = file
        .lines
        .iter()
        .filter(|l| l.fund_category == dixian_app::funds::WORK_RELIEF)
        .map(|l| l.amount.fen())
        .sum();
    let wages = if sees_registry {
        state.store.wages(actor, id).await.map_err(AppError::from)?
    } else {
        Vec::new()
    };
    let relief = if relief_funds > 0 && sees_registry {
        let required = dixian_app::policy::policy_in_force(
            state.store.as_ref(),
            p.county.as_str(),
            state.today(),
        )
        .await?
        .funds
        .map_or(0, |f| f.work_relief_labour_min_percent);
        let paid =
            dixian_domain::money::Money::from_fen(wages.iter().map(|w| w.amount.fen()).sum());
        let bp = share_bp(paid, dixian_domain::money::Money::from_fen(relief_funds));
        let met = bp >= i64::from(required) * 100;
        Some((
            format!(
                "以工代赈资金{}元，已发放劳务报酬{}元，占{}；政策包要求不低于{}%{}",
                dixian_domain::money::Money::from_fen(relief_funds).grouped(),
                paid.grouped(),
                percent_text(bp),
                required,
                if met { "，已达标" } else { "，未达标" }
            ),
            met,
        ))
    } else {
        None
    };
    Ok(render(
        code,
        &ProjectPage {
            may_pay_wages: relief.is_some()
                && actor.may(Permission::HandleCases)
                && p.stage.in_library(),
            relief,
            wages: wages
                .iter()
                .map(|w| {
                    (
                        w.name.clone(),
                        w.household
                            .as_ref()
                            .map(|h| h.to_string())
                            .unwrap_or_default(),
                        w.month.clone(),
                        yuan(w.amount),
                        w.paid_on.to_string(),
                    )
                })
                .collect(),
            assets,
            hands_over: p.stage.completed()
                && actor.may(Permission::HandleCases)
                && matches!(
                    actor.role,
                    None | Some(Role::CountyAdmin | Role::TownReviewer | Role::VillageOfficer)
                ),
            frame: session.frame(state),
            done,
            error,
            error_in_form: actions.iter().any(|(_, _, fid, _)| typed.is(fid)) || typed.is("wages"),
            typed,
            id: p.id,
            version: p.version,
            name: p.name.clone(),
            division: p.division_name.clone(),
            kind: name_of(&types, &p.type_code),
            nature: p.nature.label(),
            year: p.planned_year,
            start_on: p.start_on.to_string(),
            end_on: p.end_on.to_string(),
            unit: p.unit.clone(),
            tasks: file.tasks.clone(),
            budget: yuan(p.budget),
            sources: file.sources.clone(),
            mechanism: file.mechanism.clone(),
            stage: p.stage.label(),
            planned: yuan(p.planned),
            spent: yuan(p.spent),
            targets: file
                .targets
                .iter()
                .map(|t| (t.kind.label(), t.name.clone(), t.value.clone()))
                .collect(),
            beneficiaries: file
                .beneficiaries
                .iter()
                .map(|b| {
                    (
                        b.household.to_string(),
                        b.head_name.clone(),
                        b.village_name.clone(),
                        b.mechanism.label(),
                    )
                })
                .collect(),
            lines: file
                .lines
                .iter()
                .map(|l| LineView {
                    fund_id: l.fund_id,
                    doc_number: l.doc_number.clone(),
                    amount: yuan(l.amount),
                    spent: yuan(l.spent),
                    planned_on: l.planned_on.to_string(),
                    payments: l
                        .payments
                        .iter()
                        .map(|y| {
                            format!(
                                "{} {} {}元（凭证{}）",
                                y.on,
                                y.kind.label(),
                                y.amount.grouped(),
                                y.voucher
                            )
                        })
                        .collect(),
                })
                .collect(),
            events: file
                .events
                .iter()
                .map(|e| EventView {
                    label: e.label.clone(),
                    on: e.on.to_string(),
                    note: e.note.clone(),
                    document: e.document.clone(),
                    notice: e
                        .notice
                        .as_ref()
                        .map(|n| format!("{}公示{}至{}（{}天）", n.place, n.from, n.to, n.days()))
                        .unwrap_or_default(),
                    files: e.files.iter().map(|f| (f.id, f.name.clone())).collect(),
                    by: e.by.clone(),
                    at: dixian_app::beijing_minute(e.at),
                })
                .collect(),
            actions,
            today: state.today().to_string(),
            created_by: file.created_by_name.clone(),
            open_households: actor.may(Permission::ViewRegistry),
            open_files: actor.may(Permission::ViewRegistry),
        },
    ))
}

#[derive(Debug, Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    done: String,
}

pub async fn project(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Page {
    let done = match q.done.as_str() {
        "propose" => Some("项目已申报，等待乡镇审核。"),
        "review" => Some("乡镇审核通过，等待县级审定。"),
        "approve" => Some("项目已县审定入库，可以安排资金。"),
        "return" => Some("项目已退回修改。"),
        "resubmit" => Some("项目已重新申报。"),
        "wages" => Some("劳务报酬已登记。"),
        "establish" | "tender" | "start" | "complete" | "accept" | "settle" => {
            Some("已办理，项目状态已更新。")
        }
        _ => None,
    };
    show_project(&state, &session, id, None, done, Typed::default()).await
}

pub async fn step(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Result<Posted, crate::error::PageError>,
) -> Page {
    // An oversized upload is told on the project's page, not on a bare error page.
    let mut posted = match posted {
        Ok(p) => p,
        Err(crate::error::PageError::App(e)) => {
            return show_project(
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
    let f: StepForm = posted.parse()?;
    let files = posted.take_files();
    match dixian_app::funds::take_step(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        files,
        state.today(),
    )
    .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/projects/{id}?done={}", f.action.trim())).into_response())
        }
        Err(e) if correctable(&e) => {
            let (code, _) = status_of(&e);
            let form = format!("project-{}", f.action.trim());
            let typed = Typed::refused(&form, posted.fields(), &e);
            show_project(
                &state,
                &session,
                id,
                Some((code, e.to_string())),
                None,
                typed,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /projects/{id}/files/{file}`: a scan attached to a step, as a download (audited).
pub async fn document(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path((id, file)): Path<(i64, i64)>,
) -> Page {
    let found = state
        .store
        .project_document(&session.auth.actor, id, file)
        .await;
    crate::forms::stored_or_missing(found, &format!("project{id}-{file}"), || {
        format!("项目#{id}没有文件#{file}")
    })
}

#[derive(Template)]
#[template(path = "funds/project_notice.html")]
struct NoticePage {
    frame: Frame,
    id: i64,
    title: String,
    name: String,
    division: String,
    kind: String,
    nature: &'static str,
    unit: String,
    tasks: String,
    budget: String,
    sources: String,
    mechanism: String,
    period: String,
    targets: Vec<(&'static str, String, String)>,
    households: usize,
    notice: String,
    phone: String,
    unit_phone: String,
    /// For a finished project: the money it received and spent.
    money: Option<String>,
}

/// `GET /projects/{id}/notice`: the project's notice for the village board (公告公示), A4.
pub async fn notice(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
) -> Page {
    let actor = &session.auth.actor;
    let file = state
        .store
        .project(actor, id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| AppError::NotFound(format!("项目#{id}不存在或不在您的辖区")))?;
    let p = &file.project;
    let (types, _) = tables(&state, actor, Some(p.county)).await;
    let policy =
        dixian_app::policy::policy_in_force(state.store.as_ref(), p.county.as_str(), state.today())
            .await?;
    let last_notice = file.events.iter().rev().find_map(|e| e.notice.clone());
    // Before: the proposal's notice, then the library's; after: the completion notice with
    // the money spent (公告公示 before and after).
    let title = if p.stage.completed() {
        "项目竣工公告"
    } else if p.stage.in_library() {
        "项目入库公告"
    } else {
        "项目申报公示"
    };
    let money = p
        .stage
        .completed()
        .then(|| format!("安排资金{}元，已支出{}元", yuan(p.planned), yuan(p.spent)));
    Ok(render(
        StatusCode::OK,
        &NoticePage {
            frame: session.frame(&state),
            id,
            title: title.into(),
            name: p.name.clone(),
            division: p.division_name.clone(),
            kind: name_of(&types, &p.type_code),
            nature: p.nature.label(),
            unit: p.unit.clone(),
            tasks: file.tasks.clone(),
            budget: yuan(p.budget),
            sources: file.sources.clone(),
            mechanism: file.mechanism.clone(),
            period: format!("{}至{}", p.start_on, p.end_on),
            targets: file
                .targets
                .iter()
                .map(|t| (t.kind.label(), t.name.clone(), t.value.clone()))
                .collect(),
            households: file.beneficiaries.len(),
            notice: last_notice
                .map(|n| {
                    format!(
                        "公示期：{}至{}（{}天）；公示地点：{}",
                        n.from,
                        n.to,
                        n.days(),
                        n.place
                    )
                })
                .unwrap_or_default(),
            phone: policy.contacts.supervision_phone.clone(),
            unit_phone: policy.contacts.supervision_unit.clone(),
            money,
        },
    ))
}

// ---------------------------------------------------------------- funds of a year

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct YearQuery {
    year: String,
}

fn year_of(q: &YearQuery, today: NaiveDate) -> i32 {
    q.year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2013..=today.year() + 1).contains(y))
        .unwrap_or(today.year())
}

pub(crate) struct FundRow {
    id: i64,
    doc_number: String,
    title: String,
    level: &'static str,
    category: String,
    amount: String,
    planned: String,
    spent: String,
    progress: String,
}

pub(crate) struct BehindRow {
    project_id: i64,
    project: String,
    division: String,
    amount: String,
    spent: String,
    share: String,
}

#[derive(Template)]
#[template(path = "funds/funds.html")]
struct FundsPage {
    frame: Frame,
    typed: Typed,
    year: i32,
    years: Vec<i32>,
    funds_name: String,
    rows: Vec<FundRow>,
    total: String,
    planned: String,
    spent: String,
    industry: Option<(bool, String)>,
    progress: Option<(bool, String)>,
    /// The first [`SHOWN_ROWS`] of each list; the totals say how many there are.
    behind: Vec<BehindRow>,
    behind_total: usize,
    negatives: Vec<(i64, String, String)>,
    overdue: Vec<(i64, String, String, String)>,
    overdue_total: usize,
    /// 以工代赈 projects: (id, name, check in words, met).
    relief: Vec<(i64, String, String, bool)>,
    /// How many of them fall short.
    relief_short: usize,
    missing: Vec<String>,
    may_add: bool,
    may_export: bool,
    levels: Vec<(&'static str, &'static str)>,
    categories: Vec<(String, String)>,
    today: String,
}

impl FundsPage {
    fn v(&self, name: &str, default: &str) -> String {
        self.typed.value("fund-new", name, default)
    }
}

async fn funds_page(state: &AppState, session: &Session, year: i32, typed: Typed) -> Page {
    let actor = &session.auth.actor;
    let today = state.today();
    let r = dixian_app::funds::report(state.store.as_ref(), actor, year, today).await?;
    let (_, categories) = tables(state, actor, r.county).await;
    let code = if typed.any() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(render(
        code,
        &FundsPage {
            frame: session.frame(state),
            year,
            years: (today.year() - 4..=today.year()).rev().collect(),
            funds_name: r.funds_name.clone(),
            rows: r
                .funds
                .iter()
                .map(|f| FundRow {
                    id: f.id,
                    doc_number: f.doc_number.clone(),
                    title: f.title.clone(),
                    level: f.level.label(),
                    category: name_of(&categories, &f.category),
                    amount: yuan(f.amount),
                    planned: yuan(f.planned),
                    spent: yuan(f.spent),
                    progress: percent_text(share_bp(f.spent, f.amount)),
                })
                .collect(),
            total: yuan(r.total),
            planned: yuan(r.planned),
            spent: yuan(r.spent),
            industry: r.industry.as_ref().map(|i| (i.met(), i.explain())),
            progress: r.progress.as_ref().map(|p| (p.met(), p.explain())),
            behind: r
                .progress
                .as_ref()
                .map(|p| {
                    p.behind
                        .iter()
                        .take(SHOWN_ROWS)
                        .map(|l| BehindRow {
                            project_id: l.project_id,
                            project: l.project_name.clone(),
                            division: l.division_name.clone(),
                            amount: yuan(l.amount),
                            spent: yuan(l.spent),
                            share: percent_text(share_bp(l.spent, l.amount)),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            negatives: r
                .negatives
                .iter()
                .map(|n| {
                    (
                        n.line.project_id,
                        n.line.project_name.clone(),
                        n.message.clone(),
                    )
                })
                .collect(),
            behind_total: r.progress.as_ref().map_or(0, |p| p.behind.len()),
            overdue_total: r.overdue.len(),
            overdue: r
                .overdue
                .iter()
                .take(SHOWN_ROWS)
                .map(|o| {
                    (
                        o.project.id,
                        o.project.name.clone(),
                        o.project.division_name.clone(),
                        o.reason.clone(),
                    )
                })
                .collect(),
            missing: r.missing.clone(),
            relief_short: r.work_relief.iter().filter(|w| !w.met()).count(),
            relief: r
                .work_relief
                .iter()
                .map(|w| (w.project_id, w.project_name.clone(), w.explain(), w.met()))
                .collect(),
            may_add: is_county(actor) && actor_county(actor).is_some(),
            may_export: actor.may(Permission::ExportLedger),
            levels: FundLevel::ALL
                .iter()
                .map(|l| (l.code(), l.label()))
                .collect(),
            categories,
            today: today.to_string(),
            typed,
        },
    ))
}

pub async fn funds(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<YearQuery>,
) -> Page {
    let year = year_of(&q, state.today());
    funds_page(&state, &session, year, Typed::default()).await
}

pub async fn create_fund(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: FundForm = posted.parse()?;
    match dixian_app::funds::add_fund(state.store.as_ref(), &session.auth.actor, &f, state.today())
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/funds/{id}?done=create")).into_response()),
        Err(e) if correctable(&e) => {
            let year = year_of(
                &YearQuery {
                    year: f.year.clone(),
                },
                state.today(),
            );
            let typed = Typed::refused("fund-new", posted.fields(), &e);
            funds_page(&state, &session, year, typed).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /funds/ledger.xlsx?year=`: the year's fund, library and progress ledgers.
pub async fn ledger(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<YearQuery>,
) -> Page {
    let year = year_of(&q, state.today());
    let tables = dixian_app::funds::ledger(
        state.store.as_ref(),
        &session.auth.actor,
        year,
        state.today(),
    )
    .await?;
    let mut bytes = Vec::new();
    dixian_app::workbook::write_tables(&tables, std::io::Cursor::new(&mut bytes))?;
    Ok(crate::frame::download(
        bytes,
        crate::frame::XLSX,
        &format!("funds-{year}.xlsx"),
        &format!("资金项目台账-{year}.xlsx"),
    ))
}

// ---------------------------------------------------------------- one fund document

pub(crate) struct FundLineView {
    id: i64,
    project_id: i64,
    project: String,
    division: String,
    stage: &'static str,
    amount: String,
    spent: String,
    planned_on: String,
    payments: Vec<String>,
    form: String,
}

#[derive(Template)]
#[template(path = "funds/fund.html")]
struct FundPage {
    frame: Frame,
    done: Option<&'static str>,
    typed: Typed,
    id: i64,
    doc_number: String,
    title: String,
    level: &'static str,
    year: i32,
    category: String,
    direct: bool,
    received_on: String,
    amount: String,
    planned: String,
    left: String,
    spent: String,
    created_by: String,
    lines: Vec<FundLineView>,
    /// Library projects of the county that may still receive funds: (id, label); empty when
    /// there are too many to list (`many_projects`).
    projects: Vec<(i64, String)>,
    many_projects: bool,
    may_write: bool,
    kinds: Vec<(&'static str, &'static str)>,
    today: String,
}

async fn show_fund(
    state: &AppState,
    session: &Session,
    id: i64,
    done: Option<&'static str>,
    typed: Typed,
) -> Page {
    let actor = &session.auth.actor;
    let store = state.store.as_ref();
    let file = store
        .fund(actor, id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| AppError::NotFound(format!("资金#{id}不存在")))?;
    let f = &file.fund;
    let (_, categories) = tables(state, actor, Some(f.county)).await;
    let may_write = is_county(actor) && actor.scope.covers(&f.county);
    // The projects money may go to: offered in a list while it is short enough to choose
    // from on a phone; past that, the project's number is typed.
    let fundable = if may_write {
        store
            .project_page(
                actor,
                &ProjectFilter {
                    within: Some(f.county),
                    stages: ProjectStage::ALL
                        .iter()
                        .copied()
                        .filter(|s| s.in_library() && *s != ProjectStage::Settled)
                        .collect(),
                    ..ProjectFilter::default()
                },
                0,
                i64::try_from(MAX_PROJECT_CHOICES).unwrap_or(300) + 1,
            )
            .await
            .map_err(AppError::from)?
    } else {
        dixian_store::funds::ProjectPage::default()
    };
    let many_projects = fundable.rows.len() > MAX_PROJECT_CHOICES;
    let projects = if may_write && !many_projects {
        fundable
            .rows
            .into_iter()
            .map(|p| {
                (
                    p.id,
                    format!(
                        "#{} {}（{}，{}年，总投资{}元，已安排{}元）",
                        p.id,
                        p.name,
                        p.division_name,
                        p.planned_year,
                        yuan(p.budget),
                        yuan(p.planned)
                    ),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let code = if typed.any() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let left = dixian_domain::money::Money::from_fen(f.amount.fen() - f.planned.fen());
    Ok(render(
        code,
        &FundPage {
            frame: session.frame(state),
            done,
            id,
            doc_number: f.doc_number.clone(),
            title: f.title.clone(),
            level: f.level.label(),
            year: f.year,
            category: name_of(&categories, &f.category),
            direct: f.direct,
            received_on: f.received_on.to_string(),
            amount: yuan(f.amount),
            planned: yuan(f.planned),
            left: yuan(left),
            spent: yuan(f.spent),
            created_by: file.created_by_name.clone(),
            lines: file
                .lines
                .iter()
                .map(|l| FundLineView {
                    id: l.id,
                    project_id: l.project_id,
                    project: l.project_name.clone(),
                    division: l.division_name.clone(),
                    stage: l.stage.label(),
                    amount: yuan(l.amount),
                    spent: yuan(l.spent),
                    planned_on: l.planned_on.to_string(),
                    payments: l
                        .payments
                        .iter()
                        .map(|y| {
                            format!(
                                "{} {} {}元（凭证{}{}；{}）",
                                y.on,
                                y.kind.label(),
                                y.amount.grouped(),
                                y.voucher,
                                if y.note.is_empty() {
                                    String::new()
                                } else {
                                    format!("，{}", y.note)
                                },
                                y.by
                            )
                        })
                        .collect(),
                    form: format!("pay-{}", l.id),
                })
                .collect(),
            projects,
            many_projects,
            may_write,
            kinds: PaymentKind::ALL
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            today: state.today().to_string(),
            typed,
        },
    ))
}

pub async fn fund(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Page {
    let done = match q.done.as_str() {
        "create" => Some("资金文件已登记，可以分配到项目库中的项目。"),
        "plan" => Some("资金已分配到项目。"),
        "pay" => Some("已记录。"),
        _ => None,
    };
    show_fund(&state, &session, id, done, Typed::default()).await
}

pub async fn plan(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let f: PlanForm = posted.parse()?;
    match dixian_app::funds::plan(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        state.today(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/funds/{id}?done=plan")).into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused("plan", posted.fields(), &e);
            show_fund(&state, &session, id, None, typed).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn pay(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let f: PaymentForm = posted.parse()?;
    match dixian_app::funds::pay(state.store.as_ref(), &session.auth.actor, &f, state.today()).await
    {
        Ok(_) => Ok(Redirect::to(&format!("/funds/{id}?done=pay#line-{}", f.line)).into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused(&format!("pay-{}", f.line), posted.fields(), &e);
            show_fund(&state, &session, id, None, typed).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /projects/{id}/wages`: 以工代赈 wages, one worker per line.
pub async fn wages(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let f: dixian_app::funds::WageForm = posted.parse()?;
    match dixian_app::funds::add_wages(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        state.today(),
    )
    .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/projects/{id}?done=wages#project-wages")).into_response())
        }
        Err(e) if correctable(&e) => {
            let (code, _) = status_of(&e);
            let typed = Typed::refused("wages", posted.fields(), &e);
            show_project(
                &state,
                &session,
                id,
                Some((code, e.to_string())),
                None,
                typed,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

const IMPORT: crate::imports::ImportSpec = crate::imports::ImportSpec {
    what: "项目清单",
    back: ("/projects", "项目库"),
    base: "/projects",
    ascii: "projects",
    unit: "个项目",
    note: "把已在Excel中管理的入库项目一次导入项目库：每行一个项目，三类绩效目标各至少一项。",
};

/// `GET …/import`: the templates and the upload form.
pub async fn import_form(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
) -> Page {
    crate::imports::form(&state, &session, &IMPORT)
}

/// `GET …/template/{file}`: the import template.
pub async fn template(Path(file): Path<String>) -> Page {
    crate::imports::template(&file, &IMPORT, dixian_app::funds::project_template)
}

/// `POST …/import`: the file, imported whole or not at all.
pub async fn import(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Result<Posted, crate::error::PageError>,
) -> Page {
    let (store, actor, today) = (state.store.as_ref(), &session.auth.actor, state.today());
    crate::imports::upload(
        &state,
        &session,
        &IMPORT,
        posted,
        |name, bytes| async move {
            dixian_app::funds::import_projects(store, actor, &name, &bytes, today).await
        },
    )
    .await
}
