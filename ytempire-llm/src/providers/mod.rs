//! HTTP providers and what they share: error mapping from status, headers and body.

#[cfg(feature = "anthropic")]
pub(crate) mod anthropic;
#[cfg(feature = "openai")]
pub(crate) mod openai;

use std::time::Duration;

use reqwest::header::HeaderMap;
use ytempire_core::{Error, ErrorKind};

/// How long the vendor asked us to wait: `retry-after-ms`, then `retry-after` in seconds or
/// as an HTTP date ([`ytempire_core::wire::retry_after`]).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    ytempire_core::wire::retry_after(
        |name| headers.get(name).and_then(|v| v.to_str().ok()),
        std::time::SystemTime::now(),
    )
}

/// The vendor's request id, from the header each vendor uses.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    ["x-request-id", "request-id"]
        .iter()
        .find_map(|h| headers.get(*h)?.to_str().ok().map(str::to_owned))
}

/// Map a transport failure of reqwest.
pub(crate) fn transport_error(provider: &str, err: &reqwest::Error) -> Error {
    let kind = if err.is_timeout() {
        ErrorKind::Timeout
    } else if err.is_decode() {
        ErrorKind::InvalidResponse
    } else if err.is_builder() {
        ErrorKind::Config
    } else {
        ErrorKind::Transport
    };
    // reqwest's Display carries the URL but never headers, so no key can leak here.
    Error::new(kind, format!("{provider}: request failed: {err}")).with_provider(provider)
}

/// The parts of an error body both vendors share.
#[derive(Debug, Default)]
pub(crate) struct VendorError {
    pub(crate) message: String,
    pub(crate) kind: Option<String>,
    pub(crate) code: Option<String>,
}

/// Map an HTTP error reply to a core error.
pub(crate) fn status_error(
    provider: &str,
    status: u16,
    headers: &HeaderMap,
    body: VendorError,
) -> Error {
    let code = body.code.clone().or(body.kind.clone()).unwrap_or_default();
    let text = format!("{} {}", code, body.message).to_lowercase();
    let quota = text.contains("insufficient_quota")
        || text.contains("exceeded your current quota")
        || text.contains("credit balance is too low")
        || text.contains("billing");
    let context = text.contains("context_length_exceeded")
        || text.contains("prompt is too long")
        || text.contains("maximum context length")
        || text.contains("request_too_large");
    let policy = text.contains("content_policy")
        || text.contains("content_filter")
        || text.contains("safety");
    let kind = match status {
        429 if quota => ErrorKind::QuotaExhausted,
        400 | 413 | 422 if context => ErrorKind::ContextLengthExceeded,
        400 | 422 if policy => ErrorKind::ContentPolicy,
        400 if quota => ErrorKind::QuotaExhausted,
        other => ytempire_core::wire::status_kind(other),
    };
    let message = if body.message.is_empty() {
        format!("{provider} answered HTTP {status}")
    } else {
        format!("{provider} answered HTTP {status}: {}", body.message)
    };
    let mut err = Error::new(kind, message)
        .with_provider(provider)
        .with_status(status);
    if !code.is_empty() {
        err = err.with_code(code);
    }
    if let Some(id) = request_id(headers) {
        err = err.with_request_id(id);
    }
    if (kind == ErrorKind::RateLimited || kind == ErrorKind::Upstream)
        && let Some(wait) = retry_after(headers)
    {
        err = err.with_retry_after(wait);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn body(code: &str, message: &str) -> VendorError {
        VendorError {
            message: message.into(),
            kind: None,
            code: Some(code.into()),
        }
    }

    #[test]
    fn maps_statuses_and_codes() {
        let mut h = HeaderMap::new();
        h.insert("retry-after-ms", HeaderValue::from_static("1500"));
        h.insert("retry-after", HeaderValue::from_static("7"));
        h.insert("x-request-id", HeaderValue::from_static("req_1"));
        let e = status_error("openai", 429, &h, body("rate_limit_exceeded", "slow"));
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_millis(1500)));
        let e = status_error("openai", 429, &h, body("insufficient_quota", "pay"));
        assert_eq!(e.kind(), ErrorKind::QuotaExhausted);
        assert!(!e.is_retryable() && e.should_fallback());
        let e = status_error("openai", 400, &h, body("context_length_exceeded", "big"));
        assert_eq!(e.kind(), ErrorKind::ContextLengthExceeded);
        let e = status_error("openai", 400, &h, body("content_policy_violation", "no"));
        assert_eq!(e.kind(), ErrorKind::ContentPolicy);
        assert_eq!(
            status_error("x", 401, &h, VendorError::default()).kind(),
            ErrorKind::Unauthenticated
        );
        assert_eq!(
            status_error("x", 403, &h, VendorError::default()).kind(),
            ErrorKind::PermissionDenied
        );
        assert_eq!(
            status_error("x", 503, &h, VendorError::default()).kind(),
            ErrorKind::Upstream
        );
        assert_eq!(
            status_error("x", 529, &h, VendorError::default()).kind(),
            ErrorKind::Upstream
        );
        assert_eq!(
            status_error("x", 400, &h, VendorError::default()).kind(),
            ErrorKind::InvalidRequest
        );
        let mut only_secs = HeaderMap::new();
        only_secs.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&only_secs), Some(Duration::from_secs(3)));
    }
}
