//! Contract checks of the household registry: households, members, scoping, reveals, history and imports.

use super::*;

pub async fn households(store: &dyn Store) {
    load_divisions(store).await;
    let batch = vec![
        record("500299101201", 1, &[id(1), id(2), id(3)]),
        record("500299101202", 1, &[id(4)]),
        record("500299102201", 1, &[id(5), id(6)]),
    ];
    assert_eq!(store.insert_households(&sys(), &batch).await.unwrap(), 3);
    let c = |households, persons| RegistryCounts {
        households,
        persons,
    };
    assert_eq!(
        store
            .registry_counts(&sys(), &code("500299000000"))
            .await
            .unwrap(),
        c(3, 6)
    );
    assert_eq!(
        store
            .registry_counts(&sys(), &code("500299101000"))
            .await
            .unwrap(),
        c(2, 4)
    );
    assert_eq!(
        store
            .registry_counts(&sys(), &code("500299101201"))
            .await
            .unwrap(),
        c(1, 3)
    );
    assert_eq!(
        store
            .registry_counts(&sys(), &code("500299103000"))
            .await
            .unwrap(),
        c(0, 0)
    );
    // Ids are allocated across batches without collision.
    let more = vec![record("500299101201", 2, &[id(7)])];
    store.insert_households(&sys(), &more).await.unwrap();
    assert_eq!(
        store
            .registry_counts(&sys(), &code("500000000000"))
            .await
            .unwrap(),
        c(4, 7)
    );
}

pub async fn household_conflicts(store: &dyn Store) {
    load_divisions(store).await;
    store
        .insert_households(&sys(), &[record("500299101201", 1, &[id(1)])])
        .await
        .unwrap();
    let before = store
        .registry_counts(&sys(), &code("500299000000"))
        .await
        .unwrap();

    // Same household code again, in a batch with a valid one: nothing of it is written.
    let batch = vec![
        record("500299101202", 1, &[id(20)]),
        record("500299101201", 1, &[id(21)]),
    ];
    let e = store.insert_households(&sys(), &batch).await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    assert!(e.to_string().contains("5002991012010001"), "{e}");
    assert_eq!(
        store
            .registry_counts(&sys(), &code("500299000000"))
            .await
            .unwrap(),
        before
    );

    // An ID number already registered elsewhere.
    let batch = vec![record("500299102201", 1, &[id(30), id(1)])];
    let e = store.insert_households(&sys(), &batch).await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    assert!(e.to_string().contains("身份证号"), "{e}");
    assert!(
        !e.to_string().contains(id(1).as_str()),
        "conflict leaks the full ID: {e}"
    );
    assert_eq!(
        store
            .registry_counts(&sys(), &code("500299000000"))
            .await
            .unwrap(),
        before
    );
}

