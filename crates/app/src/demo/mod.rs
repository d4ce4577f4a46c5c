//! A synthetic demo county (演示县): 青山县, a fictional county under 重庆市 with 15 towns and
//! about 300 villages, and households whose members, ages, health, schooling and incomes
//! are plausible for a rural county. Deterministic for a seed. Its cases (`cases`) and its
//! 三保障 problems (`problems`) are loaded on top of the registry.

mod assets;
pub mod cadres;
pub mod cases;
pub mod funds;
pub mod problems;
pub mod teams;
pub mod villages;

use crate::AppError;
use crate::registry::import::Progress;
use crate::sheet::FileKind;
use chrono::{Datelike, Days, NaiveDate};
use dixian_domain::access::Actor;
use dixian_domain::assurance::{Assurance, HousingRating};
use dixian_domain::division::{Division, DivisionCode, DivisionTable, VillageGroup};
use dixian_domain::id_number::{IdNumber, Sex, age_on};
use dixian_domain::money::Money;
use dixian_domain::policy::Pack;
use dixian_domain::registry::*;
use dixian_store::Store;
use std::collections::HashMap;

/// The demo county's code and name.
pub const COUNTY_CODE: &str = "500299000000";
pub const COUNTY_NAME: &str = "青山县";
/// The 6-digit region code of ID numbers issued in the demo county.
const ID_REGION: &str = "500299";

const TOWNS: [&str; 15] = [
    "石桥镇",
    "青龙镇",
    "白沙镇",
    "龙潭镇",
    "桃花镇",
    "双河镇",
    "新华镇",
    "永安镇",
    "高峰镇",
    "金竹镇",
    "太平镇",
    "大坪镇",
    "清溪镇",
    "柏林镇",
    "三合镇",
];
const VILLAGES_PER_TOWN: u32 = 20;
const VILLAGE_HEADS: [&str; 40] = [
    "红星", "新民", "和平", "光明", "向阳", "团结", "胜利", "长岭", "杨柳", "枫香", "桂花", "竹林",
    "松林", "梨树", "石龙", "金鸡", "凤凰", "白岩", "黄泥", "青岗", "大湾", "小河", "中坝", "高坪",
    "楠木", "柑子", "茶园", "花果", "马鞍", "狮子", "观音", "玉泉", "灯塔", "明月", "双桥", "五里",
    "土门", "鹿鸣", "清泉", "石笋",
];
const GROUP_NAMES: [&str; 10] = [
    "一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组", "九组", "十组",
];
const SURNAMES: [&str; 40] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余",
];
const MALE_CHARS: [&str; 30] = [
    "伟", "强", "军", "勇", "明", "华", "建", "国", "文", "平", "志", "德", "福", "贵", "林", "成",
    "斌", "刚", "海", "波", "辉", "宇", "浩", "杰", "涛", "鹏", "兵", "红", "春", "荣",
];
const FEMALE_CHARS: [&str; 30] = [
    "芳", "敏", "静", "丽", "秀", "英", "兰", "霞", "玲", "萍", "梅", "燕", "娟", "琴", "红", "艳",
    "慧", "婷", "雪", "月", "菊", "凤", "珍", "莉", "洁", "琳", "欣", "怡", "翠", "云",
];
const WORK_PLACES: [&str; 6] = [
    "县内",
    "重庆市内县外",
    "广东省",
    "浙江省",
    "四川省",
    "福建省",
];

pub use dixian_screen::generate::Rng;

/// The demo county's own pack: a county adding its visit months to the national defaults.
pub const COUNTY_PACK: (&str, &str) = ("qingshan-2022.toml", include_str!("qingshan-2022.toml"));

