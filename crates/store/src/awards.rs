//! Award campaigns as stored: campaigns with their quotas, nominations
//! with the stage they stand at and when each level passed them on, and
//! the facts a reviewer decides on (the nominee's effective hours and
//! records). Passing a nomination on locks its campaign row (PostgreSQL
//! `FOR UPDATE`; SQLite's one writer already serializes), counts what the
//! level already passed on, lets `zhiyuan_domain::award` decide and
//! writes the new stage, so quotas hold when reviewers act at once.

use crate::sql::{query, query_as, query_scalar};
use crate::{Result, Store, StoreError, audit_entry, subtree_bounds};
use chrono::NaiveDate;
use serde::Serialize;
use zhiyuan_domain::award::{self, AwardKind, Campaign, PassFacts, Stage};
use zhiyuan_domain::record::RecordState;
use zhiyuan_domain::region::RegionLevel;

/// A campaign as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AwardCampaign {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub year: i64,
    pub region_code: String,
    pub region_path: String,
    pub county_quota: i64,
    pub city_quota: i64,
    pub province_quota: i64,
    pub nominate_until: String,
    pub published_at: Option<i64>,
}

const CAMPAIGN_COLUMNS: &str = "id, title, kind, year, region_code, region_path, county_quota, city_quota, \
     province_quota, nominate_until, published_at";

/// A nomination as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Nomination {
    pub id: i64,
    pub campaign_id: i64,
    pub nominee_id: String,
    pub nominee_name: String,
    pub region_path: String,
    pub stage: String,
    pub reason: String,
    pub nominated_at: i64,
}

const NOMINATION_COLUMNS: &str = "id, campaign_id, nominee_id, nominee_name, region_path, stage, reason, nominated_at";

/// A published award, as a profile shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Award {
    pub campaign_id: i64,
    pub title: String,
    pub kind: String,
    pub year: i64,
}

/// Who is nominated, as the caller found them.
#[derive(Debug, Clone)]
pub struct Nominee<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub region_path: &'a str,
}

/// The column that records when a nomination was passed on from `stage`.
fn passed_column(stage: Stage) -> Result<&'static str> {
    match stage {
        Stage::AtCounty => Ok("county_passed_at"),
        Stage::AtCity => Ok("city_passed_at"),
        Stage::AtProvince => Ok("awarded_at"),
        Stage::Awarded | Stage::Declined => Err(StoreError::conflict("invalid_transition", "nothing follows")),
    }
}

impl Store {
    /// Opens a checked campaign in a region; audited.
    pub async fn open_campaign(
        &self,
        campaign: &Campaign,
        region_code: &str,
        region_path: &str,
        by: i64,
        now: i64,
    ) -> Result<AwardCampaign> {
        let mut tx = self.transaction().await?;
        let id: i64 = query_scalar(
            "INSERT INTO award_campaigns (title, kind, year, region_code, region_path, county_quota, city_quota, \
             province_quota, nominate_until, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(campaign.title.clone())
        .bind(campaign.kind.as_str())
        .bind(i64::from(campaign.year))
        .bind(region_code)
        .bind(region_path)
        .bind(campaign.county_quota)
        .bind(campaign.city_quota)
        .bind(campaign.province_quota)
        .bind(campaign.nominate_until.to_string())
        .bind(by)
        .bind(now)
        .fetch_one(&mut tx)
        .await?;
        audit_entry(
            &mut tx,
            now,
            Some(by),
            "award_campaign_opened",
            "award_campaign",
            id.to_string(),
            &campaign.title,
        )
        .await?;
        tx.commit().await?;
        self.campaign(id).await?.ok_or(StoreError::NotFound("campaign"))
    }

    pub async fn campaign(&self, id: i64) -> Result<Option<AwardCampaign>> {
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM award_campaigns WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut conn)
        .await
    }

