//! The screening engine proper: a compact registry, per-thread tallies of
//! feed rows, and rule evaluation over the tallies.
//!
//! Feed rows are never kept: each row is matched to its household and folded
//! into a tally (a sum per claim window, a bit per event rule), so memory is
//! bounded by the registry, not by the feeds.

use crate::date::{Date, Window};
use crate::memory::Zeroed;
use crate::rules::{Assistance, Category, Grade, Labour, Rule, RuleKind, Schooling, Source};
use crate::table::{IdTable, Packed, Position};
use std::collections::HashMap;

/// A town code (乡镇代码): the first nine digits of a village code.
pub type TownCode = [u8; 9];

/// A household as screening needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HouseholdRow {
    pub id: i64,
    pub town: TownCode,
    pub category: Category,
    /// Registered size, the per-capita denominator.
    pub members: u32,
    pub income_fen: i64,
    pub excluded: bool,
}

#[derive(Debug, Clone, Copy)]
struct Household {
    id: i64,
    income_fen: i64,
    members: u32,
    town: TownCode,
    category: Category,
    excluded: bool,
    /// False for a row whose id came earlier: kept in place so indexes
    /// match rows, but never screened.
    live: bool,
}

impl Household {
    fn of(row: HouseholdRow) -> Household {
        Household {
            id: row.id,
            income_fen: row.income_fen,
            members: row.members,
            town: row.town,
            category: row.category,
            excluded: row.excluded,
            live: true,
        }
    }
}

/// A person as screening needs it: the household, the age on the as-of date
/// and two flags, eight bytes in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Person {
    household: u32,
    age: u8,
    flags: u8,
}

const FULL_LABOUR: u8 = 1;
const DECEASED: u8 = 2;
/// Age of someone born after the as-of date: no age rule can match it.
const UNBORN: u8 = u8::MAX;

impl Person {
    pub fn living(self) -> bool {
        self.flags & DECEASED == 0
    }

    fn age(self) -> Option<u8> {
        (self.age != UNBORN).then_some(self.age)
    }
}

/// What a feed row is matched to: a person or a household, either way
/// standing for a household.
pub trait InHousehold {
    fn household(self) -> u32;
}

impl InHousehold for Person {
    fn household(self) -> u32 {
        self.household
    }
}

impl InHousehold for u32 {
    fn household(self) -> u32 {
        self
    }
}

impl Packed for Person {
    fn pack(self) -> u64 {
        u64::from(self.household) | u64::from(self.age) << 32 | u64::from(self.flags) << 40
    }

    fn unpack(bits: u64) -> Person {
        Person {
            household: bits as u32,
            age: (bits >> 32) as u8,
            flags: (bits >> 40) as u8,
        }
    }
}

/// A row whose id the registry already has: the first row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duplicate;

/// The households and persons under screening, as of one date.
pub struct Registry {
    as_of: Date,
    households: Vec<Household>,
    by_id: IdTable<u32>,
    persons: IdTable<Person>,
}

impl Registry {
    pub fn new(as_of: Date) -> Registry {
        Registry {
            as_of,
            households: Vec::new(),
            by_id: IdTable::with_capacity(0),
            persons: IdTable::with_capacity(0),
        }
    }

    pub fn as_of(&self) -> Date {
        self.as_of
    }

    /// Sizes the tables for the rows about to come, so they never grow.
    pub fn reserve(&mut self, households: usize, persons: usize) {
        if self.by_id.is_empty() && households > 0 {
            self.households.reserve(households);
            self.by_id = IdTable::with_capacity(households);
        }
        if self.persons.is_empty() && persons > 0 {
            self.persons = IdTable::with_capacity(persons);
        }
    }

    pub fn add_household(&mut self, row: HouseholdRow) -> Result<u32, Duplicate> {
        let index = u32::try_from(self.households.len()).map_err(|_| Duplicate)?;
        self.by_id.insert(row.id, index).map_err(|_| Duplicate)?;
        self.households.push(Household::of(row));
        Ok(index)
    }

