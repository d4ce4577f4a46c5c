//! Property: for random division trees, records, accounts and callers, nothing outside the
//! caller's subtree comes back from any read (counts, lookups, reveals, account lists,
//! drill-down), every out-of-scope or unpermitted write fails without writing, and every
//! refusal is in the audit trail.

use dixian_store::prelude::*;

use chrono::NaiveDate;
use dixian_domain::access::{Actor, Permission, Role, Scope};
use dixian_domain::division::{DivisionCode, DivisionTable};
use dixian_domain::id_number::{IdNumber, Sex};
use dixian_domain::screening::{Department, Period};
use dixian_store::contract::record;
use dixian_store::{
    AuditFilter, Delivered, DeliveryRow, HouseholdFilter, NewDelivery, NewUser, Store, StoreError,
};
use proptest::prelude::*;

/// A county with `towns[t]` = the number of households in each village of town `t`.
#[derive(Debug, Clone)]
struct World {
    towns: Vec<Vec<u8>>,
    /// Which node the caller is bound to: 0 = county, then towns, then villages in order.
    caller_node: usize,
    role: usize,
}

const COUNTY: &str = "500299000000";

fn town_code(t: usize) -> String {
    format!("500299{:03}000", 101 + t)
}

fn village_code(t: usize, v: usize) -> String {
    format!("500299{:03}{:03}", 101 + t, 201 + v)
}

fn id_for(n: u32) -> IdNumber {
    let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Duration::days(i64::from(n));
    IdNumber::compose("500299", birth, (n % 997) as u16, Sex::Female).unwrap()
}

fn worlds() -> impl Strategy<Value = World> {
    prop::collection::vec(prop::collection::vec(0u8..4, 1..4), 1..4).prop_flat_map(|towns| {
        let nodes = 1 + towns.len() + towns.iter().map(Vec::len).sum::<usize>();
        (Just(towns), 0..nodes, 0..Role::ALL.len()).prop_map(|(towns, caller_node, role)| World {
            towns,
            caller_node,
            role,
        })
    })
}

