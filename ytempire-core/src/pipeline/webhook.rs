//! Signing job events for webhooks: HMAC-SHA256 over the exact body bytes, sent in the
//! `X-Ytempire-Signature: sha256=<hex>` header, verified in constant time.
//!
//! Core has no HTTP client: [`WebhookSigner::sign_event`] produces the body and header, and
//! any HTTP client delivers them. Receivers call [`verify_signature`].
//!
//! ```
//! use ytempire_core::pipeline::{verify_signature, PipelineEvent, WebhookSigner};
//! let signer = WebhookSigner::new(b"shared-secret".to_vec());
//! let event = PipelineEvent::Finished { job: "job-1".into() };
//! let (body, header) = signer.sign_event(&event).unwrap();
//! assert!(verify_signature(b"shared-secret", &body, &header));
//! assert!(!verify_signature(b"wrong-secret", &body, &header));
//! ```

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::PipelineEvent;
use crate::Result;

/// Header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Ytempire-Signature";

/// Signs webhook bodies with a shared secret. The secret never appears in `Debug`.
#[derive(Clone)]
pub struct WebhookSigner {
    secret: Vec<u8>,
}

impl std::fmt::Debug for WebhookSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSigner")
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

fn mac_hex(secret: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    match <Hmac<Sha256> as KeyInit>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(body);
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

impl WebhookSigner {
    /// A signer with this secret.
    pub fn new(secret: Vec<u8>) -> Self {
        Self { secret }
    }

    /// `sha256=<hex>` for `body`.
    pub fn sign(&self, body: &[u8]) -> String {
        format!("sha256={}", mac_hex(&self.secret, body))
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
    let expected = mac_hex(secret, body);
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
