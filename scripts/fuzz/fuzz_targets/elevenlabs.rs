//! ElevenLabs with-timestamps body and error body decoders.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = ytempire_tts::fuzzing::elevenlabs(data) {
        panic!("{e}");
    }
});
