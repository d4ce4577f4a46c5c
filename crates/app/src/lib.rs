//! Use cases of dixian. Talks to storage only through [`dixian_store::Store`].

pub mod accounts;
pub mod areas;
pub mod assets;
pub mod auditing;
pub mod bulletin;
pub mod cadres;
pub mod complaints;
pub mod csv_text;
pub mod dashboard;
pub mod demo;
pub mod drafts;
pub mod feeds;
mod fields;
pub mod funds;
pub mod ledgers;
pub mod monitoring;
pub mod policy;
pub mod problems;
pub mod quality;
pub mod rectification;
pub mod registry;
pub mod screening;
pub mod setup;
pub mod sheet;
pub mod teams;
pub mod uploads;
pub mod villages;
pub mod workbook;

use dixian_store::StoreError;

/// Errors of use cases; every message is Chinese and names what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// Input that failed validation; one line per problem.
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    /// A refused form: every problem, each with the field it concerns (empty: the form).
    #[error("{}", .0.iter().map(|(_, m)| m.as_str()).collect::<Vec<_>>().join("\n"))]
    Fields(Vec<dixian_domain::monitoring::FieldProblem>),
    #[error("{0}")]
    NotFound(String),
    /// Work the server is doing enough of already (another file check of the same account):
    /// try again later.
    #[error("{0}")]
    Busy(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AppError {
    /// Whether the refusal is about what was sent (to correct and send again, the form
    /// shown back with what was typed), not about the officer's rights or the system.
    pub fn correctable(&self) -> bool {
        matches!(
            self,
            AppError::Invalid(_)
                | AppError::Fields(_)
                | AppError::Busy(_)
                | AppError::Store(StoreError::Invalid(_) | StoreError::Conflict(_))
        )
    }
}

/// Every row of a list the store pages, read 1,000 at a time (the most a store page
/// holds); refused with `too_many(total)` when the list holds more than `max`.
pub(crate) async fn every_page<T, F>(
    max: i64,
    too_many: impl Fn(i64) -> AppError,
    mut page: impl FnMut(i64, i64) -> F,
) -> Result<Vec<T>, AppError>
where
    F: std::future::Future<Output = Result<(Vec<T>, i64), AppError>>,
{
    const PAGE: i64 = 1_000;
    let mut rows = Vec::new();
    loop {
        let offset = i64::try_from(rows.len()).unwrap_or(i64::MAX);
        let (got, total) = page(offset, PAGE).await?;
        if total > max {
            return Err(too_many(total));
        }
        let done = got.is_empty();
        rows.extend(got);
        if done || i64::try_from(rows.len()).unwrap_or(i64::MAX) >= total {
            return Ok(rows);
        }
    }
}

/// Codes a member of the public keeps to read back what they sent.
/// Letters of tracking codes: no 0/O, 1/I/L, so they survive being read over the phone.
const TRACKING_ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTUVWXY";

/// A random code `prefix` + 10 letters a person can read over the phone (about 49 bits).
/// Shared by the self-declaration (`SB…`) and complaints (`TS…`).
pub(crate) fn tracking_code(prefix: &str) -> Result<String, AppError> {
    let bytes = dixian_gm::random::<10>().map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let tail: String = bytes
        .iter()
        .map(|b| char::from(TRACKING_ALPHABET[usize::from(*b) % TRACKING_ALPHABET.len()]))
        .collect();
    Ok(format!("{prefix}{tail}"))
}

/// A moment as Beijing wall-clock time (Asia/Shanghai is UTC+8 all year, no daylight saving).
pub fn beijing(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    (t + chrono::Duration::hours(8)).naive_utc()
}

/// A moment as people read it on every page, list and print: Beijing time to the minute.
/// The one formatter, so a delivery and a case history never disagree by eight hours.
pub fn beijing_minute(t: chrono::DateTime<chrono::Utc>) -> String {
    beijing(t).format("%Y-%m-%d %H:%M").to_string()
}

/// Today in China.
pub fn today() -> chrono::NaiveDate {
    beijing(chrono::Utc::now()).date()
}

/// What day it is for the web's use cases: today in China, unless a day is set — a demo or
/// training copy frozen at its date, or a test that must act on a day months back. Clones
/// share the day, so whoever holds one clone moves the clock of all.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: std::sync::Arc<std::sync::RwLock<Option<chrono::NaiveDate>>>,
}

impl Clock {
    /// Today in China.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Sets the day (`None`: back to today in China).
    pub fn set(&self, day: Option<chrono::NaiveDate>) {
        if let Ok(mut d) = self.fixed.write() {
            *d = day;
        }
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.fixed
            .read()
            .ok()
            .and_then(|d| *d)
            .unwrap_or_else(today)
    }
}
