//! The village notice (公示) of a month's decisions, printable for the notice board.

use crate::AppState;
use crate::error::Page;
use crate::frame::render;
use crate::session::Session;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use dixian_app::AppError;
use dixian_app::monitoring as flow;
use dixian_domain::division::DivisionCode;
use dixian_domain::monitoring::CaseState;
use dixian_store::{CaseFilter, CaseSummary};
use serde::Deserialize;

pub(crate) struct NoticeRow {
    pub no: usize,
    pub group: String,
    pub head: String,
    pub members: i64,
    pub what: String,
}

#[derive(Template)]
#[template(path = "monitoring/notice.html")]
struct NoticePage {
    village: String,
    town: String,
    title: String,
    from: String,
    until: String,
    rows: Vec<NoticeRow>,
    printed: String,
    /// 监督电话 and who answers it, from the pack in force (empty: none named).
    phone: String,
    phone_unit: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    phase: String,
    /// One posting: the cases whose notice began on this date (all in notice when empty).
    #[serde(default)]
    from: String,
}

/// The village notice (公示) of the households in notice: printable on A4, with nothing a
/// notice must not show — no ID numbers, phones, bank accounts or health details (risk
/// types such as 因病 are health details, so they are left out).
pub async fn notice(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(village): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Page {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let Ok(code) = DivisionCode::parse(&village) else {
        return Err(AppError::Invalid(vec![format!("村级区划代码“{village}”无效")]).into());
    };
    let elimination = q.phase == "elimination";
    let in_notice = if elimination {
        CaseState::ExitNotice
    } else {
        CaseState::Notice
    };
    let filter = CaseFilter {
        states: vec![in_notice],
        within: Some(code),
        ..CaseFilter::default()
    };
    let posted = match q.from.trim() {
        "" => None,
        t => match dixian_app::policy::parse_date(t) {
            Ok(d) => Some(d),
            Err(e) => return Err(e.into()),
        },
    };
    let list: Vec<CaseSummary> = match store.cases(actor, &filter).await {
        Ok(l) => l
            .into_iter()
            .filter(|c| posted.is_none() || c.case.notice_from == posted)
            .collect(),
        Err(e) => return Err(e.into()),
    };
    let policy = flow::policy_for(store, &code, state.today()).await?;
    let mut rows = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let detail = match store.household(actor, &c.case.household).await {
            Ok(Some(d)) => d,
            Ok(None) => continue,
            Err(e) => return Err(e.into()),
        };
        let what = if elimination {
            c.case
                .elimination_mode
                .as_ref()
                .and_then(|m| policy.elimination_modes.iter().find(|i| &i.code == m))
                .map_or(String::new(), |i| format!("拟{}", i.name))
        } else {
            c.case
                .category
                .as_ref()
                .and_then(|m| policy.object_categories.iter().find(|i| &i.code == m))
                .map_or(String::new(), |i| format!("拟纳入{}", i.name))
        };
        rows.push(NoticeRow {
            no: i + 1,
            group: detail
                .summary
                .group_no
                .map(|g| format!("{g}组"))
                .unwrap_or_default(),
            head: c.head_name.clone(),
            members: detail.summary.members,
            what,
        });
    }
    let from = list.iter().filter_map(|c| c.case.notice_from).min();
    let until = list
        .iter()
        .filter_map(|c| c.case.notice_until)
        .max()
        .and_then(|d| d.pred_opt());
    let names = match (store.division(&code).await, code.parent()) {
        (Ok(Some(v)), Some(t)) => (
            v.name,
            store
                .division(&t)
                .await
                .ok()
                .flatten()
                .map(|d| d.name)
                .unwrap_or_default(),
        ),
        _ => (village.clone(), String::new()),
    };
    Ok(render(
        StatusCode::OK,
        &NoticePage {
            title: format!(
                "{}{}名单公示",
                policy.naming.monitored_object,
                if elimination {
                    "风险消除"
                } else {
                    "拟纳入"
                }
            ),
            village: names.0,
            town: names.1,
            from: from.map(|d| d.to_string()).unwrap_or_default(),
            until: until.map(|d| d.to_string()).unwrap_or_default(),
            rows,
            printed: state.today().to_string(),
            phone: policy.contacts.supervision_phone.clone(),
            phone_unit: policy.contacts.supervision_unit.clone(),
        },
    ))
}
