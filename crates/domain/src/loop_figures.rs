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
}

/// How long the order had been at its current step when it was taken, in
/// whole minutes (what the step measures: waiting to be dispatched, waiting
/// for an answer, or being served).
pub type MinutesAtStep = i64;

/// The figures a newly placed order adds.
pub fn placed() -> FiguresDelta {
    FiguresDelta {
        placed: 1,
        ..FiguresDelta::default()
    }
}

/// The figures `action`, taken on an order in `from`, adds; `rating` is the
/// rating given by an evaluation.
pub fn step(action: OrderAction, from: OrderState, minutes: MinutesAtStep, rating: Option<u8>) -> FiguresDelta {
    let zero = FiguresDelta::default();
    let minutes = minutes.max(0);
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
        total.placed += d.placed;
        total.dispatched += d.dispatched;
        total.accepted += d.accepted;
        total.refused += d.refused;
        total.timed_out += d.timed_out;
        total.completed += d.completed;
        total.evaluated += d.evaluated;
        total.closed_unrated += d.closed_unrated;
        total.cancelled += d.cancelled;
        total.expired += d.expired;
        total.escalated += d.escalated;
        total.open_orders += d.open_orders;
        total.rating_sum += d.rating_sum;
        total.answered += d.answered;
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
            add(&mut total, step(action, state, 10, rating));
            state = next(state, action, action.party()).unwrap();
        }
        let figures = LoopFigures { totals: total };
        assert_eq!(figures.closed_loops(), 1);
        assert_eq!(figures.satisfaction(), Some(4.0));
        assert_eq!(figures.open_orders(), 0);
        assert_eq!(figures.acceptance(), Some((1, 1)));
    }

    fn action() -> impl Strategy<Value = OrderAction> {
        use OrderAction::*;
        let all = [
            Dispatch,
            Accept,
            Refuse,
            AcceptTimeout,
            Escalate,
            Start,
            Complete,
            Evaluate,
            CloseUnrated,
            Cancel,
            Expire,
            FlagOverdue,
        ];
        (0..all.len()).prop_map(move |i| all[i])
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
                        add(&mut total, step(action, state, 5, Some(rating)));
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
        }
    }
}
