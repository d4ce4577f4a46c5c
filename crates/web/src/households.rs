//! Household list and household page (户籍), as HTML and as JSON under `/api/`.

use crate::error::{error_page, status_of};
use crate::session::Session;
use crate::{AppState, Frame, render};
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dixian_app::registry::{self, HouseholdQuery, PAGE_SIZE};
use dixian_app::{AppError, today};
use dixian_store::{HouseholdSummary, MemberView};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default)]
pub struct ListParams {
    #[serde(default)]
    within: String,
    #[serde(default)]
    household_type: String,
    #[serde(default)]
    relocated: String,
    #[serde(default)]
    dibao: String,
    #[serde(default)]
    tekun: String,
    #[serde(default)]
    monitored: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    page: Option<i64>,
}

impl ListParams {
    fn query(&self) -> HouseholdQuery {
        HouseholdQuery {
            within: self.within.clone(),
            household_type: self.household_type.clone(),
            relocated: self.relocated.clone(),
            dibao: self.dibao.clone(),
            tekun: self.tekun.clone(),
            monitored: self.monitored.clone(),
            name: self.name.clone(),
            // Exact ID search goes through 人员查询 (POST), never an address.
            id_number: String::new(),
            page: self.page.unwrap_or(1),
        }
    }

    /// The filter part of the address, for paging links.
    fn link(&self) -> String {
        crate::session::query_string(&[
            ("within", &self.within),
            ("household_type", &self.household_type),
            ("relocated", &self.relocated),
            ("dibao", &self.dibao),
            ("tekun", &self.tekun),
            ("monitored", &self.monitored),
            ("name", &self.name),
        ])
    }
}

/// Flags of a household as short Chinese tags.
fn tags(h: &HouseholdSummary) -> Vec<&'static str> {
    [
        (h.monitored, "监测对象"),
        (h.dibao, "低保"),
        (h.tekun, "特困"),
        (h.relocated, "易地搬迁"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, t)| *t)
    .collect()
}

