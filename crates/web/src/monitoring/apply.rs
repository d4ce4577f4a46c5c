//! The public self-declaration (农户自主申报, "一键申报") at `/apply`, and its status page.
//! No login: the pages are phone-first, have a large-font 长者模式, and resist bots as every
//! public form does ([`crate::public_form`]).

use crate::AppState;
use crate::error::Page;
use crate::frame::{Frame, render};
use crate::public_form::{
    Turned, admit, field, new_stamp, read_form, release_stamp, submissions, too_many,
};
use askama::Template;
use axum::extract::FromRequest;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use dixian_app::AppError;
use dixian_app::monitoring::{ApplyForm, application_status, self_declare};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::monitoring::{CaseState, LeadStatus};
use serde::Deserialize;

struct VillageGroup {
    town_code: String,
    town: String,
    villages: Vec<(String, String)>,
}

async fn villages(state: &AppState) -> Result<Vec<VillageGroup>, AppError> {
    let store = state.store.as_ref();
    let mut groups: Vec<VillageGroup> = Vec::new();
    for root in store.root_divisions().await? {
        let all = store.divisions_within(&root.code).await?;
        for town in all.iter().filter(|d| d.code.level() == DivisionLevel::Town) {
            let villages: Vec<(String, String)> = all
                .iter()
                .filter(|v| {
                    v.code.level() == DivisionLevel::Village && v.code.is_within(&town.code)
                })
                .map(|v| (v.code.to_string(), v.name.clone()))
                .collect();
            if !villages.is_empty() {
                groups.push(VillageGroup {
                    town_code: town.code.to_string(),
                    town: town.name.clone(),
                    villages,
                });
            }
        }
    }
    Ok(groups)
}

#[derive(Template)]
#[template(path = "monitoring/apply.html")]
struct ApplyPage {
    frame: Frame,
    elder: bool,
    stamp: String,
    form: ApplyForm,
    error: Option<String>,
    /// Every problem of a refused declaration: (field, message).
    problems: Vec<(&'static str, String)>,
    /// The towns, for the first step; the town chosen (its code, empty: none yet).
    towns: Vec<(String, String)>,
    town: String,
    /// The villages offered: the chosen town's, or every town's grouped by town.
    groups: Vec<VillageGroup>,
    hardships: Vec<(String, String)>,
}

impl ApplyPage {
    fn errors_of(&self, field: &str) -> Vec<&str> {
        self.problems
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
            .collect()
    }

