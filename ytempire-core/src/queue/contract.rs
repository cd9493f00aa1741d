//! The [`QueueBackend`] contract as a conformance suite (feature `testing`): every backend
//! (SQLite, PostgreSQL) runs the same scenarios, so they behave alike.
//!
//! ```ignore
//! let report = ytempire_core::queue::contract::run_all(|store, lease| async move {
//!     Ok(Arc::new(MyQueue::open(store, lease).await?) as Arc<dyn QueueBackend>)
//! })
//! .await;
//! assert!(report.is_ok(), "{report}");
//! ```

mod cursor;

pub use cursor::{cursors_are_stored, events_have_global_positions};

use futures::StreamExt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::{Heartbeat, JobState, LeaseConfig, QueueBackend, SubmitOptions, follow};
use crate::conformance::{Report, Runner, Verdict, ensure, ok_or_fail};
use crate::pipeline::JobSpec;
use crate::{ErrorKind, Topic, VideoSpec};

/// A small valid job.
pub fn job(id: &str) -> JobSpec {
    JobSpec::new(id, Topic::new("Tides")).with_video(VideoSpec::new(64, 36, 10))
}

fn lease(owner: &str, ms: u64) -> LeaseConfig {
    LeaseConfig {
        owner: owner.to_string(),
        duration: Duration::from_millis(ms),
    }
}

/// Run every scenario. `open(store, lease)` opens the queue store named `store` (a fresh, empty
/// one for a name not seen before; the same store again for the same name, as another process
/// would) with claims leased as `lease` says.
pub async fn run_all<F, Fut>(open: F) -> Report
where
    F: Fn(&'static str, LeaseConfig) -> Fut,
    Fut: Future<Output = crate::Result<Arc<dyn QueueBackend>>>,
{
    let mut r = Runner::new("queue", "backend".to_string(), &[]);
    r.run("orders_and_positions", orders_and_positions(&open))
        .await;
    r.run("claim_is_exclusive", claim_is_exclusive(&open)).await;
    r.run(
        "backoff_fail_retry_cancel",
        backoff_fail_retry_cancel(&open),
    )
    .await;
    r.run(
        "expired_lease_is_reclaimed",
        expired_lease_is_reclaimed(&open),
    )
    .await;
    r.run(
        "cancel_reaches_the_lease_holder",
        cancel_reaches_the_lease_holder(&open),
    )
    .await;
    r.run("events_are_sequenced", events_are_sequenced(&open))
        .await;
    r.run(
        "dead_worker_on_last_attempt_fails",
        dead_worker_on_last_attempt_fails(&open),
    )
    .await;
    r.run(
        "recover_spares_live_leases",
        recover_spares_live_leases(&open),
    )
    .await;
    r.run(
        "events_have_global_positions",
        events_have_global_positions(&open),
    )
    .await;
    r.run("cursors_are_stored", cursors_are_stored(&open)).await;
    r.finish()
}

/// Priority then submit order; duplicate ids refused; positions among queued jobs.
pub async fn orders_and_positions<F, Fut>(open: &F) -> Verdict
where
    F: Fn(&'static str, LeaseConfig) -> Fut,
    Fut: Future<Output = crate::Result<Arc<dyn QueueBackend>>>,
{
    let q = ok_or_fail!(open("order", LeaseConfig::default()).await, "open");
    ok_or_fail!(
        q.submit(job("a"), SubmitOptions::default()).await,
        "submit a"
    );
    let high = SubmitOptions {
        priority: 5,
        max_attempts: 2,
    };
    ok_or_fail!(q.submit(job("b"), high).await, "submit b");
    ok_or_fail!(
        q.submit(job("c"), SubmitOptions::default()).await,
        "submit c"
    );
    let dup = q.submit(job("a"), SubmitOptions::default()).await;
    ensure!(
        matches!(&dup, Err(e) if e.kind() == ErrorKind::InvalidRequest),
        "a duplicate id must be InvalidRequest, got {dup:?}"
    );
    let queued = ok_or_fail!(q.list(Some(JobState::Queued)).await, "list");
    let order: Vec<&str> = queued.iter().map(|j| j.id()).collect();
    ensure!(order == ["b", "a", "c"], "queue order {order:?}");
    ensure!(
        ok_or_fail!(q.position("c").await, "position") == Some(2),
        "c is third"
    );
    ensure!(
        ok_or_fail!(q.position("zzz").await, "position").is_none(),
        "unknown job has no place"
    );
    let claimed = ok_or_fail!(q.claim(chrono::Utc::now()).await, "claim");
    ensure!(
        claimed
            .as_ref()
            .is_some_and(|j| j.id() == "b" && j.attempts == 1 && j.state == JobState::Running),
        "the first claim takes b on attempt 1: {claimed:?}"
    );
    ensure!(
        ok_or_fail!(q.position("b").await, "position").is_none(),
        "a running job has no place"
    );
    Verdict::Passed
}

/// Four concurrent claimers over 20 jobs: each job claimed exactly once.
pub async fn claim_is_exclusive<F, Fut>(open: &F) -> Verdict
where
    F: Fn(&'static str, LeaseConfig) -> Fut,
    Fut: Future<Output = crate::Result<Arc<dyn QueueBackend>>>,
{
    let q = ok_or_fail!(open("exclusive", LeaseConfig::default()).await, "open");
    for i in 0..20 {
        ok_or_fail!(
            q.submit(job(&format!("j{i}")), SubmitOptions::default())
                .await,
            "submit"
        );
    }
    let mut claimers = Vec::new();
    for w in 0..4 {
        let q = ok_or_fail!(
            open("exclusive", lease(&format!("w{w}"), 60_000)).await,
            "open"
        );
        claimers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(j) = q.claim(chrono::Utc::now()).await? {
                mine.push(j.id().to_string());
            }
            Ok::<_, crate::Error>(mine)
        }));
    }
    let mut all = Vec::new();
    for c in claimers {
        let mine = ok_or_fail!(ok_or_fail!(c.await, "claimer task"), "claim");
        all.extend(mine);
    }
    let total = all.len();
    all.sort();
    all.dedup();
    ensure!(
        total == 20 && all.len() == 20,
        "every job claimed exactly once: {total} claims of {} jobs",
        all.len()
    );
    Verdict::Passed
}

