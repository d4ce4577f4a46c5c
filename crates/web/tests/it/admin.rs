//! The administrators' pages: accounts, the security policy, the audit trail.

use crate::support::*;

#[tokio::test]
async fn administrators_manage_accounts_and_policy_on_the_web() {
    let a = app().await;
    let admin = session(&a.router, "admin").await;
    let page = get(&a.router, "/admin/users", &admin).await;
    let csrf = hidden(&page.body, "csrf");
    let created = post(
        &a.router,
        "/admin/users",
        &admin,
        &form(&[
            ("csrf", &csrf),
            ("username", "li.si"),
            ("display_name", "李四"),
            ("role", "village_officer"),
            ("division", "500299101202"),
            ("department", ""),
        ]),
        &[],
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let password = created
        .body
        .split("初始密码：")
        .nth(1)
        .and_then(|t| t.split('（').next())
        .unwrap()
        .to_string();
    assert_eq!(password.chars().count(), 16);
    // 三员分立: the account waits for the security administrator, who approves it on the
    // same page; the system administrator cannot approve.
    let (reply, _) = login(&a.router, "li.si", &password).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let security = session(&a.router, "security").await;
    let list = get(&a.router, "/admin/users", &security).await;
    assert!(list.body.contains("待安全管理员审批"), "{}", list.body);
    let request = list
        .body
        .split("name=\"request\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let by_admin = post(
        &a.router,
        "/admin/users/requests",
        &admin,
        &form(&[
            ("csrf", &csrf),
            ("request", &request),
            ("decision", "approve"),
        ]),
        &[],
    )
    .await;
    assert_eq!(by_admin.status, StatusCode::FORBIDDEN);
    let security_csrf = hidden(&list.body, "csrf");
    let approved = post(
        &a.router,
        "/admin/users/requests",
        &security,
        &form(&[
            ("csrf", &security_csrf),
            ("request", &request),
            ("decision", "approve"),
            ("note", "已电话核实"),
        ]),
        &[],
    )
    .await;
    assert!(approved.body.contains("已批准申请#"), "{}", approved.body);
    // The new account must change its password first.
    let (reply, _) = login(&a.router, "li.si", &password).await;
    assert_eq!(reply.location(), "/account/password");
    // An audit administrator: the system administrator never sees its password.
    let auditor = post(
        &a.router,
        "/admin/users",
        &admin,
        &form(&[
            ("csrf", &csrf),
            ("username", "shenji2"),
            ("display_name", "审计二"),
            ("role", "audit_admin"),
            ("division", "500299000000"),
            ("department", ""),
        ]),
        &[],
    )
    .await;
    assert!(
        auditor.body.contains("待安全管理员审批"),
        "{}",
        auditor.body
    );
    assert!(!auditor.body.contains("初始密码："), "{}", auditor.body);
    let reset = post(
        &a.router,
        "/admin/users/action",
        &admin,
        &form(&[
            ("csrf", &csrf),
            ("username", "security"),
            ("action", "reset"),
        ]),
        &[],
    )
    .await;
    assert!(
        reset.body.contains("已提交重置账号security密码的申请"),
        "{}",
        reset.body
    );
    assert!(!reset.body.contains("新密码："), "{}", reset.body);
    // Invalid input is named and nothing is created.
    let bad = post(
        &a.router,
        "/admin/users",
        &admin,
        &form(&[
            ("csrf", &csrf),
            ("username", "Wang Wu"),
            ("display_name", ""),
            ("role", "局长"),
            ("division", "5002"),
        ]),
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    for part in ["账号名“Wang Wu”无效", "姓名不能为空", "角色“局长”无效"] {
        assert!(bad.body.contains(part), "{part}: {}", bad.body);
    }
    // Disable, then reset.
    let disabled = post(
        &a.router,
        "/admin/users/action",
        &admin,
        &form(&[
            ("csrf", &csrf),
            ("username", "li.si"),
            ("action", "disable"),
        ]),
        &[],
    )
    .await;
    assert!(
        disabled.body.contains("已停用账号li.si"),
        "{}",
        disabled.body
    );
    let (reply, _) = login(&a.router, "li.si", &password).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.body.contains("账号已停用"));

    // The security administrator raises the lockout bar; it applies at once.
    let security = session(&a.router, "security").await;
    let sp = get(&a.router, "/admin/security", &security).await;
    let scsrf = hidden(&sp.body, "csrf");
    let mut fields: Vec<(String, String)> =
        dixian_app::accounts::security::SecuritySettings::of(&SecurityPolicy::default())
            .fields()
            .iter()
            .map(|f| (f.0.to_string(), f.2.to_string()))
            .collect();
    let set = |fields: &mut Vec<(String, String)>, k: &str, v: &str| {
        fields.iter_mut().find(|f| f.0 == k).unwrap().1 = v.into();
    };
    set(&mut fields, "lockout_threshold", "3");
    set(&mut fields, "password_min_length", "6");
    let body = |fields: &Vec<(String, String)>| {
        let mut pairs: Vec<(&str, &str)> = vec![("csrf", &scsrf)];
        pairs.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        form(&pairs)
    };
    let refused = post(&a.router, "/admin/security", &security, &body(&fields), &[]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused
            .body
            .contains("密码最短长度应在8到64之间（填写的是6）"),
        "{}",
        refused.body
    );
    set(&mut fields, "password_min_length", "10");
    let saved = post(&a.router, "/admin/security", &security, &body(&fields), &[]).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(saved.body.contains("安全策略已保存"));
    let changes = audit_actions(&a, "setting.put").await;
    let change = changes.last().unwrap();
    assert_eq!(change.target, "security.policy");
    assert!(
        change.detail.contains("\\\"lockout_threshold\\\":3"),
        "{}",
        change.detail
    );
    for _ in 0..3 {
        login(&a.router, "viewer", "wrong-password").await;
    }
    let (locked, _) = login(&a.router, "viewer", accounts::DEMO_PASSWORD).await;
    assert!(locked.body.contains("账号已锁定"), "{}", locked.body);
    // The system administrator cannot change it.
    let admin_page = post(&a.router, "/admin/security", &admin, &body(&fields), &[]).await;
    assert_eq!(admin_page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn auditor_filters_and_exports_the_trail() {
    let a = app().await;
    login(&a.router, "town", "wrong-password").await;
    let auditor = session(&a.router, "auditor").await;
    let page = get(&a.router, "/audit?action=login.failure", &auditor).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("登录失败") && page.body.contains(">town<"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("登录成功</td>"));
    let bad = get(&a.router, "/audit?from=yesterday", &auditor).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("起始日期“yesterday”不是日期"));
    let csv = get(&a.router, "/audit/export.csv?actor=town", &auditor).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(csv.body.starts_with('\u{feff}'));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(lines.len() >= 2, "{}", csv.body);
    assert!(
        lines[1..].iter().all(|l| l.contains("\"town\"")),
        "{}",
        csv.body
    );
    let exports = audit_actions(&a, "audit.export").await;
    assert_eq!(exports.len(), 1);
    assert!(
        exports[0].detail.contains("\"actor\":\"town\""),
        "{}",
        exports[0].detail
    );
}