#[derive(Template)]
#[template(path = "households.html")]
struct ListPage {
    frame: Frame,
    p: ListParams,
    /// The yes/no filters: field, label, current value.
    flags: Vec<(&'static str, &'static str, String)>,
    error: Option<String>,
    rows: Vec<(HouseholdSummary, Vec<&'static str>)>,
    total: i64,
    page: i64,
    pages: i64,
    link: String,
    may_edit: bool,
    /// May export the ledger with the heads' ID numbers in full (stating why).
    may_reveal: bool,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(p): Query<ListParams>,
) -> Response {
    let flags = vec![
        ("monitored", "监测对象", p.monitored.clone()),
        ("dibao", "低保", p.dibao.clone()),
        ("tekun", "特困", p.tekun.clone()),
        ("relocated", "易地搬迁", p.relocated.clone()),
    ];
    let mut page = ListPage {
        frame: session.frame(&state),
        flags,
        error: None,
        rows: Vec::new(),
        total: 0,
        page: p.page.unwrap_or(1).max(1),
        pages: 1,
        link: p.link(),
        may_edit: session
            .auth
            .actor
            .may(dixian_domain::access::Permission::EditRegistry),
        may_reveal: session
            .auth
            .actor
            .may(dixian_domain::access::Permission::RevealPii)
            && session
                .auth
                .actor
                .may(dixian_domain::access::Permission::ExportLedger),
        p,
    };
    match registry::search(state.store.as_ref(), &session.auth.actor, &page.p.query()).await {
        Ok(found) => {
            page.total = found.total;
            page.pages = ((found.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
            page.rows = found
                .rows
                .into_iter()
                .map(|h| {
                    let t = tags(&h);
                    (h, t)
                })
                .collect();
            render(StatusCode::OK, &page)
        }
        Err(e @ AppError::Invalid(_)) => {
            page.error = Some(e.to_string());
            render(StatusCode::BAD_REQUEST, &page)
        }
        Err(e) => error_page(&state, Some(&session), &e),
    }
}

/// One timeline entry as shown.
struct EventRow {
    at: String,
    actor: String,
    what: String,
    changes: Vec<String>,
    reason: String,
}

/// The timeline's name of a history entry: the audit trail's name of the same action.
fn event_label(action: &str) -> &str {
    match action {
        "registered" => "登记",
        other => dixian_app::auditing::action_label(other),
    }
}

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    frame: Frame,
    view: registry::HouseholdView,
    tags: Vec<&'static str>,
    events: Vec<EventRow>,
    may_edit: bool,
    csrf: String,
    notice: Option<String>,
    today: String,
    visits: Vec<crate::monitoring::VisitView>,
    /// For a 脱贫户: the pack's months and this year's missed or open ones.
    visit_rule: Option<String>,
    visit_status: Vec<String>,
    may_visit: bool,
    /// The household's 三保障 problems: (id, kind, description, state, deadline, open).
    problems: Vec<(i64, &'static str, String, &'static str, String, bool)>,
    /// Kinds judged not secure that have no open problem yet: (code, label), to register.
    unregistered: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize, Default)]
pub struct ShowParams {
    changed: Option<usize>,
    visited: Option<u8>,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    Query(q): Query<ShowParams>,
) -> Response {
    let actor = &session.auth.actor;
    let view = match registry::household(state.store.as_ref(), actor, &code, today()).await {
        Ok(v) => v,
        Err(e) => return error_page(&state, Some(&session), &e),
    };
    let events = match state
        .store
        .household_events(actor, &view.detail.summary.code)
        .await
    {
        Ok(list) => list
            .into_iter()
            .rev()
            .map(|e| EventRow {
                at: dixian_app::beijing(e.at)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                actor: e.actor,
                what: event_label(&e.action).to_string(),
                changes: e
                    .changes
                    .iter()
                    .map(|c| {
                        format!(
                            "{}：{} → {}",
                            c.field,
                            if c.old.is_empty() {
                                "（空）"
                            } else {
                                &c.old
                            },
                            if c.new.is_empty() {
                                "（空）"
                            } else {
                                &c.new
                            }
                        )
                    })
                    .collect(),
                reason: e.reason,
            })
            .collect(),
        Err(e) => return error_page(&state, Some(&session), &AppError::Store(e)),
    };
    let tags = tags(&view.detail.summary);
    let s = &view.detail.summary;
    let poverty_alleviated = s.household_type
        == dixian_domain::registry::HouseholdType::PovertyAlleviated
        && !s.monitored;
    let day = today();
    let visits = match dixian_app::monitoring::household_visits(
        state.store.as_ref(),
        actor,
        &s.code,
        poverty_alleviated,
        day,
    )
    .await
    {
        Ok(v) => v,
        Err(e) => return error_page(&state, Some(&session), &e),
    };
    let visit_rule = (poverty_alleviated && !visits.months.is_empty()).then(|| {
        format!(
            "脱贫户每年{}月走访",
            visits
                .months
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("、")
        )
    });
    let visit_status = visits
        .periods
        .iter()
        .map(|p| {
            let m = chrono::Datelike::month(&p.from);
            match p.visited {
                Some(d) => format!("{m}月：{d}已走访"),
                None if p.missed(day) => format!("{m}月：漏访"),
                None => format!("{m}月：本月待走访（{}前）", p.until),
            }
        })
        .collect();
    let problems =
        match dixian_app::problems::of_household(state.store.as_ref(), actor, &s.code).await {
            Ok(p) => p,
            Err(e) => return error_page(&state, Some(&session), &e),
        };
    let unregistered = view
        .findings
        .iter()
        .filter(|f| f.secure == Some(false))
        .filter(|f| {
            !problems.iter().any(|p| {
                p.kind == f.indicator && p.state != dixian_domain::problems::ProblemState::Closed
            })
        })
        .map(|f| (f.indicator.code(), f.indicator.label()))
        .collect();
    let problems = problems
        .iter()
        .map(|p| {
            (
                p.id,
                p.kind.label(),
                p.description.clone(),
                p.state.label(),
                p.deadline.to_string(),
                p.state != dixian_domain::problems::ProblemState::Closed,
            )
        })
        .collect();
    render(
        StatusCode::OK,
        &HouseholdPage {
            problems,
            unregistered,
            visits: visits
                .visits
                .iter()
                .map(crate::monitoring::visit_view)
                .collect(),
            visit_rule,
            visit_status,
            may_visit: actor.may(dixian_domain::access::Permission::HandleCases),
            frame: session.frame(&state),
            view,
            tags,
            events,
            may_edit: actor.may(dixian_domain::access::Permission::EditRegistry),
            csrf: session.auth.csrf.clone(),
            notice: q
                .changed
                .map(|n| {
                    if n == 0 {
                        "没有需要保存的变化".to_string()
                    } else {
                        format!("已保存{n}项变化，已记入变更记录")
                    }
                })
                .or_else(|| q.visited.map(|_| "走访记录已保存".to_string())),
            today: today().to_string(),
        },
    )
}

#[derive(Template)]
#[template(path = "household_edit.html")]
struct EditPage {
    frame: Frame,
    csrf: String,
    code: String,
    form: registry::EditForm,
    phone_masked: String,
    error: Option<String>,
}

pub async fn edit_page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
) -> Response {
    let actor = &session.auth.actor;
    if let Err(e) = dixian_app::accounts::require(
        state.store.as_ref(),
        actor,
        dixian_domain::access::Permission::EditRegistry,
        &code,
    )
    .await
    {
        return error_page(&state, Some(&session), &e);
    }
    match registry::household(state.store.as_ref(), actor, &code, today()).await {
        Ok(v) => render(
            StatusCode::OK,
            &EditPage {
                frame: session.frame(&state),
                csrf: session.auth.csrf.clone(),
                code: v.detail.summary.code.to_string(),
                form: registry::EditForm::of(&v.detail),
                phone_masked: v.detail.summary.phone_masked.clone().unwrap_or_default(),
                error: None,
            },
        ),
        Err(e) => error_page(&state, Some(&session), &e),
    }
}

