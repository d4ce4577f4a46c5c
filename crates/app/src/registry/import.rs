//! Reading a household file (农户导入) as county staff keep it in Excel: one row per person,
//! the household's columns repeated on each member's row, incomes on the 户主's row. Every
//! problem is reported with its row, column and reason; a file with any problem yields no
//! records at all, so nothing half-checked is ever written.

use crate::AppError;

use crate::sheet::whole;
use crate::sheet::{self, FileKind, Mark, SheetRow, TextSheet};
use crate::sheet::{Problem, Problems};
use chrono::NaiveDate;
use dixian_domain::assurance::{Assurance, HousingRating};
use dixian_domain::changes::{self, FieldChange, heads_in_household};
use dixian_domain::division::DivisionCode;
use dixian_domain::id_number::{IdNumber, Sex};
use dixian_domain::money::Money;
use dixian_domain::registry::{
    DisabilityCategory, Health, Household, HouseholdCode, HouseholdRecord, HouseholdType, Income,
    LabourCapacity, LivingStatus, Person, Relation, Schooling,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// The template's columns; `*` marks the required ones in the template's header.
pub const COLUMNS: [(&str, bool); 44] = [
    ("户编号", true),
    ("村民小组", false),
    ("住址", true),
    ("联系电话", false),
    ("一卡通账号", false),
    ("户类型", true),
    ("易地扶贫搬迁", false),
    ("低保户", false),
    ("特困供养", false),
    ("监测对象", false),
    ("姓名", true),
    ("身份证号", true),
    ("性别", false),
    ("与户主关系", true),
    ("劳动能力", true),
    ("健康状况", true),
    ("残疾类别", false),
    ("残疾等级", false),
    ("在校生状况", true),
    ("医疗保险", false),
    ("养老保险", false),
    ("务工月数", false),
    ("务工地点", false),
    ("财政供养人员", false),
    ("人员状态", false),
    ("收入年度", false),
    ("工资性收入", false),
    ("生产经营性收入", false),
    ("财产性收入", false),
    ("养老金", false),
    ("低保金", false),
    ("特困供养金", false),
    ("生态补偿", false),
    ("其他转移性收入", false),
    ("生产经营性支出", false),
    ("合规自付医疗支出", false),
    ("理赔收入", false),
    ("不愁吃穿", false),
    ("住房安全等级", false),
    ("饮水水量达标", false),
    ("饮水水质达标", false),
    ("用水方便", false),
    ("供水保证率达标", false),
    ("保障情况说明", false),
];

/// The columns of a household's check of 两不愁, housing and water: all empty means no check
/// recorded; once one is filled, the yes/no ones are required.
const ASSURANCE_COLUMNS: [&str; 7] = [
    "不愁吃穿",
    "住房安全等级",
    "饮水水量达标",
    "饮水水质达标",
    "用水方便",
    "供水保证率达标",
    "保障情况说明",
];

/// Widths worth setting in an XLSX household sheet: codes, address, ID and bank account.
const WIDE: [(u16, f64); 4] = [(0, 19.0), (2, 28.0), (4, 22.0), (11, 21.0)];

/// The template: as CSV the header alone, as Excel an empty sheet of text columns and a
/// sheet explaining each column. No example household: a sample once carried a real code
/// of the demo county and would be imported as a household like any other row.
pub fn template(kind: FileKind) -> std::io::Result<Vec<u8>> {
    let notes: Vec<sheet::ColumnNote> = COLUMNS
        .iter()
        .map(|(name, required)| sheet::ColumnNote {
            name,
            required: *required,
            note: column_note(name),
        })
        .collect();
    sheet::template_book(
        kind,
        "农户信息",
        "农户导入模板填写说明",
        &notes,
        &WIDE,
        &[
            "每个成员一行，从第2行起填写；同一户的各行填写相同的户编号，户的信息（住址、户类型等）各行一致。",
            "收入和两不愁三保障情况填在户主那一行；不改动表头的列名（带*的必填），列的顺序可以调整。",
            "模板中没有示例行：上传的每一行都会当作真实的农户和成员登记。",
            "可先勾选“只检查，不导入”试一次：有问题时逐行逐列列出（第几行、哪一列、什么问题），可下载标注了问题的文件，改正后再上传；有任何问题时整个文件都不导入。",
            "身份证号、电话、一卡通账号按规定加密保存，导入记入审计。",
        ],
    )
}

/// How a household-file column is filled, for the template's instructions.
fn column_note(name: &str) -> String {
    let choices = |all: Vec<&'static str>| format!("填写其中之一：{}", all.join("、"));
    let yes_no = "填“是”或“否”，不填为“否”";
    let fen = "以元为单位，可带两位小数，如 12800.50；不填为0";
    match name {
        "户编号" => "16位：前12位是村级区划代码，后4位是户序号；同户各行相同。本列已设为“文本”，不要让 Excel 变成科学计数".into(),
        "村民小组" => "1到999的数字，可写“3”或“3组”".into(),
        "住址" => "最多100个字".into(),
        "联系电话" => "7到20位数字，可含“-”".into(),
        "一卡通账号" => "12到30位数字（惠民惠农财政补贴“一卡通”）；本列已设为“文本”".into(),
        "户类型" => choices(labels(HouseholdType::ALL, HouseholdType::label)),
        "易地扶贫搬迁" | "低保户" | "特困供养" | "监测对象" | "医疗保险" | "养老保险"
        | "财政供养人员" => yes_no.into(),
        "姓名" => "与身份证一致，最多30个字".into(),
        "身份证号" => "18位公民身份号码，末位可为X；本列已设为“文本”：从别的表格复制时请“选择性粘贴—值”，不要变成 1.23E+17 这样的数字".into(),
        "性别" => "可不填（按身份证号）；填写时须与身份证号一致".into(),
        "与户主关系" => choices(labels(Relation::ALL, Relation::label)),
        "劳动能力" => choices(labels(LabourCapacity::ALL, LabourCapacity::label)),
        "健康状况" => choices(labels(Health::ALL, Health::label)),
        "残疾类别" => format!(
            "{}；与残疾等级同时填写",
            choices(labels(DisabilityCategory::ALL, DisabilityCategory::label))
        ),
        "残疾等级" => "1到4（级）；与残疾类别同时填写".into(),
        "在校生状况" => choices(labels(Schooling::ALL, Schooling::label)),
        "务工月数" => "0到12的整数".into(),
        "务工地点" => "如：县内、市内县外、省外".into(),
        "人员状态" => format!(
            "{}；不填为“{}”",
            choices(labels(LivingStatus::ALL, LivingStatus::label)),
            LivingStatus::InHousehold.label()
        ),
        "收入年度" => "如 2025；只填在户主行，与其后的收入、支出各列一起".into(),
        "住房安全等级" => "填写其中之一：A级、B级、C级、D级、未鉴定".into(),
        "不愁吃穿" | "饮水水量达标" | "饮水水质达标" | "用水方便" | "供水保证率达标" => {
            "填“是”或“否”；填写了任一项保障情况时这几项都必填".into()
        }
        "保障情况说明" => "最多200个字".into(),
        _ => fen.into(),
    }
}

/// A row's cells in the template's column order (absent columns empty).
struct Row<'a> {
    number: usize,
    cells: [&'a str; COLUMNS.len()],
    marks: [Option<&'a Mark>; COLUMNS.len()],
}

/// A template column's position by name, looked up per cell read: a map built once.
fn column_index(name: &str) -> usize {
    static INDEX: std::sync::OnceLock<HashMap<&'static str, usize>> = std::sync::OnceLock::new();
    INDEX
        .get_or_init(|| {
            COLUMNS
                .iter()
                .enumerate()
                .map(|(i, (c, _))| (*c, i))
                .collect()
        })
        .get(name)
        .copied()
        .unwrap_or(usize::MAX)
}

/// Columns whose digits Excel loses when it stores them as numbers (15 significant digits).
const LONG_CODES: [&str; 3] = ["户编号", "身份证号", "一卡通账号"];

/// Collects the problems of one row while its fields are read.
struct Reader<'a, 'p> {
    row: &'a Row<'a>,
    problems: &'p mut Problems,
}

impl<'a> Reader<'a, '_> {
    fn problem(&mut self, column: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            row: self.row.number,
            column: Some(column.to_string()),
            message: message.into(),
        });
    }

    /// The trimmed cell, refusing formulas (a CSV holds only their text, an XLSX a cached
    /// value that may be stale), error values and long codes Excel turned into numbers.
    fn text(&mut self, column: &'static str) -> Option<&'a str> {
        let k = column_index(column);
        let t = self.row.cells.get(k).map(|s| s.trim()).unwrap_or("");
        match self.row.marks.get(k).copied().flatten() {
            Some(Mark::Formula(f)) => {
                let f = f.clone();
                self.problem(
                    column,
                    format!("是公式“{f}”，请把该列复制后“选择性粘贴为数值”再导入"),
                );
                return None;
            }
            Some(Mark::Error(e)) => {
                let e = e.clone();
                self.problem(column, format!("是错误值“{e}”，请更正后再导入"));
                return None;
            }
            Some(Mark::Number) if LONG_CODES.contains(&column) => {
                self.problem(
                    column,
                    format!(
                        "“{t}”被 Excel 存成了数字，后几位已经丢失：请把该列设为“文本”后重新填写"
                    ),
                );
                return None;
            }
            _ => {}
        }
        if t.is_empty() {
            return None;
        }
        if t.starts_with('=') {
            self.problem(
                column,
                format!("是公式“{t}”，请把该列复制后“选择性粘贴为数值”再导入"),
            );
            return None;
        }
        Some(t)
    }

    fn required(&mut self, column: &'static str) -> Option<&'a str> {
        let t = self.text(column);
        if t.is_none() && !self.problems.has(self.row.number, column) {
            self.problem(column, "必填，不能为空");
        }
        t
    }

    fn coded<T>(
        &mut self,
        column: &'static str,
        parse: impl Fn(&str) -> Option<T>,
        choices: &[&str],
        default: Option<T>,
    ) -> Option<T> {
        let text = if default.is_some() {
            self.text(column)
        } else {
            self.required(column)
        };
        let Some(text) = text else {
            return default;
        };
        let parsed = parse(text);
        if parsed.is_none() {
            self.problem(
                column,
                format!("“{text}”无效，可填：{}", choices.join("、")),
            );
        }
        parsed
    }

    fn yes_no(&mut self, column: &'static str) -> bool {
        match self.text(column) {
            None | Some("否") | Some("0") | Some("N") | Some("n") => false,
            Some("是") | Some("1") | Some("Y") | Some("y") => true,
            Some(other) => {
                self.problem(column, format!("“{other}”无效，应填“是”或“否”"));
                false
            }
        }
    }

    /// 是 or 否, required.
    fn flag(&mut self, column: &'static str) -> Option<bool> {
        match self.text(column) {
            Some("是") | Some("1") | Some("Y") | Some("y") => Some(true),
            Some("否") | Some("0") | Some("N") | Some("n") => Some(false),
            Some(other) => {
                self.problem(column, format!("“{other}”无效，应填“是”或“否”"));
                None
            }
            None => {
                self.problem(column, "填写了保障情况时必填“是”或“否”");
                None
            }
        }
    }

    /// The household's check, when any of its columns is filled.
    fn assurance(&mut self) -> Option<Assurance> {
        let filled = ASSURANCE_COLUMNS.iter().any(|c| {
            self.row
                .cells
                .get(column_index(c))
                .is_some_and(|t| !t.trim().is_empty())
        });
        if !filled {
            return None;
        }
        let food_clothing = self.flag("不愁吃穿");
        let housing = match self.text("住房安全等级") {
            None | Some("未鉴定") => None,
            Some(t) => {
                let parsed = HousingRating::parse(t)
                    .or_else(|| HousingRating::parse(&format!("{}级", t.to_uppercase())));
                if parsed.is_none() {
                    self.problem(
                        "住房安全等级",
                        format!("“{t}”无效，可填：A级、B级、C级、D级、未鉴定"),
                    );
                }
                parsed
            }
        };
        let water_quantity = self.flag("饮水水量达标");
        let water_quality = self.flag("饮水水质达标");
        let water_convenience = self.flag("用水方便");
        let water_guarantee = self.flag("供水保证率达标");
        let note = self.text("保障情况说明").map(str::to_string);
        if note.as_ref().is_some_and(|n| n.chars().count() > 200) {
            self.problem("保障情况说明", "过长（最多200个字）");
        }
        Some(Assurance {
            food_clothing: food_clothing?,
            housing,
            water_quantity: water_quantity?,
            water_quality: water_quality?,
            water_convenience: water_convenience?,
            water_guarantee: water_guarantee?,
            note,
        })
    }

    fn money(&mut self, column: &'static str) -> Money {
        match self.text(column) {
            None => Money::ZERO,
            Some(t) => Money::parse(t).unwrap_or_else(|e| {
                self.problem(column, format!("金额“{t}”无效：{e}"));
                Money::ZERO
            }),
        }
    }

    fn number(&mut self, column: &'static str, max: u32) -> Option<u32> {
        let t = self.text(column)?;
        match t.parse::<u32>() {
            Ok(n) if n <= max => Some(n),
            _ => {
                self.problem(column, format!("“{t}”无效，应为0到{max}的整数"));
                None
            }
        }
    }

    fn id_number(&mut self, today: NaiveDate) -> Option<IdNumber> {
        let t = self.required("身份证号")?;
        // Excel shows long numbers as 5.00299E+17 and drops the last digits for good.
        if (t.contains(['E', 'e']) && t.contains('+')) || t.contains('.') {
            self.problem(
                "身份证号",
                format!("“{t}”被 Excel 存成了数字，后几位已经丢失：请把该列设为“文本”后重新填写"),
            );
            return None;
        }
        match IdNumber::parse(t, today) {
            Ok(id) => Some(id),
            Err(e) => {
                self.problem("身份证号", e.to_string());
                None
            }
        }
    }
}

/// One person's row, read.
struct PersonRow {
    number: usize,
    code: HouseholdCode,
    household: Household,
    assurance: Option<Assurance>,
    person: Person,
    income: Option<Income>,
}

const YES_NO_FIELDS: [&str; 5] = [
    "易地扶贫搬迁",
    "低保户",
    "特困供养",
    "监测对象",
    "财政供养人员",
];

fn labels<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| label(*v)).collect()
}

