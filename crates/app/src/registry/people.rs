//! Finding a person (人员查询) by ID number or by name, and revealing a full number
//! (查看完整身份证号).
//! Results are masked; a reveal needs `RevealPii`, a reason, and is audited by the store.

use crate::AppError;
use dixian_domain::access::Actor;
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
    let filter = PersonFilter {
        within: None,
        name,
        offset: (page.max(1) - 1).saturating_mul(PEOPLE_PAGE),
        limit: PEOPLE_PAGE,
    };
    Ok(store.people(actor, &filter).await?)
}
