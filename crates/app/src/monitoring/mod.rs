//! The monitoring workflow (防止返贫动态监测) as use cases: reporting and accepting leads,
//! the public self-declaration (农户自主申报), moving a case one step, and the work lists.
//! Every step is decided by `dixian_domain::monitoring::transition` against the policy in
//! force for the household's village on the day; a refusal is audited like a success.

pub mod case_export;
pub mod lead_export;
pub mod lead_import;
pub mod visit_list;

use crate::AppError;
use crate::policy::{parse_date, policy_in_force};
use chrono::{Datelike, NaiveDate};
use dixian_domain::access::{Actor, Role, Scope};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::id_number::IdNumber;
use dixian_domain::money::Money;
use dixian_domain::monitoring::{
    Action, ActionKind, AttachmentKind, Case, CaseState, Channel, Context, Deliberation,
    HouseholdFacts, Measure, MeasureStatus, Outcome, PersonFacts, Phase, Refusal, Verification,
    allowed_roles, due, open, transition,
};
use dixian_domain::policy::Policy;
use dixian_domain::registry::HouseholdCode;
use dixian_domain::screening::Department;
use dixian_store::{
    CaseFile, CaseFilter, CaseSummary, HouseholdDetail, LeadCreated, LeadFilter, LeadRecord,
    NewAttachment, NewLead, PublicLeadStatus, StepEffect, Store, StoreError,
};

fn invalid(message: impl Into<String>) -> AppError {
    AppError::Invalid(vec![message.into()])
}

/// The policy in force for `village` on `on`.
pub async fn policy_for(
    store: &dyn Store,
    village: &DivisionCode,
    on: NaiveDate,
) -> Result<Policy, AppError> {
    policy_in_force(store, village.as_str(), on).await
}

/// Risk type codes as ticked, checked against the pack; the first problem named.
fn risk_codes(policy: &Policy, ticked: &[String]) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for t in ticked.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if dixian_domain::monitoring::risk_type_name(policy, t).is_none() {
            return Err(invalid(format!("风险类型代码“{t}”不在政策包代码表中")));
        }
        if !out.iter().any(|c| c == t) {
            out.push(t.to_string());
        }
    }
    Ok(out)
}

pub(crate) fn date_or_today(
    text: &str,
    today: NaiveDate,
    what: &str,
) -> Result<NaiveDate, AppError> {
    if text.trim().is_empty() {
        return Ok(today);
    }
    let d = parse_date(text).map_err(|e| invalid(format!("{what}：{e}")))?;
    if d > today {
        return Err(invalid(format!("{what}{d}晚于今天{today}")));
    }
    Ok(d)
}

/// A village code as chosen, which must be a stored village.
async fn village_of(store: &dyn Store, text: &str) -> Result<DivisionCode, AppError> {
    let code = DivisionCode::parse(text.trim())
        .map_err(|_| invalid(format!("请选择村（“{}”不是村级区划代码）", text.trim())))?;
    if code.level() != DivisionLevel::Village || store.division(&code).await?.is_none() {
        return Err(invalid(format!("村级区划代码{code}不存在")));
    }
    Ok(code)
}

/// A lead as staff enter it (基层干部排查, hotline, 信访, media, supervision).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct LeadForm {
    pub village: String,
    /// 户编号, optional: a lead may concern someone not yet registered.
    pub household: String,
    pub channel: String,
    pub source: String,
    pub reason: String,
    pub evidence: String,
    pub hardships: Vec<String>,
    /// Empty: today.
    pub received_on: String,
}

/// Records a lead entered by staff.
pub async fn report_lead(
    store: &dyn Store,
    actor: &Actor,
    f: &LeadForm,
    today: NaiveDate,
) -> Result<LeadCreated, AppError> {
    let channel = Channel::parse(&f.channel)
        .ok_or_else(|| invalid(format!("发现渠道“{}”无效", f.channel.trim())))?;
    if channel == Channel::SelfDeclared {
        return Err(invalid("农户自主申报请由农户在申报页面填写"));
    }
    let village = village_of(store, &f.village).await?;
    let household = match f.household.trim() {
        "" => None,
        t => Some(HouseholdCode::parse(t).map_err(|e| invalid(e.to_string()))?),
    };
    let received_on = date_or_today(&f.received_on, today, "发现日期")?;
    let policy = policy_for(store, &village, received_on).await?;
    let lead = NewLead {
        village,
        household,
        channel,
        source: f.source.clone(),
        reason: f.reason.clone(),
        evidence: f.evidence.clone(),
        hardships: risk_codes(&policy, &f.hardships)?,
        received_on,
        applicant: None,
        tracking_code: None,
    };
    Ok(store.create_lead(actor, &lead).await?)
}

/// A self-declaration as a household fills it in on its phone.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ApplyForm {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub village: String,
    pub hardships: Vec<String>,
    pub text: String,
}

/// Records a household's own declaration of hardship (农户自主申报) and gives the tracking
/// code. Every problem is named at once, so an elderly applicant fixes them in one go.
pub async fn self_declare(
    store: &dyn Store,
    source: Option<String>,
    f: &ApplyForm,
    today: NaiveDate,
) -> Result<String, AppError> {
    // Each problem under the form's field, so the page shows it beside that field.
    let mut problems: Vec<dixian_domain::monitoring::FieldProblem> = Vec::new();
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 30 {
        problems.push(("name", "请填写姓名（不超过30个字）".to_string()));
    }
    let id = match IdNumber::parse(&f.id_number, today) {
        Ok(id) => Some(id),
        Err(e) => {
            problems.push(("id_number", format!("身份证号：{e}")));
            None
        }
    };
    let phone: String = f
        .phone
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if !(phone.len() == 11 && phone.starts_with('1') && phone.chars().all(|c| c.is_ascii_digit())) {
        problems.push(("phone", "请填写11位手机号码，以便工作人员联系".into()));
    }
    let village = match village_of(store, &f.village).await {
        Ok(v) => Some(v),
        Err(_) => {
            problems.push(("village", "请选择所在的村".into()));
            None
        }
    };
    let text = f.text.trim();
    if text.chars().count() > 500 {
        problems.push(("text", "困难情况请不超过500个字".into()));
    }
    if f.hardships.iter().all(|h| h.trim().is_empty()) && text.is_empty() {
        problems.push(("hardship", "请选择困难类型，或写几句遇到的困难".into()));
    }
    let (Some(id), Some(village), true) = (id, village, problems.is_empty()) else {
        return Err(AppError::Fields(problems));
    };
    let policy = policy_for(store, &village, today).await?;
    let hardships = risk_codes(&policy, &f.hardships)?;
    let names = dixian_domain::monitoring::risk_type_names(&policy, &hardships);
    let reason = match (names.is_empty(), text.is_empty()) {
        (false, false) => format!("{names}：{text}"),
        (false, true) => names,
        _ => text.to_string(),
    };
    let public = Actor {
        user_id: None,
        name: "公众：农户自主申报".into(),
        scope: Scope::Everything,
        source,
        role: None,
    };
    // A clash of random codes is astronomically rare; one retry covers it.
    for _ in 0..2 {
        let code = crate::tracking_code("SB")?;
        let lead = NewLead {
            village,
            household: None,
            channel: Channel::SelfDeclared,
            source: "农户自主申报（网上）".into(),
            reason: reason.clone(),
            evidence: String::new(),
            hardships: hardships.clone(),
            received_on: today,
            applicant: Some(dixian_store::Applicant {
                name: name.to_string(),
                id_number: id.clone(),
                phone: Some(phone.clone()),
            }),
            tracking_code: Some(code.clone()),
        };
        match store.create_lead(&public, &lead).await {
            Ok(_) => return Ok(code),
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(invalid("申报未能保存，请稍后再试"))
}

/// What the status page may show for a tracking code and ID number; `None` unless both
/// match (the same answer for a wrong code and a wrong ID number).
pub async fn application_status(
    store: &dyn Store,
    tracking: &str,
    id_text: &str,
    today: NaiveDate,
) -> Result<Option<PublicLeadStatus>, AppError> {
    let id = IdNumber::parse(id_text, today).map_err(|e| invalid(format!("身份证号：{e}")))?;
    let code = tracking.trim().to_ascii_uppercase();
    let Some(mut status) = store.public_lead_status(&code, &id).await? else {
        return Ok(None);
    };
    // Not yet accepted: the town's limit to accept it is what the household waits for.
    if status.status == dixian_domain::monitoring::LeadStatus::Pending {
        let policy = policy_for(store, &status.village, status.received_on).await?;
        let cal = store.calendar().await?;
        status.due_on = Some(
            due(
                &cal,
                policy.deadlines.application_acceptance,
                status.received_on,
            )
            .map_err(|e| invalid(e.to_string()))?,
        );
    }
    Ok(Some(status))
}

/// A lead with the date by which it must be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLead {
    pub lead: LeadRecord,
    pub accept_by: NaiveDate,
}

/// Leads in the actor's scope, each with the date it must be accepted by under the pack in
/// force for its village on its day. Packs and calendar are read once for the whole list.
pub async fn leads(
    store: &dyn Store,
    actor: &Actor,
    filter: &LeadFilter,
) -> Result<Vec<PendingLead>, AppError> {
    let list = store.leads(actor, filter).await?;
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let packs = crate::policy::stored_set(store).await?;
    let cal = store.calendar().await?;
    let mut out = Vec::with_capacity(list.len());
    for lead in list {
        let policy = crate::policy::resolve(&packs, &lead.village, lead.received_on)?;
        let accept_by = due(
            &cal,
            policy.deadlines.application_acceptance,
            lead.received_on,
        )
        .map_err(|e| invalid(e.to_string()))?;
        out.push(PendingLead { lead, accept_by });
    }
    Ok(out)
}

/// Accepts lead `id` (受理) on `on` for household `household_text` (needed when the lead
/// names none), opening its case or joining the household's open one.
pub async fn accept_lead(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    household_text: &str,
    on: NaiveDate,
) -> Result<i64, AppError> {
    let lead = store
        .lead(actor, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("线索#{id}不存在")))?;
    let household = match (household_text.trim(), &lead.household) {
        ("", Some(h)) => h.clone(),
        ("", None) => {
            return Err(invalid(
                "该线索尚未对应到已登记的农户：请填写户主姓名或户编号（未登记的请先新增农户）",
            ));
        }
        (t, _) if t.chars().all(|c| c.is_ascii_digit()) => {
            HouseholdCode::parse(t).map_err(|e| invalid(e.to_string()))?
        }
        (name, _) => household_by_head(store, actor, &lead.village, name).await?,
    };
    may_decide_lead(store, actor, id).await?;
    if on < lead.received_on {
        return Err(invalid(format!(
            "受理日期{on}早于发现日期{}",
            lead.received_on
        )));
    }
    let village = household
        .village()
        .ok_or_else(|| invalid(format!("户编号{household}无效")))?;
    let policy = policy_for(store, &village, on).await?;
    let cal = store.calendar().await?;
    let opened = open(&policy, &cal, household.clone(), lead.received_on, on)
        .map_err(|e| invalid(e.to_string()))?;
    Ok(store.accept_lead(actor, id, &household, &opened).await?)
}

