//! Browser end-to-end test of department screening: 医保 uploads its month, the county runs
//! the screening, the warning reaches the village's lead list explained, and the next run
//! does not repeat it.

use crate::browser::Browser;
use crate::browser_monitoring::{register, sign_in_as};
use crate::support::demo_server;
use chrono::{Datelike, NaiveDate};
use dixian_domain::id_number::{IdNumber, Sex};
use fantoccini::Locator;
use std::time::Duration;

/// Waits (up to a minute) for a screening run's page to show its result.
/// A same-origin file fetched by the signed-in browser, as text.
async fn fetch_text(b: &Browser, path: &str) -> String {
    b.client
        .execute_async(
            "const [path, done] = arguments; fetch(path).then(r => r.text()).then(done);",
            vec![path.into()],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn run_result(b: &Browser) -> String {
    for _ in 0..600 {
        if let Ok(e) = b.client.find(Locator::Css("#run-result")).await {
            return e.text().await.unwrap();
        }
        if let Ok(e) = b.client.find(Locator::Css("#screening-error")).await {
            panic!("screening failed: {}", e.text().await.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the screening run did not finish");
}

/// Waits for a run's preview; gives its text.
async fn preview(b: &Browser) -> String {
    for _ in 0..600 {
        if let Ok(e) = b.client.find(Locator::Css("#preview")).await {
            return e.text().await.unwrap();
        }
        if let Ok(e) = b.client.find(Locator::Css("#screening-error")).await {
            panic!("screening failed: {}", e.text().await.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the screening preview did not appear");
}

/// How many screening leads the area has, by the lead list's total.
async fn screening_leads(b: &Browser, base: &str) -> u64 {
    b.client
        .goto(&format!("{base}/leads?channel=screening"))
        .await
        .unwrap();
    let total = b.text("#leads-total").await;
    total
        .trim_start_matches("共 ")
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{total}"))
}

/// Confirms the preview on the page (ticking the number where the pack asks for it).
async fn confirm(b: &Browser) {
    if let Ok(tick) = b
        .client
        .find(Locator::Css("#confirm-form input[name=confirm]"))
        .await
    {
        tick.click().await.unwrap();
    }
    b.submit("#confirm-form button").await;
}

/// Leads in the pending list that mention `needle`.
async fn leads_with(b: &Browser, base: &str, needle: &str) -> Vec<String> {
    b.client
        .goto(&format!("{base}/leads?status=pending"))
        .await
        .unwrap();
    let mut out = Vec::new();
    for a in b
        .client
        .find_all(Locator::Css("article.lead"))
        .await
        .unwrap()
    {
        let text = a.text().await.unwrap();
        if text.contains(needle) {
            out.push(text);
        }
    }
    out
}

#[tokio::test]
async fn a_department_feed_becomes_explained_leads_once() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (dir, server) = demo_server("300", "21");
    let base = format!("http://{}", server.addr);
    let head = IdNumber::compose(
        "500299",
        NaiveDate::from_ymd_opt(1968, 4, 9).unwrap(),
        31,
        Sex::Male,
    )
    .unwrap();
    b.login(&base, "village", "Dixian@2026").await;
    let code = register(&b, &head, "住院户主", "9000").await;

    // 医保 uploads last month's settlements: one of our household, one stranger, one broken.
    let today = dixian_app::today();
    let last_month = today.with_day(1).unwrap().pred_opt().unwrap();
    let billed = last_month.with_day(15).unwrap();
    let stranger = IdNumber::compose(
        "110101",
        NaiveDate::from_ymd_opt(1990, 5, 5).unwrap(),
        7,
        Sex::Male,
    )
    .unwrap();
    let file = dir.path().join("医保结算.csv");
    std::fs::write(
        &file,
        format!(
            "身份证号,姓名,结算日期,医疗总费用(元),个人自付(元)\n\
             {},住院户主,{billed},40000,25000\n\
             {},外县人员,{billed},300,100\n\
             {},住院户主,{billed},100,200\n",
            head.as_str(),
            stranger.as_str(),
            head.as_str()
        ),
    )
    .unwrap();
    // On a phone.
    sign_in_as(&b, &base, "yibao").await;
    b.client.set_window_size(390, 844).await.unwrap();
    b.click_link("部门数据").await;
    assert_eq!(b.overflow().await, "", "/screening overflows a phone");
    crate::browser_monitoring::checks_sit_beside_their_labels(&b, "#feed-form").await;
    // The template carries no sample row: the header alone.
    let template = fetch_text(&b, "/screening/template/medical.csv").await;
    assert_eq!(
        template.trim_start_matches('\u{feff}').lines().count(),
        1,
        "{template}"
    );
    b.fill("#feed-form input[name=file]", file.to_str().unwrap())
        .await;
    b.submit("#feed-form button").await;
    assert_eq!(b.overflow().await, "");
    // The refused row comes back as a file to correct and send again.
    let refused = fetch_text(&b, &b.href("#refused-file").await).await;
    let lines: Vec<&str> = refused.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{refused}");
    assert!(
        lines[0].starts_with("问题,原文件行号,身份证号"),
        "{refused}"
    );
    assert!(
        lines[1].contains("个人自付") && lines[1].contains(",4,"),
        "{refused}"
    );
    let result = b.text("#delivery-result").await;
    assert!(result.contains("通过检查2行"), "{result}");
    assert!(result.contains("未找到身份证号的1行"), "{result}");
    let problems = b.text("#problems").await;
    assert!(problems.contains("个人自付"), "{problems}");
    assert!(
        !b.text("main").await.contains(stranger.as_str()),
        "unmatched ID numbers are shown masked"
    );
    b.client
        .execute(
            "document.getElementById('delivery').scrollIntoView(); return true;",
            vec![],
        )
        .await
        .unwrap();
    b.screenshot("feed-delivered-phone.png").await;
    b.client.set_window_size(1280, 900).await.unwrap();

    // The county runs the screening and watches it finish.
    // It previews first: counts per rule and town, examples, and no lead yet.
    sign_in_as(&b, &base, "county").await;
    let leads_before = screening_leads(&b, &base).await;
    b.click_link("部门筛查").await;
    b.submit("#run-form button").await;
    let shown = preview(&b).await;
    assert!(shown.contains("尚未生成任何线索"), "{shown}");
    assert!(b.text("#by-rule").await.contains("医疗自付"));
    assert!(b.text("#by-town").await.contains("镇"));
    assert!(b.text("#samples").await.contains("自付医疗费"));
    let households: u64 = b.text("#preview-households").await.parse().unwrap();
    assert!(households >= 1);
    b.screenshot("screening-preview.png").await;
    let job = b.path().await;
    assert_eq!(
        screening_leads(&b, &base).await,
        leads_before,
        "a preview makes no lead"
    );
    b.client.goto(&format!("{base}{job}")).await.unwrap();
    confirm(&b).await;
    let first = run_result(&b).await;
    assert!(first.contains("新生成线索"), "{first}");
    b.screenshot("screening-run.png").await;
    // One lead per household warned, however many rules it met (none was warned before).
    let made = screening_leads(&b, &base).await - leads_before;
    assert!(
        made >= 1 && made <= households,
        "{made} leads for {households} households"
    );

    // The village finds the warning among its pending leads, with the numbers compared.
    sign_in_as(&b, &base, "village").await;
    let leads = leads_with(&b, &base, &code).await;
    let burden: Vec<&String> = leads
        .iter()
        .filter(|l| l.contains("自付医疗费 25,000.00元 > 家庭年纯收入 9,000.00元 的50%"))
        .collect();
    assert_eq!(burden.len(), 1, "{leads:?}");
    assert!(burden[0].contains("部门筛查预警"), "{}", burden[0]);
    let before = leads.len();

    // Run again (next month's run alike): the same warnings make no second lead.
    sign_in_as(&b, &base, "county").await;
    b.client.goto(&format!("{base}/screening")).await.unwrap();
    b.submit("#run-form button").await;
    preview(&b).await;
    confirm(&b).await;
    let second = run_result(&b).await;
    assert!(second.contains("新生成线索0条"), "{second}");
    assert!(b.text("#rates").await.contains("医疗自付"));
    sign_in_as(&b, &base, "village").await;
    assert_eq!(leads_with(&b, &base, &code).await.len(), before);
    b.close().await;
    drop(server);
}
