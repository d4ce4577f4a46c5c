//! Complaints and suggestions (投诉建议): sent by anyone, handled by the county office only,
//! the sender's phone sealed and revealed with a reason, answered once, every act audited.

use super::*;
use crate::{ComplaintFilter, NewComplaint};
use dixian_domain::complaints::{ComplaintChannel, ComplaintKind, ComplaintStatus};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn public() -> Actor {
    Actor {
        user_id: None,
        name: "公众：投诉建议".into(),
        scope: Scope::Everything,
        source: Some("198.51.100.9".into()),
        role: None,
    }
}

fn filter() -> ComplaintFilter {
    ComplaintFilter {
        limit: 50,
        ..ComplaintFilter::default()
    }
}

pub async fn complaints(store: &dyn Store) {
    load_divisions(store).await;
    let county = actor_as(Role::CountyAdmin, "500299000000");
    let town = actor_as(Role::TownReviewer, "500299101000");
    let village = actor_as(Role::VillageOfficer, "500299101201");
    let viewer = actor_as(Role::Viewer, "500299000000");
    let elsewhere = actor_as(Role::CountyAdmin, "500298000000");

    let from_public = NewComplaint {
        code: "TSABCDEFGHJK".into(),
        county: code("500299000000"),
        kind: ComplaintKind::Complaint,
        channel: ComplaintChannel::Public,
        text: "  村里公示栏的名单看不清  ".into(),
        name: None,
        phone: Some("13800001234".into()),
        received_on: d(2026, 12, 1),
        due_on: Some(d(2026, 12, 15)),
    };
    let first = store.add_complaint(&public(), &from_public).await.unwrap();
    // A code serves one complaint.
    assert!(matches!(
        store.add_complaint(&public(), &from_public).await,
        Err(StoreError::Conflict(_))
    ));
    let from_staff = NewComplaint {
        code: "TSMNPQRSTUVW".into(),
        kind: ComplaintKind::Suggestion,
        channel: ComplaintChannel::Staff,
        text: "走访记录能否离线填写".into(),
        phone: None,
        received_on: d(2026, 12, 2),
        due_on: Some(d(2026, 12, 3)),
        ..from_public.clone()
    };
    let second = store.add_complaint(&village, &from_staff).await.unwrap();
    assert_ne!(first, second);

    // The county office handles both; the text is kept trimmed, the phone masked.
    let (list, total) = store.complaints(&county, &filter()).await.unwrap();
    assert_eq!(total, 2);
    assert_eq!(
        list.iter().map(|c| c.id).collect::<Vec<_>>(),
        [second, first]
    );
    let got = &list[1];
    assert_eq!(got.text, "村里公示栏的名单看不清");
    assert_eq!(got.phone_masked.as_deref(), Some("138****1234"));
    assert_eq!(got.status, ComplaintStatus::Open);
    assert_eq!(got.sent_by, None);
    // A member of staff is named by the account's name as stored (here the login).
    assert_eq!(list[0].sent_by.as_deref(), Some(village.name.as_str()));

    // Filters: kind, status, dates, overdue.
    let county_ref = &county;
    let only = |f: ComplaintFilter| async move {
        let (l, n) = store.complaints(county_ref, &f).await.unwrap();
        assert_eq!(n as usize, l.len());
        l.into_iter().map(|c| c.id).collect::<Vec<_>>()
    };
    assert_eq!(
        only(ComplaintFilter {
            kind: Some(ComplaintKind::Suggestion),
            ..filter()
        })
        .await,
        [second]
    );
    assert_eq!(
        only(ComplaintFilter {
            from: Some(d(2026, 12, 2)),
            ..filter()
        })
        .await,
        [second]
    );
    assert_eq!(
        only(ComplaintFilter {
            until: Some(d(2026, 12, 1)),
            ..filter()
        })
        .await,
        [first]
    );
    assert_eq!(
        only(ComplaintFilter {
            overdue_on: Some(d(2026, 12, 10)),
            ..filter()
        })
        .await,
        [second]
    );
    let (page, total) = store
        .complaints(
            &county,
            &ComplaintFilter {
                limit: 1,
                offset: 1,
                ..filter()
            },
        )
        .await
        .unwrap();
    assert_eq!((page.len(), total), (1, 2));
    assert_eq!(page[0].id, first);

    // Not the town, not another county, not a viewer; refusals are audited.
    assert!(matches!(
        store.complaints(&viewer, &filter()).await,
        Err(StoreError::Forbidden)
    ));
    assert_eq!(store.complaints(&town, &filter()).await.unwrap().1, 0);
    assert_eq!(store.complaints(&elsewhere, &filter()).await.unwrap().1, 0);
    assert_eq!(store.complaint(&town, first).await.unwrap(), None);
    assert_eq!(store.complaint(&elsewhere, first).await.unwrap(), None);
    // The sender sees their own, and only that.
    let (mine, n) = store
        .complaints(
            &village,
            &ComplaintFilter {
                mine: true,
                ..filter()
            },
        )
        .await
        .unwrap();
    assert_eq!((n, mine[0].id), (1, second));
    assert!(store.complaint(&village, second).await.unwrap().is_some());
    assert_eq!(store.complaint(&village, first).await.unwrap(), None);

    // Answering: once, by the county, not before it arrived.
    assert!(matches!(
        store
            .reply_complaint(&town, first, "已转交", d(2026, 12, 3))
            .await,
        Err(StoreError::Forbidden)
    ));
    assert!(matches!(
        store
            .reply_complaint(&county, first, "已安排重新张贴", d(2026, 11, 30))
            .await,
        Err(StoreError::Invalid(m)) if m.contains("早于")
    ));
    store
        .reply_complaint(&county, first, " 已安排重新张贴公示名单 ", d(2026, 12, 4))
        .await
        .unwrap();
    let again = store
        .reply_complaint(&county, first, "再答一次", d(2026, 12, 5))
        .await;
    assert!(matches!(again, Err(StoreError::Invalid(m)) if m.contains("已经答复")));
    let answered = store.complaint(&county, first).await.unwrap().unwrap();
    assert_eq!(answered.status, ComplaintStatus::Replied);
    assert_eq!(answered.reply.as_deref(), Some("已安排重新张贴公示名单"));
    assert_eq!(answered.replied_on, Some(d(2026, 12, 4)));
    assert_eq!(answered.replied_by.as_deref(), Some(county.name.as_str()));

    // The sender reads it by the code, with nothing personal.
    let seen = store
        .public_complaint(" TSABCDEFGHJK ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.status, ComplaintStatus::Replied);
    assert_eq!(seen.reply.as_deref(), Some("已安排重新张贴公示名单"));
    assert_eq!(seen.due_on, Some(d(2026, 12, 15)));
    assert_eq!(store.public_complaint("TSNOSUCHCODE").await.unwrap(), None);

    // The on-time figure's inputs: (due, replied) of the county's complaints in the period.
    let mut timings = store
        .complaint_timings(&county, d(2026, 12, 1), d(2026, 12, 31))
        .await
        .unwrap();
    timings.sort();
    assert_eq!(
        timings,
        [
            (Some(d(2026, 12, 3)), None),
            (Some(d(2026, 12, 15)), Some(d(2026, 12, 4)))
        ]
    );
    assert!(
        store
            .complaint_timings(&town, d(2026, 12, 1), d(2026, 12, 31))
            .await
            .unwrap()
            .is_empty()
    );

    // The phone: a reason, the right to reveal, audited.
    assert!(matches!(
        store.reveal_complaint_phone(&county, first, "").await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .reveal_complaint_phone(&village, first, "回电核实情况")
            .await,
        Err(StoreError::Forbidden)
    ));
    assert_eq!(
        store
            .reveal_complaint_phone(&county, first, "回电核实情况")
            .await
            .unwrap()
            .as_deref(),
        Some("13800001234")
    );
    assert_eq!(
        store
            .reveal_complaint_phone(&county, second, "回电核实情况")
            .await
            .unwrap(),
        None
    );

    let audit = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    let count = |action: &str| audit.iter().filter(|r| r.action == action).count();
    assert_eq!(count("complaint.create"), 2);
    assert_eq!(count("complaint.reply"), 1);
    assert!(audit.iter().any(|r| r.action == "pii.reveal"
        && r.target == format!("投诉建议#{first}")
        && r.detail.contains("回电核实情况")));
    assert!(denials(&audit, &town) >= 2);
    assert!(denials(&audit, &viewer) >= 1);
}
