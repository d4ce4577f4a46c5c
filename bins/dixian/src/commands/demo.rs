//! `dixian demo`: build the demo county (registry, cases, problems, accounts) and serve it.

use super::{DEFAULT_LISTEN, open_store};
use crate::cli::DataArgs;
use crate::commands::serve::serve;
use crate::config::Config;
use anyhow::{Context, Result, anyhow};
use dixian_app::accounts::{self, Argon2id};
use dixian_app::setup::{self};
use dixian_app::sheet::FileKind;
use dixian_app::{demo, policy, today};
use dixian_domain::access::Actor;
use dixian_store::Store;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What `dixian demo` was asked for.
pub(crate) struct Demo {
    pub data: DataArgs,
    pub households: u32,
    pub seed: u64,
    pub as_of: Option<String>,
    pub projects_per_year: Option<u32>,
    pub then_serve: bool,
    pub listen: Option<String>,
    pub file_out: Option<PathBuf>,
}

pub(crate) async fn run(config: Option<&Path>, demo: Demo) -> Result<ExitCode> {
    let Demo {
        data,
        households,
        seed,
        as_of,
        projects_per_year,
        then_serve,
        listen,
        file_out,
    } = demo;
    let cfg = Config::load(config, &data, DEMO_DATA_DIR)?;
    cfg.init_logging();
    let as_of = match as_of {
        Some(t) => policy::parse_date(&t)?,
        None => today(),
    };
    if let Some(out) = file_out {
        let kind = FileKind::of_path(&out)?;
        let table = demo::divisions(seed);
        let file =
            std::fs::File::create(&out).with_context(|| format!("无法写入{}", out.display()))?;
        let n = dixian_app::registry::import::write_households(
            kind,
            demo::Generator::new(&table, seed, households, as_of)
                .with_line(demo::income_line(as_of)?),
            std::io::BufWriter::new(file),
        )
        .with_context(|| format!("无法写入{}", out.display()))?;
        println!("已把演示县{n}户写入{}（导入模板格式）。", out.display());
        return Ok(ExitCode::SUCCESS);
    }
    let store = open_store(&cfg, true).await?;
    let summary = build_demo(store.as_ref(), households, seed, as_of, projects_per_year).await?;
    if then_serve {
        let listen = listen.or(cfg.listen.clone());
        serve(
            store,
            listen.as_deref().unwrap_or(DEFAULT_LISTEN),
            Some(summary),
            &cfg,
        )
        .await?;
    } else {
        println!("{summary}");
        let dir = cfg.data_dir.display().to_string();
        println!(
            "启动服务：{}",
            super::runnable(&["serve", "--data-dir", &dir])
        );
        store.close().await;
    }
    Ok(ExitCode::SUCCESS)
}

const DEMO_DATA_DIR: &str = "demo-data";

async fn build_demo(
    store: &dyn Store,
    households: u32,
    seed: u64,
    as_of: chrono::NaiveDate,
    projects_per_year: Option<u32>,
) -> Result<String> {
    let (summary, built) = build_demo_county(store, households, seed, as_of).await?;
    let accounts = demo_accounts(store).await?;
    if !built {
        return Ok(format!("{summary}\n{accounts}"));
    }
    // After the accounts, so the demo cadre can be given the demo village's households.
    let started = std::time::Instant::now();
    let (county, town, village) = demo_places(store).await?;
    let cases =
        dixian_app::demo::cases::load_cases(store, &county, &town, &village, seed, as_of).await?;
    let problems =
        dixian_app::demo::problems::load_problems(store, &county, &village, seed, as_of).await?;
    let funds = dixian_app::demo::funds::load_funds_sized(
        store,
        &county,
        seed,
        as_of,
        projects_per_year.map(i64::from),
    )
    .await?;
    let villages = dixian_app::demo::villages::load_villages(store, &county, seed, as_of).await?;
    Ok(format!(
        "{summary}\n全县监测线索{}条、案件{}件（{}），首个乡镇走访{}次；全县三保障问题{}个（已销号{}个、未销号{}个）；资金文件{}份共{}元、项目{}个、项目资产{}个；认定{}项、村集体经济收支{}个村年、经济薄弱村纳入扶持{}个、整改事项{}项、驻村工作队{}个（队员{}人、在村记录{}条）、包片包村{}项、书记遍访{}次、监测信息员{}人，用时{:.1}秒。\n{accounts}",
        cases.leads,
        cases.cases,
        cases
            .by_state
            .iter()
            .map(|(state, n)| format!("{state}{n}"))
            .collect::<Vec<_>>()
            .join("、"),
        cases.visits,
        problems.problems,
        problems.closed,
        problems.open,
        funds.funds,
        funds.amount.grouped(),
        funds.projects,
        funds.assets,
        villages.designations,
        villages.accounts,
        villages.enrolled,
        villages.items,
        villages.teams.teams,
        villages.teams.members,
        villages.teams.records,
        villages.cadres.pairings,
        villages.cadres.tours,
        villages.cadres.officers,
        started.elapsed().as_secs_f64()
    ))
}

