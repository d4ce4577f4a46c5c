//! Visits (走访) and their photos: scoped like the household they are of, photos sealed like
//! case attachments, every write and every photo read audited.

use crate::{LIVING_HEAD_NAME, SqlStore, audit, backend, corrupt, crypto, parse_time};
use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use dixian_domain::access::{Actor, Permission};
use dixian_domain::division::DivisionCode;
use dixian_domain::registry::HouseholdCode;
use dixian_store::VisitStore;
use dixian_store::files::MAX_ATTACHMENT_BYTES;
use dixian_store::prelude::*;
use dixian_store::visits::{MAX_VISIT_PHOTOS, MAX_VISIT_TEXT, MAX_VISITOR_NAME, MAX_VISITORS};
use dixian_store::{NewAttachment, NewVisit, PhotoMeta, StoreError, StoreResult, VisitRecord};
use dixian_store::{VisitFilter, VisitLine, VisitPage};

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
struct ListedVisit {
    #[sqlx(flatten)]
    visit: VisitRow,
    village_name: Option<String>,
    head_name: Option<String>,
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
    if names.is_empty()
        || names.len() > MAX_VISITORS
        || names.iter().any(|n| n.chars().count() > MAX_VISITOR_NAME)
    {
        return Err(StoreError::Invalid(format!(
            "请填写走访人员（1到{MAX_VISITORS}人，每人姓名不超过{MAX_VISITOR_NAME}字）"
        )));
    }
    let findings = v.findings.trim();
    if findings.is_empty() || findings.chars().count() > MAX_VISIT_TEXT {
        return Err(StoreError::Invalid(format!(
            "请填写走访发现的情况（不超过{MAX_VISIT_TEXT}字）"
        )));
    }
    let follow_ups = v.follow_ups.trim();
    if follow_ups.chars().count() > MAX_VISIT_TEXT {
        return Err(StoreError::Invalid(format!(
            "后续措施不超过{MAX_VISIT_TEXT}字"
        )));
    }
    let chosen = v.photos.len() + v.drafts.len();
    if chosen > MAX_VISIT_PHOTOS {
        return Err(StoreError::Invalid(format!(
            "每次走访最多{MAX_VISIT_PHOTOS}张照片，选了{chosen}张"
        )));
    }
    checked_photos(&v.photos)?;
    Ok((
        names.join("、"),
        findings.to_string(),
        follow_ups.to_string(),
    ))
}

