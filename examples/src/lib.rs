//! Shared wiring for the runnable examples: pipeline stages built from the provider crates,
//! and the offline preset the quickstart and batch examples run.
//!
//! The core pipeline names no vendor; these adapters connect it to `ytempire-llm` (script),
//! `ytempire-render` (render, thumbnails), and `ytempire-cost` (quality gate, cost so far).
//! Apps can copy them or use them as they are.

pub mod webhook;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ytempire_core::layers::{
    CacheStore, ImageSourceLayers, LanguageModelLayers, SpeechSynthesizerLayers,
};
use ytempire_core::metering::Labels;
use ytempire_core::pipeline::{
    CostProbe, JobSpec, Pipeline, QualityInputs, QualityStage, QualityVerdict, RenderStage,
    RenderSummary, ResourceLimits, ScriptOutput, ScriptStage, SourceVisuals, SpeechNarrator,
    ThumbnailStage,
};
use ytempire_core::{
    DynImageSource, DynLanguageModel, DynSpeechSynthesizer, Error, Result, Thumbnail, Timeline,
    UsageSink, Visual,
};
use ytempire_cost::quality::{
    AudioExpectations, AudioMeasurements, GateDecision, GatePolicy, QualityReport, QualityScore,
    SampledFrame, ScoreKind, SubScore, VideoLimits, VideoSample,
};
use ytempire_cost::{CostLedger, Decimal};
use ytempire_llm::{ScriptRequest, ScriptWriter};
use ytempire_render::pipeline::{RenderOptions, render_video};

/// [`ScriptStage`] over `ytempire-llm`'s [`ScriptWriter`] (any language model, validated and
/// repaired output).
#[derive(Debug, Clone)]
pub struct WriterStage {
    writer: ScriptWriter,
}

impl WriterStage {
    /// Write scripts with `model`.
    pub fn new(model: DynLanguageModel) -> Self {
        Self {
            writer: ScriptWriter::new(model),
        }
    }
}

#[async_trait]
impl ScriptStage for WriterStage {
    async fn write(&self, job: &JobSpec) -> Result<ScriptOutput> {
        let req = ScriptRequest::new(
            job.topic.clone(),
            job.channel.clone(),
            Duration::from_secs_f64(job.target_duration_secs),
        );
        let out = self.writer.write(&req).await?;
        let mut metadata = out.metadata;
        metadata.made_for_kids = Some(job.channel.made_for_kids);
        // Synthetic narration and generated visuals: disclose.
        metadata.contains_synthetic_media = Some(true);
        metadata.privacy = job.channel.default_privacy;
        metadata.validate()?;
        Ok(ScriptOutput {
            script: out.script,
            metadata,
        })
    }
}

/// [`RenderStage`] over `ytempire-render`'s compositor, encoder and muxer.
#[derive(Debug, Clone, Default)]
pub struct VideoRenderer {
    /// Render options (compositor, encoder, caption style, loudness).
    pub options: RenderOptions,
}

#[async_trait]
impl RenderStage for VideoRenderer {
    async fn render(&self, timeline: &Timeline, out: &Path) -> Result<RenderSummary> {
        let report = render_video(timeline, &self.options, out).await?;
        Ok(RenderSummary {
            frames: report.frames,
            duration_secs: report.duration.as_secs_f64(),
            backend: report.backend.to_string(),
            encoder: report.encoder,
            loudness_lufs: Some(report.loudness_lufs).filter(|l| l.is_finite()),
        })
    }
}

/// [`ThumbnailStage`]: A/B thumbnail variants from the first visual and the video title.
#[derive(Debug, Clone)]
pub struct ThumbnailMaker {
    /// How many variants.
    pub variants: usize,
}

#[async_trait]
impl ThumbnailStage for ThumbnailMaker {
    async fn thumbnails(
        &self,
        job: &JobSpec,
        script: &ScriptOutput,
        visuals: &[Visual],
    ) -> Result<Vec<Thumbnail>> {
        let background = visuals
            .first()
            .cloned()
            .ok_or_else(|| Error::invalid_request("no visual to make a thumbnail from"))?;
        let title = script.metadata.title.clone();
        let variants = self.variants;
        let seed = ytempire_render::sources::query_seed(&job.id);
        tokio::task::spawn_blocking(move || {
            ytempire_render::thumbnail::thumbnails_from_visual(&background, &title, variants, seed)
        })
        .await
        .map_err(|e| Error::internal(format!("thumbnail task failed: {e}")))?
    }
}

