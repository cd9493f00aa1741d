//! `ytempire webhooks run` as its own process against a loopback receiver that verifies every
//! signature: `--once` delivers every job's events in order and a second `--once` sends
//! nothing; `kill -9` mid-way (slow receiver) then a restart loses no event (duplicates,
//! counted by envelope id, allowed); SIGTERM stops gracefully with the cursor saved; bad input
//! fails with one readable line that never shows the secret.

use crate::cli_common;
use crate::webhook_common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use cli_common::{command, run_async, start};
use ytempire_core::pipeline::{EVENT_ID_HEADER, JobEventEnvelope, JobSpec};
use ytempire_core::queue::{QueueBackend, SqliteQueue, SubmitOptions};
use ytempire_core::{Topic, VideoSpec};

const SECRET: &str = "cli-webhook-secret-5f1e";
const LIMIT: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
struct Receiver {
    /// Envelopes in arrival order (duplicates included).
    got: Mutex<Vec<JobEventEnvelope>>,
    bad_signatures: Mutex<u32>,
    delay: Mutex<Duration>,
}

impl Receiver {
    fn ids(&self) -> Vec<String> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|e| e.id.clone())
            .collect()
    }

    fn unique(&self) -> BTreeSet<String> {
        self.ids().into_iter().collect()
    }
}

async fn hook(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let h = |name: &str| webhook_common::header(&headers, name);
    let ok = webhook_common::signed(&headers, &body, SECRET);
    let Ok(envelope) = serde_json::from_slice::<JobEventEnvelope>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    if !ok || h(EVENT_ID_HEADER) != envelope.id {
        *r.bad_signatures.lock().unwrap() += 1;
        return StatusCode::UNAUTHORIZED;
    }
    r.got.lock().unwrap().push(envelope);
    let delay = *r.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    StatusCode::OK
}

