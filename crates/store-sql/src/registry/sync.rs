//! Imports against what is registered (导入更新): the full records an import compares its
//! file with, and the one transaction that inserts the new households and brings the
//! registered ones up to date, each change in the household's history.

use crate::registry::{IncomeRow, MemberRow};
use crate::{BATCH_ROWS, F_BANK, F_ID_NUMBER, F_PHONE, SqlStore, backend, corrupt, crypto};
use chrono::Utc;
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_domain::registry::HouseholdCode;
use dixian_domain::registry::HouseholdRecord;
use dixian_domain::registry::LivingStatus;
use dixian_domain::registry::Relation;
use dixian_store::{HouseholdUpdate, StoreError, StoreResult};
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
pub(crate) struct HouseholdRow {
    pub(crate) id: i64,
    pub(crate) code: String,
    pub(crate) village_code: String,
    pub(crate) group_no: Option<i32>,
    pub(crate) address: String,
    pub(crate) phone_enc: Option<Vec<u8>>,
    pub(crate) bank_enc: Option<Vec<u8>>,
    pub(crate) household_type: String,
    pub(crate) relocated: bool,
    pub(crate) dibao: bool,
    pub(crate) tekun: bool,
    pub(crate) monitored: bool,
}

#[derive(sqlx::FromRow)]
pub(crate) struct OwnedMember {
    pub(crate) household_id: i64,
    #[sqlx(flatten)]
    pub(crate) member: MemberRow,
}

#[derive(sqlx::FromRow)]
pub(crate) struct OwnedIncome {
    pub(crate) household_id: i64,
    #[sqlx(flatten)]
    pub(crate) income: IncomeRow,
}

/// Household codes an import's audit record lists by name.
pub(crate) const AUDITED_CODES: usize = 500;

/// `SELECT … WHERE column IN (ids)` for one chunk.
pub(crate) fn within(select: &str, column: &str, ids: &[i64]) -> String {
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!(
        "{select} WHERE {column} IN ({}) ORDER BY 1",
        list.join(", ")
    )
}

impl SqlStore {
    pub(crate) fn unseal(
        &self,
        field: &str,
        id: i64,
        blob: &Option<Vec<u8>>,
    ) -> StoreResult<Option<String>> {
        blob.as_ref()
            .map(|b| {
                self.cipher
                    .decrypt(field, &id.to_string(), b)
                    .map_err(crypto)
            })
            .transpose()
    }

    /// The household code or person of `new` already registered, as a conflict that names
    /// it (the person's household only inside the actor's jurisdiction).
    pub(crate) async fn explain_conflict(
        &self,
        actor: &Actor,
        new: &[HouseholdRecord],
    ) -> Option<StoreError> {
        let codes: Vec<HouseholdCode> = new.iter().map(|r| r.household.code.clone()).collect();
        for chunk in codes.chunks(BATCH_ROWS) {
            let found: Vec<String> = read!(self, |pool| {
                let mut qb = sqlx::QueryBuilder::new("SELECT code FROM households WHERE code IN (");
                let mut sep = qb.separated(", ");
                for c in chunk {
                    sep.push_bind(c.as_str().to_string());
                }
                qb.push(") LIMIT 1");
                qb.build_query_scalar().fetch_all(pool).await.ok()?
            });
            if let Some(code) = found.first() {
                return Some(StoreError::Conflict(format!("户编号{code}已登记")));
            }
        }
        let mut by_bidx: HashMap<Vec<u8>, &dixian_domain::id_number::IdNumber> = HashMap::new();
        for p in new.iter().flat_map(|r| r.members.iter()) {
            by_bidx.insert(
                self.cipher.blind_index(F_ID_NUMBER, p.id_number.as_str()),
                &p.id_number,
            );
        }
        let keys: Vec<Vec<u8>> = by_bidx.keys().cloned().collect();
        for chunk in keys.chunks(BATCH_ROWS) {
            let found: Vec<(Vec<u8>, String, String)> = read!(self, |pool| {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT p.id_number_bidx, h.code, h.village_code FROM persons p
                     JOIN households h ON h.id = p.household_id WHERE p.id_number_bidx IN (",
                );
                let mut sep = qb.separated(", ");
                for k in chunk {
                    sep.push_bind(k.clone());
                }
                qb.push(") LIMIT 1");
                qb.build_query_as().fetch_all(pool).await.ok()?
            });
            if let Some((bidx, code, village)) = found.first() {
                let masked = by_bidx.get(bidx).map(|id| id.masked()).unwrap_or_default();
                let place = if DivisionCode::parse(village).is_ok_and(|v| actor.scope.covers(&v)) {
                    format!("户{code}")
                } else {
                    "其他地区的农户".to_string()
                };
                return Some(StoreError::Conflict(format!(
                    "身份证号{masked}已登记在{place}中，一人只能属于一户"
                )));
            }
        }
        None
    }

