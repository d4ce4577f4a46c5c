//! The audit trail (审计): a hash chain of every write, refusal, reveal and export.

use crate::StoreResult;
use async_trait::async_trait;
use dixian_domain::access::Actor;

/// Which records of the audit trail to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFilter {
    /// Oldest first from after this sequence number; or, with `newest_first`, the records
    /// before `before_seq` (all when `None`), newest first.
    pub after_seq: i64,
    pub before_seq: Option<i64>,
    pub newest_first: bool,
    pub limit: i64,
    /// Exact account name (`系统：…` for commands).
    pub actor: Option<String>,
    /// Action code or its prefix: `user.` matches `user.create`, `user.disable` …
    pub action: Option<String>,
    /// Target contains this text.
    pub target: Option<String>,
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

impl AuditFilter {
    /// Every record after `after_seq`, oldest first, at most `limit`.
    pub fn after(after_seq: i64, limit: i64) -> AuditFilter {
        AuditFilter {
            after_seq,
            before_seq: None,
            newest_first: false,
            limit,
            actor: None,
            action: None,
            target: None,
            from: None,
            until: None,
        }
    }
}

/// One record of the audit trail (审计记录). Records form a chain: each carries the SM3 hash
/// of its content and of the record before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub source: Option<String>,
    /// Stable code such as `households.insert`, `access.denied`.
    pub action: String,
    pub target: String,
    /// Details (before/after, counts, reasons) as JSON text.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What an audit pruning removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PruneReport {
    pub removed: i64,
    /// The chain now starts after this record.
    pub through_seq: i64,
}

/// Where a pruning stops: a record older than the retention cutoff, named by its hash, and
/// why it may be removed (a signed checkpoint, as JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PruneThrough {
    pub before: chrono::DateTime<chrono::Utc>,
    pub seq: i64,
    /// Hex, as in [`AuditRecord::hash`].
    pub hash: String,
    pub justification: String,
}

/// Result of checking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    /// Records checked.
    pub records: i64,
    /// The first record kept: 1, or one past the last record removed after its retention.
    pub from_seq: i64,
    /// The first problem found, naming the record.
    pub problem: Option<String>,
}

/// The audit trail (审计): a hash chain of every write, refusal, reveal and export.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an event that is not a store write (a login, an export, a reveal).
    async fn audit(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        detail: &str,
    ) -> StoreResult<()>;
    /// Records matching `filter`, for an actor with `ReadAudit` (审计管理员) only.
    async fn audit_records(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
    ) -> StoreResult<Vec<AuditRecord>>;
    /// Walks the whole chain and reports the first broken, missing or reordered record.
    async fn verify_audit_chain(&self) -> StoreResult<AuditVerification>;
    /// Removes every record up to and including `through.seq`, after checking the chain is
    /// intact, that record still has `through.hash` and is older than `through.before`; the
    /// chain is then checked from it on. Only the system itself (an administrator's command
    /// on the server) may do this; the removal is audited with its justification (the signed
    /// checkpoint it stops at).
    async fn prune_audit(&self, actor: &Actor, through: &PruneThrough) -> StoreResult<PruneReport>;
}
