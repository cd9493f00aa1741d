//! The success check and error mapping every vendor client shares: a non-2xx answer through
//! the vendor's code-to-kind table, transport failures with one URL scrubber, request ids and
//! `Retry-After`.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

use super::body::{MAX_ERROR_BODY, excerpt, read_body};
use crate::{Error, ErrorKind, Result};

/// The headers a vendor's request id is read from, first found wins: OpenAI and most others
/// (`x-request-id`), Anthropic and ElevenLabs (`request-id`), Google (`x-goog-request-id`),
/// Google's upload servers (`x-guploader-uploadid`), Cloudflare-fronted APIs such as
/// Stability (`cf-ray`).
pub const REQUEST_ID_HEADERS: &[&str] = &[
    "x-request-id",
    "request-id",
    "x-goog-request-id",
    "x-guploader-uploadid",
    "cf-ray",
];

/// Longest vendor message kept in an error, in characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// What a vendor's error body said, as the vendor's own table reads it. The vendor fills in
/// what its body carries; [`status_error`] does the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VendorError {
    /// The vendor's error code or name (`insufficient_quota`, `RESOURCE_EXHAUSTED`, …).
    pub code: Option<String>,
    /// The human message (cut to 300 characters in the error).
    pub message: String,
    /// The request field the vendor blamed, if any.
    pub field: Option<String>,
    /// The kind the vendor's code decides (a 429 that means a spent quota, a 400 that is a
    /// policy refusal); `None` falls back to [`status_kind`](crate::wire::status_kind).
    pub kind: Option<ErrorKind>,
}

impl VendorError {
    /// A vendor error with `message` and nothing else.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..Self::default()
        }
    }

    /// A body that is not the vendor's error JSON (an HTML page from a proxy, plain text):
    /// a short single-line [`excerpt`].
    pub fn raw(body: &[u8]) -> Self {
        Self::new(excerpt(body))
    }

    /// Set the code.
    #[must_use]
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Set the blamed field.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Set the kind the vendor's code decides.
    #[must_use]
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = Some(kind);
        self
    }
}

/// The vendor's request id from the first of [`REQUEST_ID_HEADERS`] present.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|h| headers.get(*h)?.to_str().ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// How long the server asked us to wait: `retry-after-ms`, then `Retry-After` in seconds or
/// as an HTTP date relative to `now` ([`crate::wire::retry_after`]).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    crate::wire::retry_after(|name| headers.get(name).and_then(|v| v.to_str().ok()), now)
}

/// The error for a non-2xx answer: the vendor's kind, else the status's; the message
/// `"{provider} answered HTTP {status} (field `f`): {message}"`; status, vendor code,
/// request id and `retry_after` (whenever the server sent one: the retry layer only reads it
/// for errors it retries) attached.
pub fn status_error(
    provider: &str,
    status: u16,
    headers: &HeaderMap,
    vendor: VendorError,
    retry_after: Option<Duration>,
) -> Error {
    let kind = vendor
        .kind
        .unwrap_or_else(|| crate::wire::status_kind(status));
    let mut message = format!("{provider} answered HTTP {status}");
    if let Some(field) = vendor.field.as_deref().filter(|f| !f.is_empty()) {
        message.push_str(&format!(" (field `{field}`)"));
    }
    let text = vendor.message.trim();
    if !text.is_empty() {
        message.push_str(": ");
        message.extend(text.chars().take(MAX_MESSAGE_CHARS));
    }
    let mut err = Error::new(kind, message)
        .with_provider(provider)
        .with_status(status);
    if let Some(code) = vendor.code.filter(|c| !c.is_empty()) {
        err = err.with_code(code);
    }
    if let Some(id) = request_id(headers) {
        err = err.with_request_id(id);
    }
    if let Some(wait) = retry_after {
        err = err.with_retry_after(wait);
    }
    err
}

/// The one success check, at the current time: see [`check_at`].
///
/// # Errors
///
/// The mapped error for any status outside 200–299.
pub async fn check<F>(
    provider: &str,
    response: reqwest::Response,
    table: F,
) -> Result<reqwest::Response>
where
    F: FnOnce(u16, &[u8]) -> VendorError,
{
    check_at(provider, response, SystemTime::now(), table).await
}

/// The one success check: a 2xx `response` is handed back untouched; any other status reads
/// at most [`MAX_ERROR_BODY`] of the body (a body that breaks off counts as empty), lets the
/// vendor's `table` read it (status and body in, [`VendorError`] out), and returns
/// [`status_error`] with `Retry-After` measured from `now`.
///
/// # Errors
///
/// The mapped error for any status outside 200–299.
pub async fn check_at<F>(
    provider: &str,
    response: reqwest::Response,
    now: SystemTime,
    table: F,
) -> Result<reqwest::Response>
where
    F: FnOnce(u16, &[u8]) -> VendorError,
{
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(response);
    }
    let headers = response.headers().clone();
    let wait = retry_after(&headers, now);
    let body = read_body(provider, response, MAX_ERROR_BODY)
        .await
        .unwrap_or_default();
    Err(status_error(
        provider,
        status,
        &headers,
        table(status, &body),
        wait,
    ))
}

/// `url` with only scheme, host, port and path: user info, query and fragment dropped (they
/// can carry credentials: Google API keys travel in `?key=`).
///
/// ```
/// use ytempire_core::http::scrub_url;
/// let url = "https://user:pw@api.example.com:8443/v1/x?key=secret#f".parse().unwrap();
/// assert_eq!(scrub_url(&url), "https://api.example.com:8443/v1/x");
/// ```
pub fn scrub_url(url: &reqwest::Url) -> String {
    let mut short = url.clone();
    short.set_query(None);
    short.set_fragment(None);
    // Both fail only for URLs that cannot carry user info at all.
    let _ = short.set_username("");
    let _ = short.set_password(None);
    short.to_string()
}

