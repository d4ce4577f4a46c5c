//! The household registry (户籍档案): households, members, incomes, 保障核查 and their history.

use crate::StoreResult;
use async_trait::async_trait;
use chrono::NaiveDate;
use dixian_domain::access::Actor;
use dixian_domain::changes::FieldChange;
use dixian_domain::division::DivisionCode;
use dixian_domain::id_number::IdNumber;
use dixian_domain::id_number::Sex;
use dixian_domain::money::Money;
use dixian_domain::registry::DisabilityCategory;
use dixian_domain::registry::Health;
use dixian_domain::registry::HouseholdCode;
use dixian_domain::registry::HouseholdRecord;
use dixian_domain::registry::HouseholdType;
use dixian_domain::registry::Income;
use dixian_domain::registry::LabourCapacity;
use dixian_domain::registry::LivingStatus;
use dixian_domain::registry::MemberArrival;
use dixian_domain::registry::MemberDetails;
use dixian_domain::registry::Person;
use dixian_domain::registry::Relation;
use dixian_domain::registry::Schooling;

/// Counts of registry records in a jurisdiction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegistryCounts {
    pub households: i64,
    pub persons: i64,
}

/// Where a person is registered, found by exact ID number through the blind index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonLocation {
    /// For a later reveal of the full number.
    pub person_id: i64,
    pub household: HouseholdCode,
    pub village: DivisionCode,
    pub name: String,
    /// Masked (`5002**********0021`); the full number needs [`Store::reveal_id_number`].
    pub id_masked: String,
}

/// Which people to list (人员查询): those whose name contains `name`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonFilter {
    /// A division inside the actor's scope; the whole scope when `None`.
    pub within: Option<DivisionCode>,
    /// Part of the name, as typed (see [`crate::search_words`]); an empty search lists nobody.
    pub name: String,
    pub offset: i64,
    pub limit: i64,
}

/// One person found by name: masked, with the household and village they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonLine {
    pub person_id: i64,
    pub name: String,
    pub id_masked: String,
    pub relation: Relation,
    pub status: LivingStatus,
    pub household: HouseholdCode,
    pub village: DivisionCode,
    /// Empty when the village is not in the division table.
    pub village_name: String,
    /// The household's 户主 living in it; empty when none is.
    pub head_name: String,
}

/// A page of people and how many match in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonPage {
    pub rows: Vec<PersonLine>,
    pub total: i64,
}

/// Which households to list (户籍查询条件). Empty fields mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseholdFilter {
    /// A division inside the actor's scope; the whole scope when `None`.
    pub within: Option<DivisionCode>,
    pub household_type: Option<HouseholdType>,
    pub relocated: Option<bool>,
    pub dibao: Option<bool>,
    pub tekun: Option<bool>,
    pub monitored: Option<bool>,
    /// The head's name contains this text.
    pub head_name: Option<String>,
    /// A member's ID number, matched exactly through the blind index.
    pub id_number: Option<IdNumber>,
    /// Only households after this code: keyset paging for exports of any size.
    pub after_code: Option<HouseholdCode>,
    /// Only households of villages holding this designation (a code of the pack's table) on
    /// the day, the village's own or its town's or county's (认定, issue 22).
    pub designation: Option<(String, chrono::NaiveDate)>,
    pub offset: i64,
    pub limit: i64,
}

/// One line of the household list: masked, no income details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdSummary {
    pub code: HouseholdCode,
    pub village: DivisionCode,
    pub group_no: Option<u16>,
    /// Empty when the household has no 户主 recorded.
    pub head_name: String,
    pub head_id_masked: String,
    /// Members living in the household (在户).
    pub members: i64,
    pub household_type: HouseholdType,
    pub relocated: bool,
    pub dibao: bool,
    pub tekun: bool,
    pub monitored: bool,
    pub phone_masked: Option<String>,
    /// The latest assessment year with its 纯收入, if any income is registered.
    pub latest_income: Option<(i32, Money)>,
}

/// A page of the household list and the number of matches in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseholdPage {
    pub rows: Vec<HouseholdSummary>,
    pub total: i64,
}

/// A member as the household page shows it: the ID number masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberView {
    pub person_id: i64,
    pub id_masked: String,
    pub name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub relation: Relation,
    pub labour: LabourCapacity,
    pub health: Health,
    pub disability: Option<(DisabilityCategory, u8)>,
    pub schooling: Schooling,
    pub medical_insurance: bool,
    pub pension_insurance: bool,
    pub employment_months: u8,
    pub employment_place: Option<String>,
    pub public_payroll: bool,
    pub status: LivingStatus,
}