pub async fn find_person(store: &dyn Store) {
    load_divisions(store).await;
    store
        .insert_households(
            &sys(),
            &[
                record("500299101201", 1, &[id(1), id(2)]),
                record("500299102201", 1, &[id(3)]),
            ],
        )
        .await
        .unwrap();
    let found = store
        .find_person_by_id_number(&sys(), &id(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id_masked, id(2).masked());
    assert!(
        !found.id_masked.contains(&id(2).as_str()[6..14]),
        "birth date masked"
    );
    assert_eq!(found.household.as_str(), "5002991012010001");
    assert_eq!(found.village, code("500299101201"));
    assert_eq!(found.name, "成员1残");
    let found = store
        .find_person_by_id_number(&sys(), &id(3))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.household.as_str(), "5002991022010001");
    assert!(
        store
            .find_person_by_id_number(&sys(), &id(4))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn scoping(store: &dyn Store) {
    load_divisions(store).await;
    store
        .insert_households(
            &sys(),
            &[
                record("500299101201", 1, &[id(1)]),
                record("500299102201", 1, &[id(2)]),
            ],
        )
        .await
        .unwrap();
    let me = town_official();
    // Inside: counts and lookups work.
    assert_eq!(
        store
            .registry_counts(&me, &code("500299101000"))
            .await
            .unwrap(),
        RegistryCounts {
            households: 1,
            persons: 1
        }
    );
    assert!(
        store
            .find_person_by_id_number(&me, &id(1))
            .await
            .unwrap()
            .is_some()
    );
    // Outside: refused without detail, or simply not found.
    for outside in ["500299000000", "500299102000", "500299102201"] {
        let e = store
            .registry_counts(&me, &code(outside))
            .await
            .unwrap_err();
        assert_eq!(e, StoreError::Forbidden);
        assert_eq!(e.to_string(), "无权访问");
    }
    assert!(
        store
            .find_person_by_id_number(&me, &id(2))
            .await
            .unwrap()
            .is_none()
    );
    let e = store
        .insert_households(&me, &[record("500299102201", 2, &[id(3)])])
        .await
        .unwrap_err();
    assert_eq!(e, StoreError::Forbidden);
    assert_eq!(
        store
            .registry_counts(&sys(), &code("500299000000"))
            .await
            .unwrap(),
        RegistryCounts {
            households: 2,
            persons: 2
        }
    );
    // Every refusal is in the audit trail, with who and from where.
    let records = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    let denied: Vec<_> = records
        .iter()
        .filter(|r| r.action == "access.denied")
        .collect();
    assert_eq!(denied.len(), 4);
    assert!(
        denied
            .iter()
            .all(|r| r.actor == "石桥镇审核员" && r.actor_id == Some(7))
    );
    assert!(
        denied
            .iter()
            .all(|r| r.source.as_deref() == Some("192.0.2.7"))
    );
    assert_eq!(denied[3].target, "5002991022010002");
    let lookups = records
        .iter()
        .filter(|r| r.action == "person.lookup" && r.actor_id == Some(7))
        .count();
    assert_eq!(lookups, 2);
}

/// A full ID number is given only to a permitted actor in scope with a stated reason, and
/// only after the reveal is audited.
pub async fn reveal(store: &dyn Store) {
    load_divisions(store).await;
    store
        .insert_households(
            &sys(),
            &[
                record("500299101201", 1, &[id(1)]),
                record("500299102201", 1, &[id(2)]),
            ],
        )
        .await
        .unwrap();
    let town = actor_as(Role::TownReviewer, "500299101000");
    let village = actor_as(Role::VillageOfficer, "500299101201");
    let mine = store
        .find_person_by_id_number(&town, &id(1))
        .await
        .unwrap()
        .unwrap();
    let other = store
        .find_person_by_id_number(&sys(), &id(2))
        .await
        .unwrap()
        .unwrap();

    let e = store
        .reveal_id_number(&town, mine.person_id, "  ")
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    assert!(e.to_string().contains("理由"), "{e}");
    assert_eq!(
        store
            .reveal_id_number(&village, mine.person_id, "核对医保参保信息")
            .await,
        Err(StoreError::Forbidden)
    );
    // Out of scope and unknown are refused alike.
    assert_eq!(
        store
            .reveal_id_number(&town, other.person_id, "核对医保参保信息")
            .await,
        Err(StoreError::Forbidden)
    );
    assert_eq!(
        store
            .reveal_id_number(&town, 987_654, "核对医保参保信息")
            .await,
        Err(StoreError::Forbidden)
    );
    let full = store
        .reveal_id_number(&town, mine.person_id, "核对医保参保信息")
        .await
        .unwrap();
    assert_eq!(full, id(1));

    let all = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    let reveals: Vec<_> = all.iter().filter(|r| r.action == "pii.reveal").collect();
    assert_eq!(reveals.len(), 1);
    assert_eq!(reveals[0].actor, town.name);
    assert!(reveals[0].detail.contains("核对医保参保信息"));
    assert!(reveals[0].detail.contains(&id(1).masked()));
    assert!(
        !reveals[0].detail.contains(id(1).as_str()),
        "no full number in the audit"
    );
    assert_eq!(denials(&all, &town), 2);
    assert_eq!(denials(&all, &village), 1);
}

/// A 帮扶责任人 sees only the households assigned to them, inside their jurisdiction.
pub async fn cadre_assignment(store: &dyn Store) {
    load_divisions(store).await;
    store
        .insert_households(
            &sys(),
            &[
                record("500299101201", 1, &[id(1), id(2)]),
                record("500299101201", 2, &[id(3)]),
                record("500299102201", 1, &[id(4)]),
            ],
        )
        .await
        .unwrap();
    let uid = store
        .create_user(
            &sys(),
            &new_user("cadre", Role::AssistanceCadre, "500299101000"),
        )
        .await
        .unwrap();
    let viewer = store
        .create_user(&sys(), &new_user("viewer", Role::Viewer, "500299101000"))
        .await
        .unwrap();
    let cadre = Actor {
        user_id: Some(uid),
        ..actor_as(Role::AssistanceCadre, "500299101000")
    };
    let town = code("500299101000");
    // Nothing assigned yet: nothing to see.
    assert_eq!(
        store.registry_counts(&cadre, &town).await.unwrap(),
        RegistryCounts::default()
    );
    assert!(
        store
            .find_person_by_id_number(&cadre, &id(1))
            .await
            .unwrap()
            .is_none()
    );

    let hh = |v: &str, n| HouseholdCode::new(&code(v), n).unwrap();
    let reviewer = actor_as(Role::TownReviewer, "500299101000");
    store
        .assign_cadre(&reviewer, &hh("500299101201", 1), uid, true)
        .await
        .unwrap();
    // Assigning twice changes nothing.
    store
        .assign_cadre(&reviewer, &hh("500299101201", 1), uid, true)
        .await
        .unwrap();
    assert_eq!(
        store.registry_counts(&cadre, &town).await.unwrap(),
        RegistryCounts {
            households: 1,
            persons: 2
        }
    );
    assert!(
        store
            .find_person_by_id_number(&cadre, &id(2))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .find_person_by_id_number(&cadre, &id(3))
            .await
            .unwrap()
            .is_none()
    );
    // Other roles are not limited by assignments.
    let town_viewer = Actor {
        user_id: Some(viewer),
        ..actor_as(Role::Viewer, "500299101000")
    };
    assert_eq!(
        store
            .registry_counts(&town_viewer, &town)
            .await
            .unwrap()
            .households,
        2
    );
    // Outside the reviewer's town, to a non-cadre, or by a viewer: refused.
    assert_eq!(
        store
            .assign_cadre(&reviewer, &hh("500299102201", 1), uid, true)
            .await,
        Err(StoreError::Forbidden)
    );
    let e = store
        .assign_cadre(&reviewer, &hh("500299101201", 2), viewer, true)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("不是在用的帮扶责任人账号"), "{e}");
    assert_eq!(
        store
            .assign_cadre(&town_viewer, &hh("500299101201", 2), uid, true)
            .await,
        Err(StoreError::Forbidden)
    );
    // A household outside the cadre's own area cannot be given to it (it could never see
    // it), even by the system.
    let e = store
        .assign_cadre(&sys(), &hh("500299102201", 1), uid, true)
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("不包括农户5002991022010001所在村"),
        "{e}"
    );
    assert!(
        store
            .find_person_by_id_number(&cadre, &id(4))
            .await
            .unwrap()
            .is_none()
    );
    store
        .assign_cadre(&reviewer, &hh("500299101201", 1), uid, false)
        .await
        .unwrap();
    assert_eq!(
        store.registry_counts(&cadre, &town).await.unwrap(),
        RegistryCounts::default()
    );
    let all = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    // The repeated assignment was not recorded as a change.
    assert_eq!(all.iter().filter(|r| r.action == "cadre.assign").count(), 1);
    assert_eq!(
        all.iter().filter(|r| r.action == "cadre.unassign").count(),
        1
    );
    assert!(
        all.iter()
            .any(|r| r.action == "cadre.assign" && r.detail.contains("\"cadre\":\"cadre\""))
    );
}

