//! The store contract on both backends: every check runs on a fresh SQLite file and on a
//! fresh PostgreSQL database. PostgreSQL comes from `DIXIAN_TEST_PG_URL`; when
//! `DIXIAN_REQUIRE_PG=1` (the test script and CI) its absence fails the run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backends;
mod contract;
mod pii;
mod schema;
mod scope_prop;
mod support;
mod tamper;
