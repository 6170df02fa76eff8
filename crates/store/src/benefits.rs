//! Benefits (礼遇) as stored: the units that offer them
//! (`benefit_providers`), the benefits with their stock, and redemptions
//! with their one-time codes. A redemption locks its benefit row
//! (PostgreSQL `FOR UPDATE`; SQLite's one writer already serializes), then
//! the volunteer's totals row, reads the facts, lets
//! `zhiyuan_domain::benefit::decide_redemption` decide and writes stock,
//! code and points in the same transaction, so no stock or balance goes
//! negative and no limit is passed under any concurrency.

use crate::points;
use crate::sql::{query, query_as, query_scalar};
use crate::{Page, Result, Store, StoreError, audit_entry, into_page, parse_cursor, subtree_bounds};
use chrono::NaiveDate;
use rand::RngCore;
use serde::Serialize;
use zhiyuan_domain::benefit::{self, Offer, RedemptionFacts};
use zhiyuan_domain::hours::StarTable;

/// A unit that offers benefits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Provider {
    pub id: i64,
    pub name: String,
    pub region_code: String,
    pub region_path: String,
}

/// A benefit with its provider's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Benefit {
    pub id: i64,
    pub provider_id: i64,
    pub provider: String,
    pub title: String,
    pub description: String,
    pub region_code: String,
    pub region_path: String,
    pub stock: i64,
    pub stock_left: i64,
    pub points_cost: i64,
    pub min_star: i64,
    pub valid_from: String,
    pub valid_to: String,
    pub per_volunteer: i64,
    pub offered_at: i64,
}

const BENEFIT_COLUMNS: &str = "b.id, b.provider_id, p.name AS provider, b.title, b.description, b.region_code, \
     b.region_path, b.stock, b.stock_left, b.points_cost, b.min_star, b.valid_from, b.valid_to, b.per_volunteer, \
     b.offered_at";
const BENEFIT_FROM: &str = "benefits b JOIN benefit_providers p ON p.id = b.provider_id";

impl Benefit {
    /// The first and last day it may be redeemed.
    pub fn validity(&self) -> Result<(NaiveDate, NaiveDate)> {
        Ok((stored_day(&self.valid_from)?, stored_day(&self.valid_to)?))
    }

    /// Whether anyone may still redeem it today.
    pub fn is_open(&self, today: NaiveDate) -> bool {
        self.validity()
            .is_ok_and(|(from, to)| benefit::is_open(today, from, to, self.stock_left))
    }
}

/// A stored validity day (written from a `NaiveDate`).
fn stored_day(raw: &str) -> Result<NaiveDate> {
    raw.parse()
        .map_err(|_| StoreError::conflict("benefit_corrupt", "a stored validity is not a date"))
}

/// A redemption with what its holder and its checker need to see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Redemption {
    pub id: i64,
    pub code: String,
    pub benefit_id: i64,
    pub benefit_title: String,
    pub provider_id: i64,
    pub provider: String,
    pub provider_region_path: String,
    pub volunteer_id: i64,
    pub volunteer_name: String,
    pub volunteer_no: String,
    pub points: i64,
    pub redeemed_at: i64,
    pub checked_at: Option<i64>,
}

const REDEMPTION_COLUMNS: &str = "r.id, r.code, r.benefit_id, b.title AS benefit_title, b.provider_id, \
     p.name AS provider, p.region_path AS provider_region_path, r.volunteer_id, v.name AS volunteer_name, \
     v.volunteer_no, r.points, r.redeemed_at, r.checked_at";
const REDEMPTION_FROM: &str = "redemptions r JOIN benefits b ON b.id = r.benefit_id \
     JOIN benefit_providers p ON p.id = b.provider_id JOIN volunteers v ON v.id = r.volunteer_id";

/// Tries at drawing a code no redemption holds yet (50 random bits: a
/// clash is already unlikely once).
const CODE_TRIES: usize = 4;

