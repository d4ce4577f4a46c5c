//! Pages of project assets. Thin: the app's `assets` module decides what is allowed and how
//! assets are counted and flagged; these pages put it in words and keep what was typed.

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
use chrono::Datelike;
use dixian_app::AppError;
use dixian_app::assets::{AssetForm, EndForm, IncomeForm, PayoutForm, PlanForm, PlanStepForm};
use dixian_domain::access::{Actor, Permission, Role};
use dixian_domain::assets::{
    AssetClass, AssetState, DisposalMethod, DisposalPath, DistributionUse, IncomeKind, Operation,
    OwnerKind, PlanAction,
};
use dixian_store::assets::{AssetFilter, Ending};
use dixian_store::funds::ProjectFilter;
use serde::Deserialize;

/// Rows a list page shows.
const PAGE_ROWS: usize = 200;

fn yuan(m: dixian_domain::money::Money) -> String {
    m.grouped()
}

fn may_handle(actor: &Actor) -> bool {
    actor.may(Permission::HandleCases)
        && matches!(
            actor.role,
            None | Some(Role::CountyAdmin | Role::TownReviewer | Role::VillageOfficer)
        )
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    area: String,
    class: String,
    state: String,
    project: String,
    q: String,
    /// A designation code (认定类别); empty: any.
    designation: String,
    page: Option<usize>,
}

pub(crate) struct Row {
    id: i64,
    name: String,
    division: String,
    class: &'static str,
    owner: String,
    value: String,
    income: String,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "assets/assets.html")]
