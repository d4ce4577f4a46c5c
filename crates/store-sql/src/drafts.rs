//! Files of a refused form kept for its correction (upload once): sealed, for the officer who
//! chose them and the household or rectification item the form is about, for a day. The
//! form's own write takes them (`take_drafts!`), so a double submit cannot save them twice.

use crate::{SqlStore, audit, backend, crypto};
use chrono::Utc;
use dixian_domain::access::Actor;
use dixian_store::visits::PHOTO_DRAFT_HOURS;
use dixian_store::{NewAttachment, PhotoMeta, StoreError, StoreResult};

/// Field name of sealed kept files (part of each ciphertext's associated data). The name
/// predates rectification drafts; it stays so kept files sealed before still open.
pub(crate) const F_FILE_DRAFT: &str = "visit.photo.draft";

/// What a kept file belongs to: a household's form or a rectification item's step.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DraftOwner {
    Household(i64),
    Item(i64),
}

impl DraftOwner {
    /// The column naming the owner (a trusted name, put into SQL).
    pub(crate) fn column(self) -> &'static str {
        match self {
            DraftOwner::Household(_) => "household_id",
            DraftOwner::Item(_) => "item_id",
        }
    }

    /// One kept file of the actor's for the owner: `$1` id, `$2` account, `$3` owner.
    pub(crate) fn pick_sql(self) -> &'static str {
        match self {
            DraftOwner::Household(_) => {
                "SELECT id, name, content_type, body_enc FROM file_drafts
                 WHERE id = $1 AND account = $2 AND household_id = $3"
            }
            DraftOwner::Item(_) => {
                "SELECT id, name, content_type, body_enc FROM file_drafts
                 WHERE id = $1 AND account = $2 AND item_id = $3"
            }
        }
    }

    /// The actor's remaining drafts for the owner: `$1` account, `$2` owner.
    pub(crate) fn clear_sql(self) -> &'static str {
        match self {
            DraftOwner::Household(_) => {
                "DELETE FROM file_drafts WHERE account = $1 AND household_id = $2"
            }
            DraftOwner::Item(_) => "DELETE FROM file_drafts WHERE account = $1 AND item_id = $2",
        }
    }

    fn insert_sql(self) -> &'static str {
        match self {
            DraftOwner::Household(_) => {
                "INSERT INTO file_drafts (id, account, household_id, name, content_type, size,
                   body_enc, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            }
            DraftOwner::Item(_) => {
                "INSERT INTO file_drafts (id, account, item_id, name, content_type, size,
                   body_enc, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            }
        }
    }

    pub(crate) fn id(self) -> i64 {
        match self {
            DraftOwner::Household(id) | DraftOwner::Item(id) => id,
        }
    }
}

/// The stored time before which kept files have expired.
pub(crate) fn draft_cutoff() -> String {
    audit::timestamp(Utc::now() - chrono::Duration::hours(PHOTO_DRAFT_HOURS))
}

#[derive(sqlx::FromRow)]
pub(crate) struct DraftRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) content_type: String,
    pub(crate) body_enc: Vec<u8>,
}

pub(crate) fn gone_draft() -> StoreError {
    StoreError::Invalid(format!(
        "勾选保留的文件已不可用：可能已超过{PHOTO_DRAFT_HOURS}小时，或这份表单已经保存过（请先看记录，避免重复）；需要时请重新选择"
    ))
}

impl SqlStore {
    /// Keeps `files` (already checked by the caller) for `actor`'s corrected form about
    /// `owner`, with the kept ones still wanted; the officer's other drafts for the owner and
    /// everyone's expired ones go. The caller has checked the actor may write the form.
    /// Audited as `action` on `target`.
    pub(crate) async fn keep_drafts(
        &self,
        actor: &Actor,
        owner: DraftOwner,
        still_wanted: &[i64],
        files: &[NewAttachment],
        (action, target): (&str, &str),
    ) -> StoreResult<Vec<PhotoMeta>> {
        let now = audit::timestamp(Utc::now());
        let kept = write_tx!(self, |tx| {
            sqlx::query("DELETE FROM file_drafts WHERE created_at < $1")
                .bind(draft_cutoff())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            // What the form no longer offers goes: an officer holds one form's files at most.
            let mut qb = sqlx::QueryBuilder::new("DELETE FROM file_drafts WHERE account = ");
            qb.push_bind(actor.name.clone())
                .push(format!(" AND {} = ", owner.column()))
                .push_bind(owner.id());
            if !still_wanted.is_empty() {
                qb.push(" AND id NOT IN (");
                let mut sep = qb.separated(", ");
                for id in still_wanted {
                    sep.push_bind(*id);
                }
                qb.push(")");
            }
            qb.build().execute(&mut *tx).await.map_err(backend)?;
            let mut kept = Vec::with_capacity(files.len());
            for p in files {
                let id: i64 = allocate!(tx, "file_drafts", 1i64);
                let sealed = self
                    .cipher
                    .encrypt_bytes(F_FILE_DRAFT, &id.to_string(), &p.bytes)
                    .map_err(crypto)?;
                let name: String = p.name.chars().take(200).collect();
                let size = i64::try_from(p.bytes.len()).unwrap_or(i64::MAX);
                sqlx::query(owner.insert_sql())
                    .bind(id)
                    .bind(&actor.name)
                    .bind(owner.id())
                    .bind(&name)
                    .bind(&p.content_type)
                    .bind(size)
                    .bind(sealed)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                kept.push(PhotoMeta {
                    id,
                    name,
                    content_type: p.content_type.clone(),
                    size,
                });
            }
            let detail = serde_json::json!({
                "target": target,
                "files": kept.iter().map(|k| k.id).collect::<Vec<_>>(),
            })
            .to_string();
            audit_in!(tx, actor, action, target, &detail);
            kept
        });
        Ok(kept)
    }

    /// Those of `ids` (at most `max`) still kept for `actor` about `owner`, in id order. The
    /// caller has checked the actor may write the form.
    pub(crate) async fn drafts_of(
        &self,
        actor: &Actor,
        owner: DraftOwner,
        ids: &[i64],
        max: usize,
    ) -> StoreResult<Vec<PhotoMeta>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = ids.iter().copied().take(max).collect();
        let rows: Vec<(i64, String, String, i64)> = read!(self, |pool| {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT id, name, content_type, size FROM file_drafts WHERE account = ",
            );
            qb.push_bind(actor.name.clone())
                .push(format!(" AND {} = ", owner.column()))
                .push_bind(owner.id())
                .push(" AND created_at >= ")
                .push_bind(draft_cutoff())
                .push(" AND id IN (");
            let mut sep = qb.separated(", ");
            for id in &ids {
                sep.push_bind(*id);
            }
            qb.push(") ORDER BY id");
            qb.build_query_as().fetch_all(pool).await.map_err(backend)?
        });
        Ok(rows
            .into_iter()
            .map(|(id, name, content_type, size)| PhotoMeta {
                id,
                name,
                content_type,
                size,
            })
            .collect())
    }
}
