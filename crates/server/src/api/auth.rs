//! Login, logout, activation of imported accounts, password change, and "who am I".

use crate::auth::{ClientAddress, CurrentUser, SESSION_TTL_MS, new_session_token, token_hash};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhiyuan_domain::password::check_strength;
use zhiyuan_domain::phone::{Phone, mask_phone};
use zhiyuan_store::accounts::User;
use zhiyuan_store::now_ms;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub phone: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub name: String,
    /// Masked phone, e.g. 138****0001.
    pub phone: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: String,
    pub user: UserView,
}

pub fn user_view(state: &AppState, user: &User) -> UserView {
    let phone = state
        .store
        .vault()
        .open(&user.phone_sealed)
        .map(|p| mask_phone(&p))
        .unwrap_or_default();
    UserView {
        id: user.id.to_string(),
        name: user.display_name.clone(),
        phone,
    }
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "wrong phone number or password",
    )
}

/// Checks phone and password (throttled) and opens a session. Shared by the
/// API and the login page.
pub async fn authenticate(state: &AppState, phone: &str, password: &str, address: &str) -> ApiResult<LoginResponse> {
    let now = now_ms();
    let phone = Phone::parse(phone).map_err(|_| invalid_credentials())?;
    state.throttle.check(phone.as_str(), address, now / 1000)?;
    let user = state.store.user_by_phone(phone.as_str()).await?;
    let stored_hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let verified = state.passwords.verify(password.to_string(), stored_hash).await?;
    let user = match (user, verified) {
        (Some(user), true) => user,
        (Some(user), false) if user.password_hash.is_none() => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "account_not_activated",
                "this account was imported: activate it with the code sent by SMS",
            ));
        }
        _ => {
            state.throttle.record_failure(phone.as_str(), address, now / 1000);
            return Err(invalid_credentials());
        }
    };
    state.throttle.clear_phone(phone.as_str());
    open_session(state, &user, now).await
}

async fn open_session(state: &AppState, user: &User, now: i64) -> ApiResult<LoginResponse> {
    let token = new_session_token();
    let expires_at = now + SESSION_TTL_MS;
    state
        .store
        .create_session(user.id, &token_hash(&token), now, expires_at)
        .await?;
    Ok(LoginResponse {
        token,
        expires_at: super::rfc3339(expires_at),
        user: user_view(state, user),
    })
}

/// Logs in with phone and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    Ok(Json(
        authenticate(&state, &request.phone, &request.password, &address).await?,
    ))
}

/// Ends the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])), responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, current: CurrentUser) -> ApiResult<StatusCode> {
    state.store.revoke_session(&current.token_hash, now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct ActivateRequest {
    pub phone: String,
    /// The one-time code sent by SMS after import.
    pub code: String,
    pub password: String,
}

/// Activates an imported account with its one-time code and sets the password.
#[utoipa::path(post, path = "/api/v1/auth/activate", tag = "auth", request_body = ActivateRequest,
    responses((status = 200, body = LoginResponse), (status = 422, body = crate::error::Problem)))]
pub async fn activate(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<ActivateRequest>,
) -> ApiResult<Json<LoginResponse>> {
    Ok(Json(
        activate_account(&state, &request.phone, &request.code, &request.password, &address).await?,
    ))
}

/// Checks the one-time code of an imported account (throttled like logins),
/// sets its first password and opens a session. Shared by the API and the
/// activation page.
pub async fn activate_account(
    state: &AppState,
    phone: &str,
    code: &str,
    password: &str,
    address: &str,
) -> ApiResult<LoginResponse> {
    let now = now_ms();
    let phone = Phone::parse(phone)?;
    state.throttle.check(phone.as_str(), address, now / 1000)?;
    check_strength(password)?;
    let user = state.store.user_by_phone(phone.as_str()).await?;
    let valid = match &user {
        Some(user) if user.password_hash.is_none() => state.store.activation_code_matches(user.id, code, now).await?,
        _ => false,
    };
    let Some(user) = user.filter(|_| valid) else {
        state.throttle.record_failure(phone.as_str(), address, now / 1000);
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "activation_code_invalid",
            "the code is wrong or expired, or the account is already active",
        ));
    };
    let hash = state.passwords.hash(password.to_string()).await?;
    state.store.set_password(user.id, &hash, now).await?;
    open_session(state, &user, now).await
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the password; every session of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", security(("bearer" = [])), request_body = PasswordChange,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(request): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    change_account_password(&state, &current, &request.current_password, &request.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the current password and sets the new one, which ends every
/// session of the account. Shared by the API and the password page.
pub async fn change_account_password(
    state: &AppState,
    current: &CurrentUser,
    current_password: &str,
    new_password: &str,
) -> ApiResult<()> {
    check_strength(new_password)?;
    let verified = state
        .passwords
        .verify(current_password.to_string(), current.user.password_hash.clone())
        .await?;
    if !verified {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "password_wrong",
            "the current password is wrong",
        ));
    }
    let hash = state.passwords.hash(new_password.to_string()).await?;
    state.store.set_password(current.user.id, &hash, now_ms()).await?;
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct ScopeView {
    /// `region`, `site` or `organization`.
    pub kind: String,
    pub id: String,
}

#[derive(Serialize, ToSchema)]
pub struct RoleView {
    pub role: String,
    pub scope: ScopeView,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user: UserView,
    pub roles: Vec<RoleView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volunteer_id: Option<String>,
}

/// The caller, with every role and its scope.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), responses((status = 200, body = Me), (status = 401, body = crate::error::Problem)))]
pub async fn me(State(state): State<AppState>, current: CurrentUser) -> Json<Me> {
    Json(me_view(&state, &current))
}

pub fn me_view(state: &AppState, current: &CurrentUser) -> Me {
    Me {
        user: user_view(state, &current.user),
        roles: current
            .actor
            .grants
            .iter()
            .map(|grant| RoleView {
                role: grant.role.as_str().to_string(),
                scope: ScopeView {
                    kind: grant.role.scope_kind().as_str().to_string(),
                    id: grant.scope_id.clone(),
                },
            })
            .collect(),
        volunteer_id: current.actor.volunteer_id.clone(),
    }
}
