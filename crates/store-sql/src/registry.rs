//! Reading the registry (户籍查询): the household list with filters and one household with
//! its members and incomes. Sensitive fields leave this module masked only.

pub(crate) mod history;
pub(crate) mod sync;

use crate::BATCH_ROWS;
use crate::LIVING_HEAD_NAME;
use crate::audit;
use crate::parse_time;
use crate::registry::history::Current;
use crate::registry::history::check_reason;
use crate::registry::history::yes;
use crate::registry::sync::HouseholdRow;
use crate::registry::sync::OwnedIncome;
use crate::registry::sync::OwnedMember;
use crate::registry::sync::within;
use crate::stated_reason;
use crate::{
    F_BANK, F_ID_NUMBER, F_PHONE, SqlStore, assigned_only, assigned_to, backend, corrupt, crypto,
};
use async_trait::async_trait;
use chrono::NaiveDate;
use chrono::Utc;
use dixian_domain::access::Role;
use dixian_domain::access::{Actor, Permission, Scope};
use dixian_domain::assurance::{Assurance, HousingRating};
use dixian_domain::changes::assurance_changes;
use dixian_domain::changes::income_changes;
use dixian_domain::changes::member_changes;
use dixian_domain::changes::secret_change;
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::id_number::IdNumber;
use dixian_domain::id_number::Sex;
use dixian_domain::money::Money;
use dixian_domain::registry::Household;
use dixian_domain::registry::HouseholdRecord;
use dixian_domain::registry::MemberArrival;
use dixian_domain::registry::MemberDetails;
use dixian_domain::registry::Person;
use dixian_domain::registry::{
    DisabilityCategory, Health, HouseholdCode, HouseholdType, Income, LabourCapacity, LivingStatus,
    Relation, Schooling, mask_account, mask_phone,
};
use dixian_store::FieldChange;
use dixian_store::HouseholdEdit;
use dixian_store::HouseholdEvent;
use dixian_store::HouseholdUpdate;
use dixian_store::PersonLocation;
use dixian_store::PhoneChange;
use dixian_store::RegistryCounts;
use dixian_store::RegistryStore;
use dixian_store::StoreError;
use dixian_store::prelude::*;
use dixian_store::{
    HouseholdDetail, HouseholdFilter, HouseholdPage, HouseholdSummary, MemberView, StoreResult,
};
use dixian_store::{PersonFilter, PersonLine, PersonPage};
use std::collections::BTreeSet;
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    code: String,
    village_code: String,
    group_no: Option<i32>,
    household_type: String,
    relocated: bool,
    dibao: bool,
    tekun: bool,
    monitored: bool,
    phone_enc: Option<Vec<u8>>,
    members: i64,
    head_id: Option<i64>,
    head_name: Option<String>,
    head_enc: Option<Vec<u8>>,
    income_year: Option<i32>,
    net_income: Option<i64>,
}

const SUMMARY_COLUMNS: &str = "h.id, h.code, h.village_code, h.group_no, h.household_type,
    h.relocated, h.dibao, h.tekun, h.monitored, h.phone_enc,
    (SELECT COUNT(*) FROM persons m WHERE m.household_id = h.id AND m.status = 'in_household') AS members,
        hp.id AS head_id, hp.name AS head_name, hp.id_number_enc AS head_enc,
    (SELECT i.year FROM household_incomes i WHERE i.household_id = h.id ORDER BY i.year DESC LIMIT 1) AS income_year,
    (SELECT i.wage + i.business + i.property + i.transfer_pension + i.transfer_dibao + i.transfer_tekun
            + i.transfer_eco + i.transfer_other - i.business_expense
     FROM household_incomes i WHERE i.household_id = h.id ORDER BY i.year DESC LIMIT 1) AS net_income
    FROM households h LEFT JOIN persons hp ON hp.household_id = h.id AND hp.relation = 'head'";

