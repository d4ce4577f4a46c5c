//! The `dixian screen` file contract: eight CSV files in, `warnings.csv` and
//! `summary.csv` out, byte for byte as specified so any engine can be
//! compared with this one. See `docs/screening.md`.

use crate::date::Date;
use crate::engine::{
    Hit, HouseholdRow, InHousehold, Person, Plan, PlanError, Registry, Tally, TownCode,
};
use crate::fields::{Format, Source, for_each_row, parse_int, shown};
use crate::rules::{Assistance, Category, Grade, Labour, RuleSet, Schooling};
use crate::scan::{self, Chunk, ChunkLog};
use crate::table::{BATCH, IdTable, Packed};
use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How many rejects of one file are listed; all are counted.
pub const LISTED_REJECTS: usize = 1000;

/// One input file of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    pub file: &'static str,
    pub columns: &'static [&'static str],
    /// Whether the run can go without it (feeds can; the registry cannot).
    pub optional: bool,
}

pub const HOUSEHOLDS: Input = Input {
    file: "households.csv",
    columns: &[
        "household_id",
        "village_code",
        "category",
        "members",
        "annual_net_income_fen",
        "is_excluded",
    ],
    optional: false,
};
pub const PERSONS: Input = Input {
    file: "persons.csv",
    columns: &[
        "person_id",
        "id_number",
        "household_id",
        "name",
        "gender",
        "birth_date",
        "labor_capacity",
        "relation",
    ],
    optional: false,
};
pub const DEATHS: Input = Input {
    file: "deaths.csv",
    columns: &["person_id", "death_date"],
    optional: true,
};
pub const MEDICAL_CLAIMS: Input = Input {
    file: "medical_claims.csv",
    columns: &["person_id", "claim_date", "total_cost_fen", "self_pay_fen"],
    optional: true,
};
pub const CIVIL_AFFAIRS: Input = Input {
    file: "civil_affairs.csv",
    columns: &["person_id", "kind", "start_date", "amount_fen"],
    optional: true,
};
pub const DISABILITY: Input = Input {
    file: "disability.csv",
    columns: &["person_id", "level", "category", "certified_date"],
    optional: true,
};
pub const EDUCATION: Input = Input {
    file: "education.csv",
    columns: &["person_id", "school_status", "updated_date"],
    optional: true,
};
pub const HOUSING: Input = Input {
    file: "housing.csv",
    columns: &["household_id", "safety_grade", "assessed_date"],
    optional: true,
};

pub const INPUTS: [Input; 8] = [
    HOUSEHOLDS,
    PERSONS,
    DEATHS,
    MEDICAL_CLAIMS,
    CIVIL_AFFAIRS,
    DISABILITY,
    EDUCATION,
    HOUSING,
];

/// A rejected line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub file: &'static str,
    pub line: u64,
    pub column: Option<&'static str>,
    pub reason: String,
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(c) => write!(
                f,
                "{} 第 {} 行 {} 列：{}",
                self.file, self.line, c, self.reason
            ),
            None => write!(f, "{} 第 {} 行：{}", self.file, self.line, self.reason),
        }
    }
}

/// What became of one input file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub file: &'static str,
    pub present: bool,
    /// Non-blank data lines.
    pub rows: u64,
    pub rejected: u64,
    /// Well-formed rows naming a person or household not in the registry.
    pub unmatched: u64,
    /// The first rejects, by line.
    pub rejects: Vec<Reject>,
    /// Time from opening the file to folding in its last row.
    pub elapsed: Duration,
    started: Instant,
}

impl Default for FileReport {
    fn default() -> FileReport {
        FileReport {
            file: "",
            present: false,
            rows: 0,
            rejected: 0,
            unmatched: 0,
            rejects: Vec::new(),
            elapsed: Duration::ZERO,
            started: Instant::now(),
        }
    }
}

/// Why a run could not complete.
#[derive(Debug)]
pub enum ScreenError {
    Missing(PathBuf),
    Header {
        file: &'static str,
        expected: String,
        found: String,
    },
    Io(PathBuf, io::Error),
    Plan(PlanError),
}

