//! The database itself (系统维护): health, schema version, settings, key rotation and backup.

use crate::Db;
use crate::F_BANK;
use crate::F_ID_NUMBER;
use crate::F_KEY_CHECK;
use crate::F_PHONE;
use crate::SqlStore;
use crate::backend;
use crate::crypto;
use crate::{monitoring, problems, visits};
use async_trait::async_trait;
use dixian_domain::access::Actor;
use dixian_domain::access::Permission;
use dixian_domain::access::Scope;
use dixian_gm::to_hex;
use dixian_store::DbKind;
use dixian_store::RotationReport;
use dixian_store::StoreError;
use dixian_store::StoreResult;
use dixian_store::SystemStore;
use dixian_store::prelude::*;
use std::path::Path;

#[async_trait]
impl SystemStore for SqlStore {
    fn kind(&self) -> DbKind {
        match self.db {
            Db::Sqlite { .. } => DbKind::Sqlite,
            Db::Postgres(_) => DbKind::Postgres,
        }
    }

    async fn ping(&self) -> StoreResult<()> {
        read!(self, |pool| {
            sqlx::query("SELECT 1")
                .execute(pool)
                .await
                .map_err(backend)?;
        });
        Ok(())
    }

    async fn schema_version(&self) -> StoreResult<i64> {
        read!(self, |pool| {
            let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
                .fetch_one(pool)
                .await
                .map_err(backend)?;
            Ok(v.unwrap_or(0))
        })
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        read!(self, |pool| {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await
                .map_err(backend)
        })
    }

    async fn put_setting(&self, actor: &Actor, key: &str, value: &str) -> StoreResult<()> {
        // Security settings belong to the security administrator alone (三员分立).
        let needed = if key.starts_with("security.") {
            Permission::ManageSecurity
        } else {
            Permission::ManageReference
        };
        self.permit(actor, needed, key).await?;
        let before = self.setting(key).await?;
        let detail = serde_json::json!({ "before": before, "after": value }).to_string();
        write_tx!(self, |tx| {
            audit_in!(tx, actor, "setting.put", key, &detail);
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        });
        Ok(())
    }

