//! Storage types of the rectification ledger (整改台账, issue 22): findings about a county,
//! town or village with their measures, deadline and responsible people, followed step by step
//! to 销号. Weak villages of the programme are items too (see `VillageStore::enrol_weak`).

use crate::StoreResult;
use crate::files::{NewAttachment, PhotoMeta};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_domain::money::Money;
use dixian_domain::policy::villages::AccountItem;
use dixian_domain::rectification::{ItemState, ItemStep, NewItem, ProblemDates};

/// Items one list gives at most; a list of `MAX_ITEMS + 1` says there are more (the extra
/// one is not shown).
pub const MAX_ITEMS: usize = 5_000;

/// A weak village's plan, as stored beside its item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeakRecord {
    pub village: DivisionCode,
    pub target: Money,
    /// 帮扶工作队 (the unit is the item's responsible unit).
    pub team: String,
    /// The resident team's id when it was chosen from them.
    pub team_id: Option<i64>,
    /// Its place in the reverse ranking and its average then.
    pub rank: Option<u32>,
    pub average: Option<Money>,
    pub rank_from: i32,
    pub rank_to: i32,
}

/// An item as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRecord {
    pub id: i64,
    pub item: NewItem,
    pub division_name: String,
    pub state: ItemState,
    pub resolved_on: Option<NaiveDate>,
    /// The login that reported completion (the four-eyes rule compares it).
    pub resolved_by: Option<String>,
    pub closed_on: Option<NaiveDate>,
    pub closed_by: Option<String>,
    /// Bumped by every step: a form drawn from an older version is refused.
    pub version: i64,
    pub created_by: String,
    /// The last progress note, if any (the task list shows it).
    pub last_progress: Option<(NaiveDate, String)>,
    pub weak: Option<WeakRecord>,
}

impl ItemRecord {
    pub fn dates(&self) -> ProblemDates {
        ProblemDates {
            found_on: self.item.found_on,
            deadline: self.item.deadline,
            closed_on: self.closed_on,
        }
    }
}

/// One step in an item's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemEvent {
    pub step: ItemStep,
    pub on: NaiveDate,
    pub note: String,
    pub evidence: String,
    /// Scans and photos of the evidence brought with the step.
    pub files: Vec<PhotoMeta>,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// Evidence files one step may bring.
pub const MAX_ITEM_FILES: usize = 5;

/// A step as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepInput {
    pub step: ItemStep,
    pub on: NaiveDate,
    pub note: String,
    /// 佐证材料: required when completion is reported.
    pub evidence: String,
    /// Scans or photos of the evidence (JPEG, PNG, PDF), at most [`MAX_ITEM_FILES`] with the
    /// drafts.
    pub files: Vec<NewAttachment>,
    /// Files kept from a refused step form (see [`RectificationStore::keep_item_drafts`]),
    /// taken into the step inside its write.
    pub drafts: Vec<i64>,
    /// The pack's 经营性收入 items: a weak village's 销号 is checked in the write against its
    /// latest stored account with them (empty: such a 销号 is refused).
    pub operating: Vec<AccountItem>,
}

/// Which items a list gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemFilter {
    /// The actor's area when `None`.
    pub within: Option<DivisionCode>,
    pub state: Option<ItemState>,
    pub source: Option<String>,
    /// Only items about divisions holding this designation on the day, themselves or by
    /// their town or county.
    pub designation: Option<(String, NaiveDate)>,
}

/// The rectification ledger, scoped by division like every record.
#[async_trait]
pub trait RectificationStore: Send + Sync {
    /// Records a finding about a division of the actor's area (town or county staff; a village
    /// officer only a self-check, 自查). Gives its id.
    async fn add_item(&self, actor: &Actor, item: &NewItem) -> StoreResult<i64>;
    /// The items of the filter's area the actor may see, newest first, at most
    /// [`MAX_ITEMS`]` + 1` (the last only to say the list was cut).
    async fn items(&self, actor: &Actor, filter: &ItemFilter) -> StoreResult<Vec<ItemRecord>>;
    /// One item with its history; `None` if unknown or (audited) out of the actor's area.
    async fn item(
        &self,
        actor: &Actor,
        id: i64,
    ) -> StoreResult<Option<(ItemRecord, Vec<ItemEvent>)>>;
    /// Takes a step on item `id` drawn at `version`: the domain's transition rules, the role
    /// rule (销号 and 退回 by the town or county), the four-eyes rule (not by whoever reported
    /// completion) and, for a weak village, its latest account reaching the target decide;
    /// the step and its audit record are written together. Gives the new state.
    async fn step_item(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        step: &StepInput,
    ) -> StoreResult<ItemState>;
    /// An evidence file of item `item`; `None` if unknown or out of the actor's area (the
    /// refusal audited). Every opening is audited.
    async fn item_evidence(
        &self,
        actor: &Actor,
        item: i64,
        file: i64,
    ) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>>;
    /// Keeps the checked `files` of a refused step form on item `item` for the actor's
    /// corrected form, with those of `still_wanted` still kept (upload once; the same rules
    /// as `VisitStore::keep_photo_drafts`: sealed, a day, one form's files per officer and
    /// item). Refused, audited, for an actor who may not take a step on the item.
    async fn keep_item_drafts(
        &self,
        actor: &Actor,
        item: i64,
        still_wanted: &[i64],
        files: &[NewAttachment],
    ) -> StoreResult<Vec<PhotoMeta>>;
    /// Those of `ids` still kept for the actor's form on item `item`.
    async fn item_drafts(
        &self,
        actor: &Actor,
        item: i64,
        ids: &[i64],
    ) -> StoreResult<Vec<PhotoMeta>>;
}
