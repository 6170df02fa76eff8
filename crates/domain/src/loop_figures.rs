//! The loop figures (orders by state, closed loops, times to dispatch,
//! answer and complete, satisfaction) as what each step of an order adds
//! to them. The store adds a step's [`FiguresDelta`] to the figures of the
//! order's site and region and of the organization concerned, in the same
//! transaction as the step, so that figures are read, never recounted.

use crate::RuleError;
use crate::order::{OrderAction, OrderState};
use serde::{Deserialize, Serialize};

string_enum!(
    /// Whose figures: a site's (by id), a region's (by code, the order's
    /// site's region; summed over the tree by the statistics) or an
    /// organization's (by id).
    FiguresScope, "figures_scope_invalid", {
        Site = "site",
        Region = "region",
        Organization = "organization",
    }
);

/// What one step adds to the loop figures. Counts of steps, the open load
/// of an organization (accepted, not yet completed or cancelled), the sum
/// of ratings, and sums of minutes with the number of answers they cover.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FiguresDelta {
    pub placed: i64,
    pub dispatched: i64,
    pub accepted: i64,
    pub refused: i64,
    pub timed_out: i64,
    pub completed: i64,
    pub evaluated: i64,
    pub closed_unrated: i64,
    pub cancelled: i64,
    pub expired: i64,
    pub escalated: i64,
    pub open_orders: i64,
    pub rating_sum: i64,
    /// Minutes from waiting at a desk to being dispatched.
    pub dispatch_minutes: i64,
    /// Minutes from dispatch to the organization's answer (accept or refuse).
    pub answer_minutes: i64,
    pub answered: i64,
    /// Minutes from acceptance to completion.
    pub complete_minutes: i64,
    /// How many waits fell in each bucket of [`BUCKET_BOUNDS`], for medians:
    /// to dispatch, to an answer, to completion.
    pub dispatch_buckets: [i64; BUCKETS],
    pub answer_buckets: [i64; BUCKETS],
    pub complete_buckets: [i64; BUCKETS],
    /// Orders now in each state, in the order of `OrderState::ALL` (the
    /// all-time rows; a day's row holds that day's moves).
    pub in_state: [i64; STATES],
    /// Effective minutes of service through the orders' activities (a
    /// revoked record takes its minutes back), by the day served.
    pub served_minutes: i64,
}

/// Buckets of waiting minutes: up to 15 minutes, 30, 1 hour, 2, 4, 8, a
/// day, two days, a week, and longer.
pub const BUCKET_BOUNDS: [i64; BUCKETS - 1] = [15, 30, 60, 120, 240, 480, 1440, 2880, 10080];
pub const BUCKETS: usize = 10;
/// The number of order states.
pub const STATES: usize = 9;

/// The bucket a wait of `minutes` falls in.
pub fn bucket_of(minutes: i64) -> usize {
    BUCKET_BOUNDS
        .iter()
        .position(|bound| minutes < *bound)
        .unwrap_or(BUCKETS - 1)
}

/// The median of the waits counted in `buckets`, in minutes, read linearly
/// inside the bucket that holds it (the last, open bucket gives its lower
/// bound); `None` without any wait.
pub fn median_minutes(buckets: &[i64; BUCKETS]) -> Option<f64> {
    let total: i64 = buckets.iter().map(|n| (*n).max(0)).sum();
    if total == 0 {
        return None;
    }
    let middle = total as f64 / 2.0;
    let mut below = 0.0;
    for (index, count) in buckets.iter().enumerate() {
        let count = (*count).max(0) as f64;
        if count > 0.0 && below + count >= middle {
            let lower = if index == 0 {
                0.0
            } else {
                BUCKET_BOUNDS[index - 1] as f64
            };
            let Some(upper) = BUCKET_BOUNDS.get(index) else {
                return Some(lower);
            };
            return Some(lower + (*upper as f64 - lower) * ((middle - below) / count));
        }
        below += count;
    }
    None
}

fn state_index(state: OrderState) -> usize {
    OrderState::ALL.iter().position(|s| *s == state).unwrap_or(0)
}

