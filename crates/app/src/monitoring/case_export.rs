//! The case list as a file (案件清单导出): what the list's filter (and search) finds, every
//! page, in words — category and risk types named by their packs, no ID number, no phone —
//! for those who may export ledgers, audited with the filter and the count.

use crate::AppError;
use crate::csv_text::{cell, defused};
use crate::policy::Policies;
use chrono::NaiveDate;
use dixian_domain::access::{Actor, Permission};
use dixian_store::{CaseFilter, Store};

/// More than this many rows is a job for the standard ledgers (台账), not a list export.
pub const MAX_EXPORTED_CASES: i64 = 20_000;

/// The cases `filter` finds in the actor's area as CSV (UTF-8 with BOM, for Excel).
pub async fn export_cases(
    store: &dyn Store,
    actor: &Actor,
    filter: &CaseFilter,
    today: NaiveDate,
) -> Result<String, AppError> {
    crate::accounts::require(store, actor, Permission::ExportLedger, "案件清单导出").await?;
    let all = CaseFilter {
        offset: 0,
        // One more than allowed: a longer list is refused, not cut.
        limit: MAX_EXPORTED_CASES + 1,
        ..filter.clone()
    };
    let list = store.cases(actor, &all).await?;
    if list.len() > usize::try_from(MAX_EXPORTED_CASES).unwrap_or(usize::MAX) {
        return Err(AppError::Invalid(vec![format!(
            "符合条件的案件超过一次导出的上限{MAX_EXPORTED_CASES}个：请按乡镇、村、状态或日期缩小范围，或导出台账"
        )]));
    }
    let mut policies = Policies::load(store, today).await?;
    let mut out = String::from(
        "\u{feff}案件,户编号,户主,行政村,在户人数,状态,对象类别,风险类型,纳入监测日期,风险消除日期,本环节开始,当前时限,帮扶责任人,绿色通道\r\n",
    );
    for c in &list {
        let case = &c.case;
        let category = match &case.category {
            Some(code) => policies.category_name(&c.village, code, case.approved_on)?,
            None => String::new(),
        };
        let risks =
            dixian_domain::monitoring::risk_type_names(policies.of(&c.village)?, &case.risk_types);
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let row = [
            format!("#{}", case.id),
            case.household.to_string(),
            c.head_name.clone(),
            c.village_name.clone(),
            c.people.to_string(),
            case.state.label().to_string(),
            category,
            risks,
            day(case.approved_on),
            day(case.eliminated_on),
            case.step_since.to_string(),
            day(case.due_on),
            if c.has_cadre {
                "已明确"
            } else {
                "未明确"
            }
            .to_string(),
            if case.green_channel_on.is_some() {
                "是"
            } else {
                ""
            }
            .to_string(),
        ];
        let cells: Vec<String> = row.iter().map(|v| cell(&defused(v))).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    let detail = serde_json::json!({
        "rows": list.len(),
        "states": filter.states.iter().map(|s| s.code()).collect::<Vec<_>>(),
        "area": filter.within.map(|a| a.to_string()),
        "household": filter.household.as_ref().map(|h| h.to_string()),
        "overdue_on": filter.overdue_on.map(|d| d.to_string()),
        "category": filter.category,
        "risk": filter.risk_type,
        "approved": filter.approved_between.map(|(a, b)| format!("{a}..{b}")),
        "eliminated": filter.eliminated_between.map(|(a, b)| format!("{a}..{b}")),
        "text": filter.text,
        "by_id_number": filter.id_number.is_some(),
    })
    .to_string();
    store
        .audit(actor, "case.export", "案件清单", &detail)
        .await?;
    Ok(out)
}
