//! The cost ledger on PostgreSQL against a real server (`DATABASE_URL`; `scripts/postgres.sh`
//! starts a throwaway one): the same rows give the same entries, aggregates, exports and
//! report as the SQLite ledger, and a budget holds across two ledger handles (two pools, as
//! two workers would have) on PostgreSQL and on one SQLite file. Each test uses its own schema.
#![cfg(feature = "postgres")]

use crate::common;

use common::{MeteredFake, job_a, ok};
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::Duration;
use ytempire_core::metering::{CapabilityKind, Labels, Outcome, with_labels};
use ytempire_core::pg::PgOptions;
use ytempire_core::{
    ChatRequest, ErrorKind, LanguageModel, Message, Usage, UsageRecord, UsageSink,
};
use ytempire_cost::{BudgetConfig, Budgeted, Catalog, CostLedger, CostReport, GroupBy};

/// The server, or `None` (skipped) outside CI; under CI a missing server fails the test.
fn database_url() -> Option<String> {
    ytempire_core::pg::test_database_url("postgres_ledger").unwrap()
}

fn options(name: &str) -> PgOptions {
    PgOptions::default().with_schema(format!("t{}_{name}", std::process::id()))
}

fn pg(url: &str, name: &str) -> CostLedger {
    CostLedger::connect_postgres(url, &options(name), Catalog::embedded().unwrap()).unwrap()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Every kind of row: failures (billed), retries, cache hits, three capabilities, two days,
/// an unpriced model, a row without job or stage, exact sub-cent prices, and an attempt
/// announced by `started` that the process finishes (its placeholder replaced).
fn feed(ledger: &CostLedger) {
    let rows = job_a().into_iter().chain([
        ok(
            "b",
            "script",
            "openai",
            "gpt-4o-mini",
            Usage::tokens(3, 7),
            2,
        ),
        ok("b", "visuals", "stability", "core", Usage::images(3), 2),
        ok(
            "b",
            "script",
            "mystery",
            "model-x",
            Usage::tokens(10, 10),
            2,
        ),
    ]);
    for r in rows {
        ledger.record(r);
    }
    let mut loose = ok("", "", "openai", "gpt-4o", Usage::tokens(1, 1), 3);
    loose.labels = Labels::default();
    ledger.record(loose);
    let started = UsageRecord::new(
        Labels::new("c", "script"),
        CapabilityKind::Llm,
        "openai",
        "gpt-4o",
        Usage::new(),
        Outcome::Failure(ErrorKind::Cancelled),
        1,
        ok("c", "script", "openai", "gpt-4o", Usage::new(), 3).started_at,
        Duration::ZERO,
    );
    ledger.started(&started);
    let mut done = started.clone();
    done.usage = Usage::tokens(400, 100);
    done.outcome = Outcome::Success;
    done.elapsed = Duration::from_millis(900);
    ledger.record(done);
    // One announced attempt never finishes (the process "died"): it stays, as cancelled.
    let mut orphan = started;
    orphan.attempt = 2;
    ledger.started(&orphan);
}

fn csv(ledger: &CostLedger) -> String {
    let mut out = Vec::new();
    ledger.export_csv(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn json(ledger: &CostLedger) -> String {
    let mut out = Vec::new();
    ledger.export_json(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn postgres_ledger_matches_sqlite_row_for_row_and_report() {
    let Some(url) = database_url() else { return };
    let sqlite = CostLedger::in_memory(Catalog::embedded().unwrap()).unwrap();
    let postgres = pg(&url, "contract");
    feed(&sqlite);
    feed(&postgres);

    let entries = sqlite.entries().unwrap();
    assert_eq!(
        entries.len(),
        10,
        "8 records, 1 finished placeholder, 1 orphan"
    );
    assert_eq!(postgres.entries().unwrap(), entries);
    for by in [
        GroupBy::Job,
        GroupBy::Stage,
        GroupBy::Provider,
        GroupBy::Model,
        GroupBy::Day,
    ] {
        assert_eq!(
            postgres.aggregate(by).unwrap(),
            sqlite.aggregate(by).unwrap(),
            "{by:?}"
        );
    }
    // Exact decimals: $0.0025 + $0.005 per gpt-4o call (1000 in, 500 out) and sub-cent rows.
    assert_eq!(postgres.total().unwrap(), sqlite.total().unwrap());
    assert!(postgres.total().unwrap() > d("0.02"));
    let b = postgres
        .aggregate(GroupBy::Job)
        .unwrap()
        .into_iter()
        .find(|a| a.key == "b")
        .unwrap();
    assert_eq!(b.unpriced, 1, "the unknown model stays unpriced, not zero");
    assert_eq!(csv(&postgres), csv(&sqlite));
    assert_eq!(json(&postgres), json(&sqlite));
    let (r_pg, r_lite) = (
        CostReport::from_ledger(&postgres).unwrap(),
        CostReport::from_ledger(&sqlite).unwrap(),
    );
    assert_eq!(
        serde_json::to_value(&r_pg).unwrap(),
        serde_json::to_value(&r_lite).unwrap()
    );
    assert_eq!(r_pg.to_html().unwrap(), r_lite.to_html().unwrap());
    assert_eq!(postgres.job_spend("a"), sqlite.job_spend("a"));
    assert_eq!(
        postgres.provider_day_spend("openai", "2026-11-01"),
        sqlite.provider_day_spend("openai", "2026-11-01")
    );

    // Another handle (another worker) reads the same books from the server.
    let again = pg(&url, "contract");
    assert_eq!(again.entries().unwrap(), entries);
    assert_eq!(again.job_spend("a"), sqlite.job_spend("a"));
}

fn request() -> ChatRequest {
    // 400 chars ≈ 100 prompt tokens; 1000 output tokens: gpt-4o $0.01025 a call.
    ChatRequest::new(vec![Message::user("x".repeat(400))]).with_max_tokens(1000)
}

/// Two handles of one ledger, each with its own budgeted fake, alternate calls for one job
/// under a $0.05 cap: together they make exactly the 4 calls one ledger would allow, and
/// each budget alert fires once between them.
async fn budget_holds_across(a: CostLedger, b: CostLedger) {
    let budgets = || {
        BudgetConfig::default()
            .with_per_job(Some(d("0.05")))
            .with_provider_day("openai", d("1.00"))
    };
    let alerts = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = |ledger: CostLedger| {
        let alerts = alerts.clone();
        Arc::new(
            ledger
                .with_budgets(budgets())
                .on_alert(move |a| alerts.lock().unwrap().push(a.percent)),
        )
    };
    let (a, b) = (seen(a), seen(b));
    let fakes = [
        Arc::new(MeteredFake::new("gpt-4o", a.clone(), 1000)),
        Arc::new(MeteredFake::new("gpt-4o", b.clone(), 1000)),
    ];
    let guarded = [
        Budgeted::new(fakes[0].clone(), a.clone()),
        Budgeted::new(fakes[1].clone(), b.clone()),
    ];
    let mut refused = None;
    for i in 0..10 {
        let r = with_labels(
            Labels::new("shared-job", "script"),
            guarded[i % 2].complete(&request()),
        )
        .await;
        if let Err(e) = r {
            refused = Some((i, e));
            break;
        }
    }
    let (i, err) = refused.expect("the cap never stopped a call");
    assert_eq!(err.kind(), ErrorKind::BudgetExceeded, "{err}");
    assert_eq!(
        i, 4,
        "the fifth call, whichever handle makes it, is refused"
    );
    assert_eq!(fakes[0].calls() + fakes[1].calls(), 4);
    assert_eq!(a.job_spend("shared-job"), d("0.041"));
    assert_eq!(b.job_spend("shared-job"), d("0.041"));
    // The other handle is refused too: it sees the spend it did not record.
    let other = with_labels(
        Labels::new("shared-job", "script"),
        guarded[(i + 1) % 2].complete(&request()),
    )
    .await;
    assert_eq!(other.unwrap_err().kind(), ErrorKind::BudgetExceeded);
    // $0.041 of $0.05 crossed 50 % and 80 %: each alert fired once, by one of the handles.
    let mut fired = alerts.lock().unwrap().clone();
    fired.sort_unstable();
    assert_eq!(fired, [50, 80]);
}

#[tokio::test]
async fn a_job_budget_holds_across_two_postgres_ledger_handles() {
    let Some(url) = database_url() else { return };
    budget_holds_across(pg(&url, "budget"), pg(&url, "budget")).await;
}

#[tokio::test]
async fn a_job_budget_holds_across_two_sqlite_ledger_handles() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let open = || CostLedger::open(&path, Catalog::embedded().unwrap()).unwrap();
    budget_holds_across(open(), open()).await;
}

#[tokio::test]
async fn a_provider_day_cap_holds_across_two_postgres_ledger_handles() {
    let Some(url) = database_url() else { return };
    let budgets = BudgetConfig::default()
        .with_per_job(None)
        .with_provider_day("openai", d("0.03"));
    let a = Arc::new(pg(&url, "day_cap").with_budgets(budgets.clone()));
    let b = Arc::new(pg(&url, "day_cap").with_budgets(budgets));
    let fa = Arc::new(MeteredFake::new("gpt-4o", a.clone(), 1000));
    let fb = Arc::new(MeteredFake::new("gpt-4o", b.clone(), 1000));
    // Two calls through `a` (different jobs), then `b` may make no more than the cap allows.
    for job in ["j1", "j2"] {
        with_labels(
            Labels::new(job, "script"),
            Budgeted::new(fa.clone(), a.clone()).complete(&request()),
        )
        .await
        .unwrap();
    }
    let r = with_labels(
        Labels::new("j3", "script"),
        Budgeted::new(fb.clone(), b.clone()).complete(&request()),
    )
    .await;
    assert_eq!(r.unwrap_err().kind(), ErrorKind::BudgetExceeded);
    assert_eq!(fb.calls(), 0, "the refused call never reached the provider");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(b.provider_day_spend("openai", &today), d("0.0205"));
}

#[test]
fn calls_in_flight_on_one_worker_count_against_another_workers_budget() {
    use ytempire_core::{Capabilities, ProviderInfo};
    let Some(url) = database_url() else { return };
    let budgets = || BudgetConfig::default().with_per_job(Some(d("0.05")));
    let a = pg(&url, "holds").with_budgets(budgets());
    let b = pg(&url, "holds").with_budgets(budgets());
    let info = ProviderInfo::new("openai", "gpt-4o", Capabilities::new().with_paid(true));
    // 100 tokens in, 1000 out: $0.01025 each; four fit under $0.05, five do not.
    let usage = Usage::tokens(100, 1000);
    let first = a.admit(Some("j"), &info, &usage).unwrap();
    let mut held: Vec<_> = (0..3)
        .map(|_| b.admit(Some("j"), &info, &usage).unwrap())
        .collect();
    let err = b.admit(Some("j"), &info, &usage).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BudgetExceeded);
    assert!(err.to_string().contains("in flight $0.04100"), "{err}");
    assert_eq!(
        a.admit(Some("j"), &info, &usage).unwrap_err().kind(),
        ErrorKind::BudgetExceeded,
        "the other worker's holds count here too"
    );
    // Another job has its own budget.
    let _other = b.admit(Some("k"), &info, &usage).unwrap();
    // The first worker's call ends: its hold goes at once, and the room is there again.
    drop(first);
    held.push(b.admit(Some("j"), &info, &usage).unwrap());
    drop(held);
    assert_eq!(
        b.admit(Some("j"), &info, &usage).unwrap().amount(),
        d("0.01025")
    );
}
