//! The 一户一策 assistance plan: measures (帮扶措施) from the pack's catalogue, and the
//! consistency rules a plan is checked against (DOMAIN §6). The rules that tie risk types to
//! measure types are pack values (`requires_measures`, `needs_labour`, `developmental`).

use super::{HouseholdFacts, Refusal, risk_type_name};
use crate::codes::coded_enum;
use crate::money::Money;
use crate::policy::Policy;
use crate::registry::LivingStatus;
use chrono::NaiveDate;

coded_enum!(
    /// Where a measure stands (措施状态).
    MeasureStatus {
        Planned => ("planned", "计划"),
        Ongoing => ("ongoing", "实施中"),
        Done => ("done", "已完成"),
        Stopped => ("stopped", "已终止"),
    }
);

/// One measure of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    /// 0 for a new measure.
    pub id: i64,
    /// Measure type code of the pack's catalogue.
    pub type_code: String,
    pub content: String,
    /// The responsible unit (责任单位).
    pub unit: String,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    /// Funds, in fen.
    pub amount: Money,
    pub status: MeasureStatus,
    /// The effect observed (帮扶成效).
    pub effect: String,
}

impl Measure {
    /// Applied (落实): being carried out or done; a planned or stopped one does not count for
    /// elimination.
    pub fn applied(&self) -> bool {
        matches!(self.status, MeasureStatus::Ongoing | MeasureStatus::Done)
    }
}

/// The name of measure type `code` in the pack.
pub fn measure_type_name<'a>(policy: &'a Policy, code: &'a str) -> &'a str {
    policy
        .measure_types
        .iter()
        .find(|m| m.code == code)
        .map_or(code, |m| m.name.as_str())
}

/// Checks one measure as entered: its type is in the catalogue, the fields are filled and
/// the dates and amount make sense.
pub fn check_measure(policy: &Policy, m: &Measure) -> Result<(), Refusal> {
    if !policy.measure_types.iter().any(|t| t.code == m.type_code) {
        return Err(Refusal::Data(format!(
            "帮扶措施类型代码“{}”不在政策包代码表中",
            m.type_code
        )));
    }
    let content = m.content.trim();
    if content.is_empty() || content.chars().count() > 500 {
        return Err(Refusal::Data("请填写措施内容（不超过500字）".into()));
    }
    if m.unit.trim().is_empty() || m.unit.chars().count() > 100 {
        return Err(Refusal::Data("请填写责任单位（不超过100字）".into()));
    }
    if m.end_on.is_some_and(|e| e < m.start_on) {
        return Err(Refusal::Data(format!("结束日期早于开始日期{}", m.start_on)));
    }
    if m.amount.fen() < 0 {
        return Err(Refusal::Data("资金金额不能为负数".into()));
    }
    let max = policy.assistance.max_measure_amount;
    if m.amount > max {
        return Err(Refusal::Data(format!(
            "资金金额{}元超过单项措施上限{}元（政策包 assistance.max_measure_amount），请核对是否多输了位数",
            m.amount.grouped(),
            max.grouped()
        )));
    }
    if m.effect.chars().count() > 500 {
        return Err(Refusal::Data("帮扶成效不超过500字".into()));
    }
    Ok(())
}

/// Whether some member living in the household can work.
pub fn can_work(household: &HouseholdFacts) -> bool {
    household
        .members
        .iter()
        .any(|m| m.status == LivingStatus::InHousehold && m.labour.can_work())
}

/// Risk types that make no sense for the household (因务工就业不稳 without anyone able to
/// work), as a refusal.
pub fn check_risks(
    policy: &Policy,
    risk_types: &[String],
    household: &HouseholdFacts,
) -> Result<(), Refusal> {
    for code in risk_types {
        let needs = policy
            .risk_types
            .iter()
            .any(|r| &r.code == code && r.needs_labour);
        if needs && !can_work(household) {
            return Err(Refusal::Data(format!(
                "风险类型“{}”要求家庭有劳动能力成员，该户没有",
                risk_type_name(policy, code).unwrap_or(code)
            )));
        }
    }
    Ok(())
}

/// What the plan of a household with `risk_types` still lacks, one line per gap. Stopped
/// measures do not count.
pub fn plan_gaps(
    policy: &Policy,
    risk_types: &[String],
    household: &HouseholdFacts,
    measures: &[Measure],
) -> Vec<String> {
    let live: Vec<&Measure> = measures
        .iter()
        .filter(|m| m.status != MeasureStatus::Stopped)
        .collect();
    let mut gaps = Vec::new();
    if live.is_empty() {
        gaps.push("尚无帮扶措施".to_string());
    }
    for code in risk_types {
        let Some(risk) = policy.risk_types.iter().find(|r| &r.code == code) else {
            continue;
        };
        if risk.requires_measures.is_empty() {
            continue;
        }
        if !live
            .iter()
            .any(|m| risk.requires_measures.contains(&m.type_code))
        {
            let names: Vec<&str> = risk
                .requires_measures
                .iter()
                .map(|c| measure_type_name(policy, c))
                .collect();
            gaps.push(format!(
                "风险类型“{}”须有{}中的至少一项",
                risk.name,
                names.join("、")
            ));
        }
    }
    if can_work(household) {
        let developmental = |m: &&&Measure| {
            policy
                .measure_types
                .iter()
                .any(|t| t.code == m.type_code && t.developmental)
        };
        if !live.iter().any(|m| developmental(&m)) {
            let names: Vec<&str> = policy
                .measure_types
                .iter()
                .filter(|t| t.developmental)
                .map(|t| t.name.as_str())
                .collect();
            gaps.push(format!(
                "家庭有劳动能力成员，须有开发式帮扶措施（{}）",
                names.join("、")
            ));
        }
    }
    gaps
}
