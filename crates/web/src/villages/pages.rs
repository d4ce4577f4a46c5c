//! Handlers of the village pages: they read the query or form, call `dixian_app::villages` and
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
use chrono::Datelike;
use dixian_app::AppError;
use dixian_app::villages::DesignationForm;
use dixian_domain::access::{Actor, Permission, Role};
use dixian_domain::division::DivisionCode;
use dixian_domain::money::Money;
use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    area: String,
    year: String,
    /// `on`: only villages short of the target or without an account.
    short: String,
    /// A designation code: only villages holding it (or in a division holding it).
    designation: String,
    done: String,
}

fn may_designate(actor: &Actor) -> bool {
    matches!(actor.role, None | Some(Role::CountyAdmin)) && actor.may(Permission::HandleCases)
}

fn may_import(actor: &Actor) -> bool {
    matches!(
        actor.role,
        None | Some(Role::CountyAdmin | Role::TownReviewer)
    ) && actor.may(Permission::HandleCases)
}

pub(crate) struct LineView {
    code: String,
    name: String,
    town: String,
    designations: String,
    operating: String,
    profit: String,
    /// 达标 / 缺…元 / 未填报 / empty without a target.
    gap: String,
    short: bool,
}

pub(crate) struct DesignationView {
    id: i64,
    /// Still in force or to come: it may be ended.
    open: bool,
    division: String,
    kind: String,
    document: String,
    period: String,
}

#[derive(Template)]
#[template(path = "villages/villages.html")]
struct VillagesPage {
    frame: Frame,
    done: Option<String>,
    typed: Typed,
    areas: Vec<crate::areas::AreaChoice>,
    only_short: bool,
    /// The designation filter chosen (empty: all).
    designation: String,
    year: i32,
    years: Vec<i32>,
    target: Option<String>,
    summary: String,
    lines: Vec<LineView>,
    designations: Vec<DesignationView>,
    /// Whether any designation shown may still be ended.
    any_open: bool,
    may_designate: bool,
    may_import: bool,
    has_weak: bool,
    /// (code, name) of the divisions a designation may be given to.
    divisions: Vec<(String, String)>,
    /// (code, name and level) of the pack's designation kinds.
    kinds: Vec<(String, String)>,
    today: String,
}

fn money(m: Option<Money>) -> String {
    m.map_or_else(|| "—".to_string(), Money::grouped)
}

