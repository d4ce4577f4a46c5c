//! The `dixian screen` file contract end to end: hand-made files whose every
//! row sits on a boundary of the specification, rejects with their lines,
//! and generated counties checked against a plain reading of the rules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dixian_screen::contract::{self, Reject, Screening};
use dixian_screen::{Date, RuleSet, generate};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::Path;

const LINE_FEN: i64 = 760_000;
const TOWN_A: &str = "522401100200";
const TOWN_B: &str = "522401101300";

fn d(s: &str) -> Date {
    Date::parse(s.as_bytes()).unwrap()
}

/// A valid citizen ID number for a sequence number and birth date.
fn id_number(seq: u32, birth: &str) -> String {
    generate::id_number("522401", d(birth), seq)
}

/// One file being written: its lines after the header, so a test can say
/// which line a row is on.
struct File {
    header: &'static str,
    lines: Vec<String>,
}

impl File {
    fn new(header: &'static str) -> File {
        File {
            header,
            lines: Vec::new(),
        }
    }

    /// Adds a line and returns its line number in the file (header = 1).
    fn add(&mut self, line: impl Into<String>) -> u64 {
        self.lines.push(line.into());
        self.lines.len() as u64 + 1
    }

    fn write(&self, dir: &Path, name: &str, bom: bool, crlf: bool) {
        let end = if crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        if bom {
            text.push('\u{feff}');
        }
        text.push_str(self.header);
        text.push_str(end);
        for l in &self.lines {
            text.push_str(l);
            text.push_str(end);
        }
        fs::write(dir.join(name), text).unwrap();
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    /// (file, line, column) of every line that must be rejected.
    rejects: BTreeSet<(&'static str, u64, Option<&'static str>)>,
}

/// Households and members on every boundary of the rules, as of
/// 2026-10-31 with a line of 7,600 yuan (760,000 fen a person).
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut rejects = BTreeSet::new();
    let mut hh =
        File::new("household_id,village_code,category,members,annual_net_income_fen,is_excluded");
    let mut add_hh = |id: i64, village: &str, cat: &str, m: u32, inc: i64, ex: u8| {
        hh.add(format!("{id},{village},{cat},{m},{inc},{ex}"))
    };
    // Exactly on the line (3 × 760,000) is not below it; one fen under is.
    add_hh(101, TOWN_A, "一般农户", 3, 2_280_000, 0);
    add_hh(102, TOWN_A, "一般农户", 3, 2_279_999, 0);
    add_hh(103, TOWN_A, "监测户", 1, 100, 0);
    add_hh(104, TOWN_A, "脱贫户", 2, 3_000_000, 0);
    add_hh(105, TOWN_A, "一般农户", 1, 10_000_000, 0);
    add_hh(106, TOWN_A, "一般农户", 1, 100_000_000, 0);
    add_hh(107, TOWN_A, "一般农户", 2, 3_000_000, 0);
    add_hh(108, TOWN_A, "一般农户", 4, 10_000_000, 0);
    add_hh(109, TOWN_A, "一般农户", 1, 10_000_000, 0);
    add_hh(110, TOWN_A, "一般农户", 1, 10_000_000, 0);
    add_hh(-5, TOWN_A, "一般农户", 1, 0, 0);
    add_hh(111, TOWN_B, "一般农户", 1, 10_000_000, 0);
    add_hh(112, TOWN_B, "脱贫户", 3, 10_000_000, 0);
    add_hh(113, TOWN_B, "脱贫户", 3, 10_000_000, 1);
    add_hh(114, TOWN_B, "一般农户", 4, 10_000_000, 0);
    add_hh(115, TOWN_B, "一般农户", 2, 0, 1);
    add_hh(116, TOWN_B, "一般农户", 2, 10_000_000, 0);
    add_hh(117, TOWN_B, "一般农户", 2, 0, 1);
    add_hh(9_000_000_000_000_000_000, TOWN_B, "一般农户", 1, 0, 0);
    // The first row of an id stands: were this one read, 101 would be
    // below the line.
    let dup = add_hh(101, TOWN_A, "一般农户", 3, 0, 0);
    rejects.insert(("households.csv", dup, Some("household_id")));
    let bad = add_hh(120, "52240110020", "一般农户", 3, 0, 0);
    rejects.insert(("households.csv", bad, Some("village_code")));
    let bad = add_hh(121, TOWN_A, "贫困户", 3, 0, 0);
    rejects.insert(("households.csv", bad, Some("category")));
    let bad = add_hh(122, TOWN_A, "一般农户", 0, 0, 0);
    rejects.insert(("households.csv", bad, Some("members")));
    let bad = add_hh(123, TOWN_A, "一般农户", 1, 0, 2);
    rejects.insert(("households.csv", bad, Some("is_excluded")));
    let bad = hh.add(format!("124,{TOWN_A},一般农户,1,0"));
    rejects.insert(("households.csv", bad, None));
    hh.write(dir.path(), "households.csv", true, false);

