//! The audit trail detects tampering done directly in the database, and refuses casual edits.

use dixian_store::prelude::*;

use dixian_domain::access::Actor;
use dixian_gm::FieldCipher;
use dixian_store_sql::SqlStore;
use dixian_testkit::pg::TestDb;
use sqlx::Connection;
use std::sync::Arc;

/// A SQLite store with ten audit records, then `sql` run on the file as an attacker with
/// write access would (dropping the append-only triggers first when `drop_triggers`).
async fn verify_after(sql: &str, drop_triggers: bool) -> Result<Option<String>, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let cipher = Arc::new(FieldCipher::ephemeral().unwrap());
    let store = SqlStore::open_sqlite(&path, cipher.clone()).await.unwrap();
    let actor = Actor::system("t");
    for i in 0..8 {
        store
            .put_setting(&actor, &format!("k{i}"), "v")
            .await
            .unwrap();
    }
    assert_eq!(store.verify_audit_chain().await.unwrap().records, 10);
    store.close().await;

    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    if drop_triggers {
        sqlx::raw_sql("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let result = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await;
    conn.close().await.unwrap();
    if let Err(e) = result {
        return Err(e.to_string());
    }
    let store = SqlStore::open_sqlite(&path, cipher).await.unwrap();
    let v = store.verify_audit_chain().await.unwrap();
    store.close().await;
    Ok(v.problem)
}

#[tokio::test]
async fn untouched_chain_verifies() {
    assert_eq!(verify_after("SELECT 1", true).await.unwrap(), None);
}

#[tokio::test]
async fn edited_record_is_named() {
    let p = verify_after(
        "UPDATE audit_log SET detail = '{\"value\":\"x\"}' WHERE seq = 4",
        true,
    )
    .await
    .unwrap()
    .unwrap();
    assert!(p.contains("第4条审计记录的内容被修改"), "{p}");
}

#[tokio::test]
async fn edited_and_rehashed_record_breaks_the_link() {
    // Changing a record and recomputing its own hash still breaks the next record's link.
    let p = verify_after(
        "UPDATE audit_log SET prev_hash = zeroblob(32) WHERE seq = 6",
        true,
    )
    .await
    .unwrap()
    .unwrap();
    assert!(p.contains("第6条"), "{p}");
}

#[tokio::test]
async fn deleted_record_is_named() {
    let p = verify_after("DELETE FROM audit_log WHERE seq = 3", true)
        .await
        .unwrap()
        .unwrap();
    assert!(p.contains("第3条审计记录缺失"), "{p}");
    let p = verify_after("DELETE FROM audit_log WHERE seq = 10", true)
        .await
        .unwrap()
        .unwrap();
    assert!(p.contains("末尾的记录被删除"), "{p}");
}

#[tokio::test]
async fn reordered_records_are_named() {
    let p = verify_after(
        "UPDATE audit_log SET seq = -2 WHERE seq = 2;
         UPDATE audit_log SET seq = 2 WHERE seq = 5;
         UPDATE audit_log SET seq = 5 WHERE seq = -2;",
        true,
    )
    .await
    .unwrap()
    .unwrap();
    assert!(p.contains("第2条"), "{p}");
}

#[tokio::test]
async fn sqlite_audit_log_is_append_only() {
    let e = verify_after("UPDATE audit_log SET actor = 'x' WHERE seq = 1", false)
        .await
        .unwrap_err();
    assert!(e.contains("append-only"), "{e}");
    let e = verify_after("DELETE FROM audit_log WHERE seq = 1", false)
        .await
        .unwrap_err();
    assert!(e.contains("append-only"), "{e}");
}

#[tokio::test]
async fn postgres_audit_log_is_append_only_and_verifies() {
    let Some(db) = TestDb::create().await else {
        return;
    };
    let store = SqlStore::connect_postgres(&db.url, Arc::new(FieldCipher::ephemeral().unwrap()))
        .await
        .unwrap();
    let v = store.verify_audit_chain().await.unwrap();
    assert_eq!((v.records, v.problem), (2, None));
    store.close().await;
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    for sql in [
        "UPDATE audit_log SET actor = 'x' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
    ] {
        let e = sqlx::raw_sql(sql).execute(&mut conn).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }
    conn.close().await.unwrap();
    db.drop_db().await;
}
