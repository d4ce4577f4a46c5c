//! The household page's own forms beyond its fields: a member joining (新增成员：出生、婚入、
//! 迁入) and a year's income (登记或更正收入). Each has its page, keeps what was typed when
//! something is wrong, and returns to the household page with the change in its timeline.

use crate::AppState;
use crate::error::Page;
use crate::error::PageError;
use crate::forms::Posted;
use crate::forms::Typed;
use crate::frame::{Frame, render};
use crate::session::Session;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::{Redirect, Response};
use dixian_app::registry::{
    ArrivalForm, AssuranceForm, IncomeForm, MemberRowForm, NewHouseholdForm,
};
use dixian_app::{AppError, registry};
use dixian_domain::access::Permission;
use dixian_domain::assurance::HousingRating;
use dixian_domain::changes::income_components;
use dixian_domain::registry::{
    DisabilityCategory, Health, Income, LabourCapacity, MemberArrival, Relation, Schooling,
};
use serde::Deserialize;

/// (code, label) pairs of a coded enum, for a select.
fn choices<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|v| (code(*v), label(*v))).collect()
}

async fn may_edit(state: &AppState, session: &Session, code: &str) -> Result<(), PageError> {
    dixian_app::accounts::require(
        state.store.as_ref(),
        &session.auth.actor,
        Permission::EditRegistry,
        code,
    )
    .await
    .map_err(PageError::from)
}

/// Where a submitted form goes: back to the household page, which reports how many changes
/// were saved; or, for a mistake the user can correct, the form again with the message.
fn saved(
    code: &str,
    result: Result<usize, AppError>,
    again: impl FnOnce(AppError) -> Response,
) -> Page {
    Ok(match result {
        Ok(n) => Redirect::to(&format!("/households/{code}?changed={n}")).into_response(),
        Err(e) if crate::forms::correctable(&e) => again(e),
        Err(e) => return Err(e.into()),
    })
}

#[derive(Template)]
#[template(path = "registry/member_new.html")]
struct ArrivalPage {
    frame: Frame,
    csrf: String,
    code: String,
    form: ArrivalForm,
    /// What a refused save named, each problem beside its field (the values are `form`'s).
    typed: Typed,
    arrivals: Vec<(&'static str, &'static str)>,
    relations: Vec<(&'static str, &'static str)>,
    labours: Vec<(&'static str, &'static str)>,
    healths: Vec<(&'static str, &'static str)>,
    schoolings: Vec<(&'static str, &'static str)>,
}

impl ArrivalPage {
    fn new(state: &AppState, session: &Session, code: &str, form: ArrivalForm) -> ArrivalPage {
        ArrivalPage {
            frame: session.frame(state),
            csrf: session.auth.csrf.clone(),
            code: code.to_string(),
            form,
            typed: Typed::default(),
            arrivals: choices(
                MemberArrival::ALL,
                MemberArrival::code,
                MemberArrival::label,
            ),
            // A new member is never the head: the head changes by its own action.
            relations: choices(Relation::ALL, Relation::code, Relation::label)
                .into_iter()
                .filter(|(c, _)| *c != Relation::Head.code())
                .collect(),
            labours: choices(
                LabourCapacity::ALL,
                LabourCapacity::code,
                LabourCapacity::label,
            ),
            healths: choices(Health::ALL, Health::code, Health::label),
            schoolings: choices(Schooling::ALL, Schooling::code, Schooling::label),
        }
    }
}

pub async fn arrival_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
) -> Page {
    may_edit(&state, &session, &code).await?;
    // The household must exist and be the user's to see.
    if let Err(e) = registry::household(
        state.store.as_ref(),
        &session.auth.actor,
        &code,
        state.today(),
    )
    .await
    {
        return Err(e.into());
    }
    Ok(render(
        StatusCode::OK,
        &ArrivalPage::new(&state, &session, &code, ArrivalForm::default()),
    ))
}

