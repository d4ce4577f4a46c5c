//! Resident teams (驻村工作队 and 第一书记, issue 22): teams formed by the county for villages,
//! members sent for a term and rotated, and each member's days kept as a record by the town or
//! the village (工作纪实, not a check-in); a team's month against the pack's share, for the page,
//! the A4 sheet and the XLSX. The rules are `dixian_domain::teams`, their numbers the pack's
//! `[teams]`.

use crate::AppError;
use crate::fields::{date_field, optional_date, text_field};
use crate::policy::{resolve, stored_set};
use chrono::NaiveDate;
use dixian_domain::access::Actor;
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::id_number::IdNumber;
use dixian_domain::monitoring::FieldProblem;
use dixian_domain::problems::Month;
use dixian_domain::teams::{
    Approver, DayKind, DayRecord, MemberRole, MonthFigures, TeamRules, YearFigures, month_figures,
    year_figures,
};
use dixian_store::Store;
use dixian_store::teams::{MemberRecord, NewMember, NewTeam, StoredDays, TeamRecord};

/// The team rules in force for `division`'s county on `on`.
pub async fn rules(
    store: &dyn Store,
    division: &DivisionCode,
    on: NaiveDate,
) -> Result<TeamRules, AppError> {
    let county = division
        .ancestor_at(DivisionLevel::County)
        .unwrap_or(*division);
    let set = stored_set(store).await?;
    resolve(&set, &county, on)?.teams.ok_or_else(|| {
        AppError::Invalid(vec![format!(
            "{on}适用的政策包没有驻村工作队规则（[teams]：每月在村时间比例、乡镇可批准的请假天数），请先更新政策包"
        )])
    })
}

/// The team form as typed; `villages` are the boxes ticked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamForm {
    pub name: String,
    pub unit: String,
    pub villages: Vec<String>,
    pub from: String,
}

/// Forms a team (the county). Gives its id.
pub async fn add_team(store: &dyn Store, actor: &Actor, f: &TeamForm) -> Result<i64, AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    text_field(&mut p, "name", &f.name, "工作队名称", 100);
    text_field(&mut p, "unit", &f.unit, "派出单位", 100);
    let from = date_field(&mut p, "from", &f.from, "进驻日期");
    let mut villages = Vec::new();
    for v in &f.villages {
        match DivisionCode::parse(v.trim()) {
            Ok(c) => villages.push(c),
            Err(e) => p.push(("villages", format!("村：{e}"))),
        }
    }
    if f.villages.is_empty() {
        p.push(("villages", "请选择工作队驻的村（至少一个）".into()));
    }
    let mut seen = std::collections::BTreeSet::new();
    if villages.iter().any(|v| !seen.insert(*v)) {
        p.push(("villages", "同一个村选了两次，请去掉重复的".into()));
    }
    let (Some(from), true) = (from, p.is_empty()) else {
        return Err(AppError::Fields(p));
    };
    Ok(store
        .add_team(
            actor,
            &NewTeam {
                name: f.name.trim().into(),
                unit: f.unit.trim().into(),
                villages,
                from,
            },
        )
        .await?)
}

/// The member form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct MemberForm {
    pub name: String,
    pub id_number: String,
    pub unit: String,
    pub position: String,
    pub role: String,
    pub from: String,
    pub to: String,
}

