//! Anthropic Messages API (`POST {base}/v1/messages`, headers `x-api-key` and
//! `anthropic-version`). System messages go to the top-level `system` field; `usage` maps
//! `input_tokens` + cache tokens to core [`Usage`].

use std::time::Duration;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ytempire_core::{
    Capabilities, ChatRequest, ChatResponse, Error, ErrorKind, FinishReason, InputUnit,
    LanguageModel, ProviderInfo, ResponseFormat, Result, Role, Usage,
};

use crate::tokens::TokenCounter;
use ytempire_core::http::{self, VendorError, transport_error};

/// The public endpoint.
pub const ANTHROPIC_BASE_URL: &str = "https://api.anthropic.com";
/// The API version header value.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// Configuration of an [`Anthropic`] client. `Debug` never shows the key (a
/// [`SecretString`] prints `[REDACTED]`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AnthropicConfig {
    /// Base URL without `/v1`.
    pub base_url: String,
    /// `x-api-key`.
    pub api_key: SecretString,
    /// Model id, e.g. `claude-sonnet-4-5`.
    pub model: String,
    /// Output cap used when a request sets none (the API requires `max_tokens`).
    pub default_max_tokens: u32,
    /// Context window in tokens (estimated counts: ⌈chars / 4⌉).
    pub context_window: usize,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl AnthropicConfig {
    /// A configuration for `model` with `api_key`.
    pub fn new(model: impl Into<String>, api_key: SecretString) -> Self {
        Self {
            base_url: ANTHROPIC_BASE_URL.into(),
            api_key,
            model: model.into(),
            default_max_tokens: 4096,
            context_window: 200_000,
            timeout: Duration::from_secs(120),
        }
    }

    /// From `ANTHROPIC_API_KEY` (required) and `ANTHROPIC_BASE_URL` (optional).
    ///
    /// # Errors
    /// `Config` naming the variable when the key is unset or the base URL is not an http(s)
    /// URL.
    pub fn from_env(model: impl Into<String>) -> Result<Self> {
        Self::from_env_with(model, http::process_env)
    }

    /// [`AnthropicConfig::from_env`] reading variables through `lookup` (tests, config files).
    ///
    /// # Errors
    /// As [`AnthropicConfig::from_env`].
    pub fn from_env_with(
        model: impl Into<String>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let (key, base) = http::key_and_base_url(
            &lookup,
            "ANTHROPIC_API_KEY",
            "ANTHROPIC_BASE_URL",
            ANTHROPIC_BASE_URL,
        )?;
        Ok(Self::new(model, key).with_base_url(base))
    }

    /// Set the base URL.
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Set the per-request timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// A Messages API client; one HTTP request per `complete`, no hidden retries. It has no JSON
/// mode, so the script writer puts the schema in the prompt.
#[derive(Debug, Clone)]
pub struct Anthropic {
    config: AnthropicConfig,
    http: reqwest::Client,
}

impl Anthropic {
    /// A client with its own connection pool.
    pub fn new(config: AnthropicConfig) -> Result<Self> {
        let http = http::client(config.timeout)?;
        Ok(Self { config, http })
    }

    fn label(&self) -> String {
        format!("anthropic/{}", self.config.model)
    }
}

impl std::fmt::Display for Anthropic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

#[derive(Serialize)]
struct WireRequest<'a> {
    model: &'a str,
    max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<String>,
    messages: Vec<WireMessage<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    stop_sequences: Vec<&'a str>,
}

#[derive(Serialize)]
struct WireMessage<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(Deserialize)]
struct WireResponse {
    #[serde(default)]
    id: Option<String>,
    model: String,
    content: Vec<WireBlock>,
    #[serde(default)]
    stop_reason: Option<String>,
    usage: WireUsage,
}

