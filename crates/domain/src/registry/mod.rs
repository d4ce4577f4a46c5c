//! Registry vocabulary (户籍档案): households (户), persons (人) and yearly income (收支).
//! Each enum has a stable storage code and the Chinese label users see.

pub mod assurance;

use crate::codes::coded_enum;
use crate::division::DivisionCode;
use crate::id_number::{IdNumber, Sex};
use crate::money::Money;
use chrono::NaiveDate;

coded_enum!(
    /// Household type (户类型).
    HouseholdType {
        PovertyAlleviated => ("tuopin", "脱贫户"),
        Ordinary => ("ordinary", "一般农户"),
    }
);

coded_enum!(
    /// Relation to the head of household (与户主关系).
    Relation {
        Head => ("head", "户主"),
        Spouse => ("spouse", "配偶"),
        Son => ("son", "子"),
        Daughter => ("daughter", "女"),
        DaughterInLaw => ("daughter_in_law", "儿媳"),
        SonInLaw => ("son_in_law", "女婿"),
        Grandson => ("grandson", "孙子"),
        Granddaughter => ("granddaughter", "孙女"),
        Father => ("father", "父亲"),
        Mother => ("mother", "母亲"),
        Sibling => ("sibling", "兄弟姐妹"),
        Other => ("other", "其他"),
    }
);

coded_enum!(
    /// Labour capacity (劳动能力).
    LabourCapacity {
        Ordinary => ("ordinary", "普通劳动力"),
        Skilled => ("skilled", "技能劳动力"),
        Weak => ("weak", "弱劳动力或半劳动力"),
        Lost => ("lost", "丧失劳动力"),
        None => ("none", "无劳动力"),
    }
);

impl LabourCapacity {
    /// Whether the person can take up work (开发式 measures apply).
    pub fn can_work(self) -> bool {
        matches!(
            self,
            LabourCapacity::Ordinary | LabourCapacity::Skilled | LabourCapacity::Weak
        )
    }
}

coded_enum!(
    /// Health (健康状况).
    Health {
        Healthy => ("healthy", "健康"),
        Chronic => ("chronic", "长期慢性病"),
        Serious => ("serious", "大病"),
        Disabled => ("disabled", "残疾"),
    }
);

coded_enum!(
    /// Disability category (残疾类别).
    DisabilityCategory {
        Visual => ("visual", "视力残疾"),
        Hearing => ("hearing", "听力残疾"),
        Speech => ("speech", "言语残疾"),
        Physical => ("physical", "肢体残疾"),
        Intellectual => ("intellectual", "智力残疾"),
        Mental => ("mental", "精神残疾"),
        Multiple => ("multiple", "多重残疾"),
    }
);

coded_enum!(
    /// Schooling status (在校生状况).
    Schooling {
        Preschool => ("preschool", "学龄前儿童"),
        Primary => ("primary", "小学"),
        JuniorHigh => ("junior_high", "初中"),
        SeniorHigh => ("senior_high", "高中"),
        Vocational => ("vocational", "中职"),
        College => ("college", "大专及以上在读"),
        Dropout => ("dropout", "辍学"),
        NotInSchool => ("not_in_school", "非在校生"),
    }
);

coded_enum!(
    /// Living status (人员状态).
    LivingStatus {
        InHousehold => ("in_household", "在户"),
        Deceased => ("deceased", "死亡"),
                MovedOut => ("moved_out", "迁出"),
        MarriedOut => ("married_out", "婚出"),
    }
);

coded_enum!(
    /// How a person joins a registered household (人口自然增加): each is an explicit action
    /// with its date, never a free edit.
    MemberArrival {
        Birth => ("birth", "出生"),
        MarriageIn => ("marriage_in", "婚入"),
        MoveIn => ("move_in", "迁入"),
    }
);

/// Household identifier (户编号): village code followed by a four-digit sequence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HouseholdCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("户编号“{0}”无效：应为16位数字（12位村级区划代码+4位顺序号）")]
pub struct HouseholdCodeError(pub String);

