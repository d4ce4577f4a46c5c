//! Browser end-to-end tests: headless Chromium, driven through chromedriver, against the real
//! server. The test script starts chromedriver and sets `DIXIAN_TEST_WEBDRIVER`; with
//! `DIXIAN_REQUIRE_BROWSER=1` a missing driver fails the run instead of skipping.

use crate::support::demo_server;
use dixian_testkit::two_person_rows;
use fantoccini::{Client, ClientBuilder, Locator};
use std::time::Duration;

pub struct Browser {
    pub client: Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Option<Browser> {
        let Ok(driver) = std::env::var("DIXIAN_TEST_WEBDRIVER") else {
            assert!(
                std::env::var("DIXIAN_REQUIRE_BROWSER").is_err(),
                "DIXIAN_REQUIRE_BROWSER is set but DIXIAN_TEST_WEBDRIVER is not"
            );
            eprintln!("skipped: DIXIAN_TEST_WEBDRIVER not set");
            return None;
        };
        let profile = tempfile::tempdir().unwrap();
        let chromium =
            std::env::var("DIXIAN_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--lang=zh-CN",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&driver)
            .await
            .unwrap();
        Some(Browser {
            client,
            _profile: profile,
        })
    }

    /// Clicks `element` and waits until the browser shows a new, fully loaded document: a
    /// click returns before the navigation it starts, and the old page may still be showing.
    pub async fn click_and_wait(&self, element: fantoccini::elements::Element) {
        self.client
            .execute("window.__dixianOldPage = true; return true;", vec![])
            .await
            .unwrap();
        element.click().await.unwrap();
        for _ in 0..200 {
            let ready = self
                .client
                .execute(
                    "return window.__dixianOldPage === undefined && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            // While the old document unloads, scripts may fail; that just means "not yet".
            if matches!(ready, Ok(serde_json::Value::Bool(true))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no new page after the click");
    }

    pub async fn click_link(&self, text: &str) {
        let link = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::LinkText(text))
            .await
            .unwrap();
        self.click_and_wait(link).await;
    }

    pub async fn text(&self, css: &str) -> String {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Fills and submits the login form at `base`.
    pub async fn login(&self, base: &str, username: &str, password: &str) {
        self.client.goto(&format!("{base}/login")).await.unwrap();
        self.fill("input[name=username]", username).await;
        self.fill("input[name=password]", password).await;
        self.submit("form.stack button").await;
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let input = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap();
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    }

    /// Picks the option with `value` in the select at `css`.
    pub async fn choose(&self, css: &str, value: &str) {
        self.client
            .execute(
                "const s = document.querySelector(arguments[0]); s.value = arguments[1]; return s.value;",
                vec![serde_json::json!(css), serde_json::json!(value)],
            )
            .await
            .unwrap();
    }

    pub async fn submit(&self, css: &str) {
        let button = self.client.find(Locator::Css(css)).await.unwrap();
        self.click_and_wait(button).await;
    }

    /// Empty when the page fits the window's width; otherwise the widest elements that stick
    /// out, so a failure says what to fix.
    pub async fn overflow(&self) -> String {
        self.client
            .execute(
                "if (document.documentElement.scrollWidth <= window.innerWidth) return '';
                 return Array.from(document.querySelectorAll('body *'))
                   .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                   .slice(-3)
                   .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + 'px: ' + (e.textContent || '').slice(0, 40))
                   .join(' | ');",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The `href` of the element at `css`.
    pub async fn href(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap()
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_string()
    }

    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }

    pub async fn close(self) {
        self.client.close().await.unwrap();
    }
}

#[tokio::test]
async fn drill_down_from_home_to_policy() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (_dir, server) = demo_server("600", "11");
    let base = format!("http://{}", server.addr);
    b.client.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(
        b.client.title().await.unwrap(),
        "登录 · 底线",
        "pages need a login"
    );
    b.login(&base, "county", "Dixian@2026").await;
    assert_eq!(b.client.title().await.unwrap(), "首页 · 底线");
    assert!(b.text("header .who").await.contains("刘县级（县级管理员）"));
    assert!(b.text("table.figures").await.contains("600"));

    b.click_link("青山县").await;
    assert!(b.text("h1").await.starts_with("青山县"));
    let towns = b
        .client
        .find_all(Locator::Css("table.figures tbody tr"))
        .await
        .unwrap();
    assert_eq!(towns.len(), 15);
    assert!(b.text(".crumbs").await.contains("重庆市"));

    b.click_link("石桥镇").await;
    b.click_link("查看现行政策参数").await;
    assert_eq!(b.text(".big").await, "6,000.00 元/人·年");
    let body = b.text("main").await;
    assert!(body.contains("防止返贫致贫对象"), "{body}");
    assert!(body.contains("3月、8月、11月"), "{body}");

    // Ask for a 2021 date through the form.
    b.client
        .execute(
            "document.querySelector('input[name=date]').value = '2021-06-01'; return true;",
            vec![],
        )
        .await
        .unwrap();
    b.submit("form.query button").await;
    let body = b.text("main").await;
    assert!(body.contains("监测对象称为“监测对象”"), "{body}");
    assert!(
        b.client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains("date=2021-06-01")
    );

    // A wrong region code gets a Chinese explanation on the page.
    let region = b
        .client
        .find(Locator::Css("input[name=region]"))
        .await
        .unwrap();
    region.clear().await.unwrap();
    region.send_keys("123").await.unwrap();
    b.submit("form.query button").await;
    assert!(
        b.text("p.error")
            .await
            .contains("区划代码“123”应为12位数字")
    );

    b.close().await;
    drop(server);
}

#[tokio::test]
async fn pages_fit_a_phone_screen() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (_dir, server) = demo_server("300", "12");
    b.client.set_window_size(390, 844).await.unwrap();
    let base = format!("http://{}", server.addr);
    b.client.goto(&format!("{base}/login")).await.unwrap();
    b.screenshot("login-phone.png").await;
    b.login(&base, "county", "Dixian@2026").await;
    for path in [
        "/",
        "/divisions/500299000000",
        "/divisions/500299101201",
        "/policy",
        "/account",
        "/account/password",
        "/cases",
        "/leads",
        "/screening",
        "/dashboard",
        "/dashboard?area=500299101000",
        "/quality?area=500299101000",
        "/problems",
        "/problems/1",
        "/problems/new",
        "/problems/clearing",
        "/problems/dispatch",
        "/ledgers",
        "/bulletin",
        "/complaints",
    ] {
        b.client.goto(&format!("{base}{path}")).await.unwrap();
        // The page itself, not the login page it would redirect to without a session.
        assert_eq!(b.path().await, path.split('?').next().unwrap_or(path));
        // Empty when the page fits; otherwise the widest elements that stick out, so a
        // failure says what to fix.
        assert_eq!(b.overflow().await, "", "{path} overflows a 390px screen");
        // The page starts with its content: the menu sits below it, one tap away.
        let order = b
            .client
            .execute(
                "const m = document.querySelector('nav.site').getBoundingClientRect();
                 const c = document.querySelector('main').getBoundingClientRect();
                 const l = document.querySelector('a.menu-link').getBoundingClientRect();
                 return [m.top >= c.bottom - 1, l.height >= 40, l.top < 120];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            order,
            serde_json::json!([true, true, true]),
            "{path}: menu placement"
        );
    }
    b.screenshot("policy-phone.png").await;
    // The cadre's to-do: one row per household, its link a thumb's size.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "cadre", "Dixian@2026").await;
    b.client.goto(&format!("{base}/work")).await.unwrap();
    assert_eq!(b.overflow().await, "", "/work overflows a 390px screen");
    let targets = b
        .client
        .execute(
            "return [...document.querySelectorAll('#work-items a.target')]
               .map(a => a.getBoundingClientRect().height);",
            vec![],
        )
        .await
        .unwrap();
    for h in targets.as_array().unwrap() {
        assert!(h.as_f64().unwrap() >= 40.0, "a to-do link {h} px tall");
    }
    b.screenshot("work-phone.png").await;
    b.close().await;
    drop(server);
}

#[tokio::test]
async fn login_lockout_forced_change_and_logout() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (dir, server) = demo_server("200", "13");
    let base = format!("http://{}", server.addr);

