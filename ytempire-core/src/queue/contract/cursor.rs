//! Contract scenarios for global event positions ([`QueueBackend::events_after`]) and
//! follower cursors ([`QueueBackend::load_cursor`], [`QueueBackend::save_cursor`]).

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;

use super::job;
use crate::conformance::{Verdict, ensure, ok_or_fail};
use crate::queue::{LeaseConfig, QueueBackend, SubmitOptions};

/// Writers appending at once while a follower reads from its cursor: positions increase, every
/// event gets one, pages continue where they stopped, and the follower (which only ever asks
/// for events after the last position it saw) misses none of them.
pub async fn events_have_global_positions<F, Fut>(open: &F) -> Verdict
where
    F: Fn(&'static str, LeaseConfig) -> Fut,
    Fut: Future<Output = crate::Result<Arc<dyn QueueBackend>>>,
{
    const WRITERS: usize = 4;
    const EACH: usize = 15;
    let q = ok_or_fail!(open("positions", LeaseConfig::default()).await, "open");
    for w in 0..WRITERS {
        ok_or_fail!(
            q.submit(job(&format!("p{w}")), SubmitOptions::default())
                .await,
            "submit"
        );
    }
    let mut writers: Vec<tokio::task::JoinHandle<crate::Result<()>>> = Vec::new();
    for w in 0..WRITERS {
        let q = q.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..EACH {
                q.append_event(&format!("p{w}"), serde_json::json!({"event": "n", "i": i}))
                    .await?;
            }
            Ok(())
        }));
    }
    // The follower: reads after its cursor until the writers are done and nothing is left.
    let mut cursor = 0;
    let mut seen = Vec::new();
    loop {
        let done = writers.iter().all(tokio::task::JoinHandle::is_finished);
        let page = ok_or_fail!(q.events_after(cursor, 7).await, "events_after");
        if page.is_empty() && done {
            break;
        }
        if page.is_empty() {
            tokio::task::yield_now().await;
        }
        for e in page {
            ensure!(
                e.position > cursor,
                "position {} not above the cursor {cursor}",
                e.position
            );
            cursor = e.position;
            seen.push((e.event.job.clone(), e.event.seq));
        }
    }
    for w in writers {
        ok_or_fail!(ok_or_fail!(w.await, "writer task"), "append");
    }
    let all = ok_or_fail!(q.events_after(0, 10_000).await, "events_after");
    let expected = WRITERS * (EACH + 1);
    ensure!(
        all.len() == expected,
        "{} events with positions, {expected} recorded",
        all.len()
    );
    ensure!(
        all.windows(2).all(|w| w[0].position < w[1].position),
        "positions are not increasing"
    );
    let full: Vec<(String, u64)> = all
        .iter()
        .map(|e| (e.event.job.clone(), e.event.seq))
        .collect();
    ensure!(
        seen == full,
        "the follower saw {} events, {} exist: it skipped some",
        seen.len(),
        full.len()
    );
    // Within a job, position order is sequence order.
    for w in 0..WRITERS {
        let job = format!("p{w}");
        let seqs: Vec<u64> = all
            .iter()
            .filter(|e| e.event.job == job)
            .map(|e| e.event.seq)
            .collect();
        ensure!(
            seqs == (1..=(EACH as u64 + 1)).collect::<Vec<_>>(),
            "job {job}'s events out of order by position: {seqs:?}"
        );
    }
    let unique: BTreeSet<u64> = all.iter().map(|e| e.position).collect();
    ensure!(unique.len() == all.len(), "a position was used twice");
    Verdict::Passed
}

/// Cursors start at 0, keep the last saved position per name, and survive reopening.
pub async fn cursors_are_stored<F, Fut>(open: &F) -> Verdict
where
    F: Fn(&'static str, LeaseConfig) -> Fut,
    Fut: Future<Output = crate::Result<Arc<dyn QueueBackend>>>,
{
    let q = ok_or_fail!(open("cursors", LeaseConfig::default()).await, "open");
    ensure!(
        ok_or_fail!(q.load_cursor("hooks").await, "load") == 0,
        "a new cursor is not at 0"
    );
    ok_or_fail!(q.save_cursor("hooks", 5).await, "save");
    ok_or_fail!(q.save_cursor("hooks", 9).await, "save");
    ok_or_fail!(q.save_cursor("other", 2).await, "save");
    let again = ok_or_fail!(open("cursors", LeaseConfig::default()).await, "reopen");
    let (hooks, other) = (
        ok_or_fail!(again.load_cursor("hooks").await, "load"),
        ok_or_fail!(again.load_cursor("other").await, "load"),
    );
    ensure!(
        (hooks, other) == (9, 2),
        "cursors after reopening: hooks {hooks}, other {other}"
    );
    Verdict::Passed
}
