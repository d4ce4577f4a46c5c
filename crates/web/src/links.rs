//! Addresses of the lists a figure links to, shared by the pages that draw figures: the case
//! list's drill-down query (`/cases?state=…&area=…`) both ways, and the problem list's. A leaf.

use crate::session::url_escape;
use chrono::NaiveDate;
use dixian_app::problems::{FilterQuery, ProblemFilter};
use dixian_domain::division::DivisionCode;
use dixian_domain::monitoring::CaseState;
use dixian_store::CaseFilter;
use serde::Deserialize;

/// `/problems?area=…&…`: the list a count links to.
pub(crate) fn list_link(f: &ProblemFilter) -> String {
    let mut href = String::from("/problems?");
    if let Some(w) = &f.within {
        href.push_str(&format!("area={w}"));
    }
    for (k, v) in FilterQuery::of(f).pairs() {
        href.push_str(&format!("&{k}={}", url_escape(v)));
    }
    href
}

/// The drill-down part of a `/cases` address.
#[derive(Debug, Deserialize, Default, Clone, PartialEq, Eq)]
pub struct DrillQuery {
    /// State codes, comma-separated.
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub household: String,
    /// "1" for overdue today, or the day (YYYY-MM-DD) overdue is judged on.
    #[serde(default)]
    pub overdue: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub risk: String,
    /// "FROM..TO", both days counted.
    #[serde(default)]
    pub approved: String,
    #[serde(default)]
    pub eliminated: String,
    /// Words of a member's name or of the household code.
    #[serde(default)]
    pub q: String,
    /// 1-based.
    #[serde(default)]
    pub page: String,
    /// A designation code (认定类别): only cases of villages holding it today.
    #[serde(default)]
    pub designation: String,
}

impl DrillQuery {
    /// The filter this address asks for; the first wrong parameter named.
    pub fn filter(&self, today: NaiveDate, page_size: i64) -> Result<CaseFilter, String> {
        let mut states = Vec::new();
        for s in self
            .state
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let state = CaseState::parse(s).ok_or_else(|| format!("案件状态“{s}”不存在"))?;
            if !states.contains(&state) {
                states.push(state);
            }
        }
        let within = match self.area.trim() {
            "" => None,
            t => Some(DivisionCode::parse(t).map_err(|e| format!("区划代码“{t}”不正确：{e}"))?),
        };
        let household = match self.household.trim() {
            "" => None,
            t => Some(
                dixian_domain::registry::HouseholdCode::parse(t)
                    .map_err(|e| format!("户编号“{t}”不正确：{e}"))?,
            ),
        };
        let overdue_on = match self.overdue.trim() {
            "" => None,
            "1" | "on" => Some(today),
            t => Some(
                NaiveDate::parse_from_str(t, "%Y-%m-%d")
                    .map_err(|_| format!("逾期判断日期“{t}”不正确"))?,
            ),
        };
        let page = match self.page.trim() {
            "" => 1,
            t => t
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=1_000_000).contains(p))
                .ok_or_else(|| format!("页码“{t}”不正确"))?,
        };
        Ok(CaseFilter {
            states,
            within,
            household,
            overdue_on,
            category: code_ok("对象类别", &self.category)?,
            risk_type: code_ok("风险类型", &self.risk)?,
            approved_between: span("纳入监测日期", &self.approved)?,
            eliminated_between: span("风险消除日期", &self.eliminated)?,
            text: words_ok(&self.q)?,
            id_number: None,
            designation: dixian_domain::villages::designation_code(&self.designation)?
                .map(|d| (d, today)),
            offset: (page - 1) * page_size,
            limit: page_size,
        })
    }
}

/// The `/cases` address listing what `f` selects (paging left out).
pub fn case_link(f: &CaseFilter) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut put = |k: &str, v: &str| parts.push(format!("{k}={}", url_escape(v)));
    if !f.states.is_empty() {
        let codes: Vec<&str> = f.states.iter().map(|s| s.code()).collect();
        put("state", &codes.join(","));
    }
    if let Some(w) = &f.within {
        put("area", w.as_str());
    }
    if let Some(h) = &f.household {
        put("household", h.as_str());
    }
    if let Some(d) = f.overdue_on {
        put("overdue", &d.to_string());
    }
    if let Some(c) = &f.category {
        put("category", c);
    }
    if let Some(r) = &f.risk_type {
        put("risk", r);
    }
    if let Some((a, b)) = f.approved_between {
        put("approved", &format!("{a}..{b}"));
    }
    if let Some((a, b)) = f.eliminated_between {
        put("eliminated", &format!("{a}..{b}"));
    }
    if !f.text.trim().is_empty() {
        put("q", f.text.trim());
    }
    if let Some((d, _)) = &f.designation {
        put("designation", d);
    }
    format!("/cases?{}", parts.join("&"))
}

