//! Funds and the project library (资金和项目库): the library list behind every figure, a
//! project with its steps, money and beneficiaries, the proposal form, the printable notice
//! for the village board; the year's funds with the audited checks, a fund document with its
//! split and payments, and the ledgers as XLSX.

mod api;
mod pages;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The pages of this capability; all need a signed-in user.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/projects",
            get(pages::projects).post(pages::create_project),
        )
        .route("/projects/new", get(pages::new_project))
        .route("/projects/roll-over", post(pages::roll_over))
        .route(
            "/projects/import",
            get(pages::import_form).post(pages::import).layer(
                axum::extract::DefaultBodyLimit::max(crate::limit::LIST_UPLOAD_LIMIT),
            ),
        )
        .route("/projects/template/{file}", get(pages::template))
        .route("/projects/{id}", get(pages::project))
        .route(
            "/projects/{id}/step",
            post(pages::step).layer(axum::extract::DefaultBodyLimit::max(
                crate::limit::PROJECT_STEP_UPLOAD_LIMIT,
            )),
        )
        .route("/projects/{id}/files/{file}", get(pages::document))
        .route("/projects/{id}/wages", post(pages::wages))
        .route("/projects/{id}/notice", get(pages::notice))
        .route("/funds", get(pages::funds).post(pages::create_fund))
        .route("/funds/ledger.xlsx", get(pages::ledger))
        .route("/funds/{id}", get(pages::fund))
        .route("/funds/{id}/plan", post(pages::plan))
        .route("/funds/{id}/pay", post(pages::pay))
}

/// The OpenAPI paths of the funds API.
pub(crate) fn api_paths() -> serde_json::Value {
    api::paths()
}

/// The funds and project-library JSON API.
pub(crate) fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/projects", get(api::projects).post(api::propose))
        .route("/api/projects/{id}", get(api::project))
        .route(
            "/api/projects/{id}/steps",
            // base64 makes the files a third larger.
            post(api::step).layer(axum::extract::DefaultBodyLimit::max(
                crate::limit::PROJECT_STEP_UPLOAD_LIMIT / 3 * 4 + 64 * 1024,
            )),
        )
        .route("/api/funds", get(api::funds).post(api::add_fund))
        .route("/api/funds/{id}", get(api::fund))
        .route("/api/funds/{id}/lines", post(api::plan))
        .route("/api/fund-payments", post(api::pay))
}
