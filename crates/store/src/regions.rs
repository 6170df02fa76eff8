//! Regions (the division list with materialized paths and populations) and
//! the practice sites bound to them.

use crate::{Page, Result, Store, StoreError, into_page, parse_cursor, read_conn, subtree_bounds, write_tx};
use serde::Serialize;
use zhiyuan_domain::region::{RegionCode, RegionRow};
use zhiyuan_domain::site::SiteLevel;

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
}

/// How many rows an upsert of regions inserted and changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegionUpsert {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

const REGION_COLUMNS: &str = "code, name, level, parent_code, path, population";
const SITE_COLUMNS: &str = "id, name, level, region_code, region_path, address, lat, lon";

impl Store {
    /// Inserts or updates regions, parents first (the caller sorts by level).
    /// A row whose parent is neither stored nor earlier in `rows` is refused.
    pub async fn upsert_regions(&self, rows: &[RegionRow]) -> Result<RegionUpsert> {
        let outcome = write_tx!(self, tx => {
            let mut outcome = RegionUpsert::default();
            for row in rows {
                if let Some(parent) = &row.parent {
                    let exists: Option<(String,)> = sqlx::query_as("SELECT code FROM regions WHERE code = $1")
                        .bind(parent.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                    if exists.is_none() {
                        return Err(StoreError::Rule(
                            zhiyuan_domain::RuleError::new("region_unknown", format!("parent {} is not loaded", parent.as_str()))
                                .on("parent_code"),
                        ));
                    }
                }
                let current: Option<(String, Option<i64>)> =
                    sqlx::query_as("SELECT name, population FROM regions WHERE code = $1")
                        .bind(row.code.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                match current {
                    None => {
                        sqlx::query(
                            "INSERT INTO regions (code, name, level, parent_code, path, population) \
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(row.code.as_str())
                        .bind(&row.name)
                        .bind(row.level.as_str())
                        .bind(row.parent.as_ref().map(|p| p.as_str().to_string()))
                        .bind(row.code.path())
                        .bind(row.population)
                        .execute(&mut *tx)
                        .await?;
                        outcome.inserted += 1;
                    }
                    Some((name, population)) => {
                        let new_population = row.population.or(population);
                        if name == row.name && new_population == population {
                            outcome.unchanged += 1;
                        } else {
                            sqlx::query("UPDATE regions SET name = $2, population = $3 WHERE code = $1")
                                .bind(row.code.as_str())
                                .bind(&row.name)
                                .bind(new_population)
                                .execute(&mut *tx)
                                .await?;
                            outcome.updated += 1;
                        }
                    }
                }
            }
            outcome
        });
        Ok(outcome)
    }

    pub async fn region(&self, code: &str) -> Result<Option<Region>> {
        let sql = format!("SELECT {REGION_COLUMNS} FROM regions WHERE code = $1");
        read_conn!(self, conn => Ok(sqlx::query_as::<_, Region>(sqlx::AssertSqlSafe(sql))
            .bind(code)
            .fetch_optional(&mut *conn)
            .await?))
    }

    /// The region or `region_unknown`.
    pub async fn require_region(&self, code: &str) -> Result<Region> {
        let parsed = RegionCode::parse(code)?;
        self.region(parsed.as_str()).await?.ok_or_else(|| {
            StoreError::Rule(zhiyuan_domain::RuleError::new("region_unknown", format!("no region {code}")).on("region_code"))
        })
    }

    pub async fn region_children(&self, code: &str) -> Result<Vec<Region>> {
        let sql = format!("SELECT {REGION_COLUMNS} FROM regions WHERE parent_code = $1 ORDER BY code");
        read_conn!(self, conn => Ok(sqlx::query_as::<_, Region>(sqlx::AssertSqlSafe(sql))
            .bind(code)
            .fetch_all(&mut *conn)
            .await?))
    }

    pub async fn region_count(&self) -> Result<i64> {
        read_conn!(self, conn => Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM regions")
            .fetch_one(&mut *conn)
            .await?))
    }

    /// Creates the missing sites: a center for every county, an institute for
    /// every township, a station for every village or community. Returns how
    /// many were created.
    pub async fn ensure_sites(&self) -> Result<u64> {
        let created = write_tx!(self, tx => {
            let mut created = 0;
            for (region_level, site_level) in [
                ("county", SiteLevel::Center),
                ("township", SiteLevel::Institute),
                ("village", SiteLevel::Station),
            ] {
                let suffix = site_level.default_name("");
                let result = sqlx::query(
                    "INSERT INTO sites (region_code, county_code, region_path, level, name) \
                     SELECT code, SUBSTR(code, 1, 6), path, $2, name || $3 FROM regions WHERE level = $1 \
                     ON CONFLICT (region_code) DO NOTHING",
                )
                .bind(region_level)
                .bind(site_level.as_str())
                .bind(suffix)
                .execute(&mut *tx)
                .await?;
                created += result.rows_affected();
            }
            created
        });
        Ok(created)
    }

    pub async fn site(&self, id: i64) -> Result<Option<Site>> {
        let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE id = $1");
        read_conn!(self, conn => Ok(sqlx::query_as::<_, Site>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?))
    }

    pub async fn site_of_region(&self, region_code: &str) -> Result<Option<Site>> {
        let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE region_code = $1");
        read_conn!(self, conn => Ok(sqlx::query_as::<_, Site>(sqlx::AssertSqlSafe(sql))
            .bind(region_code)
            .fetch_optional(&mut *conn)
            .await?))
    }

    /// Sites at or under the region with `region_path`, optionally of one level.
    pub async fn sites_in(
        &self,
        region_path: &str,
        level: Option<SiteLevel>,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Site>> {
        let (low, high) = subtree_bounds(region_path);
        let sql = format!(
            "SELECT {SITE_COLUMNS} FROM sites \
             WHERE (region_path = $1 OR (region_path > $2 AND region_path < $3)) \
             AND ($4 = '' OR level = $4) AND id > $5 ORDER BY id LIMIT $6"
        );
        let rows = read_conn!(self, conn => sqlx::query_as::<_, Site>(sqlx::AssertSqlSafe(sql))
            .bind(region_path)
            .bind(low)
            .bind(high)
            .bind(level.map(SiteLevel::as_str).unwrap_or(""))
            .bind(parse_cursor(cursor))
            .bind(limit + 1)
            .fetch_all(&mut *conn)
            .await?);
        Ok(into_page(rows, limit, |s| s.id))
    }

    /// Sets a site's name, address and location.
    pub async fn update_site(&self, id: i64, name: &str, address: Option<&str>, lat: Option<f64>, lon: Option<f64>) -> Result<()> {
        write_tx!(self, tx => {
            let result = sqlx::query("UPDATE sites SET name = $2, address = $3, lat = $4, lon = $5 WHERE id = $1")
                .bind(id)
                .bind(name)
                .bind(address)
                .bind(lat)
                .bind(lon)
                .execute(&mut *tx)
                .await?;
            if result.rows_affected() == 0 {
                return Err(StoreError::NotFound("site"));
            }
        });
        Ok(())
    }
}
