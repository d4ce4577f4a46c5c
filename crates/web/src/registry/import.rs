//! Uploading a household file (农户导入) in the browser: dry run or import, the problems on
//! screen, and the file back with a “问题” column to correct in Excel.

use crate::AppState;
use crate::error::Page;
use crate::error::PageError;
use crate::frame::{Frame, render};
use crate::limit::SHEET_UPLOAD_LIMIT;
use crate::session::{Session, check_csrf};
use askama::Template;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use dixian_app::AppError;
use dixian_app::registry::import;
use dixian_app::registry::import::{ImportReport, Progress, ProgressView, Stage};
use dixian_app::sheet::FileKind;
use dixian_domain::access::Permission;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// An import started from the browser: it runs on its own task so a large file shows its
/// progress instead of a page that hangs.
struct Job {
    user: i64,
    at: Instant,
    file_name: String,
    dry_run: bool,
    progress: Arc<Progress>,
    outcome: Option<Result<(ImportReport, Option<String>), AppError>>,
}

type Jobs = Mutex<HashMap<String, Job>>;

fn jobs() -> &'static Jobs {
    static JOBS: OnceLock<Jobs> = OnceLock::new();
    JOBS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// How long the upload waits for its import before answering with the progress page: small
/// files get their result at once.
const WAIT_FOR_RESULT: Duration = Duration::from_secs(3);

#[derive(Template)]
#[template(path = "registry/import.html")]
struct ImportPage {
    frame: Frame,
    csrf: String,
    error: Option<String>,
    file_name: String,
    dry_run: bool,
    report: Option<ImportReport>,
    report_token: Option<String>,
    /// While the import runs: how far it has got, and its page (which refreshes itself).
    running: Option<ProgressView>,
    job_token: String,
}

impl ImportPage {
    /// Percent of rows written, for the progress bar.
    fn percent(&self) -> usize {
        match &self.running {
            Some(v) if v.to_write > 0 => v.written * 100 / v.to_write,
            _ => 0,
        }
    }

    fn writing(&self) -> bool {
        self.running.is_some_and(|v| v.stage == Stage::Writing)
    }
}

impl ImportPage {
    fn new(state: &AppState, session: &Session) -> ImportPage {
        ImportPage {
            frame: session.frame(state),
            csrf: session.auth.csrf.clone(),
            error: None,
            file_name: String::new(),
            dry_run: true,
            report: None,
            report_token: None,
            running: None,
            job_token: String::new(),
        }
    }
}

async fn may_import(state: &AppState, session: &Session) -> Result<(), PageError> {
    dixian_app::accounts::require(
        state.store.as_ref(),
        &session.auth.actor,
        Permission::EditRegistry,
        "农户导入",
    )
    .await
    .map_err(PageError::from)
}

pub async fn page(State(state): State<AppState>, Extension(session): Extension<Session>) -> Page {
    may_import(&state, &session).await?;
    Ok(render(StatusCode::OK, &ImportPage::new(&state, &session)))
}

pub async fn template(Path(file): Path<String>) -> Page {
    let kind = match file.as_str() {
        "template.csv" => FileKind::Csv,
        "template.xlsx" => FileKind::Xlsx,
        _ => return Ok((StatusCode::NOT_FOUND, "没有这个模板").into_response()),
    };
    Ok(match import::template(kind) {
        Ok(bytes) => crate::kept::file_download(kind, bytes, "template", "农户导入模板"),
        Err(e) => {
            tracing::error!(error = %e, "模板生成失败");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "模板生成失败，请稍后再试",
            )
                .into_response()
        }
    })
}

/// A CSV or XLSX file download named `ascii`/`name` plus the kind's extension.
/// The upload form's fields.
struct Upload {
    csrf: String,
    dry_run: bool,
    /// Seconds to wait for the result before answering with the progress page (at most
    /// [`WAIT_FOR_RESULT`]; scripts send 0 and follow `Content-Location`).
    wait: Duration,
    name: String,
    bytes: Vec<u8>,
}

/// Reads the multipart form: CSRF token, dry-run flag, wait, and the file.
async fn fields(mut form: Multipart) -> Result<Upload, String> {
    let (mut csrf, mut dry_run, mut name, mut bytes) = (String::new(), false, String::new(), None);
    let mut wait = WAIT_FOR_RESULT;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(format!(
                    "上传中断或文件过大（上限{} MB）：{e}",
                    SHEET_UPLOAD_LIMIT >> 20
                ));
            }
        };
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("dry_run") => dry_run = true,
            Some("wait") => {
                let secs = field.text().await.unwrap_or_default();
                if let Ok(s) = secs.trim().parse::<u64>() {
                    wait = wait.min(Duration::from_secs(s));
                }
            }
            Some("file") => {
                name = field.file_name().unwrap_or("上传的文件").to_string();
                bytes = Some(field.bytes().await.map_err(|e| {
                    format!(
                        "文件上传中断或过大（上限{} MB）：{e}",
                        SHEET_UPLOAD_LIMIT >> 20
                    )
                })?);
            }
            _ => {}
        }
    }
    match bytes {
        Some(b) if !b.is_empty() => Ok(Upload {
            csrf,
            dry_run,
            wait,
            name,
            bytes: b.to_vec(),
        }),
        _ => Err("请选择要导入的文件".into()),
    }
}

