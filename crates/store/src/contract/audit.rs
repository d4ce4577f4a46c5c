//! Contract checks of the audit trail.

use super::*;

pub async fn audit_chain(store: &dyn Store) {
    load_divisions(store).await;
    store
        .insert_households(&sys(), &[record("500299101201", 1, &[id(1)])])
        .await
        .unwrap();
    store
        .audit(&sys(), "export.households", "户籍台账", "{\"rows\":1}")
        .await
        .unwrap();
    let records = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    assert!(records.len() >= 3, "{records:?}");
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.seq, i as i64 + 1);
        if i > 0 {
            assert_eq!(r.prev_hash, records[i - 1].hash);
        }
        assert_eq!(r.hash.len(), 64);
    }
    let last = records.last().unwrap();
    assert_eq!(last.action, "export.households");
    assert_eq!(last.detail, "{\"rows\":1}");
    let insert = records
        .iter()
        .find(|r| r.action == "households.insert")
        .unwrap();
    assert!(
        insert.detail.contains("5002991012010001"),
        "{}",
        insert.detail
    );
    assert!(
        !insert.detail.contains(id(1).as_str()),
        "no ID number in the audit"
    );
    // Paging from a sequence number.
    let tail = store
        .audit_records(&sys(), &AuditFilter::after(records.len() as i64 - 1, 10))
        .await
        .unwrap();
    assert_eq!(tail.len(), 1);
    let v = store.verify_audit_chain().await.unwrap();
    assert_eq!(v.records, records.len() as i64);
    assert_eq!(v.problem, None);
}

/// The auditor's filters: by account, action prefix, target text, time, newest first.
pub async fn audit_filter(store: &dyn Store) {
    use chrono::{Duration, Utc};
    let a = actor_as(Role::CountyAdmin, "500299000000");
    let b = actor_as(Role::TownReviewer, "500299101000");
    // A backend may audit its own start-up; count from there.
    let n = store.verify_audit_chain().await.unwrap().records;
    for (who, action, target) in [
        (&a, "export.households", "台账_石桥镇"),
        (&b, "export.households", "台账_白沙镇"),
        (&a, "user_x.create", "x"),
        (&a, "user.create", "li_si"),
        (&b, "user.disable", "li_si"),
    ] {
        store.audit(who, action, target, "{}").await.unwrap();
    }
    let q = |f: AuditFilter| async move {
        store
            .audit_records(&sys(), &f)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.seq, r.actor, r.target))
            .collect::<Vec<_>>()
    };
    let base = AuditFilter::after(n, 100);
    let by_a = q(AuditFilter {
        actor: Some(a.name.clone()),
        ..base.clone()
    })
    .await;
    assert_eq!(by_a.len(), 3);
    // `user.` must not match `user_x.`: no LIKE wildcards.
    let users = q(AuditFilter {
        action: Some("user.".into()),
        ..base.clone()
    })
    .await;
    assert_eq!(
        users.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![n + 4, n + 5]
    );
    let shiqiao = q(AuditFilter {
        target: Some("石桥".into()),
        ..base.clone()
    })
    .await;
    assert_eq!(shiqiao.len(), 1);
    let newest = q(AuditFilter {
        newest_first: true,
        limit: 2,
        ..base.clone()
    })
    .await;
    assert_eq!(
        newest.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![n + 5, n + 4]
    );
    let before = q(AuditFilter {
        newest_first: true,
        before_seq: Some(n + 4),
        limit: 2,
        ..base.clone()
    })
    .await;
    assert_eq!(
        before.iter().map(|r| r.0).collect::<Vec<_>>(),
        vec![n + 3, n + 2]
    );
    let now = Utc::now();
    let recent = q(AuditFilter {
        from: Some(now - Duration::hours(1)),
        until: Some(now + Duration::minutes(1)),
        ..base.clone()
    })
    .await;
    assert_eq!(recent.len(), 5);
    let future = q(AuditFilter {
        from: Some(now + Duration::hours(1)),
        ..base.clone()
    })
    .await;
    assert!(future.is_empty());
    assert_eq!(store.verify_audit_chain().await.unwrap().records, n + 5);
}

/// Old records can be removed oldest first; the chain is then checked from the last removed
/// one, and nobody but the system can remove anything.
pub async fn audit_retention(store: &dyn Store) {
    let n0 = store.verify_audit_chain().await.unwrap().records;
    store.audit(&sys(), "t.one", "1", "{}").await.unwrap();
    store.audit(&sys(), "t.two", "2", "{}").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let cut = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    store.audit(&sys(), "t.three", "3", "{}").await.unwrap();

    let all = store
        .audit_records(&sys(), &AuditFilter::after(0, 100))
        .await
        .unwrap();
    let two = all.iter().find(|r| r.action == "t.two").unwrap().clone();
    let three = all.iter().find(|r| r.action == "t.three").unwrap().clone();
    let through = |r: &crate::AuditRecord| crate::PruneThrough {
        before: cut,
        seq: r.seq,
        hash: r.hash.clone(),
        justification: "{\"seq\":1}".into(),
    };
    let auditor = actor_as(Role::AuditAdmin, "500299000000");
    assert_eq!(
        store.prune_audit(&auditor, &through(&two)).await,
        Err(StoreError::Forbidden)
    );
    // Not through a record younger than the cutoff, nor one whose hash is not the one signed.
    let e = store
        .prune_audit(&sys(), &through(&three))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("尚未超过保存期"), "{e}");
    let forged = crate::PruneThrough {
        hash: three.hash.clone(),
        ..through(&two)
    };
    let e = store.prune_audit(&sys(), &forged).await.unwrap_err();
    assert!(e.to_string().contains("哈希不符"), "{e}");
    let report = store.prune_audit(&sys(), &through(&two)).await.unwrap();
    assert_eq!(report.removed, n0 + 2);
    assert_eq!(report.through_seq, n0 + 2);
    let v = store.verify_audit_chain().await.unwrap();
    assert_eq!(v.problem, None);
    assert_eq!(v.from_seq, n0 + 3);
    // t.three, the audited refusal, and the pruning record itself.
    assert_eq!(v.records, 3);
    let left = store
        .audit_records(&sys(), &AuditFilter::after(0, 100))
        .await
        .unwrap();
    assert_eq!(left[0].seq, n0 + 3);
    assert_eq!(left[0].action, "t.three");
    assert_eq!(left.last().unwrap().action, "audit.prune");
    assert!(left.last().unwrap().detail.contains("\"removed\""));
    assert!(
        left.last()
            .unwrap()
            .detail
            .contains("\"checkpoint\":{\"seq\":1}")
    );
    // Nothing older is left, so a second run removes nothing; appending goes on as before.
    assert_eq!(
        store.prune_audit(&sys(), &through(&two)).await.unwrap(),
        PruneReport::default()
    );
    store.audit(&sys(), "t.four", "4", "{}").await.unwrap();
    let v = store.verify_audit_chain().await.unwrap();
    assert_eq!(v.problem, None);
    assert_eq!(v.from_seq, n0 + 3);
}
