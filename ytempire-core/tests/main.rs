//! ytempire-core's integration tests, built as one test binary (one link, one executable
//! on disk): each module below is one file of `tests/`, run by name with
//! `cargo test -p ytempire-core --test integration -- MODULE::`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod artifact_backend;
mod crash_resume;
mod fuzz_corpus;
mod postgres_queue;
mod postgres_webhooks;
mod stack;
mod webhook;
