//! A fresh PostgreSQL database per test, dropped afterwards.

use sqlx::Connection;
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestDb {
    pub url: String,
    admin_url: String,
    name: String,
}

impl TestDb {
    /// `None` (test skipped) when no server is configured, unless one is required.
    pub async fn create() -> Option<TestDb> {
        let admin_url = match std::env::var("DIXIAN_TEST_PG_URL") {
            Ok(u) if !u.is_empty() => u,
            _ => {
                if std::env::var("DIXIAN_REQUIRE_PG").is_ok_and(|v| v == "1") {
                    panic!("DIXIAN_REQUIRE_PG=1 but DIXIAN_TEST_PG_URL is not set");
                }
                eprintln!("skipped: DIXIAN_TEST_PG_URL not set");
                return None;
            }
        };
        let name = format!(
            "dixian_t_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap();
        // A failed run may have left a database under a name a later process id reuses.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let url = match admin_url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("DIXIAN_TEST_PG_URL must end with /DATABASE"),
        };
        Some(TestDb {
            url,
            admin_url,
            name,
        })
    }

    pub async fn drop_db(self) {
        let mut conn = sqlx::PgConnection::connect(&self.admin_url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut conn)
        .await
        .unwrap();
    }
}
