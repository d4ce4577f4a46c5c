//! The lead list as a file (线索清单导出): what the filter finds, as the page shows it —
//! applicants' ID numbers masked, no phone — audited with the filter and the count.

use super::{PendingLead, leads};
use crate::AppError;
use crate::csv_text::{cell, defused};
use dixian_domain::access::Actor;
use dixian_store::{LeadFilter, Store};

/// More than this many rows is a job for the standard ledgers, not a list export.
pub const MAX_EXPORTED_LEADS: i64 = 20_000;

/// A self-declaring applicant as lists show them: the name and the masked ID number.
pub fn applicant_shown(l: &dixian_store::LeadRecord) -> String {
    match (&l.applicant_name, &l.applicant_id_masked) {
        (Some(n), Some(id)) => format!("{n}（{id}）"),
        (Some(n), None) => n.clone(),
        _ => String::new(),
    }
}

/// The leads `filter` finds in the actor's area (every page), as CSV for spreadsheets.
pub async fn export_leads(
    store: &dyn Store,
    actor: &Actor,
    filter: &LeadFilter,
) -> Result<String, AppError> {
    let total = store.count_leads(actor, filter).await?;
    if total > MAX_EXPORTED_LEADS {
        return Err(AppError::Invalid(vec![format!(
            "符合条件的线索有{total}条，超过一次导出的上限{MAX_EXPORTED_LEADS}条：请按村、日期或状态缩小范围"
        )]));
    }
    let all = LeadFilter {
        limit: MAX_EXPORTED_LEADS,
        offset: 0,
        ..filter.clone()
    };
    let list = leads(store, actor, &all).await?;
    let mut out = String::from(
        "\u{feff}编号,发现日期,村代码,户编号,渠道,来源,发现的困难或风险,依据,申报人,状态,受理时限,案件\n",
    );
    for PendingLead { lead: l, accept_by } in &list {
        let who = applicant_shown(l);
        let pending = l.status == dixian_domain::monitoring::LeadStatus::Pending;
        let row = [
            l.id.to_string(),
            l.received_on.to_string(),
            l.village.to_string(),
            l.household
                .as_ref()
                .map(|h| h.as_str().to_string())
                .unwrap_or_default(),
            l.channel.label().to_string(),
            l.source.clone(),
            l.reason.clone(),
            l.evidence.clone(),
            who,
            l.status.label().to_string(),
            if pending {
                accept_by.to_string()
            } else {
                String::new()
            },
            l.case_id.map(|c| format!("案件#{c}")).unwrap_or_default(),
        ];
        let cells: Vec<String> = row.iter().map(|c| cell(&defused(c))).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    let detail = serde_json::json!({
        "rows": list.len(),
        "status": filter.status.map(|s| s.code()),
        "village": filter.within.map(|v| v.to_string()),
        "channel": filter.channel.map(|c| c.code()),
        "from": filter.from.map(|d| d.to_string()),
        "until": filter.until.map(|d| d.to_string()),
        "text": filter.text,
        "by_id_number": filter.id_number.is_some(),
    })
    .to_string();
    store
        .audit(actor, "lead.export", "线索清单", &detail)
        .await?;
    Ok(out)
}
