//! Visits (走访) to a household, with photos (optional), recorded from a case or a household.

use crate::AppState;
use crate::error::Page;
use crate::error::PageError;
use crate::forms::Posted;
use crate::forms::{field, stored_or_missing};
use crate::monitoring::cases::after_step;
use crate::session::Session;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::response::Redirect;
use dixian_app::monitoring as flow;

/// 走访 of a household outside any case (a 脱贫户), from the household page.
pub async fn household_visit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    mut posted: Posted,
) -> Page {
    let photos = posted.take_files();
    let fields = posted.fields();
    let f = visit_form(fields);
    Ok(
        match flow::record_household_visit(
            state.store.as_ref(),
            &session.auth.actor,
            &code,
            &f,
            photos,
            state.today(),
        )
        .await
        {
            Ok(_) => Redirect::to(&format!("/households/{code}?visited=1")).into_response(),
            Err(e) => return Err(e.into()),
        },
    )
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
    posted: Result<Posted, PageError>,
) -> Page {
    let mut posted = match posted {
        Ok(p) => p,
        Err(PageError::App(e)) => {
            return after_step(&state, &session, id, None, Err(e), "visit-form", &[]).await;
        }
        Err(refused) => return Err(refused),
    };
    let photos = posted.take_files();
    let fields = posted.fields();
    let f = visit_form(fields);
    let result = flow::record_visit(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        photos,
        state.today(),
    )
    .await
    .map(|_| ());
    Ok(match result {
        Ok(()) => Redirect::to(&format!("/cases/{id}?done=visit#case-done")).into_response(),
        Err(e) => after_step(&state, &session, id, None, Err(e), "visit-form", fields).await?,
    })
}

/// A visit photo shown in the page (a thumbnail, or opened full size): decrypted and audited
/// like a download, but only a JPEG or PNG is ever sent inline — anything else downloads.
pub async fn visit_photo_view(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path((visit, photo)): Path<(i64, i64)>,
) -> Page {
    send_photo(&state, &session, visit, photo, true).await
}

pub async fn visit_photo(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path((visit, photo)): Path<(i64, i64)>,
) -> Page {
    send_photo(&state, &session, visit, photo, false).await
}

async fn send_photo(
    state: &AppState,
    session: &Session,
    visit: i64,
    photo: i64,
    inline: bool,
) -> Page {
    let found = state
        .store
        .visit_photo(&session.auth.actor, visit, photo)
        .await;
    let stem = format!("visit{visit}-{photo}");
    let missing = || format!("走访#{visit}没有照片#{photo}");
    if !inline {
        return stored_or_missing(found, &stem, missing);
    }
    match found? {
        Some((meta, bytes)) => Ok(crate::forms::stored_picture(
            bytes,
            &meta.content_type,
            &stem,
            &meta.name,
        )),
        None => Err(dixian_app::AppError::NotFound(missing()).into()),
    }
}
