//! Points (积分): what effective hours earn, how a record's change moves
//! them, and what a balance may pay for.
//!
//! A record's points are always `its effective minutes × rate / 60`
//! (rounded down) at the rate in force when it last changed: each change
//! of a record moves the volunteer's points by the difference between that
//! figure and what the record has earned so far, so a revoked record gives
//! back exactly what it gave, even after the rate changed. Points a
//! volunteer spent stay spent: a revocation after a redemption may leave a
//! negative balance, which pays for nothing until service fills it again.

use crate::RuleError;
use serde::{Deserialize, Serialize};

/// The setting: points one effective hour earns.
pub const POINTS_PER_HOUR: &str = "points_per_hour";
/// Points an hour earns when the setting is absent.
pub const DEFAULT_POINTS_PER_HOUR: u32 = 10;
/// The largest rate the setting accepts.
pub const MAX_POINTS_PER_HOUR: u32 = 1000;

/// Points per effective hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointsRate(u32);

impl Default for PointsRate {
    fn default() -> Self {
        PointsRate(DEFAULT_POINTS_PER_HOUR)
    }
}

impl PointsRate {
    /// Checks a value for the `points_per_hour` setting.
    pub fn parse(raw: &str) -> Result<PointsRate, RuleError> {
        match raw.trim().parse::<u32>() {
            Ok(rate) if rate <= MAX_POINTS_PER_HOUR => Ok(PointsRate(rate)),
            _ => Err(RuleError::new(
                "setting_invalid",
                format!("whole points from 0 to {MAX_POINTS_PER_HOUR} per hour"),
            )),
        }
    }

    /// The rate a stored setting gives: the default when absent or not a rate.
    pub fn of_setting(stored: Option<&str>) -> PointsRate {
        stored.and_then(|raw| PointsRate::parse(raw).ok()).unwrap_or_default()
    }

    pub fn per_hour(self) -> u32 {
        self.0
    }

    /// Points `effective_minutes` of service earn, rounded down.
    pub fn points_for(self, effective_minutes: i64) -> i64 {
        effective_minutes.max(0) * i64::from(self.0) / 60
    }
}

string_enum! {
    /// Why a balance moved.
    PointsReason, "points_reason_invalid", {
        Served = "served",
        Corrected = "record_corrected",
        Withdrawn = "record_withdrawn",
        Redeemed = "redeemed",
    }
}

/// One change to a volunteer's points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointsChange {
    pub delta: i64,
    pub reason: PointsReason,
}

/// The change a record's new effective minutes make, given the points it
/// has earned so far (`earned`); `None` when nothing moves.
pub fn record_changed(rate: PointsRate, effective_minutes_now: i64, earned: i64) -> Option<PointsChange> {
    let delta = rate.points_for(effective_minutes_now) - earned;
    let reason = if effective_minutes_now <= 0 {
        PointsReason::Withdrawn
    } else if earned == 0 {
        PointsReason::Served
    } else {
        PointsReason::Corrected
    };
    (delta != 0).then_some(PointsChange { delta, reason })
}

/// Whether a balance pays `cost` points: `points_insufficient` if not.
pub fn check_payable(balance: i64, cost: i64) -> Result<(), RuleError> {
    if cost > 0 && balance < cost {
        return Err(RuleError::new(
            "points_insufficient",
            format!("this costs {cost} points and the balance is {balance}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ten_points_an_hour_by_default_rounded_down() {
        let rate = PointsRate::default();
        assert_eq!(rate.points_for(60), 10);
        assert_eq!(rate.points_for(150), 25);
        assert_eq!(rate.points_for(5), 0);
        assert_eq!(rate.points_for(6), 1);
        assert_eq!(rate.points_for(-60), 0);
        assert_eq!(PointsRate::of_setting(Some("20")).points_for(90), 30);
        assert_eq!(PointsRate::of_setting(Some("lots")), PointsRate::default());
        assert_eq!(PointsRate::of_setting(None).per_hour(), 10);
        assert_eq!(PointsRate::parse("1001").unwrap_err().code, "setting_invalid");
        assert_eq!(PointsRate::parse(" 0 ").unwrap().points_for(600), 0);
    }

    #[test]
    fn a_record_earns_then_gives_back_what_it_earned() {
        let rate = PointsRate::default();
        let served = record_changed(rate, 120, 0).unwrap();
        assert_eq!(
            served,
            PointsChange {
                delta: 20,
                reason: PointsReason::Served
            }
        );
        let corrected = record_changed(rate, 90, 20).unwrap();
        assert_eq!(
            corrected,
            PointsChange {
                delta: -5,
                reason: PointsReason::Corrected
            }
        );
        let withdrawn = record_changed(rate, 0, 15).unwrap();
        assert_eq!(
            withdrawn,
            PointsChange {
                delta: -15,
                reason: PointsReason::Withdrawn
            }
        );
        assert_eq!(record_changed(rate, 120, 20), None);
        // The rate changed from 10 to 50 since the record earned 20:
        // revoking it still takes back exactly 20.
        let later = PointsRate::parse("50").unwrap();
        assert_eq!(record_changed(later, 0, 20).unwrap().delta, -20);
    }

    #[test]
    fn a_cost_is_paid_only_from_enough_points() {
        assert!(check_payable(100, 100).is_ok());
        assert!(check_payable(-5, 0).is_ok());
        assert_eq!(check_payable(99, 100).unwrap_err().code, "points_insufficient");
        assert_eq!(check_payable(-5, 1).unwrap_err().code, "points_insufficient");
    }

    proptest! {
        /// Whatever a record goes through, and whatever the rate at each
        /// step, the points it has earned are its last step's figure, and
        /// back to zero once it counts no more.
        #[test]
        fn earned_points_follow_the_record(steps in proptest::collection::vec((0_i64..2_000, 0_u32..=100), 1..20)) {
            let mut earned = 0;
            for (minutes, per_hour) in &steps {
                let rate = PointsRate::parse(&per_hour.to_string()).unwrap();
                if let Some(change) = record_changed(rate, *minutes, earned) {
                    earned += change.delta;
                }
                prop_assert_eq!(earned, rate.points_for(*minutes));
            }
            let rate = PointsRate::default();
            if let Some(change) = record_changed(rate, 0, earned) {
                earned += change.delta;
            }
            prop_assert_eq!(earned, 0);
        }
    }
}
