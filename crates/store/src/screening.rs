//! Department screening (部门筛查预警): its input, runs, warnings and rates.

use crate::StoreResult;
use crate::feeds::DeliveryRecord;
use async_trait::async_trait;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_domain::screening::Department;

/// A household as screening reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningHousehold {
    /// The store's id, the key feed rows carry.
    pub id: i64,
    pub code: dixian_domain::registry::HouseholdCode,
    pub village: DivisionCode,
    pub household_type: dixian_domain::registry::HouseholdType,
    pub monitored: bool,
    /// Members living in the household.
    pub members: i64,
    /// Net income of the latest year recorded, in fen; `None` if none is.
    pub net_income_fen: Option<i64>,
    /// A member is on the public payroll (财政供养): not to be monitored.
    pub public_payroll: bool,
}

/// A person as screening reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningPerson {
    pub id: i64,
    pub household_id: i64,
    /// For explanations: the member a warning is about.
    pub name: String,
    pub birth_date: NaiveDate,
    pub labour: dixian_domain::registry::LabourCapacity,
    pub status: dixian_domain::registry::LivingStatus,
}

/// A stored feed row, matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFeedRow {
    pub department: Department,
    pub delivery_id: i64,
    pub row: i64,
    pub person_id: i64,
    pub household_id: i64,
    pub on: NaiveDate,
    pub amount_fen: i64,
    pub amount2_fen: i64,
    pub detail: String,
}

/// What screening runs over: the registry of the actor's area and the rows of the current
/// deliveries for it (and for the areas above it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreeningInput {
    pub households: Vec<ScreeningHousehold>,
    pub persons: Vec<ScreeningPerson>,
    pub rows: Vec<StoredFeedRow>,
    /// The deliveries the rows come from.
    pub deliveries: Vec<DeliveryRecord>,
}

/// One warning of a run, explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningWarning {
    pub household_id: i64,
    pub rule_code: String,
    pub rule_name: String,
    pub department: String,
    pub explanation: String,
}

/// A finished screening run to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScreeningRun {
    pub as_of: NaiveDate,
    /// The day the run is recorded: the discovery date of the leads it makes (a lead found
    /// today is due from today, whatever month the data is of).
    pub run_on: NaiveDate,
    /// A warning raised for the same household and rule within this many months is the
    /// same warning (the pack's `screening.repeat_months`).
    pub repeat_months: u32,
    /// The deliveries used, for the record.
    pub deliveries: Vec<i64>,
    pub households: i64,
    pub warnings: Vec<ScreeningWarning>,
}

/// What recording a run did with its warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreeningOutcome {
    pub run_id: i64,
    /// New leads (预警线索), pending in their village's list: one per household, carrying all
    /// its new warnings.
    pub new_leads: i64,
    /// Of those, how many joined the household's open case.
    pub attached: i64,
    /// Warnings already raised by an earlier run within the repeat window: no second lead.
    pub repeated: i64,
}

/// A run as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningRunRecord {
    pub id: i64,
    pub area: DivisionCode,
    pub as_of: NaiveDate,
    pub households: i64,
    pub warnings: i64,
    pub new_leads: i64,
    pub attached: i64,
    pub repeated: i64,
    pub started_by: String,
    pub finished_at: DateTime<Utc>,
}

/// Hit → verified → identified of one rule (命中 → 核实 → 认定).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRates {
    pub rule_code: String,
    pub rule_name: String,
    /// Warnings that became leads (or joined an open case).
    pub hits: i64,
    /// Leads accepted into a case, or joined to one.
    pub verified: i64,
    /// Of those, cases that reached identification (纳入监测).
    pub identified: i64,
}

/// Department screening (部门筛查预警): its input, runs, warnings and rates.
#[async_trait]
pub trait ScreeningStore: Send + Sync {
    /// What screening runs over in the actor's area: its households and persons, and the rows
    /// of the current deliveries for the area or the areas above it. Needs `HandleCases`.
    async fn screening_input(&self, actor: &Actor) -> StoreResult<ScreeningInput>;
    /// Records a finished run over the actor's area: each warning not raised for the same
    /// household and rule in the run's repeat window becomes a lead of
    /// channel 部门筛查预警 (joining the household's open case if it has one); a repeated one
    /// only updates its alert. One transaction; audited. Needs `HandleCases`.
    async fn record_screening(
        &self,
        actor: &Actor,
        run: &NewScreeningRun,
    ) -> StoreResult<ScreeningOutcome>;
    /// Runs over areas covering or inside the actor's scope, newest first.
    async fn screening_runs(
        &self,
        actor: &Actor,
        limit: i64,
    ) -> StoreResult<Vec<ScreeningRunRecord>>;
    /// Hit → verified → identified per rule, for warnings first raised on or after `since`
    /// in the actor's scope.
    async fn screening_rates(&self, actor: &Actor, since: NaiveDate)
    -> StoreResult<Vec<RuleRates>>;
}
