//! The dixian store on SQLite (embedded default) and PostgreSQL (provinces).
//!
//! Business logic is written once: each method's body is expanded for both backends by
//! the [`read!`] and [`write_tx!`] macros, with portable SQL (`$1` placeholders work on both).
//! SQLite runs one writer connection that opens every transaction with `BEGIN IMMEDIATE`
//! beside a read pool, so a write never fails half way with `SQLITE_BUSY_SNAPSHOT`.

mod audit;
mod migrate;

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use dixian_domain::access::{Actor, Permission, Role, Scope};
use dixian_domain::calendar::{CalendarEntry, DayKind, WorkCalendar};
use dixian_domain::division::{Division, DivisionCode, DivisionTable, VillageGroup};
use dixian_domain::id_number::IdNumber;
use dixian_domain::monitoring::Outcome;
use dixian_domain::policy::Pack;
use dixian_domain::registry::HouseholdRecord;
use dixian_domain::registry::{HouseholdCode, LivingStatus};
use dixian_gm::{FieldCipher, GmError, to_hex};
use dixian_store::{
    AttachmentMeta, CadreAccount, CaseFile, CaseFilter, CaseSummary, LeadCreated, LeadFilter,
    LeadRecord, NewAttachment, NewLead, NewVisit, PhotoMeta, PublicLeadStatus, StepEffect,
    StepTimeliness, VisitRecord,
};
use dixian_store::{
    AuditFilter, AuditRecord, AuditVerification, DbKind, FailureCount, FieldChange,
    HouseholdDetail, HouseholdEdit, HouseholdEvent, HouseholdFilter, HouseholdPage,
    HouseholdUpdate, LoginAttempt, LoginKey, NewSession, NewUser, PersonLocation, PruneReport,
    RegistryCounts, RotationReport, SessionRecord, Store, StoreError, StoreResult, UserRecord,
};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::collections::BTreeSet;
use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub use migrate::LATEST_VERSION;

enum Db {
    Sqlite { write: SqlitePool, read: SqlitePool },
    Postgres(PgPool),
}

/// A store on SQLite or PostgreSQL. Sensitive fields are encrypted here, below every caller.
pub struct SqlStore {
    db: Db,
    cipher: Arc<FieldCipher>,
    /// Packs already parsed, by file name and text: every page that needs a policy reads the
    /// packs, and parsing and checking them costs more than the rest of a dashboard. Keyed by
    /// content, so a pack changed by another server is parsed again here.
    parsed_packs: std::sync::Mutex<HashMap<(String, String), Pack>>,
}

/// Field names: part of each ciphertext's associated data and of each blind index.
pub(crate) const F_ID_NUMBER: &str = "person.id_number";
const F_PHONE: &str = "household.phone";
const F_BANK: &str = "household.bank_account";
const F_KEY_CHECK: &str = "keys.check";

fn crypto(e: GmError) -> StoreError {
    match e {
        GmError::Tampered | GmError::Malformed => StoreError::Corrupt(e.to_string()),
        other => StoreError::Unavailable(other.to_string()),
    }
}

fn backend(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            StoreError::Unavailable(e.to_string())
        }
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(format!("违反唯一性约束（{}）", db.message()))
        }
        _ => StoreError::Backend(e.to_string()),
    }
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}：{detail}"))
}

/// Runs `$body` with `$pool` bound to the read pool of whichever backend is in use.
macro_rules! read {
    ($self:ident, |$pool:ident| $body:expr) => {
        match &$self.db {
            Db::Sqlite { read, .. } => {
                let $pool = read;
                $body
            }
            Db::Postgres(pg) => {
                let $pool = pg;
                $body
            }
        }
    };
}

/// Runs `$body` inside a write transaction bound to `$tx` and commits it. An early return
/// through `?` drops the transaction, which rolls it back.
macro_rules! write_tx {
    ($self:ident, |$tx:ident| $body:expr) => {
        match &$self.db {
            Db::Sqlite { write, .. } => {
                let mut $tx = write.begin_with("BEGIN IMMEDIATE").await.map_err(backend)?;
                let out = $body;
                $tx.commit().await.map_err(backend)?;
                out
            }
            Db::Postgres(pg) => {
                let mut $tx = pg.begin().await.map_err(backend)?;
                let out = $body;
                $tx.commit().await.map_err(backend)?;
                out
            }
        }
    };
}

/// Reserves `$n` ids from the named sequence inside transaction `$tx`; gives the first.
macro_rules! allocate {
    ($tx:ident, $name:literal, $n:expr) => {{
        let next: i64 = sqlx::query_scalar(
            "UPDATE id_sequences SET next = next + $1 WHERE name = $2 RETURNING next",
        )
        .bind($n)
        .bind($name)
        .fetch_one(&mut *$tx)
        .await
        .map_err(backend)?;
        next - $n
    }};
}

/// Appends an audit record inside transaction `$tx`, chained to the one before. Updating the
/// head row first makes concurrent appenders queue (row lock on PostgreSQL, the single writer
/// on SQLite), so the chain never forks.
macro_rules! audit_in {
    ($tx:ident, $actor:expr, $action:expr, $target:expr, $detail:expr) => {{
        let (seq, prev): (i64, Vec<u8>) =
            sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut *$tx)
                .await
                .map_err(backend)?;
        let at = audit::timestamp(Utc::now());
        let actor: &Actor = $actor;
        let (action, target, detail): (&str, &str, &str) = ($action, $target, $detail);
        let hash = audit::Entry::of(seq, &at, actor, action, target, detail).hash(&prev);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_id, actor, source, action, target, detail, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(seq)
        .bind(&at)
        .bind(actor.user_id)
        .bind(&actor.name)
        .bind(actor.source.as_deref())
        .bind(action)
        .bind(target)
        .bind(detail)
        .bind(&prev)
        .bind(&hash[..])
        .execute(&mut *$tx)
        .await
        .map_err(backend)?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&hash[..])
            .execute(&mut *$tx)
            .await
            .map_err(backend)?;
    }};
}

/// Appends audit records `$entries` (action, target, detail) by `$actor` inside transaction
/// `$tx`, chained in order as [`audit_in`] chains one, with one statement per thousand.
macro_rules! audit_many_in {
    ($tx:ident, $actor:expr, $entries:expr) => {{
        let entries: &[(String, String, String)] = $entries;
        if !entries.is_empty() {
            let n = i64::try_from(entries.len()).unwrap_or(i64::MAX);
            let (last, mut prev): (i64, Vec<u8>) = sqlx::query_as(
                "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash",
            )
            .bind(n)
            .fetch_one(&mut *$tx)
            .await
            .map_err(backend)?;
            let at = audit::timestamp(Utc::now());
            let actor: &Actor = $actor;
            let mut rows = Vec::with_capacity(entries.len());
            for (seq, (action, target, detail)) in (last - n + 1..).zip(entries) {
                let hash = audit::Entry::of(seq, &at, actor, action, target, detail)
                    .hash(&prev)
                    .to_vec();
                rows.push((seq, action, target, detail, std::mem::replace(&mut prev, hash.clone()), hash));
            }
            for chunk in rows.chunks(BATCH_ROWS) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO audit_log (seq, at, actor_id, actor, source, action, target, detail, prev_hash, hash) ",
                );
                qb.push_values(chunk, |mut b, (seq, action, target, detail, prev, hash)| {
                    b.push_bind(*seq)
                        .push_bind(at.clone())
                        .push_bind(actor.user_id)
                        .push_bind(actor.name.clone())
                        .push_bind(actor.source.clone())
                        .push_bind((*action).clone())
                        .push_bind((*target).clone())
                        .push_bind((*detail).clone())
                        .push_bind(prev.clone())
                        .push_bind(hash.clone());
                });
                qb.build().execute(&mut *$tx).await.map_err(backend)?;
            }
            sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
                .bind(&prev[..])
                .execute(&mut *$tx)
                .await
                .map_err(backend)?;
        }
    }};
}

pub(crate) const INSERT_PERSONS: &str = "INSERT INTO persons (id, household_id, id_number_enc, id_number_bidx, name, sex, birth_date, relation, labour, health, disability_category, disability_grade, schooling, medical_insurance, pension_insurance, employment_months, employment_place, public_payroll, status) ";

