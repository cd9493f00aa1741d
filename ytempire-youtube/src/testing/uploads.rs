//! The fake's uploads playlists: `playlistItems.list` (by `playlistId` or `id`; parts `id`,
//! `snippet`, `contentDetails`, `status`; `maxResults` 0–50, default 5; `nextPageToken` /
//! `pageToken`), answered as `youtube#playlistItemListResponse`, newest first, over each
//! channel's uploads: the videos uploaded to the fake through its accounts and those added
//! with [`FakeYouTube::add_channel_upload`](super::FakeYouTube::add_channel_upload). A
//! channel's uploads playlist is its id with `UC` turned into `UU`, as on YouTube, and is named
//! by `channels.list part=contentDetails`. As on YouTube, the uploads playlist of a channel
//! with no uploads answers `404 playlistNotFound`.
//!
//! Also here: the transport faults every list route honours ([`Fault::ResetList`],
//! [`Fault::StallList`]).

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{HeaderMap, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::server::{api_gate, google_error};
use super::{Fault, SearchVideo, Shared, State};

/// The uploads playlist id of `channel_id` (`UCabc` → `UUabc`).
pub(crate) fn uploads_playlist(channel_id: &str) -> String {
    match channel_id.strip_prefix("UC") {
        Some(rest) => format!("UU{rest}"),
        None => format!("UU{channel_id}"),
    }
}

/// The next list call's transport fault, taken off the queue.
pub(super) fn take_transport_fault(shared: &Shared) -> Option<Fault> {
    let mut s = shared.lock();
    let pos = s
        .faults
        .iter()
        .position(|f| matches!(f, Fault::ResetList | Fault::StallList))?;
    Some(s.faults.remove(pos))
}

/// One entry of a channel's uploads playlist.
struct Entry {
    video: SearchVideo,
    channel_id: String,
    channel_title: String,
}

/// `channel_id`'s uploads, newest first.
fn uploads_of(s: &State, channel_id: &str) -> Vec<Entry> {
    let title = s
        .accounts
        .iter()
        .find(|a| a.channel_id == channel_id)
        .map(|a| a.channel_title.clone())
        .unwrap_or_default();
    let mut out: Vec<Entry> = s
        .channel_uploads
        .get(channel_id)
        .into_iter()
        .flatten()
        .cloned()
        .map(|video| Entry {
            video,
            channel_id: channel_id.into(),
            channel_title: title.clone(),
        })
        .collect();
    // Uploads through the fake: newest of all, most recent first.
    let now = Utc::now();
    for v in s.videos.iter().rev() {
        let mine = s
            .accounts
            .iter()
            .any(|a| a.name == v.account && a.channel_id == channel_id);
        if !mine {
            continue;
        }
        let title_of = v
            .resource
            .pointer("/snippet/title")
            .and_then(Value::as_str)
            .unwrap_or("");
        let at = v
            .resource
            .pointer("/status/publishAt")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or(now, |t| t.with_timezone(&Utc));
        out.push(Entry {
            video: SearchVideo::new(&v.id, title_of, at, 0),
            channel_id: channel_id.into(),
            channel_title: title.clone(),
        });
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.video.published_at));
    out
}

fn item_id(playlist: &str, video: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{playlist}.{video}"))
}

/// The `youtube#playlistItem` resource with the asked parts.
fn item(e: &Entry, playlist: &str, position: usize, parts: &[&str]) -> Value {
    let v = &e.video;
    let at = v.published_at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut r = json!({
        "kind": "youtube#playlistItem", "etag": format!("pi-{}", v.id),
        "id": item_id(playlist, &v.id),
    });
    if parts.contains(&"snippet") {
        r["snippet"] = json!({
            "publishedAt": at, "channelId": e.channel_id, "title": v.title,
            "description": v.description,
            "thumbnails": {"default": {"url": format!("https://i.ytimg.com/vi/{}/default.jpg", v.id), "width": 120, "height": 90}},
            "channelTitle": e.channel_title, "playlistId": playlist, "position": position,
            "resourceId": {"kind": "youtube#video", "videoId": v.id},
            "videoOwnerChannelTitle": e.channel_title, "videoOwnerChannelId": e.channel_id
        });
    }
    if parts.contains(&"contentDetails") {
        r["contentDetails"] = json!({"videoId": v.id, "videoPublishedAt": at});
    }
    if parts.contains(&"status") {
        r["status"] = json!({"privacyStatus": "public"});
    }
    r
}

