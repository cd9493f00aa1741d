//! [`ElevenLabs`]: `POST /v1/text-to-speech/{voice_id}` and `/with-timestamps`.
//!
//! - Output `pcm_24000` (raw 16-bit mono) unless configured otherwise.
//! - With word timings wanted, `/with-timestamps` returns base64 audio plus per-character
//!   alignment, grouped into words ([`crate::timing::from_char_alignment`]).
//! - Auth header `xi-api-key`. `quota_exceeded` arrives as HTTP 401 and becomes
//!   `QuotaExhausted`; 429 (`too_many_concurrent_requests`, `system_busy`) is `RateLimited`.
//! - Input limit per model (10,000 characters for `eleven_multilingual_v2`). Usage: the
//!   `character-cost` response header when present, else the characters of `text`.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_core::{SpeechRequest, SpeechSynthesizer};
//! use ytempire_tts::ElevenLabs;
//! let tts = ElevenLabs::from_env()?.with_model("eleven_flash_v2_5");
//! let speech = tts.synthesize(&SpeechRequest::new("Hello there.")).await?;
//! # Ok(()) }
//! ```

#[cfg(feature = "testing")]
pub(crate) mod testing;
mod wire;

use async_trait::async_trait;
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use ytempire_core::http;
use ytempire_core::{
    AudioTrack, Capabilities, Error, ErrorKind, InputUnit, ProviderInfo, Result, Speech,
    SpeechRequest, SpeechSynthesizer, TextFormat, TimingSource, Usage, WordTiming,
};

use self::wire::{TimestampsResponse, vendor_error};
use crate::client::{Endpoint, client_builders};
use crate::{audio, chunk::check_limit, timing};

/// Provider id.
pub const PROVIDER: &str = "elevenlabs";
/// Default endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.elevenlabs.io";
/// Default voice ("Rachel").
pub const DEFAULT_VOICE: &str = "21m00Tcm4TlvDq8ikWAM";
/// Default model.
pub const DEFAULT_MODEL: &str = "eleven_multilingual_v2";
/// PCM rates ElevenLabs offers as `pcm_<rate>`.
pub const PCM_RATES: &[u32] = &[8000, 16_000, 22_050, 24_000, 44_100, 48_000];

/// Per-request character limit of a model (`models.mdx`); unknown models get 10,000.
pub fn model_char_limit(model: &str) -> usize {
    match model {
        "eleven_v3" => 3_000,
        "eleven_flash_v2_5" | "eleven_turbo_v2_5" => 40_000,
        "eleven_flash_v2" | "eleven_turbo_v2" => 30_000,
        _ => 10_000,
    }
}

/// ElevenLabs client. `Debug` never shows the key (a [`SecretString`] prints `[REDACTED]`).
#[derive(Debug, Clone)]
pub struct ElevenLabs {
    api_key: SecretString,
    endpoint: Endpoint,
    model: String,
    voice: String,
    pcm_rate: u32,
    voice_settings: Option<serde_json::Value>,
}

impl std::fmt::Display for ElevenLabs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "elevenlabs/{}", self.model)
    }
}

client_builders!(ElevenLabs {
    endpoint,
    env: "From `ELEVENLABS_API_KEY` (required) and `ELEVENLABS_BASE_URL` (optional).",
    model: "Model id (see [`model_char_limit`] for each model's input limit).",
    voice: "Default voice id (used when a request names none).",
});

impl ElevenLabs {
    /// A client with a key, the default model and voice, `pcm_24000`.
    pub fn new(api_key: SecretString) -> Result<Self> {
        Ok(Self {
            api_key,
            endpoint: Endpoint::new(PROVIDER, DEFAULT_BASE_URL)?,
            model: DEFAULT_MODEL.into(),
            voice: DEFAULT_VOICE.into(),
            pcm_rate: 24_000,
            voice_settings: None,
        })
    }

