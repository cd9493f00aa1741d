//! The fake's read-only list methods: `videos.list` (by id, also of search results, or
//! `chart=mostPopular`) and
//! `channels.list` (by id or `mine=true`; `contentDetails` names the uploads playlist), in
//! Google's wire format.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{HeaderMap, Response};
use serde_json::{Value, json};

use super::Shared;
use super::server::{api_gate, reply};

pub(super) fn list_videos(
    shared: &Shared,
    q: &HashMap<String, String>,
    h: &HeaderMap,
) -> Response<Body> {
    if let Err(r) = api_gate(shared, "videos.list", q, h) {
        return *r;
    }
    if let Some(r) = super::search::list_fault(shared) {
        return r;
    }
    let s = shared.lock();
    let items: Vec<Value> = if q.get("chart").map(String::as_str) == Some("mostPopular") {
        let max = q
            .get("maxResults")
            .and_then(|m| m.parse().ok())
            .unwrap_or(5);
        s.popular.iter().take(max).cloned().collect()
    } else {
        let ids: Vec<&str> = q
            .get("id")
            .map(|i| i.split(',').collect())
            .unwrap_or_default();
        s.videos
            .iter()
            .filter(|v| ids.contains(&v.id.as_str()))
            .map(|v| {
                let mut r = v.resource.clone();
                r["statistics"] = json!({"viewCount": "0", "likeCount": "0", "commentCount": "0", "favoriteCount": "0"});
                r
            })
            .chain(s.popular.iter().filter(|p| p["id"].as_str().is_some_and(|id| ids.contains(&id))).cloned())
            .chain(s.searchable.iter().filter(|v| ids.contains(&v.id.as_str())).map(super::SearchVideo::resource))
            .collect()
    };
    drop(s);
    super::search::finish_list(
        shared,
        json!({"kind": "youtube#videoListResponse", "etag": "l", "items": items, "pageInfo": {"totalResults": items.len(), "resultsPerPage": items.len()}}),
    )
}

pub(super) fn list_channels(
    shared: &Shared,
    q: &HashMap<String, String>,
    h: &HeaderMap,
) -> Response<Body> {
    let account = match api_gate(shared, "channels.list", q, h) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let s = shared.lock();
    let mine = q.get("mine").map(String::as_str) == Some("true");
    let channel = match (mine, q.get("id")) {
        (true, _) => s
            .accounts
            .iter()
            .find(|a| a.name == account)
            .map(|a| a.channel_id.clone())
            .filter(|c| !c.is_empty()),
        (false, Some(id)) => Some(id.clone()),
        _ => None,
    };
    let parts: Vec<&str> = q
        .get("part")
        .map(|p| p.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let items: Vec<Value> = channel
        .and_then(|c| {
            let owner = s.accounts.iter().find(|a| a.channel_id == c);
            let stats = s.channel_stats.get(&c);
            if owner.is_none() && stats.is_none() {
                return None;
            }
            let mut item = json!({"kind": "youtube#channel", "etag": "c", "id": c});
            if parts.contains(&"snippet") {
                let title = owner.map(|a| a.channel_title.clone()).unwrap_or_default();
                item["snippet"] = json!({
                    "title": title, "description": "", "customUrl": format!("@{}", title.to_lowercase().replace(' ', "")),
                    "publishedAt": "2020-01-01T00:00:00Z",
                    "thumbnails": {"default": {"url": "http://127.0.0.1/c.jpg", "width": 88, "height": 88}},
                    "localized": {"title": title, "description": ""}
                });
            }
            if parts.contains(&"contentDetails") {
                item["contentDetails"] = json!({"relatedPlaylists": {
                    "likes": "LL", "uploads": super::uploads::uploads_playlist(&c)
                }});
            }
            if parts.contains(&"statistics") {
                item["statistics"] = stats.cloned().unwrap_or_else(|| json!({"viewCount": "0", "subscriberCount": "0", "hiddenSubscriberCount": false, "videoCount": "0"}));
            }
            Some(item)
        })
        .into_iter()
        .collect();
    reply(
        200,
        json!({"kind": "youtube#channelListResponse", "etag": "l", "items": items}),
    )
}