impl fmt::Display for ScreenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScreenError::Missing(p) => write!(f, "缺少必需的文件 {}", p.display()),
            ScreenError::Header {
                file,
                expected,
                found,
            } => write!(
                f,
                "{file} 第 1 行表头不符：应为 “{expected}”，实为 “{found}”"
            ),
            ScreenError::Io(p, e) => write!(f, "读写 {} 失败：{e}", p.display()),
            ScreenError::Plan(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ScreenError {}

/// A finished run: the warnings and what each file contributed.
pub struct Screening {
    pub registry: Registry,
    pub plan: Plan,
    pub tally: Tally,
    pub files: Vec<FileReport>,
    /// Every warning, households in file order.
    pub hits: Vec<Hit>,
}

impl Screening {
    pub fn rejected(&self) -> u64 {
        self.files.iter().map(|f| f.rejected).sum()
    }

    /// `(household_id, rule)` pairs sorted by id, then reason.
    pub fn warnings(&self) -> Vec<(i64, usize)> {
        let mut rows: Vec<_> = self
            .hits
            .iter()
            .map(|h| (self.registry.household_id(h.household), h.rule))
            .collect();
        rows.sort_unstable();
        rows
    }

    /// `(town_code, rule, households)` groups, sorted.
    pub fn summary(&self) -> Vec<(TownCode, usize, u64)> {
        let mut groups: HashMap<(TownCode, usize), u64> = HashMap::new();
        for hit in &self.hits {
            *groups
                .entry((self.registry.town_of(hit.household), hit.rule))
                .or_default() += 1;
        }
        let mut rows: Vec<_> = groups.into_iter().map(|((t, r), n)| (t, r, n)).collect();
        rows.sort_unstable();
        rows
    }
}

/// The rows of one range, and the line of each.
struct Rows<R> {
    lines: Vec<u64>,
    rows: Vec<R>,
}

impl<R> Rows<R> {
    fn with_capacity(n: usize) -> Rows<R> {
        Rows {
            lines: Vec::with_capacity(n),
            rows: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, line: u64, row: R) {
        self.lines.push(line);
        self.rows.push(row);
    }
}

/// Every row of a range with its line number.
fn rows_of<F: Format>(region: &[u8], log: &mut ChunkLog) -> Rows<F::Row> {
    // Sized for short lines up front: growing a large vector moves it and
    // unmaps the old one, which stalls the other workers too.
    let mut rows = Rows::with_capacity(region.len() / 32);
    for_each_row::<F>(region, log, LISTED_REJECTS, |n, row| {
        rows.push(n, row);
        Ok(())
    });
    rows
}

/// Runs `rules` over the contract files in `input` on `threads` workers.
pub fn run(
    input: &Path,
    as_of: Date,
    line_fen: i64,
    rules: &RuleSet,
    threads: usize,
) -> Result<Screening, ScreenError> {
    let plan = Plan::new(&rules.rules, as_of, line_fen).map_err(ScreenError::Plan)?;
    let threads = threads.max(1);
    let units = || vec![(); threads];
    let mut registry = Registry::new(as_of);
    let mut files = Vec::new();

    let (_, chunks, mut report) = read(input, HOUSEHOLDS, units(), |_, region, log| {
        rows_of::<Households>(region, log)
    })?;
    let slices: Vec<&[HouseholdRow]> = chunks.iter().map(|c| c.value.rows.as_slice()).collect();
    for (c, i) in registry.load_households(&slices, threads) {
        let chunk = &chunks[c];
        let id = chunk.value.rows[i].id;
        report.add(duplicate(
            HOUSEHOLDS,
            chunk.first_line + chunk.value.lines[i],
            id,
        ));
    }
    drop(slices);
    drop(chunks);
    files.push(report.done());

    let households = registry.household_table();
    let (_, chunks, mut report) = read(input, PERSONS, units(), |_, region, log| {
        // Rows are matched to their households a batch at a time as they
        // are read, and handed out already split by the worker that will
        // load each into the person table.
        let mut persons: Vec<Rows<(i64, Person)>> = (0..threads)
            .map(|_| Rows::with_capacity(region.len() / 96 / threads + 16))
            .collect();
        let mut batch: Vec<(u64, PersonRow)> = Vec::with_capacity(BATCH);
        let mut keys: Vec<i64> = Vec::with_capacity(BATCH);
        let mut unmatched = 0;
        let mut flush = |batch: &mut Vec<(u64, PersonRow)>, keys: &mut Vec<i64>| {
            keys.clear();
            keys.extend(batch.iter().map(|(_, p)| p.household_id));
            households.get_batch(keys, |i, h| {
                let (n, p) = batch[i];
                match h {
                    Some(h) => persons[Registry::person_owner(p.id, threads)]
                        .push(n, (p.id, registry.person(h, p.birth, p.labour))),
                    None => unmatched += 1,
                }
            });
            batch.clear();
        };
        for_each_row::<Persons>(region, log, LISTED_REJECTS, |n, row| {
            batch.push((n, row));
            if batch.len() == BATCH {
                flush(&mut batch, &mut keys);
            }
            Ok(())
        });
        flush(&mut batch, &mut keys);
        log.unmatched += unmatched;
        persons
    })?;
    let lists: Vec<Vec<&[(i64, Person)]>> = (0..threads)
        .map(|t| chunks.iter().map(|c| c.value[t].rows.as_slice()).collect())
        .collect();
    for (t, c, i) in registry.load_persons(&lists, threads) {
        let (chunk, rows) = (&chunks[c], &chunks[c].value[t]);
        report.add(duplicate(
            PERSONS,
            chunk.first_line + rows.lines[i],
            rows.rows[i].0,
        ));
    }
    drop(lists);
    drop(chunks);
    files.push(report.done());

    let mut tally = plan.tally(&registry);
    let (_, chunks, mut report) = read(input, DEATHS, units(), |_, region, log| {
        rows_of::<Deaths>(region, log)
    })?;
    for chunk in chunks {
        for (id, on) in chunk.value.rows {
            match registry.record_death(id, on) {
                Some(before) => plan.death(&mut tally, id, before, on),
                None => report.unmatched += 1,
            }
        }
    }
    files.push(report.done());

    let persons = registry.person_table();
    let households = registry.household_table();
    let mut tallies: Vec<Tally> = (0..threads).map(|_| plan.tally(&registry)).collect();
    let mut feed_report = |report: FileReport, tallies: &mut Vec<Tally>| {
        let mut report = report;
        for t in tallies.iter_mut() {
            report.unmatched += std::mem::take(&mut t.unmatched);
        }
        files.push(report.done());
    };
    let (t, r) = feed::<Claims, _, _>(
        input,
        MEDICAL_CLAIMS,
        tallies,
        persons,
        |t, _, (on, fen), p| plan.claim(t, p, on, fen),
    )?;
    tallies = t;
    feed_report(r, &mut tallies);
    let (t, r) = feed::<CivilAffairs, _, _>(
        input,
        CIVIL_AFFAIRS,
        tallies,
        persons,
        |t, key, (k, on), p| plan.assistance(t, key, p, k, on),
    )?;
    tallies = t;
    feed_report(r, &mut tallies);
    let (t, r) =
        feed::<Disability, _, _>(input, DISABILITY, tallies, persons, |t, key, (l, on), p| {
            plan.disability(t, key, p, l, on)
        })?;
    tallies = t;
    feed_report(r, &mut tallies);
    let (t, r) =
        feed::<Education, _, _>(input, EDUCATION, tallies, persons, |t, key, (s, on), p| {
            plan.schooling(t, key, p, s, on)
        })?;
    tallies = t;
    feed_report(r, &mut tallies);
    let (t, r) =
        feed::<Housing, _, _>(input, HOUSING, tallies, households, |t, key, (g, on), h| {
            plan.housing(t, key, h, g, on)
        })?;
    tallies = t;
    feed_report(r, &mut tallies);
    for t in &tallies {
        tally.merge(t);
    }
    let hits = plan.evaluate(&registry, &tally);
    Ok(Screening {
        registry,
        plan,
        tally,
        files,
        hits,
    })
}

/// Reads a feed, matching each row's id in `table` a batch at a time and
/// folding it into the worker's tally with `apply`.
fn feed<F, R, V>(
    dir: &Path,
    input: Input,
    tallies: Vec<Tally>,
    table: &IdTable<V>,
    apply: impl Fn(&mut Tally, i64, R, Option<V>) + Sync,
) -> Result<(Vec<Tally>, FileReport), ScreenError>
where
    F: Format<Row = (i64, R)>,
    R: Copy,
    V: Packed + Sync + InHousehold,
{
    let (tallies, _, report) = read(dir, input, tallies, |t, region, log| {
        let mut keys = Vec::with_capacity(BATCH);
        let mut rows = Vec::with_capacity(BATCH);
        let mut found = Vec::with_capacity(BATCH);
        // Both the table and the tallies are too big for the caches: look
        // the batch up, then touch the tally entries it will add to, and
        // only then add, so neither wave of misses is waited out one by one.
        let mut flush = |t: &mut Tally, keys: &mut Vec<i64>, rows: &mut Vec<R>| {
            found.clear();
            table.get_batch(keys, |_, v| found.push(v));
            t.touch(found.iter().flatten().map(|v| v.household()));
            for ((&key, &row), &v) in keys.iter().zip(rows.iter()).zip(&found) {
                apply(t, key, row, v);
            }
            keys.clear();
            rows.clear();
        };
        for_each_row::<F>(region, log, LISTED_REJECTS, |_, (key, row)| {
            keys.push(key);
            rows.push(row);
            if keys.len() == BATCH {
                flush(t, &mut keys, &mut rows);
            }
            Ok(())
        });
        flush(t, &mut keys, &mut rows);
    })?;
    Ok((tallies, report))
}

/// What reading a file gives back: the workers' states, each range's
/// result, and the file's report.
type Read<S, R> = (Vec<S>, Vec<Chunk<R>>, FileReport);

/// Reads one input file, checking its header first.
fn read<S: Send, R: Send>(
    dir: &Path,
    input: Input,
    states: Vec<S>,
    work: impl Fn(&mut S, &[u8], &mut ChunkLog) -> R + Sync,
) -> Result<Read<S, R>, ScreenError> {
    let path = dir.join(input.file);
    let mut report = FileReport {
        file: input.file,
        ..FileReport::default()
    };
    if !path.is_file() {
        if input.optional {
            return Ok((states, Vec::new(), report));
        }
        return Err(ScreenError::Missing(path));
    }
    report.present = true;
    let io_error = |e| ScreenError::Io(path.clone(), e);
    let (found, data_start) = scan::header(&path).map_err(io_error)?;
    let expected = input.columns.join(",");
    if found != expected {
        return Err(ScreenError::Header {
            file: input.file,
            expected,
            found,
        });
    }
    let (states, chunks) = scan::scan(&path, data_start, 2, states, work).map_err(io_error)?;
    for c in &chunks {
        report.rows += c.log.rows;
        report.rejected += c.log.rejected;
        report.unmatched += c.log.unmatched;
        for (n, bad) in &c.log.rejects {
            if report.rejects.len() < LISTED_REJECTS {
                report.rejects.push(Reject {
                    file: input.file,
                    line: c.first_line + n,
                    column: bad.column,
                    reason: bad.reason.clone(),
                });
            }
        }
    }
    Ok((states, chunks, report))
}

fn duplicate(input: Input, line: u64, id: i64) -> Reject {
    Reject {
        file: input.file,
        line,
        column: Some(input.columns[0]),
        reason: format!("编号 {id} 与前面的行重复，以首次出现的为准"),
    }
}

impl FileReport {
    fn add(&mut self, reject: Reject) {
        self.rejected += 1;
        if self.rejects.len() < LISTED_REJECTS {
            self.rejects.push(reject);
        }
    }

    fn done(mut self) -> FileReport {
        self.rejects.sort_by_key(|r| r.line);
        self.elapsed = self.started.elapsed();
        self
    }
}

struct Households;
impl Format for Households {
    type Row = HouseholdRow;
    const COLUMNS: &'static [&'static str] = HOUSEHOLDS.columns;

    fn parse<'a, S: Source<'a>>(f: &mut S) -> Result<HouseholdRow, S::Error> {
        let id = f.int()?;
        let (code, col) = f.field()?;
        let town = match code {
            [t @ .., _, _, _] if code.len() == 12 && code.iter().all(u8::is_ascii_digit) => {
                TownCode::try_from(t).map_err(|_| f.bad(col, || "村代码应为 12 位数字".into()))?
            }
            _ => {
                return Err(f.bad(col, || {
                    format!("村代码应为 12 位数字，实为 {}", shown(code))
                }));
            }
        };
        let category = f.one_of(Category::from_name, "脱贫户/一般农户/监测户")?;
        let (m, col) = f.field()?;
        let members = match parse_int(m) {
            Some(v @ 1..=999) => v as u32,
            _ => {
                return Err(f.bad(col, || {
                    format!("家庭人口应为 1–999 的整数，实为 {}", shown(m))
                }));
            }
        };
        let income_fen = f.int()?;
        let excluded = f.one_of(
            |s| match s {
                b"0" => Some(false),
                b"1" => Some(true),
                _ => None,
            },
            "0/1",
        )?;
        f.end()?;
        Ok(HouseholdRow {
            id,
            town,
            category,
            members,
            income_fen,
            excluded,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct PersonRow {
    id: i64,
    household_id: i64,
    birth: Date,
    labour: Labour,
}

struct Persons;
impl Format for Persons {
    type Row = PersonRow;
    const COLUMNS: &'static [&'static str] = PERSONS.columns;

    fn parse<'a, S: Source<'a>>(f: &mut S) -> Result<PersonRow, S::Error> {
        let id = f.int()?;
        let (number, col) = f.field()?;
        id_number(number).map_err(|reason| f.bad(col, || reason.into()))?;
        let household_id = f.int()?;
        f.text()?;
        f.one_of(
            |s| (s == "男".as_bytes() || s == "女".as_bytes()).then_some(()),
            "男/女",
        )?;
        let birth = f.date()?;
        let labour = f.one_of(Labour::from_name, "一般劳动力/弱劳动力/丧失劳动力/无劳动力")?;
        f.text()?;
        f.end()?;
        Ok(PersonRow {
            id,
            household_id,
            birth,
            labour,
        })
    }
}

/// The shape and check digit (GB 11643) of a citizen ID number; the number
/// itself never appears in a message.
fn id_number(s: &[u8]) -> Result<(), &'static str> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let [body @ .., last] = s else {
        return Err("身份证号不能为空");
    };
    if s.len() != 18 || !body.iter().all(u8::is_ascii_digit) {
        return Err("身份证号应为 18 位（前 17 位为数字）");
    }
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    if CHECK[(sum % 11) as usize] != last.to_ascii_uppercase() {
        return Err("身份证号校验位不正确");
    }
    Ok(())
}

struct Deaths;
impl Format for Deaths {
    type Row = (i64, Date);
    const COLUMNS: &'static [&'static str] = DEATHS.columns;

    fn parse<'a, S: Source<'a>>(f: &mut S) -> Result<(i64, Date), S::Error> {
        let row = (f.int()?, f.date()?);
        f.end()?;
        Ok(row)
    }
}

struct Claims;
impl Format for Claims {
    type Row = (i64, (Date, i64));
    const COLUMNS: &'static [&'static str] = MEDICAL_CLAIMS.columns;

    fn parse<'a, S: Source<'a>>(f: &mut S) -> Result<Self::Row, S::Error> {
        let (id, on, total, self_pay) = (f.int()?, f.date()?, f.amount()?, f.amount()?);
        f.end()?;
        if self_pay > total {
            return Err(f.bad("self_pay_fen", || "自付金额大于总费用".into()));
        }
        Ok((id, (on, self_pay)))
    }
}

