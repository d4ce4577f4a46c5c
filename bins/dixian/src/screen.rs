//! `dixian screen` and `dixian screen-data`: the screening engine on files.

use anyhow::{Result, anyhow, bail};
use dixian_domain::money::Money;
use dixian_screen::contract::{self, Screening};
use dixian_screen::{Date, RuleSet, generate};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// Exit code when lines were rejected in strict mode.
const REJECTED: u8 = 2;

fn date(s: &str) -> Result<Date> {
    Date::parse(s.trim().as_bytes()).ok_or_else(|| anyhow!("日期 “{s}” 无效，应为 YYYY-MM-DD"))
}

pub fn run(
    input: &Path,
    as_of: &str,
    line_yuan: &str,
    out: &Path,
    strict: bool,
    explain: bool,
    threads: Option<usize>,
) -> Result<ExitCode> {
    let as_of = date(as_of)?;
    let line = Money::parse(line_yuan).map_err(|e| anyhow!("收入线 “{line_yuan}” 无效：{e}"))?;
    if line.fen() <= 0 {
        bail!("收入线须大于 0 元");
    }
    let threads = threads
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1);
    let started = Instant::now();
    let screening = contract::run(input, as_of, line.fen(), &RuleSet::contract(), threads)?;
    report(&screening);
    if strict && screening.rejected() > 0 {
        eprintln!(
            "严格模式：共 {} 行格式错误，未写出结果。",
            screening.rejected()
        );
        return Ok(ExitCode::from(REJECTED));
    }
    contract::write_outputs(&screening, out)?;
    if explain {
        contract::write_explanations(&screening, out)?;
    }
    eprintln!(
        "预警 {} 条（{} 户），用时 {:.2} 秒，结果在 {}",
        screening.hits.len(),
        {
            let mut ids: Vec<u32> = screening.hits.iter().map(|h| h.household).collect();
            ids.dedup();
            ids.len()
        },
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn report(s: &Screening) {
    for f in &s.files {
        if !f.present {
            eprintln!("{}：未提供，按无数据处理", f.file);
            continue;
        }
        eprintln!(
            "{}：{} 行，格式错误 {} 行，未匹配 {} 行（{:.2} 秒）",
            f.file,
            f.rows,
            f.rejected,
            f.unmatched,
            f.elapsed.as_secs_f64()
        );
        for r in f.rejects.iter().take(20) {
            eprintln!("  {r}");
        }
        if f.rejected > 20 {
            eprintln!(
                "  ……另有 {} 行，见输出目录中的 rejected.csv",
                f.rejected - 20
            );
        }
    }
}

pub fn generate(sf: f64, as_of: &str, seed: u64, out: &Path) -> Result<ExitCode> {
    if !(sf > 0.0 && sf <= 1000.0) {
        bail!("规模系数须在 0 与 1000 之间");
    }
    let as_of = date(as_of)?;
    let started = Instant::now();
    let written = generate::generate(out, sf, as_of, seed)?;
    for (file, rows) in &written.rows {
        println!("{file}\t{rows}");
    }
    println!(
        "共 {} 行，用时 {:.1} 秒，写入 {}",
        written.total(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
