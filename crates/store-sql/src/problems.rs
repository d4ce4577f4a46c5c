//! The 三保障 and drinking-water problem ledger (问题台账): scoped like the household a problem
//! is of, every step checked by the domain's transition and role rules here, below every
//! page and command, evidence sealed like case attachments, every write and file read audited.

use crate::{SqlStore, audit, backend, corrupt, parse_time};
use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use dixian_domain::access::{Actor, Permission};
use dixian_domain::division::DivisionCode;
use dixian_domain::problems::{ProblemAction, ProblemSource, ProblemState, problem_kind};
use dixian_domain::registry::HouseholdCode;
use dixian_store::ProblemStore;
use dixian_store::problems::{
    MAX_PROBLEM_FILES, NewProblem, ProblemEventRecord, ProblemFile, ProblemRecord, ProblemStep,
};
use dixian_store::{PhotoMeta, StoreError, StoreResult};

/// Field name of sealed evidence files (part of each ciphertext's associated data).
pub(crate) const F_PROBLEM_FILE: &str = "problem.file";

#[derive(sqlx::FromRow)]
struct ProblemRow {
    id: i64,
    code: String,
    head_name: Option<String>,
    village: String,
    village_name: Option<String>,
    kind: String,
    source: String,
    description: String,
    found_on: NaiveDate,
    found_by: String,
    department: String,
    deadline: NaiveDate,
    state: String,
    resolution: Option<String>,
    resolved_on: Option<NaiveDate>,
    resolved_by: Option<String>,
    closed_on: Option<NaiveDate>,
    closed_by: Option<String>,
    version: i64,
    created_at: String,
    created_by: String,
    resolved_by_name: Option<String>,
    closed_by_name: Option<String>,
    created_by_name: Option<String>,
}

impl ProblemRow {
    fn record(self) -> StoreResult<ProblemRecord> {
        // The officers' names as histories show them; a login no account has is shown as
        // stored.
        let resolved_by_name = self.resolved_by_name.or_else(|| self.resolved_by.clone());
        let closed_by_name = self.closed_by_name.or_else(|| self.closed_by.clone());
        let created_by_name = self
            .created_by_name
            .unwrap_or_else(|| self.created_by.clone());
        Ok(ProblemRecord {
            id: self.id,
            household: HouseholdCode::parse(&self.code).map_err(|e| corrupt("户编号", e))?,
            head_name: self.head_name.unwrap_or_default(),
            village: DivisionCode::parse(&self.village).map_err(|e| corrupt("区划代码", e))?,
            village_name: self.village_name.unwrap_or_default(),
            kind: problem_kind(&self.kind).ok_or_else(|| corrupt("问题类型", &self.kind))?,
            source: ProblemSource::parse(&self.source)
                .ok_or_else(|| corrupt("发现途径", &self.source))?,
            description: self.description,
            found_on: self.found_on,
            found_by: self.found_by,
            department: self.department,
            deadline: self.deadline,
            state: ProblemState::parse(&self.state)
                .ok_or_else(|| corrupt("整改状态", &self.state))?,
            resolution: self.resolution,
            resolved_on: self.resolved_on,
            resolved_by: self.resolved_by,
            closed_on: self.closed_on,
            closed_by: self.closed_by,
            version: self.version,
            created_at: parse_time("登记时间", &self.created_at)?,
            resolved_by_name,
            closed_by_name,
            created_by_name,
            created_by: self.created_by,
        })
    }
}