fn read_row(row: &Row, today: NaiveDate, problems: &mut Problems) -> Option<PersonRow> {
    let before = problems.len();
    let mut r = Reader { row, problems };
    let code = r
        .required("户编号")
        .and_then(|t| match HouseholdCode::parse(t) {
            Ok(c) => Some(c),
            Err(e) => {
                r.problem("户编号", e.to_string());
                None
            }
        });
    let group_no = r.number("村民小组", 999).map(|g| g as u16);
    let address = r.required("住址").map(str::to_string);
    let phone = r.text("联系电话").map(str::to_string);
    if let Some(p) = &phone
        && !(p.len() >= 7 && p.len() <= 20 && p.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
    {
        r.problem("联系电话", format!("“{p}”不是电话号码"));
    }
    let bank = r.text("一卡通账号").map(str::to_string);
    if let Some(b) = &bank
        && (!(12..=30).contains(&b.len()) || !b.bytes().all(|c| c.is_ascii_digit()))
    {
        r.problem("一卡通账号", format!("“{b}”应为12到30位数字"));
    }
    let household_type = r.coded(
        "户类型",
        HouseholdType::parse,
        &labels(HouseholdType::ALL, HouseholdType::label),
        None,
    );
    let flags: Vec<bool> = YES_NO_FIELDS.iter().map(|f| r.yes_no(f)).collect();
    let name = r.required("姓名").map(str::to_string);
    if let Some(n) = &name
        && n.chars().count() > 30
    {
        r.problem("姓名", "过长（最多30个字）");
    }
    let id = r.id_number(today);
    let sex = r.text("性别");
    if let (Some(id), Some(s)) = (&id, &sex) {
        match Sex::parse(s) {
            Some(x) if x != id.sex() => r.problem(
                "性别",
                format!("填的是“{s}”，但身份证号表明是{}", id.sex().label()),
            ),
            None => r.problem("性别", format!("“{s}”无效，应填“男”或“女”")),
            _ => {}
        }
    }
    let relation = r.coded(
        "与户主关系",
        Relation::parse,
        &labels(Relation::ALL, Relation::label),
        None,
    );
    let labour = r.coded(
        "劳动能力",
        LabourCapacity::parse,
        &labels(LabourCapacity::ALL, LabourCapacity::label),
        None,
    );
    let health = r.coded(
        "健康状况",
        Health::parse,
        &labels(Health::ALL, Health::label),
        None,
    );
    let category = r.text("残疾类别").and_then(|t| {
        let parsed = DisabilityCategory::parse(t);
        if parsed.is_none() {
            let choices = labels(DisabilityCategory::ALL, DisabilityCategory::label);
            r.problem(
                "残疾类别",
                format!("“{t}”无效，可填：{}", choices.join("、")),
            );
        }
        parsed
    });
    let grade = r.number("残疾等级", 4);
    let disability = match (category, grade) {
        (Some(c), Some(g)) if (1..=4).contains(&g) => Some((c, g as u8)),
        (None, None) => None,
        _ => {
            r.problem("残疾等级", "残疾类别和残疾等级（1至4级）须同时填写");
            None
        }
    };
    let schooling = r.coded(
        "在校生状况",
        Schooling::parse,
        &labels(Schooling::ALL, Schooling::label),
        None,
    );
    let medical = r.yes_no("医疗保险");
    let pension = r.yes_no("养老保险");
    let months = r.number("务工月数", 12).unwrap_or(0) as u8;
    let place = r.text("务工地点").map(str::to_string);
    let status = r.coded(
        "人员状态",
        LivingStatus::parse,
        &labels(LivingStatus::ALL, LivingStatus::label),
        Some(LivingStatus::InHousehold),
    );
    let income = match r.number("收入年度", 2100) {
        Some(year) if year >= 2000 => Some(Income {
            year: year as i32,
            wage: r.money("工资性收入"),
            business: r.money("生产经营性收入"),
            property: r.money("财产性收入"),
            transfer_pension: r.money("养老金"),
            transfer_dibao: r.money("低保金"),
            transfer_tekun: r.money("特困供养金"),
            transfer_eco: r.money("生态补偿"),
            transfer_other: r.money("其他转移性收入"),
            business_expense: r.money("生产经营性支出"),
            medical_self_pay: r.money("合规自付医疗支出"),
            insurance_claims: r.money("理赔收入"),
        }),
        Some(year) => {
            r.problem("收入年度", format!("{year}年不在登记范围内"));
            None
        }
        None => None,
    };
    let assurance = r.assurance();
    if problems.len() > before {
        return None;
    }
    let (code, id, relation) = (code?, id?, relation?);
    Some(PersonRow {
        number: row.number,
        household: Household {
            village: code.village()?,
            code: code.clone(),
            group_no,
            address: address?,
            phone,
            bank_account: bank,
            household_type: household_type?,
            relocated: flags[0],
            dibao: flags[1],
            tekun: flags[2],
            monitored: flags[3],
        },
        code,
        assurance,
        person: Person {
            sex: id.sex(),
            birth_date: id.birth_date(),
            id_number: id,
            name: name?,
            relation,
            labour: labour?,
            health: health?,
            disability,
            schooling: schooling?,
            medical_insurance: medical,
            pension_insurance: pension,
            employment_months: months,
            employment_place: place,
            public_payroll: flags[4],
            status: status?,
        },
        income,
    })
}

/// Reads a CSV household file. Any problem anywhere means no records: the caller shows the
/// problems and writes nothing.
pub fn read_csv(text: &str, today: NaiveDate) -> Result<Vec<HouseholdRecord>, Vec<Problem>> {
    let drive =
        |each: &mut dyn FnMut(Result<SheetRow, Problem>)| sheet::for_each_csv_row(text, each);
    read_rows(drive, today, &Progress::default()).map(|c| c.records)
}

/// A household file read without problems.
#[derive(Debug, Clone, Default)]
pub struct FileContents {
    pub records: Vec<HouseholdRecord>,
    /// Plausibility warnings (关系、年龄) by row: worth a second look, never a reason to
    /// refuse the file.
    pub warnings: Vec<Problem>,
    /// Row of each person, by ID number.
    rows: HashMap<String, usize>,
}

impl FileContents {
    /// The row where a household starts: its first member's.
    pub fn first_row(&self, r: &HouseholdRecord) -> usize {
        r.members
            .first()
            .and_then(|m| self.rows.get(m.id_number.as_str()))
            .copied()
            .unwrap_or(0)
    }
}

/// Reads a household file of either kind.
pub fn read_file(
    kind: FileKind,
    bytes: &[u8],
    today: NaiveDate,
) -> Result<FileContents, Vec<Problem>> {
    read_file_with(kind, bytes, today, &Progress::default())
}

/// [`read_file`] counting the rows it reads in `progress`.
pub fn read_file_with(
    kind: FileKind,
    bytes: &[u8],
    today: NaiveDate,
    progress: &Progress,
) -> Result<FileContents, Vec<Problem>> {
    read_rows(
        |each| sheet::for_each_row(kind, bytes, each),
        today,
        progress,
    )
}

/// A header cell as a column name: `*` marks, spaces and line breaks are ignored.
fn column_name(cell: &str) -> String {
    cell.split_whitespace()
        .collect::<String>()
        .trim_end_matches(['*', '＊'])
        .to_string()
}

/// Rows above the header a file may have (a title such as “某某村农户信息表”).
const TITLE_ROWS: usize = 9;

/// Most person rows a file may hold: far above a county, low enough that a hostile file
/// cannot exhaust memory.
const MAX_ROWS: usize = 1_000_000;

/// The template's columns found in a header row, by position.
/// Pairs of (column in the file, column in the template).
fn header_positions(header: &SheetRow, problems: &mut Problems) -> Vec<(usize, usize)> {
    let mut positions: Vec<(usize, usize)> = Vec::new();
    let at = |column: &str, message: &str| Problem {
        row: header.number,
        column: Some(column.to_string()),
        message: message.into(),
    };
    for (i, h) in header.cells.iter().enumerate() {
        let name = column_name(h);
        // The error report's own column: a corrected report goes straight back in.
        if name.is_empty() || name == "问题" {
            continue;
        }
        match COLUMNS.iter().position(|(c, _)| *c == name) {
            Some(k) if positions.iter().any(|(_, p)| *p == k) => {
                problems.push(at(&name, "列名重复"))
            }
            Some(k) => positions.push((i, k)),
            None => problems.push(at(&name, "不是模板中的列，请使用下载的模板")),
        }
    }
    for (k, (c, required)) in COLUMNS.iter().enumerate() {
        if *required && !positions.iter().any(|(_, p)| *p == k) {
            problems.push(at(c, "缺少必需的列"));
        }
    }
    positions
}

fn read_rows(
    drive: impl FnOnce(&mut dyn FnMut(Result<SheetRow, Problem>)) -> Result<(), Problem>,
    today: NaiveDate,
    progress: &Progress,
) -> Result<FileContents, Vec<Problem>> {
    let mut problems = Problems::default();
    let mut people = Vec::new();
    // The header is the first row naming 户编号, or else the first non-blank row.
    let mut first: Option<SheetRow> = None;
    let mut seen = 0;
    let mut positions: Option<Vec<(usize, usize)>> = None;
    let mut header_ok = true;
    let mut count = 0usize;
    let outcome = drive(&mut |row| {
        progress.row_read();
        let row = match row {
            Ok(r) if r.is_blank() => return,
            Ok(r) => r,
            Err(p) => return problems.push(p),
        };
        let Some(columns) = &positions else {
            seen += 1;
            let names_code = row.cells.iter().any(|c| column_name(c) == "户编号");
            if names_code || seen > TITLE_ROWS {
                let header = if names_code {
                    &row
                } else {
                    first.as_ref().unwrap_or(&row)
                };
                let before = problems.len();
                positions = Some(header_positions(header, &mut problems));
                header_ok = problems.len() == before;
            } else if first.is_none() {
                first = Some(row);
            }
            return;
        };
        if !header_ok {
            return;
        }
        count += 1;
        if count == MAX_ROWS + 1 {
            problems.push(whole(format!(
                "文件超过{MAX_ROWS}行，请按乡镇拆分成几个文件分别导入"
            )));
        }
        if count > MAX_ROWS {
            return;
        }
        let mut r = Row {
            number: row.number,
            cells: [""; COLUMNS.len()],
            marks: [None; COLUMNS.len()],
        };
        for (i, k) in columns {
            r.cells[*k] = row.cells.get(*i).unwrap_or("");
            r.marks[*k] = row.mark(*i);
        }
        if let Some(p) = read_row(&r, today, &mut problems) {
            people.push(p);
        }
    });
    if let Err(p) = outcome {
        problems.push(p);
        return Err(problems.into_vec());
    }
    if positions.is_none() {
        match &first {
            Some(header) => {
                header_positions(header, &mut problems);
            }
            None => problems.push(whole("文件是空的")),
        }
    }
    if !problems.is_empty() {
        return Err(problems.into_vec());
    }
    let mut rows_by_id = HashMap::new();
    let records = assemble(people, &mut problems, &mut rows_by_id);
    if problems.is_empty() {
        let mut warnings = Vec::new();
        for r in &records {
            for (i, message) in dixian_domain::registry::plausibility(r, today) {
                let row = r
                    .members
                    .get(i)
                    .and_then(|m| rows_by_id.get(m.id_number.as_str()))
                    .copied()
                    .unwrap_or(0);
                warnings.push(Problem {
                    row,
                    column: None,
                    message,
                });
            }
        }
        warnings.sort_by_key(|p| p.row);
        Ok(FileContents {
            records,
            warnings,
            rows: rows_by_id,
        })
    } else {
        Err(problems.into_vec())
    }
}

/// Groups rows into households and checks what spans rows: the household's columns agree on
/// every member's row, exactly one 户主, one person per ID number, incomes on one row.
fn assemble(
    people: Vec<PersonRow>,
    problems: &mut Problems,
    seen_ids: &mut HashMap<String, usize>,
) -> Vec<HouseholdRecord> {
    let mut households: BTreeMap<HouseholdCode, (usize, HouseholdRecord)> = BTreeMap::new();
    for p in people {
        if let Some(first) = seen_ids.insert(p.person.id_number.as_str().to_string(), p.number) {
            problems.push(Problem {
                row: p.number,
                column: Some("身份证号".into()),
                message: format!(
                    "{}与第{first}行重复：一人只能登记一次",
                    p.person.id_number.masked()
                ),
            });
            continue;
        }
        let entry = households.entry(p.code.clone()).or_insert_with(|| {
            (
                p.number,
                HouseholdRecord {
                    household: p.household.clone(),
                    members: Vec::new(),
                    incomes: Vec::new(),
                    assurance: p.assurance.clone(),
                },
            )
        });
        if entry.1.household != p.household || entry.1.assurance != p.assurance {
            problems.push(Problem {
                row: p.number,
                column: None,
                message: format!(
                    "同一户（{}）的户级信息（住址、电话、户类型、标识、保障情况等）与第{}行不一致",
                    p.code, entry.0
                ),
            });
        }
        if let Some(i) = p.income {
            if entry.1.incomes.iter().any(|x| x.year == i.year) {
                problems.push(Problem {
                    row: p.number,
                    column: Some("收入年度".into()),
                    message: format!("{}年的收入已在本户的其他行填写", i.year),
                });
            } else {
                entry.1.incomes.push(i);
            }
        }
        entry.1.members.push(p.person);
    }
    for (code, (first_row, record)) in &households {
        let heads = heads_in_household(record);
        if heads != 1 {
            problems.push(Problem {
                row: *first_row,
                column: Some("与户主关系".into()),
                message: format!("户{code}有{heads}名在户的户主，应恰好1名"),
            });
        }
    }
    households.into_values().map(|(_, r)| r).collect()
}

/// The villages a set of records refers to, for checking against the division table and
/// the importer's jurisdiction.
pub fn villages(records: &[HouseholdRecord]) -> Vec<DivisionCode> {
    let mut v: Vec<DivisionCode> = records.iter().map(|r| r.household.village).collect();
    v.sort();
    v.dedup();
    v
}

/// Writes households in the template's layout, the same file an import reads: the demo
/// county goes through import this way, and a test proves the round trip exact.
pub fn write_households<W: std::io::Write + Send>(
    kind: FileKind,
    records: impl IntoIterator<Item = HouseholdRecord>,
    out: W,
) -> std::io::Result<usize> {
    let yes = |b: bool| if b { "是" } else { "否" };
    let header: Vec<&str> = COLUMNS.iter().map(|(c, _)| *c).collect();
    let mut sheet = TextSheet::new(kind, "农户信息", &WIDE, out)?;
    sheet.push(&header, true)?;
    let mut n = 0;
    for r in records {
        let h = &r.household;
        for (i, p) in r.members.iter().enumerate() {
            let income = r.incomes.get(i);
            let money =
                |f: fn(&Income) -> Money| income.map(|x| f(x).to_string()).unwrap_or_default();
            let cells: Vec<String> = vec![
                h.code.to_string(),
                h.group_no.map(|g| g.to_string()).unwrap_or_default(),
                h.address.clone(),
                h.phone.clone().unwrap_or_default(),
                h.bank_account.clone().unwrap_or_default(),
                h.household_type.label().into(),
                yes(h.relocated).into(),
                yes(h.dibao).into(),
                yes(h.tekun).into(),
                yes(h.monitored).into(),
                p.name.clone(),
                p.id_number.to_string(),
                p.sex.label().into(),
                p.relation.label().into(),
                p.labour.label().into(),
                p.health.label().into(),
                p.disability
                    .map(|(c, _)| c.label().to_string())
                    .unwrap_or_default(),
                p.disability.map(|(_, g)| g.to_string()).unwrap_or_default(),
                p.schooling.label().into(),
                yes(p.medical_insurance).into(),
                yes(p.pension_insurance).into(),
                p.employment_months.to_string(),
                p.employment_place.clone().unwrap_or_default(),
                yes(p.public_payroll).into(),
                p.status.label().into(),
                income.map(|x| x.year.to_string()).unwrap_or_default(),
                money(|x| x.wage),
                money(|x| x.business),
                money(|x| x.property),
                money(|x| x.transfer_pension),
                money(|x| x.transfer_dibao),
                money(|x| x.transfer_tekun),
                money(|x| x.transfer_eco),
                money(|x| x.transfer_other),
                money(|x| x.business_expense),
                money(|x| x.medical_self_pay),
                money(|x| x.insurance_claims),
            ];
            let a = r.assurance.as_ref();
            let flag =
                |f: fn(&Assurance) -> bool| a.map(|a| yes(f(a)).to_string()).unwrap_or_default();
            let mut cells = cells;
            cells.extend([
                flag(|a| a.food_clothing),
                a.map(|a| a.housing.map(|h| h.label()).unwrap_or("未鉴定").to_string())
                    .unwrap_or_default(),
                flag(|a| a.water_quantity),
                flag(|a| a.water_quality),
                flag(|a| a.water_convenience),
                flag(|a| a.water_guarantee),
                a.and_then(|a| a.note.clone()).unwrap_or_default(),
            ]);
            // Read back by the system: quoted where needed, never defused.
            sheet.push(&cells, false)?;
        }
        n += 1;
    }
    sheet.finish()?;
    Ok(n)
}

/// The uploaded file again, in its own format, with a first column “问题” naming what is
/// wrong on each row, for correcting in Excel and uploading again. Problems about the whole
/// file come first. `None` when the file cannot be read at all (the problems say why).
pub fn error_report(kind: FileKind, bytes: &[u8], problems: &[Problem]) -> Option<Vec<u8>> {
    let mut widths = WIDE.map(|(c, w)| (c + 1, w)).to_vec();
    widths.push((0, 40.0));
    sheet::annotated(
        kind,
        bytes,
        problems,
        "导入问题",
        &widths,
        |cells| cells.iter().any(|c| column_name(c) == "户编号"),
        sheet::Annotate::All,
    )
}

/// The steps of an import, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Reading,
    Comparing,
    Writing,
    Done,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::Reading => "读取并检查文件",
            Stage::Comparing => "与已登记农户比对",
            Stage::Writing => "写入数据库",
            Stage::Done => "完成",
        }
    }
}

