//! The monitoring pages over HTTP: the public self-declaration, the town's acceptance, a
//! case taken through its steps by the roles that own them, the notice and attachments.

use crate::support::*;

fn in_village() -> dixian_domain::registry::HouseholdRecord {
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let village = DivisionCode::parse("500299101201").unwrap();
    demo::Generator::new(&demo::divisions(1), 1, 600, as_of)
        .find(|r| r.household.village == village && r.members.len() >= 2)
        .unwrap()
}

fn case_id_of(location: &str) -> i64 {
    location
        .trim_start_matches("/cases/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_household_declares_and_the_town_accepts() {
    let a = app().await;
    let r = in_village();
    let head = &r.members[0];
    let page = get(&a.router, "/apply?elder=1", "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("class=\"public elder\""), "长者模式");
    assert!(page.body.contains("<option value=\"500299101201\""));
    let stamp = hidden(&page.body, "stamp");
    // The town first: the same form again, what was typed kept, the villages only the
    // town's; nothing is submitted (no “too fast”, no record).
    let narrowed = public_post(
        &a,
        "/apply",
        &form(&[
            ("stamp", &stamp),
            ("elder", "1"),
            ("name", "张三"),
            ("id_number", "110105194912310022"),
            ("town", "500299101000"),
            ("step", "town"),
        ]),
    )
    .await;
    assert_eq!(narrowed.status, StatusCode::OK, "{}", narrowed.body);
    assert!(narrowed.body.contains("value=\"张三\""));
    assert!(narrowed.body.contains("value=\"110105194912310022\""));
    assert!(
        narrowed
            .body
            .contains("<option value=\"500299101000\" selected>")
    );
    let villages = narrowed
        .body
        .split("name=\"village\"")
        .nth(1)
        .unwrap()
        .split("</select>")
        .next()
        .unwrap();
    assert!(
        villages.contains("<option value=\"500299101201\""),
        "{villages}"
    );
    assert!(
        !villages.contains("<option value=\"500299102"),
        "{villages}"
    );
    assert!(!villages.contains("optgroup"));
    assert_eq!(hidden(&narrowed.body, "stamp"), stamp, "the stamp runs on");
    assert!(
        a.store
            .leads(&Actor::system("t"), &dixian_store::LeadFilter::default())
            .await
            .unwrap()
            .iter()
            .all(|l| l.applicant_name.as_deref() != Some("张三"))
    );
    // A form sent back at once was not filled in by a person.
    let fast = public_post(&a, "/apply", &form(&[("stamp", &stamp), ("name", "张三")])).await;
    assert_eq!(fast.status, StatusCode::BAD_REQUEST);
    assert!(fast.body.contains("提交太快了"), "{}", fast.body);
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let bad = public_post(
        &a,
        "/apply",
        &form(&[
            ("stamp", &stamp),
            ("elder", "1"),
            ("name", &head.name),
            ("id_number", "110105194912310022"),
            ("phone", "12345"),
            ("village", "500299101201"),
            ("hardship", "01"),
        ]),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("身份证号") && bad.body.contains("11位手机号码"),
        "{}",
        bad.body
    );
    // Every problem at once, listed at the top and each beside its field.
    assert!(bad.body.contains("id=\"apply-errors\""), "{}", bad.body);
    assert!(bad.body.contains("请改正以下2处"), "{}", bad.body);
    assert_eq!(bad.body.matches("class=\"field-error\"").count(), 2);
    assert!(
        bad.body.contains("class=\"public elder\""),
        "the mode is kept"
    );
    let done = public_post(
        &a,
        "/apply",
        &form(&[
            ("stamp", &stamp),
            ("name", &head.name),
            ("id_number", head.id_number.as_str()),
            ("phone", "13912345678"),
            ("village", "500299101201"),
            ("hardship", "01"),
            ("hardship", "04"),
            ("text", "老伴住院"),
        ]),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let code = done
        .body
        .split("id=\"tracking-code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(done.body.contains("2个工作日内受理"), "{}", done.body);
    // Three submissions a minute per address; the fourth waits.
    let flood = public_post(&a, "/apply", &form(&[("stamp", &stamp)])).await;
    assert_eq!(flood.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(flood.headers.contains_key(header::RETRY_AFTER));

    // The status page needs the code and the ID number.
    let wrong = public_post(
        &a,
        "/apply/status",
        &form(&[("code", &code), ("id_number", "11010519491231002X")]),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(wrong.body.contains("没有找到"));
    let found = public_post(
        &a,
        "/apply/status",
        &form(&[("code", &code), ("id_number", head.id_number.as_str())]),
    )
    .await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(
        found.body.contains("已收到，等待乡镇受理"),
        "{}",
        found.body
    );
    assert!(
        !found.body.contains(&head.name),
        "nothing personal on the status page"
    );

    // The town sees it on the home page and its work list, and accepts it.
    let town = session(&a.router, "town").await;
    let home = get(&a.router, "/", &town).await;
    assert!(
        home.body.contains("待受理线索 <strong>1</strong>"),
        "{}",
        home.body
    );
    let leads = get(&a.router, "/leads?status=pending", &town).await;
    assert!(
        leads.body.contains("因病、因自然灾害：老伴住院"),
        "{}",
        leads.body
    );
    assert!(!leads.body.contains(head.id_number.as_str()), "masked");
    let id = leads
        .body
        .split("id=\"lead-")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let csrf = hidden(&leads.body, "csrf");
    // A village officer may not accept.
    let village = session(&a.router, "village").await;
    let refused = post(
        &a.router,
        &format!("/leads/{id}/decide"),
        &village,
        &form(&[
            (
                "csrf",
                &hidden(&get(&a.router, "/leads", &village).await.body, "csrf"),
            ),
            ("decision", "accept"),
        ]),
        &[],
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("需由乡镇审核员或县级管理员办理"),
        "{}",
        refused.body
    );
    let accepted = post(
        &a.router,
        &format!("/leads/{id}/decide"),
        &town,
        &form(&[("csrf", &csrf), ("decision", "accept")]),
        &[],
    )
    .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let case = case_id_of(accepted.location());
    let page = get(&a.router, &format!("/cases/{case}"), &village).await;
    assert!(page.body.contains("id=\"verify\""), "the village verifies");
    // A cadre sees only the cases of households assigned to them; one it may not see answers
    // exactly as a case that does not exist (no existence oracle).
    let cadre = session(&a.router, "cadre").await;
    let unassigned = get(&a.router, &format!("/cases/{case}"), &cadre).await;
    let missing = get(&a.router, "/cases/99999999", &cadre).await;
    assert_eq!(unassigned.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        unassigned.body.contains(&format!("案件#{case}不存在")),
        "{}",
        unassigned.body
    );
    assert!(missing.body.contains("案件#99999999不存在"));
    assert!(!page.body.contains("id=\"approve\""));
    let found = public_post(
        &a,
        "/apply/status",
        &form(&[("code", &code), ("id_number", head.id_number.as_str())]),
    )
    .await;
    assert!(
        found.body.contains("已受理，工作人员将入户核实"),
        "{}",
        found.body
    );
    // A visit recorded from the household page, outside the case.
    let page = get(
        &a.router,
        &format!("/households/{}", r.household.code),
        &village,
    )
    .await;
    let uri = format!("/households/{}/visits", r.household.code);
    let fields = [
        ("csrf", hidden(&page.body, "csrf")),
        ("visitors", "王村干".to_string()),
        ("findings", "户主在家，情况属实".to_string()),
    ];
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // Refused on the household page itself, the typed findings kept and the problem beside
    // its field.
    let refused = multipart_to(
        &a,
        &village,
        &uri,
        &refs[..1]
            .iter()
            .chain(&refs[2..])
            .copied()
            .collect::<Vec<_>>(),
        None,
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("<h1>"),
        "the household page, not an error page"
    );
    assert!(
        beside(&refused.body, "visitors").contains("请填写走访人员"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("户主在家，情况属实"));
    let saved = multipart_to(&a, &village, &uri, &refs, None).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = get(&a.router, saved.location(), &village).await;
    assert!(page.body.contains("走访记录已保存") && page.body.contains("户主在家，情况属实"));
}

async fn step(a: &App, cookie: &str, case: i64, fields: &[(&str, &str)]) -> Reply {
    let page = get(&a.router, &format!("/cases/{case}"), cookie).await;
    let csrf = hidden(&page.body, "csrf");
    let version = hidden(&page.body, "version");
    let mut all = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
    all.extend_from_slice(fields);
    post(
        &a.router,
        &format!("/cases/{case}/step"),
        cookie,
        &form(&all),
        &[],
    )
    .await
}

#[tokio::test]
async fn a_case_is_verified_reviewed_noticed_and_included_on_the_web() {
    let a = app().await;
    let r = in_village();
    let d = |days: u64| (dixian_app::today() - chrono::Days::new(days)).to_string();
    let village = session(&a.router, "village").await;
    let town = session(&a.router, "town").await;
    let county = session(&a.router, "county").await;
    // A cadre's survey found it three weeks ago; the town accepted the next day.
    let leads = get(&a.router, "/leads", &village).await;
    let reported = post(
        &a.router,
        "/leads",
        &village,
        &form(&[
            ("csrf", &hidden(&leads.body, "csrf")),
            ("village", "500299101201"),
            ("household", r.household.code.as_str()),
            ("channel", "cadre_survey"),
            ("source", "网格员王五"),
            ("reason", "户主务工受伤，收入中断"),
            ("hardship", "05"),
            ("received_on", &d(21)),
        ]),
        &[],
    )
    .await;
    assert_eq!(reported.status, StatusCode::SEE_OTHER, "{}", reported.body);
    let pending = get(&a.router, "/leads?status=pending", &town).await;
    let id = pending
        .body
        .split("id=\"lead-")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let accepted = post(
        &a.router,
        &format!("/leads/{id}/decide"),
        &town,
        &form(&[
            ("csrf", &hidden(&pending.body, "csrf")),
            ("decision", "accept"),
            ("on", &d(20)),
        ]),
        &[],
    )
    .await;
    let case = case_id_of(accepted.location());

    // Verification: one person and no consent are refused; two people with the signed
    // form go through. The file must really be a photo or a PDF.
    let page = get(&a.router, &format!("/cases/{case}"), &village).await;
    let csrf = hidden(&page.body, "csrf");
    let verify = |verifiers: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("version", "0".to_string()),
            ("visited_on", d(19)),
            ("on", d(19)),
            ("verifiers", verifiers.to_string()),
            ("risk", "05".to_string()),
            ("category", "02".to_string()),
            ("comment", "右腿骨折，3个月不能务工".to_string()),
        ]
    };
    let fields = verify("王村干");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let photo = dixian_testkit::photo_jpeg();
    let jpeg: &[u8] = &photo;
    let uri = format!("/cases/{case}/verify");
    let one = multipart_to(&a, &village, &uri, &refs, Some(("授权书.jpg", jpeg))).await;
    assert_eq!(one.status, StatusCode::BAD_REQUEST);
    assert!(
        one.body.contains("入户核实须不少于2人，填写了1人"),
        "{}",
        one.body
    );
    // The refused form comes back filled in, its problem beside the field, and opens there.
    for part in [
        "id=\"verify-errors\"",
        "未保存，请改正以下1处",
        "<span class=\"field-error\" role=\"alert\">入户核实须不少于2人，填写了1人</span>",
        "value=\"王村干\"",
        "右腿骨折，3个月不能务工</textarea>",
        "value=\"05\" checked",
        "action=\"/cases/",
        "/verify#verify\"",
    ] {
        assert!(one.body.contains(part), "{part}: {}", one.body);
    }
    let fields = verify("王村干、李镇干");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let exe = multipart_to(
        &a,
        &village,
        &uri,
        &refs,
        Some(("授权书.jpg", b"MZ\x90\x00")),
    )
    .await;
    assert!(
        exe.body.contains("不是JPEG、PNG照片或PDF文件"),
        "{}",
        exe.body
    );
    let ok = multipart_to(&a, &village, &uri, &refs, Some(("授权书.jpg", jpeg))).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(
        ok.location(),
        format!("/cases/{case}?done=verify#case-done")
    );
    let page = get(&a.router, ok.location(), &village).await;
    assert!(page.body.contains("已办理：入户核实"));
    assert!(page.body.contains("收入核算"), "{}", page.body);
    let att = page
        .body
        .split(&format!("/cases/{case}/attachments/"))
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let file = get(
        &a.router,
        &format!("/cases/{case}/attachments/{att}"),
        &town,
    )
    .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.headers[header::CONTENT_TYPE], "image/jpeg");

    // Review and notice; the notice prints without personal data; it cannot end early.
    let e = step(
        &a,
        &village,
        case,
        &[
            ("action", "deliberate"),
            ("held_on", &d(18)),
            ("attendees", "23"),
            ("agreed", "yes"),
            ("notice_from", &d(18)),
            ("on", &d(18)),
        ],
    )
    .await;
    assert_eq!(e.status, StatusCode::SEE_OTHER, "{}", e.body);
    let notice = get(&a.router, "/notices/500299101201", &village).await;
    assert!(notice.body.contains(&r.members[0].name), "{}", notice.body);
    assert!(
        notice.body.contains("拟纳入边缘易致贫户")
            && notice.body.contains("防止返贫致贫对象拟纳入名单"),
        "{}",
        notice.body
    );
    // Whom to call, from the county's pack, and a button that prints (shown by the one
    // script; the page prints from the browser's menu without it).
    for part in [
        "监督电话 <strong id=\"supervision-phone\">023-45612317</strong>（青山县乡村振兴局）",
        "<button type=\"button\" data-print hidden>打印公示单</button>",
        "<script src=\"/static/print.js\"></script>",
    ] {
        assert!(notice.body.contains(part), "{part}");
    }
    let script = get(&a.router, "/static/print.js", "").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.body.contains("window.print()"));
    let mut secrets = vec![r.members[0].id_number.as_str(), "因意外事故"];
    secrets.extend(r.household.phone.as_deref());
    for secret in secrets {
        assert!(!notice.body.contains(secret), "notice shows {secret}");
    }
    // One posting at a time: the notice of that day, none of another.
    let posting = get(
        &a.router,
        &format!("/notices/500299101201?from={}", d(18)),
        &village,
    )
    .await;
    assert!(posting.body.contains(&r.members[0].name));
    let other = get(&a.router, "/notices/500299101201?from=2020-01-01", &village).await;
    assert!(
        other.body.contains("当前没有公示中的农户"),
        "{}",
        other.body
    );
    let early = step(
        &a,
        &village,
        case,
        &[("action", "end_notice"), ("on", &d(14))],
    )
    .await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST);
    assert!(early.body.contains("公示期未满"), "{}", early.body);
    assert_eq!(
        step(
            &a,
            &village,
            case,
            &[("action", "end_notice"), ("on", &d(13))]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    // The county cannot jump the town; a stale form is a conflict.
    let jump = step(&a, &county, case, &[("action", "approve"), ("on", &d(13))]).await;
    assert!(
        jump.body.contains("审核通过需由乡镇审核员办理"),
        "{}",
        jump.body
    );
    assert_eq!(
        step(
            &a,
            &town,
            case,
            &[("action", "approve"), ("comment", "同意"), ("on", &d(12))]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let page = get(&a.router, &format!("/cases/{case}"), &county).await;
    let stale = post(
        &a.router,
        &format!("/cases/{case}/step"),
        &county,
        &form(&[
            ("csrf", &hidden(&page.body, "csrf")),
            ("version", "2"),
            ("action", "approve"),
            ("on", &d(11)),
        ]),
        &[],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let done = step(
        &a,
        &county,
        case,
        &[
            ("action", "approve"),
            ("category", "02"),
            ("risk", "05"),
            ("on", &d(11)),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = get(&a.router, &format!("/cases/{case}"), &town).await;
    assert!(
        page.body.contains("id=\"case-state\">监测帮扶中"),
        "{}",
        page.body
    );
    // The town owes a cadre; its list says so. It assigns the demo cadre, who then owes the
    // plan and makes it.
    let work = get(&a.router, "/work", &town).await;
    assert!(work.body.contains("明确帮扶责任人"), "{}", work.body);
    let page = get(&a.router, &format!("/cases/{case}"), &town).await;
    assert!(page.body.contains("id=\"plan-gaps\""), "{}", page.body);
    let cadre_id = page
        .body
        .split("<option value=\"\">请选择</option><option value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let assigned = post(
        &a.router,
        &format!("/cases/{case}/cadre"),
        &town,
        &form(&[
            ("csrf", &hidden(&page.body, "csrf")),
            ("version", &hidden(&page.body, "version")),
            ("cadre", &cadre_id),
            ("unit", "区农业农村委"),
            ("political", "中共党员"),
            ("start", &d(10)),
        ]),
        &[],
    )
    .await;
    assert_eq!(assigned.status, StatusCode::SEE_OTHER, "{}", assigned.body);
    let cadre = session(&a.router, "cadre").await;
    let work = get(&a.router, "/work", &cadre).await;
    assert!(
        work.body.contains("制定帮扶计划（一户一策）"),
        "{}",
        work.body
    );
    let page = get(&a.router, &format!("/cases/{case}"), &cadre).await;
    let (csrf, version) = (hidden(&page.body, "csrf"), hidden(&page.body, "version"));
    let measure = |type_code: &'static str| {
        form(&[
            ("csrf", &csrf),
            ("version", &version),
            ("type_code", type_code),
            ("content", "推荐到县内企业务工"),
            ("unit", "县人力社保局"),
            ("amount", "3,000"),
            ("status", "ongoing"),
        ])
    };
    let uri = format!("/cases/{case}/measures");
    let bad = post(&a.router, &uri, &cadre, &measure("99"), &[]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("帮扶措施类型代码“99”不在政策包代码表中"),
        "{}",
        bad.body
    );
    let saved = post(&a.router, &uri, &cadre, &measure("02"), &[]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = get(&a.router, &format!("/cases/{case}"), &cadre).await;
    assert!(page.body.contains("推荐到县内企业务工") && page.body.contains("3,000.00"));
    assert!(!page.body.contains("尚无帮扶措施"));
    assert!(
        page.body
            .contains("新增就业帮扶：推荐到县内企业务工（实施中）"),
        "{}",
        page.body
    );
    let work = get(&a.router, "/work", &cadre).await;
    assert!(!work.body.contains("制定帮扶计划"), "{}", work.body);
    // The cadre records a visit with a photo; a program posing as a photo is refused.
    let visit_uri = format!("/cases/{case}/visits");
    let fields = [
        ("csrf", csrf.as_str()),
        ("visited_on", ""),
        ("visitors", "张帮扶、村医"),
        ("findings", "腿伤好转，可做轻活"),
        ("follow_ups", "下月联系公益岗位"),
    ];
    let exe = multipart_to(
        &a,
        &cadre,
        &visit_uri,
        &fields,
        Some(("相片.jpg", b"MZ\x90\x00")),
    )
    .await;
    assert_eq!(exe.status, StatusCode::BAD_REQUEST);
    assert!(
        exe.body.contains("不是JPEG、PNG照片或PDF文件"),
        "{}",
        exe.body
    );
    // A refused visit names every problem beside its field, keeps what was typed and keeps
    // the photo chosen, so the corrected form need not choose it again.
    let tomorrow = (dixian_app::today() + chrono::Days::new(1)).to_string();
    let wrong = [
        ("csrf", csrf.as_str()),
        ("visited_on", tomorrow.as_str()),
        ("visitors", " "),
        ("findings", "腿伤好转，可做轻活"),
        ("follow_ups", "下月联系公益岗位"),
    ];
    let refused = multipart_to(&a, &cadre, &visit_uri, &wrong, Some(("相片.jpg", jpeg))).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let visit_form = refused.body.split("id=\"visit-form\"").nth(1).unwrap();
    assert!(visit_form.contains("未保存，请改正以下2处"), "{visit_form}");
    assert!(
        beside(visit_form, "visited_on").contains("晚于今天"),
        "{visit_form}"
    );
    assert!(
        beside(visit_form, "visitors").contains("请填写走访人员"),
        "{visit_form}"
    );
    assert!(!beside(visit_form, "findings").contains("field-error"));
    assert!(visit_form.contains("腿伤好转，可做轻活") && visit_form.contains("下月联系公益岗位"));
    assert!(visit_form.contains(&format!("value=\"{tomorrow}\"")));
    assert!(
        visit_form.contains("保留已上传的照片：相片.jpg"),
        "{visit_form}"
    );
    let kept = visit_form
        .split("name=\"kept\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    // Another officer cannot use the kept photo: the form is refused, nothing saved.
    let village_cookie = session(&a.router, "village").await;
    let village_page = get(&a.router, &format!("/cases/{case}"), &village_cookie).await;
    let village_csrf = hidden(&village_page.body, "csrf");
    let mut theirs = fields.to_vec();
    theirs[0] = ("csrf", village_csrf.as_str());
    theirs.push(("kept", kept.as_str()));
    let taken = multipart_to(&a, &village_cookie, &visit_uri, &theirs, None).await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST, "{}", taken.body);
    assert!(taken.body.contains("已不可用"), "{}", taken.body);
    let mut fixed = fields.to_vec();
    fixed.push(("kept", kept.as_str()));
    let visited = multipart_to(&a, &cadre, &visit_uri, &fixed, None).await;
    assert_eq!(visited.status, StatusCode::SEE_OTHER, "{}", visited.body);
    let page = get(&a.router, &format!("/cases/{case}"), &town).await;
    assert!(page.body.contains("腿伤好转，可做轻活"), "{}", page.body);
    let photo = page
        .body
        .split("href=\"/visits/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let got = get(&a.router, &format!("/visits/{photo}"), &town).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.headers[header::CONTENT_TYPE], "image/jpeg");
    let household = get(
        &a.router,
        &format!("/households/{}", r.household.code),
        &town,
    )
    .await;
    assert!(
        household.body.contains("审核通过（案件#"),
        "{}",
        household.body
    );
    // The printed file carries the whole history.
    let printed = get(&a.router, &format!("/cases/{case}/print"), &county).await;
    for part in [
        "受理立案",
        "入户核实",
        "民主评议并公示",
        "公示期满",
        "审核通过",
    ] {
        assert!(printed.body.contains(part), "{part}");
    }
    // The SLA view counts each timed step, in time or not, per step and per town.
    let sla = get(&a.router, &format!("/sla?from={}&until=", d(40)), &county).await;
    assert_eq!(sla.status, StatusCode::OK);
    let steps = sla.body.split("id=\"sla-steps\"").nth(1).unwrap();
    for step in [
        "受理线索",
        "入户核实",
        "民主评议",
        "乡镇审核",
        "县级审定",
        "明确帮扶责任人",
    ] {
        assert!(
            steps.contains(&format!("<td>{step}</td>")),
            "{step}: {steps}"
        );
    }
    assert!(sla.body.contains("id=\"sla-towns\""));
    let bad = get(&a.router, "/sla?from=2026-13-01", &county).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let backwards = get(&a.router, "/sla?from=2026-11-01&until=2026-10-01", &county).await;
    assert!(
        backwards.body.contains("早于开始日期"),
        "{}",
        backwards.body
    );
    // A forged step is refused and audited.
    let forged = post(
        &a.router,
        &format!("/cases/{case}/step"),
        &county,
        &form(&[("csrf", "forged"), ("action", "revert")]),
        &[],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(!audit_actions(&a, "case.refused").await.is_empty());
    assert!(!audit_actions(&a, "csrf.rejected").await.is_empty());
}

#[tokio::test]
async fn a_campaign_file_is_checked_then_imported() {
    let a = app().await;
    let r = in_village();
    let town = session(&a.router, "town").await;
    let page = get(&a.router, "/leads", &town).await;
    let csrf = hidden(&page.body, "csrf");
    let template = get(&a.router, "/leads/import/template.csv", &town).await;
    assert_eq!(template.status, StatusCode::OK);
    assert!(template.body.contains("发现的困难或风险*"));
    let bad = "村代码,户编号,发现的困难或风险,发现日期\n500299101201,,,2026-01-01\n".to_string();
    let reply = multipart_to(
        &a,
        &town,
        "/leads/import",
        &[("csrf", &csrf)],
        Some(("排查.csv", bad.as_bytes())),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.body.contains("第2行“发现的困难或风险”：必须填写"),
        "{}",
        reply.body
    );
    let good = format!(
        "村代码,户编号,发现的困难或风险,风险类型\n,{},务工收入中断,因务工就业不稳\n500299101202,,独居老人无人照料,缺劳动力\n",
        r.household.code
    );
    let dry = multipart_to(
        &a,
        &town,
        "/leads/import",
        &[("csrf", &csrf), ("dry_run", "1")],
        Some(("排查.csv", good.as_bytes())),
    )
    .await;
    assert!(dry.body.contains("检查通过：文件共2行"), "{}", dry.body);
    let done = multipart_to(
        &a,
        &town,
        "/leads/import",
        &[("csrf", &csrf)],
        Some(("排查.csv", good.as_bytes())),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.contains("已导入2条线索"), "{}", done.body);
    assert!(done.body.contains("独居老人无人照料"));
    let forged = multipart_to(
        &a,
        &town,
        "/leads/import",
        &[("csrf", "forged")],
        Some(("排查.csv", good.as_bytes())),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

/// A public submission with the ID number of a monitored household tells nothing about the
/// case and adds nothing to it until an officer accepts it; its stamp serves once.
#[tokio::test]
async fn a_public_submission_neither_reveals_nor_joins_an_open_case() {
    let a = app().await;
    let r = in_village();
    let head = &r.members[0];
    let apply = |stamp: String| {
        let id = head.id_number.as_str().to_string();
        let name = head.name.clone();
        let a = &a;
        async move {
            public_post(
                a,
                "/apply",
                &form(&[
                    ("stamp", &stamp),
                    ("name", &name),
                    ("id_number", &id),
                    ("phone", "13912345678"),
                    ("village", "500299101201"),
                    ("hardship", "01"),
                    ("text", "老伴住院"),
                ]),
            )
            .await
        }
    };
    let status_of = |code: String| {
        let id = head.id_number.as_str().to_string();
        let a = &a;
        async move {
            public_post(
                a,
                "/apply/status",
                &form(&[("code", &code), ("id_number", &id)]),
            )
            .await
            .body
        }
    };
    let code_of = |body: &str| {
        body.split("id=\"tracking-code\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string()
    };
    let first_stamp = hidden(&get(&a.router, "/apply", "").await.body, "stamp");
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let first = apply(first_stamp).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    // The town accepts: the household now has an open case.
    let town = session(&a.router, "town").await;
    let leads = get(&a.router, "/leads?status=pending", &town).await;
    let id = leads
        .body
        .split("id=\"lead-")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let accepted = post(
        &a.router,
        &format!("/leads/{id}/decide"),
        &town,
        &form(&[
            ("csrf", &hidden(&leads.body, "csrf")),
            ("decision", "accept"),
        ]),
        &[],
    )
    .await;
    let case = case_id_of(accepted.location());
    let sys = Actor::system("t");
    let file = a.store.case_file(&sys, case).await.unwrap().unwrap();
    let history = (file.events.len(), file.leads.len());

    // Anyone with the ID number submits again.
    let stamp = hidden(&get(&a.router, "/apply", "").await.body, "stamp");
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let second = apply(stamp.clone()).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let body = status_of(code_of(&second.body)).await;
    assert!(body.contains("已收到，等待乡镇受理"), "{body}");
    assert!(!body.contains("已受理"), "{body}");
    let file = a.store.case_file(&sys, case).await.unwrap().unwrap();
    assert_eq!(
        (file.events.len(), file.leads.len()),
        history,
        "nothing joins the case before an officer accepts"
    );
    let pending = get(&a.router, "/leads?status=pending", &town).await;
    assert!(pending.body.contains("老伴住院"), "it waits for the town");

    // The same form sent again, from anywhere, is refused.
    let again = apply(stamp).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(
        again.body.contains("这份表单已经提交过了"),
        "{}",
        again.body
    );
}

/// The lead list finds by words, village, channel, state and dates, pages honestly with its
/// total, finds by a posted ID number, and names a wrong filter.
#[tokio::test]
async fn the_lead_list_is_searched_filtered_and_paged() {
    let a = app().await;
    let sys = Actor::system("t");
    let record = in_village();
    let member = &record.members[1];
    let other_village = DivisionCode::parse("500299101202").unwrap();
    let mut leads: Vec<dixian_store::NewLead> = (0..60)
        .map(|i| dixian_store::NewLead {
            village: record.household.village,
            household: None,
            channel: dixian_domain::monitoring::Channel::CadreSurvey,
            source: format!("排查组{i}"),
            reason: format!("冬季排查发现困难{i}"),
            evidence: String::new(),
            hardships: Vec::new(),
            received_on: NaiveDate::from_ymd_opt(2026, 10, 1 + (i % 28) as u32).unwrap(),
            applicant: None,
            tracking_code: None,
        })
        .collect();
    leads.push(dixian_store::NewLead {
        village: other_village,
        channel: dixian_domain::monitoring::Channel::Hotline,
        source: "12317工单8".into(),
        reason: "热线反映看病负担重".into(),
        ..leads[0].clone()
    });
    leads.push(dixian_store::NewLead {
        household: Some(record.household.code.clone()),
        reason: "子女上学费用高".into(),
        received_on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        ..leads[0].clone()
    });
    a.store.create_leads(&sys, &leads).await.unwrap();
    let town = session(&a.router, "town").await;

    let page = get(
        &a.router,
        "/leads?q=%E5%86%AC%E5%AD%A3%E6%8E%92%E6%9F%A5",
        &town,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("共 60 条，第 1/2 页"), "{}", page.body);
    assert_eq!(page.body.matches("<article class=\"lead\"").count(), 50);
    assert!(page.body.contains("rel=\"next\""));
    let second = get(
        &a.router,
        "/leads?q=%E5%86%AC%E5%AD%A3%E6%8E%92%E6%9F%A5&page=2",
        &town,
    )
    .await;
    assert_eq!(second.body.matches("<article class=\"lead\"").count(), 10);
    assert!(second.body.contains("rel=\"prev\"") && !second.body.contains("rel=\"next\""));

    // Village and channel; a member's name finds the household's lead.
    let hotline = get(
        &a.router,
        "/leads?village=500299101202&channel=hotline",
        &town,
    )
    .await;
    assert!(hotline.body.contains("共 1 条"), "{}", hotline.body);
    assert!(hotline.body.contains("热线反映看病负担重"));
    // The filtered list as a file: every page of it, audited with the filter.
    assert!(
        hotline
            .body
            .contains("/leads/export.csv?village=500299101202&#38;channel=hotline"),
        "{}",
        hotline.body.split("leads-total").nth(1).unwrap_or_default()
    );
    let file = get(
        &a.router,
        "/leads/export.csv?village=500299101202&channel=hotline",
        &town,
    )
    .await;
    assert_eq!(file.status, StatusCode::OK);
    let lines: Vec<&str> = file.body.lines().collect();
    assert_eq!(lines.len(), 2, "{}", file.body);
    assert!(lines[0].contains("编号,发现日期,村代码,户编号,渠道"));
    assert!(lines[1].contains("热线反映看病负担重") && lines[1].contains("12317工单8"));
    let all = get(
        &a.router,
        "/leads/export.csv?q=%E5%86%AC%E5%AD%A3%E6%8E%92%E6%9F%A5",
        &town,
    )
    .await;
    assert_eq!(all.body.lines().count(), 61, "all 60, not one page");
    let exports = audit_actions(&a, "lead.export").await;
    assert_eq!(exports.len(), 2);
    assert!(
        exports[0].detail.contains("\"channel\":\"hotline\""),
        "{}",
        exports[0].detail
    );
    let by_name = get(
        &a.router,
        &format!(
            "/leads?q={}",
            form(&[("q", member.name.as_str())]).trim_start_matches("q=")
        ),
        &town,
    )
    .await;
    assert!(by_name.body.contains("子女上学费用高"), "{}", by_name.body);
    // Dates bound the list; a wrong date is named.
    let late = get(&a.router, "/leads?from=2026-11-15&until=2026-11-30", &town).await;
    assert!(late.body.contains("子女上学费用高"));
    assert!(!late.body.contains("冬季排查发现困难"));
    let wrong = get(&a.router, "/leads?from=2026-13-01&channel=fax", &town).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("起始日期"), "{}", wrong.body);
    assert!(wrong.body.contains("发现渠道“fax”无效"));

    // From the household's page, a lead is registered with the household already filled in.
    let code = record.household.code.as_str();
    let house = get(&a.router, &format!("/households/{code}"), &town).await;
    assert!(
        house.body.contains(&format!(
            "href=\"/leads?household={code}#lead-form\" id=\"lead-link\""
        )),
        "{}",
        house.body
    );
    let prefilled = get(&a.router, &format!("/leads?household={code}"), &town).await;
    let lead_form = prefilled.body.split("id=\"lead-form\"").nth(1).unwrap();
    assert!(
        lead_form.contains(&format!("name=\"household\" value=\"{code}\"")),
        "{lead_form}"
    );
    assert!(
        lead_form.contains("<option value=\"500299101201\" selected>"),
        "{lead_form}"
    );
    // A member's ID number, posted, finds the lead of the household; it is never in a link.
    let csrf = hidden(&page.body, "csrf");
    let found = post(
        &a.router,
        "/leads/find",
        &town,
        &form(&[
            ("csrf", csrf.as_str()),
            ("id_number", member.id_number.as_str()),
        ]),
        &[],
    )
    .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert!(found.body.contains("共 1 条"), "{}", found.body);
    assert!(found.body.contains("子女上学费用高"));
    assert!(!found.body.contains(member.id_number.as_str()));
    let bad = post(
        &a.router,
        "/leads/find",
        &town,
        &form(&[("csrf", csrf.as_str()), ("id_number", "500299")]),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("身份证号："), "{}", bad.body);
}

/// The `id:version` values of the bulk boxes of a case list, in the list's order.
fn ticks(body: &str) -> Vec<String> {
    body.split("name=\"ids\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_case_list_is_searched_exported_and_assigned_in_bulk() {
    let a = crate::privacy::with_cases().await;
    let town = session(&a.router, "town").await;
    let list = get(&a.router, "/cases?state=monitored&area=500299101000", &town).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let mut picks = ticks(&list.body);
    assert!(!picks.is_empty(), "{}", list.body);
    // A second case, of any state, for a box ticked with a stale version.
    let all = get(&a.router, "/cases?area=500299101000", &town).await;
    let listed = picks[0].clone();
    picks.extend(
        ticks(&all.body)
            .into_iter()
            .filter(|t| *t != listed)
            .take(1),
    );
    assert_eq!(picks.len(), 2, "{}", all.body);
    let id_of = |t: &str| t.split(':').next().unwrap().to_string();

    // By a head's name (from the list itself) the list narrows to that household's cases.
    let row = list.body.split("<td data-label=\"户主\">").nth(1).unwrap();
    let head = row.split("\">").nth(1).unwrap().split('<').next().unwrap();
    let code = row
        .split("href=\"/households/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let by_name = get(
        &a.router,
        &format!("/cases?{}", form(&[("q", head)])),
        &town,
    )
    .await;
    assert_eq!(by_name.status, StatusCode::OK);
    assert!(by_name.body.contains(&format!("/households/{code}\"")));
    assert!(
        by_name.body.contains(&format!("查找：{head}")),
        "{}",
        by_name.body
    );
    let nobody = get(&a.router, "/cases?q=%E6%97%A0%E6%AD%A4%E4%BA%BA", &town).await;
    assert!(nobody.body.contains("没有符合条件的案件"));
    assert!(
        nobody.body.contains("id=\"total-households\">0<"),
        "{}",
        nobody.body
    );
    // An ID number is never put in an address: the search box refuses it, the POST finds it.
    let number = demo_member_id(code);
    let refused = get(&a.router, &format!("/cases?q={number}"), &town).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("按身份证号查找"), "{}", refused.body);
    let csrf = hidden(&list.body, "csrf");
    let found = post(
        &a.router,
        "/cases/find",
        &town,
        &form(&[("csrf", &csrf), ("id_number", &number)]),
        &[],
    )
    .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert!(found.body.contains(&format!("/households/{code}\"")));
    assert!(!found.body.contains(&number));
    assert!(
        found.body.contains("按身份证号查找</span>"),
        "{}",
        found.body
    );

    // The filtered list as a file: every case of it, in words, audited; not for a village.
    let file = get(
        &a.router,
        "/cases/export.csv?state=monitored&area=500299101000",
        &town,
    )
    .await;
    assert_eq!(file.status, StatusCode::OK);
    let total: usize = list
        .body
        .split("id=\"total-households\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert_eq!(file.body.lines().count(), total + 1, "{}", file.body);
    assert!(file.body.lines().skip(1).all(|l| l.contains("监测帮扶中")));
    assert_eq!(audit_actions(&a, "case.export").await.len(), 1);
    let village = session(&a.router, "village").await;
    let denied = get(&a.router, "/cases/export.csv?state=monitored", &village).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(
        !get(&a.router, "/cases", &village)
            .await
            .body
            .contains("cases-export")
    );

    // Bulk: nothing ticked is named beside the boxes and the chosen cadre is kept.
    let cadre_id = list
        .body
        .split("id=\"cases-bulk\"")
        .nth(1)
        .unwrap()
        .split("<option value=\"\">请选择</option><option value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let none = post(
        &a.router,
        "/cases/cadres",
        &town,
        &form(&[
            ("csrf", &csrf),
            ("cadre", &cadre_id),
            ("unit", "区农业农村委"),
        ]),
        &[],
    )
    .await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST, "{}", none.body);
    assert!(none.body.contains("请先勾选要指派帮扶责任人的案件"));
    assert!(
        none.body
            .contains(&format!("<option value=\"{cadre_id}\" selected>"))
    );
    assert!(none.body.contains("value=\"区农业农村委\""));
    // One case as listed, one with a stale version: one assigned, one named with why.
    let first = &picks[0];
    let (second_id, second_version) = picks[1].split_once(':').unwrap();
    let stale = format!("{second_id}:{}", second_version.parse::<i64>().unwrap() - 1);
    let done = post(
        &a.router,
        "/cases/cadres",
        &town,
        &format!(
            "{}&ids={}&ids={}",
            form(&[
                ("csrf", &csrf),
                ("cadre", &cadre_id),
                ("unit", "区农业农村委"),
                ("political", "群众"),
                ("state", "monitored"),
                ("area", "500299101000"),
            ]),
            first.replace(':', "%3A"),
            stale.replace(':', "%3A"),
        ),
        &[],
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body
            .contains(&format!("已为1个案件明确帮扶责任人（#{}）", id_of(first))),
        "{}",
        done.body
    );
    assert!(
        done.body
            .contains(&format!("案件#{second_id}：列表打开后已被他人办理，未指派")),
        "{}",
        done.body
    );
    // The list is the one the boxes were ticked on.
    assert!(
        done.body.contains("name=\"area\" value=\"500299101000\""),
        "{}",
        done.body
    );
    let case = get(&a.router, &format!("/cases/{}", id_of(first)), &town).await;
    assert!(case.body.contains("区农业农村委"), "{}", case.body);
}

/// The number in "共 N 次走访" of a visit list page.
fn visit_total(body: &str) -> usize {
    body.split("共 ")
        .nth(1)
        .and_then(|s| s.split(" 次走访").next())
        .unwrap_or_else(|| panic!("no total: {body}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn visits_are_listed_found_and_exported() {
    let a = crate::privacy::with_cases().await;
    let town = session(&a.router, "town").await;
    let all = get(&a.router, "/visits", &town).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let total = visit_total(&all.body);
    assert!(total > 0, "{}", all.body);
    assert_eq!(
        all.body.matches("data-label=\"走访日期\"").count(),
        total.min(50)
    );
    // The area picker is in words: the town's villages by name.
    assert!(all.body.contains(">石桥村</option>") || all.body.contains("村</option>"));
    assert!(!all.body.contains(">500299101201</option>"));
    // Kinds split the list; dates narrow it.
    let in_case = visit_total(&get(&a.router, "/visits?kind=case", &town).await.body);
    let outside = visit_total(&get(&a.router, "/visits?kind=household", &town).await.body);
    assert_eq!(in_case + outside, total);
    assert!(in_case > 0);
    let newest = all
        .body
        .split("data-label=\"走访日期\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let that_day = get(
        &a.router,
        &format!("/visits?from={newest}&to={newest}"),
        &town,
    )
    .await;
    let day_total = visit_total(&that_day.body);
    assert!(day_total >= 1 && day_total <= total);
    assert_eq!(
        that_day
            .body
            .matches(&format!("data-label=\"走访日期\">{newest}<"))
            .count(),
        day_total.min(50)
    );
    let beyond = get(&a.router, "/visits?page=999", &town).await;
    assert!(beyond.body.contains("没有第999页"), "{}", beyond.body);
    assert_eq!(visit_total(&beyond.body), total);
    // Wrong conditions are named beside their fields, all at once.
    let bad = get(&a.router, "/visits?from=2026-13-01&kind=x", &town).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("查询条件有2处错误"), "{}", bad.body);
    assert!(beside(&bad.body, "from").contains("日期“2026-13-01”无效"));
    assert!(beside(&bad.body, "kind").contains("走访类别“x”无效"));
    // The filtered list as a file for the county, audited; not for a village officer.
    let county = session(&a.router, "county").await;
    let file = get(&a.router, "/visits/export.csv?kind=case", &county).await;
    assert_eq!(file.status, StatusCode::OK, "{}", file.body);
    assert!(file.body.starts_with("\u{feff}走访日期,户编号,户主,行政村"));
    let county_in_case = visit_total(&get(&a.router, "/visits?kind=case", &county).await.body);
    assert_eq!(file.body.lines().count(), county_in_case + 1);
    assert!(
        file.body.lines().skip(1).all(|l| l.contains(",#")),
        "each of a case"
    );
    assert_eq!(audit_actions(&a, "visit.export").await.len(), 1);
    let village = session(&a.router, "village").await;
    let denied = get(&a.router, "/visits/export.csv", &village).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let theirs = get(&a.router, "/visits", &village).await;
    assert!(!theirs.body.contains("id=\"export\""));
    assert!(visit_total(&theirs.body) <= total);
    // By a member's ID number (a POST): that household's visits; a wrong number said beside
    // its box; a number not registered here lists nothing.
    let code = all
        .body
        .split("data-label=\"户编号\" class=\"code\"><a href=\"/households/")
        .nth(1)
        .unwrap()
        .split('#')
        .next()
        .unwrap()
        .to_string();
    let csrf = hidden(&all.body, "csrf");
    let number = crate::support::demo_member_id(&code);
    let lookups = audit_actions(&a, "person.lookup").await.len();
    let found = post(
        &a.router,
        "/visits/find",
        &town,
        &form(&[("csrf", &csrf), ("id_number", &number)]),
        &[],
    )
    .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert!(found.body.contains("按身份证号查找："), "{}", found.body);
    assert!(!found.body.contains(&number));
    let rows = found.body.matches("data-label=\"户编号\"").count();
    assert!(rows >= 1);
    assert_eq!(
        found
            .body
            .matches(&format!("/households/{code}#visits"))
            .count(),
        rows,
        "only that household's visits"
    );
    assert_eq!(audit_actions(&a, "person.lookup").await.len(), lookups + 1);
    let bad = post(
        &a.router,
        "/visits/find",
        &town,
        &form(&[("csrf", &csrf), ("id_number", "500299")]),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        beside(&bad.body, "id_number").contains("身份证号有误"),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("value=\"500299\""),
        "the typed number kept to correct"
    );
    let (_, outside) = crate::support::demo_people();
    let none = post(
        &a.router,
        "/visits/find",
        &town,
        &form(&[("csrf", &csrf), ("id_number", &outside)]),
        &[],
    )
    .await;
    assert!(
        none.body.contains("本辖区内没有登记这个身份证号"),
        "{}",
        none.body
    );
    assert_eq!(visit_total(&none.body), 0);
}
