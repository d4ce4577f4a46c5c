//! Every contract check of the store, once on SQLite and once on PostgreSQL, from the one
//! list `contract_checks!`.

use crate::support::*;

/// One test per contract check and database, from the store's one list.
macro_rules! contract_tests {
    ($($module:ident :: $check:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $check() {
                    let (_dir, store) = super::sqlite_store().await;
                    super::contract::$module::$check(&store).await;
                    store.close().await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $check() {
                    let Some(db) = super::pg::TestDb::create().await else { return };
                    let store = dixian_store_sql::SqlStore::connect_postgres(&db.url, crate::support::cipher())
                        .await
                        .unwrap();
                    assert_eq!(dixian_store::SystemStore::kind(&store), dixian_store::DbKind::Postgres);
                    super::contract::$module::$check(&store).await;
                    store.close().await;
                    db.drop_db().await;
                }
            )+
        }
        /// A check written but left out of the list would never run: every public check of
        /// every contract module must be listed, under its own module.
        #[test]
        fn every_contract_check_is_listed() {
            let listed: Vec<String> = vec![$(format!("{}::{}", stringify!($module), stringify!($check))),+];
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/src/contract");
            let mut written = Vec::new();
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let module = path.file_stem().unwrap().to_string_lossy().to_string();
                let text = std::fs::read_to_string(&path).unwrap();
                for line in text.lines() {
                    if let Some(rest) = line.strip_prefix("pub async fn ")
                        && rest.contains("store: &dyn Store)")
                    {
                        let name = rest.split('(').next().unwrap();
                        written.push(format!("{module}::{name}"));
                    }
                }
            }
            written.sort();
            let mut sorted = listed.clone();
            sorted.sort();
            assert_eq!(sorted, written);
        }
    };
}

dixian_store::contract_checks!(contract_tests);
