//! Fakes of the pipeline's own stages: [`FakeScript`] writes a short script without a model,
//! [`FakeRender`] writes a small file where the video would be. Pair them with
//! [`FakeTts`](super::FakeTts) and [`FakeImage`](super::FakeImage) behind the default
//! narration and visuals stages to run whole jobs offline in tests.
//!
//! ```
//! use std::sync::Arc;
//! use ytempire_core::pipeline::{
//!     CancellationToken, JobSpec, Pipeline, SourceVisuals, SpeechNarrator,
//! };
//! use ytempire_core::testing::{FakeImage, FakeRender, FakeScript, FakeTts};
//! use ytempire_core::{Topic, VideoSpec};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ytempire_core::Result<()> {
//! let dir = std::env::temp_dir().join(format!("fake-stages-{}", std::process::id()));
//! let render = Arc::new(FakeRender::new());
//! let pipeline = Pipeline::builder(&dir)
//!     .script(FakeScript::new())
//!     .narration(SpeechNarrator::new(Arc::new(FakeTts::new())))
//!     .visuals(SourceVisuals::new(Arc::new(FakeImage::new())))
//!     .render(render.clone())
//!     .build()?;
//! let job = JobSpec::new("demo", Topic::new("Tides")).with_video(VideoSpec::new(64, 36, 10));
//! pipeline.run(&job, &CancellationToken::new()).await?;
//! assert_eq!(render.calls(), 1);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(())
//! # }
//! ```

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;

use super::scripted_error;
use crate::pipeline::{JobSpec, RenderStage, RenderSummary, ScriptOutput, ScriptStage};
use crate::{Error, ErrorKind, Result, Scene, Script, Timeline, VideoMetadata};

/// A script stage that writes the same short script for every job, titled after its topic:
/// a hook, two scenes of 3 s (the first with on-screen text) and an outro. Counts its calls; scripted failures come first,
/// and a topic marked with [`failing_topic`](Self::failing_topic) always fails.
#[derive(Debug, Default)]
pub struct FakeScript {
    script: super::Script,
    failing_topic: Option<String>,
}

impl FakeScript {
    /// The fake, answering every job.
    pub fn new() -> Self {
        Self::default()
    }

    /// Jobs whose topic title is `title` fail with `Upstream` every time (a job that keeps
    /// failing, for retry tests).
    #[must_use]
    pub fn failing_topic(mut self, title: impl Into<String>) -> Self {
        self.failing_topic = Some(title.into());
        self
    }

    /// Fail the next call with a scripted error of `kind` (queued).
    pub fn fail_next(&self, kind: ErrorKind) -> &Self {
        self.script.push(scripted_error(kind, "fake/script"));
        self
    }

    /// How many times [`ScriptStage::write`] was called (including failed calls).
    pub fn calls(&self) -> usize {
        self.script.calls()
    }

    /// The script it writes for `title`.
    pub fn script_for(title: &str) -> Script {
        Script::new(title)
            .with_hook("Here is a hook.")
            .with_scene(
                Scene::new("First scene words.", "ocean waves", 3.0).with_on_screen_text("One"),
            )
            .with_scene(Scene::new("Second scene words.", "coral reef", 3.0))
            .with_outro("Goodbye now.")
    }
}

#[async_trait]
impl ScriptStage for FakeScript {
    async fn write(&self, job: &JobSpec) -> Result<ScriptOutput> {
        self.script.count();
        if let Some(err) = self.script.next_error() {
            return Err(err);
        }
        let title = &job.topic.title;
        if self.failing_topic.as_ref() == Some(title) {
            return Err(Error::new(ErrorKind::Upstream, "vendor down"));
        }
        Ok(ScriptOutput {
            script: Self::script_for(title),
            metadata: VideoMetadata::new(title.clone())
                .with_made_for_kids(false)
                .with_synthetic_media(true),
        })
    }
}

/// A render stage that writes a few bytes where the MP4 would be, after an optional delay.
/// Counts its calls and the most renders that ran at once; scripted failures come first.
#[derive(Debug, Default)]
pub struct FakeRender {
    script: super::Script,
    running: AtomicUsize,
    most_at_once: AtomicUsize,
    delay: Duration,
}

impl FakeRender {
    /// The fake, answering at once.
    pub fn new() -> Self {
        Self::default()
    }

    /// Take this long per render (while counted as running).
    #[must_use]
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Fail the next render with a scripted error of `kind` (queued).
    pub fn fail_next(&self, kind: ErrorKind) -> &Self {
        self.script.push(scripted_error(kind, "fake/render"));
        self
    }

    /// How many renders were started (including failed ones).
    pub fn calls(&self) -> usize {
        self.script.calls()
    }

    /// The most renders that ran at the same time.
    pub fn most_at_once(&self) -> usize {
        self.most_at_once.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl RenderStage for FakeRender {
    async fn render(&self, timeline: &Timeline, out: &Path) -> Result<RenderSummary> {
        self.script.count();
        if let Some(err) = self.script.next_error() {
            return Err(err);
        }
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_at_once.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        crate::fs::write_atomic_blocking(out, b"fake mp4")?;
        Ok(RenderSummary {
            frames: 1,
            duration_secs: timeline.duration_secs(),
            backend: "cpu".into(),
            encoder: "fake".into(),
            loudness_lufs: None,
        })
    }
}