    /// [`ElevenLabs::from_env`] reading variables through `lookup` (tests, config files).
    ///
    /// # Errors
    /// As [`ElevenLabs::from_env`].
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let (key, base) = http::key_and_base_url(
            &lookup,
            "ELEVENLABS_API_KEY",
            "ELEVENLABS_BASE_URL",
            DEFAULT_BASE_URL,
        )
        .map_err(|e| e.with_provider(PROVIDER))?;
        Ok(Self::new(key)?.with_base_url(base))
    }

    /// Voice settings (`stability`, `similarity_boost`, `style`, `use_speaker_boost`, `speed`).
    #[must_use]
    pub fn with_voice_settings(
        mut self,
        stability: f32,
        similarity_boost: f32,
        style: f32,
    ) -> Self {
        self.voice_settings = Some(json!({
            "stability": stability,
            "similarity_boost": similarity_boost,
            "style": style,
        }));
        self
    }

    /// PCM output rate (one of [`PCM_RATES`]; 44.1 kHz needs the Pro tier).
    pub fn with_pcm_rate(mut self, rate: u32) -> Result<Self> {
        if !PCM_RATES.contains(&rate) {
            return Err(Error::invalid_request(format!(
                "ElevenLabs offers pcm at {PCM_RATES:?} Hz, not {rate}"
            )));
        }
        self.pcm_rate = rate;
        Ok(self)
    }
}

#[async_trait]
impl SpeechSynthesizer for ElevenLabs {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new(
            PROVIDER,
            self.model.clone(),
            Capabilities::new()
                .with_max_input(model_char_limit(&self.model), InputUnit::Characters)
                .with_word_timings(true)
                .with_paid(true),
        )
    }

    async fn synthesize(&self, request: &SpeechRequest) -> Result<Speech> {
        request.validate()?;
        if request.format == TextFormat::Ssml {
            return Err(Error::unsupported(
                "ElevenLabs does not take SSML documents; send plain text",
            )
            .with_provider(PROVIDER));
        }
        check_limit(
            PROVIDER,
            &request.text,
            model_char_limit(&self.model),
            InputUnit::Characters,
        )?;
        let voice = request.voice.as_deref().unwrap_or(&self.voice);
        let mut body = json!({ "text": request.text, "model_id": self.model });
        if let Some(lang) = &request.language {
            let iso = lang
                .split(['-', '_'])
                .next()
                .unwrap_or(lang)
                .to_ascii_lowercase();
            if self.model.ends_with("v2_5") {
                body["language_code"] = json!(iso);
            }
        }
        let mut settings = self.voice_settings.clone().unwrap_or_else(|| json!({}));
        if let Some(rate) = request.rate {
            settings["speed"] = json!(rate);
        }
        if settings.as_object().is_some_and(|o| !o.is_empty()) {
            body["voice_settings"] = settings;
        }
        let path = if request.word_timings {
            "/with-timestamps"
        } else {
            ""
        };
        let voice_seg: String = url::form_urlencoded::byte_serialize(voice.as_bytes()).collect();
        let url = format!(
            "/v1/text-to-speech/{voice_seg}{path}?output_format=pcm_{}",
            self.pcm_rate
        );
        let post = self
            .endpoint
            .post(&url)
            .header("xi-api-key", self.api_key.expose_secret())
            .json(&body);
        let (headers, bytes) = self
            .endpoint
            .send(post, |_, body| vendor_error(body))
            .await?;
        let billed = headers
            .get("character-cost")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let (track, timings, source) = decode_body(bytes, request, self.pcm_rate)?;
        let total = track.duration_secs();
        let billed = billed.unwrap_or(request.text.chars().count() as u64);
        Ok(Speech::new(
            track,
            timings,
            source,
            voice,
            Usage::characters(billed, total),
        ))
    }
}

