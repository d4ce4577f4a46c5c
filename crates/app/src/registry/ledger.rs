//! The household ledger (户籍台账): the current filter of the household list written as CSV
//! or XLSX, page by page so memory stays bounded whatever the county's size. ID numbers and
//! phones are masked — the heads' ID numbers in full only for an exporter who may reveal them
//! and states why — and every export is audited with its filter before the first row.

use crate::AppError;
use crate::registry::HouseholdQuery;
pub use crate::sheet::FileKind;
use dixian_domain::access::{Actor, Permission};
use dixian_domain::division::DivisionCode;
use dixian_domain::id_number::IdNumber;
use dixian_domain::registry::HouseholdCode;
use dixian_store::{HouseholdSummary, Store};
use std::collections::HashMap;
use std::io::Write;

/// Column headings, in order.
pub const COLUMNS: [&str; 16] = [
    "户编号",
    "乡镇（街道）",
    "行政村",
    "村民小组",
    "户主姓名",
    "户主身份证号",
    "在户人数",
    "户类型",
    "监测对象",
    "低保户",
    "特困供养",
    "易地扶贫搬迁",
    "联系电话",
    "收入年度",
    "家庭纯收入（元）",
    "人均纯收入（元）",
];

/// Rows read from the store at a time (the store serves at most 1,000 per call).
const PAGE: i64 = 1_000;

/// One ledger line as text cells, and the two money cells as fen for XLSX numbers.
struct Line {
    cells: Vec<String>,
    net_fen: Option<i64>,
    per_capita_fen: Option<i64>,
}

fn yes(b: bool) -> String {
    if b { "是" } else { "否" }.to_string()
}

/// Division names looked up once each.
pub(crate) struct Names<'a> {
    store: &'a dyn Store,
    cache: HashMap<DivisionCode, String>,
}

