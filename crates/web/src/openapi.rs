//! `GET /api/openapi.json`: the description of every `/api/` route (OpenAPI 3).

use serde_json::{Value, json};

/// The OpenAPI document of `/api/`: the registry's and session's operations written here,
/// and each capability's paths (`more`) merged in by the router.
pub fn document(more: &[Value]) -> Value {
    let mut doc = base_document();
    if let Some(paths) = doc["paths"].as_object_mut() {
        for m in more {
            if let Some(extra) = m.as_object() {
                paths.extend(extra.clone());
            }
        }
    }
    doc
}

fn base_document() -> Value {
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
            "description": "防止返贫致贫动态监测和帮扶系统的数据接口。其他系统用系统接入账号的接入令牌（Authorization: Bearer dxs_…），脚本也可用网页登录后的会话 Cookie（写入须带 X-CSRF-Token）；所有结果限于账号的辖区和角色，身份证号、电话、银行账号均打码；错误为 JSON，message 为中文说明，field 为出错的字段。"
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
            "securitySchemes": {
                "session": { "type": "apiKey", "in": "cookie", "name": crate::SESSION_COOKIE },
                "token": { "type": "http", "scheme": "bearer", "description": "系统接入账号的接入令牌（dxs_ 开头），由系统管理员签发" }
            },
            "schemas": {
                                "Error": { "type": "object", "required": ["error", "message"], "properties": {
                    "error": { "type": "string" }, "message": { "type": "string" },
                    "problems": { "type": "array", "items": { "type": "string" } },
                    "field": { "type": "string", "nullable": true } } },
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
