//! Speech synthesis: [`SpeechSynthesizer`] and its request/response types.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::{AudioTrack, Error, Provenance, ProviderInfo, Result, Usage, WordTiming};

/// How the request text is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TextFormat {
    /// Plain text (escaped by providers that speak SSML).
    #[default]
    Plain,
    /// An SSML `<speak>` document.
    Ssml,
}

/// A replayable speech request.
///
/// ```
/// use ytempire_core::SpeechRequest;
/// let req = SpeechRequest::new("Hello there.").with_voice("en-US-Neural2-F");
/// assert_eq!(req.voice.as_deref(), Some("en-US-Neural2-F"));
/// assert!(req.word_timings);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpeechRequest {
    /// Text or SSML to speak.
    pub text: String,
    /// Whether `text` is plain or SSML.
    #[serde(default)]
    pub format: TextFormat,
    /// Provider voice id; `None` = the provider's default for `language`.
    #[serde(default)]
    pub voice: Option<String>,
    /// BCP-47 language tag.
    #[serde(default)]
    pub language: Option<String>,
    /// Speaking-rate multiplier (1.0 = normal).
    #[serde(default)]
    pub rate: Option<f32>,
    /// Pitch shift in semitones.
    #[serde(default)]
    pub pitch: Option<f32>,
    /// Desired output sample rate; `None` = the provider's native rate.
    #[serde(default)]
    pub sample_rate: Option<u32>,
    /// Whether word timings are wanted.
    #[serde(default = "yes")]
    pub word_timings: bool,
}

fn yes() -> bool {
    true
}

impl SpeechRequest {
    /// Speak this plain text, with word timings.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            format: TextFormat::Plain,
            voice: None,
            language: None,
            rate: None,
            pitch: None,
            sample_rate: None,
            word_timings: true,
        }
    }

    /// Speak this SSML document.
    pub fn ssml(ssml: impl Into<String>) -> Self {
        Self {
            format: TextFormat::Ssml,
            ..Self::new(ssml)
        }
    }

    /// Choose a voice.
    #[must_use]
    pub fn with_voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = Some(voice.into());
        self
    }

    /// Choose a language.
    #[must_use]
    pub fn with_language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Choose an output sample rate.
    #[must_use]
    pub fn with_sample_rate(mut self, rate: u32) -> Self {
        self.sample_rate = Some(rate);
        self
    }

    /// Refuse empty text early, before any provider is called.
    pub fn validate(&self) -> Result<()> {
        if self.text.trim().is_empty() {
            return Err(Error::invalid_request(
                "speech text is empty; give at least one word to speak",
            ));
        }
        Ok(())
    }
}

/// Where word timings came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TimingSource {
    /// Reported by the provider (marks, alignment).
    Provider,
    /// Estimated by ytempire.
    Estimated,
    /// None were produced.
    #[default]
    None,
}

/// Synthesised speech.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Speech {
    /// The audio.
    pub audio: AudioTrack,
    /// One entry per spoken word, in order.
    pub timings: Vec<WordTiming>,
    /// Where the timings came from.
    pub timing_source: TimingSource,
    /// The voice that spoke.
    pub voice: String,
    /// What it consumed.
    pub usage: Usage,
    /// The provider and model that spoke, when a leaf or the `Fallback` layer recorded it
    /// (see [`Provenance`]); `None` means the synthesizer's own [`SpeechSynthesizer::info`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<Provenance>,
}

impl Speech {
    /// Speech with audio, timings and usage.
    pub fn new(
        audio: AudioTrack,
        timings: Vec<WordTiming>,
        timing_source: TimingSource,
        voice: impl Into<String>,
        usage: Usage,
    ) -> Self {
        Self {
            audio,
            timings,
            timing_source,
            voice: voice.into(),
            usage,
            answered_by: None,
        }
    }
}

crate::provider::answered_by_methods!(Speech, "spoke", "the synthesizer called");

/// A text-to-speech provider.
///
/// # Contract
/// - Empty text is `InvalidRequest`; text over `info().capabilities.max_input` is
///   `InvalidRequest` naming the limit (chunking is the caller's or a helper's job).
/// - SSML to a provider without `ssml` capability is `Unsupported`.
/// - The audio is PCM; timings, when present, are monotonic and within the audio.
#[async_trait]
pub trait SpeechSynthesizer: Send + Sync + std::fmt::Debug + std::fmt::Display + 'static {
    /// Who this is and what it can do.
    fn info(&self) -> ProviderInfo;

    /// Speak the request.
    async fn synthesize(&self, request: &SpeechRequest) -> Result<Speech>;
}

/// Conveniences over [`SpeechSynthesizer`]. Implemented for every synthesizer; do not
/// implement it.
#[async_trait]
pub trait SpeechSynthesizerExt: SpeechSynthesizer {
    /// Speak plain text and write a WAV file atomically; returns the speech.
    async fn synthesize_to_wav(&self, text: &str, path: &std::path::Path) -> Result<Speech> {
        let speech = self.synthesize(&SpeechRequest::new(text)).await?;
        let bytes = speech.audio.to_wav_bytes()?;
        crate::fs::write_atomic(path, &bytes).await?;
        Ok(speech)
    }
}

impl<T: SpeechSynthesizer + ?Sized> SpeechSynthesizerExt for T {}