/// Sends a member to team `team` (the county). Gives the member's id.
pub async fn add_member(
    store: &dyn Store,
    actor: &Actor,
    team: i64,
    f: &MemberForm,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    text_field(&mut p, "name", &f.name, "姓名", 50);
    text_field(&mut p, "unit", &f.unit, "派出单位", 100);
    text_field(&mut p, "position", &f.position, "原单位职务", 100);
    let id_number = match IdNumber::parse(f.id_number.trim(), today) {
        Ok(n) => Some(n),
        Err(e) => {
            p.push(("id_number", format!("身份证号：{e}")));
            None
        }
    };
    let role = MemberRole::parse(f.role.trim());
    if role.is_none() {
        p.push(("role", "请选择职务：第一书记、工作队队长或队员".into()));
    }
    let from = date_field(&mut p, "from", &f.from, "任期开始日期");
    let to = optional_date(&mut p, "to", &f.to, "任期结束日期");
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        p.push(("to", format!("任期结束日期{b}早于开始日期{a}")));
    }
    let (Some(id_number), Some(role), Some(from), true) = (id_number, role, from, p.is_empty())
    else {
        return Err(AppError::Fields(p));
    };
    Ok(store
        .add_team_member(
            actor,
            &NewMember {
                team,
                name: f.name.trim().into(),
                id_number,
                unit: f.unit.trim().into(),
                position: f.position.trim().into(),
                role,
                from,
                to,
            },
        )
        .await?)
}

/// Ends a member's term (轮换 or 召回, the county).
pub async fn end_member(
    store: &dyn Store,
    actor: &Actor,
    member: i64,
    on: &str,
    reason: &str,
) -> Result<(), AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let on = date_field(&mut p, "on", on, "结束日期");
    text_field(&mut p, "reason", reason, "结束任期的原因", 200);
    let (Some(on), true) = (on, p.is_empty()) else {
        return Err(AppError::Fields(p));
    };
    Ok(store
        .end_team_member(actor, member, on, reason.trim())
        .await?)
}

/// Ends team `team` (撤换、期满) on the typed day for the typed reason: its villages may take
/// another team from that day; its members' running terms end with it.
pub async fn end_team(
    store: &dyn Store,
    actor: &Actor,
    team: i64,
    on: &str,
    reason: &str,
) -> Result<(), AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let on = date_field(&mut p, "on", on, "撤换日期");
    text_field(&mut p, "reason", reason, "撤换原因", 200);
    let (Some(on), true) = (on, p.is_empty()) else {
        return Err(AppError::Fields(p));
    };
    Ok(store.end_team(actor, team, on, reason.trim()).await?)
}

/// A day record's form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct DaysForm {
    pub member: String,
    pub from: String,
    /// Empty: the same day as `from`.
    pub to: String,
    pub kind: String,
    pub approver: String,
    pub approval: String,
    pub note: String,
}

/// Records what a member of team `team` did on a span of days; refused with every problem
/// beside its box. Gives the month recorded.
pub async fn record_days(
    store: &dyn Store,
    actor: &Actor,
    team: i64,
    f: &DaysForm,
    today: NaiveDate,
) -> Result<Month, AppError> {
    let mut p: Vec<FieldProblem> = Vec::new();
    let Some(t) = store.team(actor, team).await? else {
        return Err(AppError::NotFound(format!("驻村工作队#{team}不存在")));
    };
    let member: Option<&MemberRecord> = f
        .member
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| t.members.iter().find(|m| m.id == id));
    if member.is_none() {
        p.push(("member", "请选择本队的队员".into()));
    }
    let from = date_field(&mut p, "from", &f.from, "开始日期");
    let to = if f.to.trim().is_empty() {
        from
    } else {
        date_field(&mut p, "to", &f.to, "结束日期")
    };
    if let Some(d) = to.filter(|d| *d > today) {
        p.push(("to", format!("{d}还没有到，不能预先记录")));
    }
    let kind = DayKind::parse(f.kind.trim());
    if kind.is_none() {
        p.push(("kind", "请选择在村情况".into()));
    }
    let approver = match f.approver.trim() {
        "" => None,
        a => match Approver::parse(a) {
            Some(x) => Some(x),
            None => {
                p.push(("approver", format!("没有“{a}”这种审批机关")));
                None
            }
        },
    };
    let (Some(m), Some(from), Some(to), Some(kind)) = (member, from, to, kind) else {
        return Err(AppError::Fields(p));
    };
    let record = DayRecord {
        from,
        to,
        kind,
        approver: if kind == DayKind::Leave {
            approver
        } else {
            None
        },
        approval: if kind == DayKind::Leave {
            f.approval.trim().to_string()
        } else {
            String::new()
        },
        note: f.note.trim().to_string(),
    };
    let month = Month::of(from);
    let rules = rules(store, &t.county, from).await?;
    // The month's records and the neighbouring months' (a leave continued across a month).
    let mut others: Vec<DayRecord> = Vec::new();
    for around in [month.previous(), month, month.next()] {
        for d in store.team_days(actor, team, around).await? {
            // A record spanning two months' reads comes back twice.
            if d.member == m.id && !others.contains(&d.record) {
                others.push(d.record);
            }
        }
    }
    p.extend(record.problems(month, m.term(), &others, &rules));
    if !p.is_empty() {
        return Err(AppError::Fields(p));
    }
    store
        .record_days(actor, m.id, month, &record, &rules)
        .await?;
    Ok(month)
}

