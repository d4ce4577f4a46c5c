//! Villages (村, issue 22): designations recorded by the county for divisions of its area, and
//! villages' yearly collective accounts saved whole by a town or the county; reads scoped by
//! division, every write audited in its transaction.

use crate::problems::text;
use crate::{SqlStore, audit, backend, corrupt};
use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use dixian_domain::access::{Actor, Permission, Role, Scope};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::money::Money;
use dixian_domain::villages::{AccountFigures, Designation};
use dixian_store::villages::{AccountRecord, DesignationRecord, MAX_ACCOUNTS, VillageStore};
use dixian_store::{StoreError, StoreResult};

type DesignationRow = (
    i64,
    String,
    String,
    String,
    NaiveDate,
    Option<NaiveDate>,
    Option<String>,
    String,
);

type AccountRow = (
    String,
    Option<String>,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

#[async_trait]
impl VillageStore for SqlStore {
    async fn add_designation(&self, actor: &Actor, d: &Designation) -> StoreResult<i64> {
        let target = d.division.to_string();
        let county_role = matches!(actor.role, None | Some(Role::CountyAdmin));
        if !county_role || !actor.scope.covers(&d.division) || !actor.may(Permission::HandleCases) {
            return Err(self.deny(actor, &target).await);
        }
        let kind = text(&d.kind, 40, "请选择认定类别")?;
        let document = text(&d.document, 100, "请填写认定文件的文号（不超过100字）")?;
        let known: i64 = read!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM divisions WHERE code = $1")
                .bind(d.division.as_str())
                .fetch_one(pool)
                .await
                .map_err(backend)?
        });
        if known == 0 {
            return Err(StoreError::Invalid(format!(
                "区划{}不在区划表中",
                d.division
            )));
        }
        let detail = serde_json::json!({
            "division": d.division.as_str(), "kind": kind, "document": document,
            "from": d.from.to_string(), "to": d.to.map(|t| t.to_string()),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            // The id first: its sequence row's lock queues concurrent designations, so the
            // overlap check below reads the ones written before (PostgreSQL reads committed
            // data; SQLite's writer is single anyway).
            let id: i64 = allocate!(tx, "designations", 1i64);
            let rows: Vec<(String, NaiveDate, Option<NaiveDate>)> = sqlx::query_as(
                "SELECT document, from_on, to_on FROM designations WHERE division = $1 AND kind = $2",
            )
            .bind(d.division.as_str())
            .bind(&kind)
            .fetch_all(&mut *tx)
            .await
            .map_err(backend)?;
            let existing: Vec<Designation> = rows
                .into_iter()
                .map(|(document, from, to)| Designation {
                    division: d.division,
                    kind: kind.clone(),
                    document,
                    from,
                    to,
                })
                .collect();
            let checked = Designation {
                kind: kind.clone(),
                document: document.clone(),
                ..d.clone()
            };
            if let Some(m) = checked.problem(&existing) {
                return Err(StoreError::Invalid(m));
            }
            sqlx::query(
                "INSERT INTO designations (id, division, kind, document, from_on, to_on, at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(d.division.as_str())
            .bind(&kind)
            .bind(&document)
            .bind(d.from)
            .bind(d.to)
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            audit_in!(tx, actor, "village.designate", &target, &detail);
            id
        });
        Ok(id)
    }

    async fn end_designation(
        &self,
        actor: &Actor,
        id: i64,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()> {
        let target = format!("认定#{id}");
        let found: Option<(String, String, String, NaiveDate, Option<NaiveDate>)> = read!(
            self,
            |pool| {
                sqlx::query_as(
                    "SELECT division, kind, document, from_on, to_on FROM designations WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(backend)?
            }
        );
        let Some((division, kind, document, from, to)) = found else {
            return Err(StoreError::Invalid(format!("{target}不存在")));
        };
        let division = DivisionCode::parse(&division).map_err(|e| corrupt("区划代码", e))?;
        let county_role = matches!(actor.role, None | Some(Role::CountyAdmin));
        if !actor.scope.covers(&division) {
            let _ = self.deny(actor, &target).await;
            return Err(StoreError::Invalid(format!("{target}不存在")));
        }
        if !county_role || !actor.may(Permission::HandleCases) {
            return Err(self.deny(actor, &target).await);
        }
        let reason = text(reason, 200, "请填写结束认定的原因或文号（不超过200字）")?;
        let d = Designation {
            division,
            kind,
            document,
            from,
            to,
        };
        if let Some(m) = d.end_problem(on) {
            return Err(StoreError::Invalid(m));
        }
        let detail = serde_json::json!({
            "on": on.to_string(), "reason": reason, "was": to.map(|t| t.to_string()),
        })
        .to_string();
        write_tx!(self, |tx| {
            let done = sqlx::query(
                "UPDATE designations SET to_on = $1 WHERE id = $2 AND (to_on IS NULL OR to_on > $1)",
            )
            .bind(on)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "{target}已被他人修改，请刷新页面后再办理"
                )));
            }
            audit_in!(tx, actor, "village.designation.end", &target, &detail);
        });
        Ok(())
    }

    async fn designations(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<DesignationRecord>> {
        self.permit(actor, Permission::ViewRegistry, "认定").await?;
        let (lo, hi) = self.area_range(actor, within).await?;
        // The county and town above the area hold for it too.
        let root = within.copied().or(match &actor.scope {
            Scope::Within(r) => Some(*r),
            Scope::Everything => None,
        });
        let above = |level| {
            root.and_then(|r| r.ancestor_at(level))
                .map(|c| c.to_string())
                .unwrap_or_default()
        };
        let (county, town) = (above(DivisionLevel::County), above(DivisionLevel::Town));
        let rows: Vec<DesignationRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT g.id, g.division, g.kind, g.document, g.from_on, g.to_on, d.name, {}
                   FROM designations g LEFT JOIN divisions d ON d.code = g.division
                  WHERE g.division BETWEEN $1 AND $2 OR g.division = $3 OR g.division = $4
                  ORDER BY g.division, g.kind, g.from_on",
                crate::shown_name("g.by_name")
            )))
            .bind(&lo)
            .bind(&hi)
            .bind(&county)
            .bind(&town)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter()
            .map(|(id, division, kind, document, from, to, name, by)| {
                Ok(DesignationRecord {
                    id,
                    designation: Designation {
                        division: DivisionCode::parse(&division)
                            .map_err(|e| corrupt("区划代码", e))?,
                        kind,
                        document,
                        from,
                        to,
                    },
                    division_name: name.unwrap_or_default(),
                    by,
                })
            })
            .collect()
    }

    async fn save_accounts(
        &self,
        actor: &Actor,
        accounts: &[(DivisionCode, i32, AccountFigures)],
    ) -> StoreResult<usize> {
        self.permit(actor, Permission::HandleCases, "村集体经济")
            .await?;
        if !matches!(
            actor.role,
            None | Some(Role::TownReviewer | Role::CountyAdmin)
        ) {
            return Err(self.deny(actor, "村集体经济").await);
        }
        if accounts.is_empty() || accounts.len() > MAX_ACCOUNTS {
            return Err(StoreError::Invalid(format!(
                "一次保存1到{MAX_ACCOUNTS}个村的收支，现有{}个",
                accounts.len()
            )));
        }
        for (village, _, _) in accounts {
            if !actor.scope.covers(village) {
                return Err(self.deny(actor, village.as_str()).await);
            }
        }
        let (lo, hi) = actor.scope.code_range();
        let villages: Vec<String> = read!(self, |pool| {
            sqlx::query_scalar(
                "SELECT code FROM divisions WHERE code BETWEEN $1 AND $2 AND level = 'village'",
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        let known: std::collections::HashSet<&str> = villages.iter().map(String::as_str).collect();
        let mut seen = std::collections::HashSet::new();
        for (n, (village, year, figures)) in accounts.iter().enumerate() {
            let n = n + 1;
            if !known.contains(village.as_str()) {
                return Err(StoreError::Invalid(format!(
                    "第{n}个：{village}不是区划表中的村"
                )));
            }
            if !(2000..=2100).contains(year) {
                return Err(StoreError::Invalid(format!(
                    "第{n}个：年度{year}不在2000到2100年之间"
                )));
            }
            if !seen.insert((village.as_str(), *year)) {
                return Err(StoreError::Invalid(format!(
                    "第{n}个：{village}的{year}年收支重复"
                )));
            }
            if let Some((_, m)) = figures.problems().first() {
                return Err(StoreError::Invalid(format!("第{n}个：{m}")));
            }
            for (what, m) in [
                ("收入", figures.business),
                ("收益", figures.profit),
                ("支出", figures.business_cost),
            ] {
                if Money::from_fen(m.fen().abs()) > Money::MAX_ENTRY {
                    return Err(StoreError::Invalid(format!("第{n}个：{what}金额超过上限")));
                }
            }
        }
        let years: std::collections::BTreeSet<i32> = accounts.iter().map(|a| a.1).collect();
        let detail = serde_json::json!({ "villages": accounts.len(), "years": years }).to_string();
        let now = audit::timestamp(Utc::now());
        write_tx!(self, |tx| {
            for (village, year, f) in accounts {
                sqlx::query(
                    "INSERT INTO collective_accounts (village, year, business_fen, contract_fen,
                       investment_fen, subsidy_fen, other_fen, business_cost_fen,
                       management_cost_fen, other_cost_fen, profit_fen, at, by_name)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                     ON CONFLICT (village, year) DO UPDATE SET
                       business_fen = excluded.business_fen, contract_fen = excluded.contract_fen,
                       investment_fen = excluded.investment_fen, subsidy_fen = excluded.subsidy_fen,
                       other_fen = excluded.other_fen, business_cost_fen = excluded.business_cost_fen,
                       management_cost_fen = excluded.management_cost_fen,
                       other_cost_fen = excluded.other_cost_fen, profit_fen = excluded.profit_fen,
                       at = excluded.at, by_name = excluded.by_name",
                )
                .bind(village.as_str())
                .bind(i64::from(*year))
                .bind(f.business.fen())
                .bind(f.contract.fen())
                .bind(f.investment.fen())
                .bind(f.subsidy.fen())
                .bind(f.other.fen())
                .bind(f.business_cost.fen())
                .bind(f.management_cost.fen())
                .bind(f.other_cost.fen())
                .bind(f.profit.fen())
                .bind(&now)
                .bind(&actor.name)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            audit_in!(tx, actor, "village.accounts", "村集体经济", &detail);
        });
        Ok(accounts.len())
    }

    async fn accounts(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
        from: i32,
        to: i32,
    ) -> StoreResult<Vec<AccountRecord>> {
        self.permit(actor, Permission::ViewRegistry, "村集体经济")
            .await?;
        let (lo, hi) = self.area_range(actor, within).await?;
        let rows: Vec<AccountRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT a.village, d.name, a.year, a.business_fen, a.contract_fen, a.investment_fen,
                        a.subsidy_fen, a.other_fen, a.business_cost_fen, a.management_cost_fen,
                        a.other_cost_fen, a.profit_fen
                   FROM collective_accounts a LEFT JOIN divisions d ON d.code = a.village
                  WHERE a.village BETWEEN $1 AND $2 AND a.year BETWEEN $3 AND $4
                  ORDER BY a.village, a.year",
            )
            .bind(&lo)
            .bind(&hi)
            .bind(i64::from(from))
            .bind(i64::from(to))
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter()
            .map(|r| {
                let m = Money::from_fen;
                Ok(AccountRecord {
                    village: DivisionCode::parse(&r.0).map_err(|e| corrupt("村代码", e))?,
                    village_name: r.1.unwrap_or_default(),
                    year: i32::try_from(r.2).map_err(|e| corrupt("年度", e))?,
                    figures: AccountFigures {
                        business: m(r.3),
                        contract: m(r.4),
                        investment: m(r.5),
                        subsidy: m(r.6),
                        other: m(r.7),
                        business_cost: m(r.8),
                        management_cost: m(r.9),
                        other_cost: m(r.10),
                        profit: m(r.11),
                    },
                })
            })
            .collect()
    }

    async fn enrol_weak(
        &self,
        actor: &Actor,
        plan: &dixian_domain::rectification::WeakPlan,
        item: &dixian_domain::rectification::NewItem,
        ranked: (Option<u32>, Option<Money>),
        rules: &dixian_domain::policy::villages::WeakVillageRules,
    ) -> StoreResult<i64> {
        self.enrol_weak_village(actor, plan, item, ranked, rules)
            .await
    }
}
