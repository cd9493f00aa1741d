//! Queue tests: persistence across reopen, ordering, claim exclusivity, retry, cancel, and
//! workers running jobs through a pipeline under resource limits.

use async_trait::async_trait;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::pipeline::*;
use crate::testing::{FakeImage, FakeRender, FakeScript, FakeTts};
use crate::{Error, ErrorKind, Result, Timeline, Topic, VideoSpec};

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
    assert_eq!(report.passed.len(), 10, "{report}");
}

/// The jobs table's columns in the first queue schema (later versions add to them).
const JOBS_V1: &str = "seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL, state TEXT NOT NULL, priority INTEGER NOT NULL,
    attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL, not_before INTEGER NOT NULL,
    error TEXT, submitted_at INTEGER NOT NULL, updated_at INTEGER NOT NULL";

/// A queue file as an older build left it: `schema`, then job `id` added by `insert` (its
/// spec as `?1`).
fn old_queue_file(dir: &Path, schema: &str, insert: &str, id: &str) -> std::path::PathBuf {
    let path = dir.join("old.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(schema).unwrap();
    c.execute(insert, [serde_json::to_string(&spec(id)).unwrap()])
        .unwrap();
    path
}

#[tokio::test]
async fn an_old_queue_file_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = old_queue_file(
        dir.path(),
        &format!("CREATE TABLE jobs ({JOBS_V1});"),
        "INSERT INTO jobs (id, spec, state, priority, attempts, max_attempts, not_before, submitted_at, updated_at)
         VALUES ('old', ?1, 'running', 0, 1, 3, 0, 0, 0)",
        "old",
    );
    let q = SqliteQueue::open(&path).unwrap();
    // A job left running by a build without leases is recovered.
    assert_eq!(q.recover().await.unwrap(), 1);
    let seq = q.append_event("old", serde_json::json!({"event": "x"}));
    assert_eq!(seq.await.unwrap(), Some(1));
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 3);
}

#[tokio::test]
async fn a_version_2_queue_file_gets_event_positions_in_recorded_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = old_queue_file(
        dir.path(),
        &format!(
            "CREATE TABLE jobs ({JOBS_V1},
               lease_owner TEXT, lease_until INTEGER, cancel_requested INTEGER NOT NULL DEFAULT 0,
               event_seq INTEGER NOT NULL DEFAULT 0);
             CREATE TABLE job_events (job_id TEXT NOT NULL, seq INTEGER NOT NULL,
               at INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (job_id, seq));
             INSERT INTO job_events VALUES ('b', 1, 20, '{{\"event\":\"late\"}}');
             INSERT INTO job_events VALUES ('a', 1, 10, '{{\"event\":\"early\"}}');
             PRAGMA user_version = 2;"
        ),
        "INSERT INTO jobs (id, spec, state, priority, attempts, max_attempts, not_before, submitted_at, updated_at, event_seq)
         VALUES ('a', ?1, 'queued', 0, 0, 3, 0, 0, 0, 1)",
        "a",
    );
    let q = SqliteQueue::open(&path).unwrap();
    q.append_event("a", serde_json::json!({"event": "new"}))
        .await
        .unwrap();
    let all = q.events_after(0, 10).await.unwrap();
    let got: Vec<(u64, &str, u64)> = all
        .iter()
        .map(|e| (e.position, e.event.job.as_str(), e.event.seq))
        .collect();
    assert_eq!(got, [(1, "a", 1), (2, "b", 1), (3, "a", 2)]);
    assert_eq!(q.events("a", 0).await.unwrap().len(), 2);
    assert_eq!(q.load_cursor("webhooks").await.unwrap(), 0);
}

/// A queue of `workers` over a pipeline of core's fakes with `render` and `limits`.
fn fake_queue(
    dir: &Path,
    render: impl RenderStage + 'static,
    limits: ResourceLimits,
    workers: usize,
) -> (JobQueue, Arc<SqliteQueue>) {
    let pipeline = Pipeline::builder(dir.join("jobs"))
        .script(FakeScript::new().failing_topic("fail"))
        .narration(SpeechNarrator::new(Arc::new(FakeTts::new())))
        .visuals(SourceVisuals::new(Arc::new(FakeImage::new())))
        .render(render)
        .limits(limits)
        .build()
        .unwrap();
    let backend = Arc::new(SqliteQueue::open(&dir.join("q.db")).unwrap());
    let queue = JobQueue::new(
        backend.clone(),
        pipeline,
        QueueConfig {
            workers,
            poll_interval: Duration::from_millis(5),
            retry_base: Duration::from_millis(1),
        },
    );
    (queue, backend)
}

#[tokio::test]
async fn workers_run_jobs_with_bounded_renders_and_retry_failures() {
    let dir = tempfile::tempdir().unwrap();
    let render = Arc::new(FakeRender::new().with_delay(Duration::from_millis(20)));
    let (queue, backend) = fake_queue(
        dir.path(),
        render.clone(),
        ResourceLimits::new(8, 1, 4096),
        5,
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
        render.most_at_once(),
        1,
        "render lane holds one render at a time"
    );
    let bad = backend.get("bad").await.unwrap().unwrap();
    assert_eq!((bad.state, bad.attempts), (JobState::Failed, 2));
    assert!(bad.error.unwrap().contains("vendor down"));
}

/// Renders that only finish once `n` of them run at the same time.
#[derive(Debug)]
struct Meeting(tokio::sync::Barrier);

#[async_trait]
impl RenderStage for Meeting {
    async fn render(&self, timeline: &Timeline, out: &Path) -> Result<RenderSummary> {
        tokio::time::timeout(Duration::from_secs(60), self.0.wait())
            .await
            .map_err(|_| Error::new(ErrorKind::Render, "the renders never overlapped"))?;
        FakeRender::new().render(timeline, out).await
    }
}

#[tokio::test]
async fn a_render_lane_of_two_runs_two_renders_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let meeting = Meeting(tokio::sync::Barrier::new(2));
    let (queue, backend) = fake_queue(dir.path(), meeting, ResourceLimits::new(8, 2, 4096), 3);
    for id in ["a", "b"] {
        queue
            .submit(spec(id), SubmitOptions::default())
            .await
            .unwrap();
    }
    queue.run_until_idle().await.unwrap();
    for id in ["a", "b"] {
        let rec = backend.get(id).await.unwrap().unwrap();
        assert_eq!(rec.state, JobState::Succeeded, "{rec:?}");
    }
}
