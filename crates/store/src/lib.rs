//! The storage API of dixian. Every feature talks to storage only through [`Store`]; the
//! SQLite and PostgreSQL backends both pass the [`contract`] suite.

use async_trait::async_trait;
use chrono::NaiveDate;
use dixian_domain::access::{Actor, Role};
use dixian_domain::calendar::{CalendarEntry, WorkCalendar};
use dixian_domain::division::{Division, DivisionCode, DivisionTable, VillageGroup};
use dixian_domain::id_number::IdNumber;
use dixian_domain::id_number::Sex;
use dixian_domain::money::Money;
use dixian_domain::policy::Pack;
use dixian_domain::registry::{
    DisabilityCategory, Health, HouseholdCode, HouseholdRecord, HouseholdType, Income,
    LabourCapacity, LivingStatus, MemberArrival, MemberDetails, Person, Relation, Schooling,
};

#[cfg(feature = "contract")]
pub mod contract;
pub mod feeds;
pub mod monitoring;
pub mod problems;

pub use feeds::{
    Delivered, DeliveryRecord, DeliveryRow, NewDelivery, NewScreeningRun, RuleRates,
    ScreeningHousehold, ScreeningInput, ScreeningOutcome, ScreeningPerson, ScreeningRunRecord,
    ScreeningWarning, StoredFeedRow,
};

use dixian_domain::monitoring::Outcome;
pub use monitoring::{
    Applicant, AttachmentMeta, CadreAccount, CaseEventRecord, CaseFact, CaseFile, CaseFilter,
    CaseHistory, CaseSummary, HistoryStep, LeadCreated, LeadFilter, LeadRecord, NewAttachment,
    NewLead, NewVisit, PhotoMeta, PublicLeadStatus, StepEffect, StepTimeliness, VisitRecord,
};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

impl DbKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DbKind::Sqlite => "sqlite",
            DbKind::Postgres => "postgresql",
        }
    }
}

/// Storage errors. Messages are Chinese because they reach users and operators.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or opened.
    #[error("数据库不可用：{0}")]
    Unavailable(String),
    /// A uniqueness rule was broken; nothing was written.
    #[error("数据冲突：{0}")]
    Conflict(String),
    /// Stored data could not be read back into domain values.
    #[error("数据库中的数据无效：{0}")]
    Corrupt(String),
    /// The actor may not do this. Says nothing about what exists; the refusal is audited.
    #[error("无权访问")]
    Forbidden,
    /// A request the store will not carry out as given (a reveal without a reason …).
    #[error("{0}")]
    Invalid(String),
    /// The schema is newer than this program.
    #[error("数据库结构版本为{found}，本程序只支持到{supported}，请升级程序")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("数据库错误：{0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

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

pub use dixian_domain::changes::FieldChange;

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

/// Which records of the audit trail to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFilter {
    /// Oldest first from after this sequence number; or, with `newest_first`, the records
    /// before `before_seq` (all when `None`), newest first.
    pub after_seq: i64,
    pub before_seq: Option<i64>,
    pub newest_first: bool,
    pub limit: i64,
    /// Exact account name (`系统：…` for commands).
    pub actor: Option<String>,
    /// Action code or its prefix: `user.` matches `user.create`, `user.disable` …
    pub action: Option<String>,
    /// Target contains this text.
    pub target: Option<String>,
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

impl AuditFilter {
    /// Every record after `after_seq`, oldest first, at most `limit`.
    pub fn after(after_seq: i64, limit: i64) -> AuditFilter {
        AuditFilter {
            after_seq,
            before_seq: None,
            newest_first: false,
            limit,
            actor: None,
            action: None,
            target: None,
            from: None,
            until: None,
        }
    }
}

/// Rows re-encrypted by a key rotation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RotationReport {
    pub persons: usize,
    /// Phone numbers re-encrypted.
    pub households: usize,
    pub bank_accounts: usize,
    /// Applicants' ID numbers and phones of leads, case attachments, visit photos and the
    /// problem ledger's evidence.
    pub monitoring: usize,
}

