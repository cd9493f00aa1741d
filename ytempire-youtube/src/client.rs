//! The authenticated Data API v3 client for one account: base URLs, bearer tokens, quota
//! charging, and the non-upload calls (`thumbnails.set`, `videos.list`, `channels.list`).

use std::fmt;
use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use secrecy::ExposeSecret;
use serde::Deserialize;
use ytempire_core::{Error, ErrorKind, Result, Thumbnail, ThumbnailFormat};

use crate::error::{PROVIDER, from_response, transport};
use crate::oauth::AccessTokenSource;
use crate::quota::QuotaLedger;
use crate::store::Account;

/// Most bytes `thumbnails.set` accepts (2 MiB, discovery `maxSize` 2097152).
pub const THUMBNAIL_MAX_BYTES: usize = 2 * 1024 * 1024;

/// Environment variable naming the Data API base URL (default `https://youtube.googleapis.com`).
pub const API_BASE_ENV: &str = "YTEMPIRE_YOUTUBE_API_BASE";
/// Environment variable naming the upload base URL (default `https://www.googleapis.com`).
pub const UPLOAD_BASE_ENV: &str = "YTEMPIRE_YOUTUBE_UPLOAD_BASE";
/// Environment variable naming the OAuth token URL (default `https://oauth2.googleapis.com/token`).
pub const TOKEN_URL_ENV: &str = "YTEMPIRE_OAUTH_TOKEN_URL";

/// Where the API lives; point every field at a test server to test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Data API root, e.g. `https://youtube.googleapis.com` (paths `/youtube/v3/...` are appended).
    pub api_base: String,
    /// Media upload root, e.g. `https://www.googleapis.com` (paths `/upload/youtube/v3/...`).
    pub upload_base: String,
    /// OAuth token endpoint.
    pub token_url: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Self {
            api_base: "https://youtube.googleapis.com".into(),
            upload_base: "https://www.googleapis.com".into(),
            token_url: crate::oauth::GOOGLE_TOKEN_URL.into(),
        }
    }
}

impl Endpoints {
    /// Every endpoint on one server root (a test server).
    pub fn all_at(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        Self {
            api_base: base.into(),
            upload_base: base.into(),
            token_url: format!("{base}/token"),
        }
    }

    /// Defaults overridden by [`API_BASE_ENV`], [`UPLOAD_BASE_ENV`] and [`TOKEN_URL_ENV`].
    pub fn from_env() -> Self {
        let mut e = Self::default();
        if let Ok(v) = std::env::var(API_BASE_ENV) {
            e.api_base = v.trim_end_matches('/').into();
        }
        if let Ok(v) = std::env::var(UPLOAD_BASE_ENV) {
            e.upload_base = v.trim_end_matches('/').into();
        }
        if let Ok(v) = std::env::var(TOKEN_URL_ENV) {
            e.token_url = v;
        }
        e
    }
}

/// One account's authenticated API client. Cheap to clone.
#[derive(Clone)]
pub struct YouTubeClient {
    pub(crate) http: reqwest::Client,
    pub(crate) endpoints: Endpoints,
    pub(crate) account: Account,
    pub(crate) auth: Arc<dyn AccessTokenSource>,
    pub(crate) ledger: Option<Arc<QuotaLedger>>,
}

impl fmt::Debug for YouTubeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YouTubeClient")
            .field("endpoints", &self.endpoints)
            .field("account", &self.account)
            .field("auth", &self.auth)
            .field("ledger", &self.ledger.is_some())
            .finish_non_exhaustive()
    }
}

impl YouTubeClient {
    /// A client for `account`, authenticating with `auth`.
    pub fn new(account: Account, auth: Arc<dyn AccessTokenSource>, endpoints: Endpoints) -> Self {
        Self {
            http: reqwest::Client::new(),
            endpoints,
            account,
            auth,
            ledger: None,
        }
    }

    /// Charge every call to this quota ledger (under the account's project).
    #[must_use]
    pub fn with_ledger(mut self, ledger: Arc<QuotaLedger>) -> Self {
        self.ledger = Some(ledger);
        self
    }