    /// Adds households in file order on `threads` workers, as if one by
    /// one; returns the (chunk, position) of those whose id came earlier.
    pub fn load_households(
        &mut self,
        chunks: &[&[HouseholdRow]],
        threads: usize,
    ) -> Vec<(usize, usize)> {
        self.reserve(chunks.iter().map(|c| c.len()).sum(), 0);
        let mut starts = Vec::with_capacity(chunks.len());
        let items: Vec<Vec<(i64, u32)>> = chunks
            .iter()
            .map(|chunk| {
                let base = self.households.len();
                starts.push(base);
                self.households
                    .extend(chunk.iter().map(|&r| Household::of(r)));
                let index = |i: usize| u32::try_from(base + i).unwrap_or(u32::MAX);
                chunk
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r.id, index(i)))
                    .collect()
            })
            .collect();
        let slices: Vec<&[(i64, u32)]> = items.iter().map(Vec::as_slice).collect();
        let duplicates: Vec<(usize, usize)> = self
            .by_id
            .insert_all(&[slices], threads)
            .into_iter()
            .map(|(_, c, i)| (c, i))
            .collect();
        for &(c, i) in &duplicates {
            self.households[starts[c] + i].live = false;
        }
        duplicates
    }

    pub fn household_index(&self, id: i64) -> Option<u32> {
        self.by_id.get(id)
    }

    /// Households by id, for batched lookups.
    pub fn household_table(&self) -> &IdTable<u32> {
        &self.by_id
    }

    /// Persons by id, for batched lookups.
    pub fn person_table(&self) -> &IdTable<Person> {
        &self.persons
    }

    pub fn household_count(&self) -> usize {
        self.households.len()
    }

    pub fn person_count(&self) -> usize {
        self.persons.len()
    }

    pub fn household_id(&self, index: u32) -> i64 {
        self.households[index as usize].id
    }

    pub fn town_of(&self, index: u32) -> TownCode {
        self.households[index as usize].town
    }

    /// A person of household `household` (an index from `household_index`),
    /// built without changing the registry so workers can do it in parallel.
    pub fn person(&self, household: u32, birth: Date, labour: Labour) -> Person {
        let age = birth
            .age_on(self.as_of)
            .map_or(UNBORN, |a| a.min(u32::from(UNBORN - 1)) as u8);
        Person {
            household,
            age,
            flags: if labour == Labour::Full {
                FULL_LABOUR
            } else {
                0
            },
        }
    }

    pub fn add_person(&mut self, id: i64, person: Person) -> Result<(), Duplicate> {
        self.persons.insert(id, person).map_err(|_| Duplicate)
    }

    /// Adds persons on `threads` workers as if one by one in file order;
    /// `lists` as for [`IdTable::insert_all`], whose positions come back
    /// for the persons whose id came earlier.
    pub fn load_persons(
        &mut self,
        lists: &[Vec<&[(i64, Person)]>],
        threads: usize,
    ) -> Vec<Position> {
        self.reserve(0, lists.iter().flatten().map(|c| c.len()).sum());
        self.persons.insert_all(lists, threads)
    }

    /// Which worker of `threads` will load the person `id`.
    pub fn person_owner(id: i64, threads: usize) -> usize {
        IdTable::<Person>::owner(id, threads)
    }

    pub fn lookup(&self, person_id: i64) -> Option<Person> {
        self.persons.get(person_id)
    }

    /// Records a death; a death after the as-of date does not count. Returns
    /// the person as they were before, for the rules about deaths.
    pub fn record_death(&mut self, person_id: i64, on: Date) -> Option<Person> {
        let as_of = self.as_of;
        self.persons.update(person_id, |mut p| {
            if on <= as_of {
                p.flags |= DECEASED;
            }
            p
        })
    }
}

/// A rule set compiled for one as-of date and one line.
pub struct Plan {
    as_of: Date,
    line_fen: i64,
    rules: Vec<Rule>,
    /// Distinct windows over which medical self-pay is summed.
    claim_windows: Vec<Window>,
    /// For each rule, the claim window it reads, if any.
    rule_window: Vec<Option<usize>>,
    disability: Vec<(u32, Window, u8)>,
    dropout: Vec<(u32, u8, u8)>,
    housing: Vec<(u32, Window, Grade)>,
    death: Vec<(u32, Window)>,
    assistance: Vec<(u32, Window, u8)>,
    records: Vec<(u32, Source, Window, i64)>,
}