/// One record of the audit trail (审计记录). Records form a chain: each carries the SM3 hash
/// of its content and of the record before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub source: Option<String>,
    /// Stable code such as `households.insert`, `access.denied`.
    pub action: String,
    pub target: String,
    /// Details (before/after, counts, reasons) as JSON text.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What an audit pruning removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PruneReport {
    pub removed: i64,
    /// The chain now starts after this record.
    pub through_seq: i64,
}

/// A new account, its password already hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub division: DivisionCode,
    /// For 部门数据员: the department (医保, 民政 …).
    pub department: Option<String>,
    pub password_hash: String,
    pub must_change: bool,
}

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub division: DivisionCode,
    pub department: Option<String>,
    pub password_hash: String,
    pub must_change: bool,
    pub password_changed_at: chrono::DateTime<chrono::Utc>,
    pub disabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A session to store; `token_hash` is the SM3 hash of the cookie value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token_hash: Vec<u8>,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub source: Option<String>,
    pub user_agent: Option<String>,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_seen: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub source: Option<String>,
    pub revoked: bool,
}

/// One login attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginAttempt {
    pub at: chrono::DateTime<chrono::Utc>,
    pub username: String,
    pub user_id: Option<i64>,
    pub source: Option<String>,
    pub success: bool,
    /// Why it failed, or `ok`.
    pub reason: String,
}

/// Whose failures to count for lockout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginKey {
    Username(String),
    Source(String),
}

/// Failed attempts since the last success (and after a given time), with the latest one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailureCount {
    pub count: i64,
    pub last: Option<chrono::DateTime<chrono::Utc>>,
}

/// Result of checking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    /// Records checked.
    pub records: i64,
    /// The first record kept: 1, or one past the last record removed after its retention.
    pub from_seq: i64,
    /// The first problem found, naming the record.
    pub problem: Option<String>,
}

/// The one storage API. Every call names its [`Actor`]: reads of registry data are limited to
/// the actor's scope, writes outside it are refused, and every write and every refusal is
/// appended to the audit trail in the same transaction as the write. Writes are transactional:
/// a call either writes everything it was given or nothing.
#[async_trait]
pub trait Store: Send + Sync {
    fn kind(&self) -> DbKind;

    /// Cheap round trip, for health checks.
    async fn ping(&self) -> StoreResult<()>;

    /// Highest applied migration.
    async fn schema_version(&self) -> StoreResult<i64>;

    // --- divisions (行政区划) ---

    /// Inserts or renames every division and village group of `table`.
    async fn put_divisions(&self, actor: &Actor, table: &DivisionTable) -> StoreResult<usize>;
    async fn division(&self, code: &DivisionCode) -> StoreResult<Option<Division>>;
    /// Direct children, ordered by code.
    async fn child_divisions(&self, code: &DivisionCode) -> StoreResult<Vec<Division>>;
    /// The node and everything below it, ordered by code.
    async fn divisions_within(&self, code: &DivisionCode) -> StoreResult<Vec<Division>>;
    /// Nodes whose parent is not stored: the tops of the loaded tree.
    async fn root_divisions(&self) -> StoreResult<Vec<Division>>;
    async fn village_groups(&self, village: &DivisionCode) -> StoreResult<Vec<VillageGroup>>;

    // --- work calendar (工作日历) ---

    /// Inserts or replaces calendar entries (an administrator adding a year).
    async fn put_calendar(&self, actor: &Actor, entries: &[CalendarEntry]) -> StoreResult<usize>;
    async fn calendar(&self) -> StoreResult<WorkCalendar>;

    // --- policy packs (政策包) ---

    /// Stores a validated pack, replacing one with the same id.
    async fn put_policy_pack(&self, actor: &Actor, pack: &Pack) -> StoreResult<()>;
    /// All stored packs, parsed and validated again.
    async fn policy_packs(&self) -> StoreResult<Vec<Pack>>;

