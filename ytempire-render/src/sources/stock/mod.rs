//! What the stock-media clients (Pexels, Pixabay) share: their HTTP side (`StockHttp`: the
//! connection pool, the clock, the rate-limit headers of the last answer ([`RateLimit`]) with
//! a spent limit refused locally, and a time-limited cache of search answers (`TtlCache`;
//! both vendors ask clients to cache searches for 24 hours)), and the way an image request becomes
//! downloads: photos and clips found by a search are ranked against the request
//! (`download_order`: relevance of the vendor's text to the query and
//! [`ImageRequest::context`], then size, clips before photos on a tie), and only the best
//! `count` are downloaded (`download_best`). Each vendor supplies only its searches and
//! downloads (`StockVendor`); `fetch_media` runs the rest, and `downloaded_visual` turns
//! downloaded bytes into a checked visual. The builder methods both vendors' configurations,
//! searches and clients share are macros here (`stock_config_builders!`,
//! `stock_search_builders!`, `stock_client_basics!`, which also implements `ImageSource`).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use ytempire_core::http::{self, VendorError};
use ytempire_core::{
    Error, ErrorKind, ImageRequest, ImageResponse, MediaKind, Orientation, Result, Usage, Visual,
};

mod cache;

use cache::TtlCache;

use super::clock::{Clock, SystemClock};
use super::inspect::decode_image;
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

/// The builder methods every stock search shares (`with_orientation`, `with_page`,
/// `with_per_page`; `with_min_size` when `min_size` is named), for a search struct with
/// `orientation`, `page` and `per_page` fields (and `min_width`/`min_height`). `$range` is
/// the vendor's page-size range, for the docs.
macro_rules! stock_search_builders {
    ($search:ident, $range:literal $(, $extra:ident)*) => {
        impl $search {
            /// Set the orientation.
            #[must_use]
            pub fn with_orientation(mut self, o: ytempire_core::Orientation) -> Self {
                self.orientation = Some(o);
                self
            }

            /// Set the page (from 1).
            #[must_use]
            pub fn with_page(mut self, page: u32) -> Self {
                self.page = page;
                self
            }

            #[doc = concat!("Set the page size (validated, not clamped: ", $range, ").")]
            #[must_use]
            pub fn with_per_page(mut self, per_page: u32) -> Self {
                self.per_page = per_page;
                self
            }
        }
        $( stock_search_builders!(@ $extra $search); )*
    };
    (@ min_size $search:ident) => {
        impl $search {
            /// Set the minimum pixel size.
            #[must_use]
            pub fn with_min_size(mut self, width: u32, height: u32) -> Self {
                self.min_width = Some(width);
                self.min_height = Some(height);
                self
            }
        }
    };
}
pub(crate) use stock_search_builders;

/// The HTTP side of a stock client: one connection pool, a clock, the rate-limit state of
/// the last answer and the search cache. Clones share the state and the cache.
#[derive(Debug, Clone)]
pub(crate) struct StockHttp<V> {
    provider: &'static str,
    reset: ResetHeader,
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
    rate: Arc<Mutex<RateLimit>>,
    cache: Arc<TtlCache<V>>,
}

impl<V: Clone> StockHttp<V> {
    /// A pool for `provider` at `base_url` with a per-request `timeout` and a search cache
    /// of `cache_capacity` answers kept for `cache_ttl`.
    ///
    /// # Errors
    /// `Config` for a base URL that is not http(s) or a client that cannot be built.
    pub(crate) fn new(
        provider: &'static str,
        reset: ResetHeader,
        base_url: &str,
        timeout: Duration,
        cache_ttl: Duration,
        cache_capacity: usize,
    ) -> Result<Self> {
        http::check_base_url(provider, base_url)?;
        Ok(Self {
            provider,
            reset,
            client: http::client(timeout)?,
            clock: Arc::new(SystemClock),
            rate: Arc::new(Mutex::new(RateLimit::default())),
            cache: Arc::new(TtlCache::new(cache_ttl, cache_capacity)),
        })
    }

