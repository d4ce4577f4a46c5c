//! Cases (监测案件): the list with the dashboard's filters, a case with its step forms, cadre
//! and measures, attachments, and the printable case file. Handlers translate HTTP to
//! `dixian_app::monitoring` and back.

use crate::AppState;
use crate::error::PageError;
use crate::error::{Page, status_of};
use crate::forms::Posted;
use crate::forms::{Typed, correctable, field, stored_file};
use crate::frame::{Frame, render};
use crate::links::{DrillQuery, case_link};
use crate::monitoring::leads::{LeadRow, lead_row};
use crate::monitoring::{all, version_of};
use crate::session::Session;
use crate::views::visit_view;
use crate::views::{Due, VisitView, due_of};
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Redirect;
use chrono::NaiveDate;
use dixian_app::AppError;
use dixian_app::monitoring as flow;
use dixian_app::monitoring::{CaseView, StepForm};
use dixian_domain::access::{Actor, Permission};
use dixian_domain::monitoring::{
    ActionKind, AttachmentKind, CaseState, MeasureStatus, Phase, available, check_role,
    measure_type_name, risk_type_names,
};
use dixian_domain::policy::Policy;
use dixian_store::{CaseFilter, CaseSummary};
use serde::Deserialize;

/// Cases on one page of the list.
const CASE_PAGE: i64 = 200;

pub(crate) struct CaseRow {
    pub id: i64,
    /// The version the list shows, carried by a ticked box of a bulk action.
    pub version: i64,
    pub household: String,
    pub head: String,
    pub village: String,
    pub state: &'static str,
    pub since: String,
    pub due: Due,
    pub green: bool,
    pub people: i64,
}

fn case_row(c: &CaseSummary, today: NaiveDate, cal: &dixian_domain::WorkCalendar) -> CaseRow {
    let late = flow::overdue_working_days(cal, c.case.due_on, today);
    CaseRow {
        id: c.case.id,
        version: c.case.version,
        household: c.case.household.as_str().to_string(),
        head: c.head_name.clone(),
        village: c.village_name.clone(),
        state: c.case.state.label(),
        since: c.case.step_since.to_string(),
        due: due_of(c.case.due_on, late, today),
        green: c.case.green_channel_on.is_some(),
        people: c.people,
    }
}

