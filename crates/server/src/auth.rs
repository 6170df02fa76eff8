//! Authentication: Argon2id password hashing off the async threads with a
//! bound on concurrent hashes, opaque session tokens stored hashed, the
//! extractor that turns a bearer token or session cookie into an [`Actor`],
//! and the counting of tries (logins and other guessable answers) per key.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use argon2::password_hash::SaltString;
use argon2::password_hash::rand_core::OsRng;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use zhiyuan_domain::role::Actor;
use zhiyuan_domain::throttle::Throttle;
use zhiyuan_store::accounts::User;

/// Sessions last a week.
pub const SESSION_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// The cookie that carries the session token for pages.
pub const SESSION_COOKIE: &str = "zy_session";

/// Hashes and verifies passwords on the blocking pool, at most `permits` at once,
/// so that logins cannot starve the other endpoints of CPU.
pub struct Passwords {
    permits: Semaphore,
    /// Verified against when the phone is unknown, so that both cases take as long.
    decoy_hash: String,
}

impl Passwords {
    pub fn new(concurrency: usize) -> Self {
        let salt = SaltString::generate(&mut OsRng);
        let decoy_hash = Argon2::default()
            .hash_password(b"decoy-password-never-matches", &salt)
            .expect("hashing a constant cannot fail")
            .to_string();
        Self {
            permits: Semaphore::new(concurrency.max(1)),
            decoy_hash,
        }
    }

    pub async fn hash(&self, password: String) -> ApiResult<String> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(ApiError::internal)
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Whether `password` matches `stored`; a missing hash still costs one verification.
    pub async fn verify(&self, password: String, stored: Option<String>) -> ApiResult<bool> {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.decoy_hash.clone());
        let matches = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false)
        })
        .await
        .map_err(ApiError::internal)?;
        Ok(known && matches)
    }
}

/// Whether two secrets are equal, in time that does not depend on where
/// they differ (their digests compared with `subtle`, so that neither the
/// length nor a common prefix shows).
pub fn same_secret(given: &str, expected: &str) -> bool {
    use subtle::ConstantTimeEq;
    let (given, expected) = (Sha256::digest(given.as_bytes()), Sha256::digest(expected.as_bytes()));
    given.as_slice().ct_eq(expected.as_slice()).into()
}

/// A new random session token (what the client holds).
pub fn new_session_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the database holds for a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Counts one try against `throttle` for `key` (in the database, before
/// the try is checked, so that concurrent tries cannot all pass); 429
/// `too_many_attempts` with `Retry-After` once over the limit.
pub async fn count_try(state: &AppState, throttle: Throttle, parts: &[&str], now_ms: i64) -> ApiResult<()> {
    match state
        .store
        .count_attempt(throttle, &throttle.key(parts), now_ms)
        .await?
    {
        None => Ok(()),
        Some(wait) => {
            let mut error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!("too many tries; try again in {wait} s"),
            );
            error.retry_after = Some(wait);
            Err(error)
        }
    }
}

/// The address failed logins are counted against: the peer of the TCP
/// connection, or, behind a reverse proxy that the configuration trusts, the
/// last address in `X-Forwarded-For` (the one that proxy appended).
pub struct ClientAddress(pub String);

pub fn client_address(headers: &axum::http::HeaderMap, peer: std::net::IpAddr, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(forwarded) = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|a| a.parse::<std::net::IpAddr>().is_ok())
    {
        return forwarded.to_string();
    }
    peer.to_string()
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        Ok(ClientAddress(client_address(
            &parts.headers,
            peer,
            state.trust_forwarded_for,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_counts_only_when_trusted() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 198.51.100.7".parse().unwrap());
        let peer: std::net::IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(client_address(&headers, peer, false), "10.0.0.2");
        assert_eq!(client_address(&headers, peer, true), "198.51.100.7");
        headers.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(client_address(&headers, peer, true), "10.0.0.2");
        assert_eq!(client_address(&axum::http::HeaderMap::new(), peer, true), "10.0.0.2");
    }
}

/// The logged-in caller.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub actor: Actor,
    pub token_hash: String,
    /// The CSRF token of this session's page forms: derived from the raw
    /// session token, which is never stored, so the database cannot yield it.
    pub csrf_token: String,
}

impl CurrentUser {
    pub fn volunteer_id(&self) -> Option<i64> {
        self.actor.volunteer_id.as_deref().and_then(|id| id.parse().ok())
    }
}

/// The session token of a request: a bearer token, else, on pages only,
/// the session cookie. The JSON API never takes the cookie: a browser sends
/// it with requests another site makes it send, and the API's forms carry
/// no CSRF token (the pages' forms do).
pub fn request_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some(token) = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))
    {
        return Some(token.trim().to_string());
    }
    if parts.uri.path().starts_with("/api/") {
        return None;
    }
    cookie(&parts.headers, SESSION_COOKIE)
}

/// The value of cookie `name`, if the request sent it (`cookie` parses
/// the headers; a malformed pair is skipped).
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|pair| pair.name() == name)
        .map(|pair| pair.value().to_string())
}

/// Resolves a token to the caller, if the session is live.
pub async fn resolve_session(state: &AppState, token: &str) -> ApiResult<Option<CurrentUser>> {
    let hash = token_hash(token);
    let Some(user_id) = state.store.session(&hash, state.now_ms()).await? else {
        return Ok(None);
    };
    let Some(session) = state.store.session_user(user_id).await? else {
        return Ok(None);
    };
    Ok(Some(CurrentUser {
        actor: Actor {
            user_id: session.user.id.to_string(),
            grants: session.grants,
            volunteer_id: session.volunteer.map(|(id, _)| id.to_string()),
        },
        user: session.user,
        token_hash: hash,
        csrf_token: hex::encode(Sha256::digest(format!("zhiyuan-csrf:{token}").as_bytes())),
    }))
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = request_token(parts).ok_or_else(ApiError::unauthorized)?;
        resolve_session(state, &token).await?.ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "session_expired",
                "your session has ended; log in again",
            )
        })
    }
}

/// The caller if logged in, for endpoints that anyone may use.
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match request_token(parts) {
            Some(token) => Ok(MaybeUser(resolve_session(state, &token).await?)),
            None => Ok(MaybeUser(None)),
        }
    }
}
