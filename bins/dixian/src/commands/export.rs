//! `dixian export`: the registry ledger, the standard ledgers and the monthly bulletin as files.

use super::{DEFAULT_DATA_DIR, open_store};
use crate::cli::ExportCmd;
use crate::config::Config;
use anyhow::{Context, Result, anyhow, bail};
use dixian_app::sheet::FileKind;
use dixian_domain::access::Actor;
use dixian_store::Store;
use std::path::Path;
use std::process::ExitCode;

pub(crate) async fn run(config: Option<&Path>, command: ExportCmd) -> Result<ExitCode> {
    match command {
        ExportCmd::Households {
            data,
            out,
            within,
            household_type,
            monitored,
            reveal_reason,
        } => {
            let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let format = FileKind::of_path(&out)?;
            let store = open_store(&cfg, false).await?;
            let query = dixian_app::registry::HouseholdQuery {
                within: within.unwrap_or_default(),
                household_type: household_type.unwrap_or_default(),
                monitored: if monitored { "1".into() } else { String::new() },
                ..Default::default()
            };
            let tmp = out.with_extension("partial");
            let file = std::fs::File::create(&tmp)
                .with_context(|| format!("无法写入{}", tmp.display()))?;
            let bar = indicatif::ProgressBar::new_spinner();
            let started = std::time::Instant::now();
            let result = dixian_app::registry::ledger::export(
                store.as_ref(),
                &Actor::system("dixian export households"),
                &query,
                format,
                reveal_reason.as_deref(),
                std::io::BufWriter::new(file),
                |n| bar.set_message(format!("已导出{n}户")),
            )
            .await;
            bar.finish_and_clear();
            store.close().await;
            let n = match result {
                Ok(n) => n,
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e.into());
                }
            };
            // Only a complete file takes the name asked for.
            std::fs::rename(&tmp, &out).with_context(|| format!("无法写入{}", out.display()))?;
            println!(
                "已导出{n}户到{}，用时{:.1}秒。身份证号、电话已打码。",
                out.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        ExportCmd::Bulletin {
            data,
            month,
            out,
            area,
        } => {
            let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            if !out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
            {
                bail!("输出文件{}应以 .xlsx 结尾", out.display());
            }
            let today = dixian_app::today();
            let month = match month {
                Some(m) => dixian_domain::problems::Month::parse(&m).map_err(|e| anyhow!(e))?,
                None => dixian_domain::problems::Month::of(today).previous(),
            };
            let store = open_store(&cfg, false).await?;
            let actor = Actor::system("dixian export bulletin");
            let area = match area {
                Some(a) => dixian_domain::DivisionCode::parse(a.trim())
                    .map_err(|e| anyhow!("区划代码“{}”不正确：{e}", a.trim()))?,
                None => default_county(store.as_ref(), &actor).await?,
            };
            let started = std::time::Instant::now();
            let made =
                dixian_app::bulletin::bulletin(store.as_ref(), &actor, &area, month, today).await;
            store.close().await;
            let b = made?;
            let tmp = out.with_extension("partial");
            let file = std::fs::File::create(&tmp)
                .with_context(|| format!("无法写入{}", tmp.display()))?;
            if let Err(e) = dixian_app::bulletin::write_xlsx(&b, std::io::BufWriter::new(file)) {
                let _ = std::fs::remove_file(&tmp);
                return Err(e.into());
            }
            std::fs::rename(&tmp, &out).with_context(|| format!("无法写入{}", out.display()))?;
            for p in &b.paragraphs {
                println!("{p}");
            }
            println!(
                "已生成{}{}月通报到{}，用时{:.2}秒。",
                b.area.name,
                month.label(),
                out.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        ExportCmd::Ledger {
            data,
            kind,
            out,
            area,
            reveal_reason,
        } => {
            let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let Some(kind) = dixian_app::ledgers::LedgerKind::parse(&kind) else {
                bail!("没有台账“{kind}”，可选：monitored、measures、visits、eliminated、problems");
            };
            if !out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
            {
                bail!("输出文件{}应以 .xlsx 结尾", out.display());
            }
            let store = open_store(&cfg, false).await?;
            let actor = Actor::system("dixian export ledger");
            let area = match area {
                Some(a) => dixian_domain::DivisionCode::parse(a.trim())
                    .map_err(|e| anyhow!("区划代码“{}”不正确：{e}", a.trim()))?,
                None => default_county(store.as_ref(), &actor).await?,
            };
            let started = std::time::Instant::now();
            let today = dixian_app::today();
            let result = dixian_app::ledgers::build(
                store.as_ref(),
                &actor,
                kind,
                &area,
                reveal_reason.as_deref(),
                today,
            )
            .await;
            store.close().await;
            let ledger = result?;
            let tmp = out.with_extension("partial");
            let file = std::fs::File::create(&tmp)
                .with_context(|| format!("无法写入{}", tmp.display()))?;
            if let Err(e) = dixian_app::workbook::write_tables(
                std::slice::from_ref(&ledger.table),
                std::io::BufWriter::new(file),
            ) {
                let _ = std::fs::remove_file(&tmp);
                return Err(e.into());
            }
            std::fs::rename(&tmp, &out).with_context(|| format!("无法写入{}", out.display()))?;
            println!(
                "已导出{}{}条到{}，用时{:.1}秒。",
                ledger.table.title,
                ledger.table.rows.len(),
                out.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The area a command works on when none is named: the top of the division tree, down
/// through single children to the county (a county's database holds one).
async fn default_county(store: &dyn Store, actor: &Actor) -> Result<dixian_domain::DivisionCode> {
    let mut area = dixian_app::dashboard::home_area(store, actor).await?;
    while area.level() < dixian_domain::DivisionLevel::County {
        let children = store.child_divisions(&area).await?;
        match children.as_slice() {
            [only] => area = only.code,
            _ => break,
        }
    }
    Ok(area)
}
