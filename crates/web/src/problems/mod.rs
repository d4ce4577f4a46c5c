//! The 三保障 and drinking-water problem ledger (问题台账).

mod api;
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
        .route("/problems/export.csv", get(pages::export))
        .route("/problems/find", axum::routing::post(pages::find))
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

/// The OpenAPI paths of the problem ledger's JSON API.
pub(crate) fn api_paths() -> serde_json::Value {
    api::paths()
}

/// The problem ledger's JSON API.
pub(crate) fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/problems", get(api::list).post(api::create))
        .route("/api/problems/{id}", get(api::show))
        .route(
            "/api/problems/{id}/steps",
            // base64 makes the files a third larger.
            post(api::step).layer(DefaultBodyLimit::max(
                crate::limit::PROBLEM_STEP_UPLOAD_LIMIT / 3 * 4 + 64 * 1024,
            )),
        )
}
