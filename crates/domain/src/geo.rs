//! Positions on the earth: coordinates, great-circle distance and the
//! geofence rule of GPS check-in (distance plus reported accuracy must lie
//! inside the radius, and the accuracy must be good enough to judge).

use crate::RuleError;
use serde::{Deserialize, Serialize};

/// Mean earth radius in metres (IUGG), for the haversine distance.
const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// A fix reporting a worse accuracy than this cannot place anyone.
pub const MAX_ACCURACY_M: f64 = 100.0;
/// The largest geofence an activity may draw.
pub const MAX_RADIUS_M: u32 = 50_000;

/// A point in WGS 84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

impl Point {
    /// Refuses coordinates outside the globe (and NaN) with `location_invalid`.
    pub fn new(lat: f64, lon: f64) -> Result<Self, RuleError> {
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(RuleError::new(
                "location_invalid",
                "latitude must lie in -90..90 and longitude in -180..180",
            )
            .on("lat"));
        }
        Ok(Point { lat, lon })
    }

    /// Great-circle distance in metres (haversine; within 0.5 % of the
    /// ellipsoidal distance, far better than any phone's fix).
    pub fn distance_m(self, other: Point) -> f64 {
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let d_lat = lat2 - lat1;
        let d_lon = (other.lon - self.lon).to_radians();
        let a = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
    }
}

/// Where an activity takes place and how far from it attendance counts;
/// a radius of 0 means anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Geofence {
    pub center: Point,
    pub radius_m: u32,
}

impl Geofence {
    pub fn new(center: Point, radius_m: u32) -> Result<Self, RuleError> {
        if radius_m > MAX_RADIUS_M {
            return Err(RuleError::new(
                "radius_invalid",
                format!("the geofence radius must be 0 (anywhere) to {MAX_RADIUS_M} m"),
            )
            .on("radius_m"));
        }
        Ok(Geofence { center, radius_m })
    }

    pub fn is_anywhere(&self) -> bool {
        self.radius_m == 0
    }

    /// The check-in rule: accuracy at most 100 m (`gps_inaccurate`), and the
    /// whole circle of uncertainty inside the fence (`out_of_geofence`).
    pub fn admits(&self, fix: Fix) -> Result<(), RuleError> {
        if self.is_anywhere() {
            return Ok(());
        }
        if !(0.0..=MAX_ACCURACY_M).contains(&fix.accuracy_m) {
            return Err(RuleError::new(
                "gps_inaccurate",
                format!(
                    "the location is only accurate to {:.0} m; at most {MAX_ACCURACY_M:.0} m is needed",
                    fix.accuracy_m
                ),
            )
            .on("accuracy_m"));
        }
        let distance = self.center.distance_m(fix.point);
        if distance + fix.accuracy_m > f64::from(self.radius_m) {
            return Err(RuleError::new(
                "out_of_geofence",
                format!(
                    "{distance:.0} m from the activity (±{:.0} m); the activity admits {} m",
                    fix.accuracy_m, self.radius_m
                ),
            )
            .on("lat"));
        }
        Ok(())
    }

    /// Supervision's view: a fix is surely outside when even its nearest
    /// possible position lies beyond the radius (an accuracy worse than
    /// 100 m counts as 100 m, so that a vague fix hides nothing).
    pub fn surely_outside(&self, fix: Fix) -> bool {
        !self.is_anywhere() && self.center.distance_m(fix.point) - fix.bounded_accuracy_m() > f64::from(self.radius_m)
    }

    /// Why a fix that the fence admits is still doubtful: an accuracy no
    /// phone reports outdoors (`accuracy_implausible`, below 3 m), or a
    /// position on the published centre itself (`at_fence_centre`, within
    /// 1 m), where a spoofing app puts it. A doubtful claim is accepted but
    /// flagged for review.
    pub fn suspicions(&self, fix: Fix) -> Vec<&'static str> {
        let mut found = Vec::new();
        if fix.accuracy_m < MIN_PLAUSIBLE_ACCURACY_M {
            found.push(ACCURACY_IMPLAUSIBLE);
        }
        if !self.is_anywhere() && self.center.distance_m(fix.point) < CENTRE_SUSPICION_M {
            found.push(AT_FENCE_CENTRE);
        }
        found
    }
}

/// Phones report at least this accuracy (metres) from satellite fixes;
/// less is what a location-faking app sends.
pub const MIN_PLAUSIBLE_ACCURACY_M: f64 = 3.0;
/// A fix this close (metres) to a fence's published centre is suspicious.
pub const CENTRE_SUSPICION_M: f64 = 1.0;
/// The flag of a fix with an implausibly fine accuracy.
pub const ACCURACY_IMPLAUSIBLE: &str = "accuracy_implausible";
/// The flag of a fix on the fence's centre.
pub const AT_FENCE_CENTRE: &str = "at_fence_centre";

/// A reported position with the accuracy (metres, one sigma) the phone gave.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    pub point: Point,
    pub accuracy_m: f64,
}

