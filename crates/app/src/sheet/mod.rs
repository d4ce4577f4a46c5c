//! A household file (农户导入文件) as rows of cell texts, whatever Excel saved it as: CSV in
//! UTF-8 or GBK/GB18030, or XLSX read as a stream so a 300,000-row sheet never sits in
//! memory as cells. What the text of a cell cannot say — that Excel stored it as a number,
//! that it holds a formula or an error value — travels beside it as a [`Mark`].

pub mod guard;
pub mod table;

/// The formats a household file may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
}

impl FileKind {
    /// By content first (an XLSX file is a ZIP archive whatever its name), then by name,
    /// so a renamed or damaged file gets a message about what it really is.
    pub fn of(file_name: &str, bytes: &[u8]) -> Result<FileKind, Problem> {
        let lower = file_name.to_lowercase();
        if bytes.starts_with(b"PK\x03\x04") {
            return Ok(FileKind::Xlsx);
        }
        if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) || lower.ends_with(".xls") {
            return Err(whole(format!(
                "{file_name}是旧版 Excel 97-2003（.xls）文件：请在 Excel 中“另存为”Excel 工作簿（.xlsx）或 CSV 后再导入"
            )));
        }
        if lower.ends_with(".xlsx") {
            return Err(whole(format!(
                "{file_name}不是完整的 Excel 文件（可能已损坏或没有上传完整）：请在 Excel 中重新保存后再导入"
            )));
        }
        Ok(FileKind::Csv)
    }

    /// For a file to write, from its name's extension.
    pub fn of_path(path: &std::path::Path) -> Result<FileKind, crate::AppError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Ok(FileKind::Csv),
            Some("xlsx") => Ok(FileKind::Xlsx),
            _ => Err(crate::AppError::Invalid(vec![format!(
                "不支持的文件格式：{}（应为 .csv 或 .xlsx）",
                path.display()
            )])),
        }
    }

    /// File extension of the kind.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Csv => "csv",
            FileKind::Xlsx => "xlsx",
        }
    }
}

/// What a cell was beyond its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// Excel stored a number: long codes have lost their last digits for good.
    Number,
    /// A formula, with its text; the cached value is not trusted (it may be stale).
    Formula(String),
    /// An error value such as #N/A or #REF!.
    Error(String),
}

/// One non-empty row of a sheet.
#[derive(Debug, Clone, Default)]
pub struct SheetRow {
    /// Row as the spreadsheet numbers it, from 1.
    pub number: usize,
    pub cells: csv::StringRecord,
    /// Marks by column index, for the few cells that have one.
    pub marks: Vec<(usize, Mark)>,
}

