//! Upload progress as pipeline events: the upload stage's [`ProgressSink`] turns confirmed
//! bytes into bounded-rate [`PipelineEvent::StageProgress`] fractions.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::broadcast;

use super::events::PipelineEvent;
use super::stages::StageName;
use crate::{ProgressSink, UploadProgress};

/// Turns an upload's confirmed bytes into upload-stage `StageProgress` events: increasing
/// fractions, at most one per [`UPLOAD_PROGRESS_EVERY`] plus the final 1.0.
pub(super) struct UploadProgressEvents {
    events: broadcast::Sender<PipelineEvent>,
    job: String,
    last: Mutex<Option<(Instant, f64)>>,
}

/// Least time between two upload progress events.
const UPLOAD_PROGRESS_EVERY: Duration = Duration::from_millis(100);

impl UploadProgressEvents {
    /// Events for `job` on `events`.
    pub(super) fn new(events: broadcast::Sender<PipelineEvent>, job: &str) -> Self {
        Self {
            events,
            job: job.to_string(),
            last: Mutex::new(None),
        }
    }

    /// Whether `fraction` at `now` should become an event (and remember it if so).
    fn admit(&self, now: Instant, fraction: f64) -> bool {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let due = last.is_none_or(|(at, prev)| {
            fraction > prev
                && (fraction >= 1.0 || now.saturating_duration_since(at) >= UPLOAD_PROGRESS_EVERY)
        });
        if due {
            *last = Some((now, fraction));
        }
        due
    }
}

impl ProgressSink for UploadProgressEvents {
    fn on_progress(&self, progress: UploadProgress) {
        let fraction = progress.fraction().clamp(0.0, 1.0);
        if self.admit(Instant::now(), fraction) {
            let _ = self.events.send(PipelineEvent::StageProgress {
                job: self.job.clone(),
                stage: StageName::Upload,
                fraction,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_progress_is_rate_bounded_and_ends_at_one() {
        let (events, mut rx) = broadcast::channel(64);
        let sink = UploadProgressEvents::new(events, "j");
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        assert!(sink.admit(ms(0), 0.1));
        assert!(!sink.admit(ms(10), 0.2), "too soon");
        assert!(sink.admit(ms(150), 0.3));
        assert!(!sink.admit(ms(400), 0.3), "no progress, no event");
        assert!(sink.admit(ms(401), 1.0), "the end is always reported");
        assert!(!sink.admit(ms(900), 1.0));
        ProgressSink::on_progress(
            &sink,
            UploadProgress {
                bytes_sent: 5,
                total_bytes: 5,
            },
        );
        assert!(rx.try_recv().is_err(), "1.0 was already reported");
    }
}
