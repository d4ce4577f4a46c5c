//! Handlers of the team pages: they read the query or form, call `dixian_app::teams` and draw
//! the answer.

use crate::AppState;
use crate::error::Page;
use crate::forms::{Posted, Typed, correctable};
use crate::frame::{Frame, render};
use crate::session::Session;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use dixian_app::AppError;
use dixian_app::teams::{DaysForm, MemberForm, TeamForm, TeamMonth, rule_text};
use dixian_domain::access::{Actor, Permission, Role};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::problems::Month;
use dixian_domain::teams::{Approver, DayKind, MemberRole};
use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    area: String,
    done: String,
}

fn county_staff(actor: &Actor) -> bool {
    matches!(actor.role, None | Some(Role::CountyAdmin)) && actor.may(Permission::HandleCases)
}

fn keeps_days(actor: &Actor) -> bool {
    matches!(
        actor.role,
        None | Some(Role::CountyAdmin | Role::TownReviewer | Role::VillageOfficer)
    ) && actor.may(Permission::HandleCases)
}

pub(crate) struct TeamLine {
    id: i64,
    name: String,
    unit: String,
    villages: String,
    members: String,
    /// Replaced (撤换): shown muted, kept for the record.
    ended: bool,
}

#[derive(Template)]
#[template(path = "teams/list.html")]
struct ListPage {
    frame: Frame,
    done: Option<&'static str>,
    typed: Typed,
    areas: Vec<crate::areas::AreaChoice>,
    lines: Vec<TeamLine>,
    may_form: bool,
    /// (code, name) of the county's villages with no team yet.
    free_villages: Vec<(String, String)>,
    today: String,
}