    // --- settings ---

    async fn setting(&self, key: &str) -> StoreResult<Option<String>>;
    async fn put_setting(&self, actor: &Actor, key: &str, value: &str) -> StoreResult<()>;

    // --- registry (户籍档案) ---

    /// Inserts new households with their members and incomes. A household code or ID
    /// number that already exists is a conflict and nothing of the batch is written.
    async fn insert_households(
        &self,
        actor: &Actor,
        records: &[HouseholdRecord],
    ) -> StoreResult<usize>;
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

    // --- monitoring (防止返贫动态监测) ---

    /// Records a lead (线索). Needs `HandleCases` and the village in the actor's scope. A
    /// self-declaration's applicant is matched to a registered household by ID number. A
    /// lead whose household has an open case joins that case (an entry in its history)
    /// instead of waiting for acceptance. Audited.
    async fn create_lead(&self, actor: &Actor, lead: &NewLead) -> StoreResult<LeadCreated>;
    /// Records many leads (a 集中排查 file) in one transaction: all are written or none, and
    /// a refusal names the lead by its position (第N条线索).
    async fn create_leads(&self, actor: &Actor, leads: &[NewLead])
    -> StoreResult<Vec<LeadCreated>>;
    /// Leads in the actor's scope, newest first.
    async fn leads(&self, actor: &Actor, filter: &LeadFilter) -> StoreResult<Vec<LeadRecord>>;
    /// One lead; outside the scope refused (audited), unknown `None`.
    async fn lead(&self, actor: &Actor, id: i64) -> StoreResult<Option<LeadRecord>>;
    /// A self-declaration's progress for whoever holds both its tracking code and the
    /// applicant's ID number; `None` unless both match.
    async fn public_lead_status(
        &self,
        tracking_code: &str,
        id_number: &IdNumber,
    ) -> StoreResult<Option<PublicLeadStatus>>;
    /// Accepts pending lead `id` (受理) for `household`: opens the case of `opened` (made by
    /// `monitoring::open`), or joins the household's open case if it has one. Returns the
    /// case id. Needs `HandleCases`; lead and household in scope.
    async fn accept_lead(
        &self,
        actor: &Actor,
        id: i64,
        household: &HouseholdCode,
        opened: &Outcome,
    ) -> StoreResult<i64>;
    /// Declines pending lead `id` (不予受理) for `reason`, which the reporter may see.
    async fn decline_lead(
        &self,
        actor: &Actor,
        id: i64,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()>;
    /// Cases in the actor's scope (for a 帮扶责任人, of assigned households), the most
    /// urgent first.
    async fn cases(&self, actor: &Actor, filter: &CaseFilter) -> StoreResult<Vec<CaseSummary>>;
    /// The tally facts of every case in the actor's scope, or within `within` (refused,
    /// audited, outside the scope), scoped exactly as [`Store::cases`]: dashboards and
    /// bulletins count from these, and link to `cases` with a filter that
    /// [`CaseFilter::matches`] the same facts.
    async fn case_facts(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<CaseFact>>;
    /// One case with its history, leads and attachments' descriptions.
    async fn case_file(&self, actor: &Actor, id: i64) -> StoreResult<Option<CaseFile>>;
    /// Records a step made by `monitoring::transition`: the new case, its history entry and
    /// the audit record in one transaction, and the household's 监测对象 flag when it is
    /// included, eliminated or reverted. Refused as a conflict if someone else moved the
    /// case first (the version is not the one the step was made from).
    async fn record_step(&self, actor: &Actor, outcome: &Outcome) -> StoreResult<()> {
        self.record_step_with(actor, outcome, &StepEffect::None)
            .await
            .map(|_| ())
    }
    /// [`Store::record_step`] with what the step writes besides (a cadre assigned, a measure
    /// saved) in the same transaction. Gives the id of a saved measure.
    async fn record_step_with(
        &self,
        actor: &Actor,
        outcome: &Outcome,
        effect: &StepEffect,
    ) -> StoreResult<Option<i64>>;
    /// Writes whole case histories in one transaction, all or none (a refusal names the
    /// case by position, 第N件): each one's lead (accepted), case, history, measures, cadre,
    /// attachments (sealed), assurance check and income year, the household's 监测对象 flag
    /// moved as the steps moved it (with a history entry), and one audit record per case. Needs
    /// `HandleCases`; every household in scope, registered, without an open case, and at
    /// most once in `histories`. Gives the case ids in order.
    async fn record_histories(
        &self,
        actor: &Actor,
        histories: &[CaseHistory],
    ) -> StoreResult<Vec<i64>>;
    /// Steps with a deadline done between `from` and `until` (inclusive) in the actor's scope,
    /// counted per village, step and state, with how many were on time.
    async fn step_timeliness(
        &self,
        actor: &Actor,
        from: NaiveDate,
        until: NaiveDate,
    ) -> StoreResult<Vec<StepTimeliness>>;
    /// Records a visit (走访) with its photos in one transaction. Needs `HandleCases`, the
    /// household in scope (and, for a 帮扶责任人, assigned); a case must be the household's.
    async fn add_visit(&self, actor: &Actor, visit: &NewVisit) -> StoreResult<i64>;
    /// The visits of household `code`, newest first.
    async fn visits(&self, actor: &Actor, code: &HouseholdCode) -> StoreResult<Vec<VisitRecord>>;
    /// The dates of visits since `since` to the households in the actor's scope (for a
    /// 帮扶责任人, assigned ones), for the visit cadence of work lists.
    /// Every visit to the households in `within` (the actor's scope when `None`) the actor may
    /// see, newest first.
    async fn visits_within(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<VisitRecord>>;
    /// Every measure of the cases in `within` the actor may see, as (case id, measure), by
    /// case.
    async fn measures_within(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<(i64, dixian_domain::monitoring::Measure)>>;
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
    /// Records a department's feed for a month over the actor's area (部门数据交付), matching
    /// each row's ID number to a person of the area. Needs `UploadFeed`; a 部门数据员 only
    /// for the department of the account. The same file again changes nothing; another file
    /// for the same department and month replaces the one before, whole. Audited.
    async fn deliver_feed(&self, actor: &Actor, delivery: &NewDelivery) -> StoreResult<Delivered>;
    /// Deliveries the actor may see, newest first: a 部门数据员 those of the account's
    /// department; staff with `HandleCases` those of areas covering or inside their scope.
    async fn deliveries(&self, actor: &Actor, limit: i64) -> StoreResult<Vec<DeliveryRecord>>;
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
    /// The 帮扶责任人 accounts in use an actor may assign: those inside the actor's scope and
    /// those of the units above it (a county bureau's cadre helps a village household).
    async fn assistance_cadres(&self, actor: &Actor) -> StoreResult<Vec<CadreAccount>>;

    // --- 三保障 and drinking-water problem ledger (问题台账) ---

    /// Registers a problem of a household the actor may handle; audited.
    async fn add_problem(&self, actor: &Actor, problem: &problems::NewProblem) -> StoreResult<i64>;
    /// Every problem of the households in `within` (the actor's scope when `None`) the actor
    /// may see, oldest first.
    async fn problems(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<problems::ProblemRecord>>;
    /// One problem with its steps; `None` if unknown, refused (audited) out of scope.
    async fn problem(&self, actor: &Actor, id: i64) -> StoreResult<Option<problems::ProblemFile>>;
    /// Takes a step on problem `id` drawn at `version`: the domain's transition and role
    /// rules decide; the step, its files and the audit record are written together.
    async fn advance_problem(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        step: &problems::ProblemStep,
    ) -> StoreResult<()>;
    /// An evidence file of problem `problem_id`; the read is audited.
    async fn problem_evidence(
        &self,
        actor: &Actor,
        problem_id: i64,
        file_id: i64,
    ) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>>;
    /// Attaches a file (at most [`monitoring::MAX_ATTACHMENT_BYTES`]) to case `case_id`,
    /// sealed like other personal data. Audited.
    async fn add_attachment(
        &self,
        actor: &Actor,
        case_id: i64,
        file: &NewAttachment,
    ) -> StoreResult<i64>;
    /// An attachment of case `case_id` with its bytes. Reading one is audited.
    async fn attachment(
        &self,
        actor: &Actor,
        case_id: i64,
        id: i64,
    ) -> StoreResult<Option<(AttachmentMeta, Vec<u8>)>>;

    // --- personal data at rest ---

    /// Re-encrypts every sensitive field not yet under the current key, `batch` rows per
    /// short transaction, so the service keeps running. Safe to run again.
    async fn rotate_keys(&self, actor: &Actor, batch: usize) -> StoreResult<RotationReport>;

    // --- accounts (账号) ---

    /// Creates an account in the actor's scope; a taken username is a conflict.
    async fn create_user(&self, actor: &Actor, user: &NewUser) -> StoreResult<i64>;
    /// For authentication, before anyone is logged in; no scope applies.
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>>;
    /// For sessions: the account a session belongs to; no scope applies.
    async fn user_by_id(&self, id: i64) -> StoreResult<Option<UserRecord>>;
    /// Accounts whose division lies in the actor's scope, by username (for `ManageUsers` or
    /// `ManageSecurity`).
    async fn users(&self, actor: &Actor) -> StoreResult<Vec<UserRecord>>;
    /// Replaces the password hash of an account in the actor's scope (or the actor's own).
    async fn set_user_password(
        &self,
        actor: &Actor,
        user_id: i64,
        password_hash: &str,
        must_change: bool,
    ) -> StoreResult<()>;
    async fn set_user_disabled(
        &self,
        actor: &Actor,
        user_id: i64,
        disabled: bool,
    ) -> StoreResult<()>;

    // --- sessions and logins (会话、登录) ---

    async fn create_session(&self, session: &NewSession) -> StoreResult<()>;
    async fn session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRecord>>;
    /// Records activity, for the idle timeout.
    async fn touch_session(
        &self,
        token_hash: &[u8],
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;
    async fn revoke_session(&self, token_hash: &[u8]) -> StoreResult<()>;
    /// Ends every session of an account ("log out everywhere", disabling, password reset).
    async fn revoke_user_sessions(&self, user_id: i64) -> StoreResult<usize>;
    /// Records an attempt and audits it, in one transaction.
    async fn record_login(&self, attempt: &LoginAttempt) -> StoreResult<()>;
    /// Failures for `key` after both `since` and the key's last success.
    async fn login_failures(
        &self,
        key: &LoginKey,
        since: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<FailureCount>;
    /// The latest attempts on an account, newest first.
    async fn login_history(&self, user_id: i64, limit: i64) -> StoreResult<Vec<LoginAttempt>>;

    // --- backup (备份) ---

    /// Writes a consistent copy of the whole database to `path` (a new file) while the
    /// service runs. Only the embedded SQLite database can do this; PostgreSQL uses pg_dump.
    async fn backup_to(&self, path: &std::path::Path) -> StoreResult<()>;

    // --- audit trail (审计) ---

    /// Appends an event that is not a store write (a login, an export, a reveal).
    async fn audit(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        detail: &str,
    ) -> StoreResult<()>;
    /// Records matching `filter`, for an actor with `ReadAudit` (审计管理员) only.
    async fn audit_records(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
    ) -> StoreResult<Vec<AuditRecord>>;
    /// Walks the whole chain and reports the first broken, missing or reordered record.
    async fn verify_audit_chain(&self) -> StoreResult<AuditVerification>;
    /// Removes records older than `before`, oldest first, after checking the chain is intact;
    /// the chain is checked from the last removed record on. Only the system itself (an
    /// administrator's command on the server) may do this; the removal is audited.
    async fn prune_audit(
        &self,
        actor: &Actor,
        before: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<PruneReport>;
}
