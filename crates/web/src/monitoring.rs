//! Pages of the monitoring workflow for staff: the work list (我的待办), leads (线索), cases
//! with their step forms, attachments, the printable village notice (公示) and the printable
//! case file. Handlers translate HTTP to `dixian_app::monitoring` and back.

use crate::error::{error_page, status_of};
use crate::forms::{
    correctable, field, guard, multipart, multipart_files, stored_file, stored_or_missing,
};
use crate::session::Session;
use crate::session::url_escape;
use crate::{AppState, Frame, render};
use askama::Template;
use axum::Extension;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use dixian_app::monitoring::{self as flow, CaseView, LeadForm, StepForm, WorkList};
use dixian_app::{AppError, today};
use dixian_domain::access::{Actor, Permission};
use dixian_domain::division::DivisionCode;
use dixian_domain::monitoring::{
    ActionKind, AttachmentKind, CaseState, Channel, MeasureStatus, Phase, available, check_role,
    measure_type_name, risk_type_names,
};
use dixian_domain::policy::Policy;
use dixian_store::{CaseFilter, CaseSummary, LeadFilter, files::MAX_ATTACHMENT_BYTES};
use serde::Deserialize;

/// Largest multipart body of the attachment forms: one file plus the fields.
pub const UPLOAD_LIMIT: usize = MAX_ATTACHMENT_BYTES + 256 * 1024;

/// Largest body of the visit form: its photos plus the fields.
pub const VISIT_UPLOAD_LIMIT: usize =
    dixian_store::visits::MAX_VISIT_PHOTOS * MAX_ATTACHMENT_BYTES + 256 * 1024;

/// The case version a form was drawn from; a missing one never matches (-1).
fn version_of(fields: &[(String, String)]) -> i64 {
    field(fields, "version").trim().parse().unwrap_or(-1)
}

fn all(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// A date with how it stands against today: 逾期N个工作日, 今日到期, or nothing.
pub(crate) struct Due {
    pub date: String,
    pub late: bool,
    pub note: String,
}

fn due_of(date: Option<NaiveDate>, overdue_working_days: i64, today: NaiveDate) -> Due {
    match date {
        None => Due {
            date: String::new(),
            late: false,
            note: String::new(),
        },
        Some(d) => Due {
            date: d.to_string(),
            late: overdue_working_days > 0,
            note: if overdue_working_days > 0 {
                format!("逾期{overdue_working_days}个工作日")
            } else if d == today {
                "今日到期".into()
            } else {
                String::new()
            },
        },
    }
}

pub(crate) struct HouseholdRow {
    pub code: String,
    pub head: String,
    pub task: String,
    pub due: Due,
}

pub(crate) struct ItemRow {
    pub case_id: i64,
    pub household: String,
    pub head: String,
    pub village: String,
    pub task: String,
    pub due: Due,
}

pub(crate) struct LeadRow {
    pub id: i64,
    pub received_on: String,
    pub channel: &'static str,
    pub village: String,
    pub household: String,
    pub who: String,
    pub reason: String,
    /// What backs it: for a screening warning, the numbers compared.
    pub evidence: String,
    pub source: String,
    pub status: &'static str,
    pub pending: bool,
    pub accept_by: Due,
    pub case_id: Option<i64>,
    pub note: String,
}

fn lead_row(p: &flow::PendingLead, today: NaiveDate) -> LeadRow {
    let l = &p.lead;
    let pending = l.status == dixian_domain::monitoring::LeadStatus::Pending;
    let late = pending && p.accept_by < today;
    LeadRow {
        id: l.id,
        received_on: l.received_on.to_string(),
        channel: l.channel.label(),
        village: l.village.to_string(),
        household: l
            .household
            .as_ref()
            .map(|h| h.as_str().to_string())
            .unwrap_or_default(),
        who: match (&l.applicant_name, &l.applicant_id_masked) {
            (Some(n), Some(id)) => format!("{n}（{id}）"),
            (Some(n), None) => n.clone(),
            _ => String::new(),
        },
        reason: l.reason.clone(),
        evidence: l.evidence.clone(),
        source: l.source.clone(),
        status: l.status.label(),
        pending,
        accept_by: Due {
            date: if pending {
                p.accept_by.to_string()
            } else {
                String::new()
            },
            late,
            note: if late {
                "已超过受理时限".into()
            } else {
                String::new()
            },
        },
        case_id: l.case_id,
        note: l.decision_note.clone().unwrap_or_default(),
    }
}

pub(crate) fn item_rows(list: &WorkList, today: NaiveDate) -> Vec<ItemRow> {
    list.items
        .iter()
        .map(|i| ItemRow {
            case_id: i.case.case.id,
            household: i.case.case.household.as_str().to_string(),
            head: i.case.head_name.clone(),
            village: i.case.village_name.clone(),
            task: i.task.clone(),
            due: due_of(i.due, i.overdue_working_days, today),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "work.html")]
struct WorkPage {
    frame: Frame,
    households: Vec<HouseholdRow>,
    today: String,
    items: Vec<ItemRow>,
    leads: Vec<LeadRow>,
    overdue: usize,
}

pub async fn work(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
) -> Response {
    let day = today();
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
                items: item_rows(&list, day),
                leads: list.leads.iter().map(|l| lead_row(l, day)).collect(),
            },
        ),
        Err(e) => error_page(&state, Some(&session), &e),
    }
}

