//! Complaints and suggestions (投诉建议): handled by the county office whose county lies in
//! the handler's scope; the sender's phone sealed, revealed only with a reason; every write
//! and every reveal audited.

use crate::{SqlStore, audit, backend, corrupt, crypto, parse_time, stated_reason};
use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use dixian_domain::access::{Actor, Permission};
use dixian_domain::complaints::{ComplaintChannel, ComplaintKind, ComplaintStatus};
use dixian_domain::division::DivisionCode;
use dixian_domain::registry::mask_phone;
use dixian_store::prelude::*;
use dixian_store::{
    ComplaintFilter, ComplaintRecord, NewComplaint, PublicComplaint, StoreError, StoreResult,
};

/// Field name of sealed complaint phones (part of each ciphertext's associated data).
pub(crate) const F_COMPLAINT_PHONE: &str = "complaint.phone";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    code: String,
    county: String,
    kind: String,
    channel: String,
    body: String,
    sender_name: Option<String>,
    phone_enc: Option<Vec<u8>>,
    sent_by: Option<String>,
    received_on: NaiveDate,
    received_at: String,
    due_on: Option<NaiveDate>,
    status: String,
    reply: Option<String>,
    replied_on: Option<NaiveDate>,
    replied_at: Option<String>,
    replied_by: Option<String>,
}

fn columns() -> String {
    format!(
        "id, code, county, kind, channel, body, sender_name, phone_enc,
         CASE WHEN sent_by IS NULL THEN NULL ELSE {} END AS sent_by, received_on, received_at,
         due_on, status, reply, replied_on, replied_at,
         CASE WHEN replied_by IS NULL THEN NULL ELSE {} END AS replied_by",
        crate::shown_name("sent_by"),
        crate::shown_name("replied_by")
    )
}

/// The filter's conditions from parameter `$3` on (`$1`, `$2`: the county range; `$8`: the
/// account for `mine`).
const WHERE: &str = "WHERE (($8 = 0 AND county BETWEEN $1 AND $2) OR ($8 <> 0 AND account_id = $8))
    AND ($3 = '' OR status = $3)
    AND ($4 = '' OR kind = $4)
    AND ($5 IS NULL OR received_on >= $5)
    AND ($6 IS NULL OR received_on <= $6)
    AND ($7 IS NULL OR (status = 'open' AND due_on < $7))";

impl SqlStore {
    fn complaint_record(&self, r: Row) -> StoreResult<ComplaintRecord> {
        let phone_masked = r
            .phone_enc
            .as_ref()
            .map(|blob| {
                self.cipher
                    .decrypt(F_COMPLAINT_PHONE, &r.id.to_string(), blob)
                    .map(|p| mask_phone(&p))
                    .map_err(crypto)
            })
            .transpose()?;
        Ok(ComplaintRecord {
            id: r.id,
            code: r.code,
            county: DivisionCode::parse(&r.county).map_err(|e| corrupt("区划代码", e))?,
            kind: ComplaintKind::parse(&r.kind).ok_or_else(|| corrupt("投诉建议类型", &r.kind))?,
            channel: ComplaintChannel::parse(&r.channel)
                .ok_or_else(|| corrupt("投诉建议来源", &r.channel))?,
            text: r.body,
            name: r.sender_name,
            phone_masked,
            sent_by: r.sent_by,
            received_on: r.received_on,
            received_at: parse_time("投诉建议时间", &r.received_at)?,
            due_on: r.due_on,
            status: ComplaintStatus::parse(&r.status)
                .ok_or_else(|| corrupt("投诉建议状态", &r.status))?,
            reply: r.reply,
            replied_on: r.replied_on,
            replied_at: r
                .replied_at
                .as_deref()
                .map(|t| parse_time("答复时间", t))
                .transpose()?,
            replied_by: r.replied_by,
        })
    }

    /// Whether `actor` handles complaints of `county`: `HandleCases` and a scope reaching
    /// the county office (a town's scope does not).
    fn handles(actor: &Actor, county: &DivisionCode) -> bool {
        actor.may(Permission::HandleCases) && actor.scope.covers(county)
    }

    async fn complaint_row(&self, id: i64) -> StoreResult<Option<(Row, Option<i64>)>> {
        #[derive(sqlx::FromRow)]
        struct WithAccount {
            #[sqlx(flatten)]
            row: Row,
            account_id: Option<i64>,
        }
        let found: Option<WithAccount> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {}, account_id FROM complaints WHERE id = $1",
                columns()
            )))
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        Ok(found.map(|w| (w.row, w.account_id)))
    }
}

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

