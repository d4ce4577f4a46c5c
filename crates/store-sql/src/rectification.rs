//! The rectification ledger (整改台账, issue 22) and the weak villages enrolled in the
//! programme: items about divisions of the actor's area, each step checked by the domain's
//! rules and written with its audit record; reads scoped by division.

use crate::problems::text;
use crate::{SqlStore, audit, backend, corrupt, parse_time};
use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use dixian_domain::access::{Actor, Permission, Role};
use dixian_domain::division::DivisionCode;
use dixian_domain::money::Money;
use dixian_domain::policy::villages::WeakVillageRules;
use dixian_domain::rectification::{
    ItemAction, ItemState, ItemStep, NewItem, WEAK_SOURCE, WeakPlan, pairing_problem,
    target_problem, target_reached,
};
use dixian_domain::villages::AccountFigures;

/// The year and operating parts of a collective account.
type AccountRow = (i64, i64, i64, i64, i64, i64);
use dixian_store::files::{NewAttachment, PhotoMeta};
use dixian_store::rectification::{
    ItemEvent, ItemFilter, ItemRecord, MAX_ITEM_FILES, MAX_ITEMS, RectificationStore, StepInput,
    WeakRecord,
};
use dixian_store::{StoreError, StoreResult};

/// Field name of sealed evidence files (part of each ciphertext's associated data).
pub(crate) const F_ITEM_FILE: &str = "rectification.file";

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    division: String,
    source: String,
    title: String,
    found_on: NaiveDate,
    unit: String,
    person: String,
    measures: String,
    deadline: NaiveDate,
    state: String,
    version: i64,
    resolved_on: Option<NaiveDate>,
    resolved_by: Option<String>,
    closed_on: Option<NaiveDate>,
    closed_by: Option<String>,
    by_name: String,
    division_name: Option<String>,
    rank_from: Option<i64>,
    rank_to: Option<i64>,
    rank_no: Option<i64>,
    average_fen: Option<i64>,
    target_fen: Option<i64>,
    team: Option<String>,
    team_id: Option<i64>,
}

const ITEM_SELECT: &str =
    "SELECT i.id, i.division, i.source, i.title, i.found_on, i.unit, i.person,
       i.measures, i.deadline, i.state, i.version, i.resolved_on, i.resolved_by, i.closed_on,
       i.closed_by, i.by_name, d.name AS division_name, w.rank_from, w.rank_to, w.rank_no,
       w.average_fen, w.target_fen, w.team, w.team_id
  FROM rectification_items i LEFT JOIN divisions d ON d.code = i.division
  LEFT JOIN weak_villages w ON w.item_id = i.id";

impl ItemRow {
    fn record(self) -> StoreResult<ItemRecord> {
        let division = DivisionCode::parse(&self.division).map_err(|e| corrupt("区划", e))?;
        let weak = match (self.rank_from, self.rank_to, self.target_fen, self.team) {
            (Some(from), Some(to), Some(target), Some(team)) => Some(WeakRecord {
                village: division,
                target: Money::from_fen(target),
                team,
                team_id: self.team_id,
                rank: self.rank_no.and_then(|r| u32::try_from(r).ok()),
                average: self.average_fen.map(Money::from_fen),
                rank_from: i32::try_from(from).map_err(|e| corrupt("年度", e))?,
                rank_to: i32::try_from(to).map_err(|e| corrupt("年度", e))?,
            }),
            _ => None,
        };
        Ok(ItemRecord {
            id: self.id,
            item: NewItem {
                division,
                source: self.source,
                title: self.title,
                found_on: self.found_on,
                unit: self.unit,
                person: self.person,
                measures: self.measures,
                deadline: self.deadline,
            },
            division_name: self.division_name.unwrap_or_default(),
            state: ItemState::parse(&self.state).ok_or_else(|| corrupt("整改状态", &self.state))?,
            resolved_on: self.resolved_on,
            resolved_by: self.resolved_by,
            closed_on: self.closed_on,
            closed_by: self.closed_by,
            version: self.version,
            created_by: self.by_name,
            last_progress: None,
            weak,
        })
    }
}

fn checked(item: &NewItem) -> StoreResult<()> {
    match item.problems().first() {
        Some((_, m)) => Err(StoreError::Invalid(m.clone())),
        None => Ok(()),
    }
}

