//! `Retry`: try again after retryable errors, with jittered exponential backoff.
//!
//! - Retries only where [`Error::is_retryable`] (uploads: only `RateLimited`, `Upstream` and
//!   `Transport`, because an upload is not idempotent; see [`crate::Uploader`]).
//! - Waits at least [`Error::retry_after`] when the vendor said how long.
//! - Each attempt may have its own timeout ([`RetryConfig::per_attempt_timeout`]); the whole
//!   loop stops at [`RetryConfig::total_timeout`].
//! - The final error records attempts and elapsed time ([`Error::attempts`]).
//! - Inner layers can read the current attempt number with [`current_attempt`], so a
//!   `Metered` layer inside records attempt 1, 2, 3.
//! - Jitter comes from an injectable [`JitterSource`] ([`SeededJitter`] by default).
//!
//! ```
//! use std::time::Duration;
//! use ytempire_core::layers::{Backoff, RetryConfig};
//! let cfg = RetryConfig::default()
//!     .with_max_retries(5)
//!     .with_total_timeout(Duration::from_secs(60))
//!     .with_backoff(Backoff::new(Duration::from_millis(200), Duration::from_secs(10), 2.0));
//! assert_eq!(cfg.max_retries, 5);
//! ```

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};
use tokio::time::Instant;

use super::{LayerRequest, impl_decorator, impl_decorator_one};
use crate::{Error, ErrorKind, Result};

tokio::task_local! {
    static ATTEMPT: u32;
}

/// The 1-based attempt number of the enclosing [`Retry`] loop (1 outside any retry).
pub fn current_attempt() -> u32 {
    ATTEMPT.try_with(|a| *a).unwrap_or(1)
}

/// Exponential backoff bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Backoff {
    /// First wait (before jitter).
    pub initial: Duration,
    /// Largest wait.
    pub max: Duration,
    /// Growth factor per attempt (at least 1).
    pub multiplier: f64,
}

impl Backoff {
    /// Backoff from `initial` growing by `multiplier` up to `max`.
    pub fn new(initial: Duration, max: Duration, multiplier: f64) -> Self {
        Self {
            initial,
            max,
            multiplier,
        }
    }
}

impl Default for Backoff {
    /// 500 ms, doubling, at most 30 s.
    fn default() -> Self {
        Self::new(Duration::from_millis(500), Duration::from_secs(30), 2.0)
    }
}

/// How a [`Retry`] layer behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Retries after the first attempt (3 = up to 4 attempts).
    pub max_retries: u32,
    /// Deadline for the whole loop, waits included (`None` = none).
    pub total_timeout: Option<Duration>,
    /// Deadline for each attempt (`None` = none).
    pub per_attempt_timeout: Option<Duration>,
    /// Wait growth.
    pub backoff: Backoff,
}

impl Default for RetryConfig {
    /// 3 retries, 5 minutes in total, no per-attempt timeout, default backoff.
    fn default() -> Self {
        Self {
            max_retries: 3,
            total_timeout: Some(Duration::from_secs(300)),
            per_attempt_timeout: None,
            backoff: Backoff::default(),
        }
    }
}

impl RetryConfig {
    /// Set the number of retries.
    #[must_use]
    pub fn with_max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Set the total deadline.
    #[must_use]
    pub fn with_total_timeout(mut self, d: Duration) -> Self {
        self.total_timeout = Some(d);
        self
    }

    /// Set the per-attempt deadline.
    #[must_use]
    pub fn with_per_attempt_timeout(mut self, d: Duration) -> Self {
        self.per_attempt_timeout = Some(d);
        self
    }

    /// Set the backoff.
    #[must_use]
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }
}

/// Where backoff jitter comes from. Inject a fixed one in tests.
pub trait JitterSource: Send + Sync + fmt::Debug {
    /// A number in `0.0..1.0`.
    fn next_unit(&self) -> f64;
}

