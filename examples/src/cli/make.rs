//! `ytempire make`: one video from a topic, with progress bars, resumable by job id,
//! optionally uploaded; prints where everything is and who made what.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use ytempire_core::layers::{Breakers, FsCacheStore, ImageSourceLayers};
use ytempire_core::metering::{Labels, Outcome};
use ytempire_core::pipeline::{CancellationToken, JobOutcome, JobSpec, Pipeline};
use ytempire_core::{
    DynImageSource, DynUploader, Error, ErrorKind, ImageSource, Privacy, ProgressSink,
    ProviderInfo, Result, Topic, UploadReceipt, UploadRequest, Uploader, UsageSink,
};
use ytempire_cost::stage::{DefaultChain, QualityGate};
use ytempire_cost::{BudgetConfig, Catalog, CostLedger, Decimal};
use ytempire_render::MusicPlan;
use ytempire_render::audio::music::MusicLibrary;
use ytempire_render::sources::LocalFolder;
use ytempire_render::video::{CompositorChoice, RenderOptions};

use super::args::MakeArgs;
use super::jobid::job_id_for;
use super::progress::ProgressWatcher;
use super::{one_line, providers, upload};
use crate::config::{ChannelSettings, Compositor, Config, Paths};

/// The topic used when none is given.
pub const DEFAULT_TOPIC: &str = "How octopuses change colour";

/// Where a finished `make` put things.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MakeReport {
    /// Job id.
    pub job: String,
    /// The MP4.
    pub video: PathBuf,
    /// Thumbnail files.
    pub thumbnails: Vec<PathBuf>,
    /// Quality verdict JSON, when the gate ran.
    pub quality_report: Option<PathBuf>,
    /// HTML cost report.
    pub cost_report: PathBuf,
    /// `stage → provider/model` that answered.
    pub provenance: BTreeMap<String, String>,
    /// The upload, when one happened.
    pub receipt: Option<UploadReceipt>,
}

/// Open the cost ledger at `path` with the config's budgets.
///
/// # Errors
/// The ledger's, or `Io` creating its directory.
pub fn open_budgeted_ledger(config: &Config, path: &Path) -> Result<Arc<CostLedger>> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
    }
    let ledger = CostLedger::open(path, Catalog::embedded()?)?;
    Ok(with_config_budgets(config, ledger))
}

/// Open the cost ledger on the PostgreSQL server at `url` (shared by the workers of every
/// machine naming it) with the config's budgets, which then hold across those workers.
///
/// # Errors
/// The ledger's: a malformed URL, an unreachable server.
pub fn open_shared_ledger(config: &Config, url: &str) -> Result<Arc<CostLedger>> {
    let options = ytempire_core::pg::PgOptions::default();
    let ledger = CostLedger::connect_postgres(url, &options, Catalog::embedded()?)?;
    Ok(with_config_budgets(config, ledger))
}

/// `ledger` with the config's budgets and alerts on stderr.
fn with_config_budgets(config: &Config, ledger: CostLedger) -> Arc<CostLedger> {
    let usd = |v: f64| Decimal::try_from(v).unwrap_or_default();
    let mut budgets = BudgetConfig::default()
        .with_per_job(config.budget.per_video_usd.map(|u| usd(u.0)))
        .with_refuse_unpriced(config.budget.refuse_unpriced);
    for (provider, cap) in &config.budget.per_provider_day_usd {
        budgets = budgets.with_provider_day(provider.clone(), usd(cap.0));
    }
    let ledger = ledger
        .with_budgets(budgets)
        .on_alert(|alert| eprintln!("budget: {alert}"));
    Arc::new(ledger)
}

/// Paths with `--out` applied (the data directory follows it unless configured).
pub fn paths_with_out(config: &Config, out: Option<&Path>) -> Paths {
    let mut paths = config.paths.clone();
    if let Some(out) = out {
        paths.output_dir = out.to_path_buf();
    }
    paths
}

