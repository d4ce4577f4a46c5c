//! Consistency checks (数据质量) of DOMAIN §6, in batch: records that break the assistance
//! rules, each found with a message that names what is wrong. Saving a step already refuses
//! most of these; the batch finds what older data, imports and later pack changes left.
//! Nothing here does IO.

use crate::codes::coded_enum;
use crate::id_number::age_on;
use crate::money::Money;
use crate::monitoring::{
    Case, CaseState, HouseholdFacts, Measure, MeasureStatus, check_risks, income_check,
    measure_type_name, plan_gaps,
};
use crate::policy::Policy;
use crate::registry::LivingStatus;
use chrono::NaiveDate;

coded_enum!(
    /// A consistency rule (数据质量规则).
    Rule {
        EliminatedWithoutMeasure => ("elimination_without_measure", "帮扶消除但无已落实的帮扶措施"),
        PlanGap => ("plan_gap", "帮扶计划缺项（因学、因病、有劳动力等须有的措施）"),
        RiskNeedsLabour => ("risk_needs_labour", "风险类型要求劳动力而家庭无劳动力"),
        UnderAgeHolder => ("under_age_holder", "公益岗位等措施无适龄成员担任"),
        EliminatedBelowLine => ("eliminated_below_line", "风险消除但收入低于监测线"),
    }
);

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub message: String,
}

fn finding(rule: Rule, message: impl Into<String>) -> Finding {
    Finding {
        rule,
        message: message.into(),
    }
}

/// Everything a case is checked against. `policy` is the pack in force for the case's
/// village today; `elimination_policy` the one in force on the day of elimination, whose
/// line the income had to clear.
pub struct CaseToCheck<'a> {
    pub case: &'a Case,
    pub household: &'a HouseholdFacts,
    pub measures: &'a [Measure],
    pub policy: &'a Policy,
    pub elimination_policy: Option<&'a Policy>,
    pub on: NaiveDate,
}

