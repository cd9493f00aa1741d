//! The webhook follower ([`QueueWebhookFollower`]) on the PostgreSQL queue (`DATABASE_URL`;
//! `scripts/postgres.sh` starts a throwaway server): every job's events in position order
//! while several connections append at once, the stored cursor, a second instance resuming
//! from it, a crash between delivery and cursor save re-sending the same id, and a follower
//! woken by `NOTIFY` rather than its poll. Each test uses its own schema.
#![cfg(all(feature = "postgres", feature = "testing"))]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use ytempire_core::layers::Backoff;
use ytempire_core::pipeline::{
    CancellationToken, DEFAULT_CURSOR, QueueWebhookFollower, WebhookConfig,
};
use ytempire_core::queue::{PgQueue, PgQueueOptions, QueueBackend, SubmitOptions, contract};
use ytempire_core::testing::RecordingTransport;

const SECRET: &str = "pg-secret";

fn database_url() -> Option<String> {
    ytempire_core::pg::test_database_url("postgres_webhooks").unwrap()
}

async fn open(url: &str, name: &str) -> Arc<dyn QueueBackend> {
    let options = PgQueueOptions {
        schema: Some(format!("w{}_{name}", std::process::id())),
        pool_size: Some(8),
        ..PgQueueOptions::default()
    };
    Arc::new(PgQueue::connect_with(url, options).await.unwrap())
}

fn follower(q: &Arc<dyn QueueBackend>, t: &Arc<RecordingTransport>) -> QueueWebhookFollower {
    let config = WebhookConfig::new("http://127.0.0.1:9/hook", SECRET)
        .unwrap()
        .with_max_attempts(2)
        .with_backoff(Backoff::new(
            Duration::from_millis(1),
            Duration::from_millis(2),
            2.0,
        ));
    QueueWebhookFollower::new(q.clone(), config, t.clone()).with_batch_size(16)
}

/// Jobs `p0..p{jobs}`, then `each` events per job appended from one task per job at once.
async fn fill(q: &Arc<dyn QueueBackend>, jobs: usize, each: usize) {
    for j in 0..jobs {
        q.submit(contract::job(&format!("p{j}")), SubmitOptions::default())
            .await
            .unwrap();
    }
    let tasks: Vec<_> = (0..jobs)
        .map(|j| {
            let q = q.clone();
            tokio::spawn(async move {
                for i in 0..each {
                    q.append_event(&format!("p{j}"), serde_json::json!({"event": "n", "i": i}))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn follower_delivers_in_order_and_resumes_from_the_stored_cursor() {
    let Some(url) = database_url() else { return };
    let q = open(&url, "order").await;
    fill(&q, 4, 10).await;
    let first = RecordingTransport::ok(SECRET);
    let report = follower(&q, &first)
        .run_once(&CancellationToken::new())
        .await
        .unwrap();
    let got = first.envelopes().unwrap();
    assert_eq!(got.len(), 44);
    assert!(got.windows(2).all(|w| w[0].sequence < w[1].sequence));
    for j in 0..4 {
        let seqs: Vec<u64> = got
            .iter()
            .filter(|e| e.job == format!("p{j}"))
            .map(|e| e.job_sequence)
            .collect();
        assert_eq!(seqs, (1..=11).collect::<Vec<_>>());
    }
    assert_eq!(report.cursor, got[43].sequence);
    assert_eq!(q.load_cursor(DEFAULT_CURSOR).await.unwrap(), report.cursor);

    // A second process (own pool) resumes after the cursor.
    q.append_event("p1", serde_json::json!({"event": "late"}))
        .await
        .unwrap();
    let again = open(&url, "order").await;
    let second = RecordingTransport::ok(SECRET);
    follower(&again, &second)
        .run_once(&CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(second.ids().unwrap(), ["p1:12"]);

    // Given up (500 twice) still advances.
    q.append_event("p2", serde_json::json!({"event": "rejected"}))
        .await
        .unwrap();
    q.append_event("p2", serde_json::json!({"event": "after"}))
        .await
        .unwrap();
    let third = RecordingTransport::with(SECRET, |id, _| if id == "p2:12" { 500 } else { 200 });
    let report = follower(&again, &third)
        .run_once(&CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(third.ids().unwrap(), ["p2:12", "p2:12", "p2:13"]);
    assert_eq!((report.delivered, report.failed), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_live_follower_misses_nothing_while_writers_append_and_wakes_on_notify() {
    let Some(url) = database_url() else { return };
    let q = open(&url, "live").await;
    let t = RecordingTransport::ok(SECRET);
    let stop = CancellationToken::new();
    // An hour's poll: only NOTIFY can wake it in time.
    let f = follower(&open(&url, "live").await, &t).with_poll_interval(Duration::from_secs(3600));
    let task = tokio::spawn({
        let stop = stop.clone();
        async move { f.run(&stop).await }
    });
    fill(&q, 4, 25).await;
    let all: BTreeSet<String> = q
        .events_after(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{}:{}", e.event.job, e.event.seq))
        .collect();
    assert_eq!(all.len(), 104);
    for _ in 0..3000 {
        if t.ids().unwrap().len() >= all.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.cancel();
    let report = task.await.unwrap().unwrap();
    let ids = t.ids().unwrap();
    assert_eq!(ids.len(), all.len(), "every event once, none skipped");
    assert_eq!(ids.iter().cloned().collect::<BTreeSet<_>>(), all);
    assert_eq!(report.delivered, 104);
    assert_eq!(q.load_cursor(DEFAULT_CURSOR).await.unwrap(), report.cursor);
}
