//! Funds and the project library (资金和项目库) as use cases: a proposal read from its form
//! with every problem beside its field, the pack's checks (project type, 负面清单, notice
//! length) before the store's; library steps; fund documents, their split to projects and
//! the money paid and returned; and the checks the county is audited on, each explained with
//! its numbers: the industry share, spending progress with the projects behind it, negative-
//! list uses, and overdue projects.

use crate::AppError;
use crate::fields::{date_field, money_field};
use crate::monitoring::date_or_today;
use crate::policy::{parse_date, resolve, stored_set};
use chrono::{Datelike, NaiveDate};
use dixian_domain::Policy;
use dixian_domain::access::{Actor, Scope};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::funds::{
    FundLevel, IndustryShare, LinkMechanism, Notice, PaymentKind, PerformanceTarget, ProjectAction,
    ProjectNature, ProjectStage, TargetKind, negative_use, percent_text, share_bp, target_problems,
};
use dixian_domain::money::Money;
use dixian_domain::monitoring::FieldProblem;
use dixian_domain::registry::HouseholdCode;
use dixian_store::Store;
use dixian_store::funds::{
    FundSummary, MAX_PROJECT_FILES, NewFund, NewPayment, NewProject, PlanLine, ProjectFilter,
    ProjectStep, ProjectSummary,
};

/// The proposal form as typed (村申报).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ProjectForm {
    /// Village (or town) code.
    pub division: String,
    pub name: String,
    pub type_code: String,
    pub nature: String,
    pub planned_year: String,
    pub start_on: String,
    pub end_on: String,
    pub unit: String,
    pub tasks: String,
    /// 总投资, yuan as typed (`80万`, `800000`).
    pub budget: String,
    pub sources: String,
    pub mechanism: String,
    pub output_name: String,
    pub output_value: String,
    pub benefit_name: String,
    pub benefit_value: String,
    pub satisfaction_name: String,
    pub satisfaction_value: String,
    /// Household codes, one per line or separated by commas or spaces.
    pub beneficiaries: String,
    /// How the listed households benefit.
    pub beneficiary_mechanism: String,
    pub notice_place: String,
    pub notice_from: String,
    pub notice_to: String,
    /// Empty: today.
    pub proposed_on: String,
}

/// The notice fields of a form, checked against the pack's least number of days.
fn notice_fields(
    problems: &mut Vec<FieldProblem>,
    place: &str,
    from: &str,
    to: &str,
    min_days: u32,
) -> Option<Notice> {
    let from = date_field(problems, "notice_from", from, "公示开始日期");
    let to = date_field(problems, "notice_to", to, "公示结束日期");
    if place.trim().is_empty() {
        problems.push(("notice_place", "请填写公示地点，例如“村务公开栏”".into()));
    }
    let notice = Notice {
        place: place.trim().to_string(),
        from: from?,
        to: to?,
    };
    match notice.check(min_days) {
        Ok(()) => Some(notice),
        Err(m) => {
            if !place.trim().is_empty() {
                problems.push(("notice_to", m));
            }
            None
        }
    }
}

/// The county a division lies in.
fn county_of(code: &DivisionCode) -> Option<DivisionCode> {
    code.ancestor_at(DivisionLevel::County)
}

/// The policy in force for `county` on `on`, with its fund rules (refused when no pack in
/// force has them).
async fn fund_policy(
    store: &dyn Store,
    county: &DivisionCode,
    on: NaiveDate,
) -> Result<(Policy, dixian_domain::funds::FundRules), AppError> {
    let set = stored_set(store).await?;
    let policy = resolve(&set, county, on)?;
    let rules = policy.funds.clone().ok_or_else(|| {
        AppError::Invalid(vec![format!(
            "{on}适用的政策包没有资金规则（[funds]），请先更新政策包"
        )])
    })?;
    Ok((policy, rules))
}

/// The negative-list use a project falls under, explained.
fn negative_message(policy: &Policy, name: &str, tasks: &str) -> Option<String> {
    negative_use(&policy.negative_uses, name, tasks).map(|(n, word)| {
        let source = policy
            .source_of(&format!("codes.negative_use.{}", n.code))
            .map(|(_, s)| format!("（{s}）"))
            .unwrap_or_default();
        format!(
            "项目名称或建设内容含“{word}”，属于负面清单“{}”，{}不得用于此类支出{source}",
            n.name, policy.naming.assistance_funds
        )
    })
}

/// Reads the household codes of the beneficiaries field.
fn beneficiaries(
    problems: &mut Vec<FieldProblem>,
    text: &str,
    mechanism: LinkMechanism,
) -> Vec<(HouseholdCode, LinkMechanism)> {
    let mut out = Vec::new();
    for word in
        text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
    {
        if word.is_empty() {
            continue;
        }
        match HouseholdCode::parse(word) {
            Ok(code) => out.push((code, mechanism)),
            Err(e) => problems.push(("beneficiaries", format!("受益户“{word}”：{e}"))),
        }
    }
    out
}

