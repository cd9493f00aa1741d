//! [`OpenAiSpeech`]: `POST /v1/audio/speech` on OpenAI or any compatible server (Kokoro and
//! other local servers) through a configurable base URL.
//!
//! The endpoint gives no timings, so words are spread over the voiced span by syllable weight
//! per sentence chunk. Input limit: 4096 characters. Usage: characters of `input`.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_core::{SpeechRequest, SpeechSynthesizer};
//! use ytempire_tts::OpenAiSpeech;
//! let tts = OpenAiSpeech::from_env()?.with_model("gpt-4o-mini-tts");
//! let speech = tts.synthesize(&SpeechRequest::new("Hello!").with_voice("coral")).await?;
//! # Ok(()) }
//! ```

use std::time::Duration;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ytempire_core::{
    AudioTrack, Capabilities, Error, InputUnit, ProviderInfo, Result, Speech, SpeechRequest,
    SpeechSynthesizer, TextFormat, TimingSource, Usage,
};

use crate::{audio, http, timing};

/// Provider id.
pub const PROVIDER: &str = "openai";
/// `input` limit in characters.
pub const MAX_INPUT_CHARS: usize = 4096;
/// Default base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// Built-in voices.
pub const VOICES: &[&str] = &[
    "alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse",
    "marin", "cedar",
];
/// Sample rate of `pcm` output (24 kHz, 16-bit, mono).
pub const PCM_RATE: u32 = 24_000;

/// The audio container asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OpenAiFormat {
    /// `wav` (header sizes may be placeholders when streamed; handled).
    #[default]
    Wav,
    /// `pcm`: raw 24 kHz 16-bit little-endian mono.
    Pcm,
}

/// OpenAI speech client.
#[derive(Clone)]
pub struct OpenAiSpeech {
    api_key: Option<SecretString>,
    base_url: String,
    model: String,
    voice: String,
    format: OpenAiFormat,
    instructions: Option<String>,
    client: reqwest::Client,
}

impl std::fmt::Debug for OpenAiSpeech {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiSpeech")
            .field("api_key", &self.api_key.as_ref().map(|_| "REDACTED"))
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("voice", &self.voice)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for OpenAiSpeech {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "openai/{}", self.model)
    }
}

#[derive(Serialize)]
struct Wire<'a> {
    model: &'a str,
    input: &'a str,
    voice: &'a str,
    response_format: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    speed: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instructions: Option<&'a str>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    param: Option<String>,
}

impl OpenAiSpeech {
    /// A client with a key (may be empty for local servers), `tts-1`, voice `alloy`, WAV.
    pub fn new(api_key: Option<SecretString>) -> Result<Self> {
        Ok(Self {
            api_key,
            base_url: DEFAULT_BASE_URL.into(),
            model: "tts-1".into(),
            voice: "alloy".into(),
            format: OpenAiFormat::Wav,
            instructions: None,
            client: http::client(http::DEFAULT_TIMEOUT)?,
        })
    }

    /// From `OPENAI_API_KEY` and optional `OPENAI_BASE_URL`. A key is required unless a base
    /// URL is set (local servers usually need none); neither is a `Config` error.
    pub fn from_env() -> Result<Self> {
        let key = std::env::var("OPENAI_API_KEY")
            .ok()
            .filter(|k| !k.is_empty());
        let base = std::env::var("OPENAI_BASE_URL")
            .ok()
            .filter(|k| !k.is_empty());
        if key.is_none() && base.is_none() {
            return Err(Error::config(
                "OpenAI speech needs OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible local server)",
            )
            .with_provider(PROVIDER));
        }
        let mut tts = Self::new(key.map(SecretString::from))?;
        if let Some(base) = base {
            tts = tts.with_base_url(base);
        }
        Ok(tts)
    }

    /// Point at another server (`…/v1`).
    #[must_use]
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Model (`tts-1`, `tts-1-hd`, `gpt-4o-mini-tts`, or a local server's name).
    #[must_use]
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Default voice.
    #[must_use]
    pub fn with_voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = voice.into();
        self
    }

    /// Output container.
    #[must_use]
    pub fn with_format(mut self, format: OpenAiFormat) -> Self {
        self.format = format;
        self
    }

    /// Voice instructions (not for `tts-1`/`tts-1-hd`).
    #[must_use]
    pub fn with_instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Per-request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Result<Self> {
        self.client = http::client(timeout)?;
        Ok(self)
    }
}

#[async_trait]
impl SpeechSynthesizer for OpenAiSpeech {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new(
            PROVIDER,
            self.model.clone(),
            Capabilities::new()
                .with_max_input(MAX_INPUT_CHARS, InputUnit::Characters)
                .with_paid(true),
        )
    }

    async fn synthesize(&self, request: &SpeechRequest) -> Result<Speech> {
        request.validate()?;
        if request.format == TextFormat::Ssml {
            return Err(Error::unsupported(
                "OpenAI speech does not accept SSML; send plain text (ssml::to_plain_text)",
            )
            .with_provider(PROVIDER));
        }
        http::check_limit(
            PROVIDER,
            &request.text,
            MAX_INPUT_CHARS,
            InputUnit::Characters,
        )?;
        if let Some(speed) = request.rate
            && !(0.25..=4.0).contains(&speed)
        {
            return Err(Error::invalid_request(format!(
                "OpenAI speech `speed` must be 0.25–4.0, got {speed}"
            ))
            .with_provider(PROVIDER));
        }
        let voice = request.voice.as_deref().unwrap_or(&self.voice);
        let body = Wire {
            model: &self.model,
            input: &request.text,
            voice,
            response_format: match self.format {
                OpenAiFormat::Wav => "wav",
                OpenAiFormat::Pcm => "pcm",
            },
            speed: request.rate,
            instructions: self.instructions.as_deref(),
        };
        let mut req = self
            .client
            .post(format!("{}/audio/speech", self.base_url))
            .json(&body);
        if let Some(key) = &self.api_key {
            req = req.bearer_auth(key.expose_secret());
        }
        let response = req
            .send()
            .await
            .map_err(|e| http::transport(PROVIDER, &e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = http::body(PROVIDER, response).await?;
        if status >= 300 {
            let parsed: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
            let vendor = parsed
                .map(|b| http::VendorError {
                    code: b.error.code,
                    message: b.error.message,
                    field: b.error.param,
                })
                .unwrap_or_else(|| http::VendorError {
                    message: String::from_utf8_lossy(&bytes).chars().take(200).collect(),
                    ..Default::default()
                });
            let quota = vendor.code.as_deref() == Some("insufficient_quota");
            return Err(http::status_error(
                PROVIDER,
                status,
                &headers,
                vendor,
                quota,
                "x-request-id",
            ));
        }
        let track: AudioTrack = match self.format {
            OpenAiFormat::Wav => audio::wav_from_stream(&bytes),
            OpenAiFormat::Pcm => audio::pcm16le_to_track(&bytes, PCM_RATE, 1),
        }
        .map_err(|e| e.with_provider(PROVIDER))?;
        let track = match request.sample_rate {
            Some(rate) => audio::resample(&track, rate)?,
            None => track,
        };
        let timings = if request.word_timings {
            let (s, e) = audio::voiced_span(&track).unwrap_or((0.0, track.duration_secs()));
            timing::distribute(&request.text, s, e)
        } else {
            Vec::new()
        };
        let source = if timings.is_empty() {
            TimingSource::None
        } else {
            TimingSource::Estimated
        };
        let secs = track.duration_secs();
        Ok(Speech::new(
            track,
            timings,
            source,
            voice,
            Usage::characters(request.text.chars().count() as u64, secs),
        ))
    }
}
