use super::*;
use crate::testing::{FakeImage, FakeLlm, FakeTrend, FakeTts, FakeUploader};

#[tokio::test]
async fn every_fake_passes_its_suite() {
    let r = llm::run_all(&FakeLlm::new(), &[]).await;
    assert!(r.is_ok() && r.skipped.is_empty(), "{r}");
    let r = tts::run_all(&FakeTts::new(), &[]).await;
    assert!(r.is_ok() && r.skipped.is_empty(), "{r}");
    let r = tts::run_all(&FakeTts::new().with_ssml(true), &[]).await;
    assert!(r.is_ok(), "{r}");
    let r = image::run_all(&FakeImage::new(), &[]).await;
    assert!(r.is_ok() && r.skipped.is_empty(), "{r}");
    let r = upload::run_all(&FakeUploader::new(), &[]).await;
    assert!(r.is_ok() && r.skipped.is_empty(), "{r}");
    let r = trend::run_all(&FakeTrend::new(), &[]).await;
    assert!(r.is_ok() && r.skipped.is_empty(), "{r}");
}

#[tokio::test]
async fn skips_are_visible_and_unknown_skips_fail() {
    let skips = [
        Skip::new("json_mode", "not needed"),
        Skip::new("no_such", "typo"),
    ];
    let r = llm::run_all(&FakeLlm::new(), &skips).await;
    assert_eq!(r.skipped, [("json_mode", "not needed".to_owned())]);
    assert_eq!(r.failed.len(), 1);
    assert!(!r.is_ok());
    let shown = r.to_string();
    assert!(shown.contains("skipped json_mode: not needed"), "{shown}");
    assert!(shown.contains("FAILED  no_such"), "{shown}");
}

#[tokio::test]
async fn a_broken_provider_fails_the_suite() {
    // Every call fails: nothing that needs an answer can pass.
    let llm = FakeLlm::new();
    for _ in 0..10 {
        llm.fail_next(crate::ErrorKind::Upstream);
    }
    let r = llm::run_all(&llm, &[]).await;
    assert!(r.failed.iter().any(|(n, _)| *n == "returns_text"), "{r}");
    // A trend source that answers nothing fails.
    let r = trend::run_all(&FakeTrend::with_topics([]), &[]).await;
    assert!(
        r.failed.iter().any(|(n, _)| *n == "returns_at_most_limit"),
        "{r}"
    );
    let tts_no_timings = FakeTts::new().with_capabilities(crate::Capabilities::new());
    let r = tts::run_all(&tts_no_timings, &[]).await;
    assert!(
        r.skipped.iter().any(|(n, _)| *n == "timings_within_audio"),
        "{r}"
    );
}
