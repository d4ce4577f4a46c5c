//! Login and sessions (登录与会话): lockout per account and per address, forced password
//! change at first login and on expiry, idle and absolute timeouts. Time is passed in, so the
//! rules are tested without waiting.

use super::PasswordHashing;
use crate::AppError;
use chrono::{DateTime, Duration, Utc};
use dixian_domain::access::{Actor, Scope};
use dixian_domain::password::PasswordRules;
use dixian_gm::{sm3, to_hex};
use dixian_store::{LoginAttempt, LoginKey, NewSession, Store, UserRecord};
use std::sync::Arc;

/// Security settings (安全策略), set by the security administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityPolicy {
    pub password: PasswordRules,
    /// Consecutive failures that lock an account.
    pub lockout_threshold: i64,
    /// Failures from one address that block it (higher: many users may share one address).
    pub source_lockout_threshold: i64,
    pub lockout: Duration,
    pub password_max_age: Duration,
    pub idle_timeout: Duration,
    pub absolute_lifetime: Duration,
    /// How long audit records are kept before `dixian audit prune` may remove them.
    pub audit_retention: Duration,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        SecurityPolicy {
            password: PasswordRules::default(),
            lockout_threshold: 5,
            source_lockout_threshold: 20,
            lockout: Duration::minutes(30),
            password_max_age: Duration::days(90),
            idle_timeout: Duration::minutes(30),
            absolute_lifetime: Duration::hours(12),
            audit_retention: Duration::days(180),
        }
    }
}

/// Why a login or a session was refused. Messages are shown as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Unknown account and wrong password look the same.
    #[error("账号或密码错误")]
    BadCredentials,
    #[error("连续登录失败次数过多，账号已锁定，请于{}后再试", beijing_time(.0))]
    Locked(DateTime<Utc>),
    #[error("该地址登录失败次数过多，请30分钟后再试")]
    SourceBlocked,
    #[error("账号已停用或尚待安全管理员审批，请联系系统管理员")]
    Disabled,
    #[error("请先登录")]
    NoSession,
    #[error("登录已超时，请重新登录")]
    Expired,
    #[error(transparent)]
    App(#[from] AppError),
}

/// Hours and minutes in Beijing time.
fn beijing_time(t: &DateTime<Utc>) -> String {
    crate::beijing(*t).format("%H:%M").to_string()
}

impl From<dixian_store::StoreError> for AuthError {
    fn from(e: dixian_store::StoreError) -> Self {
        AuthError::App(AppError::Store(e))
    }
}

/// A successful login: the cookie value (only its hash is stored) and the CSRF token.
#[derive(Debug, Clone)]
pub struct LoginSuccess {
    pub token: String,
    pub csrf: String,
    /// First login with a generated password, or the password has expired.
    pub must_change: bool,
    pub user: UserRecord,
}

/// A request's authenticated user.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub actor: Actor,
    pub user: UserRecord,
    pub csrf: String,
    pub must_change: bool,
}

pub(crate) fn random_hex<const N: usize>() -> Result<String, AppError> {
    dixian_gm::random::<N>()
        .map(|b| to_hex(&b))
        .map_err(|e| AppError::Invalid(vec![e.to_string()]))
}

/// A well-formed Argon2id hash of a random string: verifying against it costs what a real
/// check costs, so an unknown username takes as long as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2Qv1/Sjb2/2pL8k9yR9yMZgvtA7Dbd1jB1O5ulKdfD0";

pub fn actor_of(user: &UserRecord, source: Option<String>) -> Actor {
    Actor {
        user_id: Some(user.id),
        name: user.username.clone(),
        scope: Scope::Within(user.division),
        source,
        role: Some(user.role),
    }
}

fn must_change(user: &UserRecord, policy: &SecurityPolicy, now: DateTime<Utc>) -> bool {
    user.must_change || now - user.password_changed_at > policy.password_max_age
}

#[allow(clippy::too_many_arguments)]
async fn attempt(
    store: &dyn Store,
    now: DateTime<Utc>,
    username: &str,
    user_id: Option<i64>,
    source: &Option<String>,
    success: bool,
    reason: &str,
) -> Result<(), AuthError> {
    store
        .record_login(&LoginAttempt {
            at: now,
            username: username.to_string(),
            user_id,
            source: source.clone(),
            success,
            reason: reason.into(),
        })
        .await?;
    Ok(())
}

/// Waits for, then holds, the login turn of `username`.
async fn login_turn(username: &str) -> tokio::sync::OwnedMutexGuard<()> {
    type Turns = std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>;
    static TURNS: std::sync::OnceLock<Turns> = std::sync::OnceLock::new();
    let lock = {
        let turns = TURNS.get_or_init(Default::default);
        let mut map = match turns.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Names nobody is logging in under are forgotten, so the map stays small.
        if map.len() > 10_000 {
            map.retain(|_, l| Arc::strong_count(l) > 1);
        }
        map.entry(username.to_string()).or_default().clone()
    };
    lock.lock_owned().await
}

