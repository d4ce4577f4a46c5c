//! Department feeds (部门数据): each month 医保, 民政, 残联, 教育, 住建 and 公安 deliver a file
//! of the people they dealt with, named by ID number; 公安交管, 不动产登记, 市场监管 and 财政供养
//! deliver what the exclusion rules compare at 入户核实, and 人社, 应急管理 and 卫健 further
//! signals. This module reads such a file — CSV in
//! UTF-8 or GBK, or XLSX — and checks every row, each problem named by row and column; rows
//! with a problem are listed, never dropped unseen. What the rows mean for screening is
//! `dixian_screen`'s business; where they are kept is the store's.

use crate::AppError;
use crate::policy::parse_date;
use crate::sheet::{FileKind, Mark, SheetRow, for_each_row};
use crate::sheet::{Problem, Problems};
use chrono::NaiveDate;
use dixian_domain::id_number::IdNumber;
use dixian_domain::money::Money;
use dixian_screen::rules::{Assistance, Grade, Schooling};

use dixian_domain::access::Actor;
pub use dixian_domain::screening::{Department, Period};
use dixian_store::{Delivered, DeliveryRow, NewDelivery, Store};

/// One column of a feed file: its header and whether it must be filled.
pub type Column = (&'static str, bool);

/// What a department's feed holds.
pub fn feed_title(department: Department) -> &'static str {
    match department {
        Department::Medical => "医疗费用结算数据",
        Department::CivilAffairs => "社会救助数据",
        Department::Disability => "残疾人证数据",
        Department::Education => "学生在学状态数据",
        Department::Housing => "农村房屋安全鉴定数据",
        Department::Deaths => "死亡人员数据",
        Department::Vehicles => "机动车登记数据",
        Department::RealEstate => "不动产登记数据",
        Department::Business => "市场主体登记数据",
        Department::Payroll => "财政供养人员数据",
        Department::Employment => "就业失业登记数据",
        Department::Emergency => "受灾人员数据",
        Department::Health => "大病患者数据",
    }
}

/// For the feeds that list records of one kind (车辆, 不动产, 市场主体, 财政供养, 就业失业,
/// 受灾, 大病): the columns of the kind and of the date, and of an amount if any.
fn listed_columns(department: Department) -> Option<(Option<usize>, usize, Option<usize>)> {
    match department {
        Department::Vehicles
        | Department::RealEstate
        | Department::Business
        | Department::Payroll => Some((Some(3), 4, None)),
        Department::Employment => Some((Some(2), 3, None)),
        Department::Emergency => Some((Some(2), 3, Some(4))),
        Department::Health => Some((None, 2, None)),
        _ => None,
    }
}

/// The columns of its feed file, the ID number first.
pub fn columns(department: Department) -> &'static [Column] {
    match department {
        Department::Medical => &[
            ("身份证号", true),
            ("姓名", true),
            ("结算日期", true),
            ("医疗总费用(元)", true),
            ("个人自付(元)", true),
        ],
        Department::CivilAffairs => &[
            ("身份证号", true),
            ("姓名", true),
            ("救助类别", true),
            ("起始日期", true),
            ("救助金额(元)", false),
        ],
        Department::Disability => &[
            ("身份证号", true),
            ("姓名", true),
            ("残疾等级", true),
            ("残疾类别", false),
            ("发证日期", true),
        ],
        Department::Education => &[
            ("身份证号", true),
            ("姓名", true),
            ("在学状态", true),
            ("更新日期", true),
        ],
        Department::Housing => &[
            ("户主身份证号", true),
            ("户主姓名", true),
            ("安全等级", true),
            ("鉴定日期", true),
        ],
        Department::Deaths => &[("身份证号", true), ("姓名", true), ("死亡日期", true)],
        Department::Vehicles => &[
            ("身份证号", true),
            ("姓名", true),
            ("号牌号码", false),
            ("车辆类型", true),
            ("登记日期", true),
        ],
        Department::RealEstate => &[
            ("身份证号", true),
            ("姓名", true),
            ("坐落", false),
            ("房屋用途", true),
            ("登记日期", true),
        ],
        Department::Business => &[
            ("身份证号", true),
            ("姓名", true),
            ("主体名称", false),
            ("主体类型", true),
            ("成立日期", true),
        ],
        Department::Payroll => &[
            ("身份证号", true),
            ("姓名", true),
            ("工作单位", false),
            ("人员类别", true),
            ("起始日期", true),
        ],
        Department::Employment => &[
            ("身份证号", true),
            ("姓名", true),
            ("登记类别", true),
            ("登记日期", true),
        ],
        Department::Emergency => &[
            ("身份证号", true),
            ("姓名", true),
            ("灾害类型", true),
            ("受灾日期", true),
            ("损失金额(元)", false),
        ],
        // No diagnosis: a health detail the screening does not need is not collected.
        Department::Health => &[("身份证号", true), ("姓名", true), ("确诊日期", true)],
    }
}

/// What a coded column accepts, as the template explains it and a refusal names it.
const CIVIL_CHOICES: &str = "低保、特困、临时救助";
const DISABILITY_CHOICES: &str = "一级、二级、三级、四级（或 1–4）";
const SCHOOLING_CHOICES: &str = "在读、辍学、休学";
const HOUSING_CHOICES: &str = "A级、B级、C级、D级";

