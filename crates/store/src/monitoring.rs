//! Storage types of the monitoring lifecycle (防止返贫动态监测): leads, cases, their history
//! and attachments. The state machine itself is `dixian_domain::monitoring`; the store keeps
//! its outcomes, scoped, versioned and audited.

use crate::StoreResult;
use crate::files::NewAttachment;
use async_trait::async_trait;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use dixian_domain::access::Actor;
use dixian_domain::assurance::Assurance;
use dixian_domain::division::DivisionCode;
use dixian_domain::id_number::IdNumber;
use dixian_domain::monitoring::AttachmentKind;
use dixian_domain::monitoring::Case;
use dixian_domain::monitoring::CaseState;
use dixian_domain::monitoring::Channel;
use dixian_domain::monitoring::Event;
use dixian_domain::monitoring::LeadStatus;
use dixian_domain::monitoring::Measure;
use dixian_domain::monitoring::Outcome;
use dixian_domain::registry::HouseholdCode;
use dixian_domain::registry::Income;

/// The person behind a self-declaration (自主申报人).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub name: String,
    pub id_number: IdNumber,
    pub phone: Option<String>,
}

/// A lead (线索) as reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLead {
    /// The village it concerns: the lead is in the scope of whoever covers it.
    pub village: DivisionCode,
    /// The household, when the reporter names a registered one. A self-declaration names a
    /// person instead; the store finds the household by the ID number if it is registered.
    pub household: Option<HouseholdCode>,
    pub channel: Channel,
    /// Who or what reported it: a department and rule, a hotline ticket, a cadre's name.
    pub source: String,
    pub reason: String,
    pub evidence: String,
    /// Hardship types as the reporter sees them (risk type codes).
    pub hardships: Vec<String>,
    pub received_on: NaiveDate,
    pub applicant: Option<Applicant>,
    /// The code a self-declaring household tracks its application by.
    pub tracking_code: Option<String>,
}

/// What became of a new lead at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadCreated {
    pub id: i64,
    /// The household it was matched to, if any.
    pub household: Option<HouseholdCode>,
    /// The open case it joined (its household already had one).
    pub attached_to: Option<i64>,
}

/// A lead as stored; personal data masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadRecord {
    pub id: i64,
    pub village: DivisionCode,
    pub household: Option<HouseholdCode>,
    pub channel: Channel,
    pub source: String,
    pub reason: String,
    pub evidence: String,
    pub hardships: Vec<String>,
    pub received_on: NaiveDate,
    pub received_at: DateTime<Utc>,
    pub applicant_name: Option<String>,
    pub applicant_id_masked: Option<String>,
    pub applicant_phone_masked: Option<String>,
    pub tracking_code: Option<String>,
    pub status: LeadStatus,
    pub case_id: Option<i64>,
    pub decided_on: Option<NaiveDate>,
    pub decision_note: Option<String>,
    pub created_by: String,
}

/// Which leads to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadFilter {
    pub status: Option<LeadStatus>,
    pub within: Option<DivisionCode>,
    pub channel: Option<Channel>,
    /// Received on or after / on or before.
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// Words of the reason, the source, the applicant's or a member's name, or a household
    /// code.
    pub text: String,
    /// The household of a member, or the applicant, with this ID number (by its blind index).
    pub id_number: Option<IdNumber>,
    /// Only leads of villages holding this designation on the day, themselves or by their
    /// town or county.
    pub designation: Option<(String, NaiveDate)>,
    /// Page size (0: 500) and rows to skip.
    pub limit: i64,
    pub offset: i64,
}

/// What a self-declaring household may see of its application: nothing personal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicLeadStatus {
    /// Its village: whose pack sets the limits. Not shown.
    pub village: DivisionCode,
    pub received_on: NaiveDate,
    /// When the step under way is due: the case's current deadline (the store's), or, for a
    /// lead not yet accepted, its acceptance limit (filled in by the use case).
    pub due_on: Option<NaiveDate>,
    pub status: LeadStatus,
    pub decision_note: Option<String>,
    pub case_state: Option<CaseState>,
    pub closed_reason: Option<String>,
    pub approved_on: Option<NaiveDate>,
}

