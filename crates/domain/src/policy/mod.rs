//! Policy packs (政策包): effective-dated configuration that gives the values the code only
//! knows the structure of — monitoring line, deadlines, visit cadences, gates and code tables.
//!
//! A pack is one TOML file with a `[pack]` header and any number of sections. Packs layer
//! national → province → city → county; each section is taken whole from the most specific
//! pack in force on the date that has it, the newest within a level (see `docs/decisions.md`). Every file is checked on its own, so
//! every error names file, line and field.

pub mod assets;
pub mod cadres;
pub mod exclusions;
pub mod funds;
pub mod problems;
pub mod screening;
pub mod sources;
pub mod teams;
pub mod villages;

use crate::division::{DivisionCode, DivisionLevel};
use crate::money::Money;
use crate::policy::screening::ScreeningRules;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One problem found in a policy pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyIssue {
    pub file: String,
    /// 1-based line, when the problem can be placed.
    pub line: Option<usize>,
    /// Dotted field path such as `deadlines.identification.days`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for PolicyIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}第{}行", self.file, l)?,
            None => write!(f, "{}", self.file)?,
        }
        if !self.field.is_empty() {
            write!(f, "，字段 {}", self.field)?;
        }
        write!(f, "：{}", self.message)
    }
}

/// Errors when resolving the policy in force.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("{0}")]
    Invalid(String),
    #[error("{on}没有适用于{region}的政策包")]
    NoPack { region: String, on: NaiveDate },
    #[error("{on}适用于{region}的政策包（{layers}）都没有提供[{section}]节")]
    MissingSection {
        region: String,
        on: NaiveDate,
        layers: String,
        section: &'static str,
    },
    #[error("政策包编号“{0}”重复")]
    DuplicateId(String),
    #[error("政策包“{a}”与“{b}”的层级、地区和生效日期完全相同，无法判断以哪个为准")]
    Ambiguous { a: String, b: String },
    #[error(
        "政策包“{pack}”的监测范围{amount}元低于{on}起适用的上级政策包“{upper}”的{upper_amount}元：下级只能提高、不能降低上级的监测范围"
    )]
    LineLowered {
        pack: String,
        amount: String,
        upper: String,
        upper_amount: String,
        on: NaiveDate,
    },
}

/// Administrative level a pack applies at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum PackLevel {
    #[serde(rename = "国家")]
    National,
    #[serde(rename = "省")]
    Province,
    #[serde(rename = "市")]
    City,
    #[serde(rename = "县")]
    County,
}

impl PackLevel {
    pub fn label(self) -> &'static str {
        match self {
            PackLevel::National => "国家",
            PackLevel::Province => "省",
            PackLevel::City => "市",
            PackLevel::County => "县",
        }
    }

    fn division_level(self) -> Option<DivisionLevel> {
        match self {
            PackLevel::National => None,
            PackLevel::Province => Some(DivisionLevel::Province),
            PackLevel::City => Some(DivisionLevel::City),
            PackLevel::County => Some(DivisionLevel::County),
        }
    }
}

/// The `[pack]` header.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackHeader {
    /// Unique, stable identifier, e.g. `chongqing-2022`.
    pub id: String,
    pub title: String,
    pub level: PackLevel,
    /// Division code of the province/city/county; absent for national packs.
    #[serde(default, deserialize_with = "de_opt_division")]
    pub region: Option<DivisionCode>,
    #[serde(deserialize_with = "de_date")]
    pub effective_from: NaiveDate,
    /// The documents the values come from.
    #[serde(default)]
    pub sources: Vec<String>,
}

/// Names that changed over the years (2026: 防止返贫致贫对象, 常态化帮扶资金).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Naming {
    /// What a monitored household is called: 监测对象 / 防止返贫致贫对象.
    pub monitored_object: String,
    /// What the assistance funds are called: 衔接资金 / 常态化帮扶资金.
    pub assistance_funds: String,
    /// What project assets are called: 扶贫项目资产 / 帮扶项目资产 (packs stored before the
    /// name was pack data have none: the older name is used).
    #[serde(default = "default_assets_name")]
    pub project_assets: String,
}

fn default_assets_name() -> String {
    "扶贫项目资产".into()
}

/// Where the public reaches the authorities about the work (监督电话): printed on every village
/// notice, so a household that disagrees knows whom to call (001 第九章: “向社会公开投诉举报电话”).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    /// The number, as printed: 12317, or the county's own.
    pub supervision_phone: String,
    /// Who answers it.
    pub supervision_unit: String,
}

/// Complaints and suggestions (投诉建议, 国办函〔2026〕12号): how long the county has to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintRules {
    /// From the day a complaint is received to the day it must be answered.
    pub reply_within: Deadline,
}

/// Monitoring line (监测范围): yuan per person per year, with the formula where one is given.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringLine {
    #[serde(deserialize_with = "de_money")]
    pub amount: Money,
    pub basis: String,
    pub formula: Option<LineFormula>,
    /// The document asks for a new line every year (001: “以后每年根据三方面因素变化进行调整”):
    /// a line older than the year it is applied in is flagged.
    #[serde(default)]
    pub adjusted_yearly: bool,
}

/// How a line was derived: `base × multiplier`, raised by the mean of the adjustment
/// factors, rounded up to a step. Kept so the adjustment is reproducible.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineFormula {
    #[serde(deserialize_with = "de_money")]
    pub base_standard: Money,
    pub multiplier_percent: u32,
    #[serde(default)]
    pub adjustment: Vec<Adjustment>,
    #[serde(deserialize_with = "de_money")]
    pub round_up_to: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    pub name: String,
    /// Growth in basis points (万分之一): 2.6% = 260.
    pub basis_points: i32,
}

