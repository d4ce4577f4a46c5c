//! Contract checks of accounts, sessions, sign-ins and permissions.

use super::*;

pub async fn users(store: &dyn Store) {
    load_divisions(store).await;
    let county = store
        .create_user(
            &sys(),
            &new_user("county", Role::CountyAdmin, "500299000000"),
        )
        .await
        .unwrap();
    let town = store
        .create_user(
            &sys(),
            &new_user("shiqiao", Role::TownReviewer, "500299101000"),
        )
        .await
        .unwrap();
    let other = store
        .create_user(
            &sys(),
            &new_user("baisha", Role::TownReviewer, "500299102000"),
        )
        .await
        .unwrap();
    assert_ne!(county, town);
    let e = store
        .create_user(&sys(), &new_user("shiqiao", Role::Viewer, "500299101000"))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    assert!(e.to_string().contains("账号名shiqiao已存在"));

    let u = store.user_by_username("shiqiao").await.unwrap().unwrap();
    assert_eq!(u.id, town);
    assert_eq!(u.role, Role::TownReviewer);
    assert_eq!(u.division, code("500299101000"));
    assert!(u.must_change && !u.disabled);
    assert!(store.user_by_username("nobody").await.unwrap().is_none());
    assert_eq!(store.user_by_id(town).await.unwrap(), Some(u.clone()));
    assert!(store.user_by_id(9_999).await.unwrap().is_none());

    let me = Actor {
        role: Some(Role::SystemAdmin),
        ..town_official()
    };
    let names: Vec<String> = store
        .users(&me)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, vec!["shiqiao"]);
    assert_eq!(store.users(&sys()).await.unwrap().len(), 3);

    // Own password, yes; someone else's outside the scope, no.
    let me = Actor {
        user_id: Some(town),
        ..town_official()
    };
    store
        .set_user_password(&me, town, "$argon2id$new", false)
        .await
        .unwrap();
    let u = store.user_by_username("shiqiao").await.unwrap().unwrap();
    assert_eq!(u.password_hash, "$argon2id$new");
    assert!(!u.must_change);
    assert!(u.password_changed_at >= u.created_at);
    assert_eq!(
        store.set_user_password(&me, other, "x", false).await,
        Err(StoreError::Forbidden)
    );
    assert_eq!(
        store.set_user_disabled(&me, county, true).await,
        Err(StoreError::Forbidden)
    );
    assert_eq!(
        store.set_user_disabled(&me, 9_999, true).await,
        Err(StoreError::Forbidden)
    );
    assert_eq!(
        store
            .create_user(&me, &new_user("x", Role::Viewer, "500299102000"))
            .await,
        Err(StoreError::Forbidden)
    );
    store.set_user_disabled(&sys(), other, true).await.unwrap();
    assert!(
        store
            .user_by_username("baisha")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );

    let records = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    let creates: Vec<_> = records
        .iter()
        .filter(|r| r.action == "user.create")
        .collect();
    assert_eq!(creates.len(), 3);
    assert!(
        records.iter().all(|r| !r.detail.contains("argon2")),
        "no hash in the audit"
    );
    assert!(
        records.iter().any(|r| r.action == "user.password"
            && r.target == "shiqiao"
            && r.actor_id == Some(town))
    );
    assert!(
        records
            .iter()
            .any(|r| r.action == "user.disable" && r.target == "baisha")
    );
}

