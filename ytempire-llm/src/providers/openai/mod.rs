//! OpenAI Chat Completions (`POST {base}/chat/completions`) for OpenAI and every
//! OpenAI-compatible server (Ollama, vLLM, llama.cpp server, LiteLLM proxy).
//!
//! Servers differ in what they accept, so [`OpenAiConfig`] says whether `json_schema` strict
//! output and JSON mode are available, whether to send the older `max_tokens` instead of
//! `max_completion_tokens`, and whether to stream (SSE with `include_usage`).

#[cfg(feature = "fuzzing")]
pub(crate) mod fuzzing;
mod streaming;
mod wire;

use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;
use ytempire_core::{
    Capabilities, ChatRequest, ChatResponse, Error, InputUnit, LanguageModel, ProviderInfo,
    ResponseFormat, Result,
};

use crate::tokens::{TokenCounter, context_window};
use wire::{WireRequest, WireResponse};
use ytempire_core::http::{self, OpenAiAccount, OpenAiError, VendorError, transport_error};

/// OpenAI's error JSON (`{"error":{"message","type","param","code"}}`) through the shared
/// code table.
fn vendor_error(status: u16, body: &[u8]) -> VendorError {
    match OpenAiError::parse(body) {
        Some(e) => super::vendor_error(status, e.kind, e.code, e.message),
        None => super::raw_vendor_error(status, body),
    }
}

pub use ytempire_core::http::OPENAI_BASE_URL;

/// Configuration of an [`OpenAiCompatible`] client. `Debug` never shows the key (a
/// [`SecretString`] prints `[REDACTED]`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OpenAiConfig {
    /// Where and as whom: base URL up to and including `/v1`, bearer key (`None` for local
    /// servers without auth), organisation and project headers (core's account, the one
    /// speech and images share).
    pub account: OpenAiAccount,
    /// Model id.
    pub model: String,
    /// Provider id reported in [`ProviderInfo`] (`openai`, `ollama`, `vllm`, …).
    pub provider: String,
    /// Whether the server honours `response_format: json_schema` with `strict`.
    pub json_schema: bool,
    /// Whether the server honours `response_format: json_object`.
    pub json_mode: bool,
    /// Stream answers over SSE (collected before returning).
    pub stream: bool,
    /// Send `max_tokens` rather than `max_completion_tokens` (older servers).
    pub legacy_max_tokens: bool,
    /// Context window in tokens; requests that do not fit are refused before sending.
    pub context_window: Option<usize>,
    /// Most output tokens the model produces.
    pub max_output: Option<usize>,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl OpenAiConfig {
    /// OpenAI itself: strict JSON schema and JSON mode on, known context window.
    pub fn openai(model: impl Into<String>, api_key: SecretString) -> Self {
        let model = model.into();
        Self {
            account: OpenAiAccount::new(api_key),
            context_window: context_window(&model),
            model,
            provider: "openai".into(),
            json_schema: true,
            json_mode: true,
            stream: false,
            legacy_max_tokens: false,
            max_output: Some(16_384),
            timeout: Duration::from_secs(120),
        }
    }

    /// A generic OpenAI-compatible server at `base_url` (e.g. `http://localhost:11434/v1`
    /// for Ollama): JSON mode on, strict schema off, `max_tokens`, no key.
    pub fn compatible(
        provider: impl Into<String>,
        base_url: impl Into<String>,
        model: impl Into<String>,
    ) -> Self {
        Self {
            account: OpenAiAccount::keyless(base_url),
            model: model.into(),
            provider: provider.into(),
            json_schema: false,
            json_mode: true,
            stream: false,
            legacy_max_tokens: true,
            context_window: None,
            max_output: None,
            timeout: Duration::from_secs(300),
        }
    }

    /// From `OPENAI_API_KEY` (required), `OPENAI_BASE_URL`, `OPENAI_ORG_ID` and
    /// `OPENAI_PROJECT_ID` (optional).
    ///
    /// # Errors
    /// `Config` naming the variable when the key is unset or the base URL is not an http(s)
    /// URL.
    pub fn from_env(model: impl Into<String>) -> Result<Self> {
        Self::from_env_with(model, http::process_env)
    }

    /// [`OpenAiConfig::from_env`] reading variables through `lookup` (tests, config files).
    ///
    /// # Errors
    /// As [`OpenAiConfig::from_env`].
    pub fn from_env_with(
        model: impl Into<String>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        Ok(Self::for_account(
            model,
            &OpenAiAccount::from_env_with(lookup)?,
        ))
    }

    /// Chat through a shared [`OpenAiAccount`] (the one speech and images use too): OpenAI's
    /// settings when it has a key, a compatible server's when it has none.
    pub fn for_account(model: impl Into<String>, account: &OpenAiAccount) -> Self {
        let mut cfg = match &account.api_key {
            Some(key) => Self::openai(model, key.clone()),
            None => Self::compatible("openai", account.base_url.clone(), model),
        };
        cfg.account = account.clone();
        cfg
    }

    /// Set the base URL.
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.account = self.account.with_base_url(base_url);
        self
    }

    /// Turn SSE streaming on or off.
    #[must_use]
    pub fn with_streaming(mut self, stream: bool) -> Self {
        self.stream = stream;
        self
    }

    /// Say whether strict JSON schema output is available.
    #[must_use]
    pub fn with_json_schema(mut self, yes: bool) -> Self {
        self.json_schema = yes;
        self
    }

    /// Set the per-request timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Set the organisation and project headers.
    #[must_use]
    pub fn with_org_project(mut self, org: Option<String>, project: Option<String>) -> Self {
        self.account = self.account.with_org_project(org, project);
        self
    }
}

