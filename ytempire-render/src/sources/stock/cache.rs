//! The time-limited cache of stock search answers ([`TtlCache`]): both stock vendors ask
//! clients to reuse a search's answer for 24 hours.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// A small in-memory cache whose entries expire `ttl` after they were stored.
#[derive(Debug)]
pub(crate) struct TtlCache<V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<String, (SystemTime, V)>>,
}

impl<V: Clone> TtlCache<V> {
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (SystemTime, V)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fresh(&self, stored: SystemTime, now: SystemTime) -> bool {
        // A clock that went backwards keeps the entry; one `ttl` or more later drops it.
        now.duration_since(stored)
            .map_or(true, |age| age < self.ttl)
    }

    /// The value under `key` if it is younger than the TTL.
    pub(crate) fn get(&self, key: &str, now: SystemTime) -> Option<V> {
        let mut entries = self.lock();
        match entries.get(key) {
            Some((stored, v)) if self.fresh(*stored, now) => Some(v.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Store `value`; when full, expired entries go first, then the oldest.
    pub(crate) fn put(&self, key: String, value: V, now: SystemTime) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, (stored, _)| self.fresh(*stored, now));
            if entries.len() >= self.capacity
                && let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, (stored, _))| *stored)
                    .map(|(k, _)| k.clone())
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(key, (now, value));
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}
