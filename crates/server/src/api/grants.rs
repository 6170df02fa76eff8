//! Appointing people to roles and withdrawing them: region administrators
//! grant and revoke administrator, site manager and organization admin
//! roles inside their subtree. Both are audited on the person. The checks
//! are `app::grants`'s.

use crate::api::auth::{RoleView, ScopeView};
use crate::app::grants::{self, Appointment};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
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

/// The appointment a request names.
fn appointment(request: &GrantRequest) -> ApiResult<Appointment<'_>> {
    Ok(Appointment {
        phone: &request.phone,
        role: Role::parse(request.role.trim())?,
        scope_id: request.scope_id.trim(),
    })
}

/// Grants a role over a scope inside the caller's own subtree.
#[utoipa::path(post, path = "/api/v1/role-grants", tag = "auth", security(("bearer" = [])), request_body = GrantRequest,
    responses((status = 201, body = RoleView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn grant(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(request): ApiJson<GrantRequest>,
) -> ApiResult<(StatusCode, Json<RoleView>)> {
    let appointment = appointment(&request)?;
    grants::grant(&state, &current, &appointment).await?;
    let (role, scope_id) = (appointment.role, appointment.scope_id.to_string());
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
    grants::revoke(&state, &current, &appointment(&request)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
