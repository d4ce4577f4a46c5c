//! A sheet read as a table of named columns (项目清单、资产台账导入): the header is the first
//! row (within the first ten) that names the table's first column; columns may come in any
//! order; a column the template does not have, a repeated one or a missing required one is a
//! problem of the header row. Rows come back with their values by template column, each
//! trimmed, and their spreadsheet row number, so every problem names its row and column.

use super::{FileKind, Mark, Problem, Problems, SheetRow, for_each_row};

/// Rows above the header a file may have (a title such as “某某县项目库清单”).
const TITLE_ROWS: usize = 9;

/// One data row: its number as the spreadsheet shows it and a value per template column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    pub number: usize,
    pub values: Vec<String>,
    /// Template columns whose cell Excel stored as a number (codes lose digits that way).
    pub numbers: Vec<usize>,
}

impl TableRow {
    pub fn get(&self, column: usize) -> &str {
        self.values.get(column).map_or("", String::as_str)
    }

    /// A problem of this row in column `c` of `columns`.
    pub fn problem(&self, columns: &[(&str, bool)], c: usize, message: String) -> Problem {
        Problem {
            row: self.number,
            column: columns.get(c).map(|col| col.0.to_string()),
            message,
        }
    }

    /// The required cells of `columns` this row leaves empty, each as a problem.
    pub fn missing(&self, columns: &[(&str, bool)]) -> Vec<Problem> {
        columns
            .iter()
            .enumerate()
            .filter(|(c, (_, required))| *required && self.get(*c).is_empty())
            .map(|(c, (name, _))| self.problem(columns, c, format!("请填写{name}")))
            .collect()
    }
}

/// Opens an uploaded list for import (项目清单、资产台账): the officer's file-work slot, held
/// while the caller checks the rows, and the rows of `columns`; or every problem of the file,
/// each said with the file's name.
pub fn open_list(
    actor: &dixian_domain::access::Actor,
    file_name: &str,
    bytes: &[u8],
    columns: &[(&str, bool)],
    max_rows: usize,
) -> Result<(super::guard::FileWork, Vec<TableRow>), crate::AppError> {
    let work = super::guard::start_file_work(actor)?;
    let kind = FileKind::of(file_name, bytes).map_err(|p| refused(file_name, &[p]))?;
    let rows = read_table(kind, bytes, columns, max_rows).map_err(|p| refused(file_name, &p))?;
    Ok((work, rows))
}

/// A list refused whole: each problem said with the file's name, its row and column.
pub fn refused(file_name: &str, problems: &[Problem]) -> crate::AppError {
    crate::AppError::Invalid(problems.iter().map(|p| format!("{file_name}{p}")).collect())
}

/// A header cell's column name: spaces and the `*` of required columns taken off.
pub fn column_name(cell: &str) -> String {
    cell.split_whitespace()
        .collect::<String>()
        .trim_end_matches(['*', '＊'])
        .to_string()
}

/// Reads the first sheet of `bytes` as a table of `columns` ((name, required)); at most
/// `max_rows` data rows. Every problem of the file is returned, or the rows.
pub fn read_table(
    kind: FileKind,
    bytes: &[u8],
    columns: &[(&str, bool)],
    max_rows: usize,
) -> Result<Vec<TableRow>, Vec<Problem>> {
    let mut problems = Problems::default();
    let mut positions: Option<Vec<(usize, usize)>> = None;
    let mut seen = 0;
    let mut rows = Vec::new();
    let first = columns.first().map_or("", |c| c.0);
    let outcome = for_each_row(kind, bytes, |row| {
        let row = match row {
            Ok(r) if r.is_blank() => return,
            Ok(r) => r,
            Err(p) => return problems.push(p),
        };
        let Some(at) = &positions else {
            seen += 1;
            if row.cells.iter().any(|c| column_name(c) == first) {
                positions = Some(header(&row, columns, &mut problems));
            } else if seen > TITLE_ROWS {
                problems.push(super::whole(format!(
                    "前{TITLE_ROWS}行中没有表头“{first}”：请使用下载的模板"
                )));
                positions = Some(Vec::new());
            }
            return;
        };
        if rows.len() >= max_rows {
            if rows.len() == max_rows {
                problems.push(super::whole(format!(
                    "文件超过{max_rows}行，请分成几个文件导入"
                )));
                rows.push(TableRow {
                    number: 0,
                    values: Vec::new(),
                    numbers: Vec::new(),
                });
            }
            return;
        }
        let mut values = vec![String::new(); columns.len()];
        let mut numbers = Vec::new();
        for (i, k) in at {
            values[*k] = row.cells.get(*i).unwrap_or("").trim().to_string();
            match row.mark(*i) {
                Some(Mark::Number) => numbers.push(*k),
                Some(Mark::Formula(f)) => problems.push(Problem {
                    row: row.number,
                    column: Some(columns[*k].0.to_string()),
                    message: format!("是公式“{f}”，请粘贴为数值后再导入"),
                }),
                Some(Mark::Error(e)) => problems.push(Problem {
                    row: row.number,
                    column: Some(columns[*k].0.to_string()),
                    message: format!("是错误值{e}"),
                }),
                None => {}
            }
        }
        rows.push(TableRow {
            number: row.number,
            values,
            numbers,
        });
    });
    if let Err(p) = outcome {
        problems.push(p);
    }
    if positions.is_none() {
        problems.push(super::whole(format!(
            "文件中没有表头“{first}”：请使用下载的模板"
        )));
    }
    rows.retain(|r| r.number > 0);
    if rows.is_empty() && problems.is_empty() {
        problems.push(super::whole("文件中没有数据行"));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems.into_vec())
    }
}

