//! Administrative divisions (行政区划) and village groups.

use crate::BATCH_ROWS;
use crate::SqlStore;
use crate::backend;
use crate::corrupt;
use async_trait::async_trait;
use dixian_domain::access::Actor;
use dixian_domain::access::Permission;
use dixian_domain::division::Division;
use dixian_domain::division::DivisionCode;
use dixian_domain::division::DivisionTable;
use dixian_domain::division::VillageGroup;
use dixian_store::DivisionStore;
use dixian_store::StoreResult;

#[async_trait]
impl DivisionStore for SqlStore {
    async fn put_divisions(&self, actor: &Actor, table: &DivisionTable) -> StoreResult<usize> {
        self.permit(actor, Permission::ManageReference, "行政区划")
            .await?;
        let divs: Vec<&Division> = table.divisions.values().collect();
        if let Some(d) = divs.iter().find(|d| !actor.scope.covers(&d.code)) {
            return Err(self.deny(actor, d.code.as_str()).await);
        }
        let detail = serde_json::json!({
            "divisions": divs.len(),
            "village_groups": table.groups.len(),
        })
        .to_string();
        write_tx!(self, |tx| {
            audit_in!(tx, actor, "divisions.put", "行政区划", &detail);
            for chunk in divs.chunks(BATCH_ROWS) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO divisions (code, name, level, parent_code) ",
                );
                qb.push_values(chunk, |mut b, d| {
                    b.push_bind(d.code.to_string())
                        .push_bind(d.name.clone())
                        .push_bind(d.code.level().as_str())
                        .push_bind(d.code.parent().map(|p| p.to_string()));
                });
                qb.push(" ON CONFLICT (code) DO UPDATE SET name = excluded.name");
                qb.build().execute(&mut *tx).await.map_err(backend)?;
            }
            for chunk in table.groups.chunks(BATCH_ROWS) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO village_groups (village_code, number, name) ",
                );
                qb.push_values(chunk, |mut b, g| {
                    b.push_bind(g.village.to_string())
                        .push_bind(i32::from(g.number))
                        .push_bind(g.name.clone());
                });
                qb.push(" ON CONFLICT (village_code, number) DO UPDATE SET name = excluded.name");
                qb.build().execute(&mut *tx).await.map_err(backend)?;
            }
        });
        Ok(divs.len())
    }

    async fn division(&self, code: &DivisionCode) -> StoreResult<Option<Division>> {
        let row: Option<DivisionRow> = read!(self, |pool| {
            sqlx::query_as("SELECT code, name FROM divisions WHERE code = $1")
                .bind(code.to_string())
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        row.map(DivisionRow::into_domain).transpose()
    }

    async fn child_divisions(&self, code: &DivisionCode) -> StoreResult<Vec<Division>> {
        let rows: Vec<DivisionRow> = read!(self, |pool| {
            sqlx::query_as("SELECT code, name FROM divisions WHERE parent_code = $1 ORDER BY code")
                .bind(code.to_string())
                .fetch_all(pool)
                .await
                .map_err(backend)?
        });
        divisions(rows)
    }

    async fn divisions_within(&self, code: &DivisionCode) -> StoreResult<Vec<Division>> {
        let (lo, hi) = code.code_range();
        let rows: Vec<DivisionRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT code, name FROM divisions WHERE code BETWEEN $1 AND $2 ORDER BY code",
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        divisions(rows)
    }

    async fn root_divisions(&self) -> StoreResult<Vec<Division>> {
        let rows: Vec<DivisionRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT d.code, d.name FROM divisions d
                 WHERE d.parent_code IS NULL
                    OR NOT EXISTS (SELECT 1 FROM divisions p WHERE p.code = d.parent_code)
                 ORDER BY d.code",
            )
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        divisions(rows)
    }

    async fn village_groups(&self, village: &DivisionCode) -> StoreResult<Vec<VillageGroup>> {
        let rows: Vec<(i32, String)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT number, name FROM village_groups WHERE village_code = $1 ORDER BY number",
            )
            .bind(village.to_string())
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter()
            .map(|(number, name)| {
                Ok(VillageGroup {
                    village: *village,
                    number: u16::try_from(number).map_err(|e| corrupt("村民小组编号", e))?,
                    name,
                })
            })
            .collect()
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DivisionRow {
    code: String,
    name: String,
}

impl DivisionRow {
    fn into_domain(self) -> StoreResult<Division> {
        let code = DivisionCode::parse(&self.code).map_err(|e| corrupt("区划代码", e))?;
        Ok(Division {
            code,
            name: self.name,
        })
    }
}

pub(crate) fn divisions(rows: Vec<DivisionRow>) -> StoreResult<Vec<Division>> {
    rows.into_iter().map(DivisionRow::into_domain).collect()
}
