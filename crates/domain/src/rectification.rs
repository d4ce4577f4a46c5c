//! The rectification ledger (整改台账): a finding of an assessment, inspection, audit, the
//! 12317 hotline or a self-check — or a weak village of the programme (经济薄弱村) — is written
//! down as a problem (问题清单), the measures and deadline that answer it (任务清单) and the unit
//! and person responsible (责任清单); progress is recorded, completion reported with its
//! evidence, and the town or county verifies it and strikes it off (销号) or sends it back.
//! The states and steps are those of the household problem ledger (`crate::problems`), so the
//! two ledgers read alike.

use crate::division::DivisionCode;
use crate::money::Money;
use crate::policy::villages::WeakVillageRules;
pub use crate::problems::{ProblemAction as ItemAction, ProblemDates, ProblemState as ItemState};
use chrono::NaiveDate;

/// The source code of items the weak-village programme opens (in the pack's
/// `codes.finding_source`).
pub const WEAK_SOURCE: &str = "weak";

/// A finding as entered (登记整改事项).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    /// The county, town or village the finding is about.
    pub division: DivisionCode,
    /// A code of the pack's `codes.finding_source` (问题来源).
    pub source: String,
    /// 问题: what was found.
    pub title: String,
    pub found_on: NaiveDate,
    /// 责任单位 and 责任人.
    pub unit: String,
    pub person: String,
    /// 整改措施 (the task list's entry).
    pub measures: String,
    /// 整改时限.
    pub deadline: NaiveDate,
}

fn length(
    out: &mut Vec<(&'static str, String)>,
    field: &'static str,
    v: &str,
    what: &str,
    max: usize,
) {
    let n = v.trim().chars().count();
    if n == 0 {
        out.push((field, format!("请填写{what}")));
    } else if n > max {
        out.push((field, format!("{what}不能超过{max}字，现有{n}字")));
    }
}

impl NewItem {
    /// What is wrong with the entry, `(field, message)` each; empty when it may be saved.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        length(&mut out, "title", &self.title, "问题", 300);
        length(&mut out, "unit", &self.unit, "责任单位", 100);
        length(&mut out, "person", &self.person, "责任人", 50);
        length(&mut out, "measures", &self.measures, "整改措施", 2000);
        if self.deadline < self.found_on {
            out.push((
                "deadline",
                format!("整改时限{}早于发现日期{}", self.deadline, self.found_on),
            ));
        }
        out
    }
}

/// A step on an item: one of the ledger's actions, or a progress note (整改进展) that leaves
/// its state as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStep {
    Progress,
    Act(ItemAction),
}

impl ItemStep {
    pub fn code(self) -> &'static str {
        match self {
            ItemStep::Progress => "progress",
            ItemStep::Act(a) => a.code(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemStep::Progress => "记录整改进展",
            ItemStep::Act(a) => a.label(),
        }
    }

    pub fn parse(code: &str) -> Option<ItemStep> {
        match code {
            "progress" => Some(ItemStep::Progress),
            c => ItemAction::parse(c).map(ItemStep::Act),
        }
    }

    /// The state after this step, or why it cannot be taken from `from`.
    pub fn apply(self, from: ItemState) -> Result<ItemState, String> {
        match (self, from) {
            (ItemStep::Progress, ItemState::Open) => Ok(ItemState::Open),
            (ItemStep::Progress, ItemState::Resolved) => {
                Err("已报告整改完成，等待核验；如需补充请先退回".into())
            }
            (ItemStep::Progress, ItemState::Closed) => Err("事项已销号，不能再记录进展".into()),
            (ItemStep::Act(a), s) => a.apply(s),
        }
    }

