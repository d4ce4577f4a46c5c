//! The household registry as users read it (户籍查询): the list with filters as typed into
//! a form, and the household page with net income per head set against the monitoring line
//! in force for that county and year.

use crate::{AppError, policy};
use chrono::NaiveDate;
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_domain::id_number::IdNumber;
use dixian_domain::money::Money;
use dixian_domain::registry::{HouseholdCode, HouseholdType, LivingStatus};
use dixian_store::{HouseholdDetail, HouseholdFilter, HouseholdPage, Store};
use serde::Serialize;

/// Rows per page of the household list.
pub const PAGE_SIZE: i64 = 30;

/// The list form as typed; empty fields mean "any".
#[derive(Debug, Clone, Default)]
pub struct HouseholdQuery {
    pub within: String,
    pub household_type: String,
    /// Each flag: "" any, "1" yes, "0" no.
    pub relocated: String,
    pub dibao: String,
    pub tekun: String,
    pub monitored: String,
    pub name: String,
    pub id_number: String,
    /// 1-based.
    pub page: i64,
}

fn flag(text: &str, label: &str, problems: &mut Vec<String>) -> Option<bool> {
    match text.trim() {
        "" => None,
        "1" | "是" | "true" => Some(true),
        "0" | "否" | "false" => Some(false),
        other => {
            problems.push(format!("{label}应为“是”或“否”（填写的是“{other}”）"));
            None
        }
    }
}

impl HouseholdQuery {
    /// The store filter, or every problem with the form named.
    pub fn filter(&self, page_size: i64) -> Result<HouseholdFilter, AppError> {
        let mut problems = Vec::new();
        let within = match self.within.trim() {
            "" => None,
            t => DivisionCode::parse(t)
                .map_err(|e| problems.push(format!("区划：{e}")))
                .ok(),
        };
        let household_type = match self.household_type.trim() {
            "" => None,
            t => {
                let parsed = HouseholdType::parse(t);
                if parsed.is_none() {
                    problems.push(format!("户类型“{t}”无效，可选：脱贫户、一般农户"));
                }
                parsed
            }
        };
        let id_number = match self.id_number.trim() {
            "" => None,
            t => IdNumber::parse(t, crate::today())
                .map_err(|e| problems.push(format!("身份证号有误：{e}")))
                .ok(),
        };
        let filter = HouseholdFilter {
            within,
            household_type,
            relocated: flag(&self.relocated, "易地扶贫搬迁", &mut problems),
            dibao: flag(&self.dibao, "低保", &mut problems),
            tekun: flag(&self.tekun, "特困", &mut problems),
            monitored: flag(&self.monitored, "监测对象", &mut problems),
            head_name: Some(self.name.trim().to_string()).filter(|n| !n.is_empty()),
            id_number,
            after_code: None,
            offset: (self.page.max(1) - 1) * page_size,
            limit: page_size,
        };
        if problems.is_empty() {
            Ok(filter)
        } else {
            Err(AppError::Invalid(problems))
        }
    }
}

/// One page of households matching the form.
pub async fn search(
    store: &dyn Store,
    actor: &Actor,
    q: &HouseholdQuery,
) -> Result<HouseholdPage, AppError> {
    Ok(store.households(actor, &q.filter(PAGE_SIZE)?).await?)
}

/// One assessment year of a household, with the figures the policy compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearFigures {
    pub year: i32,
    /// 纯收入, yuan with two decimals.
    pub net: String,
    /// 人均纯收入.
    pub per_capita: String,
    /// The monitoring line in force for the county at the end of that year (or today).
    pub line: Option<String>,
    pub below_line: bool,
    /// 合规自付医疗支出, for the 因病 risk check.
    pub medical_self_pay: String,
}

/// The household page.
#[derive(Debug, Clone)]
pub struct HouseholdView {
    pub detail: HouseholdDetail,
    /// 重庆市青山县石桥镇石桥村.
    pub place: String,
    pub years: Vec<YearFigures>,
}

/// A household by its code as typed, with incomes set against the monitoring line.
pub async fn household(
    store: &dyn Store,
    actor: &Actor,
    code_text: &str,
    today: NaiveDate,
) -> Result<HouseholdView, AppError> {
    let code =
        HouseholdCode::parse(code_text).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let detail = store
        .household(actor, &code)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("户编号{code}不存在")))?;
    let village = detail.summary.village;
    let place = crate::areas::full_name(store, village.as_str()).await?;
    let living = detail
        .members
        .iter()
        .filter(|m| m.status == LivingStatus::InHousehold)
        .count();
    let living = u32::try_from(living).unwrap_or(0);
    let mut years = Vec::new();
    for i in &detail.incomes {
        let on = NaiveDate::from_ymd_opt(i.year, 12, 31)
            .map(|d| d.min(today))
            .unwrap_or(today);
        // A county without a pack in force for that date still shows its figures.
        let line = policy::policy_in_force(store, village.as_str(), on)
            .await
            .ok()
            .map(|p| p.monitoring_line.amount);
        let net = i
            .net()
            .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
        let per_capita = if living == 0 {
            None
        } else {
            Some(
                i.net_per_capita(living)
                    .map_err(|e| AppError::Invalid(vec![e.to_string()]))?,
            )
        };
        years.push(YearFigures {
            year: i.year,
            net: net.grouped(),
            per_capita: per_capita.map(Money::grouped).unwrap_or_else(|| "—".into()),
            line: line.map(Money::grouped),
            below_line: matches!((per_capita, line), (Some(p), Some(l)) if p < l),
            medical_self_pay: i.medical_self_pay.grouped(),
        });
    }
    Ok(HouseholdView {
        detail,
        place,
        years,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_is_checked_field_by_field() {
        let q = HouseholdQuery {
            within: "5002".into(),
            household_type: "富裕户".into(),
            dibao: "也许".into(),
            id_number: "500299199001010010".into(),
            ..Default::default()
        };
        let e = q.filter(30).unwrap_err().to_string();
        assert!(e.contains("区划："), "{e}");
        assert!(e.contains("户类型“富裕户”无效"), "{e}");
        assert!(e.contains("低保应为“是”或“否”"), "{e}");
        assert!(e.contains("身份证号有误"), "{e}");
        let ok = HouseholdQuery {
            household_type: "脱贫户".into(),
            monitored: "1".into(),
            name: " 张 ".into(),
            page: 3,
            ..Default::default()
        }
        .filter(30)
        .unwrap();
        assert_eq!(ok.household_type, Some(HouseholdType::PovertyAlleviated));
        assert_eq!(ok.monitored, Some(true));
        assert_eq!(ok.head_name.as_deref(), Some("张"));
        assert_eq!((ok.offset, ok.limit), (60, 30));
    }
}
