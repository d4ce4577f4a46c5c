//! Storage types of department feeds (部门数据): a department's file for a month, delivered
//! for an area, its rows matched to the registry by ID number.

use crate::StoreResult;
use async_trait::async_trait;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_domain::id_number::IdNumber;
use dixian_domain::registry::HouseholdCode;
use dixian_domain::screening::Department;
use dixian_domain::screening::Period;

/// One checked row of a feed. What `amount_fen`, `amount2_fen` and `detail` hold depends on
/// the department (医保: total and self-paid cost; 民政: amount and the kind of assistance …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    /// Row of the file, for messages.
    pub row: i64,
    pub id_number: IdNumber,
    pub on: NaiveDate,
    pub amount_fen: i64,
    pub amount2_fen: i64,
    pub detail: String,
}

/// A delivery as the uploader makes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub department: Department,
    pub period: Period,
    pub file_name: String,
    /// SHA-256 of the file, hex: the same file delivered again changes nothing.
    pub digest: String,
    /// Data rows in the file, and how many of them were refused by the checks.
    pub rows_read: i64,
    pub rejected: i64,
    /// The rows that passed the checks.
    pub rows: Vec<DeliveryRow>,
}

/// A delivery as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub id: i64,
    pub department: Department,
    pub period: Period,
    /// The area the delivery covers: the uploader's.
    pub area: DivisionCode,
    pub file_name: String,
    pub digest: String,
    pub rows_read: i64,
    pub accepted: i64,
    pub rejected: i64,
    /// Accepted rows whose ID number is not in the registry of the area.
    pub unmatched: i64,
    /// False once a later delivery of the same department, month and area replaced it.
    pub current: bool,
    pub delivered_by: String,
    pub delivered_at: DateTime<Utc>,
}

/// What became of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Stored (replacing an earlier delivery of the same month, if any). `unmatched` lists
    /// the rows whose ID number is not in the registry: (row, masked ID number).
    Recorded {
        record: DeliveryRecord,
        replaced: Option<i64>,
        unmatched: Vec<(i64, String)>,
    },
    /// The very same file was delivered for the month before; nothing changed.
    Unchanged(DeliveryRecord),
}

/// The most rows one delivery may hold.
pub const MAX_DELIVERY_ROWS: usize = 2_000_000;

/// Department data (部门数据) delivered month by month.
#[async_trait]
pub trait FeedStore: Send + Sync {
    /// Records a department's feed for a month over the actor's area (部门数据交付), matching
    /// each row's ID number to a person of the area. Needs `UploadFeed`; a 部门数据员 only
    /// for the department of the account. The same file again changes nothing; another file
    /// for the same department and month replaces the one before, whole. Audited.
    async fn deliver_feed(&self, actor: &Actor, delivery: &NewDelivery) -> StoreResult<Delivered>;
    /// Deliveries the actor may see, newest first: a 部门数据员 those of the account's
    /// department; staff with `HandleCases` those of areas covering or inside their scope.
    async fn deliveries(&self, actor: &Actor, limit: i64) -> StoreResult<Vec<DeliveryRecord>>;
    /// The rows of the current deliveries of `departments` that name a member of household
    /// `code`, oldest first: what 信息比对 at 入户核实 compares. Needs `HandleCases` and the
    /// household within the actor's area (out of it: not found, empty).
    async fn household_feed_rows(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        departments: &[Department],
    ) -> StoreResult<Vec<HouseholdFeedRow>>;
}

/// One row of a department's feed about a member of a household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdFeedRow {
    pub department: Department,
    pub period: Period,
    /// Row of the delivered file.
    pub row: i64,
    pub person_name: String,
    pub on: NaiveDate,
    pub amount_fen: i64,
    pub amount2_fen: i64,
    pub detail: String,
}
