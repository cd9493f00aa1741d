//! # ytempire-core
//!
//! The vendor-neutral heart of ytempire: domain types, one object-safe async trait per
//! capability, one error type, and the decorator layers that make paid calls safe.
//!
//! ## Overview
//!
//! | capability | trait | main method |
//! |---|---|---|
//! | script writing | [`LanguageModel`] | [`LanguageModel::complete`] |
//! | narration | [`SpeechSynthesizer`] | [`SpeechSynthesizer::synthesize`] |
//! | visuals | [`ImageSource`] | [`ImageSource::fetch`] |
//! | publishing | [`Uploader`] | [`Uploader::upload`] |
//! | topics | [`TrendSource`] | [`TrendSource::trends`] |
//!
//! Each takes a replayable request by reference and returns a normalised response carrying
//! [`Usage`]. Each reports [`ProviderInfo`] with [`Capabilities`], so unsupported requests
//! are refused before money is spent. `Arc<dyn Trait>` (aliases such as
//! [`DynLanguageModel`]) is the currency between crates; `Arc<T>` and `Box<T>` forward.
//!
//! Core names no vendor and depends on no HTTP client or GPU API: vendors live in
//! `ytempire-llm`, `ytempire-tts`, `ytempire-render` and `ytempire-youtube`.
//!
//! ## Errors
//!
//! Every fallible call returns [`Error`], whose [`ErrorKind`] decides what happens next:
//! [`Error::is_retryable`] (rate limits, timeouts, transport, 5xx), [`Error::should_fallback`]
//! (everything but broken requests, budgets and cancellation) and [`Error::retry_after`].
//!
//! ## Metadata
//!
//! [`VideoMetadata::validate`] enforces YouTube's limits (title characters, description bytes,
//! tag counting, privacy and scheduling, declarations) before any upload starts.
//!
//! ## Composition
//!
//! The decorators in [`layers`] implement the trait they wrap, so a stack is one value.
//! The recommended order, outermost first:
//!
//! ```text
//! Cache( Fallback[ Retry( Timeout( Metered( provider ))), Retry( Timeout( Metered( backup ))) ] )
//! ```
//!
//! - **Cache outside fallback**: a hit costs nothing whichever provider first answered.
//! - **One retry owner per provider**: provider clients never retry on their own, so retries
//!   do not multiply; `Fallback` moves on once a provider's retries are spent.
//! - **Timeout inside retry**: the deadline is per attempt, and a timed-out attempt is retried
//!   (the retry layer's `total_timeout` bounds the whole loop).
//! - **Metering innermost**: every attempt, failed ones included, reaches the ledger with its
//!   attempt number.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use async_trait::async_trait;
//! use ytempire_core::layers::{Fallback, LanguageModelLayers, MemoryCacheStore, RetryConfig};
//! use ytempire_core::metering::{Labels, MemorySink};
//! use ytempire_core::{
//!     Capabilities, ChatRequest, ChatResponse, DynLanguageModel, LanguageModel,
//!     LanguageModelExt, ProviderInfo, Result, Usage,
//! };
//!
//! /// A stand-in provider that shouts the prompt back.
//! #[derive(Debug)]
//! struct Shout(&'static str);
//! impl std::fmt::Display for Shout {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         write!(f, "shout/{}", self.0)
//!     }
//! }
//! #[async_trait]
//! impl LanguageModel for Shout {
//!     fn info(&self) -> ProviderInfo {
//!         ProviderInfo::new("shout", self.0, Capabilities::new())
//!     }
//!     async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse> {
//!         let text = request.prompt_text().to_uppercase();
//!         Ok(ChatResponse::new(text, self.0, Usage::tokens(1, 1)))
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<()> {
//! let sink = Arc::new(MemorySink::new());
//! let guarded = |p: Shout| -> DynLanguageModel {
//!     p.metered(sink.clone(), Labels::new("job-1", "script"))
//!         .with_timeout(Duration::from_secs(60))
//!         .with_retry(RetryConfig::default())
//!         .into_dyn()
//! };
//! let stack = Fallback::new(vec![guarded(Shout("big")), guarded(Shout("small"))])
//!     .with_cache(Arc::new(MemoryCacheStore::new()));
//! assert_eq!(
//!     stack.to_string(),
//!     "Cached(Fallback[Retry(3, Timeout(60s, Metered(shout/big))), \
//!      Retry(3, Timeout(60s, Metered(shout/small)))])"
//! );
//! assert_eq!(stack.complete_text("hi").await?, "HI");
//! assert_eq!(stack.complete_text("hi").await?, "HI"); // from the cache
//! assert_eq!(sink.records().len(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! ## Testing
//!
//! With the `testing` feature, `testing` holds scripted fakes for every trait (`FakeLlm`,
//! `FakeTts` with a real tone and word timings, `FakeImage` with real PNGs, `FakeUploader`,
//! `FakeTrend`), each counting calls and scriptable with errors; its docs show the stack above
//! built over fakes. It also has fakes of the pipeline's own stages (`FakeScript`,
//! `FakeRender`), an in-memory artifact backend (`MemoryArtifacts`), and `testing::server`:
//! the loopback fake-server core every vendor crate's wire fake is built on (one fault
//! vocabulary, recorded requests, protocol violations; each vendor supplies only its routes
//! and response shapes). `conformance` holds one suite per trait (`conformance::llm::run_all` and
//! friends) returning a `Report` with passed, skipped (with reasons) and failed scenarios: run
//! it against every provider you write, pointed at its loopback fake:
//!
//! ```text
//! let report = ytempire_core::conformance::llm::run_all(&my_provider, &[]).await;
//! assert!(report.is_ok(), "{report}");
//! ```

#![forbid(unsafe_code)]
#![deny(rustdoc::broken_intra_doc_links)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(any(test, feature = "testing"))]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod conformance;
mod error;
mod forward;
pub mod fs;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;
mod image;
pub mod layers;
mod llm;
pub mod metering;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub mod pg;
pub mod pipeline;
mod provider;
pub mod queue;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod text;
mod trend;
mod tts;
mod types;
mod upload;
pub mod wire;

pub use error::{Error, ErrorKind, Result};
pub use forward::{
    DynImageSource, DynLanguageModel, DynSpeechSynthesizer, DynTrendSource, DynUploader,
};
pub use image::{ImageRequest, ImageResponse, ImageSource, ImageSourceExt, Orientation};
pub use llm::{
    ChatRequest, ChatResponse, FinishReason, LanguageModel, LanguageModelExt, Message,
    ResponseFormat, Role,
};
pub use metering::{UsageRecord, UsageSink};
pub use provider::{Capabilities, InputUnit, Provenance, ProviderInfo};
pub use trend::{TrendEvidence, TrendItem, TrendRequest, TrendResponse, TrendSource};
pub use tts::{
    Speech, SpeechRequest, SpeechSynthesizer, SpeechSynthesizerExt, TextFormat, TimingSource,
};
pub use types::*;
pub use upload::{NoProgress, ProgressSink, UploadProgress, UploadRequest, Uploader, UploaderExt};
