//! What the two stock-library fakes (Pexels and Pixabay) share: the handle with their
//! common controls ([`StockFake`]), the rate-limit window and its headers, the clip cache,
//! query parameters, paging, deterministic result ids, the catalogue rotation and page-URL
//! slugs.

use std::collections::HashMap;
use std::ops::{Deref, RangeInclusive};
use std::sync::{Arc, Mutex};

use axum::response::Response;
use ytempire_core::Result;
use ytempire_core::testing::server::{
    FakeServer, FakeVendor, Fault, Incoming, Route, fnv, lock, respond, spoil_image,
};

use super::images::clip_mp4;

/// The controls [`FakePexels`](super::FakePexels) and [`FakePixabay`](super::FakePixabay)
/// share (both dereference to it, and it to the [`FakeServer`]).
#[derive(Debug)]
pub struct StockFake {
    server: FakeServer,
    state: Arc<StockState>,
    /// Whether a request path is a search (API) rather than a CDN download.
    is_api: fn(&str) -> bool,
}

/// What a stock vendor's handler shares with its [`StockFake`].
#[derive(Debug)]
pub(super) struct StockState {
    /// `(limit, remaining, reset)`; `reset` as the vendor sends it.
    pub(super) rate: RateWindow,
    /// Results per query.
    pub(super) results: Mutex<u64>,
    pub(super) clips: ClipCache,
}

impl StockState {
    /// `rate` as `(limit, remaining, reset)`, 40 results per query, clips seeded with
    /// `clip_seed_step`.
    fn new(rate: (u64, u64, u64), clip_seed_step: u64) -> Arc<Self> {
        Arc::new(Self {
            rate: RateWindow::new(rate.0, rate.1, rate.2),
            results: Mutex::new(40),
            clips: ClipCache::new(clip_seed_step),
        })
    }
}

/// A stock vendor's handler: the state it shares with its [`StockFake`] and what only that
/// vendor keeps (`O`, shared with the vendor's own handle).
pub(super) struct StockHandler<O> {
    pub(super) stock: Arc<StockState>,
    pub(super) own: Arc<O>,
}

impl StockFake {
    /// Serve the handler of a vendor whose own state is `O`, starting from `rate`
    /// (`(limit, remaining, reset)`) with clips seeded with `clip_seed_step`; `is_api` tells
    /// searches from CDN downloads. Returns the handle and the vendor's own state.
    pub(super) async fn start<O>(
        rate: (u64, u64, u64),
        clip_seed_step: u64,
        is_api: fn(&str) -> bool,
    ) -> Result<(Self, Arc<O>)>
    where
        O: Default,
        StockHandler<O>: FakeVendor,
    {
        let state = StockState::new(rate, clip_seed_step);
        let own = Arc::new(O::default());
        let handler = StockHandler {
            stock: Arc::clone(&state),
            own: Arc::clone(&own),
        };
        let server = Self {
            server: FakeServer::start(handler).await?,
            state,
            is_api,
        };
        Ok((server, own))
    }

    /// The base URL to configure the client with (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        self.server.origin()
    }

    /// Set the rate-limit window: `limit` requests, `remaining` left, resetting at `reset`
    /// as the vendor states it (Pexels: a UNIX time; Pixabay: seconds after each answer).
    pub fn set_rate_limit(&self, limit: u64, remaining: u64, reset: u64) {
        self.state.rate.set(limit, remaining, reset);
    }

    /// The rate-limit counters now: (limit, remaining, reset).
    pub fn rate_limit(&self) -> (u64, u64, u64) {
        self.state.rate.get()
    }

    /// Results per query (0: every search finds nothing).
    pub fn set_results(&self, total: u64) {
        *lock(&self.state.results) = total;
    }

    /// API requests received (searches), not CDN downloads.
    pub fn api_requests(&self) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|r| (self.is_api)(&r.path))
            .count()
    }
}

impl Deref for StockFake {
    type Target = FakeServer;

    fn deref(&self) -> &FakeServer {
        &self.server
    }
}