impl<'a> Names<'a> {
    pub(crate) fn new(store: &'a dyn Store) -> Names<'a> {
        Names {
            store,
            cache: HashMap::new(),
        }
    }

    pub(crate) async fn of(&mut self, code: Option<DivisionCode>) -> Result<String, AppError> {
        let Some(code) = code else {
            return Ok(String::new());
        };
        if let Some(n) = self.cache.get(&code) {
            return Ok(n.clone());
        }
        let name = self
            .store
            .division(&code)
            .await?
            .map(|d| d.name)
            .unwrap_or_default();
        self.cache.insert(code, name.clone());
        Ok(name)
    }
}

async fn line(names: &mut Names<'_>, h: &HouseholdSummary) -> Result<Line, AppError> {
    let town = names.of(h.village.parent()).await?;
    let village = names.of(Some(h.village)).await?;
    let (year, net, per_capita) = match h.latest_income {
        Some((year, net)) => {
            let per = (h.members > 0)
                .then(|| net.div_round(h.members).ok())
                .flatten();
            (Some(year), Some(net), per)
        }
        None => (None, None, None),
    };
    Ok(Line {
        cells: vec![
            h.code.to_string(),
            town,
            village,
            h.group_no.map(|g| format!("{g}组")).unwrap_or_default(),
            h.head_name.clone(),
            h.head_id_masked.clone(),
            h.members.to_string(),
            h.household_type.label().to_string(),
            yes(h.monitored),
            yes(h.dibao),
            yes(h.tekun),
            yes(h.relocated),
            h.phone_masked.clone().unwrap_or_default(),
            year.map(|y| y.to_string()).unwrap_or_default(),
            net.map(|m| m.to_string()).unwrap_or_default(),
            per_capita.map(|m| m.to_string()).unwrap_or_default(),
        ],
        net_fen: net.map(|m| m.fen()),
        per_capita_fen: per_capita.map(|m| m.fen()),
    })
}

fn csv_field(s: &str) -> String {
    crate::csv_text::cell(&crate::csv_text::defused(s))
}

fn io(e: impl std::fmt::Display) -> AppError {
    AppError::Invalid(vec![format!("写入导出文件失败：{e}")])
}

/// Where the rows go.
enum Sink<W: Write> {
    Csv(W),
    Xlsx(Box<rust_xlsxwriter::Workbook>, W, u32),
}

/// Writes the ledger of the households matching `q` to `out` and returns the number of
/// households. `progress` is called after each page with the households written so far.
/// With `reveal` (the reason), the heads' ID numbers are written in full, each page's reveal
/// audited.
pub async fn export<W: Write + Send>(
    store: &dyn Store,
    actor: &Actor,
    q: &HouseholdQuery,
    format: FileKind,
    reveal: Option<&str>,
    out: W,
    mut progress: impl FnMut(usize),
) -> Result<usize, AppError> {
    crate::accounts::require(store, actor, Permission::ExportLedger, "户籍台账").await?;
    if reveal.is_some() {
        crate::accounts::require(
            store,
            actor,
            Permission::RevealPii,
            "户籍台账（完整身份证号）",
        )
        .await?;
    }
    let mut filter = q.filter(PAGE)?;
    filter.offset = 0;
    // Refused or empty scopes fail here, before anything is written or audited as done.
    let first = store.households(actor, &filter).await?;
    let detail = serde_json::json!({
        "format": format.extension(),
        "within": q.within.trim(),
        "household_type": q.household_type.trim(),
                "name": q.name.trim(),
        "rows": first.total,
        "full_id_numbers": reveal.is_some(),
    })
    .to_string();
    store
        .audit(actor, "export.households", "户籍台账", &detail)
        .await?;

    let mut sink = match format {
        FileKind::Csv => {
            let mut w = out;
            // A BOM makes Excel read the file as UTF-8.
            w.write_all("\u{feff}".as_bytes()).map_err(io)?;
            w.write_all(COLUMNS.join(",").as_bytes()).map_err(io)?;
            w.write_all(b"\r\n").map_err(io)?;
            Sink::Csv(w)
        }
        FileKind::Xlsx => {
            let mut wb = Box::new(rust_xlsxwriter::Workbook::new());
            {
                let ws = wb.add_worksheet_with_constant_memory().map_err(io)?;
                ws.set_name("户籍台账").map_err(io)?;
                let bold = rust_xlsxwriter::Format::new().set_bold();
                for (c, title) in COLUMNS.iter().enumerate() {
                    let col = u16::try_from(c).unwrap_or(0);
                    ws.write_string_with_format(0, col, *title, &bold)
                        .map_err(io)?;
                    let width = if c == 0 || c == 5 { 20.0 } else { 12.0 };
                    ws.set_column_width(col, width).map_err(io)?;
                }
                ws.set_freeze_panes(1, 0).map_err(io)?;
            }
            Sink::Xlsx(wb, out, 1)
        }
    };
    let money = rust_xlsxwriter::Format::new().set_num_format("#,##0.00");
    let mut names = Names::new(store);
    let mut written = 0usize;
    let mut page = first;
    loop {
        let full: HashMap<HouseholdCode, IdNumber> = match reveal {
            Some(reason) if !page.rows.is_empty() => {
                let codes: Vec<HouseholdCode> = page.rows.iter().map(|h| h.code.clone()).collect();
                store
                    .reveal_head_ids(actor, &codes, reason)
                    .await?
                    .into_iter()
                    .collect()
            }
            _ => HashMap::new(),
        };
        for h in &page.rows {
            let mut l = line(&mut names, h).await?;
            if let Some(id) = full.get(&h.code) {
                l.cells[5] = id.as_str().to_string();
            }
            match &mut sink {
                Sink::Csv(w) => {
                    let row: Vec<String> = l.cells.iter().map(|c| csv_field(c)).collect();
                    w.write_all(row.join(",").as_bytes()).map_err(io)?;
                    w.write_all(b"\r\n").map_err(io)?;
                }
                Sink::Xlsx(wb, _, row) => {
                    let ws = wb.worksheet_from_index(0).map_err(io)?;
                    for (c, text) in l.cells.iter().enumerate() {
                        let col = u16::try_from(c).unwrap_or(0);
                        let fen = match c {
                            14 => l.net_fen,
                            15 => l.per_capita_fen,
                            _ => None,
                        };
                        match fen {
                            // Whole fen over 100 is exact in a double for any plausible sum.
                            Some(f) => {
                                ws.write_number_with_format(*row, col, f as f64 / 100.0, &money)
                                    .map_err(io)?;
                            }
                            // Everything else, codes and IDs included, is text.
                            None if !text.is_empty() => {
                                ws.write_string(*row, col, text).map_err(io)?;
                            }
                            None => {}
                        }
                    }
                    *row += 1;
                }
            }
            written += 1;
        }
        progress(written);
        // Stop on an empty page, not a short one: the store may serve fewer rows per call
        // than asked, and a short page must never end the ledger early.
        let Some(last) = page.rows.last() else { break };
        filter.after_code = Some(last.code.clone());
        page = store.households(actor, &filter).await?;
    }
    match sink {
        Sink::Csv(mut w) => w.flush().map_err(io)?,
        Sink::Xlsx(mut wb, w, _) => wb.save_to_writer(w).map_err(io)?,
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_safe_for_spreadsheets() {
        assert_eq!(csv_field("5002991012010001"), "5002991012010001");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn formats_come_from_the_file_name() {
        use std::path::Path;
        assert_eq!(
            FileKind::of_path(Path::new("台账.XLSX")).unwrap(),
            FileKind::Xlsx
        );
        assert_eq!(
            FileKind::of_path(Path::new("a.csv")).unwrap(),
            FileKind::Csv
        );
        let e = FileKind::of_path(Path::new("a.xls"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("应为 .csv 或 .xlsx"), "{e}");
    }
}
