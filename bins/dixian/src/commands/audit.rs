//! `dixian audit`: verify the audit chain, sign checkpoints, prune past retention, list records.

use super::{DEFAULT_DATA_DIR, open_store, write_key_file};
use crate::cli::AuditCmd;
use crate::config::Config;
use anyhow::{Context, Result, bail};
use dixian_app::auditing;
use dixian_domain::access::Actor;
use dixian_store::prelude::*;
use std::path::Path;
use std::process::ExitCode;

pub(crate) async fn run(config: Option<&Path>, command: AuditCmd) -> Result<ExitCode> {
    match command {
        AuditCmd::Verify { data, public_key } => {
            let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let store = open_store(&cfg, false).await?;
            let v = store.verify_audit_chain().await?;
            let signed = match &public_key {
                Some(pk) if v.problem.is_none() => Some(
                    auditing::verify_checkpoints(
                        store.as_ref(),
                        &Actor::system("audit verify"),
                        pk,
                    )
                    .await?,
                ),
                _ => None,
            };
            store.close().await;
            let pruned = if v.from_seq > 1 {
                format!("（第{}条之前的记录已按保存期清理）", v.from_seq)
            } else {
                String::new()
            };
            match (v.problem, signed) {
                (Some(p), _) => {
                    eprintln!("审计记录核验失败：{p}（此前{}条完好）", v.records);
                    Ok(ExitCode::FAILURE)
                }
                (None, Some(Err(p))) => {
                    eprintln!("审计检查点核验失败：{p}");
                    Ok(ExitCode::FAILURE)
                }
                (None, signed) => {
                    println!("审计记录共{}条，哈希链完整{pruned}。", v.records);
                    if let Some(Ok(n)) = signed {
                        println!("SM2签名检查点{n}个，全部有效，与现有记录一致。");
                    }
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        AuditCmd::Keygen { out } => {
            if out.exists() {
                bail!("{}已存在，不会覆盖；请换一个文件名", out.display());
            }
            let signer = dixian_gm::sign::CheckpointSigner::generate()?;
            write_key_file(&out, &format!("{}\n", signer.private_hex()))?;
            println!(
                "已生成SM2私钥：{}（权限600，请由审计管理员离线保管）",
                out.display()
            );
            println!("公钥（核验时使用 --public-key）：{}", signer.public_hex());
            Ok(ExitCode::SUCCESS)
        }
        AuditCmd::Checkpoint { data, key } => {
            let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let text = std::fs::read_to_string(&key)
                .with_context(|| format!("无法读取SM2私钥文件{}", key.display()))?;
            let signer = dixian_gm::sign::CheckpointSigner::from_hex(&text)
                .with_context(|| format!("SM2私钥文件{}无效", key.display()))?;
            let store = open_store(&cfg, false).await?;
            let cp =
                auditing::checkpoint(store.as_ref(), &Actor::system("audit checkpoint"), &signer)
                    .await;
            store.close().await;
            let cp = cp?;
            println!("已签名检查点：第{}条审计记录（{}）", cp.seq, cp.at);
            println!("哈希：{}", cp.hash);
            println!("签名：{}", cp.signature);
            println!("请把以上三行另行留存（打印或存入其他介质）。");
            Ok(ExitCode::SUCCESS)
        }
        AuditCmd::Prune { data, keep_days } => {
            let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let store = open_store(&cfg, false).await?;
            let policy = dixian_app::accounts::security::policy_in_force(
                store.as_ref(),
                &dixian_app::accounts::auth::SecurityPolicy::default(),
            )
            .await;
            let r = auditing::prune(
                store.as_ref(),
                &Actor::system("audit prune"),
                &policy,
                keep_days,
                chrono::Utc::now(),
            )
            .await;
            store.close().await;
            let r = r?;
            if r.removed == 0 {
                println!("没有超过保存期的审计记录。");
            } else {
                println!(
                    "已清理{}条超过保存期的审计记录（至第{}条）；哈希链从第{}条起继续核验。",
                    r.removed,
                    r.through_seq,
                    r.through_seq + 1
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCmd::List { data, after, limit } => {
            let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let store = open_store(&cfg, false).await?;
            let me = Actor::system("audit list");
            for r in store
                .audit_records(&me, &dixian_store::AuditFilter::after(after, limit))
                .await?
            {
                println!(
                    "{}\t{}\t{}{}\t{}\t{}\t{}",
                    r.seq,
                    r.at.format("%Y-%m-%d %H:%M:%S"),
                    r.actor,
                    r.source.map(|s| format!("@{s}")).unwrap_or_default(),
                    r.action,
                    r.target,
                    r.detail
                );
            }
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}
