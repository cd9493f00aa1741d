//! ytempire-youtube's integration tests, built as one test binary (one link, one executable
//! on disk): each module below is one file of `tests/`, run by name with
//! `cargo test -p ytempire-youtube --test integration -- MODULE::`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod common;

mod accounts;
mod auth;
mod past_uploads;
mod pipeline_upload;
mod postgres_accounts;
mod rotation;
mod stats;
mod thumbnails;
mod trends;
mod upload;
