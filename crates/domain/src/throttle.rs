//! Limits on how often something may be tried: failed logins, activation
//! codes, registrations, appeals and other answers that cost a password hash or
//! could reveal who is registered. Each limit counts tries per key in a
//! fixed window; a try is counted before it is checked, so that a burst of
//! concurrent tries cannot all pass, and a successful login gives its try
//! back. The counters live in the database, so neither a restart nor a
//! second server process resets them.

/// At most `limit` tries per key in a window of `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// What the limit is for; part of every key, so limits never share counters.
    pub name: &'static str,
    pub limit: u32,
    pub window_secs: i64,
}

/// Logins per phone number and client address: five wrong passwords in 15
/// minutes. Keyed by both, so that a stranger elsewhere cannot lock an
/// administrator out.
pub const LOGIN_PER_PHONE_AND_ADDRESS: Throttle = Throttle {
    name: "login",
    limit: 5,
    window_secs: 15 * 60,
};
/// Logins per client address: generous, since a venue's Wi-Fi puts many
/// people behind one address (successful logins give their try back).
pub const LOGIN_PER_ADDRESS: Throttle = Throttle {
    name: "login_address",
    limit: 50,
    window_secs: 15 * 60,
};
/// Requests for a new activation code per phone number.
pub const ACTIVATION_REQUESTS_PER_PHONE: Throttle = Throttle {
    name: "activation_request",
    limit: 3,
    window_secs: 24 * 3600,
};
/// Requests for a new activation code per client address.
pub const ACTIVATION_REQUESTS_PER_ADDRESS: Throttle = Throttle {
    name: "activation_request_address",
    limit: 20,
    window_secs: 3600,
};
/// Registrations per client address (a recruitment day at one venue stays
/// well inside it).
pub const REGISTRATIONS_PER_ADDRESS: Throttle = Throttle {
    name: "registration",
    limit: 60,
    window_secs: 3600,
};
/// Answers per client address that say a phone or ID number is already
/// registered: enough for honest mistakes, too few to probe who is registered.
pub const TAKEN_ANSWERS_PER_ADDRESS: Throttle = Throttle {
    name: "taken_answer",
    limit: 5,
    window_secs: 3600,
};
/// Identity appeals per client address (filing needs no account: the
/// person whose number is taken cannot register one).
pub const APPEALS_PER_ADDRESS: Throttle = Throttle {
    name: "appeal",
    limit: 3,
    window_secs: 24 * 3600,
};
/// Wrong current passwords when changing one, per account.
pub const PASSWORD_CHECKS_PER_USER: Throttle = Throttle {
    name: "password_check",
    limit: 5,
    window_secs: 15 * 60,
};

/// The longest window of any limit: counters older than this are dead.
pub const LONGEST_WINDOW_SECS: i64 = 24 * 3600;

/// A key's counter as stored: when its window began and the tries in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub started_ms: i64,
    pub count: u32,
}

/// One try counted: the counter to store and, over the limit, the seconds
/// to wait before trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub window: Window,
    pub retry_after_secs: Option<i64>,
}

impl Throttle {
    /// Counts one try at `now_ms` against the stored counter (`None` when
    /// there is none): a window that has ended starts afresh.
    pub fn count(&self, stored: Option<Window>, now_ms: i64) -> Counted {
        let window_ms = self.window_secs * 1000;
        let window = match stored {
            // A try stamped a moment before the window began (requests that
            // arrive at once are stamped in any order) counts in it too.
            Some(w) if now_ms < w.started_ms + window_ms => Window {
                started_ms: w.started_ms,
                count: w.count.saturating_add(1),
            },
            _ => Window {
                started_ms: now_ms,
                count: 1,
            },
        };
        let retry_after_secs =
            (window.count > self.limit).then(|| ((window.started_ms + window_ms - now_ms) / 1000).max(1));
        Counted {
            window,
            retry_after_secs,
        }
    }

    /// The key a counter is stored under: the limit's name and what it counts.
    pub fn key(&self, parts: &[&str]) -> String {
        let mut key = self.name.to_string();
        for part in parts {
            key.push(':');
            key.push_str(part);
        }
        key
    }
}

impl Window {
    /// The counter after a try is given back (a successful login).
    pub fn refunded(self) -> Window {
        Window {
            count: self.count.saturating_sub(1),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const THREE_A_MINUTE: Throttle = Throttle {
        name: "test",
        limit: 3,
        window_secs: 60,
    };

    #[test]
    fn blocks_past_the_limit_until_the_window_ends() {
        let mut stored = None;
        for second in 0..3 {
            let counted = THREE_A_MINUTE.count(stored, second * 1000);
            assert_eq!(counted.retry_after_secs, None, "try {second}");
            stored = Some(counted.window);
        }
        let fourth = THREE_A_MINUTE.count(stored, 10_000);
        assert_eq!(fourth.retry_after_secs, Some(50));
        let fresh = THREE_A_MINUTE.count(Some(fourth.window), 60_000);
        assert_eq!(
            fresh.window,
            Window {
                started_ms: 60_000,
                count: 1
            }
        );
        assert_eq!(fresh.retry_after_secs, None);
    }

    #[test]
    fn tries_stamped_out_of_order_count_in_one_window() {
        let first = THREE_A_MINUTE.count(None, 10_000);
        let earlier = THREE_A_MINUTE.count(Some(first.window), 9_990);
        assert_eq!(
            earlier.window,
            Window {
                started_ms: 10_000,
                count: 2
            }
        );
    }

    #[test]
    fn a_refund_gives_one_try_back() {
        let window = Window {
            started_ms: 0,
            count: 3,
        };
        assert_eq!(window.refunded().count, 2);
        assert_eq!(
            Window {
                started_ms: 0,
                count: 0
            }
            .refunded()
            .count,
            0
        );
    }

    #[test]
    fn keys_name_their_limit() {
        assert_eq!(
            LOGIN_PER_PHONE_AND_ADDRESS.key(&["ab", "10.0.0.1"]),
            "login:ab:10.0.0.1"
        );
        assert_ne!(
            LOGIN_PER_ADDRESS.key(&["10.0.0.1"]),
            LOGIN_PER_PHONE_AND_ADDRESS.key(&["10.0.0.1"])
        );
        for throttle in [
            LOGIN_PER_PHONE_AND_ADDRESS,
            LOGIN_PER_ADDRESS,
            ACTIVATION_REQUESTS_PER_PHONE,
            ACTIVATION_REQUESTS_PER_ADDRESS,
            REGISTRATIONS_PER_ADDRESS,
            TAKEN_ANSWERS_PER_ADDRESS,
            APPEALS_PER_ADDRESS,
            PASSWORD_CHECKS_PER_USER,
        ] {
            assert!(throttle.window_secs <= LONGEST_WINDOW_SECS, "{}", throttle.name);
        }
    }

    proptest! {
        /// However tries are spread in time, no window lets more than the
        /// limit through.
        #[test]
        fn never_more_than_the_limit_in_a_window(gaps in prop::collection::vec(0i64..30_000, 1..60)) {
            let mut stored = None;
            let mut now = 0;
            let mut passed: Vec<i64> = Vec::new();
            for gap in gaps {
                now += gap;
                let counted = THREE_A_MINUTE.count(stored, now);
                stored = Some(counted.window);
                if counted.retry_after_secs.is_none() {
                    passed.push(now);
                    let started = counted.window.started_ms;
                    let in_window = passed.iter().filter(|t| **t >= started).count();
                    prop_assert!(in_window <= 3);
                }
            }
        }
    }
}
