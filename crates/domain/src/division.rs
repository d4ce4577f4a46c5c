//! Administrative divisions (行政区划) and their 12-digit statistical codes (统计用区划代码).
//!
//! Layout: province 2, city 2, county 2, town 3, village 3 digits. Once a segment is zero,
//! every later segment is zero, so each code names exactly one node and its level. Village
//! groups (村民小组) are numbered below a village and are not part of the 12-digit code.

use std::collections::BTreeMap;
use std::fmt;

/// Level of a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DivisionLevel {
    Province,
    City,
    County,
    Town,
    Village,
}

impl DivisionLevel {
    pub fn label(self) -> &'static str {
        match self {
            DivisionLevel::Province => "省",
            DivisionLevel::City => "市",
            DivisionLevel::County => "县",
            DivisionLevel::Town => "乡镇",
            DivisionLevel::Village => "村",
        }
    }

    /// Number of leading digits that are significant at this level.
    pub fn prefix_len(self) -> usize {
        match self {
            DivisionLevel::Province => 2,
            DivisionLevel::City => 4,
            DivisionLevel::County => 6,
            DivisionLevel::Town => 9,
            DivisionLevel::Village => 12,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DivisionLevel::Province => "province",
            DivisionLevel::City => "city",
            DivisionLevel::County => "county",
            DivisionLevel::Town => "town",
            DivisionLevel::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            DivisionLevel::Province,
            DivisionLevel::City,
            DivisionLevel::County,
            DivisionLevel::Town,
            DivisionLevel::Village,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }
}

const SEGMENT_ENDS: [usize; 5] = [2, 4, 6, 9, 12];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DivisionCodeError {
    #[error("区划代码“{0}”应为12位数字")]
    Format(String),
    #[error("区划代码“{0}”的省级代码不能为00")]
    ZeroProvince(String),
    #[error("区划代码“{0}”不合规：上级段为0时下级段也必须为0")]
    Gap(String),
}

/// A 12-digit statistical division code.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DivisionCode([u8; 12]);

impl DivisionCode {
    pub fn parse(input: &str) -> Result<DivisionCode, DivisionCodeError> {
        let s = input.trim();
        let bytes = s.as_bytes();
        if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(DivisionCodeError::Format(s.to_string()));
        }
        let mut code = [0u8; 12];
        code.copy_from_slice(bytes);
        let c = DivisionCode(code);
        if c.segment(0) == 0 {
            return Err(DivisionCodeError::ZeroProvince(s.to_string()));
        }
        let mut seen_zero = false;
        for i in 0..SEGMENT_ENDS.len() {
            let zero = c.segment(i) == 0;
            if seen_zero && !zero {
                return Err(DivisionCodeError::Gap(s.to_string()));
            }
            seen_zero |= zero;
        }
        Ok(c)
    }

    /// The value of segment `i` (0 = province … 4 = village).
    fn segment(&self, i: usize) -> u32 {
        let start = if i == 0 { 0 } else { SEGMENT_ENDS[i - 1] };
        self.0[start..SEGMENT_ENDS[i]]
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    }

    pub fn level(&self) -> DivisionLevel {
        let levels = [
            DivisionLevel::Province,
            DivisionLevel::City,
            DivisionLevel::County,
            DivisionLevel::Town,
            DivisionLevel::Village,
        ];
        let mut level = DivisionLevel::Province;
        for (i, l) in levels.iter().enumerate() {
            if self.segment(i) != 0 {
                level = *l;
            }
        }
        level
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The significant digits: every code inside this node starts with them.
    /// Storage uses it for prefix range scans.
    pub fn prefix(&self) -> &str {
        &self.as_str()[..self.level().prefix_len()]
    }

    /// The parent node, `None` for a province.
    pub fn parent(&self) -> Option<DivisionCode> {
        let level = self.level();
        if level == DivisionLevel::Province {
            return None;
        }
        let keep = match level {
            DivisionLevel::City => 2,
            DivisionLevel::County => 4,
            DivisionLevel::Town => 6,
            DivisionLevel::Village => 9,
            DivisionLevel::Province => 0,
        };
        let mut code = self.0;
        for b in code.iter_mut().skip(keep) {
            *b = b'0';
        }
        Some(DivisionCode(code))
    }

    /// The node at `level` that contains this one (itself if at that level).
    pub fn ancestor_at(&self, level: DivisionLevel) -> Option<DivisionCode> {
        if level > self.level() {
            return None;
        }
        let mut code = self.0;
        for b in code.iter_mut().skip(level.prefix_len()) {
            *b = b'0';
        }
        Some(DivisionCode(code))
    }

    /// The lowest and highest 12-digit codes inside this node: storage scans this range,
    /// which uses the primary-key index on both backends (unlike `LIKE`).
    pub fn code_range(&self) -> (String, String) {
        let p = self.prefix();
        (format!("{p:0<12}"), format!("{p:9<12}"))
    }

    /// Parent, grandparent … up to the province, nearest first.
    pub fn ancestors(&self) -> Vec<DivisionCode> {
        let mut out = Vec::new();
        let mut cur = self.parent();
        while let Some(c) = cur {
            out.push(c);
            cur = c.parent();
        }
        out
    }

    /// True if `self` is `other` or lies below it: the jurisdiction test.
    pub fn is_within(&self, other: &DivisionCode) -> bool {
        // Sharing `other`'s significant digits puts `self` at its level or below (its last
        // significant segment is non-zero in both). Bytes, not text: dashboards ask this
        // of every case for every figure.
        let n = other.level().prefix_len();
        self.0[..n] == other.0[..n]
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DivisionCode({})", self.as_str())
    }
}

