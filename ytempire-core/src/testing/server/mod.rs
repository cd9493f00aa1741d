//! The loopback fake-server core every vendor fake is built on (feature `testing`).
//!
//! A [`FakeServer`] listens on `127.0.0.1:0` and hands each request to a [`FakeVendor`], which
//! supplies only what is the vendor's own: its routes ([`FakeVendor::route`]), its error and
//! 429 shapes, its auth check and its answers. The server supplies the rest, once for every
//! vendor:
//!
//! - one fault vocabulary ([`Fault`]): a queue of faults for the next requests they apply to,
//!   plus an optional fault for every request. The server itself answers 429 (with and without
//!   `Retry-After`) and 5xx in the vendor's shape, waits before answering ([`Fault::Hang`], for
//!   client timeouts), resets the connection mid-body ([`Fault::DropConnection`]), stops short of
//!   the promised `Content-Length` ([`Fault::TruncatedBody`]), cuts a 2xx body in half
//!   ([`Fault::MalformedBody`]) and trickles a body out slowly ([`Fault::SlowBody`]). Faults
//!   that only a vendor can shape (quota, moderation, image spoiling) reach
//!   [`FakeVendor::answer`];
//! - every request [`Recorded`] as it arrives, and the protocol mistakes the vendor found in them
//!   ([`FakeState::violate`], read back with [`FakeServer::violations`]);
//! - an optional required key ([`FakeServer::require_key`]) passed to the vendor's auth check.
//!
//! ```
//! use async_trait::async_trait;
//! use axum::response::Response;
//! use ytempire_core::testing::server::{
//!     Call, FakeServer, FakeVendor, Fault, Incoming, Route, respond_json,
//! };
//!
//! /// A vendor with one JSON route, `GET /v1/ping`.
//! struct Ping;
//!
//! #[async_trait]
//! impl FakeVendor for Ping {
//!     fn route(&self, req: &Incoming) -> Option<Route> {
//!         (req.uri.path() == "/v1/ping").then_some(Route::JSON_API)
//!     }
//!     fn error(&self, status: u16, code: &str, message: &str) -> Response {
//!         respond_json(status, &serde_json::json!({"error": {"code": code, "message": message}}), &[])
//!     }
//!     async fn answer(&self, _: Call<'_>) -> Response {
//!         respond_json(200, &serde_json::json!({"pong": true}), &[])
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ytempire_core::Result<()> {
//! let fake = FakeServer::start(Ping).await?;
//! fake.push_fault(Fault::RateLimited { retry_after_secs: Some(2) });
//! assert!(fake.url("/v1/ping").starts_with("http://127.0.0.1:"));
//! assert!(fake.requests().is_empty());
//! # Ok(())
//! # }
//! ```

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;

use crate::{Error, Result};

/// A fault the next request it applies to (or every request) meets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// 429 in the vendor's shape ([`FakeVendor::rate_limited`]), with `Retry-After` when `Some`.
    RateLimited {
        /// Seconds in `Retry-After` (`None`: no header).
        retry_after_secs: Option<u64>,
    },
    /// This 5xx status with the vendor's error body.
    ServerError(u16),
    /// 401 as the vendor sends it for a bad key (API routes; shaped by the vendor).
    Unauthorized,
    /// Out of credit or quota, in the vendor's shape (API routes; vendors without one ignore
    /// it).
    QuotaExhausted,
    /// Refused by moderation, in the vendor's shape (API routes; vendors without one ignore
    /// it).
    ContentModeration,
    /// A 2xx media answer the vendor marks as filtered (API media routes).
    ContentFiltered,
    /// Headers and half the body sent, then the connection is reset.
    DropConnection,
    /// Wait this long before answering (a client's timeout fires first).
    Hang(Duration),
    /// Headers at once, then the body in small pieces spread over this long.
    SlowBody(Duration),
    /// A `Content-Length` promising more body than is sent.
    TruncatedBody,
    /// A 2xx answer whose body is cut off mid-way (complete HTTP body, broken content; JSON
    /// routes).
    MalformedBody,
    /// 200 with an HTML error page where the picture should be (media routes).
    HtmlImage,
    /// 200 with a zero-byte picture (media routes).
    EmptyImage,
    /// 200 with a picture cut in half (complete HTTP body, corrupt picture; media routes).
    CorruptImage,
}

