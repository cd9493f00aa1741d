//! A loopback OpenAI-compatible server (Chat Completions, `POST /v1/chat/completions`) on
//! core's fake-server core: request-body validation against the spec's required fields and
//! enums, the OpenAI error and 429 shapes (`retry-after` plus `retry-after-ms`), plain and
//! streamed (SSE) answers, and the scripted answers of [`FakeReply`].

use axum::http::HeaderValue;
use axum::response::Response;
use serde_json::{Value, json};
use ytempire_core::Message;
use ytempire_core::testing::server::{Incoming, respond, respond_json};

use super::script_fixtures;
use super::{Asked, NOT_JSON, Reply, ScriptedFake, Wire};
#[cfg(doc)]
use super::{FIXTURE_CUE, FakeReply};

/// The OpenAI Chat Completions wire (the `W` of [`FakeOpenAi`]).
#[derive(Debug)]
pub struct OpenAiWire;

/// A running fake OpenAI-compatible server; stops when dropped. Its `base_url` ends in
/// `/v1`. With no scripted reply queued, it answers a script prompt (one with a `BRIEF:`
/// line) with fixture script JSON that meets the brief's plan, written independently of the
/// offline writer (its visual cues contain [`FIXTURE_CUE`]); other prompts get a short
/// fixture text (a JSON object in JSON mode). `max_tokens` cuts the answer (`finish_reason:
/// length`). `require_key` makes it demand `Authorization: Bearer <key>` (401
/// `invalid_api_key` otherwise).
pub type FakeOpenAi = ScriptedFake<OpenAiWire>;

/// Check a body against `CreateChatCompletionRequest`: required fields and enums.
pub(crate) fn validate_chat_request(body: &Value) -> Vec<String> {
    let mut v = Vec::new();
    if body
        .get("model")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        v.push("`model` is required and must be a non-empty string".to_owned());
    }
    match body.get("messages").and_then(Value::as_array) {
        Some(msgs) if !msgs.is_empty() => {
            for (i, m) in msgs.iter().enumerate() {
                let role = m.get("role").and_then(Value::as_str).unwrap_or_default();
                if ![
                    "developer",
                    "system",
                    "user",
                    "assistant",
                    "tool",
                    "function",
                ]
                .contains(&role)
                {
                    v.push(format!("messages[{i}].role `{role}` is not a valid role"));
                }
                let content_ok = m
                    .get("content")
                    .is_some_and(|c| c.is_string() || c.is_array());
                if !content_ok && role != "assistant" {
                    v.push(format!("messages[{i}].content is required"));
                }
            }
        }
        _ => v.push("`messages` is required and must be a non-empty array".to_owned()),
    }
    if let Some(t) = body.get("temperature")
        && !t.as_f64().is_some_and(|t| (0.0..=2.0).contains(&t))
    {
        v.push("`temperature` must be a number in 0..=2".to_owned());
    }
    if let Some(n) = body.get("n")
        && !n.as_u64().is_some_and(|n| (1..=128).contains(&n))
    {
        v.push("`n` must be an integer in 1..=128".to_owned());
    }
    for key in ["max_completion_tokens", "max_tokens"] {
        if let Some(m) = body.get(key)
            && m.as_u64().is_none_or(|m| m == 0)
        {
            v.push(format!("`{key}` must be a positive integer"));
        }
    }
    if let Some(rf) = body.get("response_format") {
        match rf.get("type").and_then(Value::as_str) {
            Some("text" | "json_object") => {}
            Some("json_schema") => {
                let name = rf
                    .pointer("/json_schema/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let ok = !name.is_empty()
                    && name.len() <= 64
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !ok {
                    v.push(
                        "response_format.json_schema.name must match ^[a-zA-Z0-9_-]{1,64}$".into(),
                    );
                }
            }
            other => v.push(format!("response_format.type {other:?} is not allowed")),
        }
    }
    if body.get("stream_options").is_some() && body.get("stream") != Some(&Value::Bool(true)) {
        v.push("`stream_options` is only allowed with `stream: true`".to_owned());
    }
    v
}

fn error(status: u16, kind: &str, code: &str, message: &str) -> Response {
    let body = json!({"error": {"message": message, "type": kind, "param": null, "code": code}});
    respond_json(status, &body, &[])
}

