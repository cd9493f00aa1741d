//! What the stock-media clients (Pexels, Pixabay) share: the rate-limit headers of the last
//! answer ([`RateLimit`]), a time-limited cache of search answers (`TtlCache`; both vendors
//! ask clients to cache searches for 24 hours), and the way an image request becomes
//! downloads: photos and clips found by a search are ranked against the request
//! (`download_order`: relevance of the vendor's text to the query and
//! [`ImageRequest::context`], then size, clips before photos on a tie), and only the best
//! `count` are downloaded (`download_best`).

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use ytempire_core::{Error, ErrorKind, ImageRequest, ImageResponse, Result, Usage, Visual};

use super::relevance::{Relevance, SceneTerms};
use crate::clip::ClipSource;

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

/// The builder methods both stock configurations share (`from_env`, `from_env_with`,
/// `with_base_url`, `with_timeout`, `with_cache_ttl`), for a config struct with `base_url`,
/// `timeout` and `cache_ttl` fields and a `new(api_key)` constructor.
macro_rules! stock_config_builders {
    ($config:ident, $key_env:literal, $base_env:literal, $default_base:expr) => {
        impl $config {
            #[doc = concat!("From `", $key_env, "` (required) and `", $base_env, "` (optional).")]
            ///
            /// # Errors
            /// `Config` naming the variable when the key is unset or empty, or the base URL
            /// is not an http(s) URL.
            pub fn from_env() -> Result<Self> {
                Self::from_env_with(http::process_env)
            }

            #[doc = concat!("[`", stringify!($config), "::from_env`] reading variables through `lookup` (tests, config files).")]
            ///
            /// # Errors
            #[doc = concat!("As [`", stringify!($config), "::from_env`].")]
            pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
                let (key, base) =
                    http::key_and_base_url(&lookup, $key_env, $base_env, $default_base)?;
                Ok(Self::new(key).with_base_url(base))
            }

            /// Set the base URL (a test server, a proxy).
            #[must_use]
            pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
                self.base_url = base_url.into();
                self
            }

            /// Set the per-request timeout.
            #[must_use]
            pub fn with_timeout(mut self, timeout: Duration) -> Self {
                self.timeout = timeout;
                self
            }

            /// Set how long search answers are reused.
            #[must_use]
            pub fn with_cache_ttl(mut self, ttl: Duration) -> Self {
                self.cache_ttl = ttl;
                self
            }
        }
    };
}
pub(crate) use stock_config_builders;

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

/// A photo or a clip found by a stock search.
#[derive(Debug, Clone)]
pub(crate) enum Found<P, V> {
    /// A still picture.
    Photo(P),
    /// A video clip.
    Clip(V),
}

/// Results a ranked search asks for at a time (see [`per_page`]).
pub(crate) const RANKED_PAGE: u64 = 40;

/// `per_page` for the search behind `request`, within the vendor's `min..=max`: room for
/// the excluded ids plus two. A request with a [`ImageRequest::context`] is ranked, so it
/// asks for a whole page ([`RANKED_PAGE`], or the next multiple of it): more results to rank,
/// and the same page (one cached search) while a video's excluded ids grow.
pub(crate) fn per_page(request: &ImageRequest, min: u32, max: u32) -> u32 {
    let mut wanted = u64::from(request.count) + request.exclude.len() as u64 + 2;
    if request.context.is_some() {
        wanted = wanted.div_ceil(RANKED_PAGE) * RANKED_PAGE;
    }
    u32::try_from(wanted.clamp(u64::from(min), u64::from(max))).unwrap_or(max)
}

/// One search result that may be downloaded.
#[derive(Debug, Clone)]
pub(crate) struct Candidate<P, V> {
    /// The result itself.
    pub(crate) found: Found<P, V>,
    /// What the vendor says about it (alt text, page slug, tags): what it is ranked by.
    pub(crate) text: String,
    /// Whether its best download covers the requested size (and orientation).
    pub(crate) fits: bool,
}

impl<P, V> Candidate<P, V> {
    /// A photo described by `text`.
    pub(crate) fn photo(photo: P, text: String, fits: bool) -> Self {
        Self {
            found: Found::Photo(photo),
            text,
            fits,
        }
    }

    /// A clip described by `text`.
    pub(crate) fn clip(clip: V, text: String, fits: bool) -> Self {
        Self {
            found: Found::Clip(clip),
            text,
            fits,
        }
    }
}

/// What the searches behind one request found: candidates from each search that answered,
/// the requests made, and the searches that failed.
#[derive(Debug)]
pub(crate) struct Gathered<P, V> {
    candidates: Vec<Candidate<P, V>>,
    requests: u64,
    asked: usize,
    failed: Vec<Error>,
}

impl<P, V> Gathered<P, V> {
    /// Nothing searched yet.
    pub(crate) fn new() -> Self {
        Self {
            candidates: Vec::new(),
            requests: 0,
            asked: 0,
            failed: Vec::new(),
        }
    }

