//! Resident teams (驻村工作队, issue 22): formed and staffed by the county, seen by the staff of
//! the villages they serve, their day records kept by the town, the county or the village;
//! members' ID numbers sealed and blind-indexed; every write audited in its transaction.

use crate::problems::text;
use crate::{SqlStore, audit, backend, corrupt, crypto, parse_time};
use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use dixian_domain::access::{Actor, Permission, Role, Scope};
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::problems::Month;
use dixian_domain::teams::{Approver, DayKind, DayRecord, MemberRole, TeamRules, terms_overlap};
use dixian_store::teams::{MemberRecord, NewMember, NewTeam, StoredDays, TeamRecord, TeamStore};
use dixian_store::{StoreError, StoreResult};

/// Field of the sealed ID number of a team member (its own key, rotated with the others).
pub(crate) const F_MEMBER_ID: &str = "team_member.id_number";

type TeamRow = (
    i64,
    String,
    String,
    String,
    NaiveDate,
    Option<NaiveDate>,
    Option<String>,
);
/// A team's village: team id, village code, its name.
type TeamVillageRow = (i64, String, Option<String>);
type MemberRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    NaiveDate,
    Option<NaiveDate>,
    Option<String>,
);
type DaysRow = (
    i64,
    i64,
    NaiveDate,
    NaiveDate,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
);

fn county_only(actor: &Actor) -> bool {
    matches!(actor.role, None | Some(Role::CountyAdmin)) && actor.may(Permission::HandleCases)
}

/// Whether `actor` sees a team serving `villages`: a scope covering one of them, or the
/// county's staff.
fn sees(actor: &Actor, county: &DivisionCode, villages: &[(DivisionCode, String)]) -> bool {
    match &actor.scope {
        Scope::Everything => true,
        Scope::Within(root) => {
            county.is_within(root) || villages.iter().any(|(v, _)| v.is_within(root))
        }
    }
}

fn member(r: MemberRow) -> StoreResult<MemberRecord> {
    Ok(MemberRecord {
        id: r.0,
        team: r.1,
        name: r.2,
        id_masked: r.3,
        unit: r.4,
        position: r.5,
        role: MemberRole::parse(&r.6).ok_or_else(|| corrupt("队员职务", &r.6))?,
        from: r.7,
        to: r.8,
        end_reason: r.9,
    })
}

fn days(r: DaysRow) -> StoreResult<StoredDays> {
    Ok(StoredDays {
        id: r.0,
        member: r.1,
        record: DayRecord {
            from: r.2,
            to: r.3,
            kind: DayKind::parse(&r.4).ok_or_else(|| corrupt("在村情况", &r.4))?,
            approver: match r.5 {
                Some(a) => Some(Approver::parse(&a).ok_or_else(|| corrupt("审批机关", &a))?),
                None => None,
            },
            approval: r.6,
            note: r.7,
        },
        by: r.8,
        at: parse_time("记录时间", &r.9)?,
    })
}

const MEMBER_SELECT: &str =
    "SELECT id, team_id, name, id_masked, unit, position, role, from_on, to_on, end_reason
   FROM team_members";

impl SqlStore {
    /// Teams with ids `ids`, their villages and members, in id order.
    async fn teams_by_id(&self, rows: Vec<TeamRow>) -> StoreResult<Vec<TeamRecord>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let (villages, members): (Vec<TeamVillageRow>, Vec<MemberRow>) = read!(self, |pool| {
            let villages = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT v.team_id, v.village, d.name FROM team_villages v
                       LEFT JOIN divisions d ON d.code = v.village
                      WHERE v.team_id IN ({list}) ORDER BY v.village"
            )))
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            let members = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{MEMBER_SELECT} WHERE team_id IN ({list}) ORDER BY id"
            )))
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            (villages, members)
        });
        let members = members
            .into_iter()
            .map(member)
            .collect::<StoreResult<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, county, name, unit, from, to, end_reason)| {
                Ok(TeamRecord {
                    id,
                    county: DivisionCode::parse(&county).map_err(|e| corrupt("区划", e))?,
                    name,
                    unit,
                    villages: villages
                        .iter()
                        .filter(|v| v.0 == id)
                        .map(|v| {
                            Ok((
                                DivisionCode::parse(&v.1).map_err(|e| corrupt("区划", e))?,
                                v.2.clone().unwrap_or_default(),
                            ))
                        })
                        .collect::<StoreResult<Vec<_>>>()?,
                    from,
                    to,
                    end_reason,
                    members: members.iter().filter(|m| m.team == id).cloned().collect(),
                })
            })
            .collect()
    }

    /// Team `id` if the actor sees it; a refusal is audited and reads as unknown.
    async fn visible_team(&self, actor: &Actor, id: i64) -> StoreResult<Option<TeamRecord>> {
        self.permit(actor, Permission::ViewRegistry, "驻村工作队")
            .await?;
        let row: Option<TeamRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT id, county, name, unit, from_on, to_on, end_reason FROM teams WHERE id = $1",
            )
                .bind(id)
                .fetch_optional(pool)
                .await
                .map_err(backend)?
        });
        let Some(team) = self
            .teams_by_id(row.into_iter().collect())
            .await?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        if !sees(actor, &team.county, &team.villages) {
            let _ = self.deny(actor, &format!("驻村工作队#{id}")).await;
            return Ok(None);
        }
        Ok(Some(team))
    }
}