#[derive(Template)]
#[template(path = "monitoring/cases.html")]
struct CasesPage {
    frame: Frame,
    csrf: String,
    rows: Vec<CaseRow>,
    states: Vec<(&'static str, &'static str)>,
    /// The state select's value: one code, or several from a dashboard figure.
    state: String,
    /// A dashboard figure's several states, offered as the select's own option.
    state_group: Option<String>,
    household: String,
    /// The searched words (a name or part of a code).
    q: String,
    overdue: bool,
    /// The day overdue is judged on, carried by the bulk form.
    overdue_on: String,
    /// The drill-down parameters the form carries along unchanged.
    carried: Vec<(&'static str, String)>,
    /// The designation chosen (empty: all) and the pack's kinds, (code, name).
    designation: String,
    designations: Vec<(String, String)>,
    /// The filter in words, and the whole list's totals.
    words: Vec<String>,
    households: String,
    people: String,
    page: i64,
    pages: i64,
    /// This address without its page, for the paging links.
    base: String,
    /// The list as a file, for those who may export.
    export: Option<String>,
    /// A wrong filter or ID number, said above the list.
    error: Option<String>,
    /// The 帮扶责任人 the actor may assign to ticked cases (none: no bulk form).
    cadres: Vec<(i64, String)>,
    /// What a bulk assignment did, and each case it could not.
    bulk_done: Option<String>,
    bulk_refused: Vec<String>,
    /// The bulk form as typed, kept when it is refused.
    typed: Typed,
}

/// What the list page shows besides the list: an error and a bulk result.
#[derive(Default)]
struct CasesExtra {
    id_number: Option<dixian_domain::id_number::IdNumber>,
    error: Option<(StatusCode, String)>,
    bulk: Option<(String, Vec<String>)>,
    typed: Typed,
}

pub async fn cases(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<DrillQuery>,
) -> Page {
    cases_page(&state, &session, &q, CasesExtra::default()).await
}

/// `POST /cases/find`: the cases of the household of a member with the posted ID number (a
/// POST: the number stays out of addresses, history and logs).
pub async fn find(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let extra = match crate::forms::posted_id_number(&posted, state.today()) {
        Ok(id) => CasesExtra {
            id_number: Some(id),
            ..CasesExtra::default()
        },
        Err(e) => CasesExtra {
            error: Some((StatusCode::BAD_REQUEST, e)),
            ..CasesExtra::default()
        },
    };
    cases_page(&state, &session, &DrillQuery::default(), extra).await
}

/// `POST /cases/cadres`: one 帮扶责任人 for every ticked case (明确帮扶责任人), each a step in
/// its own history; the list again with what was done and each case that could not be.
pub async fn bulk_cadre(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    // Each ticked case as "id:version", the version the list showed.
    let picks: Vec<(i64, i64)> = posted
        .fields()
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| {
            let (id, version) = v.trim().split_once(':')?;
            Some((id.parse().ok()?, version.parse().ok()?))
        })
        .collect();
    let f = cadre_form(&posted, 0);
    let result = flow::assign_cadres(
        state.store.as_ref(),
        &session.auth.actor,
        &picks,
        &f,
        state.today(),
    )
    .await;
    let mut extra = CasesExtra::default();
    match result {
        Ok(outcome) => {
            let done: Vec<String> = outcome
                .decided
                .iter()
                .map(|(id, _)| format!("#{id}"))
                .collect();
            let mut said = format!("已为{}个案件明确帮扶责任人", done.len());
            if !done.is_empty() {
                said.push_str(&format!("（{}）", done.join("、")));
            }
            if outcome.refused.is_empty() {
                said.push('。');
            } else {
                said.push_str(&format!("；{}个未能指派：", outcome.refused.len()));
            }
            let refused = outcome
                .refused
                .iter()
                .map(|(id, why)| format!("案件#{id}：{why}"))
                .collect();
            extra.bulk = Some((said, refused));
        }
        Err(e) if correctable(&e) => {
            extra.typed = Typed::refused("cases-bulk", posted.fields(), &e);
            extra.error = Some((status_of(&e).0, String::new()));
        }
        Err(e) => return Err(e.into()),
    }
    // The list the boxes were ticked on, again.
    let q = DrillQuery {
        state: posted.get("state"),
        area: posted.get("area"),
        household: posted.get("household"),
        overdue: posted.get("overdue"),
        category: posted.get("category"),
        risk: posted.get("risk"),
        approved: posted.get("approved"),
        eliminated: posted.get("eliminated"),
        q: posted.get("q"),
        page: posted.get("page"),
        designation: posted.get("designation"),
    };
    cases_page(&state, &session, &q, extra).await
}

/// The filtered case list as CSV (every page; audited; for those who export ledgers).
pub async fn export(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<DrillQuery>,
) -> Page {
    let filter = q
        .filter(state.today(), CASE_PAGE)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let csv = flow::case_export::export_cases(
        state.store.as_ref(),
        &session.auth.actor,
        &filter,
        state.today(),
    )
    .await?;
    Ok(crate::frame::download(
        csv,
        crate::frame::CSV,
        &format!("cases-{}.csv", state.today()),
        &format!("案件清单-{}.csv", state.today()),
    ))
}

