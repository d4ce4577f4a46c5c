//! The checks a verification carries out: income against the monitoring line, the
//! exclusion rules (原则上不纳入), and the gates of risk elimination (风险消除条件).

use super::{Case, Context, HouseholdFacts, PersonFacts, Refusal, Verification, add_months};
use crate::money::Money;
use crate::policy::Policy;
use crate::policy::exclusions::RegistryFact;
use crate::registry::LivingStatus;
use crate::registry::assurance::{MemberFacts, assess};
use chrono::{Datelike, NaiveDate};
use std::fmt;

/// 人均纯收入 of a household against the line, before and after rigid expenditure, over the
/// twelve months before the day of the check (001: “年人均纯收入的测算周期以其履行认定程序时间点
/// 往前推算一年”).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomeCheck {
    /// The latest income year the period drew on.
    pub year: i32,
    /// First and last day of the twelve months.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// How each calendar year of the period was counted.
    pub parts: Vec<IncomePart>,
    pub members: u32,
    pub net: Money,
    pub per_capita: Money,
    pub rigid_expenditure: Money,
    pub per_capita_after_expenditure: Money,
    pub line: Money,
}

/// The share of one calendar year in the twelve months: `days` of the period's `year_days`
/// (the period's length) counted with the year's record (`record_year`, the same year unless
/// that year has no record yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomePart {
    pub year: i32,
    pub record_year: i32,
    pub days: u32,
    pub year_days: u32,
    pub net: Money,
}

impl IncomeCheck {
    /// Below the line once rigid expenditure is taken off (收入骤减或支出骤增).
    pub fn at_risk(&self) -> bool {
        self.per_capita_after_expenditure < self.line
    }

    pub fn above_line(&self) -> bool {
        self.per_capita >= self.line
    }

    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(|p| {
                let whose = if p.record_year == p.year {
                    format!("{}年度记录", p.year)
                } else {
                    format!("{}年无收入记录，按{}年度记录", p.year, p.record_year)
                };
                if p.days == p.year_days {
                    format!("{whose}全年")
                } else {
                    format!("{whose}折算{}/{}天", p.days, p.year_days)
                }
            })
            .collect();
        let mut s = format!(
            "{}至{}纯收入{}元（{}），在户{}人，人均纯收入{}元",
            self.from,
            self.to,
            self.net.grouped(),
            parts.join("，"),
            self.members,
            self.per_capita.grouped()
        );
        if self.rigid_expenditure.fen() > 0 {
            s.push_str(&format!(
                "，扣除刚性支出{}元后人均{}元",
                self.rigid_expenditure.grouped(),
                self.per_capita_after_expenditure.grouped()
            ));
        }
        s.push_str(&format!(
            "，{}监测范围{}元",
            if self.at_risk() {
                "低于"
            } else {
                "不低于"
            },
            self.line.grouped()
        ));
        s
    }
}

fn living(record: &HouseholdFacts) -> impl Iterator<Item = &PersonFacts> {
    record
        .members
        .iter()
        .filter(|m| m.status == LivingStatus::InHousehold)
}

/// `fen_days / days` in fen, rounded half away from zero: no floating point.
fn prorate(fen_days: i128, days: u32) -> Result<Money, Refusal> {
    let den = i128::from(days.max(1));
    let rounded = (fen_days + fen_days.signum() * den / 2) / den;
    i64::try_from(rounded)
        .map(Money::from_fen)
        .map_err(|_| Refusal::Data("收入核算出错：金额超出范围".into()))
}