impl SheetRow {
    pub fn mark(&self, column: usize) -> Option<&Mark> {
        self.marks
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, m)| m)
    }

    pub fn is_blank(&self) -> bool {
        self.marks.is_empty() && self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// Text of a CSV file: UTF-8 (with or without BOM), else GB18030 (which covers GBK), as
/// Excel in a Chinese Windows saves CSV.
pub fn decode(bytes: &[u8]) -> Result<String, Problem> {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(body) {
        return Ok(text.to_string());
    }
    let (text, _, bad) = encoding_rs::GB18030.decode(body);
    if bad {
        return Err(whole(
            "文件编码无法识别：请在 Excel 中“另存为 CSV UTF-8”或 CSV（逗号分隔）后重新上传",
        ));
    }
    Ok(text.into_owned())
}

/// Calls `each` with every row of the file's first sheet, in order. A problem with the file
/// as a whole (unreadable, damaged) ends the reading; a broken CSV line is passed on as a
/// problem of its row, so the rows after it are still checked.
pub fn for_each_row(
    kind: FileKind,
    bytes: &[u8],
    mut each: impl FnMut(Result<SheetRow, Problem>),
) -> Result<(), Problem> {
    match kind {
        FileKind::Csv => {
            let text = decode(bytes)?;
            for_each_csv_row(&text, each)
        }
        FileKind::Xlsx => for_each_xlsx_row(bytes, &mut each),
    }
}

/// [`for_each_row`] over CSV text already decoded.
pub fn for_each_csv_row(
    text: &str,
    mut each: impl FnMut(Result<SheetRow, Problem>),
) -> Result<(), Problem> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut number = 0;
    loop {
        number += 1;
        if let Some(p) = guard::stopping() {
            return Err(p);
        }
        if number > guard::MAX_SHEET_ROWS {
            return Err(too_many_rows());
        }
        match reader.read_record(&mut record) {
            // A fresh record of a typical row's size, so the next read does not regrow it.
            Ok(true) => {
                // Rows as a spreadsheet shows the file: a quoted line break stays inside
                // its row, but a blank line, which the reader skips, is a row of its own.
                // A record's position is where the reader began looking for it, so the
                // blank lines it skipped lie at the start.
                if let Some(p) = record.position() {
                    let (bytes, at) = (text.as_bytes(), p.byte() as usize);
                    let mut rest = bytes.get(at..).unwrap_or(&[]);
                    // After a CRLF line the reader may stop between the two bytes.
                    if at > 0 && bytes.get(at - 1) == Some(&b'\r') {
                        rest = rest.strip_prefix(b"\n").unwrap_or(rest);
                    }
                    while let Some(after) = rest
                        .strip_prefix(b"\r\n")
                        .or_else(|| rest.strip_prefix(b"\n"))
                    {
                        number += 1;
                        rest = after;
                    }
                }
                if let Some(p) = guard::overlong_cell(number, &record) {
                    each(Err(p));
                    continue;
                }
                each(Ok(SheetRow {
                    number,
                    cells: std::mem::replace(
                        &mut record,
                        csv::StringRecord::with_capacity(384, 40),
                    ),
                    marks: Vec::new(),
                }))
            }
            Ok(false) => break,
            Err(e) => {
                let stop = e.is_io_error();
                each(Err(Problem {
                    row: number,
                    column: None,
                    message: format!("无法读取：{e}"),
                }));
                if stop {
                    break;
                }
            }
        }
    }
    Ok(())
}

fn too_many_rows() -> Problem {
    whole(format!(
        "文件超过{}行（Excel 工作表的上限）：请拆分成几个文件",
        guard::MAX_SHEET_ROWS
    ))
}

fn damaged(e: impl std::fmt::Display) -> Problem {
    whole(format!(
        "Excel 文件已损坏或不完整（{e}）：请在 Excel 中打开并重新保存后再导入"
    ))
}

/// Days from Excel's day 0 (1899-12-30, which absorbs its fictitious 1900-02-29).
fn excel_date(serial: f64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
    base.checked_add_signed(chrono::TimeDelta::days(serial.floor() as i64))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| serial.to_string())
}

fn for_each_xlsx_row(
    bytes: &[u8],
    each: &mut dyn FnMut(Result<SheetRow, Problem>),
) -> Result<(), Problem> {
    use calamine::{DataRef, Reader};
    guard::inspect_xlsx(bytes)?;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(damaged)?;
    let Some(first) = book.sheet_names().into_iter().next() else {
        return Err(whole("Excel 文件中没有工作表"));
    };
    let mut cells = book.worksheet_cells_reader(&first).map_err(damaged)?;
    let mut row = SheetRow::default();
    let mut fields: Vec<String> = Vec::new();
    let mut flush = |row: &mut SheetRow, fields: &mut Vec<String>| {
        if row.number > 0 {
            row.cells = fields.drain(..).collect();
            match guard::overlong_cell(row.number, &row.cells) {
                Some(p) => {
                    *row = SheetRow::default();
                    each(Err(p));
                }
                None => each(Ok(std::mem::take(row))),
            }
        }
    };
    while let Some(cell) = cells.next_cell_with_formula().map_err(damaged)? {
        let (r, c) = (cell.pos.0 as usize + 1, cell.pos.1 as usize);
        if r != row.number {
            flush(&mut row, &mut fields);
            if let Some(p) = guard::stopping() {
                return Err(p);
            }
            if r > guard::MAX_SHEET_ROWS {
                return Err(too_many_rows());
            }
            row.number = r;
        }
        let (text, mark) = match cell.value {
            DataRef::Empty => (String::new(), None),
            DataRef::String(s) => (s, None),
            DataRef::SharedString(s) => (s.to_string(), None),
            DataRef::Int(i) => (i.to_string(), Some(Mark::Number)),
            DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e18 => {
                ((f as i64).to_string(), Some(Mark::Number))
            }
            DataRef::Float(f) => (f.to_string(), Some(Mark::Number)),
            DataRef::Bool(b) => (if b { "是" } else { "否" }.to_string(), None),
            DataRef::DateTime(d) => (excel_date(d.as_f64()), None),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => (s, None),
            DataRef::Error(e) => (String::new(), Some(Mark::Error(e.to_string()))),
        };
        let mark = match cell.formula {
            Some(f) if !f.is_empty() => Some(Mark::Formula(format!("={f}"))),
            _ => mark,
        };
        // Cells come in column order; a gap is empty cells.
        if c < fields.len() {
            continue;
        }
        fields.resize(c, String::new());
        fields.push(text);
        if let Some(m) = mark {
            row.marks.push((c, m));
        }
    }
    flush(&mut row, &mut fields);
    Ok(())
}

