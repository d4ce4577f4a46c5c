//! What each backend does beyond the contract: reopening, unreachable databases, concurrent
//! writers, backups.

use crate::support::*;

#[tokio::test]
async fn reopening_sqlite_keeps_data_and_does_not_remigrate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let keys = cipher();
    let store = SqlStore::open_sqlite(&path, keys.clone()).await.unwrap();
    store
        .put_setting(&dixian_domain::access::Actor::system("t"), "k", "v")
        .await
        .unwrap();
    store.close().await;
    let store = SqlStore::open(&format!("sqlite://{}", path.display()), keys)
        .await
        .unwrap();
    assert_eq!(store.setting("k").await.unwrap().as_deref(), Some("v"));
    assert_eq!(
        store.schema_version().await.unwrap(),
        dixian_store_sql::LATEST_VERSION
    );
}

#[tokio::test]
async fn unopenable_sqlite_path_is_a_clear_error() {
    let e = SqlStore::open_sqlite(std::path::Path::new("/nonexistent-dir/x/y.db"), cipher())
        .await
        .err()
        .unwrap();
    let text = e.to_string();
    assert!(text.contains("无法打开数据库文件"), "{text}");
    assert!(text.contains("/nonexistent-dir/x/y.db"), "{text}");
}

#[tokio::test]
async fn unreachable_postgres_is_a_clear_error() {
    // Port 1 on loopback: nothing listens there.
    let e = SqlStore::connect_postgres("postgres://u:p@127.0.0.1:1/db", cipher())
        .await
        .err()
        .unwrap();
    let text = e.to_string();
    assert!(text.contains("无法连接PostgreSQL数据库"), "{text}");
    assert!(text.contains("127.0.0.1"), "{text}");
    let e = SqlStore::connect_postgres("postgres://[bad", cipher())
        .await
        .err()
        .unwrap();
    assert!(e.to_string().contains("连接串无效"), "{e}");
}

#[tokio::test]
async fn concurrent_sqlite_writers_serialise() {
    let (_dir, store) = sqlite_store().await;
    let store = std::sync::Arc::new(store);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.put_setting(
                &dixian_domain::access::Actor::system("t"),
                &format!("k{i}"),
                "v",
            )
            .await
            .unwrap();
            s.setting(&format!("k{i}")).await.unwrap()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().as_deref(), Some("v"));
    }
}

#[tokio::test]
async fn backup_copies_a_consistent_sqlite_database() {
    let (dir, store) = sqlite_store().await;
    let sys = dixian_domain::access::Actor::system("t");
    store.put_setting(&sys, "k", "v").await.unwrap();
    let copy = dir.path().join("copy.db");
    store.backup_to(&copy).await.unwrap();
    let e = store.backup_to(&copy).await.unwrap_err();
    assert!(e.to_string().contains("已存在"), "{e}");
    SqlStore::sqlite_integrity(&copy).await.unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database at all, just text").unwrap();
    let e = SqlStore::sqlite_integrity(&junk).await.unwrap_err();
    assert!(e.to_string().contains("不是有效的数据库文件"), "{e}");
    store.close().await;
}

#[tokio::test]
async fn backup_on_postgres_points_to_pg_dump() {
    let Some(db) = pg::TestDb::create().await else {
        return;
    };
    let store = SqlStore::connect_postgres(&db.url, cipher()).await.unwrap();
    let e = store
        .backup_to(std::path::Path::new("/tmp/x.db"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("pg_dump"), "{e}");
    store.close().await;
    db.drop_db().await;
}

/// Issue 20, item 12: the database, its WAL and shared-memory files and every backup are the
/// owner's only (0600); an existing database made by an older version is narrowed on opening.
#[cfg(unix)]
#[tokio::test]
async fn database_files_and_backups_are_the_owners_only() {
    use dixian_store::SystemStore;
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let keys = cipher();
    let store = SqlStore::open_sqlite(&path, keys.clone()).await.unwrap();
    store
        .audit(
            &dixian_domain::access::Actor::system("test"),
            "test",
            "x",
            "{}",
        )
        .await
        .unwrap();
    assert_eq!(mode(&path), 0o600);
    for suffix in ["-wal", "-shm"] {
        let side = dir.path().join(format!("t.db{suffix}"));
        if side.exists() {
            assert_eq!(mode(&side), 0o600, "{suffix}");
        }
    }
    let backup = dir.path().join("backup.db");
    store.backup_to(&backup).await.unwrap();
    assert_eq!(mode(&backup), 0o600);
    store.close().await;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    SqlStore::open_sqlite(&path, keys)
        .await
        .unwrap()
        .close()
        .await;
    assert_eq!(mode(&path), 0o600);
}
