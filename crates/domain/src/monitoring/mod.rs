//! The monitoring lifecycle (防止返贫致贫动态监测): leads (线索), and the case (监测案件) of one
//! household from verification through inclusion to risk elimination, as an explicit state
//! machine. [`transition`] is the only way a case changes: it checks the role, the state, the
//! data each step requires and the policy pack's gates, sets the step's deadline on the
//! holiday calendar, and describes the event for the case history. Storage and people come
//! later, in `app`; nothing here does IO.

mod gates;
mod plan;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
mod visits;

pub use gates::{ExclusionHit, Gate, IncomeCheck, elimination_gates, exclusion_hits, income_check};
pub use plan::{
    Measure, MeasureStatus, can_work, check_measure, check_risks, measure_type_name, plan_gaps,
};
pub use visits::{VisitPeriod, monitored_periods, poverty_alleviated_periods};

use crate::access::Role;
use crate::calendar::{CalendarError, WorkCalendar};
use crate::codes::coded_enum;
use crate::money::Money;
use crate::policy::{DayCount, Deadline, Policy};
use crate::registry::assurance::Assurance;
use crate::registry::{
    HouseholdCode, HouseholdRecord, HouseholdType, Income, LabourCapacity, LivingStatus, Relation,
    Schooling,
};
use chrono::{Months, NaiveDate};

coded_enum!(
    /// Where a lead came from (发现渠道).
    Channel {
        SelfDeclared => ("self_declared", "农户自主申报"),
        CadreSurvey => ("cadre_survey", "基层干部排查"),
        Screening => ("screening", "部门筛查预警"),
        Hotline => ("hotline", "热线电话"),
        Petition => ("petition", "信访"),
        Media => ("media", "媒体反映"),
        Supervision => ("supervision", "监督检查"),
    }
);

coded_enum!(
    /// What became of a lead (线索状态).
    LeadStatus {
        Pending => ("pending", "待受理"),
        Accepted => ("accepted", "已受理"),
        Attached => ("attached", "并入在办案件"),
        Declined => ("declined", "不予受理"),
    }
);

coded_enum!(
    /// What a file attached to a case is (附件类别).
    AttachmentKind {
        Consent => ("consent", "承诺授权书"),
        Photo => ("photo", "现场照片"),
        Minutes => ("minutes", "评议记录"),
        Other => ("other", "其他材料"),
    }
);

coded_enum!(
    /// The two procedures a case runs through, each verify → deliberate → notice → town →
    /// county.
    Phase {
        Identification => ("identification", "识别纳入"),
        Elimination => ("elimination", "风险消除"),
    }
);

coded_enum!(
    /// A step of either procedure.
    Step {
        Verifying => ("verifying", "入户核实"),
        Deliberation => ("deliberation", "民主评议"),
        Notice => ("notice", "公示"),
        TownReview => ("town_review", "乡镇审核"),
        CountyReview => ("county_review", "县级审定"),
    }
);

coded_enum!(
    /// Where a case stands (案件状态).
    CaseState {
        Verifying => ("verifying", "入户核实"),
        Deliberation => ("deliberation", "民主评议"),
        Notice => ("notice", "公示中"),
        TownReview => ("town_review", "乡镇审核"),
        CountyReview => ("county_review", "县级审定"),
        Monitored => ("monitored", "监测帮扶中"),
        NotIncluded => ("not_included", "不予纳入"),
        ExitVerifying => ("exit_verifying", "消除核实"),
        ExitDeliberation => ("exit_deliberation", "消除评议"),
        ExitNotice => ("exit_notice", "消除公示中"),
        ExitTownReview => ("exit_town_review", "消除乡镇审核"),
        ExitCountyReview => ("exit_county_review", "消除县级确认"),
        Eliminated => ("eliminated", "风险已消除"),
    }
);

impl CaseState {
    /// The procedure and step, for states inside one.
    pub fn step(self) -> Option<(Phase, Step)> {
        use CaseState as S;
        Some(match self {
            S::Verifying => (Phase::Identification, Step::Verifying),
            S::Deliberation => (Phase::Identification, Step::Deliberation),
            S::Notice => (Phase::Identification, Step::Notice),
            S::TownReview => (Phase::Identification, Step::TownReview),
            S::CountyReview => (Phase::Identification, Step::CountyReview),
            S::ExitVerifying => (Phase::Elimination, Step::Verifying),
            S::ExitDeliberation => (Phase::Elimination, Step::Deliberation),
            S::ExitNotice => (Phase::Elimination, Step::Notice),
            S::ExitTownReview => (Phase::Elimination, Step::TownReview),
            S::ExitCountyReview => (Phase::Elimination, Step::CountyReview),
            S::Monitored | S::NotIncluded | S::Eliminated => return None,
        })
    }

    pub fn at(phase: Phase, step: Step) -> CaseState {
        use CaseState as S;
        match (phase, step) {
            (Phase::Identification, Step::Verifying) => S::Verifying,
            (Phase::Identification, Step::Deliberation) => S::Deliberation,
            (Phase::Identification, Step::Notice) => S::Notice,
            (Phase::Identification, Step::TownReview) => S::TownReview,
            (Phase::Identification, Step::CountyReview) => S::CountyReview,
            (Phase::Elimination, Step::Verifying) => S::ExitVerifying,
            (Phase::Elimination, Step::Deliberation) => S::ExitDeliberation,
            (Phase::Elimination, Step::Notice) => S::ExitNotice,
            (Phase::Elimination, Step::TownReview) => S::ExitTownReview,
            (Phase::Elimination, Step::CountyReview) => S::ExitCountyReview,
        }
    }

    /// Open cases take new leads for their household; closed ones (不予纳入, 风险已消除) do
    /// not, so a household that falls back later gets a new case.
    pub fn is_open(self) -> bool {
        !matches!(self, CaseState::NotIncluded | CaseState::Eliminated)
    }

    /// Whether the household is included (纳入监测) in this state.
    pub fn is_included(self) -> bool {
        matches!(self, CaseState::Monitored)
            || self.step().is_some_and(|(p, _)| p == Phase::Elimination)
    }
}

coded_enum!(
    /// What was done to a case; the history names each event by it.
    ActionKind {
        Open => ("open", "受理立案"),
        Verify => ("verify", "入户核实"),
        Deliberate => ("deliberate", "民主评议并公示"),
        Object => ("object", "公示异议"),
        EndNotice => ("end_notice", "公示期满"),
        Approve => ("approve", "审核通过"),
        Return => ("return", "退回"),
        Close => ("close", "办结不予纳入"),
        ProposeGreenChannel => ("propose_green_channel", "村级研判提请绿色通道"),
        GreenChannel => ("green_channel", "启用绿色通道"),
        DeclineGreenChannel => ("decline_green_channel", "乡镇不同意绿色通道"),
        ProposeElimination => ("propose_elimination", "提出风险消除"),
        Revert => ("revert", "回退监测"),
        Attach => ("attach", "并入新线索"),
        AssignCadre => ("assign_cadre", "明确帮扶责任人"),
        RecordPlan => ("plan", "制定或调整帮扶计划"),
    }
);

