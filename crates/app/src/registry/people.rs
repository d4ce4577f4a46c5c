//! Finding a person (人员查询) by ID number or by name, and revealing a full number
//! (查看完整身份证号).
//! Results are masked; a reveal needs `RevealPii`, a reason, and is audited by the store.

use crate::AppError;
use crate::csv_text::{cell, defused};
use dixian_domain::access::{Actor, Permission};
use dixian_domain::id_number::IdNumber;
use dixian_store::{PersonFilter, PersonLocation, PersonPage, Store};

/// People on one page of a search by name.
pub const PEOPLE_PAGE: i64 = 50;

/// Looks a person up by the number as typed (spaces, full-width digits and a lower-case x
/// are accepted). A malformed number is explained; a number outside the actor's scope is
/// "not found", like one never registered.
pub async fn find(
    store: &dyn Store,
    actor: &Actor,
    typed: &str,
) -> Result<Option<PersonLocation>, AppError> {
    let id = IdNumber::parse(typed, crate::today())
        .map_err(|e| AppError::Invalid(vec![format!("身份证号有误：{e}")]))?;
    Ok(store.find_person_by_id_number(actor, &id).await?)
}

/// The full number of a person, for the stated reason.
pub async fn reveal(
    store: &dyn Store,
    actor: &Actor,
    person_id: i64,
    reason: &str,
) -> Result<IdNumber, AppError> {
    Ok(store.reveal_id_number(actor, person_id, reason).await?)
}

/// People in the actor's area whose name contains the typed words, page `page` (1-based) of
/// [`PEOPLE_PAGE`], with the total; an empty or overlong search is named on its field.
pub async fn named(
    store: &dyn Store,
    actor: &Actor,
    typed: &str,
    page: i64,
) -> Result<PersonPage, AppError> {
    let filter = PersonFilter {
        within: None,
        name: searched_name(typed)?,
        offset: (page.max(1) - 1).saturating_mul(PEOPLE_PAGE),
        limit: PEOPLE_PAGE,
    };
    Ok(store.people(actor, &filter).await?)
}

/// The words of a search by name, or its problem named on the name box.
fn searched_name(typed: &str) -> Result<String, AppError> {
    let name = dixian_store::search_words(typed);
    if name.is_empty() {
        return Err(AppError::Fields(vec![(
            "name",
            "请输入要查找的姓名（可只输入姓名中的一部分）".into(),
        )]));
    }
    if name.chars().count() > 20 {
        return Err(AppError::Fields(vec![("name", "姓名不超过20个字".into())]));
    }
    Ok(name)
}

/// More than this many people is a job for the household ledger, not a search's export.
pub const MAX_EXPORTED_PEOPLE: i64 = 20_000;

/// Everyone a search by name finds (all pages) as CSV (UTF-8 with BOM, for Excel), ID
/// numbers masked, for those who may export ledgers; audited with the search and the count.
pub async fn export_named(
    store: &dyn Store,
    actor: &Actor,
    typed: &str,
) -> Result<String, AppError> {
    crate::accounts::require(store, actor, Permission::ExportLedger, "人员清单导出").await?;
    let name = searched_name(typed)?;
    let too_many = |total| {
        AppError::Invalid(vec![format!(
            "姓名含“{name}”的有{total}人，超过一次导出的上限{MAX_EXPORTED_PEOPLE}人：请输入更完整的姓名"
        )])
    };
    let rows = crate::every_page(MAX_EXPORTED_PEOPLE, too_many, |offset, limit| {
        let filter = PersonFilter {
            within: None,
            name: name.clone(),
            offset,
            limit,
        };
        async move {
            let page = store.people(actor, &filter).await?;
            Ok((page.rows, page.total))
        }
    })
    .await?;
    let mut out =
        String::from("\u{feff}姓名,身份证号（打码）,与户主关系,状态,户主,户编号,所在村\r\n");
    for p in &rows {
        let village = if p.village_name.is_empty() {
            p.village.to_string()
        } else {
            p.village_name.clone()
        };
        let line = [
            p.name.clone(),
            p.id_masked.clone(),
            p.relation.label().to_string(),
            p.status.label().to_string(),
            p.head_name.clone(),
            p.household.to_string(),
            village,
        ];
        let cells: Vec<String> = line.iter().map(|c| cell(&defused(c))).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    let detail = serde_json::json!({ "name": name, "rows": rows.len() }).to_string();
    store
        .audit(actor, "person.export", "人员清单", &detail)
        .await?;
    Ok(out)
}