/// Records a proposal (村申报) from its form; gives the project's id.
pub async fn propose(
    store: &dyn Store,
    actor: &Actor,
    f: &ProjectForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let mut problems: Vec<FieldProblem> = Vec::new();
    let division = match DivisionCode::parse(f.division.trim()) {
        Ok(d) if d.level() >= DivisionLevel::Town => Some(d),
        Ok(d) => {
            problems.push(("division", format!("项目地点应为村或乡镇，{d}是县以上")));
            None
        }
        Err(_) if f.division.trim().is_empty() => {
            problems.push(("division", "请选择项目所在的村（跨村项目选乡镇）".into()));
            None
        }
        Err(e) => {
            problems.push(("division", format!("项目地点：{e}")));
            None
        }
    };
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        problems.push(("name", "请填写项目名称（不超过60字）".into()));
    }
    let nature = ProjectNature::parse(&f.nature);
    if nature.is_none() {
        problems.push(("nature", "请选择建设性质（新建、续建或改扩建）".into()));
    }
    let year = match f.planned_year.trim().parse::<i32>() {
        Ok(y) if (today.year() - 1..=today.year() + 3).contains(&y) => Some(y),
        _ => {
            problems.push((
                "planned_year",
                format!(
                    "计划年度应为{}到{}年之间（项目库三年滚动，可补录去年的项目）",
                    today.year() - 1,
                    today.year() + 3
                ),
            ));
            None
        }
    };
    let start_on = date_field(&mut problems, "start_on", &f.start_on, "计划开工日期");
    let end_on = date_field(&mut problems, "end_on", &f.end_on, "计划完工日期");
    if let (Some(s), Some(e)) = (start_on, end_on)
        && e < s
    {
        problems.push(("end_on", format!("计划完工日期{e}早于开工日期{s}")));
    }
    if f.unit.trim().is_empty() || f.unit.trim().chars().count() > 40 {
        problems.push(("unit", "请填写实施单位（不超过40字）".into()));
    }
    if f.tasks.trim().is_empty() || f.tasks.trim().chars().count() > 1000 {
        problems.push(("tasks", "请填写建设任务：内容和规模（不超过1000字）".into()));
    }
    let budget = money_field(&mut problems, "budget", &f.budget, "总投资");
    if f.mechanism.trim().is_empty() {
        problems.push((
            "mechanism",
            "请填写联农带农机制：项目怎样带动农户（务工、分红、租金、订单收购等）".into(),
        ));
    }
    let targets = vec![
        PerformanceTarget {
            kind: TargetKind::Output,
            name: f.output_name.trim().into(),
            value: f.output_value.trim().into(),
        },
        PerformanceTarget {
            kind: TargetKind::Benefit,
            name: f.benefit_name.trim().into(),
            value: f.benefit_value.trim().into(),
        },
        PerformanceTarget {
            kind: TargetKind::Satisfaction,
            name: f.satisfaction_name.trim().into(),
            value: f.satisfaction_value.trim().into(),
        },
    ];
    for (kind, message) in target_problems(&targets) {
        let field = match kind {
            TargetKind::Output => "output_name",
            TargetKind::Benefit => "benefit_name",
            TargetKind::Satisfaction => "satisfaction_name",
        };
        problems.push((field, message));
    }
    let mechanism = match f.beneficiary_mechanism.trim() {
        "" => LinkMechanism::Employment,
        t => LinkMechanism::parse(t).unwrap_or_else(|| {
            problems.push(("beneficiary_mechanism", format!("受益方式“{t}”无效")));
            LinkMechanism::Employment
        }),
    };
    let households = beneficiaries(&mut problems, &f.beneficiaries, mechanism);
    let proposed_on = match date_or_today(&f.proposed_on, today, "申报日期") {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(("proposed_on", e.to_string()));
            None
        }
    };
    // The pack of the proposal's date decides the type list, the negative list and the
    // notice length.
    let county = division.as_ref().and_then(county_of);
    let policy = match county {
        Some(c) => Some(fund_policy(store, &c, proposed_on.unwrap_or(today)).await?),
        None => None,
    };
    let mut notice = None;
    if let Some((policy, rules)) = &policy {
        if !policy
            .project_types
            .iter()
            .any(|t| t.code == f.type_code.trim())
        {
            problems.push(("type_code", "请选择项目类型".into()));
        }
        if let Some(m) = negative_message(policy, name, &f.tasks) {
            problems.push(("tasks", m));
        }
        notice = notice_fields(
            &mut problems,
            &f.notice_place,
            &f.notice_from,
            &f.notice_to,
            rules.notice_min_days,
        );
    }
    let (Some(division), Some(nature), Some(year), Some(start_on), Some(end_on), Some(budget)) =
        (division, nature, year, start_on, end_on, budget)
    else {
        return Err(AppError::Fields(problems));
    };
    let (Some(notice), Some(proposed_on), true) = (notice, proposed_on, problems.is_empty()) else {
        return Err(AppError::Fields(problems));
    };
    Ok(store
        .propose_project(
            actor,
            &NewProject {
                division,
                name: name.to_string(),
                type_code: f.type_code.trim().to_string(),
                nature,
                planned_year: year,
                start_on,
                end_on,
                unit: f.unit.clone(),
                tasks: f.tasks.clone(),
                budget,
                sources: f.sources.clone(),
                mechanism: f.mechanism.clone(),
                targets,
                beneficiaries: households,
                notice,
                proposed_on,
            },
        )
        .await?)
}

/// A step form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct StepForm {
    pub action: String,
    pub version: i64,
    /// Empty: today.
    pub on: String,
    pub note: String,
    pub document: String,
    pub notice_place: String,
    pub notice_from: String,
    pub notice_to: String,
}

/// Takes a step on project `id`, with the scans of its documents (`files`: name and bytes as
/// uploaded; each is checked by its bytes, a photo or a PDF).
pub async fn take_step(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    f: &StepForm,
    files: Vec<(String, Vec<u8>)>,
    today: NaiveDate,
) -> Result<(), AppError> {
    let mut problems: Vec<FieldProblem> = Vec::new();
    let mut checked = Vec::new();
    if files.len() > MAX_PROJECT_FILES {
        problems.push((
            "file",
            format!(
                "一次办理最多附{MAX_PROJECT_FILES}个文件，选了{}个",
                files.len()
            ),
        ));
    } else {
        for (name, bytes) in files {
            match crate::monitoring::attachment("other", &name, bytes).await {
                Ok(a) => checked.push(a),
                Err(AppError::Busy(m)) => return Err(AppError::Busy(m)),
                Err(e) => problems.push(("file", e.to_string())),
            }
        }
    }
    let Some(action) = ProjectAction::parse(&f.action) else {
        return Err(AppError::Fields(vec![(
            "action",
            format!("办理动作“{}”无效", f.action.trim()),
        )]));
    };
    let on = match date_or_today(&f.on, today, "办理日期") {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(("on", e.to_string()));
            None
        }
    };
    let project = store
        .project(actor, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("项目#{id}不存在或不在您的辖区")))?;
    let mut notice = None;
    if action.needs_notice() {
        let (_, rules) = fund_policy(store, &project.project.county, on.unwrap_or(today)).await?;
        notice = notice_fields(
            &mut problems,
            &f.notice_place,
            &f.notice_from,
            &f.notice_to,
            rules.notice_min_days,
        );
    }
    if action == ProjectAction::Return && f.note.trim().is_empty() {
        problems.push(("note", "退回须写明退回原因".into()));
    }
    if action == ProjectAction::Approve && f.note.trim().is_empty() {
        problems.push((
            "note",
            "县审定须填写部门联合审查意见，例如“经农业农村、财政、发展改革等部门联合审查，同意入库”"
                .into(),
        ));
    }
    if f.version <= 0 {
        problems.push((
            "version",
            "缺少项目版本号（version）：请从项目详情取得后再办理".into(),
        ));
    }
    let (Some(on), true) = (on, problems.is_empty()) else {
        return Err(AppError::Fields(problems));
    };
    Ok(store
        .advance_project(
            actor,
            id,
            f.version,
            &ProjectStep {
                action,
                on,
                note: f.note.clone(),
                document: f.document.clone(),
                notice,
                files: checked,
            },
        )
        .await?)
}

