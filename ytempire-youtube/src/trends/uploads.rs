//! [`UploadHistory`]: the channel's own recent uploads, read with the account's OAuth token,
//! so the scorer can drop a trend topic the channel already covered.
//!
//! One `channels.list part=contentDetails mine=true` (1 quota unit) names the channel's
//! uploads playlist (`contentDetails.relatedPlaylists.uploads`, `UU…`), then
//! `playlistItems.list part=snippet,contentDetails playlistId=UU… maxResults=50` pages
//! through it newest first (1 unit a page, `nextPageToken` to the next) until
//! [`UploadHistory::with_max_videos`] videos (default [`DEFAULT_MAX_UPLOADS`], 4 pages) are
//! read or the playlist ends. A refresh costs 1 + ⌈max / 50⌉ units at most (5 for the
//! default), fewer when the channel has fewer videos; [`UploadHistory::refresh_cost`] says
//! the most, and with a [`TrendBudget`] a refresh that could pass the budget is refused before
//! any request. Every call is charged to the client's quota ledger as it is sent.
//!
//! `contentDetails` costs nothing more and gives `videoPublishedAt`, the video's publishing
//! time (the item's `snippet.publishedAt` is when it joined the playlist, the fallback).
//! Items that are no longer videos the channel can see ("Deleted video", "Private video") are
//! skipped. A channel with no uploads at all answers `404 playlistNotFound` for its uploads
//! playlist: that is an empty history, not an error. Failures are the client's typed errors
//! (rate limits and 5xx retryable with their `Retry-After`, a spent quota never retryable, a
//! cut reply `InvalidResponse`, a reset or timeout a transport error); this reader does not
//! retry on its own.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use ytempire_core::{Error, ErrorKind, Result};

use super::TrendBudget;
use super::wire::ListWire;
use crate::client::YouTubeClient;
use crate::error::PROVIDER;

/// Uploads read when the caller names no number (4 pages of 50).
pub const DEFAULT_MAX_UPLOADS: u32 = 200;
/// Most uploads one refresh reads (10 pages).
pub const MAX_UPLOADS: u32 = 500;
/// Items per `playlistItems.list` page (the API's maximum).
const PAGE: u32 = 50;
/// Titles YouTube gives playlist items whose video is gone or hidden.
const GONE_TITLES: [&str; 2] = ["Deleted video", "Private video"];

/// One of the channel's past uploads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastUpload {
    /// Video id.
    pub video_id: String,
    /// Title.
    pub title: String,
    /// When it was (or is scheduled to be) published, where the reply says.
    pub published_at: Option<DateTime<Utc>>,
}

/// What one [`UploadHistory::read`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastUploads {
    /// The channel (`UC…`).
    pub channel_id: String,
    /// Its uploads playlist (`UU…`).
    pub playlist_id: String,
    /// Its uploads, newest first.
    pub videos: Vec<PastUpload>,
    /// Quota units charged (one per call).
    pub quota_units: u64,
    /// Calls made (`channels.list` plus the pages).
    pub requests: u32,
}

impl PastUploads {
    /// The titles, newest first.
    pub fn titles(&self) -> Vec<String> {
        self.videos.iter().map(|v| v.title.clone()).collect()
    }
}

/// Reads the authorised channel's recent uploads.
#[derive(Debug, Clone)]
pub struct UploadHistory {
    client: YouTubeClient,
    max_videos: u32,
    budget: Option<TrendBudget>,
}

impl UploadHistory {
    /// Read through `client` (the account's channel, `mine=true`), up to
    /// [`DEFAULT_MAX_UPLOADS`] videos.
    pub fn new(client: YouTubeClient) -> Self {
        Self {
            client,
            max_videos: DEFAULT_MAX_UPLOADS,
            budget: None,
        }
    }

    /// Read at most `n` videos (1 to [`MAX_UPLOADS`]; out-of-range values are clamped).
    #[must_use]
    pub fn with_max_videos(mut self, n: u32) -> Self {
        self.max_videos = n.clamp(1, MAX_UPLOADS);
        self
    }

