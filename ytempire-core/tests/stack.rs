//! The recommended stack over fakes: `Cached(Fallback[Retry(Metered(fake)), ...])`.
#![cfg(feature = "testing")]

use std::sync::Arc;

use ytempire_core::layers::{Fallback, LanguageModelLayers, MemoryCacheStore, RetryConfig};
use ytempire_core::metering::{Labels, MemorySink, Outcome};
use ytempire_core::testing::{FakeLlm, Turn};
use ytempire_core::{ChatRequest, ErrorKind, LanguageModel, Message};

#[tokio::test(start_paused = true)]
async fn stack_falls_back_meters_and_caches() {
    let sink = Arc::new(MemorySink::new());
    let m1 =
        Arc::new(FakeLlm::scripted([Turn::error(ErrorKind::QuotaExhausted)]).named("fake", "m1"));
    let m2 = Arc::new(FakeLlm::new().named("fake", "m2"));
    m2.fail_next(ErrorKind::Upstream);
    let stack = Fallback::new(vec![
        m1.clone()
            .metered(sink.clone(), Labels::default())
            .with_retry(RetryConfig::default())
            .into_dyn(),
        m2.clone()
            .metered(sink.clone(), Labels::default())
            .with_retry(RetryConfig::default())
            .into_dyn(),
    ])
    .with_cache(Arc::new(MemoryCacheStore::new()));
    assert_eq!(
        stack.to_string(),
        "Cached(Fallback[Retry(3, Metered(fake/m1)), Retry(3, Metered(fake/m2))])"
    );
    let req = ChatRequest::new(vec![Message::user("hi")]);
    let first = stack.complete(&req).await.unwrap();
    assert_eq!(first.text, "echo: hi");
    assert_eq!((m1.calls(), m2.calls()), (1, 2));
    let outcomes: Vec<_> = sink
        .records()
        .iter()
        .map(|r| (r.model.clone(), r.attempt, r.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            (
                "m1".to_owned(),
                1,
                Outcome::Failure(ErrorKind::QuotaExhausted)
            ),
            ("m2".to_owned(), 1, Outcome::Failure(ErrorKind::Upstream)),
            ("m2".to_owned(), 2, Outcome::Success),
        ]
    );
    let hit = stack.complete(&req).await.unwrap();
    assert!(hit.usage.cached);
    assert_eq!((m1.calls(), m2.calls()), (1, 2), "a hit reached a provider");
    assert_eq!(sink.records().len(), 3);
}