/// The rules case `c` breaks on `c.on`.
pub fn check_case(c: &CaseToCheck<'_>) -> Vec<Finding> {
    let case = c.case;
    let p = c.policy;
    let mut out = Vec::new();
    let included = case.state.is_included() || case.state == CaseState::Eliminated;
    if case.state == CaseState::Eliminated {
        let by_assistance = case.elimination_mode.as_ref().is_some_and(|m| {
            c.elimination_policy
                .unwrap_or(p)
                .elimination_modes
                .iter()
                .any(|e| &e.code == m && e.by_assistance)
        });
        if by_assistance && !c.measures.iter().any(Measure::applied) {
            out.push(finding(
                Rule::EliminatedWithoutMeasure,
                "按“帮扶消除”消除风险，但帮扶计划中没有实施中或已完成的措施：请补录措施，或更正消除方式",
            ));
        }
        if let (Some(on), Some(ep)) = (case.eliminated_on, c.elimination_policy)
            && let Ok(check) = income_check(c.household, ep, on, Money::ZERO)
            && check.per_capita < check.line
        {
            out.push(finding(
                Rule::EliminatedBelowLine,
                format!(
                    "{on}风险消除，但此前一年（{}至{}）家庭人均纯收入{}元低于当时监测线{}元",
                    check.from, check.to, check.per_capita, check.line
                ),
            ));
        }
    }
    if included && let Err(refusal) = check_risks(p, &case.risk_types, c.household) {
        out.push(finding(Rule::RiskNeedsLabour, refusal.to_string()));
    }
    // A plan is owed once its deadline has passed; before that, gaps are work in progress.
    let plan_owed = case.plan_on.is_some() || case.plan_due.is_some_and(|d| d < c.on);
    if case.assisting() && plan_owed {
        for gap in plan_gaps(p, &case.risk_types, c.household, c.measures) {
            out.push(finding(Rule::PlanGap, gap));
        }
    }
    if case.assisting() {
        for m in c
            .measures
            .iter()
            .filter(|m| m.status != MeasureStatus::Stopped)
        {
            let Some(min) = p
                .measure_types
                .iter()
                .find(|t| t.code == m.type_code)
                .and_then(|t| t.min_age)
            else {
                continue;
            };
            let holder = c.household.members.iter().any(|member| {
                member.status == LivingStatus::InHousehold
                    && member.labour.can_work()
                    && age_on(member.birth_date, c.on) >= min
            });
            if !holder {
                out.push(finding(
                    Rule::UnderAgeHolder,
                    format!(
                        "“{}”须由年满{min}周岁、有劳动能力的成员担任，该户没有这样的在户成员（措施：{}）",
                        measure_type_name(p, &m.type_code),
                        m.content
                    ),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::calendar::WorkCalendar;
    use crate::division::DivisionCode;
    use crate::fixtures::{person, two_person_record};
    use crate::id_number::{IdNumber, Sex};
    use crate::monitoring::open;
    use crate::policy::builtin_set;
    use crate::registry::{Income, Relation};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn policy_on(on: NaiveDate) -> Policy {
        builtin_set()
            .unwrap()
            .resolve(&DivisionCode::parse("500299101201").unwrap(), on)
            .unwrap()
    }

    fn case(state: CaseState) -> Case {
        let r = two_person_record();
        let mut c = open(
            &policy_on(d(2026, 3, 2)),
            &WorkCalendar::builtin(),
            r.household.code.clone(),
            d(2026, 3, 2),
            d(2026, 3, 2),
        )
        .unwrap()
        .case;
        c.state = state;
        c.approved_on = Some(d(2026, 4, 1));
        c.plan_due = Some(d(2026, 4, 20));
        c
    }

    fn measure(type_code: &str, status: MeasureStatus) -> Measure {
        Measure {
            id: 1,
            type_code: type_code.into(),
            content: "村保洁员".into(),
            unit: "镇农业服务中心".into(),
            start_on: d(2026, 4, 10),
            end_on: None,
            amount: Money::ZERO,
            status,
            effect: String::new(),
        }
    }

    fn rules(c: &Case, h: &HouseholdFacts, m: &[Measure], p: &Policy) -> Vec<Rule> {
        check_case(&CaseToCheck {
            case: c,
            household: h,
            measures: m,
            policy: p,
            elimination_policy: Some(p),
            on: d(2026, 11, 23),
        })
        .into_iter()
        .map(|f| f.rule)
        .collect()
    }

    #[test]
    fn assistance_elimination_needs_an_applied_measure_and_an_income_above_the_line() {
        let p = policy_on(d(2026, 11, 23));
        let mut c = case(CaseState::Eliminated);
        c.eliminated_on = Some(d(2026, 10, 30));
        c.elimination_mode = Some("1".into());
        let mut h = HouseholdFacts::from(&two_person_record());
        h.incomes = vec![Income {
            year: 2026,
            wage: Money::from_fen(4_000_000),
            ..Income::default()
        }];
        let planned = [measure("01", MeasureStatus::Planned)];
        assert_eq!(
            rules(&c, &h, &planned, &p),
            [Rule::EliminatedWithoutMeasure]
        );
        let ongoing = [measure("01", MeasureStatus::Ongoing)];
        assert!(rules(&c, &h, &ongoing, &p).is_empty());
        // 自然消除 needs no measure.
        c.elimination_mode = Some("2".into());
        assert!(rules(&c, &h, &planned, &p).is_empty());
        // 5,000 a head is below the line the pack sets.
        h.incomes[0].wage = Money::from_fen(1_000_000);
        let found = check_case(&CaseToCheck {
            case: &c,
            household: &h,
            measures: &ongoing,
            policy: &p,
            elimination_policy: Some(&p),
            on: d(2026, 11, 23),
        });
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, Rule::EliminatedBelowLine);
        assert!(
            found[0].message.contains("家庭人均纯收入5000.00元"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn plan_gaps_count_once_the_plan_is_due() {
        let p = policy_on(d(2026, 11, 23));
        let mut c = case(CaseState::Monitored);
        c.risk_types = vec!["03".into()];
        let h = HouseholdFacts::from(&two_person_record());
        let industry = [measure("01", MeasureStatus::Ongoing)];
        // 因学 needs an education or social measure.
        assert_eq!(rules(&c, &h, &industry, &p), [Rule::PlanGap]);
        // Before the plan's deadline, the plan is still being made.
        c.plan_due = Some(d(2026, 12, 20));
        assert!(rules(&c, &h, &industry, &p).is_empty());
    }

    #[test]
    fn a_public_welfare_post_needs_a_member_of_the_packs_age() {
        let mut p = policy_on(d(2026, 11, 23));
        let c = case(CaseState::Monitored);
        let child = IdNumber::compose("500299", d(2014, 5, 1), 12, Sex::Male).unwrap();
        let mut r = two_person_record();
        r.members = vec![person(child.as_str(), "小明", Relation::Head)];
        let h = HouseholdFacts::from(&r);
        let post = [
            measure("04", MeasureStatus::Ongoing),
            measure("08", MeasureStatus::Ongoing),
        ];
        let found = rules(&c, &h, &post, &p);
        assert!(found.contains(&Rule::UnderAgeHolder), "{found:?}");
        // The age is a pack value: without it the rule has nothing to check.
        for t in &mut p.measure_types {
            t.min_age = None;
        }
        assert!(!rules(&c, &h, &post, &p).contains(&Rule::UnderAgeHolder));
        // An adult who can work may hold it.
        let mut grown = r.clone();
        grown.members = two_person_record().members;
        let p = policy_on(d(2026, 11, 23));
        assert!(
            !rules(&c, &HouseholdFacts::from(&grown), &post, &p).contains(&Rule::UnderAgeHolder)
        );
    }
}
