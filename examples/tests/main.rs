//! examples's integration tests, built as one test binary (one link, one executable
//! on disk): each module below is one file of `tests/`, run by name with
//! `cargo test -p examples --test integration -- MODULE::`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod cli_common;
mod webhook_common;

mod cli_accounts;
mod cli_accounts_pg;
mod cli_bad_input;
mod cli_breaker;
mod cli_config;
mod cli_crash;
mod cli_library;
mod cli_make;
mod cli_metrics;
mod cli_out_dir;
mod cli_queue_pg;
mod cli_secrets;
mod cli_thumbnail;
mod cli_trends;
mod cli_upload;
mod cli_voice;
mod cli_webhooks;
mod fuzz_corpus;
mod languages;
mod piper_captions;
mod plan;
mod trend_scoring;
mod webhook;
