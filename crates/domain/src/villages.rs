//! Villages (村) and what is said of them (issue 22): designations (认定: 重点帮扶县/乡镇/村,
//! 脱贫村, 易地搬迁安置村, 软弱涣散村, 经济薄弱村 …), each with the document behind it and its
//! period; the yearly collective-economy account (村集体经济收支) and its 经营性收入 by the
//! pack's items; a village's gap to the pack's target; and the weak-village choice by reverse
//! ranking of the average operating income of the years before the programme (武清: 2018–2020).

use crate::division::DivisionCode;
use crate::money::Money;
pub use crate::policy::villages::{AccountItem, IncomeTarget, VillageRules, WeakVillageRules};
use chrono::NaiveDate;

/// A designation code as a list's filter gives it (`key_village`, `tuopin_village` …):
/// `None` when empty; refused when it could not be a code of a pack's table.
pub fn designation_code(text: &str) -> Result<Option<String>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.len() > 40 || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "认定类别代码“{t}”不正确：只能是字母、数字和下划线，最多40位"
        ));
    }
    Ok(Some(t.to_string()))
}

/// The divisions holding each designation on one day, to ask whether a village holds one
/// itself or by its town or county (a list's designation filter).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeldDesignations(
    std::collections::BTreeMap<String, std::collections::BTreeSet<DivisionCode>>,
);

impl HeldDesignations {
    /// Those of `designations` that hold on `day`.
    pub fn on<'a>(designations: impl IntoIterator<Item = &'a Designation>, day: NaiveDate) -> Self {
        let mut held = Self::default();
        for d in designations.into_iter().filter(|d| d.holds_on(day)) {
            held.0.entry(d.kind.clone()).or_default().insert(d.division);
        }
        held
    }

    /// The divisions holding designation `kind`.
    pub fn holders(&self, kind: &str) -> impl Iterator<Item = &DivisionCode> {
        self.0.get(kind).into_iter().flatten()
    }

    /// Whether `village`, its town or its county holds designation `kind` (not a city or
    /// province above: the lists' SQL looks no higher, and both must agree).
    pub fn covers(&self, kind: &str, village: &DivisionCode) -> bool {
        use crate::division::DivisionLevel;
        self.0.get(kind).is_some_and(|set| {
            std::iter::once(Some(*village))
                .chain([
                    village.ancestor_at(DivisionLevel::Town),
                    village.ancestor_at(DivisionLevel::County),
                ])
                .flatten()
                .any(|d| set.contains(&d))
        })
    }
}

/// A designation as recorded: what the division is called, by which document, for when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Designation {
    pub division: DivisionCode,
    /// A code of the pack's designation table.
    pub kind: String,
    /// The designating document (文号).
    pub document: String,
    pub from: NaiveDate,
    /// `None`: until further notice.
    pub to: Option<NaiveDate>,
}

impl Designation {
    /// Whether it holds on `day`.
    pub fn holds_on(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|to| day <= to)
    }

    /// Whether its period shares a day with `other`'s (same division and kind or not).
    pub fn overlaps(&self, other: &Designation) -> bool {
        let ends_before = |a: &Designation, b: &Designation| a.to.is_some_and(|to| to < b.from);
        !ends_before(self, other) && !ends_before(other, self)
    }

    /// Why the designation cannot end on `on` (撤销、到期、摘帽), if it cannot: not before it
    /// began, and not later than an end it already has (an end is only brought forward).
    pub fn end_problem(&self, on: NaiveDate) -> Option<String> {
        if on < self.from {
            return Some(format!("结束日期{on}早于认定开始日期{}", self.from));
        }
        match self.to {
            Some(to) if on >= to => Some(format!(
                "该认定已定于{to}结束；结束日期只能提前，不能推后（延长请另行登记认定）"
            )),
            _ => None,
        }
    }

    /// Why it cannot be recorded beside `existing` (the division's designations), if it
    /// cannot: a period that ends before it starts, or one that overlaps the same kind.
    pub fn problem(&self, existing: &[Designation]) -> Option<String> {
        if let Some(to) = self.to.filter(|to| *to < self.from) {
            return Some(format!("认定期限的结束日期{to}早于开始日期{}", self.from));
        }
        existing
            .iter()
            .find(|d| d.division == self.division && d.kind == self.kind && d.overlaps(self))
            .map(|d| {
                format!(
                    "该地已有同类认定（{}，{}起{}），期限重叠：请先结束原认定",
                    d.document,
                    d.from,
                    d.to.map_or("长期".to_string(), |t| format!("至{t}"))
                )
            })
    }
}

