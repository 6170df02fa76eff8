//! Appeals against a taken ID number (someone else registered with it): an
//! appeal is filed by anyone (throttled, and answered alike whether the
//! number is registered or not), bound to the record that holds the number
//! when it is filed, and resolved once, by a region administrator over that
//! record's region; upholding it releases the number from that record only.

use crate::RuleError;
use serde::{Deserialize, Serialize};

string_enum!(
    /// Where an appeal stands.
    AppealStatus, "appeal_status_invalid", {
        Open = "open",
        Upheld = "upheld",
        Dismissed = "dismissed",
    }
);

impl AppealStatus {
    /// Open → upheld or dismissed, once.
    pub fn resolve(self, upheld: bool) -> Result<AppealStatus, RuleError> {
        match self {
            AppealStatus::Open if upheld => Ok(AppealStatus::Upheld),
            AppealStatus::Open => Ok(AppealStatus::Dismissed),
            _ => Err(RuleError::new("invalid_transition", "this appeal is already resolved")),
        }
    }
}

/// The region path whose administrators resolve an appeal: the holder's
/// region when a record held the number at filing, else the appellant's
/// (an appeal about a number nobody holds, to be dismissed there).
pub fn resolver_region<'a>(holder_region_path: Option<&'a str>, appellant_region_path: &'a str) -> &'a str {
    holder_region_path.unwrap_or(appellant_region_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_appeal_is_resolved_once() {
        assert_eq!(AppealStatus::Open.resolve(true), Ok(AppealStatus::Upheld));
        assert_eq!(AppealStatus::Open.resolve(false), Ok(AppealStatus::Dismissed));
        for done in [AppealStatus::Upheld, AppealStatus::Dismissed] {
            assert_eq!(done.resolve(true).unwrap_err().code, "invalid_transition");
        }
    }

    #[test]
    fn the_holders_region_resolves() {
        assert_eq!(
            resolver_region(Some("36/3601/360102"), "36/3601/360111"),
            "36/3601/360102"
        );
        assert_eq!(resolver_region(None, "36/3601/360111"), "36/3601/360111");
    }
}
