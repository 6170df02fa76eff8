//! The rows of the exports, a page at a time (keyset on the row id, so a
//! million rows never sit in memory at once): service records of a region
//! and period with the names a reader needs, and the audit entry every
//! export of personal data leaves.

use crate::sql::{Tx, query_as};
use crate::{Result, Store, audit_entry, subtree_bounds};

/// A service record as exported: masked identity, never the whole ID number.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExportRecord {
    pub id: i64,
    pub volunteer_no: String,
    pub volunteer_name: String,
    pub id_masked: String,
    pub activity_id: i64,
    pub activity_title: String,
    pub category: String,
    pub organization_name: String,
    pub organization_uscc: Option<String>,
    pub region_code: String,
    pub service_day: String,
    pub from_at: i64,
    pub to_at: i64,
    pub minutes: i64,
    pub hour_kind: String,
    pub state: String,
}

/// Which records a page of an export holds.
#[derive(Debug, Clone)]
pub struct RecordPage<'a> {
    /// Records served at or under this region path.
    pub region_path: &'a str,
    /// Service days from and to (`YYYY-MM-DD`, inclusive).
    pub from_day: &'a str,
    pub to_day: &'a str,
    /// Only records in this state (none: every state).
    pub state: Option<&'a str>,
    /// The last id of the page before (0: from the start).
    pub after_id: i64,
    pub limit: i64,
}

impl Store {
    /// One page of the records of a region and period, in order of id.
    pub async fn export_records(&self, page: &RecordPage<'_>) -> Result<Vec<ExportRecord>> {
        let (low, high) = subtree_bounds(page.region_path);
        let state_filter = if page.state.is_some() { " AND r.state = $8" } else { "" };
        let sql = format!(
            "SELECT r.id, v.volunteer_no, v.name AS volunteer_name, v.id_masked, r.activity_id, \
             a.title AS activity_title, a.category, o.name AS organization_name, o.uscc AS organization_uscc, \
             r.region_code, r.service_day, r.from_at, r.to_at, r.minutes, r.hour_kind, r.state \
             FROM service_records r \
             JOIN volunteers v ON v.id = r.volunteer_id \
             JOIN activities a ON a.id = r.activity_id \
             JOIN organizations o ON o.id = r.organization_id \
             WHERE (r.region_path = $1 OR (r.region_path > $2 AND r.region_path < $3)) \
             AND r.service_day >= $4 AND r.service_day <= $5 AND r.id > $6{state_filter} \
             ORDER BY r.id LIMIT $7"
        );
        let mut statement = query_as::<ExportRecord>(sqlx::AssertSqlSafe(sql))
            .bind(page.region_path)
            .bind(low)
            .bind(high)
            .bind(page.from_day)
            .bind(page.to_day)
            .bind(page.after_id)
            .bind(page.limit);
        if let Some(state) = page.state {
            statement = statement.bind(state);
        }
        let mut conn = self.reader().await?;
        statement.fetch_all(&mut conn).await
    }

    /// Leaves the audit entry of an export: who took which rows.
    pub async fn audit_export(&self, by_user: i64, kind: &str, detail: &str, now: i64) -> Result<()> {
        let mut tx: Tx<'static> = self.transaction().await?;
        audit_entry(
            &mut tx,
            now,
            Some(by_user),
            &format!("export.{kind}"),
            "export",
            kind,
            detail,
        )
        .await?;
        tx.commit().await
    }
}
