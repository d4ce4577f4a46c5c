//! The standard ledgers page (标准台账) and their XLSX downloads: masked by a plain link, in
//! full only through a posted form with a reason.

use crate::AppState;
use crate::error::Page;
use crate::forms::Posted;
use crate::frame::{Frame, XLSX, download, render};
use crate::session::Session;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use dixian_app::AppError;
use dixian_app::ledgers::{LedgerKind, build, file_name};
use dixian_domain::access::Permission;
use dixian_domain::division::DivisionCode;
use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
pub struct AreaQuery {
    #[serde(default)]
    area: String,
}

async fn area_of(
    state: &AppState,
    session: &Session,
    text: &str,
) -> Result<DivisionCode, AppError> {
    dixian_app::dashboard::area_or_home(state.store.as_ref(), &session.auth.actor, text).await
}

#[derive(Template)]
#[template(path = "reports/ledgers.html")]
struct LedgersPage {
    frame: Frame,
    area: String,
    name: String,
    /// (code, label, what a row is, has ID numbers)
    ledgers: Vec<(&'static str, String, &'static str, bool)>,
    may_reveal: bool,
}

pub async fn page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AreaQuery>,
) -> Page {
    let area = area_of(&state, &session, &q.area).await?;
    let actor = &session.auth.actor;
    if let Err(e) = dixian_app::accounts::require(
        state.store.as_ref(),
        actor,
        Permission::ExportLedger,
        "标准台账",
    )
    .await
    {
        return Err(e.into());
    }
    if !actor.scope.covers(&area) {
        return Err(AppError::Store(dixian_store::StoreError::Forbidden).into());
    }
    let name = match state.store.division(&area).await {
        Ok(Some(d)) => d.name,
        Ok(None) => return Err(AppError::NotFound(format!("区划代码{area}不存在")).into()),
        Err(e) => return Err(e.into()),
    };
    // Titled as the files will be: with the name in force today (2026: 防止返贫致贫对象台账).
    let object_name =
        dixian_app::policy::object_name(state.store.as_ref(), area.as_str(), state.today()).await;
    Ok(render(
        StatusCode::OK,
        &LedgersPage {
            frame: session.frame(&state),
            area: area.to_string(),
            name,
            ledgers: LedgerKind::ALL
                .iter()
                .map(|k| {
                    (
                        k.code(),
                        k.label().replace("监测对象", &object_name),
                        k.rows_are(),
                        k.has_id_numbers(),
                    )
                })
                .collect(),
            may_reveal: actor.may(Permission::RevealPii),
        },
    ))
}

async fn send(
    state: &AppState,
    session: &Session,
    file: &str,
    area: &str,
    reveal: Option<&str>,
) -> Page {
    let Some(kind) = file.strip_suffix(".xlsx").and_then(LedgerKind::parse) else {
        return Err(AppError::NotFound("没有这个台账，请检查网址".into()).into());
    };
    let area = match area_of(state, session, area).await {
        Ok(a) => a,
        Err(e) => return Err(e.into()),
    };
    let on = state.today();
    let ledger = match build(
        state.store.as_ref(),
        &session.auth.actor,
        kind,
        &area,
        reveal,
        on,
    )
    .await
    {
        Ok(l) => l,
        Err(e) => return Err(e.into()),
    };
    let mut bytes = Vec::new();
    if let Err(e) =
        dixian_app::workbook::write_tables(std::slice::from_ref(&ledger.table), &mut bytes)
    {
        return Err(e.into());
    }
    Ok(download(
        bytes,
        XLSX,
        &format!("{}-{area}-{on}.xlsx", kind.code()),
        &file_name(&ledger, on),
    ))
}

pub async fn file(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(file): Path<String>,
    Query(q): Query<AreaQuery>,
) -> Page {
    send(&state, &session, &file, &q.area, None).await
}

/// The same ledger with the heads' ID numbers in full: posted with a reason, never a link.
pub async fn file_revealed(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(file): Path<String>,
    Query(q): Query<AreaQuery>,
    posted: Posted,
) -> Page {
    let f: crate::forms::RevealFields = posted.parse()?;
    send(&state, &session, &file, &q.area, Some(&f.reason)).await
}
