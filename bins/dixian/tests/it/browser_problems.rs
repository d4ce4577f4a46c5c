//! Browser end-to-end test of the 三保障 problem ledger: the village registers a problem from
//! a household's page and reports it fixed with a photo, the town strikes it off, and the
//! county follows its figures from the dashboard to 月清零 and to the lists behind them.

use crate::browser::Browser;
use crate::support::demo_server;
use fantoccini::Locator;

async fn click_css(b: &Browser, css: &str) {
    let e = b.client.find(Locator::Css(css)).await.unwrap();
    b.click_and_wait(e).await;
}

#[tokio::test]
async fn a_problem_is_registered_fixed_struck_off_and_counted() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (dir, server) = demo_server("1500", "21");
    let base = format!("http://{}", server.addr);

    // The village officer: the village's ledger, then a household's page.
    b.login(&base, "village", "Dixian@2026").await;
    b.click_link("三保障问题").await;
    assert_eq!(b.path().await, "/problems");
    let before: usize = b.text("#total-problems").await.parse().unwrap();
    assert!(
        before >= 4,
        "the demo village has one problem of each state"
    );
    b.client.goto(&format!("{base}/households")).await.unwrap();
    let first = b
        .client
        .find(Locator::Css("table tbody tr td a[href^='/households/']"))
        .await
        .unwrap();
    b.click_and_wait(first).await;
    let household = b
        .path()
        .await
        .trim_start_matches("/households/")
        .to_string();
    click_css(&b, "#household-problem-new").await;
    assert_eq!(b.path().await, "/problems/new");
    // A problem without its description is refused with the field named.
    b.choose("#problem-new select[name=kind]", "housing").await;
    b.choose("#problem-new select[name=source]", "visit").await;
    b.fill("#problem-new input[name=found_by]", "王村干、李镇干")
        .await;
    b.client
        .execute(
            "document.querySelector('#problem-new textarea').removeAttribute('required');",
            vec![],
        )
        .await
        .unwrap();
    b.submit("#problem-new button").await;
    assert!(b.text("#problem-errors").await.contains("问题描述"));
    // Beside its field, and what was chosen is still chosen.
    assert!(
        b.text("#problem-new .field-error")
            .await
            .contains("问题描述")
    );
    assert_eq!(
        b.client
            .find(fantoccini::Locator::Css("#problem-new select[name=kind]"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("housing")
    );
    b.fill(
        "#problem-new textarea[name=description]",
        "房屋墙体开裂，需安全鉴定",
    )
    .await;
    b.submit("#problem-new button").await;
    assert!(b.path().await.starts_with("/problems/"));
    assert_eq!(b.text("#problem-state").await, "待整改");
    let facts = b.text("#problem-facts").await;
    assert!(
        facts.contains("住房城乡建设部门"),
        "the pack's department: {facts}"
    );
    let problem_path = b.path().await;
    b.screenshot("problem-registered.png").await;

    // …reports the fix with a photo, and may not strike it off itself.
    let photo = dir.path().join("验收.png");
    std::fs::write(&photo, dixian_testkit::photo_png()).unwrap();
    b.fill(
        "#problem-resolve textarea[name=note]",
        "已加固维修，经鉴定为B级",
    )
    .await;
    b.fill("#problem-resolve input[name=file]", photo.to_str().unwrap())
        .await;
    b.submit("#problem-resolve button").await;
    assert_eq!(b.text("#problem-state").await, "已整改待销号");
    assert!(b.text("#problem-history").await.contains("验收.png"));
    assert!(
        b.client.find(Locator::Css("#problem-close")).await.is_err(),
        "销号 is the town's"
    );
    // The household page lists it.
    b.client
        .goto(&format!("{base}/households/{household}"))
        .await
        .unwrap();
    assert!(b.text("#household-problems").await.contains("房屋墙体开裂"));

    // The town verifies and strikes it off.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "town", "Dixian@2026").await;
    b.client
        .goto(&format!("{base}{problem_path}"))
        .await
        .unwrap();
    b.fill("#problem-close textarea[name=note]", "经实地核实，整改到位")
        .await;
    b.submit("#problem-close button").await;
    assert_eq!(b.text("#problem-state").await, "已销号");
    assert!(b.text("#problem-done").await.contains("已销号"));

    // The county: dashboard figure → its list; 月清零 → a town's uncleared → its list.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "county", "Dixian@2026").await;
    b.click_link("工作看板").await;
    let closed = b.text("#kpi-problems-closed strong").await;
    click_css(&b, "#kpi-problems-closed").await;
    assert_eq!(b.path().await, "/problems");
    assert_eq!(b.text("#total-problems").await, closed);
    assert!(b.text("#filter").await.contains("已销号"));
    assert!(b.text("#problems").await.contains("房屋墙体开裂"));
    click_css(&b, "#to-clearing").await;
    assert_eq!(b.path().await, "/problems/clearing");
    let total_uncleared = b.text("#clearing-total td:nth-child(6) a").await;
    click_css(&b, "#clearing-total td:nth-child(6) a").await;
    assert_eq!(b.text("#total-problems").await, total_uncleared);
    b.client
        .goto(&format!("{base}/problems/dispatch"))
        .await
        .unwrap();
    assert!(b.text("h1").await.contains("月调度"));
    b.screenshot("problems-dispatch.png").await;

    // The standard ledgers: the 三保障问题台账 downloads as an Excel file with the county's
    // session.
    b.click_link("标准台账").await;
    assert_eq!(b.path().await, "/ledgers");
    let href = b.href("#ledger-problems").await;
    let got = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.arrayBuffer().then(body => done(
               r.status + ' ' + r.headers.get('content-type') + ' ' + body.byteLength)));",
            vec![serde_json::json!(href)],
        )
        .await
        .unwrap();
    let got = got.as_str().unwrap().to_string();
    assert!(
        got.starts_with("200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet "),
        "{got}"
    );
    let size: usize = got.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(size > 5_000, "{got}");

    // The monthly bulletin: last month's by default, its sentences and its workbook.
    b.click_link("月通报").await;
    assert_eq!(b.path().await, "/bulletin");
    assert!(b.text("#bulletin-title").await.contains("通报"));
    assert!(
        b.text("#bulletin-text")
            .await
            .contains("累计识别防止返贫致贫对象")
    );
    b.screenshot("bulletin.png").await;
    click_css(&b, "#previous-month").await;
    assert!(b.text("#bulletin-title").await.contains("通报"));
    let href = b.href("#bulletin-xlsx").await;
    let got = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => done(r.status + ' ' + r.headers.get('content-type')));",
            vec![serde_json::json!(href)],
        )
        .await
        .unwrap();
    assert_eq!(
        got.as_str().unwrap(),
        "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );

    // The village officer sees none of another town's problems.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "village", "Dixian@2026").await;
    b.client
        .goto(&format!("{base}/problems?area=500299102000"))
        .await
        .unwrap();
    assert!(b.text("main").await.contains("无权"));

    b.close().await;
    drop(server);
}