/// Binds one person's values in the column order of [`INSERT_PERSONS`].
macro_rules! person_values {
    ($b:ident, $id:expr, $hid:expr, $enc:expr, $bidx:expr, $p:expr) => {{
        let p: &dixian_domain::registry::Person = $p;
        $b.push_bind($id)
            .push_bind($hid)
            .push_bind($enc)
            .push_bind($bidx)
            .push_bind(p.name.clone())
            .push_bind(p.sex.label())
            .push_bind(p.birth_date)
            .push_bind(p.relation.code())
            .push_bind(p.labour.code())
            .push_bind(p.health.code())
            .push_bind(p.disability.map(|(c, _)| c.code()))
            .push_bind(p.disability.map(|(_, g)| i32::from(g)))
            .push_bind(p.schooling.code())
            .push_bind(p.medical_insurance)
            .push_bind(p.pension_insurance)
            .push_bind(i32::from(p.employment_months))
            .push_bind(p.employment_place.clone())
            .push_bind(p.public_payroll)
            .push_bind(p.status.code());
    }};
}

/// Inserts `$records` (households, persons, incomes) inside transaction `$tx` in batches,
/// sensitive fields sealed with `$cipher`. Uniqueness is the schema's to enforce.
macro_rules! insert_in {
    ($tx:ident, $cipher:ident, $records:expr, $n_households:expr, $n_persons:expr, $now:expr, $wrote:expr) => {{
        let (records, n_households, n_persons, now, cipher) =
            ($records, $n_households, $n_persons, $now, &$cipher);
        let wrote: &(dyn Fn(usize) + Send + Sync) = $wrote;
        let first_h: i64 = allocate!($tx, "households", n_households);
        let first_p: i64 = allocate!($tx, "persons", n_persons);
        let mut pid = first_p;
        let mut households = Vec::with_capacity(records.len());
        let mut persons = Vec::with_capacity(records.iter().map(|r| r.members.len()).sum::<usize>());
                let mut incomes = Vec::new();
        let mut assurances = Vec::new();
        for (hid, r) in (first_h..).zip(records) {
            households.push((hid, r));
            for p in &r.members {
                persons.push((pid, hid, p));
                pid += 1;
            }
                        for i in &r.incomes {
                incomes.push((hid, i));
            }
            if let Some(a) = &r.assurance {
                assurances.push((hid, a));
            }
        }
                pipelined!($tx, wrote, households.chunks(BATCH_ROWS), |chunk: &[(i64, &HouseholdRecord)]| {
            let mut sealed = Vec::with_capacity(chunk.len());
            for (id, r) in chunk {
                let seal = |field: &str, value: &Option<String>| -> StoreResult<_> {
                    value
                        .as_ref()
                        .map(|v| {
                            Ok((
                                cipher.encrypt(field, &id.to_string(), v).map_err(crypto)?,
                                cipher.blind_index(field, v),
                            ))
                        })
                        .transpose()
                };
                sealed.push((
                    seal(F_PHONE, &r.household.phone)?,
                    seal(F_BANK, &r.household.bank_account)?,
                ));
            }
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO households (id, code, village_code, group_no, address, phone_enc, phone_bidx, bank_enc, bank_bidx, household_type, relocated, dibao, tekun, monitored, created_at) ",
            );
            qb.push_values(
                chunk.iter().zip(sealed),
                |mut b, ((id, r), (phone, bank))| {
                    let h = &r.household;
                    let (enc, bidx) = phone.unzip();
                    let (bank_enc, bank_bidx) = bank.unzip();
                    b.push_bind(*id)
                        .push_bind(h.code.to_string())
                        .push_bind(h.village.to_string())
                        .push_bind(h.group_no.map(i32::from))
                        .push_bind(h.address.clone())
                        .push_bind(enc)
                        .push_bind(bidx)
                        .push_bind(bank_enc)
                        .push_bind(bank_bidx)
                        .push_bind(h.household_type.code())
                        .push_bind(h.relocated)
                        .push_bind(h.dibao)
                        .push_bind(h.tekun)
                        .push_bind(h.monitored)
                        .push_bind(now);
                },
            );
            Ok(qb)
        });
                pipelined!($tx, wrote, persons.chunks(BATCH_ROWS), |chunk: &[(i64, i64, &dixian_domain::registry::Person)]| {
            let mut sealed = Vec::with_capacity(chunk.len());
            for (id, _, p) in chunk {
                let n = p.id_number.as_str();
                sealed.push((
                    cipher
                        .encrypt(F_ID_NUMBER, &id.to_string(), n)
                        .map_err(crypto)?,
                    cipher.blind_index(F_ID_NUMBER, n),
                ));
            }
            let mut qb = sqlx::QueryBuilder::new($crate::INSERT_PERSONS);
            qb.push_values(
                chunk.iter().zip(sealed),
                |mut b, ((id, hid, p), (enc, bidx))| {
                    person_values!(b, *id, *hid, enc, bidx, *p);
                },
            );
            Ok(qb)
        });
                pipelined!($tx, wrote, incomes.chunks(BATCH_ROWS), |chunk: &[(i64, &dixian_domain::registry::Income)]| {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO household_incomes (household_id, year, wage, business, property, transfer_pension, transfer_dibao, transfer_tekun, transfer_eco, transfer_other, business_expense, medical_self_pay, insurance_claims) ",
            );
            qb.push_values(chunk, |mut b, (hid, i)| {
                b.push_bind(*hid)
                    .push_bind(i.year)
                    .push_bind(i.wage.fen())
                    .push_bind(i.business.fen())
                    .push_bind(i.property.fen())
                    .push_bind(i.transfer_pension.fen())
                    .push_bind(i.transfer_dibao.fen())
                    .push_bind(i.transfer_tekun.fen())
                    .push_bind(i.transfer_eco.fen())
                    .push_bind(i.transfer_other.fen())
                    .push_bind(i.business_expense.fen())
                    .push_bind(i.medical_self_pay.fen())
                                        .push_bind(i.insurance_claims.fen());
            });
            Ok(qb)
        });
        pipelined!($tx, wrote, assurances.chunks(BATCH_ROWS), |chunk: &[(i64, &dixian_domain::assurance::Assurance)]| {
            let mut qb = sqlx::QueryBuilder::new($crate::INSERT_ASSURANCE);
            qb.push_values(chunk, |mut b, (hid, a)| {
                assurance_values!(b, *hid, *a);
            });
            Ok(qb)
        });
    }};
}

pub(crate) const INSERT_ASSURANCE: &str = "INSERT INTO household_assurance (household_id, food_clothing, housing, water_quantity, water_quality, water_convenience, water_guarantee, note) ";

/// Binds one household's check in the column order of [`INSERT_ASSURANCE`].
macro_rules! assurance_values {
    ($b:ident, $hid:expr, $a:expr) => {{
        let a: &dixian_domain::assurance::Assurance = $a;
        $b.push_bind($hid)
            .push_bind(a.food_clothing)
            .push_bind(a.housing.map(|h| h.code()))
            .push_bind(a.water_quantity)
            .push_bind(a.water_quality)
            .push_bind(a.water_convenience)
            .push_bind(a.water_guarantee)
            .push_bind(a.note.clone());
    }};
}

/// The tail of an [`INSERT_ASSURANCE`] that replaces a household's last check.
pub(crate) const ASSURANCE_REPLACES: &str = " ON CONFLICT (household_id) DO UPDATE SET
    food_clothing = excluded.food_clothing, housing = excluded.housing,
    water_quantity = excluded.water_quantity, water_quality = excluded.water_quality,
    water_convenience = excluded.water_convenience, water_guarantee = excluded.water_guarantee,
    note = excluded.note";

/// Records household `$hid`'s check `$a` inside transaction `$tx`, replacing the last one.
macro_rules! upsert_assurance {
    ($tx:ident, $hid:expr, $a:expr) => {{
        let mut qb = sqlx::QueryBuilder::new($crate::INSERT_ASSURANCE);
        qb.push_values([()], |mut b, ()| {
            assurance_values!(b, $hid, $a);
        });
        qb.push($crate::ASSURANCE_REPLACES);
        qb.build().execute(&mut *$tx).await.map_err(backend)?;
    }};
}

