//! The registry's JSON API (数据接口): reading households and changing them through the same
//! use cases as the household page's forms, for scripts and other systems. They use the browser session's
//! cookie, so every write also carries the session's CSRF token in `X-CSRF-Token` (from
//! `GET /api/session`); answers are JSON, errors `{error, message}` in Chinese.

use crate::AppState;
use crate::api::{ApiResult, Body, api_csrf};
use crate::registry::households::ListParams;
use crate::session::Session;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use dixian_app::registry;
use dixian_app::registry::{
    ArrivalForm, AssuranceForm, IncomeForm, MemberRowForm, NewHouseholdForm, PAGE_SIZE,
};
use dixian_domain::changes::FieldChange;
use dixian_store::{HouseholdSummary, MemberView};
use serde::Deserialize;
use serde_json::{Value, json};

fn summary_json(h: &HouseholdSummary) -> Value {
    json!({
        "code": h.code.as_str(),
        "village": h.village.as_str(),
        "group_no": h.group_no,
        "head_name": h.head_name,
        "head_id_number": h.head_id_masked,
        "members": h.members,
        "household_type": h.household_type.code(),
        "household_type_label": h.household_type.label(),
        "relocated": h.relocated,
        "dibao": h.dibao,
        "tekun": h.tekun,
        "monitored": h.monitored,
        "phone": h.phone_masked,
    })
}

fn member_json(m: &MemberView) -> Value {
    json!({
        "person_id": m.person_id,
        "id_number": m.id_masked,
        "name": m.name,
        "sex": m.sex.label(),
        "birth_date": m.birth_date.to_string(),
        "relation": m.relation.code(),
        "labour": m.labour.code(),
        "health": m.health.code(),
        "disability": m.disability.map(|(c, g)| json!({ "category": c.code(), "grade": g })),
        "schooling": m.schooling.code(),
        "medical_insurance": m.medical_insurance,
        "pension_insurance": m.pension_insurance,
        "employment_months": m.employment_months,
        "employment_place": m.employment_place,
        "public_payroll": m.public_payroll,
        "status": m.status.code(),
    })
}

pub async fn api_list(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(p): Query<ListParams>,
) -> ApiResult {
    Ok(
        match registry::search(
            state.store.as_ref(),
            &session.auth.actor,
            &p.query(state.today()),
        )
        .await
        {
            Ok(found) => axum::Json(json!({
                "total": found.total,
                "page": p.page.unwrap_or(1).max(1),
                "page_size": PAGE_SIZE,
                "households": found.rows.iter().map(summary_json).collect::<Vec<_>>(),
            }))
            .into_response(),
            Err(e) => return Err(e.into()),
        },
    )
}

pub async fn api_show(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
) -> ApiResult {
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
                let d = &v.detail;
                axum::Json(json!({
                "household": summary_json(&d.summary),
                "place": v.place,
                "address": d.address,
                "bank_account": d.bank_masked,
                                "members": d.members.iter().map(member_json).collect::<Vec<_>>(),
                "years": v.years,
                "assurance": v.findings.iter().map(|f| json!({
                    "indicator": f.indicator.code(),
                    "label": f.indicator.label(),
                    "secure": f.secure,
                    "detail": f.detail,
                })).collect::<Vec<_>>(),
            }))
            .into_response()
            }
            Err(e) => return Err(e.into()),
        },
    )
}

/// The changes a write made, or why it made none.
fn changes_json(result: Result<Vec<FieldChange>, dixian_app::AppError>) -> ApiResult {
    Ok(Json(json!({ "changes": result? })).into_response())
}

#[derive(Deserialize)]
pub struct ArrivalBody {
    arrival: String,
    id_number: String,
    name: String,
    relation: String,
    #[serde(default)]
    labour: Option<String>,
    #[serde(default)]
    health: Option<String>,
    #[serde(default)]
    schooling: Option<String>,
    #[serde(default)]
    medical_insurance: Option<bool>,
    #[serde(default)]
    pension_insurance: Option<bool>,
    #[serde(default)]
    date: String,
    reason: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Body(b): Body<ArrivalBody>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口：新增成员").await?;
    let usual = ArrivalForm::default();
    let form = ArrivalForm {
        arrival: b.arrival,
        id_number: b.id_number,
        name: b.name,
        relation: b.relation,
        labour: b.labour.unwrap_or(usual.labour),
        health: b.health.unwrap_or(usual.health),
        schooling: b.schooling.unwrap_or(usual.schooling),
        medical_insurance: b.medical_insurance.unwrap_or(usual.medical_insurance),
        pension_insurance: b.pension_insurance.unwrap_or(usual.pension_insurance),
        date: b.date,
        reason: b.reason,
    };
    Ok(
        match registry::add_member(
            state.store.as_ref(),
            &session.auth.actor,
            &code,
            &form,
            state.today(),
        )
        .await
        {
            Ok(id) => (StatusCode::CREATED, Json(json!({ "person_id": id }))).into_response(),
            Err(e) => return Err(e.into()),
        },
    )
}

