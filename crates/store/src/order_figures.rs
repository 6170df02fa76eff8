//! The loop figures of the ordering loop as stored: what each step adds to
//! the figures of the order's site, its region and the organization
//! concerned (multi-row upserts, in the transaction of the step or of a batch of steps),
//! and how they are read back, for one scope or summed over a site's
//! subtree. What a step adds is the domain's (`loop_figures::step`).

use crate::bulk::add_to_figure_rows;
use crate::orders::Order;
use crate::sql::{Tx, query_as};
use crate::statistics::RollupSums;
use crate::{Result, Store, subtree_bounds};
use std::collections::BTreeMap;
use zhiyuan_domain::loop_figures::{FiguresDelta, FiguresScope, LoopFigures};
use zhiyuan_domain::statistics;
use zhiyuan_domain::time::{china_date, from_epoch_ms};

impl Store {
    /// The loop figures of a site, region or organization: one China day's
    /// (`day` as `YYYY-MM-DD`) or, with `""`, all time (sites and
    /// organizations).
    pub async fn loop_figures(&self, scope: FiguresScope, key: &str, day: &str) -> Result<LoopFigures> {
        let mut conn = self.reader().await?;
        figures_in(&mut conn, scope, key, day).await
    }

    /// The all-time loop figures of every site at or below `region_path`,
    /// summed: what a center's dispatch board shows for its county.
    pub async fn sites_figures_within(&self, region_path: &str) -> Result<LoopFigures> {
        let sums: Vec<String> = FiguresDelta::names()
            .iter()
            .map(|name| format!("COALESCE(CAST(SUM(f.{name}) AS BIGINT), 0)"))
            .collect();
        let (low, high) = subtree_bounds(region_path);
        let sql = format!(
            "SELECT {} FROM order_figures f JOIN sites s ON f.scope_key = CAST(s.id AS TEXT) \
             WHERE f.scope = $1 AND f.day = '' AND (s.region_path = $2 OR (s.region_path >= $3 AND s.region_path < $4))",
            sums.join(", ")
        );
        let mut conn = self.reader().await?;
        let row = query_as::<FigureRow>(sqlx::AssertSqlSafe(sql))
            .bind(FiguresScope::Site.as_str())
            .bind(region_path)
            .bind(low)
            .bind(high)
            .fetch_optional(&mut conn)
            .await?;
        Ok(LoopFigures {
            totals: row.map_or_else(FiguresDelta::default, |r| FiguresDelta::from_values(&r.0)),
        })
    }
}

fn day_of(now: i64) -> String {
    china_date(from_epoch_ms(now)).to_string()
}

/// What the steps of a transaction add to the figures, summed per figure
/// row (site, region and organization, each for the day and for all time)
/// and written at once ([`FigureSums::write`]): one multi-row upsert per
/// few hundred rows, in the order of the rows' keys, so that two writers
/// lock shared rows in the same order.
#[derive(Debug, Default)]
pub(crate) struct FigureSums {
    sums: BTreeMap<FigureRowKey, FiguresDelta>,
    /// The closed loops and ratings, for the statistics of the order's region.
    regions: RollupSums,
}

impl FigureSums {
    /// Adds what a step on `order` adds for the organization it concerns,
    /// on the China day of `now`.
    pub(crate) fn add(&mut self, order: &Order, organization: Option<i64>, delta: &FiguresDelta, now: i64) {
        for target in targets(order.site_id, &order.region_code, organization, &day_of(now)) {
            let sum = self.sums.entry(target).or_default();
            *sum = sum.plus(delta);
        }
        let (day, moved) = (crate::statistics::day_of(now), statistics::loop_moved(delta));
        self.regions.add(&order.region_path, day, &moved);
        if let Some(organization_id) = organization {
            self.regions.add_for_organization(organization_id, day, &moved);
        }
    }

