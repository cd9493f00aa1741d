//! Many topics through the persistent job queue at once, printing throughput, peak memory and
//! cost. Rerunning with the same `--out` resumes unfinished jobs.
//!
//! ```text
//! cargo run --release -p ytempire-examples --example batch -- \
//!     [--jobs 5] [--workers 5] [--duration 20] [--size 640x360] [--out out/batch] [--webhook URL]
//! ```
//! `--workers 1` runs the same jobs one after another, for comparison.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use ytempire_core::layers::FsCacheStore;
use ytempire_core::pipeline::{CostProbe as _, JobSpec, ResourceLimits};
use ytempire_core::queue::{
    JobQueue, JobState, QueueBackend, QueueConfig, SqliteQueue, SubmitOptions,
};
use ytempire_core::{Topic, VideoSpec};
use ytempire_render::video::RenderOptions;

const TOPICS: &[&str] = &[
    "How octopuses change colour",
    "Why the sky is blue",
    "How volcanoes form",
    "Five facts about honeybees",
    "How tides work",
    "Why cats purr",
    "How rainbows form",
    "The life of a star",
    "How bridges stay up",
    "Why leaves change colour",
];

/// Peak resident memory of this process in MiB (Linux), if known.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Many topics through the persistent job queue at once; prints throughput, peak memory and
/// cost. Rerunning with the same `--out` resumes unfinished jobs.
#[derive(Debug, Parser)]
#[command(name = "batch")]
struct Args {
    /// How many jobs to submit.
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    jobs: u16,
    /// Jobs run at once (`--workers 1` runs them one after another, for comparison).
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    workers: u16,
    /// Length of each video in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 20.0, value_parser = parse_duration)]
    duration: f64,
    /// Frame size.
    #[arg(long, value_name = "WxH", default_value = "640x360", value_parser = ytempire_examples::util::parse_size)]
    size: (u32, u32),
    /// Directory for jobs, cache, ledger and queue.
    #[arg(long, value_name = "DIR", default_value = "out/batch")]
    out: PathBuf,
    /// Post every job event to this URL, signed with `YTEMPIRE_WEBHOOK_SECRET`.
    #[arg(long, value_name = "URL")]
    webhook: Option<String>,
}

fn parse_duration(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (5.0..=3600.0).contains(&v) => Ok(v),
        _ => Err("expected a number of seconds from 5 to 3600".into()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    ytempire_examples::util::finish("batch", run(args).await)
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let (jobs, workers, duration) = (
        usize::from(args.jobs),
        usize::from(args.workers),
        args.duration,
    );
    let (width, height) = args.size;
    let (out, webhook_url) = (args.out, args.webhook);
    let ledger = ytempire_examples::open_ledger(&out.join("ledger.sqlite"))?;
    let (llm, tts, images) = ytempire_examples::offline_providers(
        ledger.clone(),
        Arc::new(FsCacheStore::new(out.join("cache"))),
    );
    // Network-bound stages overlap freely; renders take turns within a memory budget.
    let limits = ResourceLimits::new(16, 2, 1024);
    let pipeline = ytempire_examples::pipeline(
        &out.join("jobs"),
        llm,
        tts,
        images,
        ledger.clone(),
        RenderOptions::default(),
        limits,
    )?;
    // Every job's events to a webhook, signed with YTEMPIRE_WEBHOOK_SECRET.
    let webhook = webhook_url
        .as_deref()
        .map(|url| ytempire_examples::webhook::spawn_webhook(url, pipeline.subscribe()))
        .transpose()?;
    let backend = Arc::new(SqliteQueue::open(&out.join("queue.sqlite"))?);
    let queue = JobQueue::new(
        backend.clone(),
        pipeline,
        QueueConfig {
            workers,
            poll_interval: Duration::from_millis(50),
            retry_base: Duration::from_secs(1),
        },
    );
    let spec = VideoSpec::new(width, height, 30);
    for i in 0..jobs {
        let topic = TOPICS[i % TOPICS.len()];
        let id = format!("batch-{i:03}");
        if backend.get(&id).await?.is_some() {
            continue; // submitted by an earlier run: the queue resumes it
        }
        let job = JobSpec::new(id, Topic::new(topic))
            .with_video(spec)
            .with_duration(duration);
        queue.submit(job, SubmitOptions::default()).await?;
    }
    let started = Instant::now();
    queue.run_until_idle().await?;
    let wall = started.elapsed().as_secs_f64();
    if let Some(webhook) = webhook {
        let r = webhook.shutdown().await;
        println!("webhook_delivered: {} (failed {})", r.delivered, r.failed);
    }

    let all = backend.list(None).await?;
    let done = all
        .iter()
        .filter(|j| j.state == JobState::Succeeded)
        .count();
    let probe = ytempire_examples::LedgerProbe(ledger);
    let cost: f64 = all.iter().filter_map(|j| probe.job_cost_usd(j.id())).sum();
    for j in &all {
        println!(
            "{:<10} {:<9} {}",
            j.id(),
            j.state.as_str(),
            j.error.as_deref().unwrap_or("")
        );
    }
    println!("jobs_succeeded: {done}/{}", all.len());
    println!("workers: {workers}");
    println!("wall_seconds: {wall:.1}");
    println!(
        "videos_per_minute: {:.2}",
        done as f64 * 60.0 / wall.max(1e-9)
    );
    if let Some(rss) = peak_rss_mib() {
        println!("peak_rss_mib: {rss:.0}");
    }
    println!("total_cost_usd: {cost:.4}");
    Ok(())
}
