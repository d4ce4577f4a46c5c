//! Storage types of the 三保障 and drinking-water problem ledger (问题台账).

use crate::StoreResult;
use crate::files::NewAttachment;
use crate::files::PhotoMeta;
use async_trait::async_trait;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use dixian_domain::access::Actor;
use dixian_domain::assurance::Indicator;
use dixian_domain::division::DivisionCode;
use dixian_domain::problems::ProblemAction;
use dixian_domain::problems::ProblemDates;
use dixian_domain::problems::ProblemSource;
use dixian_domain::problems::ProblemState;
use dixian_domain::registry::HouseholdCode;

/// Evidence files one step may carry.
pub const MAX_PROBLEM_FILES: usize = 5;

/// A problem as registered (登记问题).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProblem {
    pub household: HouseholdCode,
    pub kind: Indicator,
    pub source: ProblemSource,
    /// What is wrong, in words (e.g. 房屋经鉴定为C级危房).
    pub description: String,
    pub found_on: NaiveDate,
    /// Who found it (people or unit), in words.
    pub found_by: String,
    /// 责任部门.
    pub department: String,
    /// 整改期限.
    pub deadline: NaiveDate,
}

/// A step taken on a problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemStep {
    pub action: ProblemAction,
    pub on: NaiveDate,
    /// 整改情况 for a resolution; the finding for a 销号 or the reason for sending it back.
    pub note: String,
    /// Evidence (整改佐证), at most [`MAX_PROBLEM_FILES`] with the drafts.
    pub files: Vec<NewAttachment>,
    /// Files kept from a refused form of the same officer for the problem's household (see
    /// [`crate::VisitStore::keep_photo_drafts`]), added to the evidence when the step is taken.
    pub drafts: Vec<i64>,
}

/// A problem as stored, with its household's head and village for lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemRecord {
    pub id: i64,
    pub household: HouseholdCode,
    pub head_name: String,
    pub village: DivisionCode,
    pub village_name: String,
    pub kind: Indicator,
    pub source: ProblemSource,
    pub description: String,
    pub found_on: NaiveDate,
    pub found_by: String,
    pub department: String,
    pub deadline: NaiveDate,
    pub state: ProblemState,
    /// 整改情况 and when it was reported.
    pub resolution: Option<String>,
    pub resolved_on: Option<NaiveDate>,
    pub resolved_by: Option<String>,
    /// 销号: when and by whom.
    pub closed_on: Option<NaiveDate>,
    pub closed_by: Option<String>,
    /// Bumped by every step: a form drawn from an older version is refused.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    /// Logins (the four-eyes rule compares them); the `*_name`s are the officers' names.
    pub created_by: String,
    pub resolved_by_name: Option<String>,
    pub closed_by_name: Option<String>,
    pub created_by_name: String,
}

impl ProblemRecord {
    pub fn dates(&self) -> ProblemDates {
        ProblemDates {
            found_on: self.found_on,
            deadline: self.deadline,
            closed_on: self.closed_on,
        }
    }
}

/// One step in a problem's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemEventRecord {
    pub action: ProblemAction,
    pub on: NaiveDate,
    pub note: String,
    pub files: Vec<PhotoMeta>,
    pub at: DateTime<Utc>,
    pub by: String,
}

/// A problem with its history, for its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemFile {
    pub problem: ProblemRecord,
    pub events: Vec<ProblemEventRecord>,
}

/// The 三保障 and drinking-water problem ledger (问题台账).
#[async_trait]
pub trait ProblemStore: Send + Sync {
    /// Registers a problem of a household the actor may handle; audited.
    async fn add_problem(&self, actor: &Actor, problem: &NewProblem) -> StoreResult<i64>;
    /// Every problem of the households in `within` (the actor's scope when `None`) the actor
    /// may see, oldest first.
    async fn problems(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<ProblemRecord>>;
    /// One problem with its steps; `None` if unknown, refused (audited) out of scope.
    async fn problem(&self, actor: &Actor, id: i64) -> StoreResult<Option<ProblemFile>>;
    /// Takes a step on problem `id` drawn at `version`: the domain's transition and role
    /// rules decide; the step, its files and the audit record are written together.
    async fn advance_problem(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        step: &ProblemStep,
    ) -> StoreResult<()>;
    /// An evidence file of problem `problem_id`; the read is audited.
    async fn problem_evidence(
        &self,
        actor: &Actor,
        problem_id: i64,
        file_id: i64,
    ) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>>;
}