/// Decode an answer's body: raw PCM, or (with word timings wanted) the `/with-timestamps`
/// JSON of base64 PCM and per-character alignment; resampled to the request's rate.
pub(crate) fn decode_body(
    bytes: Vec<u8>,
    request: &SpeechRequest,
    pcm_rate: u32,
) -> Result<(AudioTrack, Vec<WordTiming>, TimingSource)> {
    let (pcm, alignment) = if request.word_timings {
        let parsed: TimestampsResponse = http::json(PROVIDER, &bytes)?;
        let pcm = base64::engine::general_purpose::STANDARD
            .decode(parsed.audio_base64.as_bytes())
            .map_err(|e| {
                Error::new(
                    ErrorKind::InvalidResponse,
                    format!("elevenlabs: audio_base64: {e}"),
                )
                .with_provider(PROVIDER)
            })?;
        (pcm, parsed.alignment)
    } else {
        (bytes, None)
    };
    let track =
        audio::pcm16le_to_track(&pcm, pcm_rate, 1).map_err(|e| e.with_provider(PROVIDER))?;
    let track = match request.sample_rate {
        Some(rate) => audio::resample(&track, rate)?,
        None => track,
    };
    let total = track.duration_secs();
    let (timings, source) = match alignment {
        _ if !request.word_timings => (Vec::new(), TimingSource::None),
        Some(a) => (
            timing::from_char_alignment(
                &a.characters,
                &a.character_start_times_seconds,
                &a.character_end_times_seconds,
            )
            .map_err(|e| e.with_provider(PROVIDER))?
            .into_iter()
            .map(|mut w| {
                // Inside the audio, whatever the vendor's alignment says (negative too).
                w.end_secs = w.end_secs.clamp(0.0, total);
                w.start_secs = w.start_secs.clamp(0.0, w.end_secs);
                w
            })
            .collect(),
            TimingSource::Provider,
        ),
        None => {
            let (s, e) = audio::voiced_span(&track).unwrap_or((0.0, total));
            (
                timing::distribute(&request.text, s, e),
                TimingSource::Estimated,
            )
        }
    };
    Ok((track, timings, source))
}

/// Fuzzing entry points (feature `fuzzing`): the body decoder and the error table.
#[cfg(feature = "fuzzing")]
pub(crate) mod fuzzing {
    use super::*;
    use ytempire_core::http::VendorError;

    /// Decode `bytes` as a `/with-timestamps` answer for `text`.
    pub(crate) fn with_timestamps(
        bytes: &[u8],
        text: &str,
    ) -> Result<(AudioTrack, Vec<WordTiming>, TimingSource)> {
        let mut request = SpeechRequest::new(text);
        request.word_timings = true;
        decode_body(bytes.to_vec(), &request, 24_000)
    }

    /// Read `bytes` as an error body.
    pub(crate) fn error_body(bytes: &[u8]) -> VendorError {
        vendor_error(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seen while fuzzing (`elevenlabs` target's invariant, confirmed with a crafted input):
    /// an alignment with a negative start passed through as a word timing before the audio.
    #[test]
    fn alignment_times_are_kept_inside_the_audio() {
        // 2 400 samples at 24 kHz: 0.1 s of audio.
        let pcm = base64::engine::general_purpose::STANDARD.encode(vec![0x10u8; 4800]);
        let body = json!({
            "audio_base64": pcm,
            "alignment": {
                "characters": ["H", "i", " ", "y", "o"],
                "character_start_times_seconds": [-5.0, 0.01, 0.02, 0.05, 0.5],
                "character_end_times_seconds": [0.01, -1.0, 0.03, 0.06, 9.0]
            }
        });
        let mut request = SpeechRequest::new("Hi yo");
        request.word_timings = true;
        let (track, timings, source) =
            decode_body(body.to_string().into_bytes(), &request, 24_000).unwrap();
        assert_eq!(source, TimingSource::Provider);
        let total = track.duration_secs();
        assert!((total - 0.1).abs() < 1e-9);
        let words: Vec<(&str, f64, f64)> = timings
            .iter()
            .map(|w| (w.word.as_str(), w.start_secs, w.end_secs))
            .collect();
        assert_eq!(words, [("Hi", 0.0, 0.0), ("yo", 0.05, 0.1)]);
    }

    #[test]
    fn limits_and_debug() {
        assert_eq!(model_char_limit("eleven_v3"), 3000);
        assert_eq!(model_char_limit(DEFAULT_MODEL), 10_000);
        let tts = ElevenLabs::new(SecretString::from("xi-secret-999")).unwrap();
        assert!(!format!("{tts:?}").contains("secret-999"));
        assert!(tts.clone().with_pcm_rate(11_025).is_err());
    }
}
