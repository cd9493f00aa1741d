//! [`GoogleTts`]: Google Cloud Text-to-Speech over REST.
//!
//! - Plain text with word timings: the text is wrapped in SSML with a `<mark name="wN"/>`
//!   before every word and sent to `v1beta1/text:synthesize` with
//!   `enableTimePointing: ["SSML_MARK"]`; the returned `timepoints` become word starts.
//! - SSML input, or timings not wanted: `v1/text:synthesize` (timings estimated for SSML).
//! - Output is `LINEAR16` (a WAV file, base64 in `audioContent`).
//! - Input limit: 5000 **bytes** of the `input` field. Usage: characters sent, markup included
//!   (Google bills SSML tags).
//! - Auth: an API key (sent as the `x-goog-api-key` header, never in the URL) or an OAuth
//!   bearer token.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_core::{SpeechRequest, SpeechSynthesizer};
//! use ytempire_tts::GoogleTts;
//! let tts = GoogleTts::from_env()?.with_voice("en-US-Neural2-F");
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
    Capabilities, Error, ErrorKind, InputUnit, ProviderInfo, Result, Speech, SpeechRequest,
    SpeechSynthesizer, TextFormat, TimingSource, Usage, VoiceGender,
};

use self::wire::{SynthesizeResponse, VoicesResponse, vendor_error};
use crate::chunk::check_limit;
use crate::client::{Endpoint, client_builders};
use crate::voice::Voice;
use crate::{audio, ssml, timing};

/// Provider id.
pub const PROVIDER: &str = "google";
/// Input limit in UTF-8 bytes.
pub const MAX_INPUT_BYTES: usize = 5000;
/// Default endpoint.
pub const DEFAULT_BASE_URL: &str = "https://texttospeech.googleapis.com";

#[derive(Debug, Clone)]
enum Auth {
    ApiKey(SecretString),
    Bearer(SecretString),
}

/// Google Cloud TTS client. `Debug` never shows the key or token (a [`SecretString`] prints
/// `[REDACTED]`).
#[derive(Debug, Clone)]
pub struct GoogleTts {
    auth: Auth,
    endpoint: Endpoint,
    language: String,
    voice: Option<String>,
}

impl std::fmt::Display for GoogleTts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "google/{}",
            self.voice.as_deref().unwrap_or(&self.language)
        )
    }
}

/// Plain text as SSML with a `<mark name="wN"/>` before word N; returns the document and the
/// words in order.
pub fn mark_words(text: &str) -> (String, Vec<&str>) {
    let mut doc = String::from("<speak>");
    let mut words = Vec::new();
    for (i, token) in text.split_whitespace().enumerate() {
        if i > 0 {
            doc.push(' ');
        }
        if token.chars().any(char::is_alphanumeric) {
            doc.push_str(&format!("<mark name=\"w{}\"/>", words.len()));
            words.push(token);
        }
        doc.push_str(&ssml::escape(token));
    }
    doc.push_str("</speak>");
    (doc, words)
}

client_builders!(GoogleTts {
    endpoint,
    env: "From `GOOGLE_TTS_API_KEY`, else `GOOGLE_API_KEY` (one is required), and \
          `GOOGLE_TTS_BASE_URL` (optional).",
});

impl GoogleTts {
    /// A client with an API key, language `en-US`, the service's default voice.
    pub fn with_api_key(key: SecretString) -> Result<Self> {
        Self::build(Auth::ApiKey(key))
    }

    /// A client with an OAuth 2.0 bearer token (scope `cloud-platform`).
    pub fn with_bearer_token(token: SecretString) -> Result<Self> {
        Self::build(Auth::Bearer(token))
    }

    fn build(auth: Auth) -> Result<Self> {
        Ok(Self {
            auth,
            endpoint: Endpoint::new(PROVIDER, DEFAULT_BASE_URL)?,
            language: "en-US".into(),
            voice: None,
        })
    }

