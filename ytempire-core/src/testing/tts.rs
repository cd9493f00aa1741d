//! [`FakeTts`]: a speech synthesizer that speaks a sine tone.

use async_trait::async_trait;

use super::{Script, fake_common};
use crate::{
    AudioTrack, Capabilities, Error, InputUnit, ProviderInfo, Result, Speech, SpeechRequest,
    SpeechSynthesizer, TextFormat, TimingSource, Usage, WordTiming,
};

/// Seconds of tone per word.
const WORD_SECS: f64 = 0.3;
/// Sample rate when the request does not ask for one.
const DEFAULT_RATE: u32 = 16_000;

/// A speech synthesizer that returns a real 440 Hz tone, 0.3 s per
/// word, with one word timing per word covering the audio.
///
/// SSML is refused (`Unsupported`) unless built [`with_ssml`](FakeTts::with_ssml), in which
/// case tags are stripped before counting words.
///
/// ```
/// use ytempire_core::testing::FakeTts;
/// use ytempire_core::{SpeechRequest, SpeechSynthesizer};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ytempire_core::Result<()> {
/// let speech = FakeTts::new().synthesize(&SpeechRequest::new("hello brave world")).await?;
/// assert_eq!(speech.timings.len(), 3);
/// assert!(speech.audio.duration_secs() >= 0.9);
/// assert!(speech.audio.to_wav_bytes()?.starts_with(b"RIFF"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FakeTts {
    info: ProviderInfo,
    script: Script,
}

impl Default for FakeTts {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeTts {
    /// `fake/tts`: word timings, no SSML, 5000-character limit.
    pub fn new() -> Self {
        Self {
            info: ProviderInfo::new(
                "fake",
                "tts",
                Capabilities::new()
                    .with_max_input(5000, InputUnit::Characters)
                    .with_word_timings(true),
            ),
            script: Script::default(),
        }
    }

    /// Accept SSML (tags are stripped).
    #[must_use]
    pub fn with_ssml(mut self, yes: bool) -> Self {
        self.info.capabilities = self.info.capabilities.with_ssml(yes);
        self
    }
}

fake_common!(FakeTts);

fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[async_trait]
impl SpeechSynthesizer for FakeTts {
    fn info(&self) -> ProviderInfo {
        self.info.clone()
    }

    async fn synthesize(&self, request: &SpeechRequest) -> Result<Speech> {
        self.script.count();
        let label = self.info.label();
        request
            .validate()
            .map_err(|e| e.with_provider(label.clone()))?;
        if request.format == TextFormat::Ssml && !self.info.capabilities.ssml {
            return Err(
                Error::unsupported("this fake voice does not accept SSML").with_provider(label)
            );
        }
        if !self.info.capabilities.fits(&request.text) {
            return Err(Error::invalid_request(format!(
                "text of {} characters exceeds the limit of {}",
                request.text.chars().count(),
                self.info.capabilities.max_input.unwrap_or_default()
            ))
            .with_provider(label));
        }
        if let Some(err) = self.script.next_error() {
            return Err(err);
        }
        let plain = match request.format {
            TextFormat::Ssml => strip_tags(&request.text),
            TextFormat::Plain => request.text.clone(),
        };
        let words: Vec<&str> = plain.split_whitespace().collect();
        let rate = request.sample_rate.unwrap_or(DEFAULT_RATE).max(1);
        let secs = WORD_SECS * words.len().max(1) as f64;
        let frames = (secs * f64::from(rate)).round() as usize;
        let samples: Vec<i16> = (0..frames)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                ((t * 440.0 * std::f64::consts::TAU).sin() * 8000.0) as i16
            })
            .collect();
        let audio = AudioTrack::new(rate, 1, samples)?;
        let (timings, source) = if request.word_timings {
            let timings = words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let start = i as f64 * WORD_SECS;
                    WordTiming::new(*w, start, start + WORD_SECS * 0.9)
                })
                .collect();
            (timings, TimingSource::Provider)
        } else {
            (Vec::new(), TimingSource::None)
        };
        let usage = Usage::characters(request.text.chars().count() as u64, audio.duration_secs());
        let voice = request.voice.clone().unwrap_or_else(|| "fake-voice".into());
        Ok(Speech::new(audio, timings, source, voice, usage))
    }
}
