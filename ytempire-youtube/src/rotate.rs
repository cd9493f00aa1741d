//! [`RotatingUploader`]: one [`Uploader`] over many accounts and Cloud projects.
//!
//! For each upload it picks the account whose project has the most quota left today and can
//! pay for the insert (and the thumbnail), skipping channels that hit their 24-hour upload
//! limit. `quotaExceeded` marks the project exhausted until midnight Pacific time and moves on
//! to the next account; `uploadLimitExceeded` (HTTP 400) blocks that channel for 24 h and moves
//! on. Neither is ever retried on the same account. An account holding a saved session for the
//! same upload (an earlier run was interrupted) goes first, so the upload resumes there instead
//! of being inserted again under another account.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use ytempire_core::{
    Error, ErrorKind, ProgressSink, ProviderInfo, Result, UploadReceipt, UploadRequest, Uploader,
};

use crate::error::{PROVIDER, REASON_QUOTA_EXCEEDED, REASON_UPLOAD_LIMIT_EXCEEDED};
use crate::quota::{QuotaLedger, next_reset};
use crate::upload::YouTubeUploader;

/// Rotates uploads across accounts by remaining quota. See the crate docs.
pub struct RotatingUploader {
    uploaders: Vec<YouTubeUploader>,
    ledger: Arc<QuotaLedger>,
}

impl fmt::Debug for RotatingUploader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RotatingUploader")
            .field("uploaders", &self.uploaders)
            .field("ledger", &self.ledger)
            .finish()
    }
}

impl fmt::Display for RotatingUploader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.uploaders.iter().map(ToString::to_string).collect();
        write!(f, "Rotating[{}]", names.join(", "))
    }
}

impl RotatingUploader {
    /// Rotate over `uploaders`; every one of them is made to charge `ledger`.
    pub fn new(uploaders: Vec<YouTubeUploader>, ledger: Arc<QuotaLedger>) -> Self {
        let uploaders = uploaders
            .into_iter()
            .map(|mut u| {
                u.set_ledger(Arc::clone(&ledger));
                u
            })
            .collect();
        Self { uploaders, ledger }
    }

    /// The shared ledger.
    pub fn ledger(&self) -> &Arc<QuotaLedger> {
        &self.ledger
    }

    /// The accounts it rotates over, in the configured order.
    pub fn accounts(&self) -> Vec<&crate::Account> {
        self.uploaders
            .iter()
            .map(|u| u.client().account())
            .collect()
    }

    /// The uploader for `account`, if it is one of the rotation's accounts.
    pub fn uploader(&self, account: &str) -> Option<&YouTubeUploader> {
        self.uploaders
            .iter()
            .find(|u| u.client().account().name == account)
    }

    /// Set the thumbnail of a video `account` uploaded (see
    /// [`YouTubeUploader::set_thumbnail`]); `account` is the receipt's `account`.
    pub async fn set_thumbnail(
        &self,
        account: &str,
        video_id: &str,
        thumbnail: &ytempire_core::Thumbnail,
    ) -> Result<u64> {
        let uploader = self.uploader(account).ok_or_else(|| {
            Error::invalid_request(format!(
                "account {account:?} is not one of this uploader's accounts ({})",
                self.uploaders
                    .iter()
                    .map(|u| u.client().account().name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        uploader.set_thumbnail(video_id, thumbnail).await
    }

    /// Accounts that may take this upload now, best first.
    async fn candidates(&self, request: &UploadRequest) -> Vec<&YouTubeUploader> {
        let now = Utc::now();
        let mut methods = vec!["videos.insert"];
        if request.thumbnail.is_some() {
            methods.push("thumbnails.set");
        }
        let mut ranked = Vec::new();
        for u in &self.uploaders {
            let account = u.client().account();
            if request.account.as_ref().is_some_and(|a| a != &account.name) {
                continue;
            }
            if self.ledger.channel_blocked_at(&account.name, now).await {
                continue;
            }
            // A saved session (an upload interrupted earlier) was paid for: resume it there
            // rather than inserting the video again under another account.
            let resumes = u.has_saved_session(request).await;
            if !resumes
                && !self
                    .ledger
                    .can_afford_at(&account.project, &methods, now)
                    .await
            {
                continue;
            }
            let left = self.ledger.remaining_at(&account.project, now).await;
            ranked.push(((resumes, left), u));
        }
        // A resumable session first, then most quota left; ties keep the configured order.
        ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
        ranked.into_iter().map(|(_, u)| u).collect()
    }
}

#[async_trait]
impl Uploader for RotatingUploader {
    fn info(&self) -> ProviderInfo {
        crate::upload::uploader_info("rotating")
    }

    async fn upload(
        &self,
        request: &UploadRequest,
        progress: &dyn ProgressSink,
    ) -> Result<UploadReceipt> {
        request.metadata.validate()?;
        let mut tried = Vec::new();
        let mut used: Vec<&YouTubeUploader> = Vec::new();
        let mut next = self.candidates(request).await;
        while !next.is_empty() {
            let uploader = next.remove(0);
            match uploader.upload(request, progress).await {
                Ok(receipt) => return Ok(receipt),
                Err(e)
                    if matches!(
                        e.code(),
                        Some(REASON_QUOTA_EXCEEDED | REASON_UPLOAD_LIMIT_EXCEEDED)
                    ) =>
                {
                    tracing::warn!(account = %uploader, error = %e, "rotating to the next account");
                    tried.push(e);
                    // The ledger changed (project exhausted or channel blocked): re-rank.
                    used.push(uploader);
                    next = self
                        .candidates(request)
                        .await
                        .into_iter()
                        .filter(|u| !used.iter().any(|t| std::ptr::eq(*t, *u)))
                        .collect();
                }
                Err(e) => return Err(e),
            }
        }
        let wait = (next_reset(Utc::now()) - Utc::now())
            .to_std()
            .unwrap_or_default();
        if tried.is_empty() {
            return Err(Error::new(
                ErrorKind::QuotaExhausted,
                "no account can take this upload today: every project is out of quota or every channel hit its upload limit",
            )
            .with_provider(PROVIDER)
            .with_retry_after(wait));
        }
        Err(Error::aggregate(
            "every account refused the upload (quota or channel upload limit)",
            tried,
        )
        .with_retry_after(wait))
    }
}
