//! The household registry on the web and over JSON: lists, a household, its forms, imports, the people search and ledgers.

use crate::support::*;

#[tokio::test]
async fn people_search_is_masked_and_reveal_needs_a_reason() {
    let a = app().await;
    let (inside, outside) = demo_people();
    let town = session(&a.router, "town").await;
    let page = get(&a.router, "/people", &town).await;
    let csrf = hidden(&page.body, "csrf");
    let found = post(
        &a.router,
        "/people",
        &town,
        &form(&[("csrf", &csrf), ("id_number", &inside)]),
        &[],
    )
    .await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(!found.body.contains(&inside), "full number on the page");
    let masked = format!("{}**********{}", &inside[..4], &inside[14..]);
    assert!(found.body.contains(&masked), "{}", found.body);
    let person_id = hidden(&found.body, "person_id");
    // Outside the town: same as never registered.
    let other = post(
        &a.router,
        "/people",
        &town,
        &form(&[("csrf", &csrf), ("id_number", &outside)]),
        &[],
    )
    .await;
    assert!(other.body.contains("本辖区内没有登记"), "{}", other.body);
    // A malformed number is explained.
    let bad = post(
        &a.router,
        "/people",
        &town,
        &form(&[("csrf", &csrf), ("id_number", "50029919900101001")]),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("身份证号有误"), "{}", bad.body);
    // Reveal: a reason is required, then the number is shown and audited.
    let reveal = |reason: &'static str| {
        let body = form(&[
            ("csrf", &csrf),
            ("person_id", &person_id),
            ("id_masked", &masked),
            ("reason", reason),
        ]);
        let r = a.router.clone();
        let cookie = town.clone();
        async move { post(&r, "/people/reveal", &cookie, &body, &[]).await }
    };
    let no_reason = reveal("").await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert!(no_reason.body.contains("须填写理由"), "{}", no_reason.body);
    let shown = reveal("入户核实身份").await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains(&inside), "{}", shown.body);
    let reveals = audit_actions(&a, "pii.reveal").await;
    assert_eq!(reveals.len(), 1);
    assert!(reveals[0].detail.contains("入户核实身份") && reveals[0].actor == "town");
    // A village officer may search but not reveal; the cross-site form is refused.
    let village = session(&a.router, "village").await;
    let vpage = get(&a.router, "/people", &village).await;
    let vcsrf = hidden(&vpage.body, "csrf");
    let refused = post(
        &a.router,
        "/people/reveal",
        &village,
        &form(&[
            ("csrf", &vcsrf),
            ("person_id", &person_id),
            ("reason", "入户核实身份"),
        ]),
        &[],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let forged = post(
        &a.router,
        "/people/reveal",
        &town,
        &form(&[
            ("csrf", &csrf),
            ("person_id", &person_id),
            ("reason", "入户核实身份"),
        ]),
        &[("sec-fetch-site", "cross-site")],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(audit_actions(&a, "pii.reveal").await.len(), 1);
}

#[tokio::test]
async fn household_list_detail_and_api() {
    let a = app().await;
    let county = session(&a.router, "county").await;
    let list = get(&a.router, "/households", &county).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("共 600 户"), "{}", list.body);
    assert_eq!(list.body.matches("href=\"/households/5002").count(), 30);
    let next = get(&a.router, "/households?page=2", &county).await;
    assert!(next.body.contains("第 2/20 页"), "{}", next.body);
    let monitored = get(&a.router, "/households?monitored=1", &county).await;
    let n: i64 = monitored
        .body
        .split("共 ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(n > 0 && n < 600, "{n}");
    // The tag and the filter say what the pack in force calls these households (2026).
    // (The server's day is the real one: 2026 or later, when the 2026 name is in force.)
    assert!(
        monitored
            .body
            .contains("<span class=\"tag\">防止返贫致贫对象</span>"),
        "{}",
        monitored.body
    );
    assert!(!monitored.body.contains(">监测对象<"), "{}", monitored.body);
    let bad = get(&a.router, "/households?dibao=maybe&within=12", &county).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("低保应为“是”或“否”"), "{}", bad.body);

    // The town sees its town only, in lists, pages and the API.
    let town = session(&a.router, "town").await;
    let mine = get(&a.router, "/api/households?page=1", &town).await;
    assert_eq!(mine.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&mine.body).unwrap();
    let rows = json["households"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["village"].as_str().unwrap().starts_with("500299101"))
    );
    let head_id = rows[0]["head_id_number"].as_str().unwrap();
    assert!(head_id.contains("**********"), "{head_id}");
    let code = rows[0]["code"].as_str().unwrap().to_string();
    let page = get(&a.router, &format!("/households/{code}"), &town).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("家庭成员") && page.body.contains("人均纯收入"));
    assert!(page.body.contains("**********"));
    let detail = get(&a.router, &format!("/api/households/{code}"), &town).await;
    let d: serde_json::Value = serde_json::from_str(&detail.body).unwrap();
    assert!(d["years"][0]["line"].is_string(), "{}", detail.body);
    assert!(!d["members"].as_array().unwrap().is_empty());
    let last = get(&a.router, "/households?page=20", &county).await;
    let other = last
        .body
        .split("href=\"/households/")
        .map(|t| t.split('"').next().unwrap_or(""))
        .find(|c| c.len() == 16 && !c.starts_with("500299101"))
        .unwrap()
        .to_string();
    let refused = get(&a.router, &format!("/households/{other}"), &town).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = get(&a.router, &format!("/api/households/{other}"), &town).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("无权访问"));
    let bad = get(&a.router, "/api/households/123", &town).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("户编号“123”无效"), "{}", bad.body);

    // The API wants a session, in JSON; the document is public.
    let anon = get(&a.router, "/api/households", "").await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    assert!(anon.body.contains("请先登录"));
    let doc = get(&a.router, "/api/openapi.json", "").await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&doc.body).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(doc["paths"]["/api/households/{code}"]["get"].is_object());
}

