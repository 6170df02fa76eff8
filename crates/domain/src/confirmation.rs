//! Who may make hours count. Hours are entered by hand and confirmed only by
//! a verified organization, on its own published activity, for volunteers who
//! signed up (or under a named exception with evidence); nobody enters or
//! confirms their own hours; honor hours, and hours entered by hand above a
//! threshold, count only after a region administrator's second approval by a
//! person other than the one who entered or first approved them; automatic
//! confirmation never touches such records, nor flagged ones.

use crate::RuleError;
use crate::activity::ActivityState;
use crate::record::{HourKind, RecordState};
use crate::signup::SignupStatus;
use chrono::{DateTime, Duration, Utc};

/// Hours entered by hand above this many need a region administrator's
/// second approval (the `second_approval_hours` setting changes it).
pub const DEFAULT_SECOND_APPROVAL_HOURS: u32 = 4;

/// What the confirmation rules need to know about a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFacts {
    pub state: RecordState,
    pub is_open: bool,
    pub hour_kind: HourKind,
    pub minutes: i64,
    /// Signed in or out by the organizer's hand, or entered by hand.
    pub entered_by_hand: bool,
    /// The user who entered it by hand, if anyone did.
    pub entered_by: Option<i64>,
    /// The user whose hours these are.
    pub volunteer_user: i64,
    /// The organization that runs the activity is verified now.
    pub organization_verified: bool,
    /// Supervision or the check-in rules flagged it (offline, implausible fix...).
    pub flagged: bool,
    /// The first approval, when the record waits for a second one.
    pub first_approved_by: Option<i64>,
}

/// Who is confirming and in what capacity over the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Confirmer {
    pub user: i64,
    /// An admin of the record's organization, or a region administrator above it.
    pub organizer: bool,
    /// A region administrator whose scope covers the record's region.
    pub region_admin: bool,
}

/// What a confirmation does to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// The record becomes effective and its hours count.
    Effective,
    /// The first of two approvals: the record stays pending until a region
    /// administrator approves it too.
    FirstApproval,
}

/// Whether hours need a region administrator's second approval: honor
/// hours always, hours entered by hand above `threshold_hours`.
pub fn needs_second_approval(hour_kind: HourKind, entered_by_hand: bool, minutes: i64, threshold_hours: u32) -> bool {
    hour_kind == HourKind::Honor || (entered_by_hand && minutes > i64::from(threshold_hours) * 60)
}

impl RecordFacts {
    /// [`needs_second_approval`] of this record.
    pub fn needs_second_approval(&self, threshold_hours: u32) -> bool {
        needs_second_approval(self.hour_kind, self.entered_by_hand, self.minutes, threshold_hours)
    }
}

/// Decides a confirmation of `record` by `by`. A record that needs a second
/// approval becomes effective only by a region administrator over it who
/// neither entered nor first approved it (entering is the first person's
/// act); an organizer's confirmation of such a record is recorded as the
/// organization's first approval. Refusals: `record_open`,
/// `invalid_transition` (not pending), `organization_unverified`,
/// `self_confirmation` (the volunteer themself), `forbidden_scope` (not an
/// organizer), `self_entry` (an organizer approving what they entered),
/// `second_person_required` (a region administrator approving what they
/// entered or first approved), `awaiting_region_approval` (the organization
/// approved already).
pub fn decide_confirmation(
    record: &RecordFacts,
    by: Confirmer,
    threshold_hours: u32,
) -> Result<Confirmation, RuleError> {
    if record.is_open {
        return Err(RuleError::new("record_open", "the volunteer has not signed out yet"));
    }
    record.state.transition(RecordState::Effective)?;
    if !record.organization_verified {
        return Err(unverified());
    }
    if by.user == record.volunteer_user {
        return Err(RuleError::new(
            "self_confirmation",
            "nobody confirms their own hours; another organizer must",
        ));
    }
    if !record.needs_second_approval(threshold_hours) {
        return if by.organizer {
            Ok(Confirmation::Effective)
        } else {
            Err(forbidden())
        };
    }
    if by.region_admin {
        // The region administrator is the second person: never the one who
        // entered or first approved the hours.
        if record.entered_by == Some(by.user) || record.first_approved_by == Some(by.user) {
            return Err(RuleError::new(
                "second_person_required",
                "the second approval must come from another person than the one who entered or first approved the hours",
            ));
        }
        return Ok(Confirmation::Effective);
    }
    if !by.organizer {
        return Err(forbidden());
    }
    if record.entered_by == Some(by.user) {
        return Err(self_entered());
    }
    if record.first_approved_by.is_some() {
        return Err(RuleError::new(
            "awaiting_region_approval",
            "the organization has confirmed these hours; they count once a region administrator approves them",
        ));
    }
    Ok(Confirmation::FirstApproval)
}