impl LineFormula {
    /// The line the formula gives, computed exactly in integers.
    pub fn compute(&self) -> Option<Money> {
        let base = i128::from(self.base_standard.fen()) * i128::from(self.multiplier_percent);
        // base is in fen×100; the mean adjustment is sum/count basis points.
        let n = i128::try_from(self.adjustment.len()).ok()?.max(1);
        let sum: i128 = self
            .adjustment
            .iter()
            .map(|a| i128::from(a.basis_points))
            .sum();
        // fen = base/100 × (1 + sum/(n·10000)) = base·(n·10000 + sum) / (100·n·10000)
        let num = base.checked_mul(n * 10_000 + sum)?;
        let den = 100 * n * 10_000;
        let raw = num / den + i128::from(num % den != 0);
        let step = i128::from(self.round_up_to.fen()).max(1);
        let rounded = (raw + step - 1) / step * step;
        i64::try_from(rounded).ok().map(Money::from_fen)
    }
}

/// How a deadline counts days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum DayCount {
    #[serde(rename = "自然日")]
    Natural,
    #[serde(rename = "工作日")]
    Working,
}

impl DayCount {
    pub fn label(self) -> &'static str {
        match self {
            DayCount::Natural => "自然日",
            DayCount::Working => "工作日",
        }
    }
}

/// A time limit such as "15 natural days" or "10 working days".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    pub days: u32,
    pub count: DayCount,
}

impl fmt::Display for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}个{}", self.days, self.count.label())
    }
}

/// Legal time limits of the monitoring workflow.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    /// 识别认定: from discovery of a lead to the county's decision.
    pub identification: Deadline,
    /// 受理: an online self-declaration accepted by the town.
    pub application_acceptance: Deadline,
    /// 入户核实: from acceptance to the completed household verification.
    pub verification: Deadline,
    /// 村内公示: the minimum duration of the village notice.
    pub village_notice_min: Deadline,
    /// 明确帮扶责任人: from inclusion to an assigned assistance cadre.
    pub cadre_assignment: Deadline,
    /// 一户一策: from inclusion to an assistance plan.
    pub assistance_plan: Deadline,
}

/// Visit cadences (走访).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visits {
    /// A monitored household is visited at least once every this many months.
    pub monitored_every_months: u32,
    /// Months in which every 脱贫户 is visited (003: March, August, November).
    #[serde(default)]
    pub poverty_alleviated_months: Vec<u32>,
}

/// Rules of identification.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentificationRules {
    /// At most this many risk types per household.
    pub max_risk_types: u32,
    /// Household verification needs at least this many people.
    pub min_verifiers: u32,
}

/// Rules of assistance measures (帮扶措施).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssistanceRules {
    /// The most one measure of one household may carry (资金金额): a typing slip of a few
    /// extra digits is refused instead of reaching the county's fund figures.
    #[serde(deserialize_with = "de_money")]
    pub max_measure_amount: Money,
}

/// Gates of risk elimination (风险消除).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EliminationGates {
    pub min_monitored_months: u32,
    pub min_stable_income_months: u32,
    /// A 帮扶消除 within this many months of identification is flagged for review.
    pub early_review_months: u32,
}

/// An entry of a code table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeItem {
    pub code: String,
    pub name: String,
}

/// What income an object category is for, checked at 入户核实 when the household is below
/// the line after rigid expenditure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum CategoryIncome {
    /// 人均纯收入 itself below the line (脱贫不稳定户, 边缘易致贫户).
    #[serde(rename = "低于监测范围")]
    BelowLine,
    /// Above the line, below it only once rigid expenditure is taken off: 刚性支出较大或收入
    /// 大幅缩减 (突发严重困难户).
    #[serde(rename = "刚性支出致困")]
    ByExpenditure,
}

impl CategoryIncome {
    pub fn label(self) -> &'static str {
        match self {
            CategoryIncome::BelowLine => "人均纯收入低于监测范围",
            CategoryIncome::ByExpenditure => "人均纯收入不低于监测范围、扣除刚性支出后低于",
        }
    }
}

/// An object category (监测对象类别) and which households it is for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectCategory {
    pub code: String,
    pub name: String,
    /// The household types (户类型) it is for, by label; empty: any.
    #[serde(default)]
    pub household_types: Vec<String>,
    /// The income situation it is for; absent: any.
    #[serde(default)]
    pub income: Option<CategoryIncome>,
    /// For 低保户 only (001's fourth group).
    #[serde(default)]
    pub dibao: bool,
}

/// A risk type (风险类型), with sub-types such as the kinds of natural disaster.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskType {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub subtypes: Vec<CodeItem>,
    /// A plan for a household with this risk needs at least one measure of these types
    /// (因学 needs an education measure …); empty: no requirement.
    #[serde(default)]
    pub requires_measures: Vec<String>,
    /// The risk only makes sense when a member can work (因务工就业不稳).
    #[serde(default)]
    pub needs_labour: bool,
}

/// A measure type (帮扶措施类型); developmental (开发式) measures are 产业 and 就业.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureType {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub developmental: bool,
    /// The youngest a member holding this measure may be (公益岗位: 16), checked by the
    /// consistency checks (数据质量).
    #[serde(default)]
    pub min_age: Option<u32>,
}

/// A way of eliminating risk (消除方式). `by_assistance` marks 帮扶消除, the mode whose
/// gates ask for applied measures and labour capacity.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EliminationMode {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub by_assistance: bool,
}

