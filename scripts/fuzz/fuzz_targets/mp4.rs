//! MP4 demuxer, sample index and first frames of a downloaded stock clip.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = ytempire_render::fuzzing::mp4(data) {
        panic!("{e}");
    }
});