impl Fix {
    /// The accuracy supervision counts with: at most 100 m, so that a fix
    /// claiming to be vague cannot hide a jump or a departure.
    pub fn bounded_accuracy_m(&self) -> f64 {
        self.accuracy_m.clamp(0.0, MAX_ACCURACY_M)
    }

    /// Builds a fix from raw request fields; a missing position is
    /// `location_required`, a negative or NaN accuracy `gps_inaccurate`.
    pub fn from_parts(lat: Option<f64>, lon: Option<f64>, accuracy_m: Option<f64>) -> Result<Fix, RuleError> {
        let (Some(lat), Some(lon)) = (lat, lon) else {
            return Err(RuleError::new("location_required", "this check-in needs the phone's location").on("lat"));
        };
        let accuracy_m = accuracy_m.unwrap_or(MAX_ACCURACY_M);
        if accuracy_m.is_nan() || accuracy_m < 0.0 {
            return Err(RuleError::new("gps_inaccurate", "the accuracy must be a number of metres").on("accuracy_m"));
        }
        Ok(Fix {
            point: Point::new(lat, lon)?,
            accuracy_m,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(lat: f64, lon: f64) -> Point {
        Point::new(lat, lon).unwrap()
    }

    #[test]
    fn known_distances() {
        // Nanchang (Bayi Square) to Jiujiang railway station: about 115 km.
        let d = p(28.6745, 115.9103).distance_m(p(29.7170, 115.9880));
        assert!((d - 116_300.0).abs() < 1_500.0, "{d}");
        // One degree of latitude is about 111.2 km.
        let d = p(28.0, 115.0).distance_m(p(29.0, 115.0));
        assert!((d - 111_195.0).abs() < 50.0, "{d}");
        assert_eq!(p(28.0, 115.0).distance_m(p(28.0, 115.0)), 0.0);
    }

    #[test]
    fn coordinates_outside_the_globe_are_refused() {
        assert_eq!(Point::new(91.0, 0.0).unwrap_err().code, "location_invalid");
        assert_eq!(Point::new(0.0, -181.0).unwrap_err().code, "location_invalid");
        assert_eq!(Point::new(f64::NAN, 0.0).unwrap_err().code, "location_invalid");
        assert!(Geofence::new(p(0.0, 0.0), MAX_RADIUS_M + 1).is_err());
    }

    #[test]
    fn accuracy_counts_against_the_volunteer() {
        let fence = Geofence::new(p(28.68, 115.89), 200).unwrap();
        // 0.001° of latitude ≈ 111 m.
        let fix = |accuracy_m| Fix {
            point: p(28.681, 115.89),
            accuracy_m,
        };
        assert!(fence.admits(fix(50.0)).is_ok());
        assert_eq!(fence.admits(fix(95.0)).unwrap_err().code, "out_of_geofence");
        assert_eq!(fence.admits(fix(101.0)).unwrap_err().code, "gps_inaccurate");
        let far = Fix {
            point: p(28.70, 115.89),
            accuracy_m: 5.0,
        };
        assert_eq!(fence.admits(far).unwrap_err().code, "out_of_geofence");
        let anywhere = Geofence::new(p(28.68, 115.89), 0).unwrap();
        assert!(anywhere.admits(far).is_ok());
    }

    #[test]
    fn missing_or_nonsense_fix_is_refused() {
        assert_eq!(
            Fix::from_parts(None, Some(1.0), None).unwrap_err().code,
            "location_required"
        );
        assert_eq!(
            Fix::from_parts(Some(1.0), Some(1.0), Some(-3.0)).unwrap_err().code,
            "gps_inaccurate"
        );
        assert_eq!(
            Fix::from_parts(Some(1.0), Some(1.0), None).unwrap().accuracy_m,
            MAX_ACCURACY_M
        );
    }

    proptest! {
        #[test]
        fn distance_is_a_metric(a in (-80.0..80.0f64, -179.0..179.0f64), b in (-80.0..80.0f64, -179.0..179.0f64), c in (-80.0..80.0f64, -179.0..179.0f64)) {
            let (a, b, c) = (p(a.0, a.1), p(b.0, b.1), p(c.0, c.1));
            let ab = a.distance_m(b);
            prop_assert!(ab >= 0.0);
            prop_assert!((ab - b.distance_m(a)).abs() < 1e-6);
            prop_assert!(ab <= a.distance_m(c) + c.distance_m(b) + 1e-3);
            prop_assert!(ab <= std::f64::consts::PI * EARTH_RADIUS_M + 1.0);
        }

        #[test]
        fn an_admitted_fix_lies_inside_the_fence(radius in 1u32..5_000, dlat in -0.05..0.05f64, accuracy in 0.0..100.0f64) {
            let fence = Geofence::new(p(28.68, 115.89), radius).unwrap();
            let fix = Fix { point: p(28.68 + dlat, 115.89), accuracy_m: accuracy };
            if fence.admits(fix).is_ok() {
                prop_assert!(fence.center.distance_m(fix.point) <= f64::from(radius));
                prop_assert!(!fence.surely_outside(fix));
            }
        }
    }
}
