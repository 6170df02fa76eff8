//! Reading and checking the hours ledger (`hours_ledger`): every
//! volunteer's keyed chain against the head kept with their totals, each
//! record against its last entry, the totals against the entries' sums;
//! and moving chains of the first, unkeyed format (`ledger_entries`) onto
//! the keyed one; and appending an entry, which every record flow does
//! in its own transaction (`append_ledger`). The database refuses to
//! change or delete entries (migration 0005).

use crate::records::ServiceRecord;
use crate::sql::{Statement, Tx, query, query_as, query_scalar};
use crate::statistics;
use crate::{Result, Store, StoreError};
use serde::Serialize;
use std::collections::HashMap;
use zhiyuan_domain::certificate::LedgerState;
use zhiyuan_domain::ledger::{self, EntryFields, LedgerKey};
use zhiyuan_domain::ledger::{BrokenLink, StoredEntry};
use zhiyuan_domain::record::{RecordState, TotalsDelta};

/// A certificate's or a page's view of the ledger's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerReport {
    pub volunteers: u64,
    pub entries: u64,
    pub broken: Vec<BrokenLinkView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenLinkView {
    pub volunteer_id: i64,
    pub seq: i64,
    pub problem: String,
}

impl From<BrokenLink> for BrokenLinkView {
    fn from(link: BrokenLink) -> Self {
        BrokenLinkView {
            volunteer_id: link.volunteer_id,
            seq: link.seq,
            problem: link.problem,
        }
    }
}

/// One volunteer's ledger as certificate verification needs it.
#[derive(Debug, Clone)]
pub struct VolunteerLedger {
    /// The chain, head, totals and records all agree.
    pub intact: bool,
    /// Each record's state and minutes after its last entry.
    pub latest: HashMap<i64, LedgerState>,
}

/// A volunteer's ledger head as kept with their totals.
#[derive(Debug, Clone, sqlx::FromRow)]
struct LedgerHead {
    volunteer_id: i64,
    ledger_seq: i64,
    ledger_hash: Vec<u8>,
    credit_minutes: i64,
    honor_minutes: i64,
}

const HEAD_COLUMNS: &str = "volunteer_id, ledger_seq, ledger_hash, credit_minutes, honor_minutes";

/// One stored entry, as read back.
#[derive(Debug, Clone, sqlx::FromRow)]
struct LedgerRow {
    volunteer_id: i64,
    seq: i64,
    record_id: i64,
    activity_id: i64,
    service_day: String,
    from_at: i64,
    to_at: i64,
    event: String,
    state: String,
    hour_kind: String,
    minutes: i64,
    effective_delta: i64,
    at: i64,
    actor_user: Option<i64>,
    reason: String,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

const ENTRY_COLUMNS: &str = "volunteer_id, seq, record_id, activity_id, service_day, from_at, to_at, event, state, \
     hour_kind, minutes, effective_delta, at, actor_user, reason, prev_hash, hash";

impl LedgerRow {
    fn fields(&self) -> EntryFields<'_> {
        EntryFields {
            volunteer_id: self.volunteer_id,
            seq: self.seq,
            record_id: self.record_id,
            activity_id: self.activity_id,
            service_day: &self.service_day,
            from_ms: self.from_at,
            to_ms: self.to_at,
            event: &self.event,
            state: &self.state,
            hour_kind: &self.hour_kind,
            minutes: self.minutes,
            effective_delta: self.effective_delta,
            at_ms: self.at,
            actor_user_id: self.actor_user,
            reason: &self.reason,
        }
    }

    fn stored(&self) -> StoredEntry<'_> {
        StoredEntry {
            fields: self.fields(),
            prev_hash: self.prev_hash.clone(),
            hash: self.hash.clone(),
        }
    }
}

/// A volunteer's entries of the first format, with what they did not
/// cover read from their records.
const V1_ENTRIES: &str = "SELECT e.volunteer_id, e.seq, e.record_id, r.activity_id, r.service_day, r.from_at, r.to_at, \
     e.event, e.state, e.hour_kind, e.minutes, e.effective_delta, e.at, e.actor_user, e.reason, e.prev_hash, e.hash \
     FROM ledger_entries e JOIN service_records r ON r.id = e.record_id WHERE e.volunteer_id = $1 ORDER BY e.seq";

struct CheckedLedger {
    entries: u64,
    broken: Vec<BrokenLinkView>,
    latest: HashMap<i64, LedgerState>,
}