/// The source code of a self-check (自查), the only one a village records.
const SELF_CHECK: &str = "self";

/// Who records findings: the county, a town, a village (its self-check) or the system.
fn may_record(actor: &Actor) -> bool {
    matches!(
        actor.role,
        None | Some(Role::CountyAdmin | Role::TownReviewer | Role::VillageOfficer)
    ) && actor.may(Permission::HandleCases)
}

/// Inserts item `$id` (allocated first: on PostgreSQL the sequence row's lock is what queues
/// concurrent writers before anything they check is read).
macro_rules! insert_item {
    ($tx:ident, $id:expr, $item:expr, $now:expr, $by:expr) => {{
        let item: &NewItem = $item;
        let id: i64 = $id;
        sqlx::query(
            "INSERT INTO rectification_items (id, division, source, title, found_on, unit, person,
               measures, deadline, state, version, at, by_name)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12)",
        )
        .bind(id)
        .bind(item.division.as_str())
        .bind(&item.source)
        .bind(item.title.trim())
        .bind(item.found_on)
        .bind(item.unit.trim())
        .bind(item.person.trim())
        .bind(item.measures.trim())
        .bind(item.deadline)
        .bind(ItemState::Open.code())
        .bind($now)
        .bind($by)
        .execute(&mut *$tx)
        .await
        .map_err(backend)?;
        id
    }};
}

