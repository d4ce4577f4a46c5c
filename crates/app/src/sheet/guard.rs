//! Limits on what an uploaded file may make the server hold (上传文件的解压与内容上限).
//!
//! An XLSX file is a ZIP archive of XML parts. A few hundred kilobytes can inflate to
//! gigabytes (a "zip bomb"), and the shared-strings part is read whole into memory by
//! calamine. So before any part is parsed, every part is inflated once into a counter —
//! constant memory, whatever the archive's headers claim — and the file is refused with a
//! Chinese message if it goes over any limit below. The numbers are in `docs/security.md`.

use super::{Problem, whole};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Parts an XLSX file may have; Excel writes about a dozen.
pub const MAX_PARTS: usize = 1_000;
/// All parts inflated together. The demo county's 100,000 households written cell by cell
/// as inline strings come to 533 MB, the largest real file we know of.
pub const MAX_EXPANDED_BYTES: u64 = 2 << 30;
/// Inflated size over stored size, for parts above [`RATIO_GRACE_BYTES`]. Real sheets
/// compress 5–20 times; bombs a thousand times. 100 is Apache POI's default as well.
pub const MAX_RATIO: u64 = 100;
/// Small parts are not held to the ratio (an empty sheet compresses very well).
pub const RATIO_GRACE_BYTES: u64 = 1 << 20;
/// The shared-strings part, which is held in memory while the sheet is read.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 128 << 20;
/// Distinct strings in it (each costs an allocation of its own).
pub const MAX_SHARED_STRINGS: u64 = 2_000_000;
/// Bytes of text between two XML tags: one cell's text or one attribute can be no longer.
/// Excel's own cell limit is 32,767 characters (≈ 128 KB escaped); this leaves room.
pub const MAX_XML_TEXT_RUN: u64 = 1 << 20;
/// Characters one cell may hold, Excel's own limit; longer cells are refused as a row
/// problem, not read.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Rows one sheet may have, Excel's own limit; each import has its own lower limit.
pub const MAX_SHEET_ROWS: usize = 1_048_576;

/// File checks one account may run at once (its second upload waits for the first).
pub const MAX_FILE_WORK_PER_ACCOUNT: usize = 1;
/// File checks the whole server runs at once: each can take a core and a few hundred MB.
pub const MAX_FILE_WORK: usize = 3;

/// Accounts with a file check running, one entry per check.
static RUNNING: std::sync::Mutex<Vec<i64>> = std::sync::Mutex::new(Vec::new());

/// A file check in progress; dropping it ends it.
#[derive(Debug)]
pub struct FileWork(Option<i64>);

impl Drop for FileWork {
    fn drop(&mut self) {
        if let (Some(user), Ok(mut running)) = (self.0, RUNNING.lock())
            && let Some(i) = running.iter().position(|u| *u == user)
        {
            running.swap_remove(i);
        }
    }
}

/// Starts a file check for `actor`, or refuses while the account (or the server) has as many
/// running as it may. The system's own work (commands on the server) is not counted.
pub fn start_file_work(actor: &dixian_domain::access::Actor) -> Result<FileWork, crate::AppError> {
    let Some(user) = actor.user_id else {
        return Ok(FileWork(None));
    };
    let Ok(mut running) = RUNNING.lock() else {
        return Ok(FileWork(None));
    };
    if running.iter().filter(|u| **u == user).count() >= MAX_FILE_WORK_PER_ACCOUNT {
        return Err(crate::AppError::Busy(
            "您上传的另一个文件还在检查或导入中：请等它完成后再上传".into(),
        ));
    }
    if running.len() >= MAX_FILE_WORK {
        return Err(crate::AppError::Busy(format!(
            "服务器正在同时检查{MAX_FILE_WORK}个文件：请过一两分钟再上传"
        )));
    }
    running.push(user);
    Ok(FileWork(Some(user)))
}

/// Set when the server is stopping: every file being read stops at its next row, so a stop
/// request never waits for a long check.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Stops every file reading in this process at its next row or chunk (on shutdown).
pub fn stop_reading() {
    STOPPING.store(true, Ordering::SeqCst);
}

pub(super) fn stopping() -> Option<Problem> {
    STOPPING
        .load(Ordering::Relaxed)
        .then(|| whole("服务器正在停止，文件检查已中止：请稍后重新上传"))
}

fn refuse(message: String) -> Problem {
    whole(format!(
        "{message}：文件不像是正常的 Excel 表格，已拒绝读取"
    ))
}

