//! Browser end-to-end test of the cadre pages on a phone: the town records a 包村 cadre (a
//! missing name refused beside its box, the rest kept), hands a pairing over to a successor,
//! moves a leaving 帮扶责任人's households to another in one step, records a secretary's
//! visit (one outside the town refused), and staffs the information-officer grid; the
//! village page shows who works for it.

use crate::browser::Browser;
use crate::browser_villages::{boxes_sit_by_their_labels, open_details};
use crate::support::{BIN, demo_server};
use fantoccini::Locator;

const TOWN: &str = "500299101000";
const VILLAGE: &str = "500299101201";

/// The value of the first option of `select` whose words contain `words`.
async fn option_with(b: &Browser, select: &str, words: &str) -> String {
    let v = b
        .client
        .execute(
            "for (const o of document.querySelectorAll(arguments[0] + ' option')) {
               if (o.textContent.includes(arguments[1])) return o.value;
             }
             return '';",
            vec![select.into(), words.into()],
        )
        .await
        .unwrap();
    let v = v.as_str().unwrap_or_default().to_string();
    assert!(!v.is_empty(), "no option of {select} says {words}");
    v
}

#[tokio::test]
async fn the_town_keeps_its_cadres_on_a_phone() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (dir, server) = demo_server("300", "48");
    let base = format!("http://{}", server.addr);
    b.client.set_window_size(390, 844).await.unwrap();
    b.login(&base, "town", "Dixian@2026").await;

    // 包村: the name left out is refused beside its box, the village chosen kept.
    b.client.goto(&format!("{base}/pairings")).await.unwrap();
    assert_eq!(b.overflow().await, "", "/pairings overflows a phone");
    assert!(b.text("#pairing-list").await.contains("包片（乡镇）"));
    open_details(&b, "#new-pairing").await;
    b.choose("#new-pairing select[name=division]", VILLAGE)
        .await;
    b.fill("#new-pairing input[name=post]", "镇党委副书记")
        .await;
    b.fill("#new-pairing input[name=unit]", "石桥镇").await;
    b.submit("#new-pairing button").await;
    let beside = b
        .text("#new-pairing input[name=person] + .field-error")
        .await;
    assert!(beside.contains("请填写包联干部姓名"), "{beside}");
    let kept = b
        .client
        .find(Locator::Css("#new-pairing select[name=division]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(kept, VILLAGE);
    assert_eq!(b.overflow().await, "", "a refused pairing overflows");
    boxes_sit_by_their_labels(&b, "#new-pairing").await;
    b.fill("#new-pairing input[name=person]", "包村新干部")
        .await;
    b.submit("#new-pairing button").await;
    assert!(b.text("#pairings-done").await.contains("已记录"));
    assert!(b.text("#pairing-list").await.contains("包村新干部"));

    // Hand-over: the successor named without a post is refused; then the pairing ends and
    // the successor's starts the same day.
    let form = b
        .client
        .execute(
            "for (const tr of document.querySelectorAll('#pairing-list tbody tr')) {
               if (tr.textContent.includes('包村新干部')) return tr.querySelector('form').id;
             }
             return '';",
            vec![],
        )
        .await
        .unwrap();
    let form = format!("#{}", form.as_str().unwrap());
    open_details(&b, &form).await;
    b.fill(&format!("{form} input[name=reason]"), "调县农业农村委")
        .await;
    b.fill(&format!("{form} input[name=person]"), "接任干部")
        .await;
    b.submit(&format!("{form} button")).await;
    assert!(
        b.text(&format!("{form} input[name=post] + .field-error"))
            .await
            .contains("请填写接任干部职务")
    );
    assert_eq!(b.overflow().await, "", "a refused hand-over overflows");
    b.fill(&format!("{form} input[name=post]"), "镇党委委员")
        .await;
    b.fill(&format!("{form} input[name=unit]"), "石桥镇").await;
    b.submit(&format!("{form} button")).await;
    assert!(b.text("#pairings-done").await.contains("包联已结束"));
    let list = b.text("#pairing-list").await;
    assert!(list.contains("（调县农业农村委）"), "{list}");
    assert!(list.contains("接任干部"), "{list}");

    // 包户: a second 帮扶责任人 for the town, then the demo cadre's households moved to it.
    let data = dir.path().join("demo");
    let out = std::process::Command::new(BIN)
        .args([
            "user",
            "add",
            "--data-dir",
            data.to_str().unwrap(),
            "--username",
            "cadre2",
            "--name",
            "接手帮扶干部",
            "--role",
            "帮扶责任人",
            "--division",
            TOWN,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    b.client.goto(&format!("{base}/pairings")).await.unwrap();
    let loads = b.text("#cadre-loads").await;
    assert!(loads.contains("接手帮扶干部"), "{loads}");
    open_details(&b, "#hand-over-form").await;
    let from = option_with(&b, "#hand-over-form select[name=from]", "户）").await;
    let to = option_with(&b, "#hand-over-form select[name=to]", "接手帮扶干部").await;
    b.choose("#hand-over-form select[name=from]", &from).await;
    b.choose("#hand-over-form select[name=to]", &to).await;
    b.submit("#hand-over-form button").await;
    assert!(
        b.text("#hand-over-form input[name=reason] + .field-error")
            .await
            .contains("请填写调整原因")
    );
    boxes_sit_by_their_labels(&b, "#hand-over-form").await;
    b.fill("#hand-over-form input[name=reason]", "调离本镇")
        .await;
    b.submit("#hand-over-form button").await;
    let done = b.text("#pairings-done").await;
    assert!(done.contains("已移交") && done.contains("户"), "{done}");
    assert!(b.text("#cadre-periods").await.contains("调离本镇"));
    assert_eq!(
        b.overflow().await,
        "",
        "/pairings after a hand-over overflows"
    );
    b.screenshot("pairings-phone.png").await;
    // The household's page says who is its 帮扶责任人 now and who was before.
    let household = b.href("#cadre-periods tbody tr a").await;
    b.client.goto(&format!("{base}{household}")).await.unwrap();
    assert!(b.text("#cadres-now").await.contains("接手帮扶干部"));
    assert!(b.text("#cadres-before").await.contains("调离本镇"));
    assert_eq!(b.overflow().await, "", "a household page overflows a phone");
    // 解除 with a day and a reason; without the reason it is named beside its box.
    open_details(&b, "#cadres-now form").await;
    boxes_sit_by_their_labels(&b, "#cadres-now form").await;
    b.submit("#cadres-now form button").await;
    assert!(
        b.text("#cadres-now form input[name=reason] + .field-error")
            .await
            .contains("请填写解除原因")
    );
    b.fill(
        "#cadres-now form input[name=reason]",
        "本户已稳定，不再包户",
    )
    .await;
    b.submit("#cadres-now form button").await;
    assert!(b.text("#cadres").await.contains("帮扶责任人"));
    assert!(b.text(".notice").await.contains("已解除帮扶责任人"));
    let before = b.text("#cadres-before").await;
    assert!(
        before.contains("本户已稳定，不再包户") && before.contains("接手帮扶干部"),
        "{before}"
    );
    assert_eq!(b.overflow().await, "", "a household page overflows a phone");

    // 遍访: a household of another town is refused beside its box; a village is recorded.
    b.client.goto(&format!("{base}/tours")).await.unwrap();
    assert_eq!(b.overflow().await, "", "/tours overflows a phone");
    assert!(b.text("#coverage-summary").await.contains("乡镇党委书记"));
    open_details(&b, "#new-tour").await;
    b.choose("#new-tour select[name=level]", "town").await;
    b.choose("#new-tour select[name=of]", TOWN).await;
    b.fill("#new-tour input[name=visitor]", "镇党委书记").await;
    b.fill("#new-tour input[name=household]", "5002991022010001")
        .await;
    b.submit("#new-tour button").await;
    assert!(
        b.text("#new-tour input[name=household] + .field-error")
            .await
            .contains("不在乡镇党委书记")
    );
    assert_eq!(b.overflow().await, "", "a refused visit overflows");
    boxes_sit_by_their_labels(&b, "#new-tour").await;
    b.fill("#new-tour input[name=household]", "").await;
    b.choose("#new-tour select[name=division]", VILLAGE).await;
    b.fill("#new-tour textarea[name=note]", "了解产业和务工情况")
        .await;
    b.submit("#new-tour button").await;
    assert!(b.text("#tours-done").await.contains("已记录"));
    assert!(b.text("#tour-list").await.contains("了解产业和务工情况"));
    b.screenshot("tours-phone.png").await;

    // The grid: a phone number of words refused beside its box; then the officer serves.
    b.client.goto(&format!("{base}/grid")).await.unwrap();
    assert_eq!(b.overflow().await, "", "/grid overflows a phone");
    assert!(b.text("#grid-rule").await.contains("村1名"));
    open_details(&b, "#new-officer").await;
    b.choose("#new-officer select[name=division]", VILLAGE)
        .await;
    b.fill("#new-officer input[name=name]", "新信息员").await;
    b.fill("#new-officer input[name=phone]", "没有电话").await;
    b.submit("#new-officer button").await;
    let beside = b
        .text("#new-officer input[name=phone] + .field-error")
        .await;
    assert!(beside.contains("联系电话“没有电话”无效"), "{beside}");
    assert_eq!(b.overflow().await, "", "a refused officer overflows");
    boxes_sit_by_their_labels(&b, "#new-officer").await;
    b.fill("#new-officer input[name=phone]", "13800138000")
        .await;
    b.submit("#new-officer button").await;
    assert!(b.text("#grid-done").await.contains("已配备"));

    // The village page says who works for it.
    b.client
        .goto(&format!("{base}/villages/{VILLAGE}"))
        .await
        .unwrap();
    let cadres = b.text("#village-cadre-list").await;
    assert!(cadres.contains("接任干部"), "{cadres}");
    assert!(cadres.contains("新信息员"), "{cadres}");
    assert!(b.text("#village-tours").await.contains("书记遍访"));
    assert_eq!(b.overflow().await, "", "the village page overflows a phone");
}