impl SqlStore {
    /// The division's name, or a refusal when the table lacks it.
    pub(crate) async fn known_division(&self, code: &DivisionCode) -> StoreResult<String> {
        let name: Option<String> = read!(self, |pool| {
            sqlx::query_scalar("SELECT name FROM divisions WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        name.ok_or_else(|| StoreError::Invalid(format!("区划{code}不在区划表中")))
    }

    /// The item's name for the audit when it exists in `actor`'s area; `None` when unknown
    /// or (the refusal audited) outside it, so ids cannot be probed.
    async fn item_in_scope(&self, actor: &Actor, id: i64) -> StoreResult<Option<String>> {
        let target = format!("整改事项#{id}");
        let division: Option<String> = read!(self, |pool| {
            sqlx::query_scalar("SELECT division FROM rectification_items WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        let Some(division) = division else {
            return Ok(None);
        };
        let division = DivisionCode::parse(&division).map_err(|e| corrupt("区划", e))?;
        if !actor.scope.covers(&division) {
            let _ = self.deny(actor, &target).await;
            return Ok(None);
        }
        Ok(Some(target))
    }

    /// The item's name for the audit when `actor` may take a step on it; unknown out of the
    /// actor's area, denied without the permission.
    async fn item_handled(&self, actor: &Actor, id: i64) -> StoreResult<String> {
        let Some(target) = self.item_in_scope(actor, id).await? else {
            return Err(StoreError::Invalid(format!("整改事项#{id}不存在")));
        };
        if !actor.may(Permission::HandleCases) {
            return Err(self.deny(actor, &target).await);
        }
        Ok(target)
    }

    pub(crate) async fn enrol_weak_village(
        &self,
        actor: &Actor,
        plan: &WeakPlan,
        item: &NewItem,
        ranked: (Option<u32>, Option<Money>),
        rules: &WeakVillageRules,
    ) -> StoreResult<i64> {
        let target = plan.village.to_string();
        // The county chooses (区负总责): the ranking is over all its villages.
        if !matches!(actor.role, None | Some(Role::CountyAdmin))
            || !actor.may(Permission::HandleCases)
            || !actor.scope.covers(&plan.village)
            || item.division != plan.village
        {
            return Err(self.deny(actor, &target).await);
        }
        checked(item)?;
        if item.source != WEAK_SOURCE {
            return Err(StoreError::Invalid(
                "薄弱村扶持事项的来源应为经济薄弱村扶持".into(),
            ));
        }
        if let Some(m) = target_problem(plan.target, rules) {
            return Err(StoreError::Invalid(m));
        }
        let typed = match plan.team_id {
            Some(_) => None,
            None => Some((
                text(&plan.unit, 100, "请填写帮扶单位（不超过100字）")?,
                text(&plan.team, 100, "请填写帮扶工作队（不超过100字）")?,
            )),
        };
        let village_name = self.known_division(&plan.village).await?;
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            // The id first: its sequence row's lock queues concurrent enrolments, so the
            // pairings read next are the ones written before (PostgreSQL reads committed data).
            let id: i64 = allocate!(tx, "rectification_items", 1i64);
            // A chosen team is read in the write: serving the village now, its unit and name.
            let (unit, team) = match plan.team_id {
                // Checked above whenever no team was chosen.
                None => typed.clone().unwrap_or_default(),
                Some(team_id) => {
                    let found: Option<(String, String)> = sqlx::query_as(
                        "SELECT t.unit, t.name FROM teams t
                           JOIN team_villages v ON v.team_id = t.id
                          WHERE t.id = $1 AND v.village = $2 AND v.to_on IS NULL
                            AND t.from_on <= $3",
                    )
                    .bind(team_id)
                    .bind(plan.village.as_str())
                    // The day of enrolment: a team not yet arrived does not help yet.
                    .bind(item.found_on)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
                    found.ok_or_else(|| {
                        StoreError::Invalid(format!(
                            "所选驻村工作队不驻{village_name}或已撤换：请选择驻该村的工作队"
                        ))
                    })?
                }
            };
            let detail = serde_json::json!({
                "village": plan.village.as_str(), "target_fen": plan.target.fen(), "unit": unit,
                "team": team, "team_id": plan.team_id, "rank": ranked.0,
                "years": [rules.rank_from, rules.rank_to],
            })
            .to_string();
            let pairs: Vec<(String, String, String)> =
                sqlx::query_as("SELECT village, unit, team FROM weak_villages")
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(backend)?;
            if pairs.iter().any(|(v, _, _)| v == plan.village.as_str()) {
                return Err(StoreError::Conflict(format!(
                    "{}已纳入经济薄弱村扶持",
                    village_name
                )));
            }
            // Units and teams are compared within the county (another county's 一队 is not ours).
            let county = plan.village.as_str().get(..6).unwrap_or("");
            let same_county: Vec<(String, String)> = pairs
                .into_iter()
                .filter(|(v, _, _)| v.starts_with(county))
                .map(|(_, u, t)| (u, t))
                .collect();
            if let Some(m) = pairing_problem(&same_county, &unit, &team, rules) {
                return Err(StoreError::Invalid(m));
            }
            let item = NewItem {
                unit: unit.clone(),
                ..item.clone()
            };
            let id = insert_item!(tx, id, &item, &now, &actor.name);
            sqlx::query(
                "INSERT INTO weak_villages (village, item_id, rank_from, rank_to, rank_no,
                   average_fen, target_fen, unit, team, team_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(plan.village.as_str())
            .bind(id)
            .bind(i64::from(rules.rank_from))
            .bind(i64::from(rules.rank_to))
            .bind(ranked.0.map(i64::from))
            .bind(ranked.1.map(|m| m.fen()))
            .bind(plan.target.fen())
            .bind(&unit)
            .bind(&team)
            .bind(plan.team_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            audit_in!(tx, actor, "village.weak.enrol", &target, &detail);
            id
        });
        Ok(id)
    }
}

#[async_trait]
impl RectificationStore for SqlStore {
    async fn add_item(&self, actor: &Actor, item: &NewItem) -> StoreResult<i64> {
        let target = item.division.to_string();
        if !may_record(actor) || !actor.scope.covers(&item.division) {
            return Err(self.deny(actor, &target).await);
        }
        checked(item)?;
        if item.source == WEAK_SOURCE {
            return Err(StoreError::Invalid(
                "经济薄弱村扶持事项请在“经济薄弱村”页纳入扶持时生成".into(),
            ));
        }
        text(&item.source, 20, "请选择问题来源")?;
        if actor.role == Some(Role::VillageOfficer) && item.source != SELF_CHECK {
            return Err(StoreError::Invalid(
                "村级登记的整改事项只能是自查发现的问题；其他来源由乡镇或县登记".into(),
            ));
        }
        self.known_division(&item.division).await?;
        let detail = serde_json::json!({
            "division": item.division.as_str(), "source": item.source,
            "deadline": item.deadline.to_string(),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            let id: i64 = allocate!(tx, "rectification_items", 1i64);
            let id = insert_item!(tx, id, item, &now, &actor.name);
            audit_in!(
                tx,
                actor,
                "rectification.add",
                &format!("整改事项#{id}"),
                &detail
            );
            id
        });
        Ok(id)
    }

    async fn items(&self, actor: &Actor, filter: &ItemFilter) -> StoreResult<Vec<ItemRecord>> {
        self.permit(actor, Permission::ViewRegistry, "整改台账")
            .await?;
        let (lo, hi) = self.area_range(actor, filter.within.as_ref()).await?;
        let state = filter
            .state
            .map(|s| s.code().to_string())
            .unwrap_or_default();
        let source = filter.source.clone().unwrap_or_default();
        let designation = crate::designation_binds(filter.designation.as_ref());
        let limit = i64::try_from(MAX_ITEMS + 1).unwrap_or(i64::MAX);
        let (rows, progress): (Vec<ItemRow>, Vec<(i64, NaiveDate, String)>) = read!(self, |pool| {
            let rows: Vec<ItemRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{ITEM_SELECT} WHERE i.division BETWEEN $1 AND $2
                   AND ($3 = '' OR i.state = $3) AND ($4 = '' OR i.source = $4)
                   AND {designated}
                 ORDER BY i.id DESC LIMIT $5",
                designated = crate::designated_sql("i.division", "$6", "$7")
            )))
            .bind(&lo)
            .bind(&hi)
            .bind(&state)
            .bind(&source)
            .bind(limit)
            .bind(&designation.0)
            .bind(designation.1)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            // Only the notes of the items listed (their id span, within the area).
            let low = rows.iter().map(|r| r.id).min().unwrap_or(0);
            let high = rows.iter().map(|r| r.id).max().unwrap_or(-1);
            let progress = sqlx::query_as(
                "SELECT e.item_id, e.happened_on, e.note FROM rectification_events e
                   JOIN rectification_items i ON i.id = e.item_id
                  WHERE i.division BETWEEN $1 AND $2 AND e.action = 'progress'
                    AND e.item_id BETWEEN $3 AND $4
                  ORDER BY e.id",
            )
            .bind(&lo)
            .bind(&hi)
            .bind(low)
            .bind(high)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            (rows, progress)
        });
        let mut last: std::collections::HashMap<i64, (NaiveDate, String)> =
            std::collections::HashMap::new();
        for (id, on, note) in progress {
            last.insert(id, (on, note));
        }
        rows.into_iter()
            .map(|r| {
                let mut record = r.record()?;
                record.last_progress = last.remove(&record.id);
                Ok(record)
            })
            .collect()
    }

    async fn item(
        &self,
        actor: &Actor,
        id: i64,
    ) -> StoreResult<Option<(ItemRecord, Vec<ItemEvent>)>> {
        self.permit(actor, Permission::ViewRegistry, "整改台账")
            .await?;
        type EventRow = (i64, String, NaiveDate, String, String, String, String);
        let (row, events, files): (Option<ItemRow>, Vec<EventRow>, Vec<crate::FileRow>) = read!(
            self,
            |pool| {
                let row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{ITEM_SELECT} WHERE i.id = $1"
                )))
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(backend)?;
                let events = sqlx::query_as(
                "SELECT id, action, happened_on, note, evidence, at, by_name FROM rectification_events
                      WHERE item_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
                let files = sqlx::query_as(
                    "SELECT id, event_id, name, content_type, size FROM rectification_files
                  WHERE item_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(pool)
                .await
                .map_err(backend)?;
                (row, events, files)
            }
        );
        let Some(row) = row else {
            return Ok(None);
        };
        let mut record = row.record()?;
        if !actor.scope.covers(&record.item.division) {
            let _ = self.deny(actor, &format!("整改事项#{id}")).await;
            return Ok(None);
        }
        let events = events
            .into_iter()
            .map(|(eid, action, on, note, evidence, at, by)| {
                Ok(ItemEvent {
                    step: ItemStep::parse(&action).ok_or_else(|| corrupt("整改步骤", &action))?,
                    on,
                    note,
                    evidence,
                    files: crate::files_of(&files, eid),
                    at: parse_time("办理时间", &at)?,
                    by,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        record.last_progress = events
            .iter()
            .rev()
            .find(|e| e.step == ItemStep::Progress)
            .map(|e| (e.on, e.note.clone()));
        Ok(Some((record, events)))
    }

    async fn step_item(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        step: &StepInput,
    ) -> StoreResult<ItemState> {
        let target = format!("整改事项#{id}");
        let current: Option<(
            String,
            String,
            i64,
            NaiveDate,
            Option<NaiveDate>,
            Option<String>,
        )> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT division, state, version, found_on, resolved_on, resolved_by
                       FROM rectification_items WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some((division, state, stored_version, found_on, resolved_on, resolved_by)) = current
        else {
            return Err(StoreError::Invalid(format!("{target}不存在")));
        };
        let division = DivisionCode::parse(&division).map_err(|e| corrupt("区划", e))?;
        // Out of the area reads as unknown (audited), so ids cannot be probed.
        if !actor.scope.covers(&division) {
            let _ = self.deny(actor, &target).await;
            return Err(StoreError::Invalid(format!("{target}不存在")));
        }
        if !actor.may(Permission::HandleCases) {
            return Err(self.deny(actor, &target).await);
        }
        if let ItemStep::Act(a) = step.step
            && !a.permitted(actor.role)
        {
            let _ = self
                .refuse(actor, &target, serde_json::json!({ "action": a.code() }))
                .await;
            return Err(StoreError::Invalid(format!(
                "“{}”须由乡镇或县级审核人员办理",
                a.label()
            )));
        }
        if stored_version != version {
            return Err(StoreError::Conflict(format!(
                "{target}已被他人更新，请刷新页面后再办理"
            )));
        }
        let from = ItemState::parse(&state).ok_or_else(|| corrupt("整改状态", &state))?;
        let to = step.step.apply(from).map_err(StoreError::Invalid)?;
        if let Some((_, m)) = step.step.problems(&step.note, &step.evidence).first() {
            return Err(StoreError::Invalid(m.clone()));
        }
        crate::checked_files(&step.files, MAX_ITEM_FILES, "佐证材料")?;
        if step.files.len() + step.drafts.len() > MAX_ITEM_FILES {
            return Err(StoreError::Invalid(format!(
                "佐证材料每次最多{MAX_ITEM_FILES}个：新选{}个，保留{}个",
                step.files.len(),
                step.drafts.len()
            )));
        }
        if !step.drafts.is_empty()
            && !matches!(
                step.step,
                ItemStep::Progress | ItemStep::Act(ItemAction::Resolve)
            )
        {
            return Err(StoreError::Invalid(
                "核实销号和退回不附扫描件：请在记录进展或报告整改完成时上传".into(),
            ));
        }
        let (earliest, what) = match (step.step, resolved_on) {
            (ItemStep::Act(ItemAction::Close), Some(r)) => (r, "报告整改完成的日期"),
            _ => (found_on, "发现日期"),
        };
        if step.on < earliest {
            return Err(StoreError::Invalid(format!(
                "办理日期{}早于{what}{earliest}",
                step.on
            )));
        }
        if step.step == ItemStep::Act(ItemAction::Close)
            && resolved_by.as_deref() == Some(actor.name.as_str())
        {
            return Err(StoreError::Invalid(format!(
                "核实销号须由报告整改完成以外的人员办理：整改完成是{}报告的",
                actor.name
            )));
        }
        let note = step.note.trim().to_string();
        let evidence = step.evidence.trim().to_string();
        let detail = serde_json::json!({
            "step": step.step.code(), "on": step.on.to_string(), "state": to.code(),
            "files": step.files.len() + step.drafts.len(),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        write_tx!(self, |tx| {
            let eid: i64 = allocate!(tx, "rectification_events", 1i64);
            if step.step == ItemStep::Act(ItemAction::Close) {
                // A weak village is struck off on its stored account, read in the write.
                let weak: Option<(i64, i64, String)> = sqlx::query_as(
                    "SELECT target_fen, rank_to, village FROM weak_villages WHERE item_id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
                if let Some((target_fen, rank_to, village)) = weak {
                    if step.operating.is_empty() {
                        return Err(StoreError::Invalid(
                            "经济薄弱村销号须按政策包的经营性收入口径核对，政策包没有这一口径"
                                .into(),
                        ));
                    }
                    let latest: Option<AccountRow> = sqlx::query_as(
                        "SELECT year, business_fen, contract_fen, investment_fen, subsidy_fen, other_fen
                           FROM collective_accounts WHERE village = $1 AND year > $2
                          ORDER BY year DESC LIMIT 1",
                    )
                    .bind(&village)
                    .bind(rank_to)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(backend)?;
                    let operating: Vec<(i32, Money)> = latest
                        .map(|r| {
                            let figures = AccountFigures {
                                business: Money::from_fen(r.1),
                                contract: Money::from_fen(r.2),
                                investment: Money::from_fen(r.3),
                                subsidy: Money::from_fen(r.4),
                                other: Money::from_fen(r.5),
                                ..AccountFigures::default()
                            };
                            (
                                i32::try_from(r.0).unwrap_or(i32::MAX),
                                figures.operating(&step.operating),
                            )
                        })
                        .into_iter()
                        .collect();
                    let rank_to = i32::try_from(rank_to).map_err(|e| corrupt("年度", e))?;
                    target_reached(&operating, rank_to, Money::from_fen(target_fen))
                        .map_err(StoreError::Invalid)?;
                }
            }
            let update = match step.step {
                ItemStep::Progress => sqlx::query(
                    "UPDATE rectification_items SET version = version + 1 WHERE id = $1 AND version = $2",
                ),
                ItemStep::Act(ItemAction::Resolve) => sqlx::query(
                    "UPDATE rectification_items SET state = $1, version = version + 1,
                       resolved_on = $2, resolved_by = $3
                     WHERE id = $4 AND version = $5",
                )
                .bind(to.code())
                .bind(step.on)
                .bind(&actor.name),
                ItemStep::Act(ItemAction::Close) => sqlx::query(
                    "UPDATE rectification_items SET state = $1, version = version + 1,
                       closed_on = $2, closed_by = $3
                     WHERE id = $4 AND version = $5",
                )
                .bind(to.code())
                .bind(step.on)
                .bind(&actor.name),
                // The completion reported stays in the history; the item is open again.
                ItemStep::Act(ItemAction::Reopen) => sqlx::query(
                    "UPDATE rectification_items SET state = $1, version = version + 1,
                       resolved_on = NULL, resolved_by = NULL
                     WHERE id = $2 AND version = $3",
                )
                .bind(to.code()),
            };
            let done = update
                .bind(id)
                .bind(version)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "{target}已被他人更新，请刷新页面后再办理"
                )));
            }
            sqlx::query(
                "INSERT INTO rectification_events (id, item_id, action, happened_on, note, evidence, at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(eid)
            .bind(id)
            .bind(step.step.code())
            .bind(step.on)
            .bind(&note)
            .bind(&evidence)
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            let kept = take_drafts!(
                self,
                tx,
                actor,
                crate::drafts::DraftOwner::Item(id),
                &step.drafts
            );
            seal_files!(
                self,
                tx,
                "rectification_files",
                "item_id",
                id,
                eid,
                step.files.iter().chain(&kept),
                F_ITEM_FILE
            );
            audit_in!(tx, actor, "rectification.step", &target, &detail);
        });
        Ok(to)
    }

    async fn keep_item_drafts(
        &self,
        actor: &Actor,
        item: i64,
        still_wanted: &[i64],
        files: &[NewAttachment],
    ) -> StoreResult<Vec<PhotoMeta>> {
        let target = self.item_handled(actor, item).await?;
        crate::checked_files(files, MAX_ITEM_FILES, "佐证材料")?;
        self.keep_drafts(
            actor,
            crate::drafts::DraftOwner::Item(item),
            still_wanted,
            files,
            ("rectification.file.draft", &target),
        )
        .await
    }

    async fn item_drafts(
        &self,
        actor: &Actor,
        item: i64,
        ids: &[i64],
    ) -> StoreResult<Vec<PhotoMeta>> {
        self.item_handled(actor, item).await?;
        self.drafts_of(
            actor,
            crate::drafts::DraftOwner::Item(item),
            ids,
            MAX_ITEM_FILES,
        )
        .await
    }

    async fn item_evidence(
        &self,
        actor: &Actor,
        item: i64,
        file: i64,
    ) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>> {
        self.permit(actor, Permission::ViewRegistry, "整改台账")
            .await?;
        let Some(target) = self.item_in_scope(actor, item).await? else {
            return Ok(None);
        };
        self.read_sealed(
            actor,
            F_ITEM_FILE,
            ("rectification_files", "item_id"),
            item,
            file,
            "rectification.file.read",
            &target,
        )
        .await
    }
}