impl HouseholdCode {
    pub fn new(village: &DivisionCode, sequence: u16) -> Option<HouseholdCode> {
        (sequence > 0 && sequence <= 9999).then(|| HouseholdCode(format!("{village}{sequence:04}")))
    }

    pub fn parse(s: &str) -> Result<HouseholdCode, HouseholdCodeError> {
        let t = s.trim();
        let village_ok = t.len() == 16
            && t.bytes().all(|b| b.is_ascii_digit())
            && DivisionCode::parse(&t[..12])
                .is_ok_and(|v| v.level() == crate::division::DivisionLevel::Village);
        if village_ok && &t[12..] != "0000" {
            Ok(HouseholdCode(t.to_string()))
        } else {
            Err(HouseholdCodeError(t.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn village(&self) -> Option<DivisionCode> {
        DivisionCode::parse(&self.0[..12]).ok()
    }

    /// The four-digit sequence within the village.
    pub fn seq(&self) -> u16 {
        self.0[12..].parse().unwrap_or(0)
    }
}

impl std::fmt::Display for HouseholdCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A household as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    pub code: HouseholdCode,
    pub village: DivisionCode,
    /// 村民小组 number within the village.
    pub group_no: Option<u16>,
    pub address: String,
    pub phone: Option<String>,
    /// Account for subsidies (惠民惠农财政补贴“一卡通”), digits only.
    pub bank_account: Option<String>,
    pub household_type: HouseholdType,
    pub relocated: bool,
    pub dibao: bool,
    pub tekun: bool,
    pub monitored: bool,
}

/// A person in a household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id_number: IdNumber,
    pub name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub relation: Relation,
    pub labour: LabourCapacity,
    pub health: Health,
    pub disability: Option<(DisabilityCategory, u8)>,
    pub schooling: Schooling,
    pub medical_insurance: bool,
    pub pension_insurance: bool,
    pub employment_months: u8,
    pub employment_place: Option<String>,
    /// 财政供养人员: paid from public funds (excludes the household in principle).
    pub public_payroll: bool,
    pub status: LivingStatus,
}

/// The details of a member an edit may change (成员信息): not the ID number, nor sex and birth
/// date (both from the number), nor the living status (changed by its own actions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberDetails {
    pub name: String,
    pub relation: Relation,
    pub labour: LabourCapacity,
    pub health: Health,
    pub disability: Option<(DisabilityCategory, u8)>,
    pub schooling: Schooling,
    pub medical_insurance: bool,
    pub pension_insurance: bool,
    pub employment_months: u8,
    pub employment_place: Option<String>,
    pub public_payroll: bool,
}

impl From<&Person> for MemberDetails {
    fn from(p: &Person) -> Self {
        MemberDetails {
            name: p.name.clone(),
            relation: p.relation,
            labour: p.labour,
            health: p.health,
            disability: p.disability,
            schooling: p.schooling,
            medical_insurance: p.medical_insurance,
            pension_insurance: p.pension_insurance,
            employment_months: p.employment_months,
            employment_place: p.employment_place.clone(),
            public_payroll: p.public_payroll,
        }
    }
}

/// Income and expenditure of a household over one assessment year (收支), in fen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Income {
    pub year: i32,
    pub wage: Money,
    pub business: Money,
    pub property: Money,
    pub transfer_pension: Money,
    pub transfer_dibao: Money,
    pub transfer_tekun: Money,
    pub transfer_eco: Money,
    pub transfer_other: Money,
    pub business_expense: Money,
    pub medical_self_pay: Money,
    pub insurance_claims: Money,
}

impl Income {
    /// 纯收入 = all income components − 生产经营性支出.
    pub fn net(&self) -> Result<Money, crate::money::MoneyError> {
        Money::sum([
            self.wage,
            self.business,
            self.property,
            self.transfer_pension,
            self.transfer_dibao,
            self.transfer_tekun,
            self.transfer_eco,
            self.transfer_other,
        ])?
        .checked_sub(self.business_expense)
    }