    let mut persons = File::new(
        "person_id,id_number,household_id,name,gender,birth_date,labor_capacity,relation",
    );
    let mut seq = 0;
    let mut person = |id: i64, household: i64, birth: &str, labour: &str| {
        seq += 1;
        persons.add(format!(
            "{id},{},{household},张某,男,{birth},{labour},户主",
            id_number(seq, birth)
        ))
    };
    let adult = "1980-01-01";
    for (id, h) in [(401, 104), (501, 105), (601, 106), (702, 107), (1001, 110)] {
        person(id, h, adult, "一般劳动力");
    }
    person(701, 107, adult, "一般劳动力");
    person(703, 107, adult, "一般劳动力");
    person(801, 108, adult, "一般劳动力");
    person(802, 108, adult, "弱劳动力");
    // Died exactly six months back: outside the window.
    person(901, 109, adult, "一般劳动力");
    for id in [1101, 1102, 1103] {
        person(id, 111, adult, "一般劳动力");
    }
    // Age exactly 6, and 15 the day before turning 16.
    person(1201, 112, "2020-10-31", "无劳动力");
    person(1301, 113, "2010-11-01", "弱劳动力");
    // 16 today, 5 until tomorrow, enrolled, dead, dropped out after A.
    person(1401, 114, "2010-10-31", "弱劳动力");
    person(1402, 114, "2020-11-01", "无劳动力");
    person(1403, 114, "2016-03-01", "无劳动力");
    person(1404, 114, "2016-03-01", "无劳动力");
    person(1405, 114, "2016-03-01", "无劳动力");
    // A leap-day birthday is 14 on 2026-10-31.
    person(1406, 114, "2012-02-29", "无劳动力");
    person(1701, 117, adult, "一般劳动力");
    person(1702, 117, "2015-05-05", "无劳动力");
    let unmatched_person = person(1900, 999, adult, "一般劳动力");
    let dup = person(401, 102, adult, "一般劳动力");
    rejects.insert(("persons.csv", dup, Some("person_id")));
    let bad = persons.add(format!(
        "1950,522401198001010010,104,李某,男,{adult},一般劳动力,户主"
    ));
    rejects.insert(("persons.csv", bad, Some("id_number")));
    let bad = persons.add(format!(
        "1951,{},104,李某,未知,{adult},一般劳动力,户主",
        id_number(951, adult)
    ));
    rejects.insert(("persons.csv", bad, Some("gender")));
    let bad = persons.add(format!(
        "1952,{},104,,男,{adult},一般劳动力,户主",
        id_number(952, adult)
    ));
    rejects.insert(("persons.csv", bad, Some("name")));
    let bad = persons.add(format!(
        "1953,{},104,李某,男,2026-02-29,一般劳动力,户主",
        id_number(953, adult)
    ));
    rejects.insert(("persons.csv", bad, Some("birth_date")));
    persons.write(dir.path(), "persons.csv", false, false);
    let _ = unmatched_person;

