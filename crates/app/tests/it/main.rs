//! Use cases against a real SQLite store (the store contract covers PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dixian_store::prelude::*;

use chrono::NaiveDate;
use dixian_app::setup::{SourceFile, import_calendar, initialize};
use dixian_app::{AppError, demo, policy};
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_domain::money::Money;
use dixian_store_sql::SqlStore;

async fn store() -> (tempfile::TempDir, SqlStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = SqlStore::open_sqlite(
        &dir.path().join("t.db"),
        std::sync::Arc::new(dixian_gm::FieldCipher::ephemeral().unwrap()),
    )
    .await
    .unwrap();
    (dir, s)
}

fn sys() -> Actor {
    Actor::system("test")
}

fn file(name: &str, text: &str) -> SourceFile {
    SourceFile {
        name: name.into(),
        text: text.into(),
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The demo county's registry of `households` households, generated with `seed` as of `as_of`.
async fn load_demo(s: &SqlStore, households: u32, seed: u64, as_of: NaiveDate) {
    demo::load(
        s,
        &sys(),
        demo::DemoOptions {
            households,
            seed,
            as_of,
        },
        |_, _| {},
    )
    .await
    .unwrap();
}

mod bulletin;
mod dashboard;
mod feeds;
mod ledgers;
mod monitoring;
mod problems;
mod quality;
mod screening_rules;

const DIVS: &str = "code,name\n520000000000,贵州省\n520600000000,铜仁市\n520624000000,思南县\n";

#[tokio::test]
async fn init_loads_everything_and_resolves_policy() {
    let (_d, s) = store().await;
    let r = initialize(&s, &sys(), &[file("gz.csv", DIVS)], &[])
        .await
        .unwrap();
    assert_eq!(r.divisions, 3);
    assert!(r.calendar_days > 200);
    assert_eq!(r.policy_packs.len(), 4);
    let p = policy::policy_in_force(&s, "520624000000", d(2021, 6, 1))
        .await
        .unwrap();
    assert_eq!(p.monitoring_line.amount, Money::from_yuan(6320).unwrap());
    // Running init again is harmless.
    initialize(&s, &sys(), &[file("gz.csv", DIVS)], &[])
        .await
        .unwrap();
    assert_eq!(s.policy_packs().await.unwrap().len(), 4);
}

#[tokio::test]
async fn bad_files_change_nothing() {
    let (_d, s) = store().await;
    let bad_divs = "code,name\n520000000000,贵州省\n52060000000x,铜仁市\n";
    let bad_pack = "[pack]\nid = \"x\"\n";
    let e = initialize(
        &s,
        &sys(),
        &[file("gz.csv", bad_divs)],
        &[file("x.toml", bad_pack)],
    )
    .await
    .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("gz.csv第3行"), "{text}");
    assert!(text.contains("x.toml"), "{text}");
    assert!(s.root_divisions().await.unwrap().is_empty());
    assert!(s.policy_packs().await.unwrap().is_empty());
}

#[tokio::test]
async fn unknown_region_and_bad_dates_are_explained() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[file("gz.csv", DIVS)], &[])
        .await
        .unwrap();
    let e = policy::policy_in_force(&s, "520625000000", d(2022, 1, 1))
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::NotFound(_)));
    assert!(e.to_string().contains("520625000000不存在"), "{e}");
    let e = policy::policy_in_force(&s, "5206", d(2022, 1, 1))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("12位数字"), "{e}");
    let e = policy::policy_in_force(&s, "520000000000", d(2022, 1, 1))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("县级或以下"), "{e}");
    let e = policy::policy_in_force(&s, "520624000000", d(2020, 1, 1))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("没有适用"), "{e}");

    assert_eq!(policy::parse_date("2026/10/31").unwrap(), d(2026, 10, 31));
    assert_eq!(policy::parse_date("2026年2月3日").unwrap(), d(2026, 2, 3));
    let e = policy::parse_date("2026-02-30").unwrap_err();
    assert!(e.to_string().contains("2026-02-30"), "{e}");
}

