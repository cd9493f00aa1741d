//! Shared pieces of the labelled sets: synthesised audio, video and thumbnails, and the
//! accuracy report.

#![allow(dead_code, reason = "each test binary uses a subset")]

pub(crate) mod audio;
pub(crate) mod video;

use ytempire_cost::quality::QualityScore;

/// Overall score at or above which an example is predicted good.
pub(crate) const THRESHOLD: f64 = 7.0;

/// One labelled example and its score.
pub(crate) struct Example {
    pub(crate) name: &'static str,
    pub(crate) good: bool,
    pub(crate) score: QualityScore,
}

/// Print per-example figures and the accuracy; fail on an unexpected miss.
pub(crate) fn accuracy(kind: &str, examples: &[Example], blind_spots: &[&str]) -> f64 {
    let mut correct = 0;
    let mut unexpected = Vec::new();
    for e in examples {
        let predicted = e.score.overall >= THRESHOLD;
        let ok = predicted == e.good;
        if ok {
            correct += 1;
        } else if !blind_spots.contains(&e.name) {
            unexpected.push(e.name);
        }
        println!(
            "  {kind:9} {:<34} label {:<4} score {:5.2} {}{}",
            e.name,
            if e.good { "good" } else { "bad" },
            e.score.overall,
            if ok { "ok" } else { "MISS" },
            if ok {
                String::new()
            } else {
                format!(" {:?}", e.score.problems())
            }
        );
    }
    let acc = f64::from(correct) / examples.len() as f64;
    println!(
        "{kind} scorer accuracy on {} labelled examples ({} good, {} bad): {acc:.3}",
        examples.len(),
        examples.iter().filter(|e| e.good).count(),
        examples.iter().filter(|e| !e.good).count(),
    );
    assert!(unexpected.is_empty(), "unexpected misses: {unexpected:?}");
    acc
}
