//! The household registry (农户档案): lists, a household and its members, the entry forms, imports, the people search and the registry's JSON API.

mod api;
mod entry;
mod households;
mod import;
mod people;

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};

/// The pages of this capability; all need a signed-in user.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/households", get(households::list))
        .route("/households/{code}", get(households::show))
        .route(
            "/households/{code}/visits",
            post(households::household_visit)
                .layer(DefaultBodyLimit::max(crate::limit::VISIT_UPLOAD_LIMIT)),
        )
        .route(
            "/households/{code}/edit",
            get(households::edit_page).post(households::edit_submit),
        )
        .route(
            "/households/{code}/members/status",
            post(households::member_status),
        )
        .route(
            "/households/{code}/cadres/{user}/end",
            post(households::release_cadre),
        )
        .route(
            "/households/ledger/{file}",
            get(households::export).post(households::export_revealed),
        )
        .route(
            "/households/new",
            get(entry::household_new_page).post(entry::household_new_submit),
        )
        .route(
            "/households/{code}/members/new",
            get(entry::arrival_page).post(entry::arrival_submit),
        )
        .route(
            "/households/{code}/members/edit",
            get(entry::members_page).post(entry::members_submit),
        )
        .route(
            "/households/{code}/assurance",
            get(entry::assurance_page).post(entry::assurance_submit),
        )
        .route(
            "/households/{code}/income",
            get(entry::income_page).post(entry::income_submit),
        )
        .route(
            "/households/import",
            get(import::page)
                .post(import::upload)
                .layer(DefaultBodyLimit::max(crate::limit::SHEET_UPLOAD_LIMIT)),
        )
        .route("/households/import/{file}", get(import::template))
        .route("/households/import/job/{token}", get(import::job))
        .route("/households/import/report/{token}", get(import::report))
        .route(
            "/api/households",
            get(api::api_list).post(api::create_household),
        )
        .route(
            "/api/households/{code}",
            get(api::api_show).put(api::update_household),
        )
        .route(
            "/api/households/{code}/members/{person}/status",
            post(api::member_status),
        )
        .route(
            "/api/households/{code}/members",
            post(api::add_member).put(api::update_members),
        )
        .route("/api/households/{code}/income", put(api::set_income))
        .route("/api/households/{code}/assurance", put(api::set_assurance))
        .route(
            "/people",
            get(people::people_page).post(people::people_search),
        )
        .route("/people/reveal", post(people::people_reveal))
        .route("/people/export.csv", get(people::people_export))
}
