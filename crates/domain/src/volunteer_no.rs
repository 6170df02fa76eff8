//! Volunteer numbers: `V` + 6-digit county code + YYMM of registration +
//! 6-digit sequence + 1 check character, 18 characters in all.
//!
//! The check character is ISO 7064 MOD 11-2 over the 16 digits, the same
//! scheme as the resident ID: the digit at position i (1-based from the left,
//! of n = 16) has weight 2^(n - i + 1) mod 11; the check value is
//! (12 - sum mod 11) mod 11, written as a digit or `X` for 10. It catches every
//! single-digit error and every swap of two adjacent digits.

use crate::RuleError;
use chrono::{Datelike, NaiveDate};

/// The ISO 7064 MOD 11-2 check character of ASCII digits (`X` for 10).
pub(crate) fn mod11_2(digits: &[u8]) -> char {
    // Walk from the right: the rightmost payload digit has weight 2, then 4, 8, 5, ...
    let mut weight = 1u32;
    let mut sum = 0u32;
    for digit in digits.iter().rev() {
        weight = (weight * 2) % 11;
        sum += u32::from(digit - b'0') * weight;
    }
    match (12 - sum % 11) % 11 {
        10 => 'X',
        v => char::from(b'0' + v as u8),
    }
}

/// Builds the volunteer number of the `sequence`-th registration in a county
/// in the month of `registered_on`.
pub fn compose(county_code: &str, registered_on: NaiveDate, sequence: u32) -> String {
    let digits = format!(
        "{county_code}{:02}{:02}{:06}",
        registered_on.year() % 100,
        registered_on.month(),
        sequence % 1_000_000
    );
    format!("V{digits}{}", mod11_2(digits.as_bytes()))
}

/// The prefix shared by all numbers of one county and month: `V` + county + YYMM.
pub fn month_prefix(county_code: &str, registered_on: NaiveDate) -> String {
    format!(
        "V{county_code}{:02}{:02}",
        registered_on.year() % 100,
        registered_on.month()
    )
}

/// Checks a volunteer number's shape and check character.
pub fn validate(raw: &str) -> Result<(), RuleError> {
    let invalid = |detail: &str| RuleError::new("volunteer_no_invalid", detail).on("volunteer_no");
    let number = raw.trim().to_ascii_uppercase();
    let bytes = number.as_bytes();
    if bytes.len() != 18 || bytes[0] != b'V' {
        return Err(invalid("a volunteer number is V followed by 17 characters"));
    }
    let digits = &bytes[1..17];
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(invalid("characters 2 to 17 must be digits"));
    }
    let month: u32 = number[9..11].parse().unwrap_or(0);
    if !(1..=12).contains(&month) {
        return Err(invalid("the registration month is not a month"));
    }
    if mod11_2(digits) != bytes[17] as char {
        return Err(invalid("the check character does not match"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn composes_the_documented_shape() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let number = compose("360111", day, 42);
        assert_eq!(number.len(), 18);
        assert!(number.starts_with("V3601112611000042"));
        assert!(number.starts_with(&month_prefix("360111", day)));
        validate(&number).unwrap();
    }

    proptest! {
        #[test]
        fn numbers_check_and_corruptions_fail(
            county in 110000u32..660000, month in 1u32..=12, seq in 0u32..1_000_000,
            position in 1usize..17, delta in 1u8..10,
        ) {
            let day = NaiveDate::from_ymd_opt(2026, month, 1).unwrap();
            let number = compose(&county.to_string(), day, seq);
            prop_assert!(validate(&number).is_ok());
            let mut bytes = number.into_bytes();
            bytes[position] = b'0' + ((bytes[position] - b'0' + delta) % 10);
            let corrupted = String::from_utf8(bytes).unwrap();
            prop_assert!(validate(&corrupted).is_err());
        }

        #[test]
        fn adjacent_swaps_fail(county in 110000u32..660000, seq in 0u32..1_000_000, position in 1usize..16) {
            let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
            let number = compose(&county.to_string(), day, seq);
            let mut bytes = number.clone().into_bytes();
            bytes.swap(position, position + 1);
            let swapped = String::from_utf8(bytes).unwrap();
            prop_assume!(swapped != number);
            prop_assert!(validate(&swapped).is_err());
        }
    }
}
