//! The overview pages: the home page of a jurisdiction, a division, the work dashboard (工作看板).

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