    /// The statistics rollups of the batch (its delivery activities add
    /// to them too), written with the figures.
    pub(crate) fn rollups(&mut self) -> &mut RollupSums {
        &mut self.regions
    }

    /// Writes the loop figures, then the region figures (every writer
    /// locks the two tables in this order).
    pub(crate) async fn write(self, tx: &mut Tx<'_>) -> Result<()> {
        upsert(tx, self.sums).await?;
        self.regions.write(tx).await
    }
}

/// Adds the minutes of a record whose totals changed by
/// `served_minutes` to the figures of the order its activity serves, if
/// it serves one, for the day it was served (`service_day`).
pub(crate) async fn add_served_minutes(
    tx: &mut Tx<'_>,
    activity_id: i64,
    served_minutes: i64,
    service_day: &str,
) -> Result<()> {
    if served_minutes == 0 {
        return Ok(());
    }
    let order: Option<(i64, String, Option<i64>)> =
        query_as("SELECT site_id, region_code, organization_id FROM orders WHERE activity_id = $1 ORDER BY id LIMIT 1")
            .bind(activity_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((site_id, region_code, organization)) = order else {
        return Ok(());
    };
    let delta = FiguresDelta {
        served_minutes,
        ..FiguresDelta::default()
    };
    let sums = targets(site_id, &region_code, organization, service_day)
        .into_iter()
        .map(|target| (target, delta))
        .collect();
    upsert(tx, sums).await
}

/// A stored row of figures: scope, key and day (`""` for all time).
type FigureRowKey = (&'static str, String, String);

/// The figure rows a change on `day` adds to.
fn targets(site_id: i64, region_code: &str, organization: Option<i64>, day: &str) -> Vec<FigureRowKey> {
    let site = site_id.to_string();
    let mut targets = vec![
        (FiguresScope::Site.as_str(), site.clone(), day.to_string()),
        (FiguresScope::Site.as_str(), site, String::new()),
        (FiguresScope::Region.as_str(), region_code.to_string(), day.to_string()),
        (FiguresScope::Region.as_str(), region_code.to_string(), String::new()),
    ];
    if let Some(id) = organization {
        targets.push((FiguresScope::Organization.as_str(), id.to_string(), day.to_string()));
        targets.push((FiguresScope::Organization.as_str(), id.to_string(), String::new()));
    }
    targets
}

/// Adds each row's sum to the stored figures (`bulk::add_to_figure_rows`).
async fn upsert(tx: &mut Tx<'_>, sums: BTreeMap<FigureRowKey, FiguresDelta>) -> Result<()> {
    let names = FiguresDelta::names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let rows = sums
        .into_iter()
        .map(|((scope, key, day), sum)| ([scope.into(), key.into(), day.into()], sum.values()))
        .collect();
    add_to_figure_rows(tx, "order_figures", ["scope", "scope_key", "day"], &names, rows).await
}

async fn figures_in(
    conn: &mut (impl crate::sql::Connection + ?Sized),
    scope: FiguresScope,
    key: &str,
    day: &str,
) -> Result<LoopFigures> {
    let sql = format!(
        "SELECT {} FROM order_figures WHERE scope = $1 AND scope_key = $2 AND day = $3",
        FiguresDelta::names().join(", ")
    );
    let row = query_as::<FigureRow>(sqlx::AssertSqlSafe(sql))
        .bind(scope.as_str())
        .bind(key)
        .bind(day)
        .fetch_optional(conn)
        .await?;
    Ok(LoopFigures {
        totals: row.map_or_else(FiguresDelta::default, |r| FiguresDelta::from_values(&r.0)),
    })
}

/// A row of figure columns, in the order of `FiguresDelta::names`.
struct FigureRow(Vec<i64>);

impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for FigureRow
where
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> std::result::Result<Self, sqlx::Error> {
        (0..row.len())
            .map(|i| row.try_get::<i64, _>(i))
            .collect::<std::result::Result<_, _>>()
            .map(FigureRow)
    }
}
