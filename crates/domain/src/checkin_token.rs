//! Rotating check-in tokens shown as a QR code on the organizer's screen.
//!
//! A token names one activity, one kind (in or out) and one 30-second step,
//! and carries an HMAC-SHA256 tag (truncated to 96 bits) under the
//! installation's key, so it cannot be forged or moved to another activity or
//! kind. It is accepted during its own step and one step of grace after it,
//! judged at the instant the check-in claims; replays by the same volunteer
//! are caught by the store, keyed on (activity, volunteer, kind, step).
//! Encoding: base64url without padding of activity id (8 bytes, big endian),
//! kind (1 byte), step (8 bytes) and tag (12 bytes): 39 characters.

use crate::RuleError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Length of one rotation step.
pub const STEP_SECONDS: i64 = 30;
/// Steps after its own during which a token is still accepted.
pub const GRACE_STEPS: i64 = 1;
const TAG_LEN: usize = 12;
const RAW_LEN: usize = 8 + 1 + 8 + TAG_LEN;

/// Whether a check-in starts or ends a service record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttendanceKind {
    In,
    Out,
}

impl AttendanceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttendanceKind::In => "in",
            AttendanceKind::Out => "out",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        match raw.trim() {
            "in" => Ok(AttendanceKind::In),
            "out" => Ok(AttendanceKind::Out),
            other => Err(RuleError::new("kind_invalid", format!("kind must be in or out, not {other:?}")).on("kind")),
        }
    }

    fn byte(self) -> u8 {
        match self {
            AttendanceKind::In => b'i',
            AttendanceKind::Out => b'o',
        }
    }
}

/// The secret that signs tokens; one per installation (derived from the
/// data key by the store, so every server process agrees).
#[derive(Clone)]
pub struct TokenKey([u8; 32]);

impl TokenKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        TokenKey(bytes)
    }

    fn tag(&self, body: &[u8]) -> [u8; TAG_LEN] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(b"zhiyuan-checkin-v1");
        mac.update(body);
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&full[..TAG_LEN]);
        tag
    }
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

