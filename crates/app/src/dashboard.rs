//! Dashboards (工作看板) of a county, town or village: the monitoring figures an office is
//! judged on, each one a [`CaseFilter`] so a click on it lists exactly the households it
//! counts. Every figure is tallied from one scoped read of the area's case facts with
//! [`CaseFilter::matches`], the rule the store's list query applies too; a test holds the
//! two to the same answer at every level.

use crate::AppError;
use crate::policy::policy_in_force;
use crate::problems::{Count, ProblemFilter, ProblemLedger};
use chrono::{Datelike, Months, NaiveDate};
use dixian_domain::access::{Actor, Scope};
use dixian_domain::division::{Division, DivisionCode, DivisionLevel};
use dixian_domain::monitoring::{CaseState, risk_type_name};
use dixian_domain::policy::Policy;
use dixian_domain::problems::{PROBLEM_KINDS, ProblemState};
use dixian_domain::villages::HeldDesignations;
use dixian_store::{CaseFact, CaseFilter, RuleRates, Store};
use std::collections::{BTreeMap, HashMap};

/// The states of a household counted as identified (识别监测对象): included now, or included
/// and since eliminated.
pub const IDENTIFIED: [CaseState; 7] = [
    CaseState::Monitored,
    CaseState::ExitVerifying,
    CaseState::ExitDeliberation,
    CaseState::ExitNotice,
    CaseState::ExitTownReview,
    CaseState::ExitCountyReview,
    CaseState::Eliminated,
];

/// Included and not yet eliminated (监测帮扶中，含风险消除办理中).
pub const MONITORED: [CaseState; 6] = [
    CaseState::Monitored,
    CaseState::ExitVerifying,
    CaseState::ExitDeliberation,
    CaseState::ExitNotice,
    CaseState::ExitTownReview,
    CaseState::ExitCountyReview,
];

/// Still in the identification procedure (识别纳入办理中).
pub const IDENTIFYING: [CaseState; 5] = [
    CaseState::Verifying,
    CaseState::Deliberation,
    CaseState::Notice,
    CaseState::TownReview,
    CaseState::CountyReview,
];

/// One number on a dashboard and the list behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub label: String,
    pub households: i64,
    /// Living members of those households.
    pub people: i64,
    /// The cases counted: `Store::cases` with this filter lists them.
    pub filter: CaseFilter,
}

impl Figure {
    /// Counts the cases among `facts` that `filter` lists. `facts` may be any part of the
    /// area's cases that holds every one the filter lists: a county's hundred figures are
    /// counted over the parts they concern, not each over the whole county.
    fn tally<'a>(
        label: impl Into<String>,
        filter: CaseFilter,
        facts: impl IntoIterator<Item = &'a CaseFact>,
    ) -> Figure {
        let (households, people) = facts
            .into_iter()
            .filter(|f| filter.matches(f))
            .fold((0, 0), |(h, p), f| (h + 1, p + f.people));
        Figure {
            label: label.into(),
            households,
            people,
            filter,
        }
    }
}

/// A share as a whole number of tenths of a percent (千分比), or `None` of nothing.
pub fn permille(part: i64, whole: i64) -> Option<i64> {
    if whole <= 0 {
        return None;
    }
    // Rounded half up, in integers: shares are reported to one decimal (84.8%).
    Some((part * 1000 * 2 + whole) / (whole * 2))
}

/// A count with thousands separators, as in county bulletins: 298,835.
pub fn grouped(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!(
        "{sign}{}",
        dixian_domain::money::group_thousands(&n.unsigned_abs().to_string())
    )
}

/// "84.8%", or "—" when there is nothing to share.
pub fn percent_text(permille: Option<i64>) -> String {
    match permille {
        Some(p) => format!("{}.{}%", p / 10, p % 10),
        None => "—".into(),
    }
}

/// The month's identifications and eliminations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthFigures {
    /// "2026-05".
    pub month: String,
    pub identified: Figure,
    pub eliminated: Figure,
}

/// The headline figures of one child division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionFigures {
    pub division: Division,
    pub identified: Figure,
    pub monitored: Figure,
    pub eliminated: Figure,
    pub overdue: Figure,
    /// Share of identified people whose risk is eliminated.
    pub eliminated_share: Option<i64>,
}

