//! Usage metering: every provider attempt becomes a [`UsageRecord`] sent to a [`UsageSink`].
//!
//! The `Metered` decorator (see [`crate::layers`]) produces the records; the cost crate's
//! ledger consumes them. Job and stage labels come from the layer's own labels, overridden by
//! the task-local scope set with [`with_labels`], so one provider stack can serve many jobs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use crate::{ErrorKind, Usage};

/// Which trait a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapabilityKind {
    /// [`crate::LanguageModel`].
    Llm,
    /// [`crate::SpeechSynthesizer`].
    Tts,
    /// [`crate::ImageSource`].
    Image,
    /// [`crate::Uploader`].
    Upload,
    /// [`crate::TrendSource`].
    Trend,
}

/// Job and stage a call belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Labels {
    /// Job id (one video).
    pub job: Option<String>,
    /// Pipeline stage, e.g. "script", "narration".
    pub stage: Option<String>,
}

impl Labels {
    /// Labels for a job and stage.
    pub fn new(job: impl Into<String>, stage: impl Into<String>) -> Self {
        Self {
            job: Some(job.into()),
            stage: Some(stage.into()),
        }
    }

    /// `self`, with any field set in `other` taking precedence.
    #[must_use]
    pub fn overridden_by(&self, other: &Labels) -> Labels {
        Labels {
            job: other.job.clone().or_else(|| self.job.clone()),
            stage: other.stage.clone().or_else(|| self.stage.clone()),
        }
    }
}

tokio::task_local! {
    static SCOPE: Labels;
}

/// Run `fut` with `labels` as the current job/stage for metering.
///
/// ```
/// use ytempire_core::metering::{current_labels, with_labels, Labels};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let seen = with_labels(Labels::new("job-1", "script"), async { current_labels() }).await;
/// assert_eq!(seen.job.as_deref(), Some("job-1"));
/// assert_eq!(current_labels(), Labels::default());
/// # }
/// ```
pub async fn with_labels<F: Future>(labels: Labels, fut: F) -> F::Output {
    SCOPE.scope(labels, fut).await
}

/// The labels of the current task scope (empty outside [`with_labels`]).
pub fn current_labels() -> Labels {
    SCOPE.try_with(Clone::clone).unwrap_or_default()
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "kind")]
pub enum Outcome {
    /// It succeeded.
    Success,
    /// It failed with this kind.
    Failure(ErrorKind),
}

/// One metered attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UsageRecord {
    /// Job and stage.
    pub labels: Labels,
    /// Which trait.
    pub capability: CapabilityKind,
    /// Provider id.
    pub provider: String,
    /// Model.
    pub model: String,
    /// What it consumed (empty for most failures).
    pub usage: Usage,
    /// Success or the failure kind.
    pub outcome: Outcome,
    /// 1-based attempt number within the enclosing retry loop, when known.
    pub attempt: u32,
    /// When the attempt started.
    pub started_at: DateTime<Utc>,
    /// How long it took.
    pub elapsed: Duration,
}

impl UsageRecord {
    /// A record for one attempt.
    #[allow(clippy::too_many_arguments, reason = "a plain record constructor")]
    pub fn new(
        labels: Labels,
        capability: CapabilityKind,
        provider: impl Into<String>,
        model: impl Into<String>,
        usage: Usage,
        outcome: Outcome,
        attempt: u32,
        started_at: DateTime<Utc>,
        elapsed: Duration,
    ) -> Self {
        Self {
            labels,
            capability,
            provider: provider.into(),
            model: model.into(),
            usage,
            outcome,
            attempt,
            started_at,
            elapsed,
        }
    }
}

/// Receives usage records. Must not block for long: it is called on the request path.
pub trait UsageSink: Send + Sync + std::fmt::Debug {
    /// Record one attempt.
    fn record(&self, record: UsageRecord);

    /// An attempt is about to be sent: `record` is what will be recorded if the process dies
    /// before the answer (no usage, outcome `Failure(Cancelled)`, zero elapsed). The same
    /// attempt's [`record`](Self::record) (same provider, model, attempt, labels and
    /// `started_at`) replaces it. A durable sink (the cost ledger) stores it at once, so a
    /// paid request in flight when the process is killed still shows in the books; the
    /// default ignores it.
    fn started(&self, record: &UsageRecord) {
        let _ = record;
    }
}

/// A [`UsageSink`] that keeps records in memory (tests, small tools).
#[derive(Debug, Default)]
pub struct MemorySink {
    records: Mutex<Vec<UsageRecord>>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of all records so far.
    pub fn records(&self) -> Vec<UsageRecord> {
        self.records
            .lock()
            .map(|r| r.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Sum of all recorded usage.
    pub fn total(&self) -> Usage {
        self.records()
            .into_iter()
            .fold(Usage::default(), |acc, r| acc + r.usage)
    }
}

impl UsageSink for MemorySink {
    fn record(&self, record: UsageRecord) {
        match self.records.lock() {
            Ok(mut r) => r.push(record),
            Err(poisoned) => poisoned.into_inner().push(record),
        }
    }
}

impl<T: UsageSink + ?Sized> UsageSink for std::sync::Arc<T> {
    fn record(&self, record: UsageRecord) {
        (**self).record(record);
    }
}
