//! Cadres around villages (issue 22, seeds/003 第5、6、17条): 包片/包村 pairings and their
//! hand-over, moving a leaving 帮扶责任人's households to another (包户), the 五级书记遍访 and
//! its yearly coverage by level, and the information-officer grid with its vacancies. The
//! rules are `dixian_domain::cadres`, the numbers the pack's `[cadres]`.

use crate::AppError;
use crate::fields::{day_or_today, text_field};
use crate::policy::{resolve, stored_set};
use chrono::{Datelike, NaiveDate};
use dixian_domain::access::{Actor, Scope};
use dixian_domain::cadres::{
    CadreRules, Coverage, CoverageInput, OfficerKind, Pairing, PairingLevel, SecretaryLevel, Tour,
    TourTarget, coverage, officers_required, serving_on,
};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::monitoring::FieldProblem;
use dixian_domain::registry::HouseholdCode;
use dixian_domain::teams::MemberRole;
use dixian_store::Store;
use dixian_store::cadres::{HandOver, NewOfficer, OfficerRecord, Successor};
use std::collections::BTreeMap;

/// The cadre rules in force for `division`'s county on `on`; `None` where no pack has them.
pub async fn rules(
    store: &dyn Store,
    division: &DivisionCode,
    on: NaiveDate,
) -> Result<Option<CadreRules>, AppError> {
    let county = division
        .ancestor_at(DivisionLevel::County)
        .unwrap_or(*division);
    let set = stored_set(store).await?;
    Ok(resolve(&set, &county, on)?.cadres)
}

fn division_field(
    p: &mut Vec<FieldProblem>,
    field: &'static str,
    text: &str,
    what: &str,
) -> Option<DivisionCode> {
    if text.trim().is_empty() {
        p.push((field, format!("请选择{what}")));
        return None;
    }
    match DivisionCode::parse(text.trim()) {
        Ok(c) => Some(c),
        Err(e) => {
            p.push((field, format!("{what}：{e}")));
            None
        }
    }
}

/// The pairing form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct PairingForm {
    pub level: String,
    pub division: String,
    pub person: String,
    pub post: String,
    pub unit: String,
    pub from: String,
}

/// Records a pairing (包片 by the county, 包村 by the county or the town). Gives its id.
pub async fn add_pairing(
    store: &dyn Store,
    actor: &Actor,
    f: &PairingForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let level = PairingLevel::parse(f.level.trim());
    if level.is_none() {
        p.push(("level", "请选择包联层级：包片（乡镇）或包村".into()));
    }
    let division = division_field(&mut p, "division", &f.division, "包联的乡镇或村");
    text_field(&mut p, "person", &f.person, "包联干部姓名", 50);
    text_field(&mut p, "post", &f.post, "职务", 100);
    text_field(&mut p, "unit", &f.unit, "所在单位", 100);
    let from = day_or_today(&mut p, "from", &f.from, today, "开始日期");
    let (Some(level), Some(division), Some(from), true) = (level, division, from, p.is_empty())
    else {
        return Err(AppError::Fields(p));
    };
    let pairing = Pairing {
        level,
        division,
        person: f.person.trim().into(),
        post: f.post.trim().into(),
        unit: f.unit.trim().into(),
        from,
    };
    if let Some(problem) = pairing.problem() {
        return Err(AppError::Fields(vec![("division", problem)]));
    }
    Ok(store.add_pairing(actor, &pairing).await?)
}

/// The form that ends a pairing, optionally naming who takes over (交接).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct EndPairingForm {
    pub on: String,
    pub reason: String,
    pub person: String,
    pub post: String,
    pub unit: String,
}