/// The demo county's division table: province, city-level node, county, towns, villages
/// and their village groups. Group counts depend on the seed.
pub fn divisions(seed: u64) -> DivisionTable {
    let mut rng = Rng::new(seed ^ 0xD1_u64);
    let mut table = DivisionTable::default();
    let mut add = |code: &str, name: &str| {
        if let Ok(c) = DivisionCode::parse(code) {
            table.divisions.insert(
                c,
                Division {
                    code: c,
                    name: name.to_string(),
                },
            );
        }
    };
    add("500000000000", "重庆市");
    add("500200000000", "县");
    add(COUNTY_CODE, COUNTY_NAME);
    let mut villages = Vec::new();
    for (t, town) in TOWNS.iter().enumerate() {
        let town_code = format!("500299{:03}000", 101 + t);
        add(&town_code, town);
        let mut used = Vec::new();
        for v in 0..VILLAGES_PER_TOWN {
            let mut head = *rng.pick(&VILLAGE_HEADS);
            while used.contains(&head) {
                head = *rng.pick(&VILLAGE_HEADS);
            }
            used.push(head);
            let code = format!("500299{:03}{:03}", 101 + t, 201 + v);
            add(&code, &format!("{head}村"));
            villages.push(code);
        }
    }
    for v in villages {
        let Ok(village) = DivisionCode::parse(&v) else {
            continue;
        };
        let groups = rng.range(5, 10) as usize;
        for (i, name) in GROUP_NAMES.iter().take(groups).enumerate() {
            table.groups.push(VillageGroup {
                village,
                number: (i + 1) as u16,
                name: (*name).to_string(),
            });
        }
    }
    table
}

/// Generates households deterministically, one village after another.
pub struct Generator {
    rng: Rng,
    seed: u64,
    /// Assessment date: ages and the income year are computed from it.
    as_of: NaiveDate,
    villages: Vec<(DivisionCode, String, String, u16)>,
    per_village: Vec<u32>,
    next_village: usize,
    next_seq: u16,
    id_counters: HashMap<(NaiveDate, bool), u16>,
    /// The monitoring line per person of the income year, when known: a household that is
    /// not monitored then lives above it, but for a few the screening is there to find.
    line: Option<Money>,
    /// Draws of the lifting only, so the households and people are the same with a line or
    /// without one: only incomes differ.
    lift_rng: Rng,
}

/// The monitoring line the demo's incomes are generated against: the demo county's line at the
/// end of the income year (the year before `as_of`), by the shipped packs and the demo county's
/// own — the same whether the demo is loaded or written to a file.
pub fn income_line(as_of: NaiveDate) -> Result<Money, AppError> {
    let issues = |i: Vec<dixian_domain::PolicyIssue>| {
        AppError::Invalid(i.iter().map(ToString::to_string).collect())
    };
    let mut set = dixian_domain::policy::builtin_set().map_err(issues)?;
    let pack = Pack::parse(COUNTY_PACK.0, COUNTY_PACK.1).map_err(issues)?;
    set.add(pack)
        .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let county =
        DivisionCode::parse(COUNTY_CODE).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let income_year_end = NaiveDate::from_ymd_opt(as_of.year() - 1, 12, 31).unwrap_or(as_of);
    Ok(crate::policy::resolve(&set, &county, income_year_end)?
        .monitoring_line
        .amount)
}

/// Households not monitored left below the line, per ten thousand: those a screening of the
/// demo county should find (issue 25: a county's own registry is consistent with its
/// monitoring, but never perfectly).
const UNFOUND_BELOW_LINE_PER_10K: i64 = 70;

impl Generator {
    /// Keeps households that are not monitored above `line` per person (all but a few).
    pub fn with_line(mut self, line: Money) -> Generator {
        self.line = Some(line);
        self
    }

    /// `households` are spread over the villages of `table`, unevenly as in life.
    pub fn new(table: &DivisionTable, seed: u64, households: u32, as_of: NaiveDate) -> Generator {
        let mut rng = Rng::new(seed);
        let mut villages = Vec::new();
        for d in table.divisions.values() {
            if d.code.level() != dixian_domain::division::DivisionLevel::Village {
                continue;
            }
            let town = d
                .code
                .parent()
                .and_then(|p| table.divisions.get(&p))
                .map(|t| t.name.clone())
                .unwrap_or_default();
            let groups = table.groups.iter().filter(|g| g.village == d.code).count() as u16;
            villages.push((d.code, town, d.name.clone(), groups.max(1)));
        }
        // Weights 50..150 give villages of different size; the remainder goes to the first.
        let weights: Vec<u64> = villages.iter().map(|_| 50 + rng.below(101)).collect();
        let total: u64 = weights.iter().sum::<u64>().max(1);
        let mut per_village: Vec<u32> = weights
            .iter()
            .map(|w| (u64::from(households) * w / total) as u32)
            .collect();
        let assigned: u32 = per_village.iter().sum();
        if let Some(first) = per_village.first_mut() {
            *first += households.saturating_sub(assigned);
        }
        Generator {
            rng,
            seed,
            as_of,
            villages,
            per_village,
            next_village: 0,
            next_seq: 1,
            id_counters: HashMap::new(),
            line: None,
            lift_rng: Rng::new(seed ^ 0x1f3d_5b79_9e37_79b9),
        }
    }

