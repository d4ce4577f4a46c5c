//! Accounts (账号): creation, password reset, disabling, listing, own password change, and the
//! demo county's accounts. Only actors with `ManageUsers` administer accounts; the store still
//! limits them to their scope and audits every change.

pub mod auth;
pub mod security;
pub mod service;

use crate::AppError;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use dixian_domain::access::{Actor, Permission, Role};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::password::PasswordRules;
use dixian_store::{NewUser, Store, StoreError, UserRecord};

/// Password hashing behind a trait, so tests can use cheap parameters.
pub trait PasswordHashing: Send + Sync {
    fn hash(&self, password: &str) -> Result<String, AppError>;
    fn verify(&self, password: &str, hash: &str) -> bool;
}

/// Argon2id (RFC 9106).
pub struct Argon2id {
    params: argon2::Params,
}

impl Argon2id {
    /// OWASP's recommendation: 19 MiB, 2 passes, 1 lane.
    pub fn recommended() -> Argon2id {
        Argon2id {
            params: argon2::Params::default(),
        }
    }

    /// Minimal cost, for tests only.
    pub fn cheap_for_tests() -> Argon2id {
        Argon2id {
            params: argon2::Params::new(64, 1, 1, None).unwrap_or_default(),
        }
    }

    fn engine(&self) -> argon2::Argon2<'static> {
        argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            self.params.clone(),
        )
    }
}

impl PasswordHashing for Argon2id {
    fn hash(&self, password: &str) -> Result<String, AppError> {
        self.engine()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Invalid(vec![format!("无法计算密码哈希：{e}")]))
    }

    fn verify(&self, password: &str, hash: &str) -> bool {
        self.engine()
            .verify_password(password.as_bytes(), hash)
            .is_ok()
    }
}

/// Refuses (and audits) an actor without permission `p`.
pub async fn require(
    store: &dyn Store,
    actor: &Actor,
    p: Permission,
    target: &str,
) -> Result<(), AppError> {
    if actor.may(p) {
        return Ok(());
    }
    let detail = format!("{{\"permission\":\"{}\"}}", p.code());
    store.audit(actor, "access.denied", target, &detail).await?;
    Err(AppError::Store(StoreError::Forbidden))
}

/// What an administrator types to create an account.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub division: String,
    pub department: Option<String>,
}

fn username_ok(u: &str) -> bool {
    let mut chars = u.chars();
    (2..=32).contains(&u.chars().count())
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
}

/// A random password that meets the default rules: 16 characters from all four classes.
pub fn generate_password() -> Result<String, AppError> {
    const SETS: [&[u8]; 4] = [
        b"abcdefghijkmnpqrstuvwxyz",
        b"ABCDEFGHJKLMNPQRSTUVWXYZ",
        b"23456789",
        b"!@#%^*-_=+",
    ];
    let bytes = dixian_gm::random::<32>().map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    // One of each class first, the rest from all classes; then a shuffle driven by the tail.
    let mut out: Vec<u8> = (0..16)
        .map(|i| {
            let set = if i < 4 {
                SETS[i]
            } else {
                SETS[usize::from(bytes[i]) % 4]
            };
            set[usize::from(bytes[i + 16]) % set.len()]
        })
        .collect();
    for i in (1..out.len()).rev() {
        let j = usize::from(bytes[i] ^ bytes[31 - i]) % (i + 1);
        out.swap(i, j);
    }
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// Creates an account with a generated initial password that must be changed at first login.
/// Made by a person, the account waits disabled for a security administrator's approval
/// (三员分立); the password is returned once to the creator, except for the three
/// administrators, whose first password only the approver receives.
pub async fn create_account(
    store: &dyn Store,
    hashing: &dyn PasswordHashing,
    actor: &Actor,
    input: &NewAccount,
) -> Result<(i64, Option<String>), AppError> {
    require(store, actor, Permission::ManageUsers, &input.username).await?;
    let password = generate_password()?;
    let administrator = Role::parse(&input.role).is_some_and(Role::is_administrator);
    let id = insert_account(store, hashing, actor, input, &password, true, false).await?;
    Ok((
        id,
        (!administrator || actor.role.is_none()).then_some(password),
    ))
}

/// What became of an administrator's account action: done at once, or proposed to a
/// security administrator (三员分立).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carried {
    Done(Option<String>),
    Requested(i64),
}

