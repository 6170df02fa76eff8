//! Regions and sites: a region with its children, the sites (center,
//! institute, station) under a region, and the details of a site, which
//! its manager or a region administrator over it may change, and its
//! pilot or demonstration designation, which the level that gives it records.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use zhiyuan_domain::site::{DesignationFilter, DesignationLevel, SiteLevel, check_designation, check_details};
use zhiyuan_domain::time::{china_date, from_epoch_ms};
use zhiyuan_store::Page;
use zhiyuan_store::regions::{Region, Site};

/// Region `code` and its children.
pub async fn region_with_children(state: &AppState, code: &str) -> ApiResult<(Region, Vec<Region>)> {
    let region = state
        .store
        .region(code.trim())
        .await?
        .ok_or_else(|| ApiError::not_found("region"))?;
    let children = state.store.region_children(&region.code).await?;
    Ok((region, children))
}

/// The sites at or under region `code`, of one level or all.
pub async fn sites(
    state: &AppState,
    code: &str,
    level: Option<SiteLevel>,
    designation: Option<DesignationFilter>,
    cursor: Option<&str>,
    limit: i64,
) -> ApiResult<Page<Site>> {
    let region = state.store.require_region(code).await?;
    Ok(state
        .store
        .sites_in(&region.path, level, designation, cursor, limit)
        .await?)
}

/// Records site `id`'s designation given in `year` (or withdraws it with
/// `None`): a region administrator over the site whose level gives such
/// designations (`site::check_designation`).
pub async fn designate_site(
    state: &AppState,
    caller: &CurrentUser,
    id: i64,
    designation: Option<(DesignationLevel, i32)>,
) -> ApiResult<Site> {
    let existing = site(state, id).await?;
    caller.actor.require_region_admin(&existing.region_path)?;
    let admin_level =
        crate::app::scope::highest_admin_level(&caller.actor, &existing.region_path).ok_or_else(ApiError::forbidden)?;
    let this_year = chrono::Datelike::year(&china_date(from_epoch_ms(state.now_ms())));
    let checked = match designation {
        Some((level, year)) => Some(check_designation(level, year, admin_level, this_year)?),
        None => {
            let recorded = existing
                .designation
                .as_deref()
                .map(DesignationLevel::parse)
                .transpose()?;
            if let Some(level) = recorded {
                check_designation(level, this_year, admin_level, this_year)?;
            }
            None
        }
    };
    state
        .store
        .designate_site(id, checked, caller.user.id, state.now_ms())
        .await?;
    site(state, id).await
}

/// Site `id`.
pub async fn site(state: &AppState, id: i64) -> ApiResult<Site> {
    state.store.site(id).await?.ok_or_else(|| ApiError::not_found("site"))
}

/// A site's name, address and location as its manager writes them.
pub struct SiteChange<'a> {
    pub name: &'a str,
    pub address: Option<&'a str>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// Renames site `id` and sets its address and location (its manager or a
/// region administrator over it).
pub async fn update_site(state: &AppState, caller: &CurrentUser, id: i64, change: &SiteChange<'_>) -> ApiResult<Site> {
    let existing = site(state, id).await?;
    if !caller
        .actor
        .manages_site(&existing.id.to_string(), &existing.region_path)
    {
        return Err(ApiError::forbidden());
    }
    let details = check_details(change.name, change.address, change.lat, change.lon)?;
    state.store.update_site(id, &details).await?;
    site(state, id).await
}
