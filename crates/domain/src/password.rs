//! Password rules of the national volunteer system: 8–20 characters with a
//! digit, a lower- and an upper-case letter, and no run of 4 sequential
//! (ascending or descending) or repeated characters.

use crate::RuleError;

/// Checks a new password against the rules; the detail says which one failed.
pub fn check_strength(password: &str) -> Result<(), RuleError> {
    let weak = |detail: &str| RuleError::new("password_weak", detail).on("password");
    let chars: Vec<char> = password.chars().collect();
    if chars.len() < 8 || chars.len() > 20 {
        return Err(weak("a password has 8 to 20 characters"));
    }
    if !chars.iter().all(|c| c.is_ascii_graphic()) {
        return Err(weak("use letters, digits and punctuation only, without spaces"));
    }
    if !chars.iter().any(char::is_ascii_digit) {
        return Err(weak("a password needs a digit"));
    }
    if !chars.iter().any(char::is_ascii_lowercase) {
        return Err(weak("a password needs a lower-case letter"));
    }
    if !chars.iter().any(char::is_ascii_uppercase) {
        return Err(weak("a password needs an upper-case letter"));
    }
    if has_run_of_four(&chars) {
        return Err(weak(
            "no four sequential or repeated characters such as 1234, abcd or aaaa",
        ));
    }
    Ok(())
}

fn has_run_of_four(chars: &[char]) -> bool {
    chars.windows(4).any(|w| {
        let codes: Vec<i64> = w.iter().map(|c| c.to_ascii_lowercase() as i64).collect();
        let steps: Vec<i64> = codes.windows(2).map(|p| p[1] - p[0]).collect();
        let same_step = steps.iter().all(|s| *s == steps[0]);
        same_step && (-1..=1).contains(&steps[0])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_reasonable_passwords() {
        for good in ["Zhiyuan2026", "aB3dE5gH", "Jx-volunteer9", "Demo1235x"] {
            assert!(check_strength(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn refuses_each_rule() {
        for bad in [
            "aB3",
            "aB3aB3aB3aB3aB3aB3aB3x",
            "abcdefg9",
            "ABCDEFG9",
            "Abcdefgh",
            "Zy1234xx",
            "Zy4321xx",
            "Zyaaaa9x",
            "ZyABCD9x",
            "Zy 9x1bQ",
            "志愿Zy9x1bQ",
        ] {
            assert_eq!(check_strength(bad).unwrap_err().code, "password_weak", "{bad}");
        }
    }

    #[test]
    fn three_in_a_row_is_still_fine() {
        assert!(check_strength("Zy123xQ9").is_ok());
        assert!(check_strength("Zyaaa9xQ").is_ok());
    }
}
