//! `ConcurrencyLimit` (at most N calls in flight, a tokio semaphore) and `RateLimit` (a token
//! bucket on tokio time: at most `calls` per `per`, bursts up to `calls`).
//!
//! ```
//! use std::time::Duration;
//! use ytempire_core::layers::{ConcurrencyLimit, RateLimit};
//! # #[derive(Debug)] struct P;
//! # impl std::fmt::Display for P { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("p") } }
//! let limited = ConcurrencyLimit::new(P, 4);
//! assert_eq!(limited.to_string(), "ConcurrencyLimit(4, p)");
//! let paced = RateLimit::new(limited, 10, Duration::from_secs(1));
//! assert_eq!(paced.to_string(), "RateLimit(10/1s, ConcurrencyLimit(4, p))");
//! ```

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::{impl_decorator, impl_decorator_one};
use crate::{Error, Result};

/// At most `max` calls to the inner provider at once; the rest wait their turn.
#[derive(Debug, Clone)]
pub struct ConcurrencyLimit<P> {
    inner: P,
    max: usize,
    permits: Arc<Semaphore>,
}

impl<P> ConcurrencyLimit<P> {
    /// Allow at most `max` (at least 1) concurrent calls.
    pub fn new(inner: P, max: usize) -> Self {
        let max = max.max(1);
        Self {
            inner,
            max,
            permits: Arc::new(Semaphore::new(max)),
        }
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    async fn run<R, F, Fut>(&self, call: F) -> Result<R>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<R>>,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Error::internal("concurrency limit semaphore closed"))?;
        call().await
    }
}

impl<P: fmt::Display> fmt::Display for ConcurrencyLimit<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConcurrencyLimit({}, {})", self.max, self.inner)
    }
}

impl_decorator!(ConcurrencyLimit, {
    |this, _request, call, _info| this.run(call).await
});

/// At most `calls` calls per `per`, bursting up to `calls`; later calls wait (GCRA token
/// bucket on tokio time, so paused-time tests see exact spacing).
#[derive(Debug, Clone)]
pub struct RateLimit<P> {
    inner: P,
    calls: u32,
    per: Duration,
    /// Theoretical arrival time of the next call.
    tat: Arc<Mutex<Option<Instant>>>,
}

impl<P> RateLimit<P> {
    /// Allow `calls` (at least 1) calls per `per`.
    pub fn new(inner: P, calls: u32, per: Duration) -> Self {
        Self {
            inner,
            calls: calls.max(1),
            per,
            tat: Arc::new(Mutex::new(None)),
        }
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    /// Reserve the next slot and return when it starts.
    fn reserve(&self) -> Instant {
        let interval = self.per / self.calls;
        let tolerance = interval * (self.calls - 1);
        let now = Instant::now();
        let mut tat = match self.tat.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let current = tat.map_or(now, |t| t.max(now));
        let slot = current
            .checked_sub(tolerance)
            .map_or(now, |earliest| earliest.max(now));
        *tat = Some(current + interval);
        slot
    }

    async fn run<R, F, Fut>(&self, call: F) -> Result<R>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<R>>,
    {
        let slot = self.reserve();
        tokio::time::sleep_until(slot).await;
        call().await
    }
}

impl<P: fmt::Display> fmt::Display for RateLimit<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RateLimit({}/{:?}, {})",
            self.calls, self.per, self.inner
        )
    }
}

impl_decorator!(RateLimit, {
    |this, _request, call, _info| this.run(call).await
});

#[cfg(test)]
mod tests;
