//! Mainland mobile phone numbers: 11 digits, `1` then 3–9.

use crate::RuleError;

/// A valid mainland mobile number (digits only, no country code).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let trimmed = raw.trim();
        let digits = trimmed.strip_prefix("+86").unwrap_or(trimmed).trim();
        let bytes = digits.as_bytes();
        let valid = bytes.len() == 11
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1]);
        if !valid {
            return Err(RuleError::new(
                "phone_invalid",
                "a mobile number has 11 digits and starts with 13 to 19",
            )
            .on("phone"));
        }
        Ok(Self(digits.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

/// Masks a stored phone number: first three and last four digits kept.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() != 11 || !phone.is_ascii() {
        return "*".repeat(phone.chars().count());
    }
    format!("{}****{}", &phone[..3], &phone[7..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_masks() {
        let phone = Phone::parse(" +8613800000001 ").unwrap();
        assert_eq!(phone.as_str(), "13800000001");
        assert_eq!(phone.masked(), "138****0001");
    }

    #[test]
    fn refuses_landlines_and_short_numbers() {
        for bad in ["", "1380000000", "12800000001", "079188888888", "1380000000a"] {
            assert_eq!(Phone::parse(bad).unwrap_err().code, "phone_invalid", "{bad}");
        }
    }
}