async fn show_list(state: &AppState, session: &Session, q: &ListQuery, typed: Typed) -> Page {
    let actor = &session.auth.actor;
    let store = state.store.as_ref();
    let within = crate::areas::parse_area(&q.area)?;
    let teams = store
        .teams(actor, within.as_ref())
        .await
        .map_err(AppError::from)?;
    let today = state.today();
    let lines = teams
        .iter()
        .map(|t| {
            let current: Vec<String> = t
                .members
                .iter()
                .filter(|m| m.to.is_none_or(|e| e >= today) && m.from <= today)
                .map(|m| format!("{}（{}）", m.name, m.role.label()))
                .collect();
            TeamLine {
                id: t.id,
                name: t.name.clone(),
                unit: t.unit.clone(),
                villages: t
                    .villages
                    .iter()
                    .map(|(_, n)| n.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
                members: match (&t.to, current.is_empty()) {
                    (Some(to), _) => format!("{to}已撤换"),
                    (None, true) => "尚无在任队员".into(),
                    (None, false) => current.join("、"),
                },
                ended: t.to.is_some(),
            }
        })
        .collect();
    let may_form = county_staff(actor);
    let free_villages = if may_form {
        let all = store.teams(actor, None).await.map_err(AppError::from)?;
        crate::areas::division_choices(store, actor)
            .await
            .into_iter()
            .filter(|(c, _)| {
                DivisionCode::parse(c).is_ok_and(|d| {
                    d.level() == DivisionLevel::Village
                        && !all
                            .iter()
                            .any(|t| t.to.is_none() && t.villages.iter().any(|(v, _)| *v == d))
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let code = if typed.any() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(render(
        code,
        &ListPage {
            frame: session.frame(state),
            done: (q.done == "create").then_some("工作队已组建。"),
            typed,
            areas: crate::areas::area_choices(store, actor, within.as_ref()).await,
            lines,
            may_form,
            free_villages,
            today: today.to_string(),
        },
    ))
}

/// `GET /teams?area=`.
pub async fn list(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> Page {
    show_list(&state, &session, &q, Typed::default()).await
}

/// `POST /teams`: a new team (its villages are the ticked `village` boxes).
pub async fn create(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let fields = posted.fields();
    let f = TeamForm {
        name: posted.get("name"),
        unit: posted.get("unit"),
        from: posted.get("from"),
        villages: fields
            .iter()
            .filter(|(k, v)| k.starts_with("village") && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
            .collect(),
    };
    match dixian_app::teams::add_team(state.store.as_ref(), &session.auth.actor, &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/teams/{id}?done=create")).into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused("new-team", fields, &e);
            show_list(&state, &session, &ListQuery::default(), typed).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct TeamQuery {
    month: String,
    done: String,
}

impl TeamQuery {
    fn month(&self, today: chrono::NaiveDate) -> Result<Month, AppError> {
        match self.month.trim() {
            "" => Ok(Month::of(today)),
            m => Month::parse(m).map_err(|e| AppError::Invalid(vec![e])),
        }
    }
}

pub(crate) struct MemberView {
    id: i64,
    name: String,
    role: &'static str,
    unit: String,
    position: String,
    id_masked: String,
    term: String,
    ended: bool,
}

pub(crate) struct FigureView {
    name: String,
    role: &'static str,
    working: u32,
    in_village: u32,
    leave: u32,
    away: u32,
    unrecorded: u32,
    rest: u32,
    needed: u32,
    met: bool,
    /// The year through the month's end (where the pack counts days a year).
    year_days: String,
    year_required: String,
    year_text: String,
    year_short: bool,
}

/// Which of the pack's rules the month is reckoned against: (monthly share, days a year).
fn bases(m: &TeamMonth) -> (bool, bool) {
    m.rules.as_ref().map_or((false, false), |r| {
        (
            r.in_village_share.is_some(),
            r.in_village_days_per_year.is_some(),
        )
    })
}

pub(crate) struct RecordView {
    name: String,
    span: String,
    kind: &'static str,
    approval: String,
    note: String,
    by: String,
}

#[derive(Template)]
#[template(path = "teams/team.html")]
struct TeamPage {
    frame: Frame,
    done: Option<&'static str>,
    typed: Typed,
    id: i64,
    name: String,
    unit: String,
    villages: String,
    from: String,
    /// When and why it was replaced (撤换), once it was.
    ended: Option<String>,
    members: Vec<MemberView>,
    month: String,
    month_label: String,
    /// The pack's rule in words; empty where the pack has no `[teams]`.
    share: String,
    monthly: bool,
    yearly: bool,
    figures: Vec<FigureView>,
    records: Vec<RecordView>,
    may_staff: bool,
    may_keep: bool,
    /// (id, name) of members serving in the month, for the day form.
    serving: Vec<(i64, String)>,
    roles: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    approvers: Vec<(&'static str, &'static str)>,
    today: String,
    leave_rule: String,
}

fn figures_of(m: &TeamMonth) -> Vec<FigureView> {
    m.members
        .iter()
        .map(|x| FigureView {
            name: x.member.name.clone(),
            role: x.member.role.label(),
            working: x.figures.working,
            in_village: x.figures.in_village,
            leave: x.figures.leave,
            away: x.figures.away,
            unrecorded: x.figures.unrecorded,
            rest: x.figures.rest_days_in_village,
            needed: x.figures.needed,
            met: x.figures.met,
            year_days: x
                .year
                .map_or_else(|| "—".into(), |y| y.in_village.to_string()),
            year_required: x
                .year
                .map_or_else(|| "—".into(), |y| y.required.to_string()),
            year_text: x.year_text(),
            year_short: x.year.is_some_and(|y| !y.met),
        })
        .collect()
}

async fn show_team(
    state: &AppState,
    session: &Session,
    id: i64,
    q: &TeamQuery,
    typed: Typed,
) -> Page {
    let actor = &session.auth.actor;
    let store = state.store.as_ref();
    let today = state.today();
    let month = q.month(today)?;
    let m = dixian_app::teams::team_month(store, actor, id, month, today).await?;
    let t = &m.team;
    let members = t
        .members
        .iter()
        .map(|x| MemberView {
            id: x.id,
            name: x.name.clone(),
            role: x.role.label(),
            unit: x.unit.clone(),
            position: x.position.clone(),
            id_masked: x.id_masked.clone(),
            term: match (&x.to, &x.end_reason) {
                (Some(e), Some(r)) => format!("{}至{e}（{r}）", x.from),
                (Some(e), None) => format!("{}至{e}", x.from),
                (None, _) => format!("{}起", x.from),
            },
            ended: x.end_reason.is_some(),
        })
        .collect();
    let records = m
        .members
        .iter()
        .flat_map(|x| {
            x.records.iter().map(|d| RecordView {
                name: x.member.name.clone(),
                span: if d.record.from == d.record.to {
                    d.record.from.to_string()
                } else {
                    format!("{}至{}", d.record.from, d.record.to)
                },
                kind: d.record.kind.label(),
                approval: match d.record.approver {
                    Some(a) => format!("{}：{}", a.label(), d.record.approval),
                    None => String::new(),
                },
                note: d.record.note.clone(),
                by: d.by.clone(),
            })
        })
        .collect();
    let code = if typed.any() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(render(
        code,
        &TeamPage {
            frame: session.frame(state),
            done: match q.done.as_str() {
                "create" => Some("工作队已组建，请添加队员。"),
                "member" => Some("队员已添加。"),
                "end" => Some("任期已结束。"),
                "replaced" => Some("工作队已撤换，所驻的村可以组建新的工作队进驻。"),
                "days" => Some("在村情况已记录。"),
                _ => None,
            },
            typed,
            id,
            name: t.name.clone(),
            unit: t.unit.clone(),
            villages: t
                .villages
                .iter()
                .map(|(_, n)| n.as_str())
                .collect::<Vec<_>>()
                .join("、"),
            from: t.from.to_string(),
            ended: t.to.map(|to| {
                format!(
                    "{to}撤换（{}）",
                    t.end_reason.as_deref().unwrap_or_default()
                )
            }),
            members,
            month: month.to_string(),
            month_label: month.label(),
            share: m.rules.as_ref().map(rule_text).unwrap_or_default(),
            monthly: bases(&m).0,
            yearly: bases(&m).1,
            figures: figures_of(&m),
            records,
            may_staff: county_staff(actor),
            may_keep: keeps_days(actor),
            serving: m
                .members
                .iter()
                .map(|x| {
                    (
                        x.member.id,
                        format!("{}（{}）", x.member.name, x.member.role.label()),
                    )
                })
                .collect(),
            roles: MemberRole::ALL
                .iter()
                .map(|r| (r.code(), r.label()))
                .collect(),
            kinds: DayKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
            approvers: Approver::ALL
                .iter()
                .map(|a| (a.code(), a.label()))
                .collect(),
            today: today.to_string(),
            leave_rule: m.rules.as_ref().map_or_else(String::new, |r| {
                format!(
                    "请假须经批准：{}天以内由乡镇党委批准，更长的由县委组织部批准（政策包）",
                    r.town_leave_max_days
                )
            }),
        },
    ))
}

/// `GET /teams/{id}?month=`.
pub async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    Query(q): Query<TeamQuery>,
) -> Page {
    show_team(&state, &session, id, &q, Typed::default()).await
}

/// `POST /teams/{id}/members`.
pub async fn add_member(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let f: MemberForm = posted.parse()?;
    match dixian_app::teams::add_member(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        state.today(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/teams/{id}?done=member#members")).into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused("new-member", posted.fields(), &e);
            show_team(&state, &session, id, &TeamQuery::default(), typed).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /teams/{id}/members/{member}/end`.
pub async fn end_member(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path((id, member)): Path<(i64, i64)>,
    posted: Posted,
) -> Page {
    match dixian_app::teams::end_member(
        state.store.as_ref(),
        &session.auth.actor,
        member,
        &posted.get("on"),
        &posted.get("reason"),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/teams/{id}?done=end#members")).into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused(&format!("end-{member}"), posted.fields(), &e);
            show_team(&state, &session, id, &TeamQuery::default(), typed).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /teams/{id}/end`: the team replaced (撤换) on a day, for a reason.
pub async fn end_team(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    match dixian_app::teams::end_team(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &posted.get("on"),
        &posted.get("reason"),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/teams/{id}?done=replaced")).into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused("end-team", posted.fields(), &e);
            show_team(&state, &session, id, &TeamQuery::default(), typed).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /teams/{id}/days`.
pub async fn record_days(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let f: DaysForm = posted.parse()?;
    match dixian_app::teams::record_days(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        &f,
        state.today(),
    )
    .await
    {
        Ok(month) => {
            Ok(Redirect::to(&format!("/teams/{id}?month={month}&done=days#month")).into_response())
        }
        Err(e) if correctable(&e) => {
            let typed = Typed::refused("days", posted.fields(), &e);
            let q = TeamQuery {
                month: posted.get("from").get(..7).unwrap_or("").to_string(),
                done: String::new(),
            };
            let q = if Month::parse(&q.month).is_ok() {
                q
            } else {
                TeamQuery::default()
            };
            show_team(&state, &session, id, &q, typed).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "teams/print.html")]
struct PrintPage {
    frame: Frame,
    id: i64,
    title: String,
    subtitle: String,
    monthly: bool,
    yearly: bool,
    figures: Vec<FigureView>,
    month: String,
    today: String,
}

/// `GET /teams/{id}/print?month=`: the month on one A4 sheet, to sign and file.
pub async fn print(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    Query(q): Query<TeamQuery>,
) -> Page {
    let today = state.today();
    let month = q.month(today)?;
    let m = dixian_app::teams::team_month(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        month,
        state.today(),
    )
    .await?;
    let table = dixian_app::teams::month_table(&m)?;
    Ok(render(
        StatusCode::OK,
        &PrintPage {
            frame: session.frame(&state),
            id,
            title: table.title,
            subtitle: table.subtitle,
            monthly: bases(&m).0,
            yearly: bases(&m).1,
            figures: figures_of(&m),
            month: month.to_string(),
            today: today.to_string(),
        },
    ))
}

/// `GET /teams/{id}/month.xlsx?month=`.
pub async fn export(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    Query(q): Query<TeamQuery>,
) -> Page {
    let month = q.month(state.today())?;
    let m = dixian_app::teams::team_month(
        state.store.as_ref(),
        &session.auth.actor,
        id,
        month,
        state.today(),
    )
    .await?;
    let mut bytes = Vec::new();
    dixian_app::workbook::write_tables(
        &[dixian_app::teams::month_table(&m)?],
        std::io::Cursor::new(&mut bytes),
    )?;
    Ok(crate::frame::download(
        bytes,
        crate::frame::XLSX,
        &format!("team{id}-{month}.xlsx"),
        &format!("驻村工作队在村情况-{month}.xlsx"),
    ))
}
