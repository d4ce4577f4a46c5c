//! Accounts (账号), sessions (会话) and sign-in attempts (登录).

use crate::StoreResult;
use async_trait::async_trait;
use dixian_domain::access::Actor;
use dixian_domain::access::Role;
use dixian_domain::division::DivisionCode;

/// A new account, its password already hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub division: DivisionCode,
    /// For 部门数据员: the department (医保, 民政 …).
    pub department: Option<String>,
    pub password_hash: String,
    pub must_change: bool,
    /// A service account (系统接入账号) of another system: it never signs in with a
    /// password, only calls the JSON API with a token.
    pub service: bool,
}

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub division: DivisionCode,
    pub department: Option<String>,
    pub password_hash: String,
    pub must_change: bool,
    pub password_changed_at: chrono::DateTime<chrono::Utc>,
    pub disabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// A service account: token only, never a password.
    pub service: bool,
}

/// A token to store for a service account; `token_hash` is the SM3 hash of the token, which
/// is shown once and never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewServiceToken {
    pub user_id: i64,
    pub token_hash: Vec<u8>,
    /// The token's first characters, to tell tokens apart in the list.
    pub hint: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A stored service token (接入令牌) with its account's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceTokenRecord {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub hint: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub created_by: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_by: Option<String>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    /// False while a security administrator has yet to approve it (三员分立).
    pub approved: bool,
}

/// A session to store; `token_hash` is the SM3 hash of the cookie value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token_hash: Vec<u8>,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub source: Option<String>,
    pub user_agent: Option<String>,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_seen: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub source: Option<String>,
    pub revoked: bool,
}

/// One login attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginAttempt {
    pub at: chrono::DateTime<chrono::Utc>,
    pub username: String,
    pub user_id: Option<i64>,
    pub source: Option<String>,
    pub success: bool,
    /// Why it failed, or `ok`.
    pub reason: String,
}

/// Whose failures to count for lockout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginKey {
    Username(String),
    Source(String),
}

/// Failed attempts in a window (for an account: since its last success), with the latest one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailureCount {
    pub count: i64,
    pub last: Option<chrono::DateTime<chrono::Utc>>,
}

/// A change to an account that one administrator proposes and another approves (三员分立):
/// the system administrator proposes, a security administrator approves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountChange {
    /// Enable the account (a new account, or one disabled before).
    Enable,
    /// Enable a new administrator account and give it its first password; the approver
    /// receives the password, never the proposer.
    Activate,
    /// A new password for someone else's account.
    Reset,
    /// A further token for a service account already in use.
    Token,
}

impl AccountChange {
    pub fn code(self) -> &'static str {
        match self {
            Self::Enable => "enable",
            Self::Activate => "activate",
            Self::Reset => "reset",
            Self::Token => "token",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Enable, Self::Activate, Self::Reset, Self::Token]
            .into_iter()
            .find(|c| c.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Enable => "启用账号",
            Self::Activate => "启用管理员账号并设初始密码",
            Self::Reset => "重置密码",
            Self::Token => "签发新的接入令牌",
        }
    }

    /// Whether approving sets a new password (generated for the approver to hand over).
    pub fn sets_password(self) -> bool {
        matches!(self, Self::Activate | Self::Reset)
    }
}

/// A proposed account change and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRequest {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub division: DivisionCode,
    pub change: AccountChange,
    pub requested_by: String,
    pub requested_at: chrono::DateTime<chrono::Utc>,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    pub note: Option<String>,
}

/// A security administrator's answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountDecision {
    pub approve: bool,
    pub note: String,
    /// The new password's hash, for a change that [`AccountChange::sets_password`].
    pub password_hash: Option<String>,
}

