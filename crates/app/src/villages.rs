//! Villages (村, issue 22): designations from the pack's table, collective accounts imported
//! from the 农经 yearly statements, each village's operating income and its gap to the target in
//! force, and the weak-village reverse ranking. The rules are `dixian_domain::villages`, their
//! numbers the pack's `[villages]`.

use crate::AppError;
use crate::areas::actor_county;
use crate::fields::{date_field, optional_date};
use crate::policy::{resolve, stored_set};
use chrono::NaiveDate;
use dixian_domain::access::{Actor, Scope};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::money::Money;
use dixian_domain::monitoring::FieldProblem;
use dixian_domain::policy::villages::DesignationKind;
use dixian_domain::villages::{
    AccountFigures, Designation, IncomeTarget, RankedVillage, TargetGap, VillageRules,
    choose_count, reverse_rank,
};
use dixian_store::Store;
use std::collections::HashMap;

/// The village rules and the designation table in force for `division`'s county on `on`.
pub async fn rules(
    store: &dyn Store,
    division: &DivisionCode,
    on: NaiveDate,
) -> Result<(VillageRules, Vec<DesignationKind>), AppError> {
    let county = division
        .ancestor_at(DivisionLevel::County)
        .unwrap_or(*division);
    let set = stored_set(store).await?;
    let policy = resolve(&set, &county, on)?;
    let rules = policy.villages.ok_or_else(|| {
        AppError::Invalid(vec![format!(
            "{on}适用的政策包没有村集体经济规则（[villages]），请先更新政策包"
        )])
    })?;
    Ok((rules, policy.designation_kinds))
}

/// The designation table in force for `division`'s county on `on` (empty where no pack has
/// one), whether or not the pack has village rules.
pub async fn kinds(
    store: &dyn Store,
    division: &DivisionCode,
    on: NaiveDate,
) -> Result<Vec<DesignationKind>, AppError> {
    let county = division
        .ancestor_at(DivisionLevel::County)
        .unwrap_or(*division);
    let set = stored_set(store).await?;
    Ok(resolve(&set, &county, on)?.designation_kinds)
}

/// Division names by code, for lists of many villages.
fn names_by_code(all: &[dixian_domain::division::Division]) -> HashMap<DivisionCode, String> {
    all.iter().map(|d| (d.code, d.name.clone())).collect()
}

/// The name of `village`'s town, from `names`.
fn town_of(names: &HashMap<DivisionCode, String>, village: &DivisionCode) -> String {
    village
        .ancestor_at(DivisionLevel::Town)
        .and_then(|t| names.get(&t).cloned())
        .unwrap_or_default()
}

/// The area a village list covers: the one asked for, else the actor's (the county for the
/// system).
fn area_of(actor: &Actor, within: Option<DivisionCode>) -> Result<DivisionCode, AppError> {
    within
        .or(match &actor.scope {
            Scope::Within(root) => Some(*root),
            Scope::Everything => None,
        })
        .ok_or_else(|| AppError::Invalid(vec!["请选择县、乡镇或村".into()]))
}

/// The designation form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct DesignationForm {
    pub division: String,
    pub kind: String,
    pub document: String,
    pub from: String,
    /// Empty: until further notice.
    pub to: String,
}

/// Records a designation (认定) of a county, town or village of the actor's county; the kind
/// must be of the pack's table and of the division's level. Gives its id.
pub async fn designate(
    store: &dyn Store,
    actor: &Actor,
    f: &DesignationForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let division = match DivisionCode::parse(f.division.trim()) {
        Ok(d) => Some(d),
        Err(e) => {
            p.push(("division", format!("认定对象：{e}")));
            None
        }
    };
    let from = date_field(&mut p, "from", &f.from, "认定起始日期");
    let to = optional_date(&mut p, "to", &f.to, "认定结束日期");
    if f.document.trim().is_empty() {
        p.push(("document", "请填写认定文件的文号".into()));
    }
    let on = from.unwrap_or(today);
    let Some(region) = division.or_else(|| actor_county(actor)) else {
        return Err(AppError::Fields(p));
    };
    let (_, kinds) = rules(store, &region, on).await?;
    let kind = kinds.iter().find(|k| k.code == f.kind.trim());
    match (kind, division) {
        (None, _) => p.push((
            "kind",
            format!("认定类别“{}”不在政策包的认定类别表中", f.kind.trim()),
        )),
        (Some(k), Some(d)) if k.division_level() != Some(d.level()) => p.push((
            "division",
            format!("“{}”认定给{}，{d}是{}", k.name, k.level, d.level().label()),
        )),
        _ => {}
    }
    let (Some(division), Some(from), Some(kind), true) = (division, from, kind, p.is_empty())
    else {
        return Err(AppError::Fields(p));
    };
    Ok(store
        .add_designation(
            actor,
            &Designation {
                division,
                kind: kind.code.clone(),
                document: f.document.trim().to_string(),
                from,
                to,
            },
        )
        .await?)
}

