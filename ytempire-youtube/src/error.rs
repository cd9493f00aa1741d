//! Google's error envelope (`{"error":{"code","message","errors":[{reason,domain}],"status"}}`)
//! mapped onto core's [`Error`], keeping status, reason and request id, never a secret.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::Deserialize;
use ytempire_core::{Error, ErrorKind};

/// The provider id used in errors and [`ytempire_core::ProviderInfo`].
pub(crate) const PROVIDER: &str = "youtube";

/// `quotaExceeded`: the project's daily quota is spent.
pub const REASON_QUOTA_EXCEEDED: &str = "quotaExceeded";
/// `uploadLimitExceeded`: the channel's 24-hour upload cap (HTTP 400).
pub const REASON_UPLOAD_LIMIT_EXCEEDED: &str = "uploadLimitExceeded";
/// `rateLimitExceeded`: slow down (HTTP 403, retryable).
pub const REASON_RATE_LIMIT_EXCEEDED: &str = "rateLimitExceeded";
/// `userRateLimitExceeded`: slow down (HTTP 403, retryable).
pub const REASON_USER_RATE_LIMIT_EXCEEDED: &str = "userRateLimitExceeded";

#[derive(Debug, Deserialize)]
struct Envelope {
    error: Body,
}

#[derive(Debug, Deserialize)]
struct Body {
    #[serde(default)]
    message: String,
    #[serde(default)]
    errors: Vec<Item>,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Item {
    #[serde(default)]
    reason: Option<String>,
}

/// Map a non-success reply to an [`Error`].
pub(crate) fn from_response(status: u16, headers: &HeaderMap, body: &str) -> Error {
    let parsed = serde_json::from_str::<Envelope>(body).ok();
    let reason = parsed
        .as_ref()
        .and_then(|e| e.error.errors.iter().find_map(|i| i.reason.clone()))
        .or_else(|| parsed.as_ref().and_then(|e| e.error.status.clone()));
    let message = parsed
        .as_ref()
        .map(|e| e.error.message.clone())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| truncate(body, 300));
    let kind = match (status, reason.as_deref()) {
        (_, Some(REASON_QUOTA_EXCEEDED)) => ErrorKind::QuotaExhausted,
        (_, Some(REASON_UPLOAD_LIMIT_EXCEEDED)) => ErrorKind::QuotaExhausted,
        (_, Some(REASON_RATE_LIMIT_EXCEEDED | REASON_USER_RATE_LIMIT_EXCEEDED)) => {
            ErrorKind::RateLimited
        }
        (429, _) => ErrorKind::RateLimited,
        (401, _) => ErrorKind::Unauthenticated,
        (403, _) => ErrorKind::PermissionDenied,
        (404 | 410, _) => ErrorKind::NotFound,
        (408, _) => ErrorKind::Timeout,
        (400 | 409 | 411 | 413 | 422, _) => ErrorKind::InvalidRequest,
        (s, _) if s >= 500 => ErrorKind::Upstream,
        _ => ErrorKind::InvalidRequest,
    };
    let message = match reason.as_deref() {
        Some(REASON_UPLOAD_LIMIT_EXCEEDED) => {
            format!(
                "{message} (the channel's 24-hour upload limit; try another channel or wait a day)"
            )
        }
        Some(REASON_QUOTA_EXCEEDED) => {
            format!(
                "{message} (the Cloud project's daily quota is spent; it resets at midnight Pacific time)"
            )
        }
        _ => message,
    };
    let mut err = Error::new(kind, message)
        .with_provider(PROVIDER)
        .with_status(status);
    if let Some(r) = reason {
        err = err.with_code(r);
    }
    if let Some(id) = headers
        .get("x-request-id")
        .or_else(|| headers.get("x-guploader-uploadid"))
        .and_then(|v| v.to_str().ok())
    {
        err = err.with_request_id(id);
    }
    if let Some(wait) = retry_after(headers) {
        err = err.with_retry_after(wait);
    }
    err
}

/// How long YouTube asked us to wait (`Retry-After` in seconds or as an HTTP date).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    ytempire_core::wire::retry_after(
        |name| headers.get(name).and_then(|v| v.to_str().ok()),
        std::time::SystemTime::now(),
    )
}

/// A transport failure (connection refused, reset, dropped mid-body, timeout).
pub(crate) fn transport(context: &str, err: &reqwest::Error) -> Error {
    let kind = if err.is_timeout() {
        ErrorKind::Timeout
    } else {
        ErrorKind::Transport
    };
    // reqwest's Display names the URL; strip the query so nothing sensitive leaks.
    let cleaned = err.without_url_ref();
    Error::new(kind, format!("{context}: {cleaned}")).with_provider(PROVIDER)
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut text = self.to_string();
        if let Some(url) = self.url() {
            text = text.replace(url.as_str(), url.path());
        }
        let mut source = std::error::Error::source(self);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        text
    }
}

/// At most `max` bytes of `s`, cut on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: u16, reason: &str) -> String {
        format!(
            r#"{{"error":{{"code":{code},"message":"m","errors":[{{"message":"m","domain":"d","reason":"{reason}"}}]}}}}"#
        )
    }

    #[test]
    fn reasons_map_to_kinds() {
        let h = HeaderMap::new();
        let q = from_response(403, &h, &body(403, "quotaExceeded"));
        assert_eq!(q.kind(), ErrorKind::QuotaExhausted);
        assert_eq!(q.code(), Some("quotaExceeded"));
        assert!(!q.is_retryable());
        let u = from_response(400, &h, &body(400, "uploadLimitExceeded"));
        assert_eq!(u.kind(), ErrorKind::QuotaExhausted);
        assert!(!u.is_retryable());
        let r = from_response(403, &h, &body(403, "rateLimitExceeded"));
        assert!(r.is_retryable());
        let f = from_response(403, &h, &body(403, "forbidden"));
        assert_eq!(f.kind(), ErrorKind::PermissionDenied);
        let s = from_response(503, &h, "oops");
        assert_eq!(s.kind(), ErrorKind::Upstream);
        assert_eq!(s.message(), "oops");
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("ééé", 3), "é…");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