struct CivilAffairs;
impl Format for CivilAffairs {
    type Row = (i64, (Assistance, Date));
    const COLUMNS: &'static [&'static str] = CIVIL_AFFAIRS.columns;

    fn parse<'a, S: Source<'a>>(f: &mut S) -> Result<Self::Row, S::Error> {
        let id = f.int()?;
        let kind = f.one_of(Assistance::from_name, "低保/特困/临时救助")?;
        let (on, _) = (f.date()?, f.amount()?);
        f.end()?;
        Ok((id, (kind, on)))
    }
}

struct Disability;
impl Format for Disability {
    type Row = (i64, (u8, Date));
    const COLUMNS: &'static [&'static str] = DISABILITY.columns;

    fn parse<'a, S: Source<'a>>(f: &mut S) -> Result<Self::Row, S::Error> {
        let id = f.int()?;
        let level = f.one_of(
            |s| match s {
                [d @ b'1'..=b'4'] => Some(d - b'0'),
                _ => None,
            },
            "1/2/3/4",
        )?;
        f.text()?;
        let on = f.date()?;
        f.end()?;
        Ok((id, (level, on)))
    }
}

struct Education;
impl Format for Education {
    type Row = (i64, (Schooling, Date));
    const COLUMNS: &'static [&'static str] = EDUCATION.columns;

    fn parse<'a, S: Source<'a>>(f: &mut S) -> Result<Self::Row, S::Error> {
        let id = f.int()?;
        let status = f.one_of(Schooling::from_name, "在读/辍学/休学")?;
        let on = f.date()?;
        f.end()?;
        Ok((id, (status, on)))
    }
}

