//! Shared setup for the integration tests: a fake YouTube, accounts, files.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use ytempire_core::{Thumbnail, ThumbnailFormat, UploadProgress, VideoMetadata};
use ytempire_youtube::testing::{FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FakeYouTube};
use ytempire_youtube::{
    Account, CHUNK_ALIGN, ClientSecrets, DEFAULT_DAILY_QUOTA, OAuthClient, QuotaLedger,
    RefreshingToken, UploadConfig, YouTubeClient, YouTubeUploader, next_reset,
};

/// Chunk size used by the tests: one 256 KiB unit.
pub(crate) const CHUNK: u64 = CHUNK_ALIGN;

pub(crate) fn oauth(fake: &FakeYouTube) -> OAuthClient {
    OAuthClient::new(
        ClientSecrets::new(FAKE_CLIENT_ID, FAKE_CLIENT_SECRET)
            .with_token_url(fake.endpoints().token_url),
    )
}

/// A client for a registered account, refreshing through the fake's token endpoint.
pub(crate) fn client(
    fake: &FakeYouTube,
    name: &str,
    project: &str,
    refresh: &str,
) -> YouTubeClient {
    let auth = Arc::new(RefreshingToken::new(
        oauth(fake),
        refresh.to_string().into(),
    ));
    YouTubeClient::new(
        Account::new(name, project).with_channel_id(format!("UC{name}")),
        auth,
        fake.endpoints(),
    )
}

/// Upload config: 256 KiB chunks, tiny real backoff.
pub(crate) fn config(max_retries: u32) -> UploadConfig {
    UploadConfig::default()
        .with_chunk_size(CHUNK)
        .unwrap()
        .with_retries(
            max_retries,
            Duration::from_millis(1),
            Duration::from_millis(5),
        )
}

pub(crate) async fn uploader(fake: &FakeYouTube, name: &str, project: &str) -> YouTubeUploader {
    let refresh = fake.add_account(name, project, &format!("UC{name}"));
    YouTubeUploader::new(client(fake, name, project, &refresh)).with_config(config(5))
}

/// Deterministic pseudo-random bytes.
pub(crate) fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

pub(crate) struct TempVideo {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) path: PathBuf,
    pub(crate) data: Vec<u8>,
}

pub(crate) fn video(len: usize, seed: u64) -> TempVideo {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("video.mp4");
    let data = bytes(len, seed);
    std::fs::write(&path, &data).unwrap();
    TempVideo { dir, path, data }
}

pub(crate) fn meta(title: &str) -> VideoMetadata {
    VideoMetadata::new(title)
        .with_description("made by a test")
        .with_tags(["test", "octopus facts"])
        .with_made_for_kids(false)
        .with_synthetic_media(true)
}

/// A 1280×720 PNG thumbnail: the PNG signature, then `len` bytes of `seed`.
pub(crate) fn png(seed: u8, len: usize) -> Thumbnail {
    let mut data = b"\x89PNG\r\n\x1a\n".to_vec();
    data.extend(std::iter::repeat_n(seed, len));
    Thumbnail {
        width: 1280,
        height: 720,
        format: ThumbnailFormat::Png,
        variant: "a".into(),
        data,
    }
}

/// Collects progress events.
#[derive(Default)]
pub(crate) struct Progress(pub(crate) Mutex<Vec<UploadProgress>>);

impl ytempire_core::ProgressSink for Progress {
    fn on_progress(&self, p: UploadProgress) {
        self.0.lock().unwrap().push(p);
    }
}

impl Progress {
    pub(crate) fn events(&self) -> Vec<UploadProgress> {
        self.0.lock().unwrap().clone()
    }
}

/// The quota rules every ledger backend keeps, checked on `ledger` (default costs, project
/// `small` limited to 3300 units) at `t`: charges add up, a spent project cannot afford
/// another upload, an exhausted project has nothing left until the Pacific reset, and both
/// start afresh after it.
pub(crate) async fn assert_ledger_rules(ledger: &QuotaLedger, t: DateTime<Utc>) {
    ledger.charge_at("small", "videos.insert", t).await.unwrap();
    ledger
        .charge_at("small", "thumbnails.set", t)
        .await
        .unwrap();
    assert_eq!(ledger.remaining_at("small", t).await, 3300 - 1650);
    assert!(ledger.can_afford_at("small", &["videos.insert"], t).await);
    ledger.charge_at("small", "videos.insert", t).await.unwrap();
    assert!(!ledger.can_afford_at("small", &["videos.insert"], t).await);
    ledger.mark_exhausted_at("other", t).await.unwrap();
    assert_eq!(ledger.remaining_at("other", t).await, 0);
    let tomorrow = next_reset(t);
    assert_eq!(
        ledger.remaining_at("other", tomorrow).await,
        DEFAULT_DAILY_QUOTA
    );
    assert_eq!(ledger.remaining_at("small", tomorrow).await, 3300);
}

/// `account`, blocked at `t` (an upload limit), is still blocked 23 hours later and free 24
/// hours later; a channel never blocked is free.
pub(crate) async fn assert_blocked_for_a_day(
    ledger: &QuotaLedger,
    account: &str,
    t: DateTime<Utc>,
) {
    let hours = |h| t + chrono::Duration::hours(h);
    assert!(ledger.channel_blocked_at(account, hours(23)).await);
    assert!(!ledger.channel_blocked_at(account, hours(24)).await);
    assert!(!ledger.channel_blocked_at("nobody", t).await);
}
