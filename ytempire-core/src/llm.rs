//! Language models: [`LanguageModel`] and its request/response types.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::{Provenance, ProviderInfo, Result, Usage};

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions.
    System,
    /// The user's turn.
    User,
    /// The model's earlier turn.
    Assistant,
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Message {
    /// Speaker.
    pub role: Role,
    /// Text.
    pub content: String,
}

impl Message {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: Role::System,
            content: content.into(),
        }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// The shape the answer must take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ResponseFormat {
    /// Free text.
    #[default]
    Text,
    /// Any JSON object (`json_object` mode); put the schema in the prompt.
    JsonObject,
    /// JSON matching a schema (`json_schema` mode where the provider supports it).
    JsonSchema {
        /// Schema name.
        name: String,
        /// The JSON Schema.
        schema: serde_json::Value,
        /// Ask for strict adherence.
        strict: bool,
    },
}

/// A replayable chat request.
///
/// ```
/// use ytempire_core::{ChatRequest, Message};
/// let req = ChatRequest::new(vec![Message::user("Say hi")]).with_max_tokens(16);
/// assert_eq!(req.max_tokens, Some(16));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatRequest {
    /// Conversation so far.
    pub messages: Vec<Message>,
    /// Most tokens to generate.
    #[serde(default)]
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    #[serde(default)]
    pub temperature: Option<f32>,
    /// Output shape.
    #[serde(default)]
    pub response_format: ResponseFormat,
    /// Stop sequences.
    #[serde(default)]
    pub stop: Vec<String>,
    /// Seed for providers that support deterministic sampling.
    #[serde(default)]
    pub seed: Option<u64>,
}

impl ChatRequest {
    /// A request with these messages.
    pub fn new(messages: Vec<Message>) -> Self {
        Self {
            messages,
            max_tokens: None,
            temperature: None,
            response_format: ResponseFormat::Text,
            stop: Vec::new(),
            seed: None,
        }
    }

    /// Cap the output.
    #[must_use]
    pub fn with_max_tokens(mut self, max: u32) -> Self {
        self.max_tokens = Some(max);
        self
    }

    /// Set the temperature.
    #[must_use]
    pub fn with_temperature(mut self, t: f32) -> Self {
        self.temperature = Some(t);
        self
    }

    /// Set the output shape.
    #[must_use]
    pub fn with_format(mut self, format: ResponseFormat) -> Self {
        self.response_format = format;
        self
    }

    /// All message text, for input-size checks.
    pub fn prompt_text(&self) -> String {
        self.messages
            .iter()
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Why generation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// Natural end or stop sequence.
    #[default]
    Stop,
    /// Hit `max_tokens`.
    Length,
    /// Cut by the content filter.
    ContentFilter,
    /// Anything else.
    Other,
}

/// A normalised chat answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatResponse {
    /// The text (JSON text in JSON modes).
    pub text: String,
    /// Why it stopped.
    pub finish_reason: FinishReason,
    /// The model that answered (as the vendor reported it).
    pub model: String,
    /// Vendor request id.
    #[serde(default)]
    pub request_id: Option<String>,
    /// What it consumed.
    pub usage: Usage,
    /// The provider and model that answered, when a leaf or the `Fallback` layer recorded
    /// it (see [`Provenance`]); `None` means the model's own [`LanguageModel::info`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<Provenance>,
}

impl ChatResponse {
    /// A response with text, model and usage.
    pub fn new(text: impl Into<String>, model: impl Into<String>, usage: Usage) -> Self {
        Self {
            text: text.into(),
            finish_reason: FinishReason::Stop,
            model: model.into(),
            request_id: None,
            usage,
            answered_by: None,
        }
    }
}

crate::provider::answered_by_methods!(ChatResponse, "answered", "the model that was called");

/// A chat language model.
///
/// # Contract
/// - `complete` makes at most one billed call and never retries internally (retries belong
///   to the `Retry` decorator in [`crate::layers`]).
/// - Errors carry a kind that tells rate limits (`RateLimited`) from spent credit
///   (`QuotaExhausted`) and oversized prompts (`ContextLengthExceeded`).
/// - `usage` reports tokens as the vendor billed them.
#[async_trait]
pub trait LanguageModel: Send + Sync + std::fmt::Debug + std::fmt::Display + 'static {
    /// Who this is and what it can do.
    fn info(&self) -> ProviderInfo;

    /// Generate one answer.
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse>;
}

/// Conveniences over [`LanguageModel`]. Implemented for every model; do not implement it.
#[async_trait]
pub trait LanguageModelExt: LanguageModel {
    /// One user prompt in, text out.
    async fn complete_text(&self, prompt: &str) -> Result<String> {
        let req = ChatRequest::new(vec![Message::user(prompt)]);
        Ok(self.complete(&req).await?.text)
    }
}

impl<T: LanguageModel + ?Sized> LanguageModelExt for T {}
