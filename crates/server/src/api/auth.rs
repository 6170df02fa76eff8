//! Login, logout, activation of accounts without a password (and asking
//! for a new code), password change, and "who am I".

use crate::auth::{ClientAddress, CurrentUser, SESSION_TTL_MS, count_try, new_session_token, token_hash};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhiyuan_domain::activation::{self, Attempt};
use zhiyuan_domain::password::check_strength;
use zhiyuan_domain::phone::{Phone, mask_phone};
use zhiyuan_domain::throttle::{
    ACTIVATION_REQUESTS_PER_ADDRESS, ACTIVATION_REQUESTS_PER_PHONE, LOGIN_PER_ADDRESS, LOGIN_PER_PHONE_AND_ADDRESS,
    PASSWORD_CHECKS_PER_USER,
};
use zhiyuan_store::accounts::User;
use zhiyuan_store::vault::Place;

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
        .open(Place::user_phone(&user.phone_hash), &user.phone_sealed)
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

/// Checks phone and password and opens a session. Shared by the API and the
/// login page. Every try is counted per phone and address and per address
/// before the password is checked (a successful one gives its tries back);
/// every failure is the same `invalid_credentials`, so that nobody learns
/// which phones have an account or which accounts wait for activation.
pub async fn authenticate(state: &AppState, phone: &str, password: &str, address: &str) -> ApiResult<LoginResponse> {
    let now = state.now_ms();
    let phone = Phone::parse(phone).map_err(|_| invalid_credentials())?;
    count_try(state, LOGIN_PER_PHONE_AND_ADDRESS, &[phone.as_str(), address], now).await?;
    count_try(state, LOGIN_PER_ADDRESS, &[address], now).await?;
    let user = state.store.user_by_phone(phone.as_str()).await?;
    let stored_hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let verified = state.passwords.verify(password.to_string(), stored_hash).await?;
    let Some(user) = user.filter(|_| verified) else {
        return Err(invalid_credentials());
    };
    state
        .store
        .clear_attempts(&LOGIN_PER_PHONE_AND_ADDRESS.key(&[phone.as_str(), address]))
        .await?;
    state.store.refund_attempt(&LOGIN_PER_ADDRESS.key(&[address])).await?;
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
    state.store.revoke_session(&current.token_hash, state.now_ms()).await?;
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

/// Checks the one-time code of an account without a password (imported,
/// or appointed from the command line), sets its first password and opens a
/// session. Shared by the API and the activation page. Tries are counted
/// like logins, and each wrong code counts on the code itself (the fifth
/// voids it, `activation::judge`); every failure is the same
/// `activation_code_invalid`.
pub async fn activate_account(
    state: &AppState,
    phone: &str,
    code: &str,
    password: &str,
    address: &str,
) -> ApiResult<LoginResponse> {
    let now = state.now_ms();
    let phone = Phone::parse(phone)?;
    count_try(state, LOGIN_PER_PHONE_AND_ADDRESS, &[phone.as_str(), address], now).await?;
    count_try(state, LOGIN_PER_ADDRESS, &[address], now).await?;
    check_strength(password)?;
    let Some(user) = state.store.user_by_phone(phone.as_str()).await? else {
        return Err(activation::refusal().into());
    };
    if state.store.try_activation_code(user.id, code, now).await? != Attempt::Accepted {
        return Err(activation::refusal().into());
    }
    let hash = state.passwords.hash(password.to_string()).await?;
    state.store.set_password(user.id, &hash, now).await?;
    state
        .store
        .clear_attempts(&LOGIN_PER_PHONE_AND_ADDRESS.key(&[phone.as_str(), address]))
        .await?;
    open_session(state, &user, now).await
}

#[derive(Deserialize, ToSchema)]
pub struct CodeRequest {
    pub phone: String,
}

#[derive(Serialize, ToSchema)]
pub struct CodeRequested {
    /// Always the same sentence, whether or not the phone waits for activation.
    pub detail: String,
}

/// Asks for a new activation code (an account without a password whose code
/// expired, was lost or was voided). The answer is the same whether or not
/// the phone has such an account; if it has, a new code goes to it by SMS.
/// At most 3 requests a day per phone and 20 an hour per address.
#[utoipa::path(post, path = "/api/v1/auth/activation-code", tag = "auth", request_body = CodeRequest,
    responses((status = 202, body = CodeRequested), (status = 429, body = crate::error::Problem)))]
pub async fn request_code(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<CodeRequest>,
) -> ApiResult<(StatusCode, Json<CodeRequested>)> {
    request_activation_code(&state, &request.phone, &address).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(CodeRequested {
            detail: CODE_REQUESTED.to_string(),
        }),
    ))
}

/// What [`request_code`] answers every time.
pub const CODE_REQUESTED: &str = "if this phone has an account waiting for activation, a new code is on its way by SMS";

/// Issues a new activation code to the outbox when `phone` has an account
/// without a password; counted per phone and per address either way, so
/// that the answer and its cost say nothing. Shared by the API and the
/// activation page.
pub async fn request_activation_code(state: &AppState, phone: &str, address: &str) -> ApiResult<()> {
    let now = state.now_ms();
    let phone = Phone::parse(phone)?;
    count_try(state, ACTIVATION_REQUESTS_PER_ADDRESS, &[address], now).await?;
    count_try(state, ACTIVATION_REQUESTS_PER_PHONE, &[phone.as_str()], now).await?;
    if let Some(user) = state.store.user_by_phone(phone.as_str()).await?
        && user.password_hash.is_none()
    {
        state.store.issue_activation_code(user.id, true, now).await?;
    }
    Ok(())
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
    let user_id = current.user.id.to_string();
    count_try(state, PASSWORD_CHECKS_PER_USER, &[&user_id], state.now_ms()).await?;
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
    state.store.set_password(current.user.id, &hash, state.now_ms()).await?;
    state
        .store
        .clear_attempts(&PASSWORD_CHECKS_PER_USER.key(&[&user_id]))
        .await?;
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
