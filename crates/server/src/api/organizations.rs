//! Organizations over JSON: creation (unverified, the creator becomes its
//! admin), verification by a covering region admin, join modes and
//! memberships. The checks are `app::organizations`'s.

use crate::api::{Paging, rfc3339};
use crate::app::organizations::{self, OrganizationDraft, OrganizationSearch};
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiyuan_domain::organization::{JoinMode, MembershipAction, MembershipState, OrgKind};
use zhiyuan_domain::uscc::Uscc;
use zhiyuan_store::organizations::Organization;
use zhiyuan_store::{page_size, parse_id};

#[derive(Serialize, ToSchema)]
pub struct OrganizationView {
    pub id: String,
    pub name: String,
    /// `social_organization`, `unit`, `party_member_team`, `school` or `community_team`.
    pub kind: String,
    pub kind_label: String,
    pub region_code: String,
    pub uscc: Option<String>,
    pub parent_id: Option<String>,
    /// `review`, `open` or `closed`.
    pub join_mode: String,
    pub verified: bool,
    pub verified_at: Option<String>,
    pub created_at: String,
}

pub fn organization_view(org: &Organization) -> OrganizationView {
    OrganizationView {
        id: org.id.to_string(),
        name: org.name.clone(),
        kind_label: OrgKind::parse(&org.kind)
            .map(OrgKind::label_zh)
            .unwrap_or_default()
            .to_string(),
        kind: org.kind.clone(),
        region_code: org.region_code.clone(),
        uscc: org.uscc.clone(),
        parent_id: org.parent_id.map(|id| id.to_string()),
        join_mode: org.join_mode.clone(),
        verified: org.is_verified(),
        verified_at: org.verified_at.map(rfc3339),
        created_at: rfc3339(org.created_at),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct CreateOrganization {
    pub name: String,
    pub region_code: String,
    pub kind: String,
    /// Unified social credit code (GB 32100), optional for informal teams.
    pub uscc: Option<String>,
    pub parent_id: Option<String>,
    /// `review` (default), `open` or `closed`.
    pub join_mode: Option<String>,
}

/// Creates an unverified organization; the caller becomes its admin.
#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations", security(("bearer" = [])), request_body = CreateOrganization,
    responses((status = 201, body = OrganizationView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(request): ApiJson<CreateOrganization>,
) -> ApiResult<(StatusCode, Json<OrganizationView>)> {
    let draft = OrganizationDraft {
        name: request.name,
        kind: OrgKind::parse_any(&request.kind)?,
        region_code: request.region_code,
        uscc: request
            .uscc
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .map(Uscc::parse)
            .transpose()?,
        parent_id: request
            .parent_id
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<i64>().map_err(|_| {
                    zhiyuan_domain::RuleError::new("parent_unknown", "no such parent organization").on("parent_id")
                })
            })
            .transpose()?,
        join_mode: request
            .join_mode
            .as_deref()
            .filter(|m| !m.is_empty())
            .map(|m| JoinMode::parse(m).map_err(|e| e.on("join_mode")))
            .transpose()?
            .unwrap_or(JoinMode::Review),
    };
    let org = organizations::register(&state, &current, draft).await?;
    Ok((StatusCode::CREATED, Json(organization_view(&org))))
}

/// One organization: verified ones are public; unverified ones only for their
/// admins and covering region admins.
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "organizations", params(("id" = String, Path)),
    responses((status = 200, body = OrganizationView), (status = 404, body = crate::error::Problem)))]
pub async fn organization(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(id): Path<String>,
) -> ApiResult<Json<OrganizationView>> {
    let org = organizations::visible(&state, caller.as_ref(), parse_id(&id, "organization")?).await?;
    Ok(Json(organization_view(&org)))
}

#[derive(Deserialize, IntoParams)]
pub struct OrganizationFilter {
    /// Region code of the subtree; defaults to the caller's admin scope.
    pub region: Option<String>,
    /// Region admins may list unverified organizations (`verified=false`, the verification queue).
    pub verified: Option<bool>,
    pub q: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OrganizationList {
    pub items: Vec<OrganizationView>,
    pub next_cursor: Option<String>,
}

/// Organizations in a region subtree. Everyone sees verified ones; region
/// admins covering the region also see the unverified (verification queue).
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", params(OrganizationFilter, Paging),
    responses((status = 200, body = OrganizationList), (status = 400, body = crate::error::Problem)))]