/// How column `k` of a department's feed is filled in, for the template's instructions.
fn column_note(department: Department, k: usize) -> String {
    let (name, _) = columns(department)[k];
    if k == 0 {
        return "18位公民身份号码，末位可为X。本列已设为“文本”：从别的表格复制时请“选择性粘贴—值”，不要让 Excel 变成 1.23E+17 这样的数字（后几位会丢失）".into();
    }
    if k == 1 {
        return "与身份证上的姓名一致，最多50个字".into();
    }
    if name.ends_with("日期") {
        return "年-月-日，如 2026-10-08（也可写 2026/10/8）；不能晚于上传当天".into();
    }
    if name.contains("(元)") {
        return "以元为单位，可带两位小数，如 12800.50；不能为负数".into();
    }
    let coded = match (department, k) {
        (Department::CivilAffairs, 2) => Some(CIVIL_CHOICES.to_string()),
        (Department::Disability, 2) => Some(DISABILITY_CHOICES.to_string()),
        (Department::Education, 2) => Some(SCHOOLING_CHOICES.to_string()),
        (Department::Housing, 2) => Some(HOUSING_CHOICES.to_string()),
        _ => listed_columns(department)
            .and_then(|(kind, _, _)| kind)
            .filter(|c| *c == k)
            .map(|_| department.kinds().join("、")),
    };
    match coded {
        Some(choices) => format!("填写其中之一：{choices}"),
        None => "如实填写，可不填".into(),
    }
}

/// An example row, only for tests: the shipped templates carry none (a sample row once
/// passed every check and matched a real resident of the demo county).
#[cfg(test)]
fn example(department: Department) -> &'static [&'static str] {
    match department {
        Department::Medical => &[
            "500299198001010014",
            "张三",
            "2026-10-08",
            "12800.50",
            "5230.20",
        ],
        Department::CivilAffairs => &["500299198001010014", "张三", "低保", "2026-10-01", "450"],
        Department::Disability => &["500299198001010014", "张三", "二级", "肢体", "2026-09-20"],
        Department::Education => &["500299201201010013", "张小明", "辍学", "2026-10-15"],
        Department::Housing => &["500299198001010014", "张三", "C级", "2026-08-30"],
        Department::Deaths => &["500299198001010014", "张三", "2026-10-12"],
        Department::Vehicles => &[
            "500299198001010014",
            "张三",
            "渝A12345",
            "小型轿车",
            "2025-05-20",
        ],
        Department::RealEstate => &[
            "500299198001010014",
            "张三",
            "青山县城南路8号",
            "商品住宅",
            "2024-03-15",
        ],
        Department::Business => &[
            "500299198001010014",
            "张三",
            "青山县张三建材经营部",
            "个体工商户",
            "2023-06-01",
        ],
        Department::Payroll => &[
            "500299198001010014",
            "张三",
            "青山县某镇人民政府",
            "公务员",
            "2015-09-01",
        ],
        Department::Employment => &["500299198001010014", "张三", "失业登记", "2026-09-30"],
        Department::Emergency => &["500299198001010014", "张三", "洪涝", "2026-07-12", "35000"],
        Department::Health => &["500299198001010014", "张三", "2026-10-08"],
    }
}

/// What one row of a feed says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    Claim {
        on: NaiveDate,
        total: Money,
        self_pay: Money,
    },
    Assistance {
        kind: Assistance,
        on: NaiveDate,
        amount: Money,
    },
    Disability {
        level: u8,
        on: NaiveDate,
    },
    Schooling {
        status: Schooling,
        on: NaiveDate,
    },
    Housing {
        grade: Grade,
        on: NaiveDate,
    },
    Death {
        on: NaiveDate,
    },
    /// A record of one kind from the feeds of [`listed_columns`]: a vehicle, a property, a
    /// business, a payroll post, an (un)employment registration, a disaster loss, a serious
    /// illness. `kind` is one of the department's [`Department::kinds`] (大病 for 卫健).
    Listed {
        kind: &'static str,
        on: NaiveDate,
        amount: Money,
    },
}

impl Fact {
    /// The date the fact is of.
    pub fn on(&self) -> NaiveDate {
        match *self {
            Fact::Claim { on, .. }
            | Fact::Assistance { on, .. }
            | Fact::Disability { on, .. }
            | Fact::Schooling { on, .. }
            | Fact::Housing { on, .. }
            | Fact::Listed { on, .. }
            | Fact::Death { on } => on,
        }
    }
}

/// One checked row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRow {
    /// Row as the spreadsheet numbers it (the header is usually row 1).
    pub row: usize,
    /// The person (for 住建, the householder) the row is about.
    pub id_number: IdNumber,
    pub name: String,
    pub fact: Fact,
}

/// A feed file read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedFile {
    pub department: Department,
    /// Data rows, blank ones left out.
    pub rows_read: usize,
    /// The rows without a problem, in file order.
    pub rows: Vec<FeedRow>,
    /// Problems by row and column (at most [`crate::sheet::MAX_LISTED_PROBLEMS`] listed).
    pub problems: Vec<Problem>,
    /// Rows refused, listed or not.
    pub rejected: usize,
    /// The numbers of the refused rows (as the spreadsheet numbers them), listed or not.
    pub refused_rows: Vec<usize>,
}

