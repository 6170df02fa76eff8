//! Recomputing the statistics rollups from the raw rows (`zhiyuan rollups
//! rebuild`): every fact is read again (volunteers with their transfers,
//! effective records, verified organizations, projects, activities, closed
//! orders), what it adds is computed by the same domain rules the writes
//! use, the result is compared with the stored rows, and the stored rows
//! are replaced when they differ. The rebuild holds the rollup tables for
//! its transaction, so writes made meanwhile wait and then add to the
//! rebuilt rows.

use crate::sql::{Tx, query, query_as};
use crate::statistics::{ActiveRowKey, FiguresKey, OrganizationFiguresKey, RollupSums, day_of, parse_day};
use crate::{Result, Store, rows_per_statement, values_sql};
use std::collections::{BTreeMap, HashMap};
use zhiyuan_domain::activity::ActivityState;
use zhiyuan_domain::order::OrderState;
use zhiyuan_domain::record::{HourKind, TotalsDelta};
use zhiyuan_domain::region::RegionCode;
use zhiyuan_domain::statistics::{self, RegionFigures, Span, VolunteerFacts};
use zhiyuan_domain::volunteer::PoliticalStatus;

/// Rows read per statement from the large tables.
const PAGE: i64 = 5_000;

/// At most this many differences are listed one by one.
const LISTED_DIFFERENCES: usize = 50;

/// What a rebuild found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollupCheck {
    /// Rows that differed (stored against computed), described for an operator.
    pub differences: Vec<String>,
    /// How many rows differed in all (the list stops at 50).
    pub differing_rows: usize,
    /// Rows of figures computed.
    pub rows: usize,
}

