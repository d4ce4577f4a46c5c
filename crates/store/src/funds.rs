//! Storage types of funds and the project library (资金和项目库).

use crate::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_domain::funds::{
    FundLevel, LinkMechanism, Notice, PaymentKind, PerformanceTarget, ProjectAction, ProjectNature,
    ProjectStage,
};
use dixian_domain::money::Money;
use dixian_domain::registry::HouseholdCode;

use crate::files::{NewAttachment, PhotoMeta};

/// Households one project may list as beneficiaries.
pub const MAX_BENEFICIARIES: usize = 2_000;

/// Files (scans of the acceptance form, reports, the hand-over list, invoices …) one project
/// step may carry.
pub const MAX_PROJECT_FILES: usize = 5;

/// A project as a village or town proposes it (村申报): the entry fields of the national
/// guidance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProject {
    /// The village (or, for a cross-village project, the town) where it is built.
    pub division: DivisionCode,
    pub name: String,
    /// 项目类型, a code of the pack's `codes.project_type`.
    pub type_code: String,
    pub nature: ProjectNature,
    /// 计划年度 of the 3-year rolling library.
    pub planned_year: i32,
    /// 实施期限.
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    /// 实施（责任）单位.
    pub unit: String,
    /// 建设任务（内容和规模）.
    pub tasks: String,
    pub budget: Money,
    /// 资金来源 in words (e.g. 财政资金80万元、群众自筹5万元).
    pub sources: String,
    /// 联农带农机制 in words.
    pub mechanism: String,
    pub targets: Vec<PerformanceTarget>,
    pub beneficiaries: Vec<(HouseholdCode, LinkMechanism)>,
    /// The village's notice of the proposal.
    pub notice: Notice,
    pub proposed_on: NaiveDate,
}

/// A step taken on a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectStep {
    pub action: ProjectAction,
    pub on: NaiveDate,
    /// The review opinion (审核意见, 联合审查意见) or what was done.
    pub note: String,
    /// The document behind the step (批复文号, 验收单号, 报账凭证 …).
    pub document: String,
    pub notice: Option<Notice>,
    /// Scans of the documents (验收单, 监理和审计报告, 资产移交清单, 发票 …), at most
    /// [`MAX_PROJECT_FILES`]; kept sealed like case attachments.
    pub files: Vec<NewAttachment>,
}

/// A project in a list, with its money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSummary {
    pub id: i64,
    pub county: DivisionCode,
    pub division: DivisionCode,
    pub division_name: String,
    pub name: String,
    pub type_code: String,
    pub nature: ProjectNature,
    pub planned_year: i32,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub unit: String,
    pub budget: Money,
    pub stage: ProjectStage,
    /// The day the project reached its stage.
    pub stage_on: NaiveDate,
    /// Split to it from fund documents.
    pub planned: Money,
    /// Paid out less returned.
    pub spent: Money,
    pub beneficiaries: i64,
    pub version: i64,
}

/// One step in a project's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectEventRecord {
    /// `None` for the proposal (村申报) and the yearly roll-over (滚动调整).
    pub action: Option<ProjectAction>,
    /// What happened, in words.
    pub label: String,
    pub on: NaiveDate,
    pub note: String,
    pub document: String,
    pub notice: Option<Notice>,
    /// The files attached to the step.
    pub files: Vec<PhotoMeta>,
    pub at: DateTime<Utc>,
    /// The officer's name.
    pub by: String,
}

/// A household a project benefits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beneficiary {
    pub household: HouseholdCode,
    pub head_name: String,
    pub village_name: String,
    pub mechanism: LinkMechanism,
}

/// A project with everything on its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFile {
    pub project: ProjectSummary,
    pub tasks: String,
    pub sources: String,
    pub mechanism: String,
    pub targets: Vec<PerformanceTarget>,
    pub beneficiaries: Vec<Beneficiary>,
    pub events: Vec<ProjectEventRecord>,
    pub lines: Vec<PlanLine>,
    pub created_by_name: String,
}