impl FiguresDelta {
    /// The name of each figure, in the order of [`FiguresDelta::values`]:
    /// the stored columns.
    pub fn names() -> Vec<String> {
        let mut names: Vec<String> = [
            "placed",
            "dispatched",
            "accepted",
            "refused",
            "timed_out",
            "completed",
            "evaluated",
            "closed_unrated",
            "cancelled",
            "expired",
            "escalated",
            "open_orders",
            "rating_sum",
            "dispatch_minutes",
            "answer_minutes",
            "answered",
            "complete_minutes",
        ]
        .iter()
        .map(|n| n.to_string())
        .collect();
        for kind in ["dispatch", "answer", "complete"] {
            names.extend((0..BUCKETS).map(|b| format!("{kind}_b{b}")));
        }
        names.extend(OrderState::ALL.iter().map(|s| format!("state_{}", s.as_str())));
        names.push("served_minutes".to_string());
        names
    }

    /// Every figure, in the order of [`FiguresDelta::names`].
    pub fn values(&self) -> Vec<i64> {
        let mut values = vec![
            self.placed,
            self.dispatched,
            self.accepted,
            self.refused,
            self.timed_out,
            self.completed,
            self.evaluated,
            self.closed_unrated,
            self.cancelled,
            self.expired,
            self.escalated,
            self.open_orders,
            self.rating_sum,
            self.dispatch_minutes,
            self.answer_minutes,
            self.answered,
            self.complete_minutes,
        ];
        values.extend(self.dispatch_buckets);
        values.extend(self.answer_buckets);
        values.extend(self.complete_buckets);
        values.extend(self.in_state);
        values.push(self.served_minutes);
        values
    }

    /// The figures read back from [`FiguresDelta::values`] (missing ones 0).
    pub fn from_values(values: &[i64]) -> FiguresDelta {
        let at = |i: usize| values.get(i).copied().unwrap_or(0);
        let array = |from: usize| -> [i64; BUCKETS] { std::array::from_fn(|i| at(from + i)) };
        FiguresDelta {
            placed: at(0),
            dispatched: at(1),
            accepted: at(2),
            refused: at(3),
            timed_out: at(4),
            completed: at(5),
            evaluated: at(6),
            closed_unrated: at(7),
            cancelled: at(8),
            expired: at(9),
            escalated: at(10),
            open_orders: at(11),
            rating_sum: at(12),
            dispatch_minutes: at(13),
            answer_minutes: at(14),
            answered: at(15),
            complete_minutes: at(16),
            dispatch_buckets: array(17),
            answer_buckets: array(17 + BUCKETS),
            complete_buckets: array(17 + 2 * BUCKETS),
            in_state: std::array::from_fn(|i| at(17 + 3 * BUCKETS + i)),
            served_minutes: at(17 + 3 * BUCKETS + STATES),
        }
    }

    /// These figures and `other` added.
    pub fn plus(&self, other: &FiguresDelta) -> FiguresDelta {
        let sums: Vec<i64> = self.values().iter().zip(other.values()).map(|(a, b)| a + b).collect();
        FiguresDelta::from_values(&sums)
    }
}

/// How long the order had been at its current step when it was taken, in
/// whole minutes (what the step measures: waiting to be dispatched, waiting
/// for an answer, or being served).
pub type MinutesAtStep = i64;

/// The figures a newly placed order adds.
pub fn placed() -> FiguresDelta {
    let mut delta = FiguresDelta {
        placed: 1,
        ..FiguresDelta::default()
    };
    delta.in_state[state_index(OrderState::Ordered)] = 1;
    delta
}

/// The figures `action`, taking an order from `from` to `to`, adds;
/// `rating` is the rating given by an evaluation.
pub fn step(
    action: OrderAction,
    from: OrderState,
    to: OrderState,
    minutes: MinutesAtStep,
    rating: Option<u8>,
) -> FiguresDelta {
    let minutes = minutes.max(0);
    let mut delta = counts(action, from, minutes, rating);
    let bucket = bucket_of(minutes);
    match action {
        OrderAction::Dispatch => delta.dispatch_buckets[bucket] = 1,
        OrderAction::Accept | OrderAction::Refuse => delta.answer_buckets[bucket] = 1,
        OrderAction::Complete => delta.complete_buckets[bucket] = 1,
        _ => {}
    }
    if from != to {
        delta.in_state[state_index(from)] -= 1;
        delta.in_state[state_index(to)] += 1;
    }
    delta
}

