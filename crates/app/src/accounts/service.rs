//! Service accounts (系统接入账号) and their tokens (接入令牌): how another system — a
//! department's data system pushing its month, a provincial platform reading figures — calls
//! the JSON API. A service account is an account like a person's, bound to a role and an area
//! (so the store scopes and audits its calls the same way), that never signs in with a
//! password. Its token is shown once when issued; only the SM3 hash is stored. Tokens expire
//! and the 系统管理员 revokes them at once.

use super::auth::{AuthError, Authenticated, actor_of, random_hex};
use super::{NewAccount, PasswordHashing, insert_account, require};
use crate::AppError;
use chrono::{DateTime, Duration, Utc};
use dixian_domain::access::{Actor, Permission, Role};
use dixian_gm::sm3;
use dixian_store::{NewServiceToken, ServiceTokenRecord, Store};

/// Every token starts so, which tells a token from a session cookie in a header or a log.
pub const TOKEN_PREFIX: &str = "dxs_";

/// The longest a token may live: a year, so a forgotten token does not live for ever.
pub const MAX_TOKEN_DAYS: i64 = 366;

/// A token as issued: `token` is shown once and cannot be read again.
#[derive(Clone)]
pub struct IssuedToken {
    pub user_id: i64,
    pub token_id: i64,
    pub username: String,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

// Never the token itself in a log line.
impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("user_id", &self.user_id)
            .field("token_id", &self.token_id)
            .field("username", &self.username)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

fn days_of(text: &str) -> Result<i64, AppError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(90);
    }
    t.parse::<i64>()
        .ok()
        .filter(|d| (1..=MAX_TOKEN_DAYS).contains(d))
        .ok_or_else(|| {
            AppError::Invalid(vec![format!("有效期“{t}”无效：应为1–{MAX_TOKEN_DAYS}天")])
        })
}

/// Creates a service account (checked like any account) and issues its first token, valid
/// for `days` (empty: 90).
pub async fn create_service_account(
    store: &dyn Store,
    hashing: &dyn PasswordHashing,
    actor: &Actor,
    input: &NewAccount,
    days: &str,
    now: DateTime<Utc>,
) -> Result<IssuedToken, AppError> {
    require(store, actor, Permission::ManageUsers, &input.username).await?;
    // The three administrators (三员) are people; a machine never holds their roles.
    if Role::parse(&input.role).is_some_and(Role::is_administrator) {
        return Err(AppError::Invalid(vec![format!(
            "系统接入账号不能是{}：三员只能由本人使用",
            Role::parse(&input.role).map_or("管理员", Role::label)
        )]));
    }
    let days = days_of(days)?;
    // A password nobody knows, so the row is like any other; sign-in refuses it anyway.
    let unknown = random_hex::<32>()?;
    let user_id = insert_account(store, hashing, actor, input, &unknown, false, true).await?;
    issue(store, actor, user_id, days, now).await
}

/// Issues another token for service account `user_id` (e.g. before the old one expires).
pub async fn issue_token(
    store: &dyn Store,
    actor: &Actor,
    user_id: i64,
    days: &str,
    now: DateTime<Utc>,
) -> Result<IssuedToken, AppError> {
    require(
        store,
        actor,
        Permission::ManageUsers,
        &format!("账号#{user_id}"),
    )
    .await?;
    let days = days_of(days)?;
    issue(store, actor, user_id, days, now).await
}

async fn issue(
    store: &dyn Store,
    actor: &Actor,
    user_id: i64,
    days: i64,
    now: DateTime<Utc>,
) -> Result<IssuedToken, AppError> {
    let token = format!("{TOKEN_PREFIX}{}", random_hex::<32>()?);
    let expires_at = now + Duration::days(days);
    let new = NewServiceToken {
        user_id,
        token_hash: sm3(token.as_bytes()).to_vec(),
        hint: token.chars().take(TOKEN_PREFIX.len() + 6).collect(),
        created_at: now,
        expires_at,
    };
    let token_id = store.create_service_token(actor, &new).await?;
    let username = store
        .user_by_id(user_id)
        .await?
        .map(|u| u.username)
        .unwrap_or_default();
    Ok(IssuedToken {
        user_id,
        token_id,
        username,
        token,
        expires_at,
    })
}

/// The tokens of the service accounts the actor administers.
pub async fn tokens(store: &dyn Store, actor: &Actor) -> Result<Vec<ServiceTokenRecord>, AppError> {
    Ok(store.service_tokens(actor).await?)
}

/// Revokes token `id`: the next call with it is refused.
pub async fn revoke_token(store: &dyn Store, actor: &Actor, id: i64) -> Result<(), AppError> {
    Ok(store.revoke_service_token(actor, id).await?)
}

/// The service account a bearer token stands for, as a signed-in actor. Unknown, revoked and
/// expired tokens and disabled accounts are all refused alike.
pub async fn authenticate(
    store: &dyn Store,
    token: &str,
    source: Option<String>,
    now: DateTime<Utc>,
) -> Result<Authenticated, AuthError> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Err(AuthError::NoSession);
    }
    let record = store
        .service_token(&sm3(token.as_bytes()))
        .await?
        .ok_or(AuthError::NoSession)?;
    if record.revoked_at.is_some() {
        return Err(AuthError::NoSession);
    }
    // Issued by the system administrator, not yet approved by a security administrator.
    if !record.approved {
        return Err(AuthError::Disabled);
    }
    if now >= record.expires_at {
        return Err(AuthError::Expired);
    }
    let user = store
        .user_by_id(record.user_id)
        .await?
        .filter(|u| u.service)
        .ok_or(AuthError::NoSession)?;
    if user.disabled {
        return Err(AuthError::Disabled);
    }
    // Writing on every call would serialise reads behind the writer; a minute is enough.
    if record
        .last_used_at
        .is_none_or(|t| now - t > Duration::minutes(1))
        && let Err(e) = store.touch_service_token(record.id, now).await
    {
        // When it was last used is a note, not a reason to refuse the call.
        tracing::warn!(error = %e, "无法记录接入令牌的使用时间");
    }
    Ok(Authenticated {
        actor: actor_of(&user, source),
        must_change: false,
        // Bearer tokens are not sent by browsers on their own, so no CSRF token is needed.
        csrf: String::new(),
        user,
    })
}
