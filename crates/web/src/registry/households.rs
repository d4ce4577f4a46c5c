//! The household list and a household's page (户籍), its edit form, member status and the
//! registry ledger download.

use crate::AppState;
use crate::error::Page;
use crate::forms::Posted;
use crate::forms::RevealFields;
use crate::frame::{Frame, render};
use crate::session::Session;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use dixian_app::registry::{HouseholdQuery, PAGE_SIZE};
use dixian_app::{AppError, registry};
use dixian_store::HouseholdSummary;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct ListParams {
    #[serde(default)]
    within: String,
    #[serde(default)]
    household_type: String,
    #[serde(default)]
    relocated: String,
    #[serde(default)]
    dibao: String,
    #[serde(default)]
    tekun: String,
    #[serde(default)]
    monitored: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    designation: String,
    #[serde(default)]
    pub(super) page: Option<i64>,
}

impl ListParams {
    /// The query on the server's day `today`.
    pub(super) fn query(&self, today: chrono::NaiveDate) -> HouseholdQuery {
        HouseholdQuery {
            today: Some(today),
            within: self.within.clone(),
            household_type: self.household_type.clone(),
            relocated: self.relocated.clone(),
            dibao: self.dibao.clone(),
            tekun: self.tekun.clone(),
            monitored: self.monitored.clone(),
            name: self.name.clone(),
            // Exact ID search goes through 人员查询 (POST), never an address.
            id_number: String::new(),
            designation: self.designation.clone(),
            page: self.page.unwrap_or(1),
        }
    }

    /// The filter part of the address, for paging links.
    fn link(&self) -> String {
        crate::session::query_string(&[
            ("within", &self.within),
            ("household_type", &self.household_type),
            ("relocated", &self.relocated),
            ("dibao", &self.dibao),
            ("tekun", &self.tekun),
            ("monitored", &self.monitored),
            ("name", &self.name),
            ("designation", &self.designation),
        ])
    }
}

/// Flags of a household as short Chinese tags; `object` is what the pack in force calls a
/// monitored household (监测对象, from 2026 防止返贫致贫对象).
fn tags(h: &HouseholdSummary, object: &str) -> Vec<String> {
    [
        (h.monitored, object),
        (h.dibao, "低保"),
        (h.tekun, "特困"),
        (h.relocated, "易地搬迁"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, t)| t.to_string())
    .collect()
}

/// What the pack in force today calls a monitored household, for the actor's area.
async fn object_name(state: &AppState, session: &Session, region: Option<&str>) -> String {
    let store = state.store.as_ref();
    let region = match (region, &session.auth.actor.scope) {
        (Some(r), _) => r.to_string(),
        (None, dixian_domain::access::Scope::Within(c)) => c.to_string(),
        (None, dixian_domain::access::Scope::Everything) => store
            .setting("demo.county")
            .await
            .ok()
            .flatten()
            .unwrap_or_default(),
    };
    dixian_app::policy::object_name(store, &region, state.today()).await
}