/// The most rows one file may hold: a province's monthly settlements are split by county.
pub const MAX_ROWS: usize = 1_000_000;

/// A feed template for `department`: no example row (a sample once passed every check and
/// matched a real resident of the demo county), the columns explained on a sheet of their
/// own.
pub fn template(department: Department, kind: FileKind) -> std::io::Result<Vec<u8>> {
    let notes: Vec<crate::sheet::ColumnNote> = columns(department)
        .iter()
        .enumerate()
        .map(|(k, (name, required))| crate::sheet::ColumnNote {
            name,
            required: *required,
            note: column_note(department, k),
        })
        .collect();
    crate::sheet::template_book(
        kind,
        feed_title(department),
        &format!("{}{}填写说明", department.label(), feed_title(department)),
        &notes,
        &[(0, 22.0)],
        &[
            "在第一个工作表中从第2行起每行填一条记录，不要改动表头的列名（带*的必填）；表头上方可以加标题行。",
            "模板中没有示例行：上传的每一行都会当作真实数据与农户比对。",
            "上传后逐行逐列检查：通过的行交付使用，不通过的行列出第几行、哪一列、什么问题，并可下载“未通过的行”文件，改正后单独再上传。",
            "同一部门同一月份再次上传，以新文件为准；完全相同的文件重复上传不会重复记录。",
            "身份证号只用于与本县农户比对，未匹配的按打码显示；文件和数据按规定加密保存、记入审计。",
        ],
    )
}

/// The rows of an uploaded feed that the checks refused, in the file's own format under
/// its header, with a first column “问题” saying what is wrong: to correct and upload again.
/// Problems of the whole file come first. `None` when there is nothing refused or the file
/// cannot be read again.
pub fn refused_rows(name: &str, bytes: &[u8], report: &DeliveryReport) -> Option<Vec<u8>> {
    if report.refused_rows.is_empty() {
        return None;
    }
    let kind = FileKind::of(name, bytes).ok()?;
    let refused: std::collections::HashSet<usize> = report.refused_rows.iter().copied().collect();
    let id_column = normalized(columns(report.department)[0].0);
    crate::sheet::annotated(
        kind,
        bytes,
        &report.problems,
        "未通过的行",
        &[(0, 40.0), (2, 22.0)],
        |cells| cells.iter().any(|c| normalized(c) == id_column),
        crate::sheet::Annotate::Rows(&refused),
    )
}

/// Header text as compared: no spaces, no required-mark, half-width brackets.
fn normalized(header: &str) -> String {
    header
        .trim()
        .trim_end_matches('*')
        .replace('（', "(")
        .replace('）', ")")
        .replace(' ', "")
}

fn problem(row: usize, column: &str, message: impl Into<String>) -> Problem {
    Problem {
        row,
        column: Some(column.to_string()),
        message: message.into(),
    }
}

/// Reads feed file `name` of `department`, checking every row. A file that cannot be read
/// at all (wrong format, no header, too many rows) is refused whole.
pub fn read_feed(
    department: Department,
    name: &str,
    bytes: &[u8],
    today: NaiveDate,
) -> Result<FeedFile, AppError> {
    let kind = FileKind::of(name, bytes).map_err(|p| AppError::Invalid(vec![p.to_string()]))?;
    let mut sheet_rows = Vec::new();
    let mut problems = Problems::default();
    let mut broken = 0;
    let mut refused_rows = Vec::new();
    let mut beyond = false;
    for_each_row(kind, bytes, |r| match r {
        // Past the limit the file is refused below, without holding the rest; the header
        // and title rows above it count too, so no row is ever dropped from a file taken.
        Ok(row) if !row.is_blank() && sheet_rows.len() > MAX_ROWS => beyond = true,
        Ok(row) if !row.is_blank() => sheet_rows.push(row),
        Ok(_) => {}
        Err(p) => {
            broken += 1;
            refused_rows.push(p.row);
            problems.push(p)
        }
    })
    .map_err(|p| AppError::Invalid(vec![p.to_string()]))?;
    let columns = columns(department);
    let id_column = columns[0].0;
    // The header is the first row naming the ID number column; title rows may precede it.
    let Some(at) = sheet_rows.iter().position(|r| {
        r.cells
            .iter()
            .any(|c| normalized(c) == normalized(id_column))
    }) else {
        return Err(AppError::Invalid(vec![format!(
            "文件“{name}”没有表头“{id_column}”：请用{}的{}模板",
            department.label(),
            feed_title(department)
        )]));
    };
    let header: Vec<String> = sheet_rows[at].cells.iter().map(normalized).collect();
    let mut index = Vec::with_capacity(columns.len());
    let mut missing = Vec::new();
    for (c, _) in columns {
        let i = header.iter().position(|h| *h == normalized(c));
        if i.is_none() {
            missing.push(*c);
        }
        index.push(i);
    }
    if !missing.is_empty() {
        return Err(AppError::Invalid(vec![format!(
            "文件“{name}”第{}行表头缺少列：{}（{}{}的列为：{}）",
            sheet_rows[at].number,
            missing.join("、"),
            department.label(),
            feed_title(department),
            columns
                .iter()
                .map(|(c, _)| *c)
                .collect::<Vec<_>>()
                .join("、")
        )]));
    }
    let data = &sheet_rows[at + 1..];
    if beyond {
        return Err(AppError::Invalid(vec![format!(
            "文件超过{MAX_ROWS}行上限，请按乡镇或月份分成几个文件"
        )]));
    }
    let mut rows = Vec::with_capacity(data.len());
    for row in data {
        let mut cells = Cells {
            row,
            columns,
            index: &index,
            problems: &mut problems,
        };
        match cells.read(department, today) {
            Some(r) => rows.push(r),
            None => refused_rows.push(row.number),
        }
    }
    refused_rows.sort_unstable();
    Ok(FeedFile {
        department,
        rows_read: data.len() + broken,
        rejected: data.len() + broken - rows.len(),
        rows,
        problems: problems.into_vec(),
        refused_rows,
    })
}

