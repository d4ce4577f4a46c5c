//! Resident teams (驻村工作队, issue 22): the list and the county's form for a team, one team
//! with its members and their terms, and its month of day records (page, A4 sheet, XLSX).

mod pages;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The pages of this capability; all need a signed-in user.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/teams", get(pages::list).post(pages::create))
        .route("/teams/{id}", get(pages::show))
        .route("/teams/{id}/members", post(pages::add_member))
        .route("/teams/{id}/members/{member}/end", post(pages::end_member))
        .route("/teams/{id}/end", post(pages::end_team))
        .route("/teams/{id}/days", post(pages::record_days))
        .route("/teams/{id}/print", get(pages::print))
        .route("/teams/{id}/month.xlsx", get(pages::export))
}