/// Accounts (账号), sessions (会话) and sign-in attempts (登录).
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an account in the actor's scope; a taken username is a conflict. Created by
    /// a person (not the system itself), the account starts disabled with a request for a
    /// security administrator to enable it ([`AccountChange::Activate`] for the three
    /// administrators), in the same transaction.
    async fn create_user(&self, actor: &Actor, user: &NewUser) -> StoreResult<i64>;
    /// Proposes `change` for account `user_id` in the actor's scope (`ManageUsers`); one
    /// pending request per account and change. Audited.
    async fn request_account_change(
        &self,
        actor: &Actor,
        user_id: i64,
        change: AccountChange,
    ) -> StoreResult<i64>;
    /// Requests for the accounts in the actor's scope (`ManageUsers` or `ManageSecurity`):
    /// every pending one and the latest decided, newest first.
    async fn account_requests(&self, actor: &Actor) -> StoreResult<Vec<AccountRequest>>;
    /// Approves or rejects pending request `id` (`ManageSecurity`), never one the actor
    /// proposed or one about the actor's own account; an approval carries the change out in
    /// the same transaction. Audited.
    async fn decide_account_request(
        &self,
        actor: &Actor,
        id: i64,
        decision: &AccountDecision,
    ) -> StoreResult<AccountRequest>;
    /// For authentication, before anyone is logged in; no scope applies.
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>>;
    /// For sessions: the account a session belongs to; no scope applies.
    async fn user_by_id(&self, id: i64) -> StoreResult<Option<UserRecord>>;
    /// Accounts whose division lies in the actor's scope, by username (for `ManageUsers` or
    /// `ManageSecurity`).
    async fn users(&self, actor: &Actor) -> StoreResult<Vec<UserRecord>>;
    /// Replaces the password hash of an account in the actor's scope (or the actor's own). A
    /// person may not set anyone else's password: that is a request.
    async fn set_user_password(
        &self,
        actor: &Actor,
        user_id: i64,
        password_hash: &str,
        must_change: bool,
    ) -> StoreResult<()>;
    /// Disables an account; enabling one is the system's alone, or a request's approval.
    async fn set_user_disabled(
        &self,
        actor: &Actor,
        user_id: i64,
        disabled: bool,
    ) -> StoreResult<()>;
    async fn create_session(&self, session: &NewSession) -> StoreResult<()>;
    async fn session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRecord>>;
    /// Records activity, for the idle timeout.
    async fn touch_session(
        &self,
        token_hash: &[u8],
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;
    async fn revoke_session(&self, token_hash: &[u8]) -> StoreResult<()>;
    /// Ends every session of an account ("log out everywhere", disabling, password reset).
    /// Revokes every session of the account but the one whose token hash is `except` (the
    /// session that changed its own password stays signed in). Returns how many.
    async fn revoke_user_sessions(&self, user_id: i64, except: Option<&[u8]>)
    -> StoreResult<usize>;
    /// Records an attempt and audits it, in one transaction.
    async fn record_login(&self, attempt: &LoginAttempt) -> StoreResult<()>;
    /// Failures for `key` after `since`: for an account also after its last success; for an
    /// address every failure in the window, successes or not (password spraying).
    async fn login_failures(
        &self,
        key: &LoginKey,
        since: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<FailureCount>;
    /// The latest attempts on an account, newest first.
    async fn login_history(&self, user_id: i64, limit: i64) -> StoreResult<Vec<LoginAttempt>>;
    /// Stores a token for a service account in the actor's area (签发接入令牌), audited. A
    /// person's token for an account already in use waits for a security administrator
    /// (a [`AccountChange::Token`] request, in the same transaction).
    async fn create_service_token(
        &self,
        actor: &Actor,
        token: &NewServiceToken,
    ) -> StoreResult<i64>;
    /// The token with this SM3 hash, revoked or not, if any.
    async fn service_token(&self, token_hash: &[u8]) -> StoreResult<Option<ServiceTokenRecord>>;
    /// The tokens of the service accounts in the actor's area, newest first.
    async fn service_tokens(&self, actor: &Actor) -> StoreResult<Vec<ServiceTokenRecord>>;
    /// Revokes token `id` (吊销) at once, audited.
    async fn revoke_service_token(&self, actor: &Actor, id: i64) -> StoreResult<()>;
    /// Notes when token `id` was last used.
    async fn touch_service_token(
        &self,
        id: i64,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;
}
