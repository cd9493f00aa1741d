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

#![forbid(unsafe_code)]
#![deny(rustdoc::broken_intra_doc_links)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
mod forward;
pub mod fs;
mod image;
pub mod layers;
mod llm;
pub mod metering;
pub mod pipeline;
mod provider;
pub mod queue;
mod tts;
mod types;
mod upload;

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
pub use provider::{Capabilities, InputUnit, ProviderInfo};
pub use tts::{
    Speech, SpeechRequest, SpeechSynthesizer, SpeechSynthesizerExt, TextFormat, TimingSource,
};
pub use types::*;
pub use upload::{
    NoProgress, ProgressSink, TrendRequest, TrendResponse, TrendSource, UploadProgress,
    UploadRequest, Uploader, UploaderExt,
};