    /// 人均纯收入 over `members`, rounded to the fen.
    pub fn net_per_capita(&self, members: u32) -> Result<Money, crate::money::MoneyError> {
        self.net()?.div_round(i64::from(members))
    }
}

/// A household with its members and incomes, the unit of import and demo generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRecord {
    pub household: Household,
    pub members: Vec<Person>,
    pub incomes: Vec<Income>,
    /// 两不愁 and housing and water as last checked; None until a check is recorded.
    pub assurance: Option<crate::registry::assurance::Assurance>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_parse_code_or_label() {
        for r in Relation::ALL {
            assert_eq!(Relation::parse(r.code()), Some(*r));
            assert_eq!(Relation::parse(r.label()), Some(*r));
        }
        assert_eq!(
            LabourCapacity::parse("无劳动力"),
            Some(LabourCapacity::None)
        );
        assert_eq!(HouseholdType::parse("富裕户"), None);
    }

    #[test]
    fn household_codes() {
        let v = DivisionCode::parse("500299101201").unwrap();
        let c = HouseholdCode::new(&v, 7).unwrap();
        assert_eq!(c.as_str(), "5002991012010007");
        assert_eq!(HouseholdCode::parse(c.as_str()), Ok(c.clone()));
        assert_eq!(c.village(), Some(v));
        assert_eq!(c.seq(), 7);
        assert!(HouseholdCode::parse("5002991010000007").is_err());
        assert!(HouseholdCode::parse("5002991012010000").is_err());
        assert!(HouseholdCode::new(&v, 0).is_none());
    }

    #[test]
    fn net_income() {
        let inc = Income {
            year: 2025,
            wage: Money::from_fen(1_000_000),
            business: Money::from_fen(200_000),
            transfer_dibao: Money::from_fen(50_000),
            business_expense: Money::from_fen(100_000),
            ..Income::default()
        };
        assert_eq!(inc.net(), Ok(Money::from_fen(1_150_000)));
        assert_eq!(inc.net_per_capita(3), Ok(Money::from_fen(383_333)));
        assert!(inc.net_per_capita(0).is_err());
    }
}

/// Implausible but possible facts about a household on `on` (关系、年龄合理性): warnings for
/// a person to confirm, never reasons to refuse. Each names the member by index and says why.
pub fn plausibility(record: &HouseholdRecord, on: NaiveDate) -> Vec<(usize, String)> {
    use crate::id_number::age_on;
    let mut out = Vec::new();
    let head = record
        .members
        .iter()
        .find(|m| m.relation == Relation::Head)
        .map(|m| age_on(m.birth_date, on) as i64);
    for (i, m) in record.members.iter().enumerate() {
        let age = age_on(m.birth_date, on) as i64;
        let gap = head.map(|h| h - age);
        let name = &m.name;
        match m.relation {
            Relation::Spouse if age < 18 => {
                out.push((i, format!("{name}是配偶，但只有{age}岁")));
            }
            Relation::Son | Relation::Daughter | Relation::SonInLaw | Relation::DaughterInLaw
                if gap.is_some_and(|g| g < 14) =>
            {
                out.push((
                    i,
                    format!(
                        "{name}是{}，但与户主年龄只相差{}岁",
                        m.relation.label(),
                        gap.unwrap_or(0)
                    ),
                ));
            }
            Relation::Grandson | Relation::Granddaughter if gap.is_some_and(|g| g < 30) => {
                out.push((
                    i,
                    format!(
                        "{name}是{}，但与户主年龄只相差{}岁",
                        m.relation.label(),
                        gap.unwrap_or(0)
                    ),
                ));
            }
            Relation::Father | Relation::Mother if gap.is_some_and(|g| g > -14) => {
                out.push((
                    i,
                    format!("{name}是{}，但年龄不比户主大14岁以上", m.relation.label()),
                ));
            }
            _ => {}
        }
        let school_age = match m.schooling {
            Schooling::Preschool => Some((0, 7)),
            Schooling::Primary => Some((5, 16)),
            Schooling::JuniorHigh => Some((10, 20)),
            Schooling::SeniorHigh | Schooling::Vocational => Some((13, 25)),
            _ => None,
        };
        if let Some((lo, hi)) = school_age
            && !(lo..=hi).contains(&age)
        {
            out.push((
                i,
                format!("{name}{age}岁，在校情况却是“{}”", m.schooling.label()),
            ));
        }
        if age < 16 && m.employment_months > 0 {
            out.push((
                i,
                format!("{name}{age}岁，却登记了{}个月务工", m.employment_months),
            ));
        }
    }
    out
}

