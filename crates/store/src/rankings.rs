//! The candidates of the daily rankings (天天比) with their values on a
//! day, from the rollups (regions and sites from `region_figures`,
//! organizations from `organization_figures`), and the stored snapshots:
//! each day and level written once, whichever process gets there first.
//! How candidates are ranked is the domain's (`zhiyuan_domain::ranking`).

use crate::bulk::BulkInsert;
use crate::sql::{query, query_as};
use crate::statistics::{Binds, Owners, organization_sums, statistics_of, within_path};
use crate::{Result, Store};
use chrono::NaiveDate;
use zhiyuan_domain::ranking::{MetricValues, RankLevel, period_of};
use zhiyuan_domain::region::RegionLevel;
use zhiyuan_domain::statistics::{RegionFigures, cover, day_key, region_statistics};

/// Candidate regions read by listing their codes; more are chosen by
/// level and path in the statement.
const LISTED_REGIONS: usize = 400;

/// One ranked thing with its values on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Region code, site id or organization id.
    pub key: String,
    pub name: String,
    pub region_path: String,
    pub values: MetricValues,
}

impl Store {
    /// Every candidate of `level` at or under `within_path_of` (none: all),
    /// with its values year to date on `day`.
    pub async fn ranking_candidates(
        &self,
        level: RankLevel,
        within_path_of: Option<&str>,
        day: NaiveDate,
    ) -> Result<Vec<Candidate>> {
        let (from, to) = period_of(day);
        let placeholders = self.placeholders();
        let mut conn = self.reader().await?;
        // (key, name, path, owner of its figures: region code or organization id) of each candidate.
        let mut binds = Binds::new(placeholders);
        let sql = match level {
            RankLevel::County | RankLevel::Township => {
                let region_level = if level == RankLevel::County {
                    RegionLevel::County
                } else {
                    RegionLevel::Township
                };
                let region_level = binds.push(region_level.as_str());
                let path = within_path("path", within_path_of, &mut binds);
                format!("SELECT code, name, path, code FROM regions WHERE level = {region_level}{path} ORDER BY code")
            }
            RankLevel::Site => {
                let path = within_path("region_path", within_path_of, &mut binds);
                format!(
                    "SELECT CAST(id AS TEXT), name, region_path, region_code FROM sites WHERE 1 = 1{path} ORDER BY id"
                )
            }
            RankLevel::Organization => {
                let path = within_path("region_path", within_path_of, &mut binds);
                format!(
                    "SELECT CAST(id AS TEXT), name, region_path, CAST(id AS TEXT) FROM organizations \
                     WHERE verified_at IS NOT NULL{path} ORDER BY id"
                )
            }
        };
        let mut statement = query_as::<(String, String, String, String)>(sqlx::AssertSqlSafe(sql));
        for value in &binds.values {
            statement = statement.bind(value.as_str());
        }
        let listed = statement.fetch_all(&mut conn).await?;
        // A few hundred regions are listed (a seek per region on both
        // backends); more are chosen in the statement, which a province's
        // townships need (one statement instead of one per few hundred).
        let mut codes: Vec<&str> = listed.iter().map(|(.., owner)| owner.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        let owners = match level {
            RankLevel::Organization => Owners::VerifiedOrganizations { within: within_path_of },
            _ if codes.len() <= LISTED_REGIONS => Owners::Regions(&codes),
            RankLevel::County => Owners::RegionsAtLevel {
                level: RegionLevel::County.as_str(),
                within: within_path_of,
            },
            RankLevel::Township => Owners::RegionsAtLevel {
                level: RegionLevel::Township.as_str(),
                within: within_path_of,
            },
            RankLevel::Site => Owners::SiteRegions { within: within_path_of },
        };
        let none = RegionFigures::default();
        let values_of: std::collections::HashMap<String, MetricValues> = if level == RankLevel::Organization {
            organization_sums(&mut conn, placeholders, owners, &cover(from, to))
                .await?
                .into_iter()
                .map(|(id, flow)| {
                    (
                        id.to_string(),
                        MetricValues::of(&region_statistics(&none, &flow, 0, None)),
                    )
                })
                .collect()
        } else {
            statistics_of(&mut conn, placeholders, owners, &Default::default(), from, to)
                .await?
                .into_iter()
                .map(|(code, figures)| (code, MetricValues::of(&figures)))
                .collect()
        };
        Ok(listed
            .into_iter()
            .map(|(key, name, region_path, owner)| Candidate {
                values: values_of.get(&owner).copied().unwrap_or_default(),
                key,
                name,
                region_path,
            })
            .collect())
    }

    /// The stored snapshot of `day` and `level`, its candidates at or under
    /// the path `within`; `None` when that day and level was not written yet.
    pub async fn ranking_snapshot(
        &self,
        day: NaiveDate,
        level: RankLevel,
        within: &str,
    ) -> Result<Option<Vec<Candidate>>> {
        let mut conn = self.reader().await?;
        let written: Option<(i64,)> = query_as("SELECT candidates FROM ranking_days WHERE day = $1 AND level = $2")
            .bind(day_key(day))
            .bind(level.as_str())
            .fetch_optional(&mut conn)
            .await?;
        if written.is_none() {
            return Ok(None);
        }
        let mut binds = Binds::new(self.placeholders());
        let (day, level) = (binds.push(&day_key(day)), binds.push(level.as_str()));
        let path = within_path("region_path", Some(within), &mut binds);
        let sql = format!(
            "SELECT candidate, name, region_path, hours, hours_per_volunteer, active_volunteers, activities, \
             closed_loops, satisfaction FROM ranking_snapshots WHERE day = {day} AND level = {level}{path}"
        );
        let mut statement = query_as::<SnapshotRow>(sqlx::AssertSqlSafe(sql));
        for value in &binds.values {
            statement = statement.bind(value.as_str());
        }
        let rows = statement.fetch_all(&mut conn).await?;
        Ok(Some(rows.into_iter().map(Candidate::from).collect()))
    }

    /// Stores the snapshot of `day` and `level` unless it is stored already
    /// (by this process or another): whether this call wrote it. The day's
    /// marker row goes first, so a second writer waits for the first and
    /// then finds it.
    pub async fn save_ranking_snapshot(
        &self,
        day: NaiveDate,
        level: RankLevel,
        candidates: &[Candidate],
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.transaction().await?;
        let marked = query(
            "INSERT INTO ranking_days (day, level, written_at, candidates) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (day, level) DO NOTHING",
        )
        .bind(day_key(day))
        .bind(level.as_str())
        .bind(now)
        .bind(candidates.len() as i64)
        .execute(&mut tx)
        .await?;
        if marked.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        let (day, level) = (day_key(day), level.as_str());
        tx.insert_rows(
            "ranking_snapshots",
            &[
                "day",
                "level",
                "candidate",
                "region_path",
                "name",
                "hours",
                "hours_per_volunteer",
                "active_volunteers",
                "activities",
                "closed_loops",
                "satisfaction",
            ],
            candidates,
            |candidate| {
                let values = &candidate.values;
                [
                    day.as_str().into(),
                    level.into(),
                    candidate.key.as_str().into(),
                    candidate.region_path.as_str().into(),
                    candidate.name.as_str().into(),
                    values.hours.into(),
                    values.hours_per_volunteer.into(),
                    values.active_volunteers.into(),
                    values.activities.into(),
                    values.loops.into(),
                    values.satisfaction.into(),
                ]
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Whether the snapshot of `day` and `level` is stored.
    pub async fn ranking_day_written(&self, day: NaiveDate, level: RankLevel) -> Result<bool> {
        let mut conn = self.reader().await?;
        let written: Option<(i64,)> = query_as("SELECT candidates FROM ranking_days WHERE day = $1 AND level = $2")
            .bind(day_key(day))
            .bind(level.as_str())
            .fetch_optional(&mut conn)
            .await?;
        Ok(written.is_some())
    }

    /// Deletes the snapshots of the days before `day`: how many rows went.
    pub async fn forget_rankings_before(&self, day: NaiveDate) -> Result<u64> {
        let mut tx = self.transaction().await?;
        let gone = query("DELETE FROM ranking_snapshots WHERE day < $1")
            .bind(day_key(day))
            .execute(&mut tx)
            .await?
            .rows_affected();
        query("DELETE FROM ranking_days WHERE day < $1")
            .bind(day_key(day))
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(gone)
    }
}

/// A stored snapshot row.
#[derive(sqlx::FromRow)]
struct SnapshotRow {
    candidate: String,
    name: String,
    region_path: String,
    hours: f64,
    hours_per_volunteer: f64,
    active_volunteers: f64,
    activities: f64,
    closed_loops: f64,
    satisfaction: f64,
}

impl From<SnapshotRow> for Candidate {
    fn from(row: SnapshotRow) -> Self {
        Candidate {
            key: row.candidate,
            name: row.name,
            region_path: row.region_path,
            values: MetricValues {
                hours: row.hours,
                hours_per_volunteer: row.hours_per_volunteer,
                active_volunteers: row.active_volunteers,
                activities: row.activities,
                loops: row.closed_loops,
                satisfaction: row.satisfaction,
            },
        }
    }
}
