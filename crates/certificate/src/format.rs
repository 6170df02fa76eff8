//! How numbers and dates are written on the certificate.

use chrono::NaiveDate;

use crate::CertificateError;

/// Hours with at most two decimals (as the platform reports them
/// everywhere, so the certificate and the verification page agree) and the
/// unit: `12.5 小时`, `1.67 小时`, `3 小时`.
pub(crate) fn hours(value: f64) -> String {
    // Adding 0.0 turns a negative zero into zero, so that it does not print as "-0".
    let rounded = (value * 100.0).round() / 100.0 + 0.0;
    let text = format!("{rounded:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} 小时")
}

/// Checks that `value` is a number of hours that can be printed.
pub(crate) fn check_hours(value: f64, what: &str) -> Result<(), CertificateError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(CertificateError::InvalidData(format!(
            "{what} must be a finite number of hours, at least 0, not {value}"
        )))
    }
}

/// A date in running text: `2026年11月29日`.
pub(crate) fn date_long(date: NaiveDate) -> String {
    date.format("%Y年%-m月%-d日").to_string()
}

/// A date in a table column: `2026-11-29`.
pub(crate) fn date_short(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_have_at_most_two_decimals() {
        assert_eq!(hours(12.5), "12.5 小时");
        assert_eq!(hours(3.0), "3 小时");
        assert_eq!(hours(1.67), "1.67 小时");
        assert_eq!(hours(2.255), "2.26 小时");
        assert_eq!(hours(7.999), "8 小时");
        assert_eq!(hours(0.004), "0 小时");
        assert_eq!(hours(-0.0), "0 小时");
        assert_eq!(hours(1234.0), "1234 小时");
        assert_eq!(hours(10.0), "10 小时");
    }

    #[test]
    fn bad_hours_are_refused() {
        assert!(check_hours(0.0, "x").is_ok());
        assert!(check_hours(-1.0, "x").is_err());
        assert!(check_hours(f64::NAN, "x").is_err());
        assert!(
            check_hours(f64::INFINITY, "honor_hours")
                .unwrap_err()
                .to_string()
                .contains("honor_hours")
        );
    }

    #[test]
    fn dates_are_written_the_chinese_way() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 9).unwrap();
        assert_eq!(date_long(date), "2026年11月9日");
        assert_eq!(date_short(date), "2026-11-09");
    }
}
