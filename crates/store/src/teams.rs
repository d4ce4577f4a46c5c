//! Storage types of resident teams (驻村工作队, issue 22): teams of the county serving villages,
//! their members with terms, and the day records (工作纪实) the team leader or town keeps.

use crate::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::access::Actor;
use dixian_domain::division::DivisionCode;
use dixian_domain::id_number::IdNumber;
use dixian_domain::problems::Month;
use dixian_domain::teams::{DayRecord, MemberRole, TeamRules};

/// A team as formed by the county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTeam {
    pub name: String,
    /// 派出单位 (the lead unit; members may come from others).
    pub unit: String,
    /// The villages it serves (one team at a time per village).
    pub villages: Vec<DivisionCode>,
    pub from: NaiveDate,
}

/// A member as sent (选派).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMember {
    pub team: i64,
    pub name: String,
    /// Kept encrypted, shown masked; its blind index finds the same person in another team.
    pub id_number: IdNumber,
    pub unit: String,
    /// 原单位职务.
    pub position: String,
    pub role: MemberRole,
    pub from: NaiveDate,
    /// The term's planned end, if set.
    pub to: Option<NaiveDate>,
}

/// A member as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    pub id: i64,
    pub team: i64,
    pub name: String,
    pub id_masked: String,
    pub unit: String,
    pub position: String,
    pub role: MemberRole,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    /// Why the term ended early (轮换、召回 …), when it did.
    pub end_reason: Option<String>,
}

impl MemberRecord {
    pub fn term(&self) -> (NaiveDate, Option<NaiveDate>) {
        (self.from, self.to)
    }
}

/// A team as stored, with its villages (code, name) and members, current and past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRecord {
    pub id: i64,
    pub county: DivisionCode,
    pub name: String,
    pub unit: String,
    pub villages: Vec<(DivisionCode, String)>,
    pub from: NaiveDate,
    /// The day it left its villages (撤换、期满), and why; `None` while it serves.
    pub to: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub members: Vec<MemberRecord>,
}

impl TeamRecord {
    /// Whether it serves its villages on `day`.
    pub fn serves_on(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|to| day <= to)
    }
}

/// A day record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDays {
    pub id: i64,
    pub member: i64,
    pub record: DayRecord,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// Resident teams, scoped by the villages they serve.
#[async_trait]
pub trait TeamStore: Send + Sync {
    /// Forms a team of the actor's county (the county only); refused when a village is not of
    /// the county, already has a team, or had one that left after the new one's start. Gives
    /// its id.
    async fn add_team(&self, actor: &Actor, team: &NewTeam) -> StoreResult<i64>;
    /// Ends team `id` on `on` (撤换、期满) with the reason (the county): its villages are free
    /// for another team from that day, and its members' terms still running end with it.
    /// Refused before the team's start, twice, or before a day its members were recorded.
    async fn end_team(
        &self,
        actor: &Actor,
        id: i64,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()>;
    /// Teams serving a village in `within` (the actor's area when `None`), with their members.
    async fn teams(
        &self,
        actor: &Actor,
        within: Option<&DivisionCode>,
    ) -> StoreResult<Vec<TeamRecord>>;
    /// One team; `None` if unknown or (audited) out of the actor's area.
    async fn team(&self, actor: &Actor, id: i64) -> StoreResult<Option<TeamRecord>>;
    /// Adds a member (the county); refused when the same person (by ID number) has a term in
    /// any team overlapping this one, checked inside the write. Gives the member's id.
    async fn add_team_member(&self, actor: &Actor, member: &NewMember) -> StoreResult<i64>;
    /// Ends a member's term on `on` (轮换 or 召回), with the reason (the county).
    async fn end_team_member(
        &self,
        actor: &Actor,
        member: i64,
        on: NaiveDate,
        reason: &str,
    ) -> StoreResult<()>;
    /// Records what member `member` did on a span of days of `month`: the record's rules
    /// (`DayRecord::problems`) against the member's other records, checked inside the write.
    /// Town or county staff, or a village officer of a village the team serves. Gives its id.
    async fn record_days(
        &self,
        actor: &Actor,
        member: i64,
        month: Month,
        record: &DayRecord,
        rules: &TeamRules,
    ) -> StoreResult<i64>;
    /// The day records of a team's members in `month`.
    async fn team_days(
        &self,
        actor: &Actor,
        team: i64,
        month: Month,
    ) -> StoreResult<Vec<StoredDays>>;
}
