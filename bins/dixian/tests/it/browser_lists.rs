//! Browser end-to-end test of the lists a town officer searches on a phone: the visits of the
//! area by village and visitor, people by name, and the 三保障 problems by head — each with
//! its total, in words, and the filtered list as a file.

use crate::browser::Browser;
use crate::support::demo_server;
use fantoccini::Locator;

async fn click_css(b: &Browser, css: &str) {
    let e = b.client.find(Locator::Css(css)).await.unwrap();
    b.click_and_wait(e).await;
}

/// Fetches `href` with the page's session: "status content-type" and the body.
async fn fetched(b: &Browser, href: &str) -> (String, String) {
    let got = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.text().then(body => done(
               [r.status + ' ' + r.headers.get('content-type'), body])));",
            vec![serde_json::json!(href)],
        )
        .await
        .unwrap();
    (
        got[0].as_str().unwrap().to_string(),
        got[1].as_str().unwrap().to_string(),
    )
}

/// How the header row of table `table` is displayed: `none` when the rows are cards.
async fn head_shown(b: &Browser, table: &str) -> String {
    b.client
        .execute(
            "return getComputedStyle(document.querySelector(arguments[0] + ' thead')).display;",
            vec![serde_json::json!(table)],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn total(b: &Browser, css: &str, after: &str, before: &str) -> usize {
    let text = b.text(css).await;
    text.split(after)
        .nth(1)
        .and_then(|t| t.split(before).next())
        .unwrap_or_else(|| panic!("no total in {text}"))
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_town_officer_finds_visits_people_and_problems_on_a_phone() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (_dir, server) = demo_server("1500", "23");
    let base = format!("http://{}", server.addr);
    b.client.set_window_size(390, 844).await.unwrap();
    b.login(&base, "town", "Dixian@2026").await;

    // 走访记录 from the menu: every visit of the town, as cards that fit the phone.
    b.click_link("走访记录").await;
    assert_eq!(b.path().await, "/visits");
    let all = total(&b, "#total", "共", "次走访").await;
    assert!(all > 0);
    assert_eq!(b.overflow().await, "", "the visit list overflows a phone");
    assert_eq!(head_shown(&b, "#visits").await, "none", "cards on a phone");
    b.screenshot("visits-phone.png").await;
    // One village, chosen by name.
    let (code, name) = {
        let v = b
            .client
            .execute(
                "const o = Array.from(document.querySelectorAll('#filter select[name=area] option'))
                   .find(o => o.value !== '');
                 return [o.value, o.textContent.trim()];",
                vec![],
            )
            .await
            .unwrap();
        (
            v[0].as_str().unwrap().to_string(),
            v[1].as_str().unwrap().to_string(),
        )
    };
    assert!(name.ends_with('村'), "villages by name: {name}");
    b.choose("#filter select[name=area]", &code).await;
    b.submit("#filter button").await;
    let in_village = total(&b, "#total", "共", "次走访").await;
    assert!(in_village <= all);
    if in_village > 0 {
        let villages = b
            .client
            .execute(
                "return Array.from(document.querySelectorAll(\"#visits td[data-label='所在村']\"))
                   .map(td => td.textContent.trim());",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            villages
                .as_array()
                .unwrap()
                .iter()
                .all(|v| v == name.as_str()),
            "{villages:?}"
        );
    }
    // A head's name finds their household's visits; the list downloads as it stands.
    b.client.goto(&format!("{base}/visits")).await.unwrap();
    let head = b.text("#visits td[data-label='户主']").await;
    b.fill("#filter input[name=q]", &head).await;
    b.submit("#filter button").await;
    let found = total(&b, "#total", "共", "次走访").await;
    assert!(found >= 1);
    assert!(b.text("#visits").await.contains(&head));
    let href = b.href("#export").await;
    let (kind, csv) = fetched(&b, &href).await;
    assert!(kind.starts_with("200 text/csv"), "{kind}");
    assert_eq!(csv.lines().count(), found + 1, "{csv}");
    assert!(csv.lines().skip(1).all(|l| l.contains(&head)), "{csv}");
    // A wrong date is said beside its box and the typed values stay.
    b.client
        .goto(&format!("{base}/visits?from=2026-02-30&q={}", "%E7%8E%8B"))
        .await
        .unwrap();
    assert!(b.text("#filter .field-error").await.contains("2026-02-30"));
    assert_eq!(b.overflow().await, "");

    // 人员查询 by part of a name: the people, masked, each with a way to the household.
    b.click_link("人员查询").await;
    let part: String = head.chars().take(1).collect();
    b.fill("#by-name input[name=name]", &part).await;
    b.submit("#by-name button").await;
    let people = total(&b, "#named-total", "共", "人").await;
    assert!(people >= 1);
    assert_eq!(b.overflow().await, "", "the people list overflows a phone");
    let masked = b.text("#named td[data-label='身份证号']").await;
    assert!(masked.contains('*'), "masked: {masked}");
    b.screenshot("people-phone.png").await;
    click_css(&b, "#named td[data-label='户编号'] a").await;
    assert!(b.path().await.starts_with("/households/"));
    // The household page's action links are thumb-sized on a phone.
    let tall = b
        .client
        .execute(
            "return Math.round(document.querySelector('#cases-link').getBoundingClientRect().height);",
            vec![],
        )
        .await
        .unwrap();
    assert!(tall.as_i64().unwrap_or_default() >= 40, "{tall:?}");
    // 农户查询: a town's households as cards, the area chosen by village name.
    b.click_link("农户查询").await;
    assert_eq!(
        head_shown(&b, "#households").await,
        "none",
        "cards on a phone"
    );
    assert_eq!(
        b.overflow().await,
        "",
        "the household list overflows a phone"
    );
    b.choose("#filter select[name=within]", &code).await;
    b.submit("#filter button").await;
    let listed: usize = b
        .text("#total")
        .await
        .split("共 ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(listed >= 1);
    let chosen = b
        .client
        .execute(
            "return document.querySelector('#filter select[name=within]').selectedOptions[0].textContent.trim();",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        chosen.as_str(),
        Some(name.as_str()),
        "the choice is kept, by name"
    );

    // 三保障问题 by a head's name, and the list as a file.
    b.click_link("三保障问题").await;
    let problem_head = b.text("#problems tbody tr td:nth-child(2) a").await;
    b.fill("#problems-filter input[name=q]", &problem_head)
        .await;
    b.submit("#problems-filter button").await;
    let problems: usize = b.text("#total-problems").await.parse().unwrap();
    assert!(problems >= 1);
    assert!(b.text("#problems").await.contains(&problem_head));
    assert_eq!(b.overflow().await, "", "the problem list overflows a phone");
    assert_eq!(
        head_shown(&b, "#problems").await,
        "none",
        "cards on a phone"
    );
    let href = b.href("#problems-export").await;
    assert!(href.contains("q="), "{href}");
    let (kind, csv) = fetched(&b, &href).await;
    assert!(kind.starts_with("200 text/csv"), "{kind}");
    assert_eq!(csv.lines().count(), problems + 1, "{csv}");
    assert!(
        csv.lines().skip(1).all(|l| l.contains(&problem_head)),
        "{csv}"
    );

    b.close().await;
    drop(server);
}
