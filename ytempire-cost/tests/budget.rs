//! Budgets stop the call that would cross a cap, degrade to a cheaper model, and alert.

use crate::common;

use common::MeteredFake;
use rust_decimal::Decimal;
use std::sync::{Arc, Mutex};
use ytempire_core::metering::{Labels, with_labels};
use ytempire_core::{
    Capabilities, ChatRequest, ErrorKind, LanguageModel, Message, ProviderInfo, Usage,
};
use ytempire_cost::{Alert, BudgetConfig, BudgetScope, Budgeted, Catalog, CostLedger};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn request() -> ChatRequest {
    // 400 chars ≈ 100 prompt tokens; 1000 output tokens.
    ChatRequest::new(vec![Message::user("x".repeat(400))]).with_max_tokens(1000)
}

#[tokio::test]
async fn job_budget_stops_the_call_that_would_cross_it() {
    let alerts = Arc::new(Mutex::new(Vec::<Alert>::new()));
    let seen = alerts.clone();
    // gpt-4o: 100 in + 1000 out = 0.00025 + 0.01 = 0.01025 per call; cap 0.05 allows 4.
    let ledger = Arc::new(
        CostLedger::in_memory(Catalog::embedded().unwrap())
            .unwrap()
            .with_budgets(BudgetConfig::default().with_per_job(Some(d("0.05"))))
            .on_alert(move |a| seen.lock().unwrap().push(a.clone())),
    );
    let fake = Arc::new(MeteredFake::new("gpt-4o", ledger.clone(), 1000));
    let guarded = Budgeted::new(fake.clone(), ledger.clone());
    let mut refused = None;
    for i in 0..10 {
        let r = with_labels(Labels::new("job-1", "script"), guarded.complete(&request())).await;
        if let Err(e) = r {
            refused = Some((i, e));
            break;
        }
    }
    let (i, err) = refused.expect("the cap never stopped a call");
    assert_eq!(i, 4);
    assert_eq!(err.kind(), ErrorKind::BudgetExceeded);
    assert_eq!(
        fake.calls(),
        4,
        "the refused call never reached the provider"
    );
    let spent = ledger.job_spend("job-1");
    assert_eq!(spent, d("0.041"));
    assert!(spent <= d("0.05"), "no money spent past the cap");
    // Another job has its own budget.
    with_labels(Labels::new("job-2", "script"), guarded.complete(&request()))
        .await
        .unwrap();
    let alerts = alerts.lock().unwrap();
    let pcts: Vec<u8> = alerts
        .iter()
        .filter(|a| a.scope == BudgetScope::Job("job-1".into()))
        .map(|a| a.percent)
        .collect();
    assert_eq!(pcts, [50, 80], "50% at call 3, 80% at call 4; each once");
}

#[tokio::test]
async fn alerts_reach_100_percent_once() {
    let alerts = Arc::new(Mutex::new(Vec::<Alert>::new()));
    let seen = alerts.clone();
    let ledger = CostLedger::in_memory(Catalog::embedded().unwrap())
        .unwrap()
        .with_budgets(BudgetConfig::default().with_per_job(Some(d("0.02"))))
        .on_alert(move |a| seen.lock().unwrap().push(a.clone()));
    for _ in 0..3 {
        ytempire_core::UsageSink::record(
            &ledger,
            common::rec(
                "j",
                "s",
                "openai",
                "gpt-4o",
                Usage::tokens(0, 1000),
                ytempire_core::metering::Outcome::Success,
                1,
                3,
            ),
        );
    }
    let pcts: Vec<u8> = alerts.lock().unwrap().iter().map(|a| a.percent).collect();
    assert_eq!(pcts, [50, 80, 100]);
    assert!(
        alerts.lock().unwrap()[2]
            .to_string()
            .contains("reached 100%")
    );
}

