//! After every migration, SQLite and PostgreSQL hold the same schema: the same tables, the
//! same columns in each, the same indexes, and triggers on the same tables. Types differ by design
//! (`INTEGER` and `BOOLEAN`, `BLOB` and `BYTEA`); names do not, so a migration written for one
//! backend and forgotten for the other fails here.

use crate::support::{cipher, pg};
use dixian_store_sql::SqlStore;
use sqlx::{Connection, Row};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default, PartialEq, Eq)]
struct Schema {
    /// Table → its columns.
    tables: BTreeMap<String, BTreeSet<String>>,
    /// Index → its table.
    indexes: BTreeMap<String, String>,
    /// Tables guarded or kept up to date by triggers. Trigger names differ by design: one
    /// PostgreSQL trigger may fire on UPDATE and DELETE where SQLite needs one for each.
    triggered: BTreeSet<String>,
}

async fn sqlite_schema(path: &std::path::Path) -> Schema {
    let url = format!("sqlite://{}", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let mut s = Schema::default();
    let rows = sqlx::query(
        "SELECT type, name, tbl_name FROM sqlite_master
         WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for r in rows {
        let (kind, name, table): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        match kind.as_str() {
            "table" => {
                let cols = sqlx::query("SELECT name FROM pragma_table_info(?1)")
                    .bind(&name)
                    .fetch_all(&mut conn)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|c| c.get::<String, _>(0))
                    .collect();
                s.tables.insert(name, cols);
            }
            "index" => {
                s.indexes.insert(name, table);
            }
            "trigger" => {
                s.triggered.insert(table);
            }
            _ => {}
        }
    }
    conn.close().await.unwrap();
    s
}

async fn postgres_schema(url: &str) -> Schema {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let mut s = Schema::default();
    let columns = sqlx::query(
        "SELECT c.table_name::text, c.column_name::text FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_name = c.table_name AND t.table_schema = c.table_schema
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for r in columns {
        s.tables
            .entry(r.get::<String, _>(0))
            .or_default()
            .insert(r.get::<String, _>(1));
    }
    // Indexes a migration created; those PostgreSQL makes for a primary key or a UNIQUE
    // column (SQLite's autoindexes) are left out on both sides.
    let indexes = sqlx::query(
        "SELECT i.indexname::text, i.tablename::text FROM pg_indexes i
         WHERE i.schemaname = 'public'
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for r in indexes {
        s.indexes.insert(r.get(0), r.get(1));
    }
    let triggers = sqlx::query(
        "SELECT DISTINCT event_object_table::text FROM information_schema.triggers
         WHERE trigger_schema = 'public'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for r in triggers {
        s.triggered.insert(r.get(0));
    }
    conn.close().await.unwrap();
    s
}

#[tokio::test]
async fn sqlite_and_postgres_have_the_same_schema_after_all_migrations() {
    let Some(db) = pg::TestDb::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    SqlStore::open_sqlite(&path, cipher())
        .await
        .unwrap()
        .close()
        .await;
    SqlStore::connect_postgres(&db.url, cipher())
        .await
        .unwrap()
        .close()
        .await;
    let lite = sqlite_schema(&path).await;
    let pg = postgres_schema(&db.url).await;
    db.drop_db().await;
    assert!(lite.tables.len() > 20, "read only {:?}", lite.tables.keys());
    let names = |s: &Schema| s.tables.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(names(&lite), names(&pg), "tables differ");
    for (table, cols) in &lite.tables {
        assert_eq!(
            Some(cols),
            pg.tables.get(table),
            "columns of {table} differ"
        );
    }
    assert_eq!(lite.indexes, pg.indexes, "indexes differ");
    assert_eq!(lite.triggered, pg.triggered, "tables with triggers differ");
}
