//! Screening rules as data: a rule is a kind with parameters, the household
//! categories it looks at, and whether excluded households still count.
//!
//! The same kinds serve the standalone file contract (`RuleSet::contract`)
//! and the rules a policy pack ships to the server.

/// Household category (户类别) as the feeds and the registry spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// 脱贫户
    Lifted = 0,
    /// 一般农户
    Ordinary = 1,
    /// 监测户
    Monitored = 2,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Lifted, Category::Ordinary, Category::Monitored];

    pub fn name(self) -> &'static str {
        match self {
            Category::Lifted => "脱贫户",
            Category::Ordinary => "一般农户",
            Category::Monitored => "监测户",
        }
    }

    pub fn from_name(s: &[u8]) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name().as_bytes() == s)
    }
}

/// A set of categories, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Categories(u8);

impl Categories {
    pub const ALL: Categories = Categories(0b111);

    pub fn of(list: &[Category]) -> Categories {
        Categories(list.iter().fold(0, |m, c| m | 1 << *c as u8))
    }

    pub fn contains(self, c: Category) -> bool {
        self.0 & 1 << c as u8 != 0
    }
}

/// Labour capacity (劳动能力) of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labour {
    /// 一般劳动力
    Full,
    /// 弱劳动力
    Weak,
    /// 丧失劳动力
    Lost,
    /// 无劳动力
    None,
}

impl Labour {
    pub fn from_name(s: &[u8]) -> Option<Labour> {
        Some(match s {
            _ if s == "一般劳动力".as_bytes() => Labour::Full,
            _ if s == "弱劳动力".as_bytes() => Labour::Weak,
            _ if s == "丧失劳动力".as_bytes() => Labour::Lost,
            _ if s == "无劳动力".as_bytes() => Labour::None,
            _ => return None,
        })
    }
}

/// Social assistance granted by 民政.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assistance {
    /// 低保
    Dibao = 0,
    /// 特困
    Tekun = 1,
    /// 临时救助
    Temporary = 2,
}

impl Assistance {
    pub const ALL: [Assistance; 3] = [Assistance::Dibao, Assistance::Tekun, Assistance::Temporary];

    pub fn name(self) -> &'static str {
        match self {
            Assistance::Dibao => "低保",
            Assistance::Tekun => "特困",
            Assistance::Temporary => "临时救助",
        }
    }

    pub fn from_name(s: &[u8]) -> Option<Assistance> {
        Assistance::ALL
            .into_iter()
            .find(|a| a.name().as_bytes() == s)
    }
}

/// School status reported by 教育.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schooling {
    /// 在读
    Enrolled,
    /// 辍学
    Dropout,
    /// 休学
    Suspended,
}

impl Schooling {
    pub fn name(self) -> &'static str {
        match self {
            Schooling::Enrolled => "在读",
            Schooling::Dropout => "辍学",
            Schooling::Suspended => "休学",
        }
    }

    pub fn from_name(s: &[u8]) -> Option<Schooling> {
        Some(match s {
            _ if s == "在读".as_bytes() => Schooling::Enrolled,
            _ if s == "辍学".as_bytes() => Schooling::Dropout,
            _ if s == "休学".as_bytes() => Schooling::Suspended,
            _ => return None,
        })
    }
}

/// House safety grade (房屋安全等级) from 住建, A best to D worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grade {
    A = 0,
    B = 1,
    C = 2,
    D = 3,
}

