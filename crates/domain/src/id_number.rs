//! Resident identity number (居民身份证号码), GB 11643-1999.
//!
//! Values are accepted the way they arrive from spreadsheets and phones: full-width digits,
//! a lower-case `x`, spaces in the middle, or a 15-digit legacy number (upgraded to 18 digits).

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// Weights of the MOD 11-2 check character, positions 1..=17.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder 0..=10.
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// Province-level codes (first two digits) that exist in GB/T 2260, including Taiwan, Hong Kong
/// and Macao, which appear on residence permits.
const PROVINCE_CODES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// Sex (性别) as encoded by the 17th digit: odd for male, even for female.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }

    pub fn parse(s: &str) -> Option<Sex> {
        match s.trim() {
            "男" | "M" | "m" | "1" => Some(Sex::Male),
            "女" | "F" | "f" | "2" => Some(Sex::Female),
            _ => None,
        }
    }
}

/// Why a text is not a valid ID number. The messages are shown to users as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("身份证号为空")]
    Empty,
    #[error("身份证号长度错误：应为18位（或15位旧号码），实际为{0}位")]
    Length(usize),
    #[error("身份证号第{position}位“{found}”不是数字")]
    NotDigit { position: usize, found: char },
    #[error("身份证号地区码错误：“{0}”不是有效的省级行政区代码开头")]
    Region(String),
    #[error("身份证号出生日期错误：“{0}”不是有效日期")]
    BirthDate(String),
    #[error("身份证号出生日期错误：{0}晚于今天")]
    BirthInFuture(NaiveDate),
    #[error("身份证号出生日期错误：{0}早于1890年，不合常理")]
    BirthTooEarly(NaiveDate),
    #[error("身份证号校验码错误：按前17位计算应为“{expected}”，实际为“{found}”")]
    Checksum { expected: char, found: char },
}

/// A valid 18-character ID number, normalised (ASCII digits, upper-case `X`).
///
/// `Debug` prints the masked form so that a stray `{:?}` in a log line leaks nothing.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber([u8; 18]);

impl IdNumber {
    /// Parses and validates `input`; `today` bounds the birth date (the domain has no clock).
    pub fn parse(input: &str, today: NaiveDate) -> Result<IdNumber, IdNumberError> {
        let chars = normalize(input);
        if chars.is_empty() {
            return Err(IdNumberError::Empty);
        }
        let digits = match chars.len() {
            18 => {
                let mut out = [0u8; 18];
                for (i, c) in chars.iter().enumerate() {
                    let ok = c.is_ascii_digit() || (i == 17 && *c == 'X');
                    if !ok {
                        return Err(IdNumberError::NotDigit {
                            position: i + 1,
                            found: *c,
                        });
                    }
                    out[i] = *c as u8;
                }
                out
            }
            15 => upgrade_legacy(&chars)?,
            n => return Err(IdNumberError::Length(n)),
        };
        let region = &digits[..6];
        let province = (region[0] - b'0') * 10 + (region[1] - b'0');
        if !PROVINCE_CODES.contains(&province) {
            return Err(IdNumberError::Region(ascii(region)));
        }
        let birth = parse_birth(&digits[6..14])?;
        if birth > today {
            return Err(IdNumberError::BirthInFuture(birth));
        }
        if birth.year() < 1890 {
            return Err(IdNumberError::BirthTooEarly(birth));
        }
        let expected = check_char(&digits[..17]);
        if digits[17] != expected {
            return Err(IdNumberError::Checksum {
                expected: expected as char,
                found: digits[17] as char,
            });
        }
        Ok(IdNumber(digits))
    }

    /// Builds a valid number from its parts; used by synthetic data and tests.
    /// Returns `None` if the region prefix is not six digits or the sequence is over 99.
    pub fn compose(region6: &str, birth: NaiveDate, sequence: u16, sex: Sex) -> Option<IdNumber> {
        if region6.len() != 6 || !region6.bytes().all(|b| b.is_ascii_digit()) || sequence > 99 {
            return None;
        }
        // Positions 15–16 are the sequence, 17 encodes sex.
        let sex_digit = match sex {
            Sex::Male => 1,
            Sex::Female => 0,
        };
        let text = format!(
            "{region6}{}{:02}{}",
            birth.format("%Y%m%d"),
            sequence,
            sex_digit + 2 * ((sequence % 5) as u8)
        );
        let mut out = [0u8; 18];
        out[..17].copy_from_slice(text.as_bytes());
        out[17] = check_char(&out[..17]);
        Some(IdNumber(out))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits and 'X' are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The six-digit administrative region of household registration at issue time.
    pub fn region_code(&self) -> &str {
        &self.as_str()[..6]
    }

    pub fn birth_date(&self) -> NaiveDate {
        parse_birth(&self.0[6..14]).unwrap_or_default()
    }

    pub fn sex(&self) -> Sex {
        if (self.0[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        age_on(self.birth_date(), on)
    }

    /// The form shown in lists and exports: first four and last four characters.
    pub fn masked(&self) -> String {
        let s = self.as_str();
        format!("{}**********{}", &s[..4], &s[14..])
    }
}

/// Whole years between `birth` and `on` (0 if `on` is before `birth`).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

fn normalize(input: &str) -> Vec<char> {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{feff}' && *c != '\'')
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            'x' | 'Ｘ' | 'ｘ' => 'X',
            other => other,
        })
        .collect()
}

