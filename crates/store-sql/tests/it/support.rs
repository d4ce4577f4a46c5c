//! What the store tests share: the testkit's cipher and PostgreSQL databases, and a fresh
//! SQLite store.

pub(crate) use dixian_store::DbKind;
pub(crate) use dixian_store::contract;
pub(crate) use dixian_store::prelude::*;
pub(crate) use dixian_store_sql::SqlStore;
pub(crate) use dixian_testkit::{cipher, pg};

pub(crate) async fn sqlite_store() -> (tempfile::TempDir, SqlStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open_sqlite(&dir.path().join("t.db"), cipher())
        .await
        .unwrap();
    assert_eq!(store.kind(), DbKind::Sqlite);
    (dir, store)
}