    let mut deaths = File::new("person_id,death_date");
    for (id, on) in [
        (701, "2026-01-01"),
        // After A: still alive on A, so the claim counts.
        (703, "2026-11-05"),
        (801, "2026-05-01"),
        (802, "2026-06-01"),
        (901, "2026-04-30"),
        (1404, "2026-01-01"),
        (1701, "2026-06-01"),
        (9999, "2026-06-01"),
    ] {
        deaths.add(format!("{id},{on}"));
    }
    deaths.add("");
    let bad = deaths.add("801,2026-13-01");
    rejects.insert(("deaths.csv", bad, Some("death_date")));
    deaths.write(dir.path(), "deaths.csv", false, false);

    let mut claims = File::new("person_id,claim_date,total_cost_fen,self_pay_fen");
    let mut claim = |id: i64, on: &str, self_pay: i64| {
        claims.add(format!("{id},{on},{},{self_pay}", self_pay + 1_000))
    };
    // Exactly 12 months back is outside, the day after inside, after A
    // never counts.
    claim(401, "2025-10-31", 999_999);
    claim(401, "2025-11-01", 1_500_000);
    claim(401, "2026-11-01", 5_000_000);
    claim(501, "2026-06-01", 2_000_000);
    claim(601, "2026-10-31", 2_000_001);
    claim(701, "2026-02-01", 2_000_000);
    claim(702, "2026-03-01", 100);
    claim(703, "2026-03-01", 1_600_000);
    claim(1701, "2026-01-01", 9_000_000);
    claim(9999, "2026-01-01", 100);
    let bad = claims.add("abc,2026-01-01,100,10");
    rejects.insert(("medical_claims.csv", bad, Some("person_id")));
    let bad = claims.add("601,2026-02-30,100,10");
    rejects.insert(("medical_claims.csv", bad, Some("claim_date")));
    let bad = claims.add("601,2026-01-01,100,200");
    rejects.insert(("medical_claims.csv", bad, Some("self_pay_fen")));
    let bad = claims.add("601,2026-01-01,-100,0");
    rejects.insert(("medical_claims.csv", bad, Some("total_cost_fen")));
    let bad = claims.add("601,2026-01-01,100");
    rejects.insert(("medical_claims.csv", bad, None));
    let bad = claims.add("601,2026-01-01,100,10,5");
    rejects.insert(("medical_claims.csv", bad, None));
    let bad = claims.add("6010000000000000000000,2026-01-01,100,10");
    rejects.insert(("medical_claims.csv", bad, Some("person_id")));
    claims.write(dir.path(), "medical_claims.csv", false, false);

    let mut civil = File::new("person_id,kind,start_date,amount_fen");
    civil.add("702,低保,2026-01-01,50000");
    let bad = civil.add("702,低保户,2026-01-01,50000");
    rejects.insert(("civil_affairs.csv", bad, Some("kind")));
    civil.write(dir.path(), "civil_affairs.csv", false, false);

    let mut disability = File::new("person_id,level,category,certified_date");
    for (id, level, on) in [
        (1001, 2, "2026-05-01"),
        (1101, 1, "2026-04-30"),
        (1102, 3, "2026-06-01"),
        (1103, 1, "2026-11-01"),
        (1702, 1, "2026-06-01"),
    ] {
        disability.add(format!("{id},{level},肢体,{on}"));
    }
    let bad = disability.add("1001,5,肢体,2026-05-01");
    rejects.insert(("disability.csv", bad, Some("level")));
    disability.write(dir.path(), "disability.csv", false, false);

