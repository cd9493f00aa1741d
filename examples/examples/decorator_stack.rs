//! The recommended decorator stack over fakes: `Cached(Fallback[Retry(Metered(fake)), ...])`.
//!
//! The first provider's credit is spent (`QuotaExhausted`: not retried, falls back), the
//! second answers; a second identical call is served from the cache.
//!
//! `cargo run -p ytempire-examples --example decorator_stack`

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use ytempire_core::layers::{Fallback, LanguageModelLayers, MemoryCacheStore, RetryConfig};
use ytempire_core::metering::{Labels, MemorySink};
use ytempire_core::testing::{FakeLlm, Turn};
use ytempire_core::{ChatRequest, ErrorKind, LanguageModel, Message};

/// Show the recommended decorator stack (cache, fallback, retry, metering) over fakes.
#[derive(Debug, Parser)]
#[command(name = "decorator_stack")]
struct Args {}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Args {} = Args::parse();
    ytempire_examples::util::finish("decorator_stack", run().await)
}

async fn run() -> ytempire_core::Result<()> {
    let sink = Arc::new(MemorySink::new());
    let labels = Labels::new("job-42", "script");
    let broke = FakeLlm::scripted([Turn::error(ErrorKind::QuotaExhausted)]).named("fake", "m1");
    let backup =
        FakeLlm::scripted([Turn::text("Octopuses have three hearts.")]).named("fake", "m2");
    let stack = Fallback::new(vec![
        broke
            .metered(sink.clone(), labels.clone())
            .with_retry(RetryConfig::default())
            .into_dyn(),
        backup
            .metered(sink.clone(), labels)
            .with_retry(RetryConfig::default())
            .into_dyn(),
    ])
    .with_cache(Arc::new(MemoryCacheStore::new()));

    println!("stack: {stack}");
    let request = ChatRequest::new(vec![Message::user("Tell me an octopus fact.")]);
    let answer = stack.complete(&request).await?;
    println!("answer: {} (cached: {})", answer.text, answer.usage.cached);
    for r in sink.records() {
        println!(
            "metered: {}/{} attempt {} {:?} tokens in/out {}/{} job {:?}",
            r.provider,
            r.model,
            r.attempt,
            r.outcome,
            r.usage.input_tokens,
            r.usage.output_tokens,
            r.labels.job
        );
    }
    let again = stack.complete(&request).await?;
    println!(
        "second call: {} (cached: {}, metered records still {})",
        again.text,
        again.usage.cached,
        sink.records().len()
    );
    Ok(())
}