    /// Read time from `clock` (rate-limit resets, cache expiry).
    pub(crate) fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
    }

    /// The rate-limit state from the last answer that reported it.
    pub(crate) fn rate_limit(&self) -> RateLimit {
        *self.rate.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Search answers currently cached.
    pub(crate) fn cached(&self) -> usize {
        self.cache.len()
    }

    /// Forget every cached search answer.
    pub(crate) fn clear_cache(&self) {
        self.cache.clear();
    }

    /// `base_url` + `path` with `params` as the query.
    ///
    /// # Errors
    /// `Config` for a base URL that does not parse.
    pub(crate) fn url(
        &self,
        base_url: &str,
        path: &str,
        params: &[(&'static str, String)],
    ) -> Result<reqwest::Url> {
        let mut url = reqwest::Url::parse(&format!("{}{path}", base_url.trim_end_matches('/')))
            .map_err(|e| Error::config(format!("{}: bad base URL: {e}", self.provider)))?;
        url.query_pairs_mut()
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
        Ok(url)
    }

    /// One API GET of `url` through the cache (the URL, which carries no key, is the cache
    /// key); returns the answer and the requests made (0 or 1). A spent rate limit is
    /// refused here, without a request. `send` builds the request (adding the key as the
    /// vendor wants it), `vendor_error` reads the vendor's error bodies, `parse` the answer.
    /// A 429 without `Retry-After` waits until the last known reset.
    ///
    /// # Errors
    /// `RateLimited` when the limit is spent; the mapped HTTP, transport or decoding error.
    pub(crate) async fn get_cached(
        &self,
        url: reqwest::Url,
        send: impl FnOnce(&reqwest::Client, reqwest::Url) -> reqwest::RequestBuilder,
        vendor_error: fn(&[u8]) -> VendorError,
        parse: impl FnOnce(&[u8]) -> Result<V>,
    ) -> Result<(V, u64)> {
        let provider = self.provider;
        let key = url.to_string();
        let now = self.clock.now();
        if let Some(hit) = self.cache.get(&key, now) {
            tracing::debug!(provider, url = %key, "search answered from cache");
            return Ok((hit, 0));
        }
        let known = self.rate_limit();
        if known.exhausted(now) {
            let limit = known
                .limit
                .map_or_else(|| "?".to_owned(), |l| l.to_string());
            let mut err = Error::new(
                ErrorKind::RateLimited,
                format!("{provider}: no requests left of {limit} until the rate limit resets"),
            )
            .with_provider(provider);
            if let Some(wait) = known.until_reset(now) {
                err = err.with_retry_after(wait);
            }
            return Err(err);
        }
        let resp = send(&self.client, url)
            .send()
            .await
            .map_err(|e| http::transport_error(provider, &e))?;
        // Every answer's rate-limit headers are kept; a 429 without `Retry-After` waits for
        // the last known reset.
        let reset_wait = {
            let mut rate = self.rate.lock().unwrap_or_else(|p| p.into_inner());
            rate.update(resp.headers(), now, self.reset);
            (resp.status().as_u16() == 429)
                .then(|| rate.until_reset(now))
                .flatten()
        };
        let resp = http::check_at(provider, resp, now, |_, body| vendor_error(body))
            .await
            .map_err(|e| match reset_wait {
                Some(wait) if e.retry_after().is_none() => e.with_retry_after(wait),
                _ => e,
            })?;
        let body = http::read_body(provider, resp, http::MAX_JSON_BODY).await?;
        let page = parse(&body)?;
        self.cache.put(key, page.clone(), self.clock.now());
        Ok((page, 1))
    }

    /// Download a file (a CDN URL the API gave).
    ///
    /// # Errors
    /// The mapped HTTP or transport error; bodies over the download limit.
    pub(crate) async fn download(&self, url: &str) -> Result<Vec<u8>> {
        let (bytes, _) = http::download(&self.client, self.provider, url, self.clock.now()).await?;
        Ok(bytes)
    }
}

/// What both stock clients have in common around their [`StockHttp`]: `Display`, `new`,
/// `with_clock`, `config`, `rate_limit`, `cached_searches` and `clear_cache`, for a client
/// struct with `config` and `http` fields; and, for a client that is a [`StockVendor`], its
/// `ImageSource` ([`fetch_media`]).
macro_rules! stock_client_basics {
    ($client:ident, $config:ident, $reset:expr, $name:literal) => {
        #[async_trait::async_trait]
        impl ytempire_core::ImageSource for $client {
            fn info(&self) -> ytempire_core::ProviderInfo {
                ytempire_core::ProviderInfo::new(
                    PROVIDER,
                    "photos",
                    ytempire_core::Capabilities::new(),
                )
            }

            /// Photos, and clips too when the request allows video
            /// ([`ImageRequest::allow_video`](ytempire_core::ImageRequest::allow_video)): one
            /// search each, ranked against the request's query and context by what the vendor
            /// says each result shows (see the stock module), then size, clips before photos
            /// on a tie; only the best `count` are downloaded.
            async fn fetch(
                &self,
                request: &ytempire_core::ImageRequest,
            ) -> Result<ytempire_core::ImageResponse> {
                $crate::sources::stock::fetch_media(self, request, true, request.allow_video).await
            }
        }

        impl std::fmt::Display for $client {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($name)
            }
        }

        impl $client {
            /// A client with its own connection pool.
            ///
            /// # Errors
            /// `Config` for a base URL that is not http(s) or a client that cannot be built.
            pub fn new(config: $config) -> Result<Self> {
                let http = StockHttp::new(
                    PROVIDER,
                    $reset,
                    &config.base_url,
                    config.timeout,
                    config.cache_ttl,
                    config.cache_capacity,
                )?;
                Ok(Self { config, http })
            }

            /// Read time from `clock` (rate-limit resets, cache expiry).
            #[must_use]
            pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
                self.http.set_clock(clock);
                self
            }

            /// The configuration.
            pub fn config(&self) -> &$config {
                &self.config
            }

            /// The rate-limit state from the last answer that reported it.
            pub fn rate_limit(&self) -> RateLimit {
                self.http.rate_limit()
            }

            /// Search answers currently cached.
            pub fn cached_searches(&self) -> usize {
                self.http.cached()
            }

            /// Forget every cached search answer.
            pub fn clear_cache(&self) {
                self.http.clear_cache();
            }
        }
    };
}
pub(crate) use stock_client_basics;

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

