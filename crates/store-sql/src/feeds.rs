//! Department feeds (部门数据): deliveries matched to the registry of the uploader's area by
//! the blind index of the ID number, stored whole in one transaction, replacing the month's
//! earlier delivery; the same file twice changes nothing. The ID numbers themselves are not
//! kept: a row keeps the person it matched, or none.

use crate::{F_ID_NUMBER, SqlStore, audit, backend, corrupt, parse_time};
use async_trait::async_trait;
use chrono::NaiveDate;
use chrono::Utc;
use dixian_domain::access::{Actor, Permission, Role, Scope};
use dixian_domain::division::DivisionCode;
use dixian_domain::registry::HouseholdCode;
use dixian_domain::screening::{Department, Period};
use dixian_store::FeedStore;
use dixian_store::feeds::MAX_DELIVERY_ROWS;
use dixian_store::prelude::*;
use dixian_store::{
    Delivered, DeliveryRecord, HouseholdFeedRow, NewDelivery, StoreError, StoreResult,
};
use std::collections::HashMap;

/// Rows per INSERT statement: few round trips, well under both databases' bind limits.
const ROWS_PER_INSERT: usize = 500;

#[derive(Clone, sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    department: String,
    period: String,
    area: String,
    file_name: String,
    digest: String,
    rows_read: i64,
    accepted: i64,
    rejected: i64,
    unmatched: i64,
    current: bool,
    delivered_by: String,
    delivered_at: String,
}

impl DeliveryRow {
    fn into_record(self) -> StoreResult<DeliveryRecord> {
        Ok(DeliveryRecord {
            id: self.id,
            department: Department::parse(&self.department)
                .ok_or_else(|| corrupt("数据提供部门", &self.department))?,
            period: Period::parse(&self.period).ok_or_else(|| corrupt("数据月份", &self.period))?,
            area: DivisionCode::parse(&self.area).map_err(|e| corrupt("数据范围", e))?,
            file_name: self.file_name,
            digest: self.digest,
            rows_read: self.rows_read,
            accepted: self.accepted,
            rejected: self.rejected,
            unmatched: self.unmatched,
            current: self.current,
            delivered_by: self.delivered_by,
            delivered_at: parse_time("交付时间", &self.delivered_at)?,
        })
    }
}

/// The uploader as the account's display name (see [`crate::shown_name`]).
const DELIVERY_COLUMNS: &str = "id, department, period, area, file_name, digest, rows_read, \
     accepted, rejected, unmatched, current, \
     COALESCE((SELECT u.display_name FROM users u WHERE u.username = feed_deliveries.delivered_by), \
     feed_deliveries.delivered_by) AS delivered_by, delivered_at";