fn counts(action: OrderAction, from: OrderState, minutes: MinutesAtStep, rating: Option<u8>) -> FiguresDelta {
    let zero = FiguresDelta::default();
    match action {
        OrderAction::Dispatch => FiguresDelta {
            dispatched: 1,
            dispatch_minutes: minutes,
            ..zero
        },
        OrderAction::Accept => FiguresDelta {
            accepted: 1,
            open_orders: 1,
            answer_minutes: minutes,
            answered: 1,
            ..zero
        },
        OrderAction::Refuse => FiguresDelta {
            refused: 1,
            answer_minutes: minutes,
            answered: 1,
            ..zero
        },
        OrderAction::AcceptTimeout => FiguresDelta { timed_out: 1, ..zero },
        OrderAction::Escalate => FiguresDelta { escalated: 1, ..zero },
        OrderAction::Start | OrderAction::FlagOverdue => zero,
        OrderAction::Complete => FiguresDelta {
            completed: 1,
            open_orders: -1,
            complete_minutes: minutes,
            ..zero
        },
        OrderAction::Evaluate => FiguresDelta {
            evaluated: 1,
            rating_sum: i64::from(rating.unwrap_or(0)),
            ..zero
        },
        OrderAction::CloseUnrated => FiguresDelta {
            closed_unrated: 1,
            ..zero
        },
        OrderAction::Cancel => FiguresDelta {
            cancelled: 1,
            open_orders: if from == OrderState::Accepted { -1 } else { 0 },
            ..zero
        },
        OrderAction::Expire => FiguresDelta { expired: 1, ..zero },
    }
}

/// Figures as read back: what a reader is shown.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LoopFigures {
    pub totals: FiguresDelta,
}

impl LoopFigures {
    /// Closed loops: ordered, served and rated.
    pub fn closed_loops(&self) -> i64 {
        self.totals.evaluated
    }

    /// Mean rating 1–5 of the rated orders, if any.
    pub fn satisfaction(&self) -> Option<f64> {
        (self.totals.evaluated > 0).then(|| self.totals.rating_sum as f64 / self.totals.evaluated as f64)
    }

    /// Share of the organization's answers that were acceptances (timeouts
    /// count as refusals), if it was ever offered an order.
    pub fn acceptance(&self) -> Option<(u32, u32)> {
        let offered = self.totals.accepted + self.totals.refused + self.totals.timed_out;
        (offered > 0).then(|| (clamp_u32(offered), clamp_u32(self.totals.accepted)))
    }

    /// Mean minutes to an answer, if any.
    pub fn mean_answer_minutes(&self) -> Option<f64> {
        mean(self.totals.answer_minutes, self.totals.answered)
    }

    /// Mean minutes from waiting at a desk to dispatch, if any.
    pub fn mean_dispatch_minutes(&self) -> Option<f64> {
        mean(self.totals.dispatch_minutes, self.totals.dispatched)
    }

    /// Mean minutes from acceptance to completion, if any.
    pub fn mean_complete_minutes(&self) -> Option<f64> {
        mean(self.totals.complete_minutes, self.totals.completed)
    }

    /// Accepted orders not yet completed or cancelled.
    pub fn open_orders(&self) -> u32 {
        clamp_u32(self.totals.open_orders)
    }

    /// Median minutes from waiting at a desk to dispatch, if any.
    pub fn median_dispatch_minutes(&self) -> Option<f64> {
        median_minutes(&self.totals.dispatch_buckets)
    }

    /// Median minutes from dispatch to the organization's answer, if any.
    pub fn median_answer_minutes(&self) -> Option<f64> {
        median_minutes(&self.totals.answer_buckets)
    }

    /// Median minutes from acceptance to completion, if any.
    pub fn median_complete_minutes(&self) -> Option<f64> {
        median_minutes(&self.totals.complete_buckets)
    }

    /// Hours of effective service delivered through the orders.
    pub fn hours_delivered(&self) -> f64 {
        self.totals.served_minutes as f64 / 60.0
    }

    /// Orders now in `state` (on an all-time row).
    pub fn in_state(&self, state: OrderState) -> i64 {
        self.totals.in_state[state_index(state)]
    }
}

