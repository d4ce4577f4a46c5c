//! The demo county's 三保障 and drinking-water problem ledger: problems found over the last
//! fourteen months in every village, most of them long struck off, some fixed and awaiting
//! 销号, some open — a few past their deadline and beyond the clearing limit, so 月清零 and
//! 月调度 have something to show. Every problem is registered and stepped through the store
//! as staff would, so the audit trail and the rules hold for them too.

use super::Rng;
use super::cases::demo_actor;
use crate::AppError;
use crate::problems::default_deadline;
use chrono::{Days, NaiveDate};
use dixian_domain::access::{Actor, Role};
use dixian_domain::assurance::Indicator;
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::problems::{ProblemAction, ProblemSource};
use dixian_domain::registry::HouseholdCode;
use dixian_store::Store;
use dixian_store::problems::{NewProblem, ProblemStep};

/// One problem a year for about this many households.
const HOUSEHOLDS_PER_PROBLEM: i64 = 250;

/// What was found, by kind, as staff write it.
const FINDINGS: [(Indicator, &[(&str, &str)]); 5] = [
    (
        Indicator::Housing,
        &[
            ("房屋经鉴定为C级危房", "已落实农村危房改造，竣工验收合格"),
            ("房屋墙体开裂，需安全鉴定", "经鉴定为B级，已加固维修"),
            ("雨季屋面漏雨，存在安全隐患", "已维修屋面，复查无隐患"),
        ],
    ),
    (
        Indicator::Water,
        &[
            (
                "旱季自来水断供，取水不便",
                "已接通集中供水管网，入户试水正常",
            ),
            ("水质检测浑浊，不达标", "已加装净化设施，复检合格"),
            ("水窖渗漏，供水保证率不足", "已修复水窖并配备蓄水桶"),
        ],
    ),
    (
        Indicator::Medical,
        &[
            ("成员未参加城乡居民医保", "已代缴参保，医保卡已发放"),
            ("慢性病未办理门诊特殊疾病待遇", "已办理门特待遇认定"),
        ],
    ),
    (
        Indicator::Education,
        &[
            ("适龄子女辍学在家", "经劝返已复学，落实教育资助"),
            ("随迁子女未落实入学", "已安排就近入学"),
        ],
    ),
    (
        Indicator::FoodClothing,
        &[("冬季衣被不足", "已发放冬季救助物资")],
    ),
];

/// Kind weights out of 100: housing and water are most of a county's ledger.
fn kind_of(rng: &mut Rng) -> usize {
    match rng.below(100) {
        0..=34 => 0,
        35..=64 => 1,
        65..=84 => 2,
        85..=94 => 3,
        _ => 4,
    }
}

/// What the demo's problem ledger holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProblemReport {
    pub problems: usize,
    pub closed: usize,
    pub open: usize,
}

/// Registers the demo problems of every village of `county` as of `as_of`. The demo
/// village gets one problem of each state, so its accounts find work on their lists.
pub async fn load_problems(
    store: &dyn Store,
    county: &DivisionCode,
    demo_village: &DivisionCode,
    seed: u64,
    as_of: NaiveDate,
) -> Result<ProblemReport, AppError> {
    let system = Actor::system("dixian demo");
    let village_actor = demo_actor("village", Role::VillageOfficer);
    let town_actor = demo_actor("town", Role::TownReviewer);
    let cal = store.calendar().await?;
    let packs = crate::policy::stored_set(store).await?;
    let mut rng = Rng::new(seed ^ 0x0050_B1E5);
    let mut report = ProblemReport::default();
    let villages: Vec<DivisionCode> = store
        .divisions_within(county)
        .await?
        .into_iter()
        .filter(|d| d.code.level() == DivisionLevel::Village)
        .map(|d| d.code)
        .collect();
    for village in villages {
        let households = store.registry_counts(&system, &village).await?.households;
        if households == 0 {
            continue;
        }
        // A year and two months of problems, about one a year per HOUSEHOLDS_PER_PROBLEM.
        let expected = households * 14 / 12;
        let mut n = expected / HOUSEHOLDS_PER_PROBLEM;
        if rng.below(HOUSEHOLDS_PER_PROBLEM.unsigned_abs())
            < (expected % HOUSEHOLDS_PER_PROBLEM).unsigned_abs()
        {
            n += 1;
        }
        let showcase = village == *demo_village;
        if showcase {
            n = n.max(4);
        }
        let rules = crate::policy::resolve(&packs, &village, as_of)?.problems;
        for i in 0..n {
            let seq = u16::try_from(1 + rng.below(households.unsigned_abs())).unwrap_or(1);
            let Some(household) = HouseholdCode::new(&village, seq) else {
                continue;
            };
            let (kind, texts) = FINDINGS[kind_of(&mut rng)];
            let (found_text, fixed_text) =
                texts[usize::try_from(rng.below(texts.len() as u64)).unwrap_or(0)];
            // The showcase village: one fresh open problem, one awaiting 销号, one beyond
            // the clearing limit, then the usual mix.
            let age_days = match (showcase, i) {
                (true, 0) => 3,
                (true, 1) => 12,
                (true, 2) => 45,
                _ => rng.below(425),
            };
            let found_on = as_of - Days::new(age_days);
            let source = ProblemSource::ALL
                [usize::try_from(rng.below(ProblemSource::ALL.len() as u64)).unwrap_or(0)];
            let id = store
                .add_problem(
                    &village_actor,
                    &NewProblem {
                        household,
                        kind,
                        source,
                        description: found_text.to_string(),
                        found_on,
                        found_by: "村“两委”排查组".to_string(),
                        department: rules.department_for(kind).to_string(),
                        deadline: default_deadline(&cal, &rules, found_on)?,
                    },
                )
                .await?;
            report.problems += 1;
            // How far it got: old problems are nearly all struck off.
            let (resolve, close) = match (showcase, i) {
                (true, 0) => (false, false),
                (true, 1) => (true, false),
                (true, 2) => (false, false),
                _ if age_days > 60 => (rng.below(1000) < 995, rng.below(1000) < 990),
                _ if age_days > 25 => (rng.below(100) < 85, rng.below(100) < 75),
                _ => (rng.below(100) < 55, rng.below(100) < 30),
            };
            let mut version = 1;
            let mut closed = false;
            if resolve {
                let fixed_on = (found_on + Days::new(3 + rng.below(24))).min(as_of);
                store
                    .advance_problem(
                        &village_actor,
                        id,
                        version,
                        &ProblemStep {
                            action: ProblemAction::Resolve,
                            on: fixed_on,
                            note: fixed_text.to_string(),
                            files: Vec::new(),
                            drafts: Vec::new(),
                        },
                    )
                    .await?;
                version += 1;
                if close {
                    let checked_on = (fixed_on + Days::new(1 + rng.below(6))).min(as_of);
                    store
                        .advance_problem(
                            &town_actor,
                            id,
                            version,
                            &ProblemStep {
                                action: ProblemAction::Close,
                                on: checked_on,
                                note: "经乡镇实地核实，整改到位，同意销号".to_string(),
                                files: Vec::new(),
                                drafts: Vec::new(),
                            },
                        )
                        .await?;
                    closed = true;
                }
            }
            if closed {
                report.closed += 1;
            } else {
                report.open += 1;
            }
        }
    }
    Ok(report)
}
