//! Service records after attendance: their states (pending, effective,
//! refused, revoked), the overdue rule, hours
//! entered by hand (honor hours: at most 10 slots, never in the future,
//! inside the activity's dates, with a reason and an evidence file), and
//! volunteers' reports of a missing or wrong record.

use crate::RuleError;
use crate::hours::{Interval, start_of_china_day};
use crate::time::china_date;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

string_enum!(
    /// Where a service record stands; only effective records count.
    RecordState, "record_state_invalid", {
        Pending = "pending",
        Effective = "effective",
        Refused = "refused",
        Revoked = "revoked",
    }
);

string_enum!(
    /// Credit hours come from attendance, honor hours from hand entry; they
    /// are kept apart everywhere.
    HourKind, "hour_kind_invalid", {
        Credit = "credit",
        Honor = "honor",
    }
);

impl RecordState {
    /// Pending → effective or refused; effective → revoked. A refusal or
    /// revocation needs a reason (checked by the caller with the text).
    pub fn transition(self, to: RecordState) -> Result<RecordState, RuleError> {
        use RecordState::*;
        match (self, to) {
            (Pending, Effective | Refused) | (Effective, Revoked) => Ok(to),
            _ => Err(RuleError::new(
                "invalid_transition",
                format!("a record cannot go from {} to {}", self.as_str(), to.as_str()),
            )),
        }
    }

    /// A change of state and what it moves: the volunteer's effective
    /// minutes change by the record's minutes when it becomes effective and
    /// back when it stops being so (`transition`'s refusals apply).
    pub fn change(self, to: RecordState, hour_kind: HourKind, minutes: i64) -> Result<TotalsDelta, RuleError> {
        self.transition(to)?;
        let effective_delta = match (self, to) {
            (from, RecordState::Effective) if from != RecordState::Effective => minutes,
            (RecordState::Effective, to) if to != RecordState::Effective => -minutes,
            _ => 0,
        };
        Ok(TotalsDelta::of(hour_kind, effective_delta))
    }

    /// The minutes a record of `minutes` in this state counts: all of
    /// them while effective, none otherwise.
    pub fn effective_minutes(self, minutes: i64) -> i64 {
        if self == RecordState::Effective { minutes } else { 0 }
    }

    /// Whether the record's time blocks others of the same volunteer.
    pub fn occupies_time(self) -> bool {
        matches!(self, RecordState::Pending | RecordState::Effective)
    }
}

/// How one ledger entry moves the totals (volunteer's, organization's,
/// region-by-day): effective minutes, split into credit and honor by the
/// record's hour kind, and the count of effective records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TotalsDelta {
    pub effective_minutes: i64,
    pub credit_minutes: i64,
    pub honor_minutes: i64,
    /// +1 when a record became effective, -1 when it stopped being so.
    pub records: i64,
}

impl TotalsDelta {
    /// The delta of an entry that moves effective minutes by `effective_minutes`.
    pub fn of(hour_kind: HourKind, effective_minutes: i64) -> TotalsDelta {
        let (credit_minutes, honor_minutes) = match hour_kind {
            HourKind::Credit => (effective_minutes, 0),
            HourKind::Honor => (0, effective_minutes),
        };
        TotalsDelta {
            effective_minutes,
            credit_minutes,
            honor_minutes,
            records: effective_minutes.signum(),
        }
    }

    /// Whether the entry moves any total.
    pub fn is_zero(&self) -> bool {
        self.effective_minutes == 0
    }
}

/// Working days (Monday to Friday) an organization has to complete its
/// records after the activity, as inspections check.
pub const COMPLETION_WORKING_DAYS: u32 = 10;

/// The last day on which a record of an activity that ended on `ended_on`
/// is still on time: 10 working days later.
pub fn completion_deadline(ended_on: NaiveDate) -> NaiveDate {
    let mut day = ended_on;
    let mut counted = 0;
    while counted < COMPLETION_WORKING_DAYS {
        day = day.succ_opt().unwrap_or(day);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            counted += 1;
        }
    }
    day
}

/// A pending record is overdue once its completion deadline has passed.
pub fn is_overdue(state: RecordState, activity_ended: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    state == RecordState::Pending && china_date(now) > completion_deadline(china_date(activity_ended))
}

/// The last activity end day whose pending records are overdue on `today`
/// (the same rule as [`is_overdue`], turned around for a query).
pub fn overdue_cutoff(today: NaiveDate) -> NaiveDate {
    // Ten working days are at most 14 calendar days after the end.
    let mut ended_on = today.pred_opt().unwrap_or(today);
    while completion_deadline(ended_on) >= today {
        ended_on = ended_on.pred_opt().unwrap_or(ended_on);
    }
    ended_on
}