fn coded<T>(what: &str, text: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<T> {
    parse(text).ok_or_else(|| corrupt(what, format!("未知代码“{text}”")))
}

/// A household as the rules' facts begin: its id, code and the two flags they read.
#[derive(sqlx::FromRow, serde::Deserialize)]
struct FactsHead {
    id: i64,
    code: String,
    household_type: String,
    #[serde(deserialize_with = "crate::flex_bool")]
    dibao: bool,
}

impl SqlStore {
    /// Refuses (and audits) a list of households with any code outside the actor's scope.
    async fn codes_in_scope(&self, actor: &Actor, codes: &[HouseholdCode]) -> StoreResult<()> {
        match codes
            .iter()
            .find(|c| !c.village().is_some_and(|v| actor.scope.covers(&v)))
        {
            Some(c) => Err(self.deny(actor, c.as_str()).await),
            None => Ok(()),
        }
    }

    /// The facts of the households whose ids the sub-query `households` gives: the
    /// household, members, incomes and 三保障 checks, each table read in one statement, the
    /// fastest way on each database (see `json_rows!`), two at a time: tens of thousands of
    /// people.
    async fn facts_of(
        &self,
        households: &str,
    ) -> StoreResult<Vec<dixian_domain::monitoring::HouseholdFacts>> {
        use dixian_domain::monitoring::{HouseholdFacts, PersonFacts};
        let heads = async {
            let sql = format!(
                "SELECT id, code, household_type, dibao FROM households WHERE id IN ({households})"
            );
            let rows: Vec<FactsHead> = json_rows!(
                self,
                FactsHead,
                "户",
                sql,
                ["id", "code", "household_type", "dibao"],
                |q| q
            );
            Ok(rows)
        };
        // No sealed column is read: nothing here is decrypted.
        let person_columns = [
            "household_id",
            "id",
            "name",
            "relation",
            "birth_date",
            "status",
            "schooling",
            "medical_insurance",
            "labour",
            "public_payroll",
        ];
        let people_sql = format!(
            "SELECT {} FROM persons WHERE household_id IN ({households})",
            person_columns.join(", ")
        );
        let income_columns = [
            "household_id",
            "year",
            "wage",
            "business",
            "property",
            "transfer_pension",
            "transfer_dibao",
            "transfer_tekun",
            "transfer_eco",
            "transfer_other",
            "business_expense",
            "medical_self_pay",
            "insurance_claims",
        ];
        let income_sql = format!(
            "SELECT {} FROM household_incomes WHERE household_id IN ({households})",
            income_columns.join(", ")
        );
        let assurance_columns: Vec<&str> = ASSURANCE_COLUMNS.split(", ").collect();
        let assurance_sql = format!(
            "SELECT {ASSURANCE_COLUMNS} FROM household_assurance
             WHERE household_id IN ({households})"
        );
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct PersonRow {
            household_id: i64,
            id: i64,
            name: String,
            relation: String,
            birth_date: NaiveDate,
            status: String,
            schooling: String,
            #[serde(deserialize_with = "crate::flex_bool")]
            medical_insurance: bool,
            labour: String,
            #[serde(deserialize_with = "crate::flex_bool")]
            public_payroll: bool,
        }
        #[derive(sqlx::FromRow, serde::Deserialize)]
        struct IncomeOf {
            household_id: i64,
            #[sqlx(flatten)]
            #[serde(flatten)]
            income: IncomeRow,
        }
        // Two reads at a time, two connections: a county's check must not take the pool
        // from everyone else.
        let ((heads, incomes), (mut people, checks)) = tokio::try_join!(
            async {
                let heads = heads.await?;
                let rows: Vec<IncomeOf> =
                    json_rows!(self, IncomeOf, "收入", income_sql, income_columns, |q| q);
                Ok::<_, StoreError>((heads, rows))
            },
            async {
                let people: Vec<PersonRow> =
                    json_rows!(self, PersonRow, "人员", people_sql, person_columns, |q| q);
                let checks: Vec<AssuranceRow> = json_rows!(
                    self,
                    AssuranceRow,
                    "保障核查",
                    assurance_sql,
                    assurance_columns,
                    |q| q
                );
                Ok((people, checks))
            },
        )?;
        // Members in the order they were registered.
        people.sort_by_key(|p| (p.household_id, p.id));
        let mut facts: HashMap<i64, HouseholdFacts> = HashMap::new();
        for h in heads {
            facts.insert(
                h.id,
                HouseholdFacts {
                    code: HouseholdCode::parse(&h.code).map_err(|e| corrupt("户编号", e))?,
                    records: Vec::new(),
                    household_type: HouseholdType::parse(&h.household_type)
                        .ok_or_else(|| corrupt("户类型", &h.household_type))?,
                    dibao: h.dibao,
                    members: Vec::new(),
                    incomes: Vec::new(),
                    assurance: None,
                },
            );
        }
        for p in people {
            if let Some(f) = facts.get_mut(&p.household_id) {
                f.members.push(PersonFacts {
                    name: p.name,
                    relation: coded("与户主关系", &p.relation, Relation::parse)?,
                    birth_date: p.birth_date,
                    status: coded("人员状态", &p.status, LivingStatus::parse)?,
                    schooling: coded("在校情况", &p.schooling, Schooling::parse)?,
                    medical_insurance: p.medical_insurance,
                    labour: coded("劳动能力", &p.labour, LabourCapacity::parse)?,
                    public_payroll: p.public_payroll,
                });
            }
        }
        for i in incomes {
            if let Some(f) = facts.get_mut(&i.household_id) {
                f.incomes.push(i.income.into_domain());
            }
        }
        for c in checks {
            let hid = c.household_id;
            if let Some(f) = facts.get_mut(&hid) {
                f.assurance = Some(c.into_domain()?);
            }
        }
        Ok(facts.into_values().collect())
    }

    fn masked_id(&self, person_id: i64, enc: &[u8]) -> StoreResult<String> {
        Ok(self.decrypt_id_number(person_id, enc)?.masked())
    }

    pub(crate) fn masked_field(
        &self,
        field: &str,
        household_id: i64,
        enc: &Option<Vec<u8>>,
        mask: fn(&str) -> String,
    ) -> StoreResult<Option<String>> {
        enc.as_ref()
            .map(|blob| {
                self.cipher
                    .decrypt(field, &household_id.to_string(), blob)
                    .map(|plain| mask(&plain))
                    .map_err(crypto)
            })
            .transpose()
    }

    fn summary(&self, r: SummaryRow) -> StoreResult<HouseholdSummary> {
        let head_id_masked = match (r.head_id, &r.head_enc) {
            (Some(pid), Some(enc)) => self.masked_id(pid, enc)?,
            _ => String::new(),
        };
        Ok(HouseholdSummary {
            code: HouseholdCode::parse(&r.code).map_err(|e| corrupt("户编号", e))?,
            village: DivisionCode::parse(&r.village_code).map_err(|e| corrupt("区划代码", e))?,
            group_no: r.group_no.and_then(|g| u16::try_from(g).ok()),
            head_name: r.head_name.unwrap_or_default(),
            head_id_masked,
            members: r.members,
            household_type: coded("户类型", &r.household_type, HouseholdType::parse)?,
            relocated: r.relocated,
            dibao: r.dibao,
            tekun: r.tekun,
            monitored: r.monitored,
            phone_masked: self.masked_field(F_PHONE, r.id, &r.phone_enc, mask_phone)?,
            latest_income: r.income_year.zip(r.net_income.map(Money::from_fen)),
        })
    }

    pub(crate) fn member(&self, p: MemberRow) -> StoreResult<MemberView> {
        let disability = match (&p.disability_category, p.disability_grade) {
            (Some(c), Some(g)) => Some((
                coded("残疾类别", c, DisabilityCategory::parse)?,
                u8::try_from(g).map_err(|e| corrupt("残疾等级", e))?,
            )),
            _ => None,
        };
        Ok(MemberView {
            id_masked: self.masked_id(p.id, &p.id_number_enc)?,
            person_id: p.id,
            name: p.name,
            sex: coded("性别", &p.sex, Sex::parse)?,
            birth_date: p.birth_date,
            relation: coded("与户主关系", &p.relation, Relation::parse)?,
            labour: coded("劳动能力", &p.labour, LabourCapacity::parse)?,
            health: coded("健康状况", &p.health, Health::parse)?,
            disability,
            schooling: coded("在校生状况", &p.schooling, Schooling::parse)?,
            medical_insurance: p.medical_insurance,
            pension_insurance: p.pension_insurance,
            employment_months: u8::try_from(p.employment_months).unwrap_or(0),
            employment_place: p.employment_place,
            public_payroll: p.public_payroll,
            status: coded("人员状态", &p.status, LivingStatus::parse)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow {
    pub(crate) id: i64,
    pub(crate) id_number_enc: Vec<u8>,
    name: String,
    sex: String,
    birth_date: NaiveDate,
    relation: String,
    labour: String,
    health: String,
    disability_category: Option<String>,
    disability_grade: Option<i32>,
    schooling: String,
    medical_insurance: bool,
    pension_insurance: bool,
    employment_months: i32,
    employment_place: Option<String>,
    public_payroll: bool,
    status: String,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct IncomeRow {
    year: i32,
    wage: i64,
    business: i64,
    property: i64,
    transfer_pension: i64,
    transfer_dibao: i64,
    transfer_tekun: i64,
    transfer_eco: i64,
    transfer_other: i64,
    business_expense: i64,
    medical_self_pay: i64,
    insurance_claims: i64,
}

impl IncomeRow {
    pub(crate) fn into_domain(self) -> Income {
        let m = Money::from_fen;
        Income {
            year: self.year,
            wage: m(self.wage),
            business: m(self.business),
            property: m(self.property),
            transfer_pension: m(self.transfer_pension),
            transfer_dibao: m(self.transfer_dibao),
            transfer_tekun: m(self.transfer_tekun),
            transfer_eco: m(self.transfer_eco),
            transfer_other: m(self.transfer_other),
            business_expense: m(self.business_expense),
            medical_self_pay: m(self.medical_self_pay),
            insurance_claims: m(self.insurance_claims),
        }
    }
}

pub(crate) const ASSURANCE_COLUMNS: &str = "household_id, food_clothing, housing, water_quantity, water_quality, water_convenience, water_guarantee, note";

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct AssuranceRow {
    pub(crate) household_id: i64,
    #[serde(deserialize_with = "crate::flex_bool")]
    food_clothing: bool,
    housing: Option<String>,
    #[serde(deserialize_with = "crate::flex_bool")]
    water_quantity: bool,
    #[serde(deserialize_with = "crate::flex_bool")]
    water_quality: bool,
    #[serde(deserialize_with = "crate::flex_bool")]
    water_convenience: bool,
    #[serde(deserialize_with = "crate::flex_bool")]
    water_guarantee: bool,
    note: Option<String>,
}

impl AssuranceRow {
    pub(crate) fn into_domain(self) -> StoreResult<Assurance> {
        let housing = match &self.housing {
            Some(h) => Some(coded("住房安全等级", h, HousingRating::parse)?),
            None => None,
        };
        Ok(Assurance {
            food_clothing: self.food_clothing,
            housing,
            water_quantity: self.water_quantity,
            water_quality: self.water_quality,
            water_convenience: self.water_convenience,
            water_guarantee: self.water_guarantee,
            note: self.note,
        })
    }
}

#[async_trait]
impl RegistryStore for SqlStore {
    async fn insert_households(
        &self,
        actor: &Actor,
        records: &[HouseholdRecord],
    ) -> StoreResult<usize> {
        self.permit(actor, Permission::EditRegistry, "户籍档案")
            .await?;
        if records.is_empty() {
            return Ok(0);
        }
        if let Some(r) = records
            .iter()
            .find(|r| !actor.scope.covers(&r.household.village))
        {
            return Err(self.deny(actor, r.household.code.as_str()).await);
        }
        check_batch_unique(records)?;
        let codes: Vec<String> = records
            .iter()
            .map(|r| r.household.code.to_string())
            .collect();
        // Blind index of every ID number in the batch, and back to the number for messages.
        let mut by_bidx: HashMap<Vec<u8>, &IdNumber> = HashMap::new();
        for p in records.iter().flat_map(|r| r.members.iter()) {
            by_bidx.insert(
                self.cipher.blind_index(F_ID_NUMBER, p.id_number.as_str()),
                &p.id_number,
            );
        }
        let bidxs: Vec<Vec<u8>> = by_bidx.keys().cloned().collect();
        let cipher = self.cipher.clone();
        let n_households = i64::try_from(records.len()).map_err(|e| corrupt("批量", e))?;
        let n_persons = i64::try_from(bidxs.len()).map_err(|e| corrupt("批量", e))?;
        let now = Utc::now();
        write_tx!(self, |tx| {
            // Existing codes and ID numbers are looked up first so the message can name them.
            for chunk in codes.chunks(BATCH_ROWS) {
                let mut qb = sqlx::QueryBuilder::new("SELECT code FROM households WHERE code IN (");
                let mut sep = qb.separated(", ");
                for c in chunk {
                    sep.push_bind(c.clone());
                }
                qb.push(")");
                let found: Option<String> = qb
                    .build_query_scalar()
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
                if let Some(code) = found {
                    return Err(StoreError::Conflict(format!("户编号{code}已存在")));
                }
            }
            for chunk in bidxs.chunks(BATCH_ROWS) {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT p.id_number_bidx, h.code FROM persons p JOIN households h ON h.id = p.household_id WHERE p.id_number_bidx IN (",
                );
                let mut sep = qb.separated(", ");
                for c in chunk {
                    sep.push_bind(c.clone());
                }
                qb.push(")");
                let found: Option<(Vec<u8>, String)> = qb
                    .build_query_as()
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
                if let Some((bidx, code)) = found {
                    let masked = by_bidx.get(&bidx).map(|id| id.masked()).unwrap_or_default();
                    return Err(StoreError::Conflict(format!(
                        "身份证号{masked}已登记在户{code}中，一人只能属于一户"
                    )));
                }
            }
            let detail = serde_json::json!({
                "households": records.len(),
                "persons": n_persons,
                "codes": codes,
            })
            .to_string();
            audit_in!(
                tx,
                actor,
                "households.insert",
                &format!("{}户", records.len()),
                &detail
            );
            insert_in!(tx, cipher, records, n_households, n_persons, now, &|_| {});
        });
        Ok(records.len())
    }

    async fn case_household_facts(
        &self,
        actor: &Actor,
        area: &DivisionCode,
    ) -> StoreResult<Vec<dixian_domain::monitoring::HouseholdFacts>> {
        self.permit(actor, Permission::ViewRegistry, "户籍").await?;
        if !actor.scope.covers(area) {
            return Err(self.deny(actor, area.as_str()).await);
        }
        // A division code is twelve digits (its type says so): safe to inline. The households
        // are chosen by the database, in one statement per table, not thousands of codes
        // sent back and forth.
        let (lo, hi) = area.code_range();
        // A 帮扶责任人 reads the households assigned to them only, as every case read does
        // (the account id is an integer: safe to inline).
        let cadre = crate::assigned_to(actor);
        let households = format!(
            "SELECT household_id FROM monitoring_cases WHERE village BETWEEN '{lo}' AND '{hi}'
               AND ({cadre} = 0 OR household_id IN
                    (SELECT household_id FROM cadre_assignments WHERE user_id = {cadre}))"
        );
        let mut out = self.facts_of(&households).await?;
        out.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(out)
    }

    async fn household_records(
        &self,
        actor: &Actor,
        codes: &[HouseholdCode],
    ) -> StoreResult<Vec<HouseholdRecord>> {
        self.permit(actor, Permission::EditRegistry, "户籍比对")
            .await?;
        self.codes_in_scope(actor, codes).await?;
        let mut out = Vec::with_capacity(codes.len());
        for chunk in codes.chunks(BATCH_ROWS) {
            let heads: Vec<HouseholdRow> = read!(self, |pool| {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT id, code, village_code, group_no, address, phone_enc, bank_enc,
                            household_type, relocated, dibao, tekun, monitored
                     FROM households WHERE code IN (",
                );
                let mut sep = qb.separated(", ");
                for c in chunk {
                    sep.push_bind(c.as_str().to_string());
                }
                qb.push(")");
                qb.build_query_as().fetch_all(pool).await.map_err(backend)?
            });
            let ids: Vec<i64> = heads.iter().map(|h| h.id).collect();
            if ids.is_empty() {
                continue;
            }
            // Ids are integers from the database itself, so they are safe to inline.
            let people_sql = within(
                "SELECT household_id, id, id_number_enc, name, sex, birth_date, relation, labour,
                        health, disability_category, disability_grade, schooling,
                        medical_insurance, pension_insurance, employment_months,
                        employment_place, public_payroll, status
                 FROM persons",
                "household_id",
                &ids,
            );
            let income_sql = within(
                "SELECT household_id, year, wage, business, property, transfer_pension,
                        transfer_dibao, transfer_tekun, transfer_eco, transfer_other,
                        business_expense, medical_self_pay, insurance_claims
                 FROM household_incomes",
                "household_id",
                &ids,
            );
            let assurance_sql = within(
                &format!("SELECT {ASSURANCE_COLUMNS} FROM household_assurance"),
                "household_id",
                &ids,
            );
            let (people, incomes, checks): (Vec<OwnedMember>, Vec<OwnedIncome>, Vec<AssuranceRow>) =
                read!(self, |pool| {
                    let people = sqlx::query_as(sqlx::AssertSqlSafe(people_sql.clone()))
                        .fetch_all(pool)
                        .await
                        .map_err(backend)?;
                    let incomes = sqlx::query_as(sqlx::AssertSqlSafe(income_sql.clone()))
                        .fetch_all(pool)
                        .await
                        .map_err(backend)?;
                    let checks = sqlx::query_as(sqlx::AssertSqlSafe(assurance_sql.clone()))
                        .fetch_all(pool)
                        .await
                        .map_err(backend)?;
                    (people, incomes, checks)
                });
            let mut records: HashMap<i64, HouseholdRecord> = HashMap::new();
            for h in heads {
                let household = Household {
                    code: HouseholdCode::parse(&h.code).map_err(|e| corrupt("户编号", e))?,
                    village: DivisionCode::parse(&h.village_code)
                        .map_err(|e| corrupt("区划代码", e))?,
                    group_no: h.group_no.and_then(|g| u16::try_from(g).ok()),
                    address: h.address,
                    phone: self.unseal(F_PHONE, h.id, &h.phone_enc)?,
                    bank_account: self.unseal(F_BANK, h.id, &h.bank_enc)?,
                    household_type: HouseholdType::parse(&h.household_type)
                        .ok_or_else(|| corrupt("户类型", &h.household_type))?,
                    relocated: h.relocated,
                    dibao: h.dibao,
                    tekun: h.tekun,
                    monitored: h.monitored,
                };
                records.insert(
                    h.id,
                    HouseholdRecord {
                        household,
                        members: Vec::new(),
                        incomes: Vec::new(),
                        assurance: None,
                    },
                );
            }
            for p in people {
                let id_number = self.decrypt_id_number(p.member.id, &p.member.id_number_enc)?;
                let m = self.member(p.member)?;
                if let Some(r) = records.get_mut(&p.household_id) {
                    r.members.push(Person {
                        id_number,
                        name: m.name,
                        sex: m.sex,
                        birth_date: m.birth_date,
                        relation: m.relation,
                        labour: m.labour,
                        health: m.health,
                        disability: m.disability,
                        schooling: m.schooling,
                        medical_insurance: m.medical_insurance,
                        pension_insurance: m.pension_insurance,
                        employment_months: m.employment_months,
                        employment_place: m.employment_place,
                        public_payroll: m.public_payroll,
                        status: m.status,
                    });
                }
            }
            for i in incomes {
                if let Some(r) = records.get_mut(&i.household_id) {
                    r.incomes.push(i.income.into_domain());
                }
            }
            for c in checks {
                let hid = c.household_id;
                if let Some(r) = records.get_mut(&hid) {
                    r.assurance = Some(c.into_domain()?);
                }
            }
            out.extend(records.into_values());
        }
        out.sort_by(|a, b| a.household.code.cmp(&b.household.code));
        Ok(out)
    }

    async fn import_households(
        &self,
        actor: &Actor,
        new: &[HouseholdRecord],
        updates: &[HouseholdUpdate],
        reason: &str,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> StoreResult<()> {
        self.permit(actor, Permission::EditRegistry, "户籍档案")
            .await?;
        let reason = crate::stated_reason(reason, 2, "请填写登记或导入的原因（2到200个字）")?;
        let all = || new.iter().chain(updates.iter().map(|u| &u.record));
        if let Some(r) = all().find(|r| !actor.scope.covers(&r.household.village)) {
            return Err(self.deny(actor, r.household.code.as_str()).await);
        }
        check_batch_unique(all())?;
        if new.is_empty() && updates.is_empty() {
            return Ok(());
        }
        match self.import_tx(actor, new, updates, &reason, progress).await {
            // The schema refused a duplicate: only now look for which one, to name it.
            Err(StoreError::Conflict(raw)) if raw.starts_with("违反唯一性约束") => Err(self
                .explain_conflict(actor, new)
                .await
                .unwrap_or(StoreError::Conflict(raw))),
            other => other,
        }
    }

    async fn registry_counts(
        &self,
        actor: &Actor,
        code: &DivisionCode,
    ) -> StoreResult<RegistryCounts> {
        self.permit(actor, Permission::ViewRegistry, code.as_str())
            .await?;
        if !actor.scope.covers(code) {
            return Err(self.deny(actor, code.as_str()).await);
        }
        let (lo, hi) = code.code_range();
        let cadre = assigned_to(actor);
        read!(self, |pool| {
            let households: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM households h WHERE h.village_code BETWEEN $1 AND $2 {}",
                assigned_only(3)
            )))
            .bind(&lo)
            .bind(&hi)
            .bind(cadre)
            .fetch_one(pool)
            .await
            .map_err(backend)?;
            let persons: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM persons p JOIN households h ON h.id = p.household_id
                                  WHERE h.village_code BETWEEN $1 AND $2 {}",
                assigned_only(3)
            )))
            .bind(&lo)
            .bind(&hi)
            .bind(cadre)
            .fetch_one(pool)
            .await
            .map_err(backend)?;
            Ok(RegistryCounts {
                households,
                persons,
            })
        })
    }

    async fn find_person_by_id_number(
        &self,
        actor: &Actor,
        id: &IdNumber,
    ) -> StoreResult<Option<PersonLocation>> {
        self.permit(actor, Permission::ViewRegistry, &id.masked())
            .await?;
        let bidx = self.cipher.blind_index(F_ID_NUMBER, id.as_str());
        let (lo, hi) = actor.scope.code_range();
        let cadre = assigned_to(actor);
        let row: Option<(i64, Vec<u8>, String, String, String)> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT p.id, p.id_number_enc, p.name, h.code, h.village_code
                 FROM persons p JOIN households h ON h.id = p.household_id
                                  WHERE p.id_number_bidx = $1 AND h.village_code BETWEEN $2 AND $3 {}",
                assigned_only(4)
            )))
            .bind(&bidx)
            .bind(&lo)
            .bind(&hi)
            .bind(cadre)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let found = row.as_ref().map(|r| r.3.clone());
        let detail = serde_json::json!({ "found": found }).to_string();
        self.audit(actor, "person.lookup", &id.masked(), &detail)
            .await?;
        let Some((pid, enc, name, code, village)) = row else {
            return Ok(None);
        };
        // The domain's own check guards against a blind-index collision or a swapped row.
        let stored = self.decrypt_id_number(pid, &enc)?;
        if &stored != id {
            return Err(corrupt("身份证号", "盲索引与密文不一致"));
        }
        Ok(Some(PersonLocation {
            person_id: pid,
            household: HouseholdCode::parse(&code).map_err(|e| corrupt("户编号", e))?,
            village: DivisionCode::parse(&village).map_err(|e| corrupt("区划代码", e))?,
            name,
            id_masked: stored.masked(),
        }))
    }

    async fn reveal_id_number(
        &self,
        actor: &Actor,
        person_id: i64,
        reason: &str,
    ) -> StoreResult<IdNumber> {
        let target = format!("人员#{person_id}");
        self.permit(actor, Permission::RevealPii, &target).await?;
        let reason = stated_reason(
            reason,
            4,
            "查看完整身份证号须填写理由（4到200个字），理由将记入审计记录",
        )?;
        let row: Option<(Vec<u8>, String)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT p.id_number_enc, h.village_code
                 FROM persons p JOIN households h ON h.id = p.household_id WHERE p.id = $1",
            )
            .bind(person_id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        // Unknown and out of scope are refused alike: the refusal says nothing of existence.
        let in_scope = row
            .as_ref()
            .is_some_and(|(_, v)| DivisionCode::parse(v).is_ok_and(|c| actor.scope.covers(&c)));
        let Some((enc, _)) = row.filter(|_| in_scope) else {
            return Err(self.deny(actor, &target).await);
        };
        let id = self.decrypt_id_number(person_id, &enc)?;
        let detail = serde_json::json!({
            "field": "身份证号",
            "masked": id.masked(),
            "reason": reason,
        })
        .to_string();
        self.audit(actor, "pii.reveal", &target, &detail).await?;
        Ok(id)
    }

    async fn assign_cadre(
        &self,
        actor: &Actor,
        household: &HouseholdCode,
        cadre: i64,
        assign: bool,
    ) -> StoreResult<()> {
        self.permit(actor, Permission::EditRegistry, household.as_str())
            .await?;
        let found: Option<(i64, String)> = read!(self, |pool| {
            sqlx::query_as("SELECT id, village_code FROM households WHERE code = $1")
                .bind(household.as_str())
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        let in_scope = found
            .as_ref()
            .is_some_and(|(_, v)| DivisionCode::parse(v).is_ok_and(|c| actor.scope.covers(&c)));
        let Some((hid, village)) = found.filter(|_| in_scope) else {
            return Err(self.deny(actor, household.as_str()).await);
        };
        let user = self.user_by_id(cadre).await?;
        let Some(user) = user.filter(|u| u.role == Role::AssistanceCadre && !u.disabled) else {
            return Err(StoreError::Invalid(format!(
                "账号#{cadre}不是在用的帮扶责任人账号，不能负责农户"
            )));
        };
        // A cadre can only be given households it can see: its own account's area.
        let village = DivisionCode::parse(&village).map_err(|e| corrupt("区划代码", e))?;
        if assign && !village.is_within(&user.division) {
            return Err(StoreError::Invalid(format!(
                "所选帮扶责任人的管辖范围不包括农户{household}所在村{village}：请选本村的帮扶责任人，或先调整其账号的管辖范围"
            )));
        }
        // Assigning what is already assigned (or removing what is not) changes nothing and
        // is not recorded as a change: a demo restarted, a form sent twice.
        let assigned: Option<String> = read!(self, |pool| {
            sqlx::query_scalar(
                "SELECT assigned_at FROM cadre_assignments WHERE household_id = $1 AND user_id = $2",
            )
            .bind(hid)
            .bind(cadre)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        if assigned.is_some() == assign {
            return Ok(());
        }
        if let (false, Some(at)) = (assign, assigned) {
            // The period ends today (or the day it begins, if later) and stays in the
            // household's history (cadre_periods).
            let from = crate::beijing_day(crate::parse_time("指定时间", &at)?);
            let today = crate::beijing_day(Utc::now()).max(from);
            return self
                .end_assignment(
                    actor,
                    household,
                    cadre,
                    (&user.username, &user.display_name),
                    today,
                    "解除帮扶责任人",
                )
                .await;
        }
        let detail = serde_json::json!({ "cadre": user.username }).to_string();
        let now = audit::timestamp(Utc::now());
        write_tx!(self, |tx| {
            audit_in!(tx, actor, "cadre.assign", household.as_str(), &detail);
            sqlx::query(
                "INSERT INTO cadre_assignments (household_id, user_id, assigned_at) VALUES ($1, $2, $3)
                 ON CONFLICT (household_id, user_id) DO NOTHING",
            )
            .bind(hid)
            .bind(cadre)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        });
        Ok(())
    }

    async fn people(&self, actor: &Actor, f: &PersonFilter) -> StoreResult<PersonPage> {
        self.permit(actor, Permission::ViewRegistry, "人员查询")
            .await?;
        let (lo, hi) = self.area_range(actor, f.within.as_ref()).await?;
        let name = dixian_store::search_words(&f.name);
        if name.is_empty() {
            return Ok(PersonPage::default());
        }
        let cadre = assigned_to(actor);
        // A county's or wider names are read in one pass over the persons, their households
        // looked up for the matches only (a materialised list, or PostgreSQL walks every
        // household to skip a sort); a town's or a village's households are few enough to
        // walk by the village index first. LIKE, not strpos: PostgreSQL estimates a pattern's
        // matches but guesses a third of everyone for a function (the words carry no LIKE
        // characters, `search_words`).
        let root = match (&f.within, &actor.scope) {
            (Some(w), _) | (None, Scope::Within(w)) => Some(w),
            (None, Scope::Everything) => None,
        };
        let area = format!("h.village_code BETWEEN $1 AND $2 {}", assigned_only(3));
        let (named, from_where) = if root.is_none_or(|r| r.level() <= DivisionLevel::County) {
            (
                Some(
                    "named AS MATERIALIZED (SELECT id, household_id FROM persons
                       WHERE name LIKE '%' || $4 || '%')",
                ),
                format!("FROM named p JOIN households h ON h.id = p.household_id WHERE {area}"),
            )
        } else {
            (
                None,
                format!(
                    "FROM households h JOIN persons p ON p.household_id = h.id
                     WHERE {area} AND p.name LIKE '%' || $4 || '%'"
                ),
            )
        };
        let before_hit = named.map(|n| format!("{n}, ")).unwrap_or_default();
        let limit = f.limit.clamp(1, 1_000);
        let offset = f.offset.max(0);
        #[derive(sqlx::FromRow)]
        struct Found {
            id: i64,
            id_number_enc: Vec<u8>,
            name: String,
            relation: String,
            status: String,
            code: String,
            village_code: String,
            village_name: Option<String>,
            head_name: Option<String>,
            total: i64,
        }
        // The page's people and the count of all in one pass (a window over the matches,
        // before LIMIT); names of village and head only for the page.
        let (rows, total): (Vec<Found>, Option<i64>) = read!(self, |pool| {
            let rows: Vec<Found> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "WITH {before_hit}hit AS (
                   SELECT p.id AS pid, h.id AS hid, COUNT(*) OVER () AS total
                   {from_where}
                   ORDER BY h.code, p.id LIMIT $5 OFFSET $6)
                 SELECT p.id, p.id_number_enc, p.name, p.relation, p.status, h.code,
                   h.village_code, d.name AS village_name,
                   {LIVING_HEAD_NAME} AS head_name,
                   hit.total
                 FROM hit JOIN persons p ON p.id = hit.pid JOIN households h ON h.id = hit.hid
                 LEFT JOIN divisions d ON d.code = h.village_code
                 ORDER BY h.code, p.id"
            )))
            .bind(&lo)
            .bind(&hi)
            .bind(cadre)
            .bind(&name)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            // A page past the end has no row to carry the total: count on its own.
            let total = match rows.first() {
                Some(r) => Some(r.total),
                None if offset == 0 => Some(0),
                None => None,
            };
            (rows, total)
        });
        let total = match total {
            Some(t) => t,
            None => read!(self, |pool| {
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "{}SELECT COUNT(*) {from_where}",
                    named.map(|n| format!("WITH {n} ")).unwrap_or_default()
                )))
                .bind(&lo)
                .bind(&hi)
                .bind(cadre)
                .bind(&name)
                .fetch_one(pool)
                .await
                .map_err(backend)?
            }),
        };
        let rows = rows
            .into_iter()
            .map(|r| {
                Ok(PersonLine {
                    person_id: r.id,
                    id_masked: self.masked_id(r.id, &r.id_number_enc)?,
                    name: r.name,
                    relation: coded("与户主关系", &r.relation, Relation::parse)?,
                    status: coded("人员状态", &r.status, LivingStatus::parse)?,
                    household: HouseholdCode::parse(&r.code).map_err(|e| corrupt("户编号", e))?,
                    village: DivisionCode::parse(&r.village_code)
                        .map_err(|e| corrupt("区划代码", e))?,
                    village_name: r.village_name.unwrap_or_default(),
                    head_name: r.head_name.unwrap_or_default(),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(PersonPage { rows, total })
    }

    async fn households(&self, actor: &Actor, f: &HouseholdFilter) -> StoreResult<HouseholdPage> {
        self.permit(actor, Permission::ViewRegistry, "户籍列表")
            .await?;
        let within = match &f.within {
            Some(code) if !actor.scope.covers(code) => {
                return Err(self.deny(actor, code.as_str()).await);
            }
            Some(code) => code.code_range(),
            None => actor.scope.code_range(),
        };
        let bidx = f
            .id_number
            .as_ref()
            .map(|id| self.cipher.blind_index(F_ID_NUMBER, id.as_str()));
        if let Some(id) = &f.id_number {
            let detail = serde_json::json!({ "via": "户籍列表" }).to_string();
            self.audit(actor, "person.lookup", &id.masked(), &detail)
                .await?;
        }
        let cadre = assigned_to(actor);
        let find = self.find_fn();
        // The same conditions for the page and for the count.
        macro_rules! conditions {
            ($qb:ident) => {{
                $qb.push(" WHERE h.village_code BETWEEN ")
                    .push_bind(within.0.clone())
                    .push(" AND ")
                    .push_bind(within.1.clone());
                                if cadre != 0 {
                    $qb.push(" AND h.id IN (SELECT household_id FROM cadre_assignments WHERE user_id = ")
                        .push_bind(cadre)
                        .push(")");
                }
                if let Some(t) = f.household_type {
                    $qb.push(" AND h.household_type = ").push_bind(t.code());
                }
                for (column, value) in [
                    ("h.relocated", f.relocated),
                    ("h.dibao", f.dibao),
                    ("h.tekun", f.tekun),
                    ("h.monitored", f.monitored),
                ] {
                    if let Some(v) = value {
                        $qb.push(format!(" AND {column} = ")).push_bind(v);
                    }
                }
                if let Some(name) = f.head_name.as_ref().filter(|n| !n.is_empty()) {
                    $qb.push(format!(
                        " AND h.id IN (SELECT household_id FROM persons WHERE relation = 'head' AND {find}(name, "
                    ))
                    .push_bind(name.clone())
                    .push(") > 0)");
                }
                                if let Some(after) = &f.after_code {
                    $qb.push(" AND h.code > ").push_bind(after.as_str().to_string());
                }
                if let Some(b) = &bidx {
                    $qb.push(" AND h.id IN (SELECT household_id FROM persons WHERE id_number_bidx = ")
                        .push_bind(b.clone())
                        .push(")");
                }
                // The village's designation, or its town's or county's, holding on the day.
                if let Some(d) = &f.designation {
                    crate::push_designated(&mut $qb, "h.village_code", d);
                }
            }};
        }
        let limit = f.limit.clamp(1, 1_000);
        let offset = f.offset.max(0);
        let (rows, total): (Vec<SummaryRow>, i64) = read!(self, |pool| {
            let mut qb = sqlx::QueryBuilder::new(format!("SELECT {SUMMARY_COLUMNS}"));
            conditions!(qb);
            qb.push(" ORDER BY h.code LIMIT ")
                .push_bind(limit)
                .push(" OFFSET ")
                .push_bind(offset);
            let rows = qb.build_query_as().fetch_all(pool).await.map_err(backend)?;
            let mut qb = sqlx::QueryBuilder::new("SELECT COUNT(*) FROM households h");
            conditions!(qb);
            let total: i64 = qb
                .build_query_scalar()
                .fetch_one(pool)
                .await
                .map_err(backend)?;
            (rows, total)
        });
        Ok(HouseholdPage {
            rows: rows
                .into_iter()
                .map(|r| self.summary(r))
                .collect::<StoreResult<_>>()?,
            total,
        })
    }

    async fn existing_households(
        &self,
        actor: &Actor,
        codes: &[HouseholdCode],
    ) -> StoreResult<Vec<HouseholdCode>> {
        self.permit(actor, Permission::ViewRegistry, "户编号核对")
            .await?;
        self.codes_in_scope(actor, codes).await?;
        let mut found = Vec::new();
        for chunk in codes.chunks(BATCH_ROWS) {
            let rows: Vec<String> = read!(self, |pool| {
                let mut qb = sqlx::QueryBuilder::new("SELECT code FROM households WHERE code IN (");
                let mut sep = qb.separated(", ");
                for c in chunk {
                    sep.push_bind(c.as_str().to_string());
                }
                qb.push(")");
                qb.build_query_scalar()
                    .fetch_all(pool)
                    .await
                    .map_err(backend)?
            });
            for r in rows {
                found.push(HouseholdCode::parse(&r).map_err(|e| corrupt("户编号", e))?);
            }
        }
        found.sort();
        Ok(found)
    }

    async fn household(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
    ) -> StoreResult<Option<HouseholdDetail>> {
        self.household_in_scope(actor, code, Permission::ViewRegistry)
            .await?;
        let cadre = assigned_to(actor);
        let row: Option<(SummaryRow, String, Option<Vec<u8>>)> = read!(self, |pool| {
            let summary: Option<SummaryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {SUMMARY_COLUMNS} WHERE h.code = $1 {}",
                assigned_only(2)
            )))
            .bind(code.as_str())
            .bind(cadre)
            .fetch_optional(pool)
            .await
            .map_err(backend)?;
            match summary {
                None => None,
                Some(s) => {
                    let (address, bank): (String, Option<Vec<u8>>) =
                        sqlx::query_as("SELECT address, bank_enc FROM households WHERE id = $1")
                            .bind(s.id)
                            .fetch_one(pool)
                            .await
                            .map_err(backend)?;
                    Some((s, address, bank))
                }
            }
        });
        let Some((summary, address, bank)) = row else {
            return Ok(None);
        };
        let hid = summary.id;
        let (people, incomes, assurance): (Vec<MemberRow>, Vec<IncomeRow>, Option<AssuranceRow>) = read!(
            self,
            |pool| {
                let people = sqlx::query_as(
                "SELECT id, id_number_enc, name, sex, birth_date, relation, labour, health,
                        disability_category, disability_grade, schooling, medical_insurance,
                        pension_insurance, employment_months, employment_place, public_payroll, status
                 FROM persons WHERE household_id = $1 ORDER BY id",
            )
            .bind(hid)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
                let incomes = sqlx::query_as(
                    "SELECT year, wage, business, property, transfer_pension, transfer_dibao,
                        transfer_tekun, transfer_eco, transfer_other, business_expense,
                        medical_self_pay, insurance_claims
                 FROM household_incomes WHERE household_id = $1 ORDER BY year",
                )
                .bind(hid)
                .fetch_all(pool)
                .await
                .map_err(backend)?;
                let assurance: Option<AssuranceRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {ASSURANCE_COLUMNS} FROM household_assurance WHERE household_id = $1"
                )))
                .bind(hid)
                .fetch_optional(pool)
                .await
                .map_err(backend)?;
                (people, incomes, assurance)
            }
        );
        let members = people
            .into_iter()
            .map(|p| self.member(p))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Some(HouseholdDetail {
            bank_masked: self.masked_field(F_BANK, hid, &bank, mask_account)?,
            summary: self.summary(summary)?,
            address,
            members,
            incomes: incomes.into_iter().map(IncomeRow::into_domain).collect(),
            assurance: assurance.map(AssuranceRow::into_domain).transpose()?,
        }))
    }

    async fn add_member(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        person: &Person,
        arrival: MemberArrival,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<i64> {
        self.household_in_scope(actor, code, Permission::EditRegistry)
            .await?;
        let reason = check_reason(reason)?;
        if person.relation == Relation::Head {
            return Err(StoreError::Invalid(
                "新成员不能登记为户主：户主变更须单独办理".into(),
            ));
        }
        if person.status != LivingStatus::InHousehold {
            return Err(StoreError::Invalid("新成员的人员状态应为“在户”".into()));
        }
        let today = (Utc::now() + chrono::Duration::hours(8)).date_naive();
        if on > today {
            return Err(StoreError::Invalid(format!("日期{on}晚于今天")));
        }
        if person.birth_date > on {
            return Err(StoreError::Invalid(format!(
                "{}的出生日期{}晚于{}日期{on}",
                person.name,
                person.birth_date,
                arrival.label()
            )));
        }
        let hid = self.household_id(code).await?;
        let bidx = self
            .cipher
            .blind_index(F_ID_NUMBER, person.id_number.as_str());
        let elsewhere: Option<(String, String)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT h.code, h.village_code FROM persons p JOIN households h ON h.id = p.household_id
                 WHERE p.id_number_bidx = $1",
            )
            .bind(&bidx)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        if let Some((other, village)) = elsewhere {
            // Naming a household outside the actor's jurisdiction would leak it.
            let place = if DivisionCode::parse(&village).is_ok_and(|v| actor.scope.covers(&v)) {
                format!("户{other}")
            } else {
                "其他地区的农户".to_string()
            };
            return Err(StoreError::Conflict(format!(
                "身份证号{}已登记在{place}中，一人只能属于一户；迁入请先在原户登记迁出",
                person.id_number.masked()
            )));
        }
        let action = format!("person.{}", arrival.code());
        let changes = vec![FieldChange {
            field: format!("{}成员", arrival.label()),
            old: String::new(),
            new: format!(
                "{}（{}，{}，{on}）",
                person.name,
                person.id_number.masked(),
                person.relation.label()
            ),
        }];
        let cipher = self.cipher.clone();
        let pid = write_tx!(self, |tx| {
            let pid: i64 = allocate!(tx, "persons", 1i64);
            let enc = cipher
                .encrypt(F_ID_NUMBER, &pid.to_string(), person.id_number.as_str())
                .map_err(crypto)?;
            let mut qb = sqlx::QueryBuilder::new(crate::INSERT_PERSONS);
            qb.push_values([()], |mut b, ()| {
                person_values!(b, pid, hid, enc.clone(), bidx.clone(), person);
            });
            qb.build().execute(&mut *tx).await.map_err(backend)?;
            sqlx::query("UPDATE persons SET status_date = $1 WHERE id = $2")
                .bind(on.to_string())
                .bind(pid)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            changed_in!(tx, hid, actor, &action, code.as_str(), &changes, &reason);
            pid
        });
        Ok(pid)
    }

    async fn reveal_head_ids(
        &self,
        actor: &Actor,
        codes: &[HouseholdCode],
        reason: &str,
    ) -> StoreResult<Vec<(HouseholdCode, IdNumber)>> {
        self.permit(actor, Permission::RevealPii, "户籍台账")
            .await?;
        let reason = stated_reason(
            reason,
            4,
            "导出完整身份证号须填写理由（4到200个字），理由将记入审计记录",
        )?;
        self.codes_in_scope(actor, codes).await?;
        let mut rows: Vec<(String, i64, Vec<u8>)> = Vec::new();
        for chunk in codes.chunks(BATCH_ROWS) {
            let found: Vec<(String, i64, Vec<u8>)> = read!(self, |pool| {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT h.code, p.id, p.id_number_enc FROM households h
                     JOIN persons p ON p.household_id = h.id AND p.relation = 'head'
                     WHERE h.code IN (",
                );
                let mut sep = qb.separated(", ");
                for c in chunk {
                    sep.push_bind(c.as_str().to_string());
                }
                qb.push(")");
                qb.build_query_as().fetch_all(pool).await.map_err(backend)?
            });
            rows.extend(found);
        }
        let listed: Vec<&str> = codes.iter().take(500).map(HouseholdCode::as_str).collect();
        let detail = serde_json::json!({
            "field": "户主身份证号", "households": rows.len(), "codes": listed, "reason": reason,
        })
        .to_string();
        self.audit(actor, "pii.reveal", "户籍台账", &detail).await?;
        rows.into_iter()
            .map(|(code, pid, enc)| {
                Ok((
                    HouseholdCode::parse(&code).map_err(|e| corrupt("户编号", e))?,
                    self.decrypt_id_number(pid, &enc)?,
                ))
            })
            .collect()
    }

    async fn next_household_code(
        &self,
        actor: &Actor,
        village: &DivisionCode,
    ) -> StoreResult<HouseholdCode> {
        let target = village.to_string();
        self.permit(actor, Permission::EditRegistry, &target)
            .await?;
        if !actor.scope.covers(village) {
            return Err(self.deny(actor, &target).await);
        }
        let last: Option<String> = read!(self, |pool| {
            sqlx::query_scalar("SELECT MAX(code) FROM households WHERE village_code = $1")
                .bind(village.as_str())
                .fetch_one(pool)
                .await
                .map_err(backend)?
        });
        let seq = match last {
            None => 1,
            Some(code) => {
                let code = HouseholdCode::parse(&code).map_err(|e| corrupt("户编号", e))?;
                code.seq().saturating_add(1)
            }
        };
        HouseholdCode::new(village, seq)
            .ok_or_else(|| StoreError::Invalid(format!("村{village}的户编号已用完（最多9999户）")))
    }

    async fn update_members(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        edits: &[(i64, MemberDetails)],
        reason: &str,
    ) -> StoreResult<Vec<FieldChange>> {
        self.household_in_scope(actor, code, Permission::EditRegistry)
            .await?;
        let reason = check_reason(reason)?;
        let hid = self.household_id(code).await?;
        let rows: Vec<crate::registry::MemberRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT id, id_number_enc, name, sex, birth_date, relation, labour, health,
                        disability_category, disability_grade, schooling, medical_insurance,
                        pension_insurance, employment_months, employment_place, public_payroll, status
                 FROM persons WHERE household_id = $1 ORDER BY id",
            )
            .bind(hid)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        let mut members = Vec::with_capacity(rows.len());
        for r in rows {
            let m = self.member(r)?;
            let details = MemberDetails {
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
            members.push((m.person_id, m.status, details));
        }
        let mut changes = Vec::new();
        let mut changed = Vec::new();
        for (pid, new) in edits {
            let Some((_, _, old)) = members.iter_mut().find(|(id, _, _)| id == pid) else {
                return Err(StoreError::Invalid(format!("户{code}没有这名成员")));
            };
            let name = new.name.trim();
            if name.is_empty() || name.chars().count() > 30 {
                return Err(StoreError::Invalid("姓名不能为空，最多30个字".into()));
            }
            let c = member_changes(old, new);
            if !c.is_empty() {
                changes.extend(c);
                *old = new.clone();
                changed.push((*pid, new));
            }
        }
        let heads = members
            .iter()
            .filter(|(_, status, d)| {
                *status == LivingStatus::InHousehold && d.relation == Relation::Head
            })
            .count();
        if heads != 1 {
            return Err(StoreError::Invalid(format!(
                "户{code}应恰好有1名在户的户主，这样保存后有{heads}名"
            )));
        }
        if changes.is_empty() {
            return Ok(changes);
        }
        write_tx!(self, |tx| {
            for (pid, d) in &changed {
                sqlx::query(
                    "UPDATE persons SET name = $1, relation = $2, labour = $3, health = $4,
                       disability_category = $5, disability_grade = $6, schooling = $7,
                       medical_insurance = $8, pension_insurance = $9, employment_months = $10,
                       employment_place = $11, public_payroll = $12
                     WHERE id = $13 AND household_id = $14",
                )
                .bind(d.name.trim())
                .bind(d.relation.code())
                .bind(d.labour.code())
                .bind(d.health.code())
                .bind(d.disability.map(|(c, _)| c.code()))
                .bind(d.disability.map(|(_, g)| i32::from(g)))
                .bind(d.schooling.code())
                .bind(d.medical_insurance)
                .bind(d.pension_insurance)
                .bind(i32::from(d.employment_months))
                .bind(&d.employment_place)
                .bind(d.public_payroll)
                .bind(*pid)
                .bind(hid)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            changed_in!(
                tx,
                hid,
                actor,
                "members.update",
                code.as_str(),
                &changes,
                &reason
            );
        });
        Ok(changes)
    }

    async fn set_assurance(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        assurance: &Assurance,
        reason: &str,
    ) -> StoreResult<Vec<FieldChange>> {
        self.household_in_scope(actor, code, Permission::EditRegistry)
            .await?;
        let reason = check_reason(reason)?;
        let hid = self.household_id(code).await?;
        let old: Option<crate::registry::AssuranceRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM household_assurance WHERE household_id = $1",
                crate::registry::ASSURANCE_COLUMNS
            )))
            .bind(hid)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let old = old
            .map(crate::registry::AssuranceRow::into_domain)
            .transpose()?;
        let changes = assurance_changes(old.as_ref(), assurance);
        if changes.is_empty() {
            return Ok(changes);
        }
        write_tx!(self, |tx| {
            upsert_assurance!(tx, hid, assurance);
            changed_in!(
                tx,
                hid,
                actor,
                "assurance.update",
                code.as_str(),
                &changes,
                &reason
            );
        });
        Ok(changes)
    }

    async fn set_income(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        income: &Income,
        reason: &str,
    ) -> StoreResult<Vec<FieldChange>> {
        self.household_in_scope(actor, code, Permission::EditRegistry)
            .await?;
        let reason = check_reason(reason)?;
        let hid = self.household_id(code).await?;
        let old: Option<crate::registry::IncomeRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT year, wage, business, property, transfer_pension, transfer_dibao,
                        transfer_tekun, transfer_eco, transfer_other, business_expense,
                        medical_self_pay, insurance_claims
                 FROM household_incomes WHERE household_id = $1 AND year = $2",
            )
            .bind(hid)
            .bind(income.year)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let old = old.map(crate::registry::IncomeRow::into_domain);
        let changes = income_changes(old.as_ref(), income);
        if changes.is_empty() {
            return Ok(changes);
        }
        write_tx!(self, |tx| {
            upsert_income!(tx, hid, income);
            changed_in!(
                tx,
                hid,
                actor,
                "income.update",
                code.as_str(),
                &changes,
                &reason
            );
        });
        Ok(changes)
    }

    async fn update_household(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
        edit: &HouseholdEdit,
        reason: &str,
    ) -> StoreResult<Vec<FieldChange>> {
        self.household_in_scope(actor, code, Permission::EditRegistry)
            .await?;
        let reason = check_reason(reason)?;
        let cur: Option<Current> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT id, group_no, address, phone_enc, household_type, relocated, dibao, tekun, monitored
                 FROM households WHERE code = $1",
            )
            .bind(code.as_str())
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some(cur) = cur else {
            return Err(StoreError::Invalid(format!("户编号{code}不存在")));
        };
        let old_phone = match &cur.phone_enc {
            Some(blob) => Some(
                self.cipher
                    .decrypt(F_PHONE, &cur.id.to_string(), blob)
                    .map_err(crypto)?,
            ),
            None => None,
        };
        let old_type = HouseholdType::parse(&cur.household_type)
            .ok_or_else(|| corrupt("户类型", &cur.household_type))?;
        let mut changes = Vec::new();
        let mut diff = |field: &str, old: String, new: String| {
            if old != new {
                changes.push(FieldChange {
                    field: field.into(),
                    old,
                    new,
                });
            }
        };
        let group = |g: Option<i32>| g.map(|g| format!("{g}组")).unwrap_or_default();
        diff(
            "村民小组",
            group(cur.group_no),
            group(edit.group_no.map(i32::from)),
        );
        diff("住址", cur.address.clone(), edit.address.trim().to_string());
        let new_phone = match &edit.phone {
            PhoneChange::Keep => old_phone.clone(),
            PhoneChange::Clear => None,
            PhoneChange::Set(p) => Some(p.clone()),
        };
        if let Some(c) = secret_change(
            "联系电话",
            old_phone.as_deref(),
            new_phone.as_deref(),
            mask_phone,
        ) {
            diff(&c.field, c.old, c.new);
        }
        diff(
            "户类型",
            old_type.label().into(),
            edit.household_type.label().into(),
        );
        diff("易地扶贫搬迁", yes(cur.relocated), yes(edit.relocated));
        diff("低保户", yes(cur.dibao), yes(edit.dibao));
        diff("特困供养", yes(cur.tekun), yes(edit.tekun));
        diff("监测对象", yes(cur.monitored), yes(edit.monitored));
        if changes.is_empty() {
            return Ok(changes);
        }
        let (phone_enc, phone_bidx) = match &new_phone {
            Some(p) => (
                Some(
                    self.cipher
                        .encrypt(F_PHONE, &cur.id.to_string(), p)
                        .map_err(crypto)?,
                ),
                Some(self.cipher.blind_index(F_PHONE, p)),
            ),
            None => (None, None),
        };
        write_tx!(self, |tx| {
            sqlx::query(
                "UPDATE households SET group_no = $1, address = $2, phone_enc = $3, phone_bidx = $4,
                   household_type = $5, relocated = $6, dibao = $7, tekun = $8, monitored = $9
                 WHERE id = $10",
            )
            .bind(edit.group_no.map(i32::from))
            .bind(edit.address.trim())
            .bind(&phone_enc)
            .bind(&phone_bidx)
            .bind(edit.household_type.code())
            .bind(edit.relocated)
            .bind(edit.dibao)
            .bind(edit.tekun)
            .bind(edit.monitored)
                        .bind(cur.id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            changed_in!(
                tx,
                cur.id,
                actor,
                "household.update",
                code.as_str(),
                &changes,
                &reason
            );
        });
        Ok(changes)
    }

    async fn set_person_status(
        &self,
        actor: &Actor,
        person_id: i64,
        status: LivingStatus,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()> {
        let target = format!("人员#{person_id}");
        self.permit(actor, Permission::EditRegistry, &target)
            .await?;
        let reason = check_reason(reason)?;
        let row: Option<(i64, String, String, String, String, String)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT h.id, h.code, h.village_code, p.name, p.relation, p.status
                 FROM persons p JOIN households h ON h.id = p.household_id WHERE p.id = $1",
            )
            .bind(person_id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let in_scope = row
            .as_ref()
            .is_some_and(|r| DivisionCode::parse(&r.2).is_ok_and(|c| actor.scope.covers(&c)));
        let Some((hid, code, _, name, relation, old)) = row.filter(|_| in_scope) else {
            return Err(self.deny(actor, &target).await);
        };
        let old = LivingStatus::parse(&old).ok_or_else(|| corrupt("人员状态", &old))?;
        if old == status {
            return Err(StoreError::Invalid(format!(
                "{name}已是“{}”",
                status.label()
            )));
        }
        // Beijing's date: UTC+8 all year.
        let today = (Utc::now() + chrono::Duration::hours(8)).date_naive();
        if on > today {
            return Err(StoreError::Invalid(format!("日期{on}晚于今天")));
        }
        if Relation::parse(&relation) == Some(Relation::Head) && status != LivingStatus::InHousehold
        {
            return Err(StoreError::Invalid(format!(
                "{name}是户主：请先把户主改为其他成员，再登记{}",
                status.label()
            )));
        }
        let action = match status {
            LivingStatus::Deceased => "person.deceased",
            LivingStatus::MovedOut => "person.moved_out",
            LivingStatus::MarriedOut => "person.married_out",
            LivingStatus::InHousehold => "person.returned",
        };
        let changes = vec![FieldChange {
            field: format!("{name}的人员状态"),
            old: old.label().into(),
            new: format!("{}（{on}）", status.label()),
        }];
        let changes_json = serde_json::to_string(&changes).map_err(|e| corrupt("变更", e))?;
        let detail = serde_json::json!({
            "household": code, "changes": changes, "reason": reason,
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        write_tx!(self, |tx| {
            audit_in!(tx, actor, action, &target, &detail);
            sqlx::query("UPDATE persons SET status = $1, status_date = $2 WHERE id = $3")
                .bind(status.code())
                .bind(on.to_string())
                .bind(person_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            event_in!(tx, hid, actor, action, &changes_json, &reason, &now);
        });
        Ok(())
    }

    async fn household_events(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
    ) -> StoreResult<Vec<HouseholdEvent>> {
        self.household_in_scope(actor, code, Permission::ViewRegistry)
            .await?;
        let cadre = crate::assigned_to(actor);
        let head: Option<(i64, chrono::DateTime<Utc>)> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT h.id, h.created_at FROM households h WHERE h.code = $1 {}",
                crate::assigned_only(2)
            )))
            .bind(code.as_str())
            .bind(cadre)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some((hid, created)) = head else {
            return Ok(Vec::new());
        };
        let rows: Vec<(String, String, String, String, String)> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT at, {} AS actor, action, changes, reason FROM household_events
                 WHERE household_id = $1 ORDER BY id",
                crate::shown_name("household_events.actor")
            )))
            .bind(hid)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        let mut out = vec![HouseholdEvent {
            at: created,
            actor: String::new(),
            action: "registered".into(),
            changes: Vec::new(),
            reason: String::new(),
        }];
        for (at, who, action, changes, reason) in rows {
            out.push(HouseholdEvent {
                at: parse_time("变更时间", &at)?,
                actor: who,
                action,
                changes: serde_json::from_str(&changes).map_err(|e| corrupt("变更记录", e))?,
                reason,
            });
        }
        Ok(out)
    }
}

/// Duplicates inside one batch are conflicts too; the store reports the first.
fn check_batch_unique<'a>(
    records: impl IntoIterator<Item = &'a HouseholdRecord>,
) -> StoreResult<()> {
    let mut codes = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for r in records {
        if !codes.insert(r.household.code.as_str()) {
            return Err(StoreError::Conflict(format!(
                "户编号{}在同一批数据中出现多次",
                r.household.code
            )));
        }
        for p in &r.members {
            if !ids.insert(p.id_number.as_str()) {
                return Err(StoreError::Conflict(format!(
                    "身份证号{}在同一批数据中出现多次，一人只能属于一户",
                    p.id_number.masked()
                )));
            }
        }
    }
    Ok(())
}

impl SqlStore {
    pub(crate) fn decrypt_id_number(&self, person_id: i64, enc: &[u8]) -> StoreResult<IdNumber> {
        let plain = self
            .cipher
            .decrypt(F_ID_NUMBER, &person_id.to_string(), enc)
            .map_err(crypto)?;
        IdNumber::parse(&plain, NaiveDate::MAX).map_err(|e| corrupt("身份证号", e))
    }
}