/// Code tables; each table is a section of its own for layering.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodesLayer {
    pub object_category: Option<Vec<ObjectCategory>>,
    pub risk_type: Option<Vec<RiskType>>,
    pub measure_type: Option<Vec<MeasureType>>,
    pub elimination_mode: Option<Vec<EliminationMode>>,
    /// 项目类型 of the project library.
    pub project_type: Option<Vec<funds::ProjectType>>,
    /// 资金任务类别 of fund documents (产业发展、以工代赈、少数民族发展 …).
    pub fund_category: Option<Vec<CodeItem>>,
    /// 负面清单: uses funds may not be spent on.
    pub negative_use: Option<Vec<funds::NegativeUse>>,
    /// 认定类别: what a county, town or village may be designated as.
    pub designation: Option<Vec<villages::DesignationKind>>,
    /// 问题来源 of the rectification ledger (考核评估、督查巡查、审计、12317、自查 …).
    pub finding_source: Option<Vec<CodeItem>>,
}

/// One pack file as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    pub pack: PackHeader,
    pub naming: Option<Naming>,
    pub contacts: Option<Contacts>,
    pub complaints: Option<ComplaintRules>,
    pub monitoring_line: Option<MonitoringLine>,
    pub deadlines: Option<Deadlines>,
    pub visits: Option<Visits>,
    pub identification: Option<IdentificationRules>,
    pub elimination: Option<EliminationGates>,
    pub screening: Option<ScreeningRules>,
    pub problems: Option<problems::ProblemRules>,
    pub assistance: Option<AssistanceRules>,
    pub exclusions: Option<exclusions::ExclusionRules>,
    pub funds: Option<funds::FundRules>,
    pub assets: Option<assets::AssetRules>,
    pub villages: Option<villages::VillageRules>,
    /// 驻村工作队: the share of each month in the village and who approves leave.
    pub teams: Option<teams::TeamRules>,
    /// 五级书记遍访 and the information-officer grid.
    pub cadres: Option<cadres::CadreRules>,
    #[serde(default)]
    pub codes: CodesLayer,
    /// Where each value comes from (来源), by value path; see [`sources`].
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
}

/// A validated pack with the text it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pack {
    pub file: String,
    pub text: String,
    pub content: PackFile,
    /// Every value of the pack with the source that covers it, in file order.
    pub values: Vec<sources::SourcedValue>,
}

impl Pack {
    pub fn id(&self) -> &str {
        &self.content.pack.id
    }

    pub fn header(&self) -> &PackHeader {
        &self.content.pack
    }

    /// Parses and validates one pack file. All problems found are returned, each placed.
    /// A value without a source is one of them (`dixian policy check`, `dixian init`).
    pub fn parse(file: &str, text: &str) -> Result<Pack, Vec<PolicyIssue>> {
        Pack::read(file, text, true)
    }

    /// Reads a pack stored before every value needed a source: the same checks except that
    /// one; the values without a source are shown as such.
    pub fn parse_stored(file: &str, text: &str) -> Result<Pack, Vec<PolicyIssue>> {
        Pack::read(file, text, false)
    }

    /// The values no `[sources]` entry covers.
    pub fn unsourced(&self) -> impl Iterator<Item = &sources::SourcedValue> {
        self.values.iter().filter(|v| v.source.is_none())
    }

    fn read(file: &str, text: &str, strict: bool) -> Result<Pack, Vec<PolicyIssue>> {
        let content: PackFile = match toml::from_str(text) {
            Ok(c) => c,
            Err(e) => {
                let line = e.span().map(|s| line_of(text, s.start));
                return Err(vec![PolicyIssue {
                    file: file.to_string(),
                    line,
                    field: String::new(),
                    message: translate_toml_message(e.message()),
                }]);
            }
        };
        let values = sources::values_of(text, &content.sources).unwrap_or_default();
        let problems = validate(&content);
        let source_problems = sources::check(text, &content.sources, &values, strict);
        if problems.is_empty() && source_problems.is_empty() {
            return Ok(Pack {
                file: file.to_string(),
                text: text.to_string(),
                content,
                values,
            });
        }
        let tree = toml::de::DeTable::parse(text).ok().map(|t| {
            let span = t.span();
            toml::Spanned::new(span, toml::de::DeValue::Table(t.into_inner()))
        });
        let mut out: Vec<PolicyIssue> = problems
            .into_iter()
            .map(|(path, message)| PolicyIssue {
                file: file.to_string(),
                line: tree
                    .as_ref()
                    .and_then(|t| locate(t, &path))
                    .map(|s| line_of(text, s)),
                field: path_text(&path),
                message,
            })
            .collect();
        out.extend(
            source_problems
                .into_iter()
                .map(|(line, field, message)| PolicyIssue {
                    file: file.to_string(),
                    line,
                    field,
                    message,
                }),
        );
        Err(out)
    }
}

/// A path segment into the TOML document.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(&'static str),
    Index(usize),
}

type Problem = (Vec<Seg>, String);

fn path_text(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{}]", i + 1)),
        }
    }
    out
}

/// Byte offset of the value at `path`, or of its nearest located ancestor.
fn locate(root: &toml::Spanned<toml::de::DeValue<'_>>, path: &[Seg]) -> Option<usize> {
    let mut cur = root;
    let mut best = None;
    for seg in path {
        let next = match seg {
            Seg::Key(k) => cur.get_ref().get(*k),
            Seg::Index(i) => cur.get_ref().get(*i),
        };
        match next {
            Some(n) => {
                cur = n;
                best = Some(n.span().start);
            }
            None => break,
        }
    }
    best
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The toml crate speaks English; the common cases are put into Chinese, the rest kept.
fn translate_toml_message(msg: &str) -> String {
    let m = msg.trim();
    if let Some(rest) = m.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("未知字段“{name}”（可能是拼写错误）");
    }
    if let Some(rest) = m.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("缺少必填字段“{name}”");
    }
    if let Some(rest) = m.strip_prefix("unknown variant `") {
        let name = rest.split('`').next().unwrap_or(rest);
        let expected = rest
            .split("expected ")
            .nth(1)
            .unwrap_or("")
            .replace('`', "“");
        return format!("取值“{name}”无效，可选：{expected}");
    }
    if m.starts_with("invalid type") {
        return format!("类型错误（{m}）");
    }
    format!("TOML格式错误：{m}")
}

