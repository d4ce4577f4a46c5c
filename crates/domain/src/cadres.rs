//! Cadres around villages (issue 22, seeds/003 第5、6、17条): who is paired with a town
//! (包片) or a village (包村) for a period and who took over; the 五级书记遍访 visits of
//! secretaries with their yearly coverage; the grid of monitoring information officers
//! (防止返贫监测信息员). 包户 is the 帮扶责任人 of a household, kept with the registry; its
//! ended periods and hand-overs are kept here.
//!
//! Coverage is a record of who has been seen, not a ranking of people (国办函〔2026〕12号):
//! lists go in code order and name what is still to visit.

use crate::codes::coded_enum;
use crate::division::{DivisionCode, DivisionLevel};
pub use crate::policy::cadres::CadreRules;
use crate::registry::HouseholdCode;
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

coded_enum!(
    /// What a cadre is paired with (包联层级).
    PairingLevel {
        Town => ("town", "包片（乡镇）"),
        Village => ("village", "包村"),
    }
);

impl PairingLevel {
    /// The division level the pairing is with.
    pub fn division_level(self) -> DivisionLevel {
        match self {
            PairingLevel::Town => DivisionLevel::Town,
            PairingLevel::Village => DivisionLevel::Village,
        }
    }
}

coded_enum!(
    /// The secretary who visits (五级书记遍访 at the county's levels).
    SecretaryLevel {
        County => ("county", "县（区）委书记"),
        Town => ("town", "乡镇党委书记"),
        Village => ("village", "村党组织书记"),
        First => ("first", "第一书记"),
    }
);

impl SecretaryLevel {
    /// The level of the division the secretary serves.
    pub fn division_level(self) -> DivisionLevel {
        match self {
            SecretaryLevel::County => DivisionLevel::County,
            SecretaryLevel::Town => DivisionLevel::Town,
            SecretaryLevel::Village | SecretaryLevel::First => DivisionLevel::Village,
        }
    }
}

/// A pairing of a cadre with a town or a village (包片、包村), as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pairing {
    pub level: PairingLevel,
    pub division: DivisionCode,
    pub person: String,
    /// 职务.
    pub post: String,
    pub unit: String,
    pub from: NaiveDate,
}

impl Pairing {
    /// Why the pairing cannot be recorded, if it cannot.
    pub fn problem(&self) -> Option<String> {
        let want = self.level.division_level();
        (self.division.level() != want).then(|| {
            format!(
                "{}只能选{}，{}是{}",
                self.level.label(),
                want.label(),
                self.division,
                self.division.level().label()
            )
        })
    }
}

/// Why a period from `from` (its end so far `to`) cannot end on `on`, if it cannot: an end
/// before the start, or (hand-overs keep history true) an end later than one already set.
pub fn end_problem(from: NaiveDate, to: Option<NaiveDate>, on: NaiveDate) -> Option<String> {
    if on < from {
        return Some(format!("结束日期{on}早于开始日期{from}"));
    }
    match to {
        Some(t) if on > t => Some(format!("已于{t}结束，只能提前，不能改到{on}")),
        _ => None,
    }
}

/// Whom a secretary's visit was to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TourTarget {
    Town(DivisionCode),
    Village(DivisionCode),
    Household(HouseholdCode),
}

impl TourTarget {
    /// The village, town and county the visit reached: a visit to a household is also a
    /// visit to its village and town.
    pub fn reaches(&self, level: DivisionLevel) -> Option<DivisionCode> {
        let at = match self {
            TourTarget::Town(c) | TourTarget::Village(c) => *c,
            TourTarget::Household(h) => h.village()?,
        };
        if at.level() == level {
            Some(at)
        } else {
            at.ancestor_at(level)
        }
    }

    pub fn kind_label(&self) -> &'static str {
        match self {
            TourTarget::Town(_) => "乡镇",
            TourTarget::Village(_) => "村",
            TourTarget::Household(_) => "农户",
        }
    }

    pub fn code(&self) -> String {
        match self {
            TourTarget::Town(c) | TourTarget::Village(c) => c.to_string(),
            TourTarget::Household(h) => h.to_string(),
        }
    }
}

