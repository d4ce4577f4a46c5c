//! The monitoring JSON API driven by other systems' service accounts (系统接入账号): a lead
//! through acceptance, verification with its signed consent, review, notice and inclusion,
//! then the cadre, a measure and a visit — JSON alone, each step by a token of the role the
//! policy names; tokens of another area or role refused and audited; revoked and expired
//! tokens refused. And the OpenAPI document against the router.

use crate::support::*;
use base64::Engine;
use dixian_app::accounts::NewAccount;
use dixian_app::accounts::service;
use serde_json::{Value, json};

async fn token_for(a: &App, username: &str, role: &str, division: &str) -> String {
    let input = NewAccount {
        username: username.into(),
        display_name: format!("{username}系统"),
        role: role.into(),
        division: division.into(),
        department: None,
    };
    service::create_service_account(
        a.store.as_ref(),
        &Argon2id::cheap_for_tests(),
        &Actor::system("test"),
        &input,
        "30",
        chrono::Utc::now(),
    )
    .await
    .unwrap()
    .token
}

async fn call(
    a: &App,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap();
    let reply = send(&a.router, req).await;
    let json = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    (reply.status, json)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn systems_drive_a_case_over_json_with_their_own_tokens() {
    let a = app().await;
    let d = |days: u64| (dixian_app::today() - chrono::Days::new(days)).to_string();
    let village = token_for(&a, "village-sys", "village_officer", "500299101201").await;
    let town = token_for(&a, "town-sys", "town_reviewer", "500299101000").await;
    let county = token_for(&a, "county-sys", "county_admin", "500299000000").await;
    let cadre = token_for(&a, "cadre-sys", "assistance_cadre", "500299101201").await;
    let elsewhere = token_for(&a, "other-sys", "town_reviewer", "500299102000").await;
    let household = "5002991012010001";

    // A village system registers a lead; a malformed body names its field.
    let (status, bad) = call(
        &a,
        "POST",
        "/api/leads",
        &village,
        Some(json!({ "village": 12 })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert_eq!(bad["field"], "village", "{bad}");
    let (status, lead) = call(
        &a,
        "POST",
        "/api/leads",
        &village,
        Some(json!({
            "village": "500299101201", "household": household, "channel": "cadre_survey",
            "source": "网格员系统", "reason": "户主务工受伤，收入中断", "hardships": ["05"],
            "received_on": d(21),
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{lead}");
    let lead_id = lead["id"].as_i64().unwrap();
    let (_, list) = call(&a, "GET", "/api/leads?status=pending", &town, None).await;
    assert!(
        list["leads"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == lead_id),
        "{list}"
    );

    // Another town's system neither sees nor accepts it; the village may not accept.
    let (_, theirs) = call(&a, "GET", "/api/leads?status=pending", &elsewhere, None).await;
    assert!(
        !theirs["leads"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == lead_id)
    );
    let uri = format!("/api/leads/{lead_id}/accept");
    let (status, e) = call(&a, "POST", &uri, &elsewhere, Some(json!({ "on": d(20) }))).await;
    assert!(
        matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{status} {e}"
    );
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
    let (status, e) = call(&a, "POST", &uri, &village, Some(json!({ "on": d(20) }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    let (status, accepted) = call(&a, "POST", &uri, &town, Some(json!({ "on": d(20) }))).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    let case = accepted["case_id"].as_i64().unwrap();

    // Verification with the signed consent attached first.
    let photo = dixian_testkit::photo_jpeg();
    let jpeg: &[u8] = &photo;
    let (status, att) = call(
        &a,
        "POST",
        &format!("/api/cases/{case}/attachments"),
        &village,
        Some(json!({ "kind": "consent", "name": "授权书.jpg", "data": b64(jpeg) })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{att}");
    let steps = format!("/api/cases/{case}/steps");
    let step = |body: Value| body;
    let (status, v) = call(
        &a,
        "POST",
        &steps,
        &village,
        Some(step(json!({
            "action": "verify", "version": 0, "visited_on": d(19), "on": d(19),
            "verifiers": "王村干、李镇干", "risk_types": ["05"], "category": "02",
            "comment": "右腿骨折，3个月不能务工", "consent_attachment": att["id"].to_string(),
        }))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = call(&a, "POST", &steps, &village, Some(json!({
        "action": "deliberate", "version": v["case"]["version"], "held_on": d(18), "attendees": "23",
        "agreed": true, "notice_from": d(18), "on": d(18),
    }))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = call(
        &a,
        "POST",
        &steps,
        &village,
        Some(json!({
        "action": "end_notice", "version": v["case"]["version"], "on": d(13) })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // The county cannot jump the town: refused with the rule, and audited.
    let (status, e) = call(
        &a,
        "POST",
        &steps,
        &county,
        Some(json!({
        "action": "approve", "version": v["case"]["version"], "on": d(13) })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("审核通过需由乡镇审核员办理"),
        "{e}"
    );
    let (status, v) = call(
        &a,
        "POST",
        &steps,
        &town,
        Some(json!({
        "action": "approve", "version": v["case"]["version"], "comment": "同意", "on": d(12) })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // A stale version is a conflict, not a second approval.
    let (status, _) = call(
        &a,
        "POST",
        &steps,
        &county,
        Some(json!({
        "action": "approve", "version": 2, "on": d(11) })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, v) = call(
        &a,
        "POST",
        &steps,
        &county,
        Some(json!({
        "action": "approve", "version": v["case"]["version"], "category": "02",
        "risk_types": ["05"], "on": d(11) })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["case"]["state"], "monitored", "{v}");

    // The town names the cadre; the village system adds a measure and a visit with a photo.
    let cadres = a
        .store
        .assistance_cadres(&Actor::system("test"))
        .await
        .unwrap();
    let cadre_id = cadres.iter().find(|c| c.username == "cadre").unwrap().id;
    let (status, v) = call(
        &a,
        "POST",
        &format!("/api/cases/{case}/cadre"),
        &town,
        Some(json!({
        "version": v["case"]["version"], "cadre": cadre_id.to_string(), "unit": "区农业农村委",
        "political": "中共党员", "start": d(10) })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let measure = json!({
        "version": v["case"]["version"], "type_code": "02", "content": "推荐到县内企业务工",
        "unit": "县人力社保局", "amount": "3,000", "status": "ongoing" });
    let measures = format!("/api/cases/{case}/measures");
    // A cadre's system works only on the households its account is assigned to.
    let (status, _) = call(&a, "POST", &measures, &cadre, Some(measure.clone())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, v) = call(&a, "POST", &measures, &village, Some(measure)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, bad) = call(&a, "POST", &format!("/api/cases/{case}/visits"), &village, Some(json!({
        "visitors": "张帮扶", "findings": "好转", "photos": [{ "name": "相片.jpg", "data": "不是base64" }] }))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["field"], "photos[0].data", "{bad}");
    let (status, visit) = call(&a, "POST", &format!("/api/cases/{case}/visits"), &village, Some(json!({
        "visitors": "张帮扶、村医", "findings": "腿伤好转，可做轻活", "follow_ups": "下月联系公益岗位",
        "photos": [{ "name": "相片.jpg", "data": b64(jpeg) }] }))).await;
    assert_eq!(status, StatusCode::CREATED, "{visit}");

    // What the systems read back: the case, its history, the list by drill-down filter.
    let (status, read) = call(&a, "GET", &format!("/api/cases/{case}"), &village, None).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["household"], household);
    assert_eq!(read["has_cadre"], true, "{read}");
    assert_eq!(read["measures"].as_array().unwrap().len(), 1, "{read}");
    assert_eq!(read["measures"][0]["amount_fen"], 300_000, "{read}");
    assert_eq!(
        read["visits"][0]["photos"].as_array().unwrap().len(),
        1,
        "{read}"
    );
    assert!(
        read["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "propose_elimination"),
        "{read}"
    );
    let (_, history) = call(
        &a,
        "GET",
        &format!("/api/cases/{case}/history"),
        &town,
        None,
    )
    .await;
    let done: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for code in [
        "open",
        "verify",
        "deliberate",
        "end_notice",
        "approve",
        "assign_cadre",
        "plan",
    ] {
        assert!(done.contains(&code), "{code}: {done:?}");
    }
    let (_, listed) = call(
        &a,
        "GET",
        &format!("/api/cases?state=monitored&household={household}"),
        &county,
        None,
    )
    .await;
    assert_eq!(listed["cases"].as_array().unwrap().len(), 1, "{listed}");
    let (status, e) = call(&a, "GET", "/api/cases?state=nonsense", &county, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["field"], "query");

    // The village system proposes elimination (the gates are judged at the exit verification).
    let (status, v) = call(
        &a,
        "POST",
        &steps,
        &village,
        Some(json!({
        "action": "propose_elimination", "version": read["version"], "mode": "1",
        "comment": "务工收入恢复" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["case"]["state"], "exit_verifying", "{v}");

    // Another town's token sees nothing of the case, and the refusal is audited.
    let (status, _) = call(&a, "GET", &format!("/api/cases/{case}"), &elsewhere, None).await;
    assert!(
        matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{status}"
    );
    let refused = audit_actions(&a, "api.refused").await;
    assert!(
        refused
            .iter()
            .any(|r| r.actor == "other-sys" && r.target.contains(&format!("/api/cases/{case}"))),
        "{refused:?}"
    );
    // Writes are in the audit trail under the system's own name, like a person's.
    let trail = a
        .store
        .audit_records(
            &Actor::system("test"),
            &dixian_store::AuditFilter::after(0, 10_000),
        )
        .await
        .unwrap();
    assert!(
        trail.iter().any(|r| r.actor == "town-sys"),
        "town system's writes audited"
    );
}

#[tokio::test]
async fn tokens_are_shown_once_stored_hashed_and_revocable() {
    let a = app().await;
    let sys = Actor::system("test");
    let issued = service::create_service_account(
        a.store.as_ref(),
        &Argon2id::cheap_for_tests(),
        &sys,
        &NewAccount {
            username: "yibao-sys".into(),
            display_name: "医保数据系统".into(),
            role: "viewer".into(),
            division: "500299000000".into(),
            department: None,
        },
        "7",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert!(issued.token.starts_with(service::TOKEN_PREFIX));
    let (status, _) = call(&a, "GET", "/api/cases", &issued.token, None).await;
    assert_eq!(status, StatusCode::OK);
    // Only the hash is kept: the list shows a hint, never the token.
    let listed = service::tokens(a.store.as_ref(), &sys).await.unwrap();
    let mine = listed.iter().find(|t| t.id == issued.token_id).unwrap();
    assert!(issued.token.starts_with(&mine.hint) && mine.hint.len() < issued.token.len());
    assert!(mine.last_used_at.is_some());
    // A service account cannot sign in on the page.
    let (reply, _) = login(&a.router, "yibao-sys", "anything").await;
    assert_ne!(reply.status, StatusCode::SEE_OTHER);
    // Revoked: refused at once, and the revocation is audited.
    service::revoke_token(a.store.as_ref(), &sys, issued.token_id)
        .await
        .unwrap();
    let (status, e) = call(&a, "GET", "/api/cases", &issued.token, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(e["message"].as_str().unwrap().contains("吊销"), "{e}");
    assert!(!audit_actions(&a, "service_token.revoke").await.is_empty());
    // Unknown and malformed tokens alike; a period longer than a year is refused.
    let (status, _) = call(&a, "GET", "/api/cases", "dxs_0000", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let too_long = service::issue_token(
        a.store.as_ref(),
        &sys,
        issued.user_id,
        "400",
        chrono::Utc::now(),
    )
    .await;
    assert!(too_long.unwrap_err().to_string().contains("1–366天"));
    // Expired: issued long ago.
    let old = service::issue_token(
        a.store.as_ref(),
        &sys,
        issued.user_id,
        "1",
        chrono::Utc::now() - chrono::Duration::days(3),
    )
    .await
    .unwrap();
    let (status, e) = call(&a, "GET", "/api/cases", &old.token, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(e["message"].as_str().unwrap().contains("过期"), "{e}");
    // A person's account gets no token.
    let town = a.store.user_by_username("town").await.unwrap().unwrap();
    let refused =
        service::issue_token(a.store.as_ref(), &sys, town.id, "30", chrono::Utc::now()).await;
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("不是系统接入账号")
    );
}

/// Every `/api/` route the router answers is in the document, and every documented
/// operation is answered by a route (a 404 "no such page" would mean it is missing).
#[tokio::test]
async fn the_openapi_document_and_the_router_agree() {
    let a = app().await;
    let doc: Value =
        serde_json::from_str(&get(&a.router, "/api/openapi.json", "").await.body).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let token = token_for(&a, "probe-sys", "county_admin", "500299000000").await;
    for (path, ops) in paths {
        let concrete = path
            .replace("{code}", "5002991012010001")
            .replace("{person}", "1")
            .replace("{id}", "1");
        for method in ops.as_object().unwrap().keys() {
            let req = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&concrete)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap();
            let reply = send(&a.router, req).await;
            assert_ne!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert!(
                !reply.body.contains("没有这个页面"),
                "{method} {path} is documented but no route answers"
            );
        }
    }
    // And the other way: every API route of the source is documented.
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut routes = Vec::new();
    collect_api_routes(&src, &mut routes);
    assert!(routes.len() >= 20, "{routes:?}");
    for route in routes {
        assert!(
            paths.contains_key(&route) || route == "/api/openapi.json",
            "{route} has a route but is not in /api/openapi.json"
        );
    }
}

fn collect_api_routes(dir: &std::path::Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_api_routes(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split(".route(").skip(1) {
                let Some(route) = part.trim_start().strip_prefix('"') else {
                    continue;
                };
                let route: String = route.chars().take_while(|c| *c != '"').collect();
                if route.starts_with("/api/") && !route.contains("{*") {
                    out.push(route);
                }
            }
        }
    }
}

/// The 系统管理员's page: a service account made with its first token (shown once), a
/// bad form kept with its problem named, the token used, then revoked from the page.
#[tokio::test]
async fn the_system_administrator_issues_and_revokes_tokens_on_the_page() {
    let a = app().await;
    let admin = session(&a.router, "admin").await;
    let page = get(&a.router, "/admin/tokens", &admin).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("还没有签发过接入令牌"));
    let csrf = hidden(&page.body, "csrf");
    let bad = post(
        &a.router,
        "/admin/tokens",
        &admin,
        &form(&[
            ("csrf", &csrf),
            ("username", "minzheng-sys"),
            ("display_name", "民政数据系统"),
            ("role", "viewer"),
            ("division", "500299000000"),
            ("days", "900"),
        ]),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("有效期“900”无效"), "{}", bad.body);
    assert!(
        bad.body.contains("value=\"minzheng-sys\""),
        "typed work kept"
    );
    let made = post(
        &a.router,
        "/admin/tokens",
        &admin,
        &form(&[
            ("csrf", &csrf),
            ("username", "minzheng-sys"),
            ("display_name", "民政数据系统"),
            ("role", "viewer"),
            ("division", "500299000000"),
            ("days", "30"),
        ]),
        &[],
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let token = made
        .body
        .split("<code class=\"code token\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(token.starts_with("dxs_"), "{token}");
    // The account serves only once a security administrator approves it (三员分立).
    assert!(made.body.contains("须经安全管理员审批"), "{}", made.body);
    let (status, _) = call(&a, "GET", "/api/cases", &token, None).await;
    assert_ne!(status, StatusCode::OK);
    dixian_testkit::approve_pending(a.store.as_ref()).await;
    let (status, _) = call(&a, "GET", "/api/cases", &token, None).await;
    assert_eq!(status, StatusCode::OK);
    // A further token for the account in use waits for approval too.
    let admin_user = a.store.user_by_username("admin").await.unwrap().unwrap();
    let admin_actor = Actor {
        user_id: Some(admin_user.id),
        name: "admin".into(),
        scope: dixian_domain::access::Scope::Within(admin_user.division),
        source: None,
        role: Some(admin_user.role),
    };
    let machine = a
        .store
        .user_by_username("minzheng-sys")
        .await
        .unwrap()
        .unwrap();
    let more = service::issue_token(
        a.store.as_ref(),
        &admin_actor,
        machine.id,
        "30",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let (status, _) = call(&a, "GET", "/api/cases", &more.token, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        get(&a.router, "/admin/tokens", &admin)
            .await
            .body
            .contains("待安全管理员审批")
    );
    dixian_testkit::approve_pending(a.store.as_ref()).await;
    let (status, _) = call(&a, "GET", "/api/cases", &more.token, None).await;
    assert_eq!(status, StatusCode::OK);
    // Listed by its first characters only; shown never again.
    let page = get(&a.router, "/admin/tokens", &admin).await;
    assert!(!page.body.contains(&token));
    assert!(page.body.contains(&token[..10]));
    assert!(page.body.contains("有效"));
    let users = get(&a.router, "/admin/users", &admin).await;
    assert!(users.body.contains("系统接入账号"), "{}", users.body);
    // The row of the first token (newest first, so after the one issued since).
    let id = page
        .body
        .split("id=\"token-")
        .skip(1)
        .find(|row| row.split("</tr>").next().unwrap().contains(&token[..10]))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let revoked = post(
        &a.router,
        "/admin/tokens/action",
        &admin,
        &form(&[("csrf", &csrf), ("action", "revoke"), ("token", &id)]),
        &[],
    )
    .await;
    assert!(
        revoked.body.contains(&format!("已吊销令牌#{id}")),
        "{}",
        revoked.body
    );
    let (status, _) = call(&a, "GET", "/api/cases", &token, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Only the 系统管理员: a county account gets no such page.
    let county = session(&a.router, "county").await;
    assert_eq!(
        get(&a.router, "/admin/tokens", &county).await.status,
        StatusCode::FORBIDDEN
    );
}

/// A household that can pass the exit checks once its income and assurance are recorded: in
/// the demo village, everyone insured, no child of school age out of school, someone who can
/// work, and no case yet.
async fn household_for_exit(a: &App) -> dixian_domain::registry::HouseholdRecord {
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let village = DivisionCode::parse("500299101201").unwrap();
    let today = dixian_app::today();
    for r in demo::Generator::new(&demo::divisions(1), 1, 600, as_of) {
        let living = || {
            r.members
                .iter()
                .filter(|m| m.status == dixian_domain::registry::LivingStatus::InHousehold)
        };
        let school_age = |m: &dixian_domain::registry::Person| {
            (6..=16).contains(&(today.years_since(m.birth_date).unwrap_or(0)))
        };
        let fits = r.household.village == village
            && living().count() >= 2
            && living().all(|m| m.medical_insurance)
            && living().all(|m| !school_age(m))
            && living().any(|m| m.labour.can_work());
        if !fits {
            continue;
        }
        let filter = dixian_store::CaseFilter {
            household: Some(r.household.code.clone()),
            limit: 10,
            ..Default::default()
        };
        if a.store
            .cases(&Actor::system("test"), &filter)
            .await
            .unwrap()
            .is_empty()
        {
            return r;
        }
    }
    panic!("the demo village has no household fit for the exit test");
}

/// Takes one step of case `steps` at its current `version`; gives the state after it.
async fn take(a: &App, steps: &str, token: &str, version: &mut i64, body: Value) -> String {
    let mut body = body;
    body["version"] = json!(*version);
    let (status, v) = call(a, "POST", steps, token, Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK, "{body} → {v}");
    *version = v["case"]["version"].as_i64().unwrap();
    v["case"]["state"].as_str().unwrap().to_string()
}

/// The whole procedure over JSON alone: a household declares itself (no account), the
/// village, town and county systems identify it, it is assisted, its income and assurance are
/// recorded, and half a year later its risk is eliminated. The declaration is made with the
/// router's clock set back; every later step is dated back as staff date them.
#[tokio::test]
async fn a_self_declared_household_is_identified_assisted_and_its_risk_eliminated_over_json() {
    let a = app().await;
    let d = |days: u64| (dixian_app::today() - chrono::Days::new(days)).to_string();
    let day = |days: u64| dixian_app::today() - chrono::Days::new(days);
    let village = token_for(&a, "village-sys", "village_officer", "500299101201").await;
    let town = token_for(&a, "town-sys", "town_reviewer", "500299101000").await;
    let county = token_for(&a, "county-sys", "county_admin", "500299000000").await;
    let r = household_for_exit(&a).await;
    let head = r
        .members
        .iter()
        .find(|m| m.relation.code() == "02")
        .unwrap_or(&r.members[0]);
    let code = r.household.code.as_str().to_string();

    // The household declares itself, 240 days ago, with no account at all.
    a.clock.set(Some(day(240)));
    let reply = send(
        &a.router,
        Request::post("/api/apply")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({
                    "name": head.name, "id_number": head.id_number.as_str(),
                    "phone": "13800000000", "village": "500299101201",
                    "hardships": ["05"], "text": "家里主要劳力受伤，收入断了",
                })
                .to_string(),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let declared: Value = serde_json::from_str(&reply.body).unwrap();
    assert!(
        declared["tracking_code"]
            .as_str()
            .unwrap()
            .starts_with("SB")
    );
    a.clock.set(None);

    // The town finds it among the pending leads and accepts it for the household.
    let (_, pending) = call(&a, "GET", "/api/leads?status=pending", &town, None).await;
    let lead = pending["leads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["channel"] == "self_declared" && l["received_on"] == d(240))
        .unwrap_or_else(|| panic!("{pending}"))
        .clone();
    let (status, accepted) = call(
        &a,
        "POST",
        &format!("/api/leads/{}/accept", lead["id"]),
        &town,
        Some(json!({ "household": code, "on": d(239) })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    let case = accepted["case_id"].as_i64().unwrap();
    let steps = format!("/api/cases/{case}/steps");
    let photo = dixian_testkit::photo_jpeg();
    let jpeg: &[u8] = &photo;
    let (_, att) = call(
        &a,
        "POST",
        &format!("/api/cases/{case}/attachments"),
        &village,
        Some(json!({ "kind": "consent", "name": "授权书.jpg", "data": b64(jpeg) })),
    )
    .await;
    let mut version = 0i64;
    take(
        &a,
        &steps,
        &village,
        &mut version,
        json!({ "action": "verify", "visited_on": d(238), "on": d(238),
        "verifiers": "王村干、李镇干", "risk_types": ["05"], "category": "02",
        "comment": "主要劳力受伤", "consent_attachment": att["id"].to_string() }),
    )
    .await;
    take(
        &a,
        &steps,
        &village,
        &mut version,
        json!({ "action": "deliberate", "held_on": d(237), "attendees": "21",
        "agreed": true, "notice_from": d(237), "on": d(237) }),
    )
    .await;
    take(
        &a,
        &steps,
        &village,
        &mut version,
        json!({ "action": "end_notice", "on": d(225) }),
    )
    .await;
    take(
        &a,
        &steps,
        &town,
        &mut version,
        json!({ "action": "approve", "comment": "同意", "on": d(224) }),
    )
    .await;
    let included = take(
        &a,
        &steps,
        &county,
        &mut version,
        json!({ "action": "approve", "category": "02",
        "risk_types": ["05"], "on": d(223) }),
    )
    .await;
    assert_eq!(included, "monitored");

    // Assistance: the cadre named, a measure carried out.
    let cadres = a
        .store
        .assistance_cadres(&Actor::system("test"))
        .await
        .unwrap();
    let cadre_id = cadres.iter().find(|c| c.username == "cadre").unwrap().id;
    let (status, v) = call(&a, "POST", &format!("/api/cases/{case}/cadre"), &town, Some(json!({
        "version": version, "cadre": cadre_id.to_string(), "unit": "区农业农村委", "start": d(222) }))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    version = v["case"]["version"].as_i64().unwrap();
    let (status, v) = call(&a, "POST", &format!("/api/cases/{case}/measures"), &village, Some(json!({
        "version": version, "type_code": "02", "content": "县内企业稳定务工", "unit": "县人力社保局",
        "start_on": d(220), "amount": "2000", "status": "ongoing" }))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    version = v["case"]["version"].as_i64().unwrap();

    // Half a year on, its income and assurance are recorded through the registry's API.
    let year = dixian_app::today()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap();
    let (status, v) = call(
        &a,
        "PUT",
        &format!("/api/households/{code}/income"),
        &village,
        Some(json!({
        "year": year, "wage": "96000", "reason": "年度收入核算" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v) = call(
        &a,
        "PUT",
        &format!("/api/households/{code}/assurance"),
        &village,
        Some(json!({
        "food_clothing": true, "housing": "a", "water_quantity": true, "water_quality": true,
        "water_convenience": true, "water_guarantee": true, "reason": "入户核查" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");

    // Elimination: proposed, verified against the gates, reviewed, noticed and confirmed.
    let state = take(
        &a,
        &steps,
        &village,
        &mut version,
        json!({ "action": "propose_elimination", "mode": "1",
        "comment": "务工收入稳定", "on": d(20) }),
    )
    .await;
    assert_eq!(state, "exit_verifying");
    take(
        &a,
        &steps,
        &village,
        &mut version,
        json!({ "action": "verify", "visited_on": d(19), "on": d(19),
        "verifiers": "王村干、李镇干", "stable_income_months": "6",
        "rigid_expenditure_resolved": true, "comment": "务工收入稳定，三保障无问题" }),
    )
    .await;
    take(
        &a,
        &steps,
        &village,
        &mut version,
        json!({ "action": "deliberate", "held_on": d(18), "attendees": "19",
        "agreed": true, "notice_from": d(18), "on": d(18) }),
    )
    .await;
    take(
        &a,
        &steps,
        &village,
        &mut version,
        json!({ "action": "end_notice", "on": d(5) }),
    )
    .await;
    take(
        &a,
        &steps,
        &town,
        &mut version,
        json!({ "action": "approve", "comment": "同意消除", "on": d(4) }),
    )
    .await;
    let done = take(
        &a,
        &steps,
        &county,
        &mut version,
        json!({ "action": "approve", "on": d(3) }),
    )
    .await;
    assert_eq!(done, "eliminated");

    // The history tells it all, and the household's figures count it as eliminated.
    let (_, history) = call(
        &a,
        "GET",
        &format!("/api/cases/{case}/history"),
        &county,
        None,
    )
    .await;
    let actions: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.first(), Some(&"open"), "{actions:?}");
    assert!(actions.contains(&"propose_elimination"), "{actions:?}");
    let (_, listed) = call(
        &a,
        "GET",
        &format!("/api/cases?state=eliminated&household={code}"),
        &county,
        None,
    )
    .await;
    assert_eq!(listed["cases"].as_array().unwrap().len(), 1, "{listed}");
}

/// The other capabilities' endpoints, each as the system that would call it: a medical
/// insurance system delivers its month (a bad row named by row and column), the county runs
/// the screening and reads its runs, problems are registered, fixed and struck off, and a
/// provincial platform reads the dashboard (each figure's list answering the same count) and
/// the bulletin.
#[tokio::test]
async fn departments_problems_screening_dashboard_and_bulletin_over_json() {
    let a = app().await;
    let r = demo::Generator::new(
        &demo::divisions(1),
        1,
        600,
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
    )
    .find(|r| r.household.village.as_str() == "500299101201")
    .unwrap();
    let member = r.members[0].id_number.as_str().to_string();
    let input = NewAccount {
        username: "yibao-sys".into(),
        display_name: "医保结算系统".into(),
        role: "department_officer".into(),
        division: "500299000000".into(),
        department: Some("医保".into()),
    };
    let medical = service::create_service_account(
        a.store.as_ref(),
        &Argon2id::cheap_for_tests(),
        &Actor::system("test"),
        &input,
        "30",
        chrono::Utc::now(),
    )
    .await
    .unwrap()
    .token;
    let county = token_for(&a, "county-sys", "county_admin", "500299000000").await;
    let village = token_for(&a, "village-sys", "village_officer", "500299101201").await;
    let town = token_for(&a, "town-sys", "town_reviewer", "500299101000").await;

    // Feeds: the file as the body; a bad date named by row and column; delivered once.
    let csv = format!(
        "身份证号,姓名,结算日期,医疗总费用(元),个人自付(元)\n\
         {member},村民,2026-10-08,128000.50,95230.20\n\
         {member},村民,2026-10-40,100,50\n"
    );
    let deliver = |query: &str| {
        Request::post(format!("/api/feeds?{query}"))
            .header(header::AUTHORIZATION, format!("Bearer {medical}"))
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(csv.clone()))
            .unwrap()
    };
    let checked = send(
        &a.router,
        deliver("department=medical&period=2026-10&name=十月.csv&check_only=1"),
    )
    .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    let checked: Value = serde_json::from_str(&checked.body).unwrap();
    assert_eq!(checked["problems"][0]["row"], 3, "{checked}");
    assert_eq!(checked["problems"][0]["column"], "结算日期", "{checked}");
    assert!(checked["delivered"].is_null());
    let sent = send(
        &a.router,
        deliver("department=medical&period=2026-10&name=十月.csv"),
    )
    .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let sent: Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(sent["delivered"]["status"], "recorded", "{sent}");
    let wrong = send(&a.router, deliver("department=deaths&period=2026-10")).await;
    assert!(wrong.status.is_client_error(), "{}", wrong.body);
    let bad = send(&a.router, deliver("department=medical&period=2026-13")).await;
    let bad: Value = serde_json::from_str(&bad.body).unwrap();
    assert_eq!(bad["field"], "period", "{bad}");
    let (_, list) = call(&a, "GET", "/api/feeds", &medical, None).await;
    assert_eq!(list["deliveries"].as_array().unwrap().len(), 1, "{list}");

    // Screening: the county runs it; the medical system may not.
    let (status, _) = call(&a, "POST", "/api/screening/runs", &medical, Some(json!({}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, run) = call(&a, "POST", "/api/screening/runs", &county, Some(json!({}))).await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    assert!(run["households"].as_u64().unwrap() > 0, "{run}");
    let (_, runs) = call(&a, "GET", "/api/screening/runs", &county, None).await;
    assert_eq!(runs["runs"][0]["id"], run["run_id"], "{runs}");

    // Problems: registered by the village, fixed with evidence, struck off by the town.
    let (status, made) = call(
        &a,
        "POST",
        "/api/problems",
        &village,
        Some(json!({
        "household": r.household.code.as_str(), "kind": "housing", "source": "visit",
        "description": "屋顶漏雨", "found_by": "村网格员" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_i64().unwrap();
    let (_, p) = call(&a, "GET", &format!("/api/problems/{id}"), &town, None).await;
    assert_eq!(p["state"], "open", "{p}");
    let steps = format!("/api/problems/{id}/steps");
    let (status, e) = call(
        &a,
        "POST",
        &steps,
        &village,
        Some(json!({
        "action": "close", "version": p["version"].to_string() })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    let photo = dixian_testkit::photo_jpeg();
    let jpeg: &[u8] = &photo;
    let (status, v) = call(
        &a,
        "POST",
        &steps,
        &village,
        Some(json!({
        "action": "resolve", "version": p["version"].to_string(), "note": "已维修",
        "files": [{ "name": "修好.jpg", "data": b64(jpeg) }] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (_, p) = call(&a, "GET", &format!("/api/problems/{id}"), &town, None).await;
    assert_eq!(p["events"][0]["files"].as_array().unwrap().len(), 1, "{p}");
    let (status, v) = call(
        &a,
        "POST",
        &steps,
        &town,
        Some(json!({
        "action": "close", "version": p["version"].to_string(), "note": "核实" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (_, closed) = call(
        &a,
        "GET",
        &format!(
            "/api/problems?household={}&state=closed",
            r.household.code.as_str()
        ),
        &town,
        None,
    )
    .await;
    assert!(
        closed["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == id),
        "{closed}"
    );

    // The town accepts one of the screening's leads: a case being identified.
    let (_, pending) = call(
        &a,
        "GET",
        "/api/leads?status=pending&area=500299101000",
        &town,
        None,
    )
    .await;
    let warning = pending["leads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["channel"] == "screening" && l["household"].is_string())
        .unwrap_or_else(|| panic!("{pending}"))
        .clone();
    let (status, v) = call(
        &a,
        "POST",
        &format!("/api/leads/{}/accept", warning["id"]),
        &town,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");

    // Dashboard: every figure carries its list, and the list has as many households.
    let (status, board) = call(&a, "GET", "/api/dashboard?area=500299101000", &county, None).await;
    assert_eq!(status, StatusCode::OK, "{board}");
    let identified = &board["identifying"];
    assert!(identified["households"].as_i64().unwrap() > 0, "{board}");
    let (_, listed) = call(
        &a,
        "GET",
        identified["api"].as_str().unwrap(),
        &county,
        None,
    )
    .await;
    assert_eq!(
        listed["cases"].as_array().unwrap().len() as i64,
        identified["households"].as_i64().unwrap(),
        "{}",
        identified["api"]
    );
    let (status, _) = call(
        &a,
        "GET",
        "/api/dashboard?area=500299102000",
        &village,
        None,
    )
    .await;
    assert!(
        matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{status}"
    );

    // Bulletin: sentences and figures of the month; a wrong month named.
    let (status, b) = call(&a, "GET", "/api/bulletin?month=2026-10", &county, None).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert!(!b["paragraphs"].as_array().unwrap().is_empty(), "{b}");
    assert!(b["headline"]["identified"]["households"].is_i64(), "{b}");
    assert!(b["divisions"].as_array().unwrap().len() >= 2, "{b}");
    let (status, e) = call(&a, "GET", "/api/bulletin?month=2026-13", &county, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["field"], "month");
}

/// Malformed calls are refused in Chinese, naming the field and never a Rust type; the
/// statuses say what is wrong (400, 415, 404 in JSON for an unknown address).
#[tokio::test]
async fn malformed_api_calls_are_refused_in_chinese() {
    let a = app().await;
    let village = token_for(&a, "village-sys", "village_officer", "500299101201").await;
    let (status, e) = call(&a, "POST", "/api/leads", &village, Some(json!([]))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert!(!e["message"].as_str().unwrap().contains("struct"), "{e}");
    let (status, e) = call(
        &a,
        "POST",
        "/api/leads/1/decline",
        &village,
        Some(json!({ "on": 5 })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["field"], "on", "{e}");
    let no_type = Request::post("/api/leads")
        .header(header::AUTHORIZATION, format!("Bearer {village}"))
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(
        send(&a.router, no_type).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let broken = Request::post("/api/leads")
        .header(header::AUTHORIZATION, format!("Bearer {village}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"village\": "))
        .unwrap();
    let reply = send(&a.router, broken).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("不是正确的 JSON"), "{}", reply.body);
    let (status, e) = call(&a, "GET", "/api/no-such-thing", &village, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        e["message"].as_str().unwrap().contains("没有这个接口"),
        "{e}"
    );
}

/// What the hostile review asked for: no 三员 role for a machine, a disabled account's tokens
/// end with it, refused tokens leave a trace, tokens cannot be probed by id, and only a
/// department may have its file read.
#[tokio::test]
async fn service_accounts_are_kept_in_bounds() {
    let a = app().await;
    let sys = Actor::system("test");
    let hashing = Argon2id::cheap_for_tests();
    let account = |username: &str, role: &str| NewAccount {
        username: username.into(),
        display_name: format!("{username}系统"),
        role: role.into(),
        division: "500299000000".into(),
        department: None,
    };
    let admin_role = service::create_service_account(
        a.store.as_ref(),
        &hashing,
        &sys,
        &account("root-sys", "system_admin"),
        "30",
        chrono::Utc::now(),
    )
    .await;
    assert!(
        admin_role
            .unwrap_err()
            .to_string()
            .contains("不能是系统管理员")
    );
    // Disabled: every token ends, and enabling the account again does not bring them back.
    let issued = service::create_service_account(
        a.store.as_ref(),
        &hashing,
        &sys,
        &account("viewer-sys", "viewer"),
        "30",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        call(&a, "GET", "/api/cases", &issued.token, None).await.0,
        StatusCode::OK
    );
    accounts::set_disabled(a.store.as_ref(), &sys, "viewer-sys", true)
        .await
        .unwrap();
    accounts::set_disabled(a.store.as_ref(), &sys, "viewer-sys", false)
        .await
        .unwrap();
    assert_eq!(
        call(&a, "GET", "/api/cases", &issued.token, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert!(!audit_actions(&a, "service_token.rejected").await.is_empty());
    // A viewer's system may not have a department's file read, not even to check it.
    let fresh = service::issue_token(
        a.store.as_ref(),
        &sys,
        issued.user_id,
        "30",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let check = Request::post("/api/feeds?department=medical&period=2026-10&check_only=1")
        .header(header::AUTHORIZATION, format!("Bearer {}", fresh.token))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from("身份证号,姓名\n"))
        .unwrap();
    assert_eq!(send(&a.router, check).await.status, StatusCode::FORBIDDEN);
    // An unknown token id is refused like another area's; a revoked one cannot be revoked twice.
    let unknown = service::revoke_token(a.store.as_ref(), &sys, 999_999).await;
    assert!(matches!(
        unknown,
        Err(dixian_app::AppError::Store(
            dixian_store::StoreError::Forbidden
        ))
    ));
    let again = service::revoke_token(a.store.as_ref(), &sys, issued.token_id).await;
    assert!(again.unwrap_err().to_string().contains("已经吊销"));
}

/// The village work's JSON API answers what the pages show, within the caller's area:
/// villages with their income against the target and the designation filter, a village's
/// file, the weak-village programme, the rectification ledger, the teams and a team's month.
#[tokio::test]
async fn village_work_is_read_through_the_api() {
    let a = app().await;
    let county_code = DivisionCode::parse("500299000000").unwrap();
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    dixian_app::demo::villages::load_villages(a.store.as_ref(), &county_code, 1, as_of)
        .await
        .unwrap();
    let county = token_for(&a, "county-sys", "county_admin", "500299000000").await;
    let town = token_for(&a, "town-sys", "town_reviewer", "500299101000").await;
    let codes = |v: &Value| -> Vec<String> {
        v["villages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["code"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, all) = call(&a, "GET", "/api/villages?year=2025", &county, None).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all["year"], 2025);
    let every = codes(&all);
    assert!(every.len() > 10, "{all}");
    assert!(
        all["villages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["operating_fen"].as_i64().is_some_and(|f| f > 0)),
        "{all}"
    );
    let (_, key) = call(
        &a,
        "GET",
        "/api/villages?year=2025&designation=key_town",
        &county,
        None,
    )
    .await;
    let keyed = codes(&key);
    assert!(!keyed.is_empty() && keyed.len() < every.len(), "{key}");
    assert!(
        key["villages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["designation_codes"].to_string().contains("key_town"))
    );
    // The dashboard's figures narrowed to a designation: its two key towns only.
    let (status, board) = call(
        &a,
        "GET",
        "/api/dashboard?designation=key_town",
        &county,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{board}");
    assert_eq!(
        board["designation"]["name"], "乡村振兴重点帮扶乡镇",
        "{board}"
    );
    assert_eq!(
        board["children"].as_array().map(Vec::len),
        Some(2),
        "{board}"
    );
    assert!(
        board["identified"]["api"]
            .as_str()
            .is_some_and(|h| h.contains("designation=key_town")),
        "{board}"
    );
    let (status, e) = call(&a, "GET", "/api/dashboard?designation=nope", &county, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert!(
        e["message"].as_str().unwrap_or_default().contains("nope"),
        "{e}"
    );
    for bad in ["year=1990", "year=明年", "designation=重点村", "area=县"] {
        let (status, e) = call(&a, "GET", &format!("/api/villages?{bad}"), &county, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {e}");
        assert!(!e["message"].as_str().unwrap_or_default().is_empty(), "{e}");
    }
    // A town's token sees its own villages only; another town's village is not found.
    let (_, mine) = call(&a, "GET", "/api/villages?year=2025", &town, None).await;
    assert!(codes(&mine).iter().all(|c| c.starts_with("500299101")));
    let elsewhere = every.iter().find(|c| !c.starts_with("500299101")).unwrap();
    let (status, _) = call(
        &a,
        "GET",
        &format!("/api/villages/{elsewhere}"),
        &town,
        None,
    )
    .await;
    assert!(status.is_client_error(), "{status}");
    let (status, file) = call(&a, "GET", "/api/villages/500299101201", &town, None).await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(file["code"], "500299101201");
    assert!(
        file["years"].as_array().is_some_and(|y| !y.is_empty()),
        "{file}"
    );

    // The weak-village programme and the ledger it lives in.
    let (_, weak) = call(&a, "GET", "/api/villages/weak", &county, None).await;
    if !weak["programme"].is_null() {
        let ranking = weak["ranking"].as_array().unwrap();
        assert_eq!(ranking.len(), every.len(), "every village is ranked");
        assert!(ranking.iter().any(|l| l["chosen"] == true), "{weak}");
    }
    let (status, ledger) = call(&a, "GET", "/api/rectification", &county, None).await;
    assert_eq!(status, StatusCode::OK, "{ledger}");
    let items = ledger["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{ledger}");
    let (_, closed) = call(&a, "GET", "/api/rectification?state=closed", &county, None).await;
    let closed = closed["items"].as_array().unwrap();
    assert!(closed.iter().all(|i| i["state"] == "closed"));
    assert_eq!(closed.len() as u64, ledger["closed"].as_u64().unwrap());
    let (status, _) = call(&a, "GET", "/api/rectification?state=gone", &county, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Teams, ID numbers masked, and a month of one of them.
    let (_, teams) = call(&a, "GET", "/api/teams", &county, None).await;
    let list = teams["teams"].as_array().unwrap();
    assert!(!list.is_empty(), "{teams}");
    let member = &list[0]["members"][0];
    assert!(
        member["id_number"].as_str().unwrap().contains('*'),
        "{member}"
    );
    let id = list[0]["id"].as_i64().unwrap();
    let (status, month) = call(
        &a,
        "GET",
        &format!("/api/teams/{id}/month?month=2026-10"),
        &county,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{month}");
    assert_eq!(month["month"], "2026-10");

    // Cadres: pairings within the caller's area, the year's 遍访 coverage with what is still
    // to visit, the information-officer grid with its vacancies.
    let (status, pairs) = call(&a, "GET", "/api/pairings", &county, None).await;
    assert_eq!(status, StatusCode::OK, "{pairs}");
    assert!(
        pairs["pairings"].as_array().is_some_and(|p| !p.is_empty()),
        "{pairs}"
    );
    let (_, town_pairs) = call(&a, "GET", "/api/pairings", &town, None).await;
    let theirs = town_pairs["pairings"].as_array().unwrap();
    assert!(!theirs.is_empty() && theirs.len() < pairs["pairings"].as_array().unwrap().len());
    assert!(
        theirs
            .iter()
            .all(|p| p["division"].as_str().unwrap().starts_with("500299101")),
        "{town_pairs}"
    );
    let (status, tours) = call(&a, "GET", "/api/tours?year=2026", &county, None).await;
    assert_eq!(status, StatusCode::OK, "{tours}");
    let coverage = tours["coverage"].as_array().unwrap();
    assert!(!coverage.is_empty(), "{tours}");
    for l in coverage {
        let (done, due) = (l["done"].as_u64().unwrap(), l["due"].as_u64().unwrap());
        assert_eq!(l["met"], done >= due, "{l}");
        assert!(
            done >= due || !l["missing"].as_array().unwrap().is_empty(),
            "an unmet line names who is still to visit: {l}"
        );
    }
    let (status, e) = call(&a, "GET", "/api/tours?year=1999", &county, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert!(e["message"].as_str().unwrap().contains("1999"), "{e}");
    let (status, grid) = call(&a, "GET", "/api/grid", &county, None).await;
    assert_eq!(status, StatusCode::OK, "{grid}");
    let lines = grid["lines"].as_array().unwrap();
    assert!(
        lines.len() > 300,
        "the county, its towns and villages: {}",
        lines.len()
    );
    assert_eq!(
        grid["vacancies"].as_u64(),
        Some(lines.iter().map(|l| l["vacancies"].as_u64().unwrap()).sum()),
        "{}",
        grid["vacancies"]
    );
    let (status, _) = call(&a, "GET", "/api/grid?area=500299102000", &town, None).await;
    assert!(status.is_client_error(), "{status}");
    let (status, _) = call(
        &a,
        "GET",
        &format!("/api/teams/{id}/month?month=2026-13"),
        &county,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
