//! The router against a real SQLite store holding a small demo county and its accounts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod api;
mod complaints;
mod funds;
mod ledgers;
mod monitoring;
mod pages;
mod privacy;
mod problems;
mod registry;
mod sessions;
mod support;
mod uploads;
