//! Publishing: [`Uploader`] and upload progress.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

use crate::{ProviderInfo, Result, Thumbnail, UploadReceipt, VideoMetadata};

/// A replayable upload request: a file on disk and its metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadRequest {
    /// The MP4 to upload.
    pub video: PathBuf,
    /// Title, description, tags, status.
    pub metadata: VideoMetadata,
    /// Custom thumbnail to set after upload.
    #[serde(default)]
    pub thumbnail: Option<Thumbnail>,
    /// Account to use; `None` lets the uploader choose.
    #[serde(default)]
    pub account: Option<String>,
}

impl UploadRequest {
    /// Upload `video` with `metadata`.
    pub fn new(video: impl Into<PathBuf>, metadata: VideoMetadata) -> Self {
        Self {
            video: video.into(),
            metadata,
            thumbnail: None,
            account: None,
        }
    }

    /// Set a thumbnail.
    #[must_use]
    pub fn with_thumbnail(mut self, thumbnail: Thumbnail) -> Self {
        self.thumbnail = Some(thumbnail);
        self
    }

    /// Pin an account.
    #[must_use]
    pub fn with_account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }
}

/// How far an upload has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadProgress {
    /// Bytes the server has confirmed.
    pub bytes_sent: u64,
    /// File size.
    pub total_bytes: u64,
}

impl UploadProgress {
    /// Fraction done in `0.0..=1.0`.
    pub fn fraction(&self) -> f64 {
        if self.total_bytes == 0 {
            1.0
        } else {
            self.bytes_sent as f64 / self.total_bytes as f64
        }
    }
}

/// Receives upload progress. Must be cheap and must not block.
pub trait ProgressSink: Send + Sync {
    /// Called whenever the confirmed byte count changes (monotonic per upload session).
    fn on_progress(&self, progress: UploadProgress);
}

/// A [`ProgressSink`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn on_progress(&self, _progress: UploadProgress) {}
}

impl<F: Fn(UploadProgress) + Send + Sync> ProgressSink for F {
    fn on_progress(&self, progress: UploadProgress) {
        self(progress);
    }
}

/// A video platform uploader.
///
/// # Contract
/// - Metadata is validated before any network call; invalid metadata is `InvalidRequest`
///   and costs nothing.
/// - Uploads are not idempotent: an implementation resumes its own session rather than
///   starting a second insert, and reports `Transport`/`Upstream` only when it could not.
/// - Progress is reported monotonically.
#[async_trait]
pub trait Uploader: Send + Sync + std::fmt::Debug + std::fmt::Display + 'static {
    /// Who this is and what it can do.
    fn info(&self) -> ProviderInfo;

    /// Upload the video (and thumbnail, if given).
    async fn upload(
        &self,
        request: &UploadRequest,
        progress: &dyn ProgressSink,
    ) -> Result<UploadReceipt>;
}

/// Conveniences over [`Uploader`]. Implemented for every uploader; do not implement it.
#[async_trait]
pub trait UploaderExt: Uploader {
    /// Upload without progress reporting.
    async fn upload_quietly(&self, request: &UploadRequest) -> Result<UploadReceipt> {
        self.upload(request, &NoProgress).await
    }
}

impl<T: Uploader + ?Sized> UploaderExt for T {}