/// A year's income: amounts in yuan as text (`"12000"`, `"1.2万"`), absent is zero.
#[derive(Deserialize)]
pub struct IncomeBody {
    year: i32,
    #[serde(default)]
    wage: String,
    #[serde(default)]
    business: String,
    #[serde(default)]
    property: String,
    #[serde(default)]
    transfer_pension: String,
    #[serde(default)]
    transfer_dibao: String,
    #[serde(default)]
    transfer_tekun: String,
    #[serde(default)]
    transfer_eco: String,
    #[serde(default)]
    transfer_other: String,
    #[serde(default)]
    business_expense: String,
    #[serde(default)]
    medical_self_pay: String,
    #[serde(default)]
    insurance_claims: String,
    reason: String,
}

pub async fn set_income(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Body(b): Body<IncomeBody>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口：登记收入").await?;
    let form = IncomeForm {
        year: b.year.to_string(),
        // In the order of `income_components`.
        amounts: vec![
            b.wage,
            b.business,
            b.property,
            b.transfer_pension,
            b.transfer_dibao,
            b.transfer_tekun,
            b.transfer_eco,
            b.transfer_other,
            b.business_expense,
            b.medical_self_pay,
            b.insurance_claims,
        ],
        reason: b.reason,
    };
    changes_json(
        registry::set_income(
            state.store.as_ref(),
            &session.auth.actor,
            &code,
            &form,
            state.today(),
        )
        .await,
    )
}

#[derive(Deserialize)]
pub struct AssuranceBody {
    food_clothing: bool,
    #[serde(default)]
    housing: Option<String>,
    water_quantity: bool,
    water_quality: bool,
    water_convenience: bool,
    water_guarantee: bool,
    #[serde(default)]
    note: String,
    reason: String,
}

pub async fn set_assurance(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Body(b): Body<AssuranceBody>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口：保障情况核查").await?;
    let form = AssuranceForm {
        food_clothing: b.food_clothing,
        housing: b.housing.unwrap_or_default(),
        water_quantity: b.water_quantity,
        water_quality: b.water_quality,
        water_convenience: b.water_convenience,
        water_guarantee: b.water_guarantee,
        note: b.note,
        reason: b.reason,
    };
    changes_json(
        registry::set_assurance(state.store.as_ref(), &session.auth.actor, &code, &form).await,
    )
}

/// A household registered by hand with its head.
#[derive(Deserialize)]
pub struct NewHouseholdBody {
    village: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    group_no: Option<u16>,
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    bank_account: String,
    household_type: String,
    #[serde(default)]
    relocated: bool,
    #[serde(default)]
    dibao: bool,
    #[serde(default)]
    tekun: bool,
    #[serde(default)]
    monitored: bool,
    head: HeadBody,
    reason: String,
}

#[derive(Deserialize)]
pub struct HeadBody {
    id_number: String,
    name: String,
    #[serde(default)]
    labour: Option<String>,
    #[serde(default)]
    health: Option<String>,
    #[serde(default)]
    schooling: Option<String>,
    #[serde(default)]
    medical_insurance: Option<bool>,
    #[serde(default)]
    pension_insurance: Option<bool>,
}

pub async fn create_household(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Body(b): Body<NewHouseholdBody>,
) -> ApiResult {
    use dixian_domain::registry::{LabourCapacity, Relation, Schooling};
    api_csrf(&state, &session, &headers, "接口：新增农户").await?;
    let form = NewHouseholdForm {
        village: b.village,
        code: b.code,
        group_no: b.group_no.map(|g| g.to_string()).unwrap_or_default(),
        address: b.address,
        phone: b.phone,
        bank_account: b.bank_account,
        household_type: b.household_type,
        relocated: b.relocated,
        dibao: b.dibao,
        tekun: b.tekun,
        monitored: b.monitored,
        head: ArrivalForm {
            id_number: b.head.id_number,
            name: b.head.name,
            relation: Relation::Head.code().into(),
            labour: b
                .head
                .labour
                .unwrap_or_else(|| LabourCapacity::Ordinary.code().into()),
            health: b.head.health.unwrap_or_else(|| "healthy".into()),
            schooling: b
                .head
                .schooling
                .unwrap_or_else(|| Schooling::NotInSchool.code().into()),
            medical_insurance: b.head.medical_insurance.unwrap_or(true),
            pension_insurance: b.head.pension_insurance.unwrap_or(false),
            ..ArrivalForm::default()
        },
        reason: b.reason,
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
            Ok(code) => {
                (StatusCode::CREATED, Json(json!({ "code": code.as_str() }))).into_response()
            }
            Err(e) => return Err(e.into()),
        },
    )
}

