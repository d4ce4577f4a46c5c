//! Accounts (账号), sessions (会话) and sign-in attempts (登录).

use crate::SqlStore;
use crate::audit;
use crate::backend;
use crate::corrupt;
use crate::parse_time;
use async_trait::async_trait;
use chrono::Utc;
use dixian_domain::access::Actor;
use dixian_domain::access::Permission;
use dixian_domain::division::DivisionCode;
use dixian_store::AccountChange;
use dixian_store::AccountDecision;
use dixian_store::AccountRequest;
use dixian_store::AccountStore;
use dixian_store::FailureCount;
use dixian_store::LoginAttempt;
use dixian_store::LoginKey;
use dixian_store::NewServiceToken;
use dixian_store::NewSession;
use dixian_store::NewUser;
use dixian_store::ServiceTokenRecord;
use dixian_store::SessionRecord;
use dixian_store::StoreError;
use dixian_store::StoreResult;
use dixian_store::UserRecord;

/// Adds a pending account request inside transaction `$tx`, audited; gives its id.
macro_rules! insert_request {
    ($tx:ident, $actor:expr, $user_id:expr, $username:expr, $change:expr, $now:expr) => {{
        let id: i64 = allocate!($tx, "account_requests", 1i64);
        let change: AccountChange = $change;
        let detail = serde_json::json!({ "request": id, "change": change.code() }).to_string();
        audit_in!($tx, $actor, "account.request", $username, &detail);
        sqlx::query(
            "INSERT INTO account_requests (id, user_id, kind, requested_by_id, requested_by, requested_at, status)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending')",
        )
        .bind(id)
        .bind($user_id)
        .bind(change.code())
        .bind($actor.user_id)
        .bind(&$actor.name)
        .bind($now)
        .execute(&mut *$tx)
        .await
        .map_err(backend)?;
        id
    }};
}