async fn cases_page(
    state: &AppState,
    session: &Session,
    q: &DrillQuery,
    extra: CasesExtra,
) -> Page {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let day = state.today();
    let (mut code, mut error) = match extra.error {
        Some((c, m)) => (c, (!m.is_empty()).then_some(m)),
        None => (StatusCode::OK, None),
    };
    // A wrong filter is said above the list, which then shows every case in the area.
    let mut filter = match q.filter(day, CASE_PAGE) {
        Ok(f) => f,
        Err(e) => {
            code = StatusCode::BAD_REQUEST;
            error = Some(e);
            CaseFilter {
                limit: CASE_PAGE,
                ..CaseFilter::default()
            }
        }
    };
    if extra.id_number.is_some() {
        filter = CaseFilter {
            id_number: extra.id_number,
            limit: CASE_PAGE,
            ..CaseFilter::default()
        };
    }
    let (list, cal, sel) = tokio::try_join!(
        async { Ok::<_, AppError>(store.cases(actor, &filter).await?) },
        async { Ok(store.calendar().await?) },
        dixian_app::dashboard::selection(store, actor, &filter),
    )?;
    let base = case_link(&filter);
    let carried = [
        ("area", &q.area),
        ("category", &q.category),
        ("risk", &q.risk),
        ("approved", &q.approved),
        ("eliminated", &q.eliminated),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| (k, v.trim().to_string()))
    .collect();
    let state_codes: Vec<&str> = filter.states.iter().map(|s| s.code()).collect();
    let by_id = filter.id_number.is_some();
    let (bulk_done, bulk_refused) = match extra.bulk {
        Some((d, r)) => (Some(d), r),
        None => (None, Vec::new()),
    };
    Ok(render(
        code,
        &CasesPage {
            frame: session.frame(state),
            csrf: session.auth.csrf.clone(),
            rows: list.iter().map(|c| case_row(c, day, &cal)).collect(),
            states: CaseState::ALL
                .iter()
                .map(|s| (s.code(), s.label()))
                .collect(),
            state: state_codes.join(","),
            state_group: (state_codes.len() > 1).then(|| state_codes.join(",")),
            household: q.household.trim().to_string(),
            q: filter.text.clone(),
            overdue: filter.overdue_on.is_some(),
            overdue_on: filter.overdue_on.map(|d| d.to_string()).unwrap_or_default(),
            carried,
            designation: filter
                .designation
                .as_ref()
                .map(|d| d.0.clone())
                .unwrap_or_default(),
            designations: dixian_app::villages::designation_kinds(store, actor, day).await,
            words: sel.words,
            households: dixian_app::dashboard::grouped(sel.households),
            people: dixian_app::dashboard::grouped(sel.people),
            page: filter.offset / CASE_PAGE + 1,
            pages: ((sel.households + CASE_PAGE - 1) / CASE_PAGE).max(1),
            export: (actor.may(Permission::ExportLedger) && !by_id)
                .then(|| base.replacen("/cases?", "/cases/export.csv?", 1)),
            base,
            error,
            cadres: cadre_choices(state, actor).await,
            bulk_done,
            bulk_refused,
            typed: extra.typed,
        },
    ))
}

pub(crate) struct EventView {
    pub on: String,
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub change: String,
    pub comment: String,
    pub details: Vec<(String, String)>,
    pub flags: Vec<String>,
    pub timing: String,
    pub late: bool,
}

pub(crate) struct AttachmentView {
    pub id: i64,
    pub kind: &'static str,
    pub name: String,
    pub size: String,
    pub at: String,
    pub by: String,
}

