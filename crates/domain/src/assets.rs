//! Project assets (扶贫项目资产, from 2026 帮扶项目资产 — the name comes from the pack): what a
//! finished project leaves — 经营性, 公益性 or 到户类 — with its owner (确权), custody (管护)
//! and operation; the yearly income of operating assets and its distribution plan (村集体提
//! 方案、乡镇审批、县级备案); disposal (处置: the simplified village-assembly path only up to the
//! pack's amount) and write-off (核销, with an expert assessment). The rules are functions
//! here, their numbers from the pack's `[assets]`.

use crate::access::Role;
use crate::codes::coded_enum;
use crate::money::Money;
pub use crate::policy::assets::{AssetRules, DistributionUse};

coded_enum!(
    /// 资产类别.
    AssetClass {
        Operating => ("operating", "经营性资产"),
        Public => ("public", "公益性资产"),
        Household => ("household", "到户类资产"),
    }
);

coded_enum!(
    /// Who owns the asset (所有权).
    OwnerKind {
        Collective => ("collective", "村集体经济组织"),
        Town => ("town", "乡镇"),
        Department => ("department", "行业部门（国有）"),
        Household => ("household", "农户"),
    }
);

coded_enum!(
    /// How an operating asset is run (经营方式).
    Operation {
        SelfRun => ("self", "自主经营"),
        Contract => ("contract", "承包"),
        Trust => ("trust", "托管"),
        Lease => ("lease", "租赁"),
        Cooperation => ("cooperation", "合作经营"),
    }
);

coded_enum!(
    /// Where an asset stands.
    AssetState {
        InUse => ("in_use", "在用"),
        Disposed => ("disposed", "已处置"),
        WrittenOff => ("written_off", "已核销"),
    }
);

coded_enum!(
    /// A kind of income (收益类型).
    IncomeKind {
        Rent => ("rent", "租金"),
        Dividend => ("dividend", "分红"),
        Profit => ("profit", "经营收益"),
        Other => ("other", "其他"),
    }
);

coded_enum!(
    /// Where a distribution plan stands: 村集体提方案 → 乡镇审批 → 县级备案.
    PlanState {
        Proposed => ("proposed", "村提方案待乡镇审批"),
        Approved => ("approved", "乡镇已审批待县级备案"),
        Filed => ("filed", "县级已备案"),
        Returned => ("returned", "已退回"),
    }
);

coded_enum!(
    /// A step on a distribution plan.
    PlanAction {
        Approve => ("approve", "乡镇审批"),
        File => ("file", "县级备案"),
        Return => ("return", "退回"),
    }
);

coded_enum!(
    /// 处置方式.
    DisposalMethod {
        Auction => ("auction", "拍卖"),
        Transfer => ("transfer", "转让"),
        Swap => ("swap", "置换"),
        Loss => ("loss", "报损"),
        Scrap => ("scrap", "报废"),
    }
);

coded_enum!(
    /// The approval path of a disposal: the simplified one (≤ the pack's amount: 村民（代表）大会
    /// 讨论通过，公示无异议) or the full one (村民主决策 → 乡镇审核 → 主管部门审批).
    DisposalPath {
        Simplified => ("simplified", "简化程序（村民大会通过并公示）"),
        Full => ("full", "审批程序（乡镇审核、主管部门审批）"),
    }
);

impl PlanAction {
    pub fn apply(self, from: PlanState) -> Result<PlanState, String> {
        match (self, from) {
            (PlanAction::Approve, PlanState::Proposed) => Ok(PlanState::Approved),
            (PlanAction::File, PlanState::Approved) => Ok(PlanState::Filed),
            (PlanAction::Return, PlanState::Proposed | PlanState::Approved) => {
                Ok(PlanState::Returned)
            }
            (PlanAction::File, PlanState::Proposed) => {
                Err("分配方案尚未经乡镇审批，不能县级备案".into())
            }
            (a, s) => Err(format!("分配方案当前“{}”，不能“{}”", s.label(), a.label())),
        }
    }

    /// The town approves, the county files; either sends back what it holds.
    pub fn permitted(self, role: Option<Role>, from: PlanState) -> bool {
        let Some(role) = role else { return true };
        match self {
            PlanAction::Approve => matches!(role, Role::TownReviewer | Role::CountyAdmin),
            PlanAction::File => role == Role::CountyAdmin,
            PlanAction::Return => {
                role == Role::CountyAdmin
                    || (role == Role::TownReviewer && from == PlanState::Proposed)
            }
        }
    }

