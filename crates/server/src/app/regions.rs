//! Regions and sites: a region with its children, the sites (center,
//! institute, station) under a region, and the details of a site, which
//! its manager or a region administrator over it may change.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use zhiyuan_domain::site::{SiteLevel, check_details};
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
    cursor: Option<&str>,
    limit: i64,
) -> ApiResult<Page<Site>> {
    let region = state.store.require_region(code).await?;
    Ok(state.store.sites_in(&region.path, level, cursor, limit).await?)
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