/// Build the pipeline `make` and `queue work` run, with the cooldown state its provider
/// chains share (for the summary's list of providers being skipped) and which offline voice
/// speaks, and why. Costs go to `ledger` (e.g. [`open_shared_ledger`]'s), or to the data
/// directory's `ledger.sqlite` when `None`.
///
/// # Errors
/// Config, ledger or uploader errors.
pub async fn build_pipeline(
    config: &Config,
    paths: &Paths,
    channel: &ChannelSettings,
    offline: bool,
    cpu: bool,
    upload: Option<DynUploader>,
    ledger: Option<Arc<CostLedger>>,
) -> Result<(Pipeline, Arc<CostLedger>, Breakers, String)> {
    let data = paths.data_dir();
    // A bad library fails before anything else is opened.
    let media_library = match &paths.library {
        Some(dir) => Some(open_media_library(dir, &data).await?),
        None => None,
    };
    let ledger = match ledger {
        Some(ledger) => ledger,
        None => open_budgeted_ledger(config, &data.join("ledger.sqlite"))?,
    };
    let cache = Arc::new(FsCacheStore::new(data.join("cache")));
    let chains = providers::build(config, offline, ledger.clone(), cache).await?;
    let mut visual_sources = chains.image_sources;
    if let Some(library) = media_library {
        let sink: Arc<dyn UsageSink> = ledger.clone();
        let at = library_position(&visual_sources);
        visual_sources.insert(at, library.metered(sink, Labels::default()).into_dyn());
    }
    let breakers = chains.breakers.clone();
    let offline_voice = chains.offline_voice.clone();
    for note in &chains.notes {
        eprintln!("{note}");
    }
    let compositor = match (cpu, config.video.compositor) {
        (true, _) | (false, Compositor::Cpu) => CompositorChoice::Cpu,
        (false, Compositor::Gpu) => CompositorChoice::Gpu,
        (false, Compositor::Auto) => CompositorChoice::Auto,
    };
    let options = RenderOptions {
        compositor,
        ..RenderOptions::default()
    };
    let library = match &paths.music_dir {
        Some(dir) => Some(MusicLibrary::index(dir)?),
        None => None,
    };
    let music = MusicPlan {
        library,
        mood: channel.music_mood.clone(),
        ..MusicPlan::default()
    };
    let mut builder = DefaultChain::new(
        data.join("jobs"),
        chains.llm,
        chains.tts,
        chains.images,
        ledger.clone(),
    )
    .visual_sources(visual_sources)
    .visual_history(data.join("visual-history.json"))
    .render_options(options)
    .music(music)
    .thumbnails(config.video.thumbnails.0)
    .quality(QualityGate {
        threshold: config.video.quality_threshold.0,
        ..QualityGate::default()
    })
    .limits(config.lanes.unwrap_or_default().limits())
    .builder();
    if let Some(u) = upload {
        builder = builder.uploader(u);
    }
    Ok((builder.build()?, ledger, breakers, offline_voice))
}

/// Index the media library at `dir` (the index cached in `DATA_DIR/library-index.json`, so
/// only new and changed files are probed) and say what it holds on stderr.
///
/// # Errors
/// `Config` naming the folder and what to fix when it is missing, not a folder or cannot be
/// listed.
pub async fn open_media_library(dir: &Path, data: &Path) -> Result<LocalFolder> {
    let library = LocalFolder::new(dir).with_index_file(data.join("library-index.json"));
    let indexing = library.clone();
    let index = tokio::task::spawn_blocking(move || indexing.index())
        .await
        .map_err(|e| Error::internal(format!("indexing the media library failed: {e}")))?
        .map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!(
                    "{}: give --library (or paths.library in the config) an existing, readable \
                     folder of your images (png, jpg, webp) and clips (mp4)",
                    e.message()
                ),
            )
        })?;
    let usable: Vec<_> = index.usable().collect();
    let clips = usable
        .iter()
        .filter(|i| i.media == ytempire_render::sources::LibraryMedia::Clip)
        .count();
    let skipped: Vec<_> = index.skipped().collect();
    let stats = index.stats();
    eprintln!(
        "library: {}: {} usable files ({clips} clips), {} skipped; {} probed, {} unchanged since the last index",
        dir.display(),
        usable.len(),
        skipped.len(),
        stats.probed,
        stats.reused
    );
    for (path, why) in skipped.iter().take(10) {
        eprintln!("library: skipping {path}: {why}");
    }
    if usable.is_empty() {
        eprintln!(
            "library: {} has no usable image or clip; the other visual sources are used",
            dir.display()
        );
    }
    Ok(library)
}