/// Declines lead `id` (不予受理) for `reason`.
pub async fn decline_lead(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    reason: &str,
    on: NaiveDate,
) -> Result<(), AppError> {
    may_decide_lead(store, actor, id).await?;
    Ok(store.decline_lead(actor, id, on, reason).await?)
}

/// The household of `village` whose head is called `name`: a person types a name, not a
/// 16-digit code. Two households with a head of that name are listed for the person to choose.
async fn household_by_head(
    store: &dyn Store,
    actor: &Actor,
    village: &DivisionCode,
    name: &str,
) -> Result<HouseholdCode, AppError> {
    let found = store
        .households(
            actor,
            &dixian_store::HouseholdFilter {
                within: Some(*village),
                head_name: Some(name.to_string()),
                limit: 20,
                ..dixian_store::HouseholdFilter::default()
            },
        )
        .await?;
    let same: Vec<_> = found.rows.iter().filter(|h| h.head_name == name).collect();
    match same.as_slice() {
        [one] => Ok(one.code.clone()),
        [] => Err(invalid(format!(
            "本村没有户主名为“{name}”的农户：请核对姓名，或填写户编号（未登记的请先新增农户）"
        ))),
        many => Err(invalid(format!(
            "本村有{}户户主名为“{name}”：{}；请填写其中一户的户编号",
            many.len(),
            many.iter()
                .map(|h| format!(
                    "{}（{}组，身份证{}）",
                    h.code,
                    h.group_no.unwrap_or(0),
                    h.head_id_masked
                ))
                .collect::<Vec<_>>()
                .join("、")
        ))),
    }
}

/// The most leads one bulk decision takes: a page of the list.
pub const MAX_BULK_LEADS: usize = 50;

/// What a bulk decision did: each lead decided (with the case an acceptance opened or
/// joined), and each one refused with its reason. The others are not held back by one
/// refusal: each lead is its own decision, recorded and audited on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkOutcome {
    pub decided: Vec<(i64, Option<i64>)>,
    pub refused: Vec<(i64, String)>,
}

