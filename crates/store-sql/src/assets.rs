//! Project assets (项目资产): scoped by the division they stand in; registered only from a
//! finished project in the actor's sight; income only of operating assets in use; a plan
//! within its year's income, stepped village → town → county; disposal and write-off end an
//! asset once. Every write audited in its transaction.

use crate::problems::{optional_text, text};
use crate::{SqlStore, audit, backend, corrupt, parse_time};
use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use dixian_domain::access::{Actor, Permission, Role};
use dixian_domain::assets::{
    AssetClass, AssetState, DisposalMethod, DisposalPath, DistributionUse, IncomeKind, Operation,
    OwnerKind, PlanAction, PlanState, RecipientStatus, distribution_problem, installment,
    payout_month, stop_reason,
};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::funds::{Notice, ProjectStage};
use dixian_domain::money::Money;
use dixian_domain::registry::{HouseholdCode, HouseholdType};
use dixian_store::assets::{
    AssetFigures, AssetFile, AssetFilter, AssetStore, AssetSummary, DistributionLine,
    DistributionRecord, EndedAsset, Ending, EndingRecord, HouseholdAssets, IncomeRecord,
    MAX_PLAN_LINES, NewAsset, NewDistribution, NewIncome, PayoutRecord, ReceivedIncome,
};
use dixian_store::{StoreError, StoreResult};
use std::collections::HashMap;

#[derive(sqlx::FromRow, serde::Deserialize)]
struct AssetRow {
    id: i64,
    project_id: i64,
    project_name: String,
    name: String,
    class: String,
    owner_kind: String,
    owner_name: String,
    owner_household: Option<String>,
    division: String,
    division_name: Option<String>,
    value_fen: i64,
    formed_on: NaiveDate,
    state: String,
    operation: Option<String>,
    custody_person: String,
    version: i64,
    income_of_year: i64,
    income_total: i64,
}

impl AssetRow {
    fn summary(self) -> StoreResult<AssetSummary> {
        Ok(AssetSummary {
            id: self.id,
            project_id: self.project_id,
            project_name: self.project_name,
            name: self.name,
            class: AssetClass::parse(&self.class)
                .ok_or_else(|| corrupt("资产类别", &self.class))?,
            owner_kind: OwnerKind::parse(&self.owner_kind)
                .ok_or_else(|| corrupt("所有权人类型", &self.owner_kind))?,
            owner_name: self.owner_name,
            owner_household: self
                .owner_household
                .map(|c| HouseholdCode::parse(&c).map_err(|e| corrupt("户编号", e)))
                .transpose()?,
            division: DivisionCode::parse(&self.division).map_err(|e| corrupt("区划代码", e))?,
            division_name: self.division_name.unwrap_or_default(),
            value: Money::from_fen(self.value_fen),
            formed_on: self.formed_on,
            state: AssetState::parse(&self.state)
                .ok_or_else(|| corrupt("资产状态", &self.state))?,
            operation: self
                .operation
                .map(|o| Operation::parse(&o).ok_or_else(|| corrupt("经营方式", &o)))
                .transpose()?,
            custody_person: self.custody_person,
            version: self.version,
            income_of_year: Money::from_fen(self.income_of_year),
            income_total: Money::from_fen(self.income_total),
        })
    }
}

/// The asset summary query; the income year is bound as `$n`. Incomes are summed once per
/// asset in a joined aggregate rather than probed twice per row.
fn asset_select(n: u8) -> String {
    format!(
        "SELECT a.id, a.project_id, p.name AS project_name, a.name, a.class, a.owner_kind,
       a.owner_name, h.code AS owner_household, a.division, d.name AS division_name, a.value_fen,
       a.formed_on, a.state, a.operation, a.custody_person, a.version,
       COALESCE(inc.of_year, 0) AS income_of_year, COALESCE(inc.total, 0) AS income_total
  FROM assets a JOIN projects p ON p.id = a.project_id
  LEFT JOIN households h ON h.id = a.owner_household
  LEFT JOIN divisions d ON d.code = a.division
  LEFT JOIN (SELECT asset_id,
                    CAST(SUM(CASE WHEN year = ${n} THEN amount_fen ELSE 0 END) AS BIGINT) AS of_year,
                    CAST(SUM(amount_fen) AS BIGINT) AS total
               FROM asset_incomes GROUP BY asset_id) inc ON inc.asset_id = a.id"
    )
}

/// The conditions of a filtered list ($1–$7), as [`AssetStore::assets`] binds them.
const LIST_WHERE: &str = "a.division BETWEEN $1 AND $2
                   AND ($3 = '' OR a.class = $3) AND ($4 = '' OR a.state = $4)
                   AND ($5 = 0 OR a.project_id = $5) AND ($6 = '' OR a.name LIKE $7)";

/// Flagged operating assets ($1–$2 the area, $3 the year bound in the income join, $4 the
/// least return in basis points, $5 formed before): idle or low-return.
const FLAGGED_WHERE: &str = "a.division BETWEEN $1 AND $2 AND a.class = 'operating'
                   AND a.state = 'in_use' AND a.formed_on < $5
                   AND (COALESCE(inc.of_year, 0) = 0 OR COALESCE(inc.of_year, 0) * 10000 < a.value_fen * $4)";

const COLUMNS: [&str; 18] = [
    "id",
    "project_id",
    "project_name",
    "name",
    "class",
    "owner_kind",
    "owner_name",
    "owner_household",
    "division",
    "division_name",
    "value_fen",
    "formed_on",
    "state",
    "operation",
    "custody_person",
    "version",
    "income_of_year",
    "income_total",
];

type PlanRow = (
    i64,
    i64,
    i64,
    String,
    i64,
    String,
    NaiveDate,
    NaiveDate,
    NaiveDate,
    i64,
    i64,
);

/// What a household is now, for a distribution line: its id, members still in it, 脱贫户 and
/// 监测对象. Written once for the pool and once for a transaction.
macro_rules! recipient_query {
    ($exec:expr, $bind:expr, $col:literal) => {{
        let found: Option<(i64, i64, String, bool)> = sqlx::query_as(concat!(
            "SELECT h.id, (SELECT COUNT(*) FROM persons p WHERE p.household_id = h.id
                              AND p.status = 'in_household'),
                    h.household_type, h.monitored
               FROM households h WHERE h.",
            $col,
            " = $1"
        ))
        .bind($bind)
        .fetch_optional($exec)
        .await
        .map_err(backend)?;
        found.map(|(id, living, kind, monitored)| {
            (
                id,
                RecipientStatus {
                    living,
                    poverty_alleviated: HouseholdType::parse(&kind)
                        == Some(HouseholdType::PovertyAlleviated),
                    monitored,
                },
            )
        })
    }};
}

impl SqlStore {
    /// Household `code` as a recipient of asset income, if it exists.
    async fn recipient(&self, code: &HouseholdCode) -> StoreResult<Option<(i64, RecipientStatus)>> {
        Ok(read!(self, |pool| {
            recipient_query!(pool, code.as_str(), "code")
        }))
    }

