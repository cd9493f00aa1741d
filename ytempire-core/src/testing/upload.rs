//! [`FakeUploader`] and [`FakeTrend`].

use std::sync::Mutex;

use async_trait::async_trait;

use super::{Script, fake_common};
use crate::{
    Capabilities, Error, ProgressSink, ProviderInfo, Result, Topic, TrendRequest, TrendResponse,
    TrendSource, UploadProgress, UploadReceipt, UploadRequest, Uploader, Usage,
};

/// Progress reports per upload.
const CHUNKS: u64 = 4;
/// Quota units of a YouTube `videos.insert`.
const INSERT_UNITS: u64 = 1600;

/// An uploader that validates metadata, reads the file size, reports progress in four steps
/// and records every request.
///
/// ```
/// use ytempire_core::testing::FakeUploader;
/// use ytempire_core::{UploadRequest, UploaderExt, VideoMetadata};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ytempire_core::Result<()> {
/// let path = std::env::temp_dir().join(format!("ytempire-fake-upload-{}.mp4", std::process::id()));
/// std::fs::write(&path, b"not really a video")?;
/// let up = FakeUploader::new();
/// let receipt = up.upload_quietly(&UploadRequest::new(
///     &path,
///     VideoMetadata::new("Title").with_made_for_kids(false).with_synthetic_media(true),
/// )).await?;
/// assert_eq!(receipt.bytes, 18);
/// assert_eq!(up.uploads().len(), 1);
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FakeUploader {
    info: ProviderInfo,
    script: Script,
    uploads: Mutex<Vec<UploadRequest>>,
}

impl Default for FakeUploader {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeUploader {
    /// `fake/upload`: resumable, sets thumbnails.
    pub fn new() -> Self {
        Self {
            info: ProviderInfo::new(
                "fake",
                "upload",
                Capabilities::new()
                    .with_resumable(true)
                    .with_thumbnails(true),
            ),
            script: Script::default(),
            uploads: Mutex::new(Vec::new()),
        }
    }

    /// The requests of every successful upload, in order.
    pub fn uploads(&self) -> Vec<UploadRequest> {
        match self.uploads.lock() {
            Ok(u) => u.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

fake_common!(FakeUploader);

#[async_trait]
impl Uploader for FakeUploader {
    fn info(&self) -> ProviderInfo {
        self.info.clone()
    }

    async fn upload(
        &self,
        request: &UploadRequest,
        progress: &dyn ProgressSink,
    ) -> Result<UploadReceipt> {
        let n = self.script.count();
        let label = self.info.label();
        request.metadata.validate().map_err(|e| {
            Error::invalid_request(e.to_string())
                .with_provider(label.clone())
                .with_source(e)
        })?;
        let total = tokio::fs::metadata(&request.video)
            .await
            .map_err(|e| Error::io(format!("reading {}", request.video.display()), e))?
            .len();
        if let Some(err) = self.script.next_error() {
            return Err(err);
        }
        for step in 1..=CHUNKS {
            progress.on_progress(UploadProgress {
                bytes_sent: total * step / CHUNKS,
                total_bytes: total,
            });
            tokio::task::yield_now().await;
        }
        let account = request
            .account
            .clone()
            .unwrap_or_else(|| "fake-account".into());
        let mut receipt = UploadReceipt::new(format!("fakevid{n:05}"), account, total);
        receipt.thumbnail_set = request.thumbnail.is_some();
        receipt.usage = Usage::quota(INSERT_UNITS + u64::from(receipt.thumbnail_set) * 50);
        match self.uploads.lock() {
            Ok(mut u) => u.push(request.clone()),
            Err(poisoned) => poisoned.into_inner().push(request.clone()),
        }
        Ok(receipt)
    }
}

/// A trend source over a fixed topic list.
///
/// ```
/// use ytempire_core::testing::FakeTrend;
/// use ytempire_core::{TrendRequest, TrendSource};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> ytempire_core::Result<()> {
/// let resp = FakeTrend::new().trends(&TrendRequest::new(2)).await?;
/// assert_eq!(resp.topics.len(), 2);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FakeTrend {
    info: ProviderInfo,
    script: Script,
    topics: Vec<Topic>,
}

impl Default for FakeTrend {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeTrend {
    /// `fake/trend` with five stock topics.
    pub fn new() -> Self {
        Self::with_topics(
            [
                "Octopus intelligence",
                "Deep sea vents",
                "Why cats knock things over",
                "The history of salt",
                "Tiny houses",
            ]
            .map(Topic::new),
        )
    }

    /// `fake/trend` over `topics`, hottest first.
    pub fn with_topics(topics: impl IntoIterator<Item = Topic>) -> Self {
        Self {
            info: ProviderInfo::new("fake", "trend", Capabilities::new()),
            script: Script::default(),
            topics: topics.into_iter().collect(),
        }
    }
}

fake_common!(FakeTrend);

#[async_trait]
impl TrendSource for FakeTrend {
    fn info(&self) -> ProviderInfo {
        self.info.clone()
    }

    async fn trends(&self, request: &TrendRequest) -> Result<TrendResponse> {
        self.script.count();
        if request.limit == 0 {
            return Err(Error::invalid_request("trend limit must be at least 1")
                .with_provider(self.info.label()));
        }
        if let Some(err) = self.script.next_error() {
            return Err(err);
        }
        let niche = request.niche.as_deref().map(str::to_lowercase);
        let topics = self
            .topics
            .iter()
            .filter(|t| {
                niche
                    .as_ref()
                    .is_none_or(|n| t.title.to_lowercase().contains(n))
            })
            .take(request.limit as usize)
            .cloned()
            .map(|mut t| {
                t.source = Some(self.info.label());
                t
            })
            .collect();
        Ok(TrendResponse::new(
            topics,
            Usage {
                requests: 1,
                ..Usage::default()
            },
        ))
    }
}
