//! Writing CSV cells, one way for every file the system hands out or reads back.

/// `s` with a leading `=`, `+`, `-` or `@` made inert: spreadsheet programs would run it as
/// a formula. For files people open (exports), never for files the system reads back.
pub fn defused(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// `s` in double quotes, inner quotes doubled.
pub fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `s` as a cell: quoted only when it holds a separator, a quote or a line break.
pub fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        quoted(s)
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_when_needed_and_formulas_defused() {
        assert_eq!(cell("5002991012010001"), "5002991012010001");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quoted("a\"b"), "\"a\"\"b\"");
        assert_eq!(defused("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(defused("-5"), "'-5");
        assert_eq!(defused("张三"), "张三");
    }
}
