use crate::support::*;
use chrono::{Duration, TimeZone, Utc};
use dixian_app::accounts::auth::{self, AuthError, SecurityPolicy};
use dixian_app::accounts::{self, Argon2id, NewAccount};

const DIVS: &str =
    "code,name\n500000000000,重庆市\n500200000000,县\n500299000000,青山县\n500299101000,石桥镇\n";

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
    (d, s, h, pw.unwrap())
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
    let this = dixian_gm::sm3(ok.token.as_bytes());
    accounts::change_own_password(
        &s,
        &h,
        &a.actor,
        &p.password,
        &pw,
        "Qingshan#2026",
        Some(&this[..]),
    )
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

/// Attempts made while an account is locked are refused without extending the lock, so
/// nobody can keep an account locked for ever; parallel guesses get no more checks than the
/// threshold allows.
#[tokio::test]
async fn a_lock_ends_on_time_however_often_it_is_tried() {
    let (_d, s, h, pw) = setup().await;
    let p = SecurityPolicy::default();
    for i in 0..5 {
        let _ = auth::login(&s, &h, &p, "town", "wrong", None, None, t(i)).await;
    }
    // Someone keeps trying every minute of the lock (before any failure leaves the window).
    for i in 5..30 {
        let e = auth::login(&s, &h, &p, "town", "wrong", None, None, t(i))
            .await
            .unwrap_err();
        assert_eq!(e, AuthError::Locked(t(34)), "minute {i}");
    }
    auth::login(&s, &h, &p, "town", &pw, None, None, t(35))
        .await
        .unwrap();
}

#[tokio::test]
async fn parallel_guesses_get_only_the_allowed_checks() {
    let (_d, s, h, _pw) = setup().await;
    let p = SecurityPolicy::default();
    let guesses = (0..40).map(|i| {
        let (s, h, p) = (&s, &h, &p);
        async move { auth::login(s, h, p, "town", &format!("guess{i}"), None, None, t(0)).await }
    });
    let answers = futures_join(guesses).await;
    let checked = answers
        .iter()
        .filter(|a| matches!(a, Err(AuthError::BadCredentials)))
        .count();
    assert_eq!(checked, p.lockout_threshold as usize - 1, "{answers:?}");
    let user = s.user_by_username("town").await.unwrap().unwrap();
    let checks = s
        .login_history(user.id, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.reason == "bad_password")
        .count();
    assert_eq!(checks, p.lockout_threshold as usize);
}

/// Polls all of `all` together on this task, so the logins interleave at every await.
async fn futures_join<F: std::future::Future>(all: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = all.map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, d) in pinned.iter_mut().zip(done.iter_mut()) {
            if d.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *d = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    done.into_iter().flatten().collect()
}

/// Changing one's password signs out every other session of the account, not this one; a
/// published or common password is refused.
#[tokio::test]
async fn a_new_password_signs_out_the_other_sessions() {
    let (_d, s, h, pw) = setup().await;
    let p = SecurityPolicy::default();
    let here = auth::login(&s, &h, &p, "town", &pw, None, None, t(0))
        .await
        .unwrap();
    let phone = auth::login(&s, &h, &p, "town", &pw, None, None, t(1))
        .await
        .unwrap();
    let a = auth::authenticate(&s, &p, &here.token, None, t(2))
        .await
        .unwrap();
    for known in ["Dixian@2026", "P@ssw0rd"] {
        let e = accounts::change_own_password(&s, &h, &a.actor, &p.password, &pw, known, None)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("常被猜中"), "{e}");
    }
    let this = dixian_gm::sm3(here.token.as_bytes());
    accounts::change_own_password(
        &s,
        &h,
        &a.actor,
        &p.password,
        &pw,
        "Qingshan#2026",
        Some(&this[..]),
    )
    .await
    .unwrap();
    auth::authenticate(&s, &p, &here.token, None, t(3))
        .await
        .unwrap();
    assert_eq!(
        auth::authenticate(&s, &p, &phone.token, None, t(3))
            .await
            .unwrap_err(),
        AuthError::NoSession
    );
}