    /// The campaigns of the region at `path` and below, newest first.
    pub async fn campaigns_within(&self, path: &str) -> Result<Vec<AwardCampaign>> {
        let (low, high) = subtree_bounds(path);
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM award_campaigns WHERE region_path = $1 OR (region_path > $2 AND \
             region_path < $3) ORDER BY id DESC LIMIT 200"
        )))
        .bind(path)
        .bind(low)
        .bind(high)
        .fetch_all(&mut conn)
        .await
    }

    /// Nominates someone (once per campaign: `already_nominated`); the
    /// nomination enters at its nominee's county, city or province.
    pub async fn nominate(
        &self,
        campaign_id: i64,
        nominee: &Nominee<'_>,
        reason: &str,
        today: NaiveDate,
        by: i64,
        now: i64,
    ) -> Result<Nomination> {
        let campaign = self
            .campaign(campaign_id)
            .await?
            .ok_or(StoreError::NotFound("campaign"))?;
        let until: NaiveDate = campaign
            .nominate_until
            .parse()
            .map_err(|_| StoreError::conflict("campaign_corrupt", "a stored day is not a date"))?;
        award::check_nomination_open(today, until, campaign.published_at.is_some())?;
        let (stage, county, city) = award::entry(nominee.region_path);
        let mut tx = self.transaction().await?;
        let id: Option<i64> = query_scalar(
            "INSERT INTO award_nominations (campaign_id, nominee_id, nominee_name, region_path, county_code, city_code, \
             stage, reason, nominated_by, nominated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (campaign_id, nominee_id) DO NOTHING RETURNING id",
        )
        .bind(campaign.id)
        .bind(nominee.id)
        .bind(nominee.name)
        .bind(nominee.region_path)
        .bind(county)
        .bind(city)
        .bind(stage.as_str())
        .bind(reason)
        .bind(by)
        .bind(now)
        .fetch_optional(&mut tx)
        .await?;
        let id = id.ok_or_else(|| StoreError::conflict("already_nominated", "this nominee is nominated already"))?;
        tx.commit().await?;
        self.nomination(id).await?.ok_or(StoreError::NotFound("nomination"))
    }

    pub async fn nomination(&self, id: i64) -> Result<Option<Nomination>> {
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {NOMINATION_COLUMNS} FROM award_nominations WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut conn)
        .await
    }

    /// A campaign's nominations at or under `path`, in the order they came.
    pub async fn nominations_within(&self, campaign_id: i64, path: &str) -> Result<Vec<Nomination>> {
        let (low, high) = subtree_bounds(path);
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {NOMINATION_COLUMNS} FROM award_nominations WHERE campaign_id = $1 AND (region_path = $2 OR \
             (region_path > $3 AND region_path < $4)) ORDER BY id"
        )))
        .bind(campaign_id)
        .bind(path)
        .bind(low)
        .bind(high)
        .fetch_all(&mut conn)
        .await
    }

    /// Passes a nomination on (or declines it) for a reviewer whose
    /// highest level over it is `reviewer_level`; decided by the domain
    /// over the counts read under the campaign's lock; audited.
    pub async fn review_nomination(
        &self,
        id: i64,
        pass: bool,
        reviewer_level: RegionLevel,
        by: i64,
        now: i64,
    ) -> Result<Nomination> {
        let lock = self.lock_rows();
        let mut tx = self.transaction().await?;
        {
            let campaign_id: i64 = query_scalar("SELECT campaign_id FROM award_nominations WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut tx)
                .await?
                .ok_or(StoreError::NotFound("nomination"))?;
            let (county_quota, city_quota, province_quota, published_at): (i64, i64, i64, Option<i64>) =
                query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT county_quota, city_quota, province_quota, published_at FROM award_campaigns WHERE id = $1{lock}"
                )))
                .bind(campaign_id)
                .fetch_one(&mut tx)
                .await?;
            let (stage, county, city): (String, Option<String>, Option<String>) =
                query_as("SELECT stage, county_code, city_code FROM award_nominations WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut tx)
                    .await?;
            let stage = Stage::parse(&stage)?;
            let published = published_at.is_some();
            let next = if pass {
                let column = passed_column(stage)?;
                let (area_condition, area, quota) = match stage {
                    Stage::AtCounty => (" AND county_code = $2", county, county_quota),
                    Stage::AtCity => (" AND city_code = $2", city, city_quota),
                    _ => ("", None, province_quota),
                };
                let mut count = query_scalar::<i64>(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM award_nominations WHERE campaign_id = $1{area_condition} AND {column} IS NOT NULL"
                )))
                .bind(campaign_id);
                if let Some(area) = area {
                    count = count.bind(area);
                }
                let passed_here = count.fetch_one(&mut tx).await?;
                let next = award::pass_on(&PassFacts {
                    stage,
                    reviewer_level,
                    published,
                    passed_here,
                    quota,
                })?;
                query(sqlx::AssertSqlSafe(format!(
                    "UPDATE award_nominations SET stage = $1, {column} = $2 WHERE id = $3"
                )))
                .bind(next.as_str())
                .bind(now)
                .bind(id)
                .execute(&mut tx)
                .await?;
                next
            } else {
                let next = award::decline(stage, reviewer_level, published)?;
                query("UPDATE award_nominations SET stage = $1 WHERE id = $2")
                    .bind(next.as_str())
                    .bind(id)
                    .execute(&mut tx)
                    .await?;
                next
            };
            audit_entry(
                &mut tx,
                now,
                Some(by),
                "nomination_reviewed",
                "award_nomination",
                id.to_string(),
                next.as_str(),
            )
            .await?;
        }
        tx.commit().await?;
        self.nomination(id).await?.ok_or(StoreError::NotFound("nomination"))
    }

    /// Publishes a campaign's winners, once; audited.
    pub async fn publish_campaign(&self, id: i64, by: i64, now: i64) -> Result<AwardCampaign> {
        let lock = self.lock_rows();
        let mut tx = self.transaction().await?;
        {
            let published: Option<Option<i64>> = query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT published_at FROM award_campaigns WHERE id = $1{lock}"
            )))
            .bind(id)
            .fetch_optional(&mut tx)
            .await?;
            let published = published.ok_or(StoreError::NotFound("campaign"))?;
            award::check_publication(published.is_some())?;
            query("UPDATE award_campaigns SET published_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut tx)
                .await?;
            audit_entry(
                &mut tx,
                now,
                Some(by),
                "award_campaign_published",
                "award_campaign",
                id.to_string(),
                "",
            )
            .await?;
        }
        tx.commit().await?;
        self.campaign(id).await?.ok_or(StoreError::NotFound("campaign"))
    }

    /// The published awards of a nominee of `kind`, newest first.
    pub async fn awards_of(&self, kind: AwardKind, nominee_id: &str) -> Result<Vec<Award>> {
        let mut conn = self.reader().await?;
        query_as(
            "SELECT c.id AS campaign_id, c.title, c.kind, c.year FROM award_nominations n \
             JOIN award_campaigns c ON c.id = n.campaign_id \
             WHERE n.nominee_id = $1 AND n.stage = $2 AND c.kind = $3 AND c.published_at IS NOT NULL \
             ORDER BY c.year DESC, c.id DESC",
        )
        .bind(nominee_id)
        .bind(Stage::Awarded.as_str())
        .bind(kind.as_str())
        .fetch_all(&mut conn)
        .await
    }

    /// A nominee's effective minutes and records as reviewers weigh them:
    /// a volunteer's or an organization's totals, or the effective records
    /// of a project's activities.
    pub async fn nominee_record(&self, kind: AwardKind, id: i64) -> Result<(i64, i64)> {
        let mut conn = self.reader().await?;
        let row: Option<(i64, i64)> = match kind {
            AwardKind::OutstandingVolunteer => {
                query_as("SELECT credit_minutes + honor_minutes, records FROM volunteer_totals WHERE volunteer_id = $1")
                    .bind(id)
                    .fetch_optional(&mut conn)
                    .await?
            }
            AwardKind::OutstandingOrganization => query_as(
                "SELECT credit_minutes + honor_minutes, records FROM organization_totals WHERE organization_id = $1",
            )
            .bind(id)
            .fetch_optional(&mut conn)
            .await?,
            AwardKind::OutstandingProject => Some(
                query_as(
                    "SELECT CAST(COALESCE(SUM(r.minutes), 0) AS BIGINT), COUNT(r.id) FROM service_records r \
                     JOIN activities a ON a.id = r.activity_id WHERE a.project_id = $1 AND r.state = $2",
                )
                .bind(id)
                .bind(RecordState::Effective.as_str())
                .fetch_one(&mut conn)
                .await?,
            ),
            AwardKind::BestCommunity => None,
        };
        Ok(row.unwrap_or((0, 0)))
    }
}
