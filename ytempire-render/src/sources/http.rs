//! HTTP machinery the vendor sources share: the reqwest client, API keys from the
//! environment, transport-error mapping, the one place HTTP statuses become core
//! [`ErrorKind`]s, `Retry-After` parsing and size-limited body reads.
//!
//! The sources never retry on their own: retries belong to core's `Retry` layer, which reads
//! [`Error::retry_after`]. Messages are built from statuses and response bodies only, never
//! from request headers, so API keys cannot leak into errors.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use secrecy::SecretString;
use ytempire_core::{Error, ErrorKind, Result};

/// Default per-request timeout of the vendor sources (generation can take a while).
#[cfg(feature = "stability")]
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Largest image or clip body accepted (larger answers are refused, not buffered).
pub(crate) const MAX_BODY: usize = 256 << 20;

/// A reqwest client with the given total timeout (rustls).
pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(10).min(timeout))
        .build()
        .map_err(|e| Error::config(format!("building the HTTP client: {e}")))
}

/// A required API key from `var` (empty counts as missing). The value never appears in
/// the error.
pub(crate) fn env_key(var: &str) -> Result<SecretString> {
    std::env::var(var)
        .ok()
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
        .map(SecretString::from)
        .ok_or_else(|| Error::config(format!("{var} is not set")))
}

/// Refuse a base URL that is not http(s).
pub(crate) fn check_base_url(provider: &str, base: &str) -> Result<()> {
    match reqwest::Url::parse(base) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        _ => Err(
            Error::config(format!("{provider}: base URL must be an http(s) URL"))
                .with_provider(provider),
        ),
    }
}

/// Map a transport failure (no usable response, or a body that broke off).
pub(crate) fn transport(provider: &str, e: &reqwest::Error) -> Error {
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_builder() {
        ErrorKind::Config
    } else {
        // Connect errors, resets and bodies cut short (`is_body`, `is_decode`) alike.
        ErrorKind::Transport
    };
    Error::new(kind, format!("{provider}: {}", describe(e))).with_provider(provider)
}

/// reqwest's message and its causes, with the URL reduced to scheme, host and path (query
/// strings and user info can carry credentials).
fn describe(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        let mut short = url.clone();
        short.set_query(None);
        let _ = short.set_username("");
        let _ = short.set_password(None);
        s = s.replace(url.as_str(), short.as_str());
    }
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        s.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    s
}

/// How long the server asked us to wait: `retry-after-ms`, then `Retry-After` in seconds or
/// as an HTTP date relative to `now` ([`ytempire_core::wire::retry_after`]).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    ytempire_core::wire::retry_after(|name| headers.get(name).and_then(|v| v.to_str().ok()), now)
}

/// What a vendor's error body said.
#[derive(Debug, Default)]
pub(crate) struct VendorError {
    /// The vendor's error code or name (`content_moderation`, `insufficient_quota`, …).
    pub(crate) code: Option<String>,
    /// Human message.
    pub(crate) message: String,
    /// A kind the vendor's code decides, overriding the status mapping.
    pub(crate) kind: Option<ErrorKind>,
}

impl VendorError {
    /// A body that was not the vendor's error JSON: keep a short, single-line excerpt.
    pub(crate) fn raw(body: &[u8]) -> Self {
        let text: String = String::from_utf8_lossy(body)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(200)
            .collect();
        Self {
            message: text,
            ..Self::default()
        }
    }
}

/// The status → kind mapping shared by every vendor source.
pub(crate) use ytempire_core::wire::status_kind;

/// Build the error for a non-2xx answer. `retry_after` is attached to rate-limit and
/// upstream errors only.
pub(crate) fn status_error(
    provider: &str,
    status: u16,
    headers: &HeaderMap,
    vendor: VendorError,
    retry_after: Option<Duration>,
) -> Error {
    let kind = vendor.kind.unwrap_or_else(|| status_kind(status));
    let mut message = format!("{provider} answered HTTP {status}");
    if !vendor.message.is_empty() {
        let short: String = vendor.message.chars().take(300).collect();
        message.push_str(": ");
        message.push_str(&short);
    }
    let mut err = Error::new(kind, message)
        .with_provider(provider)
        .with_status(status);
    if let Some(code) = vendor.code.filter(|c| !c.is_empty()) {
        err = err.with_code(code);
    }
    if let Some(id) = ["x-request-id", "request-id", "cf-ray"]
        .iter()
        .find_map(|h| headers.get(*h)?.to_str().ok())
    {
        err = err.with_request_id(id);
    }
    if matches!(kind, ErrorKind::RateLimited | ErrorKind::Upstream)
        && let Some(wait) = retry_after
    {
        err = err.with_retry_after(wait);
    }
    err
}

/// Read a body of at most `max` bytes, mapping a body that breaks off (dropped connection,
/// fewer bytes than `Content-Length` promised, timeout) to a transport error.
pub(crate) async fn read_body(
    provider: &str,
    mut response: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>> {
    let too_big = || {
        Error::new(
            ErrorKind::InvalidResponse,
            format!("{provider}: response body is larger than {max} bytes"),
        )
        .with_provider(provider)
    };
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(too_big());
    }
    let mut out = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport(provider, &e))?
    {
        if out.len() + chunk.len() > max {
            return Err(too_big());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Parse JSON, mapping failure (truncated or malformed) to `InvalidResponse`.
pub(crate) fn json<T: serde::de::DeserializeOwned>(provider: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        Error::new(
            ErrorKind::InvalidResponse,
            format!("{provider}: malformed or truncated JSON answer: {e}"),
        )
        .with_provider(provider)
    })
}

/// Download `url` without credentials (CDN links never need the API key, and sending it to
/// another host would leak it) and return the body and its content type.
#[cfg(any(feature = "pexels", feature = "openai-images"))]
pub(crate) async fn download(
    http: &reqwest::Client,
    provider: &str,
    url: &str,
    now: SystemTime,
) -> Result<(Vec<u8>, Option<String>)> {
    let resp = http
        .get(url)
        .send()
        .await
        .map_err(|e| transport(provider, &e))?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    if !(200..300).contains(&status) {
        let body = read_body(provider, resp, 64 << 10)
            .await
            .unwrap_or_default();
        let wait = retry_after(&headers, now);
        return Err(status_error(
            provider,
            status,
            &headers,
            VendorError::raw(&body),
            wait,
        ));
    }
    let ctype = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok((read_body(provider, resp, MAX_BODY).await?, ctype))
}

/// First 16 hex digits of the SHA-256 of `bytes` (content-addressed ids).
#[cfg(any(feature = "stability", feature = "openai-images"))]
pub(crate) fn short_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_ms_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        h.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(1500)));
        let mut d = HeaderMap::new();
        // 2001-09-09T01:46:40Z is 1_000_000_000; ten seconds later:
        d.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 09 Sep 2001 01:46:50 GMT"),
        );
        assert_eq!(retry_after(&d, now), Some(Duration::from_secs(10)));
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn status_error_carries_the_wait_and_a_short_message() {
        let e = status_error(
            "p",
            429,
            &HeaderMap::new(),
            VendorError::raw(b"  slow\n down "),
            Some(Duration::from_secs(3)),
        );
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert!(e.message().ends_with("slow down"), "{e}");
    }
}
