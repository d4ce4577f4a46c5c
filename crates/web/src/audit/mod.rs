//! The audit log (审计记录): reading and exporting it.

use crate::AppState;
use crate::error::Page;
use crate::frame::{Frame, render};
use crate::session::Session;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Router};
use dixian_app::auditing::AuditQuery;
use dixian_app::{AppError, auditing, beijing};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct AuditParams {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    before: Option<i64>,
}

impl AuditParams {
    fn query(&self) -> AuditQuery {
        AuditQuery {
            actor: self.actor.clone(),
            action: self.action.clone(),
            target: self.target.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            before: self.before,
        }
    }

    /// The filter part of the address, for paging and export links.
    fn link(&self) -> String {
        crate::session::query_string(&[
            ("actor", &self.actor),
            ("action", &self.action),
            ("target", &self.target),
            ("from", &self.from),
            ("to", &self.to),
        ])
    }
}

struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    source: String,
    action: String,
    target: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "audit/audit.html")]
struct AuditPage {
    frame: Frame,
    params: AuditParams,
    actions: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    rows: Vec<AuditRow>,
    link: String,
    older: Option<i64>,
}

const PAGE: i64 = 50;

pub async fn audit_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(p): Query<AuditParams>,
) -> Page {
    let mut page = AuditPage {
        frame: session.frame(&state),
        actions: auditing::actions().to_vec(),
        error: None,
        rows: Vec::new(),
        link: p.link(),
        older: None,
        params: p,
    };
    Ok(
        match auditing::page(
            state.store.as_ref(),
            &session.auth.actor,
            &page.params.query(),
            PAGE,
        )
        .await
        {
            Ok(records) => {
                if records.len() as i64 == PAGE {
                    page.older = records.last().map(|r| r.seq);
                }
                page.rows = records
                    .into_iter()
                    .map(|r| AuditRow {
                        seq: r.seq,
                        at: beijing(r.at).format("%Y-%m-%d %H:%M:%S").to_string(),
                        actor: r.actor,
                        source: r.source.unwrap_or_default(),
                        action: auditing::action_label(&r.action).to_string(),
                        target: r.target,
                        detail: r.detail,
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

pub async fn audit_export(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(p): Query<AuditParams>,
) -> Page {
    Ok(
        match auditing::export_csv(state.store.as_ref(), &session.auth.actor, &p.query()).await {
            Ok((csv, _)) => {
                let name = format!("审计记录_{}.csv", state.today().format("%Y%m%d"));
                crate::frame::download(csv, crate::frame::CSV, "audit.csv", &name)
            }
            Err(e) => return Err(e.into()),
        },
    )
}

/// The pages of this capability; all need a signed-in user.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/audit", get(audit_page))
        .route("/audit/export.csv", get(audit_export))
}
