//! Cadres around villages (issue 22): 包片/包村 pairings and the hand-over of a leaving
//! 帮扶责任人's households, the 五级书记遍访 with its coverage, and the information-officer grid.

mod api;
mod pages;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The pages of this capability; all need a signed-in user.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/pairings", get(pages::pairings).post(pages::add_pairing))
        .route("/pairings/{id}/end", post(pages::end_pairing))
        .route("/pairings/hand-over", post(pages::hand_over))
        .route("/tours", get(pages::tours).post(pages::add_tour))
        .route("/grid", get(pages::grid).post(pages::add_officer))
        .route("/grid/{id}/end", post(pages::end_officer))
}

/// The OpenAPI paths of this capability's JSON API.
pub(crate) fn api_paths() -> serde_json::Value {
    api::paths()
}

/// The cadres' JSON API (read-only): pairings and hand-overs, 遍访 coverage, the grid.
pub(crate) fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/pairings", get(api::pairings))
        .route("/api/tours", get(api::tours))
        .route("/api/grid", get(api::grid))
}
