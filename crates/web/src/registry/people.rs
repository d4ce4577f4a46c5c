//! Person lookup (人员查询) by name or ID number, with the audited reveal of a full ID number.

use crate::AppState;
use crate::error::Page;
use crate::forms::Posted;
use crate::frame::{Frame, render};
use crate::session::Session;
use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use dixian_app::AppError;
use dixian_app::registry::people;
use dixian_domain::access::Permission;
use dixian_store::{PersonLocation, PersonPage};
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
    /// The village of `found`, in words.
    found_village: String,
    may_reveal: bool,
    revealed: Option<String>,
    /// A search by name: what was typed, its problem, the page of people found.
    name: String,
    /// `name` escaped for the pager's addresses.
    name_link: String,
    name_error: Option<String>,
    named: Option<PersonPage>,
    page: i64,
    pages: i64,
    may_export: bool,
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
            found_village: String::new(),
            may_reveal: session.auth.actor.may(Permission::RevealPii),
            revealed: None,
            name: String::new(),
            name_link: String::new(),
            name_error: None,
            named: None,
            page: 1,
            pages: 1,
            may_export: session.auth.actor.may(Permission::ExportLedger),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct NameQuery {
    /// Absent: the page as first opened; present but blank: a search of nothing, said so.
    #[serde(default)]
    name: Option<String>,
    /// 1-based; as typed, so a wrong one is said in words.
    #[serde(default)]
    page: Option<String>,
}

/// The page; with `name`, the people of the area whose name contains it (a name is not an ID
/// number: it may sit in the address, so the list pages and can be shared).
pub async fn people_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<NameQuery>,
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
    let mut page = PeoplePage::new(&state, &session);
    let Some(name) = q.name else {
        return Ok(render(StatusCode::OK, &page));
    };
    page.name = name.chars().take(40).collect();
    page.name_link = crate::session::url_escape(page.name.trim());
    page.page = match q.page.as_deref().map(str::trim) {
        None | Some("") => 1,
        Some(t) => match t.parse::<i64>() {
            Ok(n) if n >= 1 => n,
            _ => {
                page.name_error = Some(format!(
                    "页码“{}”无效",
                    t.chars().take(20).collect::<String>()
                ));
                return Ok(render(StatusCode::BAD_REQUEST, &page));
            }
        },
    };
    match people::named(state.store.as_ref(), &session.auth.actor, &name, page.page).await {
        Ok(found) => {
            page.pages = ((found.total + people::PEOPLE_PAGE - 1) / people::PEOPLE_PAGE).max(1);
            page.named = Some(found);
            Ok(render(StatusCode::OK, &page))
        }
        Err(AppError::Fields(problems)) => {
            page.name_error = problems.into_iter().next().map(|(_, m)| m);
            Ok(render(StatusCode::BAD_REQUEST, &page))
        }
        Err(e) => Err(e.into()),
    }
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
        Ok(found) => {
            if let Some(p) = &found {
                page.found_village = match state.store.division(&p.village).await {
                    Ok(Some(d)) => d.name,
                    _ => p.village.to_string(),
                };
            }
            page.found = found;
        }
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

/// `GET /people/export.csv?name=`: everyone a search by name finds, as a file (masked,
/// audited).
pub async fn people_export(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<NameQuery>,
) -> Page {
    let name = q.name.unwrap_or_default();
    let csv = people::export_named(state.store.as_ref(), &session.auth.actor, &name).await?;
    Ok(crate::frame::download(
        csv,
        crate::frame::CSV,
        &format!("people-{}.csv", state.today()),
        &format!("人员清单-{}.csv", state.today()),
    ))
}
