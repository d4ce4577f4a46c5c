//! What the use-case tests share: a fresh store, the system actor, dates, source files and the
//! demo county, most of it from the testkit.

pub(crate) use dixian_app::setup::{SourceFile, import_calendar, initialize};
pub(crate) use dixian_app::{AppError, demo, policy};
pub(crate) use dixian_domain::access::Actor;
pub(crate) use dixian_domain::division::DivisionCode;
pub(crate) use dixian_domain::money::Money;
pub(crate) use dixian_store::prelude::*;
pub(crate) use dixian_store_sql::SqlStore;
pub(crate) use dixian_testkit::{d, load_demo, sys};

/// A fresh SQLite store (the store contract covers PostgreSQL).
pub(crate) async fn store() -> (tempfile::TempDir, SqlStore) {
    dixian_testkit::sqlite().await
}

pub(crate) fn file(name: &str, text: &str) -> SourceFile {
    SourceFile {
        name: name.into(),
        text: text.into(),
    }
}
