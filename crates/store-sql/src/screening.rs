//! Screening (部门筛查) in the store: what a run reads (the area's registry and its current
//! feed rows) and what it leaves (its record, and one lead per new warning, deduplicated).

use crate::monitoring::{PreparedLead, attach_event};
use crate::{SqlStore, audit, backend, corrupt, parse_time};
use async_trait::async_trait;
use chrono::{Months, NaiveDate, Utc};
use dixian_domain::access::{Actor, Permission, Scope};
use dixian_domain::division::DivisionCode;
use dixian_domain::monitoring::Channel;
use dixian_domain::monitoring::{CaseState, Event};
use dixian_domain::registry::{HouseholdCode, HouseholdType, LabourCapacity, LivingStatus};
use dixian_domain::screening::Department;
use dixian_store::ScreeningStore;
use dixian_store::prelude::*;
use dixian_store::{
    NewLead, NewScreeningRun, RuleRates, ScreeningHousehold, ScreeningInput, ScreeningOutcome,
    ScreeningPerson, ScreeningRunRecord, StoreError, StoreResult, StoredFeedRow,
};
use std::collections::HashMap;

/// The area a run covers: the actor's.
fn area_of(actor: &Actor) -> StoreResult<DivisionCode> {
    match &actor.scope {
        Scope::Within(root) => Ok(*root),
        Scope::Everything => Err(StoreError::Invalid(
            "筛查须由有辖区的账号发起（筛查范围即账号的辖区）".into(),
        )),
    }
}

