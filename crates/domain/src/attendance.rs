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
use crate::signup::SignupStatus;
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

/// What the store knows, before writing, about the volunteer a judged claim
/// is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimFacts {
    /// Their sign-up for the activity, if any.
    pub signup: Option<SignupStatus>,
    /// They used this code step (activity, kind) already.
    pub token_step_used: bool,
    /// Offline claims that used this code step (read for offline claims only).
    pub offline_uses_of_step: u32,
    /// When their sign-in still open at this activity began, if one is.
    pub open_since: Option<DateTime<Utc>>,
}

/// What an accepted claim writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimDecision {
    /// Open a record. `close_stale_first`: the open sign-in is of an earlier
    /// day and is first closed by the midnight rule.
    SignIn { close_stale_first: bool },
    /// Close today's open sign-in, counting `span`.
    SignOut { span: crate::hours::Interval },
}

/// Whether a sign-in that began at `signed_in` belongs to a day before
/// `at`'s (China time): such a sign-in is closed by the midnight rule, by
/// the background job or by the volunteer's next claim, never signed out.
pub fn is_stale(signed_in: DateTime<Utc>, at: DateTime<Utc>) -> bool {
    signed_in < crate::hours::start_of_china_day(crate::time::china_date(at))
}

/// Decides one claim that `judge` accepted (`kind` at `accepted.at`) against
/// the facts of its volunteer: `not_signed_up` without an approved sign-up,
/// `token_replayed` for a code step used already, `offline_limit_reached`,
/// `already_checked_in` over today's open sign-in, `not_checked_in` without
/// one (a stale one is not signed out), and the span's own refusals.
/// Every refusal comes before anything is written.
pub fn decide_claim(
    kind: AttendanceKind,
    accepted: &Accepted,
    activity: crate::hours::Interval,
    facts: &ClaimFacts,
) -> Result<ClaimDecision, RuleError> {
    if !facts.signup.is_some_and(SignupStatus::may_attend) {
        return Err(RuleError::new(
            "not_signed_up",
            "only volunteers with an approved sign-up can check in",
        ));
    }
    if accepted.token_step.is_some() && facts.token_step_used {
        return Err(RuleError::new(
            "token_replayed",
            "you have already used this code; scan the code on screen now",
        )
        .on("token"));
    }
    if accepted.offline {
        check_offline_share(facts.offline_uses_of_step)?;
    }
    let stale = facts.open_since.is_some_and(|since| is_stale(since, accepted.at));
    let open_today = facts.open_since.filter(|_| !stale);
    match kind {
        AttendanceKind::In if open_today.is_some() => Err(RuleError::new(
            "already_checked_in",
            "you have already signed in; sign out first",
        )),
        AttendanceKind::In => Ok(ClaimDecision::SignIn {
            close_stale_first: stale,
        }),
        AttendanceKind::Out => {
            let since = open_today.ok_or_else(|| {
                RuleError::new(
                    "not_checked_in",
                    "there is no open sign-in for this activity today (a sign-in not signed out is closed at 24:00)",
                )
            })?;
            Ok(ClaimDecision::SignOut {
                span: crate::hours::counted_span(since, accepted.at, activity)?,
            })
        }
    }
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

    fn accepted_at(at: DateTime<Utc>, token_step: Option<i64>, offline: bool) -> Accepted {
        Accepted {
            at,
            token_step,
            offline,
            reason: None,
            flags: Vec::new(),
        }
    }

    fn signed_up() -> ClaimFacts {
        ClaimFacts {
            signup: Some(SignupStatus::Approved),
            token_step_used: false,
            offline_uses_of_step: 0,
            open_since: None,
        }
    }

    #[test]
    fn a_claim_is_decided_against_its_volunteers_facts() {
        let window = crate::hours::Interval::new(start(), start() + Duration::hours(3));
        let now = start() + Duration::hours(1);
        let claim = accepted_at(now, Some(7), false);
        assert_eq!(
            decide_claim(AttendanceKind::In, &claim, window, &signed_up()),
            Ok(ClaimDecision::SignIn {
                close_stale_first: false
            })
        );
        for (facts, kind, code) in [
            (
                ClaimFacts {
                    signup: None,
                    ..signed_up()
                },
                AttendanceKind::In,
                "not_signed_up",
            ),
            (
                ClaimFacts {
                    signup: Some(SignupStatus::Pending),
                    ..signed_up()
                },
                AttendanceKind::In,
                "not_signed_up",
            ),
            (
                ClaimFacts {
                    token_step_used: true,
                    ..signed_up()
                },
                AttendanceKind::In,
                "token_replayed",
            ),
            (
                ClaimFacts {
                    open_since: Some(start()),
                    ..signed_up()
                },
                AttendanceKind::In,
                "already_checked_in",
            ),
            (signed_up(), AttendanceKind::Out, "not_checked_in"),
        ] {
            assert_eq!(
                decide_claim(kind, &claim, window, &facts).unwrap_err().code,
                code,
                "{facts:?}"
            );
        }
        let open = ClaimFacts {
            open_since: Some(start()),
            ..signed_up()
        };
        assert_eq!(
            decide_claim(AttendanceKind::Out, &claim, window, &open),
            Ok(ClaimDecision::SignOut {
                span: crate::hours::Interval::new(start(), now)
            })
        );
        // A full code step refuses only offline claims.
        let busy = ClaimFacts {
            offline_uses_of_step: MAX_OFFLINE_PER_STEP,
            ..signed_up()
        };
        assert!(decide_claim(AttendanceKind::In, &claim, window, &busy).is_ok());
        let offline = accepted_at(now, Some(7), true);
        assert_eq!(
            decide_claim(AttendanceKind::In, &offline, window, &busy)
                .unwrap_err()
                .code,
            "offline_limit_reached"
        );
    }

    #[test]
    fn a_sign_in_of_an_earlier_day_is_closed_first_and_never_signed_out() {
        let window = crate::hours::Interval::new(start(), start() + Duration::days(2));
        let yesterday = ClaimFacts {
            open_since: Some(start()),
            ..signed_up()
        };
        let next_day = accepted_at(start() + Duration::days(1), None, false);
        assert_eq!(
            decide_claim(AttendanceKind::In, &next_day, window, &yesterday),
            Ok(ClaimDecision::SignIn {
                close_stale_first: true
            })
        );
        assert_eq!(
            decide_claim(AttendanceKind::Out, &next_day, window, &yesterday)
                .unwrap_err()
                .code,
            "not_checked_in"
        );
    }

    proptest::proptest! {
        /// Whatever the facts, an accepted sign-out closes a sign-in of the
        /// same day, and a stale sign-in is closed by the midnight rule
        /// alone (first, by a sign-in), never by a sign-out.
        #[test]
        fn stale_sign_ins_are_closed_by_one_rule(open_minutes in proptest::option::of(0i64..4000), claim_minutes in 0i64..4000, sign_in: bool) {
            let window = crate::hours::Interval::new(start(), start() + Duration::days(4));
            let facts = ClaimFacts { open_since: open_minutes.map(|m| start() + Duration::minutes(m)), ..signed_up() };
            let at = start() + Duration::minutes(claim_minutes);
            let kind = if sign_in { AttendanceKind::In } else { AttendanceKind::Out };
            match decide_claim(kind, &accepted_at(at, None, false), window, &facts) {
                Ok(ClaimDecision::SignOut { span }) => {
                    let since = facts.open_since.unwrap();
                    proptest::prop_assert!(!is_stale(since, at));
                    proptest::prop_assert!(span.from >= since && span.to <= at);
                }
                Ok(ClaimDecision::SignIn { close_stale_first }) => {
                    proptest::prop_assert_eq!(close_stale_first, facts.open_since.is_some_and(|s| is_stale(s, at)));
                }
                Err(_) => {}
            }
        }
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
