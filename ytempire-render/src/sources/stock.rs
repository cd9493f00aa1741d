//! What a stock-media client (Pexels, Pixabay) remembers between calls: the rate-limit
//! headers of the last answer ([`RateLimit`]) and a time-limited cache of search answers
//! (`TtlCache`; both vendors ask clients to cache searches for 24 hours).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// How a vendor's `X-RateLimit-Reset` header counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResetHeader {
    /// A UNIX timestamp (Pexels).
    UnixTime,
    /// Seconds from the moment the answer arrived (Pixabay).
    SecondsFromNow,
}

/// The rate-limit state a stock vendor reported (`X-RateLimit-Limit`, `-Remaining` and
/// `-Reset` of the last answer that carried them; an answer without them, such as Pexels'
/// 429, keeps the previous values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed in the current period (`X-RateLimit-Limit`).
    pub limit: Option<u64>,
    /// Requests left in the current period (`X-RateLimit-Remaining`).
    pub remaining: Option<u64>,
    /// When the period resets (from `X-RateLimit-Reset`).
    pub reset: Option<SystemTime>,
}

impl RateLimit {
    /// Fold in the headers of one answer received at `now`; headers that are absent,
    /// negative or unreadable leave the previous value in place.
    pub(crate) fn update(&mut self, headers: &HeaderMap, now: SystemTime, reset: ResetHeader) {
        let num = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
        };
        if let Some(v) = num("x-ratelimit-limit") {
            self.limit = Some(v as u64);
        }
        if let Some(v) = num("x-ratelimit-remaining") {
            self.remaining = Some(v as u64);
        }
        if let Some(v) = num("x-ratelimit-reset") {
            self.reset = Some(match reset {
                ResetHeader::UnixTime => UNIX_EPOCH + Duration::from_secs(v as u64),
                // At most a day: a nonsense header must not park the client for ever.
                ResetHeader::SecondsFromNow => now + Duration::from_secs_f64(v.min(86_400.0)),
            });
        }
    }

    /// How long until the period resets, if that is in the future.
    pub fn until_reset(&self, now: SystemTime) -> Option<Duration> {
        self.reset?
            .duration_since(now)
            .ok()
            .filter(|d| !d.is_zero())
    }

    /// Whether the last answer said no request is left and the period has not reset yet.
    pub fn exhausted(&self, now: SystemTime) -> bool {
        self.remaining == Some(0) && self.until_reset(now).is_some()
    }
}

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
            entries.retain(|_, (stored, _)| {
                now.duration_since(*stored)
                    .map_or(true, |age| age < self.ttl)
            });
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

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn rate_limit_keeps_last_values_when_headers_are_absent() {
        let mut r = RateLimit::default();
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", HeaderValue::from_static("200"));
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1000"));
        r.update(&h, UNIX_EPOCH, ResetHeader::UnixTime);
        r.update(&HeaderMap::new(), UNIX_EPOCH, ResetHeader::UnixTime);
        assert_eq!(r.limit, Some(200));
        assert_eq!(r.remaining, Some(0));
        let now = UNIX_EPOCH + Duration::from_secs(990);
        assert_eq!(r.until_reset(now), Some(Duration::from_secs(10)));
        assert!(r.exhausted(now));
        assert!(!r.exhausted(UNIX_EPOCH + Duration::from_secs(1000)));
    }

    #[test]
    fn the_relative_reset_becomes_a_point_in_time() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let mut r = RateLimit::default();
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", HeaderValue::from_static("100"));
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("42"));
        r.update(&h, now, ResetHeader::SecondsFromNow);
        r.update(
            &HeaderMap::new(),
            now + Duration::from_secs(5),
            ResetHeader::SecondsFromNow,
        );
        assert_eq!((r.limit, r.remaining), (Some(100), Some(0)));
        assert_eq!(r.reset, Some(now + Duration::from_secs(42)));
        let later = now + Duration::from_secs(40);
        assert_eq!(r.until_reset(later), Some(Duration::from_secs(2)));
        assert!(r.exhausted(later));
        assert!(!r.exhausted(now + Duration::from_secs(42)));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("-3"));
        r.update(&h, now, ResetHeader::SecondsFromNow);
        assert_eq!(r.reset, Some(now + Duration::from_secs(42)), "ignored");
    }

    #[test]
    fn cache_expires_and_evicts() {
        let t0 = UNIX_EPOCH + Duration::from_secs(100);
        let c = TtlCache::new(Duration::from_secs(10), 2);
        c.put("a".into(), 1, t0);
        assert_eq!(c.get("a", t0 + Duration::from_secs(9)), Some(1));
        assert_eq!(c.get("a", t0 + Duration::from_secs(10)), None);
        c.put("a".into(), 1, t0);
        c.put("b".into(), 2, t0 + Duration::from_secs(1));
        c.put("c".into(), 3, t0 + Duration::from_secs(2));
        assert_eq!(c.len(), 2);
        assert_eq!(c.get("a", t0 + Duration::from_secs(2)), None, "oldest");
        c.clear();
        assert_eq!(c.len(), 0);
    }
}
