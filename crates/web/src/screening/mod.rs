//! Department data and screening (部门数据筛查): feed uploads, runs and their warnings.

mod api;
mod pages;

use crate::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// The pages of this capability; all need a signed-in user.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/screening", get(pages::show))
        .route(
            "/screening/feeds",
            post(pages::upload).layer(DefaultBodyLimit::max(crate::limit::FEED_UPLOAD_LIMIT)),
        )
        .route("/screening/template/{file}", get(pages::template))
        .route("/screening/refused/{token}", get(pages::refused))
        .route("/screening/run", post(pages::run))
        .route("/screening/job/{token}", get(pages::job))
        .route("/screening/job/{token}/confirm", post(pages::confirm))
}

/// The OpenAPI paths of the department data and screening API.
pub(crate) fn api_paths() -> serde_json::Value {
    api::paths()
}

/// The department data and screening API.
pub(crate) fn api_router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/feeds",
            get(api::deliveries)
                .post(api::deliver)
                .layer(DefaultBodyLimit::max(crate::limit::FEED_UPLOAD_LIMIT)),
        )
        .route("/api/screening/runs", get(api::runs).post(api::run))
}
