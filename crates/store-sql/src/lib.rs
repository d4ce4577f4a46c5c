//! The dixian store on SQLite (embedded default) and PostgreSQL (provinces).
//!
//! Business logic is written once: each method's body is expanded for both backends by
//! the [`read!`] and [`write_tx!`] macros, with portable SQL (`$1` placeholders work on both).
//! Each capability implements its trait of `dixian_store` in the module of the same noun
//! (`impl RegistryStore for SqlStore` in `registry.rs`, `impl ProblemStore` in
//! `problems.rs` …), under the trait's own method names; this file holds the connection, the
//! macros and the checks every capability shares (scope, permission, refusal).
//! SQLite runs one writer connection that opens every transaction with `BEGIN IMMEDIATE`
//! beside a read pool, so a write never fails half way with `SQLITE_BUSY_SNAPSHOT`.

mod migrate;

use chrono::Utc;
use dixian_domain::access::{Actor, Permission, Role, Scope};

use dixian_domain::division::DivisionCode;
use dixian_domain::policy::Pack;
use dixian_domain::registry::HouseholdCode;
use dixian_gm::{FieldCipher, GmError, to_hex};
use dixian_store::prelude::*;

use dixian_store::StoreError;
use dixian_store::StoreResult;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
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
        // Callers that know the table turn this into a sentence naming the record; the web
        // shows no database words (`error::message_of`).
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(format!("违反唯一性约束（{}）", db.message()))
        }
        _ => StoreError::Backend(e.to_string()),
    }
}

/// Creates `path` readable and writable by its owner only (0600), or narrows an existing
/// file to that: the database holds names, health and incomes in plain text, and SQLite gives
/// its WAL and shared-memory files the database file's permissions.
pub(crate) fn owner_only(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        } else {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}：{detail}"))
}

/// Runs `$body` with `$pool` bound to the read pool of whichever backend is in use.
macro_rules! read {
    ($self:ident, |$pool:ident| $body:expr) => {
        match &$self.db {
            $crate::Db::Sqlite { read, .. } => {
                let $pool = read;
                $body
            }
            $crate::Db::Postgres(pg) => {
                let $pool = pg;
                $body
            }
        }
    };
}

/// The rows of query `$inner` (selecting `$columns`, its binds applied to `$q` by `$bind`)
/// as a list of `$T` (a `FromRow` and `Deserialize` row type), the fastest way on each
/// database: on SQLite packed in one JSON value by the database ([`json_rows_sql`]) and read
/// by serde, on PostgreSQL as rows, decoded by sqlx. `$what` names the data in an error.
macro_rules! json_rows {
    ($self:ident, $T:ty, $what:expr, $inner:expr, $columns:expr, |$q:ident| $bind:expr) => {
        match &$self.db {
            $crate::Db::Sqlite { read, .. } => {
                let $q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(
                    $crate::json_rows_sql(&$inner, &$columns),
                ));
                let packed: String = $bind.fetch_one(read).await.map_err($crate::backend)?;
                $crate::from_json_rows::<$T>($what, &packed)?
            }
            $crate::Db::Postgres(pg) => {
                let $q = sqlx::query_as::<_, $T>(sqlx::AssertSqlSafe($inner.to_string()));
                $bind.fetch_all(pg).await.map_err($crate::backend)?
            }
        }
    };
}

