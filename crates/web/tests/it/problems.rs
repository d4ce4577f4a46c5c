//! The problem ledger's pages: every count on the dashboard, 月清零 and 月调度, at county, town
//! and village level, opens a list with exactly that many problems; forms refuse forged,
//! stale, wrong and unauthorised input with Chinese messages and write nothing.

use dixian_store::prelude::*;

use crate::support::*;
use axum::http::StatusCode;
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;

async fn with_problems() -> App {
    let a = app().await;
    let code = |c: &str| DivisionCode::parse(c).unwrap();
    dixian_app::demo::problems::load_problems(
        a.store.as_ref(),
        &code("500299000000"),
        &code("500299101201"),
        1,
        dixian_app::today(),
    )
    .await
    .unwrap();
    a
}

/// Every `href="/problems?…">N<` on a page: the link and the number it shows.
fn counted_links(body: &str) -> Vec<(String, String)> {
    body.split("href=\"/problems?")
        .skip(1)
        .filter_map(|rest| {
            let (href, after) = rest.split_once('"')?;
            let after = after.strip_prefix('>')?;
            let shown: String = after.split('<').next().unwrap_or_default().to_string();
            let shown = if shown.trim().is_empty() {
                // A tile: the number is in its <strong>.
                after
                    .split("<strong>")
                    .nth(1)?
                    .split('<')
                    .next()?
                    .to_string()
            } else {
                shown
            };
            shown.trim().parse::<usize>().ok()?;
            Some((
                format!(
                    "/problems?{}",
                    href.replace("&#38;", "&").replace("&amp;", "&")
                ),
                shown.trim().to_string(),
            ))
        })
        .collect()
}

fn total(body: &str) -> String {
    body.split("id=\"total-problems\">")
        .nth(1)
        .and_then(|t| t.split('<').next())
        .unwrap_or_default()
        .to_string()
}

async fn check_page(a: &App, cookie: &str, page: &str) -> usize {
    let reply = get(&a.router, page, cookie).await;
    assert_eq!(reply.status, StatusCode::OK, "{page}: {}", reply.body);
    let links = counted_links(&reply.body);
    assert!(!links.is_empty(), "{page} has counted links");
    for (href, shown) in &links {
        let list = get(&a.router, href, cookie).await;
        assert_eq!(list.status, StatusCode::OK, "{href}: {}", list.body);
        assert_eq!(&total(&list.body), shown, "{page}: {href}");
    }
    links.len()
}