/// One household's case as stored: its state and the dates its clocks run from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: i64,
    pub household: HouseholdCode,
    pub state: CaseState,
    /// Bumped by every event, so two people acting on the same case cannot both succeed.
    pub version: i64,
    /// When the risk was first discovered (the earliest lead): the identification clock
    /// starts here.
    pub discovered_on: NaiveDate,
    /// When the town accepted (受理) it.
    pub opened_on: NaiveDate,
    /// The identification deadline (识别认定时限), extended by objection pauses.
    pub identification_due: NaiveDate,
    /// Since when the case is in its current state.
    pub step_since: NaiveDate,
    /// Deadline of the current step, if the pack sets one.
    pub due_on: Option<NaiveDate>,
    /// Set while an objection to the notice is being re-verified: the identification clock
    /// stands still from this date.
    pub paused_on: Option<NaiveDate>,
    /// First day of the current or last notice, and the first day after its minimum period.
    pub notice_from: Option<NaiveDate>,
    pub notice_until: Option<NaiveDate>,
    /// Object category code (监测对象类别), proposed at verification, set by the county.
    pub category: Option<String>,
    /// Risk type codes (风险类型), at most the pack's maximum.
    pub risk_types: Vec<String>,
    /// Codes of the exclusion rules (原则上不纳入) the verification found the household to
    /// meet; an agreed deliberation must admit each as a special case.
    pub exclusion_hits: Vec<String>,
    /// Those the agreed deliberation admitted (村民代表大会评议认定); approval needs them all.
    pub exclusions_admitted: Vec<String>,
    /// 绿色通道 proposed after the village's assessment (村级研判) of this date, awaiting the
    /// town.
    pub green_channel_proposed_on: Option<NaiveDate>,
    /// 绿色通道: assistance started before approval, on this date.
    pub green_channel_on: Option<NaiveDate>,
    /// 纳入监测 (县级审定) date.
    pub approved_on: Option<NaiveDate>,
    /// Elimination mode code (消除方式), proposed and then confirmed.
    pub elimination_mode: Option<String>,
    pub eliminated_on: Option<NaiveDate>,
    /// Why the case was closed, in words the household sees.
    pub closed_reason: Option<String>,
    /// Deadlines to assign a 帮扶责任人 and to make the 一户一策 plan.
    pub cadre_due: Option<NaiveDate>,
    pub plan_due: Option<NaiveDate>,
    /// When the first 帮扶责任人 was assigned and the plan first made.
    pub cadre_on: Option<NaiveDate>,
    pub plan_on: Option<NaiveDate>,
}

impl Case {
    /// Assistance is owed: included, or started early through the green channel, and open.
    pub fn assisting(&self) -> bool {
        self.state.is_open() && (self.state.is_included() || self.green_channel_on.is_some())
    }
}

/// The 排查表 of one household verification (入户核实), or of the re-check before elimination.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verification {
    pub visited_on: Option<NaiveDate>,
    /// Who went (at least the pack's number of people).
    pub verifiers: Vec<String>,
    /// The signed 承诺授权书, an attachment of the case; required to include a household.
    pub consent_attachment: Option<i64>,
    /// Risk type codes found.
    pub risk_types: Vec<String>,
    /// Proposed object category code.
    pub category: Option<String>,
    /// 刚性支出 over the year (schooling, medical after reimbursement …).
    pub rigid_expenditure: Money,
    /// Exclusion rules (原则上不纳入) the verifiers found met at the visit, by code: what
    /// neither the registry nor a department's data shows.
    pub exclusions_found: Vec<String>,
    /// Before elimination: months the income has stayed above the line, and whether large
    /// rigid expenditure is resolved.
    pub stable_income_months: u32,
    pub rigid_expenditure_resolved: bool,
    pub findings: String,
}

/// 民主评议: the village meeting and, when it agrees, the notice (公示) it posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deliberation {
    pub held_on: NaiveDate,
    pub attendees: u32,
    pub agreed: bool,
    pub note: String,
    /// First day of the notice (when agreed).
    pub notice_from: NaiveDate,
    /// Exclusion rules the village representatives' assembly admitted the household despite
    /// (特殊情况由村民代表大会评议认定), by code.
    pub overrides: Vec<String>,
}

/// What one step can do to a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Verify(Box<Verification>),
    Deliberate(Deliberation),
    /// An objection (异议) lodged during the notice: back to verification, clock paused.
    Object {
        content: String,
    },
    EndNotice,
    /// Town: pass to the county. County: include (with category and risk types) or confirm
    /// the elimination (with its mode).
    Approve {
        comment: String,
        category: Option<String>,
        risk_types: Vec<String>,
    },
    Return {
        comment: String,
    },
    /// Identification: not eligible / excluded (不予纳入). Elimination: risk not eliminated,
    /// back to monitoring (不予消除).
    Close {
        reason: String,
    },
    /// 经村级研判: the village's assessment finds a sudden severe hardship and asks the town to
    /// start assistance before the procedure completes (001 第五章第二节).
    ProposeGreenChannel {
        assessed_on: NaiveDate,
        reason: String,
    },
    /// The town agrees to the village's proposal: assistance starts now.
    GreenChannel {
        reason: String,
    },
    DeclineGreenChannel {
        reason: String,
    },
    ProposeElimination {
        mode: String,
        reason: String,
    },
    Revert {
        reason: String,
    },
    /// 明确帮扶责任人: who, from which unit, their 政治面貌, from when.
    AssignCadre {
        cadre: String,
        unit: String,
        political: String,
        start: NaiveDate,
    },
    /// A measure added or changed in the 一户一策 plan, described for the history.
    RecordPlan {
        change: String,
    },
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Verify(_) => ActionKind::Verify,
            Action::Deliberate(_) => ActionKind::Deliberate,
            Action::Object { .. } => ActionKind::Object,
            Action::EndNotice => ActionKind::EndNotice,
            Action::Approve { .. } => ActionKind::Approve,
            Action::Return { .. } => ActionKind::Return,
            Action::Close { .. } => ActionKind::Close,
            Action::ProposeGreenChannel { .. } => ActionKind::ProposeGreenChannel,
            Action::GreenChannel { .. } => ActionKind::GreenChannel,
            Action::DeclineGreenChannel { .. } => ActionKind::DeclineGreenChannel,
            Action::ProposeElimination { .. } => ActionKind::ProposeElimination,
            Action::Revert { .. } => ActionKind::Revert,
            Action::AssignCadre { .. } => ActionKind::AssignCadre,
            Action::RecordPlan { .. } => ActionKind::RecordPlan,
        }
    }
}

