//! Write a script and its upload metadata, print them as JSON.
//!
//! ```text
//! cargo run -p ytempire-examples --example script -- [--offline] [--seconds N] "TOPIC"
//! ```
//!
//! With `OPENAI_API_KEY` set (and without `--offline`) the chain is gpt-4o → gpt-4o-mini →
//! the offline writer; otherwise the offline writer (deterministic, non-AI) writes it.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use ytempire_core::layers::Fallback;
use ytempire_core::{ChannelProfile, LanguageModel, Topic};
use ytempire_llm::{OfflineWriter, OpenAiCompatible, OpenAiConfig, ScriptRequest, ScriptWriter};

/// Write a script and its upload metadata for a topic, printed as JSON.
#[derive(Debug, Parser)]
#[command(name = "script")]
struct Args {
    /// Use the offline writer even when `OPENAI_API_KEY` is set.
    #[arg(long)]
    offline: bool,
    /// Target narration length in seconds.
    #[arg(long, value_name = "N", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    seconds: u64,
    /// The topic (several words are joined with spaces).
    #[arg(value_name = "TOPIC", default_value = "Why the sky is blue")]
    topic: Vec<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    ytempire_examples::util::finish("script", run(args).await)
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let topic = args.topic.join(" ");
    if topic.trim().is_empty() {
        return Err("the topic is empty; give a topic such as \"Why the sky is blue\"".into());
    }
    let model: Arc<dyn LanguageModel> = match (args.offline, OpenAiConfig::from_env("gpt-4o")) {
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
        Duration::from_secs(args.seconds),
    );
    let out = writer.write(&request).await?;
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
