//! Reading one CSV file in parallel: the file is cut into fixed-size byte
//! ranges, each worker reads a range with its own handle and owns the lines
//! that start inside it. Line numbers are put back together afterwards from
//! each range's line count, so a reject can name its line without a
//! sequential pre-pass.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes per range: big enough that seeks and thread hand-offs are noise,
/// small enough that two workers stay evenly loaded.
pub const CHUNK_BYTES: u64 = 2 << 20;
const GROW: usize = 64 << 10;

/// What is wrong with one field or line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    pub column: Option<&'static str>,
    pub reason: String,
}

impl Bad {
    pub fn new(column: &'static str, reason: impl Into<String>) -> Bad {
        Bad {
            column: Some(column),
            reason: reason.into(),
        }
    }

    pub fn line(reason: impl Into<String>) -> Bad {
        Bad {
            column: None,
            reason: reason.into(),
        }
    }
}

/// Rejects and counts of one range, with line numbers local to it.
#[derive(Debug, Default)]
pub struct ChunkLog {
    /// Lines the range owns, blank ones included.
    pub lines: u64,
    /// Non-blank data lines.
    pub rows: u64,
    pub rejected: u64,
    /// The first rejects, with their 0-based line in the range.
    pub rejects: Vec<(u64, Bad)>,
    pub unmatched: u64,
}

impl ChunkLog {
    pub fn reject(&mut self, local_line: u64, bad: Bad, keep: usize) {
        self.rejected += 1;
        if self.rejects.len() < keep {
            self.rejects.push((local_line, bad));
        }
    }
}

/// Calls `row` for every non-blank line of `region` with its 0-based line
/// number; a trailing `\r` is dropped so files saved on Windows read alike.
pub fn for_each_line(
    region: &[u8],
    log: &mut ChunkLog,
    keep: usize,
    mut row: impl FnMut(u64, &[u8]) -> Result<(), Bad>,
) {
    let mut start = 0;
    let mut n = 0u64;
    let ends = memchr::memchr_iter(b'\n', region)
        .chain((region.last().is_some_and(|&b| b != b'\n')).then_some(region.len()));
    for end in ends {
        let mut line = &region[start..end];
        start = end + 1;
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        if !line.is_empty() {
            log.rows += 1;
            if let Err(bad) = row(n, line) {
                log.reject(n, bad, keep);
            }
        }
        n += 1;
    }
    log.lines += n;
}

/// The header line of a file (without BOM or line end) and where the data
/// starts.
pub fn header(path: &Path) -> io::Result<(String, u64)> {
    let mut file = File::open(path)?;
    let mut buf = Vec::new();
    let mut block = vec![0u8; GROW];
    loop {
        let n = file.read(&mut block)?;
        buf.extend_from_slice(&block[..n]);
        if let Some(nl) = memchr::memchr(b'\n', &buf) {
            return Ok((clean_header(&buf[..nl]), nl as u64 + 1));
        }
        if n == 0 || buf.len() > 1 << 20 {
            return Ok((clean_header(&buf), buf.len() as u64));
        }
    }
}

fn clean_header(line: &[u8]) -> String {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8_lossy(line).into_owned()
}

/// One range's result: what the worker returned, its log, and where its
/// lines start in the file (1-based, counted once all ranges are done).
pub struct Chunk<R> {
    pub value: R,
    pub log: ChunkLog,
    pub first_line: u64,
}

/// Scans the data part of `path` (from byte `data_start`, whose line is
/// `first_line`) with one worker per state; `work` gets the worker's state
/// and the complete lines a range owns. The states come back in order.
pub fn scan<S, R>(
    path: &Path,
    data_start: u64,
    first_line: u64,
    states: Vec<S>,
    work: impl Fn(&mut S, &[u8], &mut ChunkLog) -> R + Sync,
) -> io::Result<(Vec<S>, Vec<Chunk<R>>)>
where
    S: Send,
    R: Send,
{
    let len = std::fs::metadata(path)?.len();
    let data = len.saturating_sub(data_start);
    let chunks = data.div_ceil(CHUNK_BYTES) as usize;
    let results: Mutex<Vec<Option<(R, ChunkLog)>>> =
        Mutex::new((0..chunks).map(|_| None).collect());
    let next = AtomicUsize::new(0);
    let states = std::thread::scope(|scope| {
        let handles: Vec<_> = states
            .into_iter()
            .map(|mut state| {
                let (next, results, work) = (&next, &results, &work);
                scope.spawn(move || -> io::Result<S> {
                    let mut file = File::open(path)?;
                    let mut buf = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= chunks {
                            return Ok(state);
                        }
                        let from = data_start + i as u64 * CHUNK_BYTES;
                        let to = (from + CHUNK_BYTES).min(len);
                        let region = owned_lines(&mut file, &mut buf, from, to, len, i == 0)?;
                        let mut log = ChunkLog::default();
                        let value = work(&mut state, region, &mut log);
                        if let Ok(mut r) = results.lock() {
                            r[i] = Some((value, log));
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(io::Error::other("筛查线程异常退出")))
            })
            .collect::<io::Result<Vec<S>>>()
    })?;
    let results = results
        .into_inner()
        .map_err(|_| io::Error::other("筛查线程异常退出"))?;
    let mut line = first_line;
    let mut out = Vec::with_capacity(chunks);
    for r in results {
        let (value, log) = r.ok_or_else(|| io::Error::other("文件分块未处理"))?;
        let lines = log.lines;
        out.push(Chunk {
            value,
            log,
            first_line: line,
        });
        line += lines;
    }
    Ok((states, out))
}

/// Reads the lines whose first byte lies in `[from, to)`. The byte before
/// `from` tells whether `from` starts a line; the last line is read past
/// `to` to its end.
fn owned_lines<'b>(
    file: &mut File,
    buf: &'b mut Vec<u8>,
    from: u64,
    to: u64,
    len: u64,
    first: bool,
) -> io::Result<&'b [u8]> {
    let read_from = if first { from } else { from - 1 };
    // Reuse the buffer as it is: zeroing 8 MiB per range only to overwrite
    // it costs as much as a parse step.
    let need = (to - read_from) as usize;
    if buf.len() < need {
        buf.resize(need, 0);
    } else {
        buf.truncate(need);
    }
    file.seek(SeekFrom::Start(read_from))?;
    file.read_exact(buf)?;
    let start = if first {
        0
    } else {
        match memchr::memchr(b'\n', buf) {
            Some(nl) => nl + 1,
            None => return Ok(&buf[..0]),
        }
    };
    if start >= buf.len() {
        return Ok(&buf[..0]);
    }
    let mut end = buf.len();
    let mut pos = to;
    while buf.last() != Some(&b'\n') && pos < len {
        let more = GROW.min((len - pos) as usize);
        let old = buf.len();
        buf.resize(old + more, 0);
        file.read_exact(&mut buf[old..])?;
        pos += more as u64;
        match memchr::memchr(b'\n', &buf[old..]) {
            Some(nl) => {
                end = old + nl + 1;
                break;
            }
            None => end = buf.len(),
        }
    }
    Ok(&buf[start..end])
}
