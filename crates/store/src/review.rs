//! Record review and hand entry: a reviewer's change of a record's state
//! (`RecordState::change`), confirmation and its second approval
//! (`confirmation::decide_confirmation`), automatic confirmation, hours
//! entered by hand, and the lists reviewers work from.

use crate::activities::Activity;
use crate::ledger::{LedgerEvent, append_ledger};
use crate::records::{RECORD_COLUMNS, RECORD_VIEW_SELECT, RecordView, RecordsWithin, ServiceRecord, close_record};
use crate::sql::{query, query_as, query_scalar};
use crate::{Result, Store, StoreError, audit_entry};
use zhiyuan_domain::RuleError;
use zhiyuan_domain::confirmation::{self, Confirmation, RecordFacts};
use zhiyuan_domain::hours::Interval;
use zhiyuan_domain::record::{EvidenceType, HourKind, RecordState};
use zhiyuan_domain::region::distribution_key;
use zhiyuan_domain::time::{china_date, from_epoch_ms as instant};

/// Hours entered by hand (honor hours): slots, a reason and evidence.
#[derive(Debug, Clone)]
pub struct HandEntry {
    pub activity_id: i64,
    pub volunteer_id: i64,
    pub slots: Vec<Interval>,
    pub reason: String,
    /// Why a volunteer without an approved sign-up served anyway.
    pub exception: Option<String>,
    pub evidence: Vec<u8>,
    pub evidence_type: EvidenceType,
}

/// The facts the confirmation rules read about a stored record.
fn record_facts(record: &ServiceRecord, organization_verified: bool, volunteer_user: i64) -> RecordFacts {
    RecordFacts {
        state: record.state(),
        is_open: record.is_open,
        hour_kind: record.hour_kind(),
        minutes: record.minutes,
        entered_by_hand: record.entered_by.is_some(),
        entered_by: record.entered_by,
        volunteer_user,
        organization_verified,
        flagged: record.flagged,
        first_approved_by: record.first_approved_by,
    }
}

impl Store {
    /// Refuses or revokes a closed record, with the reason the rule needs,
    /// appending to the ledger and moving totals. Confirmation goes through
    /// [`Store::confirm_record`].
    pub async fn change_record(
        &self,
        id: i64,
        to: RecordState,
        reason: &str,
        actor: i64,
        now: i64,
    ) -> Result<ServiceRecord> {
        let key = self.vault.ledger_key();
        if to == RecordState::Effective {
            return Err(RuleError::new("invalid_transition", "confirm a record through its confirmation").into());
        }
        let lock = self.lock_rows();
        let sql = format!("SELECT {RECORD_COLUMNS} FROM service_records WHERE id = $1{lock}");
        let mut tx = self.transaction().await?;
        {
            let record: Option<ServiceRecord> = query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .fetch_optional(&mut tx)
                .await?;
            let record = record.ok_or(StoreError::NotFound("service record"))?;
            if record.is_open {
                return Err(RuleError::new("record_open", "the volunteer has not signed out yet").into());
            }
            let delta = record
                .state()
                .change(to, record.hour_kind(), record.minutes)?
                .effective_minutes;
            query("UPDATE service_records SET state = $1, updated_at = $2 WHERE id = $3")
                .bind(to.as_str())
                .bind(now)
                .bind(id)
                .execute(&mut tx)
                .await?;
            let changed = ServiceRecord {
                state: to.as_str().to_string(),
                updated_at: now,
                ..record
            };
            let event_name = if to == RecordState::Refused {
                "refused"
            } else {
                "revoked"
            };
            let event = LedgerEvent {
                key: &key,
                record: &changed,
                event: event_name,
                effective_delta: delta,
                actor: Some(actor),
                reason,
                at: now,
            };
            append_ledger(&mut tx, &event).await?;
            audit_entry(
                &mut tx,
                now,
                Some(actor),
                &format!("record.{event_name}"),
                "service_record",
                id.to_string(),
                reason.to_string(),
            )
            .await?;
        };
        tx.commit().await?;
        self.require_record(id).await
    }

