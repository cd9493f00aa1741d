//! [`YouTubeUploader`]: `videos.insert` over the resumable protocol, surviving any cut.
//!
//! 1. Validate the metadata (and thumbnail) before any HTTP call.
//! 2. Start a session: `POST /upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`
//!    with `X-Upload-Content-Length`/`-Type` and the video resource as JSON; the session URI
//!    comes back in `Location` and is persisted (atomically) when a session directory is set.
//! 3. Stream the file from disk in chunks (multiples of 256 KiB; default 8 MiB), each a `PUT`
//!    with `Content-Range: bytes FIRST-LAST/TOTAL`. `308` + `Range: bytes=0-N` means the server
//!    holds N+1 bytes; the next chunk starts there, whatever was sent.
//! 4. After a dropped connection, a timeout or a 5xx, back off, ask the server what it has
//!    (`PUT` with `Content-Range: bytes */TOTAL`) and resume from that byte. A `404` on the
//!    session means it expired: start a new one. A new process with the same session directory
//!    resumes the same session instead of inserting a second video.
//!
//! Every chunk sent counts its bytes in `ytempire_upload_bytes_total{provider="youtube"}`
//! ([`ytempire_core::telemetry`]); a chunk sent again after a cut counts again.
//!
//! # Retries
//!
//! This uploader owns its retries: a second `videos.insert` is not idempotent (it makes a
//! second video and costs another 1600 units), so resuming a session is the only safe retry.
//! Do **not** wrap it in core's `Retry` layer except for [`ErrorKind::RateLimited`]; errors it
//! returns after its own retries carry the attempt count.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, LOCATION};
use serde::Deserialize;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use ytempire_core::{
    Capabilities, Error, ErrorKind, ProgressSink, ProviderInfo, Result, Thumbnail, UploadProgress,
    UploadReceipt, UploadRequest, Uploader, Usage, VideoMetadata,
};

use crate::client::{YouTubeClient, check_thumbnail};
use crate::error::{PROVIDER, from_response, transport};
use crate::session::{SavedSession, SessionStore};

/// Every chunk but the last must be a multiple of this (256 KiB).
pub const CHUNK_ALIGN: u64 = 256 * 1024;
/// Default chunk size (8 MiB).
pub const DEFAULT_CHUNK_SIZE: u64 = 8 * 1024 * 1024;

/// How the uploader chunks and retries.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UploadConfig {
    /// Bytes per chunk; a multiple of [`CHUNK_ALIGN`].
    pub chunk_size: u64,
    /// Consecutive failed attempts without progress before giving up (the guide's sample uses 10).
    pub max_retries: u32,
    /// First backoff; doubles per consecutive failure, with jitter.
    pub backoff_base: Duration,
    /// Longest backoff.
    pub backoff_max: Duration,
    /// Retries of a transient `thumbnails.set` failure (5xx, 429/rate limit, transport) after
    /// the video is up; a `Retry-After` longer than `backoff_max` is not waited for.
    pub thumbnail_retries: u32,
}

impl Default for UploadConfig {
    fn default() -> Self {
        Self {
            chunk_size: DEFAULT_CHUNK_SIZE,
            max_retries: 10,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(64),
            thumbnail_retries: 4,
        }
    }
}

impl UploadConfig {
    /// Set the chunk size; refused unless it is a positive multiple of 256 KiB.
    pub fn with_chunk_size(mut self, bytes: u64) -> Result<Self> {
        if bytes == 0 || !bytes.is_multiple_of(CHUNK_ALIGN) {
            return Err(Error::config(format!(
                "chunk size {bytes} is not a positive multiple of {CHUNK_ALIGN} bytes"
            )));
        }
        self.chunk_size = bytes;
        Ok(self)
    }

    /// Set retry limits.
    #[must_use]
    pub fn with_retries(mut self, max_retries: u32, base: Duration, max: Duration) -> Self {
        self.max_retries = max_retries;
        self.backoff_base = base;
        self.backoff_max = max;
        self
    }

    /// Retry a transient `thumbnails.set` failure this many times.
    #[must_use]
    pub fn with_thumbnail_retries(mut self, retries: u32) -> Self {
        self.thumbnail_retries = retries;
        self
    }

    fn backoff(&self, failures: u32, floor: Option<Duration>) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32 << failures.saturating_sub(1).min(16));
        let capped = exp.min(self.backoff_max);
        let jitter = 0.5 + rand::random::<f64>() / 2.0;
        capped.mul_f64(jitter).max(floor.unwrap_or_default())
    }
}

