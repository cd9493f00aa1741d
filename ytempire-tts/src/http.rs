//! Shared HTTP machinery for the vendor clients: one reqwest client per provider, transport
//! error mapping, and the one place HTTP statuses become core error kinds.
//!
//! Clients never retry on their own: retries belong to core's `Retry` layer.

use std::time::Duration;

use reqwest::header::HeaderMap;
use ytempire_core::{Error, ErrorKind, Result};

/// Default per-request timeout of the vendor clients.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// A reqwest client with the given timeout (rustls).
pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| Error::config(format!("building HTTP client: {e}")))
}

/// Map a transport failure (no usable response) to a core error.
pub(crate) fn transport(provider: &str, e: &reqwest::Error) -> Error {
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_decode() {
        ErrorKind::InvalidResponse
    } else {
        ErrorKind::Transport
    };
    // reqwest's Display may include the URL; strip query strings (Google API keys live there).
    let msg = e.without_url().to_string();
    Error::new(kind, format!("{provider}: {msg}")).with_provider(provider)
}

trait WithoutUrl {
    fn without_url(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url(&self) -> String {
        let mut s = self.to_string();
        if let Some(url) = self.url() {
            s = s.replace(url.as_str(), &redact_url(url));
        }
        let mut source = std::error::Error::source(self);
        while let Some(inner) = source {
            s.push_str(&format!(": {inner}"));
            source = inner.source();
        }
        s
    }
}

/// A URL with its query string replaced by `REDACTED`.
pub(crate) fn redact_url(url: &reqwest::Url) -> String {
    let mut u = url.clone();
    if u.query().is_some() {
        u.set_query(Some("REDACTED"));
    }
    u.to_string()
}

/// How long the vendor asked us to wait: `retry-after-ms`, then `Retry-After` in seconds or
/// as an HTTP date ([`ytempire_core::wire::retry_after`]).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    ytempire_core::wire::retry_after(
        |name| headers.get(name).and_then(|v| v.to_str().ok()),
        std::time::SystemTime::now(),
    )
}

/// What a vendor's error body said, parsed by the provider.
#[derive(Debug, Default)]
pub(crate) struct VendorError {
    /// Vendor error code (`quota_exceeded`, `RESOURCE_EXHAUSTED`, `insufficient_quota`…).
    pub(crate) code: Option<String>,
    /// Human message.
    pub(crate) message: String,
    /// The field the vendor blamed, if any.
    pub(crate) field: Option<String>,
}

/// The one status → kind mapping. `quota` says whether the vendor code means a spent quota.
pub(crate) fn status_error(
    provider: &str,
    status: u16,
    headers: &HeaderMap,
    vendor: VendorError,
    quota: bool,
    request_id_header: &str,
) -> Error {
    let kind = if quota {
        ErrorKind::QuotaExhausted
    } else {
        ytempire_core::wire::status_kind(status)
    };
    let mut message = format!("{provider} returned HTTP {status}");
    if let Some(field) = &vendor.field {
        message.push_str(&format!(" (field `{field}`)"));
    }
    if !vendor.message.is_empty() {
        let short: String = vendor.message.chars().take(300).collect();
        message.push_str(&format!(": {short}"));
    }
    let mut err = Error::new(kind, message)
        .with_provider(provider)
        .with_status(status);
    if let Some(code) = vendor.code {
        err = err.with_code(code);
    }
    if let Some(id) = headers.get(request_id_header).and_then(|v| v.to_str().ok()) {
        err = err.with_request_id(id);
    }
    if let Some(wait) = retry_after(headers) {
        err = err.with_retry_after(wait);
    }
    err
}

/// Read a successful response's body, mapping a body failure (dropped connection, timeout).
pub(crate) async fn body(provider: &str, response: reqwest::Response) -> Result<Vec<u8>> {
    response
        .bytes()
        .await
        .map(|b| b.to_vec())
        .map_err(|e| transport(provider, &e))
}

/// Parse JSON from a body, mapping failures to `InvalidResponse` (truncated or malformed).
pub(crate) fn json<T: serde::de::DeserializeOwned>(provider: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        Error::new(
            ErrorKind::InvalidResponse,
            format!("{provider}: malformed or truncated JSON response: {e}"),
        )
        .with_provider(provider)
    })
}

/// Check a text against an input limit before spending money.
pub(crate) fn check_limit(
    provider: &str,
    text: &str,
    max: usize,
    unit: ytempire_core::InputUnit,
) -> Result<()> {
    let n = unit.measure(text);
    if n > max {
        let unit_name = match unit {
            ytempire_core::InputUnit::Bytes => "bytes",
            _ => "characters",
        };
        return Err(Error::invalid_request(format!(
            "{provider}: input is {n} {unit_name}, over the limit of {max} {unit_name}; split it (ytempire_tts::Chunked)"
        ))
        .with_provider(provider));
    }
    Ok(())
}
