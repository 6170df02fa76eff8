//! Whether one attendance claim (sign-in or sign-out) is accepted: the
//! method must be allowed, the time inside the window, a QR token valid at
//! the claimed time (and, with a geofence, a location inside it), a GPS fix
//! inside the fence, a manual entry with a reason. A live claim happens when
//! it is received (no back-dating); offline claims come up to 24 h late, are
//! believed only with a token valid when they claim, at most 20 per code
//! step, and are flagged for review like fixes no real phone sends.

use crate::RuleError;
use crate::activity::{ActivityPlan, ActivityState, CheckinMethod, checkin_window};
use crate::checkin_token::{self, AttendanceKind, TokenKey};
use crate::geo::Fix;
use chrono::{DateTime, Duration, Utc};

/// How late an offline claim may arrive.
pub const OFFLINE_LIMIT_HOURS: i64 = 24;
/// A claim this close to the receiving time counts as live (phone clocks drift).
pub const CLOCK_SKEW_SECONDS: i64 = 120;

/// One attendance claim as received.
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    pub kind: AttendanceKind,
    pub method: CheckinMethod,
    /// The time the claim says it happened (the receiving time when live).
    pub at: DateTime<Utc>,
    pub received: DateTime<Utc>,
    pub token: Option<&'a str>,
    pub fix: Option<Fix>,
    pub reason: Option<&'a str>,
}

/// What an accepted claim leaves behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// When the attendance counts from: the receiving time of a live claim,
    /// the claimed time of an offline one.
    pub at: DateTime<Utc>,
    /// The token step, for the replay check (QR only).
    pub token_step: Option<i64>,
    pub offline: bool,
    pub reason: Option<String>,
    /// Doubts that hold the record for an organizer's review: `offline`,
    /// `accuracy_implausible`, `at_fence_centre`.
    pub flags: Vec<&'static str>,
}

/// The longest device identifier kept (longer ones are cut).
pub const MAX_DEVICE_ID_CHARS: usize = 100;

/// A phone's identifier as kept: trimmed, at most 100 characters, none when empty.
pub fn device_id(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.chars().take(MAX_DEVICE_ID_CHARS).collect())
}

/// The flag of a claim sent later than it happened.
pub const OFFLINE: &str = "offline";
/// Offline claims with one code step (one photographed code) that are
/// believed: beyond them, `offline_limit_reached`.
pub const MAX_OFFLINE_PER_STEP: u32 = 20;

/// Whether one more offline claim may use a code step that `earlier`
/// offline claims of the activity and kind used already: a photo of the
/// code shared around serves at most [`MAX_OFFLINE_PER_STEP`] people.
pub fn check_offline_share(earlier: u32) -> Result<(), RuleError> {
    if earlier >= MAX_OFFLINE_PER_STEP {
        return Err(RuleError::new(
            "offline_limit_reached",
            "this code has been used offline by too many people; check in with the code on screen now, or ask the organizer",
        )
        .on("token"));
    }
    Ok(())
}

