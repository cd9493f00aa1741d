//! Pipeline tests with counting stages: resume after a failure, cancellation, events.

use async_trait::async_trait;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::testing::FakeScript;
use crate::{
    AudioTrack, Capabilities, Error, ErrorKind, ImageRequest, ImageResponse, ImageSource,
    ProviderInfo, Result, Script, Speech, SpeechRequest, SpeechSynthesizer, Timeline, TimingSource,
    Topic, Usage, VideoSpec, Visual, WordTiming,
};

#[derive(Debug, Default)]
struct Tone(AtomicUsize);

impl std::fmt::Display for Tone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("tone")
    }
}

#[async_trait]
impl SpeechSynthesizer for Tone {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new("test", "tone", Capabilities::new().with_word_timings(true))
    }
    async fn synthesize(&self, request: &SpeechRequest) -> Result<Speech> {
        self.0.fetch_add(1, Ordering::SeqCst);
        let words: Vec<&str> = request.text.split_whitespace().collect();
        let rate = request.sample_rate.unwrap_or(8000);
        let samples = vec![1000i16; (rate as usize / 4) * words.len()];
        let timings = words
            .iter()
            .enumerate()
            .map(|(i, w)| WordTiming::new(*w, i as f64 * 0.25, (i + 1) as f64 * 0.25))
            .collect();
        Ok(Speech::new(
            AudioTrack::new(rate, 1, samples)?,
            timings,
            TimingSource::Provider,
            "tone",
            Usage::characters(request.text.chars().count() as u64, 0.0),
        ))
    }
}

#[derive(Debug, Default)]
struct Pictures(AtomicUsize);

impl std::fmt::Display for Pictures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("pictures")
    }
}

#[async_trait]
impl ImageSource for Pictures {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new("test", "pictures", Capabilities::new())
    }
    async fn fetch(&self, request: &ImageRequest) -> Result<ImageResponse> {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        let id = format!("pic-{n}");
        assert!(!request.exclude.contains(&id));
        // Like a procedural picture: its query is its headline.
        let v = Visual::image_bytes(id, 4, 4, "image/png", vec![n as u8; 16])
            .with_origin("procedural", request.query.to_uppercase())
            .with_headline(request.query.to_uppercase());
        Ok(ImageResponse::new(vec![v], Usage::images(1)))
    }
}

#[derive(Debug, Default)]
struct FlakyRender {
    calls: AtomicUsize,
    fail_first: usize,
}

#[async_trait]
impl RenderStage for FlakyRender {
    async fn render(&self, timeline: &Timeline, out: &Path) -> Result<RenderSummary> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n < self.fail_first {
            return Err(Error::new(ErrorKind::Render, "simulated crash"));
        }
        report_progress(0.5);
        std::fs::write(
            out,
            format!("video of {} segments", timeline.segments.len()),
        )
        .unwrap();
        Ok(RenderSummary {
            frames: 10,
            duration_secs: timeline.duration_secs(),
            backend: "cpu".into(),
            encoder: "test".into(),
            loudness_lufs: None,
        })
    }
}

struct Fixture {
    script: Arc<FakeScript>,
    tts: Arc<Tone>,
    images: Arc<Pictures>,
    render: Arc<FlakyRender>,
}

fn pipeline(root: &Path, fail_first: usize) -> (Pipeline, Fixture) {
    let fx = Fixture {
        script: Arc::new(FakeScript::new()),
        tts: Arc::new(Tone::default()),
        images: Arc::new(Pictures::default()),
        render: Arc::new(FlakyRender {
            calls: AtomicUsize::new(0),
            fail_first,
        }),
    };
    let p = Pipeline::builder(root)
        .script(fx.script.clone())
        .narration(SpeechNarrator::new(fx.tts.clone()))
        .visuals(SourceVisuals::new(fx.images.clone()))
        .render(fx.render.clone())
        .build()
        .unwrap();
    (p, fx)
}

fn job() -> JobSpec {
    JobSpec::new("job-1", Topic::new("Tides")).with_video(VideoSpec::new(64, 36, 10))
}

