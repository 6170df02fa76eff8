//! Service records as stored and read: the record and the views of it
//! that lists show, a volunteer's hours, and the close of a record (its
//! span fitted among the volunteer's other records of the day) that
//! attendance and hand entry share. Attendance is written in `attendance`,
//! reviews and hand entry in `review`, the ledger in `ledger`, rollups in
//! `statistics`.

use crate::sql::{Tx, query_as};
use crate::{Result, Store, StoreError, code_list};
use serde::Serialize;
use zhiyuan_domain::hours::{self, Fitted, Interval};
use zhiyuan_domain::record::{HourKind, RecordState};
use zhiyuan_domain::supervision::{self};
use zhiyuan_domain::time::from_epoch_ms as instant;

/// A service record as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ServiceRecord {
    pub id: i64,
    pub volunteer_id: i64,
    pub activity_id: i64,
    pub organization_id: i64,
    pub region_code: String,
    pub region_path: String,
    pub hour_kind: String,
    pub state: String,
    pub is_open: bool,
    pub signed_in_at: i64,
    pub signed_out_at: Option<i64>,
    pub from_at: i64,
    pub to_at: i64,
    pub minutes: i64,
    pub service_day: String,
    pub note: String,
    pub flags: String,
    pub flagged: bool,
    pub closed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The organizer who entered the hours or signed the volunteer in or out by hand.
    pub entered_by: Option<i64>,
    /// The organization's approval of hours that wait for a region administrator's.
    pub first_approved_by: Option<i64>,
}

pub(crate) const RECORD_COLUMNS: &str = "id, volunteer_id, activity_id, organization_id, region_code, region_path, hour_kind, \
     state, is_open, signed_in_at, signed_out_at, from_at, to_at, minutes, service_day, note, flags, flagged, \
     closed_at, created_at, updated_at, entered_by, first_approved_by";

impl ServiceRecord {
    pub fn state(&self) -> RecordState {
        RecordState::parse(&self.state).unwrap_or(RecordState::Pending)
    }

    pub fn hour_kind(&self) -> HourKind {
        HourKind::parse(&self.hour_kind).unwrap_or(HourKind::Credit)
    }
}

/// A record with the names a volunteer's list shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RecordView {
    pub id: i64,
    pub activity_id: i64,
    pub activity_title: String,
    pub organization_id: i64,
    pub organization_name: String,
    pub hour_kind: String,
    pub state: String,
    pub is_open: bool,
    pub from_at: i64,
    pub to_at: i64,
    pub minutes: i64,
    pub service_day: String,
    pub note: String,
    pub flags: String,
    pub flagged: bool,
    pub volunteer_id: i64,
    pub volunteer_name: String,
    pub volunteer_no: String,
    pub signed_in_at: i64,
    pub signed_out_at: Option<i64>,
    pub entered_by: Option<i64>,
    pub first_approved_by: Option<i64>,
}

pub(crate) const RECORD_VIEW_SELECT: &str = "SELECT r.id, r.activity_id, a.title AS activity_title, r.organization_id, \
     o.name AS organization_name, r.hour_kind, r.state, r.is_open, r.from_at, r.to_at, r.minutes, r.service_day, r.note, \
     r.flags, r.flagged, r.volunteer_id, v.name AS volunteer_name, v.volunteer_no, r.signed_in_at, r.signed_out_at, \
     r.entered_by, r.first_approved_by FROM service_records r JOIN activities a ON a.id = r.activity_id \
     JOIN organizations o ON o.id = r.organization_id JOIN volunteers v ON v.id = r.volunteer_id";

/// Whose records an administrator looks at.
#[derive(Debug, Clone, Copy)]
pub enum RecordsWithin<'a> {
    /// A region subtree, by its path.
    Region(&'a str),
    /// One organization, by id.
    Organization(i64),
}

/// A volunteer's effective minutes by kind, and their records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hours {
    pub credit_minutes: i64,
    pub honor_minutes: i64,
    pub records: Vec<RecordView>,
}

/// How a closing record is written: its span fitted among the volunteer's
/// other records of that day, its minutes, note and supervision flags.
pub(crate) struct Close {
    pub(crate) kept: Interval,
    pub(crate) minutes: i64,
    pub(crate) note: String,
    pub(crate) flags: String,
    pub(crate) flagged: bool,
}

impl Close {
    /// The close of a record whose flags so far are `stored`, with the flags
    /// `found` on closing (flags only accumulate: `supervision::merge_flags`).
    pub(crate) fn fit(span: Interval, others: &[Interval], mut note: String, stored: &str, found: &[String]) -> Self {
        let fitted = hours::fit_among(span, others);
        let kept = match &fitted {
            Fitted::Whole(kept) | Fitted::Trimmed { kept, .. } => *kept,
            Fitted::Refused { .. } => Interval::new(span.from, span.from),
        };
        if let Some(reason) = fitted.reason() {
            if !note.is_empty() {
                note.push_str("; ");
            }
            note.push_str(reason);
        }
        let (flags, flagged) = supervision::merge_flags(stored, found.iter().map(String::as_str));
        Close {
            kept,
            minutes: fitted.minutes(),
            note,
            flagged,
            flags,
        }
    }
}

