//! Calendar time as the platform sees it: China Standard Time (UTC+8) decides
//! what "today" is, ages and registration months.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// UTC+8, the offset of every date the platform shows or derives.
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The instant of a stored epoch-millisecond time (out-of-range values,
/// which the platform never writes, clamp to the earliest instant).
pub fn from_epoch_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The calendar date in China at `instant`.
pub fn china_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&china_offset()).date_naive()
}

/// Full years between `birth` and `on` (a birthday on 29 February counts on 1 March
/// in common years).
pub fn age_in_years(birth: NaiveDate, on: NaiveDate) -> u32 {
    use chrono::Datelike;
    if on < birth {
        return 0;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

/// A calendar day written `YYYY-MM-DD`; `date_invalid` otherwise.
pub fn parse_date(raw: &str, field: &'static str) -> Result<NaiveDate, crate::RuleError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        crate::RuleError::new("date_invalid", format!("{field} must be a date written YYYY-MM-DD")).on(field)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn age_counts_full_years_only() {
        assert_eq!(age_in_years(d(1966, 11, 30), d(2026, 11, 29)), 59);
        assert_eq!(age_in_years(d(1966, 11, 29), d(2026, 11, 29)), 60);
        assert_eq!(age_in_years(d(2012, 2, 29), d(2026, 2, 28)), 13);
        assert_eq!(age_in_years(d(2012, 2, 29), d(2026, 3, 1)), 14);
        assert_eq!(age_in_years(d(2030, 1, 1), d(2026, 3, 1)), 0);
    }

    #[test]
    fn china_date_turns_at_utc_sixteen() {
        let before = "2026-11-29T15:59:59Z".parse().unwrap();
        let after = "2026-11-29T16:00:00Z".parse().unwrap();
        assert_eq!(china_date(before), d(2026, 11, 29));
        assert_eq!(china_date(after), d(2026, 11, 30));
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(parse_date(" 2026-02-28 ", "from").unwrap(), d(2026, 2, 28));
        for bad in ["", "2026-02-30", "2026/02/28", "28-02-2026", "2026-2-28x"] {
            let error = parse_date(bad, "from").unwrap_err();
            assert_eq!((error.code, error.field), ("date_invalid", Some("from")), "{bad}");
        }
    }
}