#[tokio::test]
async fn degrades_to_the_cheaper_model_when_the_primary_would_cross() {
    let ledger = Arc::new(
        CostLedger::in_memory(Catalog::embedded().unwrap())
            .unwrap()
            .with_budgets(BudgetConfig::default().with_per_job(Some(d("0.005")))),
    );
    let big = Arc::new(MeteredFake::new("gpt-4o", ledger.clone(), 1000));
    let small = Arc::new(MeteredFake::new("gpt-4o-mini", ledger.clone(), 1000));
    let guarded = Budgeted::new(big.clone() as Arc<dyn LanguageModel>, ledger.clone())
        .degrade_to(small.clone() as Arc<dyn LanguageModel>);
    let r = with_labels(Labels::new("j", "script"), guarded.complete(&request()))
        .await
        .unwrap();
    assert_eq!(r.model, "gpt-4o-mini");
    assert_eq!((big.calls(), small.calls()), (0, 1));
    assert_eq!(guarded.to_string(), "Budgeted(fake/gpt-4o)");
}

#[tokio::test]
async fn provider_day_cap_and_unpriced_paid_calls_are_refused() {
    let ledger = Arc::new(
        CostLedger::in_memory(Catalog::embedded().unwrap())
            .unwrap()
            .with_budgets(
                BudgetConfig::default()
                    .with_per_job(None)
                    .with_provider_day("openai", d("0.015")),
            ),
    );
    let fake = Arc::new(MeteredFake::new("gpt-4o", ledger.clone(), 1000));
    let guarded = Budgeted::new(fake.clone(), ledger.clone());
    guarded.complete(&request()).await.unwrap();
    let err = guarded.complete(&request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BudgetExceeded);
    assert!(err.to_string().contains("provider openai"), "{err}");
    assert_eq!(fake.calls(), 1);

    let unknown = ProviderInfo::new("acme", "x", Capabilities::new().with_paid(true));
    let err = ledger
        .admit(Some("j"), &unknown, &Usage::tokens(1, 1))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BudgetExceeded);
    let free = ProviderInfo::new("acme", "x", Capabilities::new());
    assert!(ledger.admit(Some("j"), &free, &Usage::tokens(1, 1)).is_ok());
}

#[tokio::test]
async fn reservations_hold_concurrent_calls_under_the_cap() {
    let ledger = CostLedger::in_memory(Catalog::embedded().unwrap())
        .unwrap()
        .with_budgets(BudgetConfig::default().with_per_job(Some(d("0.025"))));
    let info = ProviderInfo::new("openai", "gpt-4o", Capabilities::new().with_paid(true));
    let usage = Usage::tokens(0, 1000); // 0.01 each
    let r1 = ledger.admit(Some("j"), &info, &usage).unwrap();
    let r2 = ledger.admit(Some("j"), &info, &usage).unwrap();
    assert_eq!(r1.amount(), d("0.01"));
    assert_eq!(
        ledger.admit(Some("j"), &info, &usage).unwrap_err().kind(),
        ErrorKind::BudgetExceeded
    );
    drop(r2);
    assert!(ledger.admit(Some("j"), &info, &usage).is_ok());
    drop(r1);
}

#[tokio::test]
async fn trends_and_uploads_are_budgeted_too() {
    use ytempire_core::testing::{FakeTrend, FakeUploader};
    use ytempire_core::{
        Capabilities, TrendRequest, TrendSource, UploadRequest, UploaderExt, VideoMetadata,
    };
    let ledger = Arc::new(CostLedger::in_memory(Catalog::embedded().unwrap()).unwrap());

    // A free trend source passes through and answers.
    let trends = Arc::new(FakeTrend::new());
    let guarded = Budgeted::new(trends.clone(), ledger.clone());
    let answer = guarded.trends(&TrendRequest::new(3)).await.unwrap();
    assert_eq!(trends.calls(), 1);
    assert!(answer.topics.len() <= 3);
    assert_eq!(guarded.to_string(), format!("Budgeted({trends})"));

    // A paid uploader the catalog cannot price is refused before it is called.
    let paid = Arc::new(
        FakeUploader::new()
            .named("acme-video", "push")
            .with_capabilities(Capabilities::new().with_paid(true)),
    );
    let guarded = Budgeted::new(paid.clone(), ledger.clone());
    let request = UploadRequest::new("video.mp4", VideoMetadata::new("A title"));
    let err = guarded.upload_quietly(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BudgetExceeded, "{err}");
    assert!(err.message().contains("unpriced"), "{err}");
    assert_eq!(
        paid.calls(),
        0,
        "the refused upload never reached the provider"
    );
}
