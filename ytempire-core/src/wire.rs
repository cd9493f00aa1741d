//! HTTP facts every vendor client shares, without naming an HTTP client: how long a
//! `Retry-After` (or `retry-after-ms`) header asks a caller to wait, and which [`ErrorKind`] a
//! status code means before a vendor's error body refines it.
//!
//! The provider crates (`ytempire-llm`, `ytempire-tts`, `ytempire-render`'s image sources,
//! `ytempire-youtube`) and the webhook dispatcher all read headers through these, so a vendor
//! answering `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT` is honoured the same everywhere.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

use crate::ErrorKind;

/// Parse a `Retry-After` value: delay seconds (`"120"`, or `"1.5"` as some vendors send) or an
/// HTTP date (`"Wed, 21 Oct 2015 07:28:00 GMT"`, measured from `now`; a past date means no
/// wait). Negative, non-finite, unparseable or unrepresentably large (`1e30`) values give
/// `None`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use ytempire_core::wire::parse_retry_after;
/// let now = UNIX_EPOCH + Duration::from_secs(1_445_412_470); // 07:27:50 GMT
/// assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
/// assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(10)));
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        // `try_from`: a value too large for a `Duration` (`1e30`) is refused, not a panic.
        return (secs >= 0.0)
            .then(|| Duration::try_from_secs_f64(secs).ok())
            .flatten();
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::from(at.with_timezone(&Utc));
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// How long a response's headers ask the caller to wait: `retry-after-ms` (OpenAI's
/// millisecond form) when present and valid, else `Retry-After` as [`parse_retry_after`]
/// reads it. `header` looks a header up by its lower-case name.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use ytempire_core::wire::retry_after;
/// let headers = [("retry-after-ms", "1500"), ("retry-after", "2")];
/// let get = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
/// assert_eq!(retry_after(get, SystemTime::now()), Some(Duration::from_millis(1500)));
/// ```
pub fn retry_after<'a>(
    header: impl Fn(&str) -> Option<&'a str>,
    now: SystemTime,
) -> Option<Duration> {
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok())
        && ms >= 0.0
        && let Ok(wait) = Duration::try_from_secs_f64(ms / 1000.0)
    {
        return Some(wait);
    }
    parse_retry_after(header("retry-after")?, now)
}

/// What an HTTP status means when the body says nothing more specific. Clients check their
/// vendor's error code first (a 429 that means a spent quota, a 400 that means a policy
/// refusal) and fall back to this.
///
/// ```
/// use ytempire_core::{ErrorKind, wire::status_kind};
/// assert_eq!(status_kind(429), ErrorKind::RateLimited);
/// assert_eq!(status_kind(503), ErrorKind::Upstream);
/// assert_eq!(status_kind(418), ErrorKind::InvalidRequest);
/// ```
pub fn status_kind(status: u16) -> ErrorKind {
    match status {
        401 => ErrorKind::Unauthenticated,
        402 => ErrorKind::QuotaExhausted,
        403 => ErrorKind::PermissionDenied,
        404 | 410 => ErrorKind::NotFound,
        408 => ErrorKind::Timeout,
        429 => ErrorKind::RateLimited,
        409 | 500..=599 => ErrorKind::Upstream,
        400..=499 => ErrorKind::InvalidRequest,
        _ => ErrorKind::InvalidResponse,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn retry_after_reads_every_form_and_refuses_nonsense() {
        let now = UNIX_EPOCH + Duration::from_secs(1_445_412_470);
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("1.5", now),
            Some(Duration::from_millis(1500))
        );
        for bad in ["-1", "NaN", "inf", "", "tomorrow"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
        // A date in the past: retry now.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        let only = |name: &str| (name == "retry-after").then_some("3");
        assert_eq!(retry_after(only, now), Some(Duration::from_secs(3)));
        // A broken millisecond header falls back to the standard one.
        let both = |name: &str| match name {
            "retry-after-ms" => Some("-5"),
            "retry-after" => Some("4"),
            _ => None,
        };
        assert_eq!(retry_after(both, now), Some(Duration::from_secs(4)));
        assert_eq!(retry_after(|_| None, now), None);
    }

    /// Found by the `webhook` fuzz target (scripts/fuzz): a `Retry-After` of 10^76 seconds
    /// panicked in `Duration::from_secs_f64`, so any vendor or webhook endpoint could crash
    /// the caller with one header.
    #[test]
    fn retry_after_too_large_for_a_duration_is_refused_not_a_panic() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let huge = format!("1{}", "3".repeat(75));
        for bad in [huge.as_str(), "1e30", "18446744073709551616"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
        let ms = |name: &str| match name {
            "retry-after-ms" => Some("1e40"),
            "retry-after" => Some("2"),
            _ => None,
        };
        assert_eq!(retry_after(ms, now), Some(Duration::from_secs(2)));
        // Large but representable waits still parse (callers cap them).
        assert_eq!(
            parse_retry_after("1e12", now),
            Some(Duration::from_secs(1_000_000_000_000))
        );
    }

    #[test]
    fn statuses_map_to_kinds() {
        for (status, kind) in [
            (400, ErrorKind::InvalidRequest),
            (413, ErrorKind::InvalidRequest),
            (422, ErrorKind::InvalidRequest),
            (401, ErrorKind::Unauthenticated),
            (402, ErrorKind::QuotaExhausted),
            (403, ErrorKind::PermissionDenied),
            (410, ErrorKind::NotFound),
            (408, ErrorKind::Timeout),
            (409, ErrorKind::Upstream),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::Upstream),
            (599, ErrorKind::Upstream),
            (302, ErrorKind::InvalidResponse),
            (200, ErrorKind::InvalidResponse),
        ] {
            assert_eq!(status_kind(status), kind, "{status}");
        }
    }
}