#[derive(Template)]
#[template(path = "registry/households.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    /// The yes/no filters: field, label, current value.
    flags: Vec<(&'static str, String, String)>,
    error: Option<String>,
    rows: Vec<(HouseholdSummary, Vec<String>)>,
    total: i64,
    page: i64,
    pages: i64,
    link: String,
    may_edit: bool,
    /// May export the ledger with the heads' ID numbers in full (stating why).
    may_reveal: bool,
    /// The area filter in words.
    areas: Vec<crate::areas::AreaChoice>,
    /// The pack's designation kinds, (code, name), for the filter.
    designations: Vec<(String, String)>,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(p): Query<ListParams>,
) -> Page {
    let object = object_name(&state, &session, None).await;
    let flags = vec![
        ("monitored", object.clone(), p.monitored.clone()),
        ("dibao", "低保".to_string(), p.dibao.clone()),
        ("tekun", "特困".to_string(), p.tekun.clone()),
        ("relocated", "易地搬迁".to_string(), p.relocated.clone()),
    ];
    let current = dixian_domain::division::DivisionCode::parse(p.within.trim()).ok();
    let areas =
        crate::areas::area_choices(state.store.as_ref(), &session.auth.actor, current.as_ref())
            .await;
    let designations = dixian_app::villages::designation_kinds(
        state.store.as_ref(),
        &session.auth.actor,
        state.today(),
    )
    .await;
    let mut page = ListPage {
        areas,
        designations,
        frame: session.frame(&state),
        flags,
        error: None,
        rows: Vec::new(),
        total: 0,
        page: p.page.unwrap_or(1).max(1),
        pages: 1,
        link: p.link(),
        may_edit: session
            .auth
            .actor
            .may(dixian_domain::access::Permission::EditRegistry),
        may_reveal: session
            .auth
            .actor
            .may(dixian_domain::access::Permission::RevealPii)
            && session
                .auth
                .actor
                .may(dixian_domain::access::Permission::ExportLedger),
        p,
    };
    Ok(
        match registry::search(
            state.store.as_ref(),
            &session.auth.actor,
            &page.p.query(state.today()),
        )
        .await
        {
            Ok(found) => {
                page.total = found.total;
                page.pages = ((found.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
                page.rows = found
                    .rows
                    .into_iter()
                    .map(|h| {
                        let t = tags(&h, &object);
                        (h, t)
                    })
                    .collect();
                render(StatusCode::OK, &page)
            }
            Err(e @ AppError::Invalid(_)) => {
                page.error = Some(e.to_string());
                render(StatusCode::BAD_REQUEST, &page)
            }
            Err(e) => return Err(e.into()),
        },
    )
}

/// One timeline entry as shown.
struct EventRow {
    at: String,
    actor: String,
    what: String,
    changes: Vec<String>,
    reason: String,
}

/// The timeline's name of a history entry: the audit trail's name of the same action.
fn event_label(action: &str) -> &str {
    match action {
        "registered" => "登记",
        other => dixian_app::auditing::action_label(other),
    }
}

#[derive(Template)]
#[template(path = "registry/household.html")]
struct HouseholdPage {
    frame: Frame,
    view: registry::HouseholdView,
    tags: Vec<String>,
    events: Vec<EventRow>,
    may_edit: bool,
    csrf: String,
    notice: Option<String>,
    today: String,
    visits: Vec<crate::views::VisitView>,
    /// For a 脱贫户: the pack's months and this year's missed or open ones.
    visit_rule: Option<String>,
    visit_status: Vec<String>,
    may_visit: bool,
    /// The household's 三保障 problems: (id, kind, description, state, deadline, open).
    problems: Vec<(i64, &'static str, String, &'static str, String, bool)>,
    /// Projects listing the household as a beneficiary (联农带农): (id, name, stage, plan
    /// year, how it benefits).
    projects: Vec<(i64, String, &'static str, i32, &'static str)>,
    /// Assets the household owns (到户类): (id, name, value, state).
    owned_assets: Vec<(i64, String, String, &'static str)>,
    /// Asset income distributed to it: (asset id, asset name, year, use, amount, plan state).
    /// (asset id, asset name, year, use, planned, plan state, what was paid or stopped).
    asset_income: Vec<(i64, String, i32, &'static str, String, &'static str, String)>,
    /// Kinds judged not secure that have no open problem yet: (code, label), to register.
    unregistered: Vec<(&'static str, &'static str)>,
    /// A refused visit form: what was typed, its problems and the photos kept.
    typed: crate::forms::Typed,
    /// Its 帮扶责任人 now, (account, name, since), and before, (name, period, reason,
    /// successor).
    cadres_now: Vec<(i64, String, String)>,
    /// A refused 解除 of a cadre no longer listed (released or moved meanwhile): its problems.
    release_orphan: Vec<String>,
    cadres_before: Vec<(String, String, String, String)>,
}

#[derive(Deserialize, Default)]
pub struct ShowParams {
    changed: Option<usize>,
    visited: Option<u8>,
    released: Option<u8>,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    Query(q): Query<ShowParams>,
) -> Page {
    household_page(&state, &session, &code, &q, None).await
}

/// The household's page; after a refused form on it (the visit form), with the refusal's
/// status, what was typed and each problem beside its field.
async fn household_page(
    state: &AppState,
    session: &Session,
    code: &str,
    q: &ShowParams,
    refused: Option<(StatusCode, crate::forms::Typed)>,
) -> Page {
    let actor = &session.auth.actor;
    let view = registry::household(state.store.as_ref(), actor, code, state.today()).await?;
    let events = match state
        .store
        .household_events(actor, &view.detail.summary.code)
        .await
    {
        Ok(list) => list
            .into_iter()
            .rev()
            .map(|e| EventRow {
                at: dixian_app::beijing_minute(e.at),
                actor: e.actor,
                what: event_label(&e.action).to_string(),
                changes: e
                    .changes
                    .iter()
                    .map(|c| {
                        format!(
                            "{}：{} → {}",
                            c.field,
                            if c.old.is_empty() {
                                "（空）"
                            } else {
                                &c.old
                            },
                            if c.new.is_empty() {
                                "（空）"
                            } else {
                                &c.new
                            }
                        )
                    })
                    .collect(),
                reason: e.reason,
            })
            .collect(),
        Err(e) => return Err(e.into()),
    };
    let object = object_name(state, session, Some(view.detail.summary.village.as_str())).await;
    let tags = tags(&view.detail.summary, &object);
    let s = &view.detail.summary;
    let poverty_alleviated = s.household_type
        == dixian_domain::registry::HouseholdType::PovertyAlleviated
        && !s.monitored;
    let day = state.today();
    let visits = dixian_app::monitoring::household_visits(
        state.store.as_ref(),
        actor,
        &s.code,
        poverty_alleviated,
        day,
    )
    .await?;
    let visit_rule = (poverty_alleviated && !visits.months.is_empty()).then(|| {
        format!(
            "脱贫户每年{}月走访",
            visits
                .months
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("、")
        )
    });
    let visit_status = visits
        .periods
        .iter()
        .map(|p| {
            let m = chrono::Datelike::month(&p.from);
            match p.visited {
                Some(d) => format!("{m}月：{d}已走访"),
                None if p.missed(day) => format!("{m}月：漏访"),
                None => format!("{m}月：本月待走访（{}前）", p.until),
            }
        })
        .collect();
    let problems = dixian_app::problems::of_household(state.store.as_ref(), actor, &s.code).await?;
    let unregistered = view
        .findings
        .iter()
        .filter(|f| f.secure == Some(false))
        .filter(|f| {
            !problems.iter().any(|p| {
                p.kind == f.indicator && p.state != dixian_domain::problems::ProblemState::Closed
            })
        })
        .map(|f| (f.indicator.code(), f.indicator.label()))
        .collect();
    let problems = problems
        .iter()
        .map(|p| {
            (
                p.id,
                p.kind.label(),
                p.description.clone(),
                p.state.label(),
                p.deadline.to_string(),
                p.state != dixian_domain::problems::ProblemState::Closed,
            )
        })
        .collect();
    let projects = state
        .store
        .household_projects(actor, &s.code)
        .await
        .map_err(dixian_app::AppError::from)?
        .into_iter()
        .map(|p| {
            (
                p.project_id,
                p.name,
                p.stage.label(),
                p.planned_year,
                p.mechanism.label(),
            )
        })
        .collect();
    let assets = state
        .store
        .household_assets(actor, &s.code)
        .await
        .map_err(dixian_app::AppError::from)?;
    let owned_assets = assets
        .owned
        .into_iter()
        .map(|a| (a.id, a.name, a.value.grouped(), a.state.label()))
        .collect();
    let asset_income = assets
        .received
        .into_iter()
        .map(|r| {
            let paid = match &r.stopped {
                Some((month, why)) => format!("已发{}元，{month}起停发：{why}", r.paid.grouped()),
                None if r.paid > dixian_domain::money::Money::ZERO => {
                    format!("已发{}元", r.paid.grouped())
                }
                None => String::new(),
            };
            (
                r.asset_id,
                r.asset_name,
                r.year,
                r.use_.label(),
                r.amount.grouped(),
                r.state.label(),
                paid,
            )
        })
        .collect();
    let (status, typed) = refused.unwrap_or((StatusCode::OK, crate::forms::Typed::default()));
    let (now, before) = state
        .store
        .household_cadres(actor, &s.code)
        .await
        .map_err(dixian_app::AppError::from)?;
    let release_orphan = if typed.form().starts_with("release-")
        && !now
            .iter()
            .any(|c| typed.is(&format!("release-{}", c.user_id)))
    {
        typed
            .errors(typed.form())
            .into_iter()
            .map(str::to_string)
            .collect()
    } else {
        Vec::new()
    };
    Ok(render(
        status,
        &HouseholdPage {
            typed,
            release_orphan,
            cadres_now: now
                .into_iter()
                .map(|c| (c.user_id, c.name, format!("{}起", c.since)))
                .collect(),
            cadres_before: before
                .into_iter()
                .map(|p| {
                    (
                        p.cadre,
                        format!("{}至{}", p.from, p.to),
                        p.reason,
                        p.successor.unwrap_or_else(|| "—".into()),
                    )
                })
                .collect(),
            problems,
            projects,
            owned_assets,
            asset_income,
            unregistered,
            visits: visits.visits.iter().map(crate::views::visit_view).collect(),
            visit_rule,
            visit_status,
            may_visit: actor.may(dixian_domain::access::Permission::HandleCases),
            frame: session.frame(state),
            view,
            tags,
            events,
            may_edit: actor.may(dixian_domain::access::Permission::EditRegistry),
            csrf: session.auth.csrf.clone(),
            notice: q
                .changed
                .map(|n| {
                    if n == 0 {
                        "没有需要保存的变化".to_string()
                    } else {
                        format!("已保存{n}项变化，已记入变更记录")
                    }
                })
                .or_else(|| q.visited.map(|_| "走访记录已保存".to_string()))
                .or_else(|| {
                    q.released
                        .map(|_| "已解除帮扶责任人，期间记入本户帮扶责任人记录".to_string())
                }),
            today: state.today().to_string(),
        },
    ))
}

#[derive(Template)]
#[template(path = "registry/household_edit.html")]
struct EditPage {
    frame: Frame,
    csrf: String,
    /// The pack's name for a monitored household (2026: 防止返贫致贫对象).
    object_name: String,
    code: String,
    form: registry::EditForm,
    phone_masked: String,
    /// What a refused save named, each problem beside its field (the values are `form`'s).
    typed: crate::forms::Typed,
}

pub async fn edit_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
) -> Page {
    let actor = &session.auth.actor;
    if let Err(e) = dixian_app::accounts::require(
        state.store.as_ref(),
        actor,
        dixian_domain::access::Permission::EditRegistry,
        &code,
    )
    .await
    {
        return Err(e.into());
    }
    Ok(
        match registry::household(state.store.as_ref(), actor, &code, state.today()).await {
            Ok(v) => render(
                StatusCode::OK,
                &EditPage {
                    frame: session.frame(&state),
                    csrf: session.auth.csrf.clone(),
                    object_name: dixian_app::policy::object_name(
                        state.store.as_ref(),
                        code.get(..12).unwrap_or("500000000000"),
                        state.today(),
                    )
                    .await,
                    code: v.detail.summary.code.to_string(),
                    form: registry::EditForm::of(&v.detail),
                    phone_masked: v.detail.summary.phone_masked.clone().unwrap_or_default(),
                    typed: crate::forms::Typed::default(),
                },
            ),
            Err(e) => return Err(e.into()),
        },
    )
}

#[derive(Deserialize)]
pub struct EditFields {
    #[serde(default)]
    group_no: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    household_type: String,
    relocated: Option<String>,
    dibao: Option<String>,
    tekun: Option<String>,
    monitored: Option<String>,
    #[serde(default)]
    reason: String,
}

pub async fn edit_submit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    posted: Posted,
) -> Page {
    let f: EditFields = posted.parse()?;
    let form = registry::EditForm {
        group_no: f.group_no,
        address: f.address,
        phone: f.phone,
        household_type: f.household_type,
        relocated: f.relocated.is_some(),
        dibao: f.dibao.is_some(),
        tekun: f.tekun.is_some(),
        monitored: f.monitored.is_some(),
        reason: f.reason,
    };
    Ok(
        match registry::edit(state.store.as_ref(), &session.auth.actor, &code, &form).await {
            Ok(changes) => axum::response::Redirect::to(&format!(
                "/households/{code}?changed={}",
                changes.len()
            ))
            .into_response(),
            Err(
                e @ (AppError::Invalid(_)
                | AppError::Fields(_)
                | AppError::Store(dixian_store::StoreError::Invalid(_))),
            ) => {
                // Show the number on record again, masked, beside the form being corrected.
                let phone_masked = registry::household(
                    state.store.as_ref(),
                    &session.auth.actor,
                    &code,
                    state.today(),
                )
                .await
                .ok()
                .and_then(|v| v.detail.summary.phone_masked)
                .unwrap_or_default();
                render(
                    StatusCode::BAD_REQUEST,
                    &EditPage {
                        frame: session.frame(&state),
                        csrf: session.auth.csrf.clone(),
                        object_name: dixian_app::policy::object_name(
                            state.store.as_ref(),
                            code.get(..12).unwrap_or("500000000000"),
                            state.today(),
                        )
                        .await,
                        code: code.clone(),
                        phone_masked,
                        form,
                        typed: crate::forms::Typed::refused("edit", &[], &e),
                    },
                )
            }
            Err(e) => return Err(e.into()),
        },
    )
}

#[derive(Deserialize)]
pub struct StatusFields {
    #[serde(default)]
    member: i64,
    #[serde(default)]
    status: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    reason: String,
}

pub async fn member_status(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    posted: Posted,
) -> Page {
    let code = code.trim().to_string();
    let f: StatusFields = posted.parse()?;
    Ok(
        match registry::change_status(
            state.store.as_ref(),
            &session.auth.actor,
            &code,
            f.member,
            &f.status,
            &f.date,
            &f.reason,
        )
        .await
        {
            Ok(()) => axum::response::Redirect::to(&format!("/households/{code}?changed=1"))
                .into_response(),
            Err(e) => return Err(e.into()),
        },
    )
}

/// `POST /households/{code}/cadres/{user}/end`: 解除帮扶责任人 on a day, for a reason; a
/// refused form comes back on the household's page beside the cadre it was about.
pub async fn release_cadre(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path((code, user)): Path<(String, i64)>,
    posted: Posted,
) -> Page {
    // The code as parsed goes into the redirect, never a stray byte of the address.
    let code = code.trim().to_string();
    let f: dixian_app::cadres::EndForm = posted.parse()?;
    match dixian_app::cadres::release_cadre(
        state.store.as_ref(),
        &session.auth.actor,
        &code,
        user,
        &f,
        state.today(),
    )
    .await
    {
        Ok(()) => Ok(axum::response::Redirect::to(&format!(
            "/households/{code}?released=1#cadres"
        ))
        .into_response()),
        Err(e) if crate::forms::correctable(&e) => {
            let typed =
                crate::forms::Typed::refused(&format!("release-{user}"), posted.fields(), &e);
            let back = (crate::error::status_of(&e).0, typed);
            household_page(&state, &session, &code, &ShowParams::default(), Some(back)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The ledger of the list's current filter, as CSV or XLSX, masked.
pub async fn export(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(file): Path<String>,
    Query(p): Query<ListParams>,
) -> Page {
    export_file(&state, &session, &file, p, None).await
}

/// The same ledger with the heads' ID numbers in full: posted with a reason, never a link.
pub async fn export_revealed(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(file): Path<String>,
    Query(p): Query<ListParams>,
    posted: Posted,
) -> Page {
    let f: RevealFields = posted.parse()?;
    export_file(&state, &session, &file, p, Some(f.reason)).await
}

/// Writes the ledger to a temporary file and streams it from there, so a county-wide export
/// never sits in memory.
async fn export_file(
    state: &AppState,
    session: &Session,
    file: &str,
    p: ListParams,
    reveal: Option<String>,
) -> Page {
    use dixian_app::registry::ledger::{self, FileKind};
    let (state, session) = (state.clone(), session.clone());
    let format = match file {
        "export.csv" => FileKind::Csv,
        "export.xlsx" => FileKind::Xlsx,
        _ => {
            let e = AppError::NotFound("没有这个页面，请检查网址".into());
            return Err(e.into());
        }
    };
    let tmp = match tempfile::NamedTempFile::new() {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "无法创建临时文件");
            let e = AppError::Invalid(vec!["服务器无法创建临时文件，请联系管理员".into()]);
            return Err(e.into());
        }
    };
    let writer = match tmp.reopen() {
        Ok(f) => std::io::BufWriter::new(f),
        Err(e) => {
            tracing::error!(error = %e, "无法写入临时文件");
            let e = AppError::Invalid(vec!["服务器无法写入临时文件，请联系管理员".into()]);
            return Err(e.into());
        }
    };
    let mut q = p.query(state.today());
    q.page = 1;
    if let Err(e) = ledger::export(
        state.store.as_ref(),
        &session.auth.actor,
        &q,
        format,
        reveal.as_deref(),
        writer,
        |_| {},
    )
    .await
    {
        return Err(e.into());
    }
    let file = match tokio::fs::File::open(tmp.path()).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "无法读取导出文件");
            let e = AppError::Invalid(vec!["服务器无法读取导出文件，请联系管理员".into()]);
            return Err(e.into());
        }
    };
    // The open handle keeps the data readable after the temporary name is removed.
    drop(tmp);
    let (mime, ext) = match format {
        FileKind::Csv => (crate::frame::CSV, "csv"),
        FileKind::Xlsx => (crate::frame::XLSX, "xlsx"),
    };
    let name = format!("户籍台账_{}.{ext}", state.today().format("%Y%m%d"));
    let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok(crate::frame::download(
        body,
        mime,
        &format!("ledger.{ext}"),
        &name,
    ))
}

