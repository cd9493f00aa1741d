//! Webhook delivery over HTTP: [`ReqwestWebhookTransport`] implements core's
//! [`WebhookTransport`] with reqwest, and [`spawn_webhook`] wires a pipeline's events to a URL
//! with the secret from [`SECRET_ENV`].
//!
//! ```no_run
//! # async fn demo(pipeline: ytempire_core::pipeline::Pipeline) -> ytempire_core::Result<()> {
//! // YTEMPIRE_WEBHOOK_SECRET=... in the environment
//! let webhook = ytempire_examples::webhook::spawn_webhook(
//!     "https://hooks.example.com/ytempire",
//!     pipeline.subscribe(),
//! )?;
//! // ... run jobs ...
//! let report = webhook.shutdown().await;
//! println!("webhook: {} delivered, {} failed", report.delivered, report.failed);
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use tokio::sync::broadcast;
use ytempire_core::pipeline::{
    PipelineEvent, WebhookConfig, WebhookDispatcher, WebhookRequest, WebhookResponse,
    WebhookTransport, WebhookUrl, parse_retry_after,
};
use ytempire_core::{Error, ErrorKind, Result};

/// Environment variable holding the webhook's shared signing secret.
pub const SECRET_ENV: &str = "YTEMPIRE_WEBHOOK_SECRET";

/// [`WebhookTransport`] over a reqwest client: no redirects followed, a connect timeout, the
/// per-request timeout from each [`WebhookRequest`], and `Retry-After` parsed (seconds or
/// HTTP date).
#[derive(Debug, Clone)]
pub struct ReqwestWebhookTransport {
    client: reqwest::Client,
}

impl ReqwestWebhookTransport {
    /// A transport with its own client (connect timeout 10 s, redirects not followed).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] when the HTTP client cannot be built (TLS backend missing).
    pub fn new() -> Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::config(format!("cannot build the webhook HTTP client: {e}")))?;
        Ok(Self { client })
    }

    /// A transport over an existing client. Configure it not to follow redirects: the
    /// signature is meant for the configured URL only.
    pub fn with_client(client: reqwest::Client) -> Self {
        Self { client }
    }
}

/// Map a reqwest failure without leaking the full URL (it may carry a token).
fn transport_error(err: reqwest::Error, url: &WebhookUrl) -> Error {
    let kind = if err.is_timeout() {
        ErrorKind::Timeout
    } else if err.is_builder() {
        ErrorKind::Config
    } else {
        ErrorKind::Transport
    };
    let err = err.without_url();
    Error::new(
        kind,
        format!("webhook POST to {} failed: {err}", url.redacted()),
    )
    .with_provider("webhook")
    .with_source(err)
}

#[async_trait]
impl WebhookTransport for ReqwestWebhookTransport {
    async fn post(&self, request: &WebhookRequest) -> Result<WebhookResponse> {
        let mut builder = self
            .client
            .post(request.url.as_str())
            .timeout(request.timeout)
            .body(request.body.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let response = builder
            .send()
            .await
            .map_err(|e| transport_error(e, &request.url))?;
        let mut out = WebhookResponse::new(response.status().as_u16());
        if let Some(wait) = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()))
        {
            out = out.with_retry_after(wait);
        }
        Ok(out)
    }
}

/// Deliver `events` to `url` over reqwest, signed with the secret in [`SECRET_ENV`], with the
/// default retry, queue and shutdown settings. Call
/// [`shutdown`](WebhookDispatcher::shutdown) after the last job to flush.
///
/// # Errors
///
/// [`ErrorKind::Config`] when [`SECRET_ENV`] is unset or empty;
/// [`ErrorKind::InvalidRequest`] when `url` is not an `http`/`https` URL.
pub fn spawn_webhook(
    url: &str,
    events: broadcast::Receiver<PipelineEvent>,
) -> Result<WebhookDispatcher> {
    let secret = std::env::var(SECRET_ENV)
        .ok()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Error::config(format!(
                "--webhook needs the shared signing secret in {SECRET_ENV}"
            ))
        })?;
    let config = WebhookConfig::new(url, secret)?;
    WebhookDispatcher::spawn(config, Arc::new(ReqwestWebhookTransport::new()?), events)
}
