//! Short-lived copies of what nearly every request would otherwise read from storage: the
//! caller behind an API key, and the custom field definitions; and [`UsageClock`], which
//! spares storage a write of `last_used_at` on every request. Each saved a query and a trip
//! through the blocking pool per request (see bench/README.md for the figures).
//!
//! Staleness is bounded two ways. This instance empties a cache the moment it changes what
//! the cache holds (a key revoked, a user's role changed or deleted, a custom field defined,
//! changed or deleted), so a single server, and SQLite's is one, never serves stale entries.
//! Another instance sharing the database sees such a change within [`TTL`].

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use orgbase_domain::ApiKeyId;

/// How long an entry is served before storage is asked again.
pub const TTL: Duration = Duration::from_secs(5);

/// More entries than this and the cache starts over: it holds verified keys only, so only
/// a deployment with this many active keys reaches it.
const MAX_ENTRIES: usize = 10_000;

#[derive(Debug)]
struct Entries<K, V> {
    map: HashMap<K, (Instant, V)>,
    /// Bumped by every [`Expiring::clear`]: a value read from storage before a clear must
    /// not be stored after it.
    generation: u64,
}

/// A map whose entries expire after [`TTL`].
#[derive(Debug)]
pub struct Expiring<K, V> {
    entries: Mutex<Entries<K, V>>,
}

impl<K, V> Default for Expiring<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                generation: 0,
            }),
        }
    }
}

impl<K: Eq + Hash, V: Clone> Expiring<K, V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<K, V>> {
        // A panic while holding the lock cannot leave an entry half-written.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The value, if stored less than [`TTL`] ago.
    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.lock();
        let (stored_at, value) = entries.map.get(key)?;
        (stored_at.elapsed() < TTL).then(|| value.clone())
    }

    /// Take this before reading the value from storage, and pass it to [`Self::insert`].
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Stores a value read from storage, unless the cache was cleared since `generation`.
    pub fn insert(&self, generation: u64, key: K, value: V) {
        let mut entries = self.lock();
        if entries.generation != generation {
            return;
        }
        if entries.map.len() >= MAX_ENTRIES {
            entries.map.clear();
        }
        entries.map.insert(key, (Instant::now(), value));
    }

    /// Forgets everything: this instance just changed what the entries say.
    pub fn clear(&self) {
        let mut entries = self.lock();
        entries.map.clear();
        entries.generation += 1;
    }
}

/// Remembers when each key's use was last written, so `last_used_at` costs a write at most
/// once a minute per key instead of one per request.
#[derive(Debug, Default)]
pub struct UsageClock(Mutex<HashMap<ApiKeyId, Instant>>);

const USE_RECORDING_INTERVAL: Duration = Duration::from_secs(60);

impl UsageClock {
    pub fn due(&self, key: ApiKeyId) -> bool {
        let mut seen = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match seen.get(&key) {
            Some(last) if now.duration_since(*last) < USE_RECORDING_INTERVAL => false,
            _ => {
                seen.insert(key, now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_read_before_a_clear_is_not_stored_after_it() {
        let cache: Expiring<&str, u32> = Expiring::default();
        let before = cache.generation();
        cache.clear();
        cache.insert(before, "key", 1);
        assert_eq!(cache.get(&"key"), None);

        let now = cache.generation();
        cache.insert(now, "key", 2);
        assert_eq!(cache.get(&"key"), Some(2));
        cache.clear();
        assert_eq!(cache.get(&"key"), None);
    }
}