/// One column of an import template, as its instructions sheet explains it.
pub struct ColumnNote {
    pub name: &'static str,
    pub required: bool,
    pub note: String,
}

/// An import template (导入模板) with no row that could be taken for a person: as CSV the
/// header alone (`*` marks the required columns); as Excel an empty data sheet `data_name`
/// first (the one uploads are read from), its columns formatted as text so ID numbers and
/// codes stay whole, then a sheet 填写说明 titled `title`: every column, whether it is
/// required, how to fill it, and the general `lines` under them.
pub fn template_book(
    kind: FileKind,
    data_name: &str,
    title: &str,
    columns: &[ColumnNote],
    widths: &[(u16, f64)],
    lines: &[&str],
) -> std::io::Result<Vec<u8>> {
    let header: Vec<String> = columns
        .iter()
        .map(|c| {
            if c.required {
                format!("{}*", c.name)
            } else {
                c.name.to_string()
            }
        })
        .collect();
    if kind == FileKind::Csv {
        let mut sheet = TextSheet::new(kind, data_name, &[], Vec::new())?;
        sheet.push(&header, true)?;
        return sheet.finish();
    }
    template_xlsx(data_name, title, &header, columns, widths, lines).map_err(xlsx_io)
}

fn template_xlsx(
    data_name: &str,
    title: &str,
    header: &[String],
    columns: &[ColumnNote],
    widths: &[(u16, f64)],
    lines: &[&str],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let data = wb.add_worksheet();
    data.set_name(data_name)?;
    for (c, h) in header.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(u16::MAX);
        let width = widths
            .iter()
            .find(|(col, _)| *col == c)
            .map_or(14.0, |(_, w)| *w);
        data.set_column_width(c, width)?;
        data.set_column_format(c, &text)?;
        data.write_string_with_format(0, c, h, &bold)?;
    }
    data.set_freeze_panes(1, 0)?;
    let notes = wb.add_worksheet();
    notes.set_name("填写说明")?;
    notes.set_column_width(0, 18.0)?;
    notes.set_column_width(1, 10.0)?;
    notes.set_column_width(2, 90.0)?;
    notes.write_string_with_format(0, 0, title, &bold)?;
    let mut row = 2;
    for (i, h) in ["列名", "是否必填", "填写要求"].iter().enumerate() {
        notes.write_string_with_format(row, u16::try_from(i).unwrap_or(0), *h, &bold)?;
    }
    for c in columns {
        row += 1;
        notes.write_string(row, 0, c.name)?;
        notes.write_string(row, 1, if c.required { "必填" } else { "可不填" })?;
        notes.write_string(row, 2, &c.note)?;
    }
    row += 2;
    for line in lines {
        notes.write_string(row, 0, *line)?;
        row += 1;
    }
    wb.save_to_buffer()
}