/// Whether a pending record confirms itself at `now`: the activity's
/// `auto_confirm_days` have passed since it closed (0 days = never), its
/// organization is verified, nothing flagged it (offline check-ins and
/// implausible locations are flagged), and it needs no second approval.
pub fn auto_confirm_due(
    record: &RecordFacts,
    closed_at: DateTime<Utc>,
    auto_confirm_days: u32,
    threshold_hours: u32,
    now: DateTime<Utc>,
) -> bool {
    record.state == RecordState::Pending
        && !record.is_open
        && record.organization_verified
        && !record.flagged
        && !record.needs_second_approval(threshold_hours)
        && auto_confirm_days > 0
        && now >= closed_at + Duration::days(i64::from(auto_confirm_days))
}

/// What the hand-entry rules need to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandEntryFacts<'a> {
    pub organization_verified: bool,
    pub activity_state: ActivityState,
    /// The volunteer's sign-up for the activity, if any.
    pub signup: Option<SignupStatus>,
    /// Why a volunteer without an approved sign-up served anyway (a named
    /// exception, recorded with the evidence).
    pub exception: Option<&'a str>,
    /// The person entering is the volunteer themself.
    pub for_themself: bool,
}

/// Longest exception text, in characters.
pub const MAX_EXCEPTION_CHARS: usize = 200;

/// Checks that hours may be entered by hand (or attendance taken by the
/// organizer's hand) and returns the exception, trimmed, when one was needed.
/// Refusals: `organization_unverified`, `activity_not_published`,
/// `self_entry`, `not_signed_up` (no approved sign-up and no exception),
/// `text_invalid` (an exception longer than 200 characters).
pub fn check_hand_entry(facts: &HandEntryFacts<'_>) -> Result<Option<String>, RuleError> {
    if !facts.organization_verified {
        return Err(unverified());
    }
    if !matches!(facts.activity_state, ActivityState::Published | ActivityState::Finished) {
        return Err(RuleError::new(
            "activity_not_published",
            "hours are entered only on a published activity",
        ));
    }
    if facts.for_themself {
        return Err(self_entered());
    }
    if facts.signup.is_some_and(SignupStatus::may_attend) {
        return Ok(None);
    }
    let exception = facts
        .exception
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| {
            RuleError::new(
                "not_signed_up",
                "this volunteer has no approved sign-up; name the exception (why they served without one)",
            )
            .on("exception")
        })?;
    crate::activity::check_text(exception, MAX_EXCEPTION_CHARS, true, "exception").map(Some)
}

fn unverified() -> RuleError {
    RuleError::new(
        "organization_unverified",
        "the organization is not verified yet: its hours count nowhere until a region administrator verifies it",
    )
}

fn forbidden() -> RuleError {
    RuleError::new("forbidden_scope", "this is outside your scope")
}