/// Why a rule set cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    TooManyRules(usize),
    WindowBeforeCalendar(String),
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::TooManyRules(n) => write!(f, "筛查规则最多 32 条，实有 {n} 条"),
            PlanError::WindowBeforeCalendar(code) => {
                write!(f, "规则 {code} 的时间窗口早于公元 1000 年")
            }
        }
    }
}

impl std::error::Error for PlanError {}

impl Plan {
    pub fn new(rules: &[Rule], as_of: Date, line_fen: i64) -> Result<Plan, PlanError> {
        if rules.len() > 32 {
            return Err(PlanError::TooManyRules(rules.len()));
        }
        let mut plan = Plan {
            as_of,
            line_fen,
            rules: rules.to_vec(),
            claim_windows: Vec::new(),
            rule_window: Vec::new(),
            disability: Vec::new(),
            dropout: Vec::new(),
            housing: Vec::new(),
            death: Vec::new(),
            assistance: Vec::new(),
            records: Vec::new(),
        };
        for (i, rule) in rules.iter().enumerate() {
            let bit = 1u32 << i;
            let window = |months: u32| {
                Window::months_to(as_of, months)
                    .ok_or_else(|| PlanError::WindowBeforeCalendar(rule.code.clone()))
            };
            let mut claim_window = None;
            match &rule.kind {
                RuleKind::IncomeBelowLine => {}
                RuleKind::MedicalBurden { window_months, .. }
                | RuleKind::SelfPayAtLeast { window_months, .. }
                | RuleKind::PostShockIncome { window_months } => {
                    let w = window(*window_months)?;
                    let slot = match plan.claim_windows.iter().position(|x| *x == w) {
                        Some(slot) => slot,
                        None => {
                            plan.claim_windows.push(w);
                            plan.claim_windows.len() - 1
                        }
                    };
                    claim_window = Some(slot);
                }
                RuleKind::NewDisability {
                    window_months,
                    max_level,
                } => plan
                    .disability
                    .push((bit, window(*window_months)?, *max_level)),
                RuleKind::Dropout { min_age, max_age } => {
                    plan.dropout.push((bit, *min_age, *max_age))
                }
                RuleKind::UnsafeHousing {
                    window_months,
                    min_grade,
                } => plan
                    .housing
                    .push((bit, window(*window_months)?, *min_grade)),
                RuleKind::LabourDeath { window_months } => {
                    plan.death.push((bit, window(*window_months)?))
                }
                RuleKind::NewAssistance {
                    window_months,
                    kinds,
                } => {
                    let mask = kinds.iter().fold(0u8, |m, k| m | 1 << *k as u8);
                    plan.assistance.push((bit, window(*window_months)?, mask))
                }
                RuleKind::MemberRecord {
                    source,
                    window_months,
                    at_least_fen,
                } => plan
                    .records
                    .push((bit, *source, window(*window_months)?, *at_least_fen)),
            }
            plan.rule_window.push(claim_window);
        }
        Ok(plan)
    }

    pub fn as_of(&self) -> Date {
        self.as_of
    }

