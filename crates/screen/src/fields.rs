//! Typed fields of a contract line: `,`-separated, no quoting.
//!
//! Each file's row parser is written once against [`Source`] and runs two
//! ways. [`Cursor`] reads straight through a range of lines without first
//! finding where each line ends, and gives up at the first thing it does not
//! expect; the driver ([`for_each_row`]) then reads that one line again with
//! [`Fields`], which accepts exactly what `Cursor` accepts but words what is
//! wrong. Since both run the same parser, they cannot disagree on a row's
//! value, only on how fast they get it.

use crate::date::Date;
use crate::scan::{Bad, ChunkLog};

/// Where a row parser takes its fields from.
pub trait Source<'a> {
    /// Why a row was not read: a message for [`Fields`], nothing for
    /// [`Cursor`], whose failures are read again by `Fields`.
    type Error;

    /// The next raw field and its column name.
    fn field(&mut self) -> Result<(&'a [u8], &'static str), Self::Error>;
    /// A failure at `column`; `reason` is called only by `Fields`.
    fn bad(&self, column: &'static str, reason: impl FnOnce() -> String) -> Self::Error;
    /// Fails unless every field has been taken.
    fn end(&mut self) -> Result<(), Self::Error>;

    /// A decimal `i64` with an optional leading `-`.
    fn int(&mut self) -> Result<i64, Self::Error> {
        let (f, col) = self.field()?;
        parse_int(f).ok_or_else(|| self.bad(col, || format!("应为整数，实为 {}", shown(f))))
    }

    /// A non-negative integer, e.g. an amount in fen.
    fn amount(&mut self) -> Result<i64, Self::Error> {
        let (f, col) = self.field()?;
        match parse_int(f) {
            Some(v) if v >= 0 => Ok(v),
            Some(_) => Err(self.bad(col, || format!("金额不能为负数，实为 {}", shown(f)))),
            None => Err(self.bad(col, || format!("应为以分为单位的整数，实为 {}", shown(f)))),
        }
    }

    fn date(&mut self) -> Result<Date, Self::Error> {
        let (f, col) = self.field()?;
        Date::parse(f).ok_or_else(|| {
            self.bad(col, || {
                format!("应为有效日期 YYYY-MM-DD，实为 {}", shown(f))
            })
        })
    }

    /// One of a fixed set of values, named in the message when missing.
    fn one_of<T>(
        &mut self,
        parse: impl Fn(&[u8]) -> Option<T>,
        allowed: &str,
    ) -> Result<T, Self::Error> {
        let (f, col) = self.field()?;
        parse(f).ok_or_else(|| self.bad(col, || format!("应为 {allowed} 之一，实为 {}", shown(f))))
    }

    /// Non-empty UTF-8 text.
    fn text(&mut self) -> Result<&'a [u8], Self::Error> {
        let (f, col) = self.field()?;
        if f.is_empty() {
            return Err(self.bad(col, || "不能为空".to_string()));
        }
        if std::str::from_utf8(f).is_err() {
            return Err(self.bad(col, || "不是有效的 UTF-8 文本".to_string()));
        }
        Ok(f)
    }
}

/// The fields of one line, whose end is already known, taken left to right
/// against the file's columns; every failure says which column and why.
pub struct Fields<'a> {
    rest: Option<&'a [u8]>,
    columns: &'static [&'static str],
    taken: usize,
}

