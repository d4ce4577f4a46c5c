//! Screening inside the server (部门筛查): the area's registry and the departments' current
//! deliveries through the engine, with the rules of the policy pack in force; each warning
//! explained and recorded, new ones as leads in their village's list.

use crate::AppError;
use crate::feeds::{Fact, fact_of};
use chrono::{Datelike, NaiveDate};
use dixian_domain::access::{Actor, Scope};
use dixian_domain::policy::screening::{
    AssistanceKind, CheckedRule, Condition, HousingGrade, RecordSource, RuleCategory,
    ScreeningKind, ScreeningRules,
};
use dixian_domain::registry::{HouseholdType, LabourCapacity, LivingStatus};
use dixian_domain::screening::Department;
use dixian_screen::engine::HouseholdRow;
use dixian_screen::engine::yuan;
use dixian_screen::rules::{
    Assistance, Categories, Category, Grade, Labour, Rule, RuleKind, RuleSet, Source,
};
use dixian_screen::{Date, Plan, Registry, Window};
use dixian_store::{NewScreeningRun, ScreeningOutcome, ScreeningWarning, Store};
use std::collections::HashMap;

/// What a run found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningReport {
    pub as_of: NaiveDate,
    pub households: usize,
    pub persons: usize,
    /// Feed rows matched to a person of the area and read.
    pub rows: usize,
    /// Households with no income recorded: the income rules pass them by.
    pub without_income: usize,
    pub warnings: Vec<ScreeningWarning>,
    /// Warnings per rule: (code, name, count), in rule order.
    pub by_rule: Vec<(String, String, usize)>,
    /// Households warned per town: (town code, households), in code order.
    pub by_town: Vec<(String, usize)>,
    /// Households with at least one warning: at most this many leads (one per household;
    /// warnings raised within the repeat window make none).
    pub households_warned: usize,
    /// Above this many households the officer confirms the number before leads are made.
    pub confirm_above: Option<u32>,
    /// What recording needs: the deliveries read and the repeat window.
    pub deliveries: Vec<i64>,
    pub repeat_months: u32,
    /// Empty (run 0) until the preview is recorded.
    pub outcome: ScreeningOutcome,
}

impl ScreeningReport {
    /// Whether recording it needs the officer's explicit confirmation of the number.
    pub fn needs_confirmation(&self) -> bool {
        self.confirm_above
            .is_none_or(|n| self.households_warned > n as usize)
    }
}

/// Stand-in income for a household without one recorded: high enough that no rule comparing
/// income fires, while the rules on costs alone still do.
const UNKNOWN_INCOME: i64 = i64::MAX / 4;

fn date(d: NaiveDate) -> Result<Date, AppError> {
    Date::new(d.year().clamp(0, 9999) as u32, d.month(), d.day())
        .ok_or_else(|| AppError::Invalid(vec![format!("日期{d}超出筛查可处理的范围")]))
}

/// The engine's rule set for a pack's checked rules. The domain checks the rules without
/// knowing the engine; this is the one place the two meet.
pub fn engine_rules(rules: &ScreeningRules) -> Result<RuleSet, AppError> {
    let checked = rules.checked().map_err(|problems| {
        AppError::Invalid(
            problems
                .into_iter()
                .map(|(i, field, m)| format!("筛查规则第{}条 {field}：{m}", i + 1))
                .collect(),
        )
    })?;
    Ok(RuleSet::new(checked.iter().map(engine_rule).collect()))
}