/// The fund-document form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct FundForm {
    pub doc_number: String,
    pub title: String,
    pub level: String,
    pub year: String,
    pub category: String,
    pub amount: String,
    /// `on` when ticked.
    pub direct: String,
    pub received_on: String,
}

pub use crate::areas::actor_county;

/// Records a fund document for the actor's county; gives its id.
pub async fn add_fund(
    store: &dyn Store,
    actor: &Actor,
    f: &FundForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let county = actor_county(actor)
        .ok_or_else(|| AppError::Invalid(vec!["资金由县级账号登记：请用县级管理员账号".into()]))?;
    let mut problems: Vec<FieldProblem> = Vec::new();
    if f.doc_number.trim().is_empty() {
        problems.push((
            "doc_number",
            "请填写资金文号，例如“渝财农〔2025〕12号”".into(),
        ));
    }
    if f.title.trim().is_empty() {
        problems.push(("title", "请填写文件标题".into()));
    }
    let level = FundLevel::parse(&f.level);
    if level.is_none() {
        problems.push(("level", "请选择资金级次（中央、省级、市级或县级）".into()));
    }
    let year = match f.year.trim().parse::<i32>() {
        Ok(y) if (2013..=today.year() + 1).contains(&y) => Some(y),
        _ => {
            problems.push((
                "year",
                format!("资金年度应为2013到{}年之间的年份", today.year() + 1),
            ));
            None
        }
    };
    let amount = money_field(&mut problems, "amount", &f.amount, "资金金额");
    let received_on = match date_or_today(&f.received_on, today, "收到日期") {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(("received_on", e.to_string()));
            None
        }
    };
    if let Some(on) = received_on {
        let (policy, _) = fund_policy(store, &county, on).await?;
        if !policy
            .fund_categories
            .iter()
            .any(|c| c.code == f.category.trim())
        {
            problems.push(("category", "请选择资金任务类别".into()));
        }
    }
    let (Some(level), Some(year), Some(amount), Some(received_on), true) =
        (level, year, amount, received_on, problems.is_empty())
    else {
        return Err(AppError::Fields(problems));
    };
    Ok(store
        .add_fund(
            actor,
            &NewFund {
                county,
                doc_number: f.doc_number.clone(),
                title: f.title.clone(),
                level,
                year,
                category: f.category.trim().to_string(),
                amount,
                direct: !f.direct.trim().is_empty(),
                received_on,
            },
        )
        .await?)
}

/// The split form (资金计划) as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct PlanForm {
    /// Project id.
    pub project: String,
    pub amount: String,
    pub on: String,
}

/// Splits part of fund `fund_id` to a library project, after the negative-list check of the
/// pack in force on the day.
pub async fn plan(
    store: &dyn Store,
    actor: &Actor,
    fund_id: i64,
    f: &PlanForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let mut problems: Vec<FieldProblem> = Vec::new();
    let project_id = match f.project.trim().trim_start_matches('#').parse::<i64>() {
        Ok(id) => Some(id),
        Err(_) => {
            problems.push(("project", "请选择项目库中的项目".into()));
            None
        }
    };
    let amount = money_field(&mut problems, "amount", &f.amount, "分配金额");
    let on = match date_or_today(&f.on, today, "分配日期") {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(("on", e.to_string()));
            None
        }
    };
    let (Some(project_id), Some(amount), Some(on), true) =
        (project_id, amount, on, problems.is_empty())
    else {
        return Err(AppError::Fields(problems));
    };
    let project = store.project(actor, project_id).await?.ok_or_else(|| {
        AppError::Fields(vec![(
            "project",
            format!("项目#{project_id}不存在或不在您的辖区"),
        )])
    })?;
    let (policy, _) = fund_policy(store, &project.project.county, on).await?;
    if let Some(m) = negative_message(&policy, &project.project.name, &project.tasks) {
        return Err(AppError::Fields(vec![(
            "project",
            format!("项目“{}”不能安排资金：{m}", project.project.name),
        )]));
    }
    Ok(store
        .plan_fund(actor, fund_id, project_id, amount, on)
        .await?)
}

/// The payment form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct PaymentForm {
    pub line: i64,
    pub kind: String,
    pub amount: String,
    pub on: String,
    pub voucher: String,
    pub note: String,
}

/// Records a payment or a return on a plan line.
pub async fn pay(
    store: &dyn Store,
    actor: &Actor,
    f: &PaymentForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let mut problems: Vec<FieldProblem> = Vec::new();
    let kind = PaymentKind::parse(&f.kind);
    if kind.is_none() {
        problems.push(("kind", "请选择拨付支出或收回".into()));
    }
    let amount = money_field(&mut problems, "amount", &f.amount, "金额");
    let on = match date_or_today(&f.on, today, "日期") {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(("on", e.to_string()));
            None
        }
    };
    if f.voucher.trim().is_empty() {
        problems.push(("voucher", "请填写凭证号".into()));
    }
    if kind == Some(PaymentKind::Return) && f.note.trim().is_empty() {
        problems.push(("note", "收回资金须写明原因".into()));
    }
    let (Some(kind), Some(amount), Some(on), true) = (kind, amount, on, problems.is_empty()) else {
        return Err(AppError::Fields(problems));
    };
    Ok(store
        .record_payment(
            actor,
            &NewPayment {
                line_id: f.line,
                kind,
                amount,
                on,
                voucher: f.voucher.clone(),
                note: f.note.clone(),
            },
        )
        .await?)
}

/// Spending progress of a year's funds against the pack's milestone in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub amount: Money,
    pub spent: Money,
    pub spent_bp: i64,
    pub required_percent: u32,
    /// Lines spent below the required share, most behind first.
    pub behind: Vec<PlanLine>,
}

impl Progress {
    pub fn met(&self) -> bool {
        self.spent_bp >= i64::from(self.required_percent) * 100
    }

    pub fn explain(&self) -> String {
        format!(
            "资金共{}元，已支出{}元，支出进度{}；按政策包进度要求，到今天应不低于{}%{}",
            self.amount.grouped(),
            self.spent.grouped(),
            percent_text(self.spent_bp),
            self.required_percent,
            if self.met() {
                "，已达标"
            } else {
                "，进度滞后"
            }
        )
    }
}

/// A plan line whose project falls under the negative list, with the explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegativeFinding {
    pub line: PlanLine,
    pub message: String,
}

/// A project past the pack's start-by day not started, or past its year not finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overdue {
    pub project: ProjectSummary,
    pub reason: String,
}

