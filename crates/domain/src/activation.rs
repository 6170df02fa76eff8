//! One-time activation codes of accounts that have no password yet
//! (imported volunteers, administrators appointed from the command line):
//! eight characters from an alphabet without look-alikes, good for 72 hours,
//! void after five wrong tries. The first use sets the account's password.

use crate::RuleError;

/// Letters and digits that cannot be mistaken for one another when read
/// from an SMS or a printed sheet (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V).
pub const ALPHABET: &[u8] = b"34679ACDEFGHJKMNPQRTWXY";
/// Characters in a code: 23^8 ≈ 7.8·10^10 codes (see [`ALPHABET`]).
pub const CODE_LENGTH: usize = 8;
/// A code is good for this long after it is issued.
pub const VALID_HOURS: i64 = 72;
/// Wrong tries after which a code is void (a new one must be issued).
pub const MAX_ATTEMPTS: u32 = 5;

/// A fresh code drawn from `random` (one value per character; any source of
/// uniform `u32`s, such as an operating-system generator).
pub fn new_code(mut random: impl FnMut() -> u32) -> String {
    (0..CODE_LENGTH)
        .map(|_| {
            // Rejection sampling keeps every character equally likely.
            let limit = u32::MAX - u32::MAX % ALPHABET.len() as u32;
            loop {
                let value = random();
                if value < limit {
                    break char::from(ALPHABET[(value % ALPHABET.len() as u32) as usize]);
                }
            }
        })
        .collect()
}

/// A code as typed, in the form it was issued: upper case, without the
/// spaces and dashes people add; `None` when it cannot be one of ours.
pub fn normalise(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LENGTH && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// What is stored about an account's current code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredCode {
    pub expires_at_ms: i64,
    /// Wrong tries so far.
    pub attempts: u32,
}

/// What one try does to the stored code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The code matched: set the password and clear the code.
    Accepted,
    /// Wrong: count the try; `void` when this was the last one allowed.
    Refused { attempts: u32, void: bool },
    /// No code, or an expired or void one: nothing to count.
    NoCode,
}

/// Judges one try of a code against what is stored (`matches`: the typed
/// code's keyed hash equals the stored one).
pub fn judge(stored: Option<StoredCode>, matches: bool, now_ms: i64) -> Attempt {
    let Some(stored) = stored.filter(|s| s.expires_at_ms > now_ms && s.attempts < MAX_ATTEMPTS) else {
        return Attempt::NoCode;
    };
    if matches {
        return Attempt::Accepted;
    }
    let attempts = stored.attempts + 1;
    Attempt::Refused {
        attempts,
        void: attempts >= MAX_ATTEMPTS,
    }
}

/// The refusal of every failed activation, whatever the reason (no such
/// account, already active, expired, void, wrong): nobody learns which
/// accounts wait for activation.
pub fn refusal() -> RuleError {
    RuleError::new(
        "activation_code_invalid",
        "the code is wrong or expired, or the account is already active",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_alphabet_has_no_look_alikes() {
        assert_eq!(ALPHABET.len(), 23);
        for confusable in b"0O1IL2Z5S8BUV" {
            assert!(!ALPHABET.contains(confusable), "{}", char::from(*confusable));
        }
    }

    #[test]
    fn codes_are_typed_back_forgivingly() {
        assert_eq!(normalise(" 34dx-9tmk "), Some("34DX9TMK".to_string()));
        assert_eq!(normalise("34DX9TM"), None);
        assert_eq!(normalise("34DX9TM0"), None);
        assert_eq!(normalise("123456"), None);
    }

    #[test]
    fn five_wrong_tries_void_a_code_and_expiry_ends_it() {
        let live = StoredCode {
            expires_at_ms: 1_000,
            attempts: 0,
        };
        assert_eq!(judge(Some(live), true, 999), Attempt::Accepted);
        assert_eq!(
            judge(Some(live), false, 999),
            Attempt::Refused {
                attempts: 1,
                void: false
            }
        );
        let last = StoredCode { attempts: 4, ..live };
        assert_eq!(
            judge(Some(last), false, 999),
            Attempt::Refused {
                attempts: 5,
                void: true
            }
        );
        let void = StoredCode { attempts: 5, ..live };
        assert_eq!(judge(Some(void), true, 999), Attempt::NoCode);
        assert_eq!(judge(Some(live), true, 1_000), Attempt::NoCode);
        assert_eq!(judge(None, true, 0), Attempt::NoCode);
    }

    proptest! {
        #[test]
        fn every_code_is_eight_characters_of_the_alphabet(seed: u64) {
            let mut state = seed;
            let code = new_code(|| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (state >> 32) as u32
            });
            prop_assert_eq!(code.len(), CODE_LENGTH);
            prop_assert_eq!(normalise(&code), Some(code.clone()));
        }
    }
}
