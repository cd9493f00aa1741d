//! The HTML cost report: charts, tables and computed recommendations.

use crate::common;

use common::{failed_then_retried, ok};
use ytempire_core::{ErrorKind, Usage, UsageSink};
use ytempire_cost::{Catalog, CostLedger, CostReport, render_report_file};

fn fill(ledger: &CostLedger) {
    for (job, day) in [("video-1", 1), ("video-2", 2), ("video-3", 3)] {
        for r in failed_then_retried(job, &Usage::tokens(3000, 2000), ErrorKind::Upstream, day) {
            ledger.record(r);
        }
        ledger.record(ok(
            job,
            "narration",
            "google",
            "en-US-Standard-C",
            Usage::characters(1500, 90.0),
            day,
        ));
        ledger.record(ok(
            job,
            "visuals",
            "pexels",
            "search",
            Usage::images(6),
            day,
        ));
    }
    ledger.record(ok(
        "video-3",
        "thumbnail",
        "acme",
        "thumbs-1",
        Usage::images(1),
        3,
    ));
}

#[test]
fn report_has_charts_tables_and_computed_recommendations() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.sqlite");
    let out = dir.path().join("report.html");
    fill(&CostLedger::open(&db, Catalog::embedded().unwrap()).unwrap());
    let report = render_report_file(&db, &out).unwrap();
    let html = std::fs::read_to_string(&out).unwrap();

    // gpt-4o: 3000*2.5/1M + 2000*10/1M = 0.0275 per attempt, 2 per video; google 0.006.
    assert_eq!(report.per_video, "0.061".parse().unwrap());
    assert_eq!(report.unpriced, 1);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg").count(), 4, "four inline charts");
    assert!(
        !html.contains("<script src") && !html.contains("<link"),
        "self-contained"
    );
    for key in [
        "video-1",
        "video-3",
        "script",
        "narration",
        "openai",
        "google",
        "2026-11-02",
    ] {
        assert!(html.contains(key), "missing {key}");
    }
    let recs = report.recommendations.join("\n");
    assert!(recs.contains("The script stage is 90% of spend"), "{recs}");
    assert!(recs.contains("openai/gpt-4o cost $0.165 here"), "{recs}");
    assert!(
        recs.contains("Failed attempts cost $0.0825 (45% of spend)"),
        "{recs}"
    );
    assert!(
        recs.contains("1 attempts are unpriced (acme/thumbs-1)"),
        "{recs}"
    );
    assert!(
        recs.contains("Average cost per video is $0.061 (2% of the $3.00 cap)"),
        "{recs}"
    );
    assert!(html.contains("The script stage is 90% of spend"));
}

#[test]
fn empty_ledger_renders_and_missing_ledger_is_an_error() {
    let ledger = CostLedger::in_memory(Catalog::embedded().unwrap()).unwrap();
    let report = CostReport::from_ledger(&ledger).unwrap();
    assert!(report.recommendations.is_empty());
    let html = report.to_html().unwrap();
    assert!(html.contains("(no data)"));
    let dir = tempfile::tempdir().unwrap();
    assert!(
        render_report_file(&dir.path().join("nope.sqlite"), &dir.path().join("o.html")).is_err()
    );
}