    let mut education = File::new("person_id,school_status,updated_date");
    for (id, status, on) in [
        (1201, "辍学", "2026-09-01"),
        (1301, "辍学", "2026-09-01"),
        (1401, "辍学", "2026-09-01"),
        (1402, "辍学", "2026-09-01"),
        (1403, "在读", "2026-09-01"),
        (1404, "辍学", "2026-09-01"),
        (1405, "辍学", "2026-11-02"),
        (1406, "休学", "2026-09-01"),
    ] {
        education.add(format!("{id},{status},{on}"));
    }
    let bad = education.add("1403,退学,2026-09-01");
    rejects.insert(("education.csv", bad, Some("school_status")));
    // Saved on Windows: BOM and CRLF read alike.
    education.write(dir.path(), "education.csv", true, true);

    let mut housing = File::new("household_id,safety_grade,assessed_date");
    for (id, grade, on) in [
        (115, "C", "2025-11-01"),
        (116, "D", "2025-10-31"),
        (116, "B", "2026-10-01"),
        (116, "D", "2026-11-01"),
        (117, "A", "2026-10-01"),
        (998, "D", "2026-01-01"),
    ] {
        housing.add(format!("{id},{grade},{on}"));
    }
    let bad = housing.add("116,E,2026-01-01");
    rejects.insert(("housing.csv", bad, Some("safety_grade")));
    housing.write(dir.path(), "housing.csv", false, false);

    Fixture { dir, rejects }
}

