//! Sign-ups: the status a new sign-up gets (approved, pending review or
//! waitlisted) from the seats taken, what a cancellation frees, and the
//! time-clash rule between one volunteer's sign-ups.

use crate::RuleError;
use crate::hours::Interval;
use serde::{Deserialize, Serialize};

string_enum!(
    /// Where a sign-up stands. Approved and pending sign-ups hold a seat.
    SignupStatus, "signup_status_invalid", {
        Approved = "approved",
        Pending = "pending",
        Waitlisted = "waitlisted",
        Rejected = "rejected",
        Cancelled = "cancelled",
    }
);

impl SignupStatus {
    pub fn holds_seat(self) -> bool {
        matches!(self, SignupStatus::Approved | SignupStatus::Pending)
    }

    /// Live sign-ups (waitlisted too) block other activities at the same
    /// time, so that a promotion from the waiting list never clashes.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            SignupStatus::Approved | SignupStatus::Pending | SignupStatus::Waitlisted
        )
    }

    /// Only an approved volunteer takes attendance.
    pub fn may_attend(self) -> bool {
        self == SignupStatus::Approved
    }
}

/// Seats of an activity as counted inside the deciding transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seats {
    pub quota: u32,
    pub waitlist: u32,
    /// Approved and pending sign-ups.
    pub taken: u32,
    pub waiting: u32,
}

impl Seats {
    /// The counters after one sign-up moves from `from` (`None`: a new one)
    /// to `to`: approved and pending ones hold a seat, waitlisted ones wait.
    pub fn moved(self, from: Option<SignupStatus>, to: SignupStatus) -> Seats {
        let held = |status: Option<SignupStatus>| u32::from(status.is_some_and(SignupStatus::holds_seat));
        let waits = |status: Option<SignupStatus>| u32::from(status == Some(SignupStatus::Waitlisted));
        Seats {
            taken: (self.taken + held(Some(to))).saturating_sub(held(from)),
            waiting: (self.waiting + waits(Some(to))).saturating_sub(waits(from)),
            ..self
        }
    }

    /// Whether a seat is free for the first on the waiting list.
    pub fn frees_a_seat_for_the_waiting(self) -> bool {
        self.taken < self.quota && self.waiting > 0
    }

    /// The counters after the first waitlisted sign-up got the free seat.
    pub fn after_promotion(self) -> Seats {
        Seats {
            taken: self.taken + 1,
            waiting: self.waiting.saturating_sub(1),
            ..self
        }
    }
}

/// The status of a new sign-up: a free seat gives approved (or pending
/// when the organizer reviews), a full activity the waiting list, a full
/// waiting list `quota_full`.
pub fn decide(seats: Seats, auto_approve: bool) -> Result<SignupStatus, RuleError> {
    if seats.taken < seats.quota {
        return Ok(if auto_approve {
            SignupStatus::Approved
        } else {
            SignupStatus::Pending
        });
    }
    if seats.waiting < seats.waitlist {
        return Ok(SignupStatus::Waitlisted);
    }
    Err(RuleError::new(
        "quota_full",
        "this activity is full, and so is its waiting list",
    ))
}

/// What the first waitlisted sign-up becomes when a seat frees.
pub fn promoted(auto_approve: bool) -> SignupStatus {
    if auto_approve {
        SignupStatus::Approved
    } else {
        SignupStatus::Pending
    }
}

/// Who may move a sign-up where: the volunteer cancels a live one; the
/// organizer approves or rejects a pending one (approving needs no seat: a
/// pending sign-up already holds one) and may reject a waitlisted one.
pub fn transition(from: SignupStatus, to: SignupStatus) -> Result<SignupStatus, RuleError> {
    use SignupStatus::*;
    match (from, to) {
        (Approved | Pending | Waitlisted, Cancelled)
        | (Pending, Approved)
        | (Pending | Waitlisted, Rejected)
        | (Approved, Rejected) => Ok(to),
        _ => Err(RuleError::new(
            "invalid_transition",
            format!("a sign-up cannot go from {} to {}", from.as_str(), to.as_str()),
        )),
    }
}

