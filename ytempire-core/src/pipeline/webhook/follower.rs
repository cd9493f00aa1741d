//! [`QueueWebhookFollower`]: webhook delivery as its own process, following the job queue's
//! persisted events ([`QueueBackend::events_after`]) from a stored cursor, at least once.
//!
//! The follower reads the events of every job after its cursor in position order and delivers
//! them one at a time through the same signing, transport and retry path as the in-process
//! [`WebhookDispatcher`](super::WebhookDispatcher). It stores its cursor
//! ([`QueueBackend::save_cursor`]) after each event was delivered or given up, never before,
//! so a crash (or `kill -9`) re-sends at most the event that was in flight. Each event's
//! envelope id (`{job}:{seq}`) is the same on every send, so receivers drop duplicates by it.
//!
//! Unlike the in-process dispatcher nothing is dropped for lack of room: the queue's table is
//! the buffer. An event given up (rejected by the endpoint, or out of attempts) is skipped and
//! counted in [`FollowerReport::failed`], with a warning.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::config::WebhookConfig;
use super::delivery::{Delivery, Outcome};
use super::transport::DynWebhookTransport;
use crate::queue::{PositionedEvent, QueueBackend};
use crate::{Error, Result};

/// The JSON body of every request a [`QueueWebhookFollower`] sends.
///
/// ```json
/// {"id":"job-1:3","sequence":17,"occurred_at":"2025-01-01T12:00:00Z","job":"job-1",
///  "job_sequence":3,"event":{"event":"stage_started","job":"job-1","stage":"script"}}
/// ```
///
/// `event` is the persisted event ([`crate::queue::JobEvent::data`]): a pipeline event, or one
/// of the queue's own (`submitted`, `claimed`, `succeeded`, `retrying`, `failed`,
/// `cancelled`), always with its name under `event`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JobEventEnvelope {
    /// `{job}:{job_sequence}`: stable for the event, the same on every send (also in
    /// [`EVENT_ID_HEADER`](super::EVENT_ID_HEADER)); receivers drop duplicates by it.
    pub id: String,
    /// The event's global position in the queue: increasing, gaps possible (they are not
    /// lost events).
    pub sequence: u64,
    /// When the queue recorded the event.
    pub occurred_at: DateTime<Utc>,
    /// The job the event belongs to.
    pub job: String,
    /// 1, 2, 3, … within the job.
    pub job_sequence: u64,
    /// The event itself.
    pub event: serde_json::Value,
}

impl JobEventEnvelope {
    /// The envelope of a persisted event.
    pub fn new(event: &PositionedEvent) -> Self {
        let e = &event.event;
        Self {
            id: format!("{}:{}", e.job, e.seq),
            sequence: event.position,
            occurred_at: e.at,
            job: e.job.clone(),
            job_sequence: e.seq,
            event: e.data.clone(),
        }
    }
}

/// What a [`QueueWebhookFollower`] run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FollowerReport {
    /// Events the endpoint accepted (2xx).
    pub delivered: u64,
    /// Events given up on (and skipped): a 4xx other than 429, a non-retryable transport
    /// error, or the last attempt failed.
    pub failed: u64,
    /// Retries (attempts after the first), over all events.
    pub retried: u64,
    /// The stored cursor at the end: the position of the last event handled.
    pub cursor: u64,
}

/// Delivers every job's persisted events to a webhook endpoint from a stored cursor, at least
/// once: webhook delivery as its own process (`ytempire webhooks run`).
///
/// It reads the events of every job after its cursor in position order
/// ([`QueueBackend::events_after`]) and delivers them one at a time through the same signing,
/// transport and retry path as the in-process [`WebhookDispatcher`](super::WebhookDispatcher)
/// (see the [`webhook` module docs](super) for headers and retry rules). The cursor is saved
/// after each event was delivered or given up, never before, so a crash re-sends at most the
/// event in flight, with the same envelope id (`{job}:{seq}`). An event given up is skipped
/// and counted in [`FollowerReport::failed`]. Give each follower (endpoint) its own cursor
/// name; two followers sharing one would send events twice and move each other's cursor.
///
/// ```no_run
/// # async fn demo(queue: std::sync::Arc<dyn ytempire_core::queue::QueueBackend>,
/// #   transport: ytempire_core::pipeline::DynWebhookTransport) -> ytempire_core::Result<()> {
/// use ytempire_core::pipeline::{CancellationToken, QueueWebhookFollower, WebhookConfig};
/// let config = WebhookConfig::new("https://hooks.example.com/ytempire", "shared-secret")?;
/// let follower = QueueWebhookFollower::new(queue, config, transport);
/// let stop = CancellationToken::new(); // cancel it on Ctrl-C
/// let report = follower.run(&stop).await?;
/// println!("{} delivered, cursor at {}", report.delivered, report.cursor);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct QueueWebhookFollower {
    backend: Arc<dyn QueueBackend>,
    config: WebhookConfig,
    transport: DynWebhookTransport,
    name: String,
    poll: Duration,
    batch: usize,
}

/// The cursor name when none is given.
pub const DEFAULT_CURSOR: &str = "webhooks";

/// How a drain ended.
enum Drained {
    /// Nothing after the cursor.
    Empty,
    /// Told to stop.
    Stopped,
}

