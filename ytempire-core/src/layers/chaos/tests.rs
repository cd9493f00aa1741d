use super::*;
use crate::LanguageModelExt;
use crate::layers::conformance_over_fakes;
use crate::testing::FakeLlm;

#[tokio::test(start_paused = true)]
async fn scripted_faults_appear_in_order() {
    let c = Chaos::new(
        FakeLlm::new(),
        ChaosConfig::scripted([
            Fault::Fail(ErrorKind::Upstream),
            Fault::RateLimited(Duration::from_secs(3)),
            Fault::Pass,
        ]),
    );
    let e1 = c.complete_text("a").await.unwrap_err();
    assert_eq!(e1.kind(), ErrorKind::Upstream);
    let e2 = c.complete_text("a").await.unwrap_err();
    assert_eq!(e2.kind(), ErrorKind::RateLimited);
    assert_eq!(e2.retry_after(), Some(Duration::from_secs(3)));
    assert_eq!(c.complete_text("a").await.unwrap(), "echo: a");
    assert_eq!(c.injected(), 2);
    assert_eq!(c.inner().calls(), 1);
}

#[tokio::test]
async fn random_faults_are_seeded() {
    async fn run(seed: u64) -> Vec<bool> {
        let c = Chaos::new(
            FakeLlm::new(),
            ChaosConfig::default().with_random(0.5, vec![ErrorKind::Transport], seed),
        );
        let mut out = Vec::new();
        for _ in 0..100 {
            out.push(c.complete_text("a").await.is_err());
        }
        assert_eq!(c.injected(), out.iter().filter(|e| **e).count());
        out
    }
    let a = run(7).await;
    assert_eq!(a, run(7).await);
    let faults = a.iter().filter(|e| **e).count();
    assert!((20..=80).contains(&faults), "{faults}");
}

#[tokio::test]
async fn conformance() {
    conformance_over_fakes!(|p| Chaos::new(p, ChaosConfig::default()));
}
