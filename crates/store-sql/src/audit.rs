//! The audit chain: what is hashed, and how the chain is checked.

use chrono::{DateTime, Utc};
use dixian_domain::access::Actor;
use dixian_gm::{sm3, to_hex};
use dixian_store::AuditRecord;

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
