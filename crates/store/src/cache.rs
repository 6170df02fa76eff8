//! Small per-process read caches with a time bound ([`RecentReads`]): what
//! the hot request paths read on every request (the user behind a session,
//! the session itself, the activity of a check-in, the site of an order) is
//! kept for a few seconds. A change made through this store retires every
//! entry at once (after its commit); a change made by another process is
//! seen once the entry's time is up. The application layer keeps its shared
//! reads (region and organization names) in the same kind of cache. A full
//! cache drops its least recently used entry (`lru`).

use lru::LruCache;
use std::borrow::Borrow;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Values by key, each with the generation and the instant it was read at.
/// A reader takes the generation before it reads the database, so that a
/// change committed meanwhile (which bumps the generation) retires what it
/// then puts.
pub struct RecentReads<K: Eq + Hash, V> {
    ttl: Duration,
    generation: AtomicU64,
    entries: Mutex<LruCache<K, (u64, Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> RecentReads<K, V> {
    /// A cache of at most `max_entries` (at least one), each served for `ttl`.
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            ttl,
            generation: AtomicU64::new(0),
            entries: Mutex::new(LruCache::new(
                NonZeroUsize::new(max_entries).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    /// The generation to pass to [`RecentReads::put`]; take it before reading.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The value read for `key` within the time bound and since the last change.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let generation = self.generation();
        let mut entries = self.entries.lock().ok()?;
        let (at_generation, read_at, value) = entries.get(key)?;
        (*at_generation == generation && read_at.elapsed() < self.ttl).then(|| value.clone())
    }

    /// Keeps a value read at `generation`; when full, the least recently
    /// used entry makes room.
    pub fn put(&self, key: K, generation: u64, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.put(key, (generation, Instant::now(), value));
        }
    }

    /// Retires every entry (call after the change is committed).
    pub fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RecentReads;
    use std::time::Duration;

    #[test]
    fn a_value_is_served_until_a_change_or_its_time_is_up() {
        let cache: RecentReads<i64, &str> = RecentReads::new(Duration::from_secs(60), 10);
        let generation = cache.generation();
        cache.put(1, generation, "one");
        assert_eq!(cache.get(&1), Some("one"));
        assert_eq!(cache.get(&2), None);
        cache.forget_all();
        assert_eq!(cache.get(&1), None);

        let short: RecentReads<i64, &str> = RecentReads::new(Duration::ZERO, 10);
        short.put(1, short.generation(), "one");
        assert_eq!(short.get(&1), None);
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_served() {
        let cache: RecentReads<i64, &str> = RecentReads::new(Duration::from_secs(60), 10);
        let before_change = cache.generation();
        cache.forget_all();
        cache.put(1, before_change, "stale");
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn a_full_cache_drops_the_least_recently_used() {
        let cache: RecentReads<i64, i64> = RecentReads::new(Duration::from_secs(60), 2);
        let generation = cache.generation();
        cache.put(0, generation, 0);
        cache.put(1, generation, 1);
        assert_eq!(cache.get(&0), Some(0));
        cache.put(2, generation, 2);
        assert_eq!(cache.get(&1), None);
        assert_eq!(cache.get(&0), Some(0));
        assert_eq!(cache.get(&2), Some(2));
    }
}
