//! Password rules: either the national volunteer system's short password
//! (8–20 characters with a digit, a lower- and an upper-case letter) or a
//! passphrase of 16 to 128 characters in any script (Chinese included,
//! spaces allowed); never a run of 4 sequential (ascending or descending)
//! or repeated characters, never a control character.

use crate::RuleError;

/// The shortest password.
pub const MIN_CHARS: usize = 8;
/// The longest password of the classic kind (letters, digits, punctuation).
pub const MAX_CLASSIC_CHARS: usize = 20;
/// A password this long is a passphrase and needs no character classes.
pub const MIN_PASSPHRASE_CHARS: usize = 16;
/// The longest passphrase.
pub const MAX_CHARS: usize = 128;

/// Checks a new password against the rules; the detail says which one failed.
pub fn check_strength(password: &str) -> Result<(), RuleError> {
    let weak = |detail: &str| RuleError::new("password_weak", detail).on("password");
    let chars: Vec<char> = password.chars().collect();
    if chars.len() < MIN_CHARS || chars.len() > MAX_CHARS {
        return Err(weak("a password has 8 to 20 characters, a passphrase 16 to 128"));
    }
    if chars.iter().any(|c| c.is_control()) {
        return Err(weak("a password has no control characters"));
    }
    if chars.first().is_some_and(|c| c.is_whitespace()) || chars.last().is_some_and(|c| c.is_whitespace()) {
        return Err(weak("a password neither starts nor ends with a space"));
    }
    if has_run_of_four(&chars) {
        return Err(weak(
            "no four sequential or repeated characters such as 1234, abcd or aaaa",
        ));
    }
    if chars.len() >= MIN_PASSPHRASE_CHARS {
        return Ok(());
    }
    if chars.len() > MAX_CLASSIC_CHARS || !chars.iter().all(|c| c.is_ascii_graphic()) {
        return Err(weak(
            "a short password uses letters, digits and punctuation only; anything else makes a passphrase of at least 16 characters",
        ));
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
    fn accepts_long_passphrases_in_any_script() {
        for good in [
            "我家门前有两棵树一棵是枣树另一棵也是枣树",
            "correct horse battery staple",
            &"志愿服务暖人心".repeat(18),
        ] {
            assert!(check_strength(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn refuses_each_rule() {
        for bad in [
            "aB3",
            "abcdefg9",
            "ABCDEFG9",
            "Abcdefgh",
            "Zy1234xx",
            "Zy4321xx",
            "Zyaaaa9x",
            "ZyABCD9x",
            "Zy 9x1bQ",
            "志愿Zy9x1bQ",
            "我家门前有两棵树一棵是枣树另一棵也是枣树哈哈哈哈",
            " correct horse battery staple",
            "correct\thorse battery staple",
        ] {
            assert_eq!(check_strength(bad).unwrap_err().code, "password_weak", "{bad}");
        }
        assert_eq!(
            check_strength(&"志愿服务暖人心".repeat(19)).unwrap_err().code,
            "password_weak",
            "133 characters"
        );
    }

    #[test]
    fn three_in_a_row_is_still_fine() {
        assert!(check_strength("Zy123xQ9").is_ok());
        assert!(check_strength("Zyaaa9xQ").is_ok());
    }
}