/// Ends pairing `id`; with a successor's name, the successor's pairing starts the same day.
/// Gives the successor's id.
pub async fn end_pairing(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    f: &EndPairingForm,
    today: NaiveDate,
) -> Result<Option<i64>, AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let on = day_or_today(&mut p, "on", &f.on, today, "结束日期");
    text_field(&mut p, "reason", &f.reason, "结束原因", 200);
    let successor = if f.person.trim().is_empty() {
        if !f.post.trim().is_empty() || !f.unit.trim().is_empty() {
            p.push((
                "person",
                "填了接任干部的职务或单位，请同时填写其姓名".into(),
            ));
        }
        None
    } else {
        text_field(&mut p, "post", &f.post, "接任干部职务", 100);
        text_field(&mut p, "unit", &f.unit, "接任干部所在单位", 100);
        Some(Successor {
            person: f.person.trim().into(),
            post: f.post.trim().into(),
            unit: f.unit.trim().into(),
        })
    };
    let (Some(on), true) = (on, p.is_empty()) else {
        return Err(AppError::Fields(p));
    };
    Ok(store
        .end_pairing(actor, id, on, f.reason.trim(), successor.as_ref())
        .await?)
}

/// The hand-over form: the leaving 帮扶责任人, who takes over, when and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct HandOverForm {
    pub from: String,
    pub to: String,
    pub on: String,
    pub reason: String,
}

/// Moves every household of one 帮扶责任人 in the actor's area to another. Gives how many.
pub async fn hand_over(
    store: &dyn Store,
    actor: &Actor,
    f: &HandOverForm,
    today: NaiveDate,
) -> Result<usize, AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let account =
        |p: &mut Vec<FieldProblem>, field: &'static str, text: &str, what: &str| match text
            .trim()
            .parse::<i64>(
        ) {
            Ok(n) if n > 0 => Some(n),
            _ => {
                p.push((field, format!("请选择{what}")));
                None
            }
        };
    let from = account(&mut p, "from", &f.from, "移交的帮扶责任人");
    let to = account(&mut p, "to", &f.to, "接收的帮扶责任人");
    let on = day_or_today(&mut p, "on", &f.on, today, "调整日期");
    text_field(&mut p, "reason", &f.reason, "调整原因", 200);
    let (Some(from), Some(to), Some(on), true) = (from, to, on, p.is_empty()) else {
        return Err(AppError::Fields(p));
    };
    Ok(store
        .hand_over(
            actor,
            &HandOver {
                from,
                to,
                on,
                reason: f.reason.trim().into(),
            },
        )
        .await?)
}

/// The 遍访 form as typed: the secretary, the day, and whom (a town or village by code, or a
/// household by its code).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct TourForm {
    pub level: String,
    pub of: String,
    pub visitor: String,
    pub on: String,
    /// `household` for a household visit; also assumed when `household` is filled in.
    pub kind: String,
    pub division: String,
    pub household: String,
    pub note: String,
}

/// Records a secretary's visit. Gives its id.
pub async fn add_tour(
    store: &dyn Store,
    actor: &Actor,
    f: &TourForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let level = SecretaryLevel::parse(f.level.trim());
    if level.is_none() {
        p.push((
            "level",
            "请选择书记：县（区）委书记、乡镇党委书记、村党组织书记或第一书记".into(),
        ));
    }
    let of = division_field(&mut p, "of", &f.of, "书记所在的县、乡镇或村");
    text_field(&mut p, "visitor", &f.visitor, "书记姓名", 50);
    let on = day_or_today(&mut p, "on", &f.on, today, "遍访日期");
    // The page offers both boxes: a household typed means a household visit.
    let household_visit = f.kind.trim() == "household" || !f.household.trim().is_empty();
    if household_visit && !f.division.trim().is_empty() {
        p.push((
            "household",
            "遍访的乡镇或村与农户只填一项：遍访农户时，乡镇或村选“不选”".into(),
        ));
    }
    let target = if household_visit {
        match HouseholdCode::parse(f.household.trim()) {
            Ok(h) => Some(TourTarget::Household(h)),
            Err(_) if f.household.trim().is_empty() => {
                p.push(("household", "请填写遍访农户的户编号".into()));
                None
            }
            Err(_) => {
                p.push((
                    "household",
                    format!("户编号“{}”无效：应为16位数字", f.household.trim()),
                ));
                None
            }
        }
    } else {
        division_field(&mut p, "division", &f.division, "遍访的乡镇或村").and_then(|c| {
            match c.level() {
                DivisionLevel::Town => Some(TourTarget::Town(c)),
                DivisionLevel::Village => Some(TourTarget::Village(c)),
                other => {
                    p.push((
                        "division",
                        format!("遍访对象应为乡镇或村，{c}是{}", other.label()),
                    ));
                    None
                }
            }
        })
    };
    if f.note.trim().chars().count() > 1000 {
        p.push(("note", "遍访情况不能超过1000字".into()));
    }
    let (Some(level), Some(of), Some(on), Some(target), true) =
        (level, of, on, target, p.is_empty())
    else {
        return Err(AppError::Fields(p));
    };
    let tour = Tour {
        level,
        of,
        visitor: f.visitor.trim().into(),
        on,
        target,
        note: f.note.trim().into(),
    };
    if let Some(problem) = tour.problem() {
        let field = if problem.contains("应选所在") {
            "of"
        } else if household_visit {
            "household"
        } else {
            "division"
        };
        return Err(AppError::Fields(vec![(field, problem)]));
    }
    Ok(store.add_tour(actor, &tour).await?)
}