/// The income check over the twelve months ending on `on`. The registry keeps income by
/// calendar year, so each year's record counts for the days of that year inside the period
/// (a year without a record yet counts with the nearest earlier record, or the nearest later
/// one when there is none before, and the description says so).
pub fn income_check(
    record: &HouseholdFacts,
    policy: &Policy,
    on: NaiveDate,
    rigid_expenditure: Money,
) -> Result<IncomeCheck, Refusal> {
    let no_record = || {
        Refusal::Data(format!(
            "户{}没有{}年度及以前的收入记录，请先在户籍档案中登记收入（排查表收支部分）",
            record.code.as_str(),
            on.year()
        ))
    };
    if !record.incomes.iter().any(|i| i.year <= on.year()) {
        return Err(no_record());
    }
    let members = u32::try_from(living(record).count()).unwrap_or(u32::MAX);
    if members == 0 {
        return Err(Refusal::Data(format!(
            "户{}没有在户成员，无法核算人均纯收入",
            record.code.as_str()
        )));
    }
    let overflow = |e: crate::money::MoneyError| Refusal::Data(format!("收入核算出错：{e}"));
    let from = on
        .checked_sub_months(chrono::Months::new(12))
        .and_then(|d| d.succ_opt())
        .ok_or_else(no_record)?;
    let mut parts = Vec::new();
    // Each year's record weighs by its days in the period over the period's own length, so
    // an income the same every year comes out as exactly that income, leap years or not.
    let period_days = u32::try_from((on - from).num_days() + 1).unwrap_or(365);
    let mut numerator: i128 = 0;
    for year in from.year()..=on.year() {
        let start = from.max(NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(no_record)?);
        let end = on.min(NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(no_record)?);
        let days = u32::try_from((end - start).num_days() + 1).unwrap_or(0);
        let income = record
            .incomes
            .iter()
            .filter(|i| i.year <= year)
            .max_by_key(|i| i.year)
            .or_else(|| record.incomes.iter().min_by_key(|i| i.year))
            .ok_or_else(no_record)?;
        let annual = income.net().map_err(overflow)?;
        let share = i128::from(annual.fen()) * i128::from(days);
        numerator += share;
        parts.push(IncomePart {
            year,
            record_year: income.year,
            days,
            year_days: period_days,
            net: prorate(share, period_days)?,
        });
    }
    // One rounding, of the whole: the parts as shown may differ from it by a fen.
    let net = prorate(numerator, period_days)?;
    let per_capita = net.div_round(i64::from(members)).map_err(overflow)?;
    let after = net
        .checked_sub(rigid_expenditure)
        .and_then(|m| m.div_round(i64::from(members)))
        .map_err(overflow)?;
    Ok(IncomeCheck {
        year: parts
            .iter()
            .map(|p| p.record_year)
            .max()
            .unwrap_or(on.year()),
        from,
        to: on,
        parts,
        members,
        net,
        per_capita,
        rigid_expenditure,
        per_capita_after_expenditure: after,
        line: policy.monitoring_line.amount,
    })
}

/// A rule of 原则上不纳入 that a household meets, with where the fact came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExclusionHit {
    pub code: String,
    pub rule: String,
    pub evidence: String,
    pub may_override: bool,
}

impl fmt::Display for ExclusionHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}（{}）", self.rule, self.evidence)?;
        if !self.may_override {
            write!(f, "，不得经评议纳入")?;
        }
        Ok(())
    }
}

/// The pack's exclusion rules the household meets, each hit with its evidence: the
/// registry (财政供养), the departments' feeds (车辆, 不动产, 市场主体, 财政供养), and what the
/// verifiers found at the visit. A hit does not refuse the verification — special cases go
/// to the village representatives' assembly at the deliberation — but every reviewer sees it.
pub fn exclusion_hits(
    policy: &Policy,
    record: &HouseholdFacts,
    v: &Verification,
) -> Vec<ExclusionHit> {
    let mut hits = Vec::new();
    for rule in &policy.exclusions.rule {
        let hit = |evidence: String| ExclusionHit {
            code: rule.code.clone(),
            rule: rule.name.clone(),
            evidence,
            may_override: rule.assembly_may_override,
        };
        if rule.registry == Some(RegistryFact::PublicPayroll) {
            hits.extend(
                living(record)
                    .filter(|m| m.public_payroll)
                    .map(|m| hit(format!("户籍档案：{}", m.name))),
            );
        }
        hits.extend(
            record
                .records
                .iter()
                .filter(|r| rule.matches(r.department, &r.kind))
                .map(|r| hit(format!("{}：{}，{}，{}", r.source, r.person, r.kind, r.on))),
        );
        if v.exclusions_found.contains(&rule.code) {
            hits.push(hit("入户核实发现".into()));
        }
    }
    hits
}

/// One condition of risk elimination and how the household stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    pub name: &'static str,
    pub passed: bool,
    pub detail: String,
    /// A failed blocking gate refuses; a failed non-blocking one is flagged for review.
    pub blocking: bool,
}