impl Store {
    /// Recomputes every volunteer's chain with the key and checks it
    /// against the head kept with their totals, each record against its
    /// last entry, and the totals against the entries' sums.
    pub async fn verify_ledger(&self) -> Result<LedgerReport> {
        let mut report = LedgerReport {
            volunteers: 0,
            entries: 0,
            broken: Vec::new(),
        };
        let heads_sql = format!(
            "SELECT {HEAD_COLUMNS} FROM volunteer_totals WHERE volunteer_id > $1 ORDER BY volunteer_id LIMIT 500"
        );
        let mut after = 0i64;
        loop {
            let heads: Vec<LedgerHead> = {
                let mut conn = self.reader().await?;
                query_as(sqlx::AssertSqlSafe(heads_sql.as_str()))
                    .bind(after)
                    .fetch_all(&mut conn)
                    .await?
            };
            // Volunteers with entries but no totals row at all.
            let orphans: Vec<(i64,)> = {
                let mut conn = self.reader().await?;
                query_as(
                "SELECT DISTINCT e.volunteer_id FROM hours_ledger e LEFT JOIN volunteer_totals t ON t.volunteer_id = e.volunteer_id \
                 WHERE t.volunteer_id IS NULL AND e.volunteer_id > $1 AND e.volunteer_id <= $2",
            )
            .bind(after)
            .bind(heads.last().map_or(i64::MAX, |h| h.volunteer_id))
            .fetch_all(&mut conn)
            .await?
            };
            for (volunteer_id,) in orphans {
                report.broken.push(BrokenLinkView {
                    volunteer_id,
                    seq: 0,
                    problem: "entries exist but no head was recorded".into(),
                });
            }
            let Some(last) = heads.last() else { break };
            after = last.volunteer_id;
            for head in heads {
                let checked = self.check_volunteer_ledger(&head).await?;
                report.volunteers += 1;
                report.entries += checked.entries;
                report.broken.extend(checked.broken);
            }
        }
        Ok(report)
    }

    /// One volunteer's ledger, checked: whether their chain holds (as
    /// [`Store::verify_ledger`] checks it) and each record's state and
    /// minutes after its last entry. Certificate verification reads this.
    pub async fn volunteer_ledger(&self, volunteer_id: i64) -> Result<VolunteerLedger> {
        let sql = format!("SELECT {HEAD_COLUMNS} FROM volunteer_totals WHERE volunteer_id = $1");
        let head: Option<LedgerHead> = {
            let mut conn = self.reader().await?;
            query_as(sqlx::AssertSqlSafe(sql))
                .bind(volunteer_id)
                .fetch_optional(&mut conn)
                .await?
        };
        let head = head.unwrap_or(LedgerHead {
            volunteer_id,
            ledger_seq: 0,
            ledger_hash: Vec::new(),
            credit_minutes: 0,
            honor_minutes: 0,
        });
        let checked = self.check_volunteer_ledger(&head).await?;
        Ok(VolunteerLedger {
            intact: checked.broken.is_empty(),
            latest: checked.latest,
        })
    }

