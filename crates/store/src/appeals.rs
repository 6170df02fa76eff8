//! Appeals against a taken ID number: filed by anyone and bound to the
//! record that holds the number (or to none, the same way, so that filing
//! reveals nothing), listed for the region administrators over that
//! record, and resolved by them; an upheld appeal releases the number from
//! the record that held it.

use crate::sql::{query, query_as, query_scalar};
use crate::vault::Place;
use crate::{Page, Result, Store, StoreError, audit_entry, into_page, parse_cursor, subtree_bounds};
use serde::Serialize;
use zhiyuan_domain::appeal::{AppealStatus, resolver_region};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Appeal {
    pub id: i64,
    pub name: String,
    /// The appellant's region.
    pub region_code: String,
    pub reason: String,
    pub status: String,
    pub created_at: i64,
    pub resolved_by: Option<i64>,
    pub resolved_at: Option<i64>,
    pub resolution: Option<String>,
    /// The region of the record that held the number when the appeal was filed.
    pub holder_region_code: Option<String>,
    pub holder_region_path: Option<String>,
}

const APPEAL_COLUMNS: &str = "id, name, region_code, reason, status, created_at, resolved_by, resolved_at, resolution, \
     holder_region_code, holder_region_path";

/// An appeal with the appellant's region path.
#[derive(sqlx::FromRow)]
struct AppealRow {
    #[sqlx(flatten)]
    appeal: Appeal,
    appellant_region_path: String,
}

/// What the mask of an ID number released by an upheld appeal reads.
pub const RELEASED_ID_MASK: &str = "(released)";

/// An appeal as filed.
#[derive(Debug, Clone)]
pub struct NewAppeal<'a> {
    pub id_number: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    /// The appellant's region code.
    pub region_code: &'a str,
    pub reason: &'a str,
    pub filed_by: Option<i64>,
}

impl Store {
    /// Files an appeal against a taken ID number, bound to the record that
    /// holds the number now (if any: an appeal about a number nobody holds
    /// is kept the same way, so that filing reveals nothing). `filed_by` is
    /// the appellant's login, when they have one.
    pub async fn file_appeal(&self, appeal: &NewAppeal<'_>, now: i64) -> Result<i64> {
        let id_hash = self.vault.lookup_hash("id", appeal.id_number);
        let phone_sealed = self.vault.seal(Place::appeal_phone(&id_hash), appeal.phone);
        let region = self.require_region(appeal.region_code).await?;
        let mut tx = self.transaction().await?;
        let id = {
            let holder: Option<(i64, String, String)> =
                query_as("SELECT id, region_code, region_path FROM volunteers WHERE id_hash = $1")
                    .bind(&id_hash)
                    .fetch_optional(&mut tx)
                    .await?;
            let (holder_id, holder_code, holder_path) = match holder {
                Some((id, code, path)) => (Some(id), Some(code), Some(path)),
                None => (None, None, None),
            };
            let id: i64 = query_scalar(
                "INSERT INTO id_appeals (id_hash, name, phone_sealed, region_code, region_path, reason, status, created_at, \
                 holder_volunteer_id, holder_region_code, holder_region_path, filed_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(&id_hash)
            .bind(appeal.name)
            .bind(&phone_sealed)
            .bind(&region.code)
            .bind(&region.path)
            .bind(appeal.reason)
            .bind(AppealStatus::Open.as_str())
            .bind(now)
            .bind(holder_id)
            .bind(holder_code)
            .bind(holder_path)
            .bind(appeal.filed_by)
            .fetch_one(&mut tx)
            .await?;
            audit_entry(
                &mut tx,
                now,
                appeal.filed_by,
                "appeal.filed",
                "appeal",
                id.to_string(),
                "",
            )
            .await?;
            id
        };
        tx.commit().await?;
        Ok(id)
    }

    /// An appeal with the region path whose administrators resolve it
    /// (`appeal::resolver_region`).
    pub async fn appeal(&self, id: i64) -> Result<Option<(Appeal, String)>> {
        let sql =
            format!("SELECT {APPEAL_COLUMNS}, region_path AS appellant_region_path FROM id_appeals WHERE id = $1");
        let row: Option<AppealRow> = {
            let mut conn = self.reader().await?;
            query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut conn)
                .await?
        };
        Ok(row.map(|row| {
            let path =
                resolver_region(row.appeal.holder_region_path.as_deref(), &row.appellant_region_path).to_string();
            (row.appeal, path)
        }))
    }

