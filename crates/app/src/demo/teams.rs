//! The demo county's resident teams: one for the demo town's first two villages (so the town's
//! account sees it) and one for each tenth village elsewhere, two or three members each, and
//! their day records of last month and this month so far — most in the village, some on
//! approved leave or away on duty, one member short of the share.

use super::Rng;
use super::cases::demo_actor;
use crate::AppError;
use chrono::{Datelike, NaiveDate};
use dixian_domain::access::Role;
use dixian_domain::division::{Division, DivisionCode, DivisionLevel};
use dixian_domain::id_number::{IdNumber, Sex};
use dixian_domain::problems::Month;
use dixian_domain::teams::{Approver, DayKind, DayRecord, MemberRole, TeamRules};
use dixian_store::Store;
use dixian_store::teams::{NewMember, NewTeam};

/// What was loaded.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TeamReport {
    pub teams: usize,
    pub members: usize,
    pub records: usize,
}

const UNITS: [&str; 6] = [
    "县农业农村委",
    "县财政局",
    "县人力社保局",
    "县交通局",
    "县卫生健康委",
    "县供销社",
];
const SURNAMES: [&str; 10] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: [&str; 10] = [
    "建国", "海燕", "志强", "丽华", "明", "晓东", "春梅", "伟", "静", "永红",
];

/// Loads teams for the villages of `all` as of `as_of`, with `rules` (the demo pack's).
pub async fn load_teams(
    store: &dyn Store,
    all: &[Division],
    rng: &mut Rng,
    as_of: NaiveDate,
    rules: &TeamRules,
) -> Result<TeamReport, AppError> {
    let county = demo_actor("county", Role::CountyAdmin);
    let town = demo_actor("town", Role::TownReviewer);
    let mut report = TeamReport::default();
    let villages: Vec<&Division> = all
        .iter()
        .filter(|d| d.code.level() == DivisionLevel::Village)
        .collect();
    let mut groups: Vec<Vec<DivisionCode>> = Vec::new();
    if villages.len() >= 2 {
        groups.push(vec![villages[0].code, villages[1].code]);
    }
    for v in villages.iter().skip(2).step_by(10) {
        groups.push(vec![v.code]);
    }
    let start = NaiveDate::from_ymd_opt(as_of.year() - 1, 6, 1).unwrap_or(as_of);
    let this = Month::of(as_of);
    let last = this.previous();
    let mut person = 0u16;
    for (g, group) in groups.iter().enumerate() {
        let unit = UNITS[g % UNITS.len()];
        let first = villages
            .iter()
            .find(|v| v.code == group[0])
            .map(|v| v.name.as_str())
            .unwrap_or("");
        let team = store
            .add_team(
                &county,
                &NewTeam {
                    name: format!("{unit}驻{first}工作队"),
                    unit: unit.into(),
                    villages: group.clone(),
                    from: start,
                },
            )
            .await?;
        report.teams += 1;
        let roles = [
            MemberRole::Secretary,
            MemberRole::Member,
            MemberRole::Member,
        ];
        let size = 2 + usize::from(g % 2 == 0);
        for (k, role) in roles.iter().take(size).enumerate() {
            person += 1;
            let birth = NaiveDate::from_ymd_opt(
                1975 + i32::from(person % 20),
                1 + u32::from(person % 12),
                9,
            )
            .unwrap_or(as_of);
            let Some(id_number) = IdNumber::compose(
                "500299",
                birth,
                person % 100,
                if person.is_multiple_of(2) {
                    Sex::Male
                } else {
                    Sex::Female
                },
            ) else {
                continue;
            };
            let name = format!(
                "{}{}",
                SURNAMES[usize::from(person) % SURNAMES.len()],
                GIVEN[(usize::from(person) * 7) % GIVEN.len()]
            );
            let member = store
                .add_team_member(
                    &county,
                    &NewMember {
                        team,
                        name,
                        id_number,
                        unit: unit.into(),
                        position: if k == 0 { "副科长" } else { "科员" }.into(),
                        role: *role,
                        from: start,
                        to: NaiveDate::from_ymd_opt(start.year() + 2, 5, 31),
                    },
                )
                .await?;
            report.members += 1;
            for month in [last, this] {
                let end = month.last_day().min(as_of);
                let records = month_records(month, end, rng, g + k == 1);
                for r in records {
                    store
                        .record_days(town_or_county(&town, &county, g), member, month, &r, rules)
                        .await?;
                    report.records += 1;
                }
            }
        }
    }
    Ok(report)
}

/// The demo town's team is kept by the town's account, the others by the county's.
fn town_or_county<'a>(
    town: &'a dixian_domain::access::Actor,
    county: &'a dixian_domain::access::Actor,
    group: usize,
) -> &'a dixian_domain::access::Actor {
    if group == 0 { town } else { county }
}

/// A month of records up to `end`: in the village most days, a trip on duty, now and then
/// approved leave; `short` leaves a member well under the share.
fn month_records(month: Month, end: NaiveDate, rng: &mut Rng, short: bool) -> Vec<DayRecord> {
    let first = month.first_day();
    if end < first {
        return Vec::new();
    }
    let day = |n: u32| NaiveDate::from_ymd_opt(month.year, month.month, n);
    let rec = |from: NaiveDate, to: NaiveDate, kind: DayKind, note: &str| DayRecord {
        from,
        to: to.min(end),
        kind,
        approver: None,
        approval: String::new(),
        note: note.into(),
    };
    let mut out = Vec::new();
    let last = end.day();
    if short {
        if let (Some(a), Some(b)) = (day(1), day(8.min(last))) {
            out.push(rec(a, b, DayKind::InVillage, "入户走访监测户"));
        }
        if last > 9
            && let (Some(a), Some(b)) = (day(9), day(last))
        {
            out.push(rec(a, b, DayKind::Away, "回原单位处理工作"));
        }
        return out;
    }
    let trip = 10 + u32::try_from(rng.below(5)).unwrap_or(0);
    if let (Some(a), Some(b)) = (day(1), day((trip - 1).min(last))) {
        out.push(rec(
            a,
            b,
            DayKind::InVillage,
            "入户走访、村集体经济项目推进",
        ));
    }
    if last > trip
        && let (Some(a), Some(b)) = (day(trip), day((trip + 1).min(last)))
    {
        out.push(rec(a, b, DayKind::Trip, "赴县里参加帮扶业务培训"));
    }
    let leave = rng.below(4) == 0;
    let after = trip + 2;
    if last >= after {
        if leave && last >= after + 2 {
            if let (Some(a), Some(b)) = (day(after), day(after + 2)) {
                out.push(DayRecord {
                    approver: Some(Approver::Town),
                    approval: "乡镇党委书记批准".into(),
                    ..rec(a, b, DayKind::Leave, "家中有事请假")
                });
            }
            if last > after + 2
                && let (Some(a), Some(b)) = (day(after + 3), day(last))
            {
                out.push(rec(
                    a,
                    b,
                    DayKind::InVillage,
                    "组织产业项目验收、走访脱贫户",
                ));
            }
        } else if let (Some(a), Some(b)) = (day(after), day(last)) {
            out.push(rec(
                a,
                b,
                DayKind::InVillage,
                "组织产业项目验收、走访脱贫户",
            ));
        }
    }
    out
}
