//! `dixian init`: create the database and load divisions, calendar and policy packs.

use super::{DEFAULT_DATA_DIR, open_store, read_source};
use crate::cli::DataArgs;
use crate::config::Config;
use anyhow::Result;
use dixian_app::setup::{self, SourceFile};
use dixian_domain::access::Actor;
use dixian_store::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(crate) async fn run(
    config: Option<&Path>,
    data: DataArgs,
    divisions: Vec<PathBuf>,
    policy: Vec<PathBuf>,
) -> Result<ExitCode> {
    let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
    cfg.init_logging();
    let division_files = read_all(&divisions)?;
    let pack_files = read_all(&policy)?;
    let store = open_store(&cfg, true).await?;
    let report = setup::initialize(
        store.as_ref(),
        &Actor::system("dixian init"),
        &division_files,
        &pack_files,
    )
    .await?;
    println!(
        "初始化完成：{}（{}）\n  行政区划 {} 个，村民小组 {} 个\n  节假日日历 {} 天\n  政策包 {}",
        cfg.database_label(),
        store.kind().as_str(),
        report.divisions,
        report.village_groups,
        report.calendar_days,
        report.policy_packs.join("、")
    );
    if report.divisions == 0 && store.root_divisions().await?.is_empty() {
        println!("提示：尚未导入行政区划，请用 --divisions 区划.csv 导入。");
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn read_all(paths: &[PathBuf]) -> Result<Vec<SourceFile>> {
    paths.iter().map(|p| read_source(p)).collect()
}
