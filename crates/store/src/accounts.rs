//! Accounts: users (phone login, password hash), role grants with scopes,
//! sessions stored as token hashes; imported accounts carry a one-time activation code hash until a password is set.
//!
//! The session path keeps small per-process caches ([`SessionCaches`]): a
//! live session for 2 s and what its user id resolves to (user, grants,
//! volunteer) for 5 s. A logout, password change or grant through this
//! process retires them at once; through another process, they take effect
//! here within those bounds.

use crate::cache::RecentReads;
use crate::sql::{query, query_as, query_scalar};
use crate::vault::Place;
use crate::{Result, Store, StoreError, audit_entry};
use serde::Serialize;
use std::time::Duration;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::region::RegionLevel;
use zhiyuan_domain::role::{Grant, Role, ScopeKind};

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub display_name: String,
    #[serde(skip)]
    pub phone_hash: Vec<u8>,
    #[serde(skip)]
    pub phone_sealed: String,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub created_at: i64,
}

/// What a session token resolves to.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: User,
    pub grants: Vec<Grant>,
    pub volunteer: Option<(i64, String)>,
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    role: String,
    scope_id: String,
    region_path: String,
}

const USER_COLUMNS: &str = "id, display_name, phone_hash, phone_sealed, password_hash, created_at";
const USER_COLUMNS_OF_U: &str = "u.id, u.display_name, u.phone_hash, u.phone_sealed, u.password_hash, u.created_at";

/// A user with the volunteer record it may have, for the session path.
#[derive(sqlx::FromRow)]
struct UserWithVolunteer {
    #[sqlx(flatten)]
    user: User,
    volunteer_id: Option<i64>,
    volunteer_region_code: Option<String>,
    volunteer_region_path: Option<String>,
}

/// How long a cached session user is trusted without another read: bounds
/// how late a grant or registration made by another process is seen here
/// (this process's own changes clear the cache at once).
const SESSION_USER_TTL: Duration = Duration::from_secs(5);
/// How long a live session is trusted without another read: bounds how late
/// a logout or password change made through another process ends the
/// session here (through this process: at once).
const SESSION_TTL: Duration = Duration::from_secs(2);
/// Entries kept before a cache starts over.
const SESSION_CACHE_MAX: usize = 200_000;

/// The per-process caches of the session path: live sessions by token hash
/// (user and expiry) and what a user id resolves to. Every change of users,
/// grants, volunteers or sessions through this store retires both.
pub(crate) struct SessionCaches {
    sessions: RecentReads<String, (i64, i64)>,
    users: RecentReads<i64, SessionUser>,
}

impl Default for SessionCaches {
    fn default() -> Self {
        Self {
            sessions: RecentReads::new(SESSION_TTL, SESSION_CACHE_MAX),
            users: RecentReads::new(SESSION_USER_TTL, SESSION_CACHE_MAX),
        }
    }
}

impl SessionCaches {
    /// Retires every cached entry (call after the change is committed).
    pub(crate) fn forget_all(&self) {
        self.sessions.forget_all();
        self.users.forget_all();
    }
}

impl Store {
    /// Creates a user with a phone login; `phone_taken` if the phone is in use.
    pub async fn create_user(
        &self,
        phone: &str,
        display_name: &str,
        password_hash: Option<&str>,
        now: i64,
    ) -> Result<i64> {
        let phone_hash = self.vault.lookup_hash("phone", phone);
        let phone_sealed = self.vault.seal(Place::user_phone(&phone_hash), phone);
        let mut tx = self.transaction().await?;
        let id = {
            // ON CONFLICT makes a concurrent registration of the same phone a
            // clean refusal instead of a constraint error.
            let id: Option<i64> = query_scalar(
                "INSERT INTO users (phone_hash, phone_sealed, display_name, password_hash, created_at, password_changed_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (phone_hash) DO NOTHING RETURNING id",
            )
            .bind(&phone_hash)
            .bind(&phone_sealed)
            .bind(display_name)
            .bind(password_hash)
            .bind(now)
            .fetch_optional(&mut tx)
            .await?;
            id.ok_or_else(|| StoreError::conflict("phone_taken", "this phone number already has an account"))?
        };
        tx.commit().await?;
        Ok(id)
    }

