//! Token counting before a call: estimate what a request will cost and refuse one that does
//! not fit the model's context window.
//!
//! OpenAI models are counted exactly with `tiktoken-rs` (its BPE tables are embedded, so this
//! works offline). Other models (Anthropic, local servers) use a documented estimate of one
//! token per four characters, rounded up, which errs on the high side for English prose.

use ytempire_core::{ChatRequest, Error, ErrorKind, Result};

/// Tokens a chat format adds per message (role and separators), as OpenAI documents it.
const PER_MESSAGE: usize = 3;
/// Tokens that prime the assistant's reply.
const REPLY_PRIMER: usize = 3;

/// Counts tokens for one model.
#[derive(Clone)]
pub struct TokenCounter {
    model: String,
    bpe: Option<&'static tiktoken_rs::CoreBPE>,
}

impl std::fmt::Debug for TokenCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCounter")
            .field("model", &self.model)
            .field("exact", &self.is_exact())
            .finish()
    }
}

impl TokenCounter {
    /// A counter for `model`: exact for models `tiktoken-rs` knows, estimated otherwise.
    pub fn for_model(model: &str) -> Self {
        let bpe = if tiktoken_rs::tokenizer::get_tokenizer(model).is_some() {
            tiktoken_rs::bpe_for_model(model).ok()
        } else {
            None
        };
        Self {
            model: model.to_owned(),
            bpe,
        }
    }

    /// Whether counts are exact (a known OpenAI tokenizer) rather than estimated.
    pub fn is_exact(&self) -> bool {
        self.bpe.is_some()
    }

    /// Tokens in `text`.
    ///
    /// ```
    /// use ytempire_llm::TokenCounter;
    /// let exact = TokenCounter::for_model("gpt-4o");
    /// assert!(exact.is_exact());
    /// assert_eq!(exact.count("hello world"), 2);
    /// let estimate = TokenCounter::for_model("claude-sonnet-4-5");
    /// assert_eq!(estimate.count("abcdefgh"), 2);
    /// ```
    pub fn count(&self, text: &str) -> usize {
        match self.bpe {
            Some(bpe) => bpe.encode_ordinary(text).len(),
            None => text.chars().count().div_ceil(4),
        }
    }

    /// Prompt tokens of a whole chat request, including per-message overhead.
    pub fn count_request(&self, request: &ChatRequest) -> usize {
        request
            .messages
            .iter()
            .map(|m| PER_MESSAGE + self.count(&m.content))
            .sum::<usize>()
            + REPLY_PRIMER
    }

    /// Refuse a request whose prompt plus its `max_tokens` would not fit `context_window`,
    /// with [`ErrorKind::ContextLengthExceeded`] so a fallback chain can move to a larger
    /// model. Returns the prompt token count otherwise.
    pub fn check_fits(&self, request: &ChatRequest, context_window: usize) -> Result<usize> {
        let prompt = self.count_request(request);
        let reserve = request.max_tokens.map_or(0, |m| m as usize);
        if prompt + reserve > context_window {
            return Err(Error::new(
                ErrorKind::ContextLengthExceeded,
                format!(
                    "the prompt has {prompt} tokens and reserves {reserve} for output, but {} \
                     accepts {context_window} tokens",
                    self.model
                ),
            ));
        }
        Ok(prompt)
    }
}

/// The published context window of well-known models, in tokens (`None` when unknown).
pub fn context_window(model: &str) -> Option<usize> {
    if model.starts_with("claude") {
        return Some(200_000);
    }
    tiktoken_rs::model::get_context_size(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ytempire_core::Message;

    #[test]
    fn request_counts_include_overhead_and_refuse_overflow() {
        let c = TokenCounter::for_model("gpt-4o-mini");
        let req = ChatRequest::new(vec![Message::user("hello world")]).with_max_tokens(10);
        assert_eq!(c.count_request(&req), 2 + PER_MESSAGE + REPLY_PRIMER);
        assert!(c.check_fits(&req, 100).is_ok());
        let err = c.check_fits(&req, 12).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ContextLengthExceeded);
    }

    #[test]
    fn knows_context_windows() {
        assert_eq!(context_window("gpt-4o"), Some(128_000));
        assert_eq!(context_window("claude-3-5-haiku-latest"), Some(200_000));
    }
}