/// The template columns of a header row, as (file column, template column).
fn header(
    row: &SheetRow,
    columns: &[(&str, bool)],
    problems: &mut Problems,
) -> Vec<(usize, usize)> {
    let mut positions: Vec<(usize, usize)> = Vec::new();
    let at = |column: &str, message: &str| Problem {
        row: row.number,
        column: Some(column.to_string()),
        message: message.into(),
    };
    for (i, h) in row.cells.iter().enumerate() {
        let name = column_name(h);
        if name.is_empty() || name == "问题" {
            continue;
        }
        match columns.iter().position(|(c, _)| *c == name) {
            Some(k) if positions.iter().any(|(_, p)| *p == k) => {
                problems.push(at(&name, "列名重复"))
            }
            Some(k) => positions.push((i, k)),
            None => problems.push(at(&name, "不是模板中的列，请使用下载的模板")),
        }
    }
    for (k, (c, required)) in columns.iter().enumerate() {
        if *required && !positions.iter().any(|(_, p)| *p == k) {
            problems.push(at(c, "缺少必需的列"));
        }
    }
    positions
}

/// A store's “第N个…：” refusal of an imported batch, said by the file's row instead.
pub fn at_row(message: &str, unit: &str, rows: &[usize], file_name: &str) -> String {
    let parsed = message
        .strip_prefix('第')
        .and_then(|rest| rest.split_once(unit))
        .and_then(|(n, rest)| Some((n.parse::<usize>().ok()?, rest.trim_start_matches('：'))));
    match parsed {
        Some((n, rest)) if n >= 1 && n <= rows.len() => {
            format!("{file_name}第{}行：{rest}", rows[n - 1])
        }
        _ => format!("{file_name}：{message}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const COLUMNS: [(&str, bool); 3] = [("名称", true), ("金额", true), ("备注", false)];

    #[test]
    fn columns_in_any_order_under_a_title() {
        let csv = "某县清单\n金额*,名称*\n100, 甲 \n\n200,乙\n";
        let rows = read_table(FileKind::Csv, csv.as_bytes(), &COLUMNS, 10).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].get(0), "甲");
        assert_eq!(rows[1].get(1), "200");
        assert_eq!(rows[1].number, 5);
    }

    #[test]
    fn header_problems_are_named() {
        let csv = "名称,价格,名称\n甲,1,乙\n";
        let problems = read_table(FileKind::Csv, csv.as_bytes(), &COLUMNS, 10).unwrap_err();
        let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(
            said.iter().any(|m| m.contains("“价格”：不是模板中的列")),
            "{said:?}"
        );
        assert!(
            said.iter().any(|m| m.contains("“名称”：列名重复")),
            "{said:?}"
        );
        assert!(
            said.iter().any(|m| m.contains("“金额”：缺少必需的列")),
            "{said:?}"
        );
        let empty = read_table(FileKind::Csv, "名称,金额\n".as_bytes(), &COLUMNS, 10).unwrap_err();
        assert!(empty[0].message.contains("没有数据行"));
        let many = "名称,金额\n甲,1\n乙,2\n丙,3\n";
        let over = read_table(FileKind::Csv, many.as_bytes(), &COLUMNS, 2).unwrap_err();
        assert!(over[0].message.contains("超过2行"));
    }
}