/// At most this many slots in one hand entry.
pub const MAX_HAND_SLOTS: usize = 10;
/// Evidence files are at most this large.
pub const MAX_EVIDENCE_BYTES: usize = 5 * 1024 * 1024;

/// The kinds of evidence file accepted, recognised by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EvidenceType {
    Jpeg,
    Png,
    Pdf,
}

impl EvidenceType {
    pub fn media_type(self) -> &'static str {
        match self {
            EvidenceType::Jpeg => "image/jpeg",
            EvidenceType::Png => "image/png",
            EvidenceType::Pdf => "application/pdf",
        }
    }
}

/// Checks an evidence file: not empty, at most 5 MiB, a JPEG, PNG or PDF by
/// its content (not by its name).
pub fn check_evidence(bytes: &[u8]) -> Result<EvidenceType, RuleError> {
    if bytes.is_empty() || bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(RuleError::new("evidence_invalid", "attach an evidence file of at most 5 MB").on("evidence"));
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(EvidenceType::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(EvidenceType::Png)
    } else if bytes.starts_with(b"%PDF-") {
        Ok(EvidenceType::Pdf)
    } else {
        Err(RuleError::new("evidence_invalid", "evidence must be a JPEG or PNG photo or a PDF").on("evidence"))
    }
}

/// Checks the slots of one hand entry against the activity's window and
/// the clock: 1 to 10 slots, each inside one day and inside the activity's
/// dates, none in the future, none overlapping another.
pub fn check_hand_slots(slots: &[Interval], activity: Interval, now: DateTime<Utc>) -> Result<(), RuleError> {
    if slots.is_empty() || slots.len() > MAX_HAND_SLOTS {
        return Err(RuleError::new("slots_invalid", format!("enter 1 to {MAX_HAND_SLOTS} slots at once")).on("slots"));
    }
    let first_day = start_of_china_day(china_date(activity.from));
    let last_day_end = start_of_china_day(china_date(activity.to) + Duration::days(1));
    for (index, slot) in slots.iter().enumerate() {
        if slot.is_empty() {
            return Err(
                RuleError::new("slots_invalid", format!("slot {} ends before it starts", index + 1)).on("slots"),
            );
        }
        if slot.to > now {
            return Err(RuleError::new("slot_in_future", format!("slot {} lies in the future", index + 1)).on("slots"));
        }
        if slot.from < first_day || slot.to > last_day_end {
            return Err(RuleError::new(
                "slot_outside_activity",
                format!("slot {} lies outside the activity's dates", index + 1),
            )
            .on("slots"));
        }
        if china_date(slot.from) != china_date(slot.to - Duration::milliseconds(1)) {
            return Err(RuleError::new("slots_invalid", format!("slot {} spans midnight", index + 1)).on("slots"));
        }
        if slots[..index].iter().any(|other| other.overlaps(slot)) {
            return Err(RuleError::new("slots_invalid", format!("slot {} overlaps another", index + 1)).on("slots"));
        }
    }
    Ok(())
}

string_enum!(
    /// What a volunteer reports about their records.
    ReportKind, "report_kind_invalid", {
        Missing = "missing",
        Wrong = "wrong",
    }
);

string_enum!(
    /// A report is open until the organization resolves or rejects it.
    ReportState, "report_state_invalid", {
        Open = "open",
        Resolved = "resolved",
        Rejected = "rejected",
    }
);

impl ReportState {
    pub fn transition(self, to: ReportState) -> Result<ReportState, RuleError> {
        match (self, to) {
            (ReportState::Open, ReportState::Resolved | ReportState::Rejected) => Ok(to),
            _ => Err(RuleError::new(
                "invalid_transition",
                "this report has already been answered",
            )),
        }
    }
}

/// Longest report or answer, in characters.
pub const MAX_REPORT_CHARS: usize = 500;

/// What a volunteer says about one activity's records: a record is missing,
/// or one of theirs is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportInput<'a> {
    pub kind: ReportKind,
    /// The record found wrong (`wrong` needs one, `missing` has none).
    pub record_id: Option<i64>,
    pub detail: &'a str,
}

/// Facts about the reporter and the activity that the report rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportContext {
    /// The reporter had a sign-up that let them attend.
    pub was_signed_up: bool,
    /// The activity has begun (nothing can be missing before).
    pub activity_started: bool,
    /// The named record is the reporter's and this activity's.
    pub record_is_theirs: bool,
}

