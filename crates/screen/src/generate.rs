//! Realistic screening data at a scale factor, in the file contract: SF 1 is
//! about one county (100,000 households, 300,000 persons, 1.7 million rows
//! in all). Costs are heavy-tailed; the rare events the rules look for
//! (deaths, dropouts, C/D houses, severe disability) occur at plausible
//! rates; some feed rows name nobody in the registry and some are dated
//! after the as-of date. The same seed always writes the same bytes.

use crate::contract::{self, Input};
use crate::date::Date;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// A small deterministic generator (SplitMix64): test data must be
/// reproducible, not secret, and a seed must give the same data whatever
/// the versions of our dependencies. The demo county uses it too.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// True with probability `n`/1000.
    pub fn per_mille(&mut self, n: u64) -> bool {
        self.below(1000) < n
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1).max(1) as u64) as i64
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.unit().max(1e-12);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Log-normal with the given median.
    pub fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(u64::from(total)) as u32;
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

/// A bijection on 0..2^63: sequential counters become ids that are distinct,
/// positive and in no useful order.
fn scatter(x: u64, key: u64) -> i64 {
    const MASK: u64 = (1 << 63) - 1;
    let mut x = x.wrapping_add(key) & MASK;
    x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15) & MASK;
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9) & MASK;
    x ^= x >> 32;
    (x & MASK) as i64
}

const HOUSEHOLD_KEY: u64 = 0x1234_5678;
const PERSON_KEY: u64 = 0x8765_4321;

/// Rows written per file, in `contract::INPUTS` order.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub rows: Vec<(&'static str, u64)>,
}

impl Written {
    pub fn total(&self) -> u64 {
        self.rows.iter().map(|r| r.1).sum()
    }
}

struct Member {
    id: i64,
    age: u32,
    /// Expected medical claims a year.
    claims_a_year: u32,
    full_labour: bool,
}

struct Out {
    w: BufWriter<File>,
    rows: u64,
}

impl Out {
    fn create(dir: &Path, input: Input) -> io::Result<Out> {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(dir.join(input.file))?);
        w.write_all(input.columns.join(",").as_bytes())?;
        w.write_all(b"\n")?;
        Ok(Out { w, rows: 0 })
    }

    fn row(&mut self, args: std::fmt::Arguments<'_>) -> io::Result<()> {
        self.rows += 1;
        self.w.write_fmt(args)?;
        self.w.write_all(b"\n")
    }

    fn finish(mut self) -> io::Result<u64> {
        self.w.flush()?;
        Ok(self.rows)
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "罗", "高", "林", "龙", "杜", "蒙", "韦", "潘", "吴", "石", "田", "冉", "向",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "兰", "文", "学", "春", "红", "国", "建",
];
const DISABILITY_KINDS: &[&str] = &["视力", "听力", "言语", "肢体", "智力", "精神", "多重"];

