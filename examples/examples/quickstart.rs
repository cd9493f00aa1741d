//! The offline quickstart: topic → offline script → espeak-ng narration → procedural visuals
//! → render → MP4 + thumbnails + quality verdict + cost report. No keys, no network.
//!
//! ```text
//! cargo run --release -p ytempire-examples --example quickstart -- \
//!     [--topic "How volcanoes form"] [--duration 60] [--shorts|--square] [--out DIR] [--cpu] [--job ID] [--webhook URL]
//! ```
//! Rerunning with the same `--job` resumes after the last finished stage. `--webhook URL`
//! posts every job event there, signed with `YTEMPIRE_WEBHOOK_SECRET` (HMAC-SHA256).

use std::path::PathBuf;
use std::sync::Arc;

use std::time::Instant;
use ytempire_core::layers::FsCacheStore;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use ytempire_core::pipeline::{
    CancellationToken, CostProbe as _, JobSpec, PipelineEvent, ResourceLimits,
};
use ytempire_core::{ChannelProfile, Topic, VideoSpec};
use ytempire_render::pipeline::{CompositorChoice, RenderOptions};

struct Args {
    topic: String,
    duration: f64,
    spec: VideoSpec,
    out: PathBuf,
    cpu: bool,
    job: Option<String>,
    webhook: Option<String>,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        topic: "How octopuses change colour".into(),
        duration: 60.0,
        spec: VideoSpec::landscape(),
        out: PathBuf::from("out"),
        cpu: false,
        job: None,
        webhook: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--topic" => a.topic = value("--topic")?,
            "--duration" => {
                a.duration = value("--duration")?
                    .parse()
                    .map_err(|_| "--duration takes seconds, e.g. 60".to_string())?;
            }
            "--out" => a.out = PathBuf::from(value("--out")?),
            "--job" => a.job = Some(value("--job")?),
            "--shorts" => a.spec = VideoSpec::shorts(),
            "--square" => a.spec = VideoSpec::square(),
            "--cpu" => a.cpu = true,
            "--webhook" => a.webhook = Some(value("--webhook")?),
            "-h" | "--help" => {
                println!(
                    "usage: quickstart [--topic T] [--duration SECS] [--shorts|--square] [--out DIR] [--cpu] [--job ID] [--webhook URL]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown option {other:?}; try --help")),
        }
    }
    Ok(a)
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("quickstart failed: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let args = parse()?;
    let started = Instant::now();
    let ledger_path = args.out.join("ledger.sqlite");
    let ledger = ytempire_examples::open_ledger(&ledger_path)?;
    let (llm, tts, images) = ytempire_examples::offline_providers(
        ledger.clone(),
        Arc::new(FsCacheStore::new(args.out.join("cache"))),
    );
    let options = RenderOptions {
        compositor: if args.cpu {
            CompositorChoice::Cpu
        } else {
            CompositorChoice::Auto
        },
        ..RenderOptions::default()
    };
    let pipeline = ytempire_examples::pipeline(
        &args.out.join("jobs"),
        llm,
        tts,
        images,
        ledger.clone(),
        options,
        ResourceLimits::default(),
    )?;
    // Job events to a webhook, signed with YTEMPIRE_WEBHOOK_SECRET.
    let webhook = args
        .webhook
        .as_deref()
        .map(|url| ytempire_examples::webhook::spawn_webhook(url, pipeline.subscribe()))
        .transpose()?;

    let id = args
        .job
        .clone()
        .unwrap_or_else(|| ytempire_examples::cli::jobid::job_id_for(&args.topic));
    let mut channel = ChannelProfile::new("ytempire quickstart", "science explainers");
    channel.words_per_minute = 160;
    let job = JobSpec::new(id.clone(), Topic::new(args.topic.clone()))
        .with_channel(channel)
        .with_video(args.spec)
        .with_duration(args.duration);

    // Progress bars from the event stream.
    let mut events = pipeline.subscribe();
    let bars = MultiProgress::new();
    let style = ProgressStyle::with_template("{prefix:>10} [{bar:30}] {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    let watcher = tokio::spawn(async move {
        let mut current: Option<ProgressBar> = None;
        while let Ok(event) = events.recv().await {
            match event {
                PipelineEvent::StageStarted { stage, .. } => {
                    let bar = bars.add(ProgressBar::new(1000));
                    bar.set_style(style.clone());
                    bar.set_prefix(stage.to_string());
                    bar.set_message("running");
                    current = Some(bar);
                }
                PipelineEvent::StageProgress { fraction, .. } => {
                    if let Some(bar) = &current {
                        bar.set_position((fraction * 1000.0) as u64);
                    }
                }
                PipelineEvent::StageFinished {
                    stage,
                    elapsed_secs,
                    resumed,
                    ..
                } => {
                    let bar = current.take().unwrap_or_else(|| {
                        let b = bars.add(ProgressBar::new(1000));
                        b.set_style(style.clone());
                        b.set_prefix(stage.to_string());
                        b
                    });
                    bar.set_position(1000);
                    bar.finish_with_message(if resumed {
                        "restored from the previous run".to_string()
                    } else {
                        format!("{elapsed_secs:.1}s")
                    });
                }
                PipelineEvent::Failed { stage, error, .. } => {
                    if let Some(bar) = current.take() {
                        bar.abandon_with_message(format!("{stage} failed: {error}"));
                    }
                }
                PipelineEvent::Finished { .. } => break,
                _ => {}
            }
        }
    });

    let cancel = CancellationToken::new();
    let ctrl_c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            ctrl_c.cancel();
        }
    });
    let outcome = pipeline.run(&job, &cancel).await;
    // A failed run (even one refused before any stage started) sends no `Finished`
    // event: stop the watcher instead of waiting for it.
    if outcome.is_err() {
        watcher.abort();
    }
    let _ = watcher.await;
    if let Some(webhook) = webhook {
        let r = webhook.shutdown().await;
        eprintln!(
            "webhook:    {} delivered, {} retried, {} dropped, {} failed",
            r.delivered, r.retried, r.dropped, r.failed
        );
    }
    let outcome = outcome?;

    let video = args.out.join(format!("{id}.mp4"));
    // Streamed: a ten-minute video is hundreds of megabytes.
    ytempire_core::fs::copy_atomic(&outcome.video, &video).await?;
    let report_path = args.out.join("cost-report.html");
    ytempire_cost::render_report_file(&ledger_path, &report_path)?;
    let cost = ytempire_examples::LedgerProbe(ledger)
        .job_cost_usd(&id)
        .unwrap_or(0.0);

    println!();
    println!("video:      {}", video.display());
    println!(
        "            {} frames, {:.1}s, {} compositor, {} encoder",
        outcome.render.frames,
        outcome.render.duration_secs,
        outcome.render.backend,
        outcome.render.encoder
    );
    for (i, t) in outcome.thumbnails.iter().enumerate() {
        let ext = t.extension().and_then(|e| e.to_str()).unwrap_or("jpg");
        let name = args.out.join(format!(
            "{id}-thumbnail-{}.{ext}",
            char::from(b'a' + i as u8)
        ));
        ytempire_core::fs::copy_atomic(t, &name).await?;
        println!("thumbnail:  {}", name.display());
    }
    if let Some(q) = &outcome.quality {
        println!(
            "quality:    {:.1}/10 ({})",
            q.score,
            if q.passed {
                "passes the gate"
            } else {
                "blocked by the gate"
            }
        );
        for r in &q.reasons {
            println!("            - {r}");
        }
    }
    println!("cost:       ${cost:.4} (report: {})", report_path.display());
    println!("title:      {}", outcome.script.metadata.title);
    if !outcome.resumed.is_empty() {
        let names: Vec<String> = outcome.resumed.iter().map(ToString::to_string).collect();
        println!("resumed:    {}", names.join(", "));
    }
    println!("job dir:    {}", outcome.dir.display());
    println!("wall time:  {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}
