//! # ytempire-tts
//!
//! Narration for ytempire: every speech provider behind core's
//! [`SpeechSynthesizer`](ytempire_core::SpeechSynthesizer) trait, with word timings for
//! captions.
//!
//! ## Providers
//!
//! | provider | feature | timings | limit |
//! |---|---|---|---|
//! | [`EspeakNg`] (offline default, runs the `espeak-ng` program) | always | estimated per sentence | none |
//! | `GoogleTts` (v1 / v1beta1 `text:synthesize`) | `google` | SSML marks | 5000 bytes |
//! | `ElevenLabs` (`/v1/text-to-speech/{voice}/with-timestamps`) | `elevenlabs` | character alignment | per model |
//! | `OpenAiSpeech` (`/v1/audio/speech`, any compatible server) | `openai` | estimated | 4096 characters |
//!
//! ## Shared machinery
//!
//! - [`ssml`]: builder (escaping, break, emphasis, prosody, say-as, mark) and validator.
//! - [`chunk`]: sentence splitting under a limit (bytes or characters), never mid-word or
//!   inside an SSML element; [`Chunked`] wraps any provider to speak text of any length.
//! - [`audio`]: PCM/WAV decoding, crossfaded joins, resampling (rubato).
//! - [`timing`]: syllable-weighted estimates, provider alignments to words, error measurement.
//! - [`voice`]: voices and deterministic selection from a `ChannelProfile`, with a reason.
//!
//! ## Errors
//!
//! Everything returns [`ytempire_core::Error`]; HTTP statuses map to its kinds (429 →
//! `RateLimited` with `Retry-After`, quota → `QuotaExhausted`, 401/403, 400/422 →
//! `InvalidRequest`). A missing `espeak-ng` program is a `Config` error naming the package.
//!
//! ## Testing
//!
//! The `testing` feature exports loopback fakes of every vendor (`fakes`) that speak the wire
//! format, return real audio, validate requests and inject faults.

#![forbid(unsafe_code)]
#![deny(rustdoc::broken_intra_doc_links)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod audio;
pub mod chunk;
#[cfg(feature = "elevenlabs")]
pub mod elevenlabs;
pub mod espeak;
#[cfg(feature = "testing")]
pub mod fakes;
#[cfg(feature = "google")]
pub mod google;
mod long;
#[cfg(feature = "openai")]
pub mod openai;
pub mod ssml;
pub mod timing;
pub mod voice;

#[cfg(feature = "elevenlabs")]
pub use elevenlabs::ElevenLabs;
pub use espeak::EspeakNg;
#[cfg(feature = "google")]
pub use google::GoogleTts;
pub use long::Chunked;
#[cfg(feature = "openai")]
pub use openai::{OpenAiFormat, OpenAiSpeech};
pub use voice::{Voice, VoiceChoice, select_voice};
