//! The demo county's villages: designations (a provincial key county, key towns and villages,
//! 脱贫村, a relocation village) and three years of collective accounts for every village, so
//! the village list shows gaps and the weak-village ranking has villages to choose.

use super::Rng;
use super::cases::demo_actor;
use crate::AppError;
use chrono::{Datelike, NaiveDate};
use dixian_domain::access::Role;
use dixian_domain::division::{DivisionCode, DivisionLevel};
use dixian_domain::money::Money;
use dixian_domain::villages::{AccountFigures, Designation};
use dixian_store::Store;

/// What was loaded.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct VillageReport {
    pub designations: usize,
    pub accounts: usize,
    /// Weak villages enrolled in the programme, and the other rectification items.
    pub enrolled: usize,
    pub items: usize,
    /// Resident teams with their members and day records.
    pub teams: super::teams::TeamReport,
    /// 包片/包村 pairings, 遍访 records and information officers.
    pub cadres: super::cadres::CadreReport,
}

fn yuan(n: i64) -> Money {
    Money::from_fen(n * 100)
}

/// Loads the villages of `county` as of `as_of`.
pub async fn load_villages(
    store: &dyn Store,
    county: &DivisionCode,
    seed: u64,
    as_of: NaiveDate,
) -> Result<VillageReport, AppError> {
    let actor = demo_actor("county", Role::CountyAdmin);
    let mut rng = Rng::new(seed ^ 0x0071_11A6);
    let mut report = VillageReport::default();
    let all = store.divisions_within(county).await?;
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(as_of);
    let mut designations = vec![Designation {
        division: *county,
        kind: "key_county_provincial".into(),
        document: "渝乡振〔2021〕12号".into(),
        from: day(2021, 7, 1),
        to: None,
    }];
    let towns: Vec<DivisionCode> = all
        .iter()
        .filter(|d| d.code.level() == DivisionLevel::Town)
        .map(|d| d.code)
        .collect();
    for t in towns.iter().take(2) {
        designations.push(Designation {
            division: *t,
            kind: "key_town".into(),
            document: "青乡振〔2021〕3号".into(),
            from: day(2021, 9, 1),
            to: None,
        });
    }
    let villages: Vec<DivisionCode> = all
        .iter()
        .filter(|d| d.code.level() == DivisionLevel::Village)
        .map(|d| d.code)
        .collect();
    for (i, v) in villages.iter().enumerate() {
        if i % 4 == 0 {
            designations.push(Designation {
                division: *v,
                kind: "tuopin_village".into(),
                document: "渝扶贫办发〔2020〕35号".into(),
                from: day(2021, 1, 1),
                to: None,
            });
        }
        if i % 10 == 3 {
            designations.push(Designation {
                division: *v,
                kind: "key_village".into(),
                document: "青乡振〔2021〕3号".into(),
                from: day(2021, 9, 1),
                to: None,
            });
        }
        if i == 7 {
            designations.push(Designation {
                division: *v,
                kind: "relocation_village".into(),
                document: "青发改〔2019〕21号".into(),
                from: day(2019, 12, 1),
                to: None,
            });
        }
    }
    for d in &designations {
        if d.from <= as_of {
            store.add_designation(&actor, d).await?;
            report.designations += 1;
        }
    }
    // Three years of accounts: most villages earn a little more each year; a tenth earn little.
    let last = as_of.year() - 1;
    let mut accounts = Vec::new();
    for (i, v) in villages.iter().enumerate() {
        // The first two villages (of the demo town) are surely weak, for the walk-through.
        let poor = i < 2 || rng.below(10) == 0;
        let base = if i < 2 {
            rng.range(10_000, 20_000)
        } else if poor {
            rng.range(10_000, 80_000)
        } else {
            rng.range(60_000, 400_000)
        };
        for (k, year) in (last - 2..=last).enumerate() {
            let grow = 100 + 8 * i64::try_from(k).unwrap_or(0) + rng.range(0, 10);
            let business = base * grow / 100 * 6 / 10;
            let contract = base * grow / 100 * 3 / 10;
            let investment = rng.range(-5_000, 20_000);
            let other = rng.range(0, 10_000);
            let subsidy = rng.range(50_000, 300_000);
            let business_cost = business * rng.range(40, 80) / 100;
            let management_cost = rng.range(10_000, 60_000);
            let other_cost = rng.range(0, 8_000);
            let profit = business + contract + investment + other + subsidy
                - business_cost
                - management_cost
                - other_cost;
            accounts.push((
                *v,
                year,
                AccountFigures {
                    business: yuan(business),
                    contract: yuan(contract),
                    investment: yuan(investment),
                    subsidy: yuan(subsidy),
                    other: yuan(other),
                    business_cost: yuan(business_cost),
                    management_cost: yuan(management_cost),
                    other_cost: yuan(other_cost),
                    profit: yuan(profit),
                },
            ));
        }
    }
    if !accounts.is_empty() {
        report.accounts = store.save_accounts(&actor, &accounts).await?;
    }
    // Teams first: a weak village served by one takes it as its helping team.
    let rules = crate::teams::rules(store, county, as_of).await?;
    report.teams = super::teams::load_teams(store, &all, &mut rng, as_of, &rules).await?;
    report.enrolled = load_programme(store, county, &villages, &mut rng, as_of).await?;
    report.items = load_findings(store, county, &all, as_of).await?;
    report.cadres = super::cadres::load_cadres(store, county, &all, &mut rng, as_of).await?;
    Ok(report)
}

