//! HMAC-SHA256 signatures for webhook bodies and their verification, in constant time.
//!
//! Two schemes share one secret:
//!
//! - [`verify_signature`]: `sha256=<hex>` over the exact body bytes (the original scheme, kept
//!   for receivers that already use it).
//! - [`verify_signed_request`]: `sha256=<hex>` over `"{timestamp}.{body}"`, where the timestamp
//!   travels in [`TIMESTAMP_HEADER`]. Because the timestamp is signed, a receiver that rejects
//!   old timestamps stops replays of captured requests. The dispatcher sends this one.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::pipeline::PipelineEvent;
use crate::{Error, ErrorKind, Result};

/// Header that carries the signature, `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "X-Ytempire-Signature";
/// Header that carries the event id: the same for every attempt at one event, so receivers
/// can drop duplicates.
pub const EVENT_ID_HEADER: &str = "X-Ytempire-Event-Id";
/// Header that carries the send time in unix seconds; part of the signed material.
pub const TIMESTAMP_HEADER: &str = "X-Ytempire-Timestamp";
/// Header that carries the 1-based attempt number of this delivery.
pub const ATTEMPT_HEADER: &str = "X-Ytempire-Attempt";
/// A sensible replay window for [`verify_signed_request`]: five minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Signs webhook bodies with a shared secret. The secret never appears in `Debug`.
#[derive(Clone)]
pub struct WebhookSigner {
    secret: Vec<u8>,
}

impl fmt::Debug for WebhookSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSigner")
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