    /// Add one search's outcome: its candidates and the requests it made, or its error.
    pub(crate) fn add(&mut self, searched: Result<(Vec<Candidate<P, V>>, u64)>) {
        self.asked += 1;
        match searched {
            Ok((found, requests)) => {
                self.candidates.extend(found);
                self.requests += requests;
            }
            Err(e) => self.failed.push(e),
        }
    }

    /// Download the best of what was found ([`download_best`]). When one search failed and
    /// another answered, the answer is used (the failure logged).
    ///
    /// # Errors
    /// The first search's error when every search failed; [`download_best`]'s otherwise.
    pub(crate) async fn download<F, Fut>(
        mut self,
        provider: &'static str,
        request: &ImageRequest,
        download: F,
    ) -> Result<ImageResponse>
    where
        F: FnMut(Found<P, V>) -> Fut,
        Fut: Future<Output = Result<Visual>>,
    {
        if !self.failed.is_empty() && self.failed.len() == self.asked {
            return Err(self.failed.remove(0));
        }
        for e in &self.failed {
            tracing::warn!(provider, error = %e, "stock search failed; using the others' results");
        }
        download_best(provider, request, self.candidates, self.requests, download).await
    }
}

/// The order to download `candidates` in for `request`.
///
/// With [`ImageRequest::context`], each candidate's text is scored ([`Relevance`]) against
/// the query (as the visual cue) and the context (as the narration), and those whose text
/// shares no word with either are dropped (the ranked visuals stage would never use them,
/// so they are not downloaded). Order: best score first, then those that fit the size,
/// then clips before photos (moving pictures hold a viewer), then the vendor's order.
/// Without a context every score is equal, so the vendor's relevance order decides within
/// "fits" and "clip".
pub(crate) fn download_order<P, V>(
    request: &ImageRequest,
    candidates: Vec<Candidate<P, V>>,
) -> Vec<Candidate<P, V>> {
    let scores: Vec<f64> = match request.context.as_deref() {
        Some(context) => {
            let relevance = Relevance::english();
            let scene = SceneTerms::new(&relevance, context, &request.query);
            candidates
                .iter()
                .map(|c| relevance.score(&c.text, &scene))
                .collect()
        }
        None => vec![0.0; candidates.len()],
    };
    let ranked = request.context.is_some();
    let mut keyed: Vec<(f64, Candidate<P, V>)> = scores
        .into_iter()
        .zip(candidates)
        .filter(|(score, _)| !ranked || *score > 0.0)
        .collect();
    // Stable: equal keys keep the vendor's order.
    keyed.sort_by(|(sa, a), (sb, b)| {
        sb.total_cmp(sa)
            .then(b.fits.cmp(&a.fits))
            .then(matches!(b.found, Found::Clip(_)).cmp(&matches!(a.found, Found::Clip(_))))
    });
    keyed.into_iter().map(|(_, c)| c).collect()
}

/// Download the best `request.count` candidates ([`download_order`]); `requests` counts the
/// searches already made. A failed download is skipped (and logged) when another succeeds.
///
/// # Errors
/// `NotFound` when there was nothing to download; the failure when the only download
/// failed; an aggregate when all of them did.
pub(crate) async fn download_best<P, V, F, Fut>(
    provider: &'static str,
    request: &ImageRequest,
    candidates: Vec<Candidate<P, V>>,
    mut requests: u64,
    mut download: F,
) -> Result<ImageResponse>
where
    F: FnMut(Found<P, V>) -> Fut,
    Fut: Future<Output = Result<Visual>>,
{
    let mut visuals = Vec::new();
    let mut failures = Vec::new();
    let best = download_order(request, candidates)
        .into_iter()
        .take(request.count as usize);
    for candidate in best {
        requests += 1;
        match download(candidate.found).await {
            Ok(v) => visuals.push(v),
            Err(e) => failures.push(e),
        }
    }
    if visuals.is_empty() {
        return Err(match failures.len() {
            0 => Error::new(
                ErrorKind::NotFound,
                format!("{provider} has nothing new for {:?}", request.query),
            )
            .with_provider(provider),
            1 => failures.remove(0),
            n => Error::aggregate(format!("{provider}: all {n} downloads failed"), failures),
        });
    }
    for e in &failures {
        tracing::warn!(provider, error = %e, "stock download skipped");
    }
    let usage = Usage {
        images: visuals.len() as u64,
        requests,
        ..Usage::default()
    };
    Ok(ImageResponse::new(visuals, usage))
}

