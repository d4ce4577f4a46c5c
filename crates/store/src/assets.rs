//! Storage types of project assets (项目资产).

use crate::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::access::Actor;
use dixian_domain::assets::{
    AssetClass, AssetState, DisposalMethod, DisposalPath, DistributionUse, IncomeKind, Operation,
    OwnerKind, PlanAction, PlanState,
};
use dixian_domain::division::DivisionCode;
use dixian_domain::funds::Notice;
use dixian_domain::money::Money;
use dixian_domain::registry::HouseholdCode;

/// Lines one distribution plan may hold.
pub const MAX_PLAN_LINES: usize = 2_000;

/// An asset as handed over by a finished project (资产移交).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAsset {
    pub project_id: i64,
    pub name: String,
    pub class: AssetClass,
    pub owner_kind: OwnerKind,
    /// The owner's name (村集体经济组织, 部门 …); for a household, its head is shown.
    pub owner_name: String,
    /// The owning household of a 到户类 asset.
    pub owner_household: Option<HouseholdCode>,
    /// The village (or town) it stands in.
    pub division: DivisionCode,
    pub value: Money,
    pub location: String,
    /// 形成（移交）日期.
    pub formed_on: NaiveDate,
    /// 确权: when and by which document, if done.
    pub confirmed_on: Option<NaiveDate>,
    pub confirm_document: String,
    /// 管护: unit, person and duties.
    pub custody_unit: String,
    pub custody_person: String,
    pub custody_duties: String,
    /// How an operating asset is run, and by whom.
    pub operation: Option<Operation>,
    pub operator: String,
}

/// An asset in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetSummary {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub name: String,
    pub class: AssetClass,
    pub owner_kind: OwnerKind,
    pub owner_name: String,
    pub owner_household: Option<HouseholdCode>,
    pub division: DivisionCode,
    pub division_name: String,
    pub value: Money,
    pub formed_on: NaiveDate,
    pub state: AssetState,
    pub operation: Option<Operation>,
    pub custody_person: String,
    /// Income of the year asked for (the list's `income_year`).
    pub income_of_year: Money,
    pub income_total: Money,
    pub version: i64,
}

/// What an asset list is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetFilter {
    pub within: Option<DivisionCode>,
    pub class: Option<AssetClass>,
    pub state: Option<AssetState>,
    pub project_id: Option<i64>,
    /// Words of the name.
    pub search: Option<String>,
    /// The year whose income each summary carries; 0: none.
    pub income_year: i32,
    /// Only assets of divisions holding this designation on the day, themselves or by their
    /// town or county.
    pub designation: Option<(String, chrono::NaiveDate)>,
}

/// Income of an operating asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncome {
    pub asset_id: i64,
    pub year: i32,
    pub kind: IncomeKind,
    pub amount: Money,
    pub received_on: NaiveDate,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomeRecord {
    pub id: i64,
    pub year: i32,
    pub kind: IncomeKind,
    pub amount: Money,
    pub received_on: NaiveDate,
    pub note: String,
    pub by: String,
}

/// One line of a distribution plan: a household (none for village public works), what it
/// pays for and how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanLineInput {
    pub household: Option<HouseholdCode>,
    pub use_: DistributionUse,
    pub amount: Money,
    pub note: String,
}

/// A distribution plan as the village proposes it (村集体提方案).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDistribution {
    pub asset_id: i64,
    pub year: i32,
    /// Paid in this many equal payouts (1: once; 12: monthly).
    pub months: u32,
    pub lines: Vec<PlanLineInput>,
    /// The pack's uses paid only to 脱贫户 and 监测对象 (`assets.targeted_uses`): a line of one
    /// for any other household is refused.
    pub targeted: Vec<DistributionUse>,
    pub notice: Notice,
    pub proposed_on: NaiveDate,
}

/// A distribution line as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributionLine {
    pub household: Option<HouseholdCode>,
    pub head_name: String,
    pub use_: DistributionUse,
    pub amount: Money,
    pub note: String,
    /// Paid so far.
    pub paid: Money,
    /// Stopped (停发): from which payout's month and why.
    pub stopped: Option<(String, String)>,
}

/// A payout (发放) of a filed plan: the month it pays, the day it was paid, what it paid and
/// how many lines it stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutRecord {
    pub seq: u32,
    /// `YYYY-MM`.
    pub month: String,
    pub paid_on: NaiveDate,
    pub paid: Money,
    pub stopped: i64,
    pub by: String,
}

/// A distribution plan with its lines and steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributionRecord {
    pub id: i64,
    pub asset_id: i64,
    pub year: i32,
    pub state: PlanState,
    pub total: Money,
    /// Payouts the plan is paid in.
    pub months: u32,
    pub lines: Vec<DistributionLine>,
    pub payouts: Vec<PayoutRecord>,
    pub notice: Notice,
    pub proposed_on: NaiveDate,
    /// (label, day, note, by) of each step, the proposal first.
    pub steps: Vec<(String, NaiveDate, String, String)>,
    pub version: i64,
}

/// A disposal (处置) or write-off (核销).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Disposal {
        method: DisposalMethod,
        path: DisposalPath,
        /// 评估价值.
        value: Money,
        /// 处置收入.
        proceeds: Money,
        /// What the proceeds go to (back into consolidation, never to members).
        proceeds_use: String,
        /// 村民大会决议 or the approval's 文号.
        decision: String,
        /// The village notice of a simplified disposal.
        notice: Option<Notice>,
    },
    WriteOff {
        /// 自然灾害等不可抗力, as found.
        reason: String,
        /// The expert assessment or qualified agency's report behind it.
        assessment: String,
    },
}

