//! The 三保障 and drinking-water problem ledger (问题台账, 动态清零) as use cases: registering
//! a problem with the pack's default department and deadline, reporting its fix with
//! evidence, striking it off (销号) or sending it back; the ledger of an area read once and
//! cut into lists ([`ProblemFilter`]), the month's clearing by division (月清零) and the
//! dispatch list by department (月调度). Every count shown links to a filter whose list has
//! exactly that many problems.

use crate::AppError;
use crate::drafts::FormRefusal;
use crate::monitoring::{attachment, date_or_today};
use crate::policy::{parse_date, resolve, stored_set};
use chrono::NaiveDate;
use dixian_domain::access::{Actor, Permission};
use dixian_domain::assurance::Indicator;
use dixian_domain::calendar::WorkCalendar;
use dixian_domain::division::{Division, DivisionCode};
use dixian_domain::problems::{
    Month, ProblemAction, ProblemRules, ProblemSource, ProblemState, problem_kind,
};
use dixian_domain::registry::HouseholdCode;
use dixian_domain::villages::HeldDesignations;
use dixian_store::Store;
use dixian_store::problems::{NewProblem, ProblemRecord, ProblemStep};
use std::collections::BTreeMap;

fn invalid(message: impl Into<String>) -> AppError {
    AppError::Invalid(vec![message.into()])
}

/// The registration form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ProblemForm {
    pub household: String,
    pub kind: String,
    pub source: String,
    pub description: String,
    /// Empty: today.
    pub found_on: String,
    pub found_by: String,
    /// Empty: the pack's department for the kind.
    pub department: String,
    /// Empty: the pack's fix limit from the day found.
    pub deadline: String,
}

/// The pack's problem rules in force for `village` on `on`, from a set read once.
fn rules_in(
    set: &dixian_domain::policy::PolicySet,
    village: &DivisionCode,
    on: NaiveDate,
) -> Result<ProblemRules, AppError> {
    Ok(resolve(set, village, on)?.problems)
}

/// Registers a problem from the form; gives its id.
pub async fn register(
    store: &dyn Store,
    actor: &Actor,
    f: &ProblemForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    // Every problem of the form at once, each under its field.
    let mut problems: Vec<dixian_domain::monitoring::FieldProblem> = Vec::new();
    let household = match HouseholdCode::parse(f.household.trim()) {
        Ok(h) if h.village().is_some() => Some(h),
        Ok(h) => {
            problems.push(("household", format!("户编号{h}无效")));
            None
        }
        Err(e) => {
            problems.push(("household", format!("户编号：{e}")));
            None
        }
    };
    let kind = problem_kind(&f.kind);
    if kind.is_none() {
        problems.push((
            "kind",
            format!(
                "请选择问题类型（义务教育、基本医疗、住房安全、饮水安全或两不愁），“{}”无效",
                f.kind.trim()
            ),
        ));
    }
    let source = ProblemSource::parse(&f.source);
    if source.is_none() {
        problems.push((
            "source",
            format!("请选择发现途径，“{}”无效", f.source.trim()),
        ));
    }
    let description = f.description.trim();
    if description.is_empty() || description.chars().count() > 500 {
        problems.push((
            "description",
            "请填写问题描述（不超过500字），例如“房屋经鉴定为C级危房”".into(),
        ));
    }
    let found_by = f.found_by.trim();
    if found_by.is_empty() || found_by.chars().count() > 50 {
        problems.push(("found_by", "请填写发现人或发现单位（不超过50字）".into()));
    }
    let found_on = match date_or_today(&f.found_on, today, "发现日期") {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(("found_on", e.to_string()));
            None
        }
    };
    let typed_deadline = match f.deadline.trim() {
        "" => None,
        t => match parse_date(t) {
            Ok(d) => Some(d),
            Err(e) => {
                problems.push(("deadline", format!("整改期限：{e}")));
                None
            }
        },
    };
    let (Some(household), Some(kind), Some(source), Some(found_on), true) =
        (household, kind, source, found_on, problems.is_empty())
    else {
        return Err(AppError::Fields(problems));
    };
    let village = household
        .village()
        .ok_or_else(|| invalid(format!("户编号{household}无效")))?;
    let set = stored_set(store).await?;
    let rules = rules_in(&set, &village, found_on)?;
    let department = match f.department.trim() {
        "" => rules.department_for(kind).to_string(),
        d => d.to_string(),
    };
    let deadline = match typed_deadline {
        Some(d) => d,
        None => {
            let cal = store.calendar().await?;
            default_deadline(&cal, &rules, found_on)?
        }
    };
    if deadline < found_on {
        return Err(AppError::Fields(vec![(
            "deadline",
            format!("整改期限{deadline}早于发现日期{found_on}"),
        )]));
    }
    Ok(store
        .add_problem(
            actor,
            &NewProblem {
                household,
                kind,
                source,
                description: f.description.clone(),
                found_on,
                found_by: f.found_by.clone(),
                department,
                deadline,
            },
        )
        .await?)
}

