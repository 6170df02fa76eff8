//! Demonstration-project funding as stored: calls (`funding_calls`, with
//! running totals of what was granted and paid), applications, reviewers'
//! scores and disbursements. A grant or a payment locks its call row
//! (PostgreSQL `FOR UPDATE`; SQLite's one writer already serializes), reads
//! the totals, lets `zhiyuan_domain::funding` decide and writes the outcome
//! and the new totals in the same transaction, so the budget holds under
//! concurrent decisions.

use crate::sql::{query, query_as, query_scalar};
use crate::{Result, Store, StoreError, audit_entry, subtree_bounds};
use chrono::NaiveDate;
use serde::Serialize;
use zhiyuan_domain::funding::{self, ApplicationFacts, Call, GrantFacts};

/// A call with its running totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FundingCall {
    pub id: i64,
    pub title: String,
    pub mode: String,
    pub year: i64,
    pub region_code: String,
    pub region_path: String,
    pub budget_yuan: i64,
    pub max_projects: i64,
    pub opens_on: String,
    pub closes_on: String,
    pub granted_yuan: i64,
    pub granted_projects: i64,
    pub disbursed_yuan: i64,
}

const CALL_COLUMNS: &str = "id, title, mode, year, region_code, region_path, budget_yuan, max_projects, opens_on, \
     closes_on, granted_yuan, granted_projects, disbursed_yuan";

/// An application with what a reviewer needs to see beside it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct FundingApplication {
    pub id: i64,
    pub call_id: i64,
    pub project_id: i64,
    pub project_title: String,
    pub organization_id: i64,
    pub organization_name: String,
    pub amount_yuan: i64,
    pub plan: String,
    pub applied_at: i64,
    pub granted_yuan: Option<i64>,
    pub granted_at: Option<i64>,
    pub disbursed_yuan: i64,
    /// Scores given and their mean (null without scores).
    pub scores: i64,
    pub mean_score: Option<f64>,
}

const APPLICATION_SELECT: &str = "SELECT a.id, a.call_id, a.project_id, p.title AS project_title, a.organization_id, \
     o.name AS organization_name, a.amount_yuan, a.plan, a.applied_at, a.granted_yuan, a.granted_at, a.disbursed_yuan, \
     (SELECT COUNT(*) FROM funding_scores s WHERE s.application_id = a.id) AS scores, \
     (SELECT CAST(AVG(s.score) AS DOUBLE PRECISION) FROM funding_scores s WHERE s.application_id = a.id) AS mean_score \
     FROM funding_applications a JOIN projects p ON p.id = a.project_id JOIN organizations o ON o.id = a.organization_id";

/// The totals of the calls of one mode in a region and year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FundingTotals {
    pub mode: String,
    pub calls: i64,
    pub budget_yuan: i64,
    pub granted_yuan: i64,
    pub granted_projects: i64,
    pub disbursed_yuan: i64,
}

/// An application as the organization sends it, with the facts about it
/// the caller read (the project's organization, its region and whether
/// it is verified).
#[derive(Debug, Clone)]
pub struct NewApplication<'a> {
    pub call_id: i64,
    pub project_id: i64,
    pub organization_id: i64,
    pub organization_region_path: &'a str,
    pub organization_verified: bool,
    pub amount_yuan: i64,
    pub plan: &'a str,
}

fn stored_day(raw: &str) -> Result<NaiveDate> {
    raw.parse()
        .map_err(|_| StoreError::conflict("call_corrupt", "a stored day of a call is not a date"))
}

impl Store {
    /// Opens a checked call in a region; audited.
    pub async fn open_call(
        &self,
        call: &Call,
        region_code: &str,
        region_path: &str,
        by: i64,
        now: i64,
    ) -> Result<FundingCall> {
        let mut tx = self.transaction().await?;
        let id: i64 = query_scalar(
            "INSERT INTO funding_calls (title, mode, year, region_code, region_path, budget_yuan, max_projects, \
             opens_on, closes_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             RETURNING id",
        )
        .bind(call.title.clone())
        .bind(call.mode.as_str())
        .bind(i64::from(call.year))
        .bind(region_code)
        .bind(region_path)
        .bind(call.budget_yuan)
        .bind(call.max_projects)
        .bind(call.opens_on.to_string())
        .bind(call.closes_on.to_string())
        .bind(by)
        .bind(now)
        .fetch_one(&mut tx)
        .await?;
        audit_entry(
            &mut tx,
            now,
            Some(by),
            "funding_call_opened",
            "funding_call",
            id.to_string(),
            &call.title,
        )
        .await?;
        tx.commit().await?;
        self.funding_call(id).await?.ok_or(StoreError::NotFound("call"))
    }

