//! Organizations as the API and the pages both use them: registration
//! (unverified, the registrant its admin), who may see one, the search
//! (verified ones for anyone, the unverified too for region administrators
//! over them: the verification queue), verification, how volunteers join,
//! and membership (asking to join, the admins' decisions, leaving).

use crate::app::scope::admin_region_path;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use zhiyuan_domain::organization::{JoinMode, MembershipAction, MembershipState, OrgKind, check_name};
use zhiyuan_domain::role::Actor;
use zhiyuan_domain::uscc::Uscc;
use zhiyuan_store::Page;
use zhiyuan_store::organizations::{Member, NewOrganization, Organization, OrganizationQuery};

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

/// An organization as its registrant describes it.
pub struct OrganizationDraft {
    pub name: String,
    pub kind: OrgKind,
    pub region_code: String,
    /// Unified social credit code (GB 32100), optional for informal teams.
    pub uscc: Option<Uscc>,
    pub parent_id: Option<i64>,
    pub join_mode: JoinMode,
}

/// Registers an unverified organization in a known region; the caller
/// becomes its admin. A credit code already registered is a conflict.
pub async fn register(state: &AppState, caller: &CurrentUser, draft: OrganizationDraft) -> ApiResult<Organization> {
    let new = NewOrganization {
        name: check_name(&draft.name)?,
        kind: draft.kind,
        region_code: draft.region_code.trim().to_string(),
        uscc: draft.uscc,
        parent_id: draft.parent_id,
        join_mode: draft.join_mode,
    };
    state.store.require_region(&new.region_code).await?;
    Ok(state
        .store
        .create_organization(&new, Some(caller.user.id), state.now_ms())
        .await?)
}

/// Organization `id` as `caller` may see it: verified ones are public;
/// unverified ones are "not found" for all but their admins and the region
/// administrators over them.
pub async fn visible(state: &AppState, caller: Option<&CurrentUser>, id: i64) -> ApiResult<Organization> {
    let organization = state
        .store
        .organization(id)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    let admin = caller.is_some_and(|c| {
        c.actor
            .administers_organization(&organization.id.to_string(), &organization.region_path)
    });
    if !organization.is_verified() && !admin {
        return Err(ApiError::not_found("organization"));
    }
    Ok(organization)
}

/// Sets how volunteers join organization `id` (its admins).
pub async fn set_join_mode(state: &AppState, caller: &CurrentUser, id: i64, mode: JoinMode) -> ApiResult<Organization> {
    let organization = crate::app::activities::organization_run_by(state, &caller.actor, id).await?;
    Ok(state
        .store
        .set_join_mode(organization.id, mode, caller.user.id, state.now_ms())
        .await?)
}

/// The calling volunteer asks to join organization `id`: active at once
/// (open), pending review, or refused (closed, already a member). Yields
/// the volunteer and the state of their membership.
pub async fn join(state: &AppState, caller: &CurrentUser, id: i64) -> ApiResult<(i64, MembershipState)> {
    let organization = state
        .store
        .organization(id)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    let volunteer_id = caller.volunteer_id().ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "not_a_volunteer",
            "register as a volunteer to join organizations",
        )
    })?;
    let membership = state
        .store
        .join_organization(organization.id, volunteer_id, state.now_ms())
        .await?;
    Ok((volunteer_id, membership))
}

/// The members of organization `id` in state `wanted` (all when `None`),
/// for its admins and the region administrators over it.
pub async fn members(
    state: &AppState,
    caller: &CurrentUser,
    id: i64,
    wanted: Option<MembershipState>,
    cursor: Option<&str>,
    limit: i64,
) -> ApiResult<Page<Member>> {
    let organization = crate::app::activities::organization_run_by(state, &caller.actor, id).await?;
    Ok(state.store.members(organization.id, wanted, cursor, limit).await?)
}

/// Approves, rejects or removes a member (the organization's admins), or
/// lets the member leave (the member themself).
pub async fn change_membership(
    state: &AppState,
    caller: &CurrentUser,
    id: i64,
    volunteer_id: i64,
    action: MembershipAction,
) -> ApiResult<MembershipState> {
    let organization = state
        .store
        .organization(id)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    let allowed = match action {
        MembershipAction::Leave => caller.volunteer_id() == Some(volunteer_id),
        _ => caller
            .actor
            .administers_organization(&organization.id.to_string(), &organization.region_path),
    };
    if !allowed {
        return Err(ApiError::forbidden());
    }
    Ok(state
        .store
        .change_membership(organization.id, volunteer_id, action, caller.user.id, state.now_ms())
        .await?)
}
