//! A loopback Anthropic Messages API (`POST /v1/messages`) with scripted replies (the same
//! [`FakeReply`] script as the OpenAI fake, answered in Anthropic's wire format), fault
//! injection, and validation of headers and request bodies.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use ytempire_core::Message;

use super::FakeReply;
use super::script_fixtures::{self, Broken};
use super::{Server, Shared, fake_handle};

/// A running fake Anthropic server; stops when dropped.
#[derive(Debug)]
pub struct FakeAnthropic {
    server: Server,
}

impl FakeAnthropic {
    /// Start on 127.0.0.1 on a free port. With no reply queued it answers with the same
    /// fixtures as [`FakeOpenAi::start`](super::FakeOpenAi::start).
    pub async fn start() -> std::io::Result<Self> {
        let routes = Router::new().route("/v1/messages", post(handle));
        Ok(Self {
            server: Server::start(routes).await?,
        })
    }

    /// Base URL (without `/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr)
    }
}

fake_handle!(
    FakeAnthropic,
    "Require this `x-api-key` (401 `authentication_error` otherwise)."
);

/// Check headers and body against the Messages API's required fields.
fn validate(headers: &HeaderMap, body: &Value) -> Vec<String> {
    let mut v = Vec::new();
    if headers.get("anthropic-version").is_none() {
        v.push("the `anthropic-version` header is required".to_owned());
    }
    if headers.get("x-api-key").is_none() {
        v.push("the `x-api-key` header is required".to_owned());
    }
    if headers.get("authorization").is_some() {
        v.push("Anthropic takes `x-api-key`, not `Authorization`".to_owned());
    }
    if body
        .get("model")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        v.push("`model` is required".to_owned());
    }
    if body
        .get("max_tokens")
        .and_then(Value::as_u64)
        .is_none_or(|m| m == 0)
    {
        v.push("`max_tokens` is required and must be at least 1".to_owned());
    }
    if let Some(t) = body.get("temperature")
        && t.as_f64().is_none_or(|t| !(0.0..=1.0).contains(&t))
    {
        v.push("`temperature` must be between 0 and 1".to_owned());
    }
    if body.get("system").is_some_and(|s| !s.is_string()) {
        v.push("`system` must be a string here".to_owned());
    }
    match body.get("messages").and_then(Value::as_array) {
        Some(msgs) if !msgs.is_empty() => {
            for (i, m) in msgs.iter().enumerate() {
                match m.get("role").and_then(Value::as_str) {
                    Some("user" | "assistant") => {}
                    other => v.push(format!(
                        "messages[{i}].role must be user or assistant, not {other:?}"
                    )),
                }
                if m.get("content").and_then(Value::as_str).is_none() {
                    v.push(format!("messages[{i}].content must be a string"));
                }
            }
            if msgs[0].get("role").and_then(Value::as_str) != Some("user") {
                v.push("the first message must be from the user".to_owned());
            }
        }
        _ => v.push("`messages` must be a non-empty array".to_owned()),
    }
    v
}

fn error(status: u16, kind: &str, message: &str) -> Response {
    let body = json!({"type": "error", "error": {"type": kind, "message": message}});
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [("request-id", "req_fake_anthropic")],
        axum::Json(body),
    )
        .into_response()
}

fn message(model: &str, text: &str, stop: &str, input_tokens: u64) -> Value {
    let content = if text.is_empty() {
        json!([])
    } else {
        json!([{"type": "text", "text": text}])
    };
    json!({"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
        "content": content, "stop_reason": stop, "stop_sequence": null,
        "usage": {"input_tokens": input_tokens,
                  "output_tokens": text.chars().count().div_ceil(4),
                  "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}})
}

async fn handle(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let parsed: Value = match serde_json::from_str(&body) {
        Ok(v) => v,
        Err(e) => return error(400, "invalid_request_error", &e.to_string()),
    };
    let (reply, violations, key) = {
        let Ok(mut s) = shared.lock() else {
            return error(500, "api_error", "fake state poisoned");
        };
        s.requests.push(parsed.clone());
        let violations = validate(&headers, &parsed);
        s.violations.extend(violations.iter().cloned());
        (s.replies.pop_front(), violations, s.api_key.clone())
    };
    if let Some(key) = key {
        let given = headers.get("x-api-key").and_then(|v| v.to_str().ok());
        if given != Some(key.as_str()) {
            return error(401, "authentication_error", "invalid x-api-key");
        }
    }
    if !violations.is_empty() {
        return error(400, "invalid_request_error", &violations.join("; "));
    }
    let model = parsed
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut messages: Vec<Message> = Vec::new();
    if let Some(system) = parsed.get("system").and_then(Value::as_str) {
        messages.push(Message::system(system));
    }
    for m in parsed
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let content = m.get("content").and_then(Value::as_str).unwrap_or_default();
        messages.push(match m.get("role").and_then(Value::as_str) {
            Some("assistant") => Message::assistant(content),
            _ => Message::user(content),
        });
    }
    let input_tokens = messages
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
    let ok = |text: &str, stop: &str| {
        (
            [("request-id", "req_fake_anthropic")],
            axum::Json(message(&model, text, stop, input_tokens)),
        )
            .into_response()
    };
    let max_tokens = parsed.get("max_tokens").and_then(Value::as_u64);
    let fixture = |broken| {
        let (text, cut) = script_fixtures::default_text(&messages, false, max_tokens, broken);
        ok(&text, if cut { "max_tokens" } else { "end_turn" })
    };
    match reply {
        Some(FakeReply::Text(t)) => ok(&t, "end_turn"),
        Some(FakeReply::RateLimited { secs, .. }) => {
            let mut r = error(
                429,
                "rate_limit_error",
                "Number of requests has exceeded your rate limit",
            );
            if let Ok(v) = secs.to_string().parse() {
                r.headers_mut().insert("retry-after", v);
            }
            r
        }
        Some(FakeReply::InsufficientQuota) => error(
            400,
            "invalid_request_error",
            "Your credit balance is too low to access the Anthropic API.",
        ),
        Some(FakeReply::ContextLength) => error(
            400,
            "invalid_request_error",
            "prompt is too long: 250000 tokens > 200000 maximum",
        ),
        Some(FakeReply::ContentFilter) => ok("", "refusal"),
        Some(FakeReply::Unauthorized) => error(401, "authentication_error", "invalid x-api-key"),
        Some(FakeReply::ServerError(529)) => error(529, "overloaded_error", "Overloaded"),
        Some(FakeReply::ServerError(code)) => error(code, "api_error", "Internal server error"),
        Some(FakeReply::Truncated) => {
            let full = message(&model, "{\"ok\": true}", "end_turn", input_tokens).to_string();
            let half = full[..full.len() / 2].to_owned();
            ([("content-type", "application/json")], half).into_response()
        }
        Some(FakeReply::Malformed) => {
            ([("content-type", "application/json")], "<html>oops</html>").into_response()
        }
        Some(FakeReply::MalformedScript) => fixture(Some(Broken::Malformed)),
        Some(FakeReply::SchemaViolatingScript) => fixture(Some(Broken::SchemaViolating)),
        Some(FakeReply::OffPlanScript) => fixture(Some(Broken::OffPlan)),
        Some(FakeReply::Delay(_)) | None => fixture(None),
    }
}
