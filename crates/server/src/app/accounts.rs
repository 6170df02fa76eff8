//! Accounts as the API and the pages both use them: logging in, activating
//! an account without a password (and asking for a new code), changing the
//! password, logging out. Every try that could be guessed is counted
//! (`domain::throttle`) before it is checked, and every failure looks the
//! same, so that nobody learns which phones have an account.

use crate::auth::{CurrentUser, SESSION_TTL_MS, count_try, new_session_token, token_hash};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use zhiyuan_domain::activation::{self, Attempt};
use zhiyuan_domain::password::check_strength;
use zhiyuan_domain::phone::{Phone, mask_phone};
use zhiyuan_domain::throttle::{
    ACTIVATION_REQUESTS_PER_ADDRESS, ACTIVATION_REQUESTS_PER_PHONE, LOGIN_PER_ADDRESS, LOGIN_PER_PHONE_AND_ADDRESS,
    PASSWORD_CHECKS_PER_USER,
};
use zhiyuan_store::accounts::User;
use zhiyuan_store::vault::Place;

/// A session just opened: the raw token (never stored), when it ends and whose it is.
pub struct Session {
    pub token: String,
    pub expires_at: i64,
    pub user: User,
}

/// The user's phone as anyone may see it (e.g. 138****0001).
pub fn masked_phone(state: &AppState, user: &User) -> String {
    state
        .store
        .vault()
        .open(Place::user_phone(&user.phone_hash), &user.phone_sealed)
        .map(|p| mask_phone(&p))
        .unwrap_or_default()
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "wrong phone number or password",
    )
}

/// Checks phone and password and opens a session. Every try is counted per
/// phone and address and per address before the password is checked (a
/// successful one gives its tries back); every failure is the same
/// `invalid_credentials`, so that nobody learns which phones have an
/// account or which accounts wait for activation.
pub async fn log_in(state: &AppState, phone: &str, password: &str, address: &str) -> ApiResult<Session> {
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
    open_session(state, user, now).await
}

async fn open_session(state: &AppState, user: User, now: i64) -> ApiResult<Session> {
    let token = new_session_token();
    let expires_at = now + SESSION_TTL_MS;
    state
        .store
        .create_session(user.id, &token_hash(&token), now, expires_at)
        .await?;
    Ok(Session {
        token,
        expires_at,
        user,
    })
}

/// Ends the caller's session.
pub async fn log_out(state: &AppState, caller: &CurrentUser) -> ApiResult<()> {
    Ok(state.store.revoke_session(&caller.token_hash, state.now_ms()).await?)
}

/// Checks the one-time code of an account without a password (imported,
/// or appointed from the command line), sets its first password and opens a
/// session. Tries are counted like logins, and each wrong code counts on
/// the code itself (the fifth voids it, `activation::judge`); every failure
/// is the same `activation_code_invalid`.
pub async fn activate(state: &AppState, phone: &str, code: &str, password: &str, address: &str) -> ApiResult<Session> {
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
    open_session(state, user, now).await
}

/// Issues a new activation code to the outbox when `phone` has an account
/// without a password; counted per phone and per address either way, so
/// that the answer and its cost say nothing.
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

/// Checks the current password and sets the new one, which ends every
/// session of the account; wrong tries are counted per user.
pub async fn change_password(
    state: &AppState,
    caller: &CurrentUser,
    current_password: &str,
    new_password: &str,
) -> ApiResult<()> {
    check_strength(new_password)?;
    let user_id = caller.user.id.to_string();
    count_try(state, PASSWORD_CHECKS_PER_USER, &[&user_id], state.now_ms()).await?;
    let verified = state
        .passwords
        .verify(current_password.to_string(), caller.user.password_hash.clone())
        .await?;
    if !verified {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "password_wrong",
            "the current password is wrong",
        ));
    }
    let hash = state.passwords.hash(new_password.to_string()).await?;
    state.store.set_password(caller.user.id, &hash, state.now_ms()).await?;
    state
        .store
        .clear_attempts(&PASSWORD_CHECKS_PER_USER.key(&[&user_id]))
        .await?;
    Ok(())
}
