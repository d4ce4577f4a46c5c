//! Schema migrations, embedded in the binary. Each version has one script per backend;
//! they differ only in column types. Applied versions are recorded in `schema_migrations`.

use crate::backend;
use chrono::Utc;
use dixian_store::{StoreError, StoreResult};
use sqlx::{PgPool, SqlitePool};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "audit_retention",
        sqlite: include_str!("../migrations/sqlite/0002_audit_retention.sql"),
        postgres: include_str!("../migrations/postgres/0002_audit_retention.sql"),
    },
    Migration {
        version: 3,
        name: "cadre_assignments",
        sqlite: include_str!("../migrations/sqlite/0003_cadre_assignments.sql"),
        postgres: include_str!("../migrations/postgres/0003_cadre_assignments.sql"),
    },
    Migration {
        version: 4,
        name: "bank_accounts",
        sqlite: include_str!("../migrations/sqlite/0004_bank_accounts.sql"),
        postgres: include_str!("../migrations/postgres/0004_bank_accounts.sql"),
    },
    Migration {
        version: 5,
        name: "household_events",
        sqlite: include_str!("../migrations/sqlite/0005_household_events.sql"),
        postgres: include_str!("../migrations/postgres/0005_household_events.sql"),
    },
    Migration {
        version: 6,
        name: "household_assurance",
        sqlite: include_str!("../migrations/sqlite/0006_household_assurance.sql"),
        postgres: include_str!("../migrations/postgres/0006_household_assurance.sql"),
    },
    Migration {
        version: 7,
        name: "monitoring",
        sqlite: include_str!("../migrations/sqlite/0007_monitoring.sql"),
        postgres: include_str!("../migrations/postgres/0007_monitoring.sql"),
    },
    Migration {
        version: 8,
        name: "assistance",
        sqlite: include_str!("../migrations/sqlite/0008_assistance.sql"),
        postgres: include_str!("../migrations/postgres/0008_assistance.sql"),
    },
    Migration {
        version: 9,
        name: "visits",
        sqlite: include_str!("../migrations/sqlite/0009_visits.sql"),
        postgres: include_str!("../migrations/postgres/0009_visits.sql"),
    },
    Migration {
        version: 10,
        name: "feeds",
        sqlite: include_str!("../migrations/sqlite/0010_feeds.sql"),
        postgres: include_str!("../migrations/postgres/0010_feeds.sql"),
    },
    Migration {
        version: 11,
        name: "screening",
        sqlite: include_str!("../migrations/sqlite/0011_screening.sql"),
        postgres: include_str!("../migrations/postgres/0011_screening.sql"),
    },
    Migration {
        version: 12,
        name: "problems",
        sqlite: include_str!("../migrations/sqlite/0012_problems.sql"),
        postgres: include_str!("../migrations/postgres/0012_problems.sql"),
    },
    Migration {
        version: 13,
        name: "case_facts",
        sqlite: include_str!("../migrations/sqlite/0013_case_facts.sql"),
        postgres: include_str!("../migrations/postgres/0013_case_facts.sql"),
    },
    Migration {
        version: 14,
        name: "service_tokens",
        sqlite: include_str!("../migrations/sqlite/0014_service_tokens.sql"),
        postgres: include_str!("../migrations/postgres/0014_service_tokens.sql"),
    },
    Migration {
        version: 15,
        name: "account_requests",
        sqlite: include_str!("../migrations/sqlite/0015_account_requests.sql"),
        postgres: include_str!("../migrations/postgres/0015_account_requests.sql"),
    },
    Migration {
        version: 16,
        name: "green_channel_and_exclusions",
        sqlite: include_str!("../migrations/sqlite/0016_green_channel_and_exclusions.sql"),
        postgres: include_str!("../migrations/postgres/0016_green_channel_and_exclusions.sql"),
    },
    Migration {
        version: 17,
        name: "complaints",
        sqlite: include_str!("../migrations/sqlite/0017_complaints.sql"),
        postgres: include_str!("../migrations/postgres/0017_complaints.sql"),
    },
    Migration {
        version: 18,
        name: "visit_photo_drafts",
        sqlite: include_str!("../migrations/sqlite/0018_visit_photo_drafts.sql"),
        postgres: include_str!("../migrations/postgres/0018_visit_photo_drafts.sql"),
    },
    Migration {
        version: 19,
        name: "funds",
        sqlite: include_str!("../migrations/sqlite/0019_funds.sql"),
        postgres: include_str!("../migrations/postgres/0019_funds.sql"),
    },
    Migration {
        version: 20,
        name: "assets",
        sqlite: include_str!("../migrations/sqlite/0020_assets.sql"),
        postgres: include_str!("../migrations/postgres/0020_assets.sql"),
    },
    Migration {
        version: 21,
        name: "project_wages",
        sqlite: include_str!("../migrations/sqlite/0021_project_wages.sql"),
        postgres: include_str!("../migrations/postgres/0021_project_wages.sql"),
    },
    Migration {
        version: 22,
        name: "project_files",
        sqlite: include_str!("../migrations/sqlite/0022_project_files.sql"),
        postgres: include_str!("../migrations/postgres/0022_project_files.sql"),
    },
    Migration {
        version: 23,
        name: "asset_payouts",
        sqlite: include_str!("../migrations/sqlite/0023_asset_payouts.sql"),
        postgres: include_str!("../migrations/postgres/0023_asset_payouts.sql"),
    },
    Migration {
        version: 24,
        name: "villages",
        sqlite: include_str!("../migrations/sqlite/0024_villages.sql"),
        postgres: include_str!("../migrations/postgres/0024_villages.sql"),
    },
    Migration {
        version: 25,
        name: "rectification",
        sqlite: include_str!("../migrations/sqlite/0025_rectification.sql"),
        postgres: include_str!("../migrations/postgres/0025_rectification.sql"),
    },
    Migration {
        version: 26,
        name: "teams",
        sqlite: include_str!("../migrations/sqlite/0026_teams.sql"),
        postgres: include_str!("../migrations/postgres/0026_teams.sql"),
    },
    Migration {
        version: 27,
        name: "cadres",
        sqlite: include_str!("../migrations/sqlite/0027_cadres.sql"),
        postgres: include_str!("../migrations/postgres/0027_cadres.sql"),
    },
    Migration {
        version: 28,
        name: "team_ends",
        sqlite: include_str!("../migrations/sqlite/0028_team_ends.sql"),
        postgres: include_str!("../migrations/postgres/0028_team_ends.sql"),
    },
    Migration {
        version: 29,
        name: "rectification_files",
        sqlite: include_str!("../migrations/sqlite/0029_rectification_files.sql"),
        postgres: include_str!("../migrations/postgres/0029_rectification_files.sql"),
    },
    Migration {
        version: 30,
        name: "weak_team",
        sqlite: include_str!("../migrations/sqlite/0030_weak_team.sql"),
        postgres: include_str!("../migrations/postgres/0030_weak_team.sql"),
    },
    Migration {
        version: 31,
        name: "file_drafts",
        sqlite: include_str!("../migrations/sqlite/0031_file_drafts.sql"),
        postgres: include_str!("../migrations/postgres/0031_file_drafts.sql"),
    },
];

