//! Complaints and suggestions (投诉建议) sent to a county office, and its answers.

use crate::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::access::Actor;
use dixian_domain::complaints::{ComplaintChannel, ComplaintKind, ComplaintStatus};
use dixian_domain::division::DivisionCode;

/// A complaint to store, checked already (`dixian_domain::complaints::check`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComplaint {
    /// The code the sender reads the answer by; unique (a clash is a `Conflict`).
    pub code: String,
    /// The county office it goes to.
    pub county: DivisionCode,
    pub kind: ComplaintKind,
    pub channel: ComplaintChannel,
    pub text: String,
    pub name: Option<String>,
    /// Sealed in storage; handlers see it masked and reveal it with a reason.
    pub phone: Option<String>,
    pub received_on: NaiveDate,
    /// The day an answer is due, by the pack in force on `received_on`.
    pub due_on: Option<NaiveDate>,
}

/// A complaint as its handlers see it (the phone masked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintRecord {
    pub id: i64,
    pub code: String,
    pub county: DivisionCode,
    pub kind: ComplaintKind,
    pub channel: ComplaintChannel,
    pub text: String,
    pub name: Option<String>,
    pub phone_masked: Option<String>,
    /// The account that sent it (its display name), for a member of staff.
    pub sent_by: Option<String>,
    pub received_on: NaiveDate,
    pub received_at: DateTime<Utc>,
    pub due_on: Option<NaiveDate>,
    pub status: ComplaintStatus,
    pub reply: Option<String>,
    pub replied_on: Option<NaiveDate>,
    pub replied_at: Option<DateTime<Utc>>,
    /// Who answered (display name).
    pub replied_by: Option<String>,
}

/// What the sender reads by the code: the complaint and the answer, no one's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicComplaint {
    pub kind: ComplaintKind,
    pub text: String,
    pub received_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub status: ComplaintStatus,
    pub reply: Option<String>,
    pub replied_on: Option<NaiveDate>,
}

/// Which complaints a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplaintFilter {
    pub status: Option<ComplaintStatus>,
    pub kind: Option<ComplaintKind>,
    /// Received on or after.
    pub from: Option<NaiveDate>,
    /// Received on or before.
    pub until: Option<NaiveDate>,
    /// Open and past the day due as of this date.
    pub overdue_on: Option<NaiveDate>,
    /// Only those the actor's own account sent (any account may list its own).
    pub mine: bool,
    pub limit: u32,
    pub offset: u32,
}

/// Complaints and suggestions (投诉建议).
#[async_trait]
pub trait ComplaintStore: Send + Sync {
    /// Stores a complaint and audits it. The public sends as an actor without an account;
    /// a member of staff as themself (the complaint then names the account). Any actor may
    /// send: no permission is needed to complain.
    async fn add_complaint(&self, actor: &Actor, c: &NewComplaint) -> StoreResult<i64>;
    /// The complaints of the counties in the actor's scope (`HandleCases`, scope at county
    /// level or above), or with `mine` those the actor's account sent; newest first, with
    /// the number matching.
    async fn complaints(
        &self,
        actor: &Actor,
        filter: &ComplaintFilter,
    ) -> StoreResult<(Vec<ComplaintRecord>, u64)>;
    /// One complaint, if the actor may handle it or sent it.
    async fn complaint(&self, actor: &Actor, id: i64) -> StoreResult<Option<ComplaintRecord>>;
    /// Answers an open complaint (`HandleCases` over its county); answering twice is refused.
    async fn reply_complaint(
        &self,
        actor: &Actor,
        id: i64,
        reply: &str,
        replied_on: NaiveDate,
    ) -> StoreResult<()>;
    /// The full phone number of a complaint's sender, to call back: needs `RevealPii` and a
    /// reason, and is audited with it.
    async fn reveal_complaint_phone(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
    ) -> StoreResult<Option<String>>;
    /// The complaint and its answer by the sender's code; no account, nothing personal.
    async fn public_complaint(&self, code: &str) -> StoreResult<Option<PublicComplaint>>;
    /// (due, replied) of every complaint received from `from` to `until` in the actor's
    /// counties, for the on-time figure.
    async fn complaint_timings(
        &self,
        actor: &Actor,
        from: NaiveDate,
        until: NaiveDate,
    ) -> StoreResult<Vec<(Option<NaiveDate>, Option<NaiveDate>)>>;
}