/// [`QualityStage`]: every `ytempire-cost` scorer over the job's artifacts (script, narration
/// audio, rendered video, metadata, thumbnails) combined into a [`QualityReport`], gated by a
/// threshold and the content-policy checklist.
#[derive(Debug, Clone)]
pub struct QualityGate {
    /// Minimum overall score to pass.
    pub threshold: f64,
    /// What happens below the threshold.
    pub policy: GatePolicy,
}

impl Default for QualityGate {
    fn default() -> Self {
        Self {
            threshold: 6.0,
            policy: GatePolicy::Block,
        }
    }
}

/// Render check from the render summary: the video's length against the narration's.
fn duration_check(inputs: &QualityInputs<'_>, audio: f64) -> SubScore {
    let video = inputs.render.duration_secs;
    let gap = (video - audio).abs();
    SubScore::new(
        "audio/video match",
        // The timeline holds the last picture half a second after the narration ends.
        10.0 - (gap - 0.75).max(0.0) * 5.0,
        format!("video {video:.2}s vs narration {audio:.2}s"),
    )
}

/// Render check from the render summary: the frame count against length × frame rate.
fn frame_count_check(inputs: &QualityInputs<'_>) -> SubScore {
    let video = inputs.render.duration_secs;
    let fps = f64::from(inputs.job.video.fps);
    let expected = (video * fps).round();
    let frames_ok = (inputs.render.frames as f64 - expected).abs() <= 1.0;
    SubScore::new(
        "frame count",
        if frames_ok { 10.0 } else { 3.0 },
        format!(
            "{} frames for {video:.2}s at {fps} fps",
            inputs.render.frames
        ),
    )
}

/// Decode one frame every `every_secs` (at most 90 frames, downscaled to 256 px wide: the
/// scorer samples a 256×144 grid) of a rendered MP4 with ytempire-render's clip decoder into a
/// [`VideoSample`] for the video scorer: declared size and rate from the file, and the
/// durations.
///
/// # Errors
/// Whatever the decoder reports for a missing or unreadable file.
pub fn sample_video(
    path: &Path,
    requested: ytempire_core::VideoSpec,
    audio_secs: f64,
    every_secs: f64,
) -> Result<VideoSample> {
    let source = ytempire_render::clip::ClipSource::open(path)?;
    let info = source.info().clone();
    let mut decoder = source.decoder()?;
    // At most MAX_SAMPLES frames, each downscaled to SAMPLE_WIDTH (the scorer reads a
    // 256×144 luma grid), so memory stays flat however long the video is.
    const MAX_SAMPLES: f64 = 90.0;
    const SAMPLE_WIDTH: u32 = 256;
    let step = every_secs.max(0.1).max(info.duration_secs / MAX_SAMPLES);
    let mut frames = Vec::new();
    let mut t = 0.0;
    while t < info.duration_secs {
        let f = decoder.frame_at(t)?;
        let img = f.image;
        let rgb: Vec<u8> = img
            .rgba
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        if let Some(image) = image::RgbImage::from_raw(img.width, img.height, rgb) {
            let h = (u64::from(img.height) * u64::from(SAMPLE_WIDTH) / u64::from(img.width.max(1)))
                .clamp(1, u64::from(u32::MAX)) as u32;
            let small = if img.width > SAMPLE_WIDTH {
                image::imageops::resize(
                    &image,
                    SAMPLE_WIDTH,
                    h,
                    image::imageops::FilterType::Triangle,
                )
            } else {
                image
            };
            frames.push(SampledFrame::new(f.time_secs, small));
        }
        t += step;
    }
    Ok(VideoSample::new(requested)
        .with_declared(info.width, info.height, info.fps)
        .with_frames(frames)
        .with_durations(info.duration_secs, audio_secs)
        .with_limits(VideoLimits::default().with_duration_tolerance(1.0)))
}

