//! # ytempire-llm
//!
//! Language models for ytempire and the script writer built on them.
//!
//! ## Overview
//!
//! - [`ScriptWriter`]: topic + [`ChannelProfile`](ytempire_core::ChannelProfile) + target
//!   duration → a validated [`Script`](ytempire_core::Script) and upload
//!   [`VideoMetadata`](ytempire_core::VideoMetadata), with any
//!   [`LanguageModel`](ytempire_core::LanguageModel). Structured output (JSON schema, JSON
//!   mode or schema-in-prompt), validation against a [`ScriptPlan`] sized at the channel's
//!   speaking rate, and a bounded repair loop.
//! - [`OfflineWriter`]: a deterministic, **non-AI** writer from sentence banks and the
//!   user's notes, so everything works with no key.
//! - [`templates`]: named, versioned prompt templates rendered with `minijinja`; each script
//!   records `name@version`.
//! - [`TokenCounter`]: exact OpenAI token counts (`tiktoken-rs`, offline) or an estimate,
//!   used to refuse prompts over the context window before paying.
//! - [`topics`]: rank and deduplicate candidate topics against past ones.
//! - [`WriterStage`] ([`stage`]): the pipeline's script stage over [`ScriptWriter`].
#![cfg_attr(
    feature = "openai",
    doc = "- [`OpenAiCompatible`]: Chat Completions for OpenAI, Ollama, vLLM, llama.cpp and LiteLLM."
)]
#![cfg_attr(feature = "anthropic", doc = "- [`Anthropic`]: the Messages API.")]
#![cfg_attr(
    feature = "testing",
    doc = "- [`testing`]: loopback fakes of both vendors with fault injection."
)]
//!
//! ## Errors
//!
//! Vendor failures map to core's [`ErrorKind`](ytempire_core::ErrorKind): rate limits
//! (`RateLimited`, with `Retry-After` / `retry-after-ms`), spent credit (`QuotaExhausted`,
//! never retried), oversized prompts (`ContextLengthExceeded`), refusals (`ContentPolicy`),
//! 401/403, and 5xx (`Upstream`). Clients never retry internally.

#![forbid(unsafe_code)]
#![deny(rustdoc::broken_intra_doc_links)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod offline;
#[cfg(feature = "_http")]
mod providers;
mod script;
pub mod stage;
pub mod templates;
#[cfg(feature = "testing")]
pub mod testing;
mod tokens;
pub mod topics;

pub use offline::{OFFLINE_MODEL, OfflineWriter};
#[cfg(feature = "anthropic")]
pub use providers::anthropic::{ANTHROPIC_BASE_URL, ANTHROPIC_VERSION, Anthropic, AnthropicConfig};
#[cfg(feature = "openai")]
pub use providers::openai::{OPENAI_BASE_URL, OpenAiCompatible, OpenAiConfig};
pub use script::{
    Brief, ContentScenario, GeneratedScript, MetadataDraft, Problem, SceneDraft, ScriptDraft,
    ScriptPlan, ScriptRequest, ScriptValidationError, ScriptWriter, Tolerance, parse_draft,
    script_schema,
};
pub use stage::WriterStage;
pub use tokens::{TokenCounter, context_window};
