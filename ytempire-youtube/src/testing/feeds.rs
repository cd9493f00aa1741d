//! The fake's feed routes: `GET /feeds/NAME` serves a feed set with
//! [`FakeYouTube::set_feed`](super::FakeYouTube::set_feed) (RSS or Atom; realistic fixtures in
//! [`RSS_FIXTURE`] and [`ATOM_FIXTURE`]) with an `ETag` and `Last-Modified`, answering
//! `304 Not Modified` to a matching `If-None-Match` or `If-Modified-Since`; faults
//! [`Fault::FeedError`] and [`Fault::MalformedFeed`].

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode};
use sha2::{Digest, Sha256};

use super::server::{header, retry_after_on_busy};
use super::{Fault, Shared};

/// An RSS 2.0 news feed (three items, CDATA, HTML descriptions, categories, `dc:creator`,
/// `media:content`), published 18–20 October 2026.
pub const RSS_FIXTURE: &str = include_str!("fixtures/ocean_news.rss.xml");
/// An Atom 1.0 feed (three entries: HTML title and summary, text summary, content only,
/// labelled and bare categories), updated 19–20 October 2026.
pub const ATOM_FIXTURE: &str = include_str!("fixtures/space_science.atom.xml");

/// A feed as the fake serves it.
#[derive(Debug, Clone)]
pub(crate) struct FakeFeed {
    pub(crate) body: String,
    pub(crate) content_type: String,
    pub(crate) etag: String,
    pub(crate) last_modified: String,
    pub(crate) full: u32,
    pub(crate) not_modified: u32,
}

impl FakeFeed {
    pub(crate) fn new(body: &str, content_type: &str, version: u64) -> Self {
        let etag = format!(
            "\"{}\"",
            &hex::encode(Sha256::digest(body.as_bytes()))[..16]
        );
        // One second later per version, in HTTP-date form.
        let t =
            chrono::DateTime::from_timestamp(1_792_486_800 + version as i64, 0).unwrap_or_default();
        Self {
            body: body.into(),
            content_type: content_type.into(),
            etag,
            last_modified: t.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
            full: 0,
            not_modified: 0,
        }
    }
}

fn status_only(status: u16, text: &str) -> Response<Body> {
    let mut r = Response::new(Body::from(text.to_string()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r
}

pub(super) fn serve(shared: &Shared, path: &str, h: &HeaderMap) -> Response<Body> {
    let name = path.trim_start_matches("/feeds/");
    let mut s = shared.lock();
    let fault = s
        .faults
        .iter()
        .position(|f| matches!(f, Fault::FeedError { .. } | Fault::MalformedFeed))
        .map(|p| s.faults.remove(p));
    if let Some(Fault::FeedError { status }) = fault {
        return retry_after_on_busy(status_only(
            status,
            "<html><body>Service Unavailable</body></html>",
        ));
    }
    let Some(feed) = s.feeds.get_mut(name) else {
        return status_only(404, "<html><body>Not Found</body></html>");
    };
    let etag_hit = header(h, "if-none-match").is_some_and(|v| {
        v.split(',')
            .any(|t| t.trim() == feed.etag || t.trim() == "*")
    });
    let date_hit = header(h, "if-none-match").is_none()
        && header(h, "if-modified-since") == Some(feed.last_modified.as_str());
    let mut r = if etag_hit || date_hit {
        feed.not_modified += 1;
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        feed.full += 1;
        let body = if fault == Some(Fault::MalformedFeed) {
            feed.body[..feed.body.len() / 2].to_string()
        } else {
            feed.body.clone()
        };
        let mut r = Response::new(Body::from(body));
        if let Ok(v) = HeaderValue::from_str(&feed.content_type) {
            r.headers_mut().insert("content-type", v);
        }
        r
    };
    for (k, v) in [("etag", &feed.etag), ("last-modified", &feed.last_modified)] {
        if let Ok(v) = HeaderValue::from_str(v) {
            r.headers_mut().insert(k, v);
        }
    }
    r.headers_mut()
        .insert("cache-control", HeaderValue::from_static("max-age=300"));
    r
}
