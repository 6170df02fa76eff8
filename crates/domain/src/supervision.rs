//! GPS supervision (GPS督察): the anomalies found in the location pings sent
//! during service: leaving the geofence for more than 10 minutes, moving
//! faster than 150 km/h between consecutive pings (an accuracy worse than
//! 100 m hides nothing), fixes no real phone sends, and one device used by
//! several volunteers in one activity; and how a record's flags accumulate.

use crate::RuleError;
use crate::geo::{Fix, Geofence};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Time outside the fence after which a record is flagged.
pub const MAX_MINUTES_OUTSIDE: i64 = 10;
/// Speed between consecutive pings that no volunteer on foot, bike or bus reaches.
pub const MAX_SPEED_KMH: f64 = 150.0;

/// One location report during service.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ping {
    pub at: DateTime<Utc>,
    pub fix: Fix,
}

/// A reason to doubt a service record.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Anomaly {
    LeftFence {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        minutes: i64,
    },
    ImpossibleSpeed {
        at: DateTime<Utc>,
        kmh: f64,
    },
    SharedDevice {
        device: String,
        volunteers: usize,
    },
    /// A ping no real phone sends (see `Geofence::suspicions`).
    SuspiciousFix {
        at: DateTime<Utc>,
        code: &'static str,
    },
}

impl Anomaly {
    pub fn code(&self) -> &'static str {
        match self {
            Anomaly::LeftFence { .. } => "left_fence",
            Anomaly::ImpossibleSpeed { .. } => "impossible_speed",
            Anomaly::SharedDevice { .. } => "shared_device",
            Anomaly::SuspiciousFix { code, .. } => code,
        }
    }
}

/// Pings sent at once, at most.
pub const MAX_PINGS_PER_REQUEST: usize = 500;

/// Checks a request's pings against the open record they belong to: 1 to
/// 500 pings, each between the sign-in and the time they arrive (phones'
/// clocks drift by up to the claims' skew); `pings_invalid` otherwise, so
/// that nobody fills another day's track or the future.
pub fn check_pings(pings: &[Ping], signed_in: DateTime<Utc>, received: DateTime<Utc>) -> Result<(), RuleError> {
    if pings.is_empty() || pings.len() > MAX_PINGS_PER_REQUEST {
        return Err(RuleError::new("pings_invalid", "send 1 to 500 pings at once").on("pings"));
    }
    let skew = Duration::seconds(crate::attendance::CLOCK_SKEW_SECONDS);
    if let Some(outside) = pings
        .iter()
        .position(|p| p.at < signed_in - skew || p.at > received + skew)
    {
        return Err(RuleError::new(
            "pings_invalid",
            format!(
                "ping {} lies outside the service (between the sign-in and now)",
                outside + 1
            ),
        )
        .on("pings"));
    }
    Ok(())
}

/// The flags of a record after more are found: the union of what it had
/// and what is new, sorted, comma-separated, and whether any is set. Flags
/// only accumulate: nothing found later clears an earlier doubt.
pub fn merge_flags<'a>(stored: &'a str, found: impl IntoIterator<Item = &'a str>) -> (String, bool) {
    let mut all: Vec<&str> = stored.split(',').filter(|f| !f.is_empty()).chain(found).collect();
    all.sort_unstable();
    all.dedup();
    (all.join(","), !all.is_empty())
}

