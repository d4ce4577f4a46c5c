//! `dixian backup`: a consistent copy of the SQLite database while the server runs.

use super::DEFAULT_DATA_DIR;
use crate::cli::DataArgs;
use crate::commands::check_database_file;
use crate::commands::open_store;
use crate::config::Config;
use anyhow::Result;
use anyhow::bail;
use dixian_domain::access::Actor;
use dixian_store::AuditStore;
use dixian_store::SystemStore;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(crate) async fn run(config: Option<&Path>, data: DataArgs, out: PathBuf) -> Result<ExitCode> {
    let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
    cfg.init_logging();
    backup(&cfg, &out).await?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn backup(cfg: &Config, out: &Path) -> Result<()> {
    if cfg.database_url.is_some() {
        bail!("PostgreSQL 数据库请用 pg_dump 备份，见 docs/operations.md");
    }
    let store = open_store(cfg, false).await?;
    let started = std::time::Instant::now();
    let result = store.backup_to(out).await;
    if result.is_ok() {
        let detail = format!("{{\"file\":\"{}\"}}", out.display());
        store
            .audit(
                &Actor::system("dixian backup"),
                "backup.create",
                "数据库",
                &detail,
            )
            .await?;
    }
    store.close().await;
    result?;
    let records = check_database_file(cfg, out).await?;
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    println!(
        "备份完成：{}（{:.1} MB，用时{:.1}秒）。完整性检查通过，审计记录{records}条哈希链完整。",
        out.display(),
        size as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    println!(
        "提醒：加密密钥文件{}不在备份中，请另行妥善备份；没有它，备份中的身份证号、电话无法解密。",
        cfg.key_file.display()
    );
    Ok(())
}