/// What the narration is expected to sound like for `inputs`' channel (speaking rate from the
/// channel's words per minute, the word timings, loudness as measured on the final mix by
/// the renderer).
pub fn audio_expectations(inputs: &QualityInputs<'_>) -> AudioExpectations {
    let wpm = f64::from(inputs.job.channel.words_per_minute);
    let mut expect = AudioExpectations::default()
        .with_word_timings(inputs.narration.timings.clone())
        .with_words_per_minute(wpm * 0.8, wpm * 1.2);
    if let Some(lufs) = inputs.render.loudness_lufs {
        expect = expect.with_measured_lufs(lufs);
    }
    expect
}

/// Score a finished job's artifacts with every scorer: script, the narration (`audio`,
/// measured from its WAV with [`measure_wav`](ytempire_cost::quality::measure_wav) against
/// [`audio_expectations`]), the video (sampled frames from [`sample_video`] when given, plus
/// render checks), metadata and the first thumbnail variant (all variants must be under 2 MB).
pub fn score_job(
    inputs: &QualityInputs<'_>,
    audio: &AudioMeasurements,
    video: Option<&VideoSample>,
) -> QualityReport {
    let job = inputs.job;
    let mut report = QualityReport::new().with(
        ScoreKind::Script,
        ytempire_cost::quality::score_script(
            &inputs.script.script,
            job.target_duration_secs,
            job.channel.words_per_minute,
            &job.channel.banned_terms,
        ),
    );
    report.insert(
        ScoreKind::Audio,
        ytempire_cost::quality::score_audio_measurements(audio, &audio_expectations(inputs)),
    );
    let video_score = match video {
        // The sample's own duration check covers the summary's audio/video match.
        Some(sample) => {
            let mut parts = ytempire_cost::quality::score_video(sample).parts;
            parts.push(frame_count_check(inputs));
            QualityScore::from_parts(parts)
        }
        None => QualityScore::from_parts(vec![
            duration_check(inputs, audio.duration_secs),
            frame_count_check(inputs),
        ]),
    };
    report.insert(ScoreKind::Video, video_score);
    report.insert(
        ScoreKind::Metadata,
        ytempire_cost::quality::score_metadata(&inputs.script.metadata),
    );
    let thumbnail = match inputs.thumbnails.first() {
        None => {
            QualityScore::from_parts(vec![SubScore::new("present", 0.0, "no thumbnail was made")])
        }
        Some(t) => match image::load_from_memory(&t.data) {
            Ok(img) => {
                let mut q = ytempire_cost::quality::score_thumbnail(&img.to_rgb8(), t.data.len());
                let oversized = inputs
                    .thumbnails
                    .iter()
                    .filter(|t| t.data.len() >= Thumbnail::MAX_BYTES)
                    .count();
                if oversized > 0 {
                    q = QualityScore::from_parts(
                        q.parts
                            .into_iter()
                            .chain([SubScore::new(
                                "variants",
                                0.0,
                                format!("{oversized} variant(s) at or over 2 MB"),
                            )])
                            .collect(),
                    );
                }
                q
            }
            Err(e) => QualityScore::from_parts(vec![SubScore::new(
                "decodes",
                0.0,
                format!("thumbnail does not decode: {e}"),
            )]),
        },
    };
    report.insert(ScoreKind::Thumbnail, thumbnail);
    report
}

