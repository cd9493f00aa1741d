//! The HTTP seam: what the dispatcher sends ([`WebhookRequest`]), what it needs back
//! ([`WebhookResponse`]), the [`WebhookTransport`] trait any HTTP client implements, and the
//! JSON body ([`WebhookEnvelope`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::config::WebhookUrl;
use crate::Result;
use crate::pipeline::PipelineEvent;

/// One POST to a webhook endpoint. Plain data: the dispatcher builds a fresh one per attempt
/// (new timestamp and signature, same body and event id).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookRequest {
    /// Where to POST. `Debug` shows it redacted.
    pub url: WebhookUrl,
    /// Headers, in order: `Content-Type`, `User-Agent`, event id, timestamp, attempt,
    /// signature.
    pub headers: Vec<(String, String)>,
    /// The exact body bytes the signature covers (JSON, a [`WebhookEnvelope`]).
    pub body: Vec<u8>,
    /// How long the transport may take for this request. The dispatcher also enforces it.
    pub timeout: Duration,
}

impl WebhookRequest {
    /// A request with these parts.
    pub fn new(
        url: WebhookUrl,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Self {
        Self {
            url,
            headers,
            body,
            timeout,
        }
    }

    /// The value of header `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed back into its envelope.
    pub fn envelope(&self) -> Result<WebhookEnvelope> {
        Ok(serde_json::from_slice(&self.body)?)
    }
}

impl fmt::Debug for WebhookRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookRequest")
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// What came back from a webhook endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookResponse {
    /// HTTP status code.
    pub status: u16,
    /// The endpoint's `Retry-After`, parsed (see [`parse_retry_after`]).
    pub retry_after: Option<Duration>,
}

impl WebhookResponse {
    /// A response with this status and no `Retry-After`.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            retry_after: None,
        }
    }

    /// Set the `Retry-After` wait.
    #[must_use]
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    /// 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// 429 or 5xx: the dispatcher tries again later.
    pub fn is_retryable(&self) -> bool {
        self.status == 429 || (500..600).contains(&self.status)
    }
}

/// Sends one webhook request. Implement it over any HTTP client (the examples crate has one
/// over reqwest); core names none.
///
/// # Contract
///
/// - POST [`WebhookRequest::body`] to [`WebhookRequest::url`] with every header as given, and
///   do not follow redirects (a 3xx is returned as the response).
/// - Return `Ok` for any HTTP response, whatever its status; set
///   [`WebhookResponse::retry_after`] from the `Retry-After` header when present.
/// - Return `Err` only when no response came: [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)
///   past [`WebhookRequest::timeout`], [`ErrorKind::Transport`](crate::ErrorKind::Transport) for
///   connection failures. These (and `Upstream`, `RateLimited`) are retried; other kinds, such
///   as `Config`, give the event up at once.
/// - Errors must not contain the full URL (it may carry tokens); use
///   [`WebhookUrl::redacted`].
#[async_trait]
pub trait WebhookTransport: Send + Sync + fmt::Debug {
    /// Send `request` and return the status (and `Retry-After`) of the reply.
    async fn post(&self, request: &WebhookRequest) -> Result<WebhookResponse>;
}

/// A shared webhook transport.
pub type DynWebhookTransport = Arc<dyn WebhookTransport>;

#[async_trait]
impl<T: WebhookTransport + ?Sized> WebhookTransport for Arc<T> {
    async fn post(&self, request: &WebhookRequest) -> Result<WebhookResponse> {
        (**self).post(request).await
    }
}

pub use crate::wire::parse_retry_after;

/// The JSON body of every webhook request.
///
/// ```json
/// {"id":"evt_5f0c…_000001","sequence":1,"occurred_at":"2025-01-01T12:00:00Z",
///  "job":"job-1","event":{"event":"finished","job":"job-1"}}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookEnvelope {
    /// Stable id of this event: the same on every attempt, so receivers can drop duplicates.
    /// Also sent in [`EVENT_ID_HEADER`](super::EVENT_ID_HEADER).
    pub id: String,
    /// 1, 2, 3, … in the order the dispatcher received events (gaps mean dropped events).
    pub sequence: u64,
    /// When the dispatcher received the event.
    pub occurred_at: DateTime<Utc>,
    /// The job the event belongs to.
    pub job: String,
    /// The event itself.
    pub event: PipelineEvent,
}

impl WebhookEnvelope {
    /// An envelope for `event`.
    pub fn new(
        id: String,
        sequence: u64,
        occurred_at: DateTime<Utc>,
        event: PipelineEvent,
    ) -> Self {
        Self {
            id,
            sequence,
            occurred_at,
            job: event.job().to_owned(),
            event,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_request_debug_hides_url_secrets_and_body() {
        let url = WebhookUrl::parse("https://h.example/x?key=abc").unwrap();
        let req = WebhookRequest::new(
            url,
            vec![("Content-Type".into(), "application/json".into())],
            b"{}".to_vec(),
            Duration::from_secs(1),
        );
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert!(!format!("{req:?}").contains("abc"));
    }
}
