//! The `[screening]` section of a policy pack: the rules of department screening (部门筛查
//! 预警), each a kind the engine knows with the thresholds, windows and household categories
//! a province or county sets. Checked here into [`CheckedRule`]s, which the app turns into the
//! engine's rules where the engine runs (the domain does not depend on the engine); every
//! problem is named by rule and field.

use crate::money::Money;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeSet;

/// The screening rules in force.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningRules {
    /// A warning for the same household and rule within this many months of the last one is
    /// the same warning: no second lead.
    #[serde(default = "default_repeat_months")]
    pub repeat_months: u32,
    /// A run in the app that would make leads for more households than this asks the officer
    /// to confirm the number explicitly (a tick) before any lead exists; absent: always.
    #[serde(default)]
    pub confirm_above_households: Option<u32>,
    pub rule: Vec<ScreeningRule>,
}

fn default_repeat_months() -> u32 {
    12
}

/// What a rule looks for; each kind reads one department's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum ScreeningKind {
    #[serde(rename = "收入低于监测线")]
    IncomeBelowLine,
    #[serde(rename = "医疗自付超过收入比例")]
    MedicalBurden,
    #[serde(rename = "医疗自付达到金额")]
    SelfPayAtLeast,
    #[serde(rename = "扣除医疗自付后低于监测线")]
    PostShockIncome,
    #[serde(rename = "新增重度残疾")]
    NewDisability,
    #[serde(rename = "义务教育阶段辍学")]
    Dropout,
    #[serde(rename = "住房安全鉴定")]
    UnsafeHousing,
    #[serde(rename = "劳动力死亡")]
    LabourDeath,
    #[serde(rename = "新纳入社会救助")]
    NewAssistance,
    /// 人社: a member registered unemployed (失业登记) in the window.
    #[serde(rename = "失业登记")]
    Unemployment,
    /// 应急管理: a member affected by a disaster in the window, with at least a loss if set.
    #[serde(rename = "受灾")]
    Disaster,
    /// 卫健: a member newly diagnosed with a serious illness (大病) in the window.
    #[serde(rename = "新确诊大病")]
    SeriousIllness,
}

impl ScreeningKind {
    pub fn label(self) -> &'static str {
        use ScreeningKind::*;
        match self {
            IncomeBelowLine => "收入低于监测线",
            MedicalBurden => "医疗自付超过收入比例",
            SelfPayAtLeast => "医疗自付达到金额",
            PostShockIncome => "扣除医疗自付后低于监测线",
            NewDisability => "新增重度残疾",
            Dropout => "义务教育阶段辍学",
            UnsafeHousing => "住房安全鉴定",
            LabourDeath => "劳动力死亡",
            NewAssistance => "新纳入社会救助",
            Unemployment => "失业登记",
            Disaster => "受灾",
            SeriousIllness => "新确诊大病",
        }
    }

    /// The department whose data the kind reads (the registry's own for income).
    pub fn department(self) -> &'static str {
        use ScreeningKind::*;
        match self {
            IncomeBelowLine => "农户信息",
            MedicalBurden | SelfPayAtLeast | PostShockIncome => "医保",
            NewDisability => "残联",
            Dropout => "教育",
            UnsafeHousing => "住建",
            LabourDeath => "公安",
            NewAssistance => "民政",
            Unemployment => "人社",
            Disaster => "应急管理",
            SeriousIllness => "卫健",
        }
    }

    /// The parameters the kind takes; any other is refused so a misplaced one is noticed.
    fn params(self) -> &'static [&'static str] {
        use ScreeningKind::*;
        match self {
            IncomeBelowLine => &[],
            MedicalBurden => &["window_months", "share_percent", "over_yuan"],
            SelfPayAtLeast => &["window_months", "at_least_yuan"],
            PostShockIncome | LabourDeath | Unemployment | SeriousIllness => &["window_months"],
            Disaster => &["window_months", "at_least_yuan"],
            NewDisability => &["window_months", "max_level"],
            Dropout => &["min_age", "max_age"],
            UnsafeHousing => &["window_months", "min_grade"],
            NewAssistance => &["window_months", "assistance"],
        }
    }
}