pub(crate) fn de_money<'de, D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(i64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Int(yuan) => Money::from_yuan(yuan)
            .ok_or_else(|| serde::de::Error::custom(format!("金额{yuan}元超出范围"))),
        Raw::Text(t) => Money::parse(&t).map_err(serde::de::Error::custom),
    }
}

fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let dt = toml::value::Datetime::deserialize(d)?;
    match (dt.date, dt.time) {
        (Some(date), None) => NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        )
        .ok_or_else(|| serde::de::Error::custom(format!("日期{dt}无效"))),
        _ => Err(serde::de::Error::custom(format!(
            "“{dt}”应为不带时间的日期，如 2021-01-01"
        ))),
    }
}

fn de_opt_division<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DivisionCode>, D::Error> {
    let s = String::deserialize(d)?;
    DivisionCode::parse(&s)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

fn validate(p: &PackFile) -> Vec<Problem> {
    let mut out: Vec<Problem> = Vec::new();
    if let Some(screening) = &p.screening
        && let Err(problems) = screening.checked()
    {
        for (i, field, message) in problems {
            let path = if i == usize::MAX {
                vec![Seg::Key("screening"), Seg::Key(field)]
            } else {
                vec![
                    Seg::Key("screening"),
                    Seg::Key("rule"),
                    Seg::Index(i),
                    Seg::Key(field),
                ]
            };
            out.push((path, message));
        }
    }
    if let Some(a) = &p.assistance
        && a.max_measure_amount <= Money::ZERO
    {
        out.push((
            vec![Seg::Key("assistance"), Seg::Key("max_measure_amount")],
            "单项措施资金上限（max_measure_amount）必须大于0".into(),
        ));
    }
    if let Some(rules) = &p.exclusions {
        for (i, field, message) in rules.check() {
            out.push((
                vec![
                    Seg::Key("exclusions"),
                    Seg::Key("rule"),
                    Seg::Index(i),
                    Seg::Key(field),
                ],
                message,
            ));
        }
    }
    if let Some(rules) = &p.problems {
        for (field, message) in rules.check() {
            out.push((vec![Seg::Key("problems"), Seg::Key(field)], message));
        }
    }
    if let Some(rules) = &p.funds {
        for (field, message) in rules.check() {
            out.push((vec![Seg::Key("funds"), Seg::Key(field)], message));
        }
    }
    if let Some(rules) = &p.assets {
        for (field, message) in rules.check() {
            out.push((vec![Seg::Key("assets"), Seg::Key(field)], message));
        }
    }
    if let Some(rules) = &p.teams {
        for (field, message) in rules.check() {
            out.push((vec![Seg::Key("teams"), Seg::Key(field)], message));
        }
    }
    if let Some(rules) = &p.cadres {
        for (field, message) in rules.check() {
            out.push((vec![Seg::Key("cadres"), Seg::Key(field)], message));
        }
    }
    if let Some(rules) = &p.villages {
        for (field, message) in rules.check() {
            out.push((vec![Seg::Key("villages"), Seg::Key(field)], message));
        }
    }
    for (i, field, message) in villages::check_kinds(p.codes.designation.as_deref().unwrap_or(&[]))
    {
        out.push((
            vec![
                Seg::Key("codes"),
                Seg::Key("designation"),
                Seg::Index(i),
                Seg::Key(field),
            ],
            message,
        ));
    }
    for (table, i, field, message) in funds::check_tables(
        p.codes.project_type.as_deref(),
        p.codes.negative_use.as_deref(),
    ) {
        out.push((
            vec![
                Seg::Key("codes"),
                Seg::Key(table),
                Seg::Index(i),
                Seg::Key(field),
            ],
            message,
        ));
    }
    let h = &p.pack;
    let id_ok = !h.id.is_empty()
        && h.id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !id_ok {
        out.push((
            vec![Seg::Key("pack"), Seg::Key("id")],
            "编号只能由小写字母、数字和“-”组成".into(),
        ));
    }
    match (h.level.division_level(), h.region) {
        (None, Some(_)) => out.push((
            vec![Seg::Key("pack"), Seg::Key("region")],
            "国家级政策包不应填写地区（region）".into(),
        )),
        (Some(_), None) => out.push((
            vec![Seg::Key("pack"), Seg::Key("level")],
            format!("{}级政策包必须填写地区代码（region）", h.level.label()),
        )),
        (Some(want), Some(r)) if r.level() != want => out.push((
            vec![Seg::Key("pack"), Seg::Key("region")],
            format!(
                "地区代码{r}是{}级，与层级“{}”不符",
                r.level().label(),
                h.level.label()
            ),
        )),
        _ => {}
    }
    if let Some(line) = &p.monitoring_line {
        let base = || vec![Seg::Key("monitoring_line")];
        if line.amount <= Money::ZERO {
            let mut path = base();
            path.push(Seg::Key("amount"));
            out.push((path, "监测范围（amount）必须大于0".into()));
        }
        if let Some(f) = &line.formula {
            match f.compute() {
                Some(v) if v == line.amount => {}
                Some(v) => {
                    let mut path = base();
                    path.push(Seg::Key("amount"));
                    out.push((
                        path,
                        format!(
                            "按公式（formula）计算为{v}元，与填写的{}元不一致",
                            line.amount
                        ),
                    ));
                }
                None => {
                    let mut path = base();
                    path.push(Seg::Key("formula"));
                    out.push((path, "公式数值超出可计算范围".into()));
                }
            }
            if f.multiplier_percent == 0 {
                let mut path = base();
                path.extend([Seg::Key("formula"), Seg::Key("multiplier_percent")]);
                out.push((path, "倍数必须大于0".into()));
            }
        }
    }
    if let Some(d) = &p.deadlines {
        let items: [(&'static str, &Deadline); 6] = [
            ("identification", &d.identification),
            ("application_acceptance", &d.application_acceptance),
            ("verification", &d.verification),
            ("village_notice_min", &d.village_notice_min),
            ("cadre_assignment", &d.cadre_assignment),
            ("assistance_plan", &d.assistance_plan),
        ];
        for (name, dl) in items {
            if dl.days == 0 || dl.days > 365 {
                out.push((
                    vec![Seg::Key("deadlines"), Seg::Key(name), Seg::Key("days")],
                    format!("天数{}不合理，应在1–365之间", dl.days),
                ));
            }
        }
    }
    if let Some(c) = &p.complaints
        && (c.reply_within.days == 0 || c.reply_within.days > 365)
    {
        out.push((
            vec![
                Seg::Key("complaints"),
                Seg::Key("reply_within"),
                Seg::Key("days"),
            ],
            format!("天数{}不合理，应在1–365之间", c.reply_within.days),
        ));
    }

    if let Some(v) = &p.visits {
        if v.monitored_every_months == 0 || v.monitored_every_months > 12 {
            out.push((
                vec![Seg::Key("visits"), Seg::Key("monitored_every_months")],
                "走访间隔应在1–12个月之间".into(),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, m) in v.poverty_alleviated_months.iter().enumerate() {
            if !(1..=12).contains(m) || !seen.insert(*m) {
                out.push((
                    vec![
                        Seg::Key("visits"),
                        Seg::Key("poverty_alleviated_months"),
                        Seg::Index(i),
                    ],
                    format!("月份{m}无效或重复"),
                ));
            }
        }
    }
    if let Some(r) = &p.identification {
        if r.max_risk_types == 0 || r.max_risk_types > 10 {
            out.push((
                vec![Seg::Key("identification"), Seg::Key("max_risk_types")],
                "风险类型上限应在1–10之间".into(),
            ));
        }
        if r.min_verifiers == 0 {
            out.push((
                vec![Seg::Key("identification"), Seg::Key("min_verifiers")],
                "入户核实人数至少为1".into(),
            ));
        }
    }
    if let Some(e) = &p.elimination {
        let months: [(&'static str, u32); 3] = [
            ("min_monitored_months", e.min_monitored_months),
            ("min_stable_income_months", e.min_stable_income_months),
            ("early_review_months", e.early_review_months),
        ];
        for (name, m) in months {
            if m > 60 {
                out.push((
                    vec![Seg::Key("elimination"), Seg::Key(name)],
                    format!("{m}个月不合理，应在0–60之间"),
                ));
            }
        }
    }
    let c = &p.codes;
    if let Some(t) = &c.object_category {
        check_codes(
            &mut out,
            "object_category",
            t.iter().map(|i| (&i.code, &i.name)),
        );
        for (i, cat) in t.iter().enumerate() {
            for ty in &cat.household_types {
                if crate::registry::HouseholdType::parse(ty).is_none() {
                    out.push((
                        vec![
                            Seg::Key("codes"),
                            Seg::Key("object_category"),
                            Seg::Index(i),
                            Seg::Key("household_types"),
                        ],
                        format!("户类型“{ty}”无效，可选：脱贫户、一般农户"),
                    ));
                }
            }
        }
    }
    if let Some(t) = &c.risk_type {
        check_codes(&mut out, "risk_type", t.iter().map(|i| (&i.code, &i.name)));
        for (i, r) in t.iter().enumerate() {
            let mut seen = BTreeSet::new();
            for (j, s) in r.subtypes.iter().enumerate() {
                if !code_ok(&s.code) || !seen.insert(&s.code) {
                    out.push((
                        vec![
                            Seg::Key("codes"),
                            Seg::Key("risk_type"),
                            Seg::Index(i),
                            Seg::Key("subtypes"),
                            Seg::Index(j),
                        ],
                        format!("子类代码“{}”无效或重复", s.code),
                    ));
                }
            }
        }
    }
    if let (Some(risks), Some(measures)) = (&c.risk_type, &c.measure_type) {
        // Within one pack the required measure types must exist; across layers the resolved
        // policy is checked when it is used.
        for (i, r) in risks.iter().enumerate() {
            for m in &r.requires_measures {
                if !measures.iter().any(|t| &t.code == m) {
                    out.push((
                        vec![
                            Seg::Key("codes"),
                            Seg::Key("risk_type"),
                            Seg::Index(i),
                            Seg::Key("requires_measures"),
                        ],
                        format!("帮扶措施类型代码“{m}”不在本包的措施代码表中"),
                    ));
                }
            }
        }
    }
    if let Some(t) = &c.finding_source {
        check_codes(
            &mut out,
            "finding_source",
            t.iter().map(|i| (&i.code, &i.name)),
        );
    }
    if let Some(t) = &c.measure_type {
        check_codes(
            &mut out,
            "measure_type",
            t.iter().map(|i| (&i.code, &i.name)),
        );
        if !t.iter().any(|m| m.developmental) {
            out.push((
                vec![Seg::Key("codes"), Seg::Key("measure_type")],
                "至少应有一类开发式帮扶措施（developmental = true）".into(),
            ));
        }
    }
    if let Some(t) = &c.elimination_mode {
        check_codes(
            &mut out,
            "elimination_mode",
            t.iter().map(|i| (&i.code, &i.name)),
        );
    }
    out
}

fn code_ok(code: &str) -> bool {
    !code.is_empty() && code.len() <= 8 && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn check_codes<'a>(
    out: &mut Vec<Problem>,
    table: &'static str,
    items: impl Iterator<Item = (&'a String, &'a String)>,
) {
    let mut codes = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut count = 0;
    for (i, (code, name)) in items.enumerate() {
        count += 1;
        let path = vec![Seg::Key("codes"), Seg::Key(table), Seg::Index(i)];
        if !code_ok(code) {
            out.push((path, format!("代码“{code}”无效：应为1–8位字母或数字")));
        } else if !codes.insert(code.clone()) {
            out.push((path, format!("代码“{code}”重复")));
        } else if name.trim().is_empty() || !names.insert(name.clone()) {
            out.push((path, format!("名称“{name}”为空或重复")));
        }
    }
    if count == 0 {
        out.push((
            vec![Seg::Key("codes"), Seg::Key(table)],
            "代码表不能为空".into(),
        ));
    }
}

/// Reference to a pack that contributed to a resolved policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerRef {
    pub id: String,
    pub title: String,
    pub level: PackLevel,
    pub effective_from: NaiveDate,
}

/// The complete values in force for one county on one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub region: DivisionCode,
    pub on: NaiveDate,
    /// The packs consulted, least specific first.
    pub layers: Vec<LayerRef>,
    pub naming: Naming,
    /// Empty where no pack names a number (packs stored before the section existed).
    pub contacts: Contacts,
    /// `None` where no pack in force names a limit (before the 2026 pack).
    pub complaints: Option<ComplaintRules>,
    pub monitoring_line: MonitoringLine,
    pub deadlines: Deadlines,
    pub visits: Visits,
    pub identification: IdentificationRules,
    pub elimination: EliminationGates,
    pub screening: ScreeningRules,
    pub problems: problems::ProblemRules,
    pub assistance: AssistanceRules,
    pub exclusions: exclusions::ExclusionRules,
    /// `None` before any pack in force names fund rules (packs before 2022).
    pub funds: Option<funds::FundRules>,
    /// `None` where no pack in force names asset rules (packs stored before they existed).
    pub assets: Option<assets::AssetRules>,
    /// `None` where no pack in force names village rules (packs stored before they existed).
    pub villages: Option<villages::VillageRules>,
    /// `None` where no pack in force names team rules.
    pub teams: Option<teams::TeamRules>,
    /// `None` where no pack in force names cadre rules (遍访, information officers).
    pub cadres: Option<cadres::CadreRules>,
    /// The fund code tables; empty where no pack in force has them.
    pub project_types: Vec<funds::ProjectType>,
    pub fund_categories: Vec<CodeItem>,
    pub negative_uses: Vec<funds::NegativeUse>,
    /// The designation table; empty where no pack in force has one.
    pub designation_kinds: Vec<villages::DesignationKind>,
    /// The rectification ledger's sources; empty where no pack in force has them.
    pub finding_sources: Vec<CodeItem>,
    pub object_categories: Vec<ObjectCategory>,
    pub risk_types: Vec<RiskType>,
    pub measure_types: Vec<MeasureType>,
    pub elimination_modes: Vec<EliminationMode>,
    /// For each section, the pack it was taken from and the sourced values it gives.
    pub provenance: Vec<SectionSource>,
}

/// One section of a resolved policy: the pack that gave it, and its values with sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionSource {
    /// Section name as `policy show` and the errors name it: `deadlines`, `codes.risk_type`.
    pub section: &'static str,
    pub pack: String,
    pub pack_title: String,
    sources: BTreeMap<String, String>,
    pub values: Vec<sources::SourcedValue>,
}

/// Values of a section that share one source, as `policy show` and the policy page list
/// them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceGroup {
    /// The source key (or, for values without a source, the value's own path).
    pub key: String,
    /// `(path below the key, value)`; the path is empty when the key names the value itself.
    pub values: Vec<(String, String)>,
    pub source: Option<String>,
}

impl SectionSource {
    /// The section's values grouped by the source that covers them, in file order.
    pub fn groups(&self) -> Vec<SourceGroup> {
        let mut out: Vec<SourceGroup> = Vec::new();
        for v in &self.values {
            let (key, source) = match &v.source {
                Some((k, s)) => (k.clone(), Some(s.clone())),
                None => (v.path.clone(), None),
            };
            let rest = v
                .path
                .strip_prefix(key.as_str())
                .unwrap_or_default()
                .trim_start_matches('.')
                .to_string();
            match out.iter_mut().find(|g| g.key == key) {
                Some(g) => g.values.push((rest, v.value.clone())),
                None => out.push(SourceGroup {
                    key,
                    values: vec![(rest, v.value.clone())],
                    source,
                }),
            }
        }
        out
    }

    fn of(pack: &Pack, section: &'static str) -> SectionSource {
        SectionSource {
            section,
            pack: pack.id().to_string(),
            pack_title: pack.header().title.clone(),
            sources: pack.content.sources.clone(),
            values: pack
                .values
                .iter()
                .filter(|v| sources::covers(section, &v.path))
                .cloned()
                .collect(),
        }
    }
}

impl Policy {
    /// What a reader of these values should know: a line the document asks to adjust every
    /// year, applied in a later year than its own.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.monitoring_line.adjusted_yearly
            && let Some(section) = self
                .provenance
                .iter()
                .find(|s| s.section == "monitoring_line")
            && let Some(layer) = self.layers.iter().find(|l| l.id == section.pack)
            && layer.effective_from.year() < self.on.year()
        {
            out.push(format!(
                "监测范围{}元是政策包“{}”的{}年标准；依据文件应每年调整，{}年的标准尚未写入政策包，请核对本省文件后发布新包",
                self.monitoring_line.amount.grouped(),
                layer.id,
                layer.effective_from.year(),
                self.on.year()
            ));
        }
        out
    }

    /// The source of the value at `path` (or of the section part it belongs to) and the
    /// pack it came from; `None` when that pack gives none (a pack stored before sources
    /// were required).
    pub fn source_of(&self, path: &str) -> Option<(&str, &str)> {
        let section = self
            .provenance
            .iter()
            .find(|s| sources::covers(s.section, path) || sources::covers(path, s.section))?;
        sources::source_for(&section.sources, path)
            .map(|(_, text)| (section.pack.as_str(), text.as_str()))
    }
}

