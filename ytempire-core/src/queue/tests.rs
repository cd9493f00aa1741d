//! Queue tests: persistence across reopen, ordering, claim exclusivity, retry, cancel, and
//! workers running jobs through a pipeline under resource limits.

use async_trait::async_trait;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::*;
use crate::pipeline::*;
use crate::{
    AudioTrack, Capabilities, Error, ErrorKind, ImageRequest, ImageResponse, ImageSource,
    ProviderInfo, Result, Scene, Script, Speech, SpeechRequest, SpeechSynthesizer, Timeline,
    TimingSource, Topic, Usage, VideoMetadata, VideoSpec, Visual,
};

fn spec(id: &str) -> JobSpec {
    JobSpec::new(id, Topic::new("Tides")).with_video(VideoSpec::new(64, 36, 10))
}

#[tokio::test]
async fn survives_reopen_and_orders_by_priority() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.db");
    {
        let q = SqliteQueue::open(&path).unwrap().with_lease(LeaseConfig {
            owner: "me".into(),
            duration: Duration::from_secs(60),
        });
        q.submit(spec("a"), SubmitOptions::default()).await.unwrap();
        q.submit(
            spec("b"),
            SubmitOptions {
                priority: 5,
                max_attempts: 2,
            },
        )
        .await
        .unwrap();
        q.submit(spec("c"), SubmitOptions::default()).await.unwrap();
        let dup = q
            .submit(spec("a"), SubmitOptions::default())
            .await
            .unwrap_err();
        assert_eq!(dup.kind(), ErrorKind::InvalidRequest);
        // Claim one, then "crash" with it running.
        let claimed = q.claim(chrono::Utc::now()).await.unwrap().unwrap();
        assert_eq!(claimed.id(), "b");
        assert_eq!(claimed.attempts, 1);
    }
    let other = SqliteQueue::open(&path).unwrap();
    assert_eq!(
        other.recover().await.unwrap(),
        0,
        "a live lease of another process is kept"
    );
    let q = SqliteQueue::open(&path).unwrap().with_lease(LeaseConfig {
        owner: "me".into(),
        duration: Duration::from_secs(60),
    });
    assert_eq!(q.get("b").await.unwrap().unwrap().state, JobState::Running);
    assert_eq!(q.recover().await.unwrap(), 1, "the restarted owner's job");
    let order: Vec<String> = q
        .list(Some(JobState::Queued))
        .await
        .unwrap()
        .iter()
        .map(|j| j.id().to_string())
        .collect();
    assert_eq!(order, ["b", "a", "c"]);
    assert_eq!(q.position("c").await.unwrap(), Some(2));
    assert_eq!(q.position("zzz").await.unwrap(), None);
}

#[tokio::test]
async fn sqlite_passes_the_queue_contract() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let report =
        contract::run_all(|store, lease| {
            let path = root.join(format!("{store}.db"));
            async move {
                Ok(Arc::new(SqliteQueue::open(&path)?.with_lease(lease)) as Arc<dyn QueueBackend>)
            }
        })
        .await;
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.passed.len(), 8, "{report}");
}

#[test]
fn an_old_queue_file_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE jobs (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
               spec TEXT NOT NULL, state TEXT NOT NULL, priority INTEGER NOT NULL,
               attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL, not_before INTEGER NOT NULL,
               error TEXT, submitted_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);",
        )
        .unwrap();
        let json = serde_json::to_string(&spec("old")).unwrap();
        c.execute(
            "INSERT INTO jobs (id, spec, state, priority, attempts, max_attempts, not_before, submitted_at, updated_at)
             VALUES ('old', ?1, 'running', 0, 1, 3, 0, 0, 0)",
            [json],
        )
        .unwrap();
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let q = SqliteQueue::open(&path).unwrap();
        // A job left running by a build without leases is recovered.
        assert_eq!(q.recover().await.unwrap(), 1);
        assert_eq!(
            q.append_event("old", serde_json::json!({"event": "x"}))
                .await
                .unwrap(),
            Some(1)
        );
    });
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
}