/// How far an import has got, shared with whoever shows it (the CLI's bar, the web page).
#[derive(Debug, Default)]
pub struct Progress {
    stage: AtomicU8,
    rows_read: AtomicUsize,
    written: AtomicUsize,
    to_write: AtomicUsize,
}

/// A moment's view of [`Progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressView {
    pub stage: Stage,
    /// Rows of the file read so far.
    pub rows_read: usize,
    /// Rows (households, persons, income years) written of those to write.
    pub written: usize,
    pub to_write: usize,
}

impl Progress {
    fn set(&self, stage: Stage) {
        self.stage.store(stage as u8, Ordering::Relaxed);
    }

    fn row_read(&self) {
        self.rows_read.fetch_add(1, Ordering::Relaxed);
    }

    fn wrote(&self, done: usize, total: usize) {
        self.to_write.store(total, Ordering::Relaxed);
        self.written.store(done, Ordering::Relaxed);
    }

    pub fn view(&self) -> ProgressView {
        ProgressView {
            stage: match self.stage.load(Ordering::Relaxed) {
                0 => Stage::Reading,
                1 => Stage::Comparing,
                2 => Stage::Writing,
                _ => Stage::Done,
            },
            rows_read: self.rows_read.load(Ordering::Relaxed),
            written: self.written.load(Ordering::Relaxed),
            to_write: self.to_write.load(Ordering::Relaxed),
        }
    }
}

