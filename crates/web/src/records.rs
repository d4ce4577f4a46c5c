//! Person lookup with audited reveal, and the auditor's view of the audit trail.

use crate::error::error_page;
use crate::session::{Session, check_csrf};
use crate::{AppState, Frame, render};
use askama::Template;
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use dixian_app::auditing::{self, AuditQuery};
use dixian_app::{AppError, beijing, people};
use dixian_domain::access::Permission;
use dixian_store::PersonLocation;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    frame: Frame,
    csrf: String,
    /// What was typed, shown back only when it was malformed (never a valid full number).
    typed: String,
    searched: bool,
    error: Option<String>,
    found: Option<PersonLocation>,
    may_reveal: bool,
    revealed: Option<String>,
}

impl PeoplePage {
    fn new(state: &AppState, session: &Session) -> PeoplePage {
        PeoplePage {
            frame: session.frame(state),
            csrf: session.auth.csrf.clone(),
            typed: String::new(),
            searched: false,
            error: None,
            found: None,
            may_reveal: session.auth.actor.may(Permission::RevealPii),
            revealed: None,
        }
    }
}

pub async fn people_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
) -> Response {
    if !session.auth.actor.may(Permission::ViewRegistry) {
        let e = AppError::Store(dixian_store::StoreError::Forbidden);
        // Audit the attempt like any other refusal.
        let _ = dixian_app::accounts::require(
            state.store.as_ref(),
            &session.auth.actor,
            Permission::ViewRegistry,
            "人员查询",
        )
        .await;
        return error_page(&state, Some(&session), &e);
    }
    render(StatusCode::OK, &PeoplePage::new(&state, &session))
}

#[derive(Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id_number: String,
}

/// Searching is a POST: an ID number in the address would land in browser history and
/// server logs.
pub async fn people_search(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Form(f): Form<SearchForm>,
) -> Response {
    if let Err(r) = check_csrf(&state, &session, &headers, &f.csrf, "人员查询").await {
        return r;
    }
    let mut page = PeoplePage::new(&state, &session);
    page.searched = true;
    match people::find(state.store.as_ref(), &session.auth.actor, &f.id_number).await {
        Ok(found) => page.found = found,
        Err(e @ AppError::Invalid(_)) => {
            page.typed = f.id_number.chars().take(40).collect();
            page.error = Some(e.to_string());
            return render(StatusCode::BAD_REQUEST, &page);
        }
        Err(e) => return error_page(&state, Some(&session), &e),
    }
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    person_id: i64,
    #[serde(default)]
    id_masked: String,
    #[serde(default)]
    reason: String,
}

pub async fn people_reveal(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Form(f): Form<RevealForm>,
) -> Response {
    if let Err(r) = check_csrf(&state, &session, &headers, &f.csrf, "查看完整身份证号").await
    {
        return r;
    }
    let mut page = PeoplePage::new(&state, &session);
    page.searched = true;
    match people::reveal(
        state.store.as_ref(),
        &session.auth.actor,
        f.person_id,
        &f.reason,
    )
    .await
    {
        Ok(id) => {
            page.revealed = Some(id.to_string());
            render(StatusCode::OK, &page)
        }
        Err(AppError::Store(dixian_store::StoreError::Invalid(msg))) => {
            page.error = Some(format!(
                "{msg}（{}）",
                f.id_masked.chars().take(18).collect::<String>()
            ));
            render(StatusCode::BAD_REQUEST, &page)
        }
        Err(e) => error_page(&state, Some(&session), &e),
    }
}

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
#[template(path = "audit.html")]
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
) -> Response {
    let mut page = AuditPage {
        frame: session.frame(&state),
        actions: auditing::actions().to_vec(),
        error: None,
        rows: Vec::new(),
        link: p.link(),
        older: None,
        params: p,
    };
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
        Err(e) => error_page(&state, Some(&session), &e),
    }
}

pub async fn audit_export(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(p): Query<AuditParams>,
) -> Response {
    match auditing::export_csv(state.store.as_ref(), &session.auth.actor, &p.query()).await {
        Ok((csv, _)) => {
            let name = format!("审计记录_{}.csv", dixian_app::today().format("%Y%m%d"));
            crate::download(csv, crate::CSV, "audit.csv", &name)
        }
        Err(e) => error_page(&state, Some(&session), &e),
    }
}