/// What a project list is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFilter {
    /// An area within the actor's scope; the whole scope when `None`.
    pub within: Option<DivisionCode>,
    pub stage: Option<ProjectStage>,
    pub planned_year: Option<i32>,
    /// Words of the name.
    pub search: Option<String>,
    /// Any of these stages (none: any stage); with `stage`, both must hold.
    pub stages: Vec<ProjectStage>,
    /// Only projects of divisions holding this designation on the day, themselves or by
    /// their town or county.
    pub designation: Option<(String, chrono::NaiveDate)>,
}

/// A page of a project list and what the whole list adds up to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectPage {
    pub rows: Vec<ProjectSummary>,
    pub total: i64,
    pub budget: Money,
    pub planned: Money,
}

/// A fund document (资金文件) as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFund {
    pub county: DivisionCode,
    /// 文号, e.g. 渝财农〔2025〕12号.
    pub doc_number: String,
    pub title: String,
    pub level: FundLevel,
    pub year: i32,
    /// 资金任务类别, a code of the pack's `codes.fund_category`.
    pub category: String,
    pub amount: Money,
    /// 直达资金.
    pub direct: bool,
    pub received_on: NaiveDate,
}

/// A fund document with what is split and spent of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundSummary {
    pub id: i64,
    pub county: DivisionCode,
    pub doc_number: String,
    pub title: String,
    pub level: FundLevel,
    pub year: i32,
    pub category: String,
    pub amount: Money,
    pub direct: bool,
    pub received_on: NaiveDate,
    pub planned: Money,
    pub spent: Money,
}

/// A split of a fund document to a project (资金计划), with its money movements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanLine {
    pub id: i64,
    pub fund_id: i64,
    pub doc_number: String,
    pub fund_year: i32,
    pub project_id: i64,
    pub project_name: String,
    /// The fund document's 任务类别 (以工代赈 lines are checked for labour pay).
    pub fund_category: String,
    /// The project's 建设任务, for the negative-list check of every line.
    pub tasks: String,
    pub type_code: String,
    pub division_name: String,
    pub stage: ProjectStage,
    pub amount: Money,
    pub planned_on: NaiveDate,
    pub spent: Money,
    pub payments: Vec<PaymentRecord>,
}

/// A payment out of (拨付) or a return into (收回) a plan line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub id: i64,
    pub kind: PaymentKind,
    pub amount: Money,
    pub on: NaiveDate,
    /// 凭证号.
    pub voucher: String,
    pub note: String,
    pub by: String,
}

/// A new payment or return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub line_id: i64,
    pub kind: PaymentKind,
    pub amount: Money,
    pub on: NaiveDate,
    pub voucher: String,
    pub note: String,
}

/// A fund document with its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundFile {
    pub fund: FundSummary,
    /// The lines to projects the actor may see.
    pub lines: Vec<PlanLine>,
    pub created_by_name: String,
}

/// Wages paid to a worker of a project (以工代赈劳务报酬).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWage {
    pub name: String,
    /// Links the worker to the registry when registered; not stored itself.
    pub id_number: Option<dixian_domain::id_number::IdNumber>,
    /// `2026-05`.
    pub month: String,
    pub amount: Money,
    pub paid_on: NaiveDate,
}

/// Wages as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WageRecord {
    pub id: i64,
    pub name: String,
    /// The worker's household when registered.
    pub household: Option<HouseholdCode>,
    pub month: String,
    pub amount: Money,
    pub paid_on: NaiveDate,
    pub by: String,
}

/// A project touching a household, for the household page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdProject {
    pub project_id: i64,
    pub name: String,
    pub stage: ProjectStage,
    pub planned_year: i32,
    pub mechanism: LinkMechanism,
}