/// A village's collective account of a year (村集体经济组织收益分配表), in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountFigures {
    /// 经营收入.
    pub business: Money,
    /// 发包及上交收入.
    pub contract: Money,
    /// 投资收益.
    pub investment: Money,
    /// 补助收入.
    pub subsidy: Money,
    /// 其他收入.
    pub other: Money,
    /// 经营支出.
    pub business_cost: Money,
    /// 管理费用.
    pub management_cost: Money,
    /// 其他支出.
    pub other_cost: Money,
    /// 本年收益 as the statement gives it.
    pub profit: Money,
}

impl AccountFigures {
    pub fn income(&self, item: AccountItem) -> Money {
        match item {
            AccountItem::Business => self.business,
            AccountItem::Contract => self.contract,
            AccountItem::Investment => self.investment,
            AccountItem::Subsidy => self.subsidy,
            AccountItem::Other => self.other,
        }
    }

    /// 经营性收入: the sum of the pack's operating items.
    pub fn operating(&self, items: &[AccountItem]) -> Money {
        Money::from_fen(items.iter().map(|i| self.income(*i).fen()).sum())
    }

    /// 本年收益 as the statement's parts give it: every income less every cost.
    pub fn computed_profit(&self) -> Money {
        let incomes: i64 = AccountItem::ALL.iter().map(|i| self.income(*i).fen()).sum();
        Money::from_fen(
            incomes - self.business_cost.fen() - self.management_cost.fen() - self.other_cost.fen(),
        )
    }

    /// What is wrong with the figures, by field: a negative income or cost, or a 收益 the
    /// parts do not give.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let named = [
            ("business", "经营收入", self.business),
            ("contract", "发包及上交收入", self.contract),
            ("investment", "投资收益", self.investment),
            ("subsidy", "补助收入", self.subsidy),
            ("other", "其他收入", self.other),
            ("business_cost", "经营支出", self.business_cost),
            ("management_cost", "管理费用", self.management_cost),
            ("other_cost", "其他支出", self.other_cost),
        ];
        for (field, label, m) in named {
            // 投资收益 may be a loss; every other item is an amount received or spent.
            if m < Money::ZERO && field != "investment" {
                out.push((field, format!("{label}不能为负数，填的是{}元", m.grouped())));
            }
        }
        let computed = self.computed_profit();
        if out.is_empty() && computed != self.profit {
            out.push((
                "profit",
                format!(
                    "本年收益{}元与各项不符：收入合计减支出合计为{}元，相差{}元",
                    self.profit.grouped(),
                    computed.grouped(),
                    Money::from_fen((self.profit.fen() - computed.fen()).abs()).grouped()
                ),
            ));
        }
        out
    }
}

/// How far a village is from the target in force: what its operating income and 收益 still
/// lack (zero when met).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetGap {
    pub operating: Money,
    pub profit: Money,
}

impl TargetGap {
    pub fn of(operating: Money, profit: Money, target: &IncomeTarget) -> TargetGap {
        let short = |have: Money, need: Money| Money::from_fen((need.fen() - have.fen()).max(0));
        TargetGap {
            operating: short(operating, target.all_operating_min),
            profit: short(profit, target.all_profit_min),
        }
    }

    pub fn met(&self) -> bool {
        self.operating == Money::ZERO && self.profit == Money::ZERO
    }
}

/// A village in the reverse ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankedVillage {
    pub village: DivisionCode,
    /// Average operating income of the years it has an account for; `None` for none.
    pub average: Option<Money>,
    /// Years of the range without an account.
    pub missing: Vec<i32>,
    /// 1 for the lowest average; villages with equal averages share a rank (1, 2, 2, 4).
    pub rank: Option<usize>,
    pub chosen: bool,
}

/// The number of villages a programme chooses out of `ranked`: the pack's count, or its share
/// rounded up.
pub fn choose_count(rules: &WeakVillageRules, ranked: usize) -> usize {
    if rules.choose_count > 0 {
        rules.choose_count as usize
    } else {
        (ranked * rules.choose_percent as usize).div_ceil(100)
    }
}

