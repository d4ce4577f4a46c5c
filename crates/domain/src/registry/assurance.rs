//! 两不愁三保障 and drinking water (“两不愁三保障”及饮水安全): what is recorded for a household
//! — food and clothing, the house's safety rating, the four water criteria — and the five
//! indicators judged from it and from the members (义务教育 from the children's schooling,
//! 基本医疗 from the members' insurance), each secure, not secure, or not yet assessed.

use super::{LivingStatus, Person, Schooling};
use crate::codes::coded_enum;
use crate::id_number::age_on;
use chrono::NaiveDate;

coded_enum!(
    /// Safety rating of the house (农村住房安全性鉴定等级): C and D are unsafe.
    HousingRating {
        A => ("a", "A级"),
        B => ("b", "B级"),
        C => ("c", "C级"),
        D => ("d", "D级"),
    }
);

impl HousingRating {
    pub fn is_safe(self) -> bool {
        matches!(self, HousingRating::A | HousingRating::B)
    }
}

/// What is recorded of a household's 两不愁 and housing and water (保障情况), at a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assurance {
    /// 不愁吃、不愁穿.
    pub food_clothing: bool,
    /// None: not yet rated.
    pub housing: Option<HousingRating>,
    /// 饮水安全: 水量, 水质, 用水方便程度, 供水保证率, each meeting its standard.
    pub water_quantity: bool,
    pub water_quality: bool,
    pub water_convenience: bool,
    pub water_guarantee: bool,
    /// Details in words (e.g. 危房改造已纳入2026年计划).
    pub note: Option<String>,
}

impl Assurance {
    /// Every water criterion met.
    pub fn water_safe(&self) -> bool {
        self.water_quantity && self.water_quality && self.water_convenience && self.water_guarantee
    }
}

coded_enum!(
    /// The indicators (两不愁三保障及饮水安全).
    Indicator {
        FoodClothing => ("food_clothing", "两不愁（吃穿）"),
        Education => ("education", "义务教育"),
        Medical => ("medical", "基本医疗"),
        Housing => ("housing", "住房安全"),
        Water => ("water", "饮水安全"),
    }
);

/// One indicator's judgement with the facts behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub indicator: Indicator,
    /// None: not assessed (nothing recorded yet).
    pub secure: Option<bool>,
    pub detail: String,
}

/// The ages of compulsory education (义务教育阶段), inclusive.
const SCHOOL_AGES: std::ops::RangeInclusive<u32> = 6..=15;

/// What the indicators need to know of a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberFacts<'a> {
    pub name: &'a str,
    pub birth_date: NaiveDate,
    pub status: LivingStatus,
    pub schooling: Schooling,
    pub medical_insurance: bool,
}

impl<'a> From<&'a Person> for MemberFacts<'a> {
    fn from(p: &'a Person) -> Self {
        MemberFacts {
            name: &p.name,
            birth_date: p.birth_date,
            status: p.status,
            schooling: p.schooling,
            medical_insurance: p.medical_insurance,
        }
    }
}

