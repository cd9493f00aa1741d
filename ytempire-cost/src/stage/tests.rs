//! The quality stage, the cost probe and the default chain, run end to end on core's fakes,
//! the offline writer and a small CPU render.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ytempire_core::layers::{Fallback, LanguageModelLayers};
use ytempire_core::metering::{CapabilityKind, Labels, Outcome, UsageRecord, UsageSink};
use ytempire_core::pipeline::{
    CancellationToken, JobSpec, Narration, PipelineEvent, QualityInputs, QualityStage,
    RenderSummary, ScriptOutput, StageName, with_progress,
};
use ytempire_core::testing::{FakeImage, FakeLlm, FakeTts};
use ytempire_core::{
    AudioTrack, Capabilities, ErrorKind, InputUnit, LanguageModel, Script, Topic, Usage,
    VideoMetadata, VideoSpec,
};
use ytempire_render::encode::EncoderChoice;
use ytempire_render::video::{CompositorChoice, RenderOptions};

use super::*;
use crate::{BudgetConfig, Catalog};

fn ledger(budgets: BudgetConfig) -> Arc<CostLedger> {
    let catalog = Catalog::embedded().unwrap();
    Arc::new(
        CostLedger::in_memory(catalog)
            .unwrap()
            .with_budgets(budgets),
    )
}

fn cpu() -> RenderOptions {
    RenderOptions {
        compositor: CompositorChoice::Cpu,
        encoder: EncoderChoice::OpenH264,
        ..RenderOptions::default()
    }
}

fn job() -> JobSpec {
    JobSpec::new("tides-1", Topic::new("Why the tides turn"))
        .with_video(VideoSpec::new(160, 90, 10))
        .with_duration(10.0)
}

fn rising_to_one(stage: StageName, fractions: Option<&Vec<f64>>) {
    let fractions = fractions.unwrap_or_else(|| panic!("no progress from {stage}"));
    assert!(!fractions.is_empty(), "{stage}");
    assert!(
        fractions.windows(2).all(|w| w[0] <= w[1]),
        "{stage}: {fractions:?}"
    );
    assert_eq!(
        fractions.last().copied(),
        Some(1.0),
        "{stage}: {fractions:?}"
    );
}

/// The whole default chain offline: a dead first model, the offline writer behind it, fake
/// speech and pictures, a real CPU render and the quality gate. Every long stage reports
/// progress that rises to 1, and the script names the writer that actually answered.
#[tokio::test]
async fn default_chain_runs_with_progress_and_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger(BudgetConfig::default());
    let dead = Arc::new(FakeLlm::new().named("openai", "gpt-4o"));
    for _ in 0..3 {
        dead.fail_next(ErrorKind::Transport);
    }
    let llm = Arc::new(Fallback::<dyn LanguageModel>::new(vec![
        dead.clone(),
        Arc::new(ytempire_llm::OfflineWriter::new()),
    ]))
    .metered(ledger.clone(), Labels::default())
    .into_dyn();
    let pipeline = DefaultChain::new(
        dir.path(),
        llm,
        Arc::new(FakeTts::new()),
        Arc::new(FakeImage::new()),
        ledger,
    )
    .render_options(cpu())
    .thumbnails(2)
    .build()
    .unwrap();
    let mut events = pipeline.subscribe();
    let outcome = pipeline
        .run(&job(), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(dead.calls(), 1);
    let by = outcome.script.script.written_by.clone().unwrap_or_default();
    assert!(by.starts_with("offline/"), "{by}");
    assert_eq!(outcome.thumbnails.len(), 2);
    let verdict = outcome.quality.unwrap();
    assert!((0.0..=10.0).contains(&verdict.score));
    assert!(
        verdict.reasons.iter().any(|r| r.starts_with("video/")),
        "{:?}",
        verdict.reasons
    );

    let mut progress: BTreeMap<StageName, Vec<f64>> = BTreeMap::new();
    let mut cost_events = 0;
    while let Ok(e) = events.try_recv() {
        match e {
            PipelineEvent::StageProgress {
                stage, fraction, ..
            } => progress.entry(stage).or_default().push(fraction),
            PipelineEvent::Cost { .. } => cost_events += 1,
            _ => {}
        }
    }
    for stage in [
        StageName::Script,
        StageName::Narration,
        StageName::Visuals,
        StageName::Render,
        StageName::Thumbnail,
        StageName::Quality,
    ] {
        rising_to_one(stage, progress.get(&stage));
    }
    // One event per frame up to 100 frames, then one per 1 % of them.
    let (events, frames) = (
        progress[&StageName::Render].len() as u64,
        outcome.render.frames,
    );
    assert!(frames > 20, "{frames} frames");
    assert!(
        events == frames.min(100),
        "{events} render progress events for {frames} frames"
    );
    assert!(cost_events > 0, "the ledger probe reports after each stage");
}