/// Accepts (each into a case of its registered household) or declines, with one reason,
/// every lead of `ids` on `on`.
pub async fn decide_leads(
    store: &dyn Store,
    actor: &Actor,
    ids: &[i64],
    accept: bool,
    reason: &str,
    on: NaiveDate,
) -> Result<BulkOutcome, AppError> {
    let mut ids: Vec<i64> = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut problems = Vec::new();
    if ids.is_empty() {
        problems.push(("ids", "请先勾选要办理的线索".to_string()));
    } else if ids.len() > MAX_BULK_LEADS {
        problems.push((
            "ids",
            format!("一次最多办理{MAX_BULK_LEADS}条线索，勾选了{}条", ids.len()),
        ));
    }
    let reason = reason.trim();
    if !accept && !(2..=200).contains(&reason.chars().count()) {
        problems.push((
            "reason",
            "不予受理须填写理由（2到200个字，申报人可见）".to_string(),
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::Fields(problems));
    }
    let mut out = BulkOutcome::default();
    for id in ids {
        let done = if accept {
            accept_lead(store, actor, id, "", on).await.map(Some)
        } else {
            decline_lead(store, actor, id, reason, on)
                .await
                .map(|()| None)
        };
        match done {
            Ok(case) => out.decided.push((id, case)),
            // A lead that cannot be decided so is named; the rest go on.
            Err(
                e @ (AppError::Invalid(_)
                | AppError::Fields(_)
                | AppError::NotFound(_)
                | AppError::Store(StoreError::Invalid(_) | StoreError::Conflict(_))),
            ) => out.refused.push((id, e.to_string())),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Refuses (and audits) an actor whose role does not accept or decline leads.
async fn may_decide_lead(store: &dyn Store, actor: &Actor, id: i64) -> Result<(), AppError> {
    match dixian_domain::monitoring::check_role(actor.role, ActionKind::Open, CaseState::Verifying)
    {
        Ok(()) => Ok(()),
        Err(refusal) => {
            store
                .audit(
                    actor,
                    "case.refused",
                    &format!("线索#{id}"),
                    &refusal.to_string(),
                )
                .await?;
            Err(invalid(refusal.to_string()))
        }
    }
}

/// What the departments' current feeds say of a household's members that the exclusion
/// rules compare (信息比对): 车辆, 不动产, 市场主体, 财政供养.
pub async fn department_records(
    store: &dyn Store,
    actor: &Actor,
    household: &HouseholdCode,
) -> Result<Vec<dixian_domain::monitoring::DepartmentRecord>, AppError> {
    let departments: Vec<Department> = Department::ALL
        .iter()
        .copied()
        .filter(|d| d.for_exclusions())
        .collect();
    let rows = store
        .household_feed_rows(actor, household, &departments)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| dixian_domain::monitoring::DepartmentRecord {
            department: r.department,
            person: r.person_name,
            kind: r.detail,
            on: r.on,
            source: format!("{} {}数据第{}行", r.period, r.department.label(), r.row),
        })
        .collect())
}

/// What the checks need of a household, from what the actor may see of it.
pub fn facts_of(detail: &HouseholdDetail) -> HouseholdFacts {
    HouseholdFacts {
        code: detail.summary.code.clone(),
        household_type: detail.summary.household_type,
        dibao: detail.summary.dibao,
        records: Vec::new(),
        members: detail
            .members
            .iter()
            .map(|m| PersonFacts {
                name: m.name.clone(),
                relation: m.relation,
                birth_date: m.birth_date,
                status: m.status,
                schooling: m.schooling,
                medical_insurance: m.medical_insurance,
                labour: m.labour,
                public_payroll: m.public_payroll,
            })
            .collect(),
        incomes: detail.incomes.clone(),
        assurance: detail.assurance.clone(),
    }
}

/// A case with the policy that judges it, for its page.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub file: CaseFile,
    pub policy: Policy,
    /// What the 一户一策 plan still lacks.
    pub gaps: Vec<String>,
    /// The household's visits, newest first, and the periods a visit is owed in.
    pub visits: Vec<dixian_store::VisitRecord>,
    pub visit_periods: Vec<dixian_domain::monitoring::VisitPeriod>,
    /// The case's category by the name of the pack in force when it was identified.
    pub category_name: Option<String>,
    /// For a case without a category yet: the first that fits the household.
    pub suggested_category: Option<String>,
    /// Before the verification: the exclusion rules the registry and the departments' data
    /// find met (信息比对), for the verifiers to check at the visit.
    pub department_hits: Vec<String>,
}

/// Case `id` as the actor may see it.
pub async fn case_view(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    today: NaiveDate,
) -> Result<CaseView, AppError> {
    let file = store
        .case_file(actor, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("案件#{id}不存在")))?;
    let policy = policy_for(store, &file.summary.village, today).await?;
    let gaps = plan_gaps(store, actor, &file, &policy).await?;
    let visits = store.visits(actor, &file.summary.case.household).await?;
    let dates: Vec<NaiveDate> = visits.iter().map(|v| v.visited_on).collect();
    let visit_periods = visit_periods(&policy, &file.summary.case, &dates, today);
    let case = &file.summary.case;
    // A case keeps the category name of the pack it was identified under, whatever a later
    // pack calls that code: the same rule as the ledgers'.
    let category_name = match &case.category {
        Some(code) => Some(
            crate::policy::Policies::load(store, today)
                .await?
                .category_name(&file.summary.village, code, case.approved_on)?,
        ),
        None => None,
    };
    // The category the verification form offers first: one that fits the household's type
    // and income today, as the verification will check.
    let verifying = case.state == CaseState::Verifying;
    let mut department_hits = Vec::new();
    let suggested_category = if case.category.is_none() || verifying {
        match store.household(actor, &case.household).await? {
            Some(detail) => {
                let mut facts = facts_of(&detail);
                // Those who handle cases see what the departments' data finds; a viewer
                // reads the case without it.
                if verifying && actor.may(dixian_domain::access::Permission::HandleCases) {
                    facts.records = department_records(store, actor, &case.household).await?;
                    department_hits = dixian_domain::monitoring::exclusion_hits(
                        &policy,
                        &facts,
                        &dixian_domain::monitoring::Verification::default(),
                    )
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                }
                let income =
                    dixian_domain::monitoring::income_check(&facts, &policy, today, Money::ZERO)
                        .ok();
                dixian_domain::monitoring::fitting_categories(&policy, &facts, income.as_ref())
                    .next()
                    .map(|c| c.code.clone())
            }
            None => None,
        }
    } else {
        None
    };
    Ok(CaseView {
        file,
        policy,
        gaps,
        visits,
        visit_periods,
        category_name,
        suggested_category,
        department_hits,
    })
}

/// Everything any step's form may carry; each step reads its own fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct StepForm {
    /// The case version the form was made from: a stale form is refused, not applied.
    pub version: i64,
    /// Empty: today.
    pub on: String,
    pub comment: String,
    // 入户核实
    pub visited_on: String,
    pub verifiers: String,
    pub consent_attachment: String,
    pub risk_types: Vec<String>,
    pub category: String,
    pub rigid_expenditure: String,
    /// Exclusion rules (原则上不纳入) found at the visit, by the pack's codes.
    pub exclusions: Vec<String>,
    /// The same as the three situations API clients named before the rules were pack data:
    /// `housing`, `vehicle`, `business`.
    pub owns_commercial_housing: bool,
    pub owns_vehicle: bool,
    pub runs_business: bool,
    pub stable_income_months: String,
    pub rigid_expenditure_resolved: bool,
    // 民主评议
    pub held_on: String,
    pub attendees: String,
    pub agreed: bool,
    pub notice_from: String,
    /// Exclusion rules the village representatives' assembly admitted the household despite.
    pub overrides: Vec<String>,
    // 风险消除
    pub mode: String,
}

