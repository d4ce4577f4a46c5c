//! Person lookup (人员查询) with the audited reveal of a full ID number.

use crate::AppState;
use crate::error::Page;
use crate::forms::Posted;
use crate::frame::{Frame, render};
use crate::session::Session;
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use dixian_app::AppError;
use dixian_app::registry::people;
use dixian_domain::access::Permission;
use dixian_store::PersonLocation;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "registry/people.html")]
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
) -> Page {
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
        return Err(e.into());
    }
    Ok(render(StatusCode::OK, &PeoplePage::new(&state, &session)))
}

#[derive(Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    id_number: String,
}

/// Searching is a POST: an ID number in the address would land in browser history and
/// server logs.
pub async fn people_search(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: SearchForm = posted.parse()?;
    let mut page = PeoplePage::new(&state, &session);
    page.searched = true;
    match people::find(state.store.as_ref(), &session.auth.actor, &f.id_number).await {
        Ok(found) => page.found = found,
        Err(e @ AppError::Invalid(_)) => {
            page.typed = f.id_number.chars().take(40).collect();
            page.error = Some(e.to_string());
            return Ok(render(StatusCode::BAD_REQUEST, &page));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct RevealForm {
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
    posted: Posted,
) -> Page {
    let f: RevealForm = posted.parse()?;
    let mut page = PeoplePage::new(&state, &session);
    page.searched = true;
    Ok(
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
            Err(e) => return Err(e.into()),
        },
    )
}
