//! WAV readers: core, the streamed-WAV reader of ytempire-tts, the music loader of ytempire-render.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = ytempire_tts::fuzzing::wav(data) {
        panic!("{e}");
    }
    if let Err(e) = ytempire_render::fuzzing::wav(data) {
        panic!("{e}");
    }
});
