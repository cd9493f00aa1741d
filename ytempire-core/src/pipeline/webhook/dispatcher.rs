//! [`WebhookDispatcher`]: two background tasks, one taking events from the source into the
//! bounded queue, one delivering the queue in order with retries.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use futures::FutureExt as _;
use futures::stream::{BoxStream, Stream, StreamExt as _};
use tokio::sync::{Notify, broadcast};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::config::WebhookConfig;
use super::delivery::{Delivery, Outcome};
use super::queue::{BoundedQueue, Class, Pending};
use super::transport::{DynWebhookTransport, WebhookEnvelope};
use crate::pipeline::PipelineEvent;
use crate::{Error, Result};

/// Counts of what a [`WebhookDispatcher`] did with the events it received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// Events the endpoint accepted (2xx).
    pub delivered: u64,
    /// Retries (attempts after the first), over all events.
    pub retried: u64,
    /// Events never attempted to the end: queue overflow, a lagging broadcast receiver, or
    /// still queued when the shutdown deadline passed.
    pub dropped: u64,
    /// Events given up on: a 4xx other than 429, a non-retryable transport error, or the last
    /// attempt failed.
    pub failed: u64,
    /// Events waiting in the queue now (0 after shutdown).
    pub pending: u64,
}

/// Where events come from.
enum Source {
    Broadcast(broadcast::Receiver<PipelineEvent>),
    Stream(BoxStream<'static, PipelineEvent>),
}

enum Next {
    Event(PipelineEvent),
    Lagged(u64),
    /// Nothing more will come.
    Closed,
    /// Nothing right now (only from `try_next`).
    Empty,
}

impl Source {
    async fn next(&mut self) -> Next {
        match self {
            Self::Broadcast(rx) => match rx.recv().await {
                Ok(e) => Next::Event(e),
                Err(broadcast::error::RecvError::Lagged(n)) => Next::Lagged(n),
                Err(broadcast::error::RecvError::Closed) => Next::Closed,
            },
            Self::Stream(s) => s.next().await.map_or(Next::Closed, Next::Event),
        }
    }

    fn try_next(&mut self) -> Next {
        match self {
            Self::Broadcast(rx) => match rx.try_recv() {
                Ok(e) => Next::Event(e),
                Err(broadcast::error::TryRecvError::Lagged(n)) => Next::Lagged(n),
                Err(broadcast::error::TryRecvError::Closed) => Next::Closed,
                Err(broadcast::error::TryRecvError::Empty) => Next::Empty,
            },
            Self::Stream(s) => match s.next().now_or_never() {
                Some(Some(e)) => Next::Event(e),
                Some(None) => Next::Closed,
                None => Next::Empty,
            },
        }
    }
}

struct State {
    queue: BoundedQueue,
    report: DeliveryReport,
    next_sequence: u64,
    intake_done: bool,
}

struct Shared {
    config: WebhookConfig,
    transport: DynWebhookTransport,
    stream_id: String,
    state: Mutex<State>,
    wake: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The lock guards plain counters; a panic elsewhere cannot leave them inconsistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn enqueue(&self, event: PipelineEvent) {
        let class = Class::of(&event);
        let mut st = self.lock();
        st.next_sequence += 1;
        let sequence = st.next_sequence;
        let id = format!("evt_{}_{sequence:06}", self.stream_id);
        let envelope = WebhookEnvelope::new(id.clone(), sequence, chrono::Utc::now(), event);
        let body = match serde_json::to_vec(&envelope) {
            Ok(body) => body,
            Err(err) => {
                tracing::warn!(event_id = %id, error = %err, "cannot serialise a webhook event");
                st.report.failed += 1;
                return;
            }
        };
        let dropped = st.queue.push(Pending {
            id,
            sequence,
            class,
            body,
        });
        if let Some(dropped) = dropped {
            st.report.dropped += 1;
            tracing::warn!(
                event_id = %dropped.id,
                sequence = dropped.sequence,
                capacity = self.config.queue_capacity(),
                "webhook queue full; dropped the oldest lowest-priority event"
            );
        }
        drop(st);
        self.wake.notify_one();
    }

    fn lagged(&self, missed: u64) {
        self.lock().report.dropped += missed;
        tracing::warn!(
            missed,
            "webhook dispatcher lagged behind the event stream; events were dropped"
        );
    }

    fn report(&self) -> DeliveryReport {
        let st = self.lock();
        DeliveryReport {
            pending: st.queue.len() as u64,
            ..st.report
        }
    }

