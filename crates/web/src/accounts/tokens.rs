//! The 系统管理员's page of service accounts (系统接入): creating one with its first token,
//! issuing another token, revoking one. A token is shown once, in the answer to the form that
//! made it; the list shows only its first characters.

use crate::AppState;
use crate::error::Page;
use crate::forms::Posted;
use crate::frame::{Frame, render};
use crate::session::Session;
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use dixian_app::accounts::{NewAccount, service};
use dixian_app::{AppError, accounts};
use dixian_domain::access::Role;
use serde::Deserialize;

struct TokenRow {
    id: i64,
    username: String,
    role: &'static str,
    division: String,
    hint: String,
    created: String,
    expires: String,
    last_used: String,
    state: &'static str,
    active: bool,
}

struct ServiceRow {
    id: i64,
    username: String,
    display_name: String,
}

#[derive(Template)]
#[template(path = "accounts/tokens.html")]
struct TokensPage {
    frame: Frame,
    csrf: String,
    notice: Option<String>,
    /// A token just issued: shown this once.
    token: Option<String>,
    error: Option<String>,
    rows: Vec<TokenRow>,
    services: Vec<ServiceRow>,
    roles: Vec<(&'static str, &'static str)>,
    form: ServiceForm,
}

#[derive(Deserialize, Default, Clone)]
pub struct ServiceForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    division: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    days: String,
}

fn minute(t: chrono::DateTime<Utc>) -> String {
    dixian_app::beijing_minute(t)
}

struct Outcome {
    status: StatusCode,
    notice: Option<String>,
    token: Option<String>,
    error: Option<String>,
}

async fn page(state: &AppState, session: &Session, out: Outcome, form: ServiceForm) -> Page {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let policy = state.security().await;
    let now = Utc::now();
    let (accounts, tokens) = match (
        accounts::account_statuses(store, actor, &policy, now).await,
        service::tokens(store, actor).await,
    ) {
        (Ok(a), Ok(t)) => (a, t),
        (Err(e), _) | (_, Err(e)) => return Err(e.into()),
    };
    let services: Vec<_> = accounts
        .into_iter()
        .map(|s| s.user)
        .filter(|u| u.service)
        .collect();
    let rows = tokens
        .into_iter()
        .map(|t| {
            let owner = services.iter().find(|u| u.id == t.user_id);
            let (state, active) = if t.revoked_at.is_some() {
                ("已吊销", false)
            } else if t.expires_at <= now {
                ("已过期", false)
            } else if !t.approved {
                ("待安全管理员审批", true)
            } else if owner.is_some_and(|u| u.disabled) {
                // Still revocable: a token of an account waiting for approval may leak too.
                ("账号已停用或待审批", true)
            } else {
                ("有效", true)
            };
            TokenRow {
                id: t.id,
                role: owner.map_or("", |u| u.role.label()),
                division: owner.map(|u| u.division.to_string()).unwrap_or_default(),
                username: t.username,
                hint: format!("{}…", t.hint),
                created: format!("{}（{}）", minute(t.created_at), t.created_by),
                expires: minute(t.expires_at),
                last_used: t
                    .last_used_at
                    .map(minute)
                    .unwrap_or_else(|| "从未使用".into()),
                state,
                active,
            }
        })
        .collect();
    Ok(render(
        out.status,
        &TokensPage {
            frame: session.frame(state),
            csrf: session.auth.csrf.clone(),
            notice: out.notice,
            token: out.token,
            error: out.error,
            rows,
            services: services
                .into_iter()
                .map(|u| ServiceRow {
                    id: u.id,
                    username: u.username,
                    display_name: u.display_name,
                })
                .collect(),
            roles: Role::ALL
                .iter()
                .filter(|r| !r.is_administrator())
                .map(|r| (r.code(), r.label()))
                .collect(),
            form: ServiceForm { ..form },
        },
    ))
}

fn issued(t: &service::IssuedToken, what: &str) -> Outcome {
    Outcome {
        status: StatusCode::OK,
        notice: Some(format!(
            "已为系统接入账号{}{what}，有效期至{}。令牌只显示这一次，请立即交给对方系统的管理员。",
            t.username,
            minute(t.expires_at)
        )),
        token: Some(t.token.clone()),
        error: None,
    }
}

fn refused(e: &AppError) -> Outcome {
    Outcome {
        status: StatusCode::BAD_REQUEST,
        notice: None,
        token: None,
        error: Some(e.to_string()),
    }
}

pub async fn tokens_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
) -> Page {
    let out = Outcome {
        status: StatusCode::OK,
        notice: None,
        token: None,
        error: None,
    };
    page(&state, &session, out, ServiceForm::default()).await
}

/// A new service account with its first token.
pub async fn create_service(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: ServiceForm = posted.parse()?;
    let input = NewAccount {
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        role: f.role.clone(),
        division: f.division.trim().to_string(),
        department: Some(f.department.clone()),
    };
    Ok(
        match service::create_service_account(
            state.store.as_ref(),
            state.hashing.as_ref(),
            &session.auth.actor,
            &input,
            &f.days,
            Utc::now(),
        )
        .await
        {
            Ok(t) => {
                page(
                    &state,
                    &session,
                    issued(&t, "签发了令牌（账号须经安全管理员审批后才能使用）"),
                    ServiceForm::default(),
                )
                .await?
            }
            Err(e @ AppError::Store(dixian_store::StoreError::Forbidden)) => {
                return Err(e.into());
            }
            Err(e) => page(&state, &session, refused(&e), f).await?,
        },
    )
}

#[derive(Deserialize)]
pub struct TokenAction {
    /// `issue` (for account `user`) or `revoke` (token `token`).
    #[serde(default)]
    action: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    days: String,
}

/// Issues another token for a service account, or revokes a token.
pub async fn token_action(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: TokenAction = posted.parse()?;
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let number = |text: &str, what: &str| {
        text.trim()
            .parse::<i64>()
            .map_err(|_| AppError::Invalid(vec![format!("请选择{what}")]))
    };
    let out = match f.action.as_str() {
        "issue" => match number(&f.user, "系统接入账号") {
            Ok(user) => service::issue_token(store, actor, user, &f.days, Utc::now())
                .await
                .map(|t| {
                    issued(
                        &t,
                        "签发了新令牌（须经安全管理员审批后才能使用；旧令牌仍有效，不再使用时请吊销）",
                    )
                }),
            Err(e) => Err(e),
        },
        "revoke" => match number(&f.token, "令牌") {
            Ok(id) => service::revoke_token(store, actor, id)
                .await
                .map(|()| Outcome {
                    status: StatusCode::OK,
                    notice: Some(format!("已吊销令牌#{id}，使用它的调用立即被拒绝")),
                    token: None,
                    error: None,
                }),
            Err(e) => Err(e),
        },
        other => Err(AppError::Invalid(vec![format!("未知的令牌操作“{other}”")])),
    };
    Ok(match out {
        Ok(out) => page(&state, &session, out, ServiceForm::default()).await?,
        Err(e @ AppError::Store(dixian_store::StoreError::Forbidden)) => {
            return Err(e.into());
        }
        Err(e) => page(&state, &session, refused(&e), ServiceForm::default()).await?,
    })
}
