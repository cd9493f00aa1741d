//! Ledger totals, persistence, aggregation and exports.

use crate::common;

use common::{job_a, ok, rec};
use rust_decimal::Decimal;
use ytempire_core::metering::Outcome;
use ytempire_core::{ErrorKind, Usage, UsageSink};
use ytempire_cost::{Catalog, Cost, CostLedger, GroupBy};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn sample(ledger: &CostLedger) {
    for r in job_a() {
        ledger.record(r);
    }
    // job b on the next day, one unknown model.
    ledger.record(ok(
        "b",
        "script",
        "openai",
        "gpt-4o-mini",
        Usage::tokens(2000, 1000),
        2,
    ));
    ledger.record(ok("b", "visuals", "stability", "core", Usage::images(3), 2));
    ledger.record(ok(
        "b",
        "visuals",
        "acme",
        "mystery-model",
        Usage::images(1),
        2,
    ));
}

#[test]
fn totals_are_the_sum_of_priced_attempts_including_retries_and_failures() {
    let ledger = CostLedger::in_memory(Catalog::embedded().unwrap()).unwrap();
    sample(&ledger);
    let entries = ledger.entries().unwrap();
    assert_eq!(entries.len(), 7);
    // gpt-4o: 1000*2.5/1M + 500*10/1M = 0.0075 per attempt, twice (failure + retry).
    let gpt4o = d("0.0075");
    assert_eq!(entries[0].cost, Cost::Priced(gpt4o));
    assert_eq!(entries[2].cost, Cost::ZERO, "cached calls cost nothing");
    assert!(entries[2].cached);
    let eleven = d("0.24");
    let mini = d("0.0009");
    let stab = d("0.09");
    assert!(entries[6].cost.is_unpriced());
    let expected = gpt4o * Decimal::from(2) + eleven + mini + stab;
    assert_eq!(ledger.total().unwrap(), expected);
    let sum: Decimal = entries.iter().filter_map(|e| e.cost.usd()).sum();
    assert_eq!(sum, expected);

    let jobs = ledger.aggregate(GroupBy::Job).unwrap();
    let a = jobs.iter().find(|j| j.key == "a").unwrap();
    assert_eq!(a.cost, gpt4o * Decimal::from(2) + eleven);
    assert_eq!((a.attempts, a.failures, a.cached), (4, 1, 1));
    assert_eq!(a.failed_cost, gpt4o);
    let b = jobs.iter().find(|j| j.key == "b").unwrap();
    assert_eq!(b.unpriced, 1);
    assert_eq!(ledger.job_spend("a"), a.cost);

    let stages = ledger.aggregate(GroupBy::Stage).unwrap();
    assert_eq!(stages[0].key, "narration", "sorted by cost");
    let days = ledger.aggregate(GroupBy::Day).unwrap();
    let keys: Vec<&str> = days.iter().map(|x| x.key.as_str()).collect();
    assert_eq!(keys, ["2026-11-01", "2026-11-02"]);
    let providers = ledger.aggregate(GroupBy::Provider).unwrap();
    assert_eq!(providers.iter().map(|p| p.cost).sum::<Decimal>(), expected);
    assert_eq!(
        ledger.provider_day_spend("openai", "2026-11-01"),
        gpt4o * Decimal::from(2)
    );
}

#[test]
fn records_survive_reopening_and_running_totals_are_restored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    {
        let ledger = CostLedger::open(&path, Catalog::embedded().unwrap()).unwrap();
        sample(&ledger);
    }
    let ledger = CostLedger::open(&path, Catalog::embedded().unwrap()).unwrap();
    let entries = ledger.entries().unwrap();
    assert_eq!(entries.len(), 7);
    assert_eq!(entries[1].attempt, 2);
    assert_eq!(
        entries[0].outcome,
        Outcome::Failure(ErrorKind::InvalidResponse)
    );
    assert_eq!(ledger.job_spend("a"), d("0.255"));
}

