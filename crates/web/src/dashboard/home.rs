//! The home page of a jurisdiction (辖区概况) and a division's page with its figures.

use crate::AppState;
use crate::error::Page;
use crate::frame::{Frame, render};
use crate::session::Session;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dixian_app::areas;
use dixian_domain::access::Permission;
use dixian_domain::division::DivisionLevel;

pub(crate) use dixian_app::dashboard::grouped;

struct AreaRow {
    code: String,
    name: String,
    households: String,
    persons: String,
}

impl From<&areas::AreaFigures> for AreaRow {
    fn from(a: &areas::AreaFigures) -> Self {
        AreaRow {
            code: a.division.code.to_string(),
            name: a.division.name.clone(),
            households: grouped(a.counts.households),
            persons: grouped(a.counts.persons),
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/home.html")]
struct HomePage {
    frame: Frame,
    /// Reminders of the user's work list (我的待办), for those who handle cases.
    work: Option<WorkSummary>,
    /// Whether the user may see registry figures; if not, the page lists their sections.
    registry: bool,
    areas: Vec<AreaRow>,
}

struct WorkSummary {
    leads: usize,
    items: usize,
    overdue: usize,
    top: Vec<crate::views::ItemRow>,
}

/// The home page's reminders: counts, and the five most urgent items.
async fn work_summary(state: &AppState, session: &Session) -> Option<WorkSummary> {
    if !session.auth.actor.may(Permission::HandleCases) {
        return None;
    }
    let day = state.today();
    match dixian_app::monitoring::work_list(state.store.as_ref(), &session.auth.actor, day).await {
        Ok(list) => {
            let mut top = crate::views::item_rows(&list, day);
            top.truncate(5);
            Some(WorkSummary {
                leads: list.leads.len(),
                items: list.items.len(),
                overdue: list.overdue(),
                top,
            })
        }
        Err(e) => {
            tracing::warn!(error = %e, "首页待办提醒读取失败");
            None
        }
    }
}

pub async fn home(State(state): State<AppState>, Extension(session): Extension<Session>) -> Page {
    let work = work_summary(&state, &session).await;
    if !session.auth.actor.may(Permission::ViewRegistry) {
        return Ok(render(
            StatusCode::OK,
            &HomePage {
                work,
                frame: session.frame(&state),
                registry: false,
                areas: Vec::new(),
            },
        ));
    }
    Ok(
        match areas::overview(state.store.as_ref(), &session.auth.actor).await {
            Ok(list) => render(
                StatusCode::OK,
                &HomePage {
                    work,
                    frame: session.frame(&state),
                    registry: true,
                    areas: list.iter().map(AreaRow::from).collect(),
                },
            ),
            Err(e) => return Err(e.into()),
        },
    )
}

struct Crumb {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "dashboard/division.html")]
struct DivisionPage {
    frame: Frame,
    code: String,
    name: String,
    level: &'static str,
    households: String,
    persons: String,
    policy_link: bool,
    ancestors: Vec<Crumb>,
    children: Vec<AreaRow>,
    groups: Vec<String>,
}

pub async fn division(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
) -> Page {
    let view = areas::area(state.store.as_ref(), &session.auth.actor, &code).await?;
    let d = &view.area.division;
    Ok(render(
        StatusCode::OK,
        &DivisionPage {
            frame: session.frame(&state),
            code: d.code.to_string(),
            name: d.name.clone(),
            level: d.code.level().label(),
            households: grouped(view.area.counts.households),
            persons: grouped(view.area.counts.persons),
            policy_link: d.code.level() >= DivisionLevel::County,
            ancestors: view
                .ancestors
                .iter()
                .map(|a| Crumb {
                    code: a.code.to_string(),
                    name: a.name.clone(),
                })
                .collect(),
            children: view.children.iter().map(AreaRow::from).collect(),
            groups: view.groups,
        },
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped() {
        assert_eq!(super::grouped(0), "0");
        assert_eq!(super::grouped(600), "600");
        assert_eq!(super::grouped(1_000), "1,000");
        assert_eq!(super::grouped(298_835), "298,835");
        assert_eq!(super::grouped(-1_234_567), "-1,234,567");
    }
}
