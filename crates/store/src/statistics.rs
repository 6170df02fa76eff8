//! The home of every rollup: the figures kept per organization and per
//! region (and each region above it) by day and by month, in the same
//! transaction as the write that changes them ([`RollupSums`]), how they
//! are read for a region and its children over a period, and how they are
//! recomputed from the raw rows (`zhiyuan rollups rebuild`). What each fact
//! adds is the domain's (`zhiyuan_domain::statistics`); the minutes served
//! through an order also go to the loop figures (`order_figures`).

use crate::bulk::add_to_figure_rows;
use crate::records::ServiceRecord;
use crate::regions::Region;
use crate::sql::Reader;
use crate::sql::{Tx, query, query_as, query_scalar};
use crate::{Placeholders, Result, Store, StoreError, rows_per_statement, values_sql};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};
use zhiyuan_domain::record::TotalsDelta;
use zhiyuan_domain::site::DesignationFilter;
use zhiyuan_domain::statistics::{
    ActiveKey, Dated, PeriodCover, RegionFigures, RegionStatistics, Span, VolunteerFacts, rows_of,
};
use zhiyuan_domain::time::{china_date, from_epoch_ms};

/// The China day of an instant in epoch milliseconds.
pub(crate) fn day_of(at: i64) -> NaiveDate {
    china_date(from_epoch_ms(at))
}

/// A stored day (`YYYY-MM-DD`) as a date.
pub(crate) fn parse_day(day: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
        StoreError::Rule(zhiyuan_domain::RuleError::new(
            "day_invalid",
            format!("not a day: {day:?}"),
        ))
    })
}

/// The key of a stored row of region figures.
pub(crate) type FiguresKey = (String, Span, String);
/// The key of a stored row of active volunteers: region, month, previous month (`""`: none).
pub(crate) type ActiveRowKey = (String, String, String);

/// What the writes of one transaction add to the region figures and to
/// the active-volunteer rows, summed per row and written at once
/// ([`RollupSums::write`]), in the order of the rows' keys, so that two
/// writers lock shared rows (a province's day row) in the same order.
#[derive(Debug, Default)]
pub(crate) struct RollupSums {
    pub(crate) figures: BTreeMap<FiguresKey, RegionFigures>,
    pub(crate) active: BTreeMap<ActiveRowKey, i64>,
    pub(crate) organizations: BTreeMap<OrganizationFiguresKey, RegionFigures>,
}

/// The key of a stored row of organization figures.
pub(crate) type OrganizationFiguresKey = (i64, Span, String);

impl RollupSums {
    /// Adds `figures` on `day` to the region at `region_path` and each region above it.
    pub(crate) fn add(&mut self, region_path: &str, day: NaiveDate, figures: &RegionFigures) {
        if figures.is_zero() {
            return;
        }
        for key in rows_of(region_path, day) {
            let sum = self.figures.entry(key).or_default();
            *sum = sum.plus(figures);
        }
    }

    /// Adds `figures` on `day` to the organization's day and month rows.
    pub(crate) fn add_for_organization(&mut self, organization_id: i64, day: NaiveDate, figures: &RegionFigures) {
        if figures.is_zero() {
            return;
        }
        for (span, period) in [
            (Span::Day, zhiyuan_domain::statistics::day_key(day)),
            (Span::Month, zhiyuan_domain::statistics::month_of(day)),
        ] {
            let sum = self.organizations.entry((organization_id, span, period)).or_default();
            *sum = sum.plus(figures);
        }
    }

    /// Adds each dated change to the region at `region_path`.
    pub(crate) fn add_dated(&mut self, region_path: &str, changes: &[Dated]) {
        for change in changes {
            self.add(region_path, change.day, &change.figures);
        }
    }

    /// Adds `volunteers` to an active row of the home region at `region_path` and each region above it.
    pub(crate) fn add_active(&mut self, region_path: &str, key: &ActiveKey, volunteers: i64) {
        for code in zhiyuan_domain::statistics::codes_on_path(region_path) {
            *self
                .active
                .entry((
                    code.to_string(),
                    key.month.clone(),
                    key.previous.clone().unwrap_or_default(),
                ))
                .or_default() += volunteers;
        }
    }

