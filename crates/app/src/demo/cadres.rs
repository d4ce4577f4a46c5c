//! The demo county's cadres around villages: a county leader paired with each town (包片), town
//! cadres with the villages of the demo town and of every other town's first villages (包村),
//! one of them handed over; this year's 遍访 by the county secretary, every town secretary and
//! the demo town's village secretaries, most but not all of what they owe; and information
//! officers for the county, each town and nine villages in ten, so the grid shows vacancies.

use super::Rng;
use super::cases::demo_actor;
use crate::AppError;
use chrono::{Datelike, NaiveDate};
use dixian_domain::access::Role;
use dixian_domain::cadres::{OfficerKind, Pairing, PairingLevel, SecretaryLevel, Tour, TourTarget};
use dixian_domain::division::{Division, DivisionCode, DivisionLevel};
use dixian_store::Store;
use dixian_store::cadres::{NewOfficer, Successor};

/// What was loaded.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CadreReport {
    pub pairings: usize,
    pub tours: usize,
    pub officers: usize,
}

const SURNAMES: [&str; 10] = ["何", "罗", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧"];
const GIVEN: [&str; 10] = [
    "国华", "玉兰", "德明", "秀英", "振宇", "红梅", "立新", "桂芳", "建军", "晓燕",
];

fn name(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN))
}

fn phone(rng: &mut Rng) -> String {
    format!("139{:08}", rng.below(100_000_000))
}