/// The deadline a problem found on `found_on` gets from the pack.
pub fn default_deadline(
    cal: &WorkCalendar,
    rules: &ProblemRules,
    found_on: NaiveDate,
) -> Result<NaiveDate, AppError> {
    dixian_domain::monitoring::due(cal, rules.fix_within, found_on)
        .map_err(|e| invalid(format!("无法计算整改期限：{e}")))
}

/// A step form as typed: the action, its date (empty: today), the note, the version drawn.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct StepForm {
    pub action: String,
    pub on: String,
    pub note: String,
    pub version: String,
    /// Evidence kept from an earlier refusal of this form, still wanted (a page's form
    /// only — the API keeps no drafts).
    #[serde(skip)]
    pub kept: Vec<i64>,
    /// Whether a refusal keeps the evidence that passed its check for the corrected form.
    #[serde(skip)]
    pub keep_refused_files: bool,
}

/// Takes a step on problem `id` with the evidence files uploaded (name, bytes); refused for
/// what was typed, a page's form gets its evidence kept (see [`crate::drafts`]).
pub async fn take_step(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    f: &StepForm,
    files: Vec<(String, Vec<u8>)>,
    today: NaiveDate,
) -> Result<ProblemAction, FormRefusal> {
    let file = store
        .problem(actor, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("问题#{id}不存在或不在您的管辖范围内")))?;
    let household = file.problem.household.clone();
    let (kept, gone) = crate::drafts::still_kept(store, actor, &household, &f.kept).await?;
    let mut checked = Vec::new();
    let mut refused_files = Vec::new();
    for (name, bytes) in files {
        match attachment("photo", &name, bytes).await {
            Ok(a) => checked.push(a),
            Err(e) => refused_files.push(("file", e.to_string())),
        }
    }
    refused_files.extend(gone);
    let outcome = if refused_files.is_empty() {
        step_with(store, actor, &file, f, &checked, &kept, today).await
    } else {
        Err(AppError::Fields(refused_files))
    };
    match outcome {
        Ok(action) => Ok(action),
        Err(e) if f.keep_refused_files && e.correctable() => Err(crate::drafts::refused_keeping(
            store,
            actor,
            &household,
            e,
            kept,
            &checked,
            dixian_store::problems::MAX_PROBLEM_FILES,
        )
        .await),
        Err(e) => Err(e.into()),
    }
}

async fn step_with(
    store: &dyn Store,
    actor: &Actor,
    file: &dixian_store::ProblemFile,
    f: &StepForm,
    checked: &[dixian_store::NewAttachment],
    kept: &[dixian_store::PhotoMeta],
    today: NaiveDate,
) -> Result<ProblemAction, AppError> {
    let id = file.problem.id;
    let action = ProblemAction::parse(&f.action)
        .ok_or_else(|| invalid(format!("办理动作“{}”无效", f.action.trim())))?;
    // Every problem of what was typed at once, each by its field (the store checks again).
    let mut problems = Vec::new();
    let on =
        date_or_today(&f.on, today, "办理日期").map_err(|e| problems.push(("on", e.to_string())));
    let note = f.note.trim().chars().count();
    let (required, longest, what) = match action {
        ProblemAction::Resolve => (true, 1000, "整改情况"),
        ProblemAction::Reopen => (true, 500, "退回的理由"),
        ProblemAction::Close => (false, 500, "核实意见"),
    };
    if required && note == 0 {
        problems.push(("note", format!("请填写{what}")));
    } else if note > longest {
        problems.push(("note", format!("{what}不超过{longest}字，写了{note}字")));
    }
    let on = match on {
        Ok(on) if problems.is_empty() => on,
        _ => return Err(AppError::Fields(problems)),
    };
    let version: i64 = f.version.trim().parse().unwrap_or(-1);
    if action == ProblemAction::Close {
        // The account that reported the fix does not verify it (pack switch, on by default).
        // Read at the version drawn: the store refuses the step if the problem moved since.
        let set = stored_set(store).await?;
        let rules = rules_in(&set, &file.problem.village, on)?;
        if rules.closed_by_another
            && file.problem.version == version
            && file.problem.resolved_by.as_deref() == Some(actor.name.as_str())
        {
            return Err(invalid(
                "整改完成由您本人报告，须由另一位工作人员核实销号（政策包 problems.closed_by_another）",
            ));
        }
    }
    store
        .advance_problem(
            actor,
            id,
            version,
            &ProblemStep {
                action,
                on,
                note: f.note.clone(),
                files: checked.to_vec(),
                drafts: kept.iter().map(|k| k.id).collect(),
            },
        )
        .await?;
    Ok(action)
}

