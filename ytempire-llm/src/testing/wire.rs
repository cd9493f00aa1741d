//! What both LLM fakes do the same way, once: the one `POST` route (counting arrivals), the
//! auth check, parsing and validating the body, reading the conversation and picking the
//! reply. A vendor's [`Wire`] supplies only its paths, rules and shapes.
//!
//! The module is private, so [`Wire`] is sealed: only [`OpenAiWire`](super::OpenAiWire) and
//! [`AnthropicWire`](super::AnthropicWire) implement it.

use std::marker::PhantomData;
use std::sync::Arc;

use async_trait::async_trait;
use axum::http::Method;
use axum::response::Response;
use serde_json::Value;
use ytempire_core::Message;
use ytempire_core::testing::server::{Call, FakeVendor, Incoming, Route};

use super::Script;
use super::script_fixtures::Broken;

/// What one request gets, resolved from the fault it met and the scripted queue; each
/// vendor shapes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The vendor's bad-key answer.
    Unauthorized,
    /// The vendor's out-of-credit answer.
    QuotaExhausted,
    /// An empty answer refused by moderation.
    Refused,
    /// This assistant text.
    Text(String),
    /// The vendor's context-length refusal.
    ContextLength,
    /// A 200 body that is not JSON.
    NotJson,
    /// The fixture answer, broken as asked.
    Fixture(Option<Broken>),
}

/// A request as the vendor's answer shapes see it.
#[derive(Debug)]
pub struct Asked {
    /// The request body.
    pub(crate) body: Value,
    /// Its `model`.
    pub(crate) model: String,
    /// The conversation, system prompt included.
    pub(crate) messages: Vec<Message>,
    /// Its prompt tokens (4 characters a token, per message).
    pub(crate) prompt_tokens: u64,
}

impl Asked {
    /// Its `max_tokens` (or `max_completion_tokens`), when set.
    pub(crate) fn max_tokens(&self) -> Option<u64> {
        ["max_completion_tokens", "max_tokens"]
            .iter()
            .find_map(|k| self.body.get(*k)?.as_u64())
    }
}

/// A vendor's wire: its route, rules and shapes.
pub trait Wire: Send + Sync + 'static {
    /// What the base URL a client is configured with ends in after the origin.
    const BASE_PATH: &'static str;
    /// The one route: `POST` to this path.
    const PATH: &'static str;
    /// The error answer with this status, machine code and message.
    fn error(status: u16, code: &str, message: &str) -> Response;
    /// The 429, with `retry-after` seconds and, where the vendor sends one,
    /// `retry-after-ms`.
    fn rate_limited(secs: Option<u64>, ms: Option<u64>) -> Response;
    /// The answer to a wrong or missing key.
    fn unauthorized() -> Response;
    /// Whether `req` carries `key` the vendor's way.
    fn has_key(req: &Incoming, key: &str) -> bool;
    /// The protocol rules `req` (its headers and parsed `body`) breaks.
    fn validate(req: &Incoming, body: &Value) -> Vec<String>;
    /// The conversation in `body`.
    fn messages(body: &Value) -> Vec<Message>;
    /// `reply` (never [`Reply::Unauthorized`]) in the vendor's shape.
    fn shape(reply: Reply, asked: &Asked) -> Response;
}

/// The [`FakeVendor`] of wire `W`, around the shared script.
#[derive(Debug)]
pub(crate) struct Vendor<W> {
    pub(crate) script: Arc<Script>,
    pub(crate) wire: PhantomData<W>,
}

#[async_trait]
impl<W: Wire> FakeVendor for Vendor<W> {
    fn route(&self, req: &Incoming) -> Option<Route> {
        let hit = req.method == Method::POST && req.uri.path() == W::PATH;
        hit.then_some(Route::JSON_API)
    }

    fn error(&self, status: u16, code: &str, message: &str) -> Response {
        W::error(status, code, message)
    }

    fn rate_limited(&self, retry_after_secs: Option<u64>) -> Response {
        W::rate_limited(retry_after_secs, self.script.retry_after_ms())
    }

    fn check_auth(&self, req: &Incoming, required: Option<&str>) -> Option<Response> {
        let key = required?;
        (!W::has_key(req, key)).then(W::unauthorized)
    }

    async fn answer(&self, call: Call<'_>) -> Response {
        let (req, fault, state) = (call.req, call.fault, call.state);
        let body: Value = match serde_json::from_slice(&req.body) {
            Ok(body) => body,
            Err(e) => return W::error(400, "invalid_json", &e.to_string()),
        };
        let violations = W::validate(req, &body);
        if !violations.is_empty() {
            state.violate(&violations);
            return W::error(400, "invalid_request", &violations.join("; "));
        }
        let messages = W::messages(&body);
        let asked = Asked {
            model: body
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            prompt_tokens: messages
                .iter()
                .map(|m| m.content.chars().count().div_ceil(4) as u64)
                .sum(),
            messages,
            body,
        };
        match self.script.reply(fault) {
            Reply::Unauthorized => W::unauthorized(),
            reply => W::shape(reply, &asked),
        }
    }
}