/// Codes from a form: trimmed, empty ones left out.
fn trimmed(codes: &[String]) -> Vec<String> {
    codes
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn optional_date(text: &str, what: &str) -> Result<Option<NaiveDate>, AppError> {
    match text.trim() {
        "" => Ok(None),
        t => parse_date(t)
            .map(Some)
            .map_err(|e| invalid(format!("{what}：{e}"))),
    }
}

fn number(text: &str, what: &str) -> Result<u32, AppError> {
    match text.trim() {
        "" => Ok(0),
        t => t
            .parse()
            .map_err(|_| invalid(format!("{what}“{t}”应为整数"))),
    }
}

/// The domain action a form asks for.
pub fn action_of(kind: ActionKind, f: &StepForm) -> Result<Action, AppError> {
    let comment = f.comment.clone();
    Ok(match kind {
        ActionKind::Verify => {
            // Every unreadable field at once, each under its name.
            let mut problems: Vec<dixian_domain::monitoring::FieldProblem> = Vec::new();
            let mut note = |field: &'static str, e: AppError| problems.push((field, e.to_string()));
            let verifiers = split_names(&f.verifiers);
            let consent = match f.consent_attachment.trim() {
                "" => None,
                t => t.parse().map_or_else(
                    |_| {
                        note("file", invalid(format!("承诺授权书附件编号“{t}”无效")));
                        None
                    },
                    Some,
                ),
            };
            let rigid = match f.rigid_expenditure.trim() {
                "" => Money::ZERO,
                t => Money::parse(t).unwrap_or_else(|e| {
                    note("rigid_expenditure", invalid(format!("刚性支出：{e}")));
                    Money::ZERO
                }),
            };
            let visited_on = optional_date(&f.visited_on, "入户核实日期").unwrap_or_else(|e| {
                note("visited_on", e);
                None
            });
            let stable_income_months = number(&f.stable_income_months, "收入稳定月数")
                .unwrap_or_else(|e| {
                    note("stable_income_months", e);
                    0
                });
            if !problems.is_empty() {
                return Err(AppError::Fields(problems));
            }
            Action::Verify(Box::new(Verification {
                visited_on,
                verifiers,
                consent_attachment: consent,
                risk_types: f
                    .risk_types
                    .iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
                category: Some(f.category.trim().to_string()).filter(|c| !c.is_empty()),
                rigid_expenditure: rigid,
                exclusions_found: {
                    let mut codes = trimmed(&f.exclusions);
                    for (set, code) in [
                        (f.owns_commercial_housing, "housing"),
                        (f.owns_vehicle, "vehicle"),
                        (f.runs_business, "business"),
                    ] {
                        if set && !codes.iter().any(|c| c == code) {
                            codes.push(code.to_string());
                        }
                    }
                    codes
                },
                stable_income_months,
                rigid_expenditure_resolved: f.rigid_expenditure_resolved,
                findings: comment,
            }))
        }
        ActionKind::Deliberate => {
            let mut problems: Vec<dixian_domain::monitoring::FieldProblem> = Vec::new();
            let held_on = match optional_date(&f.held_on, "评议日期") {
                Ok(Some(d)) => Some(d),
                Ok(None) => {
                    problems.push(("held_on", "请填写评议日期".into()));
                    None
                }
                Err(e) => {
                    problems.push(("held_on", e.to_string()));
                    None
                }
            };
            let attendees = number(&f.attendees, "参加评议人数").unwrap_or_else(|e| {
                problems.push(("attendees", e.to_string()));
                0
            });
            let notice_from = optional_date(&f.notice_from, "公示开始日期").unwrap_or_else(|e| {
                problems.push(("notice_from", e.to_string()));
                None
            });
            let (Some(held_on), true) = (held_on, problems.is_empty()) else {
                return Err(AppError::Fields(problems));
            };
            Action::Deliberate(Deliberation {
                held_on,
                attendees,
                agreed: f.agreed,
                note: comment,
                notice_from: notice_from.unwrap_or(held_on),
                overrides: trimmed(&f.overrides),
            })
        }
        ActionKind::Object => Action::Object { content: comment },
        ActionKind::EndNotice => Action::EndNotice,
        ActionKind::Approve => Action::Approve {
            comment,
            category: Some(f.category.trim().to_string()).filter(|c| !c.is_empty()),
            risk_types: f
                .risk_types
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        },
        ActionKind::Return => Action::Return { comment },
        ActionKind::Close => Action::Close { reason: comment },
        ActionKind::ProposeGreenChannel => Action::ProposeGreenChannel {
            assessed_on: optional_date(&f.held_on, "村级研判日期")?
                .ok_or_else(|| invalid("请填写村级研判日期"))?,
            reason: comment,
        },
        ActionKind::GreenChannel => Action::GreenChannel { reason: comment },
        ActionKind::DeclineGreenChannel => Action::DeclineGreenChannel { reason: comment },
        ActionKind::ProposeElimination => Action::ProposeElimination {
            mode: f.mode.trim().to_string(),
            reason: comment,
        },
        ActionKind::Revert => Action::Revert { reason: comment },
        ActionKind::Open
        | ActionKind::Attach
        | ActionKind::AssignCadre
        | ActionKind::RecordPlan => {
            return Err(invalid(format!("“{}”不在此办理", kind.label())));
        }
    })
}

/// Takes step `kind` on case `id` with the form's data: judged by the state machine,
/// recorded with its history and audit, or refused with the reason (also audited).
pub async fn act(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    kind: ActionKind,
    f: &StepForm,
    today: NaiveDate,
) -> Result<Outcome, AppError> {
    let on = date_or_today(&f.on, today, "办理日期")?;
    let action = action_of(kind, f)?;
    let file = current_file(store, actor, id, f.version).await?;
    if let Action::Verify(v) = &action
        && let Some(att) = v.consent_attachment
        && !file
            .attachments
            .iter()
            .any(|a| a.id == att && a.kind == AttachmentKind::Consent)
    {
        return Err(invalid(format!("附件#{att}不是本案件的承诺授权书")));
    }
    judge(store, actor, &file, &action, on, &StepEffect::None).await
}

/// Runs the state machine on `case` and records the outcome, or audits the refusal.
async fn judge(
    store: &dyn Store,
    actor: &Actor,
    file: &CaseFile,
    action: &Action,
    on: NaiveDate,
    effect: &StepEffect,
) -> Result<Outcome, AppError> {
    let case = &file.summary.case;
    let applied = usize::try_from(file.summary.measures).unwrap_or(0);
    match try_step(store, actor, case, action, on, applied).await? {
        Ok(o) => {
            store.record_step_with(actor, &o, effect).await?;
            Ok(o)
        }
        Err(refusal) => Err(refused(store, actor, case, action, &refusal).await),
    }
}

/// Audits a refused step and gives the error that names why.
async fn refused(
    store: &dyn Store,
    actor: &Actor,
    case: &Case,
    action: &Action,
    refusal: &Refusal,
) -> AppError {
    let detail = serde_json::json!({
        "action": action.kind().code(),
        "state": case.state.code(),
        "reason": refusal.to_string(),
    })
    .to_string();
    tracing::info!(case = case.id, actor = %actor.name, %refusal, "案件办理被拒绝");
    if let Err(e) = store
        .audit(actor, "case.refused", &format!("案件#{}", case.id), &detail)
        .await
    {
        return e.into();
    }
    match refusal {
        Refusal::Fields(list) => AppError::Fields(list.clone()),
        other => invalid(other.to_string()),
    }
}

/// The state machine's verdict on `action`, without recording anything.
async fn try_step(
    store: &dyn Store,
    actor: &Actor,
    case: &Case,
    action: &Action,
    on: NaiveDate,
    measures: usize,
) -> Result<Result<Outcome, Refusal>, AppError> {
    let detail = store
        .household(actor, &case.household)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("户编号{}不存在", case.household)))?;
    let village = detail.summary.village;
    let policy = policy_for(store, &village, on).await?;
    let cal = store.calendar().await?;
    let mut facts = facts_of(&detail);
    // Only the identification's verification compares the departments' data.
    if matches!(action, Action::Verify(_))
        && case
            .state
            .step()
            .is_some_and(|(phase, _)| phase == Phase::Identification)
    {
        facts.records = department_records(store, actor, &case.household).await?;
    }
    let ctx = Context {
        policy: &policy,
        calendar: &cal,
        on,
        role: actor.role,
        household: &facts,
        measures,
    };
    Ok(transition(case, action, &ctx))
}

/// The case `id` as the form that acts on it saw it: a stale form is refused.
async fn current_file(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    version: i64,
) -> Result<CaseFile, AppError> {
    let file = store
        .case_file(actor, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("案件#{id}不存在")))?;
    let case = &file.summary.case;
    if version != case.version {
        return Err(AppError::Store(StoreError::Conflict(format!(
            "案件#{id}在您打开页面后已被他人办理（现为“{}”），请刷新后重试",
            case.state.label()
        ))));
    }
    Ok(file)
}

/// 明确帮扶责任人 as the case page's form gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct CadreForm {
    pub version: i64,
    /// The account id of the 帮扶责任人.
    pub cadre: String,
    pub unit: String,
    pub political: String,
    /// Empty: today.
    pub start: String,
}

/// Makes an account the household's 帮扶责任人 (明确帮扶责任人), in the case's history with
/// the deadline it answers.
pub async fn assign_cadre(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    f: &CadreForm,
    today: NaiveDate,
) -> Result<Outcome, AppError> {
    let (cadre, start) = cadre_of(store, actor, f, today).await?;
    assign_found(store, actor, id, f, &cadre, start).await
}

/// The 帮扶责任人 and start day a cadre form names, checked.
async fn cadre_of(
    store: &dyn Store,
    actor: &Actor,
    f: &CadreForm,
    today: NaiveDate,
) -> Result<(dixian_store::CadreAccount, NaiveDate), AppError> {
    let start = date_or_today(&f.start, today, "帮扶开始日期")?;
    let user_id: i64 = f
        .cadre
        .trim()
        .parse()
        .map_err(|_| invalid("请选择帮扶责任人"))?;
    let cadre = store
        .assistance_cadres(actor)
        .await?
        .into_iter()
        .find(|c| c.id == user_id)
        .ok_or_else(|| invalid(format!("账号#{user_id}不是可指派的帮扶责任人")))?;
    Ok((cadre, start))
}

/// Assigns the checked `cadre` to case `id` as it was at `f.version`.
async fn assign_found(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    f: &CadreForm,
    cadre: &dixian_store::CadreAccount,
    start: NaiveDate,
) -> Result<Outcome, AppError> {
    let user_id = cadre.id;
    let file = current_file(store, actor, id, f.version).await?;
    let action = Action::AssignCadre {
        cadre: cadre.display_name.clone(),
        unit: f.unit.clone(),
        political: f.political.clone(),
        start,
    };
    judge(
        store,
        actor,
        &file,
        &action,
        start,
        &StepEffect::AssignCadre { user_id },
    )
    .await
}

/// Cases one bulk 明确帮扶责任人 may assign at once: a village's new cases, a page of the list.
pub const MAX_BULK_CADRES: usize = 50;

