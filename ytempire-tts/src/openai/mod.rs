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

#[cfg(feature = "testing")]
pub(crate) mod testing;
mod wire;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use ytempire_core::http::{self, OpenAiAccount};
use ytempire_core::{
    AudioTrack, Capabilities, Error, InputUnit, ProviderInfo, Result, Speech, SpeechRequest,
    SpeechSynthesizer, TextFormat,
};

use self::wire::{Wire, vendor_error};
use crate::client::{Endpoint, client_builders};
use crate::{audio, chunk::check_limit, timing};

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

/// OpenAI speech client. `Debug` never shows the key (a [`SecretString`] prints `[REDACTED]`).
#[derive(Debug, Clone)]
pub struct OpenAiSpeech {
    api_key: Option<SecretString>,
    endpoint: Endpoint,
    model: String,
    voice: String,
    format: OpenAiFormat,
    instructions: Option<String>,
}

impl std::fmt::Display for OpenAiSpeech {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "openai/{}", self.model)
    }
}

client_builders!(OpenAiSpeech {
    endpoint,
    env: "From `OPENAI_API_KEY` and optional `OPENAI_BASE_URL` (`…/v1`). A key is required \
          unless a base URL is set (local servers usually need none).",
    model: "Model (`tts-1`, `tts-1-hd`, `gpt-4o-mini-tts`, or a local server's name).",
    voice: "Default voice (one of [`VOICES`], or a local server's name).",
});

impl OpenAiSpeech {
    /// A client with a key (may be empty for local servers), `tts-1`, voice `alloy`, WAV.
    pub fn new(api_key: Option<SecretString>) -> Result<Self> {
        Ok(Self {
            api_key,
            endpoint: Endpoint::new(PROVIDER, DEFAULT_BASE_URL)?,
            model: "tts-1".into(),
            voice: "alloy".into(),
            format: OpenAiFormat::Wav,
            instructions: None,
        })
    }

    /// [`OpenAiSpeech::from_env`] reading variables through `lookup` (tests, config files).
    ///
    /// # Errors
    /// As [`OpenAiSpeech::from_env`].
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        if let Ok(account) = OpenAiAccount::from_env_with(&lookup) {
            return Self::for_account(&account);
        }
        let key = http::key_from(&lookup, "OPENAI_API_KEY").ok();
        if key.is_none() && http::var_from(&lookup, "OPENAI_BASE_URL").is_none() {
            return Err(Error::config(
                "OpenAI speech needs OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible local server)",
            )
            .with_provider(PROVIDER));
        }
        let base = http::base_url_from(&lookup, "OPENAI_BASE_URL", DEFAULT_BASE_URL)
            .map_err(|e| e.with_provider(PROVIDER))?;
        Ok(Self::new(key)?.with_base_url(base))
    }

    /// Speech through a shared [`OpenAiAccount`] (the one chat and images use too): its key
    /// and base URL, `tts-1`, voice `alloy`, WAV.
    ///
    /// # Errors
    /// `Config` when the HTTP client cannot be built.
    pub fn for_account(account: &OpenAiAccount) -> Result<Self> {
        Ok(Self::new(account.api_key.clone())?.with_base_url(account.base_url.clone()))
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
        check_limit(
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
        let mut req = self.endpoint.post("/audio/speech").json(&body);
        if let Some(key) = &self.api_key {
            req = req.bearer_auth(key.expose_secret());
        }
        let (_, bytes) = self
            .endpoint
            .send(req, |_, body| vendor_error(body))
            .await?;
        let track: AudioTrack = match self.format {
            OpenAiFormat::Wav => audio::wav_from_stream(&bytes),
            OpenAiFormat::Pcm => audio::pcm16le_to_track(&bytes, PCM_RATE, 1),
        }
        .map_err(|e| e.with_provider(PROVIDER))?;
        let track = match request.sample_rate {
            Some(rate) => audio::resample(&track, rate)?,
            None => track,
        };
        let (s, e) = audio::voiced_span(&track).unwrap_or((0.0, track.duration_secs()));
        let timings = timing::distribute(&request.text, s, e);
        let characters = request.text.chars().count();
        Ok(timing::estimated_speech(
            request, track, timings, voice, characters,
        ))
    }
}