impl Fault {
    /// Whether this fault applies to a request on `route`.
    pub fn applies(&self, route: Route) -> bool {
        match self {
            Self::RateLimited { .. }
            | Self::ServerError(_)
            | Self::DropConnection
            | Self::Hang(_)
            | Self::SlowBody(_)
            | Self::TruncatedBody => true,
            Self::Unauthorized | Self::QuotaExhausted | Self::ContentModeration => route.api,
            Self::ContentFiltered => route.api && route.media,
            Self::MalformedBody => route.json,
            Self::HtmlImage | Self::EmptyImage | Self::CorruptImage => route.media,
        }
    }
}

/// What kind of answer a route gives, deciding which faults apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// Authenticated vendor API (auth, quota and moderation faults apply).
    pub api: bool,
    /// Answers JSON on success ([`Fault::MalformedBody`] applies).
    pub json: bool,
    /// Carries media bytes (the picture faults apply).
    pub media: bool,
}

impl Route {
    /// An authenticated route answering JSON.
    pub const JSON_API: Self = Self {
        api: true,
        json: true,
        media: false,
    };
    /// An authenticated route answering media bytes.
    pub const MEDIA_API: Self = Self {
        api: true,
        json: false,
        media: true,
    };
    /// An unauthenticated download of media bytes (a CDN).
    pub const DOWNLOAD: Self = Self {
        api: false,
        json: false,
        media: true,
    };
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
    /// `multipart/form-data` text fields, in order (filled by vendors that take forms).
    pub form: Vec<(String, String)>,
}

impl Recorded {
    /// The first query value named `key`.
    pub fn query_value(&self, key: &str) -> Option<&str> {
        first(&self.query, key)
    }

    /// The first form field named `key`.
    pub fn form_value(&self, key: &str) -> Option<&str> {
        first(&self.form, key)
    }
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A request as a vendor's handlers see it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Incoming {
    /// HTTP method.
    pub method: Method,
    /// Path and query.
    pub uri: Uri,
    /// Headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl Incoming {
    /// A header's value, when present and valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The decoded query pairs.
    pub fn query(&self) -> Vec<(String, String)> {
        query_pairs(self.uri.query().unwrap_or_default())
    }