impl QueueWebhookFollower {
    /// A follower of `backend`'s events under the cursor [`DEFAULT_CURSOR`], polling every
    /// second when the backend has no notifications.
    pub fn new(
        backend: Arc<dyn QueueBackend>,
        config: WebhookConfig,
        transport: DynWebhookTransport,
    ) -> Self {
        Self {
            backend,
            config,
            transport,
            name: DEFAULT_CURSOR.to_owned(),
            poll: Duration::from_secs(1),
            batch: 100,
        }
    }

    /// Store the cursor under `name` (one follower per name and endpoint).
    ///
    /// # Errors
    /// `InvalidRequest` for an empty name or one over 200 characters.
    pub fn with_name(mut self, name: &str) -> Result<Self> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(Error::invalid_request(
                "the webhook cursor name must be 1 to 200 characters",
            ));
        }
        name.clone_into(&mut self.name);
        Ok(self)
    }

    /// Look for new events at least this often (backends with notifications wake earlier).
    #[must_use]
    pub fn with_poll_interval(mut self, every: Duration) -> Self {
        self.poll = every.max(Duration::from_millis(10));
        self
    }

    /// Read up to `n` events per query (default 100).
    #[must_use]
    pub fn with_batch_size(mut self, n: usize) -> Self {
        self.batch = n.max(1);
        self
    }

    /// The cursor's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Deliver what exists after the stored cursor, then return (or earlier once `stop` is
    /// cancelled, see [`run`](Self::run)).
    ///
    /// # Errors
    /// The backend's (reading events, loading or saving the cursor); `Unsupported` for a
    /// backend without event positions.
    pub async fn run_once(&self, stop: &CancellationToken) -> Result<FollowerReport> {
        let mut report = FollowerReport {
            cursor: self.backend.load_cursor(&self.name).await?,
            ..FollowerReport::default()
        };
        self.drain(&mut report, stop).await?;
        Ok(report)
    }

    /// Deliver events after the stored cursor as they are recorded until `stop` is cancelled.
    /// On `stop` the event in flight is finished (within
    /// [`WebhookConfig::shutdown_timeout`]; past it, it is left for the next run) and the
    /// cursor saved.
    ///
    /// # Errors
    /// As [`run_once`](Self::run_once): a backend error ends the run (the cursor stays at the
    /// last event handled, so a restart resumes there).
    pub async fn run(&self, stop: &CancellationToken) -> Result<FollowerReport> {
        // Start listening before the first read, so no notification falls in between.
        self.backend.wait_events(Duration::ZERO).await;
        let mut report = FollowerReport {
            cursor: self.backend.load_cursor(&self.name).await?,
            ..FollowerReport::default()
        };
        loop {
            match self.drain(&mut report, stop).await? {
                Drained::Stopped => return Ok(report),
                Drained::Empty => {}
            }
            tokio::select! {
                () = self.backend.wait_events(self.poll) => {}
                () = stop.cancelled() => return Ok(report),
            }
        }
    }

    /// Deliver events after `report.cursor` until none is left or `stop` fires.
    async fn drain(
        &self,
        report: &mut FollowerReport,
        stop: &CancellationToken,
    ) -> Result<Drained> {
        loop {
            if stop.is_cancelled() {
                return Ok(Drained::Stopped);
            }
            let batch = self.backend.events_after(report.cursor, self.batch).await?;
            if batch.is_empty() {
                return Ok(Drained::Empty);
            }
            for event in &batch {
                if stop.is_cancelled() {
                    return Ok(Drained::Stopped);
                }
                let Some(outcome) = self.deliver(event, report, stop).await else {
                    return Ok(Drained::Stopped);
                };
                match outcome {
                    Outcome::Delivered => report.delivered += 1,
                    Outcome::Failed => report.failed += 1,
                }
                // Only now: a crash before this line re-sends the event (same id).
                self.backend.save_cursor(&self.name, event.position).await?;
                report.cursor = event.position;
            }
        }
    }

    /// Deliver one event; `None` when `stop` fired and the shutdown deadline passed first.
    async fn deliver(
        &self,
        event: &PositionedEvent,
        report: &mut FollowerReport,
        stop: &CancellationToken,
    ) -> Option<Outcome> {
        let envelope = JobEventEnvelope::new(event);
        let body = match serde_json::to_vec(&envelope) {
            Ok(body) => body,
            Err(err) => {
                tracing::warn!(event_id = %envelope.id, error = %err, "cannot serialise a webhook event; skipped");
                return Some(Outcome::Failed);
            }
        };
        let retried = std::sync::atomic::AtomicU64::new(0);
        let delivery = Delivery::new(&self.config, &self.transport);
        let send = delivery.deliver(&envelope.id, &body, || {
            retried.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        let deadline = async {
            stop.cancelled().await;
            tokio::time::sleep(self.config.shutdown_timeout()).await;
        };
        let outcome = tokio::select! {
            outcome = send => Some(outcome),
            () = deadline => {
                tracing::warn!(
                    event_id = %envelope.id,
                    url = %self.config.url().redacted(),
                    "webhook shutdown deadline passed; the event in flight is sent again on the next run"
                );
                None
            }
        };
        report.retried += retried.load(std::sync::atomic::Ordering::Relaxed);
        outcome
    }
}

#[cfg(test)]
#[path = "follower_tests.rs"]
mod tests;
