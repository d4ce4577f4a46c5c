//! Browser end-to-end tests of the monitoring workflow. The legal notice period (≥5 days)
//! cannot pass inside a test, so the approvals run on a case the village reported weeks ago
//! (every step takes its date from the form), and the self-declaration made today runs as
//! far as the notice it posts.

use crate::browser::Browser;
use crate::support::demo_server;
use chrono::{Datelike, Days, NaiveDate};
use dixian_domain::id_number::{IdNumber, Sex};
use fantoccini::Locator;
use std::time::Duration;

const VILLAGE: &str = "500299101201";

/// Calls the JSON API from the signed-in browser with its CSRF token; gives (status, body).
async fn api(b: &Browser, method: &str, path: &str, body: serde_json::Value) -> (u64, String) {
    let out = b
        .client
        .execute_async(
            "const [method, path, body, done] = arguments;
             fetch('/api/session').then(r => r.json()).then(s => fetch(path, {
               method, body: JSON.stringify(body),
               headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token },
             })).then(r => r.text().then(t => done([r.status, t])));",
            vec![method.into(), path.into(), body],
        )
        .await
        .unwrap();
    (
        out[0].as_u64().unwrap(),
        out[1].as_str().unwrap().to_string(),
    )
}

/// Registers a one-person household in the demo village with a year of income and a secure
/// 两不愁三保障 check; gives its code.
pub(crate) async fn register(b: &Browser, head: &IdNumber, name: &str, wage: &str) -> String {
    let (status, body) = api(
        b,
        "POST",
        "/api/households",
        serde_json::json!({
            "village": VILLAGE, "address": "桂花湾8号", "household_type": "ordinary",
            "head": { "id_number": head.as_str(), "name": name, "medical_insurance": true },
            "reason": "新立户",
        }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let code = serde_json::from_str::<serde_json::Value>(&body).unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let year = dixian_app::today().year() - 1;
    let (status, body) = api(
        b,
        "PUT",
        &format!("/api/households/{code}/income"),
        serde_json::json!({ "year": year, "wage": wage, "reason": "入户登记" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api(
        b,
        "PUT",
        &format!("/api/households/{code}/assurance"),
        serde_json::json!({
            "food_clothing": true, "housing": "b", "water_quantity": true, "water_quality": true,
            "water_convenience": true, "water_guarantee": true, "reason": "入户核查",
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    code
}

async fn set_value(b: &Browser, css: &str, value: &str) {
    b.client
        .execute(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1]; return true;",
            vec![css.into(), value.into()],
        )
        .await
        .unwrap();
}

async fn tick(b: &Browser, css: &str) {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

pub(crate) async fn sign_in_as(b: &Browser, base: &str, who: &str) {
    b.client.delete_all_cookies().await.unwrap();
    b.login(base, who, "Dixian@2026").await;
}

fn consent_file(dir: &std::path::Path) -> String {
    let path = dir.join("承诺授权书.pdf");
    std::fs::write(
        &path,
        b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n",
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

async fn value_of(b: &Browser, css: &str) -> String {
    b.client
        .execute(
            "return document.querySelector(arguments[0]).value;",
            vec![css.into()],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Every choice of `form` is one row: its box inside the row, beside the first character of
/// its words, the row at least 40 px tall (a thumb) and less than 100 px (not a column).
pub(crate) async fn checks_sit_beside_their_labels(b: &Browser, form: &str) {
    let rows = b
        .client
        .execute(
            "const out = [];
             for (const l of document.querySelectorAll(arguments[0] + ' label.check')) {
               const box = l.querySelector('input').getBoundingClientRect();
               const r = l.getBoundingClientRect();
               const range = document.createRange();
               range.selectNodeContents(l);
               const text = [...range.getClientRects()].filter(x => x.left > box.right - 1)[0];
               out.push([r.top, r.bottom, box.top, box.bottom, box.right,
                         text ? text.left : -1, text ? (text.top + text.bottom) / 2 : -1,
                         l.textContent.trim()]);
             }
             return out;",
            vec![form.into()],
        )
        .await
        .unwrap();
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty(), "{form} has choices");
    for r in rows {
        let n = |i: usize| r[i].as_f64().unwrap();
        let name = r[7].as_str().unwrap_or_default();
        let (top, bottom, box_top, box_bottom, box_right, text_left, text_mid) =
            (n(0), n(1), n(2), n(3), n(4), n(5), n(6));
        assert!(bottom - top >= 40.0, "{name}: {} px tall", bottom - top);
        assert!(bottom - top < 100.0, "{name}: {} px tall", bottom - top);
        assert!(
            box_top >= top - 0.5 && box_bottom <= bottom + 0.5,
            "{name}: box outside"
        );
        assert!(text_left >= box_right, "{name}: words not beside the box");
        assert!(
            text_mid >= box_top - 12.0 && text_mid <= box_bottom + 12.0,
            "{name}: words not on the box's line"
        );
    }
}

async fn fits_a_phone(b: &Browser) -> bool {
    b.client
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap()
        == serde_json::Value::Bool(true)
}

#[tokio::test]
async fn a_household_declares_on_a_phone_and_the_village_posts_the_notice() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (dir, server) = demo_server("600", "14");
    let base = format!("http://{}", server.addr);
    let head = IdNumber::compose(
        "500299",
        NaiveDate::from_ymd_opt(1961, 7, 15).unwrap(),
        77,
        Sex::Male,
    )
    .unwrap();
    b.login(&base, "village", "Dixian@2026").await;
    register(&b, &head, "申报人甲", "9000").await;
    b.client.delete_all_cookies().await.unwrap();

    // On a phone, in 长者模式.
    b.client.set_window_size(390, 844).await.unwrap();
    b.client.goto(&format!("{base}/apply")).await.unwrap();
    b.click_link("长者模式（大字）").await;
    assert!(fits_a_phone(&b).await, "/apply overflows a phone");
    b.fill("#apply input[name=name]", "申报人甲").await;
    b.fill("#apply input[name=id_number]", head.as_str()).await;
    b.fill("#apply input[name=phone]", "13900001111").await;
    // The town first: the village list then holds only its villages, what was typed kept.
    b.choose("#apply select[name=town]", "500299101000").await;
    b.submit("#town-step button").await;
    assert_eq!(
        b.client
            .find(Locator::Css("#apply input[name=name]"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("申报人甲")
    );
    let offered = b
        .client
        .find_all(Locator::Css("#apply select[name=village] option"))
        .await
        .unwrap()
        .len();
    assert!(
        (2..=40).contains(&offered),
        "{offered} villages of one town"
    );
    assert!(
        fits_a_phone(&b).await,
        "/apply with a town overflows a phone"
    );
    b.choose("#apply select[name=village]", VILLAGE).await;
    tick(&b, "#apply input[name=hardship][value='01']").await;
    b.fill("#apply textarea[name=text]", "老伴住院，花了六万多")
        .await;
    // People take a few seconds; a form sent back at once is refused as a robot's.
    tokio::time::sleep(Duration::from_millis(3200)).await;
    b.submit("#apply-submit").await;
    let code = b.text("#tracking-code").await;
    assert!(code.starts_with("SB"), "{code}");
    b.screenshot("apply-done-phone.png").await;
    b.click_link("查询办理进度").await;
    b.fill("#status input[name=code]", &code).await;
    b.fill("#status input[name=id_number]", head.as_str()).await;
    b.submit("#status button").await;
    let progress = b.text("#status-result").await;
    assert!(progress.contains("已收到，等待乡镇受理"), "{progress}");
    // What happens next, and by when.
    assert!(progress.contains("乡镇审核是否受理，应在"), "{progress}");
    assert!(fits_a_phone(&b).await);

    // The town sees it among its reminders and accepts it.
    b.client.set_window_size(1280, 900).await.unwrap();
    sign_in_as(&b, &base, "town").await;
    assert!(b.text("#reminders").await.contains("待受理线索"));
    b.client
        .goto(&format!("{base}/leads?status=pending"))
        .await
        .unwrap();
    let articles = b
        .client
        .find_all(Locator::Css("article.lead"))
        .await
        .unwrap();
    let mut accept = None;
    for a in articles {
        if a.text().await.unwrap().contains("老伴住院") {
            accept = Some(a.find(Locator::Css("button")).await.unwrap());
        }
    }
    b.client
        .execute("window.__dixianOldPage = true; return true;", vec![])
        .await
        .unwrap();
    accept
        .expect("the declaration is pending")
        .click()
        .await
        .unwrap();
    let done = b.text("#case-done").await;
    assert!(done.contains("已受理立案"), "{done}");
    let case_path = b.path().await;

    // The spouse's hospital bill is a sudden severe hardship: the village assesses it and, on
    // a phone, asks the town for the green channel (经村级研判); the town agrees.
    sign_in_as(&b, &base, "village").await;
    b.client.set_window_size(390, 844).await.unwrap();
    b.client.goto(&format!("{base}{case_path}")).await.unwrap();
    assert!(
        b.client.find(Locator::Css("#green-channel")).await.is_err(),
        "the village cannot start it itself"
    );
    b.fill(
        "#propose-green-channel input[name=comment]",
        "配偶住院自付6万元，村两委研判须先行救助",
    )
    .await;
    b.submit("#propose-green-channel button").await;
    assert!(b.text("#case-done").await.contains("村级研判提请绿色通道"));
    assert!(b.text("main").await.contains("经村级研判提请，待乡镇同意"));
    assert!(fits_a_phone(&b).await, "the case page overflows a phone");
    b.client.set_window_size(1280, 900).await.unwrap();
    sign_in_as(&b, &base, "town").await;
    b.client.goto(&format!("{base}{case_path}")).await.unwrap();
    assert!(b.text("#green-channel-proposed").await.contains("研判"));
    b.fill("#green-channel input[name=comment]", "同意先行帮扶")
        .await;
    b.submit("#green-channel button").await;
    assert!(b.text("#case-done").await.contains("启用绿色通道"));
    assert!(b.text("main").await.contains("启用，先行帮扶"));

    // The village verifies on a phone with the signed consent, deliberates and prints the
    // notice. The first try has one verifier and no risk ticked: both problems come back at
    // once, beside their fields, with everything typed and the consent kept.
    sign_in_as(&b, &base, "village").await;
    b.client.set_window_size(390, 844).await.unwrap();
    b.client.goto(&format!("{base}{case_path}")).await.unwrap();
    checks_sit_beside_their_labels(&b, "#verify").await;
    b.fill("#verify input[name=verifiers]", "王村干").await;
    b.fill("#verify input[name=rigid_expenditure]", "60000")
        .await;
    // 9,000 a head is above the line; the medical bill brings it below: 突发严重困难户.
    b.choose("#verify select[name=category]", "03").await;
    b.fill("#verify input[name=file]", &consent_file(dir.path()))
        .await;
    b.fill("#verify textarea[name=comment]", "配偶住院，自付6万元")
        .await;
    b.submit("#verify button").await;
    let problems = b.text("#verify-errors").await;
    assert!(problems.contains("未保存，请改正以下2处"), "{problems}");
    assert!(
        problems.contains("入户核实须不少于2人，填写了1人"),
        "{problems}"
    );
    assert!(problems.contains("请至少选择一项风险类型"), "{problems}");
    let beside = b
        .client
        .find_all(Locator::Css("#verify .field-error"))
        .await
        .unwrap();
    assert_eq!(beside.len(), 2, "each problem beside its field");
    assert_eq!(
        value_of(&b, "#verify input[name=verifiers]").await,
        "王村干"
    );
    assert_eq!(
        value_of(&b, "#verify input[name=rigid_expenditure]").await,
        "60000"
    );
    assert_eq!(value_of(&b, "#verify select[name=category]").await, "03");
    assert_eq!(
        value_of(&b, "#verify textarea[name=comment]").await,
        "配偶住院，自付6万元"
    );
    assert!(
        b.text("#verify select[name=consent_attachment]")
            .await
            .contains("承诺授权书.pdf"),
        "the consent uploaded once is kept"
    );
    assert!(
        b.client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with("#verify"),
        "the answer opens at the form"
    );
    assert!(fits_a_phone(&b).await, "the refused form overflows a phone");
    b.screenshot("verify-refused-phone.png").await;
    b.fill("#verify input[name=verifiers]", "王村干、李镇干")
        .await;
    tick(&b, "#verify input[name=risk][value='01']").await;
    b.submit("#verify button").await;
    assert!(b.text("#case-done").await.contains("入户核实"));
    b.client.set_window_size(1280, 900).await.unwrap();
    assert!(b.text("#case-history").await.contains("低于监测范围"));
    b.fill("#deliberate input[name=attendees]", "21").await;
    b.submit("#deliberate button").await;
    assert_eq!(b.text("#case-state").await, "公示中");
    b.click_link("打印公示").await;
    let notice = b.text("main").await;
    assert!(notice.contains("申报人甲"), "{notice}");
    assert!(!notice.contains(head.as_str()) && !notice.contains("13900001111"));
    assert!(!notice.contains("因病"), "no health details on a notice");
    b.screenshot("notice.png").await;
    b.close().await;
    drop(server);
}

#[tokio::test]
async fn a_reported_case_is_included_then_its_elimination_is_refused_and_redone() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (dir, server) = demo_server("600", "15");
    let base = format!("http://{}", server.addr);
    let today = dixian_app::today();
    // Found eight months ago; each step dated as it happened.
    let day = |n: u64| (today - Days::new(n)).to_string();
    let head = IdNumber::compose(
        "500299",
        NaiveDate::from_ymd_opt(1966, 2, 3).unwrap(),
        61,
        Sex::Female,
    )
    .unwrap();
    b.login(&base, "village", "Dixian@2026").await;
    let code = register(&b, &head, "务工户乙", "30000").await;
    b.client.goto(&format!("{base}/leads")).await.unwrap();
    b.choose("#lead-form select[name=village]", VILLAGE).await;
    b.fill("#lead-form input[name=household]", &code).await;
    b.choose("#lead-form select[name=channel]", "cadre_survey")
        .await;
    b.fill("#lead-form input[name=source]", "网格员王五").await;
    b.fill("#lead-form textarea[name=reason]", "务工受伤，收入中断")
        .await;
    set_value(&b, "#lead-form input[name=received_on]", &day(240)).await;
    b.submit("#lead-form button").await;

    sign_in_as(&b, &base, "town").await;
    b.client
        .goto(&format!("{base}/leads?status=pending"))
        .await
        .unwrap();
    let articles = b
        .client
        .find_all(Locator::Css("article.lead"))
        .await
        .unwrap();
    let mut form_id = None;
    for a in articles {
        if a.text().await.unwrap().contains("务工受伤") {
            form_id = Some(a.attr("id").await.unwrap().unwrap());
        }
    }
    let article = format!("#{}", form_id.expect("the report is pending"));
    set_value(&b, &format!("{article} input[name=on]"), &day(239)).await;
    b.submit(&format!("{article} form button")).await;
    let case_path = b.path().await;

    sign_in_as(&b, &base, "village").await;
    b.client.goto(&format!("{base}{case_path}")).await.unwrap();
    set_value(&b, "#verify input[name=visited_on]", &day(238)).await;
    set_value(&b, "#verify input[name=on]", &day(238)).await;
    b.fill("#verify input[name=verifiers]", "王村干、李镇干")
        .await;
    tick(&b, "#verify input[name=risk][value='05']").await;
    b.fill("#verify input[name=file]", &consent_file(dir.path()))
        .await;
    b.submit("#verify button").await;
    for field in ["held_on", "notice_from", "on"] {
        set_value(&b, &format!("#deliberate input[name={field}]"), &day(237)).await;
    }
    b.fill("#deliberate input[name=attendees]", "19").await;
    b.submit("#deliberate button").await;
    // Ending the notice early is refused with the date it may end.
    set_value(&b, "#end-notice input[name=on]", &day(235)).await;
    b.submit("#end-notice button").await;
    assert!(b.text("#case-error").await.contains("公示期未满"));
    set_value(&b, "#end-notice input[name=on]", &day(232)).await;
    b.submit("#end-notice button").await;
    assert_eq!(b.text("#case-state").await, "乡镇审核");

    sign_in_as(&b, &base, "town").await;
    b.client.goto(&format!("{base}{case_path}")).await.unwrap();
    set_value(&b, "#approve input[name=on]", &day(231)).await;
    b.submit("#approve button").await;
    sign_in_as(&b, &base, "county").await;
    b.client.goto(&format!("{base}{case_path}")).await.unwrap();
    set_value(&b, "#approve input[name=on]", &day(230)).await;
    b.submit("#approve button").await;
    assert_eq!(b.text("#case-state").await, "监测帮扶中");
    // The town owes a cadre, long overdue.
    sign_in_as(&b, &base, "town").await;
    b.client.goto(&format!("{base}/work")).await.unwrap();
    let work = b.text("#work-items").await;
    assert!(
        work.contains("务工户乙") && work.contains("明确帮扶责任人"),
        "{work}"
    );
    assert!(b.text("#overdue").await.contains("已逾期"));
    b.client.goto(&format!("{base}{case_path}")).await.unwrap();
    b.client
        .execute(
            "const s = document.querySelector('#cadre select[name=cadre]'); s.selectedIndex = 1; return s.value;",
            vec![],
        )
        .await
        .unwrap();
    b.fill("#cadre input[name=unit]", "区农业农村委").await;
    b.submit("#cadre button").await;
    assert!(b.text("#case-done").await.contains("明确帮扶责任人"));
    // The cadre finds the plan on their list and starts it.
    sign_in_as(&b, &base, "cadre").await;
    b.client.goto(&format!("{base}/work")).await.unwrap();
    assert!(b.text("#work-items").await.contains("制定帮扶计划"));
    b.client.goto(&format!("{base}{case_path}")).await.unwrap();
    assert!(b.text("#plan-gaps").await.contains("尚无帮扶措施"));
    b.choose("#measure-new select[name=type_code]", "02").await;
    b.fill("#measure-new input[name=content]", "推荐到区内企业务工")
        .await;
    b.fill("#measure-new input[name=unit]", "区人力社保局")
        .await;
    b.fill("#measure-new input[name=amount]", "1200").await;
    b.choose("#measure-new select[name=status]", "planned")
        .await;
    b.submit("#measure-new button").await;
    assert!(b.text("#measures").await.contains("推荐到区内企业务工"));
    assert!(!b.text("#assistance").await.contains("尚无帮扶措施"));
    // …and records a visit with a photo; months since inclusion without one show as missed.
    assert!(b.text("#missed-visits").await.contains("漏访"));
    let photo = dir.path().join("现场.jpg");
    std::fs::write(&photo, dixian_testkit::photo_jpeg()).unwrap();
    b.fill("#visit-form input[name=visitors]", "张帮扶、村医")
        .await;
    b.fill("#visit-form textarea[name=findings]", "腿伤好转，可做轻活")
        .await;
    b.fill("#visit-form input[name=file]", photo.to_str().unwrap())
        .await;
    b.submit("#visit-form button").await;
    assert!(b.text("#case-done").await.contains("走访记录已保存"));
    // The photo shows as a thumbnail, decrypted when the page asks for it.
    let width = b
        .client
        .execute_async(
            "const [done] = arguments;
             const i = document.querySelector('#visit-list a.thumb img');
             if (!i) return done(-1);
             i.scrollIntoView();
             if (i.complete && i.naturalWidth) return done(i.naturalWidth);
             i.onload = () => done(i.naturalWidth); i.onerror = () => done(0);",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        width.as_i64().unwrap_or(0) > 0,
        "the thumbnail shows: {width}"
    );
    assert!(
        b.href("#visit-list a.thumb").await.ends_with("/view"),
        "a tap opens it full size"
    );

    // 帮扶消除 with no measure yet applied (only planned) is refused, the gate named. The
    // elimination is recorded on the dates it happened, three to four weeks ago.
    sign_in_as(&b, &base, "village").await;
    b.client.goto(&format!("{base}{case_path}")).await.unwrap();
    b.choose("#propose select[name=mode]", "1").await;
    b.fill("#propose input[name=comment]", "务工收入恢复").await;
    set_value(&b, "#propose input[name=on]", &day(25)).await;
    b.submit("#propose button").await;
    assert_eq!(b.text("#case-state").await, "消除核实");
    let exit_verify = |on: String| {
        let b = &b;
        async move {
            set_value(b, "#verify input[name=visited_on]", &on).await;
            set_value(b, "#verify input[name=on]", &on).await;
            b.fill("#verify input[name=verifiers]", "王村干、李镇干")
                .await;
            b.fill("#verify input[name=stable_income_months]", "7")
                .await;
            tick(b, "#verify input[name=rigid_expenditure_resolved]").await;
            b.submit("#verify button").await;
        }
    };
    exit_verify(day(24)).await;
    let refusal = b.text("#case-error").await;
    assert!(
        refusal.contains("不符合风险消除条件") && refusal.contains("帮扶措施（已落实帮扶措施0项"),
        "{refusal}"
    );
    // The town turns the proposal down; the village proposes 自然消除, which passes.
    sign_in_as(&b, &base, "town").await;
    b.client.goto(&format!("{base}{case_path}")).await.unwrap();
    b.fill(
        "#close input[name=comment]",
        "尚未落实帮扶措施，改按自然消除评估",
    )
    .await;
    set_value(&b, "#close input[name=on]", &day(23)).await;
    b.submit("#close button").await;
    assert_eq!(b.text("#case-state").await, "监测帮扶中");
    sign_in_as(&b, &base, "village").await;
    b.client.goto(&format!("{base}{case_path}")).await.unwrap();
    b.choose("#propose select[name=mode]", "2").await;
    b.fill("#propose input[name=comment]", "务工收入恢复，风险自然消除")
        .await;
    set_value(&b, "#propose input[name=on]", &day(22)).await;
    b.submit("#propose button").await;
    exit_verify(day(21)).await;
    let history = b.text("#case-history").await;
    assert!(
        history.contains("监测时间") && history.contains("符合：20"),
        "{history}"
    );
    for field in ["held_on", "notice_from", "on"] {
        set_value(&b, &format!("#deliberate input[name={field}]"), &day(20)).await;
    }
    b.fill("#deliberate input[name=attendees]", "20").await;
    b.submit("#deliberate button").await;
    assert_eq!(b.text("#case-state").await, "消除公示中");
    b.click_link("打印公示").await;
    assert!(b.text("h1").await.contains("风险消除"));
    b.client.goto(&format!("{base}{case_path}")).await.unwrap();
    set_value(&b, "#end-notice input[name=on]", &day(15)).await;
    b.submit("#end-notice button").await;
    sign_in_as(&b, &base, "town").await;
    b.client.goto(&format!("{base}{case_path}")).await.unwrap();
    set_value(&b, "#approve input[name=on]", &day(14)).await;
    b.submit("#approve button").await;
    sign_in_as(&b, &base, "county").await;
    b.client.goto(&format!("{base}{case_path}")).await.unwrap();
    set_value(&b, "#approve input[name=on]", &day(13)).await;
    b.submit("#approve button").await;
    assert_eq!(b.text("#case-state").await, "风险已消除");
    // 回退: the elimination proves unstable.
    b.fill("#revert input[name=comment]", "务工再次中断，收入骤减")
        .await;
    b.submit("#revert button").await;
    assert_eq!(b.text("#case-state").await, "监测帮扶中");
    assert!(b.text("#case-history").await.contains("回退监测"));
    b.close().await;
    drop(server);
}
