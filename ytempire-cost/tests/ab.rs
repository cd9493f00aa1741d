//! A/B records: assignment rules, outcome ingestion, summaries, persistence.

use chrono::{DateTime, TimeZone, Utc};
use ytempire_core::ErrorKind;
use ytempire_cost::quality::{AbStore, Outcome, VariantKind, assign_variant};
use ytempire_cost::{Catalog, CostLedger};

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, 12, 0, 0).unwrap()
}

#[test]
fn assignment_is_fixed_per_video_and_kind_per_experiment() {
    let store = AbStore::in_memory().unwrap();
    let a = store
        .assign("titles-1", "v1", VariantKind::Title, "question", day(1))
        .unwrap();
    assert_eq!(a.variant, "question");
    // Same variant again: no-op, original time kept.
    let again = store
        .assign("titles-1", "v1", VariantKind::Title, "question", day(2))
        .unwrap();
    assert_eq!(again.assigned_at, day(1));
    // Another variant for the same video: refused.
    let err = store
        .assign("titles-1", "v1", VariantKind::Title, "statement", day(2))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(
        err.to_string().contains("already in variant \"question\""),
        "{err}"
    );
    // Another kind in the same experiment: refused.
    let err = store
        .assign("titles-1", "v2", VariantKind::Thumbnail, "bold", day(2))
        .unwrap_err();
    assert!(
        err.to_string().contains("varies title, not thumbnail"),
        "{err}"
    );
    // The same video may be in another experiment.
    store
        .assign("thumbs-1", "v1", VariantKind::Thumbnail, "bold", day(2))
        .unwrap();
    assert!(
        store
            .assign("", "v3", VariantKind::Title, "a", day(1))
            .is_err()
    );
    assert_eq!(store.assignments("titles-1").unwrap().len(), 1);
    assert_eq!(
        store.assignment("thumbs-1", "v1").unwrap().unwrap().kind,
        VariantKind::Thumbnail
    );
    assert!(store.assignment("thumbs-1", "v9").unwrap().is_none());
}

#[test]
fn hashed_assignment_matches_the_helper_and_sticks() {
    let store = AbStore::in_memory().unwrap();
    let variants = ["v1-prompt", "v2-prompt"];
    for i in 0..20 {
        let id = format!("job-{i}");
        let a = store
            .assign_hashed(
                "prompts",
                &id,
                VariantKind::PromptVersion,
                &variants,
                day(1),
            )
            .unwrap();
        assert_eq!(
            Some(&a.variant.as_str()),
            assign_variant("prompts", &id, &variants)
        );
    }
    // A video assigned by hand keeps its variant even where the hash would pick another.
    let id = (0..100)
        .map(|i| format!("manual-{i}"))
        .find(|id| assign_variant("prompts", id, &variants) == Some(&"v2-prompt"))
        .unwrap();
    store
        .assign(
            "prompts",
            &id,
            VariantKind::PromptVersion,
            "v1-prompt",
            day(1),
        )
        .unwrap();
    let a = store
        .assign_hashed(
            "prompts",
            &id,
            VariantKind::PromptVersion,
            &variants,
            day(2),
        )
        .unwrap();
    assert_eq!(a.variant, "v1-prompt");
    let empty: [&str; 0] = [];
    let err = store
        .assign_hashed("prompts", "new", VariantKind::PromptVersion, &empty, day(1))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
}

