use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

use super::*;
use crate::layers::conformance_over_fakes;
use crate::{
    Capabilities, ChatRequest, ChatResponse, LanguageModel, LanguageModelExt, ProviderInfo, Usage,
};

/// Counts calls in flight, records start times, takes one second per call.
#[derive(Debug, Default)]
struct Probe {
    now: AtomicUsize,
    max: AtomicUsize,
    starts: Mutex<Vec<Duration>>,
    origin: Mutex<Option<Instant>>,
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("probe")
    }
}

#[async_trait]
impl LanguageModel for Probe {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new("probe", "p", Capabilities::new())
    }

    async fn complete(&self, _request: &ChatRequest) -> Result<ChatResponse> {
        let origin = *self.origin.lock().unwrap().get_or_insert_with(Instant::now);
        self.starts.lock().unwrap().push(origin.elapsed());
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(n, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        Ok(ChatResponse::new("ok", "p", Usage::tokens(1, 1)))
    }
}

#[tokio::test(start_paused = true)]
async fn concurrency_limit_holds() {
    let limited = ConcurrencyLimit::new(Probe::default(), 3);
    let calls = (0..10).map(|_| limited.complete_text("x"));
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|r| r.is_ok()));
    assert_eq!(limited.inner().max.load(Ordering::SeqCst), 3);
    assert_eq!(limited.to_string(), "ConcurrencyLimit(3, probe)");
}

#[tokio::test(start_paused = true)]
async fn rate_limit_spaces_calls() {
    let paced = RateLimit::new(Probe::default(), 2, Duration::from_secs(1));
    let calls = (0..5).map(|_| paced.complete_text("x"));
    futures::future::join_all(calls).await;
    let starts = paced.inner().starts.lock().unwrap().clone();
    let ms: Vec<u128> = starts.iter().map(Duration::as_millis).collect();
    // A burst of two, then one every 500 ms.
    assert_eq!(ms, [0, 0, 500, 1000, 1500]);
}

#[tokio::test(start_paused = true)]
async fn conformance() {
    conformance_over_fakes!(|p| ConcurrencyLimit::new(p, 2));
    conformance_over_fakes!(|p| RateLimit::new(p, 100, Duration::from_secs(1)));
}
