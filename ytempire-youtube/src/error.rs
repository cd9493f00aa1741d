//! YouTube's vendor table for core's one HTTP error path (`ytempire_core::http`): Google's
//! error envelope (`{"error":{"code","message","errors":[{reason,domain}],"status"}}`) read
//! into a [`VendorError`]; status, kind, request id, `Retry-After` and URL scrubbing are
//! core's, as for every vendor.

use std::time::SystemTime;

use reqwest::header::HeaderMap;
use serde::Deserialize;
use ytempire_core::http::VendorError;
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

/// Google's error envelope read by the vendor table: the first `errors[].reason` (else the
/// envelope's `status`) is the code; YouTube's own reasons decide the kind where the status
/// alone would mislead (a 403 that means a spent quota, a 400 that means the upload cap).
pub(crate) fn vendor_error(_status: u16, body: &[u8]) -> VendorError {
    let Ok(envelope) = serde_json::from_slice::<Envelope>(body) else {
        return VendorError::raw(body);
    };
    let error = envelope.error;
    let reason = error
        .errors
        .iter()
        .find_map(|i| i.reason.clone())
        .or(error.status);
    let mut message = error.message;
    if message.is_empty() {
        message = ytempire_core::http::excerpt(body);
    }
    let kind = match reason.as_deref() {
        Some(REASON_QUOTA_EXCEEDED) => {
            message.push_str(
                " (the Cloud project's daily quota is spent; it resets at midnight Pacific time)",
            );
            Some(ErrorKind::QuotaExhausted)
        }
        Some(REASON_UPLOAD_LIMIT_EXCEEDED) => {
            message.push_str(
                " (the channel's 24-hour upload limit; try another channel or wait a day)",
            );
            Some(ErrorKind::QuotaExhausted)
        }
        Some(REASON_RATE_LIMIT_EXCEEDED | REASON_USER_RATE_LIMIT_EXCEEDED) => {
            Some(ErrorKind::RateLimited)
        }
        _ => None,
    };
    let mut vendor = VendorError::new(message);
    vendor.kind = kind;
    if let Some(r) = reason {
        vendor = vendor.with_code(r);
    }
    vendor
}

/// Map a non-success reply to an [`Error`] through core's one status check
/// ([`ytempire_core::http::status_error`]): YouTube's reasons first, core's status table
/// otherwise; request id and `Retry-After` read the shared way.
pub(crate) fn from_response(status: u16, headers: &HeaderMap, body: &str) -> Error {
    ytempire_core::http::status_error(
        PROVIDER,
        status,
        headers,
        vendor_error(status, body.as_bytes()),
        ytempire_core::http::retry_after(headers, SystemTime::now()),
    )
}

/// A transport failure (connection refused, reset, dropped mid-body, timeout) through core's
/// [`ytempire_core::http::transport_error`] (one URL scrubber: no query, no user info), with
/// what we were doing in front.
pub(crate) fn transport(context: &str, err: &reqwest::Error) -> Error {
    let base = ytempire_core::http::transport_error(PROVIDER, err);
    let detail = base
        .message()
        .strip_prefix(PROVIDER)
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(base.message())
        .to_owned();
    Error::new(base.kind(), format!("{context}: {detail}")).with_provider(PROVIDER)
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
        assert_eq!(s.message(), "youtube answered HTTP 503: oops");
    }

    #[test]
    fn statuses_follow_cores_table() {
        let h = HeaderMap::new();
        // A conflict is the server's state, not a broken request: core says Upstream.
        let conflict = from_response(409, &h, &body(409, "conflict"));
        assert_eq!(conflict.kind(), ErrorKind::Upstream);
        assert_eq!(conflict.status(), Some(409));
        assert_eq!(conflict.code(), Some("conflict"));
        assert_eq!(
            from_response(401, &h, &body(401, "authError")).kind(),
            ErrorKind::Unauthenticated
        );
        assert_eq!(
            from_response(404, &h, &body(404, "videoNotFound")).kind(),
            ErrorKind::NotFound
        );
    }

    #[test]
    fn request_id_and_retry_after_are_read_the_shared_way() {
        let mut h = HeaderMap::new();
        h.insert("x-goog-request-id", "req-42".parse().unwrap());
        h.insert("retry-after", "7".parse().unwrap());
        let e = from_response(503, &h, &body(503, "backendError"));
        assert_eq!(e.request_id(), Some("req-42"));
        assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(7)));
        assert_eq!(e.code(), Some("backendError"));
    }

    #[test]
    fn quota_reasons_explain_what_to_do() {
        let h = HeaderMap::new();
        let q = from_response(403, &h, &body(403, "quotaExceeded"));
        assert!(
            q.message().contains("resets at midnight Pacific time"),
            "{q}"
        );
        let html = from_response(502, &h, "<html><body>Bad gateway</body></html>");
        assert_eq!(html.kind(), ErrorKind::Upstream);
        assert!(!html.message().contains('\n'));
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("ééé", 3), "é…");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