fn screen(dir: &Path, as_of: &str) -> Screening {
    contract::run(dir, d(as_of), LINE_FEN, &RuleSet::contract(), 2).unwrap()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

#[test]
fn every_boundary_of_the_contract() {
    let f = fixture();
    let s = screen(f.dir.path(), "2026-10-31");
    let out = tempfile::tempdir().unwrap();
    contract::write_outputs(&s, out.path()).unwrap();
    assert_eq!(
        read(&out.path().join("warnings.csv")),
        "household_id,reason\n\
         -5,income_below_line\n\
         102,income_below_line\n\
         104,post_shock_income\n\
         106,medical_burden\n\
         107,medical_burden\n\
         107,post_shock_income\n\
         108,labor_death\n\
         110,new_disability\n\
         112,dropout\n\
         113,dropout\n\
         115,unsafe_housing\n\
         9000000000000000000,income_below_line\n"
    );
    assert_eq!(
        read(&out.path().join("summary.csv")),
        "town_code,reason,households\n\
         522401100,income_below_line,2\n\
         522401100,labor_death,1\n\
         522401100,medical_burden,2\n\
         522401100,new_disability,1\n\
         522401100,post_shock_income,2\n\
         522401101,dropout,2\n\
         522401101,income_below_line,1\n\
         522401101,unsafe_housing,1\n"
    );
}

/// Each warning's explanation by household id and reason.
fn explanations(s: &Screening) -> BTreeMap<(i64, String), String> {
    s.hits
        .iter()
        .map(|&hit| {
            let code = s.plan.rules()[hit.rule].code.clone();
            let text = s.plan.explain(&s.registry, &s.tally, hit).unwrap();
            ((s.registry.household_id(hit.household), code), text)
        })
        .collect()
}

#[test]
fn every_warning_is_explained_with_the_numbers_compared_or_its_row() {
    let f = fixture();
    let s = screen(f.dir.path(), "2026-10-31");
    let e = explanations(&s);
    let of = |id: i64, code: &str| e[&(id, code.to_string())].as_str();
    assert_eq!(
        of(-5, "income_below_line"),
        "家庭年纯收入 0.00元，1人，人均 0.00元 < 监测收入线 7,600.00元（即家庭年纯收入 0.00元 < 7,600.00元）"
    );
    assert_eq!(
        of(106, "medical_burden"),
        "近12个月自付医疗费 20,000.01元 > 20,000.00元"
    );
    assert_eq!(
        of(107, "medical_burden"),
        "近12个月自付医疗费 16,001.00元 > 家庭年纯收入 30,000.00元 的50%（15,000.00元）"
    );
    assert_eq!(
        of(104, "post_shock_income"),
        "家庭年纯收入 30,000.00元 ≥ 监测收入线合计 15,200.00元（2人），扣除近12个月自付医疗费 15,000.00元 后为 15,000.00元 < 15,200.00元"
    );
    assert_eq!(
        of(108, "labor_death"),
        "劳动力成员（编号 801）于 2026-05-01 死亡，在近6个月内"
    );
    assert_eq!(
        of(110, "new_disability"),
        "成员（编号 1001）2026-05-01 办理2级残疾证，在近6个月内"
    );
    assert_eq!(
        of(112, "dropout"),
        "成员（编号 1201）6周岁（6–15周岁），教育部门 2026-09-01 记录为辍学"
    );
    assert_eq!(
        of(115, "unsafe_housing"),
        "2025-11-01 房屋安全鉴定为C级，在近12个月内"
    );
    assert_eq!(e.len(), s.hits.len());
}

#[test]
fn rejects_name_file_line_and_column_and_lose_nothing() {
    let f = fixture();
    let s = screen(f.dir.path(), "2026-10-31");
    let found: BTreeSet<_> = s
        .files
        .iter()
        .flat_map(|f| &f.rejects)
        .map(|r| (r.file, r.line, r.column))
        .collect();
    assert_eq!(found, f.rejects);
    let by_file: HashMap<&str, _> = s.files.iter().map(|f| (f.file, f)).collect();
    // Every line is a row, a reject or both counted; blank lines are neither.
    assert_eq!(by_file["households.csv"].rows, 25);
    assert_eq!(by_file["households.csv"].rejected, 6);
    assert_eq!(by_file["persons.csv"].unmatched, 1);
    assert_eq!(by_file["deaths.csv"].rows, 9);
    assert_eq!(by_file["deaths.csv"].unmatched, 1);
    assert_eq!(by_file["medical_claims.csv"].unmatched, 1);
    assert_eq!(by_file["medical_claims.csv"].rejected, 7);
    assert_eq!(by_file["housing.csv"].unmatched, 1);
    assert!(s.files.iter().all(|f| f.present));

    let dup = s
        .files
        .iter()
        .flat_map(|f| &f.rejects)
        .find(|r| r.file == "persons.csv" && r.column == Some("person_id"))
        .unwrap();
    assert!(dup.to_string().contains("401"), "{dup}");
    let number = s
        .files
        .iter()
        .flat_map(|f| &f.rejects)
        .find(|r: &&Reject| r.column == Some("id_number"))
        .unwrap();
    assert!(number.reason.contains("校验位"), "{number}");
    assert!(
        !number.to_string().contains("522401198001010010"),
        "an ID number never appears in a message"
    );

    let out = tempfile::tempdir().unwrap();
    contract::write_outputs(&s, out.path()).unwrap();
    let rejected = read(&out.path().join("rejected.csv"));
    assert_eq!(rejected.lines().count(), f.rejects.len() + 1);
    assert!(rejected.starts_with("file,line,column,reason\n"));
}

#[test]
fn a_missing_registry_or_a_wrong_header_stops_the_run() {
    let f = fixture();
    fs::remove_file(f.dir.path().join("deaths.csv")).unwrap();
    let s = screen(f.dir.path(), "2026-10-31");
    assert!(
        !s.files
            .iter()
            .find(|f| f.file == "deaths.csv")
            .unwrap()
            .present
    );

    fs::write(
        f.dir.path().join("housing.csv"),
        "household_id,grade,assessed_date\n",
    )
    .unwrap();
    let err = contract::run(
        f.dir.path(),
        d("2026-10-31"),
        LINE_FEN,
        &RuleSet::contract(),
        1,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("housing.csv 第 1 行表头不符"), "{err}");

    fs::remove_file(f.dir.path().join("persons.csv")).unwrap();
    let err = contract::run(
        f.dir.path(),
        d("2026-10-31"),
        LINE_FEN,
        &RuleSet::contract(),
        1,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains("缺少必需的文件") && err.contains("persons.csv"),
        "{err}"
    );
}

#[test]
fn windows_clamp_to_month_ends_and_leap_days() {
    // A = 2028-02-29: 12 months back clamps to 2027-02-28, 6 months back is
    // 2027-08-29.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::write(
        p.join("households.csv"),
        format!(
            "household_id,village_code,category,members,annual_net_income_fen,is_excluded\n\
             1,{TOWN_A},一般农户,1,1000000,0\n\
             2,{TOWN_A},一般农户,1,1000000,0\n\
             3,{TOWN_A},一般农户,1,100000000,0\n\
             4,{TOWN_A},一般农户,1,100000000,0\n"
        ),
    )
    .unwrap();
    fs::write(
        p.join("persons.csv"),
        format!(
            "person_id,id_number,household_id,name,gender,birth_date,labor_capacity,relation\n\
             10,{},1,甲,男,1980-01-01,一般劳动力,户主\n\
             20,{},2,乙,女,1980-01-01,一般劳动力,户主\n\
             30,{},3,丙,女,2012-02-29,无劳动力,子女\n\
             40,{},4,丁,女,2012-03-01,无劳动力,子女\n",
            id_number(1, "1980-01-01"),
            id_number(2, "1980-01-01"),
            id_number(3, "2012-02-29"),
            id_number(4, "2012-03-01"),
        ),
    )
    .unwrap();
    fs::write(
        p.join("medical_claims.csv"),
        "person_id,claim_date,total_cost_fen,self_pay_fen\n\
         10,2027-02-28,900000,900000\n\
         20,2027-03-01,900000,900000\n",
    )
    .unwrap();
    // Born on a leap day: 16 on 2028-02-29, so out of the 6–15 range; born
    // the day after: still 15.
    fs::write(
        p.join("education.csv"),
        "person_id,school_status,updated_date\n30,辍学,2028-01-01\n40,辍学,2028-01-01\n",
    )
    .unwrap();
    let s = screen(p, "2028-02-29");
    let codes: Vec<&str> = s.plan.rules().iter().map(|r| r.code.as_str()).collect();
    let warnings: Vec<(i64, &str)> = s
        .warnings()
        .into_iter()
        .map(|(h, r)| (h, codes[r]))
        .collect();
    assert_eq!(
        warnings,
        vec![
            (2, "medical_burden"),
            (2, "post_shock_income"),
            (4, "dropout")
        ]
    );
}