impl<'a> Fields<'a> {
    pub fn new(line: &'a [u8], columns: &'static [&'static str]) -> Fields<'a> {
        Fields {
            rest: Some(line),
            columns,
            taken: 0,
        }
    }

    fn count_error(&self) -> Bad {
        Bad::line(format!(
            "字段数应为 {}，实为 {}（逗号分隔，不支持引号）",
            self.columns.len(),
            self.taken
        ))
    }
}

impl<'a> Source<'a> for Fields<'a> {
    type Error = Bad;

    fn field(&mut self) -> Result<(&'a [u8], &'static str), Bad> {
        let column = self.columns.get(self.taken).copied().unwrap_or("?");
        let Some(rest) = self.rest else {
            return Err(self.count_error());
        };
        self.taken += 1;
        let field = match memchr::memchr(b',', rest) {
            Some(comma) => {
                self.rest = Some(&rest[comma + 1..]);
                &rest[..comma]
            }
            None => {
                self.rest = None;
                rest
            }
        };
        Ok((field, column))
    }

    fn bad(&self, column: &'static str, reason: impl FnOnce() -> String) -> Bad {
        Bad::new(column, reason())
    }

    fn end(&mut self) -> Result<(), Bad> {
        match self.rest {
            None if self.taken == self.columns.len() => Ok(()),
            None => Err(self.count_error()),
            Some(rest) => {
                self.taken += 1 + rest.iter().filter(|&&b| b == b',').count();
                Err(self.count_error())
            }
        }
    }
}

/// Reads rows straight from a range of lines: each field must end in `,`,
/// the last in `\n`, `\r\n` or the end of the range. Gives up (with `()`)
/// at anything else, leaving the line to [`Fields`].
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Fields still to take on this line.
    left: usize,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const POW10: [u64; 8] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

/// The bytes of `chunk` that are not ASCII digits, as the high bit of each.
#[inline]
fn non_digits(chunk: u64) -> u64 {
    let x = chunk ^ (ONES * 0x30);
    (((x & (ONES * 0x7F)) + ONES * 0x76) | x) & (ONES * 0x80)
}

/// The value of eight ASCII digits, the first in the lowest byte.
#[inline]
fn eight_digits(chunk: u64) -> u64 {
    // Pairs, then fours, then all eight, each step one multiply; the
    // products overflow by design, only the kept bits matter.
    let x = chunk.wrapping_sub(ONES * 0x30);
    let x = (x.wrapping_mul(10) + (x >> 8)) & 0x00FF_00FF_00FF_00FF;
    let x = (x.wrapping_mul(1 + (100 << 16)) >> 16) & 0x0000_FFFF_0000_FFFF;
    x.wrapping_mul(1 + (10_000 << 32)) >> 32
}

/// Where the field at the start of `s` ends: the first `,` or `\n`, found
/// eight bytes at a time.
#[inline(always)]
fn field_end(s: &[u8]) -> usize {
    let mut at = 0;
    while let Some(bytes) = s.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(bytes);
        let w = u64::from_le_bytes(word);
        let (c, n) = (w ^ (ONES * u64::from(b',')), w ^ (ONES * u64::from(b'\n')));
        // The lowest flagged byte is exactly the first zero byte.
        let zero = |v: u64| v.wrapping_sub(ONES) & !v & (ONES * 0x80);
        let found = zero(c) | zero(n);
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + s[at..]
        .iter()
        .position(|&b| b == b',' || b == b'\n')
        .unwrap_or(s.len() - at)
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8], at: usize, columns: usize) -> Cursor<'a> {
        Cursor {
            buf,
            pos: at,
            left: columns,
        }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Moves past the end of the current field: `,` if more follow, the
    /// line end after the last.
    #[inline(always)]
    fn finish(&mut self) -> Result<(), ()> {
        self.left = self.left.checked_sub(1).ok_or(())?;
        let b = self.buf.get(self.pos).copied();
        if self.left > 0 {
            if b == Some(b',') {
                self.pos += 1;
                return Ok(());
            }
            return Err(());
        }
        match b {
            None => Ok(()),
            Some(b'\n') => {
                self.pos += 1;
                Ok(())
            }
            Some(b'\r') if matches!(self.buf.get(self.pos + 1), None | Some(b'\n')) => {
                self.pos = (self.pos + 2).min(self.buf.len());
                Ok(())
            }
            _ => Err(()),
        }
    }

    /// Up to 19 digits as one number, eight at a time where the range has
    /// eight bytes left.
    #[inline(always)]
    fn digits(&mut self) -> Result<u64, ()> {
        let start = self.pos;
        let mut v: u64 = 0;
        loop {
            let Some(bytes) = self.buf.get(self.pos..self.pos + 8) else {
                while let Some(d) = self.buf.get(self.pos).map(|b| b.wrapping_sub(b'0')) {
                    if d > 9 {
                        break;
                    }
                    v = v.checked_mul(10).ok_or(())? + u64::from(d);
                    self.pos += 1;
                }
                break;
            };
            let mut word = [0u8; 8];
            word.copy_from_slice(bytes);
            let chunk = u64::from_le_bytes(word);
            let nd = non_digits(chunk);
            if nd == 0 {
                v = v.checked_mul(100_000_000).ok_or(())? + eight_digits(chunk);
                self.pos += 8;
                continue;
            }
            let k = nd.trailing_zeros() / 8;
            if k > 0 {
                // Shift the k digits to the top and fill below with zeros.
                let shift = 8 * (8 - k);
                let padded = (chunk << shift) | (ONES * 0x30) >> (64 - shift);
                v = v.checked_mul(POW10[k as usize]).ok_or(())? + eight_digits(padded);
                self.pos += k as usize;
            }
            break;
        }
        let n = self.pos - start;
        if n == 0 || n > 19 {
            return Err(());
        }
        Ok(v)
    }

    /// Up to the end of the field, without the `\r` of a last field.
    #[inline]
    fn raw(&mut self) -> &'a [u8] {
        let start = self.pos;
        let rest = &self.buf[start..];
        let end = field_end(rest);
        self.pos += end;
        let f = &rest[..end];
        if self.left == 1 {
            // A lone `\r` before the line end belongs to the line end.
            if let [body @ .., b'\r'] = f {
                self.pos -= 1;
                return body;
            }
        }
        f
    }
}