/// No two live sign-ups of one volunteer may overlap in time (`held` are
/// the live ones: see [`SignupStatus::is_live`]).
pub fn check_no_clash(wanted: Interval, held: &[Interval]) -> Result<(), RuleError> {
    if held.iter().any(|other| other.overlaps(&wanted)) {
        return Err(RuleError::new(
            "time_clash",
            "you are signed up for another activity at the same time",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    /// What happens to one of the sign-ups in a sequence.
    #[derive(Debug, Clone, Copy)]
    enum Step {
        SignUp,
        Cancel(usize),
        Approve(usize),
        Reject(usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            Just(Step::SignUp),
            (0usize..20).prop_map(Step::Cancel),
            (0usize..20).prop_map(Step::Approve),
            (0usize..20).prop_map(Step::Reject),
        ]
    }

    proptest! {
        /// After any sequence of sign-ups, cancellations and decisions, each
        /// followed by promotion from the waiting list as the store does it,
        /// the counters equal the sign-ups that hold a seat and that wait,
        /// the quota and the waiting list are never exceeded, and nobody
        /// waits while a seat is free.
        #[test]
        fn counters_follow_the_sign_ups(steps in prop::collection::vec(step(), 0..60), quota in 1u32..5, waitlist in 0u32..4, auto: bool) {
            let mut seats = Seats { quota, waitlist, taken: 0, waiting: 0 };
            let mut statuses: Vec<SignupStatus> = Vec::new();
            for step in steps {
                let changed = match step {
                    Step::SignUp => decide(seats, auto).ok().map(|to| (None, to)),
                    Step::Cancel(i) | Step::Approve(i) | Step::Reject(i) if i < statuses.len() => {
                        let to = match step {
                            Step::Cancel(_) => SignupStatus::Cancelled,
                            Step::Approve(_) => SignupStatus::Approved,
                            _ => SignupStatus::Rejected,
                        };
                        transition(statuses[i], to).ok().map(|to| (Some(i), to))
                    }
                    _ => None,
                };
                let Some((index, to)) = changed else { continue };
                seats = seats.moved(index.map(|i| statuses[i]), to);
                match index {
                    Some(i) => statuses[i] = to,
                    None => statuses.push(to),
                }
                if seats.frees_a_seat_for_the_waiting()
                    && let Some(first) = statuses.iter().position(|s| *s == SignupStatus::Waitlisted)
                {
                    statuses[first] = promoted(auto);
                    seats = seats.after_promotion();
                }
                let held = statuses.iter().filter(|s| s.holds_seat()).count() as u32;
                let waiting = statuses.iter().filter(|s| **s == SignupStatus::Waitlisted).count() as u32;
                prop_assert_eq!((seats.taken, seats.waiting), (held, waiting));
                prop_assert!(seats.taken <= quota && seats.waiting <= waitlist);
                prop_assert!(!(seats.taken < quota && seats.waiting > 0));
            }
        }
    }

    #[test]
    fn seats_then_waitlist_then_full() {
        let seats = |taken, waiting| Seats {
            quota: 2,
            waitlist: 1,
            taken,
            waiting,
        };
        assert_eq!(decide(seats(0, 0), true).unwrap(), SignupStatus::Approved);
        assert_eq!(decide(seats(1, 0), false).unwrap(), SignupStatus::Pending);
        assert_eq!(decide(seats(2, 0), true).unwrap(), SignupStatus::Waitlisted);
        assert_eq!(decide(seats(2, 1), true).unwrap_err().code, "quota_full");
    }

    #[test]
    fn who_is_live_and_who_attends() {
        use SignupStatus::*;
        assert!([Approved, Pending, Waitlisted].iter().all(|s| s.is_live()));
        assert!(![Rejected, Cancelled].iter().any(|s| s.is_live()));
        assert!(Approved.may_attend());
        assert!(
            ![Pending, Waitlisted, Rejected, Cancelled]
                .iter()
                .any(|s| s.may_attend())
        );
    }

    #[test]
    fn transitions() {
        use SignupStatus::*;
        assert!(transition(Approved, Cancelled).is_ok());
        assert!(transition(Pending, Approved).is_ok());
        assert_eq!(transition(Waitlisted, Approved).unwrap_err().code, "invalid_transition");
        assert_eq!(transition(Cancelled, Approved).unwrap_err().code, "invalid_transition");
        assert_eq!(transition(Rejected, Cancelled).unwrap_err().code, "invalid_transition");
    }

    #[test]
    fn clashes() {
        let h = |a, b| {
            Interval::new(
                Utc.with_ymd_and_hms(2026, 12, 5, a, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2026, 12, 5, b, 0, 0).unwrap(),
            )
        };
        assert!(check_no_clash(h(9, 11), &[h(11, 12), h(7, 9)]).is_ok());
        assert_eq!(check_no_clash(h(9, 11), &[h(10, 12)]).unwrap_err().code, "time_clash");
    }

    proptest! {
        /// However sign-ups arrive, the seats handed out never exceed the quota
        /// nor the waiting list its length.
        #[test]
        fn quota_is_never_exceeded(quota in 1u32..50, waitlist in 0u32..20, arrivals in 0usize..200, auto in any::<bool>()) {
            let mut seats = Seats { quota, waitlist, taken: 0, waiting: 0 };
            for _ in 0..arrivals {
                match decide(seats, auto) {
                    Ok(status) if status.holds_seat() => seats.taken += 1,
                    Ok(_) => seats.waiting += 1,
                    Err(refusal) => prop_assert_eq!(refusal.code, "quota_full"),
                }
            }
            prop_assert!(seats.taken <= quota);
            prop_assert!(seats.waiting <= waitlist);
        }
    }
}
