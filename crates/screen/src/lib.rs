//! 部门筛查预警 (department screening): match departments' monthly feeds to
//! the registry and raise warnings a cadre can check.
//!
//! The engine (`engine`) keeps a compact registry and folds feed rows into
//! per-household tallies without storing them; rules (`rules`) are data.
//! `contract` reads and writes the standalone file contract of
//! `dixian screen`; `generate` writes realistic test data at any scale.

pub mod contract;
pub mod date;
pub mod engine;
pub mod fields;
pub mod generate;
pub mod memory;
pub mod rules;
pub mod scan;
pub mod table;

pub use date::{Date, Window};
pub use engine::{Hit, Plan, Registry, Tally};
pub use rules::{Rule, RuleKind, RuleSet};
