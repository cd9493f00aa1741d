//! ytempire-render's integration tests, built as one test binary (one link, one executable
//! on disk): each module below is one file of `tests/`, run by name with
//! `cargo test -p ytempire-render --test integration -- MODULE::`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod common;
#[cfg(feature = "testing")]
#[path = "common/vendor_faults.rs"]
mod vendor_faults;

mod audio_loudness;
mod audio_stream;
mod clip_edits;
mod clips;
mod compare_cpu_gpu;
mod compositor_cpu;
mod encode_mp4;
mod fuzz_corpus;
mod headline;
mod media_library;
mod pixabay;
mod ranked_vendors;
mod relevance_set;
mod render_job;
mod sources_offline;
mod sources_pexels;
mod sources_vendors;
mod visuals_ranked;