    /// [`GoogleTts::from_env`] reading variables through `lookup` (tests, config files).
    ///
    /// # Errors
    /// As [`GoogleTts::from_env`].
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let key = http::key_from(&lookup, "GOOGLE_TTS_API_KEY")
            .or_else(|_| http::key_from(&lookup, "GOOGLE_API_KEY"))
            .map_err(|_| {
                Error::config(
                    "Google TTS needs GOOGLE_TTS_API_KEY or GOOGLE_API_KEY: set one to your API key",
                )
                .with_provider(PROVIDER)
            })?;
        let base = http::base_url_from(&lookup, "GOOGLE_TTS_BASE_URL", DEFAULT_BASE_URL)
            .map_err(|e| e.with_provider(PROVIDER))?;
        Ok(Self::with_api_key(key)?.with_base_url(base))
    }

    /// Default language (BCP-47, e.g. `en-GB`).
    #[must_use]
    pub fn with_language(mut self, language: impl Into<String>) -> Self {
        self.language = language.into();
        self
    }

    /// Default voice name (e.g. `en-US-Neural2-F`).
    #[must_use]
    pub fn with_voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = Some(voice.into());
        self
    }

    fn authorize(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.auth {
            Auth::ApiKey(k) => req.header("x-goog-api-key", k.expose_secret()),
            Auth::Bearer(t) => req.bearer_auth(t.expose_secret()),
        }
    }

    async fn call(&self, req: reqwest::RequestBuilder) -> Result<Vec<u8>> {
        let (_, body) = self
            .endpoint
            .send(self.authorize(req), vendor_error)
            .await?;
        Ok(body)
    }

    /// `GET v1/voices` (optionally for one language).
    pub async fn voices(&self, language: Option<&str>) -> Result<Vec<Voice>> {
        let mut path = "/v1/voices".to_owned();
        if let Some(l) = language {
            let l: String = url::form_urlencoded::byte_serialize(l.as_bytes()).collect();
            path.push_str(&format!("?languageCode={l}"));
        }
        let req = self.endpoint.get(&path);
        let body = self.call(req).await?;
        let parsed: VoicesResponse = http::json(PROVIDER, &body)?;
        Ok(parsed
            .voices
            .into_iter()
            .map(|v| {
                let gender = match v.ssml_gender.as_deref() {
                    Some("FEMALE") => VoiceGender::Female,
                    Some("MALE") => VoiceGender::Male,
                    _ => VoiceGender::Any,
                };
                let premium = [
                    "Neural2", "Wavenet", "Studio", "Chirp", "Journey", "Polyglot", "News",
                ]
                .iter()
                .any(|tier| v.name.contains(tier));
                Voice::new(v.name, v.language_codes, gender).with_premium(premium)
            })
            .collect())
    }
}