/// The anomalies in one volunteer's pings (in any order) for one activity.
/// A stretch outside runs from the first ping surely outside the fence to
/// the first ping back inside (or the last ping).
pub fn track_anomalies(fence: &Geofence, pings: &[Ping]) -> Vec<Anomaly> {
    let mut pings = pings.to_vec();
    pings.sort_by_key(|ping| ping.at);
    let mut anomalies = Vec::new();
    let mut outside_since: Option<DateTime<Utc>> = None;
    let close_stretch = |since: DateTime<Utc>, until: DateTime<Utc>, anomalies: &mut Vec<Anomaly>| {
        let minutes = (until - since).num_minutes();
        if until - since > Duration::minutes(MAX_MINUTES_OUTSIDE) {
            anomalies.push(Anomaly::LeftFence {
                from: since,
                to: until,
                minutes,
            });
        }
    };
    for (index, ping) in pings.iter().enumerate() {
        if let Some(previous) = index.checked_sub(1).map(|i| pings[i]) {
            let metres = previous.fix.point.distance_m(ping.fix.point);
            // Both fixes may be off by their accuracy (at most 100 m each):
            // only the rest is movement.
            let moved = (metres - previous.fix.bounded_accuracy_m() - ping.fix.bounded_accuracy_m()).max(0.0);
            let seconds = (ping.at - previous.at).num_milliseconds() as f64 / 1000.0;
            let kmh = if seconds > 0.0 {
                moved / seconds * 3.6
            } else if moved > 0.0 {
                f64::INFINITY
            } else {
                0.0
            };
            if kmh > MAX_SPEED_KMH {
                anomalies.push(Anomaly::ImpossibleSpeed {
                    at: ping.at,
                    kmh: if kmh.is_finite() { kmh.round() } else { 1e6 },
                });
            }
        }
        for code in fence.suspicions(ping.fix) {
            anomalies.push(Anomaly::SuspiciousFix { at: ping.at, code });
        }
        match (fence.surely_outside(ping.fix), outside_since) {
            (true, None) => outside_since = Some(ping.at),
            (false, Some(since)) => {
                close_stretch(since, ping.at, &mut anomalies);
                outside_since = None;
            }
            _ => {}
        }
    }
    if let (Some(since), Some(last)) = (outside_since, pings.last()) {
        close_stretch(since, last.at, &mut anomalies);
    }
    anomalies
}

