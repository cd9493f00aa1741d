//! Per-vendor request validation, responses and error shapes for the fakes.
#![allow(
    clippy::result_large_err,
    reason = "test fake: an error response is built at most once per request"
)]

use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};

use super::{Fault, Vendor, respond, speech_like};
use crate::{audio, ssml};

type Answer = Result<(u16, &'static str, Vec<u8>), Response>;

const GOOGLE_LANGS: &[&str] = &["en-US", "en-GB", "es-ES", "de-DE", "fr-FR"];
const ELEVEN_VOICES: &[&str] = &["21m00Tcm4TlvDq8ikWAM", "pNInz6obpgDQGcFmaJgB"];

fn err(vendor: Vendor, status: u16, code: &str, message: &str) -> Response {
    let body = match vendor {
        Vendor::Google => json!({"error": {"code": status, "message": message, "status": code}}),
        Vendor::ElevenLabs if status == 422 => {
            json!({"detail": [{"loc": ["body", code], "msg": message, "type": "value_error"}]})
        }
        Vendor::ElevenLabs => json!({"detail": {"status": code, "message": message}}),
        Vendor::OpenAi => {
            json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": code}})
        }
    };
    respond(
        status,
        "application/json",
        body.to_string().into_bytes(),
        &[],
    )
}

pub(super) fn fault_response(vendor: Vendor, fault: &Fault) -> Option<Response> {
    match fault {
        Fault::RateLimited { retry_after_secs } => {
            let code = match vendor {
                Vendor::Google => "RESOURCE_EXHAUSTED",
                Vendor::ElevenLabs => "too_many_concurrent_requests",
                Vendor::OpenAi => "rate_limit_exceeded",
            };
            let mut r = err(vendor, 429, code, "slow down");
            if let Ok(v) = retry_after_secs.to_string().parse() {
                r.headers_mut().insert("retry-after", v);
            }
            Some(r)
        }
        Fault::QuotaExceeded => Some(match vendor {
            Vendor::Google => err(
                vendor,
                403,
                "PERMISSION_DENIED",
                "Quota exceeded for quota metric; billing required",
            ),
            Vendor::ElevenLabs => err(
                vendor,
                401,
                "quota_exceeded",
                "This request exceeds your quota of 10000. You have 0 credits remaining, while 91 credits are required",
            ),
            Vendor::OpenAi => err(
                vendor,
                429,
                "insufficient_quota",
                "You exceeded your current quota",
            ),
        }),
        Fault::ServerError => Some(err(vendor, 503, "UNAVAILABLE", "overloaded")),
        Fault::MalformedBody => Some(respond(
            200,
            "application/json",
            b"{\"audio\": <html>oops".to_vec(),
            &[],
        )),
        Fault::Hang(_) | Fault::DropConnection | Fault::TruncatedBody => None,
    }
}

pub(super) fn answer(
    vendor: Vendor,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Value,
) -> Answer {
    match vendor {
        Vendor::Google => google(method, uri, headers, body),
        Vendor::ElevenLabs => elevenlabs(uri, headers, body),
        Vendor::OpenAi => openai(uri, headers, body),
    }
}

fn google(method: &Method, uri: &Uri, headers: &HeaderMap, body: &Value) -> Answer {
    let g = |s, c, m: &str| err(Vendor::Google, s, c, m);
    let keyed = headers.contains_key("x-goog-api-key")
        || headers
            .get("authorization")
            .is_some_and(|v| v.as_bytes().starts_with(b"Bearer "))
        || uri.query().is_some_and(|q| q.contains("key="));
    if !keyed {
        return Err(g(
            401,
            "UNAUTHENTICATED",
            "Request is missing required authentication credential.",
        ));
    }
    let path = uri.path();
    if method == Method::GET && path == "/v1/voices" {
        let voices: Vec<Value> = GOOGLE_LANGS
            .iter()
            .flat_map(|l| {
                [
                    json!({"languageCodes": [l], "name": format!("{l}-Standard-A"), "ssmlGender": "FEMALE", "naturalSampleRateHertz": 24000}),
                    json!({"languageCodes": [l], "name": format!("{l}-Standard-B"), "ssmlGender": "MALE", "naturalSampleRateHertz": 24000}),
                    json!({"languageCodes": [l], "name": format!("{l}-Neural2-C"), "ssmlGender": "FEMALE", "naturalSampleRateHertz": 24000}),
                ]
            })
            .collect();
        return Ok((
            200,
            "application/json",
            json!({"voices": voices}).to_string().into_bytes(),
        ));
    }
    let beta = match path {
        "/v1/text:synthesize" => false,
        "/v1beta1/text:synthesize" => true,
        _ => return Err(g(404, "NOT_FOUND", "no such method")),
    };
    if !beta && body.get("enableTimePointing").is_some() {
        return Err(g(
            400,
            "INVALID_ARGUMENT",
            "Invalid JSON payload received. Unknown name \"enableTimePointing\": Cannot find field.",
        ));
    }
    let input = &body["input"];
    let (text, ssml_doc) = (input["text"].as_str(), input["ssml"].as_str());
    let raw = match (text, ssml_doc) {
        (Some(t), None) => t,
        (None, Some(s)) => s,
        _ => {
            return Err(g(
                400,
                "INVALID_ARGUMENT",
                "Exactly one of input.text or input.ssml must be set.",
            ));
        }
    };
    if raw.len() > 5000 {
        return Err(g(
            400,
            "INVALID_ARGUMENT",
            "Either `input.text` or `input.ssml` is longer than the limit of 5000 bytes.",
        ));
    }
    let Some(lang) = body["voice"]["languageCode"].as_str() else {
        return Err(g(
            400,
            "INVALID_ARGUMENT",
            "voice.languageCode is required.",
        ));
    };
    if !GOOGLE_LANGS
        .iter()
        .any(|l| l.eq_ignore_ascii_case(lang) || l.split('-').next() == Some(lang))
    {
        return Err(g(
            400,
            "INVALID_ARGUMENT",
            &format!("Requested language {lang} is not supported (voice.languageCode)."),
        ));
    }
    if body["audioConfig"]["audioEncoding"].as_str() != Some("LINEAR16") {
        return Err(g(
            400,
            "INVALID_ARGUMENT",
            "audioConfig.audioEncoding must be LINEAR16 in this fake.",
        ));
    }
    if let Some(r) = body["audioConfig"]["speakingRate"].as_f64()
        && !(0.25..=4.0).contains(&r)
    {
        return Err(g(
            400,
            "INVALID_ARGUMENT",
            "audioConfig.speakingRate out of range.",
        ));
    }
    let rate = body["audioConfig"]["sampleRateHertz"]
        .as_u64()
        .unwrap_or(24_000) as u32;
    let (plain, marks) = match ssml_doc {
        Some(doc) => {
            let tokens = ssml::validate(doc).map_err(|e| {
                g(
                    400,
                    "INVALID_ARGUMENT",
                    &format!("Invalid SSML in input.ssml: {}", e.message()),
                )
            })?;
            // Marks sit before the word they name by position.
            let mut words_so_far = 0usize;
            let mut marks = Vec::new();
            for t in &tokens {
                match t {
                    ssml::Token::Text(s) => {
                        words_so_far +=
                            crate::timing::words(&ssml::unescape(s).unwrap_or_default()).len();
                    }
                    ssml::Token::Open { name, attrs, .. } if name == "mark" => {
                        if let Some((_, n)) = attrs.iter().find(|(k, _)| k == "name") {
                            marks.push((n.clone(), words_so_far));
                        }
                    }
                    _ => {}
                }
            }
            (ssml::to_plain_text(doc).unwrap_or_default(), marks)
        }
        None => (raw.to_owned(), Vec::new()),
    };
    let (track, timings) = speech_like(&plain, rate);
    let wav = track.to_wav_bytes().unwrap_or_default();
    let mut resp = json!({
        "audioContent": base64::engine::general_purpose::STANDARD.encode(wav),
    });
    let pointing = body["enableTimePointing"]
        .as_array()
        .is_some_and(|a| a.iter().any(|v| v == "SSML_MARK"));
    if beta && pointing {
        let total = track.duration_secs();
        let tps: Vec<Value> = marks
            .iter()
            .map(|(n, i)| json!({"markName": n, "timeSeconds": timings.get(*i).map_or(total, |t| t.start_secs)}))
            .collect();
        resp["timepoints"] = json!(tps);
    }
    Ok((200, "application/json", resp.to_string().into_bytes()))
}

fn elevenlabs(uri: &Uri, headers: &HeaderMap, body: &Value) -> Answer {
    let e = |s, c, m: &str| err(Vendor::ElevenLabs, s, c, m);
    if headers.get("xi-api-key").is_none_or(|v| v.is_empty()) {
        return Err(e(401, "invalid_api_key", "Invalid API key"));
    }
    let rest = uri
        .path()
        .strip_prefix("/v1/text-to-speech/")
        .ok_or_else(|| e(404, "not_found", "Not Found"))?;
    let (voice, timestamps) = match rest.strip_suffix("/with-timestamps") {
        Some(v) => (v, true),
        None => (rest, false),
    };
    if !ELEVEN_VOICES.contains(&voice) {
        return Err(e(
            400,
            "voice_not_found",
            &format!("A voice with voice_id {voice} was not found."),
        ));
    }
    let format = uri
        .query()
        .and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("output_format="))
        })
        .unwrap_or("mp3_44100_128");
    let Some(rate) = format
        .strip_prefix("pcm_")
        .and_then(|r| r.parse::<u32>().ok())
        .filter(|r| crate::elevenlabs::PCM_RATES.contains(r))
    else {
        return Err(e(
            422,
            "output_format",
            "this fake only serves pcm_<rate> output formats",
        ));
    };
    let Some(text) = body["text"].as_str() else {
        return Err(e(422, "text", "field required"));
    };
    let model = body["model_id"]
        .as_str()
        .unwrap_or(crate::elevenlabs::DEFAULT_MODEL);
    let limit = crate::elevenlabs::model_char_limit(model);
    if text.chars().count() > limit {
        return Err(e(
            400,
            "max_character_limit_exceeded",
            &format!("Text is too long; the limit for {model} is {limit} characters."),
        ));
    }
    if text.trim().is_empty() {
        return Err(e(400, "invalid_text", "text must not be empty"));
    }
    let (track, timings) = speech_like(text, rate);
    let pcm = audio::track_to_pcm16le(&track);
    if !timestamps {
        return Ok((200, "audio/pcm", pcm));
    }
    // Character alignment: each word's characters share its span; other characters sit in gaps.
    let mut chars = Vec::new();
    let (mut starts, mut ends) = (Vec::new(), Vec::new());
    let mut word_iter = timings.iter().peekable();
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
    let alignment = json!({
        "characters": chars,
        "character_start_times_seconds": starts,
        "character_end_times_seconds": ends,
    });
    let resp = json!({
        "audio_base64": base64::engine::general_purpose::STANDARD.encode(pcm),
        "alignment": alignment,
        "normalized_alignment": alignment,
    });
    Ok((200, "application/json", resp.to_string().into_bytes()))
}