    /// Confirms a pending record as `decide` rules over its facts (read and
    /// locked in the same transaction): the organization's first approval
    /// of hours that wait for a region administrator's, or the record made
    /// effective, with its ledger entry and totals. `actor` is `None` for
    /// automatic confirmation.
    pub async fn confirm_record(
        &self,
        id: i64,
        actor: Option<i64>,
        now: i64,
        decide: impl FnOnce(&RecordFacts) -> std::result::Result<Confirmation, RuleError>,
    ) -> Result<(ServiceRecord, Confirmation)> {
        let key = self.vault.ledger_key();
        let lock = self.lock_rows();
        let sql = format!("SELECT {RECORD_COLUMNS} FROM service_records WHERE id = $1{lock}");
        let mut tx = self.transaction().await?;
        let confirmation = {
            let record: Option<ServiceRecord> = query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .fetch_optional(&mut tx)
                .await?;
            let record = record.ok_or(StoreError::NotFound("service record"))?;
            let (verified_at, volunteer_user): (Option<i64>, i64) = query_as(
                "SELECT o.verified_at, v.user_id FROM organizations o, volunteers v WHERE o.id = $1 AND v.id = $2",
            )
            .bind(record.organization_id)
            .bind(record.volunteer_id)
            .fetch_one(&mut tx)
            .await?;
            let facts = record_facts(&record, verified_at.is_some(), volunteer_user);
            let confirmation = decide(&facts)?;
            match confirmation {
                Confirmation::FirstApproval => {
                    query("UPDATE service_records SET first_approved_by = $1, first_approved_at = $2, updated_at = $2 WHERE id = $3")
                        .bind(actor)
                        .bind(now)
                        .bind(id)
                        .execute(&mut tx)
                        .await?;
                    let event = LedgerEvent {
                        key: &key,
                        record: &record,
                        event: "approved_first",
                        effective_delta: 0,
                        actor,
                        reason: "",
                        at: now,
                    };
                    append_ledger(&mut tx, &event).await?;
                }
                Confirmation::Effective => {
                    let delta = record
                        .state()
                        .change(RecordState::Effective, record.hour_kind(), record.minutes)?;
                    query("UPDATE service_records SET state = $1, updated_at = $2 WHERE id = $3")
                        .bind(RecordState::Effective.as_str())
                        .bind(now)
                        .bind(id)
                        .execute(&mut tx)
                        .await?;
                    let changed = ServiceRecord {
                        state: RecordState::Effective.as_str().to_string(),
                        updated_at: now,
                        ..record
                    };
                    let event_name = if actor.is_some() { "confirmed" } else { "auto_confirmed" };
                    let event = LedgerEvent {
                        key: &key,
                        record: &changed,
                        event: event_name,
                        effective_delta: delta.effective_minutes,
                        actor,
                        reason: "",
                        at: now,
                    };
                    append_ledger(&mut tx, &event).await?;
                }
            }
            if actor.is_some() {
                let action = match confirmation {
                    Confirmation::FirstApproval => "record.approved_first",
                    Confirmation::Effective => "record.confirmed",
                };
                audit_entry(
                    &mut tx,
                    now,
                    actor,
                    action,
                    "service_record",
                    id.to_string(),
                    String::new(),
                )
                .await?;
            }
            confirmation
        };
        tx.commit().await?;
        Ok((self.require_record(id).await?, confirmation))
    }

