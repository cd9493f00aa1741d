#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]
//! Ledger totals, persistence, aggregation and exports.

mod common;

use common::rec;
use rust_decimal::Decimal;
use ytempire_core::metering::Outcome;
use ytempire_core::{ErrorKind, Usage, UsageSink};
use ytempire_cost::{Catalog, Cost, CostLedger, GroupBy};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn sample(ledger: &CostLedger) {
    // job a: a script call that failed (billed anyway), its retry, and a cached repeat.
    ledger.record(rec(
        "a",
        "script",
        "openai",
        "gpt-4o",
        Usage::tokens(1000, 500),
        Outcome::Failure(ErrorKind::InvalidResponse),
        1,
        1,
    ));
    ledger.record(rec(
        "a",
        "script",
        "openai",
        "gpt-4o",
        Usage::tokens(1000, 500),
        Outcome::Success,
        2,
        1,
    ));
    ledger.record(rec(
        "a",
        "script",
        "openai",
        "gpt-4o",
        Usage::tokens(1000, 500).into_cached(),
        Outcome::Success,
        1,
        1,
    ));
    ledger.record(rec(
        "a",
        "narration",
        "elevenlabs",
        "eleven_multilingual_v2",
        Usage::characters(2000, 120.0),
        Outcome::Success,
        1,
        1,
    ));
    // job b on the next day, one unknown model.
    ledger.record(rec(
        "b",
        "script",
        "openai",
        "gpt-4o-mini",
        Usage::tokens(2000, 1000),
        Outcome::Success,
        1,
        2,
    ));
    ledger.record(rec(
        "b",
        "visuals",
        "stability",
        "core",
        Usage::images(3),
        Outcome::Success,
        1,
        2,
    ));
    ledger.record(rec(
        "b",
        "visuals",
        "acme",
        "mystery-model",
        Usage::images(1),
        Outcome::Success,
        1,
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