#[derive(Deserialize)]
struct WireBlock {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    input_tokens: u64,
    output_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct WireErrorBody {
    error: WireError,
}

#[derive(Deserialize)]
struct WireError {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    message: String,
}

/// Anthropic's error JSON (`{"type":"error","error":{"type","message"}}`) through the shared
/// code table; the error type is the code.
fn vendor_error(status: u16, body: &[u8]) -> VendorError {
    match serde_json::from_slice::<WireErrorBody>(body) {
        Ok(b) => super::vendor_error(status, b.error.kind.clone(), b.error.kind, b.error.message),
        Err(_) => super::raw_vendor_error(status, body),
    }
}

#[async_trait]
impl LanguageModel for Anthropic {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new(
            "anthropic",
            &self.config.model,
            Capabilities::new()
                .with_max_input(self.config.context_window, InputUnit::Tokens)
                .with_paid(true),
        )
    }

    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse> {
        let label = self.label();
        if !matches!(request.response_format, ResponseFormat::Text) {
            return Err(Error::unsupported(format!(
                "{label} has no JSON mode; put the schema in the prompt"
            ))
            .with_provider(label));
        }
        let system: Vec<&str> = request
            .messages
            .iter()
            .filter(|m| m.role == Role::System)
            .map(|m| m.content.as_str())
            .collect();
        let messages: Vec<WireMessage<'_>> = request
            .messages
            .iter()
            .filter(|m| m.role != Role::System)
            .map(|m| WireMessage {
                role: if m.role == Role::Assistant {
                    "assistant"
                } else {
                    "user"
                },
                content: &m.content,
            })
            .collect();
        if messages.first().is_none_or(|m| m.role != "user") {
            return Err(Error::invalid_request(
                "the Messages API needs the first non-system message to be from the user",
            )
            .with_provider(label));
        }
        TokenCounter::for_model(&self.config.model)
            .check_fits(request, self.config.context_window)
            .map_err(|e| e.with_provider(label.clone()))?;
        let body = WireRequest {
            model: &self.config.model,
            max_tokens: request.max_tokens.unwrap_or(self.config.default_max_tokens),
            system: (!system.is_empty()).then(|| system.join("\n\n")),
            messages,
            temperature: request.temperature.map(|t| t.clamp(0.0, 1.0)),
            stop_sequences: request.stop.iter().map(String::as_str).collect(),
        };
        let url = format!("{}/v1/messages", self.config.base_url.trim_end_matches('/'));
        let resp = self
            .http
            .post(url)
            .header("x-api-key", self.config.api_key.expose_secret())
            .header("anthropic-version", ANTHROPIC_VERSION)
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_error(&label, &e))?;
        let resp = http::check(&label, resp, vendor_error).await?;
        let request_id = http::request_id(resp.headers());
        let bytes = http::read_body(&label, resp, http::MAX_JSON_BODY).await?;
        let wire: WireResponse = http::json(&label, &bytes)?;
        let text: String = wire
            .content
            .iter()
            .filter(|b| b.kind == "text")
            .filter_map(|b| b.text.as_deref())
            .collect();
        let finish = match wire.stop_reason.as_deref() {
            Some("end_turn" | "stop_sequence") | None => FinishReason::Stop,
            Some("max_tokens") => FinishReason::Length,
            Some("refusal") => FinishReason::ContentFilter,
            Some(_) => FinishReason::Other,
        };
        if finish == FinishReason::ContentFilter && text.trim().is_empty() {
            return Err(Error::new(
                ErrorKind::ContentPolicy,
                format!("{label} refused to answer"),
            )
            .with_provider(label)
            .with_code("refusal"));
        }
        let u = wire.usage;
        let usage = Usage {
            input_tokens: u.input_tokens + u.cache_creation_input_tokens.unwrap_or(0),
            cached_input_tokens: u.cache_read_input_tokens.unwrap_or(0),
            output_tokens: u.output_tokens,
            requests: 1,
            ..Usage::default()
        };
        let mut out = ChatResponse::new(text, wire.model, usage);
        out.finish_reason = finish;
        out.request_id = wire.id.or(request_id);
        Ok(out)
    }
}