/// Uploads videos to one account's channel. See the crate docs.
#[derive(Clone)]
pub struct YouTubeUploader {
    client: YouTubeClient,
    config: UploadConfig,
    sessions: Option<SessionStore>,
}

impl fmt::Debug for YouTubeUploader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YouTubeUploader")
            .field("client", &self.client)
            .field("config", &self.config)
            .field("sessions", &self.sessions)
            .finish()
    }
}

impl fmt::Display for YouTubeUploader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PROVIDER}/{}", self.client.account().name)
    }
}

/// What the server said about a session.
enum Reply {
    /// It holds this many bytes.
    Incomplete(u64),
    /// The video resource: the upload is complete.
    Done(VideoWire),
    /// The session is gone (404/410).
    Expired,
    /// The token was refused (401).
    Unauthorized,
}

#[derive(Deserialize)]
struct VideoWire {
    id: String,
    #[serde(default)]
    snippet: Option<SnippetWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnippetWire {
    #[serde(default)]
    channel_id: Option<String>,
}

impl YouTubeUploader {
    /// An uploader over `client` with the default config and no session persistence.
    pub fn new(client: YouTubeClient) -> Self {
        Self {
            client,
            config: UploadConfig::default(),
            sessions: None,
        }
    }

    /// Use this config.
    #[must_use]
    pub fn with_config(mut self, config: UploadConfig) -> Self {
        self.config = config;
        self
    }

    /// Persist session URIs under `dir`, so a new process resumes the same upload.
    #[must_use]
    pub fn with_session_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.sessions = Some(SessionStore::new(dir));
        self
    }

    /// The API client (thumbnails, statistics).
    pub fn client(&self) -> &YouTubeClient {
        &self.client
    }

    /// `thumbnails.set` for a video this account uploaded, retrying transient failures (5xx,
    /// rate limits, dropped connections) with bounded backoff. Use it to set a thumbnail
    /// later when an upload's receipt says `thumbnail_set: false`. Returns the quota units
    /// charged.
    pub async fn set_thumbnail(&self, video_id: &str, thumbnail: &Thumbnail) -> Result<u64> {
        check_thumbnail(thumbnail)?;
        if video_id.trim().is_empty() {
            return Err(Error::invalid_request("set_thumbnail needs a video id"));
        }
        let started = tokio::time::Instant::now();
        let mut failures = 0u32;
        loop {
            let err = match self.client.set_thumbnail(video_id, thumbnail).await {
                Ok(units) => return Ok(units),
                Err(e) => e,
            };
            failures += 1;
            let too_long = err
                .retry_after()
                .is_some_and(|w| w > self.config.backoff_max);
            if !err.is_retryable() || failures > self.config.thumbnail_retries || too_long {
                return Err(err.with_attempts(failures, started.elapsed()));
            }
            let wait = self.config.backoff(failures, err.retry_after());
            tracing::warn!(error = %err, video = %video_id, ?wait, "thumbnails.set failed; retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// Whether a saved session for this request exists (a rerun after a crash resumes it).
    pub(crate) async fn has_saved_session(&self, request: &UploadRequest) -> bool {
        let Some(store) = &self.sessions else {
            return false;
        };
        let account = &self.client.account().name;
        let Ok(key) = store.key_path(account, &request.video, &request.metadata) else {
            return false;
        };
        matches!(store.load(&key).await, Ok(Some(saved)) if &saved.account == account)
    }

    pub(crate) fn set_ledger(&mut self, ledger: Arc<crate::QuotaLedger>) {
        self.client.ledger = Some(ledger);
    }

    async fn start_session(
        &self,
        meta: &VideoMetadata,
        total: u64,
        mime: &str,
        units: &mut u64,
    ) -> Result<String> {
        let url = format!(
            "{}/upload/youtube/v3/videos",
            self.client.endpoints.upload_base
        );
        let body = video_resource(meta);
        for attempt in 0..2 {
            let req = self
                .client
                .http
                .post(&url)
                .query(&[
                    ("uploadType", "resumable"),
                    ("part", "snippet,status"),
                    (
                        "notifySubscribers",
                        if meta.notify_subscribers {
                            "true"
                        } else {
                            "false"
                        },
                    ),
                ])
                .header(AUTHORIZATION, self.client.bearer().await?)
                .header(CONTENT_TYPE, "application/json; charset=UTF-8")
                .header("X-Upload-Content-Length", total)
                .header("X-Upload-Content-Type", mime)
                .json(&body);
            *units += self.client.charge("videos.insert").await?;
            let resp = req
                .send()
                .await
                .map_err(|e| transport("starting the upload session", &e))?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let text = resp
                .text()
                .await
                .map_err(|e| transport("starting the upload session", &e))?;
            if status == 401 && attempt == 0 {
                self.client.auth.invalidate().await;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(from_response(status, &headers, &text));
            }
            return headers
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidResponse,
                        "upload session reply has no Location",
                    )
                    .with_provider(PROVIDER)
                    .with_status(status)
                });
        }
        Err(Error::new(
            ErrorKind::Unauthenticated,
            "the access token was refused twice",
        )
        .with_provider(PROVIDER))
    }

