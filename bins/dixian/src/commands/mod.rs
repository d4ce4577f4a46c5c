//! One file per command of `dixian`; `main.rs` only dispatches. What several commands share

//! (opening the store with its keys, reading files) is here.

pub(crate) mod audit;
pub(crate) mod backup;
pub(crate) mod calendar;
pub(crate) mod demo;
pub(crate) mod export;
pub(crate) mod import;
pub(crate) mod init;
pub(crate) mod keys;
pub(crate) mod policy;
pub(crate) mod restore;
pub(crate) mod screen;
pub(crate) mod serve;
pub(crate) mod user;
use crate::config::Config;
use anyhow::{Context, Result, anyhow, bail};
use dixian_app::setup::SourceFile;
use dixian_gm::{EnvKeys, FieldCipher, KeyFile, KeyProvider, KeySet};
use dixian_store::prelude::*;
use dixian_store_sql::SqlStore;
use std::path::Path;
use std::sync::Arc;
pub(crate) const DEFAULT_DATA_DIR: &str = "dixian-data";

pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

pub(crate) fn read_source(path: &Path) -> Result<SourceFile> {
    let bytes = std::fs::read(path).with_context(|| format!("无法读取文件{}", path.display()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow!("文件{}不是UTF-8编码的文本", path.display()))?;
    Ok(SourceFile {
        name: path.display().to_string(),
        text,
    })
}

/// Environment variable that may hold the whole key-file text (containers, secrets managers).
pub(crate) const KEYS_ENV: &str = "DIXIAN_KEYS";

/// A command of this program as a person can copy and run it: this executable's own path
/// (it need not be on `PATH`) and each argument quoted for the shell when it has to be.
pub(crate) fn runnable(args: &[&str]) -> String {
    let exe = std::env::current_exe()
        .ok()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "dixian".into());
    std::iter::once(exe.as_str())
        .chain(args.iter().copied())
        .map(shell_word)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `word` as one shell word: as it is when it is plain, otherwise in single quotes.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./=:@,+%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

pub(crate) async fn open_store(cfg: &Config, create: bool) -> Result<Arc<SqlStore>> {
    let new_database = cfg.database_url.is_none() && !cfg.database_exists();
    if new_database {
        if !create {
            let dir = cfg.data_dir.display().to_string();
            bail!(
                "数据目录{dir}中没有数据库，请先运行：{}",
                runnable(&["init", "--data-dir", &dir])
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
    if create
        && cfg.url_typed
        && let Some(url) = &cfg.database_url
    {
        remember_database(cfg, url)?;
    }
    Ok(Arc::new(store))
}

/// Writes the PostgreSQL address typed on the command line into the data directory's
/// `dixian.toml` (mode 600; the key file beside it is as secret) when it has none: every
/// later command, and the one printed to run next, then needs only `--data-dir`. An address
/// from the environment or from a config file is not copied; a directory with its own config
/// file is left as its administrator wrote it.
fn remember_database(cfg: &Config, url: &str) -> Result<()> {
    use std::io::Write;
    let path = cfg.data_dir.join(crate::config::CONFIG_NAME);
    let text = format!(
        "# 由 dixian 写入：本数据目录的数据库。可按需修改；其他设置见运维手册。\ndatabase_url = {}\n",
        toml::Value::String(url.to_string())
    );
    let mut opts = std::fs::OpenOptions::new();
    // Never over a file that appeared meanwhile.
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = match opts.open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("无法写入{}", path.display())),
    };
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .with_context(|| format!("无法写入{}", path.display()))?;
    eprintln!(
        "已把数据库地址记入{}（权限600），以后只需 --data-dir {}。",
        path.display(),
        shell_word(&cfg.data_dir.display().to_string())
    );
    Ok(())
}

/// Keys from `DIXIAN_KEYS`, else from the key file; a new file is made only when `create`.
pub(crate) fn load_keys(cfg: &Config, create: bool) -> Result<KeySet> {
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
pub(crate) fn write_key_file(path: &Path, text: &str) -> Result<()> {
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
pub(crate) async fn check_database_file(cfg: &Config, path: &Path) -> Result<i64> {
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

/// The process id in the data directory's pid file, if that process is alive.
pub(crate) fn running_server(cfg: &Config) -> Option<u32> {
    let text = std::fs::read_to_string(cfg.data_dir.join("dixian.pid")).ok()?;
    let pid: u32 = text.trim().parse().ok()?;
    Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn printed_commands_survive_a_copy_into_the_shell() {
        assert_eq!(shell_word("--data-dir"), "--data-dir");
        assert_eq!(shell_word("/srv/dixian/data"), "/srv/dixian/data");
        assert_eq!(shell_word("/home/王 县/数据"), "'/home/王 县/数据'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("a;rm -rf"), "'a;rm -rf'");
    }
}