/// A transport failure (no usable answer: refused, reset, timed out, a body that broke off)
/// as an error: [`ErrorKind::Timeout`], [`ErrorKind::Config`] for a request that could not be
/// built, else [`ErrorKind::Transport`]. The message is reqwest's with its causes, the URL
/// reduced by [`scrub_url`].
pub fn transport_error(provider: &str, err: &reqwest::Error) -> Error {
    Error::new(
        transport_kind(err),
        format!("{provider}: {}", describe(err)),
    )
    .with_provider(provider)
}

/// The kind of a transport failure: see [`transport_error`].
pub(crate) fn transport_kind(err: &reqwest::Error) -> ErrorKind {
    if err.is_timeout() {
        ErrorKind::Timeout
    } else if err.is_builder() {
        ErrorKind::Config
    } else {
        // Connect errors, resets and bodies cut short (`is_body`, `is_decode`) alike.
        ErrorKind::Transport
    }
}

/// reqwest's message and its causes, with the URL scrubbed.
pub(crate) fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    if let Some(url) = err.url() {
        text = text.replace(url.as_str(), &scrub_url(url));
    }
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        let part = inner.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn status_error_uses_the_vendor_kind_then_the_status() {
        let mut h = HeaderMap::new();
        h.insert("request-id", HeaderValue::from_static("req_2"));
        h.insert("cf-ray", HeaderValue::from_static("ray"));
        let e = status_error(
            "p",
            429,
            &h,
            VendorError::new("pay up")
                .with_code("insufficient_quota")
                .with_kind(ErrorKind::QuotaExhausted),
            None,
        );
        assert_eq!(e.kind(), ErrorKind::QuotaExhausted);
        assert_eq!(e.code(), Some("insufficient_quota"));
        assert_eq!(e.request_id(), Some("req_2"));
        assert_eq!(e.status(), Some(429));
        assert_eq!(e.message(), "p answered HTTP 429: pay up");
        let e = status_error(
            "p",
            422,
            &HeaderMap::new(),
            VendorError::new("bad").with_field("text"),
            None,
        );
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert_eq!(e.message(), "p answered HTTP 422 (field `text`): bad");
        assert_eq!(e.request_id(), None);
    }

    #[test]
    fn retry_after_is_attached_whenever_the_server_sent_it() {
        let wait = Some(Duration::from_secs(4));
        for status in [429, 503, 400, 403] {
            let e = status_error("p", status, &HeaderMap::new(), VendorError::default(), wait);
            assert_eq!(e.retry_after(), wait, "{status}");
        }
        let e = status_error("p", 429, &HeaderMap::new(), VendorError::default(), None);
        assert_eq!(e.retry_after(), None);
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(
            retry_after(&h, SystemTime::now()),
            Some(Duration::from_secs(7))
        );
        h.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(
            retry_after(&h, SystemTime::now()),
            Some(Duration::from_millis(1500))
        );
    }

    #[test]
    fn request_ids_come_from_one_list_in_order() {
        let mut h = HeaderMap::new();
        assert_eq!(request_id(&h), None);
        h.insert("cf-ray", HeaderValue::from_static("ray-1"));
        assert_eq!(request_id(&h).as_deref(), Some("ray-1"));
        h.insert("x-goog-request-id", HeaderValue::from_static("g-1"));
        assert_eq!(request_id(&h).as_deref(), Some("g-1"));
        h.insert("x-request-id", HeaderValue::from_static("req_1"));
        assert_eq!(request_id(&h).as_deref(), Some("req_1"));
    }

    #[test]
    fn long_messages_are_cut_and_raw_bodies_folded() {
        let v = VendorError::raw(b"  <html>\n  <body>bad   gateway</body>\n</html> ");
        assert_eq!(v.message, "<html> <body>bad gateway</body> </html>");
        let e = status_error(
            "p",
            500,
            &HeaderMap::new(),
            VendorError::new("x".repeat(1000)),
            None,
        );
        assert_eq!(e.message().len(), "p answered HTTP 500: ".len() + 300);
    }

    #[test]
    fn urls_lose_user_info_query_and_fragment() {
        for (url, want) in [
            (
                "http://127.0.0.1:9/v1/a?key=AIza-1",
                "http://127.0.0.1:9/v1/a",
            ),
            ("https://u:p@h.example/p#frag", "https://h.example/p"),
            ("https://h.example", "https://h.example/"),
        ] {
            let parsed: reqwest::Url = url.parse().unwrap();
            assert_eq!(scrub_url(&parsed), want);
        }
    }

    #[tokio::test]
    async fn transport_errors_never_show_the_query_or_user_info() {
        // Nothing listens on port 9 of loopback (discard): the connect fails at once.
        let client = super::super::client(Duration::from_secs(5)).unwrap();
        let err = client
            .get("http://user:hunter2@127.0.0.1:9/v1/x?key=AIza-secret")
            .send()
            .await
            .unwrap_err();
        let e = transport_error("p", &err);
        assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
        assert_eq!(e.provider(), Some("p"));
        let text = format!("{e} {e:?}");
        for secret in ["AIza-secret", "hunter2", "user:"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("127.0.0.1:9/v1/x"), "{text}");
    }
}