    // Five wrong passwords lock the account; then even the right one is refused.
    for _ in 0..5 {
        b.login(&base, "town", "Wrong#Pass1").await;
    }
    assert!(b.text("p.error").await.contains("账号已锁定"));
    b.login(&base, "town", "Dixian@2026").await;
    assert!(b.text("p.error").await.contains("账号已锁定"));

    // An administrator resets a password; the user must change it before anything else.
    let out = crate::support::dixian(&[
        "user",
        "reset-password",
        "--data-dir",
        dir.path().join("demo").to_str().unwrap(),
        "village",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let temp = stdout
        .split("新密码：")
        .nth(1)
        .and_then(|t| t.lines().next())
        .unwrap()
        .trim()
        .to_string();
    b.login(&base, "village", &temp).await;
    assert_eq!(b.path().await, "/account/password");
    assert!(b.text("p.notice").await.contains("首次登录或密码已到期"));
    b.client.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(
        b.path().await,
        "/account/password",
        "no page before the change"
    );
    b.fill("input[name=old]", &temp).await;
    b.fill("input[name=new]", "Qing#shan2026").await;
    b.fill("input[name=confirm]", "Qing#shan2026").await;
    b.submit("form.stack button").await;
    assert_eq!(b.path().await, "/account");
    assert!(b.text("p.notice").await.contains("密码已修改"));
    assert!(b.text("main").await.contains("村级信息员"));

    // The village officer sees only the village; logging out ends the session.
    b.client.goto(&format!("{base}/")).await.unwrap();
    let home = b.text("table.figures").await;
    assert!(home.contains("村") && !home.contains("青山县"), "{home}");
    b.submit("form.inline button").await;
    assert_eq!(b.path().await, "/login");
    assert!(b.text("p.notice").await.contains("已退出"));
    b.client.goto(&format!("{base}/account")).await.unwrap();
    assert_eq!(b.path().await, "/login");
    b.close().await;
    drop(server);
}

#[tokio::test]
async fn accounts_reveal_and_audit_across_roles() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let server = crate::support::Server::start(&[
        "demo",
        "--data-dir",
        data.to_str().unwrap(),
        "--households",
        "120",
        "--seed",
        "5",
        "--as-of",
        "2026-11-01",
        "--serve",
        "--listen",
        "127.0.0.1:0",
    ]);
    let base = format!("http://{}", server.addr);
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let first = dixian_app::demo::Generator::new(&dixian_app::demo::divisions(5), 5, 120, as_of)
        .next()
        .unwrap();
    let id = first.members[0].id_number.to_string();

    // The system administrator creates a county account; its password is shown once.
    b.login(&base, "admin", "Dixian@2026").await;
    assert!(b.text("#sections").await.contains("账号管理"));
    b.click_link("账号管理").await;
    b.fill("#new-account input[name=username]", "wang.wu").await;
    b.fill("#new-account input[name=display_name]", "王五")
        .await;
    b.client
        .find(Locator::Css("#new-account option[value=county_admin]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.fill("#new-account input[name=division]", "500299000000")
        .await;
    b.submit("#new-account button").await;
    let notice = b.text("#notice").await;
    let password = notice
        .split("初始密码：")
        .nth(1)
        .and_then(|t| t.split('（').next())
        .unwrap()
        .to_string();
    assert!(b.text("#accounts").await.contains("wang.wu"));
    assert!(b.text("#requests").await.contains("待审批"));
    b.submit("header form.inline button").await;

    // 三员分立: the security administrator approves the new account before it can be used.
    b.login(&base, "security", "Dixian@2026").await;
    b.client.goto(&format!("{base}/admin/users")).await.unwrap();
    b.fill("#requests input[name=note]", "已电话核实").await;
    b.submit("#requests button[value=approve]").await;
    assert!(b.text("#notice").await.contains("已批准申请#"));
    b.submit("header form.inline button").await;

    // The new account changes its password, looks a person up and reveals the number.
    b.login(&base, "wang.wu", &password).await;
    assert_eq!(b.path().await, "/account/password");
    b.fill("input[name=old]", &password).await;
    b.fill("input[name=new]", "Wang#Wu-2026").await;
    b.fill("input[name=confirm]", "Wang#Wu-2026").await;
    b.submit("form.stack button").await;
    b.click_link("人员查询").await;
    b.fill("#search input[name=id_number]", &id).await;
    b.submit("#search button").await;
    let person = b.text("#person").await;
    assert!(person.contains(&first.members[0].name), "{person}");
    assert!(!person.contains(&id), "masked: {person}");
    b.fill("#reveal input[name=reason]", "核对低保申请材料")
        .await;
    b.submit("#reveal button").await;
    assert_eq!(b.text("#revealed").await, id);
    b.screenshot("reveal.png").await;
    b.submit("header form.inline button").await;

    // The auditor finds the reveal with its reason, and cannot open account administration.
    b.login(&base, "auditor", "Dixian@2026").await;
    b.click_link("审计记录").await;
    b.client
        .find(Locator::Css("#filter option[value='pii.reveal']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.submit("#filter button").await;
    let records = b.text("#records").await;
    assert!(
        records.contains("wang.wu") && records.contains("核对低保申请材料"),
        "{records}"
    );
    assert!(!records.contains(&id), "no full number in the trail");
    b.client.goto(&format!("{base}/admin/users")).await.unwrap();
    assert!(b.text("main").await.contains("无权访问"));
    b.close().await;
    drop(server);
}

#[tokio::test]
async fn search_households_and_open_one() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (_dir, server) = demo_server("300", "8");
    let base = format!("http://{}", server.addr);
    b.login(&base, "town", "Dixian@2026").await;
    b.click_link("农户查询").await;
    let total = b.text("#total").await;
    assert!(total.starts_with("共 "), "{total}");
    let first = b.text("#households tbody tr").await;
    let surname: String = first
        .split_whitespace()
        .nth(1)
        .unwrap()
        .chars()
        .take(1)
        .collect();
    b.fill("#filter input[name=name]", &surname).await;
    b.submit("#filter button").await;
    let rows = b.text("#households tbody").await;
    assert!(rows.contains(&surname), "{rows}");
    let link = b
        .client
        .find(Locator::Css("#households tbody tr a"))
        .await
        .unwrap();
    b.click_and_wait(link).await;
    assert!(b.path().await.starts_with("/households/500299101"));
    let members = b.text("#members").await;
    assert!(
        members.contains("户主") && members.contains("**********"),
        "{members}"
    );
    assert!(b.text("#years").await.contains("人均纯收入"));
    b.screenshot("household.png").await;

    // Edit: a validation error first, then the fix, then the change in the timeline.
    b.click_link("修改户信息").await;
    b.fill("#edit input[name=address]", " ").await;
    b.fill("#edit input[name=reason]", "核实").await;
    b.submit("#edit button").await;
    assert!(b.text("#edit-error").await.contains("住址不能为空"));
    b.fill("#edit input[name=address]", "青山县石桥镇新村一组1号")
        .await;
    b.fill("#edit input[name=reason]", "易地搬迁后更新住址")
        .await;
    b.submit("#edit button").await;
    assert!(b.text("#notice").await.contains("已保存"));
    let timeline = b.text("#timeline").await;
    assert!(
        timeline.contains("→ 青山县石桥镇新村一组1号") && timeline.contains("易地搬迁后更新住址"),
        "{timeline}"
    );
    b.close().await;
    drop(server);
}

#[tokio::test]
async fn upload_a_broken_file_fetch_the_report_and_upload_the_fix() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (dir, server) = demo_server("40", "4");
    let base = format!("http://{}", server.addr);
    // The template's header (it has no example row) and a household of two typed under it.
    let template = String::from_utf8(
        dixian_app::registry::import::template(dixian_app::sheet::FileKind::Csv).unwrap(),
    )
    .unwrap();
    let mut rows = vec![template.trim_end().to_string()];
    rows.extend(two_person_rows("5002991012017001"));
    let broken = dir.path().join("broken.csv");
    let fixed = dir.path().join("fixed.csv");
    std::fs::write(
        &broken,
        format!(
            "{}\n{}\n{}\n",
            rows[0],
            rows[1],
            rows[2].replace("配偶", "邻居")
        ),
    )
    .unwrap();
    std::fs::write(&fixed, rows.join("\n")).unwrap();

    b.login(&base, "town", "Dixian@2026").await;
    b.click_link("农户导入").await;
    b.fill("#upload input[name=file]", broken.to_str().unwrap())
        .await;
    b.submit("#upload button").await;
    assert!(b.text("#result").await.contains("发现1处问题"));
    assert!(b.text("#problems").await.contains("“邻居”无效"));
    // The report with its “问题” column, fetched as the browser would download it.
    let href = b.href("#report").await;
    let report = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.text()).then(done);",
            vec![serde_json::json!(href)],
        )
        .await
        .unwrap();
    assert!(
        report.as_str().unwrap().contains("与户主关系：“邻居”无效"),
        "{report}"
    );

    b.fill("#upload input[name=file]", fixed.to_str().unwrap())
        .await;
    let dry = b
        .client
        .find(Locator::Css("#upload input[name=dry_run]"))
        .await
        .unwrap();
    if dry.prop("checked").await.unwrap().as_deref() == Some("true") {
        dry.click().await.unwrap();
    }
    b.submit("#upload button").await;
    assert!(
        b.text("#result").await.contains("导入完成"),
        "{}",
        b.text("main").await
    );
    b.client
        .goto(&format!("{base}/households/5002991012017001"))
        .await
        .unwrap();
    assert!(b.text("#members").await.contains("张三"));
    b.close().await;
    drop(server);
}

#[tokio::test]
async fn security_administrator_tightens_the_lockout() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (_dir, server) = demo_server("30", "6");
    let base = format!("http://{}", server.addr);
    b.login(&base, "security", "Dixian@2026").await;
    b.click_link("安全策略").await;
    // Below the level-3 minimum: refused by name, nothing saved.
    b.fill("#security input[name=password_min_length]", "6")
        .await;
    b.fill("#security input[name=lockout_threshold]", "3").await;
    b.submit("#security button").await;
    assert!(
        b.text("p.error")
            .await
            .contains("密码最短长度应在8到64之间（填写的是6）")
    );
    b.fill("#security input[name=password_min_length]", "10")
        .await;
    b.submit("#security button").await;
    assert!(b.text("#notice").await.contains("安全策略已保存"));
    b.submit("header form.inline button").await;
    // It applies at once: three wrong passwords now lock an account.
    for _ in 0..3 {
        b.login(&base, "viewer", "Wrong#Pass1").await;
    }
    b.login(&base, "viewer", "Dixian@2026").await;
    assert!(b.text("p.error").await.contains("账号已锁定"));
    b.close().await;
    drop(server);
}

