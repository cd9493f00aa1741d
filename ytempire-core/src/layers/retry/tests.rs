use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::*;
use crate::layers::conformance_over_fakes;
use crate::testing::{FakeLlm, FakeUploader};
use crate::{LanguageModel, LanguageModelExt, UploadRequest, UploaderExt, VideoMetadata};

#[derive(Debug)]
struct Fixed(f64);
impl JitterSource for Fixed {
    fn next_unit(&self) -> f64 {
        self.0
    }
}

fn cfg() -> RetryConfig {
    RetryConfig::default()
        .with_max_retries(3)
        .with_backoff(Backoff::new(
            Duration::from_millis(100),
            Duration::from_secs(10),
            2.0,
        ))
}

fn retry<P>(p: P, c: RetryConfig) -> Retry<P> {
    Retry::new(p, c).with_jitter(Arc::new(Fixed(1.0)))
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured() {
    let llm = FakeLlm::new();
    llm.fail_with(
        Error::new(ErrorKind::RateLimited, "slow down").with_retry_after(Duration::from_secs(5)),
    );
    let r = retry(llm, cfg());
    let start = Instant::now();
    assert_eq!(r.complete_text("hi").await.unwrap(), "echo: hi");
    assert!(
        start.elapsed() >= Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(r.inner().calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn backoff_uses_injected_jitter() {
    let llm = FakeLlm::new();
    llm.fail_next(ErrorKind::Upstream)
        .fail_next(ErrorKind::Upstream);
    let r = retry(llm, cfg());
    let start = Instant::now();
    r.complete_text("hi").await.unwrap();
    // jitter 1.0: first wait 100ms * 2 = 200ms, second 200ms * 2 = 400ms.
    assert_eq!(start.elapsed(), Duration::from_millis(600));
    let r = Retry::new(FakeLlm::new(), cfg()).with_jitter(Arc::new(Fixed(0.0)));
    r.inner().fail_next(ErrorKind::Upstream);
    let start = Instant::now();
    r.complete_text("hi").await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(100));
}

#[tokio::test(start_paused = true)]
async fn invalid_request_and_quota_are_never_retried() {
    for kind in [ErrorKind::InvalidRequest, ErrorKind::QuotaExhausted] {
        let r = retry(FakeLlm::new(), cfg());
        r.inner().fail_next(kind);
        let err = r.complete_text("hi").await.unwrap_err();
        assert_eq!(err.kind(), kind);
        assert_eq!(err.attempts(), Some(1));
        assert_eq!(r.inner().calls(), 1);
    }
}

#[tokio::test(start_paused = true)]
async fn exhaustion_records_attempts_and_elapsed() {
    let r = retry(FakeLlm::new(), cfg().with_max_retries(2));
    for _ in 0..5 {
        r.inner().fail_next(ErrorKind::Upstream);
    }
    let err = r.complete_text("hi").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Upstream);
    assert_eq!(err.attempts(), Some(3));
    assert_eq!(err.elapsed(), Some(Duration::from_millis(600)));
    assert_eq!(r.inner().calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn deadline_stops_the_loop() {
    let c = cfg()
        .with_max_retries(1000)
        .with_total_timeout(Duration::from_secs(10))
        .with_backoff(Backoff::new(
            Duration::from_secs(1),
            Duration::from_secs(2),
            2.0,
        ));
    let r = retry(FakeLlm::new(), c);
    for _ in 0..1000 {
        r.inner().fail_next(ErrorKind::Transport);
    }
    let start = Instant::now();
    let err = r.complete_text("hi").await.unwrap_err();
    assert!(start.elapsed() <= Duration::from_secs(10));
    let attempts = err.attempts().unwrap();
    assert!((2..=10).contains(&attempts), "{attempts}");
    assert_eq!(r.inner().calls(), attempts as usize);
}

#[tokio::test(start_paused = true)]
async fn per_attempt_timeout_retries_a_hung_attempt() {
    use crate::layers::{Chaos, ChaosConfig, Fault};
    let hung = Chaos::new(
        FakeLlm::new(),
        ChaosConfig::scripted([Fault::Delay(Duration::from_secs(3600))]),
    );
    let r = retry(hung, cfg().with_per_attempt_timeout(Duration::from_secs(1)));
    let start = Instant::now();
    assert_eq!(r.complete_text("hi").await.unwrap(), "echo: hi");
    assert_eq!(start.elapsed(), Duration::from_millis(1200));
    assert_eq!(r.inner().inner().calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn uploads_retry_only_where_no_video_can_exist() {
    let path = std::env::temp_dir().join(format!("ytempire-retry-{}.mp4", std::process::id()));
    std::fs::write(&path, b"video").unwrap();
    let req = UploadRequest::new(
        &path,
        VideoMetadata::new("t")
            .with_made_for_kids(false)
            .with_synthetic_media(false),
    );
    let r = retry(FakeUploader::new(), cfg());
    r.inner().fail_next(ErrorKind::Upstream);
    r.upload_quietly(&req).await.unwrap();
    assert_eq!(r.inner().calls(), 2);
    let r = retry(FakeUploader::new(), cfg());
    r.inner().fail_next(ErrorKind::Timeout);
    assert_eq!(
        r.upload_quietly(&req).await.unwrap_err().kind(),
        ErrorKind::Timeout
    );
    assert_eq!(r.inner().calls(), 1);
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test(start_paused = true)]
async fn attempt_number_is_visible_inside() {
    assert_eq!(current_attempt(), 1);
    let r = retry(FakeLlm::new(), cfg());
    r.inner().fail_next(ErrorKind::Upstream);
    r.complete_text("x").await.unwrap();
    assert_eq!(r.to_string(), "Retry(3, fake/llm)");
    assert_eq!(r.info(), r.inner().info());
}

#[tokio::test(start_paused = true)]
async fn conformance() {
    conformance_over_fakes!(|p| retry(p, cfg()));
}
