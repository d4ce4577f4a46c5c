//! `dixian keys`: rotate the field-encryption keys (国密 SM4) over every stored record.

use super::{DEFAULT_DATA_DIR, KEYS_ENV, open_store, write_key_file};
use crate::cli::KeysCmd;
use crate::config::Config;
use anyhow::{Result, bail};
use dixian_domain::access::Actor;
use dixian_gm::{KeyFile, KeyProvider};
use dixian_store::prelude::*;
use std::path::Path;
use std::process::ExitCode;

pub(crate) async fn run(config: Option<&Path>, command: KeysCmd) -> Result<ExitCode> {
    match command {
        KeysCmd::Rotate {
            data,
            batch,
            no_new_key,
        } => {
            let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            rotate_keys(&cfg, batch, no_new_key).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn rotate_keys(cfg: &Config, batch: usize, no_new_key: bool) -> Result<()> {
    if std::env::var_os(KEYS_ENV).is_some() {
        if !no_new_key {
            bail!(
                "密钥来自环境变量{KEYS_ENV}，程序无法替你添加新密钥：请在其中加入编号更大的 [[encryption]] 后，用 --no-new-key 运行本命令"
            );
        }
    } else if !no_new_key {
        let current = KeyFile(cfg.key_file.clone()).load()?;
        let next = current.to_text(Some(dixian_gm::random::<16>()?));
        // The new file keeps every old key, so data stays readable whatever happens next.
        write_key_file(&cfg.key_file, &next)?;
    }
    let store = open_store(cfg, false).await?;
    let started = std::time::Instant::now();
    let report = store
        .rotate_keys(&Actor::system("dixian keys rotate"), batch)
        .await?;
    store.close().await;
    println!(
        "已重新加密：身份证号{}条，住户电话{}条，一卡通账号{}条，监测线索和案件附件{}条，用时{:.1}秒。",
        report.persons,
        report.households,
        report.bank_accounts,
        report.monitoring,
        started.elapsed().as_secs_f64()
    );
    println!(
        "正在运行的服务重启后才会用新密钥加密新数据；重启后可用 --no-new-key 再运行一次，处理期间新写入的数据。旧密钥仍保留在密钥文件中，以便读取旧备份。"
    );
    Ok(())
}
