//! A loopback OpenAI-compatible server (Chat Completions) with scripted replies, fault
//! injection and request-body validation against the spec's required fields and enums.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use ytempire_core::Message;

use super::script_fixtures::{self, Broken};
use super::{Server, Shared, fake_handle};

/// What the fake answers to the next request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FakeReply {
    /// 200 with this assistant text.
    Text(String),
    /// 429 `rate_limit_exceeded` with `retry-after` seconds and `retry-after-ms`.
    RateLimited {
        /// `retry-after` seconds.
        secs: u64,
        /// `retry-after-ms`.
        ms: u64,
    },
    /// 429 `insufficient_quota` (no retry-after).
    InsufficientQuota,
    /// 400 `context_length_exceeded`.
    ContextLength,
    /// 200 with `finish_reason: content_filter` and no content.
    ContentFilter,
    /// 401 `invalid_api_key`.
    Unauthorized,
    /// This 5xx status with a `server_error` body.
    ServerError(u16),
    /// 200 with a body cut in half.
    Truncated,
    /// 200 with a body that is not JSON.
    Malformed,
    /// Wait this long before answering (for client timeouts).
    Delay(Duration),
    /// 200 with a script for the prompt's brief wrapped in prose, with a trailing comma
    /// (not JSON).
    MalformedScript,
    /// 200 with script JSON that breaks the schema (scenes without the required
    /// `visual_cue`).
    SchemaViolatingScript,
    /// 200 with a schema-valid script that misses the plan (one scene, a one-word hook).
    OffPlanScript,
}

/// A running fake; stops when dropped.
#[derive(Debug)]
pub struct FakeOpenAi {
    server: Server,
}

impl FakeOpenAi {
    /// Start on 127.0.0.1 on a free port. With no scripted reply queued, it answers a
    /// script prompt (one with a `BRIEF:` line) with fixture script JSON that meets the
    /// brief's plan, written independently of the offline writer (its visual cues contain
    /// [`FIXTURE_CUE`](super::FIXTURE_CUE)); other prompts get a short fixture text (a JSON
    /// object in JSON mode). `max_tokens` cuts the answer (`finish_reason: length`).
    pub async fn start() -> std::io::Result<Self> {
        let routes = Router::new().route("/v1/chat/completions", post(handle));
        Ok(Self {
            server: Server::start(routes).await?,
        })
    }

    /// Base URL including `/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.server.addr)
    }
}

fake_handle!(FakeOpenAi, "Require this bearer key (401 otherwise).");

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
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
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
        return ([("content-type", "text/event-stream")], sse).into_response();
    }
    let body = json!({"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": null},
                     "logprobs": null, "finish_reason": finish}],
        "usage": usage});
    ([("x-request-id", "req_fake")], axum::Json(body)).into_response()
}

async fn handle(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let parsed: Value = match serde_json::from_str(&body) {
        Ok(v) => v,
        Err(e) => return error(400, "invalid_request_error", "invalid_json", &e.to_string()),
    };
    let (reply, violations, key) = {
        let Ok(mut s) = shared.lock() else {
            return error(500, "server_error", "poisoned", "fake state poisoned");
        };
        s.requests.push(parsed.clone());
        let violations = validate_chat_request(&parsed);
        s.violations.extend(violations.iter().cloned());
        (s.replies.pop_front(), violations, s.api_key.clone())
    };
    if let Some(key) = key {
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
        if auth != Some(&format!("Bearer {key}")) {
            return error(
                401,
                "invalid_request_error",
                "invalid_api_key",
                "Incorrect API key provided.",
            );
        }
    }
    if !violations.is_empty() {
        return error(
            400,
            "invalid_request_error",
            "invalid_request",
            &violations.join("; "),
        );
    }
    let model = parsed
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let stream = parsed.get("stream") == Some(&Value::Bool(true));
    let messages: Vec<Message> = parsed
        .get("messages")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| {
                    let content = m.get("content")?.as_str()?.to_owned();
                    Some(match m.get("role")?.as_str()? {
                        "assistant" => Message::assistant(content),
                        "user" => Message::user(content),
                        _ => Message::system(content),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let prompt_tokens = messages
        .iter()
        .map(|m| m.content.chars().count().div_ceil(4) as u64)
        .sum();
    let reply = match reply {
        Some(FakeReply::Delay(d)) => {
            tokio::time::sleep(d).await;
            None
        }
        other => other,
    };
    match reply {
        Some(FakeReply::Text(t)) => completion(&model, Some(&t), "stop", prompt_tokens, stream),
        Some(FakeReply::RateLimited { secs, ms }) => {
            let mut r = error(
                429,
                "requests",
                "rate_limit_exceeded",
                "Rate limit reached for requests",
            );
            let h = r.headers_mut();
            if let Ok(v) = secs.to_string().parse() {
                h.insert("retry-after", v);
            }
            if let Ok(v) = ms.to_string().parse() {
                h.insert("retry-after-ms", v);
            }
            r
        }
        Some(FakeReply::InsufficientQuota) => error(
            429,
            "insufficient_quota",
            "insufficient_quota",
            "You exceeded your current quota, please check your plan and billing details.",
        ),
        Some(FakeReply::ContextLength) => error(
            400,
            "invalid_request_error",
            "context_length_exceeded",
            "This model's maximum context length is 128000 tokens.",
        ),
        Some(FakeReply::ContentFilter) => {
            completion(&model, None, "content_filter", prompt_tokens, stream)
        }
        Some(FakeReply::Unauthorized) => error(
            401,
            "invalid_request_error",
            "invalid_api_key",
            "Incorrect API key provided.",
        ),
        Some(FakeReply::ServerError(code)) => error(
            code,
            "server_error",
            "server_error",
            "The server had an error.",
        ),
        Some(FakeReply::Truncated) => {
            let full = completion(&model, Some("{\"ok\": true}"), "stop", prompt_tokens, false);
            let bytes = axum::body::to_bytes(full.into_body(), usize::MAX)
                .await
                .unwrap_or_default();
            let half = bytes.slice(..bytes.len() / 2);
            ([("content-type", "application/json")], half).into_response()
        }
        Some(FakeReply::Malformed) => {
            ([("content-type", "application/json")], "<html>oops</html>").into_response()
        }
        Some(FakeReply::MalformedScript) => default_answer(
            &parsed,
            &messages,
            Some(Broken::Malformed),
            &model,
            prompt_tokens,
            stream,
        ),
        Some(FakeReply::SchemaViolatingScript) => default_answer(
            &parsed,
            &messages,
            Some(Broken::SchemaViolating),
            &model,
            prompt_tokens,
            stream,
        ),
        Some(FakeReply::OffPlanScript) => default_answer(
            &parsed,
            &messages,
            Some(Broken::OffPlan),
            &model,
            prompt_tokens,
            stream,
        ),
        Some(FakeReply::Delay(_)) | None => {
            default_answer(&parsed, &messages, None, &model, prompt_tokens, stream)
        }
    }
}

/// The fixture answer (see [`script_fixtures::default_text`]).
fn default_answer(
    body: &Value,
    messages: &[Message],
    broken: Option<Broken>,
    model: &str,
    prompt_tokens: u64,
    stream: bool,
) -> Response {
    let max = ["max_completion_tokens", "max_tokens"]
        .iter()
        .find_map(|k| body.get(*k)?.as_u64());
    let json = body.get("response_format").is_some();
    let (text, cut) = script_fixtures::default_text(messages, json, max, broken);
    let finish = if cut { "length" } else { "stop" };
    completion(model, Some(&text), finish, prompt_tokens, stream)
}