/// Everything the household page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdDetail {
    pub summary: HouseholdSummary,
    pub address: String,
    pub bank_masked: Option<String>,
    pub members: Vec<MemberView>,
    /// Oldest year first.
    pub incomes: Vec<Income>,
    /// 两不愁, housing and water as last checked.
    pub assurance: Option<dixian_domain::assurance::Assurance>,
}

/// A household's own fields as an edit form gives them (户级信息).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdEdit {
    pub group_no: Option<u16>,
    pub address: String,
    pub phone: PhoneChange,
    pub household_type: HouseholdType,
    pub relocated: bool,
    pub dibao: bool,
    pub tekun: bool,
    pub monitored: bool,
}

/// What an edit does to the phone number: callers only ever see it masked, so "unchanged"
/// must be said, not sent back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneChange {
    Keep,
    Clear,
    Set(String),
}

/// A registered household brought up to date from an import file: the file's version and
/// what it changes (已登记农户的更新).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdUpdate {
    pub record: HouseholdRecord,
    pub changes: Vec<FieldChange>,
}

/// One entry of a household's history (变更记录).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdEvent {
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    /// `registered`, or the audit action of the change (`household.update`, `person.deceased`,
    /// `person.birth`, `income.update`, …; see `app::auditing`).
    pub action: String,
    pub changes: Vec<FieldChange>,
    pub reason: String,
}

