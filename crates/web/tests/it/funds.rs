//! Funds, projects and assets through the router: imports refused whole with every row named,
//! then taken; the wrong level refused and audited; the JSON API with its CSRF token, its
//! field-named refusals and the same rules as the pages.

use crate::support::*;

const HEADER: &str = "项目名称*,项目地点*,项目类型*,建设性质*,计划年度*,计划开工*,计划完工*,实施单位*,建设任务*,总投资（元）*,资金来源,联农带农机制*,产出指标*,产出目标值*,效益指标*,效益目标值*,满意度指标*,满意度目标值*,入库日期*,项目状态";

fn row(name: &str, budget: &str, state: &str) -> String {
    format!(
        "{name},500299101201,产业发展,新建,2025,2025-03-01,2025-10-31,石桥镇人民政府,新建冷库,{budget},财政资金,务工分红,冷库面积,≥500平方米,带动增收,≥20户,满意度,≥90%,2024-12-05,{state}"
    )
}

#[tokio::test]
async fn project_lists_import_whole_and_the_api_keeps_the_rules() {
    let a = app().await;
    let county = session(&a.router, "county").await;
    let page = get(&a.router, "/projects/import", &county).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = hidden(&page.body, "csrf");
    let template = get(&a.router, "/projects/template/template.xlsx", &county).await;
    assert_eq!(template.status, StatusCode::OK);
    // A bad row refuses the whole file, said by row and column.
    let bad = format!(
        "{HEADER}\n{}\n{}\n",
        row("冷库", "80万", "已完工"),
        row("大棚", "八十万", "")
    );
    let r = multipart_to(
        &a,
        &county,
        "/projects/import",
        &[("csrf", &csrf)],
        Some(("清单.csv", bad.as_bytes())),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("清单.csv第3行“总投资（元）”"), "{}", r.body);
    let list = get(&a.router, "/api/projects", &county).await;
    assert!(list.body.contains("\"total\":0"), "{}", list.body);
    // A forged form writes nothing.
    let good = format!("{HEADER}\n{}\n", row("冷库", "80万", "已完工"));
    let r = multipart_to(
        &a,
        &county,
        "/projects/import",
        &[("csrf", "forged")],
        Some(("清单.csv", good.as_bytes())),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = multipart_to(
        &a,
        &county,
        "/projects/import",
        &[("csrf", &csrf)],
        Some(("清单.csv", good.as_bytes())),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("已导入1个项目"), "{}", r.body);
    // The village may not import a library; the refusal is audited.
    let village = session(&a.router, "village").await;
    let vpage = get(&a.router, "/projects/import", &village).await;
    let vcsrf = hidden(&vpage.body, "csrf");
    let r = multipart_to(
        &a,
        &village,
        "/projects/import",
        &[("csrf", &vcsrf)],
        Some(("清单.csv", good.as_bytes())),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(!audit_actions(&a, "access.denied").await.is_empty());

    // The JSON API: the token, then a fund refused field by field, then taken and split.
    let me: serde_json::Value =
        serde_json::from_str(&get(&a.router, "/api/session", &county).await.body).unwrap();
    let token = me["csrf_token"].as_str().unwrap().to_string();
    let fund = serde_json::json!({
        "doc_number": "渝财农〔2026〕1号", "title": "资金文件", "level": "central", "year": "2026",
        "category": "consolidation", "amount": "100万", "received_on": "2026-01-05"
    });
    let r = json_call(&a.router, "POST", "/api/funds", &county, "", fund.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let mut wrong = fund.clone();
    wrong["amount"] = serde_json::json!("很多");
    wrong["category"] = serde_json::json!("bonus");
    let r = json_call(&a.router, "POST", "/api/funds", &county, &token, wrong).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body.contains("amount") && r.body.contains("资金任务类别"),
        "{}",
        r.body
    );
    let r = json_call(&a.router, "POST", "/api/funds", &county, &token, fund).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let fund_id = serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let projects: serde_json::Value =
        serde_json::from_str(&get(&a.router, "/api/projects", &county).await.body).unwrap();
    let project = projects["projects"][0]["id"].as_i64().unwrap();
    let r = json_call(
        &a.router,
        "POST",
        &format!("/api/funds/{fund_id}/lines"),
        &county,
        &token,
        serde_json::json!({ "project": project.to_string(), "amount": "200万", "on": "2026-01-10" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("超出"), "{}", r.body);
    let r = json_call(
        &a.router,
        "POST",
        &format!("/api/funds/{fund_id}/lines"),
        &county,
        &token,
        serde_json::json!({ "project": project.to_string(), "amount": "60万", "on": "2026-01-10" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let year: serde_json::Value =
        serde_json::from_str(&get(&a.router, "/api/funds?year=2026", &county).await.body).unwrap();
    assert_eq!(year["planned_fen"], 60_000_000);
    assert_eq!(year["industry_share"]["share_bp"], 6000);
    // A village officer cannot approve into the library through the API either.
    let vme: serde_json::Value =
        serde_json::from_str(&get(&a.router, "/api/session", &village).await.body).unwrap();
    let vtoken = vme["csrf_token"].as_str().unwrap().to_string();
    let r = json_call(
        &a.router,
        "POST",
        &format!("/api/projects/{project}/steps"),
        &village,
        &vtoken,
        serde_json::json!({ "action": "settle", "version": 1 }),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // 验收 with the signed form scanned: a file that is no photo or PDF is refused by name,
    // nothing taken; the real scan is kept and downloads as it was sent.
    use base64::Engine;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let shown: serde_json::Value = serde_json::from_str(
        &get(&a.router, &format!("/api/projects/{project}"), &county)
            .await
            .body,
    )
    .unwrap();
    let version = shown["version"].as_i64().unwrap();
    let accept = |name: &str, bytes: &[u8]| {
        serde_json::json!({ "action": "accept", "version": version, "document": "验收单2026-1",
            "files": [{ "name": name, "data": b64(bytes) }] })
    };
    let r = json_call(
        &a.router,
        "POST",
        &format!("/api/projects/{project}/steps"),
        &county,
        &token,
        accept("说明.txt", b"not a scan"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("说明.txt"), "{}", r.body);
    let scan = b"%PDF-1.4\n% approval\n%%EOF\n";
    let r = json_call(
        &a.router,
        "POST",
        &format!("/api/projects/{project}/steps"),
        &county,
        &token,
        accept("验收单.pdf", scan),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let shown: serde_json::Value = serde_json::from_str(
        &get(&a.router, &format!("/api/projects/{project}"), &county)
            .await
            .body,
    )
    .unwrap();
    let events = shown["events"].as_array().unwrap();
    let href = events.last().unwrap()["files"][0]["href"]
        .as_str()
        .unwrap()
        .to_string();
    let got = get(&a.router, &href, &county).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body.as_bytes(), scan);
    assert_eq!(audit_actions(&a, "project.file.read").await.len(), 1);
    let doc: serde_json::Value =
        serde_json::from_str(&get(&a.router, "/api/openapi.json", "").await.body).unwrap();
    for path in [
        "/api/funds",
        "/api/projects/{id}/steps",
        "/api/assets/{id}/plans",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
}

#[tokio::test]
async fn a_sector_department_proposes_to_the_library_without_seeing_households() {
    use chrono::Datelike;
    let a = app().await;
    let dept = session(&a.router, "yibao").await;
    // The library is in its menu and its form lists no households.
    let home = get(&a.router, "/projects", &dept).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    let form = get(&a.router, "/projects/new", &dept).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("id=\"no-households\""), "{}", form.body);
    assert!(!form.body.contains("name=\"beneficiaries\""));
    let me: serde_json::Value =
        serde_json::from_str(&get(&a.router, "/api/session", &dept).await.body).unwrap();
    let token = me["csrf_token"].as_str().unwrap().to_string();
    let today = chrono::Utc::now().date_naive();
    let mut proposal = serde_json::json!({
        "division": "500299101000", "name": "石桥镇灌溉渠系改造项目", "type_code": "rural_construction",
        "nature": "new", "planned_year": (today.year() + 1).to_string(),
        "start_on": format!("{}-03-01", today.year() + 1), "end_on": format!("{}-10-31", today.year() + 1),
        "unit": "县水利局", "tasks": "改造渠系3公里", "budget": "120万", "mechanism": "带动沿线农户灌溉增收约300户",
        "output_name": "改造渠系长度", "output_value": "≥3公里", "benefit_name": "新增灌溉面积", "benefit_value": "≥800亩",
        "satisfaction_name": "受益群众满意度", "satisfaction_value": "≥90%",
        "notice_place": "县水利局公示栏", "notice_from": today.to_string(),
        "notice_to": (today + chrono::Days::new(9)).to_string(),
        "beneficiaries": "5002991012010001"
    });
    let r = json_call(
        &a.router,
        "POST",
        "/api/projects",
        &dept,
        &token,
        proposal.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("部门申报的项目不登记受益户"), "{}", r.body);
    proposal["beneficiaries"] = serde_json::json!("");
    let r = json_call(&a.router, "POST", "/api/projects", &dept, &token, proposal).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let page = get(&a.router, &format!("/projects/{id}"), &dept).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("行业部门申报"), "{}", page.body);
    // The town sees it waiting for its review; the department still sees no household.
    let town = session(&a.router, "town").await;
    let waiting = get(&a.router, &format!("/projects/{id}"), &town).await;
    assert!(
        waiting.body.contains("id=\"project-review\""),
        "{}",
        waiting.body
    );
    assert_eq!(
        get(&a.router, "/households", &dept).await.status,
        StatusCode::FORBIDDEN
    );
}
