//! Statistics as rules: what each fact adds to the figures of its region
//! and of every region above it (a registration, a transfer, a record
//! becoming effective, an organization verified, a project, an activity
//! held, a loop closed), on which day; which stored rows of days and months
//! cover a period; who counts as an active volunteer in which months; and
//! the figures a reader is shown, derived from the sums (shares, hours per
//! volunteer, satisfaction).
//!
//! Figures are kept per (region, day) and per (region, month) for each
//! region and each of its ancestors, so a province's answer reads as few
//! rows as a village's. Stock figures (volunteers, organizations, projects)
//! are the sum of all rows up to a day; flow figures (new volunteers, hours,
//! activities, loops) the sum of the rows of the period.

use crate::record::TotalsDelta;
use crate::time::age_in_years;
use crate::volunteer::ELDERLY_AGE;
use chrono::{Datelike, Months, NaiveDate};

/// The first day any stock figure sums from.
pub fn beginning() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// Defines [`RegionFigures`] with its column names in one place, so the
/// stored columns, the sums and the deltas cannot drift apart.
macro_rules! figures {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {
        /// The figures of one region for one day or month, or a change to
        /// them, or a sum of them.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct RegionFigures {
            $($(#[$meta])* pub $name: i64,)+
        }

        impl RegionFigures {
            /// The stored column of each figure, in a fixed order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name)),+];

            /// The figures in the order of [`Self::NAMES`].
            pub fn values(&self) -> Vec<i64> {
                vec![$(self.$name),+]
            }

            /// Figures from values in the order of [`Self::NAMES`]; missing ones are 0.
            pub fn from_values(values: &[i64]) -> Self {
                let mut values = values.iter().copied();
                RegionFigures { $($name: values.next().unwrap_or(0),)+ }
            }

            pub fn plus(&self, other: &Self) -> Self {
                RegionFigures { $($name: self.$name + other.$name,)+ }
            }

            pub fn negated(&self) -> Self {
                RegionFigures { $($name: -self.$name,)+ }
            }
        }
    };
}

figures!(
    /// Registered volunteers whose home is here (stock).
    volunteers,
    /// Registrations (flow; transfers are not new volunteers).
    new_volunteers,
    /// Registered volunteers who are party members or probationary members.
    party_members,
    /// Registered volunteers aged 60 or over (each counts from the day they turn 60).
    elderly,
    /// Registered volunteers living in a village committee's area.
    rural,
    /// Verified organizations registered here (stock).
    organizations,
    /// Projects whose area is here (stock).
    projects,
    /// Activities held here on the day (published or finished, by start day).
    activities,
    /// Effective minutes from attendance.
    credit_minutes,
    /// Effective minutes entered by hand and approved.
    honor_minutes,
    /// Effective service records.
    records,
    /// Orders rated by the resident: closed loops.
    closed_loops,
    /// Orders closed without a rating in time, counted apart.
    closed_unrated,
    /// Sum of the ratings of the closed loops.
    rating_sum,
);

impl RegionFigures {
    pub fn is_zero(&self) -> bool {
        *self == RegionFigures::default()
    }
}

/// Whether a stored row holds one day or one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Span {
    Day,
    Month,
}

impl Span {
    pub fn as_str(self) -> &'static str {
        match self {
            Span::Day => "d",
            Span::Month => "m",
        }
    }

    pub fn parse(raw: &str) -> Option<Span> {
        [Span::Day, Span::Month].into_iter().find(|span| span.as_str() == raw)
    }
}

/// `YYYY-MM` of a day: the key of its month row.
pub fn month_of(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

/// `YYYY-MM-DD`: the key of a day row.
pub fn day_key(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The stored rows a change on `day` in the region at `region_path` goes
/// to: the day row and the month row of the region and of each ancestor.
pub fn rows_of(region_path: &str, day: NaiveDate) -> Vec<(String, Span, String)> {
    let (day, month) = (day_key(day), month_of(day));
    codes_on_path(region_path)
        .flat_map(|code| {
            [
                (code.to_string(), Span::Day, day.clone()),
                (code.to_string(), Span::Month, month.clone()),
            ]
        })
        .collect()
}

/// A change to the figures dated to the day it counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dated {
    pub day: NaiveDate,
    pub figures: RegionFigures,
}

/// What the statistics need to know of a volunteer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VolunteerFacts {
    pub birth_date: NaiveDate,
    pub party_member: bool,
    pub rural: bool,
}

