//! Storage types of department feeds (部门数据): a department's file for a month, delivered
//! for an area, its rows matched to the registry by ID number.

use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::division::DivisionCode;
use dixian_domain::id_number::IdNumber;
use dixian_domain::screening::{Department, Period};

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
    /// New leads (预警线索), pending in their village's list.
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
