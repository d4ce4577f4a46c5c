//! What the web tests share beyond the testkit: the imports every module uses, and helpers for
//! multipart uploads and JSON calls.

pub(crate) use axum::body::Body;
pub(crate) use axum::http::{Request, StatusCode, header};
pub(crate) use chrono::NaiveDate;
pub(crate) use dixian_app::accounts::auth::SecurityPolicy;
pub(crate) use dixian_app::accounts::{self, Argon2id};
pub(crate) use dixian_app::demo;
pub(crate) use dixian_domain::access::Actor;
pub(crate) use dixian_domain::division::DivisionCode;
pub(crate) use dixian_store::prelude::*;
pub(crate) use dixian_testkit::web::*;
pub(crate) use tower::ServiceExt;

/// The demo's own records, regenerated: one person in the demo town 500299101000 and one in
/// another town.
pub(crate) fn demo_people() -> (String, String) {
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let all: Vec<_> = demo::Generator::new(&demo::divisions(1), 1, 600, as_of).collect();
    let town = DivisionCode::parse("500299101000").unwrap();
    let inside = all
        .iter()
        .find(|r| r.household.village.is_within(&town))
        .unwrap();
    let outside = all
        .iter()
        .find(|r| !r.household.village.is_within(&town))
        .unwrap();
    (
        inside.members[0].id_number.to_string(),
        outside.members[0].id_number.to_string(),
    )
}

/// The ID number of the last member of demo household `code`, regenerated as the web
/// fixture made it.
pub(crate) fn demo_member_id(code: &str) -> String {
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    demo::Generator::new(&demo::divisions(1), 1, 600, as_of)
        .find(|r| r.household.code.as_str() == code)
        .and_then(|r| r.members.last().map(|m| m.id_number.as_str().to_string()))
        .unwrap()
}

pub(crate) fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "dixianBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(crate) async fn upload(
    a: &App,
    cookie: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Reply {
    multipart_to(a, cookie, "/households/import", fields, file).await
}

/// Posts a multipart form (fields and at most one file) to `uri`.
pub(crate) async fn multipart_to(
    a: &App,
    cookie: &str,
    uri: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Reply {
    let (ctype, body) = multipart(fields, file);
    send(
        &a.router,
        Request::post(uri)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, ctype)
            .header(header::HOST, "dixian.test")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

pub(crate) async fn json_call(
    r: &axum::Router,
    method: &str,
    uri: &str,
    cookie: &str,
    token: &str,
    body: serde_json::Value,
) -> Reply {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::HOST, "dixian.test")
        .header("x-csrf-token", token)
        .body(Body::from(body.to_string()))
        .unwrap();
    send(r, req).await
}

/// A form posted without a session or address, as a public page receives it.
pub(crate) async fn public_post(a: &App, uri: &str, body: &str) -> Reply {
    send(
        &a.router,
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

/// What a page shows beside field `name`: from the field to the end of its label, where a
/// refused form puts the field's problem.
pub(crate) fn beside(body: &str, name: &str) -> String {
    body.split(&format!("name=\"{name}\""))
        .nth(1)
        .and_then(|rest| rest.split("</label>").next())
        .unwrap_or_default()
        .to_string()
}
