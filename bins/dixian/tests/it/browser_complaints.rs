//! 投诉建议 in a browser at a phone's size: someone without an account complains from the
//! sign-in page, reads the answer by code; the county answers on a phone.

use crate::browser::Browser;
use crate::browser_monitoring::{checks_sit_beside_their_labels, sign_in_as};
use crate::support::demo_server;
use fantoccini::Locator;
use std::time::Duration;

#[tokio::test]
async fn someone_complains_on_a_phone_and_the_county_answers() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (_dir, server) = demo_server("300", "8");
    let base = format!("http://{}", server.addr);
    b.client.set_window_size(390, 844).await.unwrap();
    b.client.goto(&format!("{base}/login")).await.unwrap();
    b.click_link("投诉建议").await;
    assert_eq!(b.path().await, "/complaint");
    assert_eq!(b.overflow().await, "", "/complaint overflows a phone");
    checks_sit_beside_their_labels(&b, "#complaint").await;
    // 长者模式 enlarges everything: the words of the labels, the heading, the boxes.
    b.click_link("长者模式（大字）").await;
    let sizes = b
        .client
        .execute(
            "const px = (e, p) => parseFloat(getComputedStyle(e)[p]);
             return [px(document.querySelector('#complaint label'), 'fontSize'),
                     px(document.querySelector('h1'), 'fontSize'),
                     px(document.querySelector('#complaint input[type=radio]'), 'width'),
                     px(document.querySelector('#complaint .note, .note'), 'fontSize')];",
            vec![],
        )
        .await
        .unwrap();
    let sizes: Vec<f64> = sizes
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(sizes[0] >= 21.0, "labels: {sizes:?}");
    assert!(sizes[1] >= 32.0, "heading: {sizes:?}");
    assert!(sizes[2] >= 30.0, "boxes: {sizes:?}");
    assert!(sizes[3] >= 21.0, "notes: {sizes:?}");
    assert_eq!(b.overflow().await, "", "长者模式 overflows a phone");
    checks_sit_beside_their_labels(&b, "#complaint").await;
    b.fill("#complaint textarea[name=text]", "差").await;
    b.fill("#complaint input[name=name]", "老李").await;
    b.fill("#complaint input[name=phone]", "1380000").await;
    tokio::time::sleep(Duration::from_millis(3200)).await;
    b.submit("#complaint button").await;
    // Every problem at once, beside its field; everything typed still there.
    let errors = b.text("#complaint-errors").await;
    assert!(errors.contains("3处"), "{errors}");
    assert_eq!(
        b.client
            .find_all(Locator::Css("#complaint .field-error"))
            .await
            .unwrap()
            .len(),
        3
    );
    for (css, typed) in [
        ("#complaint textarea[name=text]", "差"),
        ("#complaint input[name=name]", "老李"),
        ("#complaint input[name=phone]", "1380000"),
    ] {
        let value = b
            .client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        assert_eq!(value, typed, "{css} kept");
    }
    assert_eq!(b.overflow().await, "");
    b.client
        .find(Locator::Css("#complaint input[name=kind][value=complaint]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.fill(
        "#complaint textarea[name=text]",
        "帮扶干部要求每次走访都拍照定位上传，老人不愿意",
    )
    .await;
    b.fill("#complaint input[name=phone]", "13800001234").await;
    b.submit("#complaint button").await;
    let code = b.text("#complaint-code").await;
    assert!(code.starts_with("TS"), "{code}");
    assert!(!b.text("#complaint-due").await.is_empty());
    assert_eq!(b.overflow().await, "");
    b.screenshot("complaint-sent-phone.png").await;

    // The county office answers on a phone.
    sign_in_as(&b, &base, "county").await;
    b.client
        .goto(&format!("{base}/complaints?status=open"))
        .await
        .unwrap();
    assert_eq!(b.overflow().await, "", "/complaints overflows a phone");
    assert!(b.text("#complaint-figure").await.contains("按时答复率"));
    let link = b
        .client
        .find(Locator::Css("#complaints-list a.target"))
        .await
        .unwrap();
    let height = link
        .rectangle()
        .await
        .map(|(_, _, _, h)| h)
        .unwrap_or_default();
    assert!(height >= 40.0, "the row's link is {height} px tall");
    b.click_and_wait(link).await;
    assert!(b.text("#complaint-facts").await.contains("138****1234"));
    b.fill(
        "#reply textarea[name=reply]",
        "已告知各帮扶干部：照片和定位不作强制要求，走访记录如实填写即可",
    )
    .await;
    b.submit("#reply button").await;
    assert!(b.text("#complaint-done").await.contains("已答复"));
    assert_eq!(b.overflow().await, "");
    b.screenshot("complaint-answer-phone.png").await;

    // The sender reads it by code.
    b.client.delete_all_cookies().await.unwrap();
    b.client
        .goto(&format!("{base}/complaint/status"))
        .await
        .unwrap();
    b.fill("#status input[name=code]", &code).await;
    b.submit("#status button").await;
    assert!(
        b.text("#complaint-reply")
            .await
            .contains("照片和定位不作强制要求")
    );
    assert_eq!(b.overflow().await, "");
    b.close().await;
}
