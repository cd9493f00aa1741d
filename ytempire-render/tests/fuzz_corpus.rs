//! Replays the committed fuzz corpus and crash regressions of the crate's fuzz targets
//! (`scripts/fuzz`: `mp4`, `h264`, `wav`, `pexels`) on stable, through the same entry points.
#![cfg(feature = "fuzzing")]

use ytempire_core::fuzzing::{replay, replay_clean};
use ytempire_render::fuzzing;

#[test]
fn mp4_corpus_replays_clean() {
    assert!(replay_clean(env!("CARGO_MANIFEST_DIR"), "mp4", fuzzing::mp4).unwrap() >= 3);
}

#[test]
fn mp4_seeds_probe_as_clips() {
    // The seeds are real H.264 clips (and one H.265 that must be refused): the fuzzer starts
    // from inputs that reach the sample index and the decoder.
    let mut probed = 0;
    replay(env!("CARGO_MANIFEST_DIR"), "mp4", |_, data| {
        if ytempire_render::clip::ClipSource::from_bytes("seed", data.to_vec()).is_ok() {
            probed += 1;
        }
    })
    .unwrap();
    assert!(probed >= 3, "only {probed} mp4 seeds probe");
}

#[test]
fn h264_corpus_replays_clean() {
    assert!(replay_clean(env!("CARGO_MANIFEST_DIR"), "h264", fuzzing::h264).unwrap() >= 3);
}

#[test]
fn wav_corpus_replays_clean() {
    assert!(replay_clean(env!("CARGO_MANIFEST_DIR"), "wav", fuzzing::wav).unwrap() >= 3);
}

#[test]
fn pexels_corpus_replays_clean() {
    assert!(replay_clean(env!("CARGO_MANIFEST_DIR"), "pexels", fuzzing::pexels).unwrap() >= 3);
}
