//! The attendance writer's flows: each accepted check-in claim judged
//! against the volunteer's facts (`attendance::decide_claim` of the domain)
//! and written; batches of claims written in one transaction (fast and
//! set-based, or guarded with a savepoint per claim); sign-ins left open
//! past midnight closed by the activity's rule; supervision pings.

use crate::activities::Activity;
use crate::ledger::{LEDGER_INSERT, LEDGER_INSERT_COLUMNS, LedgerEvent, append_ledger, bind_ledger_entry};
use crate::records::{Close, RECORD_COLUMNS, ServiceRecord, close_record};
use crate::sql::{Statement, Tx, query, query_as};
use crate::writer::Batch;
use crate::{
    Backend, Placeholders, Result, Store, StoreError, audit_entry, code_list, in_list_sql, rows_per_statement,
    values_sql,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::activity::CheckinMethod;
use zhiyuan_domain::attendance::{self, Accepted, ClaimDecision, ClaimFacts};
use zhiyuan_domain::checkin_token::AttendanceKind;
use zhiyuan_domain::geo::{Fix, Point};
use zhiyuan_domain::hours::{self, Interval, MissingCheckout};
use zhiyuan_domain::ledger::{self, EntryFields, LedgerKey};
use zhiyuan_domain::record::{HourKind, RecordState};
use zhiyuan_domain::region::distribution_key;
use zhiyuan_domain::signup::SignupStatus;
use zhiyuan_domain::supervision::{self, Ping};
use zhiyuan_domain::time::{china_date, from_epoch_ms as instant};

/// One accepted attendance claim, ready to persist.
#[derive(Debug, Clone)]
pub struct AttendanceWrite {
    pub activity_id: i64,
    pub volunteer_id: i64,
    pub kind: AttendanceKind,
    pub method: CheckinMethod,
    pub claimed_at: i64,
    pub received_at: i64,
    pub accepted: Accepted,
    pub fix: Option<Fix>,
    pub device_id: Option<String>,
    pub by_user: i64,
}

/// Closes a sign-in whose day ended without a sign-out, by the activity's
/// rule (0 hours by default), with its ledger entry.
async fn close_unsigned_record(
    tx: &mut Tx<'_>,
    key: &LedgerKey,
    record: &ServiceRecord,
    window: Interval,
    policy: MissingCheckout,
    now: i64,
) -> Result<()> {
    let span = hours::close_unsigned(instant(record.signed_in_at), window, policy);
    let note = match policy {
        MissingCheckout::ZeroHours => "never signed out: closed at 24:00 with 0 hours",
        MissingCheckout::UntilActivityEnd => "never signed out: counted to the activity's end",
    };
    let closed = close_record(tx, record, span, None, note, &[], now).await?;
    let event = LedgerEvent {
        key,
        record: &closed,
        event: "closed_at_midnight",
        effective_delta: 0,
        actor: None,
        reason: &closed.note,
        at: now,
    };
    append_ledger(tx, &event).await?;
    Ok(())
}

fn not_checked_in() -> StoreError {
    RuleError::new(
        "not_checked_in",
        "there is no open sign-in for this activity today (a sign-in not signed out is closed at 24:00)",
    )
    .into()
}

fn replayed() -> StoreError {
    RuleError::new(
        "token_replayed",
        "you have already used this code; scan the code on screen now",
    )
    .on("token")
    .into()
}

/// The flags a sign-out adds to the open record `record_id` (`pinged`
/// pings stored for it): the claim's own (offline, doubtful fix), track
/// anomalies and a shared device.
async fn sign_out_flags(
    tx: &mut Tx<'_>,
    write: &AttendanceWrite,
    activity: &Activity,
    record_id: i64,
    pinged: i64,
) -> Result<Vec<String>> {
    let pings: Vec<(i64, f64, f64, f64)> = if pinged > 0 {
        query_as("SELECT at, lat, lon, accuracy_m FROM supervision_pings WHERE record_id = $1 ORDER BY at")
            .bind(record_id)
            .fetch_all(&mut *tx)
            .await?
    } else {
        Vec::new()
    };
    let mut flags: Vec<String> = supervision::track_anomalies(&activity.plan().fence, &pings_of(&pings))
        .iter()
        .map(|a| a.code().to_string())
        .chain(write.accepted.flags.iter().map(|f| f.to_string()))
        .collect();
    if let Some(device) = write.device_id.as_deref().filter(|d| !d.is_empty()) {
        let others: Vec<(i64,)> = query_as(
                    "SELECT DISTINCT volunteer_id FROM attendance WHERE activity_id = $1 AND device_id = $2 AND volunteer_id <> $3",
                )
                .bind(write.activity_id)
                .bind(device)
                .bind(write.volunteer_id)
                .fetch_all(&mut *tx)
                .await?;
        let uses = others
            .iter()
            .map(|(v,)| (device, *v))
            .chain([(device, write.volunteer_id)]);
        flags.extend(supervision::shared_devices(uses).iter().map(|a| a.code().to_string()));
    }
    flags.sort();
    flags.dedup();
    Ok(flags)
}

/// What [`attendance_claim`] needs to know before it judges a claim: the
/// sign-up's status, the attendance row that already used this token for
/// this kind, the open sign-in's id and start, the pings stored for it, and
/// (offline claims only) the offline claims that used this token step.
type ClaimChecks = (Option<String>, Option<i64>, Option<i64>, Option<i64>, i64, i64);

/// A row of [`CLAIM_CHECKS`]: the claim's place in its batch, then its checks.
type ClaimChecksRow = (i64, Option<String>, Option<i64>, Option<i64>, Option<i64>, i64, i64);

/// The [`ClaimChecks`] of each row `v` of a `VALUES` list of (place in the
/// batch, activity, volunteer, kind, token step), in the order of the list.
const CLAIM_CHECKS: &str = "SELECT v.column1, \
     (SELECT status FROM signups WHERE activity_id = v.column2 AND volunteer_id = v.column3), \
     (SELECT id FROM attendance WHERE activity_id = v.column2 AND volunteer_id = v.column3 AND kind = v.column4 \
        AND token_step = v.column5), \
     (SELECT MIN(id) FROM service_records WHERE volunteer_id = v.column3 AND activity_id = v.column2 AND is_open = TRUE), \
     (SELECT MIN(signed_in_at) FROM service_records WHERE volunteer_id = v.column3 AND activity_id = v.column2 \
        AND is_open = TRUE), \
     (SELECT COUNT(*) FROM supervision_pings WHERE record_id IN \
        (SELECT id FROM service_records WHERE volunteer_id = v.column3 AND activity_id = v.column2 AND is_open = TRUE)), \
     CASE WHEN v.column6 THEN (SELECT COUNT(*) FROM attendance WHERE activity_id = v.column2 AND kind = v.column4 \
        AND token_step = v.column5 AND offline = TRUE) ELSE 0 END \
     FROM (VALUES ";

const CLAIM_CHECKS_END: &str = ") AS v ORDER BY v.column1";

const CLAIM_CHECKS_COLUMNS: usize = 6;

/// Reads the checks of `claims` (each a claim and its place in the batch)
/// in one round trip.
async fn read_claim_checks(
    tx: &mut Tx<'_>,
    placeholders: Placeholders,
    claims: &[(usize, &AttendanceWrite)],
) -> Result<Vec<ClaimChecks>> {
    let sql = values_sql(
        placeholders,
        CLAIM_CHECKS,
        CLAIM_CHECKS_COLUMNS,
        claims.len(),
        CLAIM_CHECKS_END,
    );
    let mut statement = query_as::<ClaimChecksRow>(sqlx::AssertSqlSafe(sql));
    for (place, write) in claims {
        statement = statement
            .bind(*place as i64)
            .bind(write.activity_id)
            .bind(write.volunteer_id)
            .bind(write.kind.as_str())
            .bind(write.accepted.token_step)
            .bind(write.accepted.offline);
    }
    let rows = statement.fetch_all(&mut *tx).await?;
    let in_order =
        rows.len() == claims.len() && rows.iter().zip(claims).all(|(row, (place, _))| row.0 == *place as i64);
    if !in_order {
        return Err(StoreError::BatchFailed(
            "the claims' checks came back incomplete".into(),
        ));
    }
    Ok(rows
        .into_iter()
        .map(|(_, status, used, any_open, open_since, pinged, offline_uses)| {
            (status, used, any_open, open_since, pinged, offline_uses)
        })
        .collect())
}

/// The [`ClaimChecks`] of every claim of a batch, read at once before any of
/// them is written (a few hundred claims per round trip), in claim order.
async fn claim_checks(tx: &mut Tx<'_>, claims: &[&BatchedClaim]) -> Result<Vec<Option<ClaimChecks>>> {
    let placeholders = tx.placeholders();
    let mut checks: Vec<Option<ClaimChecks>> = Vec::with_capacity(claims.len());
    let places: Vec<(usize, &AttendanceWrite)> = claims
        .iter()
        .enumerate()
        .map(|(place, claim)| (place, &claim.write))
        .collect();
    for chunk in places.chunks(rows_per_statement(CLAIM_CHECKS_COLUMNS)) {
        let read = read_claim_checks(tx, placeholders, chunk).await?;
        checks.extend(read.into_iter().map(Some));
    }
    Ok(checks)
}

/// Persists one accepted attendance claim inside the transaction `tx`: it
/// reads the claim's facts (or takes those the batch read), lets
/// `attendance::decide_claim` decide, and writes what it decided: a sign-in
/// opens a record (after closing a sign-in of an earlier day by the midnight
/// rule), a sign-out closes today's (capped, fitted, checked by supervision).
/// Every refusal comes from the decision, before the claim's first write,
/// so a refused claim leaves nothing behind and needs no savepoint. Yields
/// the record as it stands after the claim. With `defer`, a plain sign-in
/// (no open record, not manual) that passed every check yields [`Claimed::SignInDeferred`] instead of writing, and so does
/// a sign-out (not manual) of today's open sign-in
/// ([`Claimed::SignOutDeferred`], with its span and flags): the batch writes
/// those together ([`flush_claims`]). `prefetched` are the claim's checks
/// when the batch read them already ([`read_claim_checks`]), else `None`.
async fn attendance_claim(
    tx: &mut Tx<'_>,
    key: &LedgerKey,
    write: &AttendanceWrite,
    activity: &Activity,
    defer: bool,
    prefetched: Option<ClaimChecks>,
) -> Result<Claimed> {
    let lock = tx.row_lock();
    // The sign-up, whether this volunteer used the token already and
    // whether a sign-in is open: read with the batch's others
    // (`read_claim_checks`) or here, in one round trip.
    let (status, used, any_open, open_since, pinged, offline_uses): ClaimChecks = match prefetched {
        Some(checks) => checks,
        None => {
            // Numbered placeholders work on both backends; five are cheap on SQLite.
            let read = read_claim_checks(tx, Placeholders::Numbered, &[(0, write)]).await?;
            read.into_iter()
                .next()
                .ok_or_else(|| StoreError::BatchFailed("a claim's checks came back empty".into()))?
        }
    };
    let facts = ClaimFacts {
        signup: status.as_deref().and_then(|status| SignupStatus::parse(status).ok()),
        token_step_used: used.is_some(),
        offline_uses_of_step: u32::try_from(offline_uses).unwrap_or(u32::MAX),
        open_since: open_since.map(instant),
    };
    let decision = attendance::decide_claim(write.kind, &write.accepted, activity.window(), &facts)?;
    // A plain sign-out of today's open sign-in: closed with the
    // batch's other sign-outs (`close_sign_outs`).
    if let ClaimDecision::SignOut { span } = decision
        && defer
        && write.method != CheckinMethod::Manual
    {
        let record_id =
            any_open.ok_or_else(|| StoreError::BatchFailed("a sign-out's open record went missing".into()))?;
        let flags = sign_out_flags(tx, write, activity, record_id, pinged).await?;
        return Ok(Claimed::SignOutDeferred(Box::new(DeferredOut {
            record_id,
            span,
            flags,
        })));
    }
    // The open sign-in itself (locked on PostgreSQL) only when there is one.
    let open: Option<ServiceRecord> = match any_open {
        Some(_) => {
            let open_sql = format!(
                "SELECT {RECORD_COLUMNS} FROM service_records WHERE volunteer_id = $1 AND activity_id = $2 AND is_open = TRUE{lock}"
            );
            query_as(sqlx::AssertSqlSafe(open_sql))
                .bind(write.volunteer_id)
                .bind(write.activity_id)
                .fetch_optional(&mut *tx)
                .await?
        }
        None => None,
    };
    let changed = || StoreError::BatchFailed("an open sign-in changed during its batch".into());
    let record: ServiceRecord = match decision {
        ClaimDecision::SignIn { close_stale_first } => {
            if close_stale_first {
                // The midnight rule closes the sign-in of an earlier
                // day here (the background job closes the others).
                let stale = open.ok_or_else(changed)?;
                let policy = activity.plan().rules.missing_checkout;
                close_unsigned_record(tx, key, &stale, activity.window(), policy, write.received_at).await?;
            }
            if defer && write.method != CheckinMethod::Manual {
                return Ok(Claimed::SignInDeferred);
            }
            let signed_in = instant(write.claimed_at);
            let sign_in_flags = supervision::merge_flags("", write.accepted.flags.iter().copied());
            let insert_sql = format!(
                "INSERT INTO service_records (volunteer_id, activity_id, organization_id, county_code, region_code, \
                         region_path, hour_kind, state, is_open, signed_in_at, from_at, to_at, minutes, service_day, note, flags, \
                         flagged, created_at, updated_at, entered_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE, $9, $9, $9, \
                         0, $10, '', $13, $14, $11, $11, $12) RETURNING {RECORD_COLUMNS}"
            );
            query_as(sqlx::AssertSqlSafe(insert_sql))
                .bind(write.volunteer_id)
                .bind(write.activity_id)
                .bind(activity.organization_id)
                .bind(distribution_key(&activity.region_code))
                .bind(&activity.region_code)
                .bind(&activity.region_path)
                .bind(HourKind::Credit.as_str())
                .bind(RecordState::Pending.as_str())
                .bind(write.claimed_at)
                .bind(china_date(signed_in).format("%Y-%m-%d").to_string())
                .bind(write.received_at)
                .bind((write.method == CheckinMethod::Manual).then_some(write.by_user))
                .bind(&sign_in_flags.0)
                .bind(sign_in_flags.1)
                .fetch_one(&mut *tx)
                .await?
        }
        ClaimDecision::SignOut { span } => {
            let mut open = open.ok_or_else(changed)?;
            if write.method == CheckinMethod::Manual && open.entered_by.is_none() {
                // Signed out by the organizer's hand: the record was entered by hand.
                query("UPDATE service_records SET entered_by = $1 WHERE id = $2")
                    .bind(write.by_user)
                    .bind(open.id)
                    .execute(&mut *tx)
                    .await?;
                open.entered_by = Some(write.by_user);
            }
            let flags = sign_out_flags(tx, write, activity, open.id, pinged).await?;
            let closed = close_record(tx, &open, span, Some(write.claimed_at), "", &flags, write.received_at).await?;
            let event = LedgerEvent {
                key,
                record: &closed,
                event: "closed",
                effective_delta: 0,
                actor: Some(write.by_user),
                reason: &closed.note,
                at: write.received_at,
            };
            append_ledger(tx, &event).await?;
            closed
        }
    };
    let sql = values_sql(
        Placeholders::Numbered,
        ATTENDANCE_INSERT,
        ATTENDANCE_INSERT_COLUMNS,
        1,
        "",
    );
    bind_attendance_row(query(sqlx::AssertSqlSafe(sql)), write, record.id)
        .execute(&mut *tx)
        .await?;
    if write.method == CheckinMethod::Manual {
        audit_entry(
            tx,
            write.received_at,
            Some(write.by_user),
            "attendance.manual",
            "service_record",
            record.id.to_string(),
            format!(
                "{} {}",
                write.kind.as_str(),
                write.accepted.reason.clone().unwrap_or_default()
            ),
        )
        .await?;
    }
    Ok(Claimed::Written(Box::new(record)))
}

/// A sign-out checked by [`attendance_claim`] and waiting for
/// [`close_sign_outs`]: the open record it closes, the span it counts
/// (capped to the activity) and its supervision flags.
struct DeferredOut {
    record_id: i64,
    span: Interval,
    flags: Vec<String>,
}

/// What became of one claim run by [`attendance_claim`].
enum Claimed {
    Written(Box<ServiceRecord>),
    /// A plain sign-in that passed every check, left for the batch's multi-row insert.
    SignInDeferred,
    /// A plain sign-out that passed every check, left for the batch's set-based close.
    SignOutDeferred(Box<DeferredOut>),
}

const RECORD_INSERT: &str = "INSERT INTO service_records (volunteer_id, activity_id, organization_id, county_code, \
     region_code, region_path, hour_kind, state, is_open, signed_in_at, from_at, to_at, minutes, service_day, note, flags, \
     flagged, created_at, updated_at) VALUES ";

const RECORD_INSERT_COLUMNS: usize = 19;

const ATTENDANCE_INSERT: &str = "INSERT INTO attendance (activity_id, volunteer_id, kind, method, claimed_at, \
     received_at, token_step, lat, lon, accuracy_m, device_id, offline, reason, by_user, record_id) VALUES ";

const ATTENDANCE_INSERT_COLUMNS: usize = 15;

/// Binds one attendance row's 15 values, in `ATTENDANCE_INSERT`'s column order.
fn bind_attendance_row<'q>(statement: Statement<'q>, write: &AttendanceWrite, record_id: i64) -> Statement<'q> {
    statement
        .bind(write.activity_id)
        .bind(write.volunteer_id)
        .bind(write.kind.as_str())
        .bind(write.method.as_str())
        .bind(write.claimed_at)
        .bind(write.received_at)
        .bind(write.accepted.token_step)
        .bind(write.fix.map(|fix| fix.point.lat))
        .bind(write.fix.map(|fix| fix.point.lon))
        .bind(write.fix.map(|fix| fix.accuracy_m))
        .bind(write.device_id.clone())
        .bind(write.accepted.offline)
        .bind(write.accepted.reason.clone())
        .bind(write.by_user)
        .bind(record_id)
}