/// The county's funds of one year with every audited check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundReport {
    pub year: i32,
    pub county: Option<DivisionCode>,
    /// What the pack calls the funds this year (衔接资金 / 常态化帮扶资金).
    pub funds_name: String,
    pub funds: Vec<FundSummary>,
    pub total: Money,
    pub planned: Money,
    pub spent: Money,
    pub industry: Option<IndustryShare>,
    pub progress: Option<Progress>,
    pub negatives: Vec<NegativeFinding>,
    pub overdue: Vec<Overdue>,
    /// 以工代赈 projects with their labour pay against the pack.
    pub work_relief: Vec<WorkRelief>,
    /// Why some check could not be made (no pack in force names its numbers).
    pub missing: Vec<String>,
}

/// The funds of `year` the actor sees, checked as of `today`.
pub async fn report(
    store: &dyn Store,
    actor: &Actor,
    year: i32,
    today: NaiveDate,
) -> Result<FundReport, AppError> {
    let funds = store.funds(actor, Some(year)).await?;
    let lines = store.plan_lines(actor, year).await?;
    let sum = |it: &mut dyn Iterator<Item = Money>| {
        Money::sum(it).map_err(|e| AppError::Invalid(vec![e.to_string()]))
    };
    let total = sum(&mut funds.iter().map(|f| f.amount))?;
    let planned = sum(&mut funds.iter().map(|f| f.planned))?;
    let spent = sum(&mut funds.iter().map(|f| f.spent))?;
    let county = actor_county(actor).or_else(|| funds.first().map(|f| f.county));
    let mut out = FundReport {
        year,
        county,
        funds_name: "资金".into(),
        funds,
        total,
        planned,
        spent,
        industry: None,
        progress: None,
        negatives: Vec::new(),
        overdue: Vec::new(),
        work_relief: Vec::new(),
        missing: Vec::new(),
    };
    let Some(county) = county else {
        return Ok(out);
    };
    // The pack of the year's end (or of today, within the year) judges the year.
    let on = today.min(NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today));
    let set = stored_set(store).await?;
    let policy = resolve(&set, &county, on)?;
    out.funds_name = policy.naming.assistance_funds.clone();
    let Some(rules) = policy.funds.clone() else {
        out.missing.push(format!(
            "{on}适用的政策包没有资金规则（[funds]），产业发展占比和支出进度无法核对"
        ));
        return Ok(out);
    };
    let industry_types: Vec<&str> = policy
        .project_types
        .iter()
        .filter(|t| t.industry)
        .map(|t| t.code.as_str())
        .collect();
    let industry = sum(&mut lines
        .iter()
        .filter(|l| industry_types.contains(&l.type_code.as_str()))
        .map(|l| l.amount))?;
    // The share is of the county's whole plan: a town or village sees only its own lines, so
    // the check is made for those who see the whole county.
    let whole_county = match &actor.scope {
        Scope::Everything => true,
        Scope::Within(root) => county.is_within(root),
    };
    if !whole_county {
        out.missing
            .push("产业发展资金占比按全县核对，由县级查看".into());
    }
    if total > Money::ZERO && whole_county {
        out.industry = Some(IndustryShare::of(
            year,
            total,
            industry,
            rules.industry_share_min_percent,
        ));
    }
    if total > Money::ZERO {
        let required = rules.required_spent_percent(year, today);
        let mut behind: Vec<PlanLine> = lines
            .iter()
            .filter(|l| share_bp(l.spent, l.amount) < i64::from(required) * 100)
            .cloned()
            .collect();
        behind.sort_by_key(|l| share_bp(l.spent, l.amount));
        out.progress = Some(Progress {
            amount: total,
            spent,
            spent_bp: share_bp(spent, total),
            required_percent: required,
            behind,
        });
    }
    for l in &lines {
        if let Some(message) = negative_message(&policy, &l.project_name, &l.tasks) {
            out.negatives.push(NegativeFinding {
                line: l.clone(),
                message,
            });
        }
    }
    out.overdue = overdue(store, actor, &rules, year, today).await?;
    out.work_relief =
        work_relief(store, actor, &lines, rules.work_relief_labour_min_percent).await?;
    Ok(out)
}

/// A project funded from 以工代赈 documents, with the wages paid to its workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkRelief {
    pub project_id: i64,
    pub project_name: String,
    pub division_name: String,
    /// Its 以工代赈 funds (lines from documents of that category).
    pub funds: Money,
    pub wages: Money,
    pub workers: usize,
    /// Workers found in the registry.
    pub registered: usize,
    pub share_bp: i64,
    pub required_percent: u32,
}

impl WorkRelief {
    pub fn met(&self) -> bool {
        self.share_bp >= i64::from(self.required_percent) * 100
    }

    pub fn explain(&self) -> String {
        format!(
            "以工代赈资金{}元，已发放劳务报酬{}元（{}人，其中登记在册{}人），占{}；政策包要求不低于{}%{}",
            self.funds.grouped(),
            self.wages.grouped(),
            self.workers,
            self.registered,
            percent_text(self.share_bp),
            self.required_percent,
            if self.met() {
                "，已达标"
            } else {
                "，未达标"
            }
        )
    }
}

/// The 以工代赈 projects among `lines`, each with its wages.
async fn work_relief(
    store: &dyn Store,
    actor: &Actor,
    lines: &[PlanLine],
    required_percent: u32,
) -> Result<Vec<WorkRelief>, AppError> {
    let mut out: Vec<WorkRelief> = Vec::new();
    for l in lines.iter().filter(|l| l.fund_category == WORK_RELIEF) {
        match out.iter_mut().find(|w| w.project_id == l.project_id) {
            Some(w) => w.funds = w.funds.checked_add(l.amount).unwrap_or(w.funds),
            None => out.push(WorkRelief {
                project_id: l.project_id,
                project_name: l.project_name.clone(),
                division_name: l.division_name.clone(),
                funds: l.amount,
                wages: Money::ZERO,
                workers: 0,
                registered: 0,
                share_bp: 0,
                required_percent,
            }),
        }
    }
    if !out.is_empty() {
        let totals = store.wage_totals(actor).await?;
        for w in &mut out {
            if let Some((_, paid, workers, registered)) =
                totals.iter().find(|t| t.0 == w.project_id)
            {
                w.wages = *paid;
                w.workers = usize::try_from(*workers).unwrap_or(0);
                w.registered = usize::try_from(*registered).unwrap_or(0);
            }
            w.share_bp = share_bp(w.wages, w.funds);
        }
    }
    Ok(out)
}