    /// Deliver one event, retrying as configured.
    async fn deliver(&self, item: &Pending) -> Outcome {
        Delivery::new(&self.config, &self.transport)
            .deliver(&item.id, &item.body, || self.lock().report.retried += 1)
            .await
    }
}

async fn intake(shared: Arc<Shared>, mut source: Source, stop: CancellationToken) {
    loop {
        let next = tokio::select! {
            biased;
            next = source.next() => next,
            () = stop.cancelled() => break,
        };
        match next {
            Next::Event(event) => shared.enqueue(event),
            Next::Lagged(n) => shared.lagged(n),
            Next::Closed | Next::Empty => {
                shared.lock().intake_done = true;
                shared.wake.notify_one();
                return;
            }
        }
    }
    // Shutting down: take what the source already holds, then stop.
    loop {
        match source.try_next() {
            Next::Event(event) => shared.enqueue(event),
            Next::Lagged(n) => shared.lagged(n),
            Next::Closed | Next::Empty => break,
        }
    }
    shared.lock().intake_done = true;
    shared.wake.notify_one();
}

async fn deliver_all(shared: Arc<Shared>, stop: CancellationToken) {
    let flush = shared.config.shutdown_timeout();
    let deadline = async {
        stop.cancelled().await;
        tokio::time::sleep(flush).await;
    };
    tokio::pin!(deadline);
    loop {
        let item = {
            let mut st = shared.lock();
            match st.queue.pop() {
                Some(item) => Some(item),
                None if st.intake_done => return,
                None => None,
            }
        };
        let Some(item) = item else {
            tokio::select! {
                () = shared.wake.notified() => {}
                () = &mut deadline => {
                    abandon(&shared, 0);
                    return;
                }
            }
            continue;
        };
        tokio::select! {
            outcome = shared.deliver(&item) => {
                let mut st = shared.lock();
                match outcome {
                    Outcome::Delivered => st.report.delivered += 1,
                    Outcome::Failed => st.report.failed += 1,
                }
            }
            () = &mut deadline => {
                abandon(&shared, 1);
                return;
            }
        }
    }
}

/// The shutdown deadline passed: drop what is left (plus `in_flight`).
fn abandon(shared: &Shared, in_flight: u64) {
    let left = {
        let mut st = shared.lock();
        let left = st.queue.clear() as u64 + in_flight;
        st.report.dropped += left;
        left
    };
    if left > 0 {
        tracing::warn!(
            dropped = left,
            url = %shared.config.url().redacted(),
            "webhook shutdown deadline passed; undelivered events dropped"
        );
    }
}

/// Delivers pipeline events to a webhook endpoint, in order, signed, with retries.
///
/// See the [module docs](super) for the wire format, the retry rules and the overflow policy.
/// Dropping the dispatcher without [`shutdown`](Self::shutdown) stops intake and lets the
/// background task keep flushing the queue until the shutdown deadline, as long as the runtime
/// lives.
pub struct WebhookDispatcher {
    shared: Arc<Shared>,
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl fmt::Debug for WebhookDispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookDispatcher")
            .field("config", &self.shared.config)
            .field("transport", &self.shared.transport)
            .field("report", &self.shared.report())
            .finish_non_exhaustive()
    }
}

impl WebhookDispatcher {
    /// Start delivering the events `events` receives (e.g. from
    /// [`Pipeline::subscribe`](crate::pipeline::Pipeline::subscribe)).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when called outside a tokio runtime.
    pub fn spawn(
        config: WebhookConfig,
        transport: DynWebhookTransport,
        events: broadcast::Receiver<PipelineEvent>,
    ) -> Result<Self> {
        Self::start(config, transport, Source::Broadcast(events))
    }

    /// Start delivering the events of any stream (e.g. a job queue's event feed).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when called outside a tokio runtime.
    pub fn spawn_stream<S>(
        config: WebhookConfig,
        transport: DynWebhookTransport,
        events: S,
    ) -> Result<Self>
    where
        S: Stream<Item = PipelineEvent> + Send + 'static,
    {
        Self::start(config, transport, Source::Stream(events.boxed()))
    }

    fn start(
        config: WebhookConfig,
        transport: DynWebhookTransport,
        source: Source,
    ) -> Result<Self> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::config("WebhookDispatcher must be started inside a tokio runtime")
        })?;
        let shared = Arc::new(Shared {
            stream_id: format!("{:016x}", rand::random::<u64>()),
            state: Mutex::new(State {
                queue: BoundedQueue::new(config.queue_capacity()),
                report: DeliveryReport::default(),
                next_sequence: 0,
                intake_done: false,
            }),
            config,
            transport,
            wake: Notify::new(),
        });
        let stop = CancellationToken::new();
        let tasks = vec![
            runtime.spawn(intake(Arc::clone(&shared), source, stop.clone())),
            runtime.spawn(deliver_all(Arc::clone(&shared), stop.clone())),
        ];
        Ok(Self {
            shared,
            stop,
            tasks,
        })
    }

    /// What has happened so far.
    pub fn stats(&self) -> DeliveryReport {
        self.shared.report()
    }

    /// Stop taking new events, deliver those already received (including any still buffered
    /// in the source) until [`WebhookConfig::shutdown_timeout`] passes, drop the rest, and
    /// return the final counts.
    pub async fn shutdown(mut self) -> DeliveryReport {
        self.stop.cancel();
        self.wait().await
    }

    /// Wait until the source ends (every sender dropped, or the stream finished) and every
    /// received event is delivered or given up, then return the final counts. Without a
    /// deadline: use [`shutdown`](Self::shutdown) to bound the wait.
    pub async fn join(mut self) -> DeliveryReport {
        self.wait().await
    }

    async fn wait(&mut self) -> DeliveryReport {
        for task in self.tasks.drain(..) {
            if let Err(err) = task.await {
                tracing::warn!(error = %err, "webhook dispatcher task ended abnormally");
            }
        }
        self.shared.report()
    }
}

impl Drop for WebhookDispatcher {
    fn drop(&mut self) {
        // Intake stops; delivery flushes until the shutdown deadline, in the background.
        self.stop.cancel();
    }
}