async fn check(world: World) {
    let dir = tempfile::tempdir().unwrap();
    let store =
        dixian_store_sql::SqlStore::open_sqlite(&dir.path().join("p.db"), crate::support::cipher())
            .await
            .unwrap();
    let sys = Actor::system("property");

    // The tree, with every node listed in the caller-node order.
    let mut csv = format!("code,name\n500000000000,重庆市\n500200000000,县\n{COUNTY},青山县\n");
    let mut nodes = vec![COUNTY.to_string()];
    for (t, villages) in world.towns.iter().enumerate() {
        csv.push_str(&format!("{},镇{t}\n", town_code(t)));
        nodes.push(town_code(t));
        for v in 0..villages.len() {
            csv.push_str(&format!("{},村{t}-{v}\n", village_code(t, v)));
        }
    }
    for (t, villages) in world.towns.iter().enumerate() {
        for v in 0..villages.len() {
            nodes.push(village_code(t, v));
        }
    }
    let table = DivisionTable::from_csv("p.csv", &csv).unwrap();
    store.put_divisions(&sys, &table).await.unwrap();

    // Households and people, remembered with their village.
    let mut people = Vec::new();
    let mut records = Vec::new();
    let mut n = 0u32;
    for (t, villages) in world.towns.iter().enumerate() {
        for (v, &count) in villages.iter().enumerate() {
            for h in 0..count {
                let ids: Vec<IdNumber> = (0..=(h % 2))
                    .map(|_| {
                        n += 1;
                        id_for(n)
                    })
                    .collect();
                for id in &ids {
                    people.push((id.clone(), village_code(t, v), records.len()));
                }
                records.push(record(&village_code(t, v), u16::from(h) + 1, &ids));
            }
        }
    }
    store.insert_households(&sys, &records).await.unwrap();
    // One account at every node.
    for (i, node) in nodes.iter().enumerate() {
        store
            .create_user(
                &sys,
                &NewUser {
                    username: format!("u{i}"),
                    display_name: format!("用户{i}"),
                    role: Role::Viewer,
                    division: DivisionCode::parse(node).unwrap(),
                    department: None,
                    password_hash: "$argon2id$x".into(),
                    must_change: false,
                    service: false,
                },
            )
            .await
            .unwrap();
    }

    // 财政供养 names every person of the county: what 入户核实 compares.
    let officer = store
        .create_user(
            &sys,
            &NewUser {
                username: "payroll".into(),
                display_name: "财政数据员".into(),
                role: Role::DepartmentOfficer,
                division: DivisionCode::parse(COUNTY).unwrap(),
                department: Some("payroll".into()),
                password_hash: "$argon2id$x".into(),
                must_change: false,
                service: false,
            },
        )
        .await
        .unwrap();
    let officer = Actor {
        user_id: Some(officer),
        name: "payroll".into(),
        scope: Scope::Within(DivisionCode::parse(COUNTY).unwrap()),
        source: None,
        role: Some(Role::DepartmentOfficer),
    };
    let delivered = store
        .deliver_feed(
            &officer,
            &NewDelivery {
                department: Department::Payroll,
                period: Period::parse("2026-10").unwrap(),
                file_name: "财政供养.csv".into(),
                digest: "00".repeat(32),
                rows_read: people.len() as i64,
                rejected: 0,
                rows: people
                    .iter()
                    .enumerate()
                    .map(|(i, (id, _, _))| DeliveryRow {
                        row: i as i64 + 2,
                        id_number: id.clone(),
                        on: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
                        amount_fen: 0,
                        amount2_fen: 0,
                        detail: "事业编制人员".into(),
                    })
                    .collect(),
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(&delivered, Delivered::Recorded { unmatched, .. } if unmatched.is_empty()),
        "{delivered:?}"
    );

    let home = DivisionCode::parse(&nodes[world.caller_node]).unwrap();
    let role = Role::ALL[world.role];
    let caller_id = store
        .create_user(
            &sys,
            &NewUser {
                username: "caller".into(),
                display_name: "调用者".into(),
                role,
                division: home,
                department: None,
                password_hash: "$argon2id$x".into(),
                must_change: false,
                service: false,
            },
        )
        .await
        .unwrap();
    // A 帮扶责任人 is responsible for every other household of the county, in and out of
    // their jurisdiction; the assignment must never widen what they see. Out of it the store
    // refuses to assign, so those are written directly, as an assignment left from before the
    // cadre's area changed would be.
    let assigned = |household: usize| household.is_multiple_of(2);
    if role == Role::AssistanceCadre {
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        let mut raw = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        for (_, r) in records.iter().enumerate().filter(|(i, _)| assigned(*i)) {
            let code = &r.household.code;
            if code.village().unwrap().is_within(&home) {
                store
                    .assign_cadre(&sys, code, caller_id, true)
                    .await
                    .unwrap();
                continue;
            }
            let refused = store.assign_cadre(&sys, code, caller_id, true).await;
            assert!(
                matches!(refused, Err(StoreError::Invalid(_))),
                "{refused:?}"
            );
            sqlx::query(
                "INSERT INTO cadre_assignments (household_id, user_id, assigned_at)
                 SELECT id, ?1, '2026-01-01T00:00:00Z' FROM households WHERE code = ?2",
            )
            .bind(caller_id)
            .bind(code.as_str())
            .execute(&mut raw)
            .await
            .unwrap();
        }
    }
    let sees = |household: usize| role != Role::AssistanceCadre || assigned(household);
    let me = Actor {
        user_id: Some(caller_id),
        name: "caller".into(),
        scope: Scope::Within(home),
        source: Some("198.51.100.1".into()),
        role: Some(role),
    };
    let denied_before = denials(&store).await;
    let mut refusals = 0;
    let covers = |code: &str| DivisionCode::parse(code).unwrap().is_within(&home);
    let reads = me.may(Permission::ViewRegistry);

    // Counts: exact inside, refused outside (or without the permission).
    for node in &nodes {
        let code = DivisionCode::parse(node).unwrap();
        let got = store.registry_counts(&me, &code).await;
        if reads && covers(node) {
            let truth = people
                .iter()
                .filter(|(_, v, h)| DivisionCode::parse(v).unwrap().is_within(&code) && sees(*h))
                .count();
            assert_eq!(got.unwrap().persons as usize, truth, "{node}");
        } else {
            assert_eq!(got, Err(StoreError::Forbidden), "{node}");
            refusals += 1;
        }
    }
    // Lookups and reveals: nothing from outside; a reveal only with the permission.
    for (id, village, household) in &people {
        let found = store.find_person_by_id_number(&me, id).await;
        if !reads {
            assert_eq!(found, Err(StoreError::Forbidden));
            refusals += 1;
            continue;
        }
        let found = found.unwrap();
        assert_eq!(
            found.is_some(),
            covers(village) && sees(*household),
            "{village}"
        );
        if let Some(p) = found {
            assert!(covers(p.village.as_str()));
            assert!(!p.id_masked.contains(&id.as_str()[6..14]));
            let full = store
                .reveal_id_number(&me, p.person_id, "核对身份信息")
                .await;
            if me.may(Permission::RevealPii) {
                assert_eq!(&full.unwrap(), id);
            } else {
                assert_eq!(full, Err(StoreError::Forbidden));
                refusals += 1;
            }
        }
    }
    // The household list and pages: exactly the visible households, nothing else.
    let listed = store
        .households(
            &me,
            &HouseholdFilter {
                limit: 1_000,
                ..HouseholdFilter::default()
            },
        )
        .await;
    if reads {
        let listed = listed.unwrap();
        let expected = records
            .iter()
            .enumerate()
            .filter(|(i, r)| covers(r.household.village.as_str()) && sees(*i))
            .count();
        assert_eq!(listed.total as usize, expected);
        assert!(listed.rows.iter().all(|r| covers(r.village.as_str())));
    } else {
        assert_eq!(listed, Err(StoreError::Forbidden));
        refusals += 1;
    }
    for (i, r) in records.iter().enumerate() {
        let page = store.household(&me, &r.household.code).await;
        match page {
            Ok(Some(d)) => {
                assert!(reads && covers(d.summary.village.as_str()) && sees(i));
            }
            Ok(None) => assert!(reads && covers(r.household.village.as_str()) && !sees(i)),
            Err(e) => {
                assert_eq!(e, StoreError::Forbidden);
                assert!(!reads || !covers(r.household.village.as_str()));
                refusals += 1;
            }
        }
    }
    // What 入户核实 compares: a household's department rows only where the caller handles
    // its cases, and exactly its members' rows.
    let handles = me.may(Permission::HandleCases);
    for (i, r) in records.iter().enumerate() {
        let rows = store
            .household_feed_rows(&me, &r.household.code, &[Department::Payroll])
            .await;
        if handles && covers(r.household.village.as_str()) && sees(i) {
            let rows = rows.unwrap();
            assert_eq!(rows.len(), r.members.len(), "{}", r.household.code);
            let names: Vec<&str> = r.members.iter().map(|m| m.name.as_str()).collect();
            assert!(rows.iter().all(|f| names.contains(&f.person_name.as_str())));
        } else {
            assert_eq!(rows, Err(StoreError::Forbidden), "{}", r.household.code);
            refusals += 1;
        }
    }
    // Drill-down lists stay inside when the caller may read them.
    if reads {
        for d in store.divisions_within(&home).await.unwrap() {
            assert!(d.code.is_within(&home));
        }
    }
    // Account lists: only accounts inside the subtree.
    match store.users(&me).await {
        Ok(list) => {
            assert!(me.may(Permission::ManageUsers) || me.may(Permission::ManageSecurity));
            assert!(list.iter().all(|u| u.division.is_within(&home)));
            // One account per node, the caller's own and the county's data officer.
            let inside =
                nodes.iter().filter(|n| covers(n)).count() + 1 + usize::from(covers(COUNTY));
            assert_eq!(list.len(), inside);
        }
        Err(e) => {
            assert_eq!(e, StoreError::Forbidden);
            refusals += 1;
        }
    }
    // Writes outside the subtree (or without the permission) fail and write nothing.
    let before = store
        .registry_counts(&sys, &DivisionCode::parse(COUNTY).unwrap())
        .await
        .unwrap();
    for (t, villages) in world.towns.iter().enumerate() {
        for v in 0..villages.len() {
            let village = village_code(t, v);
            n += 1;
            let r = store
                .insert_households(&me, &[record(&village, 900, &[id_for(n)])])
                .await;
            if me.may(Permission::EditRegistry) && covers(&village) {
                r.unwrap();
            } else {
                assert_eq!(r, Err(StoreError::Forbidden), "{village}");
                refusals += 1;
            }
        }
    }
    let after = store
        .registry_counts(&sys, &DivisionCode::parse(COUNTY).unwrap())
        .await
        .unwrap();
    let allowed = if me.may(Permission::EditRegistry) {
        world
            .towns
            .iter()
            .enumerate()
            .flat_map(|(t, vs)| (0..vs.len()).map(move |v| village_code(t, v)))
            .filter(|v| covers(v))
            .count()
    } else {
        0
    };
    assert_eq!(after.households - before.households, allowed as i64);
    // Every refusal was audited, one record each.
    assert_eq!(denials(&store).await - denied_before, refusals);
    store.close().await;
}

async fn denials(store: &dyn Store) -> usize {
    let f = AuditFilter {
        action: Some("access.denied".into()),
        ..AuditFilter::after(0, 10_000)
    };
    store
        .audit_records(&Actor::system("t"), &f)
        .await
        .unwrap()
        .len()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn nothing_leaks_outside_the_callers_subtree(world in worlds()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(check(world));
    }
}
