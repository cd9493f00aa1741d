//! Kill -9 at every stage, then rerun: the job completes and no finished paid call is
//! charged twice (narration and visuals run at the same time, so a kill inside one of them
//! may repeat the other's calls that were in flight; nothing else is repeated).
//!
//! The test re-executes its own binary as a child that runs a pipeline whose providers are
//! metered into an append-only charge log and cached in the job directory (the recommended
//! stack: `Cache(Metered(provider))`). At the chosen point the child sends itself SIGKILL.
//! The parent then reruns the same job in a fresh child and checks the charge log.

use async_trait::async_trait;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ytempire_core::layers::{FsCacheStore, ImageSourceLayers, SpeechSynthesizerLayers};
use ytempire_core::metering::{Labels, UsageRecord, UsageSink};
use ytempire_core::pipeline::*;
use ytempire_core::{
    AudioTrack, Capabilities, ImageRequest, ImageResponse, ImageSource, ProviderInfo, Result,
    Scene, Script, Speech, SpeechRequest, SpeechSynthesizer, Timeline, TimingSource, Topic, Usage,
    VideoMetadata, VideoSpec, Visual, WordTiming,
};

const CHILD_ENV: &str = "YTEMPIRE_CRASH_CHILD_DIR";
const CRASH_ENV: &str = "YTEMPIRE_CRASH_AT";

/// Kill this process the hard way: no destructors, no flushing.
fn sigkill_self() -> ! {
    let _ = std::process::Command::new("kill")
        .args(["-9", &std::process::id().to_string()])
        .status();
    // `kill` delivers the signal before it exits; nothing below runs.
    std::thread::sleep(std::time::Duration::from_secs(60));
    std::process::exit(3)
}

/// `stage:n` — crash when the n-th (1-based) call of that stage starts.
fn crash_point() -> Option<(String, usize)> {
    let v = std::env::var(CRASH_ENV).ok()?;
    let (stage, n) = v.split_once(':')?;
    Some((stage.to_string(), n.parse().ok()?))
}

fn maybe_crash(stage: &str, call: usize) {
    if let Some((s, n)) = crash_point()
        && s == stage
        && n == call
    {
        sigkill_self();
    }
}

/// Appends one line per metered attempt: `provider request-text`.
#[derive(Debug)]
struct ChargeLog(PathBuf);

impl UsageSink for ChargeLog {
    fn record(&self, record: UsageRecord) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.0)
            .unwrap();
        writeln!(f, "{} {}", record.provider, record.model).unwrap();
        f.sync_all().unwrap();
    }
}

#[derive(Debug, Default)]
struct Voice(AtomicUsize);
impl std::fmt::Display for Voice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("voice")
    }
}
#[async_trait]
impl SpeechSynthesizer for Voice {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new("paid-tts", "v1", Capabilities::new().with_paid(true))
    }
    async fn synthesize(&self, r: &SpeechRequest) -> Result<Speech> {
        maybe_crash("narration", self.0.fetch_add(1, Ordering::SeqCst) + 1);
        let words: Vec<&str> = r.text.split_whitespace().collect();
        let timings = words
            .iter()
            .enumerate()
            .map(|(i, w)| WordTiming::new(*w, i as f64 * 0.1, (i + 1) as f64 * 0.1))
            .collect();
        let audio = AudioTrack::new(8000, 1, vec![500; 800 * words.len()])?;
        let usage = Usage::characters(r.text.chars().count() as u64, audio.duration_secs());
        Ok(Speech::new(
            audio,
            timings,
            TimingSource::Provider,
            "v1",
            usage,
        ))
    }
}

#[derive(Debug, Default)]
struct Stock(AtomicUsize);
impl std::fmt::Display for Stock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stock")
    }
}
#[async_trait]
impl ImageSource for Stock {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new("paid-images", "v1", Capabilities::new().with_paid(true))
    }
    async fn fetch(&self, r: &ImageRequest) -> Result<ImageResponse> {
        maybe_crash("visuals", self.0.fetch_add(1, Ordering::SeqCst) + 1);
        let id = format!("img-{}", r.query.len());
        let v = Visual::image_bytes(id, 2, 2, "image/png", r.query.as_bytes().to_vec());
        Ok(ImageResponse::new(vec![v], Usage::images(1)))
    }
}