/// Retry time respected; failure for good; retry resets attempts; cancel once only.
pub async fn backoff_fail_retry_cancel<F, Fut>(open: &F) -> Verdict
where
    F: Fn(&'static str, LeaseConfig) -> Fut,
    Fut: Future<Output = crate::Result<Arc<dyn QueueBackend>>>,
{
    let q = ok_or_fail!(open("backoff", LeaseConfig::default()).await, "open");
    ok_or_fail!(q.submit(job("x"), SubmitOptions::default()).await, "submit");
    ok_or_fail!(q.claim(chrono::Utc::now()).await, "claim");
    let later = chrono::Utc::now() + chrono::Duration::seconds(60);
    ok_or_fail!(q.fail("x", "boom", Some(later)).await, "fail");
    ensure!(
        ok_or_fail!(q.claim(chrono::Utc::now()).await, "claim").is_none(),
        "a job is not claimed before its retry time"
    );
    ensure!(
        ok_or_fail!(q.claim(later).await, "claim").is_some(),
        "a job is claimed at its retry time"
    );
    ok_or_fail!(q.fail("x", "boom", None).await, "fail");
    let rec = ok_or_fail!(q.get("x").await, "get");
    ensure!(
        rec.as_ref()
            .is_some_and(|r| r.state == JobState::Failed && r.error.as_deref() == Some("boom")),
        "failed for good with its error: {rec:?}"
    );
    ok_or_fail!(q.retry("x").await, "retry");
    let rec = ok_or_fail!(q.get("x").await, "get");
    ensure!(
        rec.as_ref()
            .is_some_and(|r| r.state == JobState::Queued && r.attempts == 0),
        "retry requeues with a fresh budget: {rec:?}"
    );
    ensure!(
        ok_or_fail!(q.cancel("x").await, "cancel"),
        "cancel of a queued job changes it"
    );
    ensure!(
        !ok_or_fail!(q.cancel("x").await, "cancel"),
        "a second cancel changes nothing"
    );
    let missing = q.cancel("nope").await;
    ensure!(
        matches!(&missing, Err(e) if e.kind() == ErrorKind::NotFound),
        "cancel of an unknown job is NotFound: {missing:?}"
    );
    Verdict::Passed
}

/// A worker that stops sending heartbeats loses its job to the next claim; its late result
/// is not recorded.
pub async fn expired_lease_is_reclaimed<F, Fut>(open: &F) -> Verdict
where
    F: Fn(&'static str, LeaseConfig) -> Fut,
    Fut: Future<Output = crate::Result<Arc<dyn QueueBackend>>>,
{
    let a = ok_or_fail!(open("reclaim", lease("a", 300)).await, "open a");
    let b = ok_or_fail!(open("reclaim", lease("b", 300)).await, "open b");
    ok_or_fail!(a.submit(job("x"), SubmitOptions::default()).await, "submit");
    ensure!(a.lease().is_some(), "the backend keeps leases");
    ensure!(
        ok_or_fail!(a.claim(chrono::Utc::now()).await, "claim a").is_some(),
        "a claims x"
    );
    ensure!(
        ok_or_fail!(b.claim(chrono::Utc::now()).await, "claim b").is_none(),
        "a held lease is not taken"
    );
    ensure!(
        ok_or_fail!(a.heartbeat("x").await, "heartbeat") == Heartbeat::Held,
        "the holder's heartbeat renews"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    let again = ok_or_fail!(b.claim(chrono::Utc::now()).await, "claim b");
    ensure!(
        again
            .as_ref()
            .is_some_and(|j| j.id() == "x" && j.attempts == 2),
        "b reclaims x after the lease expired, on attempt 2: {again:?}"
    );
    ok_or_fail!(a.succeed("x").await, "late succeed");
    let rec = ok_or_fail!(a.get("x").await, "get");
    ensure!(
        rec.as_ref().is_some_and(|r| r.state == JobState::Running),
        "the old holder's late result is ignored: {rec:?}"
    );
    ensure!(
        ok_or_fail!(a.heartbeat("x").await, "heartbeat") == Heartbeat::Lost,
        "the old holder learns it lost the lease"
    );
    ok_or_fail!(b.succeed("x").await, "succeed");
    let rec = ok_or_fail!(a.get("x").await, "get");
    ensure!(
        rec.as_ref().is_some_and(|r| r.state == JobState::Succeeded),
        "the new holder finishes it: {rec:?}"
    );
    Verdict::Passed
}

/// A cancel from another handle marks the job cancelled; the holder's heartbeat says so.
pub async fn cancel_reaches_the_lease_holder<F, Fut>(open: &F) -> Verdict
where
    F: Fn(&'static str, LeaseConfig) -> Fut,
    Fut: Future<Output = crate::Result<Arc<dyn QueueBackend>>>,
{
    let a = ok_or_fail!(open("cancel", lease("a", 60_000)).await, "open a");
    let b = ok_or_fail!(open("cancel", lease("b", 60_000)).await, "open b");
    ok_or_fail!(a.submit(job("x"), SubmitOptions::default()).await, "submit");
    ok_or_fail!(a.claim(chrono::Utc::now()).await, "claim");
    ensure!(
        ok_or_fail!(b.cancel("x").await, "cancel"),
        "cancel of a running job changes it"
    );
    ensure!(
        ok_or_fail!(a.heartbeat("x").await, "heartbeat") == Heartbeat::Cancelled,
        "the holder's heartbeat reports the cancel"
    );
    ok_or_fail!(a.succeed("x").await, "succeed");
    let rec = ok_or_fail!(b.get("x").await, "get");
    ensure!(
        rec.as_ref().is_some_and(|r| r.state == JobState::Cancelled),
        "a cancelled job stays cancelled: {rec:?}"
    );
    Verdict::Passed
}

/// Events get per-job sequence numbers; `follow` replays them and ends with the job.
pub async fn events_are_sequenced<F, Fut>(open: &F) -> Verdict
where
    F: Fn(&'static str, LeaseConfig) -> Fut,
    Fut: Future<Output = crate::Result<Arc<dyn QueueBackend>>>,
{
    let q = ok_or_fail!(open("events", LeaseConfig::default()).await, "open");
    ok_or_fail!(q.submit(job("e"), SubmitOptions::default()).await, "submit");
    ok_or_fail!(q.submit(job("f"), SubmitOptions::default()).await, "submit");
    let s2 = ok_or_fail!(
        q.append_event("e", serde_json::json!({"event": "one"}))
            .await,
        "append"
    );
    let s3 = ok_or_fail!(
        q.append_event("e", serde_json::json!({"event": "two"}))
            .await,
        "append"
    );
    let f2 = ok_or_fail!(
        q.append_event("f", serde_json::json!({"event": "one"}))
            .await,
        "append"
    );
    ensure!(
        (s2, s3, f2) == (Some(2), Some(3), Some(2)),
        "sequences per job after `submitted`: {s2:?} {s3:?} {f2:?}"
    );
    let none = ok_or_fail!(
        q.append_event("nope", serde_json::json!({"event": "x"}))
            .await,
        "append"
    );
    ensure!(none.is_none(), "no events for an unknown job");
    let later = ok_or_fail!(q.events("e", 1).await, "events");
    let names: Vec<&str> = later.iter().map(super::JobEvent::name).collect();
    ensure!(names == ["one", "two"], "events after 1: {names:?}");
    let follower = tokio::spawn(follow(q.clone(), "e", 0).collect::<Vec<_>>());
    tokio::time::sleep(Duration::from_millis(100)).await;
    ok_or_fail!(q.cancel("e").await, "cancel");
    let followed = ok_or_fail!(
        tokio::time::timeout(Duration::from_secs(10), follower).await,
        "follow did not end after the job was cancelled"
    );
    let followed = ok_or_fail!(followed, "follow task");
    let mut names = Vec::new();
    for ev in followed {
        names.push(ok_or_fail!(ev, "follow").name().to_string());
    }
    ensure!(
        names == ["submitted", "one", "two", "cancelled"],
        "follow saw {names:?}"
    );
    Verdict::Passed
}

/// A job whose worker died on its last attempt fails instead of running again.
pub async fn dead_worker_on_last_attempt_fails<F, Fut>(open: &F) -> Verdict
where
    F: Fn(&'static str, LeaseConfig) -> Fut,
    Fut: Future<Output = crate::Result<Arc<dyn QueueBackend>>>,
{
    let a = ok_or_fail!(open("exhaust", lease("a", 200)).await, "open a");
    let b = ok_or_fail!(open("exhaust", lease("b", 200)).await, "open b");
    let once = SubmitOptions {
        priority: 0,
        max_attempts: 1,
    };
    ok_or_fail!(a.submit(job("x"), once).await, "submit");
    ok_or_fail!(a.claim(chrono::Utc::now()).await, "claim");
    tokio::time::sleep(Duration::from_millis(500)).await;
    ensure!(
        ok_or_fail!(b.claim(chrono::Utc::now()).await, "claim").is_none(),
        "no attempt is left"
    );
    let rec = ok_or_fail!(b.get("x").await, "get");
    ensure!(
        rec.as_ref().is_some_and(|r| r.state == JobState::Failed
            && r.error.as_deref().is_some_and(|e| e.contains("lease"))),
        "failed, saying the lease expired: {rec:?}"
    );
    Verdict::Passed
}

/// `recover` requeues jobs its own owner held (a restart), never a live worker's.
pub async fn recover_spares_live_leases<F, Fut>(open: &F) -> Verdict
where
    F: Fn(&'static str, LeaseConfig) -> Fut,
    Fut: Future<Output = crate::Result<Arc<dyn QueueBackend>>>,
{
    let a = ok_or_fail!(open("recover", lease("a", 60_000)).await, "open a");
    let b = ok_or_fail!(open("recover", lease("b", 60_000)).await, "open b");
    ok_or_fail!(a.submit(job("x"), SubmitOptions::default()).await, "submit");
    ok_or_fail!(a.claim(chrono::Utc::now()).await, "claim");
    ensure!(
        ok_or_fail!(b.recover().await, "recover b") == 0,
        "another worker's live lease is not recovered"
    );
    let a2 = ok_or_fail!(open("recover", lease("a", 60_000)).await, "reopen a");
    ensure!(
        ok_or_fail!(a2.recover().await, "recover a") == 1,
        "the restarted owner recovers its job"
    );
    let rec = ok_or_fail!(a2.get("x").await, "get");
    ensure!(
        rec.as_ref().is_some_and(|r| r.state == JobState::Queued),
        "back in the queue: {rec:?}"
    );
    Verdict::Passed
}