    fn ticked(&self, code: &str) -> bool {
        self.form.hardships.iter().any(|h| h == code)
    }
}

#[derive(Template)]
#[template(path = "monitoring/apply_done.html")]
struct DonePage {
    frame: Frame,
    elder: bool,
    code: String,
    accept_days: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct Elder {
    #[serde(default)]
    elder: Option<String>,
    /// The town chosen in the first step (乡镇), whose villages the form then lists.
    #[serde(default)]
    town: Option<String>,
}

impl Elder {
    fn on(&self) -> bool {
        self.elder.as_deref().is_some_and(|v| v == "1")
    }
}

/// The hardship types a household may tick: the pack's risk types (not sub-types).
/// The pack of the first village listed decides; the villages were read already.
async fn hardship_choices(state: &AppState, groups: &[VillageGroup]) -> Vec<(String, String)> {
    let Some(code) = groups
        .first()
        .and_then(|g| g.villages.first())
        .and_then(|(code, _)| DivisionCode::parse(code).ok())
    else {
        return Vec::new();
    };
    match dixian_app::monitoring::policy_for(state.store.as_ref(), &code, state.today()).await {
        Ok(p) => p
            .risk_types
            .iter()
            .map(|r| (r.code.clone(), r.name.clone()))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The form; a refused declaration keeps its stamp (given back already), so a quick
/// correction is not taken for a robot's.
async fn form_page(
    state: &AppState,
    elder: bool,
    town: Option<String>,
    form: ApplyForm,
    error: Option<String>,
    stamp: Option<String>,
    status: StatusCode,
) -> Page {
    form_page_with(state, elder, town, form, error, Vec::new(), stamp, status).await
}

#[allow(clippy::too_many_arguments)]
async fn form_page_with(
    state: &AppState,
    elder: bool,
    town: Option<String>,
    form: ApplyForm,
    error: Option<String>,
    problems: Vec<(&'static str, String)>,
    stamp: Option<String>,
    status: StatusCode,
) -> Page {
    let mut groups = match villages(state).await {
        Ok(g) => g,
        Err(e) => return Err(e.into()),
    };
    let hardships = hardship_choices(state, &groups).await;
    let towns: Vec<(String, String)> = groups
        .iter()
        .map(|g| (g.town_code.clone(), g.town.clone()))
        .collect();
    // The town chosen, else the town of the village already chosen (a refused form).
    let town = town
        .filter(|t| towns.iter().any(|(code, _)| code == t))
        .or_else(|| {
            DivisionCode::parse(form.village.trim())
                .ok()
                .and_then(|v| v.ancestor_at(DivisionLevel::Town))
                .map(|t| t.to_string())
        })
        .filter(|t| towns.iter().any(|(code, _)| code == t))
        .unwrap_or_default();
    if !town.is_empty() {
        groups.retain(|g| g.town_code == town);
    }
    Ok(render(
        status,
        &ApplyPage {
            frame: Frame::new(state, None),
            elder,
            stamp: stamp.unwrap_or_else(new_stamp),
            form,
            error,
            problems,
            towns,
            town,
            groups,
            hardships,
        },
    ))
}

pub async fn page(State(state): State<AppState>, Query(q): Query<Elder>) -> Page {
    form_page(
        &state,
        q.on(),
        q.town.clone(),
        ApplyForm::default(),
        None,
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /api/apply`: the same self-declaration over JSON, for a phone app or mini-program
/// (小程序) in front of the system. Open to anyone, and limited per address like the page;
/// the answer is the tracking code the applicant keeps.
pub async fn api_submit(State(state): State<AppState>, req: Request) -> crate::api::ApiResult {
    let source = crate::session::source_of(&state, &req);
    let key = source.clone().unwrap_or_else(|| "unknown".into());
    if let Err(wait) = submissions().check(&format!("apply {key}"), std::time::Instant::now()) {
        tracing::warn!(source = %key, "自主申报接口提交过于频繁，已限制");
        return Err(too_many(wait).into());
    }
    let crate::api::Body(form) = crate::api::Body::<ApplyForm>::from_request(req, &state).await?;
    let code = self_declare(state.store.as_ref(), source, &form, state.today()).await?;
    let accept_days = match DivisionCode::parse(form.village.trim()) {
        Ok(v) => dixian_app::monitoring::policy_for(state.store.as_ref(), &v, state.today())
            .await
            .map(|p| p.deadlines.application_acceptance.to_string())
            .ok(),
        Err(_) => None,
    };
    crate::api::created(serde_json::json!({
        "tracking_code": code,
        // As the pack words it, e.g. "3个工作日".
        "accept_within": accept_days,
    }))
}

pub async fn submit(State(state): State<AppState>, req: Request) -> Page {
    let source = crate::session::source_of(&state, &req);
    let key = source.clone().unwrap_or_else(|| "unknown".into());
    let fields = match read_form(&state, req).await {
        Ok(f) => f,
        Err(r) => return Ok(r),
    };
    let form = ApplyForm {
        name: field(&fields, "name"),
        id_number: field(&fields, "id_number"),
        phone: field(&fields, "phone"),
        village: field(&fields, "village"),
        hardships: fields
            .iter()
            .filter(|(k, _)| k == "hardship")
            .map(|(_, v)| v.clone())
            .collect(),
        text: field(&fields, "text"),
    };
    let elder = field(&fields, "elder") == "1";
    let town = Some(field(&fields, "town")).filter(|t| !t.is_empty());
    // “只列该乡镇的村”: the same form again, everything typed kept (the ID number stays out
    // of the address), the villages narrowed to the town; nothing is submitted.
    if field(&fields, "step") == "town" {
        let stamp = Some(field(&fields, "stamp")).filter(|s| !s.is_empty());
        return form_page(&state, elder, town, form, None, stamp, StatusCode::OK).await;
    }
    let stamp = match admit("apply", &key, &fields) {
        Ok(stamp) => stamp,
        Err(Turned::TooMany(wait)) => return Ok(too_many(wait)),
        Err(Turned::Form(m)) => {
            return form_page(
                &state,
                elder,
                town,
                form,
                Some(m.into()),
                None,
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    };
    let saved = self_declare(state.store.as_ref(), source, &form, state.today()).await;
    if saved.is_err() {
        release_stamp(&stamp);
    }
    Ok(match saved {
        Ok(code) => {
            let accept_days =
                match dixian_domain::division::DivisionCode::parse(form.village.trim()) {
                    Ok(v) => {
                        dixian_app::monitoring::policy_for(state.store.as_ref(), &v, state.today())
                            .await
                            .map(|p| p.deadlines.application_acceptance.to_string())
                            .unwrap_or_default()
                    }
                    Err(_) => String::new(),
                };
            render(
                StatusCode::OK,
                &DonePage {
                    frame: Frame::new(&state, None),
                    elder,
                    code,
                    accept_days,
                },
            )
        }
        Err(AppError::Fields(problems)) => {
            form_page_with(
                &state,
                elder,
                town,
                form,
                None,
                problems,
                Some(stamp.clone()),
                StatusCode::BAD_REQUEST,
            )
            .await?
        }
        Err(AppError::Invalid(problems)) => {
            form_page(
                &state,
                elder,
                town,
                form,
                Some(problems.join("\n")),
                Some(stamp.clone()),
                StatusCode::BAD_REQUEST,
            )
            .await?
        }
        Err(e) => return Err(e.into()),
    })
}

#[derive(Template)]
#[template(path = "monitoring/apply_status.html")]
struct StatusPage {
    frame: Frame,
    elder: bool,
    code: String,
    error: Option<String>,
    /// (step, what it means for the household), when found.
    result: Option<Vec<(String, String)>>,
}

pub async fn status_page(State(state): State<AppState>, Query(q): Query<Elder>) -> Page {
    Ok(render(
        StatusCode::OK,
        &StatusPage {
            frame: Frame::new(&state, None),
            elder: q.on(),
            code: String::new(),
            error: None,
            result: None,
        },
    ))
}

/// The progress in the household's words: never names, amounts or anyone's data.
fn progress(s: &dixian_store::PublicLeadStatus) -> Vec<(String, String)> {
    let mut out = vec![("申报日期".to_string(), s.received_on.to_string())];
    // What happens next and by when, in the household's words.
    let next = |what: &str| match s.due_on {
        Some(d) => ("下一步".to_string(), format!("{what}，应在{d}前办理")),
        None => ("下一步".to_string(), what.to_string()),
    };
    match s.status {
        LeadStatus::Pending => {
            out.push(("办理进度".into(), "已收到，等待乡镇受理".into()));
            out.push(next("乡镇审核是否受理"));
        }
        LeadStatus::Declined => {
            out.push(("办理进度".into(), "不予受理".into()));
            out.push(("原因".into(), s.decision_note.clone().unwrap_or_default()));
        }
        LeadStatus::Accepted | LeadStatus::Attached => {
            let step = match s.case_state {
                Some(CaseState::Verifying) => "已受理，工作人员将入户核实",
                Some(CaseState::Deliberation | CaseState::Notice) => "已入户核实，正在村内评议公示",
                Some(CaseState::TownReview | CaseState::CountyReview) => "正在审核",
                Some(CaseState::NotIncluded) => "经审核不纳入监测",
                Some(CaseState::Eliminated) => "风险已消除",
                Some(_) => "已纳入监测，落实帮扶措施",
                None => "已受理",
            };
            out.push(("办理进度".into(), step.into()));
            let following = match s.case_state {
                Some(CaseState::Verifying) => {
                    Some("村、乡镇工作人员到家里核实情况（请备好收入、看病、上学等票据）")
                }
                Some(CaseState::Deliberation) => Some("村里召开评议会议"),
                Some(CaseState::Notice) => Some("在村里公示，公示期满无异议后报乡镇审核"),
                Some(CaseState::TownReview) => Some("乡镇审核"),
                Some(CaseState::CountyReview) => Some("县级审定"),
                Some(CaseState::NotIncluded | CaseState::Eliminated) | None => None,
                Some(_) => Some("帮扶责任人联系您，制定帮扶措施"),
            };
            if let Some(f) = following {
                out.push(next(f));
            }
            if let Some(d) = s.approved_on {
                out.push(("纳入日期".into(), d.to_string()));
            }
            if let Some(r) = s
                .closed_reason
                .as_ref()
                .filter(|_| s.case_state == Some(CaseState::NotIncluded))
            {
                out.push(("原因".into(), r.clone()));
            }
        }
    }
    out
}

pub async fn status_submit(State(state): State<AppState>, req: Request) -> Page {
    let key = crate::session::source_of(&state, &req).unwrap_or_else(|| "unknown".into());
    if let Err(wait) = submissions().check(&format!("status {key}"), std::time::Instant::now()) {
        return Ok(too_many(wait));
    }
    let fields = match read_form(&state, req).await {
        Ok(f) => f,
        Err(r) => return Ok(r),
    };
    let code = field(&fields, "code");
    let elder = field(&fields, "elder") == "1";
    let (result, error) = match application_status(
        state.store.as_ref(),
        &code,
        &field(&fields, "id_number"),
        state.today(),
    )
    .await
    {
        Ok(Some(s)) => (Some(progress(&s)), None),
        Ok(None) => (
            None,
            Some("没有找到：请核对查询码和申报时填写的身份证号".to_string()),
        ),
        Err(AppError::Invalid(p)) => (None, Some(p.join("\n"))),
        Err(e) => return Err(e.into()),
    };
    let status = if result.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    Ok(render(
        status,
        &StatusPage {
            frame: Frame::new(&state, None),
            elder,
            code,
            error,
            result,
        },
    ))
}