// A plain reading of the rules, row by row, for generated counties.
fn reference(dir: &Path, as_of: Date, line: i64) -> BTreeSet<(i64, &'static str)> {
    let rows = |name: &str| -> Vec<Vec<String>> {
        read(&dir.join(name))
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    };
    let back = |months: u32| as_of.minus_months(months).unwrap();
    let within = |on: Date, months: u32| on > back(months) && on <= as_of;
    struct Hh {
        cat: String,
        m: i64,
        inc: i64,
        ex: bool,
    }
    let mut households: BTreeMap<i64, Hh> = BTreeMap::new();
    for r in rows("households.csv") {
        households.entry(r[0].parse().unwrap()).or_insert(Hh {
            cat: r[2].clone(),
            m: r[3].parse().unwrap(),
            inc: r[4].parse().unwrap(),
            ex: r[5] == "1",
        });
    }
    let mut persons: HashMap<i64, (i64, Date, String)> = HashMap::new();
    for r in rows("persons.csv") {
        let h: i64 = r[2].parse().unwrap();
        if households.contains_key(&h) {
            persons
                .entry(r[0].parse().unwrap())
                .or_insert((h, d(&r[5]), r[6].clone()));
        }
    }
    let mut died: Vec<(i64, Date)> = Vec::new();
    for r in rows("deaths.csv") {
        died.push((r[0].parse().unwrap(), d(&r[1])));
    }
    let dead: BTreeSet<i64> = died
        .iter()
        .filter(|&&(_, on)| on <= as_of)
        .map(|&(p, _)| p)
        .collect();
    let living = |p: i64| !dead.contains(&p);
    let mut sp12: HashMap<i64, i64> = HashMap::new();
    for r in rows("medical_claims.csv") {
        let p: i64 = r[0].parse().unwrap();
        if let Some(&(h, _, _)) = persons.get(&p)
            && living(p)
            && within(d(&r[1]), 12)
        {
            *sp12.entry(h).or_default() += r[3].parse::<i64>().unwrap();
        }
    }
    let mut out = BTreeSet::new();
    for r in rows("disability.csv") {
        let p: i64 = r[0].parse().unwrap();
        if let Some(&(h, _, _)) = persons.get(&p)
            && living(p)
            && r[1].parse::<u8>().unwrap() <= 2
            && within(d(&r[3]), 6)
            && !households[&h].ex
        {
            out.insert((h, "new_disability"));
        }
    }
    for r in rows("education.csv") {
        let p: i64 = r[0].parse().unwrap();
        if let Some(&(h, birth, _)) = persons.get(&p)
            && living(p)
            && r[1] == "辍学"
            && d(&r[2]) <= as_of
            && birth.age_on(as_of).is_some_and(|a| (6..=15).contains(&a))
        {
            out.insert((h, "dropout"));
        }
    }
    for r in rows("housing.csv") {
        let h: i64 = r[0].parse().unwrap();
        if households.contains_key(&h) && (r[1] == "C" || r[1] == "D") && within(d(&r[2]), 12) {
            out.insert((h, "unsafe_housing"));
        }
    }
    for &(p, on) in &died {
        if let Some((h, _, labour)) = persons.get(&p)
            && labour == "一般劳动力"
            && within(on, 6)
            && !households[h].ex
        {
            out.insert((*h, "labor_death"));
        }
    }
    for (&id, h) in &households {
        if h.ex {
            continue;
        }
        let sp = sp12.get(&id).copied().unwrap_or(0);
        let line = line * h.m;
        if h.cat != "监测户" && h.inc < line {
            out.insert((id, "income_below_line"));
        }
        if 2 * sp > h.inc || sp > 2_000_000 {
            out.insert((id, "medical_burden"));
        }
        if h.inc >= line && h.inc - sp < line {
            out.insert((id, "post_shock_income"));
        }
    }
    out
}