/// One search's outcome: its candidates and the requests it made (0 when cached, else 1).
pub(crate) type Searched<P, V> = Result<(Vec<Candidate<P, V>>, u64)>;

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
    pub(crate) fn add(&mut self, searched: Searched<P, V>) {
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

/// What a stock vendor supplies to [`fetch_media`]: its photo and clip searches for a
/// request, turned into [`Candidate`]s (excluded ids skipped), and the download of one
/// [`Found`] result.
pub(crate) trait StockVendor: Sync {
    /// A photo of a search answer.
    type Photo: Send;
    /// A clip of a search answer.
    type Clip: Send;

    /// The provider name errors and logs carry.
    const PROVIDER: &'static str;

    /// The photos found for `request`, and the requests made (0 or 1).
    fn photo_candidates(
        &self,
        request: &ImageRequest,
    ) -> impl Future<Output = Searched<Self::Photo, Self::Clip>> + Send;

    /// The clips found for `request`, and the requests made (0 or 1).
    fn clip_candidates(
        &self,
        request: &ImageRequest,
    ) -> impl Future<Output = Searched<Self::Photo, Self::Clip>> + Send;

    /// Download `found` for a `width`×`height` frame, as found for `query`.
    fn download_found(
        &self,
        found: Found<Self::Photo, Self::Clip>,
        width: u32,
        height: u32,
        query: &str,
    ) -> impl Future<Output = Result<Visual>> + Send;
}

/// Photos and/or clips for `request` from `vendor`: one search for each (clips first),
/// the results ranked ([`download_order`]) and only the best `count` downloaded. When one
/// of the two searches fails the other's results are used.
///
/// # Errors
/// `InvalidRequest` for a request that does not validate; as [`Gathered::download`].
pub(crate) async fn fetch_media<S: StockVendor>(
    vendor: &S,
    request: &ImageRequest,
    photos: bool,
    clips: bool,
) -> Result<ImageResponse> {
    request
        .validate()
        .map_err(|e| e.with_provider(S::PROVIDER))?;
    let mut found = Gathered::new();
    if clips {
        found.add(vendor.clip_candidates(request).await);
    }
    if photos {
        found.add(vendor.photo_candidates(request).await);
    }
    let (w, h, query) = (request.width, request.height, request.query.as_str());
    found
        .download(S::PROVIDER, request, |found| {
            vendor.download_found(found, w, h, query)
        })
        .await
}

/// The orientation of a `width`×`height` frame.
pub(crate) fn orientation_of(width: u32, height: u32) -> Orientation {
    match width.cmp(&height) {
        std::cmp::Ordering::Greater => Orientation::Landscape,
        std::cmp::Ordering::Less => Orientation::Portrait,
        std::cmp::Ordering::Equal => Orientation::Square,
    }
}

/// Downloaded bytes as `provider`'s visual `id` of `kind`, found for `query`, with the size
/// (and a clip's duration) read from the file itself: a still is decoded, a clip probed
/// ([`probe_clip`], `video/mp4`), so bytes that would fail at render time fail here. `what`
/// names the file in errors.
///
/// # Errors
/// `InvalidResponse` for bytes that are not an image, or not a playable H.264 MP4 (an HTML
/// page, zero bytes, truncated or corrupt); `Unsupported` for another codec or an oversized
/// clip.
pub(crate) fn downloaded_visual(
    provider: &'static str,
    kind: MediaKind,
    id: String,
    what: &str,
    bytes: Vec<u8>,
    query: &str,
) -> Result<Visual> {
    let (width, height, mime, duration) = match kind {
        MediaKind::VideoClip => {
            let (w, h, secs) = probe_clip(provider, what, &bytes)?;
            (w, h, "video/mp4", Some(secs))
        }
        MediaKind::Image => {
            let img = decode_image(&bytes, what).map_err(|e| e.with_provider(provider))?;
            (img.width(), img.height(), img.mime(), None)
        }
    };
    let mut visual =
        Visual::image_bytes(id, width, height, mime, bytes).with_origin(provider, query);
    visual.kind = kind;
    visual.duration_secs = duration;
    Ok(visual)
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
mod tests;