    async fn read_reply(&self, resp: reqwest::Response, session: &mut String) -> Result<Reply> {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        if status == 308 {
            if let Some(loc) = headers.get(LOCATION).and_then(|v| v.to_str().ok()) {
                *session = loc.to_string();
            }
            let have = match headers.get("range").and_then(|v| v.to_str().ok()) {
                None => 0,
                Some(r) => parse_range_end(r)
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::InvalidResponse,
                            format!("bad Range header {r:?}"),
                        )
                        .with_provider(PROVIDER)
                    })?
                    .saturating_add(1),
            };
            return Ok(Reply::Incomplete(have));
        }
        let text = resp
            .text()
            .await
            .map_err(|e| transport("reading the upload reply", &e))?;
        match status {
            200 | 201 => {
                let video: VideoWire = serde_json::from_str(&text).map_err(|e| {
                    Error::new(
                        ErrorKind::InvalidResponse,
                        format!("the finished upload's video resource is malformed: {e}"),
                    )
                    .with_provider(PROVIDER)
                })?;
                Ok(Reply::Done(video))
            }
            404 | 410 => Ok(Reply::Expired),
            401 => Ok(Reply::Unauthorized),
            _ => Err(from_response(status, &headers, &text)),
        }
    }

    async fn query_status(&self, session: &mut String, total: u64) -> Result<Reply> {
        let resp = self
            .client
            .http
            .put(session.as_str())
            .header(AUTHORIZATION, self.client.bearer().await?)
            .header(CONTENT_LENGTH, 0)
            .header(CONTENT_RANGE, format!("bytes */{total}"))
            .send()
            .await
            .map_err(|e| transport("querying the upload status", &e))?;
        self.read_reply(resp, session).await
    }

    async fn put_chunk(
        &self,
        session: &mut String,
        path: &Path,
        offset: u64,
        total: u64,
        mime: &str,
    ) -> Result<Reply> {
        let len = self.config.chunk_size.min(total - offset);
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        file.seek(std::io::SeekFrom::Start(offset))
            .await
            .map_err(|e| Error::io(format!("seeking {}", path.display()), e))?;
        let stream = tokio_util::io::ReaderStream::with_capacity(file.take(len), 256 * 1024);
        let resp = self
            .client
            .http
            .put(session.as_str())
            .header(AUTHORIZATION, self.client.bearer().await?)
            .header(CONTENT_LENGTH, len)
            .header(CONTENT_TYPE, mime)
            .header(
                CONTENT_RANGE,
                format!("bytes {offset}-{}/{total}", offset + len - 1),
            )
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await
            .map_err(|e| transport("sending an upload chunk", &e))?;
        // The chunk went out whole (the server answered): count its bytes.
        metrics::counter!(ytempire_core::telemetry::UPLOAD_BYTES_TOTAL, "provider" => PROVIDER)
            .increment(len);
        self.read_reply(resp, session).await
    }

    /// Keep session `uri` under `key` (when sessions are saved) so a rerun resumes it.
    async fn save_session(&self, key: Option<&Path>, uri: &str, total: u64) -> Result<()> {
        let (Some(store), Some(key)) = (&self.sessions, key) else {
            return Ok(());
        };
        let saved = SavedSession {
            session_uri: uri.to_owned(),
            total_bytes: total,
            account: self.client.account().name.clone(),
            started_at: chrono::Utc::now(),
        };
        store.save(key, &saved).await
    }

    async fn run(
        &self,
        request: &UploadRequest,
        progress: &dyn ProgressSink,
    ) -> Result<UploadReceipt> {
        request.metadata.validate()?;
        if let Some(t) = &request.thumbnail {
            check_thumbnail(t)?;
        }
        let account = &self.client.account().name;
        if let Some(wanted) = &request.account
            && wanted != account
        {
            return Err(Error::invalid_request(format!(
                "this uploader is for account {account:?}, not {wanted:?}"
            )));
        }
        let path = request.video.as_path();
        let total = tokio::fs::metadata(path)
            .await
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?
            .len();
        if total == 0 {
            return Err(Error::invalid_request(format!(
                "{} is empty",
                path.display()
            )));
        }
        let mime = video_mime(path);
        let key = match &self.sessions {
            Some(s) => Some(s.key_path(account, path, &request.metadata)?),
            None => None,
        };
        let mut session: Option<String> = None;
        if let (Some(store), Some(key)) = (&self.sessions, &key)
            && let Some(saved) = store.load(key).await?
            && saved.total_bytes == total
            && &saved.account == account
        {
            tracing::info!(account = %account, "resuming a saved upload session");
            session = Some(saved.session_uri);
        }
        let mut need_status = session.is_some();
        let mut offset = 0u64;
        let mut reported = 0u64;
        let mut failures = 0u32;
        let mut attempts = 0u32;
        let mut units = 0u64;
        let started = tokio::time::Instant::now();
        let video = loop {
            attempts += 1;
            let outcome = match session.as_mut() {
                None => match self
                    .start_session(&request.metadata, total, mime, &mut units)
                    .await
                {
                    Ok(uri) => {
                        self.save_session(key.as_deref(), &uri, total).await?;
                        session = Some(uri);
                        offset = 0;
                        need_status = false;
                        continue;
                    }
                    Err(e) => Err(e),
                },
                Some(uri) => {
                    let before = uri.clone();
                    let r = if need_status {
                        self.query_status(uri, total).await
                    } else {
                        self.put_chunk(uri, path, offset, total, mime).await
                    };
                    if *uri != before {
                        self.save_session(key.as_deref(), uri, total).await?;
                    }
                    r
                }
            };
            match outcome {
                Ok(Reply::Done(v)) => break v,
                Ok(Reply::Incomplete(have)) => {
                    need_status = false;
                    if have > offset {
                        failures = 0;
                    }
                    offset = have.min(total);
                    if offset > reported {
                        reported = offset;
                        progress.on_progress(UploadProgress {
                            bytes_sent: offset,
                            total_bytes: total,
                        });
                    }
                    if offset == total {
                        // Everything arrived but no resource yet: ask again.
                        need_status = true;
                        failures += 1;
                    }
                }
                Ok(Reply::Expired) => {
                    tracing::warn!(account = %account, "upload session expired; starting a new one");
                    if let (Some(store), Some(key)) = (&self.sessions, &key) {
                        store.remove(key).await?;
                    }
                    session = None;
                    failures += 1;
                }
                Ok(Reply::Unauthorized) => {
                    self.client.auth.invalidate().await;
                    need_status = true;
                    failures += 1;
                }
                Err(e) if e.is_retryable() => {
                    failures += 1;
                    need_status = session.is_some();
                    if failures > self.config.max_retries {
                        return Err(e.with_attempts(attempts, started.elapsed()));
                    }
                    let wait = self.config.backoff(failures, e.retry_after());
                    tracing::warn!(error = %e, ?wait, "upload attempt failed; resuming after backoff");
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Err(e) => {
                    self.client.note_error(&e).await?;
                    return Err(e.with_attempts(attempts, started.elapsed()));
                }
            }
            if failures > self.config.max_retries {
                return Err(Error::new(
                    ErrorKind::Upstream,
                    "the upload made no progress after repeated attempts",
                )
                .with_provider(PROVIDER)
                .with_attempts(attempts, started.elapsed()));
            }
        };
        if let (Some(store), Some(key)) = (&self.sessions, &key) {
            store.remove(key).await?;
        }
        if reported < total {
            progress.on_progress(UploadProgress {
                bytes_sent: total,
                total_bytes: total,
            });
        }
        let mut thumbnail_set = false;
        let mut thumbnail_error = None;
        if let Some(t) = &request.thumbnail {
            match self.set_thumbnail(&video.id, t).await {
                Ok(u) => {
                    units += u;
                    thumbnail_set = true;
                }
                // The video exists: failing here would invite a second insert. The receipt
                // keeps the reason; `set_thumbnail` sets it later.
                Err(e) => {
                    tracing::warn!(error = %e, video = %video.id, "thumbnails.set failed");
                    thumbnail_error = Some(e.to_string());
                }
            }
        }
        let mut receipt = UploadReceipt::new(video.id, account.clone(), total);
        receipt.channel_id = video
            .snippet
            .and_then(|s| s.channel_id)
            .or_else(|| self.client.account().channel_id.clone());
        receipt.thumbnail_set = thumbnail_set;
        receipt.thumbnail_error = thumbnail_error;
        let mut usage = Usage::quota(units);
        usage.requests = u64::from(attempts);
        receipt.usage = usage;
        Ok(receipt)
    }
}