#[derive(Deserialize)]
pub struct EditFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    group_no: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    household_type: String,
    relocated: Option<String>,
    dibao: Option<String>,
    tekun: Option<String>,
    monitored: Option<String>,
    #[serde(default)]
    reason: String,
}

pub async fn edit_submit(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
    axum::extract::Form(f): axum::extract::Form<EditFields>,
) -> Response {
    if let Err(r) =
        crate::session::check_csrf(&state, &session, &headers, &f.csrf, "修改户信息").await
    {
        return r;
    }
    let form = registry::EditForm {
        group_no: f.group_no,
        address: f.address,
        phone: f.phone,
        household_type: f.household_type,
        relocated: f.relocated.is_some(),
        dibao: f.dibao.is_some(),
        tekun: f.tekun.is_some(),
        monitored: f.monitored.is_some(),
        reason: f.reason,
    };
    match registry::edit(state.store.as_ref(), &session.auth.actor, &code, &form).await {
        Ok(changes) => {
            axum::response::Redirect::to(&format!("/households/{code}?changed={}", changes.len()))
                .into_response()
        }
        Err(e @ (AppError::Invalid(_) | AppError::Store(dixian_store::StoreError::Invalid(_)))) => {
            // Show the number on record again, masked, beside the form being corrected.
            let phone_masked =
                registry::household(state.store.as_ref(), &session.auth.actor, &code, today())
                    .await
                    .ok()
                    .and_then(|v| v.detail.summary.phone_masked)
                    .unwrap_or_default();
            render(
                StatusCode::BAD_REQUEST,
                &EditPage {
                    frame: session.frame(&state),
                    csrf: session.auth.csrf.clone(),
                    code: code.clone(),
                    phone_masked,
                    form,
                    error: Some(e.to_string()),
                },
            )
        }
        Err(e) => error_page(&state, Some(&session), &e),
    }
}

#[derive(Deserialize)]
pub struct StatusFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    member: i64,
    #[serde(default)]
    status: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    reason: String,
}

pub async fn member_status(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
    headers: axum::http::HeaderMap,
    axum::extract::Form(f): axum::extract::Form<StatusFields>,
) -> Response {
    if let Err(r) =
        crate::session::check_csrf(&state, &session, &headers, &f.csrf, "人口变化").await
    {
        return r;
    }
    match registry::change_status(
        state.store.as_ref(),
        &session.auth.actor,
        &code,
        f.member,
        &f.status,
        &f.date,
        &f.reason,
    )
    .await
    {
        Ok(()) => {
            axum::response::Redirect::to(&format!("/households/{code}?changed=1")).into_response()
        }
        Err(e) => error_page(&state, Some(&session), &e),
    }
}

