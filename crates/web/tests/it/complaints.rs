//! 投诉建议 end to end through the router: the public form and its defences, the answer by
//! code, staff sending their own, the county answering, the figure, export and reveal.

use crate::support::*;

async fn public_json(a: &App, uri: &str, body: &serde_json::Value) -> Reply {
    send(
        &a.router,
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    body.split(start)
        .nth(1)
        .and_then(|t| t.split(end).next())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_public_complains_and_the_county_answers() {
    let a = app().await;
    let page = get(&a.router, "/complaint?elder=1", "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("class=\"public elder\""));
    assert!(page.body.contains("name=\"kind\" value=\"complaint\""));
    let stamp = hidden(&page.body, "stamp");
    // The sign-in page leads here.
    assert!(
        get(&a.router, "/login", "")
            .await
            .body
            .contains("href=\"/complaint\"")
    );
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;

    // Every problem at once, each beside its field, and what was typed kept.
    let bad = public_post(
        &a,
        "/complaint",
        &form(&[
            ("stamp", &stamp),
            ("elder", "1"),
            ("text", "差"),
            ("name", "老李"),
            ("phone", "12345"),
        ]),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("id=\"complaint-errors\""), "{}", bad.body);
    assert!(bad.body.contains("请改正以下3处"), "{}", bad.body);
    assert!(bad.body.contains("value=\"老李\"") && bad.body.contains(">差</textarea>"));
    assert!(
        bad.body.contains("class=\"public elder\""),
        "the mode is kept"
    );

    let done = public_post(
        &a,
        "/complaint",
        &form(&[
            ("stamp", &stamp),
            ("kind", "complaint"),
            ("text", "村里公示名单贴在村委会里面，门锁着看不到"),
            ("phone", "13800001234"),
        ]),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let code = between(&done.body, "id=\"complaint-code\">", "<").to_string();
    assert!(code.starts_with("TS") && code.len() == 12, "{code}");
    let due = between(&done.body, "id=\"complaint-due\">", "<").to_string();
    assert!(!due.is_empty(), "the day due is said: {}", done.body);

    // The same over JSON; then the address has sent enough for a minute.
    let api = public_json(
        &a,
        "/api/complaint",
        &serde_json::json!({ "kind": "建议", "text": "希望申报页面能选方言语音输入" }),
    )
    .await;
    assert_eq!(api.status, StatusCode::CREATED, "{}", api.body);
    let answer: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert!(answer["code"].as_str().unwrap().starts_with("TS"));
    assert_eq!(answer["due_on"].as_str(), Some(due.as_str()));
    let flood = public_json(
        &a,
        "/api/complaint",
        &serde_json::json!({ "kind": "建议", "text": "再提一条建议试试看" }),
    )
    .await;
    assert_eq!(flood.status, StatusCode::TOO_MANY_REQUESTS);

    // The sender reads the progress by code.
    let open = public_post(
        &a,
        "/complaint/status",
        &form(&[("code", &code.to_lowercase())]),
    )
    .await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.body);
    assert!(open.body.contains("待答复") && open.body.contains(&format!("县里应在{due}前答复")));

    // A village officer sends one of their own, signed; no county list for them.
    let village = session(&a.router, "village").await;
    let list = get(&a.router, "/complaints", &village).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("id=\"handling\""));
    let csrf = hidden(&list.body, "csrf");
    let sent = post(
        &a.router,
        "/complaints",
        &village,
        &form(&[
            ("csrf", &csrf),
            ("kind", "suggestion"),
            ("text", "走访记录能否不强制上传照片"),
        ]),
        &[],
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert!(sent.location().starts_with("/complaints?done=sent&code=TS"));
    let mine = get(&a.router, sent.location(), &village).await;
    assert!(
        mine.body.contains("id=\"complaint-done\"")
            && mine.body.contains("走访记录能否不强制上传照片")
    );
    // A refused staff form keeps what was typed.
    let refused = post(
        &a.router,
        "/complaints",
        &village,
        &form(&[("csrf", &csrf), ("text", "短")]),
        &[],
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("请改正以下2处") && refused.body.contains(">短</textarea>"));

    // The town does not answer complaints; the county does.
    let town = session(&a.router, "town").await;
    assert!(
        !get(&a.router, "/complaints", &town)
            .await
            .body
            .contains("id=\"handling\"")
    );
    let county = session(&a.router, "county").await;
    let list = get(&a.router, "/complaints?status=open", &county).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("id=\"complaint-figure\""));
    assert!(list.body.contains("共 3 条"), "{}", list.body);
    let row = list.body.split("<tr").find(|r| r.contains(&code)).unwrap();
    let id: i64 = between(row, "href=\"/complaints/", "\"").parse().unwrap();
    let town_try = get(&a.router, &format!("/complaints/{id}"), &town).await;
    assert_eq!(town_try.status, StatusCode::NOT_FOUND);

    let detail = get(&a.router, &format!("/complaints/{id}"), &county).await;
    assert!(detail.body.contains("138****1234"), "{}", detail.body);
    let csrf = hidden(&detail.body, "csrf");
    // A forged answer (no token) is refused and changes nothing.
    let forged = post(
        &a.router,
        &format!("/complaints/{id}/reply"),
        &county,
        &form(&[("reply", "伪造的答复内容")]),
        &[],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let short = post(
        &a.router,
        &format!("/complaints/{id}/reply"),
        &county,
        &form(&[("csrf", &csrf), ("reply", "好")]),
        &[],
    )
    .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(short.body.contains("id=\"reply-errors\"") && short.body.contains(">好</textarea>"));
    let replied = post(
        &a.router,
        &format!("/complaints/{id}/reply"),
        &county,
        &form(&[
            ("csrf", &csrf),
            (
                "reply",
                "已要求石桥村把名单贴到村务公开栏，三日内拍照报乡镇",
            ),
        ]),
        &[],
    )
    .await;
    assert_eq!(replied.status, StatusCode::SEE_OTHER, "{}", replied.body);
    let after = get(&a.router, replied.location(), &county).await;
    assert!(after.body.contains("id=\"complaint-done\"") && after.body.contains("村务公开栏"));
    assert!(!after.body.contains("id=\"reply\""), "answered once");
    let answered = public_post(&a, "/complaint/status", &form(&[("code", &code)])).await;
    assert!(
        answered
            .body
            .contains("id=\"complaint-reply\">已要求石桥村"),
        "{}",
        answered.body
    );
    assert!(!answered.body.contains("138"), "nothing personal");

    // The phone in full: with a reason, audited.
    let shown = post(
        &a.router,
        &format!("/complaints/{id}/phone"),
        &county,
        &form(&[("csrf", &csrf), ("reason", "回电说明整改情况")]),
        &[],
    )
    .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("13800001234"));
    assert!(
        audit_actions(&a, "pii.reveal")
            .await
            .iter()
            .any(|r| r.detail.contains("回电说明整改情况"))
    );

    // The filtered list as a file, masked and audited.
    let csv = get(&a.router, "/complaints/export.csv?kind=complaint", &county).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains(&code) && csv.body.contains("138****1234"));
    assert!(!csv.body.contains("13800001234") && !csv.body.contains("方言"));
    assert_eq!(audit_actions(&a, "complaint.export").await.len(), 1);
    assert_eq!(audit_actions(&a, "complaint.create").await.len(), 3);
    assert_eq!(audit_actions(&a, "complaint.reply").await.len(), 1);
}
