//! Daily rankings (天天比) as rules: what may be ranked (regions, sites and
//! organizations, never people), on which figures, over which period (the
//! year to the day), how ranks are drawn (ties share a rank) and how a
//! day's table compares with the day before.

use crate::RuleError;
use crate::region::RegionLevel;
use crate::statistics::RegionStatistics;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

string_enum!(
    /// What is ranked.
    RankLevel, "ranking_level_invalid", {
        County = "county",
        Township = "township",
        Site = "site",
        Organization = "organization",
    }
);

string_enum!(
    /// The figure a ranking compares.
    RankMetric, "ranking_metric_invalid", {
        Hours = "hours",
        HoursPerVolunteer = "hours_per_volunteer",
        ActiveVolunteers = "active_volunteers",
        Activities = "activities",
        Loops = "loops",
        Satisfaction = "satisfaction",
    }
);

/// Words that ask for a ranking of people, which the platform never draws
/// (rankings are "never compulsory for individuals").
const PEOPLE: &[&str] = &[
    "volunteer",
    "volunteers",
    "person",
    "people",
    "individual",
    "user",
    "resident",
];

/// The level a reader asks for: people are refused with their own code.
pub fn parse_level(raw: &str) -> Result<RankLevel, RuleError> {
    let raw = raw.trim();
    if PEOPLE.contains(&raw.to_ascii_lowercase().as_str()) {
        return Err(RuleError::new(
            "ranking_of_people_refused",
            "rankings compare regions, sites and organizations, never people",
        )
        .on("level"));
    }
    RankLevel::parse(raw).map_err(|error| error.on("level"))
}

/// The metric a reader asks for, if the level has it: organizations have
/// no residents, so no active volunteers or hours per volunteer.
pub fn parse_metric(raw: &str, level: RankLevel) -> Result<RankMetric, RuleError> {
    let metric = RankMetric::parse(raw).map_err(|error| error.on("metric"))?;
    let per_resident = matches!(metric, RankMetric::HoursPerVolunteer | RankMetric::ActiveVolunteers);
    if level == RankLevel::Organization && per_resident {
        return Err(RuleError::new(
            "ranking_metric_unavailable",
            "organizations are ranked on hours, activities, loops or satisfaction",
        )
        .on("metric"));
    }
    Ok(metric)
}

/// What a region's dashboard ranks: the level below it that has rankings
/// (counties for a province or a city, townships for a county, sites below).
pub fn level_below(region: RegionLevel) -> RankLevel {
    match region {
        RegionLevel::Province | RegionLevel::City => RankLevel::County,
        RegionLevel::County => RankLevel::Township,
        _ => RankLevel::Site,
    }
}

/// The period a day's ranking covers: its year up to and including it.
pub fn period_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    (NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day), day)
}

/// The days a ranking snapshot is kept for.
pub const SNAPSHOT_KEEP_DAYS: i64 = 400;

/// The values of one candidate on one day, for every metric.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MetricValues {
    pub hours: f64,
    pub hours_per_volunteer: f64,
    pub active_volunteers: f64,
    pub activities: f64,
    pub loops: f64,
    pub satisfaction: f64,
}

impl MetricValues {
    pub fn of(figures: &RegionStatistics) -> MetricValues {
        MetricValues {
            hours: figures.effective_hours,
            hours_per_volunteer: (figures.hours_per_volunteer * 100.0).round() / 100.0,
            active_volunteers: figures.active_volunteers as f64,
            activities: figures.activities as f64,
            loops: figures.closed_loops as f64,
            satisfaction: (figures.satisfaction * 100.0).round() / 100.0,
        }
    }

    pub fn get(&self, metric: RankMetric) -> f64 {
        match metric {
            RankMetric::Hours => self.hours,
            RankMetric::HoursPerVolunteer => self.hours_per_volunteer,
            RankMetric::ActiveVolunteers => self.active_volunteers,
            RankMetric::Activities => self.activities,
            RankMetric::Loops => self.loops,
            RankMetric::Satisfaction => self.satisfaction,
        }
    }
}

/// One row of a ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub rank: u32,
    pub key: String,
    pub name: String,
    pub value: f64,
    /// The value's change since the day before (none: not ranked then).
    pub change: Option<f64>,
    /// Places gained since the day before (negative: lost).
    pub rank_change: Option<i64>,
}