#[derive(Deserialize)]
pub struct ArrivalFields {
    #[serde(default)]
    arrival: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    relation: String,
    #[serde(default)]
    labour: String,
    #[serde(default)]
    health: String,
    #[serde(default)]
    schooling: String,
    medical_insurance: Option<String>,
    pension_insurance: Option<String>,
    #[serde(default)]
    date: String,
    #[serde(default)]
    reason: String,
}

pub async fn arrival_submit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    posted: Posted,
) -> Page {
    let f: ArrivalFields = posted.parse()?;
    let form = ArrivalForm {
        arrival: f.arrival,
        id_number: f.id_number,
        name: f.name,
        relation: f.relation,
        labour: f.labour,
        health: f.health,
        schooling: f.schooling,
        medical_insurance: f.medical_insurance.is_some(),
        pension_insurance: f.pension_insurance.is_some(),
        date: f.date,
        reason: f.reason,
    };
    let result = registry::add_member(
        state.store.as_ref(),
        &session.auth.actor,
        &code,
        &form,
        state.today(),
    )
    .await
    .map(|_| 1);
    saved(&code, result, |e| {
        let mut page = ArrivalPage::new(&state, &session, &code, form);
        page.typed = Typed::refused("member-new", &[], &e);
        render(StatusCode::BAD_REQUEST, &page)
    })
}

#[derive(Template)]
#[template(path = "registry/income.html")]
struct IncomePage {
    frame: Frame,
    csrf: String,
    code: String,
    form: IncomeForm,
    /// (field name, label, value) of each component.
    fields: Vec<(&'static str, &'static str, String)>,
    recorded: bool,
    /// What a refused save named, each problem beside its field (the values are `form`'s).
    typed: Typed,
}

impl IncomePage {
    fn new(
        state: &AppState,
        session: &Session,
        code: &str,
        form: IncomeForm,
        recorded: bool,
    ) -> IncomePage {
        let names = income_components(&Income::default()).map(|(n, _)| n);
        let fields = names
            .iter()
            .enumerate()
            .map(|(k, n)| {
                (
                    registry::INCOME_FIELDS[k],
                    *n,
                    form.amounts.get(k).cloned().unwrap_or_default(),
                )
            })
            .collect();
        IncomePage {
            frame: session.frame(state),
            csrf: session.auth.csrf.clone(),
            code: code.to_string(),
            form,
            fields,
            recorded,
            typed: Typed::default(),
        }
    }
}

#[derive(Deserialize)]
pub struct YearQuery {
    #[serde(default)]
    year: Option<i32>,
}

pub async fn income_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> Page {
    may_edit(&state, &session, &code).await?;
    let view = registry::household(
        state.store.as_ref(),
        &session.auth.actor,
        &code,
        state.today(),
    )
    .await?;
    // The year asked for, as recorded if it is; else last year, the usual one to enter.
    let year = q
        .year
        .unwrap_or_else(|| chrono::Datelike::year(&state.today()) - 1);
    let recorded = view.detail.incomes.iter().find(|i| i.year == year);
    let form = match recorded {
        Some(i) => IncomeForm::of(i),
        None => IncomeForm {
            year: year.to_string(),
            ..IncomeForm::default()
        },
    };
    Ok(render(
        StatusCode::OK,
        &IncomePage::new(&state, &session, &code, form, recorded.is_some()),
    ))
}

#[derive(Deserialize)]
pub struct IncomeFields {
    #[serde(default)]
    year: String,
    #[serde(default)]
    a0: String,
    #[serde(default)]
    a1: String,
    #[serde(default)]
    a2: String,
    #[serde(default)]
    a3: String,
    #[serde(default)]
    a4: String,
    #[serde(default)]
    a5: String,
    #[serde(default)]
    a6: String,
    #[serde(default)]
    a7: String,
    #[serde(default)]
    a8: String,
    #[serde(default)]
    a9: String,
    #[serde(default)]
    a10: String,
    #[serde(default)]
    reason: String,
}

