//! Reading the registry (户籍查询): the household list with filters and one household with
//! its members and incomes. Sensitive fields leave this module masked only.

use crate::{
    Db, F_BANK, F_ID_NUMBER, F_PHONE, SqlStore, assigned_only, assigned_to, backend, corrupt,
    crypto,
};
use chrono::NaiveDate;
use dixian_domain::access::{Actor, Permission};
use dixian_domain::assurance::{Assurance, HousingRating};
use dixian_domain::division::DivisionCode;
use dixian_domain::id_number::Sex;
use dixian_domain::money::Money;
use dixian_domain::registry::{
    DisabilityCategory, Health, HouseholdCode, HouseholdType, Income, LabourCapacity, LivingStatus,
    Relation, Schooling, mask_account, mask_phone,
};
use dixian_store::{
    HouseholdDetail, HouseholdFilter, HouseholdPage, HouseholdSummary, MemberView, Store,
    StoreResult,
};

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

impl SqlStore {
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

    pub(crate) async fn list_households(
        &self,
        actor: &Actor,
        f: &HouseholdFilter,
    ) -> StoreResult<HouseholdPage> {
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
        let find = match self.db {
            Db::Sqlite { .. } => "instr",
            Db::Postgres(_) => "strpos",
        };
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

    pub(crate) async fn household_detail(
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

#[derive(sqlx::FromRow)]
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

#[derive(sqlx::FromRow)]
pub(crate) struct AssuranceRow {
    pub(crate) household_id: i64,
    food_clothing: bool,
    housing: Option<String>,
    water_quantity: bool,
    water_quality: bool,
    water_convenience: bool,
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
