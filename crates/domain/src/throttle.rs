//! Failed-login throttling: at most `limit` failures per key in a sliding
//! window; past that, attempts are refused until the oldest failure ages out.

/// Limits on failed logins, per phone number and per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub limit: usize,
    pub window_secs: i64,
}

/// Per phone number: five wrong passwords in 15 minutes.
pub const PER_PHONE: Throttle = Throttle {
    limit: 5,
    window_secs: 15 * 60,
};
/// Per address: generous, since a venue's Wi-Fi puts many people behind one.
pub const PER_ADDRESS: Throttle = Throttle {
    limit: 50,
    window_secs: 15 * 60,
};

impl Throttle {
    /// Drops failures older than the window from `failures` (epoch seconds,
    /// ascending) and says how many seconds to wait, if any.
    pub fn retry_after(&self, failures: &mut Vec<i64>, now: i64) -> Option<i64> {
        failures.retain(|&at| now - at < self.window_secs);
        if failures.len() < self.limit {
            return None;
        }
        let oldest = failures[failures.len() - self.limit];
        Some((oldest + self.window_secs - now).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_lifts_with_time() {
        let throttle = Throttle {
            limit: 3,
            window_secs: 60,
        };
        let mut failures = vec![0, 10, 20];
        assert_eq!(throttle.retry_after(&mut failures, 30), Some(30));
        assert_eq!(throttle.retry_after(&mut failures, 61), None);
        assert_eq!(failures, vec![10, 20]);
        let mut few = vec![0, 10];
        assert_eq!(throttle.retry_after(&mut few, 11), None);
    }
}