fn engine_rule(rule: &CheckedRule) -> Rule {
    let category = |c: &RuleCategory| match c {
        RuleCategory::Lifted => Category::Lifted,
        RuleCategory::Ordinary => Category::Ordinary,
        RuleCategory::Monitored => Category::Monitored,
    };
    let kind = match &rule.condition {
        Condition::IncomeBelowLine => RuleKind::IncomeBelowLine,
        &Condition::MedicalBurden {
            window_months,
            share_percent,
            over_fen,
        } => RuleKind::MedicalBurden {
            window_months,
            share_percent,
            over_fen,
        },
        &Condition::SelfPayAtLeast {
            window_months,
            at_least_fen,
        } => RuleKind::SelfPayAtLeast {
            window_months,
            at_least_fen,
        },
        &Condition::PostShockIncome { window_months } => {
            RuleKind::PostShockIncome { window_months }
        }
        &Condition::NewDisability {
            window_months,
            max_level,
        } => RuleKind::NewDisability {
            window_months,
            max_level,
        },
        &Condition::Dropout { min_age, max_age } => RuleKind::Dropout { min_age, max_age },
        &Condition::UnsafeHousing {
            window_months,
            min_grade,
        } => RuleKind::UnsafeHousing {
            window_months,
            min_grade: match min_grade {
                HousingGrade::A => Grade::A,
                HousingGrade::B => Grade::B,
                HousingGrade::C => Grade::C,
                HousingGrade::D => Grade::D,
            },
        },
        &Condition::LabourDeath { window_months } => RuleKind::LabourDeath { window_months },
        &Condition::MemberRecord {
            source,
            window_months,
            at_least_fen,
        } => RuleKind::MemberRecord {
            source: match source {
                RecordSource::Unemployment => Source::Unemployment,
                RecordSource::Disaster => Source::Disaster,
                RecordSource::SeriousIllness => Source::SeriousIllness,
            },
            window_months,
            at_least_fen,
        },
        Condition::NewAssistance {
            window_months,
            kinds,
        } => RuleKind::NewAssistance {
            window_months: *window_months,
            kinds: kinds
                .iter()
                .map(|k| match k {
                    AssistanceKind::Dibao => Assistance::Dibao,
                    AssistanceKind::Tekun => Assistance::Tekun,
                    AssistanceKind::Temporary => Assistance::Temporary,
                })
                .collect(),
        },
    };
    Rule {
        code: rule.code.clone(),
        kind,
        categories: if rule.categories.is_empty() {
            Categories::ALL
        } else {
            Categories::of(&rule.categories.iter().map(category).collect::<Vec<_>>())
        },
        excluded_too: rule.excluded_too,
    }
}

/// Screens the actor's area as of `as_of`; `progress` hears each stage (a label and a
/// percentage) so a page can show it.
/// Screens the actor's area as of `as_of` and records what it found: leads dated `today`.
/// The command line and the API use it; the web page previews first ([`preview_screening`]).
pub async fn run_screening(
    store: &dyn Store,
    actor: &Actor,
    as_of: NaiveDate,
    today: NaiveDate,
    progress: &(dyn Fn(&str, u8) + Sync),
) -> Result<ScreeningReport, AppError> {
    let mut report = preview_screening(store, actor, as_of, progress).await?;
    progress("生成预警线索", 80);
    report.outcome = record_screening(store, actor, &report, today).await?;
    progress("完成", 100);
    Ok(report)
}

/// Records a previewed run: one lead per household warned (its warnings together), dated
/// `today`; warnings raised within the repeat window are not raised again. Audited.
pub async fn record_screening(
    store: &dyn Store,
    actor: &Actor,
    report: &ScreeningReport,
    today: NaiveDate,
) -> Result<ScreeningOutcome, AppError> {
    Ok(store
        .record_screening(
            actor,
            &NewScreeningRun {
                as_of: report.as_of,
                run_on: today,
                repeat_months: report.repeat_months,
                deliveries: report.deliveries.clone(),
                households: i64::try_from(report.households).unwrap_or(i64::MAX),
                warnings: report.warnings.clone(),
            },
        )
        .await?)
}

