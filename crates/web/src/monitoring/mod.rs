//! Monitoring and assistance (防止返贫动态监测和帮扶): leads and the public self-declaration, cases with their steps, measures and attachments, visits, notices, the work list and deadlines.

mod api;
mod apply;
mod cases;
mod leads;
mod notices;
mod visits;
mod work;

use crate::AppState;
use crate::forms::field;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// The case version a form was drawn from; a missing one never matches (-1).
pub(super) fn version_of(fields: &[(String, String)]) -> i64 {
    field(fields, "version").trim().parse().unwrap_or(-1)
}

pub(super) fn all(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The pages of this capability; all need a signed-in user.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/work", get(work::work))
        .route("/leads", get(leads::leads).post(leads::report))
        .route("/leads/{id}/decide", post(leads::decide))
        .route("/leads/find", post(leads::find))
        .route("/leads/bulk", post(leads::bulk))
        .route("/leads/export.csv", get(leads::export))
        .route(
            "/leads/import",
            post(leads::import_leads)
                .layer(DefaultBodyLimit::max(crate::limit::SHEET_UPLOAD_LIMIT)),
        )
        .route("/leads/import/{file}", get(leads::lead_template))
        .route("/cases", get(cases::cases))
        .route("/cases/find", post(cases::find))
        .route("/cases/cadres", post(cases::bulk_cadre))
        .route("/cases/export.csv", get(cases::export))
        .route("/sla", get(work::sla))
        .route("/cases/{id}", get(cases::case))
        .route("/cases/{id}/step", post(cases::step))
        .route("/cases/{id}/cadre", post(cases::cadre))
        .route("/cases/{id}/measures", post(cases::measure))
        .route(
            "/cases/{id}/verify",
            post(cases::verify).layer(DefaultBodyLimit::max(crate::limit::ATTACHMENT_UPLOAD_LIMIT)),
        )
        .route(
            "/cases/{id}/attachments",
            post(cases::upload).layer(DefaultBodyLimit::max(crate::limit::ATTACHMENT_UPLOAD_LIMIT)),
        )
        .route("/cases/{id}/attachments/{att}", get(cases::download))
        .route("/cases/{id}/print", get(cases::print))
        .route(
            "/cases/{id}/visits",
            post(visits::visit).layer(DefaultBodyLimit::max(crate::limit::VISIT_UPLOAD_LIMIT)),
        )
        .route("/visits", get(visits::visits))
        .route("/visits/find", post(visits::find))
        .route("/visits/export.csv", get(visits::export))
        .route("/visits/{visit}/photos/{photo}", get(visits::visit_photo))
        .route(
            "/visits/{visit}/photos/{photo}/view",
            get(visits::visit_photo_view),
        )
        .route("/notices/{village}", get(notices::notice))
}

/// The OpenAPI paths of the monitoring JSON API.
pub(crate) fn api_paths() -> serde_json::Value {
    api::paths()
}

/// The monitoring JSON API (see `GET /api/openapi.json`).
pub(crate) fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/leads", get(api::leads).post(api::report))
        .route(
            "/api/leads/bulk",
            post(api::bulk).layer(DefaultBodyLimit::max(crate::limit::SHEET_UPLOAD_LIMIT)),
        )
        .route("/api/leads/{id}/accept", post(api::accept))
        .route("/api/leads/{id}/decline", post(api::decline))
        .route("/api/cases", get(api::cases))
        .route("/api/cases/{id}", get(api::case))
        .route("/api/cases/{id}/history", get(api::history))
        .route("/api/cases/{id}/steps", post(api::step))
        .route("/api/cases/{id}/cadre", post(api::cadre))
        .route("/api/cases/{id}/measures", post(api::measure))
        .route(
            "/api/cases/{id}/attachments",
            post(api::attach).layer(DefaultBodyLimit::max(
                crate::limit::ATTACHMENT_UPLOAD_LIMIT / 3 * 4 + 64 * 1024,
            )),
        )
        .route(
            "/api/cases/{id}/visits",
            // base64 makes the photos a third larger.
            post(api::visit).layer(DefaultBodyLimit::max(
                crate::limit::VISIT_UPLOAD_LIMIT / 3 * 4 + 64 * 1024,
            )),
        )
}

/// The public self-declaration (自主申报) and its status lookup: open to anyone.
pub(crate) fn public() -> Router<AppState> {
    Router::new()
        .route("/apply", get(apply::page).post(apply::submit))
        .route("/api/apply", post(apply::api_submit))
        .route(
            "/apply/status",
            get(apply::status_page).post(apply::status_submit),
        )
}
