//! Browser end-to-end test of funds and the project library, on a phone: the village proposes
//! a project (refused first, every problem beside its box, what was typed kept), the town
//! reviews and the county approves it with their notices; the county records a fund document,
//! splits it to the project and pays, carries the project to 报账 and registers the asset it
//! left with its income; the village proposes how the income is shared (cash refused), the
//! town approves and the county files it; the household page shows the project and what it
//! received, and the year's checks and ledgers are one tap away.

use crate::browser::Browser;
use crate::browser_monitoring::checks_sit_beside_their_labels;
use crate::support::demo_server;
use fantoccini::Locator;

async fn click_css(b: &Browser, css: &str) {
    let e = b.client.find(Locator::Css(css)).await.unwrap();
    b.click_and_wait(e).await;
}

async fn value(b: &Browser, css: &str) -> String {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Opens the folded form (a `<details>`) holding the element at `css`.
async fn open_form(b: &Browser, css: &str) {
    b.client
        .execute(
            "document.querySelector(arguments[0]).closest('details').open = true; return true;",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
}

/// Takes step `action` on the project page, with a notice when the step needs one.
async fn step(b: &Browser, action: &str, notice: bool, today: chrono::NaiveDate) {
    let form = format!("#project-{action}");
    if notice {
        b.fill(&format!("{form} input[name=notice_place]"), "镇政务公开栏")
            .await;
        b.choose(
            &format!("{form} input[name=notice_from]"),
            &today.to_string(),
        )
        .await;
        b.choose(
            &format!("{form} input[name=notice_to]"),
            &(today + chrono::Days::new(9)).to_string(),
        )
        .await;
    }
    // A closed step form opens first.
    open_form(b, &form).await;
    b.submit(&format!("{form} button")).await;
    let done = b.text("#project-done").await;
    assert!(!done.is_empty(), "{action} done");
}

#[tokio::test]
async fn a_project_is_proposed_reviewed_approved_funded_and_finished_on_a_phone() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (_dir, server) = demo_server("600", "31");
    let base = format!("http://{}", server.addr);
    let today = chrono::Local::now().date_naive();
    b.client.set_window_size(390, 844).await.unwrap();

    // The village officer: a household of the village, then the proposal form.
    b.login(&base, "village", "Dixian@2026").await;
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
    b.click_link("项目库").await;
    assert_eq!(b.path().await, "/projects");
    assert_eq!(b.overflow().await, "", "/projects overflows a phone");
    click_css(&b, "#propose-project").await;
    assert_eq!(b.path().await, "/projects/new");
    assert_eq!(b.overflow().await, "", "/projects/new overflows a phone");
    b.fill(
        "#project-new input[name=name]",
        "桂花村冷链仓储设施建设项目",
    )
    .await;
    b.choose("#project-new select[name=type_code]", "industry")
        .await;
    b.choose("#project-new input[name=start_on]", "2027-03-01")
        .await;
    b.choose("#project-new input[name=end_on]", "2027-10-31")
        .await;
    b.fill("#project-new input[name=unit]", "石桥镇人民政府")
        .await;
    b.fill(
        "#project-new textarea[name=tasks]",
        "新建冷库500平方米及配套设施",
    )
    .await;
    b.fill("#project-new input[name=budget]", "80万").await;
    b.fill(
        "#project-new textarea[name=mechanism]",
        "吸纳脱贫户务工，村集体收益按股分红",
    )
    .await;
    b.fill("#project-new input[name=output_name]", "新建冷库面积")
        .await;
    b.fill("#project-new input[name=output_value]", "≥500平方米")
        .await;
    b.fill("#project-new input[name=benefit_name]", "带动脱贫户增收")
        .await;
    b.fill("#project-new input[name=benefit_value]", "≥20户")
        .await;
    // No 满意度指标, and a notice of five days only.
    b.fill("#project-new textarea[name=beneficiaries]", &household)
        .await;
    b.choose(
        "#project-new select[name=beneficiary_mechanism]",
        "dividend",
    )
    .await;
    b.fill("#project-new input[name=notice_place]", "桂花村村务公开栏")
        .await;
    b.choose("#project-new input[name=notice_from]", "2026-11-20")
        .await;
    b.choose("#project-new input[name=notice_to]", "2026-11-24")
        .await;
    b.submit("#project-new button").await;
    let errors = b.text("#project-errors").await;
    assert!(errors.contains("满意度指标"), "{errors}");
    assert!(errors.contains("少于政策包规定的10天"), "{errors}");
    // Each beside its box; what was typed is still there.
    let beside = b
        .client
        .execute(
            "return [...document.querySelectorAll('#project-new .field-error')]
               .map(e => e.closest('label').querySelector('input,select,textarea').name);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        beside,
        serde_json::json!(["satisfaction_name", "notice_to"]),
        "errors beside their boxes"
    );
    assert_eq!(
        value(&b, "#project-new input[name=name]").await,
        "桂花村冷链仓储设施建设项目"
    );
    assert_eq!(
        value(&b, "#project-new select[name=beneficiary_mechanism]").await,
        "dividend"
    );
    assert_eq!(b.overflow().await, "", "the refused form overflows a phone");
    b.fill(
        "#project-new input[name=satisfaction_name]",
        "受益群众满意度",
    )
    .await;
    b.fill("#project-new input[name=satisfaction_value]", "≥90%")
        .await;
    b.choose("#project-new input[name=notice_to]", "2026-11-29")
        .await;
    b.submit("#project-new button").await;
    assert!(b.path().await.starts_with("/projects/"));
    assert_eq!(b.text("#project-stage").await, "村申报待乡审核");
    assert!(b.text("#project-households").await.contains("入股分红"));
    let project = b.path().await;
    b.screenshot("project-proposed-phone.png").await;
    assert!(
        b.client
            .find(Locator::Css("#project-review"))
            .await
            .is_err(),
        "审核 is the town's"
    );

    // The town reviews with its notice; the county approves with the joint review.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "town", "Dixian@2026").await;
    b.client.goto(&format!("{base}{project}")).await.unwrap();
    step(&b, "review", true, today).await;
    assert_eq!(b.text("#project-stage").await, "乡审核通过待县审定");
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "county", "Dixian@2026").await;
    b.client.goto(&format!("{base}{project}")).await.unwrap();
    b.fill(
        "#project-approve textarea[name=note]",
        "经农业农村、财政、发展改革等部门联合审查，同意入库",
    )
    .await;
    step(&b, "approve", true, today).await;
    assert_eq!(b.text("#project-stage").await, "已入库");
    let id = project.trim_start_matches("/projects/").to_string();
    // 立项 needs money first.
    b.submit("#project-establish button").await;
    assert!(
        b.text("#project-establish-errors")
            .await
            .contains("尚未安排资金")
    );

    // The county's fund document, split to the project and paid.
    b.click_link("资金").await;
    assert_eq!(b.path().await, "/funds");
    assert_eq!(b.overflow().await, "", "/funds overflows a phone");
    assert!(b.text("#fund-checks").await.contains("产业发展资金占比"));
    checks_sit_beside_their_labels(&b, "#fund-new").await;
    b.fill("#fund-new input[name=doc_number]", "渝财农〔2026〕88号")
        .await;
    b.fill(
        "#fund-new input[name=title]",
        "关于下达2026年中央财政常态化帮扶资金的通知",
    )
    .await;
    b.choose("#fund-new select[name=category]", "consolidation")
        .await;
    b.fill("#fund-new input[name=amount]", "120万").await;
    b.submit("#fund-new button").await;
    assert!(b.text("#fund-done").await.contains("已登记"));
    assert_eq!(b.overflow().await, "", "a fund page overflows a phone");
    b.choose("#plan select[name=project]", &id).await;
    // More than the project's budget is refused with the numbers.
    b.fill("#plan input[name=amount]", "90万").await;
    b.submit("#plan button").await;
    assert!(b.text("#plan-errors").await.contains("超出总投资"));
    assert_eq!(value(&b, "#plan select[name=project]").await, id);
    b.fill("#plan input[name=amount]", "50万").await;
    b.submit("#plan button").await;
    assert!(b.text("#fund-planned").await.contains("500,000.00"));
    let fund_page = b.path().await;
    // Money is paid once the project is established (立项).
    b.client.goto(&format!("{base}{project}")).await.unwrap();
    step(&b, "establish", false, today).await;
    b.client.goto(&format!("{base}{fund_page}")).await.unwrap();
    let line = b
        .client
        .find(Locator::Css("#fund-lines form[id^='pay-']"))
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap()
        .unwrap();
    open_form(&b, &format!("#{line}")).await;
    b.fill(&format!("#{line} input[name=amount]"), "20万").await;
    b.fill(&format!("#{line} input[name=voucher]"), "记-1207-01")
        .await;
    b.submit(&format!("#{line} button")).await;
    assert!(b.text("#fund-spent").await.contains("200,000.00"));

    // The county carries the project to 报账.
    b.client.goto(&format!("{base}{project}")).await.unwrap();
    // The acceptance carries the scan of the signed form.
    let scans = tempfile::tempdir().unwrap();
    let form = scans.path().join("acceptance-form.pdf");
    std::fs::write(&form, b"%PDF-1.4\n% acceptance form\n%%EOF\n").unwrap();
    for action in ["tender", "start", "complete", "accept", "settle"] {
        if action == "accept" {
            open_form(&b, "#project-accept").await;
            b.fill("#project-accept input[name=file]", form.to_str().unwrap())
                .await;
        }
        step(&b, action, false, today).await;
    }
    let scan = b
        .client
        .find(Locator::Css("#project-history a[href*='/files/']"))
        .await
        .unwrap();
    assert_eq!(scan.text().await.unwrap(), "acceptance-form.pdf");
    assert_eq!(b.text("#project-stage").await, "已报账");
    assert!(
        b.text("#project-money")
            .await
            .contains("渝财农〔2026〕88号")
    );
    assert!(b.text("#project-history").await.contains("县审定入库"));
    b.screenshot("project-settled-phone.png").await;
    // The finished project hands over its asset: an operating one, run on trust.
    click_css(&b, "#register-asset").await;
    assert_eq!(b.path().await, "/assets/new");
    assert_eq!(b.overflow().await, "", "/assets/new overflows a phone");
    b.fill("#asset-new input[name=name]", "冷链仓储设施").await;
    b.choose("#asset-new select[name=class]", "operating").await;
    b.fill("#asset-new input[name=owner_name]", "村股份经济合作社")
        .await;
    b.fill("#asset-new input[name=value]", "80万").await;
    b.fill("#asset-new input[name=custody_person]", "王管护")
        .await;
    // An operating asset without its way of running is refused beside the box.
    b.submit("#asset-new button").await;
    assert!(b.text("#asset-errors").await.contains("经营方式"));
    assert_eq!(
        value(&b, "#asset-new input[name=name]").await,
        "冷链仓储设施"
    );
    b.choose("#asset-new select[name=operation]", "trust").await;
    b.submit("#asset-new button").await;
    assert!(b.path().await.starts_with("/assets/"));
    assert_eq!(b.text("#asset-state").await, "在用");
    let asset = b.path().await;
    let year = today.format("%Y").to_string();
    open_form(&b, "#income").await;
    b.fill("#income input[name=year]", &year).await;
    b.choose("#income select[name=kind]", "rent").await;
    b.fill("#income input[name=amount]", "4.8万").await;
    b.submit("#income button").await;
    assert!(b.text("#asset-income").await.contains("48,000.00"));
    // Its completion notice prints for the village board, with the money it spent.
    b.client.goto(&format!("{base}{project}")).await.unwrap();
    assert!(b.text("#project-assets").await.contains("冷链仓储设施"));
    click_css(&b, "#print-notice").await;
    let notice = b.text("#project-notice").await;
    assert!(notice.contains("项目竣工公告"), "{notice}");
    assert!(notice.contains("安排资金500,000.00元"), "{notice}");

    // The village proposes how the income is shared: cash is refused, posts and work pay.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "village", "Dixian@2026").await;
    b.client.goto(&format!("{base}{asset}")).await.unwrap();
    assert_eq!(b.overflow().await, "", "an asset page overflows a phone");
    open_form(&b, "#plan").await;
    b.fill("#plan input[name=year]", &year).await;
    b.fill("#plan input[name=months]", "2").await;
    b.fill(
        "#plan textarea[name=lines]",
        &format!("{household} 直接发放现金 2000\n村内公益事业 10000"),
    )
    .await;
    b.fill("#plan input[name=notice_place]", "村务公开栏").await;
    b.choose("#plan input[name=notice_from]", &today.to_string())
        .await;
    b.choose(
        "#plan input[name=notice_to]",
        &(today + chrono::Days::new(9)).to_string(),
    )
    .await;
    b.submit("#plan button").await;
    assert!(b.text("#plan-errors").await.contains("不应简单发钱"));
    assert!(
        value(&b, "#plan textarea[name=lines]")
            .await
            .contains("村内公益事业 10000"),
        "the lines typed are kept"
    );
    b.fill(
        "#plan textarea[name=lines]",
        &format!("{household} 公益岗位工资 3000\n村内公益事业 10000"),
    )
    .await;
    b.submit("#plan button").await;
    assert!(b.text("#asset-done").await.contains("等待乡镇审批"));
    for (user, action) in [("town", "approve"), ("county", "file")] {
        b.client.delete_all_cookies().await.unwrap();
        b.login(&base, user, "Dixian@2026").await;
        b.client.goto(&format!("{base}{asset}")).await.unwrap();
        let form = b
            .client
            .find(Locator::Css(&format!("form[id$='-{action}']")))
            .await
            .unwrap()
            .attr("id")
            .await
            .unwrap()
            .unwrap();
        open_form(&b, &format!("#{form}")).await;
        b.submit(&format!("#{form} button")).await;
    }
    assert!(b.text("#asset-plans").await.contains("县级已备案"));
    // The first of its two payouts: every household still qualifies, half of each line paid.
    let payout = b
        .client
        .find(Locator::Css("form[id^='payout-']"))
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap()
        .unwrap();
    open_form(&b, &format!("#{payout}")).await;
    b.submit(&format!("#{payout} button")).await;
    assert!(b.text("#asset-done").await.contains("已登记发放"));
    let paid = b.text("#asset-plans").await;
    assert!(paid.contains("第1次"), "{paid}");
    assert!(paid.contains("发放6,500.00元"), "{paid}");
    assert!(paid.contains("已发1,500.00元"), "{paid}");
    assert_eq!(
        b.overflow().await,
        "",
        "an asset page with payouts overflows a phone"
    );

    // The household page shows the project it benefits from and what it received.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "village", "Dixian@2026").await;
    b.client
        .goto(&format!("{base}/households/{household}"))
        .await
        .unwrap();
    let projects = b.text("#household-projects").await;
    assert!(
        projects.contains("桂花村冷链仓储设施建设项目"),
        "{projects}"
    );
    assert!(projects.contains("已报账"), "{projects}");
    let income = b.text("#household-asset-income").await;
    assert!(income.contains("公益岗位工资 3,000.00元"), "{income}");
    assert!(income.contains("县级已备案"), "{income}");

    // The county's ledgers download as workbooks; the asset list fits a phone.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "county", "Dixian@2026").await;
    for (page, link) in [("/funds", "#funds-ledger"), ("/assets", "#assets-ledger")] {
        b.client.goto(&format!("{base}{page}")).await.unwrap();
        assert_eq!(b.overflow().await, "", "{page} overflows a phone");
        let href = b.href(link).await;
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
            got.starts_with(
                "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet "
            ),
            "{page}: {got}"
        );
    }
    assert!(b.text("#assets").await.contains("冷链仓储设施"));
    b.screenshot("assets-phone.png").await;
    // The dashboard's funds section: a stage's count opens the list behind it.
    b.client.goto(&format!("{base}/dashboard")).await.unwrap();
    assert_eq!(b.overflow().await, "", "/dashboard overflows a phone");
    assert!(b.text("#fund-figures").await.contains("产业发展资金占比"));
    let settled = b
        .client
        .find(Locator::XPath(
            "//table[@id='project-stages']//tr[td[1]='已报账']/td[2]/a",
        ))
        .await
        .unwrap();
    let shown = settled.text().await.unwrap();
    b.click_and_wait(settled).await;
    assert_eq!(b.path().await, "/projects");
    assert_eq!(b.text("#total-projects").await, shown);
    b.client.goto(&format!("{base}/funds")).await.unwrap();
    b.screenshot("funds-phone.png").await;
    b.close().await;
    drop(server);
}