#[tokio::test]
async fn ledger_exports_follow_the_filter_and_the_scope() {
    let a = app().await;
    let county = session(&a.router, "county").await;
    let csv = get(&a.router, "/households/ledger/export.csv", &county).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 601, "header and 600 households");
    assert!(lines[0].starts_with("\u{feff}户编号,"));
    assert!(lines[1].starts_with("5002991"));
    let id_col = lines[1].split(',').nth(5).unwrap();
    assert!(id_col.contains("**********"), "{id_col}");
    // The list's filter applies; the town gets its town only.
    let monitored = get(
        &a.router,
        "/households/ledger/export.csv?monitored=1",
        &county,
    )
    .await;
    assert!(monitored.body.lines().count() < 601);
    let town = session(&a.router, "town").await;
    let mine = get(&a.router, "/households/ledger/export.csv", &town).await;
    assert!(
        mine.body
            .lines()
            .skip(1)
            .all(|l| l.starts_with("500299101"))
    );
    let xlsx = a
        .router
        .clone()
        .oneshot(
            Request::get("/households/ledger/export.xlsx")
                .header(header::COOKIE, &county)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(xlsx.into_body(), 1 << 24)
        .await
        .unwrap();
    assert!(bytes.starts_with(b"PK"), "a zip container");
    let names = String::from_utf8_lossy(&bytes);
    assert!(names.contains("xl/worksheets/sheet1.xml"));
    // Each export is audited; a viewer may read the list but not export it.
    assert_eq!(audit_actions(&a, "export.households").await.len(), 4);
    let viewer = session(&a.router, "viewer").await;
    let refused = get(&a.router, "/households/ledger/export.csv", &viewer).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let wrong = get(&a.router, "/households/ledger/export.pdf", &county).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn households_are_imported_from_the_browser() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let page = get(&a.router, "/households/import", &town).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = hidden(&page.body, "csrf");
    let template = get(&a.router, "/households/import/template.csv", &town).await;
    // The template is its header alone; a household of two is typed under it.
    assert_eq!(
        template.body.trim_end().lines().count(),
        1,
        "{}",
        template.body
    );
    let mut rows = vec![template.body.trim_end().to_string()];
    rows.extend(dixian_testkit::two_person_rows("5002991012018001"));
    let county = DivisionCode::parse("500299000000").unwrap();
    let sys = Actor::system("t");
    let before = a.store.registry_counts(&sys, &county).await.unwrap();

    // A broken file: problems on screen, a report to download, nothing written.
    let broken = format!(
        "{}\n{}\n{}\n",
        rows[0],
        rows[1],
        rows[2].replace("李四", "")
    );
    let r = upload(
        &a,
        &town,
        &[("csrf", &csrf)],
        Some(("石桥村.csv", broken.as_bytes())),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("发现1处问题，未写入任何数据"), "{}", r.body);
    assert!(r.body.contains("必填，不能为空"));
    let link = r
        .body
        .split("href=\"/households/import/report/")
        .nth(1)
        .unwrap();
    let token = link.split('"').next().unwrap();
    let report = get(
        &a.router,
        &format!("/households/import/report/{token}"),
        &town,
    )
    .await;
    assert!(
        report.body.contains("姓名：必填，不能为空"),
        "{}",
        report.body
    );
    // Someone else's report is not theirs to read.
    let village = session(&a.router, "village").await;
    let other = get(
        &a.router,
        &format!("/households/import/report/{token}"),
        &village,
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(
        a.store.registry_counts(&sys, &county).await.unwrap(),
        before
    );

    // The corrected file: dry run, import, and again with nothing to do.
    let good = rows.join("\n");
    let dry = upload(
        &a,
        &town,
        &[("csrf", &csrf), ("dry_run", "1")],
        Some(("石桥村.csv", good.as_bytes())),
    )
    .await;
    assert!(
        dry.body.contains("检查通过（试导入，未写入）"),
        "{}",
        dry.body
    );
    assert_eq!(
        a.store.registry_counts(&sys, &county).await.unwrap(),
        before
    );
    let done = upload(
        &a,
        &town,
        &[("csrf", &csrf)],
        Some(("石桥村.csv", good.as_bytes())),
    )
    .await;
    assert!(
        done.body.contains("导入完成") && done.body.contains("共写入1户"),
        "{}",
        done.body
    );
    let again = upload(
        &a,
        &town,
        &[("csrf", &csrf)],
        Some(("石桥村.csv", good.as_bytes())),
    )
    .await;
    assert!(
        again.body.contains("新增0户") && again.body.contains("已登记且无变化1户"),
        "{}",
        again.body
    );
    let after = a.store.registry_counts(&sys, &county).await.unwrap();
    assert_eq!(after.households, before.households + 1);

    // Without waiting, the upload answers with the import's progress page at once; the page
    // refreshes itself until the result is there.
    let r = upload(
        &a,
        &town,
        &[("csrf", &csrf), ("dry_run", "1"), ("wait", "0")],
        Some(("石桥村.csv", good.as_bytes())),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert!(r.body.contains("正在检查"), "{}", r.body);
    let job = r.headers[header::CONTENT_LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        r.body
            .contains(&format!("http-equiv=\"refresh\" content=\"1; url={job}\"")),
        "{}",
        r.body
    );
    let mut done = get(&a.router, &job, &town).await;
    for _ in 0..100 {
        if done.status != StatusCode::ACCEPTED {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        done = get(&a.router, &job, &town).await;
    }
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("检查通过"), "{}", done.body);
    // Someone else's import is not theirs to see.
    let other = get(&a.router, &job, &session(&a.router, "village").await).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // Excel files go in directly: the template as downloaded, and a damaged copy of it.
    let xlsx = get(&a.router, "/households/import/template.xlsx", &town).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(
        xlsx.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml"),
        "{:?}",
        xlsx.headers
    );
    let records = dixian_app::registry::import::read_csv(&good, dixian_app::today()).unwrap();
    let mut template = Vec::new();
    dixian_app::registry::import::write_households(
        dixian_app::sheet::FileKind::Xlsx,
        records.clone(),
        &mut template,
    )
    .unwrap();
    let dry = upload(
        &a,
        &town,
        &[("csrf", &csrf), ("dry_run", "1")],
        Some(("石桥村.xlsx", &template)),
    )
    .await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
    assert!(
        dry.body.contains("文件中1户、2人") && dry.body.contains("已登记且无变化1户"),
        "{}",
        dry.body
    );
    // A corrected Excel file updates the registered household; the change is listed.
    let mut moved = records;
    moved[0].household.address = "石桥村新址9号".into();
    let mut fixed = Vec::new();
    dixian_app::registry::import::write_households(
        dixian_app::sheet::FileKind::Xlsx,
        moved,
        &mut fixed,
    )
    .unwrap();
    let r = upload(
        &a,
        &town,
        &[("csrf", &csrf)],
        Some(("石桥村更正.xlsx", &fixed)),
    )
    .await;
    assert!(
        r.body.contains("更新1户（1处变更）") && r.body.contains("石桥村新址9号"),
        "{}",
        r.body
    );
    let cut = &template[..template.len() / 2];
    let r = upload(&a, &town, &[("csrf", &csrf)], Some(("坏.xlsx", cut))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Excel 文件已损坏或不完整"), "{}", r.body);
    assert_eq!(a.store.registry_counts(&sys, &county).await.unwrap(), after);

    // Forged, unpermitted and oversized uploads are refused.
    let forged = upload(
        &a,
        &town,
        &[("csrf", "wrong")],
        Some(("x.csv", good.as_bytes())),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let viewer = session(&a.router, "viewer").await;
    assert_eq!(
        get(&a.router, "/households/import", &viewer).await.status,
        StatusCode::FORBIDDEN
    );
    // 200 MB: twice the limit.
    let huge = vec![b'1'; 200 * 1024 * 1024];
    let r = upload(&a, &town, &[("csrf", &csrf)], Some(("huge.csv", &huge))).await;
    assert!(
        r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        r.status
    );
    assert!(r.body.contains("过大"), "{}", r.body);
    // A larger-than-form but allowed file goes through the upload limit, not the form one.
    let padded = format!("{good}\n{}", "\n".repeat(100_000));
    let r = upload(
        &a,
        &town,
        &[("csrf", &csrf), ("dry_run", "1")],
        Some(("p.csv", padded.as_bytes())),
    )
    .await;
    assert!(r.body.contains("检查通过"), "{}", r.body);
}

#[tokio::test]
async fn edit_a_household_and_see_it_in_the_timeline() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let list = get(&a.router, "/api/households", &town).await;
    let json: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    let code = json["households"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["members"].as_i64().unwrap() >= 2)
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let form_page = get(&a.router, &format!("/households/{code}/edit"), &town).await;
    assert_eq!(form_page.status, StatusCode::OK);
    // The monitored flag carries the pack's name in force (2026: 防止返贫致贫对象).
    assert!(
        form_page.body.contains("> 防止返贫致贫对象</label>"),
        "{}",
        form_page.body
    );
    let odd = get(
        &a.router,
        "/households/%E4%B8%AD%E6%96%87%E4%B8%AD%E6%96%87/edit",
        &town,
    )
    .await;
    assert!(odd.status.is_client_error(), "{}", odd.status);
    let csrf = hidden(&form_page.body, "csrf");
    let address = hidden(&form_page.body, "address");
    let uri = format!("/households/{code}/edit");
    let bad = post(
        &a.router,
        &uri,
        &town,
        &form(&[
            ("csrf", &csrf),
            ("address", ""),
            ("phone", "12ab"),
            ("household_type", "tuopin"),
            ("reason", "x"),
        ]),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("住址不能为空") && bad.body.contains("联系电话“12ab”无效"),
        "{}",
        bad.body
    );
    // Both named at the top and each beside its own field, the typed phone kept.
    assert!(bad.body.contains("请改正以下2处"), "{}", bad.body);
    let beside = |name: &str| crate::support::beside(&bad.body, name);
    assert!(beside("address").contains("field-error"), "{}", bad.body);
    assert!(
        beside("phone").contains("联系电话“12ab”无效"),
        "{}",
        bad.body
    );
    assert!(!beside("group_no").contains("field-error"));
    assert!(bad.body.contains("value=\"12ab\""));
    let no_reason = post(
        &a.router,
        &uri,
        &town,
        &form(&[
            ("csrf", &csrf),
            ("address", "新住址1号"),
            ("household_type", "tuopin"),
            ("reason", ""),
        ]),
        &[],
    )
    .await;
    assert!(
        no_reason.body.contains("请填写变更原因"),
        "{}",
        no_reason.body
    );
    let ok = post(
        &a.router,
        &uri,
        &town,
        &form(&[
            ("csrf", &csrf),
            ("address", "新住址1号"),
            ("household_type", "tuopin"),
            ("monitored", "1"),
            ("reason", "入户核实后更正"),
        ]),
        &[],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = get(&a.router, ok.location(), &town).await;
    assert!(page.body.contains("已保存"), "{}", page.body);
    assert!(
        page.body.contains(&format!("住址：{address} → 新住址1号")),
        "{}",
        page.body
    );
    assert!(page.body.contains("原因：入户核实后更正"));
    // A member moves out: an explicit action, dated, in the timeline.
    let member = page
        .body
        .split("<option value=\"")
        .filter_map(|t| t.split('"').next())
        .filter_map(|v| v.parse::<i64>().ok())
        .nth(1);
    let member = member.expect("a second member");
    {
        let r = post(
            &a.router,
            &format!("/households/{code}/members/status"),
            &town,
            &form(&[
                ("csrf", &csrf),
                ("member", &member.to_string()),
                ("status", "moved_out"),
                ("date", "2026-10-01"),
                ("reason", "外出务工迁出户口"),
            ]),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = get(&a.router, &format!("/households/{code}"), &town).await;
        assert!(
            page.body.contains("成员迁出") && page.body.contains("迁出（2026-10-01）"),
            "{}",
            page.body
        );
        // A person of another household cannot be changed through this one's page.
        let other = json["households"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["code"].as_str().unwrap().to_string())
            .find(|c| *c != code)
            .unwrap();
        let r = post(
            &a.router,
            &format!("/households/{other}/members/status"),
            &town,
            &form(&[
                ("csrf", &csrf),
                ("member", &member.to_string()),
                ("status", "in_household"),
                ("date", "2026-10-02"),
                ("reason", "错户操作"),
            ]),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("没有这名成员"), "{}", r.body);
    }
    // A viewer may look but not change.
    let viewer = session(&a.router, "viewer").await;
    assert_eq!(
        get(&a.router, &uri, &viewer).await.status,
        StatusCode::FORBIDDEN
    );
    let vpage = get(&a.router, &format!("/households/{code}"), &viewer).await;
    assert!(!vpage.body.contains("修改户信息"));
}

#[tokio::test]
async fn a_birth_and_a_year_of_income_are_recorded_from_their_forms() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let list = get(&a.router, "/api/households", &town).await;
    let json: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    let code = json["households"][0]["code"].as_str().unwrap().to_string();
    let page = get(&a.router, &format!("/households/{code}"), &town).await;
    assert!(page.body.contains("id=\"member-link\""), "{}", page.body);

    // A birth: a wrong number is named and what was typed stays; the right one is recorded.
    let uri = format!("/households/{code}/members/new");
    let form_page = get(&a.router, &uri, &town).await;
    assert_eq!(form_page.status, StatusCode::OK);
    let csrf = hidden(&form_page.body, "csrf");
    let fields = |id: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("arrival", "birth".to_string()),
            ("id_number", id.to_string()),
            ("name", "王小宝".to_string()),
            ("relation", "grandson".to_string()),
            ("labour", "none".to_string()),
            ("health", "healthy".to_string()),
            ("schooling", "preschool".to_string()),
            ("medical_insurance", "1".to_string()),
            ("reason", "新生儿落户".to_string()),
        ]
    };
    let encode = |f: &[(&str, String)]| {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form(&pairs)
    };
    let bad = post(
        &a.router,
        &uri,
        &town,
        &encode(&fields("500299202601010015")),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("身份证号："), "{}", bad.body);
    assert!(bad.body.contains("value=\"王小宝\""), "{}", bad.body);
    // Beside its field, with the others clear; a missing relation and date named too.
    let id_field = bad
        .body
        .split("name=\"id_number\"")
        .nth(1)
        .and_then(|rest| rest.split("</label>").next())
        .unwrap_or_default();
    assert!(id_field.contains("field-error"), "{id_field}");
    let mut without = fields("500299202601010015");
    without.retain(|(k, _)| *k != "relation");
    without.push(("arrival", "move_in".to_string()));
    without.retain(|(k, v)| *k != "arrival" || v == "move_in");
    let several = post(&a.router, &uri, &town, &encode(&without), &[]).await;
    assert_eq!(several.status, StatusCode::BAD_REQUEST);
    assert!(several.body.contains("请改正以下3处"), "{}", several.body);
    for (name, said) in [("relation", "请选择与户主关系"), ("date", "请填写日期")] {
        let beside = several
            .body
            .split(&format!("name=\"{name}\""))
            .nth(1)
            .and_then(|rest| rest.split("</label>").next())
            .unwrap_or_default();
        assert!(beside.contains(said), "{name}: {beside}");
    }
    let ok = post(
        &a.router,
        &uri,
        &town,
        &encode(&fields("500299202601010017")),
        &[],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = get(&a.router, ok.location(), &town).await;
    assert!(page.body.contains("成员出生"), "{}", page.body);
    assert!(
        page.body
            .contains("王小宝（5002**********0017，孙子，2026-01-01）"),
        "{}",
        page.body
    );
    // The same person again is refused by name.
    let again = post(
        &a.router,
        &uri,
        &town,
        &encode(&fields("500299202601010017")),
        &[],
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("一人只能属于一户"), "{}", again.body);

    // Income: a bad amount is named; a good year is recorded and shown.
    let uri = format!("/households/{code}/income");
    let income_page = get(&a.router, &format!("{uri}?year=2026"), &town).await;
    assert_eq!(income_page.status, StatusCode::OK);
    assert!(
        income_page.body.contains("登记收入"),
        "{}",
        income_page.body
    );
    let bad = post(
        &a.router,
        &uri,
        &town,
        &form(&[
            ("csrf", &csrf),
            ("year", "2026"),
            ("a0", "一万"),
            ("reason", "年度核算"),
        ]),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("工资性收入“一万”无效"), "{}", bad.body);
    // Beside the amount it is about, the others clear, what was typed kept.
    let beside = |body: &str, name: &str| {
        body.split(&format!("name=\"{name}\""))
            .nth(1)
            .and_then(|rest| rest.split("</label>").next())
            .unwrap_or_default()
            .to_string()
    };
    assert!(beside(&bad.body, "a0").contains("工资性收入“一万”无效"));
    assert!(!beside(&bad.body, "a1").contains("field-error"));
    assert!(beside(&bad.body, "a0").contains("value=\"一万\""));
    let both = post(
        &a.router,
        &uri,
        &town,
        &form(&[
            ("csrf", &csrf),
            ("year", "1999"),
            ("a8", "-5"),
            ("reason", "年度核算"),
        ]),
        &[],
    )
    .await;
    assert!(both.body.contains("请改正以下2处"), "{}", both.body);
    assert!(beside(&both.body, "year").contains("年度“1999”无效"));
    assert!(beside(&both.body, "a8").contains("生产经营性支出不能为负数"));
    let ok = post(
        &a.router,
        &uri,
        &town,
        &form(&[
            ("csrf", &csrf),
            ("year", "2026"),
            ("a0", "12,000"),
            ("a4", "1500"),
            ("reason", "年度核算"),
        ]),
        &[],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = get(&a.router, ok.location(), &town).await;
    assert!(
        page.body.contains("2026年工资性收入：（空） → 12000.00"),
        "{}",
        page.body
    );
    let corrected = get(&a.router, &format!("{uri}?year=2026"), &town).await;
    assert!(corrected.body.contains("更正收入") && corrected.body.contains("value=\"12000.00\""));

    // A check of housing and water: an unsafe house and unmet water quality show as problems.
    let uri = format!("/households/{code}/assurance");
    let check_page = get(&a.router, &uri, &town).await;
    assert_eq!(check_page.status, StatusCode::OK);
    let ok = post(
        &a.router,
        &uri,
        &town,
        &form(&[
            ("csrf", &csrf),
            ("food_clothing", "1"),
            ("housing", "d"),
            ("water_quantity", "1"),
            ("water_convenience", "1"),
            ("water_guarantee", "1"),
            ("note", "危房改造已列入计划"),
            ("reason", "年度大排查"),
        ]),
        &[],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = get(&a.router, ok.location(), &town).await;
    assert!(page.body.contains("鉴定为D级（危房）"), "{}", page.body);
    assert!(page.body.contains("未达标：水质"), "{}", page.body);
    assert!(page.body.contains("保障情况核查"), "{}", page.body);
    assert!(page.body.contains("住房安全等级："), "{}", page.body);
    assert!(page.body.contains("→ D级"), "{}", page.body);
    let bad = post(
        &a.router,
        &uri,
        &town,
        &form(&[("csrf", &csrf), ("housing", "e"), ("reason", "核查")]),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("住房安全等级“e”无效"), "{}", bad.body);

    // A read-only account gets neither form.
    let viewer = session(&a.router, "viewer").await;
    assert_eq!(
        get(
            &a.router,
            &format!("/households/{code}/members/new"),
            &viewer
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_api_records_members_income_and_checks_with_a_csrf_token() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let me: serde_json::Value =
        serde_json::from_str(&get(&a.router, "/api/session", &town).await.body).unwrap();
    let token = me["csrf_token"].as_str().unwrap().to_string();
    assert_eq!(me["username"], "town");
    let list: serde_json::Value =
        serde_json::from_str(&get(&a.router, "/api/households", &town).await.body).unwrap();
    let code = list["households"][1]["code"].as_str().unwrap().to_string();
    let member = serde_json::json!({
        "arrival": "birth", "id_number": "500299202601010017", "name": "接口新生儿",
        "relation": "grandson", "reason": "新生儿落户"
    });
    let uri = format!("/api/households/{code}/members");
    // Without the token: refused, audited, nothing written.
    let r = json_call(&a.router, "POST", &uri, &town, "", member.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("X-CSRF-Token"), "{}", r.body);
    let r = json_call(&a.router, "POST", &uri, &town, &token, member.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let again = json_call(&a.router, "POST", &uri, &town, &token, member).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("一人只能属于一户"), "{}", again.body);
    let bad = json_call(
        &a.router,
        "POST",
        &uri,
        &town,
        &token,
        serde_json::json!({ "arrival": "birth", "id_number": "123", "name": "", "relation": "head", "reason": "x" }),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("身份证号"), "{}", bad.body);

    let r = json_call(
        &a.router,
        "PUT",
        &format!("/api/households/{code}/income"),
        &town,
        &token,
        serde_json::json!({ "year": 2026, "wage": "1.5万", "reason": "年度核算" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let changes: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(changes["changes"][0]["new"], "15000.00");

    let r = json_call(
        &a.router,
        "PUT",
        &format!("/api/households/{code}/assurance"),
        &town,
        &token,
        serde_json::json!({ "food_clothing": true, "housing": "c", "water_quantity": true,
            "water_quality": true, "water_convenience": true, "water_guarantee": true,
            "reason": "年度大排查" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let detail: serde_json::Value = serde_json::from_str(
        &get(&a.router, &format!("/api/households/{code}"), &town)
            .await
            .body,
    )
    .unwrap();
    let housing = detail["assurance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["indicator"] == "housing")
        .unwrap()
        .clone();
    assert_eq!(housing["secure"], false);
    assert!(
        detail["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "接口新生儿")
    );
    // Household fields, a member's details and a member's moving out.
    let r = json_call(
        &a.router,
        "PUT",
        &format!("/api/households/{code}"),
        &town,
        &token,
        serde_json::json!({ "address": "接口改址8号", "household_type": "tuopin", "monitored": true, "reason": "入户核实" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("接口改址8号"), "{}", r.body);
    let baby = detail["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "接口新生儿")
        .unwrap()["person_id"]
        .as_i64()
        .unwrap();
    let r = json_call(
        &a.router,
        "PUT",
        &format!("/api/households/{code}/members"),
        &town,
        &token,
        serde_json::json!({ "members": [ { "person_id": baby, "health": "serious" } ], "reason": "确诊大病" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("接口新生儿的健康状况"), "{}", r.body);
    let r = json_call(
        &a.router,
        "POST",
        &format!("/api/households/{code}/members/{baby}/status"),
        &town,
        &token,
        serde_json::json!({ "status": "moved_out", "date": "2026-11-01", "reason": "随父母迁出" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // A household registered through the API, its code assigned.
    let village = &code[..12];
    let r = json_call(
        &a.router,
        "POST",
        "/api/households",
        &town,
        &token,
        serde_json::json!({ "village": village, "address": "接口新址", "household_type": "ordinary",
            "head": { "id_number": "500299198001010014", "name": "接口户主" }, "reason": "分户" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let created: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(created["code"].as_str().unwrap().starts_with(village));
    // The document lists the write operations.
    let doc: serde_json::Value =
        serde_json::from_str(&get(&a.router, "/api/openapi.json", "").await.body).unwrap();
    assert!(doc["paths"]["/api/households/{code}/members"]["post"].is_object());
    assert!(doc["paths"]["/api/households/{code}/income"]["put"].is_object());
    assert!(doc["paths"]["/api/households/{code}/assurance"]["put"].is_object());
    assert!(doc["paths"]["/api/households"]["post"].is_object());
    assert!(doc["paths"]["/api/households/{code}"]["put"].is_object());
    assert!(doc["paths"]["/api/households/{code}/members"]["put"].is_object());
    assert!(doc["paths"]["/api/households/{code}/members/{person}/status"]["post"].is_object());
}

#[tokio::test]
async fn the_head_passes_to_another_member_on_the_members_form() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let list: serde_json::Value =
        serde_json::from_str(&get(&a.router, "/api/households", &town).await.body).unwrap();
    let code = list["households"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["members"].as_i64().unwrap() >= 2)
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let uri = format!("/households/{code}/members/edit");
    let page = get(&a.router, &uri, &town).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = hidden(&page.body, "csrf");
    // The form as the browser would send it back, with the relations changed.
    let field = |name: &str| hidden(&page.body, name);
    let selected = |name: &str| {
        page.body
            .split(&format!("name=\"{name}\""))
            .nth(1)
            .and_then(|t| t.split("selected").next())
            .and_then(|t| t.rsplit("value=\"").next())
            .and_then(|t| t.split('"').next())
            .unwrap_or_default()
            .to_string()
    };
    let mut pairs: Vec<(String, String)> = vec![("csrf".into(), csrf.clone())];
    for i in 0..2 {
        for f in ["pid", "name"] {
            let key = format!("{f}_{i}");
            pairs.push((key.clone(), field(&key)));
        }
        for f in ["labour", "health", "schooling"] {
            let key = format!("{f}_{i}");
            pairs.push((key.clone(), selected(&key)));
        }
        pairs.push((format!("medical_{i}"), "1".into()));
    }
    let with = |first: &str, second: &str, reason: &str| {
        let mut p = pairs.clone();
        p.push(("relation_0".into(), first.into()));
        p.push(("relation_1".into(), second.into()));
        p.push(("reason".into(), reason.into()));
        let refs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        form(&refs)
    };
    // Problems of the rows are said all at once, each beside the member's own box.
    let mut p = pairs.clone();
    for (k, v) in [
        ("relation_0", "head"),
        ("relation_1", "外星人"),
        ("months_0", "13"),
        ("reason", "核对成员信息"),
    ] {
        p.push((k.into(), v.into()));
    }
    let refs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let rows_bad = post(&a.router, &uri, &town, &form(&refs), &[]).await;
    assert_eq!(
        rows_bad.status,
        StatusCode::BAD_REQUEST,
        "{}",
        rows_bad.body
    );
    assert!(
        rows_bad.body.contains("未保存，请改正以下2处"),
        "{}",
        rows_bad.body
    );
    assert!(beside(&rows_bad.body, "months_0").contains("务工月数“13”应为0到12"));
    assert!(beside(&rows_bad.body, "relation_1").contains("的与户主关系"));
    assert!(!beside(&rows_bad.body, "months_1").contains("field-error"));
    assert!(!beside(&rows_bad.body, "relation_0").contains("field-error"));
    assert!(
        rows_bad.body.contains("value=\"13\""),
        "the typed value is kept"
    );
    let bad = post(
        &a.router,
        &uri,
        &town,
        &with("head", "head", "变更户主"),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("应恰好有1名在户的户主"), "{}", bad.body);
    let ok = post(
        &a.router,
        &uri,
        &town,
        &with("father", "head", "户主年老，由子女任户主"),
        &[],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let after = get(&a.router, ok.location(), &town).await;
    assert!(after.body.contains("成员信息变更"), "{}", after.body);
    assert!(
        after.body.contains("的与户主关系：户主 → 父亲"),
        "{}",
        after.body
    );
    // The header now names the new head.
    let second = field("name_1");
    assert!(
        after.body.contains(&format!("{second}户")),
        "{}",
        after.body
    );
}

#[tokio::test]
async fn a_household_is_registered_by_hand_with_its_head() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let list = get(&a.router, "/households", &town).await;
    assert!(list.body.contains("id=\"new-household\""), "{}", list.body);
    let page = get(&a.router, "/households/new", &town).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = hidden(&page.body, "csrf");
    let village = page
        .body
        .split("name=\"village\"")
        .nth(1)
        .and_then(|t| t.split("<option value=\"").nth(2))
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_string();
    assert_eq!(village.len(), 12, "{village}");
    let fields = |id: &str, address: &str| {
        form(&[
            ("csrf", &csrf),
            ("village", &village),
            ("address", address),
            ("household_type", "ordinary"),
            ("id_number", id),
            ("name", "赵新户"),
            ("labour", "ordinary"),
            ("health", "healthy"),
            ("schooling", "not_in_school"),
            ("medical_insurance", "1"),
            ("reason", "分户新立"),
        ])
    };
    let bad = post(&a.router, "/households/new", &town, &fields("123", ""), &[]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("住址不能为空") && bad.body.contains("户主身份证号"),
        "{}",
        bad.body
    );
    let id_field = bad
        .body
        .split("name=\"id_number\"")
        .nth(1)
        .and_then(|rest| rest.split("</label>").next())
        .unwrap_or_default();
    assert!(
        id_field.contains("class=\"field-error\"") && id_field.contains("户主身份证号"),
        "{id_field}"
    );
    assert!(bad.body.contains("value=\"赵新户\""), "typed name kept");
    let ok = post(
        &a.router,
        "/households/new",
        &town,
        &fields("500299198001010014", "新村1号"),
        &[],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let code = ok.location().trim_start_matches("/households/");
    assert!(code.starts_with(&village), "{code}");
    let shown = get(&a.router, ok.location(), &town).await;
    assert!(shown.body.contains("赵新户户"), "{}", shown.body);
    // The same person cannot head a second household.
    let again = post(
        &a.router,
        "/households/new",
        &town,
        &fields("500299198001010014", "新村2号"),
        &[],
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("一人只能属于一户"), "{}", again.body);
}

#[tokio::test]
async fn the_ledger_with_full_numbers_needs_a_reason_and_the_permission() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let list = get(&a.router, "/households", &town).await;
    assert!(
        list.body.contains("id=\"export-revealed\""),
        "{}",
        list.body
    );
    let csrf = hidden(&list.body, "csrf");
    let masked = get(&a.router, "/households/ledger/export.csv", &town).await;
    let first = masked
        .body
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(5)
        .unwrap()
        .to_string();
    assert!(first.contains("**********"), "{first}");
    let no_reason = post(
        &a.router,
        "/households/ledger/export.csv",
        &town,
        &form(&[("csrf", &csrf), ("reason", "")]),
        &[],
    )
    .await;
    assert_eq!(
        no_reason.status,
        StatusCode::BAD_REQUEST,
        "{}",
        no_reason.body
    );
    assert!(no_reason.body.contains("须填写理由"), "{}", no_reason.body);
    let full = post(
        &a.router,
        "/households/ledger/export.csv",
        &town,
        &form(&[("csrf", &csrf), ("reason", "核对一卡通发放名单")]),
        &[],
    )
    .await;
    assert_eq!(full.status, StatusCode::OK, "{}", full.body);
    let id = full
        .body
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(5)
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 18, "{id}");
    // A forged post is refused; an account without the reveal permission too.
    let forged = post(
        &a.router,
        "/households/ledger/export.csv",
        &town,
        &form(&[("csrf", "x"), ("reason", "核对一卡通发放名单")]),
        &[],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let village = session(&a.router, "village").await;
    let v_list = get(&a.router, "/households", &village).await;
    assert!(!v_list.body.contains("id=\"export-revealed\""));
    let v_csrf = hidden(&v_list.body, "csrf");
    let r = post(
        &a.router,
        "/households/ledger/export.csv",
        &village,
        &form(&[("csrf", &v_csrf), ("reason", "核对一卡通发放名单")]),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

/// `text` percent-encoded whole, for a query string.
fn escaped(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn people_are_found_by_name_within_the_area() {
    let a = app().await;
    let town = session(&a.router, "town").await;
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let all: Vec<_> = demo::Generator::new(&demo::divisions(1), 1, 600, as_of).collect();
    let area = DivisionCode::parse("500299101000").unwrap();
    let inside: Vec<_> = all
        .iter()
        .filter(|r| r.household.village.is_within(&area))
        .collect();
    let count = |part: &str| {
        inside
            .iter()
            .flat_map(|r| &r.members)
            .filter(|m| m.name.contains(part))
            .count()
    };
    let person = &inside[0].members[0];
    let page = get(
        &a.router,
        &format!("/people?name={}", escaped(&person.name)),
        &town,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains(&format!(
            "姓名含“{}”的共 {} 人",
            person.name,
            count(&person.name)
        )),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("/households/{}\"", inside[0].household.code))
    );
    assert!(page.body.contains(&person.id_number.masked()));
    assert!(
        !page.body.contains(person.id_number.as_str()),
        "masked only"
    );
    // By the commonest character of the county's names: many, paged with the total.
    let county = session(&a.router, "county").await;
    let mut surnames: Vec<String> = all
        .iter()
        .flat_map(|r| &r.members)
        .flat_map(|m| m.name.chars().map(String::from))
        .collect();
    surnames.sort();
    let surname = surnames
        .chunk_by(|x, y| x == y)
        .max_by_key(|run| run.len())
        .map(|run| run[0].clone())
        .unwrap();
    let total = all
        .iter()
        .flat_map(|r| &r.members)
        .filter(|m| m.name.contains(&surname))
        .count();
    assert!(
        total > 50,
        "the demo has more than a page of {surname}: {total}"
    );
    let first = get(
        &a.router,
        &format!("/people?name={}", escaped(&surname)),
        &county,
    )
    .await;
    let pages = total.div_ceil(50);
    assert!(
        first
            .body
            .contains(&format!("共 {total} 人，第 1/{pages} 页")),
        "{}",
        first.body
    );
    assert_eq!(first.body.matches("data-label=\"姓名\"").count(), 50);
    let last = get(
        &a.router,
        &format!("/people?name={}&page={pages}", escaped(&surname)),
        &county,
    )
    .await;
    assert_eq!(
        last.body.matches("data-label=\"姓名\"").count(),
        total - 50 * (pages - 1)
    );
    // Past the last page: said so with the way back; a wrong page number said in words.
    let beyond = get(
        &a.router,
        &format!("/people?name={}&page=999", escaped(&surname)),
        &county,
    )
    .await;
    assert!(beyond.body.contains("没有第999页"), "{}", beyond.body);
    assert!(beyond.body.contains(&format!("共 {total} 人")));
    let wrong = get(
        &a.router,
        &format!("/people?name={}&page=abc", escaped(&surname)),
        &county,
    )
    .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(
        beside(&wrong.body, "name").contains("页码“abc”无效"),
        "{}",
        wrong.body
    );
    // Nothing typed: said beside the name box, nobody listed.
    let empty = get(&a.router, "/people?name=%20", &town).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(crate::support::beside(&empty.body, "name").contains("请输入要查找的姓名"));
    // A village officer finds only the village's people.
    let village = session(&a.router, "village").await;
    let theirs = get(
        &a.router,
        &format!("/people?name={}", escaped(&surname)),
        &village,
    )
    .await;
    let village_code = DivisionCode::parse("500299101201").unwrap();
    let in_village = inside
        .iter()
        .filter(|r| r.household.village == village_code)
        .flat_map(|r| &r.members)
        .filter(|m| m.name.contains(&surname))
        .count();
    assert!(
        theirs.body.contains(&format!("共 {in_village} 人")),
        "{}",
        theirs.body
    );
    assert!(!theirs.body.contains("id=\"people-export\""));
    // The county exports everyone the search finds, masked, audited; a village may not.
    assert!(first.body.contains("id=\"people-export\""));
    let file = get(
        &a.router,
        &format!("/people/export.csv?name={}", escaped(&surname)),
        &county,
    )
    .await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert!(file.body.starts_with("\u{feff}姓名,身份证号（打码）"));
    assert_eq!(file.body.lines().count(), total + 1);
    assert!(file.body.lines().skip(1).all(|l| l.contains('*')), "masked");
    assert_eq!(audit_actions(&a, "person.export").await.len(), 1);
    let denied = get(
        &a.router,
        &format!("/people/export.csv?name={}", escaped(&surname)),
        &village,
    )
    .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    // The household list's area is chosen by name, a town's villages after choosing it.
    let list = get(&a.router, "/households", &county).await;
    assert!(
        list.body.contains("<select name=\"within\">"),
        "{}",
        list.body
    );
    assert!(list.body.contains("<option value=\"500299101000\""));
    let in_town = get(&a.router, "/households?within=500299101000", &county).await;
    assert!(
        in_town.body.contains("<option value=\"500299101201\">　"),
        "{}",
        in_town.body
    );
    assert!(
        in_town
            .body
            .contains("<option value=\"500299101000\" selected>")
    );
}
