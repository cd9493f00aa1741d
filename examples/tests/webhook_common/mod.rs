//! What the loopback webhook receivers of `webhook.rs` and `cli_webhooks.rs` share: reading
//! a header and checking a request's signature the way a real receiver would.

use std::time::SystemTime;

use axum::http::HeaderMap;
use ytempire_core::pipeline::{
    DEFAULT_TOLERANCE, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signed_request,
};

/// The header `name` as text (empty when absent or not text).
pub(crate) fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Whether the request's timestamp and signature headers sign `body` with `secret`, now.
pub(crate) fn signed(headers: &HeaderMap, body: &[u8], secret: &str) -> bool {
    verify_signed_request(
        secret.as_bytes(),
        &header(headers, TIMESTAMP_HEADER),
        body,
        &header(headers, SIGNATURE_HEADER),
        SystemTime::now(),
        DEFAULT_TOLERANCE,
    )
    .is_ok()
}