fn checked_photos(photos: &[NewAttachment]) -> StoreResult<()> {
    if photos.len() > MAX_VISIT_PHOTOS {
        return Err(StoreError::Invalid(format!(
            "每次走访最多{MAX_VISIT_PHOTOS}张照片，选了{}张",
            photos.len()
        )));
    }
    for p in photos {
        if p.bytes.is_empty() || p.bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(StoreError::Invalid(format!(
                "照片“{}”为空或超过{} MB",
                p.name,
                MAX_ATTACHMENT_BYTES >> 20
            )));
        }
    }
    Ok(())
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
    /// Sealed file `file_id` of `table`, belonging to `owner` by column `owner_column`, opened
    /// for `actor`: decrypted and its reading audited as `action` on `target`; `None` when
    /// there is no such file. The caller has checked the actor may see the owner.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn read_sealed(
        &self,
        actor: &Actor,
        field: &str,
        (table, owner_column): (&'static str, &'static str),
        owner: i64,
        file_id: i64,
        action: &str,
        target: &str,
    ) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>> {
        let row: Option<(String, String, i64, Vec<u8>)> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT name, content_type, size, body_enc FROM {table}
                  WHERE id = $1 AND {owner_column} = $2"
            )))
            .bind(file_id)
            .bind(owner)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
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
            "photos": v.photos.len() + v.drafts.len(),
            "kept_photos": v.drafts,
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
            // Kept photos are taken inside the transaction: two saves of one form cannot both
            // take them.
            let kept = take_drafts!(
                self,
                tx,
                actor,
                crate::drafts::DraftOwner::Household(hid),
                &v.drafts
            );
            for p in v.photos.iter().chain(&kept) {
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

    async fn visit_list(&self, actor: &Actor, f: &VisitFilter) -> StoreResult<VisitPage> {
        self.permit(actor, Permission::ViewRegistry, "走访").await?;
        let (lo, hi) = self.area_range(actor, f.within.as_ref()).await?;
        let cadre = crate::assigned_to(actor);
        let text = dixian_store::search_words(&f.text);
        let find = self.find_fn();
        // The same conditions for the page and for the count.
        macro_rules! conditions {
            ($qb:ident) => {{
                $qb.push(" WHERE v.village BETWEEN ")
                    .push_bind(lo.clone())
                    .push(" AND ")
                    .push_bind(hi.clone());
                if cadre != 0 {
                    $qb.push(
                        " AND h.id IN (SELECT household_id FROM cadre_assignments WHERE user_id = ",
                    )
                    .push_bind(cadre)
                    .push(")");
                }
                if let Some(h) = &f.household {
                    $qb.push(" AND h.code = ").push_bind(h.as_str().to_string());
                }
                if let Some(d) = &f.designation {
                    crate::push_designated(&mut $qb, "v.village", d);
                }
                if let Some(from) = f.from {
                    $qb.push(" AND v.visited_on >= ").push_bind(from);
                }
                if let Some(to) = f.to {
                    $qb.push(" AND v.visited_on <= ").push_bind(to);
                }
                match f.in_case {
                    Some(true) => {
                        $qb.push(" AND v.case_id IS NOT NULL");
                    }
                    Some(false) => {
                        $qb.push(" AND v.case_id IS NULL");
                    }
                    None => {}
                }
                if !text.is_empty() {
                    $qb.push(format!(" AND ({find}(h.code, "))
                        .push_bind(text.clone())
                        .push(format!(") > 0 OR {find}(v.visitors, "))
                        .push_bind(text.clone())
                        // Each visit's household probed by its index, not every person of the
                        // area scanned (a name matched only against the visits' heads).
                        .push(format!(
                            ") > 0 OR EXISTS (SELECT 1 FROM persons hp WHERE hp.household_id = h.id \
                             AND hp.relation = 'head' AND hp.status = 'in_household' \
                             AND {find}(hp.name, "
                        ))
                        .push_bind(text.clone())
                        .push(") > 0))");
                }
            }};
        }
        let limit = f.limit.clamp(1, 1_000);
        let offset = f.offset.max(0);
        let (rows, total): (Vec<ListedVisit>, i64) = read!(self, |pool| {
            let mut qb = sqlx::QueryBuilder::new(format!(
                "SELECT v.id, h.code, v.case_id, v.visited_on, v.visitors, v.findings,
                   v.follow_ups, v.created_at, {} AS created_by, d.name AS village_name,
                   {LIVING_HEAD_NAME} AS head_name
                 FROM visits v JOIN households h ON h.id = v.household_id
                 LEFT JOIN divisions d ON d.code = v.village",
                crate::shown_name("v.created_by")
            ));
            conditions!(qb);
            qb.push(" ORDER BY v.visited_on DESC, v.id DESC LIMIT ")
                .push_bind(limit)
                .push(" OFFSET ")
                .push_bind(offset);
            let rows = qb.build_query_as().fetch_all(pool).await.map_err(backend)?;
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT COUNT(*) FROM visits v JOIN households h ON h.id = v.household_id",
            );
            conditions!(qb);
            let total: i64 = qb
                .build_query_scalar()
                .fetch_one(pool)
                .await
                .map_err(backend)?;
            (rows, total)
        });
        let ids: Vec<i64> = rows.iter().map(|r| r.visit.id).collect();
        let photos: Vec<PhotoRow> = if ids.is_empty() {
            Vec::new()
        } else {
            read!(self, |pool| {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT id, visit_id, name, content_type, size FROM visit_photos WHERE visit_id IN (",
                );
                let mut sep = qb.separated(", ");
                for id in &ids {
                    sep.push_bind(*id);
                }
                qb.push(") ORDER BY id");
                qb.build_query_as().fetch_all(pool).await.map_err(backend)?
            })
        };
        let mut names = Vec::with_capacity(rows.len());
        let mut visits = Vec::with_capacity(rows.len());
        for r in rows {
            names.push((
                r.village_name.unwrap_or_default(),
                r.head_name.unwrap_or_default(),
            ));
            visits.push(r.visit);
        }
        let records = records(visits, &photos)?;
        Ok(VisitPage {
            rows: records
                .into_iter()
                .zip(names)
                .map(|(visit, (village_name, head_name))| VisitLine {
                    visit,
                    village_name,
                    head_name,
                })
                .collect(),
            total,
        })
    }

    async fn keep_photo_drafts(
        &self,
        actor: &Actor,
        household: &HouseholdCode,
        still_wanted: &[i64],
        photos: &[NewAttachment],
    ) -> StoreResult<Vec<PhotoMeta>> {
        self.household_visible(actor, household, Permission::HandleCases)
            .await?;
        checked_photos(photos)?;
        let hid = self.household_id(household).await?;
        self.keep_drafts(
            actor,
            crate::drafts::DraftOwner::Household(hid),
            still_wanted,
            photos,
            ("visit.photo.draft", household.as_str()),
        )
        .await
    }

    async fn photo_drafts(
        &self,
        actor: &Actor,
        household: &HouseholdCode,
        ids: &[i64],
    ) -> StoreResult<Vec<PhotoMeta>> {
        self.household_visible(actor, household, Permission::HandleCases)
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let hid = self.household_id(household).await?;
        self.drafts_of(
            actor,
            crate::drafts::DraftOwner::Household(hid),
            ids,
            MAX_VISIT_PHOTOS,
        )
        .await
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
        self.read_sealed(
            actor,
            F_VISIT_PHOTO,
            ("visit_photos", "visit_id"),
            visit_id,
            photo_id,
            "visit.photo.read",
            &format!("走访#{visit_id}"),
        )
        .await
    }
}
