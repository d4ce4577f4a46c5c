//! 国密 (Chinese commercial cryptography) for dixian.
//!
//! - [`sm3`]: SM3 hash (GB/T 32905), used for the audit hash chain.
//! - [`hmac_sm3`]: HMAC-SM3, used as the blind index (盲索引) of encrypted fields, so an exact
//!   search by ID number never needs the plaintext in the database.
//! - [`FieldCipher`]: SM4-GCM (GB/T 32907 + RFC 8998) encryption of sensitive fields, each
//!   ciphertext bound to its field and record, tagged with the key id for rotation.
//! - [`KeyProvider`]: where keys come from — a key file or the environment, never the database.

mod keys;
pub mod sign;

pub use keys::{EnvKeys, KeyFile, KeyProvider, KeySet, generate_key_file_text, random};

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use hmac::{Hmac, Mac};
use sm3::{Digest, Sm3};
use sm4::Sm4;
use zeroize::Zeroizing;

type Sm4Gcm = AesGcm<Sm4, U12>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GmError {
    #[error("密钥无效：{0}")]
    BadKey(String),
    #[error("密文格式无效")]
    Malformed,
    #[error("找不到编号为{0}的加密密钥，无法解密；请检查密钥文件是否完整")]
    UnknownKey(u32),
    #[error("解密失败：密文被篡改，或与字段、记录不匹配")]
    Tampered,
    #[error("系统随机数不可用：{0}")]
    Random(String),
    #[error("{0}")]
    KeySource(String),
}

/// SM3 digest.
pub fn sm3(data: &[u8]) -> [u8; 32] {
    Sm3::digest(data).into()
}

/// HMAC-SM3 (RFC 2104 construction over SM3).
pub fn hmac_sm3(key: &[u8], data: &[u8]) -> [u8; 32] {
    // Hmac accepts keys of any length, so this cannot fail.
    let mut mac = match <Hmac<Sm3> as hmac::KeyInit>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return [0; 32],
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// A 96-bit nonce from the operating system's CSPRNG, taken from a per-thread pool filled
/// 4 KiB at a time: each byte is used once, and a bulk import makes one system call per 341
/// fields instead of one each.
fn fresh_nonce() -> Result<[u8; 12], GmError> {
    use std::cell::RefCell;
    thread_local! {
        static POOL: RefCell<(Zeroizing<Vec<u8>>, usize)> =
            RefCell::new((Zeroizing::new(vec![0; 4092]), 4092));
    }
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        let (bytes, used) = &mut *pool;
        if *used + 12 > bytes.len() {
            getrandom::fill(bytes).map_err(|e| GmError::Random(e.to_string()))?;
            *used = 0;
        }
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&bytes[*used..*used + 12]);
        // Used bytes are wiped so a later memory read cannot recover past nonces' neighbours.
        bytes[*used..*used + 12].fill(0);
        *used += 12;
        Ok(nonce)
    })
}

/// Format version of [`FieldCipher`] blobs.
const BLOB_VERSION: u8 = 1;
/// version (1) + key id (4) + nonce (12) + tag (16).
const BLOB_OVERHEAD: usize = 1 + 4 + 12 + 16;

/// Encrypts and decrypts sensitive fields with the keys of a [`KeySet`].
pub struct FieldCipher {
    keys: KeySet,
    /// One keyed SM4-GCM per key id, set up once: the key schedule and GHASH key cost more
    /// than sealing an 18-character field, and an import seals hundreds of thousands.
    ciphers: Vec<(u32, Sm4Gcm)>,
    /// HMAC-SM3 keyed with the index key; each blind index starts from a copy.
    index_mac: Option<Hmac<Sm3>>,
}

impl FieldCipher {
    pub fn new(keys: KeySet) -> FieldCipher {
        let ciphers = keys
            .ids()
            .into_iter()
            .filter_map(|id| {
                let key = keys.get(id)?;
                Sm4Gcm::new_from_slice(key).ok().map(|c| (id, c))
            })
            .collect();
        let index_mac = <Hmac<Sm3> as hmac::KeyInit>::new_from_slice(keys.index_key()).ok();
        FieldCipher {
            keys,
            ciphers,
            index_mac,
        }
    }

