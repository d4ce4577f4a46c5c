//! 部门数据与筛查 in the browser: a department uploads its monthly file (checked row by row,
//! refused rows listed, unmatched ID numbers listed masked); county and town staff start a
//! screening run, watch its progress, and see what it found, the runs before, and each rule's
//! hit → verified → identified rates.

use crate::AppState;
use crate::error::{Page, status_of};
use crate::forms::Posted;
use crate::forms::{correctable, field};
use crate::frame::{Frame, render};
use crate::session::Session;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Redirect;
use chrono::Datelike;
use chrono::NaiveDate;
use dixian_app::feeds::{DeliveryReport, Department, Period};
use dixian_app::screening::{ScreeningReport, preview_screening, record_screening};
use dixian_app::{AppError, feeds};
use dixian_domain::access::{Permission, Role};
use dixian_store::{Delivered, DeliveryRecord, RuleRates, ScreeningRunRecord};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A run started from the browser, on its own task so the page shows its progress.
struct Job {
    user: i64,
    at: Instant,
    stage: Arc<Mutex<(String, u8)>>,
    outcome: Option<Result<ScreeningReport, AppError>>,
}

type Jobs = Mutex<HashMap<String, Job>>;

fn jobs() -> &'static Jobs {
    static JOBS: OnceLock<Jobs> = OnceLock::new();
    JOBS.get_or_init(|| Mutex::new(HashMap::new()))
}

const JOB_TTL: Duration = Duration::from_secs(6 * 3600);

/// The last day of the month before `day`: the usual as-of date of a monthly run.
fn end_of_last_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1)
        .and_then(|first| first.pred_opt())
        .unwrap_or(day)
}

#[derive(Template)]
#[template(path = "screening/screening.html")]
struct ScreeningPage {
    frame: Frame,
    csrf: String,
    error: Option<String>,
    /// Departments the user may upload for (empty: none).
    departments: Vec<(&'static str, &'static str)>,
    period: String,
    may_run: bool,
    as_of: String,
    deliveries: Vec<DeliveryRecord>,
    delivery: Option<DeliveryReport>,
    /// The token of the refused rows as a file, to correct and upload again.
    refused_file: Option<String>,
    runs: Vec<ScreeningRunRecord>,
    rates: Vec<RuleRates>,
    running: Option<(String, u8)>,
    job_token: String,
    report: Option<ScreeningReport>,
    /// A preview's households per town: (town name, households).
    towns: Vec<(String, usize)>,
    /// A preview's sample warnings: (rule name, explanation), a few per rule.
    samples: Vec<(String, String)>,
}

/// A delivery as the page shows it: the record, whether it replaced the month's earlier
/// file, how many rows were unmatched, and which (row, masked ID number).
type Shown<'a> = (&'a DeliveryRecord, bool, usize, &'a [(i64, String)]);

impl ScreeningPage {
    fn at(t: &chrono::DateTime<chrono::Utc>) -> String {
        dixian_app::beijing_minute(*t)
    }

    fn percent(part: &i64, whole: &i64) -> String {
        let (part, whole) = (*part, *whole);
        if whole <= 0 {
            "—".into()
        } else {
            format!("{:.1}%", part as f64 * 100.0 / whole as f64)
        }
    }

    /// The stored delivery, whether it replaced one, and its unmatched rows.
    fn delivered(&self) -> Option<Shown<'_>> {
        match self.delivery.as_ref()?.delivered.as_ref()? {
            Delivered::Recorded {
                record,
                replaced,
                unmatched,
            } => Some((record, replaced.is_some(), unmatched.len(), unmatched)),
            Delivered::Unchanged(record) => Some((record, false, 0, &[])),
        }
    }

    fn unchanged(&self) -> bool {
        matches!(
            self.delivery.as_ref().and_then(|d| d.delivered.as_ref()),
            Some(Delivered::Unchanged(_))
        )
    }
}