/// The household list filters, pages and masks; the household page shows members and
/// incomes; both stay inside the caller's scope.
pub async fn household_list(store: &dyn Store) {
    use crate::HouseholdFilter;
    load_divisions(store).await;
    let mut a = record("500299101201", 1, &[id(1), id(2)]);
    a.members[0].name = "张三".into();
    a.household.monitored = true;
    let mut b = record("500299101202", 1, &[id(3)]);
    b.members[0].name = "李四".into();
    b.household.household_type = HouseholdType::Ordinary;
    b.household.phone = None;
    let mut c = record("500299102201", 1, &[id(4), id(5), id(6)]);
    c.members[0].name = "张五".into();
    c.members[2].status = LivingStatus::MovedOut;
    store.insert_households(&sys(), &[a, b, c]).await.unwrap();
    let all = HouseholdFilter {
        limit: 50,
        ..HouseholdFilter::default()
    };
    let codes = |p: &crate::HouseholdPage| {
        p.rows
            .iter()
            .map(|r| r.code.to_string())
            .collect::<Vec<_>>()
    };
    let page = store.households(&sys(), &all).await.unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(
        codes(&page),
        vec!["5002991012010001", "5002991012020001", "5002991022010001"]
    );
    let first = &page.rows[0];
    assert_eq!(first.head_name, "张三");
    assert_eq!(first.head_id_masked, id(1).masked());
    assert_eq!(first.members, 2);
    assert_eq!(first.phone_masked.as_deref(), Some("138****8000"));
    assert!(first.monitored);
    assert_eq!(page.rows[2].members, 2, "moved-out members are not counted");
    assert_eq!(page.rows[1].phone_masked, None);

    // Filters.
    let q = |f: HouseholdFilter| async move { store.households(&sys(), &f).await.unwrap() };
    let zhang = q(HouseholdFilter {
        head_name: Some("张".into()),
        ..all.clone()
    })
    .await;
    assert_eq!(zhang.total, 2);
    let ordinary = q(HouseholdFilter {
        household_type: Some(HouseholdType::Ordinary),
        ..all.clone()
    })
    .await;
    assert_eq!(codes(&ordinary), vec!["5002991012020001"]);
    let monitored = q(HouseholdFilter {
        monitored: Some(true),
        ..all.clone()
    })
    .await;
    assert_eq!(monitored.total, 1);
    let by_member = q(HouseholdFilter {
        id_number: Some(id(5)),
        ..all.clone()
    })
    .await;
    assert_eq!(codes(&by_member), vec!["5002991022010001"]);
    let town = q(HouseholdFilter {
        within: Some(code("500299101000")),
        ..all.clone()
    })
    .await;
    assert_eq!(town.total, 2);
    // Paging keeps the total.
    let second = q(HouseholdFilter {
        offset: 1,
        limit: 1,
        ..all.clone()
    })
    .await;
    assert_eq!(
        (codes(&second), second.total),
        (vec!["5002991012020001".to_string()], 3)
    );

    // Scope: a town official sees the town only and is refused elsewhere.
    let me = actor_as(Role::TownReviewer, "500299101000");
    let mine = store.households(&me, &all).await.unwrap();
    assert_eq!(mine.total, 2);
    assert!(
        mine.rows
            .iter()
            .all(|r| r.village.is_within(&code("500299101000")))
    );
    assert_eq!(
        store
            .households(
                &me,
                &HouseholdFilter {
                    within: Some(code("500299102000")),
                    ..all.clone()
                }
            )
            .await,
        Err(StoreError::Forbidden)
    );
    let hh = |v: &str| HouseholdCode::new(&code(v), 1).unwrap();
    assert_eq!(
        store.household(&me, &hh("500299102201")).await,
        Err(StoreError::Forbidden)
    );
    // Unknown but inside the scope: simply not there.
    assert_eq!(
        store
            .household(&me, &HouseholdCode::new(&code("500299101201"), 99).unwrap())
            .await,
        Ok(None)
    );
    let detail = store
        .household(&me, &hh("500299101201"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.members.len(), 2);
    assert_eq!(detail.members[0].relation, Relation::Head);
    assert_eq!(detail.members[1].id_masked, id(2).masked());
    assert_eq!(detail.address, "500299101201第1号");
    assert!(
        detail
            .bank_masked
            .as_deref()
            .is_some_and(|b| b.starts_with("6217") && b.contains("****"))
    );
    assert_eq!(detail.incomes.len(), 1);
    assert_eq!(detail.incomes[0].wage, Money::from_fen(1_234_567));
    // Lookups by ID number through the list are audited; refusals too.
    let records = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    assert!(
        records
            .iter()
            .any(|r| r.action == "person.lookup" && r.target == id(5).masked())
    );
    assert_eq!(
        denials(&records, &me),
        2,
        "counted before the import checks"
    );
    // Which codes exist, for imports: in scope only.
    let asked = vec![
        hh("500299101201"),
        HouseholdCode::new(&code("500299101202"), 7).unwrap(),
    ];
    assert_eq!(
        store.existing_households(&me, &asked).await.unwrap(),
        vec![hh("500299101201")]
    );
    assert_eq!(
        store.existing_households(&me, &[hh("500299102201")]).await,
        Err(StoreError::Forbidden)
    );
    // A viewer without registry rights gets nothing.
    let admin = actor_as(Role::SystemAdmin, "500299000000");
    assert_eq!(
        store.households(&admin, &all).await,
        Err(StoreError::Forbidden)
    );
}

/// Changes keep who, when, what (old → new) and why, in the household's timeline and the
/// audit trail; nothing changes without a reason, permission and scope.
pub async fn household_history(store: &dyn Store) {
    use crate::HouseholdEdit;
    load_divisions(store).await;
    store
        .insert_households(
            &sys(),
            &[
                record("500299101201", 1, &[id(1), id(2)]),
                record("500299102201", 1, &[id(3)]),
            ],
        )
        .await
        .unwrap();
    let hh = HouseholdCode::new(&code("500299101201"), 1).unwrap();
    let me = actor_as(Role::TownReviewer, "500299101000");
    let detail = store.household(&me, &hh).await.unwrap().unwrap();
    let same = HouseholdEdit {
        group_no: detail.summary.group_no,
        address: detail.address.clone(),
        phone: crate::PhoneChange::Keep,
        household_type: detail.summary.household_type,
        relocated: detail.summary.relocated,
        dibao: detail.summary.dibao,
        tekun: detail.summary.tekun,
        monitored: detail.summary.monitored,
    };
    // Nothing different: nothing written.
    assert!(
        store
            .update_household(&me, &hh, &same, "核对无变化")
            .await
            .unwrap()
            .is_empty()
    );
    let edit = HouseholdEdit {
        address: "石桥村二组8号".into(),
        phone: crate::PhoneChange::Set("13900139000".into()),
        dibao: !same.dibao,
        ..same.clone()
    };
    let e = store
        .update_household(&me, &hh, &edit, " ")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("变更原因"), "{e}");
    let changes = store
        .update_household(&me, &hh, &edit, "搬到二组新房")
        .await
        .unwrap();
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, vec!["住址", "联系电话", "低保户"]);
    assert_eq!(changes[1].old, "138****8000");
    assert_eq!(changes[1].new, "139****9000");
    let after = store.household(&me, &hh).await.unwrap().unwrap();
    assert_eq!(after.address, "石桥村二组8号");
    assert_eq!(after.summary.phone_masked.as_deref(), Some("139****9000"));
    // Out of scope or without permission: refused.
    let other = HouseholdCode::new(&code("500299102201"), 1).unwrap();
    assert_eq!(
        store.update_household(&me, &other, &edit, "越权修改").await,
        Err(StoreError::Forbidden)
    );
    let viewer = actor_as(Role::Viewer, "500299000000");
    assert_eq!(
        store
            .update_household(&viewer, &hh, &edit, "只读账号")
            .await,
        Err(StoreError::Forbidden)
    );

    // Population changes are explicit actions with a date.
    let head = after.members[0].person_id;
    let child = after.members[1].person_id;
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let e = store
        .set_person_status(&me, head, LivingStatus::Deceased, d("2026-10-01"), "病故")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("是户主"), "{e}");
    let e = store
        .set_person_status(&me, child, LivingStatus::MovedOut, d("2999-01-01"), "外出")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("晚于今天"), "{e}");
    store
        .set_person_status(
            &me,
            child,
            LivingStatus::MovedOut,
            d("2026-09-01"),
            "考入大学迁出户口",
        )
        .await
        .unwrap();
    let e = store
        .set_person_status(&me, child, LivingStatus::MovedOut, d("2026-09-02"), "重复")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("已是“迁出”"), "{e}");
    assert_eq!(
        store
            .household(&me, &hh)
            .await
            .unwrap()
            .unwrap()
            .summary
            .members,
        1
    );

    let events = store.household_events(&me, &hh).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec!["registered", "household.update", "person.moved_out"]
    );
    assert_eq!(events[1].reason, "搬到二组新房");
    assert_eq!(events[1].actor, me.name);
    assert_eq!(events[2].changes[0].new, "迁出（2026-09-01）");
    assert!(events.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(
        store.household_events(&me, &other).await,
        Err(StoreError::Forbidden)
    );
    let all = store
        .audit_records(&sys(), &AuditFilter::after(0, 1000))
        .await
        .unwrap();
    let update = all.iter().find(|r| r.action == "household.update").unwrap();
    assert!(update.detail.contains("搬到二组新房") && update.detail.contains("139****9000"));
    assert!(
        !update.detail.contains("13900139000"),
        "no full phone in the audit"
    );
    assert!(all.iter().any(|r| r.action == "person.moved_out"));
}

