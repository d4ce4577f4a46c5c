//! Administration pages: accounts (系统管理员; 安全管理员 sees their state) and the security
//! policy (安全管理员). Permission and scope are enforced by the store and the app layer;
//! these handlers only translate forms and pages.

use crate::AppState;
use crate::error::Page;
use crate::forms::Posted;
use crate::frame::{Frame, render};
use crate::session::Session;
use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use dixian_app::accounts::Carried;
use dixian_app::accounts::security::SecuritySettings;
use dixian_app::accounts::{NewAccount, security};
use dixian_app::{AppError, accounts, beijing};
use dixian_domain::access::{Permission, Role};
use serde::Deserialize;

struct AccountRow {
    username: String,
    display_name: String,
    role: &'static str,
    division: String,
    department: String,
    state: String,
    disabled: bool,
    /// A service account (系统接入账号): no password to reset.
    service: bool,
    changed: String,
}

/// A proposed account change, as listed for both administrators.
struct RequestRow {
    id: i64,
    username: String,
    display_name: String,
    role: &'static str,
    change: &'static str,
    requested: String,
    status: &'static str,
    pending: bool,
    decided: String,
}

#[derive(Template)]
#[template(path = "accounts/users.html")]
struct UsersPage {
    frame: Frame,
    csrf: String,
    manage: bool,
    /// A security administrator: approves what the system administrator proposes.
    approve: bool,
    requests: Vec<RequestRow>,
    notice: Option<String>,
    error: Option<String>,
    rows: Vec<AccountRow>,
    roles: Vec<(&'static str, &'static str)>,
    form: AccountForm,
}

#[derive(Deserialize, Default, Clone)]
pub struct AccountForm {
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
}

async fn users_page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
    form: AccountForm,
) -> Page {
    let actor = &session.auth.actor;
    let policy = state.security().await;
    let now = Utc::now();
    let list = match accounts::account_statuses(state.store.as_ref(), actor, &policy, now).await {
        Ok(l) => l,
        Err(e) => return Err(e.into()),
    };
    let rows = list
        .into_iter()
        .map(|s| {
            let u = s.user;
            let state = if u.disabled && s.pending {
                "待安全管理员审批".to_string()
            } else if u.disabled {
                "已停用".to_string()
            } else if u.service {
                "系统接入账号".to_string()
            } else if let Some(t) = s.locked_until {
                format!("已锁定至{}", beijing(t).format("%H:%M"))
            } else if u.must_change {
                "待首次改密".to_string()
            } else if s.password_expired {
                "密码已过期".to_string()
            } else {
                "正常".to_string()
            };
            AccountRow {
                username: u.username,
                display_name: u.display_name,
                role: u.role.label(),
                division: u.division.to_string(),
                department: u.department.unwrap_or_default(),
                state,
                disabled: u.disabled,
                service: u.service,
                changed: beijing(u.password_changed_at)
                    .format("%Y-%m-%d")
                    .to_string(),
            }
        })
        .collect();
    let requests = accounts::account_requests(state.store.as_ref(), actor)
        .await?
        .into_iter()
        .map(|r| RequestRow {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            role: r.role.label(),
            change: r.change.label(),
            requested: format!(
                "{} {}",
                r.requested_by,
                dixian_app::beijing_minute(r.requested_at)
            ),
            status: match r.status.as_str() {
                "pending" => "待审批",
                "approved" => "已批准",
                "withdrawn" => "已撤回（账号已停用）",
                _ => "未批准",
            },
            pending: r.status == "pending",
            decided: match (&r.decided_by, r.decided_at) {
                (Some(by), Some(at)) => format!(
                    "{by} {}{}",
                    dixian_app::beijing_minute(at),
                    r.note
                        .filter(|n| !n.is_empty())
                        .map(|n| format!("：{n}"))
                        .unwrap_or_default()
                ),
                _ => String::new(),
            },
        })
        .collect();
    Ok(render(
        status,
        &UsersPage {
            frame: session.frame(state),
            csrf: session.auth.csrf.clone(),
            approve: actor.may(Permission::ManageSecurity),
            requests,
            manage: actor.may(Permission::ManageUsers),
            notice,
            error,
            rows,
            roles: Role::ALL.iter().map(|r| (r.code(), r.label())).collect(),
            form: AccountForm { ..form },
        },
    ))
}

/// The list after a successful change, with its notice.
async fn users_done(state: &AppState, session: &Session, notice: String) -> Page {
    let form = AccountForm::default();
    users_page(state, session, StatusCode::OK, Some(notice), None, form).await
}

/// The list again with the problems of a refused form, keeping what was typed.
async fn users_refused(
    state: &AppState,
    session: &Session,
    e: &AppError,
    form: AccountForm,
) -> Page {
    let error = Some(e.to_string());
    users_page(state, session, StatusCode::BAD_REQUEST, None, error, form).await
}

pub async fn users(State(state): State<AppState>, Extension(session): Extension<Session>) -> Page {
    users_page(
        &state,
        &session,
        StatusCode::OK,
        None,
        None,
        AccountForm::default(),
    )
    .await
}

pub async fn create_user(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: AccountForm = posted.parse()?;
    let input = NewAccount {
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        role: f.role.clone(),
        division: f.division.trim().to_string(),
        department: Some(f.department.clone()),
    };
    Ok(
        match accounts::create_account(
            state.store.as_ref(),
            state.hashing.as_ref(),
            &session.auth.actor,
            &input,
        )
        .await
        {
            // The password is shown in this response only: never in an address or a log.
            Ok((_, Some(password))) => {
                let notice = format!(
                    "已新增账号{}，初始密码：{password}（只显示这一次，请当面或电话告知本人；首次登录须修改）。账号须经安全管理员审批后才能使用",
                    input.username.trim()
                );
                users_done(&state, &session, notice).await?
            }
            Ok((_, None)) => {
                let notice = format!(
                    "已新增管理员账号{}，待安全管理员审批：批准时由审批人取得初始密码并告知本人",
                    input.username.trim()
                );
                users_done(&state, &session, notice).await?
            }
            Err(e @ AppError::Store(dixian_store::StoreError::Forbidden)) => {
                return Err(e.into());
            }
            Err(e) => users_refused(&state, &session, &e, f).await?,
        },
    )
}

