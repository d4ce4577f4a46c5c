//! Handlers of the cadre pages: they read the query or form, call `dixian_app::cadres` and
//! draw the answer.

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
use dixian_app::cadres::{
    EndForm, EndPairingForm, HandOverForm, OfficerForm, PairingForm, TourForm, met_by_level,
    year_of,
};
use dixian_domain::access::{Actor, Permission, Role};
use dixian_domain::cadres::{OfficerKind, PairingLevel, SecretaryLevel};
use dixian_domain::division::DivisionLevel;
use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct AreaQuery {
    area: String,
    year: String,
    show: String,
    done: String,
    /// How many households a hand-over moved.
    n: String,
}

fn county_staff(actor: &Actor) -> bool {
    matches!(actor.role, None | Some(Role::CountyAdmin)) && actor.may(Permission::HandleCases)
}

fn town_or_county(actor: &Actor) -> bool {
    county_staff(actor)
        || (actor.role == Some(Role::TownReviewer) && actor.may(Permission::HandleCases))
}

fn status(typed: &Typed) -> StatusCode {
    if typed.any() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

/// The divisions of the actor's area a form may name, of `levels` only.
async fn places(
    store: &dyn dixian_store::Store,
    actor: &Actor,
    levels: &[DivisionLevel],
) -> Vec<(String, String)> {
    crate::areas::division_choices(store, actor)
        .await
        .into_iter()
        .filter(|(c, _)| {
            dixian_domain::division::DivisionCode::parse(c)
                .is_ok_and(|d| levels.contains(&d.level()))
        })
        .collect()
}

pub(crate) struct PairingLine {
    id: i64,
    level: &'static str,
    place: String,
    person: String,
    post: String,
    period: String,
    ended: bool,
    may_end: bool,
}

pub(crate) struct LoadLine {
    id: i64,
    name: String,
    households: i64,
    disabled: bool,
}

pub(crate) struct PeriodLine {
    household: String,
    head: String,
    cadre: String,
    period: String,
    reason: String,
    successor: String,
}

#[derive(Template)]
#[template(path = "cadres/pairings.html")]
struct PairingsPage {
    frame: Frame,
    done: Option<String>,
    typed: Typed,
    areas: Vec<crate::areas::AreaChoice>,
    lines: Vec<PairingLine>,
    levels: Vec<(&'static str, &'static str)>,
    places: Vec<(String, String)>,
    may_pair: bool,
    loads: Vec<LoadLine>,
    may_hand_over: bool,
    periods: Vec<PeriodLine>,
    /// A refusal of a form the page no longer draws (a pairing ended meanwhile).
    unplaced: Vec<String>,
    today: String,
}

async fn show_pairings(state: &AppState, session: &Session, q: &AreaQuery, typed: Typed) -> Page {
    let actor = &session.auth.actor;
    let store = state.store.as_ref();
    let within = crate::areas::parse_area(&q.area)?;
    let today = state.today();
    let county = county_staff(actor);
    let town = town_or_county(actor);
    let lines: Vec<PairingLine> = store
        .pairings(actor, within.as_ref())
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|p| {
            let ended = p.end_reason.is_some();
            PairingLine {
                id: p.id,
                level: p.pairing.level.label(),
                place: p.division_name.clone(),
                person: p.pairing.person.clone(),
                post: format!("{}（{}）", p.pairing.post, p.pairing.unit),
                period: match (&p.to, &p.end_reason) {
                    (Some(t), Some(r)) => format!("{}至{t}（{r}）", p.pairing.from),
                    (Some(t), None) => format!("{}至{t}", p.pairing.from),
                    (None, _) => format!("{}起", p.pairing.from),
                },
                ended,
                may_end: !ended
                    && match p.pairing.level {
                        PairingLevel::Town => county,
                        PairingLevel::Village => town,
                    },
            }
        })
        .collect();
    let levels: Vec<DivisionLevel> = if county {
        vec![DivisionLevel::Town, DivisionLevel::Village]
    } else {
        vec![DivisionLevel::Village]
    };
    let places = if town {
        places(store, actor, &levels).await
    } else {
        Vec::new()
    };
    let may_hand_over = actor.may(Permission::EditRegistry);
    let mut shown: Vec<String> = vec!["new-pairing".into(), "hand-over".into()];
    shown.extend(
        lines
            .iter()
            .filter(|l| l.may_end)
            .map(|l| format!("end-{}", l.id)),
    );
    let unplaced = typed.unplaced(&shown);
    let loads = store
        .cadre_loads(actor)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|l| LoadLine {
            id: l.user_id,
            name: l.name,
            households: l.households,
            disabled: l.disabled,
        })
        .collect();
    let periods = store
        .cadre_periods(actor, within.as_ref())
        .await
        .map_err(AppError::from)?
        .into_iter()
        .take(50)
        .map(|p| PeriodLine {
            household: p.household.to_string(),
            head: p.head_name,
            cadre: p.cadre,
            period: format!("{}至{}", p.from, p.to),
            reason: p.reason,
            successor: p.successor.unwrap_or_else(|| "—".into()),
        })
        .collect();
    Ok(render(
        status(&typed),
        &PairingsPage {
            frame: session.frame(state),
            done: match q.done.as_str() {
                "add" => Some("包联干部已记录。".to_string()),
                "end" => Some("包联已结束。".to_string()),
                "handover" => Some(format!(
                    "已移交{}户，原帮扶责任人的期间已结束并记入调整记录。",
                    q.n.parse::<u32>().unwrap_or(0)
                )),
                _ => None,
            },
            typed,
            areas: crate::areas::area_choices(store, actor, within.as_ref()).await,
            lines,
            levels: PairingLevel::ALL
                .iter()
                .filter(|l| county || **l == PairingLevel::Village)
                .map(|l| (l.code(), l.label()))
                .collect(),
            places,
            may_pair: town,
            loads,
            may_hand_over,
            periods,
            unplaced,
            today: today.to_string(),
        },
    ))
}