    /// Adds the sums to the stored rows, creating rows as needed.
    pub(crate) async fn write(self, tx: &mut Tx<'_>) -> Result<()> {
        let regions = self
            .figures
            .into_iter()
            .map(|((code, span, period), sum)| ([code.into(), span.as_str().into(), period.into()], sum.values()))
            .collect();
        add_to_figure_rows(
            tx,
            "region_figures",
            ["region_code", "span", "period"],
            RegionFigures::NAMES,
            regions,
        )
        .await?;
        let organizations = self
            .organizations
            .into_iter()
            .map(|((id, span, period), sum)| ([id.into(), span.as_str().into(), period.into()], sum.values()))
            .collect();
        add_to_figure_rows(
            tx,
            "organization_figures",
            ["organization_id", "span", "period"],
            RegionFigures::NAMES,
            organizations,
        )
        .await?;
        write_active(tx, self.active).await
    }
}

async fn write_active(tx: &mut Tx<'_>, sums: BTreeMap<ActiveRowKey, i64>) -> Result<()> {
    let rows: Vec<(ActiveRowKey, i64)> = sums.into_iter().filter(|(_, n)| *n != 0).collect();
    for chunk in rows.chunks(rows_per_statement(4)) {
        let sql = values_sql(
            tx.placeholders(),
            "INSERT INTO active_months (region_code, month, previous_month, volunteers) VALUES ",
            4,
            chunk.len(),
            " ON CONFLICT (region_code, month, previous_month) DO UPDATE SET \
             volunteers = active_months.volunteers + excluded.volunteers",
        );
        let mut statement = query(sqlx::AssertSqlSafe(sql));
        for ((code, month, previous), volunteers) in chunk {
            statement = statement
                .bind(code.as_str())
                .bind(month.as_str())
                .bind(previous.as_str())
                .bind(*volunteers);
        }
        statement.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Moves the organization's totals, the figures of the place the record
/// was served in and its volunteer's months of service by `delta`, inside
/// the transaction that changed the record.
pub(crate) async fn add_to_rollups(tx: &mut Tx<'_>, record: &ServiceRecord, delta: &TotalsDelta) -> Result<()> {
    query(
        "INSERT INTO organization_totals (organization_id, credit_minutes, honor_minutes, records) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (organization_id) DO UPDATE SET \
         credit_minutes = organization_totals.credit_minutes + excluded.credit_minutes, \
         honor_minutes = organization_totals.honor_minutes + excluded.honor_minutes, \
         records = organization_totals.records + excluded.records",
    )
    .bind(record.organization_id)
    .bind(delta.credit_minutes)
    .bind(delta.honor_minutes)
    .bind(delta.records)
    .execute(&mut *tx)
    .await?;
    // Hours served through an order count for its loop figures too; they
    // are written before the region figures, the order every writer of
    // both keeps (`FigureSums::write`).
    crate::order_figures::add_served_minutes(
        tx,
        record.activity_id,
        delta.credit_minutes + delta.honor_minutes,
        &record.service_day,
    )
    .await?;
    let service_day = parse_day(&record.service_day)?;
    let mut sums = RollupSums::default();
    let figures = zhiyuan_domain::statistics::record_changed(delta);
    sums.add(&record.region_path, service_day, &figures);
    sums.add_for_organization(record.organization_id, service_day, &figures);
    if delta.records != 0 {
        count_served_month(tx, record.volunteer_id, service_day, delta.records, &mut sums).await?;
    }
    sums.write(tx).await
}

/// Moves the volunteer's count of effective records in the month of
/// `service_day` by `change`; when the month becomes or stops being a
/// month of service, the active rows of their home region follow.
async fn count_served_month(
    tx: &mut Tx<'_>,
    volunteer_id: i64,
    service_day: NaiveDate,
    change: i64,
    sums: &mut RollupSums,
) -> Result<()> {
    let month = zhiyuan_domain::statistics::month_of(service_day);
    let after: i64 = query_scalar(
        "INSERT INTO volunteer_months (volunteer_id, month, records) VALUES ($1, $2, $3) \
         ON CONFLICT (volunteer_id, month) DO UPDATE SET records = volunteer_months.records + excluded.records \
         RETURNING records",
    )
    .bind(volunteer_id)
    .bind(month.as_str())
    .bind(change)
    .fetch_one(&mut *tx)
    .await?;
    if after == 0 {
        query("DELETE FROM volunteer_months WHERE volunteer_id = $1 AND month = $2")
            .bind(volunteer_id)
            .bind(month.as_str())
            .execute(&mut *tx)
            .await?;
    }
    let (served_before, served_now) = (after - change != 0, after != 0);
    if served_before == served_now {
        return Ok(());
    }
    let before: Option<String> =
        query_scalar("SELECT MAX(month) FROM volunteer_months WHERE volunteer_id = $1 AND month < $2")
            .bind(volunteer_id)
            .bind(month.as_str())
            .fetch_one(&mut *tx)
            .await?;
    let next: Option<String> =
        query_scalar("SELECT MIN(month) FROM volunteer_months WHERE volunteer_id = $1 AND month > $2")
            .bind(volunteer_id)
            .bind(month.as_str())
            .fetch_one(&mut *tx)
            .await?;
    let home: String = query_scalar("SELECT region_path FROM volunteers WHERE id = $1")
        .bind(volunteer_id)
        .fetch_one(&mut *tx)
        .await?;
    for (key, volunteers) in
        zhiyuan_domain::statistics::served_month_changed(before.as_deref(), &month, next.as_deref(), served_now)
    {
        sums.add_active(&home, &key, volunteers);
    }
    Ok(())
}

/// Moves a volunteer's figures from the home at `from_path` to the one at
/// `to_path` on `day`: what they count for (`left`, `joined`) and their
/// months of service.
pub(crate) async fn move_volunteer(
    tx: &mut Tx<'_>,
    volunteer_id: i64,
    (from_path, from_facts): (&str, VolunteerFacts),
    (to_path, to_facts): (&str, VolunteerFacts),
    day: NaiveDate,
) -> Result<()> {
    let mut sums = RollupSums::default();
    sums.add_dated(from_path, &zhiyuan_domain::statistics::left(from_facts, day));
    sums.add_dated(to_path, &zhiyuan_domain::statistics::joined(to_facts, day, false));
    let months: Vec<String> = query_scalar("SELECT month FROM volunteer_months WHERE volunteer_id = $1")
        .bind(volunteer_id)
        .fetch_all(&mut *tx)
        .await?;
    for key in zhiyuan_domain::statistics::served_chain(&months) {
        sums.add_active(from_path, &key, -1);
        sums.add_active(to_path, &key, 1);
    }
    sums.write(tx).await
}

/// One region's figures for a period, with the figures of each child
/// region and a series by day or month.
#[derive(Debug, Clone)]
pub struct RegionReport {
    pub region: Region,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub figures: RegionStatistics,
    pub children: Vec<(Region, RegionStatistics)>,
    pub series_span: Span,
    pub series: Vec<(String, RegionStatistics)>,
}

impl Store {
    /// The statistics of `region` for the days `from..=to`, from the rollups:
    /// the region's own rows and its children's, never the raw rows.
    pub async fn region_report(&self, region: &Region, from: NaiveDate, to: NaiveDate) -> Result<RegionReport> {
        let children = self.region_children(&region.code).await?;
        let placeholders = self.placeholders();
        let mut conn = self.reader().await?;
        let populations: HashMap<&str, Option<i64>> = std::iter::once(region)
            .chain(&children)
            .map(|r| (r.code.as_str(), r.population))
            .collect();
        let codes: Vec<&str> = populations.keys().copied().collect();
        let shown = statistics_of(&mut conn, placeholders, Owners::Regions(&codes), &populations, from, to).await?;
        let figures = shown
            .get(&region.code)
            .cloned()
            .unwrap_or_else(|| empty(region.population));
        let children_shown = children
            .iter()
            .map(|child| {
                let figures = shown
                    .get(&child.code)
                    .cloned()
                    .unwrap_or_else(|| empty(child.population));
                (child.clone(), figures)
            })
            .collect();
        let (series_span, keys) = zhiyuan_domain::statistics::series_keys(from, to);
        let series_rows = series_of(&mut conn, placeholders, &[&region.code], series_span, from, to).await?;
        let series = shown_series(keys, &series_rows);
        Ok(RegionReport {
            region: region.clone(),
            from,
            to,
            figures,
            children: children_shown,
            series_span,
            series,
        })
    }
}

impl Store {
    /// The statistics of the designated sites in `region` for the days
    /// `from..=to`: each outermost designated site's region (a designated
    /// institute inside a pilot county counts once, with the county; see
    /// `site::outermost`) as a child, and their sum as the figures.
    pub async fn designated_report(
        &self,
        region: &Region,
        filter: DesignationFilter,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<RegionReport> {
        let sites = self.designated_sites_in(&region.path, filter).await?;
        let paths: Vec<&str> = sites.iter().map(|site| site.region_path.as_str()).collect();
        let kept = zhiyuan_domain::site::outermost(&paths);
        let mut designated = Vec::with_capacity(kept.len());
        for site in sites.iter().filter(|site| kept.contains(&site.region_path.as_str())) {
            designated.push(self.require_region(&site.region_code).await?);
        }
        let codes: Vec<&str> = designated.iter().map(|r| r.code.as_str()).collect();
        let placeholders = self.placeholders();
        let mut conn = self.reader().await?;
        let (series_span, keys) = zhiyuan_domain::statistics::series_keys(from, to);
        let (parts, series_rows) = if codes.is_empty() {
            (HashMap::new(), HashMap::new())
        } else {
            (
                figure_parts(&mut conn, placeholders, Owners::Regions(&codes), from, to).await?,
                series_of(&mut conn, placeholders, &codes, series_span, from, to).await?,
            )
        };
        let none = FigureParts::default();
        let mut total = FigureParts::default();
        let mut children = Vec::with_capacity(designated.len());
        for child in &designated {
            let own = parts.get(&child.code).unwrap_or(&none);
            total = total.plus(own);
            children.push((child.clone(), own.shown(child.population)));
        }
        let population: Option<i64> = designated.iter().map(|r| r.population).sum();
        let series = shown_series(keys, &series_rows);
        Ok(RegionReport {
            region: region.clone(),
            from,
            to,
            figures: total.shown(population.filter(|_| !designated.is_empty())),
            children,
            series_span,
            series,
        })
    }
}

/// The series shown for `keys`: each key's flow figures, nothing for a
/// key without rows.
fn shown_series(keys: Vec<String>, rows: &HashMap<String, RegionFigures>) -> Vec<(String, RegionStatistics)> {
    keys.into_iter()
        .map(|key| {
            let flow = rows.get(&key).copied().unwrap_or_default();
            let shown = zhiyuan_domain::statistics::region_statistics(&RegionFigures::default(), &flow, 0, None);
            (key, shown)
        })
        .collect()
}

/// The figures shown for a region with nothing stored.
fn empty(population: Option<i64>) -> RegionStatistics {
    zhiyuan_domain::statistics::region_statistics(&RegionFigures::default(), &RegionFigures::default(), 0, population)
}

/// Whose rows of figures a statement reads: regions listed one by one, or
/// chosen in the statement itself (the candidates of a ranking, however
/// many, in one statement).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owners<'a> {
    /// These region codes.
    Regions(&'a [&'a str]),
    /// The regions of a level at or under a path (none: everywhere).
    RegionsAtLevel { level: &'a str, within: Option<&'a str> },
    /// The regions of the sites at or under a path.
    SiteRegions { within: Option<&'a str> },
    /// The verified organizations registered at or under a path.
    VerifiedOrganizations { within: Option<&'a str> },
}

impl Owners<'_> {
    /// `column IN (...)`, its values pushed to `binds`.
    fn condition(&self, column: &str, binds: &mut Binds) -> String {
        match *self {
            Owners::Regions(codes) => {
                let listed: Vec<String> = codes.iter().map(|code| binds.push(code)).collect();
                format!("{column} IN ({})", listed.join(", "))
            }
            Owners::RegionsAtLevel { level, within } => {
                let level = binds.push(level);
                let path = within_path("path", within, binds);
                format!("{column} IN (SELECT code FROM regions WHERE level = {level}{path})")
            }
            Owners::SiteRegions { within } => {
                let path = within_path("region_path", within, binds);
                format!("{column} IN (SELECT region_code FROM sites WHERE 1 = 1{path})")
            }
            Owners::VerifiedOrganizations { within } => {
                let path = within_path("region_path", within, binds);
                format!("{column} IN (SELECT id FROM organizations WHERE verified_at IS NOT NULL{path})")
            }
        }
    }
}

/// ` AND (column = P OR (column > 'P/' AND column < 'P0'))`, or nothing.
pub(crate) fn within_path(column: &str, within: Option<&str>, binds: &mut Binds) -> String {
    let Some(path) = within else {
        return String::new();
    };
    let (low, high) = crate::subtree_bounds(path);
    let (path, low, high) = (binds.push(path), binds.push(&low), binds.push(&high));
    format!(" AND ({column} = {path} OR ({column} > {low} AND {column} < {high}))")
}

/// The text values of a statement in the order of their placeholders.
pub(crate) struct Binds {
    placeholders: Placeholders,
    pub(crate) values: Vec<String>,
}

impl Binds {
    pub(crate) fn new(placeholders: Placeholders) -> Self {
        Binds {
            placeholders,
            values: Vec::new(),
        }
    }

    /// The placeholder of `value`, the next one.
    pub(crate) fn push(&mut self, value: &str) -> String {
        self.values.push(value.to_string());
        placeholder(self.placeholders, self.values.len())
    }
}

/// A region's figures before they are shown: stock figures up to the
/// period's end, flow figures of the period and the active volunteers of
/// its months. Parts of disjoint regions add up.
#[derive(Debug, Clone, Default)]
pub(crate) struct FigureParts {
    stock: RegionFigures,
    flow: RegionFigures,
    active: i64,
}

impl FigureParts {
    fn plus(&self, other: &FigureParts) -> FigureParts {
        FigureParts {
            stock: self.stock.plus(&other.stock),
            flow: self.flow.plus(&other.flow),
            active: self.active + other.active,
        }
    }

    fn shown(&self, population: Option<i64>) -> RegionStatistics {
        zhiyuan_domain::statistics::region_statistics(&self.stock, &self.flow, self.active, population)
    }
}

/// The parts of the figures of the regions `owners` selects for
/// `from..=to`; regions without rows are missing from the answer.
pub(crate) async fn figure_parts(
    conn: &mut Reader,
    placeholders: Placeholders,
    owners: Owners<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<String, FigureParts>> {
    let (stock_cover, flow_cover) = (
        zhiyuan_domain::statistics::cover(zhiyuan_domain::statistics::beginning(), to),
        zhiyuan_domain::statistics::cover(from, to),
    );
    let (first_month, last_month) = (
        zhiyuan_domain::statistics::month_of(from),
        zhiyuan_domain::statistics::month_of(to),
    );
    let table = ("region_figures", "region_code");
    let mut stock: HashMap<String, RegionFigures> =
        covered_sums(conn, placeholders, table, owners, &stock_cover).await?;
    let mut flow: HashMap<String, RegionFigures> = covered_sums(conn, placeholders, table, owners, &flow_cover).await?;
    let active = active_rows(conn, placeholders, owners, &first_month, &last_month).await?;
    let codes: std::collections::HashSet<String> =
        stock.keys().chain(flow.keys()).chain(active.keys()).cloned().collect();
    Ok(codes
        .into_iter()
        .map(|code| {
            let rows = active.get(&code).map(Vec::as_slice).unwrap_or_default();
            let parts = FigureParts {
                stock: stock.remove(&code).unwrap_or_default(),
                flow: flow.remove(&code).unwrap_or_default(),
                active: zhiyuan_domain::statistics::active_volunteers(
                    rows.iter().map(|(key, n)| (key, *n)),
                    &first_month,
                    &last_month,
                ),
            };
            (code, parts)
        })
        .collect())
}

/// The figures of the regions `owners` selects for `from..=to`, with each
/// listed region's population; regions without rows are missing.
pub(crate) async fn statistics_of(
    conn: &mut Reader,
    placeholders: Placeholders,
    owners: Owners<'_>,
    populations: &HashMap<&str, Option<i64>>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<String, RegionStatistics>> {
    Ok(figure_parts(conn, placeholders, owners, from, to)
        .await?
        .into_iter()
        .map(|(code, parts)| {
            let shown = parts.shown(populations.get(code.as_str()).copied().flatten());
            (code, shown)
        })
        .collect())
}

/// The flow figures of the organizations `owners` selects over the rows of `cover`.
pub(crate) async fn organization_sums(
    conn: &mut Reader,
    placeholders: Placeholders,
    owners: Owners<'_>,
    cover: &PeriodCover,
) -> Result<HashMap<i64, RegionFigures>> {
    covered_sums(
        conn,
        placeholders,
        ("organization_figures", "organization_id"),
        owners,
        cover,
    )
    .await
}

/// The figures of each owner `owners` selects in `table` (its rows keyed
/// by `key_column`, span and period) summed over the rows of `cover`. Each
/// range of the cover is its own branch of a `UNION ALL`, an equality on
/// the span and a range on the period under the owner: a seek on the
/// primary key for each owner, however many rows it has outside the cover.
async fn covered_sums<K>(
    conn: &mut Reader,
    placeholders: Placeholders,
    (table, key_column): (&str, &str),
    owners: Owners<'_>,
    cover: &PeriodCover,
) -> Result<HashMap<K, RegionFigures>>
where
    K: Eq + std::hash::Hash + Send + Unpin + 'static,
    KeyedFigures<K>: crate::sql::FromEitherRow,
{
    let ranges: Vec<(Span, &(String, String))> = cover
        .day_ranges
        .iter()
        .map(|range| (Span::Day, range))
        .chain(cover.months.iter().map(|range| (Span::Month, range)))
        .collect();
    if ranges.is_empty() || matches!(owners, Owners::Regions([])) {
        return Ok(HashMap::new());
    }
    let mut binds = Binds::new(placeholders);
    let branches: Vec<String> = ranges
        .iter()
        .map(|(span, (low, high))| {
            let owned = owners.condition(key_column, &mut binds);
            format!(
                "SELECT {key_column} AS owner, {} FROM {table} WHERE {owned} \
                 AND span = {} AND period BETWEEN {} AND {}",
                RegionFigures::NAMES.join(", "),
                binds.push(span.as_str()),
                binds.push(low),
                binds.push(high)
            )
        })
        .collect();
    let sql = format!(
        "SELECT owner, {} FROM ({}) AS covered GROUP BY owner",
        figure_sums(),
        branches.join(" UNION ALL ")
    );
    let mut statement = query_as::<KeyedFigures<K>>(sqlx::AssertSqlSafe(sql)).persistent(false);
    for value in &binds.values {
        statement = statement.bind(value.as_str());
    }
    Ok(statement
        .fetch_all(conn)
        .await?
        .into_iter()
        .map(|row| (row.key, RegionFigures::from_values(&row.values)))
        .collect())
}

/// `CAST(COALESCE(SUM(f), 0) AS BIGINT)` for each figure, in order.
fn figure_sums() -> String {
    RegionFigures::NAMES
        .iter()
        .map(|name| format!("CAST(COALESCE(SUM({name}), 0) AS BIGINT)"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `WHERE` condition on `span` and `period` for the rows of a cover,
/// its placeholders numbered from `first`, with its values in order.
fn cover_condition(placeholders: Placeholders, cover: &PeriodCover, first: usize) -> (String, Vec<String>) {
    let ranges = cover
        .day_ranges
        .iter()
        .map(|range| (Span::Day, range))
        .chain(cover.months.iter().map(|range| (Span::Month, range)));
    let mut parts = Vec::new();
    let mut values = Vec::new();
    for (span, (low, high)) in ranges {
        let number = first + values.len();
        parts.push(format!(
            "(span = {} AND period BETWEEN {} AND {})",
            placeholder(placeholders, number),
            placeholder(placeholders, number + 1),
            placeholder(placeholders, number + 2)
        ));
        values.extend([span.as_str().to_string(), low.clone(), high.clone()]);
    }
    if parts.is_empty() {
        ("1 = 0".to_string(), values)
    } else {
        (format!("({})", parts.join(" OR ")), values)
    }
}

fn placeholder(placeholders: Placeholders, number: usize) -> String {
    match placeholders {
        Placeholders::Numbered => format!("${number}"),
        Placeholders::Anonymous => "?".to_string(),
    }
}

/// The active rows of each region `owners` selects for the months `first..=last`.
async fn active_rows(
    conn: &mut Reader,
    placeholders: Placeholders,
    owners: Owners<'_>,
    first: &str,
    last: &str,
) -> Result<HashMap<String, Vec<(ActiveKey, i64)>>> {
    if matches!(owners, Owners::Regions([])) {
        return Ok(HashMap::new());
    }
    let mut binds = Binds::new(placeholders);
    let owned = owners.condition("region_code", &mut binds);
    let sql = format!(
        "SELECT region_code, month, previous_month, volunteers FROM active_months \
         WHERE {owned} AND month BETWEEN {} AND {}",
        binds.push(first),
        binds.push(last),
    );
    let mut statement = query_as::<(String, String, String, i64)>(sqlx::AssertSqlSafe(sql)).persistent(false);
    for value in &binds.values {
        statement = statement.bind(value.as_str());
    }
    let rows = statement.fetch_all(conn).await?;
    let mut by_region: HashMap<String, Vec<(ActiveKey, i64)>> = HashMap::new();
    for (code, month, previous, volunteers) in rows {
        let key = ActiveKey {
            month,
            previous: (!previous.is_empty()).then_some(previous),
        };
        by_region.entry(code).or_default().push((key, volunteers));
    }
    Ok(by_region)
}

/// The flow figures of `code` per day of `from..=to` (span `Day`) or per
/// month (span `Month`: whole months from month rows, partial ones summed
/// from their days).
async fn series_of(
    conn: &mut Reader,
    placeholders: Placeholders,
    codes: &[&str],
    span: Span,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<String, RegionFigures>> {
    let cover = match span {
        Span::Day => PeriodCover {
            day_ranges: vec![(
                zhiyuan_domain::statistics::day_key(from),
                zhiyuan_domain::statistics::day_key(to),
            )],
            months: None,
        },
        Span::Month => zhiyuan_domain::statistics::cover(from, to),
    };
    let (condition, values) = cover_condition(placeholders, &cover, codes.len() + 1);
    let code_placeholders: Vec<String> = (1..=codes.len()).map(|n| placeholder(placeholders, n)).collect();
    let sql = format!(
        "SELECT period, {} FROM region_figures WHERE region_code IN ({}) AND {condition}",
        RegionFigures::NAMES.join(", "),
        code_placeholders.join(", ")
    );
    let mut statement = query_as::<KeyedFigures<String>>(sqlx::AssertSqlSafe(sql)).persistent(false);
    for code in codes {
        statement = statement.bind(*code);
    }
    for value in &values {
        statement = statement.bind(value.as_str());
    }
    let mut series: HashMap<String, RegionFigures> = HashMap::new();
    for row in statement.fetch_all(conn).await? {
        let key = match span {
            Span::Day => row.key,
            Span::Month => row.key.chars().take(7).collect(),
        };
        let sum = series.entry(key).or_default();
        *sum = sum.plus(&RegionFigures::from_values(&row.values));
    }
    Ok(series)
}

/// A row of one key column and figure columns.
struct KeyedFigures<K> {
    key: K,
    values: Vec<i64>,
}

impl<'r, R: sqlx::Row, K> sqlx::FromRow<'r, R> for KeyedFigures<K>
where
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    K: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> std::result::Result<Self, sqlx::Error> {
        Ok(KeyedFigures {
            key: row.try_get::<K, _>(0)?,
            values: (1..row.len())
                .map(|i| row.try_get::<i64, _>(i))
                .collect::<std::result::Result<_, _>>()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fresh_databases, open_store};
    use zhiyuan_domain::region::check_region_row;
    use zhiyuan_domain::volunteer::{RegistrationInput, register};

    /// Regions chosen in the statement (by level, or as the sites' regions)
    /// have the figures of the same regions listed one by one.
    #[tokio::test]
    async fn chosen_and_listed_regions_read_the_same_figures() {
        for database in fresh_databases().await {
            let store = open_store(&database).await;
            let regions = [
                ("36", "江西省", "province", ""),
                ("3601", "南昌市", "city", "36"),
                ("360111", "青山湖区", "county", "3601"),
                ("360111001", "湖坊镇", "township", "360111"),
                ("360111002", "塘山镇", "township", "360111"),
                ("360111001001", "湖坊社区居委会", "village", "360111001"),
                ("360111002200", "塘山村委会", "village", "360111002"),
            ];
            let rows: Vec<_> = regions
                .iter()
                .map(|(code, name, level, parent)| check_region_row(code, name, level, parent, None).unwrap())
                .collect();
            store.upsert_regions(&rows).await.unwrap();
            store.ensure_sites().await.unwrap();
            let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
            for (n, home) in ["360111001001", "360111002200", "360111002200"].iter().enumerate() {
                let input = RegistrationInput {
                    name: "统计".into(),
                    id_number: zhiyuan_domain::id_number::compose(
                        "360111",
                        chrono::NaiveDate::from_ymd_opt(1960, 1, 1 + n as u32).unwrap(),
                        7,
                    ),
                    phone: format!("1370000000{n}"),
                    region_code: home.to_string(),
                    ..RegistrationInput::default()
                };
                let registration = register(&input, today).unwrap();
                store
                    .register_volunteer(&registration, None, crate::now_ms())
                    .await
                    .unwrap();
            }
            let (from, to) = (today - chrono::Duration::days(400), today + chrono::Duration::days(400));
            let placeholders = store.placeholders();
            let mut conn = store.reader().await.unwrap();
            let none = HashMap::new();
            let townships = ["360111001", "360111002"];
            let listed = Owners::Regions(&townships);
            let by_list = statistics_of(&mut conn, placeholders, listed, &none, from, to)
                .await
                .unwrap();
            let chosen = Owners::RegionsAtLevel {
                level: "township",
                within: Some("36"),
            };
            let by_level = statistics_of(&mut conn, placeholders, chosen, &none, from, to)
                .await
                .unwrap();
            assert_eq!(by_level, by_list, "{}", database.backend);
            assert_eq!(by_level["360111002"].volunteers, 2, "{}", database.backend);
            let villages = ["360111001001", "360111002200"];
            let listed = Owners::Regions(&villages);
            let by_list = statistics_of(&mut conn, placeholders, listed, &none, from, to)
                .await
                .unwrap();
            let sites = Owners::SiteRegions {
                within: Some("36/3601/360111/360111002"),
            };
            let by_site = statistics_of(&mut conn, placeholders, sites, &none, from, to)
                .await
                .unwrap();
            assert_eq!(
                by_site.get("360111002200"),
                by_list.get("360111002200"),
                "{}",
                database.backend
            );
            assert!(!by_site.contains_key("360111001001"), "only the sites within the path");
        }
    }
}
