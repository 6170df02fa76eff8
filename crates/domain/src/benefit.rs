//! Benefits (礼遇) that units offer volunteers, and their redemption: what
//! an offer must say, who may redeem it when, and the one-time code a
//! provider checks.
//!
//! A redemption is decided over facts read under the benefit's lock (stock
//! left, what this volunteer already redeemed, their star level, points and
//! home region), so the store's only job is to write the outcome: stock and
//! points never go negative and nobody redeems past the limit, whatever
//! arrives at once.

use crate::RuleError;
use crate::activity::check_text;
use crate::points;
use crate::region::path_within;
use chrono::NaiveDate;

/// The longest a benefit may be offered for, in days (five years).
pub const MAX_VALIDITY_DAYS: i64 = 5 * 366;
/// The most units one benefit may offer.
pub const MAX_STOCK: i64 = 1_000_000;
/// The highest points cost.
pub const MAX_POINTS_COST: i64 = 1_000_000;
/// The most times one volunteer may redeem one benefit.
pub const MAX_PER_VOLUNTEER: i64 = 100;
/// Characters of a redemption code.
pub const CODE_LENGTH: usize = 10;
/// The code's alphabet: digits and capitals without I, L, O and U, so a
/// code read aloud or typed from a screen is not mistaken.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A benefit as an administrator offers it, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferDraft<'a> {
    pub title: &'a str,
    pub provider: &'a str,
    pub description: &'a str,
    pub stock: i64,
    pub points_cost: i64,
    pub min_star: i64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub per_volunteer: i64,
}

/// A checked offer, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub title: String,
    pub provider: String,
    pub description: String,
    pub stock: i64,
    pub points_cost: i64,
    pub min_star: u8,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub per_volunteer: i64,
}

fn out_of_range(code: &'static str, field: &'static str, detail: String) -> RuleError {
    RuleError::new(code, detail).on(field)
}

/// Checks an offer: a title and a provider, stock 1 to a million, a cost
/// of 0 or more points, a star level 0–5, a validity of at most five years
/// that does not end before today, and a limit per volunteer of 1–100.
pub fn check_offer(draft: &OfferDraft<'_>, today: NaiveDate) -> Result<Offer, RuleError> {
    let title = check_text(draft.title, 60, true, "title")?;
    let provider = check_text(draft.provider, 60, true, "provider")?;
    let description = check_text(draft.description, 500, false, "description")?;
    if !(1..=MAX_STOCK).contains(&draft.stock) {
        return Err(out_of_range("stock_invalid", "stock", format!("from 1 to {MAX_STOCK}")));
    }
    if !(0..=MAX_POINTS_COST).contains(&draft.points_cost) {
        return Err(out_of_range(
            "points_cost_invalid",
            "points_cost",
            format!("from 0 to {MAX_POINTS_COST} points"),
        ));
    }
    let min_star = u8::try_from(draft.min_star)
        .ok()
        .filter(|star| *star <= 5)
        .ok_or_else(|| out_of_range("min_star_invalid", "min_star", "from 0 to 5 stars".into()))?;
    if draft.valid_to < draft.valid_from
        || draft.valid_to < today
        || (draft.valid_to - draft.valid_from).num_days() > MAX_VALIDITY_DAYS
    {
        return Err(out_of_range(
            "validity_invalid",
            "valid_to",
            format!("valid_from ≤ valid_to, not ended before today, at most {MAX_VALIDITY_DAYS} days"),
        ));
    }
    if !(1..=MAX_PER_VOLUNTEER).contains(&draft.per_volunteer) {
        return Err(out_of_range(
            "per_volunteer_invalid",
            "per_volunteer",
            format!("from 1 to {MAX_PER_VOLUNTEER}"),
        ));
    }
    Ok(Offer {
        title,
        provider,
        description,
        stock: draft.stock,
        points_cost: draft.points_cost,
        min_star,
        valid_from: draft.valid_from,
        valid_to: draft.valid_to,
        per_volunteer: draft.per_volunteer,
    })
}