    /// Assets the actor may see narrowed by `f`, by id, `limit` of them from `offset`: the one
    /// query behind the whole list and a page of it.
    async fn asset_rows(
        &self,
        actor: &Actor,
        f: &AssetFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<AssetSummary>> {
        self.permit(actor, Permission::ViewRegistry, "项目资产")
            .await?;
        let (lo, hi) = self.area_range(actor, f.within.as_ref()).await?;
        let words = dixian_store::search_words(f.search.as_deref().unwrap_or(""));
        let pattern = format!("%{words}%");
        let designation = crate::designation_binds(f.designation.as_ref());
        let rows: Vec<AssetRow> = json_rows!(
            self,
            AssetRow,
            "项目资产",
            format!(
                "{} WHERE {LIST_WHERE} AND {} ORDER BY a.id LIMIT $9 OFFSET $10",
                asset_select(8),
                crate::designated_sql("a.division", "$11", "$12")
            ),
            COLUMNS,
            |q| q
                .bind(&lo)
                .bind(&hi)
                .bind(f.class.map(|c| c.code()).unwrap_or(""))
                .bind(f.state.map(|s| s.code()).unwrap_or(""))
                .bind(f.project_id.unwrap_or(0))
                .bind(&words)
                .bind(&pattern)
                .bind(i64::from(f.income_year))
                .bind(limit.max(0))
                .bind(offset.max(0))
                .bind(&designation.0)
                .bind(designation.1)
        );
        rows.into_iter().map(AssetRow::summary).collect()
    }

    /// Asset `id` if the actor may act on it with `p`; `None` when unknown or out of sight
    /// (refusal audited).
    async fn visible_asset(
        &self,
        actor: &Actor,
        id: i64,
        p: Permission,
    ) -> StoreResult<Option<AssetSummary>> {
        self.permit(actor, p, &format!("资产#{id}")).await?;
        let row: Option<AssetRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE a.id = $1",
                asset_select(2)
            )))
            .bind(id)
            .bind(0i64)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some(row) = row else { return Ok(None) };
        let asset = row.summary()?;
        if !actor.scope.covers(&asset.division) {
            let _ = self.deny(actor, &format!("资产#{id}")).await;
            return Ok(None);
        }
        Ok(Some(asset))
    }

    /// Plans of the assets matching `where_` (binding `$1`), with lines and steps.
    async fn plans_where(&self, where_: &str, bind: i64) -> StoreResult<Vec<DistributionRecord>> {
        type LineRow = (
            i64,
            i64,
            Option<String>,
            Option<String>,
            String,
            i64,
            String,
        );
        type StepRow = (i64, String, NaiveDate, String, String);
        // (plan, seq, month, paid on, by, line, amount, why stopped)
        type PaidRow = (
            i64,
            i64,
            String,
            NaiveDate,
            String,
            i64,
            i64,
            Option<String>,
        );
        let (plans, lines, steps, paid): (Vec<PlanRow>, Vec<LineRow>, Vec<StepRow>, Vec<PaidRow>) =
            read!(self, |pool| {
                let plans = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT pl.id, pl.asset_id, pl.year, pl.state, pl.total_fen, pl.notice_place,
                        pl.notice_from, pl.notice_to, pl.proposed_on, pl.version, pl.months
                   FROM asset_plans pl JOIN assets a ON a.id = pl.asset_id
                  WHERE {where_} ORDER BY pl.id"
                )))
                .bind(bind)
                .fetch_all(pool)
                .await
                .map_err(backend)?;
                let lines = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT l.plan_id, l.ord, h.code, {}, l.use_code, l.amount_fen, l.note
                       FROM asset_plan_lines l JOIN asset_plans pl ON pl.id = l.plan_id
                       JOIN assets a ON a.id = pl.asset_id
                       LEFT JOIN households h ON h.id = l.household_id
                      WHERE {where_} ORDER BY l.plan_id, l.ord",
                    crate::LIVING_HEAD_NAME
                )))
                .bind(bind)
                .fetch_all(pool)
                .await
                .map_err(backend)?;
                let steps = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT s.plan_id, s.action, s.happened_on, s.note, {}
                       FROM asset_plan_steps s JOIN asset_plans pl ON pl.id = s.plan_id
                       JOIN assets a ON a.id = pl.asset_id
                      WHERE {where_} ORDER BY s.id",
                    crate::shown_name("s.by_name")
                )))
                .bind(bind)
                .fetch_all(pool)
                .await
                .map_err(backend)?;
                let paid = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT po.plan_id, po.seq, po.month, po.paid_on, {}, pl2.line_ord,
                            pl2.amount_fen, pl2.stopped
                       FROM asset_payout_lines pl2 JOIN asset_payouts po ON po.id = pl2.payout_id
                       JOIN asset_plans pl ON pl.id = po.plan_id
                       JOIN assets a ON a.id = pl.asset_id
                      WHERE {where_} ORDER BY po.plan_id, po.seq, pl2.line_ord",
                    crate::shown_name("po.by_name")
                )))
                .bind(bind)
                .fetch_all(pool)
                .await
                .map_err(backend)?;
                (plans, lines, steps, paid)
            });
        // Each plan's rows found by key, not by scanning every row of the year for each plan.
        fn by_plan<T>(rows: &[T], plan: impl Fn(&T) -> i64) -> HashMap<i64, Vec<&T>> {
            let mut out: HashMap<i64, Vec<&T>> = HashMap::new();
            for r in rows {
                out.entry(plan(r)).or_default().push(r);
            }
            out
        }
        let (lines, steps, paid) = (
            by_plan(&lines, |l| l.0),
            by_plan(&steps, |s| s.0),
            by_plan(&paid, |p| p.0),
        );
        plans
            .into_iter()
            .map(
                |(
                    id,
                    asset_id,
                    year,
                    state,
                    total,
                    place,
                    from,
                    to,
                    proposed_on,
                    version,
                    months,
                )| {
                    let mine: &[&PaidRow] = paid.get(&id).map_or(&[], Vec::as_slice);
                    let mut payouts: Vec<PayoutRecord> = Vec::new();
                    for p in mine {
                        let seq = u32::try_from(p.1).map_err(|e| corrupt("发放序号", e))?;
                        if payouts.last().is_none_or(|last| last.seq != seq) {
                            payouts.push(PayoutRecord {
                                seq,
                                month: p.2.clone(),
                                paid_on: p.3,
                                paid: Money::ZERO,
                                stopped: 0,
                                by: p.4.clone(),
                            });
                        }
                        if let Some(last) = payouts.last_mut() {
                            if p.7.is_some() {
                                last.stopped += 1;
                            } else {
                                last.paid = Money::from_fen(last.paid.fen().saturating_add(p.6));
                            }
                        }
                    }
                    Ok(DistributionRecord {
                        id,
                        asset_id,
                        year: i32::try_from(year).map_err(|e| corrupt("收益年度", e))?,
                        state: PlanState::parse(&state)
                            .ok_or_else(|| corrupt("分配方案状态", &state))?,
                        total: Money::from_fen(total),
                        months: u32::try_from(months).map_err(|e| corrupt("发放次数", e))?,
                        payouts,
                        lines: lines
                            .get(&id)
                            .map_or(&[][..], Vec::as_slice)
                            .iter()
                            .map(|(_, ord, code, head, use_code, amount, note)| {
                                let of_line = mine.iter().filter(|p| p.5 == *ord);
                                let paid = of_line
                                    .clone()
                                    .filter(|p| p.7.is_none())
                                    .fold(Money::ZERO, |t, p| {
                                        Money::from_fen(t.fen().saturating_add(p.6))
                                    });
                                let stopped = of_line
                                    .clone()
                                    .find_map(|p| p.7.clone().map(|why| (p.2.clone(), why)));
                                Ok(DistributionLine {
                                    household: code
                                        .as_deref()
                                        .map(|c| {
                                            HouseholdCode::parse(c)
                                                .map_err(|e| corrupt("户编号", e))
                                        })
                                        .transpose()?,
                                    head_name: head.clone().unwrap_or_default(),
                                    use_: DistributionUse::parse(use_code)
                                        .ok_or_else(|| corrupt("分配用途", use_code))?,
                                    amount: Money::from_fen(*amount),
                                    note: note.clone(),
                                    paid,
                                    stopped,
                                })
                            })
                            .collect::<StoreResult<Vec<_>>>()?,
                        notice: Notice { place, from, to },
                        proposed_on,
                        steps: steps
                            .get(&id)
                            .map_or(&[][..], Vec::as_slice)
                            .iter()
                            .map(|(_, action, on, note, by)| {
                                let label = match action.as_str() {
                                    "propose" => "村集体提方案".to_string(),
                                    other => PlanAction::parse(other).map_or_else(
                                        || other.to_string(),
                                        |a| a.label().to_string(),
                                    ),
                                };
                                (label, *on, note.clone(), by.clone())
                            })
                            .collect(),
                        version,
                    })
                },
            )
            .collect()
    }
}

