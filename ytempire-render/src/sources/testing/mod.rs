//! Loopback fakes of Pexels, Pixabay, Stability and OpenAI images (feature `testing`).
//!
//! Each fake listens on `127.0.0.1:0` and speaks its vendor's wire format: it checks the
//! auth the vendor expects (the bare key for Pexels, the `key` parameter for Pixabay,
//! `Bearer` for the others), the required parameters and fields with their ranges and enums,
//! answers with the vendor's JSON shapes and error bodies, and serves real pictures generated
//! with `image` (and, for Pexels and Pixabay videos, real H.264 MP4 clips). Every request is [`Recorded`], protocol mistakes are listed
//! by `violations()`, and scripted [`Fault`]s are injected: rate limits with and without
//! `Retry-After`, 5xx, dropped connections, slow answers, truncated bodies, malformed JSON,
//! HTML error pages, zero-byte and corrupt images.
//!
//! All four fakes share one server core: a fault queue (plus an optional fault for every
//! request), the request log and the violation list.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_render::sources::testing::{FakePexels, Fault};
//! let fake = FakePexels::start().await?;
//! fake.push_fault(Fault::RateLimited { retry_after_secs: None });
//! # #[cfg(feature = "pexels")] {
//! use ytempire_render::sources::{Pexels, PexelsConfig};
//! let pexels = Pexels::new(PexelsConfig::new("test-key".to_owned().into()).with_base_url(fake.base_url()))?;
//! # }
//! # Ok(()) }
//! ```

mod images;
mod openai;
mod pexels;
mod pixabay;
mod stability;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use ytempire_core::{Error, Result};

pub use images::{clip_mp4, encode_jpeg, picture};
pub use openai::FakeOpenAiImages;
pub use pexels::FakePexels;
pub use pixabay::FakePixabay;
pub use stability::FakeStability;

/// A fault the next request it applies to (or every request) meets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// 429 in the vendor's shape, with `Retry-After` when `Some`. Pexels' 429 never carries
    /// the `X-Ratelimit-*` headers.
    RateLimited {
        /// Seconds in `Retry-After` (`None`: no header).
        retry_after_secs: Option<u64>,
    },
    /// This 5xx status with the vendor's error body.
    ServerError(u16),
    /// 401 as the vendor sends it for a bad key (API routes).
    Unauthorized,
    /// Out of credit: Stability 402 `payment_required`, OpenAI 429 `insufficient_quota`
    /// (API routes; Pexels has none and ignores it).
    QuotaExhausted,
    /// Refused by moderation: Stability 403 `content_moderation`, OpenAI 400
    /// `content_policy_violation` (API routes; Pexels ignores it).
    ContentModeration,
    /// Stability: a 200 image with `finish-reason: CONTENT_FILTERED`.
    ContentFiltered,
    /// Headers and half the body sent, then the connection is reset.
    DropConnection,
    /// Wait this long before answering.
    Hang(Duration),
    /// A `Content-Length` promising more body than is sent.
    TruncatedBody,
    /// 200 with a JSON body cut off mid-way (JSON routes).
    MalformedJson,
    /// 200 with an HTML error page where the image should be (image routes).
    HtmlImage,
    /// 200 with a zero-byte image (image routes).
    EmptyImage,
    /// 200 with an image cut in half (complete HTTP body, corrupt picture; image routes).
    CorruptImage,
}

/// What kind of answer a route gives, deciding which faults apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Route {
    /// Authenticated vendor API (auth, quota and moderation faults apply).
    pub(crate) api: bool,
    /// Answers JSON on success.
    pub(crate) json: bool,
    /// Carries image bytes (image faults apply).
    pub(crate) media: bool,
}

impl Fault {
    fn applies(&self, r: Route) -> bool {
        match self {
            Self::RateLimited { .. }
            | Self::ServerError(_)
            | Self::DropConnection
            | Self::Hang(_)
            | Self::TruncatedBody => true,
            Self::Unauthorized | Self::QuotaExhausted | Self::ContentModeration => r.api,
            Self::ContentFiltered => r.api && r.media,
            Self::MalformedJson => r.json,
            Self::HtmlImage | Self::EmptyImage | Self::CorruptImage => r.media,
        }
    }
}