    fn name(&mut self, surname: &str, sex: Sex) -> String {
        let chars: &[&str] = match sex {
            Sex::Male => &MALE_CHARS,
            Sex::Female => &FEMALE_CHARS,
        };
        let first = *self.rng.pick(chars);
        if self.rng.per_mille(650) {
            format!("{surname}{first}{}", self.rng.pick(chars))
        } else {
            format!("{surname}{first}")
        }
    }

    /// A birth date that makes the person `age` on the assessment date.
    fn birth(&mut self, age: i64) -> NaiveDate {
        let days = age.max(0) as u64 * 365 + age.max(0) as u64 / 4 + self.rng.below(360);
        self.as_of
            .checked_sub_days(Days::new(days))
            .unwrap_or(self.as_of)
    }

    fn id_number(&mut self, birth: NaiveDate, sex: Sex) -> Option<IdNumber> {
        // Each (birth date, sex) has 100 sequence numbers; move a day when they run out.
        let mut b = birth;
        for _ in 0..400 {
            let counter = self.id_counters.entry((b, sex == Sex::Male)).or_insert(0);
            if *counter < 100 {
                let seq = *counter;
                *counter += 1;
                return IdNumber::compose(ID_REGION, b, seq, sex);
            }
            b = b.pred_opt()?;
        }
        None
    }

    fn person(&mut self, surname: &str, sex: Sex, age: i64, relation: Relation) -> Option<Person> {
        let birth = self.birth(age.max(0));
        let id = self.id_number(birth, sex)?;
        let birth = id.birth_date();
        let age = i64::from(age_on(birth, self.as_of));
        let r = &mut self.rng;
        let health = if r.per_mille(30 + (age as u64) * 3) {
            *r.pick(&[Health::Chronic, Health::Chronic, Health::Serious])
        } else if r.per_mille(50) {
            Health::Disabled
        } else {
            Health::Healthy
        };
        let disability = (health == Health::Disabled)
            .then(|| (*r.pick(DisabilityCategory::ALL), r.range(1, 4) as u8));
        let severe = matches!(disability, Some((_, 1 | 2))) || health == Health::Serious;
        let labour = match age {
            0..=15 => LabourCapacity::None,
            16..=59 if severe => LabourCapacity::Lost,
            16..=59 => {
                let x = r.below(100);
                if x < 78 {
                    LabourCapacity::Ordinary
                } else if x < 90 {
                    LabourCapacity::Skilled
                } else {
                    LabourCapacity::Weak
                }
            }
            60..=69 if !severe => LabourCapacity::Weak,
            _ => *r.pick(&[LabourCapacity::Lost, LabourCapacity::None]),
        };
        let schooling = match age {
            0..=5 => Schooling::Preschool,
            6..=11 if r.per_mille(2) => Schooling::Dropout,
            6..=11 => Schooling::Primary,
            12..=14 if r.per_mille(4) => Schooling::Dropout,
            12..=14 => Schooling::JuniorHigh,
            15..=17 => *r.pick(&[
                Schooling::SeniorHigh,
                Schooling::SeniorHigh,
                Schooling::Vocational,
                Schooling::NotInSchool,
            ]),
            18..=22 if r.per_mille(300) => Schooling::College,
            _ => Schooling::NotInSchool,
        };
        let works = labour.can_work() && schooling == Schooling::NotInSchool;
        let employment_months = if works && r.per_mille(700) {
            r.range(3, 12) as u8
        } else {
            0
        };
        let employment_place = (employment_months > 0).then(|| (*r.pick(&WORK_PLACES)).to_string());
        let name = self.name(surname, sex);
        let r = &mut self.rng;
        Some(Person {
            sex: id.sex(),
            birth_date: birth,
            id_number: id,
            name,
            relation,
            labour,
            health,
            disability,
            schooling,
            medical_insurance: r.per_mille(985),
            pension_insurance: age >= 16 && r.per_mille(850),
            employment_months,
            employment_place,
            public_payroll: (18..60).contains(&age) && r.per_mille(8),
            status: LivingStatus::InHousehold,
        })
    }

