//! Funds and the project library (资金和项目库): projects scoped by the division they are
//! built in, fund documents by their county (read by anyone whose area overlaps it, written
//! by the county only); the domain's stage and role rules and the amount rules checked here,
//! below every page, command and import; every write audited in its transaction.

use crate::problems::{optional_text, text};
use crate::{SqlStore, audit, backend, corrupt, parse_time};
use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use dixian_domain::access::{Actor, Permission, Role, Scope};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::funds::{
    FundLevel, LinkMechanism, Notice, PaymentKind, PerformanceTarget, ProjectAction, ProjectNature,
    ProjectStage, TargetKind, split_problem, target_problems,
};
use dixian_domain::money::Money;
use dixian_domain::registry::HouseholdCode;
use dixian_store::files::PhotoMeta;
use dixian_store::funds::{
    Beneficiary, FundFile, FundStore, FundSummary, HouseholdProject, MAX_BENEFICIARIES,
    MAX_PROJECT_FILES, NewFund, NewPayment, NewProject, NewWage, PaymentRecord, PlanLine,
    ProjectEventRecord, ProjectFile, ProjectFilter, ProjectPage, ProjectStep, ProjectSummary,
    WageRecord,
};
use dixian_store::{StoreError, StoreResult};

/// Field name of sealed project files (part of each ciphertext's associated data).
pub(crate) const F_PROJECT_FILE: &str = "project.file";

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: i64,
    county: String,
    division: String,
    division_name: Option<String>,
    name: String,
    type_code: String,
    nature: String,
    planned_year: i64,
    start_on: NaiveDate,
    end_on: NaiveDate,
    unit: String,
    budget_fen: i64,
    stage: String,
    stage_on: NaiveDate,
    version: i64,
    planned_fen: i64,
    spent_fen: i64,
    beneficiaries: i64,
}

impl ProjectRow {
    fn summary(self) -> StoreResult<ProjectSummary> {
        Ok(ProjectSummary {
            id: self.id,
            county: DivisionCode::parse(&self.county).map_err(|e| corrupt("区划代码", e))?,
            division: DivisionCode::parse(&self.division).map_err(|e| corrupt("区划代码", e))?,
            division_name: self.division_name.unwrap_or_default(),
            name: self.name,
            type_code: self.type_code,
            nature: ProjectNature::parse(&self.nature)
                .ok_or_else(|| corrupt("建设性质", &self.nature))?,
            planned_year: i32::try_from(self.planned_year).map_err(|e| corrupt("计划年度", e))?,
            start_on: self.start_on,
            end_on: self.end_on,
            unit: self.unit,
            budget: Money::from_fen(self.budget_fen),
            stage: ProjectStage::parse(&self.stage)
                .ok_or_else(|| corrupt("项目状态", &self.stage))?,
            stage_on: self.stage_on,
            planned: Money::from_fen(self.planned_fen),
            spent: Money::from_fen(self.spent_fen),
            beneficiaries: self.beneficiaries,
            version: self.version,
        })
    }
}

/// Money paid out less returned on the lines matching `lines_where` (over `fund_lines l`).
fn spent_on(lines_where: &str) -> String {
    format!(
        "COALESCE((SELECT CAST(SUM(CASE WHEN y.kind = 'pay' THEN y.amount_fen ELSE -y.amount_fen END) AS BIGINT)
           FROM fund_payments y JOIN fund_lines l ON l.id = y.line_id WHERE {lines_where}), 0)"
    )
}

fn project_select() -> String {
    format!(
        "SELECT p.id, p.county, p.division, d.name AS division_name, p.name, p.type_code, p.nature,
       p.planned_year, p.start_on, p.end_on, p.unit, p.budget_fen, p.stage, p.stage_on, p.version,
       COALESCE((SELECT CAST(SUM(l.amount_fen) AS BIGINT) FROM fund_lines l WHERE l.project_id = p.id), 0)
         AS planned_fen,
       {} AS spent_fen,
       (SELECT COUNT(*) FROM project_beneficiaries b WHERE b.project_id = p.id) AS beneficiaries
  FROM projects p LEFT JOIN divisions d ON d.code = p.division",
        spent_on("l.project_id = p.id")
    )
}

#[derive(sqlx::FromRow)]
struct FundRow {
    id: i64,
    county: String,
    doc_number: String,
    title: String,
    level: String,
    year: i64,
    category: String,
    amount_fen: i64,
    direct: bool,
    received_on: NaiveDate,
    planned_fen: i64,
    spent_fen: i64,
}

impl FundRow {
    fn summary(self) -> StoreResult<FundSummary> {
        Ok(FundSummary {
            id: self.id,
            county: DivisionCode::parse(&self.county).map_err(|e| corrupt("区划代码", e))?,
            doc_number: self.doc_number,
            title: self.title,
            level: FundLevel::parse(&self.level).ok_or_else(|| corrupt("资金级次", &self.level))?,
            year: i32::try_from(self.year).map_err(|e| corrupt("资金年度", e))?,
            category: self.category,
            amount: Money::from_fen(self.amount_fen),
            direct: self.direct,
            received_on: self.received_on,
            planned: Money::from_fen(self.planned_fen),
            spent: Money::from_fen(self.spent_fen),
        })
    }
}

fn fund_select() -> String {
    format!(
        "SELECT f.id, f.county, f.doc_number, f.title, f.level, f.year, f.category, f.amount_fen,
       f.direct, f.received_on,
       COALESCE((SELECT CAST(SUM(l.amount_fen) AS BIGINT) FROM fund_lines l WHERE l.fund_id = f.id), 0)
         AS planned_fen,
       {} AS spent_fen
  FROM funds f",
        spent_on("l.fund_id = f.id")
    )
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    fund_id: i64,
    doc_number: String,
    fund_year: i64,
    project_id: i64,
    project_name: String,
    fund_category: String,
    tasks: String,
    type_code: String,
    division_name: Option<String>,
    stage: String,
    amount_fen: i64,
    planned_on: NaiveDate,
}

const LINE_SELECT: &str = "SELECT l.id, l.fund_id, f.doc_number, f.year AS fund_year, l.project_id,
       p.name AS project_name, f.category AS fund_category, p.tasks, p.type_code, d.name AS division_name, p.stage,
       l.amount_fen, l.planned_on
  FROM fund_lines l JOIN funds f ON f.id = l.fund_id JOIN projects p ON p.id = l.project_id
  LEFT JOIN divisions d ON d.code = p.division";

type PaymentRow = (i64, i64, String, i64, NaiveDate, String, String, String);

/// Whether a fund document of `county` is in the actor's sight: the scope covers it, or
/// lies within it (a town or village sees its county's documents and its own lines).
fn fund_in_sight(actor: &Actor, county: &DivisionCode) -> bool {
    match &actor.scope {
        Scope::Everything => true,
        Scope::Within(root) => root.is_within(county) || county.is_within(root),
    }
}

