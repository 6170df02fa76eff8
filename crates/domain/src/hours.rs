//! Hour arithmetic of service records: one sign-in and its sign-out on the
//! same day, capped to the activity's window, trimmed against the
//! volunteer's other records, the midnight rule for a forgotten sign-out,
//! and the star levels that cumulative effective hours earn.
//!
//! Durations are whole minutes (`i64`): sums are exact, and hours are shown
//! as minutes / 60 with two decimals.

use crate::RuleError;
use crate::time::china_offset;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A half-open span of time `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Interval {
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Interval { from, to }
    }

    pub fn is_empty(&self) -> bool {
        self.to <= self.from
    }

    pub fn overlaps(&self, other: &Interval) -> bool {
        !self.is_empty() && !other.is_empty() && self.from < other.to && other.from < self.to
    }

    /// Whole minutes, never negative.
    pub fn minutes(&self) -> i64 {
        if self.is_empty() {
            0
        } else {
            (self.to - self.from).num_minutes()
        }
    }

    fn intersect(&self, other: &Interval) -> Interval {
        Interval::new(self.from.max(other.from), self.to.min(other.to))
    }
}

/// What happens to a sign-in that is never signed out by the end of its day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingCheckout {
    /// Closed at 24:00 with 0 hours (the national rule, the default).
    ZeroHours,
    /// Closed at the activity's end (for activities where signing out is
    /// impractical, chosen by the organizer).
    UntilActivityEnd,
}

impl MissingCheckout {
    pub fn as_str(self) -> &'static str {
        match self {
            MissingCheckout::ZeroHours => "zero_hours",
            MissingCheckout::UntilActivityEnd => "until_activity_end",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        match raw.trim() {
            "zero_hours" => Ok(MissingCheckout::ZeroHours),
            "until_activity_end" => Ok(MissingCheckout::UntilActivityEnd),
            other => Err(RuleError::new(
                "missing_checkout_invalid",
                format!("missing_checkout is zero_hours or until_activity_end, not {other:?}"),
            )
            .on("missing_checkout")),
        }
    }
}

/// 24:00 (China time) of the day on which `at` falls.
pub fn end_of_china_day(at: DateTime<Utc>) -> DateTime<Utc> {
    let date = at.with_timezone(&china_offset()).date_naive();
    start_of_china_day(date + Duration::days(1))
}

/// 00:00 (China time) of `date`.
pub fn start_of_china_day(date: NaiveDate) -> DateTime<Utc> {
    china_offset()
        .from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|local| local.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The span a record may count: from sign-in to sign-out, inside the
/// activity's window and inside the sign-in's day. A sign-out on a later
/// day than its sign-in is not part of the record (`midnight_passed`).
pub fn counted_span(
    signed_in: DateTime<Utc>,
    signed_out: DateTime<Utc>,
    activity: Interval,
) -> Result<Interval, RuleError> {
    if signed_out < signed_in {
        return Err(RuleError::new(
            "checkout_before_checkin",
            "the sign-out is earlier than the sign-in",
        ));
    }
    let day_end = end_of_china_day(signed_in);
    if signed_out > day_end {
        return Err(RuleError::new(
            "midnight_passed",
            "a record is one sign-in and one sign-out on the same day; the sign-in was closed at 24:00",
        ));
    }
    let day = Interval::new(start_of_china_day(crate::time::china_date(signed_in)), day_end);
    Ok(Interval::new(signed_in, signed_out)
        .intersect(&activity)
        .intersect(&day))
}

/// How a sign-in that was never signed out is closed at the end of its day.
pub fn close_unsigned(signed_in: DateTime<Utc>, activity: Interval, policy: MissingCheckout) -> Interval {
    let day_end = end_of_china_day(signed_in);
    match policy {
        MissingCheckout::ZeroHours => Interval::new(signed_in, signed_in),
        MissingCheckout::UntilActivityEnd => {
            let span = Interval::new(signed_in, day_end.min(activity.to)).intersect(&activity);
            if span.is_empty() {
                Interval::new(signed_in, signed_in)
            } else {
                span
            }
        }
    }
}

/// The outcome of fitting a new record among the volunteer's others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fitted {
    /// No overlap: counted as is.
    Whole(Interval),
    /// Overlapped others: the longest part that overlaps none is counted.
    Trimmed { kept: Interval, reason: String },
    /// Entirely covered by others: 0 minutes, with the reason.
    Refused { reason: String },
}

impl Fitted {
    pub fn minutes(&self) -> i64 {
        match self {
            Fitted::Whole(span) | Fitted::Trimmed { kept: span, .. } => span.minutes(),
            Fitted::Refused { .. } => 0,
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Fitted::Whole(_) => None,
            Fitted::Trimmed { reason, .. } | Fitted::Refused { reason } => Some(reason),
        }
    }
}

/// Fits `span` among `others` (the volunteer's records that count): the
/// later record gives way, so the result never overlaps any of them.
pub fn fit_among(span: Interval, others: &[Interval]) -> Fitted {
    if span.is_empty() {
        return Fitted::Whole(Interval::new(span.from, span.from));
    }
    let mut pieces = vec![span];
    for other in others.iter().filter(|o| !o.is_empty()) {
        pieces = pieces
            .into_iter()
            .flat_map(|piece| {
                if !piece.overlaps(other) {
                    return vec![piece];
                }
                [Interval::new(piece.from, other.from), Interval::new(other.to, piece.to)]
                    .into_iter()
                    .filter(|part| !part.is_empty())
                    .collect()
            })
            .collect();
    }
    match pieces
        .iter()
        .max_by_key(|piece| (piece.to - piece.from, std::cmp::Reverse(piece.from)))
    {
        None => Fitted::Refused {
            reason: "overlaps the volunteer's other records entirely".into(),
        },
        Some(kept) if *kept == span => Fitted::Whole(span),
        Some(kept) => Fitted::Trimmed {
            kept: *kept,
            reason: "trimmed where it overlapped the volunteer's other records".into(),
        },
    }
}

/// Decimal hours of whole minutes, rounded to two places.
pub fn hours_of(minutes: i64) -> f64 {
    (minutes as f64 / 60.0 * 100.0).round() / 100.0
}

/// Star levels: the cumulative effective hours that earn 1 to 5 stars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarTable([u32; 5]);

impl Default for StarTable {
    fn default() -> Self {
        StarTable([100, 300, 600, 1000, 1500])
    }
}

impl StarTable {
    /// A configured table must rise strictly from at least 1 hour.
    pub fn new(hours: [u32; 5]) -> Result<Self, RuleError> {
        if hours[0] == 0 || hours.windows(2).any(|pair| pair[0] >= pair[1]) {
            return Err(RuleError::new(
                "star_table_invalid",
                "star thresholds must rise strictly and start above 0 hours",
            ));
        }
        Ok(StarTable(hours))
    }

    /// Reads a table written as five comma-separated hours, such as the
    /// `star_hours` setting `100,300,600,1000,1500`.
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let invalid = || {
            RuleError::new(
                "star_table_invalid",
                "write five whole numbers of hours, separated by commas",
            )
        };
        let hours: Vec<u32> = raw
            .split(',')
            .map(|part| part.trim().parse::<u32>().map_err(|_| invalid()))
            .collect::<Result<_, _>>()?;
        let hours: [u32; 5] = hours.try_into().map_err(|_| invalid())?;
        StarTable::new(hours)
    }

    pub fn thresholds(&self) -> [u32; 5] {
        self.0
    }

    /// 0 to 5 stars for `effective_minutes` of cumulative effective time.
    pub fn level(&self, effective_minutes: i64) -> u8 {
        self.0
            .iter()
            .take_while(|hours| effective_minutes >= i64::from(**hours) * 60)
            .count() as u8
    }

    /// Hours still needed for the next star, if there is one.
    pub fn hours_to_next(&self, effective_minutes: i64) -> Option<f64> {
        let level = usize::from(self.level(effective_minutes));
        self.0
            .get(level)
            .map(|hours| hours_of(i64::from(*hours) * 60 - effective_minutes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(hh: u32, mm: u32) -> DateTime<Utc> {
        // 2026-11-29 in China time.
        china_offset()
            .with_ymd_and_hms(2026, 11, 29, hh, mm, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn span(a: (u32, u32), b: (u32, u32)) -> Interval {
        Interval::new(t(a.0, a.1), t(b.0, b.1))
    }

    #[test]
    fn record_is_capped_to_the_activity_window() {
        let activity = span((9, 0), (11, 0));
        let counted = counted_span(t(8, 35), t(11, 40), activity).unwrap();
        assert_eq!(counted, activity);
        assert_eq!(counted.minutes(), 120);
        let inside = counted_span(t(9, 10), t(10, 0), activity).unwrap();
        assert_eq!(inside.minutes(), 50);
        let before = counted_span(t(8, 35), t(8, 50), activity).unwrap();
        assert_eq!(before.minutes(), 0);
    }

    #[test]
    fn sign_out_on_another_day_is_not_part_of_the_record() {
        let activity = Interval::new(t(20, 0), t(23, 0) + Duration::hours(5));
        let next_day = t(23, 0) + Duration::hours(2);
        assert_eq!(
            counted_span(t(20, 0), next_day, activity).unwrap_err().code,
            "midnight_passed"
        );
        assert_eq!(
            counted_span(t(20, 0), t(19, 0), activity).unwrap_err().code,
            "checkout_before_checkin"
        );
        // Signing out at exactly 24:00 still belongs to the day.
        assert_eq!(
            counted_span(t(20, 0), end_of_china_day(t(20, 0)), activity)
                .unwrap()
                .minutes(),
            240
        );
    }

    #[test]
    fn midnight_rule() {
        let activity = span((9, 0), (17, 0));
        assert_eq!(
            close_unsigned(t(9, 5), activity, MissingCheckout::ZeroHours).minutes(),
            0
        );
        assert_eq!(
            close_unsigned(t(9, 5), activity, MissingCheckout::UntilActivityEnd).minutes(),
            7 * 60 + 55
        );
        assert_eq!(end_of_china_day(t(9, 5)), t(0, 0) + Duration::days(1));
    }

    #[test]
    fn later_record_gives_way() {
        let earlier = span((9, 0), (11, 0));
        match fit_among(span((10, 0), (12, 0)), &[earlier]) {
            Fitted::Trimmed { kept, .. } => assert_eq!(kept, span((11, 0), (12, 0))),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            fit_among(span((9, 30), (10, 30)), &[earlier]),
            Fitted::Refused { .. }
        ));
        assert_eq!(
            fit_among(span((11, 0), (12, 0)), &[earlier]),
            Fitted::Whole(span((11, 0), (12, 0)))
        );
        // Split by an earlier record in the middle: the longer part is kept.
        let middle = span((10, 0), (10, 30));
        match fit_among(span((9, 0), (12, 0)), &[middle]) {
            Fitted::Trimmed { kept, .. } => assert_eq!(kept, span((10, 30), (12, 0))),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn stars_at_the_national_thresholds() {
        let stars = StarTable::default();
        assert_eq!(stars.level(0), 0);
        assert_eq!(stars.level(100 * 60 - 1), 0);
        assert_eq!(stars.level(100 * 60), 1);
        assert_eq!(stars.level(300 * 60), 2);
        assert_eq!(stars.level(600 * 60), 3);
        assert_eq!(stars.level(999 * 60), 3);
        assert_eq!(stars.level(1000 * 60), 4);
        assert_eq!(stars.level(1500 * 60), 5);
        assert_eq!(stars.level(100_000 * 60), 5);
        assert_eq!(stars.hours_to_next(90 * 60), Some(10.0));
        assert_eq!(stars.hours_to_next(1500 * 60), None);
        assert!(StarTable::new([10, 10, 20, 30, 40]).is_err());
        assert!(StarTable::new([0, 10, 20, 30, 40]).is_err());
        assert_eq!(StarTable::new([1, 2, 3, 4, 5]).unwrap().level(150), 2);
        assert_eq!(
            StarTable::parse(" 50, 100,200 ,400,800").unwrap().thresholds(),
            [50, 100, 200, 400, 800]
        );
        for bad in ["", "1,2,3,4", "1,2,3,4,5,6", "1,2,x,4,5", "5,4,3,2,1", "-1,2,3,4,5"] {
            assert_eq!(StarTable::parse(bad).unwrap_err().code, "star_table_invalid", "{bad}");
        }
    }

    #[test]
    fn hours_are_rounded_to_two_places() {
        assert_eq!(hours_of(90), 1.5);
        assert_eq!(hours_of(100), 1.67);
        assert_eq!(hours_of(0), 0.0);
    }

    proptest! {
        /// Random sign-in/out sequences of one volunteer on one day, fitted one
        /// after another, never overlap, are never negative and never exceed a day.
        #[test]
        fn records_never_overlap_nor_go_negative(
            pairs in proptest::collection::vec((0i64..1440, 0i64..1440), 1..12),
            window in (0i64..1440, 0i64..1440),
        ) {
            let day = t(0, 0);
            let at = |m: i64| day + Duration::minutes(m);
            let activity = Interval::new(at(window.0.min(window.1)), at(window.0.max(window.1)));
            let mut kept: Vec<Interval> = Vec::new();
            for (a, b) in pairs {
                let (signed_in, signed_out) = (at(a.min(b)), at(a.max(b)));
                let counted = counted_span(signed_in, signed_out, activity).unwrap();
                let fitted = fit_among(counted, &kept);
                prop_assert!(fitted.minutes() >= 0);
                prop_assert!(fitted.minutes() <= 24 * 60);
                prop_assert!(fitted.minutes() <= counted.minutes());
                if let Fitted::Whole(span) | Fitted::Trimmed { kept: span, .. } = fitted {
                    prop_assert!(span.from >= activity.from || span.is_empty());
                    prop_assert!(span.to <= activity.to || span.is_empty());
                    for other in &kept {
                        prop_assert!(!span.overlaps(other), "{span:?} overlaps {other:?}");
                    }
                    if !span.is_empty() {
                        kept.push(span);
                    }
                }
            }
            let total: i64 = kept.iter().map(Interval::minutes).sum();
            prop_assert!(total <= activity.minutes());
        }
    }
}