/// Everything the dashboard of one area shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dashboard {
    pub area: Division,
    /// The designation (认定) the figures are narrowed to, as (code, name): only cases of
    /// villages holding it on `as_of`, themselves or by their town or county.
    pub designation: Option<(String, String)>,
    /// What the pack in force calls the households monitored (监测对象; from 2026
    /// 防止返贫致贫对象), for every heading.
    pub object_name: String,
    /// Province first, for the way back up.
    pub ancestors: Vec<Division>,
    pub as_of: NaiveDate,
    pub identified: Figure,
    pub monitored: Figure,
    pub eliminated: Figure,
    pub identifying: Figure,
    /// Eliminated people over identified people (seed 004: 风险消除人数占比84.8%).
    pub eliminated_share: Option<i64>,
    /// Identified households by object category (监测对象类别).
    pub by_category: Vec<Figure>,
    /// Identified households by risk type (风险类型); a household with two counts twice.
    pub by_risk: Vec<Figure>,
    /// Every case by where it stands.
    pub by_state: Vec<Figure>,
    /// The twelve months up to `as_of`, oldest first.
    pub months: Vec<MonthFigures>,
    /// Cases whose current step is past its deadline, by step.
    pub overdue: Vec<Figure>,
    pub overdue_total: Figure,
    /// The child divisions (towns of a county, villages of a town); none for a village.
    pub children: Vec<DivisionFigures>,
    /// Department screening: warnings, verified and identified, per rule, this year.
    pub screening: Vec<RuleRates>,
    /// The 三保障 and drinking-water problem ledger.
    pub problems: ProblemFigures,
}

/// The problem ledger's figures on a dashboard, each with the list it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemFigures {
    /// Not struck off today (待整改 and 待销号).
    pub open: Count,
    pub overdue: Count,
    /// Open beyond the pack's clearing limit (未清零).
    pub uncleared: Count,
    /// Struck off (已销号), all time.
    pub closed: Count,
    /// Per kind: (kind label, open, struck off).
    pub by_kind: Vec<(&'static str, Count, Count)>,
    pub clear_within_days: u32,
}

async fn problem_figures(
    store: &dyn Store,
    actor: &Actor,
    area: &DivisionCode,
    as_of: NaiveDate,
    designation: Option<&str>,
) -> Result<ProblemFigures, AppError> {
    let ledger = ProblemLedger::load(store, actor, area, as_of).await?;
    let base = ProblemFilter {
        designation: designation.map(str::to_string),
        ..ProblemFilter::default().within(*area)
    };
    let open = |f: ProblemFilter| ProblemFilter {
        open_on: Some(as_of),
        ..f
    };
    let closed = |f: ProblemFilter| ProblemFilter {
        states: vec![ProblemState::Closed],
        ..f
    };
    let by_kind = PROBLEM_KINDS
        .iter()
        .map(|k| {
            let kind = ProblemFilter {
                kind: Some(*k),
                ..base.clone()
            };
            (
                k.label(),
                ledger.count(open(kind.clone())),
                ledger.count(closed(kind)),
            )
        })
        .collect();
    Ok(ProblemFigures {
        open: ledger.count(open(base.clone())),
        overdue: ledger.count(ProblemFilter {
            overdue_on: Some(as_of),
            ..base.clone()
        }),
        uncleared: ledger.count(ProblemFilter {
            uncleared_on: Some(as_of),
            ..base.clone()
        }),
        closed: ledger.count(closed(base)),
        by_kind,
        clear_within_days: ledger.area_rules.clear_within_days,
    })
}

/// The division a dashboard opens on: the actor's own, or for county-wide actors the first
/// top of the loaded division tree.
pub async fn home_area(store: &dyn Store, actor: &Actor) -> Result<DivisionCode, AppError> {
    match &actor.scope {
        Scope::Within(code) => Ok(*code),
        Scope::Everything => store
            .root_divisions()
            .await?
            .first()
            .map(|d| d.code)
            .ok_or_else(|| AppError::NotFound("尚未导入行政区划".into())),
    }
}

/// The area a page asks for (`text`, a 12-digit code), or the actor's home area when it names
/// none. Scope is checked by whatever reads the area.
pub async fn area_or_home(
    store: &dyn Store,
    actor: &Actor,
    text: &str,
) -> Result<DivisionCode, AppError> {
    match text.trim() {
        "" => home_area(store, actor).await,
        t => DivisionCode::parse(t)
            .map_err(|e| AppError::Invalid(vec![format!("区划代码“{t}”不正确：{e}")])),
    }
}

