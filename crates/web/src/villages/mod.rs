//! Villages (村, issue 22): the villages of an area with their designations, collective income
//! of a year and the gap to the pack's target; designations recorded by the county; the 农经
//! statement imported; the weak-village reverse ranking.

mod api;
mod pages;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The pages of this capability; all need a signed-in user.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/villages", get(pages::villages))
        .route("/villages/designations", post(pages::designate))
        .route("/villages/designations/end", post(pages::end_designation))
        .route(
            "/villages/import",
            get(pages::import_form).post(pages::import).layer(
                axum::extract::DefaultBodyLimit::max(crate::limit::LIST_UPLOAD_LIMIT),
            ),
        )
        .route("/villages/template/{file}", get(pages::template))
        .route("/villages/weak", get(pages::weak).post(pages::enrol))
        .route("/villages/{code}", get(pages::village))
}

/// The OpenAPI paths of the village work's JSON API.
pub(crate) fn api_paths() -> serde_json::Value {
    api::paths()
}

/// The village work's JSON API (read-only): villages, the weak-village programme, the
/// rectification ledger and the resident teams.
pub(crate) fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/villages", get(api::list))
        .route("/api/villages/weak", get(api::weak))
        .route("/api/villages/{code}", get(api::show))
        .route("/api/rectification", get(api::items))
        .route("/api/teams", get(api::teams))
        .route("/api/teams/{id}/month", get(api::team_month))
}