/// Where the media library goes among the ranked visual sources: after the stock sources,
/// before the first other one (AI, procedural).
fn library_position(sources: &[DynImageSource]) -> usize {
    sources
        .iter()
        .position(|s| !matches!(s.info().provider.as_str(), "pexels" | "pixabay"))
        .unwrap_or(sources.len())
}

/// Run `ytempire make`.
///
/// # Errors
/// Whatever stopped the job (with how to resume), or a blocked upload.
pub async fn run(config: &Config, args: MakeArgs) -> Result<MakeReport> {
    let started = Instant::now();
    let topic = args
        .topic
        .clone()
        .or(args.topic_flag.clone())
        .unwrap_or_else(|| DEFAULT_TOPIC.to_string());
    let channel = config.channel(args.channel.as_deref())?;
    let spec = config.video.spec(args.shape.format());
    let duration = args.shape.duration_secs(config);
    let mut paths = paths_with_out(config, args.out.as_deref());
    if let Some(dir) = &args.library {
        paths.library = Some(dir.clone());
    }
    let out = paths.output_dir.clone();
    let id = args.job.clone().unwrap_or_else(|| job_id_for(&topic));

    let uploader = if args.upload {
        let (accounts, _) =
            upload::stored_accounts(config, &paths.data_dir(), &channel.accounts, None).await?;
        let u = accounts.uploader().await?;
        Some(match args.publish_at {
            Some(at) => Arc::new(Scheduled { inner: u, at }) as DynUploader,
            None => u,
        })
    } else {
        None
    };
    // `--voice` overrides the config's offline voice.
    let mut voiced = config.clone();
    if let Some(voice) = args.voice {
        voiced.providers.offline_voice = voice;
    }
    let (pipeline, ledger, breakers, voice) = build_pipeline(
        &voiced,
        &paths,
        &channel,
        args.offline,
        args.cpu,
        uploader,
        None,
    )
    .await?;
    let job = JobSpec::new(id.clone(), Topic::new(topic))
        .with_channel(channel.profile())
        .with_video(spec)
        .with_duration(duration)
        .with_upload(args.upload);
    job.validate()?;

    let webhook = args
        .webhook
        .as_deref()
        .map(|url| crate::webhook::spawn_webhook(url, pipeline.subscribe()))
        .transpose()?;
    let watcher = ProgressWatcher::start(pipeline.subscribe(), &id);
    let cancel = CancellationToken::new();
    let ctrl_c = cancel.clone();
    let signals = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            ctrl_c.cancel();
        }
    });
    let result = pipeline.run(&job, &cancel).await;
    signals.abort();
    watcher.finish().await;
    if let Some(w) = webhook {
        let r = w.shutdown().await;
        eprintln!(
            "webhook: {} delivered, {} retried, {} dropped, {} failed",
            r.delivered, r.retried, r.dropped, r.failed
        );
    }
    let outcome = result.map_err(|e| resumable(&e, &id))?;
    let report = publish(&outcome, &out, &ledger, &paths, &channel.language)
        .await
        .map_err(|e| unwritable_out(&e, &out, &id, &outcome.dir))?;
    print_summary(
        config, &outcome, &report, &ledger, &breakers, &voice, started,
    );
    if args.upload
        && let Some(why) = &outcome.upload_blocked
    {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "{why}; the video is at {}: improve it and rerun, or upload it yourself with `ytempire upload`",
                report.video.display()
            ),
        ));
    }
    Ok(report)
}

