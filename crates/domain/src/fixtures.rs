//! Records for tests across the domain: a household of a head and a spouse.

use crate::division::DivisionCode;
use crate::id_number::IdNumber;
use crate::money::Money;
use crate::registry::{
    Health, Household, HouseholdCode, HouseholdRecord, HouseholdType, Income, LabourCapacity,
    LivingStatus, Person, Relation, Schooling,
};
use chrono::NaiveDate;

pub fn person(id: &str, name: &str, relation: Relation) -> Person {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let id = IdNumber::parse(id, today).unwrap();
    Person {
        sex: id.sex(),
        birth_date: id.birth_date(),
        id_number: id,
        name: name.into(),
        relation,
        labour: LabourCapacity::Ordinary,
        health: Health::Healthy,
        disability: None,
        schooling: Schooling::NotInSchool,
        medical_insurance: true,
        pension_insurance: true,
        employment_months: 0,
        employment_place: None,
        public_payroll: false,
        status: LivingStatus::InHousehold,
    }
}

pub fn two_person_record() -> HouseholdRecord {
    let code = HouseholdCode::parse("5002991012010001").unwrap();
    HouseholdRecord {
        household: Household {
            village: DivisionCode::parse("500299101201").unwrap(),
            code,
            group_no: Some(1),
            address: "一组3号".into(),
            phone: Some("13800138000".into()),
            bank_account: None,
            household_type: HouseholdType::PovertyAlleviated,
            relocated: false,
            dibao: false,
            tekun: false,
            monitored: false,
        },
        members: vec![
            person("11010519491231002X", "张三", Relation::Head),
            person("110105194912310046", "李四", Relation::Spouse),
        ],
        incomes: vec![Income {
            year: 2025,
            wage: Money::from_fen(1_200_000),
            ..Income::default()
        }],
        assurance: None,
    }
}
