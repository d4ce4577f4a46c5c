//! Configuration: command line > environment (`DIXIAN_*`, handled by clap) > config file >
//! defaults. The file is `--config FILE`, or `dixian.toml` in the data directory if present.

use crate::cli::DataArgs;
use anyhow::{Context, Result, anyhow};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    listen: Option<String>,
    key_file: Option<PathBuf>,
    /// Mark session cookies `Secure`: set when users reach the server over HTTPS.
    secure_cookies: Option<bool>,
    /// Log filter such as `info` or `warn,dixian_web=debug`.
    log: Option<String>,
    /// Certificate chain and private key (PEM) to serve HTTPS directly.
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    /// Requests per minute per address to the pages reachable without logging in.
    rate_limit_per_minute: Option<u32>,
    /// Reverse proxies (IP addresses) whose `X-Forwarded-For` names the real client.
    trusted_proxies: Option<Vec<String>>,
    /// The audit administrator's SM2 public key (hex): `audit verify` and `audit prune` use
    /// it unless `--public-key` is given.
    audit_public_key: Option<String>,
}

#[derive(Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    /// The database URL was typed on this command line (not the environment, not a config
    /// file given on purpose): one a first run may remember in the data directory.
    pub url_typed: bool,
    pub listen: Option<String>,
    /// Where the field-encryption keys are, unless `DIXIAN_KEYS` holds them.
    pub key_file: PathBuf,
    pub secure_cookies: bool,
    pub log: String,
    /// Certificate and key, when serving HTTPS directly.
    pub tls: Option<(PathBuf, PathBuf)>,
    pub rate_limit_per_minute: u32,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub audit_public_key: Option<String>,
}

pub(crate) const CONFIG_NAME: &str = "dixian.toml";

impl Config {
    pub fn load(explicit: Option<&Path>, args: &DataArgs, default_dir: &str) -> Result<Config> {
        let guess_dir = args
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(default_dir));
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => {
                let p = guess_dir.join(CONFIG_NAME);
                p.exists().then_some(p)
            }
        };
        let file = match &path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("无法读取配置文件{}", p.display()))?;
                toml::from_str::<FileConfig>(&text).map_err(|e| {
                    let line = e
                        .span()
                        .map(|s| text[..s.start].matches('\n').count() + 1)
                        .map(|l| format!("第{l}行"))
                        .unwrap_or_default();
                    anyhow!("配置文件{}{line}有误：{}", p.display(), e.message())
                })?
            }
            None => FileConfig::default(),
        };
        let log = std::env::var("DIXIAN_LOG")
            .ok()
            .or(file.log)
            .unwrap_or_else(|| {
                "warn,dixian=info,dixian_app=info,dixian_web=info,dixian_store_sql=info".into()
            });
        let data_dir = args.data_dir.clone().or(file.data_dir).unwrap_or(guess_dir);
        let key_file = args
            .key_file
            .clone()
            .or(file.key_file)
            .unwrap_or_else(|| data_dir.join("dixian.keys"));
        let tls = match (file.tls_cert, file.tls_key) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => None,
            _ => anyhow::bail!("配置文件中 tls_cert 与 tls_key 须同时填写（证书和私钥，PEM格式）"),
        };
        let mut trusted_proxies = Vec::new();
        for p in file.trusted_proxies.unwrap_or_default() {
            trusted_proxies.push(
                p.trim()
                    .parse()
                    .map_err(|_| anyhow!("配置文件中 trusted_proxies 的“{p}”不是IP地址"))?,
            );
        }
        let rate_limit_per_minute = file.rate_limit_per_minute.unwrap_or(120);
        if rate_limit_per_minute == 0 {
            anyhow::bail!("配置文件中 rate_limit_per_minute 不能为0");
        }
        Ok(Config {
            audit_public_key: file.audit_public_key.filter(|k| !k.trim().is_empty()),
            tls,
            rate_limit_per_minute,
            trusted_proxies,
            data_dir,
            url_typed: args.database_url.is_some()
                && explicit.is_none()
                && std::env::var_os("DIXIAN_DATABASE_URL").is_none(),
            database_url: args.database_url.clone().or(file.database_url),
            listen: file.listen,
            key_file,
            secure_cookies: file.secure_cookies.unwrap_or(false)
                || std::env::var("DIXIAN_SECURE_COOKIES").is_ok_and(|v| v == "1"),
            log,
        })
    }

    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("dixian.db")
    }

    pub fn database_exists(&self) -> bool {
        self.database_url.is_some() || self.sqlite_path().exists()
    }

    /// Where the data is, for messages; never prints a password from a URL.
    pub fn database_label(&self) -> String {
        match &self.database_url {
            Some(url) => match url.split_once('@') {
                Some((_, host)) => format!("PostgreSQL {host}"),
                None => "PostgreSQL".into(),
            },
            None => self.sqlite_path().display().to_string(),
        }
    }

    pub fn init_logging(&self) {
        let filter: tracing_subscriber::filter::Targets = self.log.parse().unwrap_or_else(|_| {
            eprintln!("日志级别设置“{}”无效，改用 info", self.log);
            tracing_subscriber::filter::Targets::new().with_default(tracing::Level::INFO)
        });
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        // Colour codes only on a terminal: a log file or a service journal gets plain text.
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let _ = tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(ansi),
            )
            .with(filter)
            .try_init();
    }
}
