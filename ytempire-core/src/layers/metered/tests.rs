use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::layers::{
    Chaos, ChaosConfig, Fault, Retry, RetryConfig, Timeout, conformance_over_fakes,
};
use crate::metering::{Labels, MemorySink, with_labels};
use crate::testing::FakeLlm;
use crate::{ErrorKind, LanguageModelExt};

#[tokio::test(start_paused = true)]
async fn every_attempt_is_metered_with_its_number() {
    let sink = Arc::new(MemorySink::new());
    let llm = FakeLlm::new().named("fake", "m1");
    llm.fail_next(ErrorKind::Upstream)
        .fail_next(ErrorKind::RateLimited);
    let stack = Retry::new(
        Metered::new(llm, sink.clone(), Labels::new("job-1", "script")),
        RetryConfig::default(),
    );
    stack.complete_text("hello").await.unwrap();
    let records = sink.records();
    assert_eq!(records.len(), 3);
    assert_eq!(
        records.iter().map(|r| r.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(
        records.iter().map(|r| r.outcome).collect::<Vec<_>>(),
        [
            Outcome::Failure(ErrorKind::Upstream),
            Outcome::Failure(ErrorKind::RateLimited),
            Outcome::Success
        ]
    );
    assert!(records[2].usage.input_tokens > 0);
    assert!(records[0].usage.is_empty());
    assert!(
        records
            .iter()
            .all(|r| r.provider == "fake" && r.model == "m1")
    );
    assert!(records.iter().all(|r| r.capability == CapabilityKind::Llm));
    assert_eq!(records[0].labels, Labels::new("job-1", "script"));
}

#[tokio::test]
async fn scope_labels_override_layer_labels() {
    let sink = Arc::new(MemorySink::new());
    let m = Metered::new(FakeLlm::new(), sink.clone(), Labels::new("job-1", "script"));
    let scope = Labels {
        job: Some("job-9".into()),
        stage: None,
    };
    with_labels(scope, m.complete_text("x")).await.unwrap();
    assert_eq!(sink.records()[0].labels, Labels::new("job-9", "script"));
}

#[tokio::test(start_paused = true)]
async fn abandoned_attempt_is_recorded_as_cancelled() {
    let sink = Arc::new(MemorySink::new());
    let slow = Chaos::new(
        FakeLlm::new(),
        ChaosConfig::scripted([Fault::Delay(Duration::from_secs(60))]),
    );
    let t = Timeout::new(
        Metered::new(slow, sink.clone(), Labels::default()),
        Duration::from_secs(1),
    );
    assert_eq!(
        t.complete_text("x").await.unwrap_err().kind(),
        ErrorKind::Timeout
    );
    let records = sink.records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].outcome, Outcome::Failure(ErrorKind::Cancelled));
    assert_eq!(records[0].elapsed, Duration::from_secs(1));
}

#[tokio::test]
async fn conformance() {
    let sink: Arc<dyn UsageSink> = Arc::new(MemorySink::new());
    conformance_over_fakes!(|p| Metered::new(p, sink.clone(), Labels::default()));
}
