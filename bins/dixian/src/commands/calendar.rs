//! `dixian calendar`: import and show the official holiday calendar (节假日调休).

use super::{DEFAULT_DATA_DIR, open_store, read_source};
use crate::cli::CalendarCmd;
use crate::config::Config;
use anyhow::{Result, anyhow};
use dixian_app::policy;
use dixian_app::setup::{self};
use dixian_domain::access::Actor;
use dixian_domain::calendar::WorkCalendar;
use dixian_store::prelude::*;
use std::path::Path;
use std::process::ExitCode;

pub(crate) async fn run(config: Option<&Path>, command: CalendarCmd) -> Result<ExitCode> {
    match command {
        CalendarCmd::Import { data, file } => {
            let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let source = read_source(&file)?;
            let store = open_store(&cfg, false).await?;
            let n = setup::import_calendar(
                store.as_ref(),
                &Actor::system("dixian calendar import"),
                &source,
            )
            .await?;
            let years: Vec<String> = store
                .calendar()
                .await?
                .covered_years()
                .iter()
                .map(ToString::to_string)
                .collect();
            println!("已导入{n}天；日历现覆盖：{}年", years.join("、"));
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        CalendarCmd::Deadline {
            data,
            from,
            days,
            natural,
        } => {
            let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let start = policy::parse_date(&from)?;
            let cal = if cfg.database_exists() {
                let store = open_store(&cfg, false).await?;
                let cal = store.calendar().await?;
                store.close().await;
                cal
            } else {
                WorkCalendar::builtin()
            };
            if natural {
                let plain = cal
                    .add_natural_days(start, days)
                    .map_err(|e| anyhow!("{e}"))?;
                let end = cal
                    .natural_deadline(start, days)
                    .map_err(|e| anyhow!("{e}"))?;
                if end == plain {
                    println!("{start}起{days}个自然日：{end}");
                } else {
                    println!(
                        "{start}起{days}个自然日：{end}（第{days}日{plain}是休息日，顺延至其后第一个工作日）"
                    );
                }
            } else {
                let end = cal
                    .add_working_days(start, days)
                    .map_err(|e| anyhow!("{e}"))?;
                println!("{start}起{days}个工作日：{}", end.value);
                if let Some(w) = end.warning {
                    eprintln!("注意：{w}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