    fn household(&mut self, village: usize) -> Option<HouseholdRecord> {
        let (code, town, vname, groups) = self.villages.get(village)?.clone();
        let seq = self.next_seq;
        let r = &mut self.rng;
        let size = match r.below(100) {
            0..=17 => 1,
            18..=41 => 2,
            42..=63 => 3,
            64..=82 => 4,
            83..=93 => 5,
            _ => 6,
        };
        let surname = *r.pick(&SURNAMES);
        let head_sex = if r.per_mille(820) {
            Sex::Male
        } else {
            Sex::Female
        };
        let head_age = if size == 1 {
            r.range(45, 88)
        } else {
            r.range(28, 80)
        };
        let mut members = vec![self.person(surname, head_sex, head_age, Relation::Head)?];
        let other = |s: Sex| match s {
            Sex::Male => Sex::Female,
            Sex::Female => Sex::Male,
        };
        if size >= 2 && self.rng.per_mille(850) {
            let spouse_surname = *self.rng.pick(&SURNAMES);
            let age = (head_age + self.rng.range(-4, 4)).max(20);
            members.push(self.person(spouse_surname, other(head_sex), age, Relation::Spouse)?);
        }
        while members.len() < size {
            let slot = members.len();
            let r = &mut self.rng;
            // (relation if male, if female, per mille male, age): parents live with young
            // heads, grandchildren with old ones, children otherwise.
            let (male_rel, female_rel, male_per_mille, age) =
                if head_age < 50 && slot >= 3 && r.per_mille(500) {
                    (
                        Relation::Father,
                        Relation::Mother,
                        500,
                        head_age + r.range(22, 32),
                    )
                } else if head_age > 58 && slot >= 3 && r.per_mille(600) {
                    let age = (head_age - r.range(48, 58)).max(0);
                    (Relation::Grandson, Relation::Granddaughter, 510, age)
                } else {
                    let age = (head_age - r.range(20, 34)).max(0);
                    (Relation::Son, Relation::Daughter, 515, age)
                };
            let (sex, rel) = if r.per_mille(male_per_mille) {
                (Sex::Male, male_rel)
            } else {
                (Sex::Female, female_rel)
            };
            // A mother married in and keeps her own surname.
            let name_surname = if rel == Relation::Mother {
                *r.pick(&SURNAMES)
            } else {
                surname
            };
            members.push(self.person(name_surname, sex, age, rel)?);
        }
        let r = &mut self.rng;
        let household_type = if r.per_mille(300) {
            HouseholdType::PovertyAlleviated
        } else {
            HouseholdType::Ordinary
        };
        let poor = household_type == HouseholdType::PovertyAlleviated;
        let monitored = r.per_mille(if poor { 110 } else { 24 });
        let tekun = size == 1 && members[0].labour == LabourCapacity::None && r.per_mille(300);
        let dibao = !tekun && (r.per_mille(if poor || monitored { 180 } else { 25 }));
        let relocated = poor && r.per_mille(130);
        let group_no = r.range(1, i64::from(groups)) as u16;
        let phone = r.per_mille(900).then(|| {
            format!(
                "1{}{:09}",
                r.pick(&["3", "5", "8", "9"]),
                r.below(1_000_000_000)
            )
        });
        // 一卡通 accounts: a 19-digit card number of the county's rural bank.
        let bank_account = r
            .per_mille(950)
            .then(|| format!("6217{:015}", r.below(1_000_000_000_000_000)));
        let address = format!(
            "{COUNTY_NAME}{town}{vname}{}{}号",
            GROUP_NAMES.get(usize::from(group_no) - 1).unwrap_or(&""),
            r.range(1, 120)
        );
        let mut income = self.income(&members, poor || monitored, dibao, tekun);
        if !monitored && let Some(line) = self.line {
            self.lift_above(&mut income, line, members.len());
        }
        let household_code = HouseholdCode::new(&code, seq)?;
        let assurance = self.assurance(&household_code, poor);
        Some(HouseholdRecord {
            household: Household {
                code: household_code,
                village: code,
                group_no: Some(group_no),
                address,
                phone,
                bank_account,
                household_type,
                relocated,
                dibao,
                tekun,
                monitored,
            },
            members,
            incomes: vec![income],
            assurance,
        })
    }