    pub fn line_fen(&self) -> i64 {
        self.line_fen
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// An empty tally for this plan over `registry`.
    pub fn tally(&self, registry: &Registry) -> Tally {
        let n = registry.household_count();
        Tally {
            households: n,
            sums: Zeroed::new(n * self.claim_windows.len()),
            flags: Zeroed::new(n),
            evidence: HashMap::new(),
            unmatched: 0,
        }
    }

    /// Folds a death of person `key` into the tally; the registry has
    /// already recorded it.
    pub fn death(&self, tally: &mut Tally, key: i64, before: Person, on: Date) {
        if before.flags & FULL_LABOUR != 0 {
            for &(bit, window) in &self.death {
                if window.contains(on) {
                    tally.flag(before.household, bit, Evidence { on, key, detail: 0 });
                }
            }
        }
    }

    /// A medical claim's self-paid part, for the person the claim names
    /// (`None`: nobody in the registry).
    #[inline]
    pub fn claim(&self, tally: &mut Tally, person: Option<Person>, on: Date, fen: i64) {
        let Some(p) = tally.living(person) else {
            return;
        };
        for (slot, window) in self.claim_windows.iter().enumerate() {
            if window.contains(on) {
                let sum = &mut tally.sums[slot * tally.households + p.household as usize];
                // Saturating: absurd amounts must not wrap into small ones.
                *sum = sum.saturating_add(fen);
            }
        }
    }

    pub fn disability(
        &self,
        tally: &mut Tally,
        key: i64,
        person: Option<Person>,
        level: u8,
        on: Date,
    ) {
        let Some(p) = tally.living(person) else {
            return;
        };
        for &(bit, window, max_level) in &self.disability {
            if level <= max_level && window.contains(on) {
                let detail = level;
                tally.flag(p.household, bit, Evidence { on, key, detail });
            }
        }
    }

    pub fn schooling(
        &self,
        tally: &mut Tally,
        key: i64,
        person: Option<Person>,
        status: Schooling,
        on: Date,
    ) {
        let Some(p) = tally.living(person) else {
            return;
        };
        if status != Schooling::Dropout || on > self.as_of {
            return;
        }
        let Some(age) = p.age() else { return };
        for &(bit, min_age, max_age) in &self.dropout {
            if (min_age..=max_age).contains(&age) {
                let detail = age;
                tally.flag(p.household, bit, Evidence { on, key, detail });
            }
        }
    }

    /// A house assessment, for the household it names.
    pub fn housing(
        &self,
        tally: &mut Tally,
        key: i64,
        household: Option<u32>,
        grade: Grade,
        on: Date,
    ) {
        let Some(h) = household else {
            tally.unmatched += 1;
            return;
        };
        for &(bit, window, min_grade) in &self.housing {
            if grade >= min_grade && window.contains(on) {
                let detail = grade as u8;
                tally.flag(h, bit, Evidence { on, key, detail });
            }
        }
    }

    pub fn assistance(
        &self,
        tally: &mut Tally,
        key: i64,
        person: Option<Person>,
        kind: Assistance,
        on: Date,
    ) {
        let Some(p) = tally.living(person) else {
            return;
        };
        for &(bit, window, mask) in &self.assistance {
            if mask & 1 << kind as u8 != 0 && window.contains(on) {
                let detail = kind as u8;
                tally.flag(p.household, bit, Evidence { on, key, detail });
            }
        }
    }

    /// A department's record of a member (失业登记, 受灾 with its loss, 大病).
    pub fn record(
        &self,
        tally: &mut Tally,
        key: i64,
        person: Option<Person>,
        source: Source,
        on: Date,
        amount_fen: i64,
    ) {
        let Some(p) = tally.living(person) else {
            return;
        };
        for &(bit, s, window, at_least) in &self.records {
            if s == source && window.contains(on) && amount_fen >= at_least {
                tally.flag(p.household, bit, Evidence { on, key, detail: 0 });
            }
        }
    }

    /// The self-paid medical costs a rule reads for a household.
    pub fn self_pay(&self, tally: &Tally, rule: usize, household: u32) -> Option<i64> {
        let slot = (*self.rule_window.get(rule)?)?;
        Some(tally.sums[slot * tally.households + household as usize])
    }

    /// Every (household, rule) that fires, households in registry order and
    /// rules in code order.
    pub fn evaluate(&self, registry: &Registry, tally: &Tally) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (h, hh) in registry.households.iter().enumerate() {
            if !hh.live {
                continue;
            }
            let h = h as u32;
            for (r, rule) in self.rules.iter().enumerate() {
                if self.fires(rule, r, hh, h, tally) {
                    hits.push(Hit {
                        household: h,
                        rule: r,
                    });
                }
            }
        }
        hits
    }

    /// Why `hit` fired, in the words a cadre checks it by: the numbers
    /// compared, or the feed row behind it (`None` if the hit is not of
    /// this plan and tally).
    pub fn explain(&self, registry: &Registry, tally: &Tally, hit: Hit) -> Option<String> {
        self.explain_with(registry, tally, hit, &|key| format!("编号 {key}"))
    }

