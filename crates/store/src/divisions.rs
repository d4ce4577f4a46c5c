//! Administrative divisions (行政区划) and village groups.

use crate::StoreResult;
use async_trait::async_trait;
use dixian_domain::access::Actor;
use dixian_domain::division::Division;
use dixian_domain::division::DivisionCode;
use dixian_domain::division::DivisionTable;
use dixian_domain::division::VillageGroup;

/// Administrative divisions (行政区划) and village groups.
#[async_trait]
pub trait DivisionStore: Send + Sync {
    /// Inserts or renames every division and village group of `table`.
    async fn put_divisions(&self, actor: &Actor, table: &DivisionTable) -> StoreResult<usize>;
    async fn division(&self, code: &DivisionCode) -> StoreResult<Option<Division>>;
    /// Direct children, ordered by code.
    async fn child_divisions(&self, code: &DivisionCode) -> StoreResult<Vec<Division>>;
    /// The node and everything below it, ordered by code.
    async fn divisions_within(&self, code: &DivisionCode) -> StoreResult<Vec<Division>>;
    /// Nodes whose parent is not stored: the tops of the loaded tree.
    async fn root_divisions(&self) -> StoreResult<Vec<Division>>;
    async fn village_groups(&self, village: &DivisionCode) -> StoreResult<Vec<VillageGroup>>;
}