/// Pending and recent account requests in the actor's scope.
pub async fn account_requests(
    store: &dyn Store,
    actor: &Actor,
) -> Result<Vec<dixian_store::AccountRequest>, AppError> {
    Ok(store.account_requests(actor).await?)
}

/// A security administrator approves or rejects request `id`; an approval that sets a
/// password gives it (once) to the approver, who hands it to its owner.
pub async fn decide_request(
    store: &dyn Store,
    hashing: &dyn PasswordHashing,
    actor: &Actor,
    id: i64,
    approve: bool,
    note: &str,
) -> Result<(dixian_store::AccountRequest, Option<String>), AppError> {
    require(
        store,
        actor,
        Permission::ManageSecurity,
        &format!("账号申请#{id}"),
    )
    .await?;
    if !approve && note.trim().is_empty() {
        return Err(AppError::Invalid(vec!["不批准时请写明理由".into()]));
    }
    let password = if approve {
        Some(generate_password()?)
    } else {
        None
    };
    let decision = dixian_store::AccountDecision {
        approve,
        note: note.to_string(),
        password_hash: password.as_deref().map(|p| hashing.hash(p)).transpose()?,
    };
    let request = store.decide_account_request(actor, id, &decision).await?;
    let shown = if approve && request.change.sets_password() {
        // Whoever held the old password is signed out everywhere.
        store.revoke_user_sessions(request.user_id, None).await?;
        password
    } else {
        None
    };
    Ok((request, shown))
}

/// Checks and stores an account; `service` makes it a service account (系统接入账号).
pub(crate) async fn insert_account(
    store: &dyn Store,
    hashing: &dyn PasswordHashing,
    actor: &Actor,
    input: &NewAccount,
    password: &str,
    must_change: bool,
    service: bool,
) -> Result<i64, AppError> {
    let mut problems = Vec::new();
    let username = input.username.trim().to_string();
    if !username_ok(&username) {
        problems.push(format!(
            "账号名“{username}”无效：应为2–32位小写字母、数字或“_.-”，以字母开头"
        ));
    }
    let display_name = input.display_name.trim().to_string();
    if display_name.is_empty() || display_name.chars().count() > 32 {
        problems.push("姓名不能为空，最多32个字".into());
    }
    let role = Role::parse(&input.role);
    if role.is_none() {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.label()).collect();
        problems.push(format!(
            "角色“{}”无效，可选：{}",
            input.role,
            all.join("、")
        ));
    }
    let department = input
        .department
        .as_ref()
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty());
    match (role, &department) {
        (Some(Role::DepartmentOfficer), None) => {
            problems.push("部门数据员必须填写所属部门（如医保、民政）".into())
        }
        (Some(r), Some(_)) if r != Role::DepartmentOfficer => {
            problems.push("只有部门数据员需要填写所属部门".into())
        }
        (Some(_), Some(d)) if dixian_domain::screening::Department::parse(d).is_none() => problems
            .push(format!(
                "所属部门“{d}”无效，可填：{}",
                dixian_domain::screening::Department::ALL
                    .iter()
                    .map(|d| d.label())
                    .collect::<Vec<_>>()
                    .join("、")
            )),
        _ => {}
    }
    let division = match DivisionCode::parse(&input.division) {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(e.to_string());
            None
        }
    };
    if let Some(d) = division
        && store.division(&d).await?.is_none()
    {
        problems.push(format!("区划代码{d}不存在"));
    }
    if let (Some(r), Some(d)) = (role, division)
        && r.is_administrator()
        && d.level() > DivisionLevel::County
    {
        problems.push(format!("{}应设在县级或以上区划", r.label()));
    }
    let (Some(role), Some(division)) = (role, division) else {
        return Err(AppError::Invalid(problems));
    };
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let user = NewUser {
        username,
        display_name,
        role,
        division,
        department,
        password_hash: hashing.hash(password)?,
        must_change,
        service,
    };
    Ok(store.create_user(actor, &user).await?)
}

