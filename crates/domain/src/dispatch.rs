//! Dispatching an order: which organizations a dispatcher is offered and
//! in which order, each with the parts of its score so that the dispatcher
//! sees why; and where an order that waits too long goes next (站 → 所 →
//! 中心 → the county's administrator). Pure functions over facts the store
//! reads.

use crate::RuleError;
use crate::site::SiteLevel;
use serde::{Deserialize, Serialize};

/// What is known of one organization against one order.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateFacts {
    pub organization_id: i64,
    pub verified: bool,
    /// Its service area covers the order's region.
    pub covers_region: bool,
    /// It runs a routine project of the order's category.
    pub category_match: bool,
    /// Metres from the organization to the order, when both are located.
    pub distance_m: Option<f64>,
    /// Orders it has accepted and not completed.
    pub open_orders: u32,
    /// Mean rating of its evaluated orders (1–5), if any.
    pub average_rating: Option<f64>,
    /// Orders dispatched to it, and how many of those it accepted.
    pub offered: u32,
    pub accepted: u32,
    /// Mean minutes from dispatch to its answer, if it has answered any.
    pub response_minutes: Option<f64>,
    /// It refused this very order before: never offered it again.
    pub refused_this_order: bool,
}

/// One part of a candidate's score: what it measures and the points it gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScorePart {
    /// `category`, `distance`, `load`, `rating`, `acceptance` or `response`.
    pub code: &'static str,
    pub points: f64,
    /// The most this part can give.
    pub out_of: f64,
}

/// An organization offered for an order, with its score (0–100) and its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub organization_id: i64,
    pub score: f64,
    pub parts: Vec<ScorePart>,
}

/// Beyond this distance an organization gets no points for nearness.
pub const FAR_M: f64 = 20_000.0;
/// With this many open orders an organization gets no points for its load.
pub const BUSY_ORDERS: u32 = 10;
/// An answer after this long gets no points for speed.
pub const SLOW_MINUTES: f64 = 24.0 * 60.0;

/// Share of `out_of` for a fraction in 0..=1 (clamped).
fn share(fraction: f64, out_of: f64) -> f64 {
    fraction.clamp(0.0, 1.0) * out_of
}

/// The parts of one eligible organization's score. What is not known yet
/// (no location, no ratings, never offered an order) gives half the part,
/// so that a new organization is neither favoured nor buried.
fn parts_of(facts: &CandidateFacts) -> Vec<ScorePart> {
    let part = |code, fraction: f64, out_of| ScorePart {
        code,
        points: share(fraction, out_of),
        out_of,
    };
    vec![
        part("category", if facts.category_match { 1.0 } else { 0.0 }, 30.0),
        part(
            "distance",
            facts.distance_m.map_or(0.5, |d| 1.0 - d.max(0.0) / FAR_M),
            20.0,
        ),
        part(
            "load",
            1.0 - f64::from(facts.open_orders.min(BUSY_ORDERS)) / f64::from(BUSY_ORDERS),
            15.0,
        ),
        part("rating", facts.average_rating.map_or(0.5, |r| (r - 1.0) / 4.0), 15.0),
        part(
            "acceptance",
            if facts.offered == 0 {
                0.5
            } else {
                f64::from(facts.accepted.min(facts.offered)) / f64::from(facts.offered)
            },
            10.0,
        ),
        part(
            "response",
            facts.response_minutes.map_or(0.5, |m| 1.0 - m.max(0.0) / SLOW_MINUTES),
            10.0,
        ),
    ]
}

/// Whether the dispatcher may send the order to this organization: it must
/// be verified (`organization_unverified`), serve the order's region
/// (`organization_outside_area`) and not have refused this order
/// (`organization_refused_order`).
pub fn check_target(facts: &CandidateFacts) -> Result<(), RuleError> {
    if !facts.verified {
        return Err(
            RuleError::new("organization_unverified", "this organization is not verified yet").on("organization_id"),
        );
    }
    if !facts.covers_region {
        return Err(RuleError::new(
            "organization_outside_area",
            "this organization does not serve the order's region",
        )
        .on("organization_id"));
    }
    if facts.refused_this_order {
        return Err(
            RuleError::new("organization_refused_order", "this organization has refused this order")
                .on("organization_id"),
        );
    }
    Ok(())
}

