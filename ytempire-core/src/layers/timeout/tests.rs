use super::*;
use crate::LanguageModelExt;
use crate::layers::{Chaos, ChaosConfig, Fault, conformance_over_fakes};
use crate::testing::FakeLlm;

#[tokio::test(start_paused = true)]
async fn timeout_fires() {
    let slow = Chaos::new(
        FakeLlm::new(),
        ChaosConfig::scripted([Fault::Delay(Duration::from_secs(60))]),
    );
    let t = Timeout::new(slow, Duration::from_secs(2));
    let start = tokio::time::Instant::now();
    let err = t.complete_text("x").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.provider(), Some("fake/llm"));
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    assert_eq!(t.inner().inner().calls(), 0);
    // The next call is fast and passes.
    assert_eq!(t.complete_text("y").await.unwrap(), "echo: y");
    assert_eq!(t.to_string(), "Timeout(2s, Chaos(fake/llm))");
}

#[tokio::test(start_paused = true)]
async fn conformance() {
    conformance_over_fakes!(|p| Timeout::new(p, Duration::from_secs(30)));
}