/// The fund category of 以工代赈 documents (the pack's `codes.fund_category`).
pub const WORK_RELIEF: &str = "work_relief";

/// The wage form as typed: one worker per line, `姓名 [身份证号] 月份 金额 [发放日期]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct WageForm {
    pub lines: String,
}

/// Records the wages of project `id`; gives how many workers were found in the registry.
pub async fn add_wages(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    f: &WageForm,
    today: NaiveDate,
) -> Result<usize, AppError> {
    let mut problems: Vec<String> = Vec::new();
    let mut wages = Vec::new();
    for (n, raw) in f.lines.lines().enumerate() {
        let words: Vec<&str> = raw.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        let n = n + 1;
        let mut rest = &words[1..];
        let id_number = match rest.first() {
            Some(w) if w.len() == 18 && !w.contains('-') => {
                rest = &rest[1..];
                match dixian_domain::id_number::IdNumber::parse(w, today) {
                    Ok(i) => Some(i),
                    Err(e) => {
                        problems.push(format!("第{n}行身份证号：{e}"));
                        continue;
                    }
                }
            }
            _ => None,
        };
        let (Some(month), Some(amount)) = (rest.first(), rest.get(1)) else {
            problems.push(format!(
                "第{n}行应写成“姓名 身份证号 月份 金额”，如“张三 500299199001011234 2026-05 3000”"
            ));
            continue;
        };
        let month = match dixian_domain::problems::Month::parse(month) {
            Ok(m) => m,
            Err(e) => {
                problems.push(format!("第{n}行务工月份：{e}"));
                continue;
            }
        };
        let amount = match Money::parse(amount) {
            Ok(m) if m > Money::ZERO => m,
            _ => {
                problems.push(format!("第{n}行金额“{amount}”无效"));
                continue;
            }
        };
        let paid_on = match rest.get(2) {
            Some(d) => match parse_date(d) {
                Ok(d) if d <= today => d,
                Ok(d) => {
                    problems.push(format!("第{n}行发放日期{d}晚于今天"));
                    continue;
                }
                Err(e) => {
                    problems.push(format!("第{n}行发放日期：{e}"));
                    continue;
                }
            },
            None => today,
        };
        wages.push(dixian_store::funds::NewWage {
            name: words[0].to_string(),
            id_number,
            month: month.to_string(),
            amount,
            paid_on,
        });
    }
    if wages.is_empty() && problems.is_empty() {
        problems.push("请至少填写一行：姓名 身份证号 月份 金额".into());
    }
    if !problems.is_empty() {
        return Err(AppError::Fields(
            problems.into_iter().map(|m| ("lines", m)).collect(),
        ));
    }
    Ok(store.add_wages(actor, id, &wages).await?)
}

/// Library projects of plan year `year` not started by the pack's day, or not finished by
/// the year's end, as of `today`.
async fn overdue(
    store: &dyn Store,
    actor: &Actor,
    rules: &dixian_domain::funds::FundRules,
    year: i32,
    today: NaiveDate,
) -> Result<Vec<Overdue>, AppError> {
    // Only library projects not yet finished can be late.
    let projects = store
        .projects(
            actor,
            &ProjectFilter {
                planned_year: Some(year),
                stages: ProjectStage::ALL
                    .iter()
                    .copied()
                    .filter(|s| s.in_library() && !s.completed())
                    .collect(),
                ..ProjectFilter::default()
            },
        )
        .await?;
    let start_by = rules.start_deadline(year);
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    let mut out = Vec::new();
    for p in projects {
        if !p.stage.in_library() {
            continue;
        }
        let reason = if !p.stage.started() && today > start_by {
            format!(
                "计划年度{year}年，应于{start_by}前开工，目前{}",
                p.stage.label()
            )
        } else if !p.stage.completed() && today > year_end {
            format!(
                "计划年度{year}年，应于{year_end}前完工，目前{}",
                p.stage.label()
            )
        } else {
            continue;
        };
        out.push(Overdue { project: p, reason });
    }
    Ok(out)
}

/// Names of the pack's code tables in force for `county` on `on`, for forms and lists:
/// `(project types, fund categories)` as `(code, name)`.
pub async fn code_names(
    store: &dyn Store,
    county: Option<&DivisionCode>,
    on: NaiveDate,
) -> Result<(Vec<(String, String)>, Vec<(String, String)>), AppError> {
    let Some(county) = county else {
        return Ok((Vec::new(), Vec::new()));
    };
    let set = stored_set(store).await?;
    let policy = resolve(&set, county, on)?;
    Ok((
        policy
            .project_types
            .iter()
            .map(|t| (t.code.clone(), t.name.clone()))
            .collect(),
        policy
            .fund_categories
            .iter()
            .map(|c| (c.code.clone(), c.name.clone()))
            .collect(),
    ))
}

/// The name of a code of a pack table, or the code itself.
fn name_of<'a>(table: &'a [(String, String)], code: &'a str) -> &'a str {
    table
        .iter()
        .find(|(c, _)| c == code)
        .map_or(code, |(_, n)| n.as_str())
}

