//! The `[assets]` section of a policy pack: the simplified-disposal limit, the least return of
//! an operating asset, whether income may be handed out as cash and which uses of it go only
//! to 脱贫户 and 监测对象.

use crate::codes::coded_enum;
use crate::money::Money;
use crate::policy::de_money;
use serde::Deserialize;

coded_enum!(
    /// What a distribution line pays for (the pack names some in `targeted_uses`, so the code
    /// table lives beside it). 农帮扶发〔2024〕3号: income is not handed out as simple cash by
    /// default; it pays for work, posts, conditional rewards and village public works.
    DistributionUse {
        PublicPost => ("public_post", "公益岗位工资"),
        WorkPay => ("work_pay", "参与劳动报酬"),
        Reward => ("reward", "奖励补助（以奖代补）"),
        Hardship => ("hardship", "困难救助"),
        PublicWorks => ("public_works", "村内公益事业"),
        Cash => ("cash", "直接发放现金"),
    }
);

/// The pack's rules for project assets (`[assets]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetRules {
    /// A village asset worth at most this may be disposed of by the simplified procedure
    /// (村民大会或村民代表大会讨论通过，公示无异议).
    #[serde(deserialize_with = "de_money")]
    pub simplified_disposal_max: Money,
    /// An operating asset whose yearly income is below this share of its value, in basis
    /// points (200 = 2 %), is flagged as low-return (低效).
    pub low_return_bp: u32,
    /// Whether a distribution plan may hand income out as cash (直接发放现金).
    pub cash_handout: bool,
    /// Codes of the distribution uses (`DistributionUse`) paid only to households that are
    /// 脱贫户 or 监测对象: proposed only for them, and stopped from the next payout when a
    /// household is neither any more. Wages for work done are not among them. Optional (none)
    /// so packs stored before it existed still load (decision 48).
    #[serde(default)]
    pub targeted_uses: Vec<String>,
}

impl AssetRules {
    /// The uses of [`AssetRules::targeted_uses`] (unknown codes are refused by `check`).
    pub fn targeted(&self) -> Vec<DistributionUse> {
        self.targeted_uses
            .iter()
            .filter_map(|c| DistributionUse::parse(c))
            .collect()
    }

    /// Problems in the section: `(field, message)` for each.
    pub fn check(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for c in &self.targeted_uses {
            if DistributionUse::parse(c).is_none() {
                out.push((
                    "targeted_uses",
                    format!("收益分配用途（targeted_uses）中的“{c}”不是已知的用途代码"),
                ));
            }
        }
        if self.simplified_disposal_max <= Money::ZERO {
            out.push((
                "simplified_disposal_max",
                "简化处置上限（simplified_disposal_max）必须大于0".into(),
            ));
        }
        if self.low_return_bp > 10_000 {
            out.push((
                "low_return_bp",
                format!(
                    "低效收益率（low_return_bp，万分之几）应在0到10000之间，现为{}",
                    self.low_return_bp
                ),
            ));
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn targeted_uses_are_known_codes() {
        let mut rules = AssetRules {
            simplified_disposal_max: Money::from_yuan(100_000).unwrap(),
            low_return_bp: 200,
            cash_handout: false,
            targeted_uses: vec!["reward".into(), "public_post".into()],
        };
        assert!(rules.check().is_empty());
        assert_eq!(
            rules.targeted(),
            [DistributionUse::Reward, DistributionUse::PublicPost]
        );
        rules.targeted_uses.push("bonus".into());
        let problems = rules.check();
        assert_eq!(problems[0].0, "targeted_uses");
        assert!(problems[0].1.contains("“bonus”"), "{}", problems[0].1);
    }
}