/// Full records read back exactly as inserted (sensitive fields decrypted), and an import
/// that inserts one household and updates another in one transaction: fields, a changed and
/// a new member, an income year upserted, the history entry; a conflict writes nothing.
pub async fn household_import(store: &dyn Store) {
    use crate::HouseholdUpdate;
    use dixian_domain::changes;
    load_divisions(store).await;
    let first = record("500299101201", 1, &[id(1), id(2)]);
    store
        .insert_households(&sys(), std::slice::from_ref(&first))
        .await
        .unwrap();
    let hh = first.household.code.clone();
    let me = actor_as(Role::TownReviewer, "500299101000");
    let stored = store
        .household_records(&me, std::slice::from_ref(&hh))
        .await
        .unwrap();
    assert_eq!(stored, vec![first.clone()]);
    // A viewer may not read full records; out of scope is refused.
    let viewer = actor_as(Role::Viewer, "500299000000");
    assert_eq!(
        store
            .household_records(&viewer, std::slice::from_ref(&hh))
            .await,
        Err(StoreError::Forbidden)
    );
    let elsewhere = actor_as(Role::TownReviewer, "500299102000");
    assert_eq!(
        store
            .household_records(&elsewhere, std::slice::from_ref(&hh))
            .await,
        Err(StoreError::Forbidden)
    );

    let mut changed = first.clone();
    changed.household.phone = Some("13900139000".into());
    changed.household.bank_account = None;
    changed.members[1].name = "成员1改".into();
    changed
        .members
        .push(person(&id(5), "新生儿", Relation::Grandson));
    changed.incomes[0].wage = Money::from_fen(2_000_000);
    changed.incomes.push(Income {
        year: 2026,
        property: Money::from_fen(1_000),
        ..Income::default()
    });
    let update = HouseholdUpdate {
        changes: changes::household_changes(&first, &changed),
        record: changed.clone(),
    };
    let new = record("500299101201", 2, &[id(6)]);
    // A member registered in another household: nothing of the import is written.
    let mut stolen = update.clone();
    stolen
        .record
        .members
        .push(person(&id(6), "重复", Relation::Other));
    let e = store
        .import_households(
            &me,
            std::slice::from_ref(&new),
            &[stolen],
            "导入文件“a.xlsx”",
            &|_, _| {},
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("一人只能属于一户"), "{e}");
    // A new household whose member is registered already: named, with the household.
    let dup = record("500299101201", 3, &[id(1)]);
    let e = store
        .import_households(&me, &[dup], &[], "导入文件“b.csv”", &|_, _| {})
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("已登记在户5002991012010001中，一人只能属于一户"),
        "{e}"
    );
    let mut headless = update.clone();
    headless.record.members[0].relation = Relation::Son;
    let e = store
        .import_households(&me, &[], &[headless], "导入文件“a.xlsx”", &|_, _| {})
        .await
        .unwrap_err();
    assert!(e.to_string().contains("0名在户的户主"), "{e}");
    let still = store
        .household_records(&me, std::slice::from_ref(&hh))
        .await
        .unwrap();
    assert_eq!(still, vec![first.clone()]);
    assert!(
        store
            .existing_households(&me, std::slice::from_ref(&new.household.code))
            .await
            .unwrap()
            .is_empty()
    );

    store
        .import_households(
            &me,
            std::slice::from_ref(&new),
            std::slice::from_ref(&update),
            "导入文件“a.xlsx”",
            &|_, _| {},
        )
        .await
        .unwrap();
    let after = store
        .household_records(&me, &[hh.clone(), new.household.code.clone()])
        .await
        .unwrap();
    assert_eq!(after[0], changed);
    assert_eq!(after[1], new);
    let history = store.household_events(&me, &hh).await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.action, "household.import");
    assert_eq!(last.reason, "导入文件“a.xlsx”");
    assert_eq!(last.changes, update.changes);
    // Out of scope: refused, nothing written.
    assert_eq!(
        store
            .import_households(
                &elsewhere,
                &[],
                std::slice::from_ref(&update),
                "导入文件",
                &|_, _| {}
            )
            .await,
        Err(StoreError::Forbidden)
    );
}