    /// Confirms the pending records whose time has come by
    /// `confirmation::auto_confirm_due` (hours entered by hand above
    /// `threshold_hours`, honor hours, flagged records and records of
    /// unverified organizations never confirm themselves). Returns how many.
    pub async fn auto_confirm_records(&self, threshold_hours: u32, now: i64) -> Result<u64> {
        // Candidates: pending, closed at least a day ago (the shortest wait);
        // the domain decides each one.
        let candidates: Vec<(i64, Option<i64>, i64)> = {
            let mut conn = self.reader().await?;
            query_as(
            "SELECT r.id, r.closed_at, a.auto_confirm_days FROM service_records r JOIN activities a ON a.id = r.activity_id \
             WHERE r.state = $1 AND r.is_open = FALSE AND r.flagged = FALSE AND a.auto_confirm_days > 0 \
             AND r.closed_at <= $2 ORDER BY r.id LIMIT 1000",
        )
        .bind(RecordState::Pending.as_str())
        .bind(now - chrono::Duration::days(1).num_milliseconds())
        .fetch_all(&mut conn)
        .await?
        };
        let mut confirmed = 0;
        for (id, closed_at, days) in candidates {
            let days = u32::try_from(days).unwrap_or(0);
            let closed = closed_at.unwrap_or(now);
            let outcome = self
                .confirm_record(id, None, now, |facts| {
                    if confirmation::auto_confirm_due(facts, instant(closed), days, threshold_hours, instant(now)) {
                        Ok(Confirmation::Effective)
                    } else {
                        Err(RuleError::new("not_due", "not due for automatic confirmation"))
                    }
                })
                .await;
            match outcome {
                Ok(_) => confirmed += 1,
                // Not due, or someone answered it meanwhile.
                Err(StoreError::Rule(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(confirmed)
    }

    /// Flagged records in a region subtree, for region administrators.
    pub async fn flagged_records(&self, region_path: &str, limit: i64) -> Result<Vec<RecordView>> {
        let (low, high) = crate::subtree_bounds(region_path);
        let sql = format!(
            "{RECORD_VIEW_SELECT} WHERE r.flagged = TRUE AND (r.region_path = $1 OR (r.region_path > $2 AND r.region_path < $3)) \
             ORDER BY r.id DESC LIMIT $4"
        );
        let mut conn = self.reader().await?;
        query_as::<RecordView>(sqlx::AssertSqlSafe(sql))
            .bind(region_path)
            .bind(&low)
            .bind(&high)
            .bind(limit)
            .fetch_all(&mut conn)
            .await
    }

    /// Closed pending records in a region subtree that may wait for a
    /// region administrator's second approval (honor hours and hours
    /// entered by hand; `confirmation::needs_second_approval` picks among
    /// them), oldest first.
    pub async fn records_for_second_approval(&self, region_path: &str, limit: i64) -> Result<Vec<RecordView>> {
        let (low, high) = crate::subtree_bounds(region_path);
        let sql = format!(
            "{RECORD_VIEW_SELECT} WHERE r.state = $1 AND r.is_open = FALSE AND (r.hour_kind = $2 OR r.entered_by IS NOT NULL) \
             AND (r.region_path = $3 OR (r.region_path > $4 AND r.region_path < $5)) ORDER BY r.id LIMIT $6"
        );
        let mut conn = self.reader().await?;
        query_as::<RecordView>(sqlx::AssertSqlSafe(sql))
            .bind(RecordState::Pending.as_str())
            .bind(HourKind::Honor.as_str())
            .bind(region_path)
            .bind(&low)
            .bind(&high)
            .bind(limit)
            .fetch_all(&mut conn)
            .await
    }

    /// Pending records of activities that ended before `ended_before` (the
    /// overdue ones, see `record::overdue_cutoff`), oldest first: in a region
    /// subtree, or of one organization.
    pub async fn overdue_records(
        &self,
        within: RecordsWithin<'_>,
        ended_before: i64,
        limit: i64,
    ) -> Result<Vec<RecordView>> {
        let pending = RecordState::Pending.as_str();
        match within {
            RecordsWithin::Region(region_path) => {
                let (low, high) = crate::subtree_bounds(region_path);
                let sql = format!(
                    "{RECORD_VIEW_SELECT} WHERE r.state = $1 AND a.ends_at < $2 \
                     AND (r.region_path = $3 OR (r.region_path > $4 AND r.region_path < $5)) ORDER BY a.ends_at, r.id LIMIT $6"
                );
                let mut conn = self.reader().await?;
                Ok(query_as::<RecordView>(sqlx::AssertSqlSafe(sql))
                    .bind(pending)
                    .bind(ended_before)
                    .bind(region_path)
                    .bind(&low)
                    .bind(&high)
                    .bind(limit)
                    .fetch_all(&mut conn)
                    .await?)
            }
            RecordsWithin::Organization(organization_id) => {
                let sql = format!(
                    "{RECORD_VIEW_SELECT} WHERE r.state = $1 AND a.ends_at < $2 AND r.organization_id = $3 \
                     ORDER BY a.ends_at, r.id LIMIT $4"
                );
                let mut conn = self.reader().await?;
                Ok(query_as::<RecordView>(sqlx::AssertSqlSafe(sql))
                    .bind(pending)
                    .bind(ended_before)
                    .bind(organization_id)
                    .bind(limit)
                    .fetch_all(&mut conn)
                    .await?)
            }
        }
    }

    /// Enters honor hours by hand: one pending record per slot, the
    /// evidence stored once, fitted against the volunteer's other records.
    pub async fn enter_hours(
        &self,
        entry: &HandEntry,
        activity: &Activity,
        by_user: i64,
        now: i64,
    ) -> Result<Vec<ServiceRecord>> {
        let key = self.vault.ledger_key();
        let digest = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&entry.evidence))
        };
        let mut tx = self.transaction().await?;
        let ids: Vec<i64> = {
            let evidence_id: i64 = query_scalar(
                "INSERT INTO evidence_files (media_type, sha256, size, content, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(entry.evidence_type.media_type())
            .bind(&digest)
            .bind(entry.evidence.len() as i64)
            .bind(&entry.evidence)
            .bind(by_user)
            .bind(now)
            .fetch_one(&mut tx)
            .await?;
            let mut ids = Vec::with_capacity(entry.slots.len());
            for slot in &entry.slots {
                let id: i64 = query_scalar(
                    "INSERT INTO service_records (volunteer_id, activity_id, organization_id, county_code, region_code, region_path, \
                     hour_kind, state, is_open, signed_in_at, from_at, to_at, minutes, service_day, note, flags, flagged, evidence_id, \
                     entered_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $12, $13, TRUE, $7, $7, $7, 0, $8, \
                     '', '', FALSE, $9, $10, $11, $11) RETURNING id",
                )
                .bind(entry.volunteer_id)
                .bind(activity.id)
                .bind(activity.organization_id)
                .bind(distribution_key(&activity.region_code))
                .bind(&activity.region_code)
                .bind(&activity.region_path)
                .bind(slot.from.timestamp_millis())
                .bind(china_date(slot.from).format("%Y-%m-%d").to_string())
                .bind(evidence_id)
                .bind(by_user)
                .bind(now)
                .bind(HourKind::Honor.as_str())
                .bind(RecordState::Pending.as_str())
                .fetch_one(&mut tx)
                .await?;
                let opened: ServiceRecord = query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {RECORD_COLUMNS} FROM service_records WHERE id = $1"
                )))
                .bind(id)
                .fetch_one(&mut tx)
                .await?;
                let note = match &entry.exception {
                    Some(exception) => format!("entered by hand: {} (without a sign-up: {exception})", entry.reason),
                    None => format!("entered by hand: {}", entry.reason),
                };
                let closed = close_record(
                    &mut tx,
                    &opened,
                    *slot,
                    Some(slot.to.timestamp_millis()),
                    &note,
                    &[],
                    now,
                )
                .await?;
                let event = LedgerEvent {
                    key: &key,
                    record: &closed,
                    event: "entered",
                    effective_delta: 0,
                    actor: Some(by_user),
                    reason: &entry.reason,
                    at: now,
                };
                append_ledger(&mut tx, &event).await?;
                audit_entry(
                    &mut tx,
                    now,
                    Some(by_user),
                    "record.enter",
                    "service_record",
                    id.to_string(),
                    note.clone(),
                )
                .await?;
                ids.push(id);
            }
            ids
        };
        tx.commit().await?;
        let mut records = Vec::with_capacity(ids.len());
        for id in ids {
            records.push(self.require_record(id).await?);
        }
        Ok(records)
    }
}