/// The schema version this program writes.
pub const LATEST_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
)";

macro_rules! apply {
    ($pool:expr, $begin:expr, $field:ident) => {{
        sqlx::raw_sql(CREATE_TABLE)
            .execute($pool)
            .await
            .map_err(backend)?;
        let current: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
            .fetch_one($pool)
            .await
            .map_err(backend)?;
        let current = current.unwrap_or(0);
        if current > LATEST_VERSION {
            return Err(StoreError::SchemaTooNew {
                found: current,
                supported: LATEST_VERSION,
            });
        }
        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
            let mut tx = $begin.await.map_err(backend)?;
            sqlx::raw_sql(m.$field)
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    StoreError::Backend(format!("迁移{}（{}）失败：{e}", m.version, m.name))
                })?;
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(Utc::now().to_rfc3339())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            tx.commit().await.map_err(backend)?;
            // Each step for whoever debugs; people get the one line below.
            tracing::debug!(version = m.version, name = m.name, "已应用数据库迁移");
        }
        match current {
            _ if current == LATEST_VERSION => {}
            0 => tracing::info!("已建立数据库（结构版本{LATEST_VERSION}）"),
            _ => tracing::info!("已升级数据库结构：版本{current}→{LATEST_VERSION}"),
        }
        Ok(())
    }};
}

pub async fn sqlite(pool: &SqlitePool) -> StoreResult<()> {
    apply!(pool, pool.begin_with("BEGIN IMMEDIATE"), sqlite)
}

pub async fn postgres(pool: &PgPool) -> StoreResult<()> {
    // Two servers starting at once must not both migrate.
    let mut lock = pool.acquire().await.map_err(backend)?;
    sqlx::query("SELECT pg_advisory_lock(7212026)")
        .execute(&mut *lock)
        .await
        .map_err(backend)?;
    // The async block keeps every early return inside, so the lock is always released.
    let result: StoreResult<()> = async { apply!(pool, pool.begin(), postgres) }.await;
    sqlx::query("SELECT pg_advisory_unlock(7212026)")
        .execute(&mut *lock)
        .await
        .map_err(backend)?;
    result
}