/// What the checks need to know of a member (no ID number: a 帮扶责任人 proposing an
/// elimination sees only masked ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFacts {
    pub name: String,
    /// To the head (与户主关系): lists name a household by its head.
    pub relation: Relation,
    pub birth_date: NaiveDate,
    pub status: LivingStatus,
    pub schooling: Schooling,
    pub medical_insurance: bool,
    pub labour: LabourCapacity,
    pub public_payroll: bool,
}

/// What the checks need to know of a household: members, incomes and 保障情况.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdFacts {
    pub code: HouseholdCode,
    /// What departments' feeds say of the members, for 信息比对.
    pub records: Vec<DepartmentRecord>,
    pub household_type: HouseholdType,
    /// 低保户.
    pub dibao: bool,
    pub members: Vec<PersonFacts>,
    pub incomes: Vec<Income>,
    pub assurance: Option<Assurance>,
}

impl HouseholdFacts {
    /// The head living in the household (户主), as lists name a household.
    pub fn head_name(&self) -> Option<&str> {
        self.members
            .iter()
            .find(|m| m.relation == Relation::Head && m.status == LivingStatus::InHousehold)
            .map(|m| m.name.as_str())
    }
}

impl From<&HouseholdRecord> for HouseholdFacts {
    fn from(r: &HouseholdRecord) -> Self {
        HouseholdFacts {
            code: r.household.code.clone(),
            household_type: r.household.household_type,
            dibao: r.household.dibao,
            records: Vec::new(),
            members: r
                .members
                .iter()
                .map(|p| PersonFacts {
                    name: p.name.clone(),
                    relation: p.relation,
                    birth_date: p.birth_date,
                    status: p.status,
                    schooling: p.schooling,
                    medical_insurance: p.medical_insurance,
                    labour: p.labour,
                    public_payroll: p.public_payroll,
                })
                .collect(),
            incomes: r.incomes.clone(),
            assurance: r.assurance.clone(),
        }
    }
}

/// One row of a department's feed about a member (信息比对 at 入户核实).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentRecord {
    pub department: crate::screening::Department,
    pub person: String,
    /// The feed's category (车辆类型, 房屋用途 …).
    pub kind: String,
    pub on: NaiveDate,
    /// Where it comes from, as a reviewer can look it up: `2026-10 公安交管数据第5行`.
    pub source: String,
}

/// What a transition is judged against.
pub struct Context<'a> {
    pub policy: &'a Policy,
    pub calendar: &'a WorkCalendar,
    /// The business date of the action.
    pub on: NaiveDate,
    /// The actor's role; `None` for the system itself.
    pub role: Option<Role>,
    /// The household as registered now (members, incomes, 保障情况).
    pub household: &'a HouseholdFacts,
    /// Measures (帮扶措施) of the case applied so far.
    pub measures: usize,
}

/// A problem of one field of a form: (field name, message).
pub type FieldProblem = (&'static str, String);

/// Collects a form's problems: each check that fails adds its message under its field.
#[derive(Debug, Default)]
struct Problems(Vec<FieldProblem>);

impl Problems {
    fn check<T>(&mut self, field: &'static str, r: Result<T, Refusal>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(Refusal::Fields(list)) => {
                self.0.extend(list);
                None
            }
            Err(e) => {
                self.0.push((field, e.to_string()));
                None
            }
        }
    }

    fn done(self) -> Result<(), Refusal> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Refusal::Fields(self.0))
        }
    }
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{action}需由{allowed}办理，当前账号角色为{actual}")]
    Role {
        action: &'static str,
        allowed: String,
        actual: &'static str,
    },
    #[error("案件当前处于“{state}”，不能{action}")]
    State {
        state: &'static str,
        action: &'static str,
    },
    #[error("{0}")]
    Data(String),
    /// Every problem of a form at once, each with the field it concerns (the name the forms
    /// and the API give it: `visited_on`, `verifiers`, `risk` …; empty: the form as a whole),
    /// so a person corrects them in one go rather than one per submit.
    #[error("{}", .0.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join("；"))]
    Fields(Vec<FieldProblem>),
    /// Failed elimination gates, each named with its facts.
    #[error("不符合风险消除条件：{}", .0.iter().filter(|g| g.blocking && !g.passed).map(|g| format!("{}（{}）", g.name, g.detail)).collect::<Vec<_>>().join("；"))]
    Gates(Vec<Gate>),
    #[error("时限无法计算：{0}")]
    Calendar(#[from] CalendarError),
}

/// A step done: the case as it now is, and the event for its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub case: Case,
    pub event: Event,
}

/// One entry of a case's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub action: ActionKind,
    pub from: Option<CaseState>,
    pub to: CaseState,
    pub on: NaiveDate,
    pub comment: String,
    /// The deadline of the step this event completed, and whether it was met.
    pub due_on: Option<NaiveDate>,
    /// What was recorded, as label and value, in the order people read them.
    pub details: Vec<(String, String)>,
    /// Points a reviewer must look at (e.g. 识别后2个月内消除, 信息比对发现…).
    pub flags: Vec<String>,
}

impl Event {
    pub fn on_time(&self) -> Option<bool> {
        self.due_on.map(|d| self.on <= d)
    }
}

/// The date a limit running from `start` falls due (the start day not counted). A limit in
/// natural days whose last day is a rest day runs to the next working day (《民法典》第二百零三条).
pub fn due(
    cal: &WorkCalendar,
    limit: Deadline,
    start: NaiveDate,
) -> Result<NaiveDate, CalendarError> {
    match limit.count {
        DayCount::Natural => cal.natural_deadline(start, limit.days),
        DayCount::Working => cal.add_working_days(start, limit.days).map(|r| r.value),
    }
}

/// The day a minimum period running from `start` is complete (公示不少于5天): a duration, so
/// it never moves off a rest day.
pub fn period_end(
    cal: &WorkCalendar,
    period: Deadline,
    start: NaiveDate,
) -> Result<NaiveDate, CalendarError> {
    match period.count {
        DayCount::Natural => cal.add_natural_days(start, period.days),
        DayCount::Working => cal.add_working_days(start, period.days).map(|r| r.value),
    }
}

/// `due` pushed back by the days of a pause from `paused_on` to `resumed_on` (the days
/// after the pause began up to and including the resumption), counted the way the limit
/// counts.
pub fn extend(
    cal: &WorkCalendar,
    limit: Deadline,
    due_on: NaiveDate,
    paused_on: NaiveDate,
    resumed_on: NaiveDate,
) -> Result<NaiveDate, CalendarError> {
    if resumed_on <= paused_on {
        return Ok(due_on);
    }
    let days = match limit.count {
        DayCount::Natural => cal.natural_days_between(paused_on, resumed_on),
        DayCount::Working => cal.working_days_between(paused_on, resumed_on)?.value,
    };
    let days = u32::try_from(days).map_err(|_| CalendarError::OutOfRange)?;
    due(
        cal,
        Deadline {
            days,
            count: limit.count,
        },
        due_on,
    )
}

