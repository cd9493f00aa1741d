//! The PostgreSQL job queue against a real server (`DATABASE_URL`; `scripts/postgres.sh`
//! starts a throwaway one): the queue contract, several worker processes sharing the queue,
//! a worker killed with SIGKILL mid-render, and a cancel from another process.
//!
//! The multi-process tests re-execute this test binary as worker processes
//! (`worker_process_entry`), each running `JobQueue::run_until_idle` over its own `PgQueue`
//! with fake stages whose render sleeps and leaves marker files. Each test uses its own schema.
//! Figures (jobs per minute, claim latency, lease reclaim time, cancel time) are printed: run
//! with `--nocapture` to see them. The same worker processes also share one SQLite file
//! (`three_worker_processes_share_a_sqlite_file`, no server needed).
#![cfg(all(feature = "postgres", feature = "testing"))]

use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ytempire_core::pipeline::*;
use ytempire_core::queue::{
    JobQueue, JobState, LeaseConfig, PgQueue, PgQueueOptions, QueueBackend, QueueConfig,
    SqliteQueue, SubmitOptions, contract,
};
use ytempire_core::testing::{FakeImage, FakeScript, FakeTts};
use ytempire_core::{Result, Timeline};

const WORKER_ENV: &str = "YTEMPIRE_PGQ_WORKER_SCHEMA";
const DIR_ENV: &str = "YTEMPIRE_PGQ_DIR";
const RENDER_MS_ENV: &str = "YTEMPIRE_PGQ_RENDER_MS";
const LEASE_MS_ENV: &str = "YTEMPIRE_PGQ_LEASE_MS";
/// Set: the worker uses this SQLite file instead of the server.
const SQLITE_ENV: &str = "YTEMPIRE_PGQ_SQLITE";

/// The server, or `None` (skipped) outside CI; under CI a missing server fails the test.
fn database_url() -> Option<String> {
    ytempire_core::pg::test_database_url("postgres_queue").unwrap()
}

fn schema(name: &str) -> String {
    format!("t{}_{name}", std::process::id())
}

async fn open(url: &str, schema: &str, lease: LeaseConfig) -> Result<PgQueue> {
    PgQueue::connect_with(
        url,
        PgQueueOptions {
            schema: Some(schema.to_string()),
            lease,
            pool_size: Some(4),
        },
    )
    .await
}

#[tokio::test]
async fn postgres_passes_the_queue_contract() {
    let Some(url) = database_url() else { return };
    let report = contract::run_all(|store, lease| {
        let (url, schema) = (url.clone(), schema(&format!("c_{store}")));
        async move { Ok(Arc::new(open(&url, &schema, lease).await?) as Arc<dyn QueueBackend>) }
    })
    .await;
    println!("{report}");
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.passed.len(), 10, "{report}");
}

#[tokio::test]
async fn claim_latency() {
    let Some(url) = database_url() else { return };
    let q = open(&url, &schema("latency"), LeaseConfig::default())
        .await
        .unwrap();
    for i in 0..200 {
        q.submit(contract::job(&format!("l{i}")), SubmitOptions::default())
            .await
            .unwrap();
    }
    let start = Instant::now();
    let mut n = 0u32;
    while q.claim(chrono::Utc::now()).await.unwrap().is_some() {
        n += 1;
    }
    let per = start.elapsed() / n.max(1);
    assert_eq!(n, 200, "every job claimed once");
    println!(
        "FIGURE claim latency: {:.2} ms per claim (200 claims, one process, 200 queued)",
        per.as_secs_f64() * 1000.0
    );
}

// ---- the render stage (the others are core's fakes) ----------------------------------

/// Sleeps, then writes the video; leaves `JOB.started.PID`, `JOB.done.PID` and, when dropped
/// unfinished (cancelled), `JOB.stopped.PID` in the marks directory.
#[derive(Debug)]
struct SleepyRender {
    marks: PathBuf,
    ms: u64,
}

struct StopMark(Option<PathBuf>);
impl Drop for StopMark {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::write(p, now_ms().to_string());
        }
    }
}

fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

#[async_trait]
impl RenderStage for SleepyRender {
    async fn render(&self, _t: &Timeline, out: &Path) -> Result<RenderSummary> {
        let job = out
            .parent()
            .and_then(Path::file_name)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let pid = std::process::id();
        std::fs::write(
            self.marks.join(format!("{job}.started.{pid}")),
            now_ms().to_string(),
        )
        .unwrap();
        let mut stop = StopMark(Some(self.marks.join(format!("{job}.stopped.{pid}"))));
        tokio::time::sleep(Duration::from_millis(self.ms)).await;
        stop.0 = None;
        std::fs::write(out, b"mp4").unwrap();
        std::fs::write(self.marks.join(format!("{job}.done.{pid}")), b"").unwrap();
        Ok(RenderSummary {
            frames: 1,
            duration_secs: 1.0,
            backend: "cpu".into(),
            encoder: "t".into(),
            loudness_lufs: None,
        })
    }
}