/// A year's 遍访 coverage of an area, with names for the codes it shows.
#[derive(Debug, Clone)]
pub struct CoverageView {
    pub year: i32,
    /// `None` where no pack in force has `[cadres]`: the county secretary's counts are unknown
    /// and that level is not shown.
    pub rules: Option<CadreRules>,
    pub lines: Vec<Coverage>,
    /// Division code → name, for the divisions the lines name.
    pub names: BTreeMap<String, String>,
    pub tours: usize,
    /// The year's visits as stored, newest first, for the page's record list.
    pub records: Vec<dixian_store::cadres::TourRecord>,
}

impl CoverageView {
    pub fn name(&self, code: &str) -> String {
        self.names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }
}

/// The year's 遍访 coverage of `within` (the actor's area when `None`): the divisions, the
/// key-assisted towns and villages designated at any time in the year, the villages with a
/// 第一书记 serving in the year, the 脱贫户 and 监测户 as registered, and the year's visits.
pub async fn coverage_of(
    store: &dyn Store,
    actor: &Actor,
    within: Option<DivisionCode>,
    year: i32,
    today: NaiveDate,
) -> Result<CoverageView, AppError> {
    let root = match (within, &actor.scope) {
        (Some(w), _) => w,
        (None, Scope::Within(r)) => *r,
        (None, Scope::Everything) => {
            return Err(AppError::Invalid(vec!["请先选择一个县或乡镇".into()]));
        }
    };
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Err(AppError::Invalid(vec![format!("年度{year}无效")]));
    };
    let rules = rules(store, &root, last.min(today).max(first)).await?;
    let divisions = within_and_root(store, &root).await?;
    let mut names = BTreeMap::new();
    let mut input = CoverageInput {
        year,
        ..CoverageInput::default()
    };
    for d in &divisions {
        names.insert(d.code.to_string(), d.name.clone());
        match d.code.level() {
            DivisionLevel::County => input.counties.push(d.code),
            DivisionLevel::Town => input.towns.push(d.code),
            DivisionLevel::Village => input.villages.push(d.code),
            _ => {}
        }
    }
    for list in [&mut input.counties, &mut input.towns, &mut input.villages] {
        list.sort();
    }
    // The county secretary's line reads the county's key towns and villages, whichever part of
    // it the list shows.
    let county = root.ancestor_at(DivisionLevel::County).unwrap_or(root);
    if let Some(r) = &rules {
        let in_year = |d: &dixian_domain::villages::Designation| {
            d.from <= last && d.to.is_none_or(|t| t >= first)
        };
        let scope_root = if actor.scope.covers(&county) {
            Some(county)
        } else {
            Some(root)
        };
        for rec in store.designations(actor, scope_root.as_ref()).await? {
            let d = &rec.designation;
            if !in_year(d) {
                continue;
            }
            if d.kind == r.key_town && d.division.level() == DivisionLevel::Town {
                input.key_towns.insert(d.division);
                names.insert(d.division.to_string(), rec.division_name.clone());
            } else if d.kind == r.key_village && d.division.level() == DivisionLevel::Village {
                input.key_villages.insert(d.division);
                names.insert(d.division.to_string(), rec.division_name.clone());
            }
        }
    }
    for team in store.teams(actor, Some(&root)).await? {
        let has_secretary = team.members.iter().any(|m| {
            m.role == MemberRole::Secretary && m.from <= last && m.to.is_none_or(|t| t >= first)
        });
        if has_secretary {
            input
                .first_secretary_villages
                .extend(team.villages.iter().map(|(v, _)| *v));
        }
    }
    input.households = store.tour_households(actor, Some(&root)).await?;
    let tours = store.tours(actor, Some(&root), year).await?;
    if tours.len() > dixian_store::cadres::MAX_TOURS {
        return Err(AppError::Invalid(vec![format!(
            "{year}年所选地区的遍访记录超过{}条，请在“地区”中选一个乡镇查看",
            dixian_store::cadres::MAX_TOURS
        )]));
    }
    let count = tours.len();
    input.tours = tours.iter().map(|t| t.tour.clone()).collect();
    let lines = coverage(&input, rules.as_ref());
    Ok(CoverageView {
        year,
        rules,
        lines,
        names,
        tours: count,
        records: tours,
    })
}

