//! Complaints and suggestions (投诉建议) through their use cases: the limit from the pack in
//! force, a county pack changing it without code, the sender's code, the on-time figure.

use crate::monitoring::{as_role, county};
use crate::support::*;
use dixian_app::AppError;
use dixian_app::complaints::{figure, reply, send, status};
use dixian_app::setup::initialize;
use dixian_domain::access::{Actor, Role, Scope};
use dixian_domain::complaints::{ComplaintChannel, ComplaintForm, ComplaintStatus};
use dixian_store::ComplaintFilter;
use dixian_store::prelude::*;

fn public() -> Actor {
    Actor {
        user_id: None,
        name: "公众：投诉建议".into(),
        scope: Scope::Everything,
        source: Some("198.51.100.7".into()),
        role: None,
    }
}

fn form(kind: &str, text: &str, phone: &str) -> ComplaintForm {
    ComplaintForm {
        kind: kind.into(),
        text: text.into(),
        name: String::new(),
        phone: phone.into(),
    }
}

const SHORTER_LIMIT: &str = r#"
[pack]
id = "qingshan-2026-complaints"
title = "青山县投诉建议答复时限（测试）"
level = "县"
region = "500299000000"
effective_from = 2026-12-07

[complaints]
reply_within = { days = 3, count = "工作日" }

[sources]
"complaints.reply_within" = "县定默认值：测试用"
"#;

#[tokio::test]
async fn the_limit_comes_from_the_pack_and_the_figure_from_what_is_stored() {
    let (_d, s, _) = county().await;
    // Every problem at once, each under its field.
    let refused = send(
        &s,
        &public(),
        ComplaintChannel::Public,
        "",
        &form("", "差", "110"),
        d(2026, 12, 4),
    )
    .await;
    match refused {
        Err(AppError::Fields(list)) => assert_eq!(
            list.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
            ["kind", "text", "phone"]
        ),
        other => panic!("expected field problems, got {other:?}"),
    }

    // The national 2026 pack: 10 working days from Friday 4 December.
    let first = send(
        &s,
        &public(),
        ComplaintChannel::Public,
        "",
        &form(
            "投诉",
            "公示名单贴在村委会里面，平时锁着门看不到",
            "138 0000 1234",
        ),
        d(2026, 12, 4),
    )
    .await
    .unwrap();
    assert!(first.starts_with("TS") && first.len() == 12, "{first}");
    let seen = status(&s, &first.to_lowercase()).await.unwrap().unwrap();
    assert_eq!(seen.due_on, Some(d(2026, 12, 18)));
    assert_eq!(seen.status, ComplaintStatus::Open);
    assert!(matches!(
        status(&s, "SB12345").await,
        Err(AppError::Fields(list)) if list[0].0 == "code"
    ));
    assert_eq!(status(&s, "TS2345678923").await.unwrap(), None);

    // The county's own pack shortens the limit from 7 December: no code changes.
    initialize(&s, &sys(), &[], &[file("limit.toml", SHORTER_LIMIT)])
        .await
        .unwrap();
    let village = as_role(Role::VillageOfficer, "500299101201");
    let second = send(
        &s,
        &village,
        ComplaintChannel::Staff,
        // A member of staff's own county decides, whatever the form says.
        "999999000000",
        &form("suggestion", "走访表能否少填一遍家庭成员", ""),
        d(2026, 12, 7),
    )
    .await
    .unwrap();
    assert_eq!(
        status(&s, &second).await.unwrap().unwrap().due_on,
        Some(d(2026, 12, 10))
    );

    // Answered in time, the other left past its day: half on time as of 11 December.
    let county_admin = as_role(Role::CountyAdmin, "500299000000");
    let (list, _) = s
        .complaints(
            &county_admin,
            &ComplaintFilter {
                limit: 10,
                ..ComplaintFilter::default()
            },
        )
        .await
        .unwrap();
    let first_id = list.iter().find(|c| c.code == first).unwrap().id;
    assert!(matches!(
        reply(&s, &county_admin, first_id, "好", d(2026, 12, 8)).await,
        Err(AppError::Fields(l)) if l[0].0 == "reply"
    ));
    reply(
        &s,
        &county_admin,
        first_id,
        "已要求石桥村把公示名单贴到村务公开栏，并在12月9日前拍照回报",
        d(2026, 12, 8),
    )
    .await
    .unwrap();
    let f = figure(
        &s,
        &county_admin,
        d(2026, 12, 1),
        d(2026, 12, 31),
        d(2026, 12, 11),
    )
    .await
    .unwrap();
    assert_eq!((f.received, f.replied_on_time, f.overdue_open), (2, 1, 1));
    assert_eq!(f.rate_text(), "50.0%");
    let answered = status(&s, &first).await.unwrap().unwrap();
    assert_eq!(answered.replied_on, Some(d(2026, 12, 8)));
    assert!(answered.reply.unwrap().contains("村务公开栏"));
    // Only the county office sees the figure.
    assert!(
        figure(
            &s,
            &as_role(Role::Viewer, "500299000000"),
            d(2026, 12, 1),
            d(2026, 12, 31),
            d(2026, 12, 11)
        )
        .await
        .is_err()
    );
}