/// Devices used by more than one volunteer, from (device, volunteer) pairs
/// of one activity.
pub fn shared_devices<'a>(uses: impl IntoIterator<Item = (&'a str, i64)>) -> Vec<Anomaly> {
    let mut by_device: std::collections::BTreeMap<&str, std::collections::BTreeSet<i64>> = Default::default();
    for (device, volunteer) in uses {
        if !device.is_empty() {
            by_device.entry(device).or_default().insert(volunteer);
        }
    }
    by_device
        .into_iter()
        .filter(|(_, volunteers)| volunteers.len() > 1)
        .map(|(device, volunteers)| Anomaly::SharedDevice {
            device: device.to_string(),
            volunteers: volunteers.len(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::Point;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn fence() -> Geofence {
        Geofence::new(Point::new(28.68, 115.89).unwrap(), 200).unwrap()
    }

    fn ping(minute: i64, lat: f64) -> Ping {
        Ping {
            at: Utc.with_ymd_and_hms(2026, 12, 5, 1, 0, 0).unwrap() + Duration::minutes(minute),
            fix: Fix {
                point: Point::new(lat, 115.89).unwrap(),
                accuracy_m: 10.0,
            },
        }
    }

    #[test]
    fn leaving_the_fence_for_more_than_ten_minutes() {
        let inside = 28.68;
        let outside = 28.69; // about 1.1 km north
        let short = [ping(0, inside), ping(5, outside), ping(14, outside), ping(15, inside)];
        assert!(
            track_anomalies(&fence(), &short)
                .iter()
                .all(|a| a.code() != "left_fence")
        );
        let long = [ping(0, inside), ping(20, outside), ping(31, outside), ping(40, inside)];
        let found = track_anomalies(&fence(), &long);
        assert!(
            found
                .iter()
                .any(|a| matches!(a, Anomaly::LeftFence { minutes: 20, .. })),
            "{found:?}"
        );
        // Still outside at the last ping.
        let gone = [ping(0, inside), ping(20, outside), ping(45, outside)];
        assert!(
            track_anomalies(&fence(), &gone)
                .iter()
                .any(|a| a.code() == "left_fence")
        );
    }

    #[test]
    fn impossible_speed() {
        // 11 km in 2 minutes is 330 km/h.
        let found = track_anomalies(&fence(), &[ping(0, 28.68), ping(2, 28.78)]);
        assert!(found.iter().any(|a| a.code() == "impossible_speed"), "{found:?}");
        // 1.1 km in 2 minutes is 33 km/h.
        let found = track_anomalies(&fence(), &[ping(0, 28.68), ping(2, 28.69)]);
        assert!(found.iter().all(|a| a.code() != "impossible_speed"));
        // Jitter within the accuracy is no movement, even at the same instant.
        let jitter = [ping(0, 28.6805), ping(0, 28.68055)];
        assert!(track_anomalies(&fence(), &jitter).is_empty());
    }

    #[test]
    fn a_vague_accuracy_hides_no_jump_and_a_perfect_one_is_doubted() {
        let vague = |minute, lat| Ping {
            fix: Fix {
                accuracy_m: 20_000.0,
                ..ping(minute, lat).fix
            },
            ..ping(minute, lat)
        };
        // 11 km in 2 minutes, each fix claiming to be 20 km vague.
        let found = track_anomalies(&fence(), &[vague(0, 28.68), vague(2, 28.78)]);
        assert!(found.iter().any(|a| a.code() == "impossible_speed"), "{found:?}");
        let gone = [vague(0, 28.68), vague(20, 28.78), vague(45, 28.78)];
        assert!(
            track_anomalies(&fence(), &gone)
                .iter()
                .any(|a| a.code() == "left_fence")
        );
        let perfect = Ping {
            fix: Fix {
                accuracy_m: 0.0,
                ..ping(1, 28.6805).fix
            },
            ..ping(1, 28.6805)
        };
        let found = track_anomalies(&fence(), &[ping(0, 28.6805), perfect]);
        assert_eq!(
            found.iter().map(Anomaly::code).collect::<Vec<_>>(),
            ["accuracy_implausible"]
        );
        let on_centre = track_anomalies(&fence(), &[ping(0, 28.68)]);
        assert_eq!(
            on_centre.iter().map(Anomaly::code).collect::<Vec<_>>(),
            ["at_fence_centre"]
        );
    }

    #[test]
    fn pings_lie_within_the_service() {
        let signed_in = ping(0, 28.6805).at;
        let now = ping(60, 28.6805).at;
        assert!(check_pings(&[ping(1, 28.6805), ping(59, 28.6805)], signed_in, now).is_ok());
        for refused in [
            vec![],
            vec![ping(-10, 28.6805)],
            vec![ping(1, 28.6805), ping(70, 28.6805)],
            vec![ping(1, 28.6805); MAX_PINGS_PER_REQUEST + 1],
        ] {
            assert_eq!(check_pings(&refused, signed_in, now).unwrap_err().code, "pings_invalid");
        }
    }

    #[test]
    fn flags_only_accumulate() {
        assert_eq!(merge_flags("", []), (String::new(), false));
        assert_eq!(
            merge_flags("offline", ["left_fence", "offline"]),
            ("left_fence,offline".to_string(), true)
        );
        assert_eq!(merge_flags("b,a", []), ("a,b".to_string(), true));
    }

    #[test]
    fn one_device_for_two_volunteers() {
        let found = shared_devices([
            ("phone-a", 1),
            ("phone-a", 1),
            ("phone-b", 2),
            ("phone-a", 3),
            ("", 4),
            ("", 5),
        ]);
        assert_eq!(
            found,
            vec![Anomaly::SharedDevice {
                device: "phone-a".into(),
                volunteers: 2
            }]
        );
    }

    proptest! {
        /// Pings that all stay inside the fence at walking pace raise nothing.
        #[test]
        fn staying_inside_raises_nothing(offsets in proptest::collection::vec((0.00002..0.0012f64, any::<bool>()), 1..40)) {
            // Anywhere inside but on the centre itself (which is doubted).
            let pings: Vec<Ping> = offsets
                .iter()
                .enumerate()
                .map(|(i, (d, north))| ping(i as i64 * 2, if *north { 28.68 + d } else { 28.68 - d }))
                .collect();
            prop_assert!(track_anomalies(&fence(), &pings).is_empty());
        }
    }
}