// --- JSON API ---

pub(crate) fn api_error(e: &AppError) -> Response {
    let (status, heading) = status_of(e);
    if status.is_server_error() {
        tracing::error!(error = %e, "接口请求失败");
    }
    (
        status,
        axum::Json(json!({ "error": heading, "message": e.to_string() })),
    )
        .into_response()
}

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
) -> Response {
    match registry::search(state.store.as_ref(), &session.auth.actor, &p.query()).await {
        Ok(found) => axum::Json(json!({
            "total": found.total,
            "page": p.page.unwrap_or(1).max(1),
            "page_size": PAGE_SIZE,
            "households": found.rows.iter().map(summary_json).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => api_error(&e),
    }
}

pub async fn api_show(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(code): Path<String>,
) -> Response {
    match registry::household(state.store.as_ref(), &session.auth.actor, &code, today()).await {
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
        Err(e) => api_error(&e),
    }
}

/// The OpenAPI document of `/api/`; later features add their operations here.
pub async fn openapi() -> Response {
    axum::Json(openapi_document()).into_response()
}

pub fn openapi_document() -> Value {
    let flag = |name: &str, what: &str| {
        json!({ "name": name, "in": "query", "required": false,
                "description": format!("{what}：1 是，0 否，空为不限"),
                "schema": { "type": "string", "enum": ["", "1", "0"] } })
    };
    let error = json!({ "description": "错误（message 为中文说明）",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let code_param = json!({ "name": "code", "in": "path", "required": true, "description": "户编号（16位）", "schema": { "type": "string", "pattern": "^[0-9]{16}$" } });
    let csrf_param = json!({ "name": "X-CSRF-Token", "in": "header", "required": true, "description": "GET /api/session 返回的 csrf_token", "schema": { "type": "string" } });
    let changes = json!({ "description": "变更（为空表示与已登记的相同，未写入）", "content": { "application/json": { "schema": {
        "type": "object", "properties": { "changes": { "type": "array", "items": { "$ref": "#/components/schemas/FieldChange" } } } } } } });
    let money = json!({ "type": "string", "description": "元，如 12000、12,000.50、1.2万" });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "底线 dixian API",
            "version": crate::VERSION,
            "description": "防止返贫致贫动态监测和帮扶系统的数据接口。使用网页登录后的会话 Cookie；所有结果限于账号的辖区，身份证号、电话、银行账号均打码。"
        },
        "paths": {
                        "/api/households": { "post": {
                "summary": "新增农户（连同户主）；户编号不填时按该村顺延",
                "parameters": [ csrf_param.clone() ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/NewHousehold" } } } },
                "responses": {
                    "201": { "description": "已登记", "content": { "application/json": { "schema": { "type": "object", "properties": { "code": { "type": "string" } } } } } },
                    "400": error.clone(), "403": error.clone(), "409": error.clone()
                }
            }, "get": {
                "summary": "农户列表（按条件筛选、分页）",
                "parameters": [
                    { "name": "within", "in": "query", "required": false, "description": "区划代码（12位），须在辖区内", "schema": { "type": "string" } },
                    { "name": "household_type", "in": "query", "required": false, "description": "户类型：tuopin（脱贫户）或 ordinary（一般农户）", "schema": { "type": "string" } },
                    flag("relocated", "易地扶贫搬迁"), flag("dibao", "低保"), flag("tekun", "特困"), flag("monitored", "监测对象"),
                    { "name": "name", "in": "query", "required": false, "description": "户主姓名包含", "schema": { "type": "string" } },
                    { "name": "page", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1 } }
                ],
                "responses": {
                    "200": { "description": "一页农户", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/HouseholdList" } } } },
                    "400": error.clone(), "403": error.clone()
                }
            }},
                        "/api/households/{code}": { "put": {
                "summary": "修改户信息（村民小组、住址、电话、户类型、标识）；phone 不给则不改，给空串则删除",
                "parameters": [ code_param.clone(), csrf_param.clone() ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                    "required": ["address", "household_type", "reason"], "properties": {
                    "group_no": { "type": "integer" }, "address": { "type": "string" }, "phone": { "type": "string" },
                    "household_type": { "type": "string", "enum": ["tuopin", "ordinary"] },
                    "relocated": { "type": "boolean" }, "dibao": { "type": "boolean" },
                    "tekun": { "type": "boolean" }, "monitored": { "type": "boolean" }, "reason": { "type": "string" } } } } } },
                "responses": { "200": changes.clone(), "400": error.clone(), "403": error.clone() }
            }, "get": {
                "summary": "一户的成员、收入与监测线对比",
                "parameters": [ { "name": "code", "in": "path", "required": true, "description": "户编号（16位）", "schema": { "type": "string", "pattern": "^[0-9]{16}$" } } ],
                "responses": {
                    "200": { "description": "农户详情", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/HouseholdDetail" } } } },
                    "400": error.clone(), "403": error.clone(), "404": error
                }
            }},
                        "/api/session": { "get": {
                "summary": "当前账号与写入接口所需的 X-CSRF-Token",
                "responses": { "200": { "description": "账号", "content": { "application/json": { "schema": {
                    "type": "object", "properties": { "username": { "type": "string" }, "role": { "type": "string" }, "csrf_token": { "type": "string" } } } } } } }
            }},
                        "/api/households/{code}/members/{person}/status": { "post": {
                "summary": "登记成员死亡、迁出、婚出或恢复在户",
                "parameters": [ code_param.clone(), csrf_param.clone(),
                    { "name": "person", "in": "path", "required": true, "description": "成员的 person_id", "schema": { "type": "integer" } } ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                    "required": ["status", "date", "reason"], "properties": {
                    "status": { "type": "string", "enum": ["deceased", "moved_out", "married_out", "in_household"] },
                    "date": { "type": "string", "format": "date" }, "reason": { "type": "string" } } } } } },
                "responses": { "204": { "description": "已登记" }, "400": error.clone(), "403": error.clone() }
            }},
            "/api/households/{code}/members": { "put": {
                "summary": "修改成员信息（含变更户主），一次提交多名成员；未给的字段不改",
                "parameters": [ code_param.clone(), csrf_param.clone() ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                    "required": ["members", "reason"], "properties": {
                    "members": { "type": "array", "items": { "type": "object", "required": ["person_id"], "properties": {
                        "person_id": { "type": "integer" }, "name": { "type": "string" }, "relation": { "type": "string" },
                        "labour": { "type": "string" }, "health": { "type": "string" }, "disability": { "type": "string" },
                        "disability_grade": { "type": "integer" }, "schooling": { "type": "string" },
                        "medical_insurance": { "type": "boolean" }, "pension_insurance": { "type": "boolean" },
                        "employment_months": { "type": "integer" }, "employment_place": { "type": "string" },
                        "public_payroll": { "type": "boolean" } } } },
                    "reason": { "type": "string" } } } } } },
                "responses": { "200": changes.clone(), "400": error.clone(), "403": error.clone() }
            }, "post": {
                "summary": "新增成员（出生、婚入、迁入），记入变更记录",
                "parameters": [ code_param.clone(), csrf_param.clone() ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Arrival" } } } },
                "responses": {
                    "201": { "description": "已登记", "content": { "application/json": { "schema": { "type": "object", "properties": { "person_id": { "type": "integer" } } } } } },
                    "400": error.clone(), "403": error.clone(), "409": error.clone()
                }
            }},
            "/api/households/{code}/income": { "put": {
                "summary": "登记或更正一个年度的收入（金额为元，文本）",
                "parameters": [ code_param.clone(), csrf_param.clone() ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Income" } } } },
                "responses": { "200": changes.clone(), "400": error.clone(), "403": error.clone() }
            }},
            "/api/households/{code}/assurance": { "put": {
                "summary": "登记两不愁、住房和饮水安全核查",
                "parameters": [ code_param, csrf_param ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Assurance" } } } },
                "responses": { "200": changes, "400": error.clone(), "403": error.clone() }
            }},
            "/api/openapi.json": { "get": { "summary": "本文档", "responses": { "200": { "description": "OpenAPI 3" } } } }
        },
        "components": {
            "securitySchemes": { "session": { "type": "apiKey", "in": "cookie", "name": crate::SESSION_COOKIE } },
            "schemas": {
                                "Error": { "type": "object", "required": ["error", "message"], "properties": {
                    "error": { "type": "string" }, "message": { "type": "string" } } },
                                "NewHousehold": { "type": "object", "required": ["village", "address", "household_type", "head", "reason"], "properties": {
                    "village": { "type": "string", "description": "村级区划代码（12位）" },
                    "code": { "type": "string", "description": "户编号，可不填" },
                    "group_no": { "type": "integer" }, "address": { "type": "string" },
                    "phone": { "type": "string" }, "bank_account": { "type": "string" },
                    "household_type": { "type": "string", "enum": ["tuopin", "ordinary"] },
                    "relocated": { "type": "boolean" }, "dibao": { "type": "boolean" },
                    "tekun": { "type": "boolean" }, "monitored": { "type": "boolean" },
                    "head": { "type": "object", "required": ["id_number", "name"], "properties": {
                        "id_number": { "type": "string" }, "name": { "type": "string" },
                        "labour": { "type": "string" }, "health": { "type": "string" }, "schooling": { "type": "string" },
                        "medical_insurance": { "type": "boolean" }, "pension_insurance": { "type": "boolean" } } },
                    "reason": { "type": "string" } } },
                "FieldChange": { "type": "object", "properties": {
                    "field": { "type": "string" }, "old": { "type": "string" }, "new": { "type": "string" } } },
                "Arrival": { "type": "object", "required": ["arrival", "id_number", "name", "relation", "reason"], "properties": {
                    "arrival": { "type": "string", "enum": ["birth", "marriage_in", "move_in"] },
                    "id_number": { "type": "string" }, "name": { "type": "string" },
                    "relation": { "type": "string", "description": "与户主关系代码（不能是 head）" },
                    "labour": { "type": "string" }, "health": { "type": "string" }, "schooling": { "type": "string" },
                    "medical_insurance": { "type": "boolean" }, "pension_insurance": { "type": "boolean" },
                    "date": { "type": "string", "format": "date", "description": "出生可不填" },
                    "reason": { "type": "string" } } },
                "Income": { "type": "object", "required": ["year", "reason"], "properties": {
                    "year": { "type": "integer" }, "wage": money.clone(), "business": money.clone(), "property": money.clone(),
                    "transfer_pension": money.clone(), "transfer_dibao": money.clone(), "transfer_tekun": money.clone(),
                    "transfer_eco": money.clone(), "transfer_other": money.clone(), "business_expense": money.clone(),
                    "medical_self_pay": money.clone(), "insurance_claims": money, "reason": { "type": "string" } } },
                "Assurance": { "type": "object", "required": ["food_clothing", "water_quantity", "water_quality", "water_convenience", "water_guarantee", "reason"], "properties": {
                    "food_clothing": { "type": "boolean" },
                    "housing": { "type": "string", "enum": ["a", "b", "c", "d", ""], "description": "住房安全鉴定等级，空为未鉴定" },
                    "water_quantity": { "type": "boolean" }, "water_quality": { "type": "boolean" },
                    "water_convenience": { "type": "boolean" }, "water_guarantee": { "type": "boolean" },
                    "note": { "type": "string" }, "reason": { "type": "string" } } },
                "HouseholdSummary": { "type": "object", "properties": {
                    "code": { "type": "string" }, "village": { "type": "string" }, "group_no": { "type": "integer", "nullable": true },
                    "head_name": { "type": "string" }, "head_id_number": { "type": "string", "description": "打码" },
                    "members": { "type": "integer" }, "household_type": { "type": "string" }, "household_type_label": { "type": "string" },
                    "relocated": { "type": "boolean" }, "dibao": { "type": "boolean" }, "tekun": { "type": "boolean" }, "monitored": { "type": "boolean" },
                    "phone": { "type": "string", "nullable": true, "description": "打码" } } },
                "HouseholdList": { "type": "object", "properties": {
                    "total": { "type": "integer" }, "page": { "type": "integer" }, "page_size": { "type": "integer" },
                    "households": { "type": "array", "items": { "$ref": "#/components/schemas/HouseholdSummary" } } } },
                "HouseholdDetail": { "type": "object", "properties": {
                    "household": { "$ref": "#/components/schemas/HouseholdSummary" },
                    "place": { "type": "string" }, "address": { "type": "string" },
                    "bank_account": { "type": "string", "nullable": true, "description": "打码" },
                    "members": { "type": "array", "items": { "type": "object" } },
                    "years": { "type": "array", "items": { "type": "object", "properties": {
                        "year": { "type": "integer" }, "net": { "type": "string" }, "per_capita": { "type": "string" },
                        "line": { "type": "string", "nullable": true }, "below_line": { "type": "boolean" },
                                                "medical_self_pay": { "type": "string" } } } },
                    "assurance": { "type": "array", "items": { "type": "object", "properties": {
                        "indicator": { "type": "string" }, "label": { "type": "string" },
                        "secure": { "type": "boolean", "nullable": true, "description": "空为未核查" },
                        "detail": { "type": "string" } } } } } }
            }
        },
        "security": [ { "session": [] } ]
    })
}