/// Judges `claim` for activity `activity_id` planned as `plan`.
pub fn judge(plan: &ActivityPlan, activity_id: i64, key: &TokenKey, claim: &Claim<'_>) -> Result<Accepted, RuleError> {
    if !plan.rules.allows(claim.method) {
        return Err(RuleError::new(
            "checkin_method_not_allowed",
            format!("this activity does not take {} attendance", claim.method.as_str()),
        )
        .on("method"));
    }
    if claim.at > claim.received + Duration::seconds(CLOCK_SKEW_SECONDS) {
        return Err(RuleError::new("time_invalid", "the claimed time lies in the future").on("at"));
    }
    let offline = claim.received - claim.at > Duration::seconds(CLOCK_SKEW_SECONDS);
    // A live claim happens when it arrives: nobody back-dates within the skew.
    let at = if offline { claim.at } else { claim.received };
    if claim.received - claim.at > Duration::hours(OFFLINE_LIMIT_HOURS) {
        return Err(RuleError::new(
            "offline_too_old",
            format!("an offline check-in must be sent within {OFFLINE_LIMIT_HOURS} hours"),
        )
        .on("at"));
    }
    if offline && claim.method != CheckinMethod::Qr {
        return Err(RuleError::new(
            "offline_needs_token",
            "a check-in sent later is believed only with the QR code scanned at the time",
        )
        .on("token"));
    }
    let window = checkin_window(plan);
    if at < window.from || (claim.kind == AttendanceKind::In && at > window.to) {
        return Err(RuleError::new(
            "outside_checkin_window",
            format!(
                "sign-in opens {} minutes before the start and closes at the end",
                plan.rules.early_checkin_minutes
            ),
        ));
    }
    let mut accepted = Accepted {
        at,
        token_step: None,
        offline,
        reason: None,
        flags: if offline { vec![OFFLINE] } else { Vec::new() },
    };
    match claim.method {
        CheckinMethod::Qr => {
            let token = claim.token.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
                RuleError::new("token_required", "scan the QR code on the organizer's screen").on("token")
            })?;
            let claims = checkin_token::verify(key, token, activity_id, claim.kind, at)?;
            accepted.token_step = Some(claims.step);
            if !plan.fence.is_anywhere() {
                let fix = claim.fix.ok_or_else(|| {
                    RuleError::new(
                        "location_required",
                        "this activity also needs your location with the QR code",
                    )
                    .on("lat")
                })?;
                plan.fence.admits(fix)?;
            }
            if let Some(fix) = claim.fix {
                accepted.flags.extend(plan.fence.suspicions(fix));
            }
        }
        CheckinMethod::Gps => {
            let fix = claim
                .fix
                .ok_or_else(|| RuleError::new("location_required", "this check-in needs your location").on("lat"))?;
            plan.fence.admits(fix)?;
            accepted.flags.extend(plan.fence.suspicions(fix));
        }
        CheckinMethod::Manual => {
            let reason = crate::volunteer::check_reason(claim.reason.unwrap_or(""), true, "reason")?;
            accepted.reason = Some(reason);
        }
        CheckinMethod::Face => {
            return Err(RuleError::new(
                "checkin_method_unavailable",
                "face check-in is not available yet; use the QR code or GPS",
            )
            .on("method"));
        }
    }
    Ok(accepted)
}