impl Store {
    /// Offers a checked benefit in a region, creating its provider (by
    /// name within the region) on first use; audited.
    pub async fn offer_benefit(
        &self,
        offer: &Offer,
        region_code: &str,
        region_path: &str,
        offered_by: i64,
        now: i64,
    ) -> Result<Benefit> {
        let mut tx = self.transaction().await?;
        query(
            "INSERT INTO benefit_providers (name, region_code, region_path, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (region_code, name) DO NOTHING",
        )
        .bind(offer.provider.clone())
        .bind(region_code)
        .bind(region_path)
        .bind(now)
        .execute(&mut tx)
        .await?;
        let provider_id: i64 = query_scalar("SELECT id FROM benefit_providers WHERE region_code = $1 AND name = $2")
            .bind(region_code)
            .bind(offer.provider.clone())
            .fetch_one(&mut tx)
            .await?;
        let id: i64 = query_scalar(
            "INSERT INTO benefits (provider_id, title, description, region_code, region_path, stock, stock_left, \
             points_cost, min_star, valid_from, valid_to, per_volunteer, offered_by, offered_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(provider_id)
        .bind(offer.title.clone())
        .bind(offer.description.clone())
        .bind(region_code)
        .bind(region_path)
        .bind(offer.stock)
        .bind(offer.points_cost)
        .bind(i64::from(offer.min_star))
        .bind(offer.valid_from.to_string())
        .bind(offer.valid_to.to_string())
        .bind(offer.per_volunteer)
        .bind(offered_by)
        .bind(now)
        .fetch_one(&mut tx)
        .await?;
        audit_entry(
            &mut tx,
            now,
            Some(offered_by),
            "benefit_offered",
            "benefit",
            id.to_string(),
            &offer.title,
        )
        .await?;
        tx.commit().await?;
        self.benefit(id).await?.ok_or(StoreError::NotFound("benefit"))
    }

    pub async fn benefit(&self, id: i64) -> Result<Option<Benefit>> {
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {BENEFIT_COLUMNS} FROM {BENEFIT_FROM} WHERE b.id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut conn)
        .await
    }

