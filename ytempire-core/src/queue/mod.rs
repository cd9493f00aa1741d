//! A persistent job queue: submit, status, position, list, cancel, retry with backoff,
//! priorities, and workers that run jobs through a [`crate::pipeline::Pipeline`] with bounded,
//! resource-aware concurrency.
//!
//! [`QueueBackend`] is the storage seam. [`SqliteQueue`] is the embedded implementation (one
//! SQLite file, WAL, full fsync) for one machine; `PgQueue` (feature `postgres`) keeps the same
//! queue on a PostgreSQL server so worker processes on many machines share it.
//!
//! Both give each claim a **lease** ([`LeaseConfig`]): the worker renews it with a heartbeat
//! while the job runs, and a job whose lease expired (its worker was killed) is claimed again
//! by the next worker, which resumes it from its finished stages. Cancelling a running job from
//! any process is seen by its worker at its next heartbeat, which stops the running stage.
//! Job events are persisted with a per-job sequence ([`JobEvent`]) so any process can
//! [`follow`] a job, and each event also gets a global position
//! ([`QueueBackend::events_after`]) so a separate process (the webhook follower,
//! [`crate::pipeline::QueueWebhookFollower`]) can follow every job's events from a stored
//! cursor ([`QueueBackend::load_cursor`], [`QueueBackend::save_cursor`]).
//!
//! Worker processes on several machines must share the pipeline's job directory (a network
//! file system) so that a reclaimed job resumes from the stages its first worker finished.

mod events;
#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;
mod worker;

#[cfg(any(test, feature = "testing"))]
pub mod contract;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::pipeline::JobSpec;
use std::time::Duration;

pub use events::{JobEvent, follow};
#[cfg(feature = "postgres")]
pub use postgres::{PgQueue, PgQueueOptions};
pub use sqlite::SqliteQueue;
pub use worker::{JobQueue, QueueConfig};

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// A worker is running it.
    Running,
    /// Finished successfully.
    Succeeded,
    /// Failed after its last attempt.
    Failed,
    /// Cancelled by the user.
    Cancelled,
}

impl JobState {
    /// Stable lower-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parse [`JobState::as_str`] output.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            _ => return None,
        })
    }

    /// Whether the job will not change again without a user action.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }
}

/// Options for [`QueueBackend::submit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitOptions {
    /// Higher runs first.
    pub priority: i32,
    /// Attempts before the job is marked failed (at least 1).
    pub max_attempts: u32,
}

impl Default for SubmitOptions {
    fn default() -> Self {
        Self {
            priority: 0,
            max_attempts: 3,
        }
    }
}

/// A job as the queue knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JobRecord {
    /// The job.
    pub spec: JobSpec,
    /// State.
    pub state: JobState,
    /// Priority (higher first).
    pub priority: i32,
    /// Attempts started so far.
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// Not to be started before this time (retry backoff).
    pub not_before: DateTime<Utc>,
    /// Last error.
    pub error: Option<String>,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl JobRecord {
    /// The job id.
    pub fn id(&self) -> &str {
        &self.spec.id
    }
}

/// How a backend leases the jobs it hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseConfig {
    /// Who holds the leases this backend takes (unique per worker process).
    pub owner: String,
    /// How long a claim holds a job without a heartbeat; a worker renews it several times per
    /// lease, and another worker reclaims the job once it expires.
    pub duration: Duration,
}

impl Default for LeaseConfig {
    /// A 30 s lease held by `HOST-PID-NANOS`.
    fn default() -> Self {
        Self {
            owner: default_owner(),
            duration: Duration::from_secs(30),
        }
    }
}

impl LeaseConfig {
    /// A lease of `duration` with the default owner.
    pub fn with_duration(duration: Duration) -> Self {
        Self {
            duration,
            ..Self::default()
        }
    }
}

/// `HOST-PID-NANOS`: unique per process (and per backend within one).
pub fn default_owner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".to_string());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{host}-{}-{nanos:x}", std::process::id())
}

/// What a heartbeat found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heartbeat {
    /// The lease was renewed: keep running.
    Held,
    /// The job was cancelled (from any process): stop it.
    Cancelled,
    /// The lease is gone (expired and reclaimed, or the job changed): stop without recording.
    Lost,
}

/// What a waiter waits for in [`QueueBackend::wait_signal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// A new event of the job.
    Event,
    /// A cancel request for the job.
    Cancel,
}

