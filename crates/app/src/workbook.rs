//! Tables as XLSX sheets, the way county ledgers and bulletins look: a title row across the
//! table, a line saying whose and as of when, bold headings, frozen below them, the rows, and a
//! 合计 line. Codes and ID numbers are text (never numbers Excel would round), money is yuan
//! from integer fen with two decimals, dates are Excel dates. Shared by the standard ledgers
//! (台账) and the monthly bulletin (月通报).

use crate::AppError;
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet};

/// One cell of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// A count (户数, 人数, 件数).
    Count(i64),
    /// Money in fen, shown as yuan.
    Fen(i64),
    Date(NaiveDate),
    /// A share in tenths of a percent (848 → 84.8%).
    Permille(i64),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }

    pub fn date(d: Option<NaiveDate>) -> Cell {
        d.map_or(Cell::Empty, Cell::Date)
    }

    /// The cell as the text a person reads, for CSV and for tests.
    pub fn shown(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Fen(f) => dixian_domain::money::Money::from_fen(*f).to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Permille(p) => format!("{}.{}%", p / 10, p % 10),
            Cell::Empty => String::new(),
        }
    }
}

/// A titled table: one sheet of a workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The sheet's name (at most 31 characters).
    pub sheet: String,
    /// The line across the top, e.g. 青山县防止返贫监测对象台账.
    pub title: String,
    /// The line under it, e.g. 填报单位：青山县 截至：2026-12-06.
    pub subtitle: String,
    /// Column headings and widths (characters).
    pub columns: Vec<(&'static str, u16)>,
    pub rows: Vec<Vec<Cell>>,
    /// The 合计 line, if the table has one.
    pub total: Option<Vec<Cell>>,
}

/// The row of the first heading: title and subtitle come first.
pub const HEADING_ROW: u32 = 2;

fn io(e: impl std::fmt::Display) -> AppError {
    AppError::Invalid(vec![format!("写入Excel文件失败：{e}")])
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

fn row(r: usize) -> u32 {
    u32::try_from(r).unwrap_or(u32::MAX)
}

/// Formats of a sheet, made once.
struct Formats {
    title: Format,
    heading: Format,
    money: Format,
    date: Format,
    share: Format,
    total: Format,
    total_money: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center),
            heading: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_background_color("#F2F2F2")
                .set_border(rust_xlsxwriter::FormatBorder::Thin),
            money: Format::new().set_num_format("#,##0.00"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            share: Format::new().set_num_format("0.0%"),
            total: Format::new().set_bold(),
            total_money: Format::new().set_bold().set_num_format("#,##0.00"),
        }
    }
}

fn write_cell(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    cell: &Cell,
    f: &Formats,
    bold: bool,
) -> Result<(), AppError> {
    match cell {
        Cell::Text(s) if bold => ws.write_string_with_format(r, c, s, &f.total).map(|_| ()),
        Cell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
        Cell::Count(n) if bold => ws
            .write_number_with_format(r, c, *n as f64, &f.total)
            .map(|_| ()),
        Cell::Count(n) => ws.write_number(r, c, *n as f64).map(|_| ()),
        // Whole fen over 100 is exact in a double for any plausible sum.
        Cell::Fen(fen) => ws
            .write_number_with_format(
                r,
                c,
                *fen as f64 / 100.0,
                if bold { &f.total_money } else { &f.money },
            )
            .map(|_| ()),
        Cell::Date(d) => {
            let day = ExcelDateTime::from_ymd(
                u16::try_from(d.year()).unwrap_or(0),
                u8::try_from(d.month()).unwrap_or(1),
                u8::try_from(d.day()).unwrap_or(1),
            );
            match day {
                Ok(day) => ws.write_datetime_with_format(r, c, day, &f.date),
                // Excel has no day before 1900 or after 9999: such a date (typed before
                // dates were checked) is written as its text, so one row never costs the
                // whole ledger.
                Err(_) => ws.write_string(r, c, d.to_string()),
            }
            .map(|_| ())
        }
        Cell::Permille(p) => ws
            .write_number_with_format(r, c, *p as f64 / 1000.0, &f.share)
            .map(|_| ()),
        Cell::Empty => Ok(()),
    }
    .map_err(io)
}

/// Where a table landed in its sheet, for charts over its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub first_row: u32,
    /// The last data row (not the total); `first_row - 1` when there are no rows.
    pub last_row: u32,
}

/// Adds `table` as a new sheet of `wb`. `streaming` writes it row by row with bounded
/// memory (for ledgers of any size); a streamed sheet cannot carry charts.
pub fn add_table(wb: &mut Workbook, table: &Table, streaming: bool) -> Result<Placed, AppError> {
    let f = Formats::new();
    let ws = if streaming {
        wb.add_worksheet_with_constant_memory().map_err(io)?
    } else {
        wb.add_worksheet()
    };
    ws.set_name(&table.sheet).map_err(io)?;
    let last_col = col(table.columns.len().saturating_sub(1));
    ws.merge_range(0, 0, 0, last_col, &table.title, &f.title)
        .map_err(io)?;
    ws.write_string(1, 0, &table.subtitle).map_err(io)?;
    for (c, (name, width)) in table.columns.iter().enumerate() {
        ws.write_string_with_format(HEADING_ROW, col(c), *name, &f.heading)
            .map_err(io)?;
        ws.set_column_width(col(c), f64::from(*width)).map_err(io)?;
    }
    ws.set_freeze_panes(HEADING_ROW + 1, 0).map_err(io)?;
    let first = HEADING_ROW + 1;
    for (i, cells) in table.rows.iter().enumerate() {
        for (c, cell) in cells.iter().enumerate() {
            write_cell(ws, first + row(i), col(c), cell, &f, false)?;
        }
    }
    let last_row = first + row(table.rows.len()) - 1;
    if let Some(total) = &table.total {
        for (c, cell) in total.iter().enumerate() {
            write_cell(ws, last_row + 1, col(c), cell, &f, true)?;
        }
    }
    Ok(Placed {
        first_row: first,
        last_row,
    })
}

/// A workbook of `tables`, one sheet each, written to `out`.
pub fn write_tables<W: std::io::Write + Send>(tables: &[Table], out: W) -> Result<(), AppError> {
    let mut wb = Workbook::new();
    for t in tables {
        add_table(&mut wb, t, true)?;
    }
    wb.save_to_writer(out).map_err(io)
}

/// Sheet names may not hold some characters and are at most 31 long.
pub fn sheet_name(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_people_write_them() {
        assert_eq!(Cell::Fen(123_456).shown(), "1234.56");
        assert_eq!(Cell::Permille(848).shown(), "84.8%");
        assert_eq!(Cell::text(""), Cell::Empty);
        assert_eq!(sheet_name("a/b:c*监测对象台账"), "abc监测对象台账");
    }
}