/// Fits a closing record among the volunteer's other records that occupy
/// time on that day, and writes its span, minutes and flags.
pub(crate) async fn close_record(
    tx: &mut Tx<'_>,
    record: &ServiceRecord,
    span: Interval,
    signed_out: Option<i64>,
    note_prefix: &str,
    flags: &[String],
    now: i64,
) -> Result<ServiceRecord> {
    let occupying = code_list(
        RecordState::ALL
            .iter()
            .filter(|s| s.occupies_time())
            .map(|s| s.as_str()),
    );
    let others_sql = format!(
        "SELECT from_at, to_at FROM service_records WHERE volunteer_id = $1 AND id <> $2 AND is_open = FALSE \
                 AND state IN ({occupying}) AND from_at < $3 AND to_at > $4"
    );
    let others: Vec<(i64, i64)> = query_as(sqlx::AssertSqlSafe(others_sql))
        .bind(record.volunteer_id)
        .bind(record.id)
        .bind(span.to.timestamp_millis())
        .bind(span.from.timestamp_millis())
        .fetch_all(&mut *tx)
        .await?;
    let others: Vec<Interval> = others
        .into_iter()
        .map(|(a, b)| Interval::new(instant(a), instant(b)))
        .collect();
    let close = Close::fit(span, &others, note_prefix.to_string(), &record.flags, flags);
    let closed: ServiceRecord = query_as(sqlx::AssertSqlSafe(format!(
                "UPDATE service_records SET is_open = FALSE, signed_out_at = $1, from_at = $2, to_at = $3, minutes = $4, \
                 note = $5, flags = $6, flagged = $7, closed_at = $8, updated_at = $8 WHERE id = $9 RETURNING {RECORD_COLUMNS}"
            )))
            .bind(signed_out)
            .bind(close.kept.from.timestamp_millis())
            .bind(close.kept.to.timestamp_millis())
            .bind(close.minutes)
            .bind(&close.note)
            .bind(&close.flags)
            .bind(close.flagged)
            .bind(now)
            .bind(record.id)
            .fetch_one(&mut *tx)
            .await?;
    Ok(closed)
}

impl Store {
    pub async fn record(&self, id: i64) -> Result<Option<ServiceRecord>> {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM service_records WHERE id = $1");
        let mut conn = self.reader().await?;
        query_as::<ServiceRecord>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut conn)
            .await
    }

    pub async fn require_record(&self, id: i64) -> Result<ServiceRecord> {
        self.record(id).await?.ok_or(StoreError::NotFound("service record"))
    }

    /// A volunteer's totals and records, latest first.
    pub async fn hours_of_volunteer(&self, volunteer_id: i64, limit: i64) -> Result<Hours> {
        let mut conn = self.reader().await?;
        {
            let totals: Option<(i64, i64)> =
                query_as("SELECT credit_minutes, honor_minutes FROM volunteer_totals WHERE volunteer_id = $1")
                    .bind(volunteer_id)
                    .fetch_optional(&mut conn)
                    .await?;
            let records: Vec<RecordView> = query_as(sqlx::AssertSqlSafe(format!(
                "{RECORD_VIEW_SELECT} WHERE r.volunteer_id = $1 ORDER BY r.from_at DESC, r.id DESC LIMIT $2"
            )))
            .bind(volunteer_id)
            .bind(limit)
            .fetch_all(&mut conn)
            .await?;
            let (credit_minutes, honor_minutes) = totals.unwrap_or((0, 0));
            Ok(Hours {
                credit_minutes,
                honor_minutes,
                records,
            })
        }
    }

    /// Records of an activity (for the organizer's board and review).
    pub async fn records_of_activity(&self, activity_id: i64) -> Result<Vec<RecordView>> {
        let sql = format!("{RECORD_VIEW_SELECT} WHERE r.activity_id = $1 ORDER BY r.id");
        let mut conn = self.reader().await?;
        query_as::<RecordView>(sqlx::AssertSqlSafe(sql))
            .bind(activity_id)
            .fetch_all(&mut conn)
            .await
    }

    /// The records with these ids, as lists show them, in id order.
    pub async fn record_views(&self, ids: &[i64]) -> Result<Vec<RecordView>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
        let sql = format!("{RECORD_VIEW_SELECT} WHERE r.id IN ({}) ORDER BY r.id", ids.join(", "));
        let mut conn = self.reader().await?;
        query_as::<RecordView>(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut conn)
            .await
    }
}
