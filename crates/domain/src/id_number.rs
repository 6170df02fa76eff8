//! Resident identity numbers (GB 11643-1999): 18 characters, a mod-11 check
//! character, a real birth date, sex from the 17th digit.

use crate::RuleError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Sex as recorded in the ID number: odd 17th digit is male.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

/// A valid resident ID number, normalised to an upper-case `X`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

/// The check character for the first 17 digits of an ID number.
pub fn check_char(first17: &[u8; 17]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

fn invalid(detail: &str) -> RuleError {
    RuleError::new("id_number_invalid", detail).on("id_number")
}

impl IdNumber {
    /// Parses an ID number; `today` bounds the birth date.
    pub fn parse(raw: &str, today: NaiveDate) -> Result<Self, RuleError> {
        let normalised = raw.trim().to_ascii_uppercase();
        let bytes = normalised.as_bytes();
        if bytes.len() != 18 {
            return Err(invalid("an ID number has 18 characters"));
        }
        let mut first17 = [0u8; 17];
        first17.copy_from_slice(&bytes[..17]);
        if !first17.iter().all(u8::is_ascii_digit) {
            return Err(invalid("the first 17 characters must be digits"));
        }
        let last = bytes[17] as char;
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(invalid("the last character must be a digit or X"));
        }
        let birth = birth_date_of(&normalised).ok_or_else(|| invalid("the birth date is not a real date"))?;
        if birth > today {
            return Err(invalid("the birth date is in the future"));
        }
        if birth < NaiveDate::from_ymd_opt(1890, 1, 1).expect("valid date") {
            return Err(invalid("the birth date is too early"));
        }
        if check_char(&first17) != last {
            return Err(invalid("the check character does not match"));
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(&self.0).expect("checked at parse")
    }

    pub fn sex(&self) -> Sex {
        let digit = self.0.as_bytes()[16] - b'0';
        if digit % 2 == 1 { Sex::Male } else { Sex::Female }
    }

    /// The form shown to readers who may not see the whole number: the
    /// first and last characters only.
    pub fn masked(&self) -> String {
        mask_id_number(&self.0)
    }
}

/// Masks an ID number string (or an earlier, wider mask of one): the first
/// and last characters only. Keeping more (4 + 4, say) leaves the birth
/// date's few unknown digits to guess against the check character, once
/// the region and the birth year are known.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 2 {
        return "*".repeat(chars.len());
    }
    format!("{}{}{}", chars[0], "*".repeat(chars.len() - 2), chars[chars.len() - 1])
}

/// The birth date an ID number (or a stored one) states.
pub fn birth_date_of(id: &str) -> Option<NaiveDate> {
    let year = id.get(6..10)?.parse().ok()?;
    let month = id.get(10..12)?.parse().ok()?;
    let day = id.get(12..14)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

/// Builds a valid ID number from a 6-digit region, a birth date and a
/// 3-digit sequence (odd = male). For demo data and tests; panics when
/// `region6` is not six ASCII digits.
pub fn compose(region6: &str, birth: NaiveDate, sequence: u16) -> String {
    let body = format!("{region6}{}{:03}", birth.format("%Y%m%d"), sequence % 1000);
    let mut first17 = [0u8; 17];
    first17.copy_from_slice(body.as_bytes());
    format!("{body}{}", check_char(&first17))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn accepts_the_standard_example_and_reads_it() {
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.masked(), "1****************X");
        assert_eq!(
            mask_id_number("1101**********002X"),
            id.masked(),
            "a wider mask narrows"
        );
        assert_eq!(birth_date_of(id.as_str()), Some(id.birth_date()));
    }

    #[test]
    fn lower_case_x_is_the_same_number() {
        let upper = IdNumber::parse("11010519491231002X", today()).unwrap();
        let lower = IdNumber::parse("11010519491231002x", today()).unwrap();
        assert_eq!(upper, lower);
        assert_eq!(lower.as_str(), "11010519491231002X");
    }

    #[test]
    fn refuses_bad_length_letters_dates_and_checks() {
        for bad in [
            "",
            "11010519491231002",
            "11010519491231002XX",
            "1101051949123100AX",
            "110105194902300021",
            "110105203001010011",
            "110105194912310021",
        ] {
            let err = IdNumber::parse(bad, today()).unwrap_err();
            assert_eq!(err.code, "id_number_invalid", "{bad}");
        }
    }

    fn any_birth() -> impl Strategy<Value = NaiveDate> {
        (1900i32..2026, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    proptest! {
        #[test]
        fn composed_ids_round_trip(birth in any_birth(), seq in 0u16..1000, region in 110000u32..660000) {
            let raw = compose(&region.to_string(), birth, seq);
            let id = IdNumber::parse(&raw, today()).unwrap();
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(id.sex() == Sex::Male, seq % 2 == 1);
            prop_assert_eq!(id.as_str(), raw.as_str());
        }

        #[test]
        fn every_single_digit_corruption_is_caught(
            birth in any_birth(), seq in 0u16..1000, position in 0usize..18, delta in 1u8..10,
        ) {
            let raw = compose("360111", birth, seq);
            let mut bytes = raw.clone().into_bytes();
            let original = bytes[position];
            bytes[position] = if original == b'X' {
                b'0' + (delta % 10)
            } else {
                b'0' + ((original - b'0' + delta) % 10)
            };
            let corrupted = String::from_utf8(bytes).unwrap();
            prop_assume!(corrupted != raw);
            prop_assert!(IdNumber::parse(&corrupted, today()).is_err());
        }
    }
}
