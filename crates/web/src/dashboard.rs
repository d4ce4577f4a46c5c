//! The dashboard page (工作看板) and the drill-down address of a figure: every figure links
//! to `/cases` with its [`CaseFilter`] written into the query, and `/cases` reads the same
//! query back into the same filter.

use crate::charts::{self, Mark, Tile};
use crate::pages::{error_page, grouped};
use crate::session::{Session, url_escape};
use crate::{AppState, Frame, render};
use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use dixian_app::dashboard::{self as board, Figure, percent_text};
use dixian_app::today;
use dixian_domain::division::DivisionCode;
use dixian_domain::monitoring::CaseState;
use dixian_store::CaseFilter;
use serde::Deserialize;

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
    /// 1-based.
    #[serde(default)]
    pub page: String,
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
            category: code_ok("监测对象类别", &self.category)?,
            risk_type: code_ok("风险类型", &self.risk)?,
            approved_between: span("纳入监测日期", &self.approved)?,
            eliminated_between: span("风险消除日期", &self.eliminated)?,
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
    format!("/cases?{}", parts.join("&"))
}

/// A figure as the page shows it.
pub(crate) struct FigureView {
    pub label: String,
    pub households: String,
    pub people: String,
    pub href: String,
}

impl From<&Figure> for FigureView {
    fn from(f: &Figure) -> Self {
        FigureView {
            label: f.label.clone(),
            households: grouped(f.households),
            people: grouped(f.people),
            href: case_link(&f.filter),
        }
    }
}

fn marks(figures: &[Figure]) -> Vec<Mark> {
    figures
        .iter()
        .map(|f| Mark {
            label: f.label.clone(),
            value: f.households,
            href: case_link(&f.filter),
        })
        .collect()
}

pub(crate) struct MonthRow {
    month: String,
    identified: FigureView,
    eliminated: FigureView,
}

pub(crate) struct ChildRow {
    code: String,
    name: String,
    identified: FigureView,
    monitored: FigureView,
    eliminated: FigureView,
    overdue: FigureView,
    share: String,
}