/// A birth and a marriage-in join a household as explicit actions with history; a person
/// registered anywhere cannot join another; a year's income is recorded and corrected with
/// each changed component in the history.
pub async fn arrivals_and_income(store: &dyn Store) {
    use dixian_domain::registry::MemberArrival;
    load_divisions(store).await;
    let first = record("500299101201", 1, &[id(1), id(2)]);
    let other = record("500299102201", 1, &[id(3)]);
    store
        .insert_households(&sys(), &[first.clone(), other.clone()])
        .await
        .unwrap();
    let hh = first.household.code.clone();
    let me = actor_as(Role::TownReviewer, "500299101000");
    // The next free code follows the highest in use; another town's village is refused.
    assert_eq!(
        store
            .next_household_code(&me, &code("500299101201"))
            .await
            .unwrap()
            .as_str(),
        "5002991012010002"
    );
    assert_eq!(
        store
            .next_household_code(&me, &code("500299101202"))
            .await
            .unwrap()
            .as_str(),
        "5002991012020001"
    );
    assert_eq!(
        store.next_household_code(&me, &code("500299102201")).await,
        Err(StoreError::Forbidden)
    );
    let baby = person(&id(7), "新生儿", Relation::Grandson);
    let born = baby.birth_date;
    // A head, a future date, or no reason: refused, nothing written.
    let head = person(&id(8), "另一户主", Relation::Head);
    let e = store
        .add_member(&me, &hh, &head, MemberArrival::MarriageIn, born, "婚入")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("不能登记为户主"), "{e}");
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(2);
    let e = store
        .add_member(&me, &hh, &baby, MemberArrival::Birth, tomorrow, "出生")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("晚于今天"), "{e}");
    assert!(
        store
            .add_member(&me, &hh, &baby, MemberArrival::Birth, born, " ")
            .await
            .is_err()
    );
    let pid = store
        .add_member(&me, &hh, &baby, MemberArrival::Birth, born, "新生儿落户")
        .await
        .unwrap();
    assert!(pid > 0);
    let records = store
        .household_records(&me, std::slice::from_ref(&hh))
        .await
        .unwrap();
    assert_eq!(records[0].members.len(), 3);
    assert_eq!(records[0].members[2], baby);
    let last = store
        .household_events(&me, &hh)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(last.action, "person.birth");
    assert_eq!(last.reason, "新生儿落户");
    assert!(
        last.changes[0].new.starts_with("新生儿（"),
        "{:?}",
        last.changes
    );
    // The same person again, or a member of another household: a conflict.
    let e = store
        .add_member(&me, &hh, &baby, MemberArrival::MoveIn, born, "重复")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("一人只能属于一户"), "{e}");
    let theirs = person(&id(3), "别户成员", Relation::Other);
    let e = store
        .add_member(&me, &hh, &theirs, MemberArrival::MoveIn, born, "迁入")
        .await
        .unwrap_err();
    // The other household lies outside this town: it is not named.
    assert!(e.to_string().contains("其他地区的农户"), "{e}");
    // Out of scope or without permission: refused.
    let elsewhere = actor_as(Role::TownReviewer, "500299102000");
    let spouse = person(&id(9), "配偶", Relation::DaughterInLaw);
    assert_eq!(
        store
            .add_member(
                &elsewhere,
                &hh,
                &spouse,
                MemberArrival::MarriageIn,
                born,
                "婚入"
            )
            .await,
        Err(StoreError::Forbidden)
    );
    let viewer = actor_as(Role::Viewer, "500299000000");
    assert_eq!(
        store
            .add_member(
                &viewer,
                &hh,
                &spouse,
                MemberArrival::MarriageIn,
                born,
                "婚入"
            )
            .await,
        Err(StoreError::Forbidden)
    );

    // Income: a new year, the same again (nothing), a correction (one change).
    let mut year = Income {
        year: 2026,
        wage: Money::from_fen(800_000),
        transfer_pension: Money::from_fen(120_000),
        ..Income::default()
    };
    let changes = store
        .set_income(&me, &hh, &year, "年度收入核算")
        .await
        .unwrap();
    // A new year lists its non-zero components.
    assert_eq!(changes.len(), 2);
    assert!(
        store
            .set_income(&me, &hh, &year, "再次保存")
            .await
            .unwrap()
            .is_empty()
    );
    year.wage = Money::from_fen(900_000);
    let changes = store.set_income(&me, &hh, &year, "工资更正").await.unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (
            changes[0].field.as_str(),
            changes[0].old.as_str(),
            changes[0].new.as_str()
        ),
        ("2026年工资性收入", "8000.00", "9000.00")
    );
    let records = store
        .household_records(&me, std::slice::from_ref(&hh))
        .await
        .unwrap();
    assert_eq!(
        records[0].incomes,
        vec![first.incomes[0].clone(), year.clone()]
    );
    assert_eq!(
        store.set_income(&elsewhere, &hh, &year, "越权").await,
        Err(StoreError::Forbidden)
    );
}