fn ending_row(kind: &str, r: EndingColumns) -> StoreResult<Ending> {
    Ok(if kind == "write_off" {
        Ending::WriteOff {
            reason: r.reason.unwrap_or_default(),
            assessment: r.assessment.unwrap_or_default(),
        }
    } else {
        Ending::Disposal {
            method: r
                .method
                .as_deref()
                .and_then(DisposalMethod::parse)
                .ok_or_else(|| corrupt("处置方式", r.method.as_deref().unwrap_or("")))?,
            path: r
                .path
                .as_deref()
                .and_then(DisposalPath::parse)
                .ok_or_else(|| corrupt("处置程序", r.path.as_deref().unwrap_or("")))?,
            value: Money::from_fen(r.value_fen.unwrap_or(0)),
            proceeds: Money::from_fen(r.proceeds_fen.unwrap_or(0)),
            proceeds_use: r.proceeds_use.unwrap_or_default(),
            decision: r.decision.unwrap_or_default(),
            notice: match (r.notice_place, r.notice_from, r.notice_to) {
                (Some(place), Some(from), Some(to)) => Some(Notice { place, from, to }),
                _ => None,
            },
        }
    })
}

#[derive(sqlx::FromRow)]
struct EndingColumns {
    asset_id: i64,
    kind: String,
    method: Option<String>,
    path: Option<String>,
    value_fen: Option<i64>,
    proceeds_fen: Option<i64>,
    proceeds_use: Option<String>,
    decision: Option<String>,
    notice_place: Option<String>,
    notice_from: Option<NaiveDate>,
    notice_to: Option<NaiveDate>,
    reason: Option<String>,
    assessment: Option<String>,
    happened_on: NaiveDate,
    at: String,
    by_name: String,
}

impl EndingColumns {
    fn record(self) -> StoreResult<(i64, EndingRecord)> {
        let (id, on, at, by, kind) = (
            self.asset_id,
            self.happened_on,
            parse_time("办理时间", &self.at)?,
            self.by_name.clone(),
            self.kind.clone(),
        );
        Ok((
            id,
            EndingRecord {
                ending: ending_row(&kind, self)?,
                on,
                by,
                at,
            },
        ))
    }
}

fn ending_select() -> String {
    format!(
        "SELECT e.asset_id, e.kind, e.method, e.path, e.value_fen, e.proceeds_fen, e.proceeds_use,
            e.decision, e.notice_place, e.notice_from, e.notice_to, e.reason, e.assessment,
            e.happened_on, e.at, {} AS by_name
       FROM asset_endings e",
        crate::shown_name("e.by_name")
    )
}

/// An asset checked against the store's rules, with its cleaned text and owner household.
struct CheckedAsset {
    name: String,
    owner_name: String,
    owner_household: Option<i64>,
    location: String,
    confirm_document: String,
    custody_unit: String,
    custody_person: String,
    custody_duties: String,
    operator: String,
}

/// Inserts asset `$id` (checked as `$v`) in use.
macro_rules! insert_asset {
    ($tx:ident, $id:expr, $a:expr, $v:expr, $now:expr, $actor:expr) => {{
        let (id, a, v): (i64, &NewAsset, &CheckedAsset) = ($id, $a, &$v);
        sqlx::query(
            "INSERT INTO assets (id, project_id, division, name, class, owner_kind, owner_name,
               owner_household, value_fen, location, formed_on, confirmed_on, confirm_document,
               custody_unit, custody_person, custody_duties, operation, operator, state, version,
               created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
               $17, $18, 'in_use', 1, $19, $20)",
        )
        .bind(id)
        .bind(a.project_id)
        .bind(a.division.as_str())
        .bind(&v.name)
        .bind(a.class.code())
        .bind(a.owner_kind.code())
        .bind(&v.owner_name)
        .bind(v.owner_household)
        .bind(a.value.fen())
        .bind(&v.location)
        .bind(a.formed_on)
        .bind(a.confirmed_on)
        .bind(&v.confirm_document)
        .bind(&v.custody_unit)
        .bind(&v.custody_person)
        .bind(&v.custody_duties)
        .bind(a.operation.map(|o| o.code()))
        .bind(&v.operator)
        .bind(&$now)
        .bind(&$actor.name)
        .execute(&mut *$tx)
        .await
        .map_err(backend)?;
    }};
}

impl SqlStore {
    /// Checks an asset to register or import against the store's rules.
    async fn checked_asset(&self, actor: &Actor, a: &NewAsset) -> StoreResult<CheckedAsset> {
        let Some(project) = self.visible_project_for_assets(actor, a.project_id).await? else {
            return Err(StoreError::Invalid(format!("项目#{}不存在", a.project_id)));
        };
        if !project.1.completed() {
            return Err(StoreError::Invalid(format!(
                "项目“{}”当前{}，完工后才能登记资产（资产来自完工项目的移交清单）",
                project.0,
                project.1.label()
            )));
        }
        if !actor.scope.covers(&a.division) {
            return Err(self.deny(actor, a.division.as_str()).await);
        }
        if !a.division.is_within(&project.2) {
            return Err(StoreError::Invalid(format!(
                "资产所在地{}不在项目“{}”的地点之内",
                a.division, project.0
            )));
        }
        if a.division.level() < DivisionLevel::Town {
            return Err(StoreError::Invalid("资产所在地应为村或乡镇".into()));
        }
        let name = text(&a.name, 60, "请填写资产名称（不超过60字）")?;
        let owner_name = optional_text(&a.owner_name, 60, "所有权人")?;
        let location = optional_text(&a.location, 100, "坐落位置")?;
        let confirm_document = optional_text(&a.confirm_document, 100, "确权文件")?;
        let custody_unit = optional_text(&a.custody_unit, 60, "管护单位")?;
        let custody_person = optional_text(&a.custody_person, 30, "管护责任人")?;
        let custody_duties = optional_text(&a.custody_duties, 300, "管护职责")?;
        let operator = optional_text(&a.operator, 60, "经营主体")?;
        if let Some(m) = a.value.entry_problem("资产价值") {
            return Err(StoreError::Invalid(m));
        }
        let household_owned = a.class == AssetClass::Household;
        if household_owned != (a.owner_kind == OwnerKind::Household) {
            return Err(StoreError::Invalid(
                "到户类资产归农户所有；其他类别的资产不能登记在农户名下".into(),
            ));
        }
        let owner_household = match (&a.owner_household, household_owned) {
            (Some(code), true) => {
                self.household_in_scope(actor, code, Permission::ViewRegistry)
                    .await?;
                let hid: Option<i64> = read!(self, |pool| {
                    sqlx::query_scalar("SELECT id FROM households WHERE code = $1")
                        .bind(code.as_str())
                        .fetch_optional(pool)
                        .await
                        .map_err(backend)?
                });
                Some(hid.ok_or_else(|| StoreError::Invalid(format!("户编号{code}不存在")))?)
            }
            (None, true) => {
                return Err(StoreError::Invalid(
                    "到户类资产须填写所属农户的户编号".into(),
                ));
            }
            (_, false) => None,
        };
        if owner_name.is_empty() && !household_owned {
            return Err(StoreError::Invalid(
                "请填写所有权人（如某村股份经济合作社）".into(),
            ));
        }
        if a.class == AssetClass::Operating && a.operation.is_none() {
            return Err(StoreError::Invalid(
                "经营性资产须写明经营方式（自主经营、承包、托管、租赁或合作经营）".into(),
            ));
        }
        Ok(CheckedAsset {
            name,
            owner_name,
            owner_household,
            location,
            confirm_document,
            custody_unit,
            custody_person,
            custody_duties,
            operator,
        })
    }
}

