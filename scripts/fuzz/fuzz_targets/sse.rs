//! The SSE reader of streamed chat completions, whole and split.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = ytempire_llm::fuzzing::openai_sse(data) {
        panic!("{e}");
    }
});