#[tokio::test]
async fn administrator_extends_calendar() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[]).await.unwrap();
    assert!(!s.calendar().await.unwrap().covers(2027));
    let next = "date,kind,festival,notice_year\n2027-01-01,休,元旦,2027\n2027-02-06,班,春节,2027\n";
    assert_eq!(
        import_calendar(&s, &sys(), &file("2027.csv", next))
            .await
            .unwrap(),
        2
    );
    let cal = s.calendar().await.unwrap();
    assert!(cal.covers(2027));
    assert!(cal.is_working_day(d(2027, 2, 6)).value);
    let bad = "date,kind,festival,notice_year\n2027-01-04,班,元旦,2027\n";
    let e = import_calendar(&s, &sys(), &file("bad.csv", bad))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("bad.csv第2行"), "{e}");
}

#[tokio::test]
async fn demo_county_loads_and_refuses_a_second_time() {
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[]).await.unwrap();
    let opts = demo::DemoOptions {
        households: 2_500,
        seed: 9,
        as_of: d(2026, 11, 1),
    };
    let mut calls = Vec::new();
    let r = demo::load(&s, &sys(), opts, |done, total| calls.push((done, total)))
        .await
        .unwrap();
    assert_eq!(r.households, 2_500);
    assert_eq!(calls.last(), Some(&(2_500, 2_500)));
    assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0), "{calls:?}");
    let county = DivisionCode::parse(demo::COUNTY_CODE).unwrap();
    let counts = s.registry_counts(&sys(), &county).await.unwrap();
    assert_eq!(counts.households, 2_500);
    assert_eq!(counts.persons as usize, r.persons);
    assert_eq!(s.child_divisions(&county).await.unwrap().len(), 15);
    // The ledger holds every household, across the store's pages of 1,000.
    let mut csv = Vec::new();
    let mut progress = Vec::new();
    let n = dixian_app::ledger::export(
        &s,
        &sys(),
        &dixian_app::registry::HouseholdQuery::default(),
        dixian_app::ledger::FileKind::Csv,
        None,
        &mut csv,
        |n| progress.push(n),
    )
    .await
    .unwrap();
    assert_eq!(n, 2_500);
    assert_eq!(
        String::from_utf8(csv.clone()).unwrap().lines().count(),
        2_501
    );
    assert_eq!(progress, vec![1_000, 2_000, 2_500, 2_500]);
    let text = String::from_utf8(csv).unwrap();
    let masked = text
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(5)
        .unwrap()
        .to_string();
    assert!(masked.contains("**********"), "{masked}");
    // With a reason, the heads' numbers in full, and the reveal audited with it.
    let mut full = Vec::new();
    dixian_app::ledger::export(
        &s,
        &sys(),
        &dixian_app::registry::HouseholdQuery::default(),
        dixian_app::ledger::FileKind::Csv,
        Some("核对一卡通发放名单"),
        &mut full,
        |_| {},
    )
    .await
    .unwrap();
    let full = String::from_utf8(full).unwrap();
    let id = full
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(5)
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 18, "{id}");
    assert_eq!(&id[..4], &masked[..4]);
    let reveals = s
        .audit_records(
            &sys(),
            &dixian_store::AuditFilter {
                action: Some("pii.reveal".into()),
                ..dixian_store::AuditFilter::after(0, 100)
            },
        )
        .await
        .unwrap();
    assert_eq!(reveals.len(), 3, "one per page of 1,000");
    assert!(reveals[0].detail.contains("核对一卡通发放名单"));
    // The demo county resolves to Chongqing's values.
    let p = policy::policy_in_force(&s, demo::COUNTY_CODE, d(2026, 11, 1))
        .await
        .unwrap();
    assert_eq!(p.visits.poverty_alleviated_months, vec![3, 8, 11]);
    assert_eq!(p.naming.monitored_object, "防止返贫致贫对象");

    let e = demo::load(&s, &sys(), opts, |_, _| {}).await.unwrap_err();
    assert!(e.to_string().contains("已有2500户"), "{e}");
    let e = demo::load(
        &s,
        &sys(),
        demo::DemoOptions {
            households: 0,
            ..opts
        },
        |_, _| {},
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("演示户数0不合理"), "{e}");
}

mod accounts {
    use super::*;
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
        let e =
            accounts::create_account(&s, &h, &sys(), &input("aud", "审计管理员", "500299101000"))
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
        let e = accounts::change_own_password(&s, &h, &reviewer, &rules, "wrong", "Better#Pass1")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("原密码不正确"));
        let e = accounts::change_own_password(&s, &h, &reviewer, &rules, &initial, "short")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("至少8位"));
        accounts::change_own_password(&s, &h, &reviewer, &rules, &initial, "Better#Pass1")
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
}

