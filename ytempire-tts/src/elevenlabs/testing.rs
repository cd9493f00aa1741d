//! Loopback fake of ElevenLabs (feature `testing`): `POST /v1/text-to-speech/{voice}` (raw
//! PCM) and `/with-timestamps` (base64 PCM with character alignment), validated as the
//! service validates them, with its `{"detail":{"status","message"}}` and validation
//! `{"detail":[{"loc","msg"}]}` shapes. Key: `xi-api-key`.

use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};
use ytempire_core::WordTiming;
use ytempire_core::testing::server::{Incoming, Route, respond, respond_json};

use super::{DEFAULT_MODEL, PCM_RATES, model_char_limit};
use crate::audio;
use crate::testing::{Refusal, SpeechFake, speech_like, speech_vendor};

/// Voice ids the fake knows.
const VOICES: &[&str] = &["21m00Tcm4TlvDq8ikWAM", "pNInz6obpgDQGcFmaJgB"];

/// The fake ElevenLabs vendor (serve it with core's `FakeServer::start`, or
/// `ytempire_tts::testing::FakeServer::elevenlabs`).
#[derive(Debug, Clone, Copy, Default)]
pub struct FakeElevenLabs;

speech_vendor!(FakeElevenLabs);

impl SpeechFake for FakeElevenLabs {
    const QUOTA: Refusal = Refusal::fixed(
        401,
        "quota_exceeded",
        "This request exceeds your quota of 10000. You have 0 credits remaining, while 91 credits are required",
    );
    const UNAUTHORIZED: Refusal = Refusal::fixed(401, "invalid_api_key", "Invalid API key");
    const RATE_LIMITED: &'static str = "too_many_concurrent_requests";

    fn route_of(req: &Incoming) -> Option<Route> {
        let rest = req.uri.path().strip_prefix("/v1/text-to-speech/")?;
        Some(if rest.ends_with("/with-timestamps") {
            Route::JSON_API
        } else {
            Route::MEDIA_API
        })
    }

    /// 422 is a validation error naming the field (`code`); the rest are `detail` objects.
    fn shape_error(status: u16, code: &str, message: &str) -> Response {
        let body = if status == 422 {
            json!({"detail": [{"loc": ["body", code], "msg": message, "type": "value_error"}]})
        } else {
            json!({"detail": {"status": code, "message": message}})
        };
        respond_json(status, &body, &[])
    }

    fn presented_key(req: &Incoming) -> Option<String> {
        req.header("xi-api-key").map(str::to_owned)
    }

    fn speak(req: &Incoming) -> Result<Response, Refusal> {
        let rest = req
            .uri
            .path()
            .strip_prefix("/v1/text-to-speech/")
            .unwrap_or_default();
        let (voice, timestamps) = match rest.strip_suffix("/with-timestamps") {
            Some(v) => (v, true),
            None => (rest, false),
        };
        if !VOICES.contains(&voice) {
            return Err(Refusal::new(
                400,
                "voice_not_found",
                format!("A voice with voice_id {voice} was not found."),
            ));
        }
        let format = req
            .query_value("output_format")
            .unwrap_or_else(|| "mp3_44100_128".to_owned());
        let Some(rate) = format
            .strip_prefix("pcm_")
            .and_then(|r| r.parse::<u32>().ok())
            .filter(|r| PCM_RATES.contains(r))
        else {
            return Err(Refusal::new(
                422,
                "output_format",
                "this fake only serves pcm_<rate> output formats",
            ));
        };
        let body = req.json();
        let text = checked_text(&body)?;
        let (track, timings) = speech_like(text, rate);
        let pcm = audio::track_to_pcm16le(&track);
        if !timestamps {
            return Ok(respond(200, "audio/pcm", pcm, &[]));
        }
        let alignment = alignment(text, &timings);
        let resp = json!({
            "audio_base64": base64::engine::general_purpose::STANDARD.encode(pcm),
            "alignment": alignment,
            "normalized_alignment": alignment,
        });
        Ok(respond_json(200, &resp, &[]))
    }
}

/// `text`, present, not blank and within the model's limit.
fn checked_text(body: &Value) -> Result<&str, Refusal> {
    let Some(text) = body["text"].as_str() else {
        return Err(Refusal::new(422, "text", "field required"));
    };
    let model = body["model_id"].as_str().unwrap_or(DEFAULT_MODEL);
    let limit = model_char_limit(model);
    if text.chars().count() > limit {
        return Err(Refusal::new(
            400,
            "max_character_limit_exceeded",
            format!("Text is too long; the limit for {model} is {limit} characters."),
        ));
    }
    if text.trim().is_empty() {
        return Err(Refusal::new(400, "invalid_text", "text must not be empty"));
    }
    Ok(text)
}

/// Character alignment: each word's characters share its span; other characters sit in
/// the gaps.
fn alignment(text: &str, timings: &[WordTiming]) -> Value {
    let mut chars = Vec::new();
    let (mut starts, mut ends) = (Vec::new(), Vec::new());
    let mut word_iter = timings.iter();
    let mut last_end = 0.0;
    for token in text.split_inclusive(char::is_whitespace) {
        let word = token.trim_end();
        let is_word = word.chars().any(char::is_alphanumeric);
        let span = if is_word {
            word_iter.next().map(|t| (t.start_secs, t.end_secs))
        } else {
            None
        };
        let n = word.chars().count().max(1) as f64;
        for (k, c) in token.chars().enumerate() {
            chars.push(c.to_string());
            if let (Some((s, en)), false) = (span, c.is_whitespace()) {
                let step = (en - s) / n;
                starts.push(s + step * k as f64);
                ends.push(s + step * (k as f64 + 1.0));
                last_end = s + step * (k as f64 + 1.0);
            } else {
                starts.push(last_end);
                ends.push(last_end);
            }
        }
    }
    json!({
        "characters": chars,
        "character_start_times_seconds": starts,
        "character_end_times_seconds": ends,
    })
}