/// Writes the eight contract files for scale factor `sf` (households =
/// 100,000 × sf) around `as_of` into `dir`.
pub fn generate(dir: &Path, sf: f64, as_of: Date, seed: u64) -> io::Result<Written> {
    fs::create_dir_all(dir)?;
    let households = (100_000.0 * sf).round().max(1.0) as u64;
    let mut rng = Rng::new(seed);
    let day0 = as_of.to_days();
    let date = |days_before: i64| -> Date { Date::from_days(day0 - days_before).unwrap_or(as_of) };

    let mut hh_out = Out::create(dir, contract::HOUSEHOLDS)?;
    let mut person_out = Out::create(dir, contract::PERSONS)?;
    let mut housing = Out::create(dir, contract::HOUSING)?;
    let mut members: Vec<Member> = Vec::with_capacity(households as usize * 3);
    let mut person_seq = 0u64;
    let villages_per_county = 300u64;
    let per_village = households
        .div_ceil(villages_per_county * sf.ceil().max(1.0) as u64)
        .max(1);
    for h in 0..households {
        let village = h / per_village;
        let (county, town, vil) = (
            village / villages_per_county,
            village % 300 / 15,
            village % 15,
        );
        let code = format!(
            "52{:02}{:02}{:03}{:03}",
            24 + county / 99,
            1 + county % 99,
            100 + town,
            200 + vil
        );
        let id = scatter(h, HOUSEHOLD_KEY);
        let category = rng.weighted(&[28, 69, 3]);
        let size = 1 + rng.weighted(&[18, 24, 24, 18, 10, 4, 2]) as u32;
        let median = [13_000.0, 16_000.0, 10_000.0][category];
        let per_capita = rng.log_normal(median, 0.3);
        // Incomes are yuan-precise in the ledgers; a few sit exactly on the line.
        let mut income = (per_capita * f64::from(size)).round() as i64 * 100;
        if rng.chance(0.003) {
            income = 7_600 * 100 * i64::from(size) - i64::from(rng.chance(0.5));
        }
        let excluded = rng.chance(0.015);
        hh_out.row(format_args!(
            "{id},{code},{},{size},{income},{}",
            ["脱贫户", "一般农户", "监测户"][category],
            u8::from(excluded)
        ))?;
        let head_age = 28 + rng.below(50) as u32;
        for k in 0..size {
            let (age, relation) = match k {
                0 => (head_age, "户主"),
                1 => (head_age.saturating_sub(3) + rng.below(7) as u32, "配偶"),
                _ if k >= 4 && head_age < 60 && rng.chance(0.5) => {
                    ((head_age + 22 + rng.below(10) as u32).min(98), "父母")
                }
                _ if head_age > 58 && rng.chance(0.5) => (rng.below(18) as u32, "孙子女"),
                _ => (head_age.saturating_sub(20 + rng.below(16) as u32), "子女"),
            };
            let person = scatter(person_seq, PERSON_KEY);
            person_seq += 1;
            let birth = date(i64::from(age) * 365 + i64::from(age / 4) + rng.below(365) as i64);
            let male = rng.chance(0.5);
            let labour = match age {
                0..=15 => 3,
                16..=60 => rng.weighted(&[85, 10, 5, 0]),
                61..=70 => rng.weighted(&[20, 60, 20, 0]),
                _ => rng.weighted(&[0, 20, 40, 40]),
            };
            let name = format!(
                "{}{}{}",
                rng.pick(SURNAMES),
                rng.pick(GIVEN),
                if rng.chance(0.7) { rng.pick(GIVEN) } else { "" }
            );
            let number = id_number(
                &code[..6],
                birth,
                (person_seq % 500) as u32 * 2 + u32::from(male),
            );
            // A few persons are filed under a household the registry lacks.
            let household_id = if rng.chance(0.0005) {
                scatter(households + person_seq, HOUSEHOLD_KEY)
            } else {
                id
            };
            person_out.row(format_args!(
                "{person},{number},{household_id},{name},{},{birth},{},{relation}",
                if male { "男" } else { "女" },
                ["一般劳动力", "弱劳动力", "丧失劳动力", "无劳动力"][labour],
            ))?;
            let claims_a_year = match rng.weighted(&[62, 29, 7, 2]) {
                0 => 1,
                1 => 1 + age / 45,
                2 => 6,
                _ => 16,
            };
            members.push(Member {
                id: person,
                age,
                claims_a_year,
                full_labour: labour == 0,
            });
        }
        for _ in 0..rng.weighted(&[30, 60, 10]) {
            let grade = rng.weighted(&[55, 35, 8, 2]);
            housing.row(format_args!(
                "{id},{},{}",
                ["A", "B", "C", "D"][grade],
                date(rng.below(3 * 365) as i64 - 20)
            ))?;
        }
    }
    let mut written = Written::default();
    let mut done = |input: Input, out: Out| -> io::Result<()> {
        written.rows.push((input.file, out.finish()?));
        Ok(())
    };
    done(contract::HOUSEHOLDS, hh_out)?;
    done(contract::PERSONS, person_out)?;
    let stranger = |rng: &mut Rng| scatter(person_seq + 1 + rng.below(1 << 40), PERSON_KEY);

    let mut deaths = Out::create(dir, contract::DEATHS)?;
    let mut civil = Out::create(dir, contract::CIVIL_AFFAIRS)?;
    let mut disability = Out::create(dir, contract::DISABILITY)?;
    let mut education = Out::create(dir, contract::EDUCATION)?;
    for m in &members {
        let death_rate = match m.age {
            0..=40 => 0.002,
            41..=60 => 0.008,
            61..=75 => 0.03,
            _ => 0.09,
        };
        if rng.chance(death_rate * 1.5) || (m.full_labour && rng.chance(0.002)) {
            deaths.row(format_args!(
                "{},{}",
                m.id,
                date(rng.below(760) as i64 - 30)
            ))?;
        }
        if rng.chance(0.03) {
            let kind = rng.weighted(&[70, 10, 20]);
            let amount = [60_000, 90_000, 200_000][kind] + rng.below(40_000) as i64;
            civil.row(format_args!(
                "{},{},{},{amount}",
                m.id,
                ["低保", "特困", "临时救助"][kind],
                date(rng.below(5 * 365) as i64 - 20)
            ))?;
        }
        if rng.chance(0.025) {
            disability.row(format_args!(
                "{},{},{},{}",
                m.id,
                1 + rng.weighted(&[10, 20, 35, 35]),
                rng.pick(DISABILITY_KINDS),
                date(rng.below(10 * 365) as i64 - 10)
            ))?;
        }
        if (5..=19).contains(&m.age) {
            let status = rng.weighted(&[993, 4, 3]);
            education.row(format_args!(
                "{},{},{}",
                m.id,
                ["在读", "辍学", "休学"][status],
                date(rng.below(400) as i64 - 15)
            ))?;
        }
    }
    for _ in 0..(members.len() / 2000).max(1) {
        let id = stranger(&mut rng);
        deaths.row(format_args!("{id},{}", date(rng.below(300) as i64)))?;
        civil.row(format_args!(
            "{id},低保,{},70000",
            date(rng.below(300) as i64)
        ))?;
        education.row(format_args!("{id},辍学,{}", date(rng.below(300) as i64)))?;
    }
    for _ in 0..(households / 1000).max(1) {
        let id = scatter(households + 10_000_000 + rng.below(1 << 40), HOUSEHOLD_KEY);
        housing.row(format_args!("{id},D,{}", date(rng.below(300) as i64)))?;
    }
    done(contract::DEATHS, deaths)?;
    done(contract::CIVIL_AFFAIRS, civil)?;
    done(contract::DISABILITY, disability)?;
    done(contract::EDUCATION, education)?;
    done(contract::HOUSING, housing)?;

    // Claims come as a hospital system exports them: by settlement day,
    // persons in no order. Persons are drawn by rejection against their
    // yearly rate, so a few chronic patients carry many claims.
    let mut claims = Out::create(dir, contract::MEDICAL_CLAIMS)?;
    let max_rate = 16.0;
    let total_rate: f64 = members.iter().map(|m| f64::from(m.claims_a_year)).sum();
    let per_day = total_rate / 365.0;
    for back in (-30i64..760).rev() {
        let on = date(back);
        let n = (per_day * (0.8 + 0.4 * rng.unit())).round() as u64;
        for _ in 0..n {
            let m = loop {
                let m = &members[rng.below(members.len() as u64) as usize];
                if rng.unit() * max_rate < f64::from(m.claims_a_year) {
                    break m;
                }
            };
            let inpatient = rng.chance(0.08 + f64::from(m.age) / 1500.0);
            let (total, share) = if inpatient {
                (
                    rng.log_normal(9_000.0, 0.9).min(600_000.0),
                    0.15 + 0.35 * rng.unit(),
                )
            } else {
                (
                    rng.log_normal(180.0, 0.8).min(20_000.0),
                    0.3 + 0.5 * rng.unit(),
                )
            };
            let total_fen = (total * 100.0).round() as i64;
            let self_fen = (total * 100.0 * share).round() as i64;
            let person = if rng.chance(0.003) {
                stranger(&mut rng)
            } else {
                m.id
            };
            claims.row(format_args!("{person},{on},{total_fen},{self_fen}"))?;
        }
    }
    done(contract::MEDICAL_CLAIMS, claims)?;
    Ok(written)
}

/// A citizen ID number with a valid check digit.
pub fn id_number(area: &str, birth: Date, seq: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!(
        "{area}{:04}{:02}{:02}{:03}",
        birth.year(),
        birth.month(),
        birth.day(),
        seq % 1000
    );
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}