    /// Use this HTTP client (timeouts, proxies).
    #[must_use]
    pub fn with_http(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    /// The account.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The per-method quota costs: the ledger's, else Google's published ones.
    pub fn quota_costs(&self) -> crate::quota::QuotaCosts {
        self.ledger
            .as_ref()
            .map(|l| l.costs().clone())
            .unwrap_or_default()
    }

    /// The quota ledger, if any.
    pub fn ledger(&self) -> Option<&Arc<QuotaLedger>> {
        self.ledger.as_ref()
    }

    pub(crate) async fn bearer(&self) -> Result<HeaderValue> {
        let token = self.auth.access_token().await?;
        let mut v =
            HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(|_| {
                Error::new(
                    ErrorKind::Unauthenticated,
                    "access token is not a header value",
                )
            })?;
        v.set_sensitive(true);
        Ok(v)
    }

    /// Record `method`'s cost; returns the units charged.
    pub(crate) async fn charge(&self, method: &str) -> Result<u64> {
        match &self.ledger {
            Some(l) => l.charge(&self.account.project, method).await,
            None => Ok(crate::quota::QuotaCosts::default().cost(method)),
        }
    }

    /// Mark quota/channel state from an error reply.
    pub(crate) async fn note_error(&self, err: &Error) -> Result<()> {
        let Some(ledger) = &self.ledger else {
            return Ok(());
        };
        let now = chrono::Utc::now();
        match err.code() {
            Some(crate::error::REASON_QUOTA_EXCEEDED) => {
                ledger.mark_exhausted_at(&self.account.project, now).await
            }
            Some(crate::error::REASON_UPLOAD_LIMIT_EXCEEDED) => {
                ledger.block_channel_at(&self.account.name, now).await
            }
            _ => Ok(()),
        }
    }

    /// A GET on the Data API, charged as `method`, with one retry after a 401.
    pub(crate) async fn get_json<T: for<'de> Deserialize<'de>>(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(T, u64)> {
        let url = format!("{}/youtube/v3/{path}", self.endpoints.api_base);
        let (text, units) = self
            .send_authorized(method, || self.http.get(&url).query(query))
            .await?;
        let value = serde_json::from_str(&text).map_err(|e| {
            Error::new(ErrorKind::InvalidResponse, format!("{method} reply: {e}"))
                .with_provider(PROVIDER)
        })?;
        Ok((value, units))
    }

    /// `thumbnails.set`: upload a JPEG or PNG (≤ 2 MB) for `video_id`. Returns units charged.
    pub async fn set_thumbnail(&self, video_id: &str, thumbnail: &Thumbnail) -> Result<u64> {
        check_thumbnail(thumbnail)?;
        let url = format!(
            "{}/upload/youtube/v3/thumbnails/set",
            self.endpoints.upload_base
        );
        let (_, units) = self
            .send_authorized("thumbnails.set", || {
                self.http
                    .post(&url)
                    .query(&[("videoId", video_id), ("uploadType", "media")])
                    .header(CONTENT_TYPE, thumbnail.format.mime())
                    .body(thumbnail.data.clone())
            })
            .await?;
        Ok(units)
    }

    /// Send the request `build` makes with the bearer token, charged as `method`; after a 401
    /// invalidate the token and send it once more. A non-2xx reply becomes its typed error
    /// (noted in the ledger). Returns the reply's text and the units charged.
    async fn send_authorized(
        &self,
        method: &str,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<(String, u64)> {
        let mut units = 0;
        for attempt in 0..2 {
            let req = build().header(AUTHORIZATION, self.bearer().await?);
            units += self.charge(method).await?;
            let resp = req.send().await.map_err(|e| transport(method, &e))?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let text = resp.text().await.map_err(|e| transport(method, &e))?;
            if status == 401 && attempt == 0 {
                self.auth.invalidate().await;
                continue;
            }
            if !(200..300).contains(&status) {
                let err = from_response(status, &headers, &text);
                self.note_error(&err).await?;
                return Err(err);
            }
            return Ok((text, units));
        }
        Err(Error::new(
            ErrorKind::Unauthenticated,
            format!("{method}: token refused twice"),
        )
        .with_provider(PROVIDER))
    }

    /// `channels.list part=statistics` for the authorised channel (`mine=true`), or for
    /// `channel_id` when given.
    pub async fn channel_statistics(&self, channel_id: Option<&str>) -> Result<ChannelStatistics> {
        let mut q = vec![("part", "id,statistics".to_string())];
        match channel_id {
            Some(id) => q.push(("id", id.to_string())),
            None => q.push(("mine", "true".to_string())),
        }
        let (list, _): (ListWire<ChannelWire>, _) =
            self.get_json("channels.list", "channels", &q).await?;
        let item = list.items.into_iter().next().ok_or_else(|| {
            Error::new(ErrorKind::NotFound, "channels.list returned no channel")
                .with_provider(PROVIDER)
        })?;
        Ok(ChannelStatistics {
            channel_id: item.id,
            ..item.statistics.unwrap_or_default()
        })
    }

    /// `channels.list part=id,snippet mine=true`: the channel the token belongs to (used when
    /// adding an account, to record its channel id and title).
    pub async fn my_channel(&self) -> Result<ChannelInfo> {
        let q = [
            ("part", "id,snippet".to_string()),
            ("mine", "true".to_string()),
        ];
        let (list, _): (ListWire<ChannelWire>, _) =
            self.get_json("channels.list", "channels", &q).await?;
        let item = list.items.into_iter().next().ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                "this Google account has no YouTube channel; create one at https://www.youtube.com/create_channel and add the account again",
            )
            .with_provider(PROVIDER)
        })?;
        if item.id.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                "channels.list returned a channel without an id",
            )
            .with_provider(PROVIDER));
        }
        let snippet = item.snippet.unwrap_or_default();
        Ok(ChannelInfo {
            id: item.id,
            title: snippet.title,
            custom_url: snippet.custom_url,
        })
    }

    /// `videos.list part=snippet,statistics` for up to 50 ids.
    pub async fn video_statistics(&self, ids: &[&str]) -> Result<Vec<VideoStats>> {
        if ids.is_empty() || ids.len() > 50 {
            return Err(Error::invalid_request("videos.list takes 1 to 50 ids"));
        }
        let q = [
            ("part", "snippet,statistics".to_string()),
            ("id", ids.join(",")),
        ];
        let (list, _): (ListWire<VideoWire>, _) =
            self.get_json("videos.list", "videos", &q).await?;
        Ok(list.items.into_iter().map(VideoStats::from).collect())
    }

    /// `videos.list chart=mostPopular`. Returns the videos and the units charged.
    pub async fn most_popular(
        &self,
        region: Option<&str>,
        category: Option<&str>,
        max_results: u32,
    ) -> Result<(Vec<VideoStats>, u64)> {
        let mut q = vec![
            ("part", "snippet,statistics".to_string()),
            ("chart", "mostPopular".to_string()),
            ("maxResults", max_results.clamp(1, 50).to_string()),
        ];
        if let Some(r) = region {
            q.push(("regionCode", r.to_string()));
        }
        if let Some(c) = category {
            q.push(("videoCategoryId", c.to_string()));
        }
        let (list, units): (ListWire<VideoWire>, _) =
            self.get_json("videos.list", "videos", &q).await?;
        Ok((
            list.items.into_iter().map(VideoStats::from).collect(),
            units,
        ))
    }
}

