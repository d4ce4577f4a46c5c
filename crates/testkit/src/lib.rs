//! Shared fixtures of dixian's tests (测试夹具), so every crate's tests set up the same way:
//! a store on SQLite or on a fresh PostgreSQL database, a field cipher, the demo county with
//! its accounts, and a router with signed-in clients. Test-only: nothing here ships.
// Fixtures fail the test that uses them, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod pg;
pub mod web;

use chrono::NaiveDate;
use dixian_app::demo;
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_gm::FieldCipher;
use dixian_store_sql::SqlStore;
use std::sync::Arc;

/// A field cipher with a key made for this test run.
pub fn cipher() -> Arc<FieldCipher> {
    Arc::new(FieldCipher::ephemeral().unwrap())
}

/// A fresh, migrated SQLite store in a temporary directory (kept while the guard lives).
pub async fn sqlite() -> (tempfile::TempDir, SqlStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open_sqlite(&dir.path().join("t.db"), cipher())
        .await
        .unwrap();
    (dir, store)
}

/// The system itself, as tests act when no account is meant.
pub fn sys() -> Actor {
    Actor::system("test")
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn code(text: &str) -> DivisionCode {
    DivisionCode::parse(text).unwrap()
}

/// The demo county's registry of `households` households, generated with `seed` as of `as_of`.
pub async fn load_demo(s: &SqlStore, households: u32, seed: u64, as_of: NaiveDate) {
    demo::load(
        s,
        &sys(),
        demo::DemoOptions {
            households,
            seed,
            as_of,
        },
        |_, _| {},
    )
    .await
    .unwrap();
}