/// Rows of text written as CSV (UTF-8 with BOM, which Excel opens correctly) or as an XLSX
/// sheet in constant-memory mode, every cell as text so codes and ID numbers stay whole.
pub struct TextSheet<W: std::io::Write + Send> {
    out: W,
    book: Option<(Box<rust_xlsxwriter::Workbook>, u32)>,
}

fn xlsx_io(e: rust_xlsxwriter::XlsxError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl<W: std::io::Write + Send> TextSheet<W> {
    /// `widths` are (column, width in characters) for the columns worth widening.
    pub fn new(
        kind: FileKind,
        sheet_name: &str,
        widths: &[(u16, f64)],
        mut out: W,
    ) -> std::io::Result<Self> {
        let book = match kind {
            FileKind::Csv => {
                out.write_all("\u{feff}".as_bytes())?;
                None
            }
            FileKind::Xlsx => {
                let mut wb = Box::new(rust_xlsxwriter::Workbook::new());
                let ws = wb.add_worksheet_with_constant_memory().map_err(xlsx_io)?;
                ws.set_name(sheet_name).map_err(xlsx_io)?;
                for (col, width) in widths {
                    ws.set_column_width(*col, *width).map_err(xlsx_io)?;
                }
                Some((wb, 0))
            }
        };
        Ok(TextSheet { out, book })
    }

    /// Appends a row; a `heading` row is bold and, in XLSX, frozen at the top.
    pub fn push<S: AsRef<str>>(&mut self, cells: &[S], heading: bool) -> std::io::Result<()> {
        match &mut self.book {
            None => {
                let line: Vec<String> = cells
                    .iter()
                    .map(|c| crate::csv_text::cell(c.as_ref()))
                    .collect();
                self.out.write_all(line.join(",").as_bytes())?;
                self.out.write_all(b"\r\n")
            }
            Some((wb, row)) => {
                let ws = wb.worksheet_from_index(0).map_err(xlsx_io)?;
                let bold = rust_xlsxwriter::Format::new().set_bold();
                for (c, text) in cells.iter().enumerate() {
                    let (c, text) = (u16::try_from(c).unwrap_or(u16::MAX), text.as_ref());
                    if heading {
                        ws.write_string_with_format(*row, c, text, &bold)
                    } else if !text.is_empty() {
                        ws.write_string(*row, c, text)
                    } else {
                        continue;
                    }
                    .map_err(xlsx_io)?;
                }
                if heading {
                    ws.set_freeze_panes(*row + 1, 0).map_err(xlsx_io)?;
                }
                *row += 1;
                Ok(())
            }
        }
    }

    pub fn finish(mut self) -> std::io::Result<W> {
        match self.book.take() {
            None => self.out.flush()?,
            Some((mut wb, _)) => wb.save_to_writer(&mut self.out).map_err(xlsx_io)?,
        }
        Ok(self.out)
    }
}

/// Which rows of an uploaded file [`annotated`] writes back.
pub enum Annotate<'a> {
    /// Every row (titles, header, data), each with its problems.
    All,
    /// Only the header and the rows listed (the refused ones), each with its number in the
    /// uploaded file beside its problems.
    Rows(&'a std::collections::HashSet<usize>),
}

/// The uploaded file again in its own format, with a first column “问题” naming what is wrong
/// on each row, to correct in Excel and upload again (the reader ignores the added columns).
/// Problems of the whole file come first; formulas are written as typed. `is_header` finds the
/// header row. `None` when the file cannot be read again.
pub fn annotated(
    kind: FileKind,
    bytes: &[u8],
    problems: &[Problem],
    sheet_name: &str,
    widths: &[(u16, f64)],
    is_header: impl Fn(&[String]) -> bool,
    rows: Annotate<'_>,
) -> Option<Vec<u8>> {
    let mut by_row: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    for p in problems {
        let what = match &p.column {
            Some(c) => format!("{c}：{}", p.message),
            None => p.message.clone(),
        };
        by_row.entry(p.row).or_default().push(what);
    }
    let numbered = matches!(rows, Annotate::Rows(_));
    let mut sheet = TextSheet::new(kind, sheet_name, widths, Vec::new()).ok()?;
    let mut failed = false;
    for whole_file in by_row.get(&0).into_iter().flatten() {
        failed |= sheet.push(&[whole_file], false).is_err();
    }
    let mut header_seen = false;
    let read = for_each_row(kind, bytes, |row| {
        let (number, mut cells) = match row {
            Ok(r) => {
                let mut cells: Vec<String> = r.cells.iter().map(str::to_string).collect();
                for (c, mark) in &r.marks {
                    if let (Mark::Formula(f), Some(cell)) = (mark, cells.get_mut(*c)) {
                        cell.clone_from(f);
                    }
                }
                (r.number, cells)
            }
            Err(p) => (p.row, Vec::new()),
        };
        let heading = !header_seen && is_header(&cells);
        header_seen |= heading;
        let wanted = match rows {
            Annotate::All => true,
            Annotate::Rows(list) => heading || (header_seen && list.contains(&number)),
        };
        if !wanted {
            return;
        }
        let note = match (heading, by_row.get(&number)) {
            (true, None) => "问题".to_string(),
            (_, Some(notes)) => notes.join("；"),
            (false, None) if numbered => {
                "有问题（超过列出的上限，未逐条列出）：请核对后再上传".to_string()
            }
            (false, None) => String::new(),
        };
        if numbered {
            cells.insert(
                0,
                if heading {
                    "原文件行号".to_string()
                } else {
                    number.to_string()
                },
            );
        }
        cells.insert(0, note);
        failed |= sheet.push(&cells, heading).is_err();
    });
    if read.is_err() || failed {
        return None;
    }
    sheet.finish().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(kind: FileKind, bytes: &[u8]) -> Result<Vec<Result<SheetRow, Problem>>, Problem> {
        let mut all = Vec::new();
        for_each_row(kind, bytes, |r| all.push(r))?;
        Ok(all)
    }

    #[test]
    fn kinds_by_content_then_name() {
        assert_eq!(FileKind::of("a.csv", b"PK\x03\x04xx"), Ok(FileKind::Xlsx));
        assert_eq!(
            FileKind::of("a.txt", "户编号".as_bytes()),
            Ok(FileKind::Csv)
        );
        let old = FileKind::of("a.xls", &[0xD0, 0xCF, 0x11, 0xE0]).unwrap_err();
        assert!(old.message.contains("旧版 Excel"), "{old}");
        let broken = FileKind::of("农户.xlsx", b"not a zip").unwrap_err();
        assert!(broken.message.contains("不是完整的 Excel 文件"), "{broken}");
    }

    #[test]
    fn xlsx_cells_keep_what_their_text_cannot_say() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "户编号").unwrap();
        ws.write_string(0, 2, "金额").unwrap();
        ws.write_number(1, 0, 110105194912310046.0).unwrap();
        ws.write_number(1, 2, 1200.5).unwrap();
        ws.write_formula(2, 1, "=A2&\"x\"").unwrap();
        ws.write_boolean(3, 0, true).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let all: Vec<SheetRow> = rows(FileKind::Xlsx, &bytes)
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(all.len(), 4);
        assert_eq!(
            all[0].cells.iter().collect::<Vec<_>>(),
            ["户编号", "", "金额"]
        );
        assert_eq!(all[1].number, 2);
        assert_eq!(&all[1].cells[0], "110105194912310048");
        assert_eq!(all[1].mark(0), Some(&Mark::Number));
        assert_eq!(&all[1].cells[2], "1200.5");
        assert_eq!(all[2].mark(1), Some(&Mark::Formula("=A2&\"x\"".into())));
        assert_eq!(&all[3].cells[0], "是");
    }

    #[test]
    fn a_truncated_xlsx_is_named_damaged() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "户编号").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let cut = &bytes[..bytes.len() / 2];
        let kind = FileKind::of("农户.xlsx", cut).unwrap();
        let e = rows(kind, cut).unwrap_err();
        assert!(e.message.contains("Excel 文件已损坏或不完整"), "{e}");
    }

    #[test]
    fn csv_rows_are_numbered_as_records_not_lines() {
        // A quoted line break stays inside its cell, as Excel shows it: one row.
        let all = rows(FileKind::Csv, "a,b\n\"1\n1\",2\n3,4\n".as_bytes()).unwrap();
        let numbers: Vec<usize> = all.iter().map(|r| r.as_ref().unwrap().number).collect();
        assert_eq!(numbers, vec![1, 2, 3]);
        assert_eq!(&all[1].as_ref().unwrap().cells[0], "1\n1");
        // A blank line is a row of its own, though it holds no record.
        let blanks = rows(
            FileKind::Csv,
            "a,b\n\n3,4\r\n\r\n\"5\n5\",6\n7,8".as_bytes(),
        )
        .unwrap();
        let numbers: Vec<usize> = blanks.iter().map(|r| r.as_ref().unwrap().number).collect();
        assert_eq!(numbers, vec![1, 3, 5, 6]);
    }
}