/// Makes one account the 帮扶责任人 of every ticked case, each `(case, version)` as the list
/// showed it (a case handled since is named, not overwritten), with the same unit, political
/// status and start. Each case its own step in its own history; one refused does not stop
/// the others.
pub async fn assign_cadres(
    store: &dyn Store,
    actor: &Actor,
    picks: &[(i64, i64)],
    f: &CadreForm,
    today: NaiveDate,
) -> Result<BulkOutcome, AppError> {
    let mut picks: Vec<(i64, i64)> = picks.to_vec();
    picks.sort_unstable();
    picks.dedup_by_key(|p| p.0);
    let mut problems = Vec::new();
    if picks.is_empty() {
        problems.push(("ids", "请先勾选要指派帮扶责任人的案件".to_string()));
    } else if picks.len() > MAX_BULK_CADRES {
        problems.push((
            "ids",
            format!(
                "一次最多指派{MAX_BULK_CADRES}个案件，勾选了{}个",
                picks.len()
            ),
        ));
    }
    if f.cadre.trim().is_empty() {
        problems.push(("cadre", "请选择帮扶责任人".to_string()));
    }
    if let Err(e) = date_or_today(&f.start, today, "帮扶开始日期") {
        problems.push(("start", e.to_string()));
    }
    if !problems.is_empty() {
        return Err(AppError::Fields(problems));
    }
    // The cadre is looked up once for all the cases.
    let (cadre, start) = cadre_of(store, actor, f, today)
        .await
        .map_err(|e| AppError::Fields(vec![("cadre", e.to_string())]))?;
    let mut out = BulkOutcome::default();
    for (id, version) in picks {
        let form = CadreForm {
            version,
            ..f.clone()
        };
        match assign_found(store, actor, id, &form, &cadre, start).await {
            Ok(_) => out.decided.push((id, Some(id))),
            // Handled since the list was drawn: said for a list, not for one case's page.
            Err(AppError::Store(StoreError::Conflict(_))) => out.refused.push((
                id,
                "列表打开后已被他人办理，未指派（请重新打开列表再勾选）".to_string(),
            )),
            // Only a failing database stops the rest (and is an error page); anything else
            // about one case — refused, not found, busy, handled meanwhile — is named with
            // it, so the page always says which cases were assigned.
            Err(
                e @ AppError::Store(
                    StoreError::Unavailable(_)
                    | StoreError::Backend(_)
                    | StoreError::Corrupt(_)
                    | StoreError::SchemaTooNew { .. },
                ),
            ) => return Err(e),
            Err(e) => out.refused.push((id, e.to_string())),
        }
    }
    Ok(out)
}

/// A measure of the plan as its form gives it; `id` empty for a new one.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct MeasureForm {
    pub version: i64,
    pub id: String,
    pub type_code: String,
    pub content: String,
    pub unit: String,
    pub start_on: String,
    pub end_on: String,
    /// Yuan as typed.
    pub amount: String,
    pub status: String,
    pub effect: String,
}

/// Adds or changes a measure of the case's 一户一策 plan, checked against the catalogue,
/// with a history entry (the first answers the plan's deadline).
pub async fn save_measure(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    f: &MeasureForm,
    today: NaiveDate,
) -> Result<Outcome, AppError> {
    let file = current_file(store, actor, id, f.version).await?;
    let existing = match f.id.trim() {
        "" => None,
        t => {
            let mid: i64 = t
                .parse()
                .map_err(|_| invalid(format!("措施编号“{t}”无效")))?;
            Some(
                file.measures
                    .iter()
                    .find(|m| m.id == mid)
                    .cloned()
                    .ok_or_else(|| invalid(format!("案件#{id}没有措施#{mid}")))?,
            )
        }
    };
    let start_on = match f.start_on.trim() {
        "" => existing.as_ref().map_or(today, |m| m.start_on),
        t => parse_date(t).map_err(|e| invalid(format!("开始日期：{e}")))?,
    };
    let measure = Measure {
        id: existing.as_ref().map_or(0, |m| m.id),
        type_code: f.type_code.trim().to_string(),
        content: f.content.trim().to_string(),
        unit: f.unit.trim().to_string(),
        start_on,
        end_on: optional_date(&f.end_on, "结束日期")?,
        amount: match f.amount.trim() {
            "" => Money::ZERO,
            t => Money::parse(t).map_err(|e| invalid(format!("资金：{e}")))?,
        },
        status: MeasureStatus::parse(&f.status)
            .ok_or_else(|| invalid(format!("措施状态“{}”无效", f.status.trim())))?,
        effect: f.effect.trim().to_string(),
    };
    let policy = policy_for(store, &file.summary.village, today).await?;
    dixian_domain::monitoring::check_measure(&policy, &measure)
        .map_err(|e| invalid(e.to_string()))?;
    let name = dixian_domain::monitoring::measure_type_name(&policy, &measure.type_code);
    let change = match &existing {
        None => format!(
            "新增{name}：{}（{}）",
            measure.content,
            measure.status.label()
        ),
        Some(old) if old.status != measure.status => format!(
            "{name}“{}”：{} → {}",
            measure.content,
            old.status.label(),
            measure.status.label()
        ),
        Some(_) => format!("调整{name}：{}", measure.content),
    };
    let action = Action::RecordPlan { change };
    judge(
        store,
        actor,
        &file,
        &action,
        today,
        &StepEffect::PutMeasure(measure),
    )
    .await
}

/// What the case's plan still lacks by the pack's rules (DOMAIN §6); empty when complete or
/// when no plan is owed yet.
pub async fn plan_gaps(
    store: &dyn Store,
    actor: &Actor,
    file: &CaseFile,
    policy: &Policy,
) -> Result<Vec<String>, AppError> {
    let case = &file.summary.case;
    if !case.assisting() {
        return Ok(Vec::new());
    }
    let detail = store
        .household(actor, &case.household)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("户编号{}不存在", case.household)))?;
    Ok(dixian_domain::monitoring::plan_gaps(
        policy,
        &case.risk_types,
        &facts_of(&detail),
        &file.measures,
    ))
}

/// Records the household verification (入户核实) with the signed consent uploaded in the
/// same request: the step is judged first, so a refused verification stores no file.
pub async fn verify_with_consent(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    f: &StepForm,
    consent: NewAttachment,
    today: NaiveDate,
) -> Result<Outcome, AppError> {
    let on = date_or_today(&f.on, today, "办理日期")?;
    let file = current_file(store, actor, id, f.version).await?;
    let case = &file.summary.case;
    let mut form = f.clone();
    // A placeholder id lets the machine judge everything else before the file is kept.
    form.consent_attachment = "0".into();
    let trial = action_of(ActionKind::Verify, &form)?;
    let applied = usize::try_from(file.summary.measures).unwrap_or(0);
    if let Err(refusal) = try_step(store, actor, case, &trial, on, applied).await? {
        // A form to correct keeps the signed consent: it is stored now (audited), listed on
        // the case page and offered first, so the officer does not upload it again.
        if matches!(refusal, Refusal::Fields(_) | Refusal::Data(_)) {
            store.add_attachment(actor, id, &consent).await?;
        }
        return Err(refused(store, actor, case, &trial, &refusal).await);
    }
    let att = store.add_attachment(actor, id, &consent).await?;
    form.consent_attachment = att.to_string();
    let action = action_of(ActionKind::Verify, &form)?;
    judge(store, actor, &file, &action, on, &StepEffect::None).await
}

/// One thing on a work list (待办).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItem {
    pub case: CaseSummary,
    /// What is to be done, e.g. 入户核实, 明确帮扶责任人.
    pub task: String,
    pub due: Option<NaiveDate>,
    /// Working days past the due date (0 when due today or later).
    pub overdue_working_days: i64,
}

/// A user's work list (我的待办): leads to accept and case steps the role takes, most
/// urgent first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkList {
    pub leads: Vec<PendingLead>,
    pub items: Vec<WorkItem>,
    /// Visits owed to households outside any case (脱贫户 in the pack's months).
    pub households: Vec<HouseholdItem>,
}

/// A household's visit owed outside any case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdItem {
    pub code: HouseholdCode,
    pub head: String,
    pub task: String,
    pub due: NaiveDate,
    pub overdue_working_days: i64,
}

impl WorkList {
    pub fn overdue(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.overdue_working_days > 0)
            .count()
    }
}

/// Every case of the actor's scope: a county holds thousands, and a work list that stopped
/// at a page would hide the rest.
fn all_cases() -> CaseFilter {
    CaseFilter {
        limit: 1_000_000,
        ..CaseFilter::default()
    }
}

/// Working days `due` lies behind `today` (at least 1 once past, 0 when not yet due or none).
pub fn overdue_working_days(
    cal: &dixian_domain::WorkCalendar,
    due: Option<NaiveDate>,
    today: NaiveDate,
) -> i64 {
    due.filter(|d| *d < today)
        .and_then(|d| cal.working_days_between(d, today).ok())
        .map_or(0, |r| r.value.max(1))
}