/// How a stock fake routes a request: a GET of one of the `api` paths is a search, a GET
/// under one of the `cdn` prefixes a download; anything else is not the vendor's.
pub(super) fn stock_route(req: &Incoming, api: &[&str], cdn: &[&str]) -> Option<Route> {
    if req.method != axum::http::Method::GET {
        return None;
    }
    let p = req.uri.path();
    if api.contains(&p) {
        Some(Route::JSON_API)
    } else if cdn.iter().any(|prefix| p.starts_with(prefix)) {
        Some(Route::DOWNLOAD)
    } else {
        None
    }
}

/// A rate-limit window: `(limit, remaining, reset)`; what `reset` means is the vendor's.
#[derive(Debug)]
pub(super) struct RateWindow(Mutex<(u64, u64, u64)>);

impl RateWindow {
    pub(super) fn new(limit: u64, remaining: u64, reset: u64) -> Self {
        Self(Mutex::new((limit, remaining, reset)))
    }

    pub(super) fn set(&self, limit: u64, remaining: u64, reset: u64) {
        *lock(&self.0) = (limit, remaining, reset);
    }

    pub(super) fn get(&self) -> (u64, u64, u64) {
        *lock(&self.0)
    }

    /// Spend one request: the counters after it, or `Err` with the spent window's counters
    /// when nothing remains.
    pub(super) fn spend(&self) -> Result<(u64, u64, u64), (u64, u64, u64)> {
        let mut r = lock(&self.0);
        if r.1 == 0 {
            return Err(*r);
        }
        r.1 -= 1;
        Ok(*r)
    }
}

/// The `X-Ratelimit-*` headers both vendors send with every API answer.
pub(super) fn rate_headers(
    (limit, remaining, reset): (u64, u64, u64),
) -> [(&'static str, String); 3] {
    [
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-reset", reset.to_string()),
    ]
}

/// A plain-text 429 with `body`, `Retry-After` when `Some`, and `extra` headers.
pub(super) fn plain_429(
    body: &str,
    retry_after_secs: Option<u64>,
    extra: &[(&str, String)],
) -> Response {
    let mut headers = extra.to_vec();
    headers.extend(retry_after_secs.map(|s| ("retry-after", s.to_string())));
    respond(
        429,
        "text/plain; charset=utf-8",
        body.as_bytes().to_vec(),
        &headers,
    )
}

/// Real MP4 clips made once per size (encoding is the slow part of a video download).
#[derive(Debug)]
pub(super) struct ClipCache {
    clips: Mutex<HashMap<(u32, u32), Vec<u8>>>,
    /// Multiplies the width in the clip's picture seed, so the vendors' clips differ.
    seed_step: u64,
}

impl ClipCache {
    pub(super) fn new(seed_step: u64) -> Self {
        Self {
            clips: Mutex::new(HashMap::new()),
            seed_step,
        }
    }

    async fn clip(&self, w: u32, h: u32) -> Option<Vec<u8>> {
        if let Some(c) = lock(&self.clips).get(&(w, h)) {
            return Some(c.clone());
        }
        let seed = u64::from(w) * self.seed_step + u64::from(h);
        let made = tokio::task::spawn_blocking(move || clip_mp4(seed, w, h, 12))
            .await
            .ok()?
            .ok()?;
        lock(&self.clips).insert((w, h), made.clone());
        Some(made)
    }

    /// The `w`×`h` clip download (spoiled by a picture fault), or `vendor`'s 500.
    pub(super) async fn serve(
        &self,
        w: u32,
        h: u32,
        fault: Option<&Fault>,
        vendor: &impl FakeVendor,
    ) -> Response {
        match self.clip(w, h).await {
            Some(mp4) => respond(200, "video/mp4", spoil_image(mp4, fault), &[]),
            None => vendor.error(500, "encode", "could not make the clip"),
        }
    }
}

/// The first query value named `key`.
pub(super) fn param<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// `page` and `per_page` (`default_per_page` when absent) as the search answers them.
pub(super) fn paging(q: &[(String, String)], default_per_page: u64) -> (u64, u64) {
    let number = |k: &str| param(q, k).and_then(|p| p.parse::<u64>().ok());
    (
        number("page").unwrap_or(1),
        number("per_page").unwrap_or(default_per_page),
    )
}

/// The violations of `page` ≥ 1, `per_page` in `per_page_range` and parameters outside
/// `known`.
pub(super) fn check_paging_and_known(
    q: &[(String, String)],
    per_page_range: RangeInclusive<u32>,
    known: &[&str],
    v: &mut Vec<String>,
) {
    if let Some(p) = param(q, "page")
        && !p.parse::<u32>().is_ok_and(|p| p >= 1)
    {
        v.push(format!("`page` {p:?} must be an integer ≥ 1"));
    }
    if let Some(p) = param(q, "per_page")
        && !p.parse::<u32>().is_ok_and(|p| per_page_range.contains(&p))
    {
        v.push(format!(
            "`per_page` {p:?} must be {}..={}",
            per_page_range.start(),
            per_page_range.end()
        ));
    }
    for (k, _) in q {
        if !known.contains(&k.as_str()) {
            v.push(format!("unknown parameter `{k}`"));
        }
    }
}

/// Result `i` of `query`'s search: a stable id whose last digit is `shape` (each vendor
/// reads its own picture shape from it).
pub(super) fn result_id(query: &str, i: u64, shape: u64) -> u64 {
    ((fnv(query) % 100_000) * 1000 + i * 10) * 10 + shape
}

/// The catalogue entry result `i` of `query`'s search shows: `list[(i + k) % n]` with `k` a
/// per-query rotation, so every search returns the whole catalogue in its own order.
/// `None` when the catalogue is empty.
pub(super) fn rotated<'a>(list: &'a [String], query: &str, i: u64) -> Option<&'a str> {
    let turn = fnv(query) as usize;
    (!list.is_empty()).then(|| list[(i as usize + turn) % list.len()].as_str())
}