/// [`JitterSource`] backed by a seeded [`StdRng`].
#[derive(Debug)]
pub struct SeededJitter {
    rng: Mutex<StdRng>,
}

impl SeededJitter {
    /// Reproducible jitter from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// Jitter seeded from the OS.
    pub fn from_entropy() -> Self {
        Self::new(rand::random())
    }
}

impl JitterSource for SeededJitter {
    fn next_unit(&self) -> f64 {
        match self.rng.lock() {
            Ok(mut rng) => rng.random::<f64>(),
            Err(poisoned) => poisoned.into_inner().random::<f64>(),
        }
    }
}

/// Retries its inner provider; see the [layers module docs](crate::layers).
#[derive(Debug, Clone)]
pub struct Retry<P> {
    inner: P,
    config: RetryConfig,
    jitter: Arc<dyn JitterSource>,
}

impl<P> Retry<P> {
    /// Wrap `inner` with OS-seeded jitter.
    pub fn new(inner: P, config: RetryConfig) -> Self {
        Self {
            inner,
            config,
            jitter: Arc::new(SeededJitter::from_entropy()),
        }
    }

    /// Use this jitter source (tests: a fixed or seeded one).
    #[must_use]
    pub fn with_jitter(mut self, jitter: Arc<dyn JitterSource>) -> Self {
        self.jitter = jitter;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &RetryConfig {
        &self.config
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    /// Decorrelated jitter: uniform in `initial..=prev * multiplier`, capped at `max`.
    fn next_backoff(&self, prev: Duration) -> Duration {
        let b = &self.config.backoff;
        let low = b.initial.as_secs_f64();
        let high = (prev.as_secs_f64() * b.multiplier.max(1.0)).max(low);
        let wait = low + (high - low) * self.jitter.next_unit().clamp(0.0, 1.0);
        Duration::from_secs_f64(wait.min(b.max.as_secs_f64()).max(0.0))
    }

    pub(crate) async fn run<Req, R, F, Fut>(&self, _request: &Req, call: F) -> Result<R>
    where
        Req: LayerRequest,
        F: Fn() -> Fut + Send + Sync,
        Fut: Future<Output = Result<R>> + Send,
    {
        let start = Instant::now();
        let deadline = self.config.total_timeout.map(|t| start + t);
        let mut prev = self.config.backoff.initial;
        let mut attempt: u32 = 1;
        loop {
            let mut limit = self.config.per_attempt_timeout;
            if let Some(deadline) = deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                limit = Some(limit.map_or(left, |l| l.min(left)));
            }
            let fut = ATTEMPT.scope(attempt, call());
            let result = match limit {
                Some(limit) => tokio::time::timeout(limit, fut).await.unwrap_or_else(|_| {
                    Err(Error::new(
                        ErrorKind::Timeout,
                        format!("attempt {attempt} did not finish within {limit:?}"),
                    ))
                }),
                None => fut.await,
            };
            let err = match result {
                Ok(value) => return Ok(value),
                Err(err) => err,
            };
            let elapsed = start.elapsed();
            // A fallback chain's half-open try of a cooling-down provider is one attempt.
            let probe = super::fallback::probing();
            if attempt > self.config.max_retries || !Req::may_retry(&err) || probe {
                return Err(err.with_attempts(attempt, elapsed));
            }
            let backoff = self.next_backoff(prev);
            prev = backoff;
            let wait = err.retry_after().map_or(backoff, |ra| ra.max(backoff));
            if let Some(deadline) = deadline
                && Instant::now() + wait >= deadline
            {
                tracing::debug!(attempt, ?wait, "retry deadline reached");
                return Err(err.with_attempts(attempt, elapsed));
            }
            tracing::debug!(attempt, ?wait, error = %err, "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

impl<P: fmt::Display> fmt::Display for Retry<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Retry({}, {})", self.config.max_retries, self.inner)
    }
}

impl_decorator!(Retry, {
    |this, request, call, _info| this.run(request, call).await
});

#[cfg(test)]
mod tests;