const SELECT: &str = "SELECT p.id, p.household_code AS code, hp.name AS head_name, p.village, d.name AS village_name,
       p.kind, p.source, p.description, p.found_on, p.found_by, p.department, p.deadline,
       p.state, p.resolution, p.resolved_on, p.resolved_by, p.closed_on, p.closed_by,
       p.version, p.created_at, p.created_by,
       (SELECT u.display_name FROM users u WHERE u.username = p.resolved_by) AS resolved_by_name,
       (SELECT u.display_name FROM users u WHERE u.username = p.closed_by) AS closed_by_name,
       (SELECT u.display_name FROM users u WHERE u.username = p.created_by) AS created_by_name
  FROM assurance_problems p
  LEFT JOIN divisions d ON d.code = p.village
  LEFT JOIN persons hp ON hp.household_id = p.household_id AND hp.relation = 'head'
      AND hp.status = 'in_household'";

/// Trimmed text of 1 to `max` characters, or `message`.
pub(crate) fn text(value: &str, max: usize, message: &str) -> StoreResult<String> {
    let t = value.trim();
    let n = t.chars().count();
    if n == 0 || n > max {
        return Err(StoreError::Invalid(message.into()));
    }
    Ok(t.to_string())
}

/// Trimmed text of at most `max` characters (may be empty); `what` names it in the refusal.
pub(crate) fn optional_text(value: &str, max: usize, what: &str) -> StoreResult<String> {
    let t = value.trim();
    if t.chars().count() > max {
        return Err(StoreError::Invalid(format!("{what}不能超过{max}字")));
    }
    Ok(t.to_string())
}

