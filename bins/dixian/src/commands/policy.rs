//! `dixian policy`: check pack files, and show the pack in force for a region and day.

use super::{DEFAULT_DATA_DIR, open_store, read_source};
use crate::cli::PolicyCmd;
use crate::config::Config;
use anyhow::Result;
use dixian_app::{policy, today};
use dixian_domain::policy::Pack;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(crate) async fn run(config: Option<&Path>, command: PolicyCmd) -> Result<ExitCode> {
    match command {
        PolicyCmd::Check { files } => Ok(policy_check(&files)),
        PolicyCmd::Show { data, region, date } => {
            let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let on = match date {
                Some(t) => policy::parse_date(&t)?,
                None => today(),
            };
            let store = open_store(&cfg, false).await?;
            let p = policy::policy_in_force(store.as_ref(), &region, on).await?;
            print_policy(&p);
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn policy_check(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for path in files {
        let source = match read_source(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e:#}");
                failed = true;
                continue;
            }
        };
        match Pack::parse(&source.name, &source.text) {
            Ok(p) => {
                let h = p.header();
                println!(
                    "{}：通过（{}，{}级，{}起施行）",
                    source.name,
                    h.id,
                    h.level.label(),
                    h.effective_from
                );
            }
            Err(issues) => {
                failed = true;
                for i in &issues {
                    eprintln!("{i}");
                }
                eprintln!("{}：发现{}个错误", source.name, issues.len());
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn print_policy(p: &dixian_domain::Policy) {
    println!("区划{}，日期{}", p.region, p.on);
    for l in &p.layers {
        println!(
            "  政策包 {}：{}（{}级，{}起）",
            l.id,
            l.title,
            l.level.label(),
            l.effective_from
        );
    }
    println!(
        "监测范围：{}元/人·年（{}）",
        p.monitoring_line.amount.grouped(),
        p.monitoring_line.basis
    );
    println!("对象称谓：{}", p.naming.monitored_object);
    let d = &p.deadlines;
    println!(
        "时限：识别{}；受理{}；核实{}；公示不少于{}；明确帮扶责任人{}；一户一策{}",
        d.identification,
        d.application_acceptance,
        d.verification,
        d.village_notice_min,
        d.cadre_assignment,
        d.assistance_plan
    );
    println!(
        "走访：监测户每{}个月至少1次；脱贫户走访月份{:?}",
        p.visits.monitored_every_months, p.visits.poverty_alleviated_months
    );
    let cats: Vec<&str> = p
        .object_categories
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    println!("对象类别：{}", cats.join("、"));
}
