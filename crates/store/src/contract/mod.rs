//! The contract every backend must pass, one module per capability. Each check takes a fresh,
//! migrated store and panics on the first broken promise; backends run every check listed in
//! [`contract_checks!`](crate::contract_checks) from their own test binaries.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::{
    AuditFilter, FailureCount, LoginAttempt, LoginKey, NewSession, NewUser, PruneReport,
    RegistryCounts, Store, StoreError,
};
use chrono::NaiveDate;
use dixian_domain::access::Role;
use dixian_domain::access::{Actor, Scope};
use dixian_domain::calendar::{CalendarEntry, DayKind, WorkCalendar};
use dixian_domain::division::{DivisionCode, DivisionTable};
use dixian_domain::id_number::{IdNumber, Sex};
use dixian_domain::money::Money;
use dixian_domain::policy::{BUILTIN_PACKS, Pack};
use dixian_domain::registry::*;

/// Every contract check, named once: `module::check`, grouped by capability. A backend's test
/// binary hands this a macro of its own (`contract_checks!(my_tests)`) that makes one test per
/// check and database, so a new check is registered here and nowhere else.
#[macro_export]
macro_rules! contract_checks {
    ($callback:ident) => {
        $callback! {
            system::schema,
            system::settings,
            divisions::divisions,
            calendar::calendar,
            policy::policy_packs,
            registry::households,
            registry::household_conflicts,
            registry::find_person,
            registry::people_by_name,
            registry::scoping,
            registry::reveal,
            registry::cadre_assignment,
            registry::household_list,
            registry::household_history,
            registry::household_import,
            registry::arrivals_and_income,
            registry::member_edits,
            audit::audit_chain,
            audit::audit_filter,
            audit::audit_retention,
            accounts::users,
            accounts::sessions_and_logins,
            accounts::permissions,
            accounts::service_tokens,
            monitoring::monitoring_leads,
            monitoring::monitoring_cases,
            monitoring::case_histories,
            monitoring::case_tallies,
            monitoring::visits,
            feeds::feed_deliveries,
            feeds::screening_runs,
            problems::problems,
            complaints::complaints,
            funds::funds,
            assets::assets,
            villages::villages,
            rectification::rectification,
            teams::teams,
            cadres::cadres,
        }
    };
}

pub mod accounts;
pub mod assets;
pub mod audit;
pub mod cadres;
pub mod calendar;
pub mod complaints;
pub mod divisions;
pub mod feeds;
pub mod funds;
pub mod monitoring;
pub mod policy;
pub mod problems;
pub mod rectification;
pub mod registry;
pub mod system;
pub mod teams;
pub mod villages;

fn sys() -> Actor {
    Actor::system("contract")
}

fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).unwrap()
}

/// Designation `kind` given to `division` by the county from 2021-09-01, until `to` if set:
/// what the lists' designation filters are checked against.
async fn designate(store: &dyn Store, division: &str, kind: &str, to: Option<NaiveDate>) {
    let county = actor_as(Role::CountyAdmin, "500299000000");
    let designation = dixian_domain::villages::Designation {
        division: code(division),
        kind: kind.into(),
        document: "青乡振〔2021〕3号".into(),
        from: NaiveDate::from_ymd_opt(2021, 9, 1).unwrap(),
        to,
    };
    store.add_designation(&county, &designation).await.unwrap();
}

const DIVISIONS: &str = "code,name
500000000000,重庆市
500200000000,县
500299000000,青山县
500299101000,石桥镇
500299101201,石桥村
500299101201001,一组
500299101201002,二组
500299101202,青龙村
500299102000,白沙镇
500299102201,白沙村
";

async fn load_divisions(store: &dyn Store) {
    let table = DivisionTable::from_csv("test.csv", DIVISIONS).unwrap();
    assert_eq!(store.put_divisions(&sys(), &table).await.unwrap(), 8);
}

fn person(id: &IdNumber, name: &str, relation: Relation) -> Person {
    Person {
        id_number: id.clone(),
        name: name.into(),
        sex: id.sex(),
        birth_date: id.birth_date(),
        relation,
        labour: LabourCapacity::Ordinary,
        health: Health::Healthy,
        disability: Some((DisabilityCategory::Physical, 3)).filter(|_| name.ends_with('残')),
        schooling: Schooling::NotInSchool,
        medical_insurance: true,
        pension_insurance: true,
        employment_months: 6,
        employment_place: Some("重庆市内".into()),
        public_payroll: false,
        status: LivingStatus::InHousehold,
    }
}

/// A household of `village` numbered `seq` with members `ids` (the first is the head).
pub fn record(village: &str, seq: u16, ids: &[IdNumber]) -> HouseholdRecord {
    let v = code(village);
    HouseholdRecord {
        household: Household {
            code: HouseholdCode::new(&v, seq).unwrap(),
            village: v,
            group_no: Some(1),
            address: format!("{village}第{seq}号"),
            phone: Some("13800138000".into()),
            bank_account: Some(format!("62170000{:011}", u32::from(seq) * 7919)),
            household_type: HouseholdType::PovertyAlleviated,
            relocated: false,
            dibao: seq.is_multiple_of(2),
            tekun: false,
            monitored: false,
        },
        members: ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let rel = if i == 0 {
                    Relation::Head
                } else {
                    Relation::Son
                };
                person(id, &format!("成员{i}残"), rel)
            })
            .collect(),
        incomes: vec![Income {
            year: 2025,
            wage: Money::from_fen(1_234_567),
            transfer_dibao: Money::from_fen(300_000),
            business_expense: Money::from_fen(10_000),
            ..Income::default()
        }],
        // Odd households have a check on record (with an unsafe house), even ones none.
        assurance: (seq % 2 == 1).then(|| dixian_domain::assurance::Assurance {
            food_clothing: true,
            housing: Some(dixian_domain::assurance::HousingRating::C),
            water_quantity: true,
            water_quality: false,
            water_convenience: true,
            water_guarantee: true,
            note: Some("危房改造已列入计划".into()),
        }),
    }
}

pub(crate) fn id(n: u16) -> IdNumber {
    let birth =
        NaiveDate::from_ymd_opt(1970 + i32::from(n % 40), 1 + u32::from(n % 12), 1).unwrap();
    IdNumber::compose(
        "500299",
        birth,
        n % 100,
        if n.is_multiple_of(2) {
            Sex::Male
        } else {
            Sex::Female
        },
    )
    .unwrap()
}

fn town_official() -> Actor {
    Actor {
        user_id: Some(7),
        name: "石桥镇审核员".into(),
        scope: Scope::Within(code("500299101000")),
        source: Some("192.0.2.7".into()),
        role: Some(dixian_domain::access::Role::TownReviewer),
    }
}

fn new_user(username: &str, role: Role, division: &str) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: format!("{username}的姓名"),
        role,
        division: code(division),
        department: None,
        password_hash: format!("$argon2id$fake${username}"),
        must_change: true,
        service: false,
    }
}

fn actor_as(role: Role, division: &str) -> Actor {
    Actor {
        user_id: Some(40 + Role::ALL.iter().position(|r| *r == role).unwrap_or(0) as i64),
        name: format!("{}@{division}", role.code()),
        scope: Scope::Within(code(division)),
        source: Some("192.0.2.40".into()),
        role: Some(role),
    }
}

fn denials(records: &[crate::AuditRecord], actor: &Actor) -> usize {
    records
        .iter()
        .filter(|r| r.action == "access.denied" && r.actor == actor.name)
        .count()
}