// ---- worker processes ------------------------------------------------------------------

/// Entry point of a worker process; a no-op when run as an ordinary test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_process_entry() {
    let Ok(schema) = std::env::var(WORKER_ENV) else {
        return;
    };
    let dir = PathBuf::from(std::env::var(DIR_ENV).unwrap());
    let ms: u64 = std::env::var(RENDER_MS_ENV).unwrap().parse().unwrap();
    let lease_ms: u64 = std::env::var(LEASE_MS_ENV).unwrap().parse().unwrap();
    let lease = LeaseConfig {
        owner: format!("worker-{}", std::process::id()),
        duration: Duration::from_millis(lease_ms),
    };
    let q: Arc<dyn QueueBackend> = match std::env::var(SQLITE_ENV) {
        Ok(file) => Arc::new(
            SqliteQueue::open(Path::new(&file))
                .unwrap()
                .with_lease(lease),
        ),
        Err(_) => {
            let url = std::env::var("DATABASE_URL").unwrap();
            Arc::new(open(&url, &schema, lease).await.unwrap())
        }
    };
    let pipeline = Pipeline::builder(dir.join("jobs"))
        .script(FakeScript::new())
        .narration(SpeechNarrator::new(Arc::new(FakeTts::new())))
        .visuals(SourceVisuals::new(Arc::new(FakeImage::new())))
        .render(SleepyRender {
            marks: dir.join("marks"),
            ms,
        })
        .build()
        .unwrap();
    let queue = JobQueue::new(
        q,
        pipeline,
        QueueConfig {
            workers: 1,
            poll_interval: Duration::from_millis(20),
            retry_base: Duration::from_millis(10),
        },
    );
    queue.run_until_idle().await.unwrap();
}

fn spawn_worker(schema: &str, dir: &Path, render_ms: u64, lease_ms: u64) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.env_remove(SQLITE_ENV);
    if schema == "sqlite" {
        cmd.env(SQLITE_ENV, dir.join("queue.db"));
    }
    cmd.args([
        "postgres_queue::worker_process_entry",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(WORKER_ENV, schema)
    .env(DIR_ENV, dir)
    .env(RENDER_MS_ENV, render_ms.to_string())
    .env(LEASE_MS_ENV, lease_ms.to_string())
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap()
}

fn setup_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("marks")).unwrap();
    dir
}

fn marks(dir: &Path, job: &str, kind: &str) -> Vec<PathBuf> {
    let prefix = format!("{job}.{kind}.");
    std::fs::read_dir(dir.join("marks"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
        })
        .collect()
}

