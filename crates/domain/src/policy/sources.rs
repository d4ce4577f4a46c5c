//! Where each value of a pack comes from (来源). A pack's `[sources]` table maps a value's
//! path (`deadlines.identification`, `monitoring_line`, `screening.rule.dropout`) to the
//! document and article it was taken from, or to a county default marked `县定默认值…`.
//! A source given for a path covers every value under it, so one line can source a whole
//! code table copied from one document.

use std::collections::BTreeMap;

/// The marker a county default starts with: a value no document fixes, chosen locally.
pub const COUNTY_DEFAULT: &str = "县定默认值";

/// One value as written in a pack, with the source that covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcedValue {
    /// Dotted path; items of a code table or of the screening rules are named by their code.
    pub path: String,
    /// The value as written (strings without quotes).
    pub value: String,
    /// 1-based line in the pack.
    pub line: usize,
    /// The `[sources]` key that covers it, and its text; `None` when nothing does.
    pub source: Option<(String, String)>,
}

impl SourcedValue {
    /// A county default rather than a value a document fixes.
    pub fn is_county_default(&self) -> bool {
        self.source
            .as_ref()
            .is_some_and(|(_, s)| s.starts_with(COUNTY_DEFAULT))
    }
}

/// Whether `key` names `path` or one of its ancestors, segment by segment.
pub fn covers(key: &str, path: &str) -> bool {
    path == key
        || path
            .strip_prefix(key)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The most specific source key covering `path`.
pub fn source_for<'a>(
    sources: &'a BTreeMap<String, String>,
    path: &str,
) -> Option<(&'a String, &'a String)> {
    sources
        .iter()
        .filter(|(k, _)| covers(k, path))
        .max_by_key(|(k, _)| k.len())
}

/// The sourced values of a pack text, in file order. `None` when the text does not parse
/// (the caller reports that error).
pub(super) fn values_of(
    text: &str,
    sources: &BTreeMap<String, String>,
) -> Option<Vec<SourcedValue>> {
    let root = toml::de::DeTable::parse(text).ok()?;
    let mut out: Vec<(usize, SourcedValue)> = Vec::new();
    for (key, value) in root.get_ref().iter() {
        let k: &str = key.get_ref();
        if k == "pack" || k == "sources" {
            continue;
        }
        walk(text, k.to_string(), value, &mut out);
    }
    // The parser's tables are ordered by key; the file's order is what a reader follows.
    out.sort_by_key(|(offset, _)| *offset);
    Some(
        out.into_iter()
            .map(|(_, mut v)| {
                v.source = source_for(sources, &v.path).map(|(k, s)| (k.clone(), s.clone()));
                v
            })
            .collect(),
    )
}

fn walk(
    text: &str,
    path: String,
    value: &toml::Spanned<toml::de::DeValue<'_>>,
    out: &mut Vec<(usize, SourcedValue)>,
) {
    use toml::de::DeValue;
    match value.get_ref() {
        DeValue::Table(t) => {
            for (k, v) in t.iter() {
                walk(text, format!("{path}.{}", k.get_ref()), v, out);
            }
        }
        DeValue::Array(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|i| matches!(i.get_ref(), DeValue::Table(_))) =>
        {
            for (n, item) in items.iter().enumerate() {
                let name = match item.get_ref() {
                    DeValue::Table(t) => t
                        .get("code")
                        .and_then(|c| c.get_ref().as_str().map(str::to_string)),
                    _ => None,
                }
                .unwrap_or_else(|| format!("[{}]", n + 1));
                walk(text, format!("{path}.{name}"), item, out);
            }
        }
        DeValue::String(s) => out.push((
            value.span().start,
            SourcedValue {
                path,
                value: s.to_string(),
                line: line_at(text, value.span().start),
                source: None,
            },
        )),
        _ => out.push((
            value.span().start,
            SourcedValue {
                path,
                value: text
                    .get(value.span())
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
                line: line_at(text, value.span().start),
                source: None,
            },
        )),
    }
}

fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Problems with the sources of a pack: `(line, field, message)`. `strict` also refuses
/// values without a source; packs stored before sources were required are read without it.
pub(super) fn check(
    text: &str,
    sources: &BTreeMap<String, String>,
    values: &[SourcedValue],
    strict: bool,
) -> Vec<(Option<usize>, String, String)> {
    let mut out = Vec::new();
    let key_line = |key: &str| {
        text.lines()
            .position(|l| {
                let l = l.trim_start();
                l.starts_with(&format!("\"{key}\"")) || l.starts_with(&format!("{key} "))
            })
            .map(|i| i + 1)
    };
    for (key, source) in sources {
        if !values.iter().any(|v| covers(key, &v.path)) {
            out.push((
                key_line(key),
                format!("sources.{key}"),
                format!("来源键“{key}”不对应本包中的任何数值（可能写错了路径）"),
            ));
        }
        let s = source.trim();
        let bare_default = s
            .strip_prefix(COUNTY_DEFAULT)
            .is_some_and(|rest| rest.trim_start_matches(['：', ':', ' ']).chars().count() < 2);
        if s.chars().count() < 4 || bare_default {
            out.push((
                key_line(key),
                format!("sources.{key}"),
                "来源应写明文件文号和条款，或写“县定默认值：理由”说明为本地默认".into(),
            ));
        }
    }
    if strict {
        for v in values.iter().filter(|v| v.source.is_none()) {
            out.push((
                Some(v.line),
                v.path.clone(),
                format!(
                    "数值没有注明来源：请在 [sources] 中写 \"{}\" = \"文件文号和条款\"，无文件依据的写 \"{COUNTY_DEFAULT}：理由\"",
                    v.path
                ),
            ));
        }
    }
    out
}

/// One value that differs between two packs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueChange {
    pub path: String,
    /// `(value, source)` in the first pack; `None`: the first pack does not have it.
    pub before: Option<(String, Option<String>)>,
    pub after: Option<(String, Option<String>)>,
}

/// What changed from `a` to `b`, value by value, in the order of `b` then the values only
/// `a` had. A value whose text and source are the same in both is left out.
pub fn diff(a: &[SourcedValue], b: &[SourcedValue]) -> Vec<ValueChange> {
    let side = |v: &SourcedValue| (v.value.clone(), v.source.as_ref().map(|(_, s)| s.clone()));
    let mut out = Vec::new();
    for v in b {
        let before = a.iter().find(|x| x.path == v.path).map(side);
        let after = Some(side(v));
        if before != after {
            out.push(ValueChange {
                path: v.path.clone(),
                before,
                after,
            });
        }
    }
    for v in a.iter().filter(|x| !b.iter().any(|y| y.path == x.path)) {
        out.push(ValueChange {
            path: v.path.clone(),
            before: Some(side(v)),
            after: None,
        });
    }
    out
}