fn openai(uri: &Uri, headers: &HeaderMap, body: &Value) -> Answer {
    let o = |s, c, m: &str| err(Vendor::OpenAi, s, c, m);
    if !headers
        .get("authorization")
        .is_some_and(|v| v.as_bytes().starts_with(b"Bearer ") && v.len() > 7)
    {
        return Err(o(
            401,
            "invalid_api_key",
            "Missing bearer authentication in header",
        ));
    }
    if uri.path() != "/v1/audio/speech" {
        return Err(o(404, "not_found", "Unknown endpoint"));
    }
    let allowed = [
        "model",
        "input",
        "instructions",
        "voice",
        "response_format",
        "speed",
        "stream_format",
    ];
    if let Some(k) = body
        .as_object()
        .and_then(|m| m.keys().find(|k| !allowed.contains(&k.as_str())))
    {
        return Err(o(
            400,
            "unknown_parameter",
            &format!("Unrecognized request argument supplied: {k}"),
        ));
    }
    for field in ["model", "input", "voice"] {
        if body.get(field).is_none() {
            return Err(o(
                400,
                "missing_required_parameter",
                &format!("Missing required parameter: '{field}'."),
            ));
        }
    }
    let input = body["input"].as_str().unwrap_or_default();
    if input.chars().count() > 4096 {
        return Err(o(
            400,
            "string_above_max_length",
            "'input' is too long: maximum 4096 characters",
        ));
    }
    if input.trim().is_empty() {
        return Err(o(400, "invalid_value", "'input' must not be empty"));
    }
    if !body["voice"]
        .as_str()
        .is_some_and(|v| crate::openai::VOICES.contains(&v))
        && body["voice"].get("id").is_none()
    {
        return Err(o(400, "invalid_value", "Invalid value for 'voice'."));
    }
    if let Some(s) = body["speed"].as_f64()
        && !(0.25..=4.0).contains(&s)
    {
        return Err(o(
            400,
            "invalid_value",
            "'speed' must be between 0.25 and 4.0",
        ));
    }
    let (track, _) = speech_like(input, crate::openai::PCM_RATE);
    match body["response_format"].as_str().unwrap_or("mp3") {
        "pcm" => Ok((200, "audio/pcm", audio::track_to_pcm16le(&track))),
        "wav" => {
            // Streamed WAV: placeholder sizes in the header, as the real service sends.
            let mut wav = track.to_wav_bytes().unwrap_or_default();
            if wav.len() >= 44 {
                wav[4..8].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
                wav[40..44].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
            }
            Ok((200, "audio/wav", wav))
        }
        other => Err(o(
            400,
            "invalid_value",
            &format!("this fake serves wav or pcm, not {other}"),
        )),
    }
}