/// What a redemption is decided on, read under the benefit's lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedemptionFacts<'a> {
    pub today: NaiveDate,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// The benefit's region (materialized path): volunteers whose home lies in it.
    pub benefit_region_path: &'a str,
    pub volunteer_region_path: &'a str,
    pub min_star: u8,
    pub star_level: u8,
    pub stock_left: i64,
    pub per_volunteer: i64,
    /// Redemptions this volunteer already holds of this benefit.
    pub redeemed_by_volunteer: i64,
    pub points_cost: i64,
    pub points_balance: i64,
}

/// Whether the volunteer may redeem one unit now. Refusals, in the order
/// checked: `benefit_not_yet_valid`, `benefit_expired`,
/// `benefit_outside_region`, `star_too_low`, `limit_reached`,
/// `out_of_stock`, `points_insufficient`.
pub fn decide_redemption(facts: &RedemptionFacts<'_>) -> Result<(), RuleError> {
    if facts.today < facts.valid_from {
        return Err(RuleError::new(
            "benefit_not_yet_valid",
            format!("this benefit can be redeemed from {}", facts.valid_from),
        ));
    }
    if facts.today > facts.valid_to {
        return Err(RuleError::new(
            "benefit_expired",
            format!("this benefit ended on {}", facts.valid_to),
        ));
    }
    if !path_within(facts.volunteer_region_path, facts.benefit_region_path) {
        return Err(RuleError::new(
            "benefit_outside_region",
            "this benefit is for volunteers registered in another region",
        ));
    }
    if facts.star_level < facts.min_star {
        return Err(RuleError::new(
            "star_too_low",
            format!(
                "this benefit needs {} stars; you have {}",
                facts.min_star, facts.star_level
            ),
        ));
    }
    if facts.redeemed_by_volunteer >= facts.per_volunteer {
        return Err(RuleError::new(
            "limit_reached",
            format!("each volunteer may redeem this {} time(s)", facts.per_volunteer),
        ));
    }
    if facts.stock_left <= 0 {
        return Err(RuleError::new("out_of_stock", "this benefit has all been redeemed"));
    }
    points::check_payable(facts.points_balance, facts.points_cost)
}

/// Whether a benefit can still be redeemed by anyone today (a volunteer's
/// list shows these).
pub fn is_open(today: NaiveDate, valid_from: NaiveDate, valid_to: NaiveDate, stock_left: i64) -> bool {
    valid_from <= today && today <= valid_to && stock_left > 0
}

/// A redemption code from 50 random bits (`random`'s low 50).
pub fn redemption_code(random: u64) -> String {
    (0..CODE_LENGTH)
        .map(|i| char::from(CODE_ALPHABET[((random >> (5 * i)) & 31) as usize]))
        .collect()
}