/// Storage for the job queue.
///
/// # Contract
/// - `submit` of an id that exists is `InvalidRequest`.
/// - `claim` atomically moves the best runnable job (highest priority, then oldest, with
///   `not_before` ≤ now) to `Running` and increments its attempts; two workers never claim
///   the same job.
/// - A backend that keeps leases ([`QueueBackend::lease`]) gives each claim a lease held by its
///   owner; `claim` also takes `Running` jobs whose lease expired before `now` (their worker
///   died); `succeed` and `fail` only apply while the caller still holds the lease.
/// - `cancel` of a running job marks it cancelled (and asks its worker to stop); the worker's
///   next [`QueueBackend::heartbeat`] answers [`Heartbeat::Cancelled`].
/// - `recover` moves `Running` jobs left by a crash (lease expired, no lease, or held by this
///   owner, which restarted) back to `Queued`; jobs leased by live workers stay theirs.
#[async_trait]
pub trait QueueBackend: Send + Sync + std::fmt::Debug {
    /// Add a job.
    async fn submit(&self, spec: JobSpec, options: SubmitOptions) -> Result<JobRecord>;
    /// One job.
    async fn get(&self, id: &str) -> Result<Option<JobRecord>>;
    /// All jobs, optionally in one state, in queue order.
    async fn list(&self, state: Option<JobState>) -> Result<Vec<JobRecord>>;
    /// 0-based place among queued jobs, `None` when not queued.
    async fn position(&self, id: &str) -> Result<Option<usize>>;
    /// Take the next runnable job.
    async fn claim(&self, now: DateTime<Utc>) -> Result<Option<JobRecord>>;
    /// Mark a running job finished.
    async fn succeed(&self, id: &str) -> Result<()>;
    /// Mark a running job failed: requeued at `retry_at`, or failed for good when `None`.
    async fn fail(&self, id: &str, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()>;
    /// Cancel a queued or running job; returns whether it changed.
    async fn cancel(&self, id: &str) -> Result<bool>;
    /// Put a failed or cancelled job back in the queue with a fresh attempt budget.
    async fn retry(&self, id: &str) -> Result<()>;
    /// Requeue jobs left running by a crash; returns how many.
    async fn recover(&self) -> Result<usize>;

    /// The lease duration when this backend keeps leases (workers then send heartbeats).
    fn lease(&self) -> Option<Duration> {
        None
    }

    /// Renew the lease this process holds on running job `id`.
    async fn heartbeat(&self, id: &str) -> Result<Heartbeat> {
        let _ = id;
        Ok(Heartbeat::Held)
    }

    /// Persist an event of job `id` (a JSON object); returns its sequence number, or `None`
    /// when this backend keeps no events.
    async fn append_event(&self, id: &str, data: serde_json::Value) -> Result<Option<u64>> {
        let _ = (id, data);
        Ok(None)
    }

    /// Events of job `id` with a sequence number above `after`, in order.
    async fn events(&self, id: &str, after: u64) -> Result<Vec<JobEvent>> {
        let _ = (id, after);
        Ok(Vec::new())
    }

    /// Wait until `signal` may have happened for job `id`, or `timeout` passed. Backends with
    /// notifications wake early; the default sleeps for `timeout` (callers poll).
    async fn wait_signal(&self, id: &str, signal: Signal, timeout: Duration) {
        let _ = (id, signal);
        tokio::time::sleep(timeout).await;
    }

    /// Up to `limit` persisted events of all jobs with a position above `after`, in position
    /// order. Positions are global, increasing, and gap-tolerant (a position is never reused);
    /// once a position is readable, no event with a lower position can appear later, so a
    /// follower that stores the last position it handled misses nothing.
    ///
    /// # Errors
    /// `Unsupported` by default (a backend without global event positions).
    async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<PositionedEvent>> {
        let _ = (after, limit);
        Err(unsupported("reading events in global order"))
    }

    /// The position stored for the follower cursor `name`; 0 when none was saved yet.
    ///
    /// # Errors
    /// `Unsupported` by default (a backend without a cursor store).
    async fn load_cursor(&self, name: &str) -> Result<u64> {
        let _ = name;
        Err(unsupported("event cursors"))
    }

    /// Store `position` as the follower cursor `name` (durably, before returning).
    ///
    /// # Errors
    /// `Unsupported` by default (a backend without a cursor store).
    async fn save_cursor(&self, name: &str, position: u64) -> Result<()> {
        let _ = (name, position);
        Err(unsupported("event cursors"))
    }

    /// Wait until an event of any job may have been recorded, or `timeout` passed. Backends
    /// with notifications wake early; the default sleeps for `timeout` (callers poll).
    async fn wait_events(&self, timeout: Duration) {
        tokio::time::sleep(timeout).await;
    }
}

/// A persisted event with its global position ([`QueueBackend::events_after`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionedEvent {
    /// Global, increasing position among all jobs' events (gaps are possible).
    pub position: u64,
    /// The event.
    pub event: JobEvent,
}

/// The typed error of a backend lacking `what`.
fn unsupported(what: &str) -> crate::Error {
    crate::Error::new(
        crate::ErrorKind::Unsupported,
        format!(
            "this job queue backend does not support {what}; use the SQLite or PostgreSQL queue"
        ),
    )
}

#[cfg(test)]
mod tests;