impl std::str::FromStr for DivisionCode {
    type Err = DivisionCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DivisionCode::parse(s)
    }
}

/// A node of the division tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Division {
    pub code: DivisionCode,
    pub name: String,
}

/// A village group (村民小组), numbered 1..=999 within its village.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageGroup {
    pub village: DivisionCode,
    pub number: u16,
    pub name: String,
}

/// One problem in a division file, with its line number (1-based, header is line 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}第{line}行：{message}")]
pub struct DivisionFileError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// The divisions and village groups read from one file, all validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DivisionTable {
    pub divisions: BTreeMap<DivisionCode, Division>,
    pub groups: Vec<VillageGroup>,
}

impl DivisionTable {
    /// Reads CSV text `code,name` with a header. A 12-digit code is a division; a 15-digit
    /// code is a village group (village code followed by a 3-digit group number). Every node
    /// must come after its parent unless the parent is above the topmost level in the file.
    /// All errors are collected; nothing is returned unless the whole file is valid.
    pub fn from_csv(file: &str, text: &str) -> Result<DivisionTable, Vec<DivisionFileError>> {
        let mut table = DivisionTable::default();
        let mut errors = Vec::new();
        let err = |line: usize, message: String| DivisionFileError {
            file: file.to_string(),
            line,
            message,
        };
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, header)) => {
                let h: Vec<&str> = header
                    .trim_start_matches('\u{feff}')
                    .split(',')
                    .map(str::trim)
                    .collect();
                if h.len() < 2 || h[0] != "code" || h[1] != "name" {
                    errors.push(err(1, "表头应为“code,name”".to_string()));
                    return Err(errors);
                }
            }
            None => {
                errors.push(err(1, "文件为空".to_string()));
                return Err(errors);
            }
        }
        let mut top_level: Option<DivisionLevel> = None;
        for (i, raw) in lines {
            let line = i + 1;
            if raw.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = raw.split(',').map(str::trim).collect();
            if cols.len() != 2 {
                errors.push(err(line, format!("应有2列，实际为{}列", cols.len())));
                continue;
            }
            let (code, name) = (cols[0], cols[1]);
            if name.is_empty() {
                errors.push(err(line, "名称（name）为空".to_string()));
                continue;
            }
            if code.len() == 15 {
                let village = match DivisionCode::parse(&code[..12]) {
                    Ok(v) => v,
                    Err(e) => {
                        errors.push(err(line, e.to_string()));
                        continue;
                    }
                };
                let number = code[12..].parse::<u16>().unwrap_or(0);
                if village.level() != DivisionLevel::Village || number == 0 {
                    errors.push(err(
                        line,
                        format!("村民小组代码“{code}”应为12位村级代码加3位组号（001–999）"),
                    ));
                    continue;
                }
                if !table.divisions.contains_key(&village) {
                    errors.push(err(
                        line,
                        format!("村民小组的上级村“{village}”未在前面列出"),
                    ));
                    continue;
                }
                table.groups.push(VillageGroup {
                    village,
                    number,
                    name: name.to_string(),
                });
                continue;
            }
            let code = match DivisionCode::parse(code) {
                Ok(c) => c,
                Err(e) => {
                    errors.push(err(line, e.to_string()));
                    continue;
                }
            };
            let level = code.level();
            let top = *top_level.get_or_insert(level);
            if level < top {
                errors.push(err(
                    line,
                    format!("“{code}”的层级高于文件第一行的层级，请把上级放在前面"),
                ));
                continue;
            }
            if level > top {
                match code.parent() {
                    Some(p) if table.divisions.contains_key(&p) => {}
                    Some(p) => {
                        errors.push(err(line, format!("上级区划“{p}”未在前面列出")));
                        continue;
                    }
                    None => {}
                }
            }
            if table.divisions.contains_key(&code) {
                errors.push(err(line, format!("区划代码“{code}”重复")));
                continue;
            }
            table.divisions.insert(
                code,
                Division {
                    code,
                    name: name.to_string(),
                },
            );
        }
        if errors.is_empty() {
            Ok(table)
        } else {
            Err(errors)
        }
    }

    /// Writes the table back in the format `from_csv` reads.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("code,name\n");
        for d in self.divisions.values() {
            out.push_str(&format!("{},{}\n", d.code, d.name));
            for g in self.groups.iter().filter(|g| g.village == d.code) {
                out.push_str(&format!("{}{:03},{}\n", g.village, g.number, g.name));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> DivisionCode {
        DivisionCode::parse(s).unwrap()
    }

    #[test]
    fn levels_parents_and_ancestors() {
        let v = code("500299101201");
        assert_eq!(v.level(), DivisionLevel::Village);
        assert_eq!(v.parent(), Some(code("500299101000")));
        assert_eq!(
            v.ancestors(),
            vec![
                code("500299101000"),
                code("500299000000"),
                code("500200000000"),
                code("500000000000")
            ]
        );
        assert_eq!(code("500000000000").parent(), None);
        assert_eq!(code("500299000000").prefix(), "500299");
        assert_eq!(
            code("500299101000").code_range(),
            ("500299101000".to_string(), "500299101999".to_string())
        );
        assert_eq!(
            v.ancestor_at(DivisionLevel::County),
            Some(code("500299000000"))
        );
        assert_eq!(code("500299000000").ancestor_at(DivisionLevel::Town), None);
    }

    #[test]
    fn within_is_subtree_membership() {
        let county = code("500299000000");
        assert!(code("500299101201").is_within(&county));
        assert!(county.is_within(&county));
        assert!(!county.is_within(&code("500299101000")));
        assert!(!code("500298101201").is_within(&county));
        assert!(county.is_within(&code("500000000000")));
    }

    #[test]
    fn rejects_malformed_codes_with_reasons() {
        assert!(matches!(
            DivisionCode::parse("50029910120"),
            Err(DivisionCodeError::Format(_))
        ));
        assert!(matches!(
            DivisionCode::parse("5002991012a1"),
            Err(DivisionCodeError::Format(_))
        ));
        assert!(matches!(
            DivisionCode::parse("000299101201"),
            Err(DivisionCodeError::ZeroProvince(_))
        ));
        let e = DivisionCode::parse("500200101000").unwrap_err();
        assert!(matches!(e, DivisionCodeError::Gap(_)));
        assert!(e.to_string().contains("下级段"));
    }

    #[test]
    fn csv_reports_every_bad_line() {
        let text = "code,name\n500000000000,重庆市\n500299000000,青山县\n500200000000,县\n5002991xx000,坏镇\n500299101000,\n500299101201,石桥村\n";
        let errs = DivisionTable::from_csv("d.csv", text).unwrap_err();
        let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 5, 6, 7]);
        assert!(errs[0].to_string().starts_with("d.csv第3行"));
    }

    #[test]
    fn csv_round_trips_with_groups() {
        let text = "code,name\n500000000000,重庆市\n500200000000,县\n500299000000,青山县\n500299101000,石桥镇\n500299101201,石桥村\n500299101201001,一组\n";
        let t = DivisionTable::from_csv("d.csv", text).unwrap();
        assert_eq!(t.divisions.len(), 5);
        assert_eq!(t.groups.len(), 1);
        assert_eq!(t.to_csv(), text);
    }

    proptest! {
        #[test]
        fn parents_contain_children(p in 11u32..=82, c in 0u32..100, k in 0u32..100, t in 0u32..1000, v in 0u32..1000) {
            let text = format!("{p:02}{c:02}{k:02}{t:03}{v:03}");
            if let Ok(code) = DivisionCode::parse(&text) {
                for a in code.ancestors() {
                    prop_assert!(code.is_within(&a));
                    prop_assert!(!a.is_within(&code));
                    prop_assert!(a.level() < code.level());
                }
            }
        }

        /// Within is the subtree test spelled out: a prefix of significant digits and a
        /// level at or below.
        #[test]
        fn within_is_prefix_and_level(a in 0u32..4000, b in 0u32..4000) {
            let pick = |n: u32| {
                let segs = [n % 2, (n / 2) % 3, (n / 6) % 3, (n / 18) % 4, (n / 72) % 4];
                format!(
                    "{:02}{:02}{:02}{:03}{:03}",
                    50 + segs[0], segs[1], 99 * u32::from(segs[2] > 0) + segs[2] % 2,
                    if segs[3] > 0 { 100 + segs[3] } else { 0 },
                    if segs[4] > 0 { 200 + segs[4] } else { 0 }
                )
            };
            if let (Ok(x), Ok(y)) = (DivisionCode::parse(&pick(a)), DivisionCode::parse(&pick(b))) {
                let spelled = x.as_str().starts_with(y.prefix()) && x.level() >= y.level();
                prop_assert_eq!(x.is_within(&y), spelled, "{} in {}", x, y);
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,16}") {
            let _ = DivisionCode::parse(&s);
        }
    }
}