/// Ends designation `id` (撤销、到期、摘帽) on the day typed, with its reason (the county).
pub async fn end_designation(
    store: &dyn Store,
    actor: &Actor,
    id: &str,
    on: &str,
    reason: &str,
) -> Result<(), AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let id = id.trim().parse::<i64>().ok();
    if id.is_none() {
        p.push(("designation", "请选择要结束的认定".into()));
    }
    let on = date_field(&mut p, "on", on, "结束日期");
    if reason.trim().is_empty() {
        p.push(("reason", "请填写结束认定的原因或文号".into()));
    }
    let (Some(id), Some(on), true) = (id, on, p.is_empty()) else {
        return Err(AppError::Fields(p));
    };
    Ok(store.end_designation(actor, id, on, reason).await?)
}

/// One village of the list: its designations in force, its account of the year and the gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageLine {
    pub village: DivisionCode,
    pub name: String,
    pub town: String,
    /// Names of the designations holding on the last day of the year (or today).
    pub designations: Vec<String>,
    /// Codes of the designations holding then on the village or a division above it (a key
    /// town's villages are in a key town), for the lists' filter.
    pub kinds: Vec<String>,
    pub account: Option<AccountFigures>,
    pub operating: Option<Money>,
    pub profit: Option<Money>,
    /// Against the target in force; `None` without an account or a target.
    pub gap: Option<TargetGap>,
}

/// The villages of an area for a year, against the target in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub year: i32,
    pub area: DivisionCode,
    pub target: Option<IncomeTarget>,
    pub lines: Vec<VillageLine>,
    /// Villages with an account of the year.
    pub reported: usize,
    /// Villages meeting the target for all villages.
    pub met_all: usize,
    /// Villages reaching the higher target of the share, and how many the share asks.
    pub share_met: usize,
    pub share_needed: usize,
    /// The designations of the area and above it, and the pack's table naming their kinds.
    pub designations: Vec<dixian_store::villages::DesignationRecord>,
    pub kinds: Vec<DesignationKind>,
    /// Whether the pack in force has a weak-village programme.
    pub has_weak: bool,
}

/// The villages of `within` (the actor's area when `None`) with their accounts of `year`.
pub async fn overview(
    store: &dyn Store,
    actor: &Actor,
    within: Option<DivisionCode>,
    year: i32,
    today: NaiveDate,
) -> Result<Overview, AppError> {
    let area = area_of(actor, within)?;
    let accounts = store.accounts(actor, Some(&area), year, year).await?;
    let designations = store.designations(actor, Some(&area)).await?;
    let day = NaiveDate::from_ymd_opt(year, 12, 31)
        .unwrap_or(today)
        .min(today);
    let (rules, kinds) = rules(store, &area, day).await?;
    let items = rules.operating();
    let target = rules.target_for(year).cloned();
    let all = store.divisions_within(&area).await?;
    let mut villages: Vec<(DivisionCode, String)> = all
        .iter()
        .filter(|d| d.code.level() == DivisionLevel::Village)
        .map(|d| (d.code, d.name.clone()))
        .collect();
    if area.level() == DivisionLevel::Village
        && let Some(d) = store.division(&area).await?
    {
        villages = vec![(d.code, d.name)];
    }
    // By key, not by scanning: a province's list has tens of thousands of villages.
    let names = names_by_code(&all);
    let town_name = |v: &DivisionCode| town_of(&names, v);
    let kind_name = |code: &str| {
        kinds
            .iter()
            .find(|k| k.code == code)
            .map_or_else(|| code.to_string(), |k| k.name.clone())
    };
    let by_village: HashMap<DivisionCode, AccountFigures> =
        accounts.iter().map(|a| (a.village, a.figures)).collect();
    let mut held_by: HashMap<DivisionCode, Vec<String>> = HashMap::new();
    let mut codes_by: HashMap<DivisionCode, Vec<String>> = HashMap::new();
    for r in designations.iter().filter(|r| r.designation.holds_on(day)) {
        held_by
            .entry(r.designation.division)
            .or_default()
            .push(kind_name(&r.designation.kind));
        codes_by
            .entry(r.designation.division)
            .or_default()
            .push(r.designation.kind.clone());
    }
    let kinds_of = |village: &DivisionCode| -> Vec<String> {
        let mut out: Vec<String> = std::iter::once(*village)
            .chain(village.ancestors())
            .filter_map(|d| codes_by.get(&d))
            .flatten()
            .cloned()
            .collect();
        out.sort();
        out.dedup();
        out
    };
    let mut lines = Vec::with_capacity(villages.len());
    for (village, name) in villages {
        let account = by_village.get(&village).copied();
        let operating = account.map(|a| a.operating(&items));
        let profit = account.map(|a| a.profit);
        let gap = match (operating, profit, &target) {
            (Some(o), Some(p), Some(t)) => Some(TargetGap::of(o, p, t)),
            _ => None,
        };
        let held = held_by.remove(&village).unwrap_or_default();
        let kinds = kinds_of(&village);
        lines.push(VillageLine {
            kinds,
            town: town_name(&village),
            village,
            name,
            designations: held,
            account,
            operating,
            profit,
            gap,
        });
    }
    let reported = lines.iter().filter(|l| l.account.is_some()).count();
    let met_all = lines
        .iter()
        .filter(|l| l.gap.is_some_and(|g| g.met()))
        .count();
    let (share_met, share_needed) = match &target {
        Some(t) => (
            lines
                .iter()
                .filter(|l| {
                    l.operating.is_some_and(|o| o >= t.share_operating_min)
                        && l.profit.is_some_and(|p| p >= t.share_profit_min)
                })
                .count(),
            (lines.len() * t.share_percent as usize).div_ceil(100),
        ),
        None => (0, 0),
    };
    Ok(Overview {
        year,
        area,
        target,
        lines,
        reported,
        met_all,
        share_met,
        share_needed,
        designations,
        kinds,
        has_weak: rules.weak.is_some(),
    })
}

