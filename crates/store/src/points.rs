//! Points as stored: the balance beside a volunteer's hours
//! (`volunteer_totals.points`) and every change of it (`points_entries`).
//! A record's change moves its points in the transaction that appends its
//! ledger entry ([`record_changed`]); a redemption spends them in its own
//! ([`spend`]). How many points, and why, is `zhiyuan_domain::points`.

use crate::records::ServiceRecord;
use crate::sql::{Tx, query, query_as, query_scalar};
use crate::{Page, Result, Store, into_page, parse_cursor};
use serde::Serialize;
use zhiyuan_domain::points::{self, PointsChange, PointsRate, PointsReason};
use zhiyuan_domain::record::RecordState;

/// One change of a balance, newest first in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PointsEntry {
    pub id: i64,
    pub at: i64,
    pub delta: i64,
    pub reason: String,
    /// The balance after the change.
    pub balance: i64,
    pub record_id: Option<i64>,
    pub redemption_id: Option<i64>,
}

/// A volunteer's points: the balance and a page of entries, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsAccount {
    pub balance: i64,
    pub entries: Page<PointsEntry>,
}

/// The rate in force, read inside the transaction that uses it.
async fn rate(tx: &mut Tx<'_>) -> Result<PointsRate> {
    let stored: Option<String> = query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(points::POINTS_PER_HOUR)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(PointsRate::of_setting(stored.as_deref()))
}

/// Moves the volunteer's points after `record` changed (it is as it
/// stands after the change): the domain compares what the record has
/// earned with what it now earns. The caller holds the volunteer's
/// totals row (the ledger append locked it).
pub(crate) async fn record_changed(tx: &mut Tx<'_>, record: &ServiceRecord, at: i64) -> Result<()> {
    let state = RecordState::parse(&record.state)?;
    let earned: i64 =
        query_scalar("SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM points_entries WHERE record_id = $1")
            .bind(record.id)
            .fetch_one(&mut *tx)
            .await?;
    let rate = rate(tx).await?;
    if let Some(change) = points::record_changed(rate, state.effective_minutes(record.minutes), earned) {
        add_entry(tx, record.volunteer_id, change, at, Some(record.id), None).await?;
    }
    Ok(())
}

/// Spends `cost` points of the volunteer's for a redemption (the caller
/// checked the balance under the lock it holds).
pub(crate) async fn spend(tx: &mut Tx<'_>, volunteer_id: i64, cost: i64, at: i64, redemption_id: i64) -> Result<()> {
    if cost == 0 {
        return Ok(());
    }
    let change = PointsChange {
        delta: -cost,
        reason: PointsReason::Redeemed,
    };
    add_entry(tx, volunteer_id, change, at, None, Some(redemption_id)).await
}

/// The volunteer's balance, locking their totals row (created if need
/// be) for the rest of the transaction on PostgreSQL.
pub(crate) async fn locked_balance(tx: &mut Tx<'_>, volunteer_id: i64) -> Result<(i64, i64)> {
    query_as(
        "INSERT INTO volunteer_totals (volunteer_id, credit_minutes, honor_minutes, records, ledger_seq, ledger_hash) \
         VALUES ($1, 0, 0, 0, 0, $2) ON CONFLICT (volunteer_id) DO UPDATE SET volunteer_id = excluded.volunteer_id \
         RETURNING points, credit_minutes + honor_minutes",
    )
    .bind(volunteer_id)
    .bind(zhiyuan_domain::ledger::GENESIS.to_vec())
    .fetch_one(&mut *tx)
    .await
}

async fn add_entry(
    tx: &mut Tx<'_>,
    volunteer_id: i64,
    change: PointsChange,
    at: i64,
    record_id: Option<i64>,
    redemption_id: Option<i64>,
) -> Result<()> {
    let balance: i64 =
        query_scalar("UPDATE volunteer_totals SET points = points + $1 WHERE volunteer_id = $2 RETURNING points")
            .bind(change.delta)
            .bind(volunteer_id)
            .fetch_one(&mut *tx)
            .await?;
    query(
        "INSERT INTO points_entries (volunteer_id, at, delta, reason, balance, record_id, redemption_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(volunteer_id)
    .bind(at)
    .bind(change.delta)
    .bind(change.reason.as_str())
    .bind(balance)
    .bind(record_id)
    .bind(redemption_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

impl Store {
    /// A volunteer's balance and a page of their entries, newest first
    /// (`cursor`: the last id seen).
    pub async fn points_of(&self, volunteer_id: i64, cursor: Option<&str>, limit: i64) -> Result<PointsAccount> {
        let before = match parse_cursor(cursor) {
            0 => i64::MAX,
            id => id,
        };
        let mut conn = self.reader().await?;
        let balance: Option<i64> = query_scalar("SELECT points FROM volunteer_totals WHERE volunteer_id = $1")
            .bind(volunteer_id)
            .fetch_optional(&mut conn)
            .await?;
        let rows: Vec<PointsEntry> = query_as(
            "SELECT id, at, delta, reason, balance, record_id, redemption_id FROM points_entries \
             WHERE volunteer_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(volunteer_id)
        .bind(before)
        .bind(limit + 1)
        .fetch_all(&mut conn)
        .await?;
        Ok(PointsAccount {
            balance: balance.unwrap_or(0),
            entries: into_page(rows, limit, |entry| entry.id),
        })
    }
}