/// One request a fake received.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Recorded {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Decoded query pairs.
    pub query: Vec<(String, String)>,
    /// The `Authorization` header as sent.
    pub authorization: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The `Accept` header.
    pub accept: Option<String>,
    /// The body parsed as JSON (`Null` when empty or not JSON).
    pub json: serde_json::Value,
    /// `multipart/form-data` text fields, in order.
    pub form: Vec<(String, String)>,
}

impl Recorded {
    /// The first query value named `key`.
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first form field named `key`.
    pub fn form_value(&self, key: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A request as the vendor handlers see it.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Incoming {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn query(&self) -> Vec<(String, String)> {
        let q = self.uri.query().unwrap_or_default();
        query_pairs(q)
    }

    /// `http://host:port` as the client addressed us (for absolute URLs in answers).
    pub(crate) fn origin(&self) -> String {
        format!("http://{}", self.header("host").unwrap_or("127.0.0.1"))
    }
}

/// Decode `a=b&c=d` (percent and `+` escapes).
fn query_pairs(q: &str) -> Vec<(String, String)> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    fn unescape(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
                (b'+', _, _) => out.push(b' '),
                (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                    out.push(hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0));
                    i += 2;
                }
                (b, _, _) => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (unescape(k), unescape(v))
        })
        .collect()
}

/// How one vendor answers.
#[async_trait]
pub(crate) trait Vendor: Send + Sync + 'static {
    /// What `req` is, or `None` for an unknown route (404).
    fn route(&self, req: &Incoming) -> Option<Route>;
    /// The vendor's error answer.
    fn error(&self, status: u16, code: &str, message: &str) -> Response;
    /// The vendor's 429.
    fn rate_limited(&self, retry_after_secs: Option<u64>) -> Response;
    /// The auth failure for `req`, if its credentials are wrong (API routes only).
    fn check_auth(&self, req: &Incoming, required: Option<&str>) -> Option<Response>;
    /// Validate and answer; `fault` is a vendor-specific fault to apply, if any.
    async fn answer(
        &self,
        req: &Incoming,
        route: Route,
        fault: Option<&Fault>,
        core: &Core,
        recorded: &mut Recorded,
    ) -> Response;
}

/// State every fake shares with its handler.
#[derive(Debug, Default)]
pub(crate) struct Core {
    faults: Mutex<VecDeque<Fault>>,
    always: Mutex<Option<Fault>>,
    requests: Mutex<Vec<Recorded>>,
    violations: Mutex<Vec<String>>,
    api_key: Mutex<Option<String>>,
}

/// A poisoned lock's data is still the fake's state: keep serving.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Stable 64-bit FNV-1a (the fakes' ids and rotations from query text).
pub(crate) fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Core {
    fn next_fault(&self, route: Route) -> Option<Fault> {
        let mut q = lock(&self.faults);
        if let Some(i) = q.iter().position(|f| f.applies(route)) {
            return q.remove(i);
        }
        drop(q);
        lock(&self.always).clone().filter(|f| f.applies(route))
    }

    /// Record protocol violations found in a request.
    pub(crate) fn violate(&self, found: &[String]) {
        lock(&self.violations).extend(found.iter().cloned());
    }
}

/// A running loopback server; stops when dropped.
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    pub(crate) core: Arc<Core>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub(crate) async fn start<V: Vendor>(vendor: Arc<V>) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| Error::io("binding the fake server", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("reading the fake server's address", e))?;
        let core = Arc::new(Core::default());
        let state = (vendor, Arc::clone(&core));
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (vendor, core) = state.clone();
                async move {
                    let req = Incoming {
                        method,
                        uri,
                        headers,
                        body,
                    };
                    handle(&*vendor, &core, req).await
                }
            },
        );
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!("fake server stopped: {e}");
            }
        });
        Ok(Self { addr, core, task })
    }
}