/// Checks a report and returns its detail trimmed. Codes: `not_signed_up`,
/// `activity_not_started`, `record_required` (a wrong record must be
/// named), `record_unexpected` (a missing one cannot be), `record_not_yours`,
/// `detail_invalid` (2 to 500 characters).
pub fn check_report(input: &ReportInput<'_>, context: &ReportContext) -> Result<String, RuleError> {
    if !context.was_signed_up {
        return Err(RuleError::new(
            "not_signed_up",
            "only volunteers who signed up can report on an activity's records",
        ));
    }
    if !context.activity_started {
        return Err(RuleError::new("activity_not_started", "the activity has not begun"));
    }
    match (input.kind, input.record_id) {
        (ReportKind::Wrong, None) => {
            return Err(RuleError::new("record_required", "name the record that is wrong").on("record_id"));
        }
        (ReportKind::Missing, Some(_)) => {
            return Err(RuleError::new(
                "record_unexpected",
                "a missing record has no number; describe when you served",
            )
            .on("record_id"));
        }
        (ReportKind::Wrong, Some(_)) if !context.record_is_theirs => {
            return Err(
                RuleError::new("record_not_yours", "that record is not yours for this activity").on("record_id"),
            );
        }
        _ => {}
    }
    check_report_text(input.detail, "detail")
}

