//! Regions (the division list with materialized paths and populations) and
//! the practice sites bound to them.

use crate::sql::{query, query_as, query_scalar};
use crate::{
    Page, Result, Store, StoreError, in_list_sql, into_page, parse_cursor, rows_per_statement, subtree_bounds,
    values_sql,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use zhiyuan_domain::region::{RegionCode, RegionLevel, RegionRow};
use zhiyuan_domain::site::{Designation, DesignationFilter, DesignationLevel, SiteDetails, SiteLevel};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub path: String,
    pub population: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Site {
    pub id: i64,
    pub name: String,
    pub level: String,
    pub region_code: String,
    pub region_path: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// `national`, `provincial` or `city` (`zhiyuan_domain::site::DesignationLevel`).
    pub designation: Option<String>,
    pub designation_year: Option<i64>,
}

/// How many rows an upsert of regions inserted and changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegionUpsert {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

const REGION_COLUMNS: &str = "code, name, level, parent_code, path, population";
const SITE_COLUMNS: &str =
    "id, name, level, region_code, region_path, address, lat, lon, designation, designation_year";

/// How long a site read for an order is trusted without another read
/// ([`Store::site`]): bounds how late a new name or place set through
/// another process reaches orders here.
pub(crate) const RECENT_SITE_TTL: std::time::Duration = std::time::Duration::from_secs(10);

impl Store {
    /// Inserts or updates regions, parents first (the caller sorts by level).
    /// A row whose parent is neither stored nor earlier in `rows` is refused
    /// and nothing is written. Rows go in a few hundred per statement.
    pub async fn upsert_regions(&self, rows: &[RegionRow]) -> Result<RegionUpsert> {
        let in_batch: HashSet<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        if in_batch.len() != rows.len() {
            return Err(StoreError::Rule(
                zhiyuan_domain::RuleError::new("region_duplicate", "a code appears twice in one batch").on("code"),
            ));
        }
        let outside_parents: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.parent.as_ref().map(RegionCode::as_str))
            .filter(|p| !in_batch.contains(p))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let placeholders = self.placeholders();
        let mut tx = self.transaction().await?;
        let outcome = {
            for chunk in outside_parents.chunks(rows_per_statement(1)) {
                let mut statement = query_scalar::<String>(sqlx::AssertSqlSafe(in_list_sql(
                    placeholders,
                    "SELECT code FROM regions WHERE code IN ",
                    chunk.len(),
                )));
                for code in chunk {
                    statement = statement.bind(*code);
                }
                let found: HashSet<String> = statement.fetch_all(&mut tx).await?.into_iter().collect();
                if let Some(missing) = chunk.iter().find(|code| !found.contains(**code)) {
                    return Err(StoreError::Rule(
                        zhiyuan_domain::RuleError::new("region_unknown", format!("parent {missing} is not loaded"))
                            .on("parent_code"),
                    ));
                }
            }
            let mut outcome = RegionUpsert::default();
            for chunk in rows.chunks(rows_per_statement(6)) {
                let sql = in_list_sql(
                    placeholders,
                    "SELECT code, name, population FROM regions WHERE code IN ",
                    chunk.len(),
                );
                let mut statement = query_as::<(String, String, Option<i64>)>(sqlx::AssertSqlSafe(sql));
                for row in chunk {
                    statement = statement.bind(row.code.as_str());
                }
                let stored: HashMap<String, (String, Option<i64>)> = statement
                    .fetch_all(&mut tx)
                    .await?
                    .into_iter()
                    .map(|(code, name, population)| (code, (name, population)))
                    .collect();
                let changed: Vec<&RegionRow> = chunk
                    .iter()
                    .filter(|row| match stored.get(row.code.as_str()) {
                        None => {
                            outcome.inserted += 1;
                            true
                        }
                        Some((name, population))
                            if *name != row.name || row.population.is_some_and(|p| Some(p) != *population) =>
                        {
                            outcome.updated += 1;
                            true
                        }
                        Some(_) => {
                            outcome.unchanged += 1;
                            false
                        }
                    })
                    .collect();
                if changed.is_empty() {
                    continue;
                }
                let sql = values_sql(
                    placeholders,
                    "INSERT INTO regions (code, name, level, parent_code, path, population) VALUES ",
                    6,
                    changed.len(),
                    " ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
                     population = COALESCE(excluded.population, regions.population)",
                );
                let mut statement = query(sqlx::AssertSqlSafe(sql));
                for row in changed {
                    statement = statement
                        .bind(row.code.as_str())
                        .bind(&row.name)
                        .bind(row.level.as_str())
                        .bind(row.parent.as_ref().map(|p| p.as_str().to_string()))
                        .bind(row.code.path())
                        .bind(row.population);
                }
                statement.execute(&mut tx).await?;
            }
            outcome
        };
        tx.commit().await?;
        Ok(outcome)
    }

    pub async fn region(&self, code: &str) -> Result<Option<Region>> {
        let sql = format!("SELECT {REGION_COLUMNS} FROM regions WHERE code = $1");
        let mut conn = self.reader().await?;
        query_as::<Region>(sqlx::AssertSqlSafe(sql))
            .bind(code)
            .fetch_optional(&mut conn)
            .await
    }

    /// The region or `region_unknown`.
    pub async fn require_region(&self, code: &str) -> Result<Region> {
        let parsed = RegionCode::parse(code)?;
        self.region(parsed.as_str()).await?.ok_or_else(|| {
            StoreError::Rule(
                zhiyuan_domain::RuleError::new("region_unknown", format!("no region {code}")).on("region_code"),
            )
        })
    }

    pub async fn region_children(&self, code: &str) -> Result<Vec<Region>> {
        let sql = format!("SELECT {REGION_COLUMNS} FROM regions WHERE parent_code = $1 ORDER BY code");
        let mut conn = self.reader().await?;
        query_as::<Region>(sqlx::AssertSqlSafe(sql))
            .bind(code)
            .fetch_all(&mut conn)
            .await
    }

    pub async fn region_count(&self) -> Result<i64> {
        let mut conn = self.reader().await?;
        query_scalar::<i64>("SELECT COUNT(*) FROM regions")
            .fetch_one(&mut conn)
            .await
    }

    /// Codes of the regions of one level at or under `path`, in code order.
    pub async fn region_codes_in(&self, path: &str, level: RegionLevel) -> Result<Vec<String>> {
        let (low, high) = subtree_bounds(path);
        let mut conn = self.reader().await?;
        query_scalar::<String>(
            "SELECT code FROM regions WHERE (path = $1 OR (path > $2 AND path < $3)) AND level = $4 ORDER BY code",
        )
        .bind(path)
        .bind(low)
        .bind(high)
        .bind(level.as_str())
        .fetch_all(&mut conn)
        .await
    }

    /// Creates the missing sites: a center for every county, an institute for
    /// every township, a station for every village or community. Returns how
    /// many were created.
    pub async fn ensure_sites(&self) -> Result<u64> {
        let mut tx = self.transaction().await?;
        let created = {
            let mut created = 0;
            for (region_level, site_level) in [
                ("county", SiteLevel::Center),
                ("township", SiteLevel::Institute),
                ("village", SiteLevel::Station),
            ] {
                let suffix = site_level.default_name("");
                let result = query(
                    "INSERT INTO sites (region_code, county_code, region_path, level, name) \
                     SELECT code, SUBSTR(code, 1, 6), path, $2, name || $3 FROM regions WHERE level = $1 \
                     ON CONFLICT (region_code) DO NOTHING",
                )
                .bind(region_level)
                .bind(site_level.as_str())
                .bind(suffix)
                .execute(&mut tx)
                .await?;
                created += result.rows_affected();
            }
            created
        };
        tx.commit().await?;
        Ok(created)
    }

    /// A site, as this process read it at most `RECENT_SITE_TTL` ago: every
    /// order and each of its steps reads its site. A change through this
    /// process is seen at once.
    pub async fn site(&self, id: i64) -> Result<Option<Site>> {
        if let Some(site) = self.recent_sites.get(&id) {
            return Ok(Some(site));
        }
        let generation = self.recent_sites.generation();
        let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE id = $1");
        let mut conn = self.reader().await?;
        let found = query_as::<Site>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut conn)
            .await?;
        if let Some(site) = &found {
            self.recent_sites.put(id, generation, site.clone());
        }
        Ok(found)
    }

    pub async fn site_of_region(&self, region_code: &str) -> Result<Option<Site>> {
        let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE region_code = $1");
        let mut conn = self.reader().await?;
        query_as::<Site>(sqlx::AssertSqlSafe(sql))
            .bind(region_code)
            .fetch_optional(&mut conn)
            .await
    }

    /// Sites at or under the region with `region_path`, optionally of one
    /// level and with a designation the filter keeps.
    pub async fn sites_in(
        &self,
        region_path: &str,
        level: Option<SiteLevel>,
        designation: Option<DesignationFilter>,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Site>> {
        let (low, high) = subtree_bounds(region_path);
        let designated = designation_condition(designation);
        let sql = format!(
            "SELECT {SITE_COLUMNS} FROM sites \
             WHERE (region_path = $1 OR (region_path > $2 AND region_path < $3)) \
             AND ($4 = '' OR level = $4){designated} AND id > $5 ORDER BY id LIMIT $6"
        );
        let rows = {
            let mut conn = self.reader().await?;
            query_as::<Site>(sqlx::AssertSqlSafe(sql))
                .bind(region_path)
                .bind(low)
                .bind(high)
                .bind(level.map(SiteLevel::as_str).unwrap_or(""))
                .bind(parse_cursor(cursor))
                .bind(limit + 1)
                .fetch_all(&mut conn)
                .await?
        };
        Ok(into_page(rows, limit, |s| s.id))
    }

    /// Every site at or under `region_path` with a designation the filter
    /// keeps (a province has about 1,200).
    pub async fn designated_sites_in(&self, region_path: &str, filter: DesignationFilter) -> Result<Vec<Site>> {
        let (low, high) = subtree_bounds(region_path);
        let designated = designation_condition(Some(filter));
        let sql = format!(
            "SELECT {SITE_COLUMNS} FROM sites \
             WHERE (region_path = $1 OR (region_path > $2 AND region_path < $3)){designated} ORDER BY region_path"
        );
        let mut conn = self.reader().await?;
        query_as::<Site>(sqlx::AssertSqlSafe(sql))
            .bind(region_path)
            .bind(low)
            .bind(high)
            .fetch_all(&mut conn)
            .await
    }

    /// Records a site's designation (or withdraws it with `None`); audited.
    pub async fn designate_site(
        &self,
        id: i64,
        designation: Option<Designation>,
        by_user: i64,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.transaction().await?;
        {
            let result = query("UPDATE sites SET designation = $2, designation_year = $3 WHERE id = $1")
                .bind(id)
                .bind(designation.map(|d| d.level.as_str()))
                .bind(designation.map(|d| i64::from(d.year)))
                .execute(&mut tx)
                .await?;
            if result.rows_affected() == 0 {
                return Err(StoreError::NotFound("site"));
            }
            let detail = designation.map_or_else(
                || "withdrawn".to_string(),
                |d| format!("{} {}", d.level.as_str(), d.year),
            );
            crate::audit_entry(
                &mut tx,
                now,
                Some(by_user),
                "site_designated",
                "site",
                id.to_string(),
                detail,
            )
            .await?;
        };
        tx.commit().await?;
        self.recent_sites.forget_all();
        Ok(())
    }

    /// Sets a site's name, address and location.
    pub async fn update_site(&self, id: i64, details: &SiteDetails) -> Result<()> {
        let mut tx = self.transaction().await?;
        {
            let result = query("UPDATE sites SET name = $2, address = $3, lat = $4, lon = $5 WHERE id = $1")
                .bind(id)
                .bind(&details.name)
                .bind(details.address.as_deref())
                .bind(details.location.map(|(lat, _)| lat))
                .bind(details.location.map(|(_, lon)| lon))
                .execute(&mut tx)
                .await?;
            if result.rows_affected() == 0 {
                return Err(StoreError::NotFound("site"));
            }
        };
        tx.commit().await?;
        self.recent_sites.forget_all();
        Ok(())
    }
}

/// ` AND designation IN (...)` for the levels a filter keeps, or nothing.
fn designation_condition(filter: Option<DesignationFilter>) -> String {
    let Some(filter) = filter else {
        return String::new();
    };
    let kept = DesignationLevel::ALL
        .iter()
        .filter(|level| filter.keeps(Some(**level)))
        .map(|level| level.as_str());
    format!(" AND designation IN ({})", crate::code_list(kept))
}