#[async_trait]
impl AssetStore for SqlStore {
    async fn add_asset(&self, actor: &Actor, a: &NewAsset) -> StoreResult<i64> {
        let v = self.checked_asset(actor, a).await?;
        let detail = serde_json::json!({
            "project": a.project_id, "name": v.name, "class": a.class.code(),
            "value_fen": a.value.fen(), "division": a.division.as_str(),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            let id: i64 = allocate!(tx, "assets", 1i64);
            insert_asset!(tx, id, a, v, now, actor);
            audit_in!(tx, actor, "asset.create", &format!("资产#{id}"), &detail);
            id
        });
        Ok(id)
    }

    async fn import_assets(&self, actor: &Actor, assets: &[NewAsset]) -> StoreResult<Vec<i64>> {
        if !matches!(
            actor.role,
            None | Some(Role::CountyAdmin | Role::TownReviewer)
        ) {
            return Err(self.deny(actor, "资产台账导入").await);
        }
        let mut checked = Vec::with_capacity(assets.len());
        for (n, a) in assets.iter().enumerate() {
            checked.push(self.checked_asset(actor, a).await.map_err(|e| match e {
                StoreError::Invalid(m) => StoreError::Invalid(format!("第{}个资产：{m}", n + 1)),
                other => other,
            })?);
        }
        let detail = serde_json::json!({ "assets": assets.len() }).to_string();
        let now = audit::timestamp(Utc::now());
        let ids = write_tx!(self, |tx| {
            let n = i64::try_from(assets.len()).unwrap_or(i64::MAX);
            let first: i64 = allocate!(tx, "assets", n);
            for (id, (a, v)) in (first..).zip(assets.iter().zip(&checked)) {
                insert_asset!(tx, id, a, v, now, actor);
            }
            audit_in!(tx, actor, "asset.import", "项目资产", &detail);
            (first..first + n).collect::<Vec<i64>>()
        });
        Ok(ids)
    }

    async fn assets(&self, actor: &Actor, f: &AssetFilter) -> StoreResult<Vec<AssetSummary>> {
        self.asset_rows(actor, f, 0, i64::MAX).await
    }

