//! The audit chain: what is hashed, and how the chain is checked.

use crate::Db;
use crate::SqlStore;
use crate::audit;
use crate::backend;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use dixian_domain::access::Actor;
use dixian_domain::access::Permission;
use dixian_domain::access::Scope;
use dixian_gm::{sm3, to_hex};
use dixian_store::AuditFilter;
use dixian_store::AuditRecord;
use dixian_store::AuditStore;
use dixian_store::AuditVerification;
use dixian_store::StoreError;
use dixian_store::StoreResult;
use dixian_store::{PruneReport, PruneThrough};

/// The fields of one record that the hash covers, in a fixed order.
pub struct Entry<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub source: Option<&'a str>,
    pub action: &'a str,
    pub target: &'a str,
    pub detail: &'a str,
}

impl<'a> Entry<'a> {
    pub fn of(
        seq: i64,
        at: &'a str,
        actor: &'a Actor,
        action: &'a str,
        target: &'a str,
        detail: &'a str,
    ) -> Entry<'a> {
        Entry {
            seq,
            at,
            actor_id: actor.user_id,
            actor: &actor.name,
            source: actor.source.as_deref(),
            action,
            target,
            detail,
        }
    }

    /// SM3(prev ‖ each field length-prefixed): no two different records hash alike by moving
    /// text from one field to the next.
    pub fn hash(&self, prev: &[u8]) -> [u8; 32] {
        let seq = self.seq.to_string();
        let actor_id = self.actor_id.map(|i| i.to_string()).unwrap_or_default();
        let fields: [&str; 8] = [
            &seq,
            self.at,
            &actor_id,
            self.actor,
            self.source.unwrap_or(""),
            self.action,
            self.target,
            self.detail,
        ];
        let mut data = Vec::with_capacity(64 + fields.iter().map(|f| f.len() + 4).sum::<usize>());
        data.extend_from_slice(prev);
        for f in fields {
            data.extend_from_slice(&(f.len() as u32).to_be_bytes());
            data.extend_from_slice(f.as_bytes());
        }
        sm3(&data)
    }
}

/// Timestamps are stored as text with microseconds, so the hashed form survives both backends.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// A stored row of `audit_log`.
#[derive(sqlx::FromRow)]
pub struct Row {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub source: Option<String>,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

impl Row {
    pub fn entry(&self) -> Entry<'_> {
        Entry {
            seq: self.seq,
            at: &self.at,
            actor_id: self.actor_id,
            actor: &self.actor,
            source: self.source.as_deref(),
            action: &self.action,
            target: &self.target,
            detail: &self.detail,
        }
    }

    pub fn into_record(self) -> AuditRecord {
        let at = DateTime::parse_from_rfc3339(&self.at)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        AuditRecord {
            seq: self.seq,
            at,
            actor_id: self.actor_id,
            actor: self.actor,
            source: self.source,
            action: self.action,
            target: self.target,
            detail: self.detail,
            prev_hash: to_hex(&self.prev_hash),
            hash: to_hex(&self.hash),
        }
    }
}

