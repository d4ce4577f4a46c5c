//! Changes to registered households (户籍变更) and their history: each change names its
//! fields old → new, carries a reason, and goes into the household's timeline and the audit
//! trail in the same transaction.

use crate::{Db, F_ID_NUMBER, F_PHONE, SqlStore, audit, backend, corrupt, crypto, parse_time};
use chrono::{NaiveDate, Utc};
use dixian_domain::access::{Actor, Permission};
use dixian_domain::assurance::Assurance;
use dixian_domain::changes::{assurance_changes, income_changes, member_changes, secret_change};
use dixian_domain::division::DivisionCode;
use dixian_domain::registry::{
    HouseholdCode, HouseholdType, Income, LivingStatus, MemberArrival, MemberDetails, Person,
    Relation, mask_phone,
};
use dixian_store::{
    FieldChange, HouseholdEdit, HouseholdEvent, PhoneChange, StoreError, StoreResult,
};

fn yes(b: bool) -> String {
    if b { "是" } else { "否" }.to_string()
}

pub(crate) fn check_reason(reason: &str) -> StoreResult<String> {
    crate::stated_reason(
        reason,
        2,
        "请填写变更原因（2到200个字），原因将记入变更记录和审计记录",
    )
}

#[derive(sqlx::FromRow)]
struct Current {
    id: i64,
    group_no: Option<i32>,
    address: String,
    phone_enc: Option<Vec<u8>>,
    household_type: String,
    relocated: bool,
    dibao: bool,
    tekun: bool,
    monitored: bool,
}

impl SqlStore {
    pub(crate) async fn edit_household(
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

    pub(crate) async fn change_person_status(
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

    /// The id of household `code`, which the caller has checked is in scope.
    async fn household_id(&self, code: &HouseholdCode) -> StoreResult<i64> {
        let hid: Option<i64> = read!(self, |pool| {
            sqlx::query_scalar("SELECT id FROM households WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        hid.ok_or_else(|| StoreError::Invalid(format!("户编号{code}不存在")))
    }

    pub(crate) async fn arrive(
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

    pub(crate) async fn put_income(
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

    pub(crate) async fn next_code(
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

    pub(crate) async fn edit_members(
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

    pub(crate) async fn put_assurance(
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

    pub(crate) async fn history(
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
            sqlx::query_as(
                "SELECT at, actor, action, changes, reason FROM household_events
                 WHERE household_id = $1 ORDER BY id",
            )
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
