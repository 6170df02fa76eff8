//! Login, logout, activation of accounts without a password (and asking
//! for a new code), password change, and "who am I", over JSON; the rules
//! and the counting of tries are `app::accounts`'s.

use crate::app::accounts::{self, Session};
use crate::auth::{ClientAddress, CurrentUser};
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhiyuan_store::accounts::User;

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
    UserView {
        id: user.id.to_string(),
        name: user.display_name.clone(),
        phone: accounts::masked_phone(state, user),
    }
}

/// The API's answer to a login or an activation.
fn login_response(state: &AppState, session: &Session) -> LoginResponse {
    LoginResponse {
        token: session.token.clone(),
        expires_at: super::rfc3339(session.expires_at),
        user: user_view(state, &session.user),
    }
}

/// Logs in with phone and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let session = accounts::log_in(&state, &request.phone, &request.password, &address).await?;
    Ok(Json(login_response(&state, &session)))
}

/// Ends the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])), responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, current: CurrentUser) -> ApiResult<StatusCode> {
    accounts::log_out(&state, &current).await?;
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
    let session = accounts::activate(&state, &request.phone, &request.code, &request.password, &address).await?;
    Ok(Json(login_response(&state, &session)))
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
    accounts::request_activation_code(&state, &request.phone, &address).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(CodeRequested {
            detail: CODE_REQUESTED.to_string(),
        }),
    ))
}

/// What [`request_code`] answers every time.
pub const CODE_REQUESTED: &str = "if this phone has an account waiting for activation, a new code is on its way by SMS";

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
    accounts::change_password(&state, &current, &request.current_password, &request.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
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