/// The first day on which someone born on `birth` is elderly.
pub fn elderly_from(birth: NaiveDate) -> NaiveDate {
    let sixtieth = birth.checked_add_months(Months::new(ELDERLY_AGE * 12)).unwrap_or(birth);
    // Born on 29 February: the birthday is kept on 1 March in common years.
    if age_in_years(birth, sixtieth) < ELDERLY_AGE {
        sixtieth.succ_opt().unwrap_or(sixtieth)
    } else {
        sixtieth
    }
}

/// What a volunteer adds to their home region from `day` on: on
/// registration (`registered`) or when they move in. Being elderly counts
/// from the day they turn 60, which may lie in the future.
pub fn joined(facts: VolunteerFacts, day: NaiveDate, registered: bool) -> Vec<Dated> {
    let elderly_day = elderly_from(facts.birth_date).max(day);
    let now = RegionFigures {
        volunteers: 1,
        new_volunteers: i64::from(registered),
        party_members: i64::from(facts.party_member),
        rural: i64::from(facts.rural),
        elderly: i64::from(elderly_day == day),
        ..RegionFigures::default()
    };
    let mut changes = vec![Dated { day, figures: now }];
    if elderly_day != day {
        changes.push(Dated {
            day: elderly_day,
            figures: RegionFigures {
                elderly: 1,
                ..RegionFigures::default()
            },
        });
    }
    changes
}

/// What a volunteer who moves away on `day` takes from their old region:
/// everything [`joined`] gave it, from that day on (registration stays
/// where it happened).
pub fn left(facts: VolunteerFacts, day: NaiveDate) -> Vec<Dated> {
    joined(facts, day, false)
        .into_iter()
        .map(|change| Dated {
            day: change.day,
            figures: change.figures.negated(),
        })
        .collect()
}

/// What a change to a record's effective totals adds to the figures of
/// the place it was served in, on its service day.
pub fn record_changed(delta: &TotalsDelta) -> RegionFigures {
    RegionFigures {
        credit_minutes: delta.credit_minutes,
        honor_minutes: delta.honor_minutes,
        records: delta.records,
        ..RegionFigures::default()
    }
}

/// An organization verified: it counts in its region from that day.
pub fn organization_verified() -> RegionFigures {
    RegionFigures {
        organizations: 1,
        ..RegionFigures::default()
    }
}

/// A project created: it counts in its area from that day.
pub fn project_created() -> RegionFigures {
    RegionFigures {
        projects: 1,
        ..RegionFigures::default()
    }
}

/// Whether an activity in `state` counts as held (on its start day).
pub fn activity_counts(state: crate::activity::ActivityState) -> bool {
    use crate::activity::ActivityState;
    matches!(state, ActivityState::Published | ActivityState::Finished)
}

/// What an activity moving from `from` (none: new) to `to` adds on its start day.
pub fn activity_moved(
    from: Option<crate::activity::ActivityState>,
    to: crate::activity::ActivityState,
) -> RegionFigures {
    RegionFigures {
        activities: i64::from(activity_counts(to)) - i64::from(from.is_some_and(activity_counts)),
        ..RegionFigures::default()
    }
}

/// What an order reaching `state` adds to its region on that day: a rated
/// order is a closed loop with its rating; an unrated one is counted apart.
pub fn order_closed(state: crate::order::OrderState, rating: Option<u8>) -> RegionFigures {
    use crate::order::OrderState;
    match state {
        OrderState::Evaluated => RegionFigures {
            closed_loops: 1,
            rating_sum: i64::from(rating.unwrap_or(0)),
            ..RegionFigures::default()
        },
        OrderState::ClosedUnrated => RegionFigures {
            closed_unrated: 1,
            ..RegionFigures::default()
        },
        _ => RegionFigures::default(),
    }
}