impl SqlStore {
    /// Plan lines matching `where_` (binding `$1`), with their payments, in the actor's sight.
    async fn lines_where(
        &self,
        actor: &Actor,
        where_: &str,
        bind: i64,
    ) -> StoreResult<Vec<PlanLine>> {
        // A town or village reads its county's documents but only its own projects' lines.
        let (lo, hi) = actor.scope.code_range();
        let (rows, payments): (Vec<LineRow>, Vec<PaymentRow>) = read!(self, |pool| {
            let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{LINE_SELECT} WHERE {where_} AND p.division BETWEEN $2 AND $3 ORDER BY l.id"
            )))
            .bind(bind)
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            let payments = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT y.id, y.line_id, y.kind, y.amount_fen, y.happened_on, y.voucher, y.note, {}
                   FROM fund_payments y JOIN fund_lines l ON l.id = y.line_id
                   JOIN funds f ON f.id = l.fund_id JOIN projects p ON p.id = l.project_id
                  WHERE {where_} AND p.division BETWEEN $2 AND $3 ORDER BY y.id",
                crate::shown_name("y.by_name")
            )))
            .bind(bind)
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            (rows, payments)
        });
        // Each line's payments by key: a year has thousands of lines and payments.
        let mut by_line: std::collections::HashMap<i64, (i64, Vec<PaymentRecord>)> =
            std::collections::HashMap::new();
        for (id, line, kind, amount, on, voucher, note, by) in payments {
            let kind = PaymentKind::parse(&kind).ok_or_else(|| corrupt("资金收支类型", &kind))?;
            let entry = by_line.entry(line).or_default();
            entry.0 += if kind == PaymentKind::Pay {
                amount
            } else {
                -amount
            };
            entry.1.push(PaymentRecord {
                id,
                kind,
                amount: Money::from_fen(amount),
                on,
                voucher,
                note,
                by,
            });
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let (spent, mine) = by_line.remove(&r.id).unwrap_or_default();
            out.push(PlanLine {
                id: r.id,
                fund_id: r.fund_id,
                doc_number: r.doc_number,
                fund_year: i32::try_from(r.fund_year).map_err(|e| corrupt("资金年度", e))?,
                project_id: r.project_id,
                project_name: r.project_name,
                fund_category: r.fund_category,
                tasks: r.tasks,
                type_code: r.type_code,
                division_name: r.division_name.unwrap_or_default(),
                stage: ProjectStage::parse(&r.stage)
                    .ok_or_else(|| corrupt("项目状态", &r.stage))?,
                amount: Money::from_fen(r.amount_fen),
                planned_on: r.planned_on,
                spent: Money::from_fen(spent),
                payments: mine,
            });
        }
        Ok(out)
    }

    /// Project `id` if the actor may act on it with `p`: `None` when unknown or out of
    /// sight (refusal audited).
    async fn visible_project(
        &self,
        actor: &Actor,
        id: i64,
        p: Permission,
    ) -> StoreResult<Option<ProjectSummary>> {
        // Reading the library is open to those who propose to it (a sector department).
        if !(p == Permission::ViewRegistry && actor.may(Permission::ProposeProjects)) {
            self.permit(actor, p, &format!("项目#{id}")).await?;
        }
        let row: Option<ProjectRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE p.id = $1",
                project_select()
            )))
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some(row) = row else { return Ok(None) };
        let project = row.summary()?;
        if !actor.scope.covers(&project.division) {
            let _ = self.deny(actor, &format!("项目#{id}")).await;
            return Ok(None);
        }
        Ok(Some(project))
    }

    /// Fund `id` if in the actor's sight; `None` when unknown or out of sight (audited).
    async fn visible_fund(&self, actor: &Actor, id: i64) -> StoreResult<Option<FundSummary>> {
        self.permit(actor, Permission::ViewRegistry, &format!("资金#{id}"))
            .await?;
        let row: Option<FundRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE f.id = $1",
                fund_select()
            )))
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some(row) = row else { return Ok(None) };
        let fund = row.summary()?;
        if !fund_in_sight(actor, &fund.county) {
            let _ = self.deny(actor, &format!("资金#{id}")).await;
            return Ok(None);
        }
        Ok(Some(fund))
    }

    /// Refuses (audited) anyone but the county's own officers (or the system) writing money.
    async fn county_writer(
        &self,
        actor: &Actor,
        county: &DivisionCode,
        target: &str,
    ) -> StoreResult<()> {
        let county_role = matches!(actor.role, None | Some(Role::CountyAdmin));
        if !county_role || !actor.scope.covers(county) || !actor.may(Permission::HandleCases) {
            return Err(self.deny(actor, target).await);
        }
        Ok(())
    }
}

/// A proposal checked against the store's rules, with its cleaned text and households.
struct CheckedProject {
    county: DivisionCode,
    name: String,
    unit: String,
    tasks: String,
    sources: String,
    mechanism: String,
    households: Vec<(i64, LinkMechanism)>,
}