/// The organizations to offer for an order, best first: verified ones
/// whose service area covers the order's region and that have not refused
/// it; ties go to the older organization (the smaller id), so the order is
/// the same on every reading.
pub fn rank(candidates: &[CandidateFacts]) -> Vec<Candidate> {
    let mut ranked: Vec<Candidate> = candidates
        .iter()
        .filter(|c| c.verified && c.covers_region && !c.refused_this_order)
        .map(|facts| {
            let parts = parts_of(facts);
            Candidate {
                organization_id: facts.organization_id,
                score: parts.iter().map(|p| p.points).sum(),
                parts,
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.organization_id.cmp(&b.organization_id))
    });
    ranked
}

string_enum!(
    /// Where an order waits to be dispatched: at the site it was placed
    /// with, at a site above it after escalation, or at the county's
    /// administrator, the last step.
    Desk, "desk_invalid", {
        Station = "station",
        Institute = "institute",
        Center = "center",
        CountyAdministrator = "county_admin",
    }
);

impl Desk {
    /// The desk of a site of `level`.
    pub fn of_site(level: SiteLevel) -> Desk {
        match level {
            SiteLevel::Station => Desk::Station,
            SiteLevel::Institute => Desk::Institute,
            SiteLevel::Center => Desk::Center,
        }
    }

    /// Where an order that was not dispatched in time goes next (站 → 所 →
    /// 中心 → the county's administrator); `None` at the last step, where
    /// it stays.
    pub fn escalated(self) -> Option<Desk> {
        match self {
            Desk::Station => Some(Desk::Institute),
            Desk::Institute => Some(Desk::Center),
            Desk::Center => Some(Desk::CountyAdministrator),
            Desk::CountyAdministrator => None,
        }
    }

    /// The region whose site (or, for the county's administrator, whose
    /// county) holds this desk for an order placed with a site at
    /// `site_region_path`: the station's village, the institute's township,
    /// the center's county. `None` when the path is too short for the desk
    /// (an order placed with a center never waits at an institute).
    pub fn region_code(self, site_region_path: &str) -> Option<&str> {
        let depth = match self {
            Desk::Station => 5,
            Desk::Institute => 4,
            Desk::Center | Desk::CountyAdministrator => 3,
        };
        site_region_path.split('/').nth(depth - 1)
    }

