use super::*;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    from_hex(&s.replace([' ', '\n'], "")).unwrap()
}

#[test]
fn sm3_gbt_32905_examples() {
    assert_eq!(
        to_hex(&sm3(b"abc")),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
    assert_eq!(
        to_hex(&sm3(&b"abcd".repeat(16))),
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    );
}

#[test]
fn sm4_gbt_32907_example() {
    use sm4::cipher::{BlockCipherEncrypt, KeyInit as _};
    let key = hex("0123456789abcdeffedcba9876543210");
    let c = sm4::Sm4::new_from_slice(&key).unwrap();
    let mut block = sm4::cipher::Array::try_from(&key[..]).unwrap();
    c.encrypt_block(&mut block);
    assert_eq!(to_hex(&block), "681edf34d206965e86b3e94f536e4246");
}

#[test]
fn sm4_gcm_rfc8998_vector() {
    let key = hex("0123456789ABCDEFFEDCBA9876543210");
    let nonce: [u8; 12] = hex("00001234567800000000ABCD").try_into().unwrap();
    let aad = hex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
    let pt = hex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD
                  EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
    );
    let cipher = Sm4Gcm::new_from_slice(&key).unwrap();
    let out = cipher
        .encrypt(
            (&nonce).into(),
            Payload {
                msg: &pt,
                aad: &aad,
            },
        )
        .unwrap();
    assert_eq!(
        to_hex(&out).to_uppercase(),
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735\
         D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D\
         83DE3541E4C2B58177E065A9BF7B62EC"
    );
}

#[test]
fn hmac_sm3_is_rfc2104_over_sm3() {
    // Built by hand from the definition, to pin the wiring of the hmac crate.
    let key = b"dixian-index-key";
    let msg = b"person.id_number\x0011010519491231002X";
    let mut k = [0u8; 64];
    k[..key.len()].copy_from_slice(key);
    let ipad: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x36)
        .chain(msg.iter().copied())
        .collect();
    let inner = sm3(&ipad);
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).chain(inner).collect();
    assert_eq!(hmac_sm3(key, msg), sm3(&opad));
}

fn keys(ids: &[u32]) -> KeySet {
    KeySet::new(
        ids.iter().map(|i| (*i, [*i as u8; 16])).collect(),
        [7u8; 32],
    )
    .unwrap()
}

#[test]
fn field_cipher_round_trip_binding_and_tamper() {
    let c = FieldCipher::new(keys(&[1]));
    let blob = c
        .encrypt("person.id_number", "42", "11010519491231002X")
        .unwrap();
    assert!(!blob.windows(18).any(|w| w == b"11010519491231002X"));
    assert_eq!(
        c.decrypt("person.id_number", "42", &blob).unwrap(),
        "11010519491231002X"
    );
    // Another record or field cannot use it.
    assert_eq!(
        c.decrypt("person.id_number", "43", &blob),
        Err(GmError::Tampered)
    );
    assert_eq!(
        c.decrypt("person.phone", "42", &blob),
        Err(GmError::Tampered)
    );
    let mut bad = blob.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(
        c.decrypt("person.id_number", "42", &bad),
        Err(GmError::Tampered)
    );
    assert_eq!(
        c.decrypt("person.id_number", "42", &blob[..10]),
        Err(GmError::Malformed)
    );
    // Two encryptions of one value differ (random nonce); blind indexes are equal.
    let again = c
        .encrypt("person.id_number", "42", "11010519491231002X")
        .unwrap();
    assert_ne!(blob, again);
    assert_eq!(
        c.blind_index("person.id_number", "11010519491231002X"),
        c.blind_index("person.id_number", "11010519491231002X")
    );
    assert_ne!(
        c.blind_index("person.id_number", "11010519491231002X"),
        c.blind_index("person.phone", "11010519491231002X")
    );
}

#[test]
fn rotation_keeps_old_ciphertexts_readable() {
    let old = FieldCipher::new(keys(&[1]));
    let blob = old.encrypt("f", "r", "13800138000").unwrap();
    let new = FieldCipher::new(keys(&[1, 2]));
    assert_eq!(new.current_key_id(), 2);
    assert!(new.needs_rotation(&blob));
    assert_eq!(new.decrypt("f", "r", &blob).unwrap(), "13800138000");
    let rotated = new.encrypt("f", "r", "13800138000").unwrap();
    assert!(!new.needs_rotation(&rotated));
    // Index key is independent of the encryption keys.
    assert_eq!(old.blind_index("f", "x"), new.blind_index("f", "x"));
    let gone = FieldCipher::new(keys(&[2]));
    assert_eq!(gone.decrypt("f", "r", &blob), Err(GmError::UnknownKey(1)));
}

#[test]
fn key_file_text_round_trip_and_errors() {
    let text = generate_key_file_text().unwrap();
    let set = KeySet::from_text("t", &text).unwrap();
    assert_eq!(set.ids(), vec![1]);
    let next = set.to_text(Some([9; 16]));
    let set2 = KeySet::from_text("t", &next).unwrap();
    assert_eq!(set2.ids(), vec![1, 2]);
    let e = KeySet::from_text(
        "t",
        "index = \"00\"\n[[encryption]]\nid = 1\nkey = \"00\"\n",
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("64位十六进制"), "{e}");
    let e = KeySet::from_text("t", "nonsense").err().unwrap();
    assert!(e.to_string().contains("格式错误"), "{e}");
}

#[cfg(unix)]
#[test]
fn key_file_must_not_be_world_readable() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.toml");
    std::fs::write(&path, generate_key_file_text().unwrap()).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = KeyFile(path.clone()).load().err().unwrap();
    assert!(e.to_string().contains("chmod 600"), "{e}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(KeyFile(path).load().is_ok());
}

proptest! {
    #[test]
    fn any_text_round_trips(s in "\\PC{0,40}", record in "[0-9]{1,8}") {
        let c = FieldCipher::new(keys(&[3]));
        let blob = c.encrypt("f", &record, &s).unwrap();
        prop_assert_eq!(c.decrypt("f", &record, &blob).unwrap(), s);
    }

    #[test]
    fn decrypt_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        let c = FieldCipher::new(keys(&[1]));
        let _ = c.decrypt("f", "r", &bytes);
    }
}
