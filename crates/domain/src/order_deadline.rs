//! The clocks of an order: how long each desk has to dispatch it, the
//! organization to accept it and the resident to rate it (settings an
//! operator may change), which step the server's deadline job takes at a
//! given instant ([`due`]) and when it should look at the order next
//! ([`next_check`]).

use crate::RuleError;
use crate::dispatch::Desk;
use crate::order::{OrderAction, OrderState};
use chrono::{DateTime, Duration, Utc};

/// Minutes each desk has to dispatch an order before it goes one desk up
/// (the county's administrator, the last desk, keeps it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DispatchMinutes {
    pub station: u32,
    pub institute: u32,
    pub center: u32,
}

/// Every deadline of the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub dispatch: DispatchMinutes,
    /// Minutes an organization has to accept or refuse a dispatched order.
    pub accept_minutes: u32,
    /// Days the resident has to rate a completed order.
    pub evaluation_days: u32,
}

/// Two hours at a station, four at an institute, eight at a center; four
/// hours to accept; seven days to rate.
pub const DEFAULT_DEADLINES: Deadlines = Deadlines {
    dispatch: DispatchMinutes {
        station: 120,
        institute: 240,
        center: 480,
    },
    accept_minutes: 240,
    evaluation_days: 7,
};

/// The longest dispatch or accept deadline: a week, in minutes.
pub const MAX_MINUTES: u32 = 7 * 24 * 60;
/// The longest evaluation window, in days.
pub const MAX_EVALUATION_DAYS: u32 = 90;

impl Deadlines {
    /// Minutes the desk has before the order goes up; `None` at the last desk.
    pub fn dispatch_minutes(&self, desk: Desk) -> Option<u32> {
        match desk {
            Desk::Station => Some(self.dispatch.station),
            Desk::Institute => Some(self.dispatch.institute),
            Desk::Center => Some(self.dispatch.center),
            Desk::CountyAdministrator => None,
        }
    }

    /// The deadlines the stored settings give: each missing or unreadable
    /// one is its default.
    pub fn from_settings(dispatch: Option<&str>, accept: Option<&str>, evaluation: Option<&str>) -> Deadlines {
        Deadlines {
            dispatch: dispatch
                .and_then(|raw| parse_dispatch_minutes(raw).ok())
                .unwrap_or(DEFAULT_DEADLINES.dispatch),
            accept_minutes: accept
                .and_then(|raw| parse_bounded(raw, 1, MAX_MINUTES))
                .unwrap_or(DEFAULT_DEADLINES.accept_minutes),
            evaluation_days: evaluation
                .and_then(|raw| parse_bounded(raw, 1, MAX_EVALUATION_DAYS))
                .unwrap_or(DEFAULT_DEADLINES.evaluation_days),
        }
    }
}

fn parse_bounded(raw: &str, min: u32, max: u32) -> Option<u32> {
    raw.trim().parse::<u32>().ok().filter(|v| (min..=max).contains(v))
}

/// Reads `station,institute,center` minutes (e.g. `120,240,480`), each from
/// 1 minute to a week.
pub fn parse_dispatch_minutes(raw: &str) -> Result<DispatchMinutes, RuleError> {
    let values: Option<Vec<u32>> = raw.split(',').map(|v| parse_bounded(v, 1, MAX_MINUTES)).collect();
    match values.as_deref() {
        Some(&[station, institute, center]) => Ok(DispatchMinutes {
            station,
            institute,
            center,
        }),
        _ => Err(RuleError::new(
            "setting_invalid",
            format!("three whole minutes from 1 to {MAX_MINUTES}: station, institute, center"),
        )),
    }
}

/// Checks a whole number setting from 1 to `max`; returns it as stored.
pub fn check_bounded(raw: &str, max: u32) -> Result<String, RuleError> {
    parse_bounded(raw, 1, max)
        .map(|v| v.to_string())
        .ok_or_else(|| RuleError::new("setting_invalid", format!("a whole number from 1 to {max}")))
}