/// 走访 of a household outside any case (a 脱贫户), from the household page; a refused form
/// comes back on that page with everything typed and the photos kept.
pub async fn household_visit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    posted: Result<Posted, crate::error::PageError>,
) -> Page {
    let code = code.trim().to_string();
    let mut posted = match posted {
        Ok(p) => p,
        Err(crate::error::PageError::App(e)) if crate::forms::correctable(&e) => {
            let typed = crate::forms::Typed::refused("visit-form", &[], &e);
            let back = (crate::error::status_of(&e).0, typed);
            return household_page(&state, &session, &code, &ShowParams::default(), Some(back))
                .await;
        }
        Err(refused) => return Err(refused),
    };
    let photos = posted.take_files();
    let fields = posted.fields();
    let f = crate::views::visit_form(fields);
    match dixian_app::monitoring::record_household_visit(
        state.store.as_ref(),
        &session.auth.actor,
        &code,
        &f,
        photos,
        state.today(),
    )
    .await
    {
        Ok(_) => Ok(
            axum::response::Redirect::to(&format!("/households/{code}?visited=1")).into_response(),
        ),
        Err(r) if crate::forms::correctable(&r.error) => {
            let typed = crate::forms::Typed::refused("visit-form", fields, &r.error)
                .keeping(crate::views::kept_of(r.kept));
            let back = (crate::error::status_of(&r.error).0, typed);
            household_page(&state, &session, &code, &ShowParams::default(), Some(back)).await
        }
        Err(r) => Err(r.error.into()),
    }
}