/// The cells of one data row, read by column name; problems go to the file's list.
struct Cells<'a, 'p> {
    row: &'a SheetRow,
    columns: &'static [Column],
    index: &'a [Option<usize>],
    problems: &'p mut Problems,
}

impl Cells<'_, '_> {
    fn problem(&mut self, column: &str, message: impl Into<String>) {
        self.problems
            .push(problem(self.row.number, column, message));
    }

    /// The trimmed text of column `k`, `None` when empty (a problem if required) or when
    /// the cell is a formula or an error value.
    fn text(&mut self, k: usize) -> Option<String> {
        let (column, required) = self.columns[k];
        let i = self.index[k]?;
        let text = self.row.cells.get(i).unwrap_or("").trim().to_string();
        match self.row.mark(i) {
            Some(Mark::Formula(f)) => {
                let f = f.clone();
                self.problem(
                    column,
                    format!("是公式“{f}”，请把该列复制后“选择性粘贴为数值”再上传"),
                );
                return None;
            }
            Some(Mark::Error(e)) => {
                let e = e.clone();
                self.problem(column, format!("是错误值“{e}”，请更正后再上传"));
                return None;
            }
            Some(Mark::Number) if k == 0 => {
                self.problem(
                    column,
                    format!(
                        "“{text}”被 Excel 存成了数字，后几位已经丢失：请把该列设为“文本”后重新导出"
                    ),
                );
                return None;
            }
            _ => {}
        }
        if text.is_empty() {
            if required {
                self.problem(column, "必填，不能为空");
            }
            return None;
        }
        Some(text)
    }

    fn date(&mut self, k: usize, today: NaiveDate) -> Option<NaiveDate> {
        let column = self.columns[k].0;
        let t = self.text(k)?;
        match parse_date(&t) {
            Ok(d) if d > today => {
                self.problem(column, format!("{d}晚于今天"));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                self.problem(column, e.to_string());
                None
            }
        }
    }

    /// An amount in yuan; an empty optional column is zero.
    fn money(&mut self, k: usize) -> Option<Money> {
        let column = self.columns[k].0;
        let Some(t) = self.text(k) else {
            return (!self.columns[k].1).then_some(Money::ZERO);
        };
        match Money::parse(&t) {
            Ok(m) if m < Money::ZERO => {
                self.problem(column, format!("金额“{t}”不能为负数"));
                None
            }
            Ok(m) => Some(m),
            Err(e) => {
                self.problem(column, format!("金额“{t}”无效：{e}"));
                None
            }
        }
    }

    fn coded<T>(
        &mut self,
        k: usize,
        parse: impl Fn(&str) -> Option<T>,
        choices: &str,
    ) -> Option<T> {
        let column = self.columns[k].0;
        let t = self.text(k)?;
        let parsed = parse(&t);
        if parsed.is_none() {
            self.problem(column, format!("“{t}”无效，可填：{choices}"));
        }
        parsed
    }