/// Names of codes in the pack in force where the figures are: the area's own pack, or for an
/// area above county level the pack of a village with cases in it.
async fn names_pack(
    store: &dyn Store,
    area: &DivisionCode,
    facts: &[CaseFact],
    on: NaiveDate,
) -> Result<Option<Policy>, AppError> {
    if area.level() >= DivisionLevel::County {
        return policy_in_force(store, area.as_str(), on).await.map(Some);
    }
    match facts.first() {
        Some(f) => policy_in_force(store, f.village.as_str(), on)
            .await
            .map(Some),
        None => Ok(None),
    }
}

fn month_bounds(first: NaiveDate) -> (NaiveDate, NaiveDate) {
    let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
    (first, next.pred_opt().unwrap_or(first))
}

/// The dashboard of `area` (refused, audited, outside the actor's scope) as of `as_of`.
pub async fn dashboard(
    store: &dyn Store,
    actor: &Actor,
    area: &DivisionCode,
    as_of: NaiveDate,
) -> Result<Dashboard, AppError> {
    designated_dashboard(store, actor, area, as_of, None).await
}

/// The code and name of designation `code` in the pack in force for `area` on `on`; refused
/// when the pack names no such designation, and above county level, where no one pack names
/// the designations (each county's pack has its own table).
async fn designation_named(
    store: &dyn Store,
    area: &DivisionCode,
    code: &str,
    on: NaiveDate,
) -> Result<(String, String), AppError> {
    if area.level() < DivisionLevel::County {
        return Err(AppError::Invalid(vec![
            "按认定统计请先进入一个县（区）的看板：认定类别由各县政策包规定".into(),
        ]));
    }
    let kinds = crate::villages::kinds(store, area, on).await?;
    kinds
        .into_iter()
        .find(|k| k.code == code)
        .map(|k| (k.code, k.name))
        .ok_or_else(|| {
            AppError::Invalid(vec![format!(
                "认定类别“{code}”不在本县政策包的认定表中：请从“村的认定”列表中选择"
            )])
        })
}