/// All packs known to a deployment.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    packs: Vec<Pack>,
}

impl PolicySet {
    pub fn new() -> PolicySet {
        PolicySet::default()
    }

    /// Adds a validated pack; ids must be unique and no two packs may compete for the same
    /// level, region and date.
    pub fn add(&mut self, pack: Pack) -> Result<(), PolicyError> {
        for p in &self.packs {
            if p.id() == pack.id() {
                return Err(PolicyError::DuplicateId(pack.id().to_string()));
            }
            let (a, b) = (p.header(), pack.header());
            if a.level == b.level && a.region == b.region && a.effective_from == b.effective_from {
                return Err(PolicyError::Ambiguous {
                    a: a.id.clone(),
                    b: b.id.clone(),
                });
            }
        }
        self.packs.push(pack);
        if let Some(e) = self.lowered_line() {
            self.packs.pop();
            return Err(e);
        }
        Ok(())
    }

    /// Adds a pack read back from the database: the same checks as [`PolicySet::add`] except
    /// the monitoring-line rule, which was judged when the packs were written — a set stored
    /// before that rule must keep working (`lowered_line` on the whole set reports it).
    pub fn add_stored(&mut self, pack: Pack) -> Result<(), PolicyError> {
        let len = self.packs.len();
        match self.add(pack.clone()) {
            Err(PolicyError::LineLowered { .. }) if self.packs.len() == len => {
                self.packs.push(pack);
                Ok(())
            }
            other => other,
        }
    }

