//! Scope checks that every capability shares: which region subtree a
//! region administrator's question is about, and whose volunteer data a
//! caller may act on.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use zhiyuan_domain::region::{RegionLevel, path_within};
use zhiyuan_domain::role::Actor;
use zhiyuan_store::volunteers::Volunteer;

/// The region path a region administrator asks about: the given region
/// (which must lie inside their scope) or, without one, their own scope.
pub async fn admin_region_path(state: &AppState, actor: &Actor, region: Option<&str>) -> ApiResult<String> {
    match region.map(str::trim).filter(|r| !r.is_empty()) {
        Some(code) => {
            let region = state.store.require_region(code).await?;
            actor.require_region_admin(&region.path)?;
            Ok(region.path)
        }
        None => actor
            .administered_paths()
            .first()
            .map(|p| p.to_string())
            .ok_or_else(ApiError::forbidden),
    }
}

/// A volunteer the caller may act for as themselves or as a region
/// administrator over them (certificates, the audit trail); 403 otherwise.
pub async fn own_or_administered_volunteer(state: &AppState, actor: &Actor, volunteer_id: i64) -> ApiResult<Volunteer> {
    let volunteer = state
        .store
        .volunteer(volunteer_id)
        .await?
        .ok_or_else(|| ApiError::not_found("volunteer"))?;
    if !actor.is_volunteer(&volunteer_id.to_string()) && !actor.administers_region(&volunteer.region_path) {
        return Err(ApiError::forbidden());
    }
    Ok(volunteer)
}

/// The highest level at which `actor` administers the region at `path`
/// (the province before a city before a county), if at all.
pub fn highest_admin_level(actor: &Actor, path: &str) -> Option<RegionLevel> {
    actor
        .grants
        .iter()
        .filter(|g| path_within(path, &g.region_path))
        .filter_map(|g| g.role.admin_region_level())
        .min()
}

/// The regions a form lets an administrator choose (where to offer a
/// benefit, open a call): each region they administer and the regions
/// right below it, as (code, name).
pub async fn regions_to_choose(state: &AppState, caller: &CurrentUser) -> ApiResult<Vec<(String, String)>> {
    let mut regions = Vec::new();
    for path in caller.actor.administered_paths() {
        let code = path.rsplit('/').next().unwrap_or(path);
        if let Some(region) = state.store.region(code).await? {
            regions.push((region.code.clone(), region.name.clone()));
            for child in state.store.region_children(&region.code).await? {
                regions.push((child.code, format!("{} · {}", region.name, child.name)));
            }
        }
    }
    Ok(regions)
}
