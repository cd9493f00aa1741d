//! Persisted resumable-upload sessions, so a new process resumes the same upload instead of
//! inserting the video twice.
//!
//! One small JSON file per upload in a directory, named by a hash of the account, the file's
//! path, size and modification time, and the metadata. Written atomically; removed when the
//! upload completes or the session expires.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ytempire_core::{Error, Result, VideoMetadata};

/// A started resumable session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSession {
    /// The session URI from the `Location` header.
    pub session_uri: String,
    /// File size announced in `X-Upload-Content-Length`.
    pub total_bytes: u64,
    /// Account the session belongs to.
    pub account: String,
    /// When it was started.
    pub started_at: DateTime<Utc>,
}

/// A directory of [`SavedSession`]s.
#[derive(Debug, Clone)]
pub struct SessionStore {
    dir: PathBuf,
}

impl SessionStore {
    /// Sessions under `dir` (created on first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The file that holds the session for this upload.
    pub fn key_path(&self, account: &str, video: &Path, meta: &VideoMetadata) -> Result<PathBuf> {
        let md = std::fs::metadata(video)
            .map_err(|e| Error::io(format!("reading {}", video.display()), e))?;
        let mtime = md
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let canonical = std::fs::canonicalize(video).unwrap_or_else(|_| video.to_path_buf());
        let mut h = Sha256::new();
        h.update(account.as_bytes());
        h.update([0]);
        h.update(canonical.to_string_lossy().as_bytes());
        h.update([0]);
        h.update(md.len().to_le_bytes());
        h.update(mtime.to_le_bytes());
        h.update(serde_json::to_vec(meta)?);
        let name = hex::encode(&h.finalize()[..16]);
        Ok(self.dir.join(format!("upload-{name}.json")))
    }

    /// Load a saved session, if any.
    pub async fn load(&self, path: &Path) -> Result<Option<SavedSession>> {
        match tokio::fs::read(path).await {
            Ok(b) => Ok(serde_json::from_slice(&b).ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
        }
    }

    /// Save (atomically).
    pub async fn save(&self, path: &Path, session: &SavedSession) -> Result<()> {
        ytempire_core::fs::write_atomic(path, &serde_json::to_vec_pretty(session)?).await
    }

    /// Forget a session.
    pub async fn remove(&self, path: &Path) -> Result<()> {
        match tokio::fs::remove_file(path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(format!("removing {}", path.display()), e)),
        }
    }
}
