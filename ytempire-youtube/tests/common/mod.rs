//! Shared setup for the integration tests: a fake YouTube, accounts, files.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ytempire_core::{UploadProgress, VideoMetadata};
use ytempire_youtube::testing::{FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FakeYouTube};
use ytempire_youtube::{
    Account, CHUNK_ALIGN, ClientSecrets, OAuthClient, RefreshingToken, UploadConfig, YouTubeClient,
    YouTubeUploader,
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