pub async fn sessions_and_logins(store: &dyn Store) {
    use chrono::{Duration, TimeZone, Utc};
    load_divisions(store).await;
    let uid = store
        .create_user(
            &sys(),
            &new_user("shiqiao", Role::TownReviewer, "500299101000"),
        )
        .await
        .unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    let at = |minutes: i64| t0 + Duration::minutes(minutes);

    let s = NewSession {
        token_hash: vec![1; 32],
        user_id: uid,
        csrf_token: "csrf-1".into(),
        created_at: at(0),
        expires_at: at(480),
        source: Some("192.0.2.1".into()),
        user_agent: Some("test".into()),
    };
    store.create_session(&s).await.unwrap();
    store
        .create_session(&NewSession {
            token_hash: vec![2; 32],
            ..s.clone()
        })
        .await
        .unwrap();
    let got = store.session(&[1; 32]).await.unwrap().unwrap();
    assert_eq!(got.user_id, uid);
    assert_eq!(got.csrf_token, "csrf-1");
    assert_eq!(
        (got.created_at, got.last_seen, got.expires_at),
        (at(0), at(0), at(480))
    );
    assert!(!got.revoked);
    assert!(store.session(&[3; 32]).await.unwrap().is_none());
    store.touch_session(&[1; 32], at(10)).await.unwrap();
    assert_eq!(
        store.session(&[1; 32]).await.unwrap().unwrap().last_seen,
        at(10)
    );
    store.revoke_session(&[1; 32]).await.unwrap();
    assert!(store.session(&[1; 32]).await.unwrap().unwrap().revoked);
    // The session named is kept; then all are revoked.
    assert_eq!(
        store
            .revoke_user_sessions(uid, Some(&[2; 32]))
            .await
            .unwrap(),
        0
    );
    assert!(!store.session(&[2; 32]).await.unwrap().unwrap().revoked);
    assert_eq!(store.revoke_user_sessions(uid, None).await.unwrap(), 1);
    assert!(store.session(&[2; 32]).await.unwrap().unwrap().revoked);

    let attempt = |minute: i64, source: &str, success: bool| LoginAttempt {
        at: at(minute),
        username: "shiqiao".into(),
        user_id: Some(uid),
        source: Some(source.into()),
        success,
        reason: if success { "ok" } else { "bad_password" }.into(),
    };
    for (m, src, ok) in [
        (1, "a", false),
        (2, "a", false),
        (3, "b", true),
        (4, "a", false),
        (5, "b", false),
        (6, "a", false),
    ] {
        store.record_login(&attempt(m, src, ok)).await.unwrap();
    }
    let user = LoginKey::Username("shiqiao".into());
    // Failures after the last success (minute 3) only.
    assert_eq!(
        store.login_failures(&user, at(0)).await.unwrap(),
        FailureCount {
            count: 3,
            last: Some(at(6))
        }
    );
    assert_eq!(store.login_failures(&user, at(5)).await.unwrap().count, 1);
    assert_eq!(
        store
            .login_failures(&LoginKey::Source("a".into()), at(0))
            .await
            .unwrap()
            .count,
        4
    );
    assert_eq!(
        store
            .login_failures(&LoginKey::Source("b".into()), at(0))
            .await
            .unwrap()
            .count,
        1
    );
    // A success from the address resets the account's count, not the address's (issue 20,
    // item 5: spraying with a good login now and then).
    store.record_login(&attempt(7, "a", true)).await.unwrap();
    store.record_login(&attempt(8, "a", false)).await.unwrap();
    assert_eq!(
        store
            .login_failures(&LoginKey::Source("a".into()), at(0))
            .await
            .unwrap()
            .count,
        5
    );
    assert_eq!(store.login_failures(&user, at(0)).await.unwrap().count, 1);
    assert_eq!(
        store
            .login_failures(&LoginKey::Username("nobody".into()), at(0))
            .await
            .unwrap(),
        FailureCount::default()
    );
    let history = store.login_history(uid, 3).await.unwrap();
    let minutes: Vec<_> = history.iter().map(|h| h.at).collect();
    assert_eq!(minutes, vec![at(8), at(7), at(6)]);
    assert_eq!(history[0].source.as_deref(), Some("a"));
    let records = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    assert_eq!(
        records
            .iter()
            .filter(|r| r.action == "login.failure")
            .count(),
        6
    );
    assert_eq!(
        records
            .iter()
            .filter(|r| r.action == "login.success")
            .count(),
        2
    );
}