/// What an import did, or (dry run) would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Households and persons read from the file.
    pub households: usize,
    pub persons: usize,
    /// Households written, new and changed (0 on a dry run or when there are problems).
    pub written: usize,
    /// New households the file holds.
    pub new: usize,
    /// Registered households the file changes, with what it changes.
    pub changed: Vec<(HouseholdCode, Vec<FieldChange>)>,
    /// Registered households the file leaves as they are.
    pub unchanged: usize,
    /// Everything wrong; when not empty, nothing was written.
    pub problems: Vec<Problem>,
    /// Unusual relations or ages, members the file leaves out: to confirm, they do not stop
    /// the import.
    pub warnings: Vec<Problem>,
}

impl ImportReport {
    /// Changes counted over all changed households.
    pub fn change_count(&self) -> usize {
        self.changed.iter().map(|(_, c)| c.len()).sum()
    }

    /// Problems found in all, listed or not (the list stops at a thousand).
    pub fn problem_total(&self) -> usize {
        crate::sheet::problem_total(&self.problems)
    }
}

/// The reason an import's changes carry in the history: the file it came from.
fn import_reason(file_name: &str) -> String {
    let base = std::path::Path::new(file_name)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(file_name);
    let short: String = base.chars().take(100).collect();
    format!("导入文件“{short}”")
}