/// One rule as a pack writes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningRule {
    /// The reason code a warning gives: lower-case letters, digits and `_`.
    pub code: String,
    pub name: String,
    pub kind: ScreeningKind,
    /// 脱贫户 / 一般农户 / 监测户; empty: all.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Whether households marked not to be monitored (e.g. 财政供养) are screened too.
    #[serde(default)]
    pub excluded_too: bool,
    pub window_months: Option<u32>,
    pub share_percent: Option<u32>,
    /// An amount above which the medical burden counts whatever the income.
    #[serde(default, deserialize_with = "de_opt_money")]
    pub over_yuan: Option<Money>,
    #[serde(default, deserialize_with = "de_opt_money")]
    pub at_least_yuan: Option<Money>,
    pub max_level: Option<u8>,
    pub min_age: Option<u8>,
    pub max_age: Option<u8>,
    /// The best grade that still counts as unsafe (C: C and D).
    pub min_grade: Option<String>,
    /// 低保 / 特困 / 临时救助.
    #[serde(default)]
    pub assistance: Vec<String>,
}

fn de_opt_money<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Money>, D::Error> {
    crate::policy::de_money(d).map(Some)
}

/// Household category (户类别) a rule looks at, as the feeds and the registry spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleCategory {
    /// 脱贫户
    Lifted,
    /// 一般农户
    Ordinary,
    /// 监测户
    Monitored,
}

impl RuleCategory {
    pub const ALL: [RuleCategory; 3] = [
        RuleCategory::Lifted,
        RuleCategory::Ordinary,
        RuleCategory::Monitored,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RuleCategory::Lifted => "脱贫户",
            RuleCategory::Ordinary => "一般农户",
            RuleCategory::Monitored => "监测户",
        }
    }

    pub fn from_name(s: &str) -> Option<RuleCategory> {
        RuleCategory::ALL.into_iter().find(|c| c.name() == s)
    }
}

/// House safety grade (房屋安全等级) from 住建, A best to D worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HousingGrade {
    A,
    B,
    C,
    D,
}

impl HousingGrade {
    pub fn from_name(s: &str) -> Option<HousingGrade> {
        Some(match s {
            "A" => HousingGrade::A,
            "B" => HousingGrade::B,
            "C" => HousingGrade::C,
            "D" => HousingGrade::D,
            _ => return None,
        })
    }
}

/// Social assistance granted by 民政 that a rule watches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssistanceKind {
    /// 低保
    Dibao,
    /// 特困
    Tekun,
    /// 临时救助
    Temporary,
}

impl AssistanceKind {
    pub const ALL: [AssistanceKind; 3] = [
        AssistanceKind::Dibao,
        AssistanceKind::Tekun,
        AssistanceKind::Temporary,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AssistanceKind::Dibao => "低保",
            AssistanceKind::Tekun => "特困",
            AssistanceKind::Temporary => "临时救助",
        }
    }

    pub fn from_name(s: &str) -> Option<AssistanceKind> {
        AssistanceKind::ALL.into_iter().find(|a| a.name() == s)
    }
}

/// What a checked rule looks for, with every parameter present and in range. Windows are
/// "the last N calendar months" up to the as-of date; money is fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    IncomeBelowLine,
    MedicalBurden {
        window_months: u32,
        share_percent: u32,
        /// `i64::MAX` when the rule sets no amount.
        over_fen: i64,
    },
    SelfPayAtLeast {
        window_months: u32,
        at_least_fen: i64,
    },
    PostShockIncome {
        window_months: u32,
    },
    NewDisability {
        window_months: u32,
        max_level: u8,
    },
    Dropout {
        min_age: u8,
        max_age: u8,
    },
    UnsafeHousing {
        window_months: u32,
        min_grade: HousingGrade,
    },
    LabourDeath {
        window_months: u32,
    },
    NewAssistance {
        window_months: u32,
        kinds: Vec<AssistanceKind>,
    },
    /// A living member has a record of `source` in the window (of at least `at_least_fen`,
    /// 0 for any).
    MemberRecord {
        source: RecordSource,
        window_months: u32,
        at_least_fen: i64,
    },
}