/// The times of one order that its deadlines run from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderTimes {
    pub state: OrderState,
    pub desk: Desk,
    /// Since when it waits at its desk (placed, escalated, refused or timed out).
    pub waiting_since: DateTime<Utc>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The end of the wanted window (or its start, when it has no end).
    pub wanted_by: Option<DateTime<Utc>>,
    pub overdue_flagged: bool,
}

impl OrderTimes {
    /// The times of an order placed at `now` with the site of `desk`.
    pub fn placed(desk: Desk, now: DateTime<Utc>, wanted_by: Option<DateTime<Utc>>) -> OrderTimes {
        OrderTimes {
            state: OrderState::Ordered,
            desk,
            waiting_since: now,
            dispatched_at: None,
            completed_at: None,
            wanted_by,
            overdue_flagged: false,
        }
    }

    /// The times after `action` took the order to `to` at `now`: a dispatch
    /// starts the answer clock; a refusal, a timeout or an escalation puts
    /// the order back on a desk (one up, for an escalation) with a fresh
    /// dispatch clock; a completion starts the rating window; an overdue
    /// service is flagged once.
    pub fn after(self, action: OrderAction, to: OrderState, now: DateTime<Utc>) -> OrderTimes {
        let mut times = OrderTimes { state: to, ..self };
        match action {
            OrderAction::Dispatch => times.dispatched_at = Some(now),
            OrderAction::Refuse | OrderAction::AcceptTimeout => {
                times.dispatched_at = None;
                times.waiting_since = now;
            }
            OrderAction::Escalate => {
                times.desk = self.desk.escalated().unwrap_or(self.desk);
                times.waiting_since = now;
            }
            OrderAction::Complete => times.completed_at = Some(now),
            OrderAction::FlagOverdue => times.overdue_flagged = true,
            OrderAction::Accept
            | OrderAction::Start
            | OrderAction::Evaluate
            | OrderAction::CloseUnrated
            | OrderAction::Cancel
            | OrderAction::Expire => {}
        }
        times
    }
}

/// What taking a step does to an order: its new state and times, what the
/// step adds to the loop figures, and when the deadline job should look at
/// the order next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Taken {
    pub to: OrderState,
    pub times: OrderTimes,
    pub figures: crate::loop_figures::FiguresDelta,
    pub next_check: Option<DateTime<Utc>>,
}

/// Takes `action` on an order with these times, by `party`, at `now`
/// (`accepted_at` measures a completion; `rating` is an evaluation's):
/// refused as [`crate::order::next`] refuses.
pub fn take(
    times: &OrderTimes,
    accepted_at: Option<DateTime<Utc>>,
    action: OrderAction,
    party: crate::order::Party,
    rating: Option<u8>,
    now: DateTime<Utc>,
    deadlines: &Deadlines,
) -> Result<Taken, RuleError> {
    let to = crate::order::next(times.state, action, party)?;
    let since = match action {
        OrderAction::Dispatch => Some(times.waiting_since),
        OrderAction::Accept | OrderAction::Refuse => times.dispatched_at,
        OrderAction::Complete => accepted_at,
        _ => None,
    };
    let minutes = since.map_or(0, |since| (now - since).num_minutes());
    let after = times.after(action, to, now);
    Ok(Taken {
        to,
        times: after,
        figures: crate::loop_figures::step(action, times.state, to, minutes, rating),
        next_check: next_check(&after, deadlines),
    })
}