    /// [`Plan::explain`], naming the person of a feed row by `who` (given the row's id) — a
    /// name where the caller knows it.
    pub fn explain_with(
        &self,
        registry: &Registry,
        tally: &Tally,
        hit: Hit,
        who: &dyn Fn(i64) -> String,
    ) -> Option<String> {
        let rule = self.rules.get(hit.rule)?;
        let hh = registry.households.get(hit.household as usize)?;
        let (income, members) = (hh.income_fen, i64::from(hh.members));
        let line = self.line_fen.saturating_mul(members);
        let self_pay = self.self_pay(tally, hit.rule, hit.household).unwrap_or(0);
        let evidence = tally
            .evidence
            .get(&(hit.household, hit.rule as u32))
            .copied();
        let months = |m: &u32| format!("近{m}个月");
        Some(match &rule.kind {
            RuleKind::IncomeBelowLine => format!(
                "家庭年纯收入 {}，{members}人，人均 {} < 监测收入线 {}（即家庭年纯收入 {} < {}）",
                yuan(income),
                yuan(income / members.max(1)),
                yuan(self.line_fen),
                yuan(income),
                yuan(line)
            ),
            RuleKind::MedicalBurden {
                window_months,
                share_percent,
                over_fen,
            } => {
                let share = i128::from(income) * i128::from(*share_percent) / 100;
                let share = i64::try_from(share).unwrap_or(i64::MAX);
                if i128::from(self_pay) * 100 > i128::from(income) * i128::from(*share_percent) {
                    format!(
                        "{}自付医疗费 {} > 家庭年纯收入 {} 的{share_percent}%（{}）",
                        months(window_months),
                        yuan(self_pay),
                        yuan(income),
                        yuan(share)
                    )
                } else {
                    format!(
                        "{}自付医疗费 {} > {}",
                        months(window_months),
                        yuan(self_pay),
                        yuan(*over_fen)
                    )
                }
            }
            RuleKind::SelfPayAtLeast {
                window_months,
                at_least_fen,
            } => format!(
                "{}自付医疗费 {} ≥ {}",
                months(window_months),
                yuan(self_pay),
                yuan(*at_least_fen)
            ),
            RuleKind::PostShockIncome { window_months } => format!(
                "家庭年纯收入 {} ≥ 监测收入线合计 {}（{members}人），扣除{}自付医疗费 {} 后为 {} < {}",
                yuan(income),
                yuan(line),
                months(window_months),
                yuan(self_pay),
                yuan(income.saturating_sub(self_pay)),
                yuan(line)
            ),
            RuleKind::NewDisability { window_months, .. } => {
                let e = evidence?;
                format!(
                    "成员（{}）{} 办理{}级残疾证，在{}内",
                    who(e.key),
                    e.on,
                    e.detail,
                    months(window_months)
                )
            }
            RuleKind::Dropout { min_age, max_age } => {
                let e = evidence?;
                format!(
                    "成员（{}）{}周岁（{min_age}–{max_age}周岁），教育部门 {} 记录为辍学",
                    who(e.key),
                    e.detail,
                    e.on
                )
            }
            RuleKind::UnsafeHousing { window_months, .. } => {
                let e = evidence?;
                let grade = ["A", "B", "C", "D"]
                    .get(usize::from(e.detail))
                    .unwrap_or(&"?");
                format!(
                    "{} 房屋安全鉴定为{grade}级，在{}内",
                    e.on,
                    months(window_months)
                )
            }
            RuleKind::LabourDeath { window_months } => {
                let e = evidence?;
                format!(
                    "劳动力成员（{}）于 {} 死亡，在{}内",
                    who(e.key),
                    e.on,
                    months(window_months)
                )
            }
            RuleKind::MemberRecord {
                source,
                window_months,
                at_least_fen,
            } => {
                let e = evidence?;
                // The row's own amount is not kept per hit (the tally holds dates and keys
                // only); the floor it met is what the rule compared.
                let floor = if *at_least_fen > 0 {
                    format!("，登记损失不低于{}", yuan(*at_least_fen))
                } else {
                    String::new()
                };
                format!(
                    "成员（{}）于 {} {}{floor}，在{}内",
                    who(e.key),
                    e.on,
                    source.name(),
                    months(window_months)
                )
            }
            RuleKind::NewAssistance { window_months, .. } => {
                let e = evidence?;
                let kind = Assistance::ALL
                    .get(usize::from(e.detail))
                    .map_or("社会救助", |a| a.name());
                format!(
                    "成员（{}）自 {} 起享受{kind}，在{}内",
                    who(e.key),
                    e.on,
                    months(window_months)
                )
            }
        })
    }