/// The dashboard of `area` as of `as_of`, its figures narrowed to the villages holding
/// `designation` that day (the village's own, or its town's or county's), as the lists
/// its figures link to narrow theirs.
pub async fn designated_dashboard(
    store: &dyn Store,
    actor: &Actor,
    area: &DivisionCode,
    as_of: NaiveDate,
    designation: Option<&str>,
) -> Result<Dashboard, AppError> {
    // Scope before existence, as on the drill-down pages: the refusal is audited once.
    if !actor.scope.covers(area) {
        store.case_facts(actor, Some(area)).await?;
    }
    let designation = match designation.map(dixian_domain::villages::designation_code) {
        None | Some(Ok(None)) => None,
        Some(Ok(Some(code))) => Some(designation_named(store, area, &code, as_of).await?),
        Some(Err(e)) => return Err(AppError::Invalid(vec![e])),
    };
    let code = designation.as_ref().map(|(c, _)| c.as_str());
    // The reads go to the database together; each runs on its own connection.
    let year_start = NaiveDate::from_ymd_opt(as_of.year(), 1, 1).unwrap_or(as_of);
    let (mut facts, screening, problems, held) = tokio::try_join!(
        async { Ok::<_, AppError>(store.case_facts(actor, Some(area)).await?) },
        async { Ok::<_, AppError>(store.screening_rates(actor, year_start).await?) },
        problem_figures(store, actor, area, as_of, code),
        async {
            Ok::<_, AppError>(match code {
                Some(_) => {
                    let all = store.designations(actor, Some(area)).await?;
                    HeldDesignations::on(all.iter().map(|r| &r.designation), as_of)
                }
                None => HeldDesignations::default(),
            })
        },
    )?;
    if let Some(code) = code {
        facts.retain(|f| held.covers(code, &f.village));
    }
    let division = store
        .division(area)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("区划代码{area}不存在")))?;
    let mut ancestors = Vec::new();
    for a in area.ancestors().into_iter().rev() {
        if let Some(d) = store.division(&a).await? {
            ancestors.push(d);
        }
    }
    let pack = names_pack(store, area, &facts, as_of).await?;
    let designated = code.map(|c| (c.to_string(), as_of));
    let base = CaseFilter {
        within: Some(*area),
        designation: designated.clone(),
        ..CaseFilter::default()
    };
    let with_states = |states: &[CaseState]| CaseFilter {
        states: states.to_vec(),
        ..base.clone()
    };
    let mut of_state: HashMap<CaseState, Vec<&CaseFact>> = HashMap::new();
    for f in &facts {
        of_state.entry(f.state).or_default().push(f);
    }
    let in_states = |states: &[CaseState]| {
        states
            .iter()
            .flat_map(|s| of_state.get(s).into_iter().flatten().copied())
            .collect::<Vec<&CaseFact>>()
    };
    let states_tally = |label: &str, states: &[CaseState]| {
        Figure::tally(label, with_states(states), in_states(states))
    };
    let object_name = pack.as_ref().map_or_else(
        || "监测对象".to_string(),
        |p| p.naming.monitored_object.clone(),
    );
    let identified_facts = in_states(&IDENTIFIED);
    let identified = Figure::tally(
        format!("识别{object_name}"),
        with_states(&IDENTIFIED),
        identified_facts.iter().copied(),
    );
    let monitored = states_tally("监测帮扶中", &MONITORED);
    let eliminated = states_tally("风险已消除", &[CaseState::Eliminated]);
    let identifying = states_tally("识别纳入办理中", &IDENTIFYING);
    let eliminated_share = permille(eliminated.people, identified.people);
    let mut of_category: BTreeMap<&str, Vec<&CaseFact>> = BTreeMap::new();
    let mut of_risk: BTreeMap<&str, Vec<&CaseFact>> = BTreeMap::new();
    for f in &identified_facts {
        if let Some(c) = &f.category {
            of_category.entry(c).or_default().push(f);
        }
        for r in &f.risk_types {
            of_risk.entry(r).or_default().push(f);
        }
    }

    let mut categories: Vec<String> = pack
        .as_ref()
        .map(|p| p.object_categories.iter().map(|c| c.code.clone()).collect())
        .unwrap_or_default();
    let mut risks: Vec<String> = pack
        .as_ref()
        .map(|p| {
            p.risk_types
                .iter()
                .flat_map(|r| {
                    std::iter::once(r.code.clone()).chain(r.subtypes.iter().map(|s| s.code.clone()))
                })
                .collect()
        })
        .unwrap_or_default();
    // Codes a case carries that the pack in force no longer names still count.
    for c in of_category.keys() {
        if !categories.iter().any(|k| k == c) {
            categories.push((*c).to_string());
        }
    }
    for r in of_risk.keys() {
        if !risks.iter().any(|k| k == r) {
            risks.push((*r).to_string());
        }
    }
    let category_name = |code: &str| {
        pack.as_ref()
            .and_then(|p| p.object_categories.iter().find(|c| c.code == code))
            .map_or_else(|| format!("类别{code}"), |c| c.name.clone())
    };
    let risk_name = |code: &str| {
        pack.as_ref()
            .and_then(|p| risk_type_name(p, code))
            .map_or_else(|| format!("风险{code}"), str::to_string)
    };
    let by_category = categories
        .iter()
        .map(|c| {
            Figure::tally(
                category_name(c),
                CaseFilter {
                    category: Some(c.clone()),
                    ..with_states(&IDENTIFIED)
                },
                of_category.get(c.as_str()).into_iter().flatten().copied(),
            )
        })
        .filter(|f| f.households > 0)
        .collect();
    let by_risk = risks
        .iter()
        .map(|r| {
            Figure::tally(
                risk_name(r),
                CaseFilter {
                    risk_type: Some(r.clone()),
                    ..with_states(&IDENTIFIED)
                },
                of_risk.get(r.as_str()).into_iter().flatten().copied(),
            )
        })
        .filter(|f| f.households > 0)
        .collect();
    let by_state = CaseState::ALL
        .iter()
        .map(|s| Figure::tally(s.label(), with_states(&[*s]), in_states(&[*s])))
        .collect();

    let this_month = as_of.with_day(1).unwrap_or(as_of);
    let since = this_month
        .checked_sub_months(Months::new(11))
        .unwrap_or(this_month);
    // Each month's figures count the cases approved or eliminated in that month.
    let month_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let mut approved_in: HashMap<NaiveDate, Vec<&CaseFact>> = HashMap::new();
    let mut eliminated_in: HashMap<NaiveDate, Vec<&CaseFact>> = HashMap::new();
    for f in &facts {
        if let Some(d) = f.approved_on.filter(|d| *d >= since) {
            approved_in.entry(month_of(d)).or_default().push(f);
        }
        if let Some(d) = f.eliminated_on.filter(|d| *d >= since) {
            eliminated_in.entry(month_of(d)).or_default().push(f);
        }
    }
    let months = (0..12u32)
        .rev()
        .map(|back| {
            let first = this_month
                .checked_sub_months(Months::new(back))
                .unwrap_or(this_month);
            let bounds = month_bounds(first);
            MonthFigures {
                month: first.format("%Y-%m").to_string(),
                identified: Figure::tally(
                    "新识别",
                    CaseFilter {
                        approved_between: Some(bounds),
                        ..base.clone()
                    },
                    approved_in.get(&first).into_iter().flatten().copied(),
                ),
                eliminated: Figure::tally(
                    "风险消除",
                    CaseFilter {
                        eliminated_between: Some(bounds),
                        ..base.clone()
                    },
                    eliminated_in.get(&first).into_iter().flatten().copied(),
                ),
            }
        })
        .collect();
    let overdue_filter = |states: Vec<CaseState>| CaseFilter {
        states,
        overdue_on: Some(as_of),
        ..base.clone()
    };
    let late: Vec<&CaseFact> = facts
        .iter()
        .filter(|f| f.due_on.is_some_and(|due| due < as_of))
        .collect();
    let overdue = CaseState::ALL
        .iter()
        .filter(|s| s.step().is_some())
        .map(|s| Figure::tally(s.label(), overdue_filter(vec![*s]), late.iter().copied()))
        .collect();
    let overdue_total = Figure::tally("逾期未办", overdue_filter(Vec::new()), late.iter().copied());

    let mut children = Vec::new();
    let divisions = store.child_divisions(area).await?;
    let mut of_child: HashMap<DivisionCode, Vec<&CaseFact>> = HashMap::new();
    if let Some(level) = divisions.first().map(|d| d.code.level()) {
        for f in &facts {
            if let Some(c) = f.village.ancestor_at(level) {
                of_child.entry(c).or_default().push(f);
            }
        }
    }
    for child in divisions {
        let facts = of_child.remove(&child.code).unwrap_or_default();
        // Under a designation, a child none of whose villages hold it is left out (a key
        // town's row among fifteen, not fourteen rows of nothing).
        if let Some(code) = code {
            let holds = held
                .holders(code)
                .any(|d| d.is_within(&child.code) || child.code.is_within(d));
            if facts.is_empty() && !holds {
                continue;
            }
        }
        let within = CaseFilter {
            within: Some(child.code),
            designation: designated.clone(),
            ..CaseFilter::default()
        };
        let states = |s: &[CaseState]| CaseFilter {
            states: s.to_vec(),
            ..within.clone()
        };
        let identified = Figure::tally(
            format!("识别{object_name}"),
            states(&IDENTIFIED),
            facts.iter().copied(),
        );
        let eliminated = Figure::tally(
            "风险已消除",
            states(&[CaseState::Eliminated]),
            facts.iter().copied(),
        );
        children.push(DivisionFigures {
            eliminated_share: permille(eliminated.people, identified.people),
            monitored: Figure::tally("监测帮扶中", states(&MONITORED), facts.iter().copied()),
            overdue: Figure::tally(
                "逾期未办",
                CaseFilter {
                    overdue_on: Some(as_of),
                    ..within.clone()
                },
                facts.iter().copied(),
            ),
            identified,
            eliminated,
            division: child,
        });
    }
    Ok(Dashboard {
        problems,
        designation,
        object_name,
        area: division,
        ancestors,
        as_of,
        identified,
        monitored,
        eliminated,
        identifying,
        eliminated_share,
        by_category,
        by_risk,
        by_state,
        months,
        overdue,
        overdue_total,
        children,
        screening,
    })
}