/// Ranks `(key, name, value)` candidates: highest value first, ties share
/// the rank and the next rank skips (1, 2, 2, 4), ties listed by key.
pub fn rank(candidates: Vec<(String, String, f64)>) -> Vec<Ranked> {
    let mut sorted = candidates;
    sorted.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let mut ranked: Vec<Ranked> = Vec::with_capacity(sorted.len());
    for (position, (key, name, value)) in sorted.into_iter().enumerate() {
        let rank = match ranked.last() {
            Some(before) if before.value == value => before.rank,
            _ => u32::try_from(position + 1).unwrap_or(u32::MAX),
        };
        ranked.push(Ranked {
            rank,
            key,
            name,
            value,
            change: None,
            rank_change: None,
        });
    }
    ranked
}

/// Today's ranking with each row's change against yesterday's ranking.
pub fn with_changes(today: Vec<Ranked>, yesterday: &[Ranked]) -> Vec<Ranked> {
    let before: std::collections::HashMap<&str, &Ranked> = yesterday.iter().map(|r| (r.key.as_str(), r)).collect();
    today
        .into_iter()
        .map(|row| {
            let then = before.get(row.key.as_str());
            Ranked {
                change: then.map(|then| ((row.value - then.value) * 100.0).round() / 100.0),
                rank_change: then.map(|then| i64::from(then.rank) - i64::from(row.rank)),
                ..row
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(values: &[(&str, f64)]) -> Vec<(String, String, f64)> {
        values
            .iter()
            .map(|(k, v)| (k.to_string(), format!("名{k}"), *v))
            .collect()
    }

    #[test]
    fn people_are_never_ranked() {
        for word in ["volunteer", "Volunteers", "person", "individual"] {
            assert_eq!(
                parse_level(word).unwrap_err().code,
                "ranking_of_people_refused",
                "{word}"
            );
        }
        assert_eq!(parse_level("county"), Ok(RankLevel::County));
        assert_eq!(parse_level("planet").unwrap_err().code, "ranking_level_invalid");
    }

    #[test]
    fn organizations_have_no_per_resident_metrics() {
        assert_eq!(
            parse_metric("active_volunteers", RankLevel::Organization)
                .unwrap_err()
                .code,
            "ranking_metric_unavailable"
        );
        assert_eq!(parse_metric("loops", RankLevel::Organization), Ok(RankMetric::Loops));
        assert_eq!(
            parse_metric("hours_per_volunteer", RankLevel::Township),
            Ok(RankMetric::HoursPerVolunteer)
        );
        assert_eq!(
            parse_metric("fame", RankLevel::County).unwrap_err().code,
            "ranking_metric_invalid"
        );
    }

    #[test]
    fn ties_share_a_rank_and_the_next_rank_skips() {
        let ranked = rank(candidates(&[("b", 5.0), ("a", 9.0), ("c", 5.0), ("d", 1.0)]));
        let ranks: Vec<(u32, &str)> = ranked.iter().map(|r| (r.rank, r.key.as_str())).collect();
        assert_eq!(ranks, [(1, "a"), (2, "b"), (2, "c"), (4, "d")]);
    }

    #[test]
    fn changes_compare_with_the_day_before() {
        let yesterday = rank(candidates(&[("a", 9.0), ("b", 5.0), ("c", 4.0)]));
        let today = rank(candidates(&[("a", 9.5), ("b", 12.0), ("c", 4.0), ("new", 1.0)]));
        let rows = with_changes(today, &yesterday);
        let b = rows.iter().find(|r| r.key == "b").unwrap();
        assert_eq!((b.rank, b.change, b.rank_change), (1, Some(7.0), Some(1)));
        let a = rows.iter().find(|r| r.key == "a").unwrap();
        assert_eq!((a.rank, a.change, a.rank_change), (2, Some(0.5), Some(-1)));
        let new = rows.iter().find(|r| r.key == "new").unwrap();
        assert_eq!((new.change, new.rank_change), (None, None));
    }

    #[test]
    fn a_dashboard_ranks_the_level_below() {
        assert_eq!(level_below(RegionLevel::Province), RankLevel::County);
        assert_eq!(level_below(RegionLevel::City), RankLevel::County);
        assert_eq!(level_below(RegionLevel::County), RankLevel::Township);
        assert_eq!(level_below(RegionLevel::Township), RankLevel::Site);
    }

    #[test]
    fn a_day_is_ranked_on_its_year_so_far() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(period_of(day), (NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(), day));
    }
}