/// The run's error with how to resume.
fn resumable(e: &Error, id: &str) -> Error {
    if e.kind() == ErrorKind::Cancelled {
        return Error::new(
            ErrorKind::Cancelled,
            format!("job {id} was interrupted; rerun with --job {id} to resume where it stopped"),
        );
    }
    let line = one_line(e);
    let prefix = format!("{}: ", e.kind());
    let rest = line.strip_prefix(&prefix).unwrap_or(&line);
    Error::new(
        e.kind(),
        format!("job {id}: {rest}; after fixing it, rerun with --job {id} to resume"),
    )
}

/// A failure to write the outputs to `out` (read-only, full, a file in the way), with
/// where the finished job is kept and how to get its outputs without redoing it.
fn unwritable_out(e: &Error, out: &Path, id: &str, job_dir: &Path) -> Error {
    Error::new(
        e.kind(),
        format!(
            "job {id} is made but its outputs cannot be written to {out}: {cause}; the finished job is kept in {job}: make {out} a writable directory with free space (or give another --out DIR) and rerun with --job {id}: it copies the outputs without redoing any stage",
            out = out.display(),
            cause = one_line(e),
            job = job_dir.display(),
        ),
    )
}

/// Copy the outputs next to each other in `out` and write the reports.
async fn publish(
    outcome: &JobOutcome,
    out: &Path,
    ledger: &CostLedger,
    paths: &Paths,
    channel_language: &str,
) -> Result<MakeReport> {
    tokio::fs::create_dir_all(out)
        .await
        .map_err(|e| Error::io(format!("creating {}", out.display()), e))?;
    let id = &outcome.job;
    let video = out.join(format!("{id}.mp4"));
    ytempire_core::fs::copy_atomic(&outcome.video, &video).await?;
    let mut thumbnails = Vec::new();
    for (i, t) in outcome.thumbnails.iter().enumerate() {
        let ext = t.extension().and_then(|e| e.to_str()).unwrap_or("jpg");
        let letter = char::from(b'a' + u8::try_from(i % 26).unwrap_or(0));
        let name = out.join(format!("{id}-thumbnail-{letter}.{ext}"));
        ytempire_core::fs::copy_atomic(t, &name).await?;
        thumbnails.push(name);
    }
    let quality_report = match &outcome.quality {
        Some(q) => {
            let path = out.join(format!("{id}-quality.json"));
            let json = serde_json::to_vec_pretty(q)
                .map_err(|e| Error::internal(format!("serialising the quality verdict: {e}")))?;
            ytempire_core::fs::write_atomic(&path, &json).await?;
            Some(path)
        }
        None => None,
    };
    let cost_report = out.join("cost-report.html");
    ytempire_cost::render_report_file(&paths.data_dir().join("ledger.sqlite"), &cost_report)?;
    let mut provenance = provenance(ledger, id);
    if let Some(w) = &outcome.script.script.written_by {
        provenance
            .entry("script".into())
            .or_insert_with(|| w.clone());
    }
    let written = &outcome.script.script.language;
    if !written.is_empty()
        && written != channel_language
        && let Some(by) = provenance.get_mut("script")
    {
        by.push_str(&format!(
            " (in {written}, not the channel's {channel_language}: the offline writer writes \
             English only; set a language-model key or run a local server to write in \
             {channel_language})"
        ));
    }
    Ok(MakeReport {
        job: id.clone(),
        video,
        thumbnails,
        quality_report,
        cost_report,
        provenance,
        receipt: outcome.receipt.clone(),
    })
}