    async fn check_volunteer_ledger(&self, head: &LedgerHead) -> Result<CheckedLedger> {
        let volunteer_id = head.volunteer_id;
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM hours_ledger WHERE volunteer_id = $1 ORDER BY seq");
        let rows: Vec<LedgerRow> = {
            let mut conn = self.reader().await?;
            query_as(sqlx::AssertSqlSafe(sql))
                .bind(volunteer_id)
                .fetch_all(&mut conn)
                .await?
        };
        let entries: Vec<StoredEntry<'_>> = rows.iter().map(LedgerRow::stored).collect();
        let stored_head = (head.ledger_seq > 0).then_some((head.ledger_seq, head.ledger_hash.as_slice()));
        let mut broken: Vec<BrokenLinkView> =
            ledger::verify_chain(&self.vault.ledger_key(), volunteer_id, &entries, stored_head)
                .into_iter()
                .map(BrokenLinkView::from)
                .collect();
        let sum = |kind: &str| {
            rows.iter()
                .filter(|r| r.hour_kind == kind)
                .map(|r| r.effective_delta)
                .sum::<i64>()
        };
        if sum("credit") != head.credit_minutes || sum("honor") != head.honor_minutes {
            broken.push(BrokenLinkView {
                volunteer_id,
                seq: head.ledger_seq,
                problem: "the totals differ from the ledger's sums".into(),
            });
        }
        // Each record as its last entry left it: state, minutes, day, span.
        let mut last: HashMap<i64, &LedgerRow> = HashMap::new();
        for row in &rows {
            last.insert(row.record_id, row);
        }
        let records: Vec<ServiceRecord> = {
            let mut conn = self.reader().await?;
            query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM service_records WHERE volunteer_id = $1",
                crate::records::RECORD_COLUMNS
            )))
            .bind(volunteer_id)
            .fetch_all(&mut conn)
            .await?
        };
        for record in records {
            let agrees = match last.get(&record.id) {
                Some(entry) => {
                    entry.state == record.state
                        && entry.minutes == record.minutes
                        && entry.activity_id == record.activity_id
                        && entry.service_day == record.service_day
                        && entry.from_at == record.from_at
                        && entry.to_at == record.to_at
                        && entry.hour_kind == record.hour_kind
                }
                None => record.is_open && record.state() == RecordState::Pending && record.minutes == 0,
            };
            if !agrees {
                broken.push(BrokenLinkView {
                    volunteer_id,
                    seq: last.get(&record.id).map_or(0, |entry| entry.seq),
                    problem: format!("record {} differs from its last ledger entry (edited)", record.id),
                });
            }
        }
        let latest = last
            .into_iter()
            .map(|(record_id, entry)| {
                (
                    record_id,
                    LedgerState {
                        state: entry.state.clone(),
                        minutes: entry.minutes,
                    },
                )
            })
            .collect();
        Ok(CheckedLedger {
            entries: rows.len() as u64,
            broken,
            latest,
        })
    }

    /// Moves the chains of the first, unkeyed ledger format
    /// (`ledger_entries`) onto the keyed ledger, a volunteer at a time in
    /// one transaction each: each old chain is checked by its own rule,
    /// its entries written again with the key and with the record's
    /// activity, day and span, and the head moved. A broken old chain is
    /// not carried over: migrating refuses with the volunteers concerned, so
    /// that nothing forged is signed. Returns how many chains moved.
    pub(crate) async fn upgrade_v1_ledger(&self) -> Result<u64> {
        let key = self.vault.ledger_key();
        let mut moved = 0;
        loop {
            let volunteers: Vec<i64> = {
                let mut conn = self.reader().await?;
                query_scalar("SELECT DISTINCT volunteer_id FROM ledger_entries ORDER BY volunteer_id LIMIT 500")
                    .fetch_all(&mut conn)
                    .await?
            };
            if volunteers.is_empty() {
                return Ok(moved);
            }
            let mut broken = Vec::new();
            for volunteer_id in volunteers {
                let entries_sql = V1_ENTRIES;
                let head_sql = format!("SELECT {HEAD_COLUMNS} FROM volunteer_totals WHERE volunteer_id = $1");
                let mut tx = self.transaction().await?;
                let outcome: std::result::Result<(), Vec<BrokenLink>> = {
                    let rows: Vec<LedgerRow> = query_as(entries_sql).bind(volunteer_id).fetch_all(&mut tx).await?;
                    let head: Option<LedgerHead> = query_as(sqlx::AssertSqlSafe(head_sql.as_str()))
                        .bind(volunteer_id)
                        .fetch_optional(&mut tx)
                        .await?;
                    let entries: Vec<StoredEntry<'_>> = rows.iter().map(LedgerRow::stored).collect();
                    let stored_head = head
                        .as_ref()
                        .filter(|h| h.ledger_seq > 0)
                        .map(|h| (h.ledger_seq, h.ledger_hash.as_slice()));
                    let old_breaks = ledger::verify_v1_chain(volunteer_id, &entries, stored_head);
                    if !old_breaks.is_empty() {
                        Err(old_breaks)
                    } else {
                        let mut previous = ledger::GENESIS;
                        for row in &rows {
                            let mac = ledger::entry_mac(&key, &previous, &row.fields());
                            query(sqlx::AssertSqlSafe(format!(
                                "INSERT INTO hours_ledger ({ENTRY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
                                 $11, $12, $13, $14, $15, $16, $17)"
                            )))
                            .bind(row.volunteer_id)
                            .bind(row.seq)
                            .bind(row.record_id)
                            .bind(row.activity_id)
                            .bind(&row.service_day)
                            .bind(row.from_at)
                            .bind(row.to_at)
                            .bind(&row.event)
                            .bind(&row.state)
                            .bind(&row.hour_kind)
                            .bind(row.minutes)
                            .bind(row.effective_delta)
                            .bind(row.at)
                            .bind(row.actor_user)
                            .bind(&row.reason)
                            .bind(previous.to_vec())
                            .bind(mac.to_vec())
                            .execute(&mut tx)
                            .await?;
                            previous = mac;
                        }
                        query("UPDATE volunteer_totals SET ledger_hash = $2 WHERE volunteer_id = $1")
                            .bind(volunteer_id)
                            .bind(previous.to_vec())
                            .execute(&mut tx)
                            .await?;
                        query("DELETE FROM ledger_entries WHERE volunteer_id = $1")
                            .bind(volunteer_id)
                            .execute(&mut tx)
                            .await?;
                        Ok(())
                    }
                };
                tx.commit().await?;
                match outcome {
                    Ok(()) => moved += 1,
                    Err(links) => broken.extend(links),
                }
            }
            if !broken.is_empty() {
                let volunteers: Vec<String> = broken.iter().map(|b| b.volunteer_id.to_string()).collect();
                return Err(StoreError::conflict(
                    "ledger_v1_broken",
                    format!(
                        "the old ledger's chains of volunteers {} do not hold; they were not moved to the keyed ledger \
                         (check them with the previous release's verify-ledger)",
                        volunteers.join(", ")
                    ),
                ));
            }
        }
    }
}

