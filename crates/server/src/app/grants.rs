//! Appointing people to roles and withdrawing them: region administrators
//! grant and revoke administrator, site manager and organization admin
//! roles inside their own subtree. Both are audited on the person, and a
//! withdrawn role leaves their sessions at once.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::phone::Phone;
use zhiyuan_domain::role::Role;

/// Who is appointed to what, as the appointing administrator names it.
pub struct Appointment<'a> {
    /// The login (phone) of the person; they must have an account.
    pub phone: &'a str,
    pub role: Role,
    /// A region code (administrators), site id or organization id.
    pub scope_id: &'a str,
}

/// The person and the scope's region path an appointment names, after
/// checking that the scope lies inside the caller's subtree.
async fn check(state: &AppState, caller: &CurrentUser, appointment: &Appointment<'_>) -> ApiResult<(i64, String)> {
    let region_path = state
        .store
        .scope_region_path(appointment.role, appointment.scope_id.trim())
        .await?;
    if !caller.actor.may_grant(appointment.role, &region_path) {
        return Err(ApiError::forbidden());
    }
    let phone = Phone::parse(appointment.phone)?;
    let user = state.store.user_by_phone(phone.as_str()).await?.ok_or_else(|| {
        ApiError::from(RuleError::new("user_unknown", "nobody has an account with this phone").on("phone"))
    })?;
    Ok((user.id, region_path))
}

/// Grants the role over the scope.
pub async fn grant(state: &AppState, caller: &CurrentUser, appointment: &Appointment<'_>) -> ApiResult<()> {
    let (user_id, region_path) = check(state, caller, appointment).await?;
    Ok(state
        .store
        .grant_role(
            user_id,
            appointment.role,
            appointment.scope_id.trim(),
            &region_path,
            Some(caller.user.id),
            state.now_ms(),
        )
        .await?)
}

/// Withdraws the role over the scope; 404 when the person does not hold it.
pub async fn revoke(state: &AppState, caller: &CurrentUser, appointment: &Appointment<'_>) -> ApiResult<()> {
    let (user_id, _) = check(state, caller, appointment).await?;
    Ok(state
        .store
        .revoke_role(
            user_id,
            appointment.role,
            appointment.scope_id.trim(),
            caller.user.id,
            state.now_ms(),
        )
        .await?)
}