impl<'a> Source<'a> for Cursor<'a> {
    type Error = ();

    #[inline(always)]
    fn field(&mut self) -> Result<(&'a [u8], &'static str), ()> {
        if self.left == 0 {
            return Err(());
        }
        let f = self.raw();
        self.finish()?;
        Ok((f, ""))
    }

    #[inline]
    fn bad(&self, _: &'static str, _: impl FnOnce() -> String) {}

    #[inline]
    fn end(&mut self) -> Result<(), ()> {
        if self.left == 0 { Ok(()) } else { Err(()) }
    }

    #[inline(always)]
    fn int(&mut self) -> Result<i64, ()> {
        let neg = self.buf.get(self.pos) == Some(&b'-');
        self.pos += usize::from(neg);
        let v = self.digits()?;
        self.finish()?;
        if neg {
            0i64.checked_sub_unsigned(v).ok_or(())
        } else {
            i64::try_from(v).map_err(|_| ())
        }
    }

    #[inline(always)]
    fn amount(&mut self) -> Result<i64, ()> {
        let v = self.digits()?;
        self.finish()?;
        i64::try_from(v).map_err(|_| ())
    }

    #[inline(always)]
    fn date(&mut self) -> Result<Date, ()> {
        let d = self
            .buf
            .get(self.pos..self.pos + 10)
            .and_then(Date::parse)
            .ok_or(())?;
        self.pos += 10;
        self.finish()?;
        Ok(d)
    }
}

/// The layout of one file's rows.
pub trait Format {
    type Row;
    const COLUMNS: &'static [&'static str];

    fn parse<'a, S: Source<'a>>(f: &mut S) -> Result<Self::Row, S::Error>;
}

/// Calls `sink` with every row of `region` and its 0-based line, read by a
/// [`Cursor`] where it can and by [`Fields`] (which words the reject) where
/// it cannot. Blank lines count as lines but not as rows.
#[inline]
pub fn for_each_row<F: Format>(
    region: &[u8],
    log: &mut ChunkLog,
    keep: usize,
    mut sink: impl FnMut(u64, F::Row) -> Result<(), Bad>,
) {
    let columns = F::COLUMNS;
    let mut pos = 0;
    let mut n = 0u64;
    while pos < region.len() {
        let mut cursor = Cursor::new(region, pos, columns.len());
        let read = F::parse(&mut cursor);
        let row = match read {
            Ok(row) => {
                pos = cursor.pos();
                Ok(row)
            }
            Err(()) => {
                let rest = &region[pos..];
                let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                let mut line = &rest[..end];
                pos += end + 1;
                if let [body @ .., b'\r'] = line {
                    line = body;
                }
                if line.is_empty() {
                    n += 1;
                    continue;
                }
                F::parse(&mut Fields::new(line, columns))
            }
        };
        log.rows += 1;
        if let Err(bad) = row.and_then(|row| sink(n, row)) {
            log.reject(n, bad, keep);
        }
        n += 1;
    }
    log.lines += n;
}

/// A decimal `i64` with an optional leading `-`; `None` on anything else or
/// overflow.
pub fn parse_int(f: &[u8]) -> Option<i64> {
    let (neg, digits) = match f {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, f),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(b - b'0');
    }
    if neg {
        0i64.checked_sub_unsigned(v)
    } else {
        i64::try_from(v).ok()
    }
}

/// A field as shown in a message: quoted, cut short, invalid UTF-8 replaced.
pub fn shown(f: &[u8]) -> String {
    let s = String::from_utf8_lossy(f);
    let cut: String = s.chars().take(24).collect();
    if cut.len() < s.len() {
        format!("“{cut}…”")
    } else if s.is_empty() {
        "空".to_string()
    } else {
        format!("“{cut}”")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor_int(s: &str) -> Option<i64> {
        let mut c = Cursor::new(s.as_bytes(), 0, 1);
        c.int().ok()
    }

    #[test]
    fn field_end_finds_the_first_separator() {
        for s in [
            "",
            "a",
            "abc,def",
            "1234567,",
            "12345678,9",
            "123456789012345\n,",
            "甲乙丙丁,x",
            "no separator at all here",
        ] {
            let expected = s
                .bytes()
                .position(|b| b == b',' || b == b'\n')
                .unwrap_or(s.len());
            assert_eq!(field_end(s.as_bytes()), expected, "{s}");
        }
    }

    #[test]
    fn cursor_reads_integers_as_parse_int_does() {
        for s in [
            "0",
            "7",
            "12345678",
            "123456789",
            "7960356070846879209",
            "1000000000000000000",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "00000000000000000001",
            "1203450670809",
            "10203040506070809",
        ] {
            assert_eq!(cursor_int(s), parse_int(s.as_bytes()), "{s}");
        }
    }
}