/// A village of the weak-village ranking, with its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeakLine {
    pub ranked: RankedVillage,
    pub name: String,
    pub town: String,
}

/// The weak-village programme of the actor's county, if its pack has one: the rules, and the
/// villages of `within` (the county when `None`) ranked on the average operating income of the
/// pack's years, lowest first, the chosen marked.
pub async fn weak_ranking(
    store: &dyn Store,
    actor: &Actor,
    within: Option<DivisionCode>,
    today: NaiveDate,
) -> Result<Option<(dixian_domain::villages::WeakVillageRules, Vec<WeakLine>)>, AppError> {
    let shown = area_of(actor, within)?;
    // The ranking is the county's (a share or count of its villages), whatever part is shown;
    // staff below the county see their villages' part only when they may read the county.
    let area = shown.ancestor_at(DivisionLevel::County).unwrap_or(shown);
    let (rules, _) = rules(store, &area, today).await?;
    let Some(weak) = rules.weak.clone() else {
        return Ok(None);
    };
    if !actor.scope.covers(&area) {
        return Ok(Some((weak, Vec::new())));
    }
    let items = rules.operating();
    let accounts = store
        .accounts(actor, Some(&area), weak.rank_from, weak.rank_to)
        .await?;
    let all = store.divisions_within(&area).await?;
    let mut years_of: HashMap<DivisionCode, Vec<(i32, Money)>> = HashMap::new();
    for a in &accounts {
        years_of
            .entry(a.village)
            .or_default()
            .push((a.year, a.figures.operating(&items)));
    }
    let villages: Vec<(DivisionCode, Vec<(i32, Money)>)> = all
        .iter()
        .filter(|d| d.code.level() == DivisionLevel::Village)
        .map(|d| (d.code, years_of.remove(&d.code).unwrap_or_default()))
        .collect();
    let with_data = villages.iter().filter(|(_, y)| !y.is_empty()).count();
    let ranked = reverse_rank(
        &villages,
        weak.rank_from,
        weak.rank_to,
        choose_count(&weak, with_data),
    );
    let names = names_by_code(&all);
    let lines = ranked
        .into_iter()
        .filter(|r| r.village.is_within(&shown))
        .map(|r| WeakLine {
            name: names.get(&r.village).cloned().unwrap_or_default(),
            town: town_of(&names, &r.village),
            ranked: r,
        })
        .collect();
    Ok(Some((weak, lines)))
}

/// A chosen village of the programme with its plan and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeLine {
    pub line: WeakLine,
    /// Its item in the rectification ledger, once enrolled.
    pub item: Option<dixian_store::rectification::ItemRecord>,
    /// Its latest operating income after the ranked years, and that year.
    pub latest: Option<(i32, Money)>,
}

/// The weak-village programme of an area: the ranking and, for each village chosen or
/// enrolled, its plan and progress toward 销号.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programme {
    pub rules: dixian_domain::villages::WeakVillageRules,
    pub ranking: Vec<WeakLine>,
    pub lines: Vec<ProgrammeLine>,
}

impl Programme {
    pub fn enrolled(&self) -> usize {
        self.lines.iter().filter(|l| l.item.is_some()).count()
    }

    pub fn struck_off(&self) -> usize {
        self.lines
            .iter()
            .filter(|l| {
                l.item
                    .as_ref()
                    .is_some_and(|i| i.state == dixian_domain::rectification::ItemState::Closed)
            })
            .count()
    }
}