#[derive(Debug)]
struct QuickScript;
#[async_trait]
impl ScriptStage for QuickScript {
    async fn write(&self, job: &JobSpec) -> Result<ScriptOutput> {
        if job.topic.title == "fail" {
            return Err(Error::new(ErrorKind::Upstream, "vendor down"));
        }
        Ok(ScriptOutput {
            script: Script::new("t")
                .with_hook("Hello there.")
                .with_scene(Scene::new("More words.", "sea", 2.0)),
            metadata: VideoMetadata::new("t")
                .with_made_for_kids(false)
                .with_synthetic_media(true),
        })
    }
}

#[derive(Debug)]
struct Beep;
impl std::fmt::Display for Beep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("beep")
    }
}
#[async_trait]
impl SpeechSynthesizer for Beep {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new("test", "beep", Capabilities::new())
    }
    async fn synthesize(&self, r: &SpeechRequest) -> Result<Speech> {
        Ok(Speech::new(
            AudioTrack::new(8000, 1, vec![0; 800])?,
            vec![],
            TimingSource::None,
            "beep",
            Usage::characters(r.text.len() as u64, 0.1),
        ))
    }
}

#[derive(Debug)]
struct Dots(AtomicUsize);
impl std::fmt::Display for Dots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("dots")
    }
}
#[async_trait]
impl ImageSource for Dots {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new("test", "dots", Capabilities::new())
    }
    async fn fetch(&self, _r: &ImageRequest) -> Result<ImageResponse> {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        Ok(ImageResponse::new(
            vec![Visual::image_bytes(
                format!("d{n}"),
                2,
                2,
                "image/png",
                vec![n as u8],
            )],
            Usage::images(1),
        ))
    }
}

#[derive(Debug, Default)]
struct CountingRender {
    now: AtomicUsize,
    max: AtomicUsize,
}
#[async_trait]
impl RenderStage for Arc<CountingRender> {
    async fn render(&self, _t: &Timeline, out: &Path) -> Result<RenderSummary> {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(n, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        std::fs::write(out, b"mp4").unwrap();
        Ok(RenderSummary {
            frames: 1,
            duration_secs: 1.0,
            backend: "cpu".into(),
            encoder: "t".into(),
            loudness_lufs: None,
        })
    }
}

#[tokio::test]
async fn workers_run_jobs_with_bounded_renders_and_retry_failures() {
    let dir = tempfile::tempdir().unwrap();
    let render = Arc::new(CountingRender::default());
    let pipeline = Pipeline::builder(dir.path().join("jobs"))
        .script(QuickScript)
        .narration(SpeechNarrator::new(Arc::new(Beep)))
        .visuals(SourceVisuals::new(Arc::new(Dots(AtomicUsize::new(0)))))
        .render(render.clone())
        .limits(ResourceLimits::new(8, 1, 4096))
        .build()
        .unwrap();
    let backend = Arc::new(SqliteQueue::open(&dir.path().join("q.db")).unwrap());
    let queue = JobQueue::new(
        backend.clone(),
        pipeline,
        QueueConfig {
            workers: 5,
            poll_interval: Duration::from_millis(5),
            retry_base: Duration::from_millis(1),
        },
    );
    for i in 0..6 {
        queue
            .submit(spec(&format!("v{i}")), SubmitOptions::default())
            .await
            .unwrap();
    }
    let mut failing = spec("bad");
    failing.topic = Topic::new("fail");
    queue
        .submit(
            failing,
            SubmitOptions {
                priority: 0,
                max_attempts: 2,
            },
        )
        .await
        .unwrap();
    queue.run_until_idle().await.unwrap();

    for i in 0..6 {
        let rec = backend.get(&format!("v{i}")).await.unwrap().unwrap();
        assert_eq!(rec.state, JobState::Succeeded, "{rec:?}");
        assert!(queue.outcome(&format!("v{i}")).unwrap().video.exists());
    }
    assert_eq!(
        render.max.load(Ordering::SeqCst),
        1,
        "render lane holds one render at a time"
    );
    let bad = backend.get("bad").await.unwrap().unwrap();
    assert_eq!((bad.state, bad.attempts), (JobState::Failed, 2));
    assert!(bad.error.unwrap().contains("vendor down"));
}