/// The weak-village programme under way: two thirds of the chosen villages outside the demo
/// town enrolled, each helped by the resident team serving it when the pack's pairing limits
/// allow, else by a unit sending two teams of one village each; half with a progress note.
async fn load_programme(
    store: &dyn Store,
    county: &DivisionCode,
    villages: &[DivisionCode],
    rng: &mut Rng,
    as_of: NaiveDate,
) -> Result<usize, AppError> {
    use crate::villages::{WeakForm, enrol_weak, programme};
    use dixian_domain::rectification::ItemStep;
    use dixian_store::rectification::StepInput;
    let actor = demo_actor("county", Role::CountyAdmin);
    let town = demo_actor("town", Role::TownReviewer);
    let Some(p) = programme(store, &actor, Some(*county), as_of).await? else {
        return Ok(0);
    };
    // Units without resident teams of their own in the demo (those send the teams serving
    // villages, chosen below where they serve a weak one).
    let units = [
        "县发展改革委",
        "县水利局",
        "县商务局",
        "县林业局",
        "县文化旅游委",
        "县住房城乡建设委",
        "县生态环境局",
        "县规划自然资源局",
        "县经济信息委",
        "县教委",
    ];
    let plans = [
        "盘活闲置村小学校舍出租，发展中药材种植基地，村集体以土地入股分红",
        "建设光伏电站一座，收益归村集体；流转撂荒地发展柑橘",
        "成立劳务合作社承接小型工程，发展稻渔综合种养",
        "建设冷链仓储设施对外租赁，发展电商销售农产品",
    ];
    // The demo town's weak villages are left for the person trying the demo to enrol.
    let demo_town = villages
        .first()
        .and_then(|v| v.ancestor_at(DivisionLevel::Town));
    let chosen: Vec<_> = p
        .lines
        .iter()
        .filter(|l| {
            l.item.is_none() && l.line.ranked.village.ancestor_at(DivisionLevel::Town) != demo_town
        })
        .collect();
    let take = chosen.len() * 2 / 3;
    let mut enrolled = 0;
    for (i, l) in chosen.iter().take(take).enumerate() {
        let unit = units[(i / 2) % units.len()];
        let village = l.line.ranked.village;
        let typed = WeakForm {
            village: village.to_string(),
            target: String::new(),
            unit: unit.into(),
            team: format!("{unit}{}工作队", if i % 2 == 0 { "第一" } else { "第二" }),
            team_id: String::new(),
            person: format!("驻村队长{}", i + 1),
            plan: plans[rng.below(plans.len() as u64) as usize].into(),
            deadline: NaiveDate::from_ymd_opt(as_of.year() + 1, 12, 31)
                .unwrap_or(as_of)
                .to_string(),
        };
        let serving = store
            .teams(&actor, Some(&village))
            .await?
            .into_iter()
            .find(|t| t.serves_on(as_of));
        let id = match serving {
            Some(t) => {
                let chosen = WeakForm {
                    team_id: t.id.to_string(),
                    ..typed.clone()
                };
                match enrol_weak(store, &actor, &chosen, as_of).await {
                    Err(AppError::Fields(_)) => enrol_weak(store, &actor, &typed, as_of).await?,
                    done => done?,
                }
            }
            None => enrol_weak(store, &actor, &typed, as_of).await?,
        };
        enrolled += 1;
        if i % 2 == 0 {
            store
                .step_item(
                    &town,
                    id,
                    0,
                    &StepInput {
                        step: ItemStep::Progress,
                        on: as_of,
                        note: "项目已完成选址和村民代表会议，正在办理用地手续".into(),
                        evidence: "村民代表会议记录".into(),
                        files: Vec::new(),
                        drafts: Vec::new(),
                        operating: Vec::new(),
                    },
                )
                .await?;
        }
    }
    Ok(enrolled)
}

