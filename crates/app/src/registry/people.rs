//! Finding a person (人员查询) by ID number, and revealing a full number (查看完整身份证号).
//! Results are masked; a reveal needs `RevealPii`, a reason, and is audited by the store.

use crate::AppError;
use dixian_domain::access::Actor;
use dixian_domain::id_number::IdNumber;
use dixian_store::{PersonLocation, Store};

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
