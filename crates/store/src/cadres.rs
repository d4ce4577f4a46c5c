//! Storage types of cadres around villages (issue 22): 包片/包村 pairings with their periods
//! and successors, hand-overs of 帮扶责任人 (包户) with the periods they end, 五级书记遍访
//! records, and the monitoring information officers (信息员) of each division.

use crate::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::access::Actor;
use dixian_domain::cadres::{OfficerKind, Pairing, Tour, TourHousehold};
use dixian_domain::division::DivisionCode;
use dixian_domain::registry::HouseholdCode;

/// A pairing as stored, with its end and who took over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingRecord {
    pub id: i64,
    pub pairing: Pairing,
    pub division_name: String,
    pub to: Option<NaiveDate>,
    pub end_reason: Option<String>,
    /// The pairing that took over, when one did.
    pub successor: Option<i64>,
}

/// Who takes over a pairing as it ends (交接).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Successor {
    pub person: String,
    pub post: String,
    pub unit: String,
}

/// A hand-over of a leaving 帮扶责任人's households to another (批量调整帮扶责任人).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOver {
    /// The leaving cadre's account.
    pub from: i64,
    /// The cadre taking over.
    pub to: i64,
    pub on: NaiveDate,
    pub reason: String,
}

/// A household's 帮扶责任人 now: the account and the day the care began.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentCadre {
    pub user_id: i64,
    pub name: String,
    pub since: NaiveDate,
}

/// A 帮扶责任人's period with a household that ended (by hand-over or release).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CadrePeriod {
    pub household: HouseholdCode,
    pub head_name: String,
    pub cadre: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reason: String,
    /// The cadre who took over, when it was a hand-over.
    pub successor: Option<String>,
}

/// A 帮扶责任人 account with the households now in its care in the actor's area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CadreLoad {
    pub user_id: i64,
    pub name: String,
    pub division: DivisionCode,
    pub households: i64,
    pub disabled: bool,
}

/// A visit as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TourRecord {
    pub id: i64,
    pub tour: Tour,
    /// The target's name (town, village, or the household's head).
    pub target_name: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// An information officer as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOfficer {
    pub division: DivisionCode,
    pub name: String,
    /// The work phone published to the grid (网格公示的联系电话).
    pub phone: String,
    pub kind: OfficerKind,
    pub from: NaiveDate,
}

/// An information officer as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficerRecord {
    pub id: i64,
    pub officer: NewOfficer,
    pub division_name: String,
    pub to: Option<NaiveDate>,
    pub end_reason: Option<String>,
}

/// Visits one year's list may hold (a county records a few thousand).
pub const MAX_TOURS: usize = 50_000;

/// Cadres around villages, scoped like every record by division.
#[async_trait]
pub trait CadreStore: Send + Sync {
    /// Records a pairing: 包片 by the county, 包村 by the county or the village's town.
    /// Gives its id.
    async fn add_pairing(&self, actor: &Actor, pairing: &Pairing) -> StoreResult<i64>;
    /// Ends pairing `id` on `on` with the reason, by whoever may record it; with a successor,
    /// the successor's pairing starts the same day (交接) in the same write. Gives the
    /// successor's id.
    async fn end_pairing(
        &self,
        actor: &Actor,
        id: i64,
        on: NaiveDate,
        reason: &str,
        successor: Option<&Successor>,
    ) -> StoreResult<Option<i64>>;
    /// The pairings with divisions in `within` (the actor's area when `None`), current and
    /// ended, by division then start.
    async fn pairings(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<PairingRecord>>;
    /// Moves every household of cadre `from` in the actor's area to cadre `to` on the day,
    /// ending each period with the reason (`EditRegistry`); refused whole when `to` is not an
    /// active 帮扶责任人 whose area holds every household, or a period would end before it
    /// began. Gives how many households moved.
    async fn hand_over(&self, actor: &Actor, h: &HandOver) -> StoreResult<usize>;
    /// Ends account `cadre`'s care of `household` on day `on` for `reason` (解除帮扶责任人),
    /// kept in the household's history; `EditRegistry` and the household in the actor's area.
    /// Refused when the cadre is not the household's now, or `on` is before the care began
    /// or after today (Beijing). Audited in the same transaction.
    async fn release_cadre(
        &self,
        actor: &Actor,
        household: &HouseholdCode,
        cadre: i64,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()>;
    /// The 帮扶责任人 accounts of the actor's area, or holding households in it, with the
    /// households each has there.
    async fn cadre_loads(&self, actor: &Actor) -> StoreResult<Vec<CadreLoad>>;
    /// The household's 帮扶责任人 now and its ended periods, newest end first; refused
    /// (audited) outside the actor's area.
    async fn household_cadres(
        &self,
        actor: &Actor,
        household: &HouseholdCode,
    ) -> StoreResult<(Vec<CurrentCadre>, Vec<CadrePeriod>)>;
    /// Ended 帮扶责任人 periods of households in `within`, newest end first (at most 500).
    async fn cadre_periods(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<CadrePeriod>>;
    /// Records a secretary's visit (`Tour::problem` decides, and a household target must be
    /// registered): the county for any level, a town for its own secretary and its villages',
    /// a village officer for its village's. Gives its id.
    async fn add_tour(&self, actor: &Actor, tour: &Tour) -> StoreResult<i64>;
    /// Visits by secretaries of divisions in `within` (or the actor's area) in `year`, newest
    /// first, at most [`MAX_TOURS`]` + 1` (the last only to say the list was cut).
    async fn tours(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
        year: i32,
    ) -> StoreResult<Vec<TourRecord>>;
    /// The 脱贫户 and 监测户 of `within` (or the actor's area) the 遍访 must reach, by code.
    async fn tour_households(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<TourHousehold>>;
    /// The heads' names of `households` in the actor's area (others left out), at most 2,000.
    async fn head_names(
        &self,
        actor: &Actor,
        households: &[HouseholdCode],
    ) -> StoreResult<Vec<(HouseholdCode, String)>>;
    /// Adds an information officer to a division of the actor's area (the county, or a town
    /// for itself and its villages). Gives the id.
    async fn add_officer(&self, actor: &Actor, officer: &NewOfficer) -> StoreResult<i64>;
    /// Ends an officer's service on `on` with the reason.
    async fn end_officer(
        &self,
        actor: &Actor,
        id: i64,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()>;
    /// Officers of divisions in `within` (or the actor's area), current and past.
    async fn officers(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<OfficerRecord>>;
}
