//! The database itself: health, schema version, settings, key rotation and backup (系统维护).

use crate::StoreResult;
use async_trait::async_trait;
use dixian_domain::access::Actor;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

impl DbKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DbKind::Sqlite => "sqlite",
            DbKind::Postgres => "postgresql",
        }
    }
}

/// Rows re-encrypted by a key rotation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RotationReport {
    pub persons: usize,
    /// Phone numbers re-encrypted.
    pub households: usize,
    pub bank_accounts: usize,
    /// Applicants' ID numbers and phones of leads, case attachments, visit photos, the
    /// problem ledger's evidence and the phones left with complaints.
    pub monitoring: usize,
}

/// The database itself: health, schema version, settings, key rotation and backup (系统维护).
#[async_trait]
pub trait SystemStore: Send + Sync {
    fn kind(&self) -> DbKind;
    /// Cheap round trip, for health checks.
    async fn ping(&self) -> StoreResult<()>;
    /// Highest applied migration.
    async fn schema_version(&self) -> StoreResult<i64>;
    async fn setting(&self, key: &str) -> StoreResult<Option<String>>;
    async fn put_setting(&self, actor: &Actor, key: &str, value: &str) -> StoreResult<()>;
    /// Re-encrypts every sensitive field not yet under the current key, `batch` rows per
    /// short transaction, so the service keeps running. Safe to run again.
    async fn rotate_keys(&self, actor: &Actor, batch: usize) -> StoreResult<RotationReport>;
    /// Writes a consistent copy of the whole database to `path` (a new file) while the
    /// service runs. Only the embedded SQLite database can do this; PostgreSQL uses pg_dump.
    async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()>;
}
