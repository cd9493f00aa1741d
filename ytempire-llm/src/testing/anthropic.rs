//! A loopback Anthropic Messages API (`POST /v1/messages`) on core's fake-server core: the
//! same scripted answers as the OpenAI fake ([`FakeReply`]) in Anthropic's wire format and
//! error shapes (`request-id`, `overloaded_error` for 529, `authentication_error`), and
//! validation of headers and request bodies.

use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use serde_json::{Value, json};
use ytempire_core::Message;
use ytempire_core::testing::server::{Incoming, respond, respond_json};

use super::script_fixtures;
use super::{Asked, NOT_JSON, Reply, ScriptedFake, Wire};
#[cfg(doc)]
use super::{FakeOpenAi, FakeReply};

/// The `request-id` header every answer carries.
const REQUEST_ID: (&str, &str) = ("request-id", "req_fake_anthropic");

/// The Anthropic Messages wire (the `W` of [`FakeAnthropic`]).
#[derive(Debug)]
pub struct AnthropicWire;

/// A running fake Anthropic server; stops when dropped. With no reply queued it answers
/// with the same fixtures as [`FakeOpenAi`]. Its `base_url` is the origin (without `/v1`);
/// `require_key` makes it demand that `x-api-key` (401 `authentication_error` otherwise).
pub type FakeAnthropic = ScriptedFake<AnthropicWire>;

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
    respond_json(status, &body, &[(REQUEST_ID.0, REQUEST_ID.1.to_owned())])
}

impl Wire for AnthropicWire {
    const BASE_PATH: &'static str = "";
    const PATH: &'static str = "/v1/messages";

    fn error(status: u16, _code: &str, message: &str) -> Response {
        match status {
            529 => error(529, "overloaded_error", "Overloaded"),
            500.. => error(status, "api_error", "Internal server error"),
            404 => error(404, "not_found_error", message),
            _ => error(status, "invalid_request_error", message),
        }
    }

    fn rate_limited(secs: Option<u64>, _ms: Option<u64>) -> Response {
        // Anthropic has no `retry-after-ms`.
        let mut resp = error(
            429,
            "rate_limit_error",
            "Number of requests has exceeded your rate limit",
        );
        if let Some(secs) = secs {
            resp.headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
        }
        resp
    }

    fn unauthorized() -> Response {
        error(401, "authentication_error", "invalid x-api-key")
    }

    fn has_key(req: &Incoming, key: &str) -> bool {
        req.header("x-api-key") == Some(key)
    }

    fn validate(req: &Incoming, body: &Value) -> Vec<String> {
        validate(&req.headers, body)
    }

    fn messages(body: &Value) -> Vec<Message> {
        let system = body
            .get("system")
            .and_then(Value::as_str)
            .map(Message::system);
        let turns = body
            .get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|m| {
                let content = m.get("content").and_then(Value::as_str).unwrap_or_default();
                match m.get("role").and_then(Value::as_str) {
                    Some("assistant") => Message::assistant(content),
                    _ => Message::user(content),
                }
            });
        system.into_iter().chain(turns).collect()
    }

    fn shape(reply: Reply, asked: &Asked) -> Response {
        let ok = |text: &str, stop: &str| {
            respond_json(
                200,
                &message(&asked.model, text, stop, asked.prompt_tokens),
                &[(REQUEST_ID.0, REQUEST_ID.1.to_owned())],
            )
        };
        match reply {
            Reply::Text(t) => ok(&t, "end_turn"),
            Reply::Unauthorized => Self::unauthorized(),
            Reply::QuotaExhausted => error(
                400,
                "invalid_request_error",
                "Your credit balance is too low to access the Anthropic API.",
            ),
            Reply::ContextLength => error(
                400,
                "invalid_request_error",
                "prompt is too long: 250000 tokens > 200000 maximum",
            ),
            Reply::Refused => ok("", "refusal"),
            Reply::NotJson => respond(200, "application/json", NOT_JSON.to_vec(), &[]),
            Reply::Fixture(broken) => {
                let max_tokens = asked.body.get("max_tokens").and_then(Value::as_u64);
                let (text, cut) =
                    script_fixtures::default_text(&asked.messages, false, max_tokens, broken);
                ok(&text, if cut { "max_tokens" } else { "end_turn" })
            }
        }
    }
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