/// Walks rows in `seq` order. `expected` is the next sequence number and `prev` the hash the
/// next record must name; both carry over between pages. Returns the first problem.
pub fn check_page(rows: &[Row], expected: &mut i64, prev: &mut Vec<u8>) -> Option<String> {
    for r in rows {
        if r.seq != *expected {
            return Some(format!(
                "第{}条审计记录缺失或被移动（按顺序下一条是第{}条）",
                expected, r.seq
            ));
        }
        if r.entry().hash(&r.prev_hash)[..] != r.hash[..] {
            return Some(format!("第{}条审计记录的内容被修改（与其哈希不符）", r.seq));
        }
        if r.prev_hash != *prev {
            return Some(format!(
                "第{}条审计记录与前一条衔接不上：前面的记录被删除、插入或调换",
                r.seq
            ));
        }
        *prev = r.hash.clone();
        *expected += 1;
    }
    None
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn audit(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        detail: &str,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| {
            audit_in!(tx, actor, action, target, detail);
        });
        Ok(())
    }

    async fn audit_records(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
    ) -> StoreResult<Vec<AuditRecord>> {
        self.permit(actor, Permission::ReadAudit, "审计记录")
            .await?;
        let rows: Vec<audit::Row> = read!(self, |pool| {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT seq, at, actor_id, actor, source, action, target, detail, prev_hash, hash
                 FROM audit_log WHERE seq > ",
            );
            qb.push_bind(filter.after_seq);
            if let Some(before) = filter.before_seq {
                qb.push(" AND seq < ").push_bind(before);
            }
            if let Some(a) = &filter.actor {
                qb.push(" AND actor = ").push_bind(a.clone());
            }
            if let Some(a) = &filter.action {
                // Prefix match without LIKE, so `_` and `%` in codes mean themselves.
                qb.push(" AND substr(action, 1, ")
                    .push_bind(i32::try_from(a.chars().count()).unwrap_or(i32::MAX))
                    .push(") = ")
                    .push_bind(a.clone());
            }
            if let Some(t) = &filter.target {
                qb.push(match self.db {
                    Db::Sqlite { .. } => " AND instr(target, ",
                    Db::Postgres(_) => " AND strpos(target, ",
                })
                .push_bind(t.clone())
                .push(") > 0");
            }
            if let Some(from) = filter.from {
                qb.push(" AND at >= ").push_bind(audit::timestamp(from));
            }
            if let Some(until) = filter.until {
                qb.push(" AND at < ").push_bind(audit::timestamp(until));
            }
            qb.push(if filter.newest_first {
                " ORDER BY seq DESC LIMIT "
            } else {
                " ORDER BY seq LIMIT "
            })
            .push_bind(filter.limit.clamp(1, 10_000));
            qb.build_query_as().fetch_all(pool).await.map_err(backend)?
        });
        Ok(rows.into_iter().map(audit::Row::into_record).collect())
    }

    async fn verify_audit_chain(&self) -> StoreResult<AuditVerification> {
        const PAGE: i64 = 5_000;
        let (anchor_seq, anchor_hash): (i64, Vec<u8>) = read!(self, |pool| {
            sqlx::query_as("SELECT seq, hash FROM audit_anchor WHERE id = 1")
                .fetch_one(pool)
                .await
                .map_err(backend)?
        });
        let from_seq = anchor_seq + 1;
        let mut expected = from_seq;
        let mut prev = anchor_hash;
        let mut after = anchor_seq;
        loop {
            let rows: Vec<audit::Row> = read!(self, |pool| {
                sqlx::query_as(AUDIT_PAGE)
                    .bind(after)
                    .bind(PAGE)
                    .fetch_all(pool)
                    .await
                    .map_err(backend)?
            });
            if let Some(problem) = audit::check_page(&rows, &mut expected, &mut prev) {
                return Ok(AuditVerification {
                    records: expected - from_seq,
                    from_seq,
                    problem: Some(problem),
                });
            }
            match rows.last() {
                Some(r) => after = r.seq,
                None => break,
            }
        }
        let (head_seq, head_hash): (i64, Vec<u8>) = read!(self, |pool| {
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(pool)
                .await
                .map_err(backend)?
        });
        let last = expected - 1;
        let problem = (head_seq != last || head_hash != prev).then(|| {
            format!(
                "审计记录应有{head_seq}条，实际只能核对到第{last}条：末尾的记录被删除或审计头被改动"
            )
        });
        Ok(AuditVerification {
            records: last - anchor_seq,
            from_seq,
            problem,
        })
    }

    async fn prune_audit(&self, actor: &Actor, through: &PruneThrough) -> StoreResult<PruneReport> {
        if actor.role.is_some() || actor.scope != Scope::Everything {
            return Err(self.deny(actor, "审计记录").await);
        }
        // Removing records from a broken chain would destroy the evidence of tampering.
        let v = self.verify_audit_chain().await?;
        if let Some(problem) = v.problem {
            return Err(StoreError::Invalid(format!(
                "审计记录核验未通过，不能清理：{problem}"
            )));
        }
        if through.seq < v.from_seq {
            return Ok(PruneReport::default());
        }
        let cutoff = audit::timestamp(through.before);
        let justification: serde_json::Value = serde_json::from_str(&through.justification)
            .unwrap_or_else(|_| serde_json::Value::String(through.justification.clone()));
        let report = write_tx!(self, |tx| {
            let found: Option<(Vec<u8>, String)> =
                sqlx::query_as("SELECT hash, at FROM audit_log WHERE seq = $1")
                    .bind(through.seq)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
            let Some((hash, at)) = found else {
                return Err(StoreError::Invalid(format!(
                    "第{}条审计记录不存在，不能清理到这里",
                    through.seq
                )));
            };
            if !to_hex(&hash).eq_ignore_ascii_case(&through.hash) {
                return Err(StoreError::Invalid(format!(
                    "第{}条审计记录与签名检查点的哈希不符，不能清理",
                    through.seq
                )));
            }
            if at >= cutoff {
                return Err(StoreError::Invalid(format!(
                    "第{}条审计记录尚未超过保存期，不能清理",
                    through.seq
                )));
            }
            let (anchor,): (i64,) = sqlx::query_as("SELECT seq FROM audit_anchor WHERE id = 1")
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
            let removed = through.seq - anchor;
            let detail = serde_json::json!({
                "removed": removed,
                "through_seq": through.seq,
                "before": cutoff,
                "checkpoint": justification,
            })
            .to_string();
            audit_in!(tx, actor, "audit.prune", "审计记录", &detail);
            sqlx::query("UPDATE audit_anchor SET seq = $1, hash = $2, pruned_at = $3 WHERE id = 1")
                .bind(through.seq)
                .bind(&hash)
                .bind(audit::timestamp(Utc::now()))
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            sqlx::query("DELETE FROM audit_log WHERE seq <= $1")
                .bind(through.seq)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            PruneReport {
                removed,
                through_seq: through.seq,
            }
        });
        tracing::info!(
            removed = report.removed,
            through = report.through_seq,
            "已清理过期审计记录"
        );
        Ok(report)
    }
}

/// A page of the audit trail after a sequence number.
const AUDIT_PAGE: &str =
    "SELECT seq, at, actor_id, actor, source, action, target, detail, prev_hash, hash
     FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2";
