//! `dixian policy`: check pack files, and show the pack in force for a region and day.

use super::{DEFAULT_DATA_DIR, open_store, read_source};
use crate::cli::PolicyCmd;
use crate::config::Config;
use anyhow::{Result, anyhow};
use dixian_app::{policy, today};
use dixian_domain::policy::{BUILTIN_PACKS, Pack, sources};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(crate) async fn run(config: Option<&Path>, command: PolicyCmd) -> Result<ExitCode> {
    match command {
        PolicyCmd::Check { files } => Ok(policy_check(&files)),
        PolicyCmd::Diff { from, to } => {
            let a = load_pack(&from)?;
            let b = load_pack(&to)?;
            print_diff(&a, &b);
            Ok(ExitCode::SUCCESS)
        }
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
    for w in p.warnings() {
        println!("注意：{w}");
    }
    println!();
    println!("各项数值及来源：");
    for section in &p.provenance {
        println!(
            "[{}] 取自政策包 {}（{}）",
            section.section, section.pack, section.pack_title
        );
        for g in section.groups() {
            let values: Vec<String> = g
                .values
                .iter()
                .map(|(path, value)| {
                    if path.is_empty() {
                        value.clone()
                    } else {
                        format!("{path} = {value}")
                    }
                })
                .collect();
            println!("  {}：{}", g.key, values.join("，"));
            match &g.source {
                Some(s) => println!("    来源：{s}"),
                None => println!(
                    "    来源：未注明（该包入库时尚不要求注明来源，请补写后重新运行 dixian init）"
                ),
            }
        }
    }
}

/// A pack named by its file, or by the id of a shipped pack.
fn load_pack(name: &str) -> Result<Pack> {
    let path = Path::new(name);
    let (file, text) = if path.exists() {
        let source = read_source(path)?;
        (source.name, source.text)
    } else if let Some((file, text)) = BUILTIN_PACKS
        .iter()
        .find(|(f, _)| f.trim_end_matches(".toml") == name)
    {
        (file.to_string(), text.to_string())
    } else {
        let ids: Vec<&str> = BUILTIN_PACKS
            .iter()
            .map(|(f, _)| f.trim_end_matches(".toml"))
            .collect();
        return Err(anyhow!(
            "找不到政策包“{name}”：既不是文件，也不是随程序发布的包（{}）",
            ids.join("、")
        ));
    };
    Pack::parse_stored(&file, &text).map_err(|issues| {
        let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
        anyhow!("{}", text.join("\n"))
    })
}

fn print_diff(a: &Pack, b: &Pack) {
    let changes = sources::diff(&a.values, &b.values);
    println!(
        "{}（{}起）→ {}（{}起）：{}项不同",
        a.id(),
        a.header().effective_from,
        b.id(),
        b.header().effective_from,
        changes.len()
    );
    let source = |s: &Option<String>| s.clone().unwrap_or_else(|| "未注明".into());
    for c in &changes {
        match (&c.before, &c.after) {
            (Some((old, old_src)), Some((new, new_src))) => {
                if old == new {
                    println!("依据改变 {}：{new}", c.path);
                } else {
                    println!("改变 {}：{old} → {new}", c.path);
                }
                println!("    原依据：{}", source(old_src));
                println!("    新依据：{}", source(new_src));
            }
            (None, Some((new, new_src))) => {
                println!("新增 {}：{new}", c.path);
                println!("    依据：{}", source(new_src));
            }
            (Some((old, old_src)), None) => {
                println!(
                    "未写 {}：{old}（{}中有，{}中没有此项，按分层规则取其他包的值）",
                    c.path,
                    a.id(),
                    b.id()
                );
                println!("    原依据：{}", source(old_src));
            }
            (None, None) => {}
        }
    }
}