#[async_trait]
impl Uploader for YouTubeUploader {
    fn info(&self) -> ProviderInfo {
        uploader_info(self.client.account().name.clone())
    }

    async fn upload(
        &self,
        request: &UploadRequest,
        progress: &dyn ProgressSink,
    ) -> Result<UploadReceipt> {
        self.run(request, progress).await
    }
}

/// What a YouTube uploader named `model` (an account, or `rotating`) is: resumable, with
/// thumbnails.
pub(crate) fn uploader_info(model: impl Into<String>) -> ProviderInfo {
    ProviderInfo::new(
        PROVIDER,
        model,
        Capabilities::new()
            .with_resumable(true)
            .with_thumbnails(true),
    )
}

/// The `video` resource sent when starting a session.
pub(crate) fn video_resource(meta: &VideoMetadata) -> serde_json::Value {
    let mut snippet = json!({
        "title": meta.title,
        "description": meta.description,
        "tags": meta.tags,
        "categoryId": meta.category_id,
    });
    if let Some(lang) = &meta.language {
        snippet["defaultLanguage"] = json!(lang);
        snippet["defaultAudioLanguage"] = json!(lang);
    }
    let mut status = json!({
        "privacyStatus": meta.privacy.as_str(),
        "embeddable": true,
        "license": "youtube",
        "selfDeclaredMadeForKids": meta.made_for_kids.unwrap_or(false),
        "containsSyntheticMedia": meta.contains_synthetic_media.unwrap_or(false),
    });
    if let Some(at) = meta.publish_at {
        status["publishAt"] = json!(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    json!({ "snippet": snippet, "status": status })
}

/// The last byte index in `bytes=0-N` (or `0-N`).
fn parse_range_end(range: &str) -> Option<u64> {
    range.rsplit('-').next()?.trim().parse().ok()
}

fn video_mime(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("mp4" | "m4v") => "video/mp4",
        Some("mov") => "video/quicktime",
        Some("webm") => "video/webm",
        Some("mkv") => "video/x-matroska",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_size_must_be_aligned() {
        assert!(
            UploadConfig::default()
                .with_chunk_size(CHUNK_ALIGN * 3)
                .is_ok()
        );
        assert!(UploadConfig::default().with_chunk_size(1000).is_err());
        assert!(UploadConfig::default().with_chunk_size(0).is_err());
    }

    #[test]
    fn range_parsing() {
        assert_eq!(parse_range_end("bytes=0-999999"), Some(999_999));
        assert_eq!(parse_range_end("0-5"), Some(5));
        assert_eq!(parse_range_end("bytes=0-x"), None);
    }

    #[test]
    fn backoff_grows_and_honours_retry_after() {
        let c = UploadConfig::default();
        assert!(c.backoff(1, None) <= Duration::from_secs(1));
        assert!(c.backoff(3, None) >= Duration::from_secs(2));
        assert!(c.backoff(30, None) <= Duration::from_secs(64));
        assert!(c.backoff(1, Some(Duration::from_secs(9))) >= Duration::from_secs(9));
    }

    #[test]
    fn resource_declares_kids_and_synthetic_media() {
        let meta = VideoMetadata::new("t")
            .with_made_for_kids(false)
            .with_synthetic_media(true);
        let v = video_resource(&meta);
        assert_eq!(v["status"]["selfDeclaredMadeForKids"], json!(false));
        assert_eq!(v["status"]["containsSyntheticMedia"], json!(true));
        assert_eq!(v["snippet"]["categoryId"], json!("22"));
        assert_eq!(v["status"]["privacyStatus"], json!("private"));
    }
}
