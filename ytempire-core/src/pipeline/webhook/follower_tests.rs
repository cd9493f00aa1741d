//! [`QueueWebhookFollower`] over a real SQLite queue file and a recording transport: order
//! across jobs, the stored cursor, resuming in a second instance, give-ups that advance, a
//! crash between delivery and cursor save (re-sent with the same id), live following.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::*;
use crate::layers::Backoff;
use crate::pipeline::{JobSpec, webhook::WebhookConfig};
use crate::queue::{Heartbeat, JobEvent, JobRecord, JobState, Signal, SqliteQueue, SubmitOptions};
use crate::testing::RecordingTransport;
use crate::{ErrorKind, Topic, VideoSpec};

const SECRET: &str = "follower-secret";

fn config() -> WebhookConfig {
    WebhookConfig::new("http://127.0.0.1:9/hook", SECRET)
        .unwrap()
        .with_max_attempts(3)
        .with_backoff(Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(5),
            2.0,
        ))
}

fn spec(id: &str) -> JobSpec {
    JobSpec::new(id, Topic::new("Tides")).with_video(VideoSpec::new(64, 36, 10))
}

fn open(path: &Path) -> Arc<dyn QueueBackend> {
    Arc::new(SqliteQueue::open(path).unwrap())
}

/// Two jobs with interleaved events: a(submitted) b(submitted) a(x) b(y) a(z).
async fn two_jobs(q: &Arc<dyn QueueBackend>) {
    q.submit(spec("a"), SubmitOptions::default()).await.unwrap();
    q.submit(spec("b"), SubmitOptions::default()).await.unwrap();
    for (job, name) in [("a", "x"), ("b", "y"), ("a", "z")] {
        q.append_event(job, serde_json::json!({"event": name}))
            .await
            .unwrap();
    }
}

fn follower(q: &Arc<dyn QueueBackend>, t: &Arc<RecordingTransport>) -> QueueWebhookFollower {
    QueueWebhookFollower::new(q.clone(), config(), t.clone()).with_batch_size(2)
}

#[tokio::test]
async fn delivers_every_job_in_position_order_and_saves_the_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(&dir.path().join("q.db"));
    two_jobs(&q).await;
    let t = RecordingTransport::ok(SECRET);
    let report = follower(&q, &t)
        .run_once(&CancellationToken::new())
        .await
        .unwrap();
    let sent = t.envelopes().unwrap();
    let got: Vec<(String, String)> = sent
        .iter()
        .map(|e| (e.id.clone(), e.event["event"].as_str().unwrap().to_owned()))
        .collect();
    let want = [
        ("a:1", "submitted"),
        ("b:1", "submitted"),
        ("a:2", "x"),
        ("b:2", "y"),
        ("a:3", "z"),
    ];
    assert_eq!(
        got,
        want.map(|(a, b)| (a.to_owned(), b.to_owned())).to_vec()
    );
    assert!(sent.windows(2).all(|w| w[0].sequence < w[1].sequence));
    assert_eq!(sent[2].job, "a");
    assert_eq!(sent[2].job_sequence, 2);
    let last = sent[4].sequence;
    assert_eq!(report.delivered, 5);
    assert_eq!(report.cursor, last);
    assert_eq!(q.load_cursor(DEFAULT_CURSOR).await.unwrap(), last);
}

