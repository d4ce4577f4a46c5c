//! Use cases of dixian. Talks to storage only through [`dixian_store::Store`].

pub mod accounts;
pub mod areas;
pub mod auditing;
pub mod bulletin;
pub mod csv_text;
pub mod dashboard;
pub mod demo;
pub mod demo_cases;
pub mod demo_problems;
pub mod feeds;
pub mod import;
pub mod lead_import;
pub mod ledger;
pub mod ledgers;
pub mod monitoring;
pub mod people;
pub mod policy;
pub mod problems;
pub mod quality;
pub mod registry;
pub mod screening;
pub mod setup;
pub mod sheet;
pub mod workbook;

use dixian_store::StoreError;

/// Errors of use cases; every message is Chinese and names what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// Input that failed validation; one line per problem.
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A moment as Beijing wall-clock time (Asia/Shanghai is UTC+8 all year, no daylight saving).
pub fn beijing(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    (t + chrono::Duration::hours(8)).naive_utc()
}

/// Today in China.
pub fn today() -> chrono::NaiveDate {
    beijing(chrono::Utc::now()).date()
}