impl Store {
    /// Recomputes the rollups from the raw rows, reports every row where
    /// the stored figures differ, and stores the computed ones.
    pub async fn rebuild_rollups(&self) -> Result<RollupCheck> {
        let mut tx = self.transaction().await?;
        if let Tx::Postgres(_) = &tx {
            query("LOCK TABLE region_figures, organization_figures, active_months, volunteer_months IN EXCLUSIVE MODE")
                .execute(&mut tx)
                .await?;
        }
        let computed = self.compute_rollups(&mut tx).await?;
        let stored = stored_rollups(&mut tx).await?;
        let mut check = RollupCheck {
            rows: computed.sums.figures.len(),
            ..RollupCheck::default()
        };
        compare(&stored, &computed, &mut check);
        if check.differing_rows > 0 {
            query("DELETE FROM region_figures").execute(&mut tx).await?;
            query("DELETE FROM organization_figures").execute(&mut tx).await?;
            query("DELETE FROM active_months").execute(&mut tx).await?;
            query("DELETE FROM volunteer_months").execute(&mut tx).await?;
            write_volunteer_months(&mut tx, &computed.volunteer_months).await?;
            computed.sums.write(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(check)
    }

    /// The rollups as the raw rows make them.
    async fn compute_rollups(&self, tx: &mut Tx<'_>) -> Result<Rollups> {
        let mut sums = RollupSums::default();
        let paths: HashMap<String, String> = query_as::<(String, String)>("SELECT code, path FROM regions")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
        let homes = self.add_volunteers(tx, &paths, &mut sums).await?;
        let volunteer_months = add_records(tx, &mut sums).await?;
        let mut months_of: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (volunteer_id, month) in volunteer_months.keys() {
            months_of.entry(*volunteer_id).or_default().push(month.clone());
        }
        for (volunteer_id, months) in &months_of {
            if let Some(home) = homes.get(volunteer_id) {
                for key in statistics::served_chain(months) {
                    sums.add_active(home, &key, 1);
                }
            }
        }
        add_organizations_projects_activities(tx, &mut sums).await?;
        add_closed_orders(tx, &mut sums).await?;
        Ok(Rollups { sums, volunteer_months })
    }

    /// Adds every volunteer's registration and transfers; yields each
    /// volunteer's home path.
    async fn add_volunteers(
        &self,
        tx: &mut Tx<'_>,
        paths: &HashMap<String, String>,
        sums: &mut RollupSums,
    ) -> Result<HashMap<i64, String>> {
        let mut transfers: HashMap<i64, Vec<(String, String, i64)>> = HashMap::new();
        for (volunteer_id, from, to, at) in query_as::<(i64, String, String, i64)>(
            "SELECT volunteer_id, from_region, to_region, at FROM volunteer_transfers ORDER BY volunteer_id, at, id",
        )
        .fetch_all(&mut *tx)
        .await?
        {
            transfers.entry(volunteer_id).or_default().push((from, to, at));
        }
        let mut homes = HashMap::new();
        let mut after = 0_i64;
        loop {
            let page = query_as::<(i64, String, String, i64, String, Vec<u8>, String)>(
                "SELECT id, region_code, region_path, registered_at, political_status, id_hash, id_sealed \
                 FROM volunteers WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(PAGE)
            .fetch_all(&mut *tx)
            .await?;
            let Some(last) = page.last() else { break };
            after = last.0;
            for (id, region_code, region_path, registered_at, political_status, id_hash, id_sealed) in page {
                let party_member =
                    PoliticalStatus::parse(&political_status).is_ok_and(PoliticalStatus::is_party_member);
                let birth_date = self.birth_date_in(&id_hash, &id_sealed)?;
                let facts_in = |code: &str| VolunteerFacts {
                    birth_date,
                    party_member,
                    rural: RegionCode::parse(code).is_ok_and(|code| code.is_village_committee()),
                };
                let moves = transfers.remove(&id).unwrap_or_default();
                let first_region = moves.first().map_or(region_code.as_str(), |(from, _, _)| from.as_str());
                if let Some(path) = paths.get(first_region) {
                    sums.add_dated(
                        path,
                        &statistics::joined(facts_in(first_region), day_of(registered_at), true),
                    );
                }
                for (from, to, at) in &moves {
                    if let (Some(from_path), Some(to_path)) = (paths.get(from), paths.get(to)) {
                        sums.add_dated(from_path, &statistics::left(facts_in(from), day_of(*at)));
                        sums.add_dated(to_path, &statistics::joined(facts_in(to), day_of(*at), false));
                    }
                }
                homes.insert(id, region_path);
            }
        }
        Ok(homes)
    }
}

/// The rollups computed, and the rows they make.
struct Rollups {
    sums: RollupSums,
    volunteer_months: BTreeMap<(i64, String), i64>,
}

/// Adds every effective record; yields each volunteer's count of records per month.
async fn add_records(tx: &mut Tx<'_>, sums: &mut RollupSums) -> Result<BTreeMap<(i64, String), i64>> {
    let mut months = BTreeMap::new();
    let mut after = 0_i64;
    loop {
        let page = query_as::<(i64, i64, i64, String, String, String, i64)>(
            "SELECT id, volunteer_id, organization_id, region_path, service_day, hour_kind, minutes FROM service_records \
             WHERE state = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(zhiyuan_domain::record::RecordState::Effective.as_str())
        .bind(after)
        .bind(PAGE)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = page.last() else { break };
        after = last.0;
        for (_, volunteer_id, organization_id, region_path, service_day, hour_kind, minutes) in page {
            let delta = TotalsDelta::of(HourKind::parse(&hour_kind).unwrap_or(HourKind::Credit), minutes);
            if delta.is_zero() {
                continue;
            }
            let day = parse_day(&service_day)?;
            let figures = statistics::record_changed(&delta);
            sums.add(&region_path, day, &figures);
            sums.add_for_organization(organization_id, day, &figures);
            *months.entry((volunteer_id, statistics::month_of(day))).or_default() += delta.records;
        }
    }
    months.retain(|_, records| *records != 0);
    Ok(months)
}

async fn add_organizations_projects_activities(tx: &mut Tx<'_>, sums: &mut RollupSums) -> Result<()> {
    for (path, verified_at) in
        query_as::<(String, i64)>("SELECT region_path, verified_at FROM organizations WHERE verified_at IS NOT NULL")
            .fetch_all(&mut *tx)
            .await?
    {
        sums.add(&path, day_of(verified_at), &statistics::organization_verified());
    }
    for (path, created_at) in query_as::<(String, i64)>("SELECT area_path, created_at FROM projects")
        .fetch_all(&mut *tx)
        .await?
    {
        sums.add(&path, day_of(created_at), &statistics::project_created());
    }
    let mut after = 0_i64;
    loop {
        let page = query_as::<(i64, String, i64, i64, String)>(
            "SELECT id, region_path, organization_id, starts_at, state FROM activities WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(PAGE)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = page.last() else { break };
        after = last.0;
        for (_, path, organization_id, starts_at, state) in page {
            let held = statistics::activity_moved(None, ActivityState::parse(&state)?);
            sums.add(&path, day_of(starts_at), &held);
            sums.add_for_organization(organization_id, day_of(starts_at), &held);
        }
    }
    Ok(())
}

async fn add_closed_orders(tx: &mut Tx<'_>, sums: &mut RollupSums) -> Result<()> {
    let mut after = 0_i64;
    loop {
        let page = query_as::<(i64, String, Option<i64>, String, Option<i64>, i64)>(
            "SELECT id, region_path, organization_id, state, rating, closed_at FROM orders \
             WHERE closed_at IS NOT NULL AND id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(PAGE)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = page.last() else { break };
        after = last.0;
        for (_, path, organization_id, state, rating, closed_at) in page {
            let rating = rating.and_then(|r| u8::try_from(r).ok());
            let closed = statistics::order_closed(OrderState::parse(&state)?, rating);
            sums.add(&path, day_of(closed_at), &closed);
            if let Some(organization_id) = organization_id {
                sums.add_for_organization(organization_id, day_of(closed_at), &closed);
            }
        }
    }
    Ok(())
}

/// The rollups as stored.
struct Stored {
    figures: BTreeMap<FiguresKey, RegionFigures>,
    organizations: BTreeMap<OrganizationFiguresKey, RegionFigures>,
    active: BTreeMap<ActiveRowKey, i64>,
    volunteer_months: BTreeMap<(i64, String), i64>,
}

async fn stored_rollups(tx: &mut Tx<'_>) -> Result<Stored> {
    let active = query_as::<(String, String, String, i64)>(
        "SELECT region_code, month, previous_month, volunteers FROM active_months",
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .filter(|row| row.3 != 0)
    .map(|(code, month, previous, volunteers)| ((code, month, previous), volunteers))
    .collect();
    let volunteer_months = query_as::<(i64, String, i64)>("SELECT volunteer_id, month, records FROM volunteer_months")
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|(volunteer_id, month, records)| ((volunteer_id, month), records))
        .collect();
    Ok(Stored {
        figures: stored_figures(tx, "region_figures", "region_code").await?,
        organizations: stored_figures(tx, "organization_figures", "organization_id").await?,
        active,
        volunteer_months,
    })
}

/// The rows of a table of figures keyed by (`key_column`, span, period),
/// rows at zero left out.
async fn stored_figures<K>(
    tx: &mut Tx<'_>,
    table: &str,
    key_column: &str,
) -> Result<BTreeMap<(K, Span, String), RegionFigures>>
where
    K: Ord + Send + Unpin + 'static,
    StoredRow<K>: crate::sql::FromEitherRow,
{
    let sql = format!(
        "SELECT {key_column}, span, period, {} FROM {table}",
        RegionFigures::NAMES.join(", ")
    );
    Ok(query_as::<StoredRow<K>>(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .filter_map(|row| {
            let (key, span, period) = row.key;
            Some((
                (key, Span::parse(&span)?, period),
                RegionFigures::from_values(&row.values),
            ))
        })
        .filter(|(_, figures)| !figures.is_zero())
        .collect())
}

/// Lists the rows where `stored` and `computed` differ (a missing row counts as zeros).
fn compare(stored: &Stored, computed: &Rollups, check: &mut RollupCheck) {
    let mut note = |line: String| {
        check.differing_rows += 1;
        if check.differences.len() < LISTED_DIFFERENCES {
            check.differences.push(line);
        }
    };
    for (key, kept, made) in differing(&stored.figures, &computed.sums.figures) {
        note(format!(
            "region {} {} {}: {}",
            key.0,
            key.1.as_str(),
            key.2,
            differing_figures(&kept, &made)
        ));
    }
    for (key, kept, made) in differing(&stored.organizations, &computed.sums.organizations) {
        note(format!(
            "organization {} {} {}: {}",
            key.0,
            key.1.as_str(),
            key.2,
            differing_figures(&kept, &made)
        ));
    }
    for (key, kept, made) in differing(&stored.active, &computed.sums.active) {
        let before = if key.2.is_empty() { "never" } else { key.2.as_str() };
        note(format!(
            "active volunteers of region {} in {} (served before: {before}): stored {kept}, computed {made}",
            key.0, key.1
        ));
    }
    for (key, kept, made) in differing(&stored.volunteer_months, &computed.volunteer_months) {
        note(format!(
            "records of volunteer {} in {}: stored {kept}, computed {made}",
            key.0, key.1
        ));
    }
}

/// The keys of either map whose values differ, with both values (a missing
/// row counts as the default: zeros).
fn differing<K: Ord + Clone, V: PartialEq + Default + Clone>(
    stored: &BTreeMap<K, V>,
    computed: &BTreeMap<K, V>,
) -> Vec<(K, V, V)> {
    let keys: std::collections::BTreeSet<&K> = stored.keys().chain(computed.keys()).collect();
    keys.into_iter()
        .filter_map(|key| {
            let kept = stored.get(key).cloned().unwrap_or_default();
            let made = computed.get(key).cloned().unwrap_or_default();
            (kept != made).then(|| (key.clone(), kept, made))
        })
        .collect()
}

/// `name stored X, computed Y` for each figure that differs.
fn differing_figures(kept: &RegionFigures, made: &RegionFigures) -> String {
    RegionFigures::NAMES
        .iter()
        .zip(kept.values().into_iter().zip(made.values()))
        .filter(|(_, (kept, made))| kept != made)
        .map(|(name, (kept, made))| format!("{name} stored {kept}, computed {made}"))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn write_volunteer_months(tx: &mut Tx<'_>, months: &BTreeMap<(i64, String), i64>) -> Result<()> {
    let rows: Vec<(&(i64, String), &i64)> = months.iter().collect();
    for chunk in rows.chunks(rows_per_statement(3)) {
        let sql = values_sql(
            tx.placeholders(),
            "INSERT INTO volunteer_months (volunteer_id, month, records) VALUES ",
            3,
            chunk.len(),
            "",
        );
        let mut statement = query(sqlx::AssertSqlSafe(sql));
        for ((volunteer_id, month), records) in chunk {
            statement = statement.bind(*volunteer_id).bind(month.as_str()).bind(**records);
        }
        statement.execute(&mut *tx).await?;
    }
    Ok(())
}

/// A stored row of figures: its three key columns (owner, span, period),
/// then the figures.
struct StoredRow<K> {
    key: (K, String, String),
    values: Vec<i64>,
}

impl<'r, R: sqlx::Row, K> sqlx::FromRow<'r, R> for StoredRow<K>
where
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    K: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> std::result::Result<Self, sqlx::Error> {
        Ok(StoredRow {
            key: (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?),
            values: (3..row.len())
                .map(|i| row.try_get::<i64, _>(i))
                .collect::<std::result::Result<_, _>>()?,
        })
    }
}