async fn show(state: &AppState, session: &Session, q: &ListQuery, typed: Typed) -> Page {
    let actor = &session.auth.actor;
    let store = state.store.as_ref();
    let today = state.today();
    let within = crate::areas::parse_area(&q.area)?;
    let year = q
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=today.year()).contains(y))
        .unwrap_or(today.year() - 1);
    let o = dixian_app::villages::overview(store, actor, within, year, today).await?;
    let kind_name = |code: &str| {
        o.kinds
            .iter()
            .find(|k| k.code == code)
            .map_or_else(|| code.to_string(), |k| k.name.clone())
    };
    let target = o.target.as_ref().map(|t| {
        format!(
            "{}年目标（政策包）：每个村经营性收入不低于{}元、收益不低于{}元；{}%的村经营性收入不低于{}元、收益不低于{}元",
            t.year,
            t.all_operating_min.grouped(),
            t.all_profit_min.grouped(),
            t.share_percent,
            t.share_operating_min.grouped(),
            t.share_profit_min.grouped()
        )
    });
    let summary = match &o.target {
        Some(_) => format!(
            "{}个村，{}个已填报{}年收支；{}个达到全部村的目标，{}个达到较高目标（要求至少{}个）",
            o.lines.len(),
            o.reported,
            year,
            o.met_all,
            o.share_met,
            o.share_needed
        ),
        None => format!(
            "{}个村，{}个已填报{}年收支；政策包没有这一年的收入目标",
            o.lines.len(),
            o.reported,
            year
        ),
    };
    let only_short = q.short == "on";
    let designation = q.designation.trim().to_string();
    if !designation.is_empty() && !o.kinds.iter().any(|k| k.code == designation) {
        return Err(AppError::Invalid(vec![format!(
            "认定类别“{designation}”不在政策包的认定类别表中"
        )])
        .into());
    }
    let lines: Vec<LineView> = o
        .lines
        .iter()
        .filter(|l| designation.is_empty() || l.kinds.contains(&designation))
        .map(|l| {
            let (gap, short) = match (&l.account, l.gap, &o.target) {
                (None, _, _) => ("未填报".to_string(), true),
                (Some(_), Some(g), _) if g.met() => ("达标".to_string(), false),
                (Some(_), Some(g), _) => {
                    let mut parts = Vec::new();
                    if g.operating > Money::ZERO {
                        parts.push(format!("经营性收入缺{}元", g.operating.grouped()));
                    }
                    if g.profit > Money::ZERO {
                        parts.push(format!("收益缺{}元", g.profit.grouped()));
                    }
                    (parts.join("，"), true)
                }
                (Some(_), None, _) => (String::new(), false),
            };
            LineView {
                code: l.village.to_string(),
                name: l.name.clone(),
                town: l.town.clone(),
                designations: l.designations.join("、"),
                operating: money(l.operating),
                profit: money(l.profit),
                gap,
                short,
            }
        })
        .filter(|l| !only_short || l.short)
        .collect();
    let summary = if designation.is_empty() {
        summary
    } else {
        let held = o
            .lines
            .iter()
            .filter(|l| l.kinds.contains(&designation))
            .count();
        format!(
            "{summary}。按认定“{}”筛选（含所在乡镇、县的认定）：{held}个村",
            kind_name(&designation)
        )
    };
    let designations: Vec<DesignationView> = o
        .designations
        .iter()
        .map(|r| DesignationView {
            id: r.id,
            open: r.designation.to.is_none_or(|t| t >= today),
            division: if r.division_name.is_empty() {
                r.designation.division.to_string()
            } else {
                r.division_name.clone()
            },
            kind: kind_name(&r.designation.kind),
            document: r.designation.document.clone(),
            period: match r.designation.to {
                Some(to) => format!("{}至{to}", r.designation.from),
                None => format!("{}起", r.designation.from),
            },
        })
        .collect();
    // The county designates its towns and villages and itself.
    let divisions = if may_designate(actor) {
        crate::areas::division_choices(store, actor).await
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
        &VillagesPage {
            frame: session.frame(state),
            done: match q.done.as_str() {
                "designate" => Some("认定已登记。".to_string()),
                "end" => Some("认定已结束。".to_string()),
                _ => None,
            },
            typed,
            areas: crate::areas::area_choices(store, actor, within.as_ref()).await,
            only_short,
            designation,
            year,
            years: (today.year() - 6..today.year()).rev().collect(),
            target,
            summary,
            lines,
            any_open: designations.iter().any(|d| d.open),
            designations,
            may_designate: may_designate(actor),
            may_import: may_import(actor),
            has_weak: o.has_weak,
            divisions,
            kinds: o
                .kinds
                .iter()
                .map(|k| (k.code.clone(), format!("{}（{}）", k.name, k.level)))
                .collect(),
            today: today.to_string(),
        },
    ))
}