    /// What the step must carry, checked before anything is written: the note, and for a
    /// report of completion the evidence (佐证材料) a verifier can check.
    pub fn problems(self, note: &str, evidence: &str) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let (what, max) = match self {
            ItemStep::Progress => ("整改进展", 1000),
            ItemStep::Act(ItemAction::Resolve) => ("整改完成情况", 1000),
            ItemStep::Act(ItemAction::Close) => ("核验意见", 500),
            ItemStep::Act(ItemAction::Reopen) => ("退回理由", 500),
        };
        length(&mut out, "note", note, what, max);
        let n = evidence.trim().chars().count();
        match self {
            ItemStep::Act(ItemAction::Resolve) if n == 0 => out.push((
                "evidence",
                "请写明佐证材料（如验收报告、收益分配表、会议记录的名称和编号），没有佐证材料不能申请销号"
                    .into(),
            )),
            _ if n > 500 => out.push(("evidence", format!("佐证材料说明不能超过500字，现有{n}字"))),
            _ => {}
        }
        out
    }
}

/// A weak village's place in the programme as planned (帮扶计划).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeakPlan {
    pub village: DivisionCode,
    /// The operating income it is to reach; at least the pack's.
    pub target: Money,
    /// 帮扶单位 and the team it sends (驻村工作队 / 帮扶工作组).
    pub unit: String,
    pub team: String,
    /// The resident team (驻村工作队) chosen, serving the village: the store then takes the
    /// unit and team name from it, not from `unit` and `team`.
    pub team_id: Option<i64>,
    /// 责任人 (the team leader or the town's cadre).
    pub person: String,
    /// 帮扶措施: the plan of the village.
    pub plan: String,
    pub deadline: NaiveDate,
}

/// Why a weak village's target contradicts the pack, if it does.
pub fn target_problem(target: Money, rules: &WeakVillageRules) -> Option<String> {
    (target < rules.target_operating).then(|| {
        format!(
            "目标经营性收入{}元低于政策包的扶持目标{}元",
            target.grouped(),
            rules.target_operating.grouped()
        )
    })
}

/// Why pairing `team` of `unit` with one more village breaks the pack's limits (002: each unit
/// sends 1–2 teams, each team serves 1–2 villages), given the pairings already made as
/// `(unit, team)` per village. A limit of 0 is none.
pub fn pairing_problem(
    pairs: &[(String, String)],
    unit: &str,
    team: &str,
    rules: &WeakVillageRules,
) -> Option<String> {
    let villages = pairs.iter().filter(|(_, t)| t == team).count();
    if let Some((other, _)) = pairs.iter().find(|(u, t)| t == team && u != unit) {
        return Some(format!(
            "工作队“{team}”已属于帮扶单位“{other}”，一个工作队只属于一个单位"
        ));
    }
    if rules.villages_per_team_max > 0 && villages >= rules.villages_per_team_max as usize {
        return Some(format!(
            "工作队“{team}”已负责{villages}个薄弱村，政策包规定每个工作队负责不超过{}个",
            rules.villages_per_team_max
        ));
    }
    let mut teams: Vec<&str> = pairs
        .iter()
        .filter(|(u, _)| u == unit)
        .map(|(_, t)| t.as_str())
        .collect();
    teams.sort_unstable();
    teams.dedup();
    if rules.teams_per_unit_max > 0
        && !teams.contains(&team)
        && teams.len() >= rules.teams_per_unit_max as usize
    {
        return Some(format!(
            "帮扶单位“{unit}”已选派{}个工作队（{}），政策包规定每个单位不超过{}个",
            teams.len(),
            teams.join("、"),
            rules.teams_per_unit_max
        ));
    }
    None
}

