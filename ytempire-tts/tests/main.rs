//! ytempire-tts's integration tests, built as one test binary (one link, one executable
//! on disk): each module below is one file of `tests/`, run by name with
//! `cargo test -p ytempire-tts --test integration -- MODULE::`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod fuzz_corpus;
mod piper;
mod providers;