/// One member's month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberMonth {
    pub member: MemberRecord,
    pub figures: MonthFigures,
    pub records: Vec<StoredDays>,
    /// The year through the month's end, where the pack counts days a year.
    pub year: Option<YearFigures>,
}

impl MemberMonth {
    /// The year in words: met, or how many days are missing and whether the rest of the
    /// year can still make them up; empty without a yearly rule.
    pub fn year_text(&self) -> String {
        match &self.year {
            None => String::new(),
            Some(y) if y.met => "已达到".into(),
            Some(y) if y.reachable => format!("尚差{}天", y.required - y.in_village),
            Some(y) => format!(
                "尚差{}天（本年任期剩余{}天，已不够）",
                y.required - y.in_village,
                y.left
            ),
        }
    }
}

/// A team's month: each member serving in it, against the pack's share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMonth {
    pub team: TeamRecord,
    pub month: Month,
    /// `None` where the pack in force has no `[teams]`: the team is shown, its month is not
    /// reckoned (and the page says why).
    pub rules: Option<TeamRules>,
    pub members: Vec<MemberMonth>,
}

/// The month of team `team` (members whose term touches it). Where the pack counts days a
/// year, the year is reckoned through the month's end, or through `today` in the month under
/// way, so the rest of the current month counts as days still to come.
pub async fn team_month(
    store: &dyn Store,
    actor: &Actor,
    team: i64,
    month: Month,
    today: NaiveDate,
) -> Result<TeamMonth, AppError> {
    let Some(t) = store.team(actor, team).await? else {
        return Err(AppError::NotFound(format!("驻村工作队#{team}不存在")));
    };
    let rules = match rules(store, &t.county, month.last_day()).await {
        Ok(r) => r,
        Err(AppError::Invalid(_)) => {
            return Ok(TeamMonth {
                team: t,
                month,
                rules: None,
                members: Vec::new(),
            });
        }
        Err(e) => return Err(e),
    };
    let calendar = store.calendar().await?;
    let days = store.team_days(actor, team, month).await?;
    // Where the pack counts days a year, the year's records up to this month too (a record
    // lies within one month).
    let mut year_days: Vec<(i64, DayRecord)> = Vec::new();
    if rules.in_village_days_per_year.is_some() {
        let mut m = Month {
            year: month.year,
            month: 1,
        };
        while m != month {
            year_days.extend(
                store
                    .team_days(actor, team, m)
                    .await?
                    .into_iter()
                    .map(|d| (d.member, d.record)),
            );
            m = m.next();
        }
    }
    let members = t
        .members
        .iter()
        .filter(|m| m.from <= month.last_day() && m.to.is_none_or(|e| e >= month.first_day()))
        .map(|m| {
            let records: Vec<StoredDays> =
                days.iter().filter(|d| d.member == m.id).cloned().collect();
            let plain: Vec<DayRecord> = records.iter().map(|d| d.record.clone()).collect();
            let year = rules.in_village_days_per_year.and_then(|per_year| {
                let all: Vec<DayRecord> = year_days
                    .iter()
                    .filter(|(member, _)| *member == m.id)
                    .map(|(_, r)| r.clone())
                    .chain(plain.iter().cloned())
                    .collect();
                let through = month.last_day().min(today).max(month.first_day());
                year_figures(&all, through, m.term(), per_year)
            });
            MemberMonth {
                figures: month_figures(&plain, month, m.term(), &calendar, &rules),
                member: m.clone(),
                records,
                year,
            }
        })
        .collect();
    let rules = Some(rules);
    Ok(TeamMonth {
        team: t,
        month,
        rules,
        members,
    })
}