    /// The benefits offered in the region at `path` and below, newest
    /// first (an administrator's catalogue).
    pub async fn benefits_within(&self, path: &str, cursor: Option<&str>, limit: i64) -> Result<Page<Benefit>> {
        let before = match parse_cursor(cursor) {
            0 => i64::MAX,
            id => id,
        };
        let (low, high) = subtree_bounds(path);
        let mut conn = self.reader().await?;
        let rows: Vec<Benefit> = query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {BENEFIT_COLUMNS} FROM {BENEFIT_FROM} WHERE (b.region_path = $1 OR (b.region_path > $2 \
             AND b.region_path < $3)) AND b.id < $4 ORDER BY b.id DESC LIMIT $5"
        )))
        .bind(path)
        .bind(low)
        .bind(high)
        .bind(before)
        .bind(limit + 1)
        .fetch_all(&mut conn)
        .await?;
        Ok(into_page(rows, limit, |b| b.id))
    }

    /// The benefits a volunteer living at `home_path` may redeem today:
    /// those of their region and every region above it that are open.
    pub async fn benefits_for_home(&self, home_path: &str, today: NaiveDate) -> Result<Vec<Benefit>> {
        let paths: Vec<&str> = zhiyuan_domain::region::ancestor_paths(home_path)
            .chain(std::iter::once(home_path))
            .collect();
        let mut conn = self.reader().await?;
        let mut open = Vec::new();
        for path in paths {
            // Narrowed by the last day; whether each is open is the domain's.
            let rows: Vec<Benefit> = query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {BENEFIT_COLUMNS} FROM {BENEFIT_FROM} WHERE b.region_path = $1 AND b.valid_to >= $2 \
                 ORDER BY b.valid_to, b.id LIMIT 200"
            )))
            .bind(path)
            .bind(today.to_string())
            .fetch_all(&mut conn)
            .await?;
            open.extend(rows.into_iter().filter(|b| b.is_open(today)));
        }
        Ok(open)
    }

    /// Redeems one unit of a benefit for a volunteer: decided by the
    /// domain over the facts read under the benefit's lock; gives the
    /// redemption with its new code.
    pub async fn redeem_benefit(
        &self,
        benefit_id: i64,
        volunteer_id: i64,
        stars: &StarTable,
        today: NaiveDate,
        now: i64,
    ) -> Result<Redemption> {
        let lock = self.lock_rows();
        let mut tx = self.transaction().await?;
        let id = {
            let locked: Option<(String, i64, i64, i64, String, String, i64)> = query_as(sqlx::AssertSqlSafe(format!(
                "SELECT region_path, stock_left, points_cost, min_star, valid_from, valid_to, per_volunteer \
                 FROM benefits WHERE id = $1{lock}"
            )))
            .bind(benefit_id)
            .fetch_optional(&mut tx)
            .await?;
            let (region_path, stock_left, points_cost, min_star, valid_from, valid_to, per_volunteer) =
                locked.ok_or(StoreError::NotFound("benefit"))?;
            let home: String = query_scalar("SELECT region_path FROM volunteers WHERE id = $1")
                .bind(volunteer_id)
                .fetch_optional(&mut tx)
                .await?
                .ok_or(StoreError::NotFound("volunteer"))?;
            let (balance, effective_minutes) = points::locked_balance(&mut tx, volunteer_id).await?;
            let redeemed: i64 =
                query_scalar("SELECT COUNT(*) FROM redemptions WHERE benefit_id = $1 AND volunteer_id = $2")
                    .bind(benefit_id)
                    .bind(volunteer_id)
                    .fetch_one(&mut tx)
                    .await?;
            let facts = RedemptionFacts {
                today,
                valid_from: stored_day(&valid_from)?,
                valid_to: stored_day(&valid_to)?,
                benefit_region_path: &region_path,
                volunteer_region_path: &home,
                min_star: u8::try_from(min_star).unwrap_or(u8::MAX),
                star_level: stars.level(effective_minutes),
                stock_left,
                per_volunteer,
                redeemed_by_volunteer: redeemed,
                points_cost,
                points_balance: balance,
            };
            benefit::decide_redemption(&facts)?;
            query("UPDATE benefits SET stock_left = $1 WHERE id = $2")
                .bind(stock_left - 1)
                .bind(benefit_id)
                .execute(&mut tx)
                .await?;
            let mut inserted = None;
            for _ in 0..CODE_TRIES {
                let code = benefit::redemption_code(rand::thread_rng().next_u64());
                inserted = query_scalar(
                    "INSERT INTO redemptions (benefit_id, volunteer_id, code, points, redeemed_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING RETURNING id",
                )
                .bind(benefit_id)
                .bind(volunteer_id)
                .bind(code)
                .bind(points_cost)
                .bind(now)
                .fetch_optional(&mut tx)
                .await?;
                if inserted.is_some() {
                    break;
                }
            }
            let id: i64 = inserted.ok_or_else(|| StoreError::conflict("code_unavailable", "try again"))?;
            points::spend(&mut tx, volunteer_id, points_cost, now, id).await?;
            id
        };
        tx.commit().await?;
        self.redemption(id).await?.ok_or(StoreError::NotFound("redemption"))
    }

    async fn redemption(&self, id: i64) -> Result<Option<Redemption>> {
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {REDEMPTION_COLUMNS} FROM {REDEMPTION_FROM} WHERE r.id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut conn)
        .await
    }

    /// The redemption a (normalized) code names.
    pub async fn redemption_by_code(&self, code: &str) -> Result<Option<Redemption>> {
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {REDEMPTION_COLUMNS} FROM {REDEMPTION_FROM} WHERE r.code = $1"
        )))
        .bind(code)
        .fetch_optional(&mut conn)
        .await
    }

    /// Marks a code used, once: the second check is `already_used`. The
    /// caller has checked who may check it; audited.
    pub async fn check_redemption(&self, code: &str, by_user: i64, now: i64) -> Result<Redemption> {
        let lock = self.lock_rows();
        let mut tx = self.transaction().await?;
        let id = {
            let row: Option<(i64, Option<i64>)> = query_as(sqlx::AssertSqlSafe(format!(
                "SELECT id, checked_at FROM redemptions WHERE code = $1{lock}"
            )))
            .bind(code)
            .fetch_optional(&mut tx)
            .await?;
            let (id, checked_at) = row.ok_or(StoreError::NotFound("redemption"))?;
            benefit::check_unused(checked_at)?;
            query("UPDATE redemptions SET checked_at = $1, checked_by = $2 WHERE id = $3")
                .bind(now)
                .bind(by_user)
                .bind(id)
                .execute(&mut tx)
                .await?;
            audit_entry(
                &mut tx,
                now,
                Some(by_user),
                "redemption_checked",
                "redemption",
                id.to_string(),
                "",
            )
            .await?;
            id
        };
        tx.commit().await?;
        self.redemption(id).await?.ok_or(StoreError::NotFound("redemption"))
    }

    /// A volunteer's redemptions, newest first.
    pub async fn redemptions_of_volunteer(&self, volunteer_id: i64, limit: i64) -> Result<Vec<Redemption>> {
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {REDEMPTION_COLUMNS} FROM {REDEMPTION_FROM} WHERE r.volunteer_id = $1 ORDER BY r.id DESC LIMIT $2"
        )))
        .bind(volunteer_id)
        .bind(limit)
        .fetch_all(&mut conn)
        .await
    }

    /// The redemptions of a provider's benefits, newest first.
    pub async fn redemptions_of_provider(
        &self,
        provider_id: i64,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Redemption>> {
        let before = match parse_cursor(cursor) {
            0 => i64::MAX,
            id => id,
        };
        let mut conn = self.reader().await?;
        let rows: Vec<Redemption> = query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {REDEMPTION_COLUMNS} FROM {REDEMPTION_FROM} WHERE b.provider_id = $1 AND r.id < $2 \
             ORDER BY r.id DESC LIMIT $3"
        )))
        .bind(provider_id)
        .bind(before)
        .bind(limit + 1)
        .fetch_all(&mut conn)
        .await?;
        Ok(into_page(rows, limit, |r| r.id))
    }

    pub async fn provider(&self, id: i64) -> Result<Option<Provider>> {
        let mut conn = self.reader().await?;
        query_as("SELECT id, name, region_code, region_path FROM benefit_providers WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut conn)
            .await
    }
}