pub(crate) struct RateRow {
    rule: String,
    hits: i64,
    verified: i64,
    identified: i64,
    verified_rate: String,
    identified_rate: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    frame: Frame,
    /// The problem ledger: (id, label, count, link) of the headline figures.
    problem_kpis: Vec<(&'static str, &'static str, usize, String)>,
    /// Per kind: (label, open, open link, struck off, struck-off link).
    problem_kinds: Vec<(&'static str, usize, String, usize, String)>,
    problem_chart: String,
    clear_days: u32,
    code: String,
    name: String,
    level: &'static str,
    crumbs: Vec<(String, String)>,
    as_of: String,
    identified: FigureView,
    monitored: FigureView,
    eliminated: FigureView,
    identifying: FigureView,
    overdue_total: FigureView,
    share: String,
    by_category: Vec<FigureView>,
    by_risk: Vec<FigureView>,
    by_state: Vec<FigureView>,
    overdue: Vec<FigureView>,
    months: Vec<MonthRow>,
    children: Vec<ChildRow>,
    child_level: &'static str,
    rates: Vec<RateRow>,
    category_chart: String,
    risk_chart: String,
    state_chart: String,
    month_chart: String,
    grid_chart: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct DashboardQuery {
    #[serde(default)]
    area: String,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<DashboardQuery>,
) -> Response {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let area = board::area_or_home(store, actor, &q.area).await;
    let view = match area {
        Ok(a) => board::dashboard(store, actor, &a, today()).await,
        Err(e) => Err(e),
    };
    let d = match view {
        Ok(d) => d,
        Err(e) => return error_page(&state, Some(&session), &e),
    };
    let views = |f: &[Figure]| f.iter().map(FigureView::from).collect::<Vec<_>>();
    let rate = |part: i64, whole: i64| percent_text(board::permille(part, whole));
    let state_marks: Vec<Mark> = marks(&d.by_state)
        .into_iter()
        .filter(|m| m.value > 0)
        .collect();
    let month_names: Vec<String> = d.months.iter().map(|m| m.month.clone()).collect();
    let month_series = |pick: fn(&board::MonthFigures) -> &Figure| {
        d.months
            .iter()
            .map(|m| Mark {
                label: m.month.clone(),
                value: pick(m).households,
                href: case_link(&pick(m).filter),
            })
            .collect::<Vec<_>>()
    };
    let tiles: Vec<Tile> = d
        .children
        .iter()
        .map(|c| Tile {
            name: c.division.name.clone(),
            value: c.identified.households,
            share: c.eliminated_share,
            share_text: percent_text(c.eliminated_share),
            href: format!("/dashboard?area={}", c.division.code),
        })
        .collect();
    let p = &d.problems;
    let link = crate::problems::list_link;
    let page = DashboardPage {
        problem_kpis: vec![
            (
                "kpi-problems-open",
                "待整改（未销号）",
                p.open.n,
                link(&p.open.filter),
            ),
            (
                "kpi-problems-overdue",
                "超过整改期限",
                p.overdue.n,
                link(&p.overdue.filter),
            ),
            (
                "kpi-problems-uncleared",
                "未清零",
                p.uncleared.n,
                link(&p.uncleared.filter),
            ),
            (
                "kpi-problems-closed",
                "已销号（累计）",
                p.closed.n,
                link(&p.closed.filter),
            ),
        ],
        problem_kinds: p
            .by_kind
            .iter()
            .map(|(label, open, closed)| {
                (
                    *label,
                    open.n,
                    link(&open.filter),
                    closed.n,
                    link(&closed.filter),
                )
            })
            .collect(),
        problem_chart: charts::bars(
            "未销号问题按类型",
            &p.by_kind
                .iter()
                .map(|(label, open, _)| charts::Mark {
                    label: (*label).to_string(),
                    value: i64::try_from(open.n).unwrap_or(i64::MAX),
                    href: link(&open.filter),
                })
                .collect::<Vec<_>>(),
        ),
        clear_days: p.clear_within_days,
        frame: session.frame(&state),
        code: d.area.code.to_string(),
        name: d.area.name.clone(),
        level: d.area.code.level().label(),
        crumbs: d
            .ancestors
            .iter()
            .map(|a| (a.code.to_string(), a.name.clone()))
            .collect(),
        as_of: d.as_of.to_string(),
        identified: FigureView::from(&d.identified),
        monitored: FigureView::from(&d.monitored),
        eliminated: FigureView::from(&d.eliminated),
        identifying: FigureView::from(&d.identifying),
        overdue_total: FigureView::from(&d.overdue_total),
        share: percent_text(d.eliminated_share),
        category_chart: charts::bars("按监测对象类别", &marks(&d.by_category)),
        risk_chart: charts::bars("按风险类型", &marks(&d.by_risk)),
        state_chart: charts::donut(
            "按案件状态",
            &grouped(d.by_state.iter().map(|f| f.households).sum()),
            &state_marks,
        ),
        month_chart: charts::lines(
            "每月新识别和风险消除户数",
            &month_names,
            &[
                ("新识别", month_series(|m| &m.identified)),
                ("风险消除", month_series(|m| &m.eliminated)),
            ],
        ),
        grid_chart: charts::grid("下级区划识别户数和风险消除占比", &tiles),
        by_category: views(&d.by_category),
        by_risk: views(&d.by_risk),
        by_state: views(&d.by_state),
        overdue: views(&d.overdue),
        months: d
            .months
            .iter()
            .map(|m| MonthRow {
                month: m.month.clone(),
                identified: FigureView::from(&m.identified),
                eliminated: FigureView::from(&m.eliminated),
            })
            .collect(),
        child_level: d
            .children
            .first()
            .map_or("", |c| c.division.code.level().label()),
        children: d
            .children
            .iter()
            .map(|c| ChildRow {
                code: c.division.code.to_string(),
                name: c.division.name.clone(),
                identified: FigureView::from(&c.identified),
                monitored: FigureView::from(&c.monitored),
                eliminated: FigureView::from(&c.eliminated),
                overdue: FigureView::from(&c.overdue),
                share: percent_text(c.eliminated_share),
            })
            .collect(),
        rates: d
            .screening
            .iter()
            .map(|r| RateRow {
                rule: r.rule_name.clone(),
                hits: r.hits,
                verified: r.verified,
                identified: r.identified,
                verified_rate: rate(r.verified, r.hits),
                identified_rate: rate(r.identified, r.verified),
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
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
    }
}