/// One thing wrong with a file, where a person can find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Row as the spreadsheet numbers it (the header is row 1); 0 for the file as a whole.
    pub row: usize,
    pub column: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.row, &self.column) {
            (0, _) => write!(f, "{}", self.message),
            (r, Some(c)) => write!(f, "第{r}行“{c}”：{}", self.message),
            (r, None) => write!(f, "第{r}行：{}", self.message),
        }
    }
}

/// Problems a check lists at most. A file of 300,000 broken rows would otherwise hold
/// millions of messages; the first thousand say what to fix, the rest are counted.
pub const MAX_LISTED_PROBLEMS: usize = 1_000;

/// The problems found while reading a file, in the order found: every problem of the file
/// as a whole, the first [`MAX_LISTED_PROBLEMS`] of its rows, and a count of the others.
#[derive(Debug, Default)]
pub struct Problems {
    list: Vec<Problem>,
    unlisted: usize,
    /// The row of the latest problem and the columns it has problems in, listed or not, so
    /// asking about the row being read costs nothing however many came before.
    latest: (usize, Vec<String>),
}

impl Problems {
    pub fn push(&mut self, p: Problem) {
        if self.latest.0 != p.row {
            self.latest = (p.row, Vec::new());
        }
        if let Some(c) = &p.column {
            self.latest.1.push(c.clone());
        }
        if p.row == 0 || self.list.len() < MAX_LISTED_PROBLEMS {
            self.list.push(p);
        } else {
            self.unlisted += 1;
        }
    }

