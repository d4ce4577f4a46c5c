//! The demo county's project assets: what each finished demo project handed over — an
//! operating asset of the village collective for industry and employment projects (some with
//! livestock or seedlings to the households they benefit), public assets for roads, water and
//! clinics — with a yearly income for most operating assets (a few idle), last year's income
//! shared by plans at every step, and a few disposals and write-offs. Through the store, as
//! staff would, so the rules and the audit trail hold for it too.

use super::Rng;
use super::cases::demo_actor;
use crate::AppError;
use chrono::{Datelike, Days, NaiveDate};
use dixian_domain::access::Role;
use dixian_domain::assets::{
    AssetClass, DisposalMethod, DisposalPath, DistributionUse, IncomeKind, Operation, OwnerKind,
    PlanAction,
};
use dixian_domain::division::DivisionCode;
use dixian_domain::funds::Notice;
use dixian_domain::money::Money;
use dixian_domain::registry::HouseholdCode;
use dixian_store::Store;
use dixian_store::assets::{Ending, NewAsset, NewDistribution, NewIncome, PlanLineInput};

/// A finished project whose assets are handed over.
pub(super) struct HandedOver<'a> {
    pub project: i64,
    pub village: DivisionCode,
    pub village_name: &'a str,
    pub kind: &'static str,
    pub budget: Money,
    pub beneficiaries: &'a [HouseholdCode],
    pub completed_on: NaiveDate,
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn share(m: Money, percent: i64) -> Money {
    Money::from_fen(m.fen() * percent / 100 / 100 * 100)
}

/// Registers what `h` handed over, its income, plans and endings; gives how many assets.
pub(super) async fn hand_over(
    store: &dyn Store,
    rng: &mut Rng,
    h: &HandedOver<'_>,
    as_of: NaiveDate,
) -> Result<usize, AppError> {
    let village = demo_actor("village", Role::VillageOfficer);
    let formed_on = h.completed_on + Days::new(10 + rng.below(20));
    if formed_on > as_of {
        return Ok(0);
    }
    let collective = format!("{}股份经济合作社", h.village_name);
    let base = NewAsset {
        project_id: h.project,
        name: String::new(),
        class: AssetClass::Public,
        owner_kind: OwnerKind::Collective,
        owner_name: collective.clone(),
        owner_household: None,
        division: h.village,
        value: h.budget,
        location: h.village_name.to_string(),
        formed_on,
        confirmed_on: Some(formed_on + Days::new(15)).filter(|d| *d <= as_of),
        confirm_document: format!("资产确权书〔{}〕{}号", formed_on.year(), h.project),
        custody_unit: format!("{}村民委员会", h.village_name),
        custody_person: "村级管护员".into(),
        custody_duties: "日常巡查、维护保养、安全管理".into(),
        operation: None,
        operator: String::new(),
    };
    let mut made = Vec::new();
    match h.kind {
        "industry" | "employment" => {
            let operation = [
                Operation::Contract,
                Operation::Trust,
                Operation::Lease,
                Operation::Cooperation,
                Operation::SelfRun,
            ][usize::try_from(rng.below(5)).unwrap_or(0)];
            let id = store
                .add_asset(
                    &village,
                    &NewAsset {
                        name: if h.kind == "industry" {
                            format!("{}产业设施", h.village_name)
                        } else {
                            format!("{}帮扶车间", h.village_name)
                        },
                        class: AssetClass::Operating,
                        value: share(h.budget, 90),
                        operation: Some(operation),
                        operator: if operation == Operation::SelfRun {
                            collective.clone()
                        } else {
                            "县农业发展有限公司".into()
                        },
                        ..base.clone()
                    },
                )
                .await?;
            made.push((id, AssetClass::Operating, share(h.budget, 90)));
            // Livestock or seedlings to some of the households it benefits.
            if rng.below(3) > 0 {
                for code in h.beneficiaries.iter().take(12) {
                    let value = Money::from_yuan(rng.range(5, 20) * 1_000).unwrap_or(Money::ZERO);
                    let id = store
                        .add_asset(
                            &village,
                            &NewAsset {
                                name: if rng.below(2) == 0 {
                                    "到户能繁母牛".into()
                                } else {
                                    "到户经果林苗木".into()
                                },
                                class: AssetClass::Household,
                                owner_kind: OwnerKind::Household,
                                owner_name: String::new(),
                                owner_household: Some(code.clone()),
                                value,
                                custody_unit: String::new(),
                                custody_person: "农户自管".into(),
                                custody_duties: "农户自行管护，村“两委”指导".into(),
                                ..base.clone()
                            },
                        )
                        .await?;
                    made.push((id, AssetClass::Household, value));
                }
            }
        }
        other => {
            let (name, owner_kind, owner) = match other {
                "rural_construction" => ("基础设施", OwnerKind::Department, "县交通运输局"),
                "assurance" => ("公共服务设施", OwnerKind::Department, "县卫生健康委员会"),
                _ => ("公益设施", OwnerKind::Collective, collective.as_str()),
            };
            let id = store
                .add_asset(
                    &village,
                    &NewAsset {
                        name: format!("{}{name}", h.village_name),
                        owner_kind,
                        owner_name: owner.to_string(),
                        ..base.clone()
                    },
                )
                .await?;
            made.push((id, AssetClass::Public, h.budget));
        }
    }
    for (id, class, value) in &made {
        match class {
            AssetClass::Operating => earn(store, rng, *id, *value, h, formed_on, as_of).await?,
            AssetClass::Household if rng.below(100) < 3 => {
                // A cow that died of disease: scrapped by the simplified procedure.
                let on = formed_on + Days::new(200);
                if on <= as_of {
                    store
                        .end_asset(
                            &demo_actor("town", Role::TownReviewer),
                            *id,
                            1,
                            &Ending::Disposal {
                                method: DisposalMethod::Loss,
                                path: DisposalPath::Simplified,
                                value: *value,
                                proceeds: Money::ZERO,
                                proceeds_use: "重新安排用于巩固拓展脱贫攻坚成果".into(),
                                decision: format!("{}村民代表大会决议", h.village_name),
                                notice: Some(Notice {
                                    place: "村务公开栏".into(),
                                    from: on - Days::new(15),
                                    to: on - Days::new(5),
                                }),
                            },
                            on,
                        )
                        .await?;
                }
            }
            _ => {}
        }
    }
    Ok(made.len())
}