    /// The first monitoring line lower than the line above it, if any (see `add`).
    pub fn line_problem(&self) -> Option<PolicyError> {
        self.lowered_line()
    }

    /// The first pack whose monitoring line is below the line its less specific packs give
    /// on a day it is in force: a county may raise its province's line, never lower it.
    fn lowered_line(&self) -> Option<PolicyError> {
        let line_of = |p: &Pack| p.content.monitoring_line.as_ref().map(|l| l.amount);
        for p in &self.packs {
            let (h, Some(amount)) = (p.header(), line_of(p)) else {
                continue;
            };
            let Some(region) = h.region else { continue };
            let upper = |q: &&Pack| {
                let g = q.header();
                g.level < h.level
                    && g.region.is_none_or(|r| region.is_within(&r))
                    && line_of(q).is_some()
            };
            // The days on which the comparison can change: this pack's first day and each
            // later first day of an upper line.
            let mut days: Vec<NaiveDate> = vec![h.effective_from];
            days.extend(
                self.packs
                    .iter()
                    .filter(upper)
                    .map(|q| q.header().effective_from)
                    .filter(|d| *d > h.effective_from),
            );
            for day in days {
                let superseded = self.packs.iter().any(|r| {
                    let g = r.header();
                    g.level == h.level
                        && g.region == h.region
                        && line_of(r).is_some()
                        && g.effective_from > h.effective_from
                        && g.effective_from <= day
                });
                if superseded {
                    continue;
                }
                let in_force = self
                    .packs
                    .iter()
                    .filter(upper)
                    .filter(|q| q.header().effective_from <= day)
                    .max_by_key(|q| (q.header().level, q.header().effective_from));
                if let Some(q) = in_force
                    && let Some(up) = line_of(q)
                    && up > amount
                {
                    return Some(PolicyError::LineLowered {
                        pack: h.id.clone(),
                        amount: amount.grouped(),
                        upper: q.id().to_string(),
                        upper_amount: up.grouped(),
                        on: day,
                    });
                }
            }
        }
        None
    }

