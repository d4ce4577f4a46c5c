//! Visits (走访) and their photos: scoped like the household they are of, photos sealed like
//! case attachments, every write and every photo read audited.

use crate::{SqlStore, audit, backend, corrupt, crypto, parse_time};
use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use dixian_domain::access::{Actor, Permission};
use dixian_domain::division::DivisionCode;
use dixian_domain::registry::HouseholdCode;
use dixian_store::VisitStore;
use dixian_store::prelude::*;
use dixian_store::{NewVisit, PhotoMeta, StoreError, StoreResult, VisitRecord};
use dixian_store::{files::MAX_ATTACHMENT_BYTES, visits::MAX_VISIT_PHOTOS};

/// Field name of sealed visit photos (part of each ciphertext's associated data).
pub(crate) const F_VISIT_PHOTO: &str = "visit.photo";

#[derive(sqlx::FromRow)]
struct VisitRow {
    id: i64,
    code: String,
    case_id: Option<i64>,
    visited_on: NaiveDate,
    visitors: String,
    findings: String,
    follow_ups: String,
    created_at: String,
    created_by: String,
}

#[derive(sqlx::FromRow)]
struct PhotoRow {
    id: i64,
    visit_id: i64,
    name: String,
    content_type: String,
    size: i64,
}

fn checked(v: &NewVisit) -> StoreResult<(String, String, String)> {
    let names: Vec<&str> = v
        .visitors
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() || names.len() > 10 || names.iter().any(|n| n.chars().count() > 30) {
        return Err(StoreError::Invalid(
            "请填写走访人员（1到10人，每人姓名不超过30字）".into(),
        ));
    }
    let findings = v.findings.trim();
    if findings.is_empty() || findings.chars().count() > 2000 {
        return Err(StoreError::Invalid(
            "请填写走访发现的情况（不超过2000字）".into(),
        ));
    }
    let follow_ups = v.follow_ups.trim();
    if follow_ups.chars().count() > 2000 {
        return Err(StoreError::Invalid("后续措施不超过2000字".into()));
    }
    if v.photos.len() > MAX_VISIT_PHOTOS {
        return Err(StoreError::Invalid(format!(
            "每次走访最多{MAX_VISIT_PHOTOS}张照片，选了{}张",
            v.photos.len()
        )));
    }
    for p in &v.photos {
        if p.bytes.is_empty() || p.bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(StoreError::Invalid(format!(
                "照片“{}”为空或超过{} MB",
                p.name,
                MAX_ATTACHMENT_BYTES >> 20
            )));
        }
    }
    Ok((
        names.join("、"),
        findings.to_string(),
        follow_ups.to_string(),
    ))
}

/// Visits as records, each with the photos of `photos` that are its own.
fn records(rows: Vec<VisitRow>, photos: &[PhotoRow]) -> StoreResult<Vec<VisitRecord>> {
    let mut by_visit: std::collections::HashMap<i64, Vec<PhotoMeta>> =
        std::collections::HashMap::new();
    for p in photos {
        by_visit.entry(p.visit_id).or_default().push(PhotoMeta {
            id: p.id,
            name: p.name.clone(),
            content_type: p.content_type.clone(),
            size: p.size,
        });
    }
    rows.into_iter()
        .map(|r| {
            Ok(VisitRecord {
                id: r.id,
                household: HouseholdCode::parse(&r.code).map_err(|e| corrupt("户编号", e))?,
                case_id: r.case_id,
                visited_on: r.visited_on,
                visitors: r.visitors.split('、').map(str::to_string).collect(),
                findings: r.findings,
                follow_ups: r.follow_ups,
                photos: by_visit.remove(&r.id).unwrap_or_default(),
                created_at: parse_time("走访时间", &r.created_at)?,
                created_by: r.created_by,
            })
        })
        .collect()
}

