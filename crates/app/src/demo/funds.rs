//! The demo county's funds and project library: three years of fund documents (central,
//! provincial, city and county) split to library projects of every village, each proposed,
//! reviewed and approved with its notices, then carried out and paid as far as its year and
//! the demo's day allow — past years settled, the current year in every stage (a few late),
//! next year's proposals on their way into the library. Everything goes through the store as
//! staff would, so the rules and the audit trail hold for it too.

use super::Rng;
use super::cases::demo_actor;
use crate::AppError;
use chrono::{Datelike, Days, NaiveDate};
use dixian_domain::access::Role;
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::funds::{
    FundLevel, LinkMechanism, Notice, PaymentKind, PerformanceTarget, ProjectAction, ProjectNature,
    TargetKind,
};
use dixian_domain::money::Money;
use dixian_domain::registry::HouseholdCode;
use dixian_store::Store;
use dixian_store::funds::{NewFund, NewPayment, NewProject, ProjectStep};

/// One project a year for about this many households.
const HOUSEHOLDS_PER_PROJECT: i64 = 1_000;

/// An indicator and its target value.
type Target = (&'static str, &'static str);

/// Projects by type: (type code, share out of 100, names, tasks, output, benefit).
type Kind = (
    &'static str,
    u64,
    &'static [&'static str],
    &'static str,
    Target,
    Target,
);

const KINDS: [Kind; 5] = [
    (
        "industry",
        62,
        &[
            "冷链仓储设施",
            "蔬菜大棚",
            "中药材种植基地",
            "生猪代养场",
            "茶叶加工厂房",
            "食用菌种植基地",
        ],
        "新建生产设施及配套，由村集体经济组织经营，吸纳农户务工并按股分红",
        ("新建设施面积", "≥500平方米"),
        ("带动脱贫户和防止返贫致贫对象增收", "≥20户"),
    ),
    (
        "rural_construction",
        20,
        &["组道硬化", "人居环境整治", "饮水管网改造", "产业路建设"],
        "硬化道路、改造管网等，改善群众生产生活条件",
        ("建设长度", "≥2公里"),
        ("受益群众", "≥300人"),
    ),
    (
        "employment",
        8,
        &["帮扶车间建设", "以工代赈小型水利"],
        "建设就业帮扶车间或以工代赈工程，优先吸纳脱贫劳动力",
        ("新增就业岗位", "≥15个"),
        ("务工人员人均增收", "≥3000元"),
    ),
    (
        "assurance",
        6,
        &["农村危房改造", "村卫生室标准化建设"],
        "巩固住房、医疗保障成果",
        ("改造或建设数量", "≥1处"),
        ("保障覆盖率", "100%"),
    ),
    (
        "governance",
        4,
        &["乡风文明积分超市"],
        "建设积分超市，激发内生动力",
        ("建成积分超市", "1个"),
        ("参与农户", "≥80%"),
    ),
];

/// What the demo's funds and library hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FundReport {
    pub funds: usize,
    pub projects: usize,
    pub amount: Money,
    pub assets: usize,
}

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[usize::try_from(rng.below(items.len() as u64)).unwrap_or(0)]
}

fn kind_of(rng: &mut Rng) -> usize {
    let mut n = rng.below(100);
    for (i, k) in KINDS.iter().enumerate() {
        if n < k.1 {
            return i;
        }
        n -= k.1;
    }
    0
}

