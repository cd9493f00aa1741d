//! Replays the committed fuzz corpus and crash regressions of the crate's fuzz targets
//! (`scripts/fuzz`: `wav`, `elevenlabs`) on stable, through the same entry points.
#![allow(clippy::unwrap_used, clippy::panic, reason = "tests")]
#![cfg(feature = "fuzzing")]

use ytempire_core::fuzzing::replay;
use ytempire_tts::fuzzing;

fn replay_clean(target: &str, run: fn(&[u8]) -> Result<(), String>) -> usize {
    replay(env!("CARGO_MANIFEST_DIR"), target, |path, data| {
        if let Err(e) = run(data) {
            panic!("{target} {}: {e}", path.display());
        }
    })
    .unwrap()
}

#[test]
fn wav_corpus_replays_clean() {
    assert!(replay_clean("wav", fuzzing::wav) >= 3);
}

#[test]
fn elevenlabs_corpus_replays_clean() {
    assert!(replay_clean("elevenlabs", fuzzing::elevenlabs) >= 3);
}