/// The household registry (户籍档案): households, members, incomes, 保障核查 and their history.
#[async_trait]
pub trait RegistryStore: Send + Sync {
    /// Inserts new households with their members and incomes. A household code or ID
    /// number that already exists is a conflict and nothing of the batch is written.
    async fn insert_households(
        &self,
        actor: &Actor,
        records: &[HouseholdRecord],
    ) -> StoreResult<usize>;
    /// What the monitoring rules judge (members' ages, labour and schooling, incomes, the
    /// 三保障 check) of every household with a case (of any state) in `area` — for a
    /// 帮扶责任人, of assigned households — by code, nothing decrypted: what a check of a
    /// whole area's cases reads, chosen by the database in one statement per table. Needs
    /// `ViewRegistry`; an area outside the scope is refused (audited).
    async fn case_household_facts(
        &self,
        actor: &Actor,
        area: &DivisionCode,
    ) -> StoreResult<Vec<dixian_domain::monitoring::HouseholdFacts>>;
    /// Full records of registered households in the actor's jurisdiction, sensitive fields
    /// decrypted, so an import can compare a file with them; for `EditRegistry` only, and
    /// never to be shown as they are. Codes outside the scope are refused (audited).
    async fn household_records(
        &self,
        actor: &Actor,
        codes: &[HouseholdCode],
    ) -> StoreResult<Vec<HouseholdRecord>>;
    /// Writes an import in one transaction, all or nothing: `new` households inserted, and
    /// each of `updates` brought to its file's values — household fields, the members it
    /// names (changed or added; members it leaves out stay as they are) and its income
    /// years — with its changes in the household's history and the audit trail for `reason`.
    /// A member registered in another household, or a household left without exactly one
    /// 户主, is a conflict. `progress` hears (rows written, rows to write) as the rows of
    /// households, persons and incomes go in.
    async fn import_households(
        &self,
        actor: &Actor,
        new: &[HouseholdRecord],
        updates: &[HouseholdUpdate],
        reason: &str,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> StoreResult<()>;
    /// Households and persons living in `code`'s subtree (for a 帮扶责任人, only the
    /// households assigned to them).
    async fn registry_counts(
        &self,
        actor: &Actor,
        code: &DivisionCode,
    ) -> StoreResult<RegistryCounts>;
    /// Exact search by ID number (blind index; the number is never compared in plaintext).
    /// Out of the actor's scope is the same as not registered. Every lookup is audited.
    async fn find_person_by_id_number(
        &self,
        actor: &Actor,
        id: &IdNumber,
    ) -> StoreResult<Option<PersonLocation>>;
    /// People in the actor's scope (for a 帮扶责任人, of assigned households) whose name
    /// contains the filter's words, by household code, with the total. A `within` outside the
    /// scope is refused and audited.
    async fn people(&self, actor: &Actor, filter: &PersonFilter) -> StoreResult<PersonPage>;
    /// The full ID number of a person in the actor's scope, for an actor with `RevealPii`
    /// who states why. The reveal and its reason are audited before the number is returned.
    async fn reveal_id_number(
        &self,
        actor: &Actor,
        person_id: i64,
        reason: &str,
    ) -> StoreResult<IdNumber>;
    /// Makes account `cadre` (a 帮扶责任人) responsible for `household`, or (`assign` false)
    /// no longer. Needs `EditRegistry` and the household in the actor's scope; audited.
    async fn assign_cadre(
        &self,
        actor: &Actor,
        household: &HouseholdCode,
        cadre: i64,
        assign: bool,
    ) -> StoreResult<()>;
    /// Households in the actor's scope matching `filter`, by code (for a 帮扶责任人, only
    /// assigned ones). A `within` outside the scope is refused and audited; a search by ID
    /// number is audited like [`Store::find_person_by_id_number`].
    async fn households(
        &self,
        actor: &Actor,
        filter: &HouseholdFilter,
    ) -> StoreResult<HouseholdPage>;
    /// Which of `codes` are already registered, for imports; codes outside the actor's scope
    /// are refused (audited).
    async fn existing_households(
        &self,
        actor: &Actor,
        codes: &[HouseholdCode],
    ) -> StoreResult<Vec<HouseholdCode>>;
    /// One household with its members and incomes. A code outside the actor's scope is
    /// refused (audited) whether or not it exists; inside, an unknown code is `None`.
    async fn household(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
    ) -> StoreResult<Option<HouseholdDetail>>;
    /// Adds `person` to the household `code` as an explicit arrival (出生、婚入、迁入) on
    /// `on`, with its history entry and audit record. A person registered in any household
    /// is a conflict; a second 户主 is refused (the head changes by its own action).
    async fn add_member(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        person: &Person,
        arrival: MemberArrival,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<i64>;
    /// The full ID numbers of the heads of `codes`, for an actor with `RevealPii` who states
    /// why (a ledger exported unmasked). Codes outside the scope are refused; one audit
    /// record names the reason, the count and the first codes before anything is returned.
    async fn reveal_head_ids(
        &self,
        actor: &Actor,
        codes: &[HouseholdCode],
        reason: &str,
    ) -> StoreResult<Vec<(HouseholdCode, IdNumber)>>;
    /// The next free household code of `village` (after the highest in use), for registering
    /// a household by hand. The village must lie in the actor's scope.
    async fn next_household_code(
        &self,
        actor: &Actor,
        village: &DivisionCode,
    ) -> StoreResult<HouseholdCode>;
    /// Changes the details of members of household `code` (成员信息, including who is 户主),
    /// given by person id. Every person must be a member of the household and the household
    /// must keep exactly one 户主 living in it. Each changed field goes into its history and
    /// the audit trail; returns the changes, none meaning nothing was written.
    async fn update_members(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        edits: &[(i64, MemberDetails)],
        reason: &str,
    ) -> StoreResult<Vec<FieldChange>>;
    /// Records a check of household `code`'s 两不愁, housing and water (保障情况核查), each
    /// changed item in its history and the audit trail. Returns the changes.
    async fn set_assurance(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        assurance: &dixian_domain::assurance::Assurance,
        reason: &str,
    ) -> StoreResult<Vec<FieldChange>>;
    /// Records one year's income of household `code` (登记或更正收入), each changed component
    /// in its history and the audit trail. Returns the changes; none means nothing written.
    async fn set_income(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        income: &Income,
        reason: &str,
    ) -> StoreResult<Vec<FieldChange>>;
    /// Changes a household's own fields for `reason`, recording each changed field (old →
    /// new) in its history and the audit trail. Returns the changes; none means nothing was
    /// written.
    async fn update_household(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        edit: &HouseholdEdit,
        reason: &str,
    ) -> StoreResult<Vec<FieldChange>>;
    /// Records a member's death, moving out, or return (人口自然增减) on `on`, for `reason`.
    async fn set_person_status(
        &self,
        actor: &Actor,
        person_id: i64,
        status: LivingStatus,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()>;
    /// A household's history, oldest first, starting with its registration.
    async fn household_events(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
    ) -> StoreResult<Vec<HouseholdEvent>>;
}