pub async fn income_submit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    posted: Posted,
) -> Page {
    let f: IncomeFields = posted.parse()?;
    let form = IncomeForm {
        year: f.year,
        amounts: vec![
            f.a0, f.a1, f.a2, f.a3, f.a4, f.a5, f.a6, f.a7, f.a8, f.a9, f.a10,
        ],
        reason: f.reason,
    };
    let result = registry::set_income(
        state.store.as_ref(),
        &session.auth.actor,
        &code,
        &form,
        state.today(),
    )
    .await
    .map(|c| c.len());
    saved(&code, result, |e| {
        let mut page = IncomePage::new(&state, &session, &code, form, false);
        page.typed = Typed::refused("income", &[], &e);
        render(StatusCode::BAD_REQUEST, &page)
    })
}

#[derive(Template)]
#[template(path = "registry/assurance.html")]
struct AssurancePage {
    frame: Frame,
    csrf: String,
    code: String,
    form: AssuranceForm,
    ratings: Vec<(&'static str, &'static str)>,
    /// What a refused save named, each problem beside its field (the values are `form`'s).
    typed: Typed,
}

impl AssurancePage {
    fn new(state: &AppState, session: &Session, code: &str, form: AssuranceForm) -> AssurancePage {
        AssurancePage {
            frame: session.frame(state),
            csrf: session.auth.csrf.clone(),
            code: code.to_string(),
            form,
            ratings: choices(
                HousingRating::ALL,
                HousingRating::code,
                HousingRating::label,
            ),
            typed: Typed::default(),
        }
    }
}

pub async fn assurance_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
) -> Page {
    may_edit(&state, &session, &code).await?;
    Ok(
        match registry::household(
            state.store.as_ref(),
            &session.auth.actor,
            &code,
            state.today(),
        )
        .await
        {
            Ok(v) => render(
                StatusCode::OK,
                &AssurancePage::new(
                    &state,
                    &session,
                    &code,
                    AssuranceForm::of(v.detail.assurance.as_ref()),
                ),
            ),
            Err(e) => return Err(e.into()),
        },
    )
}

#[derive(Deserialize)]
pub struct AssuranceFields {
    food_clothing: Option<String>,
    #[serde(default)]
    housing: String,
    water_quantity: Option<String>,
    water_quality: Option<String>,
    water_convenience: Option<String>,
    water_guarantee: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    reason: String,
}

pub async fn assurance_submit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    posted: Posted,
) -> Page {
    let f: AssuranceFields = posted.parse()?;
    let form = AssuranceForm {
        food_clothing: f.food_clothing.is_some(),
        housing: f.housing,
        water_quantity: f.water_quantity.is_some(),
        water_quality: f.water_quality.is_some(),
        water_convenience: f.water_convenience.is_some(),
        water_guarantee: f.water_guarantee.is_some(),
        note: f.note,
        reason: f.reason,
    };
    let result = registry::set_assurance(state.store.as_ref(), &session.auth.actor, &code, &form)
        .await
        .map(|c| c.len());
    saved(&code, result, |e| {
        let mut page = AssurancePage::new(&state, &session, &code, form);
        page.typed = Typed::refused("assurance", &[], &e);
        render(StatusCode::BAD_REQUEST, &page)
    })
}