/// Opens a case for `household` from a lead discovered on `discovered_on`, accepted by the
/// town on `on`: the identification clock runs from discovery, verification from acceptance.
pub fn open(
    policy: &Policy,
    cal: &WorkCalendar,
    household: HouseholdCode,
    discovered_on: NaiveDate,
    on: NaiveDate,
) -> Result<Outcome, Refusal> {
    if on < discovered_on {
        return Err(Refusal::Data(format!(
            "受理日期{on}早于发现日期{discovered_on}"
        )));
    }
    let identification_due = due(cal, policy.deadlines.identification, discovered_on)?;
    let verification_due = due(cal, policy.deadlines.verification, on)?;
    let case = Case {
        id: 0,
        household,
        state: CaseState::Verifying,
        version: 0,
        discovered_on,
        opened_on: on,
        identification_due,
        step_since: on,
        due_on: Some(verification_due.min(identification_due)),
        paused_on: None,
        notice_from: None,
        notice_until: None,
        category: None,
        risk_types: Vec::new(),
        exclusion_hits: Vec::new(),
        exclusions_admitted: Vec::new(),
        green_channel_proposed_on: None,
        green_channel_on: None,
        approved_on: None,
        elimination_mode: None,
        eliminated_on: None,
        closed_reason: None,
        cadre_due: None,
        plan_due: None,
        cadre_on: None,
        plan_on: None,
    };
    let event = Event {
        action: ActionKind::Open,
        from: None,
        to: CaseState::Verifying,
        on,
        comment: String::new(),
        due_on: None,
        details: vec![
            ("发现日期".into(), discovered_on.to_string()),
            (
                "识别认定时限".into(),
                format!(
                    "{}（{}）",
                    identification_due, policy.deadlines.identification
                ),
            ),
            (
                "入户核实时限".into(),
                format!("{}（{}）", verification_due, policy.deadlines.verification),
            ),
        ],
        flags: Vec::new(),
    };
    Ok(Outcome { case, event })
}

/// The roles that may take `kind` in `state`. The system itself (no role) may do all.
pub fn allowed_roles(kind: ActionKind, state: CaseState) -> &'static [Role] {
    use Role as R;
    let step = state.step().map(|(_, s)| s);
    match kind {
        ActionKind::Verify
        | ActionKind::Deliberate
        | ActionKind::Object
        | ActionKind::EndNotice => &[R::VillageOfficer, R::TownReviewer],
        ActionKind::Approve | ActionKind::Return => match step {
            Some(Step::CountyReview) => &[R::CountyAdmin],
            _ => &[R::TownReviewer],
        },
        ActionKind::Close => match step {
            Some(Step::CountyReview) => &[R::CountyAdmin],
            _ => &[R::TownReviewer, R::CountyAdmin],
        },
        // 001: a green channel is proposed 经村级研判 and started by the town.
        ActionKind::ProposeGreenChannel => &[R::VillageOfficer],
        ActionKind::GreenChannel | ActionKind::DeclineGreenChannel => &[R::TownReviewer],
        ActionKind::Open | ActionKind::Attach => &[R::TownReviewer, R::CountyAdmin],
        ActionKind::ProposeElimination => &[R::VillageOfficer, R::AssistanceCadre, R::TownReviewer],
        ActionKind::Revert => &[R::CountyAdmin],
        ActionKind::AssignCadre => &[R::TownReviewer, R::CountyAdmin],
        ActionKind::RecordPlan => &[
            R::AssistanceCadre,
            R::VillageOfficer,
            R::TownReviewer,
            R::CountyAdmin,
        ],
    }
}

/// The steps the state machine offers on `case` in its state, whoever takes them.
pub fn available(case: &Case) -> Vec<ActionKind> {
    use ActionKind as A;
    let mut out = match case.state.step() {
        Some((_, Step::Verifying)) => vec![A::Verify, A::Close],
        Some((_, Step::Deliberation)) => vec![A::Deliberate, A::Close],
        Some((_, Step::Notice)) => vec![A::EndNotice, A::Object, A::Close],
        Some((_, Step::TownReview | Step::CountyReview)) => vec![A::Approve, A::Return, A::Close],
        None => match case.state {
            CaseState::Monitored => vec![A::ProposeElimination],
            CaseState::Eliminated => vec![A::Revert],
            _ => Vec::new(),
        },
    };
    if case
        .state
        .step()
        .is_some_and(|(p, _)| p == Phase::Identification)
        && case.green_channel_on.is_none()
    {
        if case.green_channel_proposed_on.is_some() {
            out.extend([A::GreenChannel, A::DeclineGreenChannel]);
        } else {
            out.push(A::ProposeGreenChannel);
        }
    }
    if case.assisting() {
        out.extend([A::AssignCadre, A::RecordPlan]);
    }
    out
}

/// Whether `role` may take `kind` in `state`, as a refusal naming who may.
pub fn check_role(role: Option<Role>, kind: ActionKind, state: CaseState) -> Result<(), Refusal> {
    let allowed = allowed_roles(kind, state);
    match role {
        None => Ok(()),
        Some(r) if allowed.contains(&r) => Ok(()),
        Some(r) => Err(Refusal::Role {
            action: kind.label(),
            allowed: allowed
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join("或"),
            actual: r.label(),
        }),
    }
}

fn wrong_state(case: &Case, kind: ActionKind) -> Refusal {
    Refusal::State {
        state: case.state.label(),
        action: kind.label(),
    }
}

fn required(text: &str, what: &str) -> Result<String, Refusal> {
    let t = text.trim();
    if t.is_empty() {
        Err(Refusal::Data(format!("请填写{what}")))
    } else {
        Ok(t.to_string())
    }
}

/// Approval into monitoring of a household the verification found in exclusion rules needs
/// each admitted by the assembly at an agreed deliberation — a deliberation that disagreed and
/// was passed up to the town does not carry the household past them.
fn check_admitted(policy: &Policy, case: &Case) -> Result<(), Refusal> {
    for code in &case.exclusion_hits {
        if !case.exclusions_admitted.contains(code) {
            let name = policy
                .exclusions
                .get(code)
                .map_or(code.clone(), |r| r.name.clone());
            return Err(Refusal::Data(format!(
                "入户核实发现“{name}”，未经村民代表大会评议认定为特殊情况，不能纳入；请办结不予纳入，或退回重新评议"
            )));
        }
    }
    Ok(())
}