/// Which problems a list shows. Every count on the ledger's pages is one of these, and the
/// list it links to applies the same [`ProblemFilter::matches`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProblemFilter {
    pub within: Option<DivisionCode>,
    /// Empty: any state.
    pub states: Vec<ProblemState>,
    pub kind: Option<Indicator>,
    pub department: Option<String>,
    pub household: Option<HouseholdCode>,
    /// Found during this month (by its `as_of` day).
    pub found_in: Option<Month>,
    /// Struck off during this month.
    pub closed_in: Option<Month>,
    /// Open at the end of this day.
    pub open_on: Option<NaiveDate>,
    /// Open at the end of this day past the deadline.
    pub overdue_on: Option<NaiveDate>,
    /// Open at the end of this day beyond the clearing limit (未清零).
    pub uncleared_on: Option<NaiveDate>,
    /// Words of the head's name or of the household code (empty: no search).
    pub text: String,
    /// A designation code: only problems in villages holding it today, themselves or by
    /// their town or county. Needs the ledger's designations, so [`ProblemLedger::select`]
    /// applies it, not [`ProblemFilter::matches`].
    pub designation: Option<String>,
}

impl ProblemFilter {
    pub fn matches(&self, p: &ProblemRecord, rules: &ProblemRules) -> bool {
        let dates = p.dates();
        self.within.is_none_or(|w| p.village.is_within(&w))
            && (self.states.is_empty() || self.states.contains(&p.state))
            && self.kind.is_none_or(|k| k == p.kind)
            && self.department.as_ref().is_none_or(|d| *d == p.department)
            && self.household.as_ref().is_none_or(|h| *h == p.household)
            && self.found_in.is_none_or(|m| m.contains(p.found_on))
            && self
                .closed_in
                .is_none_or(|m| p.closed_on.is_some_and(|c| m.contains(c)))
            && self.open_on.is_none_or(|d| dates.open_on(d))
            && self.overdue_on.is_none_or(|d| dates.overdue_on(d))
            && self
                .uncleared_on
                .is_none_or(|d| dates.uncleared_on(d, rules))
            && (self.text.is_empty()
                || p.head_name.contains(self.text.as_str())
                || p.household.as_str().contains(self.text.as_str()))
    }

    /// The filter in words, for a list's heading.
    pub fn words(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.states.is_empty() {
            let names: Vec<&str> = self.states.iter().map(|s| s.label()).collect();
            out.push(format!("状态：{}", names.join("、")));
        }
        if let Some(k) = self.kind {
            out.push(format!("类型：{}", k.label()));
        }
        if let Some(d) = &self.department {
            out.push(format!("责任部门：{d}"));
        }
        if !self.text.is_empty() {
            out.push(format!("查找：{}", self.text));
        }
        if let Some(h) = &self.household {
            out.push(format!("户编号：{h}"));
        }
        if let Some(m) = self.found_in {
            out.push(format!("{}发现", m.label()));
        }
        if let Some(m) = self.closed_in {
            out.push(format!("{}销号", m.label()));
        }
        if let Some(d) = self.open_on {
            out.push(format!("截至{d}未销号"));
        }
        if let Some(d) = self.overdue_on {
            out.push(format!("截至{d}超过整改期限"));
        }
        if let Some(d) = self.uncleared_on {
            out.push(format!("截至{d}未清零"));
        }
        out
    }

    /// The same filter inside `area`.
    pub fn within(&self, area: DivisionCode) -> ProblemFilter {
        ProblemFilter {
            within: Some(area),
            ..self.clone()
        }
    }
}

