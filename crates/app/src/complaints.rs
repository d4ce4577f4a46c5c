//! Complaints and suggestions (投诉建议, 国办函〔2026〕12号): sending one (public or staff), the
//! sender reading the answer by code, the county office answering within the pack's limit,
//! and the county's on-time figure.

use crate::AppError;
use crate::csv_text::{cell, defused};
use crate::policy::policy_in_force;
use crate::tracking_code;
use chrono::NaiveDate;
use dixian_domain::access::{Actor, Scope};
use dixian_domain::complaints::{
    ComplaintChannel, ComplaintForm, OnTime, Timing, check, check_reply, on_time,
};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::monitoring::{Refusal, due};
use dixian_store::{ComplaintFilter, NewComplaint, PublicComplaint, Store, StoreError};

fn fields(r: Refusal) -> AppError {
    match r {
        Refusal::Fields(list) => AppError::Fields(list),
        other => AppError::Invalid(vec![other.to_string()]),
    }
}

/// The county offices complaints can go to, (code, name), in code order: every county of
/// the loaded division tree.
pub async fn counties(store: &dyn Store) -> Result<Vec<(DivisionCode, String)>, AppError> {
    let mut out = Vec::new();
    let mut todo = store.root_divisions().await?;
    while let Some(d) = todo.pop() {
        match d.code.level() {
            DivisionLevel::County => out.push((d.code, d.name)),
            l if l < DivisionLevel::County => todo.extend(store.child_divisions(&d.code).await?),
            // A tree loaded from a town down still belongs to a county office.
            _ => {
                if let Some(c) = d.code.ancestor_at(DivisionLevel::County) {
                    let name = store
                        .division(&c)
                        .await?
                        .map_or_else(|| c.to_string(), |d| d.name);
                    out.push((c, name));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The county a member of staff complains to: the one their area lies in; for an account
/// above county level (or the system), the one they chose.
fn staff_county(actor: &Actor) -> Option<DivisionCode> {
    match &actor.scope {
        Scope::Within(root) => root.ancestor_at(DivisionLevel::County),
        Scope::Everything => None,
    }
}

/// Sends a complaint or suggestion and gives the code its answer is read by. `county_text`
/// is the county chosen on the form (needed only where there is more than one to choose and
/// the sender's own area does not decide it).
pub async fn send(
    store: &dyn Store,
    actor: &Actor,
    channel: ComplaintChannel,
    county_text: &str,
    form: &ComplaintForm,
    today: NaiveDate,
) -> Result<String, AppError> {
    let checked = check(form);
    let all = counties(store).await?;
    let chosen = match (channel, staff_county(actor)) {
        (ComplaintChannel::Staff, Some(own)) => all.iter().find(|(c, _)| *c == own),
        _ if all.len() == 1 => all.first(),
        _ => all.iter().find(|(c, _)| c.as_str() == county_text.trim()),
    };
    let mut problems = Vec::new();
    if chosen.is_none() {
        problems.push(("county", "请选择投诉建议送达的县（区）".to_string()));
    }
    let checked = match checked {
        Ok(c) => Some(c),
        Err(Refusal::Fields(list)) => {
            problems.extend(list);
            None
        }
        Err(other) => {
            problems.push(("", other.to_string()));
            None
        }
    };
    let (Some(checked), Some((county, _)), true) = (checked, chosen, problems.is_empty()) else {
        return Err(AppError::Fields(problems));
    };
    let county = *county;
    let policy = policy_in_force(store, county.as_str(), today).await?;
    let due_on = match policy.complaints {
        Some(rules) => {
            let cal = store.calendar().await?;
            Some(
                due(&cal, rules.reply_within, today)
                    .map_err(|e| AppError::Invalid(vec![format!("答复时限无法计算：{e}")]))?,
            )
        }
        None => None,
    };
    // A clash of random codes is astronomically rare; one retry covers it.
    for _ in 0..2 {
        let code = tracking_code("TS")?;
        let new = NewComplaint {
            code: code.clone(),
            county,
            kind: checked.kind,
            channel,
            text: checked.text.clone(),
            name: checked.name.clone(),
            phone: checked.phone.clone(),
            received_on: today,
            due_on,
        };
        match store.add_complaint(actor, &new).await {
            Ok(_) => return Ok(code),
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Invalid(vec![
        "暂时无法生成查询编号，请稍后再试".into(),
    ]))
}

/// The complaint and its answer by the sender's code (upper-cased, spaces ignored).
pub async fn status(store: &dyn Store, code: &str) -> Result<Option<PublicComplaint>, AppError> {
    let code: String = code
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if code.len() != 12 || !code.starts_with("TS") {
        return Err(AppError::Fields(vec![(
            "code",
            "查询编号为TS开头的12位字母数字，请核对".into(),
        )]));
    }
    Ok(store.public_complaint(&code).await?)
}

/// Answers complaint `id` today.
pub async fn reply(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    text: &str,
    today: NaiveDate,
) -> Result<(), AppError> {
    let text = check_reply(text).map_err(fields)?;
    store.reply_complaint(actor, id, &text, today).await?;
    Ok(())
}

/// The county's on-time figure for complaints received from `from` to `until`, as of `today`.
pub async fn figure(
    store: &dyn Store,
    actor: &Actor,
    from: NaiveDate,
    until: NaiveDate,
    today: NaiveDate,
) -> Result<OnTime, AppError> {
    let timings = store.complaint_timings(actor, from, until).await?;
    Ok(on_time(
        timings
            .into_iter()
            .map(|(due_on, replied_on)| Timing { due_on, replied_on }),
        today,
    ))
}

/// More than this many rows at once is not a list any more.
pub const MAX_EXPORTED: u32 = 20_000;

/// The complaints `filter` finds (every page) as CSV for spreadsheets: phones masked,
/// audited with the filter and the count.
pub async fn export(
    store: &dyn Store,
    actor: &Actor,
    filter: &ComplaintFilter,
) -> Result<String, AppError> {
    let (_, total) = store
        .complaints(
            actor,
            &ComplaintFilter {
                limit: 1,
                offset: 0,
                ..filter.clone()
            },
        )
        .await?;
    if total > u64::from(MAX_EXPORTED) {
        return Err(AppError::Invalid(vec![format!(
            "符合条件的投诉建议有{total}条，超过一次导出的上限{MAX_EXPORTED}条：请按日期缩小范围"
        )]));
    }
    let mut out = String::from(
        "\u{feff}查询编号,收到日期,类型,来源,内容,联系人,联系电话,提交账号,应答复日期,状态,答复日期,答复人,答复内容\n",
    );
    let mut offset = 0;
    let mut rows = 0usize;
    loop {
        let (page, _) = store
            .complaints(
                actor,
                &ComplaintFilter {
                    limit: 500,
                    offset,
                    ..filter.clone()
                },
            )
            .await?;
        if page.is_empty() {
            break;
        }
        offset += 500;
        for c in &page {
            let row = [
                c.code.clone(),
                c.received_on.to_string(),
                c.kind.label().to_string(),
                c.channel.label().to_string(),
                c.text.clone(),
                c.name.clone().unwrap_or_default(),
                c.phone_masked.clone().unwrap_or_default(),
                c.sent_by.clone().unwrap_or_default(),
                c.due_on.map(|d| d.to_string()).unwrap_or_default(),
                c.status.label().to_string(),
                c.replied_on.map(|d| d.to_string()).unwrap_or_default(),
                c.replied_by.clone().unwrap_or_default(),
                c.reply.clone().unwrap_or_default(),
            ];
            let cells: Vec<String> = row.iter().map(|v| cell(&defused(v))).collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        rows += page.len();
    }
    let detail = serde_json::json!({
        "rows": rows,
        "status": filter.status.map(|s| s.code()),
        "kind": filter.kind.map(|k| k.code()),
        "from": filter.from.map(|d| d.to_string()),
        "until": filter.until.map(|d| d.to_string()),
        "overdue_on": filter.overdue_on.map(|d| d.to_string()),
        "mine": filter.mine,
    })
    .to_string();
    store
        .audit(actor, "complaint.export", "投诉建议清单", &detail)
        .await?;
    Ok(out)
}