    pub fn available(state: PlanState, role: Option<Role>) -> Vec<PlanAction> {
        PlanAction::ALL
            .iter()
            .copied()
            .filter(|a| a.apply(state).is_ok() && a.permitted(role, state))
            .collect()
    }
}

/// Why a disposal may not take `path` for an asset of `value`, if it may not.
pub fn disposal_problem(path: DisposalPath, value: Money, rules: &AssetRules) -> Option<String> {
    (path == DisposalPath::Simplified && value > rules.simplified_disposal_max).then(|| {
        format!(
            "资产价值{}元，超过简化程序上限{}元：应经村民主决策、乡镇审核、主管部门审批",
            value.grouped(),
            rules.simplified_disposal_max.grouped()
        )
    })
}

/// Why a distribution does not fit the year's income, if it does not.
pub fn distribution_problem(income: Money, already: Money, planned: Money) -> Option<String> {
    let after = already.fen().saturating_add(planned.fen());
    (after > income.fen()).then(|| {
        format!(
            "当年收益{}元，已有分配方案{}元，本方案{}元，合计超出收益{}元",
            income.grouped(),
            already.grouped(),
            planned.grouped(),
            Money::from_fen(after - income.fen()).grouped()
        )
    })
}

/// The first day of month `text`, written exactly `YYYY-MM` (what a month box sends); `None`
/// for anything else, so one month is always stored as the same text.
pub fn payout_month(text: &str) -> Option<chrono::NaiveDate> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 7 || b[4] != b'-' || !digits(0..4) || !digits(5..7) {
        return None;
    }
    let year: i32 = text[0..4].parse().ok()?;
    let month: u32 = text[5..7].parse().ok()?;
    chrono::NaiveDate::from_ymd_opt(year, month, 1)
}

/// The `k`-th of `months` payouts (1-based) of a yearly `amount`: equal parts, the odd fen
/// falling to the later payouts, so the payouts add up to the amount exactly.
pub fn installment(amount: Money, months: u32, k: u32) -> Money {
    if months == 0 || k == 0 || k > months {
        return Money::ZERO;
    }
    let part = |n: u32| {
        i64::try_from(i128::from(amount.fen()) * i128::from(n) / i128::from(months))
            .unwrap_or(i64::MAX)
    };
    Money::from_fen(part(k) - part(k - 1))
}

/// What a household is at a payout: members still in it, and whether it is a 脱贫户 or a
/// 监测对象.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecipientStatus {
    pub living: i64,
    pub poverty_alleviated: bool,
    pub monitored: bool,
}

/// Why a household line of `use_` is stopped at a payout (停发), if it is: nobody is left in
/// the household, or a use paid only to 脱贫户 and 监测对象 (`targeted`, from the pack) goes to
/// a household that is neither any more.
pub fn stop_reason(
    use_: DistributionUse,
    status: RecipientStatus,
    targeted: &[DistributionUse],
) -> Option<String> {
    if status.living <= 0 {
        return Some("户内已无在户成员（死亡或迁出）".into());
    }
    (targeted.contains(&use_) && !status.poverty_alleviated && !status.monitored)
        .then(|| format!("“{}”只发给脱贫户和监测对象，该户现已不是", use_.label()))
}

/// An operating asset's return that year (收益率) in basis points of its value.
pub fn return_bp(income: Money, value: Money) -> i64 {
    crate::funds::share_bp(income, value)
}

