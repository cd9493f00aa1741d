//! Cooldown tests, on paused tokio time with core's fakes.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::layers::{Fallback, LanguageModelLayers, RetryConfig, SpeechSynthesizerLayers};
use crate::testing::{FakeLlm, FakeTts};
use crate::{LanguageModel, LanguageModelExt, SpeechRequest, SpeechSynthesizer};

/// A provider that fails its next `n` calls with `kind`.
fn dead(name: &str, kind: ErrorKind, n: usize) -> Arc<FakeLlm> {
    let fake = Arc::new(FakeLlm::new().named(name, "gpt-4o"));
    for _ in 0..n {
        fake.fail_next(kind);
    }
    fake
}

fn chain(first: Arc<FakeLlm>, second: Arc<FakeLlm>) -> Fallback<dyn LanguageModel> {
    Fallback::new(vec![first, second])
}

/// The measurement: `[Retry(dead), offline]`, 6 calls close together.
async fn six_calls(breakers: Breakers) -> (usize, usize) {
    let start = tokio::time::Instant::now();
    let dead = dead("openai", ErrorKind::Transport, 100);
    let offline = Arc::new(FakeLlm::new().named("offline", "template"));
    let retried: Arc<dyn LanguageModel> = Arc::new(dead.clone().with_retry(RetryConfig::default()));
    let chain: Fallback<dyn LanguageModel> =
        Fallback::new(vec![retried, offline.clone()]).with_breakers(breakers);
    for _ in 0..6 {
        assert_eq!(chain.complete_text("hi").await.unwrap(), "echo: hi");
    }
    println!("6 calls took {:?} of (paused) time", start.elapsed());
    (dead.calls(), offline.calls())
}

#[tokio::test(start_paused = true)]
async fn dead_provider_under_retry_costs_one_call_per_cooldown() {
    let before = six_calls(Breakers::new(BreakerConfig::disabled())).await;
    let after = six_calls(Breakers::default()).await;
    println!("attempts at the dead provider for 6 calls: before {before:?}, after {after:?}");
    assert_eq!(before, (24, 6));
    assert_eq!(after, (4, 6));
}

#[tokio::test(start_paused = true)]
async fn dead_provider_is_skipped_within_the_cooldown_and_the_skip_is_recorded() {
    let dead = dead("openai", ErrorKind::Transport, 100);
    let alive = Arc::new(FakeLlm::new().named("offline", "template"));
    let chain = chain(dead.clone(), alive.clone());
    for _ in 0..10 {
        chain.complete_text("hi").await.unwrap();
        tokio::time::advance(Duration::from_secs(2)).await;
    }
    assert_eq!((dead.calls(), alive.calls()), (3, 10));
    let open = chain.breakers().open();
    assert_eq!(open.len(), 1);
    assert_eq!(
        open[0].to_string(),
        "openai/gpt-4o skipped for 30 s after 3 transport failures"
    );
    assert_eq!(open[0].skipped, 7);
    // opened by the third call at 4 s, for 30 s; it is now 20 s
    assert_eq!(open[0].remaining, Duration::from_secs(14));

    // A chain's last provider is called even while it cools down.
    let only: Fallback<dyn LanguageModel> =
        Fallback::new(vec![dead.clone() as Arc<dyn LanguageModel>])
            .with_breakers(chain.breakers().clone());
    let err = only.complete_text("hi").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(err.related().len(), 1);
    assert_eq!(err.related()[0].provider(), Some("openai/gpt-4o"));
    assert!(
        !err.related()[0].message().contains("skipped for"),
        "it was called: {err}"
    );
    assert_eq!(dead.calls(), 4);
    assert_eq!(
        chain.breakers().open()[0].skipped,
        7,
        "not counted as a skip"
    );
}

#[tokio::test(start_paused = true)]
async fn when_every_provider_is_open_the_last_is_still_tried() {
    let breakers = Breakers::default();
    let first = dead("openai", ErrorKind::Transport, 100);
    // The offline writer failed three times (say, a missing tool), then works again.
    let offline = Arc::new(FakeLlm::new().named("offline", "template"));
    for _ in 0..3 {
        offline.fail_next(ErrorKind::Upstream);
    }
    let chain = chain(first.clone(), offline.clone()).with_breakers(breakers.clone());
    for _ in 0..3 {
        chain.complete_text("hi").await.unwrap_err();
    }
    let open: Vec<String> = breakers.open().iter().map(|o| o.provider.clone()).collect();
    assert_eq!(open, ["offline/template", "openai/gpt-4o"], "both open");

    assert_eq!(chain.complete_text("hi").await.unwrap(), "echo: hi");
    assert_eq!(first.calls(), 3, "the first is skipped");
    assert_eq!(offline.calls(), 4, "the last is called although it is open");
    let open: Vec<String> = breakers.open().iter().map(|o| o.provider.clone()).collect();
    assert_eq!(open, ["openai/gpt-4o"], "its answer closed the last one");
}

#[tokio::test(start_paused = true)]
async fn half_open_try_after_the_cooldown_doubles_it_then_success_closes() {
    let dead = dead("openai", ErrorKind::Upstream, 4);
    let alive = Arc::new(FakeLlm::new());
    let chain = chain(dead.clone(), alive.clone());
    for _ in 0..4 {
        chain.complete_text("hi").await.unwrap();
    }
    assert_eq!(dead.calls(), 3);
    tokio::time::advance(Duration::from_secs(30)).await;
    chain.complete_text("hi").await.unwrap(); // half-open try, fails again
    assert_eq!(dead.calls(), 4);
    let open = chain.breakers().open();
    assert_eq!(open[0].cooldown, Duration::from_secs(60));
    assert_eq!(open[0].failures, 4);
    tokio::time::advance(Duration::from_secs(59)).await;
    chain.complete_text("hi").await.unwrap();
    assert_eq!(dead.calls(), 4, "still cooling down");
    tokio::time::advance(Duration::from_secs(1)).await;
    chain.complete_text("hi").await.unwrap(); // half-open try answers
    assert_eq!(dead.calls(), 5);
    assert!(chain.breakers().open().is_empty());
    chain.complete_text("hi").await.unwrap();
    assert_eq!((dead.calls(), alive.calls()), (6, 6));
}

