//! The counters behind `zhiyuan_domain::throttle`: one row per key (a keyed
//! hash of what is counted), read and written in one transaction so that
//! concurrent tries are counted one after another; the domain decides.

use crate::sql::{query, query_as};
use crate::{Result, Store};
use zhiyuan_domain::throttle::{LONGEST_WINDOW_SECS, Throttle, Window};

const WRITE_WINDOW: &str = "UPDATE throttle_counters SET window_start = $1, count = $2 WHERE key = $3";

impl Store {
    /// Counts one try of `key` against `throttle` at `now`; `Some(seconds)`
    /// to wait when the try is over the limit (it is counted all the same).
    pub async fn count_attempt(&self, throttle: Throttle, key: &str, now: i64) -> Result<Option<i64>> {
        let hashed = self.vault.lookup_hash("throttle", key);
        let lock = self.lock_rows();
        let sql = format!("SELECT window_start, count FROM throttle_counters WHERE key = $1{lock}");
        let mut tx = self.transaction().await?;
        let retry_after = {
            query("INSERT INTO throttle_counters (key, window_start, count) VALUES ($1, $2, 0) ON CONFLICT (key) DO NOTHING")
                .bind(&hashed)
                .bind(now)
                .execute(&mut tx)
                .await?;
            let (started_ms, count): (i64, i64) = query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(&hashed)
                .fetch_one(&mut tx)
                .await?;
            let stored = (count > 0).then(|| Window {
                started_ms,
                count: u32::try_from(count).unwrap_or(u32::MAX),
            });
            let counted = throttle.count(stored, now);
            query(WRITE_WINDOW)
                .bind(counted.window.started_ms)
                .bind(i64::from(counted.window.count))
                .bind(&hashed)
                .execute(&mut tx)
                .await?;
            counted.retry_after_secs
        };
        tx.commit().await?;
        Ok(retry_after)
    }

    /// Gives one counted try of `key` back (a login that succeeded).
    pub async fn refund_attempt(&self, key: &str) -> Result<()> {
        let hashed = self.vault.lookup_hash("throttle", key);
        let lock = self.lock_rows();
        let sql = format!("SELECT window_start, count FROM throttle_counters WHERE key = $1{lock}");
        let mut tx = self.transaction().await?;
        {
            let stored: Option<(i64, i64)> = query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(&hashed)
                .fetch_optional(&mut tx)
                .await?;
            if let Some((started_ms, count)) = stored {
                let window = Window {
                    started_ms,
                    count: u32::try_from(count).unwrap_or(u32::MAX),
                }
                .refunded();
                query(WRITE_WINDOW)
                    .bind(window.started_ms)
                    .bind(i64::from(window.count))
                    .bind(&hashed)
                    .execute(&mut tx)
                    .await?;
            }
        };
        tx.commit().await?;
        Ok(())
    }

    /// Forgets the tries of `key` (a login or activation that succeeded).
    pub async fn clear_attempts(&self, key: &str) -> Result<()> {
        let hashed = self.vault.lookup_hash("throttle", key);
        let mut tx = self.transaction().await?;
        {
            query("DELETE FROM throttle_counters WHERE key = $1")
                .bind(&hashed)
                .execute(&mut tx)
                .await?;
        };
        tx.commit().await?;
        Ok(())
    }

    /// Deletes the counters whose window ended long ago (a background job),
    /// so that the table holds only live keys. Returns how many went.
    pub async fn prune_attempts(&self, now: i64) -> Result<u64> {
        let before = now - LONGEST_WINDOW_SECS * 1000;
        let mut tx = self.transaction().await?;
        let pruned = {
            query("DELETE FROM throttle_counters WHERE window_start < $1")
                .bind(before)
                .execute(&mut tx)
                .await?
                .rows_affected()
        };
        tx.commit().await?;
        Ok(pruned)
    }
}