/// Whether an activity in `state` takes attendance at all: a draft has no
/// one signed up (`activity_not_published`) and a cancelled activity takes
/// none (`activity_cancelled`); a finished one still takes the sign-outs and
/// late offline check-ins of its day (the window and the token decide).
pub fn check_takes_attendance(state: ActivityState) -> Result<(), RuleError> {
    match state {
        ActivityState::Draft => Err(RuleError::new(
            "activity_not_published",
            "this activity has not been published",
        )),
        ActivityState::Cancelled => Err(RuleError::new("activity_cancelled", "this activity has been cancelled")),
        ActivityState::Published | ActivityState::Finished => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{ActivityInput, plan};
    use crate::checkin_token::issue;
    use crate::geo::Point;
    use chrono::TimeZone;

    #[test]
    fn only_published_and_finished_activities_take_attendance() {
        assert!(check_takes_attendance(ActivityState::Published).is_ok());
        assert!(check_takes_attendance(ActivityState::Finished).is_ok());
        assert_eq!(
            check_takes_attendance(ActivityState::Draft).unwrap_err().code,
            "activity_not_published"
        );
        assert_eq!(
            check_takes_attendance(ActivityState::Cancelled).unwrap_err().code,
            "activity_cancelled"
        );
    }

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 5, 1, 0, 0).unwrap()
    }

    fn the_plan(radius_m: u32) -> ActivityPlan {
        plan(ActivityInput {
            title: "河道清洁".into(),
            category: "environment".into(),
            lat: 28.68,
            lon: 115.89,
            radius_m,
            starts_at: start(),
            ends_at: start() + Duration::hours(3),
            quota: 10,
            rules: crate::activity::AttendanceRules {
                methods: vec![CheckinMethod::Qr, CheckinMethod::Gps, CheckinMethod::Manual],
                ..Default::default()
            },
            ..ActivityInput::default()
        })
        .unwrap()
    }

    fn key() -> TokenKey {
        TokenKey::new([3u8; 32])
    }

    fn near() -> Option<Fix> {
        Some(Fix {
            point: Point::new(28.6801, 115.89).unwrap(),
            accuracy_m: 20.0,
        })
    }

    fn far() -> Option<Fix> {
        Some(Fix {
            point: Point::new(28.70, 115.89).unwrap(),
            accuracy_m: 20.0,
        })
    }

    fn qr_claim<'a>(token: &'a str, at: DateTime<Utc>, received: DateTime<Utc>, fix: Option<Fix>) -> Claim<'a> {
        Claim {
            kind: AttendanceKind::In,
            method: CheckinMethod::Qr,
            at,
            received,
            token: Some(token),
            fix,
            reason: None,
        }
    }

    #[test]
    fn qr_with_location_inside_the_fence() {
        let now = start() - Duration::minutes(10);
        let token = issue(&key(), 9, AttendanceKind::In, now).token;
        let accepted = judge(&the_plan(300), 9, &key(), &qr_claim(&token, now, now, near())).unwrap();
        assert!(accepted.token_step.is_some());
        assert!(!accepted.offline);
        // A photo of the code sent to a friend at home is useless.
        let refused = judge(&the_plan(300), 9, &key(), &qr_claim(&token, now, now, far())).unwrap_err();
        assert_eq!(refused.code, "out_of_geofence");
        let refused = judge(&the_plan(300), 9, &key(), &qr_claim(&token, now, now, None)).unwrap_err();
        assert_eq!(refused.code, "location_required");
        // Without a geofence the code alone is enough.
        assert!(judge(&the_plan(0), 9, &key(), &qr_claim(&token, now, now, None)).is_ok());
    }

    #[test]
    fn window_opens_thirty_minutes_early() {
        let plan = the_plan(0);
        let early = start() - Duration::minutes(31);
        let token = issue(&key(), 9, AttendanceKind::In, early).token;
        let refused = judge(&plan, 9, &key(), &qr_claim(&token, early, early, None)).unwrap_err();
        assert_eq!(refused.code, "outside_checkin_window");
        let late = start() + Duration::hours(3) + Duration::minutes(1);
        let token = issue(&key(), 9, AttendanceKind::In, late).token;
        let refused = judge(&plan, 9, &key(), &qr_claim(&token, late, late, None)).unwrap_err();
        assert_eq!(refused.code, "outside_checkin_window");
        // Signing out after the end is fine: the record is capped.
        let token = issue(&key(), 9, AttendanceKind::Out, late).token;
        let claim = Claim {
            kind: AttendanceKind::Out,
            ..qr_claim(&token, late, late, None)
        };
        assert!(judge(&plan, 9, &key(), &claim).is_ok());
    }

    #[test]
    fn offline_claims_need_a_token_valid_at_the_claimed_time() {
        let plan = the_plan(0);
        let scanned = start() + Duration::minutes(5);
        let token = issue(&key(), 9, AttendanceKind::In, scanned).token;
        let sent = scanned + Duration::hours(6);
        let accepted = judge(&plan, 9, &key(), &qr_claim(&token, scanned, sent, None)).unwrap();
        assert!(accepted.offline);
        assert_eq!(
            (accepted.at, accepted.flags.as_slice()),
            (scanned, [OFFLINE].as_slice())
        );
        // Claiming a time when this token was not valid.
        let lie = scanned + Duration::minutes(10);
        assert_eq!(
            judge(&plan, 9, &key(), &qr_claim(&token, lie, sent, None))
                .unwrap_err()
                .code,
            "token_expired"
        );
        let too_late = scanned + Duration::hours(25);
        assert_eq!(
            judge(&plan, 9, &key(), &qr_claim(&token, scanned, too_late, None))
                .unwrap_err()
                .code,
            "offline_too_old"
        );
        let gps = Claim {
            method: CheckinMethod::Gps,
            token: None,
            fix: near(),
            ..qr_claim(&token, scanned, sent, None)
        };
        assert_eq!(judge(&plan, 9, &key(), &gps).unwrap_err().code, "offline_needs_token");
        let future = Claim {
            at: sent + Duration::minutes(5),
            ..qr_claim(&token, scanned, sent, None)
        };
        assert_eq!(judge(&plan, 9, &key(), &future).unwrap_err().code, "time_invalid");
    }

    #[test]
    fn a_live_claim_happens_when_it_arrives() {
        let plan = the_plan(0);
        let now = start() + Duration::minutes(5);
        let token = issue(&key(), 9, AttendanceKind::In, now).token;
        // Claiming a minute earlier than it arrives changes nothing.
        let accepted = judge(
            &plan,
            9,
            &key(),
            &qr_claim(&token, now - Duration::seconds(60), now, None),
        )
        .unwrap();
        assert_eq!(accepted.at, now);
        assert!(!accepted.offline && accepted.flags.is_empty());
        // A code photographed earlier is past its own window when it arrives,
        // even if the claim says it was used in time.
        let later = now + Duration::seconds(100);
        let refused = judge(
            &plan,
            9,
            &key(),
            &qr_claim(&token, later - Duration::seconds(110), later, None),
        );
        assert_eq!(refused.unwrap_err().code, "token_expired");
    }

    #[test]
    fn implausible_fixes_are_flagged() {
        let plan = the_plan(300);
        let now = start();
        let token = issue(&key(), 9, AttendanceKind::In, now).token;
        let perfect = Fix {
            accuracy_m: 0.0,
            ..near().unwrap()
        };
        let accepted = judge(&plan, 9, &key(), &qr_claim(&token, now, now, Some(perfect))).unwrap();
        assert_eq!(accepted.flags, vec!["accuracy_implausible"]);
        let centre = Fix {
            point: Point::new(28.68, 115.89).unwrap(),
            accuracy_m: 8.0,
        };
        let gps = Claim {
            method: CheckinMethod::Gps,
            token: None,
            ..qr_claim("", now, now, Some(centre))
        };
        assert_eq!(judge(&plan, 9, &key(), &gps).unwrap().flags, vec!["at_fence_centre"]);
        assert!(
            judge(&plan, 9, &key(), &qr_claim(&token, now, now, near()))
                .unwrap()
                .flags
                .is_empty()
        );
    }

    #[test]
    fn device_ids_are_bounded() {
        assert_eq!(device_id(Some("  ")), None);
        assert_eq!(device_id(Some(" phone-a ")).as_deref(), Some("phone-a"));
        assert_eq!(
            device_id(Some(&"设".repeat(500))).unwrap().chars().count(),
            MAX_DEVICE_ID_CHARS
        );
    }

    #[test]
    fn a_code_step_serves_a_limited_number_offline() {
        assert!(check_offline_share(MAX_OFFLINE_PER_STEP - 1).is_ok());
        assert_eq!(
            check_offline_share(MAX_OFFLINE_PER_STEP).unwrap_err().code,
            "offline_limit_reached"
        );
    }

    #[test]
    fn gps_manual_and_method_rules() {
        let now = start();
        let mut plan = the_plan(300);
        let gps = Claim {
            method: CheckinMethod::Gps,
            token: None,
            fix: near(),
            ..qr_claim("", now, now, None)
        };
        assert!(judge(&plan, 9, &key(), &gps).is_ok());
        let inaccurate = Claim {
            fix: Some(Fix {
                accuracy_m: 150.0,
                ..near().unwrap()
            }),
            ..gps.clone()
        };
        assert_eq!(judge(&plan, 9, &key(), &inaccurate).unwrap_err().code, "gps_inaccurate");
        let manual = Claim {
            method: CheckinMethod::Manual,
            fix: None,
            ..gps.clone()
        };
        assert_eq!(judge(&plan, 9, &key(), &manual).unwrap_err().code, "reason_invalid");
        let manual = Claim {
            reason: Some("手机没电"),
            ..manual
        };
        assert_eq!(
            judge(&plan, 9, &key(), &manual).unwrap().reason.as_deref(),
            Some("手机没电")
        );
        assert_eq!(
            judge(&plan, 9, &key(), &qr_claim("", now, now, near()))
                .unwrap_err()
                .code,
            "token_required"
        );
        plan.rules.methods = vec![CheckinMethod::Qr];
        assert_eq!(
            judge(&plan, 9, &key(), &gps).unwrap_err().code,
            "checkin_method_not_allowed"
        );
    }
}