/// The case's facts in reading order, for its page and its printed file.
fn facts(view: &CaseView) -> Vec<(String, String)> {
    let c = &view.file.summary.case;
    let p = &view.policy;
    let mut out = vec![
        ("户编号".to_string(), c.household.as_str().to_string()),
        ("户主".into(), view.file.summary.head_name.clone()),
        ("所在村".into(), view.file.summary.village_name.clone()),
        ("案件状态".into(), c.state.label().into()),
        ("发现日期".into(), c.discovered_on.to_string()),
        ("受理日期".into(), c.opened_on.to_string()),
        (
            "识别认定时限".into(),
            format!("{}（{}）", c.identification_due, p.deadlines.identification),
        ),
    ];
    if c.state.step().is_some() {
        out.push(("本环节开始".into(), c.step_since.to_string()));
        // No empty labels: a step without a limit in the pack says so.
        out.push((
            "本环节时限".into(),
            c.due_on
                .map_or_else(|| "政策包未规定本环节时限".to_string(), |d| d.to_string()),
        ));
    }
    if let Some(paused) = c.paused_on {
        out.push(("时限暂停".into(), format!("{paused}起因公示异议暂停")));
    }
    if let (Some(from), Some(until)) = (c.notice_from, c.notice_until) {
        out.push((
            "公示期".into(),
            format!("{from}至{}", until.pred_opt().unwrap_or(until)),
        ));
    }
    if let Some(name) = &view.category_name {
        out.push(("对象类别".into(), name.clone()));
    }
    if !c.risk_types.is_empty() {
        out.push(("风险类型".into(), risk_type_names(p, &c.risk_types)));
    }
    if let Some(g) = c.green_channel_on {
        out.push(("绿色通道".into(), format!("{g}启用，先行帮扶")));
    } else if let Some(a) = c.green_channel_proposed_on {
        out.push(("绿色通道".into(), format!("{a}经村级研判提请，待乡镇同意")));
    }
    if let Some(a) = c.approved_on {
        out.push(("纳入监测日期".into(), a.to_string()));
    }
    if let Some(d) = c.cadre_due {
        out.push((
            "明确帮扶责任人时限".into(),
            format!(
                "{d}{}",
                if view.file.summary.has_cadre {
                    "（已明确）"
                } else {
                    ""
                }
            ),
        ));
    }
    if let Some(d) = c.plan_due {
        out.push(("制定帮扶计划时限".into(), d.to_string()));
    }
    if let Some(m) = &c.elimination_mode {
        let name = p
            .elimination_modes
            .iter()
            .find(|i| &i.code == m)
            .map_or(m.as_str(), |i| i.name.as_str());
        out.push(("消除方式".into(), name.to_string()));
    }
    if let Some(e) = c.eliminated_on {
        out.push(("风险消除日期".into(), e.to_string()));
    }
    if let Some(r) = &c.closed_reason {
        out.push(("不予纳入理由".into(), r.clone()));
    }
    out
}

fn events(view: &CaseView) -> Vec<EventView> {
    view.file
        .events
        .iter()
        .map(|r| {
            let e = &r.event;
            let change = match e.from {
                Some(f) if f != e.to => format!("{} → {}", f.label(), e.to.label()),
                None => format!("→ {}", e.to.label()),
                _ => String::new(),
            };
            let (timing, late) = match (e.due_on, e.on_time()) {
                (Some(d), Some(true)) => (format!("按时（时限{d}）"), false),
                (Some(d), Some(false)) => (format!("超时（时限{d}）"), true),
                _ => (String::new(), false),
            };
            EventView {
                on: e.on.to_string(),
                at: dixian_app::beijing_minute(r.at),
                actor: r.actor.clone(),
                action: e.action.label(),
                change,
                comment: e.comment.clone(),
                details: e.details.clone(),
                flags: e.flags.clone(),
                timing,
                late,
            }
        })
        .collect()
}