    async fn asset(&self, actor: &Actor, id: i64) -> StoreResult<Option<AssetFile>> {
        let Some(asset) = self
            .visible_asset(actor, id, Permission::ViewRegistry)
            .await?
        else {
            return Ok(None);
        };
        type More = (
            String,
            Option<NaiveDate>,
            String,
            String,
            String,
            String,
            String,
        );
        type IncomeRow = (i64, i64, String, i64, NaiveDate, String, String);
        let (more, incomes, ending): (More, Vec<IncomeRow>, Option<EndingColumns>) =
            read!(self, |pool| {
                let more = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT location, confirmed_on, confirm_document, custody_unit, custody_duties,
                            operator, {} FROM assets WHERE id = $1",
                    crate::shown_name("created_by")
                )))
                .bind(id)
                .fetch_one(pool)
                .await
                .map_err(backend)?;
                let incomes = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT id, year, kind, amount_fen, received_on, note, {} FROM asset_incomes
                      WHERE asset_id = $1 ORDER BY year, id",
                    crate::shown_name("by_name")
                )))
                .bind(id)
                .fetch_all(pool)
                .await
                .map_err(backend)?;
                let ending = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{} WHERE e.asset_id = $1",
                    ending_select()
                )))
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(backend)?;
                (more, incomes, ending)
            });
        let incomes = incomes
            .into_iter()
            .map(|(iid, year, kind, amount, on, note, by)| {
                Ok(IncomeRecord {
                    id: iid,
                    year: i32::try_from(year).map_err(|e| corrupt("收益年度", e))?,
                    kind: IncomeKind::parse(&kind).ok_or_else(|| corrupt("收益类型", &kind))?,
                    amount: Money::from_fen(amount),
                    received_on: on,
                    note,
                    by,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let plans = self.plans_where("pl.asset_id = $1", id).await?;
        Ok(Some(AssetFile {
            asset,
            location: more.0,
            confirmed_on: more.1,
            confirm_document: more.2,
            custody_unit: more.3,
            custody_duties: more.4,
            operator: more.5,
            created_by_name: more.6,
            incomes,
            plans,
            ending: ending.map(|e| e.record().map(|(_, r)| r)).transpose()?,
        }))
    }

    async fn add_income(&self, actor: &Actor, i: &NewIncome) -> StoreResult<i64> {
        let Some(asset) = self
            .visible_asset(actor, i.asset_id, Permission::HandleCases)
            .await?
        else {
            return Err(StoreError::Invalid(format!("资产#{}不存在", i.asset_id)));
        };
        if asset.class != AssetClass::Operating {
            return Err(StoreError::Invalid(format!(
                "“{}”是{}，只有经营性资产登记收益",
                asset.name,
                asset.class.label()
            )));
        }
        if asset.state != AssetState::InUse {
            return Err(StoreError::Invalid(format!(
                "“{}”{}，不能再登记收益",
                asset.name,
                asset.state.label()
            )));
        }
        if let Some(m) = i.amount.entry_problem("收益金额") {
            return Err(StoreError::Invalid(m));
        }
        if !matches!(
            actor.role,
            None | Some(Role::VillageOfficer | Role::TownReviewer | Role::CountyAdmin)
        ) {
            return Err(self.deny(actor, &format!("资产#{}", i.asset_id)).await);
        }
        let note = optional_text(&i.note, 200, "说明")?;
        let detail = serde_json::json!({
            "asset": i.asset_id, "year": i.year, "kind": i.kind.code(), "amount_fen": i.amount.fen(),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            let id: i64 = allocate!(tx, "asset_incomes", 1i64);
            sqlx::query(
                "INSERT INTO asset_incomes (id, asset_id, year, kind, amount_fen, received_on, note, at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(i.asset_id)
            .bind(i64::from(i.year))
            .bind(i.kind.code())
            .bind(i.amount.fen())
            .bind(i.received_on)
            .bind(&note)
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            audit_in!(
                tx,
                actor,
                "asset.income",
                &format!("资产#{}", i.asset_id),
                &detail
            );
            id
        });
        Ok(id)
    }

    async fn propose_distribution(
        &self,
        actor: &Actor,
        plan: &NewDistribution,
    ) -> StoreResult<i64> {
        let Some(asset) = self
            .visible_asset(actor, plan.asset_id, Permission::HandleCases)
            .await?
        else {
            return Err(StoreError::Invalid(format!("资产#{}不存在", plan.asset_id)));
        };
        if !matches!(
            actor.role,
            None | Some(Role::VillageOfficer | Role::TownReviewer | Role::CountyAdmin)
        ) {
            return Err(self.deny(actor, &format!("资产#{}", plan.asset_id)).await);
        }
        if asset.owner_kind != OwnerKind::Collective {
            return Err(StoreError::Invalid(
                "只有村集体所有的资产收益由村集体提出分配方案".into(),
            ));
        }
        if !(1..=12).contains(&plan.months) {
            return Err(StoreError::Invalid(format!(
                "发放次数应为1到12次，填了{}次",
                plan.months
            )));
        }
        if plan.lines.is_empty() || plan.lines.len() > MAX_PLAN_LINES {
            return Err(StoreError::Invalid(format!(
                "分配方案应有1到{MAX_PLAN_LINES}行，现有{}行",
                plan.lines.len()
            )));
        }
        let mut rows = Vec::with_capacity(plan.lines.len());
        let mut total = 0i64;
        for (n, l) in plan.lines.iter().enumerate() {
            if let Some(m) = l.amount.entry_problem("金额") {
                return Err(StoreError::Invalid(format!("第{}行{m}", n + 1)));
            }
            total = total.saturating_add(l.amount.fen());
            let hid = match &l.household {
                Some(code) => {
                    self.household_in_scope(actor, code, Permission::ViewRegistry)
                        .await?;
                    // With the count of members still living in the household: income is not
                    // paid to a household whose members have all died or moved away.
                    let (hid, status) = self.recipient(code).await?.ok_or_else(|| {
                        StoreError::Invalid(format!("第{}行户编号{code}不存在", n + 1))
                    })?;
                    if let Some(why) = stop_reason(l.use_, status, &plan.targeted) {
                        return Err(StoreError::Invalid(format!(
                            "第{}行：户{code}{why}，不能列入分配方案",
                            n + 1
                        )));
                    }
                    Some(hid)
                }
                None if l.use_ == DistributionUse::PublicWorks => None,
                None => {
                    return Err(StoreError::Invalid(format!(
                        "第{}行“{}”须填写受益农户的户编号",
                        n + 1,
                        l.use_.label()
                    )));
                }
            };
            rows.push((hid, l));
        }
        if plan.notice.to < plan.notice.from || plan.notice.place.trim().is_empty() {
            return Err(StoreError::Invalid(
                "请填写分配方案的公示地点和起止日期".into(),
            ));
        }
        let detail = serde_json::json!({
            "asset": plan.asset_id, "year": plan.year, "lines": rows.len(), "total_fen": total,
            "months": plan.months,
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            // Lock the asset first, so two plans at once cannot both fit the year's income.
            sqlx::query("UPDATE assets SET version = version WHERE id = $1")
                .bind(plan.asset_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            let (income, already): (i64, i64) = sqlx::query_as(
                "SELECT COALESCE((SELECT CAST(SUM(amount_fen) AS BIGINT) FROM asset_incomes
                                   WHERE asset_id = $1 AND year = $2), 0),
                        COALESCE((SELECT CAST(SUM(total_fen) AS BIGINT) FROM asset_plans
                                   WHERE asset_id = $1 AND year = $2 AND state <> 'returned'), 0)",
            )
            .bind(plan.asset_id)
            .bind(i64::from(plan.year))
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
            if let Some(m) = distribution_problem(
                Money::from_fen(income),
                Money::from_fen(already),
                Money::from_fen(total),
            ) {
                return Err(StoreError::Invalid(format!("{}年{m}", plan.year)));
            }
            let id: i64 = allocate!(tx, "asset_plans", 1i64);
            sqlx::query(
                "INSERT INTO asset_plans (id, asset_id, year, state, total_fen, notice_place,
                   notice_from, notice_to, proposed_on, stage_on, version, months)
                 VALUES ($1, $2, $3, 'proposed', $4, $5, $6, $7, $8, $8, 1, $9)",
            )
            .bind(id)
            .bind(plan.asset_id)
            .bind(i64::from(plan.year))
            .bind(total)
            .bind(plan.notice.place.trim())
            .bind(plan.notice.from)
            .bind(plan.notice.to)
            .bind(plan.proposed_on)
            .bind(i64::from(plan.months))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            for (ord, (hid, l)) in rows.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO asset_plan_lines (plan_id, ord, household_id, use_code, amount_fen, note)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(i64::try_from(ord).unwrap_or(i64::MAX))
                .bind(*hid)
                .bind(l.use_.code())
                .bind(l.amount.fen())
                .bind(l.note.trim())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            let sid: i64 = allocate!(tx, "asset_plan_steps", 1i64);
            sqlx::query(
                "INSERT INTO asset_plan_steps (id, plan_id, action, happened_on, note, at, by_name)
                 VALUES ($1, $2, 'propose', $3, '', $4, $5)",
            )
            .bind(sid)
            .bind(id)
            .bind(plan.proposed_on)
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            audit_in!(
                tx,
                actor,
                "asset.plan",
                &format!("资产#{}", plan.asset_id),
                &detail
            );
            id
        });
        Ok(id)
    }

    async fn record_payout(
        &self,
        actor: &Actor,
        plan_id: i64,
        month: &str,
        paid_on: NaiveDate,
        targeted: &[DistributionUse],
    ) -> StoreResult<PayoutRecord> {
        let target = format!("分配方案#{plan_id}");
        // Who may not pay is told so before anything about the plan is read.
        self.permit(actor, Permission::HandleCases, &target).await?;
        if !matches!(
            actor.role,
            None | Some(Role::VillageOfficer | Role::TownReviewer | Role::CountyAdmin)
        ) {
            return Err(self.deny(actor, &target).await);
        }
        let found: Option<(i64, String, i64, i64, NaiveDate)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT asset_id, state, months, year, stage_on FROM asset_plans WHERE id = $1",
            )
            .bind(plan_id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some((asset_id, state, months, year, filed_on)) = found else {
            return Err(StoreError::Invalid(format!("分配方案#{plan_id}不存在")));
        };
        if self
            .visible_asset(actor, asset_id, Permission::HandleCases)
            .await?
            .is_none()
        {
            return Err(StoreError::Invalid(format!("分配方案#{plan_id}不存在")));
        }
        if state != PlanState::Filed.code() {
            return Err(StoreError::Invalid(
                "分配方案尚未县级备案，不能发放：应先经乡镇审批、县级备案".into(),
            ));
        }
        let Some(first_day) = payout_month(month) else {
            return Err(StoreError::Invalid(format!(
                "发放月份“{month}”应写成如2026-07的年月"
            )));
        };
        if first_day > paid_on {
            return Err(StoreError::Invalid(format!(
                "发放月份{month}晚于发放日期{paid_on}：不能预先登记以后月份的发放"
            )));
        }
        if paid_on < filed_on {
            return Err(StoreError::Invalid(format!(
                "发放日期{paid_on}早于县级备案日期{filed_on}"
            )));
        }
        if i64::from(chrono::Datelike::year(&first_day)) < year {
            return Err(StoreError::Invalid(format!(
                "发放月份{month}早于收益年度{year}年"
            )));
        }
        let detail_base = serde_json::json!({ "plan": plan_id, "month": month });
        let now = audit::timestamp(Utc::now());
        let record = write_tx!(self, |tx| {
            // Lock the plan, so two payouts at once cannot take the same turn.
            sqlx::query("UPDATE asset_plans SET version = version WHERE id = $1")
                .bind(plan_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            let (done, last, last_paid): (i64, Option<String>, Option<NaiveDate>) = sqlx::query_as(
                "SELECT COUNT(*), MAX(month), MAX(paid_on) FROM asset_payouts WHERE plan_id = $1",
            )
            .bind(plan_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
            if done >= months {
                return Err(StoreError::Invalid(format!(
                    "分配方案分{months}次发放，已全部发放完毕"
                )));
            }
            if let Some(last) = last.filter(|l| l.as_str() >= month) {
                return Err(StoreError::Invalid(format!(
                    "发放月份{month}不晚于上次发放的{last}：每月最多发放一次，按月份先后登记"
                )));
            }
            if let Some(before) = last_paid.filter(|d| *d > paid_on) {
                return Err(StoreError::Invalid(format!(
                    "发放日期{paid_on}早于上次发放的日期{before}"
                )));
            }
            let seq = done + 1;
            let lines: Vec<(i64, Option<i64>, String, i64)> = sqlx::query_as(
                "SELECT ord, household_id, use_code, amount_fen FROM asset_plan_lines
                  WHERE plan_id = $1 ORDER BY ord",
            )
            .bind(plan_id)
            .fetch_all(&mut *tx)
            .await
            .map_err(backend)?;
            let stopped_before: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT l.line_ord FROM asset_payout_lines l
                   JOIN asset_payouts p ON p.id = l.payout_id
                  WHERE p.plan_id = $1 AND l.stopped IS NOT NULL",
            )
            .bind(plan_id)
            .fetch_all(&mut *tx)
            .await
            .map_err(backend)?;
            let pid: i64 = allocate!(tx, "asset_payouts", 1i64);
            sqlx::query(
                "INSERT INTO asset_payouts (id, plan_id, seq, month, paid_on, at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(pid)
            .bind(plan_id)
            .bind(seq)
            .bind(month)
            .bind(paid_on)
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            let mut paid = 0i64;
            let mut paid_lines = 0usize;
            let mut stopped = 0i64;
            let k = u32::try_from(seq).unwrap_or(u32::MAX);
            let m = u32::try_from(months).unwrap_or(1);
            for (ord, household, use_code, amount) in lines {
                // A stopped line stays stopped.
                if stopped_before.contains(&ord) {
                    continue;
                }
                let use_ = DistributionUse::parse(&use_code)
                    .ok_or_else(|| corrupt("分配用途", &use_code))?;
                let why = match household {
                    Some(hid) => {
                        let status = recipient_query!(&mut *tx, hid, "id");
                        match status {
                            Some((_, status)) => stop_reason(use_, status, targeted),
                            None => Some("户已注销".to_string()),
                        }
                    }
                    None => None,
                };
                let part = installment(Money::from_fen(amount), m, k).fen();
                if why.is_some() {
                    stopped += 1;
                } else {
                    paid = paid.saturating_add(part);
                    paid_lines += 1;
                }
                sqlx::query(
                    "INSERT INTO asset_payout_lines (payout_id, line_ord, amount_fen, stopped)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(pid)
                .bind(ord)
                .bind(if why.is_some() { 0 } else { part })
                .bind(why)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            // A payout that pays no line is not a payout: nothing is written.
            if paid_lines == 0 {
                return Err(StoreError::Invalid(
                    "本次没有可发放的行：方案中各户均已停发（户内无在户成员或已不符合条件），也没有村内公益事业：无需再登记发放"
                        .into(),
                ));
            }
            let mut detail = detail_base.clone();
            detail["paid_fen"] = serde_json::json!(paid);
            detail["stopped"] = serde_json::json!(stopped);
            audit_in!(tx, actor, "asset.payout", &target, &detail.to_string());
            PayoutRecord {
                seq: k,
                month: month.to_string(),
                paid_on,
                paid: Money::from_fen(paid),
                stopped,
                by: actor.name.clone(),
            }
        });
        Ok(record)
    }

    async fn advance_distribution(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        action: PlanAction,
        on: NaiveDate,
        note: &str,
    ) -> StoreResult<()> {
        let found: Option<(i64, String, NaiveDate, i64)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT asset_id, state, stage_on, version FROM asset_plans WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some((asset_id, state, stage_on, current)) = found else {
            return Err(StoreError::Invalid(format!("分配方案#{id}不存在")));
        };
        if self
            .visible_asset(actor, asset_id, Permission::HandleCases)
            .await?
            .is_none()
        {
            return Err(StoreError::Invalid(format!("分配方案#{id}不存在")));
        }
        let state = PlanState::parse(&state).ok_or_else(|| corrupt("分配方案状态", &state))?;
        let target = format!("分配方案#{id}");
        if !action.permitted(actor.role, state) {
            return Err(self
                .refuse(
                    actor,
                    &target,
                    serde_json::json!({ "action": action.code() }),
                )
                .await);
        }
        let next = action.apply(state).map_err(StoreError::Invalid)?;
        if current != version {
            return Err(StoreError::Conflict(
                "分配方案已被他人办理，请刷新页面后重新办理".into(),
            ));
        }
        if on < stage_on {
            return Err(StoreError::Invalid(format!(
                "办理日期{on}早于上一步的日期{stage_on}"
            )));
        }
        let note = optional_text(note, 300, "意见")?;
        if action == PlanAction::Return && note.is_empty() {
            return Err(StoreError::Invalid("退回须写明原因".into()));
        }
        let detail =
            serde_json::json!({ "action": action.code(), "on": on.to_string() }).to_string();
        let now = audit::timestamp(Utc::now());
        write_tx!(self, |tx| {
            let changed = sqlx::query(
                "UPDATE asset_plans SET state = $1, stage_on = $2, version = version + 1
                  WHERE id = $3 AND version = $4",
            )
            .bind(next.code())
            .bind(on)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
            if changed != 1 {
                return Err(StoreError::Conflict(
                    "分配方案已被他人办理，请刷新页面后重新办理".into(),
                ));
            }
            let sid: i64 = allocate!(tx, "asset_plan_steps", 1i64);
            sqlx::query(
                "INSERT INTO asset_plan_steps (id, plan_id, action, happened_on, note, at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(sid)
            .bind(id)
            .bind(action.code())
            .bind(on)
            .bind(&note)
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            audit_in!(tx, actor, "asset.plan_step", &target, &detail);
        });
        Ok(())
    }

    async fn end_asset(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        ending: &Ending,
        on: NaiveDate,
    ) -> StoreResult<()> {
        let target = format!("资产#{id}");
        let Some(asset) = self
            .visible_asset(actor, id, Permission::HandleCases)
            .await?
        else {
            return Err(StoreError::Invalid(format!("资产#{id}不存在")));
        };
        // The village proposes; recording the decided disposal or write-off is the county's
        // or the town's.
        if !matches!(
            actor.role,
            None | Some(Role::CountyAdmin | Role::TownReviewer)
        ) {
            return Err(self.deny(actor, &target).await);
        }
        if asset.state != AssetState::InUse {
            return Err(StoreError::Invalid(format!(
                "“{}”{}，不能再处置或核销",
                asset.name,
                asset.state.label()
            )));
        }
        if asset.version != version {
            return Err(StoreError::Conflict(
                "资产已被他人办理，请刷新页面后重新办理".into(),
            ));
        }
        let (state, kind) = match ending {
            Ending::Disposal {
                path,
                notice,
                decision,
                proceeds_use,
                ..
            } => {
                text(
                    decision,
                    100,
                    "请填写处置的决议或审批文件（村民大会决议、审批文号）",
                )?;
                text(
                    proceeds_use,
                    100,
                    "请写明处置收入的用途（重新安排用于巩固拓展脱贫攻坚成果和乡村振兴）",
                )?;
                if *path == DisposalPath::Simplified && notice.is_none() {
                    return Err(StoreError::Invalid(
                        "简化程序处置须经公示无异议：请填写公示地点和起止日期".into(),
                    ));
                }
                if ["分给", "分配给成员", "发给村民", "分红给"]
                    .iter()
                    .any(|w| proceeds_use.contains(w))
                {
                    return Err(StoreError::Invalid(
                        "村集体资产的处置收入应重新安排用于巩固拓展脱贫攻坚成果和乡村产业振兴，不得分配给集体经济组织成员".into(),
                    ));
                }
                (AssetState::Disposed, "disposal")
            }
            Ending::WriteOff { reason, assessment } => {
                text(reason, 200, "请写明核销原因（如自然灾害等不可抗力）")?;
                text(
                    assessment,
                    200,
                    "核销须有专业技术鉴定意见或法定资质中介机构的专项报告：请填写其名称和文号",
                )?;
                (AssetState::WrittenOff, "write_off")
            }
        };
        let detail = serde_json::json!({ "kind": kind, "on": on.to_string() }).to_string();
        let now = audit::timestamp(Utc::now());
        write_tx!(self, |tx| {
            let changed = sqlx::query(
                "UPDATE assets SET state = $1, version = version + 1 WHERE id = $2 AND version = $3",
            )
            .bind(state.code())
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
            if changed != 1 {
                return Err(StoreError::Conflict(
                    "资产已被他人办理，请刷新页面后重新办理".into(),
                ));
            }
            let q = sqlx::query(
                "INSERT INTO asset_endings (asset_id, kind, method, path, value_fen, proceeds_fen,
                   proceeds_use, decision, notice_place, notice_from, notice_to, reason, assessment,
                   happened_on, at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            )
            .bind(id)
            .bind(kind);
            let q = match ending {
                Ending::Disposal {
                    method,
                    path,
                    value,
                    proceeds,
                    proceeds_use,
                    decision,
                    notice,
                } => q
                    .bind(Some(method.code()))
                    .bind(Some(path.code()))
                    .bind(Some(value.fen()))
                    .bind(Some(proceeds.fen()))
                    .bind(Some(proceeds_use.trim().to_string()))
                    .bind(Some(decision.trim().to_string()))
                    .bind(notice.as_ref().map(|n| n.place.trim().to_string()))
                    .bind(notice.as_ref().map(|n| n.from))
                    .bind(notice.as_ref().map(|n| n.to))
                    .bind(None::<String>)
                    .bind(None::<String>),
                Ending::WriteOff { reason, assessment } => q
                    .bind(None::<&str>)
                    .bind(None::<&str>)
                    .bind(None::<i64>)
                    .bind(None::<i64>)
                    .bind(None::<String>)
                    .bind(None::<String>)
                    .bind(None::<String>)
                    .bind(None::<NaiveDate>)
                    .bind(None::<NaiveDate>)
                    .bind(Some(reason.trim().to_string()))
                    .bind(Some(assessment.trim().to_string())),
            };
            q.bind(on)
                .bind(&now)
                .bind(&actor.name)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            audit_in!(tx, actor, "asset.end", &target, &detail);
        });
        Ok(())
    }

    async fn ended_assets(&self, actor: &Actor) -> StoreResult<Vec<EndedAsset>> {
        let assets = self.assets(actor, &AssetFilter::default()).await?;
        let rows: Vec<EndingColumns> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} ORDER BY e.happened_on, e.asset_id",
                ending_select()
            )))
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        let mut out = Vec::new();
        for r in rows {
            let (id, ending) = r.record()?;
            if let Some(a) = assets.iter().find(|a| a.id == id) {
                out.push(EndedAsset {
                    asset: a.clone(),
                    ending,
                });
            }
        }
        Ok(out)
    }

    async fn distributions(
        &self,
        actor: &Actor,
        year: i32,
    ) -> StoreResult<Vec<(AssetSummary, DistributionRecord)>> {
        let assets = self
            .assets(
                actor,
                &AssetFilter {
                    income_year: year,
                    ..AssetFilter::default()
                },
            )
            .await?;
        let plans = self.plans_where("pl.year = $1", i64::from(year)).await?;
        Ok(plans
            .into_iter()
            .filter_map(|p| {
                assets
                    .iter()
                    .find(|a| a.id == p.asset_id)
                    .map(|a| (a.clone(), p))
            })
            .collect())
    }

    async fn asset_page(
        &self,
        actor: &Actor,
        f: &AssetFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<(Vec<AssetSummary>, i64)> {
        let rows = self
            .asset_rows(actor, f, offset, limit.clamp(1, 1_000))
            .await?;
        let (lo, hi) = self.area_range(actor, f.within.as_ref()).await?;
        let words = dixian_store::search_words(f.search.as_deref().unwrap_or(""));
        let pattern = format!("%{words}%");
        let designation = crate::designation_binds(f.designation.as_ref());
        let total: i64 = read!(self, |pool| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM assets a WHERE {LIST_WHERE} AND {}",
                crate::designated_sql("a.division", "$8", "$9")
            )))
            .bind(&lo)
            .bind(&hi)
            .bind(f.class.map(|c| c.code()).unwrap_or(""))
            .bind(f.state.map(|s| s.code()).unwrap_or(""))
            .bind(f.project_id.unwrap_or(0))
            .bind(&words)
            .bind(&pattern)
            .bind(&designation.0)
            .bind(designation.1)
            .fetch_one(pool)
            .await
            .map_err(backend)?
        });
        Ok((rows, total))
    }

    async fn asset_figures(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
        year: i32,
        low_return_bp: u32,
        formed_before: NaiveDate,
    ) -> StoreResult<AssetFigures> {
        self.permit(actor, Permission::ViewRegistry, "项目资产")
            .await?;
        let (lo, hi) = self.area_range(actor, within).await?;
        type ClassRow = (String, i64, i64, i64);
        let (classes, flagged, ended, distributed): (Vec<ClassRow>, i64, i64, i64) = read!(
            self,
            |pool| {
                let classes = sqlx::query_as(
                    "SELECT a.class, COUNT(*), CAST(SUM(a.value_fen) AS BIGINT),
                            CAST(COALESCE(SUM(i.amount_fen), 0) AS BIGINT)
                       FROM assets a
                       LEFT JOIN (SELECT asset_id, SUM(amount_fen) AS amount_fen FROM asset_incomes
                                   WHERE year = $3 GROUP BY asset_id) i ON i.asset_id = a.id
                      WHERE a.division BETWEEN $1 AND $2 AND a.state = 'in_use'
                      GROUP BY a.class",
                )
                .bind(&lo)
                .bind(&hi)
                .bind(i64::from(year))
                .fetch_all(pool)
                .await
                .map_err(backend)?;
                let flagged = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM assets a
                       LEFT JOIN (SELECT asset_id, CAST(SUM(amount_fen) AS BIGINT) AS of_year
                                    FROM asset_incomes WHERE year = $3 GROUP BY asset_id) inc
                         ON inc.asset_id = a.id
                      WHERE {FLAGGED_WHERE}"
                )))
                .bind(&lo)
                .bind(&hi)
                .bind(i64::from(year))
                .bind(i64::from(low_return_bp))
                .bind(formed_before)
                .fetch_one(pool)
                .await
                .map_err(backend)?;
                let ended = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM assets a
                      WHERE a.division BETWEEN $1 AND $2 AND a.state <> 'in_use'",
                )
                .bind(&lo)
                .bind(&hi)
                .fetch_one(pool)
                .await
                .map_err(backend)?;
                let distributed = sqlx::query_scalar(
                    "SELECT CAST(COALESCE(SUM(pl.total_fen), 0) AS BIGINT)
                       FROM asset_plans pl JOIN assets a ON a.id = pl.asset_id
                      WHERE a.division BETWEEN $1 AND $2 AND pl.year = $3 AND pl.state <> 'returned'",
                )
                .bind(&lo)
                .bind(&hi)
                .bind(i64::from(year))
                .fetch_one(pool)
                .await
                .map_err(backend)?;
                (classes, flagged, ended, distributed)
            }
        );
        Ok(AssetFigures {
            classes: AssetClass::ALL
                .iter()
                .map(|c| {
                    let found = classes.iter().find(|r| r.0 == c.code());
                    (
                        *c,
                        found.map_or(0, |r| r.1),
                        Money::from_fen(found.map_or(0, |r| r.2)),
                        Money::from_fen(found.map_or(0, |r| r.3)),
                    )
                })
                .collect(),
            flagged,
            ended,
            distributed: Money::from_fen(distributed),
        })
    }

    async fn flagged_assets(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
        year: i32,
        low_return_bp: u32,
        formed_before: NaiveDate,
    ) -> StoreResult<Vec<AssetSummary>> {
        self.permit(actor, Permission::ViewRegistry, "项目资产")
            .await?;
        let (lo, hi) = self.area_range(actor, within).await?;
        let rows: Vec<AssetRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE {FLAGGED_WHERE} ORDER BY a.id LIMIT 2000",
                asset_select(3)
            )))
            .bind(&lo)
            .bind(&hi)
            .bind(i64::from(year))
            .bind(i64::from(low_return_bp))
            .bind(formed_before)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter().map(AssetRow::summary).collect()
    }

    async fn household_assets(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
    ) -> StoreResult<HouseholdAssets> {
        self.household_visible(actor, code, Permission::ViewRegistry)
            .await?;
        let owned: Vec<AssetRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE h.code = $1 ORDER BY a.id",
                asset_select(2)
            )))
            .bind(code.as_str())
            .bind(0i64)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        type ReceivedRow = (
            i64,
            String,
            i64,
            String,
            i64,
            String,
            i64,
            Option<String>,
            Option<String>,
        );
        let received: Vec<ReceivedRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT a.id, a.name, pl.year, l.use_code, l.amount_fen, pl.state,
                        COALESCE((SELECT CAST(SUM(o.amount_fen) AS BIGINT)
                                    FROM asset_payout_lines o JOIN asset_payouts p ON p.id = o.payout_id
                                   WHERE p.plan_id = l.plan_id AND o.line_ord = l.ord
                                     AND o.stopped IS NULL), 0),
                        (SELECT p.month FROM asset_payout_lines o JOIN asset_payouts p ON p.id = o.payout_id
                          WHERE p.plan_id = l.plan_id AND o.line_ord = l.ord AND o.stopped IS NOT NULL
                          ORDER BY p.seq LIMIT 1),
                        (SELECT o.stopped FROM asset_payout_lines o JOIN asset_payouts p ON p.id = o.payout_id
                          WHERE p.plan_id = l.plan_id AND o.line_ord = l.ord AND o.stopped IS NOT NULL
                          ORDER BY p.seq LIMIT 1)
                   FROM asset_plan_lines l JOIN asset_plans pl ON pl.id = l.plan_id
                   JOIN assets a ON a.id = pl.asset_id JOIN households h ON h.id = l.household_id
                  WHERE h.code = $1 ORDER BY pl.year DESC, pl.id DESC",
            )
            .bind(code.as_str())
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        Ok(HouseholdAssets {
            owned: owned
                .into_iter()
                .map(AssetRow::summary)
                .collect::<StoreResult<_>>()?,
            received: received
                .into_iter()
                .map(
                    |(id, name, year, use_code, amount, state, paid, month, why)| {
                        Ok(ReceivedIncome {
                            asset_id: id,
                            asset_name: name,
                            year: i32::try_from(year).map_err(|e| corrupt("收益年度", e))?,
                            use_: DistributionUse::parse(&use_code)
                                .ok_or_else(|| corrupt("分配用途", &use_code))?,
                            amount: Money::from_fen(amount),
                            state: PlanState::parse(&state)
                                .ok_or_else(|| corrupt("分配方案状态", &state))?,
                            paid: Money::from_fen(paid),
                            stopped: month.zip(why),
                        })
                    },
                )
                .collect::<StoreResult<_>>()?,
        })
    }
}

impl SqlStore {
    /// The name and stage of project `id`, if the actor may register its assets (its
    /// division in sight, `HandleCases`).
    async fn visible_project_for_assets(
        &self,
        actor: &Actor,
        id: i64,
    ) -> StoreResult<Option<(String, ProjectStage, DivisionCode)>> {
        self.permit(actor, Permission::HandleCases, "项目资产")
            .await?;
        if !matches!(
            actor.role,
            None | Some(Role::VillageOfficer | Role::TownReviewer | Role::CountyAdmin)
        ) {
            return Err(self.deny(actor, &format!("项目#{id}")).await);
        }
        let row: Option<(String, String, String)> = read!(self, |pool| {
            sqlx::query_as("SELECT name, stage, division FROM projects WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        let Some((name, stage, division)) = row else {
            return Ok(None);
        };
        let division = DivisionCode::parse(&division).map_err(|e| corrupt("区划代码", e))?;
        if !actor.scope.covers(&division) {
            let _ = self.deny(actor, &format!("项目#{id}")).await;
            return Ok(None);
        }
        let stage = ProjectStage::parse(&stage).ok_or_else(|| corrupt("项目状态", &stage))?;
        Ok(Some((name, stage, division)))
    }
}