    fn read(&mut self, department: Department, today: NaiveDate) -> Option<FeedRow> {
        let before = self.problems.len();
        let id_column = self.columns[0].0;
        let id_number = self.text(0).and_then(|t| {
            if (t.contains(['E', 'e']) && t.contains('+')) || t.contains('.') {
                self.problem(
                    id_column,
                    format!(
                        "“{t}”被 Excel 存成了数字，后几位已经丢失：请把该列设为“文本”后重新导出"
                    ),
                );
                return None;
            }
            match IdNumber::parse(&t, today) {
                Ok(id) => Some(id),
                Err(e) => {
                    self.problem(id_column, e.to_string());
                    None
                }
            }
        });
        let name = self.text(1);
        if let Some(n) = &name
            && n.chars().count() > 50
        {
            self.problem(self.columns[1].0, "过长（最多50个字）");
        }
        let fact = match department {
            Department::Medical => {
                let on = self.date(2, today);
                let total = self.money(3);
                let self_pay = self.money(4);
                if let (Some(t), Some(s)) = (total, self_pay)
                    && s > t
                {
                    self.problem(
                        self.columns[4].0,
                        format!("个人自付 {s} 元大于医疗总费用 {t} 元"),
                    );
                }
                Some(Fact::Claim {
                    on: on?,
                    total: total?,
                    self_pay: self_pay?,
                })
            }
            Department::CivilAffairs => {
                let kind = self.coded(
                    2,
                    |t| {
                        let t = match t {
                            "特困供养" | "特困人员" => "特困",
                            "城乡低保" | "农村低保" | "最低生活保障" => "低保",
                            other => other,
                        };
                        Assistance::from_name(t.as_bytes())
                    },
                    CIVIL_CHOICES,
                );
                let on = self.date(3, today);
                let amount = self.money(4);
                Some(Fact::Assistance {
                    kind: kind?,
                    on: on?,
                    amount: amount?,
                })
            }
            Department::Disability => {
                let level = self.coded(
                    2,
                    |t| match t.trim_end_matches('级') {
                        "1" | "一" => Some(1),
                        "2" | "二" => Some(2),
                        "3" | "三" => Some(3),
                        "4" | "四" => Some(4),
                        _ => None,
                    },
                    DISABILITY_CHOICES,
                );
                let _category = self.text(3);
                let on = self.date(4, today);
                Some(Fact::Disability {
                    level: level?,
                    on: on?,
                })
            }
            Department::Education => {
                let status =
                    self.coded(2, |t| Schooling::from_name(t.as_bytes()), SCHOOLING_CHOICES);
                let on = self.date(3, today);
                Some(Fact::Schooling {
                    status: status?,
                    on: on?,
                })
            }
            Department::Housing => {
                let grade = self.coded(
                    2,
                    |t| Grade::from_name(t.trim_end_matches('级').to_uppercase().as_bytes()),
                    HOUSING_CHOICES,
                );
                let on = self.date(3, today);
                Some(Fact::Housing {
                    grade: grade?,
                    on: on?,
                })
            }
            Department::Deaths => Some(Fact::Death {
                on: self.date(2, today)?,
            }),
            other => {
                let (kind_at, date_at, amount_at) = listed_columns(other)?;
                let kind = match kind_at {
                    Some(k) => self.coded(
                        k,
                        |t| other.kinds().iter().copied().find(|c| *c == t),
                        &other.kinds().join("、"),
                    ),
                    None => Some("大病"),
                };
                let on = self.date(date_at, today);
                let amount = match amount_at {
                    Some(k) => self.money(k),
                    None => Some(Money::ZERO),
                };
                Some(Fact::Listed {
                    kind: kind?,
                    on: on?,
                    amount: amount?,
                })
            }
        };
        if self.problems.len() > before {
            return None;
        }
        Some(FeedRow {
            row: self.row.number,
            id_number: id_number?,
            name: name?,
            fact: fact?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn valid_id(seq: u32) -> String {
        let birth = dixian_screen::Date::new(1980, 1, 1).unwrap();
        dixian_screen::generate::id_number("500299", birth, seq)
    }

    fn read(department: Department, text: &str) -> FeedFile {
        read_feed(department, "feed.csv", text.as_bytes(), today()).unwrap()
    }

    #[test]
    fn a_good_medical_file_reads_every_row() {
        let text = format!(
            "医保结算数据（2026年10月）\n身份证号,姓名,结算日期,医疗总费用（元）,个人自付(元)\n{},张三,2026-10-08,12800.50,5230.20\n\n{},李四,2026/10/09,300,0\n",
            valid_id(1),
            valid_id(2)
        );
        let f = read(Department::Medical, &text);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.rows_read, 2);
        assert_eq!(f.rows.len(), 2);
        assert_eq!(f.rows[0].row, 3);
        assert_eq!(
            f.rows[0].fact,
            Fact::Claim {
                on: NaiveDate::from_ymd_opt(2026, 10, 8).unwrap(),
                total: Money::from_fen(1_280_050),
                self_pay: Money::from_fen(523_020),
            }
        );
        assert_eq!(f.rows[1].row, 5);
    }

    #[test]
    fn every_bad_row_is_named_by_row_and_column() {
        let text = format!(
            "身份证号,姓名,结算日期,医疗总费用(元),个人自付(元)\n\
             500299198001010010,张三,2026-10-08,100,50\n\
             {},李四,2026-02-30,100,50\n\
             {},王五,2026-10-08,100,150\n\
             {},赵六,2026-12-01,-5,0\n\
             5.00299E+17,钱七,2026-10-08,100,50\n\
             {},,2026-10-08,abc,1\n\
             {},孙八,2026-10-08,100,50\n",
            valid_id(3),
            valid_id(4),
            valid_id(5),
            valid_id(6),
            valid_id(7)
        );
        let f = read(Department::Medical, &text);
        let found: Vec<(usize, &str)> = f
            .problems
            .iter()
            .map(|p| (p.row, p.column.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            found,
            vec![
                (2, "身份证号"),
                (3, "结算日期"),
                (4, "个人自付(元)"),
                (5, "结算日期"),
                (5, "医疗总费用(元)"),
                (6, "身份证号"),
                (7, "姓名"),
                (7, "医疗总费用(元)"),
            ]
        );
        assert_eq!(f.rows_read, 7);
        assert_eq!(f.rows.len(), 1);
        assert_eq!(f.rows[0].row, 8);
        let text = f.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert!(text[2].contains("大于医疗总费用"), "{text:?}");
        assert!(text[3].contains("晚于今天"), "{text:?}");
        assert!(text[5].contains("Excel"), "{text:?}");
    }

    #[test]
    fn each_department_reads_its_own_columns_and_names() {
        let id = valid_id(9);
        for (department, row, fact) in [
            (
                Department::CivilAffairs,
                format!("{id},张三,特困供养,2026-10-01,"),
                Fact::Assistance {
                    kind: Assistance::Tekun,
                    on: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
                    amount: Money::ZERO,
                },
            ),
            (
                Department::Disability,
                format!("{id},张三,二级,肢体,2026-09-20"),
                Fact::Disability {
                    level: 2,
                    on: NaiveDate::from_ymd_opt(2026, 9, 20).unwrap(),
                },
            ),
            (
                Department::Education,
                format!("{id},张三,辍学,20261015"),
                Fact::Schooling {
                    status: Schooling::Dropout,
                    on: NaiveDate::from_ymd_opt(2026, 10, 15).unwrap(),
                },
            ),
            (
                Department::Housing,
                format!("{id},张三,c级,2026年8月30日"),
                Fact::Housing {
                    grade: Grade::C,
                    on: NaiveDate::from_ymd_opt(2026, 8, 30).unwrap(),
                },
            ),
            (
                Department::Deaths,
                format!("{id},张三,2026-10-12"),
                Fact::Death {
                    on: NaiveDate::from_ymd_opt(2026, 10, 12).unwrap(),
                },
            ),
        ] {
            let header: Vec<&str> = columns(department).iter().map(|(c, _)| *c).collect();
            let f = read(department, &format!("{}\n{row}\n", header.join(",")));
            assert!(f.problems.is_empty(), "{department:?}: {:?}", f.problems);
            assert_eq!(f.rows[0].fact, fact, "{department:?}");
            assert_eq!(Department::parse(department.code()), Some(department));
            assert_eq!(Department::parse(department.label()), Some(department));
        }
    }

    #[test]
    fn the_listed_feeds_read_their_kind_date_and_amount_and_store_them() {
        let id = valid_id(9);
        let on = NaiveDate::from_ymd_opt(2026, 7, 12).unwrap();
        for (department, row, kind, amount) in [
            (
                Department::Vehicles,
                format!("{id},张三,渝A1,重型货车,2026-07-12"),
                "重型货车",
                0,
            ),
            (
                Department::RealEstate,
                format!("{id},张三,,商业服务,2026-07-12"),
                "商业服务",
                0,
            ),
            (
                Department::Business,
                format!("{id},张三,某某店,个体工商户,2026-07-12"),
                "个体工商户",
                0,
            ),
            (
                Department::Payroll,
                format!("{id},张三,某局,事业编制人员,2026-07-12"),
                "事业编制人员",
                0,
            ),
            (
                Department::Employment,
                format!("{id},张三,失业登记,2026-07-12"),
                "失业登记",
                0,
            ),
            (
                Department::Emergency,
                format!("{id},张三,洪涝,2026-07-12,35000"),
                "洪涝",
                3_500_000,
            ),
            (
                Department::Health,
                format!("{id},张三,2026-07-12"),
                "大病",
                0,
            ),
        ] {
            let header: Vec<&str> = columns(department).iter().map(|(c, _)| *c).collect();
            let f = read(department, &format!("{}\n{row}\n", header.join(",")));
            assert!(f.problems.is_empty(), "{department:?}: {:?}", f.problems);
            let fact = Fact::Listed {
                kind,
                on,
                amount: Money::from_fen(amount),
            };
            assert_eq!(f.rows[0].fact, fact, "{department:?}");
            let s = stored(&f.rows[0]);
            assert_eq!(
                fact_of(department, s.on, s.amount_fen, s.amount2_fen, &s.detail),
                Some(fact),
                "{department:?}"
            );
        }
        // A kind the department does not have is named with the choices.
        let f = read(
            Department::RealEstate,
            &format!("身份证号,姓名,坐落,房屋用途,登记日期\n{id},张三,,别墅,2026-07-12\n"),
        );
        let p = f.problems[0].to_string();
        assert!(
            p.contains("房屋用途") && p.contains("“别墅”无效，可填：商品住宅、商业服务"),
            "{p}"
        );
        assert_eq!(fact_of(Department::Vehicles, on, 0, 0, "飞机"), None);
    }

    #[test]
    fn a_gbk_csv_from_excel_reads_like_utf8() {
        let text = format!(
            "身份证号,姓名,死亡日期\r\n{},张三,2026-10-12\r\n",
            valid_id(4)
        );
        let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
        let f = read_feed(Department::Deaths, "死亡.csv", &gbk, today()).unwrap();
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.rows[0].name, "张三");
    }

    #[test]
    fn a_stored_row_reads_back_as_the_same_fact() {
        let on = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let facts = [
            (
                Department::Medical,
                Fact::Claim {
                    on,
                    total: Money::from_fen(12_345),
                    self_pay: Money::from_fen(999),
                },
            ),
            (
                Department::CivilAffairs,
                Fact::Assistance {
                    kind: Assistance::Temporary,
                    on,
                    amount: Money::from_fen(50_000),
                },
            ),
            (Department::Disability, Fact::Disability { level: 2, on }),
            (
                Department::Education,
                Fact::Schooling {
                    status: Schooling::Suspended,
                    on,
                },
            ),
            (
                Department::Housing,
                Fact::Housing {
                    grade: Grade::D,
                    on,
                },
            ),
            (Department::Deaths, Fact::Death { on }),
        ];
        for (department, fact) in facts {
            let row = FeedRow {
                row: 2,
                id_number: IdNumber::parse(&valid_id(1), today()).unwrap(),
                name: "张三".into(),
                fact,
            };
            let s = stored(&row);
            let back = fact_of(department, s.on, s.amount_fen, s.amount2_fen, &s.detail);
            assert_eq!(back, Some(fact), "{department:?}");
        }
        assert_eq!(fact_of(Department::Disability, on, 0, 0, "7"), None);
    }

    #[test]
    fn a_file_without_the_columns_is_refused_whole() {
        let err = read_feed(
            Department::Medical,
            "x.csv",
            "身份证号,姓名,日期\n".as_bytes(),
            today(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("缺少列") && err.contains("结算日期") && err.contains("个人自付(元)"),
            "{err}"
        );
        let err = read_feed(
            Department::Deaths,
            "x.csv",
            "姓名,死亡日期\n".as_bytes(),
            today(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("没有表头“身份证号”"), "{err}");
    }

    #[test]
    fn templates_hold_no_row_and_read_back_without_problems() {
        for &department in Department::ALL {
            for kind in [FileKind::Csv, FileKind::Xlsx] {
                let bytes = template(department, kind).unwrap();
                let name = format!("t.{}", kind.extension());
                let f = read_feed(department, &name, &bytes, today()).unwrap();
                // No sample row that could match a real person.
                assert_eq!(f.rows_read, 0, "{department:?} {kind:?}");
                assert!(f.problems.is_empty(), "{department:?} {kind:?}");
            }
            // The columns as the template heads them take a row as the checks expect it.
            let mut csv = String::from_utf8(template(department, FileKind::Csv).unwrap()).unwrap();
            csv.push_str(&example(department).join(","));
            csv.push_str("\r\n");
            let f = read_feed(department, "t.csv", csv.as_bytes(), today()).unwrap();
            assert_eq!(
                (f.rows_read, f.rejected),
                (1, 0),
                "{department:?}: {:?}",
                f.problems
            );
        }
    }

    #[test]
    fn the_excel_template_keeps_id_numbers_as_text_and_explains_every_column() {
        use calamine::Reader;
        let bytes = template(Department::CivilAffairs, FileKind::Xlsx).unwrap();
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
        assert_eq!(
            book.sheet_names(),
            [
                feed_title(Department::CivilAffairs).to_string(),
                "填写说明".to_string()
            ]
        );
        let notes = book.worksheet_range("填写说明").unwrap();
        let text: Vec<String> = notes.rows().flatten().map(|c| c.to_string()).collect();
        for (name, _) in columns(Department::CivilAffairs) {
            assert!(text.iter().any(|t| t == name), "{name} explained");
        }
        assert!(text.iter().any(|t| t.contains(CIVIL_CHOICES)));
        // Every column of the data sheet is formatted as text ("@" in the styles).
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut sheet = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut sheet,
        )
        .unwrap();
        let mut styles = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("xl/styles.xml").unwrap(), &mut styles)
            .unwrap();
        // The text format and the cell style that applies it (style 1: the first added).
        assert!(
            styles.contains("<numFmt numFmtId=\"164\" formatCode=\"@\"/>")
                && styles.contains("<xf numFmtId=\"164\""),
            "{styles}"
        );
        // Every column, from the first to the last (ranges of equal columns are merged).
        let cols: Vec<&str> = sheet.split("<col ").skip(1).collect();
        assert!(cols[0].starts_with("min=\"1\""), "{sheet}");
        let last = format!("max=\"{}\"", columns(Department::CivilAffairs).len());
        assert!(cols.last().unwrap().contains(&last), "{sheet}");
        assert!(cols.iter().all(|c| c.contains("style=\"1\"")), "{sheet}");
    }

    #[test]
    fn refused_rows_come_back_under_their_header_with_the_reason() {
        let file = "说明：十月低保\n身份证号*,姓名*,救助类别*,起始日期*,救助金额(元)\n\
            500299198001010014,张三,低保,2026-10-01,450\n\
            500299198001010015,李四,低保,2026-10-01,450\n\
            500299198001010014,王五,补贴,2026-10-01,450\n";
        let f = read_feed(Department::CivilAffairs, "m.csv", file.as_bytes(), today()).unwrap();
        assert_eq!(f.refused_rows, [4, 5]);
        let report = DeliveryReport {
            department: Department::CivilAffairs,
            period: Period::of(today()),
            rows_read: f.rows_read,
            delivered: None,
            problems: f.problems,
            rejected: f.rejected,
            refused_rows: f.refused_rows,
        };
        let out =
            String::from_utf8(refused_rows("m.csv", file.as_bytes(), &report).unwrap()).unwrap();
        let lines: Vec<&str> = out.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        assert!(lines[0].starts_with("问题,原文件行号,身份证号*"), "{out}");
        assert!(
            lines[1].contains("身份证号") && lines[1].contains(",4,"),
            "{out}"
        );
        assert!(
            lines[2].contains("救助类别") && lines[2].contains(",5,"),
            "{out}"
        );
        assert!(!out.contains("张三"), "a good row is not sent back");
        // The file of refused rows reads as a feed again once corrected.
        let again = read_feed(Department::CivilAffairs, "r.csv", out.as_bytes(), today()).unwrap();
        assert_eq!(again.rows_read, 2);
    }
}

/// What a delivery did: the store's outcome and every row the checks refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub department: Department,
    pub period: Period,
    pub rows_read: usize,
    /// `None` on a check-only run.
    pub delivered: Option<Delivered>,
    pub problems: Vec<Problem>,
    /// Rows refused, listed among the problems or not.
    pub rejected: usize,
    /// Their numbers, as the spreadsheet numbers them.
    pub refused_rows: Vec<usize>,
}

impl DeliveryReport {
    /// Rows that passed the checks.
    pub fn accepted(&self) -> usize {
        self.rows_read - self.rejected
    }
}

/// A checked row as the store keeps it: `amount_fen`, `amount2_fen` and `detail` mean what
/// the department's feed says (see [`fact_of`] for the way back).
fn stored(row: &FeedRow) -> DeliveryRow {
    let (amount_fen, amount2_fen, detail) = match row.fact {
        Fact::Claim {
            total, self_pay, ..
        } => (total.fen(), self_pay.fen(), String::new()),
        Fact::Assistance { kind, amount, .. } => (amount.fen(), 0, kind.name().to_string()),
        Fact::Disability { level, .. } => (0, 0, level.to_string()),
        Fact::Schooling { status, .. } => (0, 0, status.name().to_string()),
        Fact::Housing { grade, .. } => (0, 0, grade.name().to_string()),
        Fact::Death { .. } => (0, 0, String::new()),
        Fact::Listed { kind, amount, .. } => (amount.fen(), 0, kind.to_string()),
    };
    DeliveryRow {
        row: i64::try_from(row.row).unwrap_or(i64::MAX),
        id_number: row.id_number.clone(),
        on: row.fact.on(),
        amount_fen,
        amount2_fen,
        detail,
    }
}

/// The fact a stored row of `department` records; `None` if the row is not one this module
/// wrote.
pub fn fact_of(
    department: Department,
    on: NaiveDate,
    amount_fen: i64,
    amount2_fen: i64,
    detail: &str,
) -> Option<Fact> {
    Some(match department {
        Department::Medical => Fact::Claim {
            on,
            total: Money::from_fen(amount_fen),
            self_pay: Money::from_fen(amount2_fen),
        },
        Department::CivilAffairs => Fact::Assistance {
            kind: Assistance::from_name(detail.as_bytes())?,
            on,
            amount: Money::from_fen(amount_fen),
        },
        Department::Disability => Fact::Disability {
            level: detail.parse().ok().filter(|l| (1..=4).contains(l))?,
            on,
        },
        Department::Education => Fact::Schooling {
            status: Schooling::from_name(detail.as_bytes())?,
            on,
        },
        Department::Housing => Fact::Housing {
            grade: Grade::from_name(detail.as_bytes())?,
            on,
        },
        Department::Deaths => Fact::Death { on },
        Department::Health => Fact::Listed {
            kind: "大病",
            on,
            amount: Money::ZERO,
        },
        other => Fact::Listed {
            kind: other.kinds().iter().copied().find(|k| *k == detail)?,
            on,
            amount: Money::from_fen(amount_fen),
        },
    })
}

/// Reads feed file `name` of `department` for `period` and, unless `check_only`, delivers
/// the rows that pass the checks; the others are counted in the delivery and listed in the
/// report. A file with no good row at all is refused.
#[allow(clippy::too_many_arguments)]
pub async fn deliver(
    store: &dyn Store,
    actor: &Actor,
    department: Department,
    period: Period,
    name: &str,
    bytes: &[u8],
    check_only: bool,
    today: NaiveDate,
) -> Result<DeliveryReport, AppError> {
    // Before the file is read: reading a large file is work only a department may ask for.
    crate::accounts::require(
        store,
        actor,
        dixian_domain::access::Permission::UploadFeed,
        "部门数据",
    )
    .await?;
    if period > Period::of(today) {
        return Err(AppError::Invalid(vec![format!("数据月份{period}晚于本月")]));
    }
    // Held until delivered: one file at a time per account.
    let _work = crate::sheet::guard::start_file_work(actor)?;
    let file = read_feed(department, name, bytes, today)?;
    let mut report = DeliveryReport {
        department,
        period,
        rows_read: file.rows_read,
        delivered: None,
        problems: file.problems,
        rejected: file.rejected,
        refused_rows: file.refused_rows,
    };
    if check_only {
        return Ok(report);
    }
    if file.rows.is_empty() {
        return Err(AppError::Invalid(
            std::iter::once(format!("文件“{name}”没有一行通过检查，未交付："))
                .chain(report.problems.iter().take(50).map(|p| p.to_string()))
                .collect(),
        ));
    }
    let digest: String = dixian_gm::sm3(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let delivery = NewDelivery {
        department,
        period,
        file_name: name.to_string(),
        digest,
        rows_read: i64::try_from(file.rows_read).unwrap_or(i64::MAX),
        rejected: i64::try_from(report.rejected).unwrap_or(i64::MAX),
        rows: file.rows.iter().map(stored).collect(),
    };
    report.delivered = Some(store.deliver_feed(actor, &delivery).await?);
    Ok(report)
}
