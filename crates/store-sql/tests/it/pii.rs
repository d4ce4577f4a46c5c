//! Personal data at rest: ciphertext only, keys checked, rotation on both backends.

use dixian_store::prelude::*;

use chrono::NaiveDate;
use dixian_domain::access::Actor;
use dixian_domain::division::{DivisionCode, DivisionTable};
use dixian_domain::id_number::{IdNumber, Sex};
use dixian_domain::money::Money;
use dixian_domain::registry::*;
use dixian_gm::{FieldCipher, KeySet};
use dixian_store::RotationReport;
use dixian_store_sql::SqlStore;
use dixian_testkit::pg::TestDb;
use std::sync::Arc;

fn keys(ids: &[u32]) -> Arc<FieldCipher> {
    Arc::new(FieldCipher::new(
        KeySet::new(
            ids.iter().map(|i| (*i, [*i as u8 + 40; 16])).collect(),
            [9; 32],
        )
        .unwrap(),
    ))
}

fn ids() -> Vec<IdNumber> {
    (0..40)
        .map(|i| {
            let birth = NaiveDate::from_ymd_opt(1960 + i, 3, 9).unwrap();
            IdNumber::compose("500299", birth, 7, Sex::Female).unwrap()
        })
        .collect()
}

fn bank(i: usize) -> String {
    format!("6217{:015}", 731_000_000_000 + i as u64 * 977)
}

fn phone(i: usize) -> String {
    format!("1390023{i:04}")
}

async fn load(store: &SqlStore) {
    let table = DivisionTable::from_csv(
        "d.csv",
        "code,name\n500000000000,重庆市\n500200000000,县\n500299000000,青山县\n500299101000,石桥镇\n500299101201,石桥村\n",
    )
    .unwrap();
    store
        .put_divisions(&Actor::system("t"), &table)
        .await
        .unwrap();
    let v = DivisionCode::parse("500299101201").unwrap();
    let records: Vec<HouseholdRecord> = ids()
        .into_iter()
        .enumerate()
        .map(|(i, id)| HouseholdRecord {
            household: Household {
                code: HouseholdCode::new(&v, i as u16 + 1).unwrap(),
                village: v,
                group_no: None,
                address: "石桥村".into(),
                phone: Some(phone(i)),
                bank_account: Some(bank(i)),
                household_type: HouseholdType::Ordinary,
                relocated: false,
                dibao: false,
                tekun: false,
                monitored: false,
            },
            members: vec![Person {
                sex: id.sex(),
                birth_date: id.birth_date(),
                id_number: id,
                name: "测试".into(),
                relation: Relation::Head,
                labour: LabourCapacity::Ordinary,
                health: Health::Healthy,
                disability: None,
                schooling: Schooling::NotInSchool,
                medical_insurance: true,
                pension_insurance: true,
                employment_months: 0,
                employment_place: None,
                public_payroll: false,
                status: LivingStatus::InHousehold,
            }],
            incomes: vec![Income {
                year: 2025,
                wage: Money::from_fen(100),
                ..Income::default()
            }],
            assurance: None,
        })
        .collect();
    store
        .insert_households(&Actor::system("t"), &records)
        .await
        .unwrap();
    // A complaint that left a phone number to call back.
    store
        .add_complaint(
            &Actor::system("t"),
            &dixian_store::NewComplaint {
                code: "TS2345678923".into(),
                county: DivisionCode::parse("500299000000").unwrap(),
                kind: dixian_domain::complaints::ComplaintKind::Complaint,
                channel: dixian_domain::complaints::ComplaintChannel::Public,
                text: "公示栏看不到名单".into(),
                name: None,
                phone: Some(COMPLAINT_PHONE.into()),
                received_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                due_on: None,
            },
        )
        .await
        .unwrap();
}

const COMPLAINT_PHONE: &str = "13712340987";

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn sqlite_file_holds_no_plaintext_id_or_phone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let store = SqlStore::open_sqlite(&path, keys(&[1])).await.unwrap();
    load(&store).await;
    // Before close the data sits in the WAL; read both.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::fs::read(dir.path().join("t.db-wal")).unwrap_or_default());
    store.close().await;
    bytes.extend(std::fs::read(&path).unwrap());
    assert!(
        contains(&bytes, "石桥村"),
        "the scan does see plaintext columns"
    );
    for (i, id) in ids().iter().enumerate() {
        assert!(
            !contains(&bytes, id.as_str()),
            "ID number {} in plaintext",
            id.masked()
        );
        assert!(
            !contains(&bytes, &id.as_str()[..14]),
            "ID prefix in plaintext"
        );
        assert!(!contains(&bytes, &phone(i)), "phone in plaintext");
        assert!(!contains(&bytes, &bank(i)), "bank account in plaintext");
    }
    assert!(
        !contains(&bytes, COMPLAINT_PHONE),
        "complaint phone in plaintext"
    );
}

#[tokio::test]
async fn wrong_or_missing_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let store = SqlStore::open_sqlite(&path, keys(&[1])).await.unwrap();
    load(&store).await;
    store.close().await;

    let other = Arc::new(FieldCipher::ephemeral().unwrap());
    let e = SqlStore::open_sqlite(&path, other).await.err().unwrap();
    assert!(e.to_string().contains("不匹配"), "{e}");
    // Same index key, but the encryption key 1 is gone.
    let e = SqlStore::open_sqlite(&path, keys(&[2]))
        .await
        .err()
        .unwrap();
    assert!(e.to_string().contains("缺少编号为1的加密密钥"), "{e}");
}

async fn rotation(open: impl AsyncFn(Arc<FieldCipher>) -> SqlStore) {
    let store = open(keys(&[1])).await;
    load(&store).await;
    assert_eq!(
        store.rotate_keys(&Actor::system("t"), 7).await.unwrap(),
        RotationReport::default()
    );
    store.close().await;

    let store = open(keys(&[1, 2])).await;
    let report = store.rotate_keys(&Actor::system("t"), 7).await.unwrap();
    assert_eq!(
        report,
        RotationReport {
            persons: 40,
            households: 40,
            bank_accounts: 40,
            monitoring: 1,
        }
    );
    // Running again finds nothing left.
    assert_eq!(
        store.rotate_keys(&Actor::system("t"), 7).await.unwrap(),
        RotationReport::default()
    );
    store.close().await;

    // Key 1 can now be retired.
    let store = open(keys(&[2])).await;
    for id in ids() {
        let found = store
            .find_person_by_id_number(&Actor::system("t"), &id)
            .await
            .unwrap()
            .unwrap();
        // Decrypts under the new key: a reveal returns the very number.
        let full = store
            .reveal_id_number(&Actor::system("t"), found.person_id, "密钥轮换后核对")
            .await
            .unwrap();
        assert_eq!(full, id);
    }
    let complaint = store
        .complaints(
            &Actor::system("t"),
            &dixian_store::ComplaintFilter {
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0[0]
        .id;
    assert_eq!(
        store
            .reveal_complaint_phone(&Actor::system("t"), complaint, "密钥轮换后核对")
            .await
            .unwrap()
            .as_deref(),
        Some(COMPLAINT_PHONE)
    );
    store.close().await;
}

#[tokio::test]
async fn key_rotation_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    rotation(async |c| SqlStore::open_sqlite(&path, c).await.unwrap()).await;
}

#[tokio::test]
async fn key_rotation_on_postgres() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    rotation(async |c| SqlStore::connect_postgres(&db.url, c).await.unwrap()).await;
    db.drop_db().await;
}
