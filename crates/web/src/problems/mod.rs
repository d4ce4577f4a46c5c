//! The 三保障 and drinking-water problem ledger (问题台账).

mod pages;

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// The pages of this capability; all need a signed-in user.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/problems", get(pages::list).post(pages::create))
        .route("/problems/new", get(pages::new_form))
        .route("/problems/clearing", get(pages::clearing))
        .route("/problems/dispatch", get(pages::dispatch))
        .route("/problems/{id}", get(pages::show))
        .route(
            "/problems/{id}/step",
            post(pages::step).layer(DefaultBodyLimit::max(
                crate::limit::PROBLEM_STEP_UPLOAD_LIMIT,
            )),
        )
        .route("/problems/{id}/files/{file}", get(pages::evidence))
}
