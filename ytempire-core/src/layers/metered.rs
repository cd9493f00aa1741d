//! `Metered`: report every attempt, success or failure, to a [`UsageSink`].
//!
//! Each attempt becomes one [`UsageRecord`] with the layer's [`Labels`] overridden by the
//! task scope ([`crate::metering::with_labels`]), the attempt number of the enclosing `Retry`
//! ([`super::current_attempt`]), the elapsed time and the outcome. An attempt abandoned
//! half-way (an outer timeout or a cancelled job dropped it) is recorded as a `Cancelled`
//! failure, so no attempt goes unrecorded; before each attempt is sent the sink hears of it
//! ([`UsageSink::started`]), so a durable sink keeps even an attempt the process died in. Put `Metered` inside `Retry` so each attempt is seen.
//! Each finished attempt is also counted and timed in the provider metrics
//! ([`crate::telemetry`]: `ytempire_provider_calls_total`, `ytempire_provider_call_duration_seconds`).
//!
//! ```
//! use std::sync::Arc;
//! use ytempire_core::layers::Metered;
//! use ytempire_core::metering::{Labels, MemorySink};
//! # #[derive(Debug)] struct P;
//! # impl std::fmt::Display for P { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("p") } }
//! let sink = Arc::new(MemorySink::new());
//! let metered = Metered::new(P, sink.clone(), Labels::new("job-1", "script"));
//! assert_eq!(metered.to_string(), "Metered(p)");
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use chrono::Utc;
use tokio::time::Instant;

use super::{LayerRequest, LayerResponse, current_attempt, impl_decorator, impl_decorator_one};
use crate::metering::{CapabilityKind, Labels, Outcome, UsageRecord, UsageSink, current_labels};
use crate::{ErrorKind, ProviderInfo, Result, Usage};

/// Meters its inner provider; see the [layers module docs](crate::layers).
#[derive(Debug, Clone)]
pub struct Metered<P> {
    inner: P,
    sink: Arc<dyn UsageSink>,
    labels: Labels,
}

impl<P> Metered<P> {
    /// Report `inner`'s attempts to `sink` with default `labels`.
    pub fn new(inner: P, sink: Arc<dyn UsageSink>, labels: Labels) -> Self {
        Self {
            inner,
            sink,
            labels,
        }
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    pub(crate) async fn run<Req, R, F, Fut>(
        &self,
        info: ProviderInfo,
        _request: &Req,
        call: F,
    ) -> Result<R>
    where
        Req: LayerRequest,
        R: LayerResponse,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<R>>,
    {
        let mut guard = Pending {
            sink: &*self.sink,
            labels: self.labels.overridden_by(&current_labels()),
            capability: Req::CAPABILITY,
            info: Some(info),
            attempt: current_attempt(),
            started_at: Utc::now(),
            start: Instant::now(),
        };
        guard.announce();
        let result = call().await;
        match &result {
            Ok(resp) => guard.finish(resp.usage().clone(), Outcome::Success),
            Err(err) => guard.finish(Usage::default(), Outcome::Failure(err.kind())),
        }
        result
    }
}

/// One attempt in flight; records itself as cancelled if dropped before it finishes.
struct Pending<'a> {
    sink: &'a dyn UsageSink,
    labels: Labels,
    capability: CapabilityKind,
    info: Option<ProviderInfo>,
    attempt: u32,
    started_at: chrono::DateTime<Utc>,
    start: Instant,
}

impl Pending<'_> {
    /// Tell the sink the attempt is about to be sent ([`UsageSink::started`]).
    fn announce(&self) {
        if let Some(info) = &self.info {
            self.sink.started(&UsageRecord::new(
                self.labels.clone(),
                self.capability,
                info.provider.clone(),
                info.model.clone(),
                Usage::default(),
                Outcome::Failure(ErrorKind::Cancelled),
                self.attempt,
                self.started_at,
                std::time::Duration::ZERO,
            ));
        }
    }

    fn finish(&mut self, usage: Usage, outcome: Outcome) {
        let Some(info) = self.info.take() else {
            return;
        };
        let record = UsageRecord::new(
            std::mem::take(&mut self.labels),
            self.capability,
            info.provider,
            info.model,
            usage,
            outcome,
            self.attempt,
            self.started_at,
            self.start.elapsed(),
        );
        crate::telemetry::record_provider_call(&record);
        self.sink.record(record);
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        self.finish(Usage::default(), Outcome::Failure(ErrorKind::Cancelled));
    }
}

impl<P: fmt::Display> fmt::Display for Metered<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Metered({})", self.inner)
    }
}

impl_decorator!(Metered, {
    |this, request, call, info| this.run(info(), request, call).await
});

#[cfg(test)]
mod tests;
