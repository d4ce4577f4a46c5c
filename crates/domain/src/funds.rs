//! Funds (资金: 衔接推进乡村振兴补助资金, from 2026 中央财政常态化帮扶资金 — the name comes from the
//! pack in force) and the project library (项目库) they may only be spent through: a village
//! proposes (村申报), the town reviews (乡审核), the county approves it into the library (县审定),
//! each with its public notice (公示); a library project receives funds by plan lines (资金
//! 计划), is carried out 立项 → 招投标 → 开工 → 完工 → 验收 → 报账, and its money is paid out
//! (拨付) or returned (收回) against its lines. The checks a county is audited on — split no
//! larger than the document, no negative-list use, the industry share, spending progress —
//! are functions here, their numbers from the pack's `[funds]` and code tables.

use crate::access::Role;
use crate::codes::coded_enum;
use crate::money::Money;
pub use crate::policy::funds::{FundRules, NegativeUse, ProjectType};
use chrono::NaiveDate;

coded_enum!(
    /// The government level a fund document comes from (资金级次).
    FundLevel {
        Central => ("central", "中央"),
        Province => ("province", "省级"),
        City => ("city", "市级"),
        County => ("county", "县级"),
    }
);

coded_enum!(
    /// 建设性质.
    ProjectNature {
        New => ("new", "新建"),
        Continued => ("continued", "续建"),
        Expanded => ("expanded", "改扩建"),
    }
);

coded_enum!(
    /// 绩效目标 indicator kinds of the national 绩效目标表.
    TargetKind {
        Output => ("output", "产出指标"),
        Benefit => ("benefit", "效益指标"),
        Satisfaction => ("satisfaction", "满意度指标"),
    }
);

coded_enum!(
    /// How a project benefits farmers (联农带农 / 利益联结机制).
    LinkMechanism {
        Employment => ("employment", "务工就业"),
        Dividend => ("dividend", "入股分红"),
        LandRent => ("land_rent", "土地流转租金"),
        Purchase => ("purchase", "订单收购"),
        Household => ("household", "到户扶持"),
        Service => ("service", "公共服务受益"),
    }
);

coded_enum!(
    /// A money movement on a plan line.
    PaymentKind {
        Pay => ("pay", "拨付支出"),
        Return => ("return", "收回"),
    }
);

coded_enum!(
    /// Where a project stands (项目状态).
    ProjectStage {
        Proposed => ("proposed", "村申报待乡审核"),
        Reviewed => ("reviewed", "乡审核通过待县审定"),
        Returned => ("returned", "已退回修改"),
        Library => ("library", "已入库"),
        Established => ("established", "已立项"),
        Tendered => ("tendered", "已招投标"),
        Started => ("started", "已开工"),
        Completed => ("completed", "已完工"),
        Accepted => ("accepted", "已验收"),
        Settled => ("settled", "已报账"),
    }
);

coded_enum!(
    /// What can be done to a project.
    ProjectAction {
        Review => ("review", "乡审核通过"),
        Approve => ("approve", "县审定入库"),
        Return => ("return", "退回修改"),
        Resubmit => ("resubmit", "补充说明后重新申报"),
        Establish => ("establish", "立项"),
        Tender => ("tender", "招投标"),
        Start => ("start", "开工"),
        Complete => ("complete", "完工"),
        Accept => ("accept", "验收"),
        Settle => ("settle", "报账"),
    }
);

impl ProjectStage {
    /// In the library (县审定) or beyond: may receive funds.
    pub fn in_library(self) -> bool {
        !matches!(
            self,
            ProjectStage::Proposed | ProjectStage::Reviewed | ProjectStage::Returned
        )
    }

    /// Started (开工) or beyond.
    pub fn started(self) -> bool {
        matches!(
            self,
            ProjectStage::Started
                | ProjectStage::Completed
                | ProjectStage::Accepted
                | ProjectStage::Settled
        )
    }

    /// Finished (完工) or beyond.
    pub fn completed(self) -> bool {
        matches!(
            self,
            ProjectStage::Completed | ProjectStage::Accepted | ProjectStage::Settled
        )
    }
}

