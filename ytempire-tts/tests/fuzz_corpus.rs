//! Replays the committed fuzz corpus and crash regressions of the crate's fuzz targets
//! (`scripts/fuzz`: `wav`, `elevenlabs`) on stable, through the same entry points.
#![cfg(feature = "fuzzing")]

use ytempire_core::fuzzing::replay_clean;
use ytempire_tts::fuzzing;

#[test]
fn wav_corpus_replays_clean() {
    assert!(replay_clean(env!("CARGO_MANIFEST_DIR"), "wav", fuzzing::wav).unwrap() >= 3);
}

#[test]
fn elevenlabs_corpus_replays_clean() {
    assert!(
        replay_clean(
            env!("CARGO_MANIFEST_DIR"),
            "elevenlabs",
            fuzzing::elevenlabs
        )
        .unwrap()
            >= 3
    );
}