/// Imports a household file (CSV or XLSX): reads and checks all of it, compares it with
/// what is registered, then — unless `dry_run` or anything is wrong — writes every new
/// household and every change to a registered one in one transaction. Keyed on 户编号 and
/// 身份证号, so importing the same file twice changes nothing the second time.
pub async fn import_households(
    store: &dyn dixian_store::Store,
    actor: &dixian_domain::access::Actor,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
    progress: &Progress,
) -> Result<ImportReport, AppError> {
    // Held until the import ends: one file at a time per account.
    let report = match crate::sheet::guard::start_file_work(actor) {
        Ok(work) => {
            let r = import_steps(store, actor, file_name, bytes, dry_run, progress).await;
            drop(work);
            r
        }
        Err(e) => Err(e),
    };
    progress.set(Stage::Done);
    report
}

async fn import_steps(
    store: &dyn dixian_store::Store,
    actor: &dixian_domain::access::Actor,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
    progress: &Progress,
) -> Result<ImportReport, AppError> {
    let mut report = ImportReport::default();
    let kind = match FileKind::of(file_name, bytes) {
        Ok(k) => k,
        Err(p) => {
            report.problems.push(p);
            return Ok(report);
        }
    };
    let mut contents = match read_file_with(kind, bytes, crate::today(), progress) {
        Ok(c) => c,
        Err(p) => {
            report.problems = p;
            return Ok(report);
        }
    };
    report.warnings = std::mem::take(&mut contents.warnings);
    let records = std::mem::take(&mut contents.records);
    report.households = records.len();
    report.persons = records.iter().map(|r| r.members.len()).sum();
    // Villages must exist and lie in the importer's jurisdiction.
    for v in villages(&records) {
        if store.division(&v).await?.is_none() {
            report.problems.push(whole(format!(
                "户编号中的村级区划代码{v}不存在：请核对户编号，或先导入区划"
            )));
        } else if !actor.scope.covers(&v) {
            report.problems.push(whole(format!(
                "村级区划{v}不在您的辖区内，不能导入该村的农户"
            )));
        }
    }
    if !report.problems.is_empty() {
        return Ok(report);
    }
    progress.set(Stage::Comparing);
    let codes: Vec<HouseholdCode> = records.iter().map(|r| r.household.code.clone()).collect();
    // The registered ones among them, whole, sorted by code; the rest are new.
    let stored = store.household_records(actor, &codes).await?;
    let mut new = Vec::new();
    let mut updates = Vec::new();
    for r in records {
        let Ok(i) = stored.binary_search_by(|s| s.household.code.cmp(&r.household.code)) else {
            new.push(r);
            continue;
        };
        let current = &stored[i];
        let changes = changes::household_changes(current, &r);
        if changes.is_empty() {
            report.unchanged += 1;
            continue;
        }
        let row = contents.first_row(&r);
        let after = changes::merged(current, &r);
        let heads = heads_in_household(&after);
        if heads != 1 {
            report.problems.push(Problem {
                row,
                column: Some("与户主关系".into()),
                message: format!(
                    "户{}按文件更新后将有{heads}名在户的户主（含文件中没有的已登记成员），应恰好1名",
                    r.household.code
                ),
            });
        }
        let left_out: Vec<&str> = changes::absent_members(current, &r)
            .map(|m| m.name.as_str())
            .collect();
        if !left_out.is_empty() {
            report.warnings.push(Problem {
                row,
                column: None,
                message: format!(
                    "户{}已登记的{}不在文件中，保持不变（人员减少请在农户页面登记死亡或迁出）",
                    r.household.code,
                    left_out.join("、")
                ),
            });
        }
        report
            .changed
            .push((r.household.code.clone(), changes.clone()));
        updates.push(dixian_store::HouseholdUpdate { record: r, changes });
    }
    report.new = new.len();
    report.warnings.sort_by_key(|p| p.row);
    if dry_run || !report.problems.is_empty() || (new.is_empty() && updates.is_empty()) {
        return Ok(report);
    }
    progress.set(Stage::Writing);
    let wrote = |done, total| progress.wrote(done, total);
    match store
        .import_households(actor, &new, &updates, &import_reason(file_name), &wrote)
        .await
    {
        Ok(()) => report.written = new.len() + updates.len(),
        // A person already registered elsewhere: the whole file is refused, named.
        Err(dixian_store::StoreError::Conflict(m)) => report.problems.push(whole(m)),
        Err(e) => return Err(e.into()),
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::decode;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default()
    }

    const HEADER: &str = "户编号,村民小组,住址,户类型,低保户,姓名,身份证号,性别,与户主关系,劳动能力,健康状况,在校生状况,收入年度,工资性收入,生产经营性支出";

    fn file(rows: &[&str]) -> String {
        format!("{HEADER}\n{}\n", rows.join("\n"))
    }

    const HEAD: &str = "5002991012010001,1,石桥村一组3号,脱贫户,是,张三,11010519491231002X,女,户主,普通劳动力,健康,非在校生,2025,\"12,000\",500";
    const WIFE: &str = "5002991012010001,1,石桥村一组3号,脱贫户,是,李四,110105194912310046,,配偶,弱劳动力或半劳动力,长期慢性病,非在校生,,,";

    fn problems(text: &str) -> Vec<String> {
        read_csv(text, today())
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_good_file_becomes_households() {
        let records = read_csv(&file(&[HEAD, WIFE]), today()).unwrap();
        assert_eq!(records.len(), 1);
        let r = &records[0];
        assert_eq!(r.members.len(), 2);
        assert!(r.household.dibao);
        assert_eq!(r.members[0].sex, Sex::Female);
        assert_eq!(r.incomes.len(), 1);
        assert_eq!(r.incomes[0].wage, Money::from_fen(1_200_000));
        assert_eq!(r.incomes[0].business_expense, Money::from_fen(50_000));
    }

    #[test]
    fn the_template_holds_no_row_and_explains_every_column() {
        // The CSV is the header alone: no row that could be imported as a household.
        let csv = String::from_utf8(template(FileKind::Csv).unwrap()).unwrap();
        assert_eq!(csv.trim_end().lines().count(), 1, "{csv}");
        assert!(csv.contains("户编号*") && csv.contains("身份证号*"));
        // Its header reads back: a row written under it is a household.
        let header = csv.trim_start_matches('\u{feff}').trim_end().to_string();
        let mut row = vec![""; COLUMNS.len()];
        let at = |name: &str| COLUMNS.iter().position(|(c, _)| *c == name).unwrap();
        for (name, value) in [
            ("户编号", "5002991012010001"),
            ("住址", "一组3号"),
            ("户类型", "一般农户"),
            ("姓名", "张三"),
            ("身份证号", "11010519491231002X"),
            ("与户主关系", "户主"),
            ("劳动能力", "普通劳动力"),
            ("健康状况", "健康"),
            ("在校生状况", "非在校生"),
        ] {
            row[at(name)] = value;
        }
        let records = read_csv(&format!("{header}\n{}\n", row.join(",")), today()).unwrap();
        assert_eq!(records[0].members[0].name, "张三");
        // The Excel template: an empty data sheet, then every column explained.
        let xlsx = template(FileKind::Xlsx).unwrap();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
        use calamine::Reader;
        assert_eq!(book.sheet_names(), ["农户信息", "填写说明"]);
        let data = book.worksheet_range("农户信息").unwrap();
        assert_eq!(data.height(), 1, "the header alone");
        let notes = book.worksheet_range("填写说明").unwrap();
        for (name, _) in COLUMNS {
            let note = notes
                .rows()
                .find(|r| r[0] == name)
                .map(|r| r[2].to_string())
                .unwrap_or_default();
            assert!(!note.is_empty(), "{name} explained");
        }
        let relation = notes.rows().find(|r| r[0] == "与户主关系").unwrap();
        assert!(relation[2].to_string().contains("配偶"), "{relation:?}");
    }

    #[test]
    fn a_file_of_broken_rows_lists_the_first_thousand_and_counts_the_rest() {
        // Each row lacks its name and has a wrong check digit: two problems a row.
        let rows: Vec<String> = (0..3_000)
            .map(|i| {
                HEAD.replace("张三", "")
                    .replace("5002991012010001", &format!("5002991012{:06}", 10_000 + i))
                    .replace("11010519491231002X", "110105194912310021")
            })
            .collect();
        let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
        let (one, two) = (
            problems(&file(&refs[..1])).len(),
            problems(&file(&refs[..2])).len(),
        );
        let each = two - one;
        assert!(each >= 2, "{each}");
        let p = problems(&file(&refs));
        assert_eq!(
            p.len(),
            crate::sheet::MAX_LISTED_PROBLEMS + 1,
            "{:?}",
            &p[..3]
        );
        let total = 3_000 * each + one - each;
        let as_problems: Vec<crate::sheet::Problem> =
            p.iter().map(|m| crate::sheet::whole(m.clone())).collect();
        assert_eq!(crate::sheet::problem_total(&as_problems), total);
        assert_eq!(
            p[0],
            format!(
                "共{total}处问题，只列出前1000处，另有{}处未列出：请先改正列出的问题，再重新检查",
                total - 1000
            )
        );
        assert!(p[1].starts_with("第2行"), "{}", p[1]);
        assert!(p.iter().any(|m| m.contains("必填，不能为空")));
        assert!(p.iter().any(|m| m.contains("校验码")));
    }

    #[test]
    fn every_broken_cell_is_named_by_row_and_column() {
        let float_id = HEAD.replace("11010519491231002X", "1.10105E+17");
        let bad_check = WIFE.replace("110105194912310046", "110105194912310041");
        let p = problems(&file(&[&float_id, &bad_check]));
        assert!(
            p.iter()
                .any(|m| m.starts_with("第2行“身份证号”：“1.10105E+17”被 Excel 存成了数字")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|m| m.starts_with("第3行“身份证号”：") && m.contains("校验码")),
            "{p:?}"
        );

        let formula = HEAD.replace("张三", "=A1&B1");
        let empty_name = WIFE.replace("李四", "");
        let wrong_sex = HEAD.replace(",女,", ",男,");
        let p = problems(&file(&[&formula, &empty_name]));
        assert!(
            p.iter().any(|m| m.contains("第2行“姓名”：是公式“=A1&B1”")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|m| m == "第3行“姓名”：必填，不能为空"),
            "{p:?}"
        );
        let p = problems(&file(&[&wrong_sex, WIFE]));
        assert!(
            p.iter()
                .any(|m| m.contains("第2行“性别”：填的是“男”，但身份证号表明是女")),
            "{p:?}"
        );

        let unknown = HEAD.replace("脱贫户", "富裕户");
        let p = problems(&file(&[&unknown, WIFE]));
        assert!(
            p.iter()
                .any(|m| m.contains("第2行“户类型”：“富裕户”无效，可填：脱贫户、一般农户")),
            "{p:?}"
        );
    }

    #[test]
    fn rules_across_rows() {
        let second_head = WIFE.replace(",配偶,", ",户主,");
        let p = problems(&file(&[HEAD, &second_head]));
        assert!(
            p.iter()
                .any(|m| m.contains("户5002991012010001有2名在户的户主")),
            "{p:?}"
        );
        let twice = HEAD.replace("5002991012010001", "5002991012010002");
        let p = problems(&file(&[HEAD, WIFE, &twice]));
        assert!(
            p.iter()
                .any(|m| m.starts_with("第4行“身份证号”：") && m.contains("与第2行重复")),
            "{p:?}"
        );
        let moved = WIFE.replace("石桥村一组3号", "石桥村二组9号");
        let p = problems(&file(&[HEAD, &moved]));
        assert!(
            p.iter()
                .any(|m| m.starts_with("第3行：同一户") && m.contains("与第2行不一致")),
            "{p:?}"
        );
    }

    #[test]
    fn the_demo_county_round_trips_through_the_file() {
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
        let table = crate::demo::divisions(9);
        let original: Vec<HouseholdRecord> =
            crate::demo::Generator::new(&table, 9, 400, as_of).collect();
        let mut buf = Vec::new();
        assert_eq!(
            write_households(FileKind::Csv, original.clone(), &mut buf).unwrap(),
            400
        );
        let text = decode(&buf).unwrap();
        let mut back = read_csv(&text, today()).unwrap();
        let mut expected = original;
        expected.sort_by(|a, b| a.household.code.cmp(&b.household.code));
        back.sort_by(|a, b| a.household.code.cmp(&b.household.code));
        assert_eq!(back.len(), expected.len());
        for (a, b) in back.iter().zip(&expected) {
            assert_eq!(a, b, "{}", b.household.code);
        }
    }

    #[test]
    fn the_error_report_puts_each_problem_beside_its_row() {
        let bad = WIFE.replace("李四", "");
        let text = file(&[HEAD, &bad]);
        let problems = read_csv(&text, today()).unwrap_err();
        let report = error_report(FileKind::Csv, text.as_bytes(), &problems).unwrap();
        let report = String::from_utf8(report).unwrap();
        let lines: Vec<&str> = report.trim_start_matches('\u{feff}').lines().collect();
        assert!(lines[0].starts_with("问题,户编号,"), "{}", lines[0]);
        assert!(lines[1].starts_with(",5002991012010001"), "{}", lines[1]);
        assert!(
            lines[2].starts_with("姓名：必填，不能为空,"),
            "{}",
            lines[2]
        );
    }

    #[test]
    fn odd_ages_are_warned_with_their_row() {
        let child = WIFE.replace(",配偶,", ",子,");
        let text = file(&[HEAD, &child]);
        let warnings = read_file(FileKind::Csv, text.as_bytes(), today())
            .unwrap()
            .warnings;
        let text: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            vec!["第3行：李四是子，但与户主年龄只相差0岁".to_string()]
        );
    }

    #[test]
    fn headers_and_encodings() {
        let p = problems("户编号,姓名,血型\n");
        assert!(
            p.iter()
                .any(|m| m == "第1行“血型”：不是模板中的列，请使用下载的模板"),
            "{p:?}"
        );
        assert!(
            p.iter().any(|m| m == "第1行“身份证号”：缺少必需的列"),
            "{p:?}"
        );
        assert_eq!(problems(""), vec!["文件是空的".to_string()]);
        // GBK, as Excel on a Chinese Windows saves CSV.
        let utf8 = file(&[HEAD, WIFE]);
        let (gbk, _, _) = encoding_rs::GBK.encode(&utf8);
        let text = decode(&gbk).unwrap();
        assert_eq!(read_csv(&text, today()).unwrap().len(), 1);
        let with_bom = [b"\xef\xbb\xbf".as_slice(), file(&[HEAD]).as_bytes()].concat();
        assert!(decode(&with_bom).unwrap().starts_with("户编号"));
        assert!(decode(b"\xff\xfe\x00\xd8garbage\x81").is_err());
    }

    /// An XLSX sheet with `rows` of text, except where `cell` writes otherwise.
    fn xlsx(rows: &[&str], cell: impl Fn(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (r, line) in rows.iter().enumerate() {
            let cells = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(line.as_bytes())
                .records()
                .next()
                .unwrap()
                .unwrap();
            for (c, text) in cells.iter().enumerate() {
                if !text.is_empty() {
                    ws.write_string(r as u32, c as u16, text).unwrap();
                }
            }
        }
        cell(ws);
        wb.save_to_buffer().unwrap()
    }

    fn xlsx_problems(bytes: &[u8]) -> Vec<String> {
        read_file(FileKind::Xlsx, bytes, today())
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn xlsx_files_read_like_csv_and_round_trip() {
        let good = xlsx(&[HEADER, HEAD, WIFE], |_| {});
        let records = read_file(FileKind::Xlsx, &good, today()).unwrap().records;
        assert_eq!(records, read_csv(&file(&[HEAD, WIFE]), today()).unwrap());

        // A title row above the header, as county sheets often have.
        let titled = xlsx(&["石桥村农户信息表", HEADER, HEAD, WIFE], |_| {});
        let records = read_file(FileKind::Xlsx, &titled, today()).unwrap().records;
        assert_eq!(records.len(), 1);

        let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
        let table = crate::demo::divisions(9);
        let mut original: Vec<HouseholdRecord> =
            crate::demo::Generator::new(&table, 9, 150, as_of).collect();
        let mut buf = Vec::new();
        write_households(FileKind::Xlsx, original.clone(), &mut buf).unwrap();
        let mut back = read_file(FileKind::Xlsx, &buf, today()).unwrap().records;
        original.sort_by(|a, b| a.household.code.cmp(&b.household.code));
        back.sort_by(|a, b| a.household.code.cmp(&b.household.code));
        assert_eq!(back, original);

        // The XLSX template reads back: its header found, no household in it.
        let t = template(FileKind::Xlsx).unwrap();
        let read = read_file(FileKind::Xlsx, &t, today());
        assert!(
            read.as_ref().is_ok_and(|r| r.records.is_empty()),
            "{read:?}"
        );
    }

    #[test]
    fn xlsx_numbers_formulas_and_errors_are_named() {
        let broken = xlsx(&[HEADER, HEAD, WIFE], |ws| {
            // 身份证号 typed into a number cell; a formula for a name; 户编号 as a number.
            ws.write_number(1, 6, 110105194912310046.0).unwrap();
            ws.write_formula(2, 5, "=\"李\"&\"四\"").unwrap();
            ws.write_number(2, 0, 5002991012010001.0).unwrap();
        });
        let p = xlsx_problems(&broken);
        assert!(
            p.iter().any(|m| m.starts_with("第2行“身份证号”：")
                && m.contains("被 Excel 存成了数字，后几位已经丢失")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|m| m.starts_with("第3行“姓名”：是公式“=\"李\"&\"四\"”")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|m| m.starts_with("第3行“户编号”：") && m.contains("存成了数字")),
            "{p:?}"
        );
        // The report is an XLSX with the problems beside their rows.
        let problems = read_file(FileKind::Xlsx, &broken, today()).unwrap_err();
        let report = error_report(FileKind::Xlsx, &broken, &problems).unwrap();
        let mut rows = Vec::new();
        sheet::for_each_row(FileKind::Xlsx, &report, |r| rows.push(r.unwrap())).unwrap();
        assert_eq!(&rows[0].cells[0], "问题");
        assert_eq!(&rows[0].cells[1], "户编号");
        assert!(
            rows[1].cells[0].starts_with("身份证号："),
            "{:?}",
            rows[1].cells
        );
        assert!(
            rows[2].cells[0].contains("姓名：是公式"),
            "{:?}",
            rows[2].cells
        );
        // The formula itself, not its cached value, so the person sees what to replace.
        assert_eq!(&rows[2].cells[6], "=\"李\"&\"四\"");
    }

    #[test]
    fn a_damaged_xlsx_is_one_clear_problem() {
        let good = xlsx(&[HEADER, HEAD, WIFE], |_| {});
        let cut = &good[..good.len() * 2 / 3];
        let p = xlsx_problems(cut);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("Excel 文件已损坏或不完整"), "{p:?}");
        assert!(error_report(FileKind::Xlsx, cut, &[]).is_none());
    }
}