#[async_trait]
impl ComplaintStore for SqlStore {
    async fn add_complaint(&self, actor: &Actor, c: &NewComplaint) -> StoreResult<i64> {
        if c.text.trim().is_empty() || c.code.trim().is_empty() {
            return Err(StoreError::Invalid("投诉建议内容和编号不能为空".into()));
        }
        let now = audit::timestamp(Utc::now());
        let detail = serde_json::json!({
            "code": c.code,
            "county": c.county.as_str(),
            "kind": c.kind.label(),
            "channel": c.channel.label(),
            "due_on": date_text(c.due_on),
        })
        .to_string();
        // A code already used is a unique violation of the insert: a `Conflict`, nothing written.
        let account = actor
            .user_id
            .filter(|_| c.channel == ComplaintChannel::Staff);
        let id = write_tx!(self, |tx| {
            let id: i64 = allocate!(tx, "complaints", 1i64);
            let phone = c
                .phone
                .as_deref()
                .map(|p| self.cipher.encrypt(F_COMPLAINT_PHONE, &id.to_string(), p))
                .transpose()
                .map_err(crypto)?;
            sqlx::query(
                "INSERT INTO complaints (id, code, county, kind, channel, body, sender_name,
                   phone_enc, account_id, sent_by, received_on, received_at, due_on, status)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open')",
            )
            .bind(id)
            .bind(&c.code)
            .bind(c.county.as_str())
            .bind(c.kind.code())
            .bind(c.channel.code())
            .bind(c.text.trim())
            .bind(c.name.as_deref())
            .bind(phone)
            .bind(account)
            .bind(account.map(|_| actor.name.clone()))
            .bind(c.received_on)
            .bind(&now)
            .bind(c.due_on)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            audit_in!(
                tx,
                actor,
                "complaint.create",
                &format!("投诉建议#{id}"),
                &detail
            );
            id
        });
        Ok(id)
    }

    async fn complaints(
        &self,
        actor: &Actor,
        f: &ComplaintFilter,
    ) -> StoreResult<(Vec<ComplaintRecord>, u64)> {
        let mine = if f.mine {
            // Any account lists what it sent; the system has none.
            actor.user_id.unwrap_or(-1)
        } else {
            self.permit(actor, Permission::HandleCases, "投诉建议")
                .await?;
            0
        };
        let (lo, hi) = actor.scope.code_range();
        let status = f.status.map(|s| s.code()).unwrap_or_default();
        let kind = f.kind.map(|k| k.code()).unwrap_or_default();
        let (from, until, overdue) = (f.from, f.until, f.overdue_on);
        let limit = i64::from(f.limit.clamp(1, 500));
        let offset = i64::from(f.offset);
        macro_rules! bind_filter {
            ($q:expr) => {
                $q.bind(&lo)
                    .bind(&hi)
                    .bind(status)
                    .bind(kind)
                    .bind(from)
                    .bind(until)
                    .bind(overdue)
                    .bind(mine)
            };
        }
        let (rows, total): (Vec<Row>, i64) = read!(self, |pool| {
            let rows = bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM complaints {WHERE}
                 ORDER BY received_at DESC, id DESC LIMIT {limit} OFFSET {offset}",
                columns()
            ))))
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            let total = bind_filter!(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM complaints {WHERE}"
            ))))
            .fetch_one(pool)
            .await
            .map_err(backend)?;
            (rows, total)
        });
        let list = rows
            .into_iter()
            .map(|r| self.complaint_record(r))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((list, u64::try_from(total).unwrap_or(0)))
    }

    async fn complaint(&self, actor: &Actor, id: i64) -> StoreResult<Option<ComplaintRecord>> {
        let Some((row, account)) = self.complaint_row(id).await? else {
            return Ok(None);
        };
        let county = DivisionCode::parse(&row.county).map_err(|e| corrupt("区划代码", e))?;
        let sender = account.is_some() && account == actor.user_id;
        if !sender && !Self::handles(actor, &county) {
            // Answers as if it did not exist; the refusal is audited.
            let _ = self.deny(actor, &format!("投诉建议#{id}")).await;
            return Ok(None);
        }
        self.complaint_record(row).map(Some)
    }

    async fn reply_complaint(
        &self,
        actor: &Actor,
        id: i64,
        reply: &str,
        replied_on: NaiveDate,
    ) -> StoreResult<()> {
        let target = format!("投诉建议#{id}");
        self.permit(actor, Permission::HandleCases, &target).await?;
        let Some((row, _)) = self.complaint_row(id).await? else {
            return Err(StoreError::Invalid(format!("{target}不存在")));
        };
        let county = DivisionCode::parse(&row.county).map_err(|e| corrupt("区划代码", e))?;
        if !Self::handles(actor, &county) {
            return Err(self.deny(actor, &target).await);
        }
        let reply = reply.trim();
        if reply.is_empty() {
            return Err(StoreError::Invalid("答复内容不能为空".into()));
        }
        if replied_on < row.received_on {
            return Err(StoreError::Invalid(format!(
                "答复日期{replied_on}早于收到日期{}",
                row.received_on
            )));
        }
        let now = audit::timestamp(Utc::now());
        let detail = serde_json::json!({
            "replied_on": replied_on.to_string(),
            "due_on": date_text(row.due_on),
            "chars": reply.chars().count(),
        })
        .to_string();
        write_tx!(self, |tx| {
            // Only an open complaint takes an answer: a second reply (two handlers at once,
            // a resubmitted form) changes nothing.
            let done = sqlx::query(
                "UPDATE complaints SET status = 'replied', reply = $1, replied_on = $2,
                   replied_at = $3, replied_by = $4
                 WHERE id = $5 AND status = 'open'",
            )
            .bind(reply)
            .bind(replied_on)
            .bind(&now)
            .bind(&actor.name)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Invalid(format!(
                    "{target}已经答复过了，不能重复答复"
                )));
            }
            audit_in!(tx, actor, "complaint.reply", &target, &detail);
        });
        Ok(())
    }

    async fn reveal_complaint_phone(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
    ) -> StoreResult<Option<String>> {
        let target = format!("投诉建议#{id}");
        self.permit(actor, Permission::RevealPii, &target).await?;
        let reason = stated_reason(
            reason,
            4,
            "查看完整联系电话须填写理由（4到200个字），理由将记入审计记录",
        )?;
        let Some((row, _)) = self.complaint_row(id).await? else {
            return Ok(None);
        };
        let county = DivisionCode::parse(&row.county).map_err(|e| corrupt("区划代码", e))?;
        if !Self::handles(actor, &county) {
            return Err(self.deny(actor, &target).await);
        }
        let Some(blob) = row.phone_enc else {
            return Ok(None);
        };
        let phone = self
            .cipher
            .decrypt(F_COMPLAINT_PHONE, &id.to_string(), &blob)
            .map_err(crypto)?;
        let detail = serde_json::json!({
            "field": "联系电话",
            "masked": mask_phone(&phone),
            "reason": reason,
        })
        .to_string();
        self.audit(actor, "pii.reveal", &target, &detail).await?;
        Ok(Some(phone))
    }

    async fn public_complaint(&self, code: &str) -> StoreResult<Option<PublicComplaint>> {
        type R = (
            String,
            String,
            NaiveDate,
            Option<NaiveDate>,
            String,
            Option<String>,
            Option<NaiveDate>,
        );
        let row: Option<R> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT kind, body, received_on, due_on, status, reply, replied_on
                 FROM complaints WHERE code = $1",
            )
            .bind(code.trim())
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        row.map(
            |(kind, text, received_on, due_on, status, reply, replied_on)| {
                Ok(PublicComplaint {
                    kind: ComplaintKind::parse(&kind)
                        .ok_or_else(|| corrupt("投诉建议类型", &kind))?,
                    text,
                    received_on,
                    due_on,
                    status: ComplaintStatus::parse(&status)
                        .ok_or_else(|| corrupt("投诉建议状态", &status))?,
                    reply,
                    replied_on,
                })
            },
        )
        .transpose()
    }

    async fn complaint_timings(
        &self,
        actor: &Actor,
        from: NaiveDate,
        until: NaiveDate,
    ) -> StoreResult<Vec<(Option<NaiveDate>, Option<NaiveDate>)>> {
        self.permit(actor, Permission::HandleCases, "投诉建议")
            .await?;
        let (lo, hi) = actor.scope.code_range();
        let rows = read!(self, |pool| {
            sqlx::query_as(
                "SELECT due_on, replied_on FROM complaints
                 WHERE county BETWEEN $1 AND $2 AND received_on BETWEEN $3 AND $4",
            )
            .bind(&lo)
            .bind(&hi)
            .bind(from)
            .bind(until)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        Ok(rows)
    }
}
