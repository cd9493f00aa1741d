//! The fake's trend routes: `search.list` (keywords with `|` as OR, `type`, `order`,
//! `publishedAfter`/`publishedBefore`, `maxResults` 0–50) over the videos added with
//! [`FakeYouTube::add_search_video`](super::FakeYouTube::add_search_video), answered as
//! `youtube#searchListResponse`; and the list faults ([`Fault::ListError`],
//! [`Fault::TruncateList`]) that every list method honours.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{HeaderMap, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::server::{api_gate, google_error, half, reply, retry_after_on_busy};
use super::{Fault, Shared};

/// A video the fake's search can find (and `videos.list` by id then describes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchVideo {
    /// Video id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The uploading channel's title.
    pub channel_title: String,
    /// Publishing time.
    pub published_at: DateTime<Utc>,
    /// Views.
    pub views: u64,
    /// Tags.
    pub tags: Vec<String>,
    /// `status.madeForKids`.
    pub made_for_kids: bool,
}

impl SearchVideo {
    /// A video with a title, publishing time and views (other fields empty).
    pub fn new(id: &str, title: &str, published_at: DateTime<Utc>, views: u64) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            description: String::new(),
            channel_title: "Some Channel".into(),
            published_at,
            views,
            tags: Vec::new(),
            made_for_kids: false,
        }
    }

    /// Set the description.
    #[must_use]
    pub fn with_description(mut self, text: &str) -> Self {
        self.description = text.into();
        self
    }

    /// Set the tags.
    #[must_use]
    pub fn with_tags(mut self, tags: &[&str]) -> Self {
        self.tags = tags.iter().map(|t| (*t).to_string()).collect();
        self
    }

    /// Mark it made for kids.
    #[must_use]
    pub fn made_for_kids(mut self, yes: bool) -> Self {
        self.made_for_kids = yes;
        self
    }

    /// The `youtube#video` resource `videos.list` returns (parts snippet, statistics, status).
    pub(crate) fn resource(&self) -> Value {
        let at = self.published_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        json!({
            "kind": "youtube#video", "etag": format!("etag-{}", self.id), "id": self.id,
            "snippet": {
                "publishedAt": at, "channelId": format!("UC{}", self.id), "title": self.title,
                "description": self.description, "channelTitle": self.channel_title,
                "tags": self.tags, "categoryId": "28", "liveBroadcastContent": "none",
                "thumbnails": {"default": {"url": format!("https://i.ytimg.com/vi/{}/default.jpg", self.id), "width": 120, "height": 90}},
                "localized": {"title": self.title, "description": self.description}
            },
            "statistics": {"viewCount": self.views.to_string(), "likeCount": (self.views / 25).to_string(), "favoriteCount": "0", "commentCount": (self.views / 400).to_string()},
            "status": {"uploadStatus": "processed", "privacyStatus": "public", "license": "youtube", "embeddable": true, "publicStatsViewable": true, "madeForKids": self.made_for_kids}
        })
    }

    fn search_result(&self) -> Value {
        let at = self.published_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        let short: String = self.description.chars().take(160).collect();
        json!({
            "kind": "youtube#searchResult", "etag": format!("s-{}", self.id),
            "id": {"kind": "youtube#video", "videoId": self.id},
            "snippet": {
                "publishedAt": at, "channelId": format!("UC{}", self.id), "title": self.title,
                "description": short, "channelTitle": self.channel_title,
                "thumbnails": {"default": {"url": format!("https://i.ytimg.com/vi/{}/default.jpg", self.id), "width": 120, "height": 90}},
                "liveBroadcastContent": "none", "publishTime": at
            }
        })
    }

    fn matches(&self, q: &str) -> bool {
        let text = format!(
            "{} {} {}",
            self.title,
            self.description,
            self.tags.join(" ")
        )
        .to_lowercase();
        q.split('|').any(|alt| {
            let words: Vec<String> = alt.split_whitespace().map(str::to_lowercase).collect();
            !words.is_empty() && words.iter().all(|w| text.contains(w.as_str()))
        })
    }
}