    pub async fn funding_call(&self, id: i64) -> Result<Option<FundingCall>> {
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CALL_COLUMNS} FROM funding_calls WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut conn)
        .await
    }

    /// The calls of the region at `path` and below, newest first.
    pub async fn funding_calls_within(&self, path: &str) -> Result<Vec<FundingCall>> {
        let (low, high) = subtree_bounds(path);
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CALL_COLUMNS} FROM funding_calls WHERE region_path = $1 OR (region_path > $2 AND region_path < $3) \
             ORDER BY id DESC LIMIT 200"
        )))
        .bind(path)
        .bind(low)
        .bind(high)
        .fetch_all(&mut conn)
        .await
    }

    /// Files an application (one per project and call): `already_applied`
    /// for a second.
    pub async fn apply_for_funding(
        &self,
        application: &NewApplication<'_>,
        today: NaiveDate,
        by: i64,
        now: i64,
    ) -> Result<FundingApplication> {
        let call = self
            .funding_call(application.call_id)
            .await?
            .ok_or(StoreError::NotFound("call"))?;
        funding::check_application(&ApplicationFacts {
            today,
            opens_on: stored_day(&call.opens_on)?,
            closes_on: stored_day(&call.closes_on)?,
            call_region_path: &call.region_path,
            organization_region_path: application.organization_region_path,
            organization_verified: application.organization_verified,
            amount_yuan: application.amount_yuan,
            budget_yuan: call.budget_yuan,
        })?;
        let mut tx = self.transaction().await?;
        let id: Option<i64> = query_scalar(
            "INSERT INTO funding_applications (call_id, project_id, organization_id, amount_yuan, plan, applied_by, \
             applied_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (call_id, project_id) DO NOTHING RETURNING id",
        )
        .bind(call.id)
        .bind(application.project_id)
        .bind(application.organization_id)
        .bind(application.amount_yuan)
        .bind(application.plan)
        .bind(by)
        .bind(now)
        .fetch_optional(&mut tx)
        .await?;
        let id = id.ok_or_else(|| StoreError::conflict("already_applied", "this project has applied to this call"))?;
        tx.commit().await?;
        self.funding_application(id)
            .await?
            .ok_or(StoreError::NotFound("application"))
    }

    pub async fn funding_application(&self, id: i64) -> Result<Option<FundingApplication>> {
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!("{APPLICATION_SELECT} WHERE a.id = $1")))
            .bind(id)
            .fetch_optional(&mut conn)
            .await
    }

    /// A call's applications, best mean score first.
    pub async fn funding_applications(&self, call_id: i64) -> Result<Vec<FundingApplication>> {
        let mut conn = self.reader().await?;
        let mut rows: Vec<FundingApplication> = query_as(sqlx::AssertSqlSafe(format!(
            "{APPLICATION_SELECT} WHERE a.call_id = $1 ORDER BY a.id"
        )))
        .bind(call_id)
        .fetch_all(&mut conn)
        .await?;
        rows.sort_by(|a, b| b.mean_score.unwrap_or(-1.0).total_cmp(&a.mean_score.unwrap_or(-1.0)));
        Ok(rows)
    }

    /// Records (or replaces) a reviewer's checked score.
    pub async fn score_application(&self, id: i64, reviewer: i64, score: i64, comment: &str, now: i64) -> Result<()> {
        let mut tx = self.transaction().await?;
        query(
            "INSERT INTO funding_scores (application_id, reviewer, score, comment, scored_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (application_id, reviewer) DO UPDATE SET score = excluded.score, comment = excluded.comment, \
             scored_at = excluded.scored_at",
        )
        .bind(id)
        .bind(reviewer)
        .bind(score)
        .bind(comment)
        .bind(now)
        .execute(&mut tx)
        .await?;
        tx.commit().await
    }

    /// Grants `amount_yuan` to an application, decided by the domain over
    /// the call's totals read under its lock; audited.
    pub async fn grant_funding(
        &self,
        application_id: i64,
        amount_yuan: i64,
        by: i64,
        now: i64,
    ) -> Result<FundingApplication> {
        let lock = self.lock_rows();
        let mut tx = self.transaction().await?;
        {
            let call_id: i64 = query_scalar("SELECT call_id FROM funding_applications WHERE id = $1")
                .bind(application_id)
                .fetch_optional(&mut tx)
                .await?
                .ok_or(StoreError::NotFound("application"))?;
            let (budget, max_projects, granted_yuan, granted_projects): (i64, i64, i64, i64) =
                query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT budget_yuan, max_projects, granted_yuan, granted_projects FROM funding_calls WHERE id = $1{lock}"
                )))
                .bind(call_id)
                .fetch_one(&mut tx)
                .await?;
            // Read under the call's lock: a grant of this application made
            // meanwhile is seen.
            let (requested, granted): (i64, Option<i64>) =
                query_as("SELECT amount_yuan, granted_yuan FROM funding_applications WHERE id = $1")
                    .bind(application_id)
                    .fetch_one(&mut tx)
                    .await?;
            funding::decide_grant(&GrantFacts {
                budget_yuan: budget,
                max_projects,
                granted_yuan,
                granted_projects,
                requested_yuan: requested,
                already_granted: granted.is_some(),
                amount_yuan,
            })?;
            query("UPDATE funding_applications SET granted_yuan = $1, granted_by = $2, granted_at = $3 WHERE id = $4")
                .bind(amount_yuan)
                .bind(by)
                .bind(now)
                .bind(application_id)
                .execute(&mut tx)
                .await?;
            query("UPDATE funding_calls SET granted_yuan = $1, granted_projects = $2 WHERE id = $3")
                .bind(granted_yuan + amount_yuan)
                .bind(granted_projects + 1)
                .bind(call_id)
                .execute(&mut tx)
                .await?;
            audit_entry(
                &mut tx,
                now,
                Some(by),
                "funding_granted",
                "funding_application",
                application_id.to_string(),
                format!("{amount_yuan} yuan"),
            )
            .await?;
        }
        tx.commit().await?;
        self.funding_application(application_id)
            .await?
            .ok_or(StoreError::NotFound("application"))
    }

    /// Records a payment of a grant, never past it; audited.
    pub async fn disburse_funding(
        &self,
        application_id: i64,
        amount_yuan: i64,
        paid_on: NaiveDate,
        note: &str,
        by: i64,
        now: i64,
    ) -> Result<FundingApplication> {
        let lock = self.lock_rows();
        let mut tx = self.transaction().await?;
        {
            let call_id: i64 = query_scalar("SELECT call_id FROM funding_applications WHERE id = $1")
                .bind(application_id)
                .fetch_optional(&mut tx)
                .await?
                .ok_or(StoreError::NotFound("application"))?;
            let disbursed_in_call: i64 = query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT disbursed_yuan FROM funding_calls WHERE id = $1{lock}"
            )))
            .bind(call_id)
            .fetch_one(&mut tx)
            .await?;
            let (granted, disbursed): (Option<i64>, i64) =
                query_as("SELECT granted_yuan, disbursed_yuan FROM funding_applications WHERE id = $1")
                    .bind(application_id)
                    .fetch_one(&mut tx)
                    .await?;
            funding::check_disbursement(granted.unwrap_or(0), disbursed, amount_yuan)?;
            query(
                "INSERT INTO funding_disbursements (application_id, amount_yuan, paid_on, note, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(application_id)
            .bind(amount_yuan)
            .bind(paid_on.to_string())
            .bind(note)
            .bind(by)
            .bind(now)
            .execute(&mut tx)
            .await?;
            query("UPDATE funding_applications SET disbursed_yuan = $1 WHERE id = $2")
                .bind(disbursed + amount_yuan)
                .bind(application_id)
                .execute(&mut tx)
                .await?;
            query("UPDATE funding_calls SET disbursed_yuan = $1 WHERE id = $2")
                .bind(disbursed_in_call + amount_yuan)
                .bind(call_id)
                .execute(&mut tx)
                .await?;
            audit_entry(
                &mut tx,
                now,
                Some(by),
                "funding_disbursed",
                "funding_application",
                application_id.to_string(),
                format!("{amount_yuan} yuan on {paid_on}"),
            )
            .await?;
        }
        tx.commit().await?;
        self.funding_application(application_id)
            .await?
            .ok_or(StoreError::NotFound("application"))
    }

    /// The totals per mode of the calls of a year at or under `path`.
    pub async fn funding_totals(&self, path: &str, year: i32) -> Result<Vec<FundingTotals>> {
        let (low, high) = subtree_bounds(path);
        let mut conn = self.reader().await?;
        query_as(
            "SELECT mode, COUNT(*) AS calls, CAST(SUM(budget_yuan) AS BIGINT) AS budget_yuan, \
             CAST(SUM(granted_yuan) AS BIGINT) AS granted_yuan, CAST(SUM(granted_projects) AS BIGINT) AS granted_projects, \
             CAST(SUM(disbursed_yuan) AS BIGINT) AS disbursed_yuan FROM funding_calls \
             WHERE (region_path = $1 OR (region_path > $2 AND region_path < $3)) AND year = $4 \
             GROUP BY mode ORDER BY mode",
        )
        .bind(path)
        .bind(low)
        .bind(high)
        .bind(i64::from(year))
        .fetch_all(&mut conn)
        .await
    }
}
