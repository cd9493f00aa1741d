//! [`Chunked`]: speak text longer than a provider's input limit by splitting it at sentence
//! boundaries ([`crate::chunk`]), synthesizing each chunk, joining the audio with short
//! crossfades and offsetting every chunk's word timings.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use std::sync::Arc;
//! use ytempire_core::{SpeechRequest, SpeechSynthesizer};
//! use ytempire_tts::{Chunked, EspeakNg};
//! let tts = Chunked::new(Arc::new(EspeakNg::new()));
//! let speech = tts.synthesize(&SpeechRequest::new("A very long script. ".repeat(500))).await?;
//! # Ok(()) }
//! ```

use async_trait::async_trait;
use ytempire_core::{
    DynSpeechSynthesizer, ProviderInfo, Result, Speech, SpeechRequest, SpeechSynthesizer,
    TextFormat, TimingSource, Usage,
};

use crate::{audio, chunk};

/// Wraps a synthesizer so any length of text fits its limit.
#[derive(Debug, Clone)]
pub struct Chunked {
    inner: DynSpeechSynthesizer,
    crossfade_ms: u32,
}

impl Chunked {
    /// Wrap `inner` with the default crossfade ([`audio::DEFAULT_CROSSFADE_MS`]).
    pub fn new(inner: DynSpeechSynthesizer) -> Self {
        Self {
            inner,
            crossfade_ms: audio::DEFAULT_CROSSFADE_MS,
        }
    }

    /// Use another crossfade length.
    #[must_use]
    pub fn with_crossfade_ms(mut self, ms: u32) -> Self {
        self.crossfade_ms = ms;
        self
    }
}

impl std::fmt::Display for Chunked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Chunked({})", self.inner)
    }
}

#[async_trait]
impl SpeechSynthesizer for Chunked {
    /// The inner provider's info, with no input limit.
    fn info(&self) -> ProviderInfo {
        let mut info = self.inner.info();
        info.capabilities.max_input = None;
        info
    }

    async fn synthesize(&self, request: &SpeechRequest) -> Result<Speech> {
        request.validate()?;
        let caps = self.inner.info().capabilities;
        let Some(max) = caps.max_input else {
            return self.inner.synthesize(request).await;
        };
        let chunks = match request.format {
            TextFormat::Ssml => chunk::chunk_ssml(&request.text, max, caps.input_unit)?,
            _ => chunk::chunk_text(&request.text, max, caps.input_unit)?,
        };
        if chunks.len() == 1 {
            return self.inner.synthesize(request).await;
        }
        let mut parts = Vec::with_capacity(chunks.len());
        for text in chunks {
            let mut req = request.clone();
            req.text = text;
            parts.push(self.inner.synthesize(&req).await?);
        }
        // Bring every chunk to the first chunk's format before joining.
        let rate = request.sample_rate.unwrap_or(parts[0].audio.sample_rate);
        let tracks = parts
            .iter()
            .map(|p| audio::resample(&p.audio, rate))
            .collect::<Result<Vec<_>>>()?;
        let (track, offsets) = audio::join(&tracks, self.crossfade_ms)?;
        let mut timings = Vec::new();
        let mut usage = Usage::default();
        for (part, offset) in parts.iter().zip(&offsets) {
            timings.extend(part.timings.iter().map(|t| t.shifted(*offset)));
            usage += part.usage.clone();
        }
        let source = if parts
            .iter()
            .all(|p| p.timing_source == TimingSource::Provider)
        {
            TimingSource::Provider
        } else if parts.iter().any(|p| p.timing_source != TimingSource::None) {
            TimingSource::Estimated
        } else {
            TimingSource::None
        };
        usage.audio_seconds = track.duration_secs();
        let voice = parts[0].voice.clone();
        Ok(Speech::new(track, timings, source, voice, usage))
    }
}