    /// The site level of this desk (`None` for the county's administrator).
    pub fn site_level(self) -> Option<SiteLevel> {
        match self {
            Desk::Station => Some(SiteLevel::Station),
            Desk::Institute => Some(SiteLevel::Institute),
            Desk::Center => Some(SiteLevel::Center),
            Desk::CountyAdministrator => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn able(id: i64) -> CandidateFacts {
        CandidateFacts {
            organization_id: id,
            verified: true,
            covers_region: true,
            category_match: true,
            distance_m: Some(1_000.0),
            open_orders: 1,
            average_rating: Some(4.5),
            offered: 10,
            accepted: 9,
            response_minutes: Some(30.0),
            refused_this_order: false,
        }
    }

    #[test]
    fn only_verified_covering_organizations_that_did_not_refuse_are_offered() {
        let unverified = CandidateFacts {
            verified: false,
            ..able(2)
        };
        let elsewhere = CandidateFacts {
            covers_region: false,
            ..able(3)
        };
        let refused = CandidateFacts {
            refused_this_order: true,
            ..able(4)
        };
        let offered: Vec<i64> = rank(&[able(1), unverified, elsewhere, refused])
            .iter()
            .map(|c| c.organization_id)
            .collect();
        assert_eq!(offered, vec![1]);
    }

    #[test]
    fn the_nearer_and_the_less_busy_rank_higher() {
        let far = CandidateFacts {
            distance_m: Some(15_000.0),
            ..able(1)
        };
        let busy = CandidateFacts {
            open_orders: 9,
            ..able(2)
        };
        let ranked = rank(&[far, busy, able(3)]);
        assert_eq!(ranked[0].organization_id, 3);
        let distance = ranked.iter().find(|c| c.organization_id == 1).unwrap().parts[1];
        assert_eq!(distance.code, "distance");
        assert!((distance.points - 5.0).abs() < 1e-9, "{distance:?}");
    }

    #[test]
    fn a_new_organization_gets_half_of_what_is_not_known() {
        let new = CandidateFacts {
            distance_m: None,
            average_rating: None,
            offered: 0,
            accepted: 0,
            response_minutes: None,
            open_orders: 0,
            ..able(7)
        };
        let ranked = rank(&[new]);
        let score = ranked[0].score;
        // category 30 + distance 10 + load 15 + rating 7.5 + acceptance 5 + response 5
        assert!((score - 72.5).abs() < 1e-9, "{score}");
    }

    #[test]
    fn ties_go_to_the_older_organization() {
        let ranked: Vec<i64> = rank(&[able(9), able(4)]).iter().map(|c| c.organization_id).collect();
        assert_eq!(ranked, vec![4, 9]);
    }

    #[test]
    fn a_waiting_order_climbs_to_the_county() {
        let mut desk = Desk::of_site(SiteLevel::Station);
        let mut climbed = vec![desk];
        while let Some(up) = desk.escalated() {
            desk = up;
            climbed.push(desk);
        }
        assert_eq!(
            climbed,
            vec![Desk::Station, Desk::Institute, Desk::Center, Desk::CountyAdministrator]
        );
        assert_eq!(Desk::parse("county_admin").unwrap(), Desk::CountyAdministrator);
        let station = "36/3601/360111/360111001/360111001002";
        assert_eq!(Desk::Station.region_code(station), Some("360111001002"));
        assert_eq!(Desk::Institute.region_code(station), Some("360111001"));
        assert_eq!(Desk::CountyAdministrator.region_code(station), Some("360111"));
        assert_eq!(Desk::Institute.region_code("36/3601/360111"), None);
        let refused = CandidateFacts {
            refused_this_order: true,
            ..able(1)
        };
        assert_eq!(check_target(&refused).unwrap_err().code, "organization_refused_order");
        assert!(check_target(&able(1)).is_ok());
        assert_eq!(Desk::Center.site_level(), Some(SiteLevel::Center));
    }

    fn facts() -> impl Strategy<Value = CandidateFacts> {
        (
            (1i64..50, any::<bool>(), any::<bool>(), any::<bool>()),
            (proptest::option::of(-10.0f64..100_000.0), 0u32..30),
            (proptest::option::of(0.0f64..6.0), 0u32..20, 0u32..25),
            (proptest::option::of(-5.0f64..5_000.0), any::<bool>()),
        )
            .prop_map(
                |(
                    (id, verified, covers, category),
                    (distance, open),
                    (rating, offered, accepted),
                    (response, refused),
                )| {
                    CandidateFacts {
                        organization_id: id,
                        verified,
                        covers_region: covers,
                        category_match: category,
                        distance_m: distance,
                        open_orders: open,
                        average_rating: rating,
                        offered,
                        accepted,
                        response_minutes: response,
                        refused_this_order: refused,
                    }
                },
            )
    }

    proptest! {
        /// Whatever the facts (even odd ones: negative distances, ratings
        /// outside 1–5, more acceptances than offers), every score is its
        /// parts' sum, each part stays within its bounds, scores lie in
        /// 0–100, the list is best first, and nothing ineligible is offered.
        #[test]
        fn scores_are_bounded_explained_and_sorted(all in prop::collection::vec(facts(), 0..12)) {
            let ranked = rank(&all);
            for candidate in &ranked {
                let sum: f64 = candidate.parts.iter().map(|p| p.points).sum();
                prop_assert!((candidate.score - sum).abs() < 1e-9);
                prop_assert!((0.0..=100.0).contains(&candidate.score));
                for part in &candidate.parts {
                    prop_assert!(part.points >= 0.0 && part.points <= part.out_of, "{part:?}");
                }
                prop_assert!(all.iter().any(|f| f.organization_id == candidate.organization_id
                    && f.verified && f.covers_region && !f.refused_this_order));
            }
            for pair in ranked.windows(2) {
                prop_assert!(pair[0].score >= pair[1].score);
            }
        }
    }
}