impl SqlStore {
    /// The household of problem `id`, checked visible to the actor for `p`; `None` if unknown.
    async fn problem_household(
        &self,
        actor: &Actor,
        id: i64,
        p: Permission,
    ) -> StoreResult<Option<HouseholdCode>> {
        self.permit(actor, p, &format!("问题#{id}")).await?;
        let code: Option<String> = read!(self, |pool| {
            sqlx::query_scalar(
                "SELECT h.code FROM assurance_problems p JOIN households h ON h.id = p.household_id
                 WHERE p.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some(code) = code else { return Ok(None) };
        let code = HouseholdCode::parse(&code).map_err(|e| corrupt("户编号", e))?;
        if !crate::out_of_sight(self.household_visible(actor, &code, p).await)? {
            return Ok(None);
        }
        Ok(Some(code))
    }
}

#[async_trait]
impl ProblemStore for SqlStore {
    async fn add_problem(&self, actor: &Actor, p: &NewProblem) -> StoreResult<i64> {
        self.household_visible(actor, &p.household, Permission::HandleCases)
            .await?;
        let description = text(
            &p.description,
            500,
            "请填写问题描述（不超过500字），例如“房屋经鉴定为C级危房”",
        )?;
        let found_by = text(&p.found_by, 50, "请填写发现人或发现单位（不超过50字）")?;
        let department = text(&p.department, 30, "请填写责任部门（不超过30字）")?;
        if p.deadline < p.found_on {
            return Err(StoreError::Invalid(format!(
                "整改期限{}早于发现日期{}",
                p.deadline, p.found_on
            )));
        }
        let found: Option<(i64, String)> = read!(self, |pool| {
            sqlx::query_as("SELECT id, village_code FROM households WHERE code = $1")
                .bind(p.household.as_str())
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        let (hid, village) =
            found.ok_or_else(|| StoreError::Invalid(format!("户编号{}不存在", p.household)))?;
        let detail = serde_json::json!({
            "household": p.household.as_str(),
            "kind": p.kind.code(),
            "source": p.source.code(),
            "found_on": p.found_on.to_string(),
            "department": department,
            "deadline": p.deadline.to_string(),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            let id: i64 = allocate!(tx, "assurance_problems", 1i64);
            sqlx::query(
                "INSERT INTO assurance_problems (id, household_id, village, kind, source,
                   description, found_on, found_by, department, deadline, state, version,
                   created_at, created_by, household_code)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13, $14)",
            )
            .bind(id)
            .bind(hid)
            .bind(&village)
            .bind(p.kind.code())
            .bind(p.source.code())
            .bind(&description)
            .bind(p.found_on)
            .bind(&found_by)
            .bind(&department)
            .bind(p.deadline)
            .bind(ProblemState::Open.code())
            .bind(&now)
            .bind(&actor.name)
            .bind(p.household.as_str())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            audit_in!(tx, actor, "problem.create", &format!("问题#{id}"), &detail);
            id
        });
        Ok(id)
    }

    async fn problems(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<ProblemRecord>> {
        self.permit(actor, Permission::ViewRegistry, "问题台账")
            .await?;
        let (lo, hi) = self.area_range(actor, within).await?;
        let rows: Vec<ProblemRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{SELECT} WHERE p.village BETWEEN $1 AND $2
                   AND ($3 = 0 OR p.household_id IN
                        (SELECT household_id FROM cadre_assignments WHERE user_id = $3))
                 ORDER BY p.id"
            )))
            .bind(&lo)
            .bind(&hi)
            .bind(crate::assigned_to(actor))
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter().map(ProblemRow::record).collect()
    }

    async fn problem(&self, actor: &Actor, id: i64) -> StoreResult<Option<ProblemFile>> {
        if self
            .problem_household(actor, id, Permission::ViewRegistry)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        type EventRow = (i64, String, NaiveDate, String, String, String);
        let (row, events, files): (Option<ProblemRow>, Vec<EventRow>, Vec<crate::FileRow>) =
            read!(self, |pool| {
                let row = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.id = $1")))
                    .bind(id)
                    .fetch_optional(pool)
                    .await
                    .map_err(backend)?;
                let events = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT id, action, happened_on, note, at, {} AS by_name FROM problem_events
                     WHERE problem_id = $1 ORDER BY id",
                    crate::shown_name("problem_events.by_name")
                )))
                .bind(id)
                .fetch_all(pool)
                .await
                .map_err(backend)?;
                let files = sqlx::query_as(
                    "SELECT id, event_id, name, content_type, size FROM problem_files
                     WHERE problem_id = $1 ORDER BY id",
                )
                .bind(id)
                .fetch_all(pool)
                .await
                .map_err(backend)?;
                (row, events, files)
            });
        let Some(row) = row else { return Ok(None) };
        let events = events
            .into_iter()
            .map(|(eid, action, on, note, at, by)| {
                Ok(ProblemEventRecord {
                    action: ProblemAction::parse(&action)
                        .ok_or_else(|| corrupt("问题办理动作", &action))?,
                    on,
                    note,
                    files: crate::files_of(&files, eid),
                    at: parse_time("办理时间", &at)?,
                    by,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Some(ProblemFile {
            problem: row.record()?,
            events,
        }))
    }

    async fn advance_problem(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        step: &ProblemStep,
    ) -> StoreResult<()> {
        let target = format!("问题#{id}");
        if self
            .problem_household(actor, id, Permission::HandleCases)
            .await?
            .is_none()
        {
            return Err(StoreError::Invalid(format!("问题#{id}不存在")));
        }
        if !step.action.permitted(actor.role) {
            let _ = self
                .refuse(
                    actor,
                    &target,
                    serde_json::json!({ "action": step.action.code() }),
                )
                .await;
            return Err(StoreError::Invalid(format!(
                "“{}”须由乡镇或县级审核人员办理",
                step.action.label()
            )));
        }
        let current: (String, i64, NaiveDate, Option<NaiveDate>) = read!(self, |pool| {
            sqlx::query_as(
                "SELECT state, version, found_on, resolved_on FROM assurance_problems WHERE id = $1",
            )
            .bind(id)
            .fetch_one(pool)
            .await
            .map_err(backend)?
        });
        let (state, stored_version, found_on, resolved_on) = current;
        if stored_version != version {
            return Err(StoreError::Conflict(format!(
                "问题#{id}已被他人更新，请刷新页面后再办理"
            )));
        }
        let from = ProblemState::parse(&state).ok_or_else(|| corrupt("整改状态", &state))?;
        let to = step.action.apply(from).map_err(StoreError::Invalid)?;
        let earliest = match step.action {
            ProblemAction::Close => resolved_on.unwrap_or(found_on),
            _ => found_on,
        };
        if step.on < earliest {
            return Err(StoreError::Invalid(format!(
                "办理日期{}早于{}",
                step.on, earliest
            )));
        }
        let note = match step.action {
            ProblemAction::Resolve => text(
                &step.note,
                1000,
                "请填写整改情况（不超过1000字），例如“已落实危房改造，验收合格”",
            )?,
            ProblemAction::Reopen => text(&step.note, 500, "请填写退回的理由（不超过500字）")?,
            ProblemAction::Close => {
                let t = step.note.trim();
                if t.chars().count() > 500 {
                    return Err(StoreError::Invalid("核实意见不超过500字".into()));
                }
                t.to_string()
            }
        };
        crate::checked_files(&step.files, MAX_PROBLEM_FILES, "佐证材料")?;
        let chosen = step.files.len() + step.drafts.len();
        if chosen > MAX_PROBLEM_FILES {
            return Err(StoreError::Invalid(format!(
                "每次最多上传{MAX_PROBLEM_FILES}个佐证材料，选了{chosen}个"
            )));
        }
        let detail = serde_json::json!({
            "action": step.action.code(),
            "on": step.on.to_string(),
            "state": to.code(),
            "files": chosen,
            "kept_files": step.drafts,
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        write_tx!(self, |tx| {
            let update = match step.action {
                ProblemAction::Resolve => sqlx::query(
                    "UPDATE assurance_problems SET state = $1, version = version + 1,
                       resolution = $2, resolved_on = $3, resolved_by = $4
                     WHERE id = $5 AND version = $6",
                )
                .bind(to.code())
                .bind(&note)
                .bind(step.on)
                .bind(&actor.name),
                ProblemAction::Close => sqlx::query(
                    "UPDATE assurance_problems SET state = $1, version = version + 1,
                       closed_on = $2, closed_by = $3
                     WHERE id = $4 AND version = $5",
                )
                .bind(to.code())
                .bind(step.on)
                .bind(&actor.name),
                // The fix reported is kept in the history; the problem is open again.
                ProblemAction::Reopen => sqlx::query(
                    "UPDATE assurance_problems SET state = $1, version = version + 1,
                       resolution = NULL, resolved_on = NULL, resolved_by = NULL
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
                    "问题#{id}已被他人更新，请刷新页面后再办理"
                )));
            }
            let eid: i64 = allocate!(tx, "problem_events", 1i64);
            sqlx::query(
                "INSERT INTO problem_events (id, problem_id, action, happened_on, note, at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(eid)
            .bind(id)
            .bind(step.action.code())
            .bind(step.on)
            .bind(&note)
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            let hid: i64 =
                sqlx::query_scalar("SELECT household_id FROM assurance_problems WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(backend)?;
            let kept = take_drafts!(
                self,
                tx,
                actor,
                crate::drafts::DraftOwner::Household(hid),
                &step.drafts
            );
            seal_files!(
                self,
                tx,
                "problem_files",
                "problem_id",
                id,
                eid,
                step.files.iter().chain(&kept),
                F_PROBLEM_FILE
            );
            audit_in!(tx, actor, "problem.step", &target, &detail);
        });
        Ok(())
    }

    async fn problem_evidence(
        &self,
        actor: &Actor,
        problem_id: i64,
        file_id: i64,
    ) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>> {
        // Opening evidence is handling the problem: a viewer sees that files exist.
        if self
            .problem_household(actor, problem_id, Permission::HandleCases)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        self.read_sealed(
            actor,
            F_PROBLEM_FILE,
            ("problem_files", "problem_id"),
            problem_id,
            file_id,
            "problem.file.read",
            &format!("问题#{problem_id}"),
        )
        .await
    }
}