#[tokio::test]
async fn every_problem_count_lists_what_it_counts_at_every_level() {
    let a = with_problems().await;
    let month = dixian_app::today().format("%Y-%m").to_string();
    let previous = (dixian_app::today() - chrono::Days::new(31))
        .format("%Y-%m")
        .to_string();
    for user in ["county", "town", "village"] {
        let cookie = session(&a.router, user).await;
        let mut checked = 0;
        for page in [
            "/dashboard".to_string(),
            format!("/problems/clearing?month={month}"),
            format!("/problems/clearing?month={previous}"),
            format!("/problems/dispatch?month={month}"),
        ] {
            checked += check_page(&a, &cookie, &page).await;
        }
        assert!(checked >= 20, "{user}: {checked} counts checked");
    }
    // The dashboard names the households the way the pack in force does (2026: 防止返贫致贫对象).
    let town = session(&a.router, "town").await;
    let board = get(&a.router, "/dashboard", &town).await;
    assert!(
        board.body.contains("识别防止返贫致贫对象"),
        "{}",
        board.body
    );
    assert!(!board.body.contains("识别监测对象"));
    // The town's clearing lists only its villages; the village cannot open the town's.
    let page = get(&a.router, "/problems/clearing", &town).await;
    assert!(
        page.body.contains("石桥镇三保障及饮水安全问题月清零"),
        "{}",
        page.body
    );
    let village = session(&a.router, "village").await;
    for uri in [
        "/problems?area=500299101000",
        "/problems/clearing?area=500299000000",
        "/problems/dispatch?area=500299102000",
    ] {
        let r = get(&a.router, uri, &village).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}");
        assert!(r.body.contains("无权"), "{uri}");
    }
    // Words that are not a filter are named, not ignored.
    let county = session(&a.router, "county").await;
    let r = get(
        &a.router,
        "/problems?state=fixed&kind=roads&found=2026-13",
        &county,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    for says in ["状态“fixed”无效", "问题类型“roads”无效", "发现月份"] {
        assert!(r.body.contains(says), "{says}: {}", r.body);
    }
    let r = get(&a.router, "/problems/clearing?month=2026-13", &county).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("月份“2026-13”不存在"));

    // A head's name finds the household's problems; the filtered list exports whole, in
    // words, audited; a village may not export.
    let list = get(&a.router, "/problems?area=500299101000", &town).await;
    let head = list
        .body
        .split("data-label=\"户主\"><a href=\"/households/")
        .nth(1)
        .and_then(|r| r.split("\">").nth(1))
        .and_then(|r| r.split('<').next())
        .unwrap()
        .to_string();
    let found = get(
        &a.router,
        &format!("/problems?area=500299101000&{}", form(&[("q", &head)])),
        &town,
    )
    .await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(
        found.body.contains(&format!("查找：{head}")),
        "{}",
        found.body
    );
    let total: usize = found
        .body
        .split("id=\"total-problems\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(total >= 1);
    let link = found
        .body
        .split("href=\"/problems/export.csv?")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .replace("&#38;", "&");
    let file = get(&a.router, &format!("/problems/export.csv?{link}"), &town).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    let lines: Vec<&str> = file.body.lines().collect();
    assert_eq!(lines.len(), total + 1, "{}", file.body);
    assert!(lines[0].contains("问题编号,户编号,户主"));
    assert!(
        lines[1..].iter().all(|l| l.contains(&head)),
        "{}",
        file.body
    );
    let audits = audit_actions(&a, "problem.export").await;
    assert_eq!(audits.len(), 1);
    assert!(audits[0].detail.contains(&head), "{}", audits[0].detail);
    let denied = get(
        &a.router,
        "/problems/export.csv?area=500299101201",
        &village,
    )
    .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    // By a member's ID number, posted: that household's problems only, the number nowhere
    // on the page; a wrong number named; one outside the area found nowhere.
    let code = list
        .body
        .split("data-label=\"户主\"><a href=\"/households/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let number = demo_member_id(&code);
    let csrf = hidden(&list.body, "csrf");
    let found = post(
        &a.router,
        "/problems/find",
        &town,
        &form(&[
            ("csrf", &csrf),
            ("area", "500299101000"),
            ("id_number", &number),
        ]),
        &[],
    )
    .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert!(
        found.body.contains(&format!("户编号：{code}")),
        "{}",
        found.body
    );
    assert!(!found.body.contains(&number));
    let households: Vec<&str> = found
        .body
        .split("data-label=\"户主\"><a href=\"/households/")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .collect();
    assert!(!households.is_empty() && households.iter().all(|h| *h == code));
    let wrong = post(
        &a.router,
        "/problems/find",
        &town,
        &form(&[
            ("csrf", &csrf),
            ("area", "500299101000"),
            ("id_number", "5002"),
        ]),
        &[],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("身份证号："), "{}", wrong.body);
    let (_, outside) = demo_people();
    let elsewhere = post(
        &a.router,
        "/problems/find",
        &town,
        &form(&[
            ("csrf", &csrf),
            ("area", "500299101000"),
            ("id_number", &outside),
        ]),
        &[],
    )
    .await;
    assert!(
        elsewhere.body.contains("本辖区没有登记这个身份证号的人员"),
        "{}",
        elsewhere.body
    );
}

#[tokio::test]
async fn problem_forms_refuse_forged_stale_wrong_and_unauthorised_input() {
    let a = with_problems().await;
    let village = session(&a.router, "village").await;
    let sys = Actor::system("t");
    let count = || async { a.store.problems(&sys, None).await.unwrap().len() };
    let before = count().await;
    let page = get(
        &a.router,
        "/problems/new?household=5002991012010001&kind=water",
        &village,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("value=\"water\" selected"));
    let csrf = hidden(&page.body, "csrf");
    let fields = |csrf: &str, description: &str| {
        form(&[
            ("csrf", csrf),
            ("household", "5002991012010001"),
            ("kind", "water"),
            ("source", "visit"),
            ("description", description),
            ("found_by", "王村干"),
        ])
    };
    // Forged: no token.
    let r = post(&a.router, "/problems", &village, &fields("", "断水"), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Wrong: named, the form kept.
    let r = post(&a.router, "/problems", &village, &fields(&csrf, " "), &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("请填写问题描述"), "{}", r.body);
    assert!(r.body.contains("王村干"), "the form keeps what was typed");
    assert_eq!(count().await, before);
    // Another village's household: refused.
    let other = form(&[
        ("csrf", &csrf),
        ("household", "5002991022010001"),
        ("kind", "water"),
        ("source", "visit"),
        ("description", "断水"),
        ("found_by", "王村干"),
    ]);
    let r = post(&a.router, "/problems", &village, &other, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(count().await, before);

    let r = post(
        &a.router,
        "/problems",
        &village,
        &fields(&csrf, "旱季断水"),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let path = r.location().split('?').next().unwrap().to_string();
    assert_eq!(count().await, before + 1);
    let id: i64 = path.trim_start_matches("/problems/").parse().unwrap();

    let uri = format!("/problems/{id}/step");
    let step = |cookie: &str, fields: &[(&str, &str)]| {
        let fields: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let cookie = cookie.to_string();
        let (a, uri) = (&a, &uri);
        async move {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            multipart_to(a, &cookie, uri, &pairs, None).await
        }
    };
    // The village cannot strike it off, and the refusal says who can.
    let page = get(&a.router, &path, &village).await;
    assert!(!page.body.contains("id=\"problem-close\""));
    let r = step(
        &village,
        &[
            ("csrf", &csrf),
            ("version", "1"),
            ("action", "close"),
            ("note", ""),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("须由乡镇或县级审核人员办理"), "{}", r.body);
    // Refused for what was typed: every problem beside its field, the photo kept, so the
    // corrected form sends the kept one instead of a new upload.
    let tomorrow = (dixian_app::today() + chrono::Days::new(1)).to_string();
    let photo = dixian_testkit::photo_jpeg();
    let refused = multipart_to(
        &a,
        &village,
        &uri,
        &[
            ("csrf", &csrf),
            ("version", "1"),
            ("action", "resolve"),
            ("on", &tomorrow),
            ("note", " "),
        ],
        Some(("送水照片.jpg", &photo)),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let resolve_form = refused.body.split("id=\"problem-resolve\"").nth(1).unwrap();
    assert!(
        resolve_form.contains("未保存，请改正以下2处"),
        "{resolve_form}"
    );
    assert!(beside(resolve_form, "on").contains("晚于今天"));
    assert!(beside(resolve_form, "note").contains("请填写整改情况"));
    assert!(resolve_form.contains(&format!("value=\"{tomorrow}\"")));
    assert!(
        resolve_form.contains("保留已上传的文件：送水照片.jpg"),
        "{resolve_form}"
    );
    let kept = resolve_form
        .split("name=\"kept\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = step(
        &village,
        &[
            ("csrf", &csrf),
            ("version", "1"),
            ("action", "resolve"),
            ("note", "已送水"),
            ("kept", &kept),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let resolved = get(&a.router, &path, &village).await;
    assert!(
        resolved.body.contains("送水照片.jpg"),
        "the kept photo is the step's evidence: {}",
        resolved.body
    );
    assert!(
        !resolved.body.contains("（village）"),
        "officers by name, not login: {}",
        resolved.body
    );
    // A second form drawn at version 1 is stale.
    let r = step(
        &village,
        &[
            ("csrf", &csrf),
            ("version", "1"),
            ("action", "resolve"),
            ("note", "又送了一次"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("已被他人更新"), "{}", r.body);
    let town = session(&a.router, "town").await;
    let town_csrf = hidden(&get(&a.router, &path, &town).await.body, "csrf");
    let r = step(
        &town,
        &[
            ("csrf", &town_csrf),
            ("version", "2"),
            ("action", "close"),
            ("note", "核实到位"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = get(&a.router, &path, &town).await;
    assert!(page.body.contains("已销号"));
    assert!(
        !page.body.contains("id=\"problem-steps\""),
        "nothing left to do"
    );
    let r = step(
        &town,
        &[
            ("csrf", &town_csrf),
            ("version", "3"),
            ("action", "reopen"),
            ("note", "复查"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("问题已销号"), "{}", r.body);
    let audited = audit_actions(&a, "problem.step").await;
    assert_eq!(
        audited
            .iter()
            .filter(|r| r.target == format!("问题#{id}"))
            .count(),
        2
    );
}