/// Check that downloaded clip bytes play: the whole sample index and the H.264 parameter
/// sets are probed, so a clip that would fail at render time fails here, where the chain
/// can still move on. Returns width, height and duration in seconds.
///
/// # Errors
/// `InvalidResponse` for bytes that are not a playable H.264 MP4 (an HTML page, zero bytes,
/// truncated or corrupt); `Unsupported` for another codec or an oversized picture.
pub(crate) fn probe_clip(
    provider: &'static str,
    what: &str,
    bytes: &[u8],
) -> Result<(u32, u32, f64)> {
    let clip = ClipSource::from_bytes(what, bytes).map_err(|e| {
        let kind = match e.kind() {
            ErrorKind::Render | ErrorKind::InvalidRequest => ErrorKind::InvalidResponse,
            other => other,
        };
        Error::new(kind, e.message()).with_provider(provider)
    })?;
    let info = clip.info();
    Ok((info.width, info.height, info.duration_secs))
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

    fn c(text: &str, fits: bool, clip: bool) -> Candidate<&'static str, &'static str> {
        let name: &'static str = Box::leak(text.to_owned().into_boxed_str());
        if clip {
            Candidate::clip(name, text.into(), fits)
        } else {
            Candidate::photo(name, text.into(), fits)
        }
    }

    fn names(v: &[Candidate<&'static str, &'static str>]) -> Vec<&'static str> {
        v.iter()
            .map(|c| match c.found {
                Found::Photo(n) | Found::Clip(n) => n,
            })
            .collect()
    }

    #[test]
    fn per_page_has_room_for_the_excluded_and_ranked_searches_ask_for_whole_pages() {
        let mut r = ImageRequest::new("q", 1, 1).with_count(500);
        assert_eq!(per_page(&r, 1, 80), 80);
        r.count = 1;
        assert_eq!(per_page(&r, 1, 80), 3);
        assert_eq!(per_page(&r, 3, 200), 3);
        r.exclude = (0..10).map(|i| i.to_string()).collect();
        assert_eq!(per_page(&r, 1, 80), 13);
        let mut ranked = r.clone().with_context("a scene");
        assert_eq!(per_page(&ranked, 1, 80), 40);
        ranked.exclude.push("one more".into());
        assert_eq!(
            per_page(&ranked, 1, 80),
            40,
            "the same page, one cached search"
        );
        ranked.exclude = (0..45).map(|i| i.to_string()).collect();
        assert_eq!(per_page(&ranked, 1, 80), 80);
        assert_eq!(per_page(&ranked, 3, 200), 80);
    }

    #[test]
    fn without_context_the_vendor_order_stands_fitting_and_clips_first() {
        let req = ImageRequest::new("octopus", 640, 360);
        let order = download_order(
            &req,
            vec![
                c("a", false, false),
                c("b", true, false),
                c("c", true, true),
            ],
        );
        assert_eq!(names(&order), ["c", "b", "a"]);
    }

    #[test]
    fn with_context_the_best_text_comes_first_and_clips_win_ties() {
        let req = ImageRequest::new("octopus camouflage", 640, 360)
            .with_context("The octopus changes colour to hide on the reef.");
        let order = download_order(
            &req,
            vec![
                c("city skyline at night", true, true),
                c("octopus on a reef, camouflage", true, false),
                c("octopus on a reef, camouflage", true, true),
                c("octopus", false, false),
                c("ocean waves", true, false),
            ],
        );
        let got = names(&order);
        assert_eq!(&got[..2], ["octopus on a reef, camouflage"; 2]);
        assert!(
            matches!(order[0].found, Found::Clip(_)),
            "a clip wins the tie"
        );
        assert_eq!(
            got[2..],
            ["octopus"],
            "unrelated results are not downloaded"
        );
    }

    #[tokio::test]
    async fn downloads_only_the_best_count_and_skips_failures() {
        let req = ImageRequest::new("octopus", 64, 36)
            .with_count(2)
            .with_context("An octopus hides.");
        let candidates = vec![
            c("desert dunes", true, false),
            c("octopus hiding", true, false),
            c("octopus hiding, broken file", true, false),
            c("octopus swimming", true, false),
        ];
        let mut tried = Vec::new();
        let resp = download_best("fake", &req, candidates, 1, |f: Found<&str, &str>| {
            let Found::Photo(name) = f else {
                unreachable!()
            };
            tried.push(name);
            std::future::ready(if name.contains("broken") {
                Err(Error::new(ErrorKind::InvalidResponse, "not an image"))
            } else {
                Ok(Visual::image_bytes(name, 64, 36, "image/png", vec![1]))
            })
        })
        .await
        .unwrap();
        let ids: Vec<&str> = resp.visuals.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids.len(), 1, "the broken one is skipped: {ids:?}");
        assert_eq!(
            tried,
            ["octopus hiding", "octopus hiding, broken file"],
            "the best two"
        );
        assert!(
            !tried.contains(&"desert dunes"),
            "never downloaded: {tried:?}"
        );
        assert_eq!(resp.usage.requests, 1 + tried.len() as u64);
        let none = download_best("fake", &req, Vec::<Candidate<&str, &str>>::new(), 1, |_| {
            std::future::ready(Ok(Visual::image_bytes("x", 1, 1, "image/png", vec![1])))
        })
        .await
        .unwrap_err();
        assert_eq!(none.kind(), ErrorKind::NotFound);
    }
}