/// The funds ledgers of `year` as XLSX sheets (资金分配与支出台账, 项目库及年度计划, 项目实施
/// 进度): for those who export ledgers; audited.
pub async fn ledger(
    store: &dyn Store,
    actor: &Actor,
    year: i32,
    today: NaiveDate,
) -> Result<Vec<crate::workbook::Table>, AppError> {
    use crate::workbook::{Cell, Table};
    crate::accounts::require(
        store,
        actor,
        dixian_domain::access::Permission::ExportLedger,
        "资金台账导出",
    )
    .await?;
    let r = report(store, actor, year, today).await?;
    let (types, categories) = code_names(store, r.county.as_ref(), today).await?;
    let whose = match &r.county {
        Some(c) => store
            .division(c)
            .await?
            .map_or_else(|| c.to_string(), |d| d.name),
        None => "全部".into(),
    };
    let subtitle = format!("填报单位：{whose}　年度：{year}　截至：{today}");
    let funds = Table {
        sheet: "资金文件".into(),
        title: format!("{whose}{year}年{}分配与支出台账", r.funds_name),
        subtitle: subtitle.clone(),
        columns: vec![
            ("文号", 22),
            ("文件标题", 40),
            ("级次", 8),
            ("任务类别", 20),
            ("直达资金", 8),
            ("收到日期", 12),
            ("金额（元）", 16),
            ("已分配（元）", 16),
            ("已支出（元）", 16),
            ("支出进度", 10),
        ],
        rows: r
            .funds
            .iter()
            .map(|f| {
                vec![
                    Cell::text(&f.doc_number),
                    Cell::text(&f.title),
                    Cell::text(f.level.label()),
                    Cell::text(name_of(&categories, &f.category)),
                    Cell::text(if f.direct { "是" } else { "否" }),
                    Cell::Date(f.received_on),
                    Cell::Fen(f.amount.fen()),
                    Cell::Fen(f.planned.fen()),
                    Cell::Fen(f.spent.fen()),
                    Cell::Permille(share_bp(f.spent, f.amount) / 10),
                ]
            })
            .collect(),
        total: Some(vec![
            Cell::text("合计"),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Fen(r.total.fen()),
            Cell::Fen(r.planned.fen()),
            Cell::Fen(r.spent.fen()),
            Cell::Permille(share_bp(r.spent, r.total) / 10),
        ]),
    };
    let lines = store.plan_lines(actor, year).await?;
    let split = Table {
        sheet: "资金分配与支出".into(),
        title: format!("{whose}{year}年{}分配到项目及支出明细", r.funds_name),
        subtitle: subtitle.clone(),
        columns: vec![
            ("文号", 22),
            ("项目编号", 10),
            ("项目名称", 36),
            ("项目类型", 14),
            ("实施地点", 14),
            ("项目状态", 14),
            ("分配日期", 12),
            ("分配金额（元）", 16),
            ("已支出（元）", 16),
            ("支出凭证", 30),
        ],
        rows: lines
            .iter()
            .map(|l| {
                vec![
                    Cell::text(&l.doc_number),
                    Cell::text(format!("#{}", l.project_id)),
                    Cell::text(&l.project_name),
                    Cell::text(name_of(&types, &l.type_code)),
                    Cell::text(&l.division_name),
                    Cell::text(l.stage.label()),
                    Cell::Date(l.planned_on),
                    Cell::Fen(l.amount.fen()),
                    Cell::Fen(l.spent.fen()),
                    Cell::text(
                        l.payments
                            .iter()
                            .map(|p| {
                                format!("{} {} {}元 {}", p.on, p.kind.label(), p.amount, p.voucher)
                            })
                            .collect::<Vec<_>>()
                            .join("；"),
                    ),
                ]
            })
            .collect(),
        total: None,
    };
    let projects = store
        .projects(
            actor,
            &ProjectFilter {
                planned_year: Some(year),
                ..ProjectFilter::default()
            },
        )
        .await?;
    let library = Table {
        sheet: "项目库及年度计划".into(),
        title: format!("{whose}{year}年度巩固衔接项目库及实施计划"),
        subtitle: subtitle.clone(),
        columns: vec![
            ("项目编号", 10),
            ("项目名称", 36),
            ("项目类型", 14),
            ("建设性质", 8),
            ("实施地点", 14),
            ("实施单位", 20),
            ("计划开工", 12),
            ("计划完工", 12),
            ("总投资（元）", 16),
            ("已安排资金（元）", 16),
            ("已支出（元）", 16),
            ("受益户数", 10),
            ("项目状态", 14),
        ],
        rows: projects
            .iter()
            .map(|p| {
                vec![
                    Cell::text(format!("#{}", p.id)),
                    Cell::text(&p.name),
                    Cell::text(name_of(&types, &p.type_code)),
                    Cell::text(p.nature.label()),
                    Cell::text(&p.division_name),
                    Cell::text(&p.unit),
                    Cell::Date(p.start_on),
                    Cell::Date(p.end_on),
                    Cell::Fen(p.budget.fen()),
                    Cell::Fen(p.planned.fen()),
                    Cell::Fen(p.spent.fen()),
                    Cell::Count(p.beneficiaries),
                    Cell::text(p.stage.label()),
                ]
            })
            .collect(),
        total: None,
    };
    let overdue = Table {
        sheet: "实施进度滞后".into(),
        title: format!("{whose}{year}年度项目实施进度滞后清单"),
        subtitle,
        columns: vec![
            ("项目编号", 10),
            ("项目名称", 36),
            ("实施地点", 14),
            ("项目状态", 14),
            ("滞后情况", 50),
        ],
        rows: r
            .overdue
            .iter()
            .map(|o| {
                vec![
                    Cell::text(format!("#{}", o.project.id)),
                    Cell::text(&o.project.name),
                    Cell::text(&o.project.division_name),
                    Cell::text(o.project.stage.label()),
                    Cell::text(&o.reason),
                ]
            })
            .collect(),
        total: None,
    };
    let relief = Table {
        sheet: "以工代赈劳务报酬".into(),
        title: format!("{whose}{year}年以工代赈项目劳务报酬发放情况"),
        subtitle: format!("填报单位：{whose}　年度：{year}　截至：{today}"),
        columns: vec![
            ("项目编号", 10),
            ("项目名称", 36),
            ("实施地点", 14),
            ("以工代赈资金（元）", 18),
            ("劳务报酬（元）", 16),
            ("务工人数", 10),
            ("其中登记在册", 12),
            ("报酬占比", 10),
            ("要求不低于", 10),
            ("是否达标", 10),
        ],
        rows: r
            .work_relief
            .iter()
            .map(|w| {
                vec![
                    Cell::text(format!("#{}", w.project_id)),
                    Cell::text(&w.project_name),
                    Cell::text(&w.division_name),
                    Cell::Fen(w.funds.fen()),
                    Cell::Fen(w.wages.fen()),
                    Cell::Count(i64::try_from(w.workers).unwrap_or(0)),
                    Cell::Count(i64::try_from(w.registered).unwrap_or(0)),
                    Cell::Permille(w.share_bp / 10),
                    Cell::Permille(i64::from(w.required_percent) * 10),
                    Cell::text(if w.met() { "是" } else { "否" }),
                ]
            })
            .collect(),
        total: None,
    };
    let detail = serde_json::json!({
        "year": year, "funds": r.funds.len(), "lines": lines.len(), "projects": projects.len(),
    })
    .to_string();
    store
        .audit(actor, "fund.export", "资金台账", &detail)
        .await?;
    Ok(vec![funds, split, library, overdue, relief])
}

/// The funds, projects and assets of an area for the dashboard: the year's money (of the
/// area's county), the area's projects by stage and overdue, its assets by class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaFigures {
    pub year: i32,
    pub funds_name: String,
    pub received: Money,
    pub spent: Money,
    pub spent_bp: i64,
    /// (met, explanation) of the industry share.
    pub industry: Option<(bool, String)>,
    /// Stages with their project counts in the area (only stages with projects).
    pub stages: Vec<(ProjectStage, usize)>,
    pub overdue: usize,
    pub assets: crate::assets::AssetReport,
}

