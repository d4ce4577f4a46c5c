//! Signing in, sessions, CSRF, lockout, rate limits and refusals of malformed forms.

use crate::support::*;

#[tokio::test]
async fn healthz_is_public_and_reports_the_database() {
    let a = app().await;
    let reply = get(&a.router, "/healthz", "").await;
    assert_eq!(reply.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        (v["status"].as_str(), v["database"].as_str()),
        (Some("ok"), Some("sqlite"))
    );
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    a.store.close().await;
    let reply = get(&a.router, "/healthz", "").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.body.contains("数据库"));
}

#[tokio::test]
async fn pages_need_a_login_with_safe_cookies() {
    let a = app().await;
    for path in ["/", "/divisions/500299000000", "/policy", "/account"] {
        let reply = get(&a.router, path, "").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        assert!(reply.location().starts_with("/login?next="), "{path}");
    }
    let reply = get(&a.router, "/", "dixian_session=forged").await;
    assert_eq!(reply.location(), "/login?next=/");
    // The sign-in page is where a household lands too: it leads to 困难申报 and its status.
    let page = get(&a.router, "/login", "").await;
    assert_eq!(page.status, StatusCode::OK);
    for part in [
        "href=\"/apply\" id=\"to-apply\">困难申报",
        "href=\"/apply/status\"",
    ] {
        assert!(page.body.contains(part), "{part}");
    }
    for public in ["/apply", "/apply/status"] {
        assert_eq!(
            get(&a.router, public, "").await.status,
            StatusCode::OK,
            "{public}"
        );
    }
    let (reply, cookie) = login(&a.router, "county", accounts::DEMO_PASSWORD).await;
    assert_eq!(reply.location(), "/");
    let set = reply.cookie("dixian_session").unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attr), "{set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP here");
    let home = get(&a.router, "/", &cookie).await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(home.headers["cache-control"], "no-store");
    assert!(home.body.contains("刘县级（县级管理员）"));
    let csp = home.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));

    assert!(
        !home.headers.contains_key("strict-transport-security"),
        "plain HTTP here"
    );

    let secure = app_with(true).await;
    let (reply, _) = login(&secure.router, "county", accounts::DEMO_PASSWORD).await;
    assert!(reply.cookie("dixian_session").unwrap().contains("; Secure"));
    // Issue 20, item 14: under HTTPS browsers are told to keep to it.
    assert_eq!(
        reply.headers["strict-transport-security"],
        "max-age=31536000"
    );
}

#[tokio::test]
async fn wrong_passwords_and_lockout() {
    let a = app().await;
    for _ in 0..4 {
        let (reply, cookie) = login(&a.router, "town", "Wrong#Pass1").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(reply.body.contains("账号或密码错误"));
        assert!(cookie.is_empty());
    }
    let (reply, _) = login(&a.router, "town", "Wrong#Pass1").await;
    assert!(reply.body.contains("账号已锁定"), "{}", reply.body);
    let (reply, _) = login(&a.router, "town", accounts::DEMO_PASSWORD).await;
    assert!(reply.body.contains("账号已锁定"));
    // A login form without its token (a forged cross-site login) is refused.
    let reply = post(
        &a.router,
        "/login",
        "",
        &form(&[
            ("username", "county"),
            ("password", accounts::DEMO_PASSWORD),
        ]),
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body.contains("来源无法验证"));
}