#[tokio::test]
async fn resumes_after_a_failed_stage_without_repeating_paid_work() {
    let dir = tempfile::tempdir().unwrap();
    let (p, fx) = pipeline(dir.path(), 1);
    let err = p.run(&job(), &CancellationToken::new()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Render);
    let manifest = ArtifactStore::new(dir.path(), "job-1")
        .load_manifest()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(manifest.last_finished(), Some(StageName::Timeline));
    assert_eq!(manifest.stage(StageName::Render).state, StageState::Failed);
    let tts_calls = fx.tts.0.load(Ordering::SeqCst);
    assert_eq!(tts_calls, 4, "hook, two scenes, outro");

    // A new pipeline instance (as after a process restart) over the same directory.
    let (p2, fx2) = pipeline(dir.path(), 0);
    let out = p2.run(&job(), &CancellationToken::new()).await.unwrap();
    assert_eq!(fx2.script.calls(), 0);
    assert_eq!(fx2.tts.0.load(Ordering::SeqCst), 0);
    assert_eq!(fx2.images.0.load(Ordering::SeqCst), 0);
    assert_eq!(fx2.render.calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        out.resumed,
        vec![
            StageName::Script,
            StageName::Narration,
            StageName::Visuals,
            StageName::Timeline
        ]
    );
    let video = std::fs::read_to_string(&out.video).unwrap();
    assert_eq!(video, "video of 4 segments");
    assert!(job_finished(&out.dir));

    // A third run restores everything and calls nothing.
    let (p3, fx3) = pipeline(dir.path(), 0);
    let again = p3.run(&job(), &CancellationToken::new()).await.unwrap();
    assert_eq!(fx3.render.calls.load(Ordering::SeqCst), 0);
    assert_eq!(again.video, out.video);
}

#[tokio::test]
async fn timeline_aligns_visuals_with_narration_parts() {
    let dir = tempfile::tempdir().unwrap();
    let (p, _fx) = pipeline(dir.path(), 0);
    p.run(&job(), &CancellationToken::new()).await.unwrap();
    let store = ArtifactStore::new(dir.path(), "job-1");
    let m = store.load_manifest().await.unwrap().unwrap();
    let t: Timeline = store
        .read_json(&m.stage(StageName::Timeline).outputs["timeline"])
        .await
        .unwrap();
    assert_eq!(t.segments.len(), 4);
    assert_eq!(t.segments[0].start_secs, 0.0);
    for pair in t.segments.windows(2) {
        assert!(pair[1].start_secs < pair[0].end_secs, "crossfades overlap");
    }
    assert_eq!(t.segments[1].on_screen_text.as_deref(), Some("One"));
    // The hook's title card is not drawn over a picture that already shows the title.
    assert_eq!(t.segments[0].visual.query, job().topic.title.to_uppercase());
    assert_eq!(t.segments[0].on_screen_text, None);
    // Captions cover every spoken word and are offset onto the whole track.
    assert_eq!(t.captions.len(), 4 + 3 + 3 + 2);
    assert!(
        t.captions
            .windows(2)
            .all(|w| w[0].start_secs <= w[1].start_secs)
    );
    assert!(t.narration.as_ref().unwrap().exists());
    // Visual bytes were moved into the store as files.
    assert!(t.segments.iter().all(
        |s| matches!(&s.visual.content, crate::VisualContent::File { path } if path.exists())
    ));
}

