//! Cadres around villages (issue 22): 包片/包村 pairings, hand-overs of 帮扶责任人, 五级书记遍访
//! records and information officers, each scoped by the division it is about and audited in
//! its transaction.

use crate::problems::{optional_text, text};
use crate::{SqlStore, audit, backend, corrupt, parse_time};
use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use dixian_domain::access::{Actor, Permission, Role};
use dixian_domain::cadres::{
    OfficerKind, Pairing, PairingLevel, SecretaryLevel, Tour, TourHousehold, TourTarget,
    end_problem,
};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::registry::HouseholdCode;
use dixian_store::cadres::{
    CadreLoad, CadrePeriod, CadreStore, CurrentCadre, HandOver, MAX_TOURS, NewOfficer,
    OfficerRecord, PairingRecord, Successor, TourRecord,
};
use dixian_store::{AccountStore, StoreError, StoreResult};

type PairingRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    NaiveDate,
    Option<NaiveDate>,
    Option<String>,
    Option<i64>,
    Option<String>,
);
type TourRow = (
    i64,
    String,
    String,
    String,
    NaiveDate,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
);
type OfficerRow = (
    i64,
    String,
    String,
    String,
    String,
    NaiveDate,
    Option<NaiveDate>,
    Option<String>,
    Option<String>,
);

#[derive(sqlx::FromRow, serde::Deserialize)]
struct TourHouseholdRow {
    code: String,
    household_type: String,
    #[serde(deserialize_with = "crate::flex_bool")]
    monitored: bool,
}

const PAIRING_SELECT: &str = "SELECT p.id, p.level, p.division, p.person, p.post, p.unit,
       p.from_on, p.to_on, p.end_reason, p.successor_id, d.name
  FROM pairings p LEFT JOIN divisions d ON d.code = p.division";

const OFFICER_SELECT: &str = "SELECT o.id, o.division, o.name, o.phone, o.kind, o.from_on,
       o.to_on, o.end_reason, d.name
  FROM info_officers o LEFT JOIN divisions d ON d.code = o.division";

fn division(text: &str) -> StoreResult<DivisionCode> {
    DivisionCode::parse(text).map_err(|e| corrupt("区划代码", e))
}

fn pairing(r: PairingRow) -> StoreResult<PairingRecord> {
    Ok(PairingRecord {
        id: r.0,
        pairing: Pairing {
            level: PairingLevel::parse(&r.1).ok_or_else(|| corrupt("包联层级", &r.1))?,
            division: division(&r.2)?,
            person: r.3,
            post: r.4,
            unit: r.5,
            from: r.6,
        },
        to: r.7,
        end_reason: r.8,
        successor: r.9,
        division_name: r.10.unwrap_or_default(),
    })
}

fn officer(r: OfficerRow) -> StoreResult<OfficerRecord> {
    Ok(OfficerRecord {
        id: r.0,
        officer: NewOfficer {
            division: division(&r.1)?,
            name: r.2,
            phone: r.3,
            kind: OfficerKind::parse(&r.4).ok_or_else(|| corrupt("信息员类别", &r.4))?,
            from: r.5,
        },
        to: r.6,
        end_reason: r.7,
        division_name: r.8.unwrap_or_default(),
    })
}

fn tour(r: TourRow) -> StoreResult<TourRecord> {
    let target = match r.5.as_str() {
        "town" => TourTarget::Town(division(&r.6)?),
        "village" => TourTarget::Village(division(&r.6)?),
        "household" => {
            TourTarget::Household(HouseholdCode::parse(&r.6).map_err(|e| corrupt("户编号", e))?)
        }
        other => return Err(corrupt("遍访对象", other)),
    };
    Ok(TourRecord {
        id: r.0,
        tour: Tour {
            level: SecretaryLevel::parse(&r.1).ok_or_else(|| corrupt("书记层级", &r.1))?,
            of: division(&r.2)?,
            visitor: r.3,
            on: r.4,
            target,
            note: r.7,
        },
        target_name: r.8.unwrap_or_default(),
        by: r.9,
        at: parse_time("记录时间", &r.10)?,
    })
}

fn target_kind(t: &TourTarget) -> &'static str {
    match t {
        TourTarget::Town(_) => "town",
        TourTarget::Village(_) => "village",
        TourTarget::Household(_) => "household",
    }
}