impl ProjectAction {
    /// The stage after this action, or why it cannot be taken from `from`.
    pub fn apply(self, from: ProjectStage) -> Result<ProjectStage, String> {
        use ProjectAction as A;
        use ProjectStage as S;
        let next = match (self, from) {
            (A::Review, S::Proposed) => S::Reviewed,
            (A::Approve, S::Reviewed) => S::Library,
            (A::Return, S::Proposed | S::Reviewed) => S::Returned,
            (A::Resubmit, S::Returned) => S::Proposed,
            (A::Establish, S::Library) => S::Established,
            (A::Tender, S::Established) => S::Tendered,
            (A::Start, S::Tendered) => S::Started,
            (A::Complete, S::Started) => S::Completed,
            (A::Accept, S::Completed) => S::Accepted,
            (A::Settle, S::Accepted) => S::Settled,
            (A::Approve, S::Proposed) => {
                return Err("项目尚未经乡镇审核，不能县审定：应先由乡镇审核通过".into());
            }
            (_, from) => {
                let before = self.needs().map(|s| s.label()).unwrap_or("");
                return Err(format!(
                    "项目当前“{}”，不能“{}”{}",
                    from.label(),
                    self.label(),
                    if before.is_empty() {
                        String::new()
                    } else {
                        format!("：这一步只能在“{before}”之后办理")
                    }
                ));
            }
        };
        Ok(next)
    }

    /// The stage this action follows (for messages).
    fn needs(self) -> Option<ProjectStage> {
        use ProjectAction as A;
        use ProjectStage as S;
        Some(match self {
            A::Review => S::Proposed,
            A::Approve => S::Reviewed,
            A::Return => return None,
            A::Resubmit => S::Returned,
            A::Establish => S::Library,
            A::Tender => S::Established,
            A::Start => S::Tendered,
            A::Complete => S::Started,
            A::Accept => S::Completed,
            A::Settle => S::Accepted,
        })
    }

    /// Whether an account of `role` may take this action on a project at `from` (the system
    /// may take any): villages (for cross-village projects towns and sector departments)
    /// propose and send again what was returned; villages carry out, towns review, the county
    /// approves, establishes, accepts and settles; a town or the county sends back what it
    /// reviews.
    pub fn permitted(self, role: Option<Role>, from: ProjectStage) -> bool {
        use ProjectAction as A;
        let Some(role) = role else { return true };
        let county = role == Role::CountyAdmin;
        let town = role == Role::TownReviewer;
        let village = role == Role::VillageOfficer;
        let department = role == Role::DepartmentOfficer;
        match self {
            A::Review => town || county,
            A::Return => county || (town && from == ProjectStage::Proposed),
            A::Approve | A::Establish | A::Settle => county,
            A::Resubmit => county || town || village || department,
            A::Tender | A::Start | A::Complete => county || town || village,
            A::Accept => county || town,
        }
    }

    /// Whether the step must carry its public notice (公示): the village notice comes with
    /// the proposal, the town's with its review, the county's with its approval.
    pub fn needs_notice(self) -> bool {
        matches!(
            self,
            ProjectAction::Review | ProjectAction::Approve | ProjectAction::Resubmit
        )
    }

    /// Actions possible from `stage` for `role`, in the order a page offers them.
    pub fn available(stage: ProjectStage, role: Option<Role>) -> Vec<ProjectAction> {
        ProjectAction::ALL
            .iter()
            .copied()
            .filter(|a| a.apply(stage).is_ok() && a.permitted(role, stage))
            .collect()
    }
}

/// A public notice (公告公示): where it was posted and for which days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub place: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Notice {
    /// Days posted, both ends counted.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Why the notice falls short of the pack's `min_days`, if it does.
    pub fn check(&self, min_days: u32) -> Result<(), String> {
        if self.place.trim().is_empty() {
            return Err("请填写公示地点，例如“村务公开栏”".into());
        }
        if self.to < self.from {
            return Err(format!("公示结束日期{}早于开始日期{}", self.to, self.from));
        }
        if self.days() < i64::from(min_days) {
            return Err(format!(
                "公示{}至{}共{}天，少于政策包规定的{}天",
                self.from,
                self.to,
                self.days(),
                min_days
            ));
        }
        Ok(())
    }
}

