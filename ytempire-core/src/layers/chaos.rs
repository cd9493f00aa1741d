//! `Chaos`: inject faults for tests, from a script and/or at a seeded random ratio.
//!
//! Each call first takes the next scripted [`Fault`]; once the script is spent, a random
//! fault is injected with probability [`ChaosConfig::error_ratio`] (seeded, so reproducible).
//!
//! ```
//! use std::time::Duration;
//! use ytempire_core::ErrorKind;
//! use ytempire_core::layers::{Chaos, ChaosConfig, Fault};
//! # #[derive(Debug)] struct P;
//! # impl std::fmt::Display for P { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("p") } }
//! let chaos = Chaos::new(
//!     P,
//!     ChaosConfig::scripted([Fault::Fail(ErrorKind::Upstream), Fault::Pass])
//!         .with_random(0.1, vec![ErrorKind::Transport], 42),
//! );
//! assert_eq!(chaos.to_string(), "Chaos(p)");
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};

use super::{impl_decorator, impl_decorator_one};
use crate::{Error, ErrorKind, ProviderInfo, Result};

/// One scripted fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Let the call through.
    Pass,
    /// Fail without calling the inner provider.
    Fail(ErrorKind),
    /// Fail with `RateLimited` and this `Retry-After`.
    RateLimited(Duration),
    /// Wait, then call the inner provider.
    Delay(Duration),
}

/// What [`Chaos`] injects.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ChaosConfig {
    /// Faults for the first calls, in order.
    pub script: Vec<Fault>,
    /// Probability of a random fault once the script is spent.
    pub error_ratio: f64,
    /// Kinds random faults are drawn from (`Upstream` when empty).
    pub kinds: Vec<ErrorKind>,
    /// RNG seed.
    pub seed: u64,
}

impl ChaosConfig {
    /// Only these scripted faults.
    pub fn scripted(script: impl IntoIterator<Item = Fault>) -> Self {
        Self {
            script: script.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Also inject random faults of `kinds` with probability `ratio`, seeded by `seed`.
    #[must_use]
    pub fn with_random(mut self, ratio: f64, kinds: Vec<ErrorKind>, seed: u64) -> Self {
        self.error_ratio = ratio;
        self.kinds = kinds;
        self.seed = seed;
        self
    }
}

/// Injects faults in front of its inner provider; see the [layers module docs](crate::layers).
#[derive(Debug)]
pub struct Chaos<P> {
    inner: P,
    script: Mutex<VecDeque<Fault>>,
    ratio: f64,
    kinds: Vec<ErrorKind>,
    rng: Mutex<StdRng>,
    injected: AtomicUsize,
}

impl<P> Chaos<P> {
    /// Wrap `inner`.
    pub fn new(inner: P, config: ChaosConfig) -> Self {
        Self {
            inner,
            script: Mutex::new(config.script.into()),
            ratio: config.error_ratio,
            kinds: config.kinds,
            rng: Mutex::new(StdRng::seed_from_u64(config.seed)),
            injected: AtomicUsize::new(0),
        }
    }

    /// How many faults (errors, not delays) were injected so far.
    pub fn injected(&self) -> usize {
        self.injected.load(Ordering::SeqCst)
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    fn next_fault(&self) -> Fault {
        let scripted = match self.script.lock() {
            Ok(mut s) => s.pop_front(),
            Err(poisoned) => poisoned.into_inner().pop_front(),
        };
        if let Some(fault) = scripted {
            return fault;
        }
        if self.ratio <= 0.0 {
            return Fault::Pass;
        }
        let mut rng = match self.rng.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if rng.random::<f64>() >= self.ratio {
            return Fault::Pass;
        }
        let kind = if self.kinds.is_empty() {
            ErrorKind::Upstream
        } else {
            self.kinds[rng.random_range(0..self.kinds.len())]
        };
        Fault::Fail(kind)
    }

    async fn run<R, F, Fut>(&self, info: impl FnOnce() -> ProviderInfo, call: F) -> Result<R>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<R>>,
    {
        let err = match self.next_fault() {
            Fault::Pass => return call().await,
            Fault::Delay(d) => {
                tokio::time::sleep(d).await;
                return call().await;
            }
            Fault::Fail(kind) => Error::new(kind, "chaos: injected fault"),
            Fault::RateLimited(wait) => {
                Error::new(ErrorKind::RateLimited, "chaos: injected rate limit")
                    .with_status(429)
                    .with_retry_after(wait)
            }
        };
        self.injected.fetch_add(1, Ordering::SeqCst);
        Err(err.with_provider(info().label()))
    }
}

impl<P: fmt::Display> fmt::Display for Chaos<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Chaos({})", self.inner)
    }
}

impl_decorator!(Chaos, {
    |this, _request, call, info| this.run(info, call).await
});

#[cfg(test)]
mod tests;