#[tokio::test]
async fn csrf_is_required_on_every_post() {
    let a = app().await;
    let c = session(&a.router, "county").await;
    let account = get(&a.router, "/account", &c).await;
    let csrf = hidden(&account.body, "csrf");
    assert_eq!(csrf.len(), 32);
    // Missing token, wrong token, foreign origin, cross-site fetch: all refused.
    for (body, extra) in [
        (String::new(), vec![]),
        (
            form(&[("csrf", "0123456789abcdef0123456789abcdef")]),
            vec![],
        ),
        (
            form(&[("csrf", &csrf)]),
            vec![("origin", "https://evil.example")],
        ),
        (
            form(&[("csrf", &csrf)]),
            vec![("sec-fetch-site", "cross-site")],
        ),
    ] {
        let reply = post(&a.router, "/logout", &c, &body, &extra).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{body} {extra:?}");
        assert!(reply.body.contains("请求来源无法验证"));
    }
    assert_eq!(
        get(&a.router, "/", &c).await.status,
        StatusCode::OK,
        "still logged in"
    );
    let audited = a
        .store
        .audit_records(
            &dixian_domain::access::Actor::system("test"),
            &dixian_store::AuditFilter::after(0, 10_000),
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "csrf.rejected")
        .count();
    assert_eq!(audited, 4);
    // The real thing logs out.
    let reply = post(
        &a.router,
        "/logout",
        &c,
        &form(&[("csrf", &csrf)]),
        &[
            ("origin", "http://dixian.test"),
            ("sec-fetch-site", "same-origin"),
        ],
    )
    .await;
    assert_eq!(reply.location(), "/login?out=1");
    assert_eq!(get(&a.router, "/", &c).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn forced_password_change_and_logout_everywhere() {
    let a = app().await;
    let accounts::Carried::Done(Some(temp)) = accounts::reset_password(
        a.store.as_ref(),
        &Argon2id::cheap_for_tests(),
        &Actor::system("t"),
        "village",
    )
    .await
    .unwrap() else {
        panic!("the system resets at once")
    };
    let (reply, c) = login(&a.router, "village", &temp).await;
    assert_eq!(reply.location(), "/account/password");
    let reply = get(&a.router, "/", &c).await;
    assert_eq!(
        reply.location(),
        "/account/password",
        "no page before the change"
    );
    let page = get(&a.router, "/account/password", &c).await;
    assert!(page.body.contains("首次登录或密码已到期"));
    let csrf = hidden(&page.body, "csrf");
    let change = |new: &str, confirm: &str| {
        form(&[
            ("csrf", &csrf),
            ("old", &temp),
            ("new", new),
            ("confirm", confirm),
        ])
    };
    let reply = post(
        &a.router,
        "/account/password",
        &c,
        &change("Qing#shan1", "Qing#shan2"),
        &[],
    )
    .await;
    assert!(reply.body.contains("两次输入的新密码不一致"));
    let reply = post(
        &a.router,
        "/account/password",
        &c,
        &change("simple", "simple"),
        &[],
    )
    .await;
    assert!(reply.body.contains("至少8位"));
    let reply = post(
        &a.router,
        "/account/password",
        &c,
        &change("Qing#shan1", "Qing#shan1"),
        &[],
    )
    .await;
    assert_eq!(reply.location(), "/account?changed=1");
    let account = get(&a.router, "/account?changed=1", &c).await;
    assert!(account.body.contains("密码已修改"));
    assert!(account.body.contains("杨村级") && account.body.contains("村级信息员"));
    assert!(account.body.contains("成功"), "login history");

    let (_, other) = login(&a.router, "village", "Qing#shan1").await;
    let reply = post(
        &a.router,
        "/account/logout-all",
        &c,
        &form(&[("csrf", &csrf)]),
        &[],
    )
    .await;
    assert_eq!(reply.location(), "/login?out=1");
    assert_eq!(
        get(&a.router, "/", &other).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn stylesheet_is_public() {
    let a = app().await;
    let reply = get(&a.router, "/static/app.css", "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(reply.body.contains("--accent"));
}

/// No dead ends: every link of a role's menu opens for that role.
#[tokio::test]
async fn every_menu_link_opens_for_its_role() {
    let a = app().await;
    for who in [
        "admin", "security", "auditor", "county", "town", "village", "cadre", "viewer", "yibao",
    ] {
        let s = session(&a.router, who).await;
        let home = get(&a.router, "/", &s).await;
        assert_eq!(home.status, StatusCode::OK, "{who}");
        let nav = home
            .body
            .split("<nav id=\"menu\" class=\"site\">")
            .nth(1)
            .and_then(|rest| rest.split("</nav>").next())
            .unwrap_or_default()
            .to_string();
        let links: Vec<&str> = nav
            .split("href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert!(links.len() >= 2, "{who}: {nav}");
        for link in links {
            let page = get(&a.router, link, &s).await;
            assert_eq!(page.status, StatusCode::OK, "{who} → {link}: {}", page.body);
        }
    }
}

#[tokio::test]
async fn each_role_sees_only_its_sections() {
    let a = app().await;
    // The three administrators get no registry figures, from pages or addresses.
    for who in ["admin", "security", "auditor", "yibao"] {
        let s = session(&a.router, who).await;
        let home = get(&a.router, "/", &s).await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains("您可以使用"), "{who}: {}", home.body);
        assert!(!home.body.contains(">600<"), "{who} sees counts");
        let div = get(&a.router, "/divisions/500299000000", &s).await;
        assert_eq!(div.status, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(
            get(&a.router, "/people", &s).await.status,
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    let admin = session(&a.router, "admin").await;
    let auditor = session(&a.router, "auditor").await;
    let county = session(&a.router, "county").await;
    let security = session(&a.router, "security").await;
    assert_eq!(
        get(&a.router, "/audit", &admin).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&a.router, "/audit", &county).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&a.router, "/admin/users", &auditor).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&a.router, "/admin/users", &county).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&a.router, "/admin/security", &admin).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&a.router, "/admin/security", &auditor).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&a.router, "/audit", &auditor).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&a.router, "/admin/users", &admin).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&a.router, "/admin/security", &security).await.status,
        StatusCode::OK
    );
    // The security administrator sees accounts and their state, but cannot change them.
    let list = get(&a.router, "/admin/users", &security).await;
    assert!(list.body.contains("village") && !list.body.contains("重置密码"));
    let header = get(&a.router, "/", &admin).await.body;
    assert!(header.contains("账号管理") && !header.contains("审计记录"));
    // Out-of-scope divisions: a real code and a made-up one are refused alike.
    let town = session(&a.router, "town").await;
    let real = get(&a.router, "/divisions/500299102000", &town).await;
    let fake = get(&a.router, "/divisions/500299199000", &town).await;
    assert_eq!(
        (real.status, fake.status),
        (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN)
    );
    assert_eq!(real.body, fake.body);
    // Every refusal is audited.
    assert_eq!(audit_actions(&a, "access.denied").await.len(), 16);
}