/// The problems of an area, read once, with the pack rules of each village.
#[derive(Debug, Clone)]
pub struct ProblemLedger {
    pub area: Division,
    pub today: NaiveDate,
    pub problems: Vec<ProblemRecord>,
    /// The clearing rules in force today, by county (a village has its county's pack).
    rules: BTreeMap<DivisionCode, ProblemRules>,
    /// The rules of the area itself, for villages without problems and for the headings.
    pub area_rules: ProblemRules,
    /// The designations holding today in and above the area, for the designation filter.
    held: HeldDesignations,
}

/// A count and the filter whose list it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub n: usize,
    pub filter: ProblemFilter,
}

/// The month's clearing figures as counts with their lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearingCounts {
    pub found: Count,
    pub closed: Count,
    pub open: Count,
    pub overdue: Count,
    pub uncleared: Count,
}

impl ClearingCounts {
    /// 月清零 is met: nothing older than the limit left open.
    pub fn cleared(&self) -> bool {
        self.uncleared.n == 0
    }
}

/// One line of a clearing or dispatch table: a division or a department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearingLine {
    pub name: String,
    /// The division, for a line of the clearing by division.
    pub division: Option<DivisionCode>,
    pub counts: ClearingCounts,
}

/// 月清零 or 月调度 of one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearingReport {
    pub month: Month,
    /// The day the figures are taken on: the month's last day, or today within it.
    pub as_of: NaiveDate,
    pub lines: Vec<ClearingLine>,
    pub total: ClearingCounts,
}

impl ProblemLedger {
    /// Reads the problems of `area` (refused, audited, outside the actor's scope).
    pub async fn load(
        store: &dyn Store,
        actor: &Actor,
        area: &DivisionCode,
        today: NaiveDate,
    ) -> Result<ProblemLedger, AppError> {
        let problems = store.problems(actor, Some(area)).await?;
        let division = store
            .division(area)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("区划代码{area}不存在")))?;
        let mut policies = crate::policy::Policies::load(store, today).await?;
        // Above county level the area has no pack of its own; a village of it stands in.
        let probe = problems.first().map_or(*area, |p| p.village);
        let area_rules = policies.of(&probe)?.problems.clone();
        let mut rules = BTreeMap::new();
        for p in &problems {
            let county = crate::policy::Policies::county_of(&p.village);
            if let std::collections::btree_map::Entry::Vacant(e) = rules.entry(county) {
                e.insert(policies.of(&p.village)?.problems.clone());
            }
        }
        let designations = store.designations(actor, Some(area)).await?;
        let held = HeldDesignations::on(designations.iter().map(|r| &r.designation), today);
        Ok(ProblemLedger {
            area: division,
            today,
            problems,
            rules,
            area_rules,
            held,
        })
    }

    /// The rules that judge problem `p`.
    pub fn rules_of(&self, p: &ProblemRecord) -> &ProblemRules {
        self.rules
            .get(&crate::policy::Policies::county_of(&p.village))
            .unwrap_or(&self.area_rules)
    }

    /// The problems `filter` selects, oldest first.
    pub fn select(&self, filter: &ProblemFilter) -> Vec<&ProblemRecord> {
        self.problems
            .iter()
            .filter(|p| {
                filter.matches(p, self.rules_of(p))
                    && filter
                        .designation
                        .as_ref()
                        .is_none_or(|k| self.held.covers(k, &p.village))
            })
            .collect()
    }

    /// `filter` in words, the designation by its name in `kinds` (the pack's table, as
    /// [`crate::villages::designation_kinds`] gives it).
    pub fn words(&self, filter: &ProblemFilter, kinds: &[(String, String)]) -> Vec<String> {
        let mut out = filter.words();
        if let Some(code) = &filter.designation {
            let name = kinds
                .iter()
                .find(|(c, _)| c == code)
                .map_or(code.as_str(), |(_, n)| n.as_str());
            out.push(format!("村的认定：{name}（含所在乡镇、县的认定）"));
        }
        out
    }

    pub fn count(&self, filter: ProblemFilter) -> Count {
        Count {
            n: self.select(&filter).len(),
            filter,
        }
    }

    /// The five clearing counts of `base` for `month`.
    pub fn clearing(&self, base: &ProblemFilter, month: Month) -> ClearingCounts {
        let as_of = month.as_of(self.today);
        let with = |f: ProblemFilter| self.count(f);
        ClearingCounts {
            found: with(ProblemFilter {
                found_in: Some(month),
                // A month still running counts what has been found so far.
                ..base.clone()
            }),
            closed: with(ProblemFilter {
                closed_in: Some(month),
                ..base.clone()
            }),
            open: with(ProblemFilter {
                open_on: Some(as_of),
                ..base.clone()
            }),
            overdue: with(ProblemFilter {
                overdue_on: Some(as_of),
                ..base.clone()
            }),
            uncleared: with(ProblemFilter {
                uncleared_on: Some(as_of),
                ..base.clone()
            }),
        }
    }

    /// 月清零: the month's figures for each child division of the area and in all.
    pub async fn by_division(
        &self,
        store: &dyn Store,
        month: Month,
    ) -> Result<ClearingReport, AppError> {
        let base = ProblemFilter::default().within(self.area.code);
        let mut lines = Vec::new();
        for child in store.child_divisions(&self.area.code).await? {
            lines.push(ClearingLine {
                name: child.name.clone(),
                division: Some(child.code),
                counts: self.clearing(&base.within(child.code), month),
            });
        }
        Ok(ClearingReport {
            month,
            as_of: month.as_of(self.today),
            lines,
            total: self.clearing(&base, month),
        })
    }

    /// 月调度: the month's figures for each responsible department, busiest first.
    pub fn by_department(&self, month: Month) -> ClearingReport {
        let base = ProblemFilter::default().within(self.area.code);
        let mut departments: Vec<&str> = self
            .problems
            .iter()
            .map(|p| p.department.as_str())
            .collect();
        departments.sort_unstable();
        departments.dedup();
        let mut lines: Vec<ClearingLine> = departments
            .into_iter()
            .map(|d| ClearingLine {
                name: d.to_string(),
                division: None,
                counts: self.clearing(
                    &ProblemFilter {
                        department: Some(d.to_string()),
                        ..base.clone()
                    },
                    month,
                ),
            })
            .collect();
        lines.sort_by(|a, b| {
            (b.counts.open.n, b.counts.uncleared.n, &a.name).cmp(&(
                a.counts.open.n,
                a.counts.uncleared.n,
                &b.name,
            ))
        });
        ClearingReport {
            month,
            as_of: month.as_of(self.today),
            lines,
            total: self.clearing(&base, month),
        }
    }
}

