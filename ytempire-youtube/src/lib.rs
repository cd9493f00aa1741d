//! # ytempire-youtube
//!
//! The YouTube Data API v3, implemented to the letter: OAuth for many accounts, resumable
//! uploads that survive any cut, thumbnails, statistics, a quota ledger and account rotation.
//!
//! ## Overview
//!
//! | piece | type |
//! |---|---|
//! | OAuth (installed app, loopback redirect, PKCE S256, refresh with skew) | [`InstalledAppFlow`], [`OAuthClient`], [`RefreshingToken`] |
//! | accounts and refresh tokens (0600, atomic, optional AES-256-GCM) | [`TokenStore`], [`Account`] |
//! | resumable `videos.insert` + `thumbnails.set` as a core [`Uploader`](ytempire_core::Uploader) | [`YouTubeUploader`] |
//! | many accounts/projects, quota-aware | [`RotatingUploader`], [`QuotaLedger`] |
//! | the pipeline's upload stage and `accounts add/list/remove`, from a token store | [`YouTubeAccounts`], [`AddAccount`] |
//! | statistics (`channels.list`, `videos.list`) | [`YouTubeClient`], [`ChannelStatistics`], [`VideoStatistics`] |
//! | trend sources: the most-popular chart (1 unit a refresh), `search.list` over the channel's keywords (101 units), a per-day budget | [`MostPopularTrends`], [`KeywordSearchTrends`], [`TrendBudget`] |
//! | any RSS or Atom feed by URL, conditional requests (feature `feeds`) | `FeedTrends` |
//! | the quota ledger and the token store on a PostgreSQL server shared by workers on many machines, no lost update (feature `postgres`) | `QuotaLedger::connect_postgres`, `TokenStore::connect_postgres` |
//! | the channel's own recent uploads (`channels.list` + `playlistItems.list`, 1 unit + 1 a page of 50), for novelty | [`UploadHistory`], [`PastUploads`] |
//!
//! The device flow is not offered: Google does not allow the `youtube.upload` scope on it.
//!
//! ## Example
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use std::sync::Arc;
//! use ytempire_core::{UploadRequest, Uploader, VideoMetadata};
//! use ytempire_youtube::*;
//!
//! let endpoints = Endpoints::from_env();
//! let secrets = ClientSecrets::load("client_secret.json".as_ref())?
//!     .with_token_url(endpoints.token_url.clone());
//! let store = TokenStore::open("accounts.json").with_key_from_env()?;
//! let (account, refresh) = store.get("cooking").await?;
//! let auth = Arc::new(RefreshingToken::new(OAuthClient::new(secrets), refresh));
//! let uploader = YouTubeUploader::new(YouTubeClient::new(account, auth, endpoints))
//!     .with_session_dir(".ytempire/sessions");
//! let meta = VideoMetadata::new("Octopus colours")
//!     .with_made_for_kids(false)
//!     .with_synthetic_media(true);
//! let receipt = uploader
//!     .upload(&UploadRequest::new("video.mp4", meta), &|p: ytempire_core::UploadProgress| {
//!         println!("{:.0}%", p.fraction() * 100.0)
//!     })
//!     .await?;
//! println!("{}", receipt.url);
//! # Ok(()) }
//! ```
//!
//! ## Errors
//!
//! Google's error envelope becomes core's [`ytempire_core::Error`] with the HTTP status and the
//! `reason` as its code: `quotaExceeded` and `uploadLimitExceeded` are
//! [`ytempire_core::ErrorKind::QuotaExhausted`] (never retried), `rateLimitExceeded` is
//! `RateLimited`, `invalid_grant` is `Unauthenticated` ("re-authorise this account").
//! Tokens never appear in `Debug`, logs or errors.
//!
//! ## Testing
//!
//! With the `testing` feature, [`testing::FakeYouTube`] is a loopback YouTube (token endpoint,
//! resumable uploads storing bytes exactly, thumbnails, lists, quota) with fault injection,
//! checking every request against the official discovery document.

#![forbid(unsafe_code)]
#![deny(rustdoc::broken_intra_doc_links)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod error;
mod oauth;
mod quota;
mod rotate;
mod session;
mod stage;
mod store;
mod trends;
mod upload;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use client::{
    API_BASE_ENV, ChannelInfo, ChannelStatistics, Endpoints, THUMBNAIL_MAX_BYTES, TOKEN_URL_ENV,
    UPLOAD_BASE_ENV, VideoStatistics, VideoStats, YouTubeClient,
};
pub use error::{
    REASON_QUOTA_EXCEEDED, REASON_RATE_LIMIT_EXCEEDED, REASON_UPLOAD_LIMIT_EXCEEDED,
    REASON_USER_RATE_LIMIT_EXCEEDED,
};
pub use oauth::{
    AccessTokenSource, ClientSecrets, GOOGLE_AUTH_URL, GOOGLE_TOKEN_URL, InstalledAppFlow,
    OAuthClient, Pkce, RefreshingToken, SCOPE_READONLY, SCOPE_UPLOAD, StaticToken, TokenGrant,
};
pub use quota::{DEFAULT_DAILY_QUOTA, QuotaCosts, QuotaLedger, next_reset, quota_day};
pub use rotate::RotatingUploader;
pub use session::{SavedSession, SessionStore};
pub use stage::{
    AUTH_URL_ENV, AddAccount, DEFAULT_CONSENT_TIMEOUT, DEFAULT_SECRETS_FILE, DEFAULT_SESSION_DIR,
    YouTubeAccounts, open_in_browser,
};
pub use store::{Account, TOKEN_KEY_ENV, TokenStore};
pub use trends::{
    DEFAULT_MAX_UPLOADS, DEFAULT_WITHIN_DAYS, KeywordSearchTrends, MAX_UPLOADS, MostPopularTrends,
    PastUpload, PastUploads, REASON_TREND_BUDGET, TrendBudget, UploadHistory,
};
#[cfg(feature = "feeds")]
#[cfg_attr(docsrs, doc(cfg(feature = "feeds")))]
pub use trends::{FEED_PROVIDER, FeedTrends};
pub use upload::{CHUNK_ALIGN, DEFAULT_CHUNK_SIZE, UploadConfig, YouTubeUploader};
