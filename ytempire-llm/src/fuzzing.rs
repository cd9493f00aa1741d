//! Entry points for the fuzz targets in `scripts/fuzz` (feature `fuzzing`; not a stable API).
//!
//! Each function takes untrusted bytes the way the crate receives them from outside (a
//! model's answer, a streamed body, a vendor's JSON) and runs them through the same code
//! the clients use. A parse failure is an ordinary outcome; `Err(String)` means an
//! invariant broke, and the fuzz target (or the corpus replay test,
//! `tests/fuzz_corpus.rs`) turns it into a failure.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ytempire_core::{
    Capabilities, ChannelProfile, ChatRequest, ChatResponse, LanguageModel, ProviderInfo, Result,
    Topic, Usage,
};

use crate::{OfflineWriter, ScriptRequest, ScriptWriter, parse_draft};

/// A model that answers every request with the same text (the fuzz input).
#[derive(Debug)]
struct Echo(String);

impl std::fmt::Display for Echo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fuzz/echo")
    }
}

#[async_trait]
impl LanguageModel for Echo {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new("fuzz", "echo", Capabilities::new().with_json_mode(true))
    }

    async fn complete(&self, _request: &ChatRequest) -> Result<ChatResponse> {
        Ok(ChatResponse::new(
            self.0.clone(),
            "echo",
            Usage {
                requests: 1,
                ..Usage::default()
            },
        ))
    }
}

/// The request every script input is judged against: a 45-second explainer on a channel
/// with one banned term.
fn script_request() -> ScriptRequest {
    let mut channel = ChannelProfile::new("Fuzz Facts", "science");
    channel.banned_terms = vec!["forbidden".into()];
    ScriptRequest::new(
        Topic::new("Why the sky is blue"),
        channel,
        Duration::from_secs(45),
    )
}

/// A valid answer for [`script`]'s request (the offline writer's draft as JSON): a seed.
#[doc(hidden)]
pub fn script_seed() -> String {
    let draft = OfflineWriter::new().draft(&script_request().brief());
    serde_json::to_string_pretty(&draft).unwrap_or_default()
}

/// Run a model answer through the script writer: parse (plain, fenced or wrapped JSON),
/// validate against the plan and channel, render the repair prompt, try again, give up.
/// `Ok(true)` when the answer was accepted, `Ok(false)` when it was refused with a typed
/// error.
///
/// # Errors
/// A description of a broken invariant: an accepted script whose metadata does not
/// validate, or whose scene count differs from the parsed draft; a refusal that is not
/// `InvalidResponse`.
#[doc(hidden)]
pub fn script(data: &[u8]) -> std::result::Result<bool, String> {
    let text = String::from_utf8_lossy(data).into_owned();
    let parsed = parse_draft(&text);
    let writer = ScriptWriter::new(Arc::new(Echo(text))).with_max_attempts(2);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("no runtime: {e}"))?;
    match runtime.block_on(writer.write(&script_request())) {
        Ok(generated) => {
            let draft =
                parsed.map_err(|p| format!("accepted an answer that does not parse: {p}"))?;
            if let Err(e) = generated.metadata.validate() {
                return Err(format!("accepted metadata that does not validate: {e}"));
            }
            if generated.script.scenes.len() != draft.scenes.len() {
                return Err(format!(
                    "the draft has {} scenes, the script {}",
                    draft.scenes.len(),
                    generated.script.scenes.len()
                ));
            }
            Ok(true)
        }
        Err(e) if e.kind() == ytempire_core::ErrorKind::InvalidResponse => Ok(false),
        Err(e) => Err(format!("refused with the wrong kind: {e}")),
    }
}

/// Read a streamed (SSE) Chat Completions body whole and in pieces of varying sizes.
///
/// # Errors
/// When the outcome depends on where the body was split (it must not).
#[doc(hidden)]
#[cfg(feature = "openai")]
pub fn openai_sse(data: &[u8]) -> std::result::Result<(), String> {
    use crate::providers::openai::fuzzing::sse;
    let whole = format!("{:?}", sse(data, &[]));
    // Split points that move with the input: 1-byte pieces, odd sizes, and one cut.
    let len = data.len();
    for sizes in [
        vec![1],
        vec![3, 7, 2, 11],
        vec![len / 2 + 1],
        vec![len % 5 + 1, len % 13 + 1],
    ] {
        let split = format!("{:?}", sse(data, &sizes));
        if split != whole {
            return Err(format!(
                "the SSE outcome depends on the split {sizes:?}:\n whole: {whole}\n split: {split}"
            ));
        }
    }
    Ok(())
}

/// Decode a Chat Completions body as a success, and as the error body of a 400, a 429 and
/// a 500 (through the shared status mapping).
///
/// # Errors
/// When an error built from the body loses its status.
#[doc(hidden)]
#[cfg(feature = "openai")]
pub fn openai_chat(data: &[u8]) -> std::result::Result<(), String> {
    use crate::providers::openai::fuzzing::{chat_response, error_body};
    let _ = chat_response(data);
    for status in [400, 429, 500] {
        let vendor = error_body(status, data);
        let err = ytempire_core::http::status_error(
            "openai/fuzz",
            status,
            &reqwest::header::HeaderMap::new(),
            vendor,
            None,
        );
        if err.status() != Some(status) {
            return Err(format!("status {status} became {:?}", err.status()));
        }
    }
    Ok(())
}
