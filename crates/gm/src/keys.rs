//! Keys and where they come from. Keys live outside the database: in a key file readable only
//! by the service account, or in an environment variable set by the operator.

use crate::{GmError, from_hex, to_hex};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Encryption keys by id (the highest is current) and the blind-index key.
pub struct KeySet {
    encryption: Vec<(u32, Zeroizing<[u8; 16]>)>,
    index: Zeroizing<[u8; 32]>,
}

impl KeySet {
    /// `encryption` must be non-empty with distinct ids.
    pub fn new(encryption: Vec<(u32, [u8; 16])>, index: [u8; 32]) -> Result<KeySet, GmError> {
        if encryption.is_empty() {
            return Err(GmError::BadKey("至少需要一把加密密钥".into()));
        }
        let mut ids: Vec<u32> = encryption.iter().map(|(i, _)| *i).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() != encryption.len() {
            return Err(GmError::BadKey("加密密钥编号重复".into()));
        }
        let mut encryption: Vec<(u32, Zeroizing<[u8; 16]>)> = encryption
            .into_iter()
            .map(|(i, k)| (i, Zeroizing::new(k)))
            .collect();
        encryption.sort_by_key(|(i, _)| *i);
        Ok(KeySet {
            encryption,
            index: Zeroizing::new(index),
        })
    }

    pub fn current_id(&self) -> u32 {
        self.encryption.last().map(|(i, _)| *i).unwrap_or(0)
    }

    pub(crate) fn get(&self, id: u32) -> Option<&[u8]> {
        self.encryption
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, k)| &k[..])
    }

    pub(crate) fn index_key(&self) -> &[u8] {
        &self.index[..]
    }

    pub fn ids(&self) -> Vec<u32> {
        self.encryption.iter().map(|(i, _)| *i).collect()
    }

    /// Parses the key-file text (TOML): `index = "hex64"` and `[[encryption]] id, key`.
    pub fn from_text(source: &str, text: &str) -> Result<KeySet, GmError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            index: String,
            encryption: Vec<Entry>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Entry {
            id: u32,
            key: String,
            #[serde(default)]
            #[allow(dead_code)]
            created: Option<String>,
        }
        let f: File = toml::from_str(text)
            .map_err(|e| GmError::KeySource(format!("密钥{source}格式错误：{}", e.message())))?;
        let index: [u8; 32] = from_hex(&f.index)
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| GmError::BadKey(format!("{source}的index应为64位十六进制")))?;
        let mut enc = Vec::new();
        for e in f.encryption {
            let k: [u8; 16] = from_hex(&e.key)
                .and_then(|v| v.try_into().ok())
                .ok_or_else(|| {
                    GmError::BadKey(format!("{source}中编号{}的key应为32位十六进制", e.id))
                })?;
            enc.push((e.id, k));
        }
        KeySet::new(enc, index)
    }

    /// The key-file text of this set, with a new key `id = current + 1` appended when `add`.
    pub fn to_text(&self, add: Option<[u8; 16]>) -> String {
        let mut out = String::from(
            "# 底线 dixian 个人信息加密密钥。请妥善保管并备份：丢失将无法解密身份证号、电话、银行账号。\n\
             # 文件权限应为 600（仅服务账号可读）。不要放进数据库目录的备份之外的任何共享位置。\n",
        );
        out.push_str(&format!("index = \"{}\"\n", to_hex(&self.index[..])));
        let mut write = |id: u32, key: &[u8]| {
            out.push_str(&format!(
                "\n[[encryption]]\nid = {id}\nkey = \"{}\"\n",
                to_hex(key)
            ));
        };
        for (id, k) in &self.encryption {
            write(*id, &k[..]);
        }
        if let Some(k) = add {
            write(self.current_id() + 1, &k);
        }
        out
    }
}

/// Random bytes from the operating system.
pub fn random<const N: usize>() -> Result<[u8; N], GmError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| GmError::Random(e.to_string()))?;
    Ok(b)
}

/// Text of a new key file with one encryption key (id 1) and an index key.
pub fn generate_key_file_text() -> Result<String, GmError> {
    let set = KeySet::new(vec![(1, random::<16>()?)], random::<32>()?)?;
    Ok(set.to_text(None))
}

/// Supplies the keys at start-up.
pub trait KeyProvider {
    fn load(&self) -> Result<KeySet, GmError>;
    /// Where the keys come from, for messages.
    fn describe(&self) -> String;
}

/// Keys in a file outside the database.
pub struct KeyFile(pub PathBuf);

impl KeyProvider for KeyFile {
    fn load(&self) -> Result<KeySet, GmError> {
        let path: &Path = &self.0;
        check_permissions(path)?;
        let text =
            Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
                GmError::KeySource(format!("无法读取密钥文件{}：{e}", path.display()))
            })?);
        KeySet::from_text(&format!("文件{}", path.display()), &text)
    }

    fn describe(&self) -> String {
        format!("密钥文件{}", self.0.display())
    }
}

#[cfg(unix)]
fn check_permissions(path: &Path) -> Result<(), GmError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)
        .map_err(|e| GmError::KeySource(format!("无法读取密钥文件{}：{e}", path.display())))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(GmError::KeySource(format!(
            "密钥文件{}的权限为{mode:o}，其他用户可读；请执行 chmod 600 {}",
            path.display(),
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path) -> Result<(), GmError> {
    Ok(())
}

/// Keys in an environment variable (the key-file text), for container deployments.
pub struct EnvKeys(pub String);

impl KeyProvider for EnvKeys {
    fn load(&self) -> Result<KeySet, GmError> {
        let text = Zeroizing::new(
            std::env::var(&self.0)
                .map_err(|_| GmError::KeySource(format!("环境变量{}未设置", self.0)))?,
        );
        KeySet::from_text(&format!("环境变量{}", self.0), &text)
    }

    fn describe(&self) -> String {
        format!("环境变量{}", self.0)
    }
}
