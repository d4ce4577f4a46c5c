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
        AuditCmd::Verify {
            data,
            public_key,
            state,
        } => {
            let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let public_key = public_key.or_else(|| cfg.audit_public_key.clone());
            let remembered = match &state {
                Some(path) if path.exists() => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("无法读取核验位置文件{}", path.display()))?;
                    let mut parts = text.split_whitespace();
                    let seq = parts.next().and_then(|s| s.parse::<i64>().ok());
                    match (seq, parts.next()) {
                        (Some(seq), Some(hash)) => Some((seq, hash.to_string())),
                        _ => bail!(
                            "核验位置文件{}的内容不对（应为“序号 哈希”）：它是否被改动过？",
                            path.display()
                        ),
                    }
                }
                _ => None,
            };
            let store = open_store(&cfg, false).await?;
            let policy = dixian_app::accounts::security::policy_in_force(
                store.as_ref(),
                &dixian_app::accounts::auth::SecurityPolicy::default(),
            )
            .await;
            let v = auditing::verify(
                store.as_ref(),
                &Actor::system("audit verify"),
                public_key.as_deref(),
                &policy,
                remembered.as_ref().map(|(s, h)| (*s, h.as_str())),
                chrono::Utc::now(),
            )
            .await;
            store.close().await;
            let v = v?;
            if let Some(p) = v.problem {
                eprintln!("审计记录核验失败：{p}");
                return Ok(ExitCode::FAILURE);
            }
            let pruned = if v.from_seq > 1 {
                format!(
                    "（第{}条之前的记录已按保存期清理，清理依据的签名有效）",
                    v.from_seq
                )
            } else {
                String::new()
            };
            println!(
                "审计记录共{}条，哈希链完整{pruned}；最新为第{}条。",
                v.records, v.head_seq
            );
            match v.checkpoints {
                Some(n) => println!("SM2签名检查点{n}个，全部有效，与现有记录一致。"),
                None => println!(
                    "未核验签名检查点：没有提供审计管理员的公钥（--public-key 或配置 audit_public_key），删除末尾记录并改写审计头只有用公钥或 --state 才能发现。"
                ),
            }
            if let Some(path) = &state {
                std::fs::write(path, format!("{} {}\n", v.head_seq, v.head_hash))
                    .with_context(|| format!("无法写入核验位置文件{}", path.display()))?;
            }
            Ok(ExitCode::SUCCESS)
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
        AuditCmd::Prune {
            data,
            keep_days,
            public_key,
        } => {
            let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let Some(public_key) = public_key.or_else(|| cfg.audit_public_key.clone()) else {
                bail!(
                    "清理审计记录须有审计管理员签名的检查点作依据：请用 --public-key 给出公钥，或在 dixian.toml 中设置 audit_public_key"
                );
            };
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
                &public_key,
            )
            .await;
            store.close().await;
            let r = r?;
            if r.removed == 0 {
                println!(
                    "没有可清理的审计记录：超过保存期、且有早于保存期的签名检查点的记录才能清理。"
                );
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
