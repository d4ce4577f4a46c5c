//! Reports generated from what is stored: the monthly bulletin (月通报), the standard ledgers (标准台账), data quality (数据质量).

mod api;
mod bulletin;
mod ledgers;
mod quality;

use crate::AppState;
use axum::Router;
use axum::routing::get;

/// The pages of this capability; all need a signed-in user.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/bulletin", get(bulletin::page))
        .route("/bulletin.xlsx", get(bulletin::xlsx))
        .route("/ledgers", get(ledgers::page))
        .route(
            "/ledgers/{file}",
            get(ledgers::file).post(ledgers::file_revealed),
        )
        .route("/quality", get(quality::show))
        .route("/quality.csv", get(quality::csv))
}

/// The OpenAPI paths of this capability's JSON API.
pub(crate) fn api_paths() -> serde_json::Value {
    api::paths()
}

/// This capability's JSON API.
pub(crate) fn api_router() -> Router<AppState> {
    Router::new().route("/api/bulletin", get(api::bulletin_of))
}
