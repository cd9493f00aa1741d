//! [`FeedTrends`] (feature `feeds`): any RSS 2.0, RSS 1.0, Atom or JSON Feed by URL (news
//! sites, subreddit feeds, the Google Trends daily feed) as a core [`TrendSource`], parsed
//! with `feed-rs`.
//!
//! It lives in this crate because this is where the trend sources are: it shares the
//! [`TrendRequest`]/[`TrendEvidence`] mapping with the YouTube sources, the crate already
//! builds on core's `http` feature (client, timeouts, success check, scrubbed transport
//! errors), and its loopback fake serves feeds from the same fake server with the same fault
//! switch. It is a feature so that uploads alone do not pull in an XML parser.
//!
//! Refreshes are conditional: the last reply's `ETag` and `Last-Modified` go back as
//! `If-None-Match` and `If-Modified-Since`; a `304 Not Modified` costs nothing and returns the
//! cached items (with [`FeedTrends::with_cache_file`] the cache survives restarts). Nothing is
//! retried here (core's `Retry` layer does that); the URL in errors is scrubbed of its query.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use ytempire_core::http::{self, VendorError};
use ytempire_core::{
    Capabilities, Error, ErrorKind, ProviderInfo, Result, Topic, TrendEvidence, TrendItem,
    TrendRequest, TrendResponse, TrendSource, Usage,
};

use super::shorten;

/// The provider id of feed sources in errors and [`ProviderInfo`].
pub const FEED_PROVIDER: &str = "feed";

/// Largest feed body read (8 MiB).
const MAX_FEED_BYTES: usize = 8 << 20;
/// Longest summary kept.
const SUMMARY_CHARS: usize = 280;
/// Default total timeout of one fetch.
const DEFAULT_FEED_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Cached {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
    items: Vec<TrendItem>,
}

/// Topics from one RSS or Atom feed, newest first, fetched conditionally.
#[derive(Debug)]
pub struct FeedTrends {
    url: reqwest::Url,
    http: reqwest::Client,
    cache_file: Option<PathBuf>,
    cache: Mutex<Option<Cached>>,
}

