//! [`JobQueue`]: workers that claim jobs from a [`QueueBackend`] and run them through a
//! [`Pipeline`], with retry backoff and cancellation of running jobs.
//!
//! While a job runs its worker sends heartbeats (several per lease, at least every 500 ms)
//! that renew the claim's lease and learn of a cancel from another process, which then stops
//! the running stage through the same token as an in-process cancel. The pipeline's events of
//! the job, and the queue's own, are persisted in the backend ([`QueueBackend::append_event`]).
//!
//! How many jobs run at once is `QueueConfig::workers`; how much of each kind of work runs at
//! once (network stages, renders, memory) is bounded by the pipeline's
//! [`crate::pipeline::ResourceLimits`], so many jobs can overlap their cheap network stages
//! while renders stay within the machine's memory.
//!
//! The workers keep two gauges current ([`crate::telemetry`]): `ytempire_queue_running_jobs`
//! (this process's jobs in flight, 0 from the start) and `ytempire_queue_depth` (jobs waiting in the backend,
//! sampled every poll interval, at least once a second, while the workers run).

use chrono::Utc;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Heartbeat, JobRecord, JobState, QueueBackend, Signal, SubmitOptions};
use crate::pipeline::{CancellationToken, JobOutcome, JobSpec, Pipeline, PipelineEvent};
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
        self.run_until_idle_or(CancellationToken::new()).await
    }

    /// [`JobQueue::run_until_idle`], stopping early when `shutdown` fires: running jobs are
    /// stopped and put back in the queue at once (they resume from their finished stages).
    pub async fn run_until_idle_or(&self, shutdown: CancellationToken) -> Result<()> {
        self.backend.recover().await?;
        self.workers(shutdown, true).await
    }

    async fn workers(&self, shutdown: CancellationToken, until_idle: bool) -> Result<()> {
        let sampling = shutdown.child_token();
        let sampler = tokio::spawn(self.clone().sample_depth(sampling.clone()));
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
        sampling.cancel();
        let _ = sampler.await;
        first_err.map_or(Ok(()), Err)
    }

    /// Keep the queue-depth gauge current until `stop` fires (a failed count is skipped).
    async fn sample_depth(self, stop: CancellationToken) {
        let every = self.config.poll_interval.max(Duration::from_secs(1));
        // An idle worker says so (0 running) from the start, not only after a first job.
        self.update_running();
        loop {
            self.update_depth().await;
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                () = stop.cancelled() => break,
            }
        }
        self.update_depth().await;
    }

    /// Set the queue-depth gauge from the backend's queued jobs.
    async fn update_depth(&self) {
        if let Ok(queued) = self.backend.list(Some(JobState::Queued)).await {
            metrics::gauge!(crate::telemetry::QUEUE_DEPTH).set(queued.len() as f64);
        }
    }

    /// Set the running-jobs gauge from this process's running jobs.
    fn update_running(&self) {
        let running = self.lock_running().len();
        metrics::gauge!(crate::telemetry::QUEUE_RUNNING_JOBS).set(running as f64);
    }

    async fn idle(&self) -> Result<bool> {
        if !self.lock_running().is_empty() {
            return Ok(false);
        }
        let queued = self.backend.list(Some(JobState::Queued)).await?;
        if !queued.is_empty() {
            return Ok(false);
        }
        // Jobs running elsewhere may still come back (a lease that expires): with leases, idle
        // means nothing running anywhere.
        if self.backend.lease().is_some() {
            return Ok(self.backend.list(Some(JobState::Running)).await?.is_empty());
        }
        Ok(true)
    }

    /// Record an event of job `id`; a failure to record is logged, never fatal to the job.
    async fn record(&self, id: &str, data: serde_json::Value) {
        if let Err(e) = self.backend.append_event(id, data).await {
            tracing::warn!(job = %id, error = %e, "could not record a job event");
        }
    }

    /// Renew the lease of running job `id` until `token` fires; cancel `token` when the job
    /// was cancelled elsewhere or the lease was lost (`lost` is then set).
    fn spawn_heartbeat(
        &self,
        id: &str,
        token: &CancellationToken,
        lost: &Arc<std::sync::atomic::AtomicBool>,
    ) -> Option<tokio::task::JoinHandle<()>> {
        let lease = self.backend.lease()?;
        let every = (lease / 4).clamp(Duration::from_millis(50), Duration::from_millis(500));
        let (backend, id, token, lost) = (
            self.backend.clone(),
            id.to_string(),
            token.clone(),
            lost.clone(),
        );
        Some(tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = backend.wait_signal(&id, Signal::Cancel, every) => {}
                    () = token.cancelled() => return,
                }
                match backend.heartbeat(&id).await {
                    Ok(Heartbeat::Held) => {}
                    Ok(Heartbeat::Cancelled) => {
                        tracing::info!(job = %id, "cancelled from another process; stopping");
                        token.cancel();
                        return;
                    }
                    Ok(Heartbeat::Lost) => {
                        tracing::warn!(job = %id, "lease lost (expired and taken by another worker); stopping");
                        lost.store(true, std::sync::atomic::Ordering::SeqCst);
                        token.cancel();
                        return;
                    }
                    Err(e) => tracing::warn!(job = %id, error = %e, "heartbeat failed; retrying"),
                }
            }
        }))
    }

    /// Run the pipeline on `job` while persisting its events (progress at most once a second).
    async fn run_recorded(&self, job: &JobRecord, token: &CancellationToken) -> Result<JobOutcome> {
        let id = job.id();
        let mut rx = self.pipeline.subscribe();
        let mut last_progress: Option<std::time::Instant> = None;
        let run = self.pipeline.run(&job.spec, token);
        tokio::pin!(run);
        let result = loop {
            tokio::select! {
                r = &mut run => break r,
                ev = rx.recv() => {
                    if let Ok(ev) = ev {
                        self.record_pipeline_event(id, &ev, &mut last_progress).await;
                    }
                }
            }
        };
        while let Ok(ev) = rx.try_recv() {
            self.record_pipeline_event(id, &ev, &mut last_progress)
                .await;
        }
        result
    }

    async fn record_pipeline_event(
        &self,
        id: &str,
        ev: &PipelineEvent,
        last_progress: &mut Option<std::time::Instant>,
    ) {
        if ev.job() != id {
            return;
        }
        if matches!(ev, PipelineEvent::StageProgress { .. }) {
            if last_progress.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
                return;
            }
            *last_progress = Some(std::time::Instant::now());
        }
        match serde_json::to_value(ev) {
            Ok(v) => self.record(id, v).await,
            Err(e) => tracing::warn!(job = %id, error = %e, "could not encode a job event"),
        }
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
        self.update_running();
        self.record(
            &id,
            serde_json::json!({"event": "claimed", "attempt": job.attempts}),
        )
        .await;
        let lost = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let heartbeat = self.spawn_heartbeat(&id, &token, &lost);
        let result = self.run_recorded(&job, &token).await;
        if let Some(h) = heartbeat {
            h.abort();
        }
        self.lock_running().remove(&id);
        self.update_running();
        if lost.load(std::sync::atomic::Ordering::SeqCst) {
            // Another worker owns the job now; whatever happened here is not recorded.
            return Ok(());
        }
        match result {
            Ok(outcome) => {
                if let Ok(mut o) = self.outcomes.lock() {
                    o.insert(id.clone(), outcome);
                }
                self.record(&id, serde_json::json!({"event": "succeeded"}))
                    .await;
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
                let event = match retry_at {
                    Some(at) => {
                        serde_json::json!({"event": "retrying", "error": e.to_string(), "at": at})
                    }
                    None => serde_json::json!({"event": "failed", "error": e.to_string()}),
                };
                self.record(&id, event).await;
                self.backend.fail(&id, &e.to_string(), retry_at).await
            }
        }
    }
}