async fn handle<V: Vendor>(vendor: &V, core: &Core, req: Incoming) -> Response {
    let mut recorded = Recorded {
        method: req.method.to_string(),
        path: req.uri.path().to_owned(),
        query: req.query(),
        authorization: req.header("authorization").map(str::to_owned),
        content_type: req.header("content-type").map(str::to_owned),
        accept: req.header("accept").map(str::to_owned),
        json: serde_json::from_slice(&req.body).unwrap_or_default(),
        form: Vec::new(),
    };
    let response = async {
        let Some(route) = vendor.route(&req) else {
            return vendor.error(404, "not_found", "no such route");
        };
        if route.api {
            let key = lock(&core.api_key).clone();
            if let Some(denied) = vendor.check_auth(&req, key.as_deref()) {
                return denied;
            }
        }
        let fault = core.next_fault(route);
        if let Some(Fault::Hang(d)) = &fault {
            tokio::time::sleep(*d).await;
        }
        match &fault {
            Some(Fault::RateLimited { retry_after_secs }) => {
                return vendor.rate_limited(*retry_after_secs);
            }
            Some(Fault::ServerError(status)) => {
                return vendor.error(*status, "server_error", "The server had an error.");
            }
            _ => {}
        }
        let answer = vendor
            .answer(&req, route, fault.as_ref(), core, &mut recorded)
            .await;
        match fault {
            Some(Fault::DropConnection) => cut(answer, true).await,
            Some(Fault::TruncatedBody) => cut(answer, false).await,
            _ => answer,
        }
    }
    .await;
    lock(&core.requests).push(recorded);
    response
}

/// Send half of `answer`'s body, then reset the connection (`drop`) or stop short of the
/// promised `Content-Length`.
async fn cut(answer: Response, drop: bool) -> Response {
    let (mut parts, body) = answer.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    let full = bytes.len();
    let tail: std::io::Result<Bytes> = Err(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "fake: connection dropped",
    ));
    let chunks = if drop {
        parts.headers.remove("content-length");
        vec![Ok(half), tail]
    } else {
        parts
            .headers
            .insert("content-length", axum::http::HeaderValue::from(full as u64));
        vec![Ok(half)]
    };
    Response::from_parts(parts, Body::from_stream(futures::stream::iter(chunks)))
}

/// A response with a status, content type, body and extra headers.
pub(crate) fn respond(
    status: u16,
    ctype: &str,
    body: Vec<u8>,
    extra: &[(&str, String)],
) -> Response {
    let mut b = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", ctype);
    for (k, v) in extra {
        b = b.header(*k, v.as_str());
    }
    b.body(Body::from(body)).unwrap_or_default()
}

/// A JSON response.
pub(crate) fn respond_json(
    status: u16,
    body: &serde_json::Value,
    extra: &[(&str, String)],
) -> Response {
    respond(
        status,
        "application/json",
        body.to_string().into_bytes(),
        extra,
    )
}

/// The HTML page a misconfigured CDN or proxy serves with `200 OK`.
pub(crate) const HTML_PAGE: &[u8] =
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>cloudflare</p></body></html>\n";

/// Apply an image fault to good image bytes.
pub(crate) fn spoil_image(good: Vec<u8>, fault: Option<&Fault>) -> Vec<u8> {
    match fault {
        Some(Fault::HtmlImage) => HTML_PAGE.to_vec(),
        Some(Fault::EmptyImage) => Vec::new(),
        Some(Fault::CorruptImage) => good[..good.len() / 2].to_vec(),
        _ => good,
    }
}

/// The public methods every fake has, delegating to its [`Server`].
macro_rules! fake_handle {
    ($ty:ty) => {
        impl $ty {
            /// Accept only this key (the auth header format is checked either way).
            pub fn require_key(&self, key: &str) {
                *super::lock(&self.server.core.api_key) = Some(key.to_owned());
            }

            /// The next request this fault applies to meets it (faults queue in order).
            pub fn push_fault(&self, fault: super::Fault) {
                super::lock(&self.server.core.faults).push_back(fault);
            }

            /// Every request it applies to meets `fault` (`None` heals).
            pub fn fail_always(&self, fault: Option<super::Fault>) {
                *super::lock(&self.server.core.always) = fault;
            }

            /// Every request received so far.
            pub fn requests(&self) -> Vec<super::Recorded> {
                super::lock(&self.server.core.requests).clone()
            }

            /// Protocol violations found in requests (empty when every request was valid).
            pub fn violations(&self) -> Vec<String> {
                super::lock(&self.server.core.violations).clone()
            }

            /// `http://127.0.0.1:PORT`.
            pub fn origin(&self) -> String {
                format!("http://{}", self.server.addr)
            }
        }
    };
}
pub(crate) use fake_handle;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_are_decoded() {
        let p = query_pairs("query=blue+whale&x=%2Fa%20b&empty=");
        assert_eq!(
            p,
            [
                ("query".to_owned(), "blue whale".to_owned()),
                ("x".to_owned(), "/a b".to_owned()),
                ("empty".to_owned(), String::new())
            ]
        );
    }
}
