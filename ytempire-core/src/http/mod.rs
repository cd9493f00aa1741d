//! The vendor HTTP core (feature `http`): everything a vendor client does around its own
//! request and response shapes, written once.
//!
//! A vendor client (`ytempire-llm`'s OpenAI and Anthropic, `ytempire-tts`'s ElevenLabs,
//! Google and OpenAI speech, `ytempire-render`'s Pexels, Stability and OpenAI images) builds
//! its request body and parses its answer; this module does the rest, the same way for all:
//!
//! | piece | function |
//! |---|---|
//! | client: total and connect timeouts, `User-Agent`, proxies from the environment (`HTTPS_PROXY`, `NO_PROXY`, … as reqwest reads them) | [`client`], [`client_builder`] |
//! | the success check: a non-2xx answer becomes an [`Error`] with the kind from the vendor's own code table, falling back to [`status_kind`](crate::wire::status_kind) | [`check`], [`check_at`], [`status_error`], [`VendorError`] |
//! | transport failures (connect, reset, timeout, a body cut short) with one URL scrubber | [`transport_error`], [`scrub_url`] |
//! | request ids (one list of headers) and `Retry-After` (attached whenever the server sent it) | [`request_id`], [`REQUEST_ID_HEADERS`], [`retry_after`] |
//! | bounded bodies and JSON decoding with an excerpt of the body in the error | [`read_body`], [`json`], [`download`] |
//! | keys and base URLs from the environment, with a lookup seam for tests | [`env_key`], [`env_base_url`], [`env_var`], [`key_and_base_url`], [`key_from`], [`base_url_from`], [`var_from`], [`check_base_url`], [`process_env`] |
//! | one OpenAI account (key, base URL, organisation, project) for chat, speech and images | [`OpenAiAccount`] |
//! | webhooks over reqwest | [`webhook`] |
//!
//! Clients never retry on their own: retries belong to core's `Retry` layer, which reads
//! [`Error::retry_after`]. Messages are built from statuses, response bodies and scrubbed URLs
//! only, never from request headers, so a key cannot leak into an error.
//!
//! Core's default build has no HTTP client; this module (and reqwest) come with the `http`
//! feature, which the provider crates turn on with their vendor features.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_core::http::{self, ExposeSecret as _, VendorError};
//! let base = http::env_base_url("EXAMPLE_BASE_URL", "https://api.example.com")?;
//! let key = http::env_key("EXAMPLE_API_KEY")?;
//! let client = http::client(http::DEFAULT_TIMEOUT)?;
//! let response = client
//!     .get(format!("{base}/v1/things"))
//!     .bearer_auth(key.expose_secret())
//!     .send()
//!     .await
//!     .map_err(|e| http::transport_error("example", &e))?;
//! // The vendor supplies only its error-code table.
//! let response = http::check("example", response, |_status, body| {
//!     let mut vendor = VendorError::raw(body);
//!     if vendor.message.contains("quota") {
//!         vendor.kind = Some(ytempire_core::ErrorKind::QuotaExhausted);
//!     }
//!     vendor
//! })
//! .await?;
//! let body = http::read_body("example", response, http::MAX_JSON_BODY).await?;
//! let things: serde_json::Value = http::json("example", &body)?;
//! # let _ = things;
//! # Ok(()) }
//! ```

mod body;
mod env;
mod error;
mod openai;
pub mod webhook;

use std::time::Duration;

use crate::{Error, Result};

pub use body::{MAX_BODY, MAX_ERROR_BODY, MAX_JSON_BODY, download, excerpt, json, read_body};
pub use env::{
    base_url_from, check_base_url, env_base_url, env_key, env_var, key_and_base_url, key_from,
    process_env, var_from,
};
pub use error::{
    REQUEST_ID_HEADERS, VendorError, check, check_at, request_id, retry_after, scrub_url,
    status_error, transport_error,
};
pub use openai::{OPENAI_BASE_URL, OpenAiAccount, OpenAiError};
pub use secrecy::{ExposeSecret, SecretString};

/// Default total per-request timeout of the vendor clients (generation can take a while).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Longest wait for a connection (capped by the total timeout).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// `User-Agent` of every request: `ytempire/<version>`, as webhooks send.
pub const USER_AGENT: &str = crate::pipeline::USER_AGENT;

/// A reqwest builder with the shared settings: total `timeout`, a connect timeout of
/// [`CONNECT_TIMEOUT`] (or `timeout` when shorter), [`USER_AGENT`], and proxies from the
/// environment as reqwest reads them (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`).
/// Add what one client needs (a redirect policy) and build it.
pub fn client_builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .user_agent(USER_AGENT)
}

/// A client from [`client_builder`] (rustls).
///
/// # Errors
///
/// [`ErrorKind::Config`](crate::ErrorKind::Config) when the client cannot be built (no TLS
/// backend, a malformed proxy variable).
pub fn client(timeout: Duration) -> Result<reqwest::Client> {
    client_builder(timeout)
        .build()
        .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_build_with_short_and_long_timeouts() {
        assert!(client(Duration::from_millis(50)).is_ok());
        assert!(client(DEFAULT_TIMEOUT).is_ok());
        assert!(USER_AGENT.starts_with("ytempire/"));
    }
}