impl Grade {
    pub fn from_name(s: &[u8]) -> Option<Grade> {
        Some(match s {
            b"A" => Grade::A,
            b"B" => Grade::B,
            b"C" => Grade::C,
            b"D" => Grade::D,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        ["A", "B", "C", "D"][self as usize]
    }
}

/// What a rule looks for. Windows are "the last N calendar months" up to and
/// including the as-of date; money is fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleKind {
    /// Per-capita net income below the line: `income < line × members`.
    IncomeBelowLine,
    /// Self-paid medical costs of living members in the window exceed
    /// `share_percent` % of the household's net income, or `over_fen`.
    MedicalBurden {
        window_months: u32,
        share_percent: u32,
        over_fen: i64,
    },
    /// Self-paid medical costs of living members in the window reach
    /// `at_least_fen`.
    SelfPayAtLeast {
        window_months: u32,
        at_least_fen: i64,
    },
    /// Income at or above the line, but below it once the window's
    /// self-paid medical costs are taken off.
    PostShockIncome { window_months: u32 },
    /// A living member certified disabled at level 1..=`max_level` in the
    /// window.
    NewDisability { window_months: u32, max_level: u8 },
    /// A living member aged `min_age`..=`max_age` on the as-of date reported
    /// as a dropout (辍学).
    Dropout { min_age: u8, max_age: u8 },
    /// The house assessed at `min_grade` or worse in the window.
    UnsafeHousing {
        window_months: u32,
        min_grade: Grade,
    },
    /// A member with full labour capacity died in the window.
    LabourDeath { window_months: u32 },
    /// A living member started one of `kinds` of social assistance in the
    /// window.
    NewAssistance {
        window_months: u32,
        kinds: Vec<Assistance>,
    },
    /// A living member has a record of `source` dated in the window, of at
    /// least `at_least_fen` (0: any). The file contract has no such feed;
    /// the system's screening does (人社, 应急管理, 卫健).
    MemberRecord {
        source: Source,
        window_months: u32,
        at_least_fen: i64,
    },
}

/// The department records a [`RuleKind::MemberRecord`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// 人社 失业登记
    Unemployment,
    /// 应急管理 受灾
    Disaster,
    /// 卫健 大病
    SeriousIllness,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Unemployment => "办理失业登记",
            Source::Disaster => "受灾",
            Source::SeriousIllness => "确诊大病",
        }
    }
}

impl RuleKind {
    /// Every kind's code, as packs name it.
    pub const CODES: [&'static str; 10] = [
        "income_below_line",
        "medical_burden",
        "self_pay_at_least",
        "post_shock_income",
        "new_disability",
        "dropout",
        "unsafe_housing",
        "labour_death",
        "new_assistance",
        "member_record",
    ];
}

/// One rule: a stable code (the reason a warning gives), a kind, and where
/// it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub code: String,
    pub kind: RuleKind,
    pub categories: Categories,
    /// Whether households marked as excluded (is_excluded, e.g. 财政供养)
    /// are still screened by this rule.
    pub excluded_too: bool,
}

/// The rules of one screening run, in the order their codes sort.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The seven rules of the `dixian screen` file contract.
    pub fn contract() -> RuleSet {
        let rule = |code: &str, kind, categories, excluded_too| Rule {
            code: code.to_string(),
            kind,
            categories,
            excluded_too,
        };
        let not_monitored = Categories::of(&[Category::Lifted, Category::Ordinary]);
        RuleSet::new(vec![
            rule(
                "income_below_line",
                RuleKind::IncomeBelowLine,
                not_monitored,
                false,
            ),
            rule(
                "medical_burden",
                RuleKind::MedicalBurden {
                    window_months: 12,
                    share_percent: 50,
                    over_fen: 2_000_000,
                },
                Categories::ALL,
                false,
            ),
            rule(
                "new_disability",
                RuleKind::NewDisability {
                    window_months: 6,
                    max_level: 2,
                },
                Categories::ALL,
                false,
            ),
            rule(
                "dropout",
                RuleKind::Dropout {
                    min_age: 6,
                    max_age: 15,
                },
                Categories::ALL,
                true,
            ),
            rule(
                "unsafe_housing",
                RuleKind::UnsafeHousing {
                    window_months: 12,
                    min_grade: Grade::C,
                },
                Categories::ALL,
                true,
            ),
            rule(
                "labor_death",
                RuleKind::LabourDeath { window_months: 6 },
                Categories::ALL,
                false,
            ),
            rule(
                "post_shock_income",
                RuleKind::PostShockIncome { window_months: 12 },
                Categories::ALL,
                false,
            ),
        ])
    }

    /// The rules sorted by code (byte order), so warnings of one household
    /// come out in reason order without a second sort.
    pub fn new(mut rules: Vec<Rule>) -> RuleSet {
        rules.sort_by(|a, b| a.code.as_bytes().cmp(b.code.as_bytes()));
        RuleSet { rules }
    }
}