/// A report's detail or an organization's answer: 2 to 500 characters.
pub fn check_report_text(raw: &str, field: &'static str) -> Result<String, RuleError> {
    let text = raw.trim();
    let length = text.chars().count();
    if !(2..=MAX_REPORT_CHARS).contains(&length) {
        return Err(RuleError::new("detail_invalid", format!("write 2 to {MAX_REPORT_CHARS} characters")).on(field));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever sequence of changes is tried (refused ones change
        /// nothing), the totals moved by the accepted ones equal the
        /// record's minutes when it ends effective and nothing otherwise,
        /// kept apart by hour kind.
        #[test]
        fn totals_follow_the_state(
            tries in prop::collection::vec(prop::sample::select(RecordState::ALL.to_vec()), 0..12),
            minutes in 0i64..2000,
            honor: bool,
        ) {
            let kind = if honor { HourKind::Honor } else { HourKind::Credit };
            let mut state = RecordState::Pending;
            let mut total = TotalsDelta::default();
            for to in tries {
                if let Ok(delta) = state.change(to, kind, minutes) {
                    total.effective_minutes += delta.effective_minutes;
                    total.credit_minutes += delta.credit_minutes;
                    total.honor_minutes += delta.honor_minutes;
                    total.records += delta.records;
                    state = to;
                }
            }
            prop_assert_eq!(total.effective_minutes, state.effective_minutes(minutes));
            prop_assert_eq!(total.credit_minutes + total.honor_minutes, state.effective_minutes(minutes));
            prop_assert_eq!(if honor { total.credit_minutes } else { total.honor_minutes }, 0);
            prop_assert_eq!(total.records, i64::from(state == RecordState::Effective && minutes > 0));
        }
    }
    use crate::time::china_offset;
    use chrono::TimeZone;

    fn t(day: u32, hh: u32) -> DateTime<Utc> {
        china_offset()
            .with_ymd_and_hms(2026, 12, day, hh, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn record_state_machine() {
        use RecordState::*;
        assert!(Pending.transition(Effective).is_ok());
        assert!(Pending.transition(Refused).is_ok());
        assert!(Effective.transition(Revoked).is_ok());
        for (from, to) in [
            (Refused, Effective),
            (Revoked, Effective),
            (Effective, Refused),
            (Pending, Revoked),
        ] {
            assert_eq!(from.transition(to).unwrap_err().code, "invalid_transition");
        }
    }

    #[test]
    fn ten_working_days() {
        // Friday 4 December 2026 → Friday 18 December.
        let friday = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(
            completion_deadline(friday),
            NaiveDate::from_ymd_opt(2026, 12, 18).unwrap()
        );
        assert!(!is_overdue(RecordState::Pending, t(4, 12), t(18, 23)));
        assert!(is_overdue(RecordState::Pending, t(4, 12), t(19, 8)));
        assert!(!is_overdue(RecordState::Effective, t(4, 12), t(28, 8)));
    }

    #[test]
    fn evidence_is_recognised_by_content() {
        assert_eq!(check_evidence(b"\xFF\xD8\xFF\xE0rest").unwrap(), EvidenceType::Jpeg);
        assert_eq!(check_evidence(b"\x89PNG\r\n\x1a\nrest").unwrap(), EvidenceType::Png);
        assert_eq!(check_evidence(b"%PDF-1.7").unwrap(), EvidenceType::Pdf);
        assert_eq!(check_evidence(b"MZ\x90\x00").unwrap_err().code, "evidence_invalid");
        assert_eq!(check_evidence(b"").unwrap_err().code, "evidence_invalid");
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_EVIDENCE_BYTES + 1, 0);
        assert_eq!(check_evidence(&big).unwrap_err().code, "evidence_invalid");
    }

    #[test]
    fn hand_slots() {
        let activity = Interval::new(t(1, 9), t(3, 17));
        let now = t(10, 12);
        let slot = |day, a, b| Interval::new(t(day, a), t(day, b));
        assert!(check_hand_slots(&[slot(1, 9, 12), slot(2, 8, 10)], activity, now).is_ok());
        let code = |slots: &[Interval], now| check_hand_slots(slots, activity, now).unwrap_err().code;
        assert_eq!(code(&[], now), "slots_invalid");
        assert_eq!(code(&vec![slot(1, 9, 10); 11], now), "slots_invalid");
        assert_eq!(code(&[slot(1, 9, 12)], t(1, 11)), "slot_in_future");
        assert_eq!(code(&[slot(4, 9, 12)], now), "slot_outside_activity");
        assert_eq!(code(&[slot(1, 12, 9)], now), "slots_invalid");
        assert_eq!(code(&[slot(1, 9, 12), slot(1, 11, 13)], now), "slots_invalid");
        assert_eq!(code(&[Interval::new(t(1, 20), t(2, 2))], now), "slots_invalid");
    }

    #[test]
    fn reports_name_a_record_only_when_it_is_wrong() {
        let fine = ReportContext {
            was_signed_up: true,
            activity_started: true,
            record_is_theirs: true,
        };
        let missing = ReportInput {
            kind: ReportKind::Missing,
            record_id: None,
            detail: "  我 9 点到 11 点在场，忘了签退  ",
        };
        assert_eq!(check_report(&missing, &fine).unwrap(), "我 9 点到 11 点在场，忘了签退");
        let wrong = ReportInput {
            kind: ReportKind::Wrong,
            record_id: Some(3),
            detail: "时长少算了一小时",
        };
        assert!(check_report(&wrong, &fine).is_ok());
        let code = |input: &ReportInput<'_>, context: &ReportContext| check_report(input, context).unwrap_err().code;
        assert_eq!(
            code(
                &missing,
                &ReportContext {
                    was_signed_up: false,
                    ..fine.clone()
                }
            ),
            "not_signed_up"
        );
        assert_eq!(
            code(
                &missing,
                &ReportContext {
                    activity_started: false,
                    ..fine.clone()
                }
            ),
            "activity_not_started"
        );
        assert_eq!(
            code(
                &ReportInput {
                    record_id: None,
                    ..wrong.clone()
                },
                &fine
            ),
            "record_required"
        );
        assert_eq!(
            code(
                &ReportInput {
                    record_id: Some(3),
                    ..missing.clone()
                },
                &fine
            ),
            "record_unexpected"
        );
        assert_eq!(
            code(
                &wrong,
                &ReportContext {
                    record_is_theirs: false,
                    ..fine.clone()
                }
            ),
            "record_not_yours"
        );
        assert_eq!(
            code(
                &ReportInput {
                    detail: " 少 ",
                    ..missing.clone()
                },
                &fine
            ),
            "detail_invalid"
        );
        let long = "长".repeat(MAX_REPORT_CHARS + 1);
        assert_eq!(
            code(
                &ReportInput {
                    detail: &long,
                    ..missing
                },
                &fine
            ),
            "detail_invalid"
        );
    }

    #[test]
    fn the_overdue_cutoff_agrees_with_the_overdue_rule() {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        for offset in 0..400 {
            let today = start + Duration::days(offset);
            let cutoff = overdue_cutoff(today);
            let noon = |day: NaiveDate| crate::hours::start_of_china_day(day) + Duration::hours(12);
            let now = noon(today);
            assert!(is_overdue(RecordState::Pending, noon(cutoff), now), "{today}: {cutoff}");
            assert!(
                !is_overdue(RecordState::Pending, noon(cutoff + Duration::days(1)), now),
                "{today}: {cutoff}"
            );
        }
    }

    #[test]
    fn reports_are_answered_once() {
        assert!(ReportState::Open.transition(ReportState::Resolved).is_ok());
        assert_eq!(
            ReportState::Resolved
                .transition(ReportState::Rejected)
                .unwrap_err()
                .code,
            "invalid_transition"
        );
    }
}
