//! Organizations as the API and the pages both use them. So far: the
//! search, which anyone may run over a region's verified organizations and
//! region administrators also over the unverified ones (the verification
//! queue), and verification by a region administrator over the
//! organization. Registration, join modes and membership still live in
//! `api/organizations.rs`.

use crate::app::scope::admin_region_path;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use zhiyuan_domain::role::Actor;
use zhiyuan_store::Page;
use zhiyuan_store::organizations::{Organization, OrganizationQuery};

/// What an organization search asks for.
#[derive(Default)]
pub struct OrganizationSearch {
    /// Region code of the subtree; without it, a region administrator's own scope.
    pub region: Option<String>,
    /// `Some(false)`: the unverified ones (region administrators only).
    pub verified: Option<bool>,
    pub q: Option<String>,
}

/// Organizations in a region subtree, a page at a time: verified ones for
/// anyone, any for a region administrator over the region.
pub async fn search(
    state: &AppState,
    actor: Option<&Actor>,
    search: OrganizationSearch,
    cursor: Option<String>,
    limit: i64,
) -> ApiResult<Page<Organization>> {
    let region_path = match (search.region.as_deref().filter(|r| !r.trim().is_empty()), actor) {
        (Some(code), _) => state.store.require_region(code).await?.path,
        (None, Some(actor)) if actor.is_region_admin() => admin_region_path(state, actor, None).await?,
        (None, _) => {
            return Err(ApiError::bad_request("region_required", "give ?region=CODE"));
        }
    };
    let is_admin = actor.is_some_and(|a| a.administers_region(&region_path));
    if !is_admin && search.verified == Some(false) {
        return Err(ApiError::forbidden());
    }
    let query = OrganizationQuery {
        region_path,
        verified: if is_admin { search.verified } else { Some(true) },
        q: search.q,
        cursor,
        limit,
    };
    Ok(state.store.search_organizations(&query).await?)
}

/// Verifies organization `id`: a region administrator whose scope covers
/// it, once (a second time is `invalid_transition`), audited.
pub async fn verify(state: &AppState, caller: &CurrentUser, id: i64) -> ApiResult<Organization> {
    let organization = state
        .store
        .organization(id)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    caller.actor.require_region_admin(&organization.region_path)?;
    Ok(state
        .store
        .verify_organization(organization.id, caller.user.id, state.now_ms())
        .await?)
}