#[derive(Deserialize)]
pub struct AccountAction {
    #[serde(default)]
    username: String,
    #[serde(default)]
    action: String,
}

pub async fn account_action(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: AccountAction = posted.parse()?;
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let name = f.username.trim();
    let result = match f.action.as_str() {
        "disable" => accounts::set_disabled(store, actor, name, true)
            .await
            .map(|_| format!("已停用账号{name}，其所有会话已失效")),
        "enable" => accounts::set_disabled(store, actor, name, false)
            .await
            .map(|c| match c {
                Carried::Requested(id) => {
                    format!("已提交启用账号{name}的申请#{id}，待安全管理员审批")
                }
                Carried::Done(_) => format!("已启用账号{name}"),
            }),
        "reset" => accounts::reset_password(store, state.hashing.as_ref(), actor, name)
            .await
            .map(|c| match c {
                Carried::Requested(id) => format!(
                    "已提交重置账号{name}密码的申请#{id}，待安全管理员审批；新密码由审批人取得并告知本人"
                ),
                Carried::Done(p) => format!(
                    "已重置账号{name}的密码，新密码：{}（只显示这一次；登录后须修改）",
                    p.unwrap_or_default()
                ),
            }),
        other => Err(AppError::Invalid(vec![format!("未知的账号操作“{other}”")])),
    };
    Ok(match result {
        Ok(notice) => users_done(&state, &session, notice).await?,
        Err(
            e @ (AppError::Invalid(_) | AppError::Store(dixian_store::StoreError::Conflict(_))),
        ) => users_refused(&state, &session, &e, AccountForm::default()).await?,
        Err(e) => return Err(e.into()),
    })
}

#[derive(Deserialize)]
pub struct RequestDecision {
    #[serde(default)]
    request: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

/// A security administrator approves or rejects a proposed account change.
pub async fn decide_request(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: RequestDecision = posted.parse()?;
    let actor = &session.auth.actor;
    let result = match f.request.trim().parse::<i64>() {
        Err(_) => Err(AppError::Invalid(vec!["请选择要审批的申请".into()])),
        Ok(id) => {
            accounts::decide_request(
                state.store.as_ref(),
                state.hashing.as_ref(),
                actor,
                id,
                f.decision == "approve",
                &f.note,
            )
            .await
        }
    };
    Ok(match result {
        Ok((r, password)) => {
            let notice = match (r.status.as_str(), password) {
                ("approved", Some(p)) => format!(
                    "已批准申请#{}（{}：{}）。{}的新密码：{p}（只显示这一次，请当面或电话告知本人；登录后须修改）",
                    r.id,
                    r.change.label(),
                    r.username,
                    r.username
                ),
                ("approved", None) => {
                    format!(
                        "已批准申请#{}（{}：{}）",
                        r.id,
                        r.change.label(),
                        r.username
                    )
                }
                _ => format!(
                    "未批准申请#{}（{}：{}）",
                    r.id,
                    r.change.label(),
                    r.username
                ),
            };
            users_done(&state, &session, notice).await?
        }
        Err(
            e @ (AppError::Invalid(_) | AppError::Store(dixian_store::StoreError::Conflict(_))),
        ) => users_refused(&state, &session, &e, AccountForm::default()).await?,
        Err(e) => return Err(e.into()),
    })
}

/// One field of the security form.
struct PolicyField {
    name: &'static str,
    label: &'static str,
    value: i64,
    min: i64,
    max: i64,
}

#[derive(Template)]
#[template(path = "accounts/security.html")]
struct SecurityPage {
    frame: Frame,
    csrf: String,
    notice: Option<String>,
    error: Option<String>,
    fields: Vec<PolicyField>,
}

async fn security_form(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    settings: &SecuritySettings,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let fields = settings
        .fields()
        .into_iter()
        .map(|(name, label, value, min, max)| PolicyField {
            name,
            label,
            value,
            min,
            max,
        })
        .collect();
    render(
        status,
        &SecurityPage {
            frame: session.frame(state),
            csrf: session.auth.csrf.clone(),
            notice,
            error,
            fields,
        },
    )
}

pub async fn security_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
) -> Page {
    if let Err(e) = accounts::require(
        state.store.as_ref(),
        &session.auth.actor,
        Permission::ManageSecurity,
        "安全策略",
    )
    .await
    {
        return Err(e.into());
    }
    let current = SecuritySettings::of(&state.security().await);
    Ok(security_form(&state, &session, StatusCode::OK, &current, None, None).await)
}

pub async fn security_submit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: std::collections::HashMap<String, String> = posted.fields().iter().cloned().collect();
    let s = match SecuritySettings::from_form(|n| f.get(n).map(String::as_str)) {
        Ok(s) => s,
        Err((s, problems)) => {
            let error = Some(problems.join("\n"));
            return Ok(
                security_form(&state, &session, StatusCode::BAD_REQUEST, &s, None, error).await,
            );
        }
    };
    Ok(
        match security::save(state.store.as_ref(), &session.auth.actor, &s).await {
            Ok(_) => {
                let notice = Some("安全策略已保存，立即生效".to_string());
                security_form(&state, &session, StatusCode::OK, &s, notice, None).await
            }
            Err(e) => return Err(e.into()),
        },
    )
}