impl SqlStore {
    /// A sealed file's row (name, type, size, ciphertext) opened for `actor`: decrypted and its
    /// reading audited as `action` on `target`; `None` when there is no row.
    pub(crate) async fn open_sealed(
        &self,
        actor: &Actor,
        field: &str,
        file_id: i64,
        row: Option<(String, String, i64, Vec<u8>)>,
        action: &str,
        target: &str,
    ) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>> {
        let Some((name, content_type, size, sealed)) = row else {
            return Ok(None);
        };
        let bytes = self
            .cipher
            .decrypt_bytes(field, &file_id.to_string(), &sealed)
            .map_err(crypto)?;
        let detail = serde_json::json!({ "file": file_id, "name": name }).to_string();
        self.audit(actor, action, target, &detail).await?;
        Ok(Some((
            PhotoMeta {
                id: file_id,
                name,
                content_type,
                size,
            },
            bytes,
        )))
    }
}

#[async_trait]
impl VisitStore for SqlStore {
    async fn add_visit(&self, actor: &Actor, v: &NewVisit) -> StoreResult<i64> {
        self.household_visible(actor, &v.household, Permission::HandleCases)
            .await?;
        let (visitors, findings, follow_ups) = checked(v)?;
        let found: Option<(i64, String)> = read!(self, |pool| {
            sqlx::query_as("SELECT id, village_code FROM households WHERE code = $1")
                .bind(v.household.as_str())
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        let (hid, village) =
            found.ok_or_else(|| StoreError::Invalid(format!("户编号{}不存在", v.household)))?;
        if let Some(case_id) = v.case_id {
            let of: Option<i64> = read!(self, |pool| {
                sqlx::query_scalar("SELECT household_id FROM monitoring_cases WHERE id = $1")
                    .bind(case_id)
                    .fetch_optional(pool)
                    .await
                    .map_err(backend)?
            });
            if of != Some(hid) {
                return Err(StoreError::Invalid(format!(
                    "案件#{case_id}不是户{}的案件",
                    v.household
                )));
            }
        }
        let detail = serde_json::json!({
            "household": v.household.as_str(),
            "case": v.case_id,
            "visited_on": v.visited_on.to_string(),
            "photos": v.photos.len(),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            let id: i64 = allocate!(tx, "visits", 1i64);
            sqlx::query(
                "INSERT INTO visits (id, household_id, case_id, village, visited_on, visitors,
                   findings, follow_ups, created_at, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(hid)
            .bind(v.case_id)
            .bind(&village)
            .bind(v.visited_on)
            .bind(&visitors)
            .bind(&findings)
            .bind(&follow_ups)
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            for p in &v.photos {
                let pid: i64 = allocate!(tx, "visit_photos", 1i64);
                let sealed = self
                    .cipher
                    .encrypt_bytes(F_VISIT_PHOTO, &pid.to_string(), &p.bytes)
                    .map_err(crypto)?;
                sqlx::query(
                    "INSERT INTO visit_photos (id, visit_id, name, content_type, size, body_enc)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(pid)
                .bind(id)
                .bind(p.name.chars().take(200).collect::<String>())
                .bind(&p.content_type)
                .bind(i64::try_from(p.bytes.len()).unwrap_or(i64::MAX))
                .bind(sealed)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            let target = format!("走访#{id}");
            audit_in!(tx, actor, "visit.create", &target, &detail);
            id
        });
        Ok(id)
    }

    async fn visits(&self, actor: &Actor, code: &HouseholdCode) -> StoreResult<Vec<VisitRecord>> {
        self.household_visible(actor, code, Permission::ViewRegistry)
            .await?;
        let (rows, photos): (Vec<VisitRow>, Vec<PhotoRow>) = read!(self, |pool| {
            let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT v.id, h.code, v.case_id, v.visited_on, v.visitors, v.findings,
                   v.follow_ups, v.created_at, {} AS created_by
                 FROM visits v JOIN households h ON h.id = v.household_id
                 WHERE h.code = $1 ORDER BY v.visited_on DESC, v.id DESC",
                crate::shown_name("v.created_by")
            )))
            .bind(code.as_str())
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            let photos = sqlx::query_as(
                "SELECT p.id, p.visit_id, p.name, p.content_type, p.size
                 FROM visit_photos p JOIN visits v ON v.id = p.visit_id
                 JOIN households h ON h.id = v.household_id
                 WHERE h.code = $1 ORDER BY p.id",
            )
            .bind(code.as_str())
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            (rows, photos)
        });
        records(rows, &photos)
    }

    async fn visits_within(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<VisitRecord>> {
        self.permit(actor, Permission::ViewRegistry, "走访").await?;
        let (lo, hi) = self.area_range(actor, within).await?;
        let who = crate::assigned_to(actor);
        let (rows, photos): (Vec<VisitRow>, Vec<PhotoRow>) = read!(self, |pool| {
            let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT v.id, h.code, v.case_id, v.visited_on, v.visitors, v.findings,
                   v.follow_ups, v.created_at, {} AS created_by
                 FROM visits v JOIN households h ON h.id = v.household_id
                 WHERE v.village BETWEEN $1 AND $2 {} ORDER BY v.visited_on DESC, v.id DESC",
                crate::shown_name("v.created_by"),
                crate::assigned_only(3)
            )))
            .bind(&lo)
            .bind(&hi)
            .bind(who)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            let photos = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT p.id, p.visit_id, p.name, p.content_type, p.size
                 FROM visit_photos p JOIN visits v ON v.id = p.visit_id
                 JOIN households h ON h.id = v.household_id
                 WHERE v.village BETWEEN $1 AND $2 {} ORDER BY p.id",
                crate::assigned_only(3)
            )))
            .bind(&lo)
            .bind(&hi)
            .bind(who)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            (rows, photos)
        });
        records(rows, &photos)
    }

    async fn visit_dates(
        &self,
        actor: &Actor,
        since: NaiveDate,
    ) -> StoreResult<Vec<(HouseholdCode, NaiveDate)>> {
        self.permit(actor, Permission::ViewRegistry, "走访").await?;
        let (lo, hi) = actor.scope.code_range();
        let rows: Vec<(String, NaiveDate)> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT h.code, v.visited_on FROM visits v JOIN households h ON h.id = v.household_id
                 WHERE v.village BETWEEN $1 AND $2 AND v.visited_on >= $3 {}",
                crate::assigned_only(4)
            )))
            .bind(&lo)
            .bind(&hi)
            .bind(since)
            .bind(crate::assigned_to(actor))
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter()
            .map(|(c, d)| {
                Ok((
                    HouseholdCode::parse(&c).map_err(|e| corrupt("户编号", e))?,
                    d,
                ))
            })
            .collect()
    }

    async fn visit_photo(
        &self,
        actor: &Actor,
        visit_id: i64,
        photo_id: i64,
    ) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>> {
        let code: Option<String> = read!(self, |pool| {
            sqlx::query_scalar(
                "SELECT h.code FROM visits v JOIN households h ON h.id = v.household_id
                 WHERE v.id = $1",
            )
            .bind(visit_id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        // Opening a photo is handling the household's case: a viewer sees that photos exist.
        self.permit(actor, Permission::HandleCases, &format!("走访#{visit_id}"))
            .await?;
        let Some(code) = code else { return Ok(None) };
        let code = HouseholdCode::parse(&code).map_err(|e| corrupt("户编号", e))?;
        if !crate::out_of_sight(
            self.household_visible(actor, &code, Permission::HandleCases)
                .await,
        )? {
            return Ok(None);
        }
        let row: Option<(String, String, i64, Vec<u8>)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT name, content_type, size, body_enc FROM visit_photos
                 WHERE id = $1 AND visit_id = $2",
            )
            .bind(photo_id)
            .bind(visit_id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        self.open_sealed(
            actor,
            F_VISIT_PHOTO,
            photo_id,
            row,
            "visit.photo.read",
            &format!("走访#{visit_id}"),
        )
        .await
    }
}