/// What the user may do here: upload (and for which departments), run.
async fn page(state: &AppState, session: &Session) -> Result<ScreeningPage, AppError> {
    let actor = &session.auth.actor;
    let store = state.store.as_ref();
    let departments: Vec<(&'static str, &'static str)> = if actor.may(Permission::UploadFeed) {
        let own = session
            .auth
            .user
            .department
            .as_deref()
            .and_then(Department::parse);
        Department::ALL
            .iter()
            .filter(|d| actor.role != Some(Role::DepartmentOfficer) || own == Some(**d))
            .map(|d| (d.code(), d.label()))
            .collect()
    } else {
        Vec::new()
    };
    let may_run = actor.may(Permission::HandleCases);
    if departments.is_empty() && !may_run {
        dixian_app::accounts::require(store, actor, Permission::HandleCases, "部门筛查").await?;
    }
    let deliveries = store.deliveries(actor, 50).await?;
    let (runs, rates) = if may_run {
        let since = state
            .today()
            .checked_sub_months(chrono::Months::new(12))
            .unwrap_or(state.today());
        (
            store.screening_runs(actor, 12).await?,
            store.screening_rates(actor, since).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let last_month = end_of_last_month(state.today());
    Ok(ScreeningPage {
        frame: session.frame(state),
        csrf: session.auth.csrf.clone(),
        error: None,
        departments,
        period: Period::of(last_month).to_string(),
        may_run,
        as_of: last_month.to_string(),
        deliveries,
        delivery: None,
        refused_file: None,
        runs,
        rates,
        running: None,
        job_token: String::new(),
        report: None,
        towns: Vec::new(),
        samples: Vec::new(),
    })
}

pub async fn show(State(state): State<AppState>, Extension(session): Extension<Session>) -> Page {
    Ok(match page(&state, &session).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => return Err(e.into()),
    })
}

/// A department's file: checked, and delivered unless only a check was asked for.
pub async fn upload(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    mut posted: Posted,
) -> Page {
    let file = posted.take_file();
    let fields = posted.fields();
    let mut p = page(&state, &session).await?;
    let department = Department::parse(&field(fields, "department"));
    let period = Period::parse(&field(fields, "period"));
    let upload = file.clone();
    let result = match (department, period, file) {
        (None, _, _) => Err(AppError::Invalid(vec!["请选择数据提供部门".into()])),
        (_, None, _) => Err(AppError::Invalid(vec![
            "数据月份应为 YYYY-MM，如 2026-10".into(),
        ])),
        (_, _, None) => Err(AppError::Invalid(vec!["请选择要上传的文件".into()])),
        (Some(d), Some(m), Some((name, bytes))) => {
            let check_only = !field(fields, "check_only").is_empty();
            feeds::deliver(
                state.store.as_ref(),
                &session.auth.actor,
                d,
                m,
                &name,
                &bytes,
                check_only,
                state.today(),
            )
            .await
        }
    };
    let user = session.auth.user.id;
    // The refused rows as a file of their own, in the file's format, to correct and send.
    let keep_refused = |report: &DeliveryReport| {
        let (name, bytes) = upload.as_ref()?;
        let file = feeds::refused_rows(name, bytes, report)?;
        let kind = dixian_app::sheet::FileKind::of(name, bytes).ok()?;
        crate::kept::keep(user, kind, file)
    };
    Ok(match result {
        Ok(report) => {
            let status = if report.problems.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            p.refused_file = keep_refused(&report);
            p.period = report.period.to_string();
            p.delivery = Some(report);
            if let Ok(list) = state.store.deliveries(&session.auth.actor, 50).await {
                p.deliveries = list;
            }
            render(status, &p)
        }
        Err(e) if correctable(&e) => {
            // No row passed: the whole file comes back to correct (read again only here).
            if let (Some(d), Some((name, bytes))) = (department, upload.as_ref())
                && let Ok(file) = feeds::read_feed(d, name, bytes, state.today())
                && file.rejected > 0
            {
                let report = DeliveryReport {
                    department: d,
                    period: period
                        .unwrap_or_else(|| dixian_domain::screening::Period::of(state.today())),
                    rows_read: file.rows_read,
                    delivered: None,
                    problems: file.problems,
                    rejected: file.rejected,
                    refused_rows: file.refused_rows,
                };
                p.refused_file = keep_refused(&report);
            }
            let (code, _) = status_of(&e);
            p.error = Some(e.to_string());
            render(code, &p)
        }
        Err(e) => return Err(e.into()),
    })
}

/// The refused rows of the user's own delivery, as a file.
pub async fn refused(Extension(session): Extension<Session>, Path(token): Path<String>) -> Page {
    crate::kept::download(&session, &token, "refused-rows", "未通过的行")
}

/// A feed template, by department and format: `medical.xlsx`, `deaths.csv` ….
pub async fn template(Path(file): Path<String>) -> Page {
    let Some((code, ext)) = file.rsplit_once('.') else {
        return Ok((StatusCode::NOT_FOUND, "没有这个模板").into_response());
    };
    let (Some(department), Some((kind, mime))) = (
        Department::parse(code),
        match ext {
            "csv" => Some((dixian_app::sheet::FileKind::Csv, crate::frame::CSV)),
            "xlsx" => Some((dixian_app::sheet::FileKind::Xlsx, crate::frame::XLSX)),
            _ => None,
        },
    ) else {
        return Ok((StatusCode::NOT_FOUND, "没有这个模板").into_response());
    };
    Ok(match feeds::template(department, kind) {
        Ok(bytes) => crate::frame::download(
            bytes,
            mime,
            &format!("{}-template.{ext}", department.code()),
            &format!(
                "{}{}模板.{ext}",
                department.label(),
                feeds::feed_title(department)
            ),
        ),
        Err(e) => {
            tracing::error!(error = %e, "模板生成失败");
            (StatusCode::INTERNAL_SERVER_ERROR, "模板生成失败").into_response()
        }
    })
}

/// Starts a run over the user's area and shows its progress.
pub async fn run(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let as_of = match dixian_app::policy::parse_date(&posted.get("as_of")) {
        Ok(d) if d > state.today() => Err(AppError::Invalid(vec![format!("测算日期{d}晚于今天")])),
        other => other,
    };
    let as_of = match as_of {
        Ok(d) => d,
        Err(e) => {
            return Ok(match page(&state, &session).await {
                Ok(mut p) => {
                    p.error = Some(e.to_string());
                    render(StatusCode::BAD_REQUEST, &p)
                }
                Err(e) => return Err(e.into()),
            });
        }
    };
    if !session.auth.actor.may(Permission::HandleCases) {
        let e = AppError::Store(dixian_store::StoreError::Forbidden);
        return Err(e.into());
    }
    let Some(token) = dixian_gm::random::<16>()
        .ok()
        .map(|b| dixian_gm::to_hex(&b))
    else {
        let e = AppError::Invalid(vec!["服务器暂时无法开始筛查，请稍后再试".into()]);
        return Err(e.into());
    };
    let stage = Arc::new(Mutex::new(("排队".to_string(), 0u8)));
    if let Ok(mut map) = jobs().lock() {
        map.retain(|_, j| j.outcome.is_none() || j.at.elapsed() < JOB_TTL);
        map.insert(
            token.clone(),
            Job {
                user: session.auth.user.id,
                at: Instant::now(),
                stage: stage.clone(),
                outcome: None,
            },
        );
    }
    let (store, actor, job) = (
        state.store.clone(),
        session.auth.actor.clone(),
        token.clone(),
    );
    tokio::spawn(async move {
        let progress = |label: &str, pct: u8| {
            if let Ok(mut s) = stage.lock() {
                *s = (label.to_string(), pct);
            }
        };
        // A preview: nothing is recorded until the officer confirms it.
        let outcome = preview_screening(store.as_ref(), &actor, as_of, &progress).await;
        if let Err(e) = &outcome {
            tracing::warn!(error = %e, "筛查未完成");
        }
        if let Ok(mut map) = jobs().lock()
            && let Some(j) = map.get_mut(&job)
        {
            j.outcome = Some(outcome);
        }
    });
    Ok(Redirect::to(&format!("/screening/job/{token}")).into_response())
}

/// A run's page: its stage while it runs (the page refreshes itself), its result once done.
pub async fn job(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(token): Path<String>,
) -> Page {
    let found = jobs().lock().ok().and_then(|map| {
        map.get(&token)
            .filter(|j| j.user == session.auth.user.id)
            .map(|j| {
                (
                    j.stage.lock().map(|s| s.clone()).unwrap_or_default(),
                    j.outcome.clone(),
                )
            })
    });
    let Some((stage, outcome)) = found else {
        let e = AppError::NotFound("筛查任务已过期或不存在".into());
        return Err(e.into());
    };
    let mut p = page(&state, &session).await?;
    Ok(match outcome {
        None => {
            p.running = Some(stage);
            p.job_token = token;
            render(StatusCode::ACCEPTED, &p)
        }
        Some(Ok(report)) => {
            if report.outcome.run_id == 0 {
                let store = state.store.as_ref();
                for (town, n) in &report.by_town {
                    let name = match dixian_domain::division::DivisionCode::parse(town) {
                        Ok(code) => store.division(&code).await.ok().flatten().map(|d| d.name),
                        Err(_) => None,
                    };
                    p.towns.push((name.unwrap_or_else(|| town.clone()), *n));
                }
                let mut per_rule: HashMap<&str, usize> = HashMap::new();
                for w in &report.warnings {
                    let seen = per_rule.entry(w.rule_code.as_str()).or_default();
                    if *seen < 2 {
                        *seen += 1;
                        p.samples.push((w.rule_name.clone(), w.explanation.clone()));
                    }
                }
            }
            p.job_token = token;
            p.report = Some(report);
            render(StatusCode::OK, &p)
        }
        Some(Err(e)) if correctable(&e) => {
            p.error = Some(e.to_string());
            render(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Some(Err(e)) => return Err(e.into()),
    })
}

/// Records a previewed run: the leads exist only now. Above the pack's number of households
/// the officer must tick the confirmation of that number; a run is recorded once.
pub async fn confirm(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(token): Path<String>,
    posted: Posted,
) -> Page {
    let report = jobs().lock().ok().and_then(|map| {
        map.get(&token)
            .filter(|j| j.user == session.auth.user.id)
            .and_then(|j| j.outcome.clone())
    });
    let report = match report {
        Some(Ok(r)) => r,
        _ => {
            let e = AppError::NotFound("筛查预览已过期或不存在，请重新筛查".into());
            return Err(e.into());
        }
    };
    if report.outcome.run_id != 0 {
        return Ok(Redirect::to(&format!("/screening/job/{token}")).into_response());
    }
    if report.needs_confirmation()
        && posted.get("confirm").trim() != report.households_warned.to_string()
    {
        let mut p = page(&state, &session).await?;
        p.error = Some(format!(
            "将为{}户生成线索，超过政策包规定须确认的户数：请核对预览后勾选确认",
            report.households_warned
        ));
        p.job_token = token;
        p.report = Some(report);
        return Ok(render(StatusCode::BAD_REQUEST, &p));
    }
    let outcome = record_screening(
        state.store.as_ref(),
        &session.auth.actor,
        &report,
        state.today(),
    )
    .await;
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return Err(e.into()),
    };
    if let Ok(mut map) = jobs().lock()
        && let Some(j) = map.get_mut(&token)
        && let Some(Ok(r)) = j.outcome.as_mut()
    {
        r.outcome = outcome;
    }
    Ok(Redirect::to(&format!("/screening/job/{token}")).into_response())
}