#[tokio::test(start_paused = true)]
async fn half_open_try_through_a_retry_layer_is_one_attempt() {
    let dead = dead("openai", ErrorKind::Timeout, 100);
    let retried: Arc<dyn LanguageModel> = Arc::new(dead.clone().with_retry(RetryConfig::default()));
    let chain: Fallback<dyn LanguageModel> =
        Fallback::new(vec![retried, FakeLlm::new().into_dyn()]);
    chain.complete_text("hi").await.unwrap();
    assert_eq!(dead.calls(), 4);
    for (wait, calls) in [
        (30, 5),
        (30, 5),
        (30, 6),
        (120, 7),
        (240, 8),
        (600, 9),
        (600, 10),
    ] {
        tokio::time::advance(Duration::from_secs(wait)).await;
        chain.complete_text("hi").await.unwrap();
        assert_eq!(dead.calls(), calls, "after {wait} s");
    }
    // 30 -> 60 -> 120 -> 240 -> 480 -> 600 (capped)
    assert_eq!(
        chain.breakers().open()[0].cooldown,
        Duration::from_secs(600)
    );
}

#[tokio::test(start_paused = true)]
async fn broken_requests_do_not_open_it_and_reset_the_count() {
    let broken = dead("openai", ErrorKind::InvalidRequest, 6);
    let chain = chain(broken.clone(), Arc::new(FakeLlm::new()));
    for _ in 0..6 {
        chain.complete_text("hi").await.unwrap_err();
    }
    assert_eq!(broken.calls(), 6);
    assert!(chain.breakers().open().is_empty());

    for kind in [
        ErrorKind::Transport,
        ErrorKind::Transport,
        ErrorKind::InvalidRequest,
        ErrorKind::Transport,
        ErrorKind::Transport,
    ] {
        broken.fail_next(kind);
    }
    for _ in 0..6 {
        let _ = chain.complete_text("hi").await;
    }
    assert_eq!(broken.calls(), 12, "never three in a row");
    assert!(chain.breakers().open().is_empty());
}

#[tokio::test(start_paused = true)]
async fn quota_and_credentials_open_it_too() {
    for kind in [ErrorKind::QuotaExhausted, ErrorKind::Unauthenticated] {
        let dead = dead("openai", kind, 100);
        let chain = chain(dead.clone(), Arc::new(FakeLlm::new()));
        for _ in 0..5 {
            chain.complete_text("hi").await.unwrap();
        }
        assert_eq!(dead.calls(), 3, "{kind}");
        assert_eq!(chain.breakers().open()[0].kind, kind);
    }
}

#[tokio::test(start_paused = true)]
async fn shared_across_two_chains() {
    let breakers = Breakers::default();
    let dead_llm = dead("openai", ErrorKind::Transport, 100);
    let script = chain(dead_llm.clone(), Arc::new(FakeLlm::new())).with_breakers(breakers.clone());
    // Another chain holding another handle on the same provider (same label).
    let same = Arc::new(FakeLlm::new().named("openai", "gpt-4o"));
    let narration = chain(same.clone(), Arc::new(FakeLlm::new())).with_breakers(breakers.clone());
    for _ in 0..3 {
        script.complete_text("hi").await.unwrap();
    }
    narration.complete_text("hi").await.unwrap();
    assert_eq!(same.calls(), 0, "the second chain skips it too");

    // Different traits, one registry: a dead voice is listed next to the dead model.
    let voice = Arc::new(FakeTts::new().named("elevenlabs", "v2"));
    let voices: Fallback<dyn SpeechSynthesizer> = Fallback::new(vec![
        Arc::new(voice.clone().with_retry(RetryConfig::default())) as Arc<dyn SpeechSynthesizer>,
        FakeTts::new().into_dyn(),
    ])
    .with_breakers(breakers.clone());
    for _ in 0..4 {
        voice.fail_next(ErrorKind::Upstream);
    }
    voices.synthesize(&SpeechRequest::new("hi")).await.unwrap();
    voices.synthesize(&SpeechRequest::new("hi")).await.unwrap();
    assert_eq!(voice.calls(), 4);
    let lines: Vec<String> = breakers.open().iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "elevenlabs/v2 skipped for 30 s after 4 upstream failures",
            "openai/gpt-4o skipped for 30 s after 3 transport failures",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_half_open_try_frees_the_next_one() {
    let dead = dead("openai", ErrorKind::Transport, 3);
    let breakers = Breakers::default();
    let chain = chain(dead.clone(), Arc::new(FakeLlm::new())).with_breakers(breakers.clone());
    for _ in 0..3 {
        chain.complete_text("hi").await.unwrap();
    }
    tokio::time::advance(Duration::from_secs(30)).await;
    let Admission::Call(ticket) = breakers.admit("openai/gpt-4o") else {
        panic!("the cooldown is over");
    };
    assert!(ticket.is_probe());
    assert!(matches!(
        breakers.admit("openai/gpt-4o"),
        Admission::Skip(_)
    ));
    drop(ticket); // the probing call was dropped
    chain.complete_text("hi").await.unwrap();
    assert_eq!(dead.calls(), 4);
    assert!(breakers.open().is_empty());
}