/// Closes the deferred sign-outs (distinct volunteers) as
/// [`attendance_claim`] would close each, with a few set-based statements:
/// their open records read at once (locked on PostgreSQL), the volunteers'
/// other records of those days read at once, every close in one `UPDATE ...
/// FROM (VALUES ...)`, the ledger heads created or read in one upsert, the
/// chained entries inserted in one statement and the heads moved in one (a
/// close moves no minutes, so no totals). Fills the sign-outs' outcomes. A
/// record that changed since its check (another process) fails the batch,
/// which is then written again claim by claim.
async fn close_sign_outs(
    tx: &mut Tx<'_>,
    claims: &[&BatchedClaim],
    outs: &[(usize, DeferredOut)],
    outcomes: &mut [Option<Result<ServiceRecord>>],
) -> Result<()> {
    let placeholders = tx.placeholders();
    let lock = tx.row_lock();
    let changed = || StoreError::BatchFailed("an open sign-in changed during its batch".into());
    let open_sql = in_list_sql(
        placeholders,
        &format!("SELECT {RECORD_COLUMNS} FROM service_records WHERE is_open = TRUE AND id IN "),
        outs.len(),
    ) + lock;
    let mut statement = query_as::<ServiceRecord>(sqlx::AssertSqlSafe(open_sql));
    for (_, out) in outs {
        statement = statement.bind(out.record_id);
    }
    let open: HashMap<i64, ServiceRecord> = statement
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    // The volunteers' closed records that occupy time around the spans
    // (`is_open <> TRUE`, not `= FALSE`, so that SQLite looks them up by
    // volunteer instead of scanning every closed record).
    let earliest = outs
        .iter()
        .map(|(_, o)| o.span.from.timestamp_millis())
        .min()
        .unwrap_or(0);
    let latest = outs
        .iter()
        .map(|(_, o)| o.span.to.timestamp_millis())
        .max()
        .unwrap_or(0);
    let occupying = code_list(
        RecordState::ALL
            .iter()
            .filter(|s| s.occupies_time())
            .map(|s| s.as_str()),
    );
    // Every value bound, so that the statement's text (and its plan)
    // is the same for every batch of this size.
    let mut others_sql = in_list_sql(
        placeholders,
        &format!(
            "SELECT id, volunteer_id, from_at, to_at FROM service_records WHERE is_open <> TRUE \
                     AND state IN ({occupying}) AND volunteer_id IN "
        ),
        outs.len(),
    );
    others_sql.push_str(" AND from_at < ");
    placeholders.push(&mut others_sql, outs.len() + 1);
    others_sql.push_str(" AND to_at > ");
    placeholders.push(&mut others_sql, outs.len() + 2);
    let mut statement = query_as::<(i64, i64, i64, i64)>(sqlx::AssertSqlSafe(others_sql));
    for (index, _) in outs {
        statement = statement.bind(claims[*index].write.volunteer_id);
    }
    statement = statement.bind(latest).bind(earliest);
    let others = statement.fetch_all(&mut *tx).await?;
    let mut closed: Vec<(usize, ServiceRecord)> = Vec::with_capacity(outs.len());
    for (index, out) in outs {
        let write = &claims[*index].write;
        let record = open.get(&out.record_id).ok_or_else(changed)?;
        if record.volunteer_id != write.volunteer_id || record.activity_id != write.activity_id {
            return Err(changed());
        }
        let span = out.span;
        let around: Vec<Interval> = others
            .iter()
            .filter(|(id, volunteer, from, to)| {
                *volunteer == record.volunteer_id
                    && *id != record.id
                    && *from < span.to.timestamp_millis()
                    && *to > span.from.timestamp_millis()
            })
            .map(|(_, _, from, to)| Interval::new(instant(*from), instant(*to)))
            .collect();
        let close = Close::fit(span, &around, String::new(), &record.flags, &out.flags);
        closed.push((
            *index,
            ServiceRecord {
                is_open: false,
                signed_out_at: Some(write.claimed_at),
                from_at: close.kept.from.timestamp_millis(),
                to_at: close.kept.to.timestamp_millis(),
                minutes: close.minutes,
                note: close.note,
                flags: close.flags,
                flagged: close.flagged,
                closed_at: Some(write.received_at),
                updated_at: write.received_at,
                ..record.clone()
            },
        ));
    }
    for chunk in closed.chunks(rows_per_statement(CLOSE_COLUMNS)) {
        let sql = values_sql(
            placeholders,
            "UPDATE service_records SET is_open = FALSE, signed_out_at = v.column2, from_at = v.column3, \
                     to_at = v.column4, minutes = v.column5, note = v.column6, flags = v.column7, flagged = v.column8, \
                     closed_at = v.column9, updated_at = v.column9 FROM (VALUES ",
            CLOSE_COLUMNS,
            chunk.len(),
            ") AS v WHERE service_records.id = v.column1",
        );
        let mut statement = query(sqlx::AssertSqlSafe(sql));
        for (_, record) in chunk {
            statement = statement
                .bind(record.id)
                .bind(record.signed_out_at)
                .bind(record.from_at)
                .bind(record.to_at)
                .bind(record.minutes)
                .bind(record.note.clone())
                .bind(record.flags.clone())
                .bind(record.flagged)
                .bind(record.closed_at);
        }
        statement.execute(&mut *tx).await?;
    }
    // The ledger heads, created at genesis if need be; the upsert locks
    // them (PostgreSQL), in volunteer order.
    let mut volunteers: Vec<i64> = closed.iter().map(|(_, r)| r.volunteer_id).collect();
    volunteers.sort_unstable();
    let mut heads: HashMap<i64, (i64, [u8; 32])> = HashMap::with_capacity(volunteers.len());
    for chunk in volunteers.chunks(rows_per_statement(2)) {
        let rows = values_sql(placeholders, "", 2, chunk.len(), "").replace(')', ", 0, 0, 0, 0)");
        let sql = "INSERT INTO volunteer_totals (volunteer_id, ledger_hash, credit_minutes, honor_minutes, records, \
                           ledger_seq) VALUES "
            .to_string()
            + &rows
            + " ON CONFLICT (volunteer_id) DO UPDATE SET volunteer_id = excluded.volunteer_id \
                       RETURNING volunteer_id, ledger_seq, ledger_hash";
        let mut statement = query_as::<(i64, i64, Vec<u8>)>(sqlx::AssertSqlSafe(sql));
        for volunteer in chunk {
            statement = statement.bind(*volunteer).bind(ledger::GENESIS.to_vec());
        }
        for (volunteer, seq, hash) in statement.fetch_all(&mut *tx).await? {
            heads.insert(volunteer, (seq, hash.as_slice().try_into().unwrap_or(ledger::GENESIS)));
        }
    }
    // Each close's entry, chained to its volunteer's head.
    let mut entries: Vec<(EntryFields<'_>, [u8; 32], [u8; 32])> = Vec::with_capacity(closed.len());
    for (index, record) in &closed {
        let write = &claims[*index].write;
        let (seq, previous) = heads.get(&record.volunteer_id).copied().ok_or_else(changed)?;
        let fields = LedgerEvent {
            key: &claims[*index].ledger_key,
            record,
            event: "closed",
            effective_delta: 0,
            actor: Some(write.by_user),
            reason: &record.note,
            at: write.received_at,
        }
        .fields(seq + 1);
        let hash = ledger::entry_mac(&claims[*index].ledger_key, &previous, &fields);
        entries.push((fields, previous, hash));
    }
    for chunk in entries.chunks(rows_per_statement(LEDGER_INSERT_COLUMNS)) {
        let sql = values_sql(placeholders, LEDGER_INSERT, LEDGER_INSERT_COLUMNS, chunk.len(), "");
        let mut statement = query(sqlx::AssertSqlSafe(sql));
        for (fields, previous, hash) in chunk {
            statement = bind_ledger_entry(statement, fields, previous, hash);
        }
        statement.execute(&mut *tx).await?;
    }
    for chunk in entries.chunks(rows_per_statement(3)) {
        let sql = values_sql(
            placeholders,
            "UPDATE volunteer_totals SET ledger_seq = v.column2, ledger_hash = v.column3 FROM (VALUES ",
            3,
            chunk.len(),
            ") AS v WHERE volunteer_totals.volunteer_id = v.column1",
        );
        let mut statement = query(sqlx::AssertSqlSafe(sql));
        for (fields, _, hash) in chunk {
            statement = statement.bind(fields.volunteer_id).bind(fields.seq).bind(hash.to_vec());
        }
        statement.execute(&mut *tx).await?;
    }
    drop(entries);
    for (index, record) in closed {
        outcomes[index] = Some(Ok(record));
    }
    Ok(())
}

/// Values per row of [`close_sign_outs`]'s `UPDATE ... FROM (VALUES ...)`.
const CLOSE_COLUMNS: usize = 9;

/// Stores the deferred claims: the sign-ins (`pending`, indexes into
/// `claims`) with one multi-row `INSERT ... RETURNING` for their records,
/// the sign-outs (`outs`) with [`close_sign_outs`], then the attendance rows
/// of both with another multi-row insert, a few hundred parameters per
/// statement; fills their outcomes and empties both lists. Each row is what
/// [`attendance_claim`] would have written for it.
async fn flush_claims(
    tx: &mut Tx<'_>,
    claims: &[&BatchedClaim],
    pending: &mut Vec<usize>,
    outs: &mut Vec<(usize, DeferredOut)>,
    outcomes: &mut [Option<Result<ServiceRecord>>],
) -> Result<()> {
    let placeholders = tx.placeholders();
    let returning = format!(" RETURNING {RECORD_COLUMNS}");
    for chunk in pending.chunks(rows_per_statement(RECORD_INSERT_COLUMNS)) {
        let sql = values_sql(
            placeholders,
            RECORD_INSERT,
            RECORD_INSERT_COLUMNS,
            chunk.len(),
            &returning,
        );
        let mut statement = query_as::<ServiceRecord>(sqlx::AssertSqlSafe(sql));
        for &index in chunk {
            let (write, activity) = (&claims[index].write, &claims[index].activity);
            statement = statement
                .bind(write.volunteer_id)
                .bind(write.activity_id)
                .bind(activity.organization_id)
                .bind(distribution_key(&activity.region_code).to_string())
                .bind(activity.region_code.clone())
                .bind(activity.region_path.clone())
                .bind(HourKind::Credit.as_str())
                .bind(RecordState::Pending.as_str())
                .bind(true)
                .bind(write.claimed_at)
                .bind(write.claimed_at)
                .bind(write.claimed_at)
                .bind(0_i64);
            let (flags, flagged) = supervision::merge_flags("", write.accepted.flags.iter().copied());
            statement = statement
                .bind(china_date(instant(write.claimed_at)).format("%Y-%m-%d").to_string())
                .bind("")
                .bind(flags)
                .bind(flagged)
                .bind(write.received_at)
                .bind(write.received_at);
        }
        for record in statement.fetch_all(&mut *tx).await? {
            // One deferred sign-in per volunteer and activity at a time.
            let index = chunk
                .iter()
                .copied()
                .find(|&i| {
                    claims[i].write.volunteer_id == record.volunteer_id
                        && claims[i].write.activity_id == record.activity_id
                })
                .ok_or_else(|| StoreError::BatchFailed("a stored sign-in matches no claim".into()))?;
            outcomes[index] = Some(Ok(record));
        }
    }
    let mut rows: Vec<usize> = std::mem::take(pending);
    if !outs.is_empty() {
        close_sign_outs(tx, claims, outs.as_slice(), outcomes).await?;
        rows.extend(outs.drain(..).map(|(index, _)| index));
    }
    for chunk in rows.chunks(rows_per_statement(ATTENDANCE_INSERT_COLUMNS)) {
        let sql = values_sql(
            placeholders,
            ATTENDANCE_INSERT,
            ATTENDANCE_INSERT_COLUMNS,
            chunk.len(),
            "",
        );
        let mut statement = query(sqlx::AssertSqlSafe(sql));
        for &index in chunk {
            let write = &claims[index].write;
            let record_id = match &outcomes[index] {
                Some(Ok(record)) => record.id,
                _ => return Err(StoreError::BatchFailed("a deferred claim has no record".into())),
            };
            statement = bind_attendance_row(statement, write, record_id);
        }
        statement.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Runs a batch of claims in the transaction `tx`, each inside its own
/// savepoint so that a refusal rolls back that claim only, then commits
/// once. Yields each claim's outcome in order; an error of the transaction
/// itself (begin, savepoint, commit) fails the whole batch.
async fn guarded_batch(mut tx: Tx<'_>, claims: &[&BatchedClaim]) -> Result<Vec<Result<ServiceRecord>>> {
    let mut outcomes = Vec::with_capacity(claims.len());
    for claim in claims {
        let mut savepoint = tx.savepoint().await?;
        match attendance_claim(
            &mut savepoint,
            &claim.ledger_key,
            &claim.write,
            &claim.activity,
            false,
            None,
        )
        .await
        {
            Ok(Claimed::Written(record)) => {
                savepoint.commit().await?;
                outcomes.push(Ok(*record));
            }
            Ok(_) => return Err(StoreError::BatchFailed("a guarded claim was not written".into())),
            Err(error) => {
                savepoint.rollback().await?;
                // Two identical claims racing: the unique index caught the second.
                outcomes.push(Err(if error.is_unique_violation() { replayed() } else { error }));
            }
        }
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// The common case of [`guarded_batch`] with fewer round trips: claims run
/// without savepoints (a refusal comes before any write, see
/// [`attendance_claim`]), plain sign-ins and sign-outs are written together
/// with set-based statements (before any later claim that could see them:
/// the same volunteer and activity, a sign-out with a device on that
/// activity, any claim of a volunteer with a sign-out waiting, or an offline
/// claim, which counts the offline uses of its code step), and any database
/// error fails the batch, which the caller then writes again guarded, claim
/// by claim.
async fn fast_batch(mut tx: Tx<'_>, claims: &[&BatchedClaim]) -> Result<Vec<Result<ServiceRecord>>> {
    let mut outcomes: Vec<Option<Result<ServiceRecord>>> = claims.iter().map(|_| None).collect();
    let mut pending: Vec<usize> = Vec::new();
    let mut outs: Vec<(usize, DeferredOut)> = Vec::new();
    let mut prefetched = claim_checks(&mut tx, claims).await?;
    for (index, claim) in claims.iter().enumerate() {
        let write = &claim.write;
        let depends = pending.iter().chain(outs.iter().map(|(i, _)| i)).any(|&i| {
                let earlier = &claims[i].write;
                earlier.activity_id == write.activity_id
                    && (earlier.volunteer_id == write.volunteer_id
                        || (write.kind == AttendanceKind::Out && write.device_id.is_some()))
            }) || outs
                .iter()
                .any(|(i, _)| claims[*i].write.volunteer_id == write.volunteer_id)
                // An offline claim counts the earlier offline uses of its code step.
                || write.accepted.offline;
        if depends {
            flush_claims(&mut tx, claims, &mut pending, &mut outs, &mut outcomes).await?;
        }
        // Read with the batch's others unless an earlier claim of the batch
        // concerns the same volunteer and activity (and may have changed them).
        let repeated = claims[..index].iter().any(|earlier| {
            earlier.write.activity_id == write.activity_id && earlier.write.volunteer_id == write.volunteer_id
        });
        let checks = if repeated || write.accepted.offline {
            None
        } else {
            prefetched[index].take()
        };
        match attendance_claim(&mut tx, &claim.ledger_key, &claim.write, &claim.activity, true, checks).await {
            Ok(Claimed::Written(record)) => outcomes[index] = Some(Ok(*record)),
            Ok(Claimed::SignInDeferred) => pending.push(index),
            Ok(Claimed::SignOutDeferred(out)) => outs.push((index, *out)),
            Err(StoreError::Rule(rule)) => outcomes[index] = Some(Err(StoreError::Rule(rule))),
            Err(other) => return Err(other),
        }
    }
    flush_claims(&mut tx, claims, &mut pending, &mut outs, &mut outcomes).await?;
    tx.commit().await?;
    Ok(outcomes
        .into_iter()
        .map(|outcome| {
            outcome.unwrap_or_else(|| Err(StoreError::BatchFailed("a claim was left without an answer".into())))
        })
        .collect::<Vec<_>>())
}

/// The attendance writer's batches: check-in claims.
pub(crate) struct AttendanceBatch;

impl Batch for AttendanceBatch {
    type Item = BatchedClaim;
    type Outcome = ServiceRecord;
    const NAME: &'static str = "attendance-writer";

    async fn write(&self, backend: &Backend, items: &[&BatchedClaim]) -> Result<Vec<Result<ServiceRecord>>> {
        write_attendance_batch(backend, items).await
    }
}

/// One accepted claim waiting in the attendance writer's queue.
pub(crate) struct BatchedClaim {
    pub write: AttendanceWrite,
    pub activity: Activity,
    /// The key of the ledger entries the claim may write.
    pub ledger_key: LedgerKey,
}

/// Writes a batch of claims in one transaction through the writer
/// connection (SQLite) or one pooled connection (PostgreSQL): one commit,
/// so one disk flush, for the whole batch. On SQLite the batch commits with
/// `synchronous = FULL` (the WAL is flushed to disk before the answer), so an
/// accepted check-in survives a power loss, not only a crash of the
/// process; the flush also makes every earlier transaction durable.
pub(crate) async fn write_attendance_batch(
    backend: &Backend,
    claims: &[&BatchedClaim],
) -> Result<Vec<Result<ServiceRecord>>> {
    match write_batch(backend, claims, false).await {
        Ok(outcomes) => Ok(outcomes),
        Err(error) => {
            // Say, a token used at the same time through another process.
            tracing::debug!(%error, "check-in batch written again claim by claim");
            write_batch(backend, claims, true).await
        }
    }
}

async fn run_batch(tx: Tx<'_>, claims: &[&BatchedClaim], guarded: bool) -> Result<Vec<Result<ServiceRecord>>> {
    if guarded {
        guarded_batch(tx, claims).await
    } else {
        fast_batch(tx, claims).await
    }
}

/// One transaction of a batch, guarded (a savepoint per claim) or fast.
pub(crate) async fn write_batch(
    backend: &Backend,
    claims: &[&BatchedClaim],
    guarded: bool,
) -> Result<Vec<Result<ServiceRecord>>> {
    match backend {
        Backend::Sqlite { writer, .. } => {
            let mut conn = writer.acquire().await?;
            sqlx::query("PRAGMA synchronous = FULL").execute(&mut *conn).await?;
            let outcomes = match sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await {
                Ok(tx) => run_batch(Tx::Sqlite(tx), claims, guarded).await,
                Err(error) => Err(error.into()),
            };
            sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
            outcomes
        }
        Backend::Postgres(pool) => run_batch(Tx::Postgres(pool.begin().await?), claims, guarded).await,
    }
}

fn pings_of(rows: &[(i64, f64, f64, f64)]) -> Vec<Ping> {
    rows.iter()
        .filter_map(|(at, lat, lon, accuracy_m)| {
            Some(Ping {
                at: DateTime::<Utc>::from_timestamp_millis(*at)?,
                fix: Fix {
                    point: Point::new(*lat, *lon).ok()?,
                    accuracy_m: *accuracy_m,
                },
            })
        })
        .collect()
}

impl Store {
    /// Persists an accepted attendance claim through the attendance writer,
    /// which batches the claims queued meanwhile into one transaction (see
    /// `attendance_claim` for the rules). Answers once the batch is
    /// committed: an `Ok` is durable.
    pub async fn record_attendance(&self, write: &AttendanceWrite, activity: &Activity) -> Result<ServiceRecord> {
        let claim = BatchedClaim {
            write: write.clone(),
            activity: activity.clone(),
            ledger_key: self.vault.ledger_key(),
        };
        self.attendance_writer().submit(claim).await
    }

    /// Closes every sign-in whose day has ended without a sign-out, by the
    /// activity's rule (0 hours by default). Returns how many were closed.
    pub async fn close_stale_records(&self, now: i64) -> Result<u64> {
        let key = self.vault.ledger_key();
        let day_start = hours::start_of_china_day(china_date(instant(now))).timestamp_millis();
        let lock = self.lock_rows();
        let stale_sql = format!(
            "SELECT {RECORD_COLUMNS} FROM service_records WHERE is_open = TRUE AND signed_in_at < $1 ORDER BY id LIMIT 500{lock}"
        );
        let mut tx = self.transaction().await?;
        let closed = {
            let stale: Vec<ServiceRecord> = query_as(sqlx::AssertSqlSafe(stale_sql.clone()))
                .bind(day_start)
                .fetch_all(&mut tx)
                .await?;
            for record in &stale {
                let (window, policy): (Interval, MissingCheckout) = {
                    let row: (i64, i64, String) =
                        query_as("SELECT starts_at, ends_at, missing_checkout FROM activities WHERE id = $1")
                            .bind(record.activity_id)
                            .fetch_one(&mut tx)
                            .await?;
                    (
                        Interval::new(instant(row.0), instant(row.1)),
                        MissingCheckout::parse(&row.2).unwrap_or(MissingCheckout::ZeroHours),
                    )
                };
                close_unsigned_record(&mut tx, &key, record, window, policy, now).await?;
            }
            stale.len() as u64
        };
        tx.commit().await?;
        Ok(closed)
    }

    /// Stores supervision pings for the volunteer's open record of an
    /// activity (needs location consent, checked by the caller), each
    /// between its sign-in and `now` (`supervision::check_pings`).
    pub async fn add_pings(
        &self,
        activity_id: i64,
        volunteer_id: i64,
        pings: &[Ping],
        device_id: Option<&str>,
        now: i64,
    ) -> Result<usize> {
        let mut tx = self.transaction().await?;
        {
            let open: Option<(i64, i64)> = query_as(
                "SELECT id, signed_in_at FROM service_records WHERE volunteer_id = $1 AND activity_id = $2 AND is_open = TRUE",
            )
            .bind(volunteer_id)
            .bind(activity_id)
            .fetch_optional(&mut tx)
            .await?;
            let (record_id, signed_in_at) = open.ok_or_else(not_checked_in)?;
            supervision::check_pings(pings, instant(signed_in_at), instant(now))?;
            for ping in pings {
                query(
                    "INSERT INTO supervision_pings (activity_id, volunteer_id, record_id, at, lat, lon, accuracy_m, device_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(activity_id)
                .bind(volunteer_id)
                .bind(record_id)
                .bind(ping.at.timestamp_millis())
                .bind(ping.fix.point.lat)
                .bind(ping.fix.point.lon)
                .bind(ping.fix.accuracy_m)
                .bind(device_id)
                .execute(&mut tx)
                .await?;
            }
        };
        tx.commit().await?;
        Ok(pings.len())
    }
}
