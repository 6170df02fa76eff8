//! Unified social credit codes (GB 32100-2015): 18 characters from a 31-letter
//! alphabet with a mod-31 check character.

use crate::RuleError;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters, or `None` when one of them
/// is outside the alphabet.
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, weight) in first17.bytes().zip(WEIGHTS) {
        sum += value_of(c)? * weight;
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize] as char)
}

/// A valid unified social credit code, upper case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uscc(String);

impl Uscc {
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let code = raw.trim().to_ascii_uppercase();
        let invalid = |detail: &str| RuleError::new("uscc_invalid", detail).on("uscc");
        if code.len() != 18 {
            return Err(invalid("a unified social credit code has 18 characters"));
        }
        if !code.bytes().all(|c| value_of(c).is_some()) {
            return Err(invalid(
                "only digits and the letters A-Y without I, O, S, V, Z are allowed",
            ));
        }
        if !code.as_bytes()[2..8].iter().all(u8::is_ascii_digit) {
            return Err(invalid("characters 3 to 8 are the region code and must be digits"));
        }
        if check_char(&code[..17]) != Some(code.as_bytes()[17] as char) {
            return Err(invalid("the check character does not match"));
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_a_known_code() {
        // A published code of a Chinese company.
        assert!(Uscc::parse("91350100M000100Y43").is_ok());
        assert!(Uscc::parse("91350100m000100y43").is_ok());
    }

    #[test]
    fn refuses_wrong_check_letters_and_length() {
        for bad in [
            "91350100M000100Y44",
            "91350100M000100Y4",
            "91350100M0001I0Y43",
            "91AB0100M000100Y43",
        ] {
            assert_eq!(Uscc::parse(bad).unwrap_err().code, "uscc_invalid", "{bad}");
        }
    }

    proptest! {
        #[test]
        fn composed_codes_pass_and_any_substitution_fails(
            head in proptest::sample::select(vec!["11", "51", "52", "53", "91", "Y1"]),
            region in 110000u32..660000,
            tail in proptest::collection::vec(0usize..31, 9),
            position in 0usize..18,
            shift in 1usize..31,
        ) {
            let tail: String = tail.iter().map(|&i| ALPHABET[i] as char).collect();
            let first17 = format!("{head}{region}{tail}");
            let code = format!("{first17}{}", check_char(&first17).unwrap());
            prop_assert!(Uscc::parse(&code).is_ok());
            let mut bytes = code.into_bytes();
            let current = value_of(bytes[position]).unwrap() as usize;
            bytes[position] = ALPHABET[(current + shift) % 31];
            let corrupted = String::from_utf8(bytes).unwrap();
            prop_assert!(Uscc::parse(&corrupted).is_err());
        }
    }
}
