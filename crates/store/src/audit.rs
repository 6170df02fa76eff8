//! The audit log (who did what to whom, including every read of whole
//! personal data), the outbox of messages for an SMS gateway, and the
//! one-time activation codes of imported accounts.

use crate::sql::{Tx, query, query_as, query_scalar};
use crate::vault::Place;
use crate::{Result, Store, StoreError, audit_entry};
use rand::RngCore;
use serde::Serialize;
use zhiyuan_domain::activation::{self, Attempt, StoredCode};

/// How long an activation code is good for, in milliseconds.
pub const ACTIVATION_VALID_MS: i64 = activation::VALID_HOURS * 3600 * 1000;

/// A login's activation code as stored: phone hash, code hash, expiry, wrong tries.
type CodeRow = (Vec<u8>, Option<Vec<u8>>, Option<i64>, i64);

/// A fresh one-time code from the operating system's generator.
pub fn activation_code() -> String {
    let mut rng = rand::rngs::OsRng;
    activation::new_code(|| rng.next_u32())
}

/// What the login stores of a code: a keyed hash bound to the phone (of
/// the code as issued; see `activation::normalise`).
pub(crate) fn activation_code_hash(vault: &crate::Vault, phone_hash: &[u8], code: &str) -> Vec<u8> {
    vault.lookup_hash("activation", &format!("{}:{}", hex::encode(phone_hash), code.trim()))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_user: Option<i64>,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub detail: String,
    /// The actor's display name, when the actor is a user.
    pub actor_name: Option<String>,
}

/// An outbox row as stored: id, time, phone lookup hash, sealed phone,
/// template, sealed payload.
type OutboxRow = (i64, i64, Vec<u8>, String, String, String);

/// The columns of an [`OutboxRow`].
const OUTBOX_COLUMNS: &str = "id, at, phone_hash, phone_sealed, template, payload";

/// A message waiting for the SMS gateway, opened for the adapter that sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub at: i64,
    pub phone: String,
    pub template: String,
    pub payload: serde_json::Value,
}

impl Store {
    /// What was done to one subject, oldest first, with the actors' names.
    pub async fn audit_entries(&self, subject_kind: &str, subject_id: &str) -> Result<Vec<AuditEntry>> {
        let mut entries = self.audit_trail(subject_kind, subject_id, None, i64::MAX).await?;
        entries.reverse();
        Ok(entries)
    }