struct Housing;
impl Format for Housing {
    type Row = (i64, (Grade, Date));
    const COLUMNS: &'static [&'static str] = HOUSING.columns;

    fn parse<'a, S: Source<'a>>(f: &mut S) -> Result<Self::Row, S::Error> {
        let id = f.int()?;
        let grade = f.one_of(Grade::from_name, "A/B/C/D")?;
        let on = f.date()?;
        f.end()?;
        Ok((id, (grade, on)))
    }
}

/// Writes `warnings.csv`, `summary.csv` and, when lines were rejected,
/// `rejected.csv` into `out`. Each file is written beside its name and
/// renamed into place, so a failed run leaves no half-written output.
pub fn write_outputs(s: &Screening, out: &Path) -> Result<(), ScreenError> {
    let io_error = |p: &Path| {
        let p = p.to_path_buf();
        move |e| ScreenError::Io(p, e)
    };
    fs::create_dir_all(out).map_err(io_error(out))?;
    let codes: Vec<&str> = s.plan.rules().iter().map(|r| r.code.as_str()).collect();
    write_file(&out.join("warnings.csv"), |w| {
        w.write_all(b"household_id,reason\n")?;
        for (id, rule) in s.warnings() {
            writeln!(w, "{id},{}", codes[rule])?;
        }
        Ok(())
    })?;
    write_file(&out.join("summary.csv"), |w| {
        w.write_all(b"town_code,reason,households\n")?;
        for (town, rule, n) in s.summary() {
            w.write_all(&town)?;
            writeln!(w, ",{},{n}", codes[rule])?;
        }
        Ok(())
    })?;
    let rejected = out.join("rejected.csv");
    if s.rejected() > 0 {
        write_file(&rejected, |w| {
            w.write_all(b"file,line,column,reason\n")?;
            for r in s.files.iter().flat_map(|f| &f.rejects) {
                let reason = r.reason.replace([',', '\n'], "，");
                writeln!(
                    w,
                    "{},{},{},{reason}",
                    r.file,
                    r.line,
                    r.column.unwrap_or("")
                )?;
            }
            Ok(())
        })?;
    } else if rejected.exists() {
        fs::remove_file(&rejected).map_err(io_error(&rejected))?;
    }
    Ok(())
}

