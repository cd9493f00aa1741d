//! [`JobQueue`]: workers that claim jobs from a [`QueueBackend`] and run them through a
//! [`Pipeline`], with retry backoff and cancellation of running jobs.
//!
//! How many jobs run at once is `QueueConfig::workers`; how much of each kind of work runs at
//! once (network stages, renders, memory) is bounded by the pipeline's
//! [`crate::pipeline::ResourceLimits`], so many jobs can overlap their cheap network stages
//! while renders stay within the machine's memory.

use chrono::Utc;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{JobRecord, JobState, QueueBackend, SubmitOptions};
use crate::pipeline::{CancellationToken, JobOutcome, JobSpec, Pipeline};
use crate::{ErrorKind, Result};

/// Worker settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueConfig {
    /// Jobs in flight at once.
    pub workers: usize,
    /// How often idle workers look for new jobs.
    pub poll_interval: Duration,
    /// First retry delay; doubles per attempt, capped at 10 minutes.
    pub retry_base: Duration,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            workers: 4,
            poll_interval: Duration::from_millis(200),
            retry_base: Duration::from_secs(5),
        }
    }
}

/// A job queue with workers.
#[derive(Debug, Clone)]
pub struct JobQueue {
    backend: Arc<dyn QueueBackend>,
    pipeline: Pipeline,
    config: QueueConfig,
    running: Arc<Mutex<HashMap<String, CancellationToken>>>,
    outcomes: Arc<Mutex<HashMap<String, JobOutcome>>>,
}

impl JobQueue {
    /// Workers over `backend` running `pipeline`.
    pub fn new(backend: Arc<dyn QueueBackend>, pipeline: Pipeline, config: QueueConfig) -> Self {
        Self {
            backend,
            pipeline,
            config,
            running: Arc::default(),
            outcomes: Arc::default(),
        }
    }

    /// The storage backend (for status, list, position).
    pub fn backend(&self) -> &Arc<dyn QueueBackend> {
        &self.backend
    }

    /// Submit a job.
    pub async fn submit(&self, spec: JobSpec, options: SubmitOptions) -> Result<JobRecord> {
        self.backend.submit(spec, options).await
    }

    /// Cancel a job, stopping it promptly if it is running.
    pub async fn cancel(&self, id: &str) -> Result<bool> {
        let changed = self.backend.cancel(id).await?;
        if let Some(token) = self.lock_running().get(id) {
            token.cancel();
        }
        Ok(changed)
    }

    /// The outcome of a job this queue ran in this process.
    pub fn outcome(&self, id: &str) -> Option<JobOutcome> {
        self.outcomes.lock().ok().and_then(|o| o.get(id).cloned())
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancellationToken>> {
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Requeue jobs a crash left running, then run workers until `shutdown` fires.
    pub async fn run(&self, shutdown: CancellationToken) -> Result<()> {
        self.backend.recover().await?;
        self.workers(shutdown, false).await
    }

    /// Requeue crashed jobs and run until no job is queued or running (batch tools, tests).
    pub async fn run_until_idle(&self) -> Result<()> {
        self.backend.recover().await?;
        self.workers(CancellationToken::new(), true).await
    }

    async fn workers(&self, shutdown: CancellationToken, until_idle: bool) -> Result<()> {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..self.config.workers.max(1) {
            let me = self.clone();
            let stop = shutdown.clone();
            set.spawn(async move { me.worker(stop, until_idle).await });
        }
        let mut first_err = None;
        while let Some(r) = set.join_next().await {
            match r {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    first_err.get_or_insert(e);
                }
                Err(e) => {
                    first_err
                        .get_or_insert(crate::Error::internal(format!("worker panicked: {e}")));
                }
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    async fn idle(&self) -> Result<bool> {
        let queued = self.backend.list(Some(JobState::Queued)).await?;
        Ok(queued.is_empty() && self.lock_running().is_empty())
    }

    async fn worker(&self, shutdown: CancellationToken, until_idle: bool) -> Result<()> {
        loop {
            if shutdown.is_cancelled() {
                return Ok(());
            }
            let Some(job) = self.backend.claim(Utc::now()).await? else {
                if until_idle && self.idle().await? {
                    return Ok(());
                }
                tokio::select! {
                    () = tokio::time::sleep(self.config.poll_interval) => {}
                    () = shutdown.cancelled() => return Ok(()),
                }
                continue;
            };
            self.execute(job, &shutdown).await?;
        }
    }

    async fn execute(&self, job: JobRecord, shutdown: &CancellationToken) -> Result<()> {
        let id = job.id().to_string();
        let token = shutdown.child_token();
        self.lock_running().insert(id.clone(), token.clone());
        let result = self.pipeline.run(&job.spec, &token).await;
        self.lock_running().remove(&id);
        match result {
            Ok(outcome) => {
                if let Ok(mut o) = self.outcomes.lock() {
                    o.insert(id.clone(), outcome);
                }
                self.backend.succeed(&id).await
            }
            Err(e) if e.kind() == ErrorKind::Cancelled => {
                // Cancelled by the user (state already cancelled) or by shutdown: requeue.
                if shutdown.is_cancelled() {
                    self.backend
                        .fail(&id, "shut down while running", Some(Utc::now()))
                        .await
                } else {
                    Ok(())
                }
            }
            Err(e) => {
                let permanent = matches!(
                    e.kind(),
                    ErrorKind::InvalidRequest | ErrorKind::Config | ErrorKind::BudgetExceeded
                );
                let retry_at = (!permanent && job.attempts < job.max_attempts).then(|| {
                    let exp = job.attempts.saturating_sub(1).min(16);
                    let delay = self.config.retry_base.saturating_mul(1u32 << exp);
                    let delay = delay.min(Duration::from_secs(600));
                    Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default()
                });
                tracing::warn!(job = %id, attempt = job.attempts, error = %e, retry = retry_at.is_some(), "job failed");
                self.backend.fail(&id, &e.to_string(), retry_at).await
            }
        }
    }
}
