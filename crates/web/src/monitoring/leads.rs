//! Leads (监测线索): the list, registering one, importing a spreadsheet of them, its
//! template, and accepting or declining.

use crate::AppState;
use crate::error::{Page, status_of};
use crate::forms::Posted;
use crate::forms::{correctable, field};
use crate::frame::{Frame, render};
use crate::monitoring::all;
use crate::session::Session;
use crate::views::Due;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Redirect;
use chrono::NaiveDate;
use dixian_app::AppError;
use dixian_app::monitoring as flow;
use dixian_app::monitoring::LeadForm;
use dixian_domain::monitoring::{ActionKind, CaseState, Channel, check_role};
use dixian_store::LeadFilter;
use serde::Deserialize;

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

pub(super) fn lead_row(p: &flow::PendingLead, today: NaiveDate) -> LeadRow {
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
        who: flow::lead_export::applicant_shown(l),
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

#[derive(Template)]
#[template(path = "monitoring/leads.html")]
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
    /// The filter as typed, its link for the pager, the total and the page.
    query: LeadQuery,
    link: String,
    total: i64,
    page: i64,
    pages: i64,
    /// A search by ID number (posted, never in the address).
    by_id: bool,
    statuses: Vec<(&'static str, &'static str)>,
    all_channels: Vec<(&'static str, &'static str)>,
    /// The pack's designation kinds, (code, name), for the filter.
    designations: Vec<(String, String)>,
    /// The outcome of a bulk decision: what was done, and each lead refused with why.
    bulk_done: Option<String>,
    bulk_refused: Vec<String>,
    /// The outcome of a campaign file, and its problems by row and column.
    imported: Option<String>,
    import_problems: Vec<String>,
}

impl LeadsPage {
    fn ticked(&self, code: &str) -> bool {
        self.form.hardships.iter().any(|h| h == code)
    }
}

/// The lead list's filter as its form and its page links carry it. An ID number is never
/// in an address: it is posted ([`find`]).
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct LeadQuery {
    status: String,
    /// Words: a name, a household code, words of the reason or the source.
    q: String,
    village: String,
    channel: String,
    from: String,
    until: String,
    /// A designation code (认定类别) of the village, its town or county; empty: any.
    designation: String,
    page: String,
    /// From a household's page: the registration form filled in with it (not a filter).
    household: String,
}

/// Leads per page of the list.
const LEADS_PER_PAGE: i64 = 50;

