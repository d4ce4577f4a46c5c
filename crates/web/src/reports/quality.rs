//! The consistency checks page (数据质量) and its CSV download.

use crate::AppState;
use crate::error::Page;
use crate::frame::{Frame, download, render};
use crate::session::Session;
use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use dixian_app::AppError;
use dixian_app::quality::{ENFORCED, Report, check_area, to_csv};
use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
pub struct AreaQuery {
    #[serde(default)]
    area: String,
}

pub(crate) struct ItemRow {
    rule: &'static str,
    /// The first row of its rule: where the rule's count links to.
    first: bool,
    case_id: i64,
    household: String,
    head: String,
    village: String,
    message: String,
}

#[derive(Template)]
#[template(path = "reports/quality.html")]
struct QualityPage {
    frame: Frame,
    code: String,
    name: String,
    on: String,
    checked: usize,
    counts: Vec<(&'static str, &'static str, usize)>,
    items: Vec<ItemRow>,
    enforced: [&'static str; 2],
}

async fn report(state: &AppState, session: &Session, q: &AreaQuery) -> Result<Report, AppError> {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let area = dixian_app::dashboard::area_or_home(store, actor, &q.area).await?;
    check_area(store, actor, &area, state.today()).await
}

pub async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AreaQuery>,
) -> Page {
    let r = report(&state, &session, &q).await?;
    Ok(render(
        StatusCode::OK,
        &QualityPage {
            frame: session.frame(&state),
            code: r.area.code.to_string(),
            name: r.area.name.clone(),
            on: r.on.to_string(),
            checked: r.checked,
            counts: r
                .counts()
                .into_iter()
                .map(|(rule, n)| (rule.code(), rule.label(), n))
                .collect(),
            items: r
                .items
                .iter()
                .enumerate()
                .map(|(n, i)| ItemRow {
                    rule: i.rule.code(),
                    first: n == 0 || r.items[n - 1].rule != i.rule,
                    case_id: i.case_id,
                    household: i.household.to_string(),
                    head: i.head_name.clone(),
                    village: i.village_name.clone(),
                    message: i.message.clone(),
                })
                .collect(),
            enforced: ENFORCED,
        },
    ))
}

pub async fn csv(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AreaQuery>,
) -> Page {
    Ok(match report(&state, &session, &q).await {
        Ok(r) => download(
            to_csv(&r),
            "text/csv; charset=utf-8",
            &format!("quality-{}.csv", r.area.code),
            &format!("数据质量问题-{}-{}.csv", r.area.name, r.on),
        ),
        Err(e) => return Err(e.into()),
    })
}
