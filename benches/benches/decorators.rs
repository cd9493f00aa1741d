//! Criterion bench of the decorator stack `Cached(Fallback[Retry(Metered(fake))])`: a miss
//! (fresh prompt each iteration, in-memory store) and a hit.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use ytempire_core::layers::{Fallback, LanguageModelLayers, MemoryCacheStore, RetryConfig};
use ytempire_core::metering::{Labels, MemorySink};
use ytempire_core::testing::FakeLlm;
use ytempire_core::{ChatRequest, LanguageModel, Message};

fn stack(fake: Arc<FakeLlm>) -> impl LanguageModel {
    let sink = Arc::new(MemorySink::new());
    Fallback::new(vec![
        fake.metered(sink, Labels::default())
            .with_retry(RetryConfig::default())
            .into_dyn(),
    ])
    .with_cache(Arc::new(MemoryCacheStore::new()))
}

fn bench(c: &mut Criterion) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    let fake = Arc::new(FakeLlm::new());
    let model = stack(fake.clone());
    let n = AtomicU64::new(0);
    c.bench_function("stack_miss", |b| {
        b.to_async(&rt).iter(|| {
            let i = n.fetch_add(1, Ordering::Relaxed);
            let req = ChatRequest::new(vec![Message::user(format!("prompt {i}"))]);
            let model = &model;
            async move { model.complete(&req).await.map(|r| r.text.len()) }
        });
    });
    let hit = ChatRequest::new(vec![Message::user("the same prompt")]);
    let _ = rt.block_on(model.complete(&hit));
    let before = fake.calls();
    c.bench_function("stack_hit", |b| {
        b.to_async(&rt)
            .iter(|| async { model.complete(&hit).await.map(|r| r.usage.cached) });
    });
    assert_eq!(fake.calls(), before, "a cache hit reached the provider");
}

criterion_group!(benches, bench);
criterion_main!(benches);
