//! A persistent job queue: submit, status, position, list, cancel, retry with backoff,
//! priorities, and workers that run jobs through a [`crate::pipeline::Pipeline`] with bounded,
//! resource-aware concurrency.
//!
//! [`QueueBackend`] is the storage seam; [`SqliteQueue`] is the embedded implementation (one
//! SQLite file, WAL, full fsync), so a restart loses no job: jobs that were running when the
//! process died go back to the queue on [`QueueBackend::recover`]. A distributed backend
//! (PostgreSQL, Redis Streams) implements the same trait.

mod sqlite;
mod worker;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::pipeline::JobSpec;

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

/// Storage for the job queue.
///
/// # Contract
/// - `submit` of an id that exists is `InvalidRequest`.
/// - `claim` atomically moves the best runnable job (highest priority, then oldest, with
///   `not_before` ≤ now) to `Running` and increments its attempts; two workers never claim
///   the same job.
/// - `recover` moves `Running` jobs (left by a crash) back to `Queued`.
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
}

#[cfg(test)]
mod tests;
