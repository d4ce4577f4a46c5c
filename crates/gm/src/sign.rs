//! SM2 signatures (GB/T 32918.2) for audit checkpoints: the audit administrator keeps the
//! private key off the server; anyone with the public key can check that the trail up to a
//! checkpoint is the one that was signed.

use crate::{GmError, from_hex, random, to_hex};
use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use zeroize::Zeroize;

/// The distinguishing identifier both sides use (the standard's default user ID).
const DIST_ID: &str = "1234567812345678";

/// An SM2 private key for signing checkpoints.
pub struct CheckpointSigner {
    key: SigningKey,
}

impl CheckpointSigner {
    /// A new random key.
    pub fn generate() -> Result<CheckpointSigner, GmError> {
        // A random 256-bit value is a valid scalar with overwhelming probability; retry else.
        for _ in 0..8 {
            let mut bytes = random::<32>()?;
            let key = SigningKey::from_slice(DIST_ID, &bytes);
            bytes.zeroize();
            if let Ok(key) = key {
                return Ok(CheckpointSigner { key });
            }
        }
        Err(GmError::Random("无法生成SM2私钥".into()))
    }

    /// From the hex text written by [`CheckpointSigner::private_hex`].
    pub fn from_hex(text: &str) -> Result<CheckpointSigner, GmError> {
        let mut bytes = from_hex(text)
            .filter(|b| b.len() == 32)
            .ok_or_else(|| GmError::BadKey("SM2私钥应为64位十六进制".into()))?;
        let key = SigningKey::from_slice(DIST_ID, &bytes)
            .map_err(|_| GmError::BadKey("不是有效的SM2私钥".into()));
        bytes.zeroize();
        Ok(CheckpointSigner { key: key? })
    }

    pub fn private_hex(&self) -> String {
        to_hex(&self.key.to_bytes())
    }

    /// The public key, uncompressed SEC1 in hex (130 digits), to give to verifiers.
    pub fn public_hex(&self) -> String {
        to_hex(&self.key.verifying_key().to_sec1_bytes())
    }

    /// Signature of `message` (r ‖ s) in hex.
    pub fn sign(&self, message: &[u8]) -> String {
        let sig: Signature = self.key.sign(message);
        to_hex(&sig.to_bytes())
    }
}

/// Whether `signature_hex` is a valid SM2 signature of `message` under `public_hex`.
pub fn verify(public_hex: &str, message: &[u8], signature_hex: &str) -> Result<bool, GmError> {
    let pk = from_hex(public_hex).ok_or_else(|| GmError::BadKey("公钥应为十六进制".into()))?;
    let key = VerifyingKey::from_sec1_bytes(DIST_ID, &pk)
        .map_err(|_| GmError::BadKey("不是有效的SM2公钥".into()))?;
    let Some(sig) = from_hex(signature_hex).and_then(|b| Signature::try_from(b.as_slice()).ok())
    else {
        return Ok(false);
    };
    Ok(key.verify(message, &sig).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_detects_changes() {
        let s = CheckpointSigner::generate().unwrap();
        let again = CheckpointSigner::from_hex(&s.private_hex()).unwrap();
        assert_eq!(again.public_hex(), s.public_hex());
        assert_eq!(s.public_hex().len(), 130);
        assert!(s.public_hex().starts_with("04"));
        let sig = s.sign(b"seq=10 hash=ab");
        assert_eq!(sig.len(), 128);
        assert!(verify(&s.public_hex(), b"seq=10 hash=ab", &sig).unwrap());
        assert!(!verify(&s.public_hex(), b"seq=10 hash=ac", &sig).unwrap());
        let mut bad = sig.clone().into_bytes();
        bad[10] = if bad[10] == b'0' { b'1' } else { b'0' };
        assert!(
            !verify(
                &s.public_hex(),
                b"seq=10 hash=ab",
                &String::from_utf8(bad).unwrap()
            )
            .unwrap()
        );
        let other = CheckpointSigner::generate().unwrap();
        assert!(!verify(&other.public_hex(), b"seq=10 hash=ab", &sig).unwrap());
        assert!(!verify(&s.public_hex(), b"x", "zz").unwrap());
        assert!(verify("04abcd", b"x", &sig).is_err());
        assert!(CheckpointSigner::from_hex("1234").is_err());
    }

    /// The public key is d·G on the SM2 curve: the standard's example private key gives the
    /// standard's example public key (GB/T 32918.2-2016, appendix A.2).
    #[test]
    fn known_key_pair_from_the_standard() {
        let s = CheckpointSigner::from_hex(
            "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8",
        )
        .unwrap();
        assert_eq!(
            s.public_hex().to_uppercase(),
            concat!(
                "04",
                "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020",
                "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
            )
        );
    }
}