/// Executes one statement per chunk inside transaction `$tx`, preparing the next chunk's
/// statement (sealing, binding) while the database runs the current one: on SQLite the
/// database works on its own thread, so the two overlap on a second core.
macro_rules! pipelined {
    ($tx:ident, $wrote:expr, $chunks:expr, $prepare:expr) => {{
        let prepare = $prepare;
        let mut chunks = $chunks;
        let mut next = match chunks.next() {
            Some(c) => Some((c.len(), prepare(c)?)),
            None => None,
        };
        while let Some((rows, mut qb)) = next.take() {
            let following = chunks.next();
            let (done, prepared) = tokio::join!(qb.build().execute(&mut *$tx), async {
                following
                    .map(|c| prepare(c).map(|q| (c.len(), q)))
                    .transpose()
            });
            done.map_err(backend)?;
            ($wrote)(rows);
            next = prepared?;
        }
    }};
}

/// Records income year `$income` of household `$hid` inside transaction `$tx`, replacing
/// the year's components if it was recorded.
macro_rules! upsert_income {
    ($tx:ident, $hid:expr, $income:expr) => {{
        let i: &dixian_domain::registry::Income = $income;
        sqlx::query(
            "INSERT INTO household_incomes (household_id, year, wage, business,
               property, transfer_pension, transfer_dibao, transfer_tekun,
               transfer_eco, transfer_other, business_expense, medical_self_pay,
               insurance_claims)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT (household_id, year) DO UPDATE SET
               wage = excluded.wage, business = excluded.business,
               property = excluded.property,
               transfer_pension = excluded.transfer_pension,
               transfer_dibao = excluded.transfer_dibao,
               transfer_tekun = excluded.transfer_tekun,
               transfer_eco = excluded.transfer_eco,
               transfer_other = excluded.transfer_other,
               business_expense = excluded.business_expense,
               medical_self_pay = excluded.medical_self_pay,
               insurance_claims = excluded.insurance_claims",
        )
        .bind($hid)
        .bind(i.year)
        .bind(i.wage.fen())
        .bind(i.business.fen())
        .bind(i.property.fen())
        .bind(i.transfer_pension.fen())
        .bind(i.transfer_dibao.fen())
        .bind(i.transfer_tekun.fen())
        .bind(i.transfer_eco.fen())
        .bind(i.transfer_other.fen())
        .bind(i.business_expense.fen())
        .bind(i.medical_self_pay.fen())
        .bind(i.insurance_claims.fen())
        .execute(&mut *$tx)
        .await
        .map_err(backend)?;
    }};
}

/// Records `$changes` made by `$actor` for `$reason` to household `$hid` inside transaction
/// `$tx`: the audit record (on `$target`) and the household's history entry, both as
/// `$action`.
macro_rules! changed_in {
    ($tx:ident, $hid:expr, $actor:expr, $action:expr, $target:expr, $changes:expr, $reason:expr) => {{
        let changes: &[dixian_store::FieldChange] = $changes;
        let reason: &str = $reason;
        let changes_json =
            serde_json::to_string(changes).map_err(|e| $crate::corrupt("变更", e))?;
        let detail = serde_json::json!({ "changes": changes, "reason": reason }).to_string();
        let now = $crate::audit::timestamp(chrono::Utc::now());
        audit_in!($tx, $actor, $action, $target, &detail);
        event_in!($tx, $hid, $actor, $action, &changes_json, &reason, &now);
    }};
}