    pub(crate) async fn import_tx(
        &self,
        actor: &Actor,
        new: &[HouseholdRecord],
        updates: &[HouseholdUpdate],
        reason: &str,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> StoreResult<()> {
        let n_households = i64::try_from(new.len()).map_err(|e| corrupt("批量", e))?;
        let n_persons = i64::try_from(new.iter().map(|r| r.members.len()).sum::<usize>())
            .map_err(|e| corrupt("批量", e))?;
        let cipher = self.cipher.clone();
        let total = new
            .iter()
            .map(|r| 1 + r.members.len() + r.incomes.len() + usize::from(r.assurance.is_some()))
            .sum::<usize>()
            + updates.len();
        let written = std::sync::atomic::AtomicUsize::new(0);
        let wrote = |n: usize| {
            let done = written.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
            progress(done, total);
        };
        let now = Utc::now();
        let head = Relation::Head.code();
        let living = LivingStatus::InHousehold.code();
        // Beijing's date: UTC+8 all year.
        let today = (now + chrono::Duration::hours(8)).date_naive().to_string();
        write_tx!(self, |tx| {
            if !new.is_empty() {
                // A county's file holds 100,000 codes; the record names the first ones and
                // how many more, and each household's page has its registration.
                let codes: Vec<&str> = new
                    .iter()
                    .take(AUDITED_CODES)
                    .map(|r| r.household.code.as_str())
                    .collect();
                let detail = serde_json::json!({
                    "households": new.len(), "persons": n_persons, "codes": codes,
                    "more_codes": new.len().saturating_sub(AUDITED_CODES), "reason": reason,
                })
                .to_string();
                audit_in!(
                    tx,
                    actor,
                    "households.insert",
                    &format!("{}户", new.len()),
                    &detail
                );
                insert_in!(tx, cipher, new, n_households, n_persons, now, &wrote);
            }
            for u in updates {
                let h = &u.record.household;
                let hid: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM households WHERE code = $1")
                        .bind(h.code.as_str())
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(backend)?;
                let Some(hid) = hid else {
                    return Err(StoreError::Conflict(format!("户编号{}尚未登记", h.code)));
                };
                let seal = |field: &str, value: &Option<String>| -> StoreResult<_> {
                    Ok(match value {
                        Some(v) => (
                            Some(cipher.encrypt(field, &hid.to_string(), v).map_err(crypto)?),
                            Some(cipher.blind_index(field, v)),
                        ),
                        None => (None, None),
                    })
                };
                let (phone_enc, phone_bidx) = seal(F_PHONE, &h.phone)?;
                let (bank_enc, bank_bidx) = seal(F_BANK, &h.bank_account)?;
                sqlx::query(
                    "UPDATE households SET group_no = $1, address = $2, phone_enc = $3,
                       phone_bidx = $4, bank_enc = $5, bank_bidx = $6, household_type = $7,
                       relocated = $8, dibao = $9, tekun = $10, monitored = $11
                     WHERE id = $12",
                )
                .bind(h.group_no.map(i32::from))
                .bind(&h.address)
                .bind(phone_enc)
                .bind(phone_bidx)
                .bind(bank_enc)
                .bind(bank_bidx)
                .bind(h.household_type.code())
                .bind(h.relocated)
                .bind(h.dibao)
                .bind(h.tekun)
                .bind(h.monitored)
                .bind(hid)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                for p in &u.record.members {
                    let bidx = cipher.blind_index(F_ID_NUMBER, p.id_number.as_str());
                    let found: Option<(i64, String)> = sqlx::query_as(
                        "SELECT p.id, h.code FROM persons p JOIN households h ON h.id = p.household_id
                         WHERE p.id_number_bidx = $1",
                    )
                    .bind(&bidx)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
                    match found {
                        Some((_, code)) if code != h.code.as_str() => {
                            return Err(StoreError::Conflict(format!(
                                "身份证号{}已登记在户{code}中，一人只能属于一户",
                                p.id_number.masked()
                            )));
                        }
                        Some((pid, _)) => {
                            sqlx::query(
                                "UPDATE persons SET name = $1, relation = $2, labour = $3,
                                   health = $4, disability_category = $5, disability_grade = $6,
                                   schooling = $7, medical_insurance = $8, pension_insurance = $9,
                                   employment_months = $10, employment_place = $11,
                                   public_payroll = $12,
                                   status_date = CASE WHEN status = $13 THEN status_date ELSE $14 END,
                                   status = $13
                                 WHERE id = $15",
                            )
                            .bind(&p.name)
                            .bind(p.relation.code())
                            .bind(p.labour.code())
                            .bind(p.health.code())
                            .bind(p.disability.map(|(c, _)| c.code()))
                            .bind(p.disability.map(|(_, g)| i32::from(g)))
                            .bind(p.schooling.code())
                            .bind(p.medical_insurance)
                            .bind(p.pension_insurance)
                            .bind(i32::from(p.employment_months))
                            .bind(&p.employment_place)
                            .bind(p.public_payroll)
                            .bind(p.status.code())
                            .bind(&today)
                            .bind(pid)
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?;
                        }
                        None => {
                            let pid: i64 = allocate!(tx, "persons", 1i64);
                            let enc = cipher
                                .encrypt(F_ID_NUMBER, &pid.to_string(), p.id_number.as_str())
                                .map_err(crypto)?;
                            let mut qb = sqlx::QueryBuilder::new(crate::INSERT_PERSONS);
                            qb.push_values([()], |mut b, ()| {
                                person_values!(b, pid, hid, enc.clone(), bidx.clone(), p);
                            });
                            qb.build().execute(&mut *tx).await.map_err(backend)?;
                        }
                    }
                }
                for i in &u.record.incomes {
                    upsert_income!(tx, hid, i);
                }
                if let Some(a) = &u.record.assurance {
                    upsert_assurance!(tx, hid, a);
                }
                let heads: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM persons WHERE household_id = $1 AND relation = $2 AND status = $3",
                )
                .bind(hid)
                .bind(head)
                .bind(living)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
                if heads != 1 {
                    return Err(StoreError::Conflict(format!(
                        "户{}导入后有{heads}名在户的户主，应恰好1名",
                        h.code
                    )));
                }
                changed_in!(
                    tx,
                    hid,
                    actor,
                    "household.import",
                    h.code.as_str(),
                    &u.changes,
                    reason
                );
                wrote(1);
            }
        });
        Ok(())
    }
}
