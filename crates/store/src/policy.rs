//! Policy packs (政策包) as stored, validated again on every read.

use crate::StoreResult;
use async_trait::async_trait;
use dixian_domain::access::Actor;
use dixian_domain::policy::Pack;

/// Policy packs (政策包) as stored, validated again on every read.
#[async_trait]
pub trait PolicyStore: Send + Sync {
    /// Stores a validated pack, replacing one with the same id.
    async fn put_policy_pack(&self, actor: &Actor, pack: &Pack) -> StoreResult<()>;
    /// All stored packs, parsed and validated again.
    async fn policy_packs(&self) -> StoreResult<Vec<Pack>>;
}
