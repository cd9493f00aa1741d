//! Scripted fakes for every provider trait (feature `testing`): test your pipeline offline.
//!
//! Each fake counts its calls ([`FakeLlm::calls`] and friends), can be scripted to fail
//! ([`FakeLlm::fail_next`] and friends, consumed before any real answer), refuses empty input
//! with `InvalidRequest`, and reports [`Usage`](crate::Usage). [`FakeTts`] returns a real
//! sine tone with word timings covering the words; [`FakeImage`] returns a real PNG of the
//! requested size. [`FakeScript`] and [`FakeRender`] stand in for the pipeline's own script
//! and render stages, and [`MemoryArtifacts`] is an in-memory
//! [`ArtifactBackend`](crate::pipeline::ArtifactBackend); [`RecordingTransport`] records
//! webhook posts. [`server`] is the loopback
//! fake-server core the vendor crates build their wire-level fakes on.
//!
//! The recommended decorator stack, built over fakes (first quota-exhausted, second answers):
//!
//! ```
//! use std::sync::Arc;
//! use ytempire_core::testing::{FakeLlm, Turn};
//! use ytempire_core::layers::{Fallback, LanguageModelLayers, MemoryCacheStore, RetryConfig};
//! use ytempire_core::metering::{Labels, MemorySink};
//! use ytempire_core::{ErrorKind, LanguageModel, LanguageModelExt};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ytempire_core::Result<()> {
//! let sink = Arc::new(MemorySink::new());
//! let broke = FakeLlm::scripted([Turn::error(ErrorKind::QuotaExhausted)]).named("fake", "m1");
//! let ok = FakeLlm::scripted([Turn::text("hello")]).named("fake", "m2");
//! let stack = Fallback::new(vec![
//!     broke.metered(sink.clone(), Labels::default()).with_retry(RetryConfig::default()).into_dyn(),
//!     ok.metered(sink.clone(), Labels::default()).with_retry(RetryConfig::default()).into_dyn(),
//! ])
//! .with_cache(Arc::new(MemoryCacheStore::new()));
//! assert_eq!(
//!     stack.to_string(),
//!     "Cached(Fallback[Retry(3, Metered(fake/m1)), Retry(3, Metered(fake/m2))])"
//! );
//! assert_eq!(stack.complete_text("hi").await?, "hello");
//! assert_eq!(sink.records().len(), 2); // one failed attempt at m1, one success at m2
//! # Ok(())
//! # }
//! ```

mod artifacts;
mod image;
mod llm;
#[cfg(feature = "testing")]
pub mod server;
mod stages;
mod tts;
mod upload;
mod webhook;

pub use artifacts::MemoryArtifacts;
pub use image::FakeImage;
pub use llm::{FakeLlm, Turn};
pub use stages::{FakeRender, FakeScript};
pub use tts::FakeTts;
pub use upload::{FakeTrend, FakeUploader};
pub use webhook::RecordingTransport;

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{Error, ErrorKind};

/// An environment lookup over fixed pairs, for the `from_env_with(lookup)` constructors: tests
/// read keys and base URLs through it and never touch the process environment.
///
/// ```
/// let lookup = ytempire_core::testing::env_lookup([("PEXELS_API_KEY", "k")]);
/// assert_eq!(lookup("PEXELS_API_KEY").as_deref(), Some("k"));
/// assert_eq!(lookup("PEXELS_BASE_URL"), None);
/// ```
pub fn env_lookup<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> impl Fn(&str) -> Option<String>
where
    K: Into<String>,
    V: Into<String>,
{
    let pairs: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
}

/// Shared bookkeeping: a call counter and a queue of scripted errors.
#[derive(Debug, Default)]
struct Script {
    calls: AtomicUsize,
    errors: Mutex<VecDeque<Error>>,
}

impl Script {
    fn count(&self) -> usize {
        self.calls.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn push(&self, err: Error) {
        match self.errors.lock() {
            Ok(mut q) => q.push_back(err),
            Err(poisoned) => poisoned.into_inner().push_back(err),
        }
    }

    fn next_error(&self) -> Option<Error> {
        match self.errors.lock() {
            Ok(mut q) => q.pop_front(),
            Err(poisoned) => poisoned.into_inner().pop_front(),
        }
    }
}

/// The error a scripted failure of `kind` produces (rate limits carry a 1 s Retry-After).
fn scripted_error(kind: ErrorKind, provider: &str) -> Error {
    let err = Error::new(kind, format!("scripted {kind} failure")).with_provider(provider);
    if kind == ErrorKind::RateLimited {
        err.with_status(429)
            .with_retry_after(std::time::Duration::from_secs(1))
    } else {
        err
    }
}

/// Implements `calls`, `fail_next`, `fail_with` and `named` for a fake with fields
/// `script: Script` and `info: ProviderInfo`.
macro_rules! fake_common {
    ($ty:ident) => {
        impl $ty {
            /// How many times the main method was called (including failed calls).
            pub fn calls(&self) -> usize {
                self.script.calls()
            }

            /// Fail the next call with a scripted error of `kind` (queued; rate limits carry
            /// a 1 s Retry-After).
            pub fn fail_next(&self, kind: $crate::ErrorKind) -> &Self {
                self.script
                    .push(super::scripted_error(kind, &self.info.label()));
                self
            }

            /// Fail the next call with exactly `err` (queued).
            pub fn fail_with(&self, err: $crate::Error) -> &Self {
                self.script.push(err);
                self
            }

            /// Report this provider id and model.
            #[must_use]
            pub fn named(mut self, provider: &str, model: &str) -> Self {
                self.info = $crate::ProviderInfo::new(provider, model, self.info.capabilities);
                self
            }

            /// Report these capabilities.
            #[must_use]
            pub fn with_capabilities(mut self, caps: $crate::Capabilities) -> Self {
                self.info.capabilities = caps;
                self
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.info.label())
            }
        }
    };
}
use fake_common;