/// One 绩效目标 indicator with its target value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerformanceTarget {
    pub kind: TargetKind,
    /// e.g. 新建冷库面积.
    pub name: String,
    /// e.g. ≥ 500平方米.
    pub value: String,
}

/// Problems of a project's 绩效目标: every kind of the 绩效目标表 needs one indicator with a
/// target value, or the project cannot enter the library.
pub fn target_problems(targets: &[PerformanceTarget]) -> Vec<(TargetKind, String)> {
    let mut out = Vec::new();
    for t in targets {
        if t.name.trim().is_empty() != t.value.trim().is_empty() {
            out.push((
                t.kind,
                format!("{}应同时填写指标名称和目标值", t.kind.label()),
            ));
        }
    }
    for kind in TargetKind::ALL {
        let has = targets
            .iter()
            .any(|t| t.kind == *kind && !t.name.trim().is_empty() && !t.value.trim().is_empty());
        if !has && !out.iter().any(|(k, _)| k == kind) {
            out.push((
                *kind,
                format!(
                    "缺少{}：没有绩效目标的项目不能入库，请填写至少一项指标及目标值",
                    kind.label()
                ),
            ));
        }
    }
    out
}

/// The negative-list use (负面清单) a project's name or tasks fall under, with the word that
/// shows it.
pub fn negative_use<'a>(
    list: &'a [NegativeUse],
    name: &str,
    tasks: &str,
) -> Option<(&'a NegativeUse, &'a str)> {
    list.iter().find_map(|n| {
        n.found_in(name)
            .or_else(|| n.found_in(tasks))
            .map(|word| (n, word))
    })
}

/// Why a new plan line of `amount` does not fit a document of `total` with `planned` already
/// split, if it does not.
pub fn split_problem(doc: &str, total: Money, planned: Money, amount: Money) -> Option<String> {
    if amount <= Money::ZERO {
        return Some("分配金额必须大于0".into());
    }
    let after = planned.fen().saturating_add(amount.fen());
    (after > total.fen()).then(|| {
        format!(
            "资金“{doc}”共{}元，已分配{}元，再分配{}元将超出{}元",
            total.grouped(),
            planned.grouped(),
            amount.grouped(),
            Money::from_fen(after - total.fen()).grouped()
        )
    })
}

/// A share in hundredths of a percent (basis points), so 60 % is 6000: integer, exact.
pub fn share_bp(part: Money, whole: Money) -> i64 {
    if whole.fen() <= 0 {
        return 0;
    }
    let p = i128::from(part.fen()) * 10_000 / i128::from(whole.fen());
    i64::try_from(p).unwrap_or(i64::MAX)
}

/// A share shown as `62.35%`.
pub fn percent_text(bp: i64) -> String {
    format!("{}.{:02}%", bp / 100, (bp % 100).abs())
}

/// The industry-share check of one year's funds (产业发展资金占比).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndustryShare {
    pub year: i32,
    /// The year's fund documents, in total.
    pub funds: Money,
    /// Planned on projects whose type counts as industry.
    pub industry: Money,
    pub share_bp: i64,
    pub required_percent: u32,
}

impl IndustryShare {
    pub fn of(year: i32, funds: Money, industry: Money, required_percent: u32) -> IndustryShare {
        IndustryShare {
            year,
            funds,
            industry,
            share_bp: share_bp(industry, funds),
            required_percent,
        }
    }

    pub fn met(&self) -> bool {
        self.share_bp >= i64::from(self.required_percent) * 100
    }