    /// How many logins exist (zero: nothing sealed is stored yet).
    pub async fn user_count(&self) -> Result<i64> {
        let mut conn = self.reader().await?;
        query_scalar::<i64>("SELECT COUNT(*) FROM users")
            .fetch_one(&mut conn)
            .await
    }

    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let mut conn = self.reader().await?;
        query_as::<User>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut conn)
            .await
    }

    pub async fn user_by_phone(&self, phone: &str) -> Result<Option<User>> {
        let phone_hash = self.vault.lookup_hash("phone", phone);
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE phone_hash = $1");
        let mut conn = self.reader().await?;
        query_as::<User>(sqlx::AssertSqlSafe(sql))
            .bind(phone_hash)
            .fetch_optional(&mut conn)
            .await
    }

    /// Grants `role` over a scope (a region code, site id or organization id)
    /// whose region path is `region_path`. Granting twice changes nothing.
    /// A new grant is audited on the user (`by_user` is `None` from the
    /// command line).
    pub async fn grant_role(
        &self,
        user_id: i64,
        role: Role,
        scope_id: &str,
        region_path: &str,
        by_user: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.transaction().await?;
        {
            let added = query(
                "INSERT INTO role_grants (user_id, role, scope_kind, scope_id, region_path, granted_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, role, scope_id) DO NOTHING",
            )
            .bind(user_id)
            .bind(role.as_str())
            .bind(role.scope_kind().as_str())
            .bind(scope_id)
            .bind(region_path)
            .bind(now)
            .execute(&mut tx)
            .await?
            .rows_affected();
            if added > 0 {
                audit_entry(
                    &mut tx,
                    now,
                    by_user,
                    "role.grant",
                    "user",
                    user_id.to_string(),
                    format!("{} {scope_id}", role.as_str()),
                )
                .await?;
            }
        };
        tx.commit().await?;
        self.session_caches.forget_all();
        Ok(())
    }

    /// Withdraws a grant; `role_grant_unknown` (404) when there is none.
    /// The withdrawal is audited on the user.
    pub async fn revoke_role(&self, user_id: i64, role: Role, scope_id: &str, by_user: i64, now: i64) -> Result<()> {
        let mut tx = self.transaction().await?;
        let removed = {
            let removed = query("DELETE FROM role_grants WHERE user_id = $1 AND role = $2 AND scope_id = $3")
                .bind(user_id)
                .bind(role.as_str())
                .bind(scope_id)
                .execute(&mut tx)
                .await?
                .rows_affected();
            if removed > 0 {
                audit_entry(
                    &mut tx,
                    now,
                    Some(by_user),
                    "role.revoke",
                    "user",
                    user_id.to_string(),
                    format!("{} {scope_id}", role.as_str()),
                )
                .await?;
            }
            removed
        };
        tx.commit().await?;
        self.session_caches.forget_all();
        if removed == 0 {
            return Err(StoreError::NotFound("role grant"));
        }
        Ok(())
    }

    /// Every grant of a user, with the volunteer role derived from a
    /// volunteer record (scope: the volunteer's home region).
    pub async fn session_user(&self, user_id: i64) -> Result<Option<SessionUser>> {
        if let Some(cached) = self.session_caches.users.get(&user_id) {
            return Ok(Some(cached));
        }
        let generation = self.session_caches.users.generation();
        let found = self.read_session_user(user_id).await?;
        if let Some(user) = &found {
            self.session_caches.users.put(user_id, generation, user.clone());
        }
        Ok(found)
    }

    async fn read_session_user(&self, user_id: i64) -> Result<Option<SessionUser>> {
        // The user with its volunteer record, then the grants: two round trips.
        let user_sql = format!(
            "SELECT {USER_COLUMNS_OF_U}, v.id AS volunteer_id, v.region_code AS volunteer_region_code, \
             v.region_path AS volunteer_region_path FROM users u LEFT JOIN volunteers v ON v.user_id = u.id WHERE u.id = $1"
        );
        let found = {
            let mut conn = self.reader().await?;
            {
                let row: Option<UserWithVolunteer> = query_as(sqlx::AssertSqlSafe(user_sql))
                    .bind(user_id)
                    .fetch_optional(&mut conn)
                    .await?;
                match row {
                    Some(row) => {
                        let rows = query_as::<GrantRow>(
                            "SELECT role, scope_id, region_path FROM role_grants WHERE user_id = $1 ORDER BY id",
                        )
                        .bind(user_id)
                        .fetch_all(&mut conn)
                        .await?;
                        Some((row, rows))
                    }
                    None => None,
                }
            }
        };
        let Some((row, rows)) = found else {
            return Ok(None);
        };
        let user = row.user;
        let volunteer = match (row.volunteer_id, row.volunteer_region_code, row.volunteer_region_path) {
            (Some(id), Some(region_code), Some(region_path)) => Some((id, region_code, region_path)),
            _ => None,
        };
        let mut grants: Vec<Grant> = rows
            .into_iter()
            .filter_map(|row| {
                Some(Grant {
                    role: Role::parse(&row.role).ok()?,
                    scope_id: row.scope_id,
                    region_path: row.region_path,
                })
            })
            .collect();
        if let Some((_, region_code, region_path)) = &volunteer {
            grants.push(Grant {
                role: Role::Volunteer,
                scope_id: region_code.clone(),
                region_path: region_path.clone(),
            });
        }
        Ok(Some(SessionUser {
            user,
            grants,
            volunteer: volunteer.map(|(id, region_code, _)| (id, region_code)),
        }))
    }

    pub async fn create_session(&self, user_id: i64, token_hash: &str, now: i64, expires_at: i64) -> Result<()> {
        let mut tx = self.transaction().await?;
        {
            query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash)
                .bind(user_id)
                .bind(now)
                .bind(expires_at)
                .execute(&mut tx)
                .await?;
        };
        tx.commit().await?;
        Ok(())
    }

    /// The user of a live session: not revoked, not expired. A live session
    /// is kept in the per-process cache for up to `SESSION_TTL`.
    pub async fn session(&self, token_hash: &str, now: i64) -> Result<Option<i64>> {
        let cache = &self.session_caches.sessions;
        if let Some((user_id, expires_at)) = cache.get(token_hash) {
            return Ok((expires_at > now).then_some(user_id));
        }
        let generation = cache.generation();
        let live: Option<(i64, i64)> = {
            let mut conn = self.reader().await?;
            Ok::<_, StoreError>(query_as::<(i64, i64)>(
            "SELECT user_id, expires_at FROM sessions WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut conn)
        .await?)
        }?;
        if let Some(session) = live {
            cache.put(token_hash.to_string(), generation, session);
        }
        Ok(live.map(|(user_id, _)| user_id))
    }

    pub async fn revoke_session(&self, token_hash: &str, now: i64) -> Result<()> {
        let mut tx = self.transaction().await?;
        {
            query("UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL")
                .bind(token_hash)
                .bind(now)
                .execute(&mut tx)
                .await?;
        };
        tx.commit().await?;
        self.session_caches.forget_all();
        Ok(())
    }

    /// Sets a new password hash and revokes every session of the user.
    pub async fn set_password(&self, user_id: i64, password_hash: &str, now: i64) -> Result<()> {
        let mut tx = self.transaction().await?;
        {
            let result = query(
                "UPDATE users SET password_hash = $2, password_changed_at = $3, activation_code_hash = NULL, \
                 activation_expires_at = NULL WHERE id = $1",
            )
            .bind(user_id)
            .bind(password_hash)
            .bind(now)
            .execute(&mut tx)
            .await?;
            if result.rows_affected() == 0 {
                return Err(StoreError::NotFound("user"));
            }
            query("UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                .bind(user_id)
                .bind(now)
                .execute(&mut tx)
                .await?;
            audit_entry(
                &mut tx,
                now,
                Some(user_id),
                "user.password_set",
                "user",
                user_id.to_string(),
                "",
            )
            .await?;
        };
        tx.commit().await?;
        self.session_caches.forget_all();
        Ok(())
    }

    /// The region path of the scope a role would be granted over: a region of
    /// the role's level, a site or an organization. `scope_unknown` if there
    /// is no such scope.
    pub async fn scope_region_path(&self, role: Role, scope_id: &str) -> Result<String> {
        let unknown = || {
            StoreError::Rule(
                RuleError::new(
                    "scope_unknown",
                    "no such region, site, organization or provider for this role",
                )
                .on("scope_id"),
            )
        };
        match role.scope_kind() {
            ScopeKind::Region => {
                let region = self.region(scope_id).await?.ok_or_else(unknown)?;
                Grant::check_region_level(role, RegionLevel::parse(&region.level)?)?;
                Ok(region.path)
            }
            ScopeKind::Site => {
                let id = crate::parse_id(scope_id, "site").map_err(|_| unknown())?;
                Ok(self.site(id).await?.ok_or_else(unknown)?.region_path)
            }
            ScopeKind::Organization => {
                let id = crate::parse_id(scope_id, "organization").map_err(|_| unknown())?;
                Ok(self.organization(id).await?.ok_or_else(unknown)?.region_path)
            }
            ScopeKind::Provider => {
                let id = crate::parse_id(scope_id, "provider").map_err(|_| unknown())?;
                Ok(self.provider(id).await?.ok_or_else(unknown)?.region_path)
            }
        }
    }
}
