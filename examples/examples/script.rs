//! Write a script and its upload metadata, print them as JSON.
//!
//! ```text
//! cargo run -p ytempire-examples --example script -- [--offline] [--seconds N] "TOPIC"
//! ```
//!
//! With `OPENAI_API_KEY` set (and without `--offline`) the chain is gpt-4o → gpt-4o-mini →
//! the offline writer; otherwise the offline writer (deterministic, non-AI) writes it.

use std::sync::Arc;
use std::time::Duration;

use ytempire_core::layers::Fallback;
use ytempire_core::{ChannelProfile, LanguageModel, Topic};
use ytempire_llm::{OfflineWriter, OpenAiCompatible, OpenAiConfig, ScriptRequest, ScriptWriter};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut offline = false;
    let mut seconds = 60_u64;
    let mut topic = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--offline" => offline = true,
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(60),
            _ => topic.push(arg),
        }
    }
    let topic = if topic.is_empty() {
        "Why the sky is blue".to_owned()
    } else {
        topic.join(" ")
    };
    let model: Arc<dyn LanguageModel> = match (offline, OpenAiConfig::from_env("gpt-4o")) {
        (false, Ok(big)) => {
            let small = OpenAiConfig::from_env("gpt-4o-mini")?;
            Arc::new(Fallback::<dyn LanguageModel>::new(vec![
                Arc::new(OpenAiCompatible::new(big)?) as Arc<dyn LanguageModel>,
                Arc::new(OpenAiCompatible::new(small)?),
                Arc::new(OfflineWriter::new()),
            ]))
        }
        _ => Arc::new(OfflineWriter::new()),
    };
    let writer = ScriptWriter::new(model);
    let request = ScriptRequest::new(
        Topic::new(topic),
        ChannelProfile::new("ytempire demo", "general knowledge"),
        Duration::from_secs(seconds),
    );
    let out = writer.write(&request).await?;
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