/// Counts what a part inflates to, byte by byte, without keeping it.
struct Meter {
    bytes: u64,
    limit: u64,
    xml: bool,
    /// Bytes since the last `<` (XML parts only).
    run: u64,
    longest: u64,
    /// Shared-strings part only: how far `<si` has been matched, and the count of items.
    count_items: bool,
    matched: u8,
    items: u64,
}

impl Write for Meter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes += buf.len() as u64;
        if self.bytes > self.limit {
            return Err(std::io::Error::other("limit"));
        }
        if stopping().is_some() {
            return Err(std::io::Error::other("stopping"));
        }
        if self.xml {
            let mut from = 0;
            for at in memchr::memchr_iter(b'<', buf) {
                self.run += (at - from) as u64;
                self.longest = self.longest.max(self.run);
                self.run = 0;
                from = at + 1;
            }
            self.run += (buf.len() - from) as u64;
            self.longest = self.longest.max(self.run);
            if self.longest > MAX_XML_TEXT_RUN {
                return Err(std::io::Error::other("run"));
            }
        }
        if self.count_items {
            for &b in buf {
                self.matched = match (self.matched, b) {
                    (_, b'<') => 1,
                    (1, b's') => 2,
                    (2, b'i') => 3,
                    (3, b'>' | b' ' | b'\t' | b'\r' | b'\n' | b'/') => {
                        self.items += 1;
                        0
                    }
                    _ => 0,
                };
            }
            if self.items > MAX_SHARED_STRINGS {
                return Err(std::io::Error::other("items"));
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Inflates every part of the XLSX archive `bytes` into a counter and refuses the file if
/// any limit is passed. Costs one pass of decompression and no memory beyond a buffer.
pub fn inspect_xlsx(bytes: &[u8]) -> Result<(), Problem> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(super::damaged)?;
    if zip.len() > MAX_PARTS {
        return Err(refuse(format!(
            "Excel 文件内含{}个部件，超过{MAX_PARTS}个的上限",
            zip.len()
        )));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(super::damaged)?;
        let name = part.name().map(|n| n.to_string()).unwrap_or_default();
        let lower = name.to_ascii_lowercase();
        let shared = lower.ends_with("sharedstrings.xml");
        let stored = part.compressed_size().max(1);
        let mut meter = Meter {
            bytes: 0,
            limit: if shared {
                MAX_SHARED_STRINGS_BYTES.min(MAX_EXPANDED_BYTES - total)
            } else {
                MAX_EXPANDED_BYTES - total
            },
            xml: lower.ends_with(".xml") || lower.ends_with(".rels"),
            run: 0,
            longest: 0,
            count_items: shared,
            matched: 0,
            items: 0,
        };
        let copied = copy(&mut part, &mut meter);
        if let Some(p) = stopping() {
            return Err(p);
        }
        if meter.bytes > meter.limit {
            return Err(refuse(if shared {
                format!(
                    "Excel 文件的共享字符串部分解压后超过{} MB",
                    MAX_SHARED_STRINGS_BYTES >> 20
                )
            } else {
                format!(
                    "Excel 文件解压后超过{} MB（{}）",
                    MAX_EXPANDED_BYTES >> 20,
                    name
                )
            }));
        }
        if meter.items > MAX_SHARED_STRINGS {
            return Err(refuse(format!(
                "Excel 文件含有超过{MAX_SHARED_STRINGS}个不同的文字"
            )));
        }
        if meter.longest > MAX_XML_TEXT_RUN {
            return Err(refuse(format!(
                "Excel 文件的{name}中有一段超过{} KB 的连续内容，超出任何单元格能容纳的长度",
                MAX_XML_TEXT_RUN >> 10
            )));
        }
        if meter.bytes > RATIO_GRACE_BYTES && meter.bytes / stored > MAX_RATIO {
            return Err(refuse(format!(
                "Excel 文件的{name}压缩了{}倍（正常文件不超过{MAX_RATIO}倍）",
                meter.bytes / stored
            )));
        }
        copied.map_err(super::damaged)?;
        total += meter.bytes;
    }
    Ok(())
}

/// `io::copy` with a fixed buffer, so a refusal by the meter stops inflating at once.
fn copy(from: &mut impl Read, to: &mut Meter) -> std::io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if to.write_all(&buf[..n]).is_err() {
            // The meter's limits are read by the caller; its error text is not for people.
            return Ok(());
        }
    }
}