/// The demo county, its first town and that town's first village: where the demo accounts
/// work and the demo cases are.
async fn demo_places(
    store: &dyn Store,
) -> Result<(
    dixian_domain::DivisionCode,
    dixian_domain::DivisionCode,
    dixian_domain::DivisionCode,
)> {
    let county =
        dixian_domain::DivisionCode::parse(demo::COUNTY_CODE).map_err(|e| anyhow!("{e}"))?;
    let town = store
        .child_divisions(&county)
        .await?
        .first()
        .map(|d| d.code)
        .ok_or_else(|| anyhow!("演示县没有乡镇"))?;
    let village = store
        .child_divisions(&town)
        .await?
        .first()
        .map(|d| d.code)
        .ok_or_else(|| anyhow!("演示乡镇没有村"))?;
    Ok((county, town, village))
}

/// One account per role, listed for the person trying the demo.
async fn demo_accounts(store: &dyn Store) -> Result<String> {
    let (county, town, village) = demo_places(store).await?;
    let made = accounts::ensure_demo_accounts(
        store,
        &Argon2id::recommended(),
        &Actor::system("dixian demo"),
        county,
        town,
        village,
    )
    .await?;
    demo::assign_demo_cadre(store, &Actor::system("dixian demo"), "cadre", &village).await?;
    let mut out = format!(
        "演示账号（密码均为 {}，仅供演示）：",
        accounts::DEMO_PASSWORD
    );
    for a in made {
        let place = store
            .division(&a.division)
            .await?
            .map(|d| d.name)
            .unwrap_or_default();
        out.push_str(&format!(
            "\n  {:<9}{}（{place}）",
            a.username,
            a.role.label()
        ));
    }
    Ok(out)
}

async fn build_demo_county(
    store: &dyn Store,
    households: u32,
    seed: u64,
    as_of: chrono::NaiveDate,
) -> Result<(String, bool)> {
    // Running the README command twice serves the county built the first time.
    if let Some(existing) = store.setting("demo.seed").await? {
        let county =
            dixian_domain::DivisionCode::parse(demo::COUNTY_CODE).map_err(|e| anyhow!("{e}"))?;
        let actor = Actor::system("dixian demo");
        let counts = store.registry_counts(&actor, &county).await?;
        return Ok((
            format!(
                "演示县{}已存在（种子{existing}，{}户、{}人），直接使用。",
                demo::COUNTY_NAME,
                counts.households,
                counts.persons
            ),
            false,
        ));
    }
    let actor = Actor::system("dixian demo");
    setup::initialize(store, &actor, &[], &[]).await?;
    let bar = indicatif::ProgressBar::new(u64::from(households));
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "生成演示县 {bar:40} {pos}/{len}户 {elapsed_precise} 剩余{eta}",
    ) {
        bar.set_style(style);
    }
    let started = std::time::Instant::now();
    let report = demo::load(
        store,
        &actor,
        demo::DemoOptions {
            households,
            seed,
            as_of,
        },
        |done, _| bar.set_position(done as u64),
    )
    .await?;
    bar.finish_and_clear();
    Ok((
        format!(
            "已生成演示县{}：{}户、{}人，15个乡镇、300个村（种子{seed}，测算日期{as_of}），用时{:.1}秒。",
            demo::COUNTY_NAME,
            report.households,
            report.persons,
            started.elapsed().as_secs_f64()
        ),
        true,
    ))
}
