use super::*;
use crate::layers::conformance_over_fakes;
use crate::testing::FakeLlm;
use crate::{ErrorKind, LanguageModel, LanguageModelExt};

#[tokio::test]
async fn hit_makes_no_inner_call_and_is_marked_cached() {
    let c = Cache::new(FakeLlm::new(), Arc::new(MemoryCacheStore::new()));
    let req = crate::ChatRequest::new(vec![crate::Message::user("hello")]);
    let first = c.complete(&req).await.unwrap();
    assert!(!first.usage.cached);
    let second = c.complete(&req).await.unwrap();
    assert_eq!(c.inner().calls(), 1);
    assert!(second.usage.cached);
    assert_eq!(second.usage.requests, 0);
    assert_eq!(second.text, first.text);
    c.complete_text("other").await.unwrap();
    assert_eq!(c.inner().calls(), 2);
}

#[tokio::test]
async fn failures_are_not_cached() {
    let c = Cache::new(FakeLlm::new(), Arc::new(MemoryCacheStore::new()));
    c.inner().fail_next(ErrorKind::Upstream);
    assert!(c.complete_text("x").await.is_err());
    c.complete_text("x").await.unwrap();
    c.complete_text("x").await.unwrap();
    assert_eq!(c.inner().calls(), 2);
}

#[tokio::test]
async fn key_depends_on_provider_model_and_request() {
    let req = crate::ChatRequest::new(vec![crate::Message::user("x")]);
    let k = |p: &str, m: &str| cache_key("LanguageModel", p, m, &req).unwrap();
    assert_eq!(k("a", "b"), k("a", "b"));
    assert_ne!(k("a", "b"), k("a", "c"));
    assert_ne!(k("a", "b"), k("ab", ""));
    let store: Arc<dyn CacheStore> = Arc::new(MemoryCacheStore::new());
    let m1 = Cache::new(FakeLlm::new().named("fake", "m1"), store.clone());
    let m2 = Cache::new(FakeLlm::new().named("fake", "m2"), store);
    m1.complete_text("same").await.unwrap();
    m2.complete_text("same").await.unwrap();
    assert_eq!((m1.inner().calls(), m2.inner().calls()), (1, 1));
}

#[tokio::test]
async fn fs_store_survives_a_new_instance() {
    let dir = tempfile::tempdir().unwrap();
    let a = Cache::new(FakeLlm::new(), Arc::new(FsCacheStore::new(dir.path())));
    a.complete_text("persist me").await.unwrap();
    let b = Cache::new(FakeLlm::new(), Arc::new(FsCacheStore::new(dir.path())));
    let again = b
        .complete(&crate::ChatRequest::new(vec![crate::Message::user(
            "persist me",
        )]))
        .await
        .unwrap();
    assert_eq!(b.inner().calls(), 0);
    assert!(again.usage.cached);
    assert_eq!(again.text, "echo: persist me");
}

#[tokio::test]
async fn corrupt_entry_is_a_miss() {
    let store = Arc::new(MemoryCacheStore::new());
    let c = Cache::new(FakeLlm::new(), store.clone());
    let req = crate::ChatRequest::new(vec![crate::Message::user("x")]);
    let key = cache_key("LanguageModel", "fake", "llm", &req).unwrap();
    store.put(&key, b"{not json").await.unwrap();
    c.complete(&req).await.unwrap();
    assert_eq!(c.inner().calls(), 1);
    assert!(FsCacheStore::new("/tmp").get("../etc").await.is_err());
}

#[tokio::test]
async fn conformance() {
    let store: Arc<dyn CacheStore> = Arc::new(MemoryCacheStore::new());
    conformance_over_fakes!(no_upload | p | Cache::new(p, store.clone()));
}

/// A cached answer still names the provider that first gave it, not the chain's first one.
#[tokio::test]
async fn hit_keeps_who_answered() {
    use crate::layers::Fallback;
    let dead = Arc::new(FakeLlm::new().named("openai", "gpt-4o"));
    let alive = Arc::new(FakeLlm::new().named("offline", "template"));
    dead.fail_next(ErrorKind::Upstream);
    let chain: Arc<dyn LanguageModel> =
        Arc::new(Fallback::<dyn LanguageModel>::new(vec![dead, alive]));
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn CacheStore> = Arc::new(FsCacheStore::new(dir.path()));
    let c = Cache::new(chain, store);
    let req = crate::ChatRequest::new(vec![crate::Message::user("provenance")]);
    let first = c.complete(&req).await.unwrap();
    let second = c.complete(&req).await.unwrap();
    assert!(second.usage.cached);
    for r in [first, second] {
        assert_eq!(
            r.answered_by.map(|p| p.label()).as_deref(),
            Some("offline/template")
        );
    }
}