/// Inserts project `$id` (checked as `$v`) at `$stage` with its targets and households.
macro_rules! insert_project {
    ($tx:ident, $id:expr, $p:expr, $v:expr, $stage:expr, $stage_on:expr, $now:expr, $actor:expr) => {{
        let (id, p, v): (i64, &NewProject, &CheckedProject) = ($id, $p, &$v);
        sqlx::query(
            "INSERT INTO projects (id, county, division, name, type_code, nature, planned_year,
               start_on, end_on, unit, tasks, budget_fen, sources, mechanism, stage, stage_on,
               version, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, $17, $18)",
        )
        .bind(id)
        .bind(v.county.as_str())
        .bind(p.division.as_str())
        .bind(&v.name)
        .bind(&p.type_code)
        .bind(p.nature.code())
        .bind(i64::from(p.planned_year))
        .bind(p.start_on)
        .bind(p.end_on)
        .bind(&v.unit)
        .bind(&v.tasks)
        .bind(p.budget.fen())
        .bind(&v.sources)
        .bind(&v.mechanism)
        .bind($stage.code())
        .bind($stage_on)
        .bind(&$now)
        .bind(&$actor.name)
        .execute(&mut *$tx)
        .await
        .map_err(backend)?;
        for (ord, t) in p.targets.iter().enumerate() {
            if t.name.trim().is_empty() {
                continue;
            }
            sqlx::query(
                "INSERT INTO project_targets (project_id, ord, kind, name, value)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(i64::try_from(ord).unwrap_or(i64::MAX))
            .bind(t.kind.code())
            .bind(t.name.trim())
            .bind(t.value.trim())
            .execute(&mut *$tx)
            .await
            .map_err(backend)?;
        }
        for (hid, mechanism) in &v.households {
            sqlx::query(
                "INSERT INTO project_beneficiaries (project_id, household_id, mechanism)
                 VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(hid)
            .bind(mechanism.code())
            .execute(&mut *$tx)
            .await
            .map_err(backend)?;
        }
    }};
}

impl SqlStore {
    /// Checks a proposal or an imported project against the store's rules.
    async fn checked_project(&self, actor: &Actor, p: &NewProject) -> StoreResult<CheckedProject> {
        self.permit(actor, Permission::ProposeProjects, "项目库")
            .await?;
        if !actor.scope.covers(&p.division) {
            return Err(self.deny(actor, p.division.as_str()).await);
        }
        // A department sees no household: the households a project benefits are listed by
        // the village or town that proposes it.
        if !actor.may(Permission::ViewRegistry) && !p.beneficiaries.is_empty() {
            return Err(StoreError::Invalid(
                "部门申报的项目不登记受益户：请在联农带农机制中写明带动方式和带动户数".into(),
            ));
        }
        if p.division.level() < DivisionLevel::Town {
            return Err(StoreError::Invalid(
                "项目地点应为村（跨村项目为乡镇），不能是县以上".into(),
            ));
        }
        let county = p
            .division
            .ancestor_at(DivisionLevel::County)
            .ok_or_else(|| StoreError::Invalid("项目地点的区划代码无效".into()))?;
        let name = text(&p.name, 60, "请填写项目名称（不超过60字）")?;
        let unit = text(&p.unit, 40, "请填写实施单位（不超过40字）")?;
        let tasks = text(&p.tasks, 1000, "请填写建设任务（内容和规模，不超过1000字）")?;
        let sources = optional_text(&p.sources, 200, "资金来源")?;
        let mechanism = text(
            &p.mechanism,
            500,
            "请填写联农带农机制：项目怎样带动农户（务工、分红、租金、订单收购等，不超过500字）",
        )?;
        if let Some(m) = p.budget.entry_problem("项目总投资") {
            return Err(StoreError::Invalid(m));
        }
        // 9: the place must be a division of the table.
        let known: i64 = read!(self, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM divisions WHERE code = $1")
                .bind(p.division.as_str())
                .fetch_one(pool)
                .await
                .map_err(backend)?
        });
        if known == 0 {
            return Err(StoreError::Invalid(format!(
                "项目地点{}不在区划表中",
                p.division
            )));
        }
        if p.end_on < p.start_on {
            return Err(StoreError::Invalid(format!(
                "实施期限的结束日期{}早于开始日期{}",
                p.end_on, p.start_on
            )));
        }
        if let Some((_, m)) = target_problems(&p.targets).first() {
            return Err(StoreError::Invalid(m.clone()));
        }
        if p.beneficiaries.len() > MAX_BENEFICIARIES {
            return Err(StoreError::Invalid(format!(
                "一个项目最多登记{MAX_BENEFICIARIES}户受益户，填了{}户",
                p.beneficiaries.len()
            )));
        }
        let mut households = Vec::with_capacity(p.beneficiaries.len());
        for (code, mechanism) in &p.beneficiaries {
            self.household_in_scope(actor, code, Permission::ViewRegistry)
                .await?;
            let hid: Option<i64> = read!(self, |pool| {
                sqlx::query_scalar("SELECT id FROM households WHERE code = $1")
                    .bind(code.as_str())
                    .fetch_optional(pool)
                    .await
                    .map_err(backend)?
            });
            let hid = hid.ok_or_else(|| StoreError::Invalid(format!("受益户编号{code}不存在")))?;
            if households.iter().any(|(h, _)| *h == hid) {
                return Err(StoreError::Invalid(format!("受益户{code}填了两次")));
            }
            households.push((hid, *mechanism));
        }
        Ok(CheckedProject {
            county,
            name,
            unit,
            tasks,
            sources,
            mechanism,
            households,
        })
    }
}