/// Wait for all children, killing them after `limit` (then the test fails).
fn wait_all(children: &mut [Child], limit: Duration) {
    let start = Instant::now();
    for c in children.iter_mut() {
        loop {
            if let Some(status) = c.try_wait().unwrap() {
                assert!(status.success(), "worker process failed: {status}");
                break;
            }
            if start.elapsed() > limit {
                for k in children.iter_mut() {
                    let _ = k.kill();
                }
                panic!("worker processes still running after {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `n` worker processes over 20 jobs: all succeed, each rendered exactly once; returns the
/// jobs per minute.
async fn run_workers(url: Option<&str>, name: &str, n: usize) -> f64 {
    let dir = setup_dir();
    let (schema, q): (String, Arc<dyn QueueBackend>) = match url {
        Some(url) => {
            let schema = schema(name);
            let q = open(url, &schema, LeaseConfig::default()).await.unwrap();
            (schema, Arc::new(q))
        }
        None => {
            let q = SqliteQueue::open(&dir.path().join("queue.db")).unwrap();
            ("sqlite".to_string(), Arc::new(q))
        }
    };
    for i in 0..20 {
        q.submit(contract::job(&format!("p{i}")), SubmitOptions::default())
            .await
            .unwrap();
    }
    let start = Instant::now();
    let mut children: Vec<Child> = (0..n)
        .map(|_| spawn_worker(&schema, dir.path(), 150, 5_000))
        .collect();
    wait_all(&mut children, Duration::from_secs(120));
    let elapsed = start.elapsed();
    let mut renderers = std::collections::HashSet::new();
    for i in 0..20 {
        let id = format!("p{i}");
        let rec = q.get(&id).await.unwrap().unwrap();
        assert_eq!(
            (rec.state, rec.attempts),
            (JobState::Succeeded, 1),
            "{id}: {:?}",
            rec.error
        );
        let done = marks(dir.path(), &id, "done");
        assert_eq!(done.len(), 1, "{id} rendered exactly once: {done:?}");
        renderers.insert(done[0].extension().unwrap().to_owned());
    }
    if n > 1 {
        assert!(
            renderers.len() > 1,
            "the jobs were shared among the worker processes: {renderers:?}"
        );
    }
    20.0 * 60.0 / elapsed.as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_worker_processes_share_twenty_jobs() {
    let Some(url) = database_url() else { return };
    let one = run_workers(Some(&url), "one_worker", 1).await;
    let three = run_workers(Some(&url), "three_workers", 3).await;
    println!(
        "FIGURE PostgreSQL throughput (20 jobs, 150 ms fake render each, worker processes incl. start-up): 1 worker {one:.0} jobs/min, 3 workers {three:.0} jobs/min"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_worker_processes_share_a_sqlite_file() {
    let three = run_workers(None, "sqlite", 3).await;
    println!(
        "FIGURE SQLite throughput (20 jobs, 150 ms fake render each, 3 worker processes on one file): {three:.0} jobs/min"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_s_job_is_reclaimed_and_resumed() {
    let Some(url) = database_url() else { return };
    let schema = schema("kill");
    let q = open(&url, &schema, LeaseConfig::default()).await.unwrap();
    let dir = setup_dir();
    q.submit(contract::job("k"), SubmitOptions::default())
        .await
        .unwrap();
    let lease_ms = 2_000;
    let mut victim = spawn_worker(&schema, dir.path(), 60_000, lease_ms);
    let deadline = Instant::now() + Duration::from_secs(60);
    while marks(dir.path(), "k", "started").is_empty() {
        assert!(Instant::now() < deadline, "the render never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    victim.kill().unwrap(); // SIGKILL
    let killed_at = Instant::now();
    victim.wait().unwrap();
    let mut rescuer = vec![spawn_worker(&schema, dir.path(), 100, lease_ms)];
    // The reclaim: the job's second attempt starts.
    let mut reclaim = None;
    while reclaim.is_none() && killed_at.elapsed() < Duration::from_secs(60) {
        let rec = q.get("k").await.unwrap().unwrap();
        if rec.attempts >= 2 {
            reclaim = Some(killed_at.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let reclaim = reclaim.expect("the job was never reclaimed");
    wait_all(&mut rescuer, Duration::from_secs(60));
    let rec = q.get("k").await.unwrap().unwrap();
    assert_eq!((rec.state, rec.attempts), (JobState::Succeeded, 2));
    assert_eq!(marks(dir.path(), "k", "done").len(), 1, "rendered once");
    let events = q.events("k", 0).await.unwrap();
    let resumed_script = events.iter().any(|e| {
        e.data["event"] == "stage_finished"
            && e.data["stage"] == "script"
            && e.data["resumed"] == true
    });
    assert!(
        resumed_script,
        "the second attempt restored the finished script stage: {events:?}"
    );
    let claims = events.iter().filter(|e| e.name() == "claimed").count();
    assert_eq!(claims, 2, "claimed twice: {events:?}");
    println!(
        "FIGURE lease reclaim: job claimed again {:.2} s after SIGKILL (lease {:.1} s, including the new worker's start-up)",
        reclaim.as_secs_f64(),
        lease_ms as f64 / 1000.0
    );
}

/// Cancel a running job from this process while a worker process renders it; returns how
/// long after the cancel the render stopped.
async fn cancel_from_another_process(url: Option<&str>) -> Duration {
    let dir = setup_dir();
    let (schema, q): (String, Arc<dyn QueueBackend>) = match url {
        Some(url) => {
            let schema = schema("cancel");
            let q = open(url, &schema, LeaseConfig::default()).await.unwrap();
            (schema, Arc::new(q))
        }
        None => {
            let q = SqliteQueue::open(&dir.path().join("queue.db")).unwrap();
            ("sqlite".to_string(), Arc::new(q))
        }
    };
    q.submit(contract::job("c"), SubmitOptions::default())
        .await
        .unwrap();
    let mut worker = vec![spawn_worker(&schema, dir.path(), 60_000, 30_000)];
    let deadline = Instant::now() + Duration::from_secs(60);
    while marks(dir.path(), "c", "started").is_empty() {
        assert!(Instant::now() < deadline, "the render never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let start = Instant::now();
    assert!(
        q.cancel("c").await.unwrap(),
        "the running job was cancelled"
    );
    let mut stopped = None;
    while stopped.is_none() && start.elapsed() < Duration::from_secs(10) {
        if !marks(dir.path(), "c", "stopped").is_empty() {
            stopped = Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let stopped = stopped.expect("the render did not stop within 10 s of the cancel");
    wait_all(&mut worker, Duration::from_secs(30));
    let rec = q.get("c").await.unwrap().unwrap();
    assert_eq!(rec.state, JobState::Cancelled);
    assert!(marks(dir.path(), "c", "done").is_empty(), "never finished");
    stopped
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_from_another_process_stops_the_running_render() {
    let Some(url) = database_url() else { return };
    let stopped = cancel_from_another_process(Some(&url)).await;
    println!(
        "FIGURE cancel from another process (PostgreSQL, NOTIFY): render stopped {:.0} ms after the cancel (goal: within 2 s)",
        stopped.as_secs_f64() * 1000.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_from_another_process_stops_a_sqlite_worker() {
    let stopped = cancel_from_another_process(None).await;
    println!(
        "FIGURE cancel from another process (SQLite, polled): render stopped {:.0} ms after the cancel (goal: within 2 s)",
        stopped.as_secs_f64() * 1000.0
    );
}