/// The step a role takes in `state`, as its task name, if the role takes one there.
fn task_of(role: Option<Role>, state: CaseState) -> Option<&'static str> {
    let main = match state {
        CaseState::Verifying | CaseState::ExitVerifying => ActionKind::Verify,
        CaseState::Deliberation | CaseState::ExitDeliberation => ActionKind::Deliberate,
        CaseState::Notice | CaseState::ExitNotice => ActionKind::EndNotice,
        CaseState::TownReview
        | CaseState::CountyReview
        | CaseState::ExitTownReview
        | CaseState::ExitCountyReview => ActionKind::Approve,
        CaseState::Monitored | CaseState::NotIncluded | CaseState::Eliminated => return None,
    };
    // The step is on the list of the role that owns it (the first allowed), not of every
    // role that may stand in: a town reviewer may verify, but verifying is the village's work.
    let r = role?;
    (allowed_roles(main, state).first() == Some(&r))
        .then(|| state.step().map_or(state.label(), |(_, s)| s.label()))
}

/// The work list of `actor` on `today`.
pub async fn work_list(
    store: &dyn Store,
    actor: &Actor,
    today: NaiveDate,
) -> Result<WorkList, AppError> {
    let cal = store.calendar().await?;
    let overdue_by = |due: Option<NaiveDate>| overdue_working_days(&cal, due, today);
    let mut items = Vec::new();
    for case in store.cases(actor, &all_cases()).await? {
        let c = &case.case;
        if let Some(task) = task_of(actor.role, c.state) {
            items.push(WorkItem {
                task: format!(
                    "{}{}",
                    if c.state
                        .step()
                        .is_some_and(|(p, _)| p == dixian_domain::monitoring::Phase::Elimination)
                    {
                        "风险消除："
                    } else {
                        ""
                    },
                    task
                ),
                due: c.due_on,
                overdue_working_days: overdue_by(c.due_on),
                case: case.clone(),
            });
        }
        // Assistance owed since inclusion (or the green channel): the town assigns the
        // cadre, the cadre makes the plan. A cadre assigned on the household page before the
        // case existed counts.
        let owns = |kind| allowed_roles(kind, c.state).first() == actor.role.as_ref();
        if c.assisting() && c.cadre_on.is_none() && !case.has_cadre && owns(ActionKind::AssignCadre)
        {
            items.push(WorkItem {
                task: "明确帮扶责任人".into(),
                due: c.cadre_due,
                overdue_working_days: overdue_by(c.cadre_due),
                case: case.clone(),
            });
        }
        if c.assisting() && c.plan_on.is_none() && owns(ActionKind::RecordPlan) {
            items.push(WorkItem {
                task: "制定帮扶计划（一户一策）".into(),
                due: c.plan_due,
                overdue_working_days: overdue_by(c.plan_due),
                case: case.clone(),
            });
        }
    }
    let mut households = Vec::new();
    if actor.role == Some(Role::AssistanceCadre) {
        items.extend(visit_items(store, actor, today, &cal).await?);
        households = poverty_alleviated_items(store, actor, today, &cal).await?;
    }
    items.sort_by_key(|i| (std::cmp::Reverse(i.overdue_working_days), i.due));
    let leads = if allowed_roles(ActionKind::Open, CaseState::Verifying)
        .iter()
        .any(|r| Some(*r) == actor.role)
    {
        self::leads(
            store,
            actor,
            &LeadFilter {
                status: Some(dixian_domain::monitoring::LeadStatus::Pending),
                ..LeadFilter::default()
            },
        )
        .await?
    } else {
        Vec::new()
    };
    Ok(WorkList {
        leads,
        items,
        households,
    })
}

/// An uploaded file as a case attachment: a photo (JPEG, PNG — EXIF, including the
/// location, is kept as taken) or a scanned PDF, within the size limit. Decoding a photo takes
/// a core for a while, so it runs on the blocking pool, not on a worker serving pages.
pub async fn attachment(
    kind_text: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Result<NewAttachment, AppError> {
    let kind = AttachmentKind::parse(kind_text)
        .ok_or_else(|| invalid(format!("附件类别“{}”无效", kind_text.trim())))?;
    let name = name.trim();
    let name = if name.is_empty() { "附件" } else { name };
    if bytes.is_empty() {
        return Err(invalid(format!("附件“{name}”是空文件")));
    }
    if bytes.len() > dixian_store::files::MAX_ATTACHMENT_BYTES {
        return Err(invalid(format!(
            "附件“{name}”超过{} MB上限，请压缩后再上传",
            dixian_store::files::MAX_ATTACHMENT_BYTES >> 20
        )));
    }
    let given = name.to_string();
    let checked = tokio::task::spawn_blocking(move || crate::uploads::check(&given, bytes))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "photo check did not finish");
            AppError::Busy("服务器正在检查其他照片：请稍后再上传".into())
        })?;
    let checked = checked.map_err(|problem| {
        use crate::uploads::FileProblem;
        match problem {
            FileProblem::NotAllowed => invalid(format!(
                "附件“{name}”不是JPEG、PNG照片或PDF文件，请拍照或扫描后上传"
            )),
            FileProblem::Damaged(why) => {
                invalid(format!("附件“{name}”已损坏：{why}，请重新拍照或扫描后上传"))
            }
            FileProblem::TooLarge(why) => invalid(format!("附件“{name}”：{why}")),
            FileProblem::Busy => AppError::Busy("服务器正在检查其他照片：请稍后再上传".into()),
        }
    })?;
    Ok(NewAttachment {
        kind,
        name: checked.name,
        content_type: checked.file_type.content_type().to_string(),
        bytes: checked.bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn attachments_are_known_by_their_bytes() {
        let mut jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut jpeg, 80)
            .encode(&[200; 8 * 8 * 3], 8, 8, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        let a = attachment("承诺授权书", "扫描.jpeg", jpeg.clone())
            .await
            .unwrap();
        assert_eq!(a.name, "扫描.jpg");
        assert_eq!(
            (a.kind, a.content_type.as_str()),
            (AttachmentKind::Consent, "image/jpeg")
        );
        let e = attachment("photo", "病毒.jpg", b"MZ\x90\x00".to_vec())
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "附件“病毒.jpg”不是JPEG、PNG照片或PDF文件，请拍照或扫描后上传"
        );
        assert!(
            attachment("photo", "x.pdf", Vec::new())
                .await
                .unwrap_err()
                .to_string()
                .contains("空文件")
        );
        assert!(
            attachment("合同", "x.pdf", b"%PDF-1.7\n%%EOF".to_vec())
                .await
                .is_err()
        );
        let glued = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0x41; 4096]].concat();
        assert!(
            attachment("photo", "x.html", glued)
                .await
                .unwrap_err()
                .to_string()
                .contains("已损坏")
        );
        let big = vec![0xFF; dixian_store::files::MAX_ATTACHMENT_BYTES + 1];
        assert!(
            attachment("photo", "大.jpg", big)
                .await
                .unwrap_err()
                .to_string()
                .contains("超过8 MB上限")
        );
    }

    #[test]
    fn forms_become_actions() {
        let f = StepForm {
            verifiers: "王村干、李镇干 张三,李四".into(),
            rigid_expenditure: "1.2万".into(),
            stable_income_months: "6".into(),
            ..StepForm::default()
        };
        let Action::Verify(v) = action_of(ActionKind::Verify, &f).unwrap() else {
            panic!()
        };
        assert_eq!(v.verifiers, vec!["王村干", "李镇干", "张三", "李四"]);
        assert_eq!(v.rigid_expenditure, Money::from_fen(1_200_000));
        assert_eq!(v.stable_income_months, 6);
        let bad = StepForm {
            attendees: "二十".into(),
            held_on: "2026-10-08".into(),
            ..StepForm::default()
        };
        assert_eq!(
            action_of(ActionKind::Deliberate, &bad)
                .unwrap_err()
                .to_string(),
            "参加评议人数“二十”应为整数"
        );
        assert!(action_of(ActionKind::Open, &bad).is_err());
    }
}

