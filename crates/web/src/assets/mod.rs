//! Project assets (项目资产): the area's assets by class with idle and low-return ones
//! flagged, registering what a finished project handed over, an asset's page with income,
//! distribution plans and their steps, disposal and write-off, and the ledgers as XLSX.

mod api;
mod pages;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The pages of this capability; all need a signed-in user.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/assets", get(pages::list).post(pages::create))
        .route("/assets/new", get(pages::new_form))
        .route("/assets/ledger.xlsx", get(pages::ledger))
        .route(
            "/assets/import",
            get(pages::import_form).post(pages::import).layer(
                axum::extract::DefaultBodyLimit::max(crate::limit::LIST_UPLOAD_LIMIT),
            ),
        )
        .route("/assets/template/{file}", get(pages::template))
        .route("/assets/{id}", get(pages::show))
        .route("/assets/{id}/income", post(pages::income))
        .route("/assets/{id}/plan", post(pages::plan))
        .route("/assets/{id}/plan-step", post(pages::plan_step))
        .route("/assets/{id}/payout", post(pages::payout))
        .route("/assets/{id}/end", post(pages::end))
}

/// The OpenAPI paths of the assets API.
pub(crate) fn api_paths() -> serde_json::Value {
    api::paths()
}

/// The assets JSON API.
pub(crate) fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/assets", get(api::list).post(api::create))
        .route("/api/assets/{id}", get(api::show))
        .route("/api/assets/{id}/incomes", post(api::income))
        .route("/api/assets/{id}/plans", post(api::plan))
        .route("/api/assets/{id}/payouts", post(api::payout))
}