/// The five indicators of a household on `on`, in the order people read them.
pub fn assess<'a>(
    members: impl IntoIterator<Item = MemberFacts<'a>>,
    assurance: Option<&Assurance>,
    on: NaiveDate,
) -> Vec<Finding> {
    let members: Vec<MemberFacts> = members.into_iter().collect();
    let living = || {
        members
            .iter()
            .filter(|m| m.status == LivingStatus::InHousehold)
    };
    let out_of_school: Vec<String> = living()
        .filter(|m| {
            SCHOOL_AGES.contains(&age_on(m.birth_date, on))
                && matches!(m.schooling, Schooling::Dropout | Schooling::NotInSchool)
        })
        .map(|m| {
            format!(
                "{}（{}岁，{}）",
                m.name,
                age_on(m.birth_date, on),
                m.schooling.label()
            )
        })
        .collect();
    let uninsured: Vec<&str> = living()
        .filter(|m| !m.medical_insurance)
        .map(|m| m.name)
        .collect();
    let listed = |names: &[String], none: &str, some: &str| {
        if names.is_empty() {
            none.to_string()
        } else {
            format!("{some}：{}", names.join("、"))
        }
    };
    let recorded = |f: &dyn Fn(&Assurance) -> (bool, String)| match assurance {
        Some(a) => {
            let (ok, detail) = f(a);
            (Some(ok), detail)
        }
        None => (None, "尚未核查".to_string()),
    };
    let (food, food_detail) = recorded(&|a| {
        (
            a.food_clothing,
            if a.food_clothing {
                "不愁吃、不愁穿"
            } else {
                "吃穿有困难"
            }
            .into(),
        )
    });
    let (housing, housing_detail) = match assurance.map(|a| a.housing) {
        None => (None, "尚未核查".to_string()),
        Some(None) => (None, "住房尚未鉴定".to_string()),
        Some(Some(r)) => (
            Some(r.is_safe()),
            format!(
                "鉴定为{}{}",
                r.label(),
                if r.is_safe() { "" } else { "（危房）" }
            ),
        ),
    };
    let (water, water_detail) = recorded(&|a| {
        let unmet: Vec<&str> = [
            (a.water_quantity, "水量"),
            (a.water_quality, "水质"),
            (a.water_convenience, "用水方便程度"),
            (a.water_guarantee, "供水保证率"),
        ]
        .iter()
        .filter(|(ok, _)| !ok)
        .map(|(_, n)| *n)
        .collect();
        (
            unmet.is_empty(),
            if unmet.is_empty() {
                "水量、水质、用水方便程度、供水保证率均达标".to_string()
            } else {
                format!("未达标：{}", unmet.join("、"))
            },
        )
    });
    let uninsured: Vec<String> = uninsured.into_iter().map(str::to_string).collect();
    vec![
        Finding {
            indicator: Indicator::FoodClothing,
            secure: food,
            detail: food_detail,
        },
        Finding {
            indicator: Indicator::Education,
            secure: Some(out_of_school.is_empty()),
            detail: listed(&out_of_school, "无义务教育阶段失学辍学", "失学辍学"),
        },
        Finding {
            indicator: Indicator::Medical,
            secure: Some(uninsured.is_empty()),
            detail: listed(&uninsured, "在户成员均参加基本医疗保险", "未参保"),
        },
        Finding {
            indicator: Indicator::Housing,
            secure: housing,
            detail: housing_detail,
        },
        Finding {
            indicator: Indicator::Water,
            secure: water,
            detail: water_detail,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::two_person_record;

    fn on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn all_good() -> Assurance {
        Assurance {
            food_clothing: true,
            housing: Some(HousingRating::B),
            water_quantity: true,
            water_quality: true,
            water_convenience: true,
            water_guarantee: true,
            note: None,
        }
    }

    #[test]
    fn nothing_recorded_is_not_assessed_but_members_still_count() {
        let r = two_person_record();
        let f = assess(r.members.iter().map(MemberFacts::from), None, on());
        assert_eq!(f.len(), 5);
        assert_eq!(f[0].secure, None);
        assert_eq!(f[1].secure, Some(true));
        assert_eq!(f[2].secure, Some(true));
        assert_eq!(f[3].secure, None);
        assert_eq!(f[4].detail, "尚未核查");
    }

    #[test]
    fn each_gap_is_named() {
        let mut r = two_person_record();
        // A 12-year-old who left school, and a member without medical insurance.
        r.members[1].birth_date = NaiveDate::from_ymd_opt(2014, 3, 1).unwrap();
        r.members[1].schooling = Schooling::Dropout;
        r.members[0].medical_insurance = false;
        let mut a = all_good();
        a.housing = Some(HousingRating::D);
        a.water_quality = false;
        let f = assess(r.members.iter().map(MemberFacts::from), Some(&a), on());
        let secure: Vec<Option<bool>> = f.iter().map(|x| x.secure).collect();
        assert_eq!(
            secure,
            vec![
                Some(true),
                Some(false),
                Some(false),
                Some(false),
                Some(false)
            ]
        );
        assert!(f[1].detail.contains("（12岁，辍学）"), "{}", f[1].detail);
        assert!(f[2].detail.starts_with("未参保："), "{}", f[2].detail);
        assert_eq!(f[3].detail, "鉴定为D级（危房）");
        assert_eq!(f[4].detail, "未达标：水质");
        // Someone who died or moved out no longer counts.
        r.members[0].status = LivingStatus::Deceased;
        assert_eq!(
            assess(r.members.iter().map(MemberFacts::from), Some(&a), on())[2].secure,
            Some(true)
        );
    }

    #[test]
    fn an_unrated_house_is_not_assessed() {
        let mut a = all_good();
        a.housing = None;
        let f = assess(
            two_person_record().members.iter().map(MemberFacts::from),
            Some(&a),
            on(),
        );
        assert_eq!((f[3].secure, f[3].detail.as_str()), (None, "住房尚未鉴定"));
        assert!(a.water_safe());
    }
}