#[tokio::test]
async fn public_pages_are_rate_limited() {
    let a = app_limited(false, 5).await;
    for _ in 0..5 {
        assert_eq!(get(&a.router, "/healthz", "").await.status, StatusCode::OK);
    }
    let limited = get(&a.router, "/login", "").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.body.contains("请求过于频繁"), "{}", limited.body);
    let wait: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=12).contains(&wait), "{wait}");
    // Unknown addresses count too: scanners cannot probe freely.
    assert_eq!(
        get(&a.router, "/wp-login.php", "").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A signed-in user's pages are not public and are not counted.
    let b = app_limited(false, 3).await;
    let cookie = session(&b.router, "county").await;
    for _ in 0..5 {
        assert_eq!(get(&b.router, "/", &cookie).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn oversized_and_malformed_forms_get_chinese_refusals() {
    let a = app().await;
    let county = session(&a.router, "county").await;
    let page = get(&a.router, "/people", &county).await;
    let csrf = hidden(&page.body, "csrf");
    let big = form(&[("csrf", &csrf), ("id_number", &"1".repeat(100_000))]);
    let r = post(&a.router, "/people", &county, &big, &[]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        r.body.contains("提交的内容过大（表单上限64 KB）"),
        "{}",
        r.body
    );
    let r = post(
        &a.router,
        "/people/reveal",
        &county,
        &format!("csrf={csrf}&person_id=abc"),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("表单格式不正确"), "{}", r.body);
    // Malformed addresses and queries: Chinese for pages, the API's JSON for the API.
    for uri in ["/cases/abc", "/cases/%FF%FE", "/visits/abc/photos/1"] {
        let r = get(&a.router, uri, &county).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(
            r.body.contains("网址或提交的内容格式不正确"),
            "{uri}: {}",
            r.body
        );
    }
    let r = get(&a.router, "/api/cases/abc", &county).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(v["message"].as_str().unwrap().contains("格式不正确"), "{v}");
    // Forged as well as malformed: refused before it is read.
    let r = post(
        &a.router,
        "/people/reveal",
        &county,
        "csrf=x&person_id=abc",
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Nothing was revealed or looked up.
    assert!(audit_actions(&a, "pii.reveal").await.is_empty());
    assert!(audit_actions(&a, "person.lookup").await.is_empty());
}

/// Issue 20, item 6: after signing in, only a path of this site is followed; a tab or a line
/// break in `next` (which browsers drop, or which cannot be sent) leads home, without a 500.
#[tokio::test]
async fn login_never_redirects_off_the_site() {
    let a = app().await;
    for next in [
        "/\t/evil.example/",
        "/\r\n/evil.example/",
        "//evil.example/",
    ] {
        let page = get(&a.router, "/login", "").await;
        let csrf_cookie = page.cookie("dixian_login_csrf").unwrap();
        let csrf_cookie = csrf_cookie.split(';').next().unwrap().to_string();
        let reply = post(
            &a.router,
            "/login",
            &csrf_cookie,
            &form(&[
                ("csrf", &hidden(&page.body, "csrf")),
                ("next", next),
                ("username", "county"),
                ("password", accounts::DEMO_PASSWORD),
            ]),
            &[],
        )
        .await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "{next:?}: {}",
            reply.body
        );
        assert_eq!(reply.location(), "/", "{next:?}");
    }
}
