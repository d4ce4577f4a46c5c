//! The overview pages: the home page of a jurisdiction, a division, the work dashboard (工作看板).

mod api;
mod board;
mod home;

use crate::AppState;
use axum::Router;
use axum::routing::get;

/// The pages of this capability; all need a signed-in user.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/divisions/{code}", get(home::division))
        .route("/dashboard", get(board::show))
}

/// The OpenAPI paths of this capability's JSON API.
pub(crate) fn api_paths() -> serde_json::Value {
    api::paths()
}

/// This capability's JSON API.
pub(crate) fn api_router() -> Router<AppState> {
    Router::new().route("/api/dashboard", get(api::figures_of))
}