/// A visit (走访) as its form gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct VisitForm {
    /// Empty: today.
    pub visited_on: String,
    pub visitors: String,
    pub findings: String,
    pub follow_ups: String,
    /// Photos kept from an earlier refusal of this form, still wanted (their draft ids);
    /// a page's form only — the API keeps no drafts.
    #[serde(skip)]
    pub kept: Vec<i64>,
    /// Whether a refusal keeps the checked photos for the corrected form: a page's form
    /// shows them again; a program calling the API sends its files again instead.
    #[serde(skip)]
    pub keep_refused_photos: bool,
}

pub use crate::drafts::FormRefusal;

/// Records a visit to the household of case `id`, with photos (as uploaded: name, bytes),
/// each checked to really be a photo.
pub async fn record_visit(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    f: &VisitForm,
    photos: Vec<(String, Vec<u8>)>,
    today: NaiveDate,
) -> Result<i64, FormRefusal> {
    let file = store
        .case_file(actor, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("案件#{id}不存在")))?;
    let household = file.summary.case.household.clone();
    save_visit(store, actor, household, Some(id), f, photos, today).await
}

/// Records a visit to household `code_text` outside any case (a 脱贫户's visit).
pub async fn record_household_visit(
    store: &dyn Store,
    actor: &Actor,
    code_text: &str,
    f: &VisitForm,
    photos: Vec<(String, Vec<u8>)>,
    today: NaiveDate,
) -> Result<i64, FormRefusal> {
    let code = HouseholdCode::parse(code_text).map_err(|e| invalid(e.to_string()))?;
    save_visit(store, actor, code, None, f, photos, today).await
}

use dixian_store::visits::{MAX_VISIT_PHOTOS, MAX_VISIT_TEXT, MAX_VISITOR_NAME, MAX_VISITORS};

/// Every problem of a visit form at once, by field, and the photos that passed their check.
async fn checked_visit(
    f: &VisitForm,
    photos: Vec<(String, Vec<u8>)>,
    kept: usize,
    today: NaiveDate,
) -> (
    Vec<dixian_domain::monitoring::FieldProblem>,
    Option<NaiveDate>,
    Vec<NewAttachment>,
) {
    let mut problems = Vec::new();
    let visited_on = match date_or_today(&f.visited_on, today, "走访日期") {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(("visited_on", e.to_string()));
            None
        }
    };
    let names = split_names(&f.visitors);
    if names.is_empty() {
        problems.push(("visitors", "请填写走访人员（多人用顿号分隔）".into()));
    } else if names.len() > MAX_VISITORS {
        problems.push((
            "visitors",
            format!("走访人员最多{MAX_VISITORS}人，填了{}人", names.len()),
        ));
    } else if let Some(long) = names.iter().find(|n| n.chars().count() > MAX_VISITOR_NAME) {
        problems.push((
            "visitors",
            format!("走访人员“{long}”超过{MAX_VISITOR_NAME}字：多人请用顿号分隔"),
        ));
    }
    let findings = f.findings.trim().chars().count();
    if findings == 0 {
        problems.push(("findings", "请填写走访发现的情况".into()));
    } else if findings > MAX_VISIT_TEXT {
        problems.push((
            "findings",
            format!("走访发现的情况不超过{MAX_VISIT_TEXT}字，写了{findings}字"),
        ));
    }
    let follow_ups = f.follow_ups.trim().chars().count();
    if follow_ups > MAX_VISIT_TEXT {
        problems.push((
            "follow_ups",
            format!("后续措施不超过{MAX_VISIT_TEXT}字，写了{follow_ups}字"),
        ));
    }
    let chosen = photos.len() + kept;
    if chosen > MAX_VISIT_PHOTOS {
        problems.push((
            "file",
            format!("每次走访最多{MAX_VISIT_PHOTOS}张照片，选了{chosen}张"),
        ));
    }
    let mut checked = Vec::new();
    for (name, bytes) in photos {
        match attachment("photo", &name, bytes).await {
            Ok(a) => checked.push(a),
            Err(e) => problems.push(("file", e.to_string())),
        }
    }
    (problems, visited_on, checked)
}

async fn save_visit(
    store: &dyn Store,
    actor: &Actor,
    household: HouseholdCode,
    case_id: Option<i64>,
    f: &VisitForm,
    photos: Vec<(String, Vec<u8>)>,
    today: NaiveDate,
) -> Result<i64, FormRefusal> {
    let (kept_now, gone) = crate::drafts::still_kept(store, actor, &household, &f.kept).await?;
    let (mut problems, visited_on, checked) = checked_visit(f, photos, kept_now.len(), today).await;
    problems.extend(gone);
    let refused = match visited_on {
        Some(visited_on) if problems.is_empty() => {
            let visit = dixian_store::NewVisit {
                household: household.clone(),
                case_id,
                visited_on,
                visitors: split_names(&f.visitors),
                findings: f.findings.clone(),
                follow_ups: f.follow_ups.clone(),
                photos: checked.clone(),
                drafts: kept_now.iter().map(|k| k.id).collect(),
            };
            match store.add_visit(actor, &visit).await {
                Ok(id) => return Ok(id),
                Err(e @ dixian_store::StoreError::Invalid(_)) => AppError::from(e),
                Err(e) => return Err(e.into()),
            }
        }
        _ => AppError::Fields(problems),
    };
    if !f.keep_refused_photos {
        return Err(refused.into());
    }
    Err(crate::drafts::refused_keeping(
        store,
        actor,
        &household,
        refused,
        kept_now,
        &checked,
        MAX_VISIT_PHOTOS,
    )
    .await)
}

/// A household's visits and, for a 脱贫户, the months of this year it is owed one in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdVisits {
    pub visits: Vec<dixian_store::VisitRecord>,
    pub periods: Vec<dixian_domain::monitoring::VisitPeriod>,
    /// The pack's months for 脱贫户, e.g. [3, 8, 11]; empty when the pack names none.
    pub months: Vec<u32>,
}

/// The visits of household `code` and its 脱贫户 visit months.
pub async fn household_visits(
    store: &dyn Store,
    actor: &Actor,
    code: &HouseholdCode,
    poverty_alleviated: bool,
    today: NaiveDate,
) -> Result<HouseholdVisits, AppError> {
    let visits = store.visits(actor, code).await?;
    let village = code
        .village()
        .ok_or_else(|| invalid(format!("户编号{code}无效")))?;
    let policy = policy_for(store, &village, today).await?;
    let dates: Vec<NaiveDate> = visits.iter().map(|v| v.visited_on).collect();
    let periods = if poverty_alleviated {
        dixian_domain::monitoring::poverty_alleviated_periods(&policy.visits, &dates, today)
    } else {
        Vec::new()
    };
    Ok(HouseholdVisits {
        visits,
        periods,
        months: policy.visits.poverty_alleviated_months.clone(),
    })
}

/// Names as typed, separated by 、，, ; or spaces.
fn split_names(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || "、，,；;".contains(c))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The visit periods owed by a case's household up to `today` (empty before inclusion).
pub fn visit_periods(
    policy: &Policy,
    case: &Case,
    visits: &[NaiveDate],
    today: NaiveDate,
) -> Vec<dixian_domain::monitoring::VisitPeriod> {
    match case.approved_on.or(case.green_channel_on) {
        Some(from) if case.assisting() => {
            dixian_domain::monitoring::monitored_periods(&policy.visits, from, visits, today)
        }
        _ => Vec::new(),
    }
}

/// A 帮扶责任人's visits owed: the open period of each assisted case not yet visited, and
/// the periods missed (漏访), one item per case naming how many — the same count as the case
/// page, so every visit since monitoring began is read (a cadre's households are few).
async fn visit_items(
    store: &dyn Store,
    actor: &Actor,
    today: NaiveDate,
    cal: &dixian_domain::WorkCalendar,
) -> Result<Vec<WorkItem>, AppError> {
    let (y, m, d) = crate::policy::EARLIEST_RECORD_DATE;
    let since = NaiveDate::from_ymd_opt(y, m, d).unwrap_or(today);
    let mut dates: std::collections::BTreeMap<HouseholdCode, Vec<NaiveDate>> =
        std::collections::BTreeMap::new();
    for (code, d) in store.visit_dates(actor, since).await? {
        dates.entry(code).or_default().push(d);
    }
    let packs = crate::policy::stored_set(store).await?;
    let mut items = Vec::new();
    for case in store.cases(actor, &all_cases()).await? {
        let c = &case.case;
        if !c.assisting() {
            continue;
        }
        let policy = &crate::policy::resolve(&packs, &case.village, today)?;
        let visits = dates.get(&c.household).map_or(&[][..], Vec::as_slice);
        let periods = visit_periods(policy, c, visits, today);
        let missed: Vec<_> = periods.iter().filter(|p| p.missed(today)).collect();
        if let Some(last) = missed.last() {
            items.push(WorkItem {
                task: format!("走访（漏访{}期）", missed.len()),
                due: Some(last.until),
                overdue_working_days: overdue_working_days(cal, Some(last.until), today),
                case: case.clone(),
            });
        }
        if let Some(open) = periods.iter().find(|p| p.open(today)) {
            items.push(WorkItem {
                task: "本期走访".into(),
                due: Some(open.until),
                overdue_working_days: 0,
                case: case.clone(),
            });
        }
    }
    Ok(items)
}