#[derive(Debug)]
struct Writer;
#[async_trait]
impl ScriptStage for Writer {
    async fn write(&self, job: &JobSpec) -> Result<ScriptOutput> {
        maybe_crash("script", 1);
        let script = Script::new(job.topic.title.clone())
            .with_hook("A hook to start.")
            .with_scene(Scene::new("Scene one speaks.", "first cue", 2.0))
            .with_scene(Scene::new("Scene two speaks more.", "second cue here", 2.0))
            .with_outro("The end.");
        let metadata = VideoMetadata::new(job.topic.title.clone())
            .with_made_for_kids(false)
            .with_synthetic_media(true);
        Ok(ScriptOutput { script, metadata })
    }
}

#[derive(Debug)]
struct Render;
#[async_trait]
impl RenderStage for Render {
    async fn render(&self, t: &Timeline, out: &Path) -> Result<RenderSummary> {
        maybe_crash("render", 1);
        std::fs::write(out, format!("{} segments", t.segments.len())).unwrap();
        Ok(RenderSummary {
            frames: 1,
            duration_secs: t.duration_secs(),
            backend: "cpu".into(),
            encoder: "none".into(),
            loudness_lufs: None,
        })
    }
}

async fn run_child(dir: &Path) {
    let jobs = dir.join("jobs");
    let sink: Arc<dyn UsageSink> = Arc::new(ChargeLog(dir.join("charges.log")));
    let cache = Arc::new(FsCacheStore::new(dir.join("cache")));
    let tts = Voice::default()
        .metered(sink.clone(), Labels::default())
        .with_cache(cache.clone())
        .into_dyn();
    let images = Stock::default()
        .metered(sink, Labels::default())
        .with_cache(cache)
        .into_dyn();
    let pipeline = Pipeline::builder(&jobs)
        .script(Writer)
        .narration(SpeechNarrator::new(tts))
        .visuals(SourceVisuals::new(images))
        .render(Render)
        .build()
        .unwrap();
    let job = JobSpec::new("crash-job", Topic::new("Tides")).with_video(VideoSpec::new(64, 36, 10));
    pipeline.run(&job, &CancellationToken::new()).await.unwrap();
}

/// Entry point of the child process; a no-op when run as an ordinary test.
#[tokio::test]
async fn crash_child_entry() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        run_child(Path::new(&dir)).await;
    }
}

fn spawn_child(dir: &Path, crash: Option<&str>) -> std::process::ExitStatus {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "crash_resume::crash_child_entry",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_ENV, dir)
    .env_remove(CRASH_ENV)
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null());
    if let Some(c) = crash {
        cmd.env(CRASH_ENV, c);
    }
    cmd.status().unwrap()
}

fn charges(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("charges.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn kill_9_at_every_stage_then_rerun_charges_nothing_twice() {
    // A clean run gives the reference charges: 4 narration parts and 4 visuals.
    let clean = tempfile::tempdir().unwrap();
    assert!(spawn_child(clean.path(), None).success());
    let reference = charges(clean.path());
    assert_eq!(reference.len(), 8, "{reference:?}");

    for crash in [
        "script:1",
        "narration:1",
        "narration:3",
        "visuals:1",
        "visuals:4",
        "render:1",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let status = spawn_child(dir.path(), Some(crash));
        assert!(
            !status.success(),
            "{crash}: the child should have been killed"
        );
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt as _;
            assert_eq!(status.signal(), Some(9), "{crash}: killed by SIGKILL");
        }
        assert!(
            spawn_child(dir.path(), None).success(),
            "{crash}: rerun completes"
        );
        let mut got = charges(dir.path());
        let mut want = reference.clone();
        got.sort();
        want.sort();
        // Narration and visuals run at the same time: a kill inside one of them can land
        // while the other's call has been paid but its answer not yet cached, and that one
        // call is made again. Everything that finished is never paid twice: the crashed
        // stage's own calls and every other stage's are charged exactly once, and only the
        // sibling's calls in flight (at most one per part) are repeated.
        let sibling = match crash.split(':').next() {
            Some("narration") => Some("paid-images v1"),
            Some("visuals") => Some("paid-tts v1"),
            _ => None,
        };
        let mut extra = got.clone();
        for w in &want {
            let at = extra.iter().position(|g| g == w);
            assert!(at.is_some(), "{crash}: {w} missing from {got:?}");
            if let Some(at) = at {
                extra.remove(at);
            }
        }
        assert!(
            extra.iter().all(|e| Some(e.as_str()) == sibling) && extra.len() <= 4,
            "{crash}: charged again beyond the sibling stage's calls in flight: {extra:?} (all: {got:?})"
        );
        if sibling.is_none() {
            assert_eq!(got, want, "{crash}: every paid call charged exactly once");
        }
        assert!(job_finished(&dir.path().join("jobs/crash-job")), "{crash}");
    }
}