/// Writes `explanations.csv`: each warning with the numbers compared or the
/// row behind it, sorted as `warnings.csv`.
pub fn write_explanations(s: &Screening, out: &Path) -> Result<(), ScreenError> {
    fs::create_dir_all(out).map_err(|e| ScreenError::Io(out.to_path_buf(), e))?;
    let mut rows: Vec<(i64, &str, String)> = s
        .hits
        .iter()
        .map(|&hit| {
            let code = s.plan.rules()[hit.rule].code.as_str();
            let why = s
                .plan
                .explain(&s.registry, &s.tally, hit)
                .unwrap_or_default();
            (s.registry.household_id(hit.household), code, why)
        })
        .collect();
    rows.sort_unstable();
    write_file(&out.join("explanations.csv"), |w| {
        w.write_all(b"household_id,reason,explanation\n")?;
        for (id, code, why) in &rows {
            // Amounts carry thousands separators, so this one column is quoted.
            writeln!(w, "{id},{code},\"{}\"", why.replace('"', "\"\""))?;
        }
        Ok(())
    })
}

fn write_file(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<fs::File>) -> io::Result<()>,
) -> Result<(), ScreenError> {
    let tmp = path.with_extension("csv.part");
    let result = (|| {
        let mut w = BufWriter::with_capacity(1 << 20, fs::File::create(&tmp)?);
        body(&mut w)?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        ScreenError::Io(path.to_path_buf(), e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::Fields;
    use crate::scan::Bad;
    use proptest::prelude::*;

    /// Each row read the slow way only: lines found first, every field
    /// through `Fields`.
    type Read<R> = (Vec<(u64, R)>, Vec<(u64, Bad)>);

    fn slowly<F: Format>(region: &[u8]) -> Read<F::Row> {
        let (mut rows, mut bad) = (Vec::new(), Vec::new());
        let body = region.strip_suffix(b"\n").unwrap_or(region);
        if region.is_empty() {
            return (rows, bad);
        }
        for (n, line) in body.split(|&b| b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            match F::parse(&mut Fields::new(line, F::COLUMNS)) {
                Ok(r) => rows.push((n as u64, r)),
                Err(b) => bad.push((n as u64, b)),
            }
        }
        (rows, bad)
    }

    fn both_ways<F: Format>(region: &[u8]) -> Result<(), TestCaseError>
    where
        F::Row: PartialEq + std::fmt::Debug,
    {
        let mut log = ChunkLog::default();
        let mut rows = Vec::new();
        for_each_row::<F>(region, &mut log, usize::MAX, |n, r| {
            rows.push((n, r));
            Ok(())
        });
        let (expected, bad) = slowly::<F>(region);
        prop_assert_eq!(rows, expected);
        prop_assert_eq!(log.rejects, bad);
        Ok(())
    }

    /// Valid lines, then bytes changed, dropped or doubled here and there.
    fn region(templates: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
        let edit = (
            any::<prop::sample::Index>(),
            prop::sample::select(b"0123456789,-\r\nX ab\xE4".to_vec()),
            0u8..3,
        );
        prop::collection::vec(
            (
                prop::sample::select(templates),
                prop::collection::vec(edit, 0..3),
                any::<bool>(),
            ),
            0..12,
        )
        .prop_map(|lines| {
            let mut out = Vec::new();
            for (line, edits, crlf) in lines {
                let mut l = line.as_bytes().to_vec();
                for (at, byte, how) in edits {
                    if l.is_empty() {
                        break;
                    }
                    let i = at.index(l.len());
                    match how {
                        0 => l[i] = byte,
                        1 => {
                            l.remove(i);
                        }
                        _ => l.insert(i, byte),
                    }
                }
                out.extend_from_slice(&l);
                out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            out
        })
    }

    const CLAIMS: &[&str] = &[
        "2332201739994747305,2024-10-02,32430,12611",
        "-7,2026-02-28,0,0",
        "9223372036854775807,2026-12-31,99999999,99999999",
        "12,2026-01-01,100,200",
        "",
    ];
    const PERSONS: &[&str] = &[
        "7203609927968879882,522401198407220039,7960356070846879209,罗玉建,男,1984-07-22,一般劳动力,户主",
        "5465401624968167243,52240119820524004X,7960356070846879209,黄军丽,女,1982-05-24,弱劳动力,配偶",
        "1,52240119820524004x,2,王,女,2024-02-29,无劳动力,子",
    ];
    const HOUSEHOLDS: &[&str] = &[
        "7960356070846879209,522401100200,一般农户,2,1698000,0",
        "-4030509934843969613,522401100200,脱贫户,999,-5,1",
        "1,522401100200,监测户,1000,0,0",
    ];

    proptest! {
        #[test]
        fn the_fast_way_reads_claims_as_the_slow_way(region in region(CLAIMS)) {
            both_ways::<Claims>(&region)?;
        }

        #[test]
        fn the_fast_way_reads_persons_as_the_slow_way(region in region(PERSONS)) {
            both_ways::<Persons>(&region)?;
        }

        #[test]
        fn the_fast_way_reads_households_as_the_slow_way(region in region(HOUSEHOLDS)) {
            both_ways::<Households>(&region)?;
        }
    }

    #[test]
    fn a_region_without_a_final_line_end_reads_its_last_row() {
        let mut log = ChunkLog::default();
        let mut rows = Vec::new();
        for_each_row::<Claims>(
            b"1,2026-01-01,5,3\n\n2,2026-01-02,5,4\r",
            &mut log,
            10,
            |n, r| {
                rows.push((n, r));
                Ok(())
            },
        );
        assert_eq!(
            rows,
            vec![
                (0, (1, (Date::new(2026, 1, 1).unwrap(), 3))),
                (2, (2, (Date::new(2026, 1, 2).unwrap(), 4)))
            ]
        );
        assert_eq!((log.lines, log.rows, log.rejected), (3, 2, 0));
    }
}