/// Logs in. Every attempt is recorded and audited; lockout applies to unknown usernames too,
/// so the answers never tell whether an account exists.
#[allow(clippy::too_many_arguments)]
pub async fn login(
    store: &dyn Store,
    hashing: &dyn PasswordHashing,
    policy: &SecurityPolicy,
    username: &str,
    password: &str,
    source: Option<String>,
    user_agent: Option<String>,
    now: DateTime<Utc>,
) -> Result<LoginSuccess, AuthError> {
    let username = username.trim().to_lowercase();
    // One check at a time per account name in this process, so forty parallel guesses get
    // the five the threshold allows, not the few more a race would let through.
    let _turn = login_turn(&username).await;
    let window = now - policy.lockout;
    if let Some(src) = &source {
        let f = store
            .login_failures(&LoginKey::Source(src.clone()), window)
            .await?;
        if f.count >= policy.source_lockout_threshold {
            attempt(
                store,
                now,
                &username,
                None,
                &source,
                false,
                "source_blocked",
            )
            .await?;
            return Err(AuthError::SourceBlocked);
        }
    }
    let f = store
        .login_failures(&LoginKey::Username(username.clone()), window)
        .await?;
    if f.count >= policy.lockout_threshold
        && let Some(last) = f.last
        && last + policy.lockout > now
    {
        attempt(store, now, &username, None, &source, false, "locked").await?;
        return Err(AuthError::Locked(last + policy.lockout));
    }
    let user = store.user_by_username(&username).await?;
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.as_str())
        .unwrap_or(DUMMY_HASH);
    let ok = hashing.verify(password, hash);
    let user = match (user, ok) {
        // A service account has no password anyone knows; it never signs in on the page.
        (Some(u), true) if !u.service => u,
        (u, _) => {
            let uid = u.as_ref().map(|u| u.id);
            attempt(store, now, &username, uid, &source, false, "bad_password").await?;
            if f.count + 1 >= policy.lockout_threshold {
                let actor = Actor {
                    user_id: uid,
                    name: username.clone(),
                    scope: Scope::Everything,
                    source: source.clone(),
                    role: None,
                };
                let detail = format!("{{\"failures\":{}}}", f.count + 1);
                store
                    .audit(&actor, "login.lockout", &username, &detail)
                    .await?;
                return Err(AuthError::Locked(now + policy.lockout));
            }
            return Err(AuthError::BadCredentials);
        }
    };
    if user.disabled {
        attempt(
            store,
            now,
            &username,
            Some(user.id),
            &source,
            false,
            "disabled",
        )
        .await?;
        return Err(AuthError::Disabled);
    }
    attempt(store, now, &username, Some(user.id), &source, true, "ok").await?;
    let token = random_hex::<32>()?;
    let csrf = random_hex::<16>()?;
    store
        .create_session(&NewSession {
            token_hash: sm3(token.as_bytes()).to_vec(),
            user_id: user.id,
            csrf_token: csrf.clone(),
            created_at: now,
            expires_at: now + policy.absolute_lifetime,
            source,
            user_agent,
        })
        .await?;
    Ok(LoginSuccess {
        token,
        csrf,
        must_change: must_change(&user, policy, now),
        user,
    })
}

/// The user behind a session cookie, applying the idle and absolute timeouts.
pub async fn authenticate(
    store: &dyn Store,
    policy: &SecurityPolicy,
    token: &str,
    source: Option<String>,
    now: DateTime<Utc>,
) -> Result<Authenticated, AuthError> {
    let hash = sm3(token.as_bytes());
    let session = store.session(&hash).await?.ok_or(AuthError::NoSession)?;
    if session.revoked {
        return Err(AuthError::NoSession);
    }
    if now >= session.expires_at || now - session.last_seen > policy.idle_timeout {
        store.revoke_session(&hash).await?;
        return Err(AuthError::Expired);
    }
    let user = store
        .user_by_id(session.user_id)
        .await?
        .ok_or(AuthError::NoSession)?;
    if user.disabled {
        store.revoke_session(&hash).await?;
        return Err(AuthError::Disabled);
    }
    // Writing on every request would serialise reads behind the writer; a minute is enough.
    if now - session.last_seen > Duration::minutes(1) {
        store.touch_session(&hash, now).await?;
    }
    Ok(Authenticated {
        actor: actor_of(&user, source),
        must_change: must_change(&user, policy, now),
        csrf: session.csrf_token,
        user,
    })
}

/// Ends one session.
pub async fn logout(store: &dyn Store, token: &str) -> Result<(), AuthError> {
    store.revoke_session(&sm3(token.as_bytes())).await?;
    Ok(())
}

/// Ends every session of the actor's account, and audits it.
pub async fn logout_everywhere(store: &dyn Store, actor: &Actor) -> Result<usize, AuthError> {
    let Some(id) = actor.user_id else {
        return Ok(0);
    };
    let n = store.revoke_user_sessions(id, None).await?;
    store
        .audit(
            actor,
            "session.revoke_all",
            &actor.name,
            &format!("{{\"sessions\":{n}}}"),
        )
        .await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    /// The dummy hash must be a real Argon2id hash with production parameters: if it did not
    /// parse, unknown usernames would be answered faster and timing would reveal them.
    #[test]
    fn dummy_hash_costs_a_real_check() {
        use argon2::password_hash::{Error, PasswordVerifier};
        let r = argon2::Argon2::default().verify_password(b"x", super::DUMMY_HASH);
        assert_eq!(r, Err(Error::PasswordInvalid));
        assert!(super::DUMMY_HASH.contains("m=19456,t=2,p=1"));
    }
}