/// The county's imports and an asset's ending on a phone: a project list and an asset ledger
/// with a bad row each refused whole and said by row; a disposal above the simplified
/// procedure's limit refused beside its box with what was typed kept; a write-off recorded.
#[tokio::test]
async fn imports_and_an_asset_ending_on_a_phone() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let (_dir, server) = demo_server("300", "37");
    let base = format!("http://{}", server.addr);
    b.client.set_window_size(390, 844).await.unwrap();
    b.login(&base, "county", "Dixian@2026").await;
    let files = tempfile::tempdir().unwrap();
    let project_list = "项目名称*,项目地点*,项目类型*,建设性质*,计划年度*,计划开工*,计划完工*,实施单位*,建设任务*,总投资（元）*,资金来源,联农带农机制*,产出指标*,产出目标值*,效益指标*,效益目标值*,满意度指标*,满意度目标值*,入库日期*,项目状态\n大棚,500299101201,产业发展,新建,2025,2025-03-01,2025-10-31,石桥镇人民政府,新建大棚,八十万,财政资金,务工分红,大棚面积,≥500平方米,带动增收,≥20户,满意度,≥90%,2024-12-05,\n";
    let asset_ledger = "资产名称*,形成项目编号*,资产类别*,所有权人类型,所有权人,所属户编号,资产价值（元）*,坐落位置,形成日期*,确权日期,确权文件,管护单位,管护责任人,管护职责,经营方式,经营主体\n冷库,99999999,经营性资产,村集体经济组织,村股份经济合作社,,80万,,2025-01-01,,,,,,,\n";
    for (page, file, content, says) in [
        (
            "/projects/import",
            "项目清单.csv",
            project_list,
            "第2行“总投资（元）”",
        ),
        ("/assets/import", "资产台账.csv", asset_ledger, "第2行"),
    ] {
        b.client.goto(&format!("{base}{page}")).await.unwrap();
        assert_eq!(b.overflow().await, "", "{page} overflows a phone");
        let path = files.path().join(file);
        std::fs::write(&path, content).unwrap();
        b.fill("#list-import input[name=file]", path.to_str().unwrap())
            .await;
        b.submit("#list-import button").await;
        let problems = b.text("#import-problems").await;
        assert!(problems.contains(file), "{page}: {problems}");
        assert!(problems.contains(says), "{page}: {problems}");
        assert_eq!(b.overflow().await, "", "{page} with problems overflows");
        b.screenshot(&format!(
            "import-refused-{}-phone.png",
            page.trim_start_matches('/').replace('/', "-")
        ))
        .await;
    }

    // An operating asset in use: a disposal by the simplified path above its limit.
    b.client
        .goto(&format!("{base}/assets?class=operating&state=in_use"))
        .await
        .unwrap();
    let first = b
        .client
        .find(Locator::Css("table tbody tr td a[href^='/assets/']"))
        .await
        .unwrap();
    b.click_and_wait(first).await;
    let asset = b.path().await;
    open_form(&b, "#disposal").await;
    assert_eq!(
        b.overflow().await,
        "",
        "the disposal form overflows a phone"
    );
    b.choose("#disposal select[name=method]", "transfer").await;
    b.choose("#disposal select[name=path]", "simplified").await;
    b.fill("#disposal input[name=value]", "50万").await;
    b.fill("#disposal input[name=proceeds]", "45万").await;
    b.fill("#disposal input[name=decision]", "村民代表大会决议")
        .await;
    b.submit("#disposal button").await;
    let refused = b.text("#disposal-errors").await;
    assert!(refused.contains("简化程序上限"), "{refused}");
    assert_eq!(value(&b, "#disposal input[name=value]").await, "50万");
    assert_eq!(b.overflow().await, "", "a refused disposal overflows");
    b.screenshot("disposal-refused-phone.png").await;

    // A write-off needs the assessment behind it; then the asset leaves the ledger of use.
    b.client.goto(&format!("{base}{asset}")).await.unwrap();
    open_form(&b, "#write-off").await;
    b.fill("#write-off input[name=reason]", "山洪冲毁").await;
    b.submit("#write-off button").await;
    assert!(b.text("#write-off-errors").await.contains("鉴定"));
    assert_eq!(value(&b, "#write-off input[name=reason]").await, "山洪冲毁");
    b.fill(
        "#write-off input[name=assessment]",
        "县水利局技术鉴定意见〔2026〕7号",
    )
    .await;
    b.submit("#write-off button").await;
    assert!(b.text("#asset-done").await.contains("状态已更新"));
    assert!(b.text("#asset-ending").await.contains("核销"));
    assert_eq!(b.overflow().await, "", "a written-off asset overflows");
}