/// A secretary's visit (遍访), as entered: who (by level and the division they serve), when,
/// whom, and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tour {
    pub level: SecretaryLevel,
    /// The county, town or village whose secretary visited.
    pub of: DivisionCode,
    pub visitor: String,
    pub on: NaiveDate,
    pub target: TourTarget,
    pub note: String,
}

impl Tour {
    /// Why the visit cannot be recorded, if it cannot: the secretary's division of the wrong
    /// level, a target outside it, or a kind of target the level does not visit.
    pub fn problem(&self) -> Option<String> {
        let want = self.level.division_level();
        if self.of.level() != want {
            return Some(format!(
                "{}应选所在{}，{}是{}",
                self.level.label(),
                want.label(),
                self.of,
                self.of.level().label()
            ));
        }
        let allowed = matches!(
            (&self.target, self.level),
            (TourTarget::Town(_), SecretaryLevel::County)
                | (
                    TourTarget::Village(_),
                    SecretaryLevel::County | SecretaryLevel::Town
                )
                | (TourTarget::Household(_), _)
        );
        if !allowed {
            return Some(format!(
                "{}遍访的是{}，不记{}",
                self.level.label(),
                match self.level {
                    SecretaryLevel::County => "乡镇、村和农户",
                    SecretaryLevel::Town => "村和农户",
                    _ => "农户",
                },
                self.target.kind_label()
            ));
        }
        let inside = self
            .target
            .reaches(want)
            .is_some_and(|c| c.is_within(&self.of));
        if !inside {
            return Some(format!(
                "{}不在{}{}之内",
                self.target.code(),
                self.level.label(),
                self.of
            ));
        }
        None
    }
}

/// A household the 遍访 must reach: 脱贫户 or 监测户 (or both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TourHousehold {
    pub code: HouseholdCode,
    /// The head's name, for the lists that say who is still to visit (empty when the list
    /// was read without names, see `CadreStore::head_names`).
    pub head_name: String,
    pub poverty_alleviated: bool,
    pub monitored: bool,
}

/// What one coverage line counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CoverageWhat {
    KeyTowns,
    KeyVillages,
    Villages,
    Monitored,
    PovertyAndMonitored,
}

impl CoverageWhat {
    /// The code the JSON API gives.
    pub fn code(self) -> &'static str {
        match self {
            CoverageWhat::KeyTowns => "key_towns",
            CoverageWhat::KeyVillages => "key_villages",
            CoverageWhat::Villages => "villages",
            CoverageWhat::Monitored => "monitored",
            CoverageWhat::PovertyAndMonitored => "poverty_and_monitored",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CoverageWhat::KeyTowns => "重点帮扶乡镇",
            CoverageWhat::KeyVillages => "重点帮扶村",
            CoverageWhat::Villages => "各村（社区）",
            CoverageWhat::Monitored => "监测户",
            CoverageWhat::PovertyAndMonitored => "脱贫户和监测户",
        }
    }
}

/// One line of a year's coverage: a secretary's level and division, what is counted, how
/// many were visited of how many are due, and those not yet visited (codes, in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub level: SecretaryLevel,
    pub of: DivisionCode,
    pub what: CoverageWhat,
    pub done: usize,
    pub due: usize,
    pub missing: Vec<String>,
}

impl Coverage {
    pub fn met(&self) -> bool {
        self.done >= self.due
    }
}

/// What a year's coverage is computed from: the area's divisions and households as stored,
/// the key-assisted towns and villages designated during the year, and the year's visits.
#[derive(Debug, Clone, Default)]
pub struct CoverageInput {
    pub year: i32,
    pub counties: Vec<DivisionCode>,
    pub towns: Vec<DivisionCode>,
    pub villages: Vec<DivisionCode>,
    pub key_towns: BTreeSet<DivisionCode>,
    pub key_villages: BTreeSet<DivisionCode>,
    /// Villages with a 第一书记 in the year (a team serving them): only these owe his visits.
    pub first_secretary_villages: BTreeSet<DivisionCode>,
    pub households: Vec<TourHousehold>,
    pub tours: Vec<Tour>,
}

