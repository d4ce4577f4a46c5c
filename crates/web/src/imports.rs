//! The page of a list import (项目清单、资产台账): its templates to download, the upload form,
//! and the outcome — how many rows were taken, or every problem by file, row and column with
//! nothing written. A leaf: each capability passes what is its own (names, template maker,
//! the use case that imports).

use crate::AppState;
use crate::error::{Page, PageError};
use crate::forms::Posted;
use crate::frame::{Frame, render};
use crate::session::Session;
use askama::Template;
use axum::http::StatusCode;
use dixian_app::AppError;
use dixian_app::sheet::FileKind;

/// What one list import is called and where it lives.
pub(crate) struct ImportSpec {
    /// e.g. 项目清单.
    pub what: &'static str,
    /// The list page it belongs to, and its name.
    pub back: (&'static str, &'static str),
    /// The address prefix: `{base}/import`, `{base}/template/template.xlsx`.
    pub base: &'static str,
    /// For the file names of the templates.
    pub ascii: &'static str,
    /// What one row is, with its measure word (个项目).
    pub unit: &'static str,
    pub note: &'static str,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportPage<'a> {
    frame: Frame,
    spec: &'a ImportSpec,
    done: Option<String>,
    problems: Vec<String>,
}

fn page(
    status: StatusCode,
    frame: Frame,
    spec: &ImportSpec,
    done: Option<String>,
    problems: Vec<String>,
) -> Page {
    Ok(render(
        status,
        &ImportPage {
            frame,
            spec,
            done,
            problems,
        },
    ))
}

/// `GET {base}/import`.
pub(crate) fn form(state: &AppState, session: &Session, spec: &ImportSpec) -> Page {
    page(StatusCode::OK, session.frame(state), spec, None, Vec::new())
}

/// `GET {base}/template/{file}`: the template made by `make`.
pub(crate) fn template(
    file: &str,
    spec: &ImportSpec,
    make: fn(FileKind) -> Result<Vec<u8>, AppError>,
) -> Page {
    let (kind, mime, ext) = match file {
        "template.xlsx" => (FileKind::Xlsx, crate::frame::XLSX, "xlsx"),
        "template.csv" => (FileKind::Csv, crate::frame::CSV, "csv"),
        _ => return Err(AppError::NotFound(format!("没有模板“{file}”")).into()),
    };
    Ok(crate::frame::download(
        make(kind)?,
        mime,
        &format!("{}-template.{ext}", spec.ascii),
        &format!("{}模板.{ext}", spec.what),
    ))
}

/// `POST {base}/import`: the file given to `run` (name, bytes), taken whole or not at all.
pub(crate) async fn upload<F, Fut>(
    state: &AppState,
    session: &Session,
    spec: &ImportSpec,
    posted: Result<Posted, PageError>,
    run: F,
) -> Page
where
    F: FnOnce(String, Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = Result<usize, AppError>>,
{
    let frame = session.frame(state);
    let mut posted = match posted {
        Ok(p) => p,
        Err(PageError::App(e)) => {
            return page(
                StatusCode::BAD_REQUEST,
                frame,
                spec,
                None,
                vec![e.to_string()],
            );
        }
        Err(other) => return Err(other),
    };
    let Some((name, bytes)) = posted.take_file() else {
        return page(
            StatusCode::BAD_REQUEST,
            frame,
            spec,
            None,
            vec!["请选择要导入的文件".into()],
        );
    };
    match run(name.clone(), bytes).await {
        Ok(n) => page(
            StatusCode::OK,
            frame,
            spec,
            Some(format!("已导入{n}{}。", spec.unit)),
            Vec::new(),
        ),
        Err(AppError::Invalid(lines)) => {
            tracing::warn!(file = %name, problems = lines.len(), what = spec.what, "导入被拒绝");
            page(StatusCode::BAD_REQUEST, frame, spec, None, lines)
        }
        Err(e) => Err(e.into()),
    }
}