/// `root` and every division below it, once each.
async fn within_and_root(
    store: &dyn Store,
    root: &DivisionCode,
) -> Result<Vec<dixian_domain::division::Division>, AppError> {
    let mut all = store.divisions_within(root).await?;
    if !all.iter().any(|d| d.code == *root)
        && let Some(r) = store.division(root).await?
    {
        all.push(r);
    }
    Ok(all)
}

/// The information officer form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct OfficerForm {
    pub division: String,
    pub name: String,
    pub phone: String,
    pub kind: String,
    pub from: String,
}

/// Adds an information officer. Gives the id.
pub async fn add_officer(
    store: &dyn Store,
    actor: &Actor,
    f: &OfficerForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let division = division_field(&mut p, "division", &f.division, "信息员所在的县、乡镇或村");
    text_field(&mut p, "name", &f.name, "姓名", 50);
    if let Err(e) = dixian_domain::cadres::work_phone(&f.phone) {
        p.push(("phone", e));
    }
    let kind = OfficerKind::parse(f.kind.trim());
    if kind.is_none() {
        p.push(("kind", "请选择专职或兼职".into()));
    }
    let from = day_or_today(&mut p, "from", &f.from, today, "开始日期");
    let (Some(division), Some(kind), Some(from), true) = (division, kind, from, p.is_empty())
    else {
        return Err(AppError::Fields(p));
    };
    Ok(store
        .add_officer(
            actor,
            &NewOfficer {
                division,
                name: f.name.trim().into(),
                phone: f.phone.trim().into(),
                kind,
                from,
            },
        )
        .await?)
}

/// The form that ends an officer's service.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct EndForm {
    pub on: String,
    pub reason: String,
}

/// Ends officer `id`'s service.
pub async fn end_officer(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    f: &EndForm,
    today: NaiveDate,
) -> Result<(), AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let on = day_or_today(&mut p, "on", &f.on, today, "结束日期");
    text_field(&mut p, "reason", &f.reason, "原因", 200);
    let (Some(on), true) = (on, p.is_empty()) else {
        return Err(AppError::Fields(p));
    };
    Ok(store.end_officer(actor, id, on, f.reason.trim()).await?)
}

