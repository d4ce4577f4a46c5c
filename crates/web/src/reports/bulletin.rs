//! The monthly bulletin (月通报): a printable A4 page and its XLSX with native charts.

use crate::charts::Mark;
use crate::error::Page;
use crate::frame::{Frame, XLSX, download, render};
use crate::session::Session;
use crate::{AppState, charts};
use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use dixian_app::AppError;
use dixian_app::bulletin::{Bulletin, bulletin, tables, write_xlsx};
use dixian_app::workbook::Table;
use dixian_domain::access::Permission;
use dixian_domain::problems::Month;
use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
pub struct BulletinQuery {
    #[serde(default)]
    area: String,
    #[serde(default)]
    month: String,
}

async fn make(
    state: &AppState,
    session: &Session,
    q: &BulletinQuery,
) -> Result<Bulletin, AppError> {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    dixian_app::accounts::require(store, actor, Permission::ExportLedger, "月通报").await?;
    let area = dixian_app::dashboard::area_or_home(store, actor, &q.area).await?;
    let day = state.today();
    let month = match q.month.trim() {
        // By default the month just ended: bulletins are about a whole month.
        "" => Month::of(day).previous(),
        t => Month::parse(t).map_err(|e| AppError::Invalid(vec![e]))?,
    };
    bulletin(store, actor, &area, month, day).await
}

/// A table as text cells for the page.
pub(crate) struct TableView {
    title: String,
    columns: Vec<&'static str>,
    /// Each cell's text and whether it is a number (right-aligned).
    rows: Vec<Vec<(String, bool)>>,
    total: Vec<(String, bool)>,
    id: &'static str,
}

fn shown(c: &dixian_app::workbook::Cell) -> (String, bool) {
    use dixian_app::workbook::Cell as C;
    (
        c.shown(),
        matches!(c, C::Count(_) | C::Fen(_) | C::Permille(_)),
    )
}

fn view(t: &Table, id: &'static str) -> TableView {
    TableView {
        title: t.title.clone(),
        columns: t.columns.iter().map(|c| c.0).collect(),
        rows: t
            .rows
            .iter()
            .map(|r| r.iter().map(shown).collect())
            .collect(),
        total: t
            .total
            .as_ref()
            .map(|r| r.iter().map(shown).collect())
            .unwrap_or_default(),
        id,
    }
}

#[derive(Template)]
#[template(path = "reports/bulletin.html")]
struct BulletinPage {
    frame: Frame,
    title: String,
    code: String,
    month: String,
    previous: String,
    next: Option<String>,
    as_of: String,
    made_on: String,
    paragraphs: Vec<String>,
    tables: Vec<TableView>,
    division_chart: String,
    month_chart: String,
}

pub async fn page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<BulletinQuery>,
) -> Page {
    let b = make(&state, &session, &q).await?;
    let t = tables(&b);
    let ids = [
        "bulletin-summary",
        "bulletin-divisions",
        "bulletin-months",
        "bulletin-timeliness",
        "bulletin-departments",
        "bulletin-overdue",
        "bulletin-uncleared",
    ];
    let division_marks: Vec<Mark> = b
        .lines
        .iter()
        .map(|l| Mark {
            label: l.division.name.clone(),
            value: l.figures.identified.households,
            href: format!("/dashboard?area={}", l.division.code),
        })
        .collect();
    let month_names: Vec<String> = b.months.iter().map(|m| m.month.to_string()).collect();
    let series = |pick: fn(&dixian_app::bulletin::MonthLine) -> i64| -> Vec<Mark> {
        b.months
            .iter()
            .map(|m| Mark {
                label: m.month.to_string(),
                value: pick(m),
                href: String::new(),
            })
            .collect()
    };
    let this_month = Month::of(state.today());
    Ok(render(
        StatusCode::OK,
        &BulletinPage {
            frame: session.frame(&state),
            title: t[0].title.clone(),
            code: b.area.code.to_string(),
            month: b.month.to_string(),
            previous: b.month.previous().to_string(),
            next: (b.month < this_month).then(|| b.month.next().to_string()),
            as_of: b.as_of.to_string(),
            made_on: b.made_on.to_string(),
            paragraphs: b.paragraphs.clone(),
            tables: t.iter().zip(ids).map(|(t, id)| view(t, id)).collect(),
            division_chart: charts::bars("各下级区划识别户数", &division_marks),
            month_chart: charts::lines(
                "近12个月新识别和风险消除户数",
                &month_names,
                &[
                    ("新识别", series(|m| m.identified.households)),
                    ("风险消除", series(|m| m.eliminated.households)),
                ],
            ),
        },
    ))
}

pub async fn xlsx(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<BulletinQuery>,
) -> Page {
    let b = make(&state, &session, &q).await?;
    let mut bytes = Vec::new();
    if let Err(e) = write_xlsx(&b, &mut bytes) {
        return Err(e.into());
    }
    Ok(download(
        bytes,
        XLSX,
        &format!("bulletin-{}-{}.xlsx", b.area.code, b.month),
        &format!("{}{}月通报.xlsx", b.area.name, b.month.label()),
    ))
}