#[test]
fn csv_and_json_exports_carry_every_row() {
    let ledger = CostLedger::in_memory(Catalog::embedded().unwrap()).unwrap();
    sample(&ledger);
    let mut csv = Vec::new();
    ledger.export_csv(&mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 8);
    assert!(lines[0].starts_with("id,job,stage,capability,provider,model"));
    assert!(
        lines[1].contains("failure:invalid_response"),
        "{}",
        lines[1]
    );
    assert!(lines[7].contains("not in price catalog"), "{}", lines[7]);
    let mut json = Vec::new();
    ledger.export_json(&mut json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 7);
    assert_eq!(rows[0]["cost"]["status"], "priced");
    assert_eq!(rows[6]["cost"]["status"], "unpriced");
}

/// A provider whose answer never comes.
#[derive(Debug)]
struct Hanging;

impl std::fmt::Display for Hanging {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("hanging")
    }
}

#[async_trait::async_trait]
impl ytempire_core::LanguageModel for Hanging {
    fn info(&self) -> ytempire_core::ProviderInfo {
        ytempire_core::ProviderInfo::new(
            "openai",
            "gpt-4o",
            ytempire_core::Capabilities::new().with_paid(true),
        )
    }

    async fn complete(
        &self,
        _request: &ytempire_core::ChatRequest,
    ) -> ytempire_core::Result<ytempire_core::ChatResponse> {
        std::future::pending().await
    }
}

/// A process killed while a paid request is in flight (simulated by forgetting the call's
/// future after it was sent: no destructor runs, as under kill -9) leaves the attempt in the
/// ledger file; the rerun's answered attempt is a second row, and only it costs money.
#[tokio::test]
async fn an_attempt_in_flight_when_the_process_dies_stays_in_the_books() {
    use std::future::Future;
    use std::sync::Arc;
    use std::task::Context;
    use ytempire_core::layers::Metered;
    use ytempire_core::metering::Labels;
    use ytempire_core::testing::FakeLlm;
    use ytempire_core::{ChatRequest, LanguageModel, Message};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let request = ChatRequest::new(vec![Message::user("a script about octopuses")]);
    let labels = Labels::new("job-1", "script");
    {
        let ledger = Arc::new(CostLedger::open(&path, Catalog::embedded().unwrap()).unwrap());
        let hanging = Metered::new(Hanging, ledger.clone(), labels.clone());
        let mut call = Box::pin(hanging.complete(&request));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        assert!(
            call.as_mut().poll(&mut cx).is_pending(),
            "the request is out"
        );
        std::mem::forget(call);
    }
    // The rerun: a new process, the same ledger file, an answer this time.
    let ledger = Arc::new(CostLedger::open(&path, Catalog::embedded().unwrap()).unwrap());
    let answering = Metered::new(
        FakeLlm::new().named("openai", "gpt-4o"),
        ledger.clone(),
        labels,
    );
    answering.complete(&request).await.unwrap();

    let entries = ledger.entries().unwrap();
    let outcomes: Vec<Outcome> = entries.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Failure(ErrorKind::Cancelled), Outcome::Success],
        "both the lost attempt and the answered one are in the books"
    );
    assert!(entries.iter().all(|e| e.job.as_deref() == Some("job-1")));
    let lost = &entries[0];
    assert_eq!(lost.usage, Usage::default());
    assert_eq!(
        lost.cost,
        Cost::Priced(Decimal::ZERO),
        "nothing is known to be billed"
    );
    let Cost::Priced(answered) = entries[1].cost.clone() else {
        panic!("gpt-4o is in the catalog");
    };
    assert_eq!(
        ledger.total().unwrap(),
        answered,
        "only the answer is money spent"
    );
}

#[test]
fn an_answered_attempt_replaces_its_announcement() {
    let ledger = CostLedger::in_memory(Catalog::embedded().unwrap()).unwrap();
    let started = rec(
        "a",
        "script",
        "openai",
        "gpt-4o",
        Usage::default(),
        Outcome::Failure(ErrorKind::Cancelled),
        1,
        1,
    );
    ledger.started(&started);
    assert_eq!(ledger.entries().unwrap().len(), 1);
    let mut done = started.clone();
    done.usage = Usage::tokens(1000, 500);
    done.outcome = Outcome::Success;
    ledger.record(done);
    let entries = ledger.entries().unwrap();
    assert_eq!(entries.len(), 1, "one attempt, one row");
    assert_eq!(entries[0].outcome, Outcome::Success);
    assert_eq!(ledger.total().unwrap(), d("0.0075"));
}