/// A page-URL slug: the first `words` lower-cased words of `text` joined by `-`.
pub(super) fn slug(text: &str, words: usize) -> String {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(words)
        .collect::<Vec<_>>()
        .join("-")
}

/// Query pairs from string literals (the fakes' unit tests).
#[cfg(test)]
pub(super) fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_runs_out_and_says_so() {
        let w = RateWindow::new(2, 1, 60);
        assert_eq!(w.spend(), Ok((2, 0, 60)));
        assert_eq!(w.spend(), Err((2, 0, 60)));
        w.set(5, 5, 9);
        assert_eq!(w.get(), (5, 5, 9));
        assert_eq!(
            rate_headers(w.get())[1],
            ("x-ratelimit-remaining", "5".to_owned())
        );
    }

    #[test]
    fn paging_is_checked_against_the_vendor_range() {
        let mut v = Vec::new();
        let q = pairs(&[("page", "0"), ("per_page", "81"), ("x", "1"), ("q", "a")]);
        check_paging_and_known(&q, 1..=80, &["q", "page", "per_page"], &mut v);
        assert_eq!(
            v,
            [
                "`page` \"0\" must be an integer ≥ 1",
                "`per_page` \"81\" must be 1..=80",
                "unknown parameter `x`"
            ]
        );
        assert_eq!(paging(&pairs(&[("page", "3")]), 20), (3, 20));
    }

    #[test]
    fn rotation_and_slugs_are_stable() {
        let list = vec!["a".to_owned(), "b".to_owned(), "c".to_owned()];
        let first = rotated(&list, "whale", 0);
        assert_eq!(rotated(&list, "whale", 3), first);
        assert_ne!(rotated(&list, "whale", 1), first);
        assert_eq!(rotated(&[], "whale", 0), None);
        assert_eq!(
            slug("Octopus, sea, Coral reef", 4),
            "octopus-sea-coral-reef"
        );
        assert_eq!(slug("A Blue  Whale!", usize::MAX), "a-blue-whale");
        assert_eq!(result_id("q", 2, 1) % 10, 1);
    }
}
