//! `dixian screen`, `screen-area`, `check-data`, `screen-data`: department screening over files or the stored area, its data check, and test data.

use super::{DEFAULT_DATA_DIR, open_store};
use crate::cli::DataArgs;
use crate::config::Config;
use crate::screen;
use anyhow::{Result, anyhow};
use dixian_domain::access::Actor;
use dixian_store::Store;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(crate) fn file(
    input: PathBuf,
    as_of: String,
    rules: screen::RuleSource,
    out: PathBuf,
    strict: bool,
    explain: bool,
    threads: Option<usize>,
) -> Result<ExitCode> {
    screen::run(&input, &as_of, &rules, &out, strict, explain, threads)
}

pub(crate) async fn area(
    config: Option<&Path>,
    data: DataArgs,
    area: String,
    as_of: Option<String>,
) -> Result<ExitCode> {
    let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
    cfg.init_logging();
    let store = open_store(&cfg, false).await?;
    screen::run_area(store.as_ref(), &area, as_of.as_deref()).await
}

pub(crate) async fn check(
    config: Option<&Path>,
    data: DataArgs,
    area: String,
    as_of: Option<String>,
    out: Option<PathBuf>,
) -> Result<ExitCode> {
    let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
    cfg.init_logging();
    let store = open_store(&cfg, false).await?;
    check_data(store.as_ref(), &area, as_of.as_deref(), out.as_deref()).await
}

pub(crate) fn generate(sf: f64, as_of: String, seed: u64, out: PathBuf) -> Result<ExitCode> {
    screen::generate(sf, &as_of, seed, &out)
}

/// `dixian check-data`: the consistency checks of one area, printed, and as CSV on request.
async fn check_data(
    store: &dyn Store,
    area: &str,
    as_of: Option<&str>,
    out: Option<&std::path::Path>,
) -> Result<ExitCode> {
    let area = dixian_domain::DivisionCode::parse(area)
        .map_err(|e| anyhow!("区划代码“{area}”无效：{e}"))?;
    let on = match as_of {
        Some(t) => dixian_app::policy::parse_date(t)?,
        None => dixian_app::today(),
    };
    let actor = Actor::system("dixian check-data");
    let report = dixian_app::quality::check_area(store, &actor, &area, on).await?;
    println!(
        "数据质量检查（{}，{}）：检查案件{}件，发现问题{}条",
        report.area.name,
        report.on,
        report.checked,
        report.items.len()
    );
    for (rule, n) in report.counts() {
        println!("  {}：{n}条", rule.label());
    }
    for i in &report.items {
        println!(
            "  [{}] 案件#{} 户{}（{}，{}）：{}",
            i.rule.label(),
            i.case_id,
            i.household,
            i.head_name,
            i.village_name,
            i.message
        );
    }
    for rule in dixian_app::quality::ENFORCED {
        println!("  （无需检查）{rule}");
    }
    if let Some(path) = out {
        std::fs::write(path, dixian_app::quality::to_csv(&report))
            .map_err(|e| anyhow!("无法写入{}：{e}", path.display()))?;
        println!("问题清单已写入 {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