    pub fn packs(&self) -> &[Pack] {
        &self.packs
    }

    /// The packs in force for `region` on `on`, least specific first and, within a level,
    /// oldest first. A section is taken from the last of them that has it.
    pub fn layers(&self, region: &DivisionCode, on: NaiveDate) -> Vec<&Pack> {
        let mut chosen: Vec<&Pack> = self
            .packs
            .iter()
            .filter(|p| {
                let h = p.header();
                h.effective_from <= on && h.region.is_none_or(|r| region.is_within(&r))
            })
            .collect();
        chosen.sort_by_key(|p| (p.header().level, p.header().effective_from));
        chosen
    }

    /// Resolves the complete policy in force for `region` on `on`.
    pub fn resolve(&self, region: &DivisionCode, on: NaiveDate) -> Result<Policy, PolicyError> {
        let layers = self.layers(region, on);
        if layers.is_empty() {
            return Err(PolicyError::NoPack {
                region: region.to_string(),
                on,
            });
        }
        let names = || {
            layers
                .iter()
                .map(|p| p.id().to_string())
                .collect::<Vec<_>>()
                .join("、")
        };
        let missing = |section: &'static str| PolicyError::MissingSection {
            region: region.to_string(),
            on,
            layers: names(),
            section,
        };
        // The most specific layer that has the section wins; which one is kept with the
        // values it gives, so each value can be shown with its source.
        let mut provenance = Vec::new();
        macro_rules! pick {
            ($($field:ident).+, $name:literal) => {{
                let (value, pack) = layers
                    .iter()
                    .rev()
                    .find_map(|p| p.content.$($field).+.clone().map(|v| (v, *p)))
                    .ok_or_else(|| missing($name))?;
                provenance.push(SectionSource::of(pack, $name));
                value
            }};
        }
        // A table no pack in force has is empty (packs stored before it existed).
        macro_rules! optional {
            ($($field:ident).+, $name:literal) => {{
                match layers.iter().rev().find_map(|p| p.content.$($field).+.clone().map(|v| (v, *p))) {
                    Some((value, pack)) => {
                        provenance.push(SectionSource::of(pack, $name));
                        value
                    }
                    None => Vec::new(),
                }
            }};
        }
        Ok(Policy {
            region: *region,
            on,
            layers: layers
                .iter()
                .map(|p| LayerRef {
                    id: p.id().to_string(),
                    title: p.header().title.clone(),
                    level: p.header().level,
                    effective_from: p.header().effective_from,
                })
                .collect(),
            naming: pick!(naming, "naming"),
            contacts: match layers.iter().rev().find(|p| p.content.contacts.is_some()) {
                Some(p) => {
                    provenance.push(SectionSource::of(p, "contacts"));
                    p.content.contacts.clone().unwrap_or_default()
                }
                None => Contacts::default(),
            },
            complaints: match layers.iter().rev().find(|p| p.content.complaints.is_some()) {
                Some(p) => {
                    provenance.push(SectionSource::of(p, "complaints"));
                    p.content.complaints
                }
                None => None,
            },
            monitoring_line: pick!(monitoring_line, "monitoring_line"),
            deadlines: pick!(deadlines, "deadlines"),
            visits: pick!(visits, "visits"),
            identification: pick!(identification, "identification"),
            elimination: pick!(elimination, "elimination"),
            screening: pick!(screening, "screening"),
            problems: pick!(problems, "problems"),
            assistance: pick!(assistance, "assistance"),
            // Packs stored before exclusion rules were pack data have none: no rule applies
            // rather than every page failing until `dixian init` is run again.
            exclusions: match layers.iter().rev().find(|p| p.content.exclusions.is_some()) {
                Some(p) => {
                    provenance.push(SectionSource::of(p, "exclusions"));
                    p.content
                        .exclusions
                        .clone()
                        .unwrap_or(exclusions::ExclusionRules { rule: Vec::new() })
                }
                None => exclusions::ExclusionRules { rule: Vec::new() },
            },
            funds: match layers.iter().rev().find(|p| p.content.funds.is_some()) {
                Some(p) => {
                    provenance.push(SectionSource::of(p, "funds"));
                    p.content.funds.clone()
                }
                None => None,
            },
            assets: match layers.iter().rev().find(|p| p.content.assets.is_some()) {
                Some(p) => {
                    provenance.push(SectionSource::of(p, "assets"));
                    p.content.assets.clone()
                }
                None => None,
            },
            teams: match layers.iter().rev().find(|p| p.content.teams.is_some()) {
                Some(p) => {
                    provenance.push(SectionSource::of(p, "teams"));
                    p.content.teams.clone()
                }
                None => None,
            },
            cadres: match layers.iter().rev().find(|p| p.content.cadres.is_some()) {
                Some(p) => {
                    provenance.push(SectionSource::of(p, "cadres"));
                    p.content.cadres.clone()
                }
                None => None,
            },
            villages: match layers.iter().rev().find(|p| p.content.villages.is_some()) {
                Some(p) => {
                    provenance.push(SectionSource::of(p, "villages"));
                    p.content.villages.clone()
                }
                None => None,
            },
            project_types: optional!(codes.project_type, "codes.project_type"),
            fund_categories: optional!(codes.fund_category, "codes.fund_category"),
            negative_uses: optional!(codes.negative_use, "codes.negative_use"),
            designation_kinds: optional!(codes.designation, "codes.designation"),
            finding_sources: optional!(codes.finding_source, "codes.finding_source"),
            object_categories: pick!(codes.object_category, "codes.object_category"),
            risk_types: pick!(codes.risk_type, "codes.risk_type"),
            measure_types: pick!(codes.measure_type, "codes.measure_type"),
            elimination_modes: pick!(codes.elimination_mode, "codes.elimination_mode"),
            provenance,
        })
    }
}

