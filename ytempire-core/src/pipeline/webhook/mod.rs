//! Job events delivered to a webhook URL, signed with HMAC-SHA256: in-process from a pipeline
//! ([`WebhookDispatcher`]), or from a separate process that follows the job queue's persisted
//! events from a stored cursor, at least once ([`QueueWebhookFollower`], `ytempire webhooks
//! run`; its body is a [`JobEventEnvelope`], its headers and retries as below).
//!
//! Core has no HTTP client. A [`WebhookDispatcher`] takes events from a pipeline's broadcast
//! stream ([`Pipeline::subscribe`](crate::pipeline::Pipeline::subscribe)) or any `Stream`,
//! queues them, and hands one request at a time to a [`WebhookTransport`] that any HTTP client
//! can implement (the examples crate has one over reqwest). Receivers verify requests with
//! [`verify_signed_request`].
//!
//! # Wire format
//!
//! Each event is one `POST` to the configured URL with a JSON [`WebhookEnvelope`] body
//! (`id`, `sequence`, `occurred_at`, `job`, and the serialised [`PipelineEvent`] under
//! `event`) and these headers:
//!
//! | header | value |
//! |---|---|
//! | `Content-Type` | `application/json` |
//! | `User-Agent` | `ytempire/<version>` ([`USER_AGENT`]) |
//! | [`EVENT_ID_HEADER`] `X-Ytempire-Event-Id` | the envelope's `id`: the same on every attempt, for idempotent receivers |
//! | [`TIMESTAMP_HEADER`] `X-Ytempire-Timestamp` | unix seconds when this attempt was sent |
//! | [`ATTEMPT_HEADER`] `X-Ytempire-Attempt` | 1, 2, 3, … |
//! | [`SIGNATURE_HEADER`] `X-Ytempire-Signature` | `sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">` |
//!
//! The body stays byte-identical across attempts; the timestamp and signature are fresh each
//! time, so a receiver can reject timestamps older than a few minutes ([`DEFAULT_TOLERANCE`])
//! and a captured request cannot be replayed later. [`verify_signature`] (HMAC of the body
//! alone) still works for bodies signed with [`WebhookSigner::sign`].
//!
//! # Delivery
//!
//! - In order, one request at a time: event *n + 1* is sent after event *n* was delivered or
//!   given up.
//! - 2xx: delivered. 429 and 5xx, connection errors ([`ErrorKind::Transport`]) and timeouts
//!   ([`ErrorKind::Timeout`]) (also transport errors of kind `Upstream` or `RateLimited`): retried after an exponential backoff with jitter
//!   ([`WebhookConfig::backoff_for`]), waiting at least `Retry-After` when the endpoint sent one
//!   (capped by [`WebhookConfig::with_max_retry_after`]), up to
//!   [`WebhookConfig::with_max_attempts`] attempts. Any other status (3xx, other 4xx): given up
//!   at once with a warning naming the status.
//! - Each request has a deadline ([`WebhookConfig::with_request_timeout`]).
//! - Logs and errors name the redacted URL ([`WebhookUrl::redacted`]), never the secret.
//!
//! # Overflow policy
//!
//! At most [`WebhookConfig::with_queue_capacity`] events wait (default 1024). When a new event
//! arrives at a full queue, one event is dropped: the oldest of the lowest class present among
//! the queued events and the new one, classes lowest first: progress events; other non-final
//! events (stage started/finished, cost, warning); final events ([`PipelineEvent::Finished`],
//! [`PipelineEvent::Failed`]), which are never dropped (the queue grows past its capacity for
//! them). A broadcast receiver that lags behind loses events too; both count as
//! [`DeliveryReport::dropped`] with a warning. Sequence gaps tell receivers what was lost.
//!
//! # Shutdown
//!
//! [`WebhookDispatcher::shutdown`] stops intake (taking what the source already buffered), keeps
//! delivering until [`WebhookConfig::with_shutdown_timeout`] passes, drops what is left and
//! returns the [`DeliveryReport`]. Dropping the dispatcher does the same in the background.
//!
//! # Example
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use async_trait::async_trait;
//! use tokio::sync::broadcast;
//! use ytempire_core::pipeline::{
//!     PipelineEvent, WebhookConfig, WebhookDispatcher, WebhookRequest, WebhookResponse,
//!     WebhookTransport,
//! };
//!
//! /// A transport that records requests instead of sending them.
//! #[derive(Debug, Default)]
//! struct Recorder(Mutex<Vec<WebhookRequest>>);
//!
//! #[async_trait]
//! impl WebhookTransport for Recorder {
//!     async fn post(&self, request: &WebhookRequest) -> ytempire_core::Result<WebhookResponse> {
//!         self.0.lock().unwrap().push(request.clone());
//!         Ok(WebhookResponse::new(204))
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ytempire_core::Result<()> {
//! let (events, rx) = broadcast::channel(64); // in an app: pipeline.subscribe()
//! let transport = Arc::new(Recorder::default());
//! let config = WebhookConfig::new("https://hooks.example.com/ytempire", "shared-secret")?;
//! let dispatcher = WebhookDispatcher::spawn(config, transport.clone(), rx)?;
//!
//! events.send(PipelineEvent::Finished { job: "job-1".into() }).ok();
//! let report = dispatcher.shutdown().await;
//! assert_eq!(report.delivered, 1);
//!
//! let sent = transport.0.lock().unwrap();
//! assert_eq!(sent[0].header("X-Ytempire-Event-Id"), Some(sent[0].envelope()?.id.as_str()));
//! # Ok(())
//! # }
//! ```
//!
//! [`ErrorKind::Transport`]: crate::ErrorKind::Transport
//! [`ErrorKind::Timeout`]: crate::ErrorKind::Timeout
//! [`PipelineEvent`]: crate::pipeline::PipelineEvent
//! [`PipelineEvent::Finished`]: crate::pipeline::PipelineEvent::Finished
//! [`PipelineEvent::Failed`]: crate::pipeline::PipelineEvent::Failed

mod config;
mod delivery;
mod dispatcher;
mod follower;
mod queue;
mod sign;
mod transport;

pub use config::{USER_AGENT, WebhookConfig, WebhookUrl};
pub use dispatcher::{DeliveryReport, WebhookDispatcher};
pub use follower::{DEFAULT_CURSOR, FollowerReport, JobEventEnvelope, QueueWebhookFollower};
pub use sign::{
    ATTEMPT_HEADER, DEFAULT_TOLERANCE, EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
    VerifyError, WebhookSigner, verify_signature, verify_signed_request,
};
pub use transport::{
    DynWebhookTransport, WebhookEnvelope, WebhookRequest, WebhookResponse, WebhookTransport,
    parse_retry_after,
};