/// An agreed deliberation of a household that meets exclusion rules: each must be admitted
/// by the village representatives' assembly, and only where the pack lets it.
fn check_overrides(
    policy: &Policy,
    case: &Case,
    next: &mut Case,
    d: &Deliberation,
    event: &mut Event,
) -> Result<(), Refusal> {
    let rules = &policy.exclusions;
    let name = |code: &str| rules.get(code).map_or(code.to_string(), |r| r.name.clone());
    for code in &d.overrides {
        if !case.exclusion_hits.contains(code) {
            return Err(Refusal::Data(format!(
                "入户核实没有发现“{}”，无需评议认定",
                name(code)
            )));
        }
    }
    next.exclusions_admitted = Vec::new();
    if !d.agreed {
        return Ok(());
    }
    for code in &case.exclusion_hits {
        let may = rules.get(code).is_some_and(|r| r.assembly_may_override);
        if !may {
            return Err(Refusal::Data(format!(
                "入户核实发现“{}”，按政策不予纳入，不能经评议认定；请办结不予纳入",
                name(code)
            )));
        }
        if !d.overrides.contains(code) {
            return Err(Refusal::Data(format!(
                "入户核实发现“{}”，原则上不纳入；如属特殊情况，须经村民代表大会评议认定，并在评议记录中勾选该项",
                name(code)
            )));
        }
    }
    next.exclusions_admitted = case.exclusion_hits.clone();
    if !d.overrides.is_empty() {
        event.details.push((
            "村民代表大会评议认定的特殊情况".into(),
            d.overrides
                .iter()
                .map(|c| name(c))
                .collect::<Vec<_>>()
                .join("；"),
        ));
    }
    Ok(())
}

fn not_after(on: NaiveDate, date: NaiveDate, what: &str) -> Result<(), Refusal> {
    if date > on {
        Err(Refusal::Data(format!("{what}{date}晚于办理日期{on}")))
    } else {
        Ok(())
    }
}

/// Checks risk types and category against the pack's code tables.
fn check_codes(
    policy: &Policy,
    risk_types: &[String],
    category: Option<&str>,
) -> Result<(), Refusal> {
    let mut problems = Problems::default();
    problems.check("risk", check_risk_codes(policy, risk_types));
    problems.check("category", check_category_code(policy, category));
    problems.done()
}

fn check_risk_codes(policy: &Policy, risk_types: &[String]) -> Result<(), Refusal> {
    if risk_types.is_empty() {
        return Err(Refusal::Data("请至少选择一项风险类型".into()));
    }
    let max = policy.identification.max_risk_types as usize;
    if risk_types.len() > max {
        return Err(Refusal::Data(format!(
            "风险类型最多{max}项，填写了{}项",
            risk_types.len()
        )));
    }
    for code in risk_types {
        if risk_type_name(policy, code).is_none() {
            return Err(Refusal::Data(format!(
                "风险类型代码“{code}”不在政策包代码表中"
            )));
        }
    }
    let mut seen = risk_types.to_vec();
    seen.sort();
    seen.dedup();
    if seen.len() != risk_types.len() {
        return Err(Refusal::Data("风险类型有重复".into()));
    }
    Ok(())
}

fn check_category_code(policy: &Policy, category: Option<&str>) -> Result<(), Refusal> {
    match category {
        None => Err(Refusal::Data("请选择对象类别".into())),
        Some(c) if !policy.object_categories.iter().any(|i| i.code == c) => Err(Refusal::Data(
            format!("对象类别代码“{c}”不在政策包代码表中"),
        )),
        Some(_) => Ok(()),
    }
}

/// Whether the chosen object category fits the household: its type, 低保, and — when the
/// household is below the line after rigid expenditure — how it got there (when `income` is
/// given). The rules are the pack's (`codes.object_category`), so a province's fourth group
/// needs no code.
pub fn check_category(
    policy: &Policy,
    category: Option<&str>,
    household: &HouseholdFacts,
    income: Option<&IncomeCheck>,
) -> Result<(), Refusal> {
    let Some(cat) = category.and_then(|c| policy.object_categories.iter().find(|i| i.code == c))
    else {
        return Ok(());
    };
    if let Some(why) = category_misfit(cat, household, income) {
        let better: Vec<&str> = fitting_categories(policy, household, income)
            .map(|c| c.name.as_str())
            .collect();
        let hint = if better.is_empty() {
            String::new()
        } else {
            format!("，应认定为{}", better.join("或"))
        };
        return Err(Refusal::Data(format!(
            "对象类别“{}”不符：{why}{hint}",
            cat.name
        )));
    }
    Ok(())
}

/// The categories of the pack that fit the household (and its income, when given).
pub fn fitting_categories<'a>(
    policy: &'a Policy,
    household: &'a HouseholdFacts,
    income: Option<&'a IncomeCheck>,
) -> impl Iterator<Item = &'a crate::policy::ObjectCategory> {
    policy
        .object_categories
        .iter()
        .filter(move |c| category_misfit(c, household, income).is_none())
}

fn category_misfit(
    cat: &crate::policy::ObjectCategory,
    household: &HouseholdFacts,
    income: Option<&IncomeCheck>,
) -> Option<String> {
    let ty = household.household_type.label();
    if !cat.household_types.is_empty() && !cat.household_types.iter().any(|t| t == ty) {
        return Some(format!(
            "该类别只适用于{}，此户为{ty}",
            cat.household_types.join("、")
        ));
    }
    if cat.dibao && !household.dibao {
        return Some("该类别只适用于低保户，此户未登记为低保户".into());
    }
    // Only a household at risk is judged by how it got there; one above the line even after
    // expenditure is flagged as such at verification.
    if let Some(income) = income.filter(|i| i.at_risk())
        && let Some(want) = cat.income
    {
        let below = !income.above_line();
        let ok = match want {
            crate::policy::CategoryIncome::BelowLine => below,
            crate::policy::CategoryIncome::ByExpenditure => !below,
        };
        if !ok {
            return Some(format!(
                "该类别适用于{}；此户人均纯收入{}元，扣除刚性支出后{}元，监测范围{}元",
                want.label(),
                income.per_capita.grouped(),
                income.per_capita_after_expenditure.grouped(),
                income.line.grouped()
            ));
        }
    }
    None
}

/// The name of a risk type or sub-type code in the pack.
pub fn risk_type_name<'a>(policy: &'a Policy, code: &str) -> Option<&'a str> {
    policy.risk_types.iter().find_map(|r| {
        if r.code == code {
            Some(r.name.as_str())
        } else {
            r.subtypes
                .iter()
                .find(|s| s.code == code)
                .map(|s| s.name.as_str())
        }
    })
}

/// The names of risk type codes, joined for display.
pub fn risk_type_names(policy: &Policy, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| risk_type_name(policy, c).unwrap_or(c.as_str()))
        .collect::<Vec<_>>()
        .join("、")
}