/// `GET /pairings?area=`.
pub async fn pairings(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AreaQuery>,
) -> Page {
    show_pairings(&state, &session, &q, Typed::default()).await
}

/// `POST /pairings`: a new 包片 or 包村.
pub async fn add_pairing(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: PairingForm = posted.parse()?;
    let store = state.store.as_ref();
    match dixian_app::cadres::add_pairing(store, &session.auth.actor, &f, state.today()).await {
        Ok(_) => Ok(Redirect::to("/pairings?done=add").into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused("new-pairing", posted.fields(), &e);
            show_pairings(&state, &session, &AreaQuery::default(), typed).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /pairings/{id}/end`: ends a pairing, with the successor if one is named.
pub async fn end_pairing(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let f: EndPairingForm = posted.parse()?;
    let store = state.store.as_ref();
    match dixian_app::cadres::end_pairing(store, &session.auth.actor, id, &f, state.today()).await {
        Ok(_) => Ok(Redirect::to("/pairings?done=end").into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused(&format!("end-{id}"), posted.fields(), &e);
            show_pairings(&state, &session, &AreaQuery::default(), typed).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /pairings/hand-over`: a leaving 帮扶责任人's households to another.
pub async fn hand_over(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: HandOverForm = posted.parse()?;
    let store = state.store.as_ref();
    match dixian_app::cadres::hand_over(store, &session.auth.actor, &f, state.today()).await {
        Ok(n) => {
            Ok(Redirect::to(&format!("/pairings?done=handover&n={n}#hand-over")).into_response())
        }
        Err(e) if correctable(&e) => {
            let typed = Typed::refused("hand-over", posted.fields(), &e);
            show_pairings(&state, &session, &AreaQuery::default(), typed).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Places or households a line lists as not yet visited; the rest are counted (a town's
/// monitored households can be hundreds, and the page is read on a phone).
const MISSING_SHOWN: usize = 30;

pub(crate) struct CoverageLine {
    /// How many more are not yet visited than the list shows.
    more: usize,
    /// The county secretary's line where nothing of its kind is designated this year.
    undesignated: bool,
    level: &'static str,
    place: String,
    what: &'static str,
    done: usize,
    due: usize,
    met: bool,
    /// (link, label) of what is still to visit.
    missing: Vec<(String, String)>,
}

pub(crate) struct TourLine {
    on: String,
    level: &'static str,
    visitor: String,
    place: String,
    target: String,
    note: String,
}

#[derive(Template)]
#[template(path = "cadres/tours.html")]
struct ToursPage {
    frame: Frame,
    done: Option<&'static str>,
    typed: Typed,
    areas: Vec<crate::areas::AreaChoice>,
    area: String,
    year: i32,
    show_all: bool,
    rule: String,
    summary: Vec<(String, usize, usize)>,
    lines: Vec<CoverageLine>,
    hidden: usize,
    village_lines_hidden: usize,
    tours: Vec<TourLine>,
    may_record: bool,
    levels: Vec<(&'static str, &'static str)>,
    places: Vec<(String, String)>,
    targets: Vec<(String, String)>,
    today: String,
}

async fn show_tours(state: &AppState, session: &Session, q: &AreaQuery, typed: Typed) -> Page {
    let actor = &session.auth.actor;
    let store = state.store.as_ref();
    let within = crate::areas::parse_area(&q.area)?;
    let today = state.today();
    let year = year_of(&q.year, today)?;
    let view = dixian_app::cadres::coverage_of(store, actor, within, year, today).await?;
    let show_all = q.show == "all";
    let summary = met_by_level(&view.lines)
        .into_iter()
        .map(|(l, (met, all))| (l.label().to_string(), met, all))
        .collect();
    // A county's 300 villages would bury the county and town lines: villages' own lines
    // are listed when a town or village is chosen (or all are asked for).
    let villages_listed = show_all
        || within.is_some_and(|w| w.level() >= DivisionLevel::Town)
        || matches!(&actor.scope, dixian_domain::access::Scope::Within(r) if r.level() >= DivisionLevel::Town);
    let mut hidden = 0;
    let mut village_lines_hidden = 0;
    let kept = |l: &dixian_domain::cadres::Coverage| {
        let village_level = matches!(l.level, SecretaryLevel::Village | SecretaryLevel::First);
        let undesignated = l.level == SecretaryLevel::County && l.due == 0;
        (villages_listed || !village_level) && (show_all || !l.met() || undesignated)
    };
    // Names only of the households the page lists (a county owes tens of thousands).
    let shown: Vec<dixian_domain::registry::HouseholdCode> = view
        .lines
        .iter()
        .filter(|l| kept(l))
        .flat_map(|l| l.missing.iter().take(MISSING_SHOWN))
        .filter_map(|m| dixian_domain::registry::HouseholdCode::parse(m).ok())
        .collect();
    let heads: std::collections::HashMap<String, String> = store
        .head_names(actor, &shown)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|(c, n)| (c.to_string(), n))
        .collect();
    let lines = view
        .lines
        .iter()
        .filter(|l| {
            let village_level = matches!(l.level, SecretaryLevel::Village | SecretaryLevel::First);
            if village_level && !villages_listed {
                village_lines_hidden += 1;
                return false;
            }
            let undesignated = l.level == SecretaryLevel::County && l.due == 0;
            let keep = show_all || !l.met() || undesignated;
            hidden += usize::from(!keep);
            keep
        })
        .map(|l| CoverageLine {
            undesignated: l.level == SecretaryLevel::County && l.due == 0,
            level: l.level.label(),
            place: view.name(l.of.as_str()),
            what: l.what.label(),
            done: l.done,
            due: l.due,
            met: l.met(),
            more: l.missing.len().saturating_sub(MISSING_SHOWN),
            missing: l
                .missing
                .iter()
                .take(MISSING_SHOWN)
                .map(|m| {
                    let town = dixian_domain::division::DivisionCode::parse(m)
                        .is_ok_and(|c| c.level() == DivisionLevel::Town);
                    if m.len() == 16 {
                        (
                            format!("/households/{m}"),
                            match heads.get(m.as_str()) {
                                Some(n) if !n.is_empty() => format!("{n}（{m}）"),
                                _ => m.clone(),
                            },
                        )
                    } else if town {
                        (format!("/tours?area={m}"), view.name(m))
                    } else {
                        (format!("/villages/{m}"), view.name(m))
                    }
                })
                .collect(),
        })
        .collect();
    let tours = view
        .records
        .iter()
        .take(100)
        .cloned()
        .map(|t| TourLine {
            on: t.tour.on.to_string(),
            level: t.tour.level.label(),
            visitor: t.tour.visitor.clone(),
            place: view.name(t.tour.of.as_str()),
            target: format!(
                "{}：{}",
                t.tour.target.kind_label(),
                if t.target_name.is_empty() {
                    t.tour.target.code()
                } else {
                    t.target_name.clone()
                }
            ),
            note: t.tour.note,
        })
        .collect();
    let may_record = actor.may(Permission::HandleCases)
        && matches!(
            actor.role,
            None | Some(Role::CountyAdmin | Role::TownReviewer | Role::VillageOfficer)
        );
    let county = county_staff(actor);
    let levels = SecretaryLevel::ALL
        .iter()
        .filter(|l| county || **l != SecretaryLevel::County)
        .map(|l| (l.code(), l.label()))
        .collect();
    let (places, targets) = if may_record {
        (
            crate::areas::division_choices(store, actor).await,
            places(store, actor, &[DivisionLevel::Town, DivisionLevel::Village]).await,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let rule = match &view.rules {
        Some(r) => format!(
            "县（区）委书记每年遍访{}个重点帮扶乡镇、{}个重点帮扶村；乡镇党委书记每年遍访各村和监测户；村党组织书记、第一书记每年遍访脱贫户、监测户（政策包）。",
            r.county_key_towns, r.county_key_villages
        ),
        None => "本县适用的政策包没有遍访要求（[cadres]），县委书记的遍访数暂不统计；乡镇、村两级按“遍访各村、监测户、脱贫户”统计。".into(),
    };
    Ok(render(
        status(&typed),
        &ToursPage {
            frame: session.frame(state),
            done: (q.done == "add").then_some("遍访已记录。"),
            typed,
            areas: crate::areas::area_choices(store, actor, within.as_ref()).await,
            area: q.area.trim().to_string(),
            year,
            show_all,
            rule,
            summary,
            lines,
            hidden,
            village_lines_hidden,
            tours,
            may_record,
            levels,
            places,
            targets,
            today: today.to_string(),
        },
    ))
}

/// `GET /tours?area=&year=&show=all`.
pub async fn tours(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AreaQuery>,
) -> Page {
    show_tours(&state, &session, &q, Typed::default()).await
}

/// `POST /tours`: a secretary's visit.
pub async fn add_tour(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: TourForm = posted.parse()?;
    let store = state.store.as_ref();
    match dixian_app::cadres::add_tour(store, &session.auth.actor, &f, state.today()).await {
        Ok(_) => Ok(Redirect::to("/tours?done=add").into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused("new-tour", posted.fields(), &e);
            show_tours(&state, &session, &AreaQuery::default(), typed).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) struct GridView {
    code: String,
    name: String,
    level: &'static str,
    required: u32,
    serving: Vec<(i64, String)>,
    vacancies: u32,
}

#[derive(Template)]
#[template(path = "cadres/grid.html")]
struct GridPage {
    frame: Frame,
    done: Option<&'static str>,
    typed: Typed,
    areas: Vec<crate::areas::AreaChoice>,
    rule: String,
    lines: Vec<GridView>,
    /// Whether the pack sets the numbers (else no vacancy is counted).
    has_rules: bool,
    unplaced: Vec<String>,
    vacant: u32,
    vacant_places: usize,
    show_all: bool,
    area: String,
    past: Vec<(String, String, String)>,
    may_staff: bool,
    places: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    today: String,
}

async fn show_grid(state: &AppState, session: &Session, q: &AreaQuery, typed: Typed) -> Page {
    let actor = &session.auth.actor;
    let store = state.store.as_ref();
    let within = crate::areas::parse_area(&q.area)?;
    let today = state.today();
    let (rules, lines, past) = dixian_app::cadres::grid(store, actor, within, today).await?;
    let vacant = lines.iter().map(|l| l.vacancies).sum();
    let vacant_places = lines.iter().filter(|l| l.vacancies > 0).count();
    // A refused form re-opens where it was, so every line is shown.
    let show_all = q.show == "all" || typed.any();
    let lines: Vec<GridView> = lines
        .into_iter()
        .filter(|l| show_all || l.vacancies > 0 || l.division.level() != DivisionLevel::Village)
        .map(|l| GridView {
            code: l.division.to_string(),
            name: l.name,
            level: l.division.level().label(),
            required: l.required,
            serving: l
                .serving
                .iter()
                .map(|o| {
                    (
                        o.id,
                        format!(
                            "{}（{}，{}，{}起）",
                            o.officer.name,
                            o.officer.kind.label(),
                            o.officer.phone,
                            o.officer.from
                        ),
                    )
                })
                .collect(),
            vacancies: l.vacancies,
        })
        .collect();
    let past = past
        .into_iter()
        .take(50)
        .map(|o| {
            (
                format!("{}（{}）", o.officer.name, o.division_name),
                format!(
                    "{}至{}",
                    o.officer.from,
                    o.to.map(|t| t.to_string()).unwrap_or_default()
                ),
                o.end_reason.unwrap_or_default(),
            )
        })
        .collect();
    let may_staff = town_or_county(actor);
    let mut shown: Vec<String> = vec!["new-officer".into()];
    shown.extend(
        lines
            .iter()
            .flat_map(|l| l.serving.iter().map(|(id, _)| format!("end-{id}"))),
    );
    let unplaced = typed.unplaced(&shown);
    let places = if may_staff {
        crate::areas::division_choices(store, actor).await
    } else {
        Vec::new()
    };
    let rule = match &rules {
        Some(r) => format!(
            "按县级{}名、乡镇{}名、村{}名配备专兼职防止返贫监测信息员（政策包）。",
            r.county_officers, r.town_officers, r.village_officers
        ),
        None => "本县适用的政策包没有信息员配备标准（[cadres]），暂不计算缺额。".into(),
    };
    Ok(render(
        status(&typed),
        &GridPage {
            frame: session.frame(state),
            done: match q.done.as_str() {
                "add" => Some("信息员已配备。"),
                "end" => Some("已记录不再担任。"),
                _ => None,
            },
            typed,
            areas: crate::areas::area_choices(store, actor, within.as_ref()).await,
            has_rules: rules.is_some(),
            rule,
            lines,
            unplaced,
            vacant,
            vacant_places,
            show_all,
            area: q.area.trim().to_string(),
            past,
            may_staff,
            places,
            kinds: OfficerKind::ALL
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            today: today.to_string(),
        },
    ))
}

/// `GET /grid?area=&show=all`.
pub async fn grid(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<AreaQuery>,
) -> Page {
    show_grid(&state, &session, &q, Typed::default()).await
}

/// `POST /grid`: an information officer.
pub async fn add_officer(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: OfficerForm = posted.parse()?;
    let store = state.store.as_ref();
    match dixian_app::cadres::add_officer(store, &session.auth.actor, &f, state.today()).await {
        Ok(_) => Ok(Redirect::to("/grid?done=add").into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused("new-officer", posted.fields(), &e);
            show_grid(&state, &session, &AreaQuery::default(), typed).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /grid/{id}/end`: an officer no longer serves.
pub async fn end_officer(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Page {
    let f: EndForm = posted.parse()?;
    let store = state.store.as_ref();
    match dixian_app::cadres::end_officer(store, &session.auth.actor, id, &f, state.today()).await {
        Ok(()) => Ok(Redirect::to("/grid?done=end").into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused(&format!("end-{id}"), posted.fields(), &e);
            show_grid(&state, &session, &AreaQuery::default(), typed).await
        }
        Err(e) => Err(e.into()),
    }
}
