//! Pure domain types and rules of dixian (底线). No IO, no async: everything here is a value
//! or a function of values, so it can be tested exhaustively.

pub mod access;
pub mod assets;

pub mod cadres;
pub mod calendar;
pub mod changes;
mod codes;
pub mod complaints;
pub mod division;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod fixtures;
pub mod funds;
pub mod id_number;
pub mod money;
pub mod monitoring;
pub mod password;
pub mod policy;
pub mod problems;
pub mod quality;
pub mod rectification;
pub mod registry;
/// 两不愁三保障及饮水安全 (保障核查), part of a household's record.
pub use registry::assurance;
pub mod screening;
pub mod teams;
pub mod villages;

pub use access::{Actor, Permission, Role, Scope};
pub use calendar::{CalendarEntry, CalendarWarning, DayKind, Reckoned, WorkCalendar};
pub use division::{Division, DivisionCode, DivisionLevel, DivisionTable, VillageGroup};
pub use id_number::{IdNumber, IdNumberError, Sex};
pub use money::{Money, MoneyError};
pub use policy::{Pack, Policy, PolicyError, PolicyIssue, PolicySet};

#[cfg(test)]
mod policy_tests;