    fn fires(&self, rule: &Rule, r: usize, hh: &Household, h: u32, tally: &Tally) -> bool {
        if (hh.excluded && !rule.excluded_too) || !rule.categories.contains(hh.category) {
            return false;
        }
        let income = i128::from(hh.income_fen);
        let line = i128::from(self.line_fen) * i128::from(hh.members);
        let self_pay = || i128::from(self.self_pay(tally, r, h).unwrap_or(0));
        match &rule.kind {
            RuleKind::IncomeBelowLine => income < line,
            RuleKind::MedicalBurden {
                share_percent,
                over_fen,
                ..
            } => {
                let sp = self_pay();
                sp * 100 > income * i128::from(*share_percent) || sp > i128::from(*over_fen)
            }
            RuleKind::SelfPayAtLeast { at_least_fen, .. } => {
                self_pay() >= i128::from(*at_least_fen)
            }
            RuleKind::PostShockIncome { .. } => income >= line && income - self_pay() < line,
            _ => tally.flags[h as usize] & 1 << r != 0,
        }
    }
}

/// The feed row behind an event rule's warning: its date, the person's (or
/// household's) id in the feed, and one detail (disability level, age,
/// grade, kind of assistance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Evidence {
    pub on: Date,
    pub key: i64,
    pub detail: u8,
}

/// One warning: a household and the rule it meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub household: u32,
    pub rule: usize,
}

/// What the feed rows add up to, per household. Each worker keeps its own
/// and they are merged at the end.
pub struct Tally {
    households: usize,
    sums: Zeroed<i64>,
    flags: Zeroed<u32>,
    /// For each household and event rule that fired, the row that made it
    /// fire: the earliest, then the smallest id, so any split of the work
    /// over threads keeps the same one.
    evidence: HashMap<(u32, u32), Evidence>,
    /// Feed rows whose person or household is not in the registry.
    pub unmatched: u64,
}

impl Tally {
    /// The person if living; counts the row if it names nobody.
    #[inline]
    fn living(&mut self, person: Option<Person>) -> Option<Person> {
        match person {
            None => {
                self.unmatched += 1;
                None
            }
            Some(p) => p.living().then_some(p),
        }
    }

    /// Brings the entries of `households` into cache ahead of adding to
    /// them.
    pub fn touch(&self, households: impl Iterator<Item = u32>) {
        let mut acc = 0i64;
        for h in households {
            let h = h as usize;
            acc ^= i64::from(self.flags.get(h).copied().unwrap_or(0));
            acc ^= self.sums.get(h).copied().unwrap_or(0);
        }
        std::hint::black_box(acc);
    }

    /// Sets a household's bit of an event rule, keeping the row as evidence.
    fn flag(&mut self, household: u32, bit: u32, evidence: Evidence) {
        self.flags[household as usize] |= bit;
        self.evidence
            .entry((household, bit.trailing_zeros()))
            .and_modify(|e| *e = (*e).min(evidence))
            .or_insert(evidence);
    }

    pub fn merge(&mut self, other: &Tally) {
        for (&k, &e) in &other.evidence {
            self.evidence
                .entry(k)
                .and_modify(|x| *x = (*x).min(e))
                .or_insert(e);
        }
        for (a, b) in self.sums.iter_mut().zip(other.sums.iter()) {
            *a = a.saturating_add(*b);
        }
        for (a, b) in self.flags.iter_mut().zip(other.flags.iter()) {
            *a |= b;
        }
        self.unmatched += other.unmatched;
    }
}

/// Fen as yuan with thousands separators: `2341000` → `23,410.00元`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let digits = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}元", abs % 100)
}

#[cfg(test)]
mod tests {
    use super::yuan;

    #[test]
    fn yuan_groups_thousands_and_keeps_fen() {
        for (fen, text) in [
            (0, "0.00元"),
            (5, "0.05元"),
            (99_999, "999.99元"),
            (100_000, "1,000.00元"),
            (2_341_000, "23,410.00元"),
            (12_345_678_901, "123,456,789.01元"),
            (-150_050, "-1,500.50元"),
            (i64::MIN, "-92,233,720,368,547,758.08元"),
        ] {
            assert_eq!(yuan(fen), text);
        }
    }
}