#[derive(Template)]
#[template(path = "registry/members_edit.html")]
struct MembersPage {
    frame: Frame,
    csrf: String,
    code: String,
    /// Each member's row with its living status, as shown in the legend.
    rows: Vec<(MemberRowForm, &'static str)>,
    reason: String,
    error: Option<String>,
    /// Each problem of a refused save: (row, field, message), said beside its box.
    problems: Vec<(usize, &'static str, String)>,
    relations: Vec<(&'static str, &'static str)>,
    labours: Vec<(&'static str, &'static str)>,
    healths: Vec<(&'static str, &'static str)>,
    disabilities: Vec<(&'static str, &'static str)>,
    schoolings: Vec<(&'static str, &'static str)>,
}

impl MembersPage {
    fn new(
        state: &AppState,
        session: &Session,
        code: &str,
        rows: Vec<(MemberRowForm, &'static str)>,
    ) -> MembersPage {
        MembersPage {
            frame: session.frame(state),
            csrf: session.auth.csrf.clone(),
            code: code.to_string(),
            rows,
            reason: String::new(),
            error: None,
            problems: Vec::new(),
            relations: choices(Relation::ALL, Relation::code, Relation::label),
            labours: choices(
                LabourCapacity::ALL,
                LabourCapacity::code,
                LabourCapacity::label,
            ),
            healths: choices(Health::ALL, Health::code, Health::label),
            disabilities: choices(
                DisabilityCategory::ALL,
                DisabilityCategory::code,
                DisabilityCategory::label,
            ),
            schoolings: choices(Schooling::ALL, Schooling::code, Schooling::label),
        }
    }

    /// The problems of field `field` of row `row`.
    fn errors_of(&self, row: &usize, field: &str) -> Vec<&str> {
        self.problems
            .iter()
            .filter(|(r, f, _)| r == row && *f == field)
            .map(|(_, _, m)| m.as_str())
            .collect()
    }
}

pub async fn members_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
) -> Page {
    may_edit(&state, &session, &code).await?;
    Ok(
        match registry::household(
            state.store.as_ref(),
            &session.auth.actor,
            &code,
            state.today(),
        )
        .await
        {
            Ok(v) => {
                let rows = v
                    .detail
                    .members
                    .iter()
                    .map(|m| (MemberRowForm::of(m), m.status.label()))
                    .collect();
                render(
                    StatusCode::OK,
                    &MembersPage::new(&state, &session, &code, rows),
                )
            }
            Err(e) => return Err(e.into()),
        },
    )
}

pub async fn members_submit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    posted: Posted,
) -> Page {
    let value = |name: &str| {
        posted
            .fields()
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut rows = Vec::new();
    for i in 0.. {
        let Some(pid) = value(&format!("pid_{i}")) else {
            break;
        };
        let text = |f: &str| value(&format!("{f}_{i}")).unwrap_or_default();
        rows.push(MemberRowForm {
            person_id: pid.trim().parse().unwrap_or(0),
            name: text("name"),
            relation: text("relation"),
            labour: text("labour"),
            health: text("health"),
            disability: text("disability"),
            disability_grade: text("grade"),
            schooling: text("schooling"),
            medical_insurance: value(&format!("medical_{i}")).is_some(),
            pension_insurance: value(&format!("pension_{i}")).is_some(),
            employment_months: text("months"),
            employment_place: text("place"),
            public_payroll: value(&format!("payroll_{i}")).is_some(),
        });
    }
    let reason = value("reason").unwrap_or_default();
    let result = registry::update_members(
        state.store.as_ref(),
        &session.auth.actor,
        &code,
        &rows,
        &reason,
    )
    .await;
    Ok(match result {
        Ok(changes) => {
            Redirect::to(&format!("/households/{code}?changed={}", changes.len())).into_response()
        }
        Err(e) if crate::forms::correctable(&e) => {
            // The statuses for the legends come from the record; the values as typed.
            let statuses: Vec<(i64, &'static str)> = match registry::household(
                state.store.as_ref(),
                &session.auth.actor,
                &code,
                state.today(),
            )
            .await
            {
                Ok(v) => v
                    .detail
                    .members
                    .iter()
                    .map(|m| (m.person_id, m.status.label()))
                    .collect(),
                Err(_) => Vec::new(),
            };
            // Problems of the rows themselves beside their boxes; what only the record can
            // judge (one 户主 living in the household) above the form.
            let problems = registry::member_form_problems(&rows);
            let rows = rows
                .into_iter()
                .map(|r| {
                    let s = statuses
                        .iter()
                        .find(|(id, _)| *id == r.person_id)
                        .map(|(_, s)| *s)
                        .unwrap_or("");
                    (r, s)
                })
                .collect();
            let mut page = MembersPage::new(&state, &session, &code, rows);
            page.reason = reason;
            page.error = Some(e.to_string());
            page.problems = problems;
            render(StatusCode::BAD_REQUEST, &page)
        }
        Err(e) => return Err(e.into()),
    })
}

#[derive(Template)]
#[template(path = "registry/household_new.html")]
struct NewHouseholdPage {
    frame: Frame,
    csrf: String,
    /// The pack's name for a monitored household (2026: 防止返贫致贫对象).
    object_name: String,
    form: NewHouseholdForm,
    villages: Vec<(String, String)>,
    labours: Vec<(&'static str, &'static str)>,
    healths: Vec<(&'static str, &'static str)>,
    schoolings: Vec<(&'static str, &'static str)>,
    /// What a refused save named, each problem beside its field (the values are `form`'s).
    typed: Typed,
}

async fn new_household_page(
    state: &AppState,
    session: &Session,
    form: NewHouseholdForm,
    error: Option<AppError>,
) -> Page {
    let villages: Vec<(String, String)> =
        match registry::villages_for(state.store.as_ref(), &session.auth.actor).await {
            Ok(v) => v
                .into_iter()
                .map(|d| (d.code.to_string(), d.name))
                .collect(),
            Err(e) => return Err(e.into()),
        };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let region = villages
        .first()
        .map_or_else(|| "500000000000".to_string(), |(code, _)| code.clone());
    let object_name =
        dixian_app::policy::object_name(state.store.as_ref(), &region, state.today()).await;
    Ok(render(
        status,
        &NewHouseholdPage {
            frame: session.frame(state),
            csrf: session.auth.csrf.clone(),
            object_name,
            form,
            villages,
            labours: choices(
                LabourCapacity::ALL,
                LabourCapacity::code,
                LabourCapacity::label,
            ),
            healths: choices(Health::ALL, Health::code, Health::label),
            schoolings: choices(Schooling::ALL, Schooling::code, Schooling::label),
            typed: error
                .map(|e| Typed::refused("household-new", &[], &e))
                .unwrap_or_default(),
        },
    ))
}

pub async fn household_new_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
) -> Page {
    may_edit(&state, &session, "新增农户").await?;
    let form = NewHouseholdForm {
        household_type: "ordinary".into(),
        head: ArrivalForm {
            labour: LabourCapacity::Ordinary.code().into(),
            schooling: Schooling::NotInSchool.code().into(),
            ..ArrivalForm::default()
        },
        ..NewHouseholdForm::default()
    };
    new_household_page(&state, &session, form, None).await
}

#[derive(Deserialize)]
pub struct NewHouseholdFields {
    #[serde(default)]
    village: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    group_no: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    bank_account: String,
    #[serde(default)]
    household_type: String,
    relocated: Option<String>,
    dibao: Option<String>,
    tekun: Option<String>,
    monitored: Option<String>,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    labour: String,
    #[serde(default)]
    health: String,
    #[serde(default)]
    schooling: String,
    medical_insurance: Option<String>,
    pension_insurance: Option<String>,
    #[serde(default)]
    reason: String,
}

pub async fn household_new_submit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    posted: Posted,
) -> Page {
    let f: NewHouseholdFields = posted.parse()?;
    let form = NewHouseholdForm {
        village: f.village,
        code: f.code,
        group_no: f.group_no,
        address: f.address,
        phone: f.phone,
        bank_account: f.bank_account,
        household_type: f.household_type,
        relocated: f.relocated.is_some(),
        dibao: f.dibao.is_some(),
        tekun: f.tekun.is_some(),
        monitored: f.monitored.is_some(),
        head: ArrivalForm {
            id_number: f.id_number,
            name: f.name,
            relation: Relation::Head.code().into(),
            labour: f.labour,
            health: f.health,
            schooling: f.schooling,
            medical_insurance: f.medical_insurance.is_some(),
            pension_insurance: f.pension_insurance.is_some(),
            ..ArrivalForm::default()
        },
        reason: f.reason,
    };
    Ok(
        match registry::create_household(
            state.store.as_ref(),
            &session.auth.actor,
            &form,
            state.today(),
        )
        .await
        {
            Ok(code) => Redirect::to(&format!("/households/{code}?changed=1")).into_response(),
            Err(e) if crate::forms::correctable(&e) => {
                new_household_page(&state, &session, form, Some(e)).await?
            }
            Err(e) => return Err(e.into()),
        },
    )
}