/// The step an instant falls in.
pub fn step_at(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

fn step_start(step: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(step * STEP_SECONDS, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A token as the organizer's screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub token: String,
    pub step: i64,
    /// When the screen shows the next token (the token itself is accepted
    /// one step longer).
    pub rotates_at: DateTime<Utc>,
}

/// What a valid token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenClaims {
    pub activity_id: i64,
    pub kind: AttendanceKind,
    pub step: i64,
}

/// The token for `activity_id` and `kind` at `now`.
pub fn issue(key: &TokenKey, activity_id: i64, kind: AttendanceKind, now: DateTime<Utc>) -> IssuedToken {
    let step = step_at(now);
    let mut raw = [0u8; RAW_LEN];
    raw[..8].copy_from_slice(&activity_id.to_be_bytes());
    raw[8] = kind.byte();
    raw[9..17].copy_from_slice(&step.to_be_bytes());
    let tag = key.tag(&raw[..17]);
    raw[17..].copy_from_slice(&tag);
    IssuedToken {
        token: URL_SAFE_NO_PAD.encode(raw),
        step,
        rotates_at: step_start(step + 1),
    }
}

/// Reads a token without judging it against an activity or a time: a
/// malformed or forged token is `token_invalid`.
pub fn open(key: &TokenKey, token: &str) -> Result<TokenClaims, RuleError> {
    let invalid = || RuleError::new("token_invalid", "this check-in code is not one of ours").on("token");
    let raw = URL_SAFE_NO_PAD.decode(token.trim().as_bytes()).map_err(|_| invalid())?;
    if raw.len() != RAW_LEN {
        return Err(invalid());
    }
    let expected = key.tag(&raw[..17]);
    // Constant-time comparison: the tag must not leak byte by byte.
    let difference = expected.iter().zip(&raw[17..]).fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if difference != 0 {
        return Err(invalid());
    }
    let activity_id = i64::from_be_bytes(raw[..8].try_into().map_err(|_| invalid())?);
    let kind = match raw[8] {
        b'i' => AttendanceKind::In,
        b'o' => AttendanceKind::Out,
        _ => return Err(invalid()),
    };
    let step = i64::from_be_bytes(raw[9..17].try_into().map_err(|_| invalid())?);
    Ok(TokenClaims {
        activity_id,
        kind,
        step,
    })
}

/// Judges a token for a check-in of `kind` at `activity_id` that claims to
/// happen at `at`: another activity is `token_wrong_activity`, the other
/// kind `token_wrong_kind`, older than its step plus grace `token_expired`,
/// a step not yet begun `token_invalid`.
pub fn verify(
    key: &TokenKey,
    token: &str,
    activity_id: i64,
    kind: AttendanceKind,
    at: DateTime<Utc>,
) -> Result<TokenClaims, RuleError> {
    let claims = open(key, token)?;
    if claims.activity_id != activity_id {
        return Err(RuleError::new("token_wrong_activity", "this code belongs to another activity").on("token"));
    }
    if claims.kind != kind {
        let detail = match claims.kind {
            AttendanceKind::In => "this is the check-in code; scan the check-out code",
            AttendanceKind::Out => "this is the check-out code; scan the check-in code",
        };
        return Err(RuleError::new("token_wrong_kind", detail).on("token"));
    }
    let current = step_at(at);
    if claims.step > current {
        return Err(RuleError::new("token_invalid", "this code is not valid yet").on("token"));
    }
    if current - claims.step > GRACE_STEPS {
        return Err(RuleError::new("token_expired", "this code has expired; scan the code on screen now").on("token"));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    fn key() -> TokenKey {
        TokenKey::new([7u8; 32])
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(seconds, 0).unwrap()
    }

    #[test]
    fn token_is_short_enough_for_a_small_qr_code() {
        let issued = issue(&key(), 42, AttendanceKind::In, at(1_790_000_000));
        assert_eq!(issued.token.len(), 39);
        assert!(
            issued
                .token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn accepted_in_its_step_and_one_step_of_grace() {
        // 1_790_000_010 is the first second of a step; start 10 s into it.
        let start = at(1_790_000_020);
        let issued = issue(&key(), 42, AttendanceKind::In, start);
        assert_eq!(issued.rotates_at, at(1_790_000_040));
        for offset in [0, 19, 20, 49] {
            let claims = verify(
                &key(),
                &issued.token,
                42,
                AttendanceKind::In,
                start + Duration::seconds(offset),
            )
            .unwrap();
            assert_eq!(claims.step, issued.step);
        }
        let late = verify(
            &key(),
            &issued.token,
            42,
            AttendanceKind::In,
            start + Duration::seconds(50),
        );
        assert_eq!(late.unwrap_err().code, "token_expired");
        let early = verify(
            &key(),
            &issued.token,
            42,
            AttendanceKind::In,
            start - Duration::seconds(11),
        );
        assert_eq!(early.unwrap_err().code, "token_invalid");
    }

    #[test]
    fn bound_to_activity_kind_and_key() {
        let now = at(1_790_000_000);
        let issued = issue(&key(), 42, AttendanceKind::In, now);
        assert_eq!(
            verify(&key(), &issued.token, 43, AttendanceKind::In, now)
                .unwrap_err()
                .code,
            "token_wrong_activity"
        );
        assert_eq!(
            verify(&key(), &issued.token, 42, AttendanceKind::Out, now)
                .unwrap_err()
                .code,
            "token_wrong_kind"
        );
        let other_key = TokenKey::new([8u8; 32]);
        assert_eq!(
            verify(&other_key, &issued.token, 42, AttendanceKind::In, now)
                .unwrap_err()
                .code,
            "token_invalid"
        );
        for junk in ["", "abc", "!!!!", &"A".repeat(39), &format!("{}A", issued.token)] {
            assert_eq!(open(&key(), junk).unwrap_err().code, "token_invalid", "{junk}");
        }
    }

    #[test]
    fn consecutive_steps_give_different_tokens() {
        let a = issue(&key(), 1, AttendanceKind::In, at(1_790_000_000));
        let b = issue(&key(), 1, AttendanceKind::In, at(1_790_000_030));
        assert_ne!(a.token, b.token);
        assert_eq!(b.step, a.step + 1);
    }

    proptest! {
        #[test]
        fn every_single_character_change_is_refused(position in 0usize..39, replacement in "[A-Za-z0-9_-]") {
            let issued = issue(&key(), 42, AttendanceKind::Out, at(1_790_000_000));
            let mut chars: Vec<char> = issued.token.chars().collect();
            let new = replacement.chars().next().unwrap();
            prop_assume!(chars[position] != new);
            chars[position] = new;
            let forged: String = chars.into_iter().collect();
            // The last character carries only 4 bits of the tag, but any
            // change either breaks the encoding or the tag.
            prop_assert!(open(&key(), &forged).is_err());
        }

        #[test]
        fn round_trip(activity in any::<i64>(), seconds in 0i64..4_000_000_000, out in any::<bool>()) {
            let kind = if out { AttendanceKind::Out } else { AttendanceKind::In };
            let issued = issue(&key(), activity, kind, at(seconds));
            let claims = verify(&key(), &issued.token, activity, kind, at(seconds)).unwrap();
            prop_assert_eq!(claims, TokenClaims { activity_id: activity, kind, step: issued.step });
        }
    }
}
