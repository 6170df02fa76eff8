//! How both shells read what people type or put in a path: times (RFC
//! 3339, or a date meaning a day in China) and the action words of
//! `/.../{action}` paths. An unreadable value is a refusal with a stable
//! code, never a panic.

use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, NaiveDate, Utc};
use zhiyuan_domain::RuleError;
use zhiyuan_domain::hours::start_of_china_day;
use zhiyuan_domain::record::RecordState;
use zhiyuan_store::signups::SignupDecision;

/// An RFC 3339 time with its offset; `time_invalid` on `field` otherwise.
pub fn parse_instant(raw: &str, field: &'static str) -> Result<DateTime<Utc>, RuleError> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| RuleError::new("time_invalid", format!("{field} must be an RFC 3339 time with offset")).on(field))
}

/// A filter's date or time as epoch milliseconds: a date means the start
/// of that day in China (or, with `end_of_day`, its last millisecond);
/// nothing or blanks mean no bound.
pub fn filter_instant(raw: Option<&str>, end_of_day: bool, field: &'static str) -> Result<Option<i64>, RuleError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let day = if end_of_day {
            date.succ_opt().unwrap_or(date)
        } else {
            date
        };
        let start = start_of_china_day(day).timestamp_millis();
        return Ok(Some(if end_of_day { start - 1 } else { start }));
    }
    parse_instant(raw, field).map(|t| Some(t.timestamp_millis()))
}

/// A day given as `YYYY-MM-DD`; nothing or blanks mean none;
/// `date_invalid` on `field` otherwise.
pub fn optional_day(raw: Option<&str>, field: &'static str) -> Result<Option<NaiveDate>, RuleError> {
    raw.map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|raw| {
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_err(|_| RuleError::new("date_invalid", "a day is written YYYY-MM-DD").on(field))
        })
        .transpose()
}

/// A time a form's `datetime-local` field gives (`2026-12-05T09:30`, China
/// time), or an RFC 3339 time; `None` when left empty.
pub fn form_instant(raw: &str, field: &'static str) -> Result<Option<DateTime<Utc>>, RuleError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    for format in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(local) = chrono::NaiveDateTime::parse_from_str(raw, format) {
            let china = zhiyuan_domain::time::china_offset();
            return local
                .and_local_timezone(china)
                .single()
                .map(|t| Some(t.with_timezone(&Utc)))
                .ok_or_else(|| RuleError::new("time_invalid", format!("{field} is not a time")).on(field));
        }
    }
    parse_instant(raw, field).map(Some)
}

/// `approve` or `reject`; any other word is an unknown action (404).
pub fn signup_decision(word: &str) -> ApiResult<SignupDecision> {
    match word {
        "approve" => Ok(SignupDecision::Approve),
        "reject" => Ok(SignupDecision::Reject),
        _ => Err(ApiError::not_found("action")),
    }
}

/// `confirm`, `refuse` or `revoke` as the state a record moves to; any
/// other word is an unknown action (404).
pub fn record_action(word: &str) -> ApiResult<RecordState> {
    match word {
        "confirm" => Ok(RecordState::Effective),
        "refuse" => Ok(RecordState::Refused),
        "revoke" => Ok(RecordState::Revoked),
        _ => Err(ApiError::not_found("action")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_bounds_a_whole_day_in_china() {
        let from = filter_instant(Some("2026-12-03"), false, "from").unwrap().unwrap();
        let to = filter_instant(Some("2026-12-03"), true, "to").unwrap().unwrap();
        // 2026-12-03 00:00 in China is 2026-12-02 16:00 UTC.
        assert_eq!(
            from,
            parse_instant("2026-12-02T16:00:00Z", "from")
                .unwrap()
                .timestamp_millis()
        );
        assert_eq!(to - from, 24 * 3600 * 1000 - 1);
        assert_eq!(filter_instant(Some("  "), false, "from").unwrap(), None);
        assert_eq!(
            filter_instant(Some("yesterday"), false, "from").unwrap_err().code,
            "time_invalid"
        );
    }

    #[test]
    fn a_form_time_is_china_time() {
        let nine = form_instant("2026-12-05T09:30", "wanted_from").unwrap().unwrap();
        assert_eq!(nine, parse_instant("2026-12-05T01:30:00Z", "x").unwrap());
        assert_eq!(form_instant(" ", "wanted_from").unwrap(), None);
        assert_eq!(
            form_instant("tomorrow", "wanted_from").unwrap_err().code,
            "time_invalid"
        );
    }

    #[test]
    fn unknown_action_words_are_not_found() {
        assert!(matches!(signup_decision("approve"), Ok(SignupDecision::Approve)));
        assert_eq!(record_action("revoke").ok(), Some(RecordState::Revoked));
        assert_eq!(signup_decision("delete").map(|_| ()).unwrap_err().code, "not_found");
        assert_eq!(record_action("").unwrap_err().code, "not_found");
    }
}
