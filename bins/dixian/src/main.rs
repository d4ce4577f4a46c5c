//! `dixian`: the server and administration CLI of 底线.

mod cli;
mod commands;
mod config;
mod screen;

use anyhow::Result;
use cli::Cmd;
use std::process::ExitCode;

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

/// Runs one command: each is in its own file under `commands/`.
async fn run(cli: cli::Cli) -> Result<ExitCode> {
    let config = cli.config.as_deref();
    match cli.command {
        Cmd::Init {
            data,
            divisions,
            policy,
        } => commands::init::run(config, data, divisions, policy).await,
        Cmd::Serve { data, listen } => commands::serve::run(config, data, listen).await,
        Cmd::Demo {
            data,
            households,
            seed,
            as_of,
            projects_per_year,
            serve: then_serve,
            listen,
            file_out,
        } => {
            commands::demo::run(
                config,
                commands::demo::Demo {
                    data,
                    households,
                    seed,
                    as_of,
                    projects_per_year,
                    then_serve,
                    listen,
                    file_out,
                },
            )
            .await
        }
        Cmd::Policy { command } => commands::policy::run(config, command).await,
        Cmd::User { command } => commands::user::run(config, command).await,
        Cmd::Keys { command } => commands::keys::run(config, command).await,
        Cmd::Import { command } => commands::import::run(config, command).await,
        Cmd::Export { command } => commands::export::run(config, command).await,
        Cmd::Screen {
            input,
            as_of,
            line_yuan,
            pack,
            region,
            out,
            strict,
            explain,
            threads,
        } => commands::screen::file(
            input,
            as_of,
            screen::RuleSource {
                line_yuan,
                pack,
                region,
            },
            out,
            strict,
            explain,
            threads,
        ),
        Cmd::ScreenArea { data, area, as_of } => {
            commands::screen::area(config, data, area, as_of).await
        }
        Cmd::CheckData {
            data,
            area,
            as_of,
            out,
        } => commands::screen::check(config, data, area, as_of, out).await,
        Cmd::ScreenData {
            sf,
            as_of,
            seed,
            out,
        } => commands::screen::generate(sf, as_of, seed, out),
        Cmd::Backup { data, out } => commands::backup::run(config, data, out).await,
        Cmd::Restore { data, file } => commands::restore::run(config, data, file).await,
        Cmd::Audit { command } => commands::audit::run(config, command).await,
        Cmd::Calendar { command } => commands::calendar::run(config, command).await,
    }
}