    /// The first query value named `key`.
    pub fn query_value(&self, key: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The body parsed as JSON (`Null` when empty or not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }

    /// `http://host:port` as the client addressed us (for absolute URLs in answers).
    pub fn origin(&self) -> String {
        format!("http://{}", self.header("host").unwrap_or("127.0.0.1"))
    }
}

/// Decode `a=b&c=d` (percent and `+` escapes).
pub fn query_pairs(q: &str) -> Vec<(String, String)> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    fn unescape(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match (
                bytes[i],
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (b'+', _, _) => out.push(b' '),
                (b'%', Some(h), Some(l)) => {
                    out.push(h * 16 + l);
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

/// How one vendor answers: everything a fake supplies for itself.
#[async_trait]
pub trait FakeVendor: Send + Sync + 'static {
    /// What `req` is, or `None` for an unknown route (answered 404 with [`Self::error`]).
    fn route(&self, req: &Incoming) -> Option<Route>;

    /// The vendor's error answer with this status, machine code and message.
    fn error(&self, status: u16, code: &str, message: &str) -> Response;

    /// The vendor's 429; by default its error shape with `Retry-After` when `Some`.
    fn rate_limited(&self, retry_after_secs: Option<u64>) -> Response {
        let mut resp = self.error(429, "rate_limited", "Too many requests.");
        if let Some(secs) = retry_after_secs {
            resp.headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
        }
        resp
    }

    /// The auth failure for `req` when its credentials are wrong (API routes only);
    /// `required` is the key set with [`FakeServer::require_key`]. By default any request
    /// passes.
    fn check_auth(&self, req: &Incoming, required: Option<&str>) -> Option<Response> {
        let _ = (req, required);
        None
    }

    /// Validate the request and answer it (see [`Call`]).
    async fn answer(&self, call: Call<'_>) -> Response;
}

/// One request as [`FakeVendor::answer`] sees it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Call<'a> {
    /// The request.
    pub req: &'a Incoming,
    /// What its route is.
    pub route: Route,
    /// The fault this request met, if any: the server already answered the rate-limit and
    /// server-error faults and applies the body faults to what `answer` returns; the others
    /// are the vendor's to shape.
    pub fault: Option<&'a Fault>,
    /// The fake's state: report protocol mistakes with [`FakeState::violate`].
    pub state: &'a FakeState,
    /// The request's record; vendors that take forms fill `form`.
    pub recorded: &'a mut Recorded,
}

/// What a fake's handle shares with its request handler.
#[derive(Debug, Default)]
pub struct FakeState {
    faults: Mutex<VecDeque<Fault>>,
    always: Mutex<Option<Fault>>,
    requests: Mutex<Vec<Recorded>>,
    violations: Mutex<Vec<String>>,
    api_key: Mutex<Option<String>>,
}

/// A poisoned lock's data is still the fake's state: keep serving.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl FakeState {
    fn next_fault(&self, route: Route) -> Option<Fault> {
        let mut q = lock(&self.faults);
        if let Some(i) = q.iter().position(|f| f.applies(route)) {
            return q.remove(i);
        }
        drop(q);
        lock(&self.always).clone().filter(|f| f.applies(route))
    }

    /// Record protocol violations found in a request.
    pub fn violate(&self, found: &[String]) {
        lock(&self.violations).extend(found.iter().cloned());
    }

    /// The key set with [`FakeServer::require_key`].
    pub fn api_key(&self) -> Option<String> {
        lock(&self.api_key).clone()
    }
}

/// A running loopback fake; stops when dropped.
#[derive(Debug)]
pub struct FakeServer {
    addr: SocketAddr,
    state: Arc<FakeState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeServer {
    /// Serve `vendor` on `127.0.0.1` on a free port.
    ///
    /// # Errors
    /// `Io` when no loopback port can be bound.
    pub async fn start<V: FakeVendor>(vendor: V) -> Result<Self> {
        Self::start_shared(Arc::new(vendor)).await
    }

    /// [`Self::start`] for a vendor the caller keeps a handle to (its scripted state).
    ///
    /// # Errors
    /// `Io` when no loopback port can be bound.
    pub async fn start_shared<V: FakeVendor>(vendor: Arc<V>) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| Error::io("binding the fake server", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("reading the fake server's address", e))?;
        let state = Arc::new(FakeState::default());
        let shared = (vendor, Arc::clone(&state));
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (vendor, state) = shared.clone();
                async move {
                    let req = Incoming {
                        method,
                        uri,
                        headers,
                        body,
                    };
                    handle(&*vendor, &state, req).await
                }
            },
        );
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!("fake server stopped: {e}");
            }
        });
        Ok(Self { addr, state, task })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT` followed by `suffix` (a base URL such as `/v1`).
    pub fn url(&self, suffix: &str) -> String {
        format!("http://{}{suffix}", self.addr)
    }

    /// The state shared with the handler.
    pub fn state(&self) -> &FakeState {
        &self.state
    }

    /// Accept only this key (the auth header's format is checked either way).
    pub fn require_key(&self, key: &str) {
        *lock(&self.state.api_key) = Some(key.to_owned());
    }

    /// The next request this fault applies to meets it (faults queue in order).
    pub fn push_fault(&self, fault: Fault) {
        lock(&self.state.faults).push_back(fault);
    }

    /// Every request it applies to meets `fault` (`None` heals).
    pub fn fail_always(&self, fault: Option<Fault>) {
        *lock(&self.state.always) = fault;
    }

    /// Every request received so far, in arrival order (including requests still being
    /// answered).
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.state.requests).clone()
    }

    /// Protocol violations found in requests (empty when every request was valid).
    pub fn violations(&self) -> Vec<String> {
        lock(&self.state.violations).clone()
    }
}

async fn handle<V: FakeVendor>(vendor: &V, state: &FakeState, req: Incoming) -> Response {
    let mut recorded = Recorded {
        method: req.method.to_string(),
        path: req.uri.path().to_owned(),
        query: req.query(),
        authorization: req.header("authorization").map(str::to_owned),
        content_type: req.header("content-type").map(str::to_owned),
        accept: req.header("accept").map(str::to_owned),
        json: req.json(),
        form: Vec::new(),
    };
    // Recorded on arrival (a request held by a hang or dropped by its client still counts);
    // the vendor's additions (form fields) replace it once answered.
    let slot = {
        let mut requests = lock(&state.requests);
        requests.push(recorded.clone());
        requests.len() - 1
    };
    let Some(route) = vendor.route(&req) else {
        return vendor.error(404, "not_found", "no such route");
    };
    if route.api
        && let Some(denied) = vendor.check_auth(&req, state.api_key().as_deref())
    {
        return denied;
    }
    let fault = state.next_fault(route);
    match &fault {
        Some(Fault::Hang(d)) => tokio::time::sleep(*d).await,
        Some(Fault::RateLimited { retry_after_secs }) => {
            return vendor.rate_limited(*retry_after_secs);
        }
        Some(Fault::ServerError(status)) => {
            return vendor.error(*status, "server_error", "The server had an error.");
        }
        _ => {}
    }
    let call = Call {
        req: &req,
        route,
        fault: fault.as_ref(),
        state,
        recorded: &mut recorded,
    };
    let answer = vendor.answer(call).await;
    if let Some(r) = lock(&state.requests).get_mut(slot) {
        *r = recorded;
    }
    match fault {
        Some(Fault::DropConnection) => cut(answer, Cut::Reset).await,
        Some(Fault::TruncatedBody) => cut(answer, Cut::ShortOfLength).await,
        Some(Fault::MalformedBody) if answer.status().is_success() => {
            cut(answer, Cut::Complete).await
        }
        Some(Fault::SlowBody(over)) => slow(answer, over).await,
        _ => answer,
    }
}

/// How [`cut`] ends a body after its first half.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// The connection is reset.
    Reset,
    /// The stream ends short of the promised `Content-Length`.
    ShortOfLength,
    /// The half is the whole (well-framed) body.
    Complete,
}

/// Send the first half of `answer`'s body, then end it as `how` says.
async fn cut(answer: Response, how: Cut) -> Response {
    let (mut parts, body) = answer.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let full = bytes.len();
    let half = bytes.slice(..full / 2);
    let chunks: Vec<std::io::Result<Bytes>> = match how {
        Cut::Reset => {
            parts.headers.remove("content-length");
            vec![
                Ok(half),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "fake: connection dropped",
                )),
            ]
        }
        Cut::ShortOfLength => {
            parts
                .headers
                .insert("content-length", HeaderValue::from(full as u64));
            vec![Ok(half)]
        }
        Cut::Complete => {
            parts
                .headers
                .insert("content-length", HeaderValue::from(half.len() as u64));
            vec![Ok(half)]
        }
    };
    Response::from_parts(parts, Body::from_stream(futures::stream::iter(chunks)))
}

/// Send `answer`'s body in 16 pieces spread evenly over `over`.
async fn slow(answer: Response, over: Duration) -> Response {
    const PIECES: u32 = 16;
    let (parts, body) = answer.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let step = bytes.len().div_ceil(PIECES as usize).max(1);
    let pause = over / PIECES;
    let pieces: Vec<Bytes> = (0..bytes.len())
        .step_by(step)
        .map(|at| bytes.slice(at..(at + step).min(bytes.len())))
        .collect();
    let stream = futures::stream::iter(pieces).then(move |piece| async move {
        tokio::time::sleep(pause).await;
        Ok::<_, std::io::Error>(piece)
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

use futures::StreamExt as _;

/// A response with a status, content type, body and extra headers.
pub fn respond(
    status: u16,
    content_type: &str,
    body: Vec<u8>,
    extra: &[(&str, String)],
) -> Response {
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", content_type);
    for (k, v) in extra {
        builder = builder.header(*k, v.as_str());
    }
    builder.body(Body::from(body)).unwrap_or_default()
}

/// A JSON response.
pub fn respond_json(status: u16, body: &serde_json::Value, extra: &[(&str, String)]) -> Response {
    respond(
        status,
        "application/json",
        body.to_string().into_bytes(),
        extra,
    )
}

/// The HTML page a misconfigured CDN or proxy serves with `200 OK`.
pub const HTML_PAGE: &[u8] =
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><p>cloudflare</p></body></html>\n";

/// Apply a picture fault ([`Fault::HtmlImage`], [`Fault::EmptyImage`],
/// [`Fault::CorruptImage`]) to good media bytes; other faults leave them as they are.
pub fn spoil_image(good: Vec<u8>, fault: Option<&Fault>) -> Vec<u8> {
    match fault {
        Some(Fault::HtmlImage) => HTML_PAGE.to_vec(),
        Some(Fault::EmptyImage) => Vec::new(),
        Some(Fault::CorruptImage) => good.get(..good.len() / 2).unwrap_or_default().to_vec(),
        _ => good,
    }
}

/// Stable 64-bit FNV-1a, for fakes' ids and rotations derived from request text.
pub fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(all(test, feature = "http"))]
mod tests;