/// Appends a history entry for household `$hid` inside transaction `$tx`.
macro_rules! event_in {
    ($tx:ident, $hid:expr, $actor:expr, $action:expr, $changes:expr, $reason:expr, $at:expr) => {{
        let eid: i64 = allocate!($tx, "household_events", 1i64);
        sqlx::query(
            "INSERT INTO household_events (id, household_id, at, actor, action, changes, reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(eid)
        .bind($hid)
        .bind($at)
        .bind(&$actor.name)
        .bind($action)
        .bind($changes)
        .bind($reason)
        .execute(&mut *$tx)
        .await
        .map_err(backend)?;
    }};
}

mod feeds;
mod history;
mod monitoring;
mod problems;
mod registry;
mod sync;
mod visits;

/// Rows per multi-row INSERT: below SQLite's 32,766 bound parameters for the widest table.
const BATCH_ROWS: usize = 1000;

impl SqlStore {
    /// Opens (creating if missing) the SQLite database at `path`, migrates it, and checks
    /// that `cipher` holds the keys the data was written with.
    pub async fn open_sqlite(path: &Path, cipher: Arc<FieldCipher>) -> StoreResult<SqlStore> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-262144")
            // Statement journals of large multi-row INSERTs stay off the disk.
            .pragma("temp_store", "memory");
        let unavailable = |e: sqlx::Error| {
            StoreError::Unavailable(format!("无法打开数据库文件{}：{e}", path.display()))
        };
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await
            .map_err(unavailable)?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts.read_only(true))
            .await
            .map_err(unavailable)?;
        let store = SqlStore {
            db: Db::Sqlite { write, read },
            cipher,
            parsed_packs: std::sync::Mutex::default(),
        };
        store.migrate().await?;
        store.verify_keys().await?;
        Ok(store)
    }

    /// Connects to PostgreSQL at `url`, migrates the database and checks the keys.
    pub async fn connect_postgres(url: &str, cipher: Arc<FieldCipher>) -> StoreResult<SqlStore> {
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unavailable(format!("PostgreSQL连接串无效：{e}")))?;
        let host = opts.get_host().to_string();
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts)
            .await
            .map_err(|e| {
                StoreError::Unavailable(format!("无法连接PostgreSQL数据库（主机{host}）：{e}"))
            })?;
        let store = SqlStore {
            db: Db::Postgres(pool),
            cipher,
            parsed_packs: std::sync::Mutex::default(),
        };
        store.migrate().await?;
        store.verify_keys().await?;
        Ok(store)
    }

    /// Opens by a URL: `postgres://…`/`postgresql://…`, or `sqlite://PATH`, or a bare path.
    pub async fn open(url_or_path: &str, cipher: Arc<FieldCipher>) -> StoreResult<SqlStore> {
        if url_or_path.starts_with("postgres://") || url_or_path.starts_with("postgresql://") {
            SqlStore::connect_postgres(url_or_path, cipher).await
        } else {
            let path = url_or_path.strip_prefix("sqlite://").unwrap_or(url_or_path);
            SqlStore::open_sqlite(Path::new(path), cipher).await
        }
    }

    /// The first open records a check value; later opens refuse keys that cannot read it, so
    /// data is never written under a wrong index key or read with a missing one.
    async fn verify_keys(&self) -> StoreResult<()> {
        let index_check = to_hex(&self.cipher.blind_index(F_KEY_CHECK, "dixian"));
        match self.setting("keys.index_check").await? {
            None => {
                let blob = self
                    .cipher
                    .encrypt(F_KEY_CHECK, "0", "dixian")
                    .map_err(crypto)?;
                let system = Actor::system("首次打开数据库");
                self.put_setting(&system, "keys.check", &to_hex(&blob))
                    .await?;
                self.put_setting(&system, "keys.index_check", &index_check)
                    .await
            }
            Some(stored) if stored != index_check => Err(StoreError::Unavailable(
                "加密密钥与数据库不匹配（盲索引密钥不同）：请使用写入这些数据时的密钥文件".into(),
            )),
            Some(_) => {
                let blob = self
                    .setting("keys.check")
                    .await?
                    .and_then(|h| dixian_gm::from_hex(&h))
                    .ok_or_else(|| StoreError::Corrupt("缺少密钥校验值".into()))?;
                match self.cipher.decrypt(F_KEY_CHECK, "0", &blob) {
                    Ok(v) if v == "dixian" => Ok(()),
                    Err(GmError::UnknownKey(id)) => Err(StoreError::Unavailable(format!(
                        "密钥文件中缺少编号为{id}的加密密钥，无法解密已有数据"
                    ))),
                    _ => Err(StoreError::Unavailable(
                        "加密密钥与数据库不匹配：请使用写入这些数据时的密钥文件".into(),
                    )),
                }
            }
        }
    }

    async fn migrate(&self) -> StoreResult<()> {
        match &self.db {
            Db::Sqlite { write, .. } => migrate::sqlite(write).await,
            Db::Postgres(pg) => migrate::postgres(pg).await,
        }
    }

    /// Records a refused access in the audit trail and returns the error to give the caller.
    async fn deny(&self, actor: &Actor, target: &str) -> StoreError {
        let scope = match &actor.scope {
            Scope::Everything => "全部".to_string(),
            Scope::Within(c) => c.to_string(),
        };
        self.refuse(actor, target, serde_json::json!({ "scope": scope }))
            .await
    }

    /// The code range of `within`, or of the actor's whole scope; an area outside the scope is
    /// refused (audited).
    pub(crate) async fn area_range(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<(String, String)> {
        match within {
            Some(w) if !actor.scope.covers(w) => Err(self.deny(actor, w.as_str()).await),
            Some(w) => Ok(w.code_range()),
            None => Ok(actor.scope.code_range()),
        }
    }

    /// Refuses (and audits) an actor whose role lacks permission `p`. Checked here, below
    /// every page, command and export, so none of them can forget it.
    async fn permit(&self, actor: &Actor, p: Permission, target: &str) -> StoreResult<()> {
        if actor.may(p) {
            return Ok(());
        }
        Err(self
            .refuse(actor, target, serde_json::json!({ "permission": p.code() }))
            .await)
    }

    async fn refuse(&self, actor: &Actor, target: &str, detail: serde_json::Value) -> StoreError {
        tracing::warn!(actor = %actor.name, target, "越权访问被拒绝");
        let detail = detail.to_string();
        if let Err(e) = self.audit(actor, "access.denied", target, &detail).await {
            tracing::error!(error = %e, "无法记录越权访问");
        }
        StoreError::Forbidden
    }

    /// The username of account `user_id` if the actor may change it: inside the actor's
    /// scope, or (when `own_ok`) the actor's own account. Unknown ids are refused the same way.
    async fn user_for_change(
        &self,
        actor: &Actor,
        user_id: i64,
        own_ok: bool,
    ) -> StoreResult<String> {
        let row: Option<(String, String)> = read!(self, |pool| {
            sqlx::query_as("SELECT username, division_code FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        let allowed = match &row {
            Some((_, division)) => {
                (own_ok && actor.user_id == Some(user_id))
                    || DivisionCode::parse(division).is_ok_and(|d| actor.scope.covers(&d))
            }
            None => false,
        };
        match row {
            Some((username, _)) if allowed => Ok(username),
            _ => Err(self.deny(actor, &format!("账号#{user_id}")).await),
        }
    }

    fn decrypt_id_number(&self, person_id: i64, enc: &[u8]) -> StoreResult<IdNumber> {
        let plain = self
            .cipher
            .decrypt(F_ID_NUMBER, &person_id.to_string(), enc)
            .map_err(crypto)?;
        IdNumber::parse(&plain, NaiveDate::MAX).map_err(|e| corrupt("身份证号", e))
    }

    /// Refuses (and audits) an actor without `permission`, or whose scope does not cover
    /// the village the household code names: decided from the code alone, before anything
    /// is looked up, so existence never leaks.
    async fn household_in_scope(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        permission: Permission,
    ) -> StoreResult<()> {
        self.permit(actor, permission, code.as_str()).await?;
        if !code.village().is_some_and(|v| actor.scope.covers(&v)) {
            return Err(self.deny(actor, code.as_str()).await);
        }
        Ok(())
    }

    /// `PRAGMA integrity_check` of a SQLite file, opened read-only: `Ok(())` or the problems.
    pub async fn sqlite_integrity(path: &Path) -> StoreResult<()> {
        use sqlx::Connection;
        let opts = SqliteConnectOptions::new().filename(path).read_only(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&opts)
            .await
            .map_err(|e| StoreError::Unavailable(format!("无法打开{}：{e}", path.display())))?;
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&mut conn)
            .await
            .map_err(|e| {
                StoreError::Corrupt(format!("{}不是有效的数据库文件：{e}", path.display()))
            })?;
        let _ = conn.close().await;
        if rows.len() == 1 && rows[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt(format!(
                "{}完整性检查未通过：{}",
                path.display(),
                rows.join("；")
            )))
        }
    }

    /// Closes the pools, flushing SQLite's WAL.
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite { write, read } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(pg) => pg.close().await,
        }
    }
}

#[derive(sqlx::FromRow)]
struct DivisionRow {
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

fn divisions(rows: Vec<DivisionRow>) -> StoreResult<Vec<Division>> {
    rows.into_iter().map(DivisionRow::into_domain).collect()
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    division_code: String,
    department: Option<String>,
    password_hash: String,
    must_change: bool,
    password_changed_at: String,
    disabled: bool,
    created_at: String,
}

/// A page of the audit trail after a sequence number.
const AUDIT_PAGE: &str =
    "SELECT seq, at, actor_id, actor, source, action, target, detail, prev_hash, hash
     FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2";

const USER_COLUMNS: &str = "id, username, display_name, role, division_code, department, password_hash, must_change, password_changed_at, disabled, created_at";

fn parse_time(what: &str, text: &str) -> StoreResult<chrono::DateTime<Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| corrupt(what, e))
}