/// The permission matrix holds in the store itself: roles without a permission are refused
/// whatever their scope, and every refusal is audited.
pub async fn permissions(store: &dyn Store) {
    load_divisions(store).await;
    store
        .insert_households(&sys(), &[record("500299101201", 1, &[id(1)])])
        .await
        .unwrap();
    let county = "500299000000";
    let admin = actor_as(Role::SystemAdmin, county);
    let security = actor_as(Role::SecurityAdmin, county);
    let auditor = actor_as(Role::AuditAdmin, county);
    let viewer = actor_as(Role::Viewer, county);
    let department = actor_as(Role::DepartmentOfficer, county);
    let forbidden = Err(StoreError::Forbidden);

    // The system administrator reads no business data and no audit records.
    assert_eq!(
        store.registry_counts(&admin, &code(county)).await,
        forbidden
    );
    assert_eq!(
        store.find_person_by_id_number(&admin, &id(1)).await,
        Err(StoreError::Forbidden)
    );
    assert_eq!(
        store
            .audit_records(&admin, &AuditFilter::after(0, 10))
            .await,
        Err(StoreError::Forbidden)
    );
    assert_eq!(
        store.put_setting(&admin, "security.policy", "{}").await,
        Err(StoreError::Forbidden)
    );
    // …but maintains reference data and accounts.
    store.put_setting(&admin, "demo.note", "x").await.unwrap();
    assert_eq!(store.users(&admin).await.unwrap().len(), 0);

    // The security administrator sets security settings only.
    store
        .put_setting(&security, "security.policy", "{}")
        .await
        .unwrap();
    assert_eq!(
        store.put_setting(&security, "demo.note", "y").await,
        Err(StoreError::Forbidden)
    );
    assert_eq!(
        store.registry_counts(&security, &code(county)).await,
        forbidden
    );
    assert!(
        store.users(&security).await.is_ok(),
        "lists accounts to unlock them"
    );
    assert_eq!(
        store
            .create_user(&security, &new_user("s2", Role::Viewer, county))
            .await,
        Err(StoreError::Forbidden)
    );

    // The auditor reads the audit trail and changes nothing.
    assert!(
        !store
            .audit_records(&auditor, &AuditFilter::after(0, 10))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.put_setting(&auditor, "demo.note", "z").await,
        Err(StoreError::Forbidden)
    );
    assert_eq!(
        store
            .insert_households(&auditor, &[record("500299101201", 2, &[id(2)])])
            .await,
        Err(StoreError::Forbidden)
    );
    assert_eq!(
        store.registry_counts(&auditor, &code(county)).await,
        forbidden
    );

    // Read-only viewers read masked data and write nothing.
    assert_eq!(
        store
            .registry_counts(&viewer, &code(county))
            .await
            .unwrap()
            .households,
        1
    );
    assert_eq!(
        store
            .insert_households(&viewer, &[record("500299101201", 2, &[id(2)])])
            .await,
        Err(StoreError::Forbidden)
    );
    assert_eq!(
        store.registry_counts(&department, &code(county)).await,
        forbidden
    );
    let table = DivisionTable::from_csv("t.csv", DIVISIONS).unwrap();
    assert_eq!(
        store.put_divisions(&viewer, &table).await,
        Err(StoreError::Forbidden)
    );

    let all = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    assert_eq!(denials(&all, &admin), 4);
    assert_eq!(denials(&all, &security), 3);
    assert_eq!(denials(&all, &auditor), 3);
    assert_eq!(denials(&all, &viewer), 2);
    assert_eq!(denials(&all, &department), 1);
    let d = all
        .iter()
        .find(|r| r.action == "access.denied" && r.actor == admin.name)
        .unwrap();
    assert!(d.detail.contains("view_registry"), "{}", d.detail);
    // Nothing was written by a refused call.
    assert_eq!(
        store
            .registry_counts(&sys(), &code(county))
            .await
            .unwrap()
            .households,
        1
    );
    assert_eq!(
        store.setting("demo.note").await.unwrap().as_deref(),
        Some("x")
    );
}