impl Wire for OpenAiWire {
    const BASE_PATH: &'static str = "/v1";
    const PATH: &'static str = "/v1/chat/completions";

    fn error(status: u16, code: &str, message: &str) -> Response {
        let kind = if status >= 500 {
            "server_error"
        } else {
            "invalid_request_error"
        };
        error(status, kind, code, message)
    }

    fn rate_limited(secs: Option<u64>, ms: Option<u64>) -> Response {
        let mut resp = error(
            429,
            "requests",
            "rate_limit_exceeded",
            "Rate limit reached for requests",
        );
        let headers = resp.headers_mut();
        if let Some(secs) = secs {
            headers.insert("retry-after", HeaderValue::from(secs));
        }
        if let Some(ms) = ms {
            headers.insert("retry-after-ms", HeaderValue::from(ms));
        }
        resp
    }

    fn unauthorized() -> Response {
        error(
            401,
            "invalid_request_error",
            "invalid_api_key",
            "Incorrect API key provided.",
        )
    }

    fn has_key(req: &Incoming, key: &str) -> bool {
        req.header("authorization") == Some(&format!("Bearer {key}"))
    }

    fn validate(_: &Incoming, body: &Value) -> Vec<String> {
        validate_chat_request(body)
    }

    fn messages(body: &Value) -> Vec<Message> {
        let Some(all) = body.get("messages").and_then(Value::as_array) else {
            return Vec::new();
        };
        all.iter()
            .filter_map(|m| {
                let content = m.get("content")?.as_str()?.to_owned();
                Some(match m.get("role")?.as_str()? {
                    "assistant" => Message::assistant(content),
                    "user" => Message::user(content),
                    _ => Message::system(content),
                })
            })
            .collect()
    }

    fn shape(reply: Reply, asked: &Asked) -> Response {
        let stream = asked.body.get("stream") == Some(&Value::Bool(true));
        let done = |text: Option<&str>, finish: &str| {
            completion(&asked.model, text, finish, asked.prompt_tokens, stream)
        };
        match reply {
            Reply::Text(t) => done(Some(&t), "stop"),
            Reply::Unauthorized => Self::unauthorized(),
            Reply::QuotaExhausted => error(
                429,
                "insufficient_quota",
                "insufficient_quota",
                "You exceeded your current quota, please check your plan and billing details.",
            ),
            Reply::ContextLength => error(
                400,
                "invalid_request_error",
                "context_length_exceeded",
                "This model's maximum context length is 128000 tokens.",
            ),
            Reply::Refused => done(None, "content_filter"),
            Reply::NotJson => respond(200, "application/json", NOT_JSON.to_vec(), &[]),
            Reply::Fixture(broken) => {
                let json = asked.body.get("response_format").is_some();
                let (text, cut) = script_fixtures::default_text(
                    &asked.messages,
                    json,
                    asked.max_tokens(),
                    broken,
                );
                done(Some(&text), if cut { "length" } else { "stop" })
            }
        }
    }
}

fn completion(
    model: &str,
    text: Option<&str>,
    finish: &str,
    prompt: u64,
    stream: bool,
) -> Response {
    let completion_tokens = text.map_or(0, |t| t.chars().count().div_ceil(4) as u64);
    let usage = json!({"prompt_tokens": prompt, "completion_tokens": completion_tokens,
        "total_tokens": prompt + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0}});
    if stream {
        let mut sse = String::new();
        let text = text.unwrap_or_default();
        let chars: Vec<char> = text.chars().collect();
        for part in chars.chunks(40) {
            let piece: String = part.iter().collect();
            let chunk = json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
                "model": model, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": null}], "usage": null});
            sse.push_str(&format!("data: {chunk}\n\n"));
        }
        let last = json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
            "model": model, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}], "usage": null});
        let usage_chunk = json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
            "model": model, "choices": [], "usage": usage});
        sse.push_str(&format!(
            "data: {last}\n\ndata: {usage_chunk}\n\ndata: [DONE]\n\n"
        ));
        return respond(200, "text/event-stream", sse.into_bytes(), &[]);
    }
    let body = json!({"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": null},
                     "logprobs": null, "finish_reason": finish}],
        "usage": usage});
    respond_json(200, &body, &[("x-request-id", "req_fake".to_owned())])
}
