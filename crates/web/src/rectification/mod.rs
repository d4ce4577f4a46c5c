//! The rectification ledger (整改台账, issue 22): the list with its filter and the form for a
//! new finding, one item with its history and steps, and the ledger as XLSX (问题清单 · 任务清单 ·
//! 责任清单).

mod pages;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The pages of this capability; all need a signed-in user.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/rectification", get(pages::list).post(pages::create))
        .route("/rectification/export.xlsx", get(pages::export))
        .route("/rectification/{id}", get(pages::show))
        .route(
            "/rectification/{id}/step",
            post(pages::step).layer(axum::extract::DefaultBodyLimit::max(
                crate::limit::ITEM_STEP_UPLOAD_LIMIT,
            )),
        )
        .route("/rectification/{id}/files/{file}", get(pages::evidence))
}
