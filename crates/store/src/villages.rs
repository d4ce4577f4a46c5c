//! Storage types of villages (村, issue 22): designations (认定) with their documents and
//! periods, and the yearly collective accounts (村集体经济收支) of villages.

use crate::StoreResult;
use async_trait::async_trait;
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_domain::money::Money;
use dixian_domain::policy::villages::WeakVillageRules;
use dixian_domain::rectification::{NewItem, WeakPlan};
use dixian_domain::villages::{AccountFigures, Designation};

/// Villages one save of accounts may carry (a county's 农经 statement has a few hundred).
pub const MAX_ACCOUNTS: usize = 20_000;

/// A designation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesignationRecord {
    pub id: i64,
    pub designation: Designation,
    pub division_name: String,
    /// Who recorded it (display name).
    pub by: String,
}

/// A village's account of a year, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub village: DivisionCode,
    pub village_name: String,
    pub year: i32,
    pub figures: AccountFigures,
}

/// Villages: designations and collective accounts, scoped like every record by division.
#[async_trait]
pub trait VillageStore: Send + Sync {
    /// Records a designation of a division of the actor's county (the county records them,
    /// whoever designated); refused when it overlaps one of its kind on that division, or
    /// when its period ends before it starts. Gives its id.
    async fn add_designation(&self, actor: &Actor, d: &Designation) -> StoreResult<i64>;
    /// Ends designation `id` on `on` (撤销、到期), the county only; `Designation::end_problem`
    /// decides, with the reason kept in the audit record.
    async fn end_designation(
        &self,
        actor: &Actor,
        id: i64,
        on: chrono::NaiveDate,
        reason: &str,
    ) -> StoreResult<()>;
    /// The designations of divisions in `within` (the actor's whole area when `None`), and
    /// of the divisions above it that hold it (a county's designation shows in its villages).
    async fn designations(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<DesignationRecord>>;
    /// Saves the accounts of villages (a village and year saved again is replaced): every
    /// village in the actor's area and a village indeed, every account's parts adding up, or
    /// nothing is written. A town or the county. Gives how many were saved.
    async fn save_accounts(
        &self,
        actor: &Actor,
        accounts: &[(DivisionCode, i32, AccountFigures)],
    ) -> StoreResult<usize>;
    /// The accounts of villages in `within` (or the actor's area) for years `from..=to`, by
    /// village then year.
    async fn accounts(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
        from: i32,
        to: i32,
    ) -> StoreResult<Vec<AccountRecord>>;
    /// Enrols a weak village in the programme of `rules` with its plan: the item `item` of the
    /// rectification ledger (source 经济薄弱村扶持) and the plan beside it, written together.
    /// The county only (the ranking is over all its villages); refused when the village is already enrolled, the
    /// target is below the pack's, or the unit/team pairing breaks the pack's limits (checked
    /// against the pairings stored, inside the write). `ranked` is its rank and average. Gives
    /// the item's id.
    async fn enrol_weak(
        &self,
        actor: &Actor,
        plan: &WeakPlan,
        item: &NewItem,
        ranked: (Option<u32>, Option<Money>),
        rules: &WeakVillageRules,
    ) -> StoreResult<i64>;
}