    /// Whether row `row`, the one being read, already has a problem in `column`.
    pub fn has(&self, row: usize, column: &str) -> bool {
        self.latest.0 == row && self.latest.1.iter().any(|c| c == column)
    }

    /// All found, listed or not.
    pub fn len(&self) -> usize {
        self.list.len() + self.unlisted
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// By row, the file's own problems first; if some were not listed, a first line says
    /// how many.
    pub fn into_vec(mut self) -> Vec<Problem> {
        self.list.sort_by_key(|p| p.row);
        if self.unlisted > 0 {
            self.list.insert(
                0,
                whole(format!(
                    "共{}处问题，只列出前{MAX_LISTED_PROBLEMS}处，另有{}处未列出：请先改正列出的问题，再重新检查",
                    self.len(),
                    self.unlisted
                )),
            );
        }
        self.list
    }
}

/// How many problems a list from [`Problems::into_vec`] stands for: its length, or the total
/// its first line gives when some were not listed.
pub fn problem_total(list: &[Problem]) -> usize {
    list.first()
        .filter(|p| p.row == 0 && p.column.is_none())
        .and_then(|p| p.message.strip_prefix('共'))
        .and_then(|rest| rest.split_once("处问题，只列出前"))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or(list.len())
}

pub fn whole(message: impl Into<String>) -> Problem {
    Problem {
        row: 0,
        column: None,
        message: message.into(),
    }
}