fn page_token(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("PT:{offset}"))
}

fn read_token(token: &str) -> Option<usize> {
    let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("PT:")?
        .parse()
        .ok()
}

pub(super) fn playlist_items(
    shared: &Shared,
    q: &HashMap<String, String>,
    h: &HeaderMap,
) -> Response<Body> {
    if let Err(r) = api_gate(shared, "playlistItems.list", q, h) {
        return *r;
    }
    if let Some(r) = super::search::list_fault(shared) {
        return r;
    }
    let max: usize = match q.get("maxResults").map(|m| m.parse::<usize>()) {
        None => 5,
        Some(Ok(m)) if m <= 50 => m,
        Some(_) => {
            return google_error(
                400,
                "invalidParameter",
                "youtube.parameter",
                "Invalid value for maxResults: it must be between 0 and 50",
            );
        }
    };
    let offset = match q.get("pageToken").map(|t| read_token(t)) {
        None => 0,
        Some(Some(o)) => o,
        Some(None) => {
            return google_error(
                400,
                "invalidPageToken",
                "youtube.parameter",
                "The request specifies an invalid page token.",
            );
        }
    };
    let parts: Vec<&str> = q
        .get("part")
        .map(|p| p.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let s = shared.lock();
    let (playlist, entries): (String, Vec<Entry>) = match (q.get("playlistId"), q.get("id")) {
        (Some(p), _) => {
            let channel = s
                .accounts
                .iter()
                .map(|a| a.channel_id.clone())
                .chain(s.channel_uploads.keys().cloned())
                .find(|c| uploads_playlist(c) == *p);
            let entries = channel.map(|c| uploads_of(&s, &c)).unwrap_or_default();
            if entries.is_empty() {
                return google_error(
                    404,
                    "playlistNotFound",
                    "youtube.playlistItem",
                    "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.",
                );
            }
            (p.clone(), entries)
        }
        (None, Some(ids)) => {
            let ids: Vec<&str> = ids.split(',').collect();
            let mut found = Vec::new();
            let mut playlist = String::new();
            for c in s
                .accounts
                .iter()
                .map(|a| a.channel_id.clone())
                .chain(s.channel_uploads.keys().cloned())
            {
                let p = uploads_playlist(&c);
                for e in uploads_of(&s, &c) {
                    if ids.contains(&item_id(&p, &e.video.id).as_str()) {
                        playlist.clone_from(&p);
                        found.push(e);
                    }
                }
            }
            (playlist, found)
        }
        (None, None) => {
            drop(s);
            shared
                .lock()
                .violations
                .push("missingRequiredParameter: playlistItems.list needs playlistId or id".into());
            return google_error(
                400,
                "missingRequiredParameter",
                "youtube.parameter",
                "No filter selected. Expected one of: playlistId, id",
            );
        }
    };
    let total = entries.len();
    let items: Vec<Value> = entries
        .iter()
        .enumerate()
        .skip(offset)
        .take(max)
        .map(|(i, e)| item(e, &playlist, i, &parts))
        .collect();
    let mut body = json!({
        "kind": "youtube#playlistItemListResponse", "etag": format!("pl-{offset}"),
        "items": items,
        "pageInfo": {"totalResults": total, "resultsPerPage": max}
    });
    if max > 0 && offset + max < total {
        body["nextPageToken"] = json!(page_token(offset + max));
    }
    if offset > 0 {
        body["prevPageToken"] = json!(page_token(offset.saturating_sub(max)));
    }
    drop(s);
    super::search::finish_list(shared, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_playlists_follow_youtube() {
        assert_eq!(read_token(&page_token(150)), Some(150));
        assert_eq!(read_token("not a token"), None);
        assert_eq!(uploads_playlist("UCabc"), "UUabc");
        assert_eq!(uploads_playlist("xyz"), "UUxyz");
    }
}