/// `GET /villages?area=&year=`.
pub async fn villages(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> Page {
    show(&state, &session, &q, Typed::default()).await
}

/// `POST /villages/designations/end`: a designation ended (撤销、到期、摘帽).
pub async fn end_designation(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    match dixian_app::villages::end_designation(
        state.store.as_ref(),
        &session.auth.actor,
        &posted.get("designation"),
        &posted.get("on"),
        &posted.get("reason"),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/villages?done=end#designations").into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused("end-designation", posted.fields(), &e);
            show(&state, &session, &ListQuery::default(), typed).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /villages/designations`.
pub async fn designate(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: DesignationForm = posted.parse()?;
    match dixian_app::villages::designate(
        state.store.as_ref(),
        &session.auth.actor,
        &f,
        state.today(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/villages?done=designate#designations").into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused("designate", posted.fields(), &e);
            show(&state, &session, &ListQuery::default(), typed).await
        }
        Err(e) => Err(e.into()),
    }
}

const IMPORT: crate::imports::ImportSpec = crate::imports::ImportSpec {
    what: "村集体经济收支",
    back: ("/villages", "村级工作"),
    base: "/villages",
    ascii: "village-accounts",
    unit: "个村的年度收支",
    note: "把农经统计的“村集体经济组织收益分配表”导入：每行一个村一年，各项收入、支出和本年收益须相符。",
};

/// `GET /villages/import`.
pub async fn import_form(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
) -> Page {
    crate::imports::form(&state, &session, &IMPORT)
}

/// `GET /villages/template/{file}`.
pub async fn template(Path(file): Path<String>) -> Page {
    crate::imports::template(&file, &IMPORT, dixian_app::villages::account_template)
}

/// `POST /villages/import`: the statement, saved whole or not at all.
pub async fn import(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Result<Posted, crate::error::PageError>,
) -> Page {
    let (store, actor) = (state.store.as_ref(), &session.auth.actor);
    crate::imports::upload(
        &state,
        &session,
        &IMPORT,
        posted,
        |name, bytes| async move {
            dixian_app::villages::import_accounts(store, actor, &name, &bytes).await
        },
    )
    .await
}

pub(crate) struct WeakView {
    rank: String,
    name: String,
    town: String,
    average: String,
    missing: String,
    chosen: bool,
}

/// A village of the programme: where it stands toward 销号.
pub(crate) struct ProgrammeView {
    code: String,
    name: String,
    rank: String,
    average: String,
    /// Empty until enrolled.
    target: String,
    team: String,
    /// The resident team's page when the team was chosen from them.
    team_id: Option<i64>,
    latest: String,
    state: String,
    item: Option<i64>,
    struck_off: bool,
}

#[derive(Template)]
#[template(path = "villages/weak.html")]
struct WeakPage {
    frame: Frame,
    done: Option<&'static str>,
    typed: Typed,
    rules: Option<String>,
    rows: Vec<WeakView>,
    chosen: usize,
    programme: Vec<ProgrammeView>,
    programme_summary: String,
    /// (code, name) of chosen villages not yet enrolled, for the county's form.
    to_enrol: Vec<(String, String)>,
    may_enrol: bool,
    /// Resident teams serving today, (id, label), for the form's choice of helping team.
    teams: Vec<(i64, String)>,
    target: String,
    /// Whether the ranking is shown (county staff); below the county only enrolled villages.
    ranked: bool,
}

async fn show_weak(state: &AppState, session: &Session, q: &ListQuery, typed: Typed) -> Page {
    let actor = &session.auth.actor;
    let within = crate::areas::parse_area(&q.area)?;
    let today = state.today();
    let found = dixian_app::villages::programme(state.store.as_ref(), actor, within, today).await?;
    let Some(p) = found else {
        return Ok(render(
            StatusCode::OK,
            &WeakPage {
                frame: session.frame(state),
                done: None,
                typed,
                rules: None,
                rows: Vec::new(),
                chosen: 0,
                programme: Vec::new(),
                programme_summary: String::new(),
                to_enrol: Vec::new(),
                may_enrol: false,
                teams: Vec::new(),
                target: String::new(),
                ranked: false,
            },
        ));
    };
    let w = &p.rules;
    let rules = format!(
        "按{}—{}年年均村集体经营性收入由低到高排序，选{}；目标：经营性年收入达到{}元{}（政策包）",
        w.rank_from,
        w.rank_to,
        if w.choose_count > 0 {
            format!("{}个村", w.choose_count)
        } else {
            format!("{}%的村", w.choose_percent)
        },
        w.target_operating.grouped(),
        match (w.teams_per_unit_max, w.villages_per_team_max) {
            (0, 0) => String::new(),
            (u, v) => format!("；每个帮扶单位选派不超过{u}个工作队，每个工作队负责不超过{v}个村"),
        }
    );
    let programme: Vec<ProgrammeView> = p
        .lines
        .iter()
        .map(|l| {
            let item = l.item.as_ref();
            let weak = item.and_then(|i| i.weak.as_ref());
            ProgrammeView {
                code: l.line.ranked.village.to_string(),
                name: format!("{}{}", l.line.town, l.line.name),
                rank: l
                    .line
                    .ranked
                    .rank
                    .map_or_else(|| "—".into(), |r| r.to_string()),
                average: money(l.line.ranked.average),
                target: weak.map(|w| w.target.grouped()).unwrap_or_default(),
                team: match (item, weak) {
                    (Some(i), Some(w)) => format!("{}（{}）", i.item.unit, w.team),
                    _ => String::new(),
                },
                team_id: weak.and_then(|w| w.team_id),
                latest: l
                    .latest
                    .map(|(y, m)| format!("{y}年{}元", m.grouped()))
                    .unwrap_or_else(|| "未填报".into()),
                state: item.map_or_else(
                    || "未纳入扶持".to_string(),
                    |i| {
                        let mut s = i.state.label().to_string();
                        if i.dates().overdue_on(today) {
                            s.push_str("（逾期）");
                        }
                        s
                    },
                ),
                struck_off: item
                    .is_some_and(|i| i.state == dixian_domain::rectification::ItemState::Closed),
                item: item.map(|i| i.id),
            }
        })
        .collect();
    let to_enrol = programme
        .iter()
        .filter(|v| v.item.is_none())
        .map(|v| (v.code.clone(), format!("{}（第{}位）", v.name, v.rank)))
        .collect();
    let ranked = !p.ranking.is_empty();
    let programme_summary = if ranked {
        format!(
            "入选{}个村，已纳入扶持{}个，已销号{}个",
            p.ranking.iter().filter(|l| l.ranked.chosen).count(),
            p.enrolled(),
            p.struck_off()
        )
    } else {
        format!(
            "本辖区纳入扶持{}个村，已销号{}个（倒排由县级查看）",
            p.enrolled(),
            p.struck_off()
        )
    };
    let chosen = p.ranking.iter().filter(|l| l.ranked.chosen).count();
    let code = if typed.any() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(render(
        code,
        &WeakPage {
            frame: session.frame(state),
            done: (q.done == "enrol").then_some("已纳入扶持，扶持计划已记入整改台账。"),
            typed,
            rules: Some(rules),
            chosen,
            rows: p
                .ranking
                .iter()
                .map(|l| WeakView {
                    rank: l.ranked.rank.map_or_else(|| "—".into(), |r| r.to_string()),
                    name: l.name.clone(),
                    town: l.town.clone(),
                    average: money(l.ranked.average),
                    missing: l
                        .ranked
                        .missing
                        .iter()
                        .map(|y| format!("{y}年"))
                        .collect::<Vec<_>>()
                        .join("、"),
                    chosen: l.ranked.chosen,
                })
                .collect(),
            programme,
            programme_summary,
            to_enrol,
            may_enrol: may_designate(actor),
            teams: if may_designate(actor) {
                dixian_app::villages::serving_teams(state.store.as_ref(), actor, today).await?
            } else {
                Vec::new()
            },
            target: w.target_operating.to_string(),
            ranked,
        },
    ))
}

/// `GET /villages/weak?area=`: the programme's villages and the reverse ranking.
pub async fn weak(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> Page {
    show_weak(&state, &session, &q, Typed::default()).await
}

/// `POST /villages/weak`: a chosen village enrolled with its plan.
pub async fn enrol(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: dixian_app::villages::WeakForm = posted.parse()?;
    match dixian_app::villages::enrol_weak(
        state.store.as_ref(),
        &session.auth.actor,
        &f,
        state.today(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/villages/weak?done=enrol#programme").into_response()),
        Err(e) if correctable(&e) => {
            let typed = Typed::refused("enrol", posted.fields(), &e);
            show_weak(&state, &session, &ListQuery::default(), typed).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) struct YearView {
    year: i32,
    operating: String,
    profit: String,
    gap: String,
    short: bool,
}

pub(crate) struct ItemView {
    id: i64,
    title: String,
    deadline: String,
    state: &'static str,
    late: bool,
}

#[derive(Template)]
#[template(path = "villages/village.html")]
struct VillagePage {
    frame: Frame,
    code: String,
    name: String,
    town: String,
    designations: Vec<(String, String, String, bool)>,
    years: Vec<YearView>,
    weak: Option<(i64, String, &'static str)>,
    teams: Vec<(i64, String, String)>,
    items: Vec<ItemView>,
    closed_items: usize,
    households: i64,
    persons: i64,
    cadres: Vec<(String, String)>,
    tours_this_year: usize,
}

/// `GET /villages/{code}`: one village's file (村情).
pub async fn village(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
) -> Page {
    let actor = &session.auth.actor;
    let today = state.today();
    let code =
        DivisionCode::parse(code.trim()).map_err(|e| AppError::NotFound(format!("村：{e}")))?;
    let f = dixian_app::villages::village_file(state.store.as_ref(), actor, code, today).await?;
    Ok(render(
        StatusCode::OK,
        &VillagePage {
            frame: session.frame(&state),
            code: f.village.to_string(),
            name: f.name.clone(),
            town: f.town.clone(),
            designations: f.designations.clone(),
            years: f
                .years
                .iter()
                .map(|y| {
                    let (gap, short) = match y.gap {
                        Some(g) if g.met() => ("达标".to_string(), false),
                        Some(g) => {
                            let mut parts = Vec::new();
                            if g.operating > Money::ZERO {
                                parts.push(format!("经营性收入缺{}元", g.operating.grouped()));
                            }
                            if g.profit > Money::ZERO {
                                parts.push(format!("收益缺{}元", g.profit.grouped()));
                            }
                            (parts.join("，"), true)
                        }
                        None => (String::new(), false),
                    };
                    YearView {
                        year: y.year,
                        operating: y.operating.grouped(),
                        profit: y.profit.grouped(),
                        gap,
                        short,
                    }
                })
                .collect(),
            weak: f.weak.as_ref().map(|i| {
                (
                    i.id,
                    i.weak
                        .as_ref()
                        .map(|w| {
                            format!(
                                "目标经营性年收入{}元；{}（{}）",
                                w.target.grouped(),
                                i.item.unit,
                                w.team
                            )
                        })
                        .unwrap_or_default(),
                    i.state.label(),
                )
            }),
            teams: f
                .teams
                .iter()
                .map(|t| {
                    let serving: Vec<String> = t
                        .members
                        .iter()
                        .filter(|m| m.from <= today && m.to.is_none_or(|e| e >= today))
                        .map(|m| format!("{}（{}）", m.name, m.role.label()))
                        .collect();
                    let said = match t.to {
                        Some(to) => format!("{}至{to}，已撤换", t.from),
                        None => serving.join("、"),
                    };
                    (t.id, t.name.clone(), said)
                })
                .collect(),
            items: f
                .open_items
                .iter()
                .map(|i| ItemView {
                    id: i.id,
                    title: i.item.title.clone(),
                    deadline: i.item.deadline.to_string(),
                    state: i.state.label(),
                    late: i.dates().overdue_on(today),
                })
                .collect(),
            closed_items: f.closed_items,
            households: f.households,
            persons: f.persons,
            cadres: f.cadres.clone(),
            tours_this_year: f.tours_this_year,
        },
    ))
}