/// A demo finding: division, source, problem, measures, unit, person, found days ago, deadline
/// days ago (negative: ahead), steps taken.
type Finding = (
    DivisionCode,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    u8,
);

/// Findings of an audit, an inspection, the hotline, the yearly assessment and a self-check, at
/// every stage from 待整改 to 已销号.
async fn load_findings(
    store: &dyn Store,
    county: &DivisionCode,
    all: &[dixian_domain::division::Division],
    as_of: NaiveDate,
) -> Result<usize, AppError> {
    use dixian_domain::rectification::{ItemAction, ItemStep, NewItem};
    use dixian_store::rectification::StepInput;
    let county_actor = demo_actor("county", Role::CountyAdmin);
    let village_actor = demo_actor("village", Role::VillageOfficer);
    let days = |n: i64| as_of - chrono::Duration::days(n);
    let town = all
        .iter()
        .find(|d| d.code.level() == DivisionLevel::Town)
        .map_or(*county, |d| d.code);
    let village = |k: usize| {
        all.iter()
            .filter(|d| d.code.level() == DivisionLevel::Village)
            .nth(k)
            .map_or(*county, |d| d.code)
    };
    let findings: [Finding; 6] = [
        (
            *county,
            "audit",
            "2025年度衔接资金项目资产确权登记不及时，12个项目未办理移交",
            "逐个项目办理资产移交和确权登记，补录资产台账",
            "县农业农村委",
            "资产管理股股长",
            150,
            60,
            3,
        ),
        (
            town,
            "inspect",
            "乡镇防返贫监测信息员配备不足，1个村空缺",
            "选配村级信息员并完成业务培训",
            "乡镇人民政府",
            "分管副镇长",
            90,
            30,
            0,
        ),
        (
            village(2),
            "hotline",
            "村务公开栏未及时公示帮扶项目收益分配情况",
            "按季度公示收益分配方案和发放明细，接受群众监督",
            "村民委员会",
            "村委会主任",
            45,
            -15,
            2,
        ),
        (
            village(5),
            "assess",
            "部分监测户帮扶措施与风险类型不匹配",
            "逐户复核风险类型，调整帮扶措施并录入系统",
            "乡镇人民政府",
            "驻村第一书记",
            30,
            -30,
            1,
        ),
        (
            village(9),
            "self",
            "村集体资产台账与实物不符，3处资产未登记",
            "组织清产核资，补登资产并经村民代表会议确认",
            "村股份经济合作社",
            "村会计",
            20,
            -40,
            0,
        ),
        (
            village(11),
            "audit",
            "产业帮扶项目收益分配未经村民代表会议讨论",
            "补开村民代表会议，完善收益分配方案",
            "村民委员会",
            "村党组织书记",
            120,
            45,
            3,
        ),
    ];
    let mut n = 0;
    for (division, source, title, measures, unit, person, found, deadline, steps) in findings {
        let found_on = days(found);
        let id = store
            .add_item(
                &county_actor,
                &NewItem {
                    division,
                    source: source.into(),
                    title: title.into(),
                    found_on,
                    unit: unit.into(),
                    person: person.into(),
                    measures: measures.into(),
                    deadline: days(deadline),
                },
            )
            .await?;
        n += 1;
        let step = |step, on, note: &str, evidence: &str| StepInput {
            step,
            on,
            note: note.into(),
            evidence: evidence.into(),
            files: Vec::new(),
            drafts: Vec::new(),
            operating: Vec::new(),
        };
        let taken = [
            step(
                ItemStep::Progress,
                days(found - 5),
                "已制定整改方案，明确责任人和时限",
                "",
            ),
            step(
                ItemStep::Act(ItemAction::Resolve),
                days(found - 10),
                "已按措施整改到位",
                "整改报告及相关台账",
            ),
            step(
                ItemStep::Act(ItemAction::Close),
                days(found - 12),
                "经现场核实，整改到位，同意销号",
                "",
            ),
        ];
        for (version, s) in taken.iter().take(usize::from(steps)).enumerate() {
            let who = if s.step == ItemStep::Act(ItemAction::Close) {
                &county_actor
            } else {
                &village_actor
            };
            store
                .step_item(who, id, i64::try_from(version).unwrap_or(0), s)
                .await?;
        }
    }
    Ok(n)
}
