//! `Timeout`: fail an attempt with [`ErrorKind::Timeout`] when it runs too long.
//!
//! Put it inside `Retry` so each attempt gets its own deadline and a timed-out attempt can
//! be retried; outside `Retry` it would cut the whole loop short.
//!
//! ```
//! use std::time::Duration;
//! use ytempire_core::layers::Timeout;
//! # #[derive(Debug)] struct P;
//! # impl std::fmt::Display for P { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("p") } }
//! let t = Timeout::new(P, Duration::from_secs(30));
//! assert_eq!(t.to_string(), "Timeout(30s, p)");
//! ```

use std::fmt;
use std::future::Future;
use std::time::Duration;

use super::{impl_decorator, impl_decorator_one};
use crate::{Error, ErrorKind, ProviderInfo, Result};

/// Bounds each call's duration; see the [layers module docs](crate::layers).
#[derive(Debug, Clone)]
pub struct Timeout<P> {
    inner: P,
    limit: Duration,
}

impl<P> Timeout<P> {
    /// Fail calls to `inner` that take longer than `limit`.
    pub fn new(inner: P, limit: Duration) -> Self {
        Self { inner, limit }
    }

    /// The wrapped provider.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    async fn run<R, F, Fut>(&self, info: impl FnOnce() -> ProviderInfo, call: F) -> Result<R>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<R>>,
    {
        match tokio::time::timeout(self.limit, call()).await {
            Ok(result) => result,
            Err(_) => Err(Error::new(
                ErrorKind::Timeout,
                format!("no answer within {:?}", self.limit),
            )
            .with_provider(info().label())),
        }
    }
}

impl<P: fmt::Display> fmt::Display for Timeout<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timeout({:?}, {})", self.limit, self.inner)
    }
}

impl_decorator!(Timeout, {
    |this, _request, call, info| this.run(info, call).await
});

#[cfg(test)]
mod tests;
