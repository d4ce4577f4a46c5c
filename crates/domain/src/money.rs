//! Money (金额) as integer fen (分). Never floating point: a county's totals must add up to
//! the fen when a department recomputes them in Excel.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("金额为空")]
    Empty,
    #[error("金额“{0}”不是有效数字")]
    NotANumber(String),
    #[error("金额“{0}”最多保留两位小数（到分）")]
    TooPrecise(String),
    #[error("金额“{0}”超出可处理范围")]
    Overflow(String),
    #[error("金额计算溢出")]
    ArithmeticOverflow,
    #[error("不能除以零")]
    DivideByZero,
}

/// An amount in fen. Arithmetic is checked: overflow is an error, not a wrap.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    /// The most one entry (a fund document, a budget, a payment, an income) may be: 100亿元.
    /// Sums of a million such entries still fit in fen, and a slip of extra digits is refused
    /// instead of overflowing a county's totals.
    pub const MAX_ENTRY: Money = Money(1_000_000_000_000);

    /// Why an entry of `what` is out of range (≤ 0 or above [`Money::MAX_ENTRY`]), if it is.
    pub fn entry_problem(self, what: &str) -> Option<String> {
        if self <= Money::ZERO {
            Some(format!("{what}必须大于0"))
        } else if self > Money::MAX_ENTRY {
            Some(format!(
                "{what}{}元超过单笔上限{}元，请核对是否多输了位数",
                self.grouped(),
                Money::MAX_ENTRY.grouped()
            ))
        } else {
            None
        }
    }

    pub const fn from_fen(fen: i64) -> Money {
        Money(fen)
    }

    /// Whole yuan; `None` on overflow.
    pub const fn from_yuan(yuan: i64) -> Option<Money> {
        match yuan.checked_mul(100) {
            Some(f) => Some(Money(f)),
            None => None,
        }
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.0
            .checked_add(other.0)
            .map(Money)
            .ok_or(MoneyError::ArithmeticOverflow)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.0
            .checked_sub(other.0)
            .map(Money)
            .ok_or(MoneyError::ArithmeticOverflow)
    }

    pub fn checked_mul(self, factor: i64) -> Result<Money, MoneyError> {
        self.0
            .checked_mul(factor)
            .map(Money)
            .ok_or(MoneyError::ArithmeticOverflow)
    }

    /// Divides and rounds half away from zero (四舍五入), e.g. per-capita income.
    pub fn div_round(self, divisor: i64) -> Result<Money, MoneyError> {
        if divisor == 0 {
            return Err(MoneyError::DivideByZero);
        }
        let (n, d) = (i128::from(self.0), i128::from(divisor));
        let q = n / d;
        let r = n % d;
        let q = if 2 * r.abs() >= d.abs() {
            if (n < 0) ^ (d < 0) { q - 1 } else { q + 1 }
        } else {
            q
        };
        i64::try_from(q)
            .map(Money)
            .map_err(|_| MoneyError::ArithmeticOverflow)
    }

    /// Sum of an iterator, checked.
    pub fn sum<I: IntoIterator<Item = Money>>(items: I) -> Result<Money, MoneyError> {
        items
            .into_iter()
            .try_fold(Money::ZERO, |acc, m| acc.checked_add(m))
    }

    /// Parses what people type into spreadsheets and forms:
    /// `1234.5`, `1,234.56`, `1234.56元`, `￥1234`, `１２３４`, `-20`, `1.5万`, `1.5万元`.
    pub fn parse(input: &str) -> Result<Money, MoneyError> {
        // Whole yuan in plain digits, as most cells hold, need none of the clean-up below.
        if (1..=15).contains(&input.len())
            && input.bytes().all(|b| b.is_ascii_digit())
            && let Some(m) = input.parse().ok().and_then(Money::from_yuan)
        {
            return Ok(m);
        }
        let cleaned: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '，' | '¥' | '￥'))
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                '．' => '.',
                '－' => '-',
                other => other,
            })
            .collect();
        if cleaned.is_empty() {
            return Err(MoneyError::Empty);
        }
        let original = input.trim().to_string();
        let body = cleaned.strip_suffix('元').unwrap_or(&cleaned);
        let (body, scale_digits) = match body.strip_suffix('万') {
            Some(b) => (b, 4u32),
            None => (body, 0u32),
        };
        let (negative, body) = match body.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, body.strip_prefix('+').unwrap_or(body)),
        };
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int_part.is_empty() && frac_part.is_empty())
            || !digits_ok(int_part)
            || !digits_ok(frac_part)
        {
            return Err(MoneyError::NotANumber(original));
        }
        // Fen have two decimals below the yuan; 万 moves the point four places.
        let allowed = 2 + scale_digits as usize;
        let frac_trimmed = frac_part.trim_end_matches('0');
        if frac_trimmed.len() > allowed {
            return Err(MoneyError::TooPrecise(original));
        }
        let mut digits = String::with_capacity(int_part.len() + allowed);
        digits.push_str(int_part);
        digits.push_str(frac_trimmed);
        for _ in frac_trimmed.len()..allowed {
            digits.push('0');
        }
        let digits = digits.trim_start_matches('0');
        let value: i64 = if digits.is_empty() {
            0
        } else if digits.len() > 18 {
            return Err(MoneyError::Overflow(original));
        } else {
            digits
                .parse()
                .map_err(|_| MoneyError::Overflow(original.clone()))?
        };
        Ok(Money(if negative { -value } else { value }))
    }

    /// Yuan with two decimals and thousands separators: `1,234.56`.
    pub fn grouped(self) -> String {
        let plain = self.to_string();
        let (sign, rest) = match plain.strip_prefix('-') {
            Some(r) => ("-", r),
            None => ("", plain.as_str()),
        };
        let (int_part, frac) = rest.split_once('.').unwrap_or((rest, "00"));
        format!("{sign}{}.{frac}", group_thousands(int_part))
    }
}