/// Members' details change together, so the 户主 can pass from one member to another in one
/// change; a household left without exactly one head, or a person of another household, is
/// refused and nothing is written.
pub async fn member_edits(store: &dyn Store) {
    use dixian_domain::registry::MemberDetails;
    load_divisions(store).await;
    let first = record("500299101201", 1, &[id(1), id(2)]);
    let other = record("500299101201", 2, &[id(3)]);
    store
        .insert_households(&sys(), &[first.clone(), other])
        .await
        .unwrap();
    let hh = first.household.code.clone();
    let me = actor_as(Role::TownReviewer, "500299101000");
    let detail = store.household(&me, &hh).await.unwrap().unwrap();
    let (old_head, son) = (&detail.members[0], &detail.members[1]);
    let details = |m: &crate::MemberView| MemberDetails {
        name: m.name.clone(),
        relation: m.relation,
        labour: m.labour,
        health: m.health,
        disability: m.disability,
        schooling: m.schooling,
        medical_insurance: m.medical_insurance,
        pension_insurance: m.pension_insurance,
        employment_months: m.employment_months,
        employment_place: m.employment_place.clone(),
        public_payroll: m.public_payroll,
    };
    // Two heads, or none: refused.
    let mut second_head = details(son);
    second_head.relation = Relation::Head;
    let e = store
        .update_members(
            &me,
            &hh,
            &[(son.person_id, second_head.clone())],
            "变更户主",
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("有2名"), "{e}");
    // The son becomes head and the father his 父亲, in one change.
    let mut father = details(old_head);
    father.relation = Relation::Father;
    father.health = dixian_domain::registry::Health::Serious;
    let changes = store
        .update_members(
            &me,
            &hh,
            &[
                (old_head.person_id, father.clone()),
                (son.person_id, second_head.clone()),
            ],
            "户主年老，由儿子任户主",
        )
        .await
        .unwrap();
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields.len(), 3, "{fields:?}");
    assert!(fields[0].ends_with("的与户主关系") && fields[1].ends_with("的健康状况"));
    let after = store.household(&me, &hh).await.unwrap().unwrap();
    assert_eq!(after.members[1].relation, Relation::Head);
    assert_eq!(after.summary.head_name, after.members[1].name);
    let last = store
        .household_events(&me, &hh)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (last.action.as_str(), last.changes.len()),
        ("members.update", 3)
    );
    // Saving the same again changes nothing; a stranger's id is refused.
    assert!(
        store
            .update_members(&me, &hh, &[(old_head.person_id, father)], "再次保存")
            .await
            .unwrap()
            .is_empty()
    );
    let stranger = store
        .household(&me, &HouseholdCode::new(&code("500299101201"), 2).unwrap())
        .await
        .unwrap()
        .unwrap()
        .members[0]
        .person_id;
    let e = store
        .update_members(&me, &hh, &[(stranger, second_head)], "错户")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("没有这名成员"), "{e}");
    let elsewhere = actor_as(Role::TownReviewer, "500299102000");
    assert_eq!(
        store.update_members(&elsewhere, &hh, &[], "越权").await,
        Err(StoreError::Forbidden)
    );
    // The former head marries out: its own action, with its own name in the history.
    store
        .set_person_status(
            &me,
            old_head.person_id,
            LivingStatus::MarriedOut,
            NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
            "再婚迁往外村",
        )
        .await
        .unwrap();
    let last = store
        .household_events(&me, &hh)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(last.action, "person.married_out");
    assert_eq!(last.changes[0].new, "婚出（2026-05-01）");
}