/// Screens the actor's area as of `as_of` without recording anything: what a run would
/// find, per rule and per town, each warning explained.
pub async fn preview_screening(
    store: &dyn Store,
    actor: &Actor,
    as_of: NaiveDate,
    progress: &(dyn Fn(&str, u8) + Sync),
) -> Result<ScreeningReport, AppError> {
    let area = match &actor.scope {
        Scope::Within(root) => *root,
        Scope::Everything => {
            return Err(AppError::Invalid(vec!["筛查须由有辖区的账号发起".into()]));
        }
    };
    progress("读取政策包", 5);
    let policy = crate::policy::policy_in_force(store, area.as_str(), as_of).await?;
    let rules = engine_rules(&policy.screening)?;
    let line_fen = policy.monitoring_line.amount.fen();
    progress("读取农户与部门数据", 15);
    let input = store.screening_input(actor).await?;
    progress("比对", 50);
    let as_of_date = date(as_of)?;
    let mut registry = Registry::new(as_of_date);
    let mut without_income = 0;
    let mut households = Vec::with_capacity(input.households.len());
    for h in &input.households {
        let category = if h.monitored {
            Category::Monitored
        } else if h.household_type == HouseholdType::PovertyAlleviated {
            Category::Lifted
        } else {
            Category::Ordinary
        };
        let income_fen = h.net_income_fen.unwrap_or_else(|| {
            without_income += 1;
            UNKNOWN_INCOME
        });
        let mut town = [b'0'; 9];
        town.copy_from_slice(&h.village.as_str().as_bytes()[..9]);
        households.push(HouseholdRow {
            id: h.id,
            town,
            category,
            members: u32::try_from(h.members.max(1)).unwrap_or(u32::MAX),
            income_fen,
            excluded: h.public_payroll,
        });
    }
    registry.load_households(&[households.as_slice()], 1);
    let mut persons = 0;
    for p in &input.persons {
        // Only members living in the household count; the registry's own deaths too.
        if p.status != LivingStatus::InHousehold {
            continue;
        }
        let Some(h) = registry.household_index(p.household_id) else {
            continue;
        };
        let labour = match p.labour {
            LabourCapacity::Ordinary | LabourCapacity::Skilled => Labour::Full,
            LabourCapacity::Weak => Labour::Weak,
            LabourCapacity::Lost => Labour::Lost,
            LabourCapacity::None => Labour::None,
        };
        let person = registry.person(h, date(p.birth_date)?, labour);
        if registry.add_person(p.id, person).is_ok() {
            persons += 1;
        }
    }
    let plan = Plan::new(&rules.rules, as_of_date, line_fen)
        .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let mut tally = plan.tally(&registry);
    // Deaths first: a member who died is no longer counted by the other rows.
    let (deaths, others): (Vec<_>, Vec<_>) = input
        .rows
        .iter()
        .partition(|r| r.department == Department::Deaths);
    for r in deaths {
        if let Some(before) = registry.record_death(r.person_id, date(r.on)?) {
            plan.death(&mut tally, r.person_id, before, date(r.on)?);
        }
    }
    // The settlements behind each household's medical sums, for the warnings' evidence.
    let mut claims: HashMap<i64, Vec<(Date, i64, i64)>> = HashMap::new();
    for r in &others {
        let Some(fact) = fact_of(r.department, r.on, r.amount_fen, r.amount2_fen, &r.detail) else {
            continue;
        };
        let on = date(r.on)?;
        let person = registry.lookup(r.person_id);
        match fact {
            Fact::Claim { self_pay, .. } => {
                plan.claim(&mut tally, person, on, self_pay.fen());
                // Kept for the evidence: the same claims the sums count.
                if person.is_some_and(|p| p.living()) {
                    claims.entry(r.household_id).or_default().push((
                        on,
                        self_pay.fen(),
                        r.person_id,
                    ));
                }
            }
            Fact::Assistance { kind, .. } => {
                plan.assistance(&mut tally, r.person_id, person, kind, on)
            }
            Fact::Disability { level, .. } => {
                plan.disability(&mut tally, r.person_id, person, level, on)
            }
            Fact::Schooling { status, .. } => {
                plan.schooling(&mut tally, r.person_id, person, status, on)
            }
            Fact::Housing { grade, .. } => {
                let household = registry.household_index(r.household_id);
                plan.housing(&mut tally, r.household_id, household, grade, on)
            }
            Fact::Listed { kind, amount, .. } => {
                // 人社, 应急管理 and 卫健 rows are signals; 车辆, 不动产, 市场主体 and 财政供养
                // rows are for the exclusion checks at 入户核实, not for screening.
                let source = match r.department {
                    Department::Employment if kind == "失业登记" => Some(Source::Unemployment),
                    Department::Emergency => Some(Source::Disaster),
                    Department::Health => Some(Source::SeriousIllness),
                    _ => None,
                };
                if let Some(source) = source {
                    plan.record(&mut tally, r.person_id, person, source, on, amount.fen());
                }
            }
            // Deaths were taken first.
            Fact::Death { .. } => {}
        }
    }
    let hits = plan.evaluate(&registry, &tally);
    let names: HashMap<i64, &str> = input
        .persons
        .iter()
        .map(|p| (p.id, p.name.as_str()))
        .collect();
    let who = |key: i64| {
        names
            .get(&key)
            .map_or_else(|| format!("人员#{key}"), |n| (*n).to_string())
    };
    // Largest first: the few listed should be the ones that weigh.
    for list in claims.values_mut() {
        list.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    }
    let evidence_rows = |household_id: i64, months: u32| -> String {
        let Some(window) = Window::months_to(as_of_date, months) else {
            return String::new();
        };
        let rows: Vec<&(Date, i64, i64)> = claims
            .get(&household_id)
            .map(|l| l.iter().filter(|(on, _, _)| window.contains(*on)).collect())
            .unwrap_or_default();
        if rows.is_empty() {
            return String::new();
        }
        let listed: Vec<String> = rows
            .iter()
            .take(5)
            .map(|(on, fen, person)| format!("{on} {} 自付{}", who(*person), yuan(*fen)))
            .collect();
        format!(
            "；依据医保结算{}笔：{}{}",
            rows.len(),
            listed.join("、"),
            if rows.len() > 5 { "等" } else { "" }
        )
    };
    let mut warnings = Vec::with_capacity(hits.len());
    let mut by_rule: Vec<(String, String, usize)> = rules
        .rules
        .iter()
        .map(|r| {
            let name = policy
                .screening
                .get(&r.code)
                .map_or_else(|| r.code.clone(), |p| p.name.clone());
            (r.code.clone(), name, 0)
        })
        .collect();
    for hit in &hits {
        let rule = &rules.rules[hit.rule];
        let pack_rule = policy.screening.get(&rule.code);
        by_rule[hit.rule].2 += 1;
        warnings.push(ScreeningWarning {
            household_id: registry.household_id(hit.household),
            rule_code: rule.code.clone(),
            rule_name: by_rule[hit.rule].1.clone(),
            department: pack_rule.map_or("", |p| p.kind.department()).to_string(),
            explanation: plan
                .explain_with(&registry, &tally, *hit, &who)
                .map(|text| {
                    let window = pack_rule.and_then(|p| match p.kind {
                        ScreeningKind::MedicalBurden
                        | ScreeningKind::SelfPayAtLeast
                        | ScreeningKind::PostShockIncome => p.window_months,
                        _ => None,
                    });
                    match window {
                        Some(m) => text + &evidence_rows(registry.household_id(hit.household), m),
                        None => text,
                    }
                })
                .unwrap_or_else(|| by_rule[hit.rule].1.clone()),
        });
    }
    // Per town, the households warned (a household once, whatever its number of rules).
    let town_of: HashMap<i64, String> = input
        .households
        .iter()
        .map(|h| {
            let town = h
                .village
                .parent()
                .map_or_else(|| h.village.to_string(), |t| t.to_string());
            (h.id, town)
        })
        .collect();
    let mut warned: Vec<i64> = warnings.iter().map(|w| w.household_id).collect();
    warned.sort_unstable();
    warned.dedup();
    let mut towns: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for h in &warned {
        if let Some(t) = town_of.get(h) {
            *towns.entry(t.clone()).or_default() += 1;
        }
    }
    progress("预览完成", 75);
    Ok(ScreeningReport {
        as_of,
        households: households.len(),
        persons,
        rows: input.rows.len(),
        without_income,
        warnings,
        by_rule,
        by_town: towns.into_iter().collect(),
        households_warned: warned.len(),
        confirm_above: policy.screening.confirm_above_households,
        deliveries: input.deliveries.iter().map(|d| d.id).collect(),
        repeat_months: policy.screening.repeat_months,
        outcome: ScreeningOutcome::default(),
    })
}