/// The 系统管理员 on a phone gives another system a token: a wrong period is refused with
/// what was typed kept, the token is shown once, the list shows only its start, and revoking
/// it takes effect in the list at once.
#[tokio::test]
async fn system_administrator_issues_and_revokes_a_token_on_a_phone() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (_dir, server) = demo_server("30", "7");
    b.client.set_window_size(390, 844).await.unwrap();
    let base = format!("http://{}", server.addr);
    b.login(&base, "admin", "Dixian@2026").await;
    b.click_link("系统接入").await;
    assert_eq!(
        b.overflow().await,
        "",
        "/admin/tokens overflows a 390px screen"
    );
    b.fill("#new-service input[name=username]", "yibao-sys")
        .await;
    b.fill("#new-service input[name=display_name]", "医保结算系统")
        .await;
    b.choose("#new-service select[name=role]", "viewer").await;
    b.fill("#new-service input[name=division]", "500299000000")
        .await;
    b.fill("#new-service input[name=days]", "900").await;
    b.submit("#new-service button").await;
    assert!(b.text("#error").await.contains("有效期“900”无效"));
    let kept = b
        .client
        .find(Locator::Css("#new-service input[name=display_name]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("医保结算系统"), "typed work kept");
    b.fill("#new-service input[name=days]", "30").await;
    b.submit("#new-service button").await;
    let token = b.text("#issued-token code").await;
    assert!(token.starts_with("dxs_"), "{token}");
    assert_eq!(
        b.overflow().await,
        "",
        "the issued token overflows a 390px screen"
    );
    b.click_link("系统接入").await;
    let list = b.text("#tokens").await;
    assert!(
        list.contains(&token[..10]) && !list.contains(&token),
        "{list}"
    );
    b.submit("#tokens form.inline button").await;
    assert!(b.text("#notice").await.contains("已吊销令牌"));
    assert!(b.text("#tokens").await.contains("已吊销"));
    b.submit("header form.inline button").await;

    // The security administrator approves the new account on the same phone (三员分立).
    b.login(&base, "security", "Dixian@2026").await;
    b.client.goto(&format!("{base}/admin/users")).await.unwrap();
    assert!(b.text("#requests").await.contains("yibao-sys"));
    assert_eq!(
        b.overflow().await,
        "",
        "/admin/users with a request overflows a 390px screen"
    );
    b.submit("#requests button[value=reject]").await;
    assert!(b.text("[role=alert]").await.contains("写明理由"));
    b.fill("#requests input[name=note]", "已核对接入方案").await;
    b.submit("#requests button[value=approve]").await;
    assert!(b.text("#notice").await.contains("已批准申请#"));
    assert_eq!(b.overflow().await, "");
    b.close().await;
    drop(server);
}

#[tokio::test]
async fn register_a_household_then_a_birth_income_a_check_and_a_new_head() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (_dir, server) = demo_server("60", "21");
    let base = format!("http://{}", server.addr);
    b.login(&base, "town", "Dixian@2026").await;
    b.click_link("农户查询").await;
    b.click_link("新增农户").await;

    // A new household and its head: a wrong number first, then the right one.
    b.client
        .execute(
            "const s = document.querySelector('#household-new select[name=village]'); s.selectedIndex = 1; return s.value;",
            vec![],
        )
        .await
        .unwrap();
    b.fill("#household-new input[name=address]", "石桥村新居3号")
        .await;
    b.fill("#household-new input[name=id_number]", "110105198001010011")
        .await;
    b.fill("#household-new input[name=name]", "钱立户").await;
    b.fill("#household-new input[name=reason]", "分户新立")
        .await;
    b.submit("#household-new button").await;
    assert!(b.text("#new-error").await.contains("户主身份证号"));
    b.fill("#household-new input[name=id_number]", "110105198001010016")
        .await;
    b.fill("#household-new input[name=reason]", "分户新立")
        .await;
    b.submit("#household-new button").await;
    assert!(
        b.text("h1").await.contains("钱立户户"),
        "{}",
        b.text("main").await
    );

    // A birth.
    b.click_link("新增成员（出生、婚入、迁入）").await;
    b.fill("#member-new input[name=id_number]", "110105202601010035")
        .await;
    b.fill("#member-new input[name=name]", "钱小宝").await;
    b.choose("#member-new select[name=relation]", "son").await;
    b.fill("#member-new input[name=reason]", "新生儿落户").await;
    b.submit("#member-new button").await;
    assert!(b.text("#members").await.contains("钱小宝"));
    assert!(b.text("#timeline").await.contains("成员出生"));

    // A year's income, with a wrong amount first.
    b.click_link("登记收入").await;
    b.fill("#income input[name=year]", "2025").await;
    b.fill("#income input[name=a0]", "一万").await;
    b.fill("#income input[name=reason]", "年度核算").await;
    b.submit("#income button").await;
    assert!(
        b.text("#income-error")
            .await
            .contains("工资性收入“一万”无效")
    );
    b.fill("#income input[name=a0]", "12,000").await;
    b.fill("#income input[name=reason]", "年度核算").await;
    b.submit("#income button").await;
    assert!(b.text("#years").await.contains("2025"));

    // A check that finds the house unsafe.
    b.click_link("登记保障情况核查").await;
    b.choose("#assurance-form select[name=housing]", "d").await;
    b.fill("#assurance-form input[name=reason]", "年度大排查")
        .await;
    b.submit("#assurance-form button").await;
    assert!(b.text("#assurance").await.contains("鉴定为D级（危房）"));

    // The head passes to the other member in one change.
    b.click_link("修改成员信息、变更户主").await;
    b.choose("#members-edit select[name=relation_0]", "father")
        .await;
    b.choose("#members-edit select[name=relation_1]", "head")
        .await;
    b.fill("#members-edit input[name=reason]", "户主外出，由成员任户主")
        .await;
    b.submit("#members-edit button").await;
    assert!(b.text("h1").await.contains("钱小宝户"));
    let timeline = b.text("#timeline").await;
    assert!(
        timeline.contains("成员信息变更") && timeline.contains("钱立户的与户主关系：户主 → 父亲"),
        "{timeline}"
    );

    // The ledger with the heads' full numbers, posted from the list page with a reason, as
    // the browser would download it.
    b.click_link("农户查询").await;
    b.client
        .find(Locator::Css("details > summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.fill("#export-revealed input[name=reason]", "核对一卡通发放名单")
        .await;
    let ledger = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; const f = document.querySelector('#export-revealed'); fetch(f.action.replace('export.xlsx', 'export.csv'), { method: 'POST', body: new URLSearchParams(new FormData(f)) }).then(r => r.text()).then(done);",
            vec![],
        )
        .await
        .unwrap();
    let ledger = ledger.as_str().unwrap();
    assert!(ledger.contains("110105202601010035"), "{ledger}");
    b.close().await;
    drop(server);
}
