//! Progress events of a running job, delivered as a broadcast stream, plus task-local progress
//! reporting that any stage implementation can call.

use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::Arc;

use super::StageName;
use crate::ErrorKind;

/// Something that happened in a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
#[non_exhaustive]
pub enum PipelineEvent {
    /// A stage began.
    StageStarted {
        /// Job id.
        job: String,
        /// Stage.
        stage: StageName,
    },
    /// A stage reported progress.
    StageProgress {
        /// Job id.
        job: String,
        /// Stage.
        stage: StageName,
        /// Fraction done, 0–1.
        fraction: f64,
    },
    /// A stage finished (or was restored from a previous run).
    StageFinished {
        /// Job id.
        job: String,
        /// Stage.
        stage: StageName,
        /// Seconds it took (0 when restored).
        elapsed_secs: f64,
        /// True when restored from the manifest instead of run.
        resumed: bool,
    },
    /// Money spent on the job so far.
    Cost {
        /// Job id.
        job: String,
        /// US dollars.
        usd: f64,
    },
    /// Something the user should know that did not stop the job.
    Warning {
        /// Job id.
        job: String,
        /// What happened.
        message: String,
    },
    /// A stage failed; the job stopped.
    Failed {
        /// Job id.
        job: String,
        /// Stage.
        stage: StageName,
        /// Error kind.
        kind: ErrorKind,
        /// Error message.
        error: String,
    },
    /// The job finished.
    Finished {
        /// Job id.
        job: String,
    },
}

impl PipelineEvent {
    /// The job the event belongs to.
    pub fn job(&self) -> &str {
        match self {
            Self::StageStarted { job, .. }
            | Self::StageProgress { job, .. }
            | Self::StageFinished { job, .. }
            | Self::Cost { job, .. }
            | Self::Warning { job, .. }
            | Self::Failed { job, .. }
            | Self::Finished { job } => job,
        }
    }
}

type ProgressFn = Arc<dyn Fn(f64) + Send + Sync>;

tokio::task_local! {
    static PROGRESS: ProgressFn;
}

/// Run `fut` with `report` receiving [`report_progress`] calls made inside it.
pub async fn with_progress<F: Future>(report: ProgressFn, fut: F) -> F::Output {
    PROGRESS.scope(report, fut).await
}

/// Report progress (0–1) of the current stage. A no-op outside a pipeline run.
pub fn report_progress(fraction: f64) {
    let _ = PROGRESS.try_with(|f| f(fraction.clamp(0.0, 1.0)));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Webhooks and logs carry events as JSON; a receiver must read back exactly what was sent,
    /// down to the last bit of every float (serde_json's default parser can be one ULP off).
    #[test]
    fn events_round_trip_through_json_bit_exactly() {
        let mut x = 2.942_122_025_f64;
        for i in 0..2000 {
            let event = PipelineEvent::StageFinished {
                job: "j".into(),
                stage: StageName::Render,
                elapsed_secs: x,
                resumed: false,
            };
            let json = serde_json::to_string(&event).unwrap_or_default();
            let back: Option<PipelineEvent> = serde_json::from_str(&json).ok();
            assert_eq!(back.as_ref(), Some(&event), "{json} (case {i})");
            x = x * 1.000_173 + 1e-7;
        }
    }
}