/// The programme of `within` (the actor's area when `None`), if the pack has one.
pub async fn programme(
    store: &dyn Store,
    actor: &Actor,
    within: Option<DivisionCode>,
    today: NaiveDate,
) -> Result<Option<Programme>, AppError> {
    use chrono::Datelike;
    let Some((rules, ranking)) = weak_ranking(store, actor, within, today).await? else {
        return Ok(None);
    };
    let area = area_of(actor, within)?;
    let items = store
        .items(
            actor,
            &dixian_store::rectification::ItemFilter {
                within: Some(area),
                source: Some(dixian_domain::rectification::WEAK_SOURCE.into()),
                ..Default::default()
            },
        )
        .await?;
    let (village_rules, _) = self::rules(store, &area, today).await?;
    let operating_items = village_rules.operating();
    let later = store
        .accounts(actor, Some(&area), rules.rank_to + 1, today.year())
        .await?;
    let mut latest_of: HashMap<DivisionCode, (i32, Money)> = HashMap::new();
    for a in &later {
        let e = latest_of
            .entry(a.village)
            .or_insert((a.year, a.figures.operating(&operating_items)));
        if a.year > e.0 {
            *e = (a.year, a.figures.operating(&operating_items));
        }
    }
    let latest = |v: DivisionCode| latest_of.get(&v).copied();
    let enrolled: HashMap<DivisionCode, &dixian_store::rectification::ItemRecord> = items
        .iter()
        .filter_map(|i| i.weak.as_ref().map(|w| (w.village, i)))
        .collect();
    let mut lines: Vec<ProgrammeLine> = ranking
        .iter()
        .filter_map(|l| {
            let item = enrolled.get(&l.ranked.village).map(|i| (*i).clone());
            (l.ranked.chosen || item.is_some()).then(|| ProgrammeLine {
                latest: latest(l.ranked.village),
                line: l.clone(),
                item,
            })
        })
        .collect();
    // Enrolled villages the ranking does not show (staff below the county see no ranking):
    // their line as it was when they were enrolled.
    let all = store.divisions_within(&area).await?;
    let names = names_by_code(&all);
    for i in &items {
        let Some(w) = &i.weak else { continue };
        if lines.iter().any(|l| l.line.ranked.village == w.village) {
            continue;
        }
        lines.push(ProgrammeLine {
            latest: latest(w.village),
            line: WeakLine {
                ranked: RankedVillage {
                    village: w.village,
                    average: w.average,
                    missing: Vec::new(),
                    rank: w.rank.map(|r| r as usize),
                    chosen: true,
                },
                name: i.division_name.clone(),
                town: town_of(&names, &w.village),
            },
            item: Some(i.clone()),
        });
    }
    Ok(Some(Programme {
        rules,
        ranking,
        lines,
    }))
}

/// A weak village's latest operating income after its ranked years, and that year.
pub async fn latest_operating(
    store: &dyn Store,
    actor: &Actor,
    w: &dixian_store::rectification::WeakRecord,
    today: NaiveDate,
) -> Result<Option<(i32, Money)>, AppError> {
    use chrono::Datelike;
    let (rules, _) = rules(store, &w.village, today).await?;
    let items = rules.operating();
    Ok(store
        .accounts(actor, Some(&w.village), w.rank_to + 1, today.year())
        .await?
        .iter()
        .max_by_key(|a| a.year)
        .map(|a| (a.year, a.figures.operating(&items))))
}

/// The enrolment form as typed (纳入扶持).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct WeakForm {
    pub village: String,
    /// Empty: the pack's target.
    pub target: String,
    pub unit: String,
    pub team: String,
    /// A resident team (驻村工作队) serving the village, by id; empty: `unit` and `team` as
    /// typed (no team recorded for it).
    pub team_id: String,
    pub person: String,
    pub plan: String,
    pub deadline: String,
}

