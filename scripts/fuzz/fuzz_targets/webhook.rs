//! Webhook signature and timestamp verification, Retry-After, webhook URLs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = ytempire_core::fuzzing::webhook(data) {
        panic!("{e}");
    }
});
