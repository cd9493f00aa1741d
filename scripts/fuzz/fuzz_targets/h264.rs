//! H.264 SPS reader (colour) and the avcC to Annex B rewrite.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = ytempire_render::fuzzing::h264(data) {
        panic!("{e}");
    }
});
