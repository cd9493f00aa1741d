//! OpenAI Chat Completions body and error body decoders.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = ytempire_llm::fuzzing::openai_chat(data) {
        panic!("{e}");
    }
});