/// The dashboard's funds section for `area` as of `today`, counted in the database: the
/// year's documents, the industry share (for those who see the whole county), the area's
/// projects by stage and the late ones, its assets.
pub async fn area_figures(
    store: &dyn Store,
    actor: &Actor,
    area: &DivisionCode,
    today: NaiveDate,
) -> Result<AreaFigures, AppError> {
    let year = today.year();
    let funds = store.funds(actor, Some(year)).await?;
    let sum = |it: &mut dyn Iterator<Item = Money>| {
        Money::sum(it).map_err(|e| AppError::Invalid(vec![e.to_string()]))
    };
    let received = sum(&mut funds.iter().map(|f| f.amount))?;
    let spent = sum(&mut funds.iter().map(|f| f.spent))?;
    let county = area
        .ancestor_at(DivisionLevel::County)
        .or_else(|| actor_county(actor))
        .or_else(|| funds.first().map(|f| f.county));
    let policy = match county {
        Some(c) => {
            let set = stored_set(store).await?;
            let on = today.min(NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today));
            Some(resolve(&set, &c, on)?)
        }
        None => None,
    };
    let rules = policy.as_ref().and_then(|p| p.funds.clone());
    let whole_county = county.is_some_and(|c| match &actor.scope {
        Scope::Everything => true,
        Scope::Within(root) => c.is_within(root),
    });
    let industry = match (&policy, &rules) {
        (Some(policy), Some(rules)) if whole_county && received > Money::ZERO => {
            let by_type = store.planned_by_type(actor, year).await?;
            let part = sum(&mut by_type
                .iter()
                .filter(|(t, _)| {
                    policy
                        .project_types
                        .iter()
                        .any(|p| p.industry && p.code == *t)
                })
                .map(|(_, m)| *m))?;
            let share = IndustryShare::of(year, received, part, rules.industry_share_min_percent);
            Some((share.met(), share.explain()))
        }
        _ => None,
    };
    let stages = store
        .project_stage_counts(actor, Some(area), None)
        .await?
        .into_iter()
        .filter_map(|(s, n)| usize::try_from(n).ok().filter(|n| *n > 0).map(|n| (s, n)))
        .collect::<Vec<_>>();
    let mut stages = stages;
    stages.sort_by_key(|(s, _)| ProjectStage::ALL.iter().position(|x| x == s));
    // Late: of this year's plan, not started past the start-by day, not finished past the
    // year's end (the same rule as the list of late projects).
    let overdue = match &rules {
        Some(rules) => {
            let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
            store
                .project_stage_counts(actor, Some(area), Some(year))
                .await?
                .into_iter()
                .filter(|(s, _)| {
                    s.in_library()
                        && ((!s.started() && today > rules.start_deadline(year))
                            || (!s.completed() && today > year_end))
                })
                .map(|(_, n)| usize::try_from(n).unwrap_or(0))
                .sum()
        }
        None => 0,
    };
    let assets = crate::assets::report(store, actor, Some(*area), today).await?;
    Ok(AreaFigures {
        year,
        funds_name: policy
            .as_ref()
            .map_or_else(|| "资金".to_string(), |p| p.naming.assistance_funds.clone()),
        received,
        spent,
        spent_bp: share_bp(spent, received),
        industry,
        stages,
        overdue,
        assets,
    })
}

/// The columns of the project-list template (项目清单导入模板); `true`: required.
pub const PROJECT_COLUMNS: [(&str, bool); 20] = [
    ("项目名称", true),
    ("项目地点", true),
    ("项目类型", true),
    ("建设性质", true),
    ("计划年度", true),
    ("计划开工", true),
    ("计划完工", true),
    ("实施单位", true),
    ("建设任务", true),
    ("总投资（元）", true),
    ("资金来源", false),
    ("联农带农机制", true),
    ("产出指标", true),
    ("产出目标值", true),
    ("效益指标", true),
    ("效益目标值", true),
    ("满意度指标", true),
    ("满意度目标值", true),
    ("入库日期", true),
    ("项目状态", false),
];

/// Most projects one file may hold.
pub const MAX_IMPORT_ROWS: usize = 20_000;

/// The project-list template as CSV or XLSX, with its instructions.
pub fn project_template(kind: crate::sheet::FileKind) -> Result<Vec<u8>, AppError> {
    let notes: Vec<crate::sheet::ColumnNote> = PROJECT_COLUMNS
        .iter()
        .map(|(name, required)| crate::sheet::ColumnNote {
            name,
            required: *required,
            note: match *name {
                "项目地点" => "村或乡镇的12位区划代码，或名称（重名时写“镇名村名”）".into(),
                "项目类型" => "政策包的项目类型，如 产业发展、乡村建设行动".into(),
                "建设性质" => "新建、续建或改扩建".into(),
                "计划开工" | "计划完工" | "入库日期" => "日期，如 2026-03-01".into(),
                "总投资（元）" => "金额，可写“80万”".into(),
                "项目状态" => {
                    "已入库（默认）、已立项、已招投标、已开工、已完工、已验收、已报账".into()
                }
                _ => String::new(),
            },
        })
        .collect();
    crate::sheet::template_book(
        kind,
        "项目清单",
        "巩固衔接项目清单导入说明",
        &notes,
        &[(0, 30.0), (8, 40.0), (11, 30.0)],
        &[
            "每行一个已入库的项目；三类绩效目标各至少一项，没有绩效目标的项目不能入库。",
            "整个文件有任何一处问题都不会写入，改正后重新上传即可。",
        ],
    )
    .map_err(|e| AppError::Invalid(vec![format!("无法生成模板：{e}")]))
}

