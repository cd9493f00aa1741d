//! Persisted job events ([`JobEvent`]) and [`follow`]: a stream of one job's events from a
//! sequence number, live, from any process that can open the queue.

use chrono::{DateTime, Utc};
use futures::Stream;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

use super::{QueueBackend, Signal};
use crate::{Error, ErrorKind, Result};

/// One persisted event of a job.
///
/// `data` is a JSON object with an `event` field: the pipeline's
/// [`crate::pipeline::PipelineEvent`]s (`stage_started`, `stage_finished`, …) and the queue's
/// own (`submitted`, `claimed`, `succeeded`, `retrying`, `failed`, `cancelled`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobEvent {
    /// Job id.
    pub job: String,
    /// 1-based sequence number within the job.
    pub seq: u64,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// The event.
    pub data: serde_json::Value,
}

impl JobEvent {
    /// The event's name (`data.event`), empty when it has none.
    pub fn name(&self) -> &str {
        self.data
            .get("event")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
    }
}

/// How long [`follow`] waits for a notification before looking again.
const FOLLOW_POLL: Duration = Duration::from_millis(500);

struct FollowState {
    backend: Arc<dyn QueueBackend>,
    job: String,
    after: u64,
    pending: std::collections::VecDeque<JobEvent>,
    done: bool,
}

/// The events of job `job` with a sequence number above `after`, as they are recorded; the
/// stream ends once the job is finished, failed or cancelled and its events are all out.
///
/// # Errors
/// An item is `NotFound` when the job does not exist, or the backend's error.
pub fn follow(
    backend: Arc<dyn QueueBackend>,
    job: impl Into<String>,
    after: u64,
) -> impl Stream<Item = Result<JobEvent>> + Send {
    let state = FollowState {
        backend,
        job: job.into(),
        after,
        pending: std::collections::VecDeque::new(),
        done: false,
    };
    futures::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(ev) = st.pending.pop_front() {
                st.after = ev.seq;
                return Some((Ok(ev), st));
            }
            if st.done {
                return None;
            }
            // The state first: events recorded before it are then all in the next read.
            let terminal = match st.backend.get(&st.job).await {
                Ok(Some(j)) => j.state.is_terminal(),
                Ok(None) => {
                    st.done = true;
                    let e = Error::new(
                        ErrorKind::NotFound,
                        format!("no job {:?} in the queue", st.job),
                    );
                    return Some((Err(e), st));
                }
                Err(e) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
            };
            match st.backend.events(&st.job, st.after).await {
                Ok(evs) => st.pending.extend(evs),
                Err(e) => {
                    st.done = true;
                    return Some((Err(e), st));
                }
            }
            if terminal {
                st.done = true;
            } else if st.pending.is_empty() {
                st.backend
                    .wait_signal(&st.job, Signal::Event, FOLLOW_POLL)
                    .await;
            }
        }
    })
}