#[async_trait]
impl AccountStore for SqlStore {
    async fn create_user(&self, actor: &Actor, user: &NewUser) -> StoreResult<i64> {
        self.permit(actor, Permission::ManageUsers, &user.username)
            .await?;
        if !actor.scope.covers(&user.division) {
            return Err(self.deny(actor, &user.username).await);
        }
        let now = audit::timestamp(Utc::now());
        let detail = serde_json::json!({
            "display_name": user.display_name,
            "role": user.role.label(),
            "division": user.division.as_str(),
            "department": user.department,
            "must_change": user.must_change,
            "service": user.service,
        })
        .to_string();
        // 三员分立: an account a person creates waits for a security administrator.
        let by_person = actor.role.is_some();
        let id = write_tx!(self, |tx| {
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                .bind(&user.username)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!(
                    "账号名{}已存在",
                    user.username
                )));
            }
            let id: i64 = allocate!(tx, "users", 1i64);
            audit_in!(tx, actor, "user.create", &user.username, &detail);
            sqlx::query(
                "INSERT INTO users (id, username, display_name, role, division_code, department, password_hash, must_change, password_changed_at, disabled, created_at, service)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(id)
            .bind(&user.username)
            .bind(&user.display_name)
            .bind(user.role.code())
            .bind(user.division.as_str())
            .bind(&user.department)
            .bind(&user.password_hash)
            .bind(user.must_change)
            .bind(&now)
            .bind(by_person)
            .bind(&now)
            .bind(user.service)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if by_person {
                let change = if user.role.is_administrator() {
                    AccountChange::Activate
                } else {
                    AccountChange::Enable
                };
                insert_request!(tx, actor, id, &user.username, change, &now);
            }
            id
        });
        Ok(id)
    }

    async fn request_account_change(
        &self,
        actor: &Actor,
        user_id: i64,
        change: AccountChange,
    ) -> StoreResult<i64> {
        self.permit(actor, Permission::ManageUsers, &format!("账号#{user_id}"))
            .await?;
        let target = self.user_for_change(actor, user_id, false).await?;
        if change == AccountChange::Token {
            return Err(StoreError::Invalid(
                "新的接入令牌在签发时自动提交审批".into(),
            ));
        }
        if change != AccountChange::Reset
            && self.user_by_id(user_id).await?.is_some_and(|u| !u.disabled)
        {
            return Err(StoreError::Invalid(format!(
                "账号{target}已在使用，无需启用"
            )));
        }
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            let pending: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM account_requests WHERE user_id = $1 AND kind = $2 AND status = 'pending'",
            )
            .bind(user_id)
            .bind(change.code())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
            if let Some(p) = pending {
                return Err(StoreError::Conflict(format!(
                    "账号{target}已有待审批的申请#{p}（{}）",
                    change.label()
                )));
            }
            insert_request!(tx, actor, user_id, &target, change, &now)
        });
        Ok(id)
    }

    async fn account_requests(&self, actor: &Actor) -> StoreResult<Vec<AccountRequest>> {
        if !actor.may(Permission::ManageSecurity) {
            self.permit(actor, Permission::ManageUsers, "账号申请")
                .await?;
        }
        let (lo, hi) = actor.scope.code_range();
        let rows: Vec<RequestRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{REQUEST_SELECT} WHERE u.division_code BETWEEN $1 AND $2
                   AND (r.status = 'pending' OR r.id > (SELECT COALESCE(MAX(id), 0) - 50 FROM account_requests))
                 ORDER BY r.id DESC"
            )))
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter().map(RequestRow::into_domain).collect()
    }

    async fn decide_account_request(
        &self,
        actor: &Actor,
        id: i64,
        decision: &AccountDecision,
    ) -> StoreResult<AccountRequest> {
        self.permit(actor, Permission::ManageSecurity, &format!("账号申请#{id}"))
            .await?;
        let row: Option<RequestRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{REQUEST_SELECT} WHERE r.id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let proposer = row.as_ref().and_then(|r| r.requested_by_id);
        let request = row.map(RequestRow::into_domain).transpose()?;
        let Some(request) = request.filter(|r| actor.scope.covers(&r.division)) else {
            // Out of the actor's area is answered as missing (the refusal still audited).
            self.deny(actor, &format!("账号申请#{id}")).await;
            return Err(StoreError::Invalid(format!("没有账号申请#{id}")));
        };
        if request.status != "pending" {
            return Err(StoreError::Conflict(format!("账号申请#{id}已经办理过了")));
        }
        if actor.user_id.is_some() && proposer == actor.user_id {
            return Err(StoreError::Invalid(
                "不能审批自己提出的申请：须由另一位管理员审批".into(),
            ));
        }
        if actor.user_id == Some(request.user_id) {
            return Err(StoreError::Invalid(
                "不能审批关于自己账号的申请：须由另一位安全管理员审批".into(),
            ));
        }
        let note = decision.note.trim().chars().take(200).collect::<String>();
        if decision.approve && request.change.sets_password() && decision.password_hash.is_none() {
            return Err(StoreError::Invalid("批准此申请须设定新密码".into()));
        }
        let now = audit::timestamp(Utc::now());
        let status = if decision.approve {
            "approved"
        } else {
            "rejected"
        };
        let detail = serde_json::json!({
            "request": id,
            "change": request.change.code(),
            "requested_by": request.requested_by,
            "note": note,
        })
        .to_string();
        write_tx!(self, |tx| {
            let done = sqlx::query(
                "UPDATE account_requests SET status = $1, decided_by_id = $2, decided_by = $3,
                        decided_at = $4, note = $5
                 WHERE id = $6 AND status = 'pending'",
            )
            .bind(status)
            .bind(actor.user_id)
            .bind(&actor.name)
            .bind(&now)
            .bind(&note)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!("账号申请#{id}已经办理过了")));
            }
            let action = if decision.approve {
                "account.approve"
            } else {
                "account.reject"
            };
            audit_in!(tx, actor, action, &request.username, &detail);
            if decision.approve {
                if matches!(
                    request.change,
                    AccountChange::Enable | AccountChange::Activate
                ) {
                    sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                        .bind(false)
                        .bind(request.user_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                }
                if request.change == AccountChange::Token {
                    sqlx::query(
                        "UPDATE service_tokens SET approved = $1
                         WHERE id = (SELECT token_id FROM account_requests WHERE id = $2)",
                    )
                    .bind(true)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                }
                if let (true, Some(hash)) =
                    (request.change.sets_password(), &decision.password_hash)
                {
                    sqlx::query(
                        "UPDATE users SET password_hash = $1, must_change = $2, password_changed_at = $3 WHERE id = $4",
                    )
                    .bind(hash)
                    .bind(true)
                    .bind(&now)
                    .bind(request.user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                }
            }
        });
        let row: RequestRow = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{REQUEST_SELECT} WHERE r.id = $1"
            )))
            .bind(id)
            .fetch_one(pool)
            .await
            .map_err(backend)?
        });
        row.into_domain()
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        let row: Option<UserRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
            )))
            .bind(username)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        row.map(UserRow::into_domain).transpose()
    }

    async fn user_by_id(&self, id: i64) -> StoreResult<Option<UserRecord>> {
        let row: Option<UserRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        row.map(UserRow::into_domain).transpose()
    }

    async fn users(&self, actor: &Actor) -> StoreResult<Vec<UserRecord>> {
        if !actor.may(Permission::ManageSecurity) {
            self.permit(actor, Permission::ManageUsers, "账号列表")
                .await?;
        }
        let (lo, hi) = actor.scope.code_range();
        let rows: Vec<UserRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS} FROM users WHERE division_code BETWEEN $1 AND $2 ORDER BY username"
            )))
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter().map(UserRow::into_domain).collect()
    }

    async fn set_user_password(
        &self,
        actor: &Actor,
        user_id: i64,
        password_hash: &str,
        must_change: bool,
    ) -> StoreResult<()> {
        if actor.user_id != Some(user_id) {
            self.permit(actor, Permission::ManageUsers, &format!("账号#{user_id}"))
                .await?;
        }
        let target = self.user_for_change(actor, user_id, true).await?;
        // 三员分立: no person sets someone else's password; a security administrator approves
        // a reset instead, and the proposer never sees it.
        if actor.role.is_some() && actor.user_id != Some(user_id) {
            return Err(StoreError::Invalid(format!(
                "重置账号{target}的密码须经安全管理员审批"
            )));
        }
        let detail = serde_json::json!({ "must_change": must_change }).to_string();
        let now = audit::timestamp(Utc::now());
        write_tx!(self, |tx| {
            audit_in!(tx, actor, "user.password", &target, &detail);
            sqlx::query(
                "UPDATE users SET password_hash = $1, must_change = $2, password_changed_at = $3 WHERE id = $4",
            )
            .bind(password_hash)
            .bind(must_change)
            .bind(&now)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        });
        Ok(())
    }

    async fn set_user_disabled(
        &self,
        actor: &Actor,
        user_id: i64,
        disabled: bool,
    ) -> StoreResult<()> {
        self.permit(actor, Permission::ManageUsers, &format!("账号#{user_id}"))
            .await?;
        let target = self.user_for_change(actor, user_id, false).await?;
        if !disabled && actor.role.is_some() {
            return Err(StoreError::Invalid(format!(
                "启用账号{target}须经安全管理员审批"
            )));
        }
        // Approvals need a security administrator: a person cannot disable the last one.
        if disabled && actor.role.is_some() {
            let role: Option<String> = read!(self, |pool| {
                sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_optional(pool)
                    .await
                    .map_err(backend)?
            });
            let security = dixian_domain::access::Role::SecurityAdmin.code();
            if role.as_deref() == Some(security) {
                let others: i64 = read!(self, |pool| {
                    sqlx::query_scalar(
                        "SELECT COUNT(*) FROM users WHERE role = $1 AND id <> $2 AND disabled = $3",
                    )
                    .bind(security)
                    .bind(user_id)
                    .bind(false)
                    .fetch_one(pool)
                    .await
                    .map_err(backend)?
                });
                if others == 0 {
                    return Err(StoreError::Invalid(format!(
                        "{target}是最后一位在用的安全管理员，停用后无人能审批账号申请：请先启用另一位安全管理员"
                    )));
                }
            }
        }
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        let now = audit::timestamp(Utc::now());
        write_tx!(self, |tx| {
            audit_in!(tx, actor, action, &target, "{}");
            sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                .bind(disabled)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            // Disabling withdraws a pending enable: an old approval cannot undo it.
            if disabled {
                sqlx::query(
                    "UPDATE account_requests SET status = 'withdrawn', decided_by = $1, decided_at = $2,
                            note = '账号已停用'
                     WHERE user_id = $3 AND status = 'pending' AND kind IN ('enable', 'activate')",
                )
                .bind(&actor.name)
                .bind(&now)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            // A disabled service account's tokens end with it: enabling it again does not
            // bring them back; the administrator issues a new one.
            if disabled {
                sqlx::query(
                    "UPDATE service_tokens SET revoked_at = $1, revoked_by = $2
                     WHERE user_id = $3 AND revoked_at IS NULL",
                )
                .bind(&now)
                .bind(&actor.name)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
        });
        Ok(())
    }

    async fn create_service_token(
        &self,
        actor: &Actor,
        token: &NewServiceToken,
    ) -> StoreResult<i64> {
        self.permit(
            actor,
            Permission::ManageUsers,
            &format!("账号#{}", token.user_id),
        )
        .await?;
        let username = self.user_for_change(actor, token.user_id, false).await?;
        let service: Option<bool> = read!(self, |pool| {
            sqlx::query_scalar("SELECT service FROM users WHERE id = $1")
                .bind(token.user_id)
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        if service != Some(true) {
            return Err(StoreError::Invalid(format!(
                "账号{username}不是系统接入账号，不能签发接入令牌"
            )));
        }
        let detail = serde_json::json!({
            "hint": token.hint,
            "expires_at": audit::timestamp(token.expires_at),
        })
        .to_string();
        // 三员分立: a token is the account's power; for an account in use, a person's token
        // waits for a security administrator. (An account not in use waits as a whole.)
        let in_use = self
            .user_by_id(token.user_id)
            .await?
            .is_some_and(|u| !u.disabled);
        let waits = actor.role.is_some() && in_use;
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            let id: i64 = allocate!(tx, "service_tokens", 1i64);
            audit_in!(tx, actor, "service_token.create", &username, &detail);
            sqlx::query(
                "INSERT INTO service_tokens (id, user_id, token_hash, hint, created_at, created_by, expires_at, approved)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(token.user_id)
            .bind(&token.token_hash)
            .bind(&token.hint)
            .bind(audit::timestamp(token.created_at))
            .bind(&actor.name)
            .bind(audit::timestamp(token.expires_at))
            .bind(!waits)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if waits {
                let request = insert_request!(
                    tx,
                    actor,
                    token.user_id,
                    &username,
                    AccountChange::Token,
                    &now
                );
                sqlx::query("UPDATE account_requests SET token_id = $1 WHERE id = $2")
                    .bind(id)
                    .bind(request)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
            }
            id
        });
        Ok(id)
    }

    async fn service_token(&self, token_hash: &[u8]) -> StoreResult<Option<ServiceTokenRecord>> {
        let row: Option<TokenRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {TOKEN_COLUMNS} FROM service_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = $1"
            )))
            .bind(token_hash)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        row.map(TokenRow::into_domain).transpose()
    }

    async fn service_tokens(&self, actor: &Actor) -> StoreResult<Vec<ServiceTokenRecord>> {
        self.permit(actor, Permission::ManageUsers, "系统接入令牌")
            .await?;
        let rows: Vec<TokenRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {TOKEN_COLUMNS} FROM service_tokens t JOIN users u ON u.id = t.user_id
                 ORDER BY t.id DESC"
            )))
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter()
            .filter(|r| DivisionCode::parse(&r.division_code).is_ok_and(|d| actor.scope.covers(&d)))
            .map(TokenRow::into_domain)
            .collect()
    }

    async fn revoke_service_token(&self, actor: &Actor, id: i64) -> StoreResult<()> {
        self.permit(actor, Permission::ManageUsers, &format!("接入令牌#{id}"))
            .await?;
        let owner: Option<(i64, String, Option<String>)> = read!(self, |pool| {
            sqlx::query_as("SELECT user_id, hint, revoked_at FROM service_tokens WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        // An unknown token is refused like another area's, so ids cannot be probed.
        let Some((user_id, hint, revoked)) = owner else {
            return Err(self.deny(actor, &format!("接入令牌#{id}")).await);
        };
        let username = self.user_for_change(actor, user_id, false).await?;
        if revoked.is_some() {
            return Err(StoreError::Invalid(format!("接入令牌#{id}已经吊销")));
        }
        let now = audit::timestamp(Utc::now());
        let detail = serde_json::json!({ "token": id, "hint": hint }).to_string();
        write_tx!(self, |tx| {
            audit_in!(tx, actor, "service_token.revoke", &username, &detail);
            sqlx::query(
                "UPDATE service_tokens SET revoked_at = $1, revoked_by = $2
                 WHERE id = $3 AND revoked_at IS NULL",
            )
            .bind(&now)
            .bind(&actor.name)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        });
        Ok(())
    }

    async fn touch_service_token(&self, id: i64, at: chrono::DateTime<Utc>) -> StoreResult<()> {
        let at = audit::timestamp(at);
        write_tx!(self, |tx| {
            sqlx::query("UPDATE service_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(&at)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        });
        Ok(())
    }

    async fn create_session(&self, session: &NewSession) -> StoreResult<()> {
        let created = audit::timestamp(session.created_at);
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, expires_at, source, user_agent, revoked)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&session.token_hash)
            .bind(session.user_id)
            .bind(&session.csrf_token)
            .bind(&created)
            .bind(&created)
            .bind(audit::timestamp(session.expires_at))
            .bind(&session.source)
            .bind(&session.user_agent)
            .bind(false)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        });
        Ok(())
    }

    async fn session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRecord>> {
        let row: Option<SessionRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT user_id, csrf_token, created_at, last_seen, expires_at, source, revoked
                 FROM sessions WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        row.map(|r| {
            Ok(SessionRecord {
                user_id: r.user_id,
                csrf_token: r.csrf_token,
                created_at: parse_time("会话时间", &r.created_at)?,
                last_seen: parse_time("会话时间", &r.last_seen)?,
                expires_at: parse_time("会话时间", &r.expires_at)?,
                source: r.source,
                revoked: r.revoked,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, token_hash: &[u8], at: chrono::DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
                .bind(audit::timestamp(at))
                .bind(token_hash)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        });
        Ok(())
    }

    async fn revoke_session(&self, token_hash: &[u8]) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("UPDATE sessions SET revoked = $1 WHERE token_hash = $2")
                .bind(true)
                .bind(token_hash)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        });
        Ok(())
    }

    async fn revoke_user_sessions(
        &self,
        user_id: i64,
        except: Option<&[u8]>,
    ) -> StoreResult<usize> {
        let except = except.unwrap_or_default().to_vec();
        let n = write_tx!(self, |tx| {
            sqlx::query(
                "UPDATE sessions SET revoked = $1 WHERE user_id = $2 AND revoked = $3
                   AND token_hash <> $4",
            )
            .bind(true)
            .bind(user_id)
            .bind(false)
            .bind(&except)
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected()
        });
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    async fn record_login(&self, attempt: &LoginAttempt) -> StoreResult<()> {
        let actor = Actor {
            user_id: attempt.user_id,
            name: attempt.username.clone(),
            scope: dixian_domain::access::Scope::Everything,
            source: attempt.source.clone(),
            role: Some(dixian_domain::access::Role::Viewer),
        };
        let action = if attempt.success {
            "login.success"
        } else {
            "login.failure"
        };
        let detail = serde_json::json!({ "reason": attempt.reason }).to_string();
        write_tx!(self, |tx| {
            audit_in!(tx, &actor, action, &attempt.username, &detail);
            sqlx::query(
                "INSERT INTO login_attempts (at, username, user_id, source, success, reason)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(audit::timestamp(attempt.at))
            .bind(&attempt.username)
            .bind(attempt.user_id)
            .bind(&attempt.source)
            .bind(attempt.success)
            .bind(&attempt.reason)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        });
        Ok(())
    }

    async fn login_failures(
        &self,
        key: &LoginKey,
        since: chrono::DateTime<Utc>,
    ) -> StoreResult<FailureCount> {
        // The column name comes from this match, never from input.
        let (column, value) = match key {
            LoginKey::Username(u) => ("username", u),
            LoginKey::Source(s) => ("source", s),
        };
        // An account's count starts again at its last success; an address's does not, so a
        // sprayer cannot reset it by signing in now and then with an account of its own.
        let since_success = match key {
            LoginKey::Username(_) => format!(
                "AND at > COALESCE((SELECT MAX(at) FROM login_attempts WHERE {column} = $1 AND success = $4), '')"
            ),
            LoginKey::Source(_) => "AND $4 = $4".to_string(),
        };
        // Attempts refused without a check (already locked or blocked) are recorded but not
        // counted: counting them would let anyone keep an account locked for ever.
        let sql = format!(
            "SELECT COUNT(*), MAX(at) FROM login_attempts
             WHERE {column} = $1 AND success = $2 AND at > $3 {since_success}
               AND reason NOT IN ('locked', 'source_blocked')"
        );
        let (count, last): (i64, Option<String>) = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(value)
                .bind(false)
                .bind(audit::timestamp(since))
                .bind(true)
                .fetch_one(pool)
                .await
                .map_err(backend)?
        });
        Ok(FailureCount {
            count,
            last: last.map(|t| parse_time("登录时间", &t)).transpose()?,
        })
    }

    async fn login_history(&self, user_id: i64, limit: i64) -> StoreResult<Vec<LoginAttempt>> {
        let rows: Vec<AttemptRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT at, username, user_id, source, success, reason FROM login_attempts
                 WHERE user_id = $1 ORDER BY at DESC LIMIT $2",
            )
            .bind(user_id)
            .bind(limit.clamp(1, 1000))
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter()
            .map(|r| {
                Ok(LoginAttempt {
                    at: parse_time("登录时间", &r.at)?,
                    username: r.username,
                    user_id: r.user_id,
                    source: r.source,
                    success: r.success,
                    reason: r.reason,
                })
            })
            .collect()
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    division_code: String,
    department: Option<String>,
    password_hash: String,
    must_change: bool,
    password_changed_at: String,
    disabled: bool,
    created_at: String,
    service: bool,
}

