//! Appointing people to roles and withdrawing them: region administrators
//! grant and revoke administrator, site manager and organization admin
//! roles inside their subtree. Both are audited on the person.

use crate::api::auth::{RoleView, ScopeView};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::phone::Phone;
use zhiyuan_domain::role::Role;

#[derive(Deserialize, ToSchema)]
pub struct GrantRequest {
    /// The login (phone) of the person appointed; they must have an account.
    pub phone: String,
    /// `province_admin`, `city_admin`, `county_admin`, `site_manager` or `org_admin`.
    pub role: String,
    /// A region code (administrators), site id or organization id.
    pub scope_id: String,
}

/// The person, role, scope and the scope's region path a grant or
/// revocation names, after checking the scope lies inside the caller's
/// subtree.
async fn appointment(
    state: &AppState,
    current: &CurrentUser,
    request: &GrantRequest,
) -> ApiResult<(i64, Role, String, String)> {
    let role = Role::parse(request.role.trim())?;
    let scope_id = request.scope_id.trim().to_string();
    let region_path = state.store.scope_region_path(role, &scope_id).await?;
    if !current.actor.may_grant(role, &region_path) {
        return Err(ApiError::forbidden());
    }
    let phone = Phone::parse(&request.phone)?;
    let user = state.store.user_by_phone(phone.as_str()).await?.ok_or_else(|| {
        ApiError::from(RuleError::new("user_unknown", "nobody has an account with this phone").on("phone"))
    })?;
    Ok((user.id, role, scope_id, region_path))
}

/// Grants a role over a scope inside the caller's own subtree.
#[utoipa::path(post, path = "/api/v1/role-grants", tag = "auth", security(("bearer" = [])), request_body = GrantRequest,
    responses((status = 201, body = RoleView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn grant(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(request): ApiJson<GrantRequest>,
) -> ApiResult<(StatusCode, Json<RoleView>)> {
    let (user_id, role, scope_id, region_path) = appointment(&state, &current, &request).await?;
    state
        .store
        .grant_role(
            user_id,
            role,
            &scope_id,
            &region_path,
            Some(current.user.id),
            state.now_ms(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(RoleView {
            role: role.as_str().to_string(),
            scope: ScopeView {
                kind: role.scope_kind().as_str().to_string(),
                id: scope_id,
            },
        }),
    ))
}

/// Withdraws a role over a scope inside the caller's own subtree; 404
/// `not_found` when the person does not hold it. Their sessions lose the
/// role at once.
#[utoipa::path(post, path = "/api/v1/role-grants/revoke", tag = "auth", security(("bearer" = [])), request_body = GrantRequest,
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(request): ApiJson<GrantRequest>,
) -> ApiResult<StatusCode> {
    let (user_id, role, scope_id, _) = appointment(&state, &current, &request).await?;
    state
        .store
        .revoke_role(user_id, role, &scope_id, current.user.id, state.now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
