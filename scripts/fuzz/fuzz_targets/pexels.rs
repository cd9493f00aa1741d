//! Pexels photo/video search answers and error bodies.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = ytempire_render::fuzzing::pexels(data) {
        panic!("{e}");
    }
});