const USER_COLUMNS: &str = "id, username, display_name, role, division_code, department, password_hash, must_change, password_changed_at, disabled, created_at, service";

impl UserRow {
    fn into_domain(self) -> StoreResult<UserRecord> {
        Ok(UserRecord {
            id: self.id,
            role: dixian_domain::access::Role::parse(&self.role)
                .ok_or_else(|| corrupt("角色", &self.role))?,
            division: DivisionCode::parse(&self.division_code)
                .map_err(|e| corrupt("区划代码", e))?,
            password_changed_at: parse_time("改密时间", &self.password_changed_at)?,
            created_at: parse_time("创建时间", &self.created_at)?,
            username: self.username,
            display_name: self.display_name,
            department: self.department,
            password_hash: self.password_hash,
            must_change: self.must_change,
            disabled: self.disabled,
            service: self.service,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: i64,
    csrf_token: String,
    created_at: String,
    last_seen: String,
    expires_at: String,
    source: Option<String>,
    revoked: bool,
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    at: String,
    username: String,
    user_id: Option<i64>,
    source: Option<String>,
    success: bool,
    reason: String,
}

impl SqlStore {
    /// The username of account `user_id` if the actor may change it: inside the actor's
    /// scope, or (when `own_ok`) the actor's own account. Unknown ids are refused the same way.
    async fn user_for_change(
        &self,
        actor: &Actor,
        user_id: i64,
        own_ok: bool,
    ) -> StoreResult<String> {
        let row: Option<(String, String)> = read!(self, |pool| {
            sqlx::query_as("SELECT username, division_code FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        let allowed = match &row {
            Some((_, division)) => {
                (own_ok && actor.user_id == Some(user_id))
                    || DivisionCode::parse(division).is_ok_and(|d| actor.scope.covers(&d))
            }
            None => false,
        };
        match row {
            Some((username, _)) if allowed => Ok(username),
            _ => Err(self.deny(actor, &format!("账号#{user_id}")).await),
        }
    }
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    username: String,
    hint: String,
    created_at: String,
    created_by: String,
    expires_at: String,
    revoked_at: Option<String>,
    revoked_by: Option<String>,
    last_used_at: Option<String>,
    /// The account's division, for the administrator's scope.
    division_code: String,
    approved: bool,
}

const TOKEN_COLUMNS: &str = "t.id, t.user_id, u.username, t.hint, t.created_at, t.created_by, t.expires_at, t.revoked_at, t.revoked_by, t.last_used_at, u.division_code, t.approved";

impl TokenRow {
    fn into_domain(self) -> StoreResult<ServiceTokenRecord> {
        let optional = |t: Option<String>| t.map(|t| parse_time("令牌时间", &t)).transpose();
        Ok(ServiceTokenRecord {
            id: self.id,
            user_id: self.user_id,
            username: self.username,
            hint: self.hint,
            created_at: parse_time("令牌时间", &self.created_at)?,
            created_by: self.created_by,
            expires_at: parse_time("令牌时间", &self.expires_at)?,
            revoked_at: optional(self.revoked_at)?,
            revoked_by: self.revoked_by,
            last_used_at: optional(self.last_used_at)?,
            approved: self.approved,
        })
    }
}

const REQUEST_SELECT: &str = "SELECT r.id, r.user_id, u.username, u.display_name, u.role,
       u.division_code, r.kind, r.requested_by_id, r.requested_by, r.requested_at, r.status,
       r.decided_by, r.decided_at, r.note
  FROM account_requests r JOIN users u ON u.id = r.user_id";

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: i64,
    user_id: i64,
    username: String,
    display_name: String,
    role: String,
    division_code: String,
    kind: String,
    /// Kept here only: who may not decide it.
    requested_by_id: Option<i64>,
    requested_by: String,
    requested_at: String,
    status: String,
    decided_by: Option<String>,
    decided_at: Option<String>,
    note: Option<String>,
}

impl RequestRow {
    fn into_domain(self) -> StoreResult<AccountRequest> {
        Ok(AccountRequest {
            id: self.id,
            user_id: self.user_id,
            role: dixian_domain::access::Role::parse(&self.role)
                .ok_or_else(|| corrupt("角色", &self.role))?,
            division: DivisionCode::parse(&self.division_code)
                .map_err(|e| corrupt("区划代码", e))?,
            change: AccountChange::parse(&self.kind)
                .ok_or_else(|| corrupt("申请类别", &self.kind))?,
            requested_at: parse_time("申请时间", &self.requested_at)?,
            decided_at: self
                .decided_at
                .as_deref()
                .map(|t| parse_time("审批时间", t))
                .transpose()?,
            username: self.username,
            display_name: self.display_name,
            requested_by: self.requested_by,
            status: self.status,
            decided_by: self.decided_by,
            note: self.note,
        })
    }
}
