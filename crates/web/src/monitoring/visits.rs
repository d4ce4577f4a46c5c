//! Visits (走访) to a household, with photos (optional), recorded from a case or a household.

use crate::AppState;
use crate::error::Page;
use crate::error::PageError;
use crate::error::status_of;
use crate::forms::Posted;
use crate::forms::stored_or_missing;
use crate::forms::{Typed, correctable};
use crate::frame::render;
use crate::monitoring::cases::{after_step, show_case};
use crate::session::Session;
use crate::views::{kept_of, visit_form};
use askama::Template;
use axum::Extension;
use axum::extract::Query;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Redirect;
use dixian_app::AppError;
use dixian_app::monitoring as flow;
use dixian_app::monitoring::visit_list::{self, VisitQuery};
use dixian_domain::access::Permission;
use dixian_store::VisitPage;

/// 走访: the visit form with up to five photos; a refused form keeps what was typed and the
/// photos chosen.
pub async fn visit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Result<Posted, PageError>,
) -> Page {
    let mut posted = match posted {
        Ok(p) => p,
        Err(PageError::App(e)) => {
            return after_step(&state, &session, id, None, Err(e), "visit-form", &[]).await;
        }
        Err(refused) => return Err(refused),
    };
    let photos = posted.take_files();
    let fields = posted.fields();
    let f = visit_form(fields);
    let result = flow::record_visit(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        photos,
        state.today(),
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}?done=visit#case-done")).into_response()),
        Err(r) if correctable(&r.error) => {
            let typed = Typed::refused("visit-form", fields, &r.error).keeping(kept_of(r.kept));
            let message = (status_of(&r.error).0, r.error.to_string());
            show_case(&state, &session, id, Some(message), None, typed).await
        }
        Err(r) => Err(r.error.into()),
    }
}

/// A visit photo shown in the page (a thumbnail, or opened full size): decrypted and audited
/// like a download, but only a JPEG or PNG is ever sent inline — anything else downloads.
pub async fn visit_photo_view(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path((visit, photo)): Path<(i64, i64)>,
) -> Page {
    send_photo(&state, &session, visit, photo, true).await
}

pub async fn visit_photo(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path((visit, photo)): Path<(i64, i64)>,
) -> Page {
    send_photo(&state, &session, visit, photo, false).await
}

async fn send_photo(
    state: &AppState,
    session: &Session,
    visit: i64,
    photo: i64,
    inline: bool,
) -> Page {
    let found = state
        .store
        .visit_photo(&session.auth.actor, visit, photo)
        .await;
    let stem = format!("visit{visit}-{photo}");
    let missing = || format!("走访#{visit}没有照片#{photo}");
    if !inline {
        return stored_or_missing(found, &stem, missing);
    }
    match found? {
        Some((meta, bytes)) => Ok(crate::forms::stored_picture(
            bytes,
            &meta.content_type,
            &stem,
            &meta.name,
        )),
        None => Err(dixian_app::AppError::NotFound(missing()).into()),
    }
}

/// One line of the visit list.
struct VisitListRow {
    view: crate::views::VisitView,
    code: String,
    head: String,
    village: String,
    case_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "monitoring/visits.html")]
struct VisitsPage {
    frame: crate::frame::Frame,
    q: VisitQuery,
    areas: Vec<crate::areas::AreaChoice>,
    rows: Vec<VisitListRow>,
    total: i64,
    page: i64,
    pages: i64,
    /// The query string of the list's conditions (paging left out).
    link: String,
    may_export: bool,
    /// Whether the area list holds towns, whose villages a second submit lists.
    two_step: bool,
    /// (field, message) of a wrong condition.
    problems: Vec<(String, String)>,
    csrf: String,
    /// A search by ID number: what it found, said above the list.
    by_id: Option<String>,
    /// A search by ID number listed fewer visits than the household has.
    cut: bool,
    /// A malformed ID number as typed, shown back to correct (never a valid full number).
    typed_id: String,
    /// The pack's designation kinds, (code, name), for the filter.
    designations: Vec<(String, String)>,
}

impl VisitsPage {
    fn errors_of(&self, field: &str) -> Vec<&str> {
        self.problems
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect()
    }
}