/// The first instant of each step the deadline job could take, in the
/// order the job prefers them when several are due at once.
fn steps(times: &OrderTimes, deadlines: &Deadlines) -> Vec<(DateTime<Utc>, OrderAction)> {
    let minutes = |m: u32| Duration::minutes(i64::from(m));
    let mut steps = Vec::with_capacity(2);
    match times.state {
        OrderState::Ordered => {
            if let Some(wanted_by) = times.wanted_by {
                steps.push((wanted_by, OrderAction::Expire));
            }
            if let Some(m) = deadlines.dispatch_minutes(times.desk) {
                steps.push((times.waiting_since + minutes(m), OrderAction::Escalate));
            }
        }
        OrderState::Dispatched => {
            if let Some(wanted_by) = times.wanted_by {
                steps.push((wanted_by, OrderAction::Expire));
            }
            if let Some(dispatched_at) = times.dispatched_at {
                steps.push((
                    dispatched_at + minutes(deadlines.accept_minutes),
                    OrderAction::AcceptTimeout,
                ));
            }
        }
        OrderState::Accepted | OrderState::InService => {
            if let Some(wanted_by) = times.wanted_by.filter(|_| !times.overdue_flagged) {
                steps.push((wanted_by, OrderAction::FlagOverdue));
            }
        }
        OrderState::Completed => {
            if let Some(completed_at) = times.completed_at {
                // Rating stays open through the last instant of the window.
                let closes = completed_at + Duration::days(i64::from(deadlines.evaluation_days));
                steps.push((closes + Duration::milliseconds(1), OrderAction::CloseUnrated));
            }
        }
        OrderState::Evaluated | OrderState::ClosedUnrated | OrderState::Cancelled | OrderState::Expired => {}
    }
    steps
}

/// The step the deadline job takes on the order at `now`, if one is due:
/// the one whose deadline passed first (an expiry before an escalation
/// due at the same instant).
pub fn due(times: &OrderTimes, now: DateTime<Utc>, deadlines: &Deadlines) -> Option<OrderAction> {
    steps(times, deadlines)
        .into_iter()
        .filter(|(at, _)| *at <= now)
        .min_by_key(|(at, _)| *at)
        .map(|(_, action)| action)
}