/// Inserts a comma every three digits from the right: `1234567` → `1,234,567`.
/// Also used for counts of households and persons in tables.
pub fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Plain yuan with two decimals: `1234.56`, `-0.05`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let abs = self.0.unsigned_abs();
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({self}元)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_spreadsheet_forms() {
        let cases = [
            ("1234.5", 123_450),
            ("1,234.56", 123_456),
            ("1234.56元", 123_456),
            ("￥1,234", 123_400),
            ("１２３４．５", 123_450),
            (" -20 ", -2_000),
            ("0.05", 5),
            (".5", 50),
            ("12.", 1_200),
            ("1.5万", 1_500_000),
            ("1.2345万元", 1_234_500),
            ("6320元", 632_000),
            ("1.230", 123),
        ];
        for (text, fen) in cases {
            assert_eq!(Money::parse(text), Ok(Money::from_fen(fen)), "{text}");
        }
    }

    #[test]
    fn rejects_with_reasons() {
        assert_eq!(Money::parse(""), Err(MoneyError::Empty));
        assert_eq!(
            Money::parse("abc"),
            Err(MoneyError::NotANumber("abc".into()))
        );
        assert_eq!(Money::parse("."), Err(MoneyError::NotANumber(".".into())));
        assert_eq!(
            Money::parse("1.234"),
            Err(MoneyError::TooPrecise("1.234".into()))
        );
        assert!(Money::parse("1e5").is_err());
        assert_eq!(
            Money::parse("99999999999999999999"),
            Err(MoneyError::Overflow("99999999999999999999".into()))
        );
        assert!(
            Money::parse("abc")
                .unwrap_err()
                .to_string()
                .contains("不是有效数字")
        );
    }

    #[test]
    fn displays_exactly() {
        assert_eq!(Money::from_fen(123_456).to_string(), "1234.56");
        assert_eq!(Money::from_fen(-5).to_string(), "-0.05");
        assert_eq!(Money::from_fen(123_456_789).grouped(), "1,234,567.89");
        assert_eq!(Money::from_fen(-100_000).grouped(), "-1,000.00");
        assert_eq!(Money::from_fen(99).grouped(), "0.99");
    }

    #[test]
    fn checked_arithmetic() {
        assert!(
            Money::from_fen(i64::MAX)
                .checked_add(Money::from_fen(1))
                .is_err()
        );
        assert_eq!(Money::from_fen(1000).div_round(3), Ok(Money::from_fen(333)));
        assert_eq!(Money::from_fen(1001).div_round(2), Ok(Money::from_fen(501)));
        assert_eq!(
            Money::from_fen(-1001).div_round(2),
            Ok(Money::from_fen(-501))
        );
        assert_eq!(
            Money::from_fen(1).div_round(0),
            Err(MoneyError::DivideByZero)
        );
    }

    proptest! {
        #[test]
        fn display_round_trips(fen in -1_000_000_000_000i64..1_000_000_000_000) {
            let m = Money::from_fen(fen);
            prop_assert_eq!(Money::parse(&m.to_string()), Ok(m));
            prop_assert_eq!(Money::parse(&m.grouped()), Ok(m));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,30}") {
            let _ = Money::parse(&s);
        }

        #[test]
        fn div_round_is_nearest(fen in -1_000_000_000i64..1_000_000_000, d in 1i64..20) {
            let q = Money::from_fen(fen).div_round(d).unwrap().fen();
            prop_assert!((i128::from(q) * i128::from(d) - i128::from(fen)).abs() * 2 <= i128::from(d));
        }
    }
}