/// `stage → provider/model (×n)` of the successful provider calls recorded for `job`.
pub fn provenance(ledger: &CostLedger, job: &str) -> BTreeMap<String, String> {
    let mut by_stage: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for e in ledger.entries().unwrap_or_default() {
        if e.job.as_deref() != Some(job) || e.outcome != Outcome::Success {
            continue;
        }
        let stage = e.stage.clone().unwrap_or_else(|| "other".into());
        *by_stage
            .entry(stage)
            .or_default()
            .entry(format!("{}/{}", e.provider, e.model))
            .or_default() += 1;
    }
    by_stage
        .into_iter()
        .map(|(stage, who)| {
            let list: Vec<String> = who
                .into_iter()
                .map(|(w, n)| if n > 1 { format!("{w} ×{n}") } else { w })
                .collect();
            (stage, list.join(", "))
        })
        .collect()
}

fn print_summary(
    config: &Config,
    outcome: &JobOutcome,
    report: &MakeReport,
    ledger: &CostLedger,
    breakers: &Breakers,
    voice: &str,
    started: Instant,
) {
    let cost = ledger.job_spend(&report.job);
    println!();
    println!("job:        {}", report.job);
    println!("title:      {}", outcome.script.metadata.title);
    println!("video:      {}", report.video.display());
    println!(
        "            {} frames, {:.1}s, {} compositor, {} encoder",
        outcome.render.frames,
        outcome.render.duration_secs,
        outcome.render.backend,
        outcome.render.encoder
    );
    for t in &report.thumbnails {
        println!("thumbnail:  {}", t.display());
    }
    if let (Some(q), Some(path)) = (&outcome.quality, &report.quality_report) {
        let verdict = if q.passed {
            "passes the gate"
        } else {
            "blocked by the gate"
        };
        println!(
            "quality:    {:.1}/10, {verdict} ({})",
            q.score,
            path.display()
        );
    }
    println!(
        "cost:       ${cost:.4} (report: {})",
        report.cost_report.display()
    );
    for (label, stage) in [
        ("script by: ", "script"),
        ("spoken by: ", "narration"),
        ("visuals by:", "visuals"),
    ] {
        let who = report
            .provenance
            .get(stage)
            .map_or("(restored from cache)", String::as_str);
        println!("{label} {who}");
    }
    println!("voice:      {voice}");
    if let Some(r) = &report.receipt {
        println!(
            "uploaded:   {} as {} (account {}, thumbnail {})",
            r.url,
            r.video_id,
            r.account,
            if r.thumbnail_set { "set" } else { "not set" }
        );
        if let (false, Some(why), Some(image)) = (
            r.thumbnail_set,
            &r.thumbnail_error,
            report.thumbnails.first(),
        ) {
            let command =
                upload::thumbnail_command(config, &r.video_id, image, &r.account, None, None);
            println!("            the thumbnail failed: {why}");
            println!("            set it later with: {command}");
        }
    }
    if !outcome.resumed.is_empty() {
        let names: Vec<&str> = outcome.resumed.iter().map(|s| s.as_str()).collect();
        println!("resumed:    {}", names.join(", "));
    }
    // Providers found down or refusing, skipped by every chain until their cooldown ends.
    for open in breakers.open() {
        println!("cooldown:   {open}");
    }
    println!("job dir:    {}", outcome.dir.display());
    println!("wall time:  {:.1}s", started.elapsed().as_secs_f64());
}

/// Schedules uploads: private until `at` (`publishAt`).
#[derive(Debug)]
struct Scheduled {
    inner: DynUploader,
    at: chrono::DateTime<chrono::Utc>,
}

impl std::fmt::Display for Scheduled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scheduled({}, {})", self.inner, self.at.to_rfc3339())
    }
}

#[async_trait]
impl Uploader for Scheduled {
    fn info(&self) -> ProviderInfo {
        self.inner.info()
    }

    async fn upload(
        &self,
        request: &UploadRequest,
        progress: &dyn ProgressSink,
    ) -> Result<UploadReceipt> {
        let mut req = request.clone();
        req.metadata.privacy = Privacy::Private;
        req.metadata.publish_at = Some(self.at);
        self.inner.upload(&req, progress).await
    }
}