/// County staff who handle the work (not a town, village or department account).
fn county_staff(actor: &Actor) -> bool {
    matches!(actor.role, None | Some(Role::CountyAdmin)) && actor.may(Permission::HandleCases)
}

/// Who may record or end a pairing of `level` on `division`: 包片 the county, 包村 the county or
/// the village's town.
fn may_pair(actor: &Actor, level: PairingLevel, division: &DivisionCode) -> bool {
    if !actor.scope.covers(division) {
        return false;
    }
    match level {
        PairingLevel::Town => county_staff(actor),
        PairingLevel::Village => {
            county_staff(actor)
                || (actor.role == Some(Role::TownReviewer) && actor.may(Permission::HandleCases))
        }
    }
}

/// Who may keep the officers of `division`: the county, or a town for itself and its villages.
fn may_staff(actor: &Actor, division: &DivisionCode) -> bool {
    actor.scope.covers(division)
        && (county_staff(actor)
            || (actor.role == Some(Role::TownReviewer) && actor.may(Permission::HandleCases)))
}

/// Who may record a visit by the secretary of `of`: the county for any; below it, staff whose
/// area holds `of` (a town for itself and its villages, a village for itself).
fn may_record_tour(actor: &Actor, level: SecretaryLevel, of: &DivisionCode) -> bool {
    let handles = actor.may(Permission::HandleCases)
        && matches!(
            actor.role,
            None | Some(Role::CountyAdmin | Role::TownReviewer | Role::VillageOfficer)
        );
    handles && actor.scope.covers(of) && (level != SecretaryLevel::County || county_staff(actor))
}

