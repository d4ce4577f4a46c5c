//! Visits (走访) by assistance cadres and their photos.

use crate::StoreResult;
use crate::files::NewAttachment;
use crate::files::PhotoMeta;
use async_trait::async_trait;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_domain::registry::HouseholdCode;

/// A visit (走访) as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVisit {
    pub household: HouseholdCode,
    /// The monitoring case it belongs to, if any.
    pub case_id: Option<i64>,
    pub visited_on: NaiveDate,
    pub visitors: Vec<String>,
    pub findings: String,
    pub follow_ups: String,
    /// At most [`MAX_VISIT_PHOTOS`], each within [`MAX_ATTACHMENT_BYTES`].
    pub photos: Vec<NewAttachment>,
}

/// Photos one visit may carry.
pub const MAX_VISIT_PHOTOS: usize = 5;

/// A visit as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRecord {
    pub id: i64,
    pub household: HouseholdCode,
    pub case_id: Option<i64>,
    pub visited_on: NaiveDate,
    pub visitors: Vec<String>,
    pub findings: String,
    pub follow_ups: String,
    pub photos: Vec<PhotoMeta>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// Visits (走访) by assistance cadres and their photos.
#[async_trait]
pub trait VisitStore: Send + Sync {
    /// Records a visit (走访) with its photos in one transaction. Needs `HandleCases`, the
    /// household in scope (and, for a 帮扶责任人, assigned); a case must be the household's.
    async fn add_visit(&self, actor: &Actor, visit: &NewVisit) -> StoreResult<i64>;
    /// The visits of household `code`, newest first.
    async fn visits(&self, actor: &Actor, code: &HouseholdCode) -> StoreResult<Vec<VisitRecord>>;
    /// Every visit to the households in `within` (the actor's scope when `None`) the actor may
    /// see, newest first.
    async fn visits_within(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<VisitRecord>>;
    /// The dates of visits since `since` to the households in the actor's scope (for a
    /// 帮扶责任人, assigned ones), for the visit cadence of work lists.
    async fn visit_dates(
        &self,
        actor: &Actor,
        since: NaiveDate,
    ) -> StoreResult<Vec<(HouseholdCode, NaiveDate)>>;
    /// A photo of a visit with its bytes; reading one is audited.
    async fn visit_photo(
        &self,
        actor: &Actor,
        visit_id: i64,
        photo_id: i64,
    ) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>>;
}