    /// One page of a subject's audit trail, newest first: the entries
    /// before `before_id` (from the newest when `None`).
    pub async fn audit_trail(
        &self,
        subject_kind: &str,
        subject_id: &str,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let mut conn = self.reader().await?;
        query_as::<AuditEntry>(
            "SELECT l.id, l.at, l.actor_user, l.action, l.subject_kind, l.subject_id, l.detail, u.display_name AS actor_name \
             FROM audit_log l LEFT JOIN users u ON u.id = l.actor_user \
             WHERE l.subject_kind = $1 AND l.subject_id = $2 AND l.id < $3 ORDER BY l.id DESC LIMIT $4",
        )
        .bind(subject_kind)
        .bind(subject_id)
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&mut conn)
        .await
    }

    /// Unsent messages to one phone, oldest first.
    pub async fn outbox_for(&self, phone: &str) -> Result<Vec<OutboxMessage>> {
        let phone_hash = self.vault.lookup_hash("phone", phone);
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE phone_hash = $1 AND sent_at IS NULL ORDER BY id");
        let rows: Vec<OutboxRow> = {
            let mut conn = self.reader().await?;
            query_as(sqlx::AssertSqlSafe(sql))
                .bind(phone_hash)
                .fetch_all(&mut conn)
                .await?
        };
        self.open_outbox_rows(rows)
    }

    /// Unsent messages to anyone, oldest first, at most `limit`: what a
    /// gateway (or an office handing codes out by hand) takes next.
    pub async fn unsent_messages(&self, limit: i64) -> Result<Vec<OutboxMessage>> {
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1");
        let rows: Vec<OutboxRow> = {
            let mut conn = self.reader().await?;
            query_as(sqlx::AssertSqlSafe(sql))
                .bind(limit)
                .fetch_all(&mut conn)
                .await?
        };
        self.open_outbox_rows(rows)
    }

    fn open_outbox_rows(&self, rows: Vec<OutboxRow>) -> Result<Vec<OutboxMessage>> {
        rows.into_iter()
            .map(|(id, at, phone_hash, phone_sealed, template, payload)| {
                let payload = self.vault.open(Place::outbox("payload", &phone_hash), &payload)?;
                Ok(OutboxMessage {
                    id,
                    at,
                    phone: self
                        .vault
                        .open(Place::outbox("phone_sealed", &phone_hash), &phone_sealed)?,
                    template,
                    payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::String(payload)),
                })
            })
            .collect()
    }

    pub async fn outbox_count(&self) -> Result<i64> {
        let mut conn = self.reader().await?;
        query_scalar::<i64>("SELECT COUNT(*) FROM outbox")
            .fetch_one(&mut conn)
            .await
    }

    /// One try of an activation code for the user, judged by
    /// `activation::judge` inside one transaction: a wrong code counts (the
    /// fifth voids it), a right one is cleared at once so that it serves
    /// once. `code` is the typed code (normalised here; one that cannot be a
    /// code counts as wrong).
    pub async fn try_activation_code(&self, user_id: i64, code: &str, now: i64) -> Result<Attempt> {
        let lock = self.lock_rows();
        let sql = format!(
            "SELECT phone_hash, activation_code_hash, activation_expires_at, activation_attempts FROM users \
             WHERE id = $1 AND password_hash IS NULL{lock}"
        );
        let typed = activation::normalise(code);
        let mut tx = self.transaction().await?;
        let attempt = {
            let row: Option<CodeRow> = query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(user_id)
                .fetch_optional(&mut tx)
                .await?;
            let Some((phone_hash, stored_hash, expires_at, attempts)) = row else {
                return Ok(Attempt::NoCode);
            };
            let stored = match (&stored_hash, expires_at) {
                (Some(_), Some(expires_at_ms)) => Some(StoredCode {
                    expires_at_ms,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                }),
                _ => None,
            };
            let matches = typed.as_deref().is_some_and(|typed| {
                stored_hash.as_deref() == Some(activation_code_hash(&self.vault, &phone_hash, typed).as_slice())
            });
            let attempt = activation::judge(stored, matches, now);
            match attempt {
                Attempt::Accepted => {
                    query("UPDATE users SET activation_code_hash = NULL, activation_expires_at = NULL, activation_attempts = 0 WHERE id = $1")
                        .bind(user_id)
                        .execute(&mut tx)
                        .await?;
                }
                Attempt::Refused { attempts, void } => {
                    query("UPDATE users SET activation_attempts = $2 WHERE id = $1")
                        .bind(user_id)
                        .bind(i64::from(attempts))
                        .execute(&mut tx)
                        .await?;
                    if void {
                        audit_entry(
                            &mut tx,
                            now,
                            None::<i64>,
                            "user.activation_code_void",
                            "user",
                            user_id.to_string(),
                            format!("{attempts} wrong tries"),
                        )
                        .await?;
                    }
                }
                Attempt::NoCode => {}
            }
            attempt
        };
        tx.commit().await?;
        Ok(attempt)
    }

    /// Gives a login that has no password a fresh one-time activation code
    /// (replacing any earlier one, with a fresh count of tries) and returns
    /// it; `invalid_transition` once the password is set. With `send`, the
    /// code also goes to the outbox for the SMS gateway.
    pub async fn issue_activation_code(&self, user_id: i64, send: bool, now: i64) -> Result<String> {
        let code = activation_code();
        let mut tx = self.transaction().await?;
        {
            let row: Option<(Vec<u8>, String, String, Option<String>)> =
                query_as("SELECT phone_hash, phone_sealed, display_name, password_hash FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_optional(&mut tx)
                    .await?;
            let Some((phone_hash, phone_sealed, name, password_hash)) = row else {
                return Err(StoreError::NotFound("user"));
            };
            if password_hash.is_some() {
                return Err(StoreError::Rule(zhiyuan_domain::RuleError::new(
                    "invalid_transition",
                    "this account is already active",
                )));
            }
            query("UPDATE users SET activation_code_hash = $2, activation_expires_at = $3, activation_attempts = 0 WHERE id = $1")
                .bind(user_id)
                .bind(activation_code_hash(&self.vault, &phone_hash, &code))
                .bind(now + ACTIVATION_VALID_MS)
                .execute(&mut tx)
                .await?;
            if send {
                let payload = serde_json::json!({ "code": code, "name": name });
                let phone = self.vault.open(Place::user_phone(&phone_hash), &phone_sealed)?;
                enqueue_sms(&mut tx, &self.vault, &phone, "activation_code", &payload, now).await?;
            }
            audit_entry(
                &mut tx,
                now,
                None::<i64>,
                "user.activation_code",
                "user",
                user_id.to_string(),
                "",
            )
            .await?;
        };
        tx.commit().await?;
        Ok(code)
    }

    /// Claims up to `limit` unsent messages for a gateway, oldest first:
    /// they are marked handed over (audited as by `by`) in the transaction
    /// that reads them, so that of two server processes only one sends
    /// each; [`Store::release_messages`] puts back the ones it could not send.
    pub async fn claim_unsent(&self, limit: i64, by: &str, now: i64) -> Result<Vec<OutboxMessage>> {
        let mut tx = self.transaction().await?;
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1{}",
            tx.claim_lock()
        );
        let rows: Vec<OutboxRow> = query_as(sqlx::AssertSqlSafe(sql))
            .bind(limit)
            .fetch_all(&mut tx)
            .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        for row in &rows {
            query("UPDATE outbox SET sent_at = $1 WHERE id = $2")
                .bind(now)
                .bind(row.0)
                .execute(&mut tx)
                .await?;
        }
        audit_entry(
            &mut tx,
            now,
            None::<i64>,
            "outbox.handed_over",
            "outbox",
            by,
            format!("{} messages", rows.len()),
        )
        .await?;
        tx.commit().await?;
        self.open_outbox_rows(rows)
    }

    /// Puts claimed messages back in the outbox (their gateway failed).
    pub async fn release_messages(&self, message_ids: &[i64]) -> Result<()> {
        let mut tx = self.transaction().await?;
        for id in message_ids {
            query("UPDATE outbox SET sent_at = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await
    }

    /// Marks outbox messages as handed over (to a gateway, or printed for
    /// an office to deliver), in one transaction with an audit entry by
    /// `actor`; messages already handed over are left alone. Returns how
    /// many were marked.
    pub async fn mark_sent(&self, message_ids: &[i64], actor: &str, now: i64) -> Result<u64> {
        let mut tx = self.transaction().await?;
        let marked = {
            let mut marked = 0;
            for id in message_ids {
                marked += query("UPDATE outbox SET sent_at = $1 WHERE id = $2 AND sent_at IS NULL")
                    .bind(now)
                    .bind(id)
                    .execute(&mut tx)
                    .await?
                    .rows_affected();
            }
            audit_entry(
                &mut tx,
                now,
                None::<i64>,
                "outbox.handed_over",
                "outbox",
                actor,
                format!("{marked} messages"),
            )
            .await?;
            marked
        };
        tx.commit().await?;
        Ok(marked)
    }
}

/// Puts an SMS to `phone` in the outbox, in `tx`: the phone and the payload
/// (JSON) sealed in their row, the phone's lookup hash to find them by.
pub(crate) async fn enqueue_sms(
    tx: &mut Tx<'_>,
    vault: &crate::Vault,
    phone: &str,
    template: &str,
    payload: &serde_json::Value,
    now: i64,
) -> Result<()> {
    let phone_hash = vault.lookup_hash("phone", phone);
    query(
        "INSERT INTO outbox (at, channel, phone_hash, phone_sealed, template, payload) VALUES ($1, 'sms', $2, $3, $4, $5)",
    )
    .bind(now)
    .bind(&phone_hash)
    .bind(vault.seal(Place::outbox("phone_sealed", &phone_hash), phone))
    .bind(template)
    .bind(vault.seal(Place::outbox("payload", &phone_hash), &payload.to_string()))
    .execute(&mut *tx)
    .await?;
    Ok(())
}
