//! The home of every rollup: the figures kept per organization and per
//! (region, day) in the same transaction as the write that changes them,
//! so that statistics are read from rollups instead of scans; the minutes
//! served through an order also go to the loop figures (`order_figures`).

use crate::Result;
use crate::records::ServiceRecord;
use crate::sql::{Tx, query};
use zhiyuan_domain::record::TotalsDelta;
use zhiyuan_domain::region::distribution_key;

/// Moves the organization's totals and the record's (region, day) totals
/// by `delta`, inside the transaction that changed the record.
pub(crate) async fn add_to_rollups(tx: &mut Tx<'_>, record: &ServiceRecord, delta: &TotalsDelta) -> Result<()> {
    query(
        "INSERT INTO organization_totals (organization_id, credit_minutes, honor_minutes, records) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (organization_id) DO UPDATE SET \
                     credit_minutes = organization_totals.credit_minutes + excluded.credit_minutes, \
                     honor_minutes = organization_totals.honor_minutes + excluded.honor_minutes, \
                     records = organization_totals.records + excluded.records",
    )
    .bind(record.organization_id)
    .bind(delta.credit_minutes)
    .bind(delta.honor_minutes)
    .bind(delta.records)
    .execute(&mut *tx)
    .await?;
    query(
                    "INSERT INTO region_day_totals (region_code, day, county_code, region_path, credit_minutes, honor_minutes, records) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (region_code, day) DO UPDATE SET \
                     credit_minutes = region_day_totals.credit_minutes + excluded.credit_minutes, \
                     honor_minutes = region_day_totals.honor_minutes + excluded.honor_minutes, \
                     records = region_day_totals.records + excluded.records",
                )
                .bind(&record.region_code)
                .bind(&record.service_day)
                .bind(distribution_key(&record.region_code))
                .bind(&record.region_path)
                .bind(delta.credit_minutes)
                .bind(delta.honor_minutes)
                .bind(delta.records)
                .execute(&mut *tx)
                .await?;
    // Hours served through an order count for its loop figures too.
    crate::order_figures::add_served_minutes(
        tx,
        record.activity_id,
        delta.credit_minutes + delta.honor_minutes,
        &record.service_day,
    )
    .await?;
    Ok(())
}