pub async fn upload(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    form: Multipart,
) -> Page {
    let mut page = ImportPage::new(&state, &session);
    let Upload {
        csrf,
        dry_run,
        wait,
        name,
        bytes,
    } = match fields(form).await {
        Ok(f) => f,
        Err(e) => {
            page.error = Some(e);
            return Ok(render(StatusCode::BAD_REQUEST, &page));
        }
    };
    check_csrf(&state, &session, &headers, &csrf, "农户导入").await?;
    may_import(&state, &session).await?;
    let Some(token) = dixian_gm::random::<16>()
        .ok()
        .map(|b| dixian_gm::to_hex(&b))
    else {
        page.error = Some("服务器暂时无法开始导入，请稍后再试".into());
        return Ok(render(StatusCode::SERVICE_UNAVAILABLE, &page));
    };
    let user = session.auth.user.id;
    let progress = Arc::new(Progress::default());
    if let Ok(mut map) = jobs().lock() {
        map.retain(|_, j| j.outcome.is_none() || j.at.elapsed() < crate::kept::TTL);
        map.insert(
            token.clone(),
            Job {
                user,
                at: Instant::now(),
                file_name: name.clone(),
                dry_run,
                progress: progress.clone(),
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
        let outcome =
            import::import_households(store.as_ref(), &actor, &name, &bytes, dry_run, &progress)
                .await
                .map(|report| {
                    let mut report_token = None;
                    if !report.problems.is_empty() {
                        tracing::info!(file = %name, problems = report.problems.len(), "导入文件有问题，未写入");
                        if let Ok(kind) = FileKind::of(&name, &bytes)
                            && let Some(file) = import::error_report(kind, &bytes, &report.problems)
                        {
                            report_token = crate::kept::keep(user, kind, file);
                        }
                    }
                    (report, report_token)
                });
        if let Ok(mut map) = jobs().lock()
            && let Some(j) = map.get_mut(&job)
        {
            j.outcome = Some(outcome);
        }
    });
    let started = Instant::now();
    while started.elapsed() < wait {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if job_done(&token) {
            break;
        }
    }
    show_job(&state, &session, &token)
}

fn job_done(token: &str) -> bool {
    jobs()
        .lock()
        .is_ok_and(|map| map.get(token).is_some_and(|j| j.outcome.is_some()))
}

/// An import's page: its progress while it runs, its result once done.
fn show_job(state: &AppState, session: &Session, token: &str) -> Page {
    let mut page = ImportPage::new(state, session);
    let found = jobs().lock().ok().and_then(|map| {
        map.get(token)
            .filter(|j| j.user == session.auth.user.id)
            .map(|j| {
                (
                    j.file_name.clone(),
                    j.dry_run,
                    j.progress.view(),
                    j.outcome.clone(),
                )
            })
    });
    let Some((file_name, dry_run, view, outcome)) = found else {
        let e = AppError::NotFound("导入任务已过期或不存在，请重新上传文件".into());
        return Err(e.into());
    };
    page.file_name = file_name;
    page.dry_run = dry_run;
    Ok(match outcome {
        None => {
            page.running = Some(view);
            page.job_token = token.to_string();
            let mut res = render(StatusCode::ACCEPTED, &page);
            if let Ok(v) =
                axum::http::HeaderValue::from_str(&format!("/households/import/job/{token}"))
            {
                res.headers_mut()
                    .insert(axum::http::header::CONTENT_LOCATION, v);
            }
            res
        }
        Some(Err(e @ AppError::Store(dixian_store::StoreError::Forbidden))) => {
            return Err(e.into());
        }
        Some(Err(e)) => {
            page.error = Some(e.to_string());
            render(crate::error::status_of(&e).0, &page)
        }
        Some(Ok((report, report_token))) => {
            let status = if report.problems.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            page.report = Some(report);
            page.report_token = report_token;
            render(status, &page)
        }
    })
}

/// The page of a running or finished import, refreshed by the browser while it runs.
pub async fn job(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(token): Path<String>,
) -> Page {
    show_job(&state, &session, &token)
}

/// The error report of the user's own upload.
pub async fn report(Extension(session): Extension<Session>, Path(token): Path<String>) -> Page {
    crate::kept::download(&session, &token, "problems", "导入问题")
}