#[tokio::test]
async fn a_second_instance_resumes_from_the_saved_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let q = open(&path);
    two_jobs(&q).await;
    let first = RecordingTransport::ok(SECRET);
    follower(&q, &first)
        .run_once(&CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(first.ids().unwrap().len(), 5);
    q.append_event("b", serde_json::json!({"event": "later"}))
        .await
        .unwrap();
    // Another process: its own connection to the same file.
    let again = open(&path);
    let second = RecordingTransport::ok(SECRET);
    let report = follower(&again, &second)
        .run_once(&CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(second.ids().unwrap(), ["b:3"]);
    assert_eq!(report.delivered, 1);
    // A follower with another name starts from the beginning.
    let third = RecordingTransport::ok(SECRET);
    follower(&again, &third)
        .with_name("audit")
        .unwrap()
        .run_once(&CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(third.ids().unwrap().len(), 6);
}

#[tokio::test]
async fn an_event_given_up_still_advances_the_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(&dir.path().join("q.db"));
    two_jobs(&q).await;
    // b:1 is rejected at once; a:2 fails every attempt (503).
    let t = RecordingTransport::with(SECRET, |id, _| match id {
        "b:1" => 400,
        "a:2" => 503,
        _ => 200,
    });
    let report = follower(&q, &t)
        .run_once(&CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(
        t.ids().unwrap(),
        ["a:1", "b:1", "a:2", "a:2", "a:2", "b:2", "a:3"],
        "b:1 sent once, a:2 three times (max attempts), then on"
    );
    assert_eq!((report.delivered, report.failed, report.retried), (3, 2, 2));
    let again = RecordingTransport::ok(SECRET);
    let report = follower(&q, &again)
        .run_once(&CancellationToken::new())
        .await
        .unwrap();
    assert!(
        again.ids().unwrap().is_empty(),
        "given-up events are not re-sent"
    );
    assert_eq!(report.delivered, 0);
}

/// A queue whose cursor save fails once at `fail_at` (a crash between delivery and save), and
/// which can hide its event positions (a backend without them).
#[derive(Debug)]
struct Flaky {
    inner: Arc<dyn QueueBackend>,
    fail_at: Mutex<Option<u64>>,
    positions: bool,
}

#[async_trait]
impl QueueBackend for Flaky {
    async fn submit(&self, spec: JobSpec, o: SubmitOptions) -> crate::Result<JobRecord> {
        self.inner.submit(spec, o).await
    }
    async fn get(&self, id: &str) -> crate::Result<Option<JobRecord>> {
        self.inner.get(id).await
    }
    async fn list(&self, s: Option<JobState>) -> crate::Result<Vec<JobRecord>> {
        self.inner.list(s).await
    }
    async fn position(&self, id: &str) -> crate::Result<Option<usize>> {
        self.inner.position(id).await
    }
    async fn claim(&self, now: DateTime<Utc>) -> crate::Result<Option<JobRecord>> {
        self.inner.claim(now).await
    }
    async fn succeed(&self, id: &str) -> crate::Result<()> {
        self.inner.succeed(id).await
    }
    async fn fail(&self, id: &str, e: &str, at: Option<DateTime<Utc>>) -> crate::Result<()> {
        self.inner.fail(id, e, at).await
    }
    async fn cancel(&self, id: &str) -> crate::Result<bool> {
        self.inner.cancel(id).await
    }
    async fn retry(&self, id: &str) -> crate::Result<()> {
        self.inner.retry(id).await
    }
    async fn recover(&self) -> crate::Result<usize> {
        self.inner.recover().await
    }
    async fn heartbeat(&self, id: &str) -> crate::Result<Heartbeat> {
        self.inner.heartbeat(id).await
    }
    async fn append_event(&self, id: &str, d: serde_json::Value) -> crate::Result<Option<u64>> {
        self.inner.append_event(id, d).await
    }
    async fn events(&self, id: &str, after: u64) -> crate::Result<Vec<JobEvent>> {
        self.inner.events(id, after).await
    }
    async fn wait_signal(&self, id: &str, s: Signal, t: Duration) {
        self.inner.wait_signal(id, s, t).await;
    }
    async fn events_after(&self, after: u64, n: usize) -> crate::Result<Vec<PositionedEvent>> {
        if !self.positions {
            return Err(crate::Error::new(ErrorKind::Unsupported, "no positions"));
        }
        self.inner.events_after(after, n).await
    }
    async fn load_cursor(&self, name: &str) -> crate::Result<u64> {
        self.inner.load_cursor(name).await
    }
    async fn save_cursor(&self, name: &str, position: u64) -> crate::Result<()> {
        let crash = {
            let mut fail = self.fail_at.lock().unwrap();
            let crash = *fail == Some(position);
            if crash {
                *fail = None;
            }
            crash
        };
        if crash {
            return Err(crate::Error::new(ErrorKind::Io, "the process died here"));
        }
        self.inner.save_cursor(name, position).await
    }
}

#[tokio::test]
async fn a_crash_between_delivery_and_cursor_save_resends_that_event_with_the_same_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let q = open(&path);
    two_jobs(&q).await;
    let third = q.events_after(0, 10).await.unwrap()[2].position;
    let crashing: Arc<dyn QueueBackend> = Arc::new(Flaky {
        inner: q.clone(),
        fail_at: Mutex::new(Some(third)),
        positions: true,
    });
    let before = RecordingTransport::ok(SECRET);
    let err = follower(&crashing, &before)
        .run_once(&CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert_eq!(
        before.ids().unwrap(),
        ["a:1", "b:1", "a:2"],
        "a:2 was delivered"
    );
    let body_before = before.requests()[2].body.clone();
    // Restarted: the cursor is at b:1, so a:2 goes again, with the same id and body.
    let after = RecordingTransport::ok(SECRET);
    let report = follower(&open(&path), &after)
        .run_once(&CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(after.ids().unwrap(), ["a:2", "b:2", "a:3"]);
    assert_eq!(after.requests()[0].body, body_before);
    assert_eq!(report.delivered, 3);
}

#[tokio::test]
async fn run_follows_new_events_until_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let q = open(&dir.path().join("q.db"));
    q.submit(spec("live"), SubmitOptions::default())
        .await
        .unwrap();
    let t = RecordingTransport::ok(SECRET);
    let stop = CancellationToken::new();
    let f = follower(&q, &t).with_poll_interval(Duration::from_millis(20));
    let task = tokio::spawn({
        let stop = stop.clone();
        async move { f.run(&stop).await }
    });
    for i in 0..3 {
        q.append_event("live", serde_json::json!({"event": "tick", "i": i}))
            .await
            .unwrap();
    }
    // Wait (bounded) until all four arrived, then stop.
    for _ in 0..500 {
        if t.ids().unwrap().len() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.cancel();
    let report = task.await.unwrap().unwrap();
    assert_eq!(t.ids().unwrap(), ["live:1", "live:2", "live:3", "live:4"]);
    assert_eq!(report.delivered, 4);
    assert_eq!(q.load_cursor(DEFAULT_CURSOR).await.unwrap(), report.cursor);
}

#[tokio::test]
async fn a_backend_without_positions_is_a_typed_error_and_names_are_checked() {
    let q = open(&tempfile::tempdir().unwrap().path().join("q.db"));
    let plain: Arc<dyn QueueBackend> = Arc::new(Flaky {
        inner: q.clone(),
        fail_at: Mutex::new(None),
        positions: false,
    });
    let err = follower(&plain, &RecordingTransport::ok(SECRET))
        .run_once(&CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    let err = follower(&q, &RecordingTransport::ok(SECRET))
        .with_name("  ")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
}
