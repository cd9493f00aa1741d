//! What the speech clients share, written once.
//!
//! - [`client_builders!`]: the builder methods every client offers (`with_base_url`,
//!   `with_timeout`, `from_env`, `with_model`, `with_voice`), generated for the clients that
//!   name them.
//! - `Endpoint` (HTTP vendors): a base URL and connection pool, and the one request path
//!   (send, status check through the vendor's error table, bounded body read).
//! - `ErrorEnvelope`: Google's `{"error":{...}}` error body.

/// Builder methods for a client struct, each named in braces:
///
/// - `endpoint`: `with_base_url` and `with_timeout` on an `endpoint: Endpoint` field;
/// - `env: "doc"`: `from_env`, reading the process environment through the client's own
///   `from_env_with`;
/// - `model: "doc"` / `voice: "doc"`: `with_model` / `with_voice` setting a `String` field
///   of that name.
macro_rules! client_builders {
    ($client:ty { $($builder:ident $(: $doc:literal)?),* $(,)? }) => {
        impl $client {
            $( $crate::client::client_builders!(@ $builder $($doc)?); )*
        }
    };
    (@ endpoint) => {
        /// Point at another endpoint (a loopback fake, a proxy); a trailing `/` is dropped.
        #[must_use]
        pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
            self.endpoint.set_base_url(url.into());
            self
        }

        /// Per-request timeout.
        ///
        /// # Errors
        /// `Config` when the HTTP client cannot be built.
        pub fn with_timeout(
            mut self,
            timeout: std::time::Duration,
        ) -> ytempire_core::Result<Self> {
            self.endpoint.set_timeout(timeout)?;
            Ok(self)
        }
    };
    (@ env $doc:literal) => {
        #[doc = $doc]
        ///
        /// # Errors
        /// `Config` naming the variable at fault: a required key unset or empty, or a base
        /// URL that is not an http(s) URL.
        pub fn from_env() -> ytempire_core::Result<Self> {
            Self::from_env_with(ytempire_core::http::process_env)
        }
    };
    (@ model $doc:literal) => {
        #[doc = $doc]
        #[must_use]
        pub fn with_model(mut self, model: impl Into<String>) -> Self {
            self.model = model.into();
            self
        }
    };
    (@ voice $doc:literal) => {
        #[doc = $doc]
        #[must_use]
        pub fn with_voice(mut self, voice: impl Into<String>) -> Self {
            self.voice = voice.into();
            self
        }
    };
}
pub(crate) use client_builders;

#[cfg(feature = "_http")]
pub(crate) use http_side::{Endpoint, ErrorEnvelope};

#[cfg(feature = "_http")]
mod http_side {
    use std::time::Duration;

    use reqwest::header::HeaderMap;
    use serde::Deserialize;
    use ytempire_core::Result;
    use ytempire_core::http::{self, VendorError};

    /// Where a vendor client sends its requests: the base URL and the connection pool.
    #[derive(Debug, Clone)]
    pub(crate) struct Endpoint {
        provider: &'static str,
        base_url: String,
        client: reqwest::Client,
    }

    impl Endpoint {
        /// `provider`'s endpoint at `base_url` with the default timeout.
        ///
        /// # Errors
        /// `Config` when the HTTP client cannot be built.
        pub(crate) fn new(provider: &'static str, base_url: &str) -> Result<Self> {
            Ok(Self {
                provider,
                base_url: base_url.trim_end_matches('/').to_owned(),
                client: http::client(http::DEFAULT_TIMEOUT)?,
            })
        }

        /// Send to `url` from now on (a trailing `/` is dropped).
        pub(crate) fn set_base_url(&mut self, url: String) {
            self.base_url = url.trim_end_matches('/').to_owned();
        }

        /// A new pool with this per-request timeout.
        ///
        /// # Errors
        /// `Config` when the HTTP client cannot be built.
        pub(crate) fn set_timeout(&mut self, timeout: Duration) -> Result<()> {
            self.client = http::client(timeout)?;
            Ok(())
        }

        /// `POST {base}{path}`.
        pub(crate) fn post(&self, path: &str) -> reqwest::RequestBuilder {
            self.client.post(format!("{}{path}", self.base_url))
        }

        /// `GET {base}{path}`.
        pub(crate) fn get(&self, path: &str) -> reqwest::RequestBuilder {
            self.client.get(format!("{}{path}", self.base_url))
        }

        /// Send `request`; a non-2xx answer becomes the error `table` reads from its status
        /// and body; a 2xx answer's headers and body (at most [`http::MAX_BODY`]) come back.
        ///
        /// # Errors
        /// The transport error, the mapped status error, or a body that breaks off or is
        /// too large.
        pub(crate) async fn send<F>(
            &self,
            request: reqwest::RequestBuilder,
            table: F,
        ) -> Result<(HeaderMap, Vec<u8>)>
        where
            F: FnOnce(u16, &[u8]) -> VendorError,
        {
            let response = request
                .send()
                .await
                .map_err(|e| http::transport_error(self.provider, &e))?;
            let response = http::check(self.provider, response, table).await?;
            let headers = response.headers().clone();
            let body = http::read_body(self.provider, response, http::MAX_BODY).await?;
            Ok((headers, body))
        }
    }

    /// `{"error":{"message","status",…}}`: Google's error body (`status` the error's name).
    /// OpenAI's is core's `OpenAiError`.
    #[derive(Debug, Deserialize)]
    pub(crate) struct ErrorEnvelope {
        /// The error itself.
        pub(crate) error: ErrorDetail,
    }

    /// The inside of an [`ErrorEnvelope`].
    #[derive(Debug, Deserialize)]
    pub(crate) struct ErrorDetail {
        /// Human-readable message.
        #[serde(default)]
        pub(crate) message: String,
        /// Google's status name (`RESOURCE_EXHAUSTED`).
        #[serde(default)]
        pub(crate) status: Option<String>,
    }

    impl ErrorEnvelope {
        /// The envelope in `bytes`, if they hold one.
        pub(crate) fn parse(bytes: &[u8]) -> Option<ErrorDetail> {
            serde_json::from_slice::<Self>(bytes).ok().map(|e| e.error)
        }
    }
}