struct ListPage {
    frame: Frame,
    name: String,
    year: i32,
    areas: Vec<crate::areas::AreaChoice>,
    class: String,
    state: String,
    q: String,
    project: String,
    designation: String,
    /// The pack's designation kinds, (code, name), for the filter.
    designations: Vec<(String, String)>,
    classes: Vec<(&'static str, &'static str)>,
    states: Vec<(&'static str, &'static str)>,
    /// (class, count, value, income) of assets in use.
    by_class: Vec<(&'static str, usize, String, String)>,
    in_use: usize,
    ended: usize,
    distributed: String,
    flagged: Vec<(i64, String, String, String)>,
    rows: Vec<Row>,
    total: usize,
    page: usize,
    pages: usize,
    base: String,
    may_register: bool,
    may_export: bool,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> Page {
    let actor = &session.auth.actor;
    let store = state.store.as_ref();
    let today = state.today();
    let within = crate::areas::parse_area(&q.area)?;
    let report = dixian_app::assets::report(store, actor, within, today).await?;
    let class = AssetClass::parse(&q.class);
    let asset_state = AssetState::parse(&q.state);
    let project = q.project.trim().parse::<i64>().ok();
    let designation = dixian_domain::villages::designation_code(&q.designation)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let wanted = q.page.unwrap_or(1).max(1);
    let (rows, total) = store
        .asset_page(
            actor,
            &AssetFilter {
                within,
                class,
                state: asset_state,
                project_id: project,
                search: Some(q.q.clone()).filter(|s| !s.trim().is_empty()),
                income_year: report.year,
                designation: designation.clone().map(|d| (d, today)),
            },
            i64::try_from((wanted - 1) * PAGE_ROWS).unwrap_or(i64::MAX),
            i64::try_from(PAGE_ROWS).unwrap_or(200),
        )
        .await
        .map_err(AppError::from)?;
    let total = usize::try_from(total).unwrap_or(0);
    let pages = total.div_ceil(PAGE_ROWS).max(1);
    let page = wanted.min(pages);
    let base = format!(
        "/assets?area={}&class={}&state={}&project={}&q={}&designation={}",
        within.map(|w| w.to_string()).unwrap_or_default(),
        class.map(|c| c.code()).unwrap_or(""),
        asset_state.map(|s| s.code()).unwrap_or(""),
        project.map(|p| p.to_string()).unwrap_or_default(),
        crate::session::url_escape(q.q.trim()),
        designation.as_deref().unwrap_or_default()
    );
    Ok(render(
        StatusCode::OK,
        &ListPage {
            frame: session.frame(&state),
            name: report.name.clone(),
            year: report.year,
            areas: crate::areas::area_choices(store, actor, within.as_ref()).await,
            class: class.map(|c| c.code().to_string()).unwrap_or_default(),
            state: asset_state
                .map(|s| s.code().to_string())
                .unwrap_or_default(),
            q: q.q.trim().to_string(),
            project: project.map(|p| p.to_string()).unwrap_or_default(),
            designation: designation.unwrap_or_default(),
            designations: dixian_app::villages::designation_kinds(store, actor, today).await,
            classes: AssetClass::ALL
                .iter()
                .map(|c| (c.code(), c.label()))
                .collect(),
            states: AssetState::ALL
                .iter()
                .map(|c| (c.code(), c.label()))
                .collect(),
            by_class: report
                .classes
                .iter()
                .map(|l| (l.class.label(), l.count, yuan(l.value), yuan(l.income)))
                .collect(),
            in_use: report.in_use,
            ended: report.ended,
            distributed: yuan(report.distributed),
            flagged: report
                .flagged
                .iter()
                .map(|(a, why)| (a.id, a.name.clone(), a.division_name.clone(), why.clone()))
                .collect(),
            rows: rows
                .iter()
                .map(|a| Row {
                    id: a.id,
                    name: a.name.clone(),
                    division: a.division_name.clone(),
                    class: a.class.label(),
                    owner: if a.owner_name.is_empty() {
                        a.owner_kind.label().to_string()
                    } else {
                        a.owner_name.clone()
                    },
                    value: yuan(a.value),
                    income: yuan(a.income_of_year),
                    state: a.state.label(),
                })
                .collect(),
            total,
            page,
            pages,
            base,
            may_register: may_handle(actor),
            may_export: actor.may(Permission::ExportLedger),
        },
    ))
}

// ---------------------------------------------------------------- registration

#[derive(Template)]
#[template(path = "assets/asset_new.html")]
struct NewPage {
    frame: Frame,
    typed: Typed,
    /// Finished projects in sight: (id, label).
    projects: Vec<(i64, String)>,
    project: String,
    classes: Vec<(&'static str, &'static str)>,
    owners: Vec<(&'static str, &'static str)>,
    operations: Vec<(&'static str, &'static str)>,
    today: String,
}

impl NewPage {
    fn v(&self, name: &str, default: &str) -> String {
        self.typed.value("asset-new", name, default)
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    project: String,
}

async fn new_page(
    state: &AppState,
    session: &Session,
    project: &str,
    typed: Typed,
) -> Result<NewPage, AppError> {
    let actor = &session.auth.actor;
    let finished = state
        .store
        .projects(actor, &ProjectFilter::default())
        .await?
        .into_iter()
        .filter(|p| p.stage.completed())
        .map(|p| {
            (
                p.id,
                format!(
                    "#{} {}（{}，{}）",
                    p.id,
                    p.name,
                    p.division_name,
                    p.stage.label()
                ),
            )
        })
        .collect::<Vec<_>>();
    Ok(NewPage {
        frame: session.frame(state),
        typed,
        projects: finished,
        project: project.to_string(),
        classes: AssetClass::ALL
            .iter()
            .map(|c| (c.code(), c.label()))
            .collect(),
        owners: OwnerKind::ALL
            .iter()
            .filter(|o| **o != OwnerKind::Household)
            .map(|c| (c.code(), c.label()))
            .collect(),
        operations: Operation::ALL
            .iter()
            .map(|c| (c.code(), c.label()))
            .collect(),
        today: state.today().to_string(),
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<NewQuery>,
) -> Page {
    let page = new_page(&state, &session, q.project.trim(), Typed::default()).await?;
    Ok(render(StatusCode::OK, &page))
}

pub async fn create(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let mut f: AssetForm = posted.parse()?;
    // The asset stands where its project was built.
    if let Ok(id) = f.project.trim().parse::<i64>()
        && let Ok(Some(p)) = state.store.project(&session.auth.actor, id).await
    {
        f.division = p.project.division.to_string();
    }
    match dixian_app::assets::register(state.store.as_ref(), &session.auth.actor, &f, state.today())
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/assets/{id}?done=create")).into_response()),
        Err(e) if correctable(&e) => {
            let (code, _) = status_of(&e);
            let typed = Typed::refused("asset-new", posted.fields(), &e);
            let page = new_page(&state, &session, f.project.trim(), typed).await?;
            Ok(render(code, &page))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- one asset

pub(crate) struct PlanView {
    id: i64,
    version: i64,
    year: i32,
    state: &'static str,
    total: String,
    notice: String,
    lines: Vec<String>,
    steps: Vec<String>,
    /// (action code, label, form id).
    actions: Vec<(&'static str, &'static str, String)>,
    /// 分N次发放.
    months: u32,
    /// Each payout in words.
    payouts: Vec<String>,
    /// The next payout may be recorded here.
    may_pay: bool,
    /// The month the next payout form suggests.
    next_month: String,
}

#[derive(Template)]
#[template(path = "assets/asset.html")]
struct AssetPage {
    frame: Frame,
    done: Option<&'static str>,
    typed: Typed,
    id: i64,
    version: i64,
    name: String,
    class: &'static str,
    operating: bool,
    collective: bool,
    in_use: bool,
    state: &'static str,
    project_id: i64,
    project: String,
    division: String,
    owner: String,
    value: String,
    location: String,
    formed_on: String,
    confirmed: String,
    custody: String,
    operation: String,
    incomes: Vec<String>,
    income_total: String,
    plans: Vec<PlanView>,
    ending: Option<String>,
    created_by: String,
    may_handle: bool,
    may_end: bool,
    kinds: Vec<(&'static str, &'static str)>,
    uses: Vec<&'static str>,
    methods: Vec<(&'static str, &'static str)>,
    paths: Vec<(&'static str, &'static str)>,
    last_year: String,
    today: String,
}

async fn show_asset(
    state: &AppState,
    session: &Session,
    id: i64,
    done: Option<&'static str>,
    typed: Typed,
) -> Page {
    let actor = &session.auth.actor;
    let file = state
        .store
        .asset(actor, id)
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| AppError::NotFound(format!("资产#{id}不存在或不在您的辖区")))?;
    let a = &file.asset;
    let today_month = state.today().format("%Y-%m").to_string();
    let code = if typed.any() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let ending = file.ending.as_ref().map(|e| match &e.ending {
        Ending::Disposal {
            method,
            path,
            value,
            proceeds,
            proceeds_use,
            decision,
            notice,
        } => format!(
            "{}以{}处置（{}）：评估价值{}元，处置收入{}元，用于{}；依据{}{}（{}）",
            e.on,
            method.label(),
            path.label(),
            value.grouped(),
            proceeds.grouped(),
            proceeds_use,
            decision,
            notice
                .as_ref()
                .map(|n| format!("；{}公示{}至{}", n.place, n.from, n.to))
                .unwrap_or_default(),
            e.by
        ),
        Ending::WriteOff { reason, assessment } => {
            format!(
                "{}核销：{}；鉴定意见：{}（{}）",
                e.on, reason, assessment, e.by
            )
        }
    });
    Ok(render(
        code,
        &AssetPage {
            frame: session.frame(state),
            done,
            id,
            version: a.version,
            name: a.name.clone(),
            class: a.class.label(),
            operating: a.class == AssetClass::Operating,
            collective: a.owner_kind == OwnerKind::Collective,
            in_use: a.state == AssetState::InUse,
            state: a.state.label(),
            project_id: a.project_id,
            project: a.project_name.clone(),
            division: a.division_name.clone(),
            owner: match &a.owner_household {
                Some(h) => format!("农户 {h}"),
                None => format!("{}（{}）", a.owner_name, a.owner_kind.label()),
            },
            value: yuan(a.value),
            location: file.location.clone(),
            formed_on: a.formed_on.to_string(),
            confirmed: match file.confirmed_on {
                Some(d) => format!("{d} {}", file.confirm_document),
                None => "尚未确权".into(),
            },
            custody: format!(
                "{} {}{}",
                file.custody_unit,
                a.custody_person,
                if file.custody_duties.is_empty() {
                    String::new()
                } else {
                    format!("（{}）", file.custody_duties)
                }
            ),
            operation: a
                .operation
                .map(|o| format!("{} {}", o.label(), file.operator))
                .unwrap_or_default(),
            incomes: file
                .incomes
                .iter()
                .map(|i| {
                    format!(
                        "{}年 {} {}元（{}到账{}）",
                        i.year,
                        i.kind.label(),
                        i.amount.grouped(),
                        i.received_on,
                        if i.note.is_empty() {
                            String::new()
                        } else {
                            format!("，{}", i.note)
                        }
                    )
                })
                .collect(),
            income_total: yuan(a.income_total),
            plans: file
                .plans
                .iter()
                .map(|p| PlanView {
                    id: p.id,
                    version: p.version,
                    year: p.year,
                    state: p.state.label(),
                    total: yuan(p.total),
                    notice: format!("{}公示{}至{}", p.notice.place, p.notice.from, p.notice.to),
                    lines: p
                        .lines
                        .iter()
                        .map(|l| {
                            let line = match &l.household {
                                Some(h) => format!(
                                    "{}（{h}）{} {}元",
                                    l.head_name,
                                    l.use_.label(),
                                    l.amount.grouped()
                                ),
                                None => format!("{} {}元", l.use_.label(), l.amount.grouped()),
                            };
                            let paid = if p.payouts.is_empty() {
                                String::new()
                            } else {
                                format!("，已发{}元", l.paid.grouped())
                            };
                            match &l.stopped {
                                Some((month, why)) => format!("{line}{paid}；{month}起停发：{why}"),
                                None => format!("{line}{paid}"),
                            }
                        })
                        .collect(),
                    months: p.months,
                    payouts: p
                        .payouts
                        .iter()
                        .map(|o| {
                            format!(
                                "第{}次 {}月 {}发放{}元（{}）{}",
                                o.seq,
                                o.month,
                                o.paid_on,
                                o.paid.grouped(),
                                o.by,
                                if o.stopped > 0 {
                                    format!("，本次停发{}项", o.stopped)
                                } else {
                                    String::new()
                                }
                            )
                        })
                        .collect(),
                    may_pay: actor.may(Permission::HandleCases)
                        && matches!(
                            actor.role,
                            None | Some(
                                Role::VillageOfficer | Role::TownReviewer | Role::CountyAdmin
                            )
                        )
                        && p.state == dixian_domain::assets::PlanState::Filed
                        && (p.payouts.len() as u64) < u64::from(p.months),
                    next_month: today_month.clone(),
                    steps: p
                        .steps
                        .iter()
                        .map(|(label, on, note, by)| {
                            format!(
                                "{on} {label}（{by}）{}",
                                if note.is_empty() {
                                    String::new()
                                } else {
                                    format!("：{note}")
                                }
                            )
                        })
                        .collect(),
                    actions: if actor.may(Permission::HandleCases) {
                        PlanAction::available(p.state, actor.role)
                            .into_iter()
                            .map(|x| (x.code(), x.label(), format!("plan-{}-{}", p.id, x.code())))
                            .collect()
                    } else {
                        Vec::new()
                    },
                })
                .collect(),
            ending,
            created_by: file.created_by_name.clone(),
            may_handle: may_handle(actor),
            may_end: actor.may(Permission::HandleCases)
                && matches!(
                    actor.role,
                    None | Some(Role::CountyAdmin | Role::TownReviewer)
                ),
            kinds: IncomeKind::ALL
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            uses: DistributionUse::ALL.iter().map(|u| u.label()).collect(),
            methods: DisposalMethod::ALL
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            paths: DisposalPath::ALL
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            last_year: (state.today().year() - 1).to_string(),
            today: state.today().to_string(),
            typed,
        },
    ))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    done: String,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Page {
    let done = match q.done.as_str() {
        "create" => Some("资产已登记。"),
        "income" => Some("收益已登记。"),
        "plan" => Some("分配方案已提出，等待乡镇审批。"),
        "step" => Some("分配方案已办理。"),
        "payout" => Some("已登记发放；不再符合条件的户已停发，见方案明细。"),
        "end" => Some("已办理，资产状态已更新。"),
        _ => None,
    };
    show_asset(&state, &session, id, done, Typed::default()).await
}

/// Runs a form's use case; on a correctable refusal the asset page comes back with the form
/// `form` holding what was typed and its problems.
async fn posted_to<F>(
    state: &AppState,
    session: &Session,
    id: i64,
    form: &str,
    posted: &Posted,
    done: &str,
    run: F,
) -> Page
where
    F: std::future::Future<Output = Result<(), AppError>>,
{
    match run.await {
        Ok(()) => Ok(Redirect::to(&format!("/assets/{id}?done={done}")).into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused(form, posted.fields(), &e);
            show_asset(state, session, id, None, typed).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn income(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let f: IncomeForm = posted.parse()?;
    let run = async {
        dixian_app::assets::add_income(
            state.store.as_ref(),
            &session.auth.actor,
            id,
            &f,
            state.today(),
        )
        .await
        .map(|_| ())
    };
    posted_to(&state, &session, id, "income", &posted, "income", run).await
}

pub async fn plan(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let f: PlanForm = posted.parse()?;
    let run = async {
        dixian_app::assets::propose_plan(
            state.store.as_ref(),
            &session.auth.actor,
            id,
            &f,
            state.today(),
        )
        .await
        .map(|_| ())
    };
    posted_to(&state, &session, id, "plan", &posted, "plan", run).await
}

pub async fn plan_step(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let f: PlanStepForm = posted.parse()?;
    let form = format!("plan-{}-{}", f.plan, f.action.trim());
    let run =
        dixian_app::assets::plan_step(state.store.as_ref(), &session.auth.actor, &f, state.today());
    posted_to(&state, &session, id, &form, &posted, "step", run).await
}

pub async fn payout(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let f: PayoutForm = posted.parse()?;
    let form = format!("payout-{}", f.plan);
    let run = async {
        dixian_app::assets::pay_out(
            state.store.as_ref(),
            &session.auth.actor,
            id,
            &f,
            state.today(),
        )
        .await
        .map(|_| ())
    };
    posted_to(&state, &session, id, &form, &posted, "payout", run).await
}

pub async fn end(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let f: EndForm = posted.parse()?;
    let form = if f.kind.trim() == "write_off" {
        "write-off"
    } else {
        "disposal"
    };
    let run = dixian_app::assets::end(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        state.today(),
    );
    posted_to(&state, &session, id, form, &posted, "end", run).await
}

/// `GET /assets/ledger.xlsx`: the asset ledgers by class, income distribution, disposals and
/// write-offs.
pub async fn ledger(State(state): State<AppState>, Extension(session): Extension<Session>) -> Page {
    let tables =
        dixian_app::assets::ledger(state.store.as_ref(), &session.auth.actor, state.today())
            .await?;
    let mut bytes = Vec::new();
    dixian_app::workbook::write_tables(&tables, std::io::Cursor::new(&mut bytes))?;
    Ok(crate::frame::download(
        bytes,
        crate::frame::XLSX,
        &format!("assets-{}.xlsx", state.today()),
        &format!("项目资产台账-{}.xlsx", state.today()),
    ))
}

const IMPORT: crate::imports::ImportSpec = crate::imports::ImportSpec {
    what: "资产台账",
    back: ("/assets", "项目资产"),
    base: "/assets",
    ascii: "assets",
    unit: "个资产",
    note: "把已在Excel中管理的资产台账一次导入：每行一个资产，须写明形成它的已完工项目的编号（先导入项目清单）。",
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
    crate::imports::template(&file, &IMPORT, dixian_app::assets::asset_template)
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
            dixian_app::assets::import(store, actor, &name, &bytes, today).await
        },
    )
    .await
}
