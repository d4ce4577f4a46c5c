//! The overview pages by jurisdiction, Chinese error pages, the policy page, what a cadre sees.

use crate::support::*;

#[tokio::test]
async fn county_drills_down_and_town_sees_only_its_town() {
    let a = app().await;
    let county = session(&a.router, "county").await;
    let home = get(&a.router, "/", &county).await;
    assert!(
        home.body.contains("青山县") && home.body.contains(">600<"),
        "{}",
        home.body
    );
    let page = get(&a.router, "/divisions/500299000000", &county).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("/divisions/500299").count(),
        15,
        "15 towns"
    );
    let village = get(&a.router, "/divisions/500299101201", &county).await;
    assert!(village.body.contains("村民小组") && village.body.contains("一组"));
    let persons: String = page
        .body
        .split("人数 <strong>")
        .nth(1)
        .and_then(|t| t.split('<').next())
        .unwrap()
        .to_string();
    assert!(persons.contains(','), "grouped: {persons}");

    let town = session(&a.router, "town").await;
    let home = get(&a.router, "/", &town).await;
    assert!(
        home.body.contains("石桥镇") && !home.body.contains("青山县</a>"),
        "{}",
        home.body
    );
    for outside in [
        "/divisions/500299000000",
        "/divisions/500299102000",
        "/divisions/500299102201",
    ] {
        let reply = get(&a.router, outside, &town).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{outside}");
        assert!(reply.body.contains("无权访问"));
        assert!(!reply.body.contains("白沙镇"), "nothing leaks");
    }
    assert_eq!(
        get(&a.router, "/divisions/500299101201", &town)
            .await
            .status,
        StatusCode::OK
    );
    let denied = a
        .store
        .audit_records(
            &dixian_domain::access::Actor::system("test"),
            &dixian_store::AuditFilter::after(0, 10_000),
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "access.denied" && r.actor == "town")
        .count();
    assert_eq!(denied, 3);
}

#[tokio::test]
async fn bad_addresses_get_chinese_errors() {
    let a = app().await;
    let c = session(&a.router, "county").await;
    let reply = get(&a.router, "/divisions/500299999000", &c).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("区划代码500299999000不存在"));
    let reply = get(&a.router, "/divisions/5002", &c).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("应为12位数字"));
    let reply = get(&a.router, "/no/such/page", &c).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("没有这个页面"));
}

#[tokio::test]
async fn policy_page() {
    let a = app().await;
    let c = session(&a.router, "county").await;
    let reply = get(&a.router, "/policy?date=2026-11-01", &c).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    for part in [
        "重庆市青山县",
        "6,000.00",
        "3月、8月、11月",
        "防止返贫致贫对象",
        "chongqing-2022",
        "qingshan-2022",
        "10个工作日",
        // Each value with where it comes from.
        "依据：县定默认值：本库未收录任何文件规定入户核实时限",
        "依据：县定默认值：演示县参照铜委农组〔2022〕9号第6条",
        "（政策包 qingshan-2022）",
        "依据：2026年中央一号文件",
        "依据：重庆市乡村振兴局工作进展（seeds/004）",
        // The category rules and the exclusions are pack values too, with their sources.
        "01 脱贫不稳定户：脱贫户，人均纯收入低于监测范围",
        "公示单上印：023-45612317（青山县乡村振兴局）",
        "家庭成员拥有商品房（或门面房）",
        "不动产登记数据（商品住宅、商业服务；依据：县定默认值",
        "特殊情况可由村民代表大会评议认定纳入",
        "依据：铜仁市衔接规划（seeds/001）第五章第二节",
    ] {
        assert!(reply.body.contains(part), "{part}");
    }
    let reply = get(&a.router, "/policy?region=500299000000&date=2021-06-01", &c).await;
    assert!(reply.body.contains("4000.00元 × 150%"));
    let reply = get(&a.router, "/policy?region=500299000000&date=2026-02-30", &c).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("日期“2026-02-30”无效"));
    let reply = get(&a.router, "/policy?region=%3Cscript%3E&date=2026-01-01", &c).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(!reply.body.contains("<script>"), "escaped");
}

#[tokio::test]
async fn a_cadre_sees_only_assigned_households() {
    let a = app().await;
    let village = DivisionCode::parse("500299101201").unwrap();
    let sys = Actor::system("t");
    let cadre = session(&a.router, "cadre").await;
    let before = get(&a.router, "/", &cadre).await;
    assert!(before.body.contains(">0<"), "{}", before.body);
    let n = demo::assign_demo_cadre(a.store.as_ref(), &sys, "cadre", &village)
        .await
        .unwrap();
    assert!(n > 0);
    let in_village = a.store.registry_counts(&sys, &village).await.unwrap();
    assert!(in_village.households as usize >= n);
    let after = get(&a.router, "/", &cadre).await;
    assert!(
        after.body.contains(&format!(">{n}<")),
        "{n}: {}",
        after.body
    );
}