/// Searched words: a name or part of a code, at most 20 characters. An ID number is refused
/// here (it would stay in the address, the browser's history and the logs): 按身份证号查找
/// posts it.
fn words_ok(text: &str) -> Result<String, String> {
    // The words the store searches, so the words shown and counted are exactly those.
    let kept = dixian_store::search_words(text);
    let t = kept.as_str();
    if t.chars().count() > 20 {
        return Err(format!("查找内容“{t}”过长：姓名或户编号，最多20个字"));
    }
    if t.len() >= 15 && t.chars().filter(|c| c.is_ascii_digit()).count() >= 14 && t.len() != 16 {
        return Err("身份证号请在“按身份证号查找”中输入，不要放在查找框里".into());
    }
    Ok(t.to_string())
}

fn code_ok(field: &str, text: &str) -> Result<Option<String>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.len() > 16 || !t.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "{field}代码“{t}”不正确：只能是字母和数字，最多16位"
        ));
    }
    Ok(Some(t.to_string()))
}

fn span(field: &str, text: &str) -> Result<Option<(NaiveDate, NaiveDate)>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || format!("{field}“{t}”不正确：应为“起始日期..截止日期”，如 2026-01-01..2026-01-31");
    let (a, b) = t.split_once("..").ok_or_else(bad)?;
    let a = NaiveDate::parse_from_str(a, "%Y-%m-%d").map_err(|_| bad())?;
    let b = NaiveDate::parse_from_str(b, "%Y-%m-%d").map_err(|_| bad())?;
    if a > b {
        return Err(format!("{field}“{t}”的起始日期晚于截止日期"));
    }
    Ok(Some((a, b)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod drill_query_tests {
    use super::{DrillQuery, case_link};
    use chrono::NaiveDate;
    use dixian_domain::division::DivisionCode;
    use dixian_domain::monitoring::CaseState;
    use dixian_store::CaseFilter;
    use proptest::prelude::*;

    fn query_of(link: &str) -> DrillQuery {
        let q = link.strip_prefix("/cases?").unwrap();
        serde_urlencoded::from_str(q).unwrap()
    }

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 1, 1).unwrap() + chrono::Days::new(n.unsigned_abs())
    }

    proptest! {
        #[test]
        fn a_figure_link_reads_back_as_its_filter(
            states in proptest::sample::subsequence(CaseState::ALL.to_vec(), 0..4),
            area in proptest::option::of(prop_oneof![Just("500101000000"), Just("500101001000"), Just("500101001002")]),
            overdue in proptest::option::of(0i64..2000),
            category in proptest::option::of("[0-9]{2}"),
            risk in proptest::option::of("[0-9]{2,4}"),
            approved in proptest::option::of((0i64..2000, 0i64..60)),
            eliminated in proptest::option::of((0i64..2000, 0i64..60)),
            designation in proptest::option::of("[a-z][a-z_]{0,20}"),
        ) {
            let f = CaseFilter {
                states,
                within: area.map(|a| DivisionCode::parse(a).unwrap()),
                household: None,
                overdue_on: overdue.map(day),
                category,
                risk_type: risk,
                approved_between: approved.map(|(a, n)| (day(a), day(a + n))),
                eliminated_between: eliminated.map(|(a, n)| (day(a), day(a + n))),
                text: String::new(),
                id_number: None,
                // A designation is judged on the day the link is read.
                designation: designation.map(|d| (d, day(0))),
                offset: 0,
                limit: 50,
            };
            let back = query_of(&case_link(&f)).filter(day(0), 50).unwrap();
            prop_assert_eq!(back, f);
        }
    }

    #[test]
    fn wrong_parameters_are_named() {
        let q = |s: &str| serde_urlencoded::from_str::<DrillQuery>(s).unwrap();
        let err = |s: &str| q(s).filter(day(0), 50).unwrap_err();
        assert!(err("state=monitored,flying").contains("案件状态“flying”不存在"));
        assert!(err("area=5001").contains("区划代码“5001”不正确"));
        assert!(err("risk=01%25").contains("风险类型代码“01%”不正确"));
        assert!(err("approved=2026-02-01..2026-01-01").contains("起始日期晚于截止日期"));
        assert!(err("eliminated=2026-02-01").contains("风险消除日期“2026-02-01”不正确"));
        assert!(err("page=0").contains("页码“0”不正确"));
        assert_eq!(
            q("overdue=1").filter(day(3), 50).unwrap().overdue_on,
            Some(day(3))
        );
        assert_eq!(q("page=3").filter(day(0), 50).unwrap().offset, 100);
        // Searched words are what the store searches: LIKE's characters dropped.
        assert_eq!(q("q=%25").filter(day(0), 50).unwrap().text, "");
        assert!(!q("q=%25").filter(day(0), 50).unwrap().searches());
        assert_eq!(q("q=%E7%8E%8B_%25").filter(day(0), 50).unwrap().text, "王");
        assert!(err("q=500299198001010014").contains("按身份证号查找"));
    }
}