/// A disposal or write-off as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndingRecord {
    pub ending: Ending,
    pub on: NaiveDate,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// An asset with everything on its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetFile {
    pub asset: AssetSummary,
    pub location: String,
    pub confirmed_on: Option<NaiveDate>,
    pub confirm_document: String,
    pub custody_unit: String,
    pub custody_duties: String,
    pub operator: String,
    pub incomes: Vec<IncomeRecord>,
    pub plans: Vec<DistributionRecord>,
    pub ending: Option<EndingRecord>,
    pub created_by_name: String,
}

/// An asset ended (disposed of or written off), for the 处置/核销 ledgers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedAsset {
    pub asset: AssetSummary,
    pub ending: EndingRecord,
}

/// What a household has of the assets: those it owns and the distribution lines paid to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdAssets {
    pub owned: Vec<AssetSummary>,
    pub received: Vec<ReceivedIncome>,
}

/// A household's line in a distribution plan, with what it was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedIncome {
    pub asset_id: i64,
    pub asset_name: String,
    pub year: i32,
    pub use_: DistributionUse,
    /// As planned for the year.
    pub amount: Money,
    pub state: PlanState,
    /// Paid so far.
    pub paid: Money,
    /// Stopped (停发): from which month and why.
    pub stopped: Option<(String, String)>,
}

/// An area's assets counted in the database, for the dashboard and the asset list's head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetFigures {
    /// Assets in use by class: (class, count, value, income of the year).
    pub classes: Vec<(AssetClass, i64, Money, Money)>,
    /// Operating assets in use formed before the year's start with no income that year or
    /// a return below the least asked.
    pub flagged: i64,
    /// Disposed of or written off.
    pub ended: i64,
    /// Distribution plans of the year's income, not returned.
    pub distributed: Money,
}

/// Project assets (项目资产): scoped by the division they stand in; an asset only from a
/// finished project of the actor's sight; income only of operating assets in use; a plan
/// within the year's income; every write audited with it.
#[async_trait]
pub trait AssetStore: Send + Sync {
    /// Registers an asset handed over by a finished project.
    async fn add_asset(&self, actor: &Actor, asset: &NewAsset) -> StoreResult<i64>;
    /// Imports an asset ledger (资产台账导入), all or none; county or town.
    async fn import_assets(&self, actor: &Actor, assets: &[NewAsset]) -> StoreResult<Vec<i64>>;
    async fn assets(&self, actor: &Actor, filter: &AssetFilter) -> StoreResult<Vec<AssetSummary>>;
    /// One page of the list `filter` gives (in id order), with the list's total.
    async fn asset_page(
        &self,
        actor: &Actor,
        filter: &AssetFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<(Vec<AssetSummary>, i64)>;
    /// The area's figures of `year`; operating assets formed before `formed_before` earning
    /// nothing or under `low_return_bp` of their value are counted as flagged.
    async fn asset_figures(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
        year: i32,
        low_return_bp: u32,
        formed_before: NaiveDate,
    ) -> StoreResult<AssetFigures>;
    /// The flagged assets [`AssetStore::asset_figures`] counts.
    async fn flagged_assets(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
        year: i32,
        low_return_bp: u32,
        formed_before: NaiveDate,
    ) -> StoreResult<Vec<AssetSummary>>;
    async fn asset(&self, actor: &Actor, id: i64) -> StoreResult<Option<AssetFile>>;
    /// Records income of an operating asset in use.
    async fn add_income(&self, actor: &Actor, income: &NewIncome) -> StoreResult<i64>;
    /// The village's distribution plan of a year's income (村集体提方案).
    async fn propose_distribution(&self, actor: &Actor, plan: &NewDistribution)
    -> StoreResult<i64>;
    /// 乡镇审批, 县级备案 or 退回 of plan `id` drawn at `version`.
    async fn advance_distribution(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        action: PlanAction,
        on: NaiveDate,
        note: &str,
    ) -> StoreResult<()>;
    /// Records the next payout of filed plan `plan_id` for `month` (`YYYY-MM`): each household
    /// line is paid its part unless the household no longer qualifies (see
    /// `dixian_domain::assets::stop_reason`, with the pack's `targeted` uses), in which case
    /// it is stopped from this payout on. Gives the payout as recorded.
    async fn record_payout(
        &self,
        actor: &Actor,
        plan_id: i64,
        month: &str,
        paid_on: NaiveDate,
        targeted: &[DistributionUse],
    ) -> StoreResult<PayoutRecord>;
    /// Ends asset `id` drawn at `version` by a disposal or a write-off.
    async fn end_asset(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        ending: &Ending,
        on: NaiveDate,
    ) -> StoreResult<()>;
    /// Assets ended in the actor's sight, oldest first (处置、核销登记台账).
    async fn ended_assets(&self, actor: &Actor) -> StoreResult<Vec<EndedAsset>>;
    /// Distribution plans of `year` in the actor's sight (收益分配台账).
    async fn distributions(
        &self,
        actor: &Actor,
        year: i32,
    ) -> StoreResult<Vec<(AssetSummary, DistributionRecord)>>;
    async fn household_assets(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
    ) -> StoreResult<HouseholdAssets>;
}
