//! Volunteers' reports of a missing or wrong service record, and the
//! organization's answer. Whether a report may be filed is decided in
//! `zhiyuan_domain::record::check_report`; a report is answered once.

use crate::sql::{query, query_as, query_scalar};
use crate::{Result, Store, StoreError};
use serde::Serialize;
use zhiyuan_domain::record::{ReportKind, ReportState};

/// A report with the names a reader needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RecordReport {
    pub id: i64,
    pub volunteer_id: i64,
    pub volunteer_name: String,
    pub activity_id: i64,
    pub activity_title: String,
    pub organization_id: i64,
    pub record_id: Option<i64>,
    pub kind: String,
    pub detail: String,
    pub state: String,
    pub created_at: i64,
    pub answered_by: Option<i64>,
    pub answered_at: Option<i64>,
    pub answer: Option<String>,
}

const REPORT_SELECT: &str = "SELECT p.id, p.volunteer_id, v.name AS volunteer_name, p.activity_id, a.title AS activity_title, \
     p.organization_id, p.record_id, p.kind, p.detail, p.state, p.created_at, p.answered_by, p.answered_at, p.answer \
     FROM record_reports p JOIN volunteers v ON v.id = p.volunteer_id JOIN activities a ON a.id = p.activity_id";

/// A checked report, ready to keep.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub volunteer_id: i64,
    pub activity_id: i64,
    pub organization_id: i64,
    pub record_id: Option<i64>,
    pub kind: ReportKind,
    pub detail: String,
}

impl Store {
    /// Keeps a report. One open report per volunteer, activity and record:
    /// a second is `report_already_open` (409).
    pub async fn file_report(&self, new: &NewReport, now: i64) -> Result<RecordReport> {
        let mut tx = self.transaction().await?;
        let id: Option<i64> = {
            let open: Option<(i64,)> = query_as(
                "SELECT id FROM record_reports WHERE volunteer_id = $1 AND activity_id = $2 AND state = $4 \
                 AND COALESCE(record_id, 0) = COALESCE($3, 0)",
            )
            .bind(new.volunteer_id)
            .bind(new.activity_id)
            .bind(new.record_id)
            .bind(ReportState::Open.as_str())
            .fetch_optional(&mut tx)
            .await?;
            match open {
                Some(_) => None,
                None => Some(
                    query_scalar(
                        "INSERT INTO record_reports (volunteer_id, activity_id, organization_id, record_id, kind, detail, \
                         state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    )
                    .bind(new.volunteer_id)
                    .bind(new.activity_id)
                    .bind(new.organization_id)
                    .bind(new.record_id)
                    .bind(new.kind.as_str())
                    .bind(&new.detail)
                    .bind(ReportState::Open.as_str())
                    .bind(now)
                    .fetch_one(&mut tx)
                    .await?,
                ),
            }
        };
        tx.commit().await?;
        let id = id.ok_or_else(|| {
            StoreError::conflict(
                "report_already_open",
                "you have already reported this; the organization has not answered yet",
            )
        })?;
        self.require_report(id).await
    }

    pub async fn report(&self, id: i64) -> Result<Option<RecordReport>> {
        let sql = format!("{REPORT_SELECT} WHERE p.id = $1");
        Ok({
            let mut conn = self.reader().await?;
            query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut conn)
                .await?
        })
    }

    pub async fn require_report(&self, id: i64) -> Result<RecordReport> {
        self.report(id).await?.ok_or(StoreError::NotFound("report"))
    }

    /// An organization's reports, oldest first, optionally of one state.
    pub async fn reports_of_organization(
        &self,
        organization_id: i64,
        state: Option<ReportState>,
        limit: i64,
    ) -> Result<Vec<RecordReport>> {
        let sql = format!(
            "{REPORT_SELECT} WHERE p.organization_id = $1 AND ($2 IS NULL OR p.state = $2) ORDER BY p.created_at, p.id LIMIT $3"
        );
        Ok({
            let mut conn = self.reader().await?;
            query_as(sqlx::AssertSqlSafe(sql))
                .bind(organization_id)
                .bind(state.map(ReportState::as_str))
                .bind(limit)
                .fetch_all(&mut conn)
                .await?
        })
    }

    /// A volunteer's reports, newest first.
    pub async fn reports_of_volunteer(&self, volunteer_id: i64, limit: i64) -> Result<Vec<RecordReport>> {
        let sql = format!("{REPORT_SELECT} WHERE p.volunteer_id = $1 ORDER BY p.created_at DESC, p.id DESC LIMIT $2");
        Ok({
            let mut conn = self.reader().await?;
            query_as(sqlx::AssertSqlSafe(sql))
                .bind(volunteer_id)
                .bind(limit)
                .fetch_all(&mut conn)
                .await?
        })
    }

    /// Resolves or rejects an open report with the organization's answer;
    /// `invalid_transition` when it was answered already.
    pub async fn answer_report(
        &self,
        id: i64,
        to: ReportState,
        answer: &str,
        by_user: i64,
        now: i64,
    ) -> Result<RecordReport> {
        let lock = self.lock_rows();
        let current_sql = format!("SELECT state FROM record_reports WHERE id = $1{lock}");
        let mut tx = self.transaction().await?;
        {
            let current: Option<(String,)> = query_as(sqlx::AssertSqlSafe(current_sql))
                .bind(id)
                .fetch_optional(&mut tx)
                .await?;
            let (state,) = current.ok_or(StoreError::NotFound("report"))?;
            ReportState::parse(&state)?.transition(to)?;
            query(
                "UPDATE record_reports SET state = $1, answer = $2, answered_by = $3, answered_at = $4 WHERE id = $5",
            )
            .bind(to.as_str())
            .bind(answer)
            .bind(by_user)
            .bind(now)
            .bind(id)
            .execute(&mut tx)
            .await?;
        };
        tx.commit().await?;
        self.require_report(id).await
    }
}
