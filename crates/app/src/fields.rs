//! Form fields read for the use cases (dates, amounts), each problem pushed under its
//! field so a refused form shows it beside the box. A leaf shared by the capabilities.

use crate::monitoring::date_or_today;
use crate::policy::parse_date;
use chrono::NaiveDate;
use dixian_domain::money::Money;
use dixian_domain::monitoring::FieldProblem;

/// A date field: its problem, if any, is pushed under `field`.
pub(crate) fn date_field(
    problems: &mut Vec<FieldProblem>,
    field: &'static str,
    text: &str,
    what: &str,
) -> Option<NaiveDate> {
    if text.trim().is_empty() {
        problems.push((field, format!("请填写{what}")));
        return None;
    }
    match parse_date(text) {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push((field, format!("{what}：{e}")));
            None
        }
    }
}

/// An amount field in yuan, more than zero and at most one entry's cap.
pub(crate) fn money_field(
    problems: &mut Vec<FieldProblem>,
    field: &'static str,
    text: &str,
    what: &str,
) -> Option<Money> {
    match Money::parse(text) {
        Ok(m) => match m.entry_problem(what) {
            None => Some(m),
            Some(message) => {
                problems.push((field, message));
                None
            }
        },
        Err(e) => {
            problems.push((field, format!("{what}：{e}")));
            None
        }
    }
}

/// A date field that may be empty.
pub(crate) fn optional_date(
    problems: &mut Vec<FieldProblem>,
    field: &'static str,
    text: &str,
    what: &str,
) -> Option<NaiveDate> {
    if text.trim().is_empty() {
        return None;
    }
    match parse_date(text) {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push((field, format!("{what}：{e}")));
            None
        }
    }
}

/// A date field, empty for today, not after today.
pub(crate) fn day_or_today(
    problems: &mut Vec<FieldProblem>,
    field: &'static str,
    text: &str,
    today: NaiveDate,
    what: &str,
) -> Option<NaiveDate> {
    match date_or_today(text, today, what) {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push((field, e.to_string()));
            None
        }
    }
}

/// A required text field of at most `max` characters: its problem, if any, under `field`.
pub(crate) fn text_field(
    problems: &mut Vec<FieldProblem>,
    field: &'static str,
    value: &str,
    what: &str,
    max: usize,
) {
    let n = value.trim().chars().count();
    if n == 0 {
        problems.push((field, format!("请填写{what}")));
    } else if n > max {
        problems.push((field, format!("{what}不能超过{max}字，现有{n}字")));
    }
}