/// Why an operating asset is flagged (闲置或低效), if it is: no income in `year`, or a return
/// below the pack's least.
pub fn flag(class: AssetClass, value: Money, income: Money, rules: &AssetRules) -> Option<String> {
    if class != AssetClass::Operating || value <= Money::ZERO {
        return None;
    }
    if income <= Money::ZERO {
        return Some("闲置：上一年度没有收益".into());
    }
    let bp = return_bp(income, value);
    (bp < i64::from(rules.low_return_bp)).then(|| {
        format!(
            "低效：收益率{}，低于政策包要求的{}",
            crate::funds::percent_text(bp),
            crate::funds::percent_text(i64::from(rules.low_return_bp))
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn rules() -> AssetRules {
        AssetRules {
            simplified_disposal_max: Money::from_yuan(100_000).unwrap(),
            low_return_bp: 200,
            cash_handout: false,
            targeted_uses: vec!["reward".into(), "hardship".into()],
        }
    }

    #[test]
    fn a_month_is_written_one_way() {
        assert_eq!(
            payout_month("2026-07"),
            chrono::NaiveDate::from_ymd_opt(2026, 7, 1)
        );
        for bad in [
            "2026- 7",
            "+2026-7",
            "2026-7",
            "2026-13",
            "2026-00",
            "2026年7月",
            "",
        ] {
            assert_eq!(payout_month(bad), None, "{bad}");
        }
    }

    #[test]
    fn payouts_add_up_to_the_line_exactly() {
        let yearly = Money::from_fen(100_001);
        let parts: Vec<i64> = (1..=12).map(|k| installment(yearly, 12, k).fen()).collect();
        assert_eq!(parts.iter().sum::<i64>(), 100_001);
        assert!(
            parts.iter().all(|p| *p == 8_333 || *p == 8_334),
            "{parts:?}"
        );
        assert_eq!(installment(yearly, 1, 1), yearly);
        assert_eq!(installment(yearly, 12, 13), Money::ZERO);
    }

    proptest::proptest! {
        #[test]
        fn any_schedule_pays_the_whole_line(fen in 0i64..10_000_000_000, months in 1u32..=12) {
            let sum: i64 = (1..=months).map(|k| installment(Money::from_fen(fen), months, k).fen()).sum();
            proptest::prop_assert_eq!(sum, fen);
        }
    }

    #[test]
    fn a_line_stops_when_the_household_no_longer_qualifies() {
        let targeted = rules().targeted();
        let still = RecipientStatus {
            living: 3,
            poverty_alleviated: true,
            monitored: false,
        };
        assert_eq!(stop_reason(DistributionUse::Reward, still, &targeted), None);
        let gone = RecipientStatus { living: 0, ..still };
        assert!(
            stop_reason(DistributionUse::PublicPost, gone, &targeted)
                .unwrap()
                .contains("无在户成员")
        );
        let ordinary = RecipientStatus {
            poverty_alleviated: false,
            ..still
        };
        assert!(stop_reason(DistributionUse::Hardship, ordinary, &targeted).is_some());
        // A wage is earned whatever the household's type.
        assert_eq!(
            stop_reason(DistributionUse::WorkPay, ordinary, &targeted),
            None
        );
        let monitored = RecipientStatus {
            monitored: true,
            ..ordinary
        };
        assert_eq!(
            stop_reason(DistributionUse::Reward, monitored, &targeted),
            None
        );
    }

    #[test]
    fn the_simplified_path_stops_at_the_pack_amount() {
        let y = |n| Money::from_yuan(n).unwrap();
        assert!(disposal_problem(DisposalPath::Simplified, y(100_000), &rules()).is_none());
        let m = disposal_problem(DisposalPath::Simplified, y(100_001), &rules()).unwrap();
        assert!(m.contains("超过简化程序上限100,000.00元"), "{m}");
        assert!(disposal_problem(DisposalPath::Full, y(900_000), &rules()).is_none());
    }

    #[test]
    fn plans_go_village_town_county() {
        let s = PlanAction::Approve.apply(PlanState::Proposed).unwrap();
        assert!(PlanAction::Approve.permitted(Some(Role::TownReviewer), PlanState::Proposed));
        assert!(!PlanAction::File.permitted(Some(Role::TownReviewer), s));
        assert_eq!(PlanAction::File.apply(s).unwrap(), PlanState::Filed);
        assert!(PlanAction::File.apply(PlanState::Proposed).is_err());
        assert_eq!(
            PlanAction::available(PlanState::Approved, Some(Role::CountyAdmin)),
            [PlanAction::File, PlanAction::Return]
        );
    }

    #[test]
    fn idle_and_low_return_operating_assets_are_flagged() {
        let y = |n| Money::from_yuan(n).unwrap();
        let r = rules();
        assert!(
            flag(AssetClass::Operating, y(500_000), y(0), &r)
                .unwrap()
                .contains("闲置")
        );
        assert!(
            flag(AssetClass::Operating, y(500_000), y(5_000), &r)
                .unwrap()
                .contains("1.00%")
        );
        assert!(flag(AssetClass::Operating, y(500_000), y(10_000), &r).is_none());
        assert!(flag(AssetClass::Public, y(500_000), y(0), &r).is_none());
        assert!(
            distribution_problem(y(100), y(60), y(50))
                .unwrap()
                .contains("超出收益10.00元")
        );
    }
}