/// Column letters as Excel shows them (0 → A, 26 → AA).
pub fn column_letters(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A row problem if any cell is longer than Excel allows, naming the first such column.
pub(super) fn overlong_cell(number: usize, cells: &csv::StringRecord) -> Option<Problem> {
    let (i, cell) = cells
        .iter()
        .enumerate()
        .find(|(_, c)| c.len() > MAX_CELL_CHARS && c.chars().count() > MAX_CELL_CHARS)?;
    Some(Problem {
        row: number,
        column: None,
        message: format!(
            "第{}列的内容有{}个字符，超过 Excel 单元格{MAX_CELL_CHARS}个字符的上限：请检查是否粘贴错误",
            column_letters(i),
            cell.chars().count()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An XLSX whose shared-strings part is `strings` copies of one short string.
    fn bomb(strings: usize, text: &str) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file("[Content_Types].xml", opts).unwrap();
        w.write_all(b"<Types/>").unwrap();
        w.start_file("xl/sharedStrings.xml", opts).unwrap();
        w.write_all(b"<sst>").unwrap();
        let item = format!("<si><t>{text}</t></si>");
        for _ in 0..strings {
            w.write_all(item.as_bytes()).unwrap();
        }
        w.write_all(b"</sst>").unwrap();
        w.finish().unwrap();
        out.into_inner()
    }

    fn user(id: i64) -> dixian_domain::access::Actor {
        let mut a = dixian_domain::access::Actor::system("test");
        a.user_id = Some(id);
        a
    }

    #[test]
    fn one_file_check_per_account_and_a_few_per_server() {
        let first = start_file_work(&user(1)).unwrap();
        let again = start_file_work(&user(1)).unwrap_err();
        assert!(again.to_string().contains("另一个文件还在检查"), "{again}");
        let others: Vec<FileWork> = (2..=MAX_FILE_WORK as i64)
            .map(|u| start_file_work(&user(u)).unwrap())
            .collect();
        let full = start_file_work(&user(99)).unwrap_err();
        assert!(full.to_string().contains("服务器正在同时检查"), "{full}");
        // The system's own work is never refused.
        start_file_work(&dixian_domain::access::Actor::system("import")).unwrap();
        drop(first);
        let _back = start_file_work(&user(1)).unwrap();
        drop(others);
        let _more = start_file_work(&user(99)).unwrap();
    }

    /// nextest runs each test in a process of its own, so stopping here stops no other test.
    #[test]
    fn a_stopping_server_ends_every_reading_at_the_next_row() {
        let mut text = String::from("a,b\n");
        for i in 0..10_000 {
            text.push_str(&format!("{i},x\n"));
        }
        let mut seen = 0;
        let e = super::super::for_each_csv_row(&text, |_| {
            seen += 1;
            if seen == 100 {
                stop_reading();
            }
        })
        .unwrap_err();
        assert!(e.message.contains("服务器正在停止"), "{e}");
        assert_eq!(seen, 100);
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "x").unwrap();
        let e = inspect_xlsx(&wb.save_to_buffer().unwrap()).unwrap_err();
        assert!(e.message.contains("服务器正在停止"), "{e}");
    }

    #[test]
    fn overlong_cells_are_a_problem_of_their_row() {
        let text = format!("a,b\n1,{}\n2,ok\n", "长".repeat(MAX_CELL_CHARS + 1));
        let mut rows = Vec::new();
        super::super::for_each_csv_row(&text, |r| rows.push(r)).unwrap();
        assert_eq!(rows.len(), 3);
        let e = rows[1].as_ref().unwrap_err();
        assert_eq!(e.row, 2);
        assert!(e.message.contains("第B列的内容有32768个字符"), "{e}");
        assert!(rows[2].is_ok());
    }

    #[test]
    fn letters_as_excel_names_columns() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn a_highly_compressed_part_is_refused() {
        // 16 MB of one repeated string compresses about a thousand times.
        let e = inspect_xlsx(&bomb(1 << 20, "aaaaaaaa")).unwrap_err();
        assert!(
            e.message.contains("压缩了") && e.message.contains("倍"),
            "{e}"
        );
    }

    #[test]
    fn too_many_shared_strings_are_refused_before_reading() {
        let e = inspect_xlsx(&bomb(MAX_SHARED_STRINGS as usize + 1, "")).unwrap_err();
        assert!(e.message.contains("不同的文字"), "{e}");
    }

    #[test]
    fn one_endless_text_is_refused() {
        let long = "a".repeat(MAX_XML_TEXT_RUN as usize + 10);
        let e = inspect_xlsx(&bomb(1, &long)).unwrap_err();
        assert!(e.message.contains("连续内容"), "{e}");
    }

    #[test]
    fn an_ordinary_workbook_passes() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for r in 0..2000u32 {
            ws.write_string(r, 0, format!("5002991012010{r:03}"))
                .unwrap();
            ws.write_string(r, 1, "石桥村一组").unwrap();
        }
        inspect_xlsx(&wb.save_to_buffer().unwrap()).unwrap();
    }
}