/// One case in a list, with what a work list shows of its household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    pub case: Case,
    pub village: DivisionCode,
    pub village_name: String,
    pub head_name: String,
    /// Whether a 帮扶责任人 is assigned to the household, and how many of its plan's measures
    /// are applied (实施中 or 已完成).
    pub has_cadre: bool,
    pub measures: i64,
    /// Living members (在户人口) today: what "people" means in every count of cases.
    pub people: i64,
}

/// Which cases to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Empty: every state.
    pub states: Vec<CaseState>,
    pub within: Option<DivisionCode>,
    pub household: Option<HouseholdCode>,
    /// Only cases whose current step was due before this date.
    pub overdue_on: Option<NaiveDate>,
    /// Object category code (监测对象类别).
    pub category: Option<String>,
    /// Cases whose risk types include this code.
    pub risk_type: Option<String>,
    /// Included (纳入监测) between these days, both counted.
    pub approved_between: Option<(NaiveDate, NaiveDate)>,
    /// Risk eliminated between these days, both counted.
    pub eliminated_between: Option<(NaiveDate, NaiveDate)>,
    /// Words of a member's name or of the household code (empty: no search). Not among a
    /// case's facts: a count of a search is made from the list (see [`CaseFilter::searches`]).
    pub text: String,
    /// The household of a member with this ID number (by its blind index).
    pub id_number: Option<IdNumber>,
    /// Only cases of villages holding this designation (a code of the pack's table) on the
    /// day, the village's own or its town's or county's (认定, issue 22).
    pub designation: Option<(String, NaiveDate)>,
    /// Rows to skip, for paging (the order is stable).
    pub offset: i64,
    pub limit: i64,
}

/// Searched words as every list's search uses them: trimmed, LIKE's own characters (`%`,
/// `_`, `\`) dropped, so a search is words and a lone `%` is no search, not “everything”.
pub fn search_words(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !matches!(c, '%' | '_' | '\\'))
        .collect::<String>()
        .trim()
        .to_string()
}

impl CaseFilter {
    /// Whether the filter asks what a case's facts cannot answer (a name, an ID number, a
    /// designation of its village): [`CaseFilter::matches`] then holds only for the other
    /// conditions, and counts are made from the list.
    pub fn searches(&self) -> bool {
        !search_words(&self.text).is_empty()
            || self.id_number.is_some()
            || self.designation.is_some()
    }

    /// Whether a case with these facts is one the filter lists: the same rules the store's
    /// query applies, so a count made from facts equals the length of the list it links to
    /// (a search by name or ID number aside, see [`CaseFilter::searches`]).
    pub fn matches(&self, f: &CaseFact) -> bool {
        let within = |a: &Option<(NaiveDate, NaiveDate)>, d: Option<NaiveDate>| match a {
            None => true,
            Some((from, to)) => d.is_some_and(|d| *from <= d && d <= *to),
        };
        (self.states.is_empty() || self.states.contains(&f.state))
            && self.within.is_none_or(|w| f.village.is_within(&w))
            && self.household.as_ref().is_none_or(|h| *h == f.household)
            && self
                .overdue_on
                .is_none_or(|day| f.due_on.is_some_and(|due| due < day))
            && self
                .category
                .as_ref()
                .is_none_or(|c| f.category.as_ref() == Some(c))
            && self
                .risk_type
                .as_ref()
                .is_none_or(|r| f.risk_types.contains(r))
            && within(&self.approved_between, f.approved_on)
            && within(&self.eliminated_between, f.eliminated_on)
    }
}

/// What a tally of cases (案件统计) needs of one case: one lean row per case, so a
/// dashboard of a whole county is one read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFact {
    pub id: i64,
    pub household: HouseholdCode,
    pub village: DivisionCode,
    pub state: CaseState,
    pub category: Option<String>,
    pub risk_types: Vec<String>,
    pub approved_on: Option<NaiveDate>,
    pub eliminated_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    /// Living members today, as [`CaseSummary::people`].
    pub people: i64,
}

/// One entry of a case's history as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEventRecord {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub event: Event,
}

/// An attachment's description; the bytes are fetched on their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentMeta {
    pub id: i64,
    pub case_id: i64,
    pub kind: AttachmentKind,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by: String,
}