/// What a ledger entry records, and the key its MAC is made with.
pub(crate) struct LedgerEvent<'a> {
    pub key: &'a LedgerKey,
    pub record: &'a ServiceRecord,
    pub event: &'a str,
    pub effective_delta: i64,
    pub actor: Option<i64>,
    pub reason: &'a str,
    pub at: i64,
}

impl<'a> LedgerEvent<'a> {
    /// The entry's fields as entry number `seq` of the volunteer's chain:
    /// the record as it stands after the change, and the event.
    pub(crate) fn fields(&self, seq: i64) -> EntryFields<'a> {
        let record = self.record;
        EntryFields {
            volunteer_id: record.volunteer_id,
            seq,
            record_id: record.id,
            activity_id: record.activity_id,
            service_day: &record.service_day,
            from_ms: record.from_at,
            to_ms: record.to_at,
            event: self.event,
            state: &record.state,
            hour_kind: &record.hour_kind,
            minutes: record.minutes,
            effective_delta: self.effective_delta,
            at_ms: self.at,
            actor_user_id: self.actor,
            reason: self.reason,
        }
    }
}

/// Binds one ledger entry's 17 values, in `LEDGER_INSERT`'s column order.
pub(crate) fn bind_ledger_entry<'q>(
    statement: Statement<'q>,
    fields: &EntryFields<'q>,
    previous: &[u8; 32],
    hash: &[u8; 32],
) -> Statement<'q> {
    statement
        .bind(fields.volunteer_id)
        .bind(fields.seq)
        .bind(fields.record_id)
        .bind(fields.activity_id)
        .bind(fields.service_day)
        .bind(fields.from_ms)
        .bind(fields.to_ms)
        .bind(fields.event)
        .bind(fields.state)
        .bind(fields.hour_kind)
        .bind(fields.minutes)
        .bind(fields.effective_delta)
        .bind(fields.at_ms)
        .bind(fields.actor_user_id)
        .bind(fields.reason)
        .bind(previous.to_vec())
        .bind(hash.to_vec())
}

/// Appends a ledger entry for the record's current state (after the change)
/// and moves every total by `effective_delta`, inside the transaction.
pub(crate) async fn append_ledger(tx: &mut Tx<'_>, e: &LedgerEvent<'_>) -> Result<()> {
    let record = e.record;
    // The head of the volunteer's chain, created at genesis if need
    // be; the upsert also locks the row (PostgreSQL) like FOR UPDATE.
    let (seq, previous): (i64, Vec<u8>) = query_as(
                "INSERT INTO volunteer_totals (volunteer_id, credit_minutes, honor_minutes, records, ledger_seq, ledger_hash) \
                 VALUES ($1, 0, 0, 0, 0, $2) ON CONFLICT (volunteer_id) DO UPDATE SET volunteer_id = excluded.volunteer_id \
                 RETURNING ledger_seq, ledger_hash",
            )
            .bind(record.volunteer_id)
            .bind(ledger::GENESIS.to_vec())
            .fetch_one(&mut *tx)
            .await?;
    let previous: [u8; 32] = previous.as_slice().try_into().unwrap_or(ledger::GENESIS);
    let fields = e.fields(seq + 1);
    let hash = ledger::entry_mac(e.key, &previous, &fields);
    let insert = query(sqlx::AssertSqlSafe(format!(
        "{LEDGER_INSERT}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    )));
    bind_ledger_entry(insert, &fields, &previous, &hash)
        .execute(&mut *tx)
        .await?;
    let delta = TotalsDelta::of(record.hour_kind(), e.effective_delta);
    query(
        "UPDATE volunteer_totals SET ledger_seq = $1, ledger_hash = $2, credit_minutes = credit_minutes + $3, \
                 honor_minutes = honor_minutes + $4, records = records + $5 WHERE volunteer_id = $6",
    )
    .bind(fields.seq)
    .bind(hash.to_vec())
    .bind(delta.credit_minutes)
    .bind(delta.honor_minutes)
    .bind(delta.records)
    .bind(record.volunteer_id)
    .execute(&mut *tx)
    .await?;
    if !delta.is_zero() {
        statistics::add_to_rollups(tx, record, &delta).await?;
        crate::points::record_changed(tx, record, e.at).await?;
    }
    Ok(())
}

pub(crate) const LEDGER_INSERT: &str = "INSERT INTO hours_ledger (volunteer_id, seq, record_id, activity_id, service_day, from_at, \
     to_at, event, state, hour_kind, minutes, effective_delta, at, actor_user, reason, prev_hash, hash) VALUES ";

pub(crate) const LEDGER_INSERT_COLUMNS: usize = 17;