#[tokio::test]
async fn cancellation_stops_the_job() {
    #[derive(Debug)]
    struct Forever;
    #[async_trait]
    impl RenderStage for Forever {
        async fn render(&self, _: &Timeline, _: &Path) -> Result<RenderSummary> {
            futures::future::pending().await
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let p = Pipeline::builder(dir.path())
        .script(Arc::new(FakeScript::new()))
        .narration(SpeechNarrator::new(Arc::new(Tone::default())))
        .visuals(SourceVisuals::new(Arc::new(Pictures::default())))
        .render(Forever)
        .build()
        .unwrap();
    let cancel = CancellationToken::new();
    let mut events = p.subscribe();
    let c = cancel.clone();
    tokio::spawn(async move {
        while let Ok(e) = events.recv().await {
            if matches!(
                e,
                PipelineEvent::StageStarted {
                    stage: StageName::Render,
                    ..
                }
            ) {
                c.cancel();
            }
        }
    });
    let err = p.run(&job(), &cancel).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
}

#[tokio::test]
async fn events_follow_the_stages() {
    let dir = tempfile::tempdir().unwrap();
    let (p, _fx) = pipeline(dir.path(), 0);
    let mut rx = p.subscribe();
    p.run(&job(), &CancellationToken::new()).await.unwrap();
    let mut seen = Vec::new();
    while let Ok(e) = rx.try_recv() {
        seen.push(e);
    }
    let started: Vec<StageName> = seen
        .iter()
        .filter_map(|e| match e {
            PipelineEvent::StageStarted { stage, .. } => Some(*stage),
            _ => None,
        })
        .collect();
    assert_eq!(
        started,
        vec![
            StageName::Script,
            StageName::Narration,
            StageName::Visuals,
            StageName::Timeline,
            StageName::Render
        ]
    );
    assert!(seen.iter().any(|e| matches!(e, PipelineEvent::StageProgress { stage: StageName::Render, fraction, .. } if *fraction == 0.5)));
    assert!(matches!(seen.last(), Some(PipelineEvent::Finished { .. })));
}

#[tokio::test]
async fn bad_jobs_and_missing_stages_are_typed_errors() {
    let err = Pipeline::builder("/tmp").build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("script"));
    let dir = tempfile::tempdir().unwrap();
    let (p, _fx) = pipeline(dir.path(), 0);
    let escaping = JobSpec::new("../escape", Topic::new("x"));
    let odd_width = job().with_video(VideoSpec::new(63, 36, 10));
    for bad in [escaping, odd_width] {
        let err = p.run(&bad, &CancellationToken::new()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{}", bad.id);
    }
}

/// Records how many narration samples the quality stage can read from the stored WAV.
#[derive(Debug, Default)]
struct SeesNarration(AtomicUsize);

#[async_trait]
impl QualityStage for Arc<SeesNarration> {
    async fn assess(&self, inputs: QualityInputs<'_>) -> Result<QualityVerdict> {
        assert!(
            inputs.narration.audio.samples.is_empty(),
            "the samples stay on disk"
        );
        let audio = AudioTrack::read_wav(inputs.narration_audio)?;
        assert_eq!(audio.sample_rate, inputs.narration.audio.sample_rate);
        self.0.store(audio.samples.len(), Ordering::SeqCst);
        Ok(QualityVerdict {
            score: 9.0,
            passed: true,
            reasons: Vec::new(),
        })
    }
}

#[tokio::test]
async fn quality_reads_the_whole_narration_from_the_store() {
    for fail_first in [0, 1] {
        let dir = tempfile::tempdir().unwrap();
        let build = |fail| {
            let fx_render = Arc::new(FlakyRender {
                calls: AtomicUsize::new(0),
                fail_first: fail,
            });
            let seen = Arc::new(SeesNarration::default());
            let p = Pipeline::builder(dir.path())
                .script(Arc::new(FakeScript::new()))
                .narration(SpeechNarrator::new(Arc::new(Tone::default())))
                .visuals(SourceVisuals::new(Arc::new(Pictures::default())))
                .render(fx_render)
                .quality(seen.clone())
                .build()
                .unwrap();
            (p, seen)
        };
        let (p, seen) = build(fail_first);
        let first = p.run(&job(), &CancellationToken::new()).await;
        let seen = if fail_first > 0 {
            // Crashed at render; a new process resumes from the stored narration.
            assert!(first.is_err());
            let (p2, seen2) = build(0);
            p2.run(&job(), &CancellationToken::new()).await.unwrap();
            seen2
        } else {
            first.unwrap();
            seen
        };
        let store = ArtifactStore::new(dir.path(), "job-1");
        let manifest = store.load_manifest().await.unwrap().unwrap();
        let audio = &manifest.stage(StageName::Narration).outputs["audio"];
        let stored = AudioTrack::from_wav_bytes(&store.read(audio).await.unwrap()).unwrap();
        assert!(stored.samples.len() > 1000);
        assert_eq!(
            seen.0.load(Ordering::SeqCst),
            stored.samples.len(),
            "fail_first {fail_first}"
        );
    }
}

/// Checks each visual reaches the sink before the next one is fetched.
struct Interleaved {
    source: Arc<Pictures>,
    kept: usize,
}

#[async_trait]
impl VisualSink for Interleaved {
    async fn keep(&mut self, visual: Visual) -> Result<Visual> {
        self.kept += 1;
        assert_eq!(
            self.source.0.load(Ordering::SeqCst),
            self.kept,
            "visual {} arrived after a later fetch",
            visual.id
        );
        Ok(Visual::image_file(visual.id, 4, 4, "/nowhere.png".into()))
    }
}

#[tokio::test]
async fn source_visuals_hand_each_visual_over_before_fetching_the_next() {
    let source = Arc::new(Pictures::default());
    let stage = SourceVisuals::new(source.clone());
    let script = Arc::new(FakeScript::new())
        .write(&job())
        .await
        .unwrap()
        .script;
    let mut sink = Interleaved {
        source: source.clone(),
        kept: 0,
    };
    let kept = stage
        .visuals_into(&job(), &script, &mut sink)
        .await
        .unwrap();
    assert_eq!(kept.len(), 4, "hook, two scenes, outro");
    assert_eq!(sink.kept, 4);
    // What the sink returned is what the stage gives back.
    assert!(
        kept.iter()
            .all(|v| matches!(&v.content, crate::VisualContent::File { .. }))
    );
    // The plain form keeps the bytes.
    let plain = SourceVisuals::new(Arc::new(Pictures::default()))
        .visuals(&job(), &script)
        .await
        .unwrap();
    assert!(
        plain
            .iter()
            .all(|v| matches!(&v.content, crate::VisualContent::Bytes { .. }))
    );
}

/// Narration and visuals wait for each other at a barrier: the job finishes only when both
/// run at the same time. Visuals fail the first time; the rerun restores the narration.
#[tokio::test]
async fn narration_and_visuals_run_together_and_resume_apart() {
    #[derive(Debug)]
    struct Meet<S> {
        inner: S,
        barrier: Arc<tokio::sync::Barrier>,
        fail: bool,
    }
    #[async_trait]
    impl NarrationStage for Meet<SpeechNarrator> {
        async fn narrate(&self, job: &JobSpec, script: &Script) -> Result<Narration> {
            self.barrier.wait().await;
            self.inner.narrate(job, script).await
        }
    }
    #[async_trait]
    impl VisualsStage for Meet<SourceVisuals> {
        async fn visuals(&self, job: &JobSpec, script: &Script) -> Result<Vec<Visual>> {
            self.barrier.wait().await;
            if self.fail {
                return Err(Error::new(ErrorKind::Upstream, "stock site down"));
            }
            self.inner.visuals(job, script).await
        }
    }
    fn build(root: &Path, fail: bool, meet: usize) -> (Pipeline, Arc<Tone>, Arc<Pictures>) {
        let barrier = Arc::new(tokio::sync::Barrier::new(meet));
        let (tts, images) = (Arc::new(Tone::default()), Arc::new(Pictures::default()));
        let p = Pipeline::builder(root)
            .script(Arc::new(FakeScript::new()))
            .narration(Meet {
                inner: SpeechNarrator::new(tts.clone()),
                barrier: barrier.clone(),
                fail: false,
            })
            .visuals(Meet {
                inner: SourceVisuals::new(images.clone()),
                barrier,
                fail,
            })
            .render(Arc::new(FlakyRender::default()))
            .build()
            .unwrap();
        (p, tts, images)
    }
    // A hang guard, not a timing assertion: run one after the other, the first stage would
    // wait at the barrier for ever.
    let guard = std::time::Duration::from_secs(60);
    let dir = tempfile::tempdir().unwrap();
    let (p, tts, _) = build(dir.path(), true, 2);
    let err = tokio::time::timeout(guard, p.run(&job(), &CancellationToken::new()))
        .await
        .expect("narration and visuals ran one after the other")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Upstream);
    assert_eq!(tts.0.load(Ordering::SeqCst), 4, "the narration finished");
    let manifest = ArtifactStore::new(dir.path(), "job-1")
        .load_manifest()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        manifest.stage(StageName::Narration).state,
        StageState::Finished
    );
    assert_eq!(manifest.stage(StageName::Visuals).state, StageState::Failed);

    // The rerun restores the narration and runs the visuals alone (nothing to meet).
    let (p2, tts2, images2) = build(dir.path(), false, 1);
    let out = tokio::time::timeout(guard, p2.run(&job(), &CancellationToken::new()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tts2.0.load(Ordering::SeqCst), 0, "narration restored");
    assert!(images2.0.load(Ordering::SeqCst) > 0, "visuals ran again");
    assert_eq!(out.resumed, vec![StageName::Script, StageName::Narration]);
}