/// Runs `$body` inside a write transaction bound to `$tx` and commits it. An early return
/// through `?` drops the transaction, which rolls it back.
macro_rules! write_tx {
    ($self:ident, |$tx:ident| $body:expr) => {
        match &$self.db {
            $crate::Db::Sqlite { write, .. } => {
                let mut $tx = write
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err($crate::backend)?;
                let out = $body;
                $tx.commit().await.map_err($crate::backend)?;
                out
            }
            $crate::Db::Postgres(pg) => {
                let mut $tx = pg.begin().await.map_err($crate::backend)?;
                let out = $body;
                $tx.commit().await.map_err($crate::backend)?;
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
        .map_err($crate::backend)?;
        next - $n
    }};
}

/// Seals `$files` (`NewAttachment`s) under field `$field` into `$table`, each belonging to
/// `$owner` (by column `$owner_column`) and to the step `$event`, inside transaction `$tx`.
macro_rules! seal_files {
    ($store:expr, $tx:ident, $table:literal, $owner_column:literal, $owner:expr, $event:expr, $files:expr, $field:expr) => {
        for f in $files {
            let fid: i64 = allocate!($tx, $table, 1i64);
            let sealed = $store
                .cipher
                .encrypt_bytes($field, &fid.to_string(), &f.bytes)
                .map_err($crate::crypto)?;
            sqlx::query(concat!(
                "INSERT INTO ",
                $table,
                " (id, ",
                $owner_column,
                ", event_id, name, content_type, size, body_enc)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)"
            ))
            .bind(fid)
            .bind($owner)
            .bind($event)
            .bind(f.name.chars().take(200).collect::<String>())
            .bind(&f.content_type)
            .bind(i64::try_from(f.bytes.len()).unwrap_or(i64::MAX))
            .bind(sealed)
            .execute(&mut *$tx)
            .await
            .map_err($crate::backend)?;
        }
    };
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
                .map_err($crate::backend)?;
        let at = $crate::audit::timestamp(::chrono::Utc::now());
        let actor: &::dixian_domain::access::Actor = $actor;
        let (action, target, detail): (&str, &str, &str) = ($action, $target, $detail);
        let hash = $crate::audit::Entry::of(seq, &at, actor, action, target, detail).hash(&prev);
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
        .map_err($crate::backend)?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(&hash[..])
            .execute(&mut *$tx)
            .await
            .map_err($crate::backend)?;
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
            .map_err($crate::backend)?;
            let at = $crate::audit::timestamp(::chrono::Utc::now());
            let actor: &::dixian_domain::access::Actor = $actor;
            let mut rows = Vec::with_capacity(entries.len());
            for (seq, (action, target, detail)) in (last - n + 1..).zip(entries) {
                let hash = $crate::audit::Entry::of(seq, &at, actor, action, target, detail)
                    .hash(&prev)
                    .to_vec();
                rows.push((seq, action, target, detail, std::mem::replace(&mut prev, hash.clone()), hash));
            }
            for chunk in rows.chunks($crate::BATCH_ROWS) {
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
                qb.build().execute(&mut *$tx).await.map_err($crate::backend)?;
            }
            sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
                .bind(&prev[..])
                .execute(&mut *$tx)
                .await
                .map_err($crate::backend)?;
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
                pipelined!($tx, wrote, households.chunks($crate::BATCH_ROWS), |chunk: &[(i64, &HouseholdRecord)]| {
            let mut sealed = Vec::with_capacity(chunk.len());
            for (id, r) in chunk {
                let seal = |field: &str, value: &Option<String>| -> StoreResult<_> {
                    value
                        .as_ref()
                        .map(|v| {
                            Ok((
                                cipher.encrypt(field, &id.to_string(), v).map_err($crate::crypto)?,
                                cipher.blind_index(field, v),
                            ))
                        })
                        .transpose()
                };
                sealed.push((
                    seal($crate::F_PHONE, &r.household.phone)?,
                    seal($crate::F_BANK, &r.household.bank_account)?,
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
                pipelined!($tx, wrote, persons.chunks($crate::BATCH_ROWS), |chunk: &[(i64, i64, &dixian_domain::registry::Person)]| {
            let mut sealed = Vec::with_capacity(chunk.len());
            for (id, _, p) in chunk {
                let n = p.id_number.as_str();
                sealed.push((
                    cipher
                        .encrypt($crate::F_ID_NUMBER, &id.to_string(), n)
                        .map_err($crate::crypto)?,
                    cipher.blind_index($crate::F_ID_NUMBER, n),
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
                pipelined!($tx, wrote, incomes.chunks($crate::BATCH_ROWS), |chunk: &[(i64, &dixian_domain::registry::Income)]| {
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
        pipelined!($tx, wrote, assurances.chunks($crate::BATCH_ROWS), |chunk: &[(i64, &dixian_domain::assurance::Assurance)]| {
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
        qb.build()
            .execute(&mut *$tx)
            .await
            .map_err($crate::backend)?;
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
            done.map_err($crate::backend)?;
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
        .map_err($crate::backend)?;
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
        .map_err($crate::backend)?;
    }};
}

/// Inside transaction `$tx`, takes the kept files `$ids` of `$actor` for `$owner` (a
/// [`drafts::DraftOwner`], see `VisitStore::keep_photo_drafts`): each decrypted and deleted —
/// once, so a second save of the same form finds it gone — and then the officer's other
/// drafts for the owner and everyone's expired ones. Gives them as attachments for the form's
/// own table (visit photos, problem or rectification evidence).
macro_rules! take_drafts {
    ($self:ident, $tx:ident, $actor:expr, $owner:expr, $ids:expr) => {{
        let owner: $crate::drafts::DraftOwner = $owner;
        sqlx::query("DELETE FROM file_drafts WHERE created_at < $1")
            .bind($crate::drafts::draft_cutoff())
            .execute(&mut *$tx)
            .await
            .map_err($crate::backend)?;
        let mut taken = Vec::new();
        for draft in $ids {
            let kept: Option<$crate::drafts::DraftRow> = sqlx::query_as(owner.pick_sql())
                .bind(*draft)
                .bind(&$actor.name)
                .bind(owner.id())
                .fetch_optional(&mut *$tx)
                .await
                .map_err($crate::backend)?;
            let kept = kept.ok_or_else($crate::drafts::gone_draft)?;
            let bytes = $self
                .cipher
                .decrypt_bytes(
                    $crate::drafts::F_FILE_DRAFT,
                    &kept.id.to_string(),
                    &kept.body_enc,
                )
                .map_err($crate::crypto)?;
            let gone = sqlx::query("DELETE FROM file_drafts WHERE id = $1")
                .bind(kept.id)
                .execute(&mut *$tx)
                .await
                .map_err($crate::backend)?;
            if gone.rows_affected() != 1 {
                return Err($crate::drafts::gone_draft());
            }
            taken.push(dixian_store::NewAttachment {
                kind: dixian_domain::monitoring::AttachmentKind::Photo,
                name: kept.name,
                content_type: kept.content_type,
                bytes,
            });
        }
        sqlx::query(owner.clear_sql())
            .bind(&$actor.name)
            .bind(owner.id())
            .execute(&mut *$tx)
            .await
            .map_err($crate::backend)?;
        taken
    }};
}

mod accounts;
mod assets;
mod audit;
mod cadres;
mod calendar;
mod complaints;
mod divisions;
mod drafts;
mod feeds;
mod funds;
mod policy;
mod system;
mod teams;
#[macro_use]
mod monitoring;
mod problems;
mod rectification;
mod registry;
mod screening;
mod villages;
mod visits;

/// Rows per multi-row INSERT: below SQLite's 32,766 bound parameters for the widest table.
const BATCH_ROWS: usize = 1000;

/// The name of the 户主 living in household `h` (NULL when none does), for lists that show
/// each row's household by its head.
pub(crate) const LIVING_HEAD_NAME: &str = "(SELECT hp.name FROM persons hp
    WHERE hp.household_id = h.id AND hp.relation = 'head' AND hp.status = 'in_household'
    ORDER BY hp.id LIMIT 1)";

impl SqlStore {
    /// The database's "position of a substring" function (`instr` on SQLite, `strpos` on
    /// PostgreSQL), for searches by part of a name or a code.
    pub(crate) fn find_fn(&self) -> &'static str {
        match self.db {
            Db::Sqlite { .. } => "instr",
            Db::Postgres(_) => "strpos",
        }
    }

    /// Opens (creating if missing) the SQLite database at `path`, migrates it, and checks
    /// that `cipher` holds the keys the data was written with.
    pub async fn open_sqlite(path: &Path, cipher: Arc<FieldCipher>) -> StoreResult<SqlStore> {
        owner_only(path).map_err(|e| {
            StoreError::Unavailable(format!("无法打开数据库文件{}：{e}", path.display()))
        })?;
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
        // The server's default random_page_cost (4) prices an index lookup as a spinning
        // disk's seek: an area's 5,000 cases of 100,000 households were then joined by
        // scanning every household. Our working set is in memory or on SSD, where 1.1 is the
        // usual setting. Set per session after connecting (a startup `options` parameter is
        // refused by PgBouncer and some cloud proxies), best effort; a URL that names the
        // setting keeps its own (decision 64).
        let tune = !url.contains("random_page_cost");
        let host = opts.get_host().to_string();
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if tune
                        && let Err(e) = sqlx::raw_sql("SET random_page_cost = 1.1")
                            .execute(conn)
                            .await
                    {
                        tracing::warn!(error = %e, "无法设置 random_page_cost，按服务器设置执行");
                    }
                    Ok(())
                })
            })
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

/// The day in China (UTC+8 all year) of a stored moment: when an assignment began, as the
/// forms' dates are read.
/// Files a step brings, `noun` naming them: at most `max`, none empty or over the limit.
pub(crate) fn checked_files(
    files: &[dixian_store::NewAttachment],
    max: usize,
    noun: &str,
) -> StoreResult<()> {
    if files.len() > max {
        return Err(StoreError::Invalid(format!(
            "每次最多上传{max}个{noun}，选了{}个",
            files.len()
        )));
    }
    if let Some(f) = files
        .iter()
        .find(|f| f.bytes.is_empty() || f.bytes.len() > dixian_store::files::MAX_ATTACHMENT_BYTES)
    {
        return Err(StoreError::Invalid(format!(
            "{noun}“{}”为空或超过{} MB",
            f.name,
            dixian_store::files::MAX_ATTACHMENT_BYTES >> 20
        )));
    }
    Ok(())
}

/// A sealed file's description as its owner's history reads it (problem, project or
/// rectification evidence): id, the step's event id, name, content type, size.
pub(crate) type FileRow = (i64, i64, String, String, i64);

/// The files of `rows` brought by step `event`, in the rows' order.
pub(crate) fn files_of(rows: &[FileRow], event: i64) -> Vec<dixian_store::PhotoMeta> {
    rows.iter()
        .filter(|f| f.1 == event)
        .map(|f| dixian_store::PhotoMeta {
            id: f.0,
            name: f.2.clone(),
            content_type: f.3.clone(),
            size: f.4,
        })
        .collect()
}

pub(crate) fn beijing_day(t: chrono::DateTime<Utc>) -> chrono::NaiveDate {
    (t + chrono::Duration::hours(8)).date_naive()
}

/// The designation filter of a list with positional parameters: true when parameter `kind`
/// is empty, or the division in `column` (a trusted column name), its town or its county holds
/// that designation on the day in parameter `on`.
pub(crate) fn designated_sql(column: &str, kind: &str, on: &str) -> String {
    format!(
        "({kind} = '' OR EXISTS (SELECT 1 FROM designations d
           WHERE d.kind = {kind} AND d.from_on <= {on} AND (d.to_on IS NULL OR d.to_on >= {on})
             AND d.division IN ({column}, substr({column}, 1, 9) || '000',
                                substr({column}, 1, 6) || '000000')))"
    )
}

/// The bindings of [`designated_sql`]'s two parameters for an optional filter.
pub(crate) fn designation_binds(
    d: Option<&(String, chrono::NaiveDate)>,
) -> (String, chrono::NaiveDate) {
    d.map_or_else(
        || (String::new(), chrono::NaiveDate::default()),
        Clone::clone,
    )
}

/// ` AND EXISTS …`: the village in `column` (a trusted column name), or its town or county,
/// holds designation `kind` on day `on` — the designation filter of the lists.
pub(crate) fn push_designated<DB: sqlx::Database>(
    qb: &mut sqlx::QueryBuilder<DB>,
    column: &'static str,
    (kind, on): &(String, chrono::NaiveDate),
) where
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> chrono::NaiveDate: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    qb.push(" AND EXISTS (SELECT 1 FROM designations d WHERE d.kind = ")
        .push_bind(kind.clone())
        .push(" AND d.from_on <= ")
        .push_bind(*on)
        .push(" AND (d.to_on IS NULL OR d.to_on >= ")
        .push_bind(*on)
        .push(format!(
            ") AND d.division IN ({column}, substr({column}, 1, 9) || '000', \
             substr({column}, 1, 6) || '000000'))"
        ));
}

/// The first moment (UTC) of a day in China, stored as the start of a period given by its day.
pub(crate) fn beijing_midnight(day: chrono::NaiveDate) -> chrono::DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::Duration::hours(8)
}

fn parse_time(what: &str, text: &str) -> StoreResult<chrono::DateTime<Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| corrupt(what, e))
}

/// A by-id read (case, problem, lead, attachment, photo) of something outside the actor's
/// area answers as if it did not exist — the refusal is still audited — so ids cannot be
/// probed for existence (403 against 404). Role refusals stay refusals: they are the same
/// for every id.
fn out_of_sight(r: StoreResult<()>) -> StoreResult<bool> {
    match r {
        Ok(()) => Ok(true),
        Err(StoreError::Forbidden) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The clause limiting a query on households `h` to those assigned to the cadre bound as
/// parameter `$n` (from [`assigned_to`]); 0 there means "not a cadre: no limit".
fn assigned_only(n: u8) -> String {
    assigned_only_on(n, "h.id")
}

/// [`assigned_only`] on a query naming the household's id by `household_id`.
fn assigned_only_on(n: u8, household_id: &str) -> String {
    format!(
        "AND (${n} = 0 OR {household_id} IN (SELECT household_id FROM cadre_assignments WHERE user_id = ${n}))"
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

/// A column holding a login name, read as the account's display name (the officer's name as
/// histories, lists and prints show it); a name no account has (a system job, a removed
/// account) is shown as stored.
pub(crate) fn shown_name(column: &str) -> String {
    format!("COALESCE((SELECT u.display_name FROM users u WHERE u.username = {column}), {column})")
}

/// The rows of `inner` (selecting `columns`) as one JSON array in one value, for SQLite:
/// sqlx decodes each value of each SQLite row on its own, which for lists of thousands of
/// rows of thirty columns cost several times the query (the data-quality check of a county:
/// 5,000 cases, 15,000 people). PostgreSQL's `json_agg` costs more than its rows do, so there
/// the rows are read as rows (see `json_rows!`).
pub(crate) fn json_rows_sql(inner: &str, columns: &[&str]) -> String {
    format!(
        "SELECT COALESCE(json_group_array(json_object({})), '[]') FROM ({inner}) t",
        columns
            .iter()
            .map(|c| format!("'{c}', t.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Rows as [`json_rows_sql`] packed them.
pub(crate) fn from_json_rows<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> StoreResult<Vec<T>> {
    serde_json::from_str(text).map_err(|e| corrupt(what, e))
}

/// A truth value as either database packs it: SQLite's 0/1, PostgreSQL's true/false.
pub(crate) fn flex_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Flex {
        Bool(bool),
        Int(i64),
    }
    Ok(match <Flex as serde::Deserialize>::deserialize(d)? {
        Flex::Bool(b) => b,
        Flex::Int(i) => i != 0,
    })
}