#[async_trait]
impl QualityStage for QualityGate {
    async fn assess(&self, inputs: QualityInputs<'_>) -> Result<QualityVerdict> {
        // The narration streamed from its WAV, then one frame every two seconds: both off the
        // async threads, neither held whole in memory.
        let wav = inputs.narration_audio.to_path_buf();
        let silence = audio_expectations(&inputs).silence_dbfs;
        let audio =
            tokio::task::spawn_blocking(move || ytempire_cost::quality::measure_wav(&wav, silence))
                .await
                .map_err(|e| Error::internal(format!("narration measuring task failed: {e}")))??;
        let (path, spec) = (inputs.video.to_path_buf(), inputs.job.video);
        let audio_secs = audio.duration_secs;
        let sample =
            tokio::task::spawn_blocking(move || sample_video(&path, spec, audio_secs, 2.0))
                .await
                .map_err(|e| Error::internal(format!("video sampling task failed: {e}")))?;
        let report = match sample {
            Ok(sample) => score_job(&inputs, &audio, Some(&sample)),
            Err(e) => {
                let mut report = score_job(&inputs, &audio, None);
                report.insert(
                    ScoreKind::Video,
                    QualityScore::from_parts(vec![SubScore::new(
                        "decodes",
                        0.0,
                        format!("the rendered video does not decode: {e}"),
                    )]),
                );
                report
            }
        };
        let decision = ytempire_cost::quality::gate_report(
            &report,
            self.threshold,
            self.policy,
            &inputs.script.metadata,
            &inputs.job.channel.banned_terms,
        );
        let mut reasons: Vec<String> = report
            .scores()
            .iter()
            .flat_map(|(kind, score)| {
                score.parts.iter().map(move |p| {
                    format!("{}/{} {:.1}: {}", kind.as_str(), p.name, p.score, p.reason)
                })
            })
            .collect();
        let passed = match decision {
            GateDecision::Pass => true,
            GateDecision::Warn(w) => {
                reasons.extend(w);
                true
            }
            GateDecision::Review(r) | GateDecision::Block(r) => {
                reasons.extend(r);
                false
            }
        };
        Ok(QualityVerdict {
            score: report.overall(),
            passed,
            reasons,
        })
    }
}

/// [`CostProbe`] reading a job's spend from the cost ledger.
#[derive(Debug, Clone)]
pub struct LedgerProbe(pub Arc<CostLedger>);

impl CostProbe for LedgerProbe {
    fn job_cost_usd(&self, job: &str) -> Option<f64> {
        let entries = self.0.entries().ok()?;
        let total: Decimal = entries
            .iter()
            .filter(|e| e.job.as_deref() == Some(job))
            .filter_map(|e| e.cost.usd())
            .sum();
        total.to_string().parse().ok()
    }
}

/// The offline providers as `Cache(Metered(provider))`: the offline writer, espeak-ng and
/// procedural visuals, metered into `sink` and cached in `cache` (so a rerun after a crash
/// repeats no call, even inside an interrupted stage).
pub fn offline_providers(
    sink: Arc<dyn UsageSink>,
    cache: Arc<dyn CacheStore>,
) -> (DynLanguageModel, DynSpeechSynthesizer, DynImageSource) {
    let llm = ytempire_llm::OfflineWriter::new()
        .metered(sink.clone(), Labels::default())
        .with_cache(cache.clone())
        .into_dyn();
    let tts = ytempire_tts::EspeakNg::new()
        .metered(sink.clone(), Labels::default())
        .with_cache(cache.clone())
        .into_dyn();
    let images = ytempire_render::sources::Procedural::new()
        .metered(sink, Labels::default())
        .with_cache(cache)
        .into_dyn();
    (llm, tts, images)
}

/// A complete pipeline over the given providers, storing jobs under `root`.
pub fn pipeline(
    root: &Path,
    llm: DynLanguageModel,
    tts: DynSpeechSynthesizer,
    images: DynImageSource,
    ledger: Arc<CostLedger>,
    render: RenderOptions,
    limits: ResourceLimits,
) -> Result<Pipeline> {
    Pipeline::builder(root)
        .script(WriterStage::new(llm))
        .narration(SpeechNarrator::new(tts))
        .visuals(SourceVisuals::new(images))
        .render(VideoRenderer { options: render })
        .thumbnails(ThumbnailMaker { variants: 3 })
        .quality(QualityGate::default())
        .cost_probe(Arc::new(LedgerProbe(ledger)))
        .limits(limits)
        .build()
}

/// Open (or create) a cost ledger with the embedded price catalog.
pub fn open_ledger(path: &Path) -> Result<Arc<CostLedger>> {
    let catalog = ytempire_cost::Catalog::embedded()?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
    }
    Ok(Arc::new(CostLedger::open(path, catalog)?))
}
