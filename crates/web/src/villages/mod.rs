//! Villages (村, issue 22): the villages of an area with their designations, collective income
//! of a year and the gap to the pack's target; designations recorded by the county; the 农经
//! statement imported; the weak-village reverse ranking.

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