/// The ledger of the list's current filter, as CSV or XLSX, masked.
pub async fn export(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(file): Path<String>,
    Query(p): Query<ListParams>,
) -> Response {
    export_file(&state, &session, &file, p, None).await
}

/// The form that asks for a ledger with ID numbers in full: its token and the reason given.
#[derive(Deserialize)]
pub struct RevealFields {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) reason: String,
}

/// The same ledger with the heads' ID numbers in full: posted with a reason, never a link.
pub async fn export_revealed(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(file): Path<String>,
    Query(p): Query<ListParams>,
    headers: axum::http::HeaderMap,
    axum::extract::Form(f): axum::extract::Form<RevealFields>,
) -> Response {
    if let Err(r) =
        crate::session::check_csrf(&state, &session, &headers, &f.csrf, "导出完整身份证号").await
    {
        return r;
    }
    export_file(&state, &session, &file, p, Some(f.reason)).await
}

/// Writes the ledger to a temporary file and streams it from there, so a county-wide export
/// never sits in memory.
async fn export_file(
    state: &AppState,
    session: &Session,
    file: &str,
    p: ListParams,
    reveal: Option<String>,
) -> Response {
    use dixian_app::ledger::{self, FileKind};
    let (state, session) = (state.clone(), session.clone());
    let format = match file {
        "export.csv" => FileKind::Csv,
        "export.xlsx" => FileKind::Xlsx,
        _ => {
            let e = AppError::NotFound("没有这个页面，请检查网址".into());
            return error_page(&state, Some(&session), &e);
        }
    };
    let tmp = match tempfile::NamedTempFile::new() {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "无法创建临时文件");
            let e = AppError::Invalid(vec!["服务器无法创建临时文件，请联系管理员".into()]);
            return error_page(&state, Some(&session), &e);
        }
    };
    let writer = match tmp.reopen() {
        Ok(f) => std::io::BufWriter::new(f),
        Err(e) => {
            tracing::error!(error = %e, "无法写入临时文件");
            let e = AppError::Invalid(vec!["服务器无法写入临时文件，请联系管理员".into()]);
            return error_page(&state, Some(&session), &e);
        }
    };
    let mut q = p.query();
    q.page = 1;
    if let Err(e) = ledger::export(
        state.store.as_ref(),
        &session.auth.actor,
        &q,
        format,
        reveal.as_deref(),
        writer,
        |_| {},
    )
    .await
    {
        return error_page(&state, Some(&session), &e);
    }
    let file = match tokio::fs::File::open(tmp.path()).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "无法读取导出文件");
            let e = AppError::Invalid(vec!["服务器无法读取导出文件，请联系管理员".into()]);
            return error_page(&state, Some(&session), &e);
        }
    };
    // The open handle keeps the data readable after the temporary name is removed.
    drop(tmp);
    let (mime, ext) = match format {
        FileKind::Csv => (crate::CSV, "csv"),
        FileKind::Xlsx => (crate::XLSX, "xlsx"),
    };
    let name = format!("户籍台账_{}.{ext}", today().format("%Y%m%d"));
    let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(file));
    crate::download(body, mime, &format!("ledger.{ext}"), &name)
}