/// Hex HMAC-SHA256 of the concatenated `parts`.
fn mac_hex(secret: &[u8], parts: &[&[u8]]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    match <Hmac<Sha256> as KeyInit>::new_from_slice(secret) {
        Ok(mut mac) => {
            for part in parts {
                mac.update(part);
            }
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

fn ct_eq(expected: &str, given: &str) -> bool {
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

impl WebhookSigner {
    /// A signer with this secret.
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            secret: secret.into(),
        }
    }

    /// Whether the secret is empty (an empty secret signs nothing worth verifying).
    pub fn is_empty(&self) -> bool {
        self.secret.is_empty()
    }

    /// `sha256=<hex>` over `body` alone (checked by [`verify_signature`]).
    pub fn sign(&self, body: &[u8]) -> String {
        format!("sha256={}", mac_hex(&self.secret, &[body]))
    }

    /// `sha256=<hex>` over `"{timestamp}.{body}"` (checked by [`verify_signed_request`]).
    pub fn sign_request(&self, timestamp: u64, body: &[u8]) -> String {
        let ts = timestamp.to_string();
        format!(
            "sha256={}",
            mac_hex(&self.secret, &[ts.as_bytes(), b".", body])
        )
    }

    /// Serialise an event and sign it: returns `(body, header value)`.
    pub fn sign_event(&self, event: &PipelineEvent) -> Result<(Vec<u8>, String)> {
        let body = serde_json::to_vec(event)?;
        let sig = self.sign(&body);
        Ok((body, sig))
    }
}

/// Check a `sha256=<hex>` header against `body`, in constant time.
pub fn verify_signature(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(given) = header.strip_prefix("sha256=") else {
        return false;
    };
    ct_eq(&mac_hex(secret, &[body]), given)
}

/// Why [`verify_signed_request`] rejected a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signature header is not `sha256=<64 hex digits>`.
    #[error("the signature header is not `sha256=<64 hex digits>`")]
    MalformedSignature,
    /// The timestamp header is not a number of unix seconds.
    #[error("the timestamp header is not a number of unix seconds")]
    MalformedTimestamp,
    /// The timestamp is further from now than the tolerance: a replay or a badly wrong clock.
    #[error("the timestamp is {skew_secs} s away from now, outside the tolerance (replay?)")]
    StaleTimestamp {
        /// Seconds between the timestamp and now.
        skew_secs: u64,
    },
    /// The signature does not match the timestamp and body (tampered, or the wrong secret).
    #[error("the signature does not match the timestamp and body")]
    Mismatch,
}

impl From<VerifyError> for Error {
    fn from(err: VerifyError) -> Self {
        let kind = match err {
            VerifyError::Mismatch => ErrorKind::Unauthenticated,
            _ => ErrorKind::InvalidRequest,
        };
        Error::new(kind, format!("webhook signature rejected: {err}"))
    }
}

/// Verify a signed webhook request, as a receiver: `timestamp` and `header` are the values of
/// [`TIMESTAMP_HEADER`] and [`SIGNATURE_HEADER`], `body` the exact body bytes.
///
/// Rejects a timestamp more than `tolerance` away from `now` (in either direction) before
/// looking at the signature, so a captured request cannot be replayed later; compares the
/// signature in constant time. [`DEFAULT_TOLERANCE`] is five minutes.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use ytempire_core::pipeline::{verify_signed_request, VerifyError, WebhookSigner};
///
/// let signer = WebhookSigner::new("s3cret");
/// let sent = 1_700_000_000;
/// let header = signer.sign_request(sent, b"{}");
/// let now = UNIX_EPOCH + Duration::from_secs(sent + 10);
/// let tolerance = Duration::from_secs(300);
/// assert_eq!(verify_signed_request(b"s3cret", "1700000000", b"{}", &header, now, tolerance), Ok(()));
/// let later = now + Duration::from_secs(3600);
/// assert!(matches!(
///     verify_signed_request(b"s3cret", "1700000000", b"{}", &header, later, tolerance),
///     Err(VerifyError::StaleTimestamp { .. })
/// ));
/// ```
pub fn verify_signed_request(
    secret: &[u8],
    timestamp: &str,
    body: &[u8],
    header: &str,
    now: SystemTime,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let given = header
        .trim()
        .strip_prefix("sha256=")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or(VerifyError::MalformedSignature)?;
    let timestamp = timestamp.trim();
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::MalformedTimestamp);
    }
    let sent: u64 = timestamp
        .parse()
        .map_err(|_| VerifyError::MalformedTimestamp)?;
    let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let skew_secs = now.abs_diff(sent);
    if skew_secs > tolerance.as_secs() {
        return Err(VerifyError::StaleTimestamp { skew_secs });
    }
    let expected = mac_hex(secret, &[timestamp.as_bytes(), b".", body]);
    if ct_eq(&expected, &given.to_ascii_lowercase()) {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn known_vector_and_tamper_detection() {
        // RFC 4231 test case 2.
        let signer = WebhookSigner::new(b"Jefe".to_vec());
        assert_eq!(
            signer.sign(b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let sig = signer.sign(b"body");
        assert!(verify_signature(b"Jefe", b"body", &sig));
        assert!(!verify_signature(b"Jefe", b"bodY", &sig));
        assert!(!verify_signature(b"Jefe", b"body", "sha256=00"));
        assert!(!verify_signature(
            b"Jefe",
            b"body",
            &sig.replace("sha256=", "md5=")
        ));
        assert!(!format!("{signer:?}").contains("Jefe"));
    }

    #[test]
    fn webhook_signed_request_covers_timestamp_and_body() {
        let signer = WebhookSigner::new("Jefe");
        // Same as signing the concatenation with the plain scheme.
        assert_eq!(
            signer.sign_request(42, b"body"),
            signer.sign(b"42.body"),
            "the signed material is \"{{timestamp}}.{{body}}\""
        );
        let sig = signer.sign_request(1000, b"body");
        let tol = Duration::from_secs(300);
        assert_eq!(
            verify_signed_request(b"Jefe", "1000", b"body", &sig, at(1000), tol),
            Ok(())
        );
        // Upper-case hex is accepted too.
        let upper = format!("sha256={}", sig["sha256=".len()..].to_uppercase());
        assert_eq!(
            verify_signed_request(b"Jefe", "1000", b"body", &upper, at(1000), tol),
            Ok(())
        );
        // Moving the timestamp (a replay with a fresh timestamp) breaks the signature.
        assert_eq!(
            verify_signed_request(b"Jefe", "1001", b"body", &sig, at(1000), tol),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify_signed_request(b"Jefe", "1000", b"bodY", &sig, at(1000), tol),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify_signed_request(b"nope", "1000", b"body", &sig, at(1000), tol),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn webhook_stale_and_malformed_inputs_are_rejected() {
        let signer = WebhookSigner::new("k");
        let sig = signer.sign_request(1000, b"b");
        let tol = Duration::from_secs(300);
        assert_eq!(
            verify_signed_request(b"k", "1000", b"b", &sig, at(1300), tol),
            Ok(()),
            "the tolerance is inclusive"
        );
        assert_eq!(
            verify_signed_request(b"k", "1000", b"b", &sig, at(1301), tol),
            Err(VerifyError::StaleTimestamp { skew_secs: 301 })
        );
        assert_eq!(
            verify_signed_request(b"k", "1000", b"b", &sig, at(600), tol),
            Err(VerifyError::StaleTimestamp { skew_secs: 400 }),
            "timestamps from the future are rejected too"
        );
        for bad in ["", "-5", "1e3", "12a", "99999999999999999999999"] {
            assert_eq!(
                verify_signed_request(b"k", bad, b"b", &sig, at(1000), tol),
                Err(VerifyError::MalformedTimestamp),
                "{bad:?}"
            );
        }
        for bad in ["", "sha256=", "sha256=zz", "md5=abc", &sig[..sig.len() - 1]] {
            assert_eq!(
                verify_signed_request(b"k", "1000", b"b", bad, at(1000), tol),
                Err(VerifyError::MalformedSignature),
                "{bad:?}"
            );
        }
        let err = Error::from(VerifyError::Mismatch);
        assert_eq!(err.kind(), ErrorKind::Unauthenticated);
        let err = Error::from(VerifyError::StaleTimestamp { skew_secs: 9 });
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    }
}