/// Writes a pairing inside transaction `$tx` (a new one, or a successor's); gives its id.
macro_rules! insert_pairing {
    ($tx:ident, $actor:expr, $now:expr, $level:expr, $division:expr, $person:expr, $post:expr, $unit:expr, $from:expr) => {{
        let id: i64 = allocate!($tx, "pairings", 1i64);
        sqlx::query(
            "INSERT INTO pairings (id, level, division, person, post, unit, from_on, at, by_name)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind($level.code())
        .bind($division.as_str())
        .bind($person)
        .bind($post)
        .bind($unit)
        .bind($from)
        .bind($now)
        .bind(&$actor.name)
        .execute(&mut *$tx)
        .await
        .map_err(backend)?;
        id
    }};
}

impl SqlStore {
    async fn pairing_by_id(&self, id: i64) -> StoreResult<Option<PairingRecord>> {
        let row: Option<PairingRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{PAIRING_SELECT} WHERE p.id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        row.map(pairing).transpose()
    }

    /// Ends `cadre`'s care of `household` on `on`, the period kept with `reason`: the
    /// release on a household's page and the registry's unassign both come here.
    /// `cadre` is the account's (username, display name): the audit names the login as an
    /// assignment's record does, messages the person.
    pub(crate) async fn end_assignment(
        &self,
        actor: &Actor,
        household: &HouseholdCode,
        cadre: i64,
        (username, cadre_name): (&str, &str),
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()> {
        let detail =
            serde_json::json!({ "cadre": username, "on": on.to_string(), "reason": reason })
                .to_string();
        let now = audit::timestamp(Utc::now());
        write_tx!(self, |tx| {
            // The sequence row first, as a hand-over takes it, so the two queue in one order
            // (then the audit head, then the assignment row).
            let _: i64 = allocate!(tx, "cadre_periods", 0i64);
            audit_in!(tx, actor, "cadre.unassign", household.as_str(), &detail);
            let found: Option<(i64, String)> = sqlx::query_as(
                "DELETE FROM cadre_assignments
                  WHERE user_id = $1
                    AND household_id = (SELECT id FROM households WHERE code = $2)
                 RETURNING household_id, assigned_at",
            )
            .bind(cadre)
            .bind(household.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
            let Some((hid, at)) = found else {
                return Err(StoreError::Invalid(format!(
                    "该账号不是户{household}现在的帮扶责任人，无需解除（可能已被他人解除或移交）"
                )));
            };
            let from = crate::beijing_day(parse_time("指定时间", &at)?);
            if on < from {
                return Err(StoreError::Invalid(format!(
                    "解除日期{on}早于{cadre_name}开始帮扶本户的{from}：请核对日期"
                )));
            }
            let pid: i64 = allocate!(tx, "cadre_periods", 1i64);
            sqlx::query(
                "INSERT INTO cadre_periods (id, household_id, user_id, from_on, to_on, reason,
                   at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(pid)
            .bind(hid)
            .bind(cadre)
            .bind(from)
            .bind(on)
            .bind(reason)
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        });
        Ok(())
    }
}

#[async_trait]
impl CadreStore for SqlStore {
    async fn add_pairing(&self, actor: &Actor, p: &Pairing) -> StoreResult<i64> {
        if let Some(problem) = p.problem() {
            return Err(StoreError::Invalid(problem));
        }
        if !may_pair(actor, p.level, &p.division) {
            return Err(self.deny(actor, p.division.as_str()).await);
        }
        let person = text(&p.person, 50, "请填写包联干部姓名（不超过50字）")?;
        let post = text(&p.post, 100, "请填写包联干部职务（不超过100字）")?;
        let unit = text(&p.unit, 100, "请填写包联干部所在单位（不超过100字）")?;
        self.known_division(&p.division).await?;
        let detail = serde_json::json!({
            "level": p.level.code(), "person": person, "from": p.from.to_string(),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            let id = insert_pairing!(
                tx,
                actor,
                &now,
                p.level,
                &p.division,
                &person,
                &post,
                &unit,
                p.from
            );
            audit_in!(tx, actor, "pairing.add", p.division.as_str(), &detail);
            id
        });
        Ok(id)
    }

    async fn end_pairing(
        &self,
        actor: &Actor,
        id: i64,
        on: NaiveDate,
        reason: &str,
        successor: Option<&Successor>,
    ) -> StoreResult<Option<i64>> {
        self.permit(actor, Permission::ViewRegistry, "包联干部")
            .await?;
        let target = format!("包联#{id}");
        let Some(cur) = self.pairing_by_id(id).await? else {
            return Err(StoreError::Invalid(format!("{target}不存在")));
        };
        if !actor.scope.covers(&cur.pairing.division) {
            let _ = self.deny(actor, &target).await;
            return Err(StoreError::Invalid(format!("{target}不存在")));
        }
        if !may_pair(actor, cur.pairing.level, &cur.pairing.division) {
            return Err(self.deny(actor, &target).await);
        }
        if cur.end_reason.is_some() {
            return Err(StoreError::Invalid(format!(
                "{}的包联已于{}结束",
                cur.pairing.person,
                cur.to.map(|t| t.to_string()).unwrap_or_default()
            )));
        }
        if let Some(problem) = end_problem(cur.pairing.from, cur.to, on) {
            return Err(StoreError::Invalid(problem));
        }
        let reason = text(
            reason,
            200,
            "请填写结束包联的原因（调动、退休等，不超过200字）",
        )?;
        let next = match successor {
            Some(s) => Some((
                text(&s.person, 50, "请填写接任干部姓名（不超过50字）")?,
                text(&s.post, 100, "请填写接任干部职务（不超过100字）")?,
                text(&s.unit, 100, "请填写接任干部所在单位（不超过100字）")?,
            )),
            None => None,
        };
        let detail = serde_json::json!({
            "on": on.to_string(), "reason": reason,
            "successor": next.as_ref().map(|n| n.0.clone()),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let new_id = write_tx!(self, |tx| {
            let new_id = match &next {
                Some((person, post, unit)) => Some(insert_pairing!(
                    tx,
                    actor,
                    &now,
                    cur.pairing.level,
                    &cur.pairing.division,
                    person,
                    post,
                    unit,
                    on
                )),
                None => None,
            };
            // Ended once: a second form sent for the same pairing changes nothing.
            let done = sqlx::query(
                "UPDATE pairings SET to_on = $1, end_reason = $2, successor_id = $3
                  WHERE id = $4 AND end_reason IS NULL",
            )
            .bind(on)
            .bind(&reason)
            .bind(new_id)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "{target}已被他人结束，请刷新后查看"
                )));
            }
            audit_in!(tx, actor, "pairing.end", &target, &detail);
            new_id
        });
        Ok(new_id)
    }

    async fn pairings(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<PairingRecord>> {
        self.permit(actor, Permission::ViewRegistry, "包联干部")
            .await?;
        let (lo, hi) = self.area_range(actor, within).await?;
        let rows: Vec<PairingRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{PAIRING_SELECT} WHERE p.division BETWEEN $1 AND $2
                  ORDER BY p.division, p.from_on, p.id"
            )))
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter().map(pairing).collect()
    }

    async fn hand_over(&self, actor: &Actor, h: &HandOver) -> StoreResult<usize> {
        self.permit(actor, Permission::EditRegistry, "调整帮扶责任人")
            .await?;
        if h.from == h.to {
            return Err(StoreError::Invalid(
                "移交人和接收人是同一个账号，请选另一位帮扶责任人".into(),
            ));
        }
        let reason = text(
            &h.reason,
            200,
            "请填写调整原因（调动、退休等，不超过200字）",
        )?;
        // Accounts whose area and the officer's do not meet are not named, nor said to exist.
        let meets = |d: &DivisionCode| match &actor.scope {
            dixian_domain::access::Scope::Everything => true,
            dixian_domain::access::Scope::Within(root) => d.is_within(root) || root.is_within(d),
        };
        let from = self.user_by_id(h.from).await?;
        let to = self.user_by_id(h.to).await?;
        for (id, user) in [(h.from, &from), (h.to, &to)] {
            if !user.as_ref().is_some_and(|u| meets(&u.division)) {
                let _ = self.deny(actor, &format!("账号#{id}")).await;
                return Err(StoreError::Invalid(format!("账号#{id}不存在")));
            }
        }
        let Some(from) = from.filter(|u| u.role == Role::AssistanceCadre) else {
            return Err(StoreError::Invalid(format!(
                "账号#{}不是帮扶责任人账号",
                h.from
            )));
        };
        let Some(to) = to.filter(|u| u.role == Role::AssistanceCadre && !u.disabled) else {
            return Err(StoreError::Invalid(format!(
                "账号#{}不是在用的帮扶责任人账号，不能接收农户",
                h.to
            )));
        };
        let (lo, hi) = actor.scope.code_range();
        let detail = serde_json::json!({
            "from": from.username, "to": to.username, "on": h.on.to_string(), "reason": reason,
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        // The receiving cadre's period starts on the hand-over day, not the day it is recorded.
        let taken_over = audit::timestamp(crate::beijing_midnight(h.on));
        let moved = write_tx!(self, |tx| {
            // The sequence row first: its lock queues concurrent hand-overs before the read,
            // so the second sees what the first moved (PostgreSQL reads committed data).
            let _: i64 = allocate!(tx, "cadre_periods", 0i64);
            let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
                "SELECT h.id, h.code, h.village_code, a.assigned_at
                   FROM cadre_assignments a JOIN households h ON h.id = a.household_id
                  WHERE a.user_id = $1 AND h.village_code BETWEEN $2 AND $3
                  ORDER BY h.code",
            )
            .bind(h.from)
            .bind(&lo)
            .bind(&hi)
            .fetch_all(&mut *tx)
            .await
            .map_err(backend)?;
            if rows.is_empty() {
                return Err(StoreError::Invalid(format!(
                    "{}在您的辖区内没有负责的农户，无需移交",
                    from.display_name
                )));
            }
            // The receiver's own earlier periods with these households: a new one may not start
            // before one ended (one cadre's periods with a household never overlap).
            let ended: std::collections::HashMap<i64, NaiveDate> = sqlx::query_as(
                "SELECT household_id, MAX(to_on) FROM cadre_periods WHERE user_id = $1
                  GROUP BY household_id",
            )
            .bind(h.to)
            .fetch_all(&mut *tx)
            .await
            .map_err(backend)?
            .into_iter()
            .collect();
            let mut problems = Vec::new();
            let mut periods = Vec::with_capacity(rows.len());
            for (hid, code, village, at) in &rows {
                let village = division(village)?;
                if !village.is_within(&to.division) {
                    problems.push(format!("{code}（不在{}的管辖范围内）", to.display_name));
                    continue;
                }
                // The day it began where the county is (Beijing time), as the form's dates are.
                let from_on = crate::beijing_day(parse_time("指定时间", at)?);
                if h.on < from_on {
                    problems.push(format!("{code}（{from_on}才指定，调整日期不能早于它）"));
                    continue;
                }
                if let Some(end) = ended.get(hid).filter(|end| h.on < **end) {
                    problems.push(format!(
                        "{code}（{}对该户的上一段帮扶到{end}结束，调整日期不能早于它）",
                        to.display_name
                    ));
                    continue;
                }
                periods.push((*hid, code.clone(), from_on));
            }
            if !problems.is_empty() {
                let n = problems.len();
                problems.truncate(10);
                return Err(StoreError::Invalid(format!(
                    "有{n}户不能移交给{}，未作任何调整：{}",
                    to.display_name,
                    problems.join("；")
                )));
            }
            let first: i64 = allocate!(
                tx,
                "cadre_periods",
                i64::try_from(periods.len()).unwrap_or(i64::MAX)
            );
            // The audit head before any assignment row, the order an assignment on a household
            // page takes them (audit, then the row), so the two never wait on each other.
            let entries: Vec<(String, String, String)> = periods
                .iter()
                .map(|(_, code, _)| ("cadre.hand_over".to_string(), code.clone(), detail.clone()))
                .collect();
            audit_many_in!(tx, actor, &entries);
            for (k, (hid, _, from_on)) in periods.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO cadre_periods (id, household_id, user_id, from_on, to_on, reason,
                       successor_id, at, by_name)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(first + i64::try_from(k).unwrap_or(0))
                .bind(hid)
                .bind(h.from)
                .bind(from_on)
                .bind(h.on)
                .bind(&reason)
                .bind(h.to)
                .bind(&now)
                .bind(&actor.name)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                sqlx::query(
                    "DELETE FROM cadre_assignments WHERE household_id = $1 AND user_id = $2",
                )
                .bind(hid)
                .bind(h.from)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                sqlx::query(
                    "INSERT INTO cadre_assignments (household_id, user_id, assigned_at)
                     VALUES ($1, $2, $3) ON CONFLICT (household_id, user_id) DO NOTHING",
                )
                .bind(hid)
                .bind(h.to)
                .bind(&taken_over)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            periods.len()
        });
        Ok(moved)
    }

    async fn release_cadre(
        &self,
        actor: &Actor,
        household: &HouseholdCode,
        cadre: i64,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()> {
        self.household_in_scope(actor, household, Permission::EditRegistry)
            .await?;
        let reason = text(
            reason,
            200,
            "请填写解除原因（调动、退休、本户不再需要帮扶等，不超过200字）",
        )?;
        let today = crate::beijing_day(Utc::now());
        if on > today {
            return Err(StoreError::Invalid(format!(
                "解除日期{on}晚于今天{today}：只能记已经解除的"
            )));
        }
        // Named only through the household's own assignment: an id typed into the address
        // tells nothing of accounts the officer does not deal with.
        let names: Option<(String, String)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT u.username, u.display_name FROM cadre_assignments a
                   JOIN households h ON h.id = a.household_id JOIN users u ON u.id = a.user_id
                  WHERE h.code = $1 AND a.user_id = $2",
            )
            .bind(household.as_str())
            .bind(cadre)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some((username, name)) = names else {
            return Err(StoreError::Invalid(format!(
                "该账号不是户{household}现在的帮扶责任人，无需解除（可能已被他人解除或移交）"
            )));
        };
        self.end_assignment(actor, household, cadre, (&username, &name), on, &reason)
            .await
    }

    async fn cadre_loads(&self, actor: &Actor) -> StoreResult<Vec<CadreLoad>> {
        self.permit(actor, Permission::ViewRegistry, "帮扶责任人")
            .await?;
        let (lo, hi) = actor.scope.code_range();
        let rows: Vec<(i64, String, String, i64, bool)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT u.id, u.display_name, u.division_code,
                        (SELECT COUNT(*) FROM cadre_assignments a JOIN households h ON h.id = a.household_id
                          WHERE a.user_id = u.id AND h.village_code BETWEEN $1 AND $2),
                        u.disabled
                   FROM users u
                  WHERE u.role = 'assistance_cadre'
                    AND (u.division_code BETWEEN $1 AND $2
                         OR EXISTS (SELECT 1 FROM cadre_assignments a JOIN households h ON h.id = a.household_id
                                     WHERE a.user_id = u.id AND h.village_code BETWEEN $1 AND $2))
                  ORDER BY u.division_code, u.display_name, u.id",
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter()
            .map(|(user_id, name, d, households, disabled)| {
                Ok(CadreLoad {
                    user_id,
                    name,
                    division: division(&d)?,
                    households,
                    disabled,
                })
            })
            .collect()
    }

    async fn household_cadres(
        &self,
        actor: &Actor,
        household: &HouseholdCode,
    ) -> StoreResult<(Vec<CurrentCadre>, Vec<CadrePeriod>)> {
        self.household_in_scope(actor, household, Permission::ViewRegistry)
            .await?;
        type Row = (
            String,
            Option<String>,
            String,
            NaiveDate,
            NaiveDate,
            String,
            Option<String>,
        );
        let (current, ended): (Vec<(i64, String, String)>, Vec<Row>) = read!(self, |pool| {
            let current = sqlx::query_as(
                "SELECT u.id, u.display_name, a.assigned_at
                   FROM cadre_assignments a JOIN households h ON h.id = a.household_id
                   JOIN users u ON u.id = a.user_id
                  WHERE h.code = $1 ORDER BY a.assigned_at, u.id",
            )
            .bind(household.as_str())
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            let ended = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT h.code, {head}, u.display_name, p.from_on, p.to_on, p.reason, s.display_name
                   FROM cadre_periods p JOIN households h ON h.id = p.household_id
                   JOIN users u ON u.id = p.user_id
                   LEFT JOIN users s ON s.id = p.successor_id
                  WHERE h.code = $1
                  ORDER BY p.to_on DESC, p.id DESC",
                head = crate::LIVING_HEAD_NAME
            )))
            .bind(household.as_str())
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            (current, ended)
        });
        let current = current
            .into_iter()
            .map(|(user_id, name, at)| {
                Ok(CurrentCadre {
                    user_id,
                    name,
                    since: crate::beijing_day(parse_time("指定时间", &at)?),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let ended = ended
            .into_iter()
            .map(|r| {
                Ok(CadrePeriod {
                    household: HouseholdCode::parse(&r.0).map_err(|e| corrupt("户编号", e))?,
                    head_name: r.1.unwrap_or_default(),
                    cadre: r.2,
                    from: r.3,
                    to: r.4,
                    reason: r.5,
                    successor: r.6,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((current, ended))
    }

    async fn cadre_periods(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<CadrePeriod>> {
        self.permit(actor, Permission::ViewRegistry, "帮扶责任人调整记录")
            .await?;
        let (lo, hi) = self.area_range(actor, within).await?;
        type Row = (
            String,
            Option<String>,
            String,
            NaiveDate,
            NaiveDate,
            String,
            Option<String>,
        );
        let rows: Vec<Row> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT h.code, {head}, u.display_name, p.from_on, p.to_on, p.reason, s.display_name
                   FROM cadre_periods p JOIN households h ON h.id = p.household_id
                   JOIN users u ON u.id = p.user_id
                   LEFT JOIN users s ON s.id = p.successor_id
                  WHERE h.village_code BETWEEN $1 AND $2
                  ORDER BY p.to_on DESC, p.id DESC LIMIT 500",
                head = crate::LIVING_HEAD_NAME
            )))
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter()
            .map(|r| {
                Ok(CadrePeriod {
                    household: HouseholdCode::parse(&r.0).map_err(|e| corrupt("户编号", e))?,
                    head_name: r.1.unwrap_or_default(),
                    cadre: r.2,
                    from: r.3,
                    to: r.4,
                    reason: r.5,
                    successor: r.6,
                })
            })
            .collect()
    }

    async fn add_tour(&self, actor: &Actor, t: &Tour) -> StoreResult<i64> {
        if let Some(problem) = t.problem() {
            return Err(StoreError::Invalid(problem));
        }
        if !may_record_tour(actor, t.level, &t.of) {
            return Err(self.deny(actor, t.of.as_str()).await);
        }
        let visitor = text(&t.visitor, 50, "请填写书记姓名（不超过50字）")?;
        let note = optional_text(&t.note, 1000, "遍访情况")?;
        let area = match &t.target {
            TourTarget::Town(c) | TourTarget::Village(c) => {
                self.known_division(c).await?;
                *c
            }
            TourTarget::Household(code) => {
                let found: Option<i64> = read!(self, |pool| {
                    sqlx::query_scalar("SELECT id FROM households WHERE code = $1")
                        .bind(code.as_str())
                        .fetch_optional(pool)
                        .await
                        .map_err(backend)?
                });
                if found.is_none() {
                    return Err(StoreError::Invalid(format!("农户{code}未登记")));
                }
                code.village()
                    .ok_or_else(|| StoreError::Invalid(format!("户编号{code}无效")))?
            }
        };
        let detail = serde_json::json!({
            "level": t.level.code(), "of": t.of.as_str(), "visitor": visitor,
            "on": t.on.to_string(), "target": t.target.code(),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            let id: i64 = allocate!(tx, "tours", 1i64);
            sqlx::query(
                "INSERT INTO tours (id, level, of_division, visitor, visited_on, target_kind,
                   target_code, target_area, note, at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(t.level.code())
            .bind(t.of.as_str())
            .bind(&visitor)
            .bind(t.on)
            .bind(target_kind(&t.target))
            .bind(t.target.code())
            .bind(area.as_str())
            .bind(&note)
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            audit_in!(tx, actor, "tour.add", &format!("遍访#{id}"), &detail);
            id
        });
        Ok(id)
    }

    async fn tours(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
        year: i32,
    ) -> StoreResult<Vec<TourRecord>> {
        self.permit(actor, Permission::ViewRegistry, "遍访记录")
            .await?;
        let (lo, hi) = self.area_range(actor, within).await?;
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return Err(StoreError::Invalid(format!("年度{year}无效")));
        };
        let rows: Vec<TourRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT t.id, t.level, t.of_division, t.visitor, t.visited_on, t.target_kind,
                        t.target_code, t.note,
                        CASE WHEN t.target_kind = 'household'
                             THEN (SELECT {head} FROM households h WHERE h.code = t.target_code)
                             ELSE (SELECT d.name FROM divisions d WHERE d.code = t.target_code) END,
                        {by}, t.at
                   FROM tours t
                  WHERE (t.of_division BETWEEN $1 AND $2 OR t.target_area BETWEEN $1 AND $2)
                    AND t.visited_on BETWEEN $3 AND $4
                  ORDER BY t.visited_on DESC, t.id DESC LIMIT {limit}",
                head = crate::LIVING_HEAD_NAME,
                by = crate::shown_name("t.by_name"),
                limit = MAX_TOURS + 1
            )))
            .bind(&lo)
            .bind(&hi)
            .bind(first)
            .bind(last)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter().map(tour).collect()
    }

    async fn tour_households(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<TourHousehold>> {
        self.permit(actor, Permission::ViewRegistry, "遍访对象")
            .await?;
        let (lo, hi) = self.area_range(actor, within).await?;
        // Tens of thousands of rows for a county: read the fastest way on each database.
        let inner =
            "SELECT h.code AS code, h.household_type AS household_type, h.monitored AS monitored
               FROM households h
              WHERE h.village_code BETWEEN $1 AND $2
                AND (h.monitored OR h.household_type = 'tuopin')
              ORDER BY h.code";
        let columns = ["code", "household_type", "monitored"];
        let rows: Vec<TourHouseholdRow> = json_rows!(
            self,
            TourHouseholdRow,
            "遍访对象",
            inner,
            columns,
            |q| q.bind(&lo).bind(&hi)
        );
        rows.into_iter()
            .map(|r| {
                Ok(TourHousehold {
                    code: HouseholdCode::parse(&r.code).map_err(|e| corrupt("户编号", e))?,
                    head_name: String::new(),
                    poverty_alleviated: r.household_type == "tuopin",
                    monitored: r.monitored,
                })
            })
            .collect()
    }

    async fn head_names(
        &self,
        actor: &Actor,
        households: &[HouseholdCode],
    ) -> StoreResult<Vec<(HouseholdCode, String)>> {
        self.permit(actor, Permission::ViewRegistry, "户主姓名")
            .await?;
        // Only households in the actor's area; codes are digits (parsed), safe to list.
        let list: Vec<String> = households
            .iter()
            .filter(|h| h.village().is_some_and(|v| actor.scope.covers(&v)))
            .take(2_000)
            .map(|h| format!("'{}'", h.as_str()))
            .collect();
        if list.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, Option<String>)> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT h.code, {head} FROM households h WHERE h.code IN ({})",
                list.join(","),
                head = crate::LIVING_HEAD_NAME
            )))
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter()
            .map(|(code, name)| {
                Ok((
                    HouseholdCode::parse(&code).map_err(|e| corrupt("户编号", e))?,
                    name.unwrap_or_default(),
                ))
            })
            .collect()
    }

    async fn add_officer(&self, actor: &Actor, o: &NewOfficer) -> StoreResult<i64> {
        if !matches!(
            o.division.level(),
            DivisionLevel::County | DivisionLevel::Town | DivisionLevel::Village
        ) {
            return Err(StoreError::Invalid(format!(
                "信息员按县、乡镇、村配备，{}是{}",
                o.division,
                o.division.level().label()
            )));
        }
        if !may_staff(actor, &o.division) {
            return Err(self.deny(actor, o.division.as_str()).await);
        }
        let name = text(&o.name, 50, "请填写信息员姓名（不超过50字）")?;
        let phone = dixian_domain::cadres::work_phone(&o.phone).map_err(StoreError::Invalid)?;
        self.known_division(&o.division).await?;
        let detail = serde_json::json!({
            "name": name, "kind": o.kind.code(), "from": o.from.to_string(),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            let id: i64 = allocate!(tx, "info_officers", 1i64);
            sqlx::query(
                "INSERT INTO info_officers (id, division, name, phone, kind, from_on, at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(o.division.as_str())
            .bind(&name)
            .bind(&phone)
            .bind(o.kind.code())
            .bind(o.from)
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            audit_in!(tx, actor, "officer.add", o.division.as_str(), &detail);
            id
        });
        Ok(id)
    }

    async fn end_officer(
        &self,
        actor: &Actor,
        id: i64,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()> {
        self.permit(actor, Permission::ViewRegistry, "信息员")
            .await?;
        let target = format!("信息员#{id}");
        let row: Option<OfficerRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{OFFICER_SELECT} WHERE o.id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some(cur) = row.map(officer).transpose()? else {
            return Err(StoreError::Invalid(format!("{target}不存在")));
        };
        if !actor.scope.covers(&cur.officer.division) {
            let _ = self.deny(actor, &target).await;
            return Err(StoreError::Invalid(format!("{target}不存在")));
        }
        if !may_staff(actor, &cur.officer.division) {
            return Err(self.deny(actor, &target).await);
        }
        if cur.end_reason.is_some() {
            return Err(StoreError::Invalid(format!(
                "{}已不再担任信息员",
                cur.officer.name
            )));
        }
        if let Some(problem) = end_problem(cur.officer.from, cur.to, on) {
            return Err(StoreError::Invalid(problem));
        }
        let reason = text(reason, 200, "请填写不再担任的原因（不超过200字）")?;
        let detail = serde_json::json!({ "on": on.to_string(), "reason": reason }).to_string();
        write_tx!(self, |tx| {
            let done = sqlx::query(
                "UPDATE info_officers SET to_on = $1, end_reason = $2
                  WHERE id = $3 AND end_reason IS NULL",
            )
            .bind(on)
            .bind(&reason)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "{target}已被他人处理，请刷新后查看"
                )));
            }
            audit_in!(tx, actor, "officer.end", &target, &detail);
        });
        Ok(())
    }

    async fn officers(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<OfficerRecord>> {
        self.permit(actor, Permission::ViewRegistry, "信息员")
            .await?;
        let (lo, hi) = self.area_range(actor, within).await?;
        let rows: Vec<OfficerRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{OFFICER_SELECT} WHERE o.division BETWEEN $1 AND $2 ORDER BY o.division, o.id"
            )))
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter().map(officer).collect()
    }
}