/// What a step of an order adds to the statistics of its region, from
/// what it adds to the loop figures: closed loops with their ratings, and
/// orders closed unrated. Agrees with [`order_closed`] for the state the
/// step reaches.
pub fn loop_moved(delta: &crate::loop_figures::FiguresDelta) -> RegionFigures {
    RegionFigures {
        closed_loops: delta.evaluated,
        closed_unrated: delta.closed_unrated,
        rating_sum: delta.rating_sum,
        ..RegionFigures::default()
    }
}

/// Inclusive ranges of stored keys that together cover a period exactly
/// once: whole months as month rows, the days of partial months as day rows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeriodCover {
    /// Ranges of day keys (`YYYY-MM-DD`), at most two.
    pub day_ranges: Vec<(String, String)>,
    /// The range of month keys (`YYYY-MM`), if any whole month is inside.
    pub months: Option<(String, String)>,
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn last_of_month(day: NaiveDate) -> NaiveDate {
    first_of_month(day)
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(day)
}

/// The rows that cover `from..=to` (empty when `to` is before `from`).
pub fn cover(from: NaiveDate, to: NaiveDate) -> PeriodCover {
    let mut cover = PeriodCover::default();
    if to < from {
        return cover;
    }
    if first_of_month(from) == first_of_month(to) && (from.day() != 1 || to != last_of_month(to)) {
        cover.day_ranges.push((day_key(from), day_key(to)));
        return cover;
    }
    let mut whole_from = from;
    if from.day() != 1 {
        cover.day_ranges.push((day_key(from), day_key(last_of_month(from))));
        whole_from = last_of_month(from).succ_opt().unwrap_or(from);
    }
    let mut whole_to = to;
    if to != last_of_month(to) {
        cover.day_ranges.push((day_key(first_of_month(to)), day_key(to)));
        whole_to = first_of_month(to).pred_opt().unwrap_or(to);
    }
    if whole_from <= whole_to {
        cover.months = Some((month_of(whole_from), month_of(whole_to)));
    }
    cover
}

/// The keys of the series of a period: days when it is at most
/// [`DAILY_SERIES_DAYS`] long, else months.
pub fn series_keys(from: NaiveDate, to: NaiveDate) -> (Span, Vec<String>) {
    if to < from {
        return (Span::Day, Vec::new());
    }
    if (to - from).num_days() < DAILY_SERIES_DAYS {
        (
            Span::Day,
            from.iter_days().take_while(|d| *d <= to).map(day_key).collect(),
        )
    } else {
        let mut months = Vec::new();
        let mut month = first_of_month(from);
        while month <= to {
            months.push(month_of(month));
            month = month
                .checked_add_months(Months::new(1))
                .unwrap_or(to.succ_opt().unwrap_or(to));
        }
        (Span::Month, months)
    }
}

/// Longest period a statistics question may cover, in days (ten years):
/// longer ones would only make the series grow.
pub const LONGEST_PERIOD_DAYS: i64 = 3_660;

/// The period a statistics question covers: `to` defaults to today, `from`
/// to the first of January of `to`'s year; `from` after `to`, or a period
/// longer than [`LONGEST_PERIOD_DAYS`], is refused.
pub fn period(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), crate::RuleError> {
    let to = to.unwrap_or(today);
    let from = from.unwrap_or_else(|| NaiveDate::from_ymd_opt(to.year(), 1, 1).unwrap_or(to));
    if from > to {
        return Err(crate::RuleError::new("period_invalid", "the period ends before it begins").on("from"));
    }
    if (to - from).num_days() >= LONGEST_PERIOD_DAYS {
        return Err(crate::RuleError::new("period_too_long", "a period covers at most ten years").on("from"));
    }
    Ok((from, to))
}

/// The period just before `from..=to`, of the same length: what a
/// dashboard compares its headline figures with.
pub fn previous_period(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    let length = to - from;
    let end = from.pred_opt().unwrap_or(from);
    (end - length, end)
}

/// Longest period, in days, whose series is given per day.
pub const DAILY_SERIES_DAYS: i64 = 62;