    /// A household's last check of 两不愁, housing and water: every 脱贫户 and most others
    /// checked, a few houses rated C or D and a few water criteria unmet. Drawn from its own
    /// generator keyed by the household, so the rest of the county does not depend on it.
    fn assurance(&self, code: &HouseholdCode, poor: bool) -> Option<Assurance> {
        let key = code.as_str().parse::<u64>().unwrap_or(0);
        let mut r = Rng::new(self.seed ^ key.wrapping_mul(0x9E37_79B9));
        if !poor && !r.per_mille(700) {
            return None;
        }
        let housing = if r.per_mille(40) {
            None
        } else {
            Some(match r.below(1000) {
                0..=399 => HousingRating::A,
                400..=959 => HousingRating::B,
                960..=989 => HousingRating::C,
                _ => HousingRating::D,
            })
        };
        let note = housing
            .filter(|h| !h.is_safe())
            .map(|_| "危房改造已列入本年度计划".to_string());
        Some(Assurance {
            food_clothing: !r.per_mille(2),
            housing,
            water_quantity: !r.per_mille(8),
            water_quality: !r.per_mille(10),
            water_convenience: !r.per_mille(6),
            water_guarantee: !r.per_mille(8),
            note,
        })
    }

    /// Raises `income` to 1.05–1.8 times `line` per person (as farming income) unless it is
    /// above already, or the household is one of the few left for a screening to find.
    fn lift_above(&mut self, income: &mut Income, line: Money, members: usize) {
        let r = &mut self.lift_rng;
        if r.range(0, 9_999) < UNFOUND_BELOW_LINE_PER_10K {
            return;
        }
        let people = i64::try_from(members.max(1)).unwrap_or(1);
        let target = line.fen().saturating_mul(people) * r.range(105, 180) / 100;
        let Ok(net) = income.net() else { return };
        if net.fen() < target {
            income.business = Money::from_fen(income.business.fen() + (target - net.fen()));
        }
    }

    fn income(&mut self, members: &[Person], low: bool, dibao: bool, tekun: bool) -> Income {
        let r = &mut self.rng;
        let yuan = |y: i64| Money::from_fen(y * 100);
        let mut wage = 0;
        let mut pension = 0;
        for p in members {
            if p.employment_months > 0 {
                let monthly = if low {
                    r.range(1_800, 3_600)
                } else {
                    r.range(2_600, 5_800)
                };
                wage += monthly * i64::from(p.employment_months);
            }
            if age_on(p.birth_date, self.as_of) >= 60 {
                pension += r.range(1_400, 2_600);
            }
        }
        let farming = r.per_mille(750);
        let business = if farming {
            if low {
                r.range(800, 6_000)
            } else {
                r.range(2_000, 30_000)
            }
        } else {
            0
        };
        let expense = business * r.range(15, 40) / 100;
        let n = members.len() as i64;
        let dibao_amount = if dibao {
            r.range(5_000, 7_200) * n.min(3)
        } else {
            0
        };
        let tekun_amount = if tekun { r.range(8_000, 11_000) } else { 0 };
        let medical = if members.iter().any(|p| p.health != Health::Healthy) {
            r.range(300, if low { 30_000 } else { 12_000 })
        } else {
            r.range(0, 800)
        };
        Income {
            year: self.as_of.year() - 1,
            wage: yuan(wage),
            business: yuan(business),
            property: yuan(if r.per_mille(200) {
                r.range(100, 3_000)
            } else {
                0
            }),
            transfer_pension: yuan(pension),
            transfer_dibao: yuan(dibao_amount),
            transfer_tekun: yuan(tekun_amount),
            transfer_eco: yuan(if farming { r.range(100, 900) } else { 0 }),
            transfer_other: yuan(if r.per_mille(150) {
                r.range(200, 2_000)
            } else {
                0
            }),
            business_expense: yuan(expense),
            medical_self_pay: yuan(medical),
            insurance_claims: yuan(if medical > 5_000 { medical / 3 } else { 0 }),
        }
    }
}

impl Iterator for Generator {
    type Item = HouseholdRecord;

    fn next(&mut self) -> Option<HouseholdRecord> {
        loop {
            let left = *self.per_village.get(self.next_village)?;
            if u32::from(self.next_seq) <= left {
                let h = self.household(self.next_village);
                self.next_seq += 1;
                if h.is_some() {
                    return h;
                }
            } else {
                self.next_village += 1;
                self.next_seq = 1;
            }
        }
    }
}