#[derive(Template)]
#[template(path = "leads.html")]
struct LeadsPage {
    frame: Frame,
    csrf: String,
    today: String,
    leads: Vec<LeadRow>,
    villages: Vec<(String, String)>,
    channels: Vec<(&'static str, &'static str)>,
    hardships: Vec<(String, String)>,
    form: LeadForm,
    error: Option<String>,
    may_accept: bool,
    status: String,
    /// The outcome of a campaign file, and its problems by row and column.
    imported: Option<String>,
    import_problems: Vec<String>,
}

impl LeadsPage {
    fn ticked(&self, code: &str) -> bool {
        self.form.hardships.iter().any(|h| h == code)
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct LeadQuery {
    #[serde(default)]
    status: String,
}

async fn leads_page(
    state: &AppState,
    session: &Session,
    status_filter: &str,
    form: LeadForm,
    error: Option<String>,
    code: StatusCode,
) -> Response {
    leads_page_with(state, session, status_filter, form, error, code, None).await
}

async fn leads_page_with(
    state: &AppState,
    session: &Session,
    status_filter: &str,
    form: LeadForm,
    error: Option<String>,
    code: StatusCode,
    imported: Option<dixian_app::lead_import::LeadImportReport>,
) -> Response {
    let actor = &session.auth.actor;
    let store = state.store.as_ref();
    let day = today();
    let filter = LeadFilter {
        status: dixian_domain::monitoring::LeadStatus::parse(status_filter),
        ..LeadFilter::default()
    };
    let leads = match flow::leads(store, actor, &filter).await {
        Ok(l) => l,
        Err(e) => return error_page(state, Some(session), &e),
    };
    let villages = match dixian_app::registry::villages_for(store, actor).await {
        Ok(v) => v,
        Err(e) => return error_page(state, Some(session), &e),
    };
    let hardships = match villages.first() {
        Some(v) => flow::policy_for(store, &v.code, day)
            .await
            .map(|p| {
                p.risk_types
                    .iter()
                    .map(|r| (r.code.clone(), r.name.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    render(
        code,
        &LeadsPage {
            frame: session.frame(state),
            csrf: session.auth.csrf.clone(),
            today: day.to_string(),
            leads: leads.iter().map(|l| lead_row(l, day)).collect(),
            villages: villages
                .iter()
                .map(|v| (v.code.to_string(), v.name.clone()))
                .collect(),
            channels: Channel::ALL
                .iter()
                .filter(|c| **c != Channel::SelfDeclared)
                .map(|c| (c.code(), c.label()))
                .collect(),
            hardships,
            form,
            error,
            may_accept: check_role(actor.role, ActionKind::Open, CaseState::Verifying).is_ok(),
            status: status_filter.to_string(),
            import_problems: imported
                .as_ref()
                .map(|r| r.problems.iter().map(ToString::to_string).collect())
                .unwrap_or_default(),
            imported: imported.map(|r| {
                if !r.problems.is_empty() {
                    format!(
                        "文件共{}行，有{}处问题，未导入任何线索：",
                        r.rows,
                        r.problems.len()
                    )
                } else if r.created == 0 {
                    format!("检查通过：文件共{}行，可以导入（试导入，未写入）", r.rows)
                } else {
                    format!(
                        "已导入{}条线索，其中{}条并入在办案件",
                        r.created, r.attached
                    )
                }
            }),
        },
    )
}

pub async fn leads(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<LeadQuery>,
) -> Response {
    leads_page(
        &state,
        &session,
        &q.status,
        LeadForm::default(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn report(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = guard(&state, &session, &headers, &fields, "登记线索").await {
        return r;
    }
    let form = LeadForm {
        village: field(&fields, "village"),
        household: field(&fields, "household"),
        channel: field(&fields, "channel"),
        source: field(&fields, "source"),
        reason: field(&fields, "reason"),
        evidence: field(&fields, "evidence"),
        hardships: all(&fields, "hardship"),
        received_on: field(&fields, "received_on"),
    };
    match flow::report_lead(state.store.as_ref(), &session.auth.actor, &form, today()).await {
        Ok(made) => match made.attached_to {
            Some(case) => Redirect::to(&format!("/cases/{case}?done=attached")).into_response(),
            None => Redirect::to("/leads?status=pending").into_response(),
        },
        Err(e) if correctable(&e) => {
            let (code, _) = status_of(&e);
            leads_page(&state, &session, "", form, Some(e.to_string()), code).await
        }
        Err(e) => error_page(&state, Some(&session), &e),
    }
}

/// A campaign file of leads (集中排查): checked whole, written whole or not at all.
pub async fn import_leads(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let (fields, file) = match multipart(form).await {
        Ok(x) => x,
        Err(e) => return error_page(&state, Some(&session), &e),
    };
    if let Err(r) = guard(&state, &session, &headers, &fields, "导入线索").await {
        return r;
    }
    let Some((name, bytes)) = file else {
        let e = AppError::Invalid(vec!["请选择要导入的文件".into()]);
        return leads_page(
            &state,
            &session,
            "",
            LeadForm::default(),
            Some(e.to_string()),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let dry_run = !field(&fields, "dry_run").is_empty();
    match dixian_app::lead_import::import_leads(
        state.store.as_ref(),
        &session.auth.actor,
        &name,
        &bytes,
        dry_run,
        today(),
    )
    .await
    {
        Ok(report) => {
            let code = if report.problems.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            leads_page_with(
                &state,
                &session,
                "pending",
                LeadForm::default(),
                None,
                code,
                Some(report),
            )
            .await
        }
        Err(e) if correctable(&e) => {
            let (code, _) = status_of(&e);
            leads_page(
                &state,
                &session,
                "",
                LeadForm::default(),
                Some(e.to_string()),
                code,
            )
            .await
        }
        Err(e) => error_page(&state, Some(&session), &e),
    }
}

/// The lead file template, CSV or XLSX.
pub async fn lead_template(Path(file): Path<String>) -> Response {
    let (kind, mime, ascii) = match file.as_str() {
        "template.csv" => (
            dixian_app::sheet::FileKind::Csv,
            crate::CSV,
            "leads-template.csv",
        ),
        "template.xlsx" => (
            dixian_app::sheet::FileKind::Xlsx,
            crate::XLSX,
            "leads-template.xlsx",
        ),
        _ => return (StatusCode::NOT_FOUND, "没有这个模板").into_response(),
    };
    match dixian_app::lead_import::template(kind) {
        Ok(bytes) => crate::download(
            bytes,
            mime,
            ascii,
            &format!("集中排查线索模板.{}", kind.extension()),
        ),
        Err(e) => {
            tracing::error!(error = %e, "模板生成失败");
            (StatusCode::INTERNAL_SERVER_ERROR, "模板生成失败").into_response()
        }
    }
}

pub async fn decide(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = guard(&state, &session, &headers, &fields, "受理线索").await {
        return r;
    }
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let on = match field(&fields, "on").trim() {
        "" => Ok(today()),
        t => dixian_app::policy::parse_date(t),
    };
    let result = match (on, field(&fields, "decision").as_str()) {
        (Err(e), _) => Err(e),
        (Ok(on), "accept") => flow::accept_lead(store, actor, id, &field(&fields, "household"), on)
            .await
            .map(Some),
        (Ok(on), "decline") => flow::decline_lead(store, actor, id, &field(&fields, "reason"), on)
            .await
            .map(|()| None),
        _ => Err(AppError::Invalid(vec!["请选择受理或不予受理".into()])),
    };
    match result {
        Ok(Some(case)) => Redirect::to(&format!("/cases/{case}?done=open")).into_response(),
        Ok(None) => Redirect::to("/leads?status=pending").into_response(),
        Err(e) if correctable(&e) => {
            let (code, _) = status_of(&e);
            leads_page(
                &state,
                &session,
                "pending",
                LeadForm::default(),
                Some(format!("线索#{id}：{e}")),
                code,
            )
            .await
        }
        Err(e) => error_page(&state, Some(&session), &e),
    }
}

/// Cases on one page of the list.
const CASE_PAGE: i64 = 200;

pub(crate) struct CaseRow {
    pub id: i64,
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
#[template(path = "cases.html")]
struct CasesPage {
    frame: Frame,
    rows: Vec<CaseRow>,
    states: Vec<(&'static str, &'static str)>,
    /// The state select's value: one code, or several from a dashboard figure.
    state: String,
    /// A dashboard figure's several states, offered as the select's own option.
    state_group: Option<String>,
    household: String,
    overdue: bool,
    /// The drill-down parameters the form carries along unchanged.
    carried: Vec<(&'static str, String)>,
    /// The filter in words, and the whole list's totals.
    words: Vec<String>,
    households: String,
    people: String,
    page: i64,
    pages: i64,
    /// This address without its page, for the paging links.
    base: String,
}

pub async fn cases(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<DrillQuery>,
) -> Response {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let day = today();
    let filter = match q.filter(day, CASE_PAGE) {
        Ok(f) => f,
        Err(e) => return error_page(&state, Some(&session), &AppError::Invalid(vec![e])),
    };
    let (list, cal, sel) = match (
        store.cases(actor, &filter).await,
        store.calendar().await,
        dixian_app::dashboard::selection(store, actor, &filter).await,
    ) {
        (Ok(l), Ok(c), Ok(s)) => (l, c, s),
        (Err(e), _, _) | (_, Err(e), _) => {
            return error_page(&state, Some(&session), &e.into());
        }
        (_, _, Err(e)) => return error_page(&state, Some(&session), &e),
    };
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
    render(
        StatusCode::OK,
        &CasesPage {
            frame: session.frame(&state),
            rows: list.iter().map(|c| case_row(c, day, &cal)).collect(),
            states: CaseState::ALL
                .iter()
                .map(|s| (s.code(), s.label()))
                .collect(),
            state: state_codes.join(","),
            state_group: (state_codes.len() > 1).then(|| state_codes.join(",")),
            household: q.household.trim().to_string(),
            overdue: filter.overdue_on.is_some(),
            carried,
            words: sel.words,
            households: dixian_app::dashboard::grouped(sel.households),
            people: dixian_app::dashboard::grouped(sel.people),
            page: filter.offset / CASE_PAGE + 1,
            pages: ((sel.households + CASE_PAGE - 1) / CASE_PAGE).max(1),
            base,
        },
    )
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
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
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
        out.push(("本环节时限".into(), date(c.due_on)));
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
    if let Some(cat) = &c.category {
        let name = p
            .object_categories
            .iter()
            .find(|i| &i.code == cat)
            .map_or(cat.as_str(), |i| i.name.as_str());
        out.push(("监测对象类别".into(), name.to_string()));
    }
    if !c.risk_types.is_empty() {
        out.push(("风险类型".into(), risk_type_names(p, &c.risk_types)));
    }
    if let Some(g) = c.green_channel_on {
        out.push(("绿色通道".into(), format!("{g}启用，先行帮扶")));
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
                at: dixian_app::beijing(r.at)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
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
            at: dixian_app::beijing(a.uploaded_at)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            by: a.uploaded_by.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    frame: Frame,
    csrf: String,
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
    modes: Vec<(String, String)>,
    events: Vec<EventView>,
    leads: Vec<LeadRow>,
    attachments: Vec<AttachmentView>,
    consents: Vec<(i64, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    done: Option<String>,
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

pub(crate) struct VisitView {
    pub id: i64,
    pub on: String,
    pub visitors: String,
    pub findings: String,
    pub follow_ups: String,
    pub photos: Vec<(i64, String)>,
    pub by: String,
}

pub(crate) fn visit_view(v: &dixian_store::VisitRecord) -> VisitView {
    VisitView {
        id: v.id,
        on: v.visited_on.to_string(),
        visitors: v.visitors.join("、"),
        findings: v.findings.clone(),
        follow_ups: v.follow_ups.clone(),
        photos: v.photos.iter().map(|p| (p.id, p.name.clone())).collect(),
        by: v.created_by.clone(),
    }
}

pub(crate) struct MeasureView {
    pub id: i64,
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
) -> CasePage {
    let c = &view.file.summary.case;
    let actor: &Actor = &session.auth.actor;
    let actions: Vec<ActionKind> = available(c)
        .into_iter()
        .filter(|k| check_role(actor.role, *k, c.state).is_ok())
        .collect();
    let p: &Policy = &view.policy;
    let day = today();
    let flags = view
        .file
        .events
        .iter()
        .flat_map(|e| e.event.flags.iter().cloned())
        .collect();
    CasePage {
        frame: session.frame(state),
        csrf: session.auth.csrf.clone(),
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
        categories: p
            .object_categories
            .iter()
            .map(|i| {
                (
                    i.code.clone(),
                    i.name.clone(),
                    c.category.as_ref() == Some(&i.code),
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
            .map(|a| (a.id, a.name.clone()))
            .collect(),
        kinds: AttachmentKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        error,
        done,
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

async fn show_case(
    state: &AppState,
    session: &Session,
    id: i64,
    error: Option<(StatusCode, String)>,
    done: Option<String>,
) -> Response {
    match flow::case_view(state.store.as_ref(), &session.auth.actor, id, today()).await {
        Ok(view) => {
            let (code, message) = match error {
                Some((c, m)) => (c, Some(m)),
                None => (StatusCode::OK, None),
            };
            let cadres = cadre_choices(state, &session.auth.actor).await;
            render(
                code,
                &case_page(state, session, &view, cadres, message, done),
            )
        }
        Err(e) => error_page(state, Some(session), &e),
    }
}

pub async fn cadre(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = guard(&state, &session, &headers, &fields, "明确帮扶责任人").await {
        return r;
    }
    let f = flow::CadreForm {
        version: version_of(&fields),
        cadre: field(&fields, "cadre"),
        unit: field(&fields, "unit"),
        political: field(&fields, "political"),
        start: field(&fields, "start"),
    };
    let result = flow::assign_cadre(state.store.as_ref(), &session.auth.actor, id, &f, today())
        .await
        .map(|_| ());
    after_step(&state, &session, id, Some(ActionKind::AssignCadre), result).await
}

pub async fn measure(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = guard(&state, &session, &headers, &fields, "帮扶措施").await {
        return r;
    }
    let f = flow::MeasureForm {
        version: version_of(&fields),
        id: field(&fields, "measure"),
        type_code: field(&fields, "type_code"),
        content: field(&fields, "content"),
        unit: field(&fields, "unit"),
        start_on: field(&fields, "start_on"),
        end_on: field(&fields, "end_on"),
        amount: field(&fields, "amount"),
        status: field(&fields, "status"),
        effect: field(&fields, "effect"),
    };
    let result = flow::save_measure(state.store.as_ref(), &session.auth.actor, id, &f, today())
        .await
        .map(|_| ());
    after_step(&state, &session, id, Some(ActionKind::RecordPlan), result).await
}

pub async fn case(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Response {
    show_case(&state, &session, id, None, done_message(&q.done)).await
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
        owns_commercial_housing: flag("owns_commercial_housing"),
        owns_vehicle: flag("owns_vehicle"),
        runs_business: flag("runs_business"),
        stable_income_months: field(fields, "stable_income_months"),
        rigid_expenditure_resolved: flag("rigid_expenditure_resolved"),
        held_on: field(fields, "held_on"),
        attendees: field(fields, "attendees"),
        agreed: field(fields, "agreed") == "yes",
        notice_from: field(fields, "notice_from"),
        mode: field(fields, "mode"),
    }
}

async fn after_step(
    state: &AppState,
    session: &Session,
    id: i64,
    kind: Option<ActionKind>,
    result: Result<(), AppError>,
) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!(
            "/cases/{id}?done={}",
            kind.map_or("file", ActionKind::code)
        ))
        .into_response(),
        Err(e) if correctable(&e) => {
            let (code, _) = status_of(&e);
            show_case(state, session, id, Some((code, e.to_string())), None).await
        }
        Err(e) => error_page(state, Some(session), &e),
    }
}

pub async fn step(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(r) = guard(&state, &session, &headers, &fields, "办理案件").await {
        return r;
    }
    let action = field(&fields, "action");
    let Some(kind) = ActionKind::parse(&action) else {
        let e = AppError::Invalid(vec![format!("办理环节“{action}”无效")]);
        return after_step(&state, &session, id, None, Err(e)).await;
    };
    let result = flow::act(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        kind,
        &step_form(&fields),
        today(),
    )
    .await
    .map(|_| ());
    after_step(&state, &session, id, Some(kind), result).await
}

/// 入户核实, with the signed consent uploaded in the same form (or one already attached).
pub async fn verify(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let (fields, file) = match multipart(form).await {
        Ok(x) => x,
        Err(e) => return after_step(&state, &session, id, None, Err(e)).await,
    };
    if let Err(r) = guard(&state, &session, &headers, &fields, "入户核实").await {
        return r;
    }
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let f = step_form(&fields);
    let result = match file {
        Some((name, bytes)) => match flow::attachment("consent", &name, bytes) {
            Ok(consent) => flow::verify_with_consent(store, actor, id, &f, consent, today())
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        },
        None => flow::act(store, actor, id, ActionKind::Verify, &f, today())
            .await
            .map(|_| ()),
    };
    after_step(&state, &session, id, Some(ActionKind::Verify), result).await
}

pub async fn upload(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let (fields, file) = match multipart(form).await {
        Ok(x) => x,
        Err(e) => return after_step(&state, &session, id, None, Err(e)).await,
    };
    if let Err(r) = guard(&state, &session, &headers, &fields, "上传附件").await {
        return r;
    }
    let result = match file {
        None => Err(AppError::Invalid(vec!["请选择要上传的文件".into()])),
        Some((name, bytes)) => match flow::attachment(&field(&fields, "kind"), &name, bytes) {
            Ok(a) => state
                .store
                .add_attachment(&session.auth.actor, id, &a)
                .await
                .map(|_| ())
                .map_err(AppError::from),
            Err(e) => Err(e),
        },
    };
    after_step(&state, &session, id, None, result).await
}

pub async fn download(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path((id, att)): Path<(i64, i64)>,
) -> Response {
    match state.store.attachment(&session.auth.actor, id, att).await {
        Ok(Some((meta, bytes))) => stored_file(
            bytes,
            &meta.content_type,
            &format!("case{id}-{att}"),
            &meta.name,
        ),
        Ok(None) => error_page(
            &state,
            Some(&session),
            &AppError::NotFound(format!("案件#{id}没有附件#{att}")),
        ),
        Err(e) => error_page(&state, Some(&session), &e.into()),
    }
}

/// 走访 of a household outside any case (a 脱贫户), from the household page.
pub async fn household_visit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let fail = |e: AppError| error_page(&state, Some(&session), &e);
    let (fields, photos) = match multipart_files(form).await {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    if let Err(r) = guard(&state, &session, &headers, &fields, "走访记录").await {
        return r;
    }
    let f = visit_form(&fields);
    match flow::record_household_visit(
        state.store.as_ref(),
        &session.auth.actor,
        &code,
        &f,
        photos,
        today(),
    )
    .await
    {
        Ok(_) => Redirect::to(&format!("/households/{code}?visited=1")).into_response(),
        Err(e) => fail(e),
    }
}

fn visit_form(fields: &[(String, String)]) -> flow::VisitForm {
    flow::VisitForm {
        visited_on: field(fields, "visited_on"),
        visitors: field(fields, "visitors"),
        findings: field(fields, "findings"),
        follow_ups: field(fields, "follow_ups"),
    }
}

/// 走访: the visit form with up to five photos.
pub async fn visit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let (fields, photos) = match multipart_files(form).await {
        Ok(x) => x,
        Err(e) => return after_step(&state, &session, id, None, Err(e)).await,
    };
    if let Err(r) = guard(&state, &session, &headers, &fields, "走访记录").await {
        return r;
    }
    let f = visit_form(&fields);
    let result = flow::record_visit(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        photos,
        today(),
    )
    .await
    .map(|_| ());
    match result {
        Ok(()) => Redirect::to(&format!("/cases/{id}?done=visit")).into_response(),
        Err(e) => after_step(&state, &session, id, None, Err(e)).await,
    }
}

pub async fn visit_photo(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path((visit, photo)): Path<(i64, i64)>,
) -> Response {
    let found = state
        .store
        .visit_photo(&session.auth.actor, visit, photo)
        .await;
    stored_or_missing(
        &state,
        &session,
        found,
        &format!("visit{visit}-{photo}"),
        || format!("走访#{visit}没有照片#{photo}"),
    )
}

#[derive(Template)]
#[template(path = "case_print.html")]
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
) -> Response {
    match flow::case_view(state.store.as_ref(), &session.auth.actor, id, today()).await {
        Ok(view) => {
            let page = case_page(&state, &session, &view, Vec::new(), None, None);
            render(
                StatusCode::OK,
                &PrintPage {
                    id,
                    facts: page.facts,
                    events: page.events,
                    leads: page.leads,
                    attachments: page.attachments,
                    printed: today().to_string(),
                },
            )
        }
        Err(e) => error_page(&state, Some(&session), &e),
    }
}

pub(crate) struct NoticeRow {
    pub no: usize,
    pub group: String,
    pub head: String,
    pub members: i64,
    pub what: String,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    village: String,
    town: String,
    title: String,
    from: String,
    until: String,
    rows: Vec<NoticeRow>,
    printed: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    phase: String,
    /// One posting: the cases whose notice began on this date (all in notice when empty).
    #[serde(default)]
    from: String,
}

/// The village notice (公示) of the households in notice: printable on A4, with nothing a
/// notice must not show — no ID numbers, phones, bank accounts or health details (risk
/// types such as 因病 are health details, so they are left out).
pub async fn notice(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(village): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let fail = |e: AppError| error_page(&state, Some(&session), &e);
    let Ok(code) = DivisionCode::parse(&village) else {
        return fail(AppError::Invalid(vec![format!(
            "村级区划代码“{village}”无效"
        )]));
    };
    let elimination = q.phase == "elimination";
    let in_notice = if elimination {
        CaseState::ExitNotice
    } else {
        CaseState::Notice
    };
    let filter = CaseFilter {
        states: vec![in_notice],
        within: Some(code),
        ..CaseFilter::default()
    };
    let posted = match q.from.trim() {
        "" => None,
        t => match dixian_app::policy::parse_date(t) {
            Ok(d) => Some(d),
            Err(e) => return fail(e),
        },
    };
    let list: Vec<CaseSummary> = match store.cases(actor, &filter).await {
        Ok(l) => l
            .into_iter()
            .filter(|c| posted.is_none() || c.case.notice_from == posted)
            .collect(),
        Err(e) => return fail(e.into()),
    };
    let policy = match flow::policy_for(store, &code, today()).await {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let mut rows = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let detail = match store.household(actor, &c.case.household).await {
            Ok(Some(d)) => d,
            Ok(None) => continue,
            Err(e) => return fail(e.into()),
        };
        let what = if elimination {
            c.case
                .elimination_mode
                .as_ref()
                .and_then(|m| policy.elimination_modes.iter().find(|i| &i.code == m))
                .map_or(String::new(), |i| format!("拟{}", i.name))
        } else {
            c.case
                .category
                .as_ref()
                .and_then(|m| policy.object_categories.iter().find(|i| &i.code == m))
                .map_or(String::new(), |i| format!("拟纳入{}", i.name))
        };
        rows.push(NoticeRow {
            no: i + 1,
            group: detail
                .summary
                .group_no
                .map(|g| format!("{g}组"))
                .unwrap_or_default(),
            head: c.head_name.clone(),
            members: detail.summary.members,
            what,
        });
    }
    let from = list.iter().filter_map(|c| c.case.notice_from).min();
    let until = list
        .iter()
        .filter_map(|c| c.case.notice_until)
        .max()
        .and_then(|d| d.pred_opt());
    let names = match (store.division(&code).await, code.parent()) {
        (Ok(Some(v)), Some(t)) => (
            v.name,
            store
                .division(&t)
                .await
                .ok()
                .flatten()
                .map(|d| d.name)
                .unwrap_or_default(),
        ),
        _ => (village.clone(), String::new()),
    };
    render(
        StatusCode::OK,
        &NoticePage {
            title: format!(
                "{}{}名单公示",
                policy.naming.monitored_object,
                if elimination {
                    "风险消除"
                } else {
                    "拟纳入"
                }
            ),
            village: names.0,
            town: names.1,
            from: from.map(|d| d.to_string()).unwrap_or_default(),
            until: until.map(|d| d.to_string()).unwrap_or_default(),
            rows,
            printed: today().to_string(),
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
#[template(path = "sla.html")]
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
) -> Response {
    let day = today();
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
        Err(e) => return error_page(&state, Some(&session), &e),
    };
    render(
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
    )
}

/// The drill-down part of a `/cases` address.
#[derive(Debug, Deserialize, Default, Clone, PartialEq, Eq)]
pub struct DrillQuery {
    /// State codes, comma-separated.
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub household: String,
    /// "1" for overdue today, or the day (YYYY-MM-DD) overdue is judged on.
    #[serde(default)]
    pub overdue: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub risk: String,
    /// "FROM..TO", both days counted.
    #[serde(default)]
    pub approved: String,
    #[serde(default)]
    pub eliminated: String,
    /// 1-based.
    #[serde(default)]
    pub page: String,
}

impl DrillQuery {
    /// The filter this address asks for; the first wrong parameter named.
    pub fn filter(&self, today: NaiveDate, page_size: i64) -> Result<CaseFilter, String> {
        let mut states = Vec::new();
        for s in self
            .state
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let state = CaseState::parse(s).ok_or_else(|| format!("案件状态“{s}”不存在"))?;
            if !states.contains(&state) {
                states.push(state);
            }
        }
        let within = match self.area.trim() {
            "" => None,
            t => Some(DivisionCode::parse(t).map_err(|e| format!("区划代码“{t}”不正确：{e}"))?),
        };
        let household = match self.household.trim() {
            "" => None,
            t => Some(
                dixian_domain::registry::HouseholdCode::parse(t)
                    .map_err(|e| format!("户编号“{t}”不正确：{e}"))?,
            ),
        };
        let overdue_on = match self.overdue.trim() {
            "" => None,
            "1" | "on" => Some(today),
            t => Some(
                NaiveDate::parse_from_str(t, "%Y-%m-%d")
                    .map_err(|_| format!("逾期判断日期“{t}”不正确"))?,
            ),
        };
        let page = match self.page.trim() {
            "" => 1,
            t => t
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=1_000_000).contains(p))
                .ok_or_else(|| format!("页码“{t}”不正确"))?,
        };
        Ok(CaseFilter {
            states,
            within,
            household,
            overdue_on,
            category: code_ok("监测对象类别", &self.category)?,
            risk_type: code_ok("风险类型", &self.risk)?,
            approved_between: span("纳入监测日期", &self.approved)?,
            eliminated_between: span("风险消除日期", &self.eliminated)?,
            offset: (page - 1) * page_size,
            limit: page_size,
        })
    }
}

/// The `/cases` address listing what `f` selects (paging left out).
pub fn case_link(f: &CaseFilter) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut put = |k: &str, v: &str| parts.push(format!("{k}={}", url_escape(v)));
    if !f.states.is_empty() {
        let codes: Vec<&str> = f.states.iter().map(|s| s.code()).collect();
        put("state", &codes.join(","));
    }
    if let Some(w) = &f.within {
        put("area", w.as_str());
    }
    if let Some(h) = &f.household {
        put("household", h.as_str());
    }
    if let Some(d) = f.overdue_on {
        put("overdue", &d.to_string());
    }
    if let Some(c) = &f.category {
        put("category", c);
    }
    if let Some(r) = &f.risk_type {
        put("risk", r);
    }
    if let Some((a, b)) = f.approved_between {
        put("approved", &format!("{a}..{b}"));
    }
    if let Some((a, b)) = f.eliminated_between {
        put("eliminated", &format!("{a}..{b}"));
    }
    format!("/cases?{}", parts.join("&"))
}

fn code_ok(field: &str, text: &str) -> Result<Option<String>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.len() > 16 || !t.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "{field}代码“{t}”不正确：只能是字母和数字，最多16位"
        ));
    }
    Ok(Some(t.to_string()))
}

fn span(field: &str, text: &str) -> Result<Option<(NaiveDate, NaiveDate)>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || format!("{field}“{t}”不正确：应为“起始日期..截止日期”，如 2026-01-01..2026-01-31");
    let (a, b) = t.split_once("..").ok_or_else(bad)?;
    let a = NaiveDate::parse_from_str(a, "%Y-%m-%d").map_err(|_| bad())?;
    let b = NaiveDate::parse_from_str(b, "%Y-%m-%d").map_err(|_| bad())?;
    if a > b {
        return Err(format!("{field}“{t}”的起始日期晚于截止日期"));
    }
    Ok(Some((a, b)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod drill_query_tests {
    use super::{DrillQuery, case_link};
    use chrono::NaiveDate;
    use dixian_domain::division::DivisionCode;
    use dixian_domain::monitoring::CaseState;
    use dixian_store::CaseFilter;
    use proptest::prelude::*;

    fn query_of(link: &str) -> DrillQuery {
        let q = link.strip_prefix("/cases?").unwrap();
        serde_urlencoded::from_str(q).unwrap()
    }

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 1, 1).unwrap() + chrono::Days::new(n.unsigned_abs())
    }

    proptest! {
        #[test]
        fn a_figure_link_reads_back_as_its_filter(
            states in proptest::sample::subsequence(CaseState::ALL.to_vec(), 0..4),
            area in proptest::option::of(prop_oneof![Just("500101000000"), Just("500101001000"), Just("500101001002")]),
            overdue in proptest::option::of(0i64..2000),
            category in proptest::option::of("[0-9]{2}"),
            risk in proptest::option::of("[0-9]{2,4}"),
            approved in proptest::option::of((0i64..2000, 0i64..60)),
            eliminated in proptest::option::of((0i64..2000, 0i64..60)),
        ) {
            let f = CaseFilter {
                states,
                within: area.map(|a| DivisionCode::parse(a).unwrap()),
                household: None,
                overdue_on: overdue.map(day),
                category,
                risk_type: risk,
                approved_between: approved.map(|(a, n)| (day(a), day(a + n))),
                eliminated_between: eliminated.map(|(a, n)| (day(a), day(a + n))),
                offset: 0,
                limit: 50,
            };
            let back = query_of(&case_link(&f)).filter(day(0), 50).unwrap();
            prop_assert_eq!(back, f);
        }
    }

    #[test]
    fn wrong_parameters_are_named() {
        let q = |s: &str| serde_urlencoded::from_str::<DrillQuery>(s).unwrap();
        let err = |s: &str| q(s).filter(day(0), 50).unwrap_err();
        assert!(err("state=monitored,flying").contains("案件状态“flying”不存在"));
        assert!(err("area=5001").contains("区划代码“5001”不正确"));
        assert!(err("risk=01%25").contains("风险类型代码“01%”不正确"));
        assert!(err("approved=2026-02-01..2026-01-01").contains("起始日期晚于截止日期"));
        assert!(err("eliminated=2026-02-01").contains("风险消除日期“2026-02-01”不正确"));
        assert!(err("page=0").contains("页码“0”不正确"));
        assert_eq!(
            q("overdue=1").filter(day(3), 50).unwrap().overdue_on,
            Some(day(3))
        );
        assert_eq!(q("page=3").filter(day(0), 50).unwrap().offset, 100);
    }
}