    /// Refuse refreshes past this per-day budget (shared with the trend sources).
    #[must_use]
    pub fn with_budget(mut self, budget: TrendBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// The most videos one refresh reads.
    pub fn max_videos(&self) -> u32 {
        self.max_videos
    }

    /// The most quota units one refresh costs: one `channels.list` plus one
    /// `playlistItems.list` per 50 videos.
    pub fn refresh_cost(&self) -> u64 {
        let costs = self.client.quota_costs();
        costs.cost("channels.list")
            + u64::from(self.max_videos.div_ceil(PAGE)) * costs.cost("playlistItems.list")
    }

    async fn spend(&self, project: &str, method: &str) -> Result<()> {
        match &self.budget {
            Some(b) => b.spend(project, method, Utc::now()).await,
            None => Ok(()),
        }
    }

    /// The channel's uploads, newest first.
    ///
    /// # Errors
    /// `QuotaExhausted` (code `trendBudgetExceeded`) before any request when the budget
    /// cannot cover [`Self::refresh_cost`]; `NotFound` when the account has no channel;
    /// `InvalidResponse` for a reply that does not parse or names no uploads playlist; the
    /// client's HTTP and transport errors.
    pub async fn read(&self) -> Result<PastUploads> {
        let project = self.client.account().project.clone();
        if let Some(b) = &self.budget {
            b.check(
                &project,
                "reading the channel's past uploads",
                self.refresh_cost(),
                Utc::now(),
            )
            .await?;
        }
        let channels = self
            .client
            .get_json::<ListWire<ChannelWire>>(
                "channels.list",
                "channels",
                &[
                    ("part", "contentDetails".to_string()),
                    ("mine", "true".to_string()),
                ],
            )
            .await;
        self.spend(&project, "channels.list").await?;
        let (channels, mut units) = channels?;
        let channel = channels.items.into_iter().next().ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "account {} has no YouTube channel, so it has no past uploads; create one at https://www.youtube.com/create_channel",
                    self.client.account().name
                ),
            )
            .with_provider(PROVIDER)
        })?;
        let playlist_id = channel
            .content_details
            .related_playlists
            .uploads
            .filter(|u| !u.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidResponse,
                    "channels.list reply names no uploads playlist (contentDetails.relatedPlaylists.uploads)",
                )
                .with_provider(PROVIDER)
            })?;
        let mut out = PastUploads {
            channel_id: channel.id,
            playlist_id: playlist_id.clone(),
            videos: Vec::new(),
            quota_units: 0,
            requests: 1,
        };
        let mut token: Option<String> = None;
        let mut seen_tokens: Vec<String> = Vec::new();
        while (out.videos.len() as u32) < self.max_videos {
            let want = (self.max_videos - out.videos.len() as u32).min(PAGE);
            let mut q = vec![
                ("part", "snippet,contentDetails".to_string()),
                ("playlistId", playlist_id.clone()),
                ("maxResults", want.to_string()),
            ];
            if let Some(t) = &token {
                q.push(("pageToken", t.clone()));
            }
            let page = self
                .client
                .get_json::<PageWire>("playlistItems.list", "playlistItems", &q)
                .await;
            self.spend(&project, "playlistItems.list").await?;
            out.requests += 1;
            let page = match page {
                Ok((page, u)) => {
                    units += u;
                    page
                }
                // YouTube's answer for the uploads playlist of a channel without uploads.
                Err(e) if token.is_none() && e.code() == Some("playlistNotFound") => {
                    units += self.client.quota_costs().cost("playlistItems.list");
                    break;
                }
                Err(e) => return Err(e),
            };
            for item in page.items {
                let Some(video) = item.into_upload() else {
                    continue;
                };
                if (out.videos.len() as u32) < self.max_videos
                    && !out.videos.iter().any(|v| v.video_id == video.video_id)
                {
                    out.videos.push(video);
                }
            }
            // Stop at the end, and on a token already followed (a looping reply).
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(t) if !seen_tokens.contains(&t) => {
                    seen_tokens.push(t.clone());
                    token = Some(t);
                }
                _ => break,
            }
        }
        out.quota_units = units;
        Ok(out)
    }
}

impl fmt::Display for UploadHistory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PROVIDER}/uploads")
    }
}

/// One `youtube#channel` with part `contentDetails`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChannelWire {
    #[serde(default)]
    id: String,
    #[serde(default)]
    content_details: ContentDetailsWire,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContentDetailsWire {
    #[serde(default)]
    related_playlists: RelatedWire,
}

#[derive(Debug, Default, Deserialize)]
struct RelatedWire {
    #[serde(default)]
    uploads: Option<String>,
}

