//! The server's clock: the system's time, or the system's time shifted by a
//! fixed amount, so that tests can run at a set time of day (the midnight
//! rule, deadlines and daily jobs depend on the China day) and a demo can be
//! shown as if on another day. Every handler and job reads time here.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    offset_ms: i64,
}

impl Clock {
    /// The system's time.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that reads `at` now and runs on from there at the system's pace.
    pub fn starting_at(at: DateTime<Utc>) -> Self {
        Self::shifted(at - Utc::now())
    }

    /// The system's time plus `offset`.
    pub fn shifted(offset: Duration) -> Self {
        Clock {
            offset_ms: offset.num_milliseconds(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms)
    }

    /// Milliseconds since the Unix epoch, the stored form of every instant.
    pub fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_runs_from_where_it_was_set() {
        let at = Utc::now() - Duration::days(3);
        let clock = Clock::starting_at(at);
        let read = clock.now();
        assert!(read >= at && read - at < Duration::seconds(5), "{read} {at}");
        assert!((Clock::system().now() - Utc::now()).num_seconds().abs() < 5);
    }
}