impl FeedTrends {
    /// A source for the feed at `url` (`http://` or `https://`).
    ///
    /// # Errors
    /// `Config` for a URL that is not http(s), or when the HTTP client cannot be built.
    pub fn new(url: &str) -> Result<Self> {
        http::check_base_url(FEED_PROVIDER, url)?;
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| Error::config(format!("feed URL {url:?} does not parse: {e}")))?;
        Ok(Self {
            url: parsed,
            http: http::client(DEFAULT_FEED_TIMEOUT)?,
            cache_file: None,
            cache: Mutex::new(None),
        })
    }

    /// Use this HTTP client (timeouts, proxies).
    #[must_use]
    pub fn with_http(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    /// Keep the validators and items in this JSON file (loaded now when it is for this URL),
    /// so a later process's first refresh is conditional too.
    #[must_use]
    pub fn with_cache_file(mut self, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let loaded = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Cached>(&b).ok())
            .filter(|c| c.url == self.url.as_str());
        self.cache = Mutex::new(loaded);
        self.cache_file = Some(path);
        self
    }

    /// The URL without its query (safe to show).
    pub fn display_url(&self) -> String {
        http::scrub_url(&self.url)
    }

    fn source_name(&self) -> String {
        format!("feed:{}", self.url.host_str().unwrap_or("local"))
    }

    async fn fetch(&self) -> Result<(Vec<TrendItem>, Usage)> {
        let mut cache = self.cache.lock().await;
        let mut req = self.http.get(self.url.clone());
        if let Some(c) = cache.as_ref() {
            if let Some(e) = &c.etag {
                req = req.header(IF_NONE_MATCH, e);
            }
            if let Some(m) = &c.last_modified {
                req = req.header(IF_MODIFIED_SINCE, m);
            }
        }
        let resp = req
            .send()
            .await
            .map_err(|e| http::transport_error(FEED_PROVIDER, &e))?;
        if resp.status() == StatusCode::NOT_MODIFIED {
            let Some(c) = cache.as_ref() else {
                return Err(Error::new(
                    ErrorKind::InvalidResponse,
                    format!(
                        "{} answered 304 Not Modified to a request that had no validators",
                        self.display_url()
                    ),
                )
                .with_provider(FEED_PROVIDER));
            };
            return Ok((c.items.clone(), one_request().into_cached()));
        }
        let resp = http::check(FEED_PROVIDER, resp, |_, body| VendorError::raw(body)).await?;
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (etag, last_modified) = (header(ETAG), header(LAST_MODIFIED));
        let body = http::read_body(FEED_PROVIDER, resp, MAX_FEED_BYTES).await?;
        let items = self.parse(&body)?;
        let fresh = Cached {
            url: self.url.to_string(),
            etag,
            last_modified,
            items: items.clone(),
        };
        if let Some(path) = &self.cache_file {
            ytempire_core::fs::write_atomic(path, &serde_json::to_vec_pretty(&fresh)?).await?;
        }
        *cache = Some(fresh);
        Ok((items, one_request()))
    }

    fn parse(&self, body: &[u8]) -> Result<Vec<TrendItem>> {
        let feed = feed_rs::parser::parse(body).map_err(|e| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "{} is not an RSS, Atom or JSON feed ({e}): {}",
                    self.display_url(),
                    http::excerpt(body)
                ),
            )
            .with_provider(FEED_PROVIDER)
        })?;
        let source = self.source_name();
        let feed_title = feed.title.map(|t| plain(&t.content)).unwrap_or_default();
        let mut items: Vec<TrendItem> = feed
            .entries
            .into_iter()
            .filter_map(|e| {
                let title = plain(&e.title.as_ref()?.content);
                if title.is_empty() {
                    return None;
                }
                let summary = e
                    .summary
                    .as_ref()
                    .map(|s| plain(&s.content))
                    .or_else(|| {
                        e.content
                            .as_ref()
                            .and_then(|c| c.body.as_deref().map(plain))
                    })
                    .map(|s| shorten(&s, SUMMARY_CHARS))
                    .filter(|s| !s.is_empty());
                let mut topic = Topic::new(title);
                topic.keywords = e
                    .categories
                    .iter()
                    .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
                    .filter(|k| !k.trim().is_empty())
                    .collect();
                topic.source = Some(if feed_title.is_empty() {
                    source.clone()
                } else {
                    format!("{source} ({feed_title})")
                });
                let mut evidence = TrendEvidence::default();
                evidence.published_at = e.published.or(e.updated);
                evidence.link = e.links.first().map(|l| l.href.clone());
                evidence.summary = summary;
                Some(TrendItem::new(topic, evidence))
            })
            .collect();
        // Newest first; undated items keep their feed order after the dated ones.
        items.sort_by_key(|i| std::cmp::Reverse(i.evidence.published_at));
        Ok(items)
    }
}

/// One request, nothing billed.
fn one_request() -> Usage {
    Usage {
        requests: 1,
        ..Usage::default()
    }
}

/// Text of an HTML or plain fragment: tags dropped, common entities decoded, whitespace
/// collapsed.
fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl fmt::Display for FeedTrends {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{FEED_PROVIDER}/{}",
            self.url.host_str().unwrap_or("local")
        )
    }
}

#[async_trait]
impl TrendSource for FeedTrends {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new(FEED_PROVIDER, self.display_url(), Capabilities::new())
    }

    async fn trends(&self, request: &TrendRequest) -> Result<TrendResponse> {
        if request.limit == 0 {
            return Err(Error::invalid_request(
                "a feed source takes a limit of 1 or more",
            ));
        }
        let (mut items, usage) = self.fetch().await?;
        if let (Some(days), Some(now)) = (request.within_days, request.now) {
            let after = now - chrono::Duration::days(i64::from(days));
            items.retain(|i| i.evidence.published_at.is_none_or(|t| t >= after));
        }
        items.truncate(request.limit as usize);
        Ok(TrendResponse::from_items(items, usage))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_strips_tags_and_entities() {
        assert_eq!(
            plain("<p>Reef &amp; kelp<br/>news&nbsp;today</p>"),
            "Reef & kelp news today"
        );
    }

    #[test]
    fn refuses_non_http_urls() {
        let err = FeedTrends::new("ftp://example.com/feed").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }
}