/// A `youtube#playlistItemListResponse` page.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageWire {
    #[serde(default)]
    items: Vec<ItemWire>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// One `youtube#playlistItem` with parts `snippet`, `contentDetails`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemWire {
    #[serde(default)]
    snippet: ItemSnippetWire,
    #[serde(default)]
    content_details: ItemDetailsWire,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemSnippetWire {
    #[serde(default)]
    title: String,
    #[serde(default)]
    published_at: Option<DateTime<Utc>>,
    #[serde(default)]
    resource_id: ResourceIdWire,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceIdWire {
    #[serde(default)]
    video_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemDetailsWire {
    #[serde(default)]
    video_id: Option<String>,
    #[serde(default)]
    video_published_at: Option<DateTime<Utc>>,
}

impl ItemWire {
    /// The upload, or `None` for an item without a video id or title, or a gone video.
    fn into_upload(self) -> Option<PastUpload> {
        let title = self.snippet.title.trim().to_string();
        if title.is_empty() || GONE_TITLES.contains(&title.as_str()) {
            return None;
        }
        let video_id = self
            .content_details
            .video_id
            .or(self.snippet.resource_id.video_id)
            .filter(|id| !id.is_empty())?;
        Some(PastUpload {
            video_id,
            title,
            published_at: self
                .content_details
                .video_published_at
                .or(self.snippet.published_at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page as YouTube sends it (shape from the `playlistItems.list` reference).
    const PAGE_FIXTURE: &str = r#"{
      "kind": "youtube#playlistItemListResponse",
      "etag": "x3TTbwd0ebrKtN0FbOYEkYDLk7E",
      "nextPageToken": "EAAaBlBUOkNESQ",
      "items": [
        {
          "kind": "youtube#playlistItem",
          "etag": "aTBCFpRUXvrAWsR6eF1Eu-DhfmY",
          "id": "VVVyZWVmLmFiYzEyMw",
          "snippet": {
            "publishedAt": "2026-10-01T09:12:44Z",
            "channelId": "UCreef",
            "title": "Why octopuses have three hearts",
            "description": "A marine biologist explains.",
            "thumbnails": {"default": {"url": "https://i.ytimg.com/vi/abc123/default.jpg", "width": 120, "height": 90}},
            "channelTitle": "Reef Facts",
            "playlistId": "UUreef",
            "position": 0,
            "resourceId": {"kind": "youtube#video", "videoId": "abc123"},
            "videoOwnerChannelTitle": "Reef Facts",
            "videoOwnerChannelId": "UCreef"
          },
          "contentDetails": {"videoId": "abc123", "videoPublishedAt": "2026-10-02T13:00:00Z"}
        },
        {
          "kind": "youtube#playlistItem",
          "etag": "e2",
          "id": "VVVyZWVmLmdvbmU",
          "snippet": {
            "publishedAt": "2026-09-01T09:00:00Z",
            "title": "Deleted video",
            "description": "This video is unavailable.",
            "thumbnails": {},
            "playlistId": "UUreef",
            "position": 1,
            "resourceId": {"kind": "youtube#video", "videoId": "gone1"}
          },
          "contentDetails": {"videoId": "gone1"}
        },
        {
          "kind": "youtube#playlistItem",
          "etag": "e3",
          "id": "VVVyZWVmLm9sZA",
          "snippet": {
            "publishedAt": "2026-08-01T09:00:00Z",
            "title": "  Coral reef bleaching explained ",
            "resourceId": {"kind": "youtube#video", "videoId": "old1"}
          }
        }
      ],
      "pageInfo": {"totalResults": 120, "resultsPerPage": 3}
    }"#;

    #[test]
    fn a_real_page_parses_into_uploads() {
        let page: PageWire = serde_json::from_str(PAGE_FIXTURE).unwrap();
        assert_eq!(page.next_page_token.as_deref(), Some("EAAaBlBUOkNESQ"));
        let uploads: Vec<PastUpload> = page
            .items
            .into_iter()
            .filter_map(ItemWire::into_upload)
            .collect();
        assert_eq!(uploads.len(), 2, "the deleted video is skipped");
        assert_eq!(uploads[0].video_id, "abc123");
        assert_eq!(uploads[0].title, "Why octopuses have three hearts");
        // The video's own publishing time wins over the playlist insertion time.
        assert_eq!(
            uploads[0].published_at.unwrap().to_rfc3339(),
            "2026-10-02T13:00:00+00:00"
        );
        // Without contentDetails: the id from resourceId, the time from the snippet.
        assert_eq!(uploads[1].video_id, "old1");
        assert_eq!(uploads[1].title, "Coral reef bleaching explained");
        assert_eq!(
            uploads[1].published_at.unwrap().to_rfc3339(),
            "2026-08-01T09:00:00+00:00"
        );
    }

    #[test]
    fn a_channel_reply_names_the_uploads_playlist() {
        let reply = r#"{"kind": "youtube#channelListResponse", "etag": "e",
          "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
          "items": [{"kind": "youtube#channel", "etag": "c", "id": "UCreef",
            "contentDetails": {"relatedPlaylists": {"likes": "LL", "uploads": "UUreef"}}}]}"#;
        let list: ListWire<ChannelWire> = serde_json::from_str(reply).unwrap();
        assert_eq!(list.items[0].id, "UCreef");
        assert_eq!(
            list.items[0]
                .content_details
                .related_playlists
                .uploads
                .as_deref(),
            Some("UUreef")
        );
    }
}