async fn serve(receiver: Arc<Receiver>) -> SocketAddr {
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state(receiver);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Jobs `prefix0..prefix{jobs}` with `each` events after `submitted`, appended round-robin.
async fn fill(q: &SqliteQueue, prefix: &str, jobs: usize, each: usize) {
    for j in 0..jobs {
        let spec = JobSpec::new(format!("{prefix}{j}"), Topic::new("Tides"))
            .with_video(VideoSpec::new(64, 36, 10));
        q.submit(spec, SubmitOptions::default()).await.unwrap();
    }
    for i in 0..each {
        for j in 0..jobs {
            q.append_event(
                &format!("{prefix}{j}"),
                serde_json::json!({"event": "stage_progress", "i": i}),
            )
            .await
            .unwrap();
        }
    }
}

/// Every event id in the queue, `job:seq`.
async fn all_ids(q: &SqliteQueue) -> BTreeSet<String> {
    q.events_after(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{}:{}", e.event.job, e.event.seq))
        .collect()
}

fn args<'a>(url: &'a str, db: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["webhooks", "run", "--url", url, "--database", db];
    a.extend_from_slice(rest);
    a
}

fn env() -> Vec<(&'static str, String)> {
    vec![("YTEMPIRE_WEBHOOK_SECRET", SECRET.to_owned())]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_delivers_every_event_signed_in_order_and_then_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("queue.sqlite");
    let q = SqliteQueue::open(&db).unwrap();
    fill(&q, "job", 3, 4).await;
    let receiver = Arc::new(Receiver::default());
    let url = format!("http://{}/hook?token=abc", serve(receiver.clone()).await);
    let db = db.to_str().unwrap();

    let out = run_async(dir.path(), &args(&url, db, &["--once"]), &env(), LIMIT).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stderr.contains("15 delivered, 0 failed"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(SECRET) && !out.stderr.contains("abc"));
    let got = receiver.got.lock().unwrap().clone();
    assert_eq!(got.len(), 15);
    assert!(got.windows(2).all(|w| w[0].sequence < w[1].sequence));
    let ids: BTreeSet<String> = got.iter().map(|e| e.id.clone()).collect();
    assert_eq!(ids, all_ids(&q).await);
    assert_eq!(got[0].event["event"], "submitted");
    assert_eq!(*receiver.bad_signatures.lock().unwrap(), 0);

    // Caught up: the cursor is stored, a second run sends nothing.
    let out = run_async(dir.path(), &args(&url, db, &["--once"]), &env(), LIMIT).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.contains("0 delivered"), "{}", out.stderr);
    assert_eq!(receiver.ids().len(), 15);

    // Another cursor name, and the secret from another variable: everything again.
    let out = run_async(
        dir.path(),
        &args(
            &url,
            db,
            &["--once", "--name", "audit", "--secret-env", "HOOK_KEY"],
        ),
        &[("HOOK_KEY", SECRET.to_owned())],
        LIMIT,
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(receiver.ids().len(), 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_way_then_restart_loses_no_event() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("queue.sqlite");
    let q = SqliteQueue::open(&db).unwrap();
    fill(&q, "k", 2, 9).await;
    let receiver = Arc::new(Receiver::default());
    *receiver.delay.lock().unwrap() = Duration::from_millis(100);
    let url = format!("http://{}/hook", serve(receiver.clone()).await);
    let db_s = db.to_str().unwrap();

    let mut follower = start(
        command(dir.path(), &args(&url, db_s, &[]), &env()),
        dir.path(),
        "first",
    );
    let r = receiver.clone();
    follower
        .until("5 deliveries", LIMIT, move || r.unique().len() >= 5)
        .await;
    let killed = follower.kill();
    assert_eq!(killed.code, None, "killed by SIGKILL: {}", killed.stderr);
    let before = receiver.unique().len();
    assert!(before < 20, "the kill came before the end ({before} of 20)");

    // More events while no follower runs.
    fill(&q, "late", 1, 2).await;
    *receiver.delay.lock().unwrap() = Duration::ZERO;
    let out = run_async(dir.path(), &args(&url, db_s, &["--once"]), &env(), LIMIT).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let want = all_ids(&q).await;
    assert_eq!(want.len(), 23);
    assert_eq!(receiver.unique(), want, "an event was lost");
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for id in receiver.ids() {
        *counts.entry(id).or_default() += 1;
    }
    let dups: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        dups.len() <= 1 && dups.iter().all(|(_, n)| **n == 2),
        "at most the event in flight is sent twice: {dups:?}"
    );
    assert_eq!(*receiver.bad_signatures.lock().unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_delivery_in_flight_and_saves_the_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("queue.sqlite");
    let q = SqliteQueue::open(&db).unwrap();
    fill(&q, "t", 1, 5).await;
    let receiver = Arc::new(Receiver::default());
    *receiver.delay.lock().unwrap() = Duration::from_millis(200);
    let url = format!("http://{}/hook", serve(receiver.clone()).await);
    let db_s = db.to_str().unwrap();
    let mut child = command(dir.path(), &args(&url, db_s, &[]), &env())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("term.stderr")).unwrap())
        .spawn()
        .unwrap();
    for _ in 0..3000 {
        if !receiver.ids().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!receiver.ids().is_empty(), "nothing was delivered");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let stderr = std::fs::read_to_string(dir.path().join("term.stderr")).unwrap();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("stopping after the delivery in flight"),
        "{stderr}"
    );
    // The cursor is at the last event the receiver got: nothing in flight was abandoned.
    let got = receiver.got.lock().unwrap().clone();
    let last = got.last().unwrap().sequence;
    assert_eq!(q.load_cursor("webhooks").await.unwrap(), last, "{stderr}");
}

#[test]
fn bad_input_fails_with_one_readable_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("q.sqlite");
    let db = db.to_str().unwrap();
    let check = |args: &[&str], env: &[(&str, String)], want: &str| {
        let out = cli_common::run(dir.path(), args, env, LIMIT);
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{}", out.stderr);
        assert!(lines[0].starts_with("ytempire: error: "), "{}", out.stderr);
        assert!(lines[0].contains(want), "{}", out.stderr);
        assert!(!out.stderr.contains(SECRET), "{}", out.stderr);
    };
    check(&args("ftp://x/y", db, &["--once"]), &env(), "--url");
    check(
        &args("http://127.0.0.1:9/h", db, &["--once"]),
        &[],
        "YTEMPIRE_WEBHOOK_SECRET",
    );
    check(
        &args(
            "http://127.0.0.1:9/h",
            "postgres://u:hunter2@127.0.0.1:1/db",
            &["--once"],
        ),
        &env(),
        "cannot open the queue database",
    );
    let out = cli_common::run(
        dir.path(),
        &args(
            "http://127.0.0.1:9/h",
            "postgres://u:hunter2@127.0.0.1:1/db",
            &["--once"],
        ),
        &env(),
        LIMIT,
    );
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
}