/// A paid model is budgeted: with no money left for the job, the call is refused before
/// the model is called.
#[tokio::test]
async fn paid_providers_are_budgeted() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger(BudgetConfig::default().with_per_job(Some(Decimal::ZERO)));
    let paid = Arc::new(
        FakeLlm::new().named("openai", "gpt-4o").with_capabilities(
            Capabilities::new()
                .with_max_input(100_000, InputUnit::Tokens)
                .with_json_mode(true)
                .with_paid(true),
        ),
    );
    let pipeline = DefaultChain::new(
        dir.path(),
        paid.clone(),
        Arc::new(FakeTts::new()),
        Arc::new(FakeImage::new()),
        ledger,
    )
    .render_options(cpu())
    .build()
    .unwrap();
    let err = pipeline
        .run(&job(), &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BudgetExceeded, "{err}");
    assert_eq!(paid.calls(), 0);
}

#[test]
fn ledger_probe_sums_one_jobs_priced_spend() {
    let ledger = ledger(BudgetConfig::default());
    let record = |job: &str| {
        UsageRecord::new(
            Labels::new(job, "script"),
            CapabilityKind::Llm,
            "openai",
            "gpt-4o",
            Usage::tokens(1_000_000, 0),
            Outcome::Success,
            1,
            chrono::Utc::now(),
            Duration::from_millis(5),
        )
    };
    ledger.record(record("a"));
    ledger.record(record("a"));
    ledger.record(record("b"));
    let probe = LedgerProbe(ledger);
    assert_eq!(probe.job_cost_usd("a"), Some(5.0));
    assert_eq!(probe.job_cost_usd("b"), Some(2.5));
    assert_eq!(probe.job_cost_usd("none"), Some(0.0));
}

fn tone_wav(path: &Path, secs: f64) {
    let samples = (0..(secs * 16_000.0) as usize)
        .map(|i| ((i as f64 / 16_000.0 * 220.0 * std::f64::consts::TAU).sin() * 8000.0) as i16)
        .collect();
    let wav = AudioTrack::new(16_000, 1, samples)
        .unwrap()
        .to_wav_bytes()
        .unwrap();
    std::fs::write(path, wav).unwrap();
}

/// A video that does not decode scores 0 for decoding and fails the gate; progress is
/// reported per step up to 1.
#[tokio::test]
async fn an_undecodable_video_fails_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("narration.wav");
    tone_wav(&wav, 3.0);
    let video = dir.path().join("video.mp4");
    std::fs::write(&video, b"not an mp4").unwrap();
    let job = job();
    let script = ScriptOutput {
        script: Script::new("Tides").with_hook("The tide turns twice a day."),
        metadata: VideoMetadata::new("Why the tides turn"),
    };
    let narration = Narration {
        audio: AudioTrack::new(16_000, 1, Vec::new()).unwrap(),
        timings: Vec::new(),
        parts: vec![(0.0, 3.0)],
        voice: "fake/tts".into(),
    };
    let render = RenderSummary {
        frames: 30,
        duration_secs: 3.0,
        backend: "cpu".into(),
        encoder: "test".into(),
        loudness_lufs: None,
    };
    let inputs = QualityInputs {
        job: &job,
        script: &script,
        narration: &narration,
        narration_audio: &wav,
        video: &video,
        render: &render,
        thumbnails: &[],
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let verdict = with_progress(
        Arc::new(move |f| sink.lock().unwrap().push(f)),
        QualityGate::default().assess(inputs),
    )
    .await
    .unwrap();
    assert!(!verdict.passed);
    assert!(
        verdict
            .reasons
            .iter()
            .any(|r| r.starts_with("video/decodes 0.0")),
        "{:?}",
        verdict.reasons
    );
    rising_to_one(StageName::Quality, Some(&seen.lock().unwrap().clone()));
}

/// When a budget makes `Budgeted` degrade to its cheaper model, the answer names that model.
#[tokio::test]
async fn a_degraded_answer_names_the_cheaper_model() {
    let ledger = ledger(BudgetConfig::default().with_provider_day("openai", Decimal::ZERO));
    let paid: ytempire_core::DynLanguageModel = Arc::new(
        FakeLlm::new()
            .named("openai", "gpt-4o")
            .with_capabilities(Capabilities::new().with_paid(true)),
    );
    let cheap: ytempire_core::DynLanguageModel = Arc::new(FakeLlm::new().named("local", "llama3"));
    let guarded = crate::Budgeted::new(paid, ledger).degrade_to(cheap);
    let req = ytempire_core::ChatRequest::new(vec![ytempire_core::Message::user("hi")]);
    let answer = guarded.complete(&req).await.unwrap();
    assert_eq!(answer.provenance(&guarded.info()).label(), "local/llama3");
}