/// The resident teams serving a village of the actor's area today, as (id, label naming
/// the unit and the villages), for the enrolment form's choice.
pub async fn serving_teams(
    store: &dyn Store,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Vec<(i64, String)>, AppError> {
    Ok(store
        .teams(actor, None)
        .await?
        .into_iter()
        .filter(|t| t.serves_on(today))
        .map(|t| {
            let villages: Vec<&str> = t.villages.iter().map(|(_, n)| n.as_str()).collect();
            (
                t.id,
                format!("{}（{}；驻{}）", t.name, t.unit, villages.join("、")),
            )
        })
        .collect())
}

/// Enrols a village chosen by the ranking with its plan, opening its item in the rectification
/// ledger. Gives the item's id.
pub async fn enrol_weak(
    store: &dyn Store,
    actor: &Actor,
    f: &WeakForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    use dixian_domain::rectification::{NewItem, WEAK_SOURCE, WeakPlan, target_problem};
    let mut p: Vec<FieldProblem> = Vec::new();
    let village = DivisionCode::parse(f.village.trim())
        .map_err(|e| AppError::Fields(vec![("village", format!("村：{e}"))]))?;
    let Some((rules, ranking)) = weak_ranking(store, actor, Some(village), today).await? else {
        return Err(AppError::Invalid(vec![
            "政策包没有经济薄弱村扶持（[villages.weak]），不能纳入扶持".into(),
        ]));
    };
    let Some(line) = ranking.iter().find(|l| l.ranked.village == village) else {
        return Err(AppError::Fields(vec![(
            "village",
            format!("{village}不是本县的村，或您无权查看全县的倒排（纳入扶持由县级办理）"),
        )]));
    };
    if !line.ranked.chosen {
        p.push((
            "village",
            format!(
                "{}不在倒排选出的经济薄弱村中（{}—{}年年均经营性收入{}）",
                line.name,
                rules.rank_from,
                rules.rank_to,
                line.ranked
                    .average
                    .map_or_else(|| "无数据".to_string(), |m| format!("{}元", m.grouped()))
            ),
        ));
    }
    let target = if f.target.trim().is_empty() {
        Some(rules.target_operating)
    } else {
        crate::fields::money_field(&mut p, "target", &f.target, "目标经营性收入")
    };
    if let Some(m) = target.and_then(|t| target_problem(t, &rules)) {
        p.push(("target", m));
    }
    let deadline = date_field(&mut p, "deadline", &f.deadline, "完成时限");
    // A team chosen from the resident teams brings its unit and name (entered once, on the
    // team's page); it must serve the village today.
    let chosen = match f.team_id.trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Err(_) => {
                p.push(("team_id", format!("驻村工作队“{t}”不存在")));
                None
            }
            Ok(id) => {
                let team = store
                    .teams(actor, Some(&village))
                    .await?
                    .into_iter()
                    .find(|team| team.id == id);
                match team {
                    Some(team) if team.serves_on(today) => Some(team),
                    Some(team) if team.from > today => {
                        p.push((
                            "team_id",
                            format!("驻村工作队“{}”{}才进驻，现在还不能选", team.name, team.from),
                        ));
                        None
                    }
                    Some(team) => {
                        p.push((
                            "team_id",
                            format!("驻村工作队“{}”已撤换，不能再选", team.name),
                        ));
                        None
                    }
                    None => {
                        p.push((
                            "team_id",
                            format!("所选驻村工作队不驻{}：请选择驻该村的工作队，或在下面填写帮扶单位和工作队", line.name),
                        ));
                        None
                    }
                }
            }
        },
    };
    let typed: &[(&'static str, &String, &str, usize)] = if f.team_id.trim().is_empty() {
        &[
            ("unit", &f.unit, "帮扶单位", 100),
            ("team", &f.team, "帮扶工作队", 100),
        ]
    } else {
        &[]
    };
    for (field, value, what, max) in typed.iter().copied().chain([
        ("person", &f.person, "责任人", 50),
        ("plan", &f.plan, "帮扶计划", 2000),
    ]) {
        crate::fields::text_field(&mut p, field, value, what, max);
    }
    if let Some(d) = deadline.filter(|d| *d < today) {
        p.push(("deadline", format!("完成时限{d}早于今天")));
    }
    let (Some(target), Some(deadline), true) = (target, deadline, p.is_empty()) else {
        return Err(AppError::Fields(p));
    };
    let (unit, team) = match &chosen {
        Some(t) => (t.unit.clone(), t.name.clone()),
        None => (f.unit.trim().to_string(), f.team.trim().to_string()),
    };
    let plan = WeakPlan {
        village,
        target,
        unit,
        team,
        team_id: chosen.as_ref().map(|t| t.id),
        person: f.person.trim().to_string(),
        plan: f.plan.trim().to_string(),
        deadline,
    };
    let item = NewItem {
        division: village,
        source: WEAK_SOURCE.into(),
        title: format!(
            "集体经济薄弱村：{}{}（{}—{}年年均经营性收入{}，倒排第{}位），目标经营性年收入{}元",
            line.town,
            line.name,
            rules.rank_from,
            rules.rank_to,
            line.ranked
                .average
                .map_or_else(|| "无数据".to_string(), |m| format!("{}元", m.grouped())),
            line.ranked
                .rank
                .map_or_else(|| "—".to_string(), |r| r.to_string()),
            target.grouped()
        ),
        found_on: today,
        unit: plan.unit.clone(),
        person: plan.person.clone(),
        measures: plan.plan.clone(),
        deadline,
    };
    let ranked = (
        line.ranked.rank.and_then(|r| u32::try_from(r).ok()),
        line.ranked.average,
    );
    match store.enrol_weak(actor, &plan, &item, ranked, &rules).await {
        Ok(id) => Ok(id),
        Err(dixian_store::StoreError::Invalid(m)) => {
            let field = if m.contains("所选驻村工作队") {
                "team_id"
            } else if m.contains("工作队") {
                if chosen.is_some() { "team_id" } else { "team" }
            } else if m.contains("目标") {
                "target"
            } else {
                ""
            };
            Err(AppError::Fields(vec![(field, m)]))
        }
        Err(e) => Err(e.into()),
    }
}

/// One year of a village's collective account against the target in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearLine {
    pub year: i32,
    pub operating: Money,
    pub profit: Money,
    pub gap: Option<TargetGap>,
}

/// Everything about one village in one place (村情): what it is designated, its collective
/// economy against the targets, its weak-village plan, its team, its open findings and its
/// registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageFile {
    pub village: DivisionCode,
    pub name: String,
    pub town: String,
    /// (kind name, document, period, in force today).
    pub designations: Vec<(String, String, String, bool)>,
    pub years: Vec<YearLine>,
    pub weak: Option<dixian_store::rectification::ItemRecord>,
    pub teams: Vec<dixian_store::teams::TeamRecord>,
    /// Its findings not yet struck off, newest first, and how many were struck off.
    pub open_items: Vec<dixian_store::rectification::ItemRecord>,
    pub closed_items: usize,
    pub households: i64,
    pub persons: i64,
    /// Who works for the village besides the team, in words: its 包片 and 包村 cadres and its
    /// information officers serving today.
    pub cadres: Vec<(String, String)>,
    /// The secretaries' visits (遍访) to the village and its households this year.
    pub tours_this_year: usize,
}