/// On-time figures of one step (按时办结率).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFigures {
    pub step: String,
    /// Who owns the step: 村级, 乡镇, 县级, 帮扶责任人.
    pub level: &'static str,
    pub done: i64,
    pub on_time: i64,
}

/// On-time figures of one town, and its cases overdue now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TownFigures {
    pub town: DivisionCode,
    pub name: String,
    pub done: i64,
    pub on_time: i64,
    pub overdue_now: i64,
}

/// The SLA view (办理时效): per step and level, and per town, for steps done in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeliness {
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub steps: Vec<StepFigures>,
    pub towns: Vec<TownFigures>,
}

fn level_of(role: Option<&Role>) -> &'static str {
    match role {
        Some(Role::VillageOfficer) => "村级",
        Some(Role::TownReviewer) => "乡镇",
        Some(Role::CountyAdmin) => "县级",
        Some(Role::AssistanceCadre) => "帮扶责任人",
        _ => "其他",
    }
}

/// The step a timed event completed, in words.
fn step_name(action: ActionKind, from: Option<CaseState>) -> String {
    match (action, from.and_then(CaseState::step)) {
        (
            ActionKind::Verify | ActionKind::Deliberate | ActionKind::Approve,
            Some((phase, step)),
        ) => {
            let step = match (action, step) {
                (ActionKind::Approve, dixian_domain::monitoring::Step::CountyReview) => "县级审定",
                _ => step.label(),
            };
            match phase {
                dixian_domain::monitoring::Phase::Identification => step.to_string(),
                dixian_domain::monitoring::Phase::Elimination => format!("消除{step}"),
            }
        }
        _ => action.label().to_string(),
    }
}

/// On-time rates of the steps done from `from` to `until` in the actor's scope, by step and
/// by town, with acceptance of leads as a step of its own and the cases overdue on `today`.
pub async fn timeliness(
    store: &dyn Store,
    actor: &Actor,
    within: Option<&DivisionCode>,
    from: NaiveDate,
    until: NaiveDate,
    today: NaiveDate,
) -> Result<Timeliness, AppError> {
    if until < from {
        return Err(invalid(format!("结束日期{until}早于开始日期{from}")));
    }
    // The actor's whole scope, or one area of it (a town's bulletin read by the county).
    let inside = |village: &DivisionCode| within.is_none_or(|w| village.is_within(w));
    let mut rows = store.step_timeliness(actor, from, until).await?;
    rows.retain(|r| inside(&r.village));
    let mut steps: Vec<StepFigures> = Vec::new();
    let mut towns: std::collections::BTreeMap<DivisionCode, (i64, i64, i64)> =
        std::collections::BTreeMap::new();
    let mut add =
        |step: String, level: &'static str, village: DivisionCode, done: i64, on_time: i64| {
            match steps
                .iter_mut()
                .find(|s| s.step == step && s.level == level)
            {
                Some(s) => {
                    s.done += done;
                    s.on_time += on_time;
                }
                None => steps.push(StepFigures {
                    step,
                    level,
                    done,
                    on_time,
                }),
            }
            let town = village.parent().unwrap_or(village);
            let t = towns.entry(town).or_default();
            t.0 += done;
            t.1 += on_time;
        };
    for r in &rows {
        let state = r.from.unwrap_or(CaseState::Monitored);
        let owner = allowed_roles(r.action, state).first();
        add(
            step_name(r.action, r.from),
            level_of(owner),
            r.village,
            r.done,
            r.on_time,
        );
    }
    // Acceptance of leads (受理): the town's first step.
    for p in leads(
        store,
        actor,
        &LeadFilter {
            limit: 100_000,
            ..LeadFilter::default()
        },
    )
    .await?
    {
        let Some(decided) = p.lead.decided_on.filter(|d| from <= *d && *d <= until) else {
            continue;
        };
        if !inside(&p.lead.village) {
            continue;
        }
        let on_time = i64::from(decided <= p.accept_by);
        add("受理线索".into(), "乡镇", p.lead.village, 1, on_time);
    }
    for c in store
        .cases(
            actor,
            &CaseFilter {
                overdue_on: Some(today),
                within: within.copied(),
                limit: 100_000,
                ..CaseFilter::default()
            },
        )
        .await?
    {
        let town = c.village.parent().unwrap_or(c.village);
        towns.entry(town).or_default().2 += 1;
    }
    let mut out = Vec::new();
    for (town, (done, on_time, overdue_now)) in towns {
        let name = store
            .division(&town)
            .await?
            .map_or_else(|| town.to_string(), |d| d.name);
        out.push(TownFigures {
            town,
            name,
            done,
            on_time,
            overdue_now,
        });
    }
    Ok(Timeliness {
        from,
        until,
        steps,
        towns: out,
    })
}

/// A 帮扶责任人's 脱贫户 (not monitored) owed a visit this year in the pack's months: the
/// month now open, and the months missed.
async fn poverty_alleviated_items(
    store: &dyn Store,
    actor: &Actor,
    today: NaiveDate,
    cal: &dixian_domain::WorkCalendar,
) -> Result<Vec<HouseholdItem>, AppError> {
    let since = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let mut dates: std::collections::BTreeMap<HouseholdCode, Vec<NaiveDate>> =
        std::collections::BTreeMap::new();
    for (code, d) in store.visit_dates(actor, since).await? {
        dates.entry(code).or_default().push(d);
    }
    let packs = crate::policy::stored_set(store).await?;
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .households(
                actor,
                &dixian_store::HouseholdFilter {
                    household_type: Some(dixian_domain::registry::HouseholdType::PovertyAlleviated),
                    monitored: Some(false),
                    after_code: after.clone(),
                    limit: 500,
                    ..dixian_store::HouseholdFilter::default()
                },
            )
            .await?;
        let Some(last) = page.rows.last() else { break };
        after = Some(last.code.clone());
        for h in page.rows {
            let policy = crate::policy::resolve(&packs, &h.village, today)?;
            let visits = dates.get(&h.code).map_or(&[][..], Vec::as_slice);
            let periods = dixian_domain::monitoring::poverty_alleviated_periods(
                &policy.visits,
                visits,
                today,
            );
            // One line per household: its missed months together, then the month now open.
            let missed: Vec<_> = periods.iter().filter(|p| p.missed(today)).collect();
            let open = periods.iter().find(|p| p.open(today));
            let months = |list: &[&dixian_domain::monitoring::VisitPeriod]| {
                list.iter()
                    .map(|p| format!("{}月", p.from.month()))
                    .collect::<Vec<_>>()
                    .join("、")
            };
            let (task, due) = match (missed.last(), open) {
                (Some(last), Some(o)) => (
                    format!(
                        "脱贫户走访：漏访{}期（{}），本期{}月",
                        missed.len(),
                        months(&missed),
                        o.from.month()
                    ),
                    last.until,
                ),
                (Some(last), None) => (
                    format!("脱贫户走访：漏访{}期（{}）", missed.len(), months(&missed)),
                    last.until,
                ),
                (None, Some(o)) => (format!("脱贫户{}月走访", o.from.month()), o.until),
                (None, None) => continue,
            };
            out.push(HouseholdItem {
                code: h.code.clone(),
                head: h.head_name.clone(),
                task,
                due,
                overdue_working_days: overdue_working_days(cal, Some(due), today),
            });
        }
    }
    out.sort_by_key(|i| (std::cmp::Reverse(i.overdue_working_days), i.due));
    Ok(out)
}