fn self_entered() -> RuleError {
    RuleError::new(
        "self_entry",
        "nobody enters or approves their own hours; another organizer must",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VOLUNTEER: i64 = 1;
    const ORGANIZER: i64 = 2;
    const COLLEAGUE: i64 = 3;
    const REGION_ADMIN: i64 = 4;
    const OTHER_REGION_ADMIN: i64 = 5;

    fn credit(minutes: i64) -> RecordFacts {
        RecordFacts {
            state: RecordState::Pending,
            is_open: false,
            hour_kind: HourKind::Credit,
            minutes,
            entered_by_hand: false,
            entered_by: None,
            volunteer_user: VOLUNTEER,
            organization_verified: true,
            flagged: false,
            first_approved_by: None,
        }
    }

    fn honor(entered_by: i64) -> RecordFacts {
        RecordFacts {
            hour_kind: HourKind::Honor,
            entered_by_hand: true,
            entered_by: Some(entered_by),
            ..credit(60)
        }
    }

    fn organizer(user: i64) -> Confirmer {
        Confirmer {
            user,
            organizer: true,
            region_admin: false,
        }
    }

    fn region_admin(user: i64) -> Confirmer {
        Confirmer {
            user,
            organizer: true,
            region_admin: true,
        }
    }

    #[test]
    fn an_organizer_confirms_attendance_of_a_verified_organization() {
        assert_eq!(
            decide_confirmation(&credit(120), organizer(ORGANIZER), 4),
            Ok(Confirmation::Effective)
        );
        let unverified = RecordFacts {
            organization_verified: false,
            ..credit(120)
        };
        assert_eq!(
            decide_confirmation(&unverified, organizer(ORGANIZER), 4)
                .unwrap_err()
                .code,
            "organization_unverified"
        );
        let stranger = Confirmer {
            user: 9,
            organizer: false,
            region_admin: false,
        };
        assert_eq!(
            decide_confirmation(&credit(120), stranger, 4).unwrap_err().code,
            "forbidden_scope"
        );
        let open = RecordFacts {
            is_open: true,
            ..credit(0)
        };
        assert_eq!(
            decide_confirmation(&open, organizer(ORGANIZER), 4).unwrap_err().code,
            "record_open"
        );
        let done = RecordFacts {
            state: RecordState::Effective,
            ..credit(60)
        };
        assert_eq!(
            decide_confirmation(&done, organizer(ORGANIZER), 4).unwrap_err().code,
            "invalid_transition"
        );
    }

    #[test]
    fn nobody_confirms_their_own_hours() {
        for by in [organizer(VOLUNTEER), region_admin(VOLUNTEER)] {
            assert_eq!(
                decide_confirmation(&credit(60), by, 4).unwrap_err().code,
                "self_confirmation"
            );
            let waiting = RecordFacts {
                first_approved_by: Some(ORGANIZER),
                ..honor(ORGANIZER)
            };
            assert_eq!(
                decide_confirmation(&waiting, by, 4).unwrap_err().code,
                "self_confirmation"
            );
        }
    }

    #[test]
    fn honor_hours_need_a_second_person_who_is_a_region_administrator() {
        let entered = honor(ORGANIZER);
        assert_eq!(
            decide_confirmation(&entered, organizer(ORGANIZER), 4).unwrap_err().code,
            "self_entry"
        );
        assert_eq!(
            decide_confirmation(&entered, organizer(COLLEAGUE), 4),
            Ok(Confirmation::FirstApproval)
        );
        let vouched = RecordFacts {
            first_approved_by: Some(COLLEAGUE),
            ..entered.clone()
        };
        assert_eq!(
            decide_confirmation(&vouched, organizer(ORGANIZER), 4).unwrap_err().code,
            "self_entry"
        );
        assert_eq!(
            decide_confirmation(&vouched, organizer(6), 4).unwrap_err().code,
            "awaiting_region_approval"
        );
        // The region administrator is the second person, with or without the
        // organization's first approval.
        for record in [&entered, &vouched] {
            assert_eq!(
                decide_confirmation(record, region_admin(REGION_ADMIN), 4),
                Ok(Confirmation::Effective)
            );
        }
        // ... but never for hours they entered or first approved themself.
        let by_admin = honor(REGION_ADMIN);
        assert_eq!(
            decide_confirmation(&by_admin, region_admin(REGION_ADMIN), 4)
                .unwrap_err()
                .code,
            "second_person_required"
        );
        let approved_by_admin = RecordFacts {
            first_approved_by: Some(REGION_ADMIN),
            ..honor(ORGANIZER)
        };
        assert_eq!(
            decide_confirmation(&approved_by_admin, region_admin(REGION_ADMIN), 4)
                .unwrap_err()
                .code,
            "second_person_required"
        );
        assert_eq!(
            decide_confirmation(&by_admin, region_admin(OTHER_REGION_ADMIN), 4),
            Ok(Confirmation::Effective)
        );
    }

    #[test]
    fn manual_attendance_above_the_threshold_needs_a_second_approval() {
        let short = RecordFacts {
            entered_by_hand: true,
            entered_by: Some(ORGANIZER),
            ..credit(4 * 60)
        };
        assert!(!short.needs_second_approval(4));
        assert_eq!(
            decide_confirmation(&short, organizer(COLLEAGUE), 4),
            Ok(Confirmation::Effective)
        );
        let long = RecordFacts {
            minutes: 4 * 60 + 1,
            ..short.clone()
        };
        assert!(long.needs_second_approval(4));
        assert_eq!(
            decide_confirmation(&long, organizer(COLLEAGUE), 4),
            Ok(Confirmation::FirstApproval)
        );
        assert!(short.needs_second_approval(0));
        // Attendance by QR code is not entered by hand, however long.
        assert!(!credit(10 * 60).needs_second_approval(0));
    }

    #[test]
    fn automatic_confirmation_skips_what_a_person_must_look_at() {
        let closed = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let later = closed + Duration::days(7);
        assert!(auto_confirm_due(&credit(60), closed, 7, 4, later));
        assert!(!auto_confirm_due(
            &credit(60),
            closed,
            7,
            4,
            later - Duration::seconds(1)
        ));
        assert!(!auto_confirm_due(
            &credit(60),
            closed,
            0,
            4,
            later + Duration::days(300)
        ));
        for held in [
            RecordFacts {
                flagged: true,
                ..credit(60)
            },
            RecordFacts {
                organization_verified: false,
                ..credit(60)
            },
            honor(ORGANIZER),
            RecordFacts {
                entered_by_hand: true,
                ..credit(5 * 60)
            },
            RecordFacts {
                state: RecordState::Refused,
                ..credit(60)
            },
        ] {
            assert!(!auto_confirm_due(&held, closed, 7, 4, later), "{held:?}");
        }
    }

    fn facts(signup: Option<SignupStatus>, exception: Option<&str>) -> HandEntryFacts<'_> {
        HandEntryFacts {
            organization_verified: true,
            activity_state: ActivityState::Published,
            signup,
            exception,
            for_themself: false,
        }
    }

    #[test]
    fn hand_entry_needs_a_verified_organization_a_published_activity_and_a_sign_up() {
        assert_eq!(check_hand_entry(&facts(Some(SignupStatus::Approved), None)), Ok(None));
        let finished = HandEntryFacts {
            activity_state: ActivityState::Finished,
            ..facts(Some(SignupStatus::Approved), None)
        };
        assert_eq!(check_hand_entry(&finished), Ok(None));
        for (refused, code) in [
            (
                HandEntryFacts {
                    organization_verified: false,
                    ..facts(Some(SignupStatus::Approved), None)
                },
                "organization_unverified",
            ),
            (
                HandEntryFacts {
                    activity_state: ActivityState::Draft,
                    ..facts(Some(SignupStatus::Approved), None)
                },
                "activity_not_published",
            ),
            (
                HandEntryFacts {
                    activity_state: ActivityState::Cancelled,
                    ..facts(Some(SignupStatus::Approved), None)
                },
                "activity_not_published",
            ),
            (
                HandEntryFacts {
                    for_themself: true,
                    ..facts(Some(SignupStatus::Approved), None)
                },
                "self_entry",
            ),
            (facts(None, None), "not_signed_up"),
            (facts(Some(SignupStatus::Waitlisted), None), "not_signed_up"),
            (facts(Some(SignupStatus::Cancelled), Some("  ")), "not_signed_up"),
            (facts(None, Some(&"因".repeat(201))), "text_invalid"),
        ] {
            assert_eq!(check_hand_entry(&refused).unwrap_err().code, code, "{refused:?}");
        }
        assert_eq!(
            check_hand_entry(&facts(None, Some(" 现场临时加入，有签到表 "))),
            Ok(Some("现场临时加入，有签到表".to_string()))
        );
    }

    fn any_state() -> impl Strategy<Value = RecordState> {
        prop::sample::select(RecordState::ALL.to_vec())
    }

    proptest! {
        /// Whoever asks, whatever the record: a record becomes effective only
        /// through a verified organization, never by its own volunteer, and a
        /// record that needs a second approval only through a region
        /// administrator who neither entered nor first approved it (so at
        /// least two people have put their name to it).
        #[test]
        fn effective_only_through_the_rules(
            state in any_state(),
            is_open: bool,
            honor: bool,
            by_hand: bool,
            minutes in 0i64..1000,
            entered_by in prop::option::of(1i64..6),
            verified: bool,
            first in prop::option::of(1i64..6),
            user in 1i64..6,
            organizer: bool,
            admin: bool,
            threshold in 0u32..10,
        ) {
            let record = RecordFacts {
                state,
                is_open,
                hour_kind: if honor { HourKind::Honor } else { HourKind::Credit },
                minutes,
                entered_by_hand: by_hand || honor,
                entered_by,
                volunteer_user: VOLUNTEER,
                organization_verified: verified,
                flagged: false,
                first_approved_by: first,
            };
            let by = Confirmer { user, organizer: organizer || admin, region_admin: admin };
            if let Ok(outcome) = decide_confirmation(&record, by, threshold) {
                prop_assert!(verified && !is_open && state == RecordState::Pending);
                prop_assert!(user != VOLUNTEER);
                prop_assert!(by.organizer);
                if outcome == Confirmation::Effective && record.needs_second_approval(threshold) {
                    prop_assert!(admin);
                    prop_assert!(first != Some(user));
                    prop_assert!(entered_by != Some(user));
                }
            }
        }
    }
}