#[async_trait]
impl TeamStore for SqlStore {
    async fn add_team(&self, actor: &Actor, team: &NewTeam) -> StoreResult<i64> {
        let name = text(&team.name, 100, "请填写工作队名称（不超过100字）")?;
        let unit = text(&team.unit, 100, "请填写派出单位（不超过100字）")?;
        let Some(first) = team.villages.first() else {
            return Err(StoreError::Invalid("请选择工作队驻的村".into()));
        };
        let county = first
            .ancestor_at(DivisionLevel::County)
            .ok_or_else(|| StoreError::Invalid(format!("{first}不是村")))?;
        if !county_only(actor) || !actor.scope.covers(&county) {
            return Err(self.deny(actor, county.as_str()).await);
        }
        if team.villages.len() > 10 {
            return Err(StoreError::Invalid(format!(
                "一个工作队最多驻10个村，选了{}个",
                team.villages.len()
            )));
        }
        for v in &team.villages {
            if v.level() != DivisionLevel::Village || !v.is_within(&county) {
                return Err(StoreError::Invalid(format!("{v}不是本县的村")));
            }
        }
        let codes: Vec<&str> = team.villages.iter().map(DivisionCode::as_str).collect();
        let detail =
            serde_json::json!({ "name": name, "unit": unit, "villages": codes }).to_string();
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            let id: i64 = allocate!(tx, "teams", 1i64);
            for v in &team.villages {
                // The village's latest service: one not ended, else the last to end.
                let taken: Option<(String, Option<String>, Option<NaiveDate>)> = sqlx::query_as(
                    "SELECT t.name, d.name, v.to_on FROM team_villages v JOIN teams t ON t.id = v.team_id
                       LEFT JOIN divisions d ON d.code = v.village WHERE v.village = $1
                      ORDER BY v.to_on IS NULL DESC, v.to_on DESC LIMIT 1",
                )
                .bind(v.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
                match taken {
                    Some((t, village, None)) => {
                        return Err(StoreError::Invalid(format!(
                            "{}已有驻村工作队“{t}”，一个村同一时间只有一个工作队：请先在该工作队页面办理撤换",
                            village.unwrap_or_else(|| v.to_string())
                        )));
                    }
                    // The old team serves through its last day; the new one starts after it.
                    Some((t, village, Some(to))) if to >= team.from => {
                        return Err(StoreError::Invalid(format!(
                            "{}原驻村工作队“{t}”驻到{to}，新工作队的进驻日期{}须晚于这一天",
                            village.unwrap_or_else(|| v.to_string()),
                            team.from
                        )));
                    }
                    _ => {}
                }
                let known: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM divisions WHERE code = $1 AND level = 'village'",
                )
                .bind(v.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
                if known == 0 {
                    return Err(StoreError::Invalid(format!("{v}不在区划表中")));
                }
            }
            sqlx::query(
                "INSERT INTO teams (id, county, name, unit, from_on, at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(county.as_str())
            .bind(&name)
            .bind(&unit)
            .bind(team.from)
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            for v in &team.villages {
                sqlx::query("INSERT INTO team_villages (team_id, village) VALUES ($1, $2)")
                    .bind(id)
                    .bind(v.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
            }
            audit_in!(tx, actor, "team.add", &format!("驻村工作队#{id}"), &detail);
            id
        });
        Ok(id)
    }

    async fn teams(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<TeamRecord>> {
        self.permit(actor, Permission::ViewRegistry, "驻村工作队")
            .await?;
        let (lo, hi) = self.area_range(actor, within).await?;
        let rows: Vec<TeamRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT t.id, t.county, t.name, t.unit, t.from_on, t.to_on, t.end_reason FROM teams t
                  WHERE EXISTS (SELECT 1 FROM team_villages v
                                 WHERE v.team_id = t.id AND v.village BETWEEN $1 AND $2)
                  ORDER BY t.id",
            )
            .bind(&lo)
            .bind(&hi)
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        self.teams_by_id(rows).await
    }

    async fn team(&self, actor: &Actor, id: i64) -> StoreResult<Option<TeamRecord>> {
        self.visible_team(actor, id).await
    }

    async fn add_team_member(&self, actor: &Actor, m: &NewMember) -> StoreResult<i64> {
        let target = format!("驻村工作队#{}", m.team);
        let Some(team) = self.visible_team(actor, m.team).await? else {
            return Err(StoreError::Invalid(format!("{target}不存在")));
        };
        if !county_only(actor) || !actor.scope.covers(&team.county) {
            return Err(self.deny(actor, &target).await);
        }
        if let Some(to) = team.to {
            return Err(StoreError::Invalid(format!(
                "“{}”已于{to}撤换，不能再添加队员",
                team.name
            )));
        }
        let name = text(&m.name, 50, "请填写队员姓名（不超过50字）")?;
        let unit = text(&m.unit, 100, "请填写派出单位（不超过100字）")?;
        let position = text(&m.position, 100, "请填写原单位职务（不超过100字）")?;
        if let Some(to) = m.to.filter(|to| *to < m.from) {
            return Err(StoreError::Invalid(format!(
                "任期结束日期{to}早于开始日期{}",
                m.from
            )));
        }
        let bidx = self.cipher.blind_index(F_MEMBER_ID, m.id_number.as_str());
        let detail = serde_json::json!({
            "team": m.team, "role": m.role.code(), "from": m.from.to_string(),
            "to": m.to.map(|t| t.to_string()),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            // The id first: its sequence row's lock queues concurrent additions, so the terms
            // read next include any written just before (PostgreSQL reads committed data).
            let id: i64 = allocate!(tx, "team_members", 1i64);
            // Ended meanwhile (the end takes the same sequence row first).
            let ended: Option<NaiveDate> =
                sqlx::query_scalar("SELECT to_on FROM teams WHERE id = $1")
                    .bind(m.team)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(backend)?;
            if let Some(to) = ended {
                return Err(StoreError::Conflict(format!(
                    "“{}”已于{to}撤换，不能再添加队员",
                    team.name
                )));
            }
            let terms: Vec<(String, String, NaiveDate, Option<NaiveDate>)> = sqlx::query_as(
                "SELECT t.name, t.county, m.from_on, m.to_on FROM team_members m JOIN teams t ON t.id = m.team_id
                  WHERE m.id_number_bidx = $1",
            )
            .bind(&bidx)
            .fetch_all(&mut *tx)
            .await
            .map_err(backend)?;
            if let Some((t, county, from, to)) = terms
                .iter()
                .find(|(_, _, from, to)| terms_overlap((*from, *to), (m.from, m.to)))
            {
                // Another county's team is not named to this one.
                let which = if county.as_str() == team.county.as_str() {
                    format!("“{t}”")
                } else {
                    "其他区县的工作队".to_string()
                };
                return Err(StoreError::Invalid(format!(
                    "{name}已在{which}驻村（{from}起{}），同一时间只能在一个工作队，请先结束原任期",
                    to.map_or("，未结束".to_string(), |e| format!("至{e}"))
                )));
            }
            let sealed = self
                .cipher
                .encrypt(F_MEMBER_ID, &id.to_string(), m.id_number.as_str())
                .map_err(crypto)?;
            sqlx::query(
                "INSERT INTO team_members (id, team_id, name, id_number_enc, id_number_bidx, id_masked,
                   unit, position, role, from_on, to_on, at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(id)
            .bind(m.team)
            .bind(&name)
            .bind(sealed)
            .bind(&bidx)
            .bind(m.id_number.masked())
            .bind(&unit)
            .bind(&position)
            .bind(m.role.code())
            .bind(m.from)
            .bind(m.to)
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            audit_in!(tx, actor, "team.member.add", &target, &detail);
            id
        });
        Ok(id)
    }

    async fn end_team_member(
        &self,
        actor: &Actor,
        member_id: i64,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()> {
        let found: Option<MemberRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{MEMBER_SELECT} WHERE id = $1"
            )))
            .bind(member_id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some(m) = found.map(member).transpose()? else {
            return Err(StoreError::Invalid(format!("队员#{member_id}不存在")));
        };
        let Some(team) = self.visible_team(actor, m.team).await? else {
            return Err(StoreError::Invalid(format!("队员#{member_id}不存在")));
        };
        if !county_only(actor) || !actor.scope.covers(&team.county) {
            return Err(self.deny(actor, &format!("队员#{member_id}")).await);
        }
        let reason = text(
            reason,
            200,
            "请填写结束任期的原因（轮换、召回等，不超过200字）",
        )?;
        if on < m.from {
            return Err(StoreError::Invalid(format!(
                "结束日期{on}早于任期开始日期{}",
                m.from
            )));
        }
        if m.end_reason.is_some() {
            return Err(StoreError::Invalid(format!("{}的任期已经结束", m.name)));
        }
        if let Some(to) = m.to.filter(|to| on > *to) {
            return Err(StoreError::Invalid(format!(
                "结束日期{on}晚于任期结束日期{to}：任期只能提前结束，延长须另行选派"
            )));
        }
        let detail = serde_json::json!({ "on": on.to_string(), "reason": reason }).to_string();
        write_tx!(self, |tx| {
            // The day records' sequence lock: a record being written now is counted below.
            let _: i64 = allocate!(tx, "team_days", 0i64);
            // Day records after the end would fall outside the term.
            let later: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM team_days WHERE member_id = $1 AND to_on > $2",
            )
            .bind(member_id)
            .bind(on)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
            if later > 0 {
                return Err(StoreError::Invalid(format!(
                    "{}在{on}以后还有{later}条在村记录，结束日期不能早于这些记录",
                    m.name
                )));
            }
            let done = sqlx::query(
                "UPDATE team_members SET to_on = $1, end_reason = $2 WHERE id = $3 AND end_reason IS NULL",
            )
            .bind(on)
            .bind(&reason)
            .bind(member_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "{}的任期已被他人结束，请刷新页面",
                    m.name
                )));
            }
            audit_in!(
                tx,
                actor,
                "team.member.end",
                &format!("队员#{member_id}"),
                &detail
            );
        });
        Ok(())
    }

    async fn end_team(
        &self,
        actor: &Actor,
        id: i64,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()> {
        let target = format!("驻村工作队#{id}");
        let Some(team) = self.visible_team(actor, id).await? else {
            return Err(StoreError::Invalid(format!("{target}不存在")));
        };
        if !county_only(actor) || !actor.scope.covers(&team.county) {
            return Err(self.deny(actor, &target).await);
        }
        let reason = text(
            reason,
            200,
            "请填写撤换原因（轮换期满、工作调整等，不超过200字）",
        )?;
        if let Some(to) = team.to {
            return Err(StoreError::Invalid(format!(
                "“{}”已于{to}撤换，不能再次撤换",
                team.name
            )));
        }
        if on < team.from {
            return Err(StoreError::Invalid(format!(
                "撤换日期{on}早于工作队进驻日期{}",
                team.from
            )));
        }
        let today = crate::beijing_day(Utc::now());
        if on > today {
            return Err(StoreError::Invalid(format!(
                "撤换日期{on}晚于今天{today}：撤换办理后才记录"
            )));
        }
        let detail = serde_json::json!({ "on": on.to_string(), "reason": reason }).to_string();
        write_tx!(self, |tx| {
            // The members' and the day records' sequence locks, in the order an addition and a
            // day record take them: what is being written now is seen below.
            let _: i64 = allocate!(tx, "team_members", 0i64);
            let _: i64 = allocate!(tx, "team_days", 0i64);
            let starting: Option<(String, NaiveDate)> = sqlx::query_as(
                "SELECT name, from_on FROM team_members
                  WHERE team_id = $1 AND end_reason IS NULL AND from_on > $2
                  ORDER BY from_on LIMIT 1",
            )
            .bind(id)
            .bind(on)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
            if let Some((name, from)) = starting {
                return Err(StoreError::Invalid(format!(
                    "{name}的任期{from}才开始，晚于撤换日期{on}：请先核对该队员的任期"
                )));
            }
            let later: (i64, Option<NaiveDate>) = sqlx::query_as(
                "SELECT COUNT(*), MAX(d.to_on) FROM team_days d
                   JOIN team_members m ON m.id = d.member_id
                  WHERE m.team_id = $1 AND d.to_on > $2",
            )
            .bind(id)
            .bind(on)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
            if let (n @ 1.., Some(last)) = later {
                return Err(StoreError::Invalid(format!(
                    "队员在{on}以后还有{n}条在村记录（最晚到{last}），撤换日期不能早于这些记录"
                )));
            }
            let done = sqlx::query(
                "UPDATE teams SET to_on = $1, end_reason = $2 WHERE id = $3 AND to_on IS NULL",
            )
            .bind(on)
            .bind(&reason)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict(format!(
                    "“{}”已被他人撤换，请刷新页面",
                    team.name
                )));
            }
            sqlx::query("UPDATE team_villages SET to_on = $1 WHERE team_id = $2")
                .bind(on)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            // Terms still running (or planned past the day) end with the team.
            sqlx::query(
                "UPDATE team_members SET to_on = $1, end_reason = $2
                  WHERE team_id = $3 AND end_reason IS NULL AND (to_on IS NULL OR to_on > $1)",
            )
            .bind(on)
            .bind(format!("工作队撤换：{reason}"))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            audit_in!(tx, actor, "team.end", &target, &detail);
        });
        Ok(())
    }

    async fn record_days(
        &self,
        actor: &Actor,
        member_id: i64,
        month: Month,
        record: &DayRecord,
        rules: &TeamRules,
    ) -> StoreResult<i64> {
        let target = format!("队员#{member_id}");
        let found: Option<MemberRow> = read!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{MEMBER_SELECT} WHERE id = $1"
            )))
            .bind(member_id)
            .fetch_optional(pool)
            .await
            .map_err(backend)?
        });
        let Some(m) = found.map(member).transpose()? else {
            return Err(StoreError::Invalid(format!("{target}不存在")));
        };
        let Some(team) = self.visible_team(actor, m.team).await? else {
            return Err(StoreError::Invalid(format!("{target}不存在")));
        };
        let keeps = matches!(
            actor.role,
            None | Some(Role::CountyAdmin | Role::TownReviewer | Role::VillageOfficer)
        ) && actor.may(Permission::HandleCases);
        if !keeps {
            return Err(self.deny(actor, &target).await);
        }
        let detail = serde_json::json!({
            "member": member_id, "from": record.from.to_string(), "to": record.to.to_string(),
            "kind": record.kind.code(), "approver": record.approver.map(|a| a.code()),
        })
        .to_string();
        let now = audit::timestamp(Utc::now());
        let id = write_tx!(self, |tx| {
            // The id first, queueing concurrent records before the member's days are read.
            let id: i64 = allocate!(tx, "team_days", 1i64);
            // The term as it is now (an end written just before is seen).
            let term: (NaiveDate, Option<NaiveDate>) =
                sqlx::query_as("SELECT from_on, to_on FROM team_members WHERE id = $1")
                    .bind(member_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(backend)?;
            // The month's records and the neighbouring months' (a leave continued across).
            let rows: Vec<DaysRow> = sqlx::query_as(
                "SELECT id, member_id, from_on, to_on, kind, approver, approval, note, by_name, at
                   FROM team_days WHERE member_id = $1 AND from_on <= $2 AND to_on >= $3",
            )
            .bind(member_id)
            .bind(month.next().last_day())
            .bind(month.previous().first_day())
            .fetch_all(&mut *tx)
            .await
            .map_err(backend)?;
            let others: Vec<DayRecord> = rows
                .into_iter()
                .map(|r| days(r).map(|d| d.record))
                .collect::<StoreResult<Vec<_>>>()?;
            if let Some((_, message)) = record.problems(month, term, &others, rules).first() {
                return Err(StoreError::Invalid(format!("{}：{message}", m.name)));
            }
            sqlx::query(
                "INSERT INTO team_days (id, member_id, from_on, to_on, kind, approver, approval, note, at, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(member_id)
            .bind(record.from)
            .bind(record.to)
            .bind(record.kind.code())
            .bind(record.approver.map(|a| a.code()))
            .bind(record.approval.trim())
            .bind(record.note.trim())
            .bind(&now)
            .bind(&actor.name)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            audit_in!(
                tx,
                actor,
                "team.days",
                &format!("驻村工作队#{}", team.id),
                &detail
            );
            id
        });
        Ok(id)
    }

    async fn team_days(
        &self,
        actor: &Actor,
        team: i64,
        month: Month,
    ) -> StoreResult<Vec<StoredDays>> {
        if self.visible_team(actor, team).await?.is_none() {
            return Ok(Vec::new());
        }
        let rows: Vec<DaysRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT d.id, d.member_id, d.from_on, d.to_on, d.kind, d.approver, d.approval, d.note,
                        d.by_name, d.at
                   FROM team_days d JOIN team_members m ON m.id = d.member_id
                  WHERE m.team_id = $1 AND d.from_on <= $2 AND d.to_on >= $3
                  ORDER BY d.member_id, d.from_on",
            )
            .bind(team)
            .bind(month.last_day())
            .bind(month.first_day())
            .fetch_all(pool)
            .await
            .map_err(backend)?
        });
        rows.into_iter().map(days).collect()
    }
}