/// Households per generated import file.
const DEMO_FILE_HOUSEHOLDS: usize = 200_000;

/// Options of the demo county.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub households: u32,
    pub seed: u64,
    pub as_of: NaiveDate,
}

/// What was generated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub households: usize,
    pub persons: usize,
}

/// Most households one village can hold: its household codes have four digits.
const MAX_PER_VILLAGE: u32 = 9_999;

/// Writes the demo county into an initialised, empty store, through the same path as a
/// county's own file: the households are written as an import file and imported, so every
/// check an import makes holds for the demo too. `progress` hears (households written,
/// households planned) now and then, and once more at the end.
pub async fn load(
    store: &dyn Store,
    actor: &Actor,

    opts: DemoOptions,
    mut progress: impl FnMut(usize, usize),
) -> Result<DemoReport, AppError> {
    let county =
        DivisionCode::parse(COUNTY_CODE).map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let village_count = TOWNS.len() as u32 * VILLAGES_PER_TOWN;
    if opts.households == 0 || opts.households > village_count * MAX_PER_VILLAGE / 2 {
        return Err(AppError::Invalid(vec![format!(
            "演示户数{}不合理：应在1到{}之间",
            opts.households,
            village_count * MAX_PER_VILLAGE / 2
        )]));
    }
    let existing = store.registry_counts(actor, &county).await?;
    if existing.households > 0 {
        return Err(AppError::Invalid(vec![format!(
            "{COUNTY_NAME}已有{}户数据；演示数据只能写入空的数据目录，请换一个 --data-dir",
            existing.households
        )]));
    }
    let table = divisions(opts.seed);
    store.put_divisions(actor, &table).await?;
    let pack = Pack::parse(COUNTY_PACK.0, COUNTY_PACK.1)
        .map_err(|issues| AppError::Invalid(issues.iter().map(ToString::to_string).collect()))?;
    store.put_policy_pack(actor, &pack).await?;
    let line = income_line(opts.as_of)?;
    let mut generator =
        Generator::new(&table, opts.seed, opts.households, opts.as_of).with_line(line);
    let planned = opts.households as usize;
    let mut report = DemoReport {
        households: 0,
        persons: 0,
    };
    // Files of at most DEMO_FILE_HOUSEHOLDS households: an import file is limited in rows,
    // and a county of a million households would be split by town the same way.
    let mut part = 0;
    loop {
        let chunk: Vec<HouseholdRecord> = generator.by_ref().take(DEMO_FILE_HOUSEHOLDS).collect();
        if chunk.is_empty() {
            break;
        }
        part += 1;
        let in_chunk = chunk.len();
        let mut file = Vec::new();
        crate::registry::import::write_households(FileKind::Csv, chunk, &mut file)
            .map_err(|e| AppError::Invalid(vec![format!("演示数据生成失败：{e}")]))?;
        let watch = Progress::default();
        let name = if part == 1 && in_chunk < DEMO_FILE_HOUSEHOLDS {
            format!("{COUNTY_NAME}演示数据.csv")
        } else {
            format!("{COUNTY_NAME}演示数据（第{part}部分）.csv")
        };
        let import =
            crate::registry::import::import_households(store, actor, &name, &file, false, &watch);
        let before = report.households;
        let show = async {
            #[allow(clippy::infinite_loop)]
            loop {
                let v = watch.view();
                let done = (in_chunk * v.written).checked_div(v.to_write).unwrap_or(0);
                progress((before + done).min(planned), planned);
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
        };
        let imported = tokio::select! {
            r = import => r?,
            // The progress loop never ends; this arm only satisfies the type.
            _ = show => return Err(AppError::Invalid(vec!["演示数据导入中断".into()])),
        };
        if !imported.problems.is_empty() {
            let problems = imported.problems.iter().map(ToString::to_string).collect();
            return Err(AppError::Invalid(problems));
        }
        report.households += imported.new;
        report.persons += imported.persons;
    }
    progress(report.households, planned);
    store
        .put_setting(actor, "demo.seed", &opts.seed.to_string())
        .await?;
    store.put_setting(actor, "demo.county", COUNTY_CODE).await?;
    Ok(report)
}

/// Makes the demo cadre responsible for the first households (up to five) of `village`, so
/// the 帮扶责任人 account has something to see. Households the village lacks are skipped.
pub async fn assign_demo_cadre(
    store: &dyn Store,
    actor: &Actor,
    cadre: &str,
    village: &DivisionCode,
) -> Result<usize, AppError> {
    let Some(user) = store.user_by_username(cadre).await? else {
        return Ok(0);
    };
    let n = store
        .registry_counts(actor, village)
        .await?
        .households
        .clamp(0, 5);
    for seq in 1..=n {
        let Some(code) = HouseholdCode::new(village, u16::try_from(seq).unwrap_or(1)) else {
            continue;
        };
        store.assign_cadre(actor, &code, user.id, true).await?;
    }
    Ok(usize::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    }

    #[test]
    fn division_table_shape() {
        let t = divisions(7);
        let villages = t
            .divisions
            .values()
            .filter(|d| d.code.level() == dixian_domain::division::DivisionLevel::Village)
            .count();
        assert_eq!(villages, 300);
        assert_eq!(t.divisions.len(), 3 + 15 + 300);
        assert!(t.groups.len() >= 1500);
        // The table survives its own CSV format.
        let back = DivisionTable::from_csv("demo.csv", &t.to_csv()).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn households_not_monitored_live_above_the_line_but_for_a_few() {
        let t = divisions(42);
        let line = Money::from_fen(700_000);
        let below = |with_line: bool| {
            let g = Generator::new(&t, 42, 20_000, as_of());
            let g = if with_line { g.with_line(line) } else { g };
            let all: Vec<HouseholdRecord> = g.collect();
            let unmonitored: Vec<&HouseholdRecord> =
                all.iter().filter(|h| !h.household.monitored).collect();
            let n = unmonitored
                .iter()
                .filter(|h| {
                    let people = u32::try_from(h.members.len()).unwrap();
                    h.incomes[0].net_per_capita(people).unwrap() < line
                })
                .count();
            (n, unmonitored.len())
        };
        let (before, of) = below(false);
        assert!(
            before * 100 > of * 5,
            "without a line many are below: {before} of {of}"
        );
        let (after, of) = below(true);
        // A screening finds a plausible few: well under 2 % of the county.
        assert!(
            after > 0 && after * 100 < of,
            "{after} of {of} below the line"
        );
    }

    #[test]
    fn generation_is_deterministic_and_plausible() {
        let t = divisions(42);
        let a: Vec<HouseholdRecord> = Generator::new(&t, 42, 3_000, as_of()).collect();
        let b: Vec<HouseholdRecord> = Generator::new(&t, 42, 3_000, as_of()).collect();
        assert_eq!(a.len(), 3_000);
        assert_eq!(a, b);
        let c: Vec<HouseholdRecord> = Generator::new(&t, 43, 3_000, as_of()).collect();
        assert_ne!(a, c);

        let persons: usize = a.iter().map(|h| h.members.len()).sum();
        assert!((8_000..10_000).contains(&persons), "{persons} persons");
        let poor = a
            .iter()
            .filter(|h| h.household.household_type == HouseholdType::PovertyAlleviated)
            .count();
        assert!((750..1050).contains(&poor), "{poor} 脱贫户");
        let monitored = a.iter().filter(|h| h.household.monitored).count();
        assert!((90..250).contains(&monitored), "{monitored} 监测户");

        let mut ids = std::collections::HashSet::new();
        for h in &a {
            let heads = h
                .members
                .iter()
                .filter(|p| p.relation == Relation::Head)
                .count();
            assert_eq!(heads, 1);
            for p in &h.members {
                assert!(ids.insert(p.id_number.clone()), "duplicate ID");
                let parsed = IdNumber::parse(p.id_number.as_str(), as_of()).unwrap();
                assert_eq!(parsed.birth_date(), p.birth_date);
                assert_eq!(parsed.sex(), p.sex);
                let age = age_on(p.birth_date, as_of());
                if age < 16 {
                    assert_eq!(p.labour, LabourCapacity::None);
                    assert!(!p.public_payroll);
                }
            }
            for i in &h.incomes {
                assert!(i.net().is_ok());
            }
            assert_eq!(h.household.code.village(), Some(h.household.village));
        }
    }

    #[test]
    fn rng_is_stable() {
        // Pinned outputs: changing the generator would silently change every demo county.
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }
}
