//! The platform settings an operator may change without a release, and
//! what each accepts. A missing setting means its default, which the
//! reader of the setting knows.

use crate::RuleError;
use crate::hours::StarTable;

/// The star-level hours, comma-separated (e.g. `100,300,600,1000,1500`).
pub const STAR_HOURS: &str = "star_hours";
/// The person in charge named on certificates the platform issues.
pub const CERTIFICATE_PERSON_IN_CHARGE: &str = "certificate_person_in_charge";
/// The contact (phone or address) printed on certificates.
pub const CERTIFICATE_CONTACT: &str = "certificate_contact";

/// Hours entered by hand above this many (whole hours) need a region
/// administrator's second approval; honor hours always do.
pub const SECOND_APPROVAL_HOURS: &str = "second_approval_hours";

/// Minutes a station, an institute and a center have to dispatch an
/// order before it goes one desk up (`120,240,480`).
pub const ORDER_DISPATCH_MINUTES: &str = "order_dispatch_minutes";
/// Minutes an organization has to accept or refuse a dispatched order.
pub const ORDER_ACCEPT_MINUTES: &str = "order_accept_minutes";
/// Days a resident has to rate a completed order.
pub const ORDER_EVALUATION_DAYS: &str = "order_evaluation_days";

/// Points an effective hour earns (`points::POINTS_PER_HOUR`).
pub use crate::points::POINTS_PER_HOUR;

/// Every setting there is.
pub const ALL: [&str; 8] = [
    STAR_HOURS,
    CERTIFICATE_PERSON_IN_CHARGE,
    CERTIFICATE_CONTACT,
    SECOND_APPROVAL_HOURS,
    ORDER_DISPATCH_MINUTES,
    ORDER_ACCEPT_MINUTES,
    ORDER_EVALUATION_DAYS,
    POINTS_PER_HOUR,
];

/// The largest second-approval threshold: a day.
pub const MAX_SECOND_APPROVAL_HOURS: u32 = 24;

/// The second-approval threshold a stored value gives (the default when
/// there is none or it does not parse).
pub fn second_approval_hours(stored: Option<&str>) -> u32 {
    stored
        .and_then(|raw| raw.trim().parse::<u32>().ok())
        .filter(|hours| *hours <= MAX_SECOND_APPROVAL_HOURS)
        .unwrap_or(crate::confirmation::DEFAULT_SECOND_APPROVAL_HOURS)
}

/// Longest free-text setting, in characters.
pub const MAX_TEXT_CHARS: usize = 60;

/// Checks a value for a setting and returns it as it should be stored:
/// `setting_unknown` for a key that is not a setting, the key's own code
/// (`star_table_invalid`, `setting_too_long`) for a value it refuses.
pub fn check(key: &str, value: &str) -> Result<String, RuleError> {
    let value = value.trim();
    match key {
        STAR_HOURS => {
            let table = StarTable::parse(value)?;
            Ok(table.thresholds().map(|h| h.to_string()).join(","))
        }
        CERTIFICATE_PERSON_IN_CHARGE | CERTIFICATE_CONTACT => {
            if value.chars().count() > MAX_TEXT_CHARS || value.chars().any(char::is_control) {
                return Err(RuleError::new(
                    "setting_too_long",
                    format!("at most {MAX_TEXT_CHARS} characters on one line"),
                ));
            }
            Ok(value.to_string())
        }
        SECOND_APPROVAL_HOURS => match value.parse::<u32>() {
            Ok(hours) if hours <= MAX_SECOND_APPROVAL_HOURS => Ok(hours.to_string()),
            _ => Err(RuleError::new(
                "setting_invalid",
                format!("whole hours from 0 to {MAX_SECOND_APPROVAL_HOURS}"),
            )),
        },
        ORDER_DISPATCH_MINUTES => {
            let m = crate::order_deadline::parse_dispatch_minutes(value)?;
            Ok(format!("{},{},{}", m.station, m.institute, m.center))
        }
        ORDER_ACCEPT_MINUTES => crate::order_deadline::check_bounded(value, crate::order_deadline::MAX_MINUTES),
        ORDER_EVALUATION_DAYS => {
            crate::order_deadline::check_bounded(value, crate::order_deadline::MAX_EVALUATION_DAYS)
        }
        POINTS_PER_HOUR => Ok(crate::points::PointsRate::parse(value)?.per_hour().to_string()),
        other => Err(RuleError::new(
            "setting_unknown",
            format!("{other:?} is not a setting; the settings are {}", ALL.join(", ")),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_setting_takes_its_own_values() {
        assert_eq!(
            check(STAR_HOURS, " 50, 100,200,400 ,800 ").unwrap(),
            "50,100,200,400,800"
        );
        assert_eq!(check(STAR_HOURS, "5,4,3,2,1").unwrap_err().code, "star_table_invalid");
        assert_eq!(check(CERTIFICATE_CONTACT, " 0791-86000000 ").unwrap(), "0791-86000000");
        assert_eq!(
            check(CERTIFICATE_PERSON_IN_CHARGE, &"长".repeat(61)).unwrap_err().code,
            "setting_too_long"
        );
        assert_eq!(check(CERTIFICATE_CONTACT, "a\nb").unwrap_err().code, "setting_too_long");
        assert_eq!(check("colour", "red").unwrap_err().code, "setting_unknown");
        assert_eq!(check(SECOND_APPROVAL_HOURS, " 2 ").unwrap(), "2");
        for refused in ["-1", "25", "2.5", ""] {
            assert_eq!(
                check(SECOND_APPROVAL_HOURS, refused).unwrap_err().code,
                "setting_invalid"
            );
        }
        assert_eq!(second_approval_hours(Some("0")), 0);
        assert_eq!(second_approval_hours(Some("99")), 4);
        assert_eq!(second_approval_hours(None), 4);
        assert_eq!(check(ORDER_DISPATCH_MINUTES, " 30, 60 ,90").unwrap(), "30,60,90");
        assert_eq!(
            check(ORDER_DISPATCH_MINUTES, "30,60").unwrap_err().code,
            "setting_invalid"
        );
        assert_eq!(check(ORDER_ACCEPT_MINUTES, "0").unwrap_err().code, "setting_invalid");
        assert_eq!(check(ORDER_EVALUATION_DAYS, "7").unwrap(), "7");
        assert_eq!(check(POINTS_PER_HOUR, " 20 ").unwrap(), "20");
        assert_eq!(check(POINTS_PER_HOUR, "-1").unwrap_err().code, "setting_invalid");
    }
}