/// Service tokens (接入令牌): stored by hash, found by hash, listed and revoked only within
/// the administrator's area, never for a person's account; revoking twice is refused, an
/// unknown id is refused like another area's; disabling the account revokes its tokens.
pub async fn service_tokens(store: &dyn Store) {
    load_divisions(store).await;
    let now = chrono::Utc::now();
    let mut machine = new_user("yibao-sys", Role::DepartmentOfficer, "500299101000");
    machine.department = Some("医保".into());
    machine.service = true;
    let machine = store.create_user(&sys(), &machine).await.unwrap();
    assert!(store.user_by_id(machine).await.unwrap().unwrap().service);
    let person = store
        .create_user(
            &sys(),
            &new_user("shiqiao", Role::TownReviewer, "500299101000"),
        )
        .await
        .unwrap();
    let token = |user_id: i64, hash: &[u8]| crate::NewServiceToken {
        user_id,
        token_hash: hash.to_vec(),
        hint: "dxs_abcdef".into(),
        created_at: now,
        expires_at: now + chrono::Duration::days(30),
    };
    let admin = actor_as(Role::SystemAdmin, "500299000000");
    let elsewhere = actor_as(Role::SystemAdmin, "500299102000");
    let e = store
        .create_service_token(&admin, &token(person, b"h0"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("不是系统接入账号"), "{e}");
    let e = store
        .create_service_token(&elsewhere, &token(machine, b"h0"))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Forbidden), "{e:?}");
    let id = store
        .create_service_token(&admin, &token(machine, b"h1"))
        .await
        .unwrap();
    let found = store.service_token(b"h1").await.unwrap().unwrap();
    assert_eq!((found.id, found.user_id), (id, machine));
    assert_eq!(found.username, "yibao-sys");
    assert!(found.revoked_at.is_none() && found.last_used_at.is_none());
    assert!(store.service_token(b"nope").await.unwrap().is_none());
    store.touch_service_token(id, now).await.unwrap();
    let found = store.service_token(b"h1").await.unwrap().unwrap();
    assert_eq!(
        found.last_used_at.map(|t| t.timestamp()),
        Some(now.timestamp())
    );
    assert_eq!(store.service_tokens(&admin).await.unwrap().len(), 1);
    assert!(store.service_tokens(&elsewhere).await.unwrap().is_empty());
    // Revocation: only in the area, once; an unknown id looks like another area's.
    let e = store
        .revoke_service_token(&elsewhere, id)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Forbidden), "{e:?}");
    let e = store
        .revoke_service_token(&admin, 999_999)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Forbidden), "{e:?}");
    store.revoke_service_token(&admin, id).await.unwrap();
    let revoked = store.service_token(b"h1").await.unwrap().unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(revoked.revoked_by.as_deref(), Some(admin.name.as_str()));
    let e = store.revoke_service_token(&admin, id).await.unwrap_err();
    assert!(e.to_string().contains("已经吊销"), "{e}");
    // Disabling the account ends its other tokens too.
    let second = store
        .create_service_token(&admin, &token(machine, b"h2"))
        .await
        .unwrap();
    store
        .set_user_disabled(&admin, machine, true)
        .await
        .unwrap();
    // Enabling it again is a security administrator's approval, not the administrator's act.
    assert!(
        store
            .set_user_disabled(&admin, machine, false)
            .await
            .is_err()
    );
    let request = store
        .request_account_change(&admin, machine, crate::AccountChange::Enable)
        .await
        .unwrap();
    let security = actor_as(Role::SecurityAdmin, "500299000000");
    let decided = store
        .decide_account_request(
            &security,
            request,
            &crate::AccountDecision {
                approve: true,
                note: String::new(),
                password_hash: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(decided.status, "approved");
    assert!(!store.user_by_id(machine).await.unwrap().unwrap().disabled);
    let ended = store.service_token(b"h2").await.unwrap().unwrap();
    assert_eq!(ended.id, second);
    assert!(ended.revoked_at.is_some());
    let records = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    for action in ["service_token.create", "service_token.revoke"] {
        assert!(records.iter().any(|r| r.action == action), "{action}");
    }
}