mod auth {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};
    use dixian_app::accounts::auth::{self, AuthError, SecurityPolicy};
    use dixian_app::accounts::{self, Argon2id, NewAccount};

    const DIVS: &str = "code,name\n500000000000,重庆市\n500200000000,县\n500299000000,青山县\n500299101000,石桥镇\n";

    async fn setup() -> (tempfile::TempDir, SqlStore, Argon2id, String) {
        let (d, s) = store().await;
        initialize(&s, &sys(), &[file("d.csv", DIVS)], &[])
            .await
            .unwrap();
        let h = Argon2id::cheap_for_tests();
        let input = NewAccount {
            username: "town".into(),
            display_name: "陈乡镇".into(),
            role: "乡镇审核员".into(),
            division: "500299101000".into(),
            department: None,
        };
        let (_, pw) = accounts::create_account(&s, &h, &sys(), &input)
            .await
            .unwrap();
        (d, s, h, pw)
    }

    fn t(minutes: i64) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap() + Duration::minutes(minutes)
    }

    fn src(ip: &str) -> Option<String> {
        Some(ip.to_string())
    }

    #[tokio::test]
    async fn login_session_and_forced_change() {
        let (_d, s, h, pw) = setup().await;
        let p = SecurityPolicy::default();
        let ok = auth::login(&s, &h, &p, " Town ", &pw, src("10.0.0.1"), None, t(0))
            .await
            .unwrap();
        assert!(ok.must_change, "generated password must be changed");
        assert_eq!(ok.token.len(), 64);
        let a = auth::authenticate(&s, &p, &ok.token, src("10.0.0.1"), t(5))
            .await
            .unwrap();
        assert_eq!(a.actor.name, "town");
        assert_eq!(a.csrf, ok.csrf);
        assert!(a.must_change);
        accounts::change_own_password(&s, &h, &a.actor, &p.password, &pw, "Qingshan#2026")
            .await
            .unwrap();
        let a = auth::authenticate(&s, &p, &ok.token, None, t(10))
            .await
            .unwrap();
        assert!(!a.must_change);
        // The token is never stored: a forged or altered one is no session.
        let mut forged = ok.token.clone();
        forged.replace_range(0..1, if forged.starts_with('0') { "1" } else { "0" });
        assert_eq!(
            auth::authenticate(&s, &p, &forged, None, t(10))
                .await
                .unwrap_err(),
            AuthError::NoSession
        );
        // Passwords expire after 90 days.
        let later = Utc::now() + Duration::days(91);
        let again = auth::login(&s, &h, &p, "town", "Qingshan#2026", None, None, later)
            .await
            .unwrap();
        assert!(again.must_change, "expired password must be changed");
        // History shows both logins, newest first.
        let history = s.login_history(ok.user.id, 10).await.unwrap();
        assert_eq!(history.len(), 2);
        assert!(history.iter().all(|h| h.success));
    }

    #[tokio::test]
    async fn idle_and_absolute_timeouts_and_logout() {
        let (_d, s, h, pw) = setup().await;
        let p = SecurityPolicy::default();
        let login = |at| auth::login(&s, &h, &p, "town", &pw, None, None, at);
        let a = login(t(0)).await.unwrap();
        auth::authenticate(&s, &p, &a.token, None, t(29))
            .await
            .unwrap();
        auth::authenticate(&s, &p, &a.token, None, t(58))
            .await
            .unwrap();
        // 31 idle minutes end it, for good.
        let e = auth::authenticate(&s, &p, &a.token, None, t(89))
            .await
            .unwrap_err();
        assert_eq!(e, AuthError::Expired);
        assert_eq!(e.to_string(), "登录已超时，请重新登录");
        assert_eq!(
            auth::authenticate(&s, &p, &a.token, None, t(90))
                .await
                .unwrap_err(),
            AuthError::NoSession
        );
        // Active all day, still out after 12 hours.
        let b = login(t(0)).await.unwrap();
        let mut m = 0;
        while m < 12 * 60 - 20 {
            m += 20;
            auth::authenticate(&s, &p, &b.token, None, t(m))
                .await
                .unwrap();
        }
        assert_eq!(
            auth::authenticate(&s, &p, &b.token, None, t(12 * 60 + 1))
                .await
                .unwrap_err(),
            AuthError::Expired
        );
        // Logout, and logout everywhere.
        let c = login(t(0)).await.unwrap();
        auth::logout(&s, &c.token).await.unwrap();
        assert!(
            auth::authenticate(&s, &p, &c.token, None, t(1))
                .await
                .is_err()
        );
        let d1 = login(t(0)).await.unwrap();
        let d2 = login(t(0)).await.unwrap();
        let who = auth::authenticate(&s, &p, &d1.token, None, t(1))
            .await
            .unwrap();
        assert_eq!(auth::logout_everywhere(&s, &who.actor).await.unwrap(), 2);
        assert!(
            auth::authenticate(&s, &p, &d2.token, None, t(2))
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn lockout_per_account_and_unlock() {
        let (_d, s, h, pw) = setup().await;
        let p = SecurityPolicy::default();
        for i in 0..4 {
            let e = auth::login(&s, &h, &p, "town", "wrong", src("10.0.0.2"), None, t(i))
                .await
                .unwrap_err();
            assert_eq!(e, AuthError::BadCredentials);
        }
        // The fifth failure locks; then even the right password is refused.
        let e = auth::login(&s, &h, &p, "town", "wrong", src("10.0.0.2"), None, t(4))
            .await
            .unwrap_err();
        assert_eq!(e, AuthError::Locked(t(34)));
        assert!(e.to_string().contains("请于09:34后再试"), "{e}");
        let e = auth::login(&s, &h, &p, "town", &pw, src("10.0.0.3"), None, t(10))
            .await
            .unwrap_err();
        assert!(matches!(e, AuthError::Locked(_)));
        // After 30 minutes the account opens again, and a success resets the count.
        auth::login(&s, &h, &p, "town", &pw, src("10.0.0.3"), None, t(35))
            .await
            .unwrap();
        let e = auth::login(&s, &h, &p, "town", "wrong", None, None, t(36))
            .await
            .unwrap_err();
        assert_eq!(e, AuthError::BadCredentials);
        // Unknown accounts answer exactly like wrong passwords, lockout included.
        for i in 0..4 {
            assert_eq!(
                auth::login(&s, &h, &p, "ghost", "x", None, None, t(i))
                    .await
                    .unwrap_err(),
                AuthError::BadCredentials
            );
        }
        assert!(matches!(
            auth::login(&s, &h, &p, "ghost", "x", None, None, t(4))
                .await
                .unwrap_err(),
            AuthError::Locked(_)
        ));
        let records = s
            .audit_records(
                &dixian_domain::access::Actor::system("test"),
                &dixian_store::AuditFilter::after(0, 1000),
            )
            .await
            .unwrap();
        assert!(
            records
                .iter()
                .any(|r| r.action == "login.lockout" && r.target == "town")
        );
        assert!(
            records
                .iter()
                .any(|r| r.action == "login.lockout" && r.target == "ghost")
        );
    }

    #[tokio::test]
    async fn lockout_per_address_and_disabled_accounts() {
        let (_d, s, h, pw) = setup().await;
        let p = SecurityPolicy {
            source_lockout_threshold: 6,
            ..SecurityPolicy::default()
        };
        // Spraying many usernames from one address blocks the address.
        for i in 0..6 {
            let _ = auth::login(
                &s,
                &h,
                &p,
                &format!("user{i}"),
                "x",
                src("203.0.113.9"),
                None,
                t(i),
            )
            .await;
        }
        assert_eq!(
            auth::login(&s, &h, &p, "town", &pw, src("203.0.113.9"), None, t(7))
                .await
                .unwrap_err(),
            AuthError::SourceBlocked
        );
        // Another address is unaffected.
        let ok = auth::login(&s, &h, &p, "town", &pw, src("10.0.0.5"), None, t(7))
            .await
            .unwrap();
        accounts::set_disabled(&s, &sys(), "town", true)
            .await
            .unwrap();
        // Disabling ends the account's sessions at once.
        assert_eq!(
            auth::authenticate(&s, &p, &ok.token, None, t(8))
                .await
                .unwrap_err(),
            AuthError::NoSession
        );
        assert_eq!(
            auth::login(&s, &h, &p, "town", &pw, src("10.0.0.5"), None, t(9))
                .await
                .unwrap_err(),
            AuthError::Disabled
        );
    }
}

/// The demo county written as a file and imported back: nothing changes. A corrected file
/// updates only what it corrects, with history; importing it again changes nothing.
#[tokio::test]
async fn importing_registered_households_updates_only_what_changed() {
    use dixian_app::import::{import_households, write_households};
    use dixian_app::sheet::FileKind;
    use dixian_domain::registry::Relation;
    let progress = dixian_app::import::Progress::default();
    let (_d, s) = store().await;
    initialize(&s, &sys(), &[], &[]).await.unwrap();
    let opts = demo::DemoOptions {
        households: 40,
        seed: 5,
        as_of: d(2026, 11, 1),
    };
    demo::load(&s, &sys(), opts, |_, _| {}).await.unwrap();
    let table = demo::divisions(opts.seed);
    let records: Vec<_> =
        demo::Generator::new(&table, opts.seed, opts.households, opts.as_of).collect();
    let mut xlsx = Vec::new();
    write_households(FileKind::Xlsx, records.clone(), &mut xlsx).unwrap();
    let r = import_households(&s, &sys(), "全县.xlsx", &xlsx, false, &progress)
        .await
        .unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(
        (r.new, r.changed.len(), r.unchanged, r.written),
        (0, 0, 40, 0)
    );

    // Correct one household: its address, a member's health, and a new income year.
    let mut fixed = records.clone();
    let target = fixed[3].household.code.clone();
    fixed[3].household.address = "石桥村五组新址".into();
    fixed[3].members[0].health = dixian_domain::registry::Health::Serious;
    let mut csv = Vec::new();
    write_households(FileKind::Csv, fixed.clone(), &mut csv).unwrap();
    let dry = import_households(&s, &sys(), "更正.csv", &csv, true, &progress)
        .await
        .unwrap();
    assert_eq!(dry.changed.len(), 1, "{:?}", dry.changed);
    assert_eq!(dry.changed[0].0, target);
    let fields: Vec<&str> = dry.changed[0].1.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields[0], "住址");
    assert!(fields[1].ends_with("的健康状况"), "{fields:?}");
    assert_eq!(dry.written, 0);
    let before = s.household_events(&sys(), &target).await.unwrap().len();
    let done = import_households(&s, &sys(), "/tmp/x/更正.csv", &csv, false, &progress)
        .await
        .unwrap();
    assert_eq!(
        (done.changed.len(), done.unchanged, done.written),
        (1, 39, 1)
    );
    let history = s.household_events(&sys(), &target).await.unwrap();
    assert_eq!(history.len(), before + 1);
    let last = history.last().unwrap();
    assert_eq!(last.reason, "导入文件“更正.csv”");
    assert_eq!(last.changes, dry.changed[0].1);
    let again = import_households(&s, &sys(), "更正.csv", &csv, false, &progress)
        .await
        .unwrap();
    assert_eq!(
        (again.changed.len(), again.unchanged, again.written),
        (0, 40, 0)
    );

    // A file that leaves a member out keeps the member and says so; one that would leave a
    // household with two heads is refused before anything is written.
    let mut shorter = fixed.clone();
    let gone = shorter[5].members.pop().unwrap();
    shorter[5].household.address.push('甲');
    let mut buf = Vec::new();
    write_households(FileKind::Csv, shorter.clone(), &mut buf).unwrap();
    let r = import_households(&s, &sys(), "少一人.csv", &buf, true, &progress)
        .await
        .unwrap();
    assert!(
        r.warnings
            .iter()
            .any(|w| w.message.contains(&gone.name) && w.message.contains("保持不变")),
        "{:?}",
        r.warnings
    );
    // Leaving the registered head out while naming another member head would give the
    // household two heads: refused by row, nothing written.
    let i = fixed.iter().position(|r| r.members.len() > 1).unwrap();
    let mut two_heads = fixed.clone();
    assert_eq!(two_heads[i].members[0].relation, Relation::Head);
    two_heads[i].members.remove(0);
    two_heads[i].members[0].relation = Relation::Head;
    let mut buf = Vec::new();
    write_households(FileKind::Csv, two_heads, &mut buf).unwrap();
    let r = import_households(&s, &sys(), "两户主.csv", &buf, false, &progress)
        .await
        .unwrap();
    assert!(
        r.problems
            .iter()
            .any(|p| p.row > 1 && p.message.contains("2名在户的户主")),
        "{:?}",
        r.problems
    );
    assert_eq!(r.written, 0);
    let unchanged = import_households(&s, &sys(), "更正.csv", &csv, true, &progress)
        .await
        .unwrap();
    assert_eq!(unchanged.changed.len(), 0);
}