pub async fn people_by_name(store: &dyn Store) {
    use crate::PersonFilter;
    load_divisions(store).await;
    store
        .insert_households(
            &sys(),
            &[
                record("500299101201", 1, &[id(1), id(2)]),
                record("500299101201", 2, &[id(4)]),
                record("500299101202", 1, &[id(3)]),
                record("500299102201", 1, &[id(5)]),
            ],
        )
        .await
        .unwrap();
    let town = actor_as(Role::TownReviewer, "500299101000");
    let named = |name: &str, offset: i64, limit: i64| PersonFilter {
        within: None,
        name: name.into(),
        offset,
        limit,
    };
    // Every member whose name contains the words, in the actor's area only, by household.
    let page = store.people(&town, &named("成员", 0, 10)).await.unwrap();
    assert_eq!(page.total, 4, "the other town's household is out of sight");
    let codes: Vec<&str> = page.rows.iter().map(|p| p.household.as_str()).collect();
    assert_eq!(
        codes,
        [
            "5002991012010001",
            "5002991012010001",
            "5002991012010002",
            "5002991012020001"
        ]
    );
    let son = &page.rows[1];
    assert_eq!(son.name, "成员1残");
    assert_eq!(son.relation, Relation::Son);
    assert_eq!(son.status, LivingStatus::InHousehold);
    assert_eq!(son.id_masked, id(2).masked());
    assert_eq!(son.head_name, "成员0残");
    assert_eq!(son.village_name, "石桥村");
    // Paged with the total kept; a LIKE wildcard typed is a character, not "anything".
    let second = store.people(&town, &named("成员", 3, 2)).await.unwrap();
    assert_eq!((second.total, second.rows.len()), (4, 1));
    assert_eq!(second.rows[0].household.as_str(), "5002991012020001");
    let past = store.people(&town, &named("成员", 10, 2)).await.unwrap();
    assert_eq!(
        (past.total, past.rows.len()),
        (4, 0),
        "past the end the total stays"
    );
    assert_eq!(
        store
            .people(&town, &named("成员1", 0, 10))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        store.people(&town, &named("%", 0, 10)).await.unwrap().total,
        0
    );
    assert_eq!(
        store
            .people(&town, &named("王", 0, 10))
            .await
            .unwrap()
            .total,
        0
    );
    let within = PersonFilter {
        within: Some(code("500299101202")),
        ..named("成员", 0, 10)
    };
    assert_eq!(store.people(&town, &within).await.unwrap().total, 1);
    let elsewhere = actor_as(Role::TownReviewer, "500299102000");
    assert_eq!(
        store.people(&elsewhere, &within).await.unwrap_err(),
        StoreError::Forbidden
    );
    assert_eq!(
        store
            .people(&elsewhere, &named("成员", 0, 10))
            .await
            .unwrap()
            .total,
        1
    );
    // A 帮扶责任人 finds the people of assigned households only.
    let uid = store
        .create_user(
            &sys(),
            &new_user("cadre", Role::AssistanceCadre, "500299101201"),
        )
        .await
        .unwrap();
    let cadre = Actor {
        user_id: Some(uid),
        ..actor_as(Role::AssistanceCadre, "500299101201")
    };
    assert_eq!(
        store
            .people(&cadre, &named("成员", 0, 10))
            .await
            .unwrap()
            .total,
        0
    );
    store
        .assign_cadre(
            &town,
            &HouseholdCode::parse("5002991012010002").unwrap(),
            uid,
            true,
        )
        .await
        .unwrap();
    let mine = store.people(&cadre, &named("成员", 0, 10)).await.unwrap();
    assert_eq!(mine.total, 1);
    assert_eq!(mine.rows[0].household.as_str(), "5002991012010002");
}