/// A case with everything recorded about it, for its page and the printed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFile {
    pub summary: CaseSummary,
    pub events: Vec<CaseEventRecord>,
    pub leads: Vec<LeadRecord>,
    pub attachments: Vec<AttachmentMeta>,
    /// The 一户一策 plan, oldest measure first.
    pub measures: Vec<Measure>,
}

/// A 帮扶责任人 account that may be assigned to households (姓名 and 所在区划).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CadreAccount {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub division: DivisionCode,
}

/// What a step writes besides the case and its history, in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepEffect {
    None,
    /// The account made the household's 帮扶责任人.
    AssignCadre {
        user_id: i64,
    },
    /// A measure added (id 0) or changed in the plan.
    PutMeasure(Measure),
}

/// One step of a case's history as the state machine made it, and who took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryStep {
    /// The name the case file shows for whoever took the step.
    pub by: String,
    pub outcome: Outcome,
    pub effect: StepEffect,
}

/// A monitoring case with its history so far (案件历史), written at once by
/// `Store::record_histories`: the demo county's cases, made by the state machine step by
/// step with the dates the steps would have had, and later the cases a county carries over
/// from the system it used before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseHistory {
    /// The lead that opened the case, written accepted: it names the case's household, or
    /// its applicant is a member.
    pub lead: NewLead,
    /// Every step in order: the first opens the case (`monitoring::open`), each next one
    /// was made from the case the one before left. Effects may assign a cadre or add
    /// measures (id 0).
    pub steps: Vec<HistoryStep>,
    /// Files of the case (the signed 承诺授权书 its verification relied on).
    pub attachments: Vec<NewAttachment>,
    /// A 两不愁三保障 check recorded on the way (before an elimination), with its reason.
    pub assurance: Option<(Assurance, String)>,
    /// An income year recorded on the way (what the elimination check found), with its
    /// reason.
    pub income: Option<(Income, String)>,
}

/// How many steps of one kind were done in one village in a period, and how many in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepTimeliness {
    pub village: DivisionCode,
    pub action: dixian_domain::monitoring::ActionKind,
    /// The state the step completed (乡镇审核 and 县级审定 are both `approve`).
    pub from: Option<CaseState>,
    pub done: i64,
    pub on_time: i64,
}

/// Monitoring (防止返贫动态监测): leads, cases and their steps, measures, attachments.
#[async_trait]
pub trait MonitoringStore: Send + Sync {
    /// Records a lead (线索). Needs `HandleCases` and the village in the actor's scope. A
    /// self-declaration's applicant is matched to a registered household by ID number. A
    /// staff lead whose household has an open case joins that case (an entry in its history)
    /// instead of waiting for acceptance; a public self-declaration always waits for an
    /// officer, so it neither discloses nor changes a case. Audited.
    async fn create_lead(&self, actor: &Actor, lead: &NewLead) -> StoreResult<LeadCreated>;
    /// Records many leads (a 集中排查 file) in one transaction: all are written or none, and
    /// a refusal names the lead by its position (第N条线索).
    async fn create_leads(&self, actor: &Actor, leads: &[NewLead])
    -> StoreResult<Vec<LeadCreated>>;
    /// Leads in the actor's scope, newest first.
    async fn leads(&self, actor: &Actor, filter: &LeadFilter) -> StoreResult<Vec<LeadRecord>>;
    /// How many leads `filter` finds in the actor's scope, whatever its page.
    async fn count_leads(&self, actor: &Actor, filter: &LeadFilter) -> StoreResult<i64>;
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
    /// Every case of `area` (for a 帮扶责任人, of assigned households) bare, without a list's
    /// names and counts, by id: what a check over a whole area reads. An area outside the
    /// scope is refused (audited).
    async fn area_cases(&self, actor: &Actor, area: &DivisionCode) -> StoreResult<Vec<Case>>;
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
    /// Every measure of the cases in `within` the actor may see, as (case id, measure), by
    /// case.
    async fn measures_within(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<(i64, dixian_domain::monitoring::Measure)>>;
    /// The 帮扶责任人 accounts in use an actor may assign: those inside the actor's scope and
    /// those of the units above it (a county bureau's cadre helps a village household).
    async fn assistance_cadres(&self, actor: &Actor) -> StoreResult<Vec<CadreAccount>>;
    /// Attaches a file (at most [`crate::files::MAX_ATTACHMENT_BYTES`]) to case `case_id`,
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
}
