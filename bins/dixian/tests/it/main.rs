//! End-to-end tests of the `dixian` binary: real processes, real ports, real databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod browser_cadres;
mod browser_complaints;
mod browser_dashboard;
mod browser_funds;
mod browser_lists;
mod browser_monitoring;
mod browser_problems;
mod browser_screening;
mod browser_villages;
mod data;
mod layers;
mod security;
mod serve;
mod setup;
mod support;
