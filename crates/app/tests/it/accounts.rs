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
    let fresh = accounts::reset_password(&s, &h, &sys(), "zhang.san")
        .await
        .unwrap();
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