impl UserRow {
    fn into_domain(self) -> StoreResult<UserRecord> {
        Ok(UserRecord {
            id: self.id,
            role: dixian_domain::access::Role::parse(&self.role)
                .ok_or_else(|| corrupt("角色", &self.role))?,
            division: DivisionCode::parse(&self.division_code)
                .map_err(|e| corrupt("区划代码", e))?,
            password_changed_at: parse_time("改密时间", &self.password_changed_at)?,
            created_at: parse_time("创建时间", &self.created_at)?,
            username: self.username,
            display_name: self.display_name,
            department: self.department,
            password_hash: self.password_hash,
            must_change: self.must_change,
            disabled: self.disabled,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: i64,
    csrf_token: String,
    created_at: String,
    last_seen: String,
    expires_at: String,
    source: Option<String>,
    revoked: bool,
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    at: String,
    username: String,
    user_id: Option<i64>,
    source: Option<String>,
    success: bool,
    reason: String,
}

#[derive(sqlx::FromRow)]
struct PackRow {
    file_name: String,
    body: String,
}

#[async_trait]
impl Store for SqlStore {
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

    async fn put_calendar(&self, actor: &Actor, entries: &[CalendarEntry]) -> StoreResult<usize> {
        self.permit(actor, Permission::ManageReference, "节假日日历")
            .await?;
        let years: BTreeSet<i32> = entries.iter().map(|e| e.notice_year).collect();
        let detail = serde_json::json!({ "days": entries.len(), "years": years }).to_string();
        write_tx!(self, |tx| {
            audit_in!(tx, actor, "calendar.put", "节假日日历", &detail);
            for chunk in entries.chunks(BATCH_ROWS) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO calendar_days (day, kind, festival, notice_year) ",
                );
                qb.push_values(chunk, |mut b, e| {
                    b.push_bind(e.date)
                        .push_bind(e.kind.label())
                        .push_bind(e.festival.clone())
                        .push_bind(e.notice_year);
                });
                qb.push(
                    " ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, \
                     festival = excluded.festival, notice_year = excluded.notice_year",
                );
                qb.build().execute(&mut *tx).await.map_err(backend)?;
            }
        });
        Ok(entries.len())
    }

    async fn calendar(&self) -> StoreResult<WorkCalendar> {
        let rows: Vec<(NaiveDate, String, String, i32)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT day, kind, festival, notice_year FROM calendar_days ORDER BY day",
            )
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        let entries = rows
            .into_iter()
            .map(|(date, kind, festival, notice_year)| {
                Ok(CalendarEntry {
                    date,
                    kind: DayKind::parse(&kind).ok_or_else(|| corrupt("日历类型", &kind))?,
                    festival,
                    notice_year,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(WorkCalendar::from_entries(entries))
    }

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
                let pack = Pack::parse(&key.0, &key.1).map_err(|issues| {
                    let text: Vec<String> = issues.iter().map(ToString::to_string).collect();
                    corrupt("政策包", text.join("；"))
                })?;
                cache.insert(key, pack.clone());
                Ok(pack)
            })
            .collect()
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

    async fn insert_households(
        &self,
        actor: &Actor,
        records: &[HouseholdRecord],
    ) -> StoreResult<usize> {
        self.permit(actor, Permission::EditRegistry, "户籍档案")
            .await?;
        if records.is_empty() {
            return Ok(0);
        }
        if let Some(r) = records
            .iter()
            .find(|r| !actor.scope.covers(&r.household.village))
        {
            return Err(self.deny(actor, r.household.code.as_str()).await);
        }
        check_batch_unique(records)?;
        let codes: Vec<String> = records
            .iter()
            .map(|r| r.household.code.to_string())
            .collect();
        // Blind index of every ID number in the batch, and back to the number for messages.
        let mut by_bidx: HashMap<Vec<u8>, &IdNumber> = HashMap::new();
        for p in records.iter().flat_map(|r| r.members.iter()) {
            by_bidx.insert(
                self.cipher.blind_index(F_ID_NUMBER, p.id_number.as_str()),
                &p.id_number,
            );
        }
        let bidxs: Vec<Vec<u8>> = by_bidx.keys().cloned().collect();
        let cipher = self.cipher.clone();
        let n_households = i64::try_from(records.len()).map_err(|e| corrupt("批量", e))?;
        let n_persons = i64::try_from(bidxs.len()).map_err(|e| corrupt("批量", e))?;
        let now = Utc::now();
        write_tx!(self, |tx| {
            // Existing codes and ID numbers are looked up first so the message can name them.
            for chunk in codes.chunks(BATCH_ROWS) {
                let mut qb = sqlx::QueryBuilder::new("SELECT code FROM households WHERE code IN (");
                let mut sep = qb.separated(", ");
                for c in chunk {
                    sep.push_bind(c.clone());
                }
                qb.push(")");
                let found: Option<String> = qb
                    .build_query_scalar()
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
                if let Some(code) = found {
                    return Err(StoreError::Conflict(format!("户编号{code}已存在")));
                }
            }
            for chunk in bidxs.chunks(BATCH_ROWS) {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT p.id_number_bidx, h.code FROM persons p JOIN households h ON h.id = p.household_id WHERE p.id_number_bidx IN (",
                );
                let mut sep = qb.separated(", ");
                for c in chunk {
                    sep.push_bind(c.clone());
                }
                qb.push(")");
                let found: Option<(Vec<u8>, String)> = qb
                    .build_query_as()
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
                if let Some((bidx, code)) = found {
                    let masked = by_bidx.get(&bidx).map(|id| id.masked()).unwrap_or_default();
                    return Err(StoreError::Conflict(format!(
                        "身份证号{masked}已登记在户{code}中，一人只能属于一户"
                    )));
                }
            }
            let detail = serde_json::json!({
                "households": records.len(),
                "persons": n_persons,
                "codes": codes,
            })
            .to_string();
            audit_in!(
                tx,
                actor,
                "households.insert",
                &format!("{}户", records.len()),
                &detail
            );
            insert_in!(tx, cipher, records, n_households, n_persons, now, &|_| {});
        });
        Ok(records.len())
    }

    async fn household_records(
        &self,
        actor: &Actor,
        codes: &[HouseholdCode],
    ) -> StoreResult<Vec<HouseholdRecord>> {
        self.full_records(actor, codes).await
    }

    async fn import_households(
        &self,
        actor: &Actor,
        new: &[HouseholdRecord],
        updates: &[HouseholdUpdate],
        reason: &str,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> StoreResult<()> {
        self.import(actor, new, updates, reason, progress).await
    }

    async fn add_member(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        person: &dixian_domain::registry::Person,
        arrival: dixian_domain::registry::MemberArrival,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<i64> {
        self.arrive(actor, code, person, arrival, on, reason).await
    }

    async fn reveal_head_ids(
        &self,
        actor: &Actor,
        codes: &[HouseholdCode],
        reason: &str,
    ) -> StoreResult<Vec<(HouseholdCode, IdNumber)>> {
        self.permit(actor, Permission::RevealPii, "户籍台账")
            .await?;
        let reason = stated_reason(
            reason,
            4,
            "导出完整身份证号须填写理由（4到200个字），理由将记入审计记录",
        )?;
        if let Some(c) = codes
            .iter()
            .find(|c| !c.village().is_some_and(|v| actor.scope.covers(&v)))
        {
            return Err(self.deny(actor, c.as_str()).await);
        }
        let mut rows: Vec<(String, i64, Vec<u8>)> = Vec::new();
        for chunk in codes.chunks(BATCH_ROWS) {
            let found: Vec<(String, i64, Vec<u8>)> = read!(self, |pool| {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT h.code, p.id, p.id_number_enc FROM households h
                     JOIN persons p ON p.household_id = h.id AND p.relation = 'head'
                     WHERE h.code IN (",
                );
                let mut sep = qb.separated(", ");
                for c in chunk {
                    sep.push_bind(c.as_str().to_string());
                }
                qb.push(")");
                qb.build_query_as().fetch_all(pool).await.map_err(backend)?
            });
            rows.extend(found);
        }
        let listed: Vec<&str> = codes.iter().take(500).map(HouseholdCode::as_str).collect();
        let detail = serde_json::json!({
            "field": "户主身份证号", "households": rows.len(), "codes": listed, "reason": reason,
        })
        .to_string();
        self.audit(actor, "pii.reveal", "户籍台账", &detail).await?;
        rows.into_iter()
            .map(|(code, pid, enc)| {
                Ok((
                    HouseholdCode::parse(&code).map_err(|e| corrupt("户编号", e))?,
                    self.decrypt_id_number(pid, &enc)?,
                ))
            })
            .collect()
    }

    async fn next_household_code(
        &self,
        actor: &Actor,
        village: &DivisionCode,
    ) -> StoreResult<HouseholdCode> {
        self.next_code(actor, village).await
    }

    async fn update_members(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        edits: &[(i64, dixian_domain::registry::MemberDetails)],
        reason: &str,
    ) -> StoreResult<Vec<FieldChange>> {
        self.edit_members(actor, code, edits, reason).await
    }

    async fn set_assurance(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        assurance: &dixian_domain::assurance::Assurance,
        reason: &str,
    ) -> StoreResult<Vec<FieldChange>> {
        self.put_assurance(actor, code, assurance, reason).await
    }

    async fn set_income(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        income: &dixian_domain::registry::Income,
        reason: &str,
    ) -> StoreResult<Vec<FieldChange>> {
        self.put_income(actor, code, income, reason).await
    }

    async fn registry_counts(
        &self,
        actor: &Actor,
        code: &DivisionCode,
    ) -> StoreResult<RegistryCounts> {
        self.permit(actor, Permission::ViewRegistry, code.as_str())
            .await?;
        if !actor.scope.covers(code) {
            return Err(self.deny(actor, code.as_str()).await);
        }
        let (lo, hi) = code.code_range();
        let cadre = assigned_to(actor);
        read!(self, |pool| {
            let households: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM households h WHERE h.village_code BETWEEN $1 AND $2 {}",
                assigned_only(3)
            )))
            .bind(&lo)
            .bind(&hi)
            .bind(cadre)
            .fetch_one(pool)
            .await
            .map_err(backend)?;
            let persons: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM persons p JOIN households h ON h.id = p.household_id
                                  WHERE h.village_code BETWEEN $1 AND $2 {}",
                assigned_only(3)
            )))
            .bind(&lo)
            .bind(&hi)
            .bind(cadre)
            .fetch_one(pool)
            .await
            .map_err(backend)?;
            Ok(RegistryCounts {
                households,
                persons,
            })
        })
    }

    async fn find_person_by_id_number(
        &self,
        actor: &Actor,
        id: &IdNumber,
    ) -> StoreResult<Option<PersonLocation>> {
        self.permit(actor, Permission::ViewRegistry, &id.masked())
            .await?;
        let bidx = self.cipher.blind_index(F_ID_NUMBER, id.as_str());
        let (lo, hi) = actor.scope.code_range();
        let cadre = assigned_to(actor);
        let row: Option<(i64, Vec<u8>, String, String, String)> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT p.id, p.id_number_enc, p.name, h.code, h.village_code
                 FROM persons p JOIN households h ON h.id = p.household_id
                                  WHERE p.id_number_bidx = $1 AND h.village_code BETWEEN $2 AND $3 {}",
                assigned_only(4)
            )))
            .bind(&bidx)
            .bind(&lo)
            .bind(&hi)
            .bind(cadre)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let found = row.as_ref().map(|r| r.3.clone());
        let detail = serde_json::json!({ "found": found }).to_string();
        self.audit(actor, "person.lookup", &id.masked(), &detail)
            .await?;
        let Some((pid, enc, name, code, village)) = row else {
            return Ok(None);
        };
        // The domain's own check guards against a blind-index collision or a swapped row.
        let stored = self.decrypt_id_number(pid, &enc)?;
        if &stored != id {
            return Err(corrupt("身份证号", "盲索引与密文不一致"));
        }
        Ok(Some(PersonLocation {
            person_id: pid,
            household: HouseholdCode::parse(&code).map_err(|e| corrupt("户编号", e))?,
            village: DivisionCode::parse(&village).map_err(|e| corrupt("区划代码", e))?,
            name,
            id_masked: stored.masked(),
        }))
    }

    async fn reveal_id_number(
        &self,
        actor: &Actor,
        person_id: i64,
        reason: &str,
    ) -> StoreResult<IdNumber> {
        let target = format!("人员#{person_id}");
        self.permit(actor, Permission::RevealPii, &target).await?;
        let reason = stated_reason(
            reason,
            4,
            "查看完整身份证号须填写理由（4到200个字），理由将记入审计记录",
        )?;
        let row: Option<(Vec<u8>, String)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT p.id_number_enc, h.village_code
                 FROM persons p JOIN households h ON h.id = p.household_id WHERE p.id = $1",
            )
            .bind(person_id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        // Unknown and out of scope are refused alike: the refusal says nothing of existence.
        let in_scope = row
            .as_ref()
            .is_some_and(|(_, v)| DivisionCode::parse(v).is_ok_and(|c| actor.scope.covers(&c)));
        let Some((enc, _)) = row.filter(|_| in_scope) else {
            return Err(self.deny(actor, &target).await);
        };
        let id = self.decrypt_id_number(person_id, &enc)?;
        let detail = serde_json::json!({
            "field": "身份证号",
            "masked": id.masked(),
            "reason": reason,
        })
        .to_string();
        self.audit(actor, "pii.reveal", &target, &detail).await?;
        Ok(id)
    }

    async fn assign_cadre(
        &self,
        actor: &Actor,
        household: &HouseholdCode,
        cadre: i64,
        assign: bool,
    ) -> StoreResult<()> {
        self.permit(actor, Permission::EditRegistry, household.as_str())
            .await?;
        let found: Option<(i64, String)> = read!(self, |pool| {
            sqlx::query_as("SELECT id, village_code FROM households WHERE code = $1")
                .bind(household.as_str())
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        let in_scope = found
            .as_ref()
            .is_some_and(|(_, v)| DivisionCode::parse(v).is_ok_and(|c| actor.scope.covers(&c)));
        let Some((hid, _)) = found.filter(|_| in_scope) else {
            return Err(self.deny(actor, household.as_str()).await);
        };
        let user = self.user_by_id(cadre).await?;
        let Some(user) = user.filter(|u| u.role == Role::AssistanceCadre && !u.disabled) else {
            return Err(StoreError::Invalid(format!(
                "账号#{cadre}不是在用的帮扶责任人账号，不能负责农户"
            )));
        };
        // Assigning what is already assigned (or removing what is not) changes nothing and
        // is not recorded as a change: a demo restarted, a form sent twice.
        let assigned: Option<i64> = read!(self, |pool| {
            sqlx::query_scalar(
                "SELECT user_id FROM cadre_assignments WHERE household_id = $1 AND user_id = $2",
            )
            .bind(hid)
            .bind(cadre)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        if assigned.is_some() == assign {
            return Ok(());
        }
        let detail = serde_json::json!({ "cadre": user.username }).to_string();
        let action = if assign {
            "cadre.assign"
        } else {
            "cadre.unassign"
        };
        let now = audit::timestamp(Utc::now());
        write_tx!(self, |tx| {
            audit_in!(tx, actor, action, household.as_str(), &detail);
            if assign {
                sqlx::query(
                    "INSERT INTO cadre_assignments (household_id, user_id, assigned_at) VALUES ($1, $2, $3)
                     ON CONFLICT (household_id, user_id) DO NOTHING",
                )
                .bind(hid)
                .bind(cadre)
                .bind(&now)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            } else {
                sqlx::query(
                    "DELETE FROM cadre_assignments WHERE household_id = $1 AND user_id = $2",
                )
                .bind(hid)
                .bind(cadre)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
        });
        Ok(())
    }

    async fn households(
        &self,
        actor: &Actor,
        filter: &HouseholdFilter,
    ) -> StoreResult<HouseholdPage> {
        self.list_households(actor, filter).await
    }

    async fn household(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
    ) -> StoreResult<Option<HouseholdDetail>> {
        self.household_detail(actor, code).await
    }

    async fn update_household(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        edit: &HouseholdEdit,
        reason: &str,
    ) -> StoreResult<Vec<FieldChange>> {
        self.edit_household(actor, code, edit, reason).await
    }

    async fn set_person_status(
        &self,
        actor: &Actor,
        person_id: i64,
        status: LivingStatus,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()> {
        self.change_person_status(actor, person_id, status, on, reason)
            .await
    }

    async fn household_events(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
    ) -> StoreResult<Vec<HouseholdEvent>> {
        self.history(actor, code).await
    }

    async fn existing_households(
        &self,
        actor: &Actor,
        codes: &[HouseholdCode],
    ) -> StoreResult<Vec<HouseholdCode>> {
        self.permit(actor, Permission::ViewRegistry, "户编号核对")
            .await?;
        if let Some(c) = codes
            .iter()
            .find(|c| !c.village().is_some_and(|v| actor.scope.covers(&v)))
        {
            return Err(self.deny(actor, c.as_str()).await);
        }
        let mut found = Vec::new();
        for chunk in codes.chunks(BATCH_ROWS) {
            let rows: Vec<String> = read!(self, |pool| {
                let mut qb = sqlx::QueryBuilder::new("SELECT code FROM households WHERE code IN (");
                let mut sep = qb.separated(", ");
                for c in chunk {
                    sep.push_bind(c.as_str().to_string());
                }
                qb.push(")");
                qb.build_query_scalar()
                    .fetch_all(pool)
                    .await
                    .map_err(backend)?
            });
            for r in rows {
                found.push(HouseholdCode::parse(&r).map_err(|e| corrupt("户编号", e))?);
            }
        }
        found.sort();
        Ok(found)
    }

    async fn create_lead(&self, actor: &Actor, lead: &NewLead) -> StoreResult<LeadCreated> {
        self.new_lead(actor, lead).await
    }

    async fn create_leads(
        &self,
        actor: &Actor,
        leads: &[NewLead],
    ) -> StoreResult<Vec<LeadCreated>> {
        self.new_leads(actor, leads).await
    }

    async fn leads(&self, actor: &Actor, filter: &LeadFilter) -> StoreResult<Vec<LeadRecord>> {
        self.list_leads(actor, filter).await
    }

    async fn lead(&self, actor: &Actor, id: i64) -> StoreResult<Option<LeadRecord>> {
        self.one_lead(actor, id).await
    }

    async fn public_lead_status(
        &self,
        tracking_code: &str,
        id_number: &IdNumber,
    ) -> StoreResult<Option<PublicLeadStatus>> {
        self.lead_status(tracking_code, id_number).await
    }

    async fn accept_lead(
        &self,
        actor: &Actor,
        id: i64,
        household: &HouseholdCode,
        opened: &Outcome,
    ) -> StoreResult<i64> {
        self.accept(actor, id, household, opened).await
    }

    async fn decline_lead(
        &self,
        actor: &Actor,
        id: i64,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()> {
        self.decline(actor, id, on, reason).await
    }

    async fn cases(&self, actor: &Actor, filter: &CaseFilter) -> StoreResult<Vec<CaseSummary>> {
        self.list_cases(actor, filter).await
    }

    async fn case_file(&self, actor: &Actor, id: i64) -> StoreResult<Option<CaseFile>> {
        self.file_of_case(actor, id).await
    }

    async fn record_step_with(
        &self,
        actor: &Actor,
        outcome: &Outcome,
        effect: &StepEffect,
    ) -> StoreResult<Option<i64>> {
        self.step(actor, outcome, effect).await
    }

    async fn record_histories(
        &self,
        actor: &Actor,
        histories: &[dixian_store::CaseHistory],
    ) -> StoreResult<Vec<i64>> {
        self.write_histories(actor, histories).await
    }

    async fn step_timeliness(
        &self,
        actor: &Actor,
        from: NaiveDate,
        until: NaiveDate,
    ) -> StoreResult<Vec<StepTimeliness>> {
        self.timeliness(actor, from, until).await
    }

    async fn add_visit(&self, actor: &Actor, visit: &NewVisit) -> StoreResult<i64> {
        self.new_visit(actor, visit).await
    }

    async fn deliver_feed(
        &self,
        actor: &Actor,
        delivery: &dixian_store::NewDelivery,
    ) -> StoreResult<dixian_store::Delivered> {
        self.record_delivery(actor, delivery).await
    }

    async fn deliveries(
        &self,
        actor: &Actor,
        limit: i64,
    ) -> StoreResult<Vec<dixian_store::DeliveryRecord>> {
        self.list_deliveries(actor, limit).await
    }

    async fn screening_input(&self, actor: &Actor) -> StoreResult<dixian_store::ScreeningInput> {
        self.input_for_screening(actor).await
    }

    async fn record_screening(
        &self,
        actor: &Actor,
        run: &dixian_store::NewScreeningRun,
    ) -> StoreResult<dixian_store::ScreeningOutcome> {
        self.save_screening(actor, run).await
    }

    async fn screening_runs(
        &self,
        actor: &Actor,
        limit: i64,
    ) -> StoreResult<Vec<dixian_store::ScreeningRunRecord>> {
        self.list_screening_runs(actor, limit).await
    }

    async fn case_facts(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<dixian_store::CaseFact>> {
        self.facts_of_cases(actor, within).await
    }

    async fn screening_rates(
        &self,
        actor: &Actor,
        since: chrono::NaiveDate,
    ) -> StoreResult<Vec<dixian_store::RuleRates>> {
        self.rates_of_screening(actor, since).await
    }

    async fn visits(&self, actor: &Actor, code: &HouseholdCode) -> StoreResult<Vec<VisitRecord>> {
        self.list_visits(actor, code).await
    }

    async fn visits_within(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<VisitRecord>> {
        self.visits_in_area(actor, within).await
    }

    async fn measures_within(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<(i64, dixian_domain::monitoring::Measure)>> {
        self.measures_in_area(actor, within).await
    }

    async fn visit_dates(
        &self,
        actor: &Actor,
        since: NaiveDate,
    ) -> StoreResult<Vec<(HouseholdCode, NaiveDate)>> {
        self.dates_of_visits(actor, since).await
    }

    async fn visit_photo(
        &self,
        actor: &Actor,
        visit_id: i64,
        photo_id: i64,
    ) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>> {
        self.photo_of_visit(actor, visit_id, photo_id).await
    }

    async fn assistance_cadres(&self, actor: &Actor) -> StoreResult<Vec<CadreAccount>> {
        self.cadre_accounts(actor).await
    }

    async fn add_problem(
        &self,
        actor: &Actor,
        problem: &dixian_store::problems::NewProblem,
    ) -> StoreResult<i64> {
        self.new_problem(actor, problem).await
    }

    async fn problems(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<dixian_store::problems::ProblemRecord>> {
        self.list_problems(actor, within).await
    }

    async fn problem(
        &self,
        actor: &Actor,
        id: i64,
    ) -> StoreResult<Option<dixian_store::problems::ProblemFile>> {
        self.file_of_problem(actor, id).await
    }

    async fn advance_problem(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        step: &dixian_store::problems::ProblemStep,
    ) -> StoreResult<()> {
        self.step_problem(actor, id, version, step).await
    }

    async fn problem_evidence(
        &self,
        actor: &Actor,
        problem_id: i64,
        file_id: i64,
    ) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>> {
        self.evidence_of_problem(actor, problem_id, file_id).await
    }

    async fn add_attachment(
        &self,
        actor: &Actor,
        case_id: i64,
        file: &NewAttachment,
    ) -> StoreResult<i64> {
        self.attach(actor, case_id, file).await
    }

    async fn attachment(
        &self,
        actor: &Actor,
        case_id: i64,
        id: i64,
    ) -> StoreResult<Option<(AttachmentMeta, Vec<u8>)>> {
        self.attachment_of(actor, case_id, id).await
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
            "problem_files",
            "body_enc",
            problems::F_PROBLEM_FILE,
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

    async fn create_user(&self, actor: &Actor, user: &NewUser) -> StoreResult<i64> {
        self.permit(actor, Permission::ManageUsers, &user.username)
            .await?;
        if !actor.scope.covers(&user.division) {
            return Err(self.deny(actor, &user.username).await);
        }
        let now = audit::timestamp(Utc::now());
        let detail = serde_json::json!({
            "display_name": user.display_name,
            "role": user.role.label(),
            "division": user.division.as_str(),
            "department": user.department,
            "must_change": user.must_change,
        })
        .to_string();
        let id = write_tx!(self, |tx| {
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                .bind(&user.username)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!(
                    "账号名{}已存在",
                    user.username
                )));
            }
            let id: i64 = allocate!(tx, "users", 1i64);
            audit_in!(tx, actor, "user.create", &user.username, &detail);
            sqlx::query(
                "INSERT INTO users (id, username, display_name, role, division_code, department, password_hash, must_change, password_changed_at, disabled, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(&user.username)
            .bind(&user.display_name)
            .bind(user.role.code())
            .bind(user.division.as_str())
            .bind(&user.department)
            .bind(&user.password_hash)
            .bind(user.must_change)
            .bind(&now)
            .bind(false)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            id
        });
        Ok(id)
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        let row: Option<UserRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
            )))
            .bind(username)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        row.map(UserRow::into_domain).transpose()
    }

    async fn user_by_id(&self, id: i64) -> StoreResult<Option<UserRecord>> {
        let row: Option<UserRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        row.map(UserRow::into_domain).transpose()
    }

    async fn users(&self, actor: &Actor) -> StoreResult<Vec<UserRecord>> {
        if !actor.may(Permission::ManageSecurity) {
            self.permit(actor, Permission::ManageUsers, "账号列表")
                .await?;
        }
        let (lo, hi) = actor.scope.code_range();
        let rows: Vec<UserRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS} FROM users WHERE division_code BETWEEN $1 AND $2 ORDER BY username"
            )))
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter().map(UserRow::into_domain).collect()
    }

    async fn set_user_password(
        &self,
        actor: &Actor,
        user_id: i64,
        password_hash: &str,
        must_change: bool,
    ) -> StoreResult<()> {
        if actor.user_id != Some(user_id) {
            self.permit(actor, Permission::ManageUsers, &format!("账号#{user_id}"))
                .await?;
        }
        let target = self.user_for_change(actor, user_id, true).await?;
        let detail = serde_json::json!({ "must_change": must_change }).to_string();
        let now = audit::timestamp(Utc::now());
        write_tx!(self, |tx| {
            audit_in!(tx, actor, "user.password", &target, &detail);
            sqlx::query(
                "UPDATE users SET password_hash = $1, must_change = $2, password_changed_at = $3 WHERE id = $4",
            )
            .bind(password_hash)
            .bind(must_change)
            .bind(&now)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        });
        Ok(())
    }

    async fn set_user_disabled(
        &self,
        actor: &Actor,
        user_id: i64,
        disabled: bool,
    ) -> StoreResult<()> {
        self.permit(actor, Permission::ManageUsers, &format!("账号#{user_id}"))
            .await?;
        let target = self.user_for_change(actor, user_id, false).await?;
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        write_tx!(self, |tx| {
            audit_in!(tx, actor, action, &target, "{}");
            sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                .bind(disabled)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        });
        Ok(())
    }

    async fn create_session(&self, session: &NewSession) -> StoreResult<()> {
        let created = audit::timestamp(session.created_at);
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, expires_at, source, user_agent, revoked)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&session.token_hash)
            .bind(session.user_id)
            .bind(&session.csrf_token)
            .bind(&created)
            .bind(&created)
            .bind(audit::timestamp(session.expires_at))
            .bind(&session.source)
            .bind(&session.user_agent)
            .bind(false)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        });
        Ok(())
    }

    async fn session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRecord>> {
        let row: Option<SessionRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT user_id, csrf_token, created_at, last_seen, expires_at, source, revoked
                 FROM sessions WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        row.map(|r| {
            Ok(SessionRecord {
                user_id: r.user_id,
                csrf_token: r.csrf_token,
                created_at: parse_time("会话时间", &r.created_at)?,
                last_seen: parse_time("会话时间", &r.last_seen)?,
                expires_at: parse_time("会话时间", &r.expires_at)?,
                source: r.source,
                revoked: r.revoked,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, token_hash: &[u8], at: chrono::DateTime<Utc>) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
                .bind(audit::timestamp(at))
                .bind(token_hash)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        });
        Ok(())
    }

    async fn revoke_session(&self, token_hash: &[u8]) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("UPDATE sessions SET revoked = $1 WHERE token_hash = $2")
                .bind(true)
                .bind(token_hash)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        });
        Ok(())
    }

    async fn revoke_user_sessions(&self, user_id: i64) -> StoreResult<usize> {
        let n = write_tx!(self, |tx| {
            sqlx::query("UPDATE sessions SET revoked = $1 WHERE user_id = $2 AND revoked = $3")
                .bind(true)
                .bind(user_id)
                .bind(false)
                .execute(&mut *tx)
                .await
                .map_err(backend)?
                .rows_affected()
        });
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    async fn record_login(&self, attempt: &LoginAttempt) -> StoreResult<()> {
        let actor = Actor {
            user_id: attempt.user_id,
            name: attempt.username.clone(),
            scope: dixian_domain::access::Scope::Everything,
            source: attempt.source.clone(),
            role: Some(dixian_domain::access::Role::Viewer),
        };
        let action = if attempt.success {
            "login.success"
        } else {
            "login.failure"
        };
        let detail = serde_json::json!({ "reason": attempt.reason }).to_string();
        write_tx!(self, |tx| {
            audit_in!(tx, &actor, action, &attempt.username, &detail);
            sqlx::query(
                "INSERT INTO login_attempts (at, username, user_id, source, success, reason)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(audit::timestamp(attempt.at))
            .bind(&attempt.username)
            .bind(attempt.user_id)
            .bind(&attempt.source)
            .bind(attempt.success)
            .bind(&attempt.reason)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        });
        Ok(())
    }

    async fn login_failures(
        &self,
        key: &LoginKey,
        since: chrono::DateTime<Utc>,
    ) -> StoreResult<FailureCount> {
        // The column name comes from this match, never from input.
        let (column, value) = match key {
            LoginKey::Username(u) => ("username", u),
            LoginKey::Source(s) => ("source", s),
        };
        let sql = format!(
            "SELECT COUNT(*), MAX(at) FROM login_attempts
             WHERE {column} = $1 AND success = $2 AND at > $3
               AND at > COALESCE((SELECT MAX(at) FROM login_attempts WHERE {column} = $1 AND success = $4), '')"
        );
        let (count, last): (i64, Option<String>) = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(value)
                .bind(false)
                .bind(audit::timestamp(since))
                .bind(true)
                .fetch_one(pool)
                .await
                .map_err(backend)?
        });
        Ok(FailureCount {
            count,
            last: last.map(|t| parse_time("登录时间", &t)).transpose()?,
        })
    }

    async fn login_history(&self, user_id: i64, limit: i64) -> StoreResult<Vec<LoginAttempt>> {
        let rows: Vec<AttemptRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT at, username, user_id, source, success, reason FROM login_attempts
                 WHERE user_id = $1 ORDER BY at DESC LIMIT $2",
            )
            .bind(user_id)
            .bind(limit.clamp(1, 1000))
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter()
            .map(|r| {
                Ok(LoginAttempt {
                    at: parse_time("登录时间", &r.at)?,
                    username: r.username,
                    user_id: r.user_id,
                    source: r.source,
                    success: r.success,
                    reason: r.reason,
                })
            })
            .collect()
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

    async fn prune_audit(
        &self,
        actor: &Actor,
        before: chrono::DateTime<Utc>,
    ) -> StoreResult<PruneReport> {
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
        let cutoff = audit::timestamp(before);
        let report = write_tx!(self, |tx| {
            let last: Option<(i64, Vec<u8>)> = sqlx::query_as(
                "SELECT seq, hash FROM audit_log WHERE at < $1 ORDER BY seq DESC LIMIT 1",
            )
            .bind(&cutoff)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
            let Some((through, hash)) = last else {
                return Ok(PruneReport::default());
            };
            let (anchor,): (i64,) = sqlx::query_as("SELECT seq FROM audit_anchor WHERE id = 1")
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
            let removed = through - anchor;
            let detail = serde_json::json!({
                "removed": removed,
                "through_seq": through,
                "before": cutoff,
            })
            .to_string();
            audit_in!(tx, actor, "audit.prune", "审计记录", &detail);
            sqlx::query("UPDATE audit_anchor SET seq = $1, hash = $2, pruned_at = $3 WHERE id = 1")
                .bind(through)
                .bind(&hash)
                .bind(audit::timestamp(Utc::now()))
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            sqlx::query("DELETE FROM audit_log WHERE seq <= $1")
                .bind(through)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            PruneReport {
                removed,
                through_seq: through,
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

/// The clause limiting a query on households `h` to those assigned to the cadre bound as
/// parameter `$n` (from [`assigned_to`]); 0 there means "not a cadre: no limit".
fn assigned_only(n: u8) -> String {
    format!(
        "AND (${n} = 0 OR h.id IN (SELECT household_id FROM cadre_assignments WHERE user_id = ${n}))"
    )
}

/// A reason a person gave for an audited act, trimmed, between `min` and 200 characters;
/// otherwise `message`.
fn stated_reason(reason: &str, min: usize, message: &str) -> StoreResult<String> {
    let r = reason.trim();
    if (min..=200).contains(&r.chars().count()) {
        Ok(r.to_string())
    } else {
        Err(StoreError::Invalid(message.into()))
    }
}

/// The account whose assignments limit the actor's reads: a 帮扶责任人 sees only the
/// households assigned to them (none, if the actor has no account); 0 for everyone else.
fn assigned_to(actor: &Actor) -> i64 {
    match actor.role {
        Some(Role::AssistanceCadre) => actor.user_id.unwrap_or(-1),
        _ => 0,
    }
}

/// Duplicates inside one batch are conflicts too; the store reports the first.
fn check_batch_unique<'a>(
    records: impl IntoIterator<Item = &'a HouseholdRecord>,
) -> StoreResult<()> {
    let mut codes = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for r in records {
        if !codes.insert(r.household.code.as_str()) {
            return Err(StoreError::Conflict(format!(
                "户编号{}在同一批数据中出现多次",
                r.household.code
            )));
        }
        for p in &r.members {
            if !ids.insert(p.id_number.as_str()) {
                return Err(StoreError::Conflict(format!(
                    "身份证号{}在同一批数据中出现多次，一人只能属于一户",
                    p.id_number.masked()
                )));
            }
        }
    }
    Ok(())
}
