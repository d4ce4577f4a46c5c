//! Use cases against a real SQLite store (the store contract covers PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod auth;
mod bulletin;
mod complaints;
mod dashboard;
mod feeds;
mod funds;
mod ledgers;
mod monitoring;
mod problems;
mod quality;
mod screening_rules;
mod setup;
mod support;
mod villages;
