//! `dixian restore`: put a backup back in place of the SQLite database.

use super::DEFAULT_DATA_DIR;
use crate::cli::DataArgs;
use crate::commands::check_database_file;
use crate::commands::open_store;
use crate::commands::running_server;
use crate::config::Config;
use anyhow::Context;
use anyhow::Result;
use anyhow::bail;
use dixian_domain::access::Actor;
use dixian_store::AuditStore;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(crate) async fn run(config: Option<&Path>, data: DataArgs, file: PathBuf) -> Result<ExitCode> {
    let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
    cfg.init_logging();
    restore(&cfg, &file).await?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn restore(cfg: &Config, file: &Path) -> Result<()> {
    if cfg.database_url.is_some() {
        bail!("PostgreSQL 数据库请用 pg_restore 恢复，见 docs/operations.md");
    }
    if let Some(pid) = running_server(cfg) {
        bail!(
            "服务正在使用数据目录{}（进程{pid}），请先停止服务再恢复",
            cfg.data_dir.display()
        );
    }
    if !file.is_file() {
        bail!("找不到备份文件{}", file.display());
    }
    std::fs::create_dir_all(&cfg.data_dir)
        .with_context(|| format!("无法创建数据目录{}", cfg.data_dir.display()))?;
    // Checked as a copy inside the data directory, so the final step is a rename.
    let candidate = cfg.data_dir.join("dixian.db.restoring");
    std::fs::copy(file, &candidate)
        .with_context(|| format!("无法复制备份文件{}", file.display()))?;
    let records = match check_database_file(cfg, &candidate).await {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&candidate);
            return Err(e.context(format!("备份文件{}不能用于恢复", file.display())));
        }
    };
    let live = cfg.sqlite_path();
    let mut kept = None;
    if live.exists() {
        let stamp = chrono::Local::now().format("%Y%m%d%H%M%S");
        let aside = cfg
            .data_dir
            .join(format!("dixian.db.before-restore-{stamp}"));
        std::fs::rename(&live, &aside)
            .with_context(|| format!("无法移走当前数据库{}", live.display()))?;
        for ext in ["db-wal", "db-shm"] {
            let _ = std::fs::remove_file(live.with_extension(ext));
        }
        kept = Some(aside);
    }
    std::fs::rename(&candidate, &live)
        .with_context(|| format!("无法放置恢复的数据库{}", live.display()))?;
    let store = open_store(cfg, false).await?;
    let detail = format!("{{\"file\":\"{}\"}}", file.display());
    store
        .audit(
            &Actor::system("dixian restore"),
            "backup.restore",
            "数据库",
            &detail,
        )
        .await?;
    store.close().await;
    println!(
        "已从{}恢复数据库：完整性检查通过，审计记录{records}条哈希链完整。",
        file.display()
    );
    if let Some(k) = kept {
        println!("原数据库保留为{}，确认无误后可删除。", k.display());
    }
    Ok(())
}