/// Ends account `cadre`'s care of household `code` (解除帮扶责任人) on the form's day for its
/// reason; the period stays in the household's history.
pub async fn release_cadre(
    store: &dyn Store,
    actor: &Actor,
    code: &str,
    cadre: i64,
    f: &EndForm,
    today: NaiveDate,
) -> Result<(), AppError> {
    let household = HouseholdCode::parse(code.trim())
        .map_err(|e| AppError::NotFound(format!("户编号{code}不对：{e}")))?;
    let mut p: Vec<FieldProblem> = Vec::new();
    let on = day_or_today(&mut p, "on", &f.on, today, "解除日期");
    text_field(&mut p, "reason", &f.reason, "解除原因", 200);
    let (Some(on), true) = (on, p.is_empty()) else {
        return Err(AppError::Fields(p));
    };
    Ok(store
        .release_cadre(actor, &household, cadre, on, f.reason.trim())
        .await?)
}

/// One division of the information-officer grid: how many the pack asks, who serves today,
/// and how many places are empty.
#[derive(Debug, Clone)]
pub struct GridLine {
    pub division: DivisionCode,
    pub name: String,
    pub required: u32,
    pub serving: Vec<OfficerRecord>,
    pub vacancies: u32,
}

/// The grid of `within` (the actor's area when `None`) on `today`: every county, town and
/// village with the pack's number, the officers serving, and the vacancies; `None` for the
/// rules where no pack has `[cadres]` (then nothing is vacant). Past officers are given apart.
pub async fn grid(
    store: &dyn Store,
    actor: &Actor,
    within: Option<DivisionCode>,
    today: NaiveDate,
) -> Result<(Option<CadreRules>, Vec<GridLine>, Vec<OfficerRecord>), AppError> {
    let root = match (within, &actor.scope) {
        (Some(w), _) => w,
        (None, Scope::Within(r)) => *r,
        (None, Scope::Everything) => {
            return Err(AppError::Invalid(vec!["请先选择一个县或乡镇".into()]));
        }
    };
    let rules = rules(store, &root, today).await?;
    let divisions = within_and_root(store, &root).await?;
    let mut divisions = divisions;
    divisions.retain(|d| {
        matches!(
            d.code.level(),
            DivisionLevel::County | DivisionLevel::Town | DivisionLevel::Village
        )
    });
    divisions.sort_by_key(|d| d.code);
    let officers = store.officers(actor, Some(&root)).await?;
    let (current, past): (Vec<_>, Vec<_>) = officers
        .into_iter()
        .partition(|o| serving_on(o.officer.from, o.to, today));
    let mut by_division: BTreeMap<DivisionCode, Vec<OfficerRecord>> = BTreeMap::new();
    for o in current {
        by_division.entry(o.officer.division).or_default().push(o);
    }
    let lines = divisions
        .into_iter()
        .map(|d| {
            let required = rules
                .as_ref()
                .map_or(0, |r| officers_required(r, d.code.level()));
            let serving = by_division.remove(&d.code).unwrap_or_default();
            let n = u32::try_from(serving.len()).unwrap_or(u32::MAX);
            GridLine {
                division: d.code,
                name: d.name,
                required,
                vacancies: required.saturating_sub(n),
                serving,
            }
        })
        .collect();
    Ok((rules, lines, past))
}

/// The year a coverage query asks for: empty for this year, else 2000..=this year.
pub fn year_of(text: &str, today: NaiveDate) -> Result<i32, AppError> {
    match text.trim() {
        "" => Ok(today.year()),
        t => match t.parse::<i32>() {
            Ok(y) if (2000..=today.year()).contains(&y) => Ok(y),
            _ => Err(AppError::Invalid(vec![format!(
                "年度“{t}”无效：应为2000到{}之间的年份",
                today.year()
            )])),
        },
    }
}

/// Per level, how many lines are met of how many there are (for the summary).
pub fn met_by_level(lines: &[Coverage]) -> BTreeMap<SecretaryLevel, (usize, usize)> {
    let mut out: BTreeMap<SecretaryLevel, (usize, usize)> = BTreeMap::new();
    for l in lines {
        let e = out.entry(l.level).or_default();
        if l.met() {
            e.0 += 1;
        }
        e.1 += 1;
    }
    out
}
