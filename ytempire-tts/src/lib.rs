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
//! | `piper::Piper` (neural ONNX voices, onnxruntime loaded at run time) | `piper` | model durations | none |
//!
//! [`offline_voice`] picks the offline default: Piper when its runtime and a voice are
//! installed (`scripts/setup.sh`), espeak-ng otherwise.
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
//! The `testing` feature exports loopback fakes of every vendor (`testing`), each in its
//! vendor's folder and built on core's fake-server core, that speak the wire format, return
//! real audio, validate requests and inject core's faults.
//!
//! ## Layout
//!
//! One folder per HTTP vendor (`google/`, `elevenlabs/`, `openai/`): the client and its
//! configuration (`mod.rs`), wire types and error table (`wire.rs`), loopback fake
//! (`testing.rs`). What the clients share (endpoint, request path, builder methods) is
//! written once in `client.rs`.

#![forbid(unsafe_code)]
#![deny(rustdoc::broken_intra_doc_links)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod audio;
pub mod chunk;
mod client;
#[cfg(feature = "elevenlabs")]
pub mod elevenlabs;
pub mod espeak;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "google")]
pub mod google;
mod long;
#[cfg(feature = "openai")]
pub mod openai;
#[cfg(feature = "piper")]
pub mod piper;
pub mod ssml;
#[cfg(feature = "testing")]
pub mod testing;
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

/// The offline default voice and why it was chosen: Piper (feature `piper`) when onnxruntime
/// and a voice are installed (found as the `piper::voice` module describes; `scripts/setup.sh`
/// installs both), espeak-ng otherwise. Loading Piper's model blocks for about a second.
///
/// ```no_run
/// let (tts, reason) = ytempire_tts::offline_voice();
/// println!("narration: {tts} ({reason})");
/// ```
pub fn offline_voice() -> (ytempire_core::DynSpeechSynthesizer, String) {
    #[cfg(feature = "piper")]
    let why_not = match piper::Piper::discover() {
        Ok(p) => {
            let v = p.voice();
            let reason = format!(
                "Piper neural voice {} ({}, {} Hz; licence: {})",
                v.id, v.language, v.sample_rate, v.licence
            );
            return (std::sync::Arc::new(p), reason);
        }
        Err(e) => format!("Piper unavailable: {e}"),
    };
    #[cfg(not(feature = "piper"))]
    let why_not = "built without the `piper` feature".to_owned();
    (
        std::sync::Arc::new(EspeakNg::new()),
        format!("espeak-ng ({why_not})"),
    )
}
