//! Accounts (账号): sign-in, password and own account pages, user administration and the security policy.

mod admin;
mod sign_in;
mod tokens;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The pages of this capability; all need a signed-in user.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(admin::users).post(admin::create_user))
        .route("/admin/users/action", post(admin::account_action))
        .route("/admin/users/requests", post(admin::decide_request))
        .route(
            "/admin/security",
            get(admin::security_page).post(admin::security_submit),
        )
        .route(
            "/admin/tokens",
            get(tokens::tokens_page).post(tokens::create_service),
        )
        .route("/admin/tokens/action", post(tokens::token_action))
        .route("/account", get(sign_in::account_page))
        .route(
            "/account/password",
            get(sign_in::password_page).post(sign_in::password_submit),
        )
        .route("/account/logout-all", post(sign_in::logout_all))
        .route("/logout", post(sign_in::logout))
}

/// The sign-in page: open to anyone.
pub(crate) fn public() -> Router<AppState> {
    Router::new().route(
        "/login",
        get(sign_in::login_page).post(sign_in::login_submit),
    )
}