fn attachments(view: &CaseView) -> Vec<AttachmentView> {
    view.file
        .attachments
        .iter()
        .map(|a| AttachmentView {
            id: a.id,
            kind: a.kind.label(),
            name: a.name.clone(),
            size: format!("{:.1} KB", a.size as f64 / 1024.0),
            at: dixian_app::beijing_minute(a.uploaded_at),
            by: a.uploaded_by.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "monitoring/case.html")]
struct CasePage {
    frame: Frame,
    csrf: String,
    /// Whether the files may be opened (the viewer sees that they exist, not them).
    open_files: bool,
    id: i64,
    version: i64,
    household: String,
    village: String,
    state: &'static str,
    elimination: bool,
    in_notice: bool,
    notice_from: String,
    facts: Vec<(String, String)>,
    flags: Vec<String>,
    actions: Vec<ActionKind>,
    risks: Vec<(String, String, bool)>,
    categories: Vec<(String, String, bool)>,
    /// The village's assessment date of a green-channel proposal awaiting the town.
    green_proposed: String,
    /// Exclusion rules the verifiers may tick at the visit: (code, name).
    exclusion_choices: Vec<(String, String)>,
    /// What the departments' data and the registry show before the visit (信息比对).
    department_hits: Vec<String>,
    /// Exclusion rules the verification found, for the deliberation: (code, name, may the
    /// assembly admit the household despite it).
    exclusion_hits: Vec<(String, String, bool)>,
    modes: Vec<(String, String)>,
    events: Vec<EventView>,
    leads: Vec<LeadRow>,
    attachments: Vec<AttachmentView>,
    consents: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    done: Option<String>,
    /// What was typed into a refused form, with its problems.
    typed: Typed,
    today: String,
    may_attach: bool,
    assisting: bool,
    gaps: Vec<String>,
    measures: Vec<MeasureView>,
    measure_types: Vec<(String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    cadres: Vec<(i64, String)>,
    visits: Vec<VisitView>,
    /// The pack's cadence in words, and the periods missed or open.
    cadence: String,
    missed: Vec<String>,
    open_period: Option<String>,
}

pub(crate) struct MeasureView {
    pub id: i64,
    /// The element id of its update form.
    pub form: String,
    pub type_name: String,
    pub content: String,
    pub unit: String,
    pub period: String,
    pub amount: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub effect: String,
    pub type_code: String,
    pub end_on: String,
}

impl CasePage {
    fn can(&self, code: &str) -> bool {
        self.actions.iter().any(|a| a.code() == code)
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

fn done_message(code: &str) -> Option<String> {
    match code {
        "" => None,
        "attached" => Some("该户已有在办案件，新线索已并入本案件".into()),
        "open" => Some("已受理立案，请在时限内入户核实".into()),
        "file" => Some("附件已上传".into()),
        "visit" => Some("走访记录已保存".into()),
        other => ActionKind::parse(other).map(|k| format!("已办理：{}", k.label())),
    }
}

fn case_page(
    state: &AppState,
    session: &Session,
    view: &CaseView,
    cadres: Vec<(i64, String)>,
    error: Option<String>,
    done: Option<String>,
    typed: Typed,
) -> CasePage {
    let c = &view.file.summary.case;
    let actor: &Actor = &session.auth.actor;
    let actions: Vec<ActionKind> = available(c)
        .into_iter()
        .filter(|k| check_role(actor.role, *k, c.state).is_ok())
        .collect();
    let p: &Policy = &view.policy;
    let day = state.today();
    let flags = view
        .file
        .events
        .iter()
        .flat_map(|e| e.event.flags.iter().cloned())
        .collect();
    CasePage {
        frame: session.frame(state),
        csrf: session.auth.csrf.clone(),
        open_files: actor.may(dixian_domain::access::Permission::HandleCases),
        id: c.id,
        version: c.version,
        household: c.household.as_str().to_string(),
        village: view.file.summary.village.to_string(),
        state: c.state.label(),
        elimination: c
            .state
            .step()
            .is_some_and(|(ph, _)| ph == Phase::Elimination),
        in_notice: matches!(c.state, CaseState::Notice | CaseState::ExitNotice),
        notice_from: c.notice_from.map(|d| d.to_string()).unwrap_or_default(),
        facts: facts(view),
        flags,
        actions,
        risks: p
            .risk_types
            .iter()
            .flat_map(|r| {
                std::iter::once((r.code.clone(), r.name.clone())).chain(
                    r.subtypes
                        .iter()
                        .map(|s| (s.code.clone(), format!("{}：{}", r.name, s.name))),
                )
            })
            .map(|(code, name)| {
                let on = c.risk_types.contains(&code);
                (code, name, on)
            })
            .collect(),
        exclusion_choices: p
            .exclusions
            .rule
            .iter()
            .filter(|r| r.found_at_visit)
            .map(|r| (r.code.clone(), r.name.clone()))
            .collect(),
        department_hits: view.department_hits.clone(),
        exclusion_hits: c
            .exclusion_hits
            .iter()
            .map(|code| match p.exclusions.get(code) {
                Some(r) => (code.clone(), r.name.clone(), r.assembly_may_override),
                None => (code.clone(), code.clone(), false),
            })
            .collect(),
        green_proposed: c
            .green_channel_proposed_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
        categories: p
            .object_categories
            .iter()
            .map(|i| {
                (
                    i.code.clone(),
                    i.name.clone(),
                    c.category.as_ref().or(view.suggested_category.as_ref()) == Some(&i.code),
                )
            })
            .collect(),
        modes: p
            .elimination_modes
            .iter()
            .map(|i| (i.code.clone(), i.name.clone()))
            .collect(),
        events: events(view),
        leads: view
            .file
            .leads
            .iter()
            .map(|l| {
                lead_row(
                    &flow::PendingLead {
                        lead: l.clone(),
                        accept_by: l.received_on,
                    },
                    day,
                )
            })
            .collect(),
        attachments: attachments(view),
        consents: view
            .file
            .attachments
            .iter()
            .filter(|a| a.kind == AttachmentKind::Consent)
            // Newest first: a consent kept from a refused form is the one to use.
            .rev()
            .map(|a| (a.id, a.name.clone()))
            .collect(),
        kinds: AttachmentKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        error,
        done,
        typed,
        today: day.to_string(),
        may_attach: actor.may(Permission::HandleCases),
        assisting: c.assisting(),
        gaps: view.gaps.clone(),
        measures: view
            .file
            .measures
            .iter()
            .map(|m| MeasureView {
                id: m.id,
                form: format!("measure-{}", m.id),
                type_name: measure_type_name(p, &m.type_code).to_string(),
                content: m.content.clone(),
                unit: m.unit.clone(),
                period: match m.end_on {
                    Some(e) => format!("{}至{e}", m.start_on),
                    None => format!("{}起", m.start_on),
                },
                amount: m.amount.grouped(),
                status: m.status.label(),
                status_code: m.status.code(),
                effect: m.effect.clone(),
                type_code: m.type_code.clone(),
                end_on: m.end_on.map(|d| d.to_string()).unwrap_or_default(),
            })
            .collect(),
        measure_types: p
            .measure_types
            .iter()
            .map(|t| (t.code.clone(), t.name.clone()))
            .collect(),
        statuses: MeasureStatus::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        cadres,
        visits: view.visits.iter().map(visit_view).collect(),
        cadence: format!(
            "纳入后每{}个月至少走访1次",
            p.visits.monitored_every_months.max(1)
        ),
        missed: view
            .visit_periods
            .iter()
            .filter(|x| x.missed(day))
            .map(|x| format!("{}至{}", x.from, x.until))
            .collect(),
        open_period: view
            .visit_periods
            .iter()
            .find(|x| x.open(day))
            .map(|x| format!("本期（{}至{}）尚未走访", x.from, x.until)),
    }
}

/// The 帮扶责任人 accounts the actor may assign, as (id, name and place); none for those who
/// do not assign.
async fn cadre_choices(state: &AppState, actor: &Actor) -> Vec<(i64, String)> {
    if check_role(actor.role, ActionKind::AssignCadre, CaseState::Monitored).is_err() {
        return Vec::new();
    }
    match state.store.assistance_cadres(actor).await {
        Ok(list) => list
            .into_iter()
            .map(|c| (c.id, format!("{}（{}）", c.display_name, c.username)))
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "帮扶责任人列表读取失败");
            Vec::new()
        }
    }
}

pub(super) async fn show_case(
    state: &AppState,
    session: &Session,
    id: i64,
    error: Option<(StatusCode, String)>,
    done: Option<String>,
    typed: Typed,
) -> Page {
    Ok(
        match flow::case_view(state.store.as_ref(), &session.auth.actor, id, state.today()).await {
            Ok(view) => {
                let (code, message) = match error {
                    Some((c, m)) => (c, Some(m)),
                    None => (StatusCode::OK, None),
                };
                let cadres = cadre_choices(state, &session.auth.actor).await;
                render(
                    code,
                    &case_page(state, session, &view, cadres, message, done, typed),
                )
            }
            Err(e) => return Err(e.into()),
        },
    )
}

/// 明确帮扶责任人 as posted, for one case (its `version`) or many (0, each box its own).
fn cadre_form(posted: &Posted, version: i64) -> flow::CadreForm {
    flow::CadreForm {
        version,
        cadre: posted.get("cadre"),
        unit: posted.get("unit"),
        political: posted.get("political"),
        start: posted.get("start"),
    }
}

pub async fn cadre(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let f = cadre_form(&posted, version_of(posted.fields()));
    let result = flow::assign_cadre(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        state.today(),
    )
    .await
    .map(|_| ());
    after_step(
        &state,
        &session,
        id,
        Some(ActionKind::AssignCadre),
        result,
        "cadre",
        posted.fields(),
    )
    .await
}

pub async fn measure(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let f = flow::MeasureForm {
        version: version_of(posted.fields()),
        id: posted.get("measure"),
        type_code: posted.get("type_code"),
        content: posted.get("content"),
        unit: posted.get("unit"),
        start_on: posted.get("start_on"),
        end_on: posted.get("end_on"),
        amount: posted.get("amount"),
        status: posted.get("status"),
        effect: posted.get("effect"),
    };
    let result = flow::save_measure(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        state.today(),
    )
    .await
    .map(|_| ());
    // A new measure's form, or the row's own form of the measure updated.
    let form = match posted.get("measure").trim() {
        "" => form_of(ActionKind::RecordPlan),
        m => format!("measure-{m}"),
    };
    after_step(
        &state,
        &session,
        id,
        Some(ActionKind::RecordPlan),
        result,
        &form,
        posted.fields(),
    )
    .await
}

pub async fn case(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Page {
    show_case(
        &state,
        &session,
        id,
        None,
        done_message(&q.done),
        Typed::default(),
    )
    .await
}

fn step_form(fields: &[(String, String)]) -> StepForm {
    let flag = |name: &str| fields.iter().any(|(k, v)| k == name && !v.is_empty());
    StepForm {
        version: version_of(fields),
        on: field(fields, "on"),
        comment: field(fields, "comment"),
        visited_on: field(fields, "visited_on"),
        verifiers: field(fields, "verifiers"),
        consent_attachment: field(fields, "consent_attachment"),
        risk_types: all(fields, "risk"),
        category: field(fields, "category"),
        rigid_expenditure: field(fields, "rigid_expenditure"),
        exclusions: all(fields, "exclusion"),
        owns_commercial_housing: false,
        owns_vehicle: false,
        runs_business: false,
        stable_income_months: field(fields, "stable_income_months"),
        rigid_expenditure_resolved: flag("rigid_expenditure_resolved"),
        held_on: field(fields, "held_on"),
        attendees: field(fields, "attendees"),
        agreed: field(fields, "agreed") == "yes",
        notice_from: field(fields, "notice_from"),
        overrides: all(fields, "override"),
        mode: field(fields, "mode"),
    }
}

/// The element id of the case page's form for step `kind`: a refused form gets its values
/// and problems back there, and its `action` URL ends in `#` and this id so the answer opens
/// at the form.
pub(crate) fn form_of(kind: ActionKind) -> String {
    match kind {
        ActionKind::ProposeElimination => "propose".into(),
        ActionKind::RecordPlan => "measure-new".into(),
        other => other.code().replace('_', "-"),
    }
}

/// The answer to a posted case form: to the page with a confirmation, or back to the page
/// with everything typed into form `form` (its `fields`) and every problem.
pub(super) async fn after_step(
    state: &AppState,
    session: &Session,
    id: i64,
    kind: Option<ActionKind>,
    result: Result<(), AppError>,
    form: &str,
    fields: &[(String, String)],
) -> Page {
    Ok(match result {
        Ok(()) => Redirect::to(&format!(
            "/cases/{id}?done={}#case-done",
            kind.map_or("file", ActionKind::code)
        ))
        .into_response(),
        Err(e) if correctable(&e) => {
            let (code, _) = status_of(&e);
            let typed = Typed::refused(form, fields, &e);
            show_case(state, session, id, Some((code, e.to_string())), None, typed).await?
        }
        Err(e) => return Err(e.into()),
    })
}

pub async fn step(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let action = posted.get("action");
    let Some(kind) = ActionKind::parse(&action) else {
        let e = AppError::Invalid(vec![format!("办理环节“{action}”无效")]);
        return after_step(&state, &session, id, None, Err(e), "", &[]).await;
    };
    let result = flow::act(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        kind,
        &step_form(posted.fields()),
        state.today(),
    )
    .await
    .map(|_| ());
    after_step(
        &state,
        &session,
        id,
        Some(kind),
        result,
        &form_of(kind),
        posted.fields(),
    )
    .await
}

/// 入户核实, with the signed consent uploaded in the same form (or one already attached).
pub async fn verify(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Result<Posted, PageError>,
) -> Page {
    let mut posted = match posted {
        Ok(p) => p,
        Err(PageError::App(e)) => {
            return after_step(&state, &session, id, None, Err(e), "verify", &[]).await;
        }
        Err(refused) => return Err(refused),
    };
    let file = posted.take_file();
    let fields = posted.fields();
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let f = step_form(fields);
    let result = match file {
        Some((name, bytes)) => match flow::attachment("consent", &name, bytes).await {
            Ok(consent) => flow::verify_with_consent(store, actor, id, &f, consent, state.today())
                .await
                .map(|_| ()),
            // The file itself is wrong: say so beside the file field.
            Err(e) => Err(AppError::Fields(vec![("file", e.to_string())])),
        },
        None => flow::act(store, actor, id, ActionKind::Verify, &f, state.today())
            .await
            .map(|_| ()),
    };
    after_step(
        &state,
        &session,
        id,
        Some(ActionKind::Verify),
        result,
        "verify",
        fields,
    )
    .await
}

pub async fn upload(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Result<Posted, PageError>,
) -> Page {
    let mut posted = match posted {
        Ok(p) => p,
        Err(PageError::App(e)) => {
            return after_step(&state, &session, id, None, Err(e), "upload", &[]).await;
        }
        Err(refused) => return Err(refused),
    };
    let file = posted.take_file();
    let fields = posted.fields();
    let result = match file {
        None => Err(AppError::Invalid(vec!["请选择要上传的文件".into()])),
        Some((name, bytes)) => match flow::attachment(&field(fields, "kind"), &name, bytes).await {
            Ok(a) => state
                .store
                .add_attachment(&session.auth.actor, id, &a)
                .await
                .map(|_| ())
                .map_err(AppError::from),
            Err(e) => Err(e),
        },
    };
    after_step(&state, &session, id, None, result, "upload", fields).await
}

pub async fn download(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path((id, att)): Path<(i64, i64)>,
) -> Page {
    Ok(
        match state.store.attachment(&session.auth.actor, id, att).await {
            Ok(Some((meta, bytes))) => stored_file(
                bytes,
                &meta.content_type,
                &format!("case{id}-{att}"),
                &meta.name,
            ),
            Ok(None) => {
                return Err(AppError::NotFound(format!("案件#{id}没有附件#{att}")).into());
            }
            Err(e) => return Err(e.into()),
        },
    )
}

#[derive(Template)]
#[template(path = "monitoring/case_print.html")]
struct PrintPage {
    id: i64,
    facts: Vec<(String, String)>,
    events: Vec<EventView>,
    leads: Vec<LeadRow>,
    attachments: Vec<AttachmentView>,
    printed: String,
}

pub async fn print(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
) -> Page {
    Ok(
        match flow::case_view(state.store.as_ref(), &session.auth.actor, id, state.today()).await {
            Ok(view) => {
                let page = case_page(
                    &state,
                    &session,
                    &view,
                    Vec::new(),
                    None,
                    None,
                    Typed::default(),
                );
                render(
                    StatusCode::OK,
                    &PrintPage {
                        id,
                        facts: page.facts,
                        events: page.events,
                        leads: page.leads,
                        attachments: page.attachments,
                        printed: state.today().to_string(),
                    },
                )
            }
            Err(e) => return Err(e.into()),
        },
    )
}
