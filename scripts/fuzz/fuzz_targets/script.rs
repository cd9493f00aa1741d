//! A language model's script answer: parse, validate, repair prompt.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = ytempire_llm::fuzzing::script(data) {
        panic!("{e}");
    }
});