/// When the deadline job should look at the order next: the first instant
/// at which [`due`] gives a step; `None` when no deadline is left.
pub fn next_check(times: &OrderTimes, deadlines: &Deadlines) -> Option<DateTime<Utc>> {
    steps(times, deadlines).into_iter().map(|(at, _)| at).min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, hour, minute, 0).unwrap()
    }

    fn placed() -> OrderTimes {
        OrderTimes {
            state: OrderState::Ordered,
            desk: Desk::Station,
            waiting_since: at(1, 0),
            dispatched_at: None,
            completed_at: None,
            wanted_by: None,
            overdue_flagged: false,
        }
    }

    #[test]
    fn a_station_has_two_hours_then_the_order_goes_up() {
        let d = DEFAULT_DEADLINES;
        let order = placed();
        assert_eq!(due(&order, at(2, 59), &d), None);
        assert_eq!(due(&order, at(3, 0), &d), Some(OrderAction::Escalate));
        assert_eq!(next_check(&order, &d), Some(at(3, 0)));
        let at_county = OrderTimes {
            desk: Desk::CountyAdministrator,
            ..order
        };
        assert_eq!(due(&at_county, at(23, 0), &d), None, "the last desk keeps it");
        assert_eq!(next_check(&at_county, &d), None);
    }

    #[test]
    fn an_order_nobody_took_in_time_expires_before_it_climbs() {
        let order = OrderTimes {
            wanted_by: Some(at(3, 0)),
            ..placed()
        };
        assert_eq!(due(&order, at(3, 0), &DEFAULT_DEADLINES), Some(OrderAction::Expire));
    }

    #[test]
    fn an_unanswered_dispatch_times_out_and_a_late_service_is_flagged_once() {
        let d = DEFAULT_DEADLINES;
        let dispatched = OrderTimes {
            state: OrderState::Dispatched,
            dispatched_at: Some(at(2, 0)),
            ..placed()
        };
        assert_eq!(due(&dispatched, at(5, 59), &d), None);
        assert_eq!(due(&dispatched, at(6, 0), &d), Some(OrderAction::AcceptTimeout));
        let late = OrderTimes {
            state: OrderState::InService,
            wanted_by: Some(at(8, 0)),
            ..dispatched
        };
        assert_eq!(due(&late, at(8, 0), &d), Some(OrderAction::FlagOverdue));
        let flagged = OrderTimes {
            overdue_flagged: true,
            ..late
        };
        assert_eq!(due(&flagged, at(23, 0), &d), None);
    }

    #[test]
    fn a_completed_order_closes_unrated_after_its_window() {
        let d = DEFAULT_DEADLINES;
        let completed = OrderTimes {
            state: OrderState::Completed,
            completed_at: Some(at(9, 0)),
            ..placed()
        };
        let window_end = at(9, 0) + Duration::days(7);
        assert!(crate::order::evaluation_open(at(9, 0), window_end, 7));
        assert_eq!(
            due(&completed, window_end, &d),
            None,
            "still open: the resident may rate"
        );
        assert_eq!(
            due(&completed, window_end + Duration::milliseconds(1), &d),
            Some(OrderAction::CloseUnrated)
        );
    }

    #[test]
    fn settings_set_the_deadlines_and_bad_ones_fall_back() {
        let d = Deadlines::from_settings(Some("30,60,90"), Some("45"), Some("3"));
        assert_eq!(d.dispatch_minutes(Desk::Institute), Some(60));
        assert_eq!((d.accept_minutes, d.evaluation_days), (45, 3));
        assert_eq!(
            Deadlines::from_settings(Some("30,60"), Some("0"), Some("x")),
            DEFAULT_DEADLINES
        );
        assert_eq!(parse_dispatch_minutes("1,2,3,4").unwrap_err().code, "setting_invalid");
        assert_eq!(
            check_bounded("91", MAX_EVALUATION_DAYS).unwrap_err().code,
            "setting_invalid"
        );
        assert_eq!(check_bounded(" 14 ", MAX_EVALUATION_DAYS).unwrap(), "14");
    }

    #[test]
    fn an_escalated_order_waits_afresh_one_desk_up() {
        let d = DEFAULT_DEADLINES;
        let escalated = placed().after(OrderAction::Escalate, OrderState::Ordered, at(3, 0));
        assert_eq!((escalated.desk, escalated.waiting_since), (Desk::Institute, at(3, 0)));
        assert_eq!(next_check(&escalated, &d), Some(at(7, 0)), "four hours at an institute");
        let dispatched = escalated.after(OrderAction::Dispatch, OrderState::Dispatched, at(4, 0));
        let refused = dispatched.after(OrderAction::Refuse, OrderState::Ordered, at(5, 0));
        assert_eq!((refused.dispatched_at, refused.waiting_since), (None, at(5, 0)));
    }

    fn times() -> impl Strategy<Value = OrderTimes> {
        (
            (0..OrderState::ALL.len(), 0..Desk::ALL.len()),
            (0i64..10_000, proptest::option::of(0i64..10_000)),
            (proptest::option::of(0i64..10_000), proptest::option::of(0i64..20_000)),
            any::<bool>(),
        )
            .prop_map(|((state, desk), (since, dispatched), (completed, wanted), flagged)| {
                let minute = |m: i64| at(0, 0) + Duration::minutes(m);
                OrderTimes {
                    state: OrderState::ALL[state],
                    desk: Desk::ALL[desk],
                    waiting_since: minute(since),
                    dispatched_at: dispatched.map(minute),
                    completed_at: completed.map(minute),
                    wanted_by: wanted.map(minute),
                    overdue_flagged: flagged,
                }
            })
    }

    proptest! {
        /// The job never acts before the order's next check and always acts
        /// at it; whatever it takes is a step the state machine allows the
        /// server, and no step is ever due on a final order.
        #[test]
        fn the_next_check_is_exactly_when_a_step_falls_due(order in times(), probe in 0i64..40_000) {
            let d = DEFAULT_DEADLINES;
            let now = at(0, 0) + Duration::minutes(probe);
            match next_check(&order, &d) {
                None => prop_assert_eq!(due(&order, now, &d), None),
                Some(check) => {
                    prop_assert!(due(&order, check, &d).is_some());
                    prop_assert_eq!(due(&order, check - Duration::milliseconds(1), &d), None);
                    if now < check {
                        prop_assert_eq!(due(&order, now, &d), None);
                    }
                }
            }
            if let Some(action) = due(&order, now, &d) {
                prop_assert!(!order.state.is_final());
                prop_assert!(crate::order::next(order.state, action, crate::order::Party::System).is_ok());
            }
        }
    }
}