/// Income of an operating asset for every whole year since it was formed (a few idle), and
/// last year's shared by a plan taken as far as `as_of` allows; one in fifty written off.
async fn earn(
    store: &dyn Store,
    rng: &mut Rng,
    id: i64,
    value: Money,
    h: &HandedOver<'_>,
    formed_on: NaiveDate,
    as_of: NaiveDate,
) -> Result<(), AppError> {
    let village = demo_actor("village", Role::VillageOfficer);
    let idle = rng.below(100) < 8;
    let rate = rng.range(150, 800);
    let last_year = as_of.year() - 1;
    let mut last_income = Money::ZERO;
    for year in formed_on.year()..=last_year {
        let received_on = day(year, 12, 20);
        if idle || received_on < formed_on || received_on > as_of {
            continue;
        }
        let amount = Money::from_fen(value.fen() * rate / 10_000 / 100 * 100);
        if amount <= Money::ZERO {
            continue;
        }
        store
            .add_income(
                &village,
                &NewIncome {
                    asset_id: id,
                    year,
                    kind: IncomeKind::Rent,
                    amount,
                    received_on,
                    note: "承包（租赁）费".into(),
                },
            )
            .await?;
        if year == last_year {
            last_income = amount;
        }
    }
    // Last year's income shared: public-post wages to the households the project benefits,
    // the rest to village public works.
    let proposed_on = day(as_of.year(), 1, 10);
    if last_income > Money::ZERO && proposed_on <= as_of && rng.below(100) < 80 {
        let mut lines = Vec::new();
        let mut left = last_income.fen();
        for code in h.beneficiaries.iter().take(3) {
            let amount = (left / 4).min(300_000);
            if amount <= 0 {
                break;
            }
            left -= amount;
            lines.push(PlanLineInput {
                household: Some(code.clone()),
                use_: DistributionUse::PublicPost,
                amount: Money::from_fen(amount),
                note: String::new(),
            });
        }
        lines.push(PlanLineInput {
            household: None,
            use_: DistributionUse::PublicWorks,
            amount: Money::from_fen(left),
            note: "村内道路维护".into(),
        });
        // One plan in four pays its wages quarterly, the others at once.
        let months = if rng.below(4) == 0 { 4 } else { 1 };
        let targeted = crate::assets::rules(store, &h.village, proposed_on)
            .await?
            .targeted();
        let plan = store
            .propose_distribution(
                &village,
                &NewDistribution {
                    asset_id: id,
                    year: last_year,
                    months,
                    lines,
                    targeted: targeted.clone(),
                    notice: Notice {
                        place: "村务公开栏".into(),
                        from: proposed_on - Days::new(10),
                        to: proposed_on - Days::new(1),
                    },
                    proposed_on,
                },
            )
            .await?;
        // Most plans filed, some approved by the town only, a few just proposed.
        let taken = match rng.below(10) {
            0 => 0,
            1 => 1,
            _ => 2,
        };
        for (n, (action, who, on)) in [
            (
                PlanAction::Approve,
                Role::TownReviewer,
                proposed_on + Days::new(7),
            ),
            (
                PlanAction::File,
                Role::CountyAdmin,
                proposed_on + Days::new(14),
            ),
        ]
        .into_iter()
        .enumerate()
        {
            if on > as_of || n >= taken {
                break;
            }
            let actor = demo_actor(
                if who == Role::TownReviewer {
                    "town"
                } else {
                    "county"
                },
                who,
            );
            store
                .advance_distribution(
                    &actor,
                    plan,
                    1 + i64::try_from(n).unwrap_or(0),
                    action,
                    on,
                    "同意",
                )
                .await?;
        }
        // Filed plans are paid: at the end of the month after filing, then each quarter.
        if taken == 2 {
            let filed_on = proposed_on + Days::new(14);
            for k in 0..months {
                let paid_on = day(as_of.year(), 2 + 3 * k, 25);
                if paid_on > as_of || paid_on < filed_on {
                    break;
                }
                store
                    .record_payout(
                        &village,
                        plan,
                        &paid_on.format("%Y-%m").to_string(),
                        paid_on,
                        &targeted,
                    )
                    .await?;
            }
        }
    }
    if rng.below(100) < 2 {
        let on = day(as_of.year(), 7, 15);
        if on <= as_of && on > formed_on {
            store
                .end_asset(
                    &demo_actor("county", Role::CountyAdmin),
                    id,
                    1,
                    &Ending::WriteOff {
                        reason: format!("{}年7月洪涝灾害损毁", as_of.year()),
                        assessment: format!("县农业农村局技术鉴定意见〔{}〕{}号", as_of.year(), id),
                    },
                    on,
                )
                .await?;
        }
    }
    Ok(())
}