#[test]
fn ingestion_keeps_the_latest_per_time_and_summaries_use_the_latest_time() {
    let store = AbStore::in_memory().unwrap();
    store
        .assign("t", "v1", VariantKind::Thumbnail, "a", day(1))
        .unwrap();
    store
        .record_outcome(&Outcome::new("v1", day(3), 100).with_clicks(1000, 50))
        .unwrap();
    // Re-ingesting day 3 replaces it.
    store
        .record_outcome(&Outcome::new("v1", day(3), 120).with_clicks(1100, 60))
        .unwrap();
    // An older snapshot ingested later does not win.
    store
        .record_outcome(&Outcome::new("v1", day(2), 40).with_clicks(400, 30))
        .unwrap();
    let history = store.outcomes("v1").unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].observed_at, day(2));
    assert_eq!(history[1].views, 120);
    let latest = store.latest_outcome("v1").unwrap().unwrap();
    assert_eq!((latest.impressions, latest.clicks), (Some(1100), Some(60)));
    let s = store.summary("t", 1).unwrap();
    assert_eq!(s.variants[0].total_views, 120);
    assert_eq!(s.variants[0].total_clicks, 60);
    assert!((s.variants[0].mean_ctr.unwrap() - 60.0 / 1100.0).abs() < 1e-12);

    let bad = Outcome::new("v1", day(4), 1).with_clicks(10, 11);
    assert_eq!(
        store.record_outcome(&bad).unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
    let huge = Outcome::new("v1", day(4), u64::MAX);
    assert_eq!(
        store.record_outcome(&huge).unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
    assert_eq!(store.outcomes("v1").unwrap().len(), 2);
}

#[test]
fn summary_picks_best_by_mean_ctr_with_a_sample_caveat() {
    let store = AbStore::in_memory().unwrap();
    // Variant "a": 3 videos, CTRs 5 %, 6 %, 7 % (mean 6 %). Variant "b": 2 videos, 9 % and
    // 2 % (mean 5.5 %); "b" has the higher pooled CTR (its big video) but the lower mean.
    let rows = [
        ("a1", "a", 1000, 50),
        ("a2", "a", 1000, 60),
        ("a3", "a", 1000, 70),
        ("b1", "b", 10_000, 900),
        ("b2", "b", 1000, 20),
    ];
    for (video, variant, impressions, clicks) in rows {
        store
            .assign("exp", video, VariantKind::Thumbnail, variant, day(1))
            .unwrap();
        store
            .record_outcome(
                &Outcome::new(video, day(5), clicks * 2).with_clicks(impressions, clicks),
            )
            .unwrap();
    }
    // "c" is assigned but never measured.
    store
        .assign("exp", "c1", VariantKind::Thumbnail, "c", day(1))
        .unwrap();

    let s = store.summary("exp", 3).unwrap();
    assert_eq!(s.kind, Some(VariantKind::Thumbnail));
    let labels: Vec<&str> = s.variants.iter().map(|v| v.variant.as_str()).collect();
    assert_eq!(labels, ["a", "b", "c"]);
    let (a, b, c) = (&s.variants[0], &s.variants[1], &s.variants[2]);
    assert_eq!((a.videos, a.measured, a.total_views), (3, 3, 360));
    assert!((a.mean_ctr.unwrap() - 0.06).abs() < 1e-12);
    assert!((b.mean_ctr.unwrap() - 0.055).abs() < 1e-12);
    assert!((a.pooled_ctr.unwrap() - 0.06).abs() < 1e-12);
    assert!((b.pooled_ctr.unwrap() - 920.0 / 11_000.0).abs() < 1e-12);
    assert_eq!((c.videos, c.measured, c.mean_ctr), (1, 0, None));
    // Best by mean CTR, not pooled; provisional because "b" and "c" are thin.
    assert_eq!(s.best.as_deref(), Some("a"));
    assert!(!s.conclusive);
    let caveat = s.caveat.unwrap();
    assert!(caveat.contains("\"b\" has 2 measured"), "{caveat}");
    assert!(caveat.contains("\"c\" has 0 measured"), "{caveat}");
    assert!(caveat.contains("at least 3 measured videos"), "{caveat}");

    // One more, better, video for "b" (mean 7.67 %) makes it the leader.
    store
        .assign("exp", "b3", VariantKind::Thumbnail, "b", day(1))
        .unwrap();
    store
        .record_outcome(&Outcome::new("b3", day(5), 10).with_clicks(1000, 120))
        .unwrap();
    let s = store.summary("exp", 1).unwrap();
    assert_eq!(s.best.as_deref(), Some("b"));
    assert!(!s.conclusive, "c is still unmeasured");
}

#[test]
fn views_only_outcomes_compare_by_views_and_say_so() {
    let store = AbStore::in_memory().unwrap();
    for (video, variant, views) in [("x", "p1", 500), ("y", "p2", 900)] {
        store
            .assign(
                "prompts",
                video,
                VariantKind::PromptVersion,
                variant,
                day(1),
            )
            .unwrap();
        store
            .record_outcome(&Outcome::new(video, day(2), views))
            .unwrap();
    }
    let s = store.summary("prompts", 1).unwrap();
    assert_eq!(s.best.as_deref(), Some("p2"));
    assert!(s.conclusive);
    assert_eq!(
        s.caveat.as_deref(),
        Some("no impressions recorded; compared by mean views")
    );
    assert!(s.variants.iter().all(|v| v.mean_ctr.is_none()));

    let empty = store.summary("nothing", 1).unwrap();
    assert_eq!((empty.kind, empty.best.as_deref()), (None, None));
    assert!(!empty.conclusive);
    assert!(empty.caveat.unwrap().contains("nothing to compare"));
}

#[test]
fn records_survive_reopen_and_share_the_ledger_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    {
        let _ledger = CostLedger::open(&path, Catalog::embedded().unwrap()).unwrap();
        let store = AbStore::open(&path).unwrap();
        for (video, title, views, clicks) in [("v1", "long", 10, 4), ("v2", "short", 30, 9)] {
            store
                .assign("t", video, VariantKind::Title, title, day(1))
                .unwrap();
            let outcome = Outcome::new(video, day(2), views).with_clicks(100, clicks);
            store.record_outcome(&outcome).unwrap();
        }
    }
    let store = AbStore::open(&path).unwrap();
    let assignments = store.assignments("t").unwrap();
    assert_eq!(assignments.len(), 2);
    assert_eq!(assignments[0].assigned_at, day(1));
    let s = store.summary("t", 1).unwrap();
    assert_eq!(s.best.as_deref(), Some("short"));
    assert!(s.conclusive && s.caveat.is_none());
    // The ledger still opens on the same file with its own tables intact.
    let ledger = CostLedger::open(&path, Catalog::embedded().unwrap()).unwrap();
    assert!(ledger.entries().unwrap().is_empty());
}