/// A phone number as lists and exports show it: `138****5678`. Short or odd values keep
/// only their last two characters.
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, 3, 4)
}

/// A bank account as lists and exports show it: `6217***********1234`.
pub fn mask_account(account: &str) -> String {
    mask_middle(account, 4, 4)
}

fn mask_middle(text: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    if n <= head + tail {
        let keep = n.min(2);
        return "*".repeat(n - keep) + &chars[n - keep..].iter().collect::<String>();
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(n - head - tail));
    out.extend(&chars[n - tail..]);
    out
}

#[cfg(test)]
mod plausibility_tests {
    use super::*;
    use crate::id_number::IdNumber;

    fn person(id: &str, name: &str, relation: Relation, schooling: Schooling) -> Person {
        let id = IdNumber::parse(id, NaiveDate::MAX).unwrap();
        Person {
            sex: id.sex(),
            birth_date: id.birth_date(),
            id_number: id,
            name: name.into(),
            relation,
            labour: LabourCapacity::Ordinary,
            health: Health::Healthy,
            disability: None,
            schooling,
            medical_insurance: true,
            pension_insurance: true,
            employment_months: 0,
            employment_place: None,
            public_payroll: false,
            status: LivingStatus::InHousehold,
        }
    }

    #[test]
    fn odd_relations_and_ages_are_warned_not_refused() {
        let v = DivisionCode::parse("500299101201").unwrap();
        let on = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let record = HouseholdRecord {
            household: Household {
                code: HouseholdCode::new(&v, 1).unwrap(),
                village: v,
                group_no: None,
                address: "x".into(),
                phone: None,
                bank_account: None,
                household_type: HouseholdType::Ordinary,
                relocated: false,
                dibao: false,
                tekun: false,
                monitored: false,
            },
            members: vec![
                // Head born 1949, a "son" born 1949 too, a 2-year-old in primary school.
                person(
                    "11010519491231002X",
                    "张三",
                    Relation::Head,
                    Schooling::NotInSchool,
                ),
                person(
                    "110105194912310046",
                    "张四",
                    Relation::Son,
                    Schooling::NotInSchool,
                ),
                person(
                    "110105202401010014",
                    "张五",
                    Relation::Grandson,
                    Schooling::Primary,
                ),
            ],
            incomes: vec![],
            assurance: None,
        };
        let w = plausibility(&record, on);
        let text: Vec<String> = w.iter().map(|(i, m)| format!("{i}:{m}")).collect();
        assert!(
            text.iter()
                .any(|m| m.starts_with("1:张四是子，但与户主年龄只相差0岁")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|m| m.starts_with("2:张五2岁，在校情况却是“小学”")),
            "{text:?}"
        );
        assert!(!text.iter().any(|m| m.starts_with("0:")), "{text:?}");
    }
}

#[cfg(test)]
mod mask_tests {
    use super::*;

    #[test]
    fn phones_and_accounts_are_masked() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_account("6217000012345671234"), "6217***********1234");
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(mask_phone(""), "");
    }

    proptest::proptest! {
        #[test]
        fn masking_hides_the_middle_and_keeps_the_length(s in "[0-9]{0,30}") {
            let m = mask_account(&s);
            proptest::prop_assert_eq!(m.chars().count(), s.chars().count());
            if s.len() > 8 {
                proptest::prop_assert_eq!(&m[..4], &s[..4]);
                proptest::prop_assert!(m[4..s.len() - 4].chars().all(|c| c == '*'));
            } else {
                proptest::prop_assert!(s.len() < 3 || m.starts_with('*'));
            }
        }
    }
}