fn gate(name: &'static str, passed: bool, detail: String) -> Gate {
    Gate {
        name,
        passed,
        detail,
        blocking: true,
    }
}

/// The gates of eliminating `case`'s risk by `mode` on `ctx.on`. `v` is the verification's
/// own findings (income stable for months, rigid expenditure resolved); without it those
/// declared gates are not re-judged.
pub fn elimination_gates(
    ctx: &Context,
    case: &Case,
    mode: &str,
    v: Option<&Verification>,
) -> Result<Vec<Gate>, Refusal> {
    let policy = ctx.policy;
    let rules = &policy.elimination;
    let by_assistance = policy
        .elimination_modes
        .iter()
        .find(|m| m.code == mode)
        .is_some_and(|m| m.by_assistance);
    let record = ctx.household;
    let mut gates = Vec::new();
    if living(record).next().is_none() {
        // 自然消除 of a household whose members have all died or moved away.
        gates.push(gate(
            "家庭成员",
            !by_assistance,
            if by_assistance {
                "户内已无在户成员，应按自然消除办理".into()
            } else {
                "户内已无在户成员，其余条件不再适用".into()
            },
        ));
        return Ok(gates);
    }
    let approved = case.approved_on.unwrap_or(case.opened_on);
    let months_ok = add_months(approved, rules.min_monitored_months);
    gates.push(gate(
        "监测时间",
        ctx.on >= months_ok,
        format!(
            "{approved}纳入监测，须满{}个月（{months_ok}起）",
            rules.min_monitored_months
        ),
    ));
    let income = income_check(record, policy, ctx.on, Money::ZERO)?;
    let mut income_detail = income.describe();
    let mut income_ok = income.above_line();
    if let Some(v) = v {
        income_ok &= v.stable_income_months >= rules.min_stable_income_months;
        income_detail.push_str(&format!(
            "；收入稳定超过监测范围{}个月，须不少于{}个月",
            v.stable_income_months, rules.min_stable_income_months
        ));
    }
    gates.push(gate("收入稳定超过监测范围", income_ok, income_detail));
    let findings = assess(
        record.members.iter().map(|m| MemberFacts {
            name: &m.name,
            birth_date: m.birth_date,
            status: m.status,
            schooling: m.schooling,
            medical_insurance: m.medical_insurance,
        }),
        record.assurance.as_ref(),
        ctx.on,
    );
    let insecure: Vec<String> = findings
        .iter()
        .filter(|f| f.secure != Some(true))
        .map(|f| {
            format!(
                "{}{}",
                f.indicator.label(),
                if f.secure.is_none() {
                    "未核查"
                } else {
                    "未保障"
                }
            )
        })
        .collect();
    gates.push(gate(
        "两不愁三保障及饮水安全",
        insecure.is_empty(),
        if insecure.is_empty() {
            "均有保障".into()
        } else {
            insecure.join("、")
        },
    ));
    if let Some(v) = v {
        gates.push(gate(
            "大额刚性支出",
            v.rigid_expenditure_resolved,
            if v.rigid_expenditure_resolved {
                "已解决或无大额刚性支出".into()
            } else {
                "尚未解决".into()
            },
        ));
    }
    if by_assistance {
        gates.push(gate(
            "帮扶措施",
            ctx.measures >= 1,
            format!("已落实帮扶措施{}项，帮扶消除须至少1项", ctx.measures),
        ));
        let workers = living(record).filter(|m| m.labour.can_work()).count();
        gates.push(gate(
            "劳动能力",
            workers > 0,
            if workers > 0 {
                format!("有劳动能力成员{workers}人")
            } else {
                "家庭无劳动能力，不标注帮扶消除，应落实兜底保障".into()
            },
        ));
        let early = add_months(approved, rules.early_review_months);
        gates.push(Gate {
            name: "消除时间",
            passed: ctx.on >= early,
            detail: if ctx.on >= early {
                format!("纳入已满{}个月", rules.early_review_months)
            } else {
                format!(
                    "纳入不满{}个月即帮扶消除，需重点复核",
                    rules.early_review_months
                )
            },
            blocking: false,
        });
    }
    Ok(gates)
}