    async fn rotate_keys(&self, actor: &Actor, batch: usize) -> StoreResult<RotationReport> {
        self.permit(actor, Permission::ManageSecurity, "keys")
            .await?;
        if actor.scope != Scope::Everything {
            return Err(self.deny(actor, "keys").await);
        }
        let batch = i64::try_from(batch.clamp(1, 10_000)).unwrap_or(1_000);
        let mut report = RotationReport::default();
        // Keyset pagination: each page is read, re-encrypted, and written in its own short
        // transaction, so writers of the running service are never blocked for long.
        macro_rules! rotate_column {
            ($table:literal, $column:literal, $field:expr, $count:expr) => {{
                let mut last = 0i64;
                loop {
                    let rows: Vec<(i64, Option<Vec<u8>>)> = read!(self, |pool| {
                        sqlx::query_as(concat!(
                            "SELECT id, ",
                            $column,
                            " FROM ",
                            $table,
                            " WHERE id > $1 ORDER BY id LIMIT $2"
                        ))
                        .bind(last)
                        .bind(batch)
                        .fetch_all(pool)
                        .await
                        .map_err(backend)?
                    });
                    let Some((max_id, _)) = rows.last() else {
                        break;
                    };
                    last = *max_id;
                    let mut updates = Vec::new();
                    for (id, blob) in rows {
                        let Some(blob) = blob else { continue };
                        if !self.cipher.needs_rotation(&blob) {
                            continue;
                        }
                        let record = id.to_string();
                        let plain = self
                            .cipher
                            .decrypt_bytes($field, &record, &blob)
                            .map_err(crypto)?;
                        updates.push((
                            id,
                            self.cipher
                                .encrypt_bytes($field, &record, &plain)
                                .map_err(crypto)?,
                        ));
                    }
                    if updates.is_empty() {
                        continue;
                    }
                    $count += updates.len();
                    write_tx!(self, |tx| {
                        for (id, blob) in &updates {
                            sqlx::query(concat!(
                                "UPDATE ",
                                $table,
                                " SET ",
                                $column,
                                " = $1 WHERE id = $2"
                            ))
                            .bind(blob)
                            .bind(*id)
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?;
                        }
                    });
                }
            }};
        }
        rotate_column!("persons", "id_number_enc", F_ID_NUMBER, report.persons);
        rotate_column!("households", "phone_enc", F_PHONE, report.households);
        rotate_column!("households", "bank_enc", F_BANK, report.bank_accounts);
        rotate_column!(
            "monitoring_leads",
            "applicant_id_enc",
            monitoring::F_APPLICANT_ID,
            report.monitoring
        );
        rotate_column!(
            "monitoring_leads",
            "applicant_phone_enc",
            monitoring::F_APPLICANT_PHONE,
            report.monitoring
        );
        rotate_column!(
            "case_attachments",
            "body_enc",
            monitoring::F_ATTACHMENT,
            report.monitoring
        );
        rotate_column!(
            "visit_photos",
            "body_enc",
            visits::F_VISIT_PHOTO,
            report.monitoring
        );
        rotate_column!(
            "file_drafts",
            "body_enc",
            crate::drafts::F_FILE_DRAFT,
            report.monitoring
        );
        rotate_column!(
            "problem_files",
            "body_enc",
            problems::F_PROBLEM_FILE,
            report.monitoring
        );
        rotate_column!(
            "rectification_files",
            "body_enc",
            crate::rectification::F_ITEM_FILE,
            report.monitoring
        );
        rotate_column!(
            "project_files",
            "body_enc",
            crate::funds::F_PROJECT_FILE,
            report.monitoring
        );
        rotate_column!(
            "team_members",
            "id_number_enc",
            crate::teams::F_MEMBER_ID,
            report.monitoring
        );
        rotate_column!(
            "complaints",
            "phone_enc",
            crate::complaints::F_COMPLAINT_PHONE,
            report.monitoring
        );
        let blob = self
            .cipher
            .encrypt(F_KEY_CHECK, "0", "dixian")
            .map_err(crypto)?;
        self.put_setting(actor, "keys.check", &to_hex(&blob))
            .await?;
        let detail = serde_json::json!({
            "key": self.cipher.current_key_id(),
            "persons": report.persons,
            "households": report.households,
        })
        .to_string();
        self.audit(actor, "keys.rotate", "个人信息加密密钥", &detail)
            .await?;
        tracing::info!(
            persons = report.persons,
            households = report.households,
            key = self.cipher.current_key_id(),
            "已用新密钥重新加密"
        );
        Ok(report)
    }

    async fn backup_to(&self, path: &Path) -> StoreResult<()> {
        match &self.db {
            Db::Sqlite { read, .. } => {
                if path.exists() {
                    return Err(StoreError::Conflict(format!(
                        "备份文件{}已存在，请换一个文件名",
                        path.display()
                    )));
                }
                let target = path.to_str().ok_or_else(|| {
                    StoreError::Backend(format!("备份路径{}含有无法处理的字符", path.display()))
                })?;
                // An empty file of the owner's only: VACUUM INTO fills an empty file.
                crate::owner_only(path).map_err(|e| {
                    StoreError::Backend(format!("无法创建备份文件{}：{e}", path.display()))
                })?;
                // VACUUM INTO copies one consistent snapshot, defragmented, without blocking writers.
                sqlx::query("VACUUM INTO $1")
                    .bind(target)
                    .execute(read)
                    .await
                    .map_err(|e| StoreError::Backend(format!("备份失败：{e}")))?;
                Ok(())
            }
            Db::Postgres(_) => Err(StoreError::Backend(
                "PostgreSQL 数据库请用 pg_dump 备份（见 docs/operations.md）".into(),
            )),
        }
    }
}