/// Loads the cadres of `county` (its divisions `all`) as of `as_of`.
pub async fn load_cadres(
    store: &dyn Store,
    county: &DivisionCode,
    all: &[Division],
    rng: &mut Rng,
    as_of: NaiveDate,
) -> Result<CadreReport, AppError> {
    let actor = demo_actor("county", Role::CountyAdmin);
    let mut report = CadreReport::default();
    let day = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(as_of);
    let year = as_of.year();
    let towns: Vec<&Division> = all
        .iter()
        .filter(|d| d.code.level() == DivisionLevel::Town)
        .collect();
    let villages_of = |t: &DivisionCode| -> Vec<&Division> {
        all.iter()
            .filter(|d| d.code.level() == DivisionLevel::Village && d.code.is_within(t))
            .collect()
    };
    for (k, t) in towns.iter().enumerate() {
        store
            .add_pairing(
                &actor,
                &Pairing {
                    level: PairingLevel::Town,
                    division: t.code,
                    person: name(rng),
                    post: if k % 2 == 0 {
                        "副县长"
                    } else {
                        "县委常委"
                    }
                    .into(),
                    unit: "县委县政府".into(),
                    from: day(2023, 3, 1),
                },
            )
            .await?;
        report.pairings += 1;
        let villages = villages_of(&t.code);
        let paired = if k == 0 { villages.len() } else { 2 };
        for (j, v) in villages.iter().take(paired).enumerate() {
            let id = store
                .add_pairing(
                    &actor,
                    &Pairing {
                        level: PairingLevel::Village,
                        division: v.code,
                        person: name(rng),
                        post: "镇党委委员".into(),
                        unit: t.name.clone(),
                        from: day(2023, 3, 1),
                    },
                )
                .await?;
            report.pairings += 1;
            // One cadre of the demo town moved on in spring, with a successor.
            if k == 0 && j == 1 {
                let on = day(year, 4, 1).min(as_of);
                store
                    .end_pairing(
                        &actor,
                        id,
                        on,
                        "调县农业农村委",
                        Some(&Successor {
                            person: name(rng),
                            post: "镇人大副主席".into(),
                            unit: t.name.clone(),
                        }),
                    )
                    .await?;
                report.pairings += 1;
            }
        }
    }

    // 遍访 this year, on working days before today.
    let visit_day = |rng: &mut Rng| {
        let span = u64::try_from((as_of - day(year, 1, 1)).num_days()).unwrap_or(0);
        let d = day(year, 1, 5) + chrono::Days::new(rng.below((span * 9 / 10).max(1)));
        d.min(as_of)
    };
    let designations = store.designations(&actor, Some(county)).await?;
    let keys: Vec<DivisionCode> = designations
        .iter()
        .filter(|r| {
            matches!(r.designation.kind.as_str(), "key_town" | "key_village")
                && r.designation.holds_on(as_of)
        })
        .map(|r| r.designation.division)
        .collect();
    let secretary = name(rng);
    // The county secretary has been to all but one of the key places so far.
    for k in keys.iter().skip(1) {
        let target = if k.level() == DivisionLevel::Town {
            TourTarget::Town(*k)
        } else {
            TourTarget::Village(*k)
        };
        store
            .add_tour(
                &actor,
                &Tour {
                    level: SecretaryLevel::County,
                    of: *county,
                    visitor: secretary.clone(),
                    on: visit_day(rng),
                    target,
                    note: "调研产业发展和防止返贫监测".into(),
                },
            )
            .await?;
        report.tours += 1;
    }
    let households = store.tour_households(&actor, Some(county)).await?;
    for (k, t) in towns.iter().enumerate() {
        let visitor = name(rng);
        // Every town secretary has seen most villages; the demo town's all but one.
        for (j, v) in villages_of(&t.code).iter().enumerate() {
            if (k == 0 && j == 0) || (k > 0 && rng.below(10) < 2) {
                continue;
            }
            store
                .add_tour(
                    &actor,
                    &Tour {
                        level: SecretaryLevel::Town,
                        of: t.code,
                        visitor: visitor.clone(),
                        on: visit_day(rng),
                        target: TourTarget::Village(v.code),
                        note: String::new(),
                    },
                )
                .await?;
            report.tours += 1;
        }
        // Monitored households: the demo town's secretary has seen most of them.
        if k == 0 {
            let monitored = households
                .iter()
                .filter(|h| h.monitored && h.code.village().is_some_and(|v| v.is_within(&t.code)));
            for h in monitored {
                if rng.below(10) < 3 {
                    continue;
                }
                store
                    .add_tour(
                        &actor,
                        &Tour {
                            level: SecretaryLevel::Town,
                            of: t.code,
                            visitor: visitor.clone(),
                            on: visit_day(rng),
                            target: TourTarget::Household(h.code.clone()),
                            note: "了解收入和帮扶措施落实".into(),
                        },
                    )
                    .await?;
                report.tours += 1;
            }
            // The demo town's village secretaries: most of their 脱贫户 and 监测户.
            // The first village's 第一书记 (its team's) has seen about half of them.
            for (j, v) in villages_of(&t.code).iter().take(3).enumerate() {
                let visitor = name(rng);
                let first = name(rng);
                for h in households
                    .iter()
                    .filter(|h| h.code.village() == Some(v.code))
                {
                    let mut levels = vec![(SecretaryLevel::Village, &visitor, 8)];
                    if j == 0 {
                        levels.push((SecretaryLevel::First, &first, 5));
                    }
                    for (level, who, in_ten) in levels {
                        if rng.below(10) >= in_ten {
                            continue;
                        }
                        store
                            .add_tour(
                                &actor,
                                &Tour {
                                    level,
                                    of: v.code,
                                    visitor: who.clone(),
                                    on: visit_day(rng),
                                    target: TourTarget::Household(h.code.clone()),
                                    note: String::new(),
                                },
                            )
                            .await?;
                        report.tours += 1;
                    }
                }
            }
        }
    }

    // Information officers: the county's two, each town's two (one town short), and one in
    // nine villages of ten; one village officer left for work in the city.
    let officer = |division: DivisionCode, kind: OfficerKind, rng: &mut Rng| NewOfficer {
        division,
        name: name(rng),
        phone: phone(rng),
        kind,
        from: day(2022, 9, 1),
    };
    let mut list = vec![
        officer(*county, OfficerKind::FullTime, rng),
        officer(*county, OfficerKind::FullTime, rng),
    ];
    for (k, t) in towns.iter().enumerate() {
        list.push(officer(t.code, OfficerKind::PartTime, rng));
        if k != 1 {
            list.push(officer(t.code, OfficerKind::PartTime, rng));
        }
        for (j, v) in villages_of(&t.code).iter().enumerate() {
            if (j + k) % 10 != 9 {
                list.push(officer(v.code, OfficerKind::PartTime, rng));
            }
        }
    }
    let mut first_village_officer = None;
    for o in &list {
        let id = store.add_officer(&actor, o).await?;
        if first_village_officer.is_none() && o.division.level() == DivisionLevel::Village {
            first_village_officer = Some((id, o.division));
        }
        report.officers += 1;
    }
    if let Some((id, village)) = first_village_officer {
        let on = day(year, 6, 30).min(as_of);
        store.end_officer(&actor, id, on, "外出务工").await?;
        store
            .add_officer(
                &actor,
                &NewOfficer {
                    from: on,
                    ..officer(village, OfficerKind::PartTime, rng)
                },
            )
            .await?;
        report.officers += 1;
    }
    Ok(report)
}