impl LeadQuery {
    /// The store's filter on `today` (the day a designation must hold), or every problem of
    /// the query at once.
    fn filter(&self, today: chrono::NaiveDate) -> Result<(LeadFilter, i64), AppError> {
        let mut problems = Vec::new();
        let mut filter = LeadFilter {
            status: dixian_domain::monitoring::LeadStatus::parse(&self.status),
            text: self.q.trim().chars().take(50).collect(),
            limit: LEADS_PER_PAGE,
            ..LeadFilter::default()
        };
        if !self.village.trim().is_empty() {
            match dixian_domain::division::DivisionCode::parse(self.village.trim()) {
                Ok(v) => filter.within = Some(v),
                Err(e) => problems.push(format!("村：{e}")),
            }
        }
        match dixian_domain::villages::designation_code(&self.designation) {
            Ok(code) => filter.designation = code.map(|c| (c, today)),
            Err(e) => problems.push(e),
        }
        if !self.channel.trim().is_empty() {
            match Channel::parse(self.channel.trim()) {
                Some(c) => filter.channel = Some(c),
                None => problems.push(format!("发现渠道“{}”无效", self.channel.trim())),
            }
        }
        for (text, slot, what) in [
            (&self.from, &mut filter.from, "起始日期"),
            (&self.until, &mut filter.until, "截止日期"),
        ] {
            if !text.trim().is_empty() {
                match dixian_app::policy::parse_date(text) {
                    Ok(d) => *slot = Some(d),
                    Err(e) => problems.push(format!("{what}：{e}")),
                }
            }
        }
        let page = match self.page.trim() {
            "" => 1,
            p => p
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=100_000).contains(n))
                .unwrap_or_else(|| {
                    problems.push(format!("页码“{p}”无效"));
                    1
                }),
        };
        filter.offset = (page - 1) * LEADS_PER_PAGE;
        if problems.is_empty() {
            Ok((filter, page))
        } else {
            Err(AppError::Invalid(problems))
        }
    }

    /// The filter as page links carry it (without the page).
    fn link(&self) -> String {
        [
            ("status", &self.status),
            ("q", &self.q),
            ("village", &self.village),
            ("channel", &self.channel),
            ("from", &self.from),
            ("until", &self.until),
            ("designation", &self.designation),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", crate::session::url_escape(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

async fn leads_page(
    state: &AppState,
    session: &Session,
    status_filter: &str,
    form: LeadForm,
    error: Option<String>,
    code: StatusCode,
) -> Page {
    let query = LeadQuery {
        status: status_filter.to_string(),
        ..LeadQuery::default()
    };
    leads_page_with(state, session, &query, None, form, error, code, None, None).await
}

#[allow(clippy::too_many_arguments)]
async fn leads_page_with(
    state: &AppState,
    session: &Session,
    query: &LeadQuery,
    id_number: Option<dixian_domain::id_number::IdNumber>,
    form: LeadForm,
    error: Option<String>,
    code: StatusCode,
    imported: Option<dixian_app::monitoring::lead_import::LeadImportReport>,
    bulk: Option<(String, Vec<String>)>,
) -> Page {
    let actor = &session.auth.actor;
    let store = state.store.as_ref();
    let day = state.today();
    // A wrong filter is said above the list, which then shows the area's pending leads.
    let (mut filter, page, mut error, mut code) = match query.filter(day) {
        Ok((f, p)) => (f, p, error, code),
        Err(e) => {
            let (c, _) = status_of(&e);
            (
                LeadFilter {
                    limit: LEADS_PER_PAGE,
                    ..LeadFilter::default()
                },
                1,
                Some(e.to_string()),
                c,
            )
        }
    };
    let by_id = id_number.is_some();
    if by_id {
        filter = LeadFilter {
            id_number,
            limit: LEADS_PER_PAGE,
            ..LeadFilter::default()
        };
    }
    let (leads, total) = match tokio::try_join!(flow::leads(store, actor, &filter), async {
        Ok(store.count_leads(actor, &filter).await?)
    }) {
        Ok(l) => l,
        // A filter outside the area or without the right is refused as any page is.
        Err(e) if correctable(&e) => {
            let (c, _) = status_of(&e);
            error = Some(e.to_string());
            code = c;
            (Vec::new(), 0)
        }
        Err(e) => return Err(e.into()),
    };
    let pages = ((total + LEADS_PER_PAGE - 1) / LEADS_PER_PAGE).max(1);
    let villages = match dixian_app::registry::villages_for(store, actor).await {
        Ok(v) => v,
        Err(e) => return Err(e.into()),
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
    Ok(render(
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
            status: query.status.clone(),
            link: query.link(),
            query: query.clone(),
            total,
            page,
            pages,
            by_id,
            statuses: dixian_domain::monitoring::LeadStatus::ALL
                .iter()
                .map(|s| (s.code(), s.label()))
                .collect(),
            all_channels: Channel::ALL.iter().map(|c| (c.code(), c.label())).collect(),
            designations: dixian_app::villages::designation_kinds(store, actor, day).await,
            bulk_done: bulk.as_ref().map(|(done, _)| done.clone()),
            bulk_refused: bulk.map(|(_, refused)| refused).unwrap_or_default(),
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
    ))
}

pub async fn leads(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<LeadQuery>,
) -> Page {
    // Come from a household's page: its village and code are filled in.
    let mut form = LeadForm::default();
    if let Ok(code) = dixian_domain::registry::HouseholdCode::parse(q.household.trim())
        && let Some(village) = code.village()
    {
        form.village = village.to_string();
        form.household = code.as_str().to_string();
    }
    leads_page_with(
        &state,
        &session,
        &q,
        None,
        form,
        None,
        StatusCode::OK,
        None,
        None,
    )
    .await
}

/// The leads of the household of a member, or of an applicant, with the ID number posted.
pub async fn find(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let (id, error) = match crate::forms::posted_id_number(&posted, state.today()) {
        Ok(id) => (Some(id), None),
        Err(e) => (None, Some(e)),
    };
    let code = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    leads_page_with(
        &state,
        &session,
        &LeadQuery::default(),
        id,
        LeadForm::default(),
        error,
        code,
        None,
        None,
    )
    .await
}

pub async fn report(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let form = LeadForm {
        village: posted.get("village"),
        household: posted.get("household"),
        channel: posted.get("channel"),
        source: posted.get("source"),
        reason: posted.get("reason"),
        evidence: posted.get("evidence"),
        hardships: all(posted.fields(), "hardship"),
        received_on: posted.get("received_on"),
    };
    Ok(
        match flow::report_lead(
            state.store.as_ref(),
            &session.auth.actor,
            &form,
            state.today(),
        )
        .await
        {
            Ok(made) => match made.attached_to {
                Some(case) => Redirect::to(&format!("/cases/{case}?done=attached")).into_response(),
                None => Redirect::to("/leads?status=pending").into_response(),
            },
            Err(e) if correctable(&e) => {
                let (code, _) = status_of(&e);
                leads_page(&state, &session, "", form, Some(e.to_string()), code).await?
            }
            Err(e) => return Err(e.into()),
        },
    )
}

/// A campaign file of leads (集中排查): checked whole, written whole or not at all.
pub async fn import_leads(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    mut posted: Posted,
) -> Page {
    let file = posted.take_file();
    let fields = posted.fields();
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
    let dry_run = !field(fields, "dry_run").is_empty();
    Ok(
        match dixian_app::monitoring::lead_import::import_leads(
            state.store.as_ref(),
            &session.auth.actor,
            &name,
            &bytes,
            dry_run,
            state.today(),
        )
        .await
        {
            Ok(report) => {
                let code = if report.problems.is_empty() {
                    StatusCode::OK
                } else {
                    StatusCode::BAD_REQUEST
                };
                let pending = LeadQuery {
                    status: "pending".into(),
                    ..LeadQuery::default()
                };
                leads_page_with(
                    &state,
                    &session,
                    &pending,
                    None,
                    LeadForm::default(),
                    None,
                    code,
                    Some(report),
                    None,
                )
                .await?
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
                .await?
            }
            Err(e) => return Err(e.into()),
        },
    )
}

/// The lead file template, CSV or XLSX.
pub async fn lead_template(Path(file): Path<String>) -> Page {
    let (kind, mime, ascii) = match file.as_str() {
        "template.csv" => (
            dixian_app::sheet::FileKind::Csv,
            crate::frame::CSV,
            "leads-template.csv",
        ),
        "template.xlsx" => (
            dixian_app::sheet::FileKind::Xlsx,
            crate::frame::XLSX,
            "leads-template.xlsx",
        ),
        _ => return Ok((StatusCode::NOT_FOUND, "没有这个模板").into_response()),
    };
    Ok(match dixian_app::monitoring::lead_import::template(kind) {
        Ok(bytes) => crate::frame::download(
            bytes,
            mime,
            ascii,
            &format!("集中排查线索模板.{}", kind.extension()),
        ),
        Err(e) => {
            tracing::error!(error = %e, "模板生成失败");
            (StatusCode::INTERNAL_SERVER_ERROR, "模板生成失败").into_response()
        }
    })
}

pub async fn decide(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let on = match posted.get("on").trim() {
        "" => Ok(state.today()),
        t => dixian_app::policy::parse_date(t),
    };
    let result = match (on, posted.get("decision").as_str()) {
        (Err(e), _) => Err(e),
        (Ok(on), "accept") => flow::accept_lead(store, actor, id, &posted.get("household"), on)
            .await
            .map(Some),
        (Ok(on), "decline") => flow::decline_lead(store, actor, id, &posted.get("reason"), on)
            .await
            .map(|()| None),
        _ => Err(AppError::Invalid(vec!["请选择受理或不予受理".into()])),
    };
    Ok(match result {
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
            .await?
        }
        Err(e) => return Err(e.into()),
    })
}

/// `POST /leads/bulk`: the ticked leads accepted, or declined with one reason; the list
/// again with what was done and each lead that could not be, with why.
pub async fn bulk(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let ids: Vec<i64> = posted
        .fields()
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    let decision = posted.get("decision");
    let on = match posted.get("on").trim() {
        "" => Ok(state.today()),
        t => dixian_app::policy::parse_date(t),
    };
    let result = match (on, decision.as_str()) {
        (Err(e), _) => Err(e),
        (Ok(on), "accept" | "decline") => {
            flow::decide_leads(
                store,
                actor,
                &ids,
                decision == "accept",
                &posted.get("reason"),
                on,
            )
            .await
        }
        _ => Err(AppError::Invalid(vec!["请选择受理或不予受理".into()])),
    };
    let query = LeadQuery {
        status: "pending".into(),
        ..LeadQuery::default()
    };
    let (code, bulk) = match result {
        Ok(outcome) => {
            let what = if decision == "accept" {
                "受理立案"
            } else {
                "不予受理"
            };
            let cases: Vec<String> = outcome
                .decided
                .iter()
                .filter_map(|(_, c)| c.map(|c| format!("案件#{c}")))
                .collect();
            let done = format!(
                "已{what}{}条线索{}{}",
                outcome.decided.len(),
                if cases.is_empty() {
                    String::new()
                } else {
                    format!("（{}）", cases.join("、"))
                },
                if outcome.refused.is_empty() {
                    "。".to_string()
                } else {
                    format!("；{}条未能办理：", outcome.refused.len())
                }
            );
            let refused = outcome
                .refused
                .iter()
                .map(|(id, why)| format!("线索#{id}：{why}"))
                .collect();
            (StatusCode::OK, (done, refused))
        }
        Err(e) if correctable(&e) => (
            status_of(&e).0,
            ("未办理：".to_string(), vec![e.to_string()]),
        ),
        Err(e) => return Err(e.into()),
    };
    leads_page_with(
        &state,
        &session,
        &query,
        None,
        LeadForm::default(),
        None,
        code,
        None,
        Some(bulk),
    )
    .await
}

/// The filtered lead list as CSV (every page; masked as on the page; audited).
pub async fn export(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<LeadQuery>,
) -> Page {
    let (filter, _) = q.filter(state.today())?;
    let csv =
        flow::lead_export::export_leads(state.store.as_ref(), &session.auth.actor, &filter).await?;
    let name = format!("线索清单-{}.csv", state.today());
    Ok(crate::frame::download(
        csv,
        crate::frame::CSV,
        &format!("leads-{}.csv", state.today()),
        &name,
    ))
}
