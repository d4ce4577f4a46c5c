//! Helpers of the registry's recorded changes (户籍变更): the reason every change must carry,
//! the household row a change starts from, and the household's id. The changes themselves are
//! `RegistryStore` methods in `registry.rs`; each names its fields old → new and goes into the
//! household's timeline and the audit trail in the same transaction.

use crate::{SqlStore, backend};

use dixian_domain::registry::HouseholdCode;
use dixian_store::StoreError;
use dixian_store::StoreResult;

pub(crate) fn yes(b: bool) -> String {
    if b { "是" } else { "否" }.to_string()
}

pub(crate) fn check_reason(reason: &str) -> StoreResult<String> {
    crate::stated_reason(
        reason,
        2,
        "请填写变更原因（2到200个字），原因将记入变更记录和审计记录",
    )
}

#[derive(sqlx::FromRow)]
pub(crate) struct Current {
    pub(crate) id: i64,
    pub(crate) group_no: Option<i32>,
    pub(crate) address: String,
    pub(crate) phone_enc: Option<Vec<u8>>,
    pub(crate) household_type: String,
    pub(crate) relocated: bool,
    pub(crate) dibao: bool,
    pub(crate) tekun: bool,
    pub(crate) monitored: bool,
}

impl SqlStore {
    /// The id of household `code`, which the caller has checked is in scope.
    pub(crate) async fn household_id(&self, code: &HouseholdCode) -> StoreResult<i64> {
        let hid: Option<i64> = read!(self, |pool| {
            sqlx::query_scalar("SELECT id FROM households WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        hid.ok_or_else(|| StoreError::Invalid(format!("户编号{code}不存在")))
    }
}