/// The year's coverage by level (003 第5条): the county secretary against the pack's counts of
/// key-assisted towns and villages (never more than are designated); each town's secretary
/// every village and every monitored household of the town; each village's secretary and
/// 第一书记 every 脱贫户 and monitored household of the village. Lines in level then code order.
/// Without the pack's rules the county secretary's level is not judged.
pub fn coverage(input: &CoverageInput, rules: Option<&CadreRules>) -> Vec<Coverage> {
    // What each secretary (level, division) reached in the year, at each level.
    let mut seen: BTreeMap<(SecretaryLevel, DivisionCode), BTreeSet<String>> = BTreeMap::new();
    for t in input.tours.iter().filter(|t| t.on.year() == input.year) {
        let reached = seen.entry((t.level, t.of)).or_default();
        for level in [DivisionLevel::Town, DivisionLevel::Village] {
            if let Some(c) = t.target.reaches(level) {
                reached.insert(c.to_string());
            }
        }
        if let TourTarget::Household(h) = &t.target {
            reached.insert(h.to_string());
        }
    }
    let empty = BTreeSet::new();
    let line = |level: SecretaryLevel,
                of: DivisionCode,
                what: CoverageWhat,
                wanted: Vec<String>,
                due: Option<usize>| {
        let reached = seen.get(&(level, of)).unwrap_or(&empty);
        let done = wanted.iter().filter(|c| reached.contains(*c)).count();
        let missing = wanted
            .iter()
            .filter(|c| !reached.contains(*c))
            .cloned()
            .collect();
        Coverage {
            level,
            of,
            what,
            done: due.map_or(done, |d| done.min(d)),
            due: due.unwrap_or(wanted.len()),
            missing,
        }
    };
    let mut out = Vec::new();
    for county in input.counties.iter().filter(|_| rules.is_some()) {
        let Some(rules) = rules else { break };
        for (what, keys, asked) in [
            (
                CoverageWhat::KeyTowns,
                &input.key_towns,
                rules.county_key_towns,
            ),
            (
                CoverageWhat::KeyVillages,
                &input.key_villages,
                rules.county_key_villages,
            ),
        ] {
            let wanted: Vec<String> = keys
                .iter()
                .filter(|k| k.is_within(county))
                .map(ToString::to_string)
                .collect();
            let due = wanted.len().min(asked as usize);
            out.push(line(
                SecretaryLevel::County,
                *county,
                what,
                wanted,
                Some(due),
            ));
        }
    }
    // Households by village once: a county has tens of thousands of them and hundreds of
    // villages, and each line asks for its own.
    let mut by_village: BTreeMap<DivisionCode, Vec<&TourHousehold>> = BTreeMap::new();
    for h in &input.households {
        if let Some(v) = h.code.village() {
            by_village.entry(v).or_default().push(h);
        }
    }
    let codes = |list: &[&TourHousehold]| -> Vec<String> {
        list.iter().map(|h| h.code.to_string()).collect()
    };
    for town in &input.towns {
        let villages = input
            .villages
            .iter()
            .filter(|v| v.is_within(town))
            .map(ToString::to_string)
            .collect();
        out.push(line(
            SecretaryLevel::Town,
            *town,
            CoverageWhat::Villages,
            villages,
            None,
        ));
        let monitored: Vec<&TourHousehold> = by_village
            .range(*town..)
            .take_while(|(v, _)| v.is_within(town))
            .flat_map(|(_, hs)| hs.iter().copied())
            .filter(|h| h.monitored)
            .collect();
        out.push(line(
            SecretaryLevel::Town,
            *town,
            CoverageWhat::Monitored,
            codes(&monitored),
            None,
        ));
    }
    for village in &input.villages {
        let owed = codes(by_village.get(village).map_or(&[][..], Vec::as_slice));
        if input.first_secretary_villages.contains(village) {
            out.push(line(
                SecretaryLevel::Village,
                *village,
                CoverageWhat::PovertyAndMonitored,
                owed.clone(),
                None,
            ));
            out.push(line(
                SecretaryLevel::First,
                *village,
                CoverageWhat::PovertyAndMonitored,
                owed,
                None,
            ));
        } else {
            out.push(line(
                SecretaryLevel::Village,
                *village,
                CoverageWhat::PovertyAndMonitored,
                owed,
                None,
            ));
        }
    }
    out
}