    /// Appeals that administrators of the region at `region_path` resolve:
    /// those whose holder lives in its subtree (or, with no holder, whose
    /// appellant does).
    pub async fn appeals_in(&self, region_path: &str, cursor: Option<&str>, limit: i64) -> Result<Page<Appeal>> {
        let (low, high) = subtree_bounds(region_path);
        let sql = format!(
            "SELECT {APPEAL_COLUMNS} FROM id_appeals WHERE id > $4 AND \
             ((holder_region_path = $1 OR (holder_region_path > $2 AND holder_region_path < $3)) \
             OR (holder_region_path IS NULL AND (region_path = $1 OR (region_path > $2 AND region_path < $3)))) \
             ORDER BY id LIMIT $5"
        );
        let rows = {
            let mut conn = self.reader().await?;
            query_as::<Appeal>(sqlx::AssertSqlSafe(sql))
                .bind(region_path)
                .bind(low)
                .bind(high)
                .bind(parse_cursor(cursor))
                .bind(limit + 1)
                .fetch_all(&mut conn)
                .await?
        };
        Ok(into_page(rows, limit, |a| a.id))
    }

    /// Resolves an open appeal. Upheld: the ID number is released from the
    /// record that holds it (that record keeps its history but no longer
    /// claims the ID) so the rightful owner can register.
    pub async fn resolve_appeal(
        &self,
        id: i64,
        upheld: bool,
        resolution: &str,
        by_user: i64,
        now: i64,
    ) -> Result<Appeal> {
        let lock = self.lock_rows();
        let sql = format!("SELECT id_hash, status, holder_volunteer_id FROM id_appeals WHERE id = $1{lock}");
        let mut tx = self.transaction().await?;
        {
            let row: Option<(Vec<u8>, String, Option<i64>)> = query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .fetch_optional(&mut tx)
                .await?;
            let Some((id_hash, status, holder)) = row else {
                return Err(StoreError::NotFound("appeal"));
            };
            let new_status = AppealStatus::parse(&status)?.resolve(upheld)?;
            query(
                "UPDATE id_appeals SET status = $2, resolved_by = $3, resolved_at = $4, resolution = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(new_status.as_str())
            .bind(by_user)
            .bind(now)
            .bind(resolution)
            .execute(&mut tx)
            .await?;
            if new_status == AppealStatus::Upheld
                && let Some(holder) = holder
            {
                // Only the record that held the number when the appeal was
                // filed, and only if it still holds it. Its sealed values
                // move to the row's new lookup hash.
                let held: Option<(String, String, Option<String>)> = query_as(
                    "SELECT id_sealed, phone_sealed, guardian_phone_sealed FROM volunteers WHERE id = $1 AND id_hash = $2",
                )
                .bind(holder)
                .bind(&id_hash)
                .fetch_optional(&mut tx)
                .await?;
                if let Some((id_sealed, phone_sealed, guardian_phone_sealed)) = held {
                    let released = self.vault.lookup_hash("released-by-appeal", &id.to_string());
                    let reseal = |column: &'static str, sealed: &str| -> Result<String> {
                        let plain = self.vault.open(Place::volunteer(column, &id_hash), sealed)?;
                        Ok(self.vault.seal(Place::volunteer(column, &released), &plain))
                    };
                    let guardian = guardian_phone_sealed
                        .as_deref()
                        .map(|s| reseal("guardian_phone_sealed", s))
                        .transpose()?;
                    query(
                        "UPDATE volunteers SET id_hash = $2, id_masked = $3, id_sealed = $4, phone_sealed = $5, \
                         guardian_phone_sealed = $6 WHERE id = $1",
                    )
                    .bind(holder)
                    .bind(&released)
                    .bind(RELEASED_ID_MASK)
                    .bind(reseal("id_sealed", &id_sealed)?)
                    .bind(reseal("phone_sealed", &phone_sealed)?)
                    .bind(guardian)
                    .execute(&mut tx)
                    .await?;
                }
            }
            audit_entry(
                &mut tx,
                now,
                Some(by_user),
                "appeal.resolved",
                "appeal",
                id.to_string(),
                new_status.as_str(),
            )
            .await?;
        };
        tx.commit().await?;
        Ok(self.appeal(id).await?.ok_or(StoreError::NotFound("appeal"))?.0)
    }
}