fn bad(reason: &str, message: &str) -> Response<Body> {
    google_error(400, reason, "youtube.search", message)
}

fn time(q: &HashMap<String, String>, key: &str) -> Result<Option<DateTime<Utc>>, String> {
    match q.get(key) {
        None => Ok(None),
        Some(v) => DateTime::parse_from_rfc3339(v)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| format!("Invalid value for {key}: {v:?} is not an RFC 3339 date-time")),
    }
}

pub(super) fn search(
    shared: &Shared,
    q: &HashMap<String, String>,
    h: &HeaderMap,
) -> Response<Body> {
    if let Err(r) = api_gate(shared, "search.list", q, h) {
        return *r;
    }
    if let Some(r) = list_fault(shared) {
        return r;
    }
    let (after, before) = match (time(q, "publishedAfter"), time(q, "publishedBefore")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(m), _) | (_, Err(m)) => return bad("invalidPublishedAfter", &m),
    };
    let max: usize = q
        .get("maxResults")
        .and_then(|m| m.parse().ok())
        .unwrap_or(5);
    if max > 50 {
        return bad(
            "invalidParameter",
            "Invalid value for maxResults: it must be between 0 and 50",
        );
    }
    if q.contains_key("videoCategoryId") && q.get("type").map(String::as_str) != Some("video") {
        return bad(
            "invalidSearchFilter",
            "The request specifies videoCategoryId without setting type to video.",
        );
    }
    let wants_videos = q
        .get("type")
        .is_none_or(|t| t.split(',').any(|t| t == "video"));
    let s = shared.lock();
    let mut found: Vec<&SearchVideo> = s
        .searchable
        .iter()
        .filter(|_| wants_videos)
        .filter(|v| q.get("q").is_none_or(|text| v.matches(text)))
        .filter(|v| after.is_none_or(|a| v.published_at >= a))
        .filter(|v| before.is_none_or(|b| v.published_at < b))
        .collect();
    match q.get("order").map(String::as_str) {
        Some("viewCount") => found.sort_by_key(|v| std::cmp::Reverse(v.views)),
        Some("date") => found.sort_by_key(|v| std::cmp::Reverse(v.published_at)),
        Some("title") => found.sort_by(|a, b| a.title.cmp(&b.title)),
        _ => {}
    }
    let total = found.len();
    let items: Vec<Value> = found.iter().take(max).map(|v| v.search_result()).collect();
    let mut body = json!({
        "kind": "youtube#searchListResponse", "etag": "sl",
        "regionCode": q.get("regionCode").cloned().unwrap_or_else(|| "US".into()),
        "pageInfo": {"totalResults": total, "resultsPerPage": max},
        "items": items
    });
    if total > max {
        body["nextPageToken"] = json!("CAUQAA");
    }
    drop(s);
    finish_list(shared, body)
}

/// A queued [`Fault::ListError`], answered now.
pub(super) fn list_fault(shared: &Shared) -> Option<Response<Body>> {
    let mut s = shared.lock();
    let pos = s
        .faults
        .iter()
        .position(|f| matches!(f, Fault::ListError { .. }))?;
    let Fault::ListError { status } = s.faults.remove(pos) else {
        return None;
    };
    Some(retry_after_on_busy(google_error(
        status,
        "backendError",
        "global",
        "Backend Error",
    )))
}

/// Answer a list body, cut in half when [`Fault::TruncateList`] is queued.
pub(super) fn finish_list(shared: &Shared, body: Value) -> Response<Body> {
    let mut s = shared.lock();
    if let Some(pos) = s.faults.iter().position(|f| *f == Fault::TruncateList) {
        s.faults.remove(pos);
        return half(200, &body.to_string());
    }
    reply(200, body)
}
