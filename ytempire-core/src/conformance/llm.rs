//! Conformance scenarios for [`LanguageModel`].

use super::{Report, Runner, Skip, Verdict, ensure, expect_kind, ok_or_fail};
use crate::{ChatRequest, ErrorKind, LanguageModel, Message, ResponseFormat};

/// Run every scenario against `provider`.
pub async fn run_all(provider: &dyn LanguageModel, skips: &[Skip]) -> Report {
    let mut r = Runner::new("llm", provider.to_string(), skips);
    r.run("returns_text", returns_text(provider)).await;
    r.run("usage_reported", usage_reported(provider)).await;
    r.run("empty_messages_rejected", empty_messages_rejected(provider))
        .await;
    r.run("respects_max_tokens", respects_max_tokens(provider))
        .await;
    r.run("json_mode", json_mode(provider)).await;
    r.finish()
}

/// A plain prompt gets a non-empty answer.
pub async fn returns_text(p: &dyn LanguageModel) -> Verdict {
    let req = ChatRequest::new(vec![
        Message::system("You are terse."),
        Message::user("Say hello to the conformance suite."),
    ]);
    let resp = ok_or_fail!(p.complete(&req).await, "complete");
    ensure!(!resp.text.trim().is_empty(), "answer is empty");
    Verdict::Passed
}

/// A successful call reports what it consumed.
pub async fn usage_reported(p: &dyn LanguageModel) -> Verdict {
    let req = ChatRequest::new(vec![Message::user("Count to three, usage check.")]);
    let resp = ok_or_fail!(p.complete(&req).await, "complete");
    ensure!(
        resp.usage.input_tokens + resp.usage.output_tokens > 0,
        "usage reports no tokens: {:?}",
        resp.usage
    );
    Verdict::Passed
}

/// A request without messages is `InvalidRequest`.
pub async fn empty_messages_rejected(p: &dyn LanguageModel) -> Verdict {
    expect_kind(
        p.complete(&ChatRequest::new(Vec::new())).await,
        ErrorKind::InvalidRequest,
        "empty messages",
    )
}

/// `max_tokens` caps the reported output tokens.
pub async fn respects_max_tokens(p: &dyn LanguageModel) -> Verdict {
    let req = ChatRequest::new(vec![Message::user(
        "Write a long story about a lighthouse keeper, max tokens check.",
    )])
    .with_max_tokens(3);
    let resp = ok_or_fail!(p.complete(&req).await, "complete");
    if resp.usage.output_tokens == 0 {
        return Verdict::Skipped("provider reports no output tokens".into());
    }
    ensure!(
        resp.usage.output_tokens <= 3,
        "max_tokens 3 but {} output tokens",
        resp.usage.output_tokens
    );
    Verdict::Passed
}

/// With the `json_mode` capability, JSON mode returns a JSON object.
pub async fn json_mode(p: &dyn LanguageModel) -> Verdict {
    if !p.info().capabilities.json_mode {
        return Verdict::Skipped("json_mode capability is off".into());
    }
    let req = ChatRequest::new(vec![Message::user(
        "Reply with a JSON object with a key \"greeting\".",
    )])
    .with_format(ResponseFormat::JsonObject);
    let resp = ok_or_fail!(p.complete(&req).await, "complete");
    let value: serde_json::Value = ok_or_fail!(serde_json::from_str(&resp.text), "parse JSON");
    ensure!(
        value.is_object(),
        "JSON answer is not an object: {}",
        resp.text
    );
    Verdict::Passed
}