/// Whether a weak village has reached its target: its latest account after the ranked years
/// must show operating income of at least `target`. Gives that year and income, or why not.
pub fn target_reached(
    operating: &[(i32, Money)],
    after: i32,
    target: Money,
) -> Result<(i32, Money), String> {
    let Some(&(year, income)) = operating
        .iter()
        .filter(|(y, _)| *y > after)
        .max_by_key(|(y, _)| *y)
    else {
        return Err(format!(
            "{}年以后还没有填报村集体经济收支，不能确认达到目标{}元",
            after,
            target.grouped()
        ));
    };
    if income < target {
        return Err(format!(
            "{year}年经营性收入{}元，未达到目标{}元（差{}元），不能销号",
            income.grouped(),
            target.grouped(),
            Money::from_fen(target.fen().saturating_sub(income.fen())).grouped()
        ));
    }
    Ok((year, income))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rules(teams: u32, villages: u32) -> WeakVillageRules {
        WeakVillageRules {
            rank_from: 2018,
            rank_to: 2020,
            choose_count: 165,
            choose_percent: 0,
            target_operating: Money::from_fen(20_000_000),
            teams_per_unit_max: teams,
            villages_per_team_max: villages,
        }
    }

    fn pair(u: &str, t: &str) -> (String, String) {
        (u.to_string(), t.to_string())
    }

    #[test]
    fn a_unit_sends_at_most_two_teams_and_a_team_serves_at_most_two_villages() {
        let r = rules(2, 2);
        let pairs = vec![
            pair("农业农村委", "一队"),
            pair("农业农村委", "一队"),
            pair("农业农村委", "二队"),
        ];
        assert!(
            pairing_problem(&pairs, "农业农村委", "一队", &r)
                .unwrap()
                .contains("已负责2个")
        );
        assert_eq!(pairing_problem(&pairs, "农业农村委", "二队", &r), None);
        let third = pairing_problem(&pairs, "农业农村委", "三队", &r).unwrap();
        assert!(third.contains("已选派2个工作队（一队、二队）"), "{third}");
        assert!(
            pairing_problem(&pairs, "商务局", "二队", &r)
                .unwrap()
                .contains("已属于帮扶单位“农业农村委”")
        );
        assert_eq!(
            pairing_problem(&pairs, "农业农村委", "三队", &rules(0, 0)),
            None
        );
    }

    #[test]
    fn a_village_is_struck_off_only_on_an_account_after_the_ranked_years_at_its_target() {
        let t = Money::from_fen(20_000_000);
        let years = [
            (2020, Money::from_fen(30_000_000)),
            (2021, Money::from_fen(15_000_000)),
        ];
        assert!(
            target_reached(&years[..1], 2020, t)
                .unwrap_err()
                .contains("2020年以后还没有填报")
        );
        let short = target_reached(&years, 2020, t).unwrap_err();
        assert!(short.contains("差50,000.00元"), "{short}");
        let later = [years[0], years[1], (2022, Money::from_fen(21_000_000))];
        assert_eq!(
            target_reached(&later, 2020, t),
            Ok((2022, Money::from_fen(21_000_000)))
        );
        assert!(target_problem(Money::from_fen(19_999_999), &rules(2, 2)).is_some());
        assert_eq!(target_problem(t, &rules(2, 2)), None);
    }

    #[test]
    fn completion_needs_evidence_and_progress_stops_once_reported() {
        let resolve = ItemStep::Act(ItemAction::Resolve);
        assert!(
            resolve
                .problems("已完成", " ")
                .iter()
                .any(|(f, _)| *f == "evidence")
        );
        assert!(resolve.problems("已完成", "收益分配表").is_empty());
        assert!(
            ItemStep::Act(ItemAction::Close)
                .problems("", "")
                .iter()
                .any(|(f, _)| *f == "note")
        );
        assert_eq!(
            ItemStep::Progress.apply(ItemState::Open),
            Ok(ItemState::Open)
        );
        assert!(ItemStep::Progress.apply(ItemState::Resolved).is_err());
        assert_eq!(resolve.apply(ItemState::Open), Ok(ItemState::Resolved));
        for s in ["progress", "resolve", "close", "reopen"] {
            assert_eq!(ItemStep::parse(s).unwrap().code(), s);
        }
    }

    proptest! {
        #[test]
        fn struck_off_exactly_when_the_latest_later_year_reaches_the_target(
            years in proptest::collection::btree_map(2015i32..2030, 0i64..50_000_000, 0..8),
            target in 1i64..40_000_000,
        ) {
            let list: Vec<(i32, Money)> = years.iter().map(|(y, f)| (*y, Money::from_fen(*f))).collect();
            let latest = years.iter().filter(|(y, _)| **y > 2020).max_by_key(|(y, _)| **y);
            let reached = target_reached(&list, 2020, Money::from_fen(target)).is_ok();
            prop_assert_eq!(reached, latest.is_some_and(|(_, f)| *f >= target));
        }
    }
}
