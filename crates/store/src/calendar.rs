//! The work calendar (工作日历): statutory holidays and 调休 working days.

use crate::StoreResult;
use async_trait::async_trait;
use dixian_domain::access::Actor;
use dixian_domain::calendar::CalendarEntry;
use dixian_domain::calendar::WorkCalendar;

/// The work calendar (工作日历): statutory holidays and 调休 working days.
#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Inserts or replaces calendar entries (an administrator adding a year).
    async fn put_calendar(&self, actor: &Actor, entries: &[CalendarEntry]) -> StoreResult<usize>;
    async fn calendar(&self) -> StoreResult<WorkCalendar>;
}
