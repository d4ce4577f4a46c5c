//! The pack's screening rules as the engine runs them.

use chrono::NaiveDate;
use dixian_app::screening::engine_rules;
use dixian_domain::division::DivisionCode;
use dixian_domain::policy::screening::ScreeningRules;
use dixian_domain::policy::{BUILTIN_PACKS, Pack, PolicySet};

fn text_of(file: &str) -> &'static str {
    BUILTIN_PACKS
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, t)| *t)
        .unwrap()
}

fn screening_of(text: &str) -> ScreeningRules {
    let mut set = PolicySet::new();
    set.add(Pack::parse("national-2021.toml", text).unwrap())
        .unwrap();
    set.resolve(
        &DivisionCode::parse("500299000000").unwrap(),
        NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
    )
    .unwrap()
    .screening
}

#[test]
fn the_engine_runs_the_shipped_rules_in_code_order() {
    let set = engine_rules(&screening_of(text_of("national-2021.toml"))).unwrap();
    let codes: Vec<&str> = set.rules.iter().map(|r| r.code.as_str()).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    assert_eq!(codes, sorted);
    assert_eq!(codes.len(), 13);
}

/// A 一般农户 of one person with 8,000 yuan of self-paid hospital costs this year, screened
/// by `rules`: the codes of the warnings.
fn screen_one(rules: &ScreeningRules) -> Vec<String> {
    use dixian_screen::Date;
    let (set, registry, plan) = one_person(rules);
    let mut tally = plan.tally(&registry);
    plan.claim(
        &mut tally,
        registry.lookup(7),
        Date::new(2026, 3, 1).unwrap(),
        800_000,
    );
    plan.evaluate(&registry, &tally)
        .into_iter()
        .map(|hit| set.rules[hit.rule].code.clone())
        .collect()
}

/// A 一般农户 of one working person (id 7) with 50,000 yuan of income, as of 31 October 2026
/// under a 7,000-yuan line, and the plan of `rules`.
fn one_person(
    rules: &ScreeningRules,
) -> (
    dixian_screen::RuleSet,
    dixian_screen::Registry,
    dixian_screen::Plan,
) {
    use dixian_screen::engine::HouseholdRow;
    use dixian_screen::rules::{Category, Labour};
    use dixian_screen::{Date, Plan, Registry};
    let as_of = Date::new(2026, 10, 31).unwrap();
    let set = engine_rules(rules).unwrap();
    let mut registry = Registry::new(as_of);
    let h = registry
        .add_household(HouseholdRow {
            id: 1,
            town: *b"500299101",
            category: Category::Ordinary,
            members: 1,
            income_fen: 5_000_000,
            excluded: false,
        })
        .unwrap();
    let person = registry.person(h, Date::new(1970, 1, 1).unwrap(), Labour::Full);
    registry.add_person(7, person).unwrap();
    let plan = Plan::new(&set.rules, as_of, 700_000).unwrap();
    (set, registry, plan)
}

#[test]
fn a_screening_threshold_change_needs_no_code_change() {
    let shipped = text_of("national-2021.toml");
    assert!(screen_one(&screening_of(shipped)).is_empty());
    // The county lowers the threshold for 一般农户 from 20,000 to 5,000 yuan.
    let lowered = shipped.replace("at_least_yuan = 20000", "at_least_yuan = 5000");
    assert_eq!(screen_one(&screening_of(&lowered)), vec!["self_pay_other"]);
    // Or makes the income share 10%: 8,000 > 10% of 50,000.
    let share = shipped.replace("share_percent = 50", "share_percent = 10");
    assert_eq!(screen_one(&screening_of(&share)), vec!["medical_burden"]);
    // A window of one month no longer sees the March bill.
    let both = lowered.replace(
        "window_months = 12\nat_least_yuan = 5000\n\n[[screening.rule]]\ncode = \"medical_burden\"",
        "window_months = 1\nat_least_yuan = 5000\n\n[[screening.rule]]\ncode = \"medical_burden\"",
    );
    assert!(both.contains("window_months = 1\nat_least_yuan = 5000"));
    assert!(screen_one(&screening_of(&both)).is_empty());
}

/// 人社, 应急管理 and 卫健 records through the engine: a member's record in the window fires,
/// one outside it or below a loss threshold does not, and the warning says which row.
#[test]
fn unemployment_disaster_and_illness_records_fire_in_their_window() {
    use dixian_screen::Date;
    use dixian_screen::rules::Source;
    let shipped = text_of("national-2021.toml").replace(
        "kind = \"受灾\"\nwindow_months = 3",
        "kind = \"受灾\"\nwindow_months = 3\nat_least_yuan = 10000",
    );
    let rules = screening_of(&shipped);
    let run = |source: Source, on: Date, fen: i64| {
        let (set, registry, plan) = one_person(&rules);
        let mut tally = plan.tally(&registry);
        plan.record(&mut tally, 7, registry.lookup(7), source, on, fen);
        plan.evaluate(&registry, &tally)
            .into_iter()
            .map(|hit| {
                (
                    set.rules[hit.rule].code.clone(),
                    plan.explain(&registry, &tally, hit).unwrap_or_default(),
                )
            })
            .collect::<Vec<_>>()
    };
    let in_window = Date::new(2026, 9, 15).unwrap();
    let too_old = Date::new(2026, 7, 31).unwrap();
    let hits = run(Source::Unemployment, in_window, 0);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].0, "unemployment");
    assert_eq!(
        hits[0].1,
        "成员（编号 7）于 2026-09-15 办理失业登记，在近3个月内"
    );
    assert!(
        run(Source::Unemployment, too_old, 0).is_empty(),
        "3 months back is outside"
    );
    assert_eq!(
        run(Source::SeriousIllness, in_window, 0)[0].0,
        "serious_illness"
    );
    assert_eq!(run(Source::Disaster, in_window, 1_000_000)[0].0, "disaster");
    assert!(
        run(Source::Disaster, in_window, 999_999).is_empty(),
        "below the loss threshold"
    );
}
