//! The default stages over core's fakes: who answered is recorded after a fallback, and a
//! pipeline run reports progress that moves, per part, for narration and visuals.

use std::sync::{Arc, Mutex};

use super::*;
use crate::layers::Fallback;
use crate::pipeline::{CancellationToken, Pipeline, PipelineEvent, with_progress};
use crate::testing::{FakeImage, FakeRender, FakeScript, FakeTts};
use crate::{ImageSource, Provenance, SpeechSynthesizer, VideoSpec};

fn script() -> Script {
    FakeScript::script_for("Tides")
}

fn job() -> JobSpec {
    JobSpec::new("job-1", Topic::new("Tides")).with_video(VideoSpec::new(64, 36, 10))
}

/// Progress fractions reported while `fut` runs.
async fn progress_of<F: std::future::Future>(fut: F) -> (F::Output, Vec<f64>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let out = with_progress(Arc::new(move |f| sink.lock().unwrap().push(f)), fut).await;
    let seen = seen.lock().unwrap().clone();
    (out, seen)
}

fn rising_to_one(fractions: &[f64], parts: usize) {
    assert_eq!(fractions.len(), parts, "{fractions:?}");
    assert!(fractions.windows(2).all(|w| w[0] < w[1]), "{fractions:?}");
    assert_eq!(fractions.last().copied(), Some(1.0));
}

#[tokio::test]
async fn narration_names_the_voice_that_spoke_after_a_fallback() {
    let dead = Arc::new(FakeTts::new().named("elevenlabs", "eleven_v2"));
    for _ in 0..4 {
        dead.fail_next(ErrorKind::QuotaExhausted);
    }
    let alive = Arc::new(FakeTts::new().named("espeak-ng", "en-us"));
    let chain: Arc<dyn SpeechSynthesizer> =
        Arc::new(Fallback::<dyn SpeechSynthesizer>::new(vec![dead, alive]));
    assert_eq!(chain.info().label(), "elevenlabs/eleven_v2");
    let narrator = SpeechNarrator::new(chain);
    let (narration, fractions) = progress_of(narrator.narrate(&job(), &script())).await;
    let narration = narration.unwrap();
    let speakers: Vec<&str> = narration.speakers().collect();
    assert!(!speakers.is_empty());
    assert!(
        speakers.iter().all(|s| s.starts_with("espeak-ng/en-us")),
        "{speakers:?}"
    );
    rising_to_one(&fractions, 4);
}

/// When the first voice recovers after one part, both speakers are named, in order, and a
/// voice id holding a `+` (espeak-ng variants) survives.
#[tokio::test]
async fn narration_names_every_voice_that_spoke() {
    let flaky = Arc::new(FakeTts::new().named("elevenlabs", "eleven_v2"));
    flaky.fail_next(ErrorKind::Upstream);
    let backup = Arc::new(FakeTts::new().named("espeak-ng", "en-us+f3"));
    let chain: Arc<dyn SpeechSynthesizer> =
        Arc::new(Fallback::<dyn SpeechSynthesizer>::new(vec![flaky, backup]));
    let narration = SpeechNarrator::new(chain)
        .narrate(&job(), &script())
        .await
        .unwrap();
    let speakers: Vec<&str> = narration.speakers().collect();
    assert_eq!(
        speakers,
        [
            "espeak-ng/en-us+f3:fake-voice",
            "elevenlabs/eleven_v2:fake-voice"
        ]
    );
}

#[tokio::test]
async fn each_visual_names_the_source_that_answered() {
    let dead = Arc::new(FakeImage::new().named("pexels", "search"));
    for _ in 0..4 {
        dead.fail_next(ErrorKind::Upstream);
    }
    let alive = Arc::new(FakeImage::new().named("procedural", "v1"));
    let chain: Arc<dyn ImageSource> = Arc::new(Fallback::<dyn ImageSource>::new(vec![dead, alive]));
    let (visuals, fractions) =
        progress_of(SourceVisuals::new(chain).visuals(&job(), &script())).await;
    let visuals = visuals.unwrap();
    assert_eq!(visuals.len(), 4);
    let by = Some(Provenance::new("procedural", "v1"));
    assert!(visuals.iter().all(|v| v.answered_by == by), "{visuals:?}");
    rising_to_one(&fractions, 4);

    // A bare source (no fallback) is named by its own info().
    let bare: Arc<dyn ImageSource> = Arc::new(FakeImage::new().named("local", "folder"));
    let visuals = SourceVisuals::new(bare)
        .visuals(&job(), &script())
        .await
        .unwrap();
    let by = Some(Provenance::new("local", "folder"));
    assert!(visuals.iter().all(|v| v.answered_by == by));
}

/// A pipeline run emits progress events for narration and visuals: one per part, rising to 1.
#[tokio::test]
async fn a_pipeline_run_reports_progress_per_part() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = Pipeline::builder(dir.path())
        .script(FakeScript::new())
        .narration(SpeechNarrator::new(Arc::new(FakeTts::new())))
        .visuals(SourceVisuals::new(Arc::new(FakeImage::new())))
        .render(FakeRender::new())
        .build()
        .unwrap();
    let mut events = pipeline.subscribe();
    pipeline
        .run(&job(), &CancellationToken::new())
        .await
        .unwrap();
    let mut per_stage: std::collections::BTreeMap<StageName, Vec<f64>> = Default::default();
    while let Ok(e) = events.try_recv() {
        if let PipelineEvent::StageProgress {
            stage, fraction, ..
        } = e
        {
            per_stage.entry(stage).or_default().push(fraction);
        }
    }
    rising_to_one(&per_stage[&StageName::Narration], 4);
    rising_to_one(&per_stage[&StageName::Visuals], 4);
}