/// The file of village `village` (the last `years` years of accounts).
pub async fn village_file(
    store: &dyn Store,
    actor: &Actor,
    village: DivisionCode,
    today: NaiveDate,
) -> Result<VillageFile, AppError> {
    use chrono::Datelike;
    use dixian_domain::rectification::{ItemState, WEAK_SOURCE};
    if village.level() != DivisionLevel::Village {
        return Err(AppError::NotFound(format!("{village}不是村")));
    }
    // The store's scoped reads refuse (and audit) a village outside the actor's area.
    let accounts = store
        .accounts(actor, Some(&village), today.year() - 5, today.year())
        .await?;
    let Some(division) = store.division(&village).await? else {
        return Err(AppError::NotFound(format!("村{village}不存在")));
    };
    let town = match village.ancestor_at(DivisionLevel::Town) {
        Some(t) => store
            .division(&t)
            .await?
            .map(|d| d.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let (rules, kinds) = self::rules(store, &village, today).await?;
    let items = rules.operating();
    let kind_name = |code: &str| {
        kinds
            .iter()
            .find(|k| k.code == code)
            .map_or_else(|| code.to_string(), |k| k.name.clone())
    };
    let designations = store
        .designations(actor, Some(&village))
        .await?
        .into_iter()
        .map(|r| {
            let d = &r.designation;
            let place = if d.division == village {
                String::new()
            } else {
                format!("（{}）", r.division_name)
            };
            (
                format!("{}{place}", kind_name(&d.kind)),
                d.document.clone(),
                match d.to {
                    Some(to) => format!("{}至{to}", d.from),
                    None => format!("{}起", d.from),
                },
                d.holds_on(today),
            )
        })
        .collect();
    let years = accounts
        .iter()
        .rev()
        .map(|a| {
            let operating = a.figures.operating(&items);
            YearLine {
                year: a.year,
                operating,
                profit: a.figures.profit,
                gap: rules
                    .target_for(a.year)
                    .map(|t| TargetGap::of(operating, a.figures.profit, t)),
            }
        })
        .collect();
    let mut findings = store
        .items(
            actor,
            &dixian_store::rectification::ItemFilter {
                within: Some(village),
                ..Default::default()
            },
        )
        .await?;
    let weak_at = findings
        .iter()
        .position(|i| i.item.source == WEAK_SOURCE && i.weak.is_some());
    let weak = weak_at.map(|k| findings.remove(k));
    let closed_items = findings
        .iter()
        .filter(|i| i.state == ItemState::Closed)
        .count();
    findings.retain(|i| i.state != ItemState::Closed);
    let counts = store.registry_counts(actor, &village).await?;
    let cadres = village_cadres(store, actor, &village, today).await?;
    let tours_this_year = store
        .tours(actor, Some(&village), today.year())
        .await?
        .iter()
        .filter(|t| t.tour.target.reaches(DivisionLevel::Village) == Some(village))
        .count();
    Ok(VillageFile {
        village,
        name: division.name,
        town,
        designations,
        years,
        weak,
        teams: store.teams(actor, Some(&village)).await?,
        open_items: findings,
        closed_items,
        households: counts.households,
        persons: counts.persons,
        cadres,
        tours_this_year,
    })
}

/// The village's 包片 (its town's, when the actor sees the town) and 包村 cadres and its
/// information officers serving on `today`, as (role, who).
async fn village_cadres(
    store: &dyn Store,
    actor: &Actor,
    village: &DivisionCode,
    today: NaiveDate,
) -> Result<Vec<(String, String)>, AppError> {
    use dixian_domain::cadres::serving_on;
    let mut out = Vec::new();
    let mut pairings = store.pairings(actor, Some(village)).await?;
    if let Some(town) = village.ancestor_at(DivisionLevel::Town)
        && actor.scope.covers(&town)
    {
        let above = store.pairings(actor, Some(&town)).await?;
        pairings.extend(above.into_iter().filter(|p| p.pairing.division == town));
    }
    pairings.sort_by_key(|p| p.pairing.level);
    for p in pairings
        .iter()
        .filter(|p| serving_on(p.pairing.from, p.to, today))
    {
        out.push((
            p.pairing.level.label().to_string(),
            format!(
                "{}（{}，{}），{}起",
                p.pairing.person, p.pairing.post, p.pairing.unit, p.pairing.from
            ),
        ));
    }
    for o in store
        .officers(actor, Some(village))
        .await?
        .iter()
        .filter(|o| serving_on(o.officer.from, o.to, today))
    {
        out.push((
            "监测信息员".to_string(),
            format!(
                "{}（{}，{}）",
                o.officer.name,
                o.officer.kind.label(),
                o.officer.phone
            ),
        ));
    }
    Ok(out)
}

/// The columns of the collective-account template (村集体经济收支导入); `true`: required.
pub const ACCOUNT_COLUMNS: [(&str, bool); 11] = [
    ("村", true),
    ("年度", true),
    ("经营收入", true),
    ("发包及上交收入", true),
    ("投资收益", true),
    ("补助收入", true),
    ("其他收入", true),
    ("经营支出", true),
    ("管理费用", true),
    ("其他支出", true),
    ("本年收益", true),
];

/// Most rows one statement may have.
const MAX_IMPORT_ROWS: usize = dixian_store::villages::MAX_ACCOUNTS;

/// Imports the villages' yearly accounts from a 农经 statement (XLSX or CSV, one row a village
/// and year), all or none; every problem named by its row and column. Gives how many were saved.
pub async fn import_accounts(
    store: &dyn Store,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
) -> Result<usize, AppError> {
    use crate::sheet::{Problem, table};
    let (_work, rows) =
        table::open_list(actor, file_name, bytes, &ACCOUNT_COLUMNS, MAX_IMPORT_ROWS)?;
    let area = area_of(actor, None)?;
    let all = store.divisions_within(&area).await?;
    // Every way a row may name a village (村名, 镇名村名, 区划代码), by that text.
    let names = names_by_code(&all);
    let mut villages: HashMap<String, Vec<DivisionCode>> = HashMap::new();
    for d in all
        .iter()
        .filter(|d| d.code.level() == DivisionLevel::Village)
    {
        let town = town_of(&names, &d.code);
        for key in [
            d.name.clone(),
            format!("{town}{}", d.name),
            d.code.to_string(),
        ] {
            villages.entry(key).or_default().push(d.code);
        }
    }
    let mut problems: Vec<Problem> = Vec::new();
    let mut accounts = Vec::new();
    let mut row_of = Vec::new();
    for r in &rows {
        let missing = r.missing(&ACCOUNT_COLUMNS);
        if !missing.is_empty() {
            problems.extend(missing);
            continue;
        }
        let before = problems.len();
        let place = r.get(0);
        let found: Vec<DivisionCode> = villages.get(place).cloned().unwrap_or_default();
        let village = match found.as_slice() {
            [one] => Some(*one),
            [] if r.numbers.contains(&0) => {
                problems.push(r.problem(
                    &ACCOUNT_COLUMNS,
                    0,
                    "区划代码被Excel存成了数字，请把这一列设为文本后重新填写".into(),
                ));
                None
            }
            [] => {
                problems.push(r.problem(
                    &ACCOUNT_COLUMNS,
                    0,
                    format!("您的辖区没有叫“{place}”的村"),
                ));
                None
            }
            many => {
                let distinct: std::collections::BTreeSet<_> = many.iter().collect();
                if distinct.len() == 1 {
                    Some(many[0])
                } else {
                    problems.push(r.problem(
                        &ACCOUNT_COLUMNS,
                        0,
                        format!(
                            "辖区有{}个“{place}”，请写成“镇名村名”或区划代码",
                            distinct.len()
                        ),
                    ));
                    None
                }
            }
        };
        let year = match r.get(1).trim_end_matches('年').parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => Some(y),
            _ => {
                problems.push(r.problem(
                    &ACCOUNT_COLUMNS,
                    1,
                    format!("年度“{}”应为如2025的年份", r.get(1)),
                ));
                None
            }
        };
        let mut money = |c: usize| match Money::parse(r.get(c)) {
            Ok(m) => m,
            Err(e) => {
                problems.push(r.problem(&ACCOUNT_COLUMNS, c, format!("金额{e}")));
                Money::ZERO
            }
        };
        let figures = AccountFigures {
            business: money(2),
            contract: money(3),
            investment: money(4),
            subsidy: money(5),
            other: money(6),
            business_cost: money(7),
            management_cost: money(8),
            other_cost: money(9),
            profit: money(10),
        };
        if problems.len() == before {
            let columns = [
                ("business", 2),
                ("contract", 3),
                ("investment", 4),
                ("subsidy", 5),
                ("other", 6),
                ("business_cost", 7),
                ("management_cost", 8),
                ("other_cost", 9),
                ("profit", 10),
            ];
            for (field, message) in figures.problems() {
                let c = columns
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map_or(10, |x| x.1);
                problems.push(r.problem(&ACCOUNT_COLUMNS, c, message));
            }
        }
        if let (Some(v), Some(y), true) = (village, year, problems.len() == before) {
            accounts.push((v, y, figures));
            row_of.push(r.number);
        }
    }
    if !problems.is_empty() {
        return Err(table::refused(file_name, &problems));
    }
    match store.save_accounts(actor, &accounts).await {
        Ok(n) => Ok(n),
        Err(dixian_store::StoreError::Invalid(m)) => Err(AppError::Invalid(vec![table::at_row(
            &m, "个", &row_of, file_name,
        )])),
        Err(e) => Err(e.into()),
    }
}

/// The account template as CSV or XLSX, with its instructions.
pub fn account_template(kind: crate::sheet::FileKind) -> Result<Vec<u8>, AppError> {
    let notes: Vec<crate::sheet::ColumnNote> = ACCOUNT_COLUMNS
        .iter()
        .map(|(name, required)| crate::sheet::ColumnNote {
            name,
            required: *required,
            note: match *name {
                "村" => "村的12位区划代码，或村名（重名时写“镇名村名”）".into(),
                "年度" => "如 2025".into(),
                "本年收益" => "各项收入之和减经营支出、管理费用和其他支出，须与各项相符".into(),
                "投资收益" => "金额，元，可写“1.2万”；亏损写负数".into(),
                _ => "金额，元，可写“1.2万”；没有填0".into(),
            },
        })
        .collect();
    crate::sheet::template_book(
        kind,
        "村集体经济收支",
        "村集体经济收支导入说明",
        &notes,
        &[(0, 24.0)],
        &[
            "每行一个村一年的收支，取自农经统计“村集体经济组织收益分配表”。",
            "经营性收入按政策包计算（默认为经营收入、发包及上交收入、投资收益和其他收入之和，不含补助收入）。",
            "同一个村同一年再次导入时以新导入的为准；整个文件有任何一处问题都不会写入。",
        ],
    )
    .map_err(|e| AppError::Invalid(vec![format!("无法生成模板：{e}")]))
}

/// The village work of an area on a dashboard (the 004 figures among them): how many
/// divisions hold each designation today, the weak-village programme, the rectification
/// ledger, resident teams, this year's 遍访 and the information officers still missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaFigures {
    pub area: DivisionCode,
    /// Per designation kind held today by a division in the area: (code, name, count).
    pub designated: Vec<(String, String, usize)>,
    /// Weak villages enrolled, and of them struck off.
    pub weak_enrolled: usize,
    pub weak_struck: usize,
    /// Rectification items not struck off, and of them past their deadline.
    pub items_open: usize,
    pub items_overdue: usize,
    /// Resident teams serving the area and their members serving today.
    pub teams: usize,
    pub members: usize,
    /// Secretaries' visits this year to the area or by its secretaries.
    pub tours: usize,
    /// Information officers missing under the pack; `None` without `[cadres]`.
    pub vacancies: Option<u32>,
}

