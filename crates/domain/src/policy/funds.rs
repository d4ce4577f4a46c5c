//! The fund and project-library sections of a policy pack: `[funds]` (the industry share, the
//! notice length, the start-by day and the spending milestones) and the code tables
//! `codes.project_type`, `codes.fund_category` and `codes.negative_use` (负面清单).

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

/// The pack's rules for funds and projects (`[funds]`). Taken whole from the most specific
/// pack in force, so a province or county pack sets its own industry share (2026: 省级总体
/// 稳定、县级差异化).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundRules {
    /// The least share (percent) of a year's funds planned on 产业发展 projects.
    pub industry_share_min_percent: u32,
    /// 公告公示: the shortest notice (calendar days) of a library step (村、乡、县公示).
    pub notice_min_days: u32,
    /// A project of the plan year should have started (开工) by this day of the year,
    /// written `MM-DD`; later it is listed as overdue. Completion is due by 31 December.
    pub start_by: String,
    /// Spending milestones (支出进度): by each day of the fund year, at least this share spent.
    #[serde(default)]
    pub milestone: Vec<Milestone>,
    /// 以工代赈: the least share (percent) of a project's 以工代赈 funds paid as wages to its
    /// workers. Required, so a pack that overrides `[funds]` cannot drop it unawares.
    pub work_relief_labour_min_percent: u32,
}

/// One spending milestone: by `by` (`MM-DD`) of the fund year, `percent` spent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    pub by: String,
    pub percent: u32,
}

/// A project type (项目类型) of the library; `industry` counts towards the industry share.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectType {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub industry: bool,
}

/// A use funds may not be spent on (负面清单), recognised by words in a project's name or tasks.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NegativeUse {
    pub code: String,
    pub name: String,
    pub keywords: Vec<String>,
}

impl NegativeUse {
    /// The first keyword found in `text`.
    pub fn found_in(&self, text: &str) -> Option<&str> {
        self.keywords
            .iter()
            .map(String::as_str)
            .find(|k| !k.is_empty() && text.contains(k))
    }
}

/// A `MM-DD` day of `year`.
pub fn day_of(year: i32, month_day: &str) -> Option<NaiveDate> {
    let (m, d) = month_day.trim().split_once('-')?;
    NaiveDate::from_ymd_opt(year, m.parse().ok()?, d.parse().ok()?)
}

impl FundRules {
    /// Problems in the section: `(field, message)` for each.
    pub fn check(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.industry_share_min_percent > 100 {
            out.push((
                "industry_share_min_percent",
                format!(
                    "产业发展资金占比下限应在0到100之间，现为{}",
                    self.industry_share_min_percent
                ),
            ));
        }
        if !(1..=60).contains(&self.notice_min_days) {
            out.push((
                "notice_min_days",
                format!(
                    "公示天数（notice_min_days）应在1到60天之间，现为{}",
                    self.notice_min_days
                ),
            ));
        }
        // 2024 is a leap year, so 02-29 is accepted.
        if day_of(2024, &self.start_by).is_none() {
            out.push((
                "start_by",
                format!(
                    "开工期限（start_by）“{}”应写成 月-日，如 06-30",
                    self.start_by
                ),
            ));
        }
        if self.work_relief_labour_min_percent > 100 {
            out.push((
                "work_relief_labour_min_percent",
                format!(
                    "以工代赈劳务报酬比例下限应在0到100之间，现为{}",
                    self.work_relief_labour_min_percent
                ),
            ));
        }
        let mut last = 0;
        for m in &self.milestone {
            if day_of(2024, &m.by).is_none() {
                out.push((
                    "milestone",
                    format!("支出进度节点“{}”应写成 月-日，如 06-30", m.by),
                ));
            }
            if m.percent > 100 || m.percent < last {
                out.push((
                    "milestone",
                    format!(
                        "支出进度节点“{}”的比例{}%应在0到100之间且不低于前一节点",
                        m.by, m.percent
                    ),
                ));
            }
            last = m.percent;
        }
        out
    }

    /// The least share (percent) spent by `on` of funds of `year`: the latest milestone passed.
    pub fn required_spent_percent(&self, year: i32, on: NaiveDate) -> u32 {
        if on.year() > year {
            return 100;
        }
        self.milestone
            .iter()
            .filter(|m| day_of(year, &m.by).is_some_and(|d| d <= on))
            .map(|m| m.percent)
            .max()
            .unwrap_or(0)
    }

    /// The day a project of plan year `year` should have started by.
    pub fn start_deadline(&self, year: i32) -> NaiveDate {
        day_of(year, &self.start_by)
            .or_else(|| NaiveDate::from_ymd_opt(year, 12, 31))
            .unwrap_or(NaiveDate::MAX)
    }
}

/// Problems of the fund code tables: `(table, index, field, message)`.
pub fn check_tables(
    types: Option<&[ProjectType]>,
    negative: Option<&[NegativeUse]>,
) -> Vec<(&'static str, usize, &'static str, String)> {
    let mut out = Vec::new();
    if let Some(types) = types
        && !types.iter().any(|t| t.industry)
    {
        out.push((
            "project_type",
            0,
            "industry",
            "项目类型中至少应有一类计入产业发展（industry = true）".into(),
        ));
    }
    for (i, n) in negative.unwrap_or_default().iter().enumerate() {
        if n.keywords.iter().all(|k| k.trim().is_empty()) {
            out.push((
                "negative_use",
                i,
                "keywords",
                format!("负面清单“{}”没有可识别的关键词", n.name),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> FundRules {
        FundRules {
            industry_share_min_percent: 60,
            notice_min_days: 10,
            start_by: "06-30".into(),
            work_relief_labour_min_percent: 30,
            milestone: vec![
                Milestone {
                    by: "06-30".into(),
                    percent: 50,
                },
                Milestone {
                    by: "09-30".into(),
                    percent: 75,
                },
            ],
        }
    }

    #[test]
    fn the_milestone_in_force_is_the_latest_passed() {
        let r = rules();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(r.required_spent_percent(2025, d("2025-06-29")), 0);
        assert_eq!(r.required_spent_percent(2025, d("2025-06-30")), 50);
        assert_eq!(r.required_spent_percent(2025, d("2025-10-01")), 75);
        assert_eq!(r.required_spent_percent(2025, d("2026-01-01")), 100);
        assert_eq!(r.start_deadline(2025), d("2025-06-30"));
        assert!(r.check().is_empty());
    }

    #[test]
    fn a_bad_section_is_explained() {
        let mut r = rules();
        r.start_by = "6月底".into();
        r.milestone[1].percent = 40;
        r.industry_share_min_percent = 160;
        let fields: Vec<_> = r.check().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            ["industry_share_min_percent", "start_by", "milestone"]
        );
    }
}
