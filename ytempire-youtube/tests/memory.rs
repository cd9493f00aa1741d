//! Peak memory of a 1 GiB upload to the hashing fake (ignored by default: it moves 1 GiB).
//!
//! `cargo test -p ytempire-youtube --all-features --test memory -- --ignored --nocapture`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod common;

use common::*;
use ytempire_core::{UploadRequest, UploaderExt};
use ytempire_youtube::testing::FakeYouTube;
use ytempire_youtube::{UploadConfig, YouTubeUploader};

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
#[ignore = "uploads 1 GiB; run explicitly to measure peak RSS"]
async fn one_gib_upload_keeps_peak_rss_under_64_mib() {
    const GIB: u64 = 1024 * 1024 * 1024;
    let fake = FakeYouTube::start_hashing().await.unwrap();
    let refresh = fake.add_account("main", "proj-a", "UCmain");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.mp4");
    // Sparse: reads as zeros without using disk.
    std::fs::File::create(&path).unwrap().set_len(GIB).unwrap();
    let up = YouTubeUploader::new(client(&fake, "main", "proj-a", &refresh))
        .with_config(UploadConfig::default());
    let before = vm_hwm_kib();
    let receipt = up
        .upload_quietly(&UploadRequest::new(&path, meta("one gibibyte")))
        .await
        .unwrap();
    let after = vm_hwm_kib();
    let v = &fake.videos()[0];
    assert_eq!(v.len, GIB);
    assert_eq!(receipt.bytes, GIB);
    println!(
        "VmHWM before upload: {before} KiB, after 1 GiB upload: {after} KiB ({:.1} MiB)",
        after as f64 / 1024.0
    );
    assert!(after <= 64 * 1024, "peak RSS {after} KiB exceeds 64 MiB");
}
