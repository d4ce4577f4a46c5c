//! `dixian`: the server and administration CLI of 底线.

mod cli;
mod config;
mod screen;

use dixian_store::prelude::*;

use anyhow::{Context, Result, anyhow, bail};
use cli::{AuditCmd, CalendarCmd, Cmd, ExportCmd, ImportCmd, KeysCmd, PolicyCmd, UserCmd};
use config::Config;
use dixian_app::accounts::{self, Argon2id, NewAccount};
use dixian_app::setup::{self, SourceFile};
use dixian_app::sheet::FileKind;
use dixian_app::{auditing, demo, policy, today};
use dixian_domain::access::Actor;
use dixian_domain::calendar::WorkCalendar;
use dixian_domain::policy::Pack;
use dixian_gm::{EnvKeys, FieldCipher, KeyFile, KeyProvider, KeySet};
use dixian_store::Store;
use dixian_store_sql::SqlStore;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

const DEFAULT_DATA_DIR: &str = "dixian-data";
const DEMO_DATA_DIR: &str = "demo-data";
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

fn main() -> ExitCode {
    let cli = cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: cli::Cli) -> Result<ExitCode> {
    match cli.command {
        Cmd::Init {
            data,
            divisions,
            policy,
        } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
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
        Cmd::Serve { data, listen } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let store = open_store(&cfg, false).await?;
            let listen = listen.or(cfg.listen.clone());
            serve(
                store,
                listen.as_deref().unwrap_or(DEFAULT_LISTEN),
                None,
                &cfg,
            )
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Demo {
            data,
            households,
            seed,
            as_of,
            serve: then_serve,
            listen,
            file_out,
        } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEMO_DATA_DIR)?;
            cfg.init_logging();
            let as_of = match as_of {
                Some(t) => policy::parse_date(&t)?,
                None => today(),
            };
            if let Some(out) = file_out {
                let kind = FileKind::of_path(&out)?;
                let table = demo::divisions(seed);
                let file = std::fs::File::create(&out)
                    .with_context(|| format!("无法写入{}", out.display()))?;
                let n = dixian_app::import::write_households(
                    kind,
                    demo::Generator::new(&table, seed, households, as_of),
                    std::io::BufWriter::new(file),
                )
                .with_context(|| format!("无法写入{}", out.display()))?;
                println!("已把演示县{n}户写入{}（导入模板格式）。", out.display());
                return Ok(ExitCode::SUCCESS);
            }
            let store = open_store(&cfg, true).await?;
            let summary = build_demo(store.as_ref(), households, seed, as_of).await?;
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
                println!(
                    "启动服务：dixian serve --data-dir {}",
                    cfg.data_dir.display()
                );
                store.close().await;
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Policy {
            command: PolicyCmd::Check { files },
        } => Ok(policy_check(&files)),
        Cmd::Policy {
            command: PolicyCmd::Show { data, region, date },
        } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
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
        Cmd::Keys {
            command:
                KeysCmd::Rotate {
                    data,
                    batch,
                    no_new_key,
                },
        } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            rotate_keys(&cfg, batch, no_new_key).await?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::User { command } => user_command(cli.config.as_deref(), command).await,
        Cmd::Import {
            command: ImportCmd::Template { out },
        } => {
            if out.exists() {
                bail!("{}已存在，不会覆盖", out.display());
            }
            let template = dixian_app::import::template(FileKind::of_path(&out)?)?;
            std::fs::write(&out, template).with_context(|| format!("无法写入{}", out.display()))?;
            println!(
                "已生成导入模板：{}（带*的列必填；第2、3行是示例，请删除后填写）",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Import {
            command:
                ImportCmd::Households {
                    data,
                    file,
                    dry_run,
                    report: report_out,
                },
        } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let bytes =
                std::fs::read(&file).with_context(|| format!("无法读取{}", file.display()))?;
            let name = file.display().to_string();
            let store = open_store(&cfg, false).await?;
            let started = std::time::Instant::now();
            let progress = Arc::new(dixian_app::import::Progress::default());
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            let ticker = tokio::spawn(show_import_progress(bar.clone(), progress.clone()));
            let report = dixian_app::import::import_households(
                store.as_ref(),
                &Actor::system("dixian import households"),
                &name,
                &bytes,
                dry_run,
                &progress,
            )
            .await;
            ticker.abort();
            bar.finish_and_clear();
            store.close().await;
            let r = report?;
            if !r.problems.is_empty() {
                eprintln!("{name}有{}处问题，未写入任何数据：", r.problems.len());
                for p in r.problems.iter().take(500) {
                    eprintln!("  {p}");
                }
                if r.problems.len() > 500 {
                    eprintln!("  ……另有{}处", r.problems.len() - 500);
                }
                if let Some(out) = report_out {
                    let written = FileKind::of(&name, &bytes).ok().and_then(|kind| {
                        dixian_app::import::error_report(kind, &bytes, &r.problems)
                    });
                    match written {
                        Some(body) => {
                            std::fs::write(&out, body)
                                .with_context(|| format!("无法写入{}", out.display()))?;
                            eprintln!("带“问题”列的文件已写到{}", out.display());
                        }
                        None => eprintln!("文件无法读取，没有生成带“问题”列的文件"),
                    }
                }
                return Ok(ExitCode::FAILURE);
            }
            let verb = if dry_run {
                "检查通过（试导入，未写入）"
            } else {
                "导入完成"
            };
            println!(
                "{verb}：文件中{}户、{}人；新增{}户；{}更新{}户（{}处变更）；已登记且无变化{}户。用时{:.1}秒。",
                r.households,
                r.persons,
                r.new,
                if dry_run { "将" } else { "" },
                r.changed.len(),
                r.change_count(),
                r.unchanged,
                started.elapsed().as_secs_f64()
            );
            for (code, changes) in r.changed.iter().take(20) {
                let list: Vec<String> = changes
                    .iter()
                    .map(|c| format!("{}：{}→{}", c.field, c.old, c.new))
                    .collect();
                println!("  户{code}：{}", list.join("；"));
            }
            if r.changed.len() > 20 {
                println!("  ……另有{}户", r.changed.len() - 20);
            }
            if !r.warnings.is_empty() {
                println!("请核对以下{}处（不影响导入）：", r.warnings.len());
                for w in r.warnings.iter().take(20) {
                    println!("  {w}");
                }
                if r.warnings.len() > 20 {
                    println!("  ……另有{}处", r.warnings.len() - 20);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Export {
            command:
                ExportCmd::Households {
                    data,
                    out,
                    within,
                    household_type,
                    monitored,
                    reveal_reason,
                },
        } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
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
            let result = dixian_app::ledger::export(
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
        Cmd::Export {
            command:
                ExportCmd::Bulletin {
                    data,
                    month,
                    out,
                    area,
                },
        } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
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
        Cmd::Export {
            command:
                ExportCmd::Ledger {
                    data,
                    kind,
                    out,
                    area,
                    reveal_reason,
                },
        } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
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
        Cmd::Screen {
            input,
            as_of,
            line_yuan,
            out,
            strict,
            explain,
            threads,
        } => screen::run(&input, &as_of, &line_yuan, &out, strict, explain, threads),
        Cmd::ScreenArea { data, area, as_of } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let store = open_store(&cfg, false).await?;
            screen::run_area(store.as_ref(), &area, as_of.as_deref()).await
        }
        Cmd::CheckData {
            data,
            area,
            as_of,
            out,
        } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let store = open_store(&cfg, false).await?;
            check_data(store.as_ref(), &area, as_of.as_deref(), out.as_deref()).await
        }
        Cmd::ScreenData {
            sf,
            as_of,
            seed,
            out,
        } => screen::generate(sf, &as_of, seed, &out),
        Cmd::Backup { data, out } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            backup(&cfg, &out).await?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Restore { data, file } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            restore(&cfg, &file).await?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Audit {
            command: AuditCmd::Verify { data, public_key },
        } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let store = open_store(&cfg, false).await?;
            let v = store.verify_audit_chain().await?;
            let signed = match &public_key {
                Some(pk) if v.problem.is_none() => Some(
                    auditing::verify_checkpoints(
                        store.as_ref(),
                        &Actor::system("audit verify"),
                        pk,
                    )
                    .await?,
                ),
                _ => None,
            };
            store.close().await;
            let pruned = if v.from_seq > 1 {
                format!("（第{}条之前的记录已按保存期清理）", v.from_seq)
            } else {
                String::new()
            };
            match (v.problem, signed) {
                (Some(p), _) => {
                    eprintln!("审计记录核验失败：{p}（此前{}条完好）", v.records);
                    Ok(ExitCode::FAILURE)
                }
                (None, Some(Err(p))) => {
                    eprintln!("审计检查点核验失败：{p}");
                    Ok(ExitCode::FAILURE)
                }
                (None, signed) => {
                    println!("审计记录共{}条，哈希链完整{pruned}。", v.records);
                    if let Some(Ok(n)) = signed {
                        println!("SM2签名检查点{n}个，全部有效，与现有记录一致。");
                    }
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        Cmd::Audit {
            command: AuditCmd::Keygen { out },
        } => {
            if out.exists() {
                bail!("{}已存在，不会覆盖；请换一个文件名", out.display());
            }
            let signer = dixian_gm::sign::CheckpointSigner::generate()?;
            write_key_file(&out, &format!("{}\n", signer.private_hex()))?;
            println!(
                "已生成SM2私钥：{}（权限600，请由审计管理员离线保管）",
                out.display()
            );
            println!("公钥（核验时使用 --public-key）：{}", signer.public_hex());
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Audit {
            command: AuditCmd::Checkpoint { data, key },
        } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let text = std::fs::read_to_string(&key)
                .with_context(|| format!("无法读取SM2私钥文件{}", key.display()))?;
            let signer = dixian_gm::sign::CheckpointSigner::from_hex(&text)
                .with_context(|| format!("SM2私钥文件{}无效", key.display()))?;
            let store = open_store(&cfg, false).await?;
            let cp =
                auditing::checkpoint(store.as_ref(), &Actor::system("audit checkpoint"), &signer)
                    .await;
            store.close().await;
            let cp = cp?;
            println!("已签名检查点：第{}条审计记录（{}）", cp.seq, cp.at);
            println!("哈希：{}", cp.hash);
            println!("签名：{}", cp.signature);
            println!("请把以上三行另行留存（打印或存入其他介质）。");
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Audit {
            command: AuditCmd::Prune { data, keep_days },
        } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let store = open_store(&cfg, false).await?;
            let policy = dixian_app::accounts::security::policy_in_force(
                store.as_ref(),
                &dixian_app::accounts::auth::SecurityPolicy::default(),
            )
            .await;
            let r = auditing::prune(
                store.as_ref(),
                &Actor::system("audit prune"),
                &policy,
                keep_days,
                chrono::Utc::now(),
            )
            .await;
            store.close().await;
            let r = r?;
            if r.removed == 0 {
                println!("没有超过保存期的审计记录。");
            } else {
                println!(
                    "已清理{}条超过保存期的审计记录（至第{}条）；哈希链从第{}条起继续核验。",
                    r.removed,
                    r.through_seq,
                    r.through_seq + 1
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Audit {
            command: AuditCmd::List { data, after, limit },
        } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let store = open_store(&cfg, false).await?;
            let me = Actor::system("audit list");
            for r in store
                .audit_records(&me, &dixian_store::AuditFilter::after(after, limit))
                .await?
            {
                println!(
                    "{}\t{}\t{}{}\t{}\t{}\t{}",
                    r.seq,
                    r.at.format("%Y-%m-%d %H:%M:%S"),
                    r.actor,
                    r.source.map(|s| format!("@{s}")).unwrap_or_default(),
                    r.action,
                    r.target,
                    r.detail
                );
            }
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Calendar {
            command: CalendarCmd::Import { data, file },
        } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
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
        Cmd::Calendar {
            command:
                CalendarCmd::Deadline {
                    data,
                    from,
                    days,
                    natural,
                },
        } => {
            let cfg = Config::load(cli.config.as_deref(), &data, DEFAULT_DATA_DIR)?;
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
                let end = cal
                    .add_natural_days(start, days)
                    .map_err(|e| anyhow!("{e}"))?;
                println!("{start}起{days}个自然日：{end}");
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

async fn user_command(config: Option<&Path>, command: UserCmd) -> Result<ExitCode> {
    let data = match &command {
        UserCmd::Add { data, .. }
        | UserCmd::List { data }
        | UserCmd::Disable { data, .. }
        | UserCmd::Enable { data, .. }
        | UserCmd::ResetPassword { data, .. } => data.clone(),
    };
    let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
    cfg.init_logging();
    let store = open_store(&cfg, false).await?;
    let actor = Actor::system("dixian user");
    let hashing = Argon2id::recommended();
    let s = store.as_ref();
    match command {
        UserCmd::Add {
            username,
            name,
            role,
            division,
            department,
            ..
        } => {
            let input = NewAccount {
                username: username.clone(),
                display_name: name,
                role,
                division,
                department,
            };
            let (_, password) = accounts::create_account(s, &hashing, &actor, &input).await?;
            println!(
                "已新增账号{username}，初始密码：{password}\n（只显示这一次；首次登录须修改）"
            );
        }
        UserCmd::List { .. } => {
            println!("账号\t姓名\t角色\t区划\t部门\t状态");
            for u in accounts::list_accounts(s, &actor).await? {
                let state = if u.disabled {
                    "已停用"
                } else if u.must_change {
                    "待改密"
                } else {
                    "正常"
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{state}",
                    u.username,
                    u.display_name,
                    u.role.label(),
                    u.division,
                    u.department.unwrap_or_default()
                );
            }
        }
        UserCmd::Disable { username, .. } => {
            accounts::set_disabled(s, &actor, &username, true).await?;
            println!("已停用账号{username}");
        }
        UserCmd::Enable { username, .. } => {
            accounts::set_disabled(s, &actor, &username, false).await?;
            println!("已启用账号{username}");
        }
        UserCmd::ResetPassword { username, .. } => {
            let password = accounts::reset_password(s, &hashing, &actor, &username).await?;
            println!(
                "已重置账号{username}的密码，新密码：{password}\n（只显示这一次；下次登录须修改）"
            );
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn read_source(path: &Path) -> Result<SourceFile> {
    let bytes = std::fs::read(path).with_context(|| format!("无法读取文件{}", path.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow!("文件{}不是UTF-8编码的文本", path.display()))?;
    Ok(SourceFile {
        name: path.display().to_string(),
        text,
    })
}

fn read_all(paths: &[PathBuf]) -> Result<Vec<SourceFile>> {
    paths.iter().map(|p| read_source(p)).collect()
}

/// Environment variable that may hold the whole key-file text (containers, secrets managers).
const KEYS_ENV: &str = "DIXIAN_KEYS";

async fn open_store(cfg: &Config, create: bool) -> Result<Arc<SqlStore>> {
    let new_database = cfg.database_url.is_none() && !cfg.database_exists();
    if new_database {
        if !create {
            bail!(
                "数据目录{}中没有数据库，请先运行：dixian init --data-dir {}",
                cfg.data_dir.display(),
                cfg.data_dir.display()
            );
        }
        std::fs::create_dir_all(&cfg.data_dir)
            .with_context(|| format!("无法创建数据目录{}", cfg.data_dir.display()))?;
    }
    let cipher = Arc::new(FieldCipher::new(load_keys(cfg, create)?));
    let store = match &cfg.database_url {
        Some(url) => SqlStore::open(url, cipher).await?,
        None => SqlStore::open_sqlite(&cfg.sqlite_path(), cipher).await?,
    };
    Ok(Arc::new(store))
}

/// Keys from `DIXIAN_KEYS`, else from the key file; a new file is made only when `create`.
fn load_keys(cfg: &Config, create: bool) -> Result<KeySet> {
    if std::env::var_os(KEYS_ENV).is_some() {
        return Ok(EnvKeys(KEYS_ENV.into()).load()?);
    }
    let path = &cfg.key_file;
    if !path.exists() {
        if !create {
            bail!(
                "找不到加密密钥文件{}：身份证号、电话等个人信息用它加密，迁移或恢复数据时必须一同带上。\n可用 --key-file 指定位置，或用环境变量{KEYS_ENV}给出密钥内容",
                path.display()
            );
        }
        write_key_file(path, &dixian_gm::generate_key_file_text()?)?;
        eprintln!(
            "已生成加密密钥文件{}（权限600）。请立即另行备份：丢失后无法解密身份证号、电话等个人信息。",
            path.display()
        );
    }
    Ok(KeyFile(path.clone()).load()?)
}

/// Writes key-file text with mode 600, replacing any old file only once the new one is complete.
fn write_key_file(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录{}", dir.display()))?;
    }
    let tmp = path.with_extension("keys.tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&tmp)
        .with_context(|| format!("无法写入密钥文件{}", tmp.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("无法写入密钥文件{}", path.display()))?;
    Ok(())
}

/// Opens a database file (a backup, a restore candidate) with the deployment's keys and
/// checks its integrity, its keys and its audit chain; returns the number of audit records.
async fn check_database_file(cfg: &Config, path: &Path) -> Result<i64> {
    SqlStore::sqlite_integrity(path).await?;
    let cipher = Arc::new(FieldCipher::new(load_keys(cfg, false)?));
    let copy = SqlStore::open_sqlite(path, cipher).await?;
    let v = copy.verify_audit_chain().await;
    copy.close().await;
    let v = v?;
    if let Some(p) = v.problem {
        bail!("{}中的审计记录核验失败：{p}", path.display());
    }
    Ok(v.records)
}

async fn backup(cfg: &Config, out: &Path) -> Result<()> {
    if cfg.database_url.is_some() {
        bail!("PostgreSQL 数据库请用 pg_dump 备份，见 docs/operations.md");
    }
    let store = open_store(cfg, false).await?;
    let started = std::time::Instant::now();
    let result = store.backup_to(out).await;
    if result.is_ok() {
        let detail = format!("{{\"file\":\"{}\"}}", out.display());
        store
            .audit(
                &Actor::system("dixian backup"),
                "backup.create",
                "数据库",
                &detail,
            )
            .await?;
    }
    store.close().await;
    result?;
    let records = check_database_file(cfg, out).await?;
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    println!(
        "备份完成：{}（{:.1} MB，用时{:.1}秒）。完整性检查通过，审计记录{records}条哈希链完整。",
        out.display(),
        size as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    println!(
        "提醒：加密密钥文件{}不在备份中，请另行妥善备份；没有它，备份中的身份证号、电话无法解密。",
        cfg.key_file.display()
    );
    Ok(())
}

/// The process id in the data directory's pid file, if that process is alive.
fn running_server(cfg: &Config) -> Option<u32> {
    let text = std::fs::read_to_string(cfg.data_dir.join("dixian.pid")).ok()?;
    let pid: u32 = text.trim().parse().ok()?;
    Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
}

async fn restore(cfg: &Config, file: &Path) -> Result<()> {
    if cfg.database_url.is_some() {
        bail!("PostgreSQL 数据库请用 pg_restore 恢复，见 docs/operations.md");
    }
    if let Some(pid) = running_server(cfg) {
        bail!(
            "服务正在使用数据目录{}（进程{pid}），请先停止服务再恢复",
            cfg.data_dir.display()
        );
    }
    if !file.is_file() {
        bail!("找不到备份文件{}", file.display());
    }
    std::fs::create_dir_all(&cfg.data_dir)
        .with_context(|| format!("无法创建数据目录{}", cfg.data_dir.display()))?;
    // Checked as a copy inside the data directory, so the final step is a rename.
    let candidate = cfg.data_dir.join("dixian.db.restoring");
    std::fs::copy(file, &candidate)
        .with_context(|| format!("无法复制备份文件{}", file.display()))?;
    let records = match check_database_file(cfg, &candidate).await {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&candidate);
            return Err(e.context(format!("备份文件{}不能用于恢复", file.display())));
        }
    };
    let live = cfg.sqlite_path();
    let mut kept = None;
    if live.exists() {
        let stamp = chrono::Local::now().format("%Y%m%d%H%M%S");
        let aside = cfg
            .data_dir
            .join(format!("dixian.db.before-restore-{stamp}"));
        std::fs::rename(&live, &aside)
            .with_context(|| format!("无法移走当前数据库{}", live.display()))?;
        for ext in ["db-wal", "db-shm"] {
            let _ = std::fs::remove_file(live.with_extension(ext));
        }
        kept = Some(aside);
    }
    std::fs::rename(&candidate, &live)
        .with_context(|| format!("无法放置恢复的数据库{}", live.display()))?;
    let store = open_store(cfg, false).await?;
    let detail = format!("{{\"file\":\"{}\"}}", file.display());
    store
        .audit(
            &Actor::system("dixian restore"),
            "backup.restore",
            "数据库",
            &detail,
        )
        .await?;
    store.close().await;
    println!(
        "已从{}恢复数据库：完整性检查通过，审计记录{records}条哈希链完整。",
        file.display()
    );
    if let Some(k) = kept {
        println!("原数据库保留为{}，确认无误后可删除。", k.display());
    }
    Ok(())
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

async fn build_demo(
    store: &dyn Store,
    households: u32,
    seed: u64,
    as_of: chrono::NaiveDate,
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
    Ok(format!(
        "{summary}\n全县监测线索{}条、案件{}件（{}），首个乡镇走访{}次；全县三保障问题{}个（已销号{}个、未销号{}个），用时{:.1}秒。\n{accounts}",
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
        started.elapsed().as_secs_f64()
    ))
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

async fn serve(
    store: Arc<SqlStore>,
    listen: &str,
    banner: Option<String>,
    cfg: &Config,
) -> Result<()> {
    // Cookies over HTTPS are always `Secure`.
    let secure_cookies = cfg.secure_cookies || cfg.tls.is_some();
    let tls = match &cfg.tls {
        Some((cert, key)) => Some(tls_config(cert, key).await?),
        None => None,
    };
    let addr: SocketAddr = listen
        .parse()
        .map_err(|_| anyhow!("监听地址“{listen}”无效：应为 IP:端口，如 127.0.0.1:8080"))?;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => bail!(
            "端口{addr}已被占用：可能已有一个 dixian 或其他程序在运行。请停止它，或用 --listen 指定其他端口"
        ),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            bail!("没有权限监听{addr}：1024以下的端口需要管理员权限，请换一个端口")
        }
        Err(e) => bail!("无法监听{addr}：{e}"),
    };
    let local = listener.local_addr()?;
    let shutdown = shutdown_signal().context("无法注册停止信号")?;
    // Tells `dixian restore` that this data directory is in use.
    let pid_file = cfg.data_dir.join("dixian.pid");
    if cfg.database_url.is_none() {
        std::fs::write(&pid_file, std::process::id().to_string())
            .with_context(|| format!("无法写入{}", pid_file.display()))?;
    }
    if let Some(b) = banner {
        println!("{b}");
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "底线已启动：{scheme}://{local}/  （数据库：{}）",
        store.kind().as_str()
    );
    println!("按 Ctrl-C 停止。");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let state = dixian_web::AppState {
        store: store.clone(),
        hashing: Arc::new(Argon2id::recommended()),
        policy: Arc::new(dixian_app::accounts::auth::SecurityPolicy::default()),
        secure_cookies,
        limiter: Arc::new(dixian_web::RateLimiter::new(cfg.rate_limit_per_minute)),
        trusted_proxies: Arc::new(cfg.trusted_proxies.clone()),
        clock: dixian_app::Clock::system(),
    };
    let app = dixian_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        None => axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .context("网页服务异常退出")?,
        Some(tls) => {
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            let std_listener = listener.into_std().context("无法接管监听端口")?;
            axum_server::from_tcp_rustls(std_listener, tls)
                .context("无法在该端口上启用HTTPS")?
                .handle(handle)
                .serve(app)
                .await
                .context("网页服务异常退出")?
        }
    }
    store.close().await;
    if cfg.database_url.is_none() {
        let _ = std::fs::remove_file(&pid_file);
    }
    println!("已停止。");
    Ok(())
}

/// The TLS configuration from PEM files, with Chinese messages for the usual mistakes.
async fn tls_config(cert: &Path, key: &Path) -> Result<axum_server::tls_rustls::RustlsConfig> {
    // One process-wide provider: ring, which builds without cmake or system OpenSSL.
    let _ = rustls::crypto::ring::default_provider().install_default();
    for (path, what) in [(cert, "证书"), (key, "私钥")] {
        if !path.exists() {
            bail!("找不到HTTPS{what}文件{}", path.display());
        }
    }
    axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
        .await
        .map_err(|e| {
            anyhow!(
                "无法加载HTTPS证书{}和私钥{}：{e}（应为PEM格式，私钥须与证书匹配）",
                cert.display(),
                key.display()
            )
        })
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are registered when this is *called*, not
/// when first polled, so a stop request right after start-up is never lost.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
            tracing::info!("收到停止信号，正在关闭");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("收到停止信号，正在关闭");
        })
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

/// Shows an import's progress on `bar` until aborted: rows read while the file is checked,
/// then a bar of the rows written (all in one transaction: nothing is kept if it stops).
async fn show_import_progress(
    bar: indicatif::ProgressBar,
    progress: Arc<dixian_app::import::Progress>,
) {
    use dixian_app::import::Stage;
    let mut writing = false;
    loop {
        let v = progress.view();
        match v.stage {
            Stage::Writing if v.to_write > 0 => {
                if !writing {
                    writing = true;
                    bar.set_style(
                        indicatif::ProgressStyle::with_template(
                            "{msg} [{bar:30}] {pos}/{len} 行 {percent}% 约剩{eta}",
                        )
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                    );
                    bar.set_message("写入数据库（全部成功或全部不写）");
                }
                bar.set_length(v.to_write as u64);
                bar.set_position(v.written as u64);
            }
            Stage::Reading => {
                bar.set_message(format!("{}：已读{}行", v.stage.label(), v.rows_read))
            }
            stage => bar.set_message(stage.label()),
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