pub async fn search(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    ApiQuery(filter): ApiQuery<OrganizationFilter>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<OrganizationList>> {
    let search = OrganizationSearch {
        region: filter.region,
        verified: filter.verified,
        q: filter.q,
    };
    let actor = caller.as_ref().map(|c| &c.actor);
    let page = organizations::search(&state, actor, search, paging.cursor, page_size(paging.limit)).await?;
    Ok(Json(OrganizationList {
        items: page.items.iter().map(organization_view).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Verifies an organization (a region admin whose scope covers it).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/verify", tag = "organizations", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = OrganizationView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn verify(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<OrganizationView>> {
    let verified = organizations::verify(&state, &current, parse_id(&id, "organization")?).await?;
    Ok(Json(organization_view(&verified)))
}

#[derive(Deserialize, ToSchema)]
pub struct JoinModeRequest {
    /// `review`, `open` or `closed`.
    pub join_mode: String,
}

/// Sets how volunteers join (the organization's admins).
#[utoipa::path(put, path = "/api/v1/organizations/{id}/join-mode", tag = "organizations", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = JoinModeRequest,
    responses((status = 200, body = OrganizationView), (status = 403, body = crate::error::Problem)))]
pub async fn join_mode(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<JoinModeRequest>,
) -> ApiResult<Json<OrganizationView>> {
    let id = parse_id(&id, "organization")?;
    let mode = JoinMode::parse(&request.join_mode).map_err(|e| e.on("join_mode"))?;
    let updated = organizations::set_join_mode(&state, &current, id, mode).await?;
    Ok(Json(organization_view(&updated)))
}

#[derive(Serialize, ToSchema)]
pub struct MembershipView {
    pub organization_id: String,
    pub volunteer_id: String,
    /// `pending`, `active` or `left`.
    pub state: String,
}

/// The calling volunteer asks to join: active at once (open) or pending review.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/members", tag = "organizations", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 201, body = MembershipView), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn join(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<MembershipView>)> {
    let id = parse_id(&id, "organization")?;
    let (volunteer_id, membership) = organizations::join(&state, &current, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(MembershipView {
            organization_id: id.to_string(),
            volunteer_id: volunteer_id.to_string(),
            state: membership.as_str().to_string(),
        }),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct MemberFilter {
    /// `pending`, `active` or `left`.
    pub state: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub volunteer_id: String,
    pub name: String,
    pub volunteer_no: String,
    pub state: String,
    pub requested_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct MemberList {
    pub items: Vec<MemberView>,
    pub next_cursor: Option<String>,
}

/// Members of an organization (its admins and covering region admins).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/members", tag = "organizations", security(("bearer" = [])),
    params(("id" = String, Path), MemberFilter, Paging),
    responses((status = 200, body = MemberList), (status = 403, body = crate::error::Problem)))]
pub async fn members(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(filter): ApiQuery<MemberFilter>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<MemberList>> {
    let id = parse_id(&id, "organization")?;
    let member_state = filter
        .state
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| MembershipState::parse(s).map_err(|e| e.on("state")))
        .transpose()?;
    let page = organizations::members(
        &state,
        &current,
        id,
        member_state,
        paging.cursor.as_deref(),
        page_size(paging.limit),
    )
    .await?;
    Ok(Json(MemberList {
        items: page
            .items
            .into_iter()
            .map(|m| MemberView {
                volunteer_id: m.volunteer_id.to_string(),
                name: m.name,
                volunteer_no: m.volunteer_no,
                state: m.state,
                requested_at: rfc3339(m.requested_at),
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// `approve`, `reject` or `remove` a member (organization admins), or
/// `leave` (the member).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/members/{volunteer_id}/{action}", tag = "organizations", security(("bearer" = [])),
    params(("id" = String, Path), ("volunteer_id" = String, Path), ("action" = String, Path, description = "approve, reject, remove or leave")),
    responses((status = 200, body = MembershipView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn change_membership(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((id, volunteer_id, action)): Path<(String, String, String)>,
) -> ApiResult<Json<MembershipView>> {
    let id = parse_id(&id, "organization")?;
    let volunteer_id = parse_id(&volunteer_id, "membership")?;
    let action = match action.as_str() {
        "approve" => MembershipAction::Approve,
        "reject" => MembershipAction::Reject,
        "remove" => MembershipAction::Remove,
        "leave" => MembershipAction::Leave,
        _ => return Err(ApiError::not_found("action")),
    };
    let new_state = organizations::change_membership(&state, &current, id, volunteer_id, action).await?;
    Ok(Json(MembershipView {
        organization_id: id.to_string(),
        volunteer_id: volunteer_id.to_string(),
        state: new_state.as_str().to_string(),
    }))
}
