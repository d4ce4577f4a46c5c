//! `dixian user`: create accounts and reset passwords from the server.

use super::{DEFAULT_DATA_DIR, open_store};
use crate::cli::UserCmd;
use crate::config::Config;
use anyhow::Result;
use dixian_app::accounts::{self, Argon2id, NewAccount};
use dixian_domain::access::Actor;
use std::path::Path;
use std::process::ExitCode;

pub(crate) async fn run(config: Option<&Path>, command: UserCmd) -> Result<ExitCode> {
    let data = match &command {
        UserCmd::Add { data, .. }
        | UserCmd::List { data }
        | UserCmd::Disable { data, .. }
        | UserCmd::Enable { data, .. }
        | UserCmd::ResetPassword { data, .. } => data.clone(),
    };
    let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
    cfg.init_logging();
    let store = open_store(&cfg, false).await?;
    let actor = Actor::system("dixian user");
    let hashing = Argon2id::recommended();
    let s = store.as_ref();
    match command {
        UserCmd::Add {
            username,
            name,
            role,
            division,
            department,
            ..
        } => {
            let input = NewAccount {
                username: username.clone(),
                display_name: name,
                role,
                division,
                department,
            };
            // On the server the command is the system itself: the account is enabled at once.
            let (_, password) = accounts::create_account(s, &hashing, &actor, &input).await?;
            println!(
                "已新增账号{username}，初始密码：{}\n（只显示这一次；首次登录须修改）",
                password.unwrap_or_default()
            );
        }
        UserCmd::List { .. } => {
            println!("账号\t姓名\t角色\t区划\t部门\t状态");
            for u in accounts::list_accounts(s, &actor).await? {
                let state = if u.disabled {
                    "已停用"
                } else if u.must_change {
                    "待改密"
                } else {
                    "正常"
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{state}",
                    u.username,
                    u.display_name,
                    u.role.label(),
                    u.division,
                    u.department.unwrap_or_default()
                );
            }
        }
        UserCmd::Disable { username, .. } => {
            accounts::set_disabled(s, &actor, &username, true).await?;
            println!("已停用账号{username}");
        }
        UserCmd::Enable { username, .. } => {
            accounts::set_disabled(s, &actor, &username, false).await?;
            println!("已启用账号{username}");
        }
        UserCmd::ResetPassword { username, .. } => {
            let password = match accounts::reset_password(s, &hashing, &actor, &username).await? {
                accounts::Carried::Done(p) => p.unwrap_or_default(),
                accounts::Carried::Requested(id) => {
                    anyhow::bail!("已提交重置申请#{id}，须经安全管理员审批")
                }
            };
            println!(
                "已重置账号{username}的密码，新密码：{password}\n（只显示这一次；下次登录须修改）"
            );
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
