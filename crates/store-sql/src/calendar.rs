//! The work calendar (工作日历) as stored.

use crate::BATCH_ROWS;
use crate::SqlStore;
use crate::backend;
use crate::corrupt;
use async_trait::async_trait;
use chrono::NaiveDate;
use dixian_domain::access::Actor;
use dixian_domain::access::Permission;
use dixian_domain::calendar::CalendarEntry;
use dixian_domain::calendar::DayKind;
use dixian_domain::calendar::WorkCalendar;
use dixian_store::CalendarStore;
use dixian_store::StoreResult;
use std::collections::BTreeSet;

#[async_trait]
impl CalendarStore for SqlStore {
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
}
