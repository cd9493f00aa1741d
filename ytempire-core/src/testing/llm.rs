//! [`FakeLlm`]: a scripted language model.

use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{Script, fake_common, scripted_error};
use crate::{
    Capabilities, ChatRequest, ChatResponse, Error, ErrorKind, FinishReason, InputUnit,
    LanguageModel, ProviderInfo, ResponseFormat, Result, Role, Usage,
};

/// One scripted turn of a [`FakeLlm`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Turn {
    /// Answer with this text.
    Text(String),
    /// Answer with this JSON (as text).
    Json(serde_json::Value),
    /// Fail with this kind.
    Error(ErrorKind),
}

impl Turn {
    /// A text answer.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text(text.into())
    }

    /// A JSON answer.
    pub fn json(value: serde_json::Value) -> Self {
        Self::Json(value)
    }

    /// A failure.
    pub fn error(kind: ErrorKind) -> Self {
        Self::Error(kind)
    }
}

/// A language model that plays scripted [`Turn`]s, then echoes the last user message
/// (as `{"echo": ...}` in JSON modes).
///
/// Output is cut to `max_tokens` words (finish reason `Length`); usage counts input tokens
/// as ⌈chars/4⌉ and output tokens as words.
///
/// ```
/// use ytempire_core::testing::{FakeLlm, Turn};
/// use ytempire_core::LanguageModelExt;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ytempire_core::Result<()> {
/// let llm = FakeLlm::scripted([Turn::text("first")]);
/// assert_eq!(llm.complete_text("a").await?, "first");
/// assert_eq!(llm.complete_text("b").await?, "echo: b");
/// assert_eq!(llm.calls(), 2);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FakeLlm {
    info: ProviderInfo,
    script: Script,
    turns: Mutex<VecDeque<Turn>>,
}

impl Default for FakeLlm {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeLlm {
    /// An echoing model `fake/llm` with JSON mode and a 100 000-token input limit.
    pub fn new() -> Self {
        Self::scripted([])
    }

    /// A model that plays `turns` in order, then echoes.
    pub fn scripted(turns: impl IntoIterator<Item = Turn>) -> Self {
        Self {
            info: ProviderInfo::new(
                "fake",
                "llm",
                Capabilities::new()
                    .with_max_input(100_000, InputUnit::Tokens)
                    .with_json_mode(true),
            ),
            script: Script::default(),
            turns: Mutex::new(turns.into_iter().collect()),
        }
    }

    fn next_turn(&self) -> Option<Turn> {
        match self.turns.lock() {
            Ok(mut t) => t.pop_front(),
            Err(poisoned) => poisoned.into_inner().pop_front(),
        }
    }
}

fake_common!(FakeLlm);

#[async_trait]
impl LanguageModel for FakeLlm {
    fn info(&self) -> ProviderInfo {
        self.info.clone()
    }

    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse> {
        self.script.count();
        if request.messages.is_empty()
            || request.messages.iter().all(|m| m.content.trim().is_empty())
        {
            return Err(Error::invalid_request("chat request has no messages")
                .with_provider(self.info.label()));
        }
        if let Some(err) = self.script.next_error() {
            return Err(err);
        }
        let prompt = request.prompt_text();
        if !self.info.capabilities.fits(&prompt) {
            return Err(Error::new(
                ErrorKind::ContextLengthExceeded,
                "prompt exceeds the fake's input limit",
            )
            .with_provider(self.info.label()));
        }
        let text = match self.next_turn() {
            Some(Turn::Text(t)) => t,
            Some(Turn::Json(v)) => v.to_string(),
            Some(Turn::Error(kind)) => return Err(scripted_error(kind, &self.info.label())),
            None => {
                let last = request
                    .messages
                    .iter()
                    .rev()
                    .find(|m| m.role == Role::User)
                    .map_or("", |m| m.content.as_str());
                if request.response_format == ResponseFormat::Text {
                    format!("echo: {last}")
                } else {
                    serde_json::json!({ "echo": last }).to_string()
                }
            }
        };
        let words: Vec<&str> = text.split_whitespace().collect();
        let (text, finish) = match request.max_tokens {
            Some(max) if words.len() > max as usize => {
                (words[..max as usize].join(" "), FinishReason::Length)
            }
            _ => (text.clone(), FinishReason::Stop),
        };
        let output_tokens = text.split_whitespace().count() as u64;
        let usage = Usage::tokens(InputUnit::Tokens.measure(&prompt) as u64, output_tokens);
        let mut resp = ChatResponse::new(text, self.info.model.clone(), usage);
        resp.finish_reason = finish;
        Ok(resp)
    }
}