fn notice(place: &str, from: NaiveDate) -> Notice {
    Notice {
        place: place.into(),
        from,
        to: from + Days::new(9),
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The town reviews a week after the proposal.
fn reviewed_on_of(proposed_on: NaiveDate) -> NaiveDate {
    proposed_on + Days::new(8)
}

/// A project proposed for plan year `year` with its way so far.
struct Planned {
    id: i64,
    budget: Money,
    version: i64,
    village: DivisionCode,
    village_name: String,
    kind: &'static str,
    beneficiaries: Vec<HouseholdCode>,
    started_on: Option<NaiveDate>,
    completed_on: Option<NaiveDate>,
}

/// Loads the demo funds and projects of `county` as of `as_of`, about one project a year for
/// every thousand households.
pub async fn load_funds(
    store: &dyn Store,
    county: &DivisionCode,
    seed: u64,
    as_of: NaiveDate,
) -> Result<FundReport, AppError> {
    load_funds_sized(store, county, seed, as_of, None).await
}

/// [`load_funds`] with `per_year` projects a year instead (for benchmarks).
pub async fn load_funds_sized(
    store: &dyn Store,
    county: &DivisionCode,
    seed: u64,
    as_of: NaiveDate,
    per_year: Option<i64>,
) -> Result<FundReport, AppError> {
    let village_actor = demo_actor("village", Role::VillageOfficer);
    let town_actor = demo_actor("town", Role::TownReviewer);
    let county_actor = demo_actor("county", Role::CountyAdmin);
    let system = dixian_domain::access::Actor::system("dixian demo");
    let mut rng = Rng::new(seed ^ 0x00F0_4D5E);
    let mut report = FundReport::default();
    let mut villages = Vec::new();
    for d in store.divisions_within(county).await? {
        if d.code.level() == DivisionLevel::Village {
            let n = store.registry_counts(&system, &d.code).await?.households;
            if n > 0 {
                villages.push((d.code, d.name, n));
            }
        }
    }
    let households: i64 = villages.iter().map(|v| v.2).sum();
    let per_year = per_year.unwrap_or((households / HOUSEHOLDS_PER_PROJECT).max(6));
    let this_year = as_of.year();
    for year in this_year - 2..=this_year + 1 {
        // Next year's projects are proposed in this year's fourth quarter.
        let proposed_from = day(year - 1, 10, 15);
        if proposed_from > as_of {
            continue;
        }
        let n = if year > this_year {
            per_year / 3
        } else {
            per_year
        };
        let mut planned = Vec::new();
        for i in 0..n {
            let (village, village_name, count) = pick(&mut rng, &villages).clone();
            let k = &KINDS[kind_of(&mut rng)];
            let what = *pick(&mut rng, k.2);
            let budget = Money::from_yuan(rng.range(20, 150) * 10_000).unwrap_or(Money::ZERO);
            let proposed_on = proposed_from + Days::new(rng.below(25));
            let beneficiaries: Vec<(HouseholdCode, LinkMechanism)> = if k.0 == "industry" {
                let m = rng.range(5, 25).min(count);
                let first = rng.range(1, (count - m + 1).max(1));
                (first..first + m)
                    .filter_map(|s| HouseholdCode::new(&village, u16::try_from(s).ok()?))
                    .map(|c| {
                        let how = if rng.below(2) == 0 {
                            LinkMechanism::Employment
                        } else {
                            LinkMechanism::Dividend
                        };
                        (c, how)
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let project = NewProject {
                division: village,
                name: format!("{village_name}{what}项目（{year}）"),
                type_code: k.0.to_string(),
                nature: if rng.below(5) == 0 {
                    ProjectNature::Expanded
                } else {
                    ProjectNature::New
                },
                planned_year: year,
                start_on: day(year, 3, 1),
                end_on: day(year, 11, 30),
                unit: format!("{village_name}村民委员会"),
                tasks: k.3.to_string(),
                budget,
                sources: format!("财政资金{}万元", budget.fen() / 1_000_000),
                mechanism: k.3.to_string(),
                targets: vec![
                    PerformanceTarget {
                        kind: TargetKind::Output,
                        name: k.4.0.into(),
                        value: k.4.1.into(),
                    },
                    PerformanceTarget {
                        kind: TargetKind::Benefit,
                        name: k.5.0.into(),
                        value: k.5.1.into(),
                    },
                    PerformanceTarget {
                        kind: TargetKind::Satisfaction,
                        name: "受益群众满意度".into(),
                        value: "≥90%".into(),
                    },
                ],
                beneficiaries,
                notice: notice("村务公开栏", proposed_on - Days::new(12)),
                proposed_on,
            };
            let id = store.propose_project(&village_actor, &project).await?;
            report.projects += 1;
            let mut p = Planned {
                id,
                budget,
                version: 1,
                village,
                village_name: village_name.clone(),
                kind: k.0,
                beneficiaries: project
                    .beneficiaries
                    .iter()
                    .map(|(c, _)| c.clone())
                    .collect(),
                started_on: None,
                completed_on: None,
            };
            let reviewed_on = reviewed_on_of(proposed_on);
            // Next year's: some still on their way into the library, one in four sent back.
            let steps_in = if year > this_year { i % 4 } else { 2 };
            if steps_in == 3 {
                if reviewed_on <= as_of {
                    store
                        .advance_project(
                            &town_actor,
                            id,
                            p.version,
                            &ProjectStep {
                                action: ProjectAction::Return,
                                on: reviewed_on,
                                note: "绩效目标不够具体，请补充后重新申报".into(),
                                document: String::new(),
                                notice: None,
                                files: Vec::new(),
                            },
                        )
                        .await?;
                }
                continue;
            }
            let approved_on = proposed_on + Days::new(25);
            let step = |action, on: NaiveDate, notice_place: Option<&str>| ProjectStep {
                action,
                on,
                note: match action {
                    ProjectAction::Approve => "经行业部门联合审查，同意入库".into(),
                    _ => "同意".into(),
                },
                document: String::new(),
                notice: notice_place.map(|place| notice(place, on)),
                files: Vec::new(),
            };
            if steps_in >= 1 && reviewed_on <= as_of {
                store
                    .advance_project(
                        &town_actor,
                        id,
                        p.version,
                        &step(ProjectAction::Review, reviewed_on, Some("镇政务公开栏")),
                    )
                    .await?;
                p.version += 1;
                if steps_in >= 2 && approved_on <= as_of {
                    store
                        .advance_project(
                            &county_actor,
                            id,
                            p.version,
                            &step(ProjectAction::Approve, approved_on, Some("县政府网站")),
                        )
                        .await?;
                    p.version += 1;
                    planned.push(p);
                }
            }
        }
        if year > this_year || planned.is_empty() {
            continue;
        }
        // The year's documents, sized to the library projects they fund (a little left over).
        let shares = [
            (FundLevel::Central, 55u64, "渝财农", 10u32),
            (FundLevel::Province, 25, "渝财农", 20),
            (FundLevel::City, 10, "市财农", 40),
            (FundLevel::County, 10, "县财农", 60),
        ];
        let mut cursor = 0usize;
        for (n, (level, share, prefix, received_day)) in shares.iter().enumerate() {
            let received_on = day(year, 1, 1) + Days::new(u64::from(*received_day));
            if received_on > as_of {
                continue;
            }
            let take = if n + 1 == shares.len() {
                planned.len() - cursor
            } else {
                (planned.len() * usize::try_from(*share).unwrap_or(0) / 100)
                    .min(planned.len() - cursor)
            };
            let group: Vec<&mut Planned> = planned.iter_mut().skip(cursor).take(take).collect();
            cursor += take;
            if group.is_empty() {
                continue;
            }
            let sum: i64 = group.iter().map(|p| p.budget.fen()).sum();
            let amount =
                Money::from_fen((sum * 102 / 100).div_euclid(1_000_000) * 1_000_000 + 1_000_000);
            let fund = store
                .add_fund(
                    &county_actor,
                    &NewFund {
                        county: *county,
                        doc_number: format!("{prefix}〔{year}〕{}号", 10 + n * 7),
                        title: format!(
                            "关于下达{year}年{}财政衔接推进乡村振兴补助资金的通知",
                            level.label()
                        ),
                        level: *level,
                        year,
                        category: if n == 2 {
                            "work_relief"
                        } else {
                            "consolidation"
                        }
                        .into(),
                        amount,
                        direct: *level == FundLevel::Central,
                        received_on,
                    },
                )
                .await?;
            report.funds += 1;
            report.amount = report.amount.checked_add(amount).unwrap_or(report.amount);
            for p in group {
                let planned_on = received_on + Days::new(5);
                let line = store
                    .plan_fund(&county_actor, fund, p.id, p.budget, planned_on)
                    .await?;
                carry_out(store, &mut rng, p, line, year, planned_on, as_of).await?;
                // The 以工代赈 document's projects pay their workers month by month.
                if n == 2
                    && let Some(started_on) = p.started_on
                {
                    pay_workers(store, &mut rng, p, started_on, as_of).await?;
                }
                if let Some(completed_on) = p.completed_on {
                    let handed = super::assets::HandedOver {
                        project: p.id,
                        village: p.village,
                        village_name: &p.village_name,
                        kind: p.kind,
                        budget: p.budget,
                        beneficiaries: &p.beneficiaries,
                        completed_on,
                    };
                    report.assets +=
                        super::assets::hand_over(store, &mut rng, &handed, as_of).await?;
                }
            }
        }
    }
    Ok(report)
}

/// Takes a funded project as far as its year and `as_of` allow, paying as it goes.
async fn carry_out(
    store: &dyn Store,
    rng: &mut Rng,
    p: &mut Planned,
    line: i64,
    year: i32,
    planned_on: NaiveDate,
    as_of: NaiveDate,
) -> Result<(), AppError> {
    let county = demo_actor("county", Role::CountyAdmin);
    let town = demo_actor("town", Role::TownReviewer);
    let village = demo_actor("village", Role::VillageOfficer);
    // A few of each year run late: started in summer, finished next spring.
    let late = rng.below(100) < 8;
    let start = if late {
        day(year, 7, 10)
    } else {
        day(year, 3, 1) + Days::new(rng.below(90))
    };
    let plan = [
        (
            ProjectAction::Establish,
            &county,
            planned_on + Days::new(10),
        ),
        (ProjectAction::Tender, &town, planned_on + Days::new(30)),
        (ProjectAction::Start, &village, start),
        (
            ProjectAction::Complete,
            &village,
            if late {
                day(year + 1, 3, 20)
            } else {
                start + Days::new(120 + rng.below(60))
            },
        ),
        (
            ProjectAction::Accept,
            &town,
            if late {
                day(year + 1, 4, 10)
            } else {
                day(year, 11, 20)
            },
        ),
        (
            ProjectAction::Settle,
            &county,
            if late {
                day(year + 1, 5, 10)
            } else {
                day(year, 12, 10)
            },
        ),
    ];
    let mut last = planned_on;
    for (action, who, on) in plan {
        let on = on.max(last);
        if on > as_of {
            break;
        }
        store
            .advance_project(
                who,
                p.id,
                p.version,
                &ProjectStep {
                    action,
                    on,
                    note: String::new(),
                    document: match action {
                        ProjectAction::Establish => format!("县项目立项批复第{}号", p.id),
                        ProjectAction::Accept => format!("验收单{}-{}", year, p.id),
                        ProjectAction::Settle => format!("报账凭证{}-{}", year, p.id),
                        _ => String::new(),
                    },
                    notice: None,
                    files: Vec::new(),
                },
            )
            .await?;
        p.version += 1;
        last = on;
        if action == ProjectAction::Complete {
            p.completed_on = Some(on);
        }
        if action == ProjectAction::Start {
            p.started_on = Some(on);
        }
        // 30 % paid at the start, 50 % on completion, the rest on acceptance (before 报账).
        let budget = p.budget.fen();
        let paid = match action {
            ProjectAction::Start => Some(budget * 3 / 10),
            ProjectAction::Complete => Some(budget / 2),
            ProjectAction::Accept => Some(budget - budget * 3 / 10 - budget / 2),
            _ => None,
        };
        if let Some(fen) = paid.filter(|f| *f > 0) {
            store
                .record_payment(
                    &county,
                    &NewPayment {
                        line_id: line,
                        kind: PaymentKind::Pay,
                        amount: Money::from_fen(fen),
                        on,
                        voucher: format!("记-{}-{}", on.format("%m%d"), p.id),
                        note: String::new(),
                    },
                )
                .await?;
        }
    }
    Ok(())
}

/// Wages of a 以工代赈 project's workers for the months it has run (to at most four).
async fn pay_workers(
    store: &dyn Store,
    rng: &mut Rng,
    p: &Planned,
    started_on: NaiveDate,
    as_of: NaiveDate,
) -> Result<(), AppError> {
    const SURNAMES: [&str; 10] = ["张", "王", "李", "刘", "陈", "杨", "黄", "赵", "周", "吴"];
    const GIVEN: [&str; 10] = ["明", "华", "强", "芳", "军", "丽", "勇", "霞", "平", "兰"];
    let workers = usize::try_from(rng.range(10, 25)).unwrap_or(10);
    let names: Vec<String> = (0..workers)
        .map(|_| {
            format!(
                "{}{}{}",
                pick(rng, &SURNAMES),
                pick(rng, &GIVEN),
                pick(rng, &GIVEN)
            )
        })
        .collect();
    let mut wages = Vec::new();
    for m in 0..4u32 {
        let Some(month_start) = started_on.checked_add_months(chrono::Months::new(m)) else {
            break;
        };
        let paid_on = month_start + Days::new(28);
        if paid_on > as_of {
            break;
        }
        for name in &names {
            wages.push(dixian_store::funds::NewWage {
                name: name.clone(),
                id_number: None,
                month: month_start.format("%Y-%m").to_string(),
                amount: Money::from_yuan(rng.range(30, 40) * 100).unwrap_or(Money::ZERO),
                paid_on,
            });
        }
    }
    if !wages.is_empty() {
        store
            .add_wages(&demo_actor("village", Role::VillageOfficer), p.id, &wages)
            .await?;
    }
    Ok(())
}
