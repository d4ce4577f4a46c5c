//! `dixian import`: the household template, and importing a household file with its report.

use super::{DEFAULT_DATA_DIR, open_store};
use crate::cli::ImportCmd;
use crate::config::Config;
use anyhow::{Context, Result, bail};
use dixian_app::sheet::FileKind;
use dixian_domain::access::Actor;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

pub(crate) async fn run(config: Option<&Path>, command: ImportCmd) -> Result<ExitCode> {
    match command {
        ImportCmd::Template { out } => {
            if out.exists() {
                bail!("{}已存在，不会覆盖", out.display());
            }
            let template = dixian_app::registry::import::template(FileKind::of_path(&out)?)?;
            std::fs::write(&out, template).with_context(|| format!("无法写入{}", out.display()))?;
            println!(
                "已生成导入模板：{}（带*的列必填；第2、3行是示例，请删除后填写）",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        ImportCmd::Households {
            data,
            file,
            dry_run,
            report: report_out,
        } => {
            let cfg = Config::load(config, &data, DEFAULT_DATA_DIR)?;
            cfg.init_logging();
            let bytes =
                std::fs::read(&file).with_context(|| format!("无法读取{}", file.display()))?;
            let name = file.display().to_string();
            let store = open_store(&cfg, false).await?;
            let started = std::time::Instant::now();
            let progress = Arc::new(dixian_app::registry::import::Progress::default());
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            let ticker = tokio::spawn(show_import_progress(bar.clone(), progress.clone()));
            let report = dixian_app::registry::import::import_households(
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
                        dixian_app::registry::import::error_report(kind, &bytes, &r.problems)
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
    }
}

/// Shows an import's progress on `bar` until aborted: rows read while the file is checked,
/// then a bar of the rows written (all in one transaction: nothing is kept if it stops).
async fn show_import_progress(
    bar: indicatif::ProgressBar,
    progress: Arc<dixian_app::registry::import::Progress>,
) {
    use dixian_app::registry::import::Stage;
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