/// Funds and the project library (资金和项目库). Projects are scoped by the division they are
/// built in, fund documents by their county; the domain's stage and role rules and the
/// amount rules (a split within its document and the project's budget, a payment within
/// its line) are checked here, below every page, command and import; every write is
/// audited with the write.
#[async_trait]
pub trait FundStore: Send + Sync {
    /// Records a proposal (村申报) in the actor's scope; audited.
    async fn propose_project(&self, actor: &Actor, project: &NewProject) -> StoreResult<i64>;
    /// Imports projects already in the library (项目清单导入) with the stage each has reached,
    /// all or none; county only. The proposal date is the day they entered the library.
    async fn import_projects(
        &self,
        actor: &Actor,
        projects: &[(NewProject, ProjectStage)],
    ) -> StoreResult<Vec<i64>>;
    /// Projects the actor may see, narrowed by `filter`, newest plan year first.
    async fn projects(
        &self,
        actor: &Actor,
        filter: &ProjectFilter,
    ) -> StoreResult<Vec<ProjectSummary>>;
    /// One page (`offset`, at most `limit` rows) of [`FundStore::projects`], with the count,
    /// budget and planned money of the whole list, counted in the database.
    async fn project_page(
        &self,
        actor: &Actor,
        filter: &ProjectFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<ProjectPage>;
    /// One project; `None` if unknown or out of the actor's sight (refusal audited).
    async fn project(&self, actor: &Actor, id: i64) -> StoreResult<Option<ProjectFile>>;
    /// Takes a step on project `id` drawn at `version`.
    async fn advance_project(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        step: &ProjectStep,
    ) -> StoreResult<()>;
    /// A file attached to a step of project `project_id`, with its bytes; `None` if unknown
    /// or out of sight. Reading one is audited.
    async fn project_document(
        &self,
        actor: &Actor,
        project_id: i64,
        file_id: i64,
    ) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>>;
    /// 滚动调整: moves library projects of plan year `from` that received no funds to `to`;
    /// returns how many moved. County only.
    async fn roll_over_projects(
        &self,
        actor: &Actor,
        county: &DivisionCode,
        from: i32,
        to: i32,
        on: NaiveDate,
    ) -> StoreResult<u64>;
    /// Records a fund document; county only, 文号 unique within the county.
    async fn add_fund(&self, actor: &Actor, fund: &NewFund) -> StoreResult<i64>;
    /// Fund documents of counties the actor's scope overlaps, of `year` if given.
    async fn funds(&self, actor: &Actor, year: Option<i32>) -> StoreResult<Vec<FundSummary>>;
    async fn fund(&self, actor: &Actor, id: i64) -> StoreResult<Option<FundFile>>;
    /// Splits `amount` of fund `fund_id` to library project `project_id` (资金计划).
    async fn plan_fund(
        &self,
        actor: &Actor,
        fund_id: i64,
        project_id: i64,
        amount: Money,
        on: NaiveDate,
    ) -> StoreResult<i64>;
    /// Records a payment or a return on a plan line.
    async fn record_payment(&self, actor: &Actor, payment: &NewPayment) -> StoreResult<i64>;
    /// Every plan line of the funds of `year` in the actor's sight, for the checks.
    async fn plan_lines(&self, actor: &Actor, year: i32) -> StoreResult<Vec<PlanLine>>;
    /// Records wages paid to workers of project `id` (以工代赈), all or none; gives how many
    /// workers were found in the registry.
    async fn add_wages(&self, actor: &Actor, id: i64, wages: &[NewWage]) -> StoreResult<usize>;
    /// Wages of project `id`, in order paid.
    async fn wages(&self, actor: &Actor, id: i64) -> StoreResult<Vec<WageRecord>>;
    /// How many projects of the area are at each stage (of plan year `year` if given).
    async fn project_stage_counts(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
        year: Option<i32>,
    ) -> StoreResult<Vec<(ProjectStage, i64)>>;
    /// Money split from the documents of `year` by project type, in the actor's sight.
    async fn planned_by_type(&self, actor: &Actor, year: i32) -> StoreResult<Vec<(String, Money)>>;
    /// Wages by project in the actor's sight: (project, total, workers, registered workers).
    async fn wage_totals(&self, actor: &Actor) -> StoreResult<Vec<(i64, Money, i64, i64)>>;
    /// Projects listing household `code` as a beneficiary.
    async fn household_projects(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
    ) -> StoreResult<Vec<HouseholdProject>>;
}
