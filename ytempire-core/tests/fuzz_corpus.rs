//! Replays the committed fuzz corpus and crash regressions of core's fuzz target
//! (`scripts/fuzz`, target `webhook`) on stable, through the same entry point.
#![cfg(feature = "fuzzing")]

use ytempire_core::fuzzing::{replay, webhook};

#[test]
fn webhook_corpus_replays_clean() {
    let n = replay(env!("CARGO_MANIFEST_DIR"), "webhook", |path, data| {
        if let Err(e) = webhook(data) {
            panic!("{}: {e}", path.display());
        }
    })
    .unwrap();
    assert!(n >= 3, "only {n} webhook inputs");
}
