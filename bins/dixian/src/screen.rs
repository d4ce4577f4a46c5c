//! `dixian screen` and `dixian screen-data`: the screening engine on files.

use anyhow::{Result, anyhow, bail};
use dixian_domain::division::DivisionCode;
use dixian_domain::money::Money;
use dixian_domain::policy::{Pack, builtin_set};
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

/// Where `dixian screen` takes its rules and line from.
#[derive(Debug, Clone, Default)]
pub struct RuleSource {
    pub line_yuan: Option<String>,
    /// A pack file: its `[screening]` rules, its line unless `line_yuan` is given.
    pub pack: Option<std::path::PathBuf>,
    /// The shipped packs in force for this region on the as-of date.
    pub region: Option<String>,
}

/// A pack's problems, one per line, as one error.
fn listed(issues: &[dixian_domain::policy::PolicyIssue]) -> anyhow::Error {
    anyhow!(
        "{}",
        issues
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    )
}

/// The rules and the line (fen) of a run: from a pack file, from the shipped packs of a
/// region on the as-of date, or the file contract's own rules with `--line-yuan`.
fn rules_and_line(source: &RuleSource, as_of: &str) -> Result<(RuleSet, i64)> {
    let given = match &source.line_yuan {
        Some(t) => {
            let line = Money::parse(t).map_err(|e| anyhow!("收入线 “{t}” 无效：{e}"))?;
            if line.fen() <= 0 {
                bail!("收入线须大于 0 元");
            }
            Some(line)
        }
        None => None,
    };
    let engine = |rules: &dixian_domain::policy::screening::ScreeningRules| {
        dixian_app::screening::engine_rules(rules).map_err(|e| anyhow!("{e}"))
    };
    if let Some(path) = &source.pack {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow!("无法读取政策包 {}：{e}", path.display()))?;
        let name = path.display().to_string();
        let pack = Pack::parse(&name, &text).map_err(|issues| listed(&issues))?;
        if let Ok(on) = dixian_app::policy::parse_date(as_of)
            && on < pack.header().effective_from
        {
            eprintln!(
                "注意：政策包 {name} 自 {} 起施行，晚于测算日期 {on}",
                pack.header().effective_from
            );
        }
        let rules = pack
            .content
            .screening
            .as_ref()
            .ok_or_else(|| anyhow!("政策包 {name} 没有 [screening] 节"))?;
        let line = given
            .or_else(|| pack.content.monitoring_line.as_ref().map(|l| l.amount))
            .ok_or_else(|| {
                anyhow!("政策包 {name} 没有 [monitoring_line] 节，请用 --line-yuan 给出收入线")
            })?;
        return Ok((engine(rules)?, line.fen()));
    }
    if let Some(region) = &source.region {
        let code = DivisionCode::parse(region).map_err(|e| anyhow!("{e}"))?;
        let on = dixian_app::policy::parse_date(as_of).map_err(|e| anyhow!("{e}"))?;
        let set = builtin_set().map_err(|issues| listed(&issues))?;
        let policy = set.resolve(&code, on).map_err(|e| anyhow!("{e}"))?;
        let line = given.unwrap_or(policy.monitoring_line.amount);
        for w in policy.warnings() {
            eprintln!("注意：{w}");
        }
        eprintln!(
            "规则：{}（{}）{}条，收入线 {} 元",
            region,
            policy
                .layers
                .iter()
                .map(|l| l.id.as_str())
                .collect::<Vec<_>>()
                .join("、"),
            policy.screening.rule.len(),
            line.grouped()
        );
        return Ok((engine(&policy.screening)?, line.fen()));
    }
    let line = given.ok_or_else(|| {
        anyhow!("请给出 --line-yuan（收入线），或用 --pack、--region 从政策包取规则和收入线")
    })?;
    Ok((RuleSet::contract(), line.fen()))
}

pub fn run(
    input: &Path,
    as_of_text: &str,
    source: &RuleSource,
    out: &Path,
    strict: bool,
    explain: bool,
    threads: Option<usize>,
) -> Result<ExitCode> {
    let as_of = date(as_of_text)?;
    let (rules, line_fen) = rules_and_line(source, as_of_text)?;
    let threads = threads
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1);
    let started = Instant::now();
    let screening = contract::run(input, as_of, line_fen, &rules, threads)?;
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

/// A screening run over `area` in the database, as the system (a monthly timer); prints
/// what it found.
pub async fn run_area(
    store: &dyn dixian_store::Store,
    area: &str,
    as_of: Option<&str>,
) -> Result<ExitCode> {
    use chrono::Datelike;
    let area = dixian_domain::division::DivisionCode::parse(area)
        .map_err(|e| anyhow!("区划代码“{area}”无效：{e}"))?;
    let as_of = match as_of {
        Some(t) => dixian_app::policy::parse_date(t)?,
        None => {
            let today = dixian_app::today();
            today
                .with_day(1)
                .and_then(|d| d.pred_opt())
                .unwrap_or(today)
        }
    };
    let actor = dixian_domain::access::Actor {
        user_id: None,
        name: "系统：定时筛查".into(),
        scope: dixian_domain::access::Scope::Within(area),
        source: None,
        role: None,
    };
    let progress = |stage: &str, pct: u8| eprintln!("{pct:>3}% {stage}");
    let r =
        dixian_app::screening::run_screening(store, &actor, as_of, dixian_app::today(), &progress)
            .await?;
    println!(
        "筛查完成（{area}，测算日期 {}）：{}户、{}人，部门数据{}行；预警{}条，新线索{}条（每户一条，并入在办案件{}条），不重复生成{}条",
        r.as_of,
        r.households,
        r.persons,
        r.rows,
        r.warnings.len(),
        r.outcome.new_leads,
        r.outcome.attached,
        r.outcome.repeated
    );
    for (code, name, n) in &r.by_rule {
        println!("  {name}（{code}）：{n}户");
    }
    if r.without_income > 0 {
        println!(
            "  另有{}户没有收入数据，收入类规则未对其筛查",
            r.without_income
        );
    }
    Ok(ExitCode::SUCCESS)
}
