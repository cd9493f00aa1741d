//! HTTP providers, built on core's vendor HTTP core ([`ytempire_core::http`]: client,
//! success check, transport errors, request ids, `Retry-After`, bounded bodies, keys and
//! base URLs from the environment). This module holds only what the two vendors share on
//! top: their error-code table.

#[cfg(feature = "anthropic")]
pub(crate) mod anthropic;
#[cfg(feature = "openai")]
pub(crate) mod openai;

use ytempire_core::ErrorKind;
use ytempire_core::http::VendorError;

/// The code-to-kind table of OpenAI and Anthropic error bodies (`{"error":{"type","code",
/// "message"}}`): a spent quota or billing limit, a context overflow and a policy refusal
/// are told apart from the plain status by the code and the message.
pub(crate) fn vendor_error(
    status: u16,
    kind: Option<String>,
    code: Option<String>,
    message: String,
) -> VendorError {
    let code = code.or(kind).unwrap_or_default();
    let text = format!("{code} {message}").to_lowercase();
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
    let mut vendor = VendorError::new(message);
    vendor.kind = match status {
        429 if quota => Some(ErrorKind::QuotaExhausted),
        400 | 413 | 422 if context => Some(ErrorKind::ContextLengthExceeded),
        400 | 422 if policy => Some(ErrorKind::ContentPolicy),
        400 if quota => Some(ErrorKind::QuotaExhausted),
        _ => None,
    };
    vendor.code = (!code.is_empty()).then_some(code);
    vendor
}

/// [`vendor_error`] for a body that is not the vendor's error JSON: its excerpt is the
/// message (a proxy's page can still say "billing").
pub(crate) fn raw_vendor_error(status: u16, body: &[u8]) -> VendorError {
    vendor_error(status, None, None, ytempire_core::http::excerpt(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use ytempire_core::http::status_error;

    fn map(status: u16, code: &str, message: &str) -> ErrorKind {
        let v = vendor_error(status, None, Some(code.into()), message.into());
        v.kind
            .unwrap_or_else(|| ytempire_core::wire::status_kind(status))
    }

    #[test]
    fn maps_statuses_and_codes() {
        for (status, code, kind) in [
            (429, "rate_limit_exceeded", ErrorKind::RateLimited),
            (429, "insufficient_quota", ErrorKind::QuotaExhausted),
            (
                400,
                "context_length_exceeded",
                ErrorKind::ContextLengthExceeded,
            ),
            (400, "content_policy_violation", ErrorKind::ContentPolicy),
            (401, "", ErrorKind::Unauthenticated),
            (403, "", ErrorKind::PermissionDenied),
            (503, "", ErrorKind::Upstream),
            (529, "", ErrorKind::Upstream),
            (400, "", ErrorKind::InvalidRequest),
        ] {
            assert_eq!(map(status, code, "m"), kind, "{status} {code}");
        }
        assert_eq!(
            raw_vendor_error(400, b"<p>billing hard limit</p>").kind,
            Some(ErrorKind::QuotaExhausted)
        );
        let e = status_error(
            "openai",
            429,
            &Default::default(),
            vendor_error(429, Some("requests".into()), None, "slow".into()),
            Some(Duration::from_millis(1500)),
        );
        assert_eq!(e.code(), Some("requests"));
        assert_eq!(e.retry_after(), Some(Duration::from_millis(1500)));
    }
}