/// The problems `filter` selects from `ledger` as CSV (UTF-8 with BOM, for Excel): every row,
/// not a page; no ID number, no phone. For those who export ledgers (导出台账); audited with the
/// filter and the count.
pub async fn export_csv(
    store: &dyn Store,
    actor: &Actor,
    ledger: &ProblemLedger,
    filter: &ProblemFilter,
) -> Result<String, AppError> {
    crate::accounts::require(store, actor, Permission::ExportLedger, "问题清单导出").await?;
    let selected = ledger.select(filter);
    let mut out = String::from(
        "\u{feff}问题编号,户编号,户主,行政村,问题类型,问题描述,发现来源,发现日期,责任部门,整改期限,状态,整改情况,销号日期\r\n",
    );
    for p in &selected {
        let overdue = p.dates().overdue_on(ledger.today);
        let row = [
            format!("#{}", p.id),
            p.household.to_string(),
            p.head_name.clone(),
            p.village_name.clone(),
            p.kind.label().to_string(),
            p.description.clone(),
            p.source.label().to_string(),
            p.found_on.to_string(),
            p.department.clone(),
            p.deadline.to_string(),
            if overdue {
                format!("{}（已逾期）", p.state.label())
            } else {
                p.state.label().to_string()
            },
            p.resolution.clone().unwrap_or_default(),
            p.closed_on.map(|d| d.to_string()).unwrap_or_default(),
        ];
        let cells: Vec<String> = row
            .iter()
            .map(|c| crate::csv_text::cell(&crate::csv_text::defused(c)))
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    let mut words: Vec<(String, String)> = FilterQuery::of(filter)
        .pairs()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    words.push((
        "area".into(),
        filter
            .within
            .map_or_else(|| ledger.area.code.to_string(), |w| w.to_string()),
    ));
    let detail = serde_json::json!({
        "rows": selected.len(),
        "filter": words.into_iter().collect::<std::collections::BTreeMap<_, _>>(),
    })
    .to_string();
    store
        .audit(actor, "problem.export", "问题清单", &detail)
        .await?;
    Ok(out)
}

/// Reads a problem filter from a page's query words; each wrong word named.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct FilterQuery {
    pub state: String,
    pub kind: String,
    pub department: String,
    pub household: String,
    pub found: String,
    pub closed: String,
    pub open_on: String,
    pub overdue_on: String,
    pub uncleared_on: String,
    /// Words of the head's name or of the household code.
    pub q: String,
    /// A designation code (认定类别) of the village, its town or county; empty: any.
    pub designation: String,
}