/// An account the actor administers. Unknown and out-of-scope accounts get the same answer,
/// so nobody learns which usernames exist elsewhere; the out-of-scope attempt is audited.
async fn account(store: &dyn Store, actor: &Actor, username: &str) -> Result<UserRecord, AppError> {
    let name = username.trim();
    let missing = || AppError::NotFound(format!("您的辖区内没有账号{name}"));
    let user = store.user_by_username(name).await?.ok_or_else(missing)?;
    if !actor.scope.covers(&user.division) {
        let detail = "{\"reason\":\"out_of_scope\"}";
        store.audit(actor, "access.denied", name, detail).await?;
        return Err(missing());
    }
    Ok(user)
}

/// Gives an account a new generated password that must be changed at next login: at once when
/// the system itself asks (a command on the server), otherwise as a request for a security
/// administrator.
pub async fn reset_password(
    store: &dyn Store,
    hashing: &dyn PasswordHashing,
    actor: &Actor,
    username: &str,
) -> Result<Carried, AppError> {
    require(store, actor, Permission::ManageUsers, username).await?;
    let user = account(store, actor, username).await?;
    // A new password in the system administrator's hands would be the account itself (a
    // county administrator's included): a person's reset is a request, and the password goes
    // to the approving security administrator.
    if actor.role.is_some() {
        let id = store
            .request_account_change(actor, user.id, dixian_store::AccountChange::Reset)
            .await?;
        return Ok(Carried::Requested(id));
    }
    let password = generate_password()?;
    store
        .set_user_password(actor, user.id, &hashing.hash(&password)?, true)
        .await?;
    // Whoever held the old password is signed out everywhere.
    store.revoke_user_sessions(user.id, None).await?;
    Ok(Carried::Done(Some(password)))
}

/// Disables or re-enables an account.
pub async fn set_disabled(
    store: &dyn Store,
    actor: &Actor,
    username: &str,
    disabled: bool,
) -> Result<Carried, AppError> {
    require(store, actor, Permission::ManageUsers, username).await?;
    let user = account(store, actor, username).await?;
    if !disabled && actor.role.is_some() {
        // Enabling gives an account its role back: a security administrator approves.
        let id = store
            .request_account_change(actor, user.id, dixian_store::AccountChange::Enable)
            .await?;
        return Ok(Carried::Requested(id));
    }
    store.set_user_disabled(actor, user.id, disabled).await?;
    if disabled {
        store.revoke_user_sessions(user.id, None).await?;
    }
    Ok(Carried::Done(None))
}

/// Accounts in the actor's scope (for `ManageUsers` or `ManageSecurity`; the store checks).
pub async fn list_accounts(store: &dyn Store, actor: &Actor) -> Result<Vec<UserRecord>, AppError> {
    Ok(store.users(actor).await?)
}

/// An account with its lockout state, for the administrators' list.
#[derive(Debug, Clone)]
pub struct AccountStatus {
    pub user: UserRecord,
    /// Until when login is refused after too many failures.
    pub locked_until: Option<chrono::DateTime<chrono::Utc>>,
    /// The password has passed its maximum age.
    pub password_expired: bool,
    /// Waiting for a security administrator to approve enabling it.
    pub pending: bool,
}