coded_enum!(
    /// Whether an information officer does it full time (专职) or beside another post (兼职).
    OfficerKind {
        FullTime => ("full", "专职"),
        PartTime => ("part", "兼职"),
    }
);

/// The officers a division of `level` staffs under the pack (003 第17条: county 2, town 2,
/// village 1); none for other levels.
pub fn officers_required(rules: &CadreRules, level: DivisionLevel) -> u32 {
    match level {
        DivisionLevel::County => rules.county_officers,
        DivisionLevel::Town => rules.town_officers,
        DivisionLevel::Village => rules.village_officers,
        _ => 0,
    }
}

/// The work phone as kept (spaces taken out), or why it is not a phone number: 7 to 20
/// digits, dashes allowed (a landline with its area code, or a mobile).
pub fn work_phone(text: &str) -> Result<String, String> {
    let phone: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if (7..=20).contains(&digits)
        && phone.len() <= 24
        && phone.chars().all(|c| c.is_ascii_digit() || c == '-')
    {
        Ok(phone)
    } else {
        Err(format!(
            "联系电话“{}”无效：应为7到20位数字（可含“-”）",
            text.trim()
        ))
    }
}

/// Whether a pairing or an officer's service from `from`, ended on `to`, is running on `day`.
/// The end day is the hand-over day: the successor serves from it, so the one who left does
/// not (an officer recorded as gone today is a vacancy today).
pub fn serving_on(from: NaiveDate, to: Option<NaiveDate>, day: NaiveDate) -> bool {
    from <= day && to.is_none_or(|t| t > day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> DivisionCode {
        DivisionCode::parse(s).unwrap()
    }

    fn hh(s: &str) -> HouseholdCode {
        HouseholdCode::parse(s).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn rules() -> CadreRules {
        CadreRules {
            county_key_towns: 5,
            county_key_villages: 7,
            key_town: "key_town".into(),
            key_village: "key_village".into(),
            county_officers: 2,
            town_officers: 2,
            village_officers: 1,
        }
    }

    const COUNTY: &str = "500299000000";
    const TOWN_A: &str = "500299100000";
    const TOWN_B: &str = "500299101000";
    const VILLAGE_A1: &str = "500299100201";
    const VILLAGE_A2: &str = "500299100202";
    const VILLAGE_B1: &str = "500299101201";

    fn tour(level: SecretaryLevel, of: &str, target: TourTarget, on: NaiveDate) -> Tour {
        Tour {
            level,
            of: code(of),
            visitor: "张书记".into(),
            on,
            target,
            note: String::new(),
        }
    }

    fn input() -> CoverageInput {
        CoverageInput {
            year: 2026,
            counties: vec![code(COUNTY)],
            towns: vec![code(TOWN_A), code(TOWN_B)],
            villages: vec![code(VILLAGE_A1), code(VILLAGE_A2), code(VILLAGE_B1)],
            key_towns: [code(TOWN_A), code(TOWN_B)].into(),
            key_villages: [code(VILLAGE_A2)].into(),
            first_secretary_villages: [code(VILLAGE_A1)].into(),
            households: vec![
                TourHousehold {
                    code: hh(&format!("{VILLAGE_A1}0001")),
                    head_name: String::new(),
                    poverty_alleviated: true,
                    monitored: false,
                },
                TourHousehold {
                    code: hh(&format!("{VILLAGE_A1}0002")),
                    head_name: String::new(),
                    poverty_alleviated: false,
                    monitored: true,
                },
                TourHousehold {
                    code: hh(&format!("{VILLAGE_A2}0003")),
                    head_name: String::new(),
                    poverty_alleviated: true,
                    monitored: true,
                },
            ],
            tours: Vec::new(),
        }
    }

    fn find(c: &[Coverage], level: SecretaryLevel, of: &str, what: CoverageWhat) -> Coverage {
        c.iter()
            .find(|l| l.level == level && l.of == code(of) && l.what == what)
            .cloned()
            .unwrap_or_else(|| panic!("no line {level:?} {of} {what:?}"))
    }

    /// 遍访 coverage on a known county: the county secretary owes only as many key towns as
    /// are designated (2 < 5), a visit to a household reaches its village and town, a visit
    /// of another year or by another level does not count, and 第一书记 lines exist only
    /// where a 第一书记 serves.
    #[test]
    fn coverage_counts_each_level_against_what_it_owes() {
        let mut i = input();
        let h1 = hh(&format!("{VILLAGE_A1}0001"));
        let h2 = hh(&format!("{VILLAGE_A1}0002"));
        i.tours = vec![
            // The county secretary at a household of town A: town A and village A1 reached.
            tour(
                SecretaryLevel::County,
                COUNTY,
                TourTarget::Household(h1.clone()),
                day(2026, 3, 2),
            ),
            // Last year's visit to town B does not count this year.
            tour(
                SecretaryLevel::County,
                COUNTY,
                TourTarget::Town(code(TOWN_B)),
                day(2025, 12, 30),
            ),
            // Town A's secretary: village A1 by a household, village A2 directly.
            tour(
                SecretaryLevel::Town,
                TOWN_A,
                TourTarget::Household(h2.clone()),
                day(2026, 4, 1),
            ),
            tour(
                SecretaryLevel::Town,
                TOWN_A,
                TourTarget::Village(code(VILLAGE_A2)),
                day(2026, 4, 2),
            ),
            // Village A1's secretary sees both its households; the 第一书记 only one.
            tour(
                SecretaryLevel::Village,
                VILLAGE_A1,
                TourTarget::Household(h1.clone()),
                day(2026, 5, 1),
            ),
            tour(
                SecretaryLevel::Village,
                VILLAGE_A1,
                TourTarget::Household(h2.clone()),
                day(2026, 5, 1),
            ),
            tour(
                SecretaryLevel::First,
                VILLAGE_A1,
                TourTarget::Household(h2),
                day(2026, 6, 1),
            ),
        ];
        let c = coverage(&i, Some(&rules()));
        let towns = find(&c, SecretaryLevel::County, COUNTY, CoverageWhat::KeyTowns);
        assert_eq!((towns.done, towns.due), (1, 2));
        assert_eq!(towns.missing, vec![TOWN_B.to_string()]);
        let villages = find(
            &c,
            SecretaryLevel::County,
            COUNTY,
            CoverageWhat::KeyVillages,
        );
        assert_eq!((villages.done, villages.due), (0, 1));
        let a = find(&c, SecretaryLevel::Town, TOWN_A, CoverageWhat::Villages);
        assert_eq!((a.done, a.due, a.met()), (2, 2, true));
        let am = find(&c, SecretaryLevel::Town, TOWN_A, CoverageWhat::Monitored);
        assert_eq!((am.done, am.due), (1, 2));
        assert_eq!(am.missing, vec![format!("{VILLAGE_A2}0003")]);
        let b = find(&c, SecretaryLevel::Town, TOWN_B, CoverageWhat::Villages);
        assert_eq!((b.done, b.due), (0, 1));
        let bm = find(&c, SecretaryLevel::Town, TOWN_B, CoverageWhat::Monitored);
        assert_eq!((bm.done, bm.due, bm.met()), (0, 0, true));
        let v1 = find(
            &c,
            SecretaryLevel::Village,
            VILLAGE_A1,
            CoverageWhat::PovertyAndMonitored,
        );
        assert_eq!((v1.done, v1.due), (2, 2));
        let f1 = find(
            &c,
            SecretaryLevel::First,
            VILLAGE_A1,
            CoverageWhat::PovertyAndMonitored,
        );
        assert_eq!((f1.done, f1.due), (1, 2));
        assert!(
            !c.iter()
                .any(|l| l.level == SecretaryLevel::First && l.of == code(VILLAGE_A2))
        );
    }

    #[test]
    fn a_tour_is_checked_against_the_secretary_and_the_target() {
        let h = hh(&format!("{VILLAGE_A1}0001"));
        let ok = tour(
            SecretaryLevel::Town,
            TOWN_A,
            TourTarget::Household(h.clone()),
            day(2026, 1, 5),
        );
        assert_eq!(ok.problem(), None);
        let outside = tour(
            SecretaryLevel::Town,
            TOWN_B,
            TourTarget::Household(h.clone()),
            day(2026, 1, 5),
        );
        assert!(outside.problem().unwrap().contains("不在乡镇党委书记"));
        let wrong_kind = tour(
            SecretaryLevel::Village,
            VILLAGE_A1,
            TourTarget::Village(code(VILLAGE_A1)),
            day(2026, 1, 5),
        );
        assert!(wrong_kind.problem().unwrap().contains("不记村"));
        let wrong_of = tour(
            SecretaryLevel::County,
            TOWN_A,
            TourTarget::Town(code(TOWN_A)),
            day(2026, 1, 5),
        );
        assert!(wrong_of.problem().unwrap().contains("应选所在县"));
    }

    #[test]
    fn pairings_and_ends_keep_their_levels_and_history() {
        let p = Pairing {
            level: PairingLevel::Town,
            division: code(VILLAGE_A1),
            person: "李".into(),
            post: "副县长".into(),
            unit: "县政府".into(),
            from: day(2026, 1, 1),
        };
        assert!(p.problem().unwrap().contains("包片（乡镇）只能选乡镇"));
        assert_eq!(
            Pairing {
                level: PairingLevel::Village,
                ..p.clone()
            }
            .problem(),
            None
        );
        assert!(end_problem(day(2026, 3, 1), None, day(2026, 2, 1)).is_some());
        assert!(end_problem(day(2026, 1, 1), Some(day(2026, 5, 1)), day(2026, 6, 1)).is_some());
        assert_eq!(
            end_problem(day(2026, 1, 1), Some(day(2026, 5, 1)), day(2026, 4, 1)),
            None
        );
    }

    proptest! {
        /// Whatever the visits, no line counts more done than due, the missing are exactly
        /// those wanted and not visited, and adding a visit never lowers any line.
        #[test]
        fn coverage_is_bounded_and_monotone(picks in proptest::collection::vec((0usize..4, 0usize..5, 0u32..12), 0..20)) {
            let base = input();
            let targets = [
                TourTarget::Town(code(TOWN_A)),
                TourTarget::Town(code(TOWN_B)),
                TourTarget::Village(code(VILLAGE_A2)),
                TourTarget::Household(hh(&format!("{VILLAGE_A1}0002"))),
                TourTarget::Household(hh(&format!("{VILLAGE_A2}0003"))),
            ];
            let levels = [(SecretaryLevel::County, COUNTY), (SecretaryLevel::Town, TOWN_A), (SecretaryLevel::Village, VILLAGE_A2), (SecretaryLevel::First, VILLAGE_A1)];
            let mut before = coverage(&base, Some(&rules()));
            let mut i = base.clone();
            for (l, t, m) in picks {
                let (level, of) = levels[l];
                i.tours.push(tour(level, of, targets[t].clone(), day(2026, m + 1, 1)));
                let after = coverage(&i, Some(&rules()));
                prop_assert_eq!(after.len(), before.len());
                for (a, b) in after.iter().zip(&before) {
                    prop_assert!(a.done <= a.due);
                    prop_assert!(a.done >= b.done);
                    prop_assert!(a.missing.len() <= b.missing.len());
                }
                before = after;
            }
        }
    }
}
