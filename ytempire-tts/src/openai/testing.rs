//! Loopback fake of OpenAI speech (feature `testing`): `POST /v1/audio/speech` answering
//! `wav` (streamed, with placeholder header sizes) or `pcm`, validated as the service
//! validates it (unknown and missing parameters, limits, voices), with its
//! `{"error":{"message","type","param","code"}}` shape. Key: a bearer token.

use axum::response::Response;
use serde_json::{Value, json};
use ytempire_core::testing::server::{Incoming, Route, respond, respond_json};

use super::{PCM_RATE, VOICES};
use crate::audio;
use crate::testing::{Refusal, SpeechFake, speech_like, speech_vendor};

/// Every parameter `/audio/speech` takes.
const PARAMETERS: &[&str] = &[
    "model",
    "input",
    "instructions",
    "voice",
    "response_format",
    "speed",
    "stream_format",
];

/// The fake OpenAI speech vendor (serve it with core's `FakeServer::start`, or
/// `ytempire_tts::testing::FakeServer::openai`).
#[derive(Debug, Clone, Copy, Default)]
pub struct FakeOpenAiSpeech;

speech_vendor!(FakeOpenAiSpeech);

fn invalid(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::new(400, code, message)
}

impl SpeechFake for FakeOpenAiSpeech {
    const QUOTA: Refusal =
        Refusal::fixed(429, "insufficient_quota", "You exceeded your current quota");
    const UNAUTHORIZED: Refusal = Refusal::fixed(
        401,
        "invalid_api_key",
        "Missing bearer authentication in header",
    );
    const RATE_LIMITED: &'static str = "rate_limit_exceeded";

    fn route_of(req: &Incoming) -> Option<Route> {
        (req.uri.path() == "/v1/audio/speech").then_some(Route::MEDIA_API)
    }

    fn shape_error(status: u16, code: &str, message: &str) -> Response {
        respond_json(
            status,
            &json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": code}}),
            &[],
        )
    }

    fn presented_key(req: &Incoming) -> Option<String> {
        req.header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned)
    }

    fn speak(req: &Incoming) -> Result<Response, Refusal> {
        let body = req.json();
        let input = validate(&body)?;
        let (track, _) = speech_like(input, PCM_RATE);
        match body["response_format"].as_str().unwrap_or("mp3") {
            "pcm" => Ok(respond(
                200,
                "audio/pcm",
                audio::track_to_pcm16le(&track),
                &[],
            )),
            "wav" => {
                // Streamed WAV: placeholder sizes in the header, as the real service sends.
                let mut wav = track.to_wav_bytes().unwrap_or_default();
                if wav.len() >= 44 {
                    wav[4..8].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
                    wav[40..44].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
                }
                Ok(respond(200, "audio/wav", wav, &[]))
            }
            other => Err(invalid(
                "invalid_value",
                format!("this fake serves wav or pcm, not {other}"),
            )),
        }
    }
}

/// Check the body as the service does; return `input`.
fn validate(body: &Value) -> Result<&str, Refusal> {
    if let Some(k) = body
        .as_object()
        .and_then(|m| m.keys().find(|k| !PARAMETERS.contains(&k.as_str())))
    {
        return Err(invalid(
            "unknown_parameter",
            format!("Unrecognized request argument supplied: {k}"),
        ));
    }
    for field in ["model", "input", "voice"] {
        if body.get(field).is_none() {
            return Err(invalid(
                "missing_required_parameter",
                format!("Missing required parameter: '{field}'."),
            ));
        }
    }
    let input = body["input"].as_str().unwrap_or_default();
    if input.chars().count() > 4096 {
        return Err(invalid(
            "string_above_max_length",
            "'input' is too long: maximum 4096 characters",
        ));
    }
    if input.trim().is_empty() {
        return Err(invalid("invalid_value", "'input' must not be empty"));
    }
    if !body["voice"].as_str().is_some_and(|v| VOICES.contains(&v))
        && body["voice"].get("id").is_none()
    {
        return Err(invalid("invalid_value", "Invalid value for 'voice'."));
    }
    if let Some(s) = body["speed"].as_f64()
        && !(0.25..=4.0).contains(&s)
    {
        return Err(invalid(
            "invalid_value",
            "'speed' must be between 0.25 and 4.0",
        ));
    }
    Ok(input)
}