fn mean(sum: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| sum as f64 / count as f64)
}

fn clamp_u32(value: i64) -> u32 {
    u32::try_from(value.max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::next;
    use proptest::prelude::*;

    fn add(total: &mut FiguresDelta, d: FiguresDelta) {
        *total = total.plus(&d);
    }

    #[test]
    fn medians_are_read_inside_their_bucket() {
        let mut buckets = [0; BUCKETS];
        assert_eq!(median_minutes(&buckets), None);
        buckets[bucket_of(20)] = 2; // 15–30 minutes
        assert_eq!(median_minutes(&buckets), Some(22.5));
        buckets[bucket_of(5)] = 2;
        assert_eq!(median_minutes(&buckets), Some(15.0));
        let mut long = [0; BUCKETS];
        long[bucket_of(50_000)] = 1;
        assert_eq!(
            median_minutes(&long),
            Some(10080.0),
            "the open bucket gives its lower bound"
        );
        assert_eq!((bucket_of(0), bucket_of(15), bucket_of(10_079)), (0, 1, 8));
        assert_eq!(FiguresDelta::names().len(), FiguresDelta::default().values().len());
        let some = FiguresDelta {
            served_minutes: 90,
            ..step(
                OrderAction::Accept,
                OrderState::Dispatched,
                OrderState::Accepted,
                45,
                None,
            )
        };
        assert_eq!(FiguresDelta::from_values(&some.values()), some);
    }

    #[test]
    fn a_whole_loop_counts_once_as_closed_with_its_rating() {
        let mut total = placed();
        let mut state = OrderState::Ordered;
        for (action, rating) in [
            (OrderAction::Dispatch, None),
            (OrderAction::Accept, None),
            (OrderAction::Complete, None),
            (OrderAction::Evaluate, Some(4)),
        ] {
            let to = next(state, action, action.party()).unwrap();
            add(&mut total, step(action, state, to, 10, rating));
            state = to;
        }
        let figures = LoopFigures { totals: total };
        assert_eq!(figures.closed_loops(), 1);
        assert_eq!(figures.satisfaction(), Some(4.0));
        assert_eq!(figures.open_orders(), 0);
        assert_eq!(figures.acceptance(), Some((1, 1)));
    }

    fn action() -> impl Strategy<Value = OrderAction> {
        (0..OrderAction::ALL.len()).prop_map(|i| OrderAction::ALL[i])
    }

    proptest! {
        /// Over any run of allowed steps on many orders: every order is in
        /// exactly one state, and the figures say how many are in each (the
        /// open load is the accepted and in-service orders; the final
        /// states are the closed, cancelled and expired counts).
        #[test]
        fn figures_follow_the_states(runs in prop::collection::vec(prop::collection::vec((action(), 1u8..=5), 0..12), 1..8)) {
            let mut total = FiguresDelta::default();
            let mut states = Vec::new();
            for run in runs {
                add(&mut total, placed());
                let mut state = OrderState::Ordered;
                for (action, rating) in run {
                    if let Ok(to) = next(state, action, action.party()) {
                        add(&mut total, step(action, state, to, 5, Some(rating)));
                        state = to;
                    }
                }
                states.push(state);
            }
            let count = |s: OrderState| states.iter().filter(|x| **x == s).count() as i64;
            prop_assert_eq!(total.placed, states.len() as i64);
            prop_assert_eq!(total.open_orders, count(OrderState::Accepted) + count(OrderState::InService));
            prop_assert_eq!(total.evaluated, count(OrderState::Evaluated));
            prop_assert_eq!(total.closed_unrated, count(OrderState::ClosedUnrated));
            prop_assert_eq!(total.cancelled, count(OrderState::Cancelled));
            prop_assert_eq!(total.expired, count(OrderState::Expired));
            prop_assert_eq!(total.completed - total.evaluated - total.closed_unrated, count(OrderState::Completed));
            let figures = LoopFigures { totals: total };
            for state in OrderState::ALL {
                prop_assert_eq!(figures.in_state(*state), count(*state), "{:?}", state);
            }
            let waits: i64 = total.answer_buckets.iter().sum();
            prop_assert_eq!(waits, total.answered);
        }
    }
}