/// The departments' records a [`Condition::MemberRecord`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordSource {
    /// 人社 失业登记.
    Unemployment,
    /// 应急管理 受灾.
    Disaster,
    /// 卫健 大病.
    SeriousIllness,
}

/// A rule that passed every check: what the engine is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRule {
    pub code: String,
    pub condition: Condition,
    /// Empty: every category.
    pub categories: Vec<RuleCategory>,
    pub excluded_too: bool,
}

/// A problem with one field of one rule: (rule index, field, message); the index is
/// `usize::MAX` for a field of the section itself.
pub type RuleProblem = (usize, &'static str, String);

impl ScreeningRule {
    /// The condition in words, for the policy page: "近12个月自付医疗费 ≥ 20,000.00元；适用：一般农户".
    pub fn describe(&self) -> String {
        let window = self
            .window_months
            .map(|m| format!("近{m}个月"))
            .unwrap_or_default();
        let yuan = |m: Option<Money>| m.map(|m| format!("{}元", m.grouped())).unwrap_or_default();
        use ScreeningKind as K;
        let condition = match self.kind {
            K::IncomeBelowLine => "家庭人均纯收入低于监测范围".to_string(),
            K::MedicalBurden => {
                let mut c = format!(
                    "{window}自付医疗费超过家庭年纯收入的{}%",
                    self.share_percent.unwrap_or(0)
                );
                if self.over_yuan.is_some() {
                    c.push_str(&format!("，或超过{}", yuan(self.over_yuan)));
                }
                c
            }
            K::SelfPayAtLeast => format!("{window}自付医疗费 ≥ {}", yuan(self.at_least_yuan)),
            K::PostShockIncome => {
                format!("扣除{window}自付医疗费后家庭人均纯收入低于监测范围")
            }
            K::NewDisability => format!("{window}新办1–{}级残疾证", self.max_level.unwrap_or(0)),
            K::Dropout => format!(
                "{}–{}周岁成员辍学",
                self.min_age.unwrap_or(0),
                self.max_age.unwrap_or(0)
            ),
            K::UnsafeHousing => format!(
                "{window}房屋鉴定为{}级或更差",
                self.min_grade.as_deref().unwrap_or("?")
            ),
            K::LabourDeath => format!("{window}有劳动力成员死亡"),
            K::NewAssistance => format!("{window}新纳入{}", self.assistance.join("、")),
            K::Unemployment => format!("{window}有成员办理失业登记"),
            K::Disaster => match self.at_least_yuan {
                Some(_) => format!("{window}有成员受灾，损失 ≥ {}", yuan(self.at_least_yuan)),
                None => format!("{window}有成员受灾"),
            },
            K::SeriousIllness => format!("{window}有成员新确诊大病"),
        };
        let who = if self.categories.is_empty() {
            "全部农户".to_string()
        } else {
            self.categories.join("、")
        };
        let excluded = if self.excluded_too {
            "（含不纳入监测的户）"
        } else {
            ""
        };
        format!("{condition}；适用：{who}{excluded}")
    }

    fn given(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut has = |name, present: bool| {
            if present {
                out.push(name);
            }
        };
        has("window_months", self.window_months.is_some());
        has("share_percent", self.share_percent.is_some());
        has("over_yuan", self.over_yuan.is_some());
        has("at_least_yuan", self.at_least_yuan.is_some());
        has("max_level", self.max_level.is_some());
        has("min_age", self.min_age.is_some());
        has("max_age", self.max_age.is_some());
        has("min_grade", self.min_grade.is_some());
        has("assistance", !self.assistance.is_empty());
        out
    }

    /// The rule checked, or what is wrong, field by field.
    pub fn checked(&self) -> Result<CheckedRule, Vec<(&'static str, String)>> {
        let mut problems: Vec<(&'static str, String)> = Vec::new();
        let code_ok = !self.code.is_empty()
            && self.code.len() <= 32
            && self
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !code_ok {
            problems.push((
                "code",
                format!("代码“{}”无效：应为1–32位小写字母、数字或下划线", self.code),
            ));
        }
        if self.name.trim().is_empty() {
            problems.push(("name", "名称不能为空".into()));
        }
        let mut categories = Vec::new();
        for name in &self.categories {
            match RuleCategory::from_name(name) {
                Some(c) if !categories.contains(&c) => categories.push(c),
                Some(_) => problems.push(("categories", format!("户类别“{name}”重复"))),
                None => problems.push((
                    "categories",
                    format!("户类别“{name}”无效，可选：脱贫户、一般农户、监测户"),
                )),
            }
        }
        let allowed = self.kind.params();
        for field in self.given() {
            if !allowed.contains(&field) {
                problems.push((
                    field,
                    format!("“{}”类规则不使用 {field}", self.kind.label()),
                ));
            }
        }
        let given = self.given();
        let optional = |field: &str| {
            field == "over_yuan"
                || (self.kind == ScreeningKind::Disaster && field == "at_least_yuan")
        };
        for &field in allowed {
            if !optional(field) && !given.contains(&field) {
                problems.push((
                    field,
                    format!("“{}”类规则必须填写 {field}", self.kind.label()),
                ));
            }
        }
        let window = match self.window_months {
            Some(m @ 1..=120) => Some(m),
            Some(m) => {
                problems.push(("window_months", format!("时间窗口应为1–120个月，实为{m}")));
                None
            }
            None => None,
        };
        let yuan = |m: Option<Money>| m.filter(|m| m.fen() > 0).map(Money::fen);
        use ScreeningKind as K;
        let kind = match self.kind {
            K::IncomeBelowLine => Some(Condition::IncomeBelowLine),
            K::MedicalBurden => {
                let share = self.share_percent.filter(|p| (1..=1000).contains(p));
                if self.share_percent.is_some() && share.is_none() {
                    problems.push(("share_percent", "比例应为1–1000（百分数）".into()));
                }
                if self.over_yuan.is_some() && yuan(self.over_yuan).is_none() {
                    problems.push(("over_yuan", "金额必须大于0".into()));
                }
                match (window, share) {
                    (Some(window_months), Some(share_percent)) => Some(Condition::MedicalBurden {
                        window_months,
                        share_percent,
                        over_fen: yuan(self.over_yuan).unwrap_or(i64::MAX),
                    }),
                    _ => None,
                }
            }
            K::SelfPayAtLeast => {
                if self.at_least_yuan.is_some() && yuan(self.at_least_yuan).is_none() {
                    problems.push(("at_least_yuan", "金额必须大于0".into()));
                }
                match (window, yuan(self.at_least_yuan)) {
                    (Some(window_months), Some(at_least_fen)) => Some(Condition::SelfPayAtLeast {
                        window_months,
                        at_least_fen,
                    }),
                    _ => None,
                }
            }
            K::PostShockIncome => {
                window.map(|window_months| Condition::PostShockIncome { window_months })
            }
            K::LabourDeath => window.map(|window_months| Condition::LabourDeath { window_months }),
            K::Unemployment | K::SeriousIllness | K::Disaster => {
                if self.at_least_yuan.is_some() && yuan(self.at_least_yuan).is_none() {
                    problems.push(("at_least_yuan", "金额必须大于0".into()));
                }
                let source = match self.kind {
                    K::Unemployment => RecordSource::Unemployment,
                    K::Disaster => RecordSource::Disaster,
                    _ => RecordSource::SeriousIllness,
                };
                window.map(|window_months| Condition::MemberRecord {
                    source,
                    window_months,
                    at_least_fen: yuan(self.at_least_yuan).unwrap_or(0),
                })
            }
            K::NewDisability => {
                let level = self.max_level.filter(|l| (1..=4).contains(l));
                if self.max_level.is_some() && level.is_none() {
                    problems.push(("max_level", "残疾等级应为1–4".into()));
                }
                match (window, level) {
                    (Some(window_months), Some(max_level)) => Some(Condition::NewDisability {
                        window_months,
                        max_level,
                    }),
                    _ => None,
                }
            }
            K::Dropout => match (self.min_age, self.max_age) {
                (Some(min_age), Some(max_age)) if min_age <= max_age && max_age <= 25 => {
                    Some(Condition::Dropout { min_age, max_age })
                }
                (Some(_), Some(_)) => {
                    problems.push(("max_age", "年龄范围无效：应 min_age ≤ max_age ≤ 25".into()));
                    None
                }
                _ => None,
            },
            K::UnsafeHousing => {
                let grade = self.min_grade.as_deref().and_then(HousingGrade::from_name);
                if self.min_grade.is_some() && grade.is_none() {
                    problems.push(("min_grade", "房屋安全等级应为 A、B、C、D 之一".into()));
                }
                match (window, grade) {
                    (Some(window_months), Some(min_grade)) => Some(Condition::UnsafeHousing {
                        window_months,
                        min_grade,
                    }),
                    _ => None,
                }
            }
            K::NewAssistance => {
                let mut kinds = Vec::new();
                for name in &self.assistance {
                    match AssistanceKind::from_name(name) {
                        Some(a) if !kinds.contains(&a) => kinds.push(a),
                        Some(_) => problems.push(("assistance", format!("救助类别“{name}”重复"))),
                        None => problems.push((
                            "assistance",
                            format!("救助类别“{name}”无效，可选：低保、特困、临时救助"),
                        )),
                    }
                }
                match window {
                    Some(window_months) if !kinds.is_empty() => Some(Condition::NewAssistance {
                        window_months,
                        kinds,
                    }),
                    _ => None,
                }
            }
        };
        match kind {
            Some(condition) if problems.is_empty() => Ok(CheckedRule {
                code: self.code.clone(),
                condition,
                categories,
                excluded_too: self.excluded_too,
            }),
            _ => Err(problems),
        }
    }
}

impl ScreeningRules {
    /// Every rule checked, in the pack's order, or every problem by rule index and field.
    pub fn checked(&self) -> Result<Vec<CheckedRule>, Vec<RuleProblem>> {
        let mut problems = Vec::new();
        let mut rules = Vec::new();
        let mut codes = BTreeSet::new();
        for (i, r) in self.rule.iter().enumerate() {
            if !codes.insert(r.code.as_str()) {
                problems.push((i, "code", format!("代码“{}”重复", r.code)));
            }
            match r.checked() {
                Ok(rule) => rules.push(rule),
                Err(p) => problems.extend(p.into_iter().map(|(f, m)| (i, f, m))),
            }
        }
        if !(1..=60).contains(&self.repeat_months) {
            problems.push((
                usize::MAX,
                "repeat_months",
                format!("不重复预警的期限应为1–60个月，实为{}", self.repeat_months),
            ));
        }
        if self.rule.len() > 32 {
            problems.push((
                32,
                "code",
                format!("筛查规则最多32条，实有{}条", self.rule.len()),
            ));
        }
        if problems.is_empty() {
            Ok(rules)
        } else {
            Err(problems)
        }
    }

    /// The rule named `code`.
    pub fn get(&self, code: &str) -> Option<&ScreeningRule> {
        self.rule.iter().find(|r| r.code == code)
    }
}
