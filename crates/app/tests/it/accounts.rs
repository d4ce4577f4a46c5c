use crate::support::*;
use dixian_app::accounts::{self, Argon2id, NewAccount, PasswordHashing};
use dixian_domain::access::{Role, Scope};
use dixian_domain::password::PasswordRules;

const DIVS: &str = "code,name\n500000000000,重庆市\n500200000000,县\n500299000000,青山县\n500299101000,石桥镇\n500299101201,石桥村\n500299102000,白沙镇\n";

fn input(username: &str, role: &str, division: &str) -> NewAccount {
    NewAccount {
        username: username.into(),
        display_name: "测试员".into(),
        role: role.into(),
        division: division.into(),
        department: None,
    }
}

#[test]
fn argon2id_hashes_verify_and_differ() {
    let h = Argon2id::cheap_for_tests();
    let a = h.hash("Secret#123").unwrap();
    let b = h.hash("Secret#123").unwrap();
    assert!(a.starts_with("$argon2id$"));
    assert_ne!(a, b, "salted");
    assert!(h.verify("Secret#123", &a));
    assert!(!h.verify("Secret#124", &a));
    assert!(!h.verify("Secret#123", "garbage"));
    // Recommended parameters are the OWASP ones.
    let strong = Argon2id::recommended().hash("x").unwrap();
    assert!(strong.contains("m=19456,t=2,p=1"), "{strong}");
}

#[test]
fn generated_passwords_meet_the_rules() {
    let rules = PasswordRules::default();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..200 {
        let p = accounts::generate_password().unwrap();
        assert_eq!(p.len(), 16);
        rules.check(&p, "someone").unwrap();
        assert!(seen.insert(p));
    }
}

