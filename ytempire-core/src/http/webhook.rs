//! Webhook delivery over reqwest: [`ReqwestWebhookTransport`] implements the pipeline's
//! [`WebhookTransport`], and [`spawn_webhook`] wires a pipeline's events to a URL with the
//! secret from [`SECRET_ENV`].
//!
//! ```no_run
//! # async fn demo(pipeline: ytempire_core::pipeline::Pipeline) -> ytempire_core::Result<()> {
//! // YTEMPIRE_WEBHOOK_SECRET=... in the environment
//! let webhook = ytempire_core::http::webhook::spawn_webhook(
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
use std::time::SystemTime;

use async_trait::async_trait;
use tokio::sync::broadcast;

use super::error::{describe, retry_after, transport_kind};
use crate::pipeline::{
    PipelineEvent, WebhookConfig, WebhookDispatcher, WebhookRequest, WebhookResponse,
    WebhookTransport, WebhookUrl,
};
use crate::{Error, Result};

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
    /// A transport with its own client (the shared [`client_builder`](super::client_builder)
    /// settings, redirects not followed; each request sets its own timeout).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when the HTTP client cannot be built (TLS backend missing).
    pub fn new() -> Result<Self> {
        let client = super::client_builder(super::DEFAULT_TIMEOUT)
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

/// Map a reqwest failure, showing the URL only in its redacted form (it may carry a token).
fn transport_error(err: reqwest::Error, url: &WebhookUrl) -> Error {
    let text = describe(&err);
    Error::new(
        transport_kind(&err),
        format!("webhook POST to {} failed: {text}", url.redacted()),
    )
    .with_provider("webhook")
    .with_source(err.without_url())
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
        if let Some(wait) = retry_after(response.headers(), SystemTime::now()) {
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
/// [`ErrorKind::Config`](crate::ErrorKind::Config) when [`SECRET_ENV`] is unset or empty;
/// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) when `url` is not an `http`/`https` URL.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpListener;

    /// A loopback server answering one request with `reply`; returns its URL and the raw
    /// request it read.
    async fn serve_once(reply: &'static str) -> (String, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            // Headers, then the 2-byte body this test sends.
            while !String::from_utf8_lossy(&seen).contains("\r\n\r\n{}") {
                let n = sock.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                seen.extend_from_slice(&buf[..n]);
            }
            sock.write_all(reply.as_bytes()).await.unwrap();
            String::from_utf8_lossy(&seen).into_owned()
        });
        (format!("http://{addr}/hook?token=t0ps3cret"), task)
    }

    fn request(url: &str) -> WebhookRequest {
        WebhookRequest::new(
            WebhookUrl::parse(url).unwrap(),
            vec![("X-Test".to_owned(), "1".to_owned())],
            b"{}".to_vec(),
            Duration::from_secs(5),
        )
    }

    #[tokio::test]
    async fn posts_headers_and_body_and_reads_retry_after() {
        let (url, server) = serve_once(
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )
        .await;
        let t = ReqwestWebhookTransport::new().unwrap();
        let out = t.post(&request(&url)).await.unwrap();
        assert_eq!(out.status, 429);
        assert_eq!(out.retry_after, Some(Duration::from_secs(5)));
        let seen = server.await.unwrap().to_ascii_lowercase();
        assert!(
            seen.starts_with("post /hook?token=t0ps3cret http/1.1"),
            "{seen}"
        );
        assert!(seen.contains("x-test: 1"), "{seen}");
    }

    #[tokio::test]
    async fn redirects_are_not_followed() {
        let (url, server) = serve_once(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )
        .await;
        let out = ReqwestWebhookTransport::new()
            .unwrap()
            .post(&request(&url))
            .await
            .unwrap();
        assert_eq!(out.status, 302);
        server.await.unwrap();
    }

    #[tokio::test]
    async fn failures_hide_the_token() {
        // Nothing listens on loopback port 9.
        let e = ReqwestWebhookTransport::new()
            .unwrap()
            .post(&request("http://127.0.0.1:9/hook?token=t0ps3cret"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
        assert!(!format!("{e} {e:?}").contains("t0ps3cret"), "{e:?}");
    }
}
