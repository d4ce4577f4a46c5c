//! Uploads that would make the server hold far more than they weigh: spreadsheet bombs and
//! files of endless problems are refused or summed up, in Chinese, with nothing written.

use crate::support::{multipart_to, upload};
use axum::http::StatusCode;
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_store::prelude::*;
use dixian_testkit::web::{app, get, hidden, session};

#[tokio::test]
async fn spreadsheet_bombs_are_refused_before_they_are_read() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let csrf = hidden(
        &get(&a.router, "/households/import", &town).await.body,
        "csrf",
    );
    let bomb = dixian_testkit::spreadsheet_bomb(64);
    assert!(bomb.len() < 512 * 1024, "{}", bomb.len());
    let county = DivisionCode::parse("500299000000").unwrap();
    let sys = Actor::system("t");
    let before = a.store.registry_counts(&sys, &county).await.unwrap();

    let r = upload(
        &a,
        &town,
        &[("csrf", &csrf), ("dry_run", "1")],
        Some(("农户.xlsx", &bomb)),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("已拒绝读取"), "{}", r.body);
    // No copy of the file is kept for download.
    assert!(!r.body.contains("/households/import/report/"), "{}", r.body);

    let leads = multipart_to(
        &a,
        &town,
        "/leads/import",
        &[("csrf", &csrf), ("dry_run", "1")],
        Some(("排查.xlsx", &bomb)),
    )
    .await;
    assert_eq!(leads.status, StatusCode::BAD_REQUEST, "{}", leads.body);
    assert!(leads.body.contains("已拒绝读取"), "{}", leads.body);
    assert_eq!(
        a.store.registry_counts(&sys, &county).await.unwrap(),
        before
    );
}

#[tokio::test]
async fn a_file_of_endless_problems_is_summed_up() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let csrf = hidden(
        &get(&a.router, "/households/import", &town).await.body,
        "csrf",
    );
    let template = get(&a.router, "/households/import/template.csv", &town).await;
    let header = template.body.lines().next().unwrap().to_string();
    let mut file = header;
    for i in 0..2_500 {
        // Every row: no name, nothing else a household needs.
        file.push_str(&format!("\n5002991012{:06},,,,,,,,,,,", 10_000 + i));
    }
    let r = upload(
        &a,
        &town,
        &[("csrf", &csrf), ("dry_run", "1")],
        Some(("农户.csv", file.as_bytes())),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("只列出前1000处"), "{}", &r.body[..2000]);
    // The headline counts every problem, not the lines listed.
    let total: usize = r
        .body
        .split("共")
        .nth(1)
        .and_then(|t| t.split("处问题").next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(total > 1_000, "{total}");
    assert!(r.body.contains(&format!("发现{total}处问题")), "headline");
    let listed = r.body.matches("必填，不能为空").count();
    assert!(listed <= 1_000, "{listed}");
}

#[tokio::test]
async fn a_photo_is_kept_by_what_it_is_not_by_its_name() {
    let a = crate::privacy::with_cases().await;
    let sys = Actor::system("t");
    let case = a
        .store
        .cases(
            &sys,
            &dixian_store::CaseFilter {
                within: Some(DivisionCode::parse("500299101201").unwrap()),
                limit: 10,
                ..dixian_store::CaseFilter::default()
            },
        )
        .await
        .unwrap()[0]
        .case
        .id;
    let village = session(&a.router, "village").await;
    let page = get(&a.router, &format!("/cases/{case}"), &village).await;
    let csrf = hidden(&page.body, "csrf");
    let uri = format!("/cases/{case}/attachments");
    let fields = [("csrf", csrf.as_str()), ("kind", "photo")];
    let before = a
        .store
        .case_file(&sys, case)
        .await
        .unwrap()
        .unwrap()
        .attachments
        .len();

    // A PNG header and then 7 MB of anything: refused as a damaged picture.
    let mut junk = b"\x89PNG\r\n\x1a\n".to_vec();
    junk.extend(std::iter::repeat_n(b'A', 7 << 20));
    let r = multipart_to(&a, &village, &uri, &fields, Some(("x.png", &junk))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("已损坏"), "{}", r.body);
    // A real PNG named x.html with a script glued after its end: kept as x.png, without it.
    let png = dixian_testkit::photo_png();
    let mut glued = png.clone();
    glued.extend_from_slice(b"<script>alert(document.cookie)</script>");
    let r = multipart_to(&a, &village, &uri, &fields, Some(("x.html", &glued))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let file = a.store.case_file(&sys, case).await.unwrap().unwrap();
    assert_eq!(file.attachments.len(), before + 1);
    let kept = file.attachments.last().unwrap();
    assert_eq!(kept.name, "x.png");
    assert_eq!(kept.content_type, "image/png");
    let got = get(
        &a.router,
        &format!("/cases/{case}/attachments/{}", kept.id),
        &village,
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.headers["content-type"], "image/png");
    assert!(
        got.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".png"),
        "{:?}",
        got.headers["content-disposition"]
    );
    assert!(!got.body.contains("<script>"));
}