/// The name of object category `code` (监测对象类别) in the pack, or the code itself.
pub fn category_name<'a>(policy: &'a Policy, code: &'a str) -> &'a str {
    policy
        .object_categories
        .iter()
        .find(|i| i.code == code)
        .map_or(code, |i| i.name.as_str())
}

/// The name of elimination mode `code` in the pack.
pub fn mode_name<'a>(policy: &'a Policy, code: &'a str) -> &'a str {
    policy
        .elimination_modes
        .iter()
        .find(|m| m.code == code)
        .map_or(code, |m| m.name.as_str())
}

/// Applies `action` to `case` on `ctx.on`: the role, the state, the data and the gates are
/// checked, and the new case comes back with the event to record. Nothing is changed on
/// refusal.
pub fn transition(case: &Case, action: &Action, ctx: &Context) -> Result<Outcome, Refusal> {
    let kind = action.kind();
    check_role(ctx.role, kind, case.state)?;
    if ctx.on < case.step_since {
        return Err(Refusal::Data(format!(
            "办理日期{}早于本环节开始日期{}",
            ctx.on, case.step_since
        )));
    }
    let step = case.state.step();
    let mut next = case.clone();
    next.version += 1;
    let mut event = Event {
        action: kind,
        from: Some(case.state),
        to: case.state,
        on: ctx.on,
        comment: String::new(),
        due_on: case.due_on,
        details: Vec::new(),
        flags: Vec::new(),
    };
    let policy = ctx.policy;
    match (action, step) {
        (Action::Verify(v), Some((phase, Step::Verifying))) => {
            verify(&mut next, &mut event, v, phase, ctx)?;
        }
        (Action::Deliberate(d), Some((phase, Step::Deliberation))) => {
            let mut problems = Problems::default();
            problems.check("held_on", not_after(ctx.on, d.held_on, "评议日期"));
            if d.held_on < case.step_since {
                problems.0.push((
                    "held_on",
                    format!(
                        "评议日期{}早于入户核实完成日期{}",
                        d.held_on, case.step_since
                    ),
                ));
            }
            if d.attendees == 0 {
                problems.0.push(("attendees", "请填写参加评议人数".into()));
            }
            if d.agreed && d.notice_from < d.held_on {
                problems.0.push((
                    "notice_from",
                    format!("公示开始日期{}早于评议日期{}", d.notice_from, d.held_on),
                ));
            }
            problems.done()?;
            event
                .details
                .push(("评议日期".into(), d.held_on.to_string()));
            event
                .details
                .push(("参加人数".into(), d.attendees.to_string()));
            event.details.push((
                "评议结果".into(),
                if d.agreed { "同意" } else { "不同意" }.into(),
            ));
            event.comment = d.note.trim().to_string();
            if phase == Phase::Identification {
                check_overrides(policy, case, &mut next, d, &mut event)?;
            }
            if d.agreed {
                let until = period_end(
                    ctx.calendar,
                    policy.deadlines.village_notice_min,
                    d.notice_from,
                )?;
                next.notice_from = Some(d.notice_from);
                next.notice_until = Some(until);
                next.state = CaseState::at(phase, Step::Notice);
                event.details.push((
                    "公示期".into(),
                    format!(
                        "{}至{}（不少于{}）",
                        d.notice_from,
                        until.pred_opt().unwrap_or(until),
                        policy.deadlines.village_notice_min
                    ),
                ));
            } else {
                // The town decides what follows a village's refusal.
                next.state = CaseState::at(phase, Step::TownReview);
                event.flags.push("民主评议未通过".into());
            }
        }
        (Action::Object { content }, Some((phase, Step::Notice))) => {
            event.comment = required(content, "异议内容")?;
            next.state = CaseState::at(phase, Step::Verifying);
            if phase == Phase::Identification && case.paused_on.is_none() {
                next.paused_on = Some(ctx.on);
            }
            event
                .details
                .push(("处理".into(), "暂停识别时限，退回重新核实".into()));
        }
        (Action::EndNotice, Some((phase, Step::Notice))) => {
            let until = case.notice_until.unwrap_or(case.step_since);
            if ctx.on < until {
                return Err(Refusal::Data(format!(
                    "公示期未满：{}起公示，{}方可结束公示",
                    case.notice_from.unwrap_or(case.step_since),
                    until
                )));
            }
            next.state = CaseState::at(phase, Step::TownReview);
            event.due_on = None;
        }
        (Action::Approve { comment, .. }, Some((phase, Step::TownReview))) => {
            if phase == Phase::Identification {
                check_admitted(policy, case)?;
            }
            event.comment = comment.trim().to_string();
            next.state = CaseState::at(phase, Step::CountyReview);
        }
        (
            Action::Approve {
                comment,
                category,
                risk_types,
            },
            Some((Phase::Identification, Step::CountyReview)),
        ) => {
            check_admitted(policy, case)?;
            event.comment = comment.trim().to_string();
            let category = category.clone().or_else(|| case.category.clone());
            // The income situation was judged at the verification: a category of another
            // income situation needs a new verification, not a stroke of the county's pen.
            let income_of = |code: Option<&String>| {
                code.and_then(|c| policy.object_categories.iter().find(|i| &i.code == c))
                    .and_then(|c| c.income)
            };
            if let (Some(was), Some(now)) = (
                income_of(case.category.as_ref()),
                income_of(category.as_ref()),
            ) && was != now
            {
                return Err(Refusal::Data(format!(
                    "拟定类别按“{}”认定，改为“{}”类别须退回重新入户核实收支",
                    was.label(),
                    now.label()
                )));
            }
            let risks = if risk_types.is_empty() {
                case.risk_types.clone()
            } else {
                risk_types.clone()
            };
            check_codes(policy, &risks, category.as_deref())?;
            check_risks(policy, &risks, ctx.household)?;
            // The income was judged at the verification; a category changed here is checked
            // against the household's type and 低保.
            check_category(policy, category.as_deref(), ctx.household, None)?;
            event.details.push((
                "对象类别".into(),
                category_name(policy, category.as_deref().unwrap_or("")).into(),
            ));
            event
                .details
                .push(("风险类型".into(), risk_type_names(policy, &risks)));
            next.category = category;
            next.risk_types = risks;
            next.state = CaseState::Monitored;
            next.approved_on = Some(ctx.on);
            next.paused_on = None;
            // A proposal still waiting on the town is moot once the household is included.
            next.green_channel_proposed_on = None;
            let start = case.green_channel_on.unwrap_or(ctx.on);
            next.cadre_due = Some(due(ctx.calendar, policy.deadlines.cadre_assignment, start)?);
            next.plan_due = Some(due(ctx.calendar, policy.deadlines.assistance_plan, start)?);
            if let Some(g) = case.green_channel_on {
                event
                    .flags
                    .push(format!("绿色通道：{g}先行帮扶，{}补办认定", ctx.on));
            }
        }
        (Action::Approve { comment, .. }, Some((Phase::Elimination, Step::CountyReview))) => {
            event.comment = comment.trim().to_string();
            let mode = case.elimination_mode.clone().unwrap_or_default();
            let gates = elimination_gates(ctx, case, &mode, None)?;
            if gates.iter().any(|g| g.blocking && !g.passed) {
                return Err(Refusal::Gates(gates));
            }
            event.flags.extend(flags_of(&gates));
            event
                .details
                .push(("消除方式".into(), mode_name(policy, &mode).into()));
            next.state = CaseState::Eliminated;
            next.eliminated_on = Some(ctx.on);
        }
        (Action::Return { comment }, Some((phase, Step::TownReview | Step::CountyReview))) => {
            event.comment = required(comment, "退回意见")?;
            next.state = CaseState::at(phase, Step::Verifying);
        }
        (Action::Close { reason }, Some((Phase::Identification, _))) => {
            let reason = required(reason, "不予纳入的理由（农户可见）")?;
            event.comment = reason.clone();
            next.closed_reason = Some(reason);
            next.state = CaseState::NotIncluded;
            next.paused_on = None;
            next.green_channel_proposed_on = None;
        }
        (Action::Close { reason }, Some((Phase::Elimination, _))) => {
            event.comment = required(reason, "不予消除的理由")?;
            next.state = CaseState::Monitored;
            next.elimination_mode = None;
        }
        (
            Action::ProposeGreenChannel {
                assessed_on,
                reason,
            },
            Some((Phase::Identification, _)),
        ) => {
            event.comment = required(reason, "村级研判的结论（灾害或突发严重困难的情况）")?;
            not_after(ctx.on, *assessed_on, "村级研判日期")?;
            if *assessed_on < case.discovered_on {
                return Err(Refusal::Data(format!(
                    "村级研判日期{assessed_on}早于发现日期{}",
                    case.discovered_on
                )));
            }
            if case.green_channel_on.is_some() {
                return Err(Refusal::Data("该案件已启用绿色通道".into()));
            }
            if case.green_channel_proposed_on.is_some() {
                return Err(Refusal::Data(
                    "该案件已提请绿色通道，等待乡镇同意或不同意".into(),
                ));
            }
            next.green_channel_proposed_on = Some(*assessed_on);
            event
                .details
                .push(("村级研判日期".into(), assessed_on.to_string()));
            event.due_on = None;
            next.version = case.version + 1;
            return Ok(Outcome { case: next, event });
        }
        (Action::DeclineGreenChannel { reason }, Some((Phase::Identification, _))) => {
            event.comment = required(reason, "不同意的理由")?;
            if case.green_channel_proposed_on.is_none() {
                return Err(Refusal::Data("该案件没有待乡镇决定的绿色通道提请".into()));
            }
            next.green_channel_proposed_on = None;
            event.due_on = None;
            next.version = case.version + 1;
            return Ok(Outcome { case: next, event });
        }
        (Action::GreenChannel { reason }, Some((Phase::Identification, _))) => {
            event.comment = required(reason, "同意启用绿色通道的意见")?;
            if case.green_channel_on.is_some() {
                return Err(Refusal::Data("该案件已启用绿色通道".into()));
            }
            let Some(assessed) = case.green_channel_proposed_on else {
                return Err(Refusal::Data(
                    "绿色通道须先经村级研判、由村提请，乡镇再同意（铜仁市衔接规划第五章第二节：“经村级研判确认后，可提前采取帮扶措施”）".into(),
                ));
            };
            event
                .details
                .push(("村级研判日期".into(), assessed.to_string()));
            next.green_channel_on = Some(ctx.on);
            next.cadre_due = Some(due(
                ctx.calendar,
                policy.deadlines.cadre_assignment,
                ctx.on,
            )?);
            next.plan_due = Some(due(ctx.calendar, policy.deadlines.assistance_plan, ctx.on)?);
            event
                .details
                .push(("先行帮扶".into(), "认定程序事后补办".into()));
            // Not a step: the clocks of the step in progress keep running.
            event.due_on = None;
            next.version = case.version + 1;
            return Ok(Outcome { case: next, event });
        }
        (
            Action::AssignCadre {
                cadre,
                unit,
                political,
                start,
            },
            _,
        ) if case.assisting() => {
            event.comment = required(cadre, "帮扶责任人姓名")?;
            let unit = required(unit, "帮扶责任人所在单位")?;
            not_after(ctx.on, *start, "帮扶开始日期")?;
            event
                .details
                .push(("帮扶责任人".into(), event.comment.clone()));
            event.details.push(("单位".into(), unit));
            if !political.trim().is_empty() {
                event
                    .details
                    .push(("政治面貌".into(), political.trim().to_string()));
            }
            event
                .details
                .push(("帮扶开始日期".into(), start.to_string()));
            // The first assignment answers the deadline; later ones are changes.
            event.due_on = if case.cadre_on.is_none() {
                next.cadre_on = Some(ctx.on);
                case.cadre_due
            } else {
                None
            };
            return Ok(Outcome { case: next, event });
        }
        (Action::RecordPlan { change }, _) if case.assisting() => {
            event.comment = required(change, "计划调整内容")?;
            event.due_on = if case.plan_on.is_none() {
                next.plan_on = Some(ctx.on);
                case.plan_due
            } else {
                None
            };
            return Ok(Outcome { case: next, event });
        }
        (Action::ProposeElimination { mode, reason }, None)
            if case.state == CaseState::Monitored =>
        {
            if !policy.elimination_modes.iter().any(|m| &m.code == mode) {
                return Err(Refusal::Data(format!("消除方式“{mode}”不在政策包代码表中")));
            }
            event.comment = required(reason, "提出消除的理由")?;
            event
                .details
                .push(("拟消除方式".into(), mode_name(policy, mode).into()));
            next.elimination_mode = Some(mode.clone());
            next.state = CaseState::ExitVerifying;
        }
        (Action::Revert { reason }, None) if case.state == CaseState::Eliminated => {
            event.comment = required(reason, "回退理由（消除后返贫风险未稳定消除的情况）")?;
            next.state = CaseState::Monitored;
            next.eliminated_on = None;
            next.elimination_mode = None;
        }
        _ => return Err(wrong_state(case, kind)),
    }
    event.to = next.state;
    if next.state != case.state {
        next.step_since = ctx.on;
        next.due_on = step_due(&next, ctx, action)?;
    }
    Ok(Outcome { case: next, event })
}