/// The village work of `area` on `today`, each figure read from what is stored.
pub async fn area_figures(
    store: &dyn Store,
    actor: &Actor,
    area: &DivisionCode,
    today: NaiveDate,
) -> Result<AreaFigures, AppError> {
    use chrono::Datelike;
    use dixian_domain::rectification::{ItemState, WEAK_SOURCE};
    let kinds = kinds(store, area, today).await?;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for r in store.designations(actor, Some(area)).await? {
        let d = &r.designation;
        if d.division.is_within(area) && d.holds_on(today) {
            *counts.entry(d.kind.clone()).or_default() += 1;
        }
    }
    let designated = kinds
        .iter()
        .filter_map(|k| {
            counts
                .get(&k.code)
                .map(|n| (k.code.clone(), k.name.clone(), *n))
        })
        .collect();
    let items = store
        .items(
            actor,
            &dixian_store::rectification::ItemFilter {
                within: Some(*area),
                ..Default::default()
            },
        )
        .await?;
    let weak: Vec<_> = items
        .iter()
        .filter(|i| i.item.source == WEAK_SOURCE && i.weak.is_some())
        .collect();
    let open: Vec<_> = items
        .iter()
        .filter(|i| i.state != ItemState::Closed)
        .collect();
    let teams = store.teams(actor, Some(area)).await?;
    let members = teams
        .iter()
        .flat_map(|t| &t.members)
        .filter(|m| m.from <= today && m.to.is_none_or(|e| e >= today))
        .count();
    let tours = store.tours(actor, Some(area), today.year()).await?.len();
    let (cadre_rules, grid, _) = crate::cadres::grid(store, actor, Some(*area), today).await?;
    Ok(AreaFigures {
        area: *area,
        designated,
        weak_enrolled: weak.len(),
        weak_struck: weak.iter().filter(|i| i.state == ItemState::Closed).count(),
        items_open: open.len(),
        items_overdue: open.iter().filter(|i| i.dates().overdue_on(today)).count(),
        teams: teams.iter().filter(|t| t.serves_on(today)).count(),
        members,
        tours,
        vacancies: cadre_rules.map(|_| grid.iter().map(|l| l.vacancies).sum()),
    })
}

/// The pack's designation kinds for the actor's county on `on`, as (code, name), for a list's
/// filter; none where no pack names them (or the actor sees no one county).
pub async fn designation_kinds(
    store: &dyn Store,
    actor: &Actor,
    on: NaiveDate,
) -> Vec<(String, String)> {
    let dixian_domain::access::Scope::Within(root) = &actor.scope else {
        return Vec::new();
    };
    match kinds(store, root, on).await {
        Ok(kinds) => kinds.into_iter().map(|k| (k.code, k.name)).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "认定类别读取失败");
            Vec::new()
        }
    }
}
