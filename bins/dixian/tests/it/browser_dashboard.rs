//! Browser end-to-end test of the dashboard: from the county's figures down to one household,
//! and a village officer who sees only the village.

use crate::browser::Browser;
use crate::support::demo_server;
use fantoccini::Locator;

async fn click_css(b: &Browser, css: &str) {
    let e = b.client.find(Locator::Css(css)).await.unwrap();
    b.click_and_wait(e).await;
}

/// The number in a figure tile: "识别监测对象 123户 · 456人" → "123".
async fn tile_households(b: &Browser, css: &str) -> String {
    b.text(&format!("{css} strong")).await
}

#[tokio::test]
async fn county_dashboard_down_to_a_household_and_a_village_sees_only_itself() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (_dir, server) = demo_server("1500", "21");
    let base = format!("http://{}", server.addr);
    b.login(&base, "county", "Dixian@2026").await;
    b.click_link("工作看板").await;
    assert_eq!(b.path().await, "/dashboard");
    assert!(b.text("h1").await.starts_with("青山县工作看板"));
    // Charts are drawn on the server, one per section.
    let charts = b.client.find_all(Locator::Css("svg.chart")).await.unwrap();
    assert!(charts.len() >= 5, "{} charts", charts.len());
    b.screenshot("dashboard-county.png").await;

    // The headline figure → its list: the list's total is the figure.
    let identified = tile_households(&b, "#kpi-identified").await;
    assert_ne!(identified, "0");
    click_css(&b, "#kpi-identified").await;
    assert_eq!(b.path().await, "/cases");
    assert_eq!(b.text("#total-households").await, identified);
    assert!(b.text("#filter").await.contains("识别防止返贫致贫对象"));
    let rows = b
        .client
        .find_all(Locator::Css("#cases tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len().to_string(), identified.replace(',', ""));

    // An ID number typed into the search box is stopped by the browser before it could
    // travel in an address; a name is not.
    let validity = |text: &'static str| {
        let b = &b;
        async move {
            b.fill("#cases-filter input[name=q]", text).await;
            b.client
                .execute(
                    "return document.querySelector('#cases-filter input[name=q]').checkValidity();",
                    vec![],
                )
                .await
                .unwrap()
        }
    };
    assert_eq!(validity("500299198001010014").await, false);
    assert_eq!(validity("50029919800101001X").await, false);
    assert_eq!(validity("王").await, true);
    assert_eq!(validity("5002991012010003").await, true, "a household code");
    b.fill("#cases-filter input[name=q]", "").await;
    // … → the household behind the first row.
    let head = b.text("#cases tbody tr td[data-label='户主'] a").await;
    click_css(&b, "#cases tbody tr td[data-label='户主'] a").await;
    assert!(b.path().await.starts_with("/households/"));
    assert!(b.text("main").await.contains(&head));

    // On a phone: the dashboard, a figure's list and the household behind it fit the screen.
    b.client.set_window_size(390, 844).await.unwrap();
    b.client.goto(&format!("{base}/dashboard")).await.unwrap();
    assert_eq!(b.overflow().await, "", "the dashboard overflows a phone");
    b.screenshot("dashboard-phone.png").await;
    click_css(&b, "#kpi-identified").await;
    assert_eq!(b.text("#total-households").await, identified);
    assert_eq!(b.overflow().await, "", "the case list overflows a phone");
    // Each case a card: no header row, each cell on its own line under the last, its column
    // named before it, the household a thumb-sized link.
    let card = b
        .client
        .execute(
            "const row = document.querySelector('#cases tbody tr');
             const cells = Array.from(row.querySelectorAll('td'));
             const head = row.querySelector(\"td[data-label='户主'] a\").getBoundingClientRect();
             return [
               getComputedStyle(document.querySelector('#cases thead')).display,
               cells.every((c, i) => i == 0 || c.getBoundingClientRect().top >= cells[i - 1].getBoundingClientRect().bottom - 1),
               getComputedStyle(cells[1], '::before').content,
               Math.round(head.height),
             ];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(card[0], "none", "{card:?}");
    assert_eq!(card[1], true, "cells stacked: {card:?}");
    assert!(
        card[2].as_str().unwrap_or_default().contains("："),
        "{card:?}"
    );
    assert!(card[3].as_i64().unwrap_or_default() >= 40, "{card:?}");
    b.client
        .execute(
            "document.querySelector('#totals').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    b.screenshot("cases-phone.png").await;
    // 批量明确帮扶责任人 on the phone: nothing ticked is named beside the boxes and the chosen
    // cadre is kept; then one ticked case is reported by its number, on the same list.
    b.client
        .find(Locator::Css("#cases-bulk-box summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let cadre = b
        .client
        .execute(
            "const s = document.querySelector('#cases-bulk select[name=cadre]');
             s.selectedIndex = 1; return s.value;",
            vec![],
        )
        .await
        .unwrap();
    let cadre = cadre.as_str().unwrap().to_string();
    b.fill("#cases-bulk input[name=unit]", "区农业农村委").await;
    click_css(&b, "#cases-bulk button").await;
    assert!(
        b.text("#cases-bulk-errors")
            .await
            .contains("请先勾选要指派帮扶责任人的案件")
    );
    assert_eq!(
        b.client
            .find(Locator::Css("#cases-bulk select[name=cadre]"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some(cadre.as_str())
    );
    assert_eq!(
        b.overflow().await,
        "",
        "the refused bulk form overflows a phone"
    );
    let first = b
        .client
        .find(Locator::Css("#cases input[name=ids]"))
        .await
        .unwrap();
    let picked = first.attr("value").await.unwrap().unwrap();
    first.click().await.unwrap();
    click_css(&b, "#cases-bulk button").await;
    let result = b.text("#cases-bulk-result").await;
    let case = picked.split(':').next().unwrap().to_string();
    assert!(result.contains(&format!("#{case}")), "{result}");
    assert_eq!(b.text("#total-households").await, identified);
    assert_eq!(b.overflow().await, "", "the bulk result overflows a phone");
    click_css(&b, "#cases tbody tr td[data-label='户主'] a").await;
    assert_eq!(b.overflow().await, "", "the household overflows a phone");
    b.client.set_window_size(1280, 900).await.unwrap();

    // A town's row on the county dashboard opens the town's dashboard; a risk type's count
    // there lists exactly that many households.
    b.client.goto(&format!("{base}/dashboard")).await.unwrap();
    b.click_link("石桥镇").await;
    assert!(b.text("h1").await.starts_with("石桥镇工作看板"));
    let risk_cell = "#by-risk tbody tr:first-child td:nth-child(2) a";
    let n = b.text(risk_cell).await;
    let risk_name = b.text("#by-risk tbody tr:first-child td:first-child").await;
    click_css(&b, risk_cell).await;
    assert_eq!(b.text("#total-households").await, n);
    let filter = b.text("#filter").await;
    assert!(
        filter.contains(&format!("风险类型：{risk_name}")),
        "{filter}"
    );
    assert!(filter.contains("区划：石桥镇"), "{filter}");

    // The consistency checks of the town: a row per rule, the total their sum.
    b.click_link("数据质量").await;
    assert_eq!(b.path().await, "/quality");
    let counts = b
        .client
        .find_all(Locator::Css("#quality-counts tbody tr td.num"))
        .await
        .unwrap();
    assert_eq!(counts.len(), 5);
    let mut sum = 0;
    for c in counts {
        sum += c.text().await.unwrap().parse::<usize>().unwrap();
    }
    assert_eq!(b.text("#quality-total").await, sum.to_string());

    // The village officer: the dashboard opens on the village and goes no higher.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "village", "Dixian@2026").await;
    b.client.goto(&format!("{base}/dashboard")).await.unwrap();
    let h1 = b.text("h1").await;
    let village = h1.split("工作看板").next().unwrap().to_string();
    assert!(village.ends_with('村') && h1.contains("村 · 截至"), "{h1}");
    assert!(
        b.client.find(Locator::Css("#children")).await.is_err(),
        "a village has no lower divisions"
    );
    let mine = tile_households(&b, "#kpi-identified").await;
    assert_ne!(mine, identified);
    click_css(&b, "#kpi-identified").await;
    assert_eq!(b.text("#total-households").await, mine);
    let villages = b
        .client
        .find_all(Locator::Css("#cases tbody tr td[data-label='村']"))
        .await
        .unwrap();
    assert!(!villages.is_empty());
    for v in villages {
        assert_eq!(v.text().await.unwrap(), village);
    }
    b.client
        .goto(&format!("{base}/dashboard?area=500299101000"))
        .await
        .unwrap();
    assert!(
        b.text("main").await.contains("无权"),
        "{}",
        b.text("main").await
    );
    b.client
        .goto(&format!("{base}/cases?area=500299000000&state=monitored"))
        .await
        .unwrap();
    assert!(b.text("main").await.contains("无权"));

    b.close().await;
    drop(server);
}
