//! The dashboard page (工作看板) and the drill-down address of a figure: every figure links
//! to `/cases` with its [`CaseFilter`] written into the query, and `/cases` reads the same
//! query back into the same filter.

use crate::charts::{Mark, Tile};
use crate::error::Page;
use crate::frame::{Frame, render};
use crate::links::case_link;
use crate::session::Session;
use crate::{AppState, charts};
use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use dixian_app::dashboard as board;
use dixian_app::dashboard::{Figure, grouped, percent_text};
use serde::Deserialize;

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
#[template(path = "dashboard/dashboard.html")]
struct DashboardPage {
    frame: Frame,
    /// Funds, projects and assets of the area; `None` when they could not be read.
    funds: Option<FundsView>,
    /// The area's village work; `None` when it could not be read.
    villages: Option<VillagesView>,
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
    object_name: String,
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
    /// The designation the figures are narrowed to: (code, name).
    designation: Option<(String, String)>,
    /// `&designation=…` for the links to other areas' dashboards, or nothing.
    keep: String,
    /// The pack's designations to choose from: (code, name).
    designations: Vec<(String, String)>,
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
    /// A designation code (认定类别): figures of the villages holding it today only.
    #[serde(default)]
    designation: String,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<DashboardQuery>,
) -> Page {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let area = board::area_or_home(store, actor, &q.area).await;
    let view = match area {
        Ok(a) => {
            board::designated_dashboard(store, actor, &a, state.today(), Some(&q.designation)).await
        }
        Err(e) => Err(e),
    };
    let d = view?;
    let keep = d.designation.as_ref().map_or_else(String::new, |(c, _)| {
        format!("&designation={}", crate::session::url_escape(c))
    });
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
            href: format!("/dashboard?area={}{keep}", c.division.code),
        })
        .collect();
    let funds =
        match dixian_app::funds::area_figures(store, actor, &d.area.code, state.today()).await {
            Ok(f) => Some(FundsView::of(&f, &d.area.code.to_string())),
            Err(e) => {
                tracing::warn!(error = %e, "看板的资金项目数字读取失败");
                None
            }
        };
    let villages =
        match dixian_app::villages::area_figures(store, actor, &d.area.code, state.today()).await {
            Ok(f) => Some(VillagesView::of(&f)),
            Err(e) => {
                tracing::warn!(error = %e, "看板的村级工作数字读取失败");
                None
            }
        };
    let p = &d.problems;
    let link = crate::links::list_link;
    let page = DashboardPage {
        designations: dixian_app::villages::designation_kinds(store, actor, state.today()).await,
        designation: d.designation.clone(),
        keep: keep.clone(),
        funds,
        villages,
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
        object_name: d.object_name.clone(),
        identified: FigureView::from(&d.identified),
        monitored: FigureView::from(&d.monitored),
        eliminated: FigureView::from(&d.eliminated),
        identifying: FigureView::from(&d.identifying),
        overdue_total: FigureView::from(&d.overdue_total),
        share: percent_text(d.eliminated_share),
        category_chart: charts::bars("按对象类别", &marks(&d.by_category)),
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
    Ok(render(StatusCode::OK, &page))
}

/// The dashboard's village-work section: each figure with the list behind it.
pub(crate) struct VillagesView {
    /// (id, label, count with its unit, link).
    kpis: Vec<(String, String, String, String)>,
    /// (designation, count, link to the villages so designated).
    designated: Vec<(String, usize, String)>,
}

impl VillagesView {
    fn of(f: &dixian_app::villages::AreaFigures) -> VillagesView {
        let a = f.area;
        let mut kpis = vec![
            (
                "kpi-weak".to_string(),
                "经济薄弱村扶持（已销号）".to_string(),
                format!("{}个（{}）", f.weak_enrolled, f.weak_struck),
                format!("/villages/weak?area={a}"),
            ),
            (
                "kpi-rectification".to_string(),
                format!("整改事项未销号（逾期{}）", f.items_overdue),
                format!("{}项", f.items_open),
                format!("/rectification?area={a}"),
            ),
            (
                "kpi-teams".to_string(),
                format!("驻村工作队（在任队员{}人）", f.members),
                format!("{}个", f.teams),
                format!("/teams?area={a}"),
            ),
            (
                "kpi-tours".to_string(),
                "今年书记遍访".to_string(),
                format!("{}次", f.tours),
                format!("/tours?area={a}"),
            ),
        ];
        if let Some(v) = f.vacancies {
            kpis.push((
                "kpi-officers".to_string(),
                "监测信息员缺额".to_string(),
                format!("{v}名"),
                format!("/grid?area={a}"),
            ));
        }
        VillagesView {
            kpis,
            designated: f
                .designated
                .iter()
                .map(|(code, name, n)| {
                    (
                        name.clone(),
                        *n,
                        format!("/villages?area={a}&designation={code}"),
                    )
                })
                .collect(),
        }
    }
}

/// The dashboard's funds, projects and assets section.
pub(crate) struct FundsView {
    year: i32,
    funds_name: String,
    assets_name: String,
    received: String,
    spent: String,
    progress: String,
    industry: Option<(bool, String)>,
    /// (stage, count, link to the list).
    stages: Vec<(&'static str, usize, String)>,
    overdue: usize,
    /// (class, count, value, last year's income).
    classes: Vec<(&'static str, usize, String, String)>,
    flagged: usize,
    distributed: String,
    code: String,
}

impl FundsView {
    fn of(f: &dixian_app::funds::AreaFigures, code: &str) -> FundsView {
        FundsView {
            year: f.year,
            funds_name: f.funds_name.clone(),
            assets_name: f.assets.name.clone(),
            received: f.received.grouped(),
            spent: f.spent.grouped(),
            progress: dixian_domain::funds::percent_text(f.spent_bp),
            industry: f.industry.clone(),
            stages: f
                .stages
                .iter()
                .map(|(s, n)| {
                    (
                        s.label(),
                        *n,
                        format!("/projects?area={code}&stage={}", s.code()),
                    )
                })
                .collect(),
            overdue: f.overdue,
            classes: f
                .assets
                .classes
                .iter()
                .map(|c| {
                    (
                        c.class.label(),
                        c.count,
                        c.value.grouped(),
                        c.income.grouped(),
                    )
                })
                .collect(),
            flagged: f.assets.flagged.len(),
            distributed: f.assets.distributed.grouped(),
            code: code.to_string(),
        }
    }
}
