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
    open_details(&b, "#designate").await;
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

    // Ending it: not before it began (refused, what was typed kept), then today.
    b.client
        .execute(
            "document.querySelector('#end-designation').closest('details').open = true;
             const s = document.querySelector('#end-designation select[name=designation]');
             s.value = [...s.options].find(o => o.text.includes('软弱涣散村')).value; return true;",
            vec![],
        )
        .await
        .unwrap();
    b.choose("#end-designation input[name=on]", "2020-01-01")
        .await;
    b.fill(
        "#end-designation input[name=reason]",
        "青乡振〔2026〕12号整顿转化",
    )
    .await;
    b.submit("#end-designation button").await;
    assert!(
        b.text("#end-designation-errors")
            .await
            .contains("早于认定开始日期")
    );
    assert_eq!(b.overflow().await, "", "a refused end overflows");
    // The server's today (Beijing time) is the designation form's default date.
    let today = b
        .client
        .execute(
            "return document.querySelector('#designate input[name=from]').defaultValue;",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    b.choose("#end-designation input[name=on]", &today).await;
    b.submit("#end-designation button").await;
    assert!(b.text("#villages-done").await.contains("认定已结束"));

    // The village's own page: designations, accounts against the target, team, findings.
    b.client
        .goto(&format!("{base}/villages/{village}"))
        .await
        .unwrap();
    assert!(b.text("#village-designations").await.contains("软弱涣散村"));
    assert!(b.text("#village-economy").await.contains("经营性收入"));
    assert!(b.text("#village-registry").await.contains("登记农户"));
    assert_eq!(b.overflow().await, "", "the village page overflows a phone");
    b.screenshot("village-page-phone.png").await;

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

    // The dashboard's village section counts the designations (the 004 figures); a count
    // opens the villages so designated, the filter kept on the list.
    b.client.goto(&format!("{base}/dashboard")).await.unwrap();
    let section = b.text("#village-figures").await;
    assert!(section.contains("乡村振兴重点帮扶村"), "{section}");
    assert!(section.contains("驻村工作队"), "{section}");
    assert!(section.contains("监测信息员缺额"), "{section}");
    assert_eq!(b.overflow().await, "", "/dashboard overflows a phone");
    let link = b
        .client
        .execute(
            "for (const tr of document.querySelectorAll('#designation-counts tbody tr')) {
               if (tr.cells[0].textContent === '乡村振兴重点帮扶村') {
                 const a = tr.querySelector('a');
                 return [a.textContent, a.getAttribute('href')];
               }
             }
             return ['', ''];",
            vec![],
        )
        .await
        .unwrap();
    let count: usize = link[0].as_str().unwrap().trim().parse().unwrap();
    assert!(count > 0);
    b.client
        .goto(&format!("{base}{}", link[1].as_str().unwrap()))
        .await
        .unwrap();
    let rows = b
        .client
        .find_all(Locator::Css("#villages tbody tr"))
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        count,
        "the list has the villages the dashboard counted"
    );
    assert!(
        b.text("#villages-summary")
            .await
            .contains("按认定“乡村振兴重点帮扶村”筛选")
    );
    let chosen = b
        .client
        .find(Locator::Css("#villages-filter select[name=designation]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(chosen, "key_village");

    // The case and household lists filter by the village's designation too.
    b.client
        .goto(&format!("{base}/cases?designation=key_town"))
        .await
        .unwrap();
    assert!(
        b.text("#filter")
            .await
            .contains("村的认定：乡村振兴重点帮扶乡镇")
    );
    assert_eq!(
        b.overflow().await,
        "",
        "/cases by designation overflows a phone"
    );
    let total_key_town: i64 = b
        .text("#total-households")
        .await
        .replace(',', "")
        .parse()
        .unwrap();
    b.client.goto(&format!("{base}/cases")).await.unwrap();
    let total: i64 = b
        .text("#total-households")
        .await
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(total_key_town < total, "{total_key_town} of {total}");
    b.client
        .goto(&format!("{base}/households?designation=tuopin_village"))
        .await
        .unwrap();
    let picked = b
        .client
        .find(Locator::Css("#filter select[name=designation]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(picked, "tuopin_village");
    assert!(b.text("#total").await.contains("户"));
    assert_eq!(
        b.overflow().await,
        "",
        "/households by designation overflows a phone"
    );
    // The visit, problem, rectification, project and asset lists: chosen in their forms, the
    // choice kept, fewer listed.
    let count = |text: String| -> i64 {
        text.chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap()
    };
    for (list, total, form) in [
        ("/visits", "#total", "#filter"),
        ("/problems", "#totals", "#problems-filter"),
        (
            "/rectification",
            "#rectification-summary",
            "#rectification-filter",
        ),
        ("/projects", "#totals", "#projects-filter"),
        ("/assets", "#totals", "#assets-filter"),
        ("/leads", "#leads-total", "#leads-filter"),
    ] {
        b.client.goto(&format!("{base}{list}")).await.unwrap();
        let all = count(b.text(total).await);
        // The demo's visits and problems are mostly in 松林村, which is no key village.
        b.choose(&format!("{form} select[name=designation]"), "key_village")
            .await;
        b.submit(&format!("{form} button")).await;
        let picked = b
            .client
            .find(Locator::Css(&format!("{form} select[name=designation]")))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        assert_eq!(picked, "key_village", "{list}");
        let some = count(b.text(total).await);
        assert!(some < all, "{list}: {some} of {all}");
        boxes_sit_by_their_labels(&b, form).await;
        assert_eq!(b.overflow().await, "", "{list} by designation overflows");
    }

    // The dashboard narrows to a designation: the two key towns only, a figure opens the
    // list it counts, the unnarrowed sections say so, and the way down keeps the choice.
    b.client.goto(&format!("{base}/dashboard")).await.unwrap();
    let all = count(b.text("#kpi-identified strong").await);
    b.choose("#dashboard-filter select[name=designation]", "key_town")
        .await;
    b.submit("#dashboard-filter button").await;
    assert!(
        b.text("#dashboard-designation")
            .await
            .contains("乡村振兴重点帮扶乡镇")
    );
    boxes_sit_by_their_labels(&b, "#dashboard-filter").await;
    assert_eq!(
        b.overflow().await,
        "",
        "/dashboard by designation overflows"
    );
    let towns = b
        .client
        .find_all(Locator::Css("#children tbody tr"))
        .await
        .unwrap();
    assert_eq!(towns.len(), 2, "the demo county's two key towns");
    assert!(b.text("#village-figures").await.contains("不按认定筛选"));
    let some = count(b.text("#kpi-identified strong").await);
    assert!(0 < some && some < all, "{some} of {all}");
    let town_href = b
        .client
        .find(Locator::Css("#children tbody tr a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(town_href.ends_with("&designation=key_town"), "{town_href}");
    // A figure is a link: it opens the case list it counted.
    b.submit("#kpi-identified").await;
    assert_eq!(count(b.text("#total-households").await), some);
    assert!(
        b.text("#filter")
            .await
            .contains("村的认定：乡村振兴重点帮扶乡镇")
    );
}

/// The weak-village programme end to end on a phone: the county enrols a chosen village with
/// its plan (a target below the pack's refused beside its box, what was typed kept), imports
/// the year's 农经 statement, the town reports completion (refused without evidence), and the
/// county verifies it and strikes the village off.
#[tokio::test]
async fn a_weak_village_goes_from_plan_to_struck_off_on_a_phone() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (_dir, server) = demo_server("300", "43");
    let base = format!("http://{}", server.addr);
    b.client.set_window_size(390, 844).await.unwrap();
    b.login(&base, "county", "Dixian@2026").await;
    b.client
        .goto(&format!("{base}/villages/weak"))
        .await
        .unwrap();
    assert!(b.text("#programme-summary").await.contains("已纳入扶持"));
    assert_eq!(b.overflow().await, "", "/villages/weak overflows a phone");
    // The demo town's weak villages are left to enrol: take the first by code.
    open_details(&b, "#enrol").await;
    let village = b
        .client
        .execute(
            "return [...document.querySelectorAll('#enrol select[name=village] option')]
               .map(o => o.value).sort()[0];",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    b.choose("#enrol select[name=village]", &village).await;
    b.fill("#enrol input[name=target]", "15万").await;
    b.fill("#enrol input[name=unit]", "县民政局").await;
    b.fill("#enrol input[name=team]", "县民政局第一工作队")
        .await;
    b.fill("#enrol input[name=person]", "李队长").await;
    b.fill(
        "#enrol textarea[name=plan]",
        "流转土地发展蔬菜基地，村集体统一经营",
    )
    .await;
    b.choose("#enrol input[name=deadline]", "2027-12-31").await;
    // The helping team is chosen from the resident teams: one serving another village is
    // refused beside its box; the one serving this village (the demo's first team) is taken.
    let teams = b
        .client
        .execute(
            "const v = document.querySelector('#enrol select[name=village]')
                 .selectedOptions[0].textContent.split('（')[0];
             let serving = '', other = '';
             for (const o of document.querySelectorAll('#enrol select[name=team_id] option')) {
               const m = o.textContent.match(/驻([^；]*)）$/);
               if (!m) continue;
               if (m[1].split('、').some(n => v.endsWith(n))) { serving = serving || o.value; }
               else { other = other || o.value; }
             }
             return [serving, other];",
            vec![],
        )
        .await
        .unwrap();
    let serving = teams[0].as_str().unwrap().to_string();
    let other = teams[1].as_str().unwrap().to_string();
    assert!(!serving.is_empty() && !other.is_empty(), "{teams:?}");
    b.choose("#enrol select[name=team_id]", &other).await;
    b.submit("#enrol button").await;
    let beside = b.text("#enrol input[name=target] + .field-error").await;
    assert!(beside.contains("低于政策包的扶持目标"), "{beside}");
    let beside = b.text("#enrol select[name=team_id] + .field-error").await;
    assert!(beside.contains("不驻"), "{beside}");
    let kept = b
        .client
        .find(Locator::Css("#enrol input[name=unit]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(kept, "县民政局");
    assert_eq!(b.overflow().await, "", "a refused enrolment overflows");
    boxes_sit_by_their_labels(&b, "#enrol").await;
    b.fill("#enrol input[name=target]", "20万").await;
    b.choose("#enrol select[name=team_id]", &serving).await;
    b.submit("#enrol button").await;
    let main = b.text("main").await;
    assert!(main.contains("已纳入扶持，"), "{main}");
    let row = b.text(&format!("#weak-{village}")).await;
    assert!(row.contains("待整改") && row.contains("工作队"), "{row}");
    assert!(
        !row.contains("县民政局"),
        "the chosen team's own unit, not what was typed: {row}"
    );
    let team_link = b
        .client
        .find(Locator::Css(&format!("#weak-{village} a[href^='/teams/']")))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(team_link, format!("/teams/{serving}"));
    b.screenshot("villages-programme-phone.png").await;

    // The year's statement: the village now earns 25万 of operating income.
    b.client
        .goto(&format!("{base}/villages/import"))
        .await
        .unwrap();
    let files = tempfile::tempdir().unwrap();
    let path = files.path().join("accounts-2026.csv");
    std::fs::write(
        &path,
        format!("村*,年度*,经营收入*,发包及上交收入*,投资收益*,补助收入*,其他收入*,经营支出*,管理费用*,其他支出*,本年收益*\n{village},2026,250000,0,0,0,0,50000,0,0,200000\n"),
    )
    .unwrap();
    b.fill("#list-import input[name=file]", path.to_str().unwrap())
        .await;
    b.submit("#list-import button").await;
    assert!(!b.text("main").await.contains("未导入"));

    // The town reports completion: without evidence it is refused beside the box.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "town", "Dixian@2026").await;
    b.client
        .goto(&format!("{base}/villages/weak"))
        .await
        .unwrap();
    let link = b
        .client
        .find(Locator::Css(&format!("#weak-{village} a")))
        .await
        .unwrap();
    b.click_and_wait(link).await;
    assert!(b.text("#item-weak").await.contains("已达到目标"));
    open_details(&b, "#step-resolve").await;
    b.fill(
        "#step-resolve textarea[name=note]",
        "蔬菜基地投产，收益归村集体",
    )
    .await;
    // The statement's scan goes with the report; refused for the missing evidence name, the
    // scan is kept, ticked, and need not be chosen again (upload once).
    let scans = tempfile::tempdir().unwrap();
    let scan = scans.path().join("income-statement.pdf");
    std::fs::write(&scan, b"%PDF-1.4\n% income statement\n%%EOF\n").unwrap();
    b.fill("#step-resolve input[name=file]", scan.to_str().unwrap())
        .await;
    b.submit("#step-resolve button").await;
    let beside = b
        .text("#step-resolve input[name=evidence] + .field-error")
        .await;
    assert!(beside.contains("没有佐证材料不能申请销号"), "{beside}");
    let kept = b.text("#step-resolve .kept-photo").await;
    assert!(kept.contains("income-statement.pdf"), "{kept}");
    assert_eq!(b.overflow().await, "", "a refused step overflows");
    boxes_sit_by_their_labels(&b, "#step-resolve").await;
    b.fill("#step-resolve input[name=evidence]", "2026年收益分配表")
        .await;
    b.submit("#step-resolve button").await;
    assert_eq!(b.text("#item-state").await, "已整改待销号");
    let item = b.path().await;

    // The county verifies it against the stored account and strikes it off.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "county", "Dixian@2026").await;
    b.client.goto(&format!("{base}{item}")).await.unwrap();
    open_details(&b, "#step-close").await;
    b.fill(
        "#step-close textarea[name=note]",
        "核对2026年收益分配表，经营性收入达到目标",
    )
    .await;
    b.submit("#step-close button").await;
    assert_eq!(b.text("#item-state").await, "已销号");
    assert!(b.text("#item-history").await.contains("2026年收益分配表"));
    let scan_link = b
        .client
        .find(Locator::Css("#item-history a[href*='/files/']"))
        .await
        .unwrap();
    assert_eq!(scan_link.text().await.unwrap(), "income-statement.pdf");
    assert_eq!(b.overflow().await, "", "the item page overflows a phone");
    b.screenshot("rectification-item-phone.png").await;
    b.client
        .goto(&format!("{base}/villages/weak"))
        .await
        .unwrap();
    assert!(b.text(&format!("#weak-{village}")).await.contains("已销号"));
    b.client
        .goto(&format!("{base}/rectification"))
        .await
        .unwrap();
    assert!(b.text("#rectification-summary").await.contains("已销号"));
    assert_eq!(b.overflow().await, "", "/rectification overflows a phone");
    boxes_sit_by_their_labels(&b, "#rectification-filter").await;
}

/// Every box of `form` (input, select, text area) is inside its label, its words just above it
/// or just to its left, and nothing of it past the window's right edge.
pub(crate) async fn boxes_sit_by_their_labels(b: &Browser, form: &str) {
    let found = b
        .client
        .execute(
            "const out = [];
             for (const l of document.querySelectorAll(arguments[0] + ' label')) {
               const c = l.querySelector('input, select, textarea');
               if (!c) { out.push(['no box', l.textContent.trim()]); continue; }
               const box = c.getBoundingClientRect();
               const words = l.firstChild;
               const range = document.createRange();
               range.selectNodeContents(words);
               const t = range.getBoundingClientRect();
               const above = t.bottom <= box.top + 2 && Math.abs(t.left - box.left) < 40;
               const left = t.right <= box.left + 2 && t.top < box.bottom && t.bottom > box.top;
               if (!(above || left)) out.push(['apart', l.textContent.trim()]);
               if (box.right > window.innerWidth + 1) out.push(['past the edge', l.textContent.trim()]);
             }
             return [document.querySelectorAll(arguments[0] + ' label').length, out];",
            vec![form.into()],
        )
        .await
        .unwrap();
    let count = found[0].as_u64().unwrap();
    assert!(count > 0, "{form} has labelled boxes");
    assert_eq!(
        found[1],
        serde_json::json!([]),
        "{form}: boxes away from their labels"
    );
}

/// A resident team's month on a phone: the town opens its team, records days in the village
/// (a leave longer than the town may approve refused beside its box, what was typed kept), and
/// reads the month against the pack's share; the A4 sheet fits; the county cannot put a member
/// into a second team at once.
#[tokio::test]
async fn the_town_keeps_its_teams_month_on_a_phone() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (_dir, server) = demo_server("300", "47");
    let base = format!("http://{}", server.addr);
    b.client.set_window_size(390, 844).await.unwrap();
    b.login(&base, "town", "Dixian@2026").await;
    b.client.goto(&format!("{base}/teams")).await.unwrap();
    assert_eq!(b.overflow().await, "", "/teams overflows a phone");
    let link = b
        .client
        .find(Locator::Css("#teams tbody tr a"))
        .await
        .unwrap();
    b.click_and_wait(link).await;
    let team = b.path().await;
    assert!(b.text("#share-rule").await.contains("2/3"));
    assert!(b.text("#member-list").await.contains("第一书记"));
    assert!(
        !b.text("#member-list").await.contains("500299"),
        "ID numbers are masked"
    );

    // October 2026 has no records yet: a week's leave approved by the town is refused.
    b.client
        .goto(&format!("{base}{team}?month=2026-10"))
        .await
        .unwrap();
    assert!(b.text("#month-figures").await.contains("未达到"));
    open_details(&b, "#days").await;
    b.choose("#days select[name=kind]", "leave").await;
    b.choose("#days input[name=from]", "2026-10-12").await;
    b.choose("#days input[name=to]", "2026-10-18").await;
    b.choose("#days select[name=approver]", "town").await;
    b.fill("#days input[name=approval]", "镇党委书记").await;
    b.submit("#days button").await;
    let beside = b.text("#days select[name=approver] + .field-error").await;
    assert!(
        beside.contains("请假7天，超过5天须由县委组织部批准"),
        "{beside}"
    );
    let kept = b
        .client
        .find(Locator::Css("#days input[name=approval]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(kept, "镇党委书记");
    assert_eq!(b.overflow().await, "", "a refused day record overflows");
    boxes_sit_by_their_labels(&b, "#days").await;
    b.choose("#days select[name=approver]", "county").await;
    b.fill("#days input[name=approval]", "县委组织部 2026-10-10")
        .await;
    b.submit("#days button").await;
    assert!(b.text("#team-done").await.contains("已记录"));
    // The week counts five working days of leave (12–16 October; 17–18 are a weekend).
    // Columns: member, working days, in the village, leave, away, unrecorded, …
    let figures = b.text("#month-figures tbody tr").await;
    let cells: Vec<&str> = figures.split_whitespace().collect();
    assert_eq!(cells[1..4], ["18", "0", "5"], "{figures}");
    // And days in the village before it.
    open_details(&b, "#days").await;
    b.choose("#days select[name=kind]", "in").await;
    b.choose("#days input[name=from]", "2026-10-08").await;
    b.choose("#days input[name=to]", "2026-10-11").await;
    b.fill("#days textarea[name=note]", "走访监测户，召开产业项目会")
        .await;
    b.submit("#days button").await;
    assert!(b.text("#day-records").await.contains("走访监测户"));
    assert_eq!(b.overflow().await, "", "the team month overflows a phone");
    // The demo pack counts the year's days too (200, pro rata): a column a person reads as
    // days still missing.
    assert!(b.text("#share-rule").await.contains("每年在村不少于200天"));
    let year = b.text("#month-figures tbody tr .year-state").await;
    assert!(year.starts_with("尚差") || year == "已达到", "{year}");
    b.screenshot("team-month-phone.png").await;
    let print = b.client.find(Locator::Css("#print-month")).await.unwrap();
    b.click_and_wait(print).await;
    assert!(b.text("#team-month").await.contains("2026年10月在村情况"));
    assert!(b.text("#print-figures thead").await.contains("本年应在村"));
    assert_eq!(b.overflow().await, "", "the A4 sheet overflows a phone");

    // The county: the same person cannot serve in a second team at the same time.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "county", "Dixian@2026").await;
    b.client.goto(&format!("{base}/teams")).await.unwrap();
    let second = b
        .client
        .find(Locator::Css("#teams tbody tr:nth-child(2) a"))
        .await
        .unwrap();
    b.click_and_wait(second).await;
    open_details(&b, "#new-member").await;
    b.fill("#new-member input[name=name]", "重复队员").await;
    // The demo's first member (person 1): born 1976-02-09, sequence 01, female.
    let taken = dixian_domain::id_number::IdNumber::compose(
        "500299",
        chrono::NaiveDate::from_ymd_opt(1976, 2, 9).unwrap(),
        1,
        dixian_domain::id_number::Sex::Female,
    )
    .unwrap();
    b.fill("#new-member input[name=id_number]", taken.as_str())
        .await;
    b.fill("#new-member input[name=position]", "科员").await;
    b.submit("#new-member button").await;
    assert!(
        b.text("#new-member-errors")
            .await
            .contains("同一时间只能在一个工作队")
    );
    assert_eq!(b.overflow().await, "", "a refused member overflows");

    // The county replaces that team (撤换): a reason is asked beside its box; then its
    // villages are free for a new team and the team stays listed, replaced.
    let villages = b.text("#team-facts").await;
    open_details(&b, "#end-team").await;
    boxes_sit_by_their_labels(&b, "#end-team").await;
    b.submit("#end-team button").await;
    assert!(
        b.text("#end-team input[name=reason] + .field-error")
            .await
            .contains("请填写撤换原因")
    );
    b.fill("#end-team input[name=reason]", "两年期满轮换").await;
    b.submit("#end-team button").await;
    assert!(b.text("#team-done").await.contains("工作队已撤换"));
    let team_page = b.path().await;
    assert!(b.text("#team-ended").await.contains("两年期满轮换"));
    assert!(b.client.find(Locator::Css("#end-team")).await.is_err());
    assert_eq!(b.overflow().await, "", "a replaced team overflows");
    b.client.goto(&format!("{base}/teams")).await.unwrap();
    let id = team_page.rsplit('/').next().unwrap();
    assert!(b.text(&format!("#team-{id}")).await.contains("已撤换"));
    // The form is folded away: its choices are read, not seen.
    let free = b
        .client
        .execute(
            "return document.querySelector('#new-team select[name=village1]').textContent;",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string();
    let first_village = villages
        .split("驻村")
        .nth(1)
        .and_then(|rest| rest.trim().split(['、', '\n', ' ']).next())
        .unwrap_or_default()
        .to_string();
    assert!(
        !first_village.is_empty() && free.contains(&first_village),
        "{first_village} should be free: {free}"
    );
}

/// Opens the folded section (`<details>`) holding `form`, as a person taps its summary.
pub(crate) async fn open_details(b: &Browser, form: &str) {
    b.client
        .execute(
            "document.querySelector(arguments[0]).closest('details').open = true; return true;",
            vec![form.into()],
        )
        .await
        .unwrap();
}