/// A code as typed: capitals, without spaces or dashes, the letters a
/// reader confuses read as the digits they look like; `None` when it
/// cannot be a code.
pub fn normalize_code(raw: &str) -> Option<String> {
    let code: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    (code.len() == CODE_LENGTH && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// A second check of a code is refused: `already_used`.
pub fn check_unused(checked_at: Option<i64>) -> Result<(), RuleError> {
    match checked_at {
        Some(_) => Err(RuleError::new("already_used", "this code has already been checked")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(raw: &str) -> NaiveDate {
        raw.parse().unwrap()
    }

    fn draft() -> OfferDraft<'static> {
        OfferDraft {
            title: " 滕王阁免票 ",
            provider: "滕王阁景区",
            description: "",
            stock: 50,
            points_cost: 100,
            min_star: 1,
            valid_from: day("2026-01-01"),
            valid_to: day("2026-12-31"),
            per_volunteer: 1,
        }
    }

    #[test]
    fn an_offer_says_what_where_how_many_and_until_when() {
        let today = day("2026-06-01");
        let offer = check_offer(&draft(), today).unwrap();
        assert_eq!(offer.title, "滕王阁免票");
        assert_eq!(offer.min_star, 1);
        let refused = |change: fn(&mut OfferDraft<'static>)| {
            let mut d = draft();
            change(&mut d);
            check_offer(&d, today).unwrap_err().code
        };
        assert_eq!(refused(|d| d.title = " "), "text_invalid");
        assert_eq!(refused(|d| d.provider = ""), "text_invalid");
        assert_eq!(refused(|d| d.stock = 0), "stock_invalid");
        assert_eq!(refused(|d| d.stock = MAX_STOCK + 1), "stock_invalid");
        assert_eq!(refused(|d| d.points_cost = -1), "points_cost_invalid");
        assert_eq!(refused(|d| d.min_star = 6), "min_star_invalid");
        assert_eq!(refused(|d| d.min_star = -1), "min_star_invalid");
        assert_eq!(refused(|d| d.valid_to = day("2025-12-31")), "validity_invalid");
        assert_eq!(refused(|d| d.valid_to = day("2026-05-31")), "validity_invalid");
        assert_eq!(refused(|d| d.valid_to = day("2031-12-31")), "validity_invalid");
        assert_eq!(refused(|d| d.per_volunteer = 0), "per_volunteer_invalid");
    }

    fn facts() -> RedemptionFacts<'static> {
        RedemptionFacts {
            today: day("2026-06-01"),
            valid_from: day("2026-01-01"),
            valid_to: day("2026-12-31"),
            benefit_region_path: "36/3601",
            volunteer_region_path: "36/3601/360111/360111001",
            min_star: 1,
            star_level: 1,
            stock_left: 1,
            per_volunteer: 2,
            redeemed_by_volunteer: 1,
            points_cost: 100,
            points_balance: 100,
        }
    }

    #[test]
    fn a_redemption_needs_validity_region_stars_limit_stock_and_points() {
        assert!(decide_redemption(&facts()).is_ok());
        let refused = |change: fn(&mut RedemptionFacts<'static>)| {
            let mut f = facts();
            change(&mut f);
            decide_redemption(&f).unwrap_err().code
        };
        assert_eq!(refused(|f| f.today = day("2025-12-31")), "benefit_not_yet_valid");
        assert_eq!(refused(|f| f.today = day("2027-01-01")), "benefit_expired");
        assert_eq!(
            refused(|f| f.volunteer_region_path = "36/3602/360203"),
            "benefit_outside_region"
        );
        assert_eq!(
            refused(|f| f.volunteer_region_path = "36/36011"),
            "benefit_outside_region"
        );
        assert_eq!(refused(|f| f.star_level = 0), "star_too_low");
        assert_eq!(refused(|f| f.redeemed_by_volunteer = 2), "limit_reached");
        assert_eq!(refused(|f| f.stock_left = 0), "out_of_stock");
        assert_eq!(refused(|f| f.points_balance = 99), "points_insufficient");
        // Free benefits need no points, even from a balance in debt.
        let mut free = facts();
        free.points_cost = 0;
        free.points_balance = -30;
        assert!(decide_redemption(&free).is_ok());
        assert!(is_open(day("2026-06-01"), day("2026-06-01"), day("2026-06-01"), 1));
        assert!(!is_open(day("2026-06-01"), day("2026-01-01"), day("2026-12-31"), 0));
    }

    #[test]
    fn codes_are_ten_unambiguous_characters_read_back_as_typed() {
        let code = redemption_code(0x3_FFFF_FFFF_FFFF);
        assert_eq!(code, "ZZZZZZZZZZ");
        assert_eq!(redemption_code(0), "0000000000");
        assert_eq!(normalize_code(" 0ab1-2c3d 4e "), Some("0AB12C3D4E".to_string()));
        assert_eq!(normalize_code("oI1l23456a"), Some("011123456A".to_string()));
        assert_eq!(normalize_code("0AB12C3D4"), None);
        assert_eq!(normalize_code("0AB12C3D4U"), None);
        assert_eq!(normalize_code("0AB12C3D4É"), None);
        assert_eq!(check_unused(Some(1)).unwrap_err().code, "already_used");
        assert!(check_unused(None).is_ok());
    }

    proptest! {
        #[test]
        fn every_code_reads_back_as_itself(random in any::<u64>()) {
            let code = redemption_code(random);
            prop_assert_eq!(normalize_code(&code.to_lowercase()), Some(code));
        }
    }
}