fn coded<T>(what: &str, text: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<T> {
    parse(text).ok_or_else(|| corrupt(what, format!("未知代码“{text}”")))
}

type HouseholdRow = (i64, String, String, String, bool, i64, Option<i64>, bool);
type FeedRowRow = (String, i64, i64, i64, i64, NaiveDate, i64, i64, String);
type PersonRow = (i64, i64, NaiveDate, String, String, String);
/// Household ids and codes of the area, and its recent alerts (id, household, rule).
type Known = (Vec<(i64, String)>, Vec<(i64, i64, String)>);

#[async_trait]
impl ScreeningStore for SqlStore {
    async fn screening_input(&self, actor: &Actor) -> StoreResult<ScreeningInput> {
        self.permit(actor, Permission::HandleCases, "部门筛查")
            .await?;
        let area = area_of(actor)?;
        let (lo, hi) = area.code_range();
        let (households, persons): (Vec<HouseholdRow>, Vec<PersonRow>) = read!(self, |pool| {
            let households = sqlx::query_as(
                "SELECT h.id, h.code, h.village_code, h.household_type, h.monitored,
                       (SELECT COUNT(*) FROM persons m
                        WHERE m.household_id = h.id AND m.status = 'in_household') AS members,
                       (SELECT i.wage + i.business + i.property + i.transfer_pension
                               + i.transfer_dibao + i.transfer_tekun + i.transfer_eco
                               + i.transfer_other - i.business_expense
                        FROM household_incomes i WHERE i.household_id = h.id
                        ORDER BY i.year DESC LIMIT 1) AS net_income,
                       EXISTS (SELECT 1 FROM persons m WHERE m.household_id = h.id
                               AND m.public_payroll = $3 AND m.status = 'in_household')
                     FROM households h WHERE h.village_code BETWEEN $1 AND $2 ORDER BY h.id",
            )
            .bind(&lo)
            .bind(&hi)
            .bind(true)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            let persons = sqlx::query_as(
                "SELECT p.id, p.household_id, p.birth_date, p.labour, p.status, p.name
                     FROM persons p JOIN households h ON h.id = p.household_id
                     WHERE h.village_code BETWEEN $1 AND $2 ORDER BY p.id",
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            (households, persons)
        });
        let deliveries: Vec<dixian_store::DeliveryRecord> = self
            .deliveries(actor, i64::MAX)
            .await?
            .into_iter()
            // The area's own deliveries and those of areas above it; the newest month of
            // each department.
            .filter(|d| d.current && area.is_within(&d.area))
            .fold(
                HashMap::new(),
                |mut newest: HashMap<Department, dixian_store::DeliveryRecord>, d| {
                    match newest.get(&d.department) {
                        Some(n) if n.period >= d.period => {}
                        _ => {
                            newest.insert(d.department, d);
                        }
                    }
                    newest
                },
            )
            .into_values()
            .collect();
        let ids: Vec<String> = deliveries.iter().map(|d| d.id.to_string()).collect();
        let rows: Vec<FeedRowRow> = if ids.is_empty() {
            Vec::new()
        } else {
            read!(self, |pool| {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT d.department, r.delivery_id, r.row_no, r.person_id, r.household_id,
                       r.on_date, r.amount_fen, r.amount2_fen, r.detail
                     FROM feed_rows r JOIN feed_deliveries d ON d.id = r.delivery_id
                     JOIN households h ON h.id = r.household_id
                     WHERE r.delivery_id IN ({}) AND r.person_id IS NOT NULL
                       AND h.village_code BETWEEN $1 AND $2
                     ORDER BY r.delivery_id, r.row_no",
                    ids.join(",")
                )))
                .bind(&lo)
                .bind(&hi)
                .fetch_all(pool)
                .await
                .map_err(backend)?
            })
        };
        let detail = serde_json::json!({
            "households": households.len(),
            "deliveries": deliveries.iter().map(|d| d.id).collect::<Vec<_>>(),
        })
        .to_string();
        self.audit(actor, "screening.read", area.as_str(), &detail)
            .await?;
        Ok(ScreeningInput {
            households: households
                .into_iter()
                .map(
                    |(id, code, village, kind, monitored, members, net, payroll)| {
                        Ok(ScreeningHousehold {
                            id,
                            code: HouseholdCode::parse(&code).map_err(|e| corrupt("户编号", e))?,
                            village: DivisionCode::parse(&village)
                                .map_err(|e| corrupt("村代码", e))?,
                            household_type: coded("户类型", &kind, HouseholdType::parse)?,
                            monitored,
                            members,
                            net_income_fen: net,
                            public_payroll: payroll,
                        })
                    },
                )
                .collect::<StoreResult<_>>()?,
            persons: persons
                .into_iter()
                .map(|(id, household_id, birth_date, labour, status, name)| {
                    Ok(ScreeningPerson {
                        id,
                        household_id,
                        name,
                        birth_date,
                        labour: coded("劳动能力", &labour, LabourCapacity::parse)?,
                        status: coded("在户状态", &status, LivingStatus::parse)?,
                    })
                })
                .collect::<StoreResult<_>>()?,
            rows: rows
                .into_iter()
                .map(
                    |(dept, delivery_id, row, person_id, household_id, on, a, b, detail)| {
                        Ok(StoredFeedRow {
                            department: coded("数据提供部门", &dept, Department::parse)?,
                            delivery_id,
                            row,
                            person_id,
                            household_id,
                            on,
                            amount_fen: a,
                            amount2_fen: b,
                            detail,
                        })
                    },
                )
                .collect::<StoreResult<_>>()?,
            deliveries,
        })
    }

    async fn record_screening(
        &self,
        actor: &Actor,
        run: &NewScreeningRun,
    ) -> StoreResult<ScreeningOutcome> {
        self.permit(actor, Permission::HandleCases, "部门筛查")
            .await?;
        let area = area_of(actor)?;
        let since = run
            .as_of
            .checked_sub_months(Months::new(run.repeat_months))
            .unwrap_or(NaiveDate::MIN);
        // Households by id, and the warnings already raised within the repeat window.
        let (lo, hi) = area.code_range();
        let (codes, recent): Known = read!(self, |pool| {
            let codes = sqlx::query_as(
                "SELECT id, code FROM households WHERE village_code BETWEEN $1 AND $2",
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            let recent = sqlx::query_as(
                "SELECT id, household_id, rule_code FROM screening_alerts
                 WHERE village BETWEEN $1 AND $2 AND last_seen >= $3 ORDER BY id",
            )
            .bind(&lo)
            .bind(&hi)
            .bind(since)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            (codes, recent)
        });
        let code_of: HashMap<i64, String> = codes.into_iter().collect();
        let alert_of: HashMap<(i64, &str), i64> = recent
            .iter()
            .map(|(id, h, r)| ((*h, r.as_str()), *id))
            .collect();
        let mut repeated = Vec::new();
        // The new warnings of each household, in the order first met: one lead each.
        let mut by_household: Vec<(i64, Vec<&dixian_store::ScreeningWarning>)> = Vec::new();
        let mut slot: HashMap<i64, usize> = HashMap::new();
        for w in &run.warnings {
            if let Some(&alert) = alert_of.get(&(w.household_id, w.rule_code.as_str())) {
                repeated.push((alert, w));
                continue;
            }
            let i = *slot.entry(w.household_id).or_insert_with(|| {
                by_household.push((w.household_id, Vec::new()));
                by_household.len() - 1
            });
            by_household[i].1.push(w);
        }
        let mut fresh: Vec<(Vec<&dixian_store::ScreeningWarning>, PreparedLead)> = Vec::new();
        for (household_id, warnings) in by_household {
            let code = code_of
                .get(&household_id)
                .ok_or_else(|| StoreError::Invalid(format!("户#{household_id}不在筛查范围内")))?;
            let code = HouseholdCode::parse(code).map_err(|e| corrupt("户编号", e))?;
            let village = code
                .village()
                .ok_or_else(|| corrupt("户编号", code.as_str()))?;
            let mut departments: Vec<&str> =
                warnings.iter().map(|w| w.department.as_str()).collect();
            departments.dedup();
            let lead = NewLead {
                village,
                household: Some(code),
                channel: Channel::Screening,
                source: format!("部门筛查：{}", departments.join("、")),
                reason: warnings
                    .iter()
                    .map(|w| w.rule_name.as_str())
                    .collect::<Vec<_>>()
                    .join("；"),
                evidence: warnings
                    .iter()
                    .map(|w| format!("{}：{}", w.rule_name, w.explanation))
                    .collect::<Vec<_>>()
                    .join("\n"),
                hardships: Vec::new(),
                received_on: run.run_on,
                applicant: None,
                tracking_code: None,
            };
            fresh.push((warnings, self.prepare_lead(actor, &lead).await?));
        }
        let now = audit::timestamp(Utc::now());
        let attached = fresh.iter().filter(|(_, p)| p.open.is_some()).count() as i64;
        let outcome_detail = serde_json::json!({
            "as_of": run.as_of.to_string(),
            "warnings": run.warnings.len(),
            "new_leads": fresh.len(),
            "attached": attached,
            "repeated": repeated.len(),
            "deliveries": run.deliveries,
        })
        .to_string();
        let deliveries = run
            .deliveries
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let run_id = write_tx!(self, |tx| {
            let run_id: i64 = allocate!(tx, "screening_runs", 1i64);
            sqlx::query(
                "INSERT INTO screening_runs (id, area, as_of, households, warnings, new_leads,
                   attached, repeated, deliveries, started_by, finished_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(run_id)
            .bind(area.as_str())
            .bind(run.as_of)
            .bind(run.households)
            .bind(run.warnings.len() as i64)
            .bind(fresh.len() as i64)
            .bind(attached)
            .bind(repeated.len() as i64)
            .bind(&deliveries)
            .bind(&actor.name)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            for (warnings, p) in &fresh {
                let lead_id = lead_in!(tx, self, actor, p, &now);
                for w in warnings {
                    let alert_id: i64 = allocate!(tx, "screening_alerts", 1i64);
                    sqlx::query(
                    "INSERT INTO screening_alerts (id, household_id, village, rule_code, rule_name,
                       department, explanation, lead_id, first_run, last_run, first_seen,
                       last_seen)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $10)",
                )
                .bind(alert_id)
                .bind(w.household_id)
                .bind(p.village.as_str())
                .bind(&w.rule_code)
                .bind(&w.rule_name)
                .bind(&w.department)
                .bind(&w.explanation)
                .bind(lead_id)
                .bind(run_id)
                .bind(run.as_of)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                }
            }
            for (alert, w) in &repeated {
                sqlx::query(
                    "UPDATE screening_alerts SET last_run = $1, last_seen = $2, explanation = $3
                     WHERE id = $4",
                )
                .bind(run_id)
                .bind(run.as_of)
                .bind(&w.explanation)
                .bind(alert)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            let target = format!("筛查#{run_id}（{area}）");
            audit_in!(tx, actor, "screening.run", &target, &outcome_detail);
            run_id
        });
        Ok(ScreeningOutcome {
            run_id,
            new_leads: fresh.len() as i64,
            attached,
            repeated: repeated.len() as i64,
        })
    }

    async fn screening_runs(
        &self,
        actor: &Actor,
        limit: i64,
    ) -> StoreResult<Vec<ScreeningRunRecord>> {
        self.permit(actor, Permission::HandleCases, "部门筛查")
            .await?;
        type Row = (
            i64,
            String,
            NaiveDate,
            i64,
            i64,
            i64,
            i64,
            i64,
            String,
            String,
        );
        let rows: Vec<Row> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT id, area, as_of, households, warnings, new_leads, attached, repeated,
                   started_by, finished_at FROM screening_runs ORDER BY id DESC",
            )
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        let mut out = Vec::new();
        for (id, area, as_of, households, warnings, new_leads, attached, repeated, by, at) in rows {
            let area = DivisionCode::parse(&area).map_err(|e| corrupt("筛查范围", e))?;
            let visible = match &actor.scope {
                Scope::Everything => true,
                Scope::Within(root) => root.is_within(&area) || area.is_within(root),
            };
            if !visible {
                continue;
            }
            out.push(ScreeningRunRecord {
                id,
                area,
                as_of,
                households,
                warnings,
                new_leads,
                attached,
                repeated,
                started_by: by,
                finished_at: parse_time("筛查完成时间", &at)?,
            });
            if out.len() as i64 >= limit.max(1) {
                break;
            }
        }
        Ok(out)
    }

    async fn screening_rates(
        &self,
        actor: &Actor,
        since: NaiveDate,
    ) -> StoreResult<Vec<RuleRates>> {
        // Counts by rule, no household: whoever reads the area's figures (a 查看 account's
        // dashboard too) may read them.
        self.permit(actor, Permission::ViewRegistry, "部门筛查统计")
            .await?;
        let (lo, hi) = actor.scope.code_range();
        type Row = (String, String, String, Option<String>, Option<NaiveDate>);
        let rows: Vec<Row> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT a.rule_code, a.rule_name, l.status, c.state, c.approved_on
                 FROM screening_alerts a JOIN monitoring_leads l ON l.id = a.lead_id
                 LEFT JOIN monitoring_cases c ON c.id = l.case_id
                 WHERE a.village BETWEEN $1 AND $2 AND a.first_seen >= $3
                 ORDER BY a.rule_code",
            )
            .bind(&lo)
            .bind(&hi)
            .bind(since)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        let mut out: Vec<RuleRates> = Vec::new();
        for (code, name, status, _state, approved_on) in rows {
            if out.last().is_none_or(|r| r.rule_code != code) {
                out.push(RuleRates {
                    rule_code: code.clone(),
                    rule_name: name.clone(),
                    hits: 0,
                    verified: 0,
                    identified: 0,
                });
            }
            if let Some(r) = out.last_mut() {
                r.hits += 1;
                if status == "accepted" || status == "attached" {
                    r.verified += 1;
                }
                if approved_on.is_some() {
                    r.identified += 1;
                }
            }
        }
        Ok(out)
    }
}