/// Refuse a thumbnail YouTube would refuse, before any HTTP call.
pub(crate) fn check_thumbnail(t: &Thumbnail) -> Result<()> {
    if t.data.len() > THUMBNAIL_MAX_BYTES {
        return Err(Error::invalid_request(format!(
            "thumbnail is {} bytes; thumbnails.set accepts at most {THUMBNAIL_MAX_BYTES}",
            t.data.len()
        )));
    }
    let magic_ok = match t.format {
        ThumbnailFormat::Png => t.data.starts_with(b"\x89PNG\r\n\x1a\n"),
        ThumbnailFormat::Jpeg => t.data.starts_with(&[0xFF, 0xD8, 0xFF]),
    };
    if !magic_ok {
        return Err(Error::invalid_request(format!(
            "thumbnail bytes are not a {} image",
            t.format.mime()
        )));
    }
    Ok(())
}

#[derive(Deserialize)]
struct ListWire<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
}

#[derive(Deserialize)]
struct ChannelWire {
    #[serde(default)]
    id: String,
    #[serde(default)]
    snippet: Option<ChannelSnippetWire>,
    #[serde(default)]
    statistics: Option<ChannelStatistics>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ChannelSnippetWire {
    #[serde(default)]
    title: String,
    #[serde(default)]
    custom_url: Option<String>,
}

/// Who a channel is (`channels.list part=id,snippet`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChannelInfo {
    /// `UC…` channel id.
    pub id: String,
    /// The channel's title.
    pub title: String,
    /// The channel's handle (`@name`), when it has one.
    pub custom_url: Option<String>,
}