impl SqlStore {
    /// The department of a 部门数据员's account; `None` for every other actor.
    async fn officer_department(&self, actor: &Actor) -> StoreResult<Option<Option<Department>>> {
        if actor.role != Some(Role::DepartmentOfficer) {
            return Ok(None);
        }
        let Some(user_id) = actor.user_id else {
            return Ok(Some(None));
        };
        let department: Option<Option<String>> = read!(self, |pool| {
            sqlx::query_scalar("SELECT department FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        Ok(Some(
            department.flatten().as_deref().and_then(Department::parse),
        ))
    }
}

#[async_trait]
impl FeedStore for SqlStore {
    async fn deliver_feed(&self, actor: &Actor, d: &NewDelivery) -> StoreResult<Delivered> {
        let target = format!("{}{}数据", d.period, d.department.label());
        self.permit(actor, Permission::UploadFeed, &target).await?;
        if let Some(own) = self.officer_department(actor).await?
            && own != Some(d.department)
        {
            return Err(self
                .refuse(
                    actor,
                    &target,
                    serde_json::json!({ "department": d.department.code(), "own": own.map(|o| o.code()) }),
                )
                .await);
        }
        let area = match &actor.scope {
            Scope::Within(root) => *root,
            Scope::Everything => {
                return Err(StoreError::Invalid(
                    "部门数据须由有辖区的账号上传（数据范围即账号的辖区）".into(),
                ));
            }
        };
        if d.rows.len() > MAX_DELIVERY_ROWS {
            return Err(StoreError::Invalid(format!(
                "一次最多交付{MAX_DELIVERY_ROWS}行，本文件{}行，请分成几个文件",
                d.rows.len()
            )));
        }
        let file_name: String = d.file_name.chars().take(200).collect();
        let (department, period, area_text) =
            (d.department.code(), d.period.to_string(), area.to_string());
        let earlier: Option<DeliveryRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {DELIVERY_COLUMNS} FROM feed_deliveries
                 WHERE department = $1 AND period = $2 AND area = $3 AND current = $4"
            )))
            .bind(department)
            .bind(&period)
            .bind(&area_text)
            .bind(true)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        if let Some(e) = earlier.as_ref().filter(|e| e.digest == d.digest) {
            let record = e.clone().into_record()?;
            let detail =
                serde_json::json!({ "delivery": record.id, "unchanged": true }).to_string();
            self.audit(actor, "feed.deliver", &target, &detail).await?;
            return Ok(Delivered::Unchanged(record));
        }
        // Persons of the area by the blind index of their ID number.
        let (lo, hi) = area.code_range();
        let people: Vec<(Vec<u8>, i64, i64)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT p.id_number_bidx, p.id, p.household_id
                 FROM persons p JOIN households h ON h.id = p.household_id
                 WHERE h.village_code BETWEEN $1 AND $2",
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        let by_index: HashMap<Vec<u8>, (i64, i64)> =
            people.into_iter().map(|(b, p, h)| (b, (p, h))).collect();
        let matched: Vec<Option<(i64, i64)>> = d
            .rows
            .iter()
            .map(|r| {
                let bidx = self.cipher.blind_index(F_ID_NUMBER, r.id_number.as_str());
                by_index.get(&bidx[..]).copied()
            })
            .collect();
        let unmatched: Vec<(i64, String)> = d
            .rows
            .iter()
            .zip(&matched)
            .filter(|(_, m)| m.is_none())
            .map(|(r, _)| (r.row, r.id_number.masked()))
            .collect();
        let now = audit::timestamp(Utc::now());
        let accepted = i64::try_from(d.rows.len()).unwrap_or(i64::MAX);
        let unmatched_count = i64::try_from(unmatched.len()).unwrap_or(i64::MAX);
        let replaced = earlier.as_ref().map(|e| e.id);
        let detail = serde_json::json!({
            "file": file_name,
            "digest": d.digest,
            "rows_read": d.rows_read,
            "accepted": accepted,
            "rejected": d.rejected,
            "unmatched": unmatched_count,
            "replaces": replaced,
        })
        .to_string();
        let id = write_tx!(self, |tx| {
            let id: i64 = allocate!(tx, "feed_deliveries", 1i64);
            if let Some(old) = replaced {
                sqlx::query("UPDATE feed_deliveries SET current = $1 WHERE id = $2")
                    .bind(false)
                    .bind(old)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
            }
            sqlx::query(
                "INSERT INTO feed_deliveries (id, department, period, area, file_name, digest,
                   rows_read, accepted, rejected, unmatched, current, delivered_by, delivered_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(id)
            .bind(department)
            .bind(&period)
            .bind(&area_text)
            .bind(&file_name)
            .bind(&d.digest)
            .bind(d.rows_read)
            .bind(accepted)
            .bind(d.rejected)
            .bind(unmatched_count)
            .bind(true)
            .bind(&actor.name)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            for (rows, found) in d
                .rows
                .chunks(ROWS_PER_INSERT)
                .zip(matched.chunks(ROWS_PER_INSERT))
            {
                let mut sql = String::from(
                    "INSERT INTO feed_rows (delivery_id, row_no, person_id, household_id,
                       on_date, amount_fen, amount2_fen, detail) VALUES ",
                );
                for i in 0..rows.len() {
                    let b = i * 8;
                    if i > 0 {
                        sql.push(',');
                    }
                    sql.push_str(&format!(
                        "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5,
                        b + 6,
                        b + 7,
                        b + 8
                    ));
                }
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (r, m) in rows.iter().zip(found) {
                    q = q
                        .bind(id)
                        .bind(r.row)
                        .bind(m.map(|(p, _)| p))
                        .bind(m.map(|(_, h)| h))
                        .bind(r.on)
                        .bind(r.amount_fen)
                        .bind(r.amount2_fen)
                        .bind(r.detail.clone());
                }
                q.execute(&mut *tx).await.map_err(backend)?;
            }
            audit_in!(tx, actor, "feed.deliver", &target, &detail);
            id
        });
        let record = DeliveryRecord {
            id,
            department: d.department,
            period: d.period,
            area,
            file_name,
            digest: d.digest.clone(),
            rows_read: d.rows_read,
            accepted,
            rejected: d.rejected,
            unmatched: unmatched_count,
            current: true,
            delivered_by: actor.name.clone(),
            delivered_at: parse_time("交付时间", &now)?,
        };
        Ok(Delivered::Recorded {
            record,
            replaced,
            unmatched,
        })
    }

    async fn deliveries(&self, actor: &Actor, limit: i64) -> StoreResult<Vec<DeliveryRecord>> {
        let officer = self.officer_department(actor).await?;
        if officer.is_none() {
            self.permit(actor, Permission::HandleCases, "部门数据")
                .await?;
        }
        let rows: Vec<DeliveryRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {DELIVERY_COLUMNS} FROM feed_deliveries ORDER BY id DESC"
            )))
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        let mut out = Vec::new();
        for r in rows {
            let record = r.into_record()?;
            // An area is seen by whoever covers it or works inside it.
            let visible = match &actor.scope {
                Scope::Everything => true,
                Scope::Within(root) => root.is_within(&record.area) || record.area.is_within(root),
            };
            let department_ok = match officer {
                Some(own) => own == Some(record.department),
                None => true,
            };
            if visible && department_ok {
                out.push(record);
                if out.len() as i64 >= limit.max(1) {
                    break;
                }
            }
        }
        Ok(out)
    }

    async fn household_feed_rows(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        departments: &[Department],
    ) -> StoreResult<Vec<HouseholdFeedRow>> {
        // Scope, a cadre's own households only, denial audited: as every read of a household.
        self.household_visible(actor, code, Permission::HandleCases)
            .await?;
        if departments.is_empty() {
            return Ok(Vec::new());
        }
        let village: Option<String> = read!(self, |pool| {
            sqlx::query_scalar("SELECT village_code FROM households WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        let Some(village) = village else {
            return Ok(Vec::new());
        };
        let village = DivisionCode::parse(&village).map_err(|e| corrupt("村代码", e))?;
        // Of each department, the newest current delivery for an area holding the household:
        // a car sold before the latest month's file no longer counts.
        let all: Vec<DeliveryRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {DELIVERY_COLUMNS} FROM feed_deliveries WHERE current = $1 ORDER BY id"
            )))
            .bind(true)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        let mut newest: HashMap<Department, DeliveryRecord> = HashMap::new();
        for r in all {
            let d = r.into_record()?;
            if !departments.contains(&d.department) || !village.is_within(&d.area) {
                continue;
            }
            match newest.get(&d.department) {
                Some(n) if (n.period, n.id) >= (d.period, d.id) => {}
                _ => {
                    newest.insert(d.department, d);
                }
            }
        }
        if newest.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = newest.values().map(|d| d.id.to_string()).collect();
        // The member as the registry has them now: living in this household.
        let sql = format!(
            "SELECT d.department, d.period, r.row_no, p.name, r.on_date, r.amount_fen,
               r.amount2_fen, r.detail
             FROM feed_rows r
             JOIN feed_deliveries d ON d.id = r.delivery_id
             JOIN persons p ON p.id = r.person_id
             JOIN households h ON h.id = p.household_id
             WHERE h.code = $1 AND p.status = $2 AND r.delivery_id IN ({})
             ORDER BY r.on_date, d.id, r.row_no",
            ids.join(", ")
        );
        type Row = (String, String, i64, String, NaiveDate, i64, i64, String);
        let rows: Vec<Row> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(code.as_str())
                .bind("in_household")
                .fetch_all(pool)
                .await
                .map_err(backend)?
        });
        let detail = serde_json::json!({
            "departments": departments.iter().map(|d| d.code()).collect::<Vec<_>>(),
            "deliveries": newest.values().map(|d| d.id).collect::<Vec<_>>(),
            "rows": rows.len(),
        })
        .to_string();
        self.audit(actor, "feed.household.read", code.as_str(), &detail)
            .await?;
        rows.into_iter()
            .map(|(dept, period, row, name, on, a, b, detail)| {
                Ok(HouseholdFeedRow {
                    department: Department::parse(&dept)
                        .ok_or_else(|| corrupt("数据提供部门", &dept))?,
                    period: Period::parse(&period).ok_or_else(|| corrupt("数据月份", &period))?,
                    row,
                    person_name: name,
                    on,
                    amount_fen: a,
                    amount2_fen: b,
                    detail,
                })
            })
            .collect()
    }
}