/// The pack's rule in words: 每月在村工作日不少于2/3, 每年在村不少于200天, or both.
pub fn rule_text(rules: &TeamRules) -> String {
    let mut parts = Vec::new();
    if let Some([n, d]) = rules.in_village_share {
        parts.push(format!("每月在村工作日不少于{n}/{d}"));
    }
    if let Some(days) = rules.in_village_days_per_year {
        parts.push(format!(
            "每年在村不少于{days}天（按日历天计，任期不满一年的按任期天数折算）"
        ));
    }
    parts.join("；")
}

/// A team's month as an XLSX table (在村情况月表); refused where the pack has no `[teams]`.
pub fn month_table(m: &TeamMonth) -> Result<crate::workbook::Table, AppError> {
    use crate::workbook::{Cell, Table};
    let Some(rules) = &m.rules else {
        return Err(AppError::Invalid(vec![
            "适用的政策包没有驻村工作队规则（[teams]），不能统计在村情况".into(),
        ]));
    };
    let monthly = rules.in_village_share.is_some();
    let yearly = rules.in_village_days_per_year.is_some();
    Ok(Table {
        sheet: "在村情况".into(),
        title: format!("{}{}在村情况", m.team.name, m.month.label()),
        subtitle: format!(
            "派出单位：{}　驻村：{}　要求：{}（政策包）",
            m.team.unit,
            m.team
                .villages
                .iter()
                .map(|(_, n)| n.as_str())
                .collect::<Vec<_>>()
                .join("、"),
            rule_text(rules)
        ),
        columns: [
            ("姓名", 10),
            ("职务", 12),
            ("派出单位", 20),
            ("工作日", 8),
            ("在村（含因公外出）", 12),
            ("请假", 8),
            ("不在村", 8),
            ("未记录", 8),
            ("休息日在村", 10),
        ]
        .into_iter()
        .chain(
            monthly
                .then_some([("应在村", 8), ("是否达到", 10)])
                .into_iter()
                .flatten(),
        )
        .chain(
            yearly
                .then_some([
                    ("本年在村（截至月底）", 12),
                    ("本年应在村", 10),
                    ("年度情况", 22),
                ])
                .into_iter()
                .flatten(),
        )
        .collect(),
        rows: m
            .members
            .iter()
            .map(|x| {
                let f = &x.figures;
                let mut row = vec![
                    Cell::text(&x.member.name),
                    Cell::text(x.member.role.label()),
                    Cell::text(&x.member.unit),
                    Cell::Count(i64::from(f.working)),
                    Cell::Count(i64::from(f.in_village)),
                    Cell::Count(i64::from(f.leave)),
                    Cell::Count(i64::from(f.away)),
                    Cell::Count(i64::from(f.unrecorded)),
                    Cell::Count(i64::from(f.rest_days_in_village)),
                ];
                if monthly {
                    row.push(Cell::Count(i64::from(f.needed)));
                    row.push(Cell::text(if f.met { "达到" } else { "未达到" }));
                }
                if yearly {
                    let y = x.year.as_ref();
                    row.push(y.map_or(Cell::text(""), |y| Cell::Count(i64::from(y.in_village))));
                    row.push(y.map_or(Cell::text(""), |y| Cell::Count(i64::from(y.required))));
                    row.push(Cell::text(x.year_text()));
                }
                row
            })
            .collect(),
        total: None,
    })
}