/// `channels.list` statistics. The counts arrive as JSON strings and are parsed to numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChannelStatistics {
    /// The channel id.
    #[serde(skip)]
    pub channel_id: String,
    /// Views (since March 2025 including Shorts plays and replays).
    #[serde(default, deserialize_with = "u64_str")]
    pub view_count: u64,
    /// Subscribers (rounded by YouTube); `None` when hidden.
    #[serde(default, deserialize_with = "opt_u64_str")]
    pub subscriber_count: Option<u64>,
    /// Whether the subscriber count is hidden.
    #[serde(default)]
    pub hidden_subscriber_count: bool,
    /// Public videos.
    #[serde(default, deserialize_with = "u64_str")]
    pub video_count: u64,
}

#[derive(Deserialize)]
struct VideoWire {
    #[serde(default)]
    id: String,
    #[serde(default)]
    snippet: Option<SnippetWire>,
    #[serde(default)]
    statistics: Option<VideoStatistics>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SnippetWire {
    #[serde(default)]
    title: String,
    #[serde(default)]
    channel_id: String,
    #[serde(default)]
    tags: Vec<String>,
}

/// `videos.list` statistics; counts arrive as JSON strings. Missing counts are hidden ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VideoStatistics {
    /// Views.
    #[serde(default, deserialize_with = "u64_str")]
    pub view_count: u64,
    /// Likes, when public.
    #[serde(default, deserialize_with = "opt_u64_str")]
    pub like_count: Option<u64>,
    /// Comments, when enabled.
    #[serde(default, deserialize_with = "opt_u64_str")]
    pub comment_count: Option<u64>,
}

/// A video from `videos.list` with its title and statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VideoStats {
    /// Video id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Owning channel.
    pub channel_id: String,
    /// Tags (only visible to the owner or on public videos that have them).
    pub tags: Vec<String>,
    /// Counts.
    pub statistics: VideoStatistics,
}

impl From<VideoWire> for VideoStats {
    fn from(w: VideoWire) -> Self {
        let s = w.snippet.unwrap_or_default();
        Self {
            id: w.id,
            title: s.title,
            channel_id: s.channel_id,
            tags: s.tags,
            statistics: w.statistics.unwrap_or_default(),
        }
    }
}

fn u64_str<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<u64, D::Error> {
    Ok(opt_u64_str(d)?.unwrap_or(0))
}

fn opt_u64_str<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        S(String),
        U(u64),
    }
    match Option::<N>::deserialize(d)? {
        None => Ok(None),
        Some(N::U(u)) => Ok(Some(u)),
        Some(N::S(s)) => s.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parse_from_strings() {
        let s: ChannelStatistics = serde_json::from_str(
            r#"{"viewCount":"18446744073709551615","subscriberCount":"42","hiddenSubscriberCount":false,"videoCount":"7"}"#,
        )
        .unwrap();
        assert_eq!(s.view_count, u64::MAX);
        assert_eq!(s.subscriber_count, Some(42));
        assert_eq!(s.video_count, 7);
        let v: VideoStatistics = serde_json::from_str(r#"{"viewCount":"5"}"#).unwrap();
        assert_eq!(v.like_count, None);
        assert!(serde_json::from_str::<VideoStatistics>(r#"{"viewCount":"x"}"#).is_err());
    }

    #[test]
    fn thumbnails_are_checked_locally() {
        let png = Thumbnail {
            width: 1,
            height: 1,
            format: ThumbnailFormat::Png,
            variant: "a".into(),
            data: b"\x89PNG\r\n\x1a\nrest".to_vec(),
        };
        assert!(check_thumbnail(&png).is_ok());
        let mut big = png.clone();
        big.data.resize(THUMBNAIL_MAX_BYTES + 1, 0);
        assert_eq!(
            check_thumbnail(&big).unwrap_err().kind(),
            ErrorKind::InvalidRequest
        );
        let mut wrong = png;
        wrong.format = ThumbnailFormat::Jpeg;
        assert!(check_thumbnail(&wrong).is_err());
    }
}
