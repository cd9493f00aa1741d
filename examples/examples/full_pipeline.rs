//! The full pipeline with real vendors where keys are set, falling back to the offline
//! providers: every paid call is metered into the cost ledger, retried with backoff (honouring
//! Retry-After), falls back across vendors, and is cached on disk so nothing is paid twice.
//!
//! ```text
//! OPENAI_API_KEY=... ELEVENLABS_API_KEY=... GOOGLE_TTS_API_KEY=... \
//! cargo run --release -p ytempire-examples --example full_pipeline -- "TOPIC" [--duration 60] [--out out/full]
//! ```
//!
//! Chains (providers without a key are left out and said so):
//! - script: OpenAI gpt-4o → gpt-4o-mini → Anthropic claude-3-5-haiku → offline writer;
//! - narration: ElevenLabs → Google Cloud TTS → OpenAI speech → espeak-ng;
//! - visuals: procedural (stock and AI image sources are not built yet).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ytempire_core::layers::{
    CacheStore, Fallback, FsCacheStore, ImageSourceLayers, LanguageModelLayers, RetryConfig,
    SpeechSynthesizerLayers,
};
use ytempire_core::metering::Labels;
use ytempire_core::pipeline::{CancellationToken, JobSpec, ResourceLimits};
use ytempire_core::{LanguageModel, SpeechSynthesizer, Topic, UsageSink};
use ytempire_render::pipeline::RenderOptions;

fn retry() -> RetryConfig {
    RetryConfig::default()
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("full_pipeline failed: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut topic = "How octopuses change colour".to_string();
    let mut duration = 60.0;
    let mut out = PathBuf::from("out/full");
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut v = |n: &str| it.next().ok_or(format!("{n} needs a value"));
        match arg.as_str() {
            "--duration" => duration = v("--duration")?.parse()?,
            "--out" => out = v("--out")?.into(),
            s if s.starts_with("--") => return Err(format!("unknown option {s}").into()),
            t => topic = t.to_string(),
        }
    }
    let ledger = ytempire_examples::open_ledger(&out.join("ledger.sqlite"))?;
    let sink: Arc<dyn UsageSink> = ledger.clone();
    let cache: Arc<dyn CacheStore> = Arc::new(FsCacheStore::new(out.join("cache")));
    let labels = Labels::default;

    // Script: Cache(Fallback[Retry(Metered(vendor)), …, Metered(offline)]).
    let mut llms: Vec<Arc<dyn LanguageModel>> = Vec::new();
    for model in ["gpt-4o", "gpt-4o-mini"] {
        match ytempire_llm::OpenAiConfig::from_env(model)
            .and_then(ytempire_llm::OpenAiCompatible::new)
        {
            Ok(p) => llms.push(
                p.metered(sink.clone(), labels())
                    .with_retry(retry())
                    .into_dyn(),
            ),
            Err(e) => eprintln!("script: skipping OpenAI {model}: {e}"),
        }
    }
    match ytempire_llm::AnthropicConfig::from_env("claude-3-5-haiku-latest")
        .and_then(ytempire_llm::Anthropic::new)
    {
        Ok(p) => llms.push(
            p.metered(sink.clone(), labels())
                .with_retry(retry())
                .into_dyn(),
        ),
        Err(e) => eprintln!("script: skipping Anthropic: {e}"),
    }
    llms.push(
        ytempire_llm::OfflineWriter::new()
            .metered(sink.clone(), labels())
            .into_dyn(),
    );
    let llm = Fallback::<dyn LanguageModel>::new(llms)
        .with_cache(cache.clone())
        .into_dyn();

    // Narration: ElevenLabs → Google → OpenAI speech → espeak-ng.
    let mut voices: Vec<Arc<dyn SpeechSynthesizer>> = Vec::new();
    match ytempire_tts::ElevenLabs::from_env() {
        Ok(p) => voices.push(
            p.metered(sink.clone(), labels())
                .with_retry(retry())
                .into_dyn(),
        ),
        Err(e) => eprintln!("narration: skipping ElevenLabs: {e}"),
    }
    match ytempire_tts::GoogleTts::from_env() {
        Ok(p) => voices.push(
            p.metered(sink.clone(), labels())
                .with_retry(retry())
                .into_dyn(),
        ),
        Err(e) => eprintln!("narration: skipping Google TTS: {e}"),
    }
    match ytempire_tts::OpenAiSpeech::from_env() {
        Ok(p) => voices.push(
            p.metered(sink.clone(), labels())
                .with_retry(retry())
                .into_dyn(),
        ),
        Err(e) => eprintln!("narration: skipping OpenAI speech: {e}"),
    }
    voices.push(
        ytempire_tts::EspeakNg::new()
            .metered(sink.clone(), labels())
            .into_dyn(),
    );
    let tts = Fallback::<dyn SpeechSynthesizer>::new(voices)
        .with_cache(cache.clone())
        .into_dyn();

    let images = ytempire_render::sources::Procedural::new()
        .metered(sink.clone(), labels())
        .with_cache(cache)
        .into_dyn();

    println!("script chain:    {llm}");
    println!("narration chain: {tts}");
    let pipeline = ytempire_examples::pipeline(
        &out.join("jobs"),
        llm,
        tts,
        images,
        ledger.clone(),
        RenderOptions::default(),
        ResourceLimits::default(),
    )?;
    let id = ytempire_examples::cli::jobid::job_id_for(&topic);
    let job = JobSpec::new(id.clone(), Topic::new(topic)).with_duration(duration);
    let started = std::time::Instant::now();
    let outcome = pipeline.run(&job, &CancellationToken::new()).await?;
    let report = out.join("cost-report.html");
    ytempire_cost::render_report_file(&out.join("ledger.sqlite"), &report)?;
    println!("video:   {}", outcome.video.display());
    println!(
        "written by: {}",
        outcome.script.script.written_by.as_deref().unwrap_or("?")
    );
    if let Some(q) = &outcome.quality {
        println!("quality: {:.1}/10 (passed: {})", q.score, q.passed);
    }
    println!("report:  {}", report.display());
    println!(
        "took:    {:.1?}",
        Duration::from_secs_f64(started.elapsed().as_secs_f64())
    );
    Ok(())
}