fn visit_link(q: &VisitQuery) -> String {
    [
        ("area", &q.area),
        ("from", &q.from),
        ("to", &q.to),
        ("q", &q.q),
        ("kind", &q.kind),
        ("designation", &q.designation),
    ]
    .iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| format!("{k}={}", crate::session::url_escape(v.trim())))
    .collect::<Vec<_>>()
    .join("&")
}

/// `GET /visits`: the visits of the area (走访记录), newest first, by household, head,
/// visitor, area, dates and kind, with the total and pages.
pub async fn visits(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<VisitQuery>,
) -> Page {
    let found =
        visit_list::visit_list(state.store.as_ref(), &session.auth.actor, &q, state.today()).await;
    visits_page(&state, &session, q, found, None, String::new()).await
}

/// `POST /visits/find`: the visits of the household of a member with the posted ID number (a
/// POST: the number stays out of addresses, history and logs).
pub async fn find(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let typed = posted.get("id_number");
    let found = visit_list::visits_of_member(
        state.store.as_ref(),
        &session.auth.actor,
        &typed,
        state.today(),
    )
    .await;
    let (found, by_id) = match found {
        Ok((Some(person), page)) => (
            Ok(page),
            Some(format!(
                "按身份证号查找：{}（{}）所在户{}的走访",
                person.name, person.id_masked, person.household
            )),
        ),
        Ok((None, page)) => (Ok(page), Some("本辖区内没有登记这个身份证号".to_string())),
        Err(e) => (Err(e), None),
    };
    let typed_id = if found.is_err() {
        typed.chars().take(40).collect()
    } else {
        String::new()
    };
    visits_page(
        &state,
        &session,
        VisitQuery::default(),
        found,
        by_id,
        typed_id,
    )
    .await
}

async fn visits_page(
    state: &AppState,
    session: &Session,
    q: VisitQuery,
    found: Result<VisitPage, AppError>,
    by_id: Option<String>,
    typed_id: String,
) -> Page {
    let store = state.store.as_ref();
    let actor = &session.auth.actor;
    let (status, list, problems) = match found {
        Ok(list) => (StatusCode::OK, list, Vec::new()),
        Err(AppError::Fields(problems)) => (
            StatusCode::BAD_REQUEST,
            VisitPage::default(),
            problems
                .into_iter()
                .map(|(f, m)| (f.to_string(), m))
                .collect(),
        ),
        Err(e) => return Err(e.into()),
    };
    let asked = q.filter(state.today()).ok();
    let current = asked.as_ref().and_then(|f| f.within);
    let page = asked.map_or(1, |f| f.offset / visit_list::VISIT_PAGE + 1);
    let areas = crate::areas::area_choices(store, actor, current.as_ref()).await;
    let two_step = areas.iter().any(|a| {
        dixian_domain::division::DivisionCode::parse(&a.code)
            .is_ok_and(|c| c.level() != dixian_domain::division::DivisionLevel::Village)
    });
    let designations = dixian_app::villages::designation_kinds(store, actor, state.today()).await;
    let pages = if by_id.is_some() {
        1
    } else {
        ((list.total + visit_list::VISIT_PAGE - 1) / visit_list::VISIT_PAGE).max(1)
    };
    Ok(render(
        status,
        &VisitsPage {
            frame: session.frame(state),
            csrf: session.auth.csrf.clone(),
            areas,
            two_step,
            rows: list
                .rows
                .iter()
                .map(|l| VisitListRow {
                    view: crate::views::visit_view(&l.visit),
                    code: l.visit.household.to_string(),
                    head: l.head_name.clone(),
                    village: l.village_name.clone(),
                    case_id: l.visit.case_id,
                })
                .collect(),
            total: list.total,
            page,
            pages,
            link: visit_link(&q),
            may_export: actor.may(Permission::ExportLedger) && by_id.is_none(),
            typed_id,
            designations,
            cut: by_id.is_some() && i64::try_from(list.rows.len()).unwrap_or(0) < list.total,
            problems,
            by_id,
            q,
        },
    ))
}

/// `GET /visits/export.csv`: the whole filtered list as a file (audited).
pub async fn export(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<VisitQuery>,
) -> Page {
    let csv =
        visit_list::export_visits(state.store.as_ref(), &session.auth.actor, &q, state.today())
            .await?;
    Ok(crate::frame::download(
        csv,
        crate::frame::CSV,
        &format!("visits-{}.csv", state.today()),
        &format!("走访记录-{}.csv", state.today()),
    ))
}