    fn cipher(&self, id: u32) -> Result<&Sm4Gcm, GmError> {
        self.ciphers
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, c)| c)
            .ok_or(GmError::UnknownKey(id))
    }

    /// A cipher with fresh random keys, for tests and throwaway databases. Data written with
    /// it cannot be read by any other cipher.
    pub fn ephemeral() -> Result<FieldCipher, GmError> {
        Ok(FieldCipher::new(KeySet::new(
            vec![(1, keys::random::<16>()?)],
            keys::random::<32>()?,
        )?))
    }

    /// Id of the key new ciphertexts are made with.
    pub fn current_key_id(&self) -> u32 {
        self.keys.current_id()
    }

    fn aad(field: &str, record: &str) -> Vec<u8> {
        // Binding to field and record stops a ciphertext being moved to another row or column.
        let mut aad = Vec::with_capacity(field.len() + record.len() + 1);
        aad.extend_from_slice(field.as_bytes());
        aad.push(0);
        aad.extend_from_slice(record.as_bytes());
        aad
    }

    /// Encrypts `plaintext` of `field` (e.g. `person.id_number`) belonging to `record`.
    pub fn encrypt(&self, field: &str, record: &str, plaintext: &str) -> Result<Vec<u8>, GmError> {
        self.encrypt_bytes(field, record, plaintext.as_bytes())
    }

    /// Encrypts binary `plaintext` (an attached file) like [`FieldCipher::encrypt`].
    pub fn encrypt_bytes(
        &self,
        field: &str,
        record: &str,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, GmError> {
        let id = self.keys.current_id();
        let cipher = self.cipher(id)?;
        let nonce = fresh_nonce()?;
        let aad = Self::aad(field, record);
        let ct = cipher
            .encrypt(
                (&nonce).into(),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| GmError::Malformed)?;
        let mut blob = Vec::with_capacity(5 + 12 + ct.len());
        blob.push(BLOB_VERSION);
        blob.extend_from_slice(&id.to_be_bytes());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ct);
        Ok(blob)
    }

    /// The key id a blob was made with.
    pub fn key_id_of(blob: &[u8]) -> Result<u32, GmError> {
        if blob.len() < BLOB_OVERHEAD || blob[0] != BLOB_VERSION {
            return Err(GmError::Malformed);
        }
        Ok(u32::from_be_bytes([blob[1], blob[2], blob[3], blob[4]]))
    }

    /// Decrypts a blob made by [`FieldCipher::encrypt`] for the same field and record.
    pub fn decrypt(&self, field: &str, record: &str, blob: &[u8]) -> Result<String, GmError> {
        let plain = Zeroizing::new(self.decrypt_bytes(field, record, blob)?);
        String::from_utf8(plain.to_vec()).map_err(|_| GmError::Malformed)
    }

    /// Decrypts a blob made by [`FieldCipher::encrypt_bytes`].
    pub fn decrypt_bytes(
        &self,
        field: &str,
        record: &str,
        blob: &[u8],
    ) -> Result<Vec<u8>, GmError> {
        let id = Self::key_id_of(blob)?;
        let cipher = self.cipher(id)?;
        let nonce: [u8; 12] = blob[5..17].try_into().map_err(|_| GmError::Malformed)?;
        let aad = Self::aad(field, record);
        cipher
            .decrypt(
                (&nonce).into(),
                Payload {
                    msg: &blob[17..],
                    aad: &aad,
                },
            )
            .map_err(|_| GmError::Tampered)
    }

    /// Whether a blob should be re-encrypted with the current key.
    pub fn needs_rotation(&self, blob: &[u8]) -> bool {
        Self::key_id_of(blob).is_ok_and(|id| id != self.current_key_id())
    }

    /// The blind index of a normalised value: equal values give equal indexes, and the index
    /// reveals nothing without the index key. Separate per field.
    pub fn blind_index(&self, field: &str, normalised: &str) -> Vec<u8> {
        let mut data = Vec::with_capacity(field.len() + 1 + normalised.len());
        data.extend_from_slice(field.as_bytes());
        data.push(0);
        data.extend_from_slice(normalised.as_bytes());
        match &self.index_mac {
            Some(keyed) => {
                let mut mac = keyed.clone();
                mac.update(&data);
                mac.finalize().into_bytes().to_vec()
            }
            None => hmac_sm3(self.keys.index_key(), &data).to_vec(),
        }
    }
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FieldCipher(current key {})", self.current_key_id())
    }
}

/// Lower-case hex.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses hex (either case, no separators).
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    if !t.len().is_multiple_of(2) {
        return None;
    }
    (0..t.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(t.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests;