#[test]
fn generated_counties_match_a_plain_reading_of_the_rules() {
    let mut seen = BTreeSet::new();
    for (sf, as_of, seed, line_fen) in [
        (0.02, "2026-10-31", 1, LINE_FEN),
        (0.03, "2024-02-29", 7, 500_000),
        (0.02, "2025-12-31", 42, 1_000_000),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let as_of = d(as_of);
        generate::generate(dir.path(), sf, as_of, seed).unwrap();
        let mut explained = Vec::new();
        for threads in [1, 3] {
            let s =
                contract::run(dir.path(), as_of, line_fen, &RuleSet::contract(), threads).unwrap();
            explained.push(explanations(&s));
            assert_eq!(s.rejected(), 0);
            let codes: Vec<&str> = s.plan.rules().iter().map(|r| r.code.as_str()).collect();
            let found: BTreeSet<(i64, &str)> = s
                .warnings()
                .into_iter()
                .map(|(h, r)| (h, codes[r]))
                .collect();
            let expected = reference(dir.path(), as_of, line_fen);
            assert!(!expected.is_empty());
            seen.extend(expected.iter().map(|&(_, c)| c));
            assert_eq!(found, expected, "seed {seed}, {threads} threads");
        }
        // However the rows are split over threads, the same row explains.
        assert_eq!(explained[0], explained[1], "seed {seed}");
    }
    // Every rule is exercised somewhere, or the comparison proves little.
    for code in RuleSet::contract().rules.iter().map(|r| r.code.as_str()) {
        assert!(seen.contains(code), "the generator gives no {code}");
    }
}
