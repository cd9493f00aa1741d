//! Conformance scenarios for [`Uploader`].

use std::path::PathBuf;
use std::sync::Mutex;

use super::{Report, Runner, Skip, Verdict, ensure, expect_kind, ok_or_fail};
use crate::{ErrorKind, UploadProgress, UploadRequest, Uploader, VideoMetadata};

/// Run every scenario against `provider`.
pub async fn run_all(provider: &dyn Uploader, skips: &[Skip]) -> Report {
    let mut r = Runner::new("upload", provider.to_string(), skips);
    r.run("uploads_with_receipt", uploads_with_receipt(provider))
        .await;
    r.run(
        "invalid_metadata_rejected",
        invalid_metadata_rejected(provider),
    )
    .await;
    r.finish()
}

/// A small temporary file, removed on drop.
struct TempVideo(PathBuf);

impl TempVideo {
    async fn new(bytes: &[u8]) -> crate::Result<Self> {
        let path = std::env::temp_dir().join(format!(
            "ytempire-conformance-{}-{}.mp4",
            std::process::id(),
            rand::random::<u64>()
        ));
        crate::fs::write_atomic(&path, bytes).await?;
        Ok(Self(path))
    }
}

impl Drop for TempVideo {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Progress is monotonic and reaches the file size; the receipt names a video.
pub async fn uploads_with_receipt(p: &dyn Uploader) -> Verdict {
    let body = vec![7u8; 10_000];
    let file = ok_or_fail!(TempVideo::new(&body).await, "write temp video");
    let seen = Mutex::new(Vec::<UploadProgress>::new());
    let sink = |pr: UploadProgress| match seen.lock() {
        Ok(mut s) => s.push(pr),
        Err(poisoned) => poisoned.into_inner().push(pr),
    };
    let req = UploadRequest::new(
        &file.0,
        VideoMetadata::new("Conformance upload")
            .with_made_for_kids(false)
            .with_synthetic_media(true),
    );
    let receipt = ok_or_fail!(p.upload(&req, &sink).await, "upload");
    ensure!(
        !receipt.video_id.trim().is_empty(),
        "receipt has no video id"
    );
    let seen = match seen.into_inner() {
        Ok(s) => s,
        Err(poisoned) => poisoned.into_inner(),
    };
    ensure!(!seen.is_empty(), "no progress reported");
    ensure!(
        seen.windows(2).all(|w| w[0].bytes_sent <= w[1].bytes_sent),
        "progress went backwards: {seen:?}"
    );
    let last = seen[seen.len() - 1];
    ensure!(
        last.bytes_sent == body.len() as u64 && last.total_bytes == body.len() as u64,
        "progress ended at {last:?}, file has {} bytes",
        body.len()
    );
    Verdict::Passed
}

/// Invalid metadata is `InvalidRequest` before any byte is sent.
pub async fn invalid_metadata_rejected(p: &dyn Uploader) -> Verdict {
    let file = ok_or_fail!(TempVideo::new(b"tiny").await, "write temp video");
    let reported = Mutex::new(0usize);
    let sink = |_: UploadProgress| match reported.lock() {
        Ok(mut n) => *n += 1,
        Err(poisoned) => *poisoned.into_inner() += 1,
    };
    let req = UploadRequest::new(
        &file.0,
        VideoMetadata::new("Bad <title>")
            .with_made_for_kids(false)
            .with_synthetic_media(true),
    );
    let verdict = expect_kind(
        p.upload(&req, &sink).await,
        ErrorKind::InvalidRequest,
        "bad title",
    );
    if verdict != Verdict::Passed {
        return verdict;
    }
    let n = match reported.into_inner() {
        Ok(n) => n,
        Err(poisoned) => poisoned.into_inner(),
    };
    ensure!(n == 0, "{n} progress reports for a rejected upload");
    Verdict::Passed
}
