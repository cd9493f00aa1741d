//! ytempire-cost's integration tests, built as one test binary (one link, one executable
//! on disk): each module below is one file of `tests/`, run by name with
//! `cargo test -p ytempire-cost --test integration -- MODULE::`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod common;
mod labelled;

mod ab;
mod budget;
mod crash;
mod labelled_media;
mod ledger;
mod postgres_ledger;
mod quality;
mod report;
