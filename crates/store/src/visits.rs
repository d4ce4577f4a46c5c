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
    /// At most [`MAX_VISIT_PHOTOS`] with the drafts, each within [`MAX_ATTACHMENT_BYTES`].
    pub photos: Vec<NewAttachment>,
    /// Photos kept from a refused form of the same officer for the same household (see
    /// [`VisitStore::keep_photo_drafts`]), moved into the visit when it is saved; the
    /// officer's other drafts for the household are then removed.
    pub drafts: Vec<i64>,
}

/// Which visits to list (走访记录查询). Empty fields mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitFilter {
    /// A division inside the actor's scope; the whole scope when `None`.
    pub within: Option<DivisionCode>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Part of the head's name, of a visitor's name or of the household code.
    pub text: String,
    /// Only visits of a monitoring case (`true`) or outside any (`false`).
    pub in_case: Option<bool>,
    /// Only this household's visits (a search by a member's ID number).
    pub household: Option<HouseholdCode>,
    /// Only visits in villages holding this designation (a code of the pack's table) on the
    /// day, themselves or by their town or county.
    pub designation: Option<(String, NaiveDate)>,
    pub offset: i64,
    pub limit: i64,
}

/// One line of the visit list: the visit and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitLine {
    pub visit: VisitRecord,
    pub village_name: String,
    pub head_name: String,
}

/// A page of visits and how many match in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitPage {
    pub rows: Vec<VisitLine>,
    pub total: i64,
}

/// How long photos of a refused visit form are kept for the corrected one.
pub const PHOTO_DRAFT_HOURS: i64 = 24;

/// Photos one visit may carry.
pub const MAX_VISIT_PHOTOS: usize = 5;
/// Visitors named on one visit, and the longest name.
pub const MAX_VISITORS: usize = 10;
pub const MAX_VISITOR_NAME: usize = 30;
/// The longest findings and follow-ups, in characters.
pub const MAX_VISIT_TEXT: usize = 2000;

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
    /// Visits in the actor's scope (for a 帮扶责任人, to assigned households) matching
    /// `filter`, newest first, with the total. A `within` outside the scope is refused
    /// (audited).
    async fn visit_list(&self, actor: &Actor, filter: &VisitFilter) -> StoreResult<VisitPage>;
    /// Keeps the photos of a visit form that was refused, sealed, for this officer and
    /// household for [`PHOTO_DRAFT_HOURS`], so the corrected form need not upload them again;
    /// audited. Needs what [`VisitStore::add_visit`] needs. The officer's other drafts for
    /// the household, not in `still_wanted`, are removed (the form no longer offers them), as
    /// are everyone's drafts older than [`PHOTO_DRAFT_HOURS`].
    async fn keep_photo_drafts(
        &self,
        actor: &Actor,
        household: &HouseholdCode,
        still_wanted: &[i64],
        photos: &[NewAttachment],
    ) -> StoreResult<Vec<PhotoMeta>>;
    /// Which of `ids` are this officer's kept photos for `household`, younger than
    /// [`PHOTO_DRAFT_HOURS`], with their names.
    async fn photo_drafts(
        &self,
        actor: &Actor,
        household: &HouseholdCode,
        ids: &[i64],
    ) -> StoreResult<Vec<PhotoMeta>>;
    /// A photo of a visit with its bytes; reading one is audited.
    async fn visit_photo(
        &self,
        actor: &Actor,
        visit_id: i64,
        photo_id: i64,
    ) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>>;
}