#[async_trait]
impl SpeechSynthesizer for GoogleTts {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new(
            PROVIDER,
            self.voice.clone().unwrap_or_else(|| self.language.clone()),
            Capabilities::new()
                .with_max_input(MAX_INPUT_BYTES, InputUnit::Bytes)
                .with_ssml(true)
                .with_word_timings(true)
                .with_paid(true),
        )
    }

    async fn synthesize(&self, request: &SpeechRequest) -> Result<Speech> {
        request.validate()?;
        check_limit(PROVIDER, &request.text, MAX_INPUT_BYTES, InputUnit::Bytes)?;
        if let Some(rate) = request.rate
            && !(0.25..=4.0).contains(&rate)
        {
            return Err(Error::invalid_request(format!(
                "Google TTS `audioConfig.speakingRate` must be 0.25–4.0, got {rate}"
            )));
        }
        if let Some(pitch) = request.pitch
            && !(-20.0..=20.0).contains(&pitch)
        {
            return Err(Error::invalid_request(format!(
                "Google TTS `audioConfig.pitch` must be -20–20 semitones, got {pitch}"
            )));
        }
        let language = request
            .language
            .clone()
            .unwrap_or_else(|| self.language.clone());
        let voice_name = request.voice.clone().or_else(|| self.voice.clone());
        let (input, words, version, plain) = match request.format {
            TextFormat::Ssml => {
                let plain = ssml::to_plain_text(&request.text)?;
                (json!({ "ssml": request.text.trim() }), None, "v1", plain)
            }
            TextFormat::Plain if request.word_timings => {
                let (doc, words) = mark_words(&request.text);
                if doc.len() <= MAX_INPUT_BYTES {
                    let words: Vec<String> = words.into_iter().map(str::to_owned).collect();
                    (
                        json!({ "ssml": doc }),
                        Some(words),
                        "v1beta1",
                        request.text.clone(),
                    )
                } else {
                    (
                        json!({ "text": request.text }),
                        None,
                        "v1",
                        request.text.clone(),
                    )
                }
            }
            _ => (
                json!({ "text": request.text }),
                None,
                "v1",
                request.text.clone(),
            ),
        };
        let billed = input
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(|v| v.as_str())
            .map_or(0, |s| s.chars().count());
        let mut voice = json!({ "languageCode": language });
        if let Some(name) = &voice_name {
            voice["name"] = json!(name);
        }
        let mut audio_config = json!({ "audioEncoding": "LINEAR16" });
        if let Some(rate) = request.rate {
            audio_config["speakingRate"] = json!(rate);
        }
        if let Some(pitch) = request.pitch {
            audio_config["pitch"] = json!(pitch);
        }
        if let Some(hz) = request.sample_rate {
            audio_config["sampleRateHertz"] = json!(hz);
        }
        let mut body = json!({ "input": input, "voice": voice, "audioConfig": audio_config });
        if words.is_some() {
            body["enableTimePointing"] = json!(["SSML_MARK"]);
        }
        let req = self
            .endpoint
            .post(&format!("/{version}/text:synthesize"))
            .json(&body);
        let bytes = self.call(req).await?;
        let parsed: SynthesizeResponse = http::json(PROVIDER, &bytes)?;
        let wav = base64::engine::general_purpose::STANDARD
            .decode(parsed.audio_content.as_bytes())
            .map_err(|e| {
                Error::new(
                    ErrorKind::InvalidResponse,
                    format!("google: audioContent is not base64: {e}"),
                )
                .with_provider(PROVIDER)
            })?;
        let track = audio::wav_from_stream(&wav).map_err(|e| e.with_provider(PROVIDER))?;
        let track = match request.sample_rate {
            Some(rate) if rate != track.sample_rate => audio::resample(&track, rate)?,
            _ => track,
        };
        let total = track.duration_secs();
        let (timings, source) = match (&words, request.word_timings) {
            (_, false) => (Vec::new(), TimingSource::None),
            (Some(words), true) => {
                let mut starts = vec![None; words.len()];
                for tp in &parsed.timepoints {
                    if let Some(i) = tp
                        .mark_name
                        .strip_prefix('w')
                        .and_then(|n| n.parse::<usize>().ok())
                        && i < starts.len()
                    {
                        starts[i] = Some(tp.time_seconds);
                    }
                }
                if starts.iter().all(Option::is_some) {
                    let starts: Vec<f64> = starts.into_iter().flatten().collect();
                    let end = audio::voiced_span(&track)
                        .map_or(total, |(_, e)| e.max(*starts.last().unwrap_or(&0.0)));
                    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
                    let mut t = timing::from_word_starts(&refs, &starts, end);
                    // A word ends no later than the pause before the next one: cap at 1.5 s.
                    for w in &mut t {
                        w.end_secs = w.end_secs.min(w.start_secs + 1.5);
                    }
                    (t, TimingSource::Provider)
                } else {
                    let (s, e) = audio::voiced_span(&track).unwrap_or((0.0, total));
                    (timing::distribute(&plain, s, e), TimingSource::Estimated)
                }
            }
            (None, true) => {
                let (s, e) = audio::voiced_span(&track).unwrap_or((0.0, total));
                (timing::distribute(&plain, s, e), TimingSource::Estimated)
            }
        };
        let voice_used = voice_name.unwrap_or(language);
        Ok(Speech::new(
            track,
            timings,
            source,
            voice_used,
            Usage::characters(billed as u64, total),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_precede_words_and_escape() {
        let (doc, words) = mark_words("Fish & chips - now");
        assert_eq!(words, ["Fish", "chips", "now"]);
        assert_eq!(
            doc,
            "<speak><mark name=\"w0\"/>Fish &amp; <mark name=\"w1\"/>chips - <mark name=\"w2\"/>now</speak>"
        );
        assert!(ssml::validate(&doc).is_ok());
    }

    #[test]
    fn debug_redacts_the_key() {
        let tts = GoogleTts::with_api_key(SecretString::from("AIza-secret-123")).unwrap();
        let dbg = format!("{tts:?}");
        assert!(
            !dbg.contains("secret-123") && dbg.contains("REDACTED"),
            "{dbg}"
        );
    }
}
