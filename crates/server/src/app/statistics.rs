//! Statistics of a region and period for the region administrators whose
//! scope holds the region: the period is checked by the domain
//! (`statistics::period`), the figures come from the store's rollups.

use crate::app::input::optional_day;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::state::AppState;
use zhiyuan_domain::statistics::period;
use zhiyuan_domain::time::{china_date, from_epoch_ms};
use zhiyuan_store::statistics::RegionReport;

/// The statistics of region `code` from `from` to `to` (days, China time;
/// by default this year so far), for a region administrator over it.
pub async fn region_report(
    state: &AppState,
    caller: &CurrentUser,
    code: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> ApiResult<RegionReport> {
    let (from, to) = (optional_day(from, "from")?, optional_day(to, "to")?);
    let region = state.store.require_region(code).await?;
    caller.actor.require_region_admin(&region.path)?;
    let today = china_date(from_epoch_ms(state.now_ms()));
    let (from, to) = period(from, to, today)?;
    Ok(state.store.region_report(&region, from, to).await?)
}