/// The packs shipped in `policy/`, carried in the binary so a fresh install has them.
pub const BUILTIN_PACKS: [(&str, &str); 13] = [
    (
        "national-2021.toml",
        include_str!("../../../../policy/national-2021.toml"),
    ),
    (
        "national-2023.toml",
        include_str!("../../../../policy/national-2023.toml"),
    ),
    (
        "guizhou-2021.toml",
        include_str!("../../../../policy/guizhou-2021.toml"),
    ),
    (
        "chongqing-2022.toml",
        include_str!("../../../../policy/chongqing-2022.toml"),
    ),
    (
        "tongliang-2022.toml",
        include_str!("../../../../policy/tongliang-2022.toml"),
    ),
    (
        "henan-2023.toml",
        include_str!("../../../../policy/henan-2023.toml"),
    ),
    (
        "fujian-2023.toml",
        include_str!("../../../../policy/fujian-2023.toml"),
    ),
    (
        "yunnan-2023.toml",
        include_str!("../../../../policy/yunnan-2023.toml"),
    ),
    (
        "yunnan-2024.toml",
        include_str!("../../../../policy/yunnan-2024.toml"),
    ),
    (
        "jiangxi-2024.toml",
        include_str!("../../../../policy/jiangxi-2024.toml"),
    ),
    (
        "tongren-2021.toml",
        include_str!("../../../../policy/tongren-2021.toml"),
    ),
    (
        "wuqing-2021.toml",
        include_str!("../../../../policy/wuqing-2021.toml"),
    ),
    (
        "national-2026.toml",
        include_str!("../../../../policy/national-2026.toml"),
    ),
];

/// The shipped packs as a set. They are tested to be valid.
pub fn builtin_set() -> Result<PolicySet, Vec<PolicyIssue>> {
    let mut set = PolicySet::new();
    for (file, text) in BUILTIN_PACKS {
        let pack = Pack::parse(file, text)?;
        set.add(pack).map_err(|e| {
            vec![PolicyIssue {
                file: file.to_string(),
                line: None,
                field: "pack.id".into(),
                message: e.to_string(),
            }]
        })?;
    }
    Ok(set)
}