/// A Chat Completions client. Makes exactly one HTTP request per `complete` (no hidden
/// retries).
///
/// ```no_run
/// # fn demo() -> ytempire_core::Result<()> {
/// use ytempire_llm::{OpenAiCompatible, OpenAiConfig};
/// let gpt = OpenAiCompatible::new(OpenAiConfig::from_env("gpt-4o-mini")?)?;
/// let ollama = OpenAiCompatible::new(OpenAiConfig::compatible(
///     "ollama", "http://localhost:11434/v1", "llama3.1"))?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct OpenAiCompatible {
    config: OpenAiConfig,
    http: reqwest::Client,
    counter: TokenCounter,
}

impl OpenAiCompatible {
    /// A client with its own connection pool.
    pub fn new(config: OpenAiConfig) -> Result<Self> {
        let base = &config.account.base_url;
        if !base.starts_with("http://") && !base.starts_with("https://") {
            return Err(Error::config(format!(
                "base URL `{base}` must start with http:// or https://"
            )));
        }
        let http = http::client(config.timeout)?;
        let counter = TokenCounter::for_model(&config.model);
        Ok(Self {
            config,
            http,
            counter,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &OpenAiConfig {
        &self.config
    }

    fn label(&self) -> String {
        format!("{}/{}", self.config.provider, self.config.model)
    }
}

impl std::fmt::Display for OpenAiCompatible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

#[async_trait]
impl LanguageModel for OpenAiCompatible {
    fn info(&self) -> ProviderInfo {
        let mut caps = Capabilities::new()
            .with_json_mode(self.config.json_mode)
            .with_json_schema(self.config.json_schema)
            .with_streaming(self.config.stream)
            .with_paid(self.config.provider == "openai" || self.config.account.api_key.is_some());
        if let Some(w) = self.config.context_window {
            caps = caps.with_max_input(w, InputUnit::Tokens);
        }
        if let Some(m) = self.config.max_output {
            caps = caps.with_max_output(m);
        }
        ProviderInfo::new(&self.config.provider, &self.config.model, caps)
    }

    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse> {
        let label = self.label();
        if request.messages.is_empty() {
            return Err(
                Error::invalid_request("a chat request needs at least one message")
                    .with_provider(label),
            );
        }
        match &request.response_format {
            ResponseFormat::JsonSchema { .. } if !self.config.json_schema => {
                return Err(Error::unsupported(format!(
                    "{label} is not configured for json_schema output"
                ))
                .with_provider(label));
            }
            ResponseFormat::JsonObject if !self.config.json_mode => {
                return Err(
                    Error::unsupported(format!("{label} has no JSON mode")).with_provider(label)
                );
            }
            _ => {}
        }
        if let Some(window) = self.config.context_window {
            self.counter
                .check_fits(request, window)
                .map_err(|e| e.with_provider(label.clone()))?;
        }
        let body = WireRequest::new(
            &self.config.model,
            request,
            self.config.legacy_max_tokens,
            self.config.stream,
        );
        let url = format!(
            "{}/chat/completions",
            self.config.account.base_url.trim_end_matches('/')
        );
        let req = self
            .config
            .account
            .authorize(self.http.post(url).json(&body));
        let resp = req.send().await.map_err(|e| transport_error(&label, &e))?;
        let resp = http::check(&label, resp, vendor_error).await?;
        let request_id = http::request_id(resp.headers());
        let mut answer = if self.config.stream {
            streaming::collect(&label, resp).await?
        } else {
            let bytes = http::read_body(&label, resp, http::MAX_JSON_BODY).await?;
            let wire: WireResponse = http::json(&label, &bytes)?;
            streaming::Answer::from_response(wire)
        };
        if answer.request_id.is_none() {
            answer.request_id = request_id;
        }
        answer.into_response(&label)
    }
}