/// A row of the active-volunteer rollup: volunteers who served in `month`
/// and whose previous month of service was `previous` (none: never before).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActiveKey {
    pub month: String,
    pub previous: Option<String>,
}

/// The active rows one volunteer contributes, given every month they
/// served in (sorted or not): each month counted once, with the month
/// before it in which they served.
pub fn served_chain(months: &[String]) -> Vec<ActiveKey> {
    let mut sorted: Vec<&String> = months.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut previous: Option<String> = None;
    sorted
        .into_iter()
        .map(|month| ActiveKey {
            month: month.clone(),
            previous: previous.replace(month.clone()),
        })
        .collect()
}

/// How the active rows change when `month` becomes a month of service
/// (`served`) or stops being one, given the volunteer's served month
/// before it and after it: `(key, +1 or -1)`.
pub fn served_month_changed(
    before: Option<&str>,
    month: &str,
    after: Option<&str>,
    served: bool,
) -> Vec<(ActiveKey, i64)> {
    let sign = if served { 1 } else { -1 };
    let before = before.map(str::to_string);
    let mut changes = vec![(
        ActiveKey {
            month: month.to_string(),
            previous: before.clone(),
        },
        sign,
    )];
    if let Some(after) = after {
        changes.push((
            ActiveKey {
                month: after.to_string(),
                previous: before,
            },
            -sign,
        ));
        changes.push((
            ActiveKey {
                month: after.to_string(),
                previous: Some(month.to_string()),
            },
            sign,
        ));
    }
    changes
}

/// Volunteers who served in any month from `first` to `last`, from the
/// active rows of those months: each counted at the first month of the
/// period they served in, the one whose previous month lies before it.
pub fn active_volunteers<'a>(rows: impl IntoIterator<Item = (&'a ActiveKey, i64)>, first: &str, last: &str) -> i64 {
    rows.into_iter()
        .filter(|(key, _)| key.month.as_str() >= first && key.month.as_str() <= last)
        .filter(|(key, _)| key.previous.as_deref().is_none_or(|previous| previous < first))
        .map(|(_, volunteers)| volunteers)
        .sum()
}

/// What a reader is shown for one region and period.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RegionStatistics {
    pub volunteers: i64,
    pub new_volunteers: i64,
    pub population: Option<i64>,
    /// Registered volunteers as a fraction of the residents, when known.
    pub population_share: Option<f64>,
    pub party_member_share: f64,
    pub elderly_share: f64,
    pub rural_share: f64,
    pub organizations: i64,
    pub projects: i64,
    pub activities: i64,
    pub effective_hours: f64,
    pub credit_hours: f64,
    pub honor_hours: f64,
    pub records: i64,
    pub hours_per_volunteer: f64,
    pub active_volunteers: i64,
    pub closed_loops: i64,
    pub closed_unrated: i64,
    /// Mean rating 1–5 of the closed loops; 0 while there are none.
    pub satisfaction: f64,
}