/// Divisions of the actor's county by code and by name (“村名” when unique, “镇名村名”).
async fn places(store: &dyn Store, actor: &Actor) -> Result<Vec<(String, DivisionCode)>, AppError> {
    let Some(county) = actor_county(actor) else {
        return Err(AppError::Invalid(vec!["导入由县级账号办理".into()]));
    };
    let all = store.divisions_within(&county).await?;
    let mut out = Vec::new();
    for d in &all {
        match d.code.level() {
            DivisionLevel::Town => out.push((d.name.clone(), d.code)),
            DivisionLevel::Village => {
                out.push((d.name.clone(), d.code));
                if let Some(town) = all
                    .iter()
                    .find(|t| Some(t.code) == d.code.ancestor_at(DivisionLevel::Town))
                {
                    out.push((format!("{}{}", town.name, d.name), d.code));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Imports a project list (项目清单) of projects already in the library, all or none; every
/// problem named by its row and column. Gives how many were imported.
pub async fn import_projects(
    store: &dyn Store,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    today: NaiveDate,
) -> Result<usize, AppError> {
    use crate::sheet::{Problem, table};
    let (_work, rows) =
        table::open_list(actor, file_name, bytes, &PROJECT_COLUMNS, MAX_IMPORT_ROWS)?;
    let places = places(store, actor).await?;
    let county =
        actor_county(actor).ok_or_else(|| AppError::Invalid(vec!["导入由县级账号办理".into()]))?;
    let set = stored_set(store).await?;
    let mut problems: Vec<Problem> = Vec::new();
    let mut projects = Vec::new();
    let mut row_of = Vec::new();
    for r in &rows {
        let bad = |problems: &mut Vec<Problem>, c: usize, message: String| {
            problems.push(r.problem(&PROJECT_COLUMNS, c, message));
        };
        let missing = r.missing(&PROJECT_COLUMNS);
        if !missing.is_empty() {
            problems.extend(missing);
            continue;
        }
        let place = r.get(1);
        let division = match DivisionCode::parse(place) {
            Ok(d) if r.numbers.contains(&1) => {
                bad(
                    &mut problems,
                    1,
                    format!("区划代码{d}被Excel存成了数字，请把这一列设为文本后重新填写"),
                );
                None
            }
            Ok(d) if places.iter().any(|(_, c)| *c == d) => Some(d),
            Ok(d) => {
                bad(&mut problems, 1, format!("区划代码{d}不是本县的村或乡镇"));
                None
            }
            Err(_) => {
                let found: Vec<DivisionCode> = places
                    .iter()
                    .filter(|(n, _)| n == place)
                    .map(|(_, c)| *c)
                    .collect();
                match found.as_slice() {
                    [one] => Some(*one),
                    [] => {
                        bad(&mut problems, 1, format!("本县没有叫“{place}”的村或乡镇"));
                        None
                    }
                    _ => {
                        bad(
                            &mut problems,
                            1,
                            format!(
                                "本县有{}个“{place}”，请写成“镇名村名”或区划代码",
                                found.len()
                            ),
                        );
                        None
                    }
                }
            }
        };
        let entered_on = match parse_date(r.get(18)) {
            Ok(d) if d <= today => Some(d),
            Ok(d) => {
                bad(&mut problems, 18, format!("入库日期{d}晚于今天"));
                None
            }
            Err(e) => {
                bad(&mut problems, 18, e.to_string());
                None
            }
        };
        let date = |c: usize, problems: &mut Vec<Problem>| match parse_date(r.get(c)) {
            Ok(d) => Some(d),
            Err(e) => {
                bad(problems, c, e.to_string());
                None
            }
        };
        let start_on = date(5, &mut problems);
        let end_on = date(6, &mut problems);
        if let (Some(s), Some(e)) = (start_on, end_on)
            && e < s
        {
            bad(&mut problems, 6, format!("计划完工{e}早于计划开工{s}"));
        }
        let nature = ProjectNature::parse(r.get(3));
        if nature.is_none() {
            bad(
                &mut problems,
                3,
                format!("“{}”无效，应为新建、续建或改扩建", r.get(3)),
            );
        }
        let year = r
            .get(4)
            .trim_end_matches('年')
            .parse::<i32>()
            .ok()
            .filter(|y| (2013..=today.year() + 3).contains(y));
        if year.is_none() {
            bad(
                &mut problems,
                4,
                format!("“{}”不是2013到{}之间的年份", r.get(4), today.year() + 3),
            );
        }
        let budget = match Money::parse(r.get(9)) {
            Ok(m) if m > Money::ZERO => Some(m),
            Ok(_) => {
                bad(&mut problems, 9, "总投资必须大于0".into());
                None
            }
            Err(e) => {
                bad(&mut problems, 9, e.to_string());
                None
            }
        };
        let stage = match r.get(19) {
            "" => Some(ProjectStage::Library),
            t => {
                let s = ProjectStage::parse(t).filter(|s| s.in_library());
                if s.is_none() {
                    bad(
                        &mut problems,
                        19,
                        format!(
                            "“{t}”无效，应为已入库、已立项、已招投标、已开工、已完工、已验收或已报账"
                        ),
                    );
                }
                s
            }
        };
        // The county's pack of the day the project entered the library.
        let policy = resolve(&set, &county, entered_on.unwrap_or(today))?;
        let type_code = policy
            .project_types
            .iter()
            .find(|t| t.name == r.get(2) || t.code == r.get(2))
            .map(|t| t.code.clone());
        if type_code.is_none() {
            let names: Vec<&str> = policy
                .project_types
                .iter()
                .map(|t| t.name.as_str())
                .collect();
            bad(
                &mut problems,
                2,
                format!("“{}”不是项目类型，可选：{}", r.get(2), names.join("、")),
            );
        }
        if let Some(m) = negative_message(&policy, r.get(0), r.get(8)) {
            bad(&mut problems, 8, m);
        }
        let (
            Some(division),
            Some(entered_on),
            Some(type_code),
            Some(nature),
            Some(year),
            Some(start_on),
            Some(end_on),
            Some(budget),
            Some(stage),
        ) = (
            division, entered_on, type_code, nature, year, start_on, end_on, budget, stage,
        )
        else {
            continue;
        };
        let target = |kind, n: usize| PerformanceTarget {
            kind,
            name: r.get(n).to_string(),
            value: r.get(n + 1).to_string(),
        };
        projects.push((
            NewProject {
                division,
                name: r.get(0).to_string(),
                type_code,
                nature,
                planned_year: year,
                start_on,
                end_on,
                unit: r.get(7).to_string(),
                tasks: r.get(8).to_string(),
                budget,
                sources: r.get(10).to_string(),
                mechanism: r.get(11).to_string(),
                targets: vec![
                    target(TargetKind::Output, 12),
                    target(TargetKind::Benefit, 14),
                    target(TargetKind::Satisfaction, 16),
                ],
                beneficiaries: Vec::new(),
                notice: Notice {
                    place: String::new(),
                    from: entered_on,
                    to: entered_on,
                },
                proposed_on: entered_on,
            },
            stage,
        ));
        row_of.push(r.number);
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.row);
        return Err(table::refused(file_name, &problems));
    }
    match store.import_projects(actor, &projects).await {
        Ok(ids) => Ok(ids.len()),
        Err(dixian_store::StoreError::Invalid(m)) => Err(AppError::Invalid(vec![table::at_row(
            &m,
            "个项目",
            &row_of,
            file_name,
        )])),
        Err(e) => Err(e.into()),
    }
}