#[tokio::test]
async fn administer_accounts() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[file("d.csv", DIVS)], &[])
        .await
        .unwrap();
    let h = Argon2id::cheap_for_tests();
    let (id, initial) = accounts::create_account(
        &s,
        &h,
        &sys(),
        &input("zhang.san", "乡镇审核员", "500299101000"),
    )
    .await
    .unwrap();
    let initial = initial.unwrap();
    let u = s.user_by_username("zhang.san").await.unwrap().unwrap();
    assert_eq!(u.id, id);
    assert!(u.must_change);
    assert!(h.verify(&initial, &u.password_hash));

    // Every problem of a bad form at once, in Chinese.
    let bad = NewAccount {
        username: "Zhang San".into(),
        display_name: " ".into(),
        role: "局长".into(),
        division: "5002991".into(),
        department: None,
    };
    let e = accounts::create_account(&s, &h, &sys(), &bad)
        .await
        .unwrap_err();
    let text = e.to_string();
    for part in [
        "账号名“Zhang San”无效",
        "姓名不能为空",
        "角色“局长”无效",
        "12位数字",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    let e = accounts::create_account(
        &s,
        &h,
        &sys(),
        &input("yibao", "部门数据员", "500299000000"),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("必须填写所属部门"), "{e}");
    let e = accounts::create_account(&s, &h, &sys(), &input("aud", "审计管理员", "500299101000"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("应设在县级或以上"), "{e}");

    // Only account managers manage accounts; refusals are audited.
    let reviewer = Actor {
        user_id: Some(id),
        name: "zhang.san".into(),
        scope: Scope::Within(DivisionCode::parse("500299101000").unwrap()),
        source: None,
        role: Some(Role::TownReviewer),
    };
    let e = accounts::create_account(
        &s,
        &h,
        &reviewer,
        &input("li.si", "只读查看", "500299101000"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.to_string(), "无权访问");
    let denied = s
        .audit_records(
            &dixian_domain::access::Actor::system("test"),
            &dixian_store::AuditFilter::after(0, 1000),
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "access.denied" && r.actor == "zhang.san")
        .count();
    assert_eq!(denied, 1);

    // Own password change: old must match, new must follow the rules.
    let rules = PasswordRules::default();
    let e = accounts::change_own_password(&s, &h, &reviewer, &rules, "wrong", "Better#Pass1", None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("原密码不正确"));
    let e = accounts::change_own_password(&s, &h, &reviewer, &rules, &initial, "short", None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("至少8位"));
    accounts::change_own_password(&s, &h, &reviewer, &rules, &initial, "Better#Pass1", None)
        .await
        .unwrap();
    let u = s.user_by_username("zhang.san").await.unwrap().unwrap();
    assert!(!u.must_change);
    assert!(h.verify("Better#Pass1", &u.password_hash));

    // Reset and disable by the system administrator.
    let accounts::Carried::Done(Some(fresh)) =
        accounts::reset_password(&s, &h, &sys(), "zhang.san")
            .await
            .unwrap()
    else {
        panic!("the system resets at once")
    };
    let u = s.user_by_username("zhang.san").await.unwrap().unwrap();
    assert!(u.must_change && h.verify(&fresh, &u.password_hash));
    accounts::set_disabled(&s, &sys(), "zhang.san", true)
        .await
        .unwrap();
    assert!(
        s.user_by_username("zhang.san")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
    let e = accounts::set_disabled(&s, &sys(), "nobody", true)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("没有账号nobody"));
    let listed = accounts::list_accounts(&s, &sys()).await.unwrap();
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn demo_accounts_cover_every_role_once() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[file("d.csv", DIVS)], &[])
        .await
        .unwrap();
    let h = Argon2id::cheap_for_tests();
    let code = |c: &str| DivisionCode::parse(c).unwrap();
    let system = sys();
    let run = || {
        accounts::ensure_demo_accounts(
            &s,
            &h,
            &system,
            code("500299000000"),
            code("500299101000"),
            code("500299101201"),
        )
    };
    let made = run().await.unwrap();
    assert_eq!(made.len(), Role::ALL.len());
    for r in Role::ALL {
        assert_eq!(made.iter().filter(|a| a.role == *r).count(), 1, "{r:?}");
    }
    assert_eq!(run().await.unwrap(), made, "idempotent");
    assert_eq!(s.users(&sys()).await.unwrap().len(), Role::ALL.len());
    let town = s.user_by_username("town").await.unwrap().unwrap();
    assert!(h.verify(accounts::DEMO_PASSWORD, &town.password_hash));
    assert!(!town.must_change);
    assert_eq!(
        s.user_by_username("yibao")
            .await
            .unwrap()
            .unwrap()
            .department
            .as_deref(),
        Some("医保")
    );
}

/// 三员分立: the system administrator proposes, a security administrator approves, and the
/// system administrator never learns another administrator's password.
#[tokio::test]
async fn a_second_administrator_approves_what_the_first_proposes() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[file("d.csv", DIVS)], &[])
        .await
        .unwrap();
    let h = Argon2id::cheap_for_tests();
    let person = |id: i64, name: &str, role: Role| Actor {
        user_id: Some(id),
        name: name.into(),
        scope: Scope::Within(DivisionCode::parse("500299000000").unwrap()),
        source: None,
        role: Some(role),
    };
    let mut ids = Vec::new();
    for (name, role) in [
        ("admin", "系统管理员"),
        ("security", "安全管理员"),
        ("security2", "安全管理员"),
    ] {
        let (id, _) = accounts::create_account(&s, &h, &sys(), &input(name, role, "500299000000"))
            .await
            .unwrap();
        ids.push(id);
    }
    let admin = person(ids[0], "admin", Role::SystemAdmin);
    let security = person(ids[1], "security", Role::SecurityAdmin);
    let security2 = person(ids[2], "security2", Role::SecurityAdmin);

    // A business account: created disabled, its password told to the creator.
    let (town, pw) =
        accounts::create_account(&s, &h, &admin, &input("chen", "乡镇审核员", "500299101000"))
            .await
            .unwrap();
    assert!(pw.is_some());
    assert!(s.user_by_id(town).await.unwrap().unwrap().disabled);
    // An audit administrator: no password for the creator at all.
    let (auditor, pw) =
        accounts::create_account(&s, &h, &admin, &input("aud", "审计管理员", "500299000000"))
            .await
            .unwrap();
    assert_eq!(pw, None);
    let requests = accounts::account_requests(&s, &admin).await.unwrap();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.status == "pending"));
    // The proposer cannot approve; nor can anyone approve a request about their own account.
    let about_auditor = requests.iter().find(|r| r.user_id == auditor).unwrap().id;
    let e = accounts::decide_request(&s, &h, &admin, about_auditor, true, "")
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "无权访问");
    let (r, password) = accounts::decide_request(&s, &h, &security, about_auditor, true, "已核实")
        .await
        .unwrap();
    assert_eq!(r.status, "approved");
    let password = password.expect("the approver receives the first password");
    let u = s.user_by_id(auditor).await.unwrap().unwrap();
    assert!(!u.disabled && u.must_change && h.verify(&password, &u.password_hash));
    // A rejection needs a reason; a decided request is not decided again.
    let about_town = requests.iter().find(|r| r.user_id == town).unwrap().id;
    let e = accounts::decide_request(&s, &h, &security, about_town, false, " ")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("写明理由"), "{e}");
    accounts::decide_request(&s, &h, &security, about_town, false, "不是本县人员")
        .await
        .unwrap();
    assert!(s.user_by_id(town).await.unwrap().unwrap().disabled);
    let e = accounts::decide_request(&s, &h, &security2, about_town, true, "")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("已经办理过了"), "{e}");

    // The system administrator resets the security administrator's password: a request, never
    // a password in the administrator's hands, and not for the security administrator to
    // approve about itself.
    let before = s.user_by_id(ids[1]).await.unwrap().unwrap().password_hash;
    let carried = accounts::reset_password(&s, &h, &admin, "security")
        .await
        .unwrap();
    let accounts::Carried::Requested(reset) = carried else {
        panic!("{carried:?}")
    };
    assert_eq!(
        s.user_by_id(ids[1]).await.unwrap().unwrap().password_hash,
        before
    );
    let e = s
        .set_user_password(&admin, ids[1], "$argon2id$x", true)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("须经安全管理员审批"), "{e}");
    let e = accounts::decide_request(&s, &h, &security, reset, true, "")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("关于自己账号"), "{e}");
    let (_, new_password) = accounts::decide_request(&s, &h, &security2, reset, true, "")
        .await
        .unwrap();
    let u = s.user_by_id(ids[1]).await.unwrap().unwrap();
    assert!(h.verify(&new_password.unwrap(), &u.password_hash));

    // Disabling is immediate; enabling again is a request.
    accounts::set_disabled(&s, &admin, "aud", true)
        .await
        .unwrap();
    let carried = accounts::set_disabled(&s, &admin, "aud", false)
        .await
        .unwrap();
    assert!(matches!(carried, accounts::Carried::Requested(_)));
    assert!(s.user_by_id(auditor).await.unwrap().unwrap().disabled);
    let e = s
        .set_user_disabled(&admin, auditor, false)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("须经安全管理员审批"), "{e}");
    let again = accounts::set_disabled(&s, &admin, "aud", false)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("已有待审批的申请"), "{again}");
    // Disabling withdraws a pending enable: an approval given later enables nothing.
    let (late, _) =
        accounts::create_account(&s, &h, &admin, &input("wang", "只读查看", "500299000000"))
            .await
            .unwrap();
    let pending = accounts::account_requests(&s, &security)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.user_id == late && r.status == "pending")
        .unwrap()
        .id;
    accounts::set_disabled(&s, &admin, "wang", true)
        .await
        .unwrap();
    let e = accounts::decide_request(&s, &h, &security, pending, true, "")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("已经办理过了"), "{e}");
    assert!(s.user_by_id(late).await.unwrap().unwrap().disabled);
    // A business account's password is not the administrator's to read either.
    let carried = accounts::reset_password(&s, &h, &admin, "chen")
        .await
        .unwrap();
    assert!(
        matches!(carried, accounts::Carried::Requested(_)),
        "{carried:?}"
    );
    // The last security administrator in use cannot be disabled by a person: approvals would
    // stop. With two, one may be.
    accounts::set_disabled(&s, &admin, "security2", true)
        .await
        .unwrap();
    let e = accounts::set_disabled(&s, &admin, "security", true)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("最后一位在用的安全管理员"), "{e}");
    // Every proposal and decision is in the audit trail.
    let trail = s
        .audit_records(&sys(), &dixian_store::AuditFilter::after(0, 1000))
        .await
        .unwrap();
    for action in ["account.request", "account.approve", "account.reject"] {
        assert!(trail.iter().any(|r| r.action == action), "{action}");
    }
}