#[async_trait]
impl FundStore for SqlStore {
    async fn propose_project(&self, actor: &Actor, p: &NewProject) -> StoreResult<i64> {
        let v = self.checked_project(actor, p).await?;
        let detail = serde_json::json!({
            "division": p.division.as_str(),
            "name": v.name,
            "type": p.type_code,
            "planned_year": p.planned_year,
            "budget_fen": p.budget.fen(),
            "beneficiaries": v.households.len(),
        })
        .to_string();
        // Who proposed it, for the history: a sector department, a town (a cross-village
        // project) or the village.
        let proposal = if actor.role == Some(Role::DepartmentOfficer) {
            "propose_department"
        } else if p.division.level() == DivisionLevel::Town {
            "propose_town"
        } else {
            "propose"
        };
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            let id: i64 = allocate!(tx, "projects", 1i64);
            insert_project!(
                tx,
                id,
                p,
                v,
                ProjectStage::Proposed,
                p.proposed_on,
                now,
                actor
            );
            let eid: i64 = allocate!(tx, "project_events", 1i64);
            sqlx::query(
                "INSERT INTO project_events (id, project_id, action, happened_on, note, document,
                   notice_place, notice_from, notice_to, at, by_name)
                 VALUES ($1, $2, $9, $3, '', '', $4, $5, $6, $7, $8)",
            )
            .bind(eid)
            .bind(id)
            .bind(p.proposed_on)
            .bind(p.notice.place.trim())
            .bind(p.notice.from)
            .bind(p.notice.to)
            .bind(&now)
            .bind(&actor.name)
            .bind(proposal)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            audit_in!(tx, actor, "project.propose", &format!("项目#{id}"), &detail);
            id
        });
        Ok(id)
    }

    async fn import_projects(
        &self,
        actor: &Actor,
        projects: &[(NewProject, ProjectStage)],
    ) -> StoreResult<Vec<i64>> {
        if !matches!(actor.role, None | Some(Role::CountyAdmin)) {
            return Err(self.deny(actor, "项目库导入").await);
        }
        let mut checked = Vec::with_capacity(projects.len());
        for (n, (p, stage)) in projects.iter().enumerate() {
            if !stage.in_library() {
                return Err(StoreError::Invalid(format!(
                    "第{}个项目：导入的项目应已入库，不能是“{}”",
                    n + 1,
                    stage.label()
                )));
            }
            let v = self.checked_project(actor, p).await.map_err(|e| match e {
                StoreError::Invalid(m) => StoreError::Invalid(format!("第{}个项目：{m}", n + 1)),
                other => other,
            })?;
            checked.push(v);
        }
        let detail = serde_json::json!({ "projects": projects.len() }).to_string();
        let now = audit::timestamp(Utc::now());
        let ids = write_tx!(self, |tx| {
            let n = i64::try_from(projects.len()).unwrap_or(i64::MAX);
            let first: i64 = allocate!(tx, "projects", n);
            let first_event: i64 = allocate!(tx, "project_events", n);
            for (k, ((p, stage), v)) in projects.iter().zip(&checked).enumerate() {
                let k = i64::try_from(k).unwrap_or(i64::MAX);
                let id = first + k;
                insert_project!(tx, id, p, v, *stage, p.proposed_on, now, actor);
                sqlx::query(
                    "INSERT INTO project_events (id, project_id, action, happened_on, note, document, at, by_name)
                     VALUES ($1, $2, 'import', $3, $4, '', $5, $6)",
                )
                .bind(first_event + k)
                .bind(id)
                .bind(p.proposed_on)
                .bind(format!("从项目清单导入，导入时状态：{}", stage.label()))
                .bind(&now)
                .bind(&actor.name)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            audit_in!(tx, actor, "project.import", "项目库", &detail);
            (first..first + n).collect::<Vec<i64>>()
        });
        Ok(ids)
    }

    async fn projects(
        &self,
        actor: &Actor,
        filter: &ProjectFilter,
    ) -> StoreResult<Vec<ProjectSummary>> {
        Ok(self.project_page(actor, filter, 0, i64::MAX).await?.rows)
    }

    async fn project_page(
        &self,
        actor: &Actor,
        filter: &ProjectFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<ProjectPage> {
        if !actor.may(Permission::ProposeProjects) {
            self.permit(actor, Permission::ViewRegistry, "项目库")
                .await?;
        }
        let (lo, hi) = self.area_range(actor, filter.within.as_ref()).await?;
        let words = dixian_store::search_words(filter.search.as_deref().unwrap_or(""));
        let pattern = format!("%{words}%");
        // Stage codes come from the enum, never from the request.
        let stages = if filter.stages.is_empty() {
            String::new()
        } else {
            format!(
                " AND p.stage IN ({})",
                filter
                    .stages
                    .iter()
                    .map(|s| format!("'{}'", s.code()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let designation = crate::designation_binds(filter.designation.as_ref());
        // The designation's two parameters come after the others of each query.
        let where_at = |kind: &str, on: &str| {
            format!(
                "p.division BETWEEN $1 AND $2
               AND ($3 = '' OR p.stage = $3)
               AND ($4 = 0 OR p.planned_year = $4)
               AND ($5 = '' OR p.name LIKE $6){stages}
               AND {}",
                crate::designated_sql("p.division", kind, on)
            )
        };
        let stage = filter.stage.map(|s| s.code()).unwrap_or("");
        let year = i64::from(filter.planned_year.unwrap_or(0));
        let whole = offset == 0 && limit == i64::MAX;
        let (rows, totals): (Vec<ProjectRow>, Option<(i64, i64, i64)>) = read!(self, |pool| {
            let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE {} ORDER BY p.planned_year DESC, p.id DESC LIMIT $7 OFFSET $8",
                project_select(),
                where_at("$9", "$10")
            )))
            .bind(&lo)
            .bind(&hi)
            .bind(stage)
            .bind(year)
            .bind(&words)
            .bind(&pattern)
            .bind(limit.max(0))
            .bind(offset.max(0))
            .bind(&designation.0)
            .bind(designation.1)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            let totals = if whole {
                None
            } else {
                Some(
                    sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT COUNT(*), COALESCE(CAST(SUM(p.budget_fen) AS BIGINT), 0),
                                COALESCE((SELECT CAST(SUM(l.amount_fen) AS BIGINT)
                                            FROM fund_lines l JOIN projects p ON p.id = l.project_id
                                           WHERE {where_}), 0)
                           FROM projects p WHERE {where_}",
                        where_ = where_at("$7", "$8")
                    )))
                    .bind(&lo)
                    .bind(&hi)
                    .bind(stage)
                    .bind(year)
                    .bind(&words)
                    .bind(&pattern)
                    .bind(&designation.0)
                    .bind(designation.1)
                    .fetch_one(pool)
                    .await
                    .map_err(backend)?,
                )
            };
            (rows, totals)
        });
        let rows = rows
            .into_iter()
            .map(ProjectRow::summary)
            .collect::<StoreResult<Vec<_>>>()?;
        let (total, budget, planned) = match totals {
            Some(t) => t,
            None => (
                i64::try_from(rows.len()).unwrap_or(i64::MAX),
                rows.iter().map(|p| p.budget.fen()).sum(),
                rows.iter().map(|p| p.planned.fen()).sum(),
            ),
        };
        Ok(ProjectPage {
            rows,
            total,
            budget: Money::from_fen(budget),
            planned: Money::from_fen(planned),
        })
    }

    async fn project(&self, actor: &Actor, id: i64) -> StoreResult<Option<ProjectFile>> {
        let Some(project) = self
            .visible_project(actor, id, Permission::ViewRegistry)
            .await?
        else {
            return Ok(None);
        };
        type EventRow = (
            i64,
            String,
            NaiveDate,
            String,
            String,
            Option<String>,
            Option<NaiveDate>,
            Option<NaiveDate>,
            String,
            String,
        );
        let (more, targets, beneficiaries, events, files): (
            (String, String, String, String),
            Vec<(String, String, String)>,
            Vec<(String, Option<String>, Option<String>, String)>,
            Vec<EventRow>,
            Vec<crate::FileRow>,
        ) = read!(self, |pool| {
            let more = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT tasks, sources, mechanism, {} FROM projects WHERE id = $1",
                crate::shown_name("created_by")
            )))
            .bind(id)
            .fetch_one(pool)
            .await
            .map_err(backend)?;
            let targets = sqlx::query_as(
                "SELECT kind, name, value FROM project_targets WHERE project_id = $1 ORDER BY ord",
            )
            .bind(id)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            let beneficiaries = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT h.code, {}, d.name, b.mechanism FROM project_beneficiaries b
                   JOIN households h ON h.id = b.household_id
                   LEFT JOIN divisions d ON d.code = h.village_code
                  WHERE b.project_id = $1 ORDER BY h.code",
                crate::LIVING_HEAD_NAME
            )))
            .bind(id)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            let events = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT id, action, happened_on, note, document, notice_place, notice_from,
                        notice_to, at, {} FROM project_events WHERE project_id = $1 ORDER BY id",
                crate::shown_name("by_name")
            )))
            .bind(id)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            let files: Vec<crate::FileRow> = sqlx::query_as(
                "SELECT id, event_id, name, content_type, size FROM project_files
                  WHERE project_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            (more, targets, beneficiaries, events, files)
        });
        let targets = targets
            .into_iter()
            .map(|(kind, name, value)| {
                Ok(PerformanceTarget {
                    kind: TargetKind::parse(&kind).ok_or_else(|| corrupt("绩效指标类型", &kind))?,
                    name,
                    value,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let beneficiaries = beneficiaries
            .into_iter()
            .map(|(code, head, village, mechanism)| {
                Ok(Beneficiary {
                    household: HouseholdCode::parse(&code).map_err(|e| corrupt("户编号", e))?,
                    head_name: head.unwrap_or_default(),
                    village_name: village.unwrap_or_default(),
                    mechanism: LinkMechanism::parse(&mechanism)
                        .ok_or_else(|| corrupt("联农带农方式", &mechanism))?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let events = events
            .into_iter()
            .map(
                |(eid, action, on, note, document, place, from, to, at, by)| {
                    // The proposal and the yearly roll-over are events, not actions on a project.
                    let (action, label) = match action.as_str() {
                        "propose" => (None, "村申报".to_string()),
                        "propose_town" => (None, "乡镇申报（跨村项目）".to_string()),
                        "propose_department" => (None, "行业部门申报".to_string()),
                        "roll_over" => (None, "滚动调整".to_string()),
                        "import" => (None, "导入".to_string()),
                        other => {
                            let a = ProjectAction::parse(other)
                                .ok_or_else(|| corrupt("项目办理动作", other))?;
                            (Some(a), a.label().to_string())
                        }
                    };
                    Ok(ProjectEventRecord {
                        action,
                        label,
                        on,
                        note,
                        document,
                        notice: match (place, from, to) {
                            (Some(place), Some(from), Some(to)) => Some(Notice { place, from, to }),
                            _ => None,
                        },
                        files: crate::files_of(&files, eid),
                        at: parse_time("办理时间", &at)?,
                        by,
                    })
                },
            )
            .collect::<StoreResult<Vec<_>>>()?;
        let lines = self.lines_where(actor, "l.project_id = $1", id).await?;
        // Households stay with those who may see the registry.
        let beneficiaries = if actor.may(Permission::ViewRegistry) {
            beneficiaries
        } else {
            Vec::new()
        };
        Ok(Some(ProjectFile {
            project,
            tasks: more.0,
            sources: more.1,
            mechanism: more.2,
            created_by_name: more.3,
            targets,
            beneficiaries,
            events,
            lines,
        }))
    }

    async fn advance_project(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        step: &ProjectStep,
    ) -> StoreResult<()> {
        let target = format!("项目#{id}");
        // Sending a returned proposal again is the proposer's; every other step is handling.
        let needs = if step.action == ProjectAction::Resubmit {
            Permission::ProposeProjects
        } else {
            Permission::HandleCases
        };
        let Some(project) = self.visible_project(actor, id, needs).await? else {
            return Err(StoreError::Invalid(format!("项目#{id}不存在")));
        };
        // A department sends again only what a department proposed: the village's and the
        // town's own proposals are theirs to correct.
        if actor.role == Some(Role::DepartmentOfficer) {
            let proposed_by: Option<String> = read!(self, |pool| {
                sqlx::query_scalar(
                    "SELECT action FROM project_events WHERE project_id = $1 ORDER BY id LIMIT 1",
                )
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(backend)?
            });
            if proposed_by.as_deref() != Some("propose_department") {
                return Err(self
                    .refuse(
                        actor,
                        &target,
                        serde_json::json!({ "action": step.action.code() }),
                    )
                    .await);
            }
        }
        if !step.action.permitted(actor.role, project.stage) {
            return Err(self
                .refuse(
                    actor,
                    &target,
                    serde_json::json!({ "action": step.action.code() }),
                )
                .await);
        }
        let next = step
            .action
            .apply(project.stage)
            .map_err(StoreError::Invalid)?;
        if project.version != version {
            return Err(StoreError::Conflict(
                "项目已被他人办理，请刷新页面后重新办理".into(),
            ));
        }
        if step.on < project.stage_on {
            return Err(StoreError::Invalid(format!(
                "办理日期{}早于上一步的日期{}",
                step.on, project.stage_on
            )));
        }
        if step.action.needs_notice() && step.notice.is_none() {
            return Err(StoreError::Invalid(format!(
                "“{}”须填写公示地点和起止日期",
                step.action.label()
            )));
        }
        if step.action == ProjectAction::Return && step.note.trim().is_empty() {
            return Err(StoreError::Invalid("退回须写明退回原因".into()));
        }
        if step.action == ProjectAction::Establish && project.planned <= Money::ZERO {
            return Err(StoreError::Invalid(
                "项目尚未安排资金，不能立项：请先在资金页把资金分配到本项目".into(),
            ));
        }
        let note = optional_text(&step.note, 500, "办理意见")?;
        let document = optional_text(&step.document, 100, "文件或单据编号")?;
        crate::checked_files(&step.files, MAX_PROJECT_FILES, "文件")?;
        let detail = serde_json::json!({
            "action": step.action.code(),
            "on": step.on.to_string(),
            "from": project.stage.code(),
            "to": next.code(),
            "files": step.files.len(),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        write_tx!(self, |tx| {
            let changed = sqlx::query(
                "UPDATE projects SET stage = $1, stage_on = $2, version = version + 1
                 WHERE id = $3 AND version = $4",
            )
            .bind(next.code())
            .bind(step.on)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
            if changed != 1 {
                return Err(StoreError::Conflict(
                    "项目已被他人办理，请刷新页面后重新办理".into(),
                ));
            }
            let eid: i64 = allocate!(tx, "project_events", 1i64);
            sqlx::query(
                "INSERT INTO project_events (id, project_id, action, happened_on, note, document,
                   notice_place, notice_from, notice_to, at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(eid)
            .bind(id)
            .bind(step.action.code())
            .bind(step.on)
            .bind(&note)
            .bind(&document)
            .bind(step.notice.as_ref().map(|n| n.place.trim().to_string()))
            .bind(step.notice.as_ref().map(|n| n.from))
            .bind(step.notice.as_ref().map(|n| n.to))
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            seal_files!(
                self,
                tx,
                "project_files",
                "project_id",
                id,
                eid,
                &step.files,
                F_PROJECT_FILE
            );
            audit_in!(tx, actor, "project.step", &target, &detail);
        });
        Ok(())
    }

    async fn project_document(
        &self,
        actor: &Actor,
        project_id: i64,
        file_id: i64,
    ) -> StoreResult<Option<(PhotoMeta, Vec<u8>)>> {
        // Scans (wage rolls, hand-over lists) may name people: they are for those who see the
        // registry, not for a department that only follows the library.
        self.permit(
            actor,
            Permission::ViewRegistry,
            &format!("项目#{project_id}"),
        )
        .await?;
        if self
            .visible_project(actor, project_id, Permission::ViewRegistry)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        self.read_sealed(
            actor,
            F_PROJECT_FILE,
            ("project_files", "project_id"),
            project_id,
            file_id,
            "project.file.read",
            &format!("项目#{project_id}"),
        )
        .await
    }

    async fn roll_over_projects(
        &self,
        actor: &Actor,
        county: &DivisionCode,
        from: i32,
        to: i32,
        on: NaiveDate,
    ) -> StoreResult<u64> {
        self.county_writer(actor, county, "项目库滚动调整").await?;
        if to <= from {
            return Err(StoreError::Invalid(format!(
                "滚动调整应把{from}年的项目调到以后的年度，不能调到{to}年"
            )));
        }
        let (lo, hi) = county.code_range();
        let detail = serde_json::json!({ "county": county.as_str(), "from": from, "to": to, "on": on.to_string() })
            .to_string();
        let now = audit::timestamp(Utc::now());
        let moved = write_tx!(self, |tx| {
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT p.id FROM projects p
                  WHERE p.division BETWEEN $1 AND $2 AND p.planned_year = $3 AND p.stage = 'library'
                    AND NOT EXISTS (SELECT 1 FROM fund_lines l WHERE l.project_id = p.id)
                  ORDER BY p.id",
            )
            .bind(&lo)
            .bind(&hi)
            .bind(i64::from(from))
            .fetch_all(&mut *tx)
            .await
            .map_err(backend)?;
            for pid in &ids {
                sqlx::query(
                    "UPDATE projects SET planned_year = $1, version = version + 1 WHERE id = $2",
                )
                .bind(i64::from(to))
                .bind(pid)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                let eid: i64 = allocate!(tx, "project_events", 1i64);
                sqlx::query(
                    "INSERT INTO project_events (id, project_id, action, happened_on, note, document, at, by_name)
                     VALUES ($1, $2, 'roll_over', $3, $4, '', $5, $6)",
                )
                .bind(eid)
                .bind(pid)
                .bind(on)
                .bind(format!("滚动调整：{from}年未安排资金，调入{to}年"))
                .bind(&now)
                .bind(&actor.name)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            audit_in!(tx, actor, "project.roll_over", county.as_str(), &detail);
            ids.len() as u64
        });
        Ok(moved)
    }

    async fn add_fund(&self, actor: &Actor, f: &NewFund) -> StoreResult<i64> {
        self.county_writer(actor, &f.county, "资金").await?;
        if f.county.level() != DivisionLevel::County {
            return Err(StoreError::Invalid("资金应登记在县级".into()));
        }
        let doc = text(
            &f.doc_number,
            50,
            "请填写资金文号（不超过50字），例如“渝财农〔2025〕12号”",
        )?;
        let title = text(&f.title, 100, "请填写文件标题（不超过100字）")?;
        if let Some(m) = f.amount.entry_problem("资金金额") {
            return Err(StoreError::Invalid(m));
        }
        let detail = serde_json::json!({
            "doc_number": doc, "level": f.level.code(), "year": f.year,
            "category": f.category, "amount_fen": f.amount.fen(),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let result: StoreResult<i64> = async {
            Ok(write_tx!(self, |tx| {
                let id: i64 = allocate!(tx, "funds", 1i64);
                sqlx::query(
                    "INSERT INTO funds (id, county, doc_number, title, level, year, category,
                       amount_fen, direct, received_on, created_at, created_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(id)
                .bind(f.county.as_str())
                .bind(&doc)
                .bind(&title)
                .bind(f.level.code())
                .bind(i64::from(f.year))
                .bind(&f.category)
                .bind(f.amount.fen())
                .bind(f.direct)
                .bind(f.received_on)
                .bind(&now)
                .bind(&actor.name)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                audit_in!(tx, actor, "fund.create", &format!("资金#{id}"), &detail);
                id
            }))
        }
        .await;
        match result {
            Err(StoreError::Conflict(_)) => Err(StoreError::Conflict(format!(
                "资金文号“{doc}”已登记过，不能重复登记"
            ))),
            other => other,
        }
    }

    async fn funds(&self, actor: &Actor, year: Option<i32>) -> StoreResult<Vec<FundSummary>> {
        self.permit(actor, Permission::ViewRegistry, "资金").await?;
        let rows: Vec<FundRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{} WHERE ($1 = 0 OR f.year = $1) ORDER BY f.year DESC, f.received_on DESC, f.id DESC",
                fund_select()
            )))
            .bind(i64::from(year.unwrap_or(0)))
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        let mut out = Vec::new();
        for r in rows {
            let f = r.summary()?;
            if fund_in_sight(actor, &f.county) {
                out.push(f);
            }
        }
        Ok(out)
    }

    async fn fund(&self, actor: &Actor, id: i64) -> StoreResult<Option<FundFile>> {
        let Some(fund) = self.visible_fund(actor, id).await? else {
            return Ok(None);
        };
        let by: String = read!(self, |pool| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM funds WHERE id = $1",
                crate::shown_name("created_by")
            )))
            .bind(id)
            .fetch_one(pool)
            .await
            .map_err(backend)?
        });
        let lines = self.lines_where(actor, "l.fund_id = $1", id).await?;
        Ok(Some(FundFile {
            fund,
            lines,
            created_by_name: by,
        }))
    }

    async fn plan_fund(
        &self,
        actor: &Actor,
        fund_id: i64,
        project_id: i64,
        amount: Money,
        on: NaiveDate,
    ) -> StoreResult<i64> {
        let Some(fund) = self.visible_fund(actor, fund_id).await? else {
            return Err(StoreError::Invalid(format!("资金#{fund_id}不存在")));
        };
        self.county_writer(actor, &fund.county, &format!("资金#{fund_id}"))
            .await?;
        let Some(project) = self
            .visible_project(actor, project_id, Permission::HandleCases)
            .await?
        else {
            return Err(StoreError::Invalid(format!("项目#{project_id}不存在")));
        };
        if project.county != fund.county {
            return Err(StoreError::Invalid(format!(
                "项目“{}”不在资金“{}”所属的县，不能分配",
                project.name, fund.doc_number
            )));
        }
        if !project.stage.in_library() {
            return Err(StoreError::Invalid(format!(
                "项目“{}”尚未县审定入库（当前：{}），只有项目库内的项目才能安排资金",
                project.name,
                project.stage.label()
            )));
        }
        if project.stage == ProjectStage::Settled {
            return Err(StoreError::Invalid(format!(
                "项目“{}”已报账，不能再安排资金",
                project.name
            )));
        }
        let detail = serde_json::json!({
            "fund": fund_id, "project": project_id, "amount_fen": amount.fen(), "on": on.to_string(),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            // Lock the document and the project before reading what is split of them, so two
            // splits at once queue here and cannot both fit (PostgreSQL reads committed rows;
            // SQLite's single writer already serialises them).
            sqlx::query("UPDATE funds SET amount_fen = amount_fen WHERE id = $1")
                .bind(fund_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            sqlx::query("UPDATE projects SET budget_fen = budget_fen WHERE id = $1")
                .bind(project_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            let (fund_planned, project_planned): (i64, i64) = sqlx::query_as(
                "SELECT COALESCE((SELECT CAST(SUM(amount_fen) AS BIGINT) FROM fund_lines WHERE fund_id = $1), 0),
                        COALESCE((SELECT CAST(SUM(amount_fen) AS BIGINT) FROM fund_lines WHERE project_id = $2), 0)",
            )
            .bind(fund_id)
            .bind(project_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
            if let Some(m) = split_problem(
                &fund.doc_number,
                fund.amount,
                Money::from_fen(fund_planned),
                amount,
            ) {
                return Err(StoreError::Invalid(m));
            }
            let after = project_planned.saturating_add(amount.fen());
            if after > project.budget.fen() {
                return Err(StoreError::Invalid(format!(
                    "项目“{}”总投资{}元，已安排{}元，再安排{}元将超出总投资{}元",
                    project.name,
                    project.budget.grouped(),
                    Money::from_fen(project_planned).grouped(),
                    amount.grouped(),
                    Money::from_fen(after - project.budget.fen()).grouped()
                )));
            }
            let id: i64 = allocate!(tx, "fund_lines", 1i64);
            sqlx::query(
                "INSERT INTO fund_lines (id, fund_id, project_id, amount_fen, planned_on, at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(fund_id)
            .bind(project_id)
            .bind(amount.fen())
            .bind(on)
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            audit_in!(tx, actor, "fund.plan", &format!("资金#{fund_id}"), &detail);
            id
        });
        Ok(id)
    }

    async fn record_payment(&self, actor: &Actor, p: &NewPayment) -> StoreResult<i64> {
        let found: Option<(i64, i64)> = read!(self, |pool| {
            sqlx::query_as("SELECT fund_id, project_id FROM fund_lines WHERE id = $1")
                .bind(p.line_id)
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        let Some((fund_id, project_id)) = found else {
            return Err(StoreError::Invalid(format!("资金计划#{}不存在", p.line_id)));
        };
        let Some(fund) = self.visible_fund(actor, fund_id).await? else {
            return Err(StoreError::Invalid(format!("资金计划#{}不存在", p.line_id)));
        };
        self.county_writer(actor, &fund.county, &format!("资金#{fund_id}"))
            .await?;
        if let Some(m) = p.amount.entry_problem("金额") {
            return Err(StoreError::Invalid(m));
        }
        let (stage, planned_on): (String, NaiveDate) = read!(self, |pool| {
            sqlx::query_as(
                "SELECT pr.stage, l.planned_on FROM fund_lines l JOIN projects pr ON pr.id = l.project_id
                  WHERE l.id = $1",
            )
            .bind(p.line_id)
            .fetch_one(pool)
            .await
            .map_err(backend)?
        });
        let stage = ProjectStage::parse(&stage).ok_or_else(|| corrupt("项目状态", &stage))?;
        if p.kind == PaymentKind::Pay
            && (matches!(stage, ProjectStage::Library) || stage == ProjectStage::Settled)
        {
            return Err(StoreError::Invalid(format!(
                "项目当前“{}”：立项后、报账前才能拨付资金",
                stage.label()
            )));
        }
        if p.on < planned_on {
            return Err(StoreError::Invalid(format!(
                "日期{}早于资金分配日期{planned_on}",
                p.on
            )));
        }
        let voucher = text(&p.voucher, 50, "请填写凭证号（不超过50字）")?;
        let note = optional_text(&p.note, 200, "说明")?;
        if p.kind == PaymentKind::Return && note.is_empty() {
            return Err(StoreError::Invalid("收回资金须写明原因".into()));
        }
        let detail = serde_json::json!({
            "line": p.line_id, "project": project_id, "kind": p.kind.code(),
            "amount_fen": p.amount.fen(), "on": p.on.to_string(), "voucher": voucher,
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            sqlx::query("UPDATE fund_lines SET amount_fen = amount_fen WHERE id = $1")
                .bind(p.line_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            let (planned, paid, returned): (i64, i64, i64) = sqlx::query_as(
                "SELECT l.amount_fen,
                   COALESCE((SELECT CAST(SUM(amount_fen) AS BIGINT) FROM fund_payments WHERE line_id = l.id AND kind = 'pay'), 0),
                   COALESCE((SELECT CAST(SUM(amount_fen) AS BIGINT) FROM fund_payments WHERE line_id = l.id AND kind = 'return'), 0)
                 FROM fund_lines l WHERE l.id = $1",
            )
            .bind(p.line_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
            let spent = paid - returned;
            match p.kind {
                PaymentKind::Pay if spent + p.amount.fen() > planned => {
                    return Err(StoreError::Invalid(format!(
                        "该项资金计划{}元，已支出{}元，再支出{}元将超出计划{}元",
                        Money::from_fen(planned).grouped(),
                        Money::from_fen(spent).grouped(),
                        p.amount.grouped(),
                        Money::from_fen(spent + p.amount.fen() - planned).grouped()
                    )));
                }
                PaymentKind::Return if p.amount.fen() > spent => {
                    return Err(StoreError::Invalid(format!(
                        "该项资金已支出{}元，收回{}元超过了已支出的金额",
                        Money::from_fen(spent).grouped(),
                        p.amount.grouped()
                    )));
                }
                _ => {}
            }
            let id: i64 = allocate!(tx, "fund_payments", 1i64);
            sqlx::query(
                "INSERT INTO fund_payments (id, line_id, kind, amount_fen, happened_on, voucher, note, at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(p.line_id)
            .bind(p.kind.code())
            .bind(p.amount.fen())
            .bind(p.on)
            .bind(&voucher)
            .bind(&note)
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            audit_in!(
                tx,
                actor,
                "fund.payment",
                &format!("资金#{fund_id}"),
                &detail
            );
            id
        });
        Ok(id)
    }

    async fn plan_lines(&self, actor: &Actor, year: i32) -> StoreResult<Vec<PlanLine>> {
        self.permit(actor, Permission::ViewRegistry, "资金").await?;
        // A line's project is of its document's county (`plan_fund`), so a line of a project
        // in sight is of a document in sight.
        self.lines_where(actor, "f.year = $1", i64::from(year))
            .await
    }

    async fn add_wages(&self, actor: &Actor, id: i64, wages: &[NewWage]) -> StoreResult<usize> {
        if !matches!(
            actor.role,
            None | Some(Role::CountyAdmin | Role::TownReviewer | Role::VillageOfficer)
        ) {
            return Err(self.deny(actor, &format!("项目#{id}")).await);
        }
        let Some(project) = self
            .visible_project(actor, id, Permission::HandleCases)
            .await?
        else {
            return Err(StoreError::Invalid(format!("项目#{id}不存在")));
        };
        if !project.stage.in_library() {
            return Err(StoreError::Invalid(format!(
                "项目“{}”尚未入库，不能登记劳务报酬",
                project.name
            )));
        }
        if wages.is_empty() || wages.len() > MAX_BENEFICIARIES {
            return Err(StoreError::Invalid(format!(
                "一次应登记1到{MAX_BENEFICIARIES}人的劳务报酬，现有{}人",
                wages.len()
            )));
        }
        let mut rows = Vec::with_capacity(wages.len());
        let mut found = 0;
        for (n, w) in wages.iter().enumerate() {
            let name = text(&w.name, 30, &format!("第{}行：请填写务工人员姓名", n + 1))?;
            let month_ok = w.month.len() == 7
                && w.month.bytes().enumerate().all(|(i, b)| {
                    if i == 4 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                });
            if !month_ok {
                return Err(StoreError::Invalid(format!(
                    "第{}行：务工月份“{}”应写成 2026-05",
                    n + 1,
                    w.month
                )));
            }
            if w.amount <= Money::ZERO {
                return Err(StoreError::Invalid(format!(
                    "第{}行：报酬金额必须大于0",
                    n + 1
                )));
            }
            // A registered worker of the project's county is linked; anyone else is kept by
            // name only, so nothing about other counties' people is learnt here.
            let linked: Option<(i64, i64, String)> = match &w.id_number {
                Some(idn) => {
                    let bidx = self.cipher.blind_index(crate::F_ID_NUMBER, idn.as_str());
                    read!(self, |pool| {
                        sqlx::query_as(
                            "SELECT p.id, h.id, h.village_code FROM persons p
                               JOIN households h ON h.id = p.household_id
                              WHERE p.id_number_bidx = $1",
                        )
                        .bind(&bidx)
                        .fetch_optional(pool)
                        .await
                        .map_err(backend)?
                    })
                }
                None => None,
            };
            // Only people of the officer's own area are linked: a number typed here must not
            // tell anyone whether someone elsewhere is registered, or where.
            let linked = linked.filter(|(_, _, village)| {
                DivisionCode::parse(village)
                    .is_ok_and(|v| v.is_within(&project.county) && actor.scope.covers(&v))
            });
            if linked.is_some() {
                found += 1;
            }
            rows.push((name, linked.map(|l| (l.0, l.1)), w));
        }
        let total: i64 = wages.iter().map(|w| w.amount.fen()).sum();
        let detail = serde_json::json!({
            "project": id, "workers": rows.len(), "registered": found, "total_fen": total,
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        write_tx!(self, |tx| {
            let first: i64 = allocate!(
                tx,
                "project_wages",
                i64::try_from(rows.len()).unwrap_or(i64::MAX)
            );
            for (wid, (name, linked, w)) in (first..).zip(&rows) {
                sqlx::query(
                    "INSERT INTO project_wages (id, project_id, name, person_id, household_id, month,
                       amount_fen, paid_on, at, by_name)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(wid)
                .bind(id)
                .bind(name)
                .bind(linked.map(|l| l.0))
                .bind(linked.map(|l| l.1))
                .bind(&w.month)
                .bind(w.amount.fen())
                .bind(w.paid_on)
                .bind(&now)
                .bind(&actor.name)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            audit_in!(tx, actor, "project.wages", &format!("项目#{id}"), &detail);
        });
        Ok(found)
    }

    async fn wages(&self, actor: &Actor, id: i64) -> StoreResult<Vec<WageRecord>> {
        // Workers are people of the registry, whoever else follows the project.
        self.permit(actor, Permission::ViewRegistry, &format!("项目#{id}"))
            .await?;
        if self
            .visible_project(actor, id, Permission::ViewRegistry)
            .await?
            .is_none()
        {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64, String, Option<String>, String, i64, NaiveDate, String)> =
            read!(self, |pool| {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT w.id, w.name, h.code, w.month, w.amount_fen, w.paid_on, {}
                       FROM project_wages w LEFT JOIN households h ON h.id = w.household_id
                      WHERE w.project_id = $1 ORDER BY w.paid_on, w.id",
                    crate::shown_name("w.by_name")
                )))
                .bind(id)
                .fetch_all(pool)
                .await
                .map_err(backend)?
            });
        rows.into_iter()
            .map(|(wid, name, code, month, amount, paid_on, by)| {
                Ok(WageRecord {
                    id: wid,
                    name,
                    household: code
                        .map(|c| HouseholdCode::parse(&c).map_err(|e| corrupt("户编号", e)))
                        .transpose()?
                        .filter(|h| h.village().is_some_and(|v| actor.scope.covers(&v))),
                    month,
                    amount: Money::from_fen(amount),
                    paid_on,
                    by,
                })
            })
            .collect()
    }

    async fn project_stage_counts(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
        year: Option<i32>,
    ) -> StoreResult<Vec<(ProjectStage, i64)>> {
        self.permit(actor, Permission::ViewRegistry, "项目库")
            .await?;
        let (lo, hi) = self.area_range(actor, within).await?;
        let rows: Vec<(String, i64)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT stage, COUNT(*) FROM projects
                  WHERE division BETWEEN $1 AND $2 AND ($3 = 0 OR planned_year = $3)
                  GROUP BY stage",
            )
            .bind(&lo)
            .bind(&hi)
            .bind(i64::from(year.unwrap_or(0)))
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter()
            .map(|(stage, n)| {
                Ok((
                    ProjectStage::parse(&stage).ok_or_else(|| corrupt("项目状态", &stage))?,
                    n,
                ))
            })
            .collect()
    }

    async fn planned_by_type(&self, actor: &Actor, year: i32) -> StoreResult<Vec<(String, Money)>> {
        self.permit(actor, Permission::ViewRegistry, "资金").await?;
        let (lo, hi) = actor.scope.code_range();
        let rows: Vec<(String, i64)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT p.type_code, CAST(SUM(l.amount_fen) AS BIGINT)
                   FROM fund_lines l JOIN funds f ON f.id = l.fund_id JOIN projects p ON p.id = l.project_id
                  WHERE f.year = $1 AND p.division BETWEEN $2 AND $3
                  GROUP BY p.type_code",
            )
            .bind(i64::from(year))
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        Ok(rows
            .into_iter()
            .map(|(t, fen)| (t, Money::from_fen(fen)))
            .collect())
    }

    async fn wage_totals(&self, actor: &Actor) -> StoreResult<Vec<(i64, Money, i64, i64)>> {
        self.permit(actor, Permission::ViewRegistry, "项目库")
            .await?;
        let (lo, hi) = actor.scope.code_range();
        let rows: Vec<(i64, i64, i64, i64)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT w.project_id, CAST(SUM(w.amount_fen) AS BIGINT), COUNT(DISTINCT w.name),
                        COUNT(DISTINCT CASE WHEN w.household_id IS NOT NULL THEN w.name END)
                   FROM project_wages w JOIN projects p ON p.id = w.project_id
                  WHERE p.division BETWEEN $1 AND $2
                  GROUP BY w.project_id",
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        Ok(rows
            .into_iter()
            .map(|(id, fen, workers, registered)| (id, Money::from_fen(fen), workers, registered))
            .collect())
    }

    async fn household_projects(
        &self,
        actor: &Actor,
        code: &HouseholdCode,
    ) -> StoreResult<Vec<HouseholdProject>> {
        self.household_visible(actor, code, Permission::ViewRegistry)
            .await?;
        let rows: Vec<(i64, String, String, i64, String)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT p.id, p.name, p.stage, p.planned_year, b.mechanism
                   FROM project_beneficiaries b JOIN projects p ON p.id = b.project_id
                   JOIN households h ON h.id = b.household_id
                  WHERE h.code = $1 ORDER BY p.planned_year DESC, p.id DESC",
            )
            .bind(code.as_str())
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter()
            .map(|(id, name, stage, year, mechanism)| {
                Ok(HouseholdProject {
                    project_id: id,
                    name,
                    stage: ProjectStage::parse(&stage)
                        .ok_or_else(|| corrupt("项目状态", &stage))?,
                    planned_year: i32::try_from(year).map_err(|e| corrupt("计划年度", e))?,
                    mechanism: LinkMechanism::parse(&mechanism)
                        .ok_or_else(|| corrupt("联农带农方式", &mechanism))?,
                })
            })
            .collect()
    }
}