    /// The check in words, with its numbers.
    pub fn explain(&self) -> String {
        let head = format!(
            "{}年资金共{}元，安排产业发展项目{}元，占{}；政策包要求不低于{}%",
            self.year,
            self.funds.grouped(),
            self.industry.grouped(),
            percent_text(self.share_bp),
            self.required_percent
        );
        if self.met() {
            format!("{head}，已达标")
        } else {
            let need = i128::from(self.funds.fen()) * i128::from(self.required_percent);
            let need = i64::try_from((need + 99) / 100).unwrap_or(i64::MAX);
            format!(
                "{head}，还差{}元",
                Money::from_fen(need - self.industry.fen()).grouped()
            )
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_library_is_entered_in_order_and_by_the_right_level() {
        use ProjectAction as A;
        use ProjectStage as S;
        let mut s = S::Proposed;
        for (a, role) in [
            (A::Review, Role::TownReviewer),
            (A::Approve, Role::CountyAdmin),
            (A::Establish, Role::CountyAdmin),
            (A::Tender, Role::TownReviewer),
            (A::Start, Role::VillageOfficer),
            (A::Complete, Role::VillageOfficer),
            (A::Accept, Role::TownReviewer),
            (A::Settle, Role::CountyAdmin),
        ] {
            assert!(a.permitted(Some(role), s), "{a:?} by {role:?}");
            s = a.apply(s).unwrap();
        }
        assert_eq!(s, S::Settled);
        assert!(!A::Approve.permitted(Some(Role::TownReviewer), S::Reviewed));
        assert!(!A::Review.permitted(Some(Role::VillageOfficer), S::Proposed));
        assert!(!A::Return.permitted(Some(Role::TownReviewer), S::Reviewed));
        let e = A::Approve.apply(S::Proposed).unwrap_err();
        assert!(e.contains("乡镇审核"), "{e}");
        let e = A::Complete.apply(S::Library).unwrap_err();
        assert!(e.contains("已开工"), "{e}");
        assert_eq!(
            A::available(S::Reviewed, Some(Role::CountyAdmin)),
            [A::Approve, A::Return]
        );
    }

    #[test]
    fn a_project_without_every_kind_of_target_cannot_enter() {
        let t = |kind, name: &str, value: &str| PerformanceTarget {
            kind,
            name: name.into(),
            value: value.into(),
        };
        let ok = [
            t(TargetKind::Output, "新建冷库", "≥500平方米"),
            t(TargetKind::Benefit, "带动脱贫户增收", "≥30户"),
            t(TargetKind::Satisfaction, "受益群众满意度", "≥90%"),
        ];
        assert!(target_problems(&ok).is_empty());
        let bad = [
            t(TargetKind::Output, "新建冷库", ""),
            t(TargetKind::Benefit, "带动脱贫户增收", "≥30户"),
        ];
        let kinds: Vec<_> = target_problems(&bad).into_iter().map(|(k, _)| k).collect();
        assert_eq!(kinds, [TargetKind::Output, TargetKind::Satisfaction]);
    }

    #[test]
    fn a_notice_shorter_than_the_pack_is_refused() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let n = Notice {
            place: "村务公开栏".into(),
            from: d("2025-03-01"),
            to: d("2025-03-09"),
        };
        assert!(n.check(10).unwrap_err().contains("共9天"));
        assert!(n.check(9).is_ok());
    }

    #[test]
    fn the_industry_share_explains_its_gap() {
        let y = |n| Money::from_yuan(n).unwrap();
        let s = IndustryShare::of(2025, y(1_000_000), y(550_000), 60);
        assert!(!s.met());
        assert!(s.explain().contains("占55.00%"), "{}", s.explain());
        assert!(s.explain().contains("还差50,000.00元"), "{}", s.explain());
        assert!(IndustryShare::of(2025, y(1_000_000), y(600_000), 60).met());
    }

    proptest! {
        #[test]
        fn a_split_is_refused_exactly_when_it_exceeds_the_document(
            total in 0i64..10_000_000_000, planned in 0i64..10_000_000_000, amount in 1i64..10_000_000_000
        ) {
            let p = split_problem("X", Money::from_fen(total), Money::from_fen(planned), Money::from_fen(amount));
            prop_assert_eq!(p.is_some(), planned + amount > total);
        }

        #[test]
        fn a_share_never_exceeds_the_whole(part in 0i64..i64::MAX / 2, whole in 1i64..i64::MAX / 2) {
            let bp = share_bp(Money::from_fen(part.min(whole)), Money::from_fen(whole));
            prop_assert!((0..=10_000).contains(&bp));
        }
    }
}
