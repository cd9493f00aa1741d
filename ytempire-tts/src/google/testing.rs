//! Loopback fake of Google Cloud TTS (feature `testing`): `GET /v1/voices` and
//! `POST /v1/text:synthesize` / `/v1beta1/text:synthesize` with SSML mark time pointing,
//! validated as the service validates them, with its `{"error":{"code","message","status"}}`
//! shape. Keys: `x-goog-api-key`, a bearer token or `?key=`.

use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};
use ytempire_core::testing::server::{Incoming, Route, respond_json};

use crate::ssml;
use crate::testing::{Refusal, SpeechFake, speech_like, speech_vendor};

/// Languages the fake has voices for.
const LANGS: &[&str] = &["en-US", "en-GB", "es-ES", "de-DE", "fr-FR"];

/// The fake Google Cloud TTS vendor (serve it with core's `FakeServer::start`, or
/// `ytempire_tts::testing::FakeServer::google`).
#[derive(Debug, Clone, Copy, Default)]
pub struct FakeGoogleTts;

speech_vendor!(FakeGoogleTts);

type Answer = Result<Response, Refusal>;

fn bad(message: impl Into<String>) -> Refusal {
    Refusal::new(400, "INVALID_ARGUMENT", message)
}

impl SpeechFake for FakeGoogleTts {
    const QUOTA: Refusal = Refusal::fixed(
        403,
        "PERMISSION_DENIED",
        "Quota exceeded for quota metric; billing required",
    );
    const UNAUTHORIZED: Refusal = Refusal::fixed(
        401,
        "UNAUTHENTICATED",
        "Request is missing required authentication credential.",
    );
    const RATE_LIMITED: &'static str = "RESOURCE_EXHAUSTED";

    fn route_of(req: &Incoming) -> Option<Route> {
        let voices = req.method == "GET" && req.uri.path() == "/v1/voices";
        let synthesize = matches!(
            req.uri.path(),
            "/v1/text:synthesize" | "/v1beta1/text:synthesize"
        );
        (voices || synthesize).then_some(Route::JSON_API)
    }

    /// Core's generic codes (`server_error`, `not_found`) become Google's status names.
    fn shape_error(status: u16, code: &str, message: &str) -> Response {
        let name = match code {
            "server_error" => "UNAVAILABLE",
            "not_found" => "NOT_FOUND",
            code => code,
        };
        respond_json(
            status,
            &json!({"error": {"code": status, "message": message, "status": name}}),
            &[],
        )
    }

    fn presented_key(req: &Incoming) -> Option<String> {
        let bearer = req
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "));
        req.header("x-goog-api-key")
            .or(bearer)
            .map(str::to_owned)
            .or_else(|| req.query_value("key"))
    }

    fn speak(req: &Incoming) -> Answer {
        if req.uri.path() == "/v1/voices" {
            return Ok(voices());
        }
        synthesize(req.uri.path().starts_with("/v1beta1/"), &req.json())
    }
}

fn voices() -> Response {
    let voices: Vec<Value> = LANGS
        .iter()
        .flat_map(|l| {
            [
                json!({"languageCodes": [l], "name": format!("{l}-Standard-A"), "ssmlGender": "FEMALE", "naturalSampleRateHertz": 24000}),
                json!({"languageCodes": [l], "name": format!("{l}-Standard-B"), "ssmlGender": "MALE", "naturalSampleRateHertz": 24000}),
                json!({"languageCodes": [l], "name": format!("{l}-Neural2-C"), "ssmlGender": "FEMALE", "naturalSampleRateHertz": 24000}),
            ]
        })
        .collect();
    respond_json(200, &json!({"voices": voices}), &[])
}

/// Check the request as the service does; return the input and whether it is SSML.
fn validate(beta: bool, body: &Value) -> Result<(&str, bool), Refusal> {
    if !beta && body.get("enableTimePointing").is_some() {
        return Err(bad(
            "Invalid JSON payload received. Unknown name \"enableTimePointing\": Cannot find field.",
        ));
    }
    let input = &body["input"];
    let raw = match (input["text"].as_str(), input["ssml"].as_str()) {
        (Some(t), None) => (t, false),
        (None, Some(s)) => (s, true),
        _ => return Err(bad("Exactly one of input.text or input.ssml must be set.")),
    };
    if raw.0.len() > 5000 {
        return Err(bad(
            "Either `input.text` or `input.ssml` is longer than the limit of 5000 bytes.",
        ));
    }
    let Some(lang) = body["voice"]["languageCode"].as_str() else {
        return Err(bad("voice.languageCode is required."));
    };
    if !LANGS
        .iter()
        .any(|l| l.eq_ignore_ascii_case(lang) || l.split('-').next() == Some(lang))
    {
        return Err(bad(format!(
            "Requested language {lang} is not supported (voice.languageCode)."
        )));
    }
    if body["audioConfig"]["audioEncoding"].as_str() != Some("LINEAR16") {
        return Err(bad(
            "audioConfig.audioEncoding must be LINEAR16 in this fake.",
        ));
    }
    if let Some(r) = body["audioConfig"]["speakingRate"].as_f64()
        && !(0.25..=4.0).contains(&r)
    {
        return Err(bad("audioConfig.speakingRate out of range."));
    }
    Ok(raw)
}

/// The plain text of an SSML document and its marks, each with the number of words before
/// it (a mark sits before the word it names by position).
fn marks(doc: &str) -> Result<(String, Vec<(String, usize)>), Refusal> {
    let tokens = ssml::validate(doc)
        .map_err(|e| bad(format!("Invalid SSML in input.ssml: {}", e.message())))?;
    let mut words_so_far = 0usize;
    let mut marks = Vec::new();
    for t in &tokens {
        match t {
            ssml::Token::Text(s) => {
                words_so_far += crate::timing::words(&ssml::unescape(s).unwrap_or_default()).len();
            }
            ssml::Token::Open { name, attrs, .. } if name == "mark" => {
                if let Some((_, n)) = attrs.iter().find(|(k, _)| k == "name") {
                    marks.push((n.clone(), words_so_far));
                }
            }
            _ => {}
        }
    }
    Ok((ssml::to_plain_text(doc).unwrap_or_default(), marks))
}

fn synthesize(beta: bool, body: &Value) -> Answer {
    let (raw, is_ssml) = validate(beta, body)?;
    let rate = body["audioConfig"]["sampleRateHertz"]
        .as_u64()
        .unwrap_or(24_000) as u32;
    let (plain, marks) = if is_ssml {
        marks(raw)?
    } else {
        (raw.to_owned(), Vec::new())
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
    Ok(respond_json(200, &resp, &[]))
}
