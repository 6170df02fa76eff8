//! Statistics of a region and period for the region administrators whose
//! scope holds the region: the period is checked by the domain
//! (`statistics::period`), the figures come from the store's rollups.

use crate::app::input::optional_day;
use crate::app::scope::admin_region_path;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::state::AppState;
use chrono::NaiveDate;
use zhiyuan_domain::site::DesignationFilter;
use zhiyuan_domain::statistics::period;
use zhiyuan_domain::time::{china_date, from_epoch_ms};
use zhiyuan_store::statistics::RegionReport;

/// The statistics of region `code` (by default the reader's own scope)
/// from `from` to `to` (days, China time; by default this year so far),
/// for a region administrator over it; with `designation`, of the
/// designated sites in it only.
pub async fn region_report(
    state: &AppState,
    caller: &CurrentUser,
    code: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    designation: Option<&str>,
) -> ApiResult<RegionReport> {
    let (from, to) = (optional_day(from, "from")?, optional_day(to, "to")?);
    let designation = designation
        .filter(|d| !d.trim().is_empty())
        .map(DesignationFilter::parse)
        .transpose()?;
    let today = china_date(from_epoch_ms(state.now_ms()));
    let (from, to) = period(from, to, today)?;
    report_for(state, caller, code, from, to, designation).await
}

/// The statistics of region `code` (by default the reader's own scope)
/// for the days `from..=to`, already checked: of the whole region, or of
/// the sites in it that carry a designation the filter keeps.
pub async fn report_for(
    state: &AppState,
    caller: &CurrentUser,
    code: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
    designation: Option<DesignationFilter>,
) -> ApiResult<RegionReport> {
    let path = admin_region_path(state, &caller.actor, code).await?;
    let own_code = path.rsplit('/').next().unwrap_or_default();
    let region = state.store.require_region(own_code).await?;
    Ok(match designation {
        Some(filter) => state.store.designated_report(&region, filter, from, to).await?,
        None => state.store.region_report(&region, from, to).await?,
    })
}
