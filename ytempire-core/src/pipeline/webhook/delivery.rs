//! One event's delivery, shared by the in-process [`WebhookDispatcher`](super::WebhookDispatcher)
//! and the queue follower ([`QueueWebhookFollower`](super::QueueWebhookFollower)): a signed
//! request per attempt, retries with backoff and `Retry-After`, and the give-up rules in the
//! [module docs](super).

use std::time::{SystemTime, UNIX_EPOCH};

use super::config::{USER_AGENT, WebhookConfig};
use super::sign::{ATTEMPT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use super::transport::{DynWebhookTransport, WebhookRequest};
use crate::{Error, ErrorKind};

/// How one event's delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up: rejected, a non-retryable error, or out of attempts.
    Failed,
}

/// Delivers events to one endpoint over one transport.
pub(super) struct Delivery<'a> {
    config: &'a WebhookConfig,
    transport: &'a DynWebhookTransport,
}

impl<'a> Delivery<'a> {
    /// Delivery as `config` says, over `transport`.
    pub(super) fn new(config: &'a WebhookConfig, transport: &'a DynWebhookTransport) -> Self {
        Self { config, transport }
    }

    fn request(&self, id: &str, body: &[u8], attempt: u32) -> WebhookRequest {
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let signature = self.config.signer().sign_request(timestamp, body);
        let headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("User-Agent".to_owned(), USER_AGENT.to_owned()),
            (EVENT_ID_HEADER.to_owned(), id.to_owned()),
            (TIMESTAMP_HEADER.to_owned(), timestamp.to_string()),
            (ATTEMPT_HEADER.to_owned(), attempt.to_string()),
            (SIGNATURE_HEADER.to_owned(), signature),
        ];
        WebhookRequest::new(
            self.config.url().clone(),
            headers,
            body.to_vec(),
            self.config.request_timeout(),
        )
    }

    /// Deliver the event `id` with JSON `body`, retrying as configured; `on_retry` runs before
    /// each retry (for counters).
    pub(super) async fn deliver(&self, id: &str, body: &[u8], on_retry: impl Fn()) -> Outcome {
        let url = self.config.url().redacted();
        let max = self.config.max_attempts();
        let timeout = self.config.request_timeout();
        let mut attempt = 1;
        loop {
            let request = self.request(id, body, attempt);
            let result = tokio::time::timeout(timeout, self.transport.post(&request))
                .await
                .unwrap_or_else(|_| {
                    Err(Error::new(
                        ErrorKind::Timeout,
                        format!("no response within {timeout:?}"),
                    ))
                });
            let (retry_after, why) = match result {
                Ok(resp) if resp.is_success() => return Outcome::Delivered,
                Ok(resp) if resp.is_retryable() => {
                    (resp.retry_after, format!("HTTP status {}", resp.status))
                }
                Ok(resp) => {
                    tracing::warn!(
                        status = resp.status,
                        event_id = %id,
                        %url,
                        "webhook endpoint rejected the event; not retrying"
                    );
                    return Outcome::Failed;
                }
                Err(err)
                    if matches!(
                        err.kind(),
                        ErrorKind::Timeout
                            | ErrorKind::Transport
                            | ErrorKind::Upstream
                            | ErrorKind::RateLimited
                    ) =>
                {
                    (
                        err.retry_after(),
                        format!("{}: {}", err.kind(), err.message()),
                    )
                }
                Err(err) => {
                    tracing::warn!(
                        kind = %err.kind(),
                        error = %err.message(),
                        event_id = %id,
                        %url,
                        "webhook delivery failed; not retrying"
                    );
                    return Outcome::Failed;
                }
            };
            if attempt >= max {
                tracing::warn!(
                    attempts = attempt,
                    last = %why,
                    event_id = %id,
                    %url,
                    "webhook delivery gave up"
                );
                return Outcome::Failed;
            }
            let backoff = self.config.backoff_for(attempt);
            let wait = retry_after.map_or(backoff, |ra| {
                ra.min(self.config.max_retry_after()).max(backoff)
            });
            tracing::debug!(attempt, ?wait, last = %why, event_id = %id, "retrying webhook");
            on_retry();
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}
