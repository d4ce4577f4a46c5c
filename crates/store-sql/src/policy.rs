//! Policy packs (政策包): stored as their source text, validated again when read.

use crate::SqlStore;
use crate::backend;
use crate::corrupt;
use async_trait::async_trait;
use chrono::Utc;
use dixian_domain::access::Actor;
use dixian_domain::access::Permission;
use dixian_domain::policy::Pack;
use dixian_gm::to_hex;
use dixian_store::PolicyStore;
use dixian_store::StoreError;
use dixian_store::StoreResult;

#[async_trait]
impl PolicyStore for SqlStore {
    async fn put_policy_pack(&self, actor: &Actor, pack: &Pack) -> StoreResult<()> {
        let h = pack.header();
        self.permit(actor, Permission::ManageReference, &h.id)
            .await?;
        let detail = serde_json::json!({
            "file": pack.file,
            "sm3": to_hex(&dixian_gm::sm3(pack.text.as_bytes())),
        })
        .to_string();
        write_tx!(self, |tx| {
            audit_in!(tx, actor, "policy.put", &h.id, &detail);
            sqlx::query(
                "INSERT INTO policy_packs (id, file_name, level, region_code, effective_from, body, loaded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (id) DO UPDATE SET file_name = excluded.file_name, level = excluded.level,
                   region_code = excluded.region_code, effective_from = excluded.effective_from,
                   body = excluded.body, loaded_at = excluded.loaded_at",
            )
            .bind(&h.id)
            .bind(&pack.file)
            .bind(h.level.label())
            .bind(h.region.map(|r| r.to_string()))
            .bind(h.effective_from)
            .bind(&pack.text)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        });
        Ok(())
    }

    async fn policy_packs(&self) -> StoreResult<Vec<Pack>> {
        let rows: Vec<PackRow> = read!(self, |pool| {
            sqlx::query_as("SELECT file_name, body FROM policy_packs ORDER BY effective_from, id")
                .fetch_all(pool)
                .await
                .map_err(backend)?
        });
        let mut cache = self
            .parsed_packs
            .lock()
            .map_err(|_| StoreError::Backend("政策包缓存不可用".into()))?;
        // Only the packs stored now stay: a replaced pack's old text is dropped.
        cache
            .retain(|(file, body), _| rows.iter().any(|r| &r.file_name == file && &r.body == body));
        rows.into_iter()
            .map(|r| {
                let key = (r.file_name, r.body);
                if let Some(p) = cache.get(&key) {
                    return Ok(p.clone());
                }
                let pack = Pack::parse_stored(&key.0, &key.1).map_err(|issues| {
                    let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
                    corrupt("政策包", text.join("；"))
                })?;
                cache.insert(key, pack.clone());
                Ok(pack)
            })
            .collect()
    }
}

#[derive(sqlx::FromRow)]
struct PackRow {
    file_name: String,
    body: String,
}