/// Reverse ranking (倒排) of `villages` — each with its operating income by year — on their
/// average over `from..=to`, lowest first. A village missing some years is averaged over the
/// years it has, and says which are missing; one with none is not ranked (the county must fill
/// its accounts first). The `choose` lowest are chosen, and so is every village tied with the
/// last of them: a tie never leaves one out. Equal averages are listed by code.
pub fn reverse_rank(
    villages: &[(DivisionCode, Vec<(i32, Money)>)],
    from: i32,
    to: i32,
    choose: usize,
) -> Vec<RankedVillage> {
    let mut out: Vec<RankedVillage> = villages
        .iter()
        .map(|(village, years)| {
            let used: Vec<(i32, Money)> = years
                .iter()
                .copied()
                .filter(|(y, _)| (from..=to).contains(y))
                .collect();
            let missing = (from..=to)
                .filter(|y| !used.iter().any(|(u, _)| u == y))
                .collect();
            let average = (!used.is_empty()).then(|| {
                let sum: i64 = used.iter().map(|(_, m)| m.fen()).sum();
                let n = i64::try_from(used.len()).unwrap_or(1);
                Money::from_fen(sum.div_euclid(n))
            });
            RankedVillage {
                village: *village,
                average,
                missing,
                rank: None,
                chosen: false,
            }
        })
        .collect();
    out.sort_by(|a, b| match (a.average, b.average) {
        (Some(x), Some(y)) => x.cmp(&y).then(a.village.cmp(&b.village)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.village.cmp(&b.village),
    });
    let mut cut: Option<Money> = None;
    let mut previous: Option<(Money, usize)> = None;
    for (i, v) in out.iter_mut().enumerate() {
        let Some(avg) = v.average else { break };
        let rank = match previous {
            Some((p, r)) if p == avg => r,
            _ => i + 1,
        };
        previous = Some((avg, rank));
        v.rank = Some(rank);
        if i < choose {
            v.chosen = true;
            cut = Some(avg);
        } else if cut == Some(avg) {
            v.chosen = true;
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(n: u32) -> DivisionCode {
        DivisionCode::parse(&format!("500299101{n:03}")).unwrap()
    }

    fn wan(n: i64) -> Money {
        Money::from_yuan(n * 10_000).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_designation_overlapping_its_kind_is_refused() {
        let first = Designation {
            division: code(201),
            kind: "key_village".into(),
            document: "渝乡振〔2021〕3号".into(),
            from: d(2021, 7, 1),
            to: Some(d(2025, 12, 31)),
        };
        assert!(first.holds_on(d(2025, 12, 31)));
        assert!(!first.holds_on(d(2026, 1, 1)));
        let next = Designation {
            document: "渝乡振〔2026〕1号".into(),
            from: d(2026, 1, 1),
            to: None,
            ..first.clone()
        };
        assert_eq!(next.problem(std::slice::from_ref(&first)), None);
        let early = Designation {
            from: d(2025, 6, 1),
            ..next.clone()
        };
        assert!(
            early
                .problem(std::slice::from_ref(&first))
                .unwrap()
                .contains("期限重叠")
        );
        // Another kind may overlap.
        let other = Designation {
            kind: "tuopin_village".into(),
            ..early.clone()
        };
        assert_eq!(other.problem(&[first]), None);
        let backwards = Designation {
            to: Some(d(2021, 1, 1)),
            ..other
        };
        assert!(backwards.problem(&[]).unwrap().contains("早于开始日期"));
    }

    #[test]
    fn operating_income_is_the_packs_items_and_the_profit_must_add_up() {
        let mut a = AccountFigures {
            business: wan(10),
            contract: wan(5),
            investment: wan(2),
            subsidy: wan(20),
            other: wan(1),
            business_cost: wan(6),
            management_cost: wan(3),
            other_cost: wan(1),
            profit: wan(28),
        };
        let items = [
            AccountItem::Business,
            AccountItem::Contract,
            AccountItem::Investment,
            AccountItem::Other,
        ];
        assert_eq!(a.operating(&items), wan(18));
        assert!(a.problems().is_empty(), "{:?}", a.problems());
        a.profit = wan(30);
        let p = a.problems();
        assert_eq!(p[0].0, "profit");
        assert!(p[0].1.contains("相差20,000.00元"), "{}", p[0].1);
        a.business_cost = Money::from_fen(-1);
        assert_eq!(a.problems()[0].0, "business_cost");
    }

    #[test]
    fn the_gap_is_what_is_still_lacking() {
        let target = IncomeTarget {
            year: 2023,
            all_operating_min: wan(16),
            all_profit_min: wan(4),
            share_percent: 30,
            share_operating_min: wan(32),
            share_profit_min: wan(10),
        };
        let gap = TargetGap::of(wan(12), wan(5), &target);
        assert_eq!((gap.operating, gap.profit), (wan(4), Money::ZERO));
        assert!(!gap.met());
        assert!(TargetGap::of(wan(16), wan(4), &target).met());
    }

    #[test]
    fn reverse_ranking_chooses_the_lowest_with_ties_and_missing_years() {
        let v = |n, years: &[(i32, i64)]| {
            (
                code(n),
                years.iter().map(|(y, w)| (*y, wan(*w))).collect::<Vec<_>>(),
            )
        };
        let villages = vec![
            v(201, &[(2018, 3), (2019, 3), (2020, 3)]), // 3
            v(202, &[(2018, 1), (2019, 2), (2020, 3)]), // 2
            v(203, &[(2018, 2), (2020, 2)]),            // 2, 2019 missing
            v(204, &[(2018, 9), (2019, 9), (2020, 9)]), // 9
            v(205, &[(2017, 1), (2021, 1)]),            // none in range
            v(206, &[(2018, 1), (2019, 1), (2020, 1)]), // 1
        ];
        let ranked = reverse_rank(&villages, 2018, 2020, 2);
        let order: Vec<(DivisionCode, Option<usize>, bool)> = ranked
            .iter()
            .map(|r| (r.village, r.rank, r.chosen))
            .collect();
        assert_eq!(
            order,
            [
                (code(206), Some(1), true),
                (code(202), Some(2), true),
                // Tied with the last chosen: chosen too.
                (code(203), Some(2), true),
                (code(201), Some(4), false),
                (code(204), Some(5), false),
                (code(205), None, false),
            ]
        );
        assert_eq!(ranked[2].missing, [2019]);
        assert_eq!(ranked[5].missing, [2018, 2019, 2020]);
        assert_eq!(ranked[5].average, None);
    }

    #[test]
    fn a_designation_ends_only_within_its_period() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let open = Designation {
            division: DivisionCode::parse("500299101201").unwrap(),
            kind: "key_village".into(),
            document: "文".into(),
            from: d(2021, 7, 1),
            to: None,
        };
        assert!(
            open.end_problem(d(2021, 6, 30))
                .unwrap()
                .contains("早于认定开始日期")
        );
        assert_eq!(open.end_problem(d(2025, 12, 31)), None);
        let dated = Designation {
            to: Some(d(2025, 12, 31)),
            ..open
        };
        assert!(
            dated
                .end_problem(d(2026, 1, 1))
                .unwrap()
                .contains("只能提前")
        );
        assert_eq!(dated.end_problem(d(2024, 6, 30)), None);
    }

    #[test]
    fn the_programme_chooses_by_count_or_share() {
        let by = |count, percent| WeakVillageRules {
            rank_from: 2018,
            rank_to: 2020,
            choose_count: count,
            choose_percent: percent,
            target_operating: wan(20),
            teams_per_unit_max: 0,
            villages_per_team_max: 0,
        };
        assert_eq!(choose_count(&by(165, 0), 622), 165);
        assert_eq!(choose_count(&by(0, 25), 622), 156);
        assert_eq!(choose_count(&by(0, 25), 0), 0);
    }

    proptest! {
        #[test]
        fn no_unchosen_village_is_poorer_than_a_chosen_one(
            incomes in proptest::collection::vec(proptest::collection::vec(0i64..50, 0..4), 1..40),
            choose in 0usize..45,
        ) {
            let villages: Vec<(DivisionCode, Vec<(i32, Money)>)> = incomes
                .iter()
                .enumerate()
                .map(|(i, ys)| {
                    (
                        code(u32::try_from(i).unwrap() + 1),
                        ys.iter().enumerate().map(|(k, w)| (2018 + i32::try_from(k).unwrap(), wan(*w))).collect(),
                    )
                })
                .collect();
            let ranked = reverse_rank(&villages, 2018, 2020, choose);
            let with_data = ranked.iter().filter(|r| r.average.is_some()).count();
            let chosen: Vec<&RankedVillage> = ranked.iter().filter(|r| r.chosen).collect();
            prop_assert!(chosen.len() >= choose.min(with_data));
            for c in &chosen {
                for u in ranked.iter().filter(|r| !r.chosen && r.average.is_some()) {
                    prop_assert!(c.average < u.average);
                }
            }
            prop_assert!(chosen.iter().all(|c| c.average.is_some()));
        }
    }
}