/// What a list of cases selected by `filter` holds in all, beyond the page shown: its
/// households and people, and the filter in words for the list's heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub households: i64,
    pub people: i64,
    pub words: Vec<String>,
}

/// The totals and description of `filter`'s list, scoped as the list itself.
pub async fn selection(
    store: &dyn Store,
    actor: &Actor,
    filter: &CaseFilter,
) -> Result<Selection, AppError> {
    let facts = store.case_facts(actor, filter.within.as_ref()).await?;
    let (households, people) = if filter.searches() {
        // Names are not among the facts: the searched list itself is counted (a search
        // finds a few households, not a county).
        let all = CaseFilter {
            offset: 0,
            limit: i64::MAX,
            ..filter.clone()
        };
        store
            .cases(actor, &all)
            .await?
            .iter()
            .fold((0, 0), |(h, p), c| (h + 1, p + c.people))
    } else {
        facts
            .iter()
            .filter(|f| filter.matches(f))
            .fold((0, 0), |(h, p), f| (h + 1, p + f.people))
    };
    let mut words = Vec::new();
    if !filter.text.trim().is_empty() {
        words.push(format!("查找：{}", filter.text.trim()));
    }
    if filter.id_number.is_some() {
        words.push("按身份证号查找".into());
    }
    if let Some((code, on)) = &filter.designation {
        let name = crate::villages::designation_kinds(store, actor, *on)
            .await
            .into_iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.clone(), |(_, n)| n);
        words.push(format!("村的认定：{name}（含所在乡镇、县的认定）"));
    }
    if let Some(w) = &filter.within {
        let name = store
            .division(w)
            .await?
            .map_or_else(|| w.to_string(), |d| d.name);
        words.push(format!("区划：{name}"));
    }
    let states = filter.states.as_slice();
    if states == IDENTIFIED {
        // The name in force today where the list is (2026: 防止返贫致贫对象).
        let region = filter
            .within
            .map_or_else(|| "500000000000".to_string(), |w| w.as_str().to_string());
        let object_name = crate::policy::object_name(store, &region, crate::today()).await;
        words.push(format!("识别{object_name}"));
    } else if states == MONITORED {
        words.push("监测帮扶中".into());
    } else if states == IDENTIFYING {
        words.push("识别纳入办理中".into());
    } else if !states.is_empty() {
        let names: Vec<&str> = states.iter().map(|s| s.label()).collect();
        words.push(format!("状态：{}", names.join("、")));
    }
    let area = match &filter.within {
        Some(w) => *w,
        None => home_area(store, actor).await?,
    };
    let pack = names_pack(store, &area, &facts, today_or(filter))
        .await
        .ok()
        .flatten();
    if let Some(c) = &filter.category {
        let name = pack
            .as_ref()
            .and_then(|p| p.object_categories.iter().find(|i| &i.code == c))
            .map_or(c.as_str(), |i| i.name.as_str());
        words.push(format!("对象类别：{name}"));
    }
    if let Some(r) = &filter.risk_type {
        let name = pack
            .as_ref()
            .and_then(|p| risk_type_name(p, r))
            .unwrap_or(r.as_str());
        words.push(format!("风险类型：{name}"));
    }
    if let Some((a, b)) = filter.approved_between {
        words.push(format!("纳入监测日期：{a}至{b}"));
    }
    if let Some((a, b)) = filter.eliminated_between {
        words.push(format!("风险消除日期：{a}至{b}"));
    }
    if let Some(d) = filter.overdue_on {
        words.push(format!("截至{d}已逾期"));
    }
    if let Some(h) = &filter.household {
        words.push(format!("户编号：{h}"));
    }
    Ok(Selection {
        households,
        people,
        words,
    })
}

/// The day names are looked up on: the filter's own day if it has one.
fn today_or(filter: &CaseFilter) -> NaiveDate {
    filter.overdue_on.unwrap_or_else(crate::today)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_to_one_decimal_in_integers() {
        // Seed 004 reports 84.8%.
        assert_eq!(permille(58_401, 68_869), Some(848));
        assert_eq!(percent_text(permille(58_401, 68_869)), "84.8%");
        assert_eq!(permille(1, 3), Some(333));
        assert_eq!(permille(2, 3), Some(667));
        assert_eq!(permille(0, 0), None);
        assert_eq!(percent_text(None), "—");
        assert_eq!(percent_text(permille(5, 5)), "100.0%");
    }

    #[test]
    fn month_bounds_cover_the_whole_month() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert_eq!(month_bounds(d(2024, 2, 1)), (d(2024, 2, 1), d(2024, 2, 29)));
        assert_eq!(
            month_bounds(d(2026, 12, 1)),
            (d(2026, 12, 1), d(2026, 12, 31))
        );
    }
}
