//! Browser end-to-end test of the village pages on a phone: the county's villages with their
//! collective income against the county pack's target, a designation refused for the wrong
//! level (beside its box, what was chosen kept) and then recorded, the weak-village ranking,
//! and a 农经 statement refused by row.

use crate::browser::Browser;
use crate::support::demo_server;
use fantoccini::Locator;

#[tokio::test]
async fn the_county_follows_its_villages_on_a_phone() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (_dir, server) = demo_server("300", "41");
    let base = format!("http://{}", server.addr);
    b.client.set_window_size(390, 844).await.unwrap();
    b.login(&base, "county", "Dixian@2026").await;
    b.client.goto(&format!("{base}/villages")).await.unwrap();
    assert_eq!(b.overflow().await, "", "/villages overflows a phone");
    let summary = b.text("#villages-summary").await;
    assert!(summary.contains("已填报"), "{summary}");
    assert!(
        b.text("#income-target")
            .await
            .contains("每个村经营性收入不低于")
    );
    assert!(
        b.text("#designation-list")
            .await
            .contains("省级乡村振兴重点帮扶县")
    );
    b.screenshot("villages-phone.png").await;
    // Only the villages short of the target: fewer rows, each saying what it lacks.
    let all_rows = b
        .client
        .find_all(Locator::Css("#villages tbody tr"))
        .await
        .unwrap()
        .len();
    b.client
        .goto(&format!("{base}/villages?short=on"))
        .await
        .unwrap();
    let short_rows = b
        .client
        .find_all(Locator::Css("#villages tbody tr"))
        .await
        .unwrap();
    assert!(
        !short_rows.is_empty() && short_rows.len() < all_rows,
        "{} of {all_rows}",
        short_rows.len()
    );
    assert!(short_rows[0].text().await.unwrap().contains("缺"));
    crate::browser_monitoring::checks_sit_beside_their_labels(&b, "#villages-filter").await;

    // A town's designation given to a village is refused beside the box.
    b.client
        .execute(
            "document.querySelector('#designate').closest('details').open = true; return true;",
            vec![],
        )
        .await
        .unwrap();
    let village = b
        .client
        .execute(
            "const o = [...document.querySelectorAll('#designate select[name=division] option')]
               .find(o => o.value.length === 12 && !o.value.endsWith('000')); return o.value;",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    b.choose("#designate select[name=division]", &village).await;
    b.choose("#designate select[name=kind]", "key_town").await;
    b.fill("#designate input[name=document]", "青乡振〔2026〕9号")
        .await;
    b.submit("#designate button").await;
    assert!(b.text("#designate-errors").await.contains("认定给乡镇"));
    let kept = b
        .client
        .find(Locator::Css("#designate input[name=document]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(kept, "青乡振〔2026〕9号");
    assert_eq!(b.overflow().await, "", "a refused designation overflows");
    b.choose("#designate select[name=kind]", "weak_party_village")
        .await;
    b.submit("#designate button").await;
    assert!(b.text("#villages-done").await.contains("认定已登记"));
    assert!(b.text("#designation-list").await.contains("软弱涣散村"));

    // The weak-village ranking of the county's programme.
    b.client.goto(&format!("{base}/villages")).await.unwrap();
    let weak = b.client.find(Locator::Css("#to-weak")).await.unwrap();
    b.click_and_wait(weak).await;
    assert_eq!(b.path().await, "/villages/weak");
    assert!(b.text("#weak-rules").await.contains("年均村集体经营性收入"));
    let chosen = b
        .client
        .find_all(Locator::Css("#weak-ranking tr.chosen"))
        .await
        .unwrap()
        .len();
    assert!(chosen >= 1, "some villages are chosen");
    assert_eq!(b.overflow().await, "", "/villages/weak overflows a phone");
    b.screenshot("villages-weak-phone.png").await;

    // A statement whose 收益 does not add up is refused by row; nothing is saved.
    b.client
        .goto(&format!("{base}/villages/import"))
        .await
        .unwrap();
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("accounts.csv");
    std::fs::write(
        &path,
        format!("村*,年度*,经营收入*,发包及上交收入*,投资收益*,补助收入*,其他收入*,经营支出*,管理费用*,其他支出*,本年收益*\n{village},2025,50000,0,0,10000,0,0,0,0,70000\n"),
    )
    .unwrap();
    b.fill("#list-import input[name=file]", path.to_str().unwrap())
        .await;
    b.submit("#list-import button").await;
    let problems = b.text("#import-problems").await;
    assert!(problems.contains("第2行“本年收益”"), "{problems}");
    assert_eq!(b.overflow().await, "", "/villages/import overflows a phone");
}