/// Accounts in the actor's scope with lockout and password-age state under `policy`.
pub async fn account_statuses(
    store: &dyn Store,
    actor: &Actor,
    policy: &auth::SecurityPolicy,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<AccountStatus>, AppError> {
    let mut out = Vec::new();
    let pending: Vec<i64> = store
        .account_requests(actor)
        .await?
        .into_iter()
        .filter(|r| {
            r.status == "pending"
                && matches!(
                    r.change,
                    dixian_store::AccountChange::Enable | dixian_store::AccountChange::Activate
                )
        })
        .map(|r| r.user_id)
        .collect();
    for user in list_accounts(store, actor).await? {
        let f = store
            .login_failures(
                &dixian_store::LoginKey::Username(user.username.clone()),
                now - policy.lockout,
            )
            .await?;
        let locked_until = f
            .last
            .map(|last| last + policy.lockout)
            .filter(|until| f.count >= policy.lockout_threshold && *until > now);
        let password_expired = now - user.password_changed_at > policy.password_max_age;
        out.push(AccountStatus {
            pending: pending.contains(&user.id),
            user,
            locked_until,
            password_expired,
        });
    }
    Ok(out)
}

/// A user changes their own password: the old one must be right, the new one must meet the
/// rules and differ from the old. Every other session of the account is signed out; the
/// session whose token hash is `this_session` stays.
pub async fn change_own_password(
    store: &dyn Store,
    hashing: &dyn PasswordHashing,
    actor: &Actor,
    rules: &PasswordRules,
    old: &str,
    new: &str,
    this_session: Option<&[u8]>,
) -> Result<(), AppError> {
    let Some(user_id) = actor.user_id else {
        return Err(AppError::Invalid(vec![
            "只有登录的账号可以修改自己的密码".into(),
        ]));
    };
    let user = store
        .user_by_username(&actor.name)
        .await?
        .filter(|u| u.id == user_id)
        .ok_or_else(|| AppError::NotFound("账号不存在".into()))?;
    if !hashing.verify(old, &user.password_hash) {
        return Err(AppError::Invalid(vec!["原密码不正确".into()]));
    }
    if old == new {
        return Err(AppError::Invalid(vec!["新密码不能与原密码相同".into()]));
    }
    rules
        .check(new, &user.username)
        .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    store
        .set_user_password(actor, user_id, &hashing.hash(new)?, false)
        .await?;
    // Whoever else held the old password (a phone left signed in) is signed out.
    store.revoke_user_sessions(user_id, this_session).await?;
    Ok(())
}

/// The password of every demo account. Demo data only: printed by `dixian demo`.
pub const DEMO_PASSWORD: &str = "Dixian@2026";

/// One demo account as printed for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: &'static str,
    pub role: Role,
    pub division: DivisionCode,
}

/// One account per role in the demo county (town and village roles in its first town and
/// village); accounts that exist already are left alone.
pub async fn ensure_demo_accounts(
    store: &dyn Store,
    hashing: &dyn PasswordHashing,
    actor: &Actor,
    county: DivisionCode,
    town: DivisionCode,
    village: DivisionCode,
) -> Result<Vec<DemoAccount>, AppError> {
    let plan: [(&'static str, Role, DivisionCode, &str, Option<&str>); 9] = [
        ("admin", Role::SystemAdmin, county, "王系统", None),
        ("security", Role::SecurityAdmin, county, "李安全", None),
        ("auditor", Role::AuditAdmin, county, "张审计", None),
        ("county", Role::CountyAdmin, county, "刘县级", None),
        ("town", Role::TownReviewer, town, "陈乡镇", None),
        ("village", Role::VillageOfficer, village, "杨村级", None),
        ("cadre", Role::AssistanceCadre, village, "赵帮扶", None),
        (
            "yibao",
            Role::DepartmentOfficer,
            county,
            "周医保",
            Some("医保"),
        ),
        ("viewer", Role::Viewer, county, "吴查看", None),
    ];
    let mut out = Vec::new();
    for (username, role, division, name, department) in plan {
        if store.user_by_username(username).await?.is_none() {
            let input = NewAccount {
                username: username.into(),
                display_name: name.into(),
                role: role.code().into(),
                division: division.to_string(),
                department: department.map(Into::into),
            };
            insert_account(store, hashing, actor, &input, DEMO_PASSWORD, false, false).await?;
        }
        out.push(DemoAccount {
            username,
            role,
            division,
        });
    }
    Ok(out)
}
