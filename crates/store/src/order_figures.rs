//! The loop figures of the ordering loop as stored: what each step adds to
//! the figures of the order's site, its region and the organization
//! concerned (one multi-row upsert per step, in the step's transaction),
//! and how they are read back, for one scope or summed over a site's
//! subtree. What a step adds is the domain's (`loop_figures::step`).

use crate::orders::Order;
use crate::sql::{Tx, query, query_as};
use crate::{Result, Store, subtree_bounds, values_sql};
use zhiyuan_domain::loop_figures::{FiguresDelta, FiguresScope, LoopFigures};
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

/// Adds a step's delta to the figures of the order's site, its region and
/// the organization concerned, each for the day and for all time.
pub(crate) async fn add_figures(
    tx: &mut Tx<'_>,
    order: &Order,
    organization: Option<i64>,
    delta: FiguresDelta,
    now: i64,
) -> Result<()> {
    add_to(tx, order.site_id, &order.region_code, organization, delta, &day_of(now)).await
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
    add_to(tx, site_id, &region_code, organization, delta, service_day).await
}

async fn add_to(
    tx: &mut Tx<'_>,
    site_id: i64,
    region_code: &str,
    organization: Option<i64>,
    delta: FiguresDelta,
    day: &str,
) -> Result<()> {
    if delta == FiguresDelta::default() {
        return Ok(());
    }
    let (site, day) = (site_id.to_string(), day.to_string());
    let mut targets = vec![
        (FiguresScope::Site, site.clone(), day.clone()),
        (FiguresScope::Site, site, String::new()),
        (FiguresScope::Region, region_code.to_string(), day.clone()),
        (FiguresScope::Region, region_code.to_string(), String::new()),
    ];
    if let Some(id) = organization {
        targets.push((FiguresScope::Organization, id.to_string(), day));
        targets.push((FiguresScope::Organization, id.to_string(), String::new()));
    }
    // Only the figures the step changes, for every target in one statement.
    let changed: Vec<(String, i64)> = FiguresDelta::names()
        .into_iter()
        .zip(delta.values())
        .filter(|(_, value)| *value != 0)
        .collect();
    let names: Vec<&str> = changed.iter().map(|(name, _)| name.as_str()).collect();
    let updates: Vec<String> = names
        .iter()
        .map(|name| format!("{name} = order_figures.{name} + excluded.{name}"))
        .collect();
    let sql = values_sql(
        tx.placeholders(),
        &format!(
            "INSERT INTO order_figures (scope, scope_key, day, {}) VALUES ",
            names.join(", ")
        ),
        3 + names.len(),
        targets.len(),
        &format!(
            " ON CONFLICT (scope, scope_key, day) DO UPDATE SET {}",
            updates.join(", ")
        ),
    );
    let mut statement = query(sqlx::AssertSqlSafe(sql));
    for (scope, key, day) in targets {
        statement = statement.bind(scope.as_str()).bind(key).bind(day);
        for (_, value) in &changed {
            statement = statement.bind(*value);
        }
    }
    statement.execute(&mut *tx).await?;
    Ok(())
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