impl FilterQuery {
    pub fn filter(&self, within: DivisionCode) -> Result<ProblemFilter, AppError> {
        let mut problems = Vec::new();
        let mut f = ProblemFilter::default().within(within);
        for s in self
            .state
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match ProblemState::parse(s) {
                Some(state) => f.states.push(state),
                None => problems.push(format!("状态“{s}”无效")),
            }
        }
        if !self.kind.trim().is_empty() {
            match problem_kind(&self.kind) {
                Some(k) => f.kind = Some(k),
                None => problems.push(format!("问题类型“{}”无效", self.kind.trim())),
            }
        }
        if !self.department.trim().is_empty() {
            f.department = Some(self.department.trim().to_string());
        }
        if !self.household.trim().is_empty() {
            match HouseholdCode::parse(self.household.trim()) {
                Ok(h) => f.household = Some(h),
                Err(e) => problems.push(e.to_string()),
            }
        }
        let month = |text: &str, what: &str, problems: &mut Vec<String>| {
            if text.trim().is_empty() {
                return None;
            }
            Month::parse(text)
                .map_err(|e| problems.push(format!("{what}：{e}")))
                .ok()
        };
        f.found_in = month(&self.found, "发现月份", &mut problems);
        f.closed_in = month(&self.closed, "销号月份", &mut problems);
        let day = |text: &str, what: &str, problems: &mut Vec<String>| {
            if text.trim().is_empty() {
                return None;
            }
            parse_date(text)
                .map_err(|e| problems.push(format!("{what}：{e}")))
                .ok()
        };
        f.open_on = day(&self.open_on, "未销号截至日期", &mut problems);
        f.overdue_on = day(&self.overdue_on, "逾期截至日期", &mut problems);
        f.uncleared_on = day(&self.uncleared_on, "未清零截至日期", &mut problems);
        match dixian_domain::villages::designation_code(&self.designation) {
            Ok(code) => f.designation = code,
            Err(e) => problems.push(e),
        }
        let words = self.q.trim();
        if words.chars().count() > 20 {
            problems.push(format!(
                "查找内容“{words}”过长：户主姓名或户编号，最多20个字"
            ));
        } else {
            f.text = words.to_string();
        }
        if problems.is_empty() {
            Ok(f)
        } else {
            Err(AppError::Invalid(problems))
        }
    }

    /// The query words of `f` (without its area), the inverse of [`FilterQuery::filter`].
    pub fn of(f: &ProblemFilter) -> FilterQuery {
        FilterQuery {
            state: f
                .states
                .iter()
                .map(|s| s.code())
                .collect::<Vec<_>>()
                .join(","),
            kind: f.kind.map(|k| k.code().to_string()).unwrap_or_default(),
            department: f.department.clone().unwrap_or_default(),
            household: f
                .household
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            found: f.found_in.map(|m| m.to_string()).unwrap_or_default(),
            closed: f.closed_in.map(|m| m.to_string()).unwrap_or_default(),
            open_on: f.open_on.map(|d| d.to_string()).unwrap_or_default(),
            overdue_on: f.overdue_on.map(|d| d.to_string()).unwrap_or_default(),
            uncleared_on: f.uncleared_on.map(|d| d.to_string()).unwrap_or_default(),
            q: f.text.clone(),
            designation: f.designation.clone().unwrap_or_default(),
        }
    }

    /// `key=value` pairs of the words that are set, for a link.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("state", self.state.as_str()),
            ("kind", self.kind.as_str()),
            ("department", self.department.as_str()),
            ("household", self.household.as_str()),
            ("found", self.found.as_str()),
            ("closed", self.closed.as_str()),
            ("open_on", self.open_on.as_str()),
            ("overdue_on", self.overdue_on.as_str()),
            ("uncleared_on", self.uncleared_on.as_str()),
            ("q", self.q.as_str()),
            ("designation", self.designation.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }
}

/// The problems of household `code`, oldest first.
pub async fn of_household(
    store: &dyn Store,
    actor: &Actor,
    code: &HouseholdCode,
) -> Result<Vec<ProblemRecord>, AppError> {
    let village = code
        .village()
        .ok_or_else(|| invalid(format!("户编号{code}无效")))?;
    let mut list = store.problems(actor, Some(&village)).await?;
    list.retain(|p| p.household == *code);
    Ok(list)
}