fn upgrade_legacy(chars: &[char]) -> Result<[u8; 18], IdNumberError> {
    for (i, c) in chars.iter().enumerate() {
        if !c.is_ascii_digit() {
            return Err(IdNumberError::NotDigit {
                position: i + 1,
                found: *c,
            });
        }
    }
    // 15-digit numbers were issued 1984–1999 with a two-digit year of the 1900s.
    let mut out = [0u8; 18];
    for (i, c) in chars[..6].iter().enumerate() {
        out[i] = *c as u8;
    }
    out[6] = b'1';
    out[7] = b'9';
    for (i, c) in chars[6..].iter().enumerate() {
        out[8 + i] = *c as u8;
    }
    out[17] = check_char(&out[..17]);
    Ok(out)
}

fn parse_birth(digits: &[u8]) -> Result<NaiveDate, IdNumberError> {
    let number = |range: std::ops::Range<usize>| {
        digits.get(range).and_then(|d| {
            d.iter().try_fold(0u32, |n, b| {
                b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
            })
        })
    };
    let date = match (number(0..4), number(4..6), number(6..8)) {
        (Some(y), Some(m), Some(d)) if digits.len() == 8 => NaiveDate::from_ymd_opt(y as i32, m, d),
        _ => None,
    };
    date.ok_or_else(|| IdNumberError::BirthDate(ascii(digits)))
}

fn ascii(bytes: &[u8]) -> String {
    bytes.iter().map(|b| *b as char).collect()
}

/// MOD 11-2 check character of the first 17 digits.
fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default()
    }

    // The GB 11643-1999 worked example.
    const SAMPLE: &str = "11010519491231002X";

    #[test]
    fn accepts_the_standard_example() {
        let id = IdNumber::parse(SAMPLE, today()).unwrap();
        assert_eq!(id.as_str(), SAMPLE);
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.region_code(), "110105");
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(1101**********002X)");
    }

    #[test]
    fn normalises_full_width_lower_case_and_spaces() {
        let id = IdNumber::parse(" １１０１０５ 19491231 002x\u{3000}", today()).unwrap();
        assert_eq!(id.as_str(), SAMPLE);
    }

    #[test]
    fn upgrades_fifteen_digit_numbers() {
        let id = IdNumber::parse("110105491231002", today()).unwrap();
        assert_eq!(id.as_str(), SAMPLE);
    }

    #[test]
    fn names_each_kind_of_error() {
        let e = IdNumber::parse("1101051949123100", today()).unwrap_err();
        assert_eq!(e, IdNumberError::Length(16));
        assert!(e.to_string().contains("长度"));

        let e = IdNumber::parse("110105194912310021", today()).unwrap_err();
        assert_eq!(
            e,
            IdNumberError::Checksum {
                expected: 'X',
                found: '1'
            }
        );
        assert!(e.to_string().contains("校验码"));

        let e = IdNumber::parse("110105194902310020", today()).unwrap_err();
        assert!(matches!(e, IdNumberError::BirthDate(_)));
        assert!(e.to_string().contains("出生日期"));

        let e = IdNumber::parse("990105194912310020", today()).unwrap_err();
        assert!(matches!(e, IdNumberError::Region(_)));
        assert!(e.to_string().contains("地区码"));

        let e = IdNumber::parse("11010519491231A02X", today()).unwrap_err();
        assert_eq!(
            e,
            IdNumberError::NotDigit {
                position: 15,
                found: 'A'
            }
        );
        assert_eq!(IdNumber::parse("  ", today()), Err(IdNumberError::Empty));
    }

    #[test]
    fn rejects_birth_in_future() {
        let future = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let id = IdNumber::compose("500299", future, 1, Sex::Male).unwrap();
        let e = IdNumber::parse(id.as_str(), today()).unwrap_err();
        assert_eq!(e, IdNumberError::BirthInFuture(future));
    }

    fn birth_strategy() -> impl Strategy<Value = NaiveDate> {
        (1900i32..2026, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default())
    }

    proptest! {
        #[test]
        fn composed_numbers_round_trip(birth in birth_strategy(), seq in 0u16..100, male: bool) {
            let sex = if male { Sex::Male } else { Sex::Female };
            let id = IdNumber::compose("520624", birth, seq, sex).unwrap();
            let parsed = IdNumber::parse(id.as_str(), today()).unwrap();
            prop_assert_eq!(parsed.birth_date(), birth);
            prop_assert_eq!(parsed.sex(), sex);
            prop_assert_eq!(&parsed, &id);
        }

        #[test]
        fn any_single_digit_change_is_caught(birth in birth_strategy(), seq in 0u16..100, pos in 0usize..17, delta in 1u8..10) {
            let id = IdNumber::compose("520624", birth, seq, Sex::Male).unwrap();
            let mut bytes = id.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let text = String::from_utf8(bytes).unwrap();
            prop_assert!(IdNumber::parse(&text, today()).is_err());
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = IdNumber::parse(&s, today());
        }
    }
}