/// The deadline of the step a case has just entered.
fn step_due(next: &Case, ctx: &Context, action: &Action) -> Result<Option<NaiveDate>, Refusal> {
    Ok(match next.state.step() {
        Some((Phase::Identification, Step::Verifying)) => {
            let again = due(ctx.calendar, ctx.policy.deadlines.verification, ctx.on)?;
            if matches!(action, Action::Object { .. }) {
                // Re-verification after an objection runs on its own clock; the
                // identification clock is paused meanwhile.
                Some(again)
            } else {
                Some(again.min(next.identification_due))
            }
        }
        Some((Phase::Identification, _)) => Some(next.identification_due),
        _ => None,
    })
}

fn verify(
    next: &mut Case,
    event: &mut Event,
    v: &Verification,
    phase: Phase,
    ctx: &Context,
) -> Result<(), Refusal> {
    let policy = ctx.policy;
    // Every problem of the form at once: the checks below do not depend on each other.
    let mut problems = Problems::default();
    let visited = problems
        .check(
            "visited_on",
            v.visited_on
                .ok_or_else(|| Refusal::Data("请填写入户核实日期".into())),
        )
        .and_then(|d| {
            problems
                .check("visited_on", not_after(ctx.on, d, "入户核实日期"))
                .map(|_| d)
        });
    let mut verifiers: Vec<&str> = v
        .verifiers
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    verifiers.sort();
    verifiers.dedup();
    let min = policy.identification.min_verifiers as usize;
    if verifiers.len() < min {
        problems.0.push((
            "verifiers",
            format!("入户核实须不少于{min}人，填写了{}人", verifiers.len()),
        ));
    }
    let income = visited.and_then(|on| {
        problems.check(
            "rigid_expenditure",
            income_check(ctx.household, policy, on, v.rigid_expenditure),
        )
    });
    if phase == Phase::Identification {
        if v.consent_attachment.is_none() {
            problems.0.push((
                "file",
                "请上传农户签字的承诺授权书（入户核实必备材料）".into(),
            ));
        }
        problems.check("risk", check_risk_codes(policy, &v.risk_types));
        if problems
            .check(
                "category",
                check_category_code(policy, v.category.as_deref()),
            )
            .is_some()
        {
            problems.check(
                "category",
                check_category(
                    policy,
                    v.category.as_deref(),
                    ctx.household,
                    income.as_ref(),
                ),
            );
        }
        problems.check("risk", check_risks(policy, &v.risk_types, ctx.household));
        for code in &v.exclusions_found {
            match policy.exclusions.get(code) {
                Some(r) if r.found_at_visit => {}
                Some(r) => problems.0.push((
                    "exclusion",
                    format!("“{}”以部门数据或户籍档案为准，不能在入户核实中勾选", r.name),
                )),
                None => problems.0.push((
                    "exclusion",
                    format!("原则上不纳入情形代码“{code}”不在政策包中"),
                )),
            }
        }
    }
    problems.done()?;
    let (Some(visited), Some(income)) = (visited, income) else {
        // Unreachable: a missing date or income is a problem reported above.
        return Err(Refusal::Data("请填写入户核实日期".into()));
    };
    event.details.push(("核实日期".into(), visited.to_string()));
    event.details.push((
        "核实人员".into(),
        v.verifiers
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("、"),
    ));
    event.details.push(("收入核算".into(), income.describe()));
    event.comment = v.findings.trim().to_string();
    match phase {
        Phase::Identification => {
            // The 排查表 as it stood: the members and the 两不愁三保障 check, so the file keeps
            // the household's data at inclusion whatever the registry says later (一头一尾).
            let living: Vec<String> = ctx
                .household
                .members
                .iter()
                .filter(|m| m.status == LivingStatus::InHousehold)
                .map(|m| {
                    format!(
                        "{}（{}岁，{}）",
                        m.name,
                        crate::id_number::age_on(m.birth_date, visited),
                        m.labour.label()
                    )
                })
                .collect();
            event.details.push(("在户成员".into(), living.join("、")));
            let findings = crate::registry::assurance::assess(
                ctx.household
                    .members
                    .iter()
                    .map(|m| crate::registry::assurance::MemberFacts {
                        name: &m.name,
                        birth_date: m.birth_date,
                        status: m.status,
                        schooling: m.schooling,
                        medical_insurance: m.medical_insurance,
                    }),
                ctx.household.assurance.as_ref(),
                visited,
            );
            event.details.push((
                "两不愁三保障及饮水安全".into(),
                findings
                    .iter()
                    .map(|f| {
                        format!(
                            "{}{}",
                            f.indicator.label(),
                            match f.secure {
                                Some(true) => "有保障",
                                Some(false) => "无保障",
                                None => "未核查",
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("；"),
            ));
            let hits = exclusion_hits(policy, ctx.household, v);
            let mut codes: Vec<String> = hits.iter().map(|h| h.code.clone()).collect();
            codes.dedup();
            next.exclusion_hits = codes;
            next.exclusions_admitted = Vec::new();
            event.details.push((
                "信息比对".into(),
                if hits.is_empty() {
                    "未发现原则上不纳入的情形".into()
                } else {
                    hits.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("；")
                },
            ));
            for h in &hits {
                event.flags.push(format!("信息比对：{h}"));
            }
            if !income.at_risk() {
                event.flags.push(format!(
                    "扣除刚性支出后人均纯收入{}元不低于监测范围{}元",
                    income.per_capita_after_expenditure.grouped(),
                    income.line.grouped()
                ));
            }
            event
                .details
                .push(("风险类型".into(), risk_type_names(policy, &v.risk_types)));
            event.details.push((
                "拟定类别".into(),
                category_name(policy, v.category.as_deref().unwrap_or("")).into(),
            ));
            next.risk_types = v.risk_types.clone();
            next.category = v.category.clone();
            if let Some(paused) = next.paused_on.take() {
                let extended = extend(
                    ctx.calendar,
                    policy.deadlines.identification,
                    next.identification_due,
                    paused,
                    ctx.on,
                )?;
                event.details.push((
                    "识别时限".into(),
                    format!("异议核实期间暂停，顺延至{extended}"),
                ));
                next.identification_due = extended;
            }
        }
        Phase::Elimination => {
            let mode = next.elimination_mode.clone().unwrap_or_default();
            let gates = elimination_gates(ctx, next, &mode, Some(v))?;
            for g in &gates {
                event.details.push((
                    g.name.to_string(),
                    format!("{}：{}", if g.passed { "符合" } else { "不符合" }, g.detail),
                ));
            }
            if gates.iter().any(|g| g.blocking && !g.passed) {
                return Err(Refusal::Gates(gates));
            }
            event.flags.extend(flags_of(&gates));
        }
    }
    next.state = CaseState::at(phase, Step::Deliberation);
    Ok(())
}

fn flags_of(gates: &[Gate]) -> Vec<String> {
    gates
        .iter()
        .filter(|g| !g.blocking && !g.passed)
        .map(|g| format!("{}：{}", g.name, g.detail))
        .collect()
}

/// `date` plus whole months, for the gates counted in months.
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}