/// A household's own fields; `phone` absent keeps the number on record, `""` removes it.
#[derive(Deserialize)]
pub struct HouseholdBody {
    #[serde(default)]
    group_no: Option<u16>,
    address: String,
    #[serde(default)]
    phone: Option<String>,
    household_type: String,
    #[serde(default)]
    relocated: bool,
    #[serde(default)]
    dibao: bool,
    #[serde(default)]
    tekun: bool,
    #[serde(default)]
    monitored: bool,
    reason: String,
}

pub async fn update_household(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Body(b): Body<HouseholdBody>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口：修改户信息").await?;
    let form = registry::EditForm {
        group_no: b.group_no.map(|g| g.to_string()).unwrap_or_default(),
        address: b.address,
        // The form's own words: empty keeps, 无 removes.
        phone: match b.phone {
            None => String::new(),
            Some(p) if p.trim().is_empty() => "无".into(),
            Some(p) => p,
        },
        household_type: b.household_type,
        relocated: b.relocated,
        dibao: b.dibao,
        tekun: b.tekun,
        monitored: b.monitored,
        reason: b.reason,
    };
    changes_json(registry::edit(state.store.as_ref(), &session.auth.actor, &code, &form).await)
}

/// One member's details; absent fields keep what is recorded.
#[derive(Deserialize)]
pub struct MemberBody {
    person_id: i64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    relation: Option<String>,
    #[serde(default)]
    labour: Option<String>,
    #[serde(default)]
    health: Option<String>,
    #[serde(default)]
    disability: Option<String>,
    #[serde(default)]
    disability_grade: Option<u8>,
    #[serde(default)]
    schooling: Option<String>,
    #[serde(default)]
    medical_insurance: Option<bool>,
    #[serde(default)]
    pension_insurance: Option<bool>,
    #[serde(default)]
    employment_months: Option<u8>,
    #[serde(default)]
    employment_place: Option<String>,
    #[serde(default)]
    public_payroll: Option<bool>,
}

#[derive(Deserialize)]
pub struct MembersBody {
    members: Vec<MemberBody>,
    reason: String,
}

pub async fn update_members(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Body(b): Body<MembersBody>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口：修改成员信息").await?;
    let recorded = match registry::household(
        state.store.as_ref(),
        &session.auth.actor,
        &code,
        state.today(),
    )
    .await
    {
        Ok(v) => v.detail.members,
        Err(e) => return Err(e.into()),
    };
    let mut rows = Vec::new();
    for m in b.members {
        let Some(current) = recorded.iter().find(|r| r.person_id == m.person_id) else {
            let e = dixian_app::AppError::Invalid(vec![format!(
                "户{code}没有person_id为{}的成员",
                m.person_id
            )]);
            return Err(e.into());
        };
        let was = MemberRowForm::of(current);
        rows.push(MemberRowForm {
            person_id: m.person_id,
            name: m.name.unwrap_or(was.name),
            relation: m.relation.unwrap_or(was.relation),
            labour: m.labour.unwrap_or(was.labour),
            health: m.health.unwrap_or(was.health),
            disability: m.disability.unwrap_or(was.disability),
            disability_grade: m
                .disability_grade
                .map(|g| g.to_string())
                .unwrap_or(was.disability_grade),
            schooling: m.schooling.unwrap_or(was.schooling),
            medical_insurance: m.medical_insurance.unwrap_or(was.medical_insurance),
            pension_insurance: m.pension_insurance.unwrap_or(was.pension_insurance),
            employment_months: m
                .employment_months
                .map(|n| n.to_string())
                .unwrap_or(was.employment_months),
            employment_place: m.employment_place.unwrap_or(was.employment_place),
            public_payroll: m.public_payroll.unwrap_or(was.public_payroll),
        });
    }
    changes_json(
        registry::update_members(
            state.store.as_ref(),
            &session.auth.actor,
            &code,
            &rows,
            &b.reason,
        )
        .await,
    )
}

/// A member's death, moving or marrying out, or return.
#[derive(Deserialize)]
pub struct StatusBody {
    status: String,
    date: String,
    reason: String,
}

pub async fn member_status(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path((code, person)): Path<(String, i64)>,
    headers: HeaderMap,
    Body(b): Body<StatusBody>,
) -> ApiResult {
    api_csrf(&state, &session, &headers, "接口：人口变化").await?;
    Ok(
        match registry::change_status(
            state.store.as_ref(),
            &session.auth.actor,
            &code,
            person,
            &b.status,
            &b.date,
            &b.reason,
        )
        .await
        {
            Ok(()) => StatusCode::NO_CONTENT.into_response(),
            Err(e) => return Err(e.into()),
        },
    )
}