fn share(part: i64, whole: i64) -> f64 {
    if whole <= 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// Minutes as decimal hours, two places at most (as every figure shows them).
pub fn hours(minutes: i64) -> f64 {
    (minutes as f64 / 60.0 * 100.0).round() / 100.0
}

/// The figures shown, from the stock (all rows up to the period's end),
/// the flow (the period's rows), the active volunteers and the population.
pub fn region_statistics(
    stock: &RegionFigures,
    flow: &RegionFigures,
    active_volunteers: i64,
    population: Option<i64>,
) -> RegionStatistics {
    let effective_minutes = flow.credit_minutes + flow.honor_minutes;
    RegionStatistics {
        volunteers: stock.volunteers,
        new_volunteers: flow.new_volunteers,
        population,
        population_share: population.filter(|p| *p > 0).map(|p| share(stock.volunteers, p)),
        party_member_share: share(stock.party_members, stock.volunteers),
        elderly_share: share(stock.elderly, stock.volunteers),
        rural_share: share(stock.rural, stock.volunteers),
        organizations: stock.organizations,
        projects: stock.projects,
        activities: flow.activities,
        effective_hours: hours(effective_minutes),
        credit_hours: hours(flow.credit_minutes),
        honor_hours: hours(flow.honor_minutes),
        records: flow.records,
        hours_per_volunteer: if stock.volunteers > 0 {
            hours(effective_minutes) / stock.volunteers as f64
        } else {
            0.0
        },
        active_volunteers,
        closed_loops: flow.closed_loops,
        closed_unrated: flow.closed_unrated,
        satisfaction: share(flow.rating_sum, flow.closed_loops),
    }
}

/// The codes of the region at `path` and of each region above it.
pub fn codes_on_path(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|code| !code.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::ActivityState;
    use crate::order::OrderState;
    use proptest::prelude::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    type Range<'a> = (&'a str, &'a str);

    fn keys(cover: &PeriodCover) -> (Vec<Range<'_>>, Option<Range<'_>>) {
        (
            cover.day_ranges.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect(),
            cover.months.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
        )
    }

    #[test]
    fn a_period_is_covered_by_whole_months_and_the_days_of_partial_ones() {
        let inside = cover(day("2026-03-05"), day("2026-03-20"));
        assert_eq!(keys(&inside), (vec![("2026-03-05", "2026-03-20")], None));
        let whole = cover(day("2026-03-01"), day("2026-03-31"));
        assert_eq!(keys(&whole), (vec![], Some(("2026-03", "2026-03"))));
        let across = cover(day("2026-01-15"), day("2026-04-10"));
        assert_eq!(
            keys(&across),
            (
                vec![("2026-01-15", "2026-01-31"), ("2026-04-01", "2026-04-10")],
                Some(("2026-02", "2026-03"))
            )
        );
        let two_partial = cover(day("2026-01-15"), day("2026-02-10"));
        assert_eq!(
            keys(&two_partial),
            (vec![("2026-01-15", "2026-01-31"), ("2026-02-01", "2026-02-10")], None)
        );
        assert_eq!(cover(day("2026-02-10"), day("2026-01-15")), PeriodCover::default());
    }

    proptest! {
        /// Every day of the period lies in exactly one covering range, and no other day does.
        #[test]
        fn the_cover_counts_each_day_once(start in 0i64..2000, length in 0i64..800, probe in -40i64..900) {
            let from = day("2024-01-01") + chrono::Duration::days(start);
            let to = from + chrono::Duration::days(length);
            let probe = from + chrono::Duration::days(probe);
            let cover = cover(from, to);
            let (d, m) = (day_key(probe), month_of(probe));
            let in_days = cover.day_ranges.iter().filter(|(a, b)| *a <= d && d <= *b).count();
            let in_months = cover.months.iter().filter(|(a, b)| *a <= m && m <= *b).count();
            let inside = from <= probe && probe <= to;
            prop_assert_eq!(in_days + in_months, usize::from(inside));
        }

        /// Active volunteers from the rows equal a distinct count over the months served.
        #[test]
        fn active_volunteers_are_counted_once_per_period(
            served in proptest::collection::vec(proptest::collection::btree_set(0u32..24, 0..8), 1..12),
            first in 0u32..24,
            length in 0u32..24,
        ) {
            let month = |n: u32| format!("{:04}-{:02}", 2025 + n / 12, n % 12 + 1);
            let last = (first + length).min(23);
            let mut rows: std::collections::HashMap<ActiveKey, i64> = Default::default();
            for months in &served {
                let months: Vec<String> = months.iter().map(|n| month(*n)).collect();
                for key in served_chain(&months) {
                    *rows.entry(key).or_default() += 1;
                }
            }
            let expected = served.iter().filter(|months| months.iter().any(|n| *n >= first && *n <= last)).count() as i64;
            let counted = active_volunteers(rows.iter().map(|(k, v)| (k, *v)), &month(first), &month(last));
            prop_assert_eq!(counted, expected);
        }

        /// Adding or removing one month by the change rules keeps the rows equal to the chain.
        #[test]
        fn a_month_served_or_unserved_keeps_the_chain(
            months in proptest::collection::btree_set(0u32..24, 0..10),
            changed in 0u32..24,
        ) {
            let month = |n: u32| format!("{:04}-{:02}", 2025 + n / 12, n % 12 + 1);
            let before_months: Vec<String> = months.iter().map(|n| month(*n)).collect();
            let mut rows: std::collections::HashMap<ActiveKey, i64> = Default::default();
            for key in served_chain(&before_months) {
                *rows.entry(key).or_default() += 1;
            }
            let served = !months.contains(&changed);
            let before = months.range(..changed).next_back().map(|n| month(*n));
            let after = months.range(changed + 1..).next().map(|n| month(*n));
            for (key, change) in served_month_changed(before.as_deref(), &month(changed), after.as_deref(), served) {
                *rows.entry(key).or_default() += change;
            }
            rows.retain(|_, v| *v != 0);
            let mut now = months.clone();
            if served { now.insert(changed); } else { now.remove(&changed); }
            let now_months: Vec<String> = now.iter().map(|n| month(*n)).collect();
            let mut expected: std::collections::HashMap<ActiveKey, i64> = Default::default();
            for key in served_chain(&now_months) {
                *expected.entry(key).or_default() += 1;
            }
            prop_assert_eq!(rows, expected);
        }
    }

    #[test]
    fn a_volunteer_counts_as_elderly_from_the_sixtieth_birthday() {
        let facts = VolunteerFacts {
            birth_date: day("1970-06-15"),
            party_member: true,
            rural: false,
        };
        let changes = joined(facts, day("2026-12-03"), true);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].figures.volunteers, 1);
        assert_eq!(changes[0].figures.new_volunteers, 1);
        assert_eq!(changes[0].figures.party_members, 1);
        assert_eq!(changes[0].figures.elderly, 0);
        assert_eq!(changes[1].day, day("2030-06-15"));
        assert_eq!(changes[1].figures.elderly, 1);
        // Already 60: elderly from the day they join.
        let older = VolunteerFacts {
            birth_date: day("1950-01-01"),
            ..facts
        };
        let changes = joined(older, day("2026-12-03"), false);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].figures.elderly, 1);
        assert_eq!(changes[0].figures.new_volunteers, 0);
        // Leaving takes everything away that joining gave, on the same days.
        let left = left(facts, day("2027-01-01"));
        let back = joined(facts, day("2027-01-01"), false);
        for (out, into) in left.iter().zip(&back) {
            assert_eq!(out.day, into.day);
            assert_eq!(out.figures.plus(&into.figures), RegionFigures::default());
        }
        assert_eq!(elderly_from(day("1963-02-28")), day("2023-02-28"));
    }

    #[test]
    fn a_birthday_on_29_february_turns_sixty_on_1_march_in_a_common_year() {
        assert_eq!(elderly_from(day("1964-02-29")), day("2024-02-29"));
        // 2100 is not a leap year.
        assert_eq!(elderly_from(day("2040-02-29")), day("2100-03-01"));
        assert_eq!(age_in_years(day("2040-02-29"), day("2100-02-28")), 59);
    }

    #[test]
    fn changes_reach_the_region_and_every_ancestor_by_day_and_month() {
        let rows = rows_of("36/3601/360111", day("2026-03-05"));
        assert_eq!(rows.len(), 6);
        assert!(rows.contains(&("36".into(), Span::Month, "2026-03".into())));
        assert!(rows.contains(&("360111".into(), Span::Day, "2026-03-05".into())));
    }

    #[test]
    fn activities_count_while_published_or_finished() {
        assert_eq!(activity_moved(None, ActivityState::Draft).activities, 0);
        assert_eq!(
            activity_moved(Some(ActivityState::Draft), ActivityState::Published).activities,
            1
        );
        assert_eq!(
            activity_moved(Some(ActivityState::Published), ActivityState::Finished).activities,
            0
        );
        assert_eq!(
            activity_moved(Some(ActivityState::Published), ActivityState::Cancelled).activities,
            -1
        );
        assert_eq!(activity_moved(None, ActivityState::Published).activities, 1);
    }

    #[test]
    fn rated_orders_are_closed_loops_and_unrated_ones_count_apart() {
        let rated = order_closed(OrderState::Evaluated, Some(4));
        assert_eq!((rated.closed_loops, rated.rating_sum, rated.closed_unrated), (1, 4, 0));
        let unrated = order_closed(OrderState::ClosedUnrated, None);
        assert_eq!((unrated.closed_loops, unrated.closed_unrated), (0, 1));
        assert!(order_closed(OrderState::Completed, None).is_zero());
    }

    #[test]
    fn the_loop_figures_of_a_step_agree_with_the_state_it_reaches() {
        use crate::loop_figures::step;
        use crate::order::OrderAction;
        let rated = step(
            OrderAction::Evaluate,
            OrderState::Completed,
            OrderState::Evaluated,
            30,
            Some(4),
        );
        assert_eq!(loop_moved(&rated), order_closed(OrderState::Evaluated, Some(4)));
        let unrated = step(
            OrderAction::CloseUnrated,
            OrderState::Completed,
            OrderState::ClosedUnrated,
            30,
            None,
        );
        assert_eq!(loop_moved(&unrated), order_closed(OrderState::ClosedUnrated, None));
        let accepted = step(
            OrderAction::Accept,
            OrderState::Dispatched,
            OrderState::Accepted,
            30,
            None,
        );
        assert!(loop_moved(&accepted).is_zero());
    }

    #[test]
    fn a_period_defaults_to_this_year_so_far_and_is_bounded() {
        let today = day("2026-12-03");
        assert_eq!(period(None, None, today), Ok((day("2026-01-01"), today)));
        assert_eq!(
            period(None, Some(day("2025-06-30")), today),
            Ok((day("2025-01-01"), day("2025-06-30")))
        );
        assert_eq!(
            period(Some(day("2026-03-02")), Some(day("2026-03-01")), today)
                .unwrap_err()
                .code,
            "period_invalid"
        );
        assert_eq!(
            period(Some(day("2000-01-01")), None, today).unwrap_err().code,
            "period_too_long"
        );
        assert!(period(Some(day("2017-01-01")), None, today).is_ok());
    }

    #[test]
    fn the_previous_period_ends_the_day_before_and_is_as_long() {
        assert_eq!(
            previous_period(day("2026-03-01"), day("2026-03-31")),
            (day("2026-01-29"), day("2026-02-28"))
        );
        assert_eq!(
            previous_period(day("2026-12-03"), day("2026-12-03")),
            (day("2026-12-02"), day("2026-12-02"))
        );
    }

    #[test]
    fn shown_figures_are_fractions_and_means() {
        let stock = RegionFigures {
            volunteers: 200,
            party_members: 50,
            elderly: 20,
            rural: 30,
            organizations: 3,
            ..RegionFigures::default()
        };
        let flow = RegionFigures {
            credit_minutes: 600,
            honor_minutes: 600,
            closed_loops: 2,
            rating_sum: 9,
            ..RegionFigures::default()
        };
        let shown = region_statistics(&stock, &flow, 7, Some(1000));
        assert_eq!(shown.party_member_share, 0.25);
        assert_eq!(shown.elderly_share, 0.1);
        assert_eq!(shown.rural_share, 0.15);
        assert_eq!(shown.population_share, Some(0.2));
        assert_eq!(shown.effective_hours, 20.0);
        assert_eq!(shown.hours_per_volunteer, 0.1);
        assert_eq!(shown.satisfaction, 4.5);
        let empty = region_statistics(&RegionFigures::default(), &RegionFigures::default(), 0, None);
        assert_eq!(
            (empty.party_member_share, empty.satisfaction, empty.population_share),
            (0.0, 0.0, None)
        );
    }

    #[test]
    fn series_are_daily_up_to_two_months_then_monthly() {
        let (span, keys) = series_keys(day("2026-03-01"), day("2026-03-03"));
        assert_eq!((span, keys.len()), (Span::Day, 3));
        let (span, keys) = series_keys(day("2026-01-15"), day("2026-12-31"));
        assert_eq!(span, Span::Month);
        assert_eq!(keys.first().map(String::as_str), Some("2026-01"));
        assert_eq!(keys.len(), 12);
    }
}
